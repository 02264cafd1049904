// SPDX-License-Identifier: GPL-3.0-or-later

#include "session.h"

#include "address.h"
#include "atomic_file.h"
#include "params.h"
#include "ports.h"
#include "why.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Most words on a line: an address and three arguments (/bus/add NAME KIND CHANNELS)
#define MAX_WORDS 4U

/// A line cut into words
typedef struct {
  char        text[MX_SESSION_LINE_MAX + 1U]; ///< The words, unquoted, NUL-separated
  const char* word[MAX_WORDS];                ///< The words
  unsigned    n;                              ///< Number of words
} Words;

static bool
is_blank(const char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

// Cut a line into words: blanks separate, "#" outside quotes ends the
// line, double quotes group (with \" and \\ inside)
static MxStatus
split(const char* const line, Words* const w, char* const why, const size_t why_size)
{
  const char* in  = line;
  char*       out = w->text;
  char* const end = w->text + sizeof(w->text) - 1U;
  w->n            = 0U;
  for (;;) {
    while (is_blank(*in)) {
      ++in;
    }
    if (*in == '\0' || *in == '#') {
      return MX_SUCCESS;
    }
    if (w->n == MAX_WORDS) {
      return mx_why(MX_ERR_BAD_ARG, why, why_size, "too many words (at most %u)", MAX_WORDS);
    }

    w->word[w->n++]   = out;
    const bool quoted = *in == '"';
    in += quoted;
    while (*in && (quoted ? *in != '"' : !is_blank(*in) && *in != '#')) {
      if (quoted && *in == '\\' && (in[1] == '"' || in[1] == '\\')) {
        ++in;
      }
      if (out >= end) {
        return mx_why(MX_ERR_BAD_ARG, why, why_size, "line too long");
      }
      *out++ = *in++;
    }
    if (quoted && *in != '"') {
      return mx_why(MX_ERR_BAD_ARG, why, why_size, "unterminated quote");
    }
    in += quoted;
    // The last byte of `text` is for a NUL: a line of MX_SESSION_LINE_MAX
    // bytes, one word after another, fills it exactly
    if (out > end) {
      return mx_why(MX_ERR_BAD_ARG, why, why_size, "line too long");
    }
    *out++ = '\0';
  }
}

static MxStatus
expect_args(const Words* const w,
            const unsigned     n,
            const char* const  usage,
            char* const        why,
            const size_t       why_size)
{
  if (w->n - 1U != n) {
    return mx_why(MX_ERR_BAD_ARG,
                  why,
                  why_size,
                  "%s takes %u argument%s%s%s",
                  w->word[0],
                  n,
                  n == 1U ? "" : "s",
                  *usage ? ": " : "",
                  usage);
  }
  return MX_SUCCESS;
}

// A channel count: "1" or "2"
static MxStatus
parse_channels(const char* const text,
               unsigned* const   channels,
               char* const       why,
               const size_t      why_size)
{
  if (strcmp(text, "1") && strcmp(text, "2")) {
    return mx_why(MX_ERR_BAD_ARG, why, why_size, "channels must be 1 or 2, not '%s'", text);
  }
  *channels = (unsigned)(text[0] - '0');
  return MX_SUCCESS;
}

// Explain an error of the model for a name
static MxStatus
name_error(const MxStatus    st,
           const char* const what,
           const char* const name,
           const MxModel*    model,
           char* const       why,
           const size_t      why_size)
{
  const MxLimits limits = mx_model_limits(model);
  switch (st) {
    case MX_ERR_EXISTS:
      return mx_why(st, why, why_size, "a %s named '%s' already exists", what, name);
    case MX_ERR_FULL:
      return mx_why(st,
                    why,
                    why_size,
                    "no room for another %s (at most %u)",
                    what,
                    !strcmp(what, "strip") ? limits.strips : limits.buses);
    case MX_ERR_BAD_ARG:
      return mx_why(st,
                    why,
                    why_size,
                    "bad name '%s': 1 to %u letters, digits, '_', '-' or '.', not starting with a "
                    "digit, and not add, master or monitor",
                    name,
                    MX_NAME_MAX);
    default:
      return mx_why(st, why, why_size, "%s", mx_strerror(st));
  }
}

static MxStatus
apply_add(MxModel* const      model,
          const MxAddr* const addr,
          const Words* const  w,
          char* const         why,
          const size_t        size)
{
  MxStatus    st       = MX_SUCCESS;
  unsigned    channels = 0U;
  const bool  strip    = addr->kind == MX_ADDR_STRIP_ADD;
  const char* what     = strip ? "strip" : "bus";
  if (strip) {
    TRY(st, expect_args(w, 2U, "NAME CHANNELS", why, size));
    TRY(st, parse_channels(w->word[2], &channels, why, size));
    st = mx_model_add_strip(model, w->word[1], channels, NULL);
  } else {
    MxBusKind kind = MX_BUS_AUX;
    TRY(st, expect_args(w, 3U, "NAME aux|group CHANNELS", why, size));
    if (mx_bus_kind_find(w->word[2], &kind)) {
      return mx_why(
        MX_ERR_BAD_ARG, why, size, "bus kind must be aux or group, not '%s'", w->word[2]);
    }
    TRY(st, parse_channels(w->word[3], &channels, why, size));
    st = mx_model_add_bus(model, w->word[1], kind, channels, NULL);
  }
  return st ? name_error(st, what, w->word[1], model, why, size) : MX_SUCCESS;
}

// Explain a refused route: the path that it would close into a loop
static MxStatus
cycle_error(const MxModel* const model,
            const MxAddr* const  addr,
            char* const          why,
            const size_t         size)
{
  uint32_t       path[MX_LIMIT_MAX_BUSES];
  const uint32_t n =
    mx_model_route_path(model, addr->sub, addr->node.index, path, MX_LIMIT_MAX_BUSES);
  char loop[512];
  int  len = snprintf(loop, sizeof(loop), "%s", mx_model_name(model, addr->node));
  for (uint32_t i = 0U; i < n && len > 0 && (size_t)len < sizeof(loop); ++i) {
    const MxNode bus = { MX_NODE_BUS, path[i] };
    len += snprintf(loop + len, sizeof(loop) - (size_t)len, " -> %s", mx_model_name(model, bus));
  }
  return mx_why(MX_ERR_CYCLE, why, size, "routing would form a cycle: %s", loop);
}

static MxStatus
apply_control(MxModel* const      model,
              const MxAddr* const addr,
              const Words* const  w,
              char* const         why,
              const size_t        size)
{
  MxStatus st    = MX_SUCCESS;
  float    value = 0.0f;
  TRY(st, expect_args(w, 1U, "VALUE", why, size));
  TRY(st, mx_addr_parse_value(addr->param, w->word[1], &value, why, size));
  st = mx_model_set(model, addr->node, addr->param, addr->sub, value);
  if (st == MX_ERR_CYCLE) {
    return cycle_error(model, addr, why, size);
  }
  return st ? mx_why(st, why, size, "%s", mx_strerror(st)) : MX_SUCCESS;
}

// /jack/connect FROM TO, /jack/disconnect FROM TO
static MxStatus
apply_rule(MxModel* const      model,
           const MxAddr* const addr,
           const Words* const  w,
           char* const         why,
           const size_t        size)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, expect_args(w, 2U, "FROM TO", why, size));
  TRY(st, mx_port_pattern_check(w->word[1], why, size));
  TRY(st, mx_port_pattern_check(w->word[2], why, size));
  if (addr->kind == MX_ADDR_DISCONNECT) {
    st = mx_model_remove_connection(model, w->word[1], w->word[2]);
    return st ? mx_why(st, why, size, "no rule connects '%s' to '%s'", w->word[1], w->word[2])
              : MX_SUCCESS;
  }
  st = mx_model_add_connection(model, w->word[1], w->word[2]);
  switch (st) {
    case MX_SUCCESS:
      return MX_SUCCESS;
    case MX_ERR_EXISTS:
      return mx_why(st, why, size, "'%s' is already connected to '%s'", w->word[1], w->word[2]);
    case MX_ERR_FULL:
      return mx_why(
        st, why, size, "no room for another connection rule (at most %u)", MX_CONNECTIONS_MAX);
    default:
      return mx_why(st, why, size, "port patterns are 1 to %u bytes", MX_PORT_PATTERN_MAX);
  }
}

