// SPDX-License-Identifier: GPL-3.0-or-later

#include "loudness.h"
#include "testutil.h"
#include "true_peak.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 256, MAX_SEGMENTS = 5 };

/*
  Tolerances: EBU Tech 3341 (Loudness Metering: 'EBU Mode' metering,
  section 4) requires M, S and I within +-0.1 LU of the stated values; EBU
  Tech 3342 (Loudness Range, section 4) requires LRA within +-1 LU.
*/
#define LUFS_TOL 0.1
#define LRA_TOL 1.0

/// A value a case does not define.
#define UNDEF ((double)NAN)

/// A steady 1 kHz tone: its sine peak level, dBFS, and duration, seconds.
typedef struct {
  double dbfs;
  double seconds;
} Segment;

/// A test signal of up to MAX_SEGMENTS tones, and what the meter must read.
typedef struct {
  Segment segments[MAX_SEGMENTS];
  double  integrated; ///< Expected I, LUFS (UNDEF: not checked)
  double  range;      ///< Expected LRA, LU (UNDEF: not checked)
} Case;

/*
  Generator: both channels carry the same 1 kHz sine.  A second at any whole
  sample rate holds exactly 1000 periods, so one second of table, indexed
  by the running sample count modulo the rate, is a phase-continuous tone
  across blocks and segments.
*/
typedef struct {
  float*   table; ///< One second of sin(2 pi 1000 t), unit amplitude
  uint32_t rate;  ///< Sample rate, Hz
  uint64_t t;     ///< Samples generated so far
} Tone;

static void
tone_init(Tone* const tone, const uint32_t rate)
{
  tone->table = (float*)malloc(rate * sizeof(float));
  ck_assert_ptr_nonnull(tone->table);
  mxt_sine(tone->table, rate, 1000.0, rate, 1.0, 0.0);
  tone->rate = rate;
  tone->t    = 0U;
}

// Feed a segment to `m` in blocks of BLOCK, the same signal on every channel
static void
feed(MxLoudness* const m, Tone* const tone, const uint32_t channels, const Segment seg)
{
  const float  amp = (float)pow(10.0, seg.dbfs / 20.0);
  float        block[BLOCK];
  const float* in[MX_LOUDNESS_MAX_CHANNELS];
  for (uint32_t c = 0; c < channels; ++c) {
    in[c] = block;
  }

  uint64_t left = (uint64_t)llround(seg.seconds * tone->rate);
  while (left) {
    const uint32_t n = left < BLOCK ? (uint32_t)left : BLOCK;
    for (uint32_t i = 0; i < n; ++i) {
      block[i] = amp * tone->table[(tone->t + i) % tone->rate];
    }
    ck_assert_int_eq(mx_loudness_process(m, in, n), MX_SUCCESS);
    tone->t += n;
    left -= n;
  }
}

// Run a case at `rate` in stereo and return the reading at its end
static MxLoudnessReading
run_case(const Case* const c, const uint32_t rate)
{
  MxLoudness* const m = mx_loudness_new(2U, rate);
  ck_assert_ptr_nonnull(m);

  Tone tone;
  tone_init(&tone, rate);
  for (unsigned k = 0; k < MAX_SEGMENTS && c->segments[k].seconds > 0.0; ++k) {
    feed(m, &tone, 2U, c->segments[k]);
  }

  MxLoudnessReading r;
  mx_loudness_read(m, &r);
  mx_loudness_free(m);
  free(tone.table);
  return r;
}

/*
  M and S at the end of a case: every case ends with at least 10 s of one
  steady tone, longer than the 3 s window, so both read that tone's level
  (Tech 3341 states it for cases 1 and 2: -23.0 and -33.0).
*/
static void
check_case(const Case* const c, const MxLoudnessReading* const r)
{
  unsigned last = 0U;
  while (last + 1U < MAX_SEGMENTS && c->segments[last + 1U].seconds > 0.0) {
    ++last;
  }
  ck_assert_double_eq_tol(r->momentary_lufs, c->segments[last].dbfs, LUFS_TOL);
  ck_assert_double_eq_tol(r->short_term_lufs, c->segments[last].dbfs, LUFS_TOL);
  if (!isnan(c->integrated)) {
    ck_assert_double_eq_tol(r->integrated_lufs, c->integrated, LUFS_TOL);
  }
  if (!isnan(c->range)) {
    ck_assert_double_eq_tol(r->range_lu, c->range, LRA_TOL);
  }
}

