// SPDX-License-Identifier: GPL-3.0-or-later

#include "engine_impl.h"

#include "compressor.h"
#include "denormal.h"
#include "gate.h"
#include "limiter.h"
#include "pan.h"
#include "strip_eq.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/*
  DESIGN: the audio side of the engine.  A period runs in five steps:

  1. Commands: the batches queued when the period began are applied
     (mx_ring_snapshot(), so a busy main thread cannot hold us here).
  2. Strips, in slot order: each runs its chain, copying out the taps its
     edges read, and adds each connected edge into its destination's strip
     sum.  Strips have no latency, so all strip sums are aligned.  A node
     whose edges are all steady runs them as one fan-out plan (MxMixPlan),
     built once and kept until a command touches its edges: at block 64 the
     per-edge decisions cost as much as the adds.
  3. Buses, in the plan's order (sources before destinations): the strip
     sum, delayed to the bus's input latency, plus the bus sum (bus edges
     arrive already delayed on their edges), runs through the bus's chain;
     its own output is copied out and its edges feed what it routes to.
  4. The master, the same way; then its loudness and the monitor bus.
  5. Housekeeping: nodes that have faded out are handed back, and every
     meter interval a snapshot goes out, if there is room (else the meters
     keep accumulating, so no peak is lost).

  Nothing here allocates, locks or calls the system: every buffer was made
  by mx_proc_init() or with its node.
*/

/// Capacity of the rings, bytes
#define COMMAND_RING_BYTES (1U << 21)
#define RETIRE_RING_BYTES (1U << 16)
#define METER_RING_BYTES (1U << 20)

static float*
new_buffer(const uint32_t n)
{
  return (float*)calloc(n, sizeof(float));
}

MxStatus
mx_proc_init(MxProcess* const proc, const MxEngineConfig* const config)
{
  memset(proc, 0, sizeof(*proc));
  proc->config        = *config;
  proc->dests         = config->limits.buses + 1U;
  proc->meter_period  = (uint32_t)((double)config->meter_interval_ms * 0.001 * config->rate + 0.5);
  proc->meter_period  = proc->meter_period ? proc->meter_period : 1U;
  proc->next_snapshot = proc->meter_period;

  const uint32_t block = config->max_block;
  proc->strips         = (MxProcNode**)calloc(config->limits.strips, sizeof(MxProcNode*));
  proc->buses          = (MxProcNode**)calloc(config->limits.buses, sizeof(MxProcNode*));
  proc->order          = (uint32_t*)calloc(config->limits.buses, sizeof(uint32_t));
  proc->commands       = mx_ring_new(COMMAND_RING_BYTES);
  proc->retired        = mx_ring_new(RETIRE_RING_BYTES);
  proc->meters         = mx_ring_new(METER_RING_BYTES);
  proc->batch          = (MxCmd*)malloc(MX_ENGINE_BATCH_BYTES);
  proc->snapshot_bytes =
    (uint32_t)(sizeof(MxSnapshotHeader) +
               (config->limits.strips + config->limits.buses + 1U) * sizeof(MxSnapshotNode));
  proc->snapshot = (uint8_t*)calloc(1U, proc->snapshot_bytes);
  proc->loudness = mx_loudness_new(2U, config->rate);
  proc->silence  = new_buffer(block);
  proc->scratch  = mx_strip_scratch_new();
  bool ok        = proc->strips && proc->buses && proc->order && proc->commands && proc->retired &&
            proc->meters && proc->batch && proc->snapshot && proc->loudness && proc->silence &&
            proc->scratch && proc->snapshot_bytes + MX_RING_HEADER_SIZE <= METER_RING_BYTES;
  for (unsigned c = 0U; c < 2U; ++c) {
    for (unsigned t = 0U; t < MX_TAP_N; ++t) {
      proc->tap[t][c] = new_buffer(block);
      ok              = ok && proc->tap[t][c];
    }
    proc->out[c] = new_buffer(block);
    proc->tmp[c] = new_buffer(block);
    proc->mon[c] = new_buffer(block);
    ok           = ok && proc->out[c] && proc->tmp[c] && proc->mon[c];
  }
  if (!ok) {
    return MX_ERR_NO_MEMORY;
  }

  mx_mix_edge_init(&proc->monitor_master, config->rate);
  mx_gain_init(&proc->monitor_level, config->rate);
  const MxPlanEdge all = { { 1.0f, 1.0f }, 0U, MX_EDGE_OUTPUT, MX_EDGE_PAIR, false };
  mx_mix_edge_set(&proc->monitor_master, &all);
  for (unsigned c = 0U; c < 2U; ++c) {
    mx_smooth_jump(&proc->monitor_master.gain[c], 1.0f);
  }

  // The master is a node like the others, made from a fresh model's values
  MxModel* const model = mx_model_new(&config->limits, false);
  proc->master         = model ? mx_proc_node_new(proc, model, MX_NODE_MASTER, 0U) : NULL;
  mx_model_free(model);
  if (!proc->master) {
    return MX_ERR_NO_MEMORY;
  }
  mx_strip_set_mute(proc->master->strip, false);
  mx_strip_reset(proc->master->strip);
  return MX_SUCCESS;
}

