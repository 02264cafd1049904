// SPDX-License-Identifier: GPL-3.0-or-later

#include "jack_host.h"
#include "jack_rt.h"

#include "config.h"

#include "log.h"
#include "ports.h"

#include "model.h"

#include <jack/jack.h>
#include <jack/metadata.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/// A port pointer the process callback reads
typedef _Atomic(jack_port_t*) PortRef;

/// The ports of one node, as registered
typedef struct {
  PortRef      port[2];                ///< What the callback sees (NULL: none yet, or retired)
  jack_port_t* held[2];                ///< The same, for the control thread
  unsigned     channels;               ///< Channels they were made for
  char         name[MX_NAME_MAX + 1U]; ///< Node name they were made for
} NodePorts;

/// A port taken from the callback, to unregister once it cannot be in use
typedef struct {
  jack_port_t* port;  ///< The port
  uint64_t     after; ///< Cycle count from which it is safe
} Retired;

/// A connection one of our ports had, to restore when both ends exist
typedef struct {
  char   ours[MX_PORT_SHORT_MAX + 1U]; ///< Our port, short name
  char   other[320];                   ///< The other port, full name
  bool   from_us;                      ///< Signal flows from our port to the other
  bool   apart;                        ///< Seen apart with both its ends there
  double apart_since_ms;               ///< Since when (mx_loop_now_ms()), if `apart`
} Remembered;

/**
   How long a remembered connection must stay apart, with both its ends
   there, before it counts as taken apart on purpose and is forgotten, ms.
   A program that quits has jackd take its connections apart first and
   its ports away after; in between it looks the same.
*/
#define FORGET_MS 500.0

/*
  One attempt to connect, shared by the control thread and the connector
  thread (jack_host.h): the connector writes `client` and `status`, sets
  `done`, then writes one byte to the pipe, whose read end the loop
  watches.  The control thread takes the client from `client` (leaving
  NULL).  Each side lets go with attempt_release(); the last to let go
  closes a client nobody took and frees the attempt, so neither waits
  for the other.
*/
typedef struct {
  char*                   client_name; ///< Name asked for (the attempt's own copy)
  char*                   server_name; ///< Server, or NULL (the attempt's own copy)
  int                     pipe_fd[2];  ///< Read end (the loop's), write end (the connector's)
  _Atomic(jack_client_t*) client;      ///< What jack_client_open() gave, until taken
  atomic_int              status;      ///< Its jack_status_t
  atomic_bool             done;        ///< jack_client_open() has returned
  atomic_int              holders;     ///< Sides still holding it (2, then 1, then freed)
} Attempt;

struct MxJackHostImpl {
  char*                client_name;    ///< Name asked for
  char*                server_name;    ///< Server, or NULL
  MxLoop*              loop;           ///< Woken by the notifications
  jack_client_t*       client;         ///< Open client, or NULL
  Attempt*             attempt;        ///< Connection attempt in flight, or NULL
  MxJackConnectedCb    connected_cb;   ///< Told when `attempt` ends
  void*                connected_data; ///< Its user data
  MxEngine*            engine;         ///< Engine the callback runs (set while inactive)
  bool                 active;         ///< Activated
  uint32_t             n_strips;       ///< Strip slots of the tables below
  uint32_t             n_buses;        ///< Bus slots of the tables below
  NodePorts*           strips;         ///< [strip slot]: input ports
  NodePorts*           buses;          ///< [bus slot]: output ports
  NodePorts            master;         ///< Master outputs
  NodePorts            monitor;        ///< Monitor outputs
  MxEngineInput*       inputs;         ///< Callback scratch: [strip slot] buffers
  MxEngineOutput*      outputs;        ///< Callback scratch: [bus slot] buffers
  _Atomic uint32_t     master_latency; ///< Latency of the master and monitor outputs, frames
  _Atomic uint32_t*    bus_latency;    ///< [bus slot]: latency of each bus output, frames
  Retired*             retired;        ///< Ports waiting to be unregistered
  size_t               n_retired;      ///< Entries of `retired`
  size_t               retired_cap;    ///< Capacity of `retired`
  Remembered*          remembered;     ///< Connections to restore
  size_t               n_remembered;   ///< Entries of `remembered`
  size_t               remembered_cap; ///< Capacity of `remembered`
  uint64_t             remembered_gen; ///< Changes with `remembered`
  size_t               n_apart;        ///< Entries of `remembered` apart, not yet forgotten
  bool                 connect_due; ///< Apply the rules and remembered connections at the next sync
  unsigned             connect_tries; ///< Rounds JACK refused one in, since connect_due was set
  atomic_uint_fast64_t cycles;        ///< Process cycles run
  atomic_uint_fast64_t xruns;         ///< Xruns reported by the server
  atomic_bool          gone;          ///< The server shut the client down
#ifdef MX_RTSAN
  bool selftest; ///< MIXD_RTSAN_SELFTEST: allocate in the callback, to show RealtimeSanitizer
                 ///< catches it
#endif
};

// ---------------------------------------------------------------------------
// JACK's threads: the process callback (realtime) and the notifications

static void*
port_buffer(PortRef* const ref, const jack_nframes_t n) MX_RT
{
  return mx_jack_port_buffer(atomic_load_explicit(ref, memory_order_acquire), n);
}

