// SPDX-License-Identifier: GPL-3.0-or-later

#include "mix.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void
mx_mix_edge_init(MxMixEdge* const edge, const double rate)
{
  for (unsigned c = 0U; c < 2U; ++c) {
    mx_smooth_init(&edge->gain[c], 0.0f, MX_SMOOTH_DEFAULT_MS, rate);
    edge->target[c] = 0.0f;
  }
  edge->source = edge->next_source = MX_EDGE_OUTPUT;
  edge->mode = edge->next_mode = MX_EDGE_OFF;
}

// Glide toward what is asked for, through silence if the source or mode changes
static void
retarget(MxMixEdge* const edge)
{
  const bool same   = edge->next_source == edge->source && edge->next_mode == edge->mode;
  const bool silent = edge->gain[0].current == 0.0f && edge->gain[1].current == 0.0f &&
                      mx_smooth_is_settled(&edge->gain[0]) && mx_smooth_is_settled(&edge->gain[1]);

  if (!same && (silent || edge->mode == MX_EDGE_OFF)) {
    edge->source = edge->next_source;
    edge->mode   = edge->next_mode;
  }

  // A glide already heading for its value carries on (mx_smooth_set_target()
  // ignores its own target): started again each block while a switch
  // waits, it would stretch into a decay that never arrives
  const bool arrived = edge->next_source == edge->source && edge->next_mode == edge->mode;
  for (unsigned c = 0U; c < 2U; ++c) {
    mx_smooth_set_target(&edge->gain[c], arrived ? edge->target[c] : 0.0f);
  }
}

void
mx_mix_edge_set(MxMixEdge* const edge, const MxPlanEdge* const plan)
{
  const bool off    = plan->mode == MX_EDGE_OFF;
  edge->target[0]   = off ? 0.0f : plan->gain[0];
  edge->target[1]   = off ? 0.0f : plan->gain[1];
  edge->next_mode   = plan->mode;
  edge->next_source = off ? edge->source : plan->source;
  retarget(edge);
}

void
mx_mix_edge_cut(MxMixEdge* const edge)
{
  for (unsigned c = 0U; c < 2U; ++c) {
    mx_smooth_jump(&edge->gain[c], 0.0f);
    edge->target[c] = 0.0f;
  }
  edge->mode = edge->next_mode = MX_EDGE_OFF;
}

// dst[i] += g src[i]; static, as clang (14) emits the dispatcher of
// target_clones only for a function that does not leave its file
static MX_SIMD_CLONES void
add(float* const restrict dst, const float* const restrict src, const float g, const uint32_t n)
{
  for (uint32_t i = 0U; i < n; ++i) {
    dst[i] += g * src[i];
  }
}

void
mx_mix_add(float* const restrict dst,
           const float* const restrict src,
           const float    g,
           const uint32_t n)
{
  add(dst, src, g, n);
}

// dst[i] += g0 a[i] + g1 b[i], constant gains
static MX_SIMD_CLONES void
add2(float* const restrict dst,
     const float* const restrict a,
     const float* const restrict b,
     const float    g0,
     const float    g1,
     const uint32_t n)
{
  for (uint32_t i = 0U; i < n; ++i) {
    dst[i] += g0 * a[i] + g1 * b[i];
  }
}

// Four and two destinations fed from one source: add()'s expression for each
static MX_SIMD_CLONES void
fan4(float* const restrict d0,
     float* const restrict d1,
     float* const restrict d2,
     float* const restrict d3,
     const float* const restrict src,
     const float* const restrict g,
     const uint32_t n)
{
  const float g0 = g[0];
  const float g1 = g[1];
  const float g2 = g[2];
  const float g3 = g[3];
  for (uint32_t i = 0U; i < n; ++i) {
    const float s = src[i];
    d0[i] += g0 * s;
    d1[i] += g1 * s;
    d2[i] += g2 * s;
    d3[i] += g3 * s;
  }
}

