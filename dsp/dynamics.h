// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_DYNAMICS_H
#define MX_DSP_DYNAMICS_H

#include "common.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE__)
#  include <xmmintrin.h>
#endif

/// What the gate and the compressor share: time constants, fast log2/exp2, the GR meter.

/// Most channels a dynamics processor handles (mono or a stereo pair).
#define MX_DYN_MAX_CHANNELS 2U

/// Decibels per octave of amplitude, 20 log10(2): levels are kept in log2 units.
#define MX_DYN_DB_PER_LOG2 6.02059991f

/// Octaves of amplitude per decibel, 1 / MX_DYN_DB_PER_LOG2.
#define MX_DYN_LOG2_PER_DB 0.166096405f

/// Quietest detector level, -200 dBFS: silence and NaN read as this.
#define MX_DYN_LEVEL_FLOOR 1.0e-10f

/// Loudest detector level, +60 dBFS: an infinite sample reads as this.
#define MX_DYN_LEVEL_CEIL 1000.0f

/**
   Coefficients of a one-pole smoother y[n] = a y[n-1] + b x[n].

   The time constant tau is the classic RC one: after a step of the input the
   output has covered 1 - 1/e (63.2 %) of it after tau, so a = exp(-1 / (tau
   fs)) and b = 1 - a (the smoothing filter of Giannoulis, Massberg, Reiss,
   "Digital Dynamic Range Compressor Design - A Tutorial and Analysis",
   JAES 2012, section 1).

   Double precision: with a release of seconds at high rates b is about 1e-6,
   and a float state would stop short of its target by several ulps divided
   by b, a fraction of a dB.
*/
typedef struct {
  double a; ///< Weight of the previous output, exp(-1 / (tau fs)); 0 for tau = 0
  double b; ///< Weight of the input, 1 - a
} MxDynCoeff;

/**
   Compute the one-pole coefficients for a time constant.

   Any thread: computes only.

   @param ms Time constant, milliseconds; 0 gives a = 0, b = 1 (no smoothing).
   @param rate Sample rate, Hz.
*/
MxDynCoeff
mx_dyn_coeff(float ms, double rate) MX_RT;

/// Advance a one-pole smoother one sample towards `target`.  Audio thread.
static inline double
mx_dyn_follow(const MxDynCoeff c, const double y, const double target)
{
  return c.a * y + c.b * target;
}

/**
   Four floats processed as one (GNU C vector extension, understood by gcc
   and clang: SSE2 on x86-64, NEON on arm64).

   Why explicit vectors: at -O2 gcc 12 does not vectorise loops of unknown
   length, and the logarithms and exponentials of a compressor are most of
   its arithmetic.  Lanes are independent IEEE operations, so the results do
   not depend on how samples fall into vectors.
*/
typedef float MxF4 __attribute__((vector_size(16)));

/// Four 32-bit integers, also the type of an MxF4 comparison (lanes -1 or 0).
typedef int32_t MxI4 __attribute__((vector_size(16)));

/// Four copies of `x`.  Any thread.
static inline MxF4
mx_f4_set(const float x)
{
  const MxF4 v = { x, x, x, x };
  return v;
}

/// Load `m` (1 to 4) floats from `p`, the missing lanes 0.  Any thread.
static inline MxF4
mx_f4_load(const float* const p, const uint32_t m)
{
  MxF4 v = { 0.0f, 0.0f, 0.0f, 0.0f };
  if (m == 4U) {
    memcpy(&v, p, sizeof(v));
  } else {
    for (uint32_t j = 0U; j < m; ++j) {
      v[j] = p[j];
    }
  }
  return v;
}

/// Store the first `m` (1 to 4) lanes of `v` to `p`.  Any thread.
static inline void
mx_f4_store(float* const p, const MxF4 v, const uint32_t m)
{
  if (m == 4U) {
    memcpy(p, &v, sizeof(v));
  } else {
    for (uint32_t j = 0U; j < m; ++j) {
      p[j] = v[j];
    }
  }
}

/// Per lane: `mask` ? `a` : `b`, for a mask from a comparison.  Any thread.
static inline MxF4
mx_f4_select(const MxI4 mask, const MxF4 a, const MxF4 b)
{
  return (MxF4)(((MxI4)a & mask) | ((MxI4)b & ~mask));
}

/// Per lane |v|.  Any thread.
static inline MxF4
mx_f4_abs(const MxF4 v)
{
  const MxI4 magnitude = { 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff };
  return (MxF4)((MxI4)v & magnitude);
}

/// Per lane `a > b ? a : b` (a NaN in `a` gives `b`).  Any thread.
static inline MxF4
mx_f4_max(const MxF4 a, const MxF4 b)
{
#if defined(__SSE__)
  // MAXPS is exactly this expression, NaN and signed zeros included, in
  // one instruction instead of compare-and-select (gcc emits it only under
  // -ffinite-math-only)
  return (MxF4)_mm_max_ps((__m128)a, (__m128)b);
#else
  return mx_f4_select(a > b, a, b);
#endif
}