#ifdef MX_RTSAN
// What MIXD_RTSAN_SELFTEST makes the callback do, against its promise
#  if defined(__clang__) && __clang_major__ >= 20
#    pragma clang diagnostic push
#    pragma clang diagnostic ignored "-Wfunction-effects"
#  endif
static void
allocate_in_callback(const jack_nframes_t n) MX_RT
{
  void* volatile block = malloc(n * sizeof(float));
  free(block);
}
#  if defined(__clang__) && __clang_major__ >= 20
#    pragma clang diagnostic pop
#  endif
#endif

static int
process_cb(const jack_nframes_t n, void* const arg) MX_RT
{
  MxJackHost* const host = (MxJackHost*)arg;
  MxEngineIo        io;
  memset(&io, 0, sizeof(io));
  for (uint32_t s = 0U; s < host->n_strips; ++s) {
    host->inputs[s].ch[0] = (const float*)port_buffer(&host->strips[s].port[0], n);
    host->inputs[s].ch[1] = (const float*)port_buffer(&host->strips[s].port[1], n);
  }
  for (uint32_t b = 0U; b < host->n_buses; ++b) {
    host->outputs[b].ch[0] = (float*)port_buffer(&host->buses[b].port[0], n);
    host->outputs[b].ch[1] = (float*)port_buffer(&host->buses[b].port[1], n);
  }
  for (unsigned c = 0U; c < 2U; ++c) {
    io.master.ch[c]  = (float*)port_buffer(&host->master.port[c], n);
    io.monitor.ch[c] = (float*)port_buffer(&host->monitor.port[c], n);
  }
  io.strips = host->inputs;
  io.buses  = host->outputs;
#ifdef MX_RTSAN
  if (host->selftest) {
    // A deliberate violation: the sanitizer must stop the program here
    allocate_in_callback(n);
  }
#endif
  mx_engine_process(host->engine, &io, n);
  atomic_fetch_add_explicit(&host->cycles, 1U, memory_order_release);
  return 0;
}

static int
xrun_cb(void* const arg)
{
  atomic_fetch_add(&((MxJackHost*)arg)->xruns, 1U);
  return 0;
}

static void
shutdown_cb(const jack_status_t code, const char* const reason, void* const arg)
{
  MxJackHost* const host = (MxJackHost*)arg;
  (void)code;
  (void)reason;
  atomic_store(&host->gone, true);
  mx_loop_wake(host->loop, MX_JACK_WAKE_SHUTDOWN);
}

static void
registration_cb(const jack_port_id_t port, const int registered, void* const arg)
{
  (void)port;
  if (registered) {
    mx_loop_wake(((MxJackHost*)arg)->loop, MX_JACK_WAKE_PORTS);
  }
}

static void
connect_cb(const jack_port_id_t a, const jack_port_id_t b, const int connected, void* const arg)
{
  (void)a;
  (void)b;
  (void)connected;
  mx_loop_wake(((MxJackHost*)arg)->loop, MX_JACK_WAKE_CONNECTIONS);
}

// Widen `range` to cover `port`'s latency in `mode`
static void
widen(jack_latency_range_t* const        range,
      jack_port_t* const                 port,
      const jack_latency_callback_mode_t mode)
{
  jack_latency_range_t r = { 0U, 0U };
  if (port) {
    jack_port_get_latency_range(port, mode, &r);
    range->min = r.min < range->min ? r.min : range->min;
    range->max = r.max > range->max ? r.max : range->max;
  }
}

static void
set_latency(jack_port_t* const                 port,
            const jack_latency_callback_mode_t mode,
            const jack_latency_range_t         base,
            const uint32_t                     own)
{
  if (port) {
    jack_latency_range_t r = { base.min + own, base.max + own };
    jack_port_set_latency_range(port, mode, &r);
  }
}

// Capture latency flows from inputs to outputs, playback latency from
// outputs to inputs; each output adds the engine's latency on its path
static void
latency_cb(const jack_latency_callback_mode_t mode, void* const arg)
{
  MxJackHost* const    host  = (MxJackHost*)arg;
  const uint32_t       mlat  = atomic_load(&host->master_latency);
  jack_latency_range_t range = { UINT32_MAX, 0U };
  if (mode == JackCaptureLatency) {
    for (uint32_t s = 0U; s < host->n_strips; ++s) {
      widen(&range, atomic_load(&host->strips[s].port[0]), mode);
      widen(&range, atomic_load(&host->strips[s].port[1]), mode);
    }
    range.min = range.min == UINT32_MAX ? 0U : range.min;
    for (unsigned c = 0U; c < 2U; ++c) {
      set_latency(atomic_load(&host->master.port[c]), mode, range, mlat);
      set_latency(atomic_load(&host->monitor.port[c]), mode, range, mlat);
      for (uint32_t b = 0U; b < host->n_buses; ++b) {
        set_latency(
          atomic_load(&host->buses[b].port[c]), mode, range, atomic_load(&host->bus_latency[b]));
      }
    }
    return;
  }

  // Playback: an input is as late as the latest output it reaches
  uint32_t worst = mlat;
  for (unsigned c = 0U; c < 2U; ++c) {
    widen(&range, atomic_load(&host->master.port[c]), mode);
    widen(&range, atomic_load(&host->monitor.port[c]), mode);
    for (uint32_t b = 0U; b < host->n_buses; ++b) {
      widen(&range, atomic_load(&host->buses[b].port[c]), mode);
      const uint32_t l = atomic_load(&host->bus_latency[b]);
      worst            = l > worst ? l : worst;
    }
  }
  range.min = range.min == UINT32_MAX ? 0U : range.min;
  for (uint32_t s = 0U; s < host->n_strips; ++s) {
    set_latency(atomic_load(&host->strips[s].port[0]), mode, range, worst);
    set_latency(atomic_load(&host->strips[s].port[1]), mode, range, worst);
  }
}

