// SPDX-License-Identifier: GPL-3.0-or-later

// The daemon's settings (daemon/settings.h): one table read from the system
// file, the user file and the command line, in that order, each
// overriding the one before; a bad line is "FILE:LINE: reason" and the
// whole file is refused.

#include "settings.h"

#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/// A private XDG_CONFIG_HOME for the file tests
static char home[64];

static void
write_file(const char* const path, const char* const text)
{
  FILE* const f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  ck_assert_int_eq(fclose(f), 0);
}

// A config file in `home` with `text`; its path in `path`
static void
config_file(char* const path, const size_t size, const char* const text)
{
  snprintf(path, size, "%s/test.conf", home);
  write_file(path, text);
}

static void
setup(void)
{
  snprintf(home, sizeof(home), "/tmp/mixd-config-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(home));
}

static void
teardown(void)
{
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
  ck_assert_int_eq(system(cmd), 0);
}

// ---------------------------------------------------------------- Defaults

START_TEST(defaults_are_documented_ones)
{
  MxSettings c;
  mx_settings_defaults(&c);
  ck_assert_uint_eq(c.osc_port, 7770U);
  ck_assert_str_eq(c.osc_listen, "127.0.0.1");
  ck_assert_uint_eq(c.osc_lease, 30U);
  ck_assert(c.osc);
  ck_assert_str_eq(c.client_name, "mixd");
  ck_assert_str_eq(c.server_name, "");
  ck_assert_uint_eq(c.n_osc_allow, 0U);
  ck_assert_uint_eq(c.limits.strips, mx_limits_default().strips);
  ck_assert_uint_eq(c.limits.buses, mx_limits_default().buses);
  ck_assert_uint_eq(c.meter_ms, 20U);
  ck_assert(c.restore);
  ck_assert_int_eq(c.log_level, MX_LOG_NOTICE);
}
END_TEST

START_TEST(session_dir_follows_xdg)
{
  MxSettings c;
  char       dir[MX_SETTINGS_PATH_MAX];
  mx_settings_defaults(&c);
  setenv("HOME", "/home/ann", 1);
  unsetenv("XDG_DATA_HOME");
  ck_assert_int_eq(mx_settings_session_dir(&c, dir, sizeof(dir)), MX_SUCCESS);
  ck_assert_str_eq(dir, "/home/ann/.local/share/mixd/sessions");

  setenv("XDG_DATA_HOME", "/srv/data", 1);
  ck_assert_int_eq(mx_settings_session_dir(&c, dir, sizeof(dir)), MX_SUCCESS);
  ck_assert_str_eq(dir, "/srv/data/mixd/sessions");

  // A relative XDG_DATA_HOME is ignored, as the specification says
  setenv("XDG_DATA_HOME", "data", 1);
  ck_assert_int_eq(mx_settings_session_dir(&c, dir, sizeof(dir)), MX_SUCCESS);
  ck_assert_str_eq(dir, "/home/ann/.local/share/mixd/sessions");

  ck_assert_int_eq(mx_settings_set(&c, "session-dir", "~/mixes", NULL, 0U), MX_SUCCESS);
  ck_assert_int_eq(mx_settings_session_dir(&c, dir, sizeof(dir)), MX_SUCCESS);
  ck_assert_str_eq(dir, "/home/ann/mixes");

  ck_assert_int_eq(mx_settings_set(&c, "session-dir", "/var/lib/mixd", NULL, 0U), MX_SUCCESS);
  ck_assert_int_eq(mx_settings_session_dir(&c, dir, sizeof(dir)), MX_SUCCESS);
  ck_assert_str_eq(dir, "/var/lib/mixd");
}
END_TEST

// ---------------------------------------------------------------- Values

START_TEST(set_checks_every_kind)
{
  MxSettings c;
  char       why[256];
  mx_settings_defaults(&c);
  ck_assert_int_eq(mx_settings_set(&c, "osc-port", "9000", why, sizeof(why)), MX_SUCCESS);
  ck_assert_uint_eq(c.osc_port, 9000U);
  ck_assert_int_eq(mx_settings_set(&c, "osc-port", "65536", why, sizeof(why)), MX_ERR_RANGE);
  ck_assert_ptr_nonnull(strstr(why, "0 to 65535"));
  ck_assert_int_eq(mx_settings_set(&c, "osc-port", "-1", why, sizeof(why)), MX_ERR_RANGE);
  ck_assert_int_eq(mx_settings_set(&c, "osc-port", "12x", why, sizeof(why)), MX_ERR_RANGE);
  ck_assert_int_eq(mx_settings_set(&c, "osc-port", "", why, sizeof(why)), MX_ERR_RANGE);
  ck_assert_uint_eq(c.osc_port, 9000U); // unchanged by the bad ones

  ck_assert_int_eq(mx_settings_set(&c, "osc", "off", why, sizeof(why)), MX_SUCCESS);
  ck_assert(!c.osc);
  ck_assert_int_eq(mx_settings_set(&c, "osc", "maybe", why, sizeof(why)), MX_ERR_BAD_ARG);
  ck_assert_ptr_nonnull(strstr(why, "yes or no"));

  ck_assert_int_eq(mx_settings_set(&c, "log-level", "debug", why, sizeof(why)), MX_SUCCESS);
  ck_assert_int_eq(c.log_level, MX_LOG_DEBUG);
  ck_assert_int_eq(mx_settings_set(&c, "log-level", "loud", why, sizeof(why)), MX_ERR_BAD_ARG);

  ck_assert_int_eq(mx_settings_set(&c, "osc-allow", "192.168.1.0/24, 10.0.0.0/8", why, sizeof(why)),
                   MX_SUCCESS);
  ck_assert_uint_eq(c.n_osc_allow, 2U);
  ck_assert_int_eq(mx_settings_set(&c, "osc-allow", "192.168.1.300/24", why, sizeof(why)),
                   MX_ERR_BAD_ARG);
  ck_assert_ptr_nonnull(strstr(why, "192.168.1.300/24"));

  ck_assert_int_eq(mx_settings_set(&c, "start-server", "dummy", why, sizeof(why)), MX_SUCCESS);
  ck_assert(c.start_server);
  ck_assert_int_eq(mx_settings_set(&c, "start-server", "alsa", why, sizeof(why)), MX_ERR_BAD_ARG);

  char long_name[200];
  memset(long_name, 'x', sizeof(long_name) - 1U);
  long_name[sizeof(long_name) - 1U] = '\0';
  ck_assert_int_eq(mx_settings_set(&c, "name", long_name, why, sizeof(why)), MX_ERR_RANGE);
  ck_assert_str_eq(c.client_name, "mixd");

  ck_assert_int_eq(mx_settings_set(&c, "strips", "0", why, sizeof(why)), MX_ERR_RANGE);
  ck_assert_int_eq(mx_settings_set(&c, "strips", "32", why, sizeof(why)), MX_SUCCESS);
  ck_assert_uint_eq(c.limits.strips, 32U);

  ck_assert_int_eq(mx_settings_set(&c, "colour", "red", why, sizeof(why)), MX_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(why, "colour"));
}
END_TEST

// ---------------------------------------------------------------- Files

START_TEST(file_sets_values)
{
  MxSettings c;
  char       path[128];
  char       err[512];
  mx_settings_defaults(&c);
  config_file(path,
              sizeof(path),
              "# mixd.conf\n"
              "\n"
              "osc-port = 9001   # trailing comment\n"
              "  osc-listen=0.0.0.0\n"
              "name = \"front of house\"\n"
              "osc-allow = 192.168.1.0/24\n"
              "osc-allow = 10.0.0.0/8\n"
              "restore = no\n"
              "meter-interval = 50"); // no final newline
  ck_assert_int_eq(mx_settings_read_file(&c, path, false, err, sizeof(err)), MX_SUCCESS);
  ck_assert_uint_eq(c.osc_port, 9001U);
  ck_assert_str_eq(c.osc_listen, "0.0.0.0");
  ck_assert_str_eq(c.client_name, "front of house");
  ck_assert_uint_eq(c.n_osc_allow, 2U); // lines of one file add
  ck_assert(!c.restore);
  ck_assert_uint_eq(c.meter_ms, 50U);
}
END_TEST

// A bad line is FILE:LINE and nothing of the file applies
START_TEST(bad_file_is_refused_whole)
{
  static const struct {
    const char* text;
    const char* reason;
  } cases[] = {
    { "osc-port = 9001\nosc-prot = 9002\n", ":2: unknown setting 'osc-prot'" },
    { "osc-port = 9001\n\n# x\nosc-port = lots\n", ":4: osc-port must be a whole number" },
    { "osc-port = 9001\nosc-port 9002\n", ":2: expected 'name = value'" },
    { "osc-port = 9001\nosc = sometimes\n", ":2: osc must be yes or no" },
  };
  for (int i = 0; i < MXT_N_CASES(cases); ++i) {
    MxSettings c;
    char       path[128];
    char       err[512];
    mx_settings_defaults(&c);
    config_file(path, sizeof(path), cases[i].text);
    ck_assert_int_ne(mx_settings_read_file(&c, path, false, err, sizeof(err)), MX_SUCCESS);
    ck_assert_msg(strstr(err, cases[i].reason), "'%s' lacks '%s'", err, cases[i].reason);
    ck_assert_msg(!strncmp(err, path, strlen(path)), "'%s' does not name the file", err);
    ck_assert_uint_eq(c.osc_port, 7770U);
  }
}
END_TEST

START_TEST(truncated_and_empty_files)
{
  MxSettings c;
  char       path[128];
  char       err[512];
  mx_settings_defaults(&c);
  config_file(path, sizeof(path), "");
  ck_assert_int_eq(mx_settings_read_file(&c, path, false, err, sizeof(err)), MX_SUCCESS);

  // Cut in the middle of a line: that line is read as it is
  config_file(path, sizeof(path), "osc-port = 9001\nosc-li");
  ck_assert_int_eq(mx_settings_read_file(&c, path, false, err, sizeof(err)), MX_ERR_BAD_ARG);
  ck_assert_ptr_nonnull(strstr(err, ":2: expected 'name = value'"));
  ck_assert_uint_eq(c.osc_port, 7770U);

  // Binary junk
  config_file(path,
              sizeof(path),
              "\x7f"
              "ELF\x01\x02\n");
  ck_assert_int_ne(mx_settings_read_file(&c, path, false, err, sizeof(err)), MX_SUCCESS);
  ck_assert_ptr_nonnull(strstr(err, ":1:"));

  // A NUL inside a line: a binary file, said so (not "line too long")
  static const char nul[] = "osc-port = 9001\nosc-port = 90\00002\nosc-lease = 5\n";
  FILE* const       f     = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(nul, 1U, sizeof(nul) - 1U, f), sizeof(nul) - 1U);
  ck_assert_int_eq(fclose(f), 0);
  ck_assert_int_eq(mx_settings_read_file(&c, path, false, err, sizeof(err)), MX_ERR_BAD_ARG);
  ck_assert_msg(strstr(err, ":2: a NUL byte: not a text file"), "%s", err);
  ck_assert_uint_eq(c.osc_port, 7770U);

  // A directory, a missing file
  ck_assert_int_ne(mx_settings_read_file(&c, home, false, err, sizeof(err)), MX_SUCCESS);
  ck_assert_ptr_nonnull(strstr(err, home));
  snprintf(path, sizeof(path), "%s/none.conf", home);
  ck_assert_int_eq(mx_settings_read_file(&c, path, false, err, sizeof(err)), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_settings_read_file(&c, path, true, err, sizeof(err)), MX_SUCCESS);
  ck_assert_uint_eq(c.osc_port, 7770U);
}
END_TEST

