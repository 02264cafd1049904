// SPDX-License-Identifier: GPL-3.0-or-later

#include "testutil.h"

#include "smooth.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const double mxt_rates[3] = { 44100.0, 48000.0, 96000.0 };

void
mxt_sine(float* const out,
         const size_t n,
         const double freq,
         const double rate,
         const double amp,
         const double phase)
{
  const double w = 2.0 * M_PI * freq / rate;
  for (size_t i = 0; i < n; ++i) {
    // fmod keeps the argument small so precision does not drift
    out[i] = (float)(amp * sin(fmod(w * (double)i, 2.0 * M_PI) + phase));
  }
}

double
mxt_peak(const float* const x, const size_t n)
{
  double peak = 0.0;
  for (size_t i = 0; i < n; ++i) {
    peak = fmax(peak, fabs((double)x[i]));
  }
  return peak;
}

double
mxt_rms(const float* const x, const size_t n)
{
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    sum += (double)x[i] * (double)x[i];
  }
  return n ? sqrt(sum / (double)n) : 0.0;
}

double
mxt_db(const double x)
{
  return x > 0.0 ? 20.0 * log10(x) : -HUGE_VAL;
}

double
mxt_max_step(const float* const x, const size_t n)
{
  double step = 0.0;
  for (size_t i = 1; i < n; ++i) {
    step = fmax(step, fabs((double)x[i] - (double)x[i - 1]));
  }
  return step;
}

// Correlate `n` samples of `x` with a cosine (into *re) and a sine (into
// *im) of `freq`, the phase reduced each sample as mxt_sine() does
static void
correlate(const float* const x,
          const size_t       n,
          const double       freq,
          const double       rate,
          double* const      re,
          double* const      im)
{
  const double w = 2.0 * M_PI * freq / rate;
  double       c = 0.0;
  double       s = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double a = fmod(w * (double)i, 2.0 * M_PI);
    c += (double)x[i] * cos(a);
    s += (double)x[i] * sin(a);
  }
  *re = c;
  *im = s;
}

double
mxt_dtft_db(const float* const x, const size_t n, const double freq, const double rate)
{
  // X(e^jw) = sum x[i] e^(-jwi): its imaginary part is -im, squared alike
  double re = 0.0;
  double im = 0.0;
  correlate(x, n, freq, rate, &re, &im);
  return 10.0 * log10(re * re + im * im);
}

double
mxt_tone_amplitude(const float* const x, size_t n, const double freq, const double rate)
{
  // Trim to a whole number of periods so the correlation has no leakage
  const double periods = floor((double)n * freq / rate);
  if (periods >= 1.0) {
    n = (size_t)floor(periods * rate / freq + 0.5);
  }

  double re = 0.0;
  double im = 0.0;
  correlate(x, n, freq, rate, &re, &im);
  return 2.0 * sqrt(re * re + im * im) / (double)n;
}

void
mxt_log_frequencies(double* const out, const size_t count, const double lo, const double hi)
{
  for (size_t i = 0; i < count; ++i) {
    const double t = count > 1 ? (double)i / (double)(count - 1) : 0.0;
    out[i]         = lo * pow(hi / lo, t);
  }
}

void
mxt_noise(float* const out, const size_t n, const double amp, uint32_t seed)
{
  for (size_t i = 0; i < n; ++i) {
    // xorshift32 (Marsaglia 2003)
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    out[i] = (float)(amp * ((double)seed / 2147483647.5 - 1.0));
  }
}

void
mxt_fill(float* const buf, const size_t n, const float value)
{
  for (size_t i = 0; i < n; ++i) {
    buf[i] = value;
  }
}

unsigned
mxt_ramp_samples(const double rate)
{
  return (unsigned)floor((double)MX_SMOOTH_DEFAULT_MS * 0.001 * rate + 0.5);
}

size_t
mxt_first_difference(const float* const a, const float* const b, const size_t n)
{
  size_t i = 0;
  while (i < n && a[i] == b[i]) {
    ++i;
  }
  return i;
}

size_t
mxt_first_not(const float* const a, const float value, const size_t n)
{
  size_t i = 0;
  while (i < n && a[i] == value) {
    ++i;
  }
  return i;
}

size_t
mxt_first_off_impulse(const float* const x, const size_t n, const size_t at, const float value)
{
  size_t i = 0;
  while (i < n && x[i] == (i == at ? value : 0.0f)) {
    ++i;
  }
  return i;
}

int
mxt_run_suite(Suite* const suite)
{
  SRunner* const runner = srunner_create(suite);
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

void
mxt_make_temp_dir(char* const dir, const size_t size, const char* const name)
{
  snprintf(dir, size, "/tmp/mixd-%s-XXXXXX", name);
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(EXIT_FAILURE);
  }
}

void
mxt_remove_tree(const char* const path)
{
  chmod(path, 0700);
  DIR* const d = opendir(path);
  if (d) {
    struct dirent* e = NULL;
    char           name[1024];
    while ((e = readdir(d))) {
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
        struct stat st;
        snprintf(name, sizeof(name), "%s/%s", path, e->d_name);
        if (!lstat(name, &st) && S_ISDIR(st.st_mode)) {
          mxt_remove_tree(name);
        } else {
          unlink(name);
        }
      }
    }
    closedir(d);
  }
  rmdir(path);
}
