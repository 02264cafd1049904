// SPDX-License-Identifier: GPL-3.0-or-later

// mixd under a session manager (NSM API 1.1, daemon/nsm.h) against a real
// JACK server: a private dummy jackd, mixd as a child process with NSM_URL
// set, and a small fake session manager in the test, a liblo server that
// speaks the manager's side of the protocol over UDP.  Proven: the
// announce (name, capabilities, executable, API version, pid), no JACK
// client before the open, the open (the client id as JACK client name, the
// session in the given directory, --session ignored), save and its file,
// dirty and clean on change only, a switch to another directory and id
// and back, SIGTERM (exit 0, the client gone, nothing saved unasked), and
// a manager that never answers, refuses, or is no URL at all.  Skips
// (exit 77) if jackd is not installed.
//
// Lines starting with "# " on stderr are measurements (ms from a message
// to its answer).

#include "jack_rig.h"
#include "live_check.h"
#include "testutil.h"

#include <jack/jack.h>
#include <lo/lo.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/// Most messages the fake manager keeps
#define FM_MAX 64U

/// The announce timeout of daemon/nsm.h (MX_NSM_ANNOUNCE_MS), ms
#define ANNOUNCE_MS 5000.0

/// One message the fake manager received
typedef struct {
  char    path[64];  ///< Address
  char    types[16]; ///< Type tags
  char    s[4][256]; ///< String arguments, by position (the others "")
  int32_t i[6];      ///< Integer arguments, by position
  bool    taken;     ///< Consumed by fm_wait()
  double  at_ms;     ///< When it was read
} FmMsg;

/// The fake session manager: a socket, what came in, and where mixd is
typedef struct {
  lo_server  server;       ///< The manager's socket (its port is NSM_URL's)
  lo_address client;       ///< mixd's socket, learnt from its announce
  char       url[64];      ///< NSM_URL
  FmMsg      msgs[FM_MAX]; ///< Received, in order
  unsigned   n;            ///< Entries of `msgs`
} Fm;

static Fm fm; ///< The test's manager (one per test)

static int
fm_any_cb(const char* const path,
          const char* const types,
          lo_arg** const    argv,
          const int         argc,
          const lo_message  msg,
          void* const       data)
{
  (void)data;
  if (fm.n == FM_MAX) {
    return 0;
  }
  FmMsg* const m = &fm.msgs[fm.n++];
  memset(m, 0, sizeof(*m));
  snprintf(m->path, sizeof(m->path), "%s", path);
  snprintf(m->types, sizeof(m->types), "%s", types);
  for (int k = 0; k < argc && k < 6; ++k) {
    if (k < 4 && types[k] == 's') {
      snprintf(m->s[k], sizeof(m->s[k]), "%s", (const char*)argv[k]);
    } else if (types[k] == 'i') {
      // liblo's arguments are not aligned for lo_arg (UBSan says so)
      memcpy(&m->i[k], argv[k], sizeof(int32_t));
    }
  }
  m->at_ms = mxt_now_ms();
  if (!fm.client && !strcmp(path, "/nsm/server/announce")) {
    const lo_address from = lo_message_get_source(msg);
    fm.client = lo_address_new(lo_address_get_hostname(from), lo_address_get_port(from));
  }
  return 0;
}

// The manager on 127.0.0.1, any free port, and NSM_URL for mixd
static void
fm_start(void)
{
  memset(&fm, 0, sizeof(fm));
  fm.server = lo_server_new_with_proto(NULL, LO_UDP, NULL);
  ck_assert(fm.server != NULL);
  lo_server_add_method(fm.server, NULL, NULL, fm_any_cb, NULL);
  snprintf(fm.url, sizeof(fm.url), "osc.udp://127.0.0.1:%d/", lo_server_get_port(fm.server));
}

static void
fm_stop(void)
{
  if (fm.client) {
    lo_address_free(fm.client);
  }
  if (fm.server) {
    lo_server_free(fm.server);
  }
  memset(&fm, 0, sizeof(fm));
}

// The first message at `path` not yet taken (and take it), reading for up to `timeout_ms`
static const FmMsg*
fm_wait(const char* const path, const double timeout_ms)
{
  const double end = mxt_now_ms() + timeout_ms;
  do {
    for (unsigned k = 0U; k < fm.n; ++k) {
      if (!fm.msgs[k].taken && !strcmp(fm.msgs[k].path, path)) {
        fm.msgs[k].taken = true;
        return &fm.msgs[k];
      }
    }
  } while (lo_server_recv_noblock(fm.server, 5) >= 0 && mxt_now_ms() < end);
  return NULL;
}

