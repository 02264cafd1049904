// SPDX-License-Identifier: GPL-3.0-or-later

#include "engine.h"
#include "engine_impl.h"

#include "denormal.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/*
  DESIGN: the main-thread half of the engine.  Every change goes to the
  model first, which validates it; a processor control then becomes one
  MX_CMD_PARAM, while a mix control (params.h MX_PFLAG_MIX) only marks the
  plan stale.  mx_engine_flush() derives the new plan, compares it with
  the one last sent and queues the differences (MX_CMD_NODE, MX_CMD_EDGE,
  the compensation lines, the order, the monitor), then writes the queue
  to the command ring in batches.  So a fader moved on a VCA with forty
  members costs forty small commands, and a session load only sends what
  differs.

  Strips and buses are made here with the model's values applied
  (mx_proc_node_new()) and handed over by pointer; removed ones come back
  through the retire ring once faded out, and are freed here, their slots
  released in the model.  Compensation lines are made here too, the first
  time an edge or a strip sum needs one, and stay with their node.
*/

struct MxEngineImpl {
  MxEngineConfig    config;          ///< As given
  MxModel*          model;           ///< The mix as set
  MxPlan*           plan;            ///< The plan whose commands were queued
  MxPlan*           next;            ///< Where the next plan is derived
  bool              plan_dirty;      ///< A mix control changed since `plan`
  bool*             fresh[2];        ///< [strip slot], [bus slot]: made since `plan`
  bool*             edge_line;       ///< [bus slot][dest]: a compensation line is attached
  bool*             input_line;      ///< [bus slot], then the master: a line is attached
  uint32_t          limiter_latency; ///< Latency of a limiter in the path, samples
  uint32_t          max_delay;       ///< Longest compensation a line holds, samples
  MxCmd*            queue;           ///< Commands not yet written to the ring
  size_t            queued;          ///< Entries of `queue`
  size_t            queue_size;      ///< Capacity of `queue`
  unsigned          depth;           ///< Open transactions
  MxEngineMeters*   meters;          ///< [strip slots, bus slots, master]: merged since taken
  bool*             metered;         ///< [as `meters`]: something was merged
  MxLoudnessReading loudness;        ///< The master's loudness at the last snapshot
  uint8_t*          inbox;           ///< Where a meter snapshot is read
  MxProcess         proc;            ///< The audio side
  _Atomic uint64_t  frames;          ///< proc.frames, published for any thread
};

MxEngineConfig
mx_engine_config_default(void)
{
  const MxEngineConfig config = { 48000.0, 1024U, mx_limits_default(), 20.0f };
  return config;
}

static bool
config_valid(const MxEngineConfig* const c)
{
  const MxLimits* const l = &c->limits;
  return mx_rate_is_valid(c->rate) && c->max_block >= 1U && c->max_block <= MX_DSP_MAX_BLOCK &&
         c->meter_interval_ms >= 5.0f && c->meter_interval_ms <= 1000.0f && l->strips >= 1U &&
         l->strips <= MX_LIMIT_MAX_STRIPS && l->buses >= 1U && l->buses <= MX_LIMIT_MAX_BUSES &&
         l->vcas >= 1U && l->vcas <= MX_LIMIT_MAX_VCAS && l->mute_groups >= 1U &&
         l->mute_groups <= MX_LIMIT_MAX_MUTE_GROUPS;
}

