// SPDX-License-Identifier: GPL-3.0-or-later

#include "analytic_filter.h"
#include "biquad.h"
#include "strip_eq.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum {
  BLOCK   = 256,     // realistic period
  MIN_LEN = 4096,    // shortest impulse response measured
  MAX_LEN = 1 << 18, // longest (2.7 s at 96 kHz)
  TAIL    = 2048,    // window checked for decay
  N_FREQS = 24,      // log-spaced test frequencies, 20 Hz to 0.45 fs
};

/*
  Response tolerance, as in test_biquad.c: 0.05 dB where the expected
  response is above DEEP_DB; below it, where a dB difference would measure
  float rounding noise, the linear error is held to the 0.05 dB allowed at
  DEEP_DB itself.
*/
#define TOL_DB 0.05
#define DEEP_DB (-60.0)
#define DEEP_ABS 5.77e-6 // 1e-3 * (10^(0.05/20) - 1)
#define DECAYED 1e-12

static float impulse[MAX_LEN];
static float impulse_right[MAX_LEN];

// Run `n` samples of every channel through the EQ in blocks of BLOCK
static void
run(MxStripEq* const eq, float* const* const bufs, const unsigned channels, const size_t n)
{
  for (size_t i = 0; i < n; i += BLOCK) {
    float* blocks[MX_STRIP_EQ_MAX_CHANNELS];
    for (unsigned ch = 0; ch < channels; ++ch) {
      blocks[ch] = bufs[ch] + i;
    }
    mx_strip_eq_process(eq, blocks, (uint32_t)(n - i < BLOCK ? n - i : BLOCK));
  }
}

static void
run_mono(MxStripEq* const eq, float* const buf, const size_t n)
{
  run(eq, &buf, 1U, n);
}

// Process zeros until every ramp has ended (the memory stays exactly 0)
static void
settle_silently(MxStripEq* const eq, const unsigned channels)
{
  float  left[BLOCK];
  float  right[BLOCK];
  float* bufs[2] = { left, right };
  for (unsigned i = 0; i < 1000 && !mx_strip_eq_is_settled(eq); ++i) {
    memset(left, 0, sizeof(left));
    memset(right, 0, sizeof(right));
    run(eq, bufs, channels, BLOCK);
  }
  ck_assert(mx_strip_eq_is_settled(eq));
}

// Impulse response of a mono EQ into `impulse`, until decayed; its length
static size_t
measure_impulse(MxStripEq* const eq, const unsigned channels)
{
  // `n` counts the samples measured so far, block by block
  for (size_t n = BLOCK; n <= MAX_LEN; n += BLOCK) {
    float* const block = impulse + n - BLOCK;
    float* const right = impulse_right + n - BLOCK;
    memset(block, 0, BLOCK * sizeof(float));
    block[0] = n == BLOCK ? 1.0f : 0.0f;
    memcpy(right, block, BLOCK * sizeof(float));

    float* bufs[2] = { block, right };
    run(eq, bufs, channels, BLOCK);
    if (n >= MIN_LEN && mxt_peak(impulse + n - TAIL, TAIL) < DECAYED) {
      // A stereo EQ gives both channels the same response, bit for bit
      if (channels == 2U) {
        ck_assert_mem_eq(impulse, impulse_right, n * sizeof(float));
      }
      return n;
    }
  }

  ck_abort_msg("impulse response did not decay in %d samples", MAX_LEN);
  return MAX_LEN;
}

static void
check_response(const double f, const double measured_db, const double expected_db)
{
  if (expected_db > DEEP_DB) {
    ck_assert_msg(fabs(measured_db - expected_db) <= TOL_DB,
                  "at %.2f Hz: measured %.5f dB, expected %.5f dB",
                  f,
                  measured_db,
                  expected_db);
  } else {
    const double m = pow(10.0, measured_db / 20.0);
    const double e = pow(10.0, expected_db / 20.0);
    ck_assert_msg(
      fabs(m - e) <= DEEP_ABS, "at %.2f Hz: measured %.3g, expected %.3g (linear)", f, m, e);
  }
}

// ---------------------------------------------------------------------------
// Configurations: what is set, and its analytic response

typedef struct {
  bool          on;
  MxBiquadSlope slope;
  float         hz;
} Pass;

typedef struct {
  bool         on;
  MxBiquadType type;
  float        hz;
  float        gain_db;
  float        q;
} Band;

typedef struct {
  Pass hpf;
  Band bands[MX_STRIP_EQ_BANDS];
  Pass lpf;
} Config;

static const Config configs[] = {
  // A vocal strip: all peaks and shelves, 12 dB high pass, 24 dB low pass
  { { true, MX_SLOPE_12_BUTTERWORTH, 80.0f },
    { { true, MX_BIQUAD_LOW_SHELF, 100.0f, 6.0f, 0.7071f },
      { true, MX_BIQUAD_PEAK, 500.0f, -4.0f, 1.5f },
      { true, MX_BIQUAD_PEAK, 2500.0f, 9.0f, 3.0f },
      { true, MX_BIQUAD_HIGH_SHELF, 8000.0f, -6.0f, 0.7071f } },
    { true, MX_SLOPE_24_BUTTERWORTH, 16000.0f } },
  // Every other band type, a Linkwitz-Riley high pass, low pass off
  { { true, MX_SLOPE_24_LINKWITZ_RILEY, 30.0f },
    { { true, MX_BIQUAD_NOTCH, 60.0f, 0.0f, 5.0f },
      { true, MX_BIQUAD_ALL_PASS, 800.0f, 0.0f, 1.0f },
      { true, MX_BIQUAD_BAND_PASS, 3000.0f, 0.0f, 0.3f },
      { true, MX_BIQUAD_LOW_PASS, 12000.0f, 0.0f, 0.7071f } },
    { false, MX_SLOPE_12_BUTTERWORTH, 18000.0f } },
  // Bands switched off keep no trace; a band high pass; 18 kHz low pass
  { { false, MX_SLOPE_24_BUTTERWORTH, 200.0f },
    { { false, MX_BIQUAD_PEAK, 100.0f, 12.0f, 2.0f },
      { true, MX_BIQUAD_HIGH_PASS, 40.0f, 0.0f, 0.7071f },
      { true, MX_BIQUAD_PEAK, 6000.0f, -24.0f, 20.0f },
      { false, MX_BIQUAD_HIGH_SHELF, 5000.0f, 10.0f, 0.7071f } },
    { true, MX_SLOPE_12_BUTTERWORTH, 18000.0f } },
};

enum { N_CONFIGS = sizeof(configs) / sizeof(configs[0]) };