void
mx_proc_destroy(MxProcess* const proc)
{
  // Nodes handed back but not yet collected
  MxProcNode* node = NULL;
  while (proc->retired &&
         mx_ring_read(proc->retired, NULL, &node, sizeof(node), NULL) == MX_SUCCESS) {
    mx_proc_node_free(node);
  }

  for (uint32_t s = 0U; proc->strips && s < proc->config.limits.strips; ++s) {
    mx_proc_node_free(proc->strips[s]);
  }
  for (uint32_t b = 0U; proc->buses && b < proc->config.limits.buses; ++b) {
    mx_proc_node_free(proc->buses[b]);
  }
  mx_proc_node_free(proc->master);
  mx_strip_scratch_free(proc->scratch); // After every node that works in it
  for (unsigned c = 0U; c < 2U; ++c) {
    for (unsigned t = 0U; t < MX_TAP_N; ++t) {
      free(proc->tap[t][c]);
    }
    free(proc->out[c]);
    free(proc->tmp[c]);
    free(proc->mon[c]);
  }
  free(proc->silence);
  mx_loudness_free(proc->loudness);
  free(proc->snapshot);
  free(proc->batch);
  mx_ring_free(proc->meters);
  mx_ring_free(proc->retired);
  mx_ring_free(proc->commands);
  free(proc->order);
  free(proc->buses);
  free(proc->strips);
  memset(proc, 0, sizeof(*proc));
}

// ---------------------------------------------------------------------------
// Nodes

MxProcNode*
mx_proc_node_new(const MxProcess* const proc,
                 const MxModel* const   model,
                 const MxNodeKind       kind,
                 const uint32_t         slot)
{
  const MxEngineConfig* const cfg      = &proc->config;
  const bool                  master   = kind == MX_NODE_MASTER;
  const bool                  source   = !master;
  const bool                  sink     = kind != MX_NODE_STRIP;
  const unsigned              channels = mx_model_slot_channels(model, kind, slot);
  const MxStripLayout         layout   = master                ? MX_STRIP_LAYOUT_MASTER
                                         : kind == MX_NODE_BUS ? MX_STRIP_LAYOUT_BUS
                                                               : MX_STRIP_LAYOUT_CHANNEL;

  MxProcNode* const node = (MxProcNode*)calloc(1U, sizeof(MxProcNode));
  if (!node) {
    return NULL;
  }
  node->kind     = kind;
  node->slot     = slot;
  node->dests    = proc->dests;
  node->channels = channels;
  node->strip    = mx_strip_new_shared(channels, cfg->rate, layout, proc->scratch);
  bool ok        = node->strip != NULL;
  if (source) {
    node->edges  = (MxMixEdge*)calloc(proc->dests, sizeof(MxMixEdge));
    node->active = (uint16_t*)calloc(proc->dests, sizeof(uint16_t));
    ok =
      ok && node->edges && node->active && mx_mix_plan_init(&node->plan, proc->dests) == MX_SUCCESS;
  }
  if (kind == MX_NODE_BUS) {
    node->edge_delays = (MxDelay**)calloc(proc->dests, sizeof(MxDelay*));
    ok                = ok && node->edge_delays;
  }
  for (unsigned i = 0U; sink && i < 2U; ++i) {
    for (unsigned c = 0U; c < channels; ++c) {
      node->sum[i][c] = new_buffer(cfg->max_block);
      ok              = ok && node->sum[i][c];
    }
  }
  if (!ok) {
    mx_proc_node_free(node);
    return NULL;
  }

  for (uint32_t d = 0U; source && d < proc->dests; ++d) {
    mx_mix_edge_init(&node->edges[d], cfg->rate);
  }
  mx_mix_edge_init(&node->monitor, cfg->rate);

  // Every processor control from the model, sub-indices in slot terms
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    const MxParamInfo* const info = mx_param_info((MxParam)p);
    const uint32_t           subs = info->sub == MX_SUB_BAND ? MX_PARAM_EQ_BANDS : 1U;
    for (uint32_t sub = 0U; !(info->flags & MX_PFLAG_MIX) && sub < subs; ++sub) {
      float value = 0.0f;
      if ((info->nodes & (1U << kind)) &&
          !mx_model_slot_get(model, kind, slot, (MxParam)p, sub, &value)) {
        mx_proc_apply_param(node->strip, (MxParam)p, sub, value);
      }
    }
  }
  mx_strip_set_mute(node->strip, true);
  mx_strip_reset(node->strip);
  return node;
}

void
mx_proc_node_free(MxProcNode* const node)
{
  if (!node) {
    return;
  }

  for (uint32_t d = 0U; node->edge_delays && d < node->dests; ++d) {
    mx_delay_free(node->edge_delays[d]);
  }
  mx_delay_free(node->sum_delay);
  for (unsigned i = 0U; i < 2U; ++i) {
    for (unsigned c = 0U; c < 2U; ++c) {
      free(node->sum[i][c]);
    }
  }
  free(node->edge_delays);
  mx_mix_plan_destroy(&node->plan);
  free(node->active);
  free(node->edges);
  mx_strip_free(node->strip);
  free(node);
}