/// EBU Tech 3341 (2016) table 1, cases 1 to 5 (stereo 1 kHz sines).
static const Case tech3341[] = {
  /* 3341-1 */ { { { -23.0, 20.0 } }, -23.0, UNDEF },
  /* 3341-2 */ { { { -33.0, 20.0 } }, -33.0, UNDEF },
  /* 3341-3 */ { { { -36.0, 10.0 }, { -23.0, 60.0 }, { -36.0, 10.0 } }, -23.0, UNDEF },
  /* 3341-4 */
  { { { -72.0, 10.0 }, { -36.0, 10.0 }, { -23.0, 60.0 }, { -36.0, 10.0 }, { -72.0, 10.0 } },
    -23.0,
    UNDEF },
  /* 3341-5 */ { { { -26.0, 20.0 }, { -20.0, 20.1 }, { -26.0, 20.0 } }, -23.0, UNDEF },
};

/// EBU Tech 3342 (2016) table 1, cases 1 to 4 (stereo 1 kHz sines).
static const Case tech3342[] = {
  /* 3342-1 */ { { { -20.0, 20.0 }, { -30.0, 20.0 } }, UNDEF, 10.0 },
  /* 3342-2 */ { { { -20.0, 20.0 }, { -15.0, 20.0 } }, UNDEF, 5.0 },
  /* 3342-3 */ { { { -40.0, 20.0 }, { -20.0, 20.0 } }, UNDEF, 20.0 },
  /* 3342-4 */
  { { { -50.0, 20.0 }, { -35.0, 20.0 }, { -20.0, 20.0 }, { -35.0, 20.0 }, { -50.0, 20.0 } },
    UNDEF,
    15.0 },
};

START_TEST(ebu_tech_3341_cases)
{
  const MxLoudnessReading r = run_case(&tech3341[_i], 48000U);
  check_case(&tech3341[_i], &r);
}
END_TEST

START_TEST(ebu_tech_3342_cases)
{
  const MxLoudnessReading r = run_case(&tech3342[_i], 48000U);
  check_case(&tech3342[_i], &r);
}
END_TEST

// The K-weighting is designed per rate: case 1 also reads -23.0 at the other
// test rates (48 kHz is run above)
static const uint32_t other_rates[] = { 44100U, 96000U };

START_TEST(case_1_at_other_rates)
{
  const MxLoudnessReading r = run_case(&tech3341[0], other_rates[_i]);
  check_case(&tech3341[0], &r);
}
END_TEST

/*
  M and S windows: a step from -23 to -33 dBFS on a 100 ms boundary, read
  after every 100 ms.  k blocks after the step, the 400 ms window holds
  j = min(k, 4) blocks of the new level and 4 - j of the old, so with
  e = 10^(L / 10):
    M = 10 log10(((4 - j) e_old + j e_new) / 4)
  and S the same over 30 blocks.  (A steady 1 kHz tone reads its dBFS level,
  so e is taken from the dBFS levels.)  The K-weighting filter's transient
  at the step lasts a few ms of one 100 ms block; tolerance 0.1 LU.
*/
START_TEST(momentary_and_short_term_windows)
{
  MxLoudness* const m = mx_loudness_new(2U, 48000.0);
  ck_assert_ptr_nonnull(m);
  Tone tone;
  tone_init(&tone, 48000U);

  const double e_old = pow(10.0, -2.3);
  const double e_new = pow(10.0, -3.3);
  feed(m, &tone, 2U, (Segment){ -23.0, 5.0 });
  for (unsigned k = 1U; k <= 35U; ++k) {
    feed(m, &tone, 2U, (Segment){ -33.0, 0.1 });

    MxLoudnessReading r;
    mx_loudness_read(m, &r);
    const double jm = k < 4U ? k : 4.0;
    const double js = k < 30U ? k : 30.0;
    const double em = ((4.0 - jm) * e_old + jm * e_new) / 4.0;
    const double es = ((30.0 - js) * e_old + js * e_new) / 30.0;
    ck_assert_double_eq_tol(r.momentary_lufs, 10.0 * log10(em), LUFS_TOL);
    ck_assert_double_eq_tol(r.short_term_lufs, 10.0 * log10(es), LUFS_TOL);
  }

  mx_loudness_free(m);
  free(tone.table);
}
END_TEST

