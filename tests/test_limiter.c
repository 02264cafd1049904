// SPDX-License-Identifier: GPL-3.0-or-later

#include "limiter.h"
#include "smooth.h"
#include "testutil.h"
#include "true_peak.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 256 };

/// Bound on the output's true peak above the ceiling, dB (the brief's)
#define OVER_CEILING_DB 0.1

/*
  Independent true-peak reference, sharing nothing with true_peak.c: 32x
  oversampling by direct evaluation of a Kaiser-windowed sinc (half-length
  REF_TAPS = 48 taps, beta 9, each phase normalised to unity DC gain).
  Computed offline, its amplitude and phase error is below 0.0006 dB up to
  0.47 fs, and 32 points per sample miss a crest by at most
  1 - cos(pi * 0.47 / 32) = 0.0009 dB; so within 0.002 dB of the ideal
  band-limited peak for content up to 0.47 fs.
*/
enum { REF_PHASES = 32, REF_TAPS = 48 };

static double ref_coeffs[REF_PHASES][2 * REF_TAPS];

// Modified Bessel function of the first kind, order 0, by its power series
static double
bessel_i0(const double x)
{
  double sum  = 1.0;
  double term = 1.0;
  for (int k = 1; k < 100 && term > 1e-17 * sum; ++k) {
    term *= (x / (2.0 * k)) * (x / (2.0 * k));
    sum += term;
  }
  return sum;
}

// Kaiser window of half-length `half` at offset u (Kaiser 1974)
static double
kaiser(const double u, const double half, const double beta)
{
  const double r = u / half;
  return fabs(r) >= 1.0 ? 0.0 : bessel_i0(beta * sqrt(1.0 - r * r)) / bessel_i0(beta);
}

static double
sinc(const double x)
{
  return x == 0.0 ? 1.0 : sin(M_PI * x) / (M_PI * x);
}

static void
ref_init(void)
{
  for (int q = 0; q < REF_PHASES; ++q) {
    double sum = 0.0;
    for (int j = -REF_TAPS + 1; j <= REF_TAPS; ++j) {
      const double u                  = j - (double)q / REF_PHASES;
      ref_coeffs[q][j + REF_TAPS - 1] = sinc(u) * kaiser(u, REF_TAPS, 9.0);
      sum += ref_coeffs[q][j + REF_TAPS - 1];
    }
    for (int j = 0; j < 2 * REF_TAPS; ++j) {
      ref_coeffs[q][j] /= sum;
    }
  }
}

// Reference true peak of y[from .. to), the samples around them included
static double
ref_true_peak(const float* const y, const size_t from, const size_t to)
{
  double peak = 0.0;
  for (size_t m = from; m < to; ++m) {
    peak = fmax(peak, fabs((double)y[m]));
    for (int q = 1; q < REF_PHASES; ++q) {
      double acc = 0.0;
      for (int j = -REF_TAPS + 1; j <= REF_TAPS; ++j) {
        acc += ref_coeffs[q][j + REF_TAPS - 1] * (double)y[(ptrdiff_t)m + j];
      }
      peak = fmax(peak, fabs(acc));
    }
  }
  return peak;
}

/*
  Low-pass `x` in place at `cutoff` (fraction of the rate) with a 97-tap
  Kaiser-windowed sinc (beta 8): flat to 0.40 fs, stop band from 0.46 fs.
  Test material goes through it so that its content stays where a finite
  interpolator can tell its true peak (see limiter.h).
*/
static void
lowpass(float* const x, const size_t n, const double cutoff)
{
  enum { HALF = 48 };
  double h[2 * HALF + 1];
  double sum = 0.0;
  for (int j = -HALF; j <= HALF; ++j) {
    h[j + HALF] = sinc(2.0 * cutoff * j) * kaiser(j, HALF + 1, 8.0);
    sum += h[j + HALF];
  }

  float* const y = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(y);
  for (size_t i = 0; i < n; ++i) {
    double acc = 0.0;
    for (int j = -HALF; j <= HALF; ++j) {
      const ptrdiff_t k = (ptrdiff_t)i - j;
      if (k >= 0 && (size_t)k < n) {
        acc += h[j + HALF] * (double)x[k];
      }
    }
    y[i] = (float)(acc / sum);
  }
  memcpy(x, y, n * sizeof(float));
  free(y);
}

