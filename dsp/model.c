// SPDX-License-Identifier: GPL-3.0-or-later

#include "model.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/*
  DESIGN: every strip and bus slot, and the master, is a Channel, all
  allocated up front with their send, route and membership arrays in one
  pool, so adding a node never allocates.  Every value is a float reached
  through value_ptr(), so that checking, setting, getting and defaults are
  one code path for every control of params.h.
*/

/// Fields of a send, in MxParam order from MX_P_SEND_LEVEL
enum { SEND_FIELDS = MX_P_SEND_PAN - MX_P_SEND_LEVEL + 1 };

/// Fields of an EQ band, in MxParam order from MX_P_EQ_BAND_ON
enum { BAND_FIELDS = MX_P_EQ_BAND_Q - MX_P_EQ_BAND_ON + 1 };

/// A strip, a bus or the master
typedef struct {
  MxSlotState state;                                ///< Free, used or leaving
  char        name[MX_NAME_MAX + 1U];               ///< Name (strips and buses)
  unsigned    channels;                             ///< 1 or 2
  MxBusKind   bus_kind;                             ///< Kind, for a bus
  float       v[MX_P_COUNT];                        ///< Controls without a sub-index
  float       band[MX_PARAM_EQ_BANDS][BAND_FIELDS]; ///< EQ bands
  float*      sends;                                ///< [bus slot][SEND_FIELDS]
  float*      routes;                               ///< [bus slot], 0 or 1
  float*      vca;                                  ///< [VCA], 0 or 1
  float*      mute_group;                           ///< [mute group], 0 or 1
} Channel;

/// Where the nodes of one kind live, and their order
typedef struct {
  Channel*  slots; ///< Every slot
  uint32_t* order; ///< Slots of the visible nodes, by position
  uint32_t  count; ///< Visible nodes
  uint32_t  limit; ///< Slots
} Nodes;

struct MxModelImpl {
  MxLimits limits;                            ///< Capacity
  bool     hold_removed;                      ///< Removed nodes wait for mx_model_release()
  Nodes    strips;                            ///< Channel strips
  Nodes    buses;                             ///< Aux and group buses
  Channel  master;                            ///< Master bus
  float*   vca_fader;                         ///< [VCA] fader offsets, dB
  float*   vca_mute;                          ///< [VCA] mutes
  float*   group_mute;                        ///< [mute group] mutes
  float    monitor_mode;                      ///< MxSoloMode
  float    monitor_level;                     ///< Monitor level, dB
  float*   pool;                              ///< Every array above, one allocation
  char (*rules)[2][MX_PORT_PATTERN_MAX + 1U]; ///< [rule][from, to]: connection rules
  uint32_t n_rules;                           ///< Entries of `rules`
  uint64_t generation;                        ///< Changes made so far
};

MxLimits
mx_limits_default(void)
{
  const MxLimits limits = { MX_LIMIT_DEFAULT_STRIPS,
                            MX_LIMIT_DEFAULT_BUSES,
                            MX_LIMIT_DEFAULT_VCAS,
                            MX_LIMIT_DEFAULT_MUTE_GROUPS };
  return limits;
}

static bool
limits_valid(const MxLimits* const l)
{
  return l->strips >= 1U && l->strips <= MX_LIMIT_MAX_STRIPS && l->buses >= 1U &&
         l->buses <= MX_LIMIT_MAX_BUSES && l->vcas >= 1U && l->vcas <= MX_LIMIT_MAX_VCAS &&
         l->mute_groups >= 1U && l->mute_groups <= MX_LIMIT_MAX_MUTE_GROUPS;
}

// Floats one channel takes from the pool
static size_t
channel_floats(const MxLimits* const l)
{
  return (size_t)l->buses * (SEND_FIELDS + 1U) + l->vcas + l->mute_groups;
}

