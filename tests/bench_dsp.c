// SPDX-License-Identifier: GPL-3.0-or-later

// Benchmarks of the dsp/ processors (`make bench`, never part of `make
// check`: speed is measured, not asserted).  Prints nanoseconds per sample
// per channel, the best of several runs (the least disturbed by the rest of
// the machine), at block sizes 64 and 256.
//
// `bench_dsp --callgrind` runs only the full strip, for a fixed amount of
// audio, inside strip_run(); `make bench` counts its instructions with
// callgrind --toggle-collect=strip_run, which is stable from run to run.

#include "biquad.h"
#include "compressor.h"
#include "dc_blocker.h"
#include "delay.h"
#include "denormal.h"
#include "gain.h"
#include "gate.h"
#include "limiter.h"
#include "loudness.h"
#include "meter_peak.h"
#include "meter_rms.h"
#include "pan.h"
#include "strip.h"
#include "strip_eq.h"
#include "testutil.h"
#include "true_peak.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RATE = 48000, SECONDS = 4, RUNS = 5, MAX_BENCH_BLOCK = 256 };

/// One benchmark: a context and a function that processes one block
typedef struct {
  const char* name;     ///< What is measured
  unsigned    channels; ///< Channels it processes (the divisor)
  void (*run)(void* ctx, uint32_t n);
  void* ctx;
} Bench;

// Input: a loud, steady band-limited signal (noise through a low pass), so
// dynamics processors work and filters see every frequency
static float  input[2][RATE * SECONDS];
static float  work[2][MAX_BENCH_BLOCK];
static float  out_l[MAX_BENCH_BLOCK];
static float  out_r[MAX_BENCH_BLOCK];
static size_t position;

static void
load_block(const unsigned channels, const uint32_t n)
{
  for (unsigned c = 0U; c < channels; ++c) {
    memcpy(work[c], &input[c][position], n * sizeof(float));
  }
  position = (position + n) % (RATE * SECONDS - MAX_BENCH_BLOCK);
}

static double
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

// Processing cost only: the copy into `work` is timed apart and subtracted
static double
measure(const Bench* const b, const uint32_t block)
{
  const size_t blocks = (size_t)RATE * SECONDS / block;
  double       best   = 1e30;
  double       copy   = 1e30;
  for (unsigned r = 0U; r < RUNS; ++r) {
    position        = 0U;
    const double t0 = now_ns();
    for (size_t i = 0U; i < blocks; ++i) {
      load_block(b->channels, block);
    }
    const double t1 = now_ns();
    for (size_t i = 0U; i < blocks; ++i) {
      load_block(b->channels, block);
      b->run(b->ctx, block);
    }
    const double t2 = now_ns();
    copy            = t1 - t0 < copy ? t1 - t0 : copy;
    best            = t2 - t1 < best ? t2 - t1 : best;
  }
  const double net = best - copy > 0.0 ? best - copy : 0.0;
  return net / ((double)blocks * block * b->channels);
}

// --- The processors, each set up as it would run in a mix

static void
run_gain(void* ctx, uint32_t n)
{
  mx_gain_process((MxGain*)ctx, work[0], n);
}

static void
run_pan(void* ctx, uint32_t n)
{
  mx_pan_process((MxPan*)ctx, work[0], out_l, out_r, n);
}

static void
run_balance(void* ctx, uint32_t n)
{
  mx_balance_process((MxBalance*)ctx, work[0], work[1], n);
}

static void
run_width(void* ctx, uint32_t n)
{
  mx_width_process((MxWidth*)ctx, work[0], work[1], n);
}

typedef struct {
  MxBiquadCoeffs coeffs;
  MxBiquadState  state;
} OneBiquad;

static void
run_biquad(void* ctx, uint32_t n)
{
  OneBiquad* const b = (OneBiquad*)ctx;
  mx_biquad_process(&b->coeffs, &b->state, work[0], n);
}

