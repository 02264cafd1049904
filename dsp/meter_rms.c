// SPDX-License-Identifier: GPL-3.0-or-later

// DESIGN: the meter keeps the sums of squares of the last chunks of
// MX_METER_RMS_CHUNK samples in a ring, and a running sum over the window:
// each new chunk is added and the chunk leaving the window subtracted.  A
// running sum that adds and subtracts forever drifts (rounding errors
// accumulate as a random walk, and after a loud passage the sum of a silent
// window is a cancellation residue instead of 0).  So the sum is double and
// is replaced every window by `fresh`, a second sum of the same chunks made
// by additions only since the last restart: the error never builds up over
// more than two windows, and a silent window reads exactly 0.  It costs one
// more addition per chunk, where a periodic recomputation would cost a
// whole window at once.  Chunks (not samples) are summed in the ring so the
// per-sample work is a vectorisable square-and-add, and the ring is 16
// times smaller.

#include "meter_rms.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/// Independent partial sums in a chunk, one SSE vector.
#define LANES 4U

struct MxMeterRmsImpl {
  float*   ring;          ///< Sums of squares of the last `capacity` chunks
  uint32_t capacity;      ///< Ring length, chunks: the longest window
  uint32_t pos;           ///< Ring index the next chunk is written to
  uint32_t window;        ///< Window length, chunks (1 to capacity)
  uint32_t fresh_count;   ///< Chunks added to `fresh` since the last restart
  uint32_t partial_n;     ///< Samples in `partial`, below MX_METER_RMS_CHUNK
  float    partial;       ///< Sum of squares of the chunk being filled
  double   sum;           ///< Sum of the last `window` chunks (running)
  double   fresh;         ///< Sum of the chunks since the last restart (additions only)
  double   max_sum;       ///< Largest `sum` at a chunk boundary since the last read
  double   inv_samples;   ///< 1 / (window * MX_METER_RMS_CHUNK)
  double   rate;          ///< Sample rate, Hz
  float    max_window_ms; ///< Longest window allowed, ms
};

static uint32_t
window_chunks(const float ms, const double rate)
{
  const double n = floor((double)ms * 0.001 * rate / (double)MX_METER_RMS_CHUNK + 0.5);
  return n < 1.0 ? 1U : (uint32_t)n;
}

// Sum of squares of one chunk in LANES independent float partial sums, which
// the compiler turns into vector multiply-adds without reassociating anything
static inline float
chunk_sum(const float* const in)
{
  float lane[LANES] = { 0.0f };
#pragma GCC unroll 4
  for (size_t k = 0; k < MX_METER_RMS_CHUNK; k += LANES) {
    const float* const p = in + k;
    for (size_t j = 0; j < LANES; ++j) {
      lane[j] += p[j] * p[j];
    }
  }
  return (lane[0] + lane[1]) + (lane[2] + lane[3]);
}

// Sum of the last `window` chunks of the ring, additions only
static double
ring_sum(const MxMeterRms* const m, const uint32_t window)
{
  double   sum = 0.0;
  uint32_t i   = m->pos;
  for (uint32_t k = 0; k < window; ++k) {
    i = i ? i - 1U : m->capacity - 1U;
    sum += (double)m->ring[i];
  }
  return sum;
}

MxMeterRms*
mx_meter_rms_new(const double rate, const float max_window_ms)
{
  if (!mx_rate_is_valid(rate) || !(max_window_ms >= MX_METER_RMS_MIN_WINDOW_MS) ||
      !(max_window_ms <= MX_METER_RMS_MAX_WINDOW_MS)) {
    return NULL;
  }

  MxMeterRms* const m = (MxMeterRms*)calloc(1U, sizeof(MxMeterRms));
  if (!m) {
    return NULL;
  }

  // Rounded as windows are, so every allowed window fits
  m->capacity = window_chunks(max_window_ms, rate);
  m->ring     = (float*)calloc(m->capacity, sizeof(float));
  if (!m->ring) {
    free(m);
    return NULL;
  }

  m->rate          = rate;
  m->max_window_ms = max_window_ms;
  m->window        = window_chunks(
    max_window_ms < MX_METER_RMS_DEFAULT_WINDOW_MS ? max_window_ms : MX_METER_RMS_DEFAULT_WINDOW_MS,
    rate);
  m->inv_samples = 1.0 / ((double)m->window * (double)MX_METER_RMS_CHUNK);
  return m;
}

void
mx_meter_rms_free(MxMeterRms* const meter)
{
  if (meter) {
    free(meter->ring);
    free(meter);
  }
}

