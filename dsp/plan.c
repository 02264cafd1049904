// SPDX-License-Identifier: GPL-3.0-or-later

#include "plan.h"

#include "pan.h"
#include "strip.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct MxPlanImpl {
  MxLimits    limits;           ///< Slots of each kind
  uint32_t    dests;            ///< Destinations per source: the bus slots, then the master
  MxPlanNode* strips;           ///< [strip slot]
  MxPlanNode* buses;            ///< [bus slot]
  MxPlanNode  master;           ///< The master
  MxPlanEdge* strip_edges;      ///< [strip slot][dest]
  MxPlanEdge* bus_edges;        ///< [bus slot][dest]
  uint32_t*   order;            ///< Bus slots in processing order
  uint32_t    n_order;          ///< Buses in `order`
  float       monitor_level_db; ///< Monitor level, dB
  bool        monitor_solo;     ///< Some node feeds the monitor
  uint32_t    latency;          ///< Master output latency, samples
  bool*       strip_audible;    ///< Scratch: solo in place, per strip slot
  bool*       bus_up;           ///< Scratch: bus feeds a soloed node
  bool*       bus_down;         ///< Scratch: bus is fed by a soloed node
};

MxPlan*
mx_plan_new(const MxLimits* const limits)
{
  MxPlan* const plan = (MxPlan*)calloc(1U, sizeof(MxPlan));
  if (!plan) {
    return NULL;
  }

  plan->limits      = *limits;
  plan->dests       = limits->buses + 1U;
  plan->strips      = (MxPlanNode*)calloc(limits->strips, sizeof(MxPlanNode));
  plan->buses       = (MxPlanNode*)calloc(limits->buses, sizeof(MxPlanNode));
  plan->strip_edges = (MxPlanEdge*)calloc((size_t)limits->strips * plan->dests, sizeof(MxPlanEdge));
  plan->bus_edges   = (MxPlanEdge*)calloc((size_t)limits->buses * plan->dests, sizeof(MxPlanEdge));
  plan->order       = (uint32_t*)calloc(limits->buses, sizeof(uint32_t));
  plan->strip_audible = (bool*)calloc(limits->strips, sizeof(bool));
  plan->bus_up        = (bool*)calloc(limits->buses, sizeof(bool));
  plan->bus_down      = (bool*)calloc(limits->buses, sizeof(bool));
  if (!plan->strips || !plan->buses || !plan->strip_edges || !plan->bus_edges || !plan->order ||
      !plan->strip_audible || !plan->bus_up || !plan->bus_down) {
    mx_plan_free(plan);
    return NULL;
  }

  plan->master.present  = true;
  plan->master.channels = 2U;
  return plan;
}

void
mx_plan_free(MxPlan* const plan)
{
  if (!plan) {
    return;
  }

  free(plan->bus_down);
  free(plan->bus_up);
  free(plan->strip_audible);
  free(plan->order);
  free(plan->bus_edges);
  free(plan->strip_edges);
  free(plan->buses);
  free(plan->strips);
  free(plan);
}

// ---------------------------------------------------------------------------
// Reading the model by slot

static float
get(const MxModel* const model,
    const MxNodeKind     kind,
    const uint32_t       slot,
    const MxParam        param,
    const uint32_t       sub)
{
  float value = 0.0f;
  mx_model_slot_get(model, kind, slot, param, sub, &value);
  return value;
}

static bool
on(const MxModel* const model,
   const MxNodeKind     kind,
   const uint32_t       slot,
   const MxParam        param,
   const uint32_t       sub)
{
  return get(model, kind, slot, param, sub) != 0.0f;
}

static MxPlanEdge*
edges_of(MxPlan* const plan, const MxNodeKind kind, const uint32_t slot)
{
  return (kind == MX_NODE_STRIP ? plan->strip_edges : plan->bus_edges) + (size_t)slot * plan->dests;
}

static MxPlanNode*
node_of(MxPlan* const plan, const MxNodeKind kind, const uint32_t slot)
{
  return kind == MX_NODE_STRIP ? &plan->strips[slot]
         : kind == MX_NODE_BUS ? &plan->buses[slot]
                               : &plan->master;
}

// ---------------------------------------------------------------------------
// Edges

