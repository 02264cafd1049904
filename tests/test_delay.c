// SPDX-License-Identifier: GPL-3.0-or-later

#include "delay.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 256, SMALL_BLOCK = 64, N_RATES = 3 };

// Run `n` samples of two planar channels through the delay in blocks of `block`
static void
run2(MxDelay* const d, float* const l, float* const r, const unsigned n, const unsigned block)
{
  for (unsigned i = 0; i < n; i += block) {
    float* const bufs[2] = { l + i, r + i };
    mx_delay_process(d, bufs, n - i < block ? n - i : block);
  }
}

// Whole samples of `ms` at `rate`, rounded to nearest, computed here
// independently of dsp/delay.c
static unsigned
expected_samples(const float ms, const double rate)
{
  return (unsigned)floor((double)ms / 1000.0 * rate + 0.5);
}

// Samples of the MX_DELAY_FADE_MS crossfade at `rate`
static unsigned
fade_samples(const double rate)
{
  return (unsigned)floor((double)MX_DELAY_FADE_MS / 1000.0 * rate + 0.5);
}

// Assert that `out` is `in` delayed by `delay` samples, bit for bit, from
// sample `from` on (earlier samples delayed from before the stream are 0).
// One assertion per call: Check reports every passing assertion to its
// parent process, which is too slow per sample.
static void
check_exact_copy(const float* const in,
                 const float* const out,
                 const unsigned     n,
                 const unsigned     delay,
                 const unsigned     from)
{
  unsigned t = from;
  while (t < n && out[t] == (t >= delay ? in[t - delay] : 0.0f)) {
    ++t;
  }
  ck_assert_msg(t == n,
                "sample %u: %.9g, expected %.9g (delay %u)",
                t,
                t < n ? (double)out[t] : 0.0,
                t < n && t >= delay ? (double)in[t - delay] : 0.0,
                delay);
}

// ---------------------------------------------------------------- Placement

static const unsigned delay_cases[] = { 0U, 1U, 63U, 64U, 255U, 256U, 257U, 1000U, 12345U };
#define N_DELAYS (sizeof(delay_cases) / sizeof(delay_cases[0]))

/*
  An impulse at t = 0 must come out at exactly t = D with exactly its value,
  every other output sample exactly 0; the second channel's impulse (-0.5 at
  t = 3) at exactly D + 3.  Cases: each delay at each rate, plus the
  maximum (1 s) at each rate.
*/
START_TEST(impulse_appears_at_delay_samples)
{
  const double   rate = mxt_rates[_i % N_RATES];
  const unsigned k    = (unsigned)_i / N_RATES;
  MxDelay* const d    = mx_delay_new(2U, 1000.0f, rate);
  ck_assert_ptr_nonnull(d);
  const unsigned delay = k < N_DELAYS ? delay_cases[k] : mx_delay_get_max_samples(d);
  ck_assert_uint_eq(mx_delay_get_max_samples(d), (unsigned)rate);

  ck_assert_int_eq(mx_delay_set_samples(d, delay), MX_SUCCESS);
  mx_delay_reset(d);
  ck_assert_uint_eq(mx_delay_get_latency(d), delay);

  const unsigned n = delay + 2U * BLOCK;
  float* const   l = (float*)calloc(n, sizeof(float));
  float* const   r = (float*)calloc(n, sizeof(float));
  l[0]             = 1.0f;
  r[3]             = -0.5f;
  run2(d, l, r, n, BLOCK);

  mxt_assert_impulse(l, n, delay, 1.0f);
  mxt_assert_impulse(r, n, delay + 3U, -0.5f);

  free(r);
  free(l);
  mx_delay_free(d);
}
END_TEST

static const float ms_cases[] = { 0.5f, 1.0f, 2.5f, 10.0f, 20.83f, 333.3f, 1000.0f };
#define N_MS (sizeof(ms_cases) / sizeof(ms_cases[0]))

START_TEST(impulse_appears_at_delay_ms)
{
  const double   rate     = mxt_rates[_i % N_RATES];
  const float    ms       = ms_cases[(unsigned)_i / N_RATES];
  const unsigned expected = expected_samples(ms, rate);
  MxDelay* const d        = mx_delay_new(1U, 1000.0f, rate);
  ck_assert_ptr_nonnull(d);
  ck_assert_int_eq(mx_delay_set_ms(d, ms), MX_SUCCESS);
  mx_delay_reset(d);
  ck_assert_uint_eq(mx_delay_get_latency(d), expected);

  const unsigned n = expected + 2U * BLOCK;
  float* const   x = (float*)calloc(n, sizeof(float));
  x[0]             = 1.0f;
  for (unsigned i = 0; i < n; i += BLOCK) {
    float* const bufs[1] = { x + i };
    mx_delay_process(d, bufs, n - i < BLOCK ? n - i : BLOCK);
  }

  mxt_assert_impulse(x, n, expected, 1.0f);

  free(x);
  mx_delay_free(d);
}
END_TEST