// The user file overrides the defaults; XDG_CONFIG_HOME says where it is
START_TEST(user_file_from_xdg)
{
  MxSettings c;
  char       path[192];
  char       err[512];
  snprintf(path, sizeof(path), "%s/mixd", home);
  ck_assert_int_eq(mkdir(path, 0700), 0);
  snprintf(path, sizeof(path), "%s/mixd/mixd.conf", home);
  write_file(path, "osc-lease = 90\n");
  setenv("XDG_CONFIG_HOME", home, 1);
  mx_settings_defaults(&c);
  ck_assert_int_eq(mx_settings_read_files(&c, err, sizeof(err)), MX_SUCCESS);
  ck_assert_uint_eq(c.osc_lease, 90U);

  write_file(path, "osc-lease = 0\n");
  ck_assert_int_ne(mx_settings_read_files(&c, err, sizeof(err)), MX_SUCCESS);
  ck_assert_ptr_nonnull(strstr(err, "mixd/mixd.conf:1: osc-lease must be"));
  ck_assert_uint_eq(c.osc_lease, 90U);
}
END_TEST

// ---------------------------------------------------------------- Command line

static int
parse(MxSettings* const c, const char* const* const args)
{
  char* argv[16];
  int   argc   = 0;
  argv[argc++] = (char*)"mixd";
  for (; args[argc - 1]; ++argc) {
    argv[argc] = (char*)args[argc - 1];
  }
  argv[argc] = NULL;
  return mx_settings_parse_args(c, argc, argv, "mixd");
}

