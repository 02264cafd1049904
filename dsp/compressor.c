// SPDX-License-Identifier: GPL-3.0-or-later

#include "compressor.h"

#include "biquad.h"
#include "dynamics.h"
#include "lanes.h"
#include "smooth.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/// Reductions below this, log2 units (6e-6 dB), are rounded to none.
#define SNAP 1.0e-6

/// Static curve for fixed parameters, in log2 units (GMR eq. 4)
typedef struct {
  float slope;   ///< 1 - 1/R
  float knee_lo; ///< Level where the knee starts, T - W/2
  float width;   ///< Knee width W
  float inv_2w;  ///< 1 / (2 W), 0 for a hard knee
  float lo_peak; ///< Linear peak level of knee_lo, 2^knee_lo
} Curve;

struct MxCompressorImpl {
  double rate; ///< Sample rate, Hz

  float threshold_db; ///< Threshold as set, dBFS
  float ratio;        ///< Ratio as set (INFINITY for a limit)
  float knee_db;      ///< Knee width as set, dB
  float attack_ms;    ///< Attack time constant as set, ms
  float release_ms;   ///< Release time constant as set, ms
  float makeup_db;    ///< Manual makeup as set, dB
  float rms_ms;       ///< RMS window as set, ms
  bool  auto_makeup;  ///< Automatic makeup on

  MxSmooth threshold; ///< Threshold, log2 units
  MxSmooth slope;     ///< 1 - 1/R
  MxSmooth knee;      ///< Knee width, log2 units
  MxSmooth makeup;    ///< Total makeup (manual + automatic), log2 units
  MxSmooth link;      ///< Stereo link, 0 to 1
  MxSmooth rms_mix;   ///< Detector blend: 0 peak, 1 RMS
  MxSmooth amount;    ///< On/off: 0 bypassed, 1 on
  MxSmooth hpf_mix;   ///< Sidechain filter blend: 0 dry key, 1 filtered
  MxSmooth hpf_hz;    ///< Sidechain filter corner, Hz

  MxDynCoeff attack;  ///< Ballistics while the reduction grows
  MxDynCoeff release; ///< Ballistics while the reduction shrinks
  MxDynCoeff average; ///< RMS averager

  Curve curve;       ///< Static curve of the settled parameters
  bool  curve_dirty; ///< Threshold, ratio or knee changed since `curve`

  MxBiquadCoeffs hpf;                            ///< Sidechain high pass
  float          hpf_designed;                   ///< Corner `hpf` was designed for, Hz
  MxBiquadState  hpf_state[MX_DYN_MAX_CHANNELS]; ///< High-pass memory per key channel

  double     gr[MX_DYN_MAX_CHANNELS]; ///< Ballistics state: reduction per channel, log2 units
  double     ms[MX_DYN_MAX_CHANNELS]; ///< RMS averager state: mean square per key channel
  bool       ms_live;                 ///< `ms` is being tracked (RMS in use or fading)
  bool       idle;                    ///< Off and cleared: blocks pass untouched
  MxDynMeter meter;                   ///< Gain-reduction meter

  // From here on, not state: where this block's scratch is (MxCompressorScratch)
  MxCompressorScratch* scratch;                   ///< Shared, or the compressor's own
  bool                 own_scratch;               ///< `scratch` is freed with the compressor
  float*               key[MX_DYN_MAX_CHANNELS];  ///< Filtered sidechain
  float*               work[MX_DYN_MAX_CHANNELS]; ///< Mean squares, then reductions (a lane's)
  float*               ramp_makeup;               ///< Makeup per sample while it ramps
  float*               ramp_amount;               ///< On/off amount per sample while it ramps
};

/*
  The buffers a block writes before it reads them.  A compressor is done
  with its filtered key and ramps when its call returns, so every
  compressor one thread runs can share them; only the reductions of a
  bank's lanes live from stage 2 to stage 4 side by side, so a shared set
  has a reduction buffer per lane.  Sharing keeps the scratch of hundreds
  of strips in one place the cache keeps (`make bench`), where buffers of
  their own would be a few hundred kilobytes each.
*/
struct MxCompressorScratchImpl {
  unsigned lanes;                                         ///< Reduction buffers: 1 or a bank's
  float*   key[MX_DYN_MAX_CHANNELS];                      ///< Filtered sidechain
  float*   work[MX_COMPRESSOR_BANK][MX_DYN_MAX_CHANNELS]; ///< Reductions per lane
  float*   ramp_makeup;                                   ///< Makeup ramp
  float*   ramp_amount;                                   ///< On/off ramp
  float*   memory;                                        ///< All of the above, one allocation
};

static MxCompressorScratch*
scratch_new(const unsigned lanes)
{
  MxCompressorScratch* const s = (MxCompressorScratch*)calloc(1U, sizeof(MxCompressorScratch));
  const size_t buffers         = MX_DYN_MAX_CHANNELS + (size_t)lanes * MX_DYN_MAX_CHANNELS + 2U;
  float* const memory = s ? (float*)calloc(buffers * MX_DSP_MAX_BLOCK, sizeof(float)) : NULL;
  if (!memory) {
    free(s);
    return NULL;
  }

  float* next = memory;
  mx_carve_blocks(&next, s->key, MX_DYN_MAX_CHANNELS);
  for (unsigned l = 0U; l < lanes; ++l) {
    mx_carve_blocks(&next, s->work[l], MX_DYN_MAX_CHANNELS);
  }
  mx_carve_blocks(&next, &s->ramp_makeup, 1U);
  mx_carve_blocks(&next, &s->ramp_amount, 1U);
  s->lanes  = lanes;
  s->memory = memory;
  return s;
}

MxCompressorScratch*
mx_compressor_scratch_new(void)
{
  return scratch_new(MX_COMPRESSOR_BANK);
}

void
mx_compressor_scratch_free(MxCompressorScratch* const scratch)
{
  if (scratch) {
    free(scratch->memory);
    free(scratch);
  }
}

// Point the compressor at its scratch, with the reduction buffers of `lane`
// (a bank's lane; 0 alone).  A compressor's own scratch has one lane.
static void
use_scratch(MxCompressor* const comp, const unsigned lane)
{
  const MxCompressorScratch* const s = comp->scratch;
  const unsigned                   l = lane < s->lanes ? lane : 0U;
  for (unsigned c = 0U; c < MX_DYN_MAX_CHANNELS; ++c) {
    comp->key[c]  = s->key[c];
    comp->work[c] = s->work[l][c];
  }
  comp->ramp_makeup = s->ramp_makeup;
  comp->ramp_amount = s->ramp_amount;
}

