// SPDX-License-Identifier: GPL-3.0-or-later

#include "settings.h"

#include "why.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// How a setting is read
typedef enum {
  KIND_STRING, ///< Text of at most `size` bytes
  KIND_UINT,   ///< A whole number in [min, max]
  KIND_BOOL,   ///< yes/no, true/false, on/off, 1/0; --NAME sets, --no-NAME clears
  KIND_LEVEL,  ///< A log level
  KIND_CIDRS,  ///< Networks, comma-separated; repeated options add
  KIND_SERVER, ///< "none" or "dummy"
} Kind;

/// One setting
typedef struct {
  const char* name;   ///< Key and long option
  char        letter; ///< Short option, or 0
  Kind        kind;   ///< How it is read
  size_t      offset; ///< Where it lives in MxSettings
  size_t      size;   ///< KIND_STRING: capacity
  unsigned    min;    ///< KIND_UINT: lowest
  unsigned    max;    ///< KIND_UINT: highest
  const char* def;    ///< Default, as text
  const char* arg;    ///< Name of the value in --help
  const char* doc;    ///< What it does, one line
} Setting;

#define AT(field) offsetof(MxSettings, field), sizeof(((MxSettings*)0)->field)
#define LIMIT(field) offsetof(MxSettings, limits) + offsetof(MxLimits, field), 0U

static const Setting settings[] = {
  { "session",
    's',
    KIND_STRING,
    AT(session),
    0U,
    0U,
    "",
    "FILE",
    "the session to start with (mixd-session(5)); SIGHUP reads it again" },
  { "session-dir",
    0,
    KIND_STRING,
    AT(session_dir),
    0U,
    0U,
    "",
    "DIR",
    "where named sessions and their autosaves are kept (empty: $XDG_DATA_HOME/mixd/sessions, "
    "~/.local/share/mixd/sessions)" },
  { "restore",
    0,
    KIND_BOOL,
    AT(restore),
    0U,
    0U,
    "yes",
    NULL,
    "start with the autosave of the last session used (--no-restore: do not)" },
  { "autosave-versions",
    0,
    KIND_UINT,
    AT(autosave_versions),
    1U,
    1000U,
    "10",
    "N",
    "autosaves kept of each session" },
  { "name", 'n', KIND_STRING, AT(client_name), 0U, 0U, "mixd", "CLIENT", "JACK client name" },
  { "server",
    'S',
    KIND_STRING,
    AT(server_name),
    0U,
    0U,
    "",
    "NAME",
    "JACK server to connect to (empty: the default server)" },
  { "no-wait",
    0,
    KIND_BOOL,
    AT(no_wait),
    0U,
    0U,
    "no",
    NULL,
    "exit with status 1 if no JACK server answers at start" },
  { "start-server",
    0,
    KIND_SERVER,
    AT(start_server),
    0U,
    0U,
    "none",
    "dummy",
    "start a private dummy JACK server (for demos and tests), stopped on exit" },
  { "server-rate",
    0,
    KIND_UINT,
    AT(server_rate),
    8000U,
    192000U,
    "48000",
    "HZ",
    "sample rate of that server, and of the engine until a server answers" },
  { "server-period",
    0,
    KIND_UINT,
    AT(server_period),
    16U,
    8192U,
    "256",
    "FRAMES",
    "period of that server" },
  { "osc",
    0,
    KIND_BOOL,
    AT(osc),
    0U,
    0U,
    "yes",
    NULL,
    "listen for OSC control (--no-osc: do not)" },
  { "osc-listen",
    0,
    KIND_STRING,
    AT(osc_listen),
    0U,
    0U,
    "127.0.0.1",
    "ADDR",
    "address the OSC socket listens on (0.0.0.0 or :: for every network)" },
  { "osc-port",
    0,
    KIND_UINT,
    AT(osc_port),
    0U,
    65535U,
    "7770",
    "PORT",
    "UDP port for OSC control (0: any free one)" },
  { "osc-allow",
    0,
    KIND_CIDRS,
    offsetof(MxSettings, osc_allow),
    0U,
    0U,
    0U,
    "",
    "NET",
    "networks OSC is taken from, CIDR, comma-separated or repeated; each file or command line "
    "replaces the list before it (empty: loopback only)" },
  { "osc-lease",
    0,
    KIND_UINT,
    AT(osc_lease),
    1U,
    3600U,
    "30",
    "SECONDS",
    "lease of an OSC subscription" },
  { "osc-alias",
    0,
    KIND_STRING,
    AT(osc_alias),
    0U,
    0U,
    "",
    "FILE",
    "map a surface's addresses to mixd's (mixd-osc(7))" },
  { "strips", 0, KIND_UINT, LIMIT(strips), 1U, MX_LIMIT_MAX_STRIPS, "256", "N", "most strips" },
  { "buses", 0, KIND_UINT, LIMIT(buses), 1U, MX_LIMIT_MAX_BUSES, "64", "N", "most buses" },
  { "vcas", 0, KIND_UINT, LIMIT(vcas), 1U, MX_LIMIT_MAX_VCAS, "16", "N", "VCAs" },
  { "mute-groups",
    0,
    KIND_UINT,
    LIMIT(mute_groups),
    1U,
    MX_LIMIT_MAX_MUTE_GROUPS,
    "8",
    "N",
    "mute groups" },
  { "meter-interval",
    0,
    KIND_UINT,
    AT(meter_ms),
    5U,
    1000U,
    "20",
    "MS",
    "time between meter snapshots" },
  { "log-level",
    'l',
    KIND_LEVEL,
    AT(log_level),
    0U,
    0U,
    "notice",
    "LEVEL",
    "what the log shows: error, warning, notice, info or debug" },
};