/*
  BS.1770-4 sums the mean squares of the channels: one channel of a -23 dBFS
  1 kHz sine carries half the power of two, so it reads -23 - 10 log10(2) =
  -26.01 LUFS.  Channel weights: a back surround (channel 7 or 8) counts
  1.0, like L; the LFE (channel 4) is not measured; a surround (channel 5)
  counts 1.41 (+1.49 dB).
*/
static const struct {
  uint32_t channels;
  uint32_t driven; ///< The only channel carrying the tone
  double   lufs;   ///< Expected M, S and I
} weights[] = {
  { 1U, 0U, -26.0103 }, { 2U, 1U, -26.0103 },          { 8U, 6U, -26.0103 },
  { 8U, 7U, -26.0103 }, { 6U, 4U, -26.0103 + 1.4922 }, { 6U, 3U, -(double)INFINITY },
};

START_TEST(channel_weights)
{
  const uint32_t    channels = weights[_i].channels;
  MxLoudness* const m        = mx_loudness_new(channels, 48000.0);
  ck_assert_ptr_nonnull(m);

  Tone tone;
  tone_init(&tone, 48000U);
  float        block[BLOCK] = { 0.0f };
  const float  zeros[BLOCK] = { 0.0f };
  const float* in[MX_LOUDNESS_MAX_CHANNELS];
  for (uint32_t c = 0; c < channels; ++c) {
    in[c] = c == weights[_i].driven ? block : zeros;
  }

  const float amp = (float)pow(10.0, -23.0 / 20.0);
  for (uint32_t b = 0; b < 5U * 48000U / BLOCK; ++b) {
    for (uint32_t i = 0; i < BLOCK; ++i) {
      block[i] = amp * tone.table[(b * BLOCK + i) % 48000U];
    }
    ck_assert_int_eq(mx_loudness_process(m, in, BLOCK), MX_SUCCESS);
  }

  MxLoudnessReading r;
  mx_loudness_read(m, &r);
  if (isinf(weights[_i].lufs)) {
    ck_assert(isinf(r.momentary_lufs) && isinf(r.integrated_lufs));
  } else {
    ck_assert_double_eq_tol(r.momentary_lufs, weights[_i].lufs, LUFS_TOL);
    ck_assert_double_eq_tol(r.short_term_lufs, weights[_i].lufs, LUFS_TOL);
    ck_assert_double_eq_tol(r.integrated_lufs, weights[_i].lufs, LUFS_TOL);
  }

  mx_loudness_free(m);
  free(tone.table);
}
END_TEST

/// Amplitudes of the true-peak test sine, dBFS.
static const double tp_levels[] = { -20.0, -6.0, 0.0 };