// ---------------------------------------------------------------------------
// Commands

void
mx_proc_apply_param(MxStrip* const strip, const MxParam param, const uint32_t sub, const float v)
{
  MxStripEq* const    eq   = mx_strip_eq(strip);
  MxGate* const       gate = mx_strip_gate(strip);
  MxCompressor* const comp = mx_strip_compressor(strip);
  MxLimiter* const    lim  = mx_strip_limiter(strip);
  const bool          on   = v != 0.0f;

  // Values were validated against params.h on the main thread; a setter
  // that still refuses one (a limiter on a channel strip) leaves it unset
  switch (param) {
    case MX_P_TRIM:
      mx_strip_set_trim_db(strip, v);
      break;
    case MX_P_POLARITY:
      mx_strip_set_invert(strip, on);
      break;
    case MX_P_DELAY:
      mx_delay_set_ms(mx_strip_delay(strip), v);
      break;
    case MX_P_HPF_ON:
      mx_strip_eq_set_hpf_enabled(eq, on);
      break;
    case MX_P_HPF_FREQ:
      mx_strip_eq_set_hpf_freq_hz(eq, v);
      break;
    case MX_P_HPF_SLOPE:
      mx_strip_eq_set_hpf_slope(eq, (MxBiquadSlope)v);
      break;
    case MX_P_GATE_ON:
      mx_gate_set_enabled(gate, on);
      break;
    case MX_P_GATE_THRESHOLD:
      mx_gate_set_threshold_db(gate, v);
      break;
    case MX_P_GATE_RANGE:
      mx_gate_set_range_db(gate, v);
      break;
    case MX_P_GATE_ATTACK:
      mx_gate_set_attack_ms(gate, v);
      break;
    case MX_P_GATE_HOLD:
      mx_gate_set_hold_ms(gate, v);
      break;
    case MX_P_GATE_RELEASE:
      mx_gate_set_release_ms(gate, v);
      break;
    case MX_P_EQ_ON:
      mx_strip_eq_set_enabled(eq, on);
      break;
    case MX_P_EQ_AFTER_COMP:
      mx_strip_set_eq_after_comp(strip, on);
      break;
    case MX_P_EQ_BAND_ON:
      mx_strip_eq_set_band_enabled(eq, sub, on);
      break;
    case MX_P_EQ_BAND_TYPE:
      mx_strip_eq_set_band_type(eq, sub, (MxBiquadType)v);
      break;
    case MX_P_EQ_BAND_FREQ:
      mx_strip_eq_set_band_freq_hz(eq, sub, v);
      break;
    case MX_P_EQ_BAND_GAIN:
      mx_strip_eq_set_band_gain_db(eq, sub, v);
      break;
    case MX_P_EQ_BAND_Q:
      mx_strip_eq_set_band_q(eq, sub, v);
      break;
    case MX_P_LPF_ON:
      mx_strip_eq_set_lpf_enabled(eq, on);
      break;
    case MX_P_LPF_FREQ:
      mx_strip_eq_set_lpf_freq_hz(eq, v);
      break;
    case MX_P_LPF_SLOPE:
      mx_strip_eq_set_lpf_slope(eq, (MxBiquadSlope)v);
      break;
    case MX_P_COMP_ON:
      mx_compressor_set_enabled(comp, on);
      break;
    case MX_P_COMP_THRESHOLD:
      mx_compressor_set_threshold_db(comp, v);
      break;
    case MX_P_COMP_RATIO:
      mx_compressor_set_ratio(comp, v);
      break;
    case MX_P_COMP_KNEE:
      mx_compressor_set_knee_db(comp, v);
      break;
    case MX_P_COMP_ATTACK:
      mx_compressor_set_attack_ms(comp, v);
      break;
    case MX_P_COMP_RELEASE:
      mx_compressor_set_release_ms(comp, v);
      break;
    case MX_P_COMP_MAKEUP:
      mx_compressor_set_makeup_db(comp, v);
      break;
    case MX_P_COMP_DETECT:
      mx_compressor_set_detect(comp, (MxDetect)v);
      break;
    case MX_P_LIMITER_CEILING:
      if (lim) {
        mx_limiter_set_ceiling_db(lim, v);
      }
      break;
    case MX_P_LIMITER_RELEASE:
      if (lim) {
        mx_limiter_set_release_ms(lim, v);
      }
      break;
    case MX_P_LIMITER_DRIVE:
      mx_strip_set_drive_db(strip, v);
      break;
    case MX_P_PAN:
      if (mx_strip_channels(strip) == 1U) {
        mx_pan_set_position(mx_strip_pan(strip), v);
      } else {
        mx_balance_set_position(mx_strip_balance(strip), v);
      }
      break;
    case MX_P_WIDTH:
      if (mx_strip_width(strip)) {
        mx_width_set_amount(mx_strip_width(strip), v);
      }
      break;
    default:
      // The mix controls reach the audio side through the plan
      break;
  }
}

