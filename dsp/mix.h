// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_MIX_H
#define MX_DSP_MIX_H

#include "common.h"
#include "plan.h"
#include "smooth.h"

#include <stdbool.h>
#include <stdint.h>

/// One mixing edge on the audio side: a send or route whose gains glide and whose tap changes
/// without a click.

/**
   The audio side of an MxPlanEdge: the two coefficients, each gliding to
   its target over MX_SMOOTH_DEFAULT_MS, and the source and mode in force.

   A change of source (a send moved from pre- to post-fader) would step
   the signal, so it is made through silence: the gains glide to 0, the
   new source and mode take over, and the gains glide up to their targets.
   Switching an edge off glides to 0 and then disconnects it.  Embedded
   value.
*/
typedef struct {
  MxSmooth gain[2];     ///< Coefficients g0, g1 in force
  float    target[2];   ///< Coefficients asked for
  uint8_t  source;      ///< MxEdgeSource in force
  uint8_t  mode;        ///< MxEdgeMode in force (MX_EDGE_OFF: disconnected)
  uint8_t  next_source; ///< MxEdgeSource asked for
  uint8_t  next_mode;   ///< MxEdgeMode asked for
} MxMixEdge;

/// Initialise disconnected.  Main thread.
void
mx_mix_edge_init(MxMixEdge* edge, double rate);

/**
   Aim the edge at a plan edge: its mode, source and gains.

   Audio thread.
*/
void
mx_mix_edge_set(MxMixEdge* edge, const MxPlanEdge* plan) MX_RT;

/// Disconnect at once, gains at 0 (for a destination that is gone).  Audio thread.
void
mx_mix_edge_cut(MxMixEdge* edge) MX_RT;

/// True while the edge is connected (or still gliding out).  Audio thread.
static inline bool
mx_mix_edge_is_connected(const MxMixEdge* const edge)
{
  return edge->mode != MX_EDGE_OFF;
}

/**
   Add the source into the destination with the gains in force, advancing
   the glides by `n` samples.

   Audio thread.
   @param src The source's channels for the edge's source (one or two).
   @param dst The destination's channels (one or two), summed into.
*/
void
mx_mix_edge_process(MxMixEdge* edge, const float* const* src, float* const* dst, uint32_t n) MX_RT;

/// Distinct source channels one fan-out plan reads: a node's taps and output pair.
#define MX_MIX_PLAN_SOURCES 8U

/**
   The sends of one node, fused.  Built once from edges that are steady
   (mx_mix_edge_is_steady()), it holds their constant-gain adds
   (dst[i] += g src[i], the same bits as mx_mix_edge_process() and
   mx_mix_add()) grouped by source, and runs every four destinations of one
   source as one pass over it: a node with eight stereo sends reads its
   output four times instead of sixteen and makes five calls instead of
   sixteen, with nothing decided per edge and period.  It stays right
   while the edges it was built from neither change nor glide, and while
   their destinations' buffers stay where they are; the owner rebuilds it
   after any of those.  Embedded value; the arrays are allocated.
*/
typedef struct {
  float**      dst;                      ///< [capacity] destination channels, grouped by source
  float*       gain;                     ///< [capacity] coefficients in force, none 0
  const float* src[MX_MIX_PLAN_SOURCES]; ///< Source channel of each group
  uint32_t     end[MX_MIX_PLAN_SOURCES]; ///< Group g is [end[g - 1], end[g]) (from 0 for g = 0)
  uint32_t     sources;                  ///< Groups
  uint32_t     capacity;                 ///< Entries of `dst` and `gain`
} MxMixPlan;

/// True if the edge has nothing to glide or switch: its next blocks are all alike.
static inline bool
mx_mix_edge_is_steady(const MxMixEdge* const edge)
{
  return mx_smooth_is_settled(&edge->gain[0]) && mx_smooth_is_settled(&edge->gain[1]) &&
         edge->mode == edge->next_mode && edge->source == edge->next_source;
}

/// Allocate an empty plan for up to `edges` edges.  Main thread.
MxStatus
mx_mix_plan_init(MxMixPlan* plan, uint32_t edges);

/// Free what mx_mix_plan_init() allocated (a zeroed plan is a no-op).  Main thread.
void
mx_mix_plan_destroy(MxMixPlan* plan);

/// Empty the plan.  Audio thread.
void
mx_mix_plan_clear(MxMixPlan* plan) MX_RT;

/**
   Add an edge's adds to the plan and return true; return false, leaving
   the plan as it was, for an edge that is not steady, is disconnected, or
   folds two channels into one (it needs mx_mix_edge_process()), or if the
   plan has no room.  No two edges added may write the same destination
   channel, nor any write a source (a node has one edge per destination).
   Audio thread.
*/
bool
mx_mix_plan_add(MxMixPlan*          plan,
                const MxMixEdge*    edge,
                const float* const* src,
                float* const*       dst) MX_RT;

/// Run the plan's adds for a block of `n` samples.  Audio thread.
void
mx_mix_plan_run(const MxMixPlan* plan, uint32_t n) MX_RT;

/**
   Add `src` times a constant gain into `dst`: dst[i] += g src[i].

   Audio thread.  Exposed for the engine's own sums.
*/
void
mx_mix_add(float* dst, const float* src, float g, uint32_t n) MX_RT;

#endif // MX_DSP_MIX_H