#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static const Setting*
find(const char* const name)
{
  for (size_t i = 0U; i < N_SETTINGS; ++i) {
    if (!strcmp(settings[i].name, name)) {
      return &settings[i];
    }
  }
  return NULL;
}

static bool
parse_bool(const char* const text, bool* const out)
{
  static const char* const yes[] = { "yes", "true", "on", "1" };
  static const char* const no[]  = { "no", "false", "off", "0" };
  for (size_t i = 0U; i < 4U; ++i) {
    if (!strcmp(text, yes[i]) || !strcmp(text, no[i])) {
      *out = !strcmp(text, yes[i]);
      return true;
    }
  }
  return false;
}

// Networks, comma-separated, added to those there
static MxStatus
parse_cidrs(MxSettings* const cfg, const char* const text, char* const why, const size_t size)
{
  char  copy[512];
  char* save = NULL;
  snprintf(copy, sizeof(copy), "%s", text);
  for (char* net = strtok_r(copy, ", \t", &save); net; net = strtok_r(NULL, ", \t", &save)) {
    if (cfg->n_osc_allow == MX_OSC_MAX_ALLOW) {
      return mx_why(MX_ERR_RANGE, why, size, "at most %u networks", MX_OSC_MAX_ALLOW);
    }
    if (mx_cidr_parse(net, &cfg->osc_allow[cfg->n_osc_allow])) {
      return mx_why(MX_ERR_BAD_ARG, why, size, "'%s' is not a network such as 192.168.1.0/24", net);
    }
    ++cfg->n_osc_allow;
  }
  return MX_SUCCESS;
}

