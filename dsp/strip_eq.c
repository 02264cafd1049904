// SPDX-License-Identifier: GPL-3.0-or-later

#include "strip_eq.h"

#include "lanes.h"

#include <assert.h>
#include <stddef.h>
#include <math.h>
#include <string.h>

/*
  DESIGN: the chain is two parts, the high pass and the bands with the low
  pass, processed one after the other (a strip runs its gate between
  them).  Each part keeps its own `ramping` flag and is processed in one of
  two ways.  While anything in it moves, a block is cut into sub-blocks of
  MX_STRIP_EQ_SUBBLOCK samples; before each, update() advances every
  smoother of the part once for all channels, redesigns what moved and
  fills the per-sample crossfade ramps, then each channel runs through the
  part's active sections (process_ramping()).  Once the part has settled,
  its active biquads are gathered into one chain and each channel runs
  through it sample by sample (cascade_mono(), or both channels at once in
  cascade_stereo()), so the recursions of the sections overlap in the CPU
  and nothing is recomputed.  mx_strip_eq_process() is exactly the two
  parts in turn, so it gives what a strip gives bit for bit; the output of
  the high pass is rounded to float before the bands, as any section that
  ramps on its own always was.

  Filters are the RBJ cookbook sections of biquad.h in transposed direct
  form II with double memory; all channels share the coefficients, the
  memory is per channel.

  Section switches never change the signal abruptly:
  - a peak or shelf switched off ramps its gain to 0 dB (the cookbook
    section is then exactly b = a, the identity), and is skipped once its
    memory has drained below DRAINED;
  - any other section switched on or off crossfades between dry and
    filtered (`wet`), and is skipped once fully dry;
  - a type or slope change keeps the old design and its memory running and
    crossfades from it to the new one (`fade`), which starts from silence.
*/

// Section kinds, in chain order
enum { KIND_HPF, KIND_BAND, KIND_LPF };

#define SECTION_HPF 0U
#define SECTION_LPF (MX_STRIP_EQ_SECTIONS - 1U)

// Parts of the chain, each processed on its own: sections [first, end)
enum { PART_HPF, PART_BANDS };

static const struct {
  unsigned first; ///< First section of the part
  unsigned end;   ///< One past its last section
} parts[MX_STRIP_EQ_PARTS] = {
  { SECTION_HPF, SECTION_HPF + 1U },
  { SECTION_HPF + 1U, MX_STRIP_EQ_SECTIONS },
};

// Longest chain of biquads: two for each pass filter, one per band
#define MAX_CHAIN (2U * MX_BIQUAD_MAX_SECTIONS + MX_STRIP_EQ_BANDS)

// Memory of one biquad for one channel, gathered for a chain
typedef struct {
  double z1;
  double z2;
} Memory;

// Two doubles in one SIMD vector (GCC vector extension, also in clang)
typedef double Double2 __attribute__((vector_size(2 * sizeof(double))));

// Memory of one biquad for two channels, one per lane
typedef struct {
  Double2 z1;
  Double2 z2;
} StereoMemory;

// Memory below which a neutral (0 dB) peak or shelf is dropped: the section
// then adds at most this to its output, -200 dBFS
#define DRAINED 1e-10

/*
  Crossfade shape: smoothstep S(m) = m^2 (3 - 2 m) of the linear ramp m.
  A linear crossfade has corners where it starts and ends, and a corner in
  a signal's envelope is broadband; S has zero slope at 0 and 1 (cubic
  Hermite), which measured 40 to 50 dB less click residue above 5 kHz
  (test_strip_eq.c).  S maps 0 and 1 exactly onto themselves.
*/
static inline float
smoothstep(const float m)
{
  return m * m * (3.0f - 2.0f * m);
}

static bool
has_gain(const MxStripEqSection* const s)
{
  return s->kind == KIND_BAND && (s->shape == MX_BIQUAD_PEAK || s->shape == MX_BIQUAD_LOW_SHELF ||
                                  s->shape == MX_BIQUAD_HIGH_SHELF);
}

// Gain a peak or shelf is designed with: the ramped gain scaled by the
// on/off ramp, so switching off glides to 0 dB
static float
effective_gain_db(const MxStripEqSection* const s)
{
  return has_gain(s) ? smoothstep(s->wet.current) * s->gain_db.current : 0.0f;
}

// Design values: the exact request once a ramp has ended (so a finished
// ramp lands on the very coefficients of a direct setting), else the
// ramp's point, back from the log domain
static double
design_freq(const MxStripEqSection* const s)
{
  return mx_smooth_is_settled(&s->log_freq) ? (double)s->freq_hz
                                            : (double)expf(s->log_freq.current);
}

static double
design_q(const MxStripEqSection* const s)
{
  return mx_smooth_is_settled(&s->log_q) ? (double)s->q : (double)expf(s->log_q.current);
}

static bool
is_moving(const MxStripEqSection* const s)
{
  return !mx_smooth_is_settled(&s->log_freq) || !mx_smooth_is_settled(&s->log_q) ||
         !mx_smooth_is_settled(&s->gain_db) || !mx_smooth_is_settled(&s->wet) ||
         !mx_smooth_is_settled(&s->fade) || s->next_shape != s->shape;
}

static void
clear_memory(MxStripEqSection* const s)
{
  memset(s->z1, 0, sizeof(s->z1));
  memset(s->z2, 0, sizeof(s->z2));
  memset(s->old_z1, 0, sizeof(s->old_z1));
  memset(s->old_z2, 0, sizeof(s->old_z2));
}

