// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_DELAY_H
#define MX_DSP_DELAY_H

#include "common.h"

#include <stdint.h>

/// Whole-sample delay line for time alignment, click-free when changed.

/// Most channels one delay object carries (all delayed alike).
#define MX_DELAY_MAX_CHANNELS 8U

/// Longest delay a constructor accepts, milliseconds.
#define MX_DELAY_MAX_MS 10000.0f

/// Length of the crossfade from the old to the new delay, milliseconds.
#define MX_DELAY_FADE_MS 20.0f

/**
   A delay line for 1 to MX_DELAY_MAX_CHANNELS channels.

   All channels share one delay: the channels of a stereo strip or bus must
   stay sample-aligned with each other, and one object guarantees that by
   construction, shares the bookkeeping and the crossfade, and is a single
   allocation.  Delays are whole samples, so the output is an exact copy of
   the input, bit for bit; a delay of 0 leaves the buffers untouched.

   A new delay does not jump: the line crossfades linearly from the old read
   position to the new one over MX_DELAY_FADE_MS, running both taps during
   the fade, so the output never steps by more than the signal's own
   sample-to-sample change plus 2 |x|max / fade length.  A delay set while a
   fade runs is applied when that fade ends (the last value set wins).

   A line settled at delay 0 stores nothing (it costs no memory traffic);
   a delay set then fades in once the line holds that many samples of the
   signal, so it never replays old audio: within the delay plus the fade.

   Heap object: mx_delay_new() / mx_delay_free().
*/
typedef struct MxDelayImpl MxDelay;

/**
   Create a delay line, initially with delay 0.

   Allocates the ring buffers (max_ms plus one MX_DSP_MAX_BLOCK, rounded up
   to a power of two, per channel), zeroed: the first output of a newly
   delayed line is silence.  A new sample rate needs a new object.  Free it
   with mx_delay_free().  Main thread.

   @param n_channels 1 to MX_DELAY_MAX_CHANNELS.
   @param max_ms Longest delay that will be set, 0 to MX_DELAY_MAX_MS.
   @param rate Sample rate, Hz (mx_rate_is_valid()).
   @return The new object, or NULL if an argument is invalid or memory ran
   out.
*/
MxDelay*
mx_delay_new(uint32_t n_channels, float max_ms, double rate);

/// Free a delay line made by mx_delay_new().  NULL is a no-op.  Main thread.
void
mx_delay_free(MxDelay* delay);

/**
   Set the delay in whole samples.

   Audio thread (or before processing starts).
   @param samples 0 to mx_delay_get_max_samples().
   @return MX_ERR_RANGE above the maximum.  Nothing changes on error.
*/
MxStatus
mx_delay_set_samples(MxDelay* delay, uint32_t samples) MX_RT;

/**
   Set the delay in milliseconds, rounded to the nearest whole sample.

   Audio thread (or before processing starts).
   @param ms 0 up to the max_ms given to mx_delay_new().
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE below 0 or if it
   rounds to more than mx_delay_get_max_samples().  Nothing changes on error.
*/
MxStatus
mx_delay_set_ms(MxDelay* delay, float ms) MX_RT;

/**
   Return the latency the line adds, in samples: the delay last set.

   During a crossfade the output still mixes in the old delay; the value
   reported is the one the line is moving to, which is what a host
   compensates for.  Audio thread (or the thread that sets the delay).
*/
uint32_t
mx_delay_get_latency(const MxDelay* delay) MX_RT;

/// Return the longest delay that can be set, samples.  Any thread.
uint32_t
mx_delay_get_max_samples(const MxDelay* delay) MX_RT;

/// Return the number of channels given to mx_delay_new().  Any thread.
uint32_t
mx_delay_get_channels(const MxDelay* delay) MX_RT;

/**
   Delay `n` samples of each channel in place.

   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.

   @param bufs One buffer per channel (mx_delay_get_channels() of them).
*/
void
mx_delay_process(MxDelay* delay, float* const* bufs, uint32_t n) MX_RT;

/**
   Warm the cache for the next mx_delay_process() (mx_prefetch()): `stage`
   0 fetches the line itself, 1 the start of the block it writes next.
   Audio thread; a hint only.
*/
void
mx_delay_prefetch(const MxDelay* delay, unsigned stage) MX_RT;

/**
   End a crossfade at once: the next block reads at the delay last set.

   The history is kept; where the line holds less than that delay (it sat
   at 0), it is cleared to silence as mx_delay_clear() does.  Audio thread.
*/
void
mx_delay_reset(MxDelay* delay) MX_RT;

/**
   Clear the history to silence and end any crossfade: the next
   mx_delay_get_latency() samples out are silent, as from a new line.

   For a line that was not fed for a while and must not replay stale
   audio.  Audio thread.
*/
void
mx_delay_clear(MxDelay* delay) MX_RT;

#endif // MX_DSP_DELAY_H
