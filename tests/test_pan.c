// SPDX-License-Identifier: GPL-3.0-or-later

#include "pan.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

enum { BLOCK = 256, SMALL_BLOCK = 64, RAMP_RUN = 8192 };

/*
  Pan laws, written independently of dsp/pan.c from their textbook forms,
  with theta = (p + 1) pi / 4 running from 0 (hard left) to pi/2:
    0 dB:   L = min(1, 1 - p),            R = min(1, 1 + p)
    -3 dB:  L = cos(theta),               R = sin(theta)
    -4.5:   L = sqrt(cos(theta) (1-p)/2), R = sqrt(sin(theta) (1+p)/2)
    -6 dB:  L = (1 - p) / 2,              R = (1 + p) / 2
*/
static void
expected_law(const MxPanLaw law, const double p, double* const l, double* const r)
{
  const double theta = (p + 1.0) * M_PI / 4.0;
  switch (law) {
    case MX_PAN_LAW_0DB:
      *l = fmin(1.0, 1.0 - p);
      *r = fmin(1.0, 1.0 + p);
      return;
    case MX_PAN_LAW_3DB:
      *l = cos(theta);
      *r = sin(theta);
      return;
    case MX_PAN_LAW_4_5DB:
      *l = sqrt(cos(theta) * (1.0 - p) / 2.0);
      *r = sqrt(sin(theta) * (1.0 + p) / 2.0);
      return;
    case MX_PAN_LAW_6DB:
      *l = (1.0 - p) / 2.0;
      *r = (1.0 + p) / 2.0;
      return;
  }
  ck_abort_msg("unknown law");
}

// Run `n` samples through a panner in blocks of `block`
static void
run_pan(MxPan* const   pan,
        const float*   in,
        float* const   out_l,
        float* const   out_r,
        const unsigned n,
        const unsigned block)
{
  for (unsigned i = 0; i < n; i += block) {
    mx_pan_process(pan, in + i, out_l + i, out_r + i, n - i < block ? n - i : block);
  }
}

// ---------------------------------------------------------------- Laws

typedef struct {
  MxPanLaw law;
  float    position;
} LawCase;

static const LawCase law_cases[] = {
  { MX_PAN_LAW_0DB, -1.0f },   { MX_PAN_LAW_0DB, 0.0f },    { MX_PAN_LAW_0DB, 1.0f },
  { MX_PAN_LAW_0DB, -0.5f },   { MX_PAN_LAW_0DB, 0.25f },   { MX_PAN_LAW_0DB, 0.7f },
  { MX_PAN_LAW_3DB, -1.0f },   { MX_PAN_LAW_3DB, 0.0f },    { MX_PAN_LAW_3DB, 1.0f },
  { MX_PAN_LAW_3DB, -0.5f },   { MX_PAN_LAW_3DB, 0.25f },   { MX_PAN_LAW_3DB, 0.7f },
  { MX_PAN_LAW_4_5DB, -1.0f }, { MX_PAN_LAW_4_5DB, 0.0f },  { MX_PAN_LAW_4_5DB, 1.0f },
  { MX_PAN_LAW_4_5DB, -0.5f }, { MX_PAN_LAW_4_5DB, 0.25f }, { MX_PAN_LAW_4_5DB, 0.7f },
  { MX_PAN_LAW_6DB, -1.0f },   { MX_PAN_LAW_6DB, 0.0f },    { MX_PAN_LAW_6DB, 1.0f },
  { MX_PAN_LAW_6DB, -0.5f },   { MX_PAN_LAW_6DB, 0.25f },   { MX_PAN_LAW_6DB, 0.7f },
};

/*
  Largest |a[i] - b[i]| over `n` samples; 0 means bit for bit (up to the
  sign of zero).  Loops assert once on it: Check reports every passing
  assertion to its parent process, which is slow per sample.
*/
static double
max_diff(const float* const a, const float* const b, const unsigned n)
{
  double worst = 0.0;
  for (unsigned i = 0; i < n; ++i) {
    worst = fmax(worst, fabs((double)a[i] - (double)b[i]));
  }
  return worst;
}