// libjack's own messages: the server's absence is expected while waiting
static void
jack_error_cb(const char* const message)
{
  mx_log(MX_LOG_DEBUG, "jack: %s", message);
}

static void
jack_info_cb(const char* const message)
{
  mx_log(MX_LOG_DEBUG, "jack: %s", message);
}

// ---------------------------------------------------------------------------
// Life

MxJackHost*
mx_jack_host_new(const MxJackConfig* const config, MxLoop* const loop)
{
  MxJackHost* const host = (MxJackHost*)calloc(1U, sizeof(MxJackHost));
  if (!host) {
    return NULL;
  }
  host->client_name = strdup(config->client_name ? config->client_name : "mixd");
  host->server_name = config->server_name ? strdup(config->server_name) : NULL;
  host->loop        = loop;
  if (!host->client_name || (config->server_name && !host->server_name)) {
    mx_jack_host_free(host);
    return NULL;
  }
#ifdef MX_RTSAN
  host->selftest = getenv("MIXD_RTSAN_SELFTEST") != NULL;
#endif
  jack_set_error_function(jack_error_cb);
  jack_set_info_function(jack_info_cb);
  return host;
}

// ---------------------------------------------------------------------------
// Connecting: the connector thread, and the control thread's side of it

// Let go of an attempt; the last side to let go closes a client nobody
// took and frees it.  Either thread
static void
attempt_release(Attempt* const a)
{
  if (atomic_fetch_sub_explicit(&a->holders, 1, memory_order_acq_rel) != 1) {
    return;
  }
  jack_client_t* const late = atomic_exchange(&a->client, NULL);
  if (late) {
    jack_client_close(late); // Came after the host gave the attempt up
  }
  close(a->pipe_fd[0]);
  close(a->pipe_fd[1]);
  free(a->server_name);
  free(a->client_name);
  free(a);
}

// The connector thread: the blocking call, the result, the wake; nothing else
static void*
connector_main(void* const arg)
{
  // The signal mask is left as inherited: libjack (1.9.21) saves the mask
  // of the thread that opens its first client and sets it, on whichever
  // thread closes its last one, so a connector that blocked signals would
  // leave them blocked on the control thread (the handlers only write to
  // the loop's pipe, so they may run here)
  Attempt* const       a       = (Attempt*)arg;
  jack_status_t        status  = (jack_status_t)0;
  const unsigned       options = JackNoStartServer | (a->server_name ? JackServerName : 0);
  jack_client_t* const client =
    jack_client_open(a->client_name, (jack_options_t)options, &status, a->server_name);
  atomic_store_explicit(&a->client, client, memory_order_relaxed);
  atomic_store_explicit(&a->status, (int)status, memory_order_relaxed);
  atomic_store_explicit(&a->done, true, memory_order_release);
  const char    byte    = 'j';
  const ssize_t ignored = write(a->pipe_fd[1], &byte, 1U);
  (void)ignored;
  attempt_release(a);
  return NULL;
}

// Stop watching the attempt in flight and let go of it, without waiting
static void
abandon_attempt(MxJackHost* const host)
{
  if (host->attempt) {
    mx_loop_unwatch(host->loop, host->attempt->pipe_fd[0]);
    attempt_release(host->attempt);
    host->attempt = NULL;
  }
}

// The connector has posted its result: take the client and set it up here
static void
attempt_ended_cb(void* const data, const int fd)
{
  MxJackHost* const host = (MxJackHost*)data;
  Attempt* const    a    = host->attempt;
  char              byte = '\0';
  if (!a || read(fd, &byte, 1U) != 1 || !atomic_load_explicit(&a->done, memory_order_acquire)) {
    return; // Not yet (the pipe does not block)
  }
  const jack_status_t status = (jack_status_t)atomic_load(&a->status);
  host->client               = atomic_exchange(&a->client, NULL);
  abandon_attempt(host);

  char why[128] = "";
  if (!host->client) {
    snprintf(why,
             sizeof(why),
             "%s",
             (status & JackServerFailed)    ? "no JACK server is running"
             : (status & JackNameNotUnique) ? "the client name is taken"
                                            : "the JACK server refused the client");
  } else {
    atomic_store(&host->gone, false);
    jack_set_process_callback(host->client, process_cb, host);
    jack_set_xrun_callback(host->client, xrun_cb, host);
    jack_on_info_shutdown(host->client, shutdown_cb, host);
    jack_set_port_registration_callback(host->client, registration_cb, host);
    jack_set_port_connect_callback(host->client, connect_cb, host);
    jack_set_latency_callback(host->client, latency_cb, host);
  }
  host->connected_cb(host->connected_data, host->client ? MX_SUCCESS : MX_FAILURE, why);
}