// The answer to `path` (/reply or /error whose first argument is `path`)
static const FmMsg*
fm_answer(const char* const path, const double timeout_ms)
{
  const double end = mxt_now_ms() + timeout_ms;
  do {
    for (unsigned k = 0U; k < fm.n; ++k) {
      FmMsg* const m = &fm.msgs[k];
      if (!m->taken && (!strcmp(m->path, "/reply") || !strcmp(m->path, "/error")) &&
          !strcmp(m->s[0], path)) {
        m->taken = true;
        return m;
      }
    }
  } while (lo_server_recv_noblock(fm.server, 5) >= 0 && mxt_now_ms() < end);
  return NULL;
}

// Send a message to mixd from the manager's socket, as nsmd does
static double
fm_send(const char* const path, const char* const types, ...)
{
  ck_assert_msg(fm.client != NULL, "mixd has not announced");
  va_list          args;
  const lo_message m = lo_message_new();
  va_start(args, types);
  for (const char* t = types; *t; ++t) {
    ck_assert(*t == 's' || *t == 'i');
    if (*t == 's') {
      lo_message_add_string(m, va_arg(args, const char*));
    } else {
      lo_message_add_int32(m, (int32_t)va_arg(args, int));
    }
  }
  va_end(args);
  const double at = mxt_now_ms();
  ck_assert_int_ge(lo_send_message_from(fm.client, fm.server, path, m), 0);
  lo_message_free(m);
  return at;
}

// ---------------------------------------------------------------------------
// Steps

typedef struct {
  MxtServer  server; ///< The private jackd
  MxtClient* probe;  ///< A client to look at the graph with
  MxtMixd    mixd;   ///< mixd, started with NSM_URL
} Nsm;

// jackd, a probe client, the manager, then mixd with NSM_URL = `url` (the manager's if NULL)
static void
nsm_up(Nsm* const n, const char* const url, const char* const session)
{
  static const char* const args[] = { "--osc-port", "0", NULL };
  memset(n, 0, sizeof(*n));
  ck_assert_msg(mxt_server_start(&n->server, NULL), "jackd did not start (see %s)", n->server.log);
  n->probe = mxt_client_open(n->server.name, "probe", 0U, 0U, 0U);
  ck_assert(n->probe != NULL);
  fm_start();
  setenv("NSM_URL", url ? url : fm.url, 1);
  const bool started = mxt_mixd_start_argv(&n->mixd, n->server.name, "mixd", session, args);
  unsetenv("NSM_URL");
  ck_assert(started);
}

// Ports of clients whose name starts with `prefix` ("mixd")
static size_t
ports_of(const Nsm* const n, const char* const prefix)
{
  char pattern[128];
  snprintf(pattern, sizeof(pattern), "^%s", prefix);
  const char** const ports = jack_get_ports(mxt_client_jack(n->probe), pattern, NULL, 0);
  size_t             count = 0U;
  while (ports && ports[count]) {
    ++count;
  }
  jack_free((void*)ports);
  return count;
}

// The announce: what it says
static void
check_announce(const Nsm* const n)
{
  const FmMsg* const a = fm_wait("/nsm/server/announce", MXT_TIMEOUT_MS);
  ck_assert_msg(a != NULL, "no announce (see %s)", n->mixd.log);
  ck_assert_str_eq(a->types, "sssiii");
  ck_assert_str_eq(a->s[0], "mixd"); // the JACK client name it would use
  ck_assert_msg(strstr(a->s[1], ":dirty:") && strstr(a->s[1], ":switch:"), "caps %s", a->s[1]);
  const char* const slash = strrchr(a->s[2], '/');
  ck_assert_str_eq(slash ? slash + 1 : a->s[2], "mixd");
  ck_assert_int_eq(a->i[3], 1);
  ck_assert_int_eq(a->i[5], (int32_t)n->mixd.pid);
}

