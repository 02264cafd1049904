// SPDX-License-Identifier: GPL-3.0-or-later

#include "analytic_filter.h"
#include "biquad.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
  Every response here is MEASURED: a unit impulse goes through the filter in
  blocks of BLOCK samples, and the DTFT of the impulse response is compared
  with the analytic response of the cookbook's analog prototype
  (analytic_filter.c), which never sees a digital coefficient.

  Tolerance, 0.05 dB: the design is exact in double precision, so what is
  left is the float rounding of each output sample (2^-24 relative) and the
  truncated tail (below 1e-12 of the peak) - the worst error measured over
  all cases is 0.0004 dB; 0.05 dB is the audible-difference scale the
  requirements set, and a wrong Q, gain or warp misses it by far more (a 1 %
  error in f0 alone moves a 12 dB/oct skirt by 0.17 dB; mutating either
  Butterworth Q of the 4th order design by 1 % fails the test).

  Below DEEP_DB the dB difference of two tiny numbers measures rounding
  noise rather than the filter, so there the check is on the linear
  magnitude: |measured - expected| <= DEEP_ABS, which is the 0.05 dB error
  allowed at DEEP_DB itself.  That still proves the stopband is where it
  should be (a response 20 dB too high at -80 dB fails it).
*/

enum {
  BLOCK   = 256,     // realistic period
  MIN_LEN = 4096,    // shortest impulse response measured
  MAX_LEN = 1 << 19, // longest (5.4 s at 96 kHz; the slowest case needs 0.5 s)
  TAIL    = 2048,    // window checked for decay
  N_FREQS = 24,      // log-spaced test frequencies
};

// NAN and INFINITY are floats; these are the double values
#define DNAN ((double)NAN)
#define DINF HUGE_VAL

#define TOL_DB 0.05
#define DEEP_DB (-60.0)
#define DEEP_ABS 5.77e-6 // 1e-3 * (10^(0.05/20) - 1)
#define DECAYED 1e-12    // tail peak at which a response is complete

static float impulse[MAX_LEN];

// Process a unit impulse through `count` sections in blocks, until the tail
// has decayed below DECAYED; return the length of the response
static size_t
measure_impulse(const MxBiquadCoeffs* const coeffs, const unsigned count)
{
  MxBiquadState state[MX_BIQUAD_MAX_SECTIONS];
  for (unsigned s = 0; s < MX_BIQUAD_MAX_SECTIONS; ++s) {
    mx_biquad_reset(&state[s]);
  }

  // `n` counts the samples measured so far, block by block
  for (size_t n = BLOCK; n <= MAX_LEN; n += BLOCK) {
    float* const block = impulse + n - BLOCK;
    memset(block, 0, BLOCK * sizeof(float));
    block[0] = n == BLOCK ? 1.0f : 0.0f;

    if (count == 1) {
      mx_biquad_process(coeffs, state, block, BLOCK);
    } else {
      mx_biquad_process_cascade(coeffs, state, count, block, BLOCK);
    }

    if (n >= MIN_LEN && mxt_peak(impulse + n - TAIL, TAIL) < DECAYED) {
      return n;
    }
  }

  ck_abort_msg("impulse response did not decay in %d samples", MAX_LEN);
  return MAX_LEN;
}

// Compare a measured response with an analytic one, as described above
static void
check_response(const double rate,
               const double f,
               const double measured_db,
               const double expected_db)
{
  if (expected_db > DEEP_DB) {
    ck_assert_msg(fabs(measured_db - expected_db) <= TOL_DB,
                  "at %.2f Hz, rate %.0f: measured %.5f dB, expected %.5f dB",
                  f,
                  rate,
                  measured_db,
                  expected_db);
  } else {
    const double m = pow(10.0, measured_db / 20.0);
    const double e = pow(10.0, expected_db / 20.0);
    ck_assert_msg(fabs(m - e) <= DEEP_ABS,
                  "at %.2f Hz, rate %.0f: measured %.3g, expected %.3g (linear)",
                  f,
                  rate,
                  m,
                  e);
  }
}

