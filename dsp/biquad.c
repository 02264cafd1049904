// SPDX-License-Identifier: GPL-3.0-or-later

#include "biquad.h"

#include <assert.h>
#include <math.h>

// Butterworth 4th order: Q_k = 1 / (2 cos(theta_k)) for the pole angles
// theta = pi/8 and 3 pi/8 of the normalised prototype
#define MX_BUTTERWORTH4_Q1 0.54119610014619698
#define MX_BUTTERWORTH4_Q2 1.30656296487637652
#define MX_BUTTERWORTH2_Q 0.70710678118654752

static bool
all_finite(const double freq_hz, const double q, const double gain_db, const double rate)
{
  return isfinite(freq_hz) && isfinite(q) && isfinite(gain_db) && isfinite(rate);
}

// Divide the raw cookbook coefficients by a0
static void
normalise(MxBiquadCoeffs* const out,
          const double          b0,
          const double          b1,
          const double          b2,
          const double          a0,
          const double          a1,
          const double          a2)
{
  out->b0 = b0 / a0;
  out->b1 = b1 / a0;
  out->b2 = b2 / a0;
  out->a1 = a1 / a0;
  out->a2 = a2 / a0;
}

MxStatus
mx_biquad_design(MxBiquadCoeffs* const out,
                 const MxBiquadType    type,
                 const double          freq_hz,
                 const double          q,
                 const double          gain_db,
                 const double          rate)
{
  if (!all_finite(freq_hz, q, gain_db, rate) || (unsigned)type >= MX_BIQUAD_N_TYPES) {
    return MX_ERR_BAD_ARG;
  }

  if (!mx_rate_is_valid(rate) || freq_hz < MX_BIQUAD_MIN_FREQ ||
      freq_hz > MX_BIQUAD_MAX_FREQ_FS * rate || q < MX_BIQUAD_MIN_Q || q > MX_BIQUAD_MAX_Q ||
      fabs(gain_db) > MX_BIQUAD_MAX_GAIN_DB) {
    return MX_ERR_RANGE;
  }

  // Intermediate variables of the cookbook
  const double A     = pow(10.0, gain_db / 40.0);
  const double w0    = 2.0 * M_PI * freq_hz / rate;
  const double cosw  = cos(w0);
  const double alpha = sin(w0) / (2.0 * q);
  const double sqA2a = 2.0 * sqrt(A) * alpha;

  switch (type) {
    case MX_BIQUAD_PEAK:
      normalise(out,
                1.0 + alpha * A,
                -2.0 * cosw,
                1.0 - alpha * A,
                1.0 + alpha / A,
                -2.0 * cosw,
                1.0 - alpha / A);
      break;
    case MX_BIQUAD_LOW_SHELF:
      normalise(out,
                A * ((A + 1.0) - (A - 1.0) * cosw + sqA2a),
                2.0 * A * ((A - 1.0) - (A + 1.0) * cosw),
                A * ((A + 1.0) - (A - 1.0) * cosw - sqA2a),
                (A + 1.0) + (A - 1.0) * cosw + sqA2a,
                -2.0 * ((A - 1.0) + (A + 1.0) * cosw),
                (A + 1.0) + (A - 1.0) * cosw - sqA2a);
      break;
    case MX_BIQUAD_HIGH_SHELF:
      normalise(out,
                A * ((A + 1.0) + (A - 1.0) * cosw + sqA2a),
                -2.0 * A * ((A - 1.0) + (A + 1.0) * cosw),
                A * ((A + 1.0) + (A - 1.0) * cosw - sqA2a),
                (A + 1.0) - (A - 1.0) * cosw + sqA2a,
                2.0 * ((A - 1.0) - (A + 1.0) * cosw),
                (A + 1.0) - (A - 1.0) * cosw - sqA2a);
      break;
    case MX_BIQUAD_LOW_PASS:
      normalise(out,
                (1.0 - cosw) / 2.0,
                1.0 - cosw,
                (1.0 - cosw) / 2.0,
                1.0 + alpha,
                -2.0 * cosw,
                1.0 - alpha);
      break;
    case MX_BIQUAD_HIGH_PASS:
      normalise(out,
                (1.0 + cosw) / 2.0,
                -(1.0 + cosw),
                (1.0 + cosw) / 2.0,
                1.0 + alpha,
                -2.0 * cosw,
                1.0 - alpha);
      break;
    case MX_BIQUAD_BAND_PASS: // "constant 0 dB peak gain" variant
      normalise(out, alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * cosw, 1.0 - alpha);
      break;
    case MX_BIQUAD_NOTCH:
      normalise(out, 1.0, -2.0 * cosw, 1.0, 1.0 + alpha, -2.0 * cosw, 1.0 - alpha);
      break;
    case MX_BIQUAD_ALL_PASS:
      normalise(out, 1.0 - alpha, -2.0 * cosw, 1.0 + alpha, 1.0 + alpha, -2.0 * cosw, 1.0 - alpha);
      break;
  }

  return MX_SUCCESS;
}