// Open `dir` as `id`: the reply, then the JACK client `id` with its master
static void
open_as(Nsm* const n, const char* const dir, const char* const id)
{
  char port[128];
  fm_send("/nsm/client/open", "sss", dir, "song", id);
  const double       sent = mxt_now_ms();
  const FmMsg* const r    = fm_answer("/nsm/client/open", MXT_TIMEOUT_MS);
  ck_assert_msg(r != NULL, "no answer to open (see %s)", n->mixd.log);
  ck_assert_msg(!strcmp(r->path, "/reply"), "open refused: %d %s", r->i[1], r->s[2]);
  ck_assert_str_eq(r->types, "ss");
  fprintf(stderr, "# open %s: reply in %.1f ms\n", id, r->at_ms - sent);
  snprintf(port, sizeof(port), "%s:master_out_L", id);
  ck_assert_msg(mxt_client_wait_port(n->probe, port, true, MXT_TIMEOUT_MS),
                "no %s after the open (see %s)",
                port,
                n->mixd.log);
}

// Nothing at `path` for SILENT_MS
static void
fm_quiet(const char* const path)
{
  const FmMsg* const m = fm_wait(path, SILENT_MS);
  ck_assert_msg(m == NULL, "unexpected %s", path);
}

// How long after `since` a message at `path` came; fails if none
static double
fm_after(const char* const path, const double since, const Nsm* const n)
{
  const FmMsg* const m = fm_wait(path, MXT_TIMEOUT_MS);
  ck_assert_msg(m != NULL, "no %s (see %s)", path, n->mixd.log);
  return m->at_ms - since;
}

// ---------------------------------------------------------------------------
// The protocol, step by step

START_TEST(announce_open_save_quit)
{
  Nsm  n;
  char a[600];
  char b[600];
  char file_a[700];
  char file_b[700];
  nsm_up(&n, NULL, "/strip/add vox 1\n");
  mxt_rig_path(a, sizeof(a), "nsm-a/mixd.nABCD");
  mxt_rig_path(b, sizeof(b), "nsm-b/mixd.nEFGH");
  snprintf(file_a, sizeof(file_a), "%s/mixd.session", a);
  snprintf(file_b, sizeof(file_b), "%s/mixd.session", b);

  // Announce; no JACK client until the open, even once under management
  check_announce(&n);
  const unsigned osc_port = mxt_mixd_osc_port(&n.mixd, MXT_TIMEOUT_MS);
  ck_assert(osc_port != 0U);
  ck_assert_uint_eq(ports_of(&n, "mixd"), 0U);
  fm_send("/reply", "ssss", "/nsm/server/announce", "welcome", "Fake Session Manager", ":");
  ck_assert(mxt_file_wait(n.mixd.log, "Fake Session Manager", 1U, MXT_TIMEOUT_MS));
  ck_assert_uint_eq(mxt_file_count(n.mixd.log, "is ignored"), 1U);

  // A save before any open, an open mixd cannot create: refused, still no client
  fm_send("/nsm/client/save", "");
  const FmMsg* e = fm_answer("/nsm/client/save", MXT_TIMEOUT_MS);
  ck_assert(e && !strcmp(e->path, "/error") && e->i[1] == -6);
  fm_send("/nsm/client/open", "sss", "/proc/mixd-nsm/x", "song", "mixd.nBAD");
  e = fm_answer("/nsm/client/open", MXT_TIMEOUT_MS);
  ck_assert(e && !strcmp(e->path, "/error") && e->i[1] == -10);
  mxt_poll_ms(SILENT_MS);
  ck_assert_uint_eq(ports_of(&n, "mixd"), 0U);

  // Open: the client id is the JACK client; --session's strip is not there; clean
  open_as(&n, a, "mixd.nABCD");
  ck_assert_uint_eq(ports_of(&n, "mixd.nABCD:vox"), 0U);
  fm_quiet("/nsm/client/is_dirty");

  // A change over OSC makes it dirty; save writes the file and makes it clean
  Rig rig;
  memset(&rig, 0, sizeof(rig));
  rig.port           = osc_port;
  MxtOsc* const osc  = osc_client(&rig);
  const double  move = mxt_now_ms();
  set_float(osc, "/master/fader", -6.0);
  fprintf(
    stderr, "# is_dirty %.1f ms after the change\n", fm_after("/nsm/client/is_dirty", move, &n));
  fm_quiet("/nsm/client/is_dirty"); // once, not every tick
  const double save = fm_send("/nsm/client/save", "");
  const FmMsg* r    = fm_answer("/nsm/client/save", MXT_TIMEOUT_MS);
  ck_assert_msg(r && !strcmp(r->path, "/reply"), "save refused (see %s)", n.mixd.log);
  fprintf(stderr, "# save: reply in %.1f ms\n", r->at_ms - save);
  fprintf(
    stderr, "# is_clean %.1f ms after the save\n", fm_after("/nsm/client/is_clean", save, &n));
  ck_assert_uint_eq(mxt_file_count(file_a, "/master/fader -6"), 1U);

  // Switch to another directory and id: the old client goes, a new one comes, empty
  open_as(&n, b, "mixd.nEFGH");
  ck_assert(mxt_client_wait_port(n.probe, "mixd.nABCD:master_out_L", false, MXT_TIMEOUT_MS));
  ck_assert(get_float(osc, "/master/fader") == 0.0f);
  fm_quiet("/nsm/client/is_dirty");
  set_float(osc, "/master/fader", -3.0);
  fm_after("/nsm/client/is_dirty", mxt_now_ms(), &n);

  // And back: the session as saved, clean (its autosave holds nothing newer)
  open_as(&n, a, "mixd.nABCD");
  ck_assert(get_float(osc, "/master/fader") == -6.0f);
  fm_quiet("/nsm/client/is_dirty");

  // Back to the other: its unsaved change is restored, and said to be unsaved
  open_as(&n, b, "mixd.nEFGH");
  ck_assert(get_float(osc, "/master/fader") == -3.0f);
  fm_after("/nsm/client/is_dirty", mxt_now_ms(), &n);

  // Quit is SIGTERM: a clean exit, the client gone, nothing saved unasked
  ck_assert_int_eq(mxt_mixd_stop(&n.mixd, SIGTERM), 0);
  ck_assert(mxt_client_wait_port(n.probe, "mixd.nEFGH:master_out_L", false, MXT_TIMEOUT_MS));
  struct stat info;
  ck_assert_int_ne(stat(file_b, &info), 0);
  ck_assert_uint_eq(mxt_file_count(file_a, "/master/fader -6"), 1U);
  fm_stop();
}
END_TEST

