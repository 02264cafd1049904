// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_MODEL_H
#define MX_DSP_MODEL_H

#include "common.h"
#include "params.h"

#include <stdbool.h>
#include <stdint.h>

/// The mix as data: strips, buses, master, VCAs, mute groups, monitor and every control's value.

/*
  A model is what a session file says and what the engine is set to: no
  signal processing, only names, channel counts, routing and values, each
  validated against params.h as it is set.  The engine keeps one as its
  truth (main thread); a session is read into a fresh one first, so a bad
  line is found before anything changes (session.c), and then loaded.

  Strips and buses are addressed by position (0-based, in the order they
  were added); positions close up when one is removed.  Each also has a
  slot, a number that never changes while it exists: the engine's audio
  side and the hosts index their buffers by slot.

  Threads: a model belongs to one thread at a time (the main thread, for
  the engine's).  Nothing here is realtime.
*/

/// Longest strip or bus name, bytes (without the terminating NUL).
#define MX_NAME_MAX 31U

/// Capacity limits, fixed when a model is created.
typedef struct {
  uint32_t strips;      ///< Most strips, 1 to MX_LIMIT_MAX_STRIPS
  uint32_t buses;       ///< Most buses, 1 to MX_LIMIT_MAX_BUSES
  uint32_t vcas;        ///< VCAs, 1 to MX_LIMIT_MAX_VCAS
  uint32_t mute_groups; ///< Mute groups, 1 to MX_LIMIT_MAX_MUTE_GROUPS
} MxLimits;

/// Default and highest capacity limits.
#define MX_LIMIT_DEFAULT_STRIPS 256U
#define MX_LIMIT_DEFAULT_BUSES 64U
#define MX_LIMIT_DEFAULT_VCAS 16U
#define MX_LIMIT_DEFAULT_MUTE_GROUPS 8U
#define MX_LIMIT_MAX_STRIPS 1024U
#define MX_LIMIT_MAX_BUSES 256U
#define MX_LIMIT_MAX_VCAS 64U
#define MX_LIMIT_MAX_MUTE_GROUPS 64U

/// Return the default limits (256 strips, 64 buses, 16 VCAs, 8 mute groups).  Any thread.
MxLimits
mx_limits_default(void);

/// A mix model (opaque; heap object).
typedef struct MxModelImpl MxModel;

/**
   Create an empty model: no strips or buses, the master, VCAs, mute
   groups and monitor at their defaults.

   Free with mx_model_free().  Main thread.
   @param limits Capacity; copied.
   @param hold_removed If true, a removed strip or bus keeps its slot and
   its values, invisibly, until mx_model_release() (the engine fades it out
   first); if false it is gone at once.
   @return The model, or NULL if a limit is out of range or memory ran out.
*/
MxModel*
mx_model_new(const MxLimits* limits, bool hold_removed);

/// Free a model; NULL is a no-op.  Main thread.
void
mx_model_free(MxModel* model);

/// Return the model's limits.
MxLimits
mx_model_limits(const MxModel* model);

/**
   Check a strip or bus name: 1 to MX_NAME_MAX bytes of letters, digits,
   '_', '-' and '.', not starting with a digit (which would read as a
   position), and not "add", "master" or "monitor" (words of the address
   language).
   @return MX_SUCCESS or MX_ERR_BAD_ARG.
*/
MxStatus
mx_model_check_name(const char* name);

/**
   Add a strip at the end.

   Its controls take their defaults (params.h): neutral, routed to the
   master, no sends.
   @param channels 1 or 2.
   @param index Set to its position, if not NULL.
   @return MX_ERR_BAD_ARG for a bad name or channel count, MX_ERR_EXISTS if
   another strip has the name, MX_ERR_FULL at the limit.
*/
MxStatus
mx_model_add_strip(MxModel* model, const char* name, unsigned channels, uint32_t* index);