static MX_SIMD_CLONES void
fan2(float* const restrict d0,
     float* const restrict d1,
     const float* const restrict src,
     const float* const restrict g,
     const uint32_t n)
{
  const float g0 = g[0];
  const float g1 = g[1];
  for (uint32_t i = 0U; i < n; ++i) {
    const float s = src[i];
    d0[i] += g0 * s;
    d1[i] += g1 * s;
  }
}

MxStatus
mx_mix_plan_init(MxMixPlan* const plan, const uint32_t edges)
{
  memset(plan, 0, sizeof(*plan));
  plan->capacity = 2U * edges;
  plan->dst      = (float**)calloc(plan->capacity, sizeof(float*));
  plan->gain     = (float*)calloc(plan->capacity, sizeof(float));
  if (!plan->dst || !plan->gain) {
    mx_mix_plan_destroy(plan);
    return MX_ERR_NO_MEMORY;
  }
  return MX_SUCCESS;
}

void
mx_mix_plan_destroy(MxMixPlan* const plan)
{
  free(plan->gain);
  free(plan->dst);
  memset(plan, 0, sizeof(*plan));
}

void
mx_mix_plan_clear(MxMixPlan* const plan)
{
  plan->sources = 0U;
}

// The group of `src`, or the number of groups if it has none yet
static unsigned
group_of(const MxMixPlan* const plan, const float* const src)
{
  unsigned s = 0U;
  while (s < plan->sources && plan->src[s] != src) {
    ++s;
  }
  return s;
}

// Insert dst[i] += g src[i] at the end of its source's group, moving the
// groups after it up one (rebuilds only; a mono node has one group).  The
// caller has made sure there is room.
static void
plan_feed(MxMixPlan* const plan, const float* const src, float* const dst, const float g)
{
  const uint32_t used = plan->sources ? plan->end[plan->sources - 1U] : 0U;
  const unsigned s    = group_of(plan, src);
  if (s == plan->sources) {
    plan->src[s] = src;
    plan->end[s] = used;
    ++plan->sources;
  }
  const uint32_t at = plan->end[s];
  memmove(&plan->dst[at + 1U], &plan->dst[at], (used - at) * sizeof(float*));
  memmove(&plan->gain[at + 1U], &plan->gain[at], (used - at) * sizeof(float));
  plan->dst[at]  = dst;
  plan->gain[at] = g;
  for (unsigned k = s; k < plan->sources; ++k) {
    ++plan->end[k];
  }
}

bool
mx_mix_plan_add(MxMixPlan* const          plan,
                const MxMixEdge* const    edge,
                const float* const* const src,
                float* const* const       dst)
{
  const MxEdgeMode mode = (MxEdgeMode)edge->mode;
  if (!mx_mix_edge_is_steady(edge) || mode == MX_EDGE_OFF || mode == MX_EDGE_FOLD) {
    return false;
  }

  // The feeds, none for a coefficient of 0 (as process_settled()), and the
  // room they take: checked first, so that a refusal changes nothing
  const float* from[2];
  float*       to[2];
  float        g[2];
  unsigned     feeds   = 0U;
  unsigned     sources = plan->sources;
  for (unsigned c = 0U; c < (mode == MX_EDGE_MONO ? 1U : 2U); ++c) {
    if (edge->gain[c].current != 0.0f) {
      from[feeds] = mode == MX_EDGE_PAIR ? src[c] : src[0];
      to[feeds]   = dst[c];
      g[feeds]    = edge->gain[c].current;
      const bool known =
        group_of(plan, from[feeds]) < plan->sources || (feeds == 1U && from[1] == from[0]);
      sources += known ? 0U : 1U;
      ++feeds;
    }
  }
  const uint32_t used = plan->sources ? plan->end[plan->sources - 1U] : 0U;
  if (used + feeds > plan->capacity || sources > MX_MIX_PLAN_SOURCES) {
    return false;
  }
  for (unsigned k = 0U; k < feeds; ++k) {
    plan_feed(plan, from[k], to[k], g[k]);
  }
  return true;
}