static Curve
make_curve(const float threshold, const float slope, const float width)
{
  Curve cv;
  cv.slope   = slope;
  cv.knee_lo = threshold - 0.5f * width;
  cv.width   = width;
  cv.inv_2w  = width > 0.0f ? 0.5f / width : 0.0f;
  cv.lo_peak = exp2f(cv.knee_lo);
  return cv;
}

// Slope 1 - 1/R of the static curve above the knee
static float
ratio_slope(const float ratio)
{
  return isinf(ratio) ? 1.0f : 1.0f - 1.0f / ratio;
}

// Static reduction at 0 dBFS, dB, for the automatic makeup
static float
reduction_at_full_scale_db(const MxCompressor* const comp)
{
  const float half_w = 0.5f * comp->knee_db;
  const float d      = 0.0f - comp->threshold_db;
  const float k      = ratio_slope(comp->ratio);
  if (d <= -half_w) {
    return 0.0f;
  }

  if (d < half_w) {
    return k * (d + half_w) * (d + half_w) / (2.0f * comp->knee_db);
  }

  return k * d;
}

static void
update_makeup(MxCompressor* const comp)
{
  const float db =
    comp->makeup_db + (comp->auto_makeup ? 0.5f * reduction_at_full_scale_db(comp) : 0.0f);
  mx_smooth_set_target(&comp->makeup, db * MX_DYN_LOG2_PER_DB);
}

static void
design_hpf(MxCompressor* const comp, const float hz)
{
  MxBiquadCoeffs sections[MX_BIQUAD_MAX_SECTIONS];
  unsigned       count = 0U;
  if (!mx_biquad_design_pass(
        sections, &count, true, MX_SLOPE_12_BUTTERWORTH, (double)hz, comp->rate)) {
    comp->hpf          = sections[0];
    comp->hpf_designed = hz;
  }
}

// Forget everything heard: ballistics, averager, filter, meter
static void
clear_state(MxCompressor* const comp)
{
  for (unsigned c = 0U; c < MX_DYN_MAX_CHANNELS; ++c) {
    comp->gr[c] = 0.0;
    comp->ms[c] = 0.0;
    mx_biquad_reset(&comp->hpf_state[c]);
  }
  comp->ms_live = false;
  mx_dyn_meter_clear(&comp->meter);
}

static void
set_times(MxCompressor* const comp)
{
  const double rate = comp->rate;
  comp->attack      = mx_dyn_coeff(comp->attack_ms, rate);
  comp->release     = mx_dyn_coeff(comp->release_ms, rate);
  comp->average     = mx_dyn_coeff(comp->rms_ms, rate);

  MxSmooth* const smooths[] = { &comp->threshold, &comp->slope,   &comp->knee,
                                &comp->makeup,    &comp->link,    &comp->rms_mix,
                                &comp->amount,    &comp->hpf_mix, &comp->hpf_hz };
  for (size_t i = 0U; i < sizeof(smooths) / sizeof(smooths[0]); ++i) {
    mx_smooth_set_time(smooths[i], MX_SMOOTH_DEFAULT_MS, rate);
  }
}

MxCompressor*
mx_compressor_new(const double rate)
{
  return mx_compressor_new_shared(rate, NULL);
}

MxCompressor*
mx_compressor_new_shared(const double rate, MxCompressorScratch* const scratch)
{
  if (!mx_rate_is_valid(rate)) {
    return NULL;
  }

  MxCompressor* const comp = (MxCompressor*)calloc(1U, sizeof(MxCompressor));
  if (!comp) {
    return NULL;
  }
  comp->scratch     = scratch ? scratch : scratch_new(1U);
  comp->own_scratch = !scratch;
  if (!comp->scratch) {
    free(comp);
    return NULL;
  }
  use_scratch(comp, 0U);

  comp->rate         = rate;
  comp->threshold_db = MX_COMPRESSOR_DEF_THRESHOLD_DB;
  comp->ratio        = MX_COMPRESSOR_DEF_RATIO;
  comp->knee_db      = MX_COMPRESSOR_DEF_KNEE_DB;
  comp->attack_ms    = MX_COMPRESSOR_DEF_ATTACK_MS;
  comp->release_ms   = MX_COMPRESSOR_DEF_RELEASE_MS;
  comp->makeup_db    = 0.0f;
  comp->rms_ms       = MX_COMPRESSOR_DEF_RMS_MS;
  comp->auto_makeup  = false;

  const float ms = MX_SMOOTH_DEFAULT_MS;
  mx_smooth_init(&comp->threshold, comp->threshold_db * MX_DYN_LOG2_PER_DB, ms, rate);
  mx_smooth_init(&comp->slope, ratio_slope(comp->ratio), ms, rate);
  mx_smooth_init(&comp->knee, comp->knee_db * MX_DYN_LOG2_PER_DB, ms, rate);
  mx_smooth_init(&comp->makeup, 0.0f, ms, rate);
  mx_smooth_init(&comp->link, 1.0f, ms, rate);
  mx_smooth_init(&comp->rms_mix, 0.0f, ms, rate);
  mx_smooth_init(&comp->amount, 0.0f, ms, rate);
  mx_smooth_init(&comp->hpf_mix, 0.0f, ms, rate);
  mx_smooth_init(&comp->hpf_hz, MX_COMPRESSOR_DEF_HPF_HZ, ms, rate);

  set_times(comp);
  design_hpf(comp, MX_COMPRESSOR_DEF_HPF_HZ);
  comp->curve_dirty = true;
  clear_state(comp);
  comp->idle = true;
  return comp;
}

void
mx_compressor_free(MxCompressor* const comp)
{
  if (comp && comp->own_scratch) {
    mx_compressor_scratch_free(comp->scratch);
  }
  free(comp);
}

MxStatus
mx_compressor_set_rate(MxCompressor* const comp, const double rate)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_rate(rate));

  comp->rate = rate;
  set_times(comp);
  design_hpf(comp, comp->hpf_hz.current);
  clear_state(comp);
  return MX_SUCCESS;
}

void
mx_compressor_set_enabled(MxCompressor* const comp, const bool enabled)
{
  mx_smooth_set_target(&comp->amount, enabled ? 1.0f : 0.0f);
}