// Set one setting.  `*cidrs_seen` is false until a source (a file, the
// command line) first gives networks: those replace the list before.
static MxStatus
set_value(MxSettings* const    cfg,
          const Setting* const s,
          const char* const    value,
          bool* const          cidrs_seen,
          char* const          why,
          const size_t         size)
{
  char* const field = (char*)cfg + s->offset;
  switch (s->kind) {
    case KIND_STRING:
      if (strlen(value) >= s->size) {
        return mx_why(MX_ERR_RANGE, why, size, "%s: longer than %zu bytes", s->name, s->size - 1U);
      }
      memcpy(field, value, strlen(value) + 1U);
      return MX_SUCCESS;
    case KIND_UINT: {
      char*               end = NULL;
      const unsigned long v   = strtoul(value, &end, 10);
      if (end == value || *end || value[0] == '-' || v < s->min || v > s->max) {
        return mx_why(MX_ERR_RANGE,
                      why,
                      size,
                      "%s must be a whole number from %u to %u, not '%s'",
                      s->name,
                      s->min,
                      s->max,
                      value);
      }
      memcpy(field, &(unsigned){ (unsigned)v }, sizeof(unsigned));
      return MX_SUCCESS;
    }
    case KIND_BOOL: {
      bool b = false;
      if (!parse_bool(value, &b)) {
        return mx_why(MX_ERR_BAD_ARG, why, size, "%s must be yes or no, not '%s'", s->name, value);
      }
      memcpy(field, &b, sizeof(bool));
      return MX_SUCCESS;
    }
    case KIND_LEVEL: {
      MxLogLevel level = MX_LOG_NOTICE;
      if (!mx_log_level_find(value, &level)) {
        return mx_why(MX_ERR_BAD_ARG,
                      why,
                      size,
                      "%s must be error, warning, notice, info or debug, not '%s'",
                      s->name,
                      value);
      }
      memcpy(field, &level, sizeof(level));
      return MX_SUCCESS;
    }
    case KIND_CIDRS:
      if (!*cidrs_seen) {
        cfg->n_osc_allow = 0U;
        *cidrs_seen      = true;
      }
      return parse_cidrs(cfg, value, why, size);
    case KIND_SERVER:
      if (strcmp(value, "dummy") && strcmp(value, "none")) {
        return mx_why(MX_ERR_BAD_ARG,
                      why,
                      size,
                      "%s starts only a dummy server ('dummy' or 'none'), not '%s'",
                      s->name,
                      value);
      }
      cfg->start_server = !strcmp(value, "dummy");
      return MX_SUCCESS;
  }
  return MX_ERR_BAD_ARG;
}

void
mx_settings_defaults(MxSettings* const cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  for (size_t i = 0U; i < N_SETTINGS; ++i) {
    bool seen = false;
    set_value(cfg, &settings[i], settings[i].def, &seen, NULL, 0U);
  }
}

// One setting by name, within a source
static MxStatus
set_named(MxSettings* const cfg,
          const char* const name,
          const char* const value,
          bool* const       cidrs_seen,
          char* const       why,
          const size_t      size)
{
  const Setting* const s = find(name);
  if (!s) {
    return mx_why(MX_ERR_NOT_FOUND, why, size, "unknown setting '%s'", name);
  }
  return set_value(cfg, s, value, cidrs_seen, why, size);
}

MxStatus
mx_settings_set(MxSettings* const cfg,
                const char* const name,
                const char* const value,
                char* const       why,
                const size_t      size)
{
  bool seen = true; // one value adds to the list
  return set_named(cfg, name, value, &seen, why, size);
}

// ---------------------------------------------------------------------------
// Files

static char*
trim(char* s)
{
  while (isspace((unsigned char)*s)) {
    ++s;
  }
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1U])) {
    s[--n] = '\0';
  }
  return s;
}

MxStatus
mx_settings_read_file(MxSettings* const cfg,
                      const char* const path,
                      const bool        missing_ok,
                      char* const       err,
                      const size_t      size)
{
  FILE* const f = fopen(path, "r");
  if (!f) {
    return missing_ok && errno == ENOENT
             ? MX_SUCCESS
             : mx_why(MX_ERR_NOT_FOUND, err, size, "%s: %s", path, strerror(errno));
  }

  // Work on a copy: the file is applied whole or not at all
  MxSettings next       = *cfg;
  bool       cidrs_seen = false;
  char       line[2048];
  MxStatus   st     = MX_SUCCESS;
  unsigned   n_line = 0U;
  while (!st && fgets(line, sizeof(line), f)) {
    ++n_line;
    char why[512];
    // fgets() stops at a newline, a full buffer or the end: a line that
    // has none of them before its first NUL holds a NUL (a binary file)
    const bool cut = !strchr(line, '\n') && !feof(f);
    if (cut && strlen(line) + 1U < sizeof(line)) {
      st = mx_why(MX_ERR_BAD_ARG, err, size, "%s:%u: a NUL byte: not a text file", path, n_line);
      break;
    }
    if (cut) {
      st = mx_why(MX_ERR_RANGE, err, size, "%s:%u: line too long", path, n_line);
      break;
    }
    char* const hash = strchr(line, '#');
    if (hash) {
      *hash = '\0';
    }
    char* const text = trim(line);
    if (!*text) {
      continue;
    }
    char* const eq = strchr(text, '=');
    if (!eq) {
      st = mx_why(MX_ERR_BAD_ARG, err, size, "%s:%u: expected 'name = value'", path, n_line);
      break;
    }
    *eq                = '\0';
    char* const  key   = trim(text);
    char*        value = trim(eq + 1);
    const size_t len   = strlen(value);
    if (len >= 2U && value[0] == '"' && value[len - 1U] == '"') {
      value[len - 1U] = '\0';
      ++value;
    }
    if (set_named(&next, key, value, &cidrs_seen, why, sizeof(why))) {
      st = mx_why(MX_ERR_BAD_ARG, err, size, "%s:%u: %s", path, n_line, why);
    }
  }
  if (!st && ferror(f)) {
    st = mx_why(MX_ERR_BAD_ARG, err, size, "%s: %s", path, strerror(errno));
  }
  fclose(f);
  if (!st) {
    *cfg = next;
  }
  return st;
}