MxEngine*
mx_engine_new(const MxEngineConfig* const config)
{
  if (!config || !config_valid(config)) {
    return NULL;
  }

  MxEngine* const engine = (MxEngine*)calloc(1U, sizeof(MxEngine));
  if (!engine) {
    return NULL;
  }
  atomic_init(&engine->frames, 0U);

  const MxLimits l     = config->limits;
  const size_t   dests = (size_t)l.buses + 1U;
  const size_t   nodes = (size_t)l.strips + l.buses + 1U;
  engine->config       = *config;
  engine->model        = mx_model_new(&l, true);
  engine->plan         = mx_plan_new(&l);
  engine->next         = mx_plan_new(&l);
  engine->fresh[0]     = (bool*)calloc(l.strips, sizeof(bool));
  engine->fresh[1]     = (bool*)calloc(l.buses, sizeof(bool));
  engine->edge_line    = (bool*)calloc(l.buses * dests, sizeof(bool));
  engine->input_line   = (bool*)calloc(dests, sizeof(bool));
  engine->meters       = (MxEngineMeters*)calloc(nodes, sizeof(MxEngineMeters));
  engine->metered      = (bool*)calloc(nodes, sizeof(bool));
  const MxStatus st    = mx_proc_init(&engine->proc, config);
  engine->inbox        = (uint8_t*)malloc(engine->proc.snapshot_bytes);
  if (st || !engine->model || !engine->plan || !engine->next || !engine->fresh[0] ||
      !engine->fresh[1] || !engine->edge_line || !engine->input_line || !engine->meters ||
      !engine->metered || !engine->inbox) {
    mx_engine_free(engine);
    return NULL;
  }

  engine->limiter_latency         = mx_strip_limiter_latency(engine->proc.master->strip);
  engine->max_delay               = (uint32_t)((double)MX_PROC_MAX_DELAY_MS * 0.001 * config->rate);
  engine->loudness.momentary_lufs = -INFINITY;
  engine->loudness.short_term_lufs         = -INFINITY;
  engine->loudness.integrated_lufs         = -INFINITY;
  engine->loudness.true_peak_dbtp          = -INFINITY;
  engine->loudness.sample_peak_dbfs        = -INFINITY;
  engine->loudness.true_peak_recent_dbtp   = -INFINITY;
  engine->loudness.sample_peak_recent_dbfs = -INFINITY;
  return engine;
}

void
mx_engine_free(MxEngine* const engine)
{
  if (!engine) {
    return;
  }

  // Objects in flight belong to the audio side once applied: apply what
  // the ring and the queue still hold, so that mx_proc_destroy() frees them
  if (engine->proc.commands) {
    mx_proc_drain(&engine->proc);
  }
  for (size_t i = 0U; engine->proc.strips && i < engine->queued; ++i) {
    mx_proc_apply(&engine->proc, &engine->queue[i]);
  }
  mx_proc_destroy(&engine->proc);

  free(engine->inbox);
  free(engine->metered);
  free(engine->meters);
  free(engine->input_line);
  free(engine->edge_line);
  free(engine->fresh[1]);
  free(engine->fresh[0]);
  free(engine->queue);
  mx_plan_free(engine->next);
  mx_plan_free(engine->plan);
  mx_model_free(engine->model);
  free(engine);
}

const MxModel*
mx_engine_model(const MxEngine* const engine)
{
  return engine->model;
}

const MxEngineConfig*
mx_engine_config(const MxEngine* const engine)
{
  return &engine->config;
}

// ---------------------------------------------------------------------------
// The queue

static MxStatus
push(MxEngine* const engine, const MxCmd* const cmd)
{
  if (engine->queued == engine->queue_size) {
    const size_t size  = engine->queue_size ? 2U * engine->queue_size : 256U;
    MxCmd* const queue = (MxCmd*)realloc(engine->queue, size * sizeof(MxCmd));
    if (!queue) {
      return MX_ERR_NO_MEMORY;
    }
    engine->queue      = queue;
    engine->queue_size = size;
  }
  engine->queue[engine->queued++] = *cmd;
  return MX_SUCCESS;
}

static MxStatus
push_node_op(MxEngine* const  engine,
             const MxCmdOp    op,
             const MxNodeKind kind,
             const uint32_t   slot,
             void* const      ptr)
{
  MxCmd cmd;
  memset(&cmd, 0, sizeof(cmd));
  cmd.op    = (uint8_t)op;
  cmd.kind  = (uint8_t)kind;
  cmd.slot  = slot;
  cmd.v.ptr = ptr;
  return push(engine, &cmd);
}

