// SPDX-License-Identifier: GPL-3.0-or-later

#include "analytic_filter.h"

#include <complex.h>
#include <math.h>

double
mxt_analytic_warp(const double freq, const double f0, const double rate)
{
  return tan(M_PI * freq / rate) / tan(M_PI * f0 / rate);
}

// Analog prototypes, normalised to a corner of 1 rad/s (RBJ cookbook, the
// H(s) given for each filter; A = 10^(gain/40), shelves with the cookbook's Q)
static double complex
prototype(const MxBiquadType type, const double complex s, const double q, const double gain_db)
{
  const double         A   = pow(10.0, gain_db / 40.0);
  const double         sqA = sqrt(A);
  const double complex s2  = s * s;
  const double complex d   = s2 + s / q + 1.0; // common 2nd order denominator

  switch (type) {
    case MX_BIQUAD_PEAK:
      return (s2 + s * (A / q) + 1.0) / (s2 + s / (A * q) + 1.0);
    case MX_BIQUAD_LOW_SHELF:
      return A * (s2 + (sqA / q) * s + A) / (A * s2 + (sqA / q) * s + 1.0);
    case MX_BIQUAD_HIGH_SHELF:
      return A * (A * s2 + (sqA / q) * s + 1.0) / (s2 + (sqA / q) * s + A);
    case MX_BIQUAD_LOW_PASS:
      return 1.0 / d;
    case MX_BIQUAD_HIGH_PASS:
      return s2 / d;
    case MX_BIQUAD_BAND_PASS: // constant 0 dB peak gain
      return (s / q) / d;
    case MX_BIQUAD_NOTCH:
      return (s2 + 1.0) / d;
    case MX_BIQUAD_ALL_PASS:
      return (s2 - s / q + 1.0) / d;
  }
  return (double)NAN;
}

double
mxt_analytic_biquad_db(const MxBiquadType type,
                       const double       f0,
                       const double       q,
                       const double       gain_db,
                       const double       freq,
                       const double       rate)
{
  const double W = mxt_analytic_warp(freq, f0, rate);
  const double m = cabs(prototype(type, W * (double complex)I, q, gain_db));
  return m > 0.0 ? 20.0 * log10(m) : -HUGE_VAL;
}

double
mxt_analytic_pass_db(const bool          high,
                     const MxBiquadSlope slope,
                     const double        f0,
                     const double        freq,
                     const double        rate)
{
  const double w  = mxt_analytic_warp(freq, f0, rate);
  const double W  = high ? 1.0 / w : w;
  const double W4 = W * W * W * W;

  switch (slope) {
    case MX_SLOPE_12_BUTTERWORTH:
      return -10.0 * log10(1.0 + W4);
    case MX_SLOPE_24_BUTTERWORTH:
      return -10.0 * log10(1.0 + W4 * W4);
    case MX_SLOPE_24_LINKWITZ_RILEY:
      return -20.0 * log10(1.0 + W4);
  }
  return (double)NAN;
}