MxStatus
mx_compressor_set_threshold_db(MxCompressor* const comp, const float db)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db, MX_COMPRESSOR_MIN_THRESHOLD_DB, MX_COMPRESSOR_MAX_THRESHOLD_DB));
  comp->threshold_db = db;
  comp->curve_dirty  = true;
  mx_smooth_set_target(&comp->threshold, db * MX_DYN_LOG2_PER_DB);
  update_makeup(comp);
  return MX_SUCCESS;
}

MxStatus
mx_compressor_set_ratio(MxCompressor* const comp, const float ratio)
{
  MxStatus st = MX_SUCCESS;
  if (ratio != INFINITY) { // +INFINITY is valid: a hard limit
    TRY(st, mx_check_range(ratio, 1.0f, MX_COMPRESSOR_MAX_RATIO));
  }

  comp->ratio       = ratio;
  comp->curve_dirty = true;
  mx_smooth_set_target(&comp->slope, ratio_slope(ratio));
  update_makeup(comp);
  return MX_SUCCESS;
}

MxStatus
mx_compressor_set_knee_db(MxCompressor* const comp, const float db)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db, 0.0f, MX_COMPRESSOR_MAX_KNEE_DB));
  comp->knee_db     = db;
  comp->curve_dirty = true;
  mx_smooth_set_target(&comp->knee, db * MX_DYN_LOG2_PER_DB);
  update_makeup(comp);
  return MX_SUCCESS;
}

MxStatus
mx_compressor_set_attack_ms(MxCompressor* const comp, const float ms)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, 0.0f, MX_COMPRESSOR_MAX_ATTACK_MS));
  comp->attack_ms = ms;
  comp->attack    = mx_dyn_coeff(ms, comp->rate);
  return MX_SUCCESS;
}

MxStatus
mx_compressor_set_release_ms(MxCompressor* const comp, const float ms)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, MX_COMPRESSOR_MIN_RELEASE_MS, MX_COMPRESSOR_MAX_RELEASE_MS));
  comp->release_ms = ms;
  comp->release    = mx_dyn_coeff(ms, comp->rate);
  return MX_SUCCESS;
}

MxStatus
mx_compressor_set_makeup_db(MxCompressor* const comp, const float db)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db, MX_COMPRESSOR_MIN_MAKEUP_DB, MX_COMPRESSOR_MAX_MAKEUP_DB));
  comp->makeup_db = db;
  update_makeup(comp);
  return MX_SUCCESS;
}

void
mx_compressor_set_auto_makeup(MxCompressor* const comp, const bool on)
{
  comp->auto_makeup = on;
  update_makeup(comp);
}

MxStatus
mx_compressor_set_detect(MxCompressor* const comp, const MxDetect mode)
{
  if ((unsigned)mode >= MX_DETECT_N) {
    return MX_ERR_BAD_ARG;
  }

  mx_smooth_set_target(&comp->rms_mix, mode == MX_DETECT_RMS ? 1.0f : 0.0f);
  return MX_SUCCESS;
}

MxStatus
mx_compressor_set_rms_ms(MxCompressor* const comp, const float ms)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, MX_COMPRESSOR_MIN_RMS_MS, MX_COMPRESSOR_MAX_RMS_MS));
  comp->rms_ms  = ms;
  comp->average = mx_dyn_coeff(ms, comp->rate);
  return MX_SUCCESS;
}

MxStatus
mx_compressor_set_link(MxCompressor* const comp, const float link)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(link, 0.0f, 1.0f));
  mx_smooth_set_target(&comp->link, link);
  return MX_SUCCESS;
}

static bool
is_off(const MxSmooth* const s)
{
  return mx_smooth_is_settled(s) && s->current == 0.0f;
}

void
mx_compressor_set_hpf(MxCompressor* const comp, const bool on)
{
  if (on && is_off(&comp->hpf_mix)) {
    // Start from rest rather than from what it held when last used
    mx_biquad_reset(&comp->hpf_state[0]);
    mx_biquad_reset(&comp->hpf_state[1]);
  }

  mx_smooth_set_target(&comp->hpf_mix, on ? 1.0f : 0.0f);
}

MxStatus
mx_compressor_set_hpf_hz(MxCompressor* const comp, const float hz)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(hz, MX_COMPRESSOR_MIN_HPF_HZ, MX_COMPRESSOR_MAX_HPF_HZ));
  if (is_off(&comp->hpf_mix)) {
    mx_smooth_jump(&comp->hpf_hz, hz); // Unheard: no need to glide
  } else {
    mx_smooth_set_target(&comp->hpf_hz, hz);
  }
  return MX_SUCCESS;
}

// Replace the key by its high-passed copy in comp->key, crossfading while
// the filter is switched
static void
filter_key(MxCompressor* const comp, const float** const key, const unsigned nch, const uint32_t n)
{
  if (is_off(&comp->hpf_mix)) {
    return;
  }

  const float hz = mx_smooth_advance(&comp->hpf_hz, n);
  if (hz != comp->hpf_designed) {
    design_hpf(comp, hz);
  }

  MxSmooth mix = comp->hpf_mix;
  for (unsigned c = 0U; c < nch; ++c) {
    const float* const dry = key[c];
    float* const       wet = comp->key[c];
    memcpy(wet, dry, n * sizeof(float));
    mx_biquad_process(&comp->hpf, &comp->hpf_state[c], wet, n);

    if (!mx_smooth_is_settled(&comp->hpf_mix)) {
      mix = comp->hpf_mix; // Every channel sees the same ramp
      for (uint32_t i = 0U; i < n; ++i) {
        wet[i] = dry[i] + mx_smooth_next(&mix) * (wet[i] - dry[i]);
      }
    }
    key[c] = wet;
  }
  comp->hpf_mix = mix;
}

// Static curve per lane, GMR eq. 4, written as the reduction x_G - y_G (>= 0)
// so that one expression covers the three regions without a branch: below
// the knee both terms are 0, in the knee `in` is the distance into it,
// above it `in` is W (giving W/2) and `over` the rest.  One body for
// vectors of W lanes (4, or 8 in AVX2 code), as dynamics.h's.
#define REDUCTION(W, level, knee_lo, width, inv_2w, slope)                 \
  __extension__({                                                          \
    const MxF##W zero_ = mx_f##W##_set(0.0f);                              \
    const MxF##W u_    = (level) - (knee_lo);                              \
    const MxF##W in_   = mx_f##W##_min(mx_f##W##_max(u_, zero_), (width)); \
    const MxF##W over_ = mx_f##W##_max(u_ - (width), zero_);               \
    (slope) * (in_ * in_ * (inv_2w) + over_);                              \
  })

