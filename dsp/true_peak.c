// SPDX-License-Identifier: GPL-3.0-or-later

#include "true_peak.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

enum {
  HALF    = MX_TRUE_PEAK_HALF_TAPS,
  QUARTER = MX_TRUE_PEAK_QUARTER_TAPS,
  HISTORY = MX_TRUE_PEAK_HISTORY,
  CHUNK   = MX_TRUE_PEAK_CHUNK,
  LANES   = MX_TRUE_PEAK_PAD, // floats per group of outputs computed together
  // Index in the history of x[m0], the first sample measured in a chunk
  X_FIRST = HALF + QUARTER / 2 - 1,
  // Index in the half-sample array of h[m0], the point half a sample after x[m0]
  H_FIRST = QUARTER / 2,
};

/*
  Half-sample interpolator: h(m + 1/2) = sum_t half_coeffs[t] (x[m - t] +
  x[m + 1 + t]).  half_coeffs[t] = w(t + 1/2) sinc(t + 1/2), w a Kaiser
  window of half-length 20 and beta 6, scaled so that the 40 taps sum to 1
  (unity gain at DC).  Printed to float precision by a throwaway program
  evaluating that formula in double.
*/
static const float half_coeffs[HALF] = {
  6.356734569e-01f,  -2.090070686e-01f, 1.220023233e-01f,  -8.360290995e-02f, 6.149738181e-02f,
  -4.689298566e-02f, 3.642060834e-02f,  -2.851531466e-02f, 2.235158339e-02f,  -1.745100320e-02f,
  1.351427380e-02f,  -1.034110700e-02f, 7.788904737e-03f,  -5.750180233e-03f, 4.139718436e-03f,
  -2.887095758e-03f, 1.932280338e-03f,  -1.223055947e-03f, 7.135395823e-04f,  -3.633496294e-04f,
};

/*
  Quarter-sample interpolator: the same design with half-length 4 and beta 6,
  applied to the 2x sequence x[0], h[1/2], x[1], h[3/2]...  The 2x signal
  only has content below 0.2268 of its rate (0.4535 fs), so 8 taps suffice.
*/
static const float quarter_coeffs[QUARTER] = {
  6.096893504e-01f,
  -1.425012508e-01f,
  3.892394949e-02f,
  -6.112049063e-03f,
};

/*
  Refined magnitude of the peak at an oversampled point `centre`, given its
  neighbours: the vertex of the parabola through the three points when
  `centre` is a local maximum of the signal's magnitude (same sign), else
  |centre|.  Parabola through (-1, l), (0, a), (1, r):
  vertex = a + (r - l)^2 / (8 (2a - l - r)).  As a >= l and a >= r,
  2a - l - r >= |r - l|, so the correction is at most |r - l| / 8 <= a / 4.

  Written without branches so that the loop calling it vectorises: gcc will
  not if-convert a division it could skip (it might trap), so the division
  always runs, on a divisor that is never 0, and a weight of 0 discards it.
  The quiet comparisons (isgreater...) do not raise on NaN, so gcc can
  evaluate them without branches too; a NaN result falls back to |centre|.
*/
static inline float
refine(const float left, const float centre, const float right)
{
  // Measure a negative lobe as a positive one
  const float sign = copysignf(1.0f, centre);
  const float a    = fabsf(centre);
  const float l    = sign * left;
  const float r    = sign * right;

  const float curve = 2.0f * a - l - r;
  const float slope = r - l;
  const bool  is_peak =
    isgreaterequal(a, l) & isgreaterequal(a, r) & isgreater(curve, 0.0f); // & for no branch
  const float divisor = is_peak ? curve : 1.0f;
  const float weight  = is_peak ? 0.125f : 0.0f;
  const float vertex  = a + weight * (slope * slope / divisor);
  return isgreater(vertex, a) ? vertex : a;
}

// The larger of a and b; b if a is NaN (so a NaN never wins against a held value)
static inline float
max2(const float a, const float b)
{
  return isgreater(a, b) ? a : b;
}

