// SPDX-License-Identifier: GPL-3.0-or-later

#include "gate.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 256, RATE = 48000 };

// Run `n` samples of `nch` channels through in blocks of BLOCK
static void
run(MxGate* const       gate,
    float* const* const ch,
    const unsigned      nch,
    const float* const* sc,
    const size_t        n)
{
  for (size_t i = 0; i < n; i += BLOCK) {
    const uint32_t len = (uint32_t)(n - i < BLOCK ? n - i : BLOCK);
    float*         c[2];
    const float*   k[2];
    for (unsigned j = 0; j < nch; ++j) {
      c[j] = ch[j] + i;
      k[j] = sc ? sc[j] + i : NULL;
    }
    mx_gate_process(gate, c, nch, sc ? k : NULL, len);
  }
}

// Run a mono channel of 1.0 keyed by `key`: the output is the gain trace
static void
run_keyed(MxGate* const gate, float* const gain, const float* const key, const size_t n)
{
  mxt_fill(gain, n, 1.0f);
  float*       ch[1] = { gain };
  const float* sc[1] = { key };
  run(gate, ch, 1U, sc, n);
}

// A gate switched on with the given settings, ratio infinite
static void
make(MxGate* const gate,
     const double  rate,
     const float   threshold,
     const float   range,
     const float   attack,
     const float   hold,
     const float   release)
{
  mx_gate_init(gate, rate);
  mx_gate_set_enabled(gate, true);
  ck_assert_int_eq(mx_gate_set_threshold_db(gate, threshold), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_range_db(gate, range), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_attack_ms(gate, attack), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_hold_ms(gate, hold), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_release_ms(gate, release), MX_SUCCESS);
  mx_gate_reset(gate);
}

/*
  Closed, a tone below the closing threshold comes out `range` dB down.
  Tolerance 0.1 dB as specified; the gain lands exactly on the floor
  (measured error below 1e-4 dB).
*/
static const float ranges[] = { -20.0f, -60.0f, -80.0f, -90.0f, 0.0f, -0.5f };

START_TEST(closed_attenuates_by_range)
{
  const float range = ranges[_i];
  enum { N = RATE / 2, MEASURE = RATE / 10 };
  static float buf[N];
  float*       ch[1] = { buf };

  MxGate gate;
  make(&gate, RATE, -40.0f, range, 1.0f, 10.0f, 10.0f);
  mxt_sine(buf, N, 1000.0, RATE, 0.001, 0.0); // -60 dBFS
  run(&gate, ch, 1U, NULL, N);

  const double out = mxt_db(mxt_tone_amplitude(buf + N - MEASURE, MEASURE, 1000.0, RATE));
  ck_assert_double_eq_tol(out, -60.0 + (double)range, 0.1);
  ck_assert_double_eq_tol(mx_gate_get_reduction_db(&gate), -(double)range, 0.001);
}
END_TEST

/*
  Open, the signal passes bit for bit: from the start (the gate starts open
  at unity), and once the attack after a closed stretch has landed on
  unity (14 attack time constants bring the gain within 1e-6, where it
  snaps).
*/
START_TEST(open_is_bit_exact)
{
  enum { N = RATE / 2 };
  static float in[2][N];
  static float out[2][N];
  float*       ch[2] = { out[0], out[1] };

  MxGate gate;
  make(&gate, RATE, -40.0f, -80.0f, 1.0f, 10.0f, 10.0f);
  mxt_sine(in[0], N, 1000.0, RATE, 0.1, 0.0);
  mxt_noise(in[1], N, 0.1, 99U);
  memcpy(out, in, sizeof(out));
  run(&gate, ch, 2U, NULL, N);
  ck_assert_uint_eq(mxt_first_difference(out[0], in[0], N), N);
  ck_assert_uint_eq(mxt_first_difference(out[1], in[1], N), N);

  // Closed by 200 ms of silence, then the tone again: exact after 20 ms
  mxt_fill(out[0], N, 0.0f);
  run(&gate, ch, 1U, NULL, RATE / 5);
  ck_assert_double_eq_tol(mx_gate_get_reduction_db(&gate), 80.0, 0.001);
  memcpy(out[0], in[0], sizeof(out[0]));
  run(&gate, ch, 1U, NULL, N);
  ck_assert_double_lt(out[0][5], in[0][5] * 0.9f); // still opening
  const size_t exact = RATE / 50;
  ck_assert_uint_eq(mxt_first_difference(out[0] + exact, in[0] + exact, N - exact), N - exact);
}
END_TEST

