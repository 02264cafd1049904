// SPDX-License-Identifier: GPL-3.0-or-later

#include "pan.h"

#include <assert.h>
#include <math.h>

/// A pair of channel gains.
typedef struct {
  float left;  ///< Gain of the left channel
  float right; ///< Gain of the right channel
} Gains;

// Gains of a law at a position (see MxPanLaw for the formulas and sources)
static Gains
law_gains(const MxPanLaw law, const float position)
{
  const double p = (double)position;
  const double t = 0.5 * (p + 1.0); // 0 hard left .. 1 hard right

  // Each side is computed from its own distance to the far end, so that both
  // ends are exact: sin(0) = 0 and sin(pi/2) = 1 in IEEE double, where
  // cos(pi/2) would leave 6e-17 on the silent side
  const double lin_l = 1.0 - t;
  const double lin_r = t;
  double       l     = 1.0;
  double       r     = 1.0;

  switch (law) {
    case MX_PAN_LAW_0DB:
      // Near side at unity, far side linear (the balance curve)
      l = p > 0.0 ? 1.0 - p : 1.0;
      r = p < 0.0 ? 1.0 + p : 1.0;
      break;
    case MX_PAN_LAW_3DB:
      // Constant power: cos(t pi/2) written as sin((1 - t) pi/2)
      l = sin(lin_l * M_PI_2);
      r = sin(lin_r * M_PI_2);
      break;
    case MX_PAN_LAW_4_5DB:
      // Geometric mean of the linear and the constant-power law
      l = sqrt(lin_l * sin(lin_l * M_PI_2));
      r = sqrt(lin_r * sin(lin_r * M_PI_2));
      break;
    case MX_PAN_LAW_6DB:
      // Constant voltage
      l = lin_l;
      r = lin_r;
      break;
  }

  const Gains g = { (float)l, (float)r };
  return g;
}

void
mx_pan_law_gains(const MxPanLaw law, const float position, float* const left, float* const right)
{
  const Gains g = law_gains(law, position);
  *left         = g.left;
  *right        = g.right;
}

/*
  Settled kernels.  The main loops run a multiple of 8 samples on restrict
  pointers: GCC 12 at -O2 vectorises only under its "very-cheap" cost model,
  which refuses loops that would need an alias check or a scalar epilogue;
  the remainder (fewer than 8 samples) runs in a second loop.  The kernels
  with separate input and output stay out of line: GCC 12 drops their
  restrict promise when it inlines them, and then falls back to scalar code.
*/

// buf *= g in place
static inline void
scale(float* const restrict buf, const float g, const uint32_t n)
{
  const uint32_t m = n & ~7U;
  uint32_t       i = 0U;
  for (; i < m; ++i) {
    buf[i] *= g;
  }
  for (; i < n; ++i) {
    buf[i] *= g;
  }
}

// out = in * g, out distinct from in
__attribute__((noinline)) static void
scale_to(const float* const restrict in, float* const restrict out, const float g, const uint32_t n)
{
  const uint32_t m = n & ~7U;
  uint32_t       i = 0U;
  for (; i < m; ++i) {
    out[i] = in[i] * g;
  }
  for (; i < n; ++i) {
    out[i] = in[i] * g;
  }
}

// out_l = in * gl, out_r = in * gr, all three distinct; AVX2 where the CPU
// has it (one multiply per sample either way: the same bits).  Never
// inlined: a target_clones function is called through its dispatcher.
static MX_SIMD_CLONES void
scale_to2(const float* const restrict in,
          float* const restrict out_l,
          float* const restrict out_r,
          const float    gl,
          const float    gr,
          const uint32_t n)
{
  const uint32_t m = n & ~7U;
  uint32_t       i = 0U;
  for (; i < m; ++i) {
    out_l[i] = in[i] * gl;
    out_r[i] = in[i] * gr;
  }
  for (; i < n; ++i) {
    out_l[i] = in[i] * gl;
    out_r[i] = in[i] * gr;
  }
}

