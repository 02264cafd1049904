// SPDX-License-Identifier: GPL-3.0-or-later

#include "strip.h"
#include "testutil.h"
#include "true_peak.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 256, LEN = 188 * BLOCK, RATE = 48000 };

static float in_l[LEN];
static float in_r[LEN];
static float out_l[LEN];
static float out_r[LEN];
static float ref_l[LEN];
static float ref_r[LEN];

/// What the meters read over part of a run
typedef struct {
  float pre_peak;    ///< Largest pre-fader peak, channel 0
  float post_peak;   ///< Largest post-fader peak, channel 0
  float gate_gr;     ///< Largest gate reduction, dB
  float gate_gr_min; ///< Smallest gate reduction of any read, dB
  float comp_gr;     ///< Largest compressor reduction, dB
} Totals;

// Run samples [from, to) of in_l/in_r through the strip into out_l/out_r
// in blocks, reading the meters every block
static void
run_range(MxStrip* const strip, const size_t from, const size_t to, Totals* const t)
{
  memset(t, 0, sizeof(*t));
  t->gate_gr_min = INFINITY;
  for (size_t pos = from; pos < to; pos += BLOCK) {
    const float* const in[2] = { in_l + pos, in_r + pos };
    mx_strip_process(strip, in, out_l + pos, out_r + pos, BLOCK);

    MxStripMeters m;
    mx_strip_read_meters(strip, &m);
    t->pre_peak    = fmaxf(t->pre_peak, m.pre_peak[0].peak);
    t->post_peak   = fmaxf(t->post_peak, m.post_peak[0].peak);
    t->gate_gr     = fmaxf(t->gate_gr, m.gate_reduction_db);
    t->gate_gr_min = fminf(t->gate_gr_min, m.gate_reduction_db);
    t->comp_gr     = fmaxf(t->comp_gr, m.comp_reduction_db);
  }
}

static void
run(MxStrip* const strip, Totals* const t)
{
  run_range(strip, 0U, LEN, t);
}

// Compressor at `threshold_db`, 4:1, hard knee, instant attack, 1 s
// release: on a steady tone the reduction rides the crests, so it is the
// static curve's at the tone's peak level
static void
set_compressor(MxStrip* const strip, const float threshold_db)
{
  MxCompressor* const comp = mx_strip_compressor(strip);
  ck_assert_int_eq(mx_compressor_set_threshold_db(comp, threshold_db), MX_SUCCESS);
  ck_assert_int_eq(mx_compressor_set_ratio(comp, 4.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_compressor_set_knee_db(comp, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_compressor_set_attack_ms(comp, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_compressor_set_release_ms(comp, 1000.0f), MX_SUCCESS);
  mx_compressor_set_enabled(comp, true);
}

// Band 1 as a peak of `db` at `hz`, Q 1
static void
set_peak(MxStrip* const strip, const float hz, const float db)
{
  MxStripEq* const eq = mx_strip_eq(strip);
  ck_assert_int_eq(mx_strip_eq_set_band_freq_hz(eq, 1U, hz), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_band_gain_db(eq, 1U, db), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_band_q(eq, 1U, 1.0f), MX_SUCCESS);
}

// Level of the `hz` tone in the second half of `x`, dBFS
static double
tone_db(const float* const x, const double hz)
{
  return mxt_db(mxt_tone_amplitude(x + LEN / 2, LEN / 2, hz, RATE));
}

// ---------------------------------------------------------------------------
// Lifetime and setters

START_TEST(constructor_rejects_bad_arguments)
{
  ck_assert_ptr_null(mx_strip_new(0U, RATE));
  ck_assert_ptr_null(mx_strip_new(3U, RATE));
  ck_assert_ptr_null(mx_strip_new(1U, 100.0));
  ck_assert_ptr_null(mx_strip_new(1U, NAN));
  mx_strip_free(NULL);
}
END_TEST

START_TEST(setters_reject_bad_values_unchanged)
{
  MxStrip* const strip = mx_strip_new(2U, RATE);

  // Trim: +-24 dB
  ck_assert_int_eq(mx_strip_set_trim_db(strip, 24.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_trim_db(strip, -24.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_trim_db(strip, 24.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_set_trim_db(strip, -24.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_set_trim_db(strip, -INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_strip_set_trim_db(strip, NAN), MX_ERR_BAD_ARG);

  // Fader: off to +10 dB
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -3.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, 10.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, NAN), MX_ERR_BAD_ARG);
  mxt_assert_same(mx_strip_get_fader_db(strip), -3.0f);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, 10.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -INFINITY), MX_SUCCESS);
  mxt_assert_same(mx_strip_get_fader_db(strip), -INFINITY);

  // Delay: up to 100 ms, 4800 samples at 48 kHz
  MxDelay* const delay = mx_strip_delay(strip);
  ck_assert_uint_eq(mx_delay_get_max_samples(delay), 4800U);
  ck_assert_int_eq(mx_delay_set_samples(delay, 4801U), MX_ERR_RANGE);
  ck_assert_uint_eq(mx_strip_latency(strip), 0U);
  ck_assert_int_eq(mx_delay_set_ms(delay, MX_STRIP_DELAY_MAX_MS), MX_SUCCESS);
  ck_assert_uint_eq(mx_strip_latency(strip), 4800U);
  mx_strip_free(strip);
}
END_TEST

START_TEST(accessors_match_the_channel_count)
{
  MxStrip* const mono   = mx_strip_new(1U, RATE);
  MxStrip* const stereo = mx_strip_new(2U, RATE);
  ck_assert_uint_eq(mx_strip_channels(mono), 1U);
  ck_assert_uint_eq(mx_strip_channels(stereo), 2U);
  ck_assert_ptr_nonnull(mx_strip_pan(mono));
  ck_assert_ptr_null(mx_strip_balance(mono));
  ck_assert_ptr_null(mx_strip_width(mono));
  ck_assert_ptr_null(mx_strip_pan(stereo));
  ck_assert_ptr_nonnull(mx_strip_balance(stereo));
  ck_assert_ptr_nonnull(mx_strip_width(stereo));
  ck_assert_uint_eq(mx_delay_get_channels(mx_strip_delay(mono)), 1U);
  ck_assert_uint_eq(mx_delay_get_channels(mx_strip_delay(stereo)), 2U);
  mx_strip_free(stereo);
  mx_strip_free(mono);
}
END_TEST

// ---------------------------------------------------------------------------
// Neutral defaults

START_TEST(mono_neutral_is_centre_panned_at_minus_3_db)
{
  MxStrip* const strip = mx_strip_new(1U, RATE);
  mxt_sine(in_l, LEN, 1000.0, RATE, 0.5, 0.0);

  Totals t;
  run(strip, &t);

  // Default -3 dB law: sin(pi/4) = cos(pi/4) = 0.7071 on each side, the
  // same gain bit for bit
  const double expected = 0.5 * M_SQRT1_2;
  ck_assert_double_eq_tol(tone_db(out_l, 1000.0), mxt_db(expected), 0.01);
  mxt_assert_same_samples(out_r, out_l, LEN);
  ck_assert_float_eq(t.comp_gr, 0.0f);
  ck_assert_float_eq(t.gate_gr, 0.0f);
  ck_assert_uint_eq(mx_strip_latency(strip), 0U);

  // Both meters sit before the pan, so they read the whole signal, and
  // with the fader at 0 dB they read alike
  mxt_assert_same(t.post_peak, mxt_peak(in_l, LEN));
  mxt_assert_same(t.pre_peak, t.post_peak);
  mx_strip_free(strip);
}
END_TEST

START_TEST(stereo_neutral_is_bit_transparent)
{
  MxStrip* const strip = mx_strip_new(2U, RATE);
  mxt_noise(in_l, LEN, 0.9, 7U);
  mxt_noise(in_r, LEN, 0.9, 8U);

  Totals t;
  run(strip, &t);
  mxt_assert_same_samples(out_l, in_l, LEN);
  mxt_assert_same_samples(out_r, in_r, LEN);
  mxt_assert_same(t.pre_peak, mxt_peak(in_l, LEN));
  mxt_assert_same(t.post_peak, t.pre_peak);
  ck_assert_uint_eq(mx_strip_latency(strip), 0U);
  mx_strip_free(strip);
}
END_TEST

// Switching the EQ order of neutral processors crossfades two identical
// paths, which must leave the signal alone bit for bit
START_TEST(neutral_order_switches_are_bit_transparent)
{
  MxStrip* const strip = mx_strip_new(2U, RATE);
  mxt_noise(in_l, LEN, 0.9, 9U);
  mxt_noise(in_r, LEN, 0.9, 10U);

  for (size_t pos = 0U; pos < LEN; pos += BLOCK) {
    // A switch every 3 blocks: most start while a fade runs
    if (pos % (3U * BLOCK) == 0U) {
      mx_strip_set_eq_after_comp(strip, (pos / (3U * BLOCK)) % 2U == 0U);
    }
    const float* const in[2] = { in_l + pos, in_r + pos };
    mx_strip_process(strip, in, out_l + pos, out_r + pos, BLOCK);
  }
  mxt_assert_same_samples(out_l, in_l, LEN);
  mxt_assert_same_samples(out_r, in_r, LEN);
  mx_strip_free(strip);
}
END_TEST

// ---------------------------------------------------------------------------
// Gains: trim, polarity, fader, pan, mute, width

START_TEST(trim_and_polarity_scale_exactly)
{
  static const struct {
    float trim_db;
    bool  invert;
  } cases[] = { { 6.0f, false }, { 0.0f, true }, { -24.0f, true }, { 24.0f, false } };

  MxStrip* const strip = mx_strip_new(2U, RATE);
  ck_assert_int_eq(mx_strip_set_trim_db(strip, cases[_i].trim_db), MX_SUCCESS);
  mx_strip_set_invert(strip, cases[_i].invert);
  mx_strip_reset(strip);
  mxt_noise(in_l, LEN, 0.05, 11U);
  mxt_noise(in_r, LEN, 0.05, 12U);

  Totals t;
  run(strip, &t);

  // The one factor +-10^(dB/20), applied once: every sample is x * k
  const float k = (cases[_i].invert ? -1.0f : 1.0f) * mx_db_to_gain(cases[_i].trim_db);
  for (size_t i = 0U; i < LEN; ++i) {
    ref_l[i] = in_l[i] * k;
    ref_r[i] = in_r[i] * k;
  }
  mxt_assert_same_samples(out_l, ref_l, LEN);
  mxt_assert_same_samples(out_r, ref_r, LEN);
  mx_strip_free(strip);
}
END_TEST

START_TEST(fader_and_pan_set_the_output_level)
{
  MxStrip* const strip = mx_strip_new(1U, RATE);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -6.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_pan_set_position(mx_strip_pan(strip), -1.0f), MX_SUCCESS);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 440.0, RATE, 0.5, 0.0);

  Totals t;
  run(strip, &t);
  ck_assert_double_eq_tol(tone_db(out_l, 440.0), mxt_db(0.5) - 6.0, 0.01);
  ck_assert_double_eq(mxt_peak(out_r, LEN), 0.0);
  ck_assert_double_eq_tol(mxt_db(t.post_peak), mxt_db(0.5) - 6.0, 0.02);
  mx_strip_free(strip);
}
END_TEST

// The post-fader meter reads the pre-fader signal times the fader gain:
// the largest |x k| is exactly (largest |x|) k, float multiplication
// being monotonic; the RMS to float rounding
START_TEST(pre_and_post_fader_meters_differ_by_the_fader_gain)
{
  const unsigned nch   = 1U + (unsigned)_i;
  MxStrip* const strip = mx_strip_new(nch, RATE);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -7.5f), MX_SUCCESS);
  set_compressor(strip, -30.0f);
  mx_strip_reset(strip);
  mxt_noise(in_l, LEN, 0.8, 13U);
  mxt_noise(in_r, LEN, 0.3, 14U);

  const float k          = mx_db_to_gain(-7.5f);
  unsigned    peak_wrong = 0U;
  double      rms_error  = 0.0;
  float       pre_top    = 0.0f;
  for (size_t pos = 0U; pos < LEN; pos += BLOCK) {
    const float* const in[2] = { in_l + pos, in_r + pos };
    mx_strip_process(strip, in, out_l + pos, out_r + pos, BLOCK);

    MxStripMeters m;
    mx_strip_read_meters(strip, &m);
    for (unsigned c = 0U; c < nch; ++c) {
      peak_wrong += m.post_peak[c].peak != m.pre_peak[c].peak * k;
      if (m.pre_rms[c].rms > 0.0f) {
        const double ratio = (double)m.post_rms[c].rms / (double)m.pre_rms[c].rms;
        rms_error          = fmax(rms_error, fabs(ratio / (double)k - 1.0));
      }
      pre_top = fmaxf(pre_top, m.pre_peak[c].peak);
    }
  }
  ck_assert_uint_eq(peak_wrong, 0U);
  ck_assert_double_le(rms_error, 1e-5);
  // Pre-fader means after the compressor: 0.8 peaks into -30 dB at 4:1
  ck_assert_double_lt(mxt_db(pre_top), mxt_db(0.8) - 10.0);
  mx_strip_free(strip);
}
END_TEST