static MxProcNode*
node_at(const MxProcess* const proc, const uint32_t kind, const uint32_t slot)
{
  switch ((MxNodeKind)kind) {
    case MX_NODE_STRIP:
      return slot < proc->config.limits.strips ? proc->strips[slot] : NULL;
    case MX_NODE_BUS:
      return slot < proc->config.limits.buses ? proc->buses[slot] : NULL;
    case MX_NODE_MASTER:
      return proc->master;
    default:
      return NULL;
  }
}

// The destination node of an edge: a bus slot, or the master after them
static MxProcNode*
dest_at(const MxProcess* const proc, const uint32_t dest)
{
  return dest < proc->config.limits.buses ? proc->buses[dest] : proc->master;
}

// Cut every edge into a bus slot (its bus is gone, or a new one arrives)
static void
cut_edges_into(MxProcess* const proc, const uint32_t dest)
{
  for (uint32_t s = 0U; s < proc->config.limits.strips; ++s) {
    if (proc->strips[s]) {
      mx_mix_edge_cut(&proc->strips[s]->edges[dest]);
      proc->strips[s]->planned = false;
    }
  }
  for (uint32_t b = 0U; b < proc->config.limits.buses; ++b) {
    if (proc->buses[b]) {
      mx_mix_edge_cut(&proc->buses[b]->edges[dest]);
      proc->buses[b]->planned = false;
    }
  }
}

static void
list_edge(MxProcNode* const node, const uint32_t dest)
{
  for (uint32_t i = 0U; i < node->n_active; ++i) {
    if (node->active[i] == dest) {
      return;
    }
  }
  node->active[node->n_active++] = (uint16_t)dest;
}

static void
apply_edge(MxProcNode* const node, const MxCmd* const cmd)
{
  MxMixEdge* const edge   = &node->edges[cmd->sub];
  const bool       was    = mx_mix_edge_is_connected(edge);
  const MxPlanEdge target = {
    { cmd->v.f[0], cmd->v.f[1] }, 0U, (uint8_t)cmd->param, (uint8_t)cmd->u, false
  };
  mx_mix_edge_set(edge, &target);
  node->planned = false;
  if (!was && mx_mix_edge_is_connected(edge)) {
    // A line not fed while disconnected must not replay what it last held
    if (node->edge_delays && node->edge_delays[cmd->sub]) {
      mx_delay_clear(node->edge_delays[cmd->sub]);
    }
    list_edge(node, cmd->sub);
  }
}

static void
apply_node(MxProcess* const proc, MxProcNode* const node, const MxCmd* const cmd)
{
  mx_strip_set_fader_db(node->strip, cmd->v.f[0]);
  mx_strip_set_mute(node->strip, node->leaving || (cmd->u & MX_CMD_NODE_MUTE));
  mx_strip_set_limiter_inserted(node->strip, (cmd->u & MX_CMD_NODE_LIMITER) != 0U);

  // AFL listens to the output pair, PFL to the pre-fader tap
  MxPlanEdge feed = { { 1.0f, 1.0f }, 0U, MX_EDGE_OUTPUT, MX_EDGE_PAIR, false };
  if (cmd->param == MX_MONITOR_PFL) {
    feed.source = MX_EDGE_PRE_FADER;
    feed.mode   = node->channels == 1U ? MX_EDGE_SPREAD : MX_EDGE_PAIR;
  } else if (cmd->param == MX_MONITOR_NONE) {
    feed.mode = MX_EDGE_OFF;
  }
  mx_mix_edge_set(&node->monitor, &feed);
  node->planned = false;
  (void)proc;
}

static void
settle_edge(MxMixEdge* const edge)
{
  edge->source = edge->next_source;
  edge->mode   = edge->next_mode;
  for (unsigned c = 0U; c < 2U; ++c) {
    mx_smooth_jump(&edge->gain[c], edge->target[c]);
  }
}

static void
settle_node(MxProcNode* const node, const uint32_t dests)
{
  mx_strip_reset(node->strip);
  node->planned = false;
  for (uint32_t d = 0U; node->edges && d < dests; ++d) {
    settle_edge(&node->edges[d]);
    if (node->edge_delays && node->edge_delays[d]) {
      mx_delay_reset(node->edge_delays[d]);
    }
  }
  settle_edge(&node->monitor);
  if (node->sum_delay) {
    mx_delay_reset(node->sum_delay);
  }
}

static void
settle(MxProcess* const proc)
{
  for (uint32_t s = 0U; s < proc->config.limits.strips; ++s) {
    if (proc->strips[s]) {
      settle_node(proc->strips[s], proc->dests);
    }
  }
  for (uint32_t b = 0U; b < proc->config.limits.buses; ++b) {
    if (proc->buses[b]) {
      settle_node(proc->buses[b], proc->dests);
    }
  }
  settle_node(proc->master, proc->dests);
  settle_edge(&proc->monitor_master);
  mx_gain_reset(&proc->monitor_level);
}

