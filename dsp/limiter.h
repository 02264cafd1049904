// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_LIMITER_H
#define MX_DSP_LIMITER_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>

/// Look-ahead brickwall limiter with true-peak detection, for one or two linked channels.

/// Most channels one limiter links (a stereo bus).
#define MX_LIMITER_MAX_CHANNELS 2U

/// Range and default of the ceiling, dBTP.
#define MX_LIMITER_MIN_CEILING_DB (-20.0f)
#define MX_LIMITER_MAX_CEILING_DB 0.0f
#define MX_LIMITER_DEFAULT_CEILING_DB (-1.0f)

/// Range and default of the release time constant, milliseconds.
#define MX_LIMITER_MIN_RELEASE_MS 1.0f
#define MX_LIMITER_MAX_RELEASE_MS 1000.0f
#define MX_LIMITER_DEFAULT_RELEASE_MS 50.0f

/// Range and default of the look-ahead (the attack ramp), milliseconds.
#define MX_LIMITER_MIN_LOOKAHEAD_MS 0.5f
#define MX_LIMITER_MAX_LOOKAHEAD_MS 5.0f
#define MX_LIMITER_DEFAULT_LOOKAHEAD_MS 1.5f

/**
   A look-ahead brickwall limiter whose output's true peak stays at or below
   the ceiling.

   Signal path: the input goes into a delay line of mx_limiter_get_latency()
   samples; the output is that delayed signal times one gain shared by the
   channels (stereo-linked, so the image does not move).  The gain is
   computed ahead of the audio:

   1. Detection: the true peak of each input sample's neighbourhood, by 4x
      oversampling with refinement (true_peak.h), the larger of the
      channels: p.  The required gain reduction is 1 - ceiling / p when p
      exceeds the ceiling, else 0 (handled as a linear deficit 1 - gain).
   2. A running maximum of the requirement over the look-ahead window plus
      two samples (a monotonic deque: O(1) amortised per sample, D. Lemire,
      "Streaming maximum-minimum filter using no more than three comparisons
      per element", 2006), so each sample's requirement also covers its two
      neighbours and the inter-sample peaks between them.
   3. A moving average of that over the look-ahead window: the reduction
      ramps in linearly over the window and is complete when the peak
      leaves the delay line (the average of values that all reach the
      requirement reaches it too).  Its largest step per sample is
      (reduction) / window, so the attack has no corner larger than that.
   4. Release: when the averaged requirement falls, the reduction follows it
      down as a one-pole exponential with the release time constant tau:
      d[n] = r[n] + (d[n-1] - r[n]) exp(-1 / (tau fs)); when it rises, the
      reduction follows it at once (it is already a ramp).  The gain is
      1 - d; below a reduction of 1e-6 (9e-6 dB) it snaps to exactly 1.

   So material that stays below the ceiling passes bit for bit (gain 1.0
   exactly), only delayed.  Latency = look-ahead window + the detector's
   MX_TRUE_PEAK_DELAY.  Non-finite input samples are replaced by silence
   on the way in, so the output is always finite and within the ceiling.

   Guarantee and its limits: the output's true peak stays at the ceiling
   for content up to 0.4535 fs (20 kHz at 44.1 kHz): measured with an
   independent 32x interpolator (test_limiter.c), +0.018 dB at most on hot
   band-limited noise, below the ceiling on sines, clipped squares and
   impulses; and no output SAMPLE exceeds the ceiling beyond float rounding.
   Energy closer to fs/2 has no well-defined true peak for a finite
   interpolator (nor for a DAC's reconstruction filter): full-band white
   noise measures up to 0.42 dB over the ceiling.

   Heap object: mx_limiter_new() / mx_limiter_free().
*/
typedef struct MxLimiterImpl MxLimiter;

/**
   Create a limiter, active, with the default ceiling and release.

   Allocates the delay line for the longest look-ahead
   (MX_LIMITER_MAX_LOOKAHEAD_MS) at `rate` and the detection state; a new
   sample rate needs a new object.  Free it with mx_limiter_free().  Main
   thread.

   @param n_channels 1 or 2 (MX_LIMITER_MAX_CHANNELS).
   @param rate Sample rate, Hz (mx_rate_is_valid()).
   @param lookahead_ms Look-ahead, MX_LIMITER_MIN_LOOKAHEAD_MS to
   MX_LIMITER_MAX_LOOKAHEAD_MS (MX_LIMITER_DEFAULT_LOOKAHEAD_MS is a good
   start).
   @return The new limiter, or NULL if an argument is invalid or memory ran
   out.
*/
MxLimiter*
mx_limiter_new(uint32_t n_channels, double rate, float lookahead_ms);

/// Free a limiter made by mx_limiter_new().  NULL is a no-op.  Main thread.
void
mx_limiter_free(MxLimiter* limiter);

