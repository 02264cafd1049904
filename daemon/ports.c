// SPDX-License-Identifier: GPL-3.0-or-later

#include "ports.h"

#include "why.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The special characters of a POSIX extended regular expression
static const char special[] = ".[]()*+?{}|^$\\";

bool
mx_port_pattern_escape(const char* const name, char* const out, const size_t size)
{
  size_t n = 0U;
  for (const char* c = name; *c; ++c) {
    if (n + 3U > size) {
      return false;
    }
    if (strchr(special, *c)) {
      out[n++] = '\\';
    }
    out[n++] = *c;
  }
  if (n + 1U > size) {
    return false;
  }
  out[n] = '\0';
  return true;
}

// "^(client:(text))$", the client escaped, or "^(text)$" for a full name
static char*
anchored(const char* const text, const char* const client)
{
  const bool   own  = !strchr(text, ':');
  const size_t size = strlen(text) + (own && client ? 2U * strlen(client) : 0U) + 16U;
  char* const  out  = (char*)malloc(size);
  if (!out) {
    return NULL;
  }

  size_t n = 0U;
  out[n++] = '^';
  out[n++] = '(';
  if (own && client) {
    mx_port_pattern_escape(client, out + n, size - n);
    n += strlen(out + n);
    out[n++] = ':';
  }
  snprintf(out + n, size - n, "(%s))$", text);
  return out;
}

MxStatus
mx_port_pattern_check(const char* const pattern, char* const why, const size_t why_size)
{
  MxPortPattern  p;
  const MxStatus st = mx_port_pattern_compile(&p, pattern, "mixd");
  if (st == MX_ERR_BAD_ARG) {
    return mx_why(st,
                  why,
                  why_size,
                  "bad port pattern '%s' (a port name or an extended regular expression)",
                  pattern);
  }
  if (!st) {
    mx_port_pattern_free(&p);
  }
  return st;
}

MxStatus
mx_port_pattern_compile(MxPortPattern* const pattern,
                        const char* const    text,
                        const char* const    client)
{
  if (!text || !*text) {
    return MX_ERR_BAD_ARG;
  }
  char* const re = anchored(text, client);
  if (!re) {
    return MX_ERR_NO_MEMORY;
  }
  const int e = regcomp(&pattern->re, re, REG_EXTENDED | REG_NOSUB);
  free(re);
  return e == 0 ? MX_SUCCESS : e == REG_ESPACE ? MX_ERR_NO_MEMORY : MX_ERR_BAD_ARG;
}

bool
mx_port_pattern_match(const MxPortPattern* const pattern, const char* const port)
{
  return regexec(&pattern->re, port, 0U, NULL, 0) == 0;
}

void
mx_port_pattern_free(MxPortPattern* const pattern)
{
  regfree(&pattern->re);
}

void
mx_port_short_name(char* const       buf,
                   const size_t      size,
                   const char* const node,
                   const bool        input,
                   const unsigned    channels,
                   const unsigned    c)
{
  snprintf(buf,
           size,
           "%s_%s%s",
           node,
           input ? "in" : "out",
           channels == 1U ? ""
           : c == 0U      ? "_L"
                          : "_R");
}