static void
attach_channel(Channel* const ch, float** const pool, const MxLimits* const l)
{
  ch->sends      = *pool;
  ch->routes     = ch->sends + (size_t)l->buses * SEND_FIELDS;
  ch->vca        = ch->routes + l->buses;
  ch->mute_group = ch->vca + l->vcas;
  *pool += channel_floats(l);
}

static void
reset_send(const MxModel* const model, Channel* const ch, const uint32_t bus_slot)
{
  float* const s = ch->sends + (size_t)bus_slot * SEND_FIELDS;
  (void)model;
  for (unsigned f = 0U; f < SEND_FIELDS; ++f) {
    s[f] = mx_param_info((MxParam)(MX_P_SEND_LEVEL + f))->def;
  }
  ch->routes[bus_slot] = 0.0f;
}

// Give every control of a channel its default
static void
reset_channel(const MxModel* const model, Channel* const ch, const MxNodeKind kind)
{
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    ch->v[p] = mx_param_default((MxParam)p, 0U, kind, ch->bus_kind);
  }
  for (unsigned b = 0U; b < MX_PARAM_EQ_BANDS; ++b) {
    for (unsigned f = 0U; f < BAND_FIELDS; ++f) {
      ch->band[b][f] = mx_param_default((MxParam)(MX_P_EQ_BAND_ON + f), b, kind, ch->bus_kind);
    }
  }
  for (uint32_t b = 0U; b < model->limits.buses; ++b) {
    reset_send(model, ch, b);
  }
  memset(ch->vca, 0, model->limits.vcas * sizeof(float));
  memset(ch->mute_group, 0, model->limits.mute_groups * sizeof(float));
}

MxModel*
mx_model_new(const MxLimits* const limits, const bool hold_removed)
{
  if (!limits || !limits_valid(limits)) {
    return NULL;
  }

  MxModel* const model = (MxModel*)calloc(1U, sizeof(MxModel));
  if (!model) {
    return NULL;
  }

  const MxLimits l        = *limits;
  const size_t   channels = (size_t)l.strips + l.buses + 1U;
  model->limits           = l;
  model->hold_removed     = hold_removed;
  model->pool =
    (float*)calloc(channels * channel_floats(&l) + 2U * l.vcas + l.mute_groups, sizeof(float));
  model->strips.slots = (Channel*)calloc(l.strips, sizeof(Channel));
  model->buses.slots  = (Channel*)calloc(l.buses, sizeof(Channel));
  model->strips.order = (uint32_t*)calloc(l.strips, sizeof(uint32_t));
  model->buses.order  = (uint32_t*)calloc(l.buses, sizeof(uint32_t));
  model->rules        = calloc(MX_CONNECTIONS_MAX, sizeof(*model->rules));
  if (!model->pool || !model->strips.slots || !model->buses.slots || !model->strips.order ||
      !model->buses.order || !model->rules) {
    mx_model_free(model);
    return NULL;
  }

  float* pool = model->pool;
  for (uint32_t s = 0U; s < l.strips; ++s) {
    attach_channel(&model->strips.slots[s], &pool, &l);
  }
  for (uint32_t b = 0U; b < l.buses; ++b) {
    attach_channel(&model->buses.slots[b], &pool, &l);
  }
  attach_channel(&model->master, &pool, &l);
  model->vca_fader    = pool;
  model->vca_mute     = pool + l.vcas;
  model->group_mute   = pool + 2U * l.vcas;
  model->strips.limit = l.strips;
  model->buses.limit  = l.buses;

  model->master.state    = MX_SLOT_USED;
  model->master.channels = 2U;
  strcpy(model->master.name, "master");
  reset_channel(model, &model->master, MX_NODE_MASTER);
  for (uint32_t v = 0U; v < l.vcas; ++v) {
    model->vca_fader[v] = mx_param_info(MX_P_FADER)->def;
  }
  model->monitor_mode  = mx_param_info(MX_P_MONITOR_MODE)->def;
  model->monitor_level = mx_param_info(MX_P_MONITOR_LEVEL)->def;
  return model;
}