// A filter's decaying tail: silence in, state in the subnormal range.  With
// flush-to-zero the state is zero at once; without it, every operation on
// a subnormal takes a slow microcode path
static void
run_biquad_tail(void* ctx, uint32_t n)
{
  OneBiquad* const b = (OneBiquad*)ctx;
  memset(work[0], 0, n * sizeof(float));
  b->state.z1 = 3e-310; // subnormal double
  b->state.z2 = -2e-310;
  mx_biquad_process(&b->coeffs, &b->state, work[0], n);
}

static float* const work_ch[2] = { work[0], work[1] };

static void
run_strip_eq(void* ctx, uint32_t n)
{
  mx_strip_eq_process((MxStripEq*)ctx, work_ch, n);
}

static void
run_gate(void* ctx, uint32_t n)
{
  mx_gate_process((MxGate*)ctx, work_ch, 1U, NULL, n);
}

static void
run_compressor(void* ctx, uint32_t n)
{
  mx_compressor_process((MxCompressor*)ctx, work_ch, 1U, NULL, n);
}

static void
run_compressor_stereo(void* ctx, uint32_t n)
{
  mx_compressor_process((MxCompressor*)ctx, work_ch, 2U, NULL, n);
}

static void
run_limiter(void* ctx, uint32_t n)
{
  mx_limiter_process((MxLimiter*)ctx, work_ch, n);
}

static void
run_delay(void* ctx, uint32_t n)
{
  mx_delay_process((MxDelay*)ctx, work_ch, n);
}

static void
run_dc_blocker(void* ctx, uint32_t n)
{
  mx_dc_blocker_process((MxDcBlocker*)ctx, work_ch, n);
}

static void
run_meter_peak(void* ctx, uint32_t n)
{
  MxMeterPeakReading reading;
  mx_meter_peak_process((MxMeterPeak*)ctx, work[0], n);
  mx_meter_peak_read_reset((MxMeterPeak*)ctx, &reading);
}

static void
run_meter_rms(void* ctx, uint32_t n)
{
  MxMeterRmsReading reading;
  mx_meter_rms_process((MxMeterRms*)ctx, work[0], n);
  mx_meter_rms_read_reset((MxMeterRms*)ctx, &reading);
}

static void
run_true_peak(void* ctx, uint32_t n)
{
  const float* const in[2] = { work[0], work[1] };
  MxTruePeakReading  reading;
  mx_true_peak_meter_process((MxTruePeakMeter*)ctx, in, n);
  mx_true_peak_meter_read_reset((MxTruePeakMeter*)ctx, &reading);
}

static void
run_loudness(void* ctx, uint32_t n)
{
  const float* const in[2] = { work[0], work[1] };
  mx_loudness_process((MxLoudness*)ctx, in, n);
}

static void
run_strip(void* ctx, uint32_t n)
{
  const float* const in[2] = { work[0], work[1] };
  MxStripMeters      meters;
  mx_strip_process((MxStrip*)ctx, in, out_l, out_r, n);
  mx_strip_read_meters((MxStrip*)ctx, &meters);
}

// A full strip as the issue defines it: high pass + 4-band EQ + gate +
// compressor + fader + pan + peak/RMS meters (pre- and post-fader),
// everything switched on; trim (0 dB), delay (0) and mute (off) stay
// neutral, as they are on most channels, but run in the chain
static MxStrip*
full_strip(const unsigned channels)
{
  MxStrip* const strip = mx_strip_new(channels, RATE);
  if (!strip) {
    return NULL;
  }

  MxStripEq* const eq = mx_strip_eq(strip);
  mx_strip_eq_set_hpf_enabled(eq, true);
  mx_strip_eq_set_hpf_freq_hz(eq, 80.0f);
  for (unsigned band = 0U; band < 4U; ++band) {
    mx_strip_eq_set_band_gain_db(eq, band, band % 2U ? -3.0f : 4.0f);
  }
  mx_strip_eq_reset(eq);

  mx_gate_set_threshold_db(mx_strip_gate(strip), -50.0f);
  mx_gate_set_enabled(mx_strip_gate(strip), true);
  mx_compressor_set_threshold_db(mx_strip_compressor(strip), -20.0f);
  mx_compressor_set_enabled(mx_strip_compressor(strip), true);
  mx_strip_set_fader_db(strip, -3.0f);
  if (channels == 1U) {
    mx_pan_set_position(mx_strip_pan(strip), -0.3f);
  } else {
    mx_balance_set_position(mx_strip_balance(strip), -0.3f);
  }
  return strip;
}

