// SPDX-License-Identifier: GPL-3.0-or-later

#include "mix.h"
#include "testutil.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum { RATE = 48000, BLOCK = 100, LEN = 8 * 960 };

/// Ramp of MX_SMOOTH_DEFAULT_MS at RATE: 960 samples
#define RAMP ((size_t)mxt_ramp_samples(RATE))

/// A value no edge writes from the test signals
#define SENTINEL 12345.0f

/// One signal pair per MxEdgeSource, as a strip's taps and output give them
static float sources[4][2][LEN];

/// Destination pair
static float dst_l[LEN];
static float dst_r[LEN];

/// Reference pair
static float ref_l[LEN];
static float ref_r[LEN];

/// Source and mode in force for each sample run
static uint8_t used_source[LEN];
static uint8_t used_mode[LEN];

static MxPlanEdge
plan_edge(const MxEdgeMode mode, const MxEdgeSource source, const float g0, const float g1)
{
  const MxPlanEdge e = { { g0, g1 }, 0U, (uint8_t)source, (uint8_t)mode, false };
  return e;
}

// Sources as DC levels, distinct for each source and channel, so that the
// destination traces the gains and tells the sources apart by their sign
// and size
static void
fill_dc_sources(void)
{
  static const float level[4] = { -0.25f, -0.5f, -1.0f, 1.0f };
  for (unsigned s = 0U; s < 4U; ++s) {
    mxt_fill(sources[s][0], LEN, level[s]);
    mxt_fill(sources[s][1], LEN, 0.5f * level[s]);
  }
}

/*
  Run samples [from, to) through the edge in blocks of `block`, as the
  engine does: each block reads the source in force (edge->source), and
  the plan, if given, is set again before every block (the engine sends a
  node's edges again with every change to the node).
*/
static void
run_edge(MxMixEdge* const        edge,
         const size_t            from,
         const size_t            to,
         const size_t            block,
         const MxPlanEdge* const again)
{
  for (size_t pos = from; pos < to; pos += block) {
    const uint32_t n = (uint32_t)(to - pos < block ? to - pos : block);
    if (again) {
      mx_mix_edge_set(edge, again);
    }
    const unsigned     s      = edge->source;
    const float* const src[2] = { sources[s][0] + pos, sources[s][1] + pos };
    float* const       dst[2] = { dst_l + pos, dst_r + pos };
    memset(used_source + pos, edge->source, n);
    memset(used_mode + pos, edge->mode, n);
    mx_mix_edge_process(edge, src, dst, n);
  }
}

// Settle an edge on its targets by running it over silence
static void
settle(MxMixEdge* const edge)
{
  static float       silence[2][960];
  static float       scratch[2][960];
  const float* const src[2] = { silence[0], silence[1] };
  float* const       dst[2] = { scratch[0], scratch[1] };
  ck_assert_uint_eq(sizeof(silence[0]) / sizeof(float), RAMP);
  mx_mix_edge_process(edge, src, dst, (uint32_t)RAMP);
  mx_mix_edge_process(edge, src, dst, (uint32_t)RAMP);
  ck_assert(mx_smooth_is_settled(&edge->gain[0]) && mx_smooth_is_settled(&edge->gain[1]));
}

// Largest |a[i] - a[i-1]| over [from, to)
static double
max_step(const float* const a, const size_t from, const size_t to)
{
  return mxt_max_step(a + from, to - from);
}

// Smallest a[i] over [from, to)
static double
lowest(const float* const a, const size_t from, const size_t to)
{
  double low = INFINITY;
  for (size_t i = from; i < to; ++i) {
    low = fmin(low, (double)a[i]);
  }
  return low;
}

// What a settled edge adds to destination channel `c` from the DC sources
static float
dc_value(const MxEdgeMode   mode,
         const MxEdgeSource source,
         const float        g0,
         const float        g1,
         const unsigned     c)
{
  const float a = sources[source][0][0];
  const float b = sources[source][1][0];
  switch (mode) {
    case MX_EDGE_MONO:
      return c == 0U ? g0 * a : 0.0f;
    case MX_EDGE_SPREAD:
      return c == 0U ? g0 * a : g1 * a;
    case MX_EDGE_PAIR:
      return c == 0U ? g0 * a : g1 * b;
    case MX_EDGE_FOLD:
      return c == 0U ? g0 * a + g1 * b : 0.0f;
    case MX_EDGE_OFF:
      break;
  }
  return 0.0f;
}

// ---------------------------------------------------------------------------
// mx_mix_add

START_TEST(add_scales_and_sums_exactly)
{
  static const float gains[] = { 1.0f, 0.5f, -0.7071f, 3.25f, 0.0f };
  mxt_noise(sources[0][0], LEN, 1.0, 3U);
  mxt_noise(dst_l, LEN, 1.0, 4U);
  memcpy(ref_l, dst_l, sizeof(ref_l));

  const float g = gains[_i];
  mx_mix_add(dst_l, sources[0][0], g, LEN);
  for (size_t i = 0U; i < LEN; ++i) {
    ref_l[i] += g * sources[0][0][i];
  }
  mxt_assert_same_samples(dst_l, ref_l, LEN);

  // Nothing at all for n = 0
  memcpy(ref_l, dst_l, sizeof(ref_l));
  mx_mix_add(dst_l, sources[0][0], g, 0U);
  mxt_assert_same_samples(dst_l, ref_l, LEN);
}
END_TEST

