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

#include "control.h"
#include "server.h"

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

/// Frames the engine runs per tick while no server runs it: it keeps
/// applying changes and letting removed strips go, in silence
#define IDLE_FRAMES 256U

/// Default OSC port
#define OSC_DEFAULT_PORT 7770U

/// Wake bytes of the signals
#define WAKE_QUIT 'q'
#define WAKE_RELOAD 'h'

typedef struct {
  const char* session;                     ///< Session file, or NULL
  const char* client_name;                 ///< JACK client name
  const char* server_name;                 ///< JACK server, or NULL for the default
  bool        no_wait;                     ///< Exit if no server answers at start
  bool        start_server;                ///< Start a private dummy server
  unsigned    server_rate;                 ///< Its sample rate, Hz
  unsigned    server_period;               ///< Its period, frames
  bool        osc;                         ///< Listen for OSC
  const char* osc_listen;                  ///< Address to bind
  unsigned    osc_port;                    ///< UDP port
  MxCidr      osc_allow[MX_OSC_MAX_ALLOW]; ///< Networks allowed
  unsigned    n_osc_allow;                 ///< Entries of `osc_allow`
  double      osc_lease;                   ///< Subscription lease, s
  const char* osc_alias;                   ///< Alias file, or NULL
} LiveOptions;

