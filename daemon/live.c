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
#include "nsm.h"
#include "session.h"
#include "settings.h"
#include "store.h"

#include "control.h"
#include "server.h"
#include "why.h"

#include "engine.h"
#include "model.h"

#include <jack/jack.h>

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

  Under a session manager (NSM_URL, nsm.h) the desk and the JACK client
  wait for the manager's open, as the API requires ("Applications MUST
  NOT register their JACK clients until receiving an open message"): the
  open gives the session directory and the JACK client name, and a later
  open switches both.
*/

/// Tick of the control loop, ms
#define TICK_MS 10U

/// First and longest wait between attempts to reach the server, ms
#define RETRY_FIRST_MS 100.0
#define RETRY_MAX_MS 1000.0

/// How long an attempt to reach the server may hang before mixd says so, ms
#define SLOW_TRY_MS 1000.0

/// Most frames the engine runs in one tick while no server runs it: it
/// keeps applying changes and letting removed strips go, in silence, at
/// the pace of the system clock (scene fades are timed by its frames)
#define IDLE_MAX_FRAMES 4096U

/// The session's name in a session manager's directory: the same in
/// every instance, so that the directory can be given to another one
/// (API, /nsm/client/open: "MUST NOT use the client ID below this point")
#define NSM_SESSION "mixd"

/// How long a session manager's open waits for the JACK server to answer, ms
#define NSM_CONNECT_MS 1000.0

/// Wake bytes of the signals
#define WAKE_QUIT 'q'
#define WAKE_RELOAD 'h'