// ---------------------------------------------------------------------------
// Settled sums

/*
  Settled, every mode sums exactly what MxEdgeMode says, bit for bit
  against a plain loop: MONO d0 += g0 s0; SPREAD d0 += g0 s0, d1 += g1 s0;
  PAIR d0 += g0 s0, d1 += g1 s1; FOLD d0 += g0 s0 + g1 s1.  A channel a
  mode does not use is neither read (NULL) nor written (a sentinel stays).
  A zero gain adds nothing.
*/
static const struct {
  MxEdgeMode mode;
  float      g0;
  float      g1;
} sums[] = {
  { MX_EDGE_MONO, 0.7f, 0.0f },   { MX_EDGE_MONO, 1.0f, 0.0f },
  { MX_EDGE_SPREAD, 0.3f, 0.9f }, { MX_EDGE_SPREAD, 0.7071068f, 0.0f },
  { MX_EDGE_PAIR, 1.0f, 0.25f },  { MX_EDGE_PAIR, 0.0f, 0.6f },
  { MX_EDGE_FOLD, 0.5f, 0.5f },   { MX_EDGE_FOLD, 0.2f, -0.8f },
  { MX_EDGE_FOLD, 0.0f, 0.5f },
};

START_TEST(settled_modes_sum_exactly)
{
  const MxEdgeMode mode = sums[_i].mode;
  const float      g0   = sums[_i].g0;
  const float      g1   = sums[_i].g1;
  const bool       src2 = mode == MX_EDGE_PAIR || mode == MX_EDGE_FOLD;
  const bool       dst2 = mode == MX_EDGE_SPREAD || mode == MX_EDGE_PAIR;
  MxMixEdge        edge;
  const MxPlanEdge plan = plan_edge(mode, MX_EDGE_POST_FADER, g0, g1);
  mx_mix_edge_init(&edge, RATE);
  mx_mix_edge_set(&edge, &plan);
  ck_assert(mx_mix_edge_is_connected(&edge));
  settle(&edge);
  mxt_assert_same(edge.gain[0].current, g0);

  float* const a = sources[MX_EDGE_POST_FADER][0];
  float* const b = sources[MX_EDGE_POST_FADER][1];
  mxt_noise(a, LEN, 1.0, 5U);
  mxt_noise(b, LEN, 1.0, 6U);
  mxt_noise(dst_l, LEN, 1.0, 7U);
  if (dst2) {
    mxt_noise(dst_r, LEN, 1.0, 8U);
  } else {
    mxt_fill(dst_r, LEN, SENTINEL);
  }
  memcpy(ref_l, dst_l, sizeof(ref_l));
  memcpy(ref_r, dst_r, sizeof(ref_r));

  // Blocks of several sizes, up to the largest
  static const uint32_t sizes[] = { 1U, 7U, 64U, 256U, 1000U };
  size_t                pos     = 0U;
  for (unsigned k = 0U; pos < LEN; k = (k + 1U) % 5U) {
    const uint32_t     n      = (uint32_t)(LEN - pos < sizes[k] ? LEN - pos : sizes[k]);
    const float* const src[2] = { a + pos, src2 ? b + pos : NULL };
    float* const       dst[2] = { dst_l + pos, dst2 ? dst_r + pos : NULL };
    mx_mix_edge_process(&edge, src, dst, n);
    pos += n;
  }

  for (size_t i = 0U; i < LEN; ++i) {
    switch (mode) {
      case MX_EDGE_MONO:
        ref_l[i] += g0 * a[i];
        break;
      case MX_EDGE_SPREAD:
        ref_l[i] += g0 * a[i];
        ref_r[i] += g1 * a[i];
        break;
      case MX_EDGE_PAIR:
        ref_l[i] += g0 * a[i];
        ref_r[i] += g1 * b[i];
        break;
      case MX_EDGE_FOLD:
        ref_l[i] += g0 * a[i] + g1 * b[i];
        break;
      case MX_EDGE_OFF:
        break;
    }
  }
  mxt_assert_same_samples(dst_l, ref_l, LEN);
  mxt_assert_same_samples(dst_r, ref_r, LEN);
  ck_assert(mx_mix_edge_is_connected(&edge));
}
END_TEST