// Write the queue to the ring in batches; what does not fit waits
static MxStatus
send(MxEngine* const engine)
{
  const size_t per_batch = MX_ENGINE_BATCH_BYTES / sizeof(MxCmd);
  size_t       sent      = 0U;
  if (!engine->queued) {
    return MX_SUCCESS;
  }
  while (sent < engine->queued) {
    const size_t n = engine->queued - sent < per_batch ? engine->queued - sent : per_batch;
    if (mx_ring_write(engine->proc.commands,
                      MX_MSG_BATCH,
                      engine->queue + sent,
                      (uint32_t)(n * sizeof(MxCmd)))) {
      break;
    }
    sent += n;
  }

  memmove(engine->queue, engine->queue + sent, (engine->queued - sent) * sizeof(MxCmd));
  engine->queued -= sent;
  return engine->queued ? MX_FAILURE : MX_SUCCESS;
}

// ---------------------------------------------------------------------------
// Plan differences

static MxNode
make_node(const MxNodeKind kind, const uint32_t slot)
{
  const MxNode node = { kind, slot };
  return node;
}

static uint32_t
dest_slot(const MxEngine* const engine, const MxNodeKind kind, const uint32_t slot)
{
  return kind == MX_NODE_MASTER ? engine->config.limits.buses : slot;
}

// A compensation line: attach one the first time it is needed, then set it
static MxStatus
sync_line(MxEngine* const engine,
          bool* const     attached,
          MxCmd* const    cmd,
          const uint32_t  channels,
          const uint32_t  now,
          const uint32_t  before)
{
  cmd->u     = now;
  cmd->v.ptr = NULL;
  if (now > 0U && !*attached) {
    cmd->v.ptr = mx_delay_new(channels, MX_PROC_MAX_DELAY_MS, engine->config.rate);
    if (!cmd->v.ptr) {
      return MX_ERR_NO_MEMORY;
    }
    *attached = true;
  } else if (!*attached || now == before) {
    return MX_SUCCESS;
  }
  return push(engine, cmd);
}

static bool
edge_differs(const MxPlanEdge* const a, const MxPlanEdge* const b)
{
  return a->mode != b->mode || a->source != b->source || a->gain[0] != b->gain[0] ||
         a->gain[1] != b->gain[1];
}

static MxStatus
sync_node(MxEngine* const engine, const MxNodeKind kind, const uint32_t slot)
{
  MxStatus                st    = MX_SUCCESS;
  const MxPlanNode* const a     = mx_plan_node(engine->plan, kind, slot);
  const MxPlanNode* const b     = mx_plan_node(engine->next, kind, slot);
  const bool              fresh = kind != MX_NODE_MASTER && engine->fresh[kind][slot];
  const bool              added = fresh || !a->present;
  const uint32_t          dests = engine->config.limits.buses + 1U;
  if (!b->present) {
    return MX_SUCCESS;
  }

  MxCmd cmd;
  memset(&cmd, 0, sizeof(cmd));
  cmd.kind = (uint8_t)kind;
  cmd.slot = slot;
  if (added || a->fader_db != b->fader_db || a->mute != b->mute || a->limiter != b->limiter ||
      a->monitor != b->monitor) {
    cmd.op     = MX_CMD_NODE;
    cmd.v.f[0] = b->fader_db;
    cmd.u      = (b->mute ? MX_CMD_NODE_MUTE : 0U) | (b->limiter ? MX_CMD_NODE_LIMITER : 0U);
    cmd.param  = b->monitor;
    TRY(st, push(engine, &cmd));
  }

  if (kind != MX_NODE_STRIP) {
    const uint32_t d = dest_slot(engine, kind, slot);
    cmd.op           = MX_CMD_INPUT_DELAY;
    TRY(st,
        sync_line(engine,
                  &engine->input_line[d],
                  &cmd,
                  b->channels,
                  b->input_delay,
                  added ? 0U : a->input_delay));
  }

  for (uint32_t d = 0U; kind != MX_NODE_MASTER && d < dests; ++d) {
    const MxPlanEdge* const ea = mx_plan_edge(engine->plan, kind, slot, d);
    const MxPlanEdge* const eb = mx_plan_edge(engine->next, kind, slot, d);
    cmd.sub                    = d;
    if (added ? eb->mode != MX_EDGE_OFF : edge_differs(ea, eb)) {
      cmd.op     = MX_CMD_EDGE;
      cmd.param  = eb->source;
      cmd.u      = eb->mode;
      cmd.v.f[0] = eb->gain[0];
      cmd.v.f[1] = eb->gain[1];
      TRY(st, push(engine, &cmd));
    }
    if (kind == MX_NODE_BUS) {
      cmd.op = MX_CMD_EDGE_DELAY;
      TRY(st,
          sync_line(engine,
                    &engine->edge_line[(size_t)slot * dests + d],
                    &cmd,
                    2U,
                    eb->delay,
                    added ? 0U : ea->delay));
    }
  }
  return MX_SUCCESS;
}