/**
   Add a bus at the end, as mx_model_add_strip().

   A group bus is routed to the master by default, an aux bus is not.
*/
MxStatus
mx_model_add_bus(MxModel*    model,
                 const char* name,
                 MxBusKind   kind,
                 unsigned    channels,
                 uint32_t*   index);

/**
   Remove a strip or bus.  Sends and routes into a removed bus go with it.

   @return MX_ERR_NOT_FOUND if there is no such node, MX_ERR_BAD_ARG for a
   node that cannot be removed (the master, a VCA...).
*/
MxStatus
mx_model_remove(MxModel* model, MxNode node);

/**
   Move a strip or bus to another position; the others close up.

   @return MX_ERR_NOT_FOUND if either position does not exist.
*/
MxStatus
mx_model_move(MxModel* model, MxNode node, uint32_t position);

/**
   Rename a strip or bus.

   @return As mx_model_add_strip() for the name; MX_ERR_NOT_FOUND if there
   is no such node, MX_ERR_BAD_ARG for a node without a name.
*/
MxStatus
mx_model_rename(MxModel* model, MxNode node, const char* name);

/**
   Free the slot of a removed strip or bus held by `hold_removed`.

   @param kind MX_NODE_STRIP or MX_NODE_BUS.
   @return MX_ERR_BAD_ARG if the slot is not held.
*/
MxStatus
mx_model_release(MxModel* model, MxNodeKind kind, uint32_t slot);

/// Return the number of strips or buses (1 for the master and the monitor, the limit for VCAs and
/// mute groups).
uint32_t
mx_model_count(const MxModel* model, MxNodeKind kind);

/**
   Find a strip or bus by name.

   @return MX_SUCCESS and `*index` set, or MX_ERR_NOT_FOUND.
*/
MxStatus
mx_model_find(const MxModel* model, MxNodeKind kind, const char* name, uint32_t* index);

/// Return true if the node exists.
bool
mx_model_exists(const MxModel* model, MxNode node);

/// Return the name of a strip or bus ("master", "monitor", or "" for the others).
const char*
mx_model_name(const MxModel* model, MxNode node);

/// Return the channels of a strip or bus (2 for the master and the monitor, 0 for the others).
unsigned
mx_model_channels(const MxModel* model, MxNode node);

/// Return the kind of a bus (MX_BUS_AUX for a node that is not a bus).
MxBusKind
mx_model_bus_kind(const MxModel* model, MxNode node);

/// Return the slot of a strip or bus (0 for the others).
uint32_t
mx_model_slot(const MxModel* model, MxNode node);

/**
   Return true if the control exists on this node with this sub-index:
   the node exists and the control is on its kind (params.h nodes), a
   stereo-only control is on a stereo node, the sub-index counts something
   that exists, and a send goes to an aux bus, a route to a group bus other
   than the node itself, a send pan to a stereo bus.
*/
bool
mx_model_applies(const MxModel* model, MxNode node, MxParam param, uint32_t sub);

/**
   Check that a value could be set, without setting it.

   @return MX_ERR_NOT_FOUND for a node or sub-index that does not exist,
   MX_ERR_NOT_APPLICABLE for a control that is not on this node, what
   mx_param_check() returns for the value, MX_ERR_CYCLE for a route that
   would close a loop of buses.
*/
MxStatus
mx_model_check(const MxModel* model, MxNode node, MxParam param, uint32_t sub, float value);

/**
   Set a control, after mx_model_check().  Nothing changes on error.
*/
MxStatus
mx_model_set(MxModel* model, MxNode node, MxParam param, uint32_t sub, float value);

/**
   Get a control's value.

   @return MX_SUCCESS and `*value` set, or what mx_model_check() returns
   for the node, control and sub-index.
*/
MxStatus
mx_model_get(const MxModel* model, MxNode node, MxParam param, uint32_t sub, float* value);

/// Return the default of a control on this node (mx_param_default()).
float
mx_model_default(const MxModel* model, MxNode node, MxParam param, uint32_t sub);