/*
  Hysteresis: T = -40 dB opens, T - 6 = -46 dB closes.  A 1 kHz tone at
  -43 dBFS, between the two, keeps whichever state the gate is in, for as
  long as it lasts (here 500 ms, fifty times the hold plus release): its
  envelope sags by 0.43 dB between peaks (10 ms fall over 0.5 ms), staying
  above -46 dB and below -40 dB.  Tones at -49 and -37 dBFS then do close
  and open it.  The output is the gain (a channel of 1.0 keyed externally).
*/
START_TEST(hysteresis_keeps_state)
{
  enum { SEG = RATE / 2 };
  static float key[4 * SEG];
  static float gain[4 * SEG];
  const double levels[2][4] = { { -30.0, -43.0, -49.0, -49.0 }, { -60.0, -43.0, -37.0, -37.0 } };
  const float  closed       = (float)pow(10.0, -80.0 / 20.0);

  for (int start_open = 0; start_open < 2; ++start_open) {
    const double* const lv = levels[start_open ? 0 : 1];
    for (int s = 0; s < 4; ++s) {
      mxt_sine(key + s * SEG, SEG, 1000.0, RATE, pow(10.0, lv[s] / 20.0), 0.0);
    }

    MxGate gate;
    make(&gate, RATE, -40.0f, -80.0f, 1.0f, 10.0f, 5.0f);
    ck_assert_int_eq(mx_gate_set_hysteresis_db(&gate, 6.0f), MX_SUCCESS);
    run_keyed(&gate, gain, key, 4 * SEG);

    // Settled in the first segment, then the in-between level changes nothing
    const float held = start_open ? 1.0f : closed;
    ck_assert_uint_eq(mxt_first_not(gain + SEG - RATE / 10, held, SEG + RATE / 10),
                      SEG + RATE / 10);
    // The far side of the other threshold does switch
    mxt_assert_same(gain[4 * SEG - 1], start_open ? closed : 1.0f);
  }
}
END_TEST

/*
  Hold: a DC key of 0.1 drops to 0 at n0.  The envelope falls as
  0.1 exp(-(k + 1) / (10 ms fs)) and first reads below the closing level
  10^(-46/20) at n0 + k1; the gate must stay open (gain exactly 1) for the
  hold, i.e. up to n0 + k1 + hold fs - 1, and start closing at the next
  sample.  Tolerance: 2 samples (the envelope's float rounding).
*/
typedef struct {
  double rate;
  float  hold;
} Hold;

static const Hold holds[] = {
  { 48000.0, 0.0f },   { 48000.0, 10.0f },   { 44100.0, 50.0f },
  { 96000.0, 200.0f }, { 48000.0, 2000.0f },
};

START_TEST(hold_then_release)
{
  const Hold   h    = holds[_i];
  const size_t n0   = (size_t)(0.1 * h.rate);
  const size_t n    = n0 + (size_t)(((double)h.hold * 0.001 + 0.5) * h.rate);
  float* const key  = malloc(n * sizeof(float));
  float* const gain = malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(key);
  ck_assert_ptr_nonnull(gain);
  mxt_fill(key, n0, 0.1f);
  mxt_fill(key + n0, n - n0, 0.0f);

  MxGate gate;
  make(&gate, h.rate, -40.0f, -80.0f, 1.0f, h.hold, 10.0f);
  run_keyed(&gate, gain, key, n);

  // Where the envelope crosses the closing level, from the definition
  const double beta  = exp(-1.0 / (0.010 * h.rate));
  const double close = pow(10.0, -46.0 / 20.0);
  size_t       k1    = 0;
  while (0.1 * pow(beta, (double)(k1 + 1)) >= close) {
    ++k1;
  }
  const size_t expect = n0 + k1 + (size_t)floor((double)h.hold * 0.001 * h.rate + 0.5);

  size_t closing = n0;
  while (closing < n && gain[closing] == 1.0f) {
    ++closing;
  }
  ck_assert_msg(labs((long)closing - (long)expect) <= 2,
                "hold %g ms: closes at %zu, expected %zu",
                (double)h.hold,
                closing,
                expect);
  ck_assert_double_lt((double)gain[n - 1], 0.5);

  // The same again: reopening restarts the hold
  run_keyed(&gate, gain, key, n);
  closing = n0;
  while (closing < n && gain[closing] == 1.0f) {
    ++closing;
  }
  ck_assert_msg(labs((long)closing - (long)expect) <= 2,
                "second hold %g ms: closes at %zu, expected %zu",
                (double)h.hold,
                closing,
                expect);

  free(key);
  free(gain);
}
END_TEST