/// Per lane `a < b ? a : b` (a NaN in `a` gives `b`).  Any thread.
static inline MxF4
mx_f4_min(const MxF4 a, const MxF4 b)
{
#if defined(__SSE__)
  return (MxF4)_mm_min_ps((__m128)a, (__m128)b);
#else
  return mx_f4_select(a < b, a, b);
#endif
}

/*
   The bodies of the clamp, log2 and exp2 below, written once for vectors of
   W floats (MxF4, and MxF8 in AVX2 code: MX_DYN_AVX2): every lane goes
   through the same IEEE operations at either width, so a sample gets the
   same bits whichever width processed it.  GNU statement expressions.
*/
#define MX_DYN_CLAMP_LEVEL(W, x)                                       \
  mx_f##W##_min(mx_f##W##_max((x), mx_f##W##_set(MX_DYN_LEVEL_FLOOR)), \
                mx_f##W##_set(MX_DYN_LEVEL_CEIL))

// 0x3f3504f3 is sqrt(1/2): subtracting it splits x into 2^e * m, m in
// [sqrt(1/2), sqrt(2)), without a branch; then 2 / ln 2 times 1, 1/3,
// 1/5, 1/7 (mx_dyn_log2_f4())
#define MX_DYN_LOG2(W, x)                                                             \
  __extension__({                                                                     \
    const MxI##W bits_ = (MxI##W)(x);                                                 \
    const MxI##W e_    = (bits_ - 0x3f3504f3) >> 23;                                  \
    const MxF##W m_    = (MxF##W)(bits_ - (e_ << 23));                                \
    const MxF##W t_    = (m_ - 1.0f) / (m_ + 1.0f);                                   \
    const MxF##W t2_   = t_ * t_;                                                     \
    const MxF##W p_ =                                                                 \
      2.88539008f + t2_ * (0.961796694f + t2_ * (0.577078016f + t2_ * 0.412198583f)); \
    __builtin_convertvector(e_, MxF##W) + t_* p_;                                     \
  })

// Nearest integer r and the rest f; (ln 2)^k / k! (mx_dyn_exp2_f4())
#define MX_DYN_EXP2(W, y)                                                                        \
  __extension__({                                                                                \
    const MxF##W c_ =                                                                            \
      mx_f##W##_min(mx_f##W##_max((y), mx_f##W##_set(-126.0f)), mx_f##W##_set(126.0f));          \
    const MxF##W r_ = (c_ + 12582912.0f) - 12582912.0f;                                          \
    const MxF##W f_ = c_ - r_;                                                                   \
    const MxF##W p_ =                                                                            \
      1.0f +                                                                                     \
      f_ * (0.693147182f +                                                                       \
            f_ * (0.240226507f +                                                                 \
                  f_ * (0.0555041087f +                                                          \
                        f_ * (0.00961812911f + f_ * (0.00133335581f + f_ * 0.000154035304f))))); \
    const MxI##W scale_ = (__builtin_convertvector(r_, MxI##W) + 127) << 23;                     \
    p_*(MxF##W)scale_;                                                                           \
  })

/**
   Per lane: clamp a linear level into [MX_DYN_LEVEL_FLOOR,
   MX_DYN_LEVEL_CEIL]; NaN reads as the floor (silence), infinity as the
   ceiling.  Any thread.
*/
static inline MxF4
mx_f4_clamp_level(const MxF4 x)
{
  return MX_DYN_CLAMP_LEVEL(4, x);
}

/**
   Base-2 logarithm per lane, within 2.1e-6 (1.3e-5 dB) of the exact value
   for levels in [MX_DYN_LEVEL_FLOOR, MX_DYN_LEVEL_CEIL] (the float rounding
   of the result dominates), and monotonic.

   Why not log2f(): a library call per sample.  The exponent comes from the
   bits; the mantissa is reduced to m in [sqrt(1/2), sqrt(2)) and
   log2(m) = (2 / ln 2) atanh(t), t = (m - 1) / (m + 1), |t| < 0.1716,
   summed to t^7 (Abramowitz and Stegun 4.1.27; the first term left out is
   below 2e-8).  Plain IEEE arithmetic, no table.

   Any thread.  Only for positive normal floats: clamp with
   mx_f4_clamp_level() first.  Relies on `>>` of a negative integer being
   arithmetic, as gcc and clang define it.
*/
static inline MxF4
mx_dyn_log2_f4(const MxF4 x)
{
  return MX_DYN_LOG2(4, x);
}

/**
   Base-2 exponential per lane, relative error below 3e-7 (3e-6 dB).

   The argument splits into a nearest integer i and f in [-1/2, 1/2];
   2^f = e^(f ln 2) is summed as its Taylor series to degree 6 (the first
   term left out, (ln 2 / 2)^7 / 7!, is 1.2e-7) and 2^i is put into the
   exponent bits.  Exact for 0, so a gain of 0 dB multiplies by 1.0 exactly.
   Rounding uses 1.5 * 2^23, which relies on round-to-nearest, the mode
   every thread runs in.

   Any thread.  Arguments are clamped to [-126, 126] (NaN gives -126).
*/
static inline MxF4
mx_dyn_exp2_f4(const MxF4 y)
{
  return MX_DYN_EXP2(4, y);
}

/// Scalar mx_dyn_log2_f4(), bit for bit the same result.  Any thread.
static inline float
mx_dyn_log2(const float x)
{
  return mx_dyn_log2_f4(mx_f4_set(x))[0];
}

/// Scalar mx_dyn_exp2_f4(), bit for bit the same result.  Any thread.
static inline float
mx_dyn_exp2(const float y)
{
  return mx_dyn_exp2_f4(mx_f4_set(y))[0];
}

/*
   Eight floats at once, for the stages of a compressor bank that run a
   whole block of vectors: only in functions built with MX_DYN_AVX2
   (target("avx2"), no FMA) and called where mx_dyn_has_avx2() says the
   CPU has it.  MAXPS and MINPS as in the MxF4 helpers, so a lane computes
   exactly what it would in an MxF4.
*/
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#  include <immintrin.h>

/// The 8-wide code is built (x86-64).
#  define MX_DYN_HAVE_F8 1
/// Build a function for AVX2 (no FMA: the same rounding as the SSE2 code).
#  define MX_DYN_AVX2 __attribute__((target("avx2")))

/// Eight floats (one AVX register).
typedef float MxF8 __attribute__((vector_size(32)));
/// Eight 32-bit integers.
typedef int32_t MxI8 __attribute__((vector_size(32)));

/// True when the CPU runs AVX2 code.  Any thread: reads what the runtime
/// found when the program started.
static inline bool
mx_dyn_has_avx2(void)
{
  return __builtin_cpu_supports("avx2");
}

/// Eight copies of `x`.
static inline MX_DYN_AVX2 MxF8
mx_f8_set(const float x)
{
  const MxF8 v = { x, x, x, x, x, x, x, x };
  return v;
}

/// Eight floats from `p`, any alignment.
static inline MX_DYN_AVX2 MxF8
mx_f8_load(const float* const p)
{
  MxF8 v;
  memcpy(&v, p, sizeof(v));
  return v;
}

/// Eight floats to `p`, any alignment.
static inline MX_DYN_AVX2 void
mx_f8_store(float* const p, const MxF8 v)
{
  memcpy(p, &v, sizeof(v));
}

/// Per lane |v|.
static inline MX_DYN_AVX2 MxF8
mx_f8_abs(const MxF8 v)
{
  return (MxF8)((MxI8)v & 0x7fffffff);
}

/// Per lane `a > b ? a : b`, as mx_f4_max().
static inline MX_DYN_AVX2 MxF8
mx_f8_max(const MxF8 a, const MxF8 b)
{
  return (MxF8)_mm256_max_ps((__m256)a, (__m256)b);
}

/// Per lane `a < b ? a : b`, as mx_f4_min().
static inline MX_DYN_AVX2 MxF8
mx_f8_min(const MxF8 a, const MxF8 b)
{
  return (MxF8)_mm256_min_ps((__m256)a, (__m256)b);
}

/// mx_f4_clamp_level() of eight lanes.
static inline MX_DYN_AVX2 MxF8
mx_f8_clamp_level(const MxF8 x)
{
  return MX_DYN_CLAMP_LEVEL(8, x);
}

/// mx_dyn_log2_f4() of eight lanes, bit for bit.
static inline MX_DYN_AVX2 MxF8
mx_dyn_log2_f8(const MxF8 x)
{
  return MX_DYN_LOG2(8, x);
}

/// mx_dyn_exp2_f4() of eight lanes, bit for bit.
static inline MX_DYN_AVX2 MxF8
mx_dyn_exp2_f8(const MxF8 y)
{
  return MX_DYN_EXP2(8, y);
}
#else
#  define MX_DYN_HAVE_F8 0

/// No 8-wide code is built here.
static inline bool
mx_dyn_has_avx2(void)
{
  return false;
}
#endif

/**
   Gain-reduction meter: the current reduction and the largest since the
   last read, both positive dB.

   Embedded value, written and read on the audio thread; the engine publishes
   what it reads (read-and-reset, so no peak between two reads is lost).
*/
typedef struct {
  float current_db; ///< Reduction at the end of the last block, dB (>= 0)
  float max_db;     ///< Largest reduction since the last read, dB (>= 0)
} MxDynMeter;

/// Set both readings to 0.  Audio thread.
static inline void
mx_dyn_meter_clear(MxDynMeter* const meter)
{
  meter->current_db = 0.0f;
  meter->max_db     = 0.0f;
}

/**
   Record a block: the reduction at its end and the largest within it.

   Audio thread.
*/
static inline void
mx_dyn_meter_update(MxDynMeter* const meter, const float end_db, const float block_max_db)
{
  meter->current_db = end_db;
  if (block_max_db > meter->max_db) {
    meter->max_db = block_max_db;
  }
}

/**
   Return the largest reduction since the last read, dB, and restart the
   maximum from the current reduction (a reduction that persists is seen by
   every read).

   Audio thread.
*/
static inline float
mx_dyn_meter_read_reset(MxDynMeter* const meter)
{
  const float max = meter->max_db;
  meter->max_db   = meter->current_db;
  return max;
}

#endif // MX_DSP_DYNAMICS_H