static void
design(const MxStripEq* const eq, MxStripEqSection* const s)
{
  // Corners above 0.49 fs (possible at low rates) are designed at 0.49 fs
  const double   freq = fmin(design_freq(s), MX_BIQUAD_MAX_FREQ_FS * eq->rate);
  MxBiquadCoeffs c[MX_BIQUAD_MAX_SECTIONS];
  unsigned       n  = 1U;
  MxStatus       st = MX_SUCCESS;

  if (s->kind == KIND_BAND) {
    st = mx_biquad_design(
      &c[0], (MxBiquadType)s->shape, freq, design_q(s), (double)effective_gain_db(s), eq->rate);
  } else {
    st = mx_biquad_design_pass(c, &n, s->kind == KIND_HPF, (MxBiquadSlope)s->shape, freq, eq->rate);
  }

  // Every value was validated by the setters, so this cannot fail; if it
  // did, the previous design stays
  if (!st) {
    memcpy(s->coeffs, c, n * sizeof(MxBiquadCoeffs));
    s->n = n;
  }
  s->dirty = false;
}

// Whether a settled section changes the signal at all
static bool
contributes(const MxStripEqSection* const s)
{
  return has_gain(s) ? effective_gain_db(s) != 0.0f : s->wet.current > 0.0f;
}

// Let the part holding `s` ramp from its next block on (and be tidied once
// settled: a change can leave a neutral section to drop)
static void
mark_moving(MxStripEq* const eq, const MxStripEqSection* const s)
{
  const unsigned part = s == &eq->sections[SECTION_HPF] ? PART_HPF : PART_BANDS;
  eq->ramping[part]   = true;
  eq->draining[part]  = true;
}

static void
retarget_wet(MxStripEq* const eq, MxStripEqSection* const s)
{
  mx_smooth_set_target(&s->wet, eq->enabled && s->on ? 1.0f : 0.0f);
  mark_moving(eq, s);
}

// Keep the running design and its memory as `old` and fade to the new shape
static void
start_crossfade(MxStripEqSection* const s)
{
  memcpy(s->old, s->coeffs, sizeof(s->old));
  memcpy(s->old_z1, s->z1, sizeof(s->old_z1));
  memcpy(s->old_z2, s->z2, sizeof(s->old_z2));
  s->old_n = s->n;
  memset(s->z1, 0, sizeof(s->z1));
  memset(s->z2, 0, sizeof(s->z2));

  s->shape = s->next_shape;
  s->dirty = true;
  mx_smooth_jump(&s->fade, 0.0f);
  mx_smooth_set_target(&s->fade, 1.0f);
}

// Advance one section by one sub-block of `len` samples
static void
update_section(const MxStripEq* const eq, MxStripEqSection* const s, const uint32_t len)
{
  // A shape change waits for the previous one to fade in, and for a dry/wet
  // crossfade to end (the old design runs without it)
  const bool was_active = s->active;
  const bool heard      = s->active && (has_gain(s) || s->wet.current > 0.0f);
  bool       reshaped   = false;
  if (s->next_shape != s->shape && mx_smooth_is_settled(&s->fade) &&
      (has_gain(s) || mx_smooth_is_settled(&s->wet))) {
    reshaped = true;
    if (heard) {
      start_crossfade(s);
    } else {
      // Dry or neutral: take the new shape at once, but a shape without
      // gain that should be heard fades in from dry
      s->shape = s->next_shape;
      s->dirty = true;
      clear_memory(s);
      if (!has_gain(s) && s->wet.current > 0.0f) {
        mx_smooth_jump(&s->wet, 0.0f);
        mx_smooth_set_target(&s->wet, 1.0f);
      }
    }
  }

  // A skipped section that stays neutral only follows its targets
  if (!s->active && mx_smooth_is_settled(&s->wet) && mx_smooth_is_settled(&s->gain_db) &&
      !contributes(s)) {
    mx_smooth_jump(&s->log_freq, s->log_freq.target);
    mx_smooth_jump(&s->log_q, s->log_q.target);
    s->dirty  = true;
    s->mixing = s->fading = s->gliding = false;
    return;
  }

  const bool gain = has_gain(s);
  const bool moved =
    !mx_smooth_is_settled(&s->log_freq) || !mx_smooth_is_settled(&s->log_q) ||
    (gain && (!mx_smooth_is_settled(&s->gain_db) || !mx_smooth_is_settled(&s->wet)));

  // Parameters move once per sub-block, crossfades sample by sample
  mx_smooth_advance(&s->log_freq, len);
  mx_smooth_advance(&s->log_q, len);
  mx_smooth_advance(&s->gain_db, len);

  s->mixing = false;
  if (gain) {
    mx_smooth_advance(&s->wet, len);
  } else if (!mx_smooth_is_settled(&s->wet)) {
    for (uint32_t k = 0U; k < len; ++k) {
      s->wet_ramp[k] = smoothstep(mx_smooth_next(&s->wet));
    }
    s->mixing = true;
  }

  s->fading = !mx_smooth_is_settled(&s->fade);
  if (s->fading) {
    for (uint32_t k = 0U; k < len; ++k) {
      s->fade_ramp[k] = smoothstep(mx_smooth_next(&s->fade));
    }
  }

  // Redesign for the sub-block's end; a running design glides there sample
  // by sample (coefficients linearly interpolated: a blend of two stable
  // biquads is stable, the (a1, a2) stability triangle being convex), which
  // measured 20 to 30 dB less click residue than a step every sub-block
  s->gliding = false;
  if (moved || s->dirty) {
    const bool glide = was_active && !reshaped;
    if (glide) {
      memcpy(s->from, s->coeffs, sizeof(s->from));
    }
    design(eq, s);
    s->gliding = glide;
  }

  // Take on a section that now contributes (its memory is clear); a dry
  // section without gain is dropped at once, a neutral peak or shelf only
  // once drained (tidy())
  if (gain) {
    s->active = s->active || s->fading || effective_gain_db(s) != 0.0f;
  } else {
    const bool needed = s->fading || s->mixing || s->wet.current > 0.0f;
    if (s->active && !needed) {
      clear_memory(s);
    }
    s->active = needed;
  }
}