// Ramp two smoothed gains, in -> (out_l, out_r), until both settle or the
// block ends; return the number of samples done.  An input may be the same
// buffer as its output: each sample is read before its outputs are written.
static inline uint32_t
ramp_gains(MxSmooth* const    left,
           MxSmooth* const    right,
           const float* const in_l,
           const float* const in_r,
           float* const       out_l,
           float* const       out_r,
           const uint32_t     n)
{
  uint32_t i = 0U;
  for (; i < n && !(mx_smooth_is_settled(left) && mx_smooth_is_settled(right)); ++i) {
    const float xl = in_l[i];
    const float xr = in_r[i];
    out_l[i]       = xl * mx_smooth_next(left);
    out_r[i]       = xr * mx_smooth_next(right);
  }
  return i;
}

// ---------------------------------------------------------------- Panner

void
mx_pan_init(MxPan* const pan, const double rate)
{
  pan->position = 0.0f;
  pan->law      = MX_PAN_LAW_3DB;

  const Gains g = law_gains(pan->law, pan->position);
  mx_smooth_init(&pan->left, g.left, MX_SMOOTH_DEFAULT_MS, rate);
  mx_smooth_init(&pan->right, g.right, MX_SMOOTH_DEFAULT_MS, rate);
}

void
mx_pan_set_rate(MxPan* const pan, const double rate)
{
  mx_smooth_set_time(&pan->left, MX_SMOOTH_DEFAULT_MS, rate);
  mx_smooth_set_time(&pan->right, MX_SMOOTH_DEFAULT_MS, rate);
}

static void
update_pan(MxPan* const pan)
{
  const Gains g = law_gains(pan->law, pan->position);
  mx_smooth_set_target(&pan->left, g.left);
  mx_smooth_set_target(&pan->right, g.right);
}

MxStatus
mx_pan_set_position(MxPan* const pan, const float position)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(position, MX_PAN_MIN_POSITION, MX_PAN_MAX_POSITION));

  // Recompute the law only on a change
  if (position != pan->position) {
    pan->position = position;
    update_pan(pan);
  }

  return MX_SUCCESS;
}

MxStatus
mx_pan_set_law(MxPan* const pan, const MxPanLaw law)
{
  if ((unsigned)law >= MX_PAN_N_LAWS) {
    return MX_ERR_BAD_ARG;
  }

  if (law != pan->law) {
    pan->law = law;
    update_pan(pan);
  }

  return MX_SUCCESS;
}

void
mx_pan_process(MxPan* const       pan,
               const float* const in,
               float* const       out_l,
               float* const       out_r,
               const uint32_t     n)
{
  assert(n <= MX_DSP_MAX_BLOCK);
  assert(out_l != out_r);

  const uint32_t i  = ramp_gains(&pan->left, &pan->right, in, in, out_l, out_r, n);
  const float    gl = pan->left.current;
  const float    gr = pan->right.current;

  // Settled: the output that is not the input first, then the one that is
  if (in == out_l) {
    scale_to(in + i, out_r + i, gr, n - i);
    if (gl != 1.0f) {
      scale(out_l + i, gl, n - i);
    }
  } else if (in == out_r) {
    scale_to(in + i, out_l + i, gl, n - i);
    if (gr != 1.0f) {
      scale(out_r + i, gr, n - i);
    }
  } else {
    scale_to2(in + i, out_l + i, out_r + i, gl, gr, n - i);
  }
}

void
mx_pan_reset(MxPan* const pan)
{
  mx_smooth_jump(&pan->left, pan->left.target);
  mx_smooth_jump(&pan->right, pan->right.target);
}

// ---------------------------------------------------------------- Balance

void
mx_balance_init(MxBalance* const balance, const double rate)
{
  balance->position = 0.0f;
  mx_smooth_init(&balance->left, 1.0f, MX_SMOOTH_DEFAULT_MS, rate);
  mx_smooth_init(&balance->right, 1.0f, MX_SMOOTH_DEFAULT_MS, rate);
}

