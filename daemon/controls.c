// SPDX-License-Identifier: GPL-3.0-or-later

#include "controls.h"

#include "address.h"
#include "params.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

// The kinds of node a control is on: "strip,bus,master"
static void
format_nodes(const unsigned nodes, char* const buf, const size_t size)
{
  buf[0] = '\0';
  for (unsigned k = 0U; k < MX_NODE_N; ++k) {
    if (nodes & (1U << k)) {
      snprintf(buf + strlen(buf),
               size - strlen(buf),
               "%s%s",
               buf[0] ? "," : "",
               mx_node_kind_name((MxNodeKind)k));
    }
  }
}

// Write `text` for groff: "-" as "\-", "*" as the italic placeholder `sub`
static void
put_man(const char* const text, const char* const sub)
{
  for (const char* c = text; *c; ++c) {
    if (*c == '-') {
      fputs("\\-", stdout);
    } else if (*c == '*' && sub) {
      printf("\\fI%s\\fB", sub);
    } else if (*c == '|' && sub) {
      fputs("\\fR | \\fB", stdout);
    } else {
      fputc(*c, stdout);
    }
  }
}

// One control as a man page entry (the CONTROLS list of mixd-session(5))
static void
print_man(const MxParamInfo* const info,
          const char* const        nodes,
          const char* const        range,
          const char* const        def,
          const char* const        path)
{
  const bool bus = info->sub == MX_SUB_BUS;
  printf(".TP\n.B ");
  put_man(path, bus ? "BUS" : "N");
  printf("\n%c", info->doc[0] - ('a' <= info->doc[0] && info->doc[0] <= 'z' ? 'a' - 'A' : 0));
  put_man(info->doc + 1, NULL);
  printf("%s. ", (info->flags & MX_PFLAG_STEREO) ? " (stereo only)" : "");
  put_man(range, NULL);
  printf("; default ");
  put_man(def, NULL);
  printf(". (");
  for (const char* c = nodes; *c; ++c) {
    if (*c == ',') {
      fputs(", ", stdout);
    } else {
      putchar(*c);
    }
  }
  printf(")\n");
}

int
mx_controls_main(int argc, char** argv)
{
  const bool man = argc == 2 && !strcmp(argv[1], "--man");
  if (argc > 1 && !man) {
    const int help = !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help");
    fprintf(help ? stdout : stderr,
            "Usage: mixd controls [--man]\n"
            "Print every control: nodes, address, values, default, description\n"
            "(tab-separated; the address follows /strip/ID/, /bus/ID/, /master/, ...),\n"
            "or with --man as the CONTROLS list of mixd-session(5).\n");
    return help ? 0 : 2;
  }

  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    const MxParamInfo* const info = mx_param_info((MxParam)p);
    char                     nodes[64];
    char                     range[160];
    char                     def[32];
    format_nodes(info->nodes, nodes, sizeof(nodes));
    mx_addr_format_range((MxParam)p, range, sizeof(range));
    if (info->sub == MX_SUB_BAND && (p == MX_P_EQ_BAND_TYPE || p == MX_P_EQ_BAND_FREQ)) {
      snprintf(def, sizeof(def), "per band");
    } else if (p == MX_P_ROUTE_MASTER) {
      snprintf(def, sizeof(def), "1 (aux buses 0)");
    } else {
      mx_addr_format_value((MxParam)p, info->def, def, sizeof(def));
    }
    char path[64];
    snprintf(path,
             sizeof(path),
             "%s%s%s",
             info->path,
             info->alias ? "|" : "",
             info->alias ? info->alias : "");
    if (man) {
      print_man(info, nodes, range, def, path);
    } else {
      printf("%s\t%s\t%s\t%s\t%s%s\n",
             nodes,
             path,
             range,
             def,
             info->doc,
             (info->flags & MX_PFLAG_STEREO) ? " (stereo only)" : "");
    }
  }
  return 0;
}