static void
update(MxStripEq* const eq, const unsigned part, const uint32_t len)
{
  bool ramping = false;
  for (unsigned i = parts[part].first; i < parts[part].end; ++i) {
    MxStripEqSection* const s = &eq->sections[i];
    update_section(eq, s, len);

    // Also one more sub-block for a section faded to dry, to drop it
    ramping = ramping || is_moving(s) || (s->active && !has_gain(s) && s->wet.current == 0.0f);
  }
  eq->ramping[part] = ramping;
}

/*
  One sample `x` through `count` biquads, in place: the recursion of every
  kernel below, written once so that a scalar, a stereo pair and a bank of
  lanes give the same bits.  In TDF-II order, with z2 added before a1 y so
  that the recursion through y is one multiply and one subtraction long.
  `x` is a double or a vector of them; the coefficients broadcast.
*/
#define CASCADE_SAMPLE(c, m, count, x)                                          \
  _Pragma("GCC unroll 8") for (unsigned b_ = 0U; b_ < (count); ++b_)            \
  {                                                                             \
    const __typeof__(x) y_ = (c)[b_].b0 * (x) + (m)[b_].z1;                     \
    (m)[b_].z1             = ((c)[b_].b1 * (x) + (m)[b_].z2) - (c)[b_].a1 * y_; \
    (m)[b_].z2             = (c)[b_].b2 * (x) - (c)[b_].a2 * y_;                \
    (x)                    = y_;                                                \
  }

/*
  A chain of biquads for one channel.  `count` is a constant at each call
  (DISPATCH()), so with the inner loop unrolled the memory stays in
  registers and the biquads of one sample overlap with the next.
*/
static inline __attribute__((always_inline)) void
cascade_mono(const MxBiquadCoeffs* const restrict c,
             Memory* const restrict memory,
             const unsigned count,
             float* const restrict buf,
             const uint32_t n)
{
  Memory m[MAX_CHAIN];
#pragma GCC unroll 8
  for (unsigned b = 0U; b < count; ++b) {
    m[b] = memory[b];
  }

  for (uint32_t i = 0U; i < n; ++i) {
    double x = (double)buf[i];
    CASCADE_SAMPLE(c, m, count, x);
    buf[i] = (float)x;
  }

#pragma GCC unroll 8
  for (unsigned b = 0U; b < count; ++b) {
    memory[b] = m[b];
  }
}

// The same for two channels at once, one per lane of a 2 x double vector
// (SSE2 on x86-64, NEON on arm64): the same operations in the same order as
// cascade_mono(), so either channel's output is what a mono EQ gives
static inline __attribute__((always_inline)) void
cascade_stereo(const MxBiquadCoeffs* const restrict c,
               StereoMemory* const restrict memory,
               const unsigned count,
               float* const restrict left,
               float* const restrict right,
               const uint32_t n)
{
  StereoMemory m[MAX_CHAIN];
#pragma GCC unroll 8
  for (unsigned b = 0U; b < count; ++b) {
    m[b] = memory[b];
  }

  for (uint32_t i = 0U; i < n; ++i) {
    Double2 x = { (double)left[i], (double)right[i] };
    CASCADE_SAMPLE(c, m, count, x);
    left[i]  = (float)x[0];
    right[i] = (float)x[1];
  }

#pragma GCC unroll 8
  for (unsigned b = 0U; b < count; ++b) {
    memory[b] = m[b];
  }
}

// Four mono chains at once, one per lane of a 4 x double vector: the same
// operations in the same order as cascade_mono(), so each lane's output is
// what its EQ alone gives.  Lanes past `lanes` repeat the last real one and
// are not stored.  Built for AVX where the CPU has it, SSE2 otherwise
// (no FMA: a fused multiply-add would round differently from the one-by-one
// path).
typedef MxLanes Double4;

typedef struct {
  Double4 b0, b1, b2, a1, a2;
} BankCoeffs;

typedef struct {
  Double4 z1;
  Double4 z2;
} BankMemory;

static inline __attribute__((always_inline)) void
cascade_bank(const BankCoeffs* const restrict c,
             BankMemory* const restrict memory,
             const unsigned      count,
             float* const* const bufs,
             const unsigned      lanes,
             const uint32_t      n)
{
  BankMemory m[MAX_CHAIN];
#pragma GCC unroll 8
  for (unsigned b = 0U; b < count; ++b) {
    m[b] = memory[b];
  }

  float* const b0 = bufs[0];
  float* const b1 = bufs[lanes > 1U ? 1U : 0U];
  float* const b2 = bufs[lanes > 2U ? 2U : lanes - 1U];
  float* const b3 = bufs[lanes > 3U ? 3U : lanes - 1U];

  // Four samples at a time (mx_lanes_load4()); the arithmetic is the loop
  // below's, sample by sample, so the bits are the same
  float* const lane[4] = { b0, b1, b2, b3 };
  uint32_t     i       = 0U;
  for (; i + 4U <= n; i += 4U) {
    Double4 x[4];
    mx_lanes_load4((const float* const*)lane, i, x);
    CASCADE_SAMPLE(c, m, count, x[0]);
    CASCADE_SAMPLE(c, m, count, x[1]);
    CASCADE_SAMPLE(c, m, count, x[2]);
    CASCADE_SAMPLE(c, m, count, x[3]);
    mx_lanes_store4(lane, i, x);
  }

  for (; i < n; ++i) {
    Double4 x = { (double)b0[i], (double)b1[i], (double)b2[i], (double)b3[i] };
    CASCADE_SAMPLE(c, m, count, x);
    // Stored last to first: a repeated lane reads its buffer before this
    b3[i] = (float)x[3];
    b2[i] = (float)x[2];
    b1[i] = (float)x[1];
    b0[i] = (float)x[0];
  }

#pragma GCC unroll 8
  for (unsigned b = 0U; b < count; ++b) {
    memory[b] = m[b];
  }
}