START_TEST(noise_is_copied_bit_exact)
{
  enum { N = 20000 };
  static float in_l[N];
  static float in_r[N];
  static float l[N];
  static float r[N];
  mxt_noise(in_l, N, 1.0, 1234U);
  mxt_noise(in_r, N, 1.0, 4321U);

  // Delays shorter than, equal to and longer than the block
  static const unsigned delays[] = { 1U, 100U, 256U, 300U, 4099U };
  for (unsigned k = 0; k < sizeof(delays) / sizeof(delays[0]); ++k) {
    MxDelay* const d = mx_delay_new(2U, 100.0f, 48000.0);
    mx_delay_set_samples(d, delays[k]);
    mx_delay_reset(d);
    for (unsigned i = 0; i < N; ++i) {
      l[i] = in_l[i];
      r[i] = in_r[i];
    }
    run2(d, l, r, N, BLOCK);
    check_exact_copy(in_l, l, N, delays[k], 0U);
    check_exact_copy(in_r, r, N, delays[k], 0U);
    mx_delay_free(d);
  }
}
END_TEST

START_TEST(delay_zero_is_bit_transparent)
{
  enum { N = 4096 };
  static float in_l[N];
  static float in_r[N];
  static float l[N];
  static float r[N];
  mxt_noise(in_l, N, 1.0, 555U);
  mxt_noise(in_r, N, 1.0, 556U);

  MxDelay* const d = mx_delay_new(2U, 50.0f, 44100.0);
  ck_assert_uint_eq(mx_delay_get_latency(d), 0U);

  // As created, and after a trip to 1000 samples and back
  for (unsigned trip = 0; trip < 2; ++trip) {
    if (trip) {
      mx_delay_set_samples(d, 1000U);
      run2(d, l, r, N, BLOCK);
      mx_delay_set_samples(d, 0U);
      run2(d, l, r, N, BLOCK);
    }
    for (unsigned i = 0; i < N; ++i) {
      l[i] = in_l[i];
      r[i] = in_r[i];
    }
    run2(d, l, r, N, BLOCK);
    check_exact_copy(in_l, l, N, 0U, 0U);
    check_exact_copy(in_r, r, N, 0U, 0U);
  }
  mx_delay_free(d);
}
END_TEST

/*
  The ring wraps many times, with block sizes that are not powers of two
  (1 up to MX_DSP_MAX_BLOCK), and the copy stays exact.  5 ms at 48 kHz is
  240 samples: the ring is 16384, and 150000 samples wrap it 9 times.
*/
START_TEST(ring_wraps_exactly_with_any_block_size)
{
  enum { N = 150000 };
  static float          in[N];
  static float          out[N];
  static const unsigned blocks[] = { 1U, 7U, 64U, 255U, 256U, 1000U, MX_DSP_MAX_BLOCK };
  mxt_noise(in, N, 1.0, 8888U);
  for (unsigned i = 0; i < N; ++i) {
    out[i] = in[i];
  }

  MxDelay* const d = mx_delay_new(1U, 5.0f, 48000.0);
  ck_assert_uint_eq(mx_delay_get_max_samples(d), 240U);
  mx_delay_set_samples(d, 240U);
  mx_delay_reset(d);
  unsigned k = 0;
  for (unsigned i = 0; i < N; ++k) {
    const unsigned b       = blocks[k % (sizeof(blocks) / sizeof(blocks[0]))];
    const unsigned m       = N - i < b ? N - i : b;
    float* const   bufs[1] = { out + i };
    mx_delay_process(d, bufs, m);
    i += m;
  }
  check_exact_copy(in, out, N, 240U, 0U);
  mx_delay_free(d);
}
END_TEST

// ---------------------------------------------------------------- Changes

