// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_JACK_SERVER_H
#define MX_DAEMON_JACK_SERVER_H

#include "common.h"

#include <sys/types.h>

/// A private JACK server mixd starts only when asked (--start-server dummy, for demos and tests).

/**
   Start `jackd --no-realtime -n NAME -d dummy -r RATE -p PERIOD` and wait,
   up to `timeout_ms`, until it answers.

   @param name The server name (a private one, so no other session's
   server is touched).
   @param pid Set to the server's process id.
   @return MX_SUCCESS, MX_ERR_NOT_FOUND if jackd is not installed, or
   MX_FAILURE if it did not answer in time (it is then stopped).
*/
MxStatus
mx_jack_server_start(const char* name,
                     unsigned    rate,
                     unsigned    period,
                     unsigned    timeout_ms,
                     pid_t*      pid);

/// Stop a server started by mx_jack_server_start(): SIGTERM, then SIGKILL after 2 s.
void
mx_jack_server_stop(pid_t pid);

#endif // MX_DAEMON_JACK_SERVER_H