// Call `kernel` with a constant chain length (1 to MAX_CHAIN)
#define DISPATCH(count, kernel, ...)        \
  switch (count) {                          \
    case 1U:                                \
      kernel(c, m, 1U, __VA_ARGS__);        \
      break;                                \
    case 2U:                                \
      kernel(c, m, 2U, __VA_ARGS__);        \
      break;                                \
    case 3U:                                \
      kernel(c, m, 3U, __VA_ARGS__);        \
      break;                                \
    case 4U:                                \
      kernel(c, m, 4U, __VA_ARGS__);        \
      break;                                \
    case 5U:                                \
      kernel(c, m, 5U, __VA_ARGS__);        \
      break;                                \
    case 6U:                                \
      kernel(c, m, 6U, __VA_ARGS__);        \
      break;                                \
    case 7U:                                \
      kernel(c, m, 7U, __VA_ARGS__);        \
      break;                                \
    default:                                \
      kernel(c, m, MAX_CHAIN, __VA_ARGS__); \
      break;                                \
  }

// Load and store the memory of a section's biquads for channel `ch`
static void
load_memory(const MxStripEqSection* const s, const unsigned ch, Memory* const m, const bool old)
{
  const unsigned n = old ? s->old_n : s->n;
  for (unsigned b = 0U; b < n; ++b) {
    m[b].z1 = old ? s->old_z1[b][ch] : s->z1[b][ch];
    m[b].z2 = old ? s->old_z2[b][ch] : s->z2[b][ch];
  }
}

static void
store_memory(MxStripEqSection* const s, const unsigned ch, const Memory* const m, const bool old)
{
  const unsigned n = old ? s->old_n : s->n;
  for (unsigned b = 0U; b < n; ++b) {
    if (old) {
      s->old_z1[b][ch] = m[b].z1;
      s->old_z2[b][ch] = m[b].z2;
    } else {
      s->z1[b][ch] = m[b].z1;
      s->z2[b][ch] = m[b].z2;
    }
  }
}

/*
  One section (1 or 2 biquads, `count` a constant at each call) of one
  channel while its coefficients glide linearly from `from` (before the
  first sample) to `to` (at the last).  The increments accumulate; the next
  sub-block starts again from `to` exactly.
*/
static inline __attribute__((always_inline)) void
glide_section(const MxBiquadCoeffs* const restrict from,
              const MxBiquadCoeffs* const restrict to,
              Memory* const restrict m,
              const unsigned count,
              float* const restrict buf,
              const uint32_t len)
{
  MxBiquadCoeffs c[MX_BIQUAD_MAX_SECTIONS];
  MxBiquadCoeffs d[MX_BIQUAD_MAX_SECTIONS];
  const double   step = 1.0 / (double)len;
  for (unsigned b = 0U; b < count; ++b) {
    c[b]    = from[b];
    d[b].b0 = (to[b].b0 - from[b].b0) * step;
    d[b].b1 = (to[b].b1 - from[b].b1) * step;
    d[b].b2 = (to[b].b2 - from[b].b2) * step;
    d[b].a1 = (to[b].a1 - from[b].a1) * step;
    d[b].a2 = (to[b].a2 - from[b].a2) * step;
  }

  for (uint32_t i = 0U; i < len; ++i) {
    double x = (double)buf[i];
#pragma GCC unroll 2
    for (unsigned b = 0U; b < count; ++b) {
      c[b].b0 += d[b].b0;
      c[b].b1 += d[b].b1;
      c[b].b2 += d[b].b2;
      c[b].a1 += d[b].a1;
      c[b].a2 += d[b].a2;
      const double y = c[b].b0 * x + m[b].z1;
      m[b].z1        = (c[b].b1 * x + m[b].z2) - c[b].a1 * y;
      m[b].z2        = c[b].b2 * x - c[b].a2 * y;
      x              = y;
    }
    buf[i] = (float)x;
  }
}

// Run one section over a sub-block, gliding or not
static void
run_section(const MxStripEqSection* const s,
            const MxBiquadCoeffs* const   coeffs,
            const unsigned                count,
            const bool                    glide,
            Memory* const                 m,
            float* const                  buf,
            const uint32_t                len)
{
  const MxBiquadCoeffs* const c = coeffs;
  if (glide) {
    if (count == 1U) {
      glide_section(s->from, coeffs, m, 1U, buf, len);
    } else {
      glide_section(s->from, coeffs, m, 2U, buf, len);
    }
  } else if (count == 1U) {
    cascade_mono(c, m, 1U, buf, len);
  } else {
    cascade_mono(c, m, 2U, buf, len);
  }
}