// Check one side's gain, measured on every sample of `out` against `in`
static void
check_gain(const float* const in, const float* const out, const double expected, const char* side)
{
  if (expected < 1e-12) {
    // Silent side (cos(pi/2) evaluates to 6e-17 in double, the law says 0):
    // exactly nothing leaks
    ck_assert_msg(mxt_peak(out, BLOCK) == 0.0, "%s leaks", side);
  } else if (expected == 1.0) {
    // Near side at unity: an exact copy
    ck_assert_msg(max_diff(out, in, BLOCK) == 0.0, "%s is not a copy", side);
  } else {
    // Tolerance 0.01 dB (the brief); the float gain itself is within 1e-6 dB
    // of the law, so this only fails for a wrong law
    double worst = 0.0;
    for (unsigned i = 0; i < BLOCK; ++i) {
      const double db = mxt_db(fabs((double)out[i] / (double)in[i]));
      worst           = fmax(worst, fabs(db - mxt_db(expected)));
    }
    ck_assert_msg(worst <= 0.01, "%s off the law by %.4f dB", side, worst);
  }
}

START_TEST(law_gains_match_formula)
{
  const LawCase c = law_cases[_i];
  MxPan         pan;
  mx_pan_init(&pan, 48000.0);
  ck_assert_int_eq(mx_pan_set_law(&pan, c.law), MX_SUCCESS);
  ck_assert_int_eq(mx_pan_set_position(&pan, c.position), MX_SUCCESS);
  mx_pan_reset(&pan);

  float in[BLOCK];
  float out_l[BLOCK];
  float out_r[BLOCK];
  mxt_noise(in, BLOCK, 1.0, 777U + (uint32_t)_i);
  mx_pan_process(&pan, in, out_l, out_r, BLOCK);

  double l = 0.0;
  double r = 0.0;
  expected_law(c.law, (double)c.position, &l, &r);
  check_gain(in, out_l, l, "left");
  check_gain(in, out_r, r, "right");
}
END_TEST

/*
  The nominal centre values the laws are named after, in dB: 0,
  20 log10(sqrt(1/2)) = -3.0103, 10 log10(1/2 * sqrt(1/2)) = -4.5154,
  20 log10(1/2) = -6.0206.  Tolerance 0.01 dB.
*/
static const double centre_db[MX_PAN_N_LAWS] = { 0.0, -3.0103, -4.5154, -6.0206 };

START_TEST(centre_gain_is_named_law)
{
  MxPan pan;
  mx_pan_init(&pan, 44100.0);
  mx_pan_set_law(&pan, (MxPanLaw)_i);
  mx_pan_reset(&pan);

  float in[BLOCK];
  float out_l[BLOCK];
  float out_r[BLOCK];
  mxt_fill(in, BLOCK, 1.0f);
  mx_pan_process(&pan, in, out_l, out_r, BLOCK);
  ck_assert_double_eq_tol(mxt_db((double)out_l[BLOCK - 1]), centre_db[_i], 0.01);
  ck_assert_double_eq_tol(mxt_db((double)out_r[BLOCK - 1]), centre_db[_i], 0.01);
}
END_TEST

START_TEST(default_is_centre_minus_3_db)
{
  MxPan pan;
  mx_pan_init(&pan, 48000.0);
  ck_assert_int_eq(pan.law, MX_PAN_LAW_3DB);

  float in[BLOCK];
  float out_l[BLOCK];
  float out_r[BLOCK];
  mxt_fill(in, BLOCK, 1.0f);
  mx_pan_process(&pan, in, out_l, out_r, BLOCK);
  ck_assert_double_eq_tol(mxt_db((double)out_l[0]), -3.0103, 0.01); // no ramp at start
  ck_assert_double_eq_tol(mxt_db((double)out_r[0]), -3.0103, 0.01);
}
END_TEST

START_TEST(input_may_be_an_output)
{
  MxPan pan;
  mx_pan_init(&pan, 48000.0);
  mx_pan_set_position(&pan, 0.3f);

  // A ramp, then settled: both loops must read before they write
  static float in[RAMP_RUN];
  static float buf[RAMP_RUN];
  static float ref_l[RAMP_RUN];
  static float ref_r[RAMP_RUN];
  static float out_r[RAMP_RUN];
  mxt_noise(in, RAMP_RUN, 1.0, 99U);
  for (unsigned i = 0; i < RAMP_RUN; ++i) {
    buf[i] = in[i];
  }

  MxPan copy = pan;
  run_pan(&copy, in, ref_l, ref_r, RAMP_RUN, BLOCK);
  run_pan(&pan, buf, buf, out_r, RAMP_RUN, BLOCK);
  ck_assert_double_eq(max_diff(buf, ref_l, RAMP_RUN), 0.0);
  ck_assert_double_eq(max_diff(out_r, ref_r, RAMP_RUN), 0.0);
}
END_TEST

