// SPDX-License-Identifier: GPL-3.0-or-later

#include "limiter.h"
#include "smooth.h"
#include "true_peak.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/// Samples per internal pass: detection, gain and output run chunk by chunk
#define CHUNK MX_TRUE_PEAK_CHUNK

/// Reduction (1 - gain) below which the gain snaps to exactly 1, once nothing is required
#define SNAP 1e-6f

struct MxLimiterImpl {
  double    rate;            ///< Sample rate, Hz
  uint32_t  channels;        ///< Channels, 1 or 2
  uint32_t  window;          ///< Look-ahead window (attack ramp), samples
  uint32_t  hold;            ///< Running-maximum window: window + 2, samples
  uint32_t  latency;         ///< window + MX_TRUE_PEAK_DELAY, samples
  uint32_t  max_window;      ///< Longest window the buffers hold, samples
  float     ceiling_db;      ///< Ceiling as set, dBTP
  float     release_ms;      ///< Release time constant as set, ms
  float     lookahead_ms;    ///< Look-ahead as set, ms
  bool      enabled;         ///< On (false: bypass with the same latency)
  MxSmooth  ceiling;         ///< Ceiling, linear, gliding to a new setting
  float     release_coeff;   ///< Share of the excess released per sample: 1 - exp(-1/(tau fs))
  float     deficit;         ///< Reduction in force, 1 - gain
  float     bypass_step;     ///< Reduction removed per sample while bypassed
  float     max_deficit;     ///< Largest reduction since the last read (meter)
  uint32_t  clock;           ///< Sample counter that stamps the deque entries (wraps)
  float*    deque_need;      ///< Monotonic deque: requirements, decreasing from the front
  uint32_t* deque_time;      ///< Monotonic deque: clock of each entry
  uint32_t  deque_mask;      ///< Deque capacity - 1 (a power of two above hold)
  uint32_t  deque_front;     ///< Index of the oldest entry, the window's maximum
  uint32_t  deque_count;     ///< Entries in the deque, at least 1 once running
  float*    average;         ///< Ring of the last `window` running maxima
  uint32_t  average_pos;     ///< Next slot of `average` to overwrite
  uint32_t  average_nonzero; ///< Entries of `average` above 0 (0: sum is exactly 0)
  double    average_sum;     ///< Sum of `average`, double so adds and removals cancel
  double    average_scale;   ///< 1 / window
  float*    ring[MX_LIMITER_MAX_CHANNELS]; ///< Delay lines, sanitised input
  uint32_t  ring_mask;                     ///< Delay line length - 1 (a power of two)
  uint32_t  write_pos;                     ///< Where the next input sample goes in the delay lines
  MxTruePeakDetector detectors[MX_LIMITER_MAX_CHANNELS]; ///< One per channel
};

static uint32_t
next_power_of_two(const uint32_t n)
{
  uint32_t p = 1U;
  while (p < n) {
    p <<= 1U;
  }
  return p;
}

static uint32_t
window_samples(const float ms, const double rate)
{
  const double n = floor((double)ms * 0.001 * rate + 0.5);
  return n < 1.0 ? 1U : (uint32_t)n;
}

/*
  One-pole decay with time constant tau: the excess falls by exp(-1 / (tau fs))
  per sample, i.e. loses 1 - exp(-1 / (tau fs)) of itself.  Computed with
  expm1 and applied as a decrement: the coefficient is small (2.6e-6 for 1 s
  at 384 kHz), and a float close to 1 (the factor kept) would round it by
  up to 1%, a float close to 0 keeps its full precision.
*/
static float
release_coeff(const float ms, const double rate)
{
  return (float)-expm1(-1000.0 / ((double)ms * rate));
}

static bool
is_finite(const float x)
{
  return fabsf(x) <= FLT_MAX; // false for NaN and infinities
}

// Restart detection, gain and delay from silence with no reduction
static void
clear_state(MxLimiter* const lim)
{
  const uint32_t ring_len = lim->ring_mask + 1U;
  for (uint32_t c = 0; c < lim->channels; ++c) {
    memset(lim->ring[c], 0, ring_len * sizeof(float));
    mx_true_peak_detector_reset(&lim->detectors[c]);
  }

  memset(lim->average, 0, lim->max_window * sizeof(float));
  lim->average_pos     = 0U;
  lim->average_nonzero = 0U;
  lim->average_sum     = 0.0;

  // One entry, "nothing required", keeps the deque non-empty
  lim->deque_front   = 0U;
  lim->deque_count   = 1U;
  lim->deque_need[0] = 0.0f;
  lim->deque_time[0] = 0U;
  lim->clock         = 1U;

  lim->deficit     = 0.0f;
  lim->bypass_step = 0.0f;
  lim->max_deficit = 0.0f;
  lim->write_pos   = 0U;
  mx_smooth_jump(&lim->ceiling, lim->ceiling.target);
}