/*
  The hold counts from the last fall below the closing threshold: a key
  that falls below it for 20 ms (less than the 50 ms hold), comes back
  between the thresholds for 50 ms and then stops closes the gate a full
  hold after its final fall, not 20 ms earlier.
*/
START_TEST(hold_restarts_between_thresholds)
{
  const double beta  = exp(-1.0 / (0.010 * RATE));
  const double close = pow(10.0, -46.0 / 20.0);
  const double mid   = pow(10.0, -43.0 / 20.0);

  // Samples for an envelope at `from` to read below the closing level
  size_t k1 = 0;
  while (0.1 * pow(beta, (double)(k1 + 1)) >= close) {
    ++k1;
  }
  size_t k2 = 0;
  while (mid * pow(beta, (double)(k2 + 1)) >= close) {
    ++k2;
  }

  enum { OPEN = RATE / 10, BETWEEN = RATE / 20, N = RATE };
  const size_t below = k1 + RATE / 50; // 20 ms into the hold
  static float key[N];
  static float gain[N];
  mxt_fill(key, OPEN, 0.1f);
  mxt_fill(key + OPEN, below, 0.0f);
  mxt_fill(key + OPEN + below, BETWEEN, (float)mid);
  mxt_fill(key + OPEN + below + BETWEEN, N - OPEN - below - BETWEEN, 0.0f);

  MxGate gate;
  make(&gate, RATE, -40.0f, -80.0f, 1.0f, 50.0f, 10.0f);
  run_keyed(&gate, gain, key, N);

  const size_t expect  = OPEN + below + BETWEEN + k2 + RATE / 20;
  size_t       closing = 0;
  while (closing < N && gain[closing] == 1.0f) {
    ++closing;
  }
  ck_assert_msg(
    labs((long)closing - (long)expect) <= 2, "closes at %zu, expected %zu", closing, expect);
}
END_TEST

/*
  Attack and release time constants, on the gain trace.  The gate is
  settled closed (floor r = 10^(-60/20)), a DC key of 0.1 opens it at once;
  the gain is then 1 - (1 - r) exp(-t / attack), which crosses
  1 - (1 - r)/e at t = attack.  The key stops, the gate closes (hold 0) at
  the first sample the gain leaves 1, and the gain is r + (1 - r)
  exp(-t / release) from there.  Tolerance 2 % + 1 sample (10 % allowed).
  No step: the largest change per sample is the first of each ramp,
  (1 - r)(1 - exp(-1 / (tau fs))).
*/
typedef struct {
  double rate;
  float  attack;
  float  release;
} Times;

static const Times times[] = {
  { 48000.0, 1.0f, 50.0f },
  { 44100.0, 10.0f, 200.0f },
  { 96000.0, 0.5f, 100.0f },
  { 48000.0, 100.0f, 20.0f }, // attack slower than release
};

static size_t
first_at_or_above(const float* const x, const size_t from, const size_t n, const double level)
{
  size_t i = from;
  while (i < n && (double)x[i] < level) {
    ++i;
  }
  return i;
}

static size_t
first_at_or_below(const float* const x, const size_t from, const size_t n, const double level)
{
  size_t i = from;
  while (i < n && (double)x[i] > level) {
    ++i;
  }
  return i;
}