/*
  True peak: x[n] = A sin(pi/2 n + pi/4), a sine at fs/4 whose samples all
  fall 45 degrees from a crest: every sample is +-A/sqrt(2) (sample peak
  A - 3.01 dB) while the waveform reaches A (true peak).  The meter uses
  the limiter's detector (true_peak.h), 4x at every rate, which reads a
  steady sine up to 0.45 fs within 0.05 dB: so the peak since the last
  read, once the tone has run for a while.  The programme peak includes
  the tone's abrupt start, whose band-limited waveform overshoots (0.095
  dB here), within the brief's 0.3 dB (what BS.1770-4 Annex 2 allows its
  example interpolator).  The sample peak is exact to float rounding:
  0.01 dB.
*/
START_TEST(true_peak_of_quarter_rate_sine)
{
  const double rate = mxt_rates[_i / 3];
  const double amp  = pow(10.0, tp_levels[_i % 3] / 20.0);

  MxLoudness* const m = mx_loudness_new(2U, rate);
  ck_assert_ptr_nonnull(m);

  float block[BLOCK];
  mxt_sine(block, BLOCK, rate / 4.0, rate, amp, M_PI / 4.0); // BLOCK is 64 periods
  const float* const in[2] = { block, block };
  MxLoudnessReading  r;
  for (unsigned b = 0; b < 100U; ++b) {
    ck_assert_int_eq(mx_loudness_process(m, in, BLOCK), MX_SUCCESS);
    if (b == 0U) {
      mx_loudness_read(m, &r); // The onset
    }
  }

  mx_loudness_read(m, &r);
  ck_assert_double_eq_tol(r.true_peak_dbtp, mxt_db(amp), 0.3);
  ck_assert_double_ge(r.true_peak_dbtp, mxt_db(amp) - 0.05);
  ck_assert_double_eq_tol(r.true_peak_recent_dbtp, mxt_db(amp), 0.05);
  ck_assert_double_eq_tol(r.sample_peak_dbfs, mxt_db(amp / sqrt(2.0)), 0.01);
  ck_assert_double_eq_tol(r.sample_peak_recent_dbfs, mxt_db(amp / sqrt(2.0)), 0.01);

  // Recent peaks were read and reset; the programme peaks stay
  const float        zeros[BLOCK] = { 0.0f };
  const float* const quiet[2]     = { zeros, zeros };
  for (unsigned b = 0; b < 10U; ++b) {
    ck_assert_int_eq(mx_loudness_process(m, quiet, BLOCK), MX_SUCCESS);
  }
  MxLoudnessReading again;
  mx_loudness_read(m, &again);
  ck_assert(isinf(again.sample_peak_recent_dbfs) && again.sample_peak_recent_dbfs < 0.0f);
  ck_assert_double_eq(again.true_peak_dbtp, r.true_peak_dbtp);
  ck_assert_double_eq(again.sample_peak_dbfs, r.sample_peak_dbfs);

  mx_loudness_free(m);
}
END_TEST

/*
  The meter's true peak is the limiter's detector's (true_peak.h) on each
  channel, never below the sample peak: 60 blocks of noise whose level
  changes every block, in both channels, against two detectors fed alike.
*/
START_TEST(true_peak_is_the_limiters_detector)
{
  MxLoudness* const m = mx_loudness_new(2U, 48000.0);
  ck_assert_ptr_nonnull(m);
  MxTruePeakDetector det[2];
  mx_true_peak_detector_init(&det[0]);
  mx_true_peak_detector_init(&det[1]);

  float  x[2][BLOCK];
  double want = 0.0;
  for (unsigned b = 0U; b < 60U; ++b) {
    for (unsigned c = 0U; c < 2U; ++c) {
      mxt_noise(x[c], BLOCK, pow(10.0, -0.1 * (double)((b * 7U + c * 3U) % 40U)), 70U + b * 2U + c);
      want = fmax(want, (double)mx_true_peak_detector_process_max(&det[c], x[c], BLOCK));
      want = fmax(want, mxt_peak(x[c], BLOCK));
    }
    const float* const in[2] = { x[0], x[1] };
    ck_assert_int_eq(mx_loudness_process(m, in, BLOCK), MX_SUCCESS);
  }
  MxLoudnessReading r;
  mx_loudness_read(m, &r);
  ck_assert_double_eq_tol(r.true_peak_dbtp, mxt_db(want), 1e-5);
  ck_assert_double_ge(r.true_peak_dbtp, r.sample_peak_dbfs);
  mx_loudness_free(m);
}
END_TEST

/// Where a lone -0.5 peak goes: block and index, counted from the start.  At
/// 48 kHz the first 100 ms boundary is frame 4800, index 192 of block 18,
/// where process() splits its call to libebur128.
static const struct {
  unsigned block;
  unsigned pos;
} lone_peaks[] = {
  { 1U, 17U }, { 18U, 150U }, { 18U, 191U }, { 18U, 192U }, { 30U, 255U },
};

