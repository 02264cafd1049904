// SPDX-License-Identifier: GPL-3.0-or-later

#include "dc_blocker.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

enum { BLOCK = 256, N_RATES = 3 };

/*
  Pole radius for a -3 dB point at fc, derived here from the transfer
  function H(z) = (1 - z^-1) / (1 - R z^-1) (J. O. Smith, "DC Blocker"):
  |H(e^jw)|^2 = (2 - 2 cos w) / (1 - 2 R cos w + R^2) = 1/2 is the quadratic
  R^2 + b R + c = 0 with b = -2 cos w, c = 4 cos w - 3, whose smaller root
  (-b - sqrt(b^2 - 4c)) / 2 is the stable pole.
*/
static double
pole_for_cutoff(const double fc, const double rate)
{
  const double cw = cos(2.0 * M_PI * fc / rate);
  const double b  = -2.0 * cw;
  const double c  = 4.0 * cw - 3.0;
  return (-b - sqrt(b * b - 4.0 * c)) / 2.0;
}

// |H(e^jw)| in dB for pole R at `freq`, straight from H(z) in complex form
static double
response_db(const double r, const double freq, const double rate)
{
  const double w   = 2.0 * M_PI * freq / rate;
  const double nre = 1.0 - cos(w); // 1 - e^-jw
  const double nim = sin(w);
  const double dre = 1.0 - r * cos(w); // 1 - R e^-jw
  const double dim = r * sin(w);
  return 10.0 * log10((nre * nre + nim * nim) / (dre * dre + dim * dim));
}

// Filter `n` samples of one channel in blocks of BLOCK
static void
run1(MxDcBlocker* const dc, float* const x, const unsigned n)
{
  for (unsigned i = 0; i < n; i += BLOCK) {
    float* const bufs[1] = { x + i };
    mx_dc_blocker_process(dc, bufs, n - i < BLOCK ? n - i : BLOCK);
  }
}

// ---------------------------------------------------------------- DC

/*
  A DC step of 1 gives y[n] = R^n exactly (H(z) / (1 - z^-1) = 1 / (1 - R
  z^-1)), so it falls below -60 dB (1e-3) first at n60 = ceil(ln(1e-3) /
  ln R): 0.22 s at 5 Hz.  Asserted: the first sample below 1e-3 is n60 (or
  n60 - 1, for a product within rounding of 1e-3), everything after stays
  below, and the whole decay follows R^n within 1e-6 (float output rounding
  is 6e-8, and the float k = 1 - R moves R^n by at most 2e-8).
*/
START_TEST(dc_decays_below_minus_60_db_in_analytic_time)
{
  const double   rate = mxt_rates[_i];
  const double   r    = pole_for_cutoff((double)MX_DC_BLOCKER_DEFAULT_HZ, rate);
  const unsigned n60  = (unsigned)ceil(log(1e-3) / log(r));
  const unsigned n    = n60 + 8192U;
  ck_assert_double_le(n60 / rate, 0.221); // 0.22 s as documented

  MxDcBlocker dc;
  mx_dc_blocker_init(&dc, 1U, rate);

  float* const x = (float*)malloc(n * sizeof(float));
  for (unsigned i = 0; i < n; ++i) {
    x[i] = 1.0f;
  }
  run1(&dc, x, n);

  unsigned first = 0;
  while (first < n && fabs((double)x[first]) >= 1e-3) {
    ++first;
  }
  ck_assert_uint_le(first, n60);
  ck_assert_uint_ge(first + 1U, n60);
  ck_assert_double_lt(mxt_peak(x + first, n - first), 1e-3);

  double worst = 0.0;
  for (unsigned i = 0; i < n; ++i) {
    worst = fmax(worst, fabs((double)x[i] - pow(r, (double)i)));
  }
  ck_assert_double_le(worst, 1e-6);
  free(x);
}
END_TEST

// mx_dc_blocker_set_rate() moves the pole for the new rate: 44.1 -> 96 kHz,
// the DC step then decays as R^n with the 96 kHz pole
START_TEST(set_rate_recomputes_pole)
{
  const double   rate = 96000.0;
  const double   r    = pole_for_cutoff((double)MX_DC_BLOCKER_DEFAULT_HZ, rate);
  const unsigned n    = 4096U;

  MxDcBlocker dc;
  mx_dc_blocker_init(&dc, 1U, 44100.0);
  mx_dc_blocker_set_rate(&dc, rate);

  float x[4096];
  for (unsigned i = 0; i < n; ++i) {
    x[i] = 1.0f;
  }
  run1(&dc, x, n);

  double worst = 0.0;
  for (unsigned i = 0; i < n; ++i) {
    worst = fmax(worst, fabs((double)x[i] - pow(r, (double)i)));
  }
  ck_assert_double_le(worst, 1e-6);
}
END_TEST

// ---------------------------------------------------------------- Response

static const float cutoff_cases[] = { 1.0f, 5.0f, 20.0f, 40.0f };
#define N_CUTOFFS (sizeof(cutoff_cases) / sizeof(cutoff_cases[0]))