// Set a configuration; `reversed` calls the setters in the opposite order,
// so that a setter disturbing another parameter shows in one order or other
static void
apply_in_order(MxStripEq* const eq, const Config* const c, const bool reversed)
{
  for (unsigned step = 0; step < 3; ++step) {
    const unsigned part = reversed ? 2 - step : step;
    if (part == 0) {
      const Pass* const p = &c->hpf;
      if (reversed) {
        ck_assert_int_eq(mx_strip_eq_set_hpf_freq_hz(eq, p->hz), MX_SUCCESS);
        ck_assert_int_eq(mx_strip_eq_set_hpf_slope(eq, p->slope), MX_SUCCESS);
        mx_strip_eq_set_hpf_enabled(eq, p->on);
      } else {
        mx_strip_eq_set_hpf_enabled(eq, p->on);
        ck_assert_int_eq(mx_strip_eq_set_hpf_slope(eq, p->slope), MX_SUCCESS);
        ck_assert_int_eq(mx_strip_eq_set_hpf_freq_hz(eq, p->hz), MX_SUCCESS);
      }
    } else if (part == 1) {
      for (unsigned b = 0; b < MX_STRIP_EQ_BANDS; ++b) {
        const Band* const band = &c->bands[b];
        if (reversed) {
          ck_assert_int_eq(mx_strip_eq_set_band_q(eq, b, band->q), MX_SUCCESS);
          ck_assert_int_eq(mx_strip_eq_set_band_gain_db(eq, b, band->gain_db), MX_SUCCESS);
          ck_assert_int_eq(mx_strip_eq_set_band_freq_hz(eq, b, band->hz), MX_SUCCESS);
          ck_assert_int_eq(mx_strip_eq_set_band_type(eq, b, band->type), MX_SUCCESS);
          ck_assert_int_eq(mx_strip_eq_set_band_enabled(eq, b, band->on), MX_SUCCESS);
        } else {
          ck_assert_int_eq(mx_strip_eq_set_band_enabled(eq, b, band->on), MX_SUCCESS);
          ck_assert_int_eq(mx_strip_eq_set_band_type(eq, b, band->type), MX_SUCCESS);
          ck_assert_int_eq(mx_strip_eq_set_band_freq_hz(eq, b, band->hz), MX_SUCCESS);
          ck_assert_int_eq(mx_strip_eq_set_band_gain_db(eq, b, band->gain_db), MX_SUCCESS);
          ck_assert_int_eq(mx_strip_eq_set_band_q(eq, b, band->q), MX_SUCCESS);
        }
      }
    } else {
      const Pass* const p = &c->lpf;
      if (reversed) {
        ck_assert_int_eq(mx_strip_eq_set_lpf_freq_hz(eq, p->hz), MX_SUCCESS);
        ck_assert_int_eq(mx_strip_eq_set_lpf_slope(eq, p->slope), MX_SUCCESS);
        mx_strip_eq_set_lpf_enabled(eq, p->on);
      } else {
        mx_strip_eq_set_lpf_enabled(eq, p->on);
        ck_assert_int_eq(mx_strip_eq_set_lpf_slope(eq, p->slope), MX_SUCCESS);
        ck_assert_int_eq(mx_strip_eq_set_lpf_freq_hz(eq, p->hz), MX_SUCCESS);
      }
    }
  }
}

static void
apply(MxStripEq* const eq, const Config* const c)
{
  apply_in_order(eq, c, false);
}

// The product of the sections' analytic responses, in dB a sum
static double
analytic_db(const Config* const c, const double f, const double rate)
{
  double db = 0.0;
  if (c->hpf.on) {
    db += mxt_analytic_pass_db(true, c->hpf.slope, (double)c->hpf.hz, f, rate);
  }
  for (unsigned b = 0; b < MX_STRIP_EQ_BANDS; ++b) {
    const Band* const band = &c->bands[b];
    if (band->on) {
      db += mxt_analytic_biquad_db(
        band->type, (double)band->hz, (double)band->q, (double)band->gain_db, f, rate);
    }
  }
  if (c->lpf.on) {
    db += mxt_analytic_pass_db(false, c->lpf.slope, (double)c->lpf.hz, f, rate);
  }
  return db;
}

static void
check_config_response(MxStripEq* const    eq,
                      const unsigned      channels,
                      const Config* const c,
                      const double        rate)
{
  const size_t n = measure_impulse(eq, channels);
  double       freqs[N_FREQS];
  mxt_log_frequencies(freqs, N_FREQS, 20.0, 0.45 * rate);
  for (unsigned k = 0; k < N_FREQS; ++k) {
    check_response(
      freqs[k], mxt_dtft_db(impulse, n, freqs[k], rate), analytic_db(c, freqs[k], rate));
  }
}

// ---------------------------------------------------------------------------
// Neutral

START_TEST(default_is_bit_exact)
{
  const double   rate     = mxt_rates[_i % 3];
  const unsigned channels = 1U + _i / 3;

  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, channels, rate), MX_SUCCESS);
  ck_assert(mx_strip_eq_is_settled(&eq));

  static float in[2][8192];
  static float out[2][8192];
  float*       bufs[2] = { out[0], out[1] };
  for (unsigned ch = 0; ch < channels; ++ch) {
    mxt_noise(in[ch], 8192, 1.0, 99U + ch);
    memcpy(out[ch], in[ch], sizeof(in[ch]));
  }
  run(&eq, bufs, channels, 8192);
  for (unsigned ch = 0; ch < channels; ++ch) {
    ck_assert_mem_eq(out[ch], in[ch], sizeof(in[ch]));
  }
}
END_TEST

// ---------------------------------------------------------------------------
// Responses

START_TEST(configured_response_is_product_of_sections)
{
  // _i enumerates configuration x rate x mono/stereo
  const Config* const c        = &configs[_i % N_CONFIGS];
  const double        rate     = mxt_rates[(_i / N_CONFIGS) % 3];
  const unsigned      channels = 1U + _i / (N_CONFIGS * 3);

  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, channels, rate), MX_SUCCESS);
  apply(&eq, c);
  settle_silently(&eq, channels);
  check_config_response(&eq, channels, c, rate);
}
END_TEST

START_TEST(rate_change_redesigns)
{
  // Configured at one rate, then moved to another
  const Config* const c    = &configs[0];
  const double        rate = mxt_rates[_i];

  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, 1U, mxt_rates[(_i + 1) % 3]), MX_SUCCESS);
  apply(&eq, c);
  ck_assert_int_eq(mx_strip_eq_set_rate(&eq, rate), MX_SUCCESS);
  ck_assert(mx_strip_eq_is_settled(&eq));
  check_config_response(&eq, 1U, c, rate);
}
END_TEST