START_TEST(mute_keeps_the_fader_level)
{
  MxStrip* const strip = mx_strip_new(1U, RATE);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -6.0f), MX_SUCCESS);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 1000.0, RATE, 0.5, 0.0);

  const size_t third = 62U * BLOCK;
  const size_t ramp  = mxt_ramp_samples(RATE);
  Totals       t;
  run_range(strip, 0U, third, &t);
  mx_strip_set_mute(strip, true);
  run_range(strip, third, 2U * third, &t);
  mxt_assert_same(mx_strip_get_fader_db(strip), -6.0f);

  // Muted: silence on both sides once the ramp is over, while the meters,
  // before the mute, still read the level the fader sets
  ck_assert_uint_eq(mxt_first_not(out_l + third + ramp, 0.0f, third - ramp), third - ramp);
  ck_assert_uint_eq(mxt_first_not(out_r + third + ramp, 0.0f, third - ramp), third - ramp);
  ck_assert_double_eq_tol(mxt_db(t.post_peak), mxt_db(0.5) - 6.0, 0.01);

  // Unmuted: back at the fader's level, -6 dB and -3 dB of pan law
  mx_strip_set_mute(strip, false);
  run_range(strip, 2U * third, LEN, &t);
  const size_t from = 2U * third + ramp;
  ck_assert_double_eq_tol(mxt_db(mxt_tone_amplitude(out_l + from, LEN - from, 1000.0, RATE)),
                          mxt_db(0.5 * M_SQRT1_2) - 6.0,
                          0.01);
  mx_strip_free(strip);
}
END_TEST

// Width 0 folds to mid, M = (L + R) / 2, on both sides; the balance then
// acts on the folded pair (width before balance)
START_TEST(width_zero_gives_identical_sides)
{
  static const float balances[] = { 0.0f, -0.5f };
  const float        balance    = balances[_i];

  MxStrip* const strip = mx_strip_new(2U, RATE);
  ck_assert_int_eq(mx_width_set_amount(mx_strip_width(strip), 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_balance_set_position(mx_strip_balance(strip), balance), MX_SUCCESS);
  mx_strip_reset(strip);
  mxt_noise(in_l, LEN, 0.9, 15U);
  mxt_noise(in_r, LEN, 0.4, 16U);

  Totals t;
  run(strip, &t);
  for (size_t i = 0U; i < LEN; ++i) {
    ref_l[i] = 0.5f * (in_l[i] + in_r[i]);
    ref_r[i] = ref_l[i] * (1.0f + balance); // min(1, 1 + balance)
  }
  mxt_assert_same_samples(out_l, ref_l, LEN);
  mxt_assert_same_samples(out_r, ref_r, LEN);
  if (balance == 0.0f) {
    mxt_assert_same_samples(out_r, out_l, LEN);
  }
  mx_strip_free(strip);
}
END_TEST

// ---------------------------------------------------------------------------
// Delay

START_TEST(delay_shifts_an_impulse_by_the_latency)
{
  static const uint32_t delays[] = { 0U, 1U, 37U, 255U, 256U, 4800U };
  const uint32_t        d        = delays[_i];

  MxStrip* const strip = mx_strip_new(2U, RATE);
  ck_assert_int_eq(mx_delay_set_samples(mx_strip_delay(strip), d), MX_SUCCESS);
  mx_strip_reset(strip);
  ck_assert_uint_eq(mx_strip_latency(strip), d);

  memset(in_l, 0, sizeof(in_l));
  memset(in_r, 0, sizeof(in_r));
  in_l[3]  = 1.0f;
  in_r[10] = -0.5f;

  Totals t;
  run(strip, &t);
  mxt_assert_impulse(out_l, LEN, 3U + d, 1.0f);
  mxt_assert_impulse(out_r, LEN, 10U + d, -0.5f);
  mx_strip_free(strip);
}
END_TEST

// ---------------------------------------------------------------------------
// Chain order

/*
  Trim comes before the dynamics, the fader after: a 1 kHz tone at -12 dBFS
  into a -20 dB, 4:1 compressor is reduced by (-12 + trim + 20) * 3/4 dB,
  whatever the fader.
*/
START_TEST(trim_drives_the_compressor_fader_does_not)
{
  static const struct {
    float trim_db;
    float fader_db;
    float reduction_db;
  } cases[] = {
    { 0.0f, 0.0f, 6.0f },   { 6.0f, 0.0f, 10.5f }, { -6.0f, 0.0f, 1.5f },
    { 0.0f, -10.0f, 6.0f }, { 0.0f, 10.0f, 6.0f },
  };

  MxStrip* const strip = mx_strip_new(2U, RATE);
  set_compressor(strip, -20.0f);
  ck_assert_int_eq(mx_strip_set_trim_db(strip, cases[_i].trim_db), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, cases[_i].fader_db), MX_SUCCESS);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 1000.0, RATE, pow(10.0, -12.0 / 20.0), 0.0);
  memcpy(in_r, in_l, sizeof(in_l));

  Totals t;
  run_range(strip, 0U, LEN / 2U, &t);
  run_range(strip, LEN / 2U, LEN, &t);
  const double reduction = (double)cases[_i].reduction_db;
  ck_assert_double_eq_tol(t.comp_gr, reduction, 0.05);

  // Pre-fader: after trim and compressor; post-fader: plus the fader
  const double pre = -12.0 + (double)cases[_i].trim_db - reduction;
  ck_assert_double_eq_tol(mxt_db(t.pre_peak), pre, 0.05);
  ck_assert_double_eq_tol(mxt_db(t.post_peak), pre + (double)cases[_i].fader_db, 0.05);
  ck_assert_double_eq_tol(tone_db(out_l, 1000.0), pre + (double)cases[_i].fader_db, 0.05);
  mx_strip_free(strip);
}
END_TEST

// Gate at `threshold_db` with a 10 ms release, so that it is fully closed
// (80 dB of range) within 0.2 s of the key falling below -6 dB hysteresis
static void
set_gate(MxStrip* const strip, const float threshold_db)
{
  MxGate* const gate = mx_strip_gate(strip);
  ck_assert_int_eq(mx_gate_set_threshold_db(gate, threshold_db), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_release_ms(gate, 10.0f), MX_SUCCESS);
  mx_gate_set_enabled(gate, true);
}

/*
  Trim before the gate, fader after: a -40 dBFS tone under a -30 dB gate
  (closing at -36 dB) closes it, +12 dB of trim opens it, +10 dB of fader
  does not.
*/
START_TEST(trim_opens_the_gate_fader_does_not)
{
  static const struct {
    float trim_db;
    float fader_db;
    bool  open;
  } cases[] = { { 0.0f, 0.0f, false }, { 12.0f, 0.0f, true }, { 0.0f, 10.0f, false } };

  MxStrip* const strip = mx_strip_new(1U, RATE);
  set_gate(strip, -30.0f);
  ck_assert_int_eq(mx_strip_set_trim_db(strip, cases[_i].trim_db), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, cases[_i].fader_db), MX_SUCCESS);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 1000.0, RATE, pow(10.0, -40.0 / 20.0), 0.0);

  Totals t;
  run_range(strip, 0U, LEN / 2U, &t);
  run_range(strip, LEN / 2U, LEN, &t);
  const double gain = (double)(cases[_i].trim_db + cases[_i].fader_db) - 3.0103;
  if (cases[_i].open) {
    ck_assert_float_eq(t.gate_gr, 0.0f);
    ck_assert_double_eq_tol(tone_db(out_l, 1000.0), -40.0 + gain, 0.01);
  } else {
    // Closed all through the second half
    ck_assert_float_eq_tol(t.gate_gr_min, -MX_GATE_DEF_RANGE_DB, 0.01f);
    ck_assert_double_eq_tol(tone_db(out_l, 1000.0), -40.0 + gain + MX_GATE_DEF_RANGE_DB, 0.1);
  }
  mx_strip_free(strip);
}
END_TEST

