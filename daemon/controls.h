// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_CONTROLS_H
#define MX_DAEMON_CONTROLS_H

/// `mixd controls`: print the table of every control (params.h), for people and scripts.

/**
   Run the controls subcommand: one line per control, tab-separated:
   nodes, address after the node, values (range or choices), default,
   description.

   @param argc, argv The arguments after "mixd" (argv[0] is "controls").
   @return The exit status: 0, or 2 on a usage error.
*/
int
mx_controls_main(int argc, char** argv);

#endif // MX_DAEMON_CONTROLS_H