// An edge never set, or set off, is disconnected and adds nothing
START_TEST(off_edges_add_nothing)
{
  MxMixEdge edge;
  mx_mix_edge_init(&edge, RATE);
  ck_assert(!mx_mix_edge_is_connected(&edge));
  mxt_assert_same(edge.gain[0].current, 0.0f);
  mxt_assert_same(edge.gain[1].current, 0.0f);

  mxt_noise(sources[0][0], LEN, 1.0, 9U);
  mxt_noise(sources[0][1], LEN, 1.0, 10U);
  mxt_noise(dst_l, LEN, 1.0, 11U);
  mxt_noise(dst_r, LEN, 1.0, 12U);
  memcpy(ref_l, dst_l, sizeof(ref_l));
  memcpy(ref_r, dst_r, sizeof(ref_r));
  const float* const src[2] = { sources[0][0], sources[0][1] };
  float* const       dst[2] = { dst_l, dst_r };
  mx_mix_edge_process(&edge, src, dst, LEN);

  // Off with gains: the gains do not count
  const MxPlanEdge off = plan_edge(MX_EDGE_OFF, MX_EDGE_OUTPUT, 1.0f, 1.0f);
  mx_mix_edge_set(&edge, &off);
  ck_assert(!mx_mix_edge_is_connected(&edge));
  mx_mix_edge_process(&edge, src, dst, LEN);
  mxt_assert_same_samples(dst_l, ref_l, LEN);
  mxt_assert_same_samples(dst_r, ref_r, LEN);
  ck_assert(!mx_mix_edge_is_connected(&edge));
}
END_TEST

// ---------------------------------------------------------------------------
// Glides

/*
  A connected edge's gains glide linearly to their targets over
  MX_SMOOTH_DEFAULT_MS (N samples): on DC sources of 1 and 0.5 the
  destination traces g(i) = target (i + 1) / N from 0, reaches the target
  exactly on sample N - 1 and not before, and never steps by more than
  |target - start| / N.  A new target glides from where the gains are.
*/
START_TEST(gains_glide_with_a_bounded_step)
{
  fill_dc_sources();
  memset(dst_l, 0, sizeof(dst_l));
  memset(dst_r, 0, sizeof(dst_r));
  MxMixEdge edge;
  mx_mix_edge_init(&edge, RATE);
  const MxPlanEdge up = plan_edge(MX_EDGE_PAIR, MX_EDGE_OUTPUT, 1.0f, 0.5f);
  mx_mix_edge_set(&edge, &up);
  run_edge(&edge, 0U, 2U * RAMP, BLOCK, NULL);

  // Up from 0: sources 1 and 0.5, gains 1 and 0.5
  const double eps = 1e-6;
  ck_assert_double_eq_tol(dst_l[0], 1.0 / (double)RAMP, eps);
  ck_assert_double_eq_tol(dst_l[RAMP / 2U - 1U], 0.5, eps);
  ck_assert_float_ne(dst_l[RAMP - 2U], 1.0f);
  mxt_assert_same(dst_l[RAMP - 1U], 1.0f);
  mxt_assert_same(dst_r[RAMP - 1U], 0.25f);
  ck_assert_uint_eq(mxt_first_not(dst_l + RAMP, 1.0f, RAMP), RAMP);
  ck_assert_uint_eq(mxt_first_not(dst_r + RAMP, 0.25f, RAMP), RAMP);
  ck_assert_double_le(max_step(dst_l, 0U, 2U * RAMP), 1.0 / (double)RAMP + eps);
  ck_assert_double_le(max_step(dst_r, 0U, 2U * RAMP), 0.25 / (double)RAMP + eps);

  // A new target from there: 1 -> 0.25 and 0.5 -> 1 (so 0.25 -> 0.5 on the right)
  const MxPlanEdge again = plan_edge(MX_EDGE_PAIR, MX_EDGE_OUTPUT, 0.25f, 1.0f);
  mx_mix_edge_set(&edge, &again);
  run_edge(&edge, 2U * RAMP, 4U * RAMP, BLOCK, NULL);
  const size_t from = 2U * RAMP;
  mxt_assert_same(dst_l[from + RAMP - 1U], 0.25f);
  mxt_assert_same(dst_r[from + RAMP - 1U], 0.5f);
  ck_assert_float_ne(dst_l[from + RAMP - 2U], 0.25f);
  ck_assert_double_le(max_step(dst_l, from - 1U, 4U * RAMP), 0.75 / (double)RAMP + eps);
  ck_assert_double_le(max_step(dst_r, from - 1U, 4U * RAMP), 0.25 / (double)RAMP + eps);
  // A change of gain alone does not pass through silence
  ck_assert_double_ge(lowest(dst_l, from, from + RAMP), 0.25);
  ck_assert_uint_eq(mxt_first_not(dst_l + from + RAMP, 0.25f, RAMP), RAMP);
  ck_assert(mx_mix_edge_is_connected(&edge));
}
END_TEST