// Test frequencies: 20 Hz to 0.45 fs, plus the corner itself
static void
test_frequencies(double freqs[N_FREQS + 1], const double f0, const double rate)
{
  mxt_log_frequencies(freqs, N_FREQS, 20.0, 0.45 * rate);
  freqs[N_FREQS] = f0;
}

// ---------------------------------------------------------------------------
// Single sections: every type, several settings, three rates

typedef struct {
  double f0;      // Hz
  double q;       // quality factor
  double gain_db; // peaks and shelves only
} Setting;

static const Setting settings[] = {
  { 20.0, 0.7071, 12.0 },   // lowest corner, slowest decay
  { 100.0, 0.5, -9.0 },     // wide
  { 1000.0, 2.0, 6.0 },     // mid
  { 3000.0, 10.0, -24.0 },  // narrow, deep cut
  { 18000.0, 0.7071, 15.0 } // near Nyquist at 44.1 kHz (the 18 kHz low pass)
};

enum { N_SETTINGS = sizeof(settings) / sizeof(settings[0]) };

static void
check_section(const MxBiquadType type, const Setting* const s, const double rate)
{
  MxBiquadCoeffs c;
  ck_assert_int_eq(mx_biquad_design(&c, type, s->f0, s->q, s->gain_db, rate), MX_SUCCESS);
  const size_t n = measure_impulse(&c, 1);

  double freqs[N_FREQS + 1];
  test_frequencies(freqs, s->f0, rate);
  for (unsigned k = 0; k <= N_FREQS; ++k) {
    const double expected = mxt_analytic_biquad_db(type, s->f0, s->q, s->gain_db, freqs[k], rate);
    check_response(rate, freqs[k], mxt_dtft_db(impulse, n, freqs[k], rate), expected);
  }
}

START_TEST(section_matches_analytic_prototype)
{
  // _i enumerates type x setting, each at the three rates
  for (unsigned r = 0; r < 3; ++r) {
    check_section(
      (MxBiquadType)(_i % MX_BIQUAD_N_TYPES), &settings[_i / MX_BIQUAD_N_TYPES], mxt_rates[r]);
  }
}
END_TEST

// ---------------------------------------------------------------------------
// High and low pass cascades: every slope

static const double pass_corners[] = { 20.0, 1000.0, 18000.0 };

enum { N_CORNERS = sizeof(pass_corners) / sizeof(pass_corners[0]) };

static void
check_pass(const bool high, const MxBiquadSlope slope, const double f0, const double rate)
{
  MxBiquadCoeffs c[MX_BIQUAD_MAX_SECTIONS];
  unsigned       count = 0;
  ck_assert_int_eq(mx_biquad_design_pass(c, &count, high, slope, f0, rate), MX_SUCCESS);
  ck_assert_uint_eq(count, slope == MX_SLOPE_12_BUTTERWORTH ? 1U : 2U);
  const size_t n = measure_impulse(c, count);

  double freqs[N_FREQS + 1];
  test_frequencies(freqs, f0, rate);
  for (unsigned k = 0; k <= N_FREQS; ++k) {
    const double expected = mxt_analytic_pass_db(high, slope, f0, freqs[k], rate);
    check_response(rate, freqs[k], mxt_dtft_db(impulse, n, freqs[k], rate), expected);
  }

  // The corner's defining level: -3.01 dB Butterworth, -6.02 dB Linkwitz-Riley
  const double corner = slope == MX_SLOPE_24_LINKWITZ_RILEY ? -6.0206 : -3.0103;
  ck_assert_double_eq_tol(mxt_dtft_db(impulse, n, f0, rate), corner, TOL_DB);
}

START_TEST(pass_matches_analytic_prototype)
{
  // _i enumerates high/low x slope x corner, each at the three rates
  for (unsigned r = 0; r < 3; ++r) {
    check_pass(_i % 2,
               (MxBiquadSlope)((_i / 2) % MX_SLOPE_N),
               pass_corners[_i / (2 * MX_SLOPE_N)],
               mxt_rates[r]);
  }
}
END_TEST

// ---------------------------------------------------------------------------
// Defining points of peaks and shelves