/*
  One sub-block of one channel while something ramps.  Sections that only
  filter are gathered into chains run as in the settled path; a section
  that glides, mixes with dry or fades between designs runs on its own.
*/
static void
process_ramping(MxStripEq* const eq,
                const unsigned   part,
                const unsigned   ch,
                float* const     buf,
                const uint32_t   len)
{
  MxBiquadCoeffs c[MAX_CHAIN];
  Memory         m[MAX_CHAIN];
  double*        z1[MAX_CHAIN];
  double*        z2[MAX_CHAIN];
  unsigned       count = 0U;
  const unsigned end   = parts[part].end;

  for (unsigned i = parts[part].first; i <= end; ++i) {
    MxStripEqSection* const s = i < end ? &eq->sections[i] : NULL;
    if (s && !s->active) {
      continue;
    }

    // Gather plain sections
    if (s && !s->gliding && !s->mixing && !s->fading) {
      for (unsigned b = 0U; b < s->n; ++b) {
        c[count]    = s->coeffs[b];
        m[count].z1 = s->z1[b][ch];
        m[count].z2 = s->z2[b][ch];
        z1[count]   = &s->z1[b][ch];
        z2[count]   = &s->z2[b][ch];
        ++count;
      }
      continue;
    }

    // Run the chain gathered so far, before a special section or the end
    if (count) {
      DISPATCH(count, cascade_mono, buf, len);
      for (unsigned b = 0U; b < count; ++b) {
        *z1[b] = m[b].z1;
        *z2[b] = m[b].z2;
      }
      count = 0U;
    }
    if (!s) {
      break;
    }

    float  dry[MX_STRIP_EQ_SUBBLOCK];
    float  old[MX_STRIP_EQ_SUBBLOCK];
    Memory sm[MX_BIQUAD_MAX_SECTIONS];
    if (s->fading) {
      memcpy(old, buf, len * sizeof(float));
      load_memory(s, ch, sm, true);
      run_section(s, s->old, s->old_n, false, sm, old, len);
      store_memory(s, ch, sm, true);
    }
    if (s->mixing) {
      memcpy(dry, buf, len * sizeof(float));
    }

    load_memory(s, ch, sm, false);
    run_section(s, s->coeffs, s->n, s->gliding, sm, buf, len);
    store_memory(s, ch, sm, false);

    // Amplitude (not power) crossfades: the inputs are coherent, one signal
    // through two filters
    if (s->mixing) {
      for (uint32_t k = 0U; k < len; ++k) {
        buf[k] = dry[k] + s->wet_ramp[k] * (buf[k] - dry[k]);
      }
    }
    if (s->fading) {
      for (uint32_t k = 0U; k < len; ++k) {
        buf[k] = old[k] + s->fade_ramp[k] * (buf[k] - old[k]);
      }
    }
  }
}

// Built for AVX2 where the CPU has it (VEX forms for the same vectors, no
// FMA: the same bits), as the banks are: buses, the master and stereo
// strips run their EQ here
static MX_SIMD_CLONES void
eq_settled(MxStripEq* const    eq,
           const unsigned      part,
           float* const* const bufs,
           const uint32_t      off,
           const uint32_t      n)
{
  // Gather the active biquads into one chain
  MxBiquadCoeffs c[MAX_CHAIN];
  double*        z1[MAX_CHAIN];
  double*        z2[MAX_CHAIN];
  unsigned       count = 0U;
  for (unsigned i = parts[part].first; i < parts[part].end; ++i) {
    MxStripEqSection* const s = &eq->sections[i];
    for (unsigned b = 0U; s->active && b < s->n; ++b) {
      c[count]  = s->coeffs[b];
      z1[count] = s->z1[b];
      z2[count] = s->z2[b];
      ++count;
    }
  }

  if (count == 0U) {
    return;
  }

  if (eq->channels == 2U) {
    StereoMemory m[MAX_CHAIN];
    for (unsigned b = 0U; b < count; ++b) {
      m[b].z1 = (Double2){ z1[b][0], z1[b][1] };
      m[b].z2 = (Double2){ z2[b][0], z2[b][1] };
    }

    DISPATCH(count, cascade_stereo, bufs[0] + off, bufs[1] + off, n);

    for (unsigned b = 0U; b < count; ++b) {
      z1[b][0] = m[b].z1[0];
      z1[b][1] = m[b].z1[1];
      z2[b][0] = m[b].z2[0];
      z2[b][1] = m[b].z2[1];
    }
    return;
  }

  Memory m[MAX_CHAIN];
  for (unsigned b = 0U; b < count; ++b) {
    m[b].z1 = z1[b][0];
    m[b].z2 = z2[b][0];
  }

  DISPATCH(count, cascade_mono, bufs[0] + off, n);

  for (unsigned b = 0U; b < count; ++b) {
    z1[b][0] = m[b].z1;
    z2[b][0] = m[b].z2;
  }
}

// The active biquads of a mono EQ's part: their designs and memory, in place
typedef struct {
  const MxBiquadCoeffs* c[MAX_CHAIN];
  double*               z1[MAX_CHAIN];
  double*               z2[MAX_CHAIN];
  unsigned              count;
} Chain;

static void
gather_chain(MxStripEq* const eq, const unsigned part, Chain* const chain)
{
  chain->count = 0U;
  for (unsigned i = parts[part].first; i < parts[part].end; ++i) {
    MxStripEqSection* const s = &eq->sections[i];
    for (unsigned b = 0U; s->active && b < s->n; ++b) {
      chain->c[chain->count]  = &s->coeffs[b];
      chain->z1[chain->count] = &s->z1[b][0];
      chain->z2[chain->count] = &s->z2[b][0];
      ++chain->count;
    }
  }
}