MxStatus
mx_meter_rms_set_window_ms(MxMeterRms* const meter, const float ms)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, MX_METER_RMS_MIN_WINDOW_MS, meter->max_window_ms));

  uint32_t window = window_chunks(ms, meter->rate);
  window          = window > meter->capacity ? meter->capacity : window;
  if (window == meter->window) {
    return MX_SUCCESS;
  }

  // The maximum keeps its mean square: scale the sum to the new length
  meter->max_sum *= (double)window / (double)meter->window;
  meter->window      = window;
  meter->inv_samples = 1.0 / ((double)meter->window * (double)MX_METER_RMS_CHUNK);
  meter->sum         = ring_sum(meter, meter->window);
  meter->fresh       = 0.0;
  meter->fresh_count = 0U;
  return MX_SUCCESS;
}

// Built for AVX2 where the CPU has it (the same lanes and order, so the same
// sums); static, as clang (14) emits the dispatcher of target_clones only
// for a function that does not leave its file
static MX_SIMD_CLONES void
rms_run(MxMeterRms* const meter, const float* const in, const uint32_t n)
{

  // State in locals around the loop
  float* const   ring        = meter->ring;
  const uint32_t capacity    = meter->capacity;
  const uint32_t window      = meter->window;
  uint32_t       pos         = meter->pos;
  uint32_t       fresh_count = meter->fresh_count;
  uint32_t       partial_n   = meter->partial_n;
  float          partial     = meter->partial;
  double         sum         = meter->sum;
  double         fresh       = meter->fresh;
  double         max_sum     = meter->max_sum;

  size_t i = 0;
  while (i < n) {
    float chunk = 0.0f;
    if (partial_n == 0U && n - i >= MX_METER_RMS_CHUNK) {
      // Whole chunk straight from the input
      chunk = chunk_sum(in + i);
      i += MX_METER_RMS_CHUNK;
    } else {
      // Fill the partial chunk; stop if the block ends first
      for (; i < n && partial_n < MX_METER_RMS_CHUNK; ++i, ++partial_n) {
        partial += in[i] * in[i];
      }
      if (partial_n < MX_METER_RMS_CHUNK) {
        break;
      }
      chunk     = partial;
      partial   = 0.0f;
      partial_n = 0U;
    }

    // NaN counts as silence, infinity as the largest float (overload)
    if (!(chunk <= FLT_MAX)) {
      chunk = isnan(chunk) ? 0.0f : FLT_MAX;
    }

    // Slide the window: add the new chunk, subtract the one leaving
    const uint32_t out = pos >= window ? pos - window : pos + capacity - window;
    sum += (double)chunk - (double)ring[out];
    ring[pos] = chunk;
    pos       = pos + 1U == capacity ? 0U : pos + 1U;

    // Replace the running sum by the addition-only one every window
    fresh += (double)chunk;
    if (++fresh_count == window) {
      sum         = fresh;
      fresh       = 0.0;
      fresh_count = 0U;
    }

    max_sum = sum > max_sum ? sum : max_sum;
  }

  meter->pos         = pos;
  meter->fresh_count = fresh_count;
  meter->partial_n   = partial_n;
  meter->partial     = partial;
  meter->sum         = sum;
  meter->fresh       = fresh;
  meter->max_sum     = max_sum;
}

void
mx_meter_rms_process(MxMeterRms* const meter, const float* const in, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);
  rms_run(meter, in, n);
}

void
mx_meter_rms_read_reset(MxMeterRms* const meter, MxMeterRmsReading* const out)
{
  // Rounding can leave a sum a hair below 0; clamp before the square root
  const double sum = meter->sum > 0.0 ? meter->sum : 0.0;
  const double max = meter->max_sum > sum ? meter->max_sum : sum;

  out->rms     = (float)sqrt(sum * meter->inv_samples);
  out->rms_max = (float)sqrt(max * meter->inv_samples);

  meter->max_sum = 0.0;
}

void
mx_meter_rms_reset(MxMeterRms* const meter)
{
  memset(meter->ring, 0, meter->capacity * sizeof(float));
  meter->pos         = 0U;
  meter->fresh_count = 0U;
  meter->partial_n   = 0U;
  meter->partial     = 0.0f;
  meter->sum         = 0.0;
  meter->fresh       = 0.0;
  meter->max_sum     = 0.0;
}

void
mx_meter_rms_prefetch(const MxMeterRms* const meter, const unsigned stage)
{
  if (stage == 0U) {
    mx_prefetch(meter, sizeof(*meter));
    return;
  }
  const uint32_t out = meter->pos >= meter->window ? meter->pos - meter->window
                                                   : meter->pos + meter->capacity - meter->window;
  mx_prefetch(&meter->ring[meter->pos], sizeof(float));
  mx_prefetch(&meter->ring[out], sizeof(float));
}