// Estimate the peaks of `c` (at most CHUNK) samples
static void
run_chunk(MxTruePeakDetector* const d, const float* const in, float* const peak, const uint32_t c)
{
  float* const x = d->history;
  memcpy(x + HISTORY, in, c * sizeof(float));

  // Stage 1: half-sample points h[m0 - 2 + k], k < c + QUARTER.  Eight
  // outputs at a time, their sums kept in registers across the taps
  float          half[CHUNK + QUARTER + LANES];
  const uint32_t n_half = c + QUARTER;
  for (uint32_t k = 0; k < n_half; k += LANES) {
    float acc[LANES] = { 0.0f };
    for (uint32_t t = HALF; t-- > 0;) { // smallest taps first, for rounding
      const float        coeff = half_coeffs[t];
      const float* const past  = x + k + HALF - 1 - t;
      const float* const next  = x + k + HALF + t;
      for (uint32_t j = 0; j < LANES; ++j) {
        acc[j] += coeff * (past[j] + next[j]);
      }
    }
    for (uint32_t j = 0; j < LANES; ++j) {
      half[k + j] = acc[j];
    }
  }

  // Stage 2: the points at m + 1/4 (q1) and m + 3/4 (q3) from the 2x
  // sequence ..., x[m], h[m], x[m + 1], ... (h[m] is the point at m + 1/2)
  const float* const xm = x + X_FIRST;    // xm[r] = x[m0 + r]
  const float* const hm = half + H_FIRST; // hm[r] = h[m0 + r], from hm[-2]
  float              q1[CHUNK];
  float              q3[CHUNK + 1]; // q3[r + 1] belongs to m0 + r
  q3[0] = d->last_q3;
  for (uint32_t r = 0; r < c; ++r) {
    q1[r]     = 0.0f;
    q3[r + 1] = 0.0f;
  }
  for (uint32_t u = QUARTER / 2; u-- > 0;) {
    const float        even   = quarter_coeffs[2U * u];      // 2x distance 2u (+ 1/2)
    const float        odd    = quarter_coeffs[2U * u + 1U]; // 2x distance 2u + 1 (+ 1/2)
    const float* const x_back = xm - u;                      // x[m - u]
    const float* const x_next = xm + u + 1U;                 // x[m + u + 1]
    const float* const h_back = hm - u;                      // h[m - u]
    const float* const h_far  = hm - u - 1U;                 // h[m - u - 1]
    const float* const h_next = hm + u;                      // h[m + u]
    const float* const h_late = hm + u + 1U;                 // h[m + u + 1]
    for (uint32_t r = 0; r < c; ++r) {
      q1[r] += even * (x_back[r] + h_next[r]) + odd * (h_far[r] + x_next[r]);
      q3[r + 1U] += even * (h_back[r] + x_next[r]) + odd * (x_back[r] + h_late[r]);
    }
  }

  // Refine the four points of each sample with their neighbours
  for (uint32_t r = 0; r < c; ++r) {
    const float p0 = refine(q3[r], xm[r], q1[r]);
    const float p1 = refine(xm[r], q1[r], hm[r]);
    const float p2 = refine(q1[r], hm[r], q3[r + 1U]);
    const float p3 = refine(hm[r], q3[r + 1U], xm[r + 1U]);
    peak[r]        = max2(max2(p0, p1), max2(p2, p3));
  }

  d->last_q3 = q3[c];
  memmove(x, x + c, HISTORY * sizeof(float));
}

void
mx_true_peak_detector_init(MxTruePeakDetector* const detector)
{
  mx_true_peak_detector_reset(detector);
}

void
mx_true_peak_detector_reset(MxTruePeakDetector* const detector)
{
  memset(detector->history, 0, sizeof(detector->history));
  detector->last_q3 = 0.0f;
}

void
mx_true_peak_detector_process(MxTruePeakDetector* const detector,
                              const float* const        in,
                              float* const              peak,
                              const uint32_t            n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  for (uint32_t i = 0; i < n; i += CHUNK) {
    const uint32_t c = n - i < CHUNK ? n - i : CHUNK;
    run_chunk(detector, in + i, peak + i, c);
  }
}

float
mx_true_peak_detector_process_max(MxTruePeakDetector* const detector,
                                  const float* const        in,
                                  const uint32_t            n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  // Largest estimate in LANES interleaved partial maxima, so that the
  // comparisons vectorise (a NaN estimate is skipped by max2)
  float peak[CHUNK];
  float lanes[LANES] = { 0.0f };
  for (uint32_t i = 0; i < n; i += CHUNK) {
    const uint32_t c = n - i < CHUNK ? n - i : CHUNK;
    run_chunk(detector, in + i, peak, c);

    uint32_t k = 0;
    for (; k + LANES <= c; k += LANES) {
      for (uint32_t j = 0; j < LANES; ++j) {
        lanes[j] = max2(peak[k + j], lanes[j]);
      }
    }
    for (; k < c; ++k) {
      lanes[0] = max2(peak[k], lanes[0]);
    }
  }

  float max = lanes[0];
  for (uint32_t j = 1; j < LANES; ++j) {
    max = max2(lanes[j], max);
  }
  return max;
}

MxStatus
mx_true_peak_meter_init(MxTruePeakMeter* const meter, const uint32_t channels)
{
  if (channels < 1U || channels > MX_TRUE_PEAK_MAX_CHANNELS) {
    return MX_ERR_RANGE;
  }

  meter->channels = channels;
  mx_true_peak_meter_reset(meter);
  return MX_SUCCESS;
}

void
mx_true_peak_meter_reset(MxTruePeakMeter* const meter)
{
  for (uint32_t c = 0; c < MX_TRUE_PEAK_MAX_CHANNELS; ++c) {
    mx_true_peak_detector_reset(&meter->detectors[c]);
    meter->held[c] = 0.0f;
  }
}

void
mx_true_peak_meter_process(MxTruePeakMeter* const    meter,
                           const float* const* const in,
                           const uint32_t            n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  for (uint32_t c = 0; c < meter->channels; ++c) {
    const float peak = mx_true_peak_detector_process_max(&meter->detectors[c], in[c], n);
    meter->held[c]   = max2(peak, meter->held[c]);
  }
}

void
mx_true_peak_meter_read_reset(MxTruePeakMeter* const meter, MxTruePeakReading* const out)
{
  out->max_linear = 0.0f;
  for (uint32_t c = 0; c < MX_TRUE_PEAK_MAX_CHANNELS; ++c) {
    const float peak = c < meter->channels ? meter->held[c] : 0.0f;
    out->linear[c]   = peak;
    out->dbtp[c]     = mx_gain_to_db(peak); // -INFINITY for 0
    out->max_linear  = max2(peak, out->max_linear);
    meter->held[c]   = 0.0f;
  }

  out->max_dbtp = mx_gain_to_db(out->max_linear);
}
