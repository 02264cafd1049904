// SPDX-License-Identifier: GPL-3.0-or-later

#include "strip.h"
#include "testutil.h"

#include <check.h>
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
  return s;
}

int
main(void)
{
  return mxt_run_suite(strip_suite());
}