void
mx_model_free(MxModel* const model)
{
  if (!model) {
    return;
  }

  free(model->rules);
  free(model->buses.order);
  free(model->strips.order);
  free(model->buses.slots);
  free(model->strips.slots);
  free(model->pool);
  free(model);
}

MxLimits
mx_model_limits(const MxModel* const model)
{
  return model->limits;
}

// ---------------------------------------------------------------------------
// Nodes

static Nodes*
nodes_of(MxModel* const model, const MxNodeKind kind)
{
  return kind == MX_NODE_STRIP ? &model->strips : kind == MX_NODE_BUS ? &model->buses : NULL;
}

static const Nodes*
const_nodes_of(const MxModel* const model, const MxNodeKind kind)
{
  return nodes_of((MxModel*)model, kind);
}

// The channel of a strip, bus or master node, or NULL
static Channel*
channel_of(MxModel* const model, const MxNode node)
{
  if (node.kind == MX_NODE_MASTER) {
    return node.index == 0U ? &model->master : NULL;
  }

  Nodes* const nodes = nodes_of(model, node.kind);
  return nodes && node.index < nodes->count ? &nodes->slots[nodes->order[node.index]] : NULL;
}

static const Channel*
const_channel_of(const MxModel* const model, const MxNode node)
{
  return channel_of((MxModel*)model, node);
}

MxStatus
mx_model_check_name(const char* const name)
{
  static const char* const reserved[] = { "add", "master", "monitor" };

  const size_t len = name ? strlen(name) : 0U;
  if (len == 0U || len > MX_NAME_MAX || isdigit((unsigned char)name[0])) {
    return MX_ERR_BAD_ARG;
  }
  for (size_t i = 0U; i < len; ++i) {
    const unsigned char c = (unsigned char)name[i];
    if (!isalnum(c) && c != '_' && c != '-' && c != '.') {
      return MX_ERR_BAD_ARG;
    }
  }
  for (size_t r = 0U; r < sizeof(reserved) / sizeof(*reserved); ++r) {
    if (!strcmp(name, reserved[r])) {
      return MX_ERR_BAD_ARG;
    }
  }
  return MX_SUCCESS;
}

MxStatus
mx_model_find(const MxModel* const model,
              const MxNodeKind     kind,
              const char* const    name,
              uint32_t* const      index)
{
  const Nodes* const nodes = const_nodes_of(model, kind);
  for (uint32_t i = 0U; nodes && name && i < nodes->count; ++i) {
    if (!strcmp(nodes->slots[nodes->order[i]].name, name)) {
      *index = i;
      return MX_SUCCESS;
    }
  }
  return MX_ERR_NOT_FOUND;
}

static MxStatus
add_node(MxModel* const    model,
         const MxNodeKind  kind,
         const char* const name,
         const MxBusKind   bus_kind,
         const unsigned    channels,
         uint32_t* const   index)
{
  MxStatus     st    = MX_SUCCESS;
  Nodes* const nodes = nodes_of(model, kind);
  uint32_t     found = 0U;
  TRY(st, mx_model_check_name(name));
  if (channels < 1U || channels > 2U || (unsigned)bus_kind >= MX_BUS_KIND_N) {
    return MX_ERR_BAD_ARG;
  }
  if (!mx_model_find(model, kind, name, &found)) {
    return MX_ERR_EXISTS;
  }

  uint32_t slot = 0U;
  while (slot < nodes->limit && nodes->slots[slot].state != MX_SLOT_FREE) {
    ++slot;
  }
  if (slot == nodes->limit) {
    return MX_ERR_FULL;
  }

  Channel* const ch = &nodes->slots[slot];
  ch->state         = MX_SLOT_USED;
  ch->channels      = channels;
  ch->bus_kind      = bus_kind;
  strcpy(ch->name, name);
  reset_channel(model, ch, kind);
  nodes->order[nodes->count] = slot;
  if (index) {
    *index = nodes->count;
  }
  ++nodes->count;
  ++model->generation;
  return MX_SUCCESS;
}