// ---------------------------------------------------------------- Balance

static const float balance_cases[] = { -1.0f, -0.5f, -0.2f, 0.3f, 1.0f };

START_TEST(balance_attenuates_far_side_linearly)
{
  const float b = balance_cases[_i];
  MxBalance   bal;
  mx_balance_init(&bal, 48000.0);
  ck_assert_int_eq(mx_balance_set_position(&bal, b), MX_SUCCESS);
  mx_balance_reset(&bal);

  float l[BLOCK];
  float r[BLOCK];
  float in_l[BLOCK];
  float in_r[BLOCK];
  mxt_noise(in_l, BLOCK, 1.0, 4242U);
  mxt_noise(in_r, BLOCK, 1.0, 2424U);
  for (unsigned i = 0; i < BLOCK; ++i) {
    l[i] = in_l[i];
    r[i] = in_r[i];
  }
  mx_balance_process(&bal, l, r, BLOCK);

  // Far side linear, near side unity (Ardour's balance control)
  const double gl = fmin(1.0, 1.0 - (double)b);
  const double gr = fmin(1.0, 1.0 + (double)b);
  // One float multiply: within half an ulp, 6e-8 relative, of the exact
  // product; 1e-6 leaves room and still catches any wrong gain
  double worst = 0.0;
  for (unsigned i = 0; i < BLOCK; ++i) {
    worst = fmax(worst, fabs((double)l[i] - gl * (double)in_l[i]));
    worst = fmax(worst, fabs((double)r[i] - gr * (double)in_r[i]));
  }
  ck_assert_double_le(worst, 1e-6);
}
END_TEST

START_TEST(balance_centre_is_bit_transparent)
{
  MxBalance bal;
  mx_balance_init(&bal, 48000.0);

  // Also after a trip away and back
  mx_balance_set_position(&bal, 0.6f);
  static float l[RAMP_RUN];
  static float r[RAMP_RUN];
  for (unsigned i = 0; i < RAMP_RUN; i += BLOCK) {
    mx_balance_process(&bal, l + i, r + i, BLOCK);
  }
  mx_balance_set_position(&bal, 0.0f);
  for (unsigned i = 0; i < RAMP_RUN; i += BLOCK) {
    mx_balance_process(&bal, l + i, r + i, BLOCK);
  }

  float in_l[BLOCK];
  float in_r[BLOCK];
  mxt_noise(in_l, BLOCK, 1.0, 5U);
  mxt_noise(in_r, BLOCK, 1.0, 6U);
  for (unsigned i = 0; i < BLOCK; ++i) {
    l[i] = in_l[i];
    r[i] = in_r[i];
  }
  mx_balance_process(&bal, l, r, BLOCK);
  ck_assert_double_eq(max_diff(l, in_l, BLOCK), 0.0);
  ck_assert_double_eq(max_diff(r, in_r, BLOCK), 0.0);
}
END_TEST

// ---------------------------------------------------------------- Width

static const float width_cases[] = { 0.0f, 0.25f, 0.5f, 1.5f, 2.0f };

/*
  Against M = (L + R) / 2, S = (L - R) / 2, L' = M + w S, R' = M - w S in
  double.  The float path rounds four times (sum, difference times w/2, final
  sum) on values up to |3|: under 4 * 2^-24 * 3 = 7.2e-7, so 1e-6.
*/
START_TEST(width_matches_mid_side_formula)
{
  const float w = width_cases[_i];
  MxWidth     wid;
  mx_width_init(&wid, 48000.0);
  ck_assert_int_eq(mx_width_set_amount(&wid, w), MX_SUCCESS);
  mx_width_reset(&wid);

  float l[BLOCK];
  float r[BLOCK];
  float in_l[BLOCK];
  float in_r[BLOCK];
  mxt_noise(in_l, BLOCK, 1.0, 31U);
  mxt_noise(in_r, BLOCK, 1.0, 37U);
  for (unsigned i = 0; i < BLOCK; ++i) {
    l[i] = in_l[i];
    r[i] = in_r[i];
  }
  mx_width_process(&wid, l, r, BLOCK);

  double worst      = 0.0;
  double worst_mono = 0.0;
  for (unsigned i = 0; i < BLOCK; ++i) {
    const double m = ((double)in_l[i] + (double)in_r[i]) / 2.0;
    const double s = ((double)in_l[i] - (double)in_r[i]) / 2.0;
    worst          = fmax(worst, fabs((double)l[i] - (m + (double)w * s)));
    worst          = fmax(worst, fabs((double)r[i] - (m - (double)w * s)));

    // The mono fold-down is the mid at every width (no gain compensation)
    worst_mono = fmax(worst_mono, fabs(((double)l[i] + (double)r[i]) / 2.0 - m));
  }
  ck_assert_double_le(worst, 1e-6);
  ck_assert_double_le(worst_mono, 1e-6);
}
END_TEST

