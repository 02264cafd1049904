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

/**
   Add `src` times a constant gain into `dst`: dst[i] += g src[i].

   Audio thread.  Exposed for the engine's own sums.
*/
void
mx_mix_add(float* dst, const float* src, float g, uint32_t n) MX_RT;

#endif // MX_DSP_MIX_H