typedef struct {
  LiveOptions   opts;
  MxLoop*       loop;
  MxJackHost*   host;
  MxEngine*     engine;            ///< The mix
  MxModel*      pending;           ///< The session, until there is an engine
  MxOscServer*  osc;               ///< The OSC socket, or NULL
  MxOscControl* control;           ///< OSC control of the engine, or NULL
  double        refused_said;      ///< When refused OSC packets were last logged, ms
  pid_t         server;            ///< A server we started, or 0
  char          server_label[128]; ///< "the JACK server 'name'", for messages
  double        next_try;          ///< When to try the server again, ms
  double        retry;             ///< Current wait between tries, ms
  bool          ever_open;         ///< Reached a server at least once
  bool          waiting;           ///< "Waiting" was said since the last connection
  uint64_t      xruns;             ///< Xruns already reported
  double        xruns_said;        ///< When xruns were last reported, ms
  int           status;            ///< Exit status
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
  const MxStatus st = mx_engine_load(live->engine, model);
  mx_model_free(model);
  if (st) {
    mx_log(MX_LOG_ERROR, "reload of %s: %s", live->opts.session, mx_strerror(st));
    return;
  }
  mx_jack_host_sync(live->host);
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
    if (live->control) {
      mx_osc_control_set_engine(live->control, engine);
    }
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
report_refused(Live* const live)
{
  char         last[64];
  const double now = mx_loop_now_ms();
  if (live->osc && now - live->refused_said >= 1000.0) {
    const uint64_t n = mx_osc_server_take_refused(live->osc, last, sizeof(last));
    if (n) {
      mx_log(MX_LOG_WARNING,
             "OSC: dropped %llu packet%s from outside the allow-list (last from %s)",
             (unsigned long long)n,
             n == 1U ? "" : "s",
             last);
      live->refused_said = now;
    }
  }
}

static void
tick(void* const data)
{
  Live* const live = (Live*)data;
  if (!mx_jack_host_is_open(live->host)) {
    try_server(live);
  }

  // Without a server the engine still runs here, in silence, so that
  // changes apply and removed strips let go of their slots
  if (!mx_jack_host_is_running(live->host)) {
    mx_engine_process(live->engine, NULL, IDLE_FRAMES);
  }
  mx_engine_flush(live->engine);
  mx_jack_host_sync(live->host);
  if (live->control) {
    mx_osc_control_tick(live->control);
  }
  report_xruns(live);
  report_refused(live);
}

static void
osc_readable(void* const data, const int fd)
{
  (void)fd;
  mx_osc_server_receive(((Live*)data)->osc);
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
          "      --osc-port PORT      UDP port for OSC control (default 7770)\n"
          "      --osc-listen ADDR    address to listen on (default 127.0.0.1)\n"
          "      --osc-allow NET      take OSC from this network (CIDR; repeat; default\n"
          "                           loopback only)\n"
          "      --osc-lease SECONDS  lease of a subscription (default 30)\n"
          "      --osc-alias FILE     map a surface's addresses to mixd's\n"
          "      --no-osc             no OSC control\n"
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
  enum {
    OPT_NO_WAIT = 256,
    OPT_START_SERVER,
    OPT_SERVER_RATE,
    OPT_SERVER_PERIOD,
    OPT_OSC_PORT,
    OPT_OSC_LISTEN,
    OPT_OSC_ALLOW,
    OPT_OSC_LEASE,
    OPT_OSC_ALIAS,
    OPT_NO_OSC,
  };
  static const struct option options[] = {
    { "session", required_argument, NULL, 's' },
    { "name", required_argument, NULL, 'n' },
    { "server", required_argument, NULL, 'S' },
    { "no-wait", no_argument, NULL, OPT_NO_WAIT },
    { "start-server", required_argument, NULL, OPT_START_SERVER },
    { "server-rate", required_argument, NULL, OPT_SERVER_RATE },
    { "server-period", required_argument, NULL, OPT_SERVER_PERIOD },
    { "osc-port", required_argument, NULL, OPT_OSC_PORT },
    { "osc-listen", required_argument, NULL, OPT_OSC_LISTEN },
    { "osc-allow", required_argument, NULL, OPT_OSC_ALLOW },
    { "osc-lease", required_argument, NULL, OPT_OSC_LEASE },
    { "osc-alias", required_argument, NULL, OPT_OSC_ALIAS },
    { "no-osc", no_argument, NULL, OPT_NO_OSC },
    { "log-level", required_argument, NULL, 'l' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };

  memset(opts, 0, sizeof(*opts));
  opts->client_name   = "mixd";
  opts->server_rate   = 48000U;
  opts->server_period = 256U;
  opts->osc           = true;
  opts->osc_listen    = "127.0.0.1";
  opts->osc_port      = OSC_DEFAULT_PORT;
  opts->osc_lease     = MX_OSC_DEFAULT_LEASE_S;
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
      case OPT_OSC_PORT:
        if (parse_unsigned(optarg, 0U, 65535U, &opts->osc_port)) {
          fprintf(stderr, "mixd: --osc-port must be a port, 0 to 65535, not '%s'\n", optarg);
          return 2;
        }
        break;
      case OPT_OSC_LISTEN:
        opts->osc_listen = optarg;
        break;
      case OPT_OSC_ALLOW:
        if (opts->n_osc_allow == MX_OSC_MAX_ALLOW ||
            mx_cidr_parse(optarg, &opts->osc_allow[opts->n_osc_allow])) {
          fprintf(
            stderr,
            "mixd: --osc-allow takes a network such as 192.168.1.0/24 (at most %u), not '%s'\n",
            MX_OSC_MAX_ALLOW,
            optarg);
          return 2;
        }
        ++opts->n_osc_allow;
        break;
      case OPT_OSC_LEASE: {
        unsigned lease = 0U;
        if (parse_unsigned(optarg, 1U, 3600U, &lease)) {
          fprintf(stderr, "mixd: --osc-lease must be 1 to 3600 seconds, not '%s'\n", optarg);
          return 2;
        }
        opts->osc_lease = lease;
        break;
      }
      case OPT_OSC_ALIAS:
        opts->osc_alias = optarg;
        break;
      case OPT_NO_OSC:
        opts->osc = false;
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

// The OSC socket and its controller, if asked for
static int
start_osc(Live* const live)
{
  char why[256];
  if (!live->opts.osc) {
    return 0;
  }
  MxOscConfig config;
  memset(&config, 0, sizeof(config));
  config.listen  = live->opts.osc_listen;
  config.port    = live->opts.osc_port;
  config.n_allow = live->opts.n_osc_allow;
  memcpy(config.allow, live->opts.osc_allow, sizeof(config.allow));

  live->control = mx_osc_control_new(NULL, live->engine, live->opts.osc_lease);
  if (!live->control) {
    mx_log(MX_LOG_ERROR, "OSC: out of memory");
    return -1;
  }
  if (live->opts.osc_alias &&
      mx_osc_control_load_aliases(live->control, live->opts.osc_alias, why, sizeof(why))) {
    mx_log(MX_LOG_ERROR, "OSC aliases: %s", why);
    return -1;
  }
  const MxOscHandlers handlers = mx_osc_control_handlers(live->control);
  live->osc                    = mx_osc_server_new(&config, &handlers, why, sizeof(why));
  if (!live->osc) {
    mx_log(MX_LOG_ERROR, "OSC: cannot listen on %s", why);
    return -1;
  }
  mx_osc_control_set_server(live->control, live->osc);
  mx_loop_watch(live->loop, mx_osc_server_fd(live->osc), osc_readable, live);
  mx_log(
    MX_LOG_NOTICE, "OSC on %s port %u (UDP)", live->opts.osc_listen, mx_osc_server_port(live->osc));
  return 0;
}

static void
live_free(Live* const live)
{
  mx_osc_control_free(live->control);
  mx_osc_server_free(live->osc);
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

  // The engine now, at the usual rate (rebuilt if the server has another)
  live.engine = engine_for(&live, (double)live.opts.server_rate);
  if (!live.engine || start_osc(&live)) {
    live_free(&live);
    return 1;
  }
  mx_model_free(live.pending);
  live.pending = NULL;

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