START_TEST(width_zero_is_mono_mid)
{
  MxWidth wid;
  mx_width_init(&wid, 96000.0);
  mx_width_set_amount(&wid, 0.0f);
  mx_width_reset(&wid);

  float l[BLOCK];
  float r[BLOCK];
  float in_l[BLOCK];
  float in_r[BLOCK];
  mxt_noise(in_l, BLOCK, 1.0, 71U);
  mxt_noise(in_r, BLOCK, 1.0, 73U);
  for (unsigned i = 0; i < BLOCK; ++i) {
    l[i] = in_l[i];
    r[i] = in_r[i];
  }
  mx_width_process(&wid, l, r, BLOCK);

  // Both sides identical, bit for bit, and equal to the mid within the
  // rounding of one float sum (half an ulp of |M| <= 1: 6e-8)
  ck_assert_double_eq(max_diff(l, r, BLOCK), 0.0);
  double worst = 0.0;
  for (unsigned i = 0; i < BLOCK; ++i) {
    worst = fmax(worst, fabs((double)l[i] - ((double)in_l[i] + (double)in_r[i]) / 2.0));
  }
  ck_assert_double_le(worst, 6e-8);
}
END_TEST

START_TEST(width_one_is_bit_transparent)
{
  MxWidth wid;
  mx_width_init(&wid, 48000.0);

  // Straight away, and after a trip to 2 and back
  for (unsigned trip = 0; trip < 2; ++trip) {
    static float l[RAMP_RUN];
    static float r[RAMP_RUN];
    if (trip) {
      mx_width_set_amount(&wid, 2.0f);
      for (unsigned i = 0; i < RAMP_RUN; i += BLOCK) {
        mx_width_process(&wid, l + i, r + i, BLOCK);
      }
      mx_width_set_amount(&wid, 1.0f);
      for (unsigned i = 0; i < RAMP_RUN; i += BLOCK) {
        mx_width_process(&wid, l + i, r + i, BLOCK);
      }
    }

    float in_l[BLOCK];
    float in_r[BLOCK];
    mxt_noise(in_l, BLOCK, 1.0, 11U);
    mxt_noise(in_r, BLOCK, 1.0, 13U);
    for (unsigned i = 0; i < BLOCK; ++i) {
      l[i] = in_l[i];
      r[i] = in_r[i];
    }
    mx_width_process(&wid, l, r, BLOCK);
    ck_assert_double_eq(max_diff(l, in_l, BLOCK), 0.0);
    ck_assert_double_eq(max_diff(r, in_r, BLOCK), 0.0);
  }
}
END_TEST

// ---------------------------------------------------------------- Smoothing