/*
  Read-and-reset keeps a peak that came several blocks before the read,
  from either channel, on either side of a 100 ms boundary; and it is not
  the programme peak: a louder 0.9 read earlier does not come back.
*/
START_TEST(recent_peak_survives_until_read)
{
  MxLoudness* const m = mx_loudness_new(2U, 48000.0);
  ck_assert_ptr_nonnull(m);

  float noise_l[BLOCK];
  float noise_r[BLOCK];
  float left[BLOCK];
  float right[BLOCK];
  mxt_noise(noise_l, BLOCK, 0.01, 5U);
  mxt_noise(noise_r, BLOCK, 0.01, 6U);
  const float* const in[2] = { left, right };

  // A louder peak, read before the one under test
  memcpy(left, noise_l, sizeof(left));
  memcpy(right, noise_r, sizeof(right));
  left[3] = 0.9f;
  ck_assert_int_eq(mx_loudness_process(m, in, BLOCK), MX_SUCCESS);
  MxLoudnessReading r;
  mx_loudness_read(m, &r);
  ck_assert_double_eq_tol(r.sample_peak_recent_dbfs, mxt_db(0.9), 1e-4);

  // Blocks counted from the start of the measurement (the block above is 0)
  for (unsigned b = 1U; b < 31U; ++b) {
    memcpy(left, noise_l, sizeof(left));
    memcpy(right, noise_r, sizeof(right));
    if (b == lone_peaks[_i].block) {
      right[lone_peaks[_i].pos] = -0.5f;
    }
    ck_assert_int_eq(mx_loudness_process(m, in, BLOCK), MX_SUCCESS);
  }

  mx_loudness_read(m, &r);
  ck_assert_double_eq_tol(r.sample_peak_recent_dbfs, mxt_db(0.5), 1e-4);
  ck_assert_double_ge(r.true_peak_recent_dbtp, r.sample_peak_recent_dbfs);
  ck_assert_double_eq_tol(r.sample_peak_dbfs, mxt_db(0.9), 1e-4);

  mx_loudness_free(m);
}
END_TEST

START_TEST(new_rejects_bad_arguments_and_free_null)
{
  mx_loudness_free(NULL); // no-op

  ck_assert_ptr_null(mx_loudness_new(0U, 48000.0));
  ck_assert_ptr_null(mx_loudness_new(MX_LOUDNESS_MAX_CHANNELS + 1U, 48000.0));
  ck_assert_ptr_null(mx_loudness_new(2U, 0.0));
  ck_assert_ptr_null(mx_loudness_new(2U, (double)NAN));
  ck_assert_ptr_null(mx_loudness_new(2U, 1e6));

  MxLoudness* const m = mx_loudness_new(MX_LOUDNESS_MAX_CHANNELS, 8000.0);
  ck_assert_ptr_nonnull(m);

  // Nothing measured yet: silence everywhere
  MxLoudnessReading r;
  mx_loudness_read(m, &r);
  ck_assert(isinf(r.momentary_lufs) && r.momentary_lufs < 0.0f);
  ck_assert(isinf(r.integrated_lufs) && r.integrated_lufs < 0.0f);
  ck_assert(isinf(r.true_peak_dbtp) && r.true_peak_dbtp < 0.0f);
  ck_assert_double_eq(r.range_lu, 0.0);
  mx_loudness_free(m);
}
END_TEST

/*
  Reset starts a new measurement: after 5 s of -23 dBFS and a reset, 5 s of
  -33 dBFS read I = -33.0, not the -25.6 a continued measurement would.
*/
START_TEST(reset_starts_a_new_measurement)
{
  MxLoudness* const m = mx_loudness_new(2U, 48000.0);
  ck_assert_ptr_nonnull(m);
  Tone tone;
  tone_init(&tone, 48000U);

  feed(m, &tone, 2U, (Segment){ -23.0, 5.0 });
  ck_assert_int_eq(mx_loudness_reset(m), MX_SUCCESS);

  // Everything restarts at silence, the windows and recent peaks included
  MxLoudnessReading r;
  mx_loudness_read(m, &r);
  ck_assert(isinf(r.momentary_lufs) && r.momentary_lufs < 0.0f);
  ck_assert(isinf(r.short_term_lufs) && r.short_term_lufs < 0.0f);
  ck_assert(isinf(r.integrated_lufs) && r.integrated_lufs < 0.0f);
  ck_assert(isinf(r.sample_peak_dbfs) && r.sample_peak_dbfs < 0.0f);
  ck_assert(isinf(r.true_peak_recent_dbtp) && r.true_peak_recent_dbtp < 0.0f);
  ck_assert_double_eq(r.range_lu, 0.0);

  feed(m, &tone, 2U, (Segment){ -33.0, 5.0 });
  mx_loudness_read(m, &r);
  ck_assert_double_eq_tol(r.integrated_lufs, -33.0, LUFS_TOL);
  ck_assert_double_eq_tol(r.sample_peak_dbfs, -33.0, 0.01);

  mx_loudness_free(m);
  free(tone.table);
}
END_TEST