/*
  Step bound for a delay change on a running sine x = A sin(w t): during the
  fade the output is y = (1 - g) a + g b, a and b the old and new taps, g
  rising by 1/N per sample over the N = 20 ms * rate fade samples, so

    y[t] - y[t-1] = (1-g)(a[t] - a[t-1]) + g(b[t] - b[t-1]) + (g[t] - g[t-1])(b - a)

  and |y[t] - y[t-1]| <= 2 A sin(w/2) + 2 A / N: the sine's own largest step
  plus 2A/N.  At 100 Hz, 48 kHz, A = 1: 0.01309 + 0.00208 = 0.0152.  Plus
  1e-6 for float rounding.  The delay jumps by half a period, so a hard
  switch would step by up to 2A; the test checks that its switch points make
  a hard switch exceed the bound, so it can tell.
*/
START_TEST(changing_delay_on_sine_has_no_step)
{
  enum { CHANGES = 10, EVERY = 4096, N = CHANGES * EVERY + EVERY };
  const double   rate = mxt_rates[_i];
  const double   freq = 100.0;
  const unsigned half = (unsigned)floor(rate / freq / 2.0 + 0.5);
  const unsigned d0   = 100U;
  const unsigned d1   = d0 + half;
  const unsigned nf   = fade_samples(rate);
  const double   w    = 2.0 * M_PI * freq / rate;

  static float in[N];
  static float out[N];
  static float dummy[N];
  mxt_sine(in, N, freq, rate, 1.0, 0.0); // from 0: no onset click
  for (unsigned i = 0; i < N; ++i) {
    out[i] = in[i];
  }

  MxDelay* const d = mx_delay_new(2U, 100.0f, rate);
  mx_delay_set_samples(d, d0);
  mx_delay_reset(d);

  // Change every EVERY samples (after the previous fade has ended)
  double   hard_step = 0.0; // what a switch without a fade would do
  unsigned delay     = d0;
  for (unsigned c = 0; c <= CHANGES; ++c) {
    const unsigned t0 = c * EVERY;
    if (c) {
      const unsigned next = delay == d0 ? d1 : d0;
      hard_step = fmax(hard_step, fabs((double)in[t0 - next] - (double)in[t0 - 1 - delay]));
      ck_assert_int_eq(mx_delay_set_samples(d, next), MX_SUCCESS);
      ck_assert_uint_eq(mx_delay_get_latency(d), next);
      delay = next;
    }
    run2(d, out + t0, dummy + t0, EVERY, BLOCK);

    // From the fade's last sample (weight exactly 1) on: the exact copy at
    // the new delay (at the start: from the first sample after the initial
    // silence)
    const unsigned from = c ? t0 + nf - 1U : delay;
    check_exact_copy(in, out, t0 + EVERY, delay, from);
  }

  const double bound = 2.0 * sin(w / 2.0) + 2.0 / nf + 1e-6;
  ck_assert_double_le(mxt_max_step(out, N), bound);
  ck_assert_double_gt(hard_step, 4.0 * bound); // the test can see a click
  mx_delay_free(d);
}
END_TEST

/*
  A new delay every 64-sample block, faster than the fades: a fade is never
  interrupted (the newest value waits for it), so the same bound holds; once
  the changes stop, the line settles on the value set last, exactly.
*/
START_TEST(rapid_changes_have_no_step_and_settle_on_last)
{
  enum { N = 48000, CHANGING = 12000 };
  const double   rate = 48000.0;
  const double   freq = 100.0;
  const unsigned nf   = fade_samples(rate);
  static float   in[N];
  static float   out[N];
  static float   dummy[N];
  mxt_sine(in, N, freq, rate, 1.0, 0.0);
  for (unsigned i = 0; i < N; ++i) {
    out[i] = in[i];
  }

  MxDelay* const d    = mx_delay_new(2U, 50.0f, rate);
  uint32_t       seed = 17U;
  unsigned       last = 0U;
  for (unsigned t = 0; t < N; t += SMALL_BLOCK) {
    if (t < CHANGING) {
      seed ^= seed << 13;
      seed ^= seed >> 17;
      seed ^= seed << 5;
      last = seed % 2400U;
      ck_assert_int_eq(mx_delay_set_samples(d, last), MX_SUCCESS);
    }
    run2(d, out + t, dummy + t, SMALL_BLOCK, SMALL_BLOCK);
  }

  const double bound = 2.0 * sin(M_PI * freq / rate) + 2.0 / nf + 1e-6;
  ck_assert_double_le(mxt_max_step(out, N), bound);
  ck_assert_uint_eq(mx_delay_get_latency(d), last);

  // At most two fades after the last change (the one running, then the last)
  check_exact_copy(in, out, N, last, CHANGING + 2U * nf + SMALL_BLOCK);
  mx_delay_free(d);
}
END_TEST

