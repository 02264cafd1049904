// SPDX-License-Identifier: GPL-3.0-or-later

#include "strip.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

enum { BLOCK = 256, LEN = 188 * BLOCK, RATE = 48000 };

static float in_l[LEN];
static float in_r[LEN];
static float out_l[LEN];
static float out_r[LEN];

// Run LEN samples through the strip in blocks; meters are read every block
// and the largest post-fader peak and compressor reduction are kept
static void
run(MxStrip* const strip, float* const peak, float* const comp_gr)
{
  *peak    = 0.0f;
  *comp_gr = 0.0f;
  for (unsigned pos = 0U; pos < LEN; pos += BLOCK) {
    const float* const in[2] = { in_l + pos, in_r + pos };
    mx_strip_process(strip, in, out_l + pos, out_r + pos, BLOCK);

    MxStripMeters m;
    mx_strip_read_meters(strip, &m);
    *peak    = fmaxf(*peak, m.peak[0].peak);
    *comp_gr = fmaxf(*comp_gr, m.comp_reduction_db);
  }
}

START_TEST(constructor_rejects_bad_arguments)
{
  ck_assert_ptr_null(mx_strip_new(0U, RATE));
  ck_assert_ptr_null(mx_strip_new(3U, RATE));
  ck_assert_ptr_null(mx_strip_new(1U, 100.0));
  ck_assert_ptr_null(mx_strip_new(1U, NAN));
  mx_strip_free(NULL);
}
END_TEST

START_TEST(mono_neutral_is_centre_panned_at_minus_3_db)
{
  MxStrip* const strip = mx_strip_new(1U, RATE);
  ck_assert_ptr_null(mx_strip_balance(strip));
  ck_assert_ptr_nonnull(mx_strip_pan(strip));
  mxt_sine(in_l, LEN, 1000.0, RATE, 0.5, 0.0);

  float peak    = 0.0f;
  float comp_gr = 0.0f;
  run(strip, &peak, &comp_gr);

  // Default -3 dB law: sin(pi/4) = cos(pi/4) = 0.7071 on each side
  const double expected = 0.5 * M_SQRT1_2;
  ck_assert_double_eq_tol(
    mxt_db(mxt_tone_amplitude(out_l, LEN, 1000.0, RATE)), mxt_db(expected), 0.01);
  ck_assert_double_eq_tol(
    mxt_db(mxt_tone_amplitude(out_r, LEN, 1000.0, RATE)), mxt_db(expected), 0.01);
  ck_assert_float_eq(comp_gr, 0.0f);
  // The meter sits post-fader, pre-pan: it reads the whole signal
  ck_assert_double_eq_tol(mxt_db(peak), mxt_db(mxt_peak(in_l, LEN)), 0.01);
  mx_strip_free(strip);
}
END_TEST

START_TEST(stereo_neutral_is_bit_transparent)
{
  MxStrip* const strip = mx_strip_new(2U, RATE);
  ck_assert_ptr_null(mx_strip_pan(strip));
  mxt_noise(in_l, LEN, 0.9, 7U);
  mxt_noise(in_r, LEN, 0.9, 8U);

  float peak    = 0.0f;
  float comp_gr = 0.0f;
  run(strip, &peak, &comp_gr);
  mxt_assert_same_samples(out_l, in_l, LEN);
  mxt_assert_same_samples(out_r, in_r, LEN);
  mx_strip_free(strip);
}
END_TEST

START_TEST(fader_and_pan_set_the_output_level)
{
  MxStrip* const strip = mx_strip_new(1U, RATE);
  ck_assert_int_eq(mx_gain_set_db(mx_strip_fader(strip), -6.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_pan_set_position(mx_strip_pan(strip), -1.0f), MX_SUCCESS);
  mx_gain_reset(mx_strip_fader(strip));
  mx_pan_reset(mx_strip_pan(strip));
  mxt_sine(in_l, LEN, 440.0, RATE, 0.5, 0.0);

  float peak    = 0.0f;
  float comp_gr = 0.0f;
  run(strip, &peak, &comp_gr);
  ck_assert_double_eq_tol(
    mxt_db(mxt_tone_amplitude(out_l, LEN, 440.0, RATE)), mxt_db(0.5) - 6.0, 0.01);
  ck_assert_double_eq(mxt_peak(out_r, LEN), 0.0);
  ck_assert_double_eq_tol(mxt_db(peak), mxt_db(0.5) - 6.0, 0.02);
  mx_strip_free(strip);
}
END_TEST

START_TEST(compressor_reduction_reaches_the_meters)
{
  MxStrip* const      strip = mx_strip_new(1U, RATE);
  MxCompressor* const comp  = mx_strip_compressor(strip);
  ck_assert_int_eq(mx_compressor_set_threshold_db(comp, -20.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_compressor_set_ratio(comp, 4.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_compressor_set_knee_db(comp, 0.0f), MX_SUCCESS);
  // Instant attack, slow release: the reduction rides the sine's crests
  ck_assert_int_eq(mx_compressor_set_attack_ms(comp, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_compressor_set_release_ms(comp, 1000.0f), MX_SUCCESS);
  mx_compressor_set_enabled(comp, true);
  mxt_sine(in_l, LEN, 1000.0, RATE, 1.0, 0.0);

  float peak    = 0.0f;
  float comp_gr = 0.0f;
  run(strip, &peak, &comp_gr);

  // 0 dBFS peak into -20 dB threshold at 4:1: 20 - 20/4 = 15 dB of reduction
  ck_assert_float_eq_tol(comp_gr, 15.0f, 0.1f);
  // ... and the output carries it: 0 dBFS - 15 dB, then -3 dB of pan law
  ck_assert_double_eq_tol(mxt_db(mxt_peak(out_l + LEN / 2, LEN / 2)), -15.0 - 3.0103, 0.2);
  mx_strip_free(strip);
}
END_TEST

static Suite*
strip_suite(void)
{
  Suite* const s = suite_create("strip");

  TCase* const life = tcase_create("lifetime");
  tcase_add_test(life, constructor_rejects_bad_arguments);
  suite_add_tcase(s, life);

  TCase* const chain = tcase_create("chain");
  tcase_add_test(chain, mono_neutral_is_centre_panned_at_minus_3_db);
  tcase_add_test(chain, stereo_neutral_is_bit_transparent);
  tcase_add_test(chain, fader_and_pan_set_the_output_level);
  tcase_add_test(chain, compressor_reduction_reaches_the_meters);
  suite_add_tcase(s, chain);
  return s;
}

int
main(void)
{
  return mxt_run_suite(strip_suite());
}