START_TEST(low_pass_is_clamped_below_nyquist)
{
  // 18 kHz at 8 kHz: designed at 0.49 fs = 3920 Hz, which is what the
  // response must show
  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, 1U, 8000.0), MX_SUCCESS);
  mx_strip_eq_set_lpf_enabled(&eq, true);
  mx_strip_eq_reset(&eq);

  // Up to 0.48 fs, where a corner anywhere else would show: 3800 Hz is
  // -0.1 dB below a 3920 Hz corner, -12 dB below a 3600 Hz one
  const size_t n = measure_impulse(&eq, 1U);
  double       freqs[N_FREQS];
  mxt_log_frequencies(freqs, N_FREQS, 20.0, 0.48 * 8000.0);
  for (unsigned k = 0; k < N_FREQS; ++k) {
    check_response(freqs[k],
                   mxt_dtft_db(impulse, n, freqs[k], 8000.0),
                   mxt_analytic_pass_db(false, MX_SLOPE_12_BUTTERWORTH, 3920.0, freqs[k], 8000.0));
  }
}
END_TEST

// ---------------------------------------------------------------------------
// Smoothing

/*
  Click metric.  A 100 Hz sine (amplitude 0.5, -6 dBFS) runs through the EQ
  while a parameter changes, the change falling on a crest of the sine
  (where a naive change disturbs the filter memory most).  The output goes
  through a 4th order Butterworth high pass at 5 kHz, which takes the sine
  down by 136 dB; what is left is the broadband part of the change, which is
  what is heard as a click.  The metric is the peak of that residue from a
  block before the change to 100 ms after it.

  A smoothed change moves the sine's amplitude and phase over 20 ms, so its
  spectrum widens by about 1 / 20 ms = 50 Hz, nowhere near 5 kHz.  Measured
  residues, worst of the three rates: gain jump -92 dBFS, frequency jump
  -84, high pass on -116, type change -104, slope change -114, EQ off -124,
  band off -124, 0 dB peak to notch -116, gain reversed mid-ramp -92.  The
  naive change (a bare biquad redesigned at once on its running memory, a
  filter started from rest, or a hard bypass) measured -55, -36, -39, -47,
  -56, -0.4, -0.4, -59 and -45 dBFS.

  Bound: CLICK_BOUND = -70 dBFS (64 dB below the sine), between the two:
  every smoothed change stays at least 14 dB under it and every naive one at
  least 10 dB over it, which the test checks case by case - so the metric
  does tell a click from a glide.
*/
#define CLICK_BOUND 3.16e-4 // -70 dBFS
#define SINE_HZ 100.0
#define SINE_AMP 0.5

enum { CHANGE_AT = 19 * BLOCK, SIGNAL_LEN = 64 * BLOCK };

static double
click_residue(const float* const out, const size_t n, const double rate)
{
  MxBiquadCoeffs hp[MX_BIQUAD_MAX_SECTIONS];
  MxBiquadState  st[MX_BIQUAD_MAX_SECTIONS] = { { 0.0, 0.0 }, { 0.0, 0.0 } };
  unsigned       count                      = 0;
  ck_assert_int_eq(mx_biquad_design_pass(hp, &count, true, MX_SLOPE_24_BUTTERWORTH, 5000.0, rate),
                   MX_SUCCESS);

  static float residue[SIGNAL_LEN];
  memcpy(residue, out, n * sizeof(float));
  for (size_t i = 0; i < n; i += BLOCK) {
    mx_biquad_process_cascade(hp, st, count, residue + i, BLOCK);
  }

  // From a little before the change (the measuring filter's own start, at
  // the signal onset, has long decayed) to 100 ms after it
  const size_t from = CHANGE_AT - BLOCK;
  const size_t to   = CHANGE_AT + (size_t)(0.1 * rate);
  ck_assert_uint_le(to, n);
  return mxt_peak(residue + from, to - from);
}

// One click scenario: a start setting and a change, for the EQ and for a
// naive single biquad doing the same
typedef enum {
  JUMP_GAIN,     // peak at the sine, 0 -> +12 dB
  JUMP_FREQ,     // +12 dB peak swept 1 kHz -> 100 Hz, onto the sine
  HPF_ON,        // 24 dB/oct at 200 Hz switched on under the sine
  BAND_TYPE,     // +12 dB peak at 100 Hz becomes a notch at 100 Hz
  HPF_SLOPE,     // 12 -> 24 dB/oct at 150 Hz
  EQ_OFF,        // +12 dB peak at 100 Hz, then the whole EQ off
  BAND_OFF,      // +12 dB peak at 100 Hz switched off
  NEUTRAL_NOTCH, // a 0 dB (skipped) peak at 100 Hz becomes a notch
  REVERSE,       // 0 -> +12 dB, reversed to -12 dB two blocks later
  N_CHANGES
} Change;

// Second change of REVERSE, two blocks after the first
enum { REVERSE_AT = 2 * BLOCK };

static void
setup_eq(MxStripEq* const eq, const Change change, const double rate)
{
  ck_assert_int_eq(mx_strip_eq_init(eq, 1U, rate), MX_SUCCESS);
  mx_strip_eq_set_band_q(eq, 1U, 2.0f);
  switch (change) {
    case JUMP_GAIN:
    case NEUTRAL_NOTCH:
    case REVERSE:
      mx_strip_eq_set_band_freq_hz(eq, 1U, 100.0f);
      break;
    case JUMP_FREQ:
      mx_strip_eq_set_band_freq_hz(eq, 1U, 1000.0f);
      mx_strip_eq_set_band_gain_db(eq, 1U, 12.0f);
      break;
    case HPF_ON:
      mx_strip_eq_set_hpf_freq_hz(eq, 200.0f);
      mx_strip_eq_set_hpf_slope(eq, MX_SLOPE_24_BUTTERWORTH);
      break;
    case BAND_TYPE:
    case EQ_OFF:
    case BAND_OFF:
      mx_strip_eq_set_band_freq_hz(eq, 1U, 100.0f);
      mx_strip_eq_set_band_gain_db(eq, 1U, 12.0f);
      break;
    case HPF_SLOPE:
      mx_strip_eq_set_hpf_freq_hz(eq, 150.0f);
      mx_strip_eq_set_hpf_enabled(eq, true);
      break;
    case N_CHANGES:
      break;
  }
  mx_strip_eq_reset(eq);
}

static void
change_eq(MxStripEq* const eq, const Change change)
{
  switch (change) {
    case JUMP_GAIN:
    case REVERSE:
      mx_strip_eq_set_band_gain_db(eq, 1U, 12.0f);
      break;
    case JUMP_FREQ:
      mx_strip_eq_set_band_freq_hz(eq, 1U, 100.0f);
      break;
    case HPF_ON:
      mx_strip_eq_set_hpf_enabled(eq, true);
      break;
    case BAND_TYPE:
      mx_strip_eq_set_band_type(eq, 1U, MX_BIQUAD_NOTCH);
      break;
    case HPF_SLOPE:
      mx_strip_eq_set_hpf_slope(eq, MX_SLOPE_24_BUTTERWORTH);
      break;
    case EQ_OFF:
      mx_strip_eq_set_enabled(eq, false);
      break;
    case BAND_OFF:
      mx_strip_eq_set_band_enabled(eq, 1U, false);
      break;
    case NEUTRAL_NOTCH:
      mx_strip_eq_set_band_type(eq, 1U, MX_BIQUAD_NOTCH);
      break;
    case N_CHANGES:
      break;
  }
}

