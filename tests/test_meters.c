// SPDX-License-Identifier: GPL-3.0-or-later

#include "denormal.h"
#include "meter_peak.h"
#include "meter_rms.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 256 };

/// Sine levels the peak and RMS meters are checked at, dBFS.
static const double levels_db[] = { -60.0, -20.0, -6.0, 0.0, 6.0 };
#define N_LEVELS (sizeof(levels_db) / sizeof(levels_db[0]))

/*
  Test sine: f = rate / 96, so one period is 96 samples, sample 24 of every
  period is exactly the crest (the peak meter can read A exactly) and sin^2
  repeats every 48 samples (a burst of a multiple of 48 samples has a mean
  square of exactly A^2 / 2).
*/
#define PERIOD 96U

static double
db_to_amp(const double db)
{
  return pow(10.0, db / 20.0);
}

// Feed `n` samples to a peak meter in blocks of BLOCK
static void
peak_feed(MxMeterPeak* const m, const float* const x, const size_t n)
{
  for (size_t i = 0; i < n; i += BLOCK) {
    mx_meter_peak_process(m, x + i, (uint32_t)(n - i < BLOCK ? n - i : BLOCK));
  }
}

// Feed `n` samples to an RMS meter in blocks of BLOCK
static void
rms_feed(MxMeterRms* const m, const float* const x, const size_t n)
{
  for (size_t i = 0; i < n; i += BLOCK) {
    mx_meter_rms_process(m, x + i, (uint32_t)(n - i < BLOCK ? n - i : BLOCK));
  }
}

// Feed `n` samples of silence to an RMS meter
static void
rms_feed_silence(MxMeterRms* const m, size_t n)
{
  static const float zeros[BLOCK] = { 0.0f };
  for (; n; n -= n < BLOCK ? n : BLOCK) {
    mx_meter_rms_process(m, zeros, (uint32_t)(n < BLOCK ? n : BLOCK));
  }
}

/*
  Peak of a sine: A exactly, since a sample lands on the crest.  The meter
  must return the largest |sample| bit for bit (it only compares), and that
  sample is A rounded to float (relative error 6e-8, 5e-7 dB); 0.01 dB is
  the brief's tolerance, far above both.
*/
START_TEST(peak_of_sine_is_exact)
{
  const double rate = mxt_rates[_i / N_LEVELS];
  const double amp  = db_to_amp(levels_db[_i % N_LEVELS]);
  const size_t n    = (size_t)rate; // 1 s

  float* const x = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  mxt_sine(x, n, rate / PERIOD, rate, amp, 0.0);

  MxMeterPeak m;
  mx_meter_peak_init(&m, rate);
  peak_feed(&m, x, n);

  MxMeterPeakReading r;
  mx_meter_peak_read_reset(&m, &r);
  mxt_assert_same(r.peak, (float)mxt_peak(x, n));
  ck_assert_double_eq_tol(mxt_db((double)r.peak), mxt_db(amp), 0.01);
  ck_assert_double_eq_tol(r.bar_db, mxt_db(amp), 0.01);
  ck_assert_double_eq_tol(r.hold_db, mxt_db(amp), 0.01);
  free(x);
}
END_TEST

/// Where a lone peak is placed among 8 blocks: block index, position, sign.
static const struct {
  unsigned block;
  unsigned pos;
  float    sign;
} lone_peaks[] = {
  { 0U, 0U, 1.0f },   { 0U, 255U, -1.0f }, { 3U, 128U, 1.0f }, { 3U, 7U, -1.0f },
  { 7U, 255U, 1.0f }, { 7U, 0U, -1.0f },   { 5U, 249U, 1.0f },
};

/*
  Read-and-reset: a peak anywhere in any block before the read is returned
  exactly, however many quieter blocks follow; the next read starts again.
*/
START_TEST(peak_survives_until_read)
{
  enum { N_BLOCKS = 8 };
  static float x[N_BLOCKS * BLOCK];
  mxt_noise(x, N_BLOCKS * BLOCK, 0.1, 777U);
  x[lone_peaks[_i].block * BLOCK + lone_peaks[_i].pos] = 0.9f * lone_peaks[_i].sign;

  MxMeterPeak m;
  mx_meter_peak_init(&m, 48000.0);
  peak_feed(&m, x, N_BLOCKS * BLOCK);

  MxMeterPeakReading r;
  mx_meter_peak_read_reset(&m, &r);
  mxt_assert_same(r.peak, 0.9f);

  // Nothing processed since: the true value restarts at 0, the display holds
  mx_meter_peak_read_reset(&m, &r);
  mxt_assert_same(r.peak, 0.0f);
  ck_assert_double_eq_tol(r.hold_db, mxt_db(0.9), 1e-4);

  // A quieter block reads its own peak only
  mx_meter_peak_process(&m, x, BLOCK);
  mx_meter_peak_read_reset(&m, &r);
  mxt_assert_same(r.peak, (float)mxt_peak(x, BLOCK));
}
END_TEST