MxStatus
mx_model_add_strip(MxModel* const    model,
                   const char* const name,
                   const unsigned    channels,
                   uint32_t* const   index)
{
  return add_node(model, MX_NODE_STRIP, name, MX_BUS_AUX, channels, index);
}

MxStatus
mx_model_add_bus(MxModel* const    model,
                 const char* const name,
                 const MxBusKind   kind,
                 const unsigned    channels,
                 uint32_t* const   index)
{
  return add_node(model, MX_NODE_BUS, name, kind, channels, index);
}

// Every channel that can send or route to a bus: strips, buses, master
static void
forget_bus(MxModel* const model, const uint32_t bus_slot)
{
  for (uint32_t s = 0U; s < model->strips.limit; ++s) {
    reset_send(model, &model->strips.slots[s], bus_slot);
  }
  for (uint32_t b = 0U; b < model->buses.limit; ++b) {
    reset_send(model, &model->buses.slots[b], bus_slot);
  }
}

MxStatus
mx_model_remove(MxModel* const model, const MxNode node)
{
  Nodes* const nodes = nodes_of(model, node.kind);
  if (!nodes) {
    return MX_ERR_BAD_ARG;
  }
  if (node.index >= nodes->count) {
    return MX_ERR_NOT_FOUND;
  }

  const uint32_t slot = nodes->order[node.index];
  memmove(nodes->order + node.index,
          nodes->order + node.index + 1U,
          (nodes->count - node.index - 1U) * sizeof(uint32_t));
  --nodes->count;
  if (node.kind == MX_NODE_BUS) {
    forget_bus(model, slot);
  }
  nodes->slots[slot].state = model->hold_removed ? MX_SLOT_LEAVING : MX_SLOT_FREE;
  ++model->generation;
  return MX_SUCCESS;
}

MxStatus
mx_model_move(MxModel* const model, const MxNode node, const uint32_t position)
{
  Nodes* const nodes = nodes_of(model, node.kind);
  if (!nodes || node.index >= nodes->count || position >= nodes->count) {
    return MX_ERR_NOT_FOUND;
  }

  const uint32_t slot = nodes->order[node.index];
  if (position < node.index) {
    memmove(nodes->order + position + 1U,
            nodes->order + position,
            (node.index - position) * sizeof(uint32_t));
  } else {
    memmove(nodes->order + node.index,
            nodes->order + node.index + 1U,
            (position - node.index) * sizeof(uint32_t));
  }
  nodes->order[position] = slot;
  ++model->generation;
  return MX_SUCCESS;
}

MxStatus
mx_model_rename(MxModel* const model, const MxNode node, const char* const name)
{
  MxStatus st    = MX_SUCCESS;
  uint32_t found = 0U;
  if (!nodes_of(model, node.kind)) {
    return MX_ERR_BAD_ARG;
  }
  Channel* const ch = channel_of(model, node);
  if (!ch) {
    return MX_ERR_NOT_FOUND;
  }
  TRY(st, mx_model_check_name(name));
  if (!mx_model_find(model, node.kind, name, &found) && found != node.index) {
    return MX_ERR_EXISTS;
  }
  strcpy(ch->name, name);
  ++model->generation;
  return MX_SUCCESS;
}

MxStatus
mx_model_release(MxModel* const model, const MxNodeKind kind, const uint32_t slot)
{
  Nodes* const nodes = nodes_of(model, kind);
  if (!nodes || slot >= nodes->limit || nodes->slots[slot].state != MX_SLOT_LEAVING) {
    return MX_ERR_BAD_ARG;
  }
  nodes->slots[slot].state = MX_SLOT_FREE;
  ++model->generation;
  return MX_SUCCESS;
}

