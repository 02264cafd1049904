// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_ENGINE_H
#define MX_DSP_ENGINE_H

#include "common.h"
#include "loudness.h"
#include "model.h"
#include "params.h"
#include "strip.h"

#include <stdbool.h>
#include <stdint.h>

/// The mixing engine: a model on the main thread, the mixer on the audio thread, queues between.

/*
  The engine is the mixer.  A host (the JACK client, the offline renderer,
  a test) calls mx_engine_process() once per period from its audio thread,
  and changes the mix from its main thread through the mx_engine_* calls
  below, which validate against the model (model.h) and queue commands.

  Threads (LV2's classes):
  - Main thread: everything but mx_engine_process().  One thread, or
    several serialised by the host.
  - Audio thread: mx_engine_process() only.  It never allocates, frees,
    locks or does I/O: commands arrive through a lock-free ring and are
    applied at the start of the period, meters leave through another, and
    removed objects go back to the main thread to be freed.
  A host that renders offline may call both from one thread.

  Changes are queued and sent by mx_engine_flush(), which every mutator
  calls unless a transaction (mx_engine_begin() .. mx_engine_commit()) is
  open; everything sent at once applies in the same period, when it fits
  in one message of MX_ENGINE_BATCH_BYTES (a few thousand changes).
  Every gain, pan, send, mute and processor setting then glides over
  MX_SMOOTH_DEFAULT_MS, a tap or routing change passes through silence,
  and an added strip fades in, a removed one out, so no change clicks.
  If the audio side does not run (the JACK server is gone), commands wait
  in the engine and are sent when there is room again: nothing is lost.

  Buffers are given per slot (mx_model_slot()), which does not change
  while a strip or bus exists, so a host can keep its ports in a table.
*/

/// Largest batch of changes sent as one message (and so applied in one period), bytes.
#define MX_ENGINE_BATCH_BYTES 65536U

/// Configuration of an engine, copied by mx_engine_new().
typedef struct {
  double   rate;              ///< Sample rate, Hz (mx_rate_is_valid())
  uint32_t max_block;         ///< Longest period, frames (1 to MX_DSP_MAX_BLOCK)
  MxLimits limits;            ///< Capacity
  float    meter_interval_ms; ///< Time between meter snapshots, ms (5 to 1000)
} MxEngineConfig;

/// Return a configuration with the default limits, 48 kHz, periods up to 1024, meters every 20 ms.
MxEngineConfig
mx_engine_config_default(void);

/// The channels of one strip input, by slot (NULL channels read as silence).
typedef struct {
  const float* ch[2]; ///< One buffer per channel of the strip
} MxEngineInput;

/// The channels of one output (NULL channels are not written).
typedef struct {
  float* ch[2]; ///< One buffer per channel (mono buses use ch[0])
} MxEngineOutput;

/**
   The buffers of one period.

   Every array is indexed by slot and as long as the limit; any of them may
   be NULL (no inputs: silence; no outputs: not written).
*/
typedef struct {
  const MxEngineInput*  strips;  ///< [strip slot]: inputs
  const MxEngineOutput* buses;   ///< [bus slot]: each bus's own output
  MxEngineOutput        master;  ///< Master out, L and R
  MxEngineOutput        monitor; ///< Monitor out, L and R: the master, or the solos (AFL/PFL)
} MxEngineIo;

/// The meters of one node, merged since the last mx_engine_take_meters().
typedef MxStripMeters MxEngineMeters;

/// An engine (opaque; heap object).
typedef struct MxEngineImpl MxEngine;

/**
   Create an engine with an empty mix: the master, no strips or buses.

   Allocates the rings, the master and every buffer the audio side needs.
   Free with mx_engine_free().  Main thread.
   @return The engine, or NULL for a bad configuration or if memory ran out.
*/
MxEngine*
mx_engine_new(const MxEngineConfig* config);

/// Free an engine, with everything it holds; NULL is a no-op.  Main thread, audio stopped.
void
mx_engine_free(MxEngine* engine);

/// The engine's model, to read (a copy of the mix as set).  Main thread.
const MxModel*
mx_engine_model(const MxEngine* engine);

/// The configuration the engine was made with.  Any thread.
const MxEngineConfig*
mx_engine_config(const MxEngine* engine);

/**
   Add a strip, as mx_model_add_strip(); it fades in.

   Main thread.  Allocates the strip's processors here.
   @return What mx_model_add_strip() returns, or MX_ERR_NO_MEMORY.
*/
MxStatus
mx_engine_add_strip(MxEngine* engine, const char* name, unsigned channels, uint32_t* index);