/*
  Step bound: every gain moves along a linear ramp of N = 20 ms * rate
  samples (MxSmooth), so on a DC input of 1 the largest step between two
  output samples is |g1 - g0| / N: for a jump hard left -> hard right that
  is 1 / N, 1.04e-3 (-59.6 dBFS) at 48 kHz, where an unsmoothed pan would
  step by the full 1.0.  The bound asserted is |g1 - g0| / N plus 0.1% for
  the float rounding of the ramp values (each within 6e-8 of the line).
*/
START_TEST(pan_jump_left_to_right_has_no_step)
{
  const double   rate = mxt_rates[_i];
  const unsigned n    = mxt_ramp_samples(rate);
  MxPan          pan;
  mx_pan_init(&pan, rate);
  mx_pan_set_position(&pan, -1.0f);
  mx_pan_reset(&pan);

  static float in[RAMP_RUN];
  static float out_l[RAMP_RUN];
  static float out_r[RAMP_RUN];
  mxt_fill(in, RAMP_RUN, 1.0f);
  mx_pan_set_position(&pan, 1.0f);
  run_pan(&pan, in, out_l, out_r, RAMP_RUN, SMALL_BLOCK);

  const double bound = 1.0 / n * 1.001;
  ck_assert_double_le(mxt_max_step(out_l, RAMP_RUN), bound);
  ck_assert_double_le(mxt_max_step(out_r, RAMP_RUN), bound);
  ck_assert_double_le(fabs((double)out_l[0] - 1.0), bound); // starts where it was
  ck_assert_double_le(fabs((double)out_r[0]), bound);

  // A ramp of exactly N samples, ending exactly on hard right
  ck_assert_double_gt((double)out_l[n - 2], 0.0);
  ck_assert_double_eq((double)out_l[n - 1], 0.0);
  ck_assert_double_eq((double)out_r[n - 1], 1.0);
  ck_assert_double_eq((double)out_l[RAMP_RUN - 1], 0.0);
}
END_TEST

// After mx_pan_set_rate() the ramp has the new rate's length (48 -> 96 kHz:
// 960 -> 1920 samples)
START_TEST(set_rate_changes_ramp_length)
{
  const unsigned n = mxt_ramp_samples(96000.0);
  MxPan          pan;
  mx_pan_init(&pan, 48000.0);
  mx_pan_set_rate(&pan, 96000.0);
  mx_pan_set_law(&pan, MX_PAN_LAW_6DB);
  mx_pan_set_position(&pan, -1.0f);
  mx_pan_reset(&pan);

  static float in[RAMP_RUN];
  static float out_l[RAMP_RUN];
  static float out_r[RAMP_RUN];
  mxt_fill(in, RAMP_RUN, 1.0f);
  mx_pan_set_position(&pan, 1.0f);
  run_pan(&pan, in, out_l, out_r, RAMP_RUN, BLOCK);
  ck_assert_double_gt((double)out_l[n - 2], 0.0);
  ck_assert_double_eq((double)out_l[n - 1], 0.0);
  ck_assert_double_le(mxt_max_step(out_l, RAMP_RUN), 1.0 / n * 1.001);
}
END_TEST

START_TEST(law_change_glides)
{
  const double   rate = mxt_rates[_i];
  const unsigned n    = mxt_ramp_samples(rate);
  MxPan          pan;
  mx_pan_init(&pan, rate);
  mx_pan_set_law(&pan, MX_PAN_LAW_0DB);
  mx_pan_reset(&pan);

  static float in[RAMP_RUN];
  static float out_l[RAMP_RUN];
  static float out_r[RAMP_RUN];
  mxt_fill(in, RAMP_RUN, 1.0f);
  mx_pan_set_law(&pan, MX_PAN_LAW_6DB); // centre gain 1 -> 0.5
  run_pan(&pan, in, out_l, out_r, RAMP_RUN, BLOCK);

  const double bound = 0.5 / n * 1.001;
  ck_assert_double_le(mxt_max_step(out_l, RAMP_RUN), bound);
  ck_assert_double_le(mxt_max_step(out_r, RAMP_RUN), bound);
  ck_assert_double_eq((double)out_l[RAMP_RUN - 1], 0.5);
}
END_TEST

START_TEST(balance_jump_has_no_step)
{
  const double   rate = mxt_rates[_i];
  const unsigned n    = mxt_ramp_samples(rate);
  MxBalance      bal;
  mx_balance_init(&bal, rate);
  mx_balance_set_position(&bal, -1.0f);
  mx_balance_reset(&bal);

  static float l[RAMP_RUN];
  static float r[RAMP_RUN];
  mxt_fill(l, RAMP_RUN, 1.0f);
  mxt_fill(r, RAMP_RUN, 1.0f);
  mx_balance_set_position(&bal, 1.0f);
  for (unsigned i = 0; i < RAMP_RUN; i += SMALL_BLOCK) {
    mx_balance_process(&bal, l + i, r + i, SMALL_BLOCK);
  }

  const double bound = 1.0 / n * 1.001;
  ck_assert_double_le(mxt_max_step(l, RAMP_RUN), bound);
  ck_assert_double_le(mxt_max_step(r, RAMP_RUN), bound);
  ck_assert_double_le(fabs((double)l[0] - 1.0), bound); // starts where it was
  ck_assert_double_le(fabs((double)r[0]), bound);
  ck_assert_double_eq((double)l[RAMP_RUN - 1], 0.0);
  ck_assert_double_eq((double)r[RAMP_RUN - 1], 1.0);
}
END_TEST