// Level in log2 units of a linear peak
#define PEAK_LEVEL(W, peak) mx_dyn_log2_f##W(mx_f##W##_clamp_level(peak))

// Level in log2 units of a mean square: 10 log10(ms) is half of 20 log10
#define MS_LEVEL(W, ms)                                                                  \
  (0.5f * mx_dyn_log2_f##W(mx_f##W##_min(                                                \
            mx_f##W##_max((ms), mx_f##W##_set(MX_DYN_LEVEL_FLOOR * MX_DYN_LEVEL_FLOOR)), \
            mx_f##W##_set(MX_DYN_LEVEL_CEIL * MX_DYN_LEVEL_CEIL))))

static inline MxF4
reduction_f4(const MxF4 level,
             const MxF4 knee_lo,
             const MxF4 width,
             const MxF4 inv_2w,
             const MxF4 slope)
{
  return REDUCTION(4, level, knee_lo, width, inv_2w, slope);
}

static inline MxF4
peak_level(const MxF4 peak)
{
  return PEAK_LEVEL(4, peak);
}

static inline MxF4
ms_level(const MxF4 ms)
{
  return MS_LEVEL(4, ms);
}

// Next four values of a ramping parameter (lanes past `m` repeat the last)
static inline MxF4
ramp4(MxSmooth* const s, const uint32_t m)
{
  MxF4 v = mx_f4_set(0.0f);
  for (uint32_t j = 0U; j < 4U; ++j) {
    v[j] = j < m ? mx_smooth_next(s) : v[j - 1U];
  }
  return v;
}

// How a block is to be run
typedef struct {
  bool ramping; ///< A curve, makeup, link, detector or on/off parameter moves
  bool linked;  ///< One reduction for all channels (link settled at 1)
  bool peak;    ///< The peak level is in use
  bool rms;     ///< The RMS level is in use
  bool whole;   ///< The block is whole vectors (a multiple of four samples, as periods are)
} Mode;

/**
   Samples in the vector step at sample `i` of a block of `n`: four, or
   what is left at the end.  With mode.whole the compiler knows it is four,
   and the loads, stores and loop of a step lose their tests for a short
   one.
*/
static inline uint32_t
step_len(const uint32_t n, const uint32_t i, const Mode mode)
{
  return mode.whole || n - i > 4U ? 4U : n - i;
}

/// `mode` for a block of whole vectors
static inline Mode
whole_vectors(const Mode mode)
{
  Mode m  = mode;
  m.whole = true;
  return m;
}

// Stage 1 for RMS: the mean square of each key channel, sample by sample
// (GMR's RMS detector), into comp->work.  The channels of a pair run in one loop so
// that their recursions overlap.
static void
average(MxCompressor* const       comp,
        const float* const* const key,
        const unsigned            nch,
        const uint32_t            n)
{
  const MxDynCoeff   avg = comp->average;
  const float* const x0  = key[0];
  float* const       sq0 = comp->work[0];
  double             ms0 = comp->ms[0];

  if (nch == 1U) {
    for (uint32_t i = 0U; i < n; ++i) {
      ms0    = mx_dyn_follow(avg, ms0, (double)x0[i] * (double)x0[i]);
      sq0[i] = (float)ms0;
    }
  } else {
    const float* const x1  = key[1];
    float* const       sq1 = comp->work[1];
    double             ms1 = comp->ms[1];
    for (uint32_t i = 0U; i < n; ++i) {
      ms0    = mx_dyn_follow(avg, ms0, (double)x0[i] * (double)x0[i]);
      ms1    = mx_dyn_follow(avg, ms1, (double)x1[i] * (double)x1[i]);
      sq0[i] = (float)ms0;
      sq1[i] = (float)ms1;
    }
    comp->ms[1] = ms1;
  }
  comp->ms[0] = ms0;
}

// Stage 2: level, static curve and link, four samples at a time; the
// target reduction of each channel (one when linked) goes to comp->work.
// Ramping parameters advance per sample, the makeup and on/off amount are
// kept for stage 4.
static inline __attribute__((always_inline)) void
targets(MxCompressor* const       comp,
        const float* const* const key,
        const unsigned            nch,
        const uint32_t            n,
        const Mode                mode)
{
  MxF4 knee_lo = mx_f4_set(comp->curve.knee_lo);
  MxF4 width   = mx_f4_set(comp->curve.width);
  MxF4 inv_2w  = mx_f4_set(comp->curve.inv_2w);
  MxF4 slope   = mx_f4_set(comp->curve.slope);
  MxF4 link    = mx_f4_set(comp->link.current);
  MxF4 mix     = mx_f4_set(comp->rms_mix.current);

  for (uint32_t i = 0U, m = 0U; i < n; i += m) {
    m = step_len(n, i, mode);

    if (mode.ramping) {
      const MxF4 thr  = ramp4(&comp->threshold, m);
      const MxF4 zero = mx_f4_set(0.0f);
      width           = ramp4(&comp->knee, m);
      slope           = ramp4(&comp->slope, m);
      link            = ramp4(&comp->link, m);
      mix             = ramp4(&comp->rms_mix, m);
      knee_lo         = thr - 0.5f * width;
      inv_2w =
        mx_f4_select(width > zero, 0.5f / mx_f4_select(width > zero, width, mx_f4_set(1.0f)), zero);
      mx_f4_store(comp->ramp_makeup + i, ramp4(&comp->makeup, m), 4U);
      mx_f4_store(comp->ramp_amount + i, ramp4(&comp->amount, m), 4U);
    }

    // Linear levels, the louder channel's when linked (b > a ? b : a keeps
    // a NaN in a out)
    MxF4 peak[MX_DYN_MAX_CHANNELS] = { { 0.0f } }; // (set below when used; gcc cannot tell)
    MxF4 ms[MX_DYN_MAX_CHANNELS]   = { { 0.0f } };
    for (unsigned c = 0U; c < nch; ++c) {
      if (mode.peak) {
        peak[c] = mx_f4_abs(mx_f4_load(key[c] + i, m));
      }
      if (mode.rms) {
        ms[c] = mx_f4_load(comp->work[c] + i, 4U);
      }
    }
    const unsigned levels = mode.linked ? 1U : nch;
    if (mode.linked && nch > 1U) {
      if (mode.peak) {
        peak[0] = mx_f4_max(peak[1], peak[0]);
      }
      if (mode.rms) {
        ms[0] = mx_f4_max(ms[1], ms[0]);
      }
    }

    // Reductions; the detector switch crossfades the levels in dB
    MxF4 target[MX_DYN_MAX_CHANNELS];
    MxF4 most = mx_f4_set(0.0f);
    for (unsigned c = 0U; c < levels; ++c) {
      MxF4 level;
      if (mode.peak && mode.rms) {
        const MxF4 lp = peak_level(peak[c]);
        level         = lp + mix * (ms_level(ms[c]) - lp);
      } else if (mode.rms) {
        level = ms_level(ms[c]);
      } else {
        level = peak_level(peak[c]);
      }
      target[c] = reduction_f4(level, knee_lo, width, inv_2w, slope);
      most      = mx_f4_max(target[c], most);
    }

    // Link: each channel moves from its own reduction towards the larger
    for (unsigned c = 0U; c < levels; ++c) {
      const MxF4 t = mode.linked ? target[c] : target[c] + link * (most - target[c]);
      mx_f4_store(comp->work[c] + i, t, 4U);
    }
  }
}

// Stage 3: ballistics, GMR's smooth branching peak detector, in place over
// comp->work[c]: from the state g towards the target t, with the attack
// coefficients while t > g and the release ones otherwise.  Both candidates
// move from g towards t, and the one with the larger input weight b moves
// further.  So when the attack is the faster (b_A >= b_R, the usual case)
// the branching picks the larger candidate both when rising (attack, the
// further one) and when falling (release, the one nearer g), and otherwise
// the smaller one.  A max or min instead of a comparison with the state
// keeps the recursion to multiply, add, max, with no branch to mispredict
// twice per cycle of a tone.
static inline double
step(const MxDynCoeff att,
     const MxDynCoeff rel,
     const bool       larger,
     const double     g,
     const float      target)
{
  const double t    = (double)target;
  const double up   = mx_dyn_follow(att, g, t);
  const double down = mx_dyn_follow(rel, g, t);
  if (larger) {
    return up > down ? up : down;
  }
  return up < down ? up : down;
}

// Stage 3 for `chains` (1 or 2) channels at once, so that two recursions
// overlap
static inline __attribute__((always_inline)) void
follow(MxCompressor* const comp, const unsigned chains, const bool larger, const uint32_t n)
{
  const MxDynCoeff att = comp->attack;
  const MxDynCoeff rel = comp->release;
  float* const     w0  = comp->work[0];
  float* const     w1  = comp->work[1];
  double           g0  = comp->gr[0];
  double           g1  = comp->gr[1];

  for (uint32_t i = 0U; i < n; ++i) {
    g0    = step(att, rel, larger, g0, w0[i]);
    w0[i] = (float)g0;
    if (chains > 1U) {
      g1    = step(att, rel, larger, g1, w1[i]);
      w1[i] = (float)g1;
    }
  }

  comp->gr[0] = g0;
  comp->gr[1] = chains > 1U ? g1 : g0;

  // Lanes past the block end read as no reduction in stage 4
  for (uint32_t i = n; i % 4U; ++i) {
    w0[i] = w1[i] = 0.0f;
  }
}

static void
ballistics(MxCompressor* const comp, const unsigned chains, const uint32_t n)
{
  const bool larger = comp->attack.b >= comp->release.b;
  if (chains == 1U) {
    larger ? follow(comp, 1U, true, n) : follow(comp, 1U, false, n);
  } else {
    larger ? follow(comp, 2U, true, n) : follow(comp, 2U, false, n);
  }
}

// Stage 4: gains 2^(amount (makeup - reduction)), four at a time, applied
// to the channels.  Returns the largest applied reduction, log2 units.
static inline __attribute__((always_inline)) float
apply(MxCompressor* const comp,
      float* const* const ch,
      const unsigned      nch,
      const uint32_t      n,
      const Mode          mode)
{
  MxF4 makeup = mx_f4_set(comp->makeup.current);
  MxF4 amount = mx_f4_set(comp->amount.current);
  MxF4 top    = mx_f4_set(0.0f);

  for (uint32_t i = 0U, m = 0U; i < n; i += m) {
    m = step_len(n, i, mode);
    if (mode.ramping) {
      makeup = mx_f4_load(comp->ramp_makeup + i, 4U);
      amount = mx_f4_load(comp->ramp_amount + i, 4U);
    }

    MxF4 gain = mx_f4_set(1.0f);
    for (unsigned c = 0U; c < nch; ++c) {
      if (c == 0U || !mode.linked) {
        const MxF4 g = mx_f4_load(comp->work[c] + i, 4U);
        top          = mx_f4_max(amount * g, top);
        gain         = mx_dyn_exp2_f4(amount * (makeup - g));
      }
      mx_f4_store(ch[c] + i, mx_f4_load(ch[c] + i, m) * gain, m);
    }
  }

  const float t01 = top[0] > top[1] ? top[0] : top[1];
  const float t23 = top[2] > top[3] ? top[2] : top[3];
  return t01 > t23 ? t01 : t23;
}

// Stages 3 and 4 fused, for one linked chain with settled parameters and
// the faster attack: four steps of the recursion, then their four gains at
// once, so that the vector work of a chunk overlaps the recursion of the
// next (10 to 15 % faster than the two loops)
static inline __attribute__((always_inline)) float
follow_apply(MxCompressor* const comp,
             float* const* const ch,
             const unsigned      nch,
             const uint32_t      n,
             const Mode          mode)
{
  const MxDynCoeff   att    = comp->attack;
  const MxDynCoeff   rel    = comp->release;
  const MxF4         makeup = mx_f4_set(comp->makeup.current);
  const float* const w      = comp->work[0];
  double             g      = comp->gr[0];
  MxF4               top    = mx_f4_set(0.0f);

  for (uint32_t i = 0U, m = 0U; i < n; i += m) {
    m = step_len(n, i, mode);
    MxF4 gv;
    if (m == 4U) {
      // Unrolled, and the vector built from registers rather than memory
      const double g0 = step(att, rel, true, g, w[i]);
      const double g1 = step(att, rel, true, g0, w[i + 1U]);
      const double g2 = step(att, rel, true, g1, w[i + 2U]);
      const double g3 = step(att, rel, true, g2, w[i + 3U]);
      const MxF4   v  = { (float)g0, (float)g1, (float)g2, (float)g3 };
      g               = g3;
      gv              = v;
    } else {
      gv = mx_f4_set(0.0f);
      for (uint32_t j = 0U; j < m; ++j) {
        g     = step(att, rel, true, g, w[i + j]);
        gv[j] = (float)g;
      }
    }

    top             = mx_f4_max(gv, top);
    const MxF4 gain = mx_dyn_exp2_f4(makeup - gv);
    for (unsigned c = 0U; c < nch; ++c) {
      mx_f4_store(ch[c] + i, mx_f4_load(ch[c] + i, m) * gain, m);
    }
  }

  comp->gr[0] = comp->gr[1] = g;
  const float t01           = top[0] > top[1] ? top[0] : top[1];
  const float t23           = top[2] > top[3] ? top[2] : top[3];
  return t01 > t23 ? t01 : t23;
}

// Run the stages over a block (run())
static inline __attribute__((always_inline)) float
run_stages(MxCompressor* const       comp,
           float* const* const       ch,
           const float* const* const key,
           const unsigned            nch,
           const uint32_t            n,
           const Mode                mode)
{
  if (mode.rms) {
    average(comp, key, nch, n);
  }
  targets(comp, key, nch, n, mode);
  if (!mode.ramping && mode.linked && comp->attack.b >= comp->release.b) {
    return follow_apply(comp, ch, nch, n, mode);
  }
  ballistics(comp, mode.linked ? 1U : nch, n); // linked: both states follow chain 0
  return apply(comp, ch, nch, n, mode);
}

// Run the stages over a block, built apart for a block of whole vectors
static inline __attribute__((always_inline)) float
run(MxCompressor* const       comp,
    float* const* const       ch,
    const float* const* const key,
    const unsigned            nch,
    const uint32_t            n,
    const Mode                mode)
{
  return n % 4U == 0U ? run_stages(comp, ch, key, nch, n, whole_vectors(mode))
                      : run_stages(comp, ch, key, nch, n, mode);
}

// True if the whole block stays below the knee: its largest |x| is below it
static bool
quiet_block(const float* const* const key, const unsigned nch, const uint32_t n, const float lo)
{
  float peak = 0.0f;
  for (unsigned c = 0U; c < nch; ++c) {
    const float* const x = key[c];
    for (uint32_t i = 0U; i < n; ++i) {
      const float a = fabsf(x[i]);
      peak          = a > peak ? a : peak;
    }
  }
  return peak <= lo; // false for NaN, which then takes the full path
}

// Settled peak detection with no reduction in progress and the block below
// the knee: only the makeup is left to apply
static bool
run_quiet(MxCompressor* const       comp,
          float* const* const       ch,
          const float* const* const key,
          const unsigned            nch,
          const uint32_t            n)
{
  if (comp->gr[0] != 0.0 || comp->gr[nch - 1U] != 0.0 ||
      !quiet_block(key, nch, n, comp->curve.lo_peak)) {
    return false;
  }

  const float mk = comp->makeup.current;
  if (mk != 0.0f) {
    const float gain = mx_dyn_exp2(mk);
    for (unsigned c = 0U; c < nch; ++c) {
      for (uint32_t i = 0U; i < n; ++i) {
        ch[c][i] *= gain;
      }
    }
  }
  return true;
}

static bool
settled_on(const MxSmooth* const s)
{
  return mx_smooth_is_settled(s) && s->current == 1.0f;
}

// Choose a loop specialised for the common settled cases
static float
dispatch(MxCompressor* const       comp,
         float* const* const       ch,
         const float* const* const key,
         const unsigned            nch,
         const uint32_t            n,
         const Mode                mode)
{
  if (!mode.ramping && !mode.rms && run_quiet(comp, ch, key, nch, n)) {
    return 0.0f;
  }

  if (!mode.ramping && mode.linked) {
    const Mode peak = { false, true, true, false, false };
    const Mode rms  = { false, true, false, true, false };
    if (nch == 1U) {
      return mode.rms ? run(comp, ch, key, 1U, n, rms) : run(comp, ch, key, 1U, n, peak);
    }
    return mode.rms ? run(comp, ch, key, 2U, n, rms) : run(comp, ch, key, 2U, n, peak);
  }

  if (!mode.ramping && nch == 2U) {
    const Mode peak = { false, false, true, false, false };
    const Mode rms  = { false, false, false, true, false };
    return mode.rms ? run(comp, ch, key, 2U, n, rms) : run(comp, ch, key, 2U, n, peak);
  }

  return run(comp, ch, key, nch, n, mode);
}

// The start of a block, before its detector runs: the bypass, the key, the
// RMS averager's start, and how the block is to run.  Returns false for a
// block that passes untouched (bypassed, or empty).
static bool
begin(MxCompressor* const       comp,
      float* const* const       ch,
      const unsigned            nch,
      const float* const* const sc,
      const uint32_t            n,
      const float**             key,
      Mode* const               mode)
{
  assert(n <= MX_DSP_MAX_BLOCK);
  assert(nch >= 1U && nch <= MX_DYN_MAX_CHANNELS);
  if (n == 0U) {
    return false;
  }

  if (is_off(&comp->amount)) {
    // Bypassed: untouched, and ready to start from silence
    if (!comp->idle) {
      clear_state(comp);
      comp->idle = true;
    }
    return false;
  }
  comp->idle = false;

  for (unsigned c = 0U; c < nch; ++c) {
    key[c] = sc ? sc[c] : ch[c];
  }
  filter_key(comp, key, nch, n);

  // Track the mean square while RMS is in use or fading; start it from this
  // block's mean square when it comes in
  const bool rms_wanted = !is_off(&comp->rms_mix);
  if (rms_wanted && !comp->ms_live) {
    for (unsigned c = 0U; c < nch; ++c) {
      double sum = 0.0;
      for (uint32_t i = 0U; i < n; ++i) {
        sum += (double)key[c][i] * (double)key[c][i];
      }
      comp->ms[c] = sum / n;
    }
  }
  comp->ms_live = rms_wanted;

  // A pair shares one reduction when fully linked and both states agree
  mode->linked  = nch == 1U || (settled_on(&comp->link) && fabs(comp->gr[0] - comp->gr[1]) < SNAP);
  mode->ramping = !(mx_smooth_is_settled(&comp->threshold) && mx_smooth_is_settled(&comp->slope) &&
                    mx_smooth_is_settled(&comp->knee) && mx_smooth_is_settled(&comp->makeup) &&
                    settled_on(&comp->amount) && mx_smooth_is_settled(&comp->rms_mix) &&
                    (mode->linked || mx_smooth_is_settled(&comp->link)));
  mode->rms     = rms_wanted;
  mode->peak    = !settled_on(&comp->rms_mix);
  mode->whole   = false; // run() decides

  if (mode->linked) {
    comp->gr[0] = comp->gr[1] = fmax(comp->gr[0], comp->gr[nch - 1U]);
  }
  if (!mode->ramping) {
    if (comp->curve_dirty) {
      comp->curve = make_curve(comp->threshold.current, comp->slope.current, comp->knee.current);
      comp->curve_dirty = false;
    }
    mx_smooth_advance(&comp->link, n);
  }
  return true;
}

// The end of a block: the state kept finite, the meter told.  `top` is the
// largest reduction applied, log2 units.
static void
finish(MxCompressor* const comp, double top)
{
  // Recover from a NaN or infinity that reached a recursion; let a reduction
  // that has died away end exactly at none
  double end = 0.0;
  for (unsigned c = 0U; c < MX_DYN_MAX_CHANNELS; ++c) {
    if (!isfinite(comp->gr[c]) || comp->gr[c] < SNAP) {
      comp->gr[c] = 0.0;
    }
    if (!isfinite(comp->ms[c])) {
      comp->ms[c] = 0.0;
    }
    end = comp->gr[c] > end ? comp->gr[c] : end;
  }
  if (!isfinite(top)) {
    top = 0.0;
  }

  const float amount = comp->amount.current;
  mx_dyn_meter_update(
    &comp->meter, amount * (float)end * MX_DYN_DB_PER_LOG2, (float)top * MX_DYN_DB_PER_LOG2);
}

void
mx_compressor_process(MxCompressor* const       comp,
                      float* const* const       ch,
                      const unsigned            nch,
                      const float* const* const sc,
                      const uint32_t            n)
{
  const float* key[MX_DYN_MAX_CHANNELS] = { NULL, NULL };
  Mode         mode;
  use_scratch(comp, 0U);
  if (begin(comp, ch, nch, sc, n, key, &mode)) {
    finish(comp, (double)dispatch(comp, ch, key, nch, n, mode));
  }
}

// ---------------------------------------------------------------------------
// Banks

typedef MxLanes Double4;
typedef int64_t Long4 __attribute__((vector_size(4 * sizeof(int64_t))));

// One step of the ballistics in every lane: the larger of the attack's and
// the release's next value (step() with the faster attack).  By pointer:
// a vector passed by value would change the ABI of the SSE2 build.
static inline __attribute__((always_inline)) void
follow_step(Double4* const       g,
            const Double4* const t,
            const Double4* const att_a,
            const Double4* const att_b,
            const Double4* const rel_a,
            const Double4* const rel_b)
{
  const Double4 up   = *att_a * *g + *att_b * *t;
  const Double4 down = *rel_a * *g + *rel_b * *t;
  const Long4   more = up > down;
  *g                 = (Double4)(((Long4)up & more) | ((Long4)down & ~more));
}

// Stage 3 for up to MX_COMPRESSOR_BANK settled mono compressors, one per
// lane of a 4 x double vector: step() with the faster attack, the same
// operations in the same order, so each lane's reductions are its
// compressor's alone.  The recursion (a multiply, an add and a max per
// sample, about 12 cycles of latency) bounds a compressor's speed; lanes
// share it.  Lanes past `count` repeat the last real one and are not
// stored.  No FMA in either build (MX_SIMD_CLONES).
static MX_SIMD_CLONES void
follow_bank(MxCompressor* const* const comps, const unsigned count, const uint32_t n)
{
  Double4 att_a = { 0.0 };
  Double4 att_b = { 0.0 };
  Double4 rel_a = { 0.0 };
  Double4 rel_b = { 0.0 };
  Double4 g     = { 0.0 };
  float*  w[MX_COMPRESSOR_BANK];
  for (unsigned l = 0U; l < MX_COMPRESSOR_BANK; ++l) {
    MxCompressor* const comp = comps[l < count ? l : count - 1U];
    att_a[l]                 = comp->attack.a;
    att_b[l]                 = comp->attack.b;
    rel_a[l]                 = comp->release.a;
    rel_b[l]                 = comp->release.b;
    g[l]                     = comp->gr[0];
    w[l]                     = comp->work[0];
  }

  // Four samples at a time (mx_lanes_load4()), then the rest one by one:
  // the same steps in the same order either way
  uint32_t i = 0U;
  for (; i + 4U <= n; i += 4U) {
    Double4 x[4];
    mx_lanes_load4((const float* const*)w, i, x);
    for (unsigned k = 0U; k < 4U; ++k) {
      follow_step(&g, &x[k], &att_a, &att_b, &rel_a, &rel_b);
      x[k] = g;
    }
    mx_lanes_store4(w, i, x);
  }
  for (; i < n; ++i) {
    const Double4 t = { (double)w[0][i], (double)w[1][i], (double)w[2][i], (double)w[3][i] };
    follow_step(&g, &t, &att_a, &att_b, &rel_a, &rel_b);
    // Stored last to first: a repeated lane reads its buffer before this
    w[3][i] = (float)g[3];
    w[2][i] = (float)g[2];
    w[1][i] = (float)g[1];
    w[0][i] = (float)g[0];
  }

  for (unsigned l = 0U; l < count; ++l) {
    MxCompressor* const comp = comps[l];
    comp->gr[0] = comp->gr[1] = g[l];
    for (uint32_t k = n; k % 4U; ++k) {
      comp->work[0][k] = 0.0f; // Lanes past the block end read as none in stage 4
    }
  }
}

#if MX_DYN_HAVE_F8
// Stage 2 of a settled mono compressor in a bank, eight samples at a time
// (targets() with the mode of detect_settled(): one level, linked, no
// ramp), for a block of whole 8-vectors: the same operations per sample,
// so the same bits.  Built for AVX2; called only where the CPU has it.
static MX_DYN_AVX2 void
targets_f8(MxCompressor* const comp, const float* const key, const uint32_t n, const bool rms)
{
  const MxF8   knee_lo = mx_f8_set(comp->curve.knee_lo);
  const MxF8   width   = mx_f8_set(comp->curve.width);
  const MxF8   inv_2w  = mx_f8_set(comp->curve.inv_2w);
  const MxF8   slope   = mx_f8_set(comp->curve.slope);
  float* const w       = comp->work[0];
  for (uint32_t i = 0U; i < n; i += 8U) {
    const MxF8 level =
      rms ? MS_LEVEL(8, mx_f8_load(w + i)) : PEAK_LEVEL(8, mx_f8_abs(mx_f8_load(key + i)));
    mx_f8_store(w + i, REDUCTION(8, level, knee_lo, width, inv_2w, slope));
  }
}

// Stage 4 of the same, eight at a time (apply() of a settled linked mono
// block); returns the largest applied reduction, log2 units
static MX_DYN_AVX2 float
apply_f8(MxCompressor* const comp, float* const ch, const uint32_t n)
{
  const MxF8         makeup = mx_f8_set(comp->makeup.current);
  const MxF8         amount = mx_f8_set(comp->amount.current);
  const float* const w      = comp->work[0];
  MxF8               top    = mx_f8_set(0.0f);
  for (uint32_t i = 0U; i < n; i += 8U) {
    const MxF8 g = mx_f8_load(w + i);
    top          = mx_f8_max(amount * g, top);
    mx_f8_store(ch + i, mx_f8_load(ch + i) * mx_dyn_exp2_f8(amount * (makeup - g)));
  }
  float most = top[0];
  for (unsigned j = 1U; j < 8U; ++j) {
    most = top[j] > most ? top[j] : most;
  }
  return most;
}
#endif

// True if a bank runs stages 2 and 4 eight samples at a time: the CPU has
// AVX2 and the block is whole 8-vectors (as periods are)
static inline bool
bank_is_wide(const uint32_t n)
{
  return n % 8U == 0U && mx_dyn_has_avx2();
}

// Stages 1 and 2 of a settled mono block, with the mode a constant; inlined
// so that it is built with the bank's target.  `wide`: bank_is_wide().
static inline __attribute__((always_inline)) void
detect_settled(MxCompressor* const       comp,
               const float* const* const key,
               const uint32_t            n,
               const Mode                mode,
               const bool                wide)
{
  const Mode peak = { false, true, true, false, false };
  const Mode rms  = { false, true, false, true, false };
  if (mode.rms) {
    average(comp, key, 1U, n);
  }
#if MX_DYN_HAVE_F8
  if (wide) {
    targets_f8(comp, key[0], n, mode.rms);
    return;
  }
#else
  (void)wide;
#endif
  if (n % 4U == 0U) {
    targets(comp, key, 1U, n, whole_vectors(mode.rms ? rms : peak));
  } else {
    targets(comp, key, 1U, n, mode.rms ? rms : peak);
  }
}

// The bank, built for AVX2 where the CPU has it (VEX forms and blends for
// the vectors of stages 2 and 4; no FMA, so the same bits); static, as
// clang (14) emits the dispatcher of target_clones only for a function
// that does not leave its file
static MX_SIMD_CLONES void
compressor_bank(MxCompressor* const* const comps,
                float* const* const        bufs,
                const unsigned             count,
                const uint32_t             n)
{
  assert(count <= MX_COMPRESSOR_BANK);
  MxCompressor* lanes[MX_COMPRESSOR_BANK];
  float*        lane_bufs[MX_COMPRESSOR_BANK];
  unsigned      n_lanes = 0U;
  const bool    wide    = bank_is_wide(n);

  // What cannot share lanes runs alone: a ramping parameter, the slower
  // attack (the other branch of step()), or a quiet block (no recursion)
  for (unsigned k = 0U; k < count; ++k) {
    MxCompressor* const comp                     = comps[k];
    float* const* const ch                       = &bufs[k];
    const float*        key[MX_DYN_MAX_CHANNELS] = { NULL, NULL };
    Mode                mode;
    use_scratch(comp, n_lanes); // The lanes taken so far keep theirs to stage 4
    if (!begin(comp, ch, 1U, NULL, n, key, &mode)) {
      continue;
    }
    if (mode.ramping || comp->attack.b < comp->release.b) {
      finish(comp, (double)dispatch(comp, ch, key, 1U, n, mode));
      continue;
    }
    if (!mode.rms && run_quiet(comp, ch, key, 1U, n)) {
      finish(comp, 0.0);
      continue;
    }
    detect_settled(comp, key, n, mode, wide);
    lanes[n_lanes]     = comp;
    lane_bufs[n_lanes] = bufs[k];
    ++n_lanes;
  }
  if (n_lanes == 0U) {
    return;
  }

  // Stage 4 reads only whether the block is settled and linked
  follow_bank(lanes, n_lanes, n);
  const Mode settled = { false, true, true, false, false };
  for (unsigned l = 0U; l < n_lanes; ++l) {
#if MX_DYN_HAVE_F8
    if (wide) {
      finish(lanes[l], (double)apply_f8(lanes[l], lane_bufs[l], n));
      continue;
    }
#endif
    const float top = n % 4U == 0U ? apply(lanes[l], &lane_bufs[l], 1U, n, whole_vectors(settled))
                                   : apply(lanes[l], &lane_bufs[l], 1U, n, settled);
    finish(lanes[l], (double)top);
  }
}

void
mx_compressor_process_bank(MxCompressor* const* const comps,
                           float* const* const        bufs,
                           const unsigned             count,
                           const uint32_t             n)
{
  compressor_bank(comps, bufs, count, n);
}

void
mx_compressor_copy(MxCompressor* const restrict dst, const MxCompressor* const restrict src)
{
  // Everything up to `scratch` is state; the scratch is written before it
  // is read in every block, and `dst` keeps its own
  memcpy(dst, src, offsetof(MxCompressor, scratch));
}

float
mx_compressor_get_reduction_db(const MxCompressor* const comp)
{
  return comp->meter.current_db;
}

float
mx_compressor_read_max_reduction_db(MxCompressor* const comp)
{
  return mx_dyn_meter_read_reset(&comp->meter);
}

void
mx_compressor_reset(MxCompressor* const comp)
{
  MxSmooth* const smooths[] = { &comp->threshold, &comp->slope,   &comp->knee,
                                &comp->makeup,    &comp->link,    &comp->rms_mix,
                                &comp->amount,    &comp->hpf_mix, &comp->hpf_hz };
  for (size_t i = 0U; i < sizeof(smooths) / sizeof(smooths[0]); ++i) {
    mx_smooth_jump(smooths[i], smooths[i]->target);
  }

  comp->curve_dirty = true;
  clear_state(comp);
  comp->idle = is_off(&comp->amount);
}

void
mx_compressor_prefetch(const MxCompressor* const comp)
{
  mx_prefetch(comp, sizeof(*comp));
}