static const Setting gain_points[] = {
  { 50.0, 0.7071, 12.0 }, { 500.0, 1.0, -6.0 },   { 1000.0, 4.0, 24.0 },
  { 5000.0, 0.3, -18.0 }, { 12000.0, 2.0, 30.0 }, { 2000.0, 40.0, -30.0 },
};

enum { N_GAIN_POINTS = sizeof(gain_points) / sizeof(gain_points[0]) };

START_TEST(peak_reaches_gain_at_centre)
{
  const Setting s = gain_points[_i];
  for (unsigned r = 0; r < 3; ++r) {
    const double   rate = mxt_rates[r];
    MxBiquadCoeffs c;
    ck_assert_int_eq(mx_biquad_design(&c, MX_BIQUAD_PEAK, s.f0, s.q, s.gain_db, rate), MX_SUCCESS);
    const size_t n = measure_impulse(&c, 1);

    ck_assert_double_eq_tol(mxt_dtft_db(impulse, n, s.f0, rate), s.gain_db, TOL_DB);
    // ... and returns to 0 dB far from it (DC and Nyquist map to W = 0, infinity)
    ck_assert_double_eq_tol(mxt_dtft_db(impulse, n, 0.0, rate), 0.0, TOL_DB);
    ck_assert_double_eq_tol(mxt_dtft_db(impulse, n, 0.5 * rate, rate), 0.0, TOL_DB);
  }
}
END_TEST

static void
check_shelf(const bool high, const Setting* const s, const double rate)
{
  const double q = 0.7071; // the cookbook's S = 1 shelf: no overshoot

  MxBiquadCoeffs     c;
  const MxBiquadType type = high ? MX_BIQUAD_HIGH_SHELF : MX_BIQUAD_LOW_SHELF;
  ck_assert_int_eq(mx_biquad_design(&c, type, s->f0, q, s->gain_db, rate), MX_SUCCESS);
  const size_t n = measure_impulse(&c, 1);

  // Half the gain (in dB) at the corner: |H(j1)| = A = 10^(gain/40)
  ck_assert_double_eq_tol(mxt_dtft_db(impulse, n, s->f0, rate), 0.5 * s->gain_db, TOL_DB);

  // The whole gain in the shelf band (DC or Nyquist, exactly A^2 after the
  // bilinear transform), nothing in the other band
  const double shelf = high ? 0.5 * rate : 0.0;
  const double other = high ? 0.0 : 0.5 * rate;
  ck_assert_double_eq_tol(mxt_dtft_db(impulse, n, shelf, rate), s->gain_db, TOL_DB);
  ck_assert_double_eq_tol(mxt_dtft_db(impulse, n, other, rate), 0.0, TOL_DB);

  // Well inside the shelf band too, where it must already be flat: a decade
  // past the corner the S = 1 shelf deviates from its gain by
  // 10 log10(1 + A^2 W^4) (from |H|^2 = A^2 (A^2 + W^4) / (1 + A^2 W^4) at
  // Q^2 = 1/2), at most 0.014 dB here for 30 dB at W = 0.1
  const double inside = high ? s->f0 * 10.0 : s->f0 / 10.0;
  if (inside < 0.45 * rate) {
    ck_assert_double_eq_tol(mxt_dtft_db(impulse, n, inside, rate), s->gain_db, TOL_DB);
  }
}

START_TEST(shelf_reaches_gain_and_half_at_corner)
{
  for (unsigned r = 0; r < 3; ++r) {
    check_shelf(_i % 2, &gain_points[_i / 2], mxt_rates[r]);
  }
}
END_TEST

