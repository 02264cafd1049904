// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_ENGINE_IMPL_H
#define MX_DSP_ENGINE_IMPL_H

#include "common.h"
#include "delay.h"
#include "engine.h"
#include "gain.h"
#include "loudness.h"
#include "mix.h"
#include "plan.h"
#include "ring.h"
#include "strip.h"

#include <stdbool.h>
#include <stdint.h>

/// Private to engine.c (main thread) and process.c (audio thread): commands, audio-side nodes.

/// Longest compensation delay a line holds, ms: a chain of limited buses this long is refused
#define MX_PROC_MAX_DELAY_MS 250.0f

/// What a command does.
typedef enum {
  MX_CMD_ADD,         ///< Put `ptr` (an MxProcNode the main thread made) in the slot
  MX_CMD_REMOVE,      ///< Fade the node out, then hand it back
  MX_CMD_PARAM,       ///< Set a processor control: `param`, `sub`, f[0]
  MX_CMD_NODE,        ///< Plan node: f[0] fader dB, `u` MX_CMD_NODE_* bits, `param` monitor feed
  MX_CMD_EDGE,        ///< Plan edge to `sub`: `param` source, `u` mode, f[0], f[1] gains
  MX_CMD_EDGE_DELAY,  ///< Compensation delay of the edge to `sub`: `u` samples, `ptr` a line to
                      ///< attach or NULL
  MX_CMD_INPUT_DELAY, ///< Compensation delay of the strip sum: `u` samples, `ptr` a line to attach
                      ///< or NULL
  MX_CMD_ORDER,       ///< Bus `u` runs at place `sub` of the order
  MX_CMD_ORDER_COUNT, ///< The order holds `u` buses
  MX_CMD_MONITOR,     ///< f[0] monitor level dB, `u` 1 if solos feed the monitor
  MX_CMD_SETTLE,      ///< End every ramp and crossfade now
} MxCmdOp;

/// Bits of `u` in MX_CMD_NODE.
#define MX_CMD_NODE_MUTE 1U
#define MX_CMD_NODE_LIMITER 2U

/// One command, main thread to audio thread; sent in batches.
typedef struct {
  uint8_t  op;    ///< MxCmdOp
  uint8_t  kind;  ///< MxNodeKind of the node (strip, bus or master)
  uint16_t param; ///< MxParam, MxEdgeSource or MxMonitorFeed
  uint32_t slot;  ///< The node's slot
  uint32_t sub;   ///< Sub-index in slot terms (band, bus slot), destination, place
  uint32_t u;     ///< Integer argument
  union {
    float f[2]; ///< Float arguments
    void* ptr;  ///< An object handed to the audio side; it owns it from then on
  } v;
} MxCmd;

/**
   A node on the audio side: a strip, a bus or the master, with its edges.

   Made and filled by the main thread (mx_proc_node_new()), handed over by
   MX_CMD_ADD, handed back through the retire ring after MX_CMD_REMOVE has
   faded it out, and freed by the main thread (mx_proc_node_free()).
*/
typedef struct {
  MxStrip*    strip;       ///< The processors
  MxNodeKind  kind;        ///< MX_NODE_STRIP, MX_NODE_BUS or MX_NODE_MASTER
  uint32_t    slot;        ///< Slot (0 for the master)
  unsigned    channels;    ///< 1 or 2
  bool        leaving;     ///< Removed: fading out
  uint32_t    dests;       ///< Destinations of `edges`: bus slots + the master
  MxMixEdge*  edges;       ///< [destination]: bus slots, then the master (not for the master)
  uint16_t*   active;      ///< Destinations whose edges are connected
  uint32_t    n_active;    ///< Entries of `active`
  MxDelay**   edge_delays; ///< [destination]: compensation lines of a bus's edges, or NULL
  MxMixPlan   plan;        ///< The edges fused, while `planned` (not for the master)
  MxStripTaps plan_taps;   ///< Taps the plan and the monitor feed read, while `planned`
  bool        planned;     ///< `plan` and `plan_taps` match the edges (cleared on any change)
  MxMixEdge   monitor;     ///< Feed to the monitor bus
  float*      sum[2][2];   ///< Buses and master: [0] strip sum, [1] bus sum; per channel
  MxDelay*    sum_delay;   ///< Compensation line of the strip sum, or NULL
} MxProcNode;