// Attach a compensation line handed over by the main thread, and set it
static void
attach_delay(MxDelay** const line, const MxCmd* const cmd)
{
  if (cmd->v.ptr) {
    *line = (MxDelay*)cmd->v.ptr;
  }
  if (*line) {
    mx_delay_set_samples(*line, cmd->u);
  }
}

void
mx_proc_apply(MxProcess* const proc, const MxCmd* const cmd)
{
  MxProcNode* const node = node_at(proc, cmd->kind, cmd->slot);
  switch ((MxCmdOp)cmd->op) {
    case MX_CMD_ADD:
      if (cmd->kind == MX_NODE_STRIP && cmd->slot < proc->config.limits.strips) {
        proc->strips[cmd->slot] = (MxProcNode*)cmd->v.ptr;
      } else if (cmd->kind == MX_NODE_BUS && cmd->slot < proc->config.limits.buses) {
        cut_edges_into(proc, cmd->slot);
        proc->buses[cmd->slot] = (MxProcNode*)cmd->v.ptr;
      }
      break;
    case MX_CMD_REMOVE:
      if (node && node != proc->master) {
        node->leaving = true;
        mx_strip_set_mute(node->strip, true);
      }
      break;
    case MX_CMD_PARAM:
      if (node) {
        mx_proc_apply_param(node->strip, (MxParam)cmd->param, cmd->sub, cmd->v.f[0]);
      }
      break;
    case MX_CMD_NODE:
      if (node) {
        apply_node(proc, node, cmd);
      }
      break;
    case MX_CMD_EDGE:
      if (node && node->edges && cmd->sub < proc->dests) {
        apply_edge(node, cmd);
      }
      break;
    case MX_CMD_EDGE_DELAY:
      if (node && node->edge_delays && cmd->sub < proc->dests) {
        attach_delay(&node->edge_delays[cmd->sub], cmd);
        node->planned = false;
      }
      break;
    case MX_CMD_INPUT_DELAY:
      if (node && node->kind != MX_NODE_STRIP) {
        attach_delay(&node->sum_delay, cmd);
      }
      break;
    case MX_CMD_ORDER:
      if (cmd->sub < proc->config.limits.buses) {
        proc->order[cmd->sub] = cmd->u;
      }
      break;
    case MX_CMD_ORDER_COUNT:
      proc->n_order = cmd->u <= proc->config.limits.buses ? cmd->u : 0U;
      break;
    case MX_CMD_MONITOR: {
      const MxPlanEdge master = {
        { cmd->u ? 0.0f : 1.0f, cmd->u ? 0.0f : 1.0f }, 0U, MX_EDGE_OUTPUT, MX_EDGE_PAIR, false
      };
      mx_mix_edge_set(&proc->monitor_master, &master);
      mx_gain_set_db(&proc->monitor_level, cmd->v.f[0]);
      break;
    }
    case MX_CMD_SETTLE:
      settle(proc);
      break;
  }
}

// Apply the batches queued when the period began
void
mx_proc_drain(MxProcess* const proc)
{
  const uint32_t end  = mx_ring_snapshot(proc->commands);
  uint32_t       type = 0U;
  uint32_t       size = 0U;
  MxStatus       st   = MX_SUCCESS;
  while ((st = mx_ring_read_until(
            proc->commands, end, &type, proc->batch, MX_ENGINE_BATCH_BYTES, &size)) != MX_FAILURE) {
    if (st != MX_SUCCESS) {
      mx_ring_skip(proc->commands); // Larger than any batch the main thread sends
      continue;
    }
    for (uint32_t i = 0U; type == MX_MSG_BATCH && i < size / sizeof(MxCmd); ++i) {
      mx_proc_apply(proc, &proc->batch[i]);
    }
  }
}

// ---------------------------------------------------------------------------
// Signal

// The channels an edge source reads, after the node has run
static void
source_of(const MxProcess* const proc, const uint8_t source, const float* src[2])
{
  if (source == MX_EDGE_OUTPUT) {
    src[0] = proc->out[0];
    src[1] = proc->out[1];
  } else {
    src[0] = proc->tap[source][0];
    src[1] = proc->tap[source][1];
  }
}

// Taps the node's edges, monitor feed and own output will read
static void
wanted_taps(const MxProcess* const proc, const MxProcNode* const node, MxStripTaps* const taps)
{
  bool want[MX_TAP_N] = { false };
  for (uint32_t i = 0U; i < node->n_active; ++i) {
    const MxMixEdge* const e = &node->edges[node->active[i]];
    if (e->source < MX_TAP_N) {
      want[e->source] = true;
    }
  }
  if (node->monitor.mode != MX_EDGE_OFF && node->monitor.source < MX_TAP_N) {
    want[node->monitor.source] = true;
  }
  if (node->kind == MX_NODE_BUS && node->channels == 1U) {
    want[MX_TAP_POST_FADER] = true; // A mono bus's own output
  }

  memset(taps, 0, sizeof(*taps));
  for (unsigned t = 0U; t < MX_TAP_N; ++t) {
    for (unsigned c = 0U; want[t] && c < node->channels; ++c) {
      taps->ch[t][c] = proc->tap[t][c];
    }
  }
}