/*
  The high pass acts before the gate: a 40 Hz tone at -20 dBFS opens a
  -40 dB gate, but not through a 200 Hz 24 dB/oct high pass, which takes it
  down by 56 dB (10 log10(1 + (200/40)^8)) to about -76 dBFS.
*/
START_TEST(high_pass_acts_before_the_gate)
{
  const bool     hpf   = _i == 1;
  MxStrip* const strip = mx_strip_new(1U, RATE);
  MxStripEq*     eq    = mx_strip_eq(strip);
  mx_strip_eq_set_hpf_enabled(eq, hpf);
  ck_assert_int_eq(mx_strip_eq_set_hpf_freq_hz(eq, 200.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_hpf_slope(eq, MX_SLOPE_24_BUTTERWORTH), MX_SUCCESS);
  set_gate(strip, -40.0f);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 40.0, RATE, 0.1, 0.0);

  Totals t;
  run_range(strip, 0U, LEN / 2U, &t);
  run_range(strip, LEN / 2U, LEN, &t);
  if (hpf) {
    ck_assert_float_eq_tol(t.gate_gr_min, -MX_GATE_DEF_RANGE_DB, 0.01f);
  } else {
    ck_assert_float_eq(t.gate_gr, 0.0f);
    ck_assert_double_eq_tol(tone_db(out_l, 40.0), -20.0 - 3.0103, 0.01);
  }
  mx_strip_free(strip);
}
END_TEST

/*
  EQ before or after the compressor.  A +12 dB peak at 1 kHz (exactly
  +12 dB at its centre, RBJ cookbook) on a -24 dBFS 1 kHz tone, into a
  -20 dB, 4:1 compressor:
  - EQ first: the compressor sees -12 dBFS, 8 dB over, and takes 6 dB off:
    -18 dBFS out;
  - EQ after: the compressor sees -24 dBFS and does nothing; the EQ then
    lifts the tone to -12 dBFS.
*/
START_TEST(eq_before_compressor_is_compressed_after_is_not)
{
  const bool     after = _i == 1;
  MxStrip* const strip = mx_strip_new(2U, RATE);
  set_peak(strip, 1000.0f, 12.0f);
  set_compressor(strip, -20.0f);
  mx_strip_set_eq_after_comp(strip, after);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 1000.0, RATE, pow(10.0, -24.0 / 20.0), 0.0);
  memcpy(in_r, in_l, sizeof(in_l));

  Totals t;
  run_range(strip, 0U, LEN / 2U, &t);
  run_range(strip, LEN / 2U, LEN, &t);
  if (after) {
    ck_assert_float_eq(t.comp_gr, 0.0f);
    ck_assert_double_eq_tol(tone_db(out_l, 1000.0), -12.0, 0.01);
  } else {
    ck_assert_double_eq_tol(t.comp_gr, 6.0, 0.05);
    ck_assert_double_eq_tol(tone_db(out_l, 1000.0), -18.0, 0.05);
  }
  mxt_assert_same_samples(out_r, out_l, LEN);
  mx_strip_free(strip);
}
END_TEST

/*
  Switching the order mid-tone.  From EQ after to EQ before the compressor
  (the set-up above, at 750 Hz so that every block starts on a crest), the
  instant attack takes 6 dB off at once: a plain switch would step the
  output by half the crest, 0.126.  The crossfade must keep every step
  within the tone's own largest step (0.0247 at 0.251 and 750 Hz), then
  land exactly on what a strip always set to the new order gives.
*/
START_TEST(order_switch_crossfades_without_a_click)
{
  const double   hz     = 750.0;
  const size_t   half   = LEN / 2U;
  MxStrip* const strip  = mx_strip_new(2U, RATE);
  MxStrip* const before = mx_strip_new(2U, RATE);
  MxStrip* const both[] = { strip, before };
  for (unsigned s = 0U; s < 2U; ++s) {
    set_peak(both[s], (float)hz, 12.0f);
    set_compressor(both[s], -20.0f);
    mx_strip_set_eq_after_comp(both[s], s == 0U);
    mx_strip_reset(both[s]);
  }
  mxt_sine(in_l, LEN, hz, RATE, pow(10.0, -24.0 / 20.0), M_PI / 2.0);
  memcpy(in_r, in_l, sizeof(in_l));

  // The reference: EQ before the compressor all along
  Totals t;
  run(before, &t);
  memcpy(ref_l, out_l, sizeof(out_l));

  run_range(strip, 0U, half, &t);
  const double steady_step = mxt_max_step(out_l + half / 2U, half / 2U);
  ck_assert_double_eq_tol(steady_step, 2.0 * pow(10.0, -12.0 / 20.0) * sin(M_PI * hz / RATE), 1e-3);
  mx_strip_set_eq_after_comp(strip, false);
  run_range(strip, half, LEN, &t);

  ck_assert_double_le(mxt_max_step(out_l + half - BLOCK, half + BLOCK), steady_step * 1.001);
  ck_assert_double_eq_tol(t.comp_gr, 6.0, 0.05);
  const size_t fade_end = half + mxt_ramp_samples(RATE);
  mxt_assert_same_samples(out_l + fade_end, ref_l + fade_end, LEN - fade_end);
  mxt_assert_same_samples(out_r, out_l, LEN);

  mx_strip_free(before);
  mx_strip_free(strip);
}
END_TEST

START_TEST(compressor_reduction_reaches_the_meters)
{
  MxStrip* const strip = mx_strip_new(1U, RATE);
  set_compressor(strip, -20.0f);
  mxt_sine(in_l, LEN, 1000.0, RATE, 1.0, 0.0);

  Totals t;
  run(strip, &t);

  // 0 dBFS peak into -20 dB threshold at 4:1: 20 - 20/4 = 15 dB of reduction
  ck_assert_float_eq_tol(t.comp_gr, 15.0f, 0.1f);
  // ... and the output carries it: 0 dBFS - 15 dB, then -3 dB of pan law
  ck_assert_double_eq_tol(mxt_db(mxt_peak(out_l + LEN / 2, LEN / 2)), -15.0 - 3.0103, 0.2);
  mx_strip_free(strip);
}
END_TEST

// ---------------------------------------------------------------------------
// Layouts, taps, mute, limiter insert, master order

/// Ramp of MX_SMOOTH_DEFAULT_MS at RATE: 960 samples
#define RAMP ((size_t)mxt_ramp_samples(RATE))

/// What the taps copied out, per tap and channel, one block each position
static float taps_out[MX_TAP_N][2][LEN];

/// A value no stage of a strip produces from the test signals
#define SENTINEL 12345.0f

static MxStrip*
make_strip(const unsigned channels, const MxStripLayout layout)
{
  MxStrip* const strip = mx_strip_new_layout(channels, RATE, layout);
  ck_assert_ptr_nonnull(strip);
  return strip;
}

// Samples of the limiter's look-ahead window at `rate`, rounded to nearest
// (limiter.c), plus the true-peak detector's delay: its latency
static uint32_t
expected_limiter_latency(const double rate)
{
  const double window = floor((double)MX_LIMITER_DEFAULT_LOOKAHEAD_MS * 0.001 * rate + 0.5);
  return (uint32_t)window + MX_TRUE_PEAK_DELAY;
}

// Run samples [from, to) of in_l/in_r through the strip in blocks of
// `block`, every tap into taps_out (channel 1 too, for a mono strip: it
// must stay untouched)
static void
run_taps(MxStrip* const strip, const size_t from, const size_t to, const size_t block)
{
  for (size_t pos = from; pos < to; pos += block) {
    const uint32_t     n     = (uint32_t)(to - pos < block ? to - pos : block);
    const float* const in[2] = { in_l + pos, in_r + pos };
    MxStripTaps        taps;
    for (unsigned t = 0U; t < MX_TAP_N; ++t) {
      for (unsigned c = 0U; c < 2U; ++c) {
        taps.ch[t][c] = taps_out[t][c] + pos;
      }
    }
    mx_strip_process_taps(strip, in, &taps, out_l + pos, out_r + pos, n);
  }
}

static void
fill_taps(const float value)
{
  for (unsigned t = 0U; t < MX_TAP_N; ++t) {
    mxt_fill(taps_out[t][0], LEN, value);
    mxt_fill(taps_out[t][1], LEN, value);
  }
}

// Run `n` samples of in_l/in_r from `pos` through the strip as one block
static void
run_once(MxStrip* const strip, const size_t pos, const size_t n)
{
  const float* const in[2] = { in_l + pos, in_r + pos };
  mx_strip_process(strip, in, out_l + pos, out_r + pos, (uint32_t)n);
}

// Run samples [from, to) in blocks of at most BLOCK, the last one short
static void
run_span(MxStrip* const strip, const size_t from, const size_t to)
{
  for (size_t pos = from; pos < to; pos += BLOCK) {
    run_once(strip, pos, to - pos < BLOCK ? to - pos : BLOCK);
  }
}

START_TEST(layouts_reject_bad_arguments)
{
  ck_assert_ptr_null(mx_strip_new_layout(1U, RATE, MX_STRIP_LAYOUT_MASTER));
  ck_assert_ptr_null(mx_strip_new_layout(2U, RATE, (MxStripLayout)3));
  ck_assert_ptr_null(mx_strip_new_layout(2U, RATE, (MxStripLayout)-1));
  ck_assert_ptr_null(mx_strip_new_layout(0U, RATE, MX_STRIP_LAYOUT_BUS));
  ck_assert_ptr_null(mx_strip_new_layout(3U, RATE, MX_STRIP_LAYOUT_BUS));
  ck_assert_ptr_null(mx_strip_new_layout(2U, 100.0, MX_STRIP_LAYOUT_MASTER));
  ck_assert_ptr_null(mx_strip_new_layout(2U, NAN, MX_STRIP_LAYOUT_BUS));

  static const struct {
    unsigned      channels;
    MxStripLayout layout;
  } good[] = { { 1U, MX_STRIP_LAYOUT_CHANNEL },
               { 2U, MX_STRIP_LAYOUT_CHANNEL },
               { 1U, MX_STRIP_LAYOUT_BUS },
               { 2U, MX_STRIP_LAYOUT_BUS },
               { 2U, MX_STRIP_LAYOUT_MASTER } };
  for (size_t i = 0U; i < sizeof(good) / sizeof(good[0]); ++i) {
    MxStrip* const strip = mx_strip_new_layout(good[i].channels, RATE, good[i].layout);
    ck_assert_ptr_nonnull(strip);
    ck_assert_uint_eq(mx_strip_channels(strip), good[i].channels);
    mx_strip_free(strip);
  }
}
END_TEST