/// Add a bus, as mx_model_add_bus().  Main thread.
MxStatus
mx_engine_add_bus(MxEngine*   engine,
                  const char* name,
                  MxBusKind   kind,
                  unsigned    channels,
                  uint32_t*   index);

/**
   Remove a strip or bus, as mx_model_remove(): it fades out, and its slot
   is free again once the audio side has let it go.  Main thread.
*/
MxStatus
mx_engine_remove(MxEngine* engine, MxNode node);

/**
   Add or remove a connection rule, as mx_model_add_connection() and
   mx_model_remove_connection(): kept in the model for the host (the JACK
   client connects ports by them), nothing changes in the mix.  Main thread.
*/
MxStatus
mx_engine_add_connection(MxEngine* engine, const char* from, const char* to);

/// Remove a connection rule, as mx_model_remove_connection().  Main thread.
MxStatus
mx_engine_remove_connection(MxEngine* engine, const char* from, const char* to);

/// Rename a strip or bus, as mx_model_rename().  Main thread.
MxStatus
mx_engine_rename(MxEngine* engine, MxNode node, const char* name);

/// Move a strip or bus, as mx_model_move() (only the positions change).  Main thread.
MxStatus
mx_engine_move(MxEngine* engine, MxNode node, uint32_t position);

/**
   Set a control, as mx_model_set().

   Main thread.  Nothing changes on error.
*/
MxStatus
mx_engine_set(MxEngine* engine, MxNode node, MxParam param, uint32_t sub, float value);

/**
   Make the engine's mix equal to `model`, keeping the strips and buses
   that exist in both (same name, kind and channels) and their processing
   state: changes glide as any others do.  The connection rules are
   replaced by the model's.  One transaction.

   Main thread.
   @param model A model with the engine's limits.
   @return MX_ERR_BAD_ARG for other limits; MX_ERR_FULL, before anything
   changes, if the strips or buses there now and the new ones do not fit
   in the limits together (a replaced node keeps its slot while it fades
   out); MX_ERR_NO_MEMORY, after which the mix may be partly changed.
*/
MxStatus
mx_engine_load(MxEngine* engine, const MxModel* model);

/**
   End every ramp and crossfade at the start of the next period, so that it
   runs on the settings as set (a render starts on its session, not on a
   20 ms glide from the defaults).  Filter and detector memory is cleared
   (mx_strip_reset()).  Main thread.
*/
MxStatus
mx_engine_settle(MxEngine* engine);

/// Open a transaction: changes wait for the matching mx_engine_commit().  Main thread; nests.
void
mx_engine_begin(MxEngine* engine);

/// Close a transaction; the outermost sends everything (mx_engine_flush()).  Main thread.
MxStatus
mx_engine_commit(MxEngine* engine);

/**
   Send what is queued, and free what the audio side has let go.

   Main thread; call it regularly (each loop turn, or each rendered
   period), as the removal of a strip completes only here, and the meter
   snapshots are gathered here (mx_engine_take_meters()) so that their
   ring never fills.
   @return MX_SUCCESS once nothing waits, MX_FAILURE if the command ring is
   full and some changes still wait (they go out on a later call).
*/
MxStatus
mx_engine_flush(MxEngine* engine);

/**
   Return the latency at the master output as last planned, samples: the
   limiters in the path, aligned.  Main thread.
*/
uint32_t
mx_engine_latency(const MxEngine* engine);

/**
   Return the latency at a node's own output (a bus, the master), samples.

   Main thread.
*/
uint32_t
mx_engine_output_latency(const MxEngine* engine, MxNode node);

/**
   Take the meters of a node: everything measured since the previous take
   (peaks kept, so none is lost), read from the snapshots the audio side
   publishes every meter interval.  Main thread.
   @return MX_ERR_NOT_FOUND for a node without meters.
*/
MxStatus
mx_engine_take_meters(MxEngine* engine, MxNode node, MxEngineMeters* out);

/**
   Read the master's loudness (EBU R 128) as of the last snapshot.

   Main thread.
*/
void
mx_engine_loudness(MxEngine* engine, MxLoudnessReading* out);

/**
   Run one period: apply the queued changes, mix, meter.

   Audio thread.
   @param io The period's buffers (see MxEngineIo).
   @param n Frames, 1 to max_block.
*/
void
mx_engine_process(MxEngine* engine, const MxEngineIo* io, uint32_t n) MX_RT;

/**
   Frames processed since the engine was made, as of the last
   mx_engine_process() that has returned: the engine's own clock, which
   the main thread times scene fades by (so that a fade of 2 s is 2 s of
   audio, however the server's clock drifts from the system's).  Any thread.
*/
uint64_t
mx_engine_frames(const MxEngine* engine) MX_RT;

#endif // MX_DSP_ENGINE_H