// Run one edge of a node that has just run; false once it has disconnected
static bool
run_edge(MxProcess* const proc, MxProcNode* const node, const uint32_t dest, const uint32_t n)
{
  MxMixEdge* const  edge = &node->edges[dest];
  MxProcNode* const to   = dest_at(proc, dest);
  if (!to) {
    mx_mix_edge_cut(edge);
    return false;
  }

  const float* src[2] = { NULL, NULL };
  source_of(proc, edge->source, src);
  const bool two = edge->mode == MX_EDGE_PAIR || edge->mode == MX_EDGE_FOLD;

  // Bus edges arrive delayed to their destination's input latency
  MxDelay* const line = node->edge_delays ? node->edge_delays[dest] : NULL;
  if (line) {
    float* const tmp[2] = { proc->tmp[0], proc->tmp[1] };
    memcpy(tmp[0], src[0], n * sizeof(float));
    memcpy(tmp[1], two ? src[1] : src[0], n * sizeof(float));
    mx_delay_process(line, tmp, n);
    src[0] = tmp[0];
    src[1] = tmp[1];
  }

  float* const* const dst = to->sum[node->kind == MX_NODE_STRIP ? 0 : 1];
  mx_mix_edge_process(edge, src, dst, n);
  return mx_mix_edge_is_connected(edge);
}

// The input of strip slot s
static const float*
strip_input(const MxProcess* const  proc,
            const MxEngineIo* const io,
            const uint32_t          s,
            const unsigned          c)
{
  const MxEngineInput* const input = io && io->strips ? &io->strips[s] : NULL;
  return input && input->ch[c] ? input->ch[c] : proc->silence;
}

/// How far ahead of the strip running its input is fetched, strips.  The
/// inputs are the host's buffers (JACK's, written by other clients), which
/// arrive slowest: at block 64 with 256 strips, fetching them 24 strips
/// ahead made a period 3.5 % faster than none, 12 ahead half that
/// (`make bench`).
#define INPUT_AHEAD 24U

// Warm the cache for the strips about to run: strip s + k + 1 gets stage k
// of mx_strip_prefetch(), and the node after those its own state, so that
// every stage finds the pointers it follows already fetched; the input of
// strip s + INPUT_AHEAD is fetched as well.  Hundreds of strips do not stay
// in the cache from one period to the next; this turns a stall at every
// first touch into memory traffic that overlaps the current strip's work
// (`make bench`: block 64, 256 strips).
static void
prefetch_strips(const MxProcess* const  proc,
                const MxEngineIo* const io,
                const uint32_t          s,
                const uint32_t          n)
{
  const uint32_t strips = proc->config.limits.strips;
  const uint32_t early  = s + INPUT_AHEAD;
  // From the host's pointers alone: that strip's node is not fetched yet
  const MxEngineInput* const later = early < strips && io && io->strips ? &io->strips[early] : NULL;
  for (unsigned c = 0U; later && c < sizeof(later->ch) / sizeof(later->ch[0]); ++c) {
    if (later->ch[c]) {
      mx_prefetch(later->ch[c], n * sizeof(float));
    }
  }
  const uint32_t ahead = s + MX_STRIP_PREFETCH_STAGES + 1U;
  if (ahead < strips && proc->strips[ahead]) {
    const MxProcNode* const node = proc->strips[ahead];
    mx_prefetch(node, sizeof(*node));
  }
  for (unsigned k = 0U; k < MX_STRIP_PREFETCH_STAGES; ++k) {
    const uint32_t          t    = s + 1U + (MX_STRIP_PREFETCH_STAGES - 1U - k);
    const MxProcNode* const node = t < strips ? proc->strips[t] : NULL;
    if (!node) {
      continue;
    }
    mx_strip_prefetch(node->strip, k);
    if (k == 0U && node->planned) {
      const uint32_t feeds = node->plan.sources ? node->plan.end[node->plan.sources - 1U] : 0U;
      mx_prefetch(node->plan.dst, feeds * sizeof(*node->plan.dst));
      mx_prefetch(node->plan.gain, feeds * sizeof(*node->plan.gain));
    } else if (k == 0U) {
      mx_prefetch(node->edges, (size_t)node->dests * sizeof(*node->edges));
      mx_prefetch(node->active, (size_t)node->dests * sizeof(*node->active));
    }
  }
}

// Build the node's fan-out plan (mx_mix_plan_add()) and the taps it reads,
// if every edge and the monitor feed is steady and none runs through a
// compensation line; false if one is not (then the node runs its edges
// one by one and tries again next period).  Rebuilt after every command
// that touches the node's edges (`planned` cleared).
static bool
plan_node(const MxProcess* const proc, MxProcNode* const node)
{
  if (!node->plan.capacity || !mx_mix_edge_is_steady(&node->monitor)) {
    return false;
  }
  mx_mix_plan_clear(&node->plan);
  for (uint32_t i = 0U; i < node->n_active; ++i) {
    const uint32_t          dest = node->active[i];
    const MxProcNode* const to   = dest_at(proc, dest);
    if (!to || (node->edge_delays && node->edge_delays[dest])) {
      return false;
    }
    const MxMixEdge* const edge = &node->edges[dest];
    const float*           src[2];
    source_of(proc, edge->source, src);
    if (!mx_mix_plan_add(&node->plan, edge, src, to->sum[node->kind == MX_NODE_STRIP ? 0 : 1])) {
      return false;
    }
  }
  wanted_taps(proc, node, &node->plan_taps);
  node->planned = true;
  return true;
}