// Run `n` samples of each of the `channels` buffers through the limiter in
// blocks of `block`
static void
run(MxLimiter* const    lim,
    float* const* const bufs,
    const uint32_t      channels,
    const size_t        n,
    const size_t        block)
{
  ck_assert_uint_eq(channels, mx_limiter_get_channels(lim));
  ck_assert_uint_le(channels, MX_LIMITER_MAX_CHANNELS);
  for (size_t i = 0; i < n; i += block) {
    float* chunk[MX_LIMITER_MAX_CHANNELS] = { NULL, NULL };
    for (uint32_t c = 0; c < channels && c < MX_LIMITER_MAX_CHANNELS; ++c) {
      chunk[c] = bufs[c] + i;
    }
    mx_limiter_process(lim, chunk, (uint32_t)(n - i < block ? n - i : block));
  }
}

// Largest |y| of n samples, infinity if any is NaN or infinite
static double
finite_peak(const float* const y, const size_t n)
{
  double peak = 0.0;
  for (size_t i = 0; i < n; ++i) {
    peak = isfinite(y[i]) ? fmax(peak, fabs((double)y[i])) : INFINITY;
  }
  return peak;
}

/// Number of buffers in an array of channel buffers
#define CHANNELS(bufs) ((uint32_t)(sizeof(bufs) / sizeof((bufs)[0])))

static MxLimiter*
make_limiter(const uint32_t channels, const double rate, const float ceiling_db)
{
  MxLimiter* const lim = mx_limiter_new(channels, rate, MX_LIMITER_DEFAULT_LOOKAHEAD_MS);
  ck_assert_ptr_nonnull(lim);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, ceiling_db), MX_SUCCESS);
  mx_limiter_reset(lim); // start on the ceiling, not gliding to it
  return lim;
}

// Hot test material, enumerated for the loop tests
typedef enum {
  QUARTER_SINE, ///< fs/4 at 45 degrees, +6 dBTP, samples at +3 dBFS
  HOT_NOISE,    ///< mxt_noise at amplitude 2.0, band-limited to 0.43 fs
  CLIPPED,      ///< 997 Hz sine at +18 dB clipped to +-2.0 (+6 dBFS), band-limited
  IMPULSES,     ///< Lone samples of +-2.0 (+6 dBTP) every 997 samples
  N_MATERIALS,
} Material;

static void
make_material(const Material m, float* const x, const size_t n, const double rate)
{
  switch (m) {
    case QUARTER_SINE:
      mxt_sine(x, n, rate / 4.0, rate, 2.0, M_PI / 4.0);
      break;
    case HOT_NOISE:
      mxt_noise(x, n, 2.0, 1234U);
      lowpass(x, n, 0.43);
      break;
    case CLIPPED:
      mxt_sine(x, n, 997.0, rate, 8.0, 0.0);
      for (size_t i = 0; i < n; ++i) {
        x[i] = fmaxf(-2.0f, fminf(2.0f, x[i]));
      }
      lowpass(x, n, 0.43);
      break;
    case IMPULSES:
      // The true peak of a lone sample is the sample (its reconstruction is
      // a sinc), so the gain must be fully down on that very sample: the
      // case that shows a look-ahead misaligned by a sample
      memset(x, 0, n * sizeof(float));
      for (size_t i = 100; i < n; i += 997) {
        x[i] = i % 2 ? 2.0f : -2.0f;
      }
      break;
    default:
      break;
  }
}

/*
  The guarantee: whatever the input's inter-sample peaks, the output's true
  peak, measured by the independent reference, stays within
  OVER_CEILING_DB of the ceiling; and the limiter is not needlessly deep:
  the output comes within 0.3 dB of the ceiling (all material is 6 dB or
  more over it).  3 rates x 2 ceilings x 3 materials.
*/
static const float ceilings_db[] = { -1.0f, -3.0f };

START_TEST(output_true_peak_stays_under_ceiling)
{
  const double   rate     = mxt_rates[_i % 3];
  const float    ceiling  = ceilings_db[(_i / 3) % 2];
  const Material material = (Material)(_i / 6);
  const size_t   n        = (size_t)(0.25 * rate);

  float* const x = (float*)malloc(n * sizeof(float));
  float* const y = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_nonnull(y);
  make_material(material, x, n, rate);
  memcpy(y, x, n * sizeof(float));

  MxLimiter* const lim     = make_limiter(1U, rate, ceiling);
  float*           bufs[1] = { y };
  run(lim, bufs, CHANNELS(bufs), n, BLOCK);
  mx_limiter_free(lim);

  ref_init();
  const double in_db  = mxt_db(ref_true_peak(x, REF_TAPS, n - REF_TAPS));
  const double out_db = mxt_db(ref_true_peak(y, REF_TAPS, n - REF_TAPS));
  ck_assert_double_ge(in_db, ceiling + 6.0);
  ck_assert_double_le(out_db, ceiling + OVER_CEILING_DB);
  ck_assert_double_ge(out_db, ceiling - 0.3);

  // Exact on the samples themselves: the detector's estimate of a sample
  // is at least the sample (its oversampled point is the sample), and the
  // look-ahead is aligned so that the gain on it is fully down, so no
  // output sample exceeds the ceiling by more than float rounding (1e-5)
  ck_assert_double_le(mxt_peak(y, n), pow(10.0, ceiling / 20.0) * (1.0 + 1e-5));
  free(y);
  free(x);
}
END_TEST