// ---------------------------------------------------------------------------
// Without a manager that answers: mixd runs as it would without NSM_URL, or
// ends when refused

START_TEST(manager_silent)
{
  Nsm n;
  nsm_up(&n, NULL, NULL);
  check_announce(&n);
  const double announced = mxt_now_ms();
  ck_assert(mxt_client_wait_port(n.probe, "mixd:master_out_L", true, 3.0 * ANNOUNCE_MS));
  const double waited = mxt_now_ms() - announced;
  fprintf(stderr, "# no answer: on its own after %.0f ms\n", waited);
  ck_assert(waited >= ANNOUNCE_MS - 100.0);
  ck_assert_uint_eq(mxt_file_count(n.mixd.log, "running without session management"), 1U);
  ck_assert_int_eq(mxt_mixd_stop(&n.mixd, SIGTERM), 0);
  fm_stop();
}
END_TEST

START_TEST(manager_refuses)
{
  Nsm n;
  nsm_up(&n, NULL, NULL);
  check_announce(&n);
  fm_send("/error", "sis", "/nsm/server/announce", -3, "blacklisted");
  ck_assert_int_eq(mxt_mixd_wait(&n.mixd, MXT_TIMEOUT_MS), 1);
  ck_assert_uint_eq(mxt_file_count(n.mixd.log, "blacklisted"), 1U);
  ck_assert_uint_eq(ports_of(&n, "mixd"), 0U);
  fm_stop();
}
END_TEST

START_TEST(url_not_osc)
{
  Nsm n;
  nsm_up(&n, "not a URL", NULL);
  ck_assert(mxt_client_wait_port(n.probe, "mixd:master_out_L", true, MXT_TIMEOUT_MS));
  ck_assert_uint_eq(mxt_file_count(n.mixd.log, "running without session management"), 1U);
  ck_assert_int_eq(mxt_mixd_stop(&n.mixd, SIGTERM), 0);
  fm_stop();
}
END_TEST

int
main(void)
{
  const char* why = NULL;
  if (!mxt_rig_begin(&why)) {
    printf("test_nsm: SKIP: %s\n", why);
    return 77;
  }

  Suite* const s        = suite_create("nsm");
  TCase* const protocol = live_case("protocol", 90.0);
  tcase_add_test(protocol, announce_open_save_quit);
  suite_add_tcase(s, protocol);

  TCase* const fallback = live_case("fallback", 60.0);
  tcase_add_test(fallback, manager_silent);
  tcase_add_test(fallback, manager_refuses);
  tcase_add_test(fallback, url_not_osc);
  suite_add_tcase(s, fallback);

  SRunner* const runner = srunner_create(s);
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  mxt_rig_end(failed != 0 || getenv("MXT_KEEP"));
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