// The taps the node's strip must copy out this period
static const MxStripTaps*
node_taps(const MxProcess* const proc, const MxProcNode* const node, MxStripTaps* const taps)
{
  if (node->planned) {
    return &node->plan_taps;
  }
  wanted_taps(proc, node, taps);
  return taps;
}

// The node's edges and monitor feed, once its strip has run
static void
run_edges(MxProcess* const proc, MxProcNode* const node, const uint32_t n)
{
  if (node->planned || plan_node(proc, node)) {
    mx_mix_plan_run(&node->plan, n);
  } else {
    for (uint32_t i = 0U; i < node->n_active;) {
      if (run_edge(proc, node, node->active[i], n)) {
        ++i;
      } else {
        node->active[i] = node->active[--node->n_active];
      }
    }
  }

  if (mx_mix_edge_is_connected(&node->monitor)) {
    const float* src[2] = { NULL, NULL };
    source_of(proc, node->monitor.source, src);
    mx_mix_edge_process(&node->monitor, src, proc->mon, n);
  }
}

static void
run_node(MxProcess* const          proc,
         MxProcNode* const         node,
         const float* const* const in,
         const uint32_t            n)
{
  MxStripTaps taps;
  mx_strip_process_taps(
    node->strip, in, node_taps(proc, node, &taps), proc->out[0], proc->out[1], n);
  run_edges(proc, node, n);
}

// A strip that can run in a bank: mono, and nothing reads its pre-EQ tap
// (the taps are one set of buffers, and a bank runs every front first)
static bool
bankable(const MxProcNode* const node)
{
  if (!node || node->channels != 1U || !mx_strip_is_bankable(node->strip)) {
    return false;
  }
  if (node->planned) {
    return !node->plan_taps.ch[MX_TAP_PRE_EQ][0]; // What the edges and monitor read, kept
  }
  for (uint32_t i = 0U; i < node->n_active; ++i) {
    if (node->edges[node->active[i]].source == MX_TAP_PRE_EQ) {
      return false;
    }
  }
  return !(node->monitor.mode != MX_EDGE_OFF && node->monitor.source == MX_TAP_PRE_EQ);
}

// Strips from slot s: a bank of the bankable ones that follow (empty slots
// skipped), so that their EQs share SIMD lanes (mx_strip_process_bank_front());
// a single strip otherwise.  Returns the slot after the last one run.
static uint32_t
run_strips(MxProcess* const proc, const MxEngineIo* const io, const uint32_t s, const uint32_t n)
{
  const uint32_t strips = proc->config.limits.strips;
  MxProcNode*    bank[MX_STRIP_BANK];
  MxStrip*       bank_strips[MX_STRIP_BANK];
  const float*   in[MX_STRIP_BANK];
  unsigned       count = 0U;
  uint32_t       t     = s;
  for (; t < strips && count < MX_STRIP_BANK; ++t) {
    MxProcNode* const node = proc->strips[t];
    if (!node) {
      continue;
    }
    if (!bankable(node)) {
      break;
    }
    prefetch_strips(proc, io, t, n);
    bank[count]        = node;
    bank_strips[count] = node->strip;
    in[count]          = strip_input(proc, io, t, 0U);
    ++count;
  }

  if (count == 0U) {
    if (t == strips) {
      return t; // Only empty slots were left
    }
    // One that cannot join a bank (stereo, or fading, or tapped before its EQ)
    MxProcNode* const node = proc->strips[t];
    prefetch_strips(proc, io, t, n);
    const float* single[2] = { proc->silence, proc->silence };
    for (unsigned c = 0U; c < node->channels; ++c) {
      single[c] = strip_input(proc, io, t, c);
    }
    run_node(proc, node, single, n);
    return t + 1U;
  }

  // A bank of one costs what the strip alone does: the lanes it leaves are idle
  mx_strip_process_bank_front(bank_strips, in, count, n);
  for (unsigned k = 0U; k < count; ++k) {
    MxStripTaps taps;
    mx_strip_process_bank_back(
      bank[k]->strip, node_taps(proc, bank[k], &taps), proc->out[0], proc->out[1], n);
    run_edges(proc, bank[k], n);
  }
  return t;
}

// Copy a node's own output to the host
static void
write_output(const MxProcess* const      proc,
             const MxProcNode* const     node,
             const MxEngineOutput* const out,
             const uint32_t              n)
{
  const float* const mono = proc->tap[MX_TAP_POST_FADER][0];
  for (unsigned c = 0U; out && c < node->channels; ++c) {
    if (out->ch[c]) {
      memcpy(out->ch[c], node->channels == 1U ? mono : proc->out[c], n * sizeof(float));
    }
  }
}