MxStatus
mx_jack_host_connect(MxJackHost* const host, const MxJackConnectedCb cb, void* const user_data)
{
  if (host->client && atomic_load(&host->gone)) {
    mx_jack_host_close(host); // The client the server shut down (see mx_jack_host_wake())
  }
  if (host->client || host->attempt) {
    return MX_ERR_BAD_STATE;
  }

  // The attempt, with copies of the names: it may outlive the host
  Attempt* const a = (Attempt*)calloc(1U, sizeof(Attempt));
  if (!a) {
    return MX_ERR_INTERNAL;
  }
  a->client_name = strdup(host->client_name);
  a->server_name = host->server_name ? strdup(host->server_name) : NULL;
  if (!a->client_name || (host->server_name && !a->server_name) || pipe(a->pipe_fd)) {
    free(a->server_name);
    free(a->client_name);
    free(a);
    return MX_ERR_INTERNAL;
  }
  for (unsigned i = 0U; i < 2U; ++i) {
    fcntl(a->pipe_fd[i], F_SETFL, fcntl(a->pipe_fd[i], F_GETFL) | O_NONBLOCK);
    fcntl(a->pipe_fd[i], F_SETFD, FD_CLOEXEC);
  }
  atomic_init(&a->client, NULL);
  atomic_init(&a->status, 0);
  atomic_init(&a->done, false);
  atomic_init(&a->holders, 2);
  if (mx_loop_watch(host->loop, a->pipe_fd[0], attempt_ended_cb, host)) {
    atomic_store(&a->holders, 1);
    attempt_release(a);
    return MX_ERR_INTERNAL;
  }

  // Detached: nothing ever waits for it
  pthread_attr_t attr;
  pthread_t      thread;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  const int e = pthread_create(&thread, &attr, connector_main, a);
  pthread_attr_destroy(&attr);
  if (e) {
    mx_loop_unwatch(host->loop, a->pipe_fd[0]);
    atomic_store(&a->holders, 1);
    attempt_release(a);
    return MX_ERR_INTERNAL;
  }
  host->attempt        = a;
  host->connected_cb   = cb;
  host->connected_data = user_data;
  return MX_SUCCESS;
}

bool
mx_jack_host_connecting(const MxJackHost* const host)
{
  return host->attempt != NULL;
}

bool
mx_jack_host_connect_wait(MxJackHost* const host, const double timeout_ms)
{
  const double until = mx_loop_now_ms() + timeout_ms;
  while (host->attempt) {
    const double  left = until - mx_loop_now_ms();
    struct pollfd pfd  = { host->attempt->pipe_fd[0], POLLIN, 0 };
    if (left <= 0.0 || (poll(&pfd, 1U, (int)(left + 0.999)) < 0 && errno != EINTR)) {
      break;
    }
    if (pfd.revents & POLLIN) {
      attempt_ended_cb(host, pfd.fd);
    }
  }
  return host->attempt == NULL;
}

// ---------------------------------------------------------------------------
// Closing

// Forget every port (the client is gone, or about to be)
static void
forget_ports(MxJackHost* const host)
{
  NodePorts* const all[2] = { host->strips, host->buses };
  const uint32_t   n[2]   = { host->n_strips, host->n_buses };
  for (unsigned k = 0U; k < 2U; ++k) {
    for (uint32_t i = 0U; all[k] && i < n[k]; ++i) {
      memset(&all[k][i], 0, sizeof(NodePorts));
    }
  }
  memset(&host->master, 0, sizeof(NodePorts));
  memset(&host->monitor, 0, sizeof(NodePorts));
  host->n_retired = 0U;
}

void
mx_jack_host_close(MxJackHost* const host)
{
  abandon_attempt(host);
  if (!host->client) {
    return;
  }
  if (host->active && !atomic_load(&host->gone)) {
    jack_deactivate(host->client);
  }
  jack_client_close(host->client);
  host->client = NULL;
  host->active = false;
  forget_ports(host);
}

void
mx_jack_host_free(MxJackHost* const host)
{
  if (!host) {
    return;
  }
  mx_jack_host_close(host);
  free(host->remembered);
  free(host->retired);
  free((void*)host->bus_latency);
  free(host->outputs);
  free(host->inputs);
  free(host->buses);
  free(host->strips);
  free(host->server_name);
  free(host->client_name);
  free(host);
}

bool
mx_jack_host_is_open(const MxJackHost* const host)
{
  return host->client != NULL && !atomic_load(&((MxJackHost*)host)->gone);
}

bool
mx_jack_host_is_running(const MxJackHost* const host)
{
  return mx_jack_host_is_open(host) && host->active;
}

double
mx_jack_host_rate(const MxJackHost* const host)
{
  return host->client ? (double)jack_get_sample_rate(host->client) : 0.0;
}

uint32_t
mx_jack_host_period(const MxJackHost* const host)
{
  return host->client ? (uint32_t)jack_get_buffer_size(host->client) : 0U;
}

const char*
mx_jack_host_client_name(const MxJackHost* const host)
{
  return host->client ? jack_get_client_name(host->client) : host->client_name;
}