static void
check_crossover(const double f0, const double rate)
{
  MxBiquadCoeffs lo[MX_BIQUAD_MAX_SECTIONS];
  MxBiquadCoeffs hi[MX_BIQUAD_MAX_SECTIONS];
  unsigned       n_lo = 0;
  unsigned       n_hi = 0;
  ck_assert_int_eq(mx_biquad_design_pass(lo, &n_lo, false, MX_SLOPE_24_LINKWITZ_RILEY, f0, rate),
                   MX_SUCCESS);
  ck_assert_int_eq(mx_biquad_design_pass(hi, &n_hi, true, MX_SLOPE_24_LINKWITZ_RILEY, f0, rate),
                   MX_SUCCESS);

  static float sum[MAX_LEN];
  const size_t len_lo = measure_impulse(lo, n_lo);
  memcpy(sum, impulse, len_lo * sizeof(float));
  const size_t len_hi = measure_impulse(hi, n_hi);
  const size_t len    = len_lo > len_hi ? len_lo : len_hi;
  for (size_t i = 0; i < len; ++i) {
    sum[i] = (i < len_lo ? sum[i] : 0.0f) + (i < len_hi ? impulse[i] : 0.0f);
  }

  // LP + HP = (1 + s^4) / (s^2 + sqrt(2) s + 1)^2, an all pass: |H| = 1
  double freqs[N_FREQS + 1];
  test_frequencies(freqs, f0, rate);
  for (unsigned k = 0; k <= N_FREQS; ++k) {
    check_response(rate, freqs[k], mxt_dtft_db(sum, len, freqs[k], rate), 0.0);
  }
}

START_TEST(linkwitz_riley_pair_sums_flat)
{
  for (unsigned r = 0; r < 3; ++r) {
    check_crossover(pass_corners[_i], mxt_rates[r]);
  }
}
END_TEST
// ---------------------------------------------------------------------------
// Validation

typedef struct {
  MxBiquadType type;
  double       freq_hz;
  double       q;
  double       gain_db;
  double       rate;
  MxStatus     expected;
} BadDesign;

static const BadDesign bad_designs[] = {
  { MX_BIQUAD_PEAK, DNAN, 1.0, 0.0, 48000.0, MX_ERR_BAD_ARG },
  { MX_BIQUAD_PEAK, 1000.0, DNAN, 0.0, 48000.0, MX_ERR_BAD_ARG },
  { MX_BIQUAD_PEAK, 1000.0, 1.0, DNAN, 48000.0, MX_ERR_BAD_ARG },
  { MX_BIQUAD_PEAK, 1000.0, 1.0, 0.0, DNAN, MX_ERR_BAD_ARG },
  { MX_BIQUAD_PEAK, DINF, 1.0, 0.0, 48000.0, MX_ERR_BAD_ARG },
  { MX_BIQUAD_PEAK, 1000.0, -DINF, 0.0, 48000.0, MX_ERR_BAD_ARG },
  { MX_BIQUAD_PEAK, 1000.0, 1.0, DINF, 48000.0, MX_ERR_BAD_ARG },
  { (MxBiquadType)MX_BIQUAD_N_TYPES, 1000.0, 1.0, 0.0, 48000.0, MX_ERR_BAD_ARG },
  { (MxBiquadType)-1, 1000.0, 1.0, 0.0, 48000.0, MX_ERR_BAD_ARG },
  { MX_BIQUAD_PEAK, 0.99, 1.0, 0.0, 48000.0, MX_ERR_RANGE },
  { MX_BIQUAD_PEAK, 0.491 * 48000.0, 1.0, 0.0, 48000.0, MX_ERR_RANGE },
  { MX_BIQUAD_LOW_PASS, 22000.0, 0.7, 0.0, 44100.0, MX_ERR_RANGE },
  { MX_BIQUAD_PEAK, 1000.0, 0.024, 0.0, 48000.0, MX_ERR_RANGE },
  { MX_BIQUAD_PEAK, 1000.0, 40.1, 0.0, 48000.0, MX_ERR_RANGE },
  { MX_BIQUAD_PEAK, 1000.0, 1.0, 30.1, 48000.0, MX_ERR_RANGE },
  { MX_BIQUAD_LOW_SHELF, 1000.0, 1.0, -30.1, 48000.0, MX_ERR_RANGE },
  { MX_BIQUAD_PEAK, 1000.0, 1.0, 0.0, 7999.0, MX_ERR_RANGE },
  { MX_BIQUAD_PEAK, 1000.0, 1.0, 0.0, 384001.0, MX_ERR_RANGE },
};

enum { N_BAD_DESIGNS = sizeof(bad_designs) / sizeof(bad_designs[0]) };

