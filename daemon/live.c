// SPDX-License-Identifier: GPL-3.0-or-later

// `mixd` / `mixd run`: the live daemon.  One JACK client running the
// engine, a control thread that owns everything else.

#include "live.h"

#include "config.h"

#include "jack_host.h"
#include "jack_server.h"
#include "log.h"
#include "loop.h"
#include "session.h"

#include "engine.h"
#include "model.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
  DESIGN: main() sets up, then the loop runs everything (redis's shape):
  a 10 ms tick flushes the engine's queue, keeps the ports in step and
  tries to reach the server when there is none; signals and JACK's
  notifications arrive as wake bytes.  The engine is made once the server
  is reached (it needs the server's rate) from the session, and kept
  across server restarts; a server with another rate gets a new engine
  loaded from the old one's mix.  Nothing here runs on the realtime
  thread: that is jack_host.c's process callback.
*/

/// Tick of the control loop, ms
#define TICK_MS 10U

/// First and longest wait between attempts to reach the server, ms
#define RETRY_FIRST_MS 100.0
#define RETRY_MAX_MS 1000.0

/// Wake bytes of the signals
#define WAKE_QUIT 'q'
#define WAKE_RELOAD 'h'

typedef struct {
  const char* session;       ///< Session file, or NULL
  const char* client_name;   ///< JACK client name
  const char* server_name;   ///< JACK server, or NULL for the default
  bool        no_wait;       ///< Exit if no server answers at start
  bool        start_server;  ///< Start a private dummy server
  unsigned    server_rate;   ///< Its sample rate, Hz
  unsigned    server_period; ///< Its period, frames
} LiveOptions;

typedef struct {
  LiveOptions opts;
  MxLoop*     loop;
  MxJackHost* host;
  MxEngine*   engine;            ///< The mix, once a server gave it a rate
  MxModel*    pending;           ///< The session, until there is an engine
  pid_t       server;            ///< A server we started, or 0
  char        server_label[128]; ///< "the JACK server 'name'", for messages
  double      next_try;          ///< When to try the server again, ms
  double      retry;             ///< Current wait between tries, ms
  bool        ever_open;         ///< Reached a server at least once
  bool        waiting;           ///< "Waiting" was said since the last connection
  uint64_t    xruns;             ///< Xruns already reported
  double      xruns_said;        ///< When xruns were last reported, ms
  int         status;            ///< Exit status
} Live;

static MxLoop* signal_loop; ///< The loop the signal handlers wake

static void
on_signal(const int sig)
{
  // Only a write: the loop does the work (redis, jalv)
  mx_loop_wake(signal_loop, sig == SIGHUP ? WAKE_RELOAD : WAKE_QUIT);
}

static int
install_signals(MxLoop* const loop)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  signal_loop = loop;
  const int ok =
    sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL) || sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  return ok;
}

// ---------------------------------------------------------------------------
// Sessions

static MxModel*
read_session(const Live* const live)
{
  char           err[1024];
  MxModel*       model  = NULL;
  const MxLimits limits = mx_limits_default();
  if (!live->opts.session) {
    return mx_model_new(&limits, false);
  }
  if (mx_session_read_file(live->opts.session, &limits, &model, err, sizeof(err))) {
    mx_log(MX_LOG_ERROR, "%s", err);
    return NULL;
  }
  return model;
}

// SIGHUP: the session file again; a broken one changes nothing
static void
reload(Live* const live)
{
  if (!live->opts.session) {
    mx_log(MX_LOG_NOTICE, "SIGHUP: no session file to reload");
    return;
  }
  MxModel* const model = read_session(live);
  if (!model) {
    mx_log(MX_LOG_ERROR, "reload of %s failed: the mix is unchanged", live->opts.session);
    return;
  }
  if (live->engine) {
    const MxStatus st = mx_engine_load(live->engine, model);
    mx_model_free(model);
    if (st) {
      mx_log(MX_LOG_ERROR, "reload of %s: %s", live->opts.session, mx_strerror(st));
      return;
    }
    mx_jack_host_sync(live->host);
  } else {
    mx_model_free(live->pending);
    live->pending = model;
  }
  mx_log(MX_LOG_NOTICE, "reloaded %s", live->opts.session);
}

// ---------------------------------------------------------------------------
// The server

// An engine at the server's rate, from the mix so far
static MxEngine*
engine_for(Live* const live, const double rate)
{
  MxEngineConfig config  = mx_engine_config_default();
  config.rate            = rate;
  config.max_block       = MX_DSP_MAX_BLOCK;
  MxEngine* const engine = mx_engine_new(&config);
  if (!engine) {
    mx_log(MX_LOG_ERROR, "out of memory for the engine");
    return NULL;
  }

  const MxModel* const mix = live->engine ? mx_engine_model(live->engine) : live->pending;
  const MxStatus       st  = mix ? mx_engine_load(engine, mix) : MX_SUCCESS;
  if (st || mx_engine_settle(engine)) {
    mx_log(MX_LOG_ERROR, "cannot load the mix into the engine: %s", mx_strerror(st));
    mx_engine_free(engine);
    return NULL;
  }
  return engine;
}

