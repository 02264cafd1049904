// SPDX-License-Identifier: GPL-3.0-or-later

#include "delay.h"
#include "smooth.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
  DESIGN: each channel has a ring of `size` floats, a power of two so that
  positions wrap with a mask.  Every block is first written into the ring
  and then read back `delay` samples earlier, so a delay shorter than the
  block reads samples written by this very call; the ring therefore holds
  max_samples + MX_DSP_MAX_BLOCK samples, so that the oldest sample a read
  needs has not been overwritten yet.

  A line idle at delay 0 stores nothing: most strips never set a delay,
  and each would otherwise write a block of ring, cold in the cache, every
  period (`make bench`, 256 strips at block 64: 9-15 % of the engine).
  `filled` counts the samples of true history behind `write` (the silence
  of a new or cleared ring counts); a new delay fades in only once the
  line holds that many, so stale audio is never read.
*/

struct MxDelayImpl {
  float*   ring;        ///< n_channels rings of `size` samples, one after the other
  uint32_t size;        ///< Length of each ring, a power of two
  uint32_t mask;        ///< size - 1
  uint32_t write;       ///< Ring index where the next block is written
  uint32_t n_channels;  ///< Number of channels
  uint32_t max_samples; ///< Longest delay allowed
  uint32_t current;     ///< Delay read when settled; the old tap during a fade
  uint32_t next;        ///< New tap during a fade
  uint32_t target;      ///< Delay last set, reached when fades end
  uint32_t filled;      ///< Samples of history behind `write`, at most max_samples
  bool     fading;      ///< A crossfade from `current` to `next` is running
  MxSmooth fade;        ///< Weight of the new tap, 0 to 1 over the fade
  double   rate;        ///< Sample rate, Hz
};

// Copy `n` samples.  memcpy is realtime-safe (no allocation, no lock), and
// GCC turns a copy loop into a memmove call anyway.
static inline void
copy(float* const restrict dst, const float* const restrict src, const uint32_t n)
{
  if (n) {
    memcpy(dst, src, (size_t)n * sizeof(float));
  }
}

// Write `n` samples into a ring at d->write, wrapping around
static void
write_ring(const MxDelay* const d, float* const ring, const float* const in, const uint32_t n)
{
  const uint32_t first = d->size - d->write < n ? d->size - d->write : n;
  copy(ring + d->write, in, first);
  copy(ring, in + first, n - first);
}

// Read `n` samples from a ring at `pos`, wrapping around
static void
read_ring(const MxDelay* const d,
          const float* const   ring,
          float* const         out,
          const uint32_t       pos,
          const uint32_t       n)
{
  const uint32_t first = d->size - pos < n ? d->size - pos : n;
  copy(out, ring + pos, first);
  copy(out + first, ring, n - first);
}

static uint32_t
samples_from_ms(const double ms, const double rate)
{
  return (uint32_t)floor(ms * 0.001 * rate + 0.5);
}

MxDelay*
mx_delay_new(const uint32_t n_channels, const float max_ms, const double rate)
{
  if (n_channels < 1U || n_channels > MX_DELAY_MAX_CHANNELS || !(max_ms >= 0.0f) ||
      max_ms > MX_DELAY_MAX_MS || !mx_rate_is_valid(rate)) {
    return NULL;
  }

  // Ring length: the longest delay plus a block, rounded up to a power of two
  const uint32_t max_samples = samples_from_ms((double)max_ms, rate);
  uint32_t       size        = 1U;
  while (size < max_samples + MX_DSP_MAX_BLOCK) {
    size <<= 1U;
  }

  MxDelay* const d = (MxDelay*)calloc(1U, sizeof(MxDelay));
  if (!d) {
    return NULL;
  }

  d->ring = (float*)calloc((size_t)n_channels * size, sizeof(float));
  if (!d->ring) {
    free(d);
    return NULL;
  }

  d->size        = size;
  d->mask        = size - 1U;
  d->n_channels  = n_channels;
  d->max_samples = max_samples;
  d->filled      = max_samples; // Silence, as from before the stream
  d->rate        = rate;
  mx_smooth_init(&d->fade, 0.0f, MX_DELAY_FADE_MS, rate);
  return d;
}

void
mx_delay_free(MxDelay* const delay)
{
  if (delay) {
    free(delay->ring);
    free(delay);
  }
}

MxStatus
mx_delay_set_samples(MxDelay* const delay, const uint32_t samples)
{
  if (samples > delay->max_samples) {
    return MX_ERR_RANGE;
  }

  // Taken up by the next process call, which starts the crossfade
  delay->target = samples;
  return MX_SUCCESS;
}

MxStatus
mx_delay_set_ms(MxDelay* const delay, const float ms)
{
  // No upper bound in ms: the longest delay is checked in samples below
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, 0.0f, INFINITY));

  const double samples = floor((double)ms * 0.001 * delay->rate + 0.5);
  if (samples > (double)delay->max_samples) {
    return MX_ERR_RANGE;
  }

  return mx_delay_set_samples(delay, (uint32_t)samples);
}