// Settled chains of one length in the lanes of cascade_bank().  Returns
// whether every lane's memory is finite afterwards (what tidy() would
// check section by section), tested on the bank's vectors at once.
static MX_SIMD_CLONES bool
run_bank(const Chain* const* const chains,
         float* const* const       bufs,
         const unsigned            lanes,
         const uint32_t            n)
{
  const unsigned count = chains[0]->count;
  BankCoeffs     c[MAX_CHAIN];
  BankMemory     m[MAX_CHAIN];
  for (unsigned b = 0U; b < count; ++b) {
    for (unsigned l = 0U; l < MX_STRIP_EQ_BANK; ++l) {
      const Chain* const          ch = chains[l < lanes ? l : lanes - 1U];
      const MxBiquadCoeffs* const cb = ch->c[b];
      c[b].b0[l]                     = cb->b0;
      c[b].b1[l]                     = cb->b1;
      c[b].b2[l]                     = cb->b2;
      c[b].a1[l]                     = cb->a1;
      c[b].a2[l]                     = cb->a2;
      m[b].z1[l]                     = *ch->z1[b];
      m[b].z2[l]                     = *ch->z2[b];
    }
  }

  DISPATCH(count, cascade_bank, bufs, lanes, n);

  // As memory_is(s, 1, HUGE_VAL) for every section (NaN compares false)
  bool finite = true;
  for (unsigned b = 0U; b < count; ++b) {
    for (unsigned l = 0U; l < lanes; ++l) {
      *chains[l]->z1[b] = m[b].z1[l];
      *chains[l]->z2[b] = m[b].z2[l];
      finite &= (fabs(m[b].z1[l]) < HUGE_VAL) & (fabs(m[b].z2[l]) < HUGE_VAL);
    }
  }
  return finite;
}

static bool
memory_is(const MxStripEqSection* const s, const unsigned channels, const double limit)
{
  for (unsigned b = 0U; b < s->n; ++b) {
    for (unsigned ch = 0U; ch < channels; ++ch) {
      // Written so that NaN compares false
      if (!(fabs(s->z1[b][ch]) < limit) || !(fabs(s->z2[b][ch]) < limit)) {
        return false;
      }
    }
  }
  for (unsigned b = 0U; s->fading && b < s->old_n; ++b) {
    for (unsigned ch = 0U; ch < channels; ++ch) {
      if (!(fabs(s->old_z1[b][ch]) < limit) || !(fabs(s->old_z2[b][ch]) < limit)) {
        return false;
      }
    }
  }
  return true;
}

// After a block: clear memory that a NaN or infinity reached (unless the
// caller knows it is all finite), and drop neutral peaks and shelves whose
// memory has drained.  A settled part with none left to drop says so in
// `draining`, so that a bank whose memory is finite can skip this.
static void
tidy(MxStripEq* const eq, const unsigned part, const bool finite)
{
  bool waiting = false; // A neutral section is still draining
  for (unsigned i = parts[part].first; i < parts[part].end; ++i) {
    MxStripEqSection* const s = &eq->sections[i];
    if (!s->active) {
      continue;
    }

    if (!finite && !memory_is(s, eq->channels, HUGE_VAL)) {
      clear_memory(s);
    }

    if (!eq->ramping[part] && has_gain(s) && effective_gain_db(s) == 0.0f) {
      if (memory_is(s, eq->channels, DRAINED)) {
        clear_memory(s);
        s->active = false;
      } else {
        waiting = true;
      }
    }
  }
  if (!eq->ramping[part]) {
    eq->draining[part] = waiting;
  }
}

static void
init_section(MxStripEqSection* const s,
             const uint8_t           kind,
             const unsigned          shape,
             const float             freq_hz,
             const double            rate)
{
  memset(s, 0, sizeof(*s));
  s->kind       = kind;
  s->shape      = shape;
  s->next_shape = shape;
  s->freq_hz    = freq_hz;
  s->q          = MX_STRIP_EQ_DEFAULT_Q;
  s->on         = kind == KIND_BAND;
  s->n          = 1U;
  mx_smooth_init(&s->log_freq, logf(freq_hz), MX_SMOOTH_DEFAULT_MS, rate);
  mx_smooth_init(&s->log_q, logf(s->q), MX_SMOOTH_DEFAULT_MS, rate);
  mx_smooth_init(&s->gain_db, 0.0f, MX_SMOOTH_DEFAULT_MS, rate);
  mx_smooth_init(&s->wet, s->on ? 1.0f : 0.0f, MX_SMOOTH_DEFAULT_MS, rate);
  mx_smooth_init(&s->fade, 1.0f, MX_SMOOTH_DEFAULT_MS, rate);
}

MxStatus
mx_strip_eq_init(MxStripEq* const eq, const unsigned channels, const double rate)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_rate(rate));
  if (channels < 1U || channels > MX_STRIP_EQ_MAX_CHANNELS) {
    return MX_ERR_RANGE;
  }

  static const struct {
    MxBiquadType type;
    float        freq_hz;
  } bands[MX_STRIP_EQ_BANDS] = {
    { MX_BIQUAD_LOW_SHELF, 100.0f },
    { MX_BIQUAD_PEAK, 500.0f },
    { MX_BIQUAD_PEAK, 2500.0f },
    { MX_BIQUAD_HIGH_SHELF, 8000.0f },
  };

  // Start from all-zero bytes, padding included, so that no field is ever
  // left uninitialised and two EQs set up alike compare equal byte for byte
  memset(eq, 0, sizeof(*eq));
  eq->rate     = rate;
  eq->channels = channels;
  eq->enabled  = true;
  init_section(&eq->sections[SECTION_HPF],
               KIND_HPF,
               MX_SLOPE_12_BUTTERWORTH,
               MX_STRIP_EQ_DEFAULT_HPF_HZ,
               rate);
  for (unsigned b = 0U; b < MX_STRIP_EQ_BANDS; ++b) {
    init_section(&eq->sections[1U + b], KIND_BAND, bands[b].type, bands[b].freq_hz, rate);
  }
  init_section(&eq->sections[SECTION_LPF],
               KIND_LPF,
               MX_SLOPE_12_BUTTERWORTH,
               MX_STRIP_EQ_DEFAULT_LPF_HZ,
               rate);

  mx_strip_eq_reset(eq);
  return MX_SUCCESS;
}