/*
  A line that sat idle at delay 0 stores nothing, so its ring still holds
  what it held before (here a run at 500 samples of a signal of 1.0, then
  the silence of the fade to 0: 960 samples and the rest of a block).  A
  new delay of 2000, longer than that silence, must never read the old
  signal: the input is silence now, and the output stays exactly 0 while
  the line gathers 2000 samples and fades; then noise comes out delayed by
  exactly 2000 samples, no later than 2000 + the fade + a block after the
  change.
*/
START_TEST(delay_from_idle_never_replays_old_audio)
{
  enum { OLD = 4096, IDLE = 8192, QUIET = 4096, N = 16384, D = 2000U };
  const double   rate = 48000.0;
  const unsigned nf   = fade_samples(rate);
  static float   l[N];
  static float   r[N];
  static float   in[N];
  MxDelay* const d = mx_delay_new(2U, 50.0f, rate);
  ck_assert_int_eq(mx_delay_set_samples(d, 500U), MX_SUCCESS);
  mxt_fill(l, OLD, 1.0f);
  mxt_fill(r, OLD, 1.0f);
  run2(d, l, r, OLD, BLOCK); // The ring full of 1.0
  ck_assert_int_eq(mx_delay_set_samples(d, 0U), MX_SUCCESS);
  mxt_fill(l, IDLE, 0.0f);
  mxt_fill(r, IDLE, 0.0f);
  run2(d, l, r, IDLE, BLOCK); // Fades to 0, then idles

  // Silence in, and the new delay: silence out, exactly
  ck_assert_int_eq(mx_delay_set_samples(d, D), MX_SUCCESS);
  mxt_noise(in, N, 1.0, 808U);
  mxt_fill(in, QUIET, 0.0f);
  memcpy(l, in, sizeof(in));
  memcpy(r, in, sizeof(in));
  run2(d, l, r, N, BLOCK);
  check_exact_copy(in, l, QUIET, 0U, 0U);
  check_exact_copy(in, l, N, D, D + nf + BLOCK);
  check_exact_copy(in, r, N, D, D + nf + BLOCK);
  ck_assert_uint_eq(mx_delay_get_latency(d), D);
  mx_delay_free(d);
}
END_TEST

/*
  mx_delay_reset() of a line that sat idle at 0 with a delay set: no
  history that long, so the first `delay` samples are silence, as from a
  new line, not what its ring held from before.
*/
START_TEST(reset_after_idle_reads_silence)
{
  enum { OLD = 4096, IDLE = 8192, N = 4096, D = 700U };
  static float   l[N > OLD ? N : OLD];
  static float   r[N > OLD ? N : OLD];
  static float   in[N];
  MxDelay* const d = mx_delay_new(1U, 50.0f, 48000.0);
  ck_assert_int_eq(mx_delay_set_samples(d, 900U), MX_SUCCESS);
  mx_delay_reset(d);
  mxt_fill(l, OLD, 1.0f);
  run2(d, l, r, OLD, BLOCK);
  ck_assert_int_eq(mx_delay_set_samples(d, 0U), MX_SUCCESS);
  for (unsigned i = 0; i < IDLE; i += BLOCK) {
    mxt_fill(l, BLOCK, 0.25f);
    float* const bufs[1] = { l };
    mx_delay_process(d, bufs, BLOCK);
  }

  ck_assert_int_eq(mx_delay_set_samples(d, D), MX_SUCCESS);
  mx_delay_reset(d);
  mxt_noise(in, N, 1.0, 909U);
  memcpy(l, in, sizeof(in));
  for (unsigned i = 0; i < N; i += BLOCK) {
    float* const bufs[1] = { l + i };
    mx_delay_process(d, bufs, BLOCK);
  }
  check_exact_copy(in, l, N, D, 0U); // 0 before D (check_exact_copy), then the input
  mx_delay_free(d);
}
END_TEST

// ---------------------------------------------------------------- Limits