MxStatus
mx_settings_read_files(MxSettings* const cfg, char* const err, const size_t size)
{
  MxStatus    st   = MX_SUCCESS;
  const char* xdg  = getenv("XDG_CONFIG_HOME");
  const char* home = getenv("HOME");
  char        user[MX_SETTINGS_PATH_MAX];
  // MIXD_SYSTEM_CONF points elsewhere (a test suite, a chroot), as
  // XDG_CONFIG_HOME does for the user's file
  const char* sys = getenv("MIXD_SYSTEM_CONF");
  TRY(st, mx_settings_read_file(cfg, sys && *sys ? sys : MX_SETTINGS_SYSTEM_FILE, true, err, size));
  if (xdg && *xdg) {
    snprintf(user, sizeof(user), "%s/mixd/mixd.conf", xdg);
  } else if (home && *home) {
    snprintf(user, sizeof(user), "%s/.config/mixd/mixd.conf", home);
  } else {
    return MX_SUCCESS;
  }
  return mx_settings_read_file(cfg, user, true, err, size);
}

// ---------------------------------------------------------------------------
// The command line

// "  LEFT   DOC", the doc wrapped at 79 columns under itself
static void
print_help_line(FILE* const out, const char* const left, const char* const doc)
{
  enum { INDENT = 29, WIDTH = 79 };
  int         column = fprintf(out, "  %-26s", left);
  const char* word   = doc;
  if (column > INDENT - 1) {
    fprintf(out, "\n%*s", INDENT - 1, "");
    column = INDENT - 1;
  }
  while (*word) {
    const int len = (int)strcspn(word, " ");
    if (column + 1 + len > WIDTH && column > INDENT - 1) {
      fprintf(out, "\n%*s", INDENT - 1, "");
      column = INDENT - 1;
    }
    column += fprintf(out, " %.*s", len, word);
    word += len;
    word += *word == ' ';
  }
  fputc('\n', out);
}

void
mx_settings_print_help(FILE* const out)
{
  for (size_t i = 0U; i < N_SETTINGS; ++i) {
    const Setting* const s = &settings[i];
    char                 left[64];
    char                 doc[512];
    const char           letter[] = { '-', s->letter, ',', '\0' };
    snprintf(left,
             sizeof(left),
             "%-3s --%s%s%s",
             s->letter ? letter : "",
             s->name,
             s->kind == KIND_BOOL ? "" : " ",
             s->kind == KIND_BOOL ? "" : s->arg);
    snprintf(doc,
             sizeof(doc),
             "%s%s%s%s",
             s->doc,
             s->kind != KIND_BOOL && s->def[0] ? " (default " : "",
             s->kind != KIND_BOOL && s->def[0] ? s->def : "",
             s->kind != KIND_BOOL && s->def[0] ? ")" : "");
    print_help_line(out, left, doc);
  }
  print_help_line(out, "-h, --help", "print this help and exit");
}

// Escape "-" for groff
static void
man_text(FILE* const out, const char* const text)
{
  for (const char* c = text; *c; ++c) {
    if (*c == '-') {
      fputs("\\-", out);
    } else {
      fputc(*c, out);
    }
  }
}

// The settings a running mixd takes on at SIGHUP; the others (JACK,
// capacity, where sessions live) shape what is built at start and wait for
// the next one.  Kept beside the table so that mixd.conf(5) says so for each.
static const char* const live_settings[] = {
  "log-level", "osc-listen", "osc-port", "osc-allow", "osc-lease",
};

static bool
is_live(const Setting* const s)
{
  for (size_t i = 0U; i < sizeof(live_settings) / sizeof(live_settings[0]); ++i) {
    if (!strcmp(live_settings[i], s->name)) {
      return true;
    }
  }
  return false;
}