MxStatus
mx_session_apply_line(MxModel* const    model,
                      const char* const line,
                      char* const       why,
                      const size_t      size)
{
  MxStatus st = MX_SUCCESS;
  Words    w  = { .n = 0U }; // Initialised for cppcheck, which cannot see split() fill it
  MxAddr   addr;
  TRY(st, split(line, &w, why, size));
  if (w.n == 0U) {
    return MX_SUCCESS;
  }
  TRY(st, mx_addr_parse(model, w.word[0], &addr, why, size));

  switch (addr.kind) {
    case MX_ADDR_STRIP_ADD:
    case MX_ADDR_BUS_ADD:
      return apply_add(model, &addr, &w, why, size);
    case MX_ADDR_REMOVE:
      TRY(st, expect_args(&w, 0U, "", why, size));
      return mx_model_remove(model, addr.node);
    case MX_ADDR_NAME: {
      const char* const what = mx_node_kind_name(addr.node.kind);
      TRY(st, expect_args(&w, 1U, "NEWNAME", why, size));
      st = mx_model_rename(model, addr.node, w.word[1]);
      return st ? name_error(st, what, w.word[1], model, why, size) : MX_SUCCESS;
    }
    case MX_ADDR_CONNECT:
    case MX_ADDR_DISCONNECT:
      return apply_rule(model, &addr, &w, why, size);
    case MX_ADDR_CONTROL:
      break;
  }
  return apply_control(model, &addr, &w, why, size);
}