// A route: the source's output pair into a stereo destination; its
// post-fader signal (mono) or its folded pair (stereo) into a mono one
static void
connect_route(MxPlanEdge* const e, const unsigned src_channels, const unsigned dest_channels)
{
  e->delay = 0U;
  if (dest_channels == 2U) {
    e->source  = MX_EDGE_OUTPUT;
    e->mode    = MX_EDGE_PAIR;
    e->gain[0] = e->gain[1] = 1.0f;
  } else if (src_channels == 1U) {
    e->source  = MX_EDGE_POST_FADER;
    e->mode    = MX_EDGE_MONO;
    e->gain[0] = 1.0f;
    e->gain[1] = 0.0f;
  } else {
    // Mono fold-down of a stereo source: (L + R) / 2, so a centred source keeps its level
    e->source  = MX_EDGE_OUTPUT;
    e->mode    = MX_EDGE_FOLD;
    e->gain[0] = e->gain[1] = 0.5f;
  }
}

// A send at `level_db` from a tap; into a stereo bus a mono source is
// panned with the -3 dB constant-power law and a stereo source balanced,
// as the strip's own pan and balance do (pan.h)
static void
connect_send(MxPlanEdge* const e,
             const unsigned    src_channels,
             const unsigned    dest_channels,
             const MxSendTap   tap,
             const float       level_db,
             const float       pan)
{
  const float g = level_db == -INFINITY ? 0.0f : mx_db_to_gain(level_db);
  float       l = 1.0f;
  float       r = 1.0f;
  e->delay      = 0U;
  e->source     = (uint8_t)tap; // MxSendTap and MxEdgeSource share their first values
  if (dest_channels == 2U) {
    mx_pan_law_gains(src_channels == 1U ? MX_PAN_LAW_3DB : MX_PAN_LAW_0DB, pan, &l, &r);
    e->mode = src_channels == 1U ? MX_EDGE_SPREAD : MX_EDGE_PAIR;
  } else {
    l = r   = src_channels == 1U ? 1.0f : 0.5f;
    e->mode = src_channels == 1U ? MX_EDGE_MONO : MX_EDGE_FOLD;
  }
  e->gain[0] = g * l;
  e->gain[1] = src_channels == 1U && dest_channels == 1U ? 0.0f : g * r;
  e->send    = true;
}

// Connect every edge of one source node from the model; sends only from strips
static void
connect_source(MxPlan* const        plan,
               const MxModel* const model,
               const MxNodeKind     kind,
               const uint32_t       slot)
{
  MxPlanEdge* const edges    = edges_of(plan, kind, slot);
  const unsigned    channels = node_of(plan, kind, slot)->channels;
  memset(edges, 0, plan->dests * sizeof(MxPlanEdge));

  for (uint32_t d = 0U; d < plan->limits.buses; ++d) {
    const MxPlanNode* const dest = &plan->buses[d];
    if (!dest->present || dest->leaving || (kind == MX_NODE_BUS && d == slot)) {
      continue;
    }

    if (mx_model_slot_bus_kind(model, d) == MX_BUS_GROUP) {
      if (on(model, kind, slot, MX_P_ROUTE, d)) {
        connect_route(&edges[d], channels, dest->channels);
      }
    } else if (kind == MX_NODE_STRIP && on(model, kind, slot, MX_P_SEND_ON, d) &&
               get(model, kind, slot, MX_P_SEND_LEVEL, d) != -INFINITY) {
      connect_send(&edges[d],
                   channels,
                   dest->channels,
                   (MxSendTap)get(model, kind, slot, MX_P_SEND_TAP, d),
                   get(model, kind, slot, MX_P_SEND_LEVEL, d),
                   get(model, kind, slot, MX_P_SEND_PAN, d));
    }
  }

  if (on(model, kind, slot, MX_P_ROUTE_MASTER, 0U)) {
    connect_route(&edges[plan->limits.buses], channels, 2U);
  }
}

// ---------------------------------------------------------------------------
// Order: Kahn's algorithm over the bus-to-bus edges

