// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_DEMO_H
#define MX_DAEMON_DEMO_H

/// `mixd demo`: render generated band material through the processors.

/**
   Run the demo subcommand.

   @param argc, argv The arguments after "mixd" (argv[0] is "demo").
   @return The process exit status: 0 on success, 1 on failure, 2 on a
   usage error.
*/
int
mx_demo_main(int argc, char** argv);

#endif // MX_DAEMON_DEMO_H