START_TEST(args_override_files)
{
  MxSettings c;
  char       path[128];
  char       err[512];
  mx_settings_defaults(&c);
  config_file(
    path, sizeof(path), "osc-port = 9001\nosc-allow = 10.0.0.0/8\nosc = no\nname = fromfile\n");
  ck_assert_int_eq(mx_settings_read_file(&c, path, false, err, sizeof(err)), MX_SUCCESS);

  const char* const args[] = {
    "--osc-port",    "9100",  "--osc-allow", "192.168.1.0/24", "--osc-allow",
    "172.16.0.0/12", "--osc", "-n",          "fromargs",       NULL
  };
  ck_assert_int_eq(parse(&c, args), 0);
  ck_assert_uint_eq(c.osc_port, 9100U);
  ck_assert(c.osc);
  ck_assert_str_eq(c.client_name, "fromargs");
  // The command line's networks replace the file's, and add to each other
  ck_assert_uint_eq(c.n_osc_allow, 2U);

  const char* const off[] = { "--no-osc", "--no-restore", "--no-wait", NULL };
  ck_assert_int_eq(parse(&c, off), 0);
  ck_assert(!c.osc);
  ck_assert(!c.restore);
  ck_assert(c.no_wait);
}
END_TEST

START_TEST(bad_args_are_usage_errors)
{
  static const char* const cases[][3] = {
    { "--osc-port", "port", NULL },
    { "--frobnicate", NULL, NULL },
    { "--osc-lease", "0", NULL },
    { "stray", NULL, NULL },
  };
  for (int i = 0; i < MXT_N_CASES(cases); ++i) {
    MxSettings c;
    mx_settings_defaults(&c);
    ck_assert_int_eq(parse(&c, cases[i]), 2);
  }
}
END_TEST