uint64_t
mx_jack_host_xruns(const MxJackHost* const host)
{
  return atomic_load(&((MxJackHost*)host)->xruns);
}

uint64_t
mx_jack_host_cycles(const MxJackHost* const host)
{
  return atomic_load(&((MxJackHost*)host)->cycles);
}

// ---------------------------------------------------------------------------
// Ports

// Size the slot tables for the engine's limits (while inactive)
static MxStatus
fit_tables(MxJackHost* const host, const MxLimits* const limits)
{
  if (host->strips && host->n_strips == limits->strips && host->n_buses == limits->buses) {
    return MX_SUCCESS;
  }
  free(host->strips);
  free(host->buses);
  free(host->inputs);
  free(host->outputs);
  free((void*)host->bus_latency);
  host->strips      = (NodePorts*)calloc(limits->strips, sizeof(NodePorts));
  host->buses       = (NodePorts*)calloc(limits->buses, sizeof(NodePorts));
  host->inputs      = (MxEngineInput*)calloc(limits->strips, sizeof(MxEngineInput));
  host->outputs     = (MxEngineOutput*)calloc(limits->buses, sizeof(MxEngineOutput));
  host->bus_latency = (_Atomic uint32_t*)calloc(limits->buses, sizeof(*host->bus_latency));
  host->n_strips    = host->strips ? limits->strips : 0U;
  host->n_buses     = host->buses ? limits->buses : 0U;
  return host->strips && host->buses && host->inputs && host->outputs && host->bus_latency
           ? MX_SUCCESS
           : MX_ERR_NO_MEMORY;
}

static void
set_pretty_name(const MxJackHost* const host, jack_port_t* const port, const char* const short_name)
{
  char pretty[MX_PORT_SHORT_MAX + 1U];
  snprintf(pretty, sizeof(pretty), "%s", short_name);
  for (char* c = pretty; *c; ++c) {
    *c = *c == '_' ? ' ' : *c;
  }
  jack_set_property(
    host->client, jack_port_uuid(port), JACK_METADATA_PRETTY_NAME, pretty, "text/plain");
}

// Rules and remembered connections are to be made again (ports appeared)
static void
connections_due(MxJackHost* const host)
{
  host->connect_due   = true;
  host->connect_tries = 0U;
}

// Register a node's ports; false if JACK refused (a name still taken by
// ports fading out: the next sync tries again)
static bool
register_ports(MxJackHost* const host,
               NodePorts* const  np,
               const char* const name,
               const unsigned    channels,
               const bool        input)
{
  jack_port_t* made[2] = { NULL, NULL };
  for (unsigned c = 0U; c < channels; ++c) {
    char short_name[MX_PORT_SHORT_MAX + 1U];
    mx_port_short_name(short_name, sizeof(short_name), name, input, channels, c);
    made[c] = jack_port_register(host->client,
                                 short_name,
                                 JACK_DEFAULT_AUDIO_TYPE,
                                 input ? JackPortIsInput : JackPortIsOutput,
                                 0U);
    if (!made[c]) {
      mx_log(MX_LOG_DEBUG, "port %s: not registered yet", short_name);
      if (c) {
        jack_port_unregister(host->client, made[0]);
      }
      return false;
    }
    set_pretty_name(host, made[c], short_name);
  }

  snprintf(np->name, sizeof(np->name), "%s", name);
  np->channels = channels;
  for (unsigned c = 0U; c < channels; ++c) {
    np->held[c] = made[c];
    atomic_store_explicit(&np->port[c], made[c], memory_order_release);
    mx_log(MX_LOG_INFO, "port %s registered", jack_port_name(made[c]));
  }
  connections_due(host);
  return true;
}

// Take a node's ports from the callback; unregistered two cycles later
static void
retire_ports(MxJackHost* const host, NodePorts* const np)
{
  const uint64_t after = atomic_load(&host->cycles) + 2U;
  for (unsigned c = 0U; c < 2U; ++c) {
    if (!np->held[c]) {
      continue;
    }
    atomic_store_explicit(&np->port[c], NULL, memory_order_release);
    if (host->n_retired == host->retired_cap) {
      const size_t   cap  = host->retired_cap ? 2U * host->retired_cap : 32U;
      Retired* const more = (Retired*)realloc(host->retired, cap * sizeof(Retired));
      if (!more) {
        continue; // The port stays registered, unused: nothing breaks
      }
      host->retired     = more;
      host->retired_cap = cap;
    }
    host->retired[host->n_retired].port  = np->held[c];
    host->retired[host->n_retired].after = after;
    ++host->n_retired;
    np->held[c] = NULL;
  }
  np->channels = 0U;
  np->name[0]  = '\0';
}

static void
unregister_due(MxJackHost* const host)
{
  const uint64_t now  = atomic_load(&host->cycles);
  size_t         kept = 0U;
  for (size_t i = 0U; i < host->n_retired; ++i) {
    Retired* const r = &host->retired[i];
    if (!host->active || now >= r->after) {
      mx_log(MX_LOG_INFO, "port %s unregistered", jack_port_name(r->port));
      jack_remove_properties(host->client, jack_port_uuid(r->port));
      jack_port_unregister(host->client, r->port);
    } else {
      host->retired[kept++] = *r;
    }
  }
  host->n_retired = kept;
}