static MxStatus
sync_order(MxEngine* const engine)
{
  MxStatus        st = MX_SUCCESS;
  const uint32_t  n  = mx_plan_order_count(engine->next);
  const uint32_t* a  = mx_plan_order(engine->plan);
  const uint32_t* b  = mx_plan_order(engine->next);
  if (n == mx_plan_order_count(engine->plan) && !memcmp(a, b, n * sizeof(uint32_t))) {
    return MX_SUCCESS;
  }

  MxCmd cmd;
  memset(&cmd, 0, sizeof(cmd));
  cmd.op = MX_CMD_ORDER;
  for (uint32_t i = 0U; i < n; ++i) {
    cmd.sub = i;
    cmd.u   = b[i];
    TRY(st, push(engine, &cmd));
  }
  cmd.op = MX_CMD_ORDER_COUNT;
  cmd.u  = n;
  return push(engine, &cmd);
}

static MxStatus
sync_plan(MxEngine* const engine)
{
  MxStatus       st     = MX_SUCCESS;
  const MxLimits limits = engine->config.limits;
  TRY(st, mx_plan_derive(engine->next, engine->model, engine->limiter_latency, engine->max_delay));

  for (uint32_t s = 0U; s < limits.strips; ++s) {
    TRY(st, sync_node(engine, MX_NODE_STRIP, s));
  }
  for (uint32_t b = 0U; b < limits.buses; ++b) {
    TRY(st, sync_node(engine, MX_NODE_BUS, b));
  }
  TRY(st, sync_node(engine, MX_NODE_MASTER, 0U));
  TRY(st, sync_order(engine));

  if (mx_plan_monitor_level_db(engine->plan) != mx_plan_monitor_level_db(engine->next) ||
      mx_plan_monitor_solo(engine->plan) != mx_plan_monitor_solo(engine->next)) {
    MxCmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.op     = MX_CMD_MONITOR;
    cmd.v.f[0] = mx_plan_monitor_level_db(engine->next);
    cmd.u      = mx_plan_monitor_solo(engine->next) ? 1U : 0U;
    TRY(st, push(engine, &cmd));
  }

  MxPlan* const old  = engine->plan;
  engine->plan       = engine->next;
  engine->next       = old;
  engine->plan_dirty = false;
  memset(engine->fresh[0], 0, limits.strips * sizeof(bool));
  memset(engine->fresh[1], 0, limits.buses * sizeof(bool));
  return MX_SUCCESS;
}

// ---------------------------------------------------------------------------
// What comes back

static size_t
meter_index(const MxEngine* const engine, const MxNodeKind kind, const uint32_t slot)
{
  const MxLimits l = engine->config.limits;
  return kind == MX_NODE_STRIP ? slot : kind == MX_NODE_BUS ? l.strips + slot : l.strips + l.buses;
}