/**
   Set the ceiling, the highest true peak of the output, dBTP.

   The ceiling glides to the new value over MX_SMOOTH_DEFAULT_MS (linear in
   amplitude), and every change of the requirement passes through the
   look-ahead average, so a new ceiling changes the gain along a ramp,
   never in a step.  Audio thread (or before processing starts).

   @param db MX_LIMITER_MIN_CEILING_DB to MX_LIMITER_MAX_CEILING_DB.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range.  Nothing changes on error.
*/
MxStatus
mx_limiter_set_ceiling_db(MxLimiter* limiter, float db) MX_RT;

/**
   Set the release time constant.

   Click-free without smoothing: the release only sets how fast the
   reduction decays toward its target; the reduction itself is state and
   does not jump.  Audio thread (or before processing starts).

   @param ms MX_LIMITER_MIN_RELEASE_MS to MX_LIMITER_MAX_RELEASE_MS: the
   time for the linear gain deficit (1 - gain) to fall by a factor e once
   the peaks have passed.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range.  Nothing changes on error.
*/
MxStatus
mx_limiter_set_release_ms(MxLimiter* limiter, float ms) MX_RT;

/**
   Set the look-ahead, which CHANGES THE LATENCY.

   The window is rounded to whole samples (at least 1).  A different
   window resets the limiter as mx_limiter_reset() does: the delay line
   restarts from silence, so the next mx_limiter_get_latency() samples of
   output are silent.  The caller re-reads the latency and reports it
   (JACK latency callback), and mutes or fades around the change.  Setting
   the current window again changes nothing.  Audio thread (no allocation),
   or main thread while not processing.

   @param ms MX_LIMITER_MIN_LOOKAHEAD_MS to MX_LIMITER_MAX_LOOKAHEAD_MS.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range.  Nothing changes on error.
*/
MxStatus
mx_limiter_set_lookahead_ms(MxLimiter* limiter, float ms) MX_RT;

/**
   Switch the limiter on or off.

   Off is a bypass with the same latency: the gain glides back to exactly 1
   over MX_SMOOTH_DEFAULT_MS (a linear ramp from the reduction in force),
   then the output is the input delayed by mx_limiter_get_latency(), bit
   for bit.  On again, the limiter acts on audio that enters from then on;
   audio already in the delay line passes with the gain in force.
   Audio thread (or before processing starts).
*/
void
mx_limiter_set_enabled(MxLimiter* limiter, bool enabled) MX_RT;

/**
   Return the latency in samples: the delay of the output relative to the
   input, exactly, on or off.  It changes only with
   mx_limiter_set_lookahead_ms().  Any thread that owns the limiter.
*/
uint32_t
mx_limiter_get_latency(const MxLimiter* limiter) MX_RT;

/// Return the number of channels given to mx_limiter_new().  Any thread.
uint32_t
mx_limiter_get_channels(const MxLimiter* limiter) MX_RT;

/// Return the ceiling last set, dBTP.  Any thread that owns the limiter.
float
mx_limiter_get_ceiling_db(const MxLimiter* limiter) MX_RT;

/// Return the release time last set, ms.  Any thread that owns the limiter.
float
mx_limiter_get_release_ms(const MxLimiter* limiter) MX_RT;

/**
   Return the look-ahead last set, ms, as given (the window used is
   rounded to whole samples).  Any thread that owns the limiter.
*/
float
mx_limiter_get_lookahead_ms(const MxLimiter* limiter) MX_RT;

/// Return true if the limiter is on.  Any thread that owns the limiter.
bool
mx_limiter_get_enabled(const MxLimiter* limiter) MX_RT;

/**
   Return the gain reduction in force after the last block, as a POSITIVE
   number of dB (0 = no reduction; a gain of -3 dB reads 3; a gain of 0,
   for a huge sample, reads INFINITY).  Audio thread.
*/
float
mx_limiter_get_reduction_db(const MxLimiter* limiter) MX_RT;

/**
   Return the largest gain reduction since the previous call, positive dB,
   and start again from the reduction in force now, so that no reduction
   between two reads is lost.  Audio thread (the engine's snapshot step).
*/
float
mx_limiter_read_reset_max_reduction_db(MxLimiter* limiter) MX_RT;

/**
   Limit `n` samples of each channel in place.

   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
   @param bufs One buffer per channel (mx_limiter_get_channels() of them).
*/
void
mx_limiter_process(MxLimiter* limiter, float* const* bufs, uint32_t n) MX_RT;

/**
   Clear the delay line, the detectors and the gain state to silence and no
   reduction; the ceiling jumps to its target.  The settings are kept.
   Audio thread.
*/
void
mx_limiter_reset(MxLimiter* limiter) MX_RT;

#endif // MX_DSP_LIMITER_H