/*
  A documented limit, not a guarantee: full-band white noise has 10% of its
  power above 0.45 fs, where no short interpolator (the limiter's, the
  Annex 2 example's, a DAC's) agrees with a long one on where the true peak
  is.  Measured about 0.42 dB over the ceiling at most; asserted below
  0.6 dB, so that a regression that makes it worse still shows.
*/
START_TEST(full_band_noise_stays_near_ceiling)
{
  const double rate = mxt_rates[_i];
  const size_t n    = (size_t)(0.25 * rate);

  float* const y = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(y);
  mxt_noise(y, n, 2.0, 1234U);

  MxLimiter* const lim     = make_limiter(1U, rate, -1.0f);
  float*           bufs[1] = { y };
  run(lim, bufs, CHANNELS(bufs), n, BLOCK);
  mx_limiter_free(lim);

  ref_init();
  ck_assert_double_le(mxt_db(ref_true_peak(y, REF_TAPS, n - REF_TAPS)), -1.0 + 0.6);
  free(y);
}
END_TEST

/*
  Below the ceiling the limiter is a pure delay: out[n + latency] == in[n]
  bit for bit, and nothing is reported as reduction.  Material: a 997 Hz
  sine at 0.7 (true peak -3.1 dBTP), fs/4 at 45 degrees with true peak 0.8
  (-1.9 dBTP, its samples at -4.9 dBFS), band-limited noise at amplitude
  0.3.  Ceiling -1 dBTP (0.891).
*/
START_TEST(below_ceiling_is_bit_transparent)
{
  const double rate = mxt_rates[_i % 3];
  const size_t n    = (size_t)(0.2 * rate);

  float* const x = (float*)malloc(n * sizeof(float));
  float* const y = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_nonnull(y);
  switch (_i / 3) {
    case 0:
      mxt_sine(x, n, 997.0, rate, 0.7, 0.0);
      break;
    case 1:
      mxt_sine(x, n, rate / 4.0, rate, 0.8, M_PI / 4.0);
      break;
    default:
      mxt_noise(x, n, 0.3, 99U);
      lowpass(x, n, 0.43);
      break;
  }
  memcpy(y, x, n * sizeof(float));

  MxLimiter* const lim     = make_limiter(1U, rate, -1.0f);
  const uint32_t   latency = mx_limiter_get_latency(lim);
  float*           bufs[1] = { y };
  run(lim, bufs, CHANNELS(bufs), n, BLOCK);

  ck_assert_double_eq(finite_peak(y, latency), 0.0);
  mxt_assert_same_samples(y + latency, x, n - latency);
  ck_assert_float_eq(mx_limiter_read_reset_max_reduction_db(lim), 0.0f);
  ck_assert_float_eq(mx_limiter_get_reduction_db(lim), 0.0f);

  mx_limiter_free(lim);
  free(y);
  free(x);
}
END_TEST

/*
  An impulse below the ceiling comes out, unchanged, exactly
  mx_limiter_get_latency() samples later, for any look-ahead; the latency
  includes the look-ahead.
*/
static const float lookaheads_ms[] = { 0.5f, 1.5f, 5.0f };

START_TEST(impulse_delay_is_the_latency)
{
  const double rate      = mxt_rates[_i % 3];
  const float  lookahead = lookaheads_ms[_i / 3];
  enum { N = 4096, AT = 300 };

  MxLimiter* const lim = mx_limiter_new(2U, rate, lookahead);
  ck_assert_ptr_nonnull(lim);
  const uint32_t latency = mx_limiter_get_latency(lim);
  ck_assert_uint_ge(latency, (uint32_t)floor(lookahead * 0.001 * rate));
  ck_assert_uint_lt(latency, N - AT);

  static float left[N];
  static float right[N];
  memset(left, 0, sizeof(left));
  memset(right, 0, sizeof(right));
  left[AT]       = 0.5f;
  right[AT + 7]  = -0.25f;
  float* bufs[2] = { left, right };
  run(lim, bufs, CHANNELS(bufs), N, 100);

  mxt_assert_impulse(left, N, AT + latency, 0.5f);
  mxt_assert_impulse(right, N, AT + 7 + latency, -0.25f);
  mx_limiter_free(lim);
}
END_TEST