static void
rename_ports(MxJackHost* const host, NodePorts* const np, const char* const name, const bool input)
{
  for (unsigned c = 0U; c < np->channels; ++c) {
    char short_name[MX_PORT_SHORT_MAX + 1U];
    mx_port_short_name(short_name, sizeof(short_name), name, input, np->channels, c);
    if (jack_port_rename(host->client, np->held[c], short_name)) {
      mx_log(
        MX_LOG_WARNING, "port %s: cannot rename to %s", jack_port_name(np->held[c]), short_name);
    } else {
      set_pretty_name(host, np->held[c], short_name);
    }
  }
  snprintf(np->name, sizeof(np->name), "%s", name);
}

// One node's ports in step with its slot: made while it exists (fading
// out included), renamed with it, retired when it is gone
static void
sync_node(MxJackHost* const    host,
          NodePorts* const     np,
          const MxModel* const model,
          const MxNodeKind     kind,
          const uint32_t       slot)
{
  const MxSlotState state    = mx_model_slot_state(model, kind, slot);
  const unsigned    channels = mx_model_slot_channels(model, kind, slot);
  const char* const name     = mx_model_slot_name(model, kind, slot);
  const bool        input    = kind == MX_NODE_STRIP;
  if (np->held[0] && (state == MX_SLOT_FREE || channels != np->channels)) {
    retire_ports(host, np);
  } else if (np->held[0] && state == MX_SLOT_USED && strcmp(np->name, name)) {
    rename_ports(host, np, name, input);
  }
  if (state == MX_SLOT_USED && !np->held[0]) {
    register_ports(host, np, name, channels, input);
  }
}

// Latencies of the outputs from the engine's plan; tell JACK when they change
static void
sync_latency(MxJackHost* const host, const MxModel* const model)
{
  bool           changed = false;
  const uint32_t master  = mx_engine_latency(host->engine);
  changed                = atomic_exchange(&host->master_latency, master) != master;
  for (uint32_t b = 0U; b < host->n_buses; ++b) {
    MxNode   node    = { MX_NODE_BUS, 0U };
    uint32_t latency = 0U;
    if (!mx_model_slot_node(model, MX_NODE_BUS, b, &node)) {
      latency = mx_engine_output_latency(host->engine, node);
    }
    changed = atomic_exchange(&host->bus_latency[b], latency) != latency || changed;
  }
  if (changed && host->active) {
    mx_log(MX_LOG_INFO, "latency: %u frames at the master", master);
    jack_recompute_total_latencies(host->client);
  }
}

// ---------------------------------------------------------------------------
// Connections

// The full name of our port with this short name, if it exists
static jack_port_t*
own_port(const MxJackHost* const host, const char* const short_name)
{
  char full[400];
  snprintf(full, sizeof(full), "%s:%s", jack_get_client_name(host->client), short_name);
  return jack_port_by_name(host->client, full);
}

/**
   Rounds of apply_connections() (one per tick of the main loop, about 2 s)
   that a connection JACK refused is tried again.  JACK refuses one while
   the other port's client has registered its ports but not yet activated
   (a program starting, or coming back with a restarted server); it is made
   once that client runs.
*/
#define CONNECT_TRIES 200U

// Connect a source to a destination port, if they are an output and an
// input; false if JACK refused.  A refusal is logged on the first round only.
static bool
connect_pair(const MxJackHost* const host, const char* const from, const char* const to)
{
  jack_port_t* const a = jack_port_by_name(host->client, from);
  jack_port_t* const b = jack_port_by_name(host->client, to);
  if (!a || !b || !(jack_port_flags(a) & JackPortIsOutput) ||
      !(jack_port_flags(b) & JackPortIsInput) || jack_port_connected_to(a, to)) {
    return true;
  }
  const int e = jack_connect(host->client, from, to);
  if (e && e != EEXIST) {
    if (host->connect_tries == 0U) {
      mx_log(MX_LOG_WARNING, "cannot connect %s to %s (trying again for 2 s)", from, to);
    }
    return false;
  }
  mx_log(MX_LOG_INFO, "connected %s to %s", from, to);
  return true;
}

// False if JACK refused one of the rule's connections
static bool
apply_rule(const MxJackHost* const host,
           const char** const      ports,
           const char* const       from,
           const char* const       to)
{
  const char* const client = jack_get_client_name(host->client);
  MxPortPattern     a;
  MxPortPattern     b;
  if (mx_port_pattern_compile(&a, from, client)) {
    return true;
  }
  if (mx_port_pattern_compile(&b, to, client)) {
    mx_port_pattern_free(&a);
    return true;
  }
  bool made = true;
  for (size_t i = 0U; ports[i]; ++i) {
    for (size_t j = 0U; mx_port_pattern_match(&a, ports[i]) && ports[j]; ++j) {
      if (mx_port_pattern_match(&b, ports[j])) {
        made = connect_pair(host, ports[i], ports[j]) && made;
      }
    }
  }
  mx_port_pattern_free(&a);
  mx_port_pattern_free(&b);
  return made;
}