void
mx_settings_print_man(FILE* const out)
{
  for (size_t i = 0U; i < N_SETTINGS; ++i) {
    const Setting* const s = &settings[i];
    fputs(".TP\n", out);
    if (s->kind == KIND_BOOL) {
      fputs(".B ", out);
      man_text(out, s->name);
    } else {
      fputs(".BI \"", out);
      man_text(out, s->name);
      fputs(" = \" ", out);
      man_text(out, s->arg);
    }
    fputc('\n', out);
    fputc(toupper((unsigned char)s->doc[0]), out);
    man_text(out, s->doc + 1);
    if (s->kind == KIND_UINT) {
      fprintf(out, "; %u to %u", s->min, s->max);
    }
    fputs(". Default: ", out);
    man_text(out, s->def[0] ? s->def : "empty");
    fputs(is_live(s) ? ". SIGHUP applies a new value.\n" : ".\n", out);
  }
}

int
mx_settings_parse_args(MxSettings* const cfg, int argc, char** argv, const char* const prog)
{
  // The options, made from the table: a switch also has --no-NAME
  struct option options[2U * N_SETTINGS + 2U];
  char          shorts[64] = "h";
  char          negated[N_SETTINGS][64];
  size_t        n = 0U;
  for (size_t i = 0U; i < N_SETTINGS; ++i) {
    const Setting* const s = &settings[i];
    options[n++]           = (struct option){
                s->name, s->kind == KIND_BOOL ? no_argument : required_argument, NULL, 256 + (int)i
    };
    if (s->kind == KIND_BOOL && strncmp(s->name, "no-", 3U)) {
      snprintf(negated[i], sizeof(negated[i]), "no-%s", s->name);
      options[n++] = (struct option){ negated[i], no_argument, NULL, 1024 + (int)i };
    }
    if (s->letter) {
      const size_t len = strlen(shorts);
      shorts[len]      = s->letter;
      shorts[len + 1U] = s->kind == KIND_BOOL ? '\0' : ':';
      shorts[len + 2U] = '\0';
    }
  }
  options[n++] = (struct option){ "help", no_argument, NULL, 'h' };
  options[n]   = (struct option){ NULL, 0, NULL, 0 };

  int  opt        = 0;
  bool cidrs_seen = false;
  optind          = 1;
  while ((opt = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
    char           why[512];
    const Setting* s     = NULL;
    const char*    value = optarg;
    if (opt == 'h') {
      fprintf(stdout, "Usage: %s [run] [OPTION]...\nRun the mixer as a JACK client.\n\n", prog);
      mx_settings_print_help(stdout);
      fprintf(stdout,
              "\nSettings also come from /etc/mixd/mixd.conf and ~/.config/mixd/mixd.conf\n"
              "(mixd.conf(5)); options override them.\n");
      return 1;
    }
    for (size_t i = 0U; !s && i < N_SETTINGS; ++i) {
      s = settings[i].letter && opt == settings[i].letter ? &settings[i] : NULL;
    }
    if (!s && opt >= 1024 && opt < 1024 + (int)N_SETTINGS) {
      s     = &settings[opt - 1024];
      value = "no";
    } else if (!s && opt >= 256 && opt < 256 + (int)N_SETTINGS) {
      s     = &settings[opt - 256];
      value = s->kind == KIND_BOOL ? "yes" : optarg;
    }
    if (!s) {
      fprintf(stderr, "Usage: %s [run] [OPTION]... (try %s --help)\n", prog, prog);
      return 2;
    }
    if (set_value(cfg, s, value, &cidrs_seen, why, sizeof(why))) {
      // The reasons name the setting ("log-level must be ..."): as an option, --log-level
      const size_t len   = strlen(s->name);
      const bool   named = !strncmp(why, s->name, len) && why[len] == ' ';
      fprintf(stderr, "%s: --%s%s%s\n", prog, named ? "" : s->name, named ? "" : ": ", why);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
    return 2;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// What is in effect

// A setting's value as text, as a file would give it
static void
format_value(const MxSettings* const cfg,
             const Setting* const    s,
             char* const             out,
             const size_t            size)
{
  const char* const field = (const char*)cfg + s->offset;
  unsigned          u     = 0U;
  bool              b     = false;
  MxLogLevel        level = MX_LOG_NOTICE;
  switch (s->kind) {
    case KIND_STRING:
      snprintf(out, size, "%s", field);
      return;
    case KIND_UINT:
      memcpy(&u, field, sizeof(u));
      snprintf(out, size, "%u", u);
      return;
    case KIND_BOOL:
      memcpy(&b, field, sizeof(b));
      snprintf(out, size, "%s", b ? "yes" : "no");
      return;
    case KIND_LEVEL:
      memcpy(&level, field, sizeof(level));
      snprintf(out, size, "%s", mx_log_level_name(level));
      return;
    case KIND_SERVER:
      snprintf(out, size, "%s", cfg->start_server ? "dummy" : "none");
      return;
    case KIND_CIDRS: {
      size_t n = 0U;
      out[0]   = '\0';
      for (unsigned i = 0U; i < cfg->n_osc_allow && n < size; ++i) {
        const MxCidr* const net = &cfg->osc_allow[i];
        char                addr[INET6_ADDRSTRLEN];
        inet_ntop(net->family, net->bytes, addr, sizeof(addr));
        n += (size_t)snprintf(out + n, size - n, "%s%s/%u", i ? "," : "", addr, net->prefix);
      }
      return;
    }
  }
}

void
mx_settings_print(const MxSettings* const cfg, FILE* const out)
{
  for (size_t i = 0U; i < N_SETTINGS; ++i) {
    char value[MX_SETTINGS_PATH_MAX + 16U];
    format_value(cfg, &settings[i], value, sizeof(value));
    fprintf(out, "%s = %s\n", settings[i].name, value);
  }
}

unsigned
mx_settings_diff(const MxSettings* const   was,
                 const MxSettings* const   now,
                 const MxSettingsChangedCb cb,
                 void* const               data)
{
  unsigned changed = 0U;
  for (size_t i = 0U; i < N_SETTINGS; ++i) {
    char before[MX_SETTINGS_PATH_MAX + 16U];
    char after[MX_SETTINGS_PATH_MAX + 16U];
    format_value(was, &settings[i], before, sizeof(before));
    format_value(now, &settings[i], after, sizeof(after));
    if (strcmp(before, after)) {
      cb(settings[i].name, before, after, is_live(&settings[i]), data);
      ++changed;
    }
  }
  return changed;
}

// `~/x` as $HOME/x, into `out`
static MxStatus
expand_home(const char* const path, char* const out, const size_t size)
{
  const char* const home = getenv("HOME");
  int               n    = 0;
  if (path[0] == '~' && (path[1] == '/' || !path[1])) {
    if (!home || !*home) {
      return MX_ERR_NOT_FOUND;
    }
    n = snprintf(out, size, "%s%s", home, path + 1);
  } else {
    n = snprintf(out, size, "%s", path);
  }
  return n < 0 || (size_t)n >= size ? MX_ERR_RANGE : MX_SUCCESS;
}

MxStatus
mx_settings_session_dir(const MxSettings* const cfg, char* const out, const size_t size)
{
  if (cfg->session_dir[0]) {
    return expand_home(cfg->session_dir, out, size);
  }
  // XDG Base Directory Specification: $XDG_DATA_HOME, else ~/.local/share
  const char* const data = getenv("XDG_DATA_HOME");
  char              base[MX_SETTINGS_PATH_MAX];
  if (data && data[0] == '/') {
    snprintf(base, sizeof(base), "%s/mixd/sessions", data);
  } else {
    snprintf(base, sizeof(base), "~/.local/share/mixd/sessions");
  }
  return expand_home(base, out, size);
}

int
mx_settings_main(int argc, char** argv)
{
  const bool man = argc > 1 && !strcmp(argv[1], "--man");
  if (man) {
    mx_settings_print_man(stdout);
    return 0;
  }
  MxSettings cfg;
  char       err[1024];
  mx_settings_defaults(&cfg);
  if (mx_settings_read_files(&cfg, err, sizeof(err))) {
    fprintf(stderr, "mixd: %s\n", err);
    return 1;
  }
  const int parsed = mx_settings_parse_args(&cfg, argc, argv, "mixd config");
  if (parsed) {
    return parsed == 1 ? 0 : 2;
  }
  mx_settings_print(&cfg, stdout);
  return 0;
}