/*
  Gain trace through a probe: one channel carries a constant 0.01, far
  below any ceiling, so (stereo-linked) it comes out as exactly 0.01 times
  the gain applied to the other.  gain[i] = probe_out[i] / 0.01.
*/
static void
gain_trace(const float* const probe_out, float* const gain, const size_t n)
{
  for (size_t i = 0; i < n; ++i) {
    gain[i] = probe_out[i] / 0.01f;
  }
}

/*
  Off, the limiter is the same delay, bit for bit, however hot the input.
  Switched off while reducing, the gain glides back to 1 along a linear
  ramp of MX_SMOOTH_DEFAULT_MS (steps no larger than the reduction in force
  divided by the ramp's length, +1%), and from then on the output is the
  delayed input exactly; the latency never changes.  Channel 1 is a probe
  (see gain_trace()).
*/
START_TEST(bypass_keeps_latency_bit_exact)
{
  const double rate = mxt_rates[_i];
  const size_t n    = (size_t)(0.3 * rate);

  float* const x = (float*)malloc(2 * n * sizeof(float));
  float* const y = (float*)malloc(2 * n * sizeof(float));
  float* const g = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_nonnull(y);
  ck_assert_ptr_nonnull(g);
  mxt_noise(x, n, 2.0, 777U);
  for (size_t i = 0; i < n; ++i) {
    x[n + i] = 0.01f;
  }

  // Off from the start
  MxLimiter* const lim     = make_limiter(2U, rate, -1.0f);
  const uint32_t   latency = mx_limiter_get_latency(lim);
  mx_limiter_set_enabled(lim, false);
  ck_assert(!mx_limiter_get_enabled(lim));
  memcpy(y, x, 2 * n * sizeof(float));
  float* bufs[2] = { y, y + n };
  run(lim, bufs, CHANNELS(bufs), n, BLOCK);
  mxt_assert_same_samples(y + latency, x, n - latency);
  mxt_assert_same_samples(y + n + latency, x + n, n - latency);

  // On (reducing hard), then off after 0.1 s
  mx_limiter_set_enabled(lim, true);
  memcpy(y, x, 2 * n * sizeof(float));
  const size_t switch_at = (size_t)(0.1 * rate) / BLOCK * BLOCK;
  run(lim, bufs, CHANNELS(bufs), switch_at, BLOCK);
  const float reduction = mx_limiter_get_reduction_db(lim);
  ck_assert_float_gt(reduction, 3.0f);
  mx_limiter_set_enabled(lim, false);
  float* rest[2] = { y + switch_at, y + n + switch_at };
  run(lim, rest, CHANNELS(rest), n - switch_at, BLOCK);
  ck_assert_uint_eq(mx_limiter_get_latency(lim), latency);
  ck_assert_float_eq(mx_limiter_get_reduction_db(lim), 0.0f);

  // The glide: no step larger than the ramp's
  gain_trace(y + n, g, n);
  const double ramp  = floor(MX_SMOOTH_DEFAULT_MS * 0.001 * rate);
  const double depth = 1.0 - pow(10.0, -reduction / 20.0);
  ck_assert_double_le(mxt_max_step(g + switch_at - 1U, n - switch_at + 1U),
                      depth / ramp * 1.01 + 1e-6);

  const size_t settled = switch_at + (size_t)ramp + 1U;
  mxt_assert_same_samples(y + settled, x + settled - latency, n - settled);

  mx_limiter_free(lim);
  free(g);
  free(y);
  free(x);
}
END_TEST

/*
  The caller's block size changes nothing: hot stereo material limited in
  blocks of 1 to MX_DSP_MAX_BLOCK samples gives the same output, bit for
  bit (offline render must match live).
*/
static const size_t block_sizes[] = { 1, 64, 100, 128, 1024, MX_DSP_MAX_BLOCK };