// The session's rules, then every connection remembered whose ends exist.
// What JACK refuses stays due, and is tried again at the next sync, for
// CONNECT_TRIES rounds.
static void
apply_connections(MxJackHost* const host)
{
  const MxModel* const model = mx_engine_model(host->engine);
  const char** const   ports = jack_get_ports(host->client, NULL, JACK_DEFAULT_AUDIO_TYPE, 0U);
  if (!ports) {
    return;
  }
  bool made = true;
  for (uint32_t r = 0U; r < mx_model_connection_count(model); ++r) {
    const char* from = NULL;
    const char* to   = NULL;
    mx_model_connection(model, r, &from, &to);
    made = apply_rule(host, ports, from, to) && made;
  }
  jack_free(ports);

  for (size_t i = 0U; i < host->n_remembered; ++i) {
    const Remembered* const m    = &host->remembered[i];
    jack_port_t* const      ours = own_port(host, m->ours);
    if (ours) {
      made = connect_pair(host,
                          m->from_us ? jack_port_name(ours) : m->other,
                          m->from_us ? m->other : jack_port_name(ours)) &&
             made;
    }
  }
  host->connect_due = !made && ++host->connect_tries < CONNECT_TRIES;
}

static bool
remember(MxJackHost* const host,
         const char* const ours,
         const char* const other,
         const bool        from_us)
{
  for (size_t i = 0U; i < host->n_remembered; ++i) {
    const Remembered* const m = &host->remembered[i];
    if (!strcmp(m->ours, ours) && !strcmp(m->other, other) && m->from_us == from_us) {
      return true;
    }
  }
  if (host->n_remembered == host->remembered_cap) {
    const size_t      cap  = host->remembered_cap ? 2U * host->remembered_cap : 64U;
    Remembered* const more = (Remembered*)realloc(host->remembered, cap * sizeof(Remembered));
    if (!more) {
      return false;
    }
    host->remembered     = more;
    host->remembered_cap = cap;
  }
  Remembered* const m = &host->remembered[host->n_remembered++];
  ++host->remembered_gen;
  snprintf(m->ours, sizeof(m->ours), "%s", ours);
  snprintf(m->other, sizeof(m->other), "%s", other);
  m->from_us = from_us;
  m->apart   = false;
  return true;
}

// Remember what our ports are connected to now; forget a connection only
// when both its ends have stayed there for FORGET_MS with it gone (taken
// apart on purpose, not by a program that is quitting), or when our port
// is gone (its strip was removed).  While connections are still due (JACK
// refused one: its client is not active yet) a connection that is not
// there yet is not forgotten.
static void
remember_connections(MxJackHost* const host, NodePorts* const np)
{
  for (unsigned c = 0U; c < 2U; ++c) {
    jack_port_t* const port = np->held[c];
    const char** const conn = port ? jack_port_get_all_connections(host->client, port) : NULL;
    for (size_t i = 0U; conn && conn[i]; ++i) {
      remember(
        host, jack_port_short_name(port), conn[i], (jack_port_flags(port) & JackPortIsOutput) != 0);
    }
    jack_free(conn);
  }
}

static void
refresh_remembered(MxJackHost* const host)
{
  NodePorts* const all[2] = { host->strips, host->buses };
  const uint32_t   n[2]   = { host->n_strips, host->n_buses };
  for (unsigned k = 0U; k < 2U; ++k) {
    for (uint32_t i = 0U; i < n[k]; ++i) {
      remember_connections(host, &all[k][i]);
    }
  }
  remember_connections(host, &host->master);
  remember_connections(host, &host->monitor);

  const double now  = mx_loop_now_ms();
  size_t       kept = 0U;
  host->n_apart     = 0U;
  for (size_t i = 0U; i < host->n_remembered; ++i) {
    Remembered         m     = host->remembered[i];
    jack_port_t* const ours  = own_port(host, m.ours);
    jack_port_t* const other = jack_port_by_name(host->client, m.other);
    bool               keep  = ours != NULL;
    if (keep && other && !host->connect_due && !jack_port_connected_to(ours, m.other)) {
      if (!m.apart) {
        m.apart          = true;
        m.apart_since_ms = now;
      }
      keep = now - m.apart_since_ms < FORGET_MS;
      host->n_apart += keep ? 1U : 0U;
    } else {
      m.apart = false;
    }
    if (keep) {
      host->remembered[kept++] = m;
    } else {
      mx_log(MX_LOG_INFO,
             "forgetting connection %s - %s (%s)",
             m.ours,
             m.other,
             ours ? "taken apart" : "the port is gone");
      ++host->remembered_gen;
    }
  }
  host->n_remembered = kept;
}

// Does a rule of the model connect `from` to `to` (full names)?
static bool
ruled(const MxModel* const model,
      const char* const    client,
      const char* const    from,
      const char* const    to)
{
  bool found = false;
  for (uint32_t r = 0U; r < mx_model_connection_count(model) && !found; ++r) {
    const char*   a_text = NULL;
    const char*   b_text = NULL;
    MxPortPattern a;
    MxPortPattern b;
    mx_model_connection(model, r, &a_text, &b_text);
    if (mx_port_pattern_compile(&a, a_text, client)) {
      continue;
    }
    if (!mx_port_pattern_compile(&b, b_text, client)) {
      found = mx_port_pattern_match(&a, from) && mx_port_pattern_match(&b, to);
      mx_port_pattern_free(&b);
    }
    mx_port_pattern_free(&a);
  }
  return found;
}