MxStatus
mx_strip_eq_set_rate(MxStripEq* const eq, const double rate)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_rate(rate));

  eq->rate = rate;
  for (unsigned i = 0U; i < MX_STRIP_EQ_SECTIONS; ++i) {
    MxStripEqSection* const s = &eq->sections[i];
    mx_smooth_set_time(&s->log_freq, MX_SMOOTH_DEFAULT_MS, rate);
    mx_smooth_set_time(&s->log_q, MX_SMOOTH_DEFAULT_MS, rate);
    mx_smooth_set_time(&s->gain_db, MX_SMOOTH_DEFAULT_MS, rate);
    mx_smooth_set_time(&s->wet, MX_SMOOTH_DEFAULT_MS, rate);
    mx_smooth_set_time(&s->fade, MX_SMOOTH_DEFAULT_MS, rate);
  }

  mx_strip_eq_reset(eq);
  return MX_SUCCESS;
}

void
mx_strip_eq_reset(MxStripEq* const eq)
{
  for (unsigned i = 0U; i < MX_STRIP_EQ_SECTIONS; ++i) {
    MxStripEqSection* const s = &eq->sections[i];
    mx_smooth_jump(&s->log_freq, s->log_freq.target);
    mx_smooth_jump(&s->log_q, s->log_q.target);
    mx_smooth_jump(&s->gain_db, s->gain_db.target);
    mx_smooth_jump(&s->wet, s->wet.target);
    mx_smooth_jump(&s->fade, 1.0f);
    s->shape  = s->next_shape;
    s->mixing = s->fading = s->gliding = false;
    clear_memory(s);
    design(eq, s);
    s->active = contributes(s);
  }
  memset(eq->ramping, 0, sizeof(eq->ramping));
  memset(eq->draining, 1, sizeof(eq->draining)); // tidy() finds out
}

void
mx_strip_eq_set_enabled(MxStripEq* const eq, const bool on)
{
  eq->enabled = on;
  for (unsigned i = 0U; i < MX_STRIP_EQ_SECTIONS; ++i) {
    retarget_wet(eq, &eq->sections[i]);
  }
}

// Shared setters, for one section

static void
set_section_enabled(MxStripEq* const eq, MxStripEqSection* const s, const bool on)
{
  s->on = on;
  retarget_wet(eq, s);
}

static MxStatus
set_section_freq(MxStripEq* const eq, MxStripEqSection* const s, const float hz)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(hz, MX_STRIP_EQ_MIN_HZ, MX_STRIP_EQ_MAX_HZ));

  s->freq_hz = hz;
  s->dirty   = true; // even if logf() rounds two requests to one target
  mx_smooth_set_target(&s->log_freq, logf(hz));
  mark_moving(eq, s);
  return MX_SUCCESS;
}

static MxStatus
set_pass_slope(MxStripEq* const eq, MxStripEqSection* const s, const MxBiquadSlope slope)
{
  if ((unsigned)slope >= MX_SLOPE_N) {
    return MX_ERR_BAD_ARG;
  }

  s->next_shape = (unsigned)slope;
  mark_moving(eq, s);
  return MX_SUCCESS;
}

void
mx_strip_eq_set_hpf_enabled(MxStripEq* const eq, const bool on)
{
  set_section_enabled(eq, &eq->sections[SECTION_HPF], on);
}

MxStatus
mx_strip_eq_set_hpf_freq_hz(MxStripEq* const eq, const float hz)
{
  return set_section_freq(eq, &eq->sections[SECTION_HPF], hz);
}

MxStatus
mx_strip_eq_set_hpf_slope(MxStripEq* const eq, const MxBiquadSlope slope)
{
  return set_pass_slope(eq, &eq->sections[SECTION_HPF], slope);
}

void
mx_strip_eq_set_lpf_enabled(MxStripEq* const eq, const bool on)
{
  set_section_enabled(eq, &eq->sections[SECTION_LPF], on);
}

MxStatus
mx_strip_eq_set_lpf_freq_hz(MxStripEq* const eq, const float hz)
{
  return set_section_freq(eq, &eq->sections[SECTION_LPF], hz);
}

MxStatus
mx_strip_eq_set_lpf_slope(MxStripEq* const eq, const MxBiquadSlope slope)
{
  return set_pass_slope(eq, &eq->sections[SECTION_LPF], slope);
}

MxStatus
mx_strip_eq_set_band_enabled(MxStripEq* const eq, const unsigned band, const bool on)
{
  if (band >= MX_STRIP_EQ_BANDS) {
    return MX_ERR_RANGE;
  }

  set_section_enabled(eq, &eq->sections[1U + band], on);
  return MX_SUCCESS;
}

MxStatus
mx_strip_eq_set_band_type(MxStripEq* const eq, const unsigned band, const MxBiquadType type)
{
  if (band >= MX_STRIP_EQ_BANDS) {
    return MX_ERR_RANGE;
  }
  if ((unsigned)type >= MX_BIQUAD_N_TYPES) {
    return MX_ERR_BAD_ARG;
  }

  eq->sections[1U + band].next_shape = (unsigned)type;
  mark_moving(eq, &eq->sections[1U + band]);
  return MX_SUCCESS;
}

MxStatus
mx_strip_eq_set_band_freq_hz(MxStripEq* const eq, const unsigned band, const float hz)
{
  if (band >= MX_STRIP_EQ_BANDS) {
    return MX_ERR_RANGE;
  }

  return set_section_freq(eq, &eq->sections[1U + band], hz);
}