// The input of a bus or the master: the aligned strip sum plus the bus sum
static void
gather(MxProcNode* const node, const uint32_t n)
{
  if (node->sum_delay) {
    mx_delay_process(node->sum_delay, node->sum[0], n);
  }
  for (unsigned c = 0U; c < node->channels; ++c) {
    mx_mix_add(node->sum[0][c], node->sum[1][c], 1.0f, n);
  }
}

static void
clear_sums(MxProcNode* const node, const uint32_t n)
{
  for (unsigned i = 0U; node && i < 2U; ++i) {
    for (unsigned c = 0U; c < node->channels; ++c) {
      memset(node->sum[i][c], 0, n * sizeof(float));
    }
  }
}

// Hand back nodes that have faded out; a full ring means "next period"
static void
retire(MxProcess* const proc, MxProcNode** const slot)
{
  MxProcNode* const node = *slot;
  if (!node || !node->leaving || !mx_strip_is_silenced(node->strip)) {
    return;
  }
  if (mx_ring_write(proc->retired, MX_MSG_RETIRED, &node, sizeof(node)) != MX_SUCCESS) {
    return;
  }
  *slot = NULL;
  if (node->kind == MX_NODE_BUS) {
    cut_edges_into(proc, node->slot);
  }
}

static uint32_t
add_meters(const MxProcNode* const node, MxSnapshotNode* const entry)
{
  if (!node) {
    return 0U;
  }
  entry->kind = (uint32_t)node->kind;
  entry->slot = node->slot;
  mx_strip_read_meters(node->strip, &entry->meters);
  return 1U;
}

// Publish the meters, if the main thread has made room for them
static void
snapshot(MxProcess* const proc)
{
  MxSnapshotHeader* const head    = (MxSnapshotHeader*)(void*)proc->snapshot;
  MxSnapshotNode* const   entries = (MxSnapshotNode*)(void*)(proc->snapshot + sizeof(*head));
  if (mx_ring_write_space(proc->meters) < proc->snapshot_bytes + MX_RING_HEADER_SIZE) {
    return;
  }

  uint32_t count = 0U;
  for (uint32_t s = 0U; s < proc->config.limits.strips; ++s) {
    count += add_meters(proc->strips[s], &entries[count]);
  }
  for (uint32_t b = 0U; b < proc->config.limits.buses; ++b) {
    count += add_meters(proc->buses[b], &entries[count]);
  }
  count += add_meters(proc->master, &entries[count]);
  head->count  = count;
  head->frames = proc->frames;
  mx_loudness_read(proc->loudness, &head->loudness);
  mx_ring_write(proc->meters,
                MX_MSG_METERS,
                proc->snapshot,
                (uint32_t)(sizeof(*head) + count * sizeof(MxSnapshotNode)));
}

void
mx_proc_run(MxProcess* const proc, const MxEngineIo* const io, const uint32_t n)
{
  assert(n >= 1U && n <= proc->config.max_block);
  const MxLimits limits = proc->config.limits;
  mx_proc_drain(proc);

  for (uint32_t b = 0U; b < limits.buses; ++b) {
    clear_sums(proc->buses[b], n);
  }
  clear_sums(proc->master, n);
  memset(proc->mon[0], 0, n * sizeof(float));
  memset(proc->mon[1], 0, n * sizeof(float));

  // Strips, in banks where they can
  for (uint32_t s = 0U; s < limits.strips;) {
    s = run_strips(proc, io, s, n);
  }

  // Buses, sources first
  for (uint32_t i = 0U; i < proc->n_order; ++i) {
    const uint32_t    b    = proc->order[i];
    MxProcNode* const node = b < limits.buses ? proc->buses[b] : NULL;
    if (node) {
      gather(node, n);
      run_node(proc, node, (const float* const*)node->sum[0], n);
      write_output(proc, node, io && io->buses ? &io->buses[b] : NULL, n);
    }
  }

  // Master, its loudness and the monitor
  MxProcNode* const master = proc->master;
  gather(master, n);
  run_node(proc, master, (const float* const*)master->sum[0], n);
  write_output(proc, master, io ? &io->master : NULL, n);
  mx_loudness_process(proc->loudness, (const float* const*)proc->out, n);

  const float* master_out[2] = { proc->out[0], proc->out[1] };
  mx_mix_edge_process(&proc->monitor_master, master_out, proc->mon, n);
  mx_gain_process_channels(&proc->monitor_level, proc->mon, 2U, n);
  for (unsigned c = 0U; io && c < 2U; ++c) {
    if (io->monitor.ch[c]) {
      memcpy(io->monitor.ch[c], proc->mon[c], n * sizeof(float));
    }
  }

  // Housekeeping
  for (uint32_t s = 0U; s < limits.strips; ++s) {
    retire(proc, &proc->strips[s]);
  }
  for (uint32_t b = 0U; b < limits.buses; ++b) {
    retire(proc, &proc->buses[b]);
  }
  proc->frames += n;
  if (proc->frames >= proc->next_snapshot) {
    snapshot(proc);
    proc->next_snapshot = proc->frames + proc->meter_period;
  }
}