// A channel strip has no limiter: nothing to insert, drive or report
START_TEST(channel_strip_has_no_limiter)
{
  const unsigned nch   = 1U + (unsigned)_i;
  MxStrip* const strip = make_strip(nch, MX_STRIP_LAYOUT_CHANNEL);
  ck_assert_ptr_null(mx_strip_limiter(strip));
  ck_assert_uint_eq(mx_strip_limiter_latency(strip), 0U);
  ck_assert_int_eq(mx_strip_set_drive_db(strip, 0.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_set_drive_db(strip, 6.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_set_drive_db(strip, NAN), MX_ERR_BAD_ARG);

  // Asking for the insert changes nothing: no latency, same output
  mx_strip_set_limiter_inserted(strip, true);
  ck_assert_uint_eq(mx_strip_processing_latency(strip), 0U);
  ck_assert_uint_eq(mx_strip_latency(strip), 0U);
  mxt_noise(in_l, LEN, 0.9, 21U);
  mxt_noise(in_r, LEN, 0.9, 22U);
  Totals t;
  run(strip, &t);
  if (nch == 2U) {
    mxt_assert_same_samples(out_l, in_l, LEN);
    mxt_assert_same_samples(out_r, in_r, LEN);
  } else {
    float gl = 0.0f;
    float gr = 0.0f;
    mx_pan_law_gains(MX_PAN_LAW_3DB, 0.0f, &gl, &gr);
    ck_assert_double_eq_tol(gl, M_SQRT1_2, 1e-7);
    for (size_t i = 0U; i < LEN; ++i) {
      ref_l[i] = in_l[i] * gl;
    }
    mxt_assert_same_samples(out_l, ref_l, LEN);
    mxt_assert_same_samples(out_r, ref_l, LEN);
  }

  MxStripMeters m;
  mx_strip_read_meters(strip, &m);
  ck_assert_float_eq(m.limiter_reduction_db, 0.0f);
  mx_strip_free(strip);
}
END_TEST

static const struct {
  unsigned      channels;
  MxStripLayout layout;
} limited[] = { { 1U, MX_STRIP_LAYOUT_BUS },
                { 2U, MX_STRIP_LAYOUT_BUS },
                { 2U, MX_STRIP_LAYOUT_MASTER } };

// Buses and the master have a limiter of the default look-ahead, out of
// the path until inserted, at every rate
START_TEST(bus_and_master_have_a_limiter)
{
  for (size_t r = 0U; r < 3U; ++r) {
    const double   rate  = mxt_rates[r];
    MxStrip* const strip = mx_strip_new_layout(limited[_i].channels, rate, limited[_i].layout);
    ck_assert_ptr_nonnull(strip);
    MxLimiter* const lim = mx_strip_limiter(strip);
    ck_assert_ptr_nonnull(lim);
    ck_assert_uint_eq(mx_limiter_get_channels(lim), limited[_i].channels);
    ck_assert_uint_eq(mx_strip_limiter_latency(strip), expected_limiter_latency(rate));
    ck_assert_uint_eq(mx_strip_limiter_latency(strip), mx_limiter_get_latency(lim));

    // Out of the path by default: no latency
    ck_assert_uint_eq(mx_strip_processing_latency(strip), 0U);
    ck_assert_uint_eq(mx_strip_latency(strip), 0U);

    // Drive: +-24 dB
    ck_assert_int_eq(mx_strip_set_drive_db(strip, 24.0f), MX_SUCCESS);
    ck_assert_int_eq(mx_strip_set_drive_db(strip, -24.0f), MX_SUCCESS);
    ck_assert_int_eq(mx_strip_set_drive_db(strip, 24.5f), MX_ERR_RANGE);
    ck_assert_int_eq(mx_strip_set_drive_db(strip, -24.5f), MX_ERR_RANGE);
    ck_assert_int_eq(mx_strip_set_drive_db(strip, INFINITY), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_strip_set_drive_db(strip, -INFINITY), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_strip_set_drive_db(strip, NAN), MX_ERR_BAD_ARG);

    // Inserted, the processing latency follows at once; the alignment
    // delay adds to the total but not to the processing latency
    ck_assert_int_eq(mx_delay_set_samples(mx_strip_delay(strip), 10U), MX_SUCCESS);
    mx_strip_set_limiter_inserted(strip, true);
    ck_assert_uint_eq(mx_strip_processing_latency(strip), expected_limiter_latency(rate));
    ck_assert_uint_eq(mx_strip_latency(strip), 10U + expected_limiter_latency(rate));
    mx_strip_set_limiter_inserted(strip, false);
    ck_assert_uint_eq(mx_strip_processing_latency(strip), 0U);
    ck_assert_uint_eq(mx_strip_latency(strip), 10U);
    mx_strip_free(strip);
  }
}
END_TEST

// A neutral bus or master passes stereo input bit for bit (a mono bus
// pans it at the -3 dB law), whatever the drive: it is not in the path
START_TEST(neutral_bus_and_master_are_transparent)
{
  const unsigned nch   = limited[_i].channels;
  MxStrip* const strip = make_strip(nch, limited[_i].layout);
  ck_assert_int_eq(mx_strip_set_drive_db(strip, 12.0f), MX_SUCCESS);
  mxt_noise(in_l, LEN, 0.9, 23U);
  mxt_noise(in_r, LEN, 0.9, 24U);

  Totals t;
  run(strip, &t);
  if (nch == 2U) {
    mxt_assert_same_samples(out_l, in_l, LEN);
    mxt_assert_same_samples(out_r, in_r, LEN);
  } else {
    float gl = 0.0f;
    float gr = 0.0f;
    mx_pan_law_gains(MX_PAN_LAW_3DB, 0.0f, &gl, &gr);
    for (size_t i = 0U; i < LEN; ++i) {
      ref_l[i] = in_l[i] * gl;
    }
    mxt_assert_same_samples(out_l, ref_l, LEN);
    mxt_assert_same_samples(out_r, ref_l, LEN);
  }
  mxt_assert_same(t.pre_peak, mxt_peak(in_l, LEN));
  ck_assert_uint_eq(mx_strip_latency(strip), 0U);

  MxStripMeters m;
  mx_strip_read_meters(strip, &m);
  ck_assert_float_eq(m.limiter_reduction_db, 0.0f);
  mx_strip_free(strip);
}
END_TEST

/*
  Each tap is the signal at its point of the chain, bit for bit.  With
  trim +6 dB, a +12 dB peak at 1 kHz on band 1, fader -10 dB and a pan
  (mono) or width and balance (stereo):
  - pre-EQ = input * 10^(6/20), the trim's one factor;
  - pre-fader = that through the same EQ run on its own (and, on the
    master, the width, which comes before its limiter);
  - post-fader = pre-fader * 10^(-10/20);
  - the output = post-fader through the pan, or width then balance (the
    master: balance only).
  The meters read the pre- and post-fader taps exactly.
*/
START_TEST(taps_are_the_intermediate_signals)
{
  static const struct {
    unsigned      channels;
    MxStripLayout layout;
  } cases[]             = { { 1U, MX_STRIP_LAYOUT_CHANNEL },
                            { 2U, MX_STRIP_LAYOUT_CHANNEL },
                            { 1U, MX_STRIP_LAYOUT_BUS },
                            { 2U, MX_STRIP_LAYOUT_BUS },
                            { 2U, MX_STRIP_LAYOUT_MASTER } };
  const unsigned nch    = cases[_i].channels;
  const bool     master = cases[_i].layout == MX_STRIP_LAYOUT_MASTER;
  const float    pan    = 0.5f;
  const float    bal    = 0.3f;
  const float    width  = 1.5f;

  MxStrip* const strip = make_strip(nch, cases[_i].layout);
  ck_assert_int_eq(mx_strip_set_trim_db(strip, 6.0f), MX_SUCCESS);
  set_peak(strip, 1000.0f, 12.0f);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -10.0f), MX_SUCCESS);
  if (nch == 1U) {
    ck_assert_int_eq(mx_pan_set_position(mx_strip_pan(strip), pan), MX_SUCCESS);
  } else {
    ck_assert_int_eq(mx_width_set_amount(mx_strip_width(strip), width), MX_SUCCESS);
    ck_assert_int_eq(mx_balance_set_position(mx_strip_balance(strip), bal), MX_SUCCESS);
  }
  mx_strip_reset(strip);
  mxt_noise(in_l, LEN, 0.1, 25U);
  mxt_noise(in_r, LEN, 0.1, 26U);
  fill_taps(SENTINEL);

  // Process with the taps, checking the meters against them every block
  unsigned meter_wrong = 0U;
  for (size_t pos = 0U; pos < LEN; pos += BLOCK) {
    run_taps(strip, pos, pos + BLOCK, BLOCK);
    MxStripMeters m;
    mx_strip_read_meters(strip, &m);
    for (unsigned c = 0U; c < nch; ++c) {
      meter_wrong +=
        (double)m.pre_peak[c].peak != mxt_peak(taps_out[MX_TAP_PRE_FADER][c] + pos, BLOCK);
      meter_wrong +=
        (double)m.post_peak[c].peak != mxt_peak(taps_out[MX_TAP_POST_FADER][c] + pos, BLOCK);
    }
  }
  ck_assert_uint_eq(meter_wrong, 0U);

  // Pre-EQ: the trim alone
  const float  k_trim  = mx_db_to_gain(6.0f);
  const float  k_fader = mx_db_to_gain(-10.0f);
  float* const ins[2]  = { in_l, in_r };
  for (unsigned c = 0U; c < nch; ++c) {
    for (size_t i = 0U; i < LEN; ++i) {
      ref_l[i] = ins[c][i] * k_trim;
    }
    mxt_assert_same_samples(taps_out[MX_TAP_PRE_EQ][c], ref_l, LEN);
  }

  // Pre-fader: the pre-EQ tap through an EQ of its own (and the width, on
  // the master)
  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, nch, RATE), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_band_freq_hz(&eq, 1U, 1000.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_band_gain_db(&eq, 1U, 12.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_band_q(&eq, 1U, 1.0f), MX_SUCCESS);
  mx_strip_eq_reset(&eq);
  MxWidth w;
  mx_width_init(&w, RATE);
  ck_assert_int_eq(mx_width_set_amount(&w, width), MX_SUCCESS);
  mx_width_reset(&w);
  memcpy(ref_l, taps_out[MX_TAP_PRE_EQ][0], sizeof(ref_l));
  memcpy(ref_r, taps_out[MX_TAP_PRE_EQ][nch - 1U], sizeof(ref_r));
  for (size_t pos = 0U; pos < LEN; pos += BLOCK) {
    float* const bufs[2] = { ref_l + pos, ref_r + pos };
    mx_strip_eq_process_bands(&eq, bufs, BLOCK);
    if (master) {
      mx_width_process(&w, bufs[0], bufs[1], BLOCK);
    }
  }
  mxt_assert_same_samples(taps_out[MX_TAP_PRE_FADER][0], ref_l, LEN);
  if (nch == 2U) {
    mxt_assert_same_samples(taps_out[MX_TAP_PRE_FADER][1], ref_r, LEN);
  }

  // Post-fader: the pre-fader tap times the fader's factor
  for (unsigned c = 0U; c < nch; ++c) {
    for (size_t i = 0U; i < LEN; ++i) {
      ref_l[i] = taps_out[MX_TAP_PRE_FADER][c][i] * k_fader;
    }
    mxt_assert_same_samples(taps_out[MX_TAP_POST_FADER][c], ref_l, LEN);
  }

  // Output: the post-fader tap panned, or widened and balanced
  if (nch == 1U) {
    float gl = 0.0f;
    float gr = 0.0f;
    mx_pan_law_gains(MX_PAN_LAW_3DB, pan, &gl, &gr);
    ck_assert_double_eq_tol(gl, cos((pan + 1.0) * M_PI / 4.0), 1e-7);
    ck_assert_double_eq_tol(gr, sin((pan + 1.0) * M_PI / 4.0), 1e-7);
    for (size_t i = 0U; i < LEN; ++i) {
      ref_l[i] = taps_out[MX_TAP_POST_FADER][0][i] * gl;
      ref_r[i] = taps_out[MX_TAP_POST_FADER][0][i] * gr;
    }
  } else {
    MxBalance b;
    mx_balance_init(&b, RATE);
    ck_assert_int_eq(mx_balance_set_position(&b, bal), MX_SUCCESS);
    mx_balance_reset(&b);
    mx_width_init(&w, RATE);
    ck_assert_int_eq(mx_width_set_amount(&w, width), MX_SUCCESS);
    mx_width_reset(&w);
    memcpy(ref_l, taps_out[MX_TAP_POST_FADER][0], sizeof(ref_l));
    memcpy(ref_r, taps_out[MX_TAP_POST_FADER][1], sizeof(ref_r));
    for (size_t pos = 0U; pos < LEN; pos += BLOCK) {
      if (!master) {
        mx_width_process(&w, ref_l + pos, ref_r + pos, BLOCK);
      }
      mx_balance_process(&b, ref_l + pos, ref_r + pos, BLOCK);
    }
  }
  mxt_assert_same_samples(out_l, ref_l, LEN);
  mxt_assert_same_samples(out_r, ref_r, LEN);

  // A mono strip writes channel 0 of its taps only
  for (unsigned t = 0U; nch == 1U && t < MX_TAP_N; ++t) {
    ck_assert_uint_eq(mxt_first_not(taps_out[t][1], SENTINEL, LEN), LEN);
  }
  mx_strip_free(strip);
}
END_TEST