START_TEST(block_size_does_not_change_output)
{
  const size_t n = 3 * MX_DSP_MAX_BLOCK;
  float* const x = (float*)malloc(2 * n * sizeof(float));
  float* const a = (float*)malloc(2 * n * sizeof(float));
  float* const b = (float*)malloc(2 * n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  mxt_noise(x, n, 1.5, 31U);
  mxt_sine(x + n, n, 12000.0, 48000.0, 1.8, M_PI / 4.0);

  float* const out[2][2] = { { a, a + n }, { b, b + n } };
  const size_t sizes[2]  = { BLOCK, block_sizes[_i] };
  for (int k = 0; k < 2; ++k) {
    memcpy(out[k][0], x, 2 * n * sizeof(float));
    MxLimiter* const lim = make_limiter(2U, 48000.0, -1.0f);
    run(lim, out[k], CHANNELS(out[k]), n, sizes[k]);
    mx_limiter_free(lim);
  }

  mxt_assert_same_samples(b, a, 2 * n);
  free(b);
  free(a);
  free(x);
}
END_TEST

/*
  Release: after a loud burst, the reduction decays as exp(-t / tau).
  Measured as the time the deficit 1 - gain takes to fall from d0 to
  d0 / e^2, halved, where d0 is the deficit 10 look-ahead windows after the
  burst has left the output (so the attack ramp is over and only the
  release acts).  Within 10% of the set time; 3 rates x 3 release times.
  After 16 tau (a reduction of 0.55 decays below the 1e-6 snap in 13.2
  tau) the gain is exactly 1 again.
*/
static const float releases_ms[] = { 10.0f, 50.0f, 200.0f };

START_TEST(release_follows_time_constant)
{
  const double rate    = mxt_rates[_i % 3];
  const float  release = releases_ms[_i / 3];
  const size_t burst   = (size_t)(0.05 * rate);
  const size_t n       = burst + (size_t)(0.016 * release * rate); // 16 tau after

  float* const x = (float*)calloc(2 * n, sizeof(float));
  float* const g = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_nonnull(g);
  mxt_sine(x, burst, 997.0, rate, 2.0, 0.0);
  for (size_t i = 0; i < n; ++i) {
    x[n + i] = 0.01f;
  }

  MxLimiter* const lim = make_limiter(2U, rate, -1.0f);
  ck_assert_int_eq(mx_limiter_set_release_ms(lim, release), MX_SUCCESS);
  const uint32_t latency = mx_limiter_get_latency(lim);
  const uint32_t window  = latency - MX_TRUE_PEAK_DELAY;
  float*         bufs[2] = { x, x + n };
  run(lim, bufs, CHANNELS(bufs), n, BLOCK);
  gain_trace(x + n, g, n);

  const size_t start = burst + latency + 10U * window;
  ck_assert_uint_lt(start, n);
  const double d0 = 1.0 - g[start];
  ck_assert_double_gt(d0, 0.01);
  size_t end = start;
  while (end < n && 1.0 - g[end] > d0 * exp(-2.0)) {
    ++end;
  }
  ck_assert_uint_lt(end, n);

  const double tau_ms = 0.5 * (double)(end - start) / rate * 1000.0;
  ck_assert_double_le(fabs(tau_ms - release), 0.1 * release);

  // And it does come back to exactly 1
  ck_assert_float_eq(g[n - 1], 1.0f);

  mx_limiter_free(lim);
  free(g);
  free(x);
}
END_TEST

/*
  No click: a loud 997 Hz burst starting abruptly after silence.  The gain
  moves along the look-ahead ramp, whose step per sample is at most the
  deepest reduction divided by the window (limiter.h, step 3); the release
  steps are smaller still.  A gain computed sample by sample (a hard
  limiter) would jump by the whole reduction, 0.55 here.  Bound asserted:
  (1 - min gain) / window, plus float rounding of the probe (1e-6).
  Also: the gain is down before the burst reaches the output (look-ahead),
  and the burst's channel gets the same gain as the probe (stereo link).
  The probe is channel 0 here and the burst channel 1, so that a limiter
  that only listened to its first channel would fail.
*/
START_TEST(gain_moves_without_steps)
{
  const double rate  = mxt_rates[_i];
  const size_t quiet = (size_t)(0.05 * rate);
  const size_t n     = quiet + (size_t)(0.2 * rate);
  float* const x     = (float*)calloc(2 * n, sizeof(float));
  float* const y     = (float*)malloc(2 * n * sizeof(float));
  float* const g     = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_nonnull(y);
  ck_assert_ptr_nonnull(g);
  mxt_sine(x + n + quiet, n - quiet, 997.0, rate, 2.0, 0.0);
  for (size_t i = 0; i < n; ++i) {
    x[i] = 0.01f;
  }
  memcpy(y, x, 2 * n * sizeof(float));

  MxLimiter* const lim     = make_limiter(2U, rate, -1.0f);
  const uint32_t   latency = mx_limiter_get_latency(lim);
  const uint32_t   window  = latency - MX_TRUE_PEAK_DELAY;
  float*           bufs[2] = { y, y + n };
  run(lim, bufs, CHANNELS(bufs), n, BLOCK);
  gain_trace(y, g, n);

  // The probe comes out after the latency; before, the delay line is silent
  double min_gain = 1.0;
  for (size_t i = latency; i < n; ++i) {
    min_gain = fmin(min_gain, g[i]);
  }
  ck_assert_double_lt(min_gain, 0.5); // 2.0 limited to 0.891
  const double bound = (1.0 - min_gain) / window + 1e-6;
  ck_assert_double_le(mxt_max_step(g + latency, n - latency), bound);

  // Look-ahead: reduced before the burst's first sample comes out
  ck_assert_float_lt(g[quiet + latency], 1.0f);

  // Stereo link: channel 1 got the probe's gain
  double link_error = 0.0;
  for (size_t i = latency; i < n; ++i) {
    link_error = fmax(link_error, fabs(y[n + i] - g[i] * x[n + i - latency]));
  }
  ck_assert_double_le(link_error, 1e-6);

  mx_limiter_free(lim);
  free(g);
  free(y);
  free(x);
}
END_TEST

/*
  A new ceiling under steady limiting glides in: -1 to -9 dBTP while an
  fs/4 sine at +6 dBTP plays.  The required deficit 1 - ceiling / 2.0 moves
  from 0.554 to 0.822 along the ceiling's linear glide of
  MX_SMOOTH_DEFAULT_MS; the running maximum and the average keep a ramp's
  slope, so no gain step may exceed 0.268 / glide samples (+5%).  Without
  the glide, the look-ahead average alone would allow 0.268 / window, 13
  times more.  The new ceiling holds once the glide and the look-ahead are
  over.
*/
START_TEST(ceiling_change_glides)
{
  const double rate = mxt_rates[_i];
  const size_t n    = (size_t)(0.3 * rate);
  float* const x    = (float*)malloc(2 * n * sizeof(float));
  float* const g    = (float*)malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  ck_assert_ptr_nonnull(g);
  mxt_sine(x, n, rate / 4.0, rate, 2.0, M_PI / 4.0);
  for (size_t i = 0; i < n; ++i) {
    x[n + i] = 0.01f;
  }

  MxLimiter* const lim      = make_limiter(2U, rate, -1.0f);
  const uint32_t   latency  = mx_limiter_get_latency(lim);
  const size_t     half     = n / 2 / BLOCK * BLOCK;
  float*           first[2] = { x, x + n };
  run(lim, first, CHANNELS(first), half, BLOCK);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, -9.0f), MX_SUCCESS);
  float* second[2] = { x + half, x + n + half };
  run(lim, second, CHANNELS(second), n - half, BLOCK);
  gain_trace(x + n, g, n);

  const double glide = MX_SMOOTH_DEFAULT_MS * 0.001 * rate;
  const double bound = (0.822 - 0.554) / glide * 1.05 + 1e-6;
  ck_assert_double_le(mxt_max_step(g + 4 * latency, n - 4 * latency), bound);

  // After the glide: true peak 2.0 times the gain is the new ceiling
  const size_t after    = half + (size_t)(MX_SMOOTH_DEFAULT_MS * 0.001 * rate) + 2U * latency;
  double       max_gain = 0.0;
  for (size_t i = after; i < n; ++i) {
    max_gain = fmax(max_gain, g[i]);
  }
  ck_assert_double_le(mxt_db(2.0 * max_gain), -9.0 + OVER_CEILING_DB);

  mx_limiter_free(lim);
  free(g);
  free(x);
}
END_TEST