// --help and mixd.conf(5) come from the table: every setting is in both
START_TEST(help_and_man_list_every_setting)
{
  static const char* const names[] = {
    "session-dir", "osc-port", "osc-listen", "osc-allow",      "osc-lease",         "name",
    "server",      "strips",   "buses",      "meter-interval", "autosave-versions", "restore",
    "log-level"
  };
  char*  help     = NULL;
  size_t help_len = 0U;
  char*  man      = NULL;
  size_t man_len  = 0U;
  FILE*  f        = open_memstream(&help, &help_len);
  mx_settings_print_help(f);
  fclose(f);
  f = open_memstream(&man, &man_len);
  mx_settings_print_man(f);
  fclose(f);
  for (int i = 0; i < MXT_N_CASES(names); ++i) {
    char   option[64];
    char   man_name[64];
    size_t n = 0U;
    snprintf(option, sizeof(option), "--%s", names[i]);
    for (const char* c = names[i]; *c && n + 3U < sizeof(man_name); ++c) {
      if (*c == '-') {
        man_name[n++] = '\\';
      }
      man_name[n++] = *c;
    }
    man_name[n] = '\0';
    ck_assert_msg(strstr(help, option), "--help lacks %s", option);
    ck_assert_msg(strstr(man, man_name), "the man list lacks %s", names[i]);
  }
  free(help);
  free(man);
}
END_TEST