// ---------------------------------------------------------------------------
// Reading

// Check that [s, s + n) is UTF-8 (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF); return the offset of the first bad byte, or n
static size_t
utf8_check(const unsigned char* const s, const size_t n)
{
  size_t i = 0U;
  while (i < n) {
    const unsigned char c    = s[i];
    size_t              more = 0U;
    uint32_t            cp   = 0U;
    if (c < 0x80U) {
      ++i;
      continue;
    }
    if (c >= 0xC2U && c <= 0xDFU) {
      more = 1U;
      cp   = c & 0x1FU;
    } else if (c >= 0xE0U && c <= 0xEFU) {
      more = 2U;
      cp   = c & 0x0FU;
    } else if (c >= 0xF0U && c <= 0xF4U) {
      more = 3U;
      cp   = c & 0x07U;
    } else {
      return i;
    }
    for (size_t k = 1U; k <= more; ++k) {
      if (i + k >= n || (s[i + k] & 0xC0U) != 0x80U) {
        return i;
      }
      cp = (cp << 6U) | (s[i + k] & 0x3FU);
    }
    if ((more == 2U && (cp < 0x800U || (cp >= 0xD800U && cp <= 0xDFFFU))) ||
        (more == 3U && (cp < 0x10000U || cp > 0x10FFFFU))) {
      return i;
    }
    i += more + 1U;
  }
  return n;
}

MxStatus
mx_session_parse(const char* const     text,
                 const size_t          len,
                 const char* const     name,
                 const MxLimits* const limits,
                 MxModel** const       out,
                 char* const           err,
                 const size_t          err_size)
{
  *out                 = NULL;
  MxModel* const model = mx_model_new(limits, false);
  if (!model) {
    return mx_why(MX_ERR_NO_MEMORY, err, err_size, "%s: out of memory", name);
  }

  // A UTF-8 byte order mark is allowed, and ignored
  size_t pos = len >= 3U && !memcmp(text, "\xEF\xBB\xBF", 3U) ? 3U : 0U;
  char   line[MX_SESSION_LINE_MAX + 2U];
  char   why[512];
  for (unsigned number = 1U; pos < len; ++number) {
    const char* const start = text + pos;
    const char* const nl    = (const char*)memchr(start, '\n', len - pos);
    const size_t      raw   = nl ? (size_t)(nl - start) : len - pos;
    pos += raw + (nl ? 1U : 0U);

    // The CR of a CRLF ending is part of the ending, not of the line
    const size_t n = raw - (raw > 0U && start[raw - 1U] == '\r');

    MxStatus st = MX_SUCCESS;
    if (memchr(start, '\0', n)) {
      st = mx_why(MX_ERR_BAD_ARG, why, sizeof(why), "NUL byte in the line (not a text file?)");
    } else if (utf8_check((const unsigned char*)start, n) != n) {
      st = mx_why(MX_ERR_BAD_ARG,
                  why,
                  sizeof(why),
                  "not UTF-8 text (byte %zu of the line)",
                  utf8_check((const unsigned char*)start, n) + 1U);
    } else if (n > MX_SESSION_LINE_MAX) {
      st =
        mx_why(MX_ERR_BAD_ARG, why, sizeof(why), "line longer than %u bytes", MX_SESSION_LINE_MAX);
    } else {
      memcpy(line, start, n);
      line[n] = '\0';
      st      = mx_session_apply_line(model, line, why, sizeof(why));
    }
    if (st) {
      mx_why(st, err, err_size, "%s:%u: %s", name, number, why);
      mx_model_free(model);
      return st;
    }
  }

  *out = model;
  return MX_SUCCESS;
}

