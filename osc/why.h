// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_OSC_WHY_H
#define MX_OSC_WHY_H

#include "common.h"

#include <stddef.h>

/// Reasons for errors: a status returned with a sentence for the user.

/**
   Write a reason into `why` (at most `size` bytes, NUL-terminated; nothing
   if `why` is NULL or `size` is 0) and return `st`, so that a check reads
   `return mx_why(MX_ERR_RANGE, why, size, "...", ...)`.  Any thread.
*/
MxStatus
mx_why(MxStatus st, char* why, size_t size, const char* fmt, ...)
  __attribute__((format(printf, 4, 5)));

#endif // MX_OSC_WHY_H
