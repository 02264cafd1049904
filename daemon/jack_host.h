// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_JACK_HOST_H
#define MX_DAEMON_JACK_HOST_H

#include "engine.h"
#include "loop.h"
#include "session.h"

#include <stdbool.h>
#include <stdint.h>

/// The JACK client: ports named after the mix, the engine in the process callback, connections
/// kept.

/*
  DESIGN: the host is one JACK client.  Its process callback is the only
  code on JACK's realtime thread: it fetches the buffers of the ports that
  exist (atomic pointers, by slot) and runs mx_engine_process().  Everything
  else happens on the control thread, from the loop:

  - mx_jack_host_sync() keeps the ports in step with the engine's model:
    a port is registered for every strip input and bus output as soon as
    its strip or bus exists, kept while it fades out, and unregistered
    only once it is gone and two process cycles have passed since the
    callback last could see it (so no cycle ever touches a freed port);
    renamed strips rename their ports.  It also reports latency changes
    and (re)applies the connection rules.
  - JACK's notification thread only sets flags and wakes the loop (server
    shutdown, ports appearing, connections changing), which then calls
    mx_jack_host_wake().

  When the server goes away, the host stops using its client (it closes
  it and forgets its ports at the next mx_jack_host_connect(), once the
  server is done shutting down), but the engine and its mix, the
  connection rules and the connections the ports had (remembered
  whenever they change) stay; on mx_jack_host_connect() and
  mx_jack_host_start() again, the ports come back with their connections.

  Connecting is the one JACK call that runs elsewhere: jack_client_open()
  waits for as long as the server does not answer (a stopped jackd, one
  killed half-way through the handshake, anything that takes the socket
  and says nothing), so it runs on a short-lived connector thread, one
  per attempt, and the loop goes on serving OSC and signals meanwhile.
  The connector does nothing but open the client and post the result
  through a pipe the loop watches; the callbacks, ports, activation and
  connections are set up on the control thread, as everything else.  An
  attempt the host gives up (mx_jack_host_free() while it hangs) is
  abandoned, not waited for: the connector closes the client if one
  still comes, and frees what the attempt holds.

  Main thread (the loop's), except where noted.
*/

/// A JACK host (opaque; heap object).
typedef struct MxJackHostImpl MxJackHost;

/// What a host connects as; copied by mx_jack_host_new().
typedef struct {
  const char* client_name; ///< Client name to ask for ("mixd")
  const char* server_name; ///< Server to connect to, or NULL for the default
} MxJackConfig;

/// Wake bytes the host posts to its loop; pass them to mx_jack_host_wake().
#define MX_JACK_WAKE_SHUTDOWN 's'
#define MX_JACK_WAKE_PORTS 'p'
#define MX_JACK_WAKE_CONNECTIONS 'c'

/**
   Create a host, not connected.

   Free with mx_jack_host_free().
   @param loop The loop its notifications wake.
*/
MxJackHost*
mx_jack_host_new(const MxJackConfig* config, MxLoop* loop);

/**
   Stop and free a host; NULL is a no-op.  An attempt to connect still in
   flight is abandoned, never waited for.
*/
void
mx_jack_host_free(MxJackHost* host);

/**
   Called from the loop when an attempt of mx_jack_host_connect() ends.

   @param status MX_SUCCESS: the host is open (mx_jack_host_start() it);
   MX_FAILURE: no server took the client.
   @param why Why it failed ("no JACK server is running"); "" on success.
*/
typedef void (*MxJackConnectedCb)(void* user_data, MxStatus status, const char* why);

/**
   Start one attempt to connect to the server (never starting one), on a
   connector thread, and return at once; the loop calls `cb` when it
   ends, however long the server takes to answer.  A client the server
   shut down is closed first (see mx_jack_host_wake()).

   @return MX_SUCCESS if the attempt started, MX_ERR_BAD_STATE if the host
   is open or an attempt is in flight, MX_ERR_INTERNAL if no thread or
   pipe could be made (then `cb` is not called).
*/
MxStatus
mx_jack_host_connect(MxJackHost* host, MxJackConnectedCb cb, void* user_data);

/// True while an attempt of mx_jack_host_connect() is in flight.
bool
mx_jack_host_connecting(const MxJackHost* host);

/**
   Wait, at most `timeout_ms`, for the attempt in flight to end, and then
   finish it here (its callback runs before this returns).  For a reply
   that should carry the outcome when the server answers at once (a
   session manager's open); the loop is held up for no longer than
   `timeout_ms`.

   @return true if no attempt is in flight any more.
*/
bool
mx_jack_host_connect_wait(MxJackHost* host, double timeout_ms);

/// True while connected.
bool
mx_jack_host_is_open(const MxJackHost* host);

/// True while the process callback runs the engine (connected and active).
bool
mx_jack_host_is_running(const MxJackHost* host);

/// Sample rate of the server, Hz (0 when not connected).
double
mx_jack_host_rate(const MxJackHost* host);

/// Period of the server, frames (0 when not connected).
uint32_t
mx_jack_host_period(const MxJackHost* host);

/// The name the server gave the client (it may differ from the one asked for).
const char*
mx_jack_host_client_name(const MxJackHost* host);

/**
   Run `engine` in the process callback: register its ports, activate,
   connect.  The engine must have the server's rate and a max_block of at
   least the period; it is not owned.

   @return MX_ERR_BAD_STATE if not connected, MX_ERR_INTERNAL if JACK
   refused to activate.
*/
MxStatus
mx_jack_host_start(MxJackHost* host, MxEngine* engine);

/**
   Deactivate (the engine no longer runs), keeping the connection.  For
   swapping the engine: mx_jack_host_start() again with the new one.
*/
void
mx_jack_host_pause(MxJackHost* host);

/// Deactivate and disconnect from the server, cleanly; abandon an attempt to connect in flight.
void
mx_jack_host_close(MxJackHost* host);

/**
   Bring the ports, latencies and connections in step with the engine's
   model; call after changes and periodically (the loop's tick).
*/
void
mx_jack_host_sync(MxJackHost* host);

/**
   Handle a wake byte posted by the host's JACK callbacks.

   @return true if the server has gone away (the host is no longer open;
   the caller reconnects later with mx_jack_host_connect(), which closes
   the old client first).
*/
bool
mx_jack_host_wake(MxJackHost* host, char what);

/// Xruns counted since the host was made.  Any thread.
uint64_t
mx_jack_host_xruns(const MxJackHost* host);

/// Process cycles run since the host was made.  Any thread.
uint64_t
mx_jack_host_cycles(const MxJackHost* host);

/**
   The connections of mixd's ports the host remembers (made by the rules,
   by hand or by another program, kept across server restarts), as exact
   connection rules (own ports by their short name), less those a rule of
   `model` already makes: what a saved session needs to make them again.

   @return One block (free with free()), `count` entries; NULL when there
   are none or memory ran out.
*/
MxSessionConnection*
mx_jack_host_connections(const MxJackHost* host, const MxModel* model, size_t* count);

/// A number that changes whenever the remembered connections do.
uint64_t
mx_jack_host_connections_generation(const MxJackHost* host);

#endif // MX_DAEMON_JACK_HOST_H