/*
  The pre-EQ tap comes after every input stage: trim and polarity (one
  factor, -10^(-6/20)), the alignment delay (37 samples) and the high pass
  (200 Hz, 24 dB/oct), bit for bit against the same stages run on their
  own; the EQ bands and the compressor that follow do not reach it.
*/
START_TEST(pre_eq_tap_follows_the_input_stages)
{
  const unsigned nch   = 1U + (unsigned)_i;
  const uint32_t d     = 37U;
  MxStrip* const strip = make_strip(nch, MX_STRIP_LAYOUT_CHANNEL);
  ck_assert_int_eq(mx_strip_set_trim_db(strip, -6.0f), MX_SUCCESS);
  mx_strip_set_invert(strip, true);
  ck_assert_int_eq(mx_delay_set_samples(mx_strip_delay(strip), d), MX_SUCCESS);
  MxStripEq* const seq = mx_strip_eq(strip);
  mx_strip_eq_set_hpf_enabled(seq, true);
  ck_assert_int_eq(mx_strip_eq_set_hpf_freq_hz(seq, 200.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_hpf_slope(seq, MX_SLOPE_24_BUTTERWORTH), MX_SUCCESS);
  set_peak(strip, 1000.0f, 12.0f);
  set_compressor(strip, -30.0f);
  mx_strip_reset(strip);
  mxt_noise(in_l, LEN, 0.5, 29U);
  mxt_noise(in_r, LEN, 0.5, 30U);
  run_taps(strip, 0U, LEN, BLOCK);

  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, nch, RATE), MX_SUCCESS);
  mx_strip_eq_set_hpf_enabled(&eq, true);
  ck_assert_int_eq(mx_strip_eq_set_hpf_freq_hz(&eq, 200.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_hpf_slope(&eq, MX_SLOPE_24_BUTTERWORTH), MX_SUCCESS);
  mx_strip_eq_reset(&eq);
  const float k = -mx_db_to_gain(-6.0f);
  for (size_t i = 0U; i < LEN; ++i) {
    ref_l[i] = i < d ? 0.0f : in_l[i - d] * k;
    ref_r[i] = i < d ? 0.0f : in_r[i - d] * k;
  }
  for (size_t pos = 0U; pos < LEN; pos += BLOCK) {
    float* const bufs[2] = { ref_l + pos, ref_r + pos };
    mx_strip_eq_process_hpf(&eq, bufs, BLOCK);
  }
  mxt_assert_same_samples(taps_out[MX_TAP_PRE_EQ][0], ref_l, LEN);
  if (nch == 2U) {
    mxt_assert_same_samples(taps_out[MX_TAP_PRE_EQ][1], ref_r, LEN);
  }
  mx_strip_free(strip);
}
END_TEST

/*
  The mute sits after the post-fader meters and before the post-fader tap
  and the pan: once its ramp is over the tap and the output are silent,
  while the pre-fader tap and both meters carry on (post = pre * fader,
  exactly).
*/
START_TEST(mute_silences_the_post_fader_tap_not_the_meters)
{
  const unsigned nch     = 1U + (unsigned)_i;
  const float    k_fader = mx_db_to_gain(-6.0f);
  const size_t   third   = 62U * BLOCK;
  MxStrip* const strip   = make_strip(nch, MX_STRIP_LAYOUT_CHANNEL);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -6.0f), MX_SUCCESS);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 1000.0, RATE, 0.5, 0.0);
  mxt_sine(in_r, LEN, 1000.0, RATE, 0.25, 1.0);

  unsigned wrong   = 0U;
  float    post_db = -INFINITY;
  for (size_t pos = 0U; pos < LEN; pos += BLOCK) {
    if (pos == third) {
      mx_strip_set_mute(strip, true);
    }
    run_taps(strip, pos, pos + BLOCK, BLOCK);
    MxStripMeters m;
    mx_strip_read_meters(strip, &m);
    for (unsigned c = 0U; c < nch; ++c) {
      wrong += m.post_peak[c].peak != m.pre_peak[c].peak * k_fader;
      wrong += (double)m.pre_peak[c].peak != mxt_peak((c ? in_r : in_l) + pos, BLOCK);
    }
    if (pos >= third) {
      post_db = fmaxf(post_db, mx_gain_to_db(m.post_peak[0].peak));
    }
  }
  ck_assert_uint_eq(wrong, 0U);
  ck_assert_double_eq_tol(post_db, mxt_db(0.5) - 6.0, 0.01);

  float* const ins[2]  = { in_l, in_r };
  float* const outs[2] = { out_l, out_r };
  for (unsigned c = 0U; c < 2U; ++c) {
    // Silent from the last sample of the ramp on: tap (each channel) and output
    const size_t quiet = third + RAMP - 1U;
    ck_assert_uint_eq(mxt_first_not(outs[c] + quiet, 0.0f, LEN - quiet), LEN - quiet);
    if (c < nch) {
      float* const post = taps_out[MX_TAP_POST_FADER][c];
      ck_assert_uint_eq(mxt_first_not(post + quiet, 0.0f, LEN - quiet), LEN - quiet);
      ck_assert_float_ne(post[quiet - 1U], 0.0f); // still ramping one sample before

      // Before the mute, the fader alone; during the ramp, no louder
      for (size_t i = 0U; i < third; ++i) {
        ref_l[i] = ins[c][i] * k_fader;
      }
      mxt_assert_same_samples(post, ref_l, third);
      size_t louder = 0U;
      for (size_t i = third; i < quiet; ++i) {
        louder += fabsf(post[i]) > fabsf(ins[c][i] * k_fader);
      }
      ck_assert_uint_eq(louder, 0U);

      // The pre-fader tap never stops: neutral, it is the input
      mxt_assert_same_samples(taps_out[MX_TAP_PRE_FADER][c], ins[c], LEN);
    }
  }
  ck_assert(mx_strip_is_silenced(strip));
  mxt_assert_same(mx_strip_get_fader_db(strip), -6.0f);
  mx_strip_free(strip);
}
END_TEST

