// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_DENORMAL_H
#define MX_DSP_DENORMAL_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>

/// Flush-to-zero for the processing thread, so decaying tails cost nothing.

/**
   The floating-point control state of a thread, as saved by
   mx_denormal_disable() for mx_denormal_restore().
*/
typedef struct {
  uint64_t saved; ///< Saved control register (MXCSR on x86, FPCR on arm64)
} MxFpState;

/**
   Make the calling thread flush subnormal results and inputs to zero.

   Subnormal floats (below 1.2e-38) are up to 100 times slower on x86; a
   filter's or reverb's decaying tail goes through them.  Set this once at the
   start of every thread that runs processors (the JACK process thread, the
   render thread): render and live must run with the same mode so that their
   output is bit-identical.  Any thread, for itself.

   @param saved If not NULL, receives the previous state.
   @return true if the hardware supports it (x86 SSE, arm64), else false.
*/
bool
mx_denormal_disable(MxFpState* saved) MX_RT;

/// Restore the state saved by mx_denormal_disable().  Any thread, for itself.
void
mx_denormal_restore(const MxFpState* saved) MX_RT;

/**
   Return true if flush-to-zero is in force on the calling thread.

   Measured, not read from a flag: it checks that a subnormal product is 0.
*/
bool
mx_denormal_is_flushing(void);

#endif // MX_DSP_DENORMAL_H
