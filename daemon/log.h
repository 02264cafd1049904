// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_LOG_H
#define MX_DAEMON_LOG_H

#include <stdbool.h>

/// Logging to stderr with time and level, filtered before formatting (redis serverLog).

/// Levels, numbered as syslog(3) numbers them.
typedef enum {
  MX_LOG_ERROR   = 3, ///< Something failed
  MX_LOG_WARNING = 4, ///< Something is wrong but mixd carries on
  MX_LOG_NOTICE  = 5, ///< Normal but significant (start, stop, server gone and back)
  MX_LOG_INFO    = 6, ///< What mixd does (ports, connections, sessions)
  MX_LOG_DEBUG   = 7, ///< Details for developers
} MxLogLevel;

/// Show messages up to `level` (MX_LOG_NOTICE by default).  Main thread.
void
mx_log_set_level(MxLogLevel level);

/**
   Find a level by name: error, warning, notice, info, debug.

   @return true and `*level` set, or false.
*/
bool
mx_log_level_find(const char* name, MxLogLevel* level);

/// The name of a level ("notice").
const char*
mx_log_level_name(MxLogLevel level);

/// True if messages of `level` are shown (to skip building costly ones).
bool
mx_log_enabled(MxLogLevel level);

/**
   Write "YYYY-MM-DD HH:MM:SS.mmm LEVEL: message" to stderr, in one write.

   Never from the audio thread: it formats, takes the time and writes.
   Any other thread (one write(2) per line, so lines do not interleave).
*/
void
mx_log(MxLogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#endif // MX_DAEMON_LOG_H