START_TEST(design_rejects_bad_values_unchanged)
{
  const BadDesign* const b = &bad_designs[_i];

  MxBiquadCoeffs       out;
  const MxBiquadCoeffs before = { 0.125, 0.25, 0.5, -0.75, 0.375 };
  out                         = before;
  ck_assert_int_eq(mx_biquad_design(&out, b->type, b->freq_hz, b->q, b->gain_db, b->rate),
                   b->expected);
  ck_assert_mem_eq(&out, &before, sizeof(out));
}
END_TEST

START_TEST(design_accepts_range_limits)
{
  // The documented limits themselves are valid
  MxBiquadCoeffs c;
  ck_assert_int_eq(mx_biquad_design(&c, MX_BIQUAD_PEAK, 1.0, 0.025, 30.0, 8000.0), MX_SUCCESS);
  ck_assert_int_eq(mx_biquad_design(&c, MX_BIQUAD_PEAK, 0.49 * 384000.0, 40.0, -30.0, 384000.0),
                   MX_SUCCESS);
}
END_TEST

START_TEST(design_pass_rejects_bad_values_unchanged)
{
  MxBiquadCoeffs       out[MX_BIQUAD_MAX_SECTIONS];
  const MxBiquadCoeffs before = { 0.125, 0.25, 0.5, -0.75, 0.375 };
  out[0] = out[1] = before;
  unsigned count  = 77U;

  ck_assert_int_eq(mx_biquad_design_pass(out, &count, true, (MxBiquadSlope)MX_SLOPE_N, 100.0, 48e3),
                   MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_biquad_design_pass(out, &count, true, (MxBiquadSlope)-1, 100.0, 48e3),
                   MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_biquad_design_pass(out, &count, false, MX_SLOPE_24_BUTTERWORTH, DNAN, 48e3),
                   MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_biquad_design_pass(out, &count, false, MX_SLOPE_24_LINKWITZ_RILEY, 0.5, 48e3),
                   MX_ERR_RANGE);
  ck_assert_int_eq(mx_biquad_design_pass(out, &count, true, MX_SLOPE_12_BUTTERWORTH, 24000.0, 48e3),
                   MX_ERR_RANGE);
  ck_assert_mem_eq(&out[0], &before, sizeof(before));
  ck_assert_mem_eq(&out[1], &before, sizeof(before));
  ck_assert_uint_eq(count, 77U);
}
END_TEST

// ---------------------------------------------------------------------------
// Non-finite input

// Design a section with memory long enough for a NaN to matter
static void
design_slow(MxBiquadCoeffs* const c)
{
  ck_assert_int_eq(mx_biquad_design(c, MX_BIQUAD_PEAK, 100.0, 4.0, 12.0, 48000.0), MX_SUCCESS);
}

static const float bad_samples[] = { NAN, INFINITY, -INFINITY };

START_TEST(nan_input_clears_state)
{
  MxBiquadCoeffs c;
  design_slow(&c);

  MxBiquadState dirty;
  MxBiquadState fresh;
  mx_biquad_reset(&dirty);
  mx_biquad_reset(&fresh);

  float buf[BLOCK];
  mxt_noise(buf, BLOCK, 0.5, 777U);
  mx_biquad_process(&c, &dirty, buf, BLOCK);

  // A block with one non-finite sample: the state is cleared afterwards
  mxt_noise(buf, BLOCK, 0.5, 778U);
  buf[100] = bad_samples[_i];
  mx_biquad_process(&c, &dirty, buf, BLOCK);
  ck_assert(dirty.z1 == 0.0 && dirty.z2 == 0.0);

  // The next block is finite and is what a fresh filter makes of it
  float ref[BLOCK];
  mxt_noise(buf, BLOCK, 0.5, 779U);
  memcpy(ref, buf, sizeof(buf));
  mx_biquad_process(&c, &dirty, buf, BLOCK);
  mx_biquad_process(&c, &fresh, ref, BLOCK);
  for (unsigned i = 0; i < BLOCK; ++i) {
    ck_assert(isfinite(buf[i]));
  }
  ck_assert_mem_eq(buf, ref, sizeof(buf));
}
END_TEST

