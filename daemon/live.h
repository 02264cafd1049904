// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_LIVE_H
#define MX_DAEMON_LIVE_H

/// `mixd` (or `mixd run`): the live JACK daemon.

/**
   Run the daemon until SIGINT or SIGTERM.

   @param argc, argv The arguments after "mixd" (argv[0] is "run" or "mixd").
   @return The exit status: 0 after a clean stop, 1 on a failure (a bad
   session at start, no server with --no-wait), 2 on a usage error.
*/
int
mx_live_main(int argc, char** argv);

#endif // MX_DAEMON_LIVE_H
