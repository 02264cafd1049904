// SPDX-License-Identifier: GPL-3.0-or-later

#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static atomic_int threshold = MX_LOG_NOTICE;

static const char* const names[] = {
  [MX_LOG_ERROR] = "error", [MX_LOG_WARNING] = "warning", [MX_LOG_NOTICE] = "notice",
  [MX_LOG_INFO] = "info",   [MX_LOG_DEBUG] = "debug",
};

void
mx_log_set_level(const MxLogLevel level)
{
  atomic_store(&threshold, (int)level);
}

const char*
mx_log_level_name(const MxLogLevel level)
{
  return level >= MX_LOG_ERROR && level <= MX_LOG_DEBUG ? names[level] : "notice";
}

bool
mx_log_level_find(const char* const name, MxLogLevel* const level)
{
  for (int l = MX_LOG_ERROR; l <= MX_LOG_DEBUG; ++l) {
    if (!strcmp(name, names[l])) {
      *level = (MxLogLevel)l;
      return true;
    }
  }
  return false;
}

bool
mx_log_enabled(const MxLogLevel level)
{
  return (int)level <= atomic_load(&threshold);
}

void
mx_log(const MxLogLevel level, const char* const fmt, ...)
{
  if (!mx_log_enabled(level)) {
    return;
  }

  struct timespec now;
  struct tm       tm;
  clock_gettime(CLOCK_REALTIME, &now);
  localtime_r(&now.tv_sec, &tm);

  char   line[2048];
  size_t n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
  n += (size_t)snprintf(
    line + n, sizeof(line) - n, ".%03ld %s: ", now.tv_nsec / 1000000L, names[level]);

  va_list args;
  va_start(args, fmt);
  const int len = vsnprintf(line + n, sizeof(line) - n - 1U, fmt, args);
  va_end(args);
  n = len < 0 ? n : n + (size_t)len < sizeof(line) - 1U ? n + (size_t)len : sizeof(line) - 2U;
  line[n++] = '\n';

  // One write per line: lines from two threads never interleave
  const ssize_t ignored = write(STDERR_FILENO, line, n);
  (void)ignored;
}