/// Everything the audio thread touches (jalv's JalvProcess).
typedef struct {
  MxEngineConfig  config;           ///< Copy of the engine's configuration
  uint32_t        dests;            ///< Destinations per node: bus slots + the master
  MxProcNode**    strips;           ///< [strip slot]
  MxProcNode**    buses;            ///< [bus slot]
  MxProcNode*     master;           ///< The master
  uint32_t*       order;            ///< Bus slots in processing order
  uint32_t        n_order;          ///< Entries of `order`
  MxMixEdge       monitor_master;   ///< The master into the monitor (when no solo feeds it)
  MxGain          monitor_level;    ///< Monitor level
  MxLoudness*     loudness;         ///< The master's loudness
  float*          tap[MX_TAP_N][2]; ///< A node's taps, one block each
  float*          out[2];           ///< A node's output pair
  float*          tmp[2];           ///< An edge's source through its compensation line
  float*          mon[2];           ///< The monitor sum
  float*          silence;          ///< Zeros, for missing inputs
  MxStripScratch* scratch;          ///< Working buffers every node's strip shares
  MxRing*         commands;         ///< Main to audio: batches of MxCmd
  MxRing*         retired;          ///< Audio to main: nodes handed back
  MxRing*         meters;           ///< Audio to main: meter snapshots
  MxCmd*          batch;            ///< Where a batch is read into
  uint8_t*        snapshot;         ///< Where a meter snapshot is built
  uint32_t        snapshot_bytes;   ///< Size of `snapshot`
  uint32_t        meter_period;     ///< Frames between snapshots
  uint64_t        frames;           ///< Frames processed
  uint64_t        next_snapshot;    ///< Frame count of the next snapshot
} MxProcess;

/// Message types of the rings.
enum {
  MX_MSG_BATCH   = 1, ///< Commands: an array of MxCmd
  MX_MSG_RETIRED = 2, ///< A node handed back: an MxProcNode pointer
  MX_MSG_METERS  = 3, ///< A meter snapshot: MxSnapshotHeader, then MxSnapshotNode entries
};

/// Head of a meter snapshot.
typedef struct {
  uint32_t          count;    ///< Node entries that follow
  uint64_t          frames;   ///< Frame count at the snapshot
  MxLoudnessReading loudness; ///< The master's loudness
} MxSnapshotHeader;

/// One node's meters in a snapshot.
typedef struct {
  uint32_t       kind;   ///< MxNodeKind
  uint32_t       slot;   ///< Slot
  MxEngineMeters meters; ///< What it measured since the previous snapshot
} MxSnapshotNode;

/**
   Set up the audio side for a configuration: rings, scratch buffers, the
   loudness meter.  Main thread.
   @return MX_ERR_NO_MEMORY if something could not be allocated (call
   mx_proc_destroy() anyway).
*/
MxStatus
mx_proc_init(MxProcess* proc, const MxEngineConfig* config);

/// Free what mx_proc_init() made and every node still held.  Main thread, audio stopped.
void
mx_proc_destroy(MxProcess* proc);

/**
   Make a node with the values of the model's slot applied, settled, and
   muted (so that it fades in when its plan unmutes it).  Main thread.
   @return The node, or NULL if memory ran out.
*/
MxProcNode*
mx_proc_node_new(const MxProcess* proc, const MxModel* model, MxNodeKind kind, uint32_t slot);

/// Free a node and its compensation lines.  NULL is a no-op.  Main thread.
void
mx_proc_node_free(MxProcNode* node);

/**
   Set a processor control of a node's strip (a control without
   MX_PFLAG_MIX).  `sub` is the band for EQ band controls.  Any thread
   that owns the strip.
*/
void
mx_proc_apply_param(MxStrip* strip, MxParam param, uint32_t sub, float value) MX_RT;

/// Apply one command.  Audio thread (or the main thread once audio has stopped).
void
mx_proc_apply(MxProcess* proc, const MxCmd* cmd) MX_RT;

/// Apply the command batches queued so far.  Audio thread (or the main thread once audio has
/// stopped).
void
mx_proc_drain(MxProcess* proc) MX_RT;

/// Run one period.  Audio thread.
void
mx_proc_run(MxProcess* proc, const MxEngineIo* io, uint32_t n) MX_RT;

#endif // MX_DSP_ENGINE_IMPL_H