/*
  Setting an edge again to what it already aims at changes nothing: the
  engine sends a node's edges again with each change to the node, and a
  glide restarted every block would never end.  Set again before every
  block, the glide still ends exactly N samples after the first set, and
  an edge switched off still disconnects then.
*/
START_TEST(setting_the_same_plan_again_keeps_the_glide)
{
  fill_dc_sources();
  memset(dst_l, 0, sizeof(dst_l));
  memset(dst_r, 0, sizeof(dst_r));
  MxMixEdge edge;
  mx_mix_edge_init(&edge, RATE);
  const MxPlanEdge up = plan_edge(MX_EDGE_PAIR, MX_EDGE_OUTPUT, 1.0f, 0.5f);
  mx_mix_edge_set(&edge, &up);
  run_edge(&edge, 0U, 2U * RAMP, BLOCK, &up);
  mxt_assert_same(dst_l[RAMP - 1U], 1.0f);
  mxt_assert_same(dst_r[RAMP - 1U], 0.25f);
  ck_assert_double_le(max_step(dst_l, 0U, 2U * RAMP), 1.0 / (double)RAMP + 1e-6);

  const MxPlanEdge off = plan_edge(MX_EDGE_OFF, MX_EDGE_OUTPUT, 0.0f, 0.0f);
  mx_mix_edge_set(&edge, &off);
  run_edge(&edge, 2U * RAMP, 4U * RAMP, BLOCK, &off);
  mxt_assert_same(dst_l[3U * RAMP - 1U], 0.0f);
  ck_assert_float_ne(dst_l[3U * RAMP - 2U], 0.0f);
  ck_assert(!mx_mix_edge_is_connected(&edge));
}
END_TEST

/*
  Switched off, a connected edge glides to 0 over N samples, stays
  connected until the block in which the glide ends is over, and then
  disconnects and adds nothing more.
*/
START_TEST(off_glides_to_zero_then_disconnects)
{
  fill_dc_sources();
  memset(dst_l, 0, sizeof(dst_l));
  memset(dst_r, 0, sizeof(dst_r));
  MxMixEdge        edge;
  const MxPlanEdge on = plan_edge(MX_EDGE_SPREAD, MX_EDGE_POST_FADER, 0.8f, 0.4f);
  mx_mix_edge_init(&edge, RATE);
  mx_mix_edge_set(&edge, &on);
  settle(&edge);

  const MxPlanEdge off = plan_edge(MX_EDGE_OFF, MX_EDGE_POST_FADER, 0.8f, 0.4f);
  mx_mix_edge_set(&edge, &off);
  ck_assert(mx_mix_edge_is_connected(&edge));
  const size_t n_blocks = RAMP / BLOCK; // the glide ends in block n_blocks
  run_edge(&edge, 0U, n_blocks * BLOCK, BLOCK, NULL);
  ck_assert(mx_mix_edge_is_connected(&edge));
  run_edge(&edge, n_blocks * BLOCK, (n_blocks + 1U) * BLOCK, BLOCK, NULL);
  ck_assert(!mx_mix_edge_is_connected(&edge));

  // Source -1 (post-fader): gains 0.8 and 0.4 down to 0 on sample N - 1
  ck_assert_double_eq_tol(dst_l[0], -0.8 * (double)(RAMP - 1U) / (double)RAMP, 1e-6);
  ck_assert_float_ne(dst_l[RAMP - 2U], 0.0f);
  ck_assert_uint_eq(mxt_first_not(dst_l + RAMP - 1U, 0.0f, LEN - (RAMP - 1U)), LEN - (RAMP - 1U));
  ck_assert_uint_eq(mxt_first_not(dst_r + RAMP - 1U, 0.0f, LEN - (RAMP - 1U)), LEN - (RAMP - 1U));
  ck_assert_double_le(max_step(dst_l, 0U, 2U * RAMP), 0.8 / (double)RAMP + 1e-6);

  // Disconnected: nothing more, whatever the source holds
  mxt_noise(sources[MX_EDGE_POST_FADER][0], LEN, 1.0, 13U);
  run_edge(&edge, (n_blocks + 1U) * BLOCK, LEN, BLOCK, NULL);
  ck_assert_uint_eq(mxt_first_not(dst_l + RAMP - 1U, 0.0f, LEN - (RAMP - 1U)), LEN - (RAMP - 1U));
}
END_TEST

// ---------------------------------------------------------------------------
// Source and mode changes

/*
  A change of source or mode goes through silence: the gains glide to 0
  on the old source and mode (N samples), the new ones take over at the
  next block, and the gains glide up from 0 (N samples).  On DC sources
  whose levels differ in sign or size, the destination shows the old
  source until the switch and the new one only after it, never a step
  larger than a glide's, and the gains at the switch are exactly 0.
*/
static const struct {
  MxEdgeMode   from_mode;
  MxEdgeSource from_source;
  MxEdgeMode   to_mode;
  MxEdgeSource to_source;
} switches[] = {
  { MX_EDGE_PAIR, MX_EDGE_OUTPUT, MX_EDGE_PAIR, MX_EDGE_POST_FADER },
  { MX_EDGE_SPREAD, MX_EDGE_POST_FADER, MX_EDGE_SPREAD, MX_EDGE_PRE_FADER },
  { MX_EDGE_MONO, MX_EDGE_PRE_FADER, MX_EDGE_MONO, MX_EDGE_PRE_EQ },
  { MX_EDGE_PAIR, MX_EDGE_OUTPUT, MX_EDGE_FOLD, MX_EDGE_OUTPUT },
  { MX_EDGE_SPREAD, MX_EDGE_PRE_EQ, MX_EDGE_PAIR, MX_EDGE_OUTPUT },
};