// Free the nodes the audio side handed back, and release their slots
static void
collect(MxEngine* const engine)
{
  const uint32_t dests = engine->config.limits.buses + 1U;
  MxProcNode*    node  = NULL;
  while (mx_ring_read(engine->proc.retired, NULL, &node, sizeof(node), NULL) == MX_SUCCESS) {
    mx_model_release(engine->model, node->kind, node->slot);
    if (node->kind == MX_NODE_BUS) {
      memset(engine->edge_line + (size_t)node->slot * dests, 0, dests * sizeof(bool));
      engine->input_line[node->slot] = false;
    }
    engine->metered[meter_index(engine, node->kind, node->slot)] = false;
    mx_proc_node_free(node);
    engine->plan_dirty = true;
  }
}

static void
merge_peak(MxMeterPeakReading* const into, const MxMeterPeakReading* const from)
{
  into->peak    = fmaxf(into->peak, from->peak);
  into->bar_db  = from->bar_db;
  into->hold_db = from->hold_db;
}

static void
merge_rms(MxMeterRmsReading* const into, const MxMeterRmsReading* const from)
{
  into->rms     = from->rms;
  into->rms_max = fmaxf(into->rms_max, from->rms_max);
}

// Merge a snapshot into what was not taken yet: maxima stay, the rest is latest
static void
merge(MxEngineMeters* const into, const MxEngineMeters* const from, const bool first)
{
  if (first) {
    *into = *from;
    return;
  }
  for (unsigned c = 0U; c < MX_STRIP_MAX_CHANNELS; ++c) {
    merge_peak(&into->pre_peak[c], &from->pre_peak[c]);
    merge_peak(&into->post_peak[c], &from->post_peak[c]);
    merge_rms(&into->pre_rms[c], &from->pre_rms[c]);
    merge_rms(&into->post_rms[c], &from->post_rms[c]);
  }
  into->gate_reduction_db    = fmaxf(into->gate_reduction_db, from->gate_reduction_db);
  into->comp_reduction_db    = fmaxf(into->comp_reduction_db, from->comp_reduction_db);
  into->limiter_reduction_db = fmaxf(into->limiter_reduction_db, from->limiter_reduction_db);
}

static void
poll_meters(MxEngine* const engine)
{
  uint32_t size = 0U;
  while (
    mx_ring_read(engine->proc.meters, NULL, engine->inbox, engine->proc.snapshot_bytes, &size) ==
    MX_SUCCESS) {
    const MxSnapshotHeader* const head    = (const MxSnapshotHeader*)(const void*)engine->inbox;
    const MxSnapshotNode* const   entries = (const MxSnapshotNode*)(const void*)(head + 1);
    const float                   recent_tp =
      fmaxf(engine->loudness.true_peak_recent_dbtp, head->loudness.true_peak_recent_dbtp);
    const float recent_sp =
      fmaxf(engine->loudness.sample_peak_recent_dbfs, head->loudness.sample_peak_recent_dbfs);
    engine->loudness                         = head->loudness;
    engine->loudness.true_peak_recent_dbtp   = recent_tp;
    engine->loudness.sample_peak_recent_dbfs = recent_sp;
    for (uint32_t i = 0U; i < head->count; ++i) {
      const size_t k = meter_index(engine, (MxNodeKind)entries[i].kind, entries[i].slot);
      merge(&engine->meters[k], &entries[i].meters, !engine->metered[k]);
      engine->metered[k] = true;
    }
  }
}

MxStatus
mx_engine_flush(MxEngine* const engine)
{
  MxStatus st = MX_SUCCESS;
  collect(engine);
  poll_meters(engine);
  if (engine->plan_dirty) {
    TRY(st, sync_plan(engine));
  }
  return send(engine);
}

static MxStatus
changed(MxEngine* const engine)
{
  if (engine->depth) {
    return MX_SUCCESS;
  }
  const MxStatus st = mx_engine_flush(engine);
  return st == MX_FAILURE ? MX_SUCCESS : st; // Queued for later is not an error
}

void
mx_engine_begin(MxEngine* const engine)
{
  ++engine->depth;
}

MxStatus
mx_engine_commit(MxEngine* const engine)
{
  if (engine->depth) {
    --engine->depth;
  }
  return changed(engine);
}