// Silenced exactly when the mute's ramp has run its last sample, in
// blocks that do not line up with it; not by a fader at -inf
START_TEST(is_silenced_follows_the_mute_ramp)
{
  MxStrip* const strip = make_strip(2U, MX_STRIP_LAYOUT_CHANNEL);
  mxt_noise(in_l, LEN, 0.5, 27U);
  mxt_noise(in_r, LEN, 0.5, 28U);
  ck_assert(!mx_strip_is_silenced(strip));

  mx_strip_set_mute(strip, true);
  ck_assert(!mx_strip_is_silenced(strip));
  size_t pos = 0U;
  for (; pos + 100U < RAMP - 1U; pos += 100U) {
    run_once(strip, pos, 100U);
    ck_assert(!mx_strip_is_silenced(strip));
  }
  // Up to one sample before the end of the ramp, then that sample
  run_once(strip, pos, RAMP - 1U - pos);
  pos = RAMP - 1U;
  ck_assert(!mx_strip_is_silenced(strip));
  ck_assert_float_ne(out_l[RAMP - 2U], 0.0f);
  run_once(strip, pos++, 1U);
  ck_assert(mx_strip_is_silenced(strip));
  mxt_assert_same(out_l[RAMP - 1U], 0.0f);

  // Stays silenced; setting the mute again changes nothing
  mx_strip_set_mute(strip, true);
  ck_assert(mx_strip_is_silenced(strip));
  run_once(strip, pos, BLOCK);
  ck_assert(mx_strip_is_silenced(strip));
  const size_t muted = pos + BLOCK - (RAMP - 1U);
  ck_assert_uint_eq(mxt_first_not(out_l + RAMP - 1U, 0.0f, muted), muted);
  ck_assert_uint_eq(mxt_first_not(out_r + RAMP - 1U, 0.0f, muted), muted);

  // Unmuted: not silenced any more, at once
  mx_strip_set_mute(strip, false);
  ck_assert(!mx_strip_is_silenced(strip));
  Totals t;
  run_range(strip, 0U, 4U * BLOCK, &t);
  ck_assert(!mx_strip_is_silenced(strip));

  // A fader at -inf silences the output but is not a mute
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -INFINITY), MX_SUCCESS);
  run_range(strip, 0U, 8U * BLOCK, &t);
  ck_assert_uint_eq(mxt_first_not(out_l + RAMP, 0.0f, 8U * BLOCK - RAMP), 8U * BLOCK - RAMP);
  ck_assert(!mx_strip_is_silenced(strip));

  // A reset ends the ramp at once
  mx_strip_set_mute(strip, true);
  ck_assert(!mx_strip_is_silenced(strip));
  mx_strip_reset(strip);
  ck_assert(mx_strip_is_silenced(strip));
  mx_strip_free(strip);
}
END_TEST

// Insert the limiter and run silence until its crossfade has ended (it
// waits for the limiter's delay line to fill, then ramps), in whole
// blocks; return the samples run
static size_t
insert_limiter(MxStrip* const strip)
{
  mx_strip_set_limiter_inserted(strip, true);
  const size_t n = ((mx_strip_limiter_latency(strip) + RAMP) / BLOCK + 1U) * BLOCK;
  memset(in_l, 0, n * sizeof(float));
  memset(in_r, 0, n * sizeof(float));
  Totals t;
  run_range(strip, 0U, n, &t);
  ck_assert_uint_eq(mxt_first_not(out_l, 0.0f, n), n);
  return n;
}

// Inserted, the limiter delays by exactly its latency: an impulse under
// the ceiling comes out whole, mx_strip_limiter_latency() samples later
START_TEST(inserted_limiter_delays_by_its_latency)
{
  const unsigned nch   = limited[_i].channels;
  MxStrip* const strip = make_strip(nch, limited[_i].layout);
  const uint32_t lat   = mx_strip_limiter_latency(strip);
  const size_t   from  = insert_limiter(strip);
  ck_assert_uint_eq(mx_strip_processing_latency(strip), lat);
  ck_assert_uint_eq(mx_strip_latency(strip), lat);

  memset(in_l, 0, sizeof(in_l));
  memset(in_r, 0, sizeof(in_r));
  in_l[from + 7U]  = 0.5f;
  in_r[from + 30U] = -0.25f;
  Totals t;
  run_range(strip, from, LEN, &t);
  if (nch == 2U) {
    mxt_assert_impulse(out_l, LEN, from + 7U + lat, 0.5f);
    mxt_assert_impulse(out_r, LEN, from + 30U + lat, -0.25f);
  } else {
    float gl = 0.0f;
    float gr = 0.0f;
    mx_pan_law_gains(MX_PAN_LAW_3DB, 0.0f, &gl, &gr);
    mxt_assert_impulse(out_l, LEN, from + 7U + lat, 0.5f * gl);
    mxt_assert_impulse(out_r, LEN, from + 7U + lat, 0.5f * gr);
  }

  MxStripMeters m;
  mx_strip_read_meters(strip, &m);
  ck_assert_float_eq(m.limiter_reduction_db, 0.0f);
  mx_strip_free(strip);
}
END_TEST

/*
  A hot signal stays under the ceiling: two tones of 0.9 (up to +5.1 dBFS
  together; +6 dB of drive on top in the second round of layouts) into a
  -3 dBTP ceiling, then a fader at -20 dB.  At the pre-fader tap, right after the limiter: no sample
  above the ceiling beyond float rounding, and a true peak within what
  limiter.h guarantees for sines (at the ceiling) plus what the true-peak
  meter may read high (0.021 dB, true_peak.h); and the output is limited,
  not crushed: its peak is within 0.5 dB of the ceiling.
*/
START_TEST(inserted_limiter_holds_the_ceiling)
{
  const int        layout  = _i % MXT_N_CASES(limited);
  const unsigned   nch     = limited[layout].channels;
  const float      drive   = _i < MXT_N_CASES(limited) ? 0.0f : 6.0f;
  const float      ceiling = -3.0f;
  MxStrip* const   strip   = make_strip(nch, limited[layout].layout);
  MxLimiter* const lim     = mx_strip_limiter(strip);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, ceiling), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_drive_db(strip, drive), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -20.0f), MX_SUCCESS);
  mx_strip_set_limiter_inserted(strip, true);
  mx_strip_reset(strip);

  mxt_sine(in_l, LEN, 997.0, RATE, 0.9, 0.0);
  mxt_sine(ref_l, LEN, 1499.0, RATE, 0.9, 0.3);
  for (size_t i = 0U; i < LEN; ++i) {
    in_l[i] += ref_l[i];
    in_r[i] = -0.8f * in_l[i];
  }
  fill_taps(0.0f);
  run_taps(strip, 0U, LEN, BLOCK);

  const double    limit = (double)mx_db_to_gain(ceiling);
  MxTruePeakMeter tp;
  ck_assert_int_eq(mx_true_peak_meter_init(&tp, nch), MX_SUCCESS);
  const float* const pre[2] = { taps_out[MX_TAP_PRE_FADER][0], taps_out[MX_TAP_PRE_FADER][1] };
  for (size_t pos = 0U; pos < LEN; pos += BLOCK) {
    const float* const blk[2] = { pre[0] + pos, pre[1] + pos };
    mx_true_peak_meter_process(&tp, blk, BLOCK);
  }
  MxTruePeakReading r;
  mx_true_peak_meter_read_reset(&tp, &r);
  ck_assert_double_le(r.max_dbtp, ceiling + 0.021);
  for (unsigned c = 0U; c < nch; ++c) {
    ck_assert_double_le(mxt_peak(pre[c], LEN), limit * (1.0 + 4.0 * FLT_EPSILON));
  }
  ck_assert_double_ge(mxt_db(mxt_peak(pre[0] + LEN / 2U, LEN / 2U)), ceiling - 0.5);

  // The fader comes after the limiter: the output is 20 dB under the ceiling
  ck_assert_double_le(mxt_peak(taps_out[MX_TAP_POST_FADER][0], LEN),
                      limit * (double)mx_db_to_gain(-20.0f) * (1.0 + 8.0 * FLT_EPSILON));
  mx_strip_free(strip);
}
END_TEST

/*
  The drive is a gain in the limited path only.  Out of the path it does
  nothing (bit for bit); inserted, under the ceiling, the output is the
  input times the drive's factor, delayed by the latency, bit for bit (the
  limiter's gain is exactly 1 below its ceiling); over it, the limiter
  takes off the excess: a 997 Hz tone at -12 dBFS driven by +12 dB into a
  -6 dBTP ceiling is reduced by 6 dB.
*/
START_TEST(drive_acts_only_on_the_limited_path)
{
  static const struct {
    bool   inserted;
    float  drive_db;
    double amp;
    double reduction_db;
  } cases[]              = { { false, 12.0f, 0.5, 0.0 },
                             { true, 0.0f, 0.25, 0.0 },
                             { true, 12.0f, 0.03, 0.0 },
                             { true, -6.0f, 0.5, 0.0 },
                             { true, 12.0f, 0.25, 6.0 } };
  const float    ceiling = -6.0f;
  MxStrip* const strip   = make_strip(2U, MX_STRIP_LAYOUT_BUS);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(mx_strip_limiter(strip), ceiling), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_drive_db(strip, cases[_i].drive_db), MX_SUCCESS);
  mx_strip_set_limiter_inserted(strip, cases[_i].inserted);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 997.0, RATE, cases[_i].amp, 0.0);
  mxt_sine(in_r, LEN, 997.0, RATE, cases[_i].amp, 2.0);

  float reduction = 0.0f;
  for (size_t pos = 0U; pos < LEN; pos += BLOCK) {
    run_once(strip, pos, BLOCK);
    MxStripMeters m;
    mx_strip_read_meters(strip, &m);
    if (pos >= LEN / 2U) {
      reduction = fmaxf(reduction, m.limiter_reduction_db);
    }
  }

  const float  k   = mx_db_to_gain(cases[_i].drive_db);
  const size_t lat = mx_strip_limiter_latency(strip);
  if (!cases[_i].inserted) {
    mxt_assert_same_samples(out_l, in_l, LEN);
    mxt_assert_same_samples(out_r, in_r, LEN);
  } else if (cases[_i].reduction_db == 0.0) {
    ck_assert_uint_eq(mxt_first_not(out_l, 0.0f, lat), lat);
    for (size_t i = lat; i < LEN; ++i) {
      ref_l[i] = in_l[i - lat] * k;
      ref_r[i] = in_r[i - lat] * k;
    }
    mxt_assert_same_samples(out_l + lat, ref_l + lat, LEN - lat);
    mxt_assert_same_samples(out_r + lat, ref_r + lat, LEN - lat);
  } else {
    ck_assert_double_eq_tol(mxt_db(mxt_peak(out_l + LEN / 2U, LEN / 2U)), ceiling, 0.1);
  }
  // The tone's true peak is found within 0.07 dB (true_peak.h)
  ck_assert_double_eq_tol(reduction, cases[_i].reduction_db, 0.1);
  mx_strip_free(strip);
}
END_TEST

