// SPDX-License-Identifier: GPL-3.0-or-later

// `mixd` / `mixd run`: the live daemon.  One JACK client running the
// engine, a control thread that owns everything else.

#include "live.h"

#include "config.h"

#include "jack_host.h"
#include "jack_server.h"
#include "log.h"
#include "loop.h"
#include "desk.h"
#include "desk_osc.h"
#include "session.h"
#include "settings.h"
#include "store.h"

#include "control.h"
#include "server.h"

#include "engine.h"
#include "model.h"

#include <errno.h>
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

/// Wake bytes of the signals
#define WAKE_QUIT 'q'
#define WAKE_RELOAD 'h'

typedef struct {
  MxSettings    opts;
  MxLoop*       loop;
  MxJackHost*   host;
  MxEngine*     engine;            ///< The mix
  MxDesk*       desk;              ///< The session around it
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

// SIGHUP: the session file again (or the session as saved); one that does
// not read changes nothing
static void
reload(Live* const live)
{
  char           why[1024];
  const bool     file = live->opts.session[0] != '\0';
  const MxStatus st   = file ? mx_desk_load_file(live->desk, live->opts.session, why, sizeof(why))
                             : mx_desk_load(live->desk, mx_desk_name(live->desk), why, sizeof(why));
  if (st) {
    mx_log(MX_LOG_ERROR, "reload: %s; the mix is unchanged", why);
    return;
  }
  mx_jack_host_sync(live->host);
  mx_log(MX_LOG_NOTICE, "reloaded %s", file ? live->opts.session : mx_desk_name(live->desk));
}

// ---------------------------------------------------------------------------
// The server

// An engine at the server's rate, from the mix so far
static MxEngine*
engine_for(Live* const live, const double rate)
{
  MxEngineConfig config    = mx_engine_config_default();
  config.rate              = rate;
  config.max_block         = MX_DSP_MAX_BLOCK;
  config.limits            = live->opts.limits;
  config.meter_interval_ms = (float)live->opts.meter_ms;
  MxEngine* const engine   = mx_engine_new(&config);
  if (!engine) {
    mx_log(MX_LOG_ERROR, "out of memory for the engine");
    return NULL;
  }

  const MxModel* const mix = live->engine ? mx_engine_model(live->engine) : NULL;
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
    mx_desk_set_engine(live->desk, engine);
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
  mx_desk_tick(live->desk, mx_loop_now_ms());
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

  live->control = mx_osc_control_new(NULL, live->engine, (double)live->opts.osc_lease);
  if (!live->control) {
    mx_log(MX_LOG_ERROR, "OSC: out of memory");
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

// The session directory, the desk, and the mix to start with
static int
open_desk(Live* const live)
{
  char           dir[MX_SETTINGS_PATH_MAX];
  char           err[1024];
  char           note[1024] = "";
  MxStore*       store      = NULL;
  MxModel*       mix        = NULL;
  const MxLimits limits     = mx_model_limits(mx_engine_model(live->engine));
  if (mx_settings_session_dir(&live->opts, dir, sizeof(dir))) {
    mx_log(MX_LOG_ERROR, "no session directory: set session-dir (or HOME)");
    return -1;
  }
  if (mx_store_open(dir, live->opts.autosave_versions, &store, err, sizeof(err))) {
    mx_log(MX_LOG_ERROR, "%s", err);
    return -1;
  }
  live->desk = mx_desk_new(store, live->control);
  if (!live->desk) {
    mx_log(MX_LOG_ERROR, "out of memory for the session");
    return -1;
  }
  const char* const file = live->opts.session[0] ? live->opts.session : NULL;
  if (mx_desk_start(live->desk,
                    file,
                    live->opts.restore,
                    &limits,
                    &mix,
                    note,
                    sizeof(note),
                    err,
                    sizeof(err))) {
    mx_log(MX_LOG_ERROR, "%s", err);
    return -1;
  }
  MxStatus st = mx_engine_load(live->engine, mix);
  mx_model_free(mix);
  if (st || (st = mx_engine_settle(live->engine))) {
    mx_log(MX_LOG_ERROR, "cannot load the session into the engine: %s", mx_strerror(st));
    return -1;
  }

  // The alias file of the settings, for a session that has none of its own
  if (live->control && live->opts.osc_alias[0] && !mx_osc_control_aliases(live->control)[0] &&
      mx_osc_control_load_aliases(live->control, live->opts.osc_alias, err, sizeof(err))) {
    mx_log(MX_LOG_ERROR, "OSC aliases: %s", err);
    return -1;
  }
  mx_desk_set_engine(live->desk, live->engine);
  if (live->control) {
    mx_desk_osc_attach(live->desk, live->control);
  }
  mx_log(MX_LOG_NOTICE, "%s (sessions in %s)", note, dir);
  return 0;
}

static void
live_free(Live* const live)
{
  mx_desk_free(live->desk); // its last autosave first, while the mix is there
  mx_osc_control_free(live->control);
  mx_osc_server_free(live->osc);
  mx_jack_host_free(live->host);
  mx_engine_free(live->engine);
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
  char        err[1024];
  memset(&live, 0, sizeof(live));
  mx_settings_defaults(&live.opts);
  if (mx_settings_read_files(&live.opts, err, sizeof(err))) {
    mx_log(MX_LOG_ERROR, "%s", err);
    return 1;
  }
  const int parsed = mx_settings_parse_args(&live.opts, argc, argv, "mixd");
  if (parsed) {
    return parsed == 1 ? 0 : 2;
  }
  mx_log_set_level(live.opts.log_level);

  // A private server needs a name of its own
  if (live.opts.start_server && !live.opts.server_name[0]) {
    snprintf(live.opts.server_name, sizeof(live.opts.server_name), "mixd-%ld", (long)getpid());
  }
  const char* const server = live.opts.server_name[0] ? live.opts.server_name : NULL;
  snprintf(
    live.server_label, sizeof(live.server_label), "JACK server '%s'", server ? server : "default");

  live.loop               = mx_loop_new(wake, &live);
  const MxJackConfig jack = { live.opts.client_name, server };
  live.host               = live.loop ? mx_jack_host_new(&jack, live.loop) : NULL;
  if (!live.host || install_signals(live.loop) || mx_loop_every(live.loop, TICK_MS, tick, &live)) {
    mx_log(MX_LOG_ERROR, "cannot start: out of memory");
    live_free(&live);
    return 1;
  }

  // The engine now, at the usual rate (rebuilt if the server has another)
  live.engine = engine_for(&live, (double)live.opts.server_rate);
  if (!live.engine || start_osc(&live) || open_desk(&live)) {
    live_free(&live);
    return 1;
  }
  if (live.opts.start_server &&
      mx_jack_server_start(
        server, live.opts.server_rate, live.opts.server_period, 10000U, &live.server)) {
    mx_log(MX_LOG_ERROR, "cannot start the dummy JACK server '%s'", server);
    live_free(&live);
    return 1;
  }

  mx_log(
    MX_LOG_NOTICE, "mixd %s starting with session '%s'", PACKAGE_VERSION, mx_desk_name(live.desk));
  live.retry = RETRY_FIRST_MS;
  try_server(&live);
  mx_loop_run(live.loop);
  live_free(&live);
  return live.status;
}