START_TEST(source_and_mode_change_through_silence)
{
  const bool again = _i >= MXT_N_CASES(switches);
  const int  c     = _i % MXT_N_CASES(switches);
  fill_dc_sources();
  memset(dst_l, 0, sizeof(dst_l));
  memset(dst_r, 0, sizeof(dst_r));

  MxMixEdge        edge;
  const MxPlanEdge from = plan_edge(switches[c].from_mode, switches[c].from_source, 1.0f, 0.75f);
  const MxPlanEdge to   = plan_edge(switches[c].to_mode, switches[c].to_source, 0.5f, 1.0f);
  mx_mix_edge_init(&edge, RATE);
  mx_mix_edge_set(&edge, &from);
  settle(&edge);

  // The change at sample 37 of a block; the engine may send it again
  const size_t at = 37U;
  run_edge(&edge, 0U, at, at, NULL);
  mx_mix_edge_set(&edge, &to);
  ck_assert(mx_mix_edge_is_connected(&edge));
  run_edge(&edge, at, LEN, BLOCK, again ? &to : NULL);

  // The old source and mode until the block after the glide down ends
  const size_t down_end = at + RAMP - 1U; // its last sample
  const size_t switched = at + ((RAMP - 1U) / BLOCK + 1U) * BLOCK;
  for (size_t i = 0U; i < LEN; ++i) {
    const bool    old = i < switched;
    const uint8_t src = old ? (uint8_t)switches[c].from_source : (uint8_t)switches[c].to_source;
    const uint8_t md  = old ? (uint8_t)switches[c].from_mode : (uint8_t)switches[c].to_mode;
    if (used_source[i] != src || used_mode[i] != md) {
      ck_abort_msg("sample %zu: source %u mode %u", i, used_source[i], used_mode[i]);
    }
  }

  // Silent from the end of the glide down to the switch, then up again
  ck_assert_float_ne(dst_l[down_end - 1U], 0.0f);
  ck_assert_uint_eq(mxt_first_not(dst_l + down_end, 0.0f, switched - down_end),
                    switched - down_end);
  ck_assert_uint_eq(mxt_first_not(dst_r + down_end, 0.0f, switched - down_end),
                    switched - down_end);
  ck_assert_float_ne(dst_l[switched], 0.0f);

  // Settled on the new source: its DC levels times the new gains
  const size_t up = switched + RAMP;
  const float  el = dc_value(switches[c].to_mode, switches[c].to_source, 0.5f, 1.0f, 0U);
  const float  er = dc_value(switches[c].to_mode, switches[c].to_source, 0.5f, 1.0f, 1U);
  ck_assert_uint_eq(mxt_first_not(dst_l + up - 1U, el, LEN - up + 1U), LEN - up + 1U);
  ck_assert_uint_eq(mxt_first_not(dst_r + up - 1U, er, LEN - up + 1U), LEN - up + 1U);
  ck_assert_float_ne(dst_l[up - 2U], el);

  // No step larger than a glide's: both gains move linearly over the same
  // N samples, so each destination moves by (its settled value) / N, down
  // and then up, within the rounding of the glide's values (2 ulp); a
  // switch without silence would step by the difference
  float* const dst[2] = { dst_l, dst_r };
  double       jump   = 0.0;
  for (unsigned ch = 0U; ch < 2U; ++ch) {
    const float  v_from = dc_value(switches[c].from_mode, switches[c].from_source, 1.0f, 0.75f, ch);
    const float  v_to   = dc_value(switches[c].to_mode, switches[c].to_source, 0.5f, 1.0f, ch);
    const double top    = fmax(fabs((double)v_from), fabs((double)v_to));
    ck_assert_double_le(max_step(dst[ch], 0U, LEN), top / (double)RAMP + 2.0 * FLT_EPSILON * top);
    jump = fmax(jump, fabs((double)v_from - (double)v_to));
  }
  ck_assert_double_gt(jump, 0.2);
}
END_TEST

