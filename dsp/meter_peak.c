// SPDX-License-Identifier: GPL-3.0-or-later

#include "meter_peak.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>

/// Independent maxima kept by the peak loop: two SSE or one AVX vector.
#define LANES 8U

static uint64_t
ms_to_samples(const float ms, const double rate)
{
  return (uint64_t)floor((double)ms * 0.001 * rate + 0.5);
}

// Age a display value by `samples`: hold first, then fall linearly in dB
static float
age_db(const float db, uint64_t* const hold_left, const uint64_t samples, const double fall)
{
  uint64_t falling = samples;
  if (hold_left) {
    const uint64_t held = *hold_left < samples ? *hold_left : samples;
    *hold_left -= held;
    falling -= held;
  }

  const double aged = (double)db - fall * (double)falling;
  return aged < (double)MX_METER_PEAK_FLOOR_DB ? -INFINITY : (float)aged;
}

void
mx_meter_peak_init(MxMeterPeak* const meter, const double rate)
{
  meter->hold_ms   = MX_METER_PEAK_DEFAULT_HOLD_MS;
  meter->fall_db_s = MX_METER_PEAK_DEFAULT_FALL_DB_S;
  mx_meter_peak_set_rate(meter, rate);
}

void
mx_meter_peak_set_rate(MxMeterPeak* const meter, const double rate)
{
  meter->rate             = rate;
  meter->hold_samples     = ms_to_samples(meter->hold_ms, rate);
  meter->fall_db_per_samp = (double)meter->fall_db_s / rate;
  mx_meter_peak_reset(meter);
}

MxStatus
mx_meter_peak_set_hold_ms(MxMeterPeak* const meter, const float ms)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, 0.0f, MX_METER_PEAK_MAX_HOLD_MS));

  meter->hold_ms      = ms;
  meter->hold_samples = ms_to_samples(ms, meter->rate);
  if (meter->hold_left > meter->hold_samples) {
    meter->hold_left = meter->hold_samples;
  }
  return MX_SUCCESS;
}

MxStatus
mx_meter_peak_set_fall_db_per_s(MxMeterPeak* const meter, const float db_per_s)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db_per_s, MX_METER_PEAK_MIN_FALL_DB_S, MX_METER_PEAK_MAX_FALL_DB_S));

  meter->fall_db_s        = db_per_s;
  meter->fall_db_per_samp = (double)db_per_s / meter->rate;
  return MX_SUCCESS;
}

// The largest of `start` and |in[i]|.  `a > m ? a : m` is exactly x86
// MAXPS (a NaN in `a` keeps `m`), so each lane compiles to one vector max
// without -ffast-math.  Independent lanes need no reassociation; a single
// accumulator would be a serial chain.  With AVX2 the eight lanes are one
// vector, so a short block costs a few instructions around its loop.
// Static, as clang (14) emits the dispatcher of target_clones only for a
// function that does not leave its file.
static MX_SIMD_CLONES float
peak_of(const float* const in, const uint32_t n, const float start)
{
  float m[LANES];
  for (size_t j = 0; j < LANES; ++j) {
    m[j] = start;
  }

  size_t i = 0;
#pragma GCC unroll 4
  for (; i + LANES <= n; i += LANES) {
    const float* const p = in + i;
    for (size_t j = 0; j < LANES; ++j) {
      const float a = fabsf(p[j]);
      m[j]          = a > m[j] ? a : m[j];
    }
  }

  for (; i < n; ++i) {
    const float a = fabsf(in[i]);
    m[0]          = a > m[0] ? a : m[0];
  }

  float peak = m[0];
  for (size_t j = 1; j < LANES; ++j) {
    peak = m[j] > peak ? m[j] : peak;
  }
  return peak;
}

void
mx_meter_peak_process(MxMeterPeak* const meter, const float* const in, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);
  meter->peak = peak_of(in, n, meter->peak);
  meter->elapsed += n;
}

void
mx_meter_peak_process_scaled(MxMeterPeak* const meter,
                             MxMeterPeak* const scaled,
                             const float        factor,
                             const float* const in,
                             const uint32_t     n)
{
  assert(n <= MX_DSP_MAX_BLOCK && meter != scaled);
  // The block's own peak (>= 0, as every accumulator is), then both maxima
  const float block = peak_of(in, n, 0.0f);
  const float times = block * fabsf(factor);
  meter->peak       = block > meter->peak ? block : meter->peak;
  scaled->peak      = times > scaled->peak ? times : scaled->peak;
  meter->elapsed += n;
  scaled->elapsed += n;
}

void
mx_meter_peak_read_reset(MxMeterPeak* const meter, MxMeterPeakReading* const out)
{
  const float peak = meter->peak;

  // Display level of this read's peak, infinity clamped so it can fall again
  float peak_db = mx_gain_to_db(peak);
  if (peak_db > MX_METER_PEAK_CEILING_DB) {
    peak_db = MX_METER_PEAK_CEILING_DB;
  }

  // Bar: instant rise, linear fall in dB (IEC 60268-18 fall-back)
  const float bar = age_db(meter->bar_db, NULL, meter->elapsed, meter->fall_db_per_samp);
  meter->bar_db   = peak_db > bar ? peak_db : bar;

  // Hold marker: a peak at or above the aged marker restarts the hold
  const float hold =
    age_db(meter->hold_db, &meter->hold_left, meter->elapsed, meter->fall_db_per_samp);
  if (peak_db >= hold && peak > 0.0f) {
    meter->hold_db   = peak_db;
    meter->hold_left = meter->hold_samples;
  } else {
    meter->hold_db = hold;
  }

  out->peak    = peak;
  out->bar_db  = meter->bar_db;
  out->hold_db = meter->hold_db;

  meter->peak    = 0.0f;
  meter->elapsed = 0U;
}

void
mx_meter_peak_reset(MxMeterPeak* const meter)
{
  meter->peak      = 0.0f;
  meter->elapsed   = 0U;
  meter->bar_db    = -INFINITY;
  meter->hold_db   = -INFINITY;
  meter->hold_left = 0U;
}

void
mx_meter_gr_init(MxMeterGr* const meter)
{
  meter->max_db = 0.0f;
}

void
mx_meter_gr_feed_db(MxMeterGr* const meter, const float reduction_db)
{
  // False for NaN, so a NaN leaves the meter unchanged
  if (reduction_db > meter->max_db) {
    meter->max_db = reduction_db;
  }
}

void
mx_meter_gr_feed_gain(MxMeterGr* const meter, const float gain)
{
  // Only a gain below 1 is a reduction; skip the log otherwise
  if (gain < 1.0f) {
    mx_meter_gr_feed_db(meter, -mx_gain_to_db(gain));
  }
}

float
mx_meter_gr_read_reset(MxMeterGr* const meter)
{
  const float db = meter->max_db;
  meter->max_db  = 0.0f;
  return db;
}