MxStatus
mx_engine_settle(MxEngine* const engine)
{
  MxStatus st = MX_SUCCESS;
  if (engine->plan_dirty) {
    TRY(st, sync_plan(engine));
  }
  TRY(st, push_node_op(engine, MX_CMD_SETTLE, MX_NODE_MASTER, 0U, NULL));
  return changed(engine);
}

// ---------------------------------------------------------------------------
// Changes

static MxStatus
add_node(MxEngine* const engine, const MxNodeKind kind, const uint32_t index)
{
  const MxNode      node = { kind, index };
  const uint32_t    slot = mx_model_slot(engine->model, node);
  MxProcNode* const made = mx_proc_node_new(&engine->proc, engine->model, kind, slot);
  if (!made || push_node_op(engine, MX_CMD_ADD, kind, slot, made)) {
    mx_proc_node_free(made);
    mx_model_remove(engine->model, node);
    mx_model_release(engine->model, kind, slot);
    return MX_ERR_NO_MEMORY;
  }

  engine->fresh[kind][slot] = true;
  engine->plan_dirty        = true;
  return changed(engine);
}

MxStatus
mx_engine_add_strip(MxEngine* const   engine,
                    const char* const name,
                    const unsigned    channels,
                    uint32_t* const   index)
{
  MxStatus st  = MX_SUCCESS;
  uint32_t pos = 0U;
  TRY(st, mx_model_add_strip(engine->model, name, channels, &pos));
  if (index) {
    *index = pos;
  }
  return add_node(engine, MX_NODE_STRIP, pos);
}

MxStatus
mx_engine_add_bus(MxEngine* const   engine,
                  const char* const name,
                  const MxBusKind   kind,
                  const unsigned    channels,
                  uint32_t* const   index)
{
  MxStatus st  = MX_SUCCESS;
  uint32_t pos = 0U;
  TRY(st, mx_model_add_bus(engine->model, name, kind, channels, &pos));
  if (index) {
    *index = pos;
  }
  return add_node(engine, MX_NODE_BUS, pos);
}

MxStatus
mx_engine_remove(MxEngine* const engine, const MxNode node)
{
  MxStatus       st   = MX_SUCCESS;
  const uint32_t slot = mx_model_slot(engine->model, node);
  TRY(st, mx_model_remove(engine->model, node));
  TRY(st, push_node_op(engine, MX_CMD_REMOVE, node.kind, slot, NULL));
  engine->plan_dirty = true;
  return changed(engine);
}

MxStatus
mx_engine_add_connection(MxEngine* const engine, const char* const from, const char* const to)
{
  return mx_model_add_connection(engine->model, from, to);
}

MxStatus
mx_engine_remove_connection(MxEngine* const engine, const char* const from, const char* const to)
{
  return mx_model_remove_connection(engine->model, from, to);
}

MxStatus
mx_engine_rename(MxEngine* const engine, const MxNode node, const char* const name)
{
  return mx_model_rename(engine->model, node, name);
}

MxStatus
mx_engine_move(MxEngine* const engine, const MxNode node, const uint32_t position)
{
  return mx_model_move(engine->model, node, position);
}

MxStatus
mx_engine_set(MxEngine* const engine,
              const MxNode    node,
              const MxParam   param,
              const uint32_t  sub,
              const float     value)
{
  MxStatus                 st   = MX_SUCCESS;
  float                    old  = 0.0f;
  const MxParamInfo* const info = mx_param_info(param);
  TRY(st, mx_model_get(engine->model, node, param, sub, &old));
  TRY(st, mx_model_set(engine->model, node, param, sub, value));

  if (info->flags & MX_PFLAG_DESK) {
    return MX_SUCCESS; // nothing for the audio side
  }
  if (info->flags & MX_PFLAG_MIX) {
    // A new limiter or route lengthens the paths to align: refuse one that
    // would need more compensation than a line holds
    if ((param == MX_P_LIMITER_ON || param == MX_P_ROUTE) && value != 0.0f &&
        mx_plan_derive(engine->next, engine->model, engine->limiter_latency, engine->max_delay)) {
      mx_model_set(engine->model, node, param, sub, old);
      return MX_ERR_RANGE;
    }
    engine->plan_dirty = true;
  } else {
    MxCmd cmd;
    memset(&cmd, 0, sizeof(cmd));
    cmd.op     = MX_CMD_PARAM;
    cmd.kind   = (uint8_t)node.kind;
    cmd.slot   = mx_model_slot(engine->model, node);
    cmd.param  = (uint16_t)param;
    cmd.sub    = sub;
    cmd.v.f[0] = value;
    TRY(st, push(engine, &cmd));
  }
  return changed(engine);
}