static void
connected(Live* const live)
{
  const double   rate   = mx_jack_host_rate(live->host);
  const uint32_t period = mx_jack_host_period(live->host);
  mx_log(MX_LOG_NOTICE,
         "connected to %s as '%s' (%.0f Hz, %u frames)",
         live->server_label,
         mx_jack_host_client_name(live->host),
         rate,
         period);

  if (!live->engine || mx_engine_config(live->engine)->rate != rate) {
    if (live->engine) {
      mx_log(MX_LOG_NOTICE, "new sample rate: the engine is rebuilt with the same mix");
    }
    MxEngine* const engine = engine_for(live, rate);
    if (!engine) {
      mx_jack_host_close(live->host);
      return;
    }
    mx_engine_free(live->engine);
    live->engine = engine;
    mx_model_free(live->pending);
    live->pending = NULL;
  }

  if (mx_jack_host_start(live->host, live->engine)) {
    mx_jack_host_close(live->host);
    return;
  }
  live->ever_open = true;
  live->waiting   = false;
  live->retry     = RETRY_FIRST_MS;
}

// Reach the server when it is time to try again
static void
try_server(Live* const live)
{
  char why[128];
  if (mx_loop_now_ms() < live->next_try) {
    return;
  }
  if (!mx_jack_host_open(live->host, why, sizeof(why))) {
    connected(live);
    return;
  }

  if (live->opts.no_wait && !live->ever_open) {
    mx_log(MX_LOG_ERROR, "%s: %s (--no-wait)", live->server_label, why);
    live->status = 1;
    mx_loop_quit(live->loop);
    return;
  }
  if (!live->waiting) {
    mx_log(MX_LOG_NOTICE, "%s: %s; waiting for it", live->server_label, why);
    live->waiting = true;
  }
  live->next_try = mx_loop_now_ms() + live->retry;
  live->retry    = live->retry * 2.0 < RETRY_MAX_MS ? live->retry * 2.0 : RETRY_MAX_MS;
}

static void
report_xruns(Live* const live)
{
  const uint64_t xruns = mx_jack_host_xruns(live->host);
  const double   now   = mx_loop_now_ms();
  if (xruns != live->xruns && now - live->xruns_said >= 1000.0) {
    mx_log(MX_LOG_WARNING,
           "%llu xrun%s (%llu in all)",
           (unsigned long long)(xruns - live->xruns),
           xruns - live->xruns == 1U ? "" : "s",
           (unsigned long long)xruns);
    live->xruns      = xruns;
    live->xruns_said = now;
  }
}

static void
tick(void* const data)
{
  Live* const live = (Live*)data;
  if (!mx_jack_host_is_open(live->host)) {
    try_server(live);
  }
  if (live->engine) {
    mx_engine_flush(live->engine);
  }
  mx_jack_host_sync(live->host);
  report_xruns(live);
}

static void
wake(void* const data, const char what)
{
  Live* const live = (Live*)data;
  switch (what) {
    case WAKE_QUIT:
      mx_log(MX_LOG_NOTICE, "stopping");
      mx_loop_quit(live->loop);
      break;
    case WAKE_RELOAD:
      reload(live);
      break;
    default:
      if (mx_jack_host_wake(live->host, what)) {
        mx_log(MX_LOG_WARNING,
               "%s went away; keeping the mix and trying to reach it again",
               live->server_label);
        live->retry    = RETRY_FIRST_MS;
        live->next_try = mx_loop_now_ms() + live->retry;
        live->waiting  = true;
      }
      break;
  }
}

// ---------------------------------------------------------------------------
// Command line

static void
print_usage(FILE* const out)
{
  fprintf(out,
          "Usage: mixd [run] [OPTION]...\n"
          "Run the mixer as a JACK client, controlled by its session.\n"
          "\n"
          "  -s, --session FILE       the mix (mixd-session(5)); SIGHUP reads it again\n"
          "  -n, --name CLIENT        JACK client name (default mixd)\n"
          "  -S, --server NAME        JACK server to connect to (default: the default one)\n"
          "      --no-wait            exit with status 1 if no server answers at start\n"
          "      --start-server dummy start a private dummy JACK server (for demos and\n"
          "                           tests); it is stopped on exit\n"
          "      --server-rate HZ     its sample rate (default 48000)\n"
          "      --server-period N    its period, frames (default 256)\n"
          "  -l, --log-level LEVEL    error, warning, notice (default), info or debug\n"
          "  -h, --help               print this help and exit\n");
}

static int
parse_unsigned(const char* const text, const unsigned lo, const unsigned hi, unsigned* const out)
{
  char*               end = NULL;
  const unsigned long v   = strtoul(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) {
    return -1;
  }
  *out = (unsigned)v;
  return 0;
}

