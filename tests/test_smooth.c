// SPDX-License-Identifier: GPL-3.0-or-later

#include "smooth.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

START_TEST(ramp_ends_exactly_on_target)
{
  MxSmooth s;
  mx_smooth_init(&s, 0.0f, 10.0f, 48000.0);
  ck_assert_uint_eq(s.length, 480U);

  mx_smooth_set_target(&s, 0.3f);
  float last = 0.0f;
  for (unsigned i = 0; i < 480; ++i) {
    const float v = mx_smooth_next(&s);
    ck_assert_float_ge(v, last); // monotonic
    last = v;
  }

  ck_assert(mx_smooth_is_settled(&s));
  ck_assert_float_eq(last, 0.3f); // exact, not approximately
}
END_TEST

START_TEST(largest_step_is_delta_over_length)
{
  MxSmooth s;
  mx_smooth_init(&s, 1.0f, 20.0f, 48000.0);
  mx_smooth_set_target(&s, -1.0f);

  float prev = 1.0f;
  float step = 0.0f;
  while (!mx_smooth_is_settled(&s)) {
    const float v = mx_smooth_next(&s);
    step          = fmaxf(step, fabsf(v - prev));
    prev          = v;
  }

  ck_assert_float_le(step, 2.0f / 960.0f * 1.0001f);
}
END_TEST

START_TEST(retarget_mid_ramp_continues_from_current)
{
  MxSmooth s;
  mx_smooth_init(&s, 0.0f, 1.0f, 1000.0); // 1 sample ramps are clamped to 1
  ck_assert_uint_eq(s.length, 1U);
  mx_smooth_init(&s, 0.0f, 100.0f, 1000.0); // 100 samples
  mx_smooth_set_target(&s, 1.0f);
  for (unsigned i = 0; i < 50; ++i) {
    mx_smooth_next(&s);
  }
  ck_assert_float_eq_tol(s.current, 0.5f, 1e-6f);

  mx_smooth_set_target(&s, 0.0f);
  const float v = mx_smooth_next(&s);
  ck_assert_float_eq_tol(v, 0.5f - 0.005f, 1e-6f);
}
END_TEST

START_TEST(advance_matches_per_sample_steps)
{
  MxSmooth a;
  MxSmooth b;
  mx_smooth_init(&a, 2.0f, 5.0f, 48000.0);
  mx_smooth_init(&b, 2.0f, 5.0f, 48000.0);
  mx_smooth_set_target(&a, 7.0f);
  mx_smooth_set_target(&b, 7.0f);

  for (unsigned i = 0; i < 16; ++i) {
    mx_smooth_next(&a);
  }
  ck_assert_float_eq_tol(mx_smooth_advance(&b, 16U), a.current, 1e-5f);
  ck_assert_float_eq(mx_smooth_advance(&b, 100000U), 7.0f);
  ck_assert(mx_smooth_is_settled(&b));
}
END_TEST

static Suite*
smooth_suite(void)
{
  Suite* const s  = suite_create("smooth");
  TCase* const tc = tcase_create("ramp");
  tcase_add_test(tc, ramp_ends_exactly_on_target);
  tcase_add_test(tc, largest_step_is_delta_over_length);
  tcase_add_test(tc, retarget_mid_ramp_continues_from_current);
  tcase_add_test(tc, advance_matches_per_sample_steps);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return mxt_run_suite(smooth_suite());
}