MxStatus
mx_strip_eq_set_band_gain_db(MxStripEq* const eq, const unsigned band, const float db)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db, -MX_STRIP_EQ_MAX_GAIN_DB, MX_STRIP_EQ_MAX_GAIN_DB));
  if (band >= MX_STRIP_EQ_BANDS) {
    return MX_ERR_RANGE;
  }

  mx_smooth_set_target(&eq->sections[1U + band].gain_db, db);
  mark_moving(eq, &eq->sections[1U + band]);
  return MX_SUCCESS;
}

MxStatus
mx_strip_eq_set_band_q(MxStripEq* const eq, const unsigned band, const float q)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(q, MX_STRIP_EQ_MIN_Q, MX_STRIP_EQ_MAX_Q));
  if (band >= MX_STRIP_EQ_BANDS) {
    return MX_ERR_RANGE;
  }

  MxStripEqSection* const s = &eq->sections[1U + band];
  s->q                      = q;
  s->dirty                  = true;
  mx_smooth_set_target(&s->log_q, logf(q));
  mark_moving(eq, s);
  return MX_SUCCESS;
}

bool
mx_strip_eq_is_settled(const MxStripEq* const eq)
{
  return !eq->ramping[PART_HPF] && !eq->ramping[PART_BANDS];
}

// Process one part of the chain: sub-blocks while it ramps, then settled
static void
process_part(MxStripEq* const eq, const unsigned part, float* const* const bufs, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  uint32_t i = 0U;
  while (i < n && eq->ramping[part]) {
    const uint32_t len = n - i < MX_STRIP_EQ_SUBBLOCK ? n - i : MX_STRIP_EQ_SUBBLOCK;
    update(eq, part, len);
    for (unsigned ch = 0U; ch < eq->channels; ++ch) {
      process_ramping(eq, part, ch, bufs[ch] + i, len);
    }
    i += len;
  }

  if (i < n) {
    eq_settled(eq, part, bufs, i, n - i);
  }

  tidy(eq, part, false);
}

void
mx_strip_eq_process_hpf(MxStripEq* const eq, float* const* const bufs, const uint32_t n)
{
  process_part(eq, PART_HPF, bufs, n);
}

void
mx_strip_eq_process_bands(MxStripEq* const eq, float* const* const bufs, const uint32_t n)
{
  process_part(eq, PART_BANDS, bufs, n);
}

// process_part() for up to MX_STRIP_EQ_BANK mono EQs, in banks where settled
static void
process_part_bank(MxStripEq* const* const eqs,
                  const unsigned          part,
                  float* const* const     bufs,
                  const unsigned          count,
                  const uint32_t          n)
{
  assert(count <= MX_STRIP_EQ_BANK && n <= MX_DSP_MAX_BLOCK);
  Chain chains[MX_STRIP_EQ_BANK];
  bool  done[MX_STRIP_EQ_BANK]    = { false };
  bool  settled[MX_STRIP_EQ_BANK] = { false };
  bool  finite[MX_STRIP_EQ_BANK]  = { false }; // Memory known finite: tidy() need not look

  // Ramping or stereo: one by one; settled with nothing to run: only tidied
  for (unsigned k = 0U; k < count; ++k) {
    if (eqs[k]->ramping[part] || eqs[k]->channels != 1U) {
      process_part(eqs[k], part, &bufs[k], n);
      done[k] = true;
      continue;
    }
    gather_chain(eqs[k], part, &chains[k]);
    settled[k] = true;
    done[k]    = chains[k].count == 0U;
  }

  // The rest in banks of chains of one length
  for (unsigned k = 0U; k < count; ++k) {
    if (done[k]) {
      continue;
    }
    const Chain* bank[MX_STRIP_EQ_BANK]      = { &chains[k] };
    float*       lane_bufs[MX_STRIP_EQ_BANK] = { bufs[k] };
    unsigned     lane_of[MX_STRIP_EQ_BANK]   = { k };
    unsigned     lanes                       = 1U;
    done[k]                                  = true;
    for (unsigned j = k + 1U; j < count; ++j) {
      if (!done[j] && chains[j].count == chains[k].count) {
        bank[lanes]      = &chains[j];
        lane_bufs[lanes] = bufs[j];
        lane_of[lanes]   = j;
        ++lanes;
        done[j] = true;
      }
    }
    const bool ok = run_bank(bank, lane_bufs, lanes, n);
    for (unsigned l = 0U; l < lanes; ++l) {
      finite[lane_of[l]] = ok;
    }
  }

  // Finite memory and no neutral section left to drop: nothing to tidy
  for (unsigned k = 0U; k < count; ++k) {
    if (settled[k] && (!finite[k] || eqs[k]->draining[part])) {
      tidy(eqs[k], part, finite[k]);
    }
  }
}

void
mx_strip_eq_process_hpf_bank(MxStripEq* const* const eqs,
                             float* const* const     bufs,
                             const unsigned          count,
                             const uint32_t          n)
{
  process_part_bank(eqs, PART_HPF, bufs, count, n);
}

void
mx_strip_eq_process_bands_bank(MxStripEq* const* const eqs,
                               float* const* const     bufs,
                               const unsigned          count,
                               const uint32_t          n)
{
  process_part_bank(eqs, PART_BANDS, bufs, count, n);
}

void
mx_strip_eq_process(MxStripEq* const eq, float* const* const bufs, const uint32_t n)
{
  process_part(eq, PART_HPF, bufs, n);
  process_part(eq, PART_BANDS, bufs, n);
}
