// SPDX-License-Identifier: GPL-3.0-or-later

// mixd: command-line entry.  Dispatches to a subcommand; each owns its
// options.  No subcommand (or `run`) is the live JACK daemon.

#include "controls.h"
#include "demo.h"
#include "live.h"
#include "player.h"
#include "render.h"
#include "report.h"

#include "config.h"
#include "settings.h"

#include <stdio.h>
#include <string.h>

static void
print_usage(FILE* const out)
{
  fprintf(out,
          "Usage: mixd [run] [--session FILE] [--name CLIENT] [--server NAME] [OPTION]...\n"
          "       mixd COMMAND [OPTION]...\n"
          "Headless mixing and mastering server for JACK.\n"
          "\n"
          "Commands:\n"
          "  run            the live JACK daemon (the default; mixd run --help)\n"
          "  render SESSION -i [STRIP=]FILE... -o OUTPUT [--stems DIR] [--normalize LUFS]\n"
          "                 run files through a session's mix, faster than real time,\n"
          "                 and print the loudness report\n"
          "  play [-S SERVER] FILE=PORT[,PORT]...\n"
          "                 play sound files into JACK ports, in step\n"
          "  loudness FILE...\n"
          "                 print the EBU R 128 loudness report of sound files\n"
          "  controls       list every control with its values and default\n"
          "  config [OPTION]...\n"
          "                 print the settings in effect (mixd.conf(5)), after the\n"
          "                 config files and the options given\n"
          "  demo [-o FILE] [-s SECONDS] [-r RATE] [-k DIR]\n"
          "                 render a generated 8-track band through a session\n"
          "                 and print loudness and levels\n"
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
  // No command, or options only: the daemon
  if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "-h") && strcmp(argv[1], "--help") &&
                   strcmp(argv[1], "-V") && strcmp(argv[1], "--version"))) {
    return mx_live_main(argc, argv);
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

  if (!strcmp(command, "run")) {
    return mx_live_main(argc - 1, argv + 1);
  }

  if (!strcmp(command, "render")) {
    return mx_render_main(argc - 1, argv + 1);
  }

  if (!strcmp(command, "play")) {
    return mx_player_main(argc - 1, argv + 1);
  }

  if (!strcmp(command, "loudness")) {
    return mx_report_main(argc - 1, argv + 1);
  }

  if (!strcmp(command, "controls")) {
    return mx_controls_main(argc - 1, argv + 1);
  }

  if (!strcmp(command, "config")) {
    return mx_settings_main(argc - 1, argv + 1);
  }

  if (!strcmp(command, "demo")) {
    return mx_demo_main(argc - 1, argv + 1);
  }

  fprintf(stderr, "mixd: unknown command '%s' (try mixd --help)\n", command);
  return 2;
}