/*
  The reduction meter: steady fs/4 at 45 degrees, true peak 2.0
  (+6.02 dBTP), into a -1 dBTP ceiling must be reduced by 7.02 dB (within
  0.05 dB: the detector's error at fs/4 is below 0.03 dB).  The abrupt
  start rings above 2.0, so the first read, which includes it, is
  discarded.  The read-reset maximum then reports 7.02 dB; after the sine
  fades out and the reduction has been released, the current reduction is
  0, the next read still reports the 7.02 dB in force at the previous read,
  and the one after that 0.
*/
START_TEST(reduction_is_reported)
{
  const double rate = 48000.0;
  enum { N = 24000, START = 2048, FADE = 4800 };
  static float x[N];
  mxt_sine(x, N, rate / 4.0, rate, 2.0, M_PI / 4.0);

  MxLimiter* const lim     = make_limiter(1U, rate, -1.0f);
  float*           bufs[1] = { x };
  run(lim, bufs, CHANNELS(bufs), START, BLOCK);
  (void)mx_limiter_read_reset_max_reduction_db(lim);
  float* rest[1] = { x + START };
  run(lim, rest, CHANNELS(rest), N - START, BLOCK);

  const double expected = mxt_db(2.0) - (-1.0);
  ck_assert_double_le(fabs(mx_limiter_get_reduction_db(lim) - expected), 0.05);
  ck_assert_double_le(fabs(mx_limiter_read_reset_max_reduction_db(lim) - expected), 0.05);

  // The same sine continues (N is a whole number of periods), fading out
  // along a raised cosine, then 0.9 s of silence (18 release time constants)
  mxt_sine(x, N, rate / 4.0, rate, 2.0, M_PI / 4.0);
  for (size_t i = 0; i < N; ++i) {
    x[i] *= i < FADE ? (float)(0.5 + 0.5 * cos(M_PI * (double)i / FADE)) : 0.0f;
  }
  run(lim, bufs, CHANNELS(bufs), N, BLOCK);
  memset(x, 0, sizeof(x));
  run(lim, bufs, CHANNELS(bufs), N, BLOCK);
  ck_assert_float_eq(mx_limiter_get_reduction_db(lim), 0.0f);
  ck_assert_double_le(fabs(mx_limiter_read_reset_max_reduction_db(lim) - expected), 0.05);
  ck_assert_float_eq(mx_limiter_read_reset_max_reduction_db(lim), 0.0f);
  mx_limiter_free(lim);
}
END_TEST