/*
  Pure side (L = 1, R = -1: M = 0, S = 1) makes L' = w, so a width jump
  0 -> 2 is a ramp of 2 over N samples: bound 2 / N plus 0.1%.
*/
START_TEST(width_jump_has_no_step)
{
  const double   rate = mxt_rates[_i];
  const unsigned n    = mxt_ramp_samples(rate);
  MxWidth        wid;
  mx_width_init(&wid, rate);
  mx_width_set_amount(&wid, 0.0f);
  mx_width_reset(&wid);

  static float l[RAMP_RUN];
  static float r[RAMP_RUN];
  mxt_fill(l, RAMP_RUN, 1.0f);
  mxt_fill(r, RAMP_RUN, -1.0f);
  mx_width_set_amount(&wid, 2.0f);
  for (unsigned i = 0; i < RAMP_RUN; i += SMALL_BLOCK) {
    mx_width_process(&wid, l + i, r + i, SMALL_BLOCK);
  }

  const double bound = 2.0 / n * 1.001;
  ck_assert_double_le(mxt_max_step(l, RAMP_RUN), bound);
  ck_assert_double_le(mxt_max_step(r, RAMP_RUN), bound);
  ck_assert_double_le(fabs((double)l[0]), bound);
  ck_assert_double_eq((double)l[RAMP_RUN - 1], 2.0);
  ck_assert_double_eq((double)r[RAMP_RUN - 1], -2.0);
}
END_TEST

// ---------------------------------------------------------------- Validation

static const float bad_positions[] = { NAN, INFINITY, -INFINITY, 1.0001f, -1.0001f, 2.0f, -7.0f };
static const MxStatus bad_position_status[] = {
  MX_ERR_BAD_ARG, MX_ERR_BAD_ARG, MX_ERR_BAD_ARG, MX_ERR_RANGE,
  MX_ERR_RANGE,   MX_ERR_RANGE,   MX_ERR_RANGE,
};

// Gains a panner produces now, on a DC input of 1
static void
probe_pan(MxPan pan, float* const l, float* const r)
{
  float in[BLOCK];
  float out_l[BLOCK];
  float out_r[BLOCK];
  mxt_fill(in, BLOCK, 1.0f);
  mx_pan_reset(&pan); // a copy: the caller's state is untouched
  mx_pan_process(&pan, in, out_l, out_r, BLOCK);
  *l = out_l[BLOCK - 1];
  *r = out_r[BLOCK - 1];
}

START_TEST(pan_rejects_bad_position_unchanged)
{
  MxPan pan;
  mx_pan_init(&pan, 48000.0);
  mx_pan_set_law(&pan, MX_PAN_LAW_6DB);
  ck_assert_int_eq(mx_pan_set_position(&pan, 0.5f), MX_SUCCESS);

  float l0 = 0.0f;
  float r0 = 0.0f;
  probe_pan(pan, &l0, &r0);
  ck_assert_double_eq((double)l0, 0.25);
  ck_assert_double_eq((double)r0, 0.75);

  ck_assert_int_eq(mx_pan_set_position(&pan, bad_positions[_i]), bad_position_status[_i]);
  ck_assert_double_eq((double)pan.position, 0.5);
  ck_assert_int_eq(pan.law, MX_PAN_LAW_6DB);

  float l1 = 0.0f;
  float r1 = 0.0f;
  probe_pan(pan, &l1, &r1);
  ck_assert_double_eq((double)l1, (double)l0);
  ck_assert_double_eq((double)r1, (double)r0);
}
END_TEST