/// Block sizes that do not divide into the meters' 8-lane and 16-sample steps.
static const uint32_t odd_blocks[] = { 1U, 7U, 13U, 100U, 255U, 4097U, MX_DSP_MAX_BLOCK };

/*
  Any block size reads the same: a lone 0.75 peak in 1 s of a 0.5 sine is
  found exactly, and the RMS equals A / sqrt(2) within 0.01 dB and the
  reading of a meter fed in blocks of 256 within 1e-6 (only the float
  summation order inside a chunk split across blocks differs).
*/
START_TEST(odd_block_sizes_read_the_same)
{
  const double   rate = 48000.0;
  const size_t   n    = 48000U;
  const uint32_t bs   = odd_blocks[_i];

  float* const x = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  mxt_sine(x, n, rate / PERIOD, rate, 0.5, 0.0);

  MxMeterRms* const ref = mx_meter_rms_new(rate, 300.0f);
  MxMeterRms* const rms = mx_meter_rms_new(rate, 300.0f);
  ck_assert_ptr_nonnull(ref);
  ck_assert_ptr_nonnull(rms);
  rms_feed(ref, x, n);
  for (size_t i = 0; i < n; i += bs) {
    mx_meter_rms_process(rms, x + i, (uint32_t)(n - i < bs ? n - i : bs));
  }

  MxMeterRmsReading rr;
  MxMeterRmsReading rr_ref;
  mx_meter_rms_read_reset(rms, &rr);
  mx_meter_rms_read_reset(ref, &rr_ref);
  ck_assert_double_eq_tol(mxt_db((double)rr.rms), mxt_db(0.5 / sqrt(2.0)), 0.01);
  ck_assert_double_eq_tol((double)rr.rms, (double)rr_ref.rms, 1e-6);
  ck_assert_double_eq_tol((double)rr.rms_max, (double)rr_ref.rms_max, 1e-6);

  MxMeterPeak peak;
  mx_meter_peak_init(&peak, rate);
  x[12345] = -0.75f;
  for (size_t i = 0; i < n; i += bs) {
    mx_meter_peak_process(&peak, x + i, (uint32_t)(n - i < bs ? n - i : bs));
  }
  MxMeterPeakReading pr;
  mx_meter_peak_read_reset(&peak, &pr);
  mxt_assert_same(pr.peak, 0.75f);

  mx_meter_rms_free(rms);
  mx_meter_rms_free(ref);
  free(x);
}
END_TEST

/// Hold and fall-back settings checked, with the rate they run at.
static const struct {
  float  hold_ms;
  float  fall_db_s;
  double rate;
} ballistics[] = {
  { MX_METER_PEAK_DEFAULT_HOLD_MS, MX_METER_PEAK_DEFAULT_FALL_DB_S, 48000.0 },
  { 500.0f, 10.0f, 44100.0 },
  { 0.0f, 40.0f, 96000.0 },
  { 3000.0f, 60.0f, 48000.0 },
};