/// Largest session file read, bytes: far above any real mix
#define MAX_FILE_BYTES (64U << 20)

MxStatus
mx_session_read_text(const char* const path,
                     char** const      out,
                     size_t* const     out_len,
                     char* const       err,
                     const size_t      err_size)
{
  *out          = NULL;
  *out_len      = 0U;
  FILE* const f = fopen(path, "rb");
  if (!f) {
    return mx_why(MX_ERR_NOT_FOUND, err, err_size, "%s: %s", path, strerror(errno));
  }

  char*  text = NULL;
  size_t len  = 0U;
  size_t cap  = 0U;
  bool   ok   = true;
  while (ok) {
    if (len + 1U >= cap) { // room for the NUL
      cap              = cap ? 2U * cap : 65536U;
      char* const more = cap <= MAX_FILE_BYTES ? (char*)realloc(text, cap) : NULL;
      ok               = more != NULL;
      text             = more ? more : text;
    }
    const size_t got = ok ? fread(text + len, 1U, cap - 1U - len, f) : 0U;
    len += got;
    if (got == 0U) {
      break;
    }
  }
  const bool read_error = ferror(f) != 0;
  const int  error      = errno;
  fclose(f);
  if (!ok || read_error) {
    free(text);
    return mx_why(read_error ? MX_ERR_INTERNAL : MX_ERR_NO_MEMORY,
                  err,
                  err_size,
                  "%s: %s",
                  path,
                  read_error ? strerror(error) : "too large (or out of memory)");
  }
  text[len] = '\0';
  *out      = text;
  *out_len  = len;
  return MX_SUCCESS;
}

MxStatus
mx_session_read_file(const char* const     path,
                     const MxLimits* const limits,
                     MxModel** const       out,
                     char* const           err,
                     const size_t          err_size)
{
  *out          = NULL;
  char*    text = NULL;
  size_t   len  = 0U;
  MxStatus st   = mx_session_read_text(path, &text, &len, err, err_size);
  if (st) {
    return st;
  }
  st = mx_session_parse(text, len, path, limits, out, err, err_size);
  free(text);
  return st;
}

// ---------------------------------------------------------------------------
// Writing

/// A growing text buffer
typedef struct {
  char*  text; ///< The text, NUL-terminated
  size_t len;  ///< Its length
  size_t cap;  ///< Its capacity
  bool   ok;   ///< No allocation failed
} Text;

static void
append(Text* const t, const char* const fmt, ...) __attribute__((format(printf, 2, 3)));

static void
append(Text* const t, const char* const fmt, ...)
{
  for (int tries = 0; t->ok && tries < 2; ++tries) {
    va_list args;
    va_start(args, fmt);
    const int n = vsnprintf(t->text + t->len, t->cap - t->len, fmt, args);
    va_end(args);
    if (n < 0) {
      t->ok = false;
    } else if ((size_t)n < t->cap - t->len) {
      t->len += (size_t)n;
      return;
    } else {
      const size_t cap  = 2U * t->cap + (size_t)n;
      char* const  more = (char*)realloc(t->text, cap);
      t->ok             = more != NULL;
      t->text           = more ? more : t->text;
      t->cap            = more ? cap : t->cap;
    }
  }
}