/**
   Return the number of sub-indices of a control on this node: 1 without
   one, MX_PARAM_EQ_BANDS, the buses, the VCAs or the mute groups.
*/
uint32_t
mx_model_sub_count(const MxModel* model, MxNode node, MxParam param);

/**
   Find the path of routes from one bus to another, to explain a refused
   route.

   @param from, to Bus positions.
   @param path Receives the bus positions from `from` to `to`.
   @param max Size of `path`.
   @return The number of buses on the path (0 if `to` cannot be reached
   from `from`).
*/
uint32_t
mx_model_route_path(const MxModel* model, uint32_t from, uint32_t to, uint32_t* path, uint32_t max);

/// Longest port name or pattern of a connection rule, bytes (without the NUL).
#define MX_PORT_PATTERN_MAX 255U

/// Most connection rules a model holds.
#define MX_CONNECTIONS_MAX 256U

/**
   Add a connection rule: ports matching `from` are to be connected to
   ports matching `to`.

   The model only keeps the rules, in order, as text: what they mean is
   the JACK host's (patterns, own ports).
   @return MX_ERR_BAD_ARG for an empty or too long pattern, MX_ERR_EXISTS
   for a rule already there, MX_ERR_FULL at MX_CONNECTIONS_MAX.
*/
MxStatus
mx_model_add_connection(MxModel* model, const char* from, const char* to);

/// Remove a connection rule.  @return MX_ERR_NOT_FOUND if there is no such rule.
MxStatus
mx_model_remove_connection(MxModel* model, const char* from, const char* to);

/// Remove every connection rule.
void
mx_model_clear_connections(MxModel* model);

/// Return the number of connection rules.
uint32_t
mx_model_connection_count(const MxModel* model);

/// True if `from` to `to` is a connection rule (the same texts).
bool
mx_model_has_connection(const MxModel* model, const char* from, const char* to);

/**
   Get a connection rule.

   @param from, to Set to the rule's patterns (owned by the model, valid
   until the rule is removed).
   @return MX_ERR_NOT_FOUND past the last rule.
*/
MxStatus
mx_model_connection(const MxModel* model, uint32_t i, const char** from, const char** to);

/**
   Return a count of the changes made to the model: it grows with every
   successful add, remove, release, move, rename, set and connection
   change, so a reader that keeps the last value knows when to look again.
*/
uint64_t
mx_model_generation(const MxModel* model);

/// Slot states, for the engine.
typedef enum {
  MX_SLOT_FREE,    ///< No node
  MX_SLOT_USED,    ///< A node, visible
  MX_SLOT_LEAVING, ///< A removed node held by `hold_removed`
} MxSlotState;

/// Return the state of a strip or bus slot.
MxSlotState
mx_model_slot_state(const MxModel* model, MxNodeKind kind, uint32_t slot);

/**
   Return the node in a used slot (its kind and position).

   @return MX_ERR_NOT_FOUND if the slot is not used.
*/
MxStatus
mx_model_slot_node(const MxModel* model, MxNodeKind kind, uint32_t slot, MxNode* node);

/**
   Get a control of the node in a used or leaving slot, with a bus
   sub-index given as a bus slot (the engine's view).

   @return MX_SUCCESS, or MX_ERR_NOT_FOUND for a free slot or a control
   that is not stored there.
*/
MxStatus
mx_model_slot_get(const MxModel* model,
                  MxNodeKind     kind,
                  uint32_t       slot,
                  MxParam        param,
                  uint32_t       sub_slot,
                  float*         value);

/// Return the name of the node in a used or leaving slot ("" if free).
const char*
mx_model_slot_name(const MxModel* model, MxNodeKind kind, uint32_t slot);

/// Return the channels of the node in a used or leaving slot (0 if free).
unsigned
mx_model_slot_channels(const MxModel* model, MxNodeKind kind, uint32_t slot);

/// Return the kind of the bus in a used or leaving bus slot.
MxBusKind
mx_model_slot_bus_kind(const MxModel* model, uint32_t slot);

#endif // MX_DSP_MODEL_H