START_TEST(pan_rejects_bad_law_unchanged)
{
  MxPan pan;
  mx_pan_init(&pan, 48000.0);
  mx_pan_set_position(&pan, -0.5f);

  float l0 = 0.0f;
  float r0 = 0.0f;
  probe_pan(pan, &l0, &r0);
  ck_assert_int_eq(mx_pan_set_law(&pan, (MxPanLaw)MX_PAN_N_LAWS), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_pan_set_law(&pan, (MxPanLaw)-1), MX_ERR_BAD_ARG);
  ck_assert_int_eq(pan.law, MX_PAN_LAW_3DB);

  float l1 = 0.0f;
  float r1 = 0.0f;
  probe_pan(pan, &l1, &r1);
  ck_assert_double_eq((double)l1, (double)l0);
  ck_assert_double_eq((double)r1, (double)r0);

  // The ends of the range are valid
  ck_assert_int_eq(mx_pan_set_position(&pan, -1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_pan_set_position(&pan, 1.0f), MX_SUCCESS);
}
END_TEST

START_TEST(balance_rejects_bad_position_unchanged)
{
  MxBalance bal;
  mx_balance_init(&bal, 48000.0);
  ck_assert_int_eq(mx_balance_set_position(&bal, -0.25f), MX_SUCCESS);
  ck_assert_int_eq(mx_balance_set_position(&bal, bad_positions[_i]), bad_position_status[_i]);
  ck_assert_double_eq((double)bal.position, -0.25);
  ck_assert_double_eq((double)bal.left.target, 1.0);
  ck_assert_double_eq((double)bal.right.target, 0.75);
}
END_TEST

static const float    bad_widths[]       = { NAN, INFINITY, -INFINITY, -0.001f, 2.001f, 10.0f };
static const MxStatus bad_width_status[] = {
  MX_ERR_BAD_ARG, MX_ERR_BAD_ARG, MX_ERR_BAD_ARG, MX_ERR_RANGE, MX_ERR_RANGE, MX_ERR_RANGE,
};

START_TEST(width_rejects_bad_amount_unchanged)
{
  MxWidth wid;
  mx_width_init(&wid, 48000.0);
  ck_assert_int_eq(mx_width_set_amount(&wid, 1.5f), MX_SUCCESS);
  ck_assert_int_eq(mx_width_set_amount(&wid, bad_widths[_i]), bad_width_status[_i]);
  ck_assert_double_eq((double)wid.width.target, 1.5);

  // The ends of the range are valid
  ck_assert_int_eq(mx_width_set_amount(&wid, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_width_set_amount(&wid, 2.0f), MX_SUCCESS);
}
END_TEST

static Suite*
pan_suite(void)
{
  Suite* const s = suite_create("pan");

  TCase* const laws = tcase_create("laws");
  tcase_add_loop_test(laws, law_gains_match_formula, 0, MXT_N_CASES(law_cases));
  tcase_add_loop_test(laws, centre_gain_is_named_law, 0, MX_PAN_N_LAWS);
  tcase_add_test(laws, default_is_centre_minus_3_db);
  tcase_add_test(laws, input_may_be_an_output);
  suite_add_tcase(s, laws);

  TCase* const balance = tcase_create("balance");
  tcase_add_loop_test(balance, balance_attenuates_far_side_linearly, 0, MXT_N_CASES(balance_cases));
  tcase_add_test(balance, balance_centre_is_bit_transparent);
  suite_add_tcase(s, balance);

  TCase* const width = tcase_create("width");
  tcase_add_loop_test(width, width_matches_mid_side_formula, 0, MXT_N_CASES(width_cases));
  tcase_add_test(width, width_zero_is_mono_mid);
  tcase_add_test(width, width_one_is_bit_transparent);
  suite_add_tcase(s, width);

  TCase* const smoothing = tcase_create("smoothing");
  tcase_add_loop_test(smoothing, pan_jump_left_to_right_has_no_step, 0, 3);
  tcase_add_loop_test(smoothing, law_change_glides, 0, 3);
  tcase_add_test(smoothing, set_rate_changes_ramp_length);
  tcase_add_loop_test(smoothing, balance_jump_has_no_step, 0, 3);
  tcase_add_loop_test(smoothing, width_jump_has_no_step, 0, 3);
  suite_add_tcase(s, smoothing);

  TCase* const validation = tcase_create("validation");
  tcase_add_loop_test(
    validation, pan_rejects_bad_position_unchanged, 0, MXT_N_CASES(bad_positions));
  tcase_add_test(validation, pan_rejects_bad_law_unchanged);
  tcase_add_loop_test(
    validation, balance_rejects_bad_position_unchanged, 0, MXT_N_CASES(bad_positions));
  tcase_add_loop_test(validation, width_rejects_bad_amount_unchanged, 0, MXT_N_CASES(bad_widths));
  suite_add_tcase(s, validation);
  return s;
}

int
main(void)
{
  return mxt_run_suite(pan_suite());
}