START_TEST(attack_and_release_time_constants)
{
  const Times  tc     = times[_i];
  const double fs     = tc.rate;
  const size_t closed = (size_t)((20.0 * (double)tc.release * 0.001 + 0.05) * fs);
  const size_t opened = (size_t)((20.0 * (double)tc.attack * 0.001 + 0.05) * fs);
  const size_t after  = (size_t)((20.0 * (double)tc.release * 0.001 + 0.2) * fs);
  const size_t n      = closed + opened + after;
  float* const key    = malloc(n * sizeof(float));
  float* const gain   = malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(key);
  ck_assert_ptr_nonnull(gain);
  mxt_fill(key, closed, 0.0f);
  mxt_fill(key + closed, opened, 0.1f);
  mxt_fill(key + closed + opened, after, 0.0f);

  MxGate gate;
  make(&gate, fs, -40.0f, -60.0f, tc.attack, 0.0f, tc.release);
  run_keyed(&gate, gain, key, n);

  const double r = pow(10.0, -60.0 / 20.0);
  ck_assert_double_eq_tol(gain[closed - 1], r, 1e-9);
  mxt_assert_same(gain[closed + opened - 1], 1.0f);

  const size_t rise   = first_at_or_above(gain, closed, n, 1.0 - (1.0 - r) / M_E) - closed + 1;
  const size_t start  = first_at_or_below(gain, closed + opened, n, 1.0 - 1e-9);
  const size_t fall   = first_at_or_below(gain, start, n, r + (1.0 - r) / M_E) - start + 1;
  const double attack = (double)rise / fs * 1000.0;
  const double decay  = (double)fall / fs * 1000.0;
  const double sample = 1000.0 / fs;
  ck_assert_msg(fabs(attack - (double)tc.attack) <= 0.02 * (double)tc.attack + sample,
                "attack %g ms measured %g ms",
                (double)tc.attack,
                attack);
  ck_assert_msg(fabs(decay - (double)tc.release) <= 0.02 * (double)tc.release + sample,
                "release %g ms measured %g ms",
                (double)tc.release,
                decay);

  // Bounded steps, opening and closing
  const double up   = (1.0 - r) * -expm1(-1.0 / ((double)tc.attack * 0.001 * fs));
  const double down = (1.0 - r) * -expm1(-1.0 / ((double)tc.release * 0.001 * fs));
  const double ulp2 = 0x1p-23; // two float ulps at 1.0: the trace is rounded to float
  ck_assert_double_le(mxt_max_step(gain + closed - 1, opened + 1), up + ulp2);
  ck_assert_double_le(mxt_max_step(gain + closed + opened - 1, after + 1), down + ulp2);
  ck_assert_double_ge(mxt_max_step(gain + closed - 1, opened + 1), up * 0.99); // it does ramp

  free(key);
  free(gain);
}
END_TEST

/*
  Expander, 1:R below the closing threshold (T = -40 dB, no hysteresis):
  a DC key at L dBFS gives a gain of (R - 1)(L + 40) dB, no lower than the
  range (-80 dB).  Ratio 1 is no expansion.  Tolerance 0.1 dB (measured
  errors below 1e-4 dB: the curve uses the polynomial log2/exp2).
*/
typedef struct {
  float  ratio;
  double level;
} Expand;

static const Expand expands[] = {
  { 2.0f, -50.0 }, { 2.0f, -70.0 }, { 3.0f, -45.0 },   { 4.0f, -60.0 },
  { 4.0f, -70.0 }, { 1.0f, -70.0 }, { 100.0f, -40.5 },
};