/*
  Hold and fall-back: a single 0 dBFS sample at t = 0, then silence, read
  after every block.  Analytic display values at time t:
    hold marker: 0 dB while t < hold, then -fall * (t - hold);
    bar:         -fall * t;
  and -INFINITY once below MX_METER_PEAK_FLOOR_DB.  The meter dates a peak
  at the read that reports it, so it may lag by up to one block: tolerance
  fall * BLOCK / rate dB (0.11 dB for 20 dB/s at 48 kHz), plus rounding.
*/
START_TEST(hold_and_fall_follow_set_times)
{
  const double hold_s = (double)ballistics[_i].hold_ms / 1000.0;
  const double fall   = (double)ballistics[_i].fall_db_s;
  const double rate   = ballistics[_i].rate;

  MxMeterPeak m;
  mx_meter_peak_init(&m, rate);
  ck_assert_int_eq(mx_meter_peak_set_hold_ms(&m, ballistics[_i].hold_ms), MX_SUCCESS);
  ck_assert_int_eq(mx_meter_peak_set_fall_db_per_s(&m, ballistics[_i].fall_db_s), MX_SUCCESS);

  float              x[BLOCK] = { 1.0f };
  MxMeterPeakReading r        = { 0.0f, 0.0f, 0.0f };

  const double tol     = fall * BLOCK / rate + 1e-3;
  const double t_end   = hold_s + (10.0 - (double)MX_METER_PEAK_FLOOR_DB) / fall;
  unsigned     checked = 0U;
  for (unsigned j = 0; (j + 1) * BLOCK / rate < t_end; ++j) {
    mx_meter_peak_process(&m, x, BLOCK);
    mx_meter_peak_read_reset(&m, &r);
    x[0] = 0.0f;

    const double t    = (j + 1) * BLOCK / rate;
    const double hold = t < hold_s ? 0.0 : -fall * (t - hold_s);
    const double bar  = -fall * t;
    if (hold > (double)MX_METER_PEAK_FLOOR_DB + tol) {
      ck_assert_double_eq_tol(r.hold_db, hold, tol);
      ++checked;
    }
    if (bar > (double)MX_METER_PEAK_FLOOR_DB + tol) {
      ck_assert_double_eq_tol(r.bar_db, bar, tol);
    }
  }

  // Both ended at the floor, so they read silence
  ck_assert(isinf(r.hold_db) && r.hold_db < 0.0f);
  ck_assert(isinf(r.bar_db) && r.bar_db < 0.0f);
  ck_assert_uint_gt(checked, 100U);
}
END_TEST

/*
  A lower peak during the hold does not move the marker; once the marker
  has fallen below a new peak, that peak takes the marker and holds again.
*/
START_TEST(hold_restarts_only_on_a_higher_peak)
{
  const double rate = 48000.0;
  MxMeterPeak  m;
  mx_meter_peak_init(&m, rate); // hold 1.5 s, fall 20 dB/s

  float              x[BLOCK] = { 1.0f };
  MxMeterPeakReading r;
  mx_meter_peak_process(&m, x, BLOCK);
  mx_meter_peak_read_reset(&m, &r);

  // -6 dB at 1 s, inside the hold: the marker stays at 0 dB
  x[0] = 0.0f;
  for (unsigned j = 1; j < 187; ++j) {
    mx_meter_peak_process(&m, x, BLOCK);
    mx_meter_peak_read_reset(&m, &r);
  }
  x[0] = 0.5f;
  mx_meter_peak_process(&m, x, BLOCK);
  mx_meter_peak_read_reset(&m, &r);
  mxt_assert_same(r.hold_db, 0.0f);

  // At 2 s the marker has fallen 10 dB; a -6 dB peak takes it and holds
  x[0] = 0.0f;
  for (unsigned j = 188; j < 375; ++j) {
    mx_meter_peak_process(&m, x, BLOCK);
    mx_meter_peak_read_reset(&m, &r);
  }
  ck_assert_double_eq_tol(r.hold_db, -10.0, 0.11);
  x[0] = 0.5f;
  mx_meter_peak_process(&m, x, BLOCK);
  mx_meter_peak_read_reset(&m, &r);
  ck_assert_double_eq_tol(r.hold_db, mxt_db(0.5), 1e-4);
  x[0] = 0.0f;
  for (unsigned j = 0; j < 200; ++j) { // 1.07 s later, still held
    mx_meter_peak_process(&m, x, BLOCK);
    mx_meter_peak_read_reset(&m, &r);
  }
  ck_assert_double_eq_tol(r.hold_db, mxt_db(0.5), 1e-4);
}
END_TEST

/*
  A steady signal keeps the hold marker and the bar exactly on its level
  through several hold times; each read's peak equals the held value and
  restarts the hold, so when the signal stops the marker still holds for
  the whole hold time (1.5 s) counted from the last peak, within a block.
*/
START_TEST(steady_signal_holds_the_marker)
{
  const double rate = 44100.0;
  const size_t n    = 5U * 44100U; // 5 s, over three 1.5 s holds
  float* const x    = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  mxt_sine(x, n, rate / PERIOD, rate, 0.5, 0.0);

  MxMeterPeak m;
  mx_meter_peak_init(&m, rate);
  for (size_t i = 0; i + BLOCK <= n; i += BLOCK) {
    MxMeterPeakReading r;
    mx_meter_peak_process(&m, x + i, BLOCK);
    mx_meter_peak_read_reset(&m, &r);
    ck_assert_double_eq_tol((double)r.hold_db, mxt_db(0.5), 1e-4);
    ck_assert_double_eq_tol((double)r.bar_db, mxt_db(0.5), 1e-4);
  }

  // Silence: still held 1.5 s minus a block later, fallen a block after 1.5 s
  static const float zeros[BLOCK] = { 0.0f };
  MxMeterPeakReading r;
  const unsigned     held = (unsigned)(1.5 * rate / BLOCK); // whole blocks in 1.5 s
  for (unsigned j = 0; j < held - 1U; ++j) {
    mx_meter_peak_process(&m, zeros, BLOCK);
    mx_meter_peak_read_reset(&m, &r);
  }
  ck_assert_double_eq_tol((double)r.hold_db, mxt_db(0.5), 1e-4);
  for (unsigned j = 0; j < 3U; ++j) {
    mx_meter_peak_process(&m, zeros, BLOCK);
    mx_meter_peak_read_reset(&m, &r);
  }
  ck_assert_double_lt((double)r.hold_db, mxt_db(0.5) - 1e-4);
  free(x);
}
END_TEST