uint32_t
mx_model_count(const MxModel* const model, const MxNodeKind kind)
{
  switch (kind) {
    case MX_NODE_STRIP:
      return model->strips.count;
    case MX_NODE_BUS:
      return model->buses.count;
    case MX_NODE_VCA:
      return model->limits.vcas;
    case MX_NODE_MUTE_GROUP:
      return model->limits.mute_groups;
    case MX_NODE_MASTER:
    case MX_NODE_MONITOR:
      return 1U;
  }
  return 0U;
}

bool
mx_model_exists(const MxModel* const model, const MxNode node)
{
  return (unsigned)node.kind < MX_NODE_N && node.index < mx_model_count(model, node.kind);
}

const char*
mx_model_name(const MxModel* const model, const MxNode node)
{
  if (node.kind == MX_NODE_MONITOR) {
    return "monitor";
  }
  const Channel* const ch = const_channel_of(model, node);
  return ch ? ch->name : "";
}

unsigned
mx_model_channels(const MxModel* const model, const MxNode node)
{
  if (node.kind == MX_NODE_MONITOR) {
    return 2U;
  }
  const Channel* const ch = const_channel_of(model, node);
  return ch ? ch->channels : 0U;
}

MxBusKind
mx_model_bus_kind(const MxModel* const model, const MxNode node)
{
  const Channel* const ch = node.kind == MX_NODE_BUS ? const_channel_of(model, node) : NULL;
  return ch ? ch->bus_kind : MX_BUS_AUX;
}

uint32_t
mx_model_slot(const MxModel* const model, const MxNode node)
{
  const Nodes* const nodes = const_nodes_of(model, node.kind);
  return nodes && node.index < nodes->count ? nodes->order[node.index] : 0U;
}

// ---------------------------------------------------------------------------
// Controls

// Is bus `to` reachable from bus `from` over routes (slots)?  Bus graphs
// are small (at most MX_LIMIT_MAX_BUSES), so an explicit-stack DFS is cheap
static bool
reaches(const MxModel* const model, const uint32_t from, const uint32_t to, uint32_t* const prev)
{
  const uint32_t limit = model->buses.limit;
  uint32_t       stack[MX_LIMIT_MAX_BUSES];
  bool           seen[MX_LIMIT_MAX_BUSES] = { false };
  uint32_t       top                      = 0U;
  stack[top++]                            = from;
  seen[from]                              = true;
  while (top) {
    const uint32_t b = stack[--top];
    if (b == to) {
      return true;
    }
    const Channel* const ch = &model->buses.slots[b];
    for (uint32_t d = 0U; d < limit; ++d) {
      if (ch->routes[d] != 0.0f && !seen[d] && model->buses.slots[d].state == MX_SLOT_USED) {
        seen[d] = true;
        if (prev) {
          prev[d] = b;
        }
        stack[top++] = d;
      }
    }
  }
  return false;
}

uint32_t
mx_model_route_path(const MxModel* const model,
                    const uint32_t       from,
                    const uint32_t       to,
                    uint32_t* const      path,
                    const uint32_t       max)
{
  uint32_t prev[MX_LIMIT_MAX_BUSES];
  if (from >= model->buses.count || to >= model->buses.count) {
    return 0U;
  }

  const uint32_t from_slot = model->buses.order[from];
  const uint32_t to_slot   = model->buses.order[to];
  if (!reaches(model, from_slot, to_slot, prev)) {
    return 0U;
  }

  // Walk back from `to`, then turn slots into positions, first to last
  uint32_t slots[MX_LIMIT_MAX_BUSES];
  uint32_t n = 0U;
  for (uint32_t s = to_slot; n < MX_LIMIT_MAX_BUSES; s = prev[s]) {
    slots[n++] = s;
    if (s == from_slot) {
      break;
    }
  }
  uint32_t written = 0U;
  for (uint32_t i = n; i-- > 0U && written < max;) {
    for (uint32_t pos = 0U; pos < model->buses.count; ++pos) {
      if (model->buses.order[pos] == slots[i]) {
        path[written++] = pos;
      }
    }
  }
  return written;
}