MxSessionConnection*
mx_jack_host_connections(const MxJackHost* const host,
                         const MxModel* const    model,
                         size_t* const           count)
{
  // The entries, then their patterns: an escaped name is at most twice as long
  enum { OURS = 2U * MX_PORT_SHORT_MAX + 1U, OTHER = 2U * sizeof(((Remembered*)0)->other) };
  const size_t each               = sizeof(MxSessionConnection) + OURS + OTHER;
  *count                          = 0U;
  MxSessionConnection* const list = host->n_remembered ? malloc(host->n_remembered * each) : NULL;
  if (!list) {
    return NULL;
  }
  char* const       text   = (char*)(list + host->n_remembered);
  const char* const client = mx_jack_host_client_name(host);
  size_t            n      = 0U;
  for (size_t i = 0U; i < host->n_remembered; ++i) {
    const Remembered* const m     = &host->remembered[i];
    char* const             ours  = text + i * (OURS + OTHER);
    char* const             other = ours + OURS;
    char                    own[sizeof(m->ours) + 256U];
    snprintf(own, sizeof(own), "%s:%s", client, m->ours);
    if (ruled(model, client, m->from_us ? own : m->other, m->from_us ? m->other : own) ||
        !mx_port_pattern_escape(m->ours, ours, OURS) ||
        !mx_port_pattern_escape(m->other, other, OTHER)) {
      continue;
    }
    list[n].from = m->from_us ? ours : other;
    list[n].to   = m->from_us ? other : ours;
    ++n;
  }
  if (!n) {
    free(list);
    return NULL;
  }
  *count = n;
  return list;
}

uint64_t
mx_jack_host_connections_generation(const MxJackHost* const host)
{
  return host->remembered_gen;
}

// ---------------------------------------------------------------------------
// The control thread's side

void
mx_jack_host_sync(MxJackHost* const host)
{
  if (!host->client || !host->engine || atomic_load(&host->gone)) {
    return;
  }
  const MxModel* const model = mx_engine_model(host->engine);
  for (uint32_t s = 0U; s < host->n_strips; ++s) {
    sync_node(host, &host->strips[s], model, MX_NODE_STRIP, s);
  }
  for (uint32_t b = 0U; b < host->n_buses; ++b) {
    sync_node(host, &host->buses[b], model, MX_NODE_BUS, b);
  }
  unregister_due(host);
  sync_latency(host, model);
  if (host->connect_due && host->active) {
    apply_connections(host);
  }
  if (host->n_apart && host->active) {
    refresh_remembered(host); // Forget what has stayed apart for FORGET_MS
  }
}

MxStatus
mx_jack_host_start(MxJackHost* const host, MxEngine* const engine)
{
  MxStatus st = MX_SUCCESS;
  if (!host->client || atomic_load(&host->gone)) {
    return MX_ERR_BAD_STATE;
  }
  if (host->active) {
    mx_jack_host_pause(host);
  }

  // A new engine lays its strips out in its own slots: ports follow
  if (engine != host->engine) {
    for (uint32_t s = 0U; s < host->n_strips; ++s) {
      retire_ports(host, &host->strips[s]);
    }
    for (uint32_t b = 0U; b < host->n_buses; ++b) {
      retire_ports(host, &host->buses[b]);
    }
    unregister_due(host);
  }
  TRY(st, fit_tables(host, &mx_engine_config(engine)->limits));
  host->engine = engine;

  // The master and monitor are always there
  if (!host->master.held[0]) {
    register_ports(host, &host->master, "master", 2U, false);
    register_ports(host, &host->monitor, "monitor", 2U, false);
  }
  mx_jack_host_sync(host);

  if (jack_activate(host->client)) {
    mx_log(MX_LOG_ERROR, "JACK refused to activate the client");
    return MX_ERR_INTERNAL;
  }
  host->active = true;
  connections_due(host);
  mx_jack_host_sync(host);
  return MX_SUCCESS;
}

void
mx_jack_host_pause(MxJackHost* const host)
{
  if (host->client && host->active && !atomic_load(&host->gone)) {
    jack_deactivate(host->client);
  }
  host->active = false;
}

bool
mx_jack_host_wake(MxJackHost* const host, const char what)
{
  switch (what) {
    case MX_JACK_WAKE_SHUTDOWN:
      if (host->client && atomic_load(&host->gone) && host->active) {
        // Closed at the next mx_jack_host_connect(), not now: a stopping
        // jackd (1.9.21) still notifies its clients, and dies of SIGPIPE,
        // leaving its files in /dev/shm and its slot in the registry of
        // servers, if one has already closed its socket
        host->active = false;
        return true;
      }
      break;
    case MX_JACK_WAKE_PORTS:
      connections_due(host);
      break;
    case MX_JACK_WAKE_CONNECTIONS:
      if (host->client && host->active && !atomic_load(&host->gone)) {
        // Restore first: a port that has just appeared is not connected
        // yet, and would otherwise count as taken apart on purpose (and be
        // forgotten) by a graph change that came before the next sync
        if (host->connect_due) {
          apply_connections(host);
        }
        refresh_remembered(host);
      }
      break;
    default:
      break;
  }
  return false;
}
