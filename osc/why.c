// SPDX-License-Identifier: GPL-3.0-or-later

#include "why.h"

#include <stdarg.h>
#include <stdio.h>

MxStatus
mx_why(const MxStatus st, char* const why, const size_t size, const char* const fmt, ...)
{
  if (why && size) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(why, size, fmt, args);
    va_end(args);
  }
  return st;
}