START_TEST(nan_input_clears_cascade_state)
{
  MxBiquadCoeffs c[MX_BIQUAD_MAX_SECTIONS];
  unsigned       count = 0;
  ck_assert_int_eq(mx_biquad_design_pass(c, &count, true, MX_SLOPE_24_BUTTERWORTH, 40.0, 48000.0),
                   MX_SUCCESS);

  MxBiquadState dirty[MX_BIQUAD_MAX_SECTIONS];
  MxBiquadState fresh[MX_BIQUAD_MAX_SECTIONS];
  for (unsigned s = 0; s < MX_BIQUAD_MAX_SECTIONS; ++s) {
    mx_biquad_reset(&dirty[s]);
    mx_biquad_reset(&fresh[s]);
  }

  float buf[BLOCK];
  mxt_noise(buf, BLOCK, 0.5, 777U);
  buf[3] = bad_samples[_i];
  mx_biquad_process_cascade(c, dirty, count, buf, BLOCK);

  float ref[BLOCK];
  mxt_noise(buf, BLOCK, 0.5, 779U);
  memcpy(ref, buf, sizeof(buf));
  mx_biquad_process_cascade(c, dirty, count, buf, BLOCK);
  mx_biquad_process_cascade(c, fresh, count, ref, BLOCK);
  for (unsigned i = 0; i < BLOCK; ++i) {
    ck_assert(isfinite(buf[i]));
  }
  ck_assert_mem_eq(buf, ref, sizeof(buf));
}
END_TEST

START_TEST(identity_passes_bit_exact)
{
  MxBiquadCoeffs c;
  MxBiquadState  st;
  mx_biquad_identity(&c);
  mx_biquad_reset(&st);

  float buf[BLOCK];
  float ref[BLOCK];
  mxt_noise(buf, BLOCK, 1.0, 4242U);
  memcpy(ref, buf, sizeof(buf));
  mx_biquad_process(&c, &st, buf, BLOCK);
  ck_assert_mem_eq(buf, ref, sizeof(buf));
}
END_TEST

static Suite*
biquad_suite(void)
{
  Suite* const s = suite_create("biquad");

  TCase* const sections = tcase_create("sections_match_analytic");
  tcase_set_timeout(sections, 30);
  tcase_add_loop_test(
    sections, section_matches_analytic_prototype, 0, MX_BIQUAD_N_TYPES * N_SETTINGS);
  suite_add_tcase(s, sections);

  TCase* const passes = tcase_create("passes_match_analytic");
  tcase_set_timeout(passes, 30);
  tcase_add_loop_test(passes, pass_matches_analytic_prototype, 0, 2 * MX_SLOPE_N * N_CORNERS);
  suite_add_tcase(s, passes);

  TCase* const points = tcase_create("defining_points");
  tcase_add_loop_test(points, peak_reaches_gain_at_centre, 0, N_GAIN_POINTS);
  tcase_add_loop_test(points, shelf_reaches_gain_and_half_at_corner, 0, 2 * N_GAIN_POINTS);
  suite_add_tcase(s, points);

  TCase* const crossover = tcase_create("linkwitz_riley_sum");
  tcase_add_loop_test(crossover, linkwitz_riley_pair_sums_flat, 0, N_CORNERS);
  suite_add_tcase(s, crossover);

  TCase* const validation = tcase_create("validation");
  tcase_add_loop_test(validation, design_rejects_bad_values_unchanged, 0, N_BAD_DESIGNS);
  tcase_add_test(validation, design_accepts_range_limits);
  tcase_add_test(validation, design_pass_rejects_bad_values_unchanged);
  suite_add_tcase(s, validation);

  TCase* const robustness = tcase_create("non_finite_recovery");
  tcase_add_loop_test(robustness, nan_input_clears_state, 0, 3);
  tcase_add_loop_test(robustness, nan_input_clears_cascade_state, 0, 3);
  tcase_add_test(robustness, identity_passes_bit_exact);
  suite_add_tcase(s, robustness);
  return s;
}

int
main(void)
{
  return mxt_run_suite(biquad_suite());
}