void
mx_mix_plan_run(const MxMixPlan* const plan, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);
  uint32_t i = 0U;
  for (unsigned s = 0U; s < plan->sources; ++s) {
    const float* const src = plan->src[s];
    const uint32_t     end = plan->end[s];
    float* const*      d   = plan->dst;
    const float*       g   = plan->gain;
    for (; i + 4U <= end; i += 4U) {
      fan4(d[i], d[i + 1U], d[i + 2U], d[i + 3U], src, &g[i], n);
    }
    if (i + 2U <= end) {
      fan2(d[i], d[i + 1U], src, &g[i], n);
      i += 2U;
    }
    if (i < end) {
      add(d[i], src, g[i], n);
      ++i;
    }
  }
}

static void
process_settled(const MxMixEdge* const    edge,
                const float* const* const src,
                float* const* const       dst,
                const uint32_t            n)
{
  const float g0 = edge->gain[0].current;
  const float g1 = edge->gain[1].current;
  switch ((MxEdgeMode)edge->mode) {
    case MX_EDGE_OFF:
      break;
    case MX_EDGE_MONO:
      if (g0 != 0.0f) {
        add(dst[0], src[0], g0, n);
      }
      break;
    case MX_EDGE_SPREAD:
      if (g0 != 0.0f) {
        add(dst[0], src[0], g0, n);
      }
      if (g1 != 0.0f) {
        add(dst[1], src[0], g1, n);
      }
      break;
    case MX_EDGE_PAIR:
      if (g0 != 0.0f) {
        add(dst[0], src[0], g0, n);
      }
      if (g1 != 0.0f) {
        add(dst[1], src[1], g1, n);
      }
      break;
    case MX_EDGE_FOLD:
      if (g0 != 0.0f || g1 != 0.0f) {
        add2(dst[0], src[0], src[1], g0, g1, n);
      }
      break;
  }
}

static void
process_ramping(MxMixEdge* const          edge,
                const float* const* const src,
                float* const* const       dst,
                const uint32_t            n)
{
  MxSmooth* const a = &edge->gain[0];
  MxSmooth* const b = &edge->gain[1];
  switch ((MxEdgeMode)edge->mode) {
    case MX_EDGE_OFF:
      break;
    case MX_EDGE_MONO:
      for (uint32_t i = 0U; i < n; ++i) {
        dst[0][i] += mx_smooth_next(a) * src[0][i];
        mx_smooth_next(b);
      }
      break;
    case MX_EDGE_SPREAD:
      for (uint32_t i = 0U; i < n; ++i) {
        dst[0][i] += mx_smooth_next(a) * src[0][i];
        dst[1][i] += mx_smooth_next(b) * src[0][i];
      }
      break;
    case MX_EDGE_PAIR:
      for (uint32_t i = 0U; i < n; ++i) {
        dst[0][i] += mx_smooth_next(a) * src[0][i];
        dst[1][i] += mx_smooth_next(b) * src[1][i];
      }
      break;
    case MX_EDGE_FOLD:
      for (uint32_t i = 0U; i < n; ++i) {
        const float g0 = mx_smooth_next(a);
        dst[0][i] += g0 * src[0][i] + mx_smooth_next(b) * src[1][i];
      }
      break;
  }
}

void
mx_mix_edge_process(MxMixEdge* const          edge,
                    const float* const* const src,
                    float* const* const       dst,
                    const uint32_t            n)
{
  assert(n <= MX_DSP_MAX_BLOCK);
  if (mx_smooth_is_settled(&edge->gain[0]) && mx_smooth_is_settled(&edge->gain[1])) {
    process_settled(edge, src, dst, n);
  } else {
    process_ramping(edge, src, dst, n);
  }

  // A glide to silence that has ended lets the asked-for source take over
  // (or disconnects the edge) for the next block
  if (edge->mode != edge->next_mode || edge->source != edge->next_source) {
    retarget(edge);
  }
}