uint32_t
mx_model_sub_count(const MxModel* const model, const MxNode node, const MxParam param)
{
  const MxParamInfo* const info = mx_param_info(param);
  (void)node;
  switch (info ? info->sub : MX_SUB_NONE) {
    case MX_SUB_NONE:
      return 1U;
    case MX_SUB_BAND:
      return MX_PARAM_EQ_BANDS;
    case MX_SUB_BUS:
      return model->buses.count;
    case MX_SUB_VCA:
      return model->limits.vcas;
    case MX_SUB_MUTE_GROUP:
      return model->limits.mute_groups;
  }
  return 1U;
}

// Where a value lives, for a node (kind, slot) and a sub-index in storage
// terms (band, bus slot, VCA, mute group); NULL if it is not stored there
static float*
value_ptr(MxModel* const   model,
          const MxNodeKind kind,
          const uint32_t   slot,
          const MxParam    param,
          const uint32_t   sub)
{
  switch (kind) {
    case MX_NODE_VCA:
      return slot >= model->limits.vcas ? NULL
             : param == MX_P_FADER      ? &model->vca_fader[slot]
             : param == MX_P_MUTE       ? &model->vca_mute[slot]
                                        : NULL;
    case MX_NODE_MUTE_GROUP:
      return slot < model->limits.mute_groups && param == MX_P_MUTE ? &model->group_mute[slot]
                                                                    : NULL;
    case MX_NODE_MONITOR:
      return param == MX_P_MONITOR_MODE    ? &model->monitor_mode
             : param == MX_P_MONITOR_LEVEL ? &model->monitor_level
                                           : NULL;
    case MX_NODE_STRIP:
    case MX_NODE_BUS:
    case MX_NODE_MASTER:
      break;
  }

  Channel* ch = &model->master;
  if (kind != MX_NODE_MASTER) {
    Nodes* const nodes = nodes_of(model, kind);
    if (slot >= nodes->limit || nodes->slots[slot].state == MX_SLOT_FREE) {
      return NULL;
    }
    ch = &nodes->slots[slot];
  }

  const MxParamInfo* const info = mx_param_info(param);
  switch (info ? info->sub : MX_SUB_NONE) {
    case MX_SUB_NONE:
      return info ? &ch->v[param] : NULL;
    case MX_SUB_BAND:
      return sub < MX_PARAM_EQ_BANDS ? &ch->band[sub][param - MX_P_EQ_BAND_ON] : NULL;
    case MX_SUB_BUS:
      if (sub >= model->limits.buses) {
        return NULL;
      }
      return param == MX_P_ROUTE
               ? &ch->routes[sub]
               : &ch->sends[(size_t)sub * SEND_FIELDS + (param - MX_P_SEND_LEVEL)];
    case MX_SUB_VCA:
      return sub < model->limits.vcas ? &ch->vca[sub] : NULL;
    case MX_SUB_MUTE_GROUP:
      return sub < model->limits.mute_groups ? &ch->mute_group[sub] : NULL;
  }
  return NULL;
}

// The node's slot and the sub-index in storage terms, for the public API
static MxStatus
resolve(const MxModel* const model,
        const MxNode         node,
        const MxParam        param,
        const uint32_t       sub,
        uint32_t* const      slot,
        uint32_t* const      sub_slot)
{
  const MxParamInfo* const info = mx_param_info(param);
  if (!info) {
    return MX_ERR_NOT_FOUND;
  }
  if (!mx_model_exists(model, node) || sub >= mx_model_sub_count(model, node, param)) {
    return MX_ERR_NOT_FOUND;
  }
  if (!mx_model_applies(model, node, param, sub)) {
    return MX_ERR_NOT_APPLICABLE;
  }

  *slot     = const_nodes_of(model, node.kind) ? mx_model_slot(model, node) : node.index;
  *sub_slot = info->sub == MX_SUB_BUS ? model->buses.order[sub] : sub;
  return MX_SUCCESS;
}