// The same change done naively on bare biquads: designs before and after
// (identity where a filter is off, and `late` after REVERSE_AT), the memory
// carried over
static void
naive_designs(const Change    change,
              const double    rate,
              MxBiquadCoeffs  before[MX_BIQUAD_MAX_SECTIONS],
              MxBiquadCoeffs  after[MX_BIQUAD_MAX_SECTIONS],
              MxBiquadCoeffs  late[MX_BIQUAD_MAX_SECTIONS],
              unsigned* const count)
{
  unsigned n = 1;
  *count     = 1;
  mx_biquad_identity(&before[0]);
  mx_biquad_identity(&before[1]);
  mx_biquad_identity(&after[0]);
  mx_biquad_identity(&after[1]);
  switch (change) {
    case JUMP_GAIN:
      mx_biquad_design(&after[0], MX_BIQUAD_PEAK, 100.0, 2.0, 12.0, rate);
      break;
    case JUMP_FREQ:
      mx_biquad_design(&before[0], MX_BIQUAD_PEAK, 1000.0, 2.0, 12.0, rate);
      mx_biquad_design(&after[0], MX_BIQUAD_PEAK, 100.0, 2.0, 12.0, rate);
      break;
    case HPF_ON:
      mx_biquad_design_pass(after, &n, true, MX_SLOPE_24_BUTTERWORTH, 200.0, rate);
      *count = 2;
      break;
    case BAND_TYPE:
      mx_biquad_design(&before[0], MX_BIQUAD_PEAK, 100.0, 2.0, 12.0, rate);
      mx_biquad_design(&after[0], MX_BIQUAD_NOTCH, 100.0, 2.0, 0.0, rate);
      break;
    case HPF_SLOPE:
      mx_biquad_design_pass(before, &n, true, MX_SLOPE_12_BUTTERWORTH, 150.0, rate);
      mx_biquad_design_pass(after, &n, true, MX_SLOPE_24_BUTTERWORTH, 150.0, rate);
      *count = 2;
      break;
    case EQ_OFF:
    case BAND_OFF:
      mx_biquad_design(&before[0], MX_BIQUAD_PEAK, 100.0, 2.0, 12.0, rate);
      break;
    case NEUTRAL_NOTCH:
      mx_biquad_design(&after[0], MX_BIQUAD_NOTCH, 100.0, 2.0, 0.0, rate);
      break;
    case REVERSE:
      mx_biquad_design(&after[0], MX_BIQUAD_PEAK, 100.0, 2.0, 12.0, rate);
      break;
    case N_CHANGES:
      break;
  }

  late[0] = after[0];
  late[1] = after[1];
  if (change == REVERSE) {
    mx_biquad_design(&late[0], MX_BIQUAD_PEAK, 100.0, 2.0, -12.0, rate);
  }
}

static float signal_buf[SIGNAL_LEN];

// The test sine, with a crest at CHANGE_AT
static void
crest_sine(const double rate)
{
  const double phase = 0.5 * M_PI - 2.0 * M_PI * SINE_HZ * CHANGE_AT / rate;
  mxt_sine(signal_buf, SIGNAL_LEN, SINE_HZ, rate, SINE_AMP, phase);
}

static double
eq_click(const Change change, const double rate)
{
  MxStripEq eq;
  setup_eq(&eq, change, rate);
  crest_sine(rate);
  run_mono(&eq, signal_buf, CHANGE_AT);
  change_eq(&eq, change);
  run_mono(&eq, signal_buf + CHANGE_AT, REVERSE_AT);
  if (change == REVERSE) {
    mx_strip_eq_set_band_gain_db(&eq, 1U, -12.0f); // mid-ramp
  }
  run_mono(&eq, signal_buf + CHANGE_AT + REVERSE_AT, SIGNAL_LEN - CHANGE_AT - REVERSE_AT);
  ck_assert(mx_strip_eq_is_settled(&eq));
  return click_residue(signal_buf, SIGNAL_LEN, rate);
}

static double
naive_click(const Change change, const double rate)
{
  MxBiquadCoeffs before[MX_BIQUAD_MAX_SECTIONS];
  MxBiquadCoeffs after[MX_BIQUAD_MAX_SECTIONS];
  MxBiquadCoeffs late[MX_BIQUAD_MAX_SECTIONS];
  MxBiquadState  st[MX_BIQUAD_MAX_SECTIONS] = { { 0.0, 0.0 }, { 0.0, 0.0 } };
  unsigned       count                      = 0;
  naive_designs(change, rate, before, after, late, &count);

  crest_sine(rate);
  for (size_t i = 0; i < SIGNAL_LEN; i += BLOCK) {
    if (i == CHANGE_AT && (change == EQ_OFF || change == BAND_OFF)) {
      st[0].z1 = st[0].z2 = 0.0; // a hard bypass
    }
    const MxBiquadCoeffs* const c = i < CHANGE_AT                ? before
                                    : i < CHANGE_AT + REVERSE_AT ? after
                                                                 : late;
    mx_biquad_process_cascade(c, st, count, signal_buf + i, BLOCK);
  }
  return click_residue(signal_buf, SIGNAL_LEN, rate);
}

START_TEST(changes_do_not_click)
{
  const Change change = (Change)(_i % N_CHANGES);
  const double rate   = mxt_rates[_i / N_CHANGES];

  const double smooth = eq_click(change, rate);
  const double naive  = naive_click(change, rate);
  ck_assert_msg(smooth <= CLICK_BOUND,
                "change %d at %.0f Hz: residue %.3g (%.1f dBFS) above %.3g",
                (int)change,
                rate,
                smooth,
                mxt_db(smooth),
                CLICK_BOUND);
  ck_assert_msg(naive > CLICK_BOUND,
                "change %d at %.0f Hz: naive residue %.3g (%.1f dBFS) should be above %.3g",
                (int)change,
                rate,
                naive,
                mxt_db(naive),
                CLICK_BOUND);
}
END_TEST

START_TEST(no_click_metric_without_change)
{
  // The metric's floor: the sine alone, through a flat EQ
  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, 1U, 48000.0), MX_SUCCESS);
  mxt_sine(signal_buf, SIGNAL_LEN, SINE_HZ, 48000.0, SINE_AMP, 0.0);
  run_mono(&eq, signal_buf, SIGNAL_LEN);
  ck_assert_double_le(click_residue(signal_buf, SIGNAL_LEN, 48000.0), 1e-6);
}
END_TEST