/*
  Non-finite input is measured as silence: a block of NaN and infinities
  between two 5 s stretches of case 1's tone leaves every later reading
  finite and I at -23.0 (one 5 ms block of silence among 10 s moves it by
  < 0.003 LU); M and S, 5 s later, no longer see it at all.
*/
START_TEST(non_finite_input_is_measured_as_silence)
{
  MxLoudness* const m = mx_loudness_new(2U, 48000.0);
  ck_assert_ptr_nonnull(m);
  Tone tone;
  tone_init(&tone, 48000U);

  feed(m, &tone, 2U, (Segment){ -23.0, 5.0 });
  float bad[BLOCK];
  for (unsigned i = 0; i < BLOCK; ++i) {
    bad[i] = (i % 3U) == 0U ? NAN : (i % 3U) == 1U ? INFINITY : -INFINITY;
  }
  const float* const in[2] = { bad, bad };
  ck_assert_int_eq(mx_loudness_process(m, in, BLOCK), MX_SUCCESS);
  feed(m, &tone, 2U, (Segment){ -23.0, 5.0 });

  MxLoudnessReading r;
  mx_loudness_read(m, &r);
  ck_assert_double_eq_tol(r.momentary_lufs, -23.0, LUFS_TOL);
  ck_assert_double_eq_tol(r.short_term_lufs, -23.0, LUFS_TOL);
  ck_assert_double_eq_tol(r.integrated_lufs, -23.0, LUFS_TOL);
  ck_assert(isfinite(r.true_peak_dbtp) && isfinite(r.range_lu));

  mx_loudness_free(m);
  free(tone.table);
}
END_TEST

static Suite*
loudness_suite(void)
{
  Suite* const s = suite_create("loudness");

  TCase* const ebu = tcase_create("ebu_cases");
  tcase_set_timeout(ebu, 30.0);
  tcase_add_loop_test(ebu, ebu_tech_3341_cases, 0, (int)(sizeof(tech3341) / sizeof(tech3341[0])));
  tcase_add_loop_test(ebu, ebu_tech_3342_cases, 0, (int)(sizeof(tech3342) / sizeof(tech3342[0])));
  tcase_add_loop_test(ebu, case_1_at_other_rates, 0, 2);
  suite_add_tcase(s, ebu);

  TCase* const windows = tcase_create("windows");
  tcase_add_test(windows, momentary_and_short_term_windows);
  suite_add_tcase(s, windows);

  TCase* const chan = tcase_create("channels");
  tcase_add_loop_test(chan, channel_weights, 0, (int)(sizeof(weights) / sizeof(weights[0])));
  suite_add_tcase(s, chan);

  TCase* const peak = tcase_create("peaks");
  tcase_add_loop_test(peak, true_peak_of_quarter_rate_sine, 0, 9);
  tcase_add_test(peak, true_peak_is_the_limiters_detector);
  tcase_add_loop_test(
    peak, recent_peak_survives_until_read, 0, (int)(sizeof(lone_peaks) / sizeof(lone_peaks[0])));
  suite_add_tcase(s, peak);

  TCase* const life = tcase_create("lifecycle");
  tcase_add_test(life, new_rejects_bad_arguments_and_free_null);
  tcase_add_test(life, reset_starts_a_new_measurement);
  tcase_add_test(life, non_finite_input_is_measured_as_silence);
  suite_add_tcase(s, life);
  return s;
}

int
main(void)
{
  return mxt_run_suite(loudness_suite());
}
