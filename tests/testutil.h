// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_TESTS_TESTUTIL_H
#define MX_TESTS_TESTUTIL_H

#include <check.h>

#include <stddef.h>
#include <stdint.h>

/// Signal generators and measurements shared by the DSP tests.

/// The sample rates every rate-dependent processor is tested at.
extern const double mxt_rates[3]; // 44100, 48000, 96000

/**
   Write `n` samples of amp * sin(2 pi f t + phase) to `out`.

   Computed in double precision with the phase reduced each sample, so the
   signal is exact to float rounding however long it is.
*/
void
mxt_sine(float* out, size_t n, double freq, double rate, double amp, double phase);

/// Largest |x| of `n` samples.
double
mxt_peak(const float* x, size_t n);

/// Root mean square of `n` samples.
double
mxt_rms(const float* x, size_t n);

/// 20 log10(x), -INFINITY for 0.
double
mxt_db(double x);

/// Largest |x[i] - x[i-1]| over `n` samples (the size of a click).
double
mxt_max_step(const float* x, size_t n);

/**
   Magnitude, dB, of the discrete-time Fourier transform of `x` at `freq`.

   Given an impulse response long enough to have decayed, this is the
   filter's magnitude response |H(e^jw)| at w = 2 pi freq / rate.
*/
double
mxt_dtft_db(const float* x, size_t n, double freq, double rate);

/**
   Amplitude of the `freq` component of `x`, by correlation with a sine and a
   cosine over a whole number of periods (a single-bin DFT).  For a steady
   sine this is its peak amplitude, whatever its phase.
*/
double
mxt_tone_amplitude(const float* x, size_t n, double freq, double rate);

/**
   `count` frequencies spaced logarithmically from `lo` to `hi`, Hz.
*/
void
mxt_log_frequencies(double* out, size_t count, double lo, double hi);

/**
   Deterministic white noise in [-amp, amp] (xorshift32), for repeatable
   tests.  `seed` must not be 0.
*/
void
mxt_noise(float* out, size_t n, double amp, uint32_t seed);

/**
   Run every test of `suite` (forked, as Check does by default) and return
   the process exit status: EXIT_SUCCESS if all passed.  Takes ownership.
*/
int
mxt_run_suite(Suite* suite);

#endif // MX_TESTS_TESTUTIL_H
