// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_TESTS_TESTUTIL_H
#define MX_TESTS_TESTUTIL_H

#include <check.h>

#include <stddef.h>
#include <stdint.h>

/// Signal generators, measurements and assertions shared by the DSP tests.

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

/// Set `n` samples of `buf` to `value`.
void
mxt_fill(float* buf, size_t n, float value);

/**
   Length, samples, of a parameter ramp of MX_SMOOTH_DEFAULT_MS at `rate`,
   rounded to nearest: floor(ms * 0.001 * rate + 0.5).
*/
unsigned
mxt_ramp_samples(double rate);

/**
   Index of the first sample where `a` and `b` differ, `n` if none.

   Bit for bit but for the sign of zero; a NaN differs from everything.
   Tests assert once on the result rather than once per sample: Check
   reports every passing assertion to its parent process, which is slow.
*/
size_t
mxt_first_difference(const float* a, const float* b, size_t n);

/// Index of the first of `n` samples that is not exactly `value`, `n` if none.
size_t
mxt_first_not(const float* a, float value, size_t n);

/**
   Index of the first of `n` samples that breaks a lone impulse: not exactly
   `value` at `at`, or not exactly 0 elsewhere.  `n` if none does.
*/
size_t
mxt_first_off_impulse(const float* x, size_t n, size_t at, float value);

/// Number of elements of an array, as the int that tcase_add_loop_test() takes.
#define MXT_N_CASES(a) ((int)(sizeof(a) / sizeof((a)[0])))

/**
   Assert that two floats are exactly equal (a NaN never is), printing both
   in hex on failure.

   Each argument is evaluated once.  A macro, so that Check reports the
   caller's line; ck_assert_float_eq() would warn under -Wdouble-promotion.
*/
#define mxt_assert_same(a, b)                                                      \
  do {                                                                             \
    const double mxt_a_ = (double)(a);                                             \
    const double mxt_b_ = (double)(b);                                             \
    ck_assert_msg(mxt_a_ == mxt_b_, "%s == %s: %a != %a", #a, #b, mxt_a_, mxt_b_); \
  } while (0)

/**
   Assert that `n` samples of `y` equal those of `x` as mxt_first_difference()
   compares them, printing the first that differs.  A macro, so that Check
   reports the caller's line.
*/
#define mxt_assert_same_samples(y, x, n)                                      \
  do {                                                                        \
    const float* const mxt_y_ = (y);                                          \
    const float* const mxt_x_ = (x);                                          \
    const size_t       mxt_n_ = (n);                                          \
    const size_t       mxt_i_ = mxt_first_difference(mxt_y_, mxt_x_, mxt_n_); \
    ck_assert_msg(mxt_i_ == mxt_n_,                                           \
                  "sample %zu: %.9g, expected %.9g",                          \
                  mxt_i_,                                                     \
                  (double)mxt_y_[mxt_i_],                                     \
                  (double)mxt_x_[mxt_i_]);                                    \
  } while (0)

/**
   Assert that `n` samples of `x` are `value` at `at` and exactly 0
   everywhere else, printing the first that is not.  A macro, so that Check
   reports the caller's line.
*/
#define mxt_assert_impulse(x, n, at, value)                                              \
  do {                                                                                   \
    const float* const mxt_x_  = (x);                                                    \
    const size_t       mxt_n_  = (n);                                                    \
    const size_t       mxt_at_ = (at);                                                   \
    const float        mxt_v_  = (value);                                                \
    const size_t       mxt_i_  = mxt_first_off_impulse(mxt_x_, mxt_n_, mxt_at_, mxt_v_); \
    ck_assert_msg(mxt_i_ == mxt_n_,                                                      \
                  "sample %zu: %.9g; impulse of %.9g expected at %zu",                   \
                  mxt_i_,                                                                \
                  (double)mxt_x_[mxt_i_],                                                \
                  (double)mxt_v_,                                                        \
                  mxt_at_);                                                              \
  } while (0)

/**
   Make a new directory /tmp/mixd-NAME-XXXXXX into `dir` (`size` bytes);
   the program exits if it cannot (no file test can run without it).
*/
void
mxt_make_temp_dir(char* dir, size_t size, const char* name);

/**
   Remove a directory and everything in it, unwritable directories too
   (the temporary directories of the file tests).
*/
void
mxt_remove_tree(const char* path);

/**
   Run every test of `suite` (forked, as Check does by default) and return
   the process exit status: EXIT_SUCCESS if all passed.  Takes ownership.
*/
int
mxt_run_suite(Suite* suite);

#endif // MX_TESTS_TESTUTIL_H
