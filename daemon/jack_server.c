// SPDX-License-Identifier: GPL-3.0-or-later

#include "jack_server.h"

#include "log.h"
#include "loop.h"

#include <jack/jack.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// True once a client can open on the server
static bool
answers(const char* const name)
{
  jack_status_t        status = (jack_status_t)0;
  jack_client_t* const probe  = jack_client_open(
    "mixd-probe", (jack_options_t)(JackNoStartServer | JackServerName), &status, name);
  if (probe) {
    jack_client_close(probe);
  }
  return probe != NULL;
}

static void
sleep_ms(const unsigned ms)
{
  const struct timespec ts = { (time_t)(ms / 1000U), (long)(ms % 1000U) * 1000000L };
  nanosleep(&ts, NULL);
}

MxStatus
mx_jack_server_start(const char* const name,
                     const unsigned    rate,
                     const unsigned    period,
                     const unsigned    timeout_ms,
                     pid_t* const      pid)
{
  char rate_arg[32];
  char period_arg[32];
  snprintf(rate_arg, sizeof(rate_arg), "%u", rate);
  snprintf(period_arg, sizeof(period_arg), "%u", period);

  const pid_t child = fork();
  if (child < 0) {
    return MX_ERR_INTERNAL;
  }
  if (child == 0) {
    // The server's chatter goes nowhere; its failures show as no answer
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
    execlp("jackd",
           "jackd",
           "--no-realtime",
           "-n",
           name,
           "-d",
           "dummy",
           "-r",
           rate_arg,
           "-p",
           period_arg,
           (char*)NULL);
    _exit(127);
  }

  const double until = mx_loop_now_ms() + timeout_ms;
  while (mx_loop_now_ms() < until) {
    int status = 0;
    if (waitpid(child, &status, WNOHANG) == child) {
      const bool missing = WIFEXITED(status) && WEXITSTATUS(status) == 127;
      mx_log(
        MX_LOG_ERROR, "jackd %s", missing ? "is not installed (package jackd2)" : "exited at once");
      return missing ? MX_ERR_NOT_FOUND : MX_FAILURE;
    }
    if (answers(name)) {
      *pid = child;
      mx_log(
        MX_LOG_NOTICE, "started JACK server '%s' (dummy, %u Hz, %u frames)", name, rate, period);
      return MX_SUCCESS;
    }
    sleep_ms(50U);
  }
  mx_jack_server_stop(child);
  return MX_FAILURE;
}

void
mx_jack_server_stop(const pid_t pid)
{
  if (pid <= 0) {
    return;
  }
  kill(pid, SIGTERM);
  for (unsigned i = 0U; i < 40U; ++i) {
    if (waitpid(pid, NULL, WNOHANG) == pid) {
      return;
    }
    sleep_ms(50U);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
}
