// SPDX-License-Identifier: GPL-3.0-or-later

#include "common.h"

const char*
mx_strerror(const MxStatus status)
{
  switch (status) {
    case MX_SUCCESS:
      return "Success";
    case MX_FAILURE:
      return "Non-fatal failure";
    case MX_ERR_BAD_ARG:
      return "Invalid argument";
    case MX_ERR_RANGE:
      return "Value out of range";
    case MX_ERR_NO_MEMORY:
      return "Out of memory";
    case MX_ERR_BAD_STATE:
      return "Invalid state for this call";
    case MX_ERR_INTERNAL:
      return "Internal library error";
    case MX_ERR_NOT_FOUND:
      return "No such strip, bus or control";
    case MX_ERR_EXISTS:
      return "Name already in use";
    case MX_ERR_FULL:
      return "Capacity reached";
    case MX_ERR_CYCLE:
      return "Routing would form a cycle";
    case MX_ERR_NOT_APPLICABLE:
      return "Control not available here";
  }
  return "Unknown error";
}
