// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_JACK_RT_H
#define MX_DAEMON_JACK_RT_H

#include "common.h"

#include <jack/jack.h>

/// The JACK calls a realtime callback makes, marked realtime for clang's function effects.

/*
  jack_port_get_buffer() is realtime-safe by JACK's API contract (it is
  what every process callback calls) but libjack does not annotate it, so
  calling it from an MX_RT function would trip -Wfunction-effects.  This
  one wrapper is where that is said; RealtimeSanitizer still checks the
  call at run time in the rtsan build.
*/

#if defined(__clang__) && __clang_major__ >= 20
#  pragma clang diagnostic push
#  pragma clang diagnostic ignored "-Wfunction-effects"
#endif

/// The buffer of `port` for this cycle (NULL for a NULL port).  Realtime thread.
static inline void*
mx_jack_port_buffer(jack_port_t* const port, const jack_nframes_t n) MX_RT
{
  return port ? jack_port_get_buffer(port, n) : NULL;
}

#if defined(__clang__) && __clang_major__ >= 20
#  pragma clang diagnostic pop
#endif

#endif // MX_DAEMON_JACK_RT_H
