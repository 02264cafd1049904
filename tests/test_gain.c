// SPDX-License-Identifier: GPL-3.0-or-later

#include "gain.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

enum { BLOCK = 256, SETTLE = 48000 };

// Run `n` samples of a constant 1.0 through the stage in blocks of BLOCK,
// return the last output
static float
run_dc(MxGain* const g, float* const buf, const unsigned n)
{
  for (unsigned i = 0; i < n; ++i) {
    buf[i] = 1.0f;
  }
  for (unsigned i = 0; i < n; i += BLOCK) {
    mx_gain_process(g, buf + i, n - i < BLOCK ? n - i : BLOCK);
  }
  return buf[n - 1];
}

START_TEST(default_is_unity_and_bit_transparent)
{
  MxGain g;
  mx_gain_init(&g, 48000.0);

  float in[BLOCK];
  float out[BLOCK];
  mxt_noise(in, BLOCK, 1.0, 12345U);
  for (unsigned i = 0; i < BLOCK; ++i) {
    out[i] = in[i];
  }
  mx_gain_process(&g, out, BLOCK);
  for (unsigned i = 0; i < BLOCK; ++i) {
    ck_assert_float_eq(out[i], in[i]);
  }
}
END_TEST

static const float db_cases[] = { -60.0f, -20.0f, -6.0206f, 0.0f, 6.0f, 10.0f, 24.0f };

START_TEST(settles_to_exact_db)
{
  const float db = db_cases[_i];
  MxGain      g;
  mx_gain_init(&g, 48000.0);
  ck_assert_int_eq(mx_gain_set_db(&g, db), MX_SUCCESS);

  static float buf[SETTLE];
  const float  last = run_dc(&g, buf, SETTLE);
  ck_assert_double_eq_tol(mxt_db(last), db, 0.01);
}
END_TEST

START_TEST(rejects_nan_inf_and_out_of_range_unchanged)
{
  MxGain g;
  mx_gain_init(&g, 48000.0);
  ck_assert_int_eq(mx_gain_set_db(&g, -12.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gain_set_db(&g, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_gain_set_db(&g, INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_gain_set_db(&g, MX_GAIN_MAX_DB + 1.0f), MX_ERR_RANGE);
  ck_assert_float_eq(g.gain_db, -12.0f);
  ck_assert_int_eq(mx_gain_set_db(&g, -INFINITY), MX_SUCCESS);

  static float buf[SETTLE];
  ck_assert_float_eq(run_dc(&g, buf, SETTLE), 0.0f);
}
END_TEST

/*
  Smoothing bound: the factor moves along a linear ramp of N = 20 ms * rate
  samples, so for a DC input of 1 the largest step between two output samples
  is |g1 - g0| / N.  For -60 dB -> 0 dB at 48 kHz that is (1 - 0.001) / 960 =
  1.04e-3, i.e. -59.6 dBFS: far below audibility as a click, and a true step
  would be 0.999.  The bound asserted is that value plus float rounding.
*/
START_TEST(jump_minus60_to_0_db_has_no_step)
{
  MxGain g;
  mx_gain_init(&g, 48000.0);
  mx_gain_set_db(&g, -60.0f);
  mx_gain_reset(&g);

  static float buf[4096];
  mx_gain_set_db(&g, 0.0f);
  run_dc(&g, buf, 4096);

  const double bound = (1.0 - 0.001) / 960.0 * 1.001;
  ck_assert_double_le(mxt_max_step(buf, 4096), bound);
  ck_assert_double_le(fabs(buf[0] - 0.001), bound);
  ck_assert_float_eq(buf[4095], 1.0f);
}
END_TEST

START_TEST(mute_ramps_to_exact_zero_and_back)
{
  MxGain g;
  mx_gain_init(&g, 48000.0);
  mx_gain_set_mute(&g, true);

  static float buf[2048];
  run_dc(&g, buf, 2048);
  ck_assert_double_le(mxt_max_step(buf, 2048), 1.0 / 960.0 * 1.001);
  ck_assert_float_eq(buf[2047], 0.0f);
  ck_assert_float_gt(buf[0], 0.99f); // a ramp, not a cut

  // The level survives a mute
  mx_gain_set_mute(&g, false);
  ck_assert_float_eq(run_dc(&g, buf, 2048), 1.0f);
}
END_TEST

START_TEST(polarity_glides_through_zero)
{
  MxGain g;
  mx_gain_init(&g, 48000.0);
  mx_gain_set_invert(&g, true);

  static float buf[2048];
  run_dc(&g, buf, 2048);
  ck_assert_double_le(mxt_max_step(buf, 2048), 2.0 / 960.0 * 1.001);
  ck_assert_float_eq(buf[2047], -1.0f);
}
END_TEST

static Suite*
gain_suite(void)
{
  Suite* const s = suite_create("gain");

  TCase* const levels = tcase_create("levels");
  tcase_add_test(levels, default_is_unity_and_bit_transparent);
  tcase_add_loop_test(levels, settles_to_exact_db, 0, sizeof(db_cases) / sizeof(db_cases[0]));
  tcase_add_test(levels, rejects_nan_inf_and_out_of_range_unchanged);
  suite_add_tcase(s, levels);

  TCase* const smoothing = tcase_create("smoothing");
  tcase_add_test(smoothing, jump_minus60_to_0_db_has_no_step);
  tcase_add_test(smoothing, mute_ramps_to_exact_zero_and_back);
  tcase_add_test(smoothing, polarity_glides_through_zero);
  suite_add_tcase(s, smoothing);
  return s;
}

int
main(void)
{
  return mxt_run_suite(gain_suite());
}