void
mx_balance_set_rate(MxBalance* const balance, const double rate)
{
  mx_smooth_set_time(&balance->left, MX_SMOOTH_DEFAULT_MS, rate);
  mx_smooth_set_time(&balance->right, MX_SMOOTH_DEFAULT_MS, rate);
}

MxStatus
mx_balance_set_position(MxBalance* const balance, const float position)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(position, MX_PAN_MIN_POSITION, MX_PAN_MAX_POSITION));

  if (position != balance->position) {
    // Far side linear, near side unity (Ardour manual, "Balance control")
    balance->position = position;
    mx_smooth_set_target(&balance->left, position > 0.0f ? 1.0f - position : 1.0f);
    mx_smooth_set_target(&balance->right, position < 0.0f ? 1.0f + position : 1.0f);
  }

  return MX_SUCCESS;
}

void
mx_balance_process(MxBalance* const balance,
                   float* const     left,
                   float* const     right,
                   const uint32_t   n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  const uint32_t i  = ramp_gains(&balance->left, &balance->right, left, right, left, right, n);
  const float    gl = balance->left.current;
  const float    gr = balance->right.current;

  // Settled: only the far side is touched; centred, nothing is (bit for bit)
  if (gl != 1.0f) {
    scale(left + i, gl, n - i);
  }
  if (gr != 1.0f) {
    scale(right + i, gr, n - i);
  }
}

void
mx_balance_reset(MxBalance* const balance)
{
  mx_smooth_jump(&balance->left, balance->left.target);
  mx_smooth_jump(&balance->right, balance->right.target);
}

// ---------------------------------------------------------------- Width

// The settled width kernel (a multiple of 8 first, as scale())
static inline void
widen(float* const restrict left, float* const restrict right, const float hw, const uint32_t n)
{
  const uint32_t m = n & ~7U;
  uint32_t       i = 0U;
  for (; i < m; ++i) {
    const float l   = left[i];
    const float r   = right[i];
    const float mid = 0.5f * (l + r);
    const float s   = hw * (l - r);
    left[i]         = mid + s;
    right[i]        = mid - s;
  }
  for (; i < n; ++i) {
    const float l   = left[i];
    const float r   = right[i];
    const float mid = 0.5f * (l + r);
    const float s   = hw * (l - r);
    left[i]         = mid + s;
    right[i]        = mid - s;
  }
}

void
mx_width_init(MxWidth* const width, const double rate)
{
  mx_smooth_init(&width->width, 1.0f, MX_SMOOTH_DEFAULT_MS, rate);
}

void
mx_width_set_rate(MxWidth* const width, const double rate)
{
  mx_smooth_set_time(&width->width, MX_SMOOTH_DEFAULT_MS, rate);
}

MxStatus
mx_width_set_amount(MxWidth* const width, const float amount)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(amount, MX_WIDTH_MIN, MX_WIDTH_MAX));

  mx_smooth_set_target(&width->width, amount);
  return MX_SUCCESS;
}

void
mx_width_process(MxWidth* const width, float* const left, float* const right, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  MxSmooth* const w = &width->width;
  uint32_t        i = 0U;

  // Ramp sample by sample while moving.  M = (L + R) / 2, S = w (L - R) / 2,
  // L' = M + S, R' = M - S (musicdsp.org #256); the same expression as the
  // settled loop, so a ramp ends on exactly what the settled path computes.
  for (; i < n && !mx_smooth_is_settled(w); ++i) {
    const float hw = 0.5f * mx_smooth_next(w);
    const float l  = left[i];
    const float r  = right[i];
    const float m  = 0.5f * (l + r);
    const float s  = hw * (l - r);
    left[i]        = m + s;
    right[i]       = m - s;
  }

  // Unchanged: pass bit for bit (M + S would round)
  if (w->current == 1.0f) {
    return;
  }

  // Constant width.  At w = 0, S is exactly zero and both outputs are
  // exactly M.
  widen(left + i, right + i, 0.5f * w->current, n - i);
}

void
mx_width_reset(MxWidth* const width)
{
  mx_smooth_jump(&width->width, width->width.target);
}