START_TEST(expander_ratio)
{
  const Expand e = expands[_i];
  enum { N = RATE / 2 };
  static float key[N];
  static float gain[N];

  MxGate gate;
  make(&gate, RATE, -40.0f, -80.0f, 1.0f, 10.0f, 10.0f);
  ck_assert_int_eq(mx_gate_set_hysteresis_db(&gate, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_ratio(&gate, e.ratio), MX_SUCCESS);
  mxt_fill(key, N, (float)pow(10.0, e.level / 20.0));
  run_keyed(&gate, gain, key, N);

  const double want = fmax(-80.0, ((double)e.ratio - 1.0) * (e.level + 40.0));
  ck_assert_double_eq_tol(mxt_db(gain[N - 1]), want, 0.1);
}
END_TEST

/*
  One gain for both channels: a key in either channel opens both, silence
  in both closes both.
*/
START_TEST(stereo_linked)
{
  enum { N = RATE / 4 };
  static float key[2][N];
  static float out[2][N];
  float*       ch[2] = { out[0], out[1] };
  const float* sc[2] = { key[0], key[1] };

  for (int which = 0; which < 3; ++which) {
    MxGate gate;
    make(&gate, RATE, -40.0f, -80.0f, 1.0f, 10.0f, 10.0f);
    mxt_fill(key[0], N, 0.0f);
    mxt_fill(key[1], N, 0.0f);
    if (which < 2) {
      mxt_sine(key[which], N, 1000.0, RATE, 0.1, 0.0);
    }
    mxt_fill(out[0], N, 1.0f);
    mxt_fill(out[1], N, 1.0f);
    run(&gate, ch, 2U, sc, N);
    ck_assert_uint_eq(mxt_first_difference(out[0], out[1], N), N);
    mxt_assert_same(out[0][N - 1], which < 2 ? 1.0f : (float)pow(10.0, -80.0 / 20.0));
  }
}
END_TEST

/*
  On/off: the applied gain crossfades linearly with unity over 20 ms
  (960 samples).  From fully closed (-80 dB) the output of a DC 1.0 rises
  by at most (1 - r) / 960 per sample, then passes bit for bit; switched
  on again it falls no faster than that or the release ramp allows.
*/
START_TEST(on_off_is_click_free)
{
  enum { N = RATE / 2 };
  static float key[N];
  static float gain[N];
  const double r = pow(10.0, -80.0 / 20.0);

  MxGate gate;
  make(&gate, RATE, -40.0f, -80.0f, 1.0f, 10.0f, 10.0f);
  mxt_fill(key, N, 0.0f);
  run_keyed(&gate, gain, key, N);
  ck_assert_double_eq_tol(gain[N - 1], r, 1e-9);

  mx_gate_set_enabled(&gate, false);
  run_keyed(&gate, gain, key, N);
  ck_assert_double_le(mxt_max_step(gain, N), (1.0 - r) / 960.0 * 1.001);
  ck_assert_double_le(gain[0], 2.0 / 960.0);
  ck_assert_uint_eq(mxt_first_not(gain + 960, 1.0f, N - 960), N - 960);
  ck_assert_double_eq(mx_gate_get_reduction_db(&gate), 0.0);

  mx_gate_set_enabled(&gate, true);
  run_keyed(&gate, gain, key, N);
  const double release = (1.0 - r) * -expm1(-1.0 / (0.010 * RATE));
  ck_assert_double_le(mxt_max_step(gain, N), fmax((1.0 - r) / 960.0, release) * 1.001);
  ck_assert_double_ge(gain[0], 1.0 - 2.0 / 960.0);
  ck_assert_double_eq_tol(gain[N - 1], r, 1e-9);
}
END_TEST

/*
  Setters reject NaN and infinities (MX_ERR_BAD_ARG) and out-of-range
  values (MX_ERR_RANGE) and leave the gate byte for byte as it was.
*/
START_TEST(setters_reject_and_change_nothing)
{
  MxGate gate;
  make(&gate, RATE, -40.0f, -80.0f, 1.0f, 10.0f, 10.0f);
  MxGate before;
  memcpy(&before, &gate, sizeof(gate));

  const float bad[] = { NAN, INFINITY, -INFINITY };
  for (size_t i = 0; i < 3; ++i) {
    ck_assert_int_eq(mx_gate_set_threshold_db(&gate, bad[i]), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_gate_set_range_db(&gate, bad[i]), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_gate_set_attack_ms(&gate, bad[i]), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_gate_set_hold_ms(&gate, bad[i]), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_gate_set_release_ms(&gate, bad[i]), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_gate_set_hysteresis_db(&gate, bad[i]), MX_ERR_BAD_ARG);
  }
  ck_assert_int_eq(mx_gate_set_ratio(&gate, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_gate_set_ratio(&gate, -INFINITY), MX_ERR_BAD_ARG);

  ck_assert_int_eq(mx_gate_set_threshold_db(&gate, -90.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_threshold_db(&gate, 0.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_range_db(&gate, -90.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_range_db(&gate, 0.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_attack_ms(&gate, 0.09f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_attack_ms(&gate, 500.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_hold_ms(&gate, -0.1f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_hold_ms(&gate, 2000.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_release_ms(&gate, 0.9f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_release_ms(&gate, 5000.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_hysteresis_db(&gate, -0.1f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_hysteresis_db(&gate, 24.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_ratio(&gate, 0.99f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_ratio(&gate, 100.5f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_gate_set_rate(&gate, (double)NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_gate_set_rate(&gate, 7999.0), MX_ERR_RANGE);
  ck_assert_int_eq(memcmp(&before, &gate, sizeof(gate)), 0);

  // The limits themselves are accepted
  ck_assert_int_eq(mx_gate_set_threshold_db(&gate, -90.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_range_db(&gate, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_attack_ms(&gate, 0.1f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_hold_ms(&gate, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_release_ms(&gate, 5000.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_hysteresis_db(&gate, 24.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_ratio(&gate, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_ratio(&gate, INFINITY), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_rate(&gate, 384000.0), MX_SUCCESS);
}
END_TEST

/*
  A NaN or an infinity in the key does not poison the detector: an
  infinity reads as +60 dBFS and the envelope falls from there (10 ms per
  8.7 dB, 1.2 s at most to -46 dB), so a second of silence later the gate
  is closed and its state finite; a tone then opens it to unity again.
*/
START_TEST(nonfinite_key_recovers)
{
  enum { N = 2 * RATE };
  static float key[N];
  static float gain[N];

  MxGate gate;
  make(&gate, RATE, -40.0f, -80.0f, 1.0f, 10.0f, 10.0f);
  mxt_fill(key, N, 0.0f);
  key[100] = _i ? INFINITY : NAN;
  key[101] = _i ? -INFINITY : -NAN;
  run_keyed(&gate, gain, key, N);
  ck_assert(isfinite(gate.envelope) && isfinite(gate.gain));
  ck_assert_double_eq_tol(gain[N - 1], pow(10.0, -80.0 / 20.0), 1e-9);

  mxt_fill(key, N, 0.1f);
  run_keyed(&gate, gain, key, N);
  mxt_assert_same(gain[N - 1], 1.0f);
}
END_TEST

// A NaN in the audio is the audio's: it passes, and the next sample is fine
START_TEST(nonfinite_audio_passes_through)
{
  float  buf[BLOCK];
  float* ch[1] = { buf };
  MxGate gate;
  make(&gate, RATE, -40.0f, -80.0f, 1.0f, 10.0f, 10.0f);
  mxt_fill(buf, BLOCK, 0.1f);
  buf[10] = NAN;
  run(&gate, ch, 1U, NULL, BLOCK);
  ck_assert(isnan(buf[10]));
  mxt_assert_same(buf[11], 0.1f);
  mxt_assert_same(buf[BLOCK - 1], 0.1f);
}
END_TEST

// The meter: current reduction, and the largest since the last read
START_TEST(meter_reads_and_resets)
{
  enum { N = RATE / 2 };
  static float key[N];
  static float gain[N];

  MxGate gate;
  make(&gate, RATE, -40.0f, -80.0f, 1.0f, 10.0f, 10.0f);
  mxt_fill(key, N, 0.0f);
  run_keyed(&gate, gain, key, N);
  ck_assert_double_eq_tol(mx_gate_get_reduction_db(&gate), 80.0, 0.001);
  ck_assert_double_eq_tol(mx_gate_read_max_reduction_db(&gate), 80.0, 0.001);

  mxt_fill(key, N, 0.1f);
  run_keyed(&gate, gain, key, N);
  ck_assert_double_eq(mx_gate_get_reduction_db(&gate), 0.0);
  ck_assert_double_eq_tol(mx_gate_read_max_reduction_db(&gate), 80.0, 0.001);
  ck_assert_double_eq(mx_gate_read_max_reduction_db(&gate), 0.0);
}
END_TEST

// Defaults as documented; a new gate is off and bit-transparent
START_TEST(init_defaults_and_off)
{
  MxGate gate;
  mx_gate_init(&gate, 44100.0);
  ck_assert_double_eq((double)gate.threshold_db, (double)MX_GATE_DEF_THRESHOLD_DB);
  ck_assert_double_eq((double)gate.range_db, (double)MX_GATE_DEF_RANGE_DB);
  ck_assert_double_eq((double)gate.attack_ms, (double)MX_GATE_DEF_ATTACK_MS);
  ck_assert_double_eq((double)gate.hold_ms, (double)MX_GATE_DEF_HOLD_MS);
  ck_assert_double_eq((double)gate.release_ms, (double)MX_GATE_DEF_RELEASE_MS);
  ck_assert_double_eq((double)gate.hysteresis_db, (double)MX_GATE_DEF_HYSTERESIS_DB);
  ck_assert(isinf(gate.ratio));

  float  buf[BLOCK];
  float* ch[1] = { buf };
  mxt_fill(buf, BLOCK, 1.0e-6f); // far below the threshold
  run(&gate, ch, 1U, NULL, BLOCK);
  ck_assert_uint_eq(mxt_first_not(buf, 1.0e-6f, BLOCK), BLOCK);
}
END_TEST

// Blocks of any length give the same result as blocks of 256
START_TEST(block_size_does_not_matter)
{
  enum { N = 3 * RATE / 2 };
  static float ref[N];
  static float got[N];
  mxt_noise(ref, N, 1.0, 4242U);
  for (size_t i = 0; i < N; ++i) {
    // Bursts with gaps, to open and close the gate
    ref[i] *= (float)((i / 4800) % 3 == 2 ? 0.0001 : 0.5);
  }
  memcpy(got, ref, sizeof(ref));

  MxGate a;
  MxGate b;
  make(&a, RATE, -30.0f, -60.0f, 2.0f, 20.0f, 30.0f);
  make(&b, RATE, -30.0f, -60.0f, 2.0f, 20.0f, 30.0f);
  mx_gate_set_ratio(&a, 3.0f);
  mx_gate_set_ratio(&b, 3.0f);
  float* ch[1] = { ref };
  run(&a, ch, 1U, NULL, N);

  const uint32_t sizes[] = { 1U, 3U, 70U, 64U, 5U, 255U, 129U };
  size_t         i       = 0;
  for (size_t k = 0; i < N; ++k) {
    uint32_t len = sizes[k % 7];
    len          = (uint32_t)(N - i < len ? N - i : len);
    float* c[1]  = { got + i };
    mx_gate_process(&b, c, 1U, NULL, len);
    i += len;
  }
  ck_assert_uint_eq(mxt_first_difference(got, ref, N), N);
}
END_TEST

/*
  Gates run as a bank (mx_gate_process_bank()) give what each gives alone,
  bit for bit, block after block: bursts of noise between quiet gaps open
  and close a full bank of four (a gate with hold, one with hysteresis and
  no hold, an expander, a long hold) and a bank of three (lanes left over:
  one switched on and off again, one whose threshold moves, one that only
  ever sees the quiet).  Blocks of 256, 64 and 37 samples.
*/
START_TEST(bank_is_bit_exact_alone)
{
  enum { N = 7, LEN = 48000, BURST = 9000 };
  static float       alone[N][LEN];
  static float       banked[N][LEN];
  static const float thr[N]  = { -30.0f, -40.0f, -35.0f, -30.0f, -30.0f, -45.0f, -20.0f };
  static const float hold[N] = { 20.0f, 0.0f, 10.0f, 100.0f, 5.0f, 30.0f, 10.0f };
  static const float rel[N]  = { 30.0f, 20.0f, 40.0f, 10.0f, 25.0f, 50.0f, 20.0f };
  MxGate             a[N];
  MxGate             b[N];
  for (unsigned k = 0U; k < N; ++k) {
    make(&a[k], RATE, thr[k], -60.0f, 1.0f, hold[k], rel[k]);
    make(&b[k], RATE, thr[k], -60.0f, 1.0f, hold[k], rel[k]);
    mxt_noise(alone[k], LEN, 0.5, 1300U + k);
    for (size_t i = 0; i < LEN; ++i) {
      const bool loud = k != 6U && ((i + 700U * k) / BURST) % 2U == 0U;
      alone[k][i] *= loud ? 1.0f : 1e-3f; // Gaps at -66 dB
    }
  }
  memcpy(banked, alone, sizeof(alone));
  ck_assert_int_eq(mx_gate_set_hysteresis_db(&a[1], 6.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_hysteresis_db(&b[1], 6.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_ratio(&a[2], 2.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_gate_set_ratio(&b[2], 2.0f), MX_SUCCESS);
  mx_gate_set_enabled(&a[4], false);
  mx_gate_set_enabled(&b[4], false);
  mx_gate_reset(&a[4]);
  mx_gate_reset(&b[4]);

  static const uint32_t sizes[] = { 256U, 64U, 37U };
  unsigned              blk     = 0U;
  float                 most[N] = { 0.0f };
  for (size_t at = 0; at < LEN; ++blk) {
    const uint32_t len = (uint32_t)(LEN - at < sizes[blk % 3U] ? LEN - at : sizes[blk % 3U]);
    if (blk == 30U || blk == 200U) {
      mx_gate_set_enabled(&a[4], blk == 30U);
      mx_gate_set_enabled(&b[4], blk == 30U);
    }
    if (blk == 100U) {
      ck_assert_int_eq(mx_gate_set_threshold_db(&a[5], -25.0f), MX_SUCCESS);
      ck_assert_int_eq(mx_gate_set_threshold_db(&b[5], -25.0f), MX_SUCCESS);
    }
    MxGate* gates[N];
    float*  bufs[N];
    for (unsigned k = 0U; k < N; ++k) {
      float* ch[1] = { alone[k] + at };
      mx_gate_process(&a[k], ch, 1U, NULL, len);
      gates[k] = &b[k];
      bufs[k]  = banked[k] + at;
    }
    mx_gate_process_bank(gates, bufs, MX_GATE_BANK, len);
    mx_gate_process_bank(gates + MX_GATE_BANK, bufs + MX_GATE_BANK, 3U, len);
    for (unsigned k = 0U; k < N; ++k) {
      const float reduction = mx_gate_read_max_reduction_db(&a[k]);
      mxt_assert_same(mx_gate_read_max_reduction_db(&b[k]), reduction);
      most[k] = reduction > most[k] ? reduction : most[k];
    }
    at += len;
  }

  for (unsigned k = 0U; k < N; ++k) {
    mxt_assert_same_samples(banked[k], alone[k], LEN);
    ck_assert_msg(most[k] > 10.0f, "gate %u never closed (%.1f dB)", k, (double)most[k]);
  }
}
END_TEST

static Suite*
gate_suite(void)
{
  Suite* const s = suite_create("gate");

  TCase* const levels = tcase_create("levels");
  tcase_add_loop_test(levels, closed_attenuates_by_range, 0, sizeof(ranges) / sizeof(ranges[0]));
  tcase_add_test(levels, open_is_bit_exact);
  tcase_add_loop_test(levels, expander_ratio, 0, sizeof(expands) / sizeof(expands[0]));
  tcase_add_test(levels, stereo_linked);
  suite_add_tcase(s, levels);

  TCase* const states = tcase_create("states");
  tcase_add_test(states, hysteresis_keeps_state);
  tcase_add_loop_test(states, hold_then_release, 0, sizeof(holds) / sizeof(holds[0]));
  tcase_add_test(states, hold_restarts_between_thresholds);
  suite_add_tcase(s, states);

  TCase* const ramps = tcase_create("ramps");
  tcase_add_loop_test(
    ramps, attack_and_release_time_constants, 0, sizeof(times) / sizeof(times[0]));
  tcase_add_test(ramps, on_off_is_click_free);
  suite_add_tcase(s, ramps);

  TCase* const robust = tcase_create("robustness");
  tcase_add_test(robust, setters_reject_and_change_nothing);
  tcase_add_loop_test(robust, nonfinite_key_recovers, 0, 2);
  tcase_add_test(robust, nonfinite_audio_passes_through);
  tcase_add_test(robust, init_defaults_and_off);
  tcase_add_test(robust, block_size_does_not_matter);
  tcase_add_test(robust, bank_is_bit_exact_alone);
  suite_add_tcase(s, robust);

  TCase* const meter = tcase_create("meter");
  tcase_add_test(meter, meter_reads_and_resets);
  suite_add_tcase(s, meter);
  return s;
}

int
main(void)
{
  return mxt_run_suite(gate_suite());
}