// Kept out of line so that callgrind can count exactly this
__attribute__((noinline)) static void
strip_run(MxStrip* const strip, const uint32_t block, const size_t samples)
{
  for (size_t done = 0U; done < samples; done += block) {
    load_block(1U, block);
    run_strip(strip, block);
  }
}

static void
make_input(void)
{
  for (unsigned c = 0U; c < 2U; ++c) {
    mxt_noise(input[c], RATE * SECONDS, 1.0, 17U + c);
    MxBiquadCoeffs lp;
    MxBiquadState  st = { 0.0, 0.0 };
    mx_biquad_design(&lp, MX_BIQUAD_LOW_PASS, 8000.0, 0.7071, 0.0, RATE);
    for (size_t i = 0U; i < (size_t)RATE * SECONDS; i += MAX_BENCH_BLOCK) {
      mx_biquad_process(&lp, &st, &input[c][i], MAX_BENCH_BLOCK);
    }
  }
}

int
main(int argc, char** argv)
{
  MxFpState ieee_state;
  mx_denormal_disable(&ieee_state);
  make_input();

  if (argc > 1 && !strcmp(argv[1], "--callgrind")) {
    // Two seconds of mono audio at block 256, after a warm-up second that
    // callgrind does not count (it is not inside strip_run)
    MxStrip* const strip = full_strip(1U);
    for (size_t done = 0U; done < RATE; done += 256U) {
      load_block(1U, 256U);
      run_strip(strip, 256U);
    }
    strip_run(strip, 256U, 2U * RATE);
    printf("callgrind samples: %d\n", 2 * RATE);
    mx_strip_free(strip);
    return 0;
  }

  MxGain gain;
  mx_gain_init(&gain, RATE);
  mx_gain_set_db(&gain, -6.0f);
  mx_gain_reset(&gain);

  MxPan pan;
  mx_pan_init(&pan, RATE);
  mx_pan_set_position(&pan, 0.3f);
  mx_pan_reset(&pan);

  MxBalance balance;
  mx_balance_init(&balance, RATE);
  mx_balance_set_position(&balance, 0.3f);
  mx_balance_reset(&balance);

  MxWidth width;
  mx_width_init(&width, RATE);
  mx_width_set_amount(&width, 1.5f);
  mx_width_reset(&width);

  OneBiquad biquad = { { 0 }, { 0.0, 0.0 } };
  mx_biquad_design(&biquad.coeffs, MX_BIQUAD_PEAK, 1000.0, 1.0, 6.0, RATE);

  MxStripEq eq;
  mx_strip_eq_init(&eq, 1U, RATE);
  mx_strip_eq_set_hpf_enabled(&eq, true);
  for (unsigned band = 0U; band < 4U; ++band) {
    mx_strip_eq_set_band_gain_db(&eq, band, 3.0f);
  }
  mx_strip_eq_reset(&eq);

  MxGate gate;
  mx_gate_init(&gate, RATE);
  mx_gate_set_threshold_db(&gate, -50.0f);
  mx_gate_set_enabled(&gate, true);

  MxCompressor* const comp    = mx_compressor_new(RATE);
  MxCompressor* const comp2   = mx_compressor_new(RATE);
  MxLimiter* const    limiter = mx_limiter_new(2U, RATE, MX_LIMITER_DEFAULT_LOOKAHEAD_MS);
  MxDelay* const      delay   = mx_delay_new(2U, 100.0f, RATE);

  MxDcBlocker dc;
  mx_dc_blocker_init(&dc, 2U, RATE);

  MxMeterPeak peak;
  mx_meter_peak_init(&peak, RATE);
  MxMeterRms* const rms = mx_meter_rms_new(RATE, 3000.0f);
  MxTruePeakMeter   tp;
  mx_true_peak_meter_init(&tp, 2U);
  MxLoudness* const loudness = mx_loudness_new(2U, RATE);

  MxStrip* const strip_mono   = full_strip(1U);
  MxStrip* const strip_stereo = full_strip(2U);

  if (!comp || !comp2 || !limiter || !delay || !rms || !loudness || !strip_mono || !strip_stereo) {
    fprintf(stderr, "bench_dsp: out of memory\n");
    return 1;
  }

  mx_compressor_set_enabled(comp, true);
  mx_compressor_set_enabled(comp2, true);
  mx_limiter_set_ceiling_db(limiter, -6.0f); // always reducing
  mx_limiter_set_enabled(limiter, true);
  mx_delay_set_samples(delay, 1000U);

  const Bench benches[] = {
    { "gain (settled, -6 dB)", 1U, run_gain, &gain },
    { "pan mono->stereo", 1U, run_pan, &pan },
    { "balance", 2U, run_balance, &balance },
    { "width", 2U, run_width, &width },
    { "biquad (1 section)", 1U, run_biquad, &biquad },
    { "strip EQ (HPF + 4 bands)", 1U, run_strip_eq, &eq },
    { "gate", 1U, run_gate, &gate },
    { "compressor mono", 1U, run_compressor, comp },
    { "compressor stereo", 2U, run_compressor_stereo, comp2 },
    { "limiter stereo (reducing)", 2U, run_limiter, limiter },
    { "delay stereo", 2U, run_delay, delay },
    { "DC blocker stereo", 2U, run_dc_blocker, &dc },
    { "peak meter", 1U, run_meter_peak, &peak },
    { "RMS meter", 1U, run_meter_rms, rms },
    { "true-peak meter stereo", 2U, run_true_peak, &tp },
    { "loudness (R128) stereo", 2U, run_loudness, loudness },
    { "FULL STRIP mono", 1U, run_strip, strip_mono },
    { "FULL STRIP stereo", 2U, run_strip, strip_stereo },
  };

  // The decaying-tail case, with and without flush-to-zero
  OneBiquad tail = { { 0 }, { 0.0, 0.0 } };
  mx_biquad_design(&tail.coeffs, MX_BIQUAD_LOW_PASS, 50.0, 0.7071, 0.0, RATE);
  const Bench  tail_bench = { "biquad subnormal tail", 1U, run_biquad_tail, &tail };
  const double tail_ftz   = measure(&tail_bench, 256U);
  mx_denormal_restore(&ieee_state); // the C default: gradual underflow
  const double tail_ieee = measure(&tail_bench, 256U);
  mx_denormal_disable(NULL);

  printf(
    "ns per sample per channel, %d kHz, best of %d runs of %d s\n", RATE / 1000, RUNS, SECONDS);
  printf("%-28s %10s %10s\n", "processor", "block 64", "block 256");
  for (size_t i = 0U; i < sizeof(benches) / sizeof(benches[0]); ++i) {
    const double ns64  = measure(&benches[i], 64U);
    const double ns256 = measure(&benches[i], 256U);
    printf("%-28s %10.2f %10.2f\n", benches[i].name, ns64, ns256);
  }

  printf("\nbiquad on a subnormal decaying tail, block 256: %.2f ns with flush-to-zero, "
         "%.2f ns without\n",
         tail_ftz,
         tail_ieee);

  mx_strip_free(strip_stereo);
  mx_strip_free(strip_mono);
  mx_loudness_free(loudness);
  mx_meter_rms_free(rms);
  mx_delay_free(delay);
  mx_limiter_free(limiter);
  mx_compressor_free(comp2);
  mx_compressor_free(comp);
  return 0;
}