START_TEST(max_delay_honoured_and_out_of_range_rejected)
{
  const double   rate = mxt_rates[_i];
  MxDelay* const d    = mx_delay_new(1U, 250.0f, rate);
  const unsigned max  = expected_samples(250.0f, rate);
  ck_assert_uint_eq(mx_delay_get_max_samples(d), max);
  ck_assert_uint_eq(mx_delay_get_channels(d), 1U);

  ck_assert_int_eq(mx_delay_set_samples(d, 77U), MX_SUCCESS);
  ck_assert_int_eq(mx_delay_set_samples(d, max + 1U), MX_ERR_RANGE);
  ck_assert_int_eq(mx_delay_set_samples(d, UINT32_MAX), MX_ERR_RANGE);
  ck_assert_int_eq(mx_delay_set_ms(d, 251.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_delay_set_ms(d, -0.01f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_delay_set_ms(d, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_delay_set_ms(d, INFINITY), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_delay_set_ms(d, -INFINITY), MX_ERR_BAD_ARG);
  ck_assert_uint_eq(mx_delay_get_latency(d), 77U); // nothing changed

  // Both ends are valid, and the maximum is really delivered
  ck_assert_int_eq(mx_delay_set_ms(d, 0.0f), MX_SUCCESS);
  ck_assert_uint_eq(mx_delay_get_latency(d), 0U);
  ck_assert_int_eq(mx_delay_set_ms(d, 250.0f), MX_SUCCESS);
  ck_assert_uint_eq(mx_delay_get_latency(d), max);
  mx_delay_reset(d);

  const unsigned n = max + BLOCK;
  float* const   x = (float*)calloc(n, sizeof(float));
  x[0]             = 1.0f;
  for (unsigned i = 0; i < n; i += BLOCK) {
    float* const bufs[1] = { x + i };
    mx_delay_process(d, bufs, n - i < BLOCK ? n - i : BLOCK);
  }
  mxt_assert_impulse(x, n, max, 1.0f);

  free(x);
  mx_delay_free(d);
}
END_TEST

START_TEST(constructor_rejects_bad_arguments)
{
  ck_assert_ptr_null(mx_delay_new(0U, 10.0f, 48000.0));
  ck_assert_ptr_null(mx_delay_new(MX_DELAY_MAX_CHANNELS + 1U, 10.0f, 48000.0));
  ck_assert_ptr_null(mx_delay_new(1U, -1.0f, 48000.0));
  ck_assert_ptr_null(mx_delay_new(1U, NAN, 48000.0));
  ck_assert_ptr_null(mx_delay_new(1U, MX_DELAY_MAX_MS * 1.01f, 48000.0));
  ck_assert_ptr_null(mx_delay_new(1U, 10.0f, 0.0));
  ck_assert_ptr_null(mx_delay_new(1U, 10.0f, (double)NAN));

  // The maximum rounds to the nearest sample: 20.83 ms at 48 kHz is 999.84
  MxDelay* const odd = mx_delay_new(1U, 20.83f, 48000.0);
  ck_assert_uint_eq(mx_delay_get_max_samples(odd), 1000U);
  ck_assert_int_eq(mx_delay_set_ms(odd, 20.83f), MX_SUCCESS);
  ck_assert_uint_eq(mx_delay_get_latency(odd), 1000U);
  mx_delay_free(odd);

  // A zero-length line is valid: it can only pass through
  MxDelay* const d = mx_delay_new(MX_DELAY_MAX_CHANNELS, 0.0f, 48000.0);
  ck_assert_ptr_nonnull(d);
  ck_assert_uint_eq(mx_delay_get_max_samples(d), 0U);
  ck_assert_int_eq(mx_delay_set_samples(d, 1U), MX_ERR_RANGE);
  mx_delay_free(d);
}
END_TEST

START_TEST(free_null_is_a_no_op)
{
  mx_delay_free(NULL);
}
END_TEST

static Suite*
delay_suite(void)
{
  Suite* const s = suite_create("delay");

  TCase* const placement = tcase_create("placement");
  tcase_add_loop_test(
    placement, impulse_appears_at_delay_samples, 0, (int)((N_DELAYS + 1U) * N_RATES));
  tcase_add_loop_test(placement, impulse_appears_at_delay_ms, 0, (int)(N_MS * N_RATES));
  tcase_add_test(placement, noise_is_copied_bit_exact);
  tcase_add_test(placement, delay_zero_is_bit_transparent);
  tcase_add_test(placement, ring_wraps_exactly_with_any_block_size);
  suite_add_tcase(s, placement);

  TCase* const changes = tcase_create("changes");
  tcase_add_loop_test(changes, changing_delay_on_sine_has_no_step, 0, N_RATES);
  tcase_add_test(changes, rapid_changes_have_no_step_and_settle_on_last);
  tcase_add_test(changes, delay_from_idle_never_replays_old_audio);
  tcase_add_test(changes, reset_after_idle_reads_silence);
  suite_add_tcase(s, changes);

  TCase* const limits = tcase_create("limits");
  tcase_add_loop_test(limits, max_delay_honoured_and_out_of_range_rejected, 0, N_RATES);
  tcase_add_test(limits, constructor_rejects_bad_arguments);
  tcase_add_test(limits, free_null_is_a_no_op);
  suite_add_tcase(s, limits);
  return s;
}

int
main(void)
{
  return mxt_run_suite(delay_suite());
}
