// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_LOOP_H
#define MX_DAEMON_LOOP_H

#include "common.h"

#include <stdbool.h>

/// The control thread's one poll loop: file descriptors, periodic timers and a wake pipe (redis
/// ae).

/*
  Everything the control thread does runs from mx_loop_run(): callbacks
  for readable descriptors, periodic timers, and "wakes": single bytes
  written to a pipe by signal handlers and by other threads (JACK's
  notifications), so that they only set a flag and the loop does the work.
  Nothing here is realtime.
*/

/// A loop (opaque; heap object).
typedef struct MxLoopImpl MxLoop;

/// Called when `fd` is readable.
typedef void (*MxLoopFdCb)(void* user_data, int fd);

/// Called on each tick of a timer.
typedef void (*MxLoopTimerCb)(void* user_data);

/// Called with each byte written by mx_loop_wake().
typedef void (*MxLoopWakeCb)(void* user_data, char what);

/**
   Create a loop with its wake pipe.  Free with mx_loop_free().

   @param wake Called from the loop for each byte woken with.
*/
MxLoop*
mx_loop_new(MxLoopWakeCb wake, void* user_data);

/// Free a loop; NULL is a no-op.  The descriptors it watched are not closed.
void
mx_loop_free(MxLoop* loop);

/// Watch `fd` for reading (at most 16 descriptors).  @return MX_ERR_FULL or MX_SUCCESS.
MxStatus
mx_loop_watch(MxLoop* loop, int fd, MxLoopFdCb cb, void* user_data);

/// Stop watching `fd`.
void
mx_loop_unwatch(MxLoop* loop, int fd);

/// Call `cb` every `ms` milliseconds from now on (at most 8 timers).  @return MX_ERR_FULL or
/// MX_SUCCESS.
MxStatus
mx_loop_every(MxLoop* loop, unsigned ms, MxLoopTimerCb cb, void* user_data);

/**
   Wake the loop with a byte, which it hands to its wake callback.

   Async-signal-safe and callable from any thread: one write(2) to a
   non-blocking pipe (a byte lost to a full pipe is one of many waiting).
*/
void
mx_loop_wake(MxLoop* loop, char what);

/// Run until mx_loop_quit().  @return 0.
int
mx_loop_run(MxLoop* loop);

/// Make mx_loop_run() return after the current callback.  Loop thread.
void
mx_loop_quit(MxLoop* loop);

/// Milliseconds on a monotonic clock, for timeouts and back-off.
double
mx_loop_now_ms(void);

#endif // MX_DAEMON_LOOP_H