/*
  Magnitude response from the impulse response (mxt_dtft_db) against
  |H(e^jw)| with the pole derived above, at the cutoff (-3.01 dB by design)
  and at 1 kHz (+0.003 to +0.02 dB: the digital high pass peaks at 2 / (1 +
  R) at Nyquist).  The response is truncated where R^L < 1e-7, so the
  missing tail changes |H| by under 1e-6 dB.  Tolerance 0.05 dB (the brief);
  a cutoff off by 1% would already move |H(fc)| by 0.04 dB.
*/
START_TEST(response_matches_transfer_function)
{
  const double rate   = mxt_rates[_i % N_RATES];
  const float  cutoff = cutoff_cases[(unsigned)_i / N_RATES];
  const double r      = pole_for_cutoff((double)cutoff, rate);

  MxDcBlocker dc;
  mx_dc_blocker_init(&dc, 1U, rate);
  ck_assert_int_eq(mx_dc_blocker_set_cutoff_hz(&dc, cutoff), MX_SUCCESS);

  // Let the cutoff glide to its target on silence, then the impulse
  const unsigned settle = mxt_ramp_samples(rate) + BLOCK;
  const unsigned n      = (unsigned)ceil(log(1e-7) / log(r));
  float* const   x      = (float*)calloc(settle + n, sizeof(float));
  x[settle]             = 1.0f;
  run1(&dc, x, settle + n);
  ck_assert_double_eq(mxt_peak(x, settle), 0.0);

  const double at_fc = mxt_dtft_db(x + settle, n, (double)cutoff, rate);
  const double at_1k = mxt_dtft_db(x + settle, n, 1000.0, rate);
  ck_assert_double_eq_tol(at_fc, response_db(r, (double)cutoff, rate), 0.05);
  ck_assert_double_eq_tol(at_1k, response_db(r, 1000.0, rate), 0.05);
  ck_assert_double_eq_tol(at_fc, -3.0103, 0.05);
  free(x);
}
END_TEST

// ---------------------------------------------------------------- Changes

/*
  A cutoff change glides: k = 1 - R moves linearly from k0 to k1 over the
  N samples of MX_SMOOTH_DEFAULT_MS (documented in dc_blocker.h).  On a DC
  step, y[n] = R_n y[n-1], so the output is the product of the R's, computed
  here independently; it must lie strictly between the unchanged decay
  R0^n and an instant change R1^n during the glide.  Tolerance 1e-6
  relative (float k and float output rounding, each under 1e-7).
*/
START_TEST(cutoff_change_glides)
{
  const double   rate = mxt_rates[_i];
  const unsigned nr   = mxt_ramp_samples(rate);
  const double   r0   = pole_for_cutoff(5.0, rate);
  const double   r1   = pole_for_cutoff(40.0, rate);
  const double   k0   = 1.0 - r0;
  const double   k1   = 1.0 - r1;
  const unsigned n    = 2U * nr + BLOCK;

  MxDcBlocker dc;
  mx_dc_blocker_init(&dc, 1U, rate);
  ck_assert_int_eq(mx_dc_blocker_set_cutoff_hz(&dc, 40.0f), MX_SUCCESS);

  float* const x = (float*)malloc(n * sizeof(float));
  for (unsigned i = 0; i < n; ++i) {
    x[i] = 1.0f;
  }
  run1(&dc, x, n);

  double   y      = 1.0;
  double   worst  = 0.0;
  unsigned inside = 0; // glide samples strictly between the two decays
  for (unsigned i = 1; i < n; ++i) {
    // The glide moves from the first sample processed after the change:
    // sample i uses ramp step i + 1 of nr
    const double k = i + 1U < nr ? k0 + (k1 - k0) * (double)(i + 1U) / (double)nr : k1;
    y *= 1.0 - k;
    worst = fmax(worst, fabs((double)x[i] / y - 1.0));
    if (i < nr && (double)x[i] < pow(r0, (double)i) && (double)x[i] > pow(r1, (double)i)) {
      ++inside;
    }
  }
  ck_assert_double_le(worst, 1e-6);
  ck_assert_uint_eq(inside, nr - 1U);
  free(x);
}
END_TEST

// Two channels in one blocker give what two mono blockers give, bit for bit,
// also while the cutoff glides
START_TEST(stereo_matches_two_mono)
{
  enum { N = 8192 };
  static float l[N];
  static float r[N];
  static float ml[N];
  static float mr[N];
  mxt_noise(l, N, 1.0, 2024U);
  mxt_noise(r, N, 1.0, 4202U);
  for (unsigned i = 0; i < N; ++i) {
    l[i] += 0.25f; // with some DC to remove
    r[i] -= 0.5f;
    ml[i] = l[i];
    mr[i] = r[i];
  }

  MxDcBlocker st;
  MxDcBlocker mono_l;
  MxDcBlocker mono_r;
  mx_dc_blocker_init(&st, 2U, 48000.0);
  mx_dc_blocker_init(&mono_l, 1U, 48000.0);
  mx_dc_blocker_init(&mono_r, 1U, 48000.0);
  for (unsigned i = 0; i < N; i += BLOCK) {
    if (i == 2048U) {
      mx_dc_blocker_set_cutoff_hz(&st, 17.0f);
      mx_dc_blocker_set_cutoff_hz(&mono_l, 17.0f);
      mx_dc_blocker_set_cutoff_hz(&mono_r, 17.0f);
    }
    float* const bufs[2] = { l + i, r + i };
    mx_dc_blocker_process(&st, bufs, BLOCK);
    run1(&mono_l, ml + i, BLOCK);
    run1(&mono_r, mr + i, BLOCK);
  }

  unsigned i = 0;
  while (i < N && l[i] == ml[i] && r[i] == mr[i]) {
    ++i;
  }
  ck_assert_uint_eq(i, N);
}
END_TEST