/*
  After a ramp the EQ runs on exactly the coefficients a direct setting
  gives: the impulse response of an EQ that ramped to a configuration under
  a signal equals, bit for bit once the signal's tail is gone, that of an EQ
  set to it at once (reset()), and the analytic response within 0.05 dB.
*/
START_TEST(ramp_settles_exactly)
{
  const Config* const c    = &configs[_i % N_CONFIGS];
  const double        rate = mxt_rates[_i / N_CONFIGS];

  MxStripEq ramped;
  ck_assert_int_eq(mx_strip_eq_init(&ramped, 1U, rate), MX_SUCCESS);
  static float noise[16384];
  mxt_noise(noise, 16384, 0.5, 31337U);
  run_mono(&ramped, noise, 4096);
  apply_in_order(&ramped, c, true);
  run_mono(&ramped, noise + 4096, 16384 - 4096);
  ck_assert(mx_strip_eq_is_settled(&ramped));

  // White box: every section's coefficients are exactly what the cookbook
  // design of the requested values gives (the frequency went through
  // logf/expf on the way, its ramp must not leave a rounding behind)
  for (unsigned b = 0; b < MX_STRIP_EQ_BANDS; ++b) {
    const Band* const band = &c->bands[b];
    if (band->on) {
      MxBiquadCoeffs expected;
      ck_assert_int_eq(
        mx_biquad_design(
          &expected, band->type, (double)band->hz, (double)band->q, (double)band->gain_db, rate),
        MX_SUCCESS);
      ck_assert_mem_eq(&ramped.sections[1 + b].coeffs[0], &expected, sizeof(expected));
    }
  }
  const Pass* const passes[2] = { &c->hpf, &c->lpf };
  for (unsigned p = 0; p < 2; ++p) {
    if (passes[p]->on) {
      MxBiquadCoeffs expected[MX_BIQUAD_MAX_SECTIONS];
      unsigned       count = 0;
      ck_assert_int_eq(mx_biquad_design_pass(
                         expected, &count, p == 0, passes[p]->slope, (double)passes[p]->hz, rate),
                       MX_SUCCESS);
      const MxStripEqSection* const s = &ramped.sections[p == 0 ? 0 : MX_STRIP_EQ_SECTIONS - 1];
      ck_assert_uint_eq(s->n, count);
      ck_assert_mem_eq(s->coeffs, expected, count * sizeof(MxBiquadCoeffs));
    }
  }

  // Let the noise die away in the filter memory: 2 s of silence
  for (unsigned i = 0; i < (unsigned)(2.0 * rate) / BLOCK; ++i) {
    float zeros[BLOCK] = { 0.0f };
    run_mono(&ramped, zeros, BLOCK);
  }

  MxStripEq direct;
  ck_assert_int_eq(mx_strip_eq_init(&direct, 1U, rate), MX_SUCCESS);
  apply(&direct, c);
  mx_strip_eq_reset(&direct);

  static float reference[MAX_LEN];
  const size_t n_ref = measure_impulse(&direct, 1U);
  memcpy(reference, impulse, n_ref * sizeof(float));
  const size_t n = measure_impulse(&ramped, 1U);
  ck_assert_uint_eq(n, n_ref);
  ck_assert_mem_eq(impulse, reference, n * sizeof(float));

  double freqs[N_FREQS];
  mxt_log_frequencies(freqs, N_FREQS, 20.0, 0.45 * rate);
  for (unsigned k = 0; k < N_FREQS; ++k) {
    check_response(
      freqs[k], mxt_dtft_db(impulse, n, freqs[k], rate), analytic_db(c, freqs[k], rate));
  }
}
END_TEST

// ---------------------------------------------------------------------------
// Stereo, bypass

START_TEST(stereo_channels_identical)
{
  const double rate = mxt_rates[_i];
  MxStripEq    eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, 2U, rate), MX_SUCCESS);

  static float left[32768];
  static float right[32768];
  float*       bufs[2] = { left, right };
  mxt_noise(left, 32768, 0.5, 2024U);
  memcpy(right, left, sizeof(left));

  // Settled, then ramping (a configuration applied mid-signal), then settled
  run(&eq, bufs, 2U, 4096);
  apply(&eq, &configs[0]);
  run(&eq, bufs, 2U, 32768 - 4096);
  ck_assert(mx_strip_eq_is_settled(&eq));
  ck_assert_mem_eq(left, right, sizeof(left));

  // ... and were filtered at all
  static float orig[32768];
  mxt_noise(orig, 32768, 0.5, 2024U);
  ck_assert(memcmp(left + 8192, orig + 8192, 8192 * sizeof(float)) != 0);

  // Different signals: swapping the inputs swaps the outputs exactly, so
  // neither channel sees the other's signal or state
  MxStripEq ab;
  MxStripEq ba;
  ck_assert_int_eq(mx_strip_eq_init(&ab, 2U, rate), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_init(&ba, 2U, rate), MX_SUCCESS);
  static float a[2][32768];
  static float b[2][32768];
  mxt_noise(a[0], 32768, 0.5, 11U);
  mxt_noise(a[1], 32768, 0.5, 12U);
  memcpy(b[0], a[1], sizeof(a[1]));
  memcpy(b[1], a[0], sizeof(a[0]));
  float* ab_bufs[2] = { a[0], a[1] };
  float* ba_bufs[2] = { b[0], b[1] };
  run(&ab, ab_bufs, 2U, 4096);
  run(&ba, ba_bufs, 2U, 4096);
  apply(&ab, &configs[1]);
  apply(&ba, &configs[1]);
  float* ab_rest[2] = { a[0] + 4096, a[1] + 4096 };
  float* ba_rest[2] = { b[0] + 4096, b[1] + 4096 };
  run(&ab, ab_rest, 2U, 32768 - 4096);
  run(&ba, ba_rest, 2U, 32768 - 4096);
  ck_assert_mem_eq(a[0], b[1], sizeof(a[0]));
  ck_assert_mem_eq(a[1], b[0], sizeof(a[1]));

  // A signal on the left only: the right stays exactly silent
  MxStripEq one;
  ck_assert_int_eq(mx_strip_eq_init(&one, 2U, rate), MX_SUCCESS);
  apply(&one, &configs[0]);
  mx_strip_eq_reset(&one);
  mxt_noise(a[0], 32768, 0.5, 13U);
  memset(a[1], 0, sizeof(a[1]));
  run(&one, ab_bufs, 2U, 32768);
  ck_assert_double_eq(mxt_peak(a[1], 32768), 0.0);
  ck_assert_double_gt(mxt_peak(a[0], 32768), 0.01);
}
END_TEST