/*
  The meters report the limiter's reduction: a 997 Hz tone of amplitude 2
  (+6.02 dBFS) into a -3 dBTP ceiling is reduced by 9.03 dB (its true
  peak found within 0.07 dB, true_peak.h).  Taken out of the path, the
  limiter stops, and once its fade is over so does its reading.
*/
START_TEST(limiter_reduction_reaches_the_meters)
{
  const unsigned nch   = limited[_i].channels;
  MxStrip* const strip = make_strip(nch, limited[_i].layout);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(mx_strip_limiter(strip), -3.0f), MX_SUCCESS);
  mx_strip_set_limiter_inserted(strip, true);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 997.0, RATE, 2.0, 0.0);
  memcpy(in_r, in_l, sizeof(in_l));

  const size_t half = LEN / 2U;
  float        lo   = INFINITY;
  float        hi   = 0.0f;
  for (size_t pos = 0U; pos < half; pos += BLOCK) {
    run_once(strip, pos, BLOCK);
    MxStripMeters m;
    mx_strip_read_meters(strip, &m);
    if (pos >= half / 2U) {
      lo = fminf(lo, m.limiter_reduction_db);
      hi = fmaxf(hi, m.limiter_reduction_db);
    }
  }
  const double expected = mxt_db(2.0) + 3.0;
  ck_assert_double_eq_tol(lo, expected, 0.1);
  ck_assert_double_eq_tol(hi, expected, 0.1);

  // Out: the first read after the fade still holds the reduction during
  // it (no peak lost); the next ones read nothing
  mx_strip_set_limiter_inserted(strip, false);
  run_span(strip, half, half + 4U * BLOCK);
  MxStripMeters m;
  mx_strip_read_meters(strip, &m);
  ck_assert_double_eq_tol(m.limiter_reduction_db, expected, 0.1);
  run_span(strip, half + 4U * BLOCK, half + 8U * BLOCK);
  mx_strip_read_meters(strip, &m);
  ck_assert_float_eq(m.limiter_reduction_db, 0.0f);
  mx_strip_read_meters(strip, &m);
  ck_assert_float_eq(m.limiter_reduction_db, 0.0f);

  // And the dry signal is back, bit for bit (a mono bus: panned)
  const size_t from = half + 4U * BLOCK;
  float        gl   = 1.0f;
  float        gr   = 1.0f;
  if (nch == 1U) {
    mx_pan_law_gains(MX_PAN_LAW_3DB, 0.0f, &gl, &gr);
  }
  for (size_t i = from; i < from + 4U * BLOCK; ++i) {
    ref_l[i] = nch == 1U ? in_l[i] * gl : in_l[i];
  }
  mxt_assert_same_samples(out_l + from, ref_l + from, 4U * BLOCK);
  mx_strip_free(strip);
}
END_TEST

/*
  A limiter put back into the path starts from silence and no reduction:
  after 9 dB of reduction on a hot tone, out of the path and then in
  again on a quiet one, its gain is exactly 1 once the fade is over (the
  output is the input delayed, bit for bit) and its meter reads nothing,
  where the old reduction would still be releasing (50 ms).
*/
START_TEST(reinserted_limiter_starts_clean)
{
  MxStrip* const strip = make_strip(2U, MX_STRIP_LAYOUT_BUS);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(mx_strip_limiter(strip), -3.0f), MX_SUCCESS);
  mx_strip_set_limiter_inserted(strip, true);
  mx_strip_reset(strip);
  const size_t quarter = LEN / 4U;
  mxt_sine(in_l, quarter, 997.0, RATE, 2.0, 0.0);
  mxt_sine(in_l + quarter, LEN - quarter, 997.0, RATE, 0.1, 0.0);
  memcpy(in_r, in_l, sizeof(in_l));
  run_span(strip, 0U, quarter);
  ck_assert_double_eq_tol(mx_limiter_get_reduction_db(mx_strip_limiter(strip)), 9.03, 0.1);

  // Out for a while, with no meter read; then in again
  mx_strip_set_limiter_inserted(strip, false);
  run_span(strip, quarter, 2U * quarter);
  mx_strip_set_limiter_inserted(strip, true);
  run_span(strip, 2U * quarter, LEN);

  const size_t lat  = mx_strip_limiter_latency(strip);
  const size_t from = ((2U * quarter + lat + RAMP) / BLOCK + 1U) * BLOCK;
  mxt_assert_same_samples(out_l + from, in_l + from - lat, LEN - from);
  mxt_assert_same_samples(out_r + from, in_r + from - lat, LEN - from);
  MxStripMeters m;
  mx_strip_read_meters(strip, &m);
  ck_assert_float_eq(m.limiter_reduction_db, 0.0f);
  mx_strip_free(strip);
}
END_TEST

/*
  Putting the limiter in or taking it out crossfades the dry path x and
  the limited path x_L (the input L samples later) with a smoothstep
  weight S over N = MX_SMOOTH_DEFAULT_MS.  On a 20 Hz sine of amplitude
  A = 0.5, under the ceiling, the step of the output (1 - S) x + S x_L is
  at most
      |dx| + |dS| |x_L - x| <= 2 A sin(pi f / fs) + 1.5 / N * 2 A sin(pi f L / fs)
  (the largest slope of the smoothstep is 1.5 per unit of its argument),
  where a plain switch would step by up to 2 A sin(pi f L / fs), 80 times
  more.  The limiter goes in at 45 degrees of the sine: its delay line,
  which starts from silence, then releases 0.35 in one step, which must
  not reach the output.  Once the fade is over the output is the input
  delayed by L (in) or the input (out), bit for bit.
*/
START_TEST(limiter_insert_crossfades_without_a_click)
{
  const double   f      = 20.0;
  const double   amp    = 0.5;
  MxStrip* const strip  = make_strip(2U, MX_STRIP_LAYOUT_BUS);
  const size_t   lat    = mx_strip_limiter_latency(strip);
  const size_t   in_at  = 300U + 3U * 2400U; // 45 degrees of 20 Hz
  const size_t   out_at = 100U * BLOCK + 37U;
  mxt_sine(in_l, LEN, f, RATE, amp, 0.0);
  mxt_sine(in_r, LEN, f, RATE, amp, 1.0);

  run_span(strip, 0U, in_at);
  mx_strip_set_limiter_inserted(strip, true);
  run_span(strip, in_at, out_at);
  mx_strip_set_limiter_inserted(strip, false);
  run_span(strip, out_at, LEN);

  const double own   = 2.0 * amp * sin(M_PI * f / RATE);
  const double jump  = 2.0 * amp * sin(M_PI * f * (double)lat / RATE);
  const double bound = (own + 1.5 / (double)RAMP * jump) * (1.0 + 1e-5);
  ck_assert_double_le(mxt_max_step(out_l, LEN), bound);
  ck_assert_double_le(mxt_max_step(out_r, LEN), bound);
  ck_assert_double_gt(jump, 50.0 * bound);

  // Settled in (the fade may wait for the delay line, L samples): the
  // input L samples later; settled out: the input
  const size_t in_end  = ((in_at + lat + RAMP) / BLOCK + 1U) * BLOCK;
  const size_t out_end = ((out_at + RAMP) / BLOCK + 1U) * BLOCK;
  mxt_assert_same_samples(out_l + in_end, in_l + in_end - lat, out_at - in_end);
  mxt_assert_same_samples(out_r + in_end, in_r + in_end - lat, out_at - in_end);
  mxt_assert_same_samples(out_l + out_end, in_l + out_end, LEN - out_end);
  mxt_assert_same_samples(out_r + out_end, in_r + out_end, LEN - out_end);
  mxt_assert_same_samples(out_l, in_l, in_at);
  mx_strip_free(strip);
}
END_TEST

/*
  The master widens before its limiter: hard-left material (R = 0) at
  width 2 becomes L' = 1.5 L, R' = -0.5 L, and both stay under the ceiling
  after the limiter, which links the channels (R' = -L' / 3 throughout).
  Were the width after the limiter, L' would reach 1.5 times the ceiling.
*/
START_TEST(master_widens_before_the_limiter)
{
  const float      ceiling = -3.0f;
  MxStrip* const   strip   = make_strip(2U, MX_STRIP_LAYOUT_MASTER);
  MxLimiter* const lim     = mx_strip_limiter(strip);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, ceiling), MX_SUCCESS);
  ck_assert_int_eq(mx_width_set_amount(mx_strip_width(strip), 2.0f), MX_SUCCESS);
  mx_strip_set_limiter_inserted(strip, true);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 997.0, RATE, 0.9, 0.0);
  memset(in_r, 0, sizeof(in_r));

  Totals t;
  run(strip, &t);
  const double limit = (double)mx_db_to_gain(ceiling);
  ck_assert_double_le(mxt_peak(out_l, LEN), limit * (1.0 + 4.0 * FLT_EPSILON));
  ck_assert_double_le(mxt_peak(out_r, LEN), limit * (1.0 + 4.0 * FLT_EPSILON));
  ck_assert_double_ge(mxt_db(mxt_peak(out_l + LEN / 2U, LEN / 2U)), ceiling - 0.1);
  double spread = 0.0;
  for (size_t i = 0U; i < LEN; ++i) {
    spread = fmax(spread, fabs((double)out_r[i] + (double)out_l[i] / 3.0));
  }
  ck_assert_double_le(spread, 1e-6);
  mx_strip_free(strip);
}
END_TEST

/*
  The master's fader and balance come after its limiter: a 0 dBFS tone on
  the left only, into a -6 dBTP ceiling, then fader -2 dB and balance
  +0.5 (left times 0.5).  The output is the pre-fader tap (the limited
  signal) times both, exactly, so under 0.5 * ceiling * fader; were the
  balance before the limiter, the tone would reach it at 0.5, under the
  ceiling, and come out at -6 dB instead of -14.
*/
START_TEST(master_balances_after_the_limiter)
{
  const float      ceiling = -6.0f;
  MxStrip* const   strip   = make_strip(2U, MX_STRIP_LAYOUT_MASTER);
  MxLimiter* const lim     = mx_strip_limiter(strip);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, ceiling), MX_SUCCESS);
  ck_assert_int_eq(mx_balance_set_position(mx_strip_balance(strip), 0.5f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -2.0f), MX_SUCCESS);
  mx_strip_set_limiter_inserted(strip, true);
  mx_strip_reset(strip);
  mxt_sine(in_l, LEN, 997.0, RATE, 1.0, 0.0);
  memset(in_r, 0, sizeof(in_r));
  run_taps(strip, 0U, LEN, BLOCK);

  const float k = mx_db_to_gain(-2.0f);
  for (size_t i = 0U; i < LEN; ++i) {
    ref_l[i] = taps_out[MX_TAP_PRE_FADER][0][i] * k * 0.5f;
  }
  mxt_assert_same_samples(out_l, ref_l, LEN);
  ck_assert_uint_eq(mxt_first_not(out_r, 0.0f, LEN), LEN);
  ck_assert_double_eq_tol(
    mxt_db(mxt_peak(out_l + LEN / 2U, LEN / 2U)), (double)ceiling - 2.0 + mxt_db(0.5), 0.1);
  mx_strip_free(strip);
}
END_TEST