uint32_t
mx_delay_get_latency(const MxDelay* const delay)
{
  return delay->target;
}

uint32_t
mx_delay_get_max_samples(const MxDelay* const delay)
{
  return delay->max_samples;
}

uint32_t
mx_delay_get_channels(const MxDelay* const delay)
{
  return delay->n_channels;
}

// Crossfade `n` samples of one channel from tap `from` to tap `to`; `pos` is
// the ring index of out[0]'s input.  Linear (constant voltage) weights: the
// output never exceeds the larger of the two taps, and for each sample
//   y[i] - y[i-1] = (1-g) (a[i] - a[i-1]) + g (b[i] - b[i-1]) + (g[i] - g[i-1]) (b - a)
// so a step is at most the signal's own step plus 2 |x|max / fade length.
static void
crossfade(const MxDelay* const d,
          const float* const   ring,
          float* const         out,
          const uint32_t       pos,
          const uint32_t       from,
          const uint32_t       to,
          MxSmooth* const      fade,
          const uint32_t       n)
{
  const uint32_t mask = d->mask;
  for (uint32_t i = 0U; i < n; ++i) {
    const float g = mx_smooth_next(fade);
    const float a = ring[(pos + i - from) & mask];
    const float b = ring[(pos + i - to) & mask];
    out[i]        = (1.0f - g) * a + g * b; // exactly b when g reaches 1
  }
}

// Settled at delay 0 and asked for no other
static bool
is_idle(const MxDelay* const d)
{
  return !d->fading && d->current == 0U && d->target == 0U;
}

void
mx_delay_process(MxDelay* const delay, float* const* const bufs, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  // Idle at 0: untouched, and not stored (the history starts again)
  if (is_idle(delay)) {
    delay->filled = 0U;
    return;
  }

  // Store the block first, so that delays shorter than a block can read it
  for (uint32_t c = 0U; c < delay->n_channels; ++c) {
    write_ring(delay, delay->ring + (size_t)c * delay->size, bufs[c], n);
  }

  uint32_t i = 0U;
  while (i < n) {
    // Start a fade to a new delay, once the previous one has ended and the
    // line holds the history the new one reads
    if (!delay->fading && delay->target != delay->current && delay->filled >= delay->target) {
      delay->next   = delay->target;
      delay->fading = true;
      mx_smooth_jump(&delay->fade, 0.0f);
      mx_smooth_set_target(&delay->fade, 1.0f);
    }

    const uint32_t pos = (delay->write + i) & delay->mask;
    if (delay->fading) {
      // Fade as far as this block allows; every channel sees the same weights
      const uint32_t left = n - i;
      const uint32_t m    = delay->fade.remaining < left ? delay->fade.remaining : left;
      MxSmooth       fade = delay->fade;
      for (uint32_t c = 0U; c < delay->n_channels; ++c) {
        fade = delay->fade;
        crossfade(delay,
                  delay->ring + (size_t)c * delay->size,
                  bufs[c] + i,
                  pos,
                  delay->current,
                  delay->next,
                  &fade,
                  m);
      }

      delay->fade = fade;
      i += m;
      if (mx_smooth_is_settled(&delay->fade)) {
        delay->current = delay->next;
        delay->fading  = false;
      }
    } else {
      // Settled: an exact copy from the ring, or nothing at all for delay 0
      if (delay->current) {
        const uint32_t from = (pos - delay->current) & delay->mask;
        for (uint32_t c = 0U; c < delay->n_channels; ++c) {
          read_ring(delay, delay->ring + (size_t)c * delay->size, bufs[c] + i, from, n - i);
        }
      }
      i = n;
    }
  }

  delay->write  = (delay->write + n) & delay->mask;
  delay->filled = delay->max_samples - delay->filled > n ? delay->filled + n : delay->max_samples;
}

void
mx_delay_reset(MxDelay* const delay)
{
  if (delay->target > delay->filled) {
    mx_delay_clear(delay); // No history that long: silence, not stale audio
  }
  delay->current = delay->target;
  delay->next    = delay->target;
  delay->fading  = false;
  mx_smooth_jump(&delay->fade, 0.0f);
}

void
mx_delay_clear(MxDelay* const delay)
{
  memset(delay->ring, 0, (size_t)delay->size * delay->n_channels * sizeof(float));
  delay->filled = delay->max_samples;
  mx_delay_reset(delay);
}

void
mx_delay_prefetch(const MxDelay* const delay, const unsigned stage)
{
  if (stage == 0U) {
    mx_prefetch(delay, sizeof(*delay));
    return;
  }
  for (uint32_t c = 0U; !is_idle(delay) && c < delay->n_channels; ++c) {
    mx_prefetch(&delay->ring[(size_t)c * delay->size + delay->write], sizeof(float));
  }
}