// ---------------------------------------------------------------- Robustness

/*
  A NaN in one block must not poison the channel: the state is cleared at
  the end of that block, so the next block is filtered exactly as by a
  fresh blocker.
*/
START_TEST(nan_input_recovers_next_block)
{
  MxDcBlocker dc;
  MxDcBlocker fresh;
  mx_dc_blocker_init(&dc, 2U, 44100.0);
  mx_dc_blocker_init(&fresh, 2U, 44100.0);

  float l[BLOCK];
  float r[BLOCK];
  mxt_noise(l, BLOCK, 1.0, 3U);
  mxt_noise(r, BLOCK, 1.0, 4U);
  l[100]               = NAN;
  r[200]               = INFINITY;
  float* const bufs[2] = { l, r };
  mx_dc_blocker_process(&dc, bufs, BLOCK);

  float fl[BLOCK];
  float fr[BLOCK];
  mxt_noise(l, BLOCK, 1.0, 5U);
  mxt_noise(r, BLOCK, 1.0, 6U);
  for (unsigned i = 0; i < BLOCK; ++i) {
    fl[i] = l[i];
    fr[i] = r[i];
  }
  float* const fbufs[2] = { fl, fr };
  mx_dc_blocker_process(&dc, bufs, BLOCK);
  mx_dc_blocker_process(&fresh, fbufs, BLOCK);

  unsigned i = 0;
  while (i < BLOCK && isfinite(l[i]) && isfinite(r[i]) && l[i] == fl[i] && r[i] == fr[i]) {
    ++i;
  }
  ck_assert_uint_eq(i, BLOCK);
}
END_TEST

static const float bad_cutoffs[] = {
  NAN, INFINITY, -INFINITY, 0.0f, 0.99f, 40.01f, -5.0f, 1000.0f
};
static const MxStatus bad_status[] = {
  MX_ERR_BAD_ARG, MX_ERR_BAD_ARG, MX_ERR_BAD_ARG, MX_ERR_RANGE,
  MX_ERR_RANGE,   MX_ERR_RANGE,   MX_ERR_RANGE,   MX_ERR_RANGE,
};

START_TEST(rejects_bad_cutoff_unchanged)
{
  MxDcBlocker dc;
  mx_dc_blocker_init(&dc, 1U, 48000.0);
  ck_assert_int_eq(mx_dc_blocker_set_cutoff_hz(&dc, 12.0f), MX_SUCCESS);
  const MxDcBlocker before = dc;

  ck_assert_int_eq(mx_dc_blocker_set_cutoff_hz(&dc, bad_cutoffs[_i]), bad_status[_i]);
  ck_assert_double_eq((double)dc.cutoff_hz, 12.0);
  ck_assert_double_eq((double)dc.k.target, (double)before.k.target);
  ck_assert_uint_eq(dc.k.remaining, before.k.remaining);

  // The ends of the range are valid
  ck_assert_int_eq(mx_dc_blocker_set_cutoff_hz(&dc, MX_DC_BLOCKER_MIN_HZ), MX_SUCCESS);
  ck_assert_int_eq(mx_dc_blocker_set_cutoff_hz(&dc, MX_DC_BLOCKER_MAX_HZ), MX_SUCCESS);
}
END_TEST

static Suite*
dc_blocker_suite(void)
{
  Suite* const s = suite_create("dc_blocker");

  TCase* const dc = tcase_create("dc");
  tcase_add_loop_test(dc, dc_decays_below_minus_60_db_in_analytic_time, 0, N_RATES);
  tcase_add_test(dc, set_rate_recomputes_pole);
  suite_add_tcase(s, dc);

  TCase* const response = tcase_create("response");
  tcase_add_loop_test(response, response_matches_transfer_function, 0, (int)(N_CUTOFFS * N_RATES));
  suite_add_tcase(s, response);

  TCase* const changes = tcase_create("changes");
  tcase_add_loop_test(changes, cutoff_change_glides, 0, N_RATES);
  tcase_add_test(changes, stereo_matches_two_mono);
  suite_add_tcase(s, changes);

  TCase* const robustness = tcase_create("robustness");
  tcase_add_test(robustness, nan_input_recovers_next_block);
  tcase_add_loop_test(robustness, rejects_bad_cutoff_unchanged, 0, MXT_N_CASES(bad_cutoffs));
  suite_add_tcase(s, robustness);
  return s;
}

int
main(void)
{
  return mxt_run_suite(dc_blocker_suite());
}