// Strips run in a bank (mx_strip_process_bank_front() / _back()) give what
// each gives alone, bit for bit, whatever their EQs do: settled chains of
// one length share lanes, a chain of another length or one still gliding
// runs apart, and a strip with its EQ after the compressor keeps its order.
// Loop 1: the banked strips share one scratch (mx_strip_new_shared()), as
// the engine's do, and the strip that fades to its new order runs alone
// in it after the bank.
enum { BANK_BLOCK = 128, BANK_BLOCKS = 40 };

static void
set_up_bank_strip(MxStrip* const strip, const unsigned which)
{
  MxStripEq* const eq = mx_strip_eq(strip);
  mx_strip_eq_set_hpf_enabled(eq, which != 2U);
  ck_assert_int_eq(mx_strip_eq_set_hpf_freq_hz(eq, 60.0f + 20.0f * (float)which), MX_SUCCESS);
  for (unsigned b = 0U; b < (which == 1U ? 2U : 4U); ++b) {
    ck_assert_int_eq(mx_strip_eq_set_band_enabled(eq, b, true), MX_SUCCESS);
    ck_assert_int_eq(mx_strip_eq_set_band_freq_hz(eq, b, 200.0f * (float)(b + 1U + which)),
                     MX_SUCCESS);
    ck_assert_int_eq(mx_strip_eq_set_band_gain_db(eq, b, (b % 2U ? -4.0f : 5.0f) + (float)which),
                     MX_SUCCESS);
  }
  MxCompressor* const comp = mx_strip_compressor(strip);
  mx_compressor_set_enabled(comp, true);
  ck_assert_int_eq(mx_compressor_set_threshold_db(comp, -20.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_set_fader_db(strip, -3.0f * (float)which), MX_SUCCESS);
  if (which == 3U) {
    mx_strip_set_eq_after_comp(strip, true);
  }
}

START_TEST(bank_is_bit_exact_with_strips_alone)
{
  enum { N = MX_STRIP_BANK };
  MxStrip*              banked[N];
  MxStrip*              alone[N];
  static float          in[N][BANK_BLOCK * BANK_BLOCKS];
  static float          out[2][2][BANK_BLOCK];
  MxStripScratch* const shared = _i ? mx_strip_scratch_new() : NULL;
  ck_assert(!_i || shared);
  for (unsigned k = 0U; k < N; ++k) {
    banked[k] = mx_strip_new_shared(1U, 48000.0, MX_STRIP_LAYOUT_CHANNEL, shared);
    alone[k]  = mx_strip_new(1U, 48000.0);
    ck_assert_ptr_nonnull(banked[k]);
    ck_assert_ptr_nonnull(alone[k]);
    set_up_bank_strip(banked[k], k);
    set_up_bank_strip(alone[k], k);
    mxt_noise(in[k], BANK_BLOCK * BANK_BLOCKS, 0.8, 11U + k);
  }

  unsigned in_bank = 0U;
  for (unsigned blk = 0U; blk < BANK_BLOCKS; ++blk) {
    if (blk == BANK_BLOCKS / 2U) {
      // A gain moves on one strip: its EQ glides while the others stay settled
      ck_assert_int_eq(mx_strip_eq_set_band_gain_db(mx_strip_eq(banked[0]), 0U, -9.0f), MX_SUCCESS);
      ck_assert_int_eq(mx_strip_eq_set_band_gain_db(mx_strip_eq(alone[0]), 0U, -9.0f), MX_SUCCESS);
    }
    const float*        ins[N][1];
    const float* const* in_ptrs[N];
    for (unsigned k = 0U; k < N; ++k) {
      ins[k][0]  = in[k] + blk * BANK_BLOCK;
      in_ptrs[k] = ins[k];
    }
    // The order change of strip 3 fades in the first blocks: run it alone then
    unsigned     count = 0U;
    MxStrip*     bank[N];
    const float* bank_in[N];
    for (unsigned k = 0U; k < N; ++k) {
      if (mx_strip_is_bankable(banked[k])) {
        bank[count]    = banked[k];
        bank_in[count] = ins[k][0];
        ++count;
      }
    }
    in_bank += count == N ? 1U : 0U;
    mx_strip_process_bank_front(bank, bank_in, count, BANK_BLOCK);
    unsigned b = 0U;
    for (unsigned k = 0U; k < N; ++k) {
      if (b < count && bank[b] == banked[k]) {
        mx_strip_process_bank_back(banked[k], NULL, out[0][0], out[0][1], BANK_BLOCK);
        ++b;
      } else {
        mx_strip_process(banked[k], in_ptrs[k], out[0][0], out[0][1], BANK_BLOCK);
      }
      mx_strip_process(alone[k], in_ptrs[k], out[1][0], out[1][1], BANK_BLOCK);
      ck_assert_msg(
        !memcmp(out[0], out[1], sizeof(out[0])), "strip %u differs in block %u", k, blk);
    }
  }
  ck_assert_uint_gt(in_bank, BANK_BLOCKS / 2U); // the bank did run whole
  for (unsigned k = 0U; k < N; ++k) {
    mx_strip_free(banked[k]);
    mx_strip_free(alone[k]);
  }
  mx_strip_scratch_free(shared);
}
END_TEST

static Suite*
strip_suite(void)
{
  Suite* const s = suite_create("strip");

  TCase* const life = tcase_create("lifetime_and_setters");
  tcase_add_test(life, constructor_rejects_bad_arguments);
  tcase_add_test(life, setters_reject_bad_values_unchanged);
  tcase_add_test(life, accessors_match_the_channel_count);
  suite_add_tcase(s, life);

  TCase* const neutral = tcase_create("neutral");
  tcase_add_test(neutral, mono_neutral_is_centre_panned_at_minus_3_db);
  tcase_add_test(neutral, stereo_neutral_is_bit_transparent);
  tcase_add_test(neutral, neutral_order_switches_are_bit_transparent);
  suite_add_tcase(s, neutral);

  TCase* const gains = tcase_create("gains");
  tcase_add_loop_test(gains, trim_and_polarity_scale_exactly, 0, 4);
  tcase_add_test(gains, fader_and_pan_set_the_output_level);
  tcase_add_loop_test(gains, pre_and_post_fader_meters_differ_by_the_fader_gain, 0, 2);
  tcase_add_test(gains, mute_keeps_the_fader_level);
  tcase_add_loop_test(gains, width_zero_gives_identical_sides, 0, 2);
  suite_add_tcase(s, gains);

  TCase* const delay = tcase_create("delay");
  tcase_add_loop_test(delay, delay_shifts_an_impulse_by_the_latency, 0, 6);
  suite_add_tcase(s, delay);

  TCase* const order = tcase_create("chain_order");
  tcase_set_timeout(order, 30);
  tcase_add_loop_test(order, trim_drives_the_compressor_fader_does_not, 0, 5);
  tcase_add_loop_test(order, trim_opens_the_gate_fader_does_not, 0, 3);
  tcase_add_loop_test(order, high_pass_acts_before_the_gate, 0, 2);
  tcase_add_loop_test(order, eq_before_compressor_is_compressed_after_is_not, 0, 2);
  tcase_add_test(order, order_switch_crossfades_without_a_click);
  tcase_add_test(order, compressor_reduction_reaches_the_meters);
  suite_add_tcase(s, order);

  TCase* const layouts = tcase_create("layouts");
  tcase_add_test(layouts, layouts_reject_bad_arguments);
  tcase_add_loop_test(layouts, channel_strip_has_no_limiter, 0, 2);
  tcase_add_loop_test(layouts, bus_and_master_have_a_limiter, 0, MXT_N_CASES(limited));
  tcase_add_loop_test(layouts, neutral_bus_and_master_are_transparent, 0, MXT_N_CASES(limited));
  suite_add_tcase(s, layouts);

  TCase* const taps = tcase_create("taps");
  tcase_add_loop_test(taps, taps_are_the_intermediate_signals, 0, 5);
  tcase_add_loop_test(taps, pre_eq_tap_follows_the_input_stages, 0, 2);
  suite_add_tcase(s, taps);

  TCase* const mute = tcase_create("mute");
  tcase_add_loop_test(mute, mute_silences_the_post_fader_tap_not_the_meters, 0, 2);
  tcase_add_test(mute, is_silenced_follows_the_mute_ramp);
  suite_add_tcase(s, mute);

  TCase* const limiter = tcase_create("limiter_insert");
  tcase_set_timeout(limiter, 30);
  tcase_add_loop_test(limiter, inserted_limiter_delays_by_its_latency, 0, MXT_N_CASES(limited));
  tcase_add_loop_test(limiter, inserted_limiter_holds_the_ceiling, 0, 2 * MXT_N_CASES(limited));
  tcase_add_loop_test(limiter, drive_acts_only_on_the_limited_path, 0, 5);
  tcase_add_loop_test(limiter, limiter_reduction_reaches_the_meters, 0, MXT_N_CASES(limited));
  tcase_add_test(limiter, reinserted_limiter_starts_clean);
  tcase_add_test(limiter, limiter_insert_crossfades_without_a_click);
  suite_add_tcase(s, limiter);

  TCase* const bank = tcase_create("bank");
  tcase_add_loop_test(bank, bank_is_bit_exact_with_strips_alone, 0, 2);
  suite_add_tcase(s, bank);

  TCase* const master = tcase_create("master");
  tcase_add_test(master, master_widens_before_the_limiter);
  tcase_add_test(master, master_balances_after_the_limiter);
  suite_add_tcase(s, master);
  return s;
}

int
main(void)
{
  return mxt_run_suite(strip_suite());
}