static void
set_window(MxLimiter* const lim, const uint32_t window)
{
  lim->window        = window;
  lim->hold          = window + 2U;
  lim->latency       = window + MX_TRUE_PEAK_DELAY;
  lim->average_scale = 1.0 / (double)window;
}

MxLimiter*
mx_limiter_new(const uint32_t n_channels, const double rate, const float lookahead_ms)
{
  if (n_channels < 1U || n_channels > MX_LIMITER_MAX_CHANNELS || !mx_rate_is_valid(rate) ||
      !(lookahead_ms >= MX_LIMITER_MIN_LOOKAHEAD_MS &&
        lookahead_ms <= MX_LIMITER_MAX_LOOKAHEAD_MS)) {
    return NULL;
  }

  MxLimiter* const lim = (MxLimiter*)calloc(1U, sizeof(MxLimiter));
  if (!lim) {
    return NULL;
  }

  // Size everything for the longest look-ahead, so the setter never allocates
  lim->rate       = rate;
  lim->channels   = n_channels;
  lim->max_window = window_samples(MX_LIMITER_MAX_LOOKAHEAD_MS, rate);

  const uint32_t deque_len = next_power_of_two(lim->max_window + 3U);
  const uint32_t ring_len  = next_power_of_two(lim->max_window + MX_TRUE_PEAK_DELAY + CHUNK);
  lim->deque_mask          = deque_len - 1U;
  lim->ring_mask           = ring_len - 1U;

  lim->deque_need = (float*)calloc(deque_len, sizeof(float));
  lim->deque_time = (uint32_t*)calloc(deque_len, sizeof(uint32_t));
  lim->average    = (float*)calloc(lim->max_window, sizeof(float));
  bool ok         = lim->deque_need && lim->deque_time && lim->average;
  for (uint32_t c = 0; c < n_channels; ++c) {
    lim->ring[c] = (float*)calloc(ring_len, sizeof(float));
    ok           = ok && lim->ring[c];
  }

  if (!ok) {
    mx_limiter_free(lim);
    return NULL;
  }

  lim->ceiling_db    = MX_LIMITER_DEFAULT_CEILING_DB;
  lim->release_ms    = MX_LIMITER_DEFAULT_RELEASE_MS;
  lim->lookahead_ms  = lookahead_ms;
  lim->enabled       = true;
  lim->release_coeff = release_coeff(lim->release_ms, rate);
  mx_smooth_init(&lim->ceiling, mx_db_to_gain(lim->ceiling_db), MX_SMOOTH_DEFAULT_MS, rate);
  set_window(lim, window_samples(lookahead_ms, rate));
  clear_state(lim);
  return lim;
}

void
mx_limiter_free(MxLimiter* const limiter)
{
  if (!limiter) {
    return;
  }

  for (uint32_t c = MX_LIMITER_MAX_CHANNELS; c-- > 0U;) {
    free(limiter->ring[c]);
  }
  free(limiter->average);
  free(limiter->deque_time);
  free(limiter->deque_need);
  free(limiter);
}

MxStatus
mx_limiter_set_ceiling_db(MxLimiter* const limiter, const float db)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db, MX_LIMITER_MIN_CEILING_DB, MX_LIMITER_MAX_CEILING_DB));

  limiter->ceiling_db = db;
  mx_smooth_set_target(&limiter->ceiling, mx_db_to_gain(db));
  return MX_SUCCESS;
}

MxStatus
mx_limiter_set_release_ms(MxLimiter* const limiter, const float ms)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, MX_LIMITER_MIN_RELEASE_MS, MX_LIMITER_MAX_RELEASE_MS));

  limiter->release_ms    = ms;
  limiter->release_coeff = release_coeff(ms, limiter->rate);
  return MX_SUCCESS;
}

MxStatus
mx_limiter_set_lookahead_ms(MxLimiter* const limiter, const float ms)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, MX_LIMITER_MIN_LOOKAHEAD_MS, MX_LIMITER_MAX_LOOKAHEAD_MS));

  limiter->lookahead_ms = ms;
  const uint32_t window = window_samples(ms, limiter->rate);
  if (window != limiter->window) {
    set_window(limiter, window);
    clear_state(limiter);
  }

  return MX_SUCCESS;
}

void
mx_limiter_set_enabled(MxLimiter* const limiter, const bool enabled)
{
  if (!enabled && limiter->enabled) {
    // Glide the reduction in force to none along a linear ramp
    const float ramp     = (float)floor((double)MX_SMOOTH_DEFAULT_MS * 0.001 * limiter->rate);
    limiter->bypass_step = limiter->deficit / ramp;
  }

  limiter->enabled = enabled;
}

