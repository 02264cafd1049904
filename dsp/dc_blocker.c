// SPDX-License-Identifier: GPL-3.0-or-later

#include "dc_blocker.h"

#include <assert.h>
#include <math.h>

// k = 1 - R for -3 dB at fc (see dc_blocker.h): with v = 1 - cos w =
// 2 sin^2(w/2), 1 - R = v + sqrt(v (2 + v)), a sum of positive terms that
// keeps k accurate however close R is to 1
static float
pole_distance(const float hz, const double rate)
{
  const double h = sin(M_PI * (double)hz / rate);
  const double v = 2.0 * h * h;
  return (float)(v + sqrt(v * (2.0 + v)));
}

void
mx_dc_blocker_init(MxDcBlocker* const dc, const uint32_t n_channels, const double rate)
{
  assert(n_channels >= 1U && n_channels <= MX_DC_BLOCKER_MAX_CHANNELS);

  dc->n_channels = n_channels;
  dc->cutoff_hz  = MX_DC_BLOCKER_DEFAULT_HZ;
  mx_dc_blocker_set_rate(dc, rate);
}

void
mx_dc_blocker_set_rate(MxDcBlocker* const dc, const double rate)
{
  assert(mx_rate_is_valid(rate));

  const float k = pole_distance(dc->cutoff_hz, rate);
  dc->rate      = rate;
  mx_smooth_init(&dc->k, k, MX_SMOOTH_DEFAULT_MS, rate);
  mx_dc_blocker_reset(dc);
}

MxStatus
mx_dc_blocker_set_cutoff_hz(MxDcBlocker* const dc, const float hz)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(hz, MX_DC_BLOCKER_MIN_HZ, MX_DC_BLOCKER_MAX_HZ));

  // Recompute only on a change; the pole glides to its new place
  if (hz != dc->cutoff_hz) {
    dc->cutoff_hz = hz;
    mx_smooth_set_target(&dc->k, pole_distance(hz, dc->rate));
  }

  return MX_SUCCESS;
}

void
mx_dc_blocker_process(MxDcBlocker* const dc, float* const* const bufs, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  const uint32_t nch = dc->n_channels;
  double         x1[MX_DC_BLOCKER_MAX_CHANNELS];
  double         y1[MX_DC_BLOCKER_MAX_CHANNELS];
  for (uint32_t c = 0U; c < nch; ++c) {
    x1[c] = dc->x1[c];
    y1[c] = dc->y1[c];
  }

  // While the cutoff glides, a new R every sample: R = 1 - k is exact in
  // double for a float k, so the ramp ends on the settled R bit for bit
  uint32_t i = 0U;
  if (!mx_smooth_is_settled(&dc->k)) {
    for (; i < n && !mx_smooth_is_settled(&dc->k); ++i) {
      const double r = 1.0 - (double)mx_smooth_next(&dc->k);
      for (uint32_t c = 0U; c < nch; ++c) {
        const double x = (double)bufs[c][i];
        const double y = x - x1[c] + r * y1[c]; // J. O. Smith, "DC Blocker"
        x1[c]          = x;
        y1[c]          = y;
        bufs[c][i]     = (float)y;
      }
    }

    dc->r = 1.0 - (double)dc->k.current;
  }

  // Settled: y[n] = x[n] - x[n-1] + R y[n-1].  Both channels in one loop, so
  // their recursions (each a chain of a multiply and an add per sample)
  // overlap instead of running one after the other.
  const double r = dc->r;
  if (nch == 2U) {
    float* const restrict left  = bufs[0];
    float* const restrict right = bufs[1];
    double xl                   = x1[0];
    double yl                   = y1[0];
    double xr                   = x1[1];
    double yr                   = y1[1];
    for (; i < n; ++i) {
      const double inl = (double)left[i];
      const double inr = (double)right[i];
      yl               = inl - xl + r * yl;
      yr               = inr - xr + r * yr;
      xl               = inl;
      xr               = inr;
      left[i]          = (float)yl;
      right[i]         = (float)yr;
    }
    x1[0] = xl;
    y1[0] = yl;
    x1[1] = xr;
    y1[1] = yr;
  } else {
    float* const buf = bufs[0];
    double       x   = x1[0];
    double       y   = y1[0];
    for (; i < n; ++i) {
      const double in = (double)buf[i];
      y               = in - x + r * y;
      x               = in;
      buf[i]          = (float)y;
    }
    x1[0] = x;
    y1[0] = y;
  }

  // Store the state; clear a channel whose state a NaN or inf reached
  for (uint32_t c = 0U; c < nch; ++c) {
    const bool finite = isfinite(x1[c]) && isfinite(y1[c]);
    dc->x1[c]         = finite ? x1[c] : 0.0;
    dc->y1[c]         = finite ? y1[c] : 0.0;
  }
}

void
mx_dc_blocker_reset(MxDcBlocker* const dc)
{
  for (uint32_t c = 0U; c < MX_DC_BLOCKER_MAX_CHANNELS; ++c) {
    dc->x1[c] = 0.0;
    dc->y1[c] = 0.0;
  }

  mx_smooth_jump(&dc->k, dc->k.target);
  dc->r = 1.0 - (double)dc->k.current;
}
