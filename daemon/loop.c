// SPDX-License-Identifier: GPL-3.0-or-later

#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 16U
#define MAX_TIMERS 8U

typedef struct {
  int        fd;   ///< Watched descriptor
  MxLoopFdCb cb;   ///< Called when readable
  void*      data; ///< Its user data
} Watch;

typedef struct {
  double        period; ///< Interval, ms
  double        next;   ///< When it is due, ms
  MxLoopTimerCb cb;     ///< Called when due
  void*         data;   ///< Its user data
} Timer;

struct MxLoopImpl {
  int          pipe_fd[2]; ///< Wake pipe: read end, write end
  MxLoopWakeCb wake;       ///< Called per wake byte
  void*        wake_data;  ///< Its user data
  Watch        watches[MAX_FDS];
  unsigned     n_watches;
  Timer        timers[MAX_TIMERS];
  unsigned     n_timers;
  bool         quit; ///< mx_loop_quit() was called
};

double
mx_loop_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

MxLoop*
mx_loop_new(const MxLoopWakeCb wake, void* const user_data)
{
  MxLoop* const loop = (MxLoop*)calloc(1U, sizeof(MxLoop));
  if (!loop) {
    return NULL;
  }
  if (pipe(loop->pipe_fd)) {
    free(loop);
    return NULL;
  }
  for (unsigned i = 0U; i < 2U; ++i) {
    fcntl(loop->pipe_fd[i], F_SETFL, fcntl(loop->pipe_fd[i], F_GETFL) | O_NONBLOCK);
    fcntl(loop->pipe_fd[i], F_SETFD, FD_CLOEXEC);
  }
  loop->wake      = wake;
  loop->wake_data = user_data;
  return loop;
}

void
mx_loop_free(MxLoop* const loop)
{
  if (!loop) {
    return;
  }
  close(loop->pipe_fd[0]);
  close(loop->pipe_fd[1]);
  free(loop);
}

MxStatus
mx_loop_watch(MxLoop* const loop, const int fd, const MxLoopFdCb cb, void* const user_data)
{
  if (loop->n_watches == MAX_FDS) {
    return MX_ERR_FULL;
  }
  const Watch w                    = { fd, cb, user_data };
  loop->watches[loop->n_watches++] = w;
  return MX_SUCCESS;
}

void
mx_loop_unwatch(MxLoop* const loop, const int fd)
{
  for (unsigned i = 0U; i < loop->n_watches; ++i) {
    if (loop->watches[i].fd == fd) {
      loop->watches[i] = loop->watches[--loop->n_watches];
      return;
    }
  }
}

MxStatus
mx_loop_every(MxLoop* const loop, const unsigned ms, const MxLoopTimerCb cb, void* const user_data)
{
  if (loop->n_timers == MAX_TIMERS || ms == 0U) {
    return loop->n_timers == MAX_TIMERS ? MX_ERR_FULL : MX_ERR_BAD_ARG;
  }
  const Timer t                  = { (double)ms, mx_loop_now_ms() + (double)ms, cb, user_data };
  loop->timers[loop->n_timers++] = t;
  return MX_SUCCESS;
}

void
mx_loop_wake(MxLoop* const loop, const char what)
{
  // A full pipe already holds wakes enough: the loop will run
  const ssize_t ignored = write(loop->pipe_fd[1], &what, 1U);
  (void)ignored;
}

void
mx_loop_quit(MxLoop* const loop)
{
  loop->quit = true;
}

// Hand every byte in the wake pipe to the wake callback
static void
drain_wakes(MxLoop* const loop)
{
  char    bytes[64];
  ssize_t n = 0;
  while ((n = read(loop->pipe_fd[0], bytes, sizeof(bytes))) > 0) {
    for (ssize_t i = 0; i < n && loop->wake; ++i) {
      loop->wake(loop->wake_data, bytes[i]);
    }
  }
}

static void
run_timers(MxLoop* const loop)
{
  const double now = mx_loop_now_ms();
  for (unsigned i = 0U; i < loop->n_timers && !loop->quit; ++i) {
    Timer* const t = &loop->timers[i];
    if (now >= t->next) {
      // Due again one period from now, not from when it was due: a loop
      // held up does not run a timer in a burst to catch up
      t->next = now + t->period;
      t->cb(t->data);
    }
  }
}

int
mx_loop_run(MxLoop* const loop)
{
  struct pollfd fds[MAX_FDS + 1U];
  loop->quit = false;
  while (!loop->quit) {
    // Sleep until the next timer is due, or something is readable
    const double now     = mx_loop_now_ms();
    double       timeout = 1000.0;
    for (unsigned i = 0U; i < loop->n_timers; ++i) {
      const double left = loop->timers[i].next - now;
      timeout           = left < timeout ? left : timeout;
    }

    const unsigned n = loop->n_watches;
    fds[0].fd        = loop->pipe_fd[0];
    fds[0].events    = POLLIN;
    for (unsigned i = 0U; i < n; ++i) {
      fds[i + 1U].fd     = loop->watches[i].fd;
      fds[i + 1U].events = POLLIN;
    }
    const int ready = poll(fds, n + 1U, timeout > 0.0 ? (int)(timeout + 0.999) : 0);
    if (ready < 0 && errno != EINTR) {
      return -1;
    }

    if (ready > 0 && (fds[0].revents & POLLIN)) {
      drain_wakes(loop);
    }
    for (unsigned i = 0U; ready > 0 && i < n && !loop->quit; ++i) {
      // A callback may have unwatched: only call what is still watched here
      if ((fds[i + 1U].revents & (POLLIN | POLLHUP | POLLERR)) && i < loop->n_watches &&
          loop->watches[i].fd == fds[i + 1U].fd) {
        loop->watches[i].cb(loop->watches[i].data, fds[i + 1U].fd);
      }
    }
    run_timers(loop);
  }
  return 0;
}