/*
  NaN and infinite samples are silenced on the way in: the output stays
  finite, and once the bad block has left the delay line the limiter is a
  pure delay again (nothing stuck in its state).  Huge finite samples are
  limited like any others.
*/
START_TEST(non_finite_input_does_not_poison)
{
  enum { N = 8 * BLOCK };
  static float x[2][N];
  static float y[2][N];
  mxt_sine(x[0], N, 997.0, 48000.0, 0.5, 0.0);
  mxt_sine(x[1], N, 440.0, 48000.0, 0.5, 0.0);
  for (size_t i = 2 * BLOCK; i < 3 * BLOCK; ++i) {
    x[0][i] = NAN;
    x[1][i] = i % 2 ? INFINITY : -INFINITY;
  }
  memcpy(y, x, sizeof(x));

  MxLimiter* const lim     = make_limiter(2U, 48000.0, -1.0f);
  const uint32_t   latency = mx_limiter_get_latency(lim);
  float*           bufs[2] = { y[0], y[1] };
  run(lim, bufs, CHANNELS(bufs), N, BLOCK);

  for (int c = 0; c < 2; ++c) {
    ck_assert_double_lt(finite_peak(y[c], N), 1.0);
    const size_t clean = 3 * BLOCK + latency;
    mxt_assert_same_samples(y[c] + clean, x[c] + clean - latency, N - clean);
  }

  // A huge finite sample: limited, finite, within the ceiling
  memset(y, 0, sizeof(y));
  y[0][100] = 1e30f;
  mx_limiter_reset(lim);
  run(lim, bufs, CHANNELS(bufs), N, BLOCK);
  ck_assert_double_le(finite_peak(y[0], N), 0.8913 * 1.02);
  ck_assert_float_gt(mx_limiter_read_reset_max_reduction_db(lim), 500.0f);
  mx_limiter_free(lim);
}
END_TEST

START_TEST(new_free_and_bad_arguments)
{
  mx_limiter_free(NULL); // no-op

  ck_assert_ptr_null(mx_limiter_new(0U, 48000.0, 1.5f));
  ck_assert_ptr_null(mx_limiter_new(3U, 48000.0, 1.5f));
  ck_assert_ptr_null(mx_limiter_new(2U, 0.0, 1.5f));
  ck_assert_ptr_null(mx_limiter_new(2U, NAN, 1.5f));
  ck_assert_ptr_null(mx_limiter_new(2U, 1e6, 1.5f));
  ck_assert_ptr_null(mx_limiter_new(2U, 48000.0, 0.49f));
  ck_assert_ptr_null(mx_limiter_new(2U, 48000.0, 5.01f));
  ck_assert_ptr_null(mx_limiter_new(2U, 48000.0, NAN));

  MxLimiter* const lim = mx_limiter_new(2U, 48000.0, 1.5f);
  ck_assert_ptr_nonnull(lim);
  ck_assert_uint_eq(mx_limiter_get_channels(lim), 2U);
  ck_assert(mx_limiter_get_enabled(lim));
  ck_assert_float_eq(mx_limiter_get_ceiling_db(lim), MX_LIMITER_DEFAULT_CEILING_DB);
  ck_assert_float_eq(mx_limiter_get_release_ms(lim), MX_LIMITER_DEFAULT_RELEASE_MS);
  ck_assert_float_eq(mx_limiter_get_lookahead_ms(lim), 1.5f);
  mx_limiter_free(lim);
}
END_TEST

