// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_UNDO_H
#define MX_DAEMON_UNDO_H

#include "common.h"
#include "engine.h"
#include "model.h"
#include "params.h"

#include <stddef.h>

/// The last changes to the mix, to step back and forth through (OSC /undo, /redo).

/*
  A step is what one action changed: one OSC message or bundle, a scene
  recall, a session load.  It is recorded between mx_undo_begin() and
  mx_undo_end() as the controls that changed (old and new value), or, when
  the topology changes (a strip added or removed), as the whole mix before
  and after, as session text.  Consecutive steps that move the same one
  control from the same source less than MX_UNDO_MERGE_MS apart merge, so
  a fader drag of thirty messages a second undoes as one move.

  Undo applies the old values (or loads the old mix) through the engine,
  which ramps them as any change; the step then waits for redo.  A new step
  drops what could be redone.  The mix must change only through recorded
  steps (or mx_undo_clear()), so that a step's nodes and sub-indices still
  mean what they meant.  Main thread.
*/

/// Steps kept.
#define MX_UNDO_DEPTH 100U

/// The source of steps that never merge (a scene recall, a session load).
#define MX_UNDO_SOURCE_NONE 0U

/// Longest gap between moves of one control that still merge into one step, ms.
#define MX_UNDO_MERGE_MS 1000.0

typedef struct MxUndoImpl MxUndo;

/// A history of at most `depth` steps, or NULL if memory ran out.
MxUndo*
mx_undo_new(unsigned depth);

void
mx_undo_free(MxUndo* undo);

/// Forget every step (a new session).
void
mx_undo_clear(MxUndo* undo);

/**
   Open a step.

   @param source Who acts (a client's number): only one source's moves
   merge, and never those of MX_UNDO_SOURCE_NONE.
   @param now_ms The time, for merging.
*/
void
mx_undo_begin(MxUndo* undo, unsigned source, double now_ms);

/// A control of the open step changed from `before` to `after` (in that order if it changes twice).
void
mx_undo_record(MxUndo* undo, MxNode node, MxParam param, uint32_t sub, float before, float after);

/**
   The topology is about to change in the open step: keep the mix as it
   was before the step (`model` as it is now, less the step's changes so far).
*/
void
mx_undo_record_mix(MxUndo* undo, const MxModel* model);

/// Close the step: an empty one is dropped, one move of the last step's control merges.
void
mx_undo_end(MxUndo* undo, const MxModel* model);

/// Steps that can be undone, and redone.
size_t
mx_undo_count(const MxUndo* undo);

size_t
mx_undo_redo_count(const MxUndo* undo);

/**
   Undo the last step.

   @return MX_FAILURE if there is nothing to undo; an error (and the
   history cleared) if the engine refused it.
*/
MxStatus
mx_undo_undo(MxUndo* undo, MxEngine* engine, char* why, size_t why_size);

/// Redo the last step undone, as mx_undo_undo().
MxStatus
mx_undo_redo(MxUndo* undo, MxEngine* engine, char* why, size_t why_size);

#endif // MX_DAEMON_UNDO_H