typedef struct {
  MxSettings    opts;
  int           argc; ///< The command line, read again on SIGHUP
  char**        argv; ///< (its options override the files)
  MxLoop*       loop;
  MxJackHost*   host;
  MxEngine*     engine;            ///< The mix
  MxDesk*       desk;              ///< The session around it (NULL until NSM's open)
  MxNsm*        nsm;               ///< The session manager's client, or NULL
  bool          hold_jack;         ///< No JACK client yet: under NSM, before the open
  MxOscServer*  osc;               ///< The OSC socket, or NULL
  MxOscControl* control;           ///< OSC control of the engine, or NULL
  double        refused_said;      ///< When refused OSC packets were last logged, ms
  pid_t         server;            ///< A server we started, or 0
  char          server_label[128]; ///< "the JACK server 'name'", for messages
  double        idle_since;        ///< When the engine began to run idle, ms (0: it does not)
  uint64_t      idle_frames;       ///< Frames it has run idle since then
  double        next_try;          ///< When to try the server again, ms
  double        try_began;         ///< When the last attempt to reach it began, ms
  bool          slow_said;         ///< That the attempt in flight hangs was said
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

// SIGHUP, second part: the --session file again, for a mix kept in a file
// edited by hand or by a script; one that does not read changes nothing.
// Without --session the mix is left alone: going back to a saved session
// would throw away the changes made since (`mixctl load` does it on purpose).
static void
reload(Live* const live)
{
  char why[1024];
  if (!live->opts.session[0] || live->nsm) {
    return;
  }
  if (!live->desk) {
    mx_log(MX_LOG_NOTICE, "reload: no session is open yet");
    return;
  }
  if (mx_desk_load_file(live->desk, live->opts.session, why, sizeof(why))) {
    mx_log(MX_LOG_ERROR, "reload: %s; the mix is unchanged", why);
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
    mx_desk_set_engine(live->desk, engine); // while the old one is there to look at
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

// An attempt to reach the server has ended (jack_host.h: it ran on the
// host's connector thread while the loop went on)
static void
server_reached(void* const data, const MxStatus status, const char* const why)
{
  Live* const live = (Live*)data;
  if (live->slow_said) {
    mx_log(MX_LOG_NOTICE,
           "the attempt to reach %s ended after %.1f s",
           live->server_label,
           (mx_loop_now_ms() - live->try_began) * 1e-3);
    live->slow_said = false;
  }
  if (!status) {
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

// Reach the server when it is time to try again, unless an attempt is in
// flight; say so once if one hangs (a stopped or half-dead server)
static void
try_server(Live* const live)
{
  const double now = mx_loop_now_ms();
  if (mx_jack_host_connecting(live->host)) {
    if (!live->slow_said && now - live->try_began >= SLOW_TRY_MS) {
      mx_log(MX_LOG_WARNING,
             "%s does not answer; still waiting for it (OSC and signals go on)",
             live->server_label);
      live->slow_said = true;
    }
    return;
  }
  if (now < live->next_try) {
    return;
  }
  live->try_began = now;
  live->slow_said = false;
  if (mx_jack_host_connect(live->host, server_reached, live)) {
    server_reached(live, MX_FAILURE, "cannot start a thread to connect");
  }
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
nsm_tick(Live* live);

// Run the engine idle for the frames the system clock says are due since
// it began to (a tick's worth the first time, and at most IDLE_MAX_FRAMES:
// a stalled loop does not catch up in one go)
static void
run_idle(Live* const live)
{
  const double now  = mx_loop_now_ms();
  const double rate = mx_engine_config(live->engine)->rate;
  if (live->idle_since == 0.0) {
    live->idle_since  = now - TICK_MS;
    live->idle_frames = 0U;
  }
  const double due = (now - live->idle_since) * 1e-3 * rate - (double)live->idle_frames;
  if (due < 1.0) {
    return;
  }
  const uint32_t n = due > IDLE_MAX_FRAMES ? IDLE_MAX_FRAMES : (uint32_t)due;
  mx_engine_process(live->engine, NULL, n);
  live->idle_frames += n;
  if (due > IDLE_MAX_FRAMES) {
    live->idle_since = 0.0; // Behind: start the count again
  }
}

static void
tick(void* const data)
{
  Live* const live = (Live*)data;
  if (live->nsm) {
    nsm_tick(live);
  }
  if (!live->hold_jack && !mx_jack_host_is_open(live->host)) {
    try_server(live);
  }

  // Without a server the engine still runs here, in silence, so that
  // changes apply and removed strips let go of their slots
  if (!mx_jack_host_is_running(live->host)) {
    run_idle(live);
  } else {
    live->idle_since = 0.0;
  }
  mx_engine_flush(live->engine);
  mx_jack_host_sync(live->host);
  if (live->desk) {
    mx_desk_tick(live->desk, mx_loop_now_ms());
    if (live->nsm) {
      mx_nsm_set_dirty(live->nsm, mx_desk_dirty(live->desk)); // sent on a change only
    }
  }
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

// ---------------------------------------------------------------------------
// SIGHUP

// What the OSC socket is bound with, from the settings
static MxOscConfig
osc_config(const MxSettings* const opts)
{
  MxOscConfig config;
  memset(&config, 0, sizeof(config));
  config.listen  = opts->osc_listen;
  config.port    = opts->osc_port;
  config.n_allow = opts->n_osc_allow;
  memcpy(config.allow, opts->osc_allow, sizeof(config.allow));
  return config;
}

static void
say_changed(const char* const name,
            const char* const was,
            const char* const now,
            const bool        live,
            void* const       data)
{
  (void)data;
  if (live) {
    mx_log(MX_LOG_NOTICE, "reload: %s = %s (was %s)", name, now, was);
  } else {
    mx_log(MX_LOG_WARNING,
           "reload: %s = %s takes effect at the next start; running with %s",
           name,
           now,
           was);
  }
}

// Bind the socket the settings now ask for, then let the old one go; if it
// cannot be bound, the old one stays and so do its settings
static bool
rebind_osc(Live* const live, const MxSettings* const next)
{
  char                why[256];
  const MxOscConfig   config   = osc_config(next);
  const MxOscHandlers handlers = mx_osc_control_handlers(live->control);
  MxOscServer* const  server   = mx_osc_server_new(&config, &handlers, why, sizeof(why));
  if (!server) {
    mx_log(MX_LOG_ERROR,
           "reload: OSC cannot listen on %s; still on %s port %u",
           why,
           live->opts.osc_listen,
           mx_osc_server_port(live->osc));
    return false;
  }
  mx_loop_unwatch(live->loop, mx_osc_server_fd(live->osc));
  mx_osc_control_set_server(live->control, server);
  mx_osc_server_free(live->osc);
  live->osc = server;
  mx_loop_watch(live->loop, mx_osc_server_fd(server), osc_readable, live);
  mx_log(MX_LOG_NOTICE, "OSC on %s port %u (UDP)", next->osc_listen, mx_osc_server_port(server));
  return true;
}

// SIGHUP, first part: mixd.conf and the command line read again, as at
// start; what a running mixd can take on is applied (mixd.conf(5) marks
// it), the rest is logged as waiting for the next start.  A file that
// does not read changes nothing.
static void
reload_settings(Live* const live)
{
  char       err[1024];
  MxSettings next;
  mx_settings_defaults(&next);
  if (mx_settings_read_files(&next, err, sizeof(err))) {
    mx_log(MX_LOG_ERROR, "reload: %s; the settings are unchanged", err);
    return;
  }
  if (mx_settings_parse_args(&next, live->argc, live->argv, "mixd")) {
    mx_log(MX_LOG_ERROR, "reload: the command line no longer reads; the settings are unchanged");
    return;
  }
  // Names given at start rather than read: a private server's, the manager's client id
  if (next.start_server && !next.server_name[0]) {
    memcpy(next.server_name, live->opts.server_name, sizeof(next.server_name));
  }
  if (live->nsm) {
    memcpy(next.client_name, live->opts.client_name, sizeof(next.client_name));
  }
  if (!mx_settings_diff(&live->opts, &next, say_changed, NULL)) {
    mx_log(MX_LOG_INFO, "reload: the settings are unchanged");
    return;
  }

  MxSettings applied = live->opts;
  applied.log_level  = next.log_level;
  mx_log_set_level(applied.log_level);
  if (live->osc) {
    const bool moved =
      strcmp(next.osc_listen, live->opts.osc_listen) || next.osc_port != live->opts.osc_port;
    if (!moved || rebind_osc(live, &next)) {
      memcpy(applied.osc_listen, next.osc_listen, sizeof(applied.osc_listen));
      applied.osc_port    = next.osc_port;
      applied.n_osc_allow = next.n_osc_allow;
      memcpy(applied.osc_allow, next.osc_allow, sizeof(applied.osc_allow));
      mx_osc_server_set_allow(live->osc, applied.osc_allow, applied.n_osc_allow);
    }
    applied.osc_lease = next.osc_lease;
    mx_osc_control_set_lease(live->control, (double)applied.osc_lease);
  }
  live->opts = applied;
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
      reload_settings(live);
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
  const MxOscConfig config = osc_config(&live->opts);
  live->control            = mx_osc_control_new(NULL, live->engine, (double)live->opts.osc_lease);
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

// The connections the JACK host remembers, for the desk to save (the host
// is read at each call: a session manager's open may replace it)
static MxSessionConnection*
host_connections(void* const data, const MxModel* const mix, size_t* const count)
{
  const Live* const live = (const Live*)data;
  *count                 = 0U;
  return live->host ? mx_jack_host_connections(live->host, mix, count) : NULL;
}

static uint64_t
host_connections_generation(void* const data)
{
  const Live* const live = (const Live*)data;
  return live->host ? mx_jack_host_connections_generation(live->host) : 0U;
}

/*
  The desk on the session directory `dir`, and the mix to start with:
  --session, or what the directory restores.  With `nsm_name` (a session
  manager's directory) there is no --session, a directory that names no
  session uses `nsm_name`, and the desk starts clean unless it restored
  unsaved changes.
*/
static MxStatus
open_desk_in(Live* const       live,
             const char* const dir,
             const char* const nsm_name,
             char* const       err,
             const size_t      err_size)
{
  char           note[1024] = "";
  char           aliases[512];
  char           last[MX_STORE_NAME_MAX];
  MxStore*       store  = NULL;
  MxModel*       mix    = NULL;
  MxStatus       st     = MX_SUCCESS;
  const MxLimits limits = mx_model_limits(mx_engine_model(live->engine));
  TRY(st, mx_store_open(dir, live->opts.autosave_versions, &store, err, err_size));
  if (nsm_name && mx_store_last(store, last, sizeof(last)) &&
      (st = mx_store_set_last(store, nsm_name, err, err_size))) {
    mx_store_free(store);
    return st;
  }
  live->desk = mx_desk_new(store, live->control);
  if (!live->desk) {
    return mx_why(MX_ERR_NO_MEMORY, err, err_size, "out of memory for the session");
  }
  const char* const file = !nsm_name && live->opts.session[0] ? live->opts.session : NULL;
  TRY(st,
      mx_desk_start(
        live->desk, file, live->opts.restore, &limits, &mix, note, sizeof(note), err, err_size));
  st = mx_engine_load(live->engine, mix);
  mx_model_free(mix);
  if (st || (st = mx_engine_settle(live->engine))) {
    return mx_why(
      st, err, err_size, "cannot load the session into the engine: %s", mx_strerror(st));
  }

  // The alias file of the settings, for a session that has none of its own
  if (live->control && live->opts.osc_alias[0] && !mx_osc_control_aliases(live->control)[0] &&
      (st = mx_osc_control_load_aliases(
         live->control, live->opts.osc_alias, aliases, sizeof(aliases)))) {
    return mx_why(st, err, err_size, "OSC aliases: %s", aliases);
  }
  mx_desk_set_engine(live->desk, live->engine);
  const MxDeskConnections wires = { host_connections, host_connections_generation, live };
  mx_desk_set_connections(live->desk, &wires);
  if (live->control) {
    mx_desk_osc_attach(live->desk, live->control);
  }
  mx_log(MX_LOG_NOTICE, "%s (sessions in %s)", note, dir);
  return MX_SUCCESS;
}

// The session directory of the settings, the desk, and the mix to start with
static int
open_desk(Live* const live)
{
  char dir[MX_SETTINGS_PATH_MAX];
  char err[1024];
  if (mx_settings_session_dir(&live->opts, dir, sizeof(dir))) {
    mx_log(MX_LOG_ERROR, "no session directory: set session-dir (or HOME)");
    return -1;
  }
  if (open_desk_in(live, dir, NULL, err, sizeof(err))) {
    mx_log(MX_LOG_ERROR, "%s", err);
    return -1;
  }
  return 0;
}

// Let the session go: its last autosave is written, OSC no longer reaches it
static void
close_desk(Live* const live)
{
  if (live->control) {
    mx_osc_control_set_commands(live->control, NULL);
    mx_osc_control_set_journal(live->control, NULL);
  }
  mx_desk_free(live->desk);
  live->desk = NULL;
}

// ---------------------------------------------------------------------------
// Under a session manager (nsm.h)

// The JACK client under the name the manager gave: a client cannot be
// renamed, so a new name is a new client (API, /nsm/client/open)
static MxStatus
name_client(Live* const live, const char* const name, char* const why, const size_t why_size)
{
  if (strlen(name) >= sizeof(live->opts.client_name) ||
      strlen(name) > (size_t)jack_client_name_size() - 1U) {
    return mx_why(MX_ERR_RANGE, why, why_size, "the client id '%s' is too long for JACK", name);
  }
  if (!strcmp(name, live->opts.client_name)) {
    return MX_SUCCESS;
  }
  const char* const  server = live->opts.server_name[0] ? live->opts.server_name : NULL;
  const MxJackConfig jack   = { name, server };
  MxJackHost* const  host   = mx_jack_host_new(&jack, live->loop);
  if (!host) {
    return mx_why(MX_ERR_NO_MEMORY, why, why_size, "out of memory");
  }
  if (mx_jack_host_is_open(live->host)) {
    mx_log(MX_LOG_NOTICE, "closing the JACK client '%s'", mx_jack_host_client_name(live->host));
  }
  mx_jack_host_free(live->host);
  live->host  = host;
  live->xruns = 0U;
  snprintf(live->opts.client_name, sizeof(live->opts.client_name), "%s", name);
  return MX_SUCCESS;
}

// /nsm/client/open: the session in the directory `path`, the JACK client `client_id`
static MxNsmError
nsm_open_cb(void* const       data,
            const char* const path,
            const char* const display_name,
            const char* const client_id,
            char* const       why,
            const size_t      why_size)
{
  Live* const live  = (Live*)data;
  const bool  fresh = access(path, F_OK) != 0;
  mx_log(MX_LOG_NOTICE, "NSM: open '%s' in %s as '%s'", display_name, path, client_id);
  close_desk(live);
  if (name_client(live, client_id, why, why_size)) {
    return MX_NSM_ERR_GENERAL;
  }
  if (open_desk_in(live, path, NSM_SESSION, why, why_size)) {
    mx_log(MX_LOG_ERROR, "NSM: %s", why);
    close_desk(live);
    return fresh ? MX_NSM_ERR_CREATE_FAILED : MX_NSM_ERR_BAD_PROJECT;
  }

  // Now JACK, at once, so that the ports are there when the manager hears
  // back (unless the server hangs: then the reply does not wait for it)
  live->hold_jack = false;
  live->next_try  = 0.0;
  live->retry     = RETRY_FIRST_MS;
  if (!mx_jack_host_is_open(live->host)) {
    try_server(live);
    mx_jack_host_connect_wait(live->host, NSM_CONNECT_MS);
  }
  snprintf(why,
           why_size,
           "session '%s' open%s",
           mx_desk_name(live->desk),
           mx_jack_host_is_open(live->host)      ? ""
           : mx_jack_host_connecting(live->host) ? "; connecting to the JACK server"
                                                 : "; waiting for the JACK server");
  return MX_NSM_OK;
}

// /nsm/client/save: the session by its own name (a clean exit saves nothing)
static MxNsmError
nsm_save_cb(void* const data, char* const why, const size_t why_size)
{
  Live* const live = (Live*)data;
  if (!live->desk) {
    snprintf(why, why_size, "no session is open");
    return MX_NSM_ERR_NO_SESSION_OPEN;
  }
  if (mx_desk_save(live->desk, NULL, why, why_size)) {
    mx_log(MX_LOG_ERROR, "NSM: save: %s", why);
    return MX_NSM_ERR_GENERAL; // the API's ERR_SAVE_FAILED has no code of its own
  }
  mx_log(MX_LOG_INFO, "NSM: saved '%s'", mx_desk_name(live->desk));
  snprintf(why, why_size, "saved '%s'", mx_desk_name(live->desk));
  return MX_NSM_OK;
}

static void
nsm_readable(void* const data, const int fd)
{
  (void)fd;
  mx_nsm_receive(((Live*)data)->nsm);
}

static void
stop_nsm(Live* const live)
{
  mx_loop_unwatch(live->loop, mx_nsm_fd(live->nsm));
  mx_nsm_free(live->nsm);
  live->nsm       = NULL;
  live->hold_jack = false;
}

// A manager that refused mixd ends it; one that never answered is not
// there, and mixd runs as it would without it (API, "Announce": "If
// NSM_URL is undefined, invalid, or unreachable, then the client should
// proceed assuming that session management is unavailable")
static void
nsm_tick(Live* const live)
{
  const MxNsmState state = mx_nsm_tick(live->nsm, mx_loop_now_ms());
  if (state == MX_NSM_REFUSED) {
    mx_log(MX_LOG_ERROR, "NSM: the session manager refused mixd: %s", mx_nsm_manager(live->nsm));
    live->status = 1;
    mx_loop_quit(live->loop);
    stop_nsm(live);
  } else if (state == MX_NSM_GONE) {
    mx_log(MX_LOG_ERROR,
           "NSM: %s from %s; running without session management",
           mx_nsm_manager(live->nsm),
           getenv("NSM_URL"));
    stop_nsm(live);
    if (open_desk(live)) {
      live->status = 1;
      mx_loop_quit(live->loop);
    }
  }
}

/*
  Announce to the manager at NSM_URL; the desk and JACK wait for its open.
  @return 0 under session management, 1 to run without it (a URL that
  does not read, an announce that cannot be sent), -1 on error.
*/
static int
start_nsm(Live* const live, const char* const url)
{
  char                why[256];
  const MxNsmHandlers handlers = { nsm_open_cb, nsm_save_cb, live };
  live->nsm                    = mx_nsm_new(url, &handlers, why, sizeof(why));
  if (!live->nsm) {
    mx_log(MX_LOG_ERROR, "NSM_URL: %s; running without session management", why);
    return 1;
  }
  if (mx_loop_watch(live->loop, mx_nsm_fd(live->nsm), nsm_readable, live)) {
    mx_log(MX_LOG_ERROR, "NSM: cannot watch its socket");
    return -1;
  }
  // argv[0] as launched, which the manager runs again (API, "Announce");
  // `mixd run` hands mx_live_main() its own argv
  if (mx_nsm_announce(
        live->nsm, live->opts.client_name, program_invocation_name, mx_loop_now_ms())) {
    mx_log(MX_LOG_ERROR,
           "NSM: cannot announce to %s (%s); running without session management",
           url,
           mx_nsm_manager(live->nsm));
    stop_nsm(live);
    return 1;
  }
  if (live->opts.session[0]) {
    mx_log(MX_LOG_WARNING,
           "--session %s is ignored: the session manager says where the session is",
           live->opts.session);
  }
  live->hold_jack = true;
  mx_log(MX_LOG_NOTICE, "NSM: announced to %s; waiting for its open", url);
  return 0;
}

static void
live_free(Live* const live)
{
  mx_desk_free(live->desk); // its last autosave first, while the mix is there
  mx_nsm_free(live->nsm);
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
  live.argc        = argc;
  live.argv        = argv;
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
  live.engine           = engine_for(&live, (double)live.opts.server_rate);
  const char* const nsm = getenv("NSM_URL");
  const int         managed =
    live.engine && !start_osc(&live) ? (nsm && nsm[0] ? start_nsm(&live, nsm) : 1) : -1;
  if (managed < 0 || (managed > 0 && open_desk(&live))) {
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

  mx_log(MX_LOG_NOTICE,
         "mixd %s starting with session '%s'",
         PACKAGE_VERSION,
         live.desk ? mx_desk_name(live.desk) : "(the session manager's)");
  live.retry = RETRY_FIRST_MS;
  if (!live.hold_jack) {
    try_server(&live);
  }
  mx_loop_run(live.loop);
  live_free(&live);
  return live.status;
}
