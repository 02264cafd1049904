// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_PLAN_H
#define MX_DSP_PLAN_H

#include "common.h"
#include "model.h"

#include <stdbool.h>
#include <stdint.h>

/// The mix plan: what a model means for the signal (effective gains and mutes, edges, order,
/// latency).

/*
  The plan is derived from a model by mx_plan_derive() and holds only what
  the audio side needs that is not a plain control of one processor:

  - per node: the fader after its VCAs, the mute after VCAs, mute groups
    and solo, whether its limiter is in, what it feeds the monitor bus;
  - per edge (a send or a route from a strip or bus to a bus or the
    master): where it taps the source, how its channels mix, its gains
    (send level, pan and the source's mute folded in), and the delay that
    aligns it with the other paths into the same destination;
  - the order buses run in (every bus after the buses that feed it) and
    the latency at every output.

  Latency compensation: a node's output latency is its input latency plus
  its limiter's, if inserted; a destination's input latency is the largest
  output latency among its sources (strips have none), and every input
  that arrives earlier is delayed by the difference: strip inputs together
  (one delay on the destination's strip sum), each bus input on its edge.
  Parallel paths that meet again are thus aligned to the sample.  The
  alignment delay of a strip or bus is a setting, not a latency, and is
  never compensated.

  Solo in place: while anything is soloed, a strip or bus is muted unless
  it is soloed, solo-safe, feeds a soloed node (upstream) or is fed by a
  soloed or solo-safe one (downstream), through connected sends and
  routes.  The stored mute never
  changes.  In AFL and PFL modes solo mutes nothing and each soloed node
  feeds the monitor bus instead.

  Pure data and computation; main thread.  Allocates only in mx_plan_new().
*/

/// Which signal of its source an edge reads.
typedef enum {
  MX_EDGE_PRE_EQ,     ///< The MX_TAP_PRE_EQ tap
  MX_EDGE_PRE_FADER,  ///< The MX_TAP_PRE_FADER tap
  MX_EDGE_POST_FADER, ///< The MX_TAP_POST_FADER tap
  MX_EDGE_OUTPUT,     ///< The panned output pair
} MxEdgeSource;

/// How an edge mixes its source's channels into its destination's.
typedef enum {
  MX_EDGE_OFF,    ///< Not connected
  MX_EDGE_MONO,   ///< d[0] += g0 s[0]
  MX_EDGE_SPREAD, ///< d[0] += g0 s[0], d[1] += g1 s[0] (mono into stereo)
  MX_EDGE_PAIR,   ///< d[0] += g0 s[0], d[1] += g1 s[1]
  MX_EDGE_FOLD,   ///< d[0] += g0 s[0] + g1 s[1] (stereo into mono)
} MxEdgeMode;

/// What a node feeds the monitor bus.
typedef enum {
  MX_MONITOR_NONE, ///< Nothing
  MX_MONITOR_AFL,  ///< Its output pair (after fader listen)
  MX_MONITOR_PFL,  ///< Its pre-fader tap (pre fader listen)
} MxMonitorFeed;

/// One edge of the plan.
typedef struct {
  float    gain[2]; ///< Coefficients g0, g1 (see MxEdgeMode), linear
  uint32_t delay;   ///< Compensation delay on this edge, samples (bus sources only)
  uint8_t  source;  ///< MxEdgeSource
  uint8_t  mode;    ///< MxEdgeMode; MX_EDGE_OFF if not connected
  bool     send;    ///< A send (its source's mute is in its gains), not a route
} MxPlanEdge;

/// One node of the plan.
typedef struct {
  bool     present;     ///< The slot holds a node (used or leaving)
  bool     leaving;     ///< Removed, fading out
  bool     mute;        ///< Effective mute
  bool     limiter;     ///< Limiter in the path
  unsigned channels;    ///< 1 or 2
  float    fader_db;    ///< Effective fader: own + VCAs, at most MX_STRIP_FADER_MAX_DB
  uint8_t  monitor;     ///< MxMonitorFeed
  uint32_t input_delay; ///< Delay of the strip sum at this node's input, samples (buses, master)
  uint32_t latency;     ///< Latency at this node's output, samples
} MxPlanNode;

/// A plan for a model's limits (opaque; heap object).
typedef struct MxPlanImpl MxPlan;

/**
   Create a plan for models with these limits, empty (no nodes, master
   unmuted).  Free with mx_plan_free().  Main thread.
*/
MxPlan*
mx_plan_new(const MxLimits* limits);

/// Free a plan; NULL is a no-op.  Main thread.
void
mx_plan_free(MxPlan* plan);

/**
   Derive the plan of a model.

   Main thread.
   @param model A model with the plan's limits.
   @param limiter_latency Latency of a limiter in the path, samples.
   @param max_delay Longest compensation delay the audio side can apply,
   samples.
   @return MX_ERR_RANGE if some path would need a longer compensation
   delay than `max_delay` (`plan` is then unusable: derive again from a
   model that fits); else MX_SUCCESS.
*/
MxStatus
mx_plan_derive(MxPlan* plan, const MxModel* model, uint32_t limiter_latency, uint32_t max_delay);

/// The node in a strip or bus slot, or the master (kind MX_NODE_MASTER, slot 0).
const MxPlanNode*
mx_plan_node(const MxPlan* plan, MxNodeKind kind, uint32_t slot);

/**
   The edge from a strip or bus slot to a bus slot, or to the master when
   `dest` is the bus limit.
*/
const MxPlanEdge*
mx_plan_edge(const MxPlan* plan, MxNodeKind kind, uint32_t slot, uint32_t dest);

/// Number of buses in the processing order.
uint32_t
mx_plan_order_count(const MxPlan* plan);

/// The bus slots in processing order: every bus after those that feed it.
const uint32_t*
mx_plan_order(const MxPlan* plan);

/// Latency at the master output, samples.
uint32_t
mx_plan_latency(const MxPlan* plan);

/// Monitor level, dB (-INFINITY for off).
float
mx_plan_monitor_level_db(const MxPlan* plan);

/// True if some node feeds the monitor (AFL or PFL solo); else it carries the master.
bool
mx_plan_monitor_solo(const MxPlan* plan);

#endif // MX_DSP_PLAN_H