START_TEST(peak_setters_reject_bad_values_unchanged)
{
  MxMeterPeak m;
  mx_meter_peak_init(&m, 48000.0);
  mxt_assert_same(m.hold_ms, MX_METER_PEAK_DEFAULT_HOLD_MS);
  mxt_assert_same(m.fall_db_s, MX_METER_PEAK_DEFAULT_FALL_DB_S);

  ck_assert_int_eq(mx_meter_peak_set_hold_ms(&m, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_meter_peak_set_hold_ms(&m, INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_meter_peak_set_hold_ms(&m, -1.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_meter_peak_set_hold_ms(&m, MX_METER_PEAK_MAX_HOLD_MS + 1.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_meter_peak_set_fall_db_per_s(&m, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_meter_peak_set_fall_db_per_s(&m, -INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_meter_peak_set_fall_db_per_s(&m, 0.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_meter_peak_set_fall_db_per_s(&m, MX_METER_PEAK_MAX_FALL_DB_S * 2.0f),
                   MX_ERR_RANGE);
  mxt_assert_same(m.hold_ms, MX_METER_PEAK_DEFAULT_HOLD_MS);
  mxt_assert_same(m.fall_db_s, MX_METER_PEAK_DEFAULT_FALL_DB_S);
  ck_assert_uint_eq(m.hold_samples, 72000U);

  ck_assert_int_eq(mx_meter_peak_set_hold_ms(&m, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_meter_peak_set_hold_ms(&m, MX_METER_PEAK_MAX_HOLD_MS), MX_SUCCESS);
  ck_assert_int_eq(mx_meter_peak_set_fall_db_per_s(&m, MX_METER_PEAK_MIN_FALL_DB_S), MX_SUCCESS);
}
END_TEST

/*
  NaN samples are ignored; an infinite sample is an infinite true peak and
  a display clamped to MX_METER_PEAK_CEILING_DB, which can fall again.
*/
START_TEST(peak_handles_non_finite_samples)
{
  MxMeterPeak m;
  mx_meter_peak_init(&m, 48000.0);

  float x[BLOCK] = { 0.5f, NAN, 0.25f, -NAN };
  x[100]         = NAN;
  mx_meter_peak_process(&m, x, BLOCK);
  MxMeterPeakReading r;
  mx_meter_peak_read_reset(&m, &r);
  mxt_assert_same(r.peak, 0.5f);

  x[7] = -INFINITY;
  mx_meter_peak_process(&m, x, BLOCK);
  mx_meter_peak_read_reset(&m, &r);
  ck_assert(isinf(r.peak));
  mxt_assert_same(r.bar_db, MX_METER_PEAK_CEILING_DB);
  mxt_assert_same(r.hold_db, MX_METER_PEAK_CEILING_DB);

  // One second of silence: the bar has fallen 20 dB from the ceiling
  static const float zeros[BLOCK] = { 0.0f };
  for (unsigned j = 0; j < 187; ++j) {
    mx_meter_peak_process(&m, zeros, BLOCK);
    mx_meter_peak_read_reset(&m, &r);
  }
  ck_assert_double_eq_tol(r.bar_db, (double)MX_METER_PEAK_CEILING_DB - 20.0, 0.11);
}
END_TEST

/*
  mx_meter_peak_process_scaled() reads what metering the scaled block
  would, bit for bit: blocks of noise over 100 dB with NaN, infinities,
  subnormals and signed zeros mixed in, through factors 1, 0, the fader's
  -12 dB, negative, tiny (products underflow) and huge (they overflow),
  block after block (the accumulators carry on), and loop 1 again with
  subnormals flushed as the audio thread runs (mx_denormal_disable()).
*/
START_TEST(scaled_peak_is_the_peak_of_the_scaled_block)
{
  MxFpState fp;
  if (_i) {
    mx_denormal_disable(&fp);
  }
  static const float factors[] = { 1.0f, 0.0f, 0.25118864f, -0.7f, 1e-30f, 3e30f, 1.0000001f };
  enum { LEN = 333, ROUNDS = 40 };
  float       x[LEN];
  float       y[LEN];
  MxMeterPeak pre[2];
  MxMeterPeak post[2];
  for (unsigned m = 0U; m < 2U; ++m) {
    mx_meter_peak_init(&pre[m], 48000.0);
    mx_meter_peak_init(&post[m], 48000.0);
  }
  for (unsigned r = 0U; r < ROUNDS; ++r) {
    const float    factor = factors[r % (sizeof(factors) / sizeof(factors[0]))];
    const uint32_t n      = 1U + (r * 37U) % LEN;
    mxt_noise(x, n, pow(10.0, -5.0 + 0.25 * (double)(r % 21U)), 900U + r);
    x[(r * 7U) % n] = (r % 3U) ? 1e-41f : -0.0f;
    if (r % 4U == 1U) {
      x[(r * 11U) % n] = NAN;
    }
    if (r % 9U == 4U) {
      x[(r * 13U) % n] = -INFINITY;
    }
    for (uint32_t i = 0U; i < n; ++i) {
      y[i] = x[i] * factor;
    }
    mx_meter_peak_process(&pre[0], x, n);
    mx_meter_peak_process(&post[0], y, n);
    mx_meter_peak_process_scaled(&pre[1], &post[1], factor, x, n);

    MxMeterPeakReading want[2];
    MxMeterPeakReading got[2];
    if (r % 5U == 4U) { // Read now and then: the accumulators restart alike
      mx_meter_peak_read_reset(&pre[0], &want[0]);
      mx_meter_peak_read_reset(&post[0], &want[1]);
      mx_meter_peak_read_reset(&pre[1], &got[0]);
      mx_meter_peak_read_reset(&post[1], &got[1]);
      for (unsigned m = 0U; m < 2U; ++m) {
        mxt_assert_same(got[m].peak, want[m].peak);
        mxt_assert_same(got[m].bar_db, want[m].bar_db);
        mxt_assert_same(got[m].hold_db, want[m].hold_db);
      }
    }
    for (unsigned m = 0U; m < 2U; ++m) {
      const MxMeterPeak* const a = m ? &post[0] : &pre[0];
      const MxMeterPeak* const b = m ? &post[1] : &pre[1];
      ck_assert_msg(!memcmp(&a->peak, &b->peak, sizeof(float)) && a->elapsed == b->elapsed,
                    "meter %u differs in round %u: %a, expected %a",
                    m,
                    r,
                    (double)b->peak,
                    (double)a->peak);
    }
  }
  if (_i) {
    mx_denormal_restore(&fp);
  }
}
END_TEST

/*
  RMS of a sine: A / sqrt(2).  Tolerance 0.01 dB (the brief's); the known
  errors are far smaller: the 300 ms window holds 137.8 periods, so the
  partial period changes the mean square by at most 1 / (4 pi 137.8) =
  5.8e-4 (0.0013 dB in amplitude); float squares and sums add < 1e-6.
*/
START_TEST(rms_of_sine_is_exact)
{
  const double rate = mxt_rates[_i / N_LEVELS];
  const double amp  = db_to_amp(levels_db[_i % N_LEVELS]);
  const size_t n    = (size_t)rate; // 1 s, more than the 300 ms window

  float* const x = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  mxt_sine(x, n, rate / PERIOD, rate, amp, 0.0);

  MxMeterRms* const m = mx_meter_rms_new(rate, MX_METER_RMS_MAX_WINDOW_MS);
  ck_assert_ptr_nonnull(m);
  rms_feed(m, x, n);

  MxMeterRmsReading r;
  mx_meter_rms_read_reset(m, &r);
  const double expect_db = mxt_db(amp / sqrt(2.0));
  ck_assert_double_eq_tol(mxt_db((double)r.rms), expect_db, 0.01);
  ck_assert_double_eq_tol(mxt_db((double)r.rms_max), expect_db, 0.01);

  mx_meter_rms_free(m);
  free(x);
}
END_TEST

/// Window lengths and burst fractions checked, with the rate they run at.
static const struct {
  float  window_ms;
  double fraction;
  double rate;
} bursts[] = {
  { 50.0f, 0.5, 48000.0 },   { 300.0f, 0.1, 48000.0 },   { 300.0f, 0.5, 44100.0 },
  { 1000.0f, 0.3, 44100.0 }, { 3000.0f, 0.25, 96000.0 }, { 3000.0f, 0.02, 48000.0 },
};

/*
  Window length: a sine burst of B samples (B < window W) between silences
  has, while wholly inside the window, a mean square of (A^2 / 2) B / W, so
  the maximum read after it is A / sqrt(2) * sqrt(B / W), with W from the
  requested window in ms.  B is a whole number of sin^2 periods (48
  samples), so A^2 / 2 is exact.  The meter rounds W to whole 16-sample
  chunks: 13232 for 13230 samples (300 ms at 44.1 kHz), 0.0007 dB; tolerance
  0.01 dB.  After a whole window of silence the current RMS is exactly 0.
*/
START_TEST(rms_window_length_is_honoured)
{
  const double rate     = bursts[_i].rate;
  const double window   = floor((double)bursts[_i].window_ms * 0.001 * rate + 0.5);
  const size_t burst    = (size_t)floor(bursts[_i].fraction * window / 48.0 + 0.5) * 48U;
  const double amp      = 0.5;
  const double expected = amp / sqrt(2.0) * sqrt((double)burst / window);

  MxMeterRms* const m = mx_meter_rms_new(rate, MX_METER_RMS_MAX_WINDOW_MS);
  ck_assert_ptr_nonnull(m);
  ck_assert_int_eq(mx_meter_rms_set_window_ms(m, bursts[_i].window_ms), MX_SUCCESS);

  float* const x = (float*)malloc(burst * sizeof(float));
  ck_assert_ptr_nonnull(x);
  mxt_sine(x, burst, rate / PERIOD, rate, amp, 0.0);

  rms_feed_silence(m, 1000U);
  rms_feed(m, x, burst);
  rms_feed_silence(m, (size_t)window + 1000U);

  MxMeterRmsReading r;
  mx_meter_rms_read_reset(m, &r);
  ck_assert_double_eq_tol(mxt_db((double)r.rms_max), mxt_db(expected), 0.01);
  mxt_assert_same(r.rms, 0.0f);

  // The maximum was read and reset
  mx_meter_rms_read_reset(m, &r);
  mxt_assert_same(r.rms_max, 0.0f);

  mx_meter_rms_free(m);
  free(x);
}
END_TEST

/*
  Numerical stability: 20 s of noise whose level jumps every 16 samples
  over 160 dB (chunk sums from 1e-8 to 1e8 times each other), through a
  50 ms window: 60000 additions and subtractions of chunks that a double
  sum cannot hold exactly side by side, so a running sum alone keeps a
  rounding residue (measured with the restart disabled: a silent window
  then reads 6e-5, -84 dBFS, instead of 0).  The meter must agree with the
  RMS of the last window computed directly (1e-4 relative), read exactly 0
  after two windows of silence, then read a sine as a fresh meter does.
*/
START_TEST(rms_does_not_drift)
{
  const double rate     = 48000.0;
  const size_t n        = 20U * 48000U;
  const size_t window   = 2400U; // 50 ms
  const size_t n_chunks = n / 16U;

  float* const x     = (float*)malloc(n * sizeof(float));
  float* const level = (float*)malloc(n_chunks * sizeof(float));
  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_nonnull(level);
  mxt_noise(x, n, 1.0, 4242U);
  mxt_noise(level, n_chunks, 4.0, 1717U);
  for (size_t i = 0; i < n; ++i) {
    x[i] *= (float)pow(10.0, (double)level[i / 16U]);
  }

  MxMeterRms* const m = mx_meter_rms_new(rate, 300.0f);
  ck_assert_ptr_nonnull(m);
  ck_assert_int_eq(mx_meter_rms_set_window_ms(m, 50.0f), MX_SUCCESS);
  rms_feed(m, x, n);

  MxMeterRmsReading r;
  mx_meter_rms_read_reset(m, &r);
  const double direct = mxt_rms(x + n - window, window);
  ck_assert_double_eq_tol((double)r.rms / direct, 1.0, 1e-4);

  rms_feed_silence(m, 2U * window + 16U);
  mx_meter_rms_read_reset(m, &r);
  mxt_assert_same(r.rms, 0.0f);

  mxt_sine(x, 48000U, rate / PERIOD, rate, 0.25, 0.0);
  rms_feed(m, x, 48000U);
  mx_meter_rms_read_reset(m, &r);
  ck_assert_double_eq_tol(mxt_db((double)r.rms), mxt_db(0.25 / sqrt(2.0)), 0.01);

  mx_meter_rms_free(m);
  free(level);
  free(x);
}
END_TEST

/*
  A new window is valid at once (the sum is recomputed from the ring), and
  the maximum since the last read keeps its level.
*/
START_TEST(rms_window_change_is_immediate)
{
  const double rate = 44100.0;
  const size_t n    = 44100U;
  float* const x    = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  mxt_sine(x, n, rate / PERIOD, rate, 0.5, 0.0);

  MxMeterRms* const m = mx_meter_rms_new(rate, 1000.0f);
  ck_assert_ptr_nonnull(m);
  rms_feed(m, x, n);

  const double      expect_db = mxt_db(0.5 / sqrt(2.0));
  MxMeterRmsReading r;
  const float       windows[] = { 50.0f, 1000.0f, 123.0f, 300.0f };
  for (unsigned k = 0; k < 4; ++k) {
    ck_assert_int_eq(mx_meter_rms_set_window_ms(m, windows[k]), MX_SUCCESS);
    mx_meter_rms_read_reset(m, &r);
    ck_assert_double_eq_tol(mxt_db((double)r.rms), expect_db, 0.01);
    ck_assert_double_eq_tol(mxt_db((double)r.rms_max), expect_db, 0.01);
  }

  mx_meter_rms_free(m);
  free(x);
}
END_TEST

/*
  Non-finite input: a NaN chunk counts as silence, an infinite one as an
  overload (FLT_MAX: sqrt(FLT_MAX / 14400) = 1.5e17); readings are never
  NaN, and two windows later the meter reads the sine exactly again.
*/
START_TEST(rms_recovers_from_non_finite_input)
{
  const double rate = 48000.0;
  const size_t n    = 72000U; // 1.5 s
  float* const x    = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);

  MxMeterRms* const m = mx_meter_rms_new(rate, 300.0f);
  ck_assert_ptr_nonnull(m);

  const float bad[] = { NAN, INFINITY, -INFINITY };
  for (unsigned k = 0; k < 3; ++k) {
    mxt_sine(x, n, rate / PERIOD, rate, 0.5, 0.0);
    x[20000] = bad[k]; // in the block starting at 19968
    for (size_t i = 0; i < n; i += BLOCK) {
      MxMeterRmsReading r;
      mx_meter_rms_process(m, x + i, BLOCK < n - i ? BLOCK : (uint32_t)(n - i));
      mx_meter_rms_read_reset(m, &r);
      ck_assert(!isnan(r.rms) && !isnan(r.rms_max));

      // Right after the bad sample: a NaN chunk is 16 silent samples of the
      // 14400 in the window (-0.005 dB); an infinite one is an overload
      if (i == 19968U && k == 0U) {
        ck_assert_double_eq_tol(mxt_db((double)r.rms), mxt_db(0.5 / sqrt(2.0)), 0.01);
      } else if (i == 19968U) {
        ck_assert_double_ge((double)r.rms, 1e15);
      }
    }

    // 1.08 s after the bad sample is more than two 300 ms windows
    MxMeterRmsReading r;
    mx_meter_rms_read_reset(m, &r);
    ck_assert_double_eq_tol(mxt_db((double)r.rms), mxt_db(0.5 / sqrt(2.0)), 0.01);
  }

  mx_meter_rms_free(m);
  free(x);
}
END_TEST

START_TEST(rms_new_free_and_setter_errors)
{
  mx_meter_rms_free(NULL); // no-op

  ck_assert_ptr_null(mx_meter_rms_new(0.0, 300.0f));
  ck_assert_ptr_null(mx_meter_rms_new((double)NAN, 300.0f));
  ck_assert_ptr_null(mx_meter_rms_new(1e6, 300.0f));
  ck_assert_ptr_null(mx_meter_rms_new(48000.0, MX_METER_RMS_MIN_WINDOW_MS - 1.0f));
  ck_assert_ptr_null(mx_meter_rms_new(48000.0, MX_METER_RMS_MAX_WINDOW_MS + 1.0f));
  ck_assert_ptr_null(mx_meter_rms_new(48000.0, NAN));

  MxMeterRms* const m = mx_meter_rms_new(48000.0, 1000.0f);
  ck_assert_ptr_nonnull(m);
  ck_assert_int_eq(mx_meter_rms_set_window_ms(m, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_meter_rms_set_window_ms(m, INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_meter_rms_set_window_ms(m, 49.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_meter_rms_set_window_ms(m, 1001.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_meter_rms_set_window_ms(m, 50.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_meter_rms_set_window_ms(m, 1000.0f), MX_SUCCESS);

  // Silence reads 0, and reset returns to silence
  MxMeterRmsReading r;
  mx_meter_rms_read_reset(m, &r);
  mxt_assert_same(r.rms, 0.0f);
  mxt_assert_same(r.rms_max, 0.0f);

  float x[BLOCK];
  mxt_noise(x, BLOCK, 1.0, 99U);
  mx_meter_rms_process(m, x, BLOCK);
  mx_meter_rms_reset(m);
  mx_meter_rms_read_reset(m, &r);
  mxt_assert_same(r.rms, 0.0f);
  mxt_assert_same(r.rms_max, 0.0f);
  mx_meter_rms_free(m);
}
END_TEST

/*
  Gain reduction: the largest reduction fed since the last read, read and
  reset to 0; no reduction, make-up gain and NaN change nothing; a linear
  gain g is a reduction of -20 log10(g) (0.5 -> 6.0206 dB).
*/
START_TEST(gr_reads_largest_reduction_and_resets)
{
  MxMeterGr m;
  mx_meter_gr_init(&m);
  mxt_assert_same(mx_meter_gr_read_reset(&m), 0.0f);

  mx_meter_gr_feed_db(&m, 3.0f);
  mx_meter_gr_feed_db(&m, 6.0f);
  mx_meter_gr_feed_db(&m, 2.0f);
  mxt_assert_same(mx_meter_gr_read_reset(&m), 6.0f);
  mxt_assert_same(mx_meter_gr_read_reset(&m), 0.0f);

  mx_meter_gr_feed_db(&m, -3.0f);
  mx_meter_gr_feed_db(&m, NAN);
  mx_meter_gr_feed_gain(&m, 1.0f);
  mx_meter_gr_feed_gain(&m, 2.0f);
  mx_meter_gr_feed_gain(&m, NAN);
  mxt_assert_same(mx_meter_gr_read_reset(&m), 0.0f);

  mx_meter_gr_feed_gain(&m, 0.5f);
  mx_meter_gr_feed_gain(&m, 0.9f);
  ck_assert_double_eq_tol(mx_meter_gr_read_reset(&m), 20.0 * log10(2.0), 1e-4);

  mx_meter_gr_feed_gain(&m, 0.0f);
  const float inf = mx_meter_gr_read_reset(&m);
  ck_assert(isinf(inf) && inf > 0.0f);
}
END_TEST

static Suite*
meters_suite(void)
{
  Suite* const s = suite_create("meters");

  TCase* const peak = tcase_create("peak");
  tcase_add_loop_test(peak, peak_of_sine_is_exact, 0, (int)(3 * N_LEVELS));
  tcase_add_loop_test(
    peak, peak_survives_until_read, 0, (int)(sizeof(lone_peaks) / sizeof(lone_peaks[0])));
  tcase_add_loop_test(
    peak, odd_block_sizes_read_the_same, 0, (int)(sizeof(odd_blocks) / sizeof(odd_blocks[0])));
  tcase_add_test(peak, peak_setters_reject_bad_values_unchanged);
  tcase_add_test(peak, peak_handles_non_finite_samples);
  tcase_add_loop_test(peak, scaled_peak_is_the_peak_of_the_scaled_block, 0, 2);
  suite_add_tcase(s, peak);

  TCase* const display = tcase_create("peak_display");
  tcase_add_loop_test(
    display, hold_and_fall_follow_set_times, 0, (int)(sizeof(ballistics) / sizeof(ballistics[0])));
  tcase_add_test(display, hold_restarts_only_on_a_higher_peak);
  tcase_add_test(display, steady_signal_holds_the_marker);
  suite_add_tcase(s, display);

  TCase* const rms = tcase_create("rms");
  tcase_add_loop_test(rms, rms_of_sine_is_exact, 0, (int)(3 * N_LEVELS));
  tcase_add_loop_test(
    rms, rms_window_length_is_honoured, 0, (int)(sizeof(bursts) / sizeof(bursts[0])));
  tcase_add_test(rms, rms_window_change_is_immediate);
  suite_add_tcase(s, rms);

  TCase* const robust = tcase_create("rms_robustness");
  tcase_add_test(robust, rms_does_not_drift);
  tcase_add_test(robust, rms_recovers_from_non_finite_input);
  tcase_add_test(robust, rms_new_free_and_setter_errors);
  suite_add_tcase(s, robust);

  TCase* const gr = tcase_create("gain_reduction");
  tcase_add_test(gr, gr_reads_largest_reduction_and_resets);
  suite_add_tcase(s, gr);
  return s;
}

int
main(void)
{
  return mxt_run_suite(meters_suite());
}