static void
order_buses(MxPlan* const plan)
{
  const uint32_t n = plan->limits.buses;
  uint32_t       indegree[MX_LIMIT_MAX_BUSES];
  memset(indegree, 0, sizeof(indegree));
  for (uint32_t b = 0U; b < n; ++b) {
    const MxPlanEdge* const edges = edges_of(plan, MX_NODE_BUS, b);
    for (uint32_t d = 0U; plan->buses[b].present && d < n; ++d) {
      indegree[d] += edges[d].mode != MX_EDGE_OFF;
    }
  }

  // Ready buses are taken in slot order, so the order is deterministic
  plan->n_order = 0U;
  uint32_t head = 0U;
  for (uint32_t b = 0U; b < n; ++b) {
    if (plan->buses[b].present && indegree[b] == 0U) {
      plan->order[plan->n_order++] = b;
    }
  }
  while (head < plan->n_order) {
    const uint32_t          b     = plan->order[head++];
    const MxPlanEdge* const edges = edges_of(plan, MX_NODE_BUS, b);
    for (uint32_t d = 0U; d < n; ++d) {
      if (edges[d].mode != MX_EDGE_OFF && --indegree[d] == 0U) {
        plan->order[plan->n_order++] = d;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Solo

static bool
soloed(const MxModel* const    model,
       const MxPlanNode* const node,
       const MxNodeKind        kind,
       const uint32_t          slot)
{
  return node->present && !node->leaving && on(model, kind, slot, MX_P_SOLO, 0U);
}

// Mark what solo in place keeps audible; return true if anything is soloed
static bool
mark_solo(MxPlan* const plan, const MxModel* const model)
{
  const uint32_t n_buses = plan->limits.buses;
  bool           any     = false;
  memset(plan->bus_up, 0, n_buses * sizeof(bool));
  memset(plan->bus_down, 0, n_buses * sizeof(bool));

  // Downstream: in processing order, what a soloed or solo-safe node, or a
  // bus fed by one, connects to stays open (a solo-safe talkback mic
  // through a group bus must be heard: the group is kept, and the group's
  // other members are muted on their own)
  for (uint32_t s = 0U; s < plan->limits.strips; ++s) {
    const bool solo = soloed(model, &plan->strips[s], MX_NODE_STRIP, s);
    any             = any || solo;
    if (solo || (plan->strips[s].present && on(model, MX_NODE_STRIP, s, MX_P_SOLO_SAFE, 0U))) {
      const MxPlanEdge* const edges = edges_of(plan, MX_NODE_STRIP, s);
      for (uint32_t d = 0U; d < n_buses; ++d) {
        plan->bus_down[d] = plan->bus_down[d] || edges[d].mode != MX_EDGE_OFF;
      }
    }
  }
  for (uint32_t i = 0U; i < plan->n_order; ++i) {
    const uint32_t b    = plan->order[i];
    const bool     solo = soloed(model, &plan->buses[b], MX_NODE_BUS, b);
    const bool     safe = on(model, MX_NODE_BUS, b, MX_P_SOLO_SAFE, 0U);
    any                 = any || solo;
    if (solo || safe || plan->bus_down[b]) {
      const MxPlanEdge* const edges = edges_of(plan, MX_NODE_BUS, b);
      for (uint32_t d = 0U; d < n_buses; ++d) {
        plan->bus_down[d] = plan->bus_down[d] || edges[d].mode != MX_EDGE_OFF;
      }
    }
  }

  // Upstream: in reverse order, a bus that connects to a soloed bus or to
  // one upstream of a solo is upstream itself
  for (uint32_t i = plan->n_order; i-- > 0U;) {
    const uint32_t          b     = plan->order[i];
    const MxPlanEdge* const edges = edges_of(plan, MX_NODE_BUS, b);
    bool                    up    = soloed(model, &plan->buses[b], MX_NODE_BUS, b);
    for (uint32_t d = 0U; !up && d < n_buses; ++d) {
      up = edges[d].mode != MX_EDGE_OFF && plan->bus_up[d];
    }
    plan->bus_up[b] = up;
  }
  for (uint32_t s = 0U; s < plan->limits.strips; ++s) {
    const MxPlanEdge* const edges = edges_of(plan, MX_NODE_STRIP, s);
    bool                    keep  = soloed(model, &plan->strips[s], MX_NODE_STRIP, s) ||
                on(model, MX_NODE_STRIP, s, MX_P_SOLO_SAFE, 0U);
    for (uint32_t d = 0U; !keep && d < n_buses; ++d) {
      keep = edges[d].mode != MX_EDGE_OFF && plan->bus_up[d];
    }
    plan->strip_audible[s] = keep;
  }
  return any;
}

// ---------------------------------------------------------------------------
// Nodes

// Fader plus the offsets of the VCAs the node belongs to, and whether one
// of them, or a mute group it belongs to, mutes it
static void
apply_groups(MxPlanNode* const    node,
             const MxModel* const model,
             const MxNodeKind     kind,
             const uint32_t       slot)
{
  const MxLimits limits = mx_model_limits(model);
  float          fader  = get(model, kind, slot, MX_P_FADER, 0U);
  bool           muted  = on(model, kind, slot, MX_P_MUTE, 0U);
  for (uint32_t v = 0U; kind != MX_NODE_MASTER && v < limits.vcas; ++v) {
    if (on(model, kind, slot, MX_P_VCA, v)) {
      fader += get(model, MX_NODE_VCA, v, MX_P_FADER, 0U);
      muted = muted || on(model, MX_NODE_VCA, v, MX_P_MUTE, 0U);
    }
  }
  for (uint32_t g = 0U; kind != MX_NODE_MASTER && g < limits.mute_groups; ++g) {
    muted = muted || (on(model, kind, slot, MX_P_MUTE_GROUP, g) &&
                      on(model, MX_NODE_MUTE_GROUP, g, MX_P_MUTE, 0U));
  }

  // -INFINITY anywhere stays -INFINITY; the sum never goes past the fader's top
  node->fader_db = fminf(fader, MX_STRIP_FADER_MAX_DB);
  node->mute     = muted || node->leaving;
  node->limiter  = kind != MX_NODE_STRIP && on(model, kind, slot, MX_P_LIMITER_ON, 0U);
}

// Fold each source's mute into its sends: the tap may be before the mute
static void
mute_sends(MxPlan* const plan, const MxNodeKind kind, const uint32_t slot)
{
  MxPlanEdge* const edges = edges_of(plan, kind, slot);
  if (!node_of(plan, kind, slot)->mute) {
    return;
  }
  for (uint32_t d = 0U; d < plan->dests; ++d) {
    if (edges[d].send) {
      edges[d].gain[0] = edges[d].gain[1] = 0.0f;
    }
  }
}

// ---------------------------------------------------------------------------
// Latency

// Input latency of a destination: the latest arrival among its sources
static uint32_t
arrival(const MxPlan* const plan, const uint32_t dest)
{
  uint32_t latest = 0U;
  for (uint32_t i = 0U; i < plan->n_order; ++i) {
    const uint32_t          b = plan->order[i];
    const MxPlanEdge* const e = plan->bus_edges + (size_t)b * plan->dests + dest;
    if (e->mode != MX_EDGE_OFF && plan->buses[b].latency > latest) {
      latest = plan->buses[b].latency;
    }
  }
  return latest;
}

// Align the inputs of a destination and set its output latency
static MxStatus
align(MxPlan* const     plan,
      MxPlanNode* const node,
      const uint32_t    dest,
      const uint32_t    limiter_latency,
      const uint32_t    max_delay)
{
  const uint32_t in = arrival(plan, dest);
  if (in > max_delay) {
    return MX_ERR_RANGE;
  }

  node->input_delay = in;
  node->latency     = in + (node->limiter ? limiter_latency : 0U);
  for (uint32_t i = 0U; i < plan->n_order; ++i) {
    const uint32_t    b = plan->order[i];
    MxPlanEdge* const e = plan->bus_edges + (size_t)b * plan->dests + dest;
    e->delay            = e->mode != MX_EDGE_OFF ? in - plan->buses[b].latency : 0U;
  }
  return MX_SUCCESS;
}

// ---------------------------------------------------------------------------

MxStatus
mx_plan_derive(MxPlan* const        plan,
               const MxModel* const model,
               const uint32_t       limiter_latency,
               const uint32_t       max_delay)
{
  MxStatus       st     = MX_SUCCESS;
  const MxLimits limits = plan->limits;

  // Which slots hold nodes
  for (uint32_t s = 0U; s < limits.strips; ++s) {
    MxPlanNode* const node  = &plan->strips[s];
    const MxSlotState state = mx_model_slot_state(model, MX_NODE_STRIP, s);
    memset(node, 0, sizeof(*node));
    node->present  = state != MX_SLOT_FREE;
    node->leaving  = state == MX_SLOT_LEAVING;
    node->channels = mx_model_slot_channels(model, MX_NODE_STRIP, s);
  }
  for (uint32_t b = 0U; b < limits.buses; ++b) {
    MxPlanNode* const node  = &plan->buses[b];
    const MxSlotState state = mx_model_slot_state(model, MX_NODE_BUS, b);
    memset(node, 0, sizeof(*node));
    node->present  = state != MX_SLOT_FREE;
    node->leaving  = state == MX_SLOT_LEAVING;
    node->channels = mx_model_slot_channels(model, MX_NODE_BUS, b);
  }

  // Edges, then the order they impose on the buses
  for (uint32_t s = 0U; s < limits.strips; ++s) {
    if (plan->strips[s].present) {
      connect_source(plan, model, MX_NODE_STRIP, s);
    }
  }
  for (uint32_t b = 0U; b < limits.buses; ++b) {
    if (plan->buses[b].present) {
      connect_source(plan, model, MX_NODE_BUS, b);
    }
  }
  order_buses(plan);

  // Gains and mutes: groups, then solo
  const MxSoloMode mode     = (MxSoloMode)get(model, MX_NODE_MONITOR, 0U, MX_P_MONITOR_MODE, 0U);
  const bool       any_solo = mark_solo(plan, model);
  const bool       in_place = mode == MX_SOLO_IN_PLACE && any_solo;
  const uint8_t    feed     = mode == MX_SOLO_AFL ? MX_MONITOR_AFL : MX_MONITOR_PFL;
  plan->monitor_solo        = false;
  for (uint32_t s = 0U; s < limits.strips; ++s) {
    MxPlanNode* const node = &plan->strips[s];
    if (node->present) {
      apply_groups(node, model, MX_NODE_STRIP, s);
      node->mute = node->mute || (in_place && !plan->strip_audible[s]);
      if (mode != MX_SOLO_IN_PLACE && soloed(model, node, MX_NODE_STRIP, s)) {
        node->monitor      = feed;
        plan->monitor_solo = true;
      }
      mute_sends(plan, MX_NODE_STRIP, s);
    }
  }
  for (uint32_t b = 0U; b < limits.buses; ++b) {
    MxPlanNode* const node = &plan->buses[b];
    if (node->present) {
      const bool keep =
        plan->bus_up[b] || plan->bus_down[b] || on(model, MX_NODE_BUS, b, MX_P_SOLO_SAFE, 0U);
      apply_groups(node, model, MX_NODE_BUS, b);
      node->mute = node->mute || (in_place && !keep);
      if (mode != MX_SOLO_IN_PLACE && soloed(model, node, MX_NODE_BUS, b)) {
        node->monitor      = feed;
        plan->monitor_solo = true;
      }
    }
  }
  apply_groups(&plan->master, model, MX_NODE_MASTER, 0U);
  plan->monitor_level_db = get(model, MX_NODE_MONITOR, 0U, MX_P_MONITOR_LEVEL, 0U);

  // Latency, in processing order, then the master
  for (uint32_t i = 0U; i < plan->n_order; ++i) {
    const uint32_t b = plan->order[i];
    TRY(st, align(plan, &plan->buses[b], b, limiter_latency, max_delay));
  }
  TRY(st, align(plan, &plan->master, limits.buses, limiter_latency, max_delay));
  plan->latency = plan->master.latency;
  return MX_SUCCESS;
}

const MxPlanNode*
mx_plan_node(const MxPlan* const plan, const MxNodeKind kind, const uint32_t slot)
{
  return node_of((MxPlan*)plan, kind, slot);
}

const MxPlanEdge*
mx_plan_edge(const MxPlan* const plan,
             const MxNodeKind    kind,
             const uint32_t      slot,
             const uint32_t      dest)
{
  return edges_of((MxPlan*)plan, kind, slot) + dest;
}

uint32_t
mx_plan_order_count(const MxPlan* const plan)
{
  return plan->n_order;
}

const uint32_t*
mx_plan_order(const MxPlan* const plan)
{
  return plan->order;
}

uint32_t
mx_plan_latency(const MxPlan* const plan)
{
  return plan->latency;
}

float
mx_plan_monitor_level_db(const MxPlan* const plan)
{
  return plan->monitor_level_db;
}

bool
mx_plan_monitor_solo(const MxPlan* const plan)
{
  return plan->monitor_solo;
}
