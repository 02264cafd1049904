// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_SMOOTH_H
#define MX_DSP_SMOOTH_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>

/// Linear parameter ramps: every parameter change in dsp/ glides through one.

/**
   A value that moves to a new target along a straight line of fixed length.

   Why linear rather than a one-pole glide: a ramp of N samples ends exactly
   on its target (no "snap" threshold), its largest per-sample step is known
   in advance, |target - start| / N, which is the bound the smoothing tests
   assert, and it costs one multiply-add per sample.  A new target set mid-ramp starts
   a fresh ramp from the current value, so a fader moved continuously follows
   without a corner larger than one step.

   Embedded value: mx_smooth_init() sets it up, no heap memory is involved.
*/
typedef struct {
  float    current;   ///< Value returned by the last step
  float    target;    ///< Value the ramp ends on
  float    step;      ///< Increment per sample while ramping
  uint32_t remaining; ///< Samples left in the current ramp, 0 when settled
  uint32_t length;    ///< Length of a ramp, samples (at least 1)
} MxSmooth;

/// Default ramp time for gains and parameters, milliseconds.
#define MX_SMOOTH_DEFAULT_MS 20.0f

/**
   Initialise a smoother settled at `value`, with ramps of `ms` milliseconds.

   Main thread.
*/
void
mx_smooth_init(MxSmooth* s, float value, float ms, double rate);

/**
   Change the ramp length, for a new sample rate or ramp time.

   A ramp in progress keeps its current step.  Main thread, or audio thread
   between blocks.
*/
void
mx_smooth_set_time(MxSmooth* s, float ms, double rate);

/**
   Start a ramp from the current value to `target`.

   Setting the target the value is already on, or already ramping to,
   changes nothing: a control sent again (a surface that repeats itself, a
   plan that re-sends a node) neither restarts nor stretches the ramp.
   Audio thread.
*/
static inline void
mx_smooth_set_target(MxSmooth* const s, const float target)
{
  if (target == s->target) {
    return;
  }

  s->target    = target;
  s->remaining = s->length;
  s->step      = (target - s->current) / (float)s->length;
}

/// Jump to `value` at once, ending any ramp.  Audio thread.
static inline void
mx_smooth_jump(MxSmooth* const s, const float value)
{
  s->current = s->target = value;
  s->step                = 0.0f;
  s->remaining           = 0U;
}

/// Return true if the value sits on its target.  Any thread owning `s`.
static inline bool
mx_smooth_is_settled(const MxSmooth* const s)
{
  return s->remaining == 0U;
}

/// Advance one sample and return the new value.  Audio thread.
static inline float
mx_smooth_next(MxSmooth* const s)
{
  if (s->remaining) {
    // Measured back from the target, so rounding does not accumulate over the
    // ramp and the last value is the target exactly
    --s->remaining;
    s->current = s->target - s->step * (float)s->remaining;
  }

  return s->current;
}

/**
   Advance `n` samples at once and return the new value.

   For parameters recomputed once per sub-block (filter coefficients), where
   per-sample values are not needed.  Audio thread.
*/
static inline float
mx_smooth_advance(MxSmooth* const s, const uint32_t n)
{
  if (s->remaining) {
    s->remaining = s->remaining > n ? s->remaining - n : 0U;
    s->current   = s->target - s->step * (float)s->remaining;
  }

  return s->current;
}

#endif // MX_DSP_SMOOTH_H