uint32_t
mx_limiter_get_latency(const MxLimiter* const limiter)
{
  return limiter->latency;
}

uint32_t
mx_limiter_get_channels(const MxLimiter* const limiter)
{
  return limiter->channels;
}

float
mx_limiter_get_ceiling_db(const MxLimiter* const limiter)
{
  return limiter->ceiling_db;
}

float
mx_limiter_get_release_ms(const MxLimiter* const limiter)
{
  return limiter->release_ms;
}

float
mx_limiter_get_lookahead_ms(const MxLimiter* const limiter)
{
  return limiter->lookahead_ms;
}

bool
mx_limiter_get_enabled(const MxLimiter* const limiter)
{
  return limiter->enabled;
}

// Positive dB of the reduction 1 - gain
static float
deficit_to_db(const float deficit)
{
  return deficit > 0.0f ? -mx_gain_to_db(1.0f - deficit) : 0.0f;
}

float
mx_limiter_get_reduction_db(const MxLimiter* const limiter)
{
  return deficit_to_db(limiter->deficit);
}

float
mx_limiter_read_reset_max_reduction_db(MxLimiter* const limiter)
{
  const float db       = deficit_to_db(limiter->max_deficit);
  limiter->max_deficit = limiter->deficit;
  return db;
}

void
mx_limiter_reset(MxLimiter* const limiter)
{
  clear_state(limiter);
}

/*
  Copy `n` samples of channel `c` into its delay line at the write position
  (in two parts where the ring wraps), silence for NaN and infinities, and
  estimate their true peaks from that copy into `peak`.
*/
static void
feed(MxLimiter* const   lim,
     const uint32_t     c,
     const float* const in,
     float* const       peak,
     const uint32_t     n)
{
  const uint32_t w     = lim->write_pos;
  const uint32_t len   = lim->ring_mask + 1U;
  const uint32_t first = n < len - w ? n : len - w;
  float* const   ring  = lim->ring[c];

  for (uint32_t i = 0; i < first; ++i) {
    ring[w + i] = is_finite(in[i]) ? in[i] : 0.0f;
  }
  for (uint32_t i = first; i < n; ++i) {
    ring[i - first] = is_finite(in[i]) ? in[i] : 0.0f;
  }

  mx_true_peak_detector_process(&lim->detectors[c], ring + w, peak, first);
  mx_true_peak_detector_process(&lim->detectors[c], ring, peak + first, n - first);
}

// Estimate the true peak of each of `n` samples, the larger of the channels
static void
detect(MxLimiter* const lim, float* const* const bufs, float* const peak, const uint32_t n)
{
  feed(lim, 0U, bufs[0], peak, n);
  if (lim->channels > 1U) {
    float other[CHUNK];
    feed(lim, 1U, bufs[1], other, n);
    for (uint32_t i = 0; i < n; ++i) {
      peak[i] = isgreater(other[i], peak[i]) ? other[i] : peak[i];
    }
  }
}

/*
  True if nothing is going on: no reduction in force or on its way, and no
  peak of the chunk over the ceiling (or bypassed).  The gain is then 1 for
  the whole chunk and the per-sample work can be skipped.
*/
static bool
is_idle(const MxLimiter* const lim, const float* const peak, const uint32_t n)
{
  if (lim->deficit != 0.0f || lim->average_nonzero || !mx_smooth_is_settled(&lim->ceiling) ||
      lim->deque_need[lim->deque_front] != 0.0f) {
    return false;
  }

  if (!lim->enabled) {
    return true;
  }

  const float ceiling = lim->ceiling.current;
  bool        over    = false;
  for (uint32_t i = 0; i < n; ++i) {
    over |= isgreater(peak[i], ceiling);
  }
  return !over;
}

/*
  Advance the state over `n` samples that require nothing, from idle: the
  deque holds one "nothing" entry, stamped with the last sample; the
  average's ring holds only zeros, so where it continues does not matter.
*/
static void
skip_idle(MxLimiter* const lim, const uint32_t n)
{
  lim->clock += n;
  lim->deque_front   = 0U;
  lim->deque_count   = 1U;
  lim->deque_need[0] = 0.0f;
  lim->deque_time[0] = lim->clock - 1U;
}

