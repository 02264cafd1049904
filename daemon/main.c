// SPDX-License-Identifier: GPL-3.0-or-later

// mixd: command-line entry.  Dispatches to a subcommand; each owns its
// options.  The live JACK daemon (no subcommand) arrives with the daemon issue.

#include "controls.h"
#include "demo.h"
#include "render.h"

#include "config.h"

#include <stdio.h>
#include <string.h>

static void
print_usage(FILE* const out)
{
  fprintf(out,
          "Usage: mixd COMMAND [OPTION]...\n"
          "Headless mixing and mastering server for JACK.\n"
          "\n"
          "Commands:\n"
          "  render SESSION -i [STRIP=]FILE... -o OUTPUT [--stems DIR] [--normalize LUFS]\n"
          "                 run files through a session's mix, faster than real time,\n"
          "                 and print the loudness report\n"
          "  controls       list every control with its values and default\n"
          "  demo [-o FILE] [-s SECONDS] [-r RATE] [-k DIR]\n"
          "                 render a generated 8-track band through the processors\n"
          "                 and print levels and loudness\n"
          "\n"
          "Options:\n"
          "  -h, --help     print this help and exit\n"
          "  -V, --version  print the version and exit\n"
          "\n"
          "See mixd(1).\n");
}

int
main(int argc, char** argv)
{
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }

  const char* const command = argv[1];
  if (!strcmp(command, "-h") || !strcmp(command, "--help")) {
    print_usage(stdout);
    return 0;
  }

  if (!strcmp(command, "-V") || !strcmp(command, "--version")) {
    printf("mixd %s\n", PACKAGE_VERSION);
    return 0;
  }

  if (!strcmp(command, "render")) {
    return mx_render_main(argc - 1, argv + 1);
  }

  if (!strcmp(command, "controls")) {
    return mx_controls_main(argc - 1, argv + 1);
  }

  if (!strcmp(command, "demo")) {
    return mx_demo_main(argc - 1, argv + 1);
  }

  fprintf(stderr, "mixd: unknown command '%s' (try mixd --help)\n", command);
  return 2;
}
