// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_PLAYER_H
#define MX_DAEMON_PLAYER_H

/// `mixd play`: sound files into JACK ports, every channel in step.

/**
   Run the play subcommand: a JACK client with one output per channel of
   the files, connected as asked, that starts them together and exits
   after the longest.

   @param argc, argv The arguments after "mixd" (argv[0] is "play").
   @return 0 when played to the end (or interrupted), 1 on a failure (a
   file that cannot be read, no server, a port that cannot be connected),
   2 on a usage error.
*/
int
mx_player_main(int argc, char** argv);

#endif // MX_DAEMON_PLAYER_H