// Compute the gain of `n` samples from their peaks
static void
compute_gain(MxLimiter* const lim, const float* const peak, float* const gain, const uint32_t n)
{
  // State into locals for the loop
  const uint32_t  hold    = lim->hold;
  const uint32_t  window  = lim->window;
  const uint32_t  mask    = lim->deque_mask;
  const double    scale   = lim->average_scale;
  const float     release = lim->release_coeff;
  const bool      enabled = lim->enabled;
  const float     bypass  = lim->bypass_step;
  float* const    dq_need = lim->deque_need;
  uint32_t* const dq_time = lim->deque_time;
  float* const    average = lim->average;
  uint32_t        front   = lim->deque_front;
  uint32_t        count   = lim->deque_count;
  uint32_t        clock   = lim->clock;
  uint32_t        pos     = lim->average_pos;
  uint32_t        nonzero = lim->average_nonzero;
  double          sum     = lim->average_sum;
  float           deficit = lim->deficit;
  float           max_def = lim->max_deficit;
  MxSmooth        ceil_sm = lim->ceiling;

  for (uint32_t i = 0; i < n; ++i) {
    // Required reduction: 1 - ceiling / peak, the linear deficit that brings
    // the peak down to the ceiling (1 for an infinite peak, 0 for NaN)
    const float ceiling = mx_smooth_next(&ceil_sm);
    const float p       = peak[i];
    const float need    = enabled && isgreater(p, ceiling) ? 1.0f - ceiling / p : 0.0f;

    // Running maximum over `hold` samples: drop the entries the new one
    // dominates from the back, push it, expire the front
    while (count && dq_need[(front + count - 1U) & mask] <= need) {
      --count;
    }
    dq_need[(front + count) & mask] = need;
    dq_time[(front + count) & mask] = clock;
    ++count;
    if (clock - dq_time[front] >= hold) {
      front = (front + 1U) & mask;
      --count;
    }
    const float held = dq_need[front];

    // Moving average over `window` samples
    const float old = average[pos];
    average[pos]    = held;
    pos             = pos + 1U == window ? 0U : pos + 1U;
    nonzero += (uint32_t)(held > 0.0f) - (uint32_t)(old > 0.0f);
    sum += (double)held - (double)old;
    if (!nonzero) {
      sum = 0.0; // all zero: drop the rounding left by adds and removals
    }
    const float target = (float)(sum * scale);

    // Attack: follow the ramp at once; release: decay toward it
    if (!enabled) {
      deficit = deficit > bypass ? deficit - bypass : 0.0f;
    } else if (target >= deficit) {
      deficit = target;
    } else {
      deficit -= (deficit - target) * release;
      if (deficit < SNAP && !nonzero) {
        deficit = 0.0f;
      }
    }

    gain[i] = 1.0f - deficit;
    max_def = deficit > max_def ? deficit : max_def;
    ++clock;
  }

  // A NaN cannot reach here (inputs are sanitised), but keep the state sane
  if (!(deficit >= 0.0f && deficit <= 1.0f)) {
    deficit = 0.0f;
  }

  lim->ceiling         = ceil_sm;
  lim->deque_front     = front;
  lim->deque_count     = count;
  lim->clock           = clock;
  lim->average_pos     = pos;
  lim->average_nonzero = nonzero;
  lim->average_sum     = sum;
  lim->deficit         = deficit;
  lim->max_deficit     = max_def;
}

// Write `n` delayed samples of each channel, times `gain` (NULL for 1)
static void
output(const MxLimiter* const lim,
       float* const* const    bufs,
       const float* const     gain,
       const uint32_t         n)
{
  const uint32_t len   = lim->ring_mask + 1U;
  const uint32_t read  = (lim->write_pos + len - lim->latency) & lim->ring_mask;
  const uint32_t first = n < len - read ? n : len - read;

  for (uint32_t c = 0; c < lim->channels; ++c) {
    const float* const ring = lim->ring[c];
    float* const       out  = bufs[c];
    if (!gain) {
      memcpy(out, ring + read, first * sizeof(float));
      memcpy(out + first, ring, (n - first) * sizeof(float));
      continue;
    }

    for (uint32_t i = 0; i < first; ++i) {
      out[i] = gain[i] * ring[read + i];
    }
    for (uint32_t i = first; i < n; ++i) {
      out[i] = gain[i] * ring[i - first];
    }
  }
}

void
mx_limiter_process(MxLimiter* const limiter, float* const* const bufs, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  float  peak[CHUNK];
  float  gain[CHUNK];
  float* chunk[MX_LIMITER_MAX_CHANNELS] = { NULL, NULL };

  for (uint32_t i = 0; i < n; i += CHUNK) {
    const uint32_t c = n - i < CHUNK ? n - i : CHUNK;
    for (uint32_t ch = 0; ch < limiter->channels; ++ch) {
      chunk[ch] = bufs[ch] + i;
    }

    // Input into the delay lines first: with a latency shorter than the
    // chunk, the output reads some of it
    detect(limiter, chunk, peak, c);
    if (is_idle(limiter, peak, c)) {
      skip_idle(limiter, c);
      output(limiter, chunk, NULL, c);
    } else {
      compute_gain(limiter, peak, gain, c);
      output(limiter, chunk, gain, c);
    }

    limiter->write_pos = (limiter->write_pos + c) & limiter->ring_mask;
  }
}
