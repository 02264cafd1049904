// SPDX-License-Identifier: GPL-3.0-or-later

#include "denormal.h"
#include "testutil.h"

#include <check.h>
#include <float.h>
#include <stdlib.h>

START_TEST(disable_flushes_and_restore_undoes)
{
  MxFpState saved;
  ck_assert(!mx_denormal_is_flushing()); // the C default is IEEE gradual underflow
  ck_assert(mx_denormal_disable(&saved));
  ck_assert(mx_denormal_is_flushing());

  // A decaying tail (a one-pole's state) reaches exact zero instead of
  // spending thousands of samples in the subnormal range
  volatile float tail = 1.0f;
  unsigned       i    = 0;
  for (; i < 1000 && tail != 0.0f; ++i) {
    tail *= 0.5f;
  }
  ck_assert_float_eq(tail, 0.0f);
  ck_assert_uint_le(i, 127); // 2^-126 is FLT_MIN, the first flushed value is next

  mx_denormal_restore(&saved);
  ck_assert(!mx_denormal_is_flushing());
}
END_TEST

static Suite*
denormal_suite(void)
{
  Suite* const s  = suite_create("denormal");
  TCase* const tc = tcase_create("ftz");
  tcase_add_test(tc, disable_flushes_and_restore_undoes);
  suite_add_tcase(s, tc);
  return s;
}

int
main(void)
{
  return mxt_run_suite(denormal_suite());
}