// A word as split() reads it back: quoted if it has blanks, '#', quotes,
// backslashes or nothing at all
static void
append_word(Text* const t, const char* const word)
{
  bool plain = *word != '\0';
  for (const char* c = word; plain && *c; ++c) {
    plain = !is_blank(*c) && *c != '#' && *c != '"' && *c != '\\';
  }
  if (plain) {
    append(t, "%s", word);
    return;
  }
  append(t, "\"");
  for (const char* c = word; *c; ++c) {
    append(t, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
  }
  append(t, "\"");
}

// Every control of a node that is not at its default, in table order
static void
write_controls(Text* const t, const MxModel* const model, const MxNode node)
{
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    const MxParam param = (MxParam)p;
    for (uint32_t sub = 0U; sub < mx_model_sub_count(model, node, param); ++sub) {
      float value = 0.0f;
      if (mx_model_get(model, node, param, sub, &value) ||
          value == mx_model_default(model, node, param, sub)) {
        continue;
      }
      const MxAddr addr = { MX_ADDR_CONTROL, node, param, sub };
      char         path[MX_ADDR_MAX + 1U];
      char         text[32];
      mx_addr_format(model, &addr, path, sizeof(path));
      mx_addr_format_value(param, value, text, sizeof(text));
      append(t, "%s %s\n", path, text);
    }
  }
}

// A connection rule line
static void
append_connect(Text* const t, const char* const from, const char* const to)
{
  append(t, "/jack/connect ");
  append_word(t, from);
  append(t, " ");
  append_word(t, to);
  append(t, "\n");
}

char*
mx_session_format(const MxModel* const model)
{
  return mx_session_format_with(model, NULL, 0U);
}

char*
mx_session_format_with(const MxModel* const             model,
                       const MxSessionConnection* const extra,
                       const size_t                     n_extra)
{
  Text t = { (char*)malloc(4096U), 0U, 4096U, true };
  t.ok   = t.text != NULL;
  append(&t, "# mixd session\n");

  // The strips and buses first: the controls refer to them
  for (uint32_t i = 0U; i < mx_model_count(model, MX_NODE_STRIP); ++i) {
    const MxNode node = { MX_NODE_STRIP, i };
    append(&t, "/strip/add %s %u\n", mx_model_name(model, node), mx_model_channels(model, node));
  }
  for (uint32_t i = 0U; i < mx_model_count(model, MX_NODE_BUS); ++i) {
    const MxNode node = { MX_NODE_BUS, i };
    append(&t,
           "/bus/add %s %s %u\n",
           mx_model_name(model, node),
           mx_bus_kind_name(mx_model_bus_kind(model, node)),
           mx_model_channels(model, node));
  }

  for (unsigned k = 0U; k < MX_NODE_N; ++k) {
    for (uint32_t i = 0U; i < mx_model_count(model, (MxNodeKind)k); ++i) {
      const MxNode node = { (MxNodeKind)k, i };
      write_controls(&t, model, node);
    }
  }

  // The connection rules, last: they name ports, not controls
  for (uint32_t i = 0U; i < mx_model_connection_count(model); ++i) {
    const char* from = NULL;
    const char* to   = NULL;
    mx_model_connection(model, i, &from, &to);
    append_connect(&t, from, to);
  }
  for (size_t i = 0U; i < n_extra; ++i) {
    bool again = mx_model_has_connection(model, extra[i].from, extra[i].to);
    for (size_t j = 0U; j < i && !again; ++j) {
      again = !strcmp(extra[j].from, extra[i].from) && !strcmp(extra[j].to, extra[i].to);
    }
    if (!again) {
      append_connect(&t, extra[i].from, extra[i].to);
    }
  }

  if (!t.ok) {
    free(t.text);
    return NULL;
  }
  return t.text;
}

MxStatus
mx_session_write_file(const char* const    path,
                      const MxModel* const model,
                      char* const          err,
                      const size_t         err_size)
{
  char* const text = mx_session_format(model);
  if (!text) {
    return mx_why(MX_ERR_NO_MEMORY, err, err_size, "%s: out of memory", path);
  }

  MxAtomicFile file;
  const size_t len = strlen(text);
  int          e   = mx_atomic_file_open(&file, path);
  if (!e) {
    e = mx_atomic_file_write(&file, text, len);
    if (e) {
      mx_atomic_file_abort(&file);
    } else {
      e = mx_atomic_file_commit(&file);
    }
  }
  free(text);
  return e ? mx_why(MX_ERR_INTERNAL, err, err_size, "%s: %s", path, strerror(e)) : MX_SUCCESS;
}
