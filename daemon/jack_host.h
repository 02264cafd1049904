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
  it and forgets its ports at the next mx_jack_host_open(), once the
  server is done shutting down), but the engine and its mix, the
  connection rules and the connections the ports had (remembered
  whenever they change) stay; on mx_jack_host_open() and
  mx_jack_host_start() again, the ports come back with their connections.

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

/// Stop and free a host; NULL is a no-op.
void
mx_jack_host_free(MxJackHost* host);

/**
   Try once to connect to the server (never starting one).

   @param why Receives the reason if it fails.
   @return MX_SUCCESS, or MX_FAILURE if no server answers.
*/
MxStatus
mx_jack_host_open(MxJackHost* host, char* why, size_t why_size);

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

/// Deactivate and disconnect from the server, cleanly.
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
   the caller reconnects later with mx_jack_host_open(), which closes the
   old client first).
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