START_TEST(setters_reject_bad_values_unchanged)
{
  MxLimiter* const lim = mx_limiter_new(1U, 48000.0, 1.5f);
  ck_assert_ptr_nonnull(lim);
  const uint32_t latency = mx_limiter_get_latency(lim);

  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, -6.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, -INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, 0.01f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, -20.01f), MX_ERR_RANGE);
  ck_assert_float_eq(mx_limiter_get_ceiling_db(lim), -6.0f);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_limiter_set_ceiling_db(lim, -20.0f), MX_SUCCESS);

  ck_assert_int_eq(mx_limiter_set_release_ms(lim, 120.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_limiter_set_release_ms(lim, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_limiter_set_release_ms(lim, INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_limiter_set_release_ms(lim, 0.99f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_limiter_set_release_ms(lim, 1000.1f), MX_ERR_RANGE);
  ck_assert_float_eq(mx_limiter_get_release_ms(lim), 120.0f);
  ck_assert_int_eq(mx_limiter_set_release_ms(lim, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_limiter_set_release_ms(lim, 1000.0f), MX_SUCCESS);

  ck_assert_int_eq(mx_limiter_set_lookahead_ms(lim, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_limiter_set_lookahead_ms(lim, -INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_limiter_set_lookahead_ms(lim, 0.49f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_limiter_set_lookahead_ms(lim, 5.01f), MX_ERR_RANGE);
  ck_assert_float_eq(mx_limiter_get_lookahead_ms(lim), 1.5f);
  ck_assert_uint_eq(mx_limiter_get_latency(lim), latency);
  mx_limiter_free(lim);
}
END_TEST

/*
  The look-ahead setter changes the latency, and the new latency is again
  exactly the delay of an impulse.
*/
START_TEST(lookahead_setter_changes_latency)
{
  MxLimiter* const lim = mx_limiter_new(1U, 48000.0, 1.5f);
  ck_assert_ptr_nonnull(lim);
  const uint32_t before = mx_limiter_get_latency(lim);
  ck_assert_int_eq(mx_limiter_set_lookahead_ms(lim, 4.0f), MX_SUCCESS);
  const uint32_t after = mx_limiter_get_latency(lim);
  ck_assert_uint_eq(after - before, (uint32_t)(2.5 * 48.0)); // 2.5 ms more at 48 kHz

  enum { N = 2048, AT = 500 };
  static float x[N];
  x[AT]          = 0.5f;
  float* bufs[1] = { x };
  run(lim, bufs, CHANNELS(bufs), N, BLOCK);
  mxt_assert_impulse(x, N, AT + after, 0.5f);
  mx_limiter_free(lim);
}
END_TEST

static Suite*
limiter_suite(void)
{
  Suite* const s = suite_create("limiter");

  TCase* const ceiling = tcase_create("ceiling");
  tcase_set_timeout(ceiling, 30);
  tcase_add_loop_test(ceiling, output_true_peak_stays_under_ceiling, 0, 6 * N_MATERIALS);
  tcase_add_loop_test(ceiling, full_band_noise_stays_near_ceiling, 0, 3);
  suite_add_tcase(s, ceiling);

  TCase* const transparency = tcase_create("transparency");
  tcase_add_loop_test(transparency, below_ceiling_is_bit_transparent, 0, 9);
  tcase_add_loop_test(transparency, impulse_delay_is_the_latency, 0, 9);
  tcase_add_loop_test(transparency, bypass_keeps_latency_bit_exact, 0, 3);
  tcase_add_loop_test(transparency,
                      block_size_does_not_change_output,
                      0,
                      sizeof(block_sizes) / sizeof(block_sizes[0]));
  suite_add_tcase(s, transparency);

  TCase* const gain = tcase_create("gain");
  tcase_add_loop_test(gain, release_follows_time_constant, 0, 9);
  tcase_add_loop_test(gain, gain_moves_without_steps, 0, 3);
  tcase_add_loop_test(gain, ceiling_change_glides, 0, 3);
  tcase_add_test(gain, reduction_is_reported);
  suite_add_tcase(s, gain);

  TCase* const robustness = tcase_create("robustness");
  tcase_add_test(robustness, non_finite_input_does_not_poison);
  tcase_add_test(robustness, new_free_and_bad_arguments);
  tcase_add_test(robustness, setters_reject_bad_values_unchanged);
  tcase_add_test(robustness, lookahead_setter_changes_latency);
  suite_add_tcase(s, robustness);
  return s;
}

int
main(void)
{
  return mxt_run_suite(limiter_suite());
}