MxStatus
mx_biquad_design_pass(MxBiquadCoeffs      out[MX_BIQUAD_MAX_SECTIONS],
                      unsigned* const     count,
                      const bool          high,
                      const MxBiquadSlope slope,
                      const double        freq_hz,
                      const double        rate)
{
  const MxBiquadType type = high ? MX_BIQUAD_HIGH_PASS : MX_BIQUAD_LOW_PASS;
  MxBiquadCoeffs     sections[MX_BIQUAD_MAX_SECTIONS];
  MxStatus           st = MX_SUCCESS;
  unsigned           n  = 0U;

  switch (slope) {
    case MX_SLOPE_12_BUTTERWORTH:
      TRY(st, mx_biquad_design(&sections[0], type, freq_hz, MX_BUTTERWORTH2_Q, 0.0, rate));
      n = 1U;
      break;
    case MX_SLOPE_24_BUTTERWORTH:
      TRY(st, mx_biquad_design(&sections[0], type, freq_hz, MX_BUTTERWORTH4_Q1, 0.0, rate));
      TRY(st, mx_biquad_design(&sections[1], type, freq_hz, MX_BUTTERWORTH4_Q2, 0.0, rate));
      n = 2U;
      break;
    case MX_SLOPE_24_LINKWITZ_RILEY:
      TRY(st, mx_biquad_design(&sections[0], type, freq_hz, MX_BUTTERWORTH2_Q, 0.0, rate));
      sections[1] = sections[0];
      n           = 2U;
      break;
    default:
      return MX_ERR_BAD_ARG;
  }

  for (unsigned i = 0U; i < n; ++i) {
    out[i] = sections[i];
  }
  *count = n;
  return MX_SUCCESS;
}

void
mx_biquad_identity(MxBiquadCoeffs* const coeffs)
{
  coeffs->b0 = 1.0;
  coeffs->b1 = coeffs->b2 = coeffs->a1 = coeffs->a2 = 0.0;
}

void
mx_biquad_reset(MxBiquadState* const state)
{
  state->z1 = state->z2 = 0.0;
}

static void
recover(MxBiquadState* const state)
{
  if (!isfinite(state->z1) || !isfinite(state->z2)) {
    mx_biquad_reset(state);
  }
}

void
mx_biquad_process(const MxBiquadCoeffs* const coeffs,
                  MxBiquadState* const        state,
                  float* const                buf,
                  const uint32_t              n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  const double b0 = coeffs->b0;
  const double b1 = coeffs->b1;
  const double b2 = coeffs->b2;
  const double a1 = coeffs->a1;
  const double a2 = coeffs->a2;
  double       z1 = state->z1;
  double       z2 = state->z2;

  // Transposed direct form II: two state variables, and the best-behaved
  // of the direct forms in floating point (Smith, "Introduction to Digital
  // Filters", "Transposed Direct-Forms")
  for (uint32_t i = 0U; i < n; ++i) {
    const double x = (double)buf[i];
    const double y = b0 * x + z1;
    z1             = b1 * x - a1 * y + z2;
    z2             = b2 * x - a2 * y;
    buf[i]         = (float)y;
  }

  state->z1 = z1;
  state->z2 = z2;
  recover(state);
}

void
mx_biquad_process_cascade(const MxBiquadCoeffs* const coeffs,
                          MxBiquadState* const        states,
                          const unsigned              count,
                          float* const                buf,
                          const uint32_t              n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  for (uint32_t i = 0U; i < n; ++i) {
    double x = (double)buf[i];
    for (unsigned s = 0U; s < count; ++s) {
      const MxBiquadCoeffs* const c  = &coeffs[s];
      MxBiquadState* const        st = &states[s];
      const double                y  = c->b0 * x + st->z1;
      st->z1                         = c->b1 * x - c->a1 * y + st->z2;
      st->z2                         = c->b2 * x - c->a2 * y;
      x                              = y;
    }
    buf[i] = (float)x;
  }

  for (unsigned s = 0U; s < count; ++s) {
    recover(&states[s]);
  }
}