START_TEST(band_off_returns_to_bit_exact)
{
  const double rate = mxt_rates[_i % 3];
  const bool   all  = _i >= 3; // the whole EQ instead of one band

  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, 1U, rate), MX_SUCCESS);
  apply(&eq, &configs[all ? 0 : 2]);
  mx_strip_eq_reset(&eq);

  static float buf[65536];
  static float ref[65536];
  mxt_noise(buf, 65536, 0.5, 555U);
  memcpy(ref, buf, sizeof(buf));

  run_mono(&eq, buf, 8192);
  ck_assert(memcmp(buf + 4096, ref + 4096, 4096 * sizeof(float)) != 0);
  if (all) {
    mx_strip_eq_set_enabled(&eq, false);
  } else {
    // Config 2 has one peak and two non-gain sections on: switch them off
    mx_strip_eq_set_band_enabled(&eq, 1U, false);
    mx_strip_eq_set_band_enabled(&eq, 2U, false);
    mx_strip_eq_set_lpf_enabled(&eq, false);
  }

  // Within the ramp and a short drain (the cut peak's memory falls below
  // -200 dBFS), the output is the input bit for bit
  run_mono(&eq, buf + 8192, 65536 - 8192);
  ck_assert(mx_strip_eq_is_settled(&eq));
  const size_t after = 8192 + (size_t)(0.1 * rate);
  ck_assert_mem_eq(buf + after, ref + after, (65536 - after) * sizeof(float));

  // White box: and no section is processed any more (a peak at 0 dB would
  // pass audio bit for bit too, but cost time)
  for (unsigned i = 0; i < MX_STRIP_EQ_SECTIONS; ++i) {
    ck_assert_msg(!eq.sections[i].active, "section %u still processed", i);
  }
}
END_TEST

// ---------------------------------------------------------------------------
// Validation

static void
check_unchanged(const MxStripEq* const eq, const MxStripEq* const before)
{
  ck_assert_mem_eq(eq, before, sizeof(*eq));
}