// ---------------------------------------------------------------------------
// Loading a whole model

static bool
same_node(const MxModel* const a, const MxNode na, const MxModel* const b, const MxNode nb)
{
  return mx_model_channels(a, na) == mx_model_channels(b, nb) &&
         mx_model_bus_kind(a, na) == mx_model_bus_kind(b, nb);
}

// Make the strips or buses those of `next`, by name, in its order
static MxStatus
load_nodes(MxEngine* const engine, const MxModel* const next, const MxNodeKind kind)
{
  MxStatus st = MX_SUCCESS;
  for (uint32_t i = mx_model_count(engine->model, kind); i-- > 0U;) {
    const MxNode node  = { kind, i };
    uint32_t     found = 0U;
    if (mx_model_find(next, kind, mx_model_name(engine->model, node), &found) ||
        !same_node(engine->model, node, next, make_node(kind, found))) {
      TRY(st, mx_engine_remove(engine, node));
    }
  }

  for (uint32_t i = 0U; i < mx_model_count(next, kind); ++i) {
    const MxNode      want = { kind, i };
    const char* const name = mx_model_name(next, want);
    uint32_t          at   = 0U;
    if (mx_model_find(engine->model, kind, name, &at)) {
      const unsigned channels = mx_model_channels(next, want);
      TRY(st,
          kind == MX_NODE_STRIP
            ? mx_engine_add_strip(engine, name, channels, &at)
            : mx_engine_add_bus(engine, name, mx_model_bus_kind(next, want), channels, &at));
    }
    TRY(st, mx_engine_move(engine, make_node(kind, at), i));
  }
  return MX_SUCCESS;
}

// Set every control of one node that differs; pass 0 only the routes
// that switch off, pass 1 the rest, so that no step closes a loop
static MxStatus
load_values(MxEngine* const      engine,
            const MxModel* const next,
            const MxNode         node,
            const unsigned       pass)
{
  MxStatus st = MX_SUCCESS;
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    const MxParam param = (MxParam)p;
    for (uint32_t sub = 0U; sub < mx_model_sub_count(next, node, param); ++sub) {
      float want = 0.0f;
      float have = 0.0f;
      if (mx_model_get(next, node, param, sub, &want) ||
          mx_model_get(engine->model, node, param, sub, &have) || want == have ||
          (pass == 0U) != (param == MX_P_ROUTE && want == 0.0f)) {
        continue;
      }
      TRY(st, mx_engine_set(engine, node, param, sub, want));
    }
  }
  return MX_SUCCESS;
}

static MxStatus
load(MxEngine* const engine, const MxModel* const next)
{
  MxStatus st = MX_SUCCESS;
  mx_model_clear_connections(engine->model);
  for (uint32_t i = 0U; i < mx_model_connection_count(next); ++i) {
    const char* from = NULL;
    const char* to   = NULL;
    mx_model_connection(next, i, &from, &to);
    TRY(st, mx_model_add_connection(engine->model, from, to));
  }
  TRY(st, load_nodes(engine, next, MX_NODE_STRIP));
  TRY(st, load_nodes(engine, next, MX_NODE_BUS));
  for (unsigned pass = 0U; pass < 2U; ++pass) {
    for (unsigned k = 0U; k < MX_NODE_N; ++k) {
      for (uint32_t i = 0U; i < mx_model_count(next, (MxNodeKind)k); ++i) {
        TRY(st, load_values(engine, next, make_node((MxNodeKind)k, i), pass));
      }
    }
  }
  return MX_SUCCESS;
}