bool
mx_model_applies(const MxModel* const model,
                 const MxNode         node,
                 const MxParam        param,
                 const uint32_t       sub)
{
  const MxParamInfo* const info = mx_param_info(param);
  if (!info || !mx_model_exists(model, node) || !(info->nodes & (1U << node.kind)) ||
      sub >= mx_model_sub_count(model, node, param)) {
    return false;
  }
  if ((info->flags & MX_PFLAG_STEREO) && mx_model_channels(model, node) != 2U) {
    return false;
  }
  if (info->sub != MX_SUB_BUS) {
    return true;
  }

  // Sends go to aux buses (a pan only into a stereo one), routes to group
  // buses other than the node itself
  const MxNode    dest = { MX_NODE_BUS, sub };
  const MxBusKind kind = mx_model_bus_kind(model, dest);
  if (param == MX_P_ROUTE) {
    return kind == MX_BUS_GROUP && !(node.kind == MX_NODE_BUS && node.index == sub);
  }
  return kind == MX_BUS_AUX && (param != MX_P_SEND_PAN || mx_model_channels(model, dest) == 2U);
}

MxStatus
mx_model_check(const MxModel* const model,
               const MxNode         node,
               const MxParam        param,
               const uint32_t       sub,
               const float          value)
{
  MxStatus st       = MX_SUCCESS;
  uint32_t slot     = 0U;
  uint32_t sub_slot = 0U;
  TRY(st, resolve(model, node, param, sub, &slot, &sub_slot));
  TRY(st, mx_param_check(param, value));

  // A route from bus a to bus b closes a loop if a is reachable from b
  if (param == MX_P_ROUTE && node.kind == MX_NODE_BUS && value != 0.0f &&
      reaches(model, sub_slot, slot, NULL)) {
    return MX_ERR_CYCLE;
  }
  return MX_SUCCESS;
}

MxStatus
mx_model_set(MxModel* const model,
             const MxNode   node,
             const MxParam  param,
             const uint32_t sub,
             const float    value)
{
  MxStatus st       = MX_SUCCESS;
  uint32_t slot     = 0U;
  uint32_t sub_slot = 0U;
  TRY(st, mx_model_check(model, node, param, sub, value));
  TRY(st, resolve(model, node, param, sub, &slot, &sub_slot));
  *value_ptr(model, node.kind, slot, param, sub_slot) = value;
  ++model->generation;
  return MX_SUCCESS;
}

MxStatus
mx_model_get(const MxModel* const model,
             const MxNode         node,
             const MxParam        param,
             const uint32_t       sub,
             float* const         value)
{
  MxStatus st       = MX_SUCCESS;
  uint32_t slot     = 0U;
  uint32_t sub_slot = 0U;
  TRY(st, resolve(model, node, param, sub, &slot, &sub_slot));
  *value = *value_ptr((MxModel*)model, node.kind, slot, param, sub_slot);
  return MX_SUCCESS;
}

float
mx_model_default(const MxModel* const model,
                 const MxNode         node,
                 const MxParam        param,
                 const uint32_t       sub)
{
  return mx_param_default(param, sub, node.kind, mx_model_bus_kind(model, node));
}

// ---------------------------------------------------------------------------
// Slots, for the engine

MxSlotState
mx_model_slot_state(const MxModel* const model, const MxNodeKind kind, const uint32_t slot)
{
  const Nodes* const nodes = const_nodes_of(model, kind);
  return nodes && slot < nodes->limit ? nodes->slots[slot].state : MX_SLOT_FREE;
}

MxStatus
mx_model_slot_node(const MxModel* const model,
                   const MxNodeKind     kind,
                   const uint32_t       slot,
                   MxNode* const        node)
{
  const Nodes* const nodes = const_nodes_of(model, kind);
  for (uint32_t i = 0U; nodes && i < nodes->count; ++i) {
    if (nodes->order[i] == slot) {
      node->kind  = kind;
      node->index = i;
      return MX_SUCCESS;
    }
  }
  return MX_ERR_NOT_FOUND;
}