START_TEST(setters_reject_bad_values_unchanged)
{
  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, 2U, 48000.0), MX_SUCCESS);
  apply(&eq, &configs[0]);
  float  left[BLOCK]  = { 0.0f };
  float  right[BLOCK] = { 0.0f };
  float* bufs[2]      = { left, right };
  run(&eq, bufs, 2U, BLOCK); // mid-ramp

  MxStripEq before;
  memcpy(&before, &eq, sizeof(eq));

  const float bad_floats[] = { NAN, INFINITY, -INFINITY };
  for (unsigned i = 0; i < 3; ++i) {
    const float v = bad_floats[i];
    ck_assert_int_eq(mx_strip_eq_set_hpf_freq_hz(&eq, v), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_strip_eq_set_lpf_freq_hz(&eq, v), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_strip_eq_set_band_freq_hz(&eq, 0U, v), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_strip_eq_set_band_gain_db(&eq, 1U, v), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_strip_eq_set_band_q(&eq, 2U, v), MX_ERR_BAD_ARG);
    check_unchanged(&eq, &before);
  }

  ck_assert_int_eq(mx_strip_eq_set_hpf_freq_hz(&eq, 9.99f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_lpf_freq_hz(&eq, 40001.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_band_freq_hz(&eq, 3U, 5.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_band_gain_db(&eq, 0U, 24.01f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_band_gain_db(&eq, 0U, -24.01f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_band_q(&eq, 0U, 0.09f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_band_q(&eq, 0U, 20.01f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_hpf_slope(&eq, (MxBiquadSlope)MX_SLOPE_N), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_strip_eq_set_lpf_slope(&eq, (MxBiquadSlope)-1), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_strip_eq_set_band_type(&eq, 0U, (MxBiquadType)MX_BIQUAD_N_TYPES),
                   MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_strip_eq_set_band_type(&eq, 0U, (MxBiquadType)-1), MX_ERR_BAD_ARG);

  // Band index
  const unsigned bad_band = MX_STRIP_EQ_BANDS;
  ck_assert_int_eq(mx_strip_eq_set_band_enabled(&eq, bad_band, true), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_band_type(&eq, bad_band, MX_BIQUAD_PEAK), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_band_freq_hz(&eq, bad_band, 1000.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_band_gain_db(&eq, bad_band, 1.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_band_q(&eq, bad_band, 1.0f), MX_ERR_RANGE);

  // Rate
  ck_assert_int_eq(mx_strip_eq_set_rate(&eq, (double)NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_strip_eq_set_rate(&eq, HUGE_VAL), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_strip_eq_set_rate(&eq, 7999.0), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_set_rate(&eq, 384001.0), MX_ERR_RANGE);
  check_unchanged(&eq, &before);

  // The limits themselves are accepted
  ck_assert_int_eq(mx_strip_eq_set_band_freq_hz(&eq, 0U, MX_STRIP_EQ_MIN_HZ), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_band_freq_hz(&eq, 0U, MX_STRIP_EQ_MAX_HZ), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_band_gain_db(&eq, 0U, -MX_STRIP_EQ_MAX_GAIN_DB), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_band_q(&eq, 0U, MX_STRIP_EQ_MIN_Q), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_set_band_q(&eq, 0U, MX_STRIP_EQ_MAX_Q), MX_SUCCESS);
}
END_TEST

START_TEST(init_rejects_bad_channels_and_rate)
{
  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, 0U, 48000.0), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_init(&eq, 3U, 48000.0), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_init(&eq, 1U, 1000.0), MX_ERR_RANGE);
  ck_assert_int_eq(mx_strip_eq_init(&eq, 1U, (double)NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_strip_eq_init(&eq, 1U, HUGE_VAL), MX_ERR_BAD_ARG);
}
END_TEST

// ---------------------------------------------------------------------------
// Non-finite input

START_TEST(nan_input_recovers_next_block)
{
  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, 2U, 48000.0), MX_SUCCESS);
  apply(&eq, &configs[0]);
  if (_i == 1) {
    mx_strip_eq_reset(&eq); // settled path, else ramping
  }

  static float left[BLOCK * 8];
  static float right[BLOCK * 8];
  float*       bufs[2] = { left, right };
  mxt_noise(left, BLOCK * 8, 0.5, 7U);
  mxt_noise(right, BLOCK * 8, 0.5, 8U);
  left[BLOCK + 10]  = NAN;
  right[BLOCK + 20] = INFINITY;
  run(&eq, bufs, 2U, BLOCK * 8);

  for (unsigned i = 2 * BLOCK; i < BLOCK * 8; ++i) {
    ck_assert(isfinite(left[i]) && isfinite(right[i]));
  }
  ck_assert_double_gt(mxt_peak(left + 2 * BLOCK, 6 * BLOCK), 0.01);
}
END_TEST

// The bank tests below: settled EQs of configs[0] run as a bank (`eq`, on
// `banked`) and one by one (`solo`, on `alone`)
enum { BANK_LANES = 4 };

typedef struct {
  MxStripEq eq[BANK_LANES];
  MxStripEq solo[BANK_LANES];
  float*    banked[BANK_LANES];
  float*    alone[BANK_LANES];
} Bank;

// Lane k's buffers `len` samples apart from `banked` and `alone` on, the
// banked ones noise from `seed` (the caller copies them to `alone`)
static void
bank_set_up(Bank* const    bank,
            float* const   banked,
            float* const   alone,
            const size_t   len,
            const uint32_t seed)
{
  for (unsigned k = 0U; k < BANK_LANES; ++k) {
    ck_assert_int_eq(mx_strip_eq_init(&bank->eq[k], 1U, 48000.0), MX_SUCCESS);
    ck_assert_int_eq(mx_strip_eq_init(&bank->solo[k], 1U, 48000.0), MX_SUCCESS);
    apply(&bank->eq[k], &configs[0]);
    apply(&bank->solo[k], &configs[0]);
    mx_strip_eq_reset(&bank->eq[k]); // Settled: the bank's path
    mx_strip_eq_reset(&bank->solo[k]);
    bank->banked[k] = banked + k * len;
    bank->alone[k]  = alone + k * len;
    mxt_noise(bank->banked[k], len, 0.5, seed + k);
  }
}

// One BLOCK from sample `at` of every lane, through the bank and one by one
static void
bank_run_block(Bank* const bank, const size_t at)
{
  MxStripEq* eqs[BANK_LANES];
  float*     bufs[BANK_LANES];
  for (unsigned k = 0U; k < BANK_LANES; ++k) {
    eqs[k]       = &bank->eq[k];
    bufs[k]      = bank->banked[k] + at;
    float* ch[1] = { bank->alone[k] + at };
    mx_strip_eq_process_hpf(&bank->solo[k], ch, BLOCK);
    mx_strip_eq_process_bands(&bank->solo[k], ch, BLOCK);
  }
  mx_strip_eq_process_hpf_bank(eqs, bufs, BANK_LANES, BLOCK);
  mx_strip_eq_process_bands_bank(eqs, bufs, BANK_LANES, BLOCK);
}

// A peak switched off in one lane of a settled bank glides to 0 dB and is
// dropped once its memory has drained, as alone (the bank tidies only
// while a section waits for that): lane 2's band 1 (500 Hz) is switched
// off, the others stay on; every lane gives what it gives alone, and the
// section is dropped in both
START_TEST(bank_drops_a_drained_peak)
{
  enum { BLOCKS = 64, LEN = BLOCK * BLOCKS, OFF_AT = 4, DROPPED = 2 };
  static float banked[BANK_LANES][LEN];
  static float alone[BANK_LANES][LEN];
  static Bank  bank;
  bank_set_up(&bank, banked[0], alone[0], LEN, 40U);
  memcpy(alone, banked, sizeof(alone));

  const unsigned section = 2U; // Band 1: after the high pass and band 0
  for (unsigned blk = 0U; blk < BLOCKS; ++blk) {
    if (blk == OFF_AT) {
      mx_strip_eq_set_band_enabled(&bank.eq[DROPPED], 1U, false);
      mx_strip_eq_set_band_enabled(&bank.solo[DROPPED], 1U, false);
    }
    bank_run_block(&bank, (size_t)blk * BLOCK);
  }

  ck_assert(!bank.solo[DROPPED].sections[section].active);
  ck_assert(!bank.eq[DROPPED].sections[section].active);
  for (unsigned k = 0U; k < BANK_LANES; ++k) {
    mxt_assert_same_samples(banked[k], alone[k], LEN);
    ck_assert(bank.eq[k].sections[section].active == (k != DROPPED));
  }
}
END_TEST

// A NaN in one lane of a settled bank: that EQ recovers the next block (the
// bank's own check of its memory finds it), and the other lanes give what
// they give alone, bit for bit
START_TEST(bank_lane_recovers_from_nan)
{
  enum { LEN = BLOCK * 8 };
  static float banked[BANK_LANES][LEN];
  static float alone[BANK_LANES][LEN];
  static Bank  bank;
  bank_set_up(&bank, banked[0], alone[0], LEN, 30U);
  banked[1][BLOCK + 10] = NAN;
  memcpy(alone, banked, sizeof(alone));

  for (size_t i = 0U; i < LEN; i += BLOCK) {
    bank_run_block(&bank, i);
  }

  for (unsigned i = 2U * BLOCK; i < LEN; ++i) {
    ck_assert(isfinite(banked[1][i]));
  }
  ck_assert_double_gt(mxt_peak(banked[1] + 2 * BLOCK, 6 * BLOCK), 0.01);
  for (unsigned k = 0U; k < BANK_LANES; ++k) {
    if (k != 1U) {
      mxt_assert_same_samples(banked[k], alone[k], LEN);
    }
  }
}
END_TEST

// ---------------------------------------------------------------------------
// The two parts: high pass, then bands and low pass

enum { PART_LEN = 32768, PART_SWITCH = 8192 };

// Process `n` samples of each channel, in blocks, through the high pass
// then the bands (as a strip does, around its gate) or the whole EQ at once
static void
run_parts(MxStripEq* const eq, float* const* const bufs, const unsigned channels, const size_t n)
{
  for (size_t i = 0; i < n; i += BLOCK) {
    float* blocks[MX_STRIP_EQ_MAX_CHANNELS];
    for (unsigned ch = 0; ch < channels; ++ch) {
      blocks[ch] = bufs[ch] + i;
    }
    const uint32_t len = (uint32_t)(n - i < BLOCK ? n - i : BLOCK);
    mx_strip_eq_process_hpf(eq, blocks, len);
    mx_strip_eq_process_bands(eq, blocks, len);
  }
}

/*
  mx_strip_eq_process() is the high pass then the bands, bit for bit:
  settled, while a configuration ramps in mid-signal (every section glides,
  crossfades or changes shape), and settled again on the next one.
*/
START_TEST(hpf_then_bands_is_process)
{
  const unsigned      channels = 1U + (unsigned)(_i % 2);
  const Config* const first    = &configs[(_i / 2) % N_CONFIGS];
  const Config* const second   = &configs[(_i / 2 + 1U) % N_CONFIGS];

  MxStripEq whole;
  MxStripEq split;
  ck_assert_int_eq(mx_strip_eq_init(&whole, channels, 48000.0), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_init(&split, channels, 48000.0), MX_SUCCESS);

  static float a[2][PART_LEN];
  static float b[2][PART_LEN];
  mxt_noise(a[0], PART_LEN, 0.5, 31U);
  mxt_noise(a[1], PART_LEN, 0.5, 32U);
  memcpy(b, a, sizeof(a));
  float* whole_bufs[2] = { a[0], a[1] };
  float* split_bufs[2] = { b[0], b[1] };

  apply(&whole, first);
  apply(&split, first);
  mx_strip_eq_reset(&whole);
  mx_strip_eq_reset(&split);
  run(&whole, whole_bufs, channels, PART_SWITCH);
  run_parts(&split, split_bufs, channels, PART_SWITCH);

  apply(&whole, second);
  apply(&split, second);
  float* whole_rest[2] = { a[0] + PART_SWITCH, a[1] + PART_SWITCH };
  float* split_rest[2] = { b[0] + PART_SWITCH, b[1] + PART_SWITCH };
  run(&whole, whole_rest, channels, PART_LEN - PART_SWITCH);
  run_parts(&split, split_rest, channels, PART_LEN - PART_SWITCH);
  ck_assert(mx_strip_eq_is_settled(&whole));
  ck_assert(mx_strip_eq_is_settled(&split));

  for (unsigned ch = 0; ch < channels; ++ch) {
    mxt_assert_same_samples(b[ch], a[ch], PART_LEN);
  }
}
END_TEST

/*
  Each part runs its own sections only: the high pass alone gives what the
  whole EQ gives with every band and the low pass off, and the bands alone
  what it gives with the high pass off, bit for bit.
*/
START_TEST(each_part_runs_only_its_sections)
{
  Config hpf_only = configs[_i];
  Config no_hpf   = configs[_i];
  for (unsigned b = 0; b < MX_STRIP_EQ_BANDS; ++b) {
    hpf_only.bands[b].on = false;
  }
  hpf_only.lpf.on = false;
  no_hpf.hpf.on   = false;

  MxStripEq full;
  MxStripEq high;
  MxStripEq bands;
  ck_assert_int_eq(mx_strip_eq_init(&full, 1U, 48000.0), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_init(&high, 1U, 48000.0), MX_SUCCESS);
  ck_assert_int_eq(mx_strip_eq_init(&bands, 1U, 48000.0), MX_SUCCESS);
  apply(&full, &configs[_i]);
  apply(&high, &hpf_only);
  apply(&bands, &no_hpf);
  mx_strip_eq_reset(&full);
  mx_strip_eq_reset(&high);
  mx_strip_eq_reset(&bands);

  static float x[PART_LEN];
  static float y[PART_LEN];
  mxt_noise(x, PART_LEN, 0.5, 33U);
  memcpy(y, x, sizeof(x));
  for (size_t i = 0; i < PART_LEN; i += BLOCK) {
    float* const xb = x + i;
    float* const yb = y + i;
    mx_strip_eq_process_hpf(&full, &xb, BLOCK);
    mx_strip_eq_process(&high, &yb, BLOCK);
  }
  mxt_assert_same_samples(x, y, PART_LEN);

  mxt_noise(x, PART_LEN, 0.5, 34U);
  memcpy(y, x, sizeof(x));
  for (size_t i = 0; i < PART_LEN; i += BLOCK) {
    float* const xb = x + i;
    float* const yb = y + i;
    mx_strip_eq_process_bands(&full, &xb, BLOCK);
    mx_strip_eq_process(&bands, &yb, BLOCK);
  }
  mxt_assert_same_samples(x, y, PART_LEN);
}
END_TEST

/*
  A copy by assignment carries on exactly where the original was, in the
  middle of a ramp too (a strip's EQ order crossfade relies on it).
*/
START_TEST(copy_carries_on_exactly)
{
  MxStripEq eq;
  ck_assert_int_eq(mx_strip_eq_init(&eq, 2U, 48000.0), MX_SUCCESS);
  static float a[2][PART_LEN];
  static float b[2][PART_LEN];
  mxt_noise(a[0], PART_LEN, 0.5, 35U);
  mxt_noise(a[1], PART_LEN, 0.5, 36U);
  float* bufs[2] = { a[0], a[1] };
  apply(&eq, &configs[_i]);
  run(&eq, bufs, 2U, 2U * BLOCK);
  ck_assert(!mx_strip_eq_is_settled(&eq));

  MxStripEq copy = eq;
  memcpy(b, a, sizeof(a));
  float* rest_a[2] = { a[0] + 2 * BLOCK, a[1] + 2 * BLOCK };
  float* rest_b[2] = { b[0] + 2 * BLOCK, b[1] + 2 * BLOCK };
  run(&eq, rest_a, 2U, PART_LEN - 2U * BLOCK);
  run(&copy, rest_b, 2U, PART_LEN - 2U * BLOCK);
  mxt_assert_same_samples(b[0], a[0], PART_LEN);
  mxt_assert_same_samples(b[1], a[1], PART_LEN);
}
END_TEST

static Suite*
strip_eq_suite(void)
{
  Suite* const s = suite_create("strip_eq");

  TCase* const neutral = tcase_create("neutral");
  tcase_add_loop_test(neutral, default_is_bit_exact, 0, 6);
  suite_add_tcase(s, neutral);

  TCase* const response = tcase_create("response");
  tcase_set_timeout(response, 30);
  tcase_add_loop_test(response, configured_response_is_product_of_sections, 0, N_CONFIGS * 3 * 2);
  tcase_add_loop_test(response, rate_change_redesigns, 0, 3);
  tcase_add_test(response, low_pass_is_clamped_below_nyquist);
  suite_add_tcase(s, response);

  TCase* const smoothing = tcase_create("smoothing");
  tcase_set_timeout(smoothing, 30);
  tcase_add_loop_test(smoothing, changes_do_not_click, 0, N_CHANGES * 3);
  tcase_add_test(smoothing, no_click_metric_without_change);
  tcase_add_loop_test(smoothing, ramp_settles_exactly, 0, N_CONFIGS * 3);
  suite_add_tcase(s, smoothing);

  TCase* const bypass = tcase_create("stereo_and_bypass");
  tcase_add_loop_test(bypass, stereo_channels_identical, 0, 3);
  tcase_add_loop_test(bypass, band_off_returns_to_bit_exact, 0, 6);
  suite_add_tcase(s, bypass);

  TCase* const split = tcase_create("parts");
  tcase_add_loop_test(split, hpf_then_bands_is_process, 0, N_CONFIGS * 2);
  tcase_add_loop_test(split, each_part_runs_only_its_sections, 0, N_CONFIGS);
  tcase_add_loop_test(split, copy_carries_on_exactly, 0, N_CONFIGS);
  suite_add_tcase(s, split);

  TCase* const validation = tcase_create("validation");
  tcase_add_test(validation, setters_reject_bad_values_unchanged);
  tcase_add_test(validation, init_rejects_bad_channels_and_rate);
  suite_add_tcase(s, validation);

  TCase* const robustness = tcase_create("non_finite_recovery");
  tcase_add_loop_test(robustness, nan_input_recovers_next_block, 0, 2);
  tcase_add_test(robustness, bank_lane_recovers_from_nan);
  tcase_add_test(robustness, bank_drops_a_drained_peak);
  suite_add_tcase(s, robustness);
  return s;
}

int
main(void)
{
  return mxt_run_suite(strip_eq_suite());
}