// Slots a load needs of one kind: a node that is replaced keeps its slot
// while it fades out, so the nodes there now and the new ones must fit
// together
static bool
load_fits(const MxEngine* const engine, const MxModel* const next, const MxNodeKind kind)
{
  uint32_t fresh = 0U;
  for (uint32_t i = 0U; i < mx_model_count(next, kind); ++i) {
    uint32_t at = 0U;
    fresh += mx_model_find(engine->model, kind, mx_model_name(next, make_node(kind, i)), &at) ||
             !same_node(engine->model, make_node(kind, at), next, make_node(kind, i));
  }
  const MxLimits limits = engine->config.limits;
  return mx_model_count(engine->model, kind) + fresh <=
         (kind == MX_NODE_STRIP ? limits.strips : limits.buses);
}

MxStatus
mx_engine_load(MxEngine* const engine, const MxModel* const next)
{
  const MxLimits a = mx_model_limits(next);
  const MxLimits b = engine->config.limits;
  if (a.strips != b.strips || a.buses != b.buses || a.vcas != b.vcas ||
      a.mute_groups != b.mute_groups) {
    return MX_ERR_BAD_ARG;
  }
  // Refused before anything changes, rather than half loaded
  if (!load_fits(engine, next, MX_NODE_STRIP) || !load_fits(engine, next, MX_NODE_BUS)) {
    return MX_ERR_FULL;
  }

  mx_engine_begin(engine);
  const MxStatus st   = load(engine, next);
  const MxStatus sent = mx_engine_commit(engine);
  return st ? st : sent;
}

// ---------------------------------------------------------------------------
// Reading back

uint32_t
mx_engine_latency(const MxEngine* const engine)
{
  return mx_plan_latency(engine->plan);
}

uint32_t
mx_engine_output_latency(const MxEngine* const engine, const MxNode node)
{
  if (node.kind == MX_NODE_MASTER || node.kind == MX_NODE_MONITOR) {
    return mx_plan_latency(engine->plan);
  }
  if (node.kind != MX_NODE_BUS || !mx_model_exists(engine->model, node)) {
    return 0U;
  }
  return mx_plan_node(engine->plan, MX_NODE_BUS, mx_model_slot(engine->model, node))->latency;
}

MxStatus
mx_engine_take_meters(MxEngine* const engine, const MxNode node, MxEngineMeters* const out)
{
  if ((node.kind != MX_NODE_STRIP && node.kind != MX_NODE_BUS && node.kind != MX_NODE_MASTER) ||
      !mx_model_exists(engine->model, node)) {
    return MX_ERR_NOT_FOUND;
  }

  poll_meters(engine);
  const size_t k = meter_index(engine, node.kind, mx_model_slot(engine->model, node));
  if (engine->metered[k]) {
    *out = engine->meters[k];
  } else {
    memset(out, 0, sizeof(*out));
  }
  engine->metered[k] = false;
  return MX_SUCCESS;
}

void
mx_engine_loudness(MxEngine* const engine, MxLoudnessReading* const out)
{
  poll_meters(engine);
  *out                                     = engine->loudness;
  engine->loudness.true_peak_recent_dbtp   = -INFINITY;
  engine->loudness.sample_peak_recent_dbfs = -INFINITY;
}

void
mx_engine_process(MxEngine* const engine, const MxEngineIo* const io, const uint32_t n)
{
  // Flush-to-zero for this period whatever the host set: render and live
  // must compute the same numbers
  MxFpState saved;
  mx_denormal_disable(&saved);
  mx_proc_run(&engine->proc, io, n);
  mx_denormal_restore(&saved);
  atomic_store_explicit(&engine->frames, engine->proc.frames, memory_order_relaxed);
}

uint64_t
mx_engine_frames(const MxEngine* const engine)
{
  return atomic_load_explicit(&engine->frames, memory_order_relaxed);
}