// A change asked for and taken back before the glide down ends never
// switches: the gains glide back up on the old source
START_TEST(change_taken_back_does_not_switch)
{
  fill_dc_sources();
  memset(dst_l, 0, sizeof(dst_l));
  memset(dst_r, 0, sizeof(dst_r));
  MxMixEdge        edge;
  const MxPlanEdge from = plan_edge(MX_EDGE_PAIR, MX_EDGE_OUTPUT, 1.0f, 1.0f);
  const MxPlanEdge to   = plan_edge(MX_EDGE_PAIR, MX_EDGE_PRE_FADER, 1.0f, 1.0f);
  mx_mix_edge_init(&edge, RATE);
  mx_mix_edge_set(&edge, &from);
  settle(&edge);

  mx_mix_edge_set(&edge, &to);
  run_edge(&edge, 0U, 3U * BLOCK, BLOCK, NULL);
  mx_mix_edge_set(&edge, &from);
  run_edge(&edge, 3U * BLOCK, LEN, BLOCK, NULL);

  for (size_t i = 0U; i < LEN; ++i) {
    if (used_source[i] != MX_EDGE_OUTPUT) {
      ck_abort_msg("sample %zu: source %u", i, used_source[i]);
    }
  }
  // Down to 1 - 300 / N, then back up: never silent, never a large step
  ck_assert_double_ge(mxt_peak(dst_l, LEN), 1.0);
  double lowest = 1.0;
  for (size_t i = 0U; i < LEN; ++i) {
    lowest = fmin(lowest, (double)dst_l[i]);
  }
  ck_assert_double_eq_tol(lowest, 1.0 - 3.0 * BLOCK / (double)RAMP, 1e-5);
  ck_assert_double_le(max_step(dst_l, 0U, LEN), 1.0 / (double)RAMP + 1e-6);
  mxt_assert_same(dst_l[LEN - 1U], 1.0f);
}
END_TEST

// Connecting a disconnected edge takes its source and mode at once and
// glides up from 0 (there is nothing to fade out)
START_TEST(connect_takes_the_source_at_once)
{
  fill_dc_sources();
  memset(dst_l, 0, sizeof(dst_l));
  memset(dst_r, 0, sizeof(dst_r));
  MxMixEdge edge;
  mx_mix_edge_init(&edge, RATE);
  const MxPlanEdge on = plan_edge(MX_EDGE_MONO, MX_EDGE_PRE_EQ, 1.0f, 0.0f);
  mx_mix_edge_set(&edge, &on);
  ck_assert(mx_mix_edge_is_connected(&edge));
  ck_assert_uint_eq(edge.source, MX_EDGE_PRE_EQ);
  ck_assert_uint_eq(edge.mode, MX_EDGE_MONO);
  run_edge(&edge, 0U, 2U * RAMP, BLOCK, NULL);
  ck_assert_double_eq_tol(dst_l[0], -0.25 / (double)RAMP, 1e-7);
  mxt_assert_same(dst_l[RAMP - 1U], -0.25f);
  ck_assert_uint_eq(mxt_first_not(dst_r, 0.0f, LEN), LEN);
}
END_TEST

/*
  A cut disconnects at once, gains at 0, mid-glide or settled: the next
  block adds nothing.  Set again, the edge glides up from 0.
*/
START_TEST(cut_disconnects_at_once)
{
  fill_dc_sources();
  memset(dst_l, 0, sizeof(dst_l));
  memset(dst_r, 0, sizeof(dst_r));
  MxMixEdge        edge;
  const MxPlanEdge on = plan_edge(MX_EDGE_PAIR, MX_EDGE_OUTPUT, 1.0f, 1.0f);
  mx_mix_edge_init(&edge, RATE);
  mx_mix_edge_set(&edge, &on);
  run_edge(&edge, 0U, 2U * BLOCK, BLOCK, NULL);

  mx_mix_edge_cut(&edge);
  ck_assert(!mx_mix_edge_is_connected(&edge));
  mxt_assert_same(edge.gain[0].current, 0.0f);
  mxt_assert_same(edge.gain[1].current, 0.0f);
  run_edge(&edge, 2U * BLOCK, 4U * BLOCK, BLOCK, NULL);
  ck_assert_uint_eq(mxt_first_not(dst_l + 2U * BLOCK, 0.0f, 2U * BLOCK), 2U * BLOCK);
  ck_assert_uint_eq(mxt_first_not(dst_r + 2U * BLOCK, 0.0f, 2U * BLOCK), 2U * BLOCK);
  ck_assert(!mx_mix_edge_is_connected(&edge));

  // Also while a switch is pending: nothing is left of it
  mx_mix_edge_set(&edge, &on);
  settle(&edge);
  const MxPlanEdge other = plan_edge(MX_EDGE_FOLD, MX_EDGE_PRE_FADER, 1.0f, 1.0f);
  mx_mix_edge_set(&edge, &other);
  mx_mix_edge_cut(&edge);
  ck_assert(!mx_mix_edge_is_connected(&edge));
  run_edge(&edge, 4U * BLOCK, 6U * BLOCK, BLOCK, NULL);
  ck_assert_uint_eq(mxt_first_not(dst_l + 4U * BLOCK, 0.0f, 2U * BLOCK), 2U * BLOCK);
  ck_assert(!mx_mix_edge_is_connected(&edge));

  // Set again: from 0, up over N samples
  mx_mix_edge_set(&edge, &on);
  run_edge(&edge, 6U * BLOCK, LEN, BLOCK, NULL);
  ck_assert_double_eq_tol(dst_l[6U * BLOCK], 1.0 / (double)RAMP, 1e-7);
  mxt_assert_same(dst_l[6U * BLOCK + RAMP - 1U], 1.0f);
  ck_assert_double_le(max_step(dst_l, 6U * BLOCK - 1U, LEN), 1.0 / (double)RAMP + 1e-6);
}
END_TEST