// What `mixd config` prints reads back as the same settings
// What mx_settings_diff() reports: every setting that differs, once, in
// the table's order, with both values and whether SIGHUP applies it
typedef struct {
  char     text[1024];
  unsigned calls;
} DiffLog;

static void
log_diff(const char* const name,
         const char* const was,
         const char* const now,
         const bool        live,
         void* const       data)
{
  DiffLog* const log = (DiffLog*)data;
  const size_t   n   = strlen(log->text);
  snprintf(log->text + n,
           sizeof(log->text) - n,
           "%s %s->%s %s;",
           name,
           was,
           now,
           live ? "live" : "restart");
  ++log->calls;
}

START_TEST(diff_names_changes_and_what_sighup_applies)
{
  MxSettings a;
  MxSettings b;
  char       why[256];
  DiffLog    log = { "", 0U };
  mx_settings_defaults(&a);
  mx_settings_defaults(&b);
  ck_assert_uint_eq(mx_settings_diff(&a, &b, log_diff, &log), 0U);
  ck_assert_uint_eq(log.calls, 0U);

  ck_assert_int_eq(mx_settings_set(&b, "osc-port", "7771", why, sizeof(why)), MX_SUCCESS);
  ck_assert_int_eq(mx_settings_set(&b, "strips", "12", why, sizeof(why)), MX_SUCCESS);
  ck_assert_int_eq(mx_settings_set(&b, "log-level", "debug", why, sizeof(why)), MX_SUCCESS);
  ck_assert_int_eq(mx_settings_set(&b, "osc-allow", "10.0.0.0/8", why, sizeof(why)), MX_SUCCESS);
  ck_assert_uint_eq(mx_settings_diff(&a, &b, log_diff, &log), 4U);
  ck_assert_uint_eq(log.calls, 4U);
  ck_assert_ptr_nonnull(strstr(log.text, "osc-port 7770->7771 live;"));
  ck_assert_ptr_nonnull(strstr(log.text, "osc-allow ->10.0.0.0/8 live;"));
  ck_assert_ptr_nonnull(strstr(log.text, "log-level notice->debug live;"));
  ck_assert_ptr_nonnull(strstr(log.text, "strips 256->12 restart;"));
}
END_TEST

START_TEST(printed_settings_read_back)
{
  MxSettings c;
  MxSettings back;
  char       path[128];
  char       err[512];
  mx_settings_defaults(&c);
  const char* const args[] = { "--osc-port", "9100", "--osc-allow",  "192.168.1.0/24,::1/128",
                               "-n",         "foh",  "--no-restore", "--log-level",
                               "info",       NULL };
  ck_assert_int_eq(parse(&c, args), 0);
  snprintf(path, sizeof(path), "%s/printed.conf", home);
  FILE* const f = fopen(path, "w");
  mx_settings_print(&c, f);
  fclose(f);
  mx_settings_defaults(&back);
  ck_assert_int_eq(mx_settings_read_file(&back, path, false, err, sizeof(err)), MX_SUCCESS);
  ck_assert_int_eq(memcmp(&c, &back, sizeof(c)), 0);
}
END_TEST

static Suite*
settings_suite(void)
{
  Suite* const s = suite_create("settings");
  TCase* const t = tcase_create("settings");
  tcase_add_checked_fixture(t, setup, teardown);
  tcase_add_test(t, defaults_are_documented_ones);
  tcase_add_test(t, session_dir_follows_xdg);
  tcase_add_test(t, set_checks_every_kind);
  tcase_add_test(t, file_sets_values);
  tcase_add_test(t, bad_file_is_refused_whole);
  tcase_add_test(t, truncated_and_empty_files);
  tcase_add_test(t, user_file_from_xdg);
  tcase_add_test(t, args_override_files);
  tcase_add_test(t, bad_args_are_usage_errors);
  tcase_add_test(t, help_and_man_list_every_setting);
  tcase_add_test(t, printed_settings_read_back);
  tcase_add_test(t, diff_names_changes_and_what_sighup_applies);
  suite_add_tcase(s, t);
  return s;
}

int
main(void)
{
  return mxt_run_suite(settings_suite());
}