MxStatus
mx_model_slot_get(const MxModel* const model,
                  const MxNodeKind     kind,
                  const uint32_t       slot,
                  const MxParam        param,
                  const uint32_t       sub_slot,
                  float* const         value)
{
  const float* const p = value_ptr((MxModel*)model, kind, slot, param, sub_slot);
  if (!p) {
    return MX_ERR_NOT_FOUND;
  }
  *value = *p;
  return MX_SUCCESS;
}

const char*
mx_model_slot_name(const MxModel* const model, const MxNodeKind kind, const uint32_t slot)
{
  const Nodes* const nodes = const_nodes_of(model, kind);
  return nodes && slot < nodes->limit && nodes->slots[slot].state != MX_SLOT_FREE
           ? nodes->slots[slot].name
           : "";
}

unsigned
mx_model_slot_channels(const MxModel* const model, const MxNodeKind kind, const uint32_t slot)
{
  if (kind == MX_NODE_MASTER) {
    return 2U;
  }
  const Nodes* const nodes = const_nodes_of(model, kind);
  return nodes && slot < nodes->limit && nodes->slots[slot].state != MX_SLOT_FREE
           ? nodes->slots[slot].channels
           : 0U;
}

MxBusKind
mx_model_slot_bus_kind(const MxModel* const model, const uint32_t slot)
{
  return slot < model->buses.limit ? model->buses.slots[slot].bus_kind : MX_BUS_AUX;
}

// ---------------------------------------------------------------------------
// Connection rules

static bool
pattern_valid(const char* const p)
{
  return p && p[0] && strlen(p) <= MX_PORT_PATTERN_MAX;
}

static uint32_t
find_rule(const MxModel* const model, const char* const from, const char* const to)
{
  uint32_t i = 0U;
  while (i < model->n_rules &&
         (strcmp(model->rules[i][0], from) || strcmp(model->rules[i][1], to))) {
    ++i;
  }
  return i;
}

bool
mx_model_has_connection(const MxModel* const model, const char* const from, const char* const to)
{
  return find_rule(model, from, to) < model->n_rules;
}

MxStatus
mx_model_add_connection(MxModel* const model, const char* const from, const char* const to)
{
  if (!pattern_valid(from) || !pattern_valid(to)) {
    return MX_ERR_BAD_ARG;
  }
  if (find_rule(model, from, to) < model->n_rules) {
    return MX_ERR_EXISTS;
  }
  if (model->n_rules == MX_CONNECTIONS_MAX) {
    return MX_ERR_FULL;
  }
  strcpy(model->rules[model->n_rules][0], from);
  strcpy(model->rules[model->n_rules][1], to);
  ++model->n_rules;
  ++model->generation;
  return MX_SUCCESS;
}

MxStatus
mx_model_remove_connection(MxModel* const model, const char* const from, const char* const to)
{
  const uint32_t i =
    pattern_valid(from) && pattern_valid(to) ? find_rule(model, from, to) : model->n_rules;
  if (i == model->n_rules) {
    return MX_ERR_NOT_FOUND;
  }
  memmove(
    model->rules + i, model->rules + i + 1U, (model->n_rules - i - 1U) * sizeof(*model->rules));
  --model->n_rules;
  ++model->generation;
  return MX_SUCCESS;
}

void
mx_model_clear_connections(MxModel* const model)
{
  model->generation += model->n_rules != 0U;
  model->n_rules = 0U;
}

uint64_t
mx_model_generation(const MxModel* const model)
{
  return model->generation;
}

uint32_t
mx_model_connection_count(const MxModel* const model)
{
  return model->n_rules;
}

MxStatus
mx_model_connection(const MxModel* const model,
                    const uint32_t       i,
                    const char** const   from,
                    const char** const   to)
{
  if (i >= model->n_rules) {
    return MX_ERR_NOT_FOUND;
  }
  *from = model->rules[i][0];
  *to   = model->rules[i][1];
  return MX_SUCCESS;
}