// ---------------------------------------------------------------------------
// Fan-out plans

enum { PLAN_DESTS = 11, PLAN_BLOCK = 61 };

static float plan_src[3][2][PLAN_BLOCK];
static float plan_out[PLAN_DESTS][2][PLAN_BLOCK];
static float plan_ref[PLAN_DESTS][2][PLAN_BLOCK];

// A steady edge: connected, its glide ended at once
static void
steady_edge(MxMixEdge* const edge, const MxEdgeMode mode, const float g0, const float g1)
{
  mx_mix_edge_init(edge, RATE);
  const MxPlanEdge p = plan_edge(mode, MX_EDGE_OUTPUT, g0, g1);
  mx_mix_edge_set(edge, &p);
  mx_smooth_jump(&edge->gain[0], g0);
  mx_smooth_jump(&edge->gain[1], g1);
}

// Eleven edges of three modes from three source pairs (a node's taps),
// some with a gain of 0, into distinct destinations: the plan adds what
// mx_mix_edge_process() adds, to the bit, over a block that leaves
// remainders after the four- and two-wide passes
START_TEST(plan_sums_as_the_edges_do)
{
  static const MxEdgeMode modes[3] = { MX_EDGE_MONO, MX_EDGE_SPREAD, MX_EDGE_PAIR };
  for (unsigned s = 0U; s < 3U; ++s) {
    for (unsigned c = 0U; c < 2U; ++c) {
      mxt_noise(plan_src[s][c], PLAN_BLOCK, 0.5, 40U + 2U * s + c);
    }
  }
  for (unsigned d = 0U; d < PLAN_DESTS; ++d) {
    for (unsigned c = 0U; c < 2U; ++c) {
      mxt_noise(plan_out[d][c], PLAN_BLOCK, 0.1, 60U + 2U * d + c);
      memcpy(plan_ref[d][c], plan_out[d][c], sizeof(plan_ref[d][c]));
    }
  }

  MxMixPlan plan;
  ck_assert_int_eq(mx_mix_plan_init(&plan, PLAN_DESTS), MX_SUCCESS);
  mx_mix_plan_clear(&plan);
  for (unsigned d = 0U; d < PLAN_DESTS; ++d) {
    MxMixEdge edge;
    steady_edge(&edge, modes[d % 3U], d == 4U ? 0.0f : 0.1f * (float)(d + 1U), 0.7f - 0.05f * d);
    const float* src[2] = { plan_src[d % 3U == 2U ? 2U : d % 2U][0],
                            plan_src[d % 3U == 2U ? 2U : d % 2U][1] };
    float*       out[2] = { plan_out[d][0], plan_out[d][1] };
    float*       ref[2] = { plan_ref[d][0], plan_ref[d][1] };
    ck_assert(mx_mix_plan_add(&plan, &edge, src, out));
    mx_mix_edge_process(&edge, src, ref, PLAN_BLOCK);
  }
  ck_assert_uint_le(plan.sources, 4U); // Grouped by source channel
  mx_mix_plan_run(&plan, PLAN_BLOCK);
  for (unsigned d = 0U; d < PLAN_DESTS; ++d) {
    mxt_assert_same_samples(plan_out[d][0], plan_ref[d][0], PLAN_BLOCK);
    mxt_assert_same_samples(plan_out[d][1], plan_ref[d][1], PLAN_BLOCK);
  }
  mx_mix_plan_destroy(&plan);
}
END_TEST

// What a plan cannot hold is refused and leaves it as it was: a glide, a
// switch waiting, a disconnected edge, a fold, a plan with no room
START_TEST(plan_refuses_what_it_cannot_hold)
{
  MxMixPlan plan;
  ck_assert_int_eq(mx_mix_plan_init(&plan, 1U), MX_SUCCESS);
  mx_mix_plan_clear(&plan);
  const float* src[2] = { plan_src[0][0], plan_src[0][1] };
  float*       out[2] = { plan_out[0][0], plan_out[0][1] };

  MxMixEdge edge;
  steady_edge(&edge, MX_EDGE_FOLD, 0.5f, 0.5f);
  ck_assert(!mx_mix_plan_add(&plan, &edge, src, out));
  steady_edge(&edge, MX_EDGE_PAIR, 0.5f, 0.5f);
  edge.gain[1].remaining = 1U; // Still gliding
  ck_assert(!mx_mix_plan_add(&plan, &edge, src, out));
  steady_edge(&edge, MX_EDGE_PAIR, 0.5f, 0.5f);
  edge.next_source = MX_EDGE_PRE_FADER; // A switch waits for silence
  ck_assert(!mx_mix_plan_add(&plan, &edge, src, out));
  mx_mix_edge_init(&edge, RATE);
  ck_assert(!mx_mix_plan_add(&plan, &edge, src, out));
  ck_assert_uint_eq(plan.sources, 0U);

  // Room for two feeds: a pair fits, a third feed does not
  steady_edge(&edge, MX_EDGE_PAIR, 0.5f, 0.5f);
  ck_assert(mx_mix_plan_add(&plan, &edge, src, out));
  float* other[2] = { plan_out[1][0], plan_out[1][1] };
  steady_edge(&edge, MX_EDGE_MONO, 0.5f, 0.0f);
  ck_assert(!mx_mix_plan_add(&plan, &edge, src, other));
  ck_assert_uint_eq(plan.sources, 2U);
  ck_assert_uint_eq(plan.end[1], 2U);
  mx_mix_plan_destroy(&plan);
}
END_TEST