// 0 to run, 1 for help (exit 0), 2 for a usage error
static int
parse_options(int argc, char** argv, LiveOptions* const opts)
{
  enum { OPT_NO_WAIT = 256, OPT_START_SERVER, OPT_SERVER_RATE, OPT_SERVER_PERIOD };
  static const struct option options[] = {
    { "session", required_argument, NULL, 's' },
    { "name", required_argument, NULL, 'n' },
    { "server", required_argument, NULL, 'S' },
    { "no-wait", no_argument, NULL, OPT_NO_WAIT },
    { "start-server", required_argument, NULL, OPT_START_SERVER },
    { "server-rate", required_argument, NULL, OPT_SERVER_RATE },
    { "server-period", required_argument, NULL, OPT_SERVER_PERIOD },
    { "log-level", required_argument, NULL, 'l' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };

  memset(opts, 0, sizeof(*opts));
  opts->client_name   = "mixd";
  opts->server_rate   = 48000U;
  opts->server_period = 256U;
  MxLogLevel level    = MX_LOG_NOTICE;
  int        opt      = 0;
  optind              = 1;
  while ((opt = getopt_long(argc, argv, "s:n:S:l:h", options, NULL)) != -1) {
    switch (opt) {
      case 's':
        opts->session = optarg;
        break;
      case 'n':
        opts->client_name = optarg;
        break;
      case 'S':
        opts->server_name = optarg;
        break;
      case OPT_NO_WAIT:
        opts->no_wait = true;
        break;
      case OPT_START_SERVER:
        if (strcmp(optarg, "dummy")) {
          fprintf(stderr, "mixd: --start-server only starts a dummy server, not '%s'\n", optarg);
          return 2;
        }
        opts->start_server = true;
        break;
      case OPT_SERVER_RATE:
        if (parse_unsigned(optarg, 8000U, 192000U, &opts->server_rate)) {
          fprintf(stderr, "mixd: --server-rate must be 8000 to 192000 Hz, not '%s'\n", optarg);
          return 2;
        }
        break;
      case OPT_SERVER_PERIOD:
        if (parse_unsigned(optarg, 16U, 8192U, &opts->server_period)) {
          fprintf(stderr, "mixd: --server-period must be 16 to 8192 frames, not '%s'\n", optarg);
          return 2;
        }
        break;
      case 'l':
        if (!mx_log_level_find(optarg, &level)) {
          fprintf(stderr,
                  "mixd: --log-level must be error, warning, notice, info or debug, not '%s'\n",
                  optarg);
          return 2;
        }
        break;
      case 'h':
        print_usage(stdout);
        return 1;
      default:
        print_usage(stderr);
        return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "mixd: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  mx_log_set_level(level);
  return 0;
}

static void
live_free(Live* const live)
{
  mx_jack_host_free(live->host);
  mx_engine_free(live->engine);
  mx_model_free(live->pending);
  if (live->server) {
    mx_jack_server_stop(live->server);
    mx_log(MX_LOG_NOTICE, "stopped the JACK server");
  }
  mx_loop_free(live->loop);
}

int
mx_live_main(int argc, char** argv)
{
  static Live live;
  memset(&live, 0, sizeof(live));
  const int parsed = parse_options(argc, argv, &live.opts);
  if (parsed) {
    return parsed == 1 ? 0 : 2;
  }

  // A private server needs a name of its own
  static char private_name[64];
  if (live.opts.start_server && !live.opts.server_name) {
    snprintf(private_name, sizeof(private_name), "mixd-%ld", (long)getpid());
    live.opts.server_name = private_name;
  }
  snprintf(live.server_label,
           sizeof(live.server_label),
           "JACK server '%s'",
           live.opts.server_name ? live.opts.server_name : "default");

  live.loop               = mx_loop_new(wake, &live);
  live.pending            = live.loop ? read_session(&live) : NULL;
  const MxJackConfig jack = { live.opts.client_name, live.opts.server_name };
  live.host               = live.pending ? mx_jack_host_new(&jack, live.loop) : NULL;
  if (!live.host || install_signals(live.loop) || mx_loop_every(live.loop, TICK_MS, tick, &live)) {
    if (live.loop && live.pending) {
      mx_log(MX_LOG_ERROR, "cannot start: out of memory");
    }
    live_free(&live);
    return 1;
  }
  if (live.opts.start_server && mx_jack_server_start(live.opts.server_name,
                                                     live.opts.server_rate,
                                                     live.opts.server_period,
                                                     10000U,
                                                     &live.server)) {
    mx_log(MX_LOG_ERROR, "cannot start the dummy JACK server '%s'", live.opts.server_name);
    live_free(&live);
    return 1;
  }

  mx_log(MX_LOG_NOTICE,
         "mixd %s starting%s%s",
         PACKAGE_VERSION,
         live.opts.session ? " with " : "",
         live.opts.session ? live.opts.session : "");
  live.retry = RETRY_FIRST_MS;
  try_server(&live);
  mx_loop_run(live.loop);
  live_free(&live);
  return live.status;
}