// A pair refused when only its first feed would fit (room for four feeds,
// three taken) leaves the plan as it was: it still adds exactly what the
// edges it took add
START_TEST(plan_refused_pair_changes_nothing)
{
  MxMixPlan plan;
  ck_assert_int_eq(mx_mix_plan_init(&plan, 2U), MX_SUCCESS);
  mx_mix_plan_clear(&plan);
  for (unsigned s = 0U; s < 2U; ++s) {
    for (unsigned c = 0U; c < 2U; ++c) {
      mxt_noise(plan_src[s][c], PLAN_BLOCK, 0.5, 80U + 2U * s + c);
    }
  }
  for (unsigned d = 0U; d < 3U; ++d) {
    for (unsigned c = 0U; c < 2U; ++c) {
      mxt_fill(plan_out[d][c], PLAN_BLOCK, 0.0f);
      mxt_fill(plan_ref[d][c], PLAN_BLOCK, 0.0f);
    }
  }

  // A mono edge from source 0 and a pair from source 1: three feeds
  const float* mono_src[2] = { plan_src[0][0], plan_src[0][1] };
  const float* pair_src[2] = { plan_src[1][0], plan_src[1][1] };
  MxMixEdge    mono;
  MxMixEdge    pair;
  steady_edge(&mono, MX_EDGE_MONO, 0.25f, 0.0f);
  steady_edge(&pair, MX_EDGE_PAIR, 0.5f, 0.75f);
  float* out0[2] = { plan_out[0][0], plan_out[0][1] };
  float* out1[2] = { plan_out[1][0], plan_out[1][1] };
  float* ref0[2] = { plan_ref[0][0], plan_ref[0][1] };
  float* ref1[2] = { plan_ref[1][0], plan_ref[1][1] };
  ck_assert(mx_mix_plan_add(&plan, &mono, mono_src, out0));
  ck_assert(mx_mix_plan_add(&plan, &pair, pair_src, out1));
  mx_mix_edge_process(&mono, mono_src, ref0, PLAN_BLOCK);
  mx_mix_edge_process(&pair, pair_src, ref1, PLAN_BLOCK);

  // Another pair from source 0: its first feed would fit, its second not
  float* out2[2] = { plan_out[2][0], plan_out[2][1] };
  ck_assert(!mx_mix_plan_add(&plan, &pair, mono_src, out2));
  mx_mix_plan_run(&plan, PLAN_BLOCK);
  for (unsigned d = 0U; d < 3U; ++d) {
    mxt_assert_same_samples(plan_out[d][0], plan_ref[d][0], PLAN_BLOCK);
    mxt_assert_same_samples(plan_out[d][1], plan_ref[d][1], PLAN_BLOCK);
  }
  mx_mix_plan_destroy(&plan);
}
END_TEST

static Suite*
mix_suite(void)
{
  Suite* const s = suite_create("mix");

  TCase* const add = tcase_create("add");
  tcase_add_loop_test(add, add_scales_and_sums_exactly, 0, 5);
  suite_add_tcase(s, add);

  TCase* const settled = tcase_create("settled_sums");
  tcase_add_loop_test(settled, settled_modes_sum_exactly, 0, MXT_N_CASES(sums));
  tcase_add_test(settled, off_edges_add_nothing);
  suite_add_tcase(s, settled);

  TCase* const glides = tcase_create("glides");
  tcase_add_test(glides, gains_glide_with_a_bounded_step);
  tcase_add_test(glides, setting_the_same_plan_again_keeps_the_glide);
  tcase_add_test(glides, off_glides_to_zero_then_disconnects);
  suite_add_tcase(s, glides);

  TCase* const changes = tcase_create("source_and_mode_changes");
  tcase_add_loop_test(
    changes, source_and_mode_change_through_silence, 0, 2 * MXT_N_CASES(switches));
  tcase_add_test(changes, change_taken_back_does_not_switch);
  tcase_add_test(changes, connect_takes_the_source_at_once);
  tcase_add_test(changes, cut_disconnects_at_once);
  suite_add_tcase(s, changes);

  TCase* const plans = tcase_create("plans");
  tcase_add_test(plans, plan_sums_as_the_edges_do);
  tcase_add_test(plans, plan_refuses_what_it_cannot_hold);
  tcase_add_test(plans, plan_refused_pair_changes_nothing);
  suite_add_tcase(s, plans);
  return s;
}

int
main(void)
{
  return mxt_run_suite(mix_suite());
}
