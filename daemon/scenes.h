// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_SCENES_H
#define MX_DAEMON_SCENES_H

#include "common.h"
#include "engine.h"
#include "model.h"
#include "undo.h"

#include <stdbool.h>
#include <stddef.h>

/// Scenes: numbered snapshots of the mix's settings, recalled with a crossfade.

/*
  A scene keeps every control of every strip and bus (by name), of the
  master, the VCAs and the mute groups, as session text (session.h).  It
  does not keep the topology: recalling a scene stored before a strip was
  added leaves that strip alone, and a strip the scene knows but the mix
  no longer has is skipped.  Solo, solo-safe, the monitor and the
  recall-safe switches themselves are never recalled.

  Recall crossfades each continuous control (faders, pans, send levels,
  EQ, dynamics, ...) from where it is to the scene's value over the fade
  time, moving evenly along its 0..1 form (taper.h), as a motor fader
  would travel; switches and choices (mutes, EQ in, routes, filter shapes)
  change at the start.  A control moved by hand during the fade drops out
  of it.  Recall-safe switches keep a node (safe/all) or a group of its
  controls (safe/input, eq, dynamics, fader, pan, mute, sends, routing)
  out of every recall.  Main thread.
*/

/// Scenes are numbered 1 to MX_SCENES_MAX.
#define MX_SCENES_MAX 100U

/// Longest scene name, bytes.
#define MX_SCENE_NAME_MAX 64U

/// Longest fade, seconds.
#define MX_SCENE_FADE_MAX_S 60.0

typedef struct MxScenesImpl MxScenes;

MxScenes*
mx_scenes_new(void);

void
mx_scenes_free(MxScenes* scenes);

/// Forget every scene (and stop a fade).
void
mx_scenes_clear(MxScenes* scenes);

/**
   Store the mix as scene `number`.

   @param name Its name, or NULL to keep the one it has ("" if new).
*/
MxStatus
mx_scenes_store(MxScenes*      scenes,
                unsigned       number,
                const char*    name,
                const MxModel* model,
                char*          why,
                size_t         why_size);

/// Name a stored scene.
MxStatus
mx_scenes_set_name(MxScenes* scenes, unsigned number, const char* name, char* why, size_t why_size);

/**
   Set a scene from its session text (a session file's [scene] section).

   @return MX_ERR_BAD_ARG (and `why`, with the text's line) if it does not
   read as a mix.
*/
MxStatus
mx_scenes_set_text(MxScenes*       scenes,
                   unsigned        number,
                   const char*     name,
                   const char*     text,
                   const MxLimits* limits,
                   char*           why,
                   size_t          why_size);

/// True if scene `number` is stored.
bool
mx_scenes_exists(const MxScenes* scenes, unsigned number);

/// A stored scene's name ("" if unnamed), or NULL.
const char*
mx_scenes_name(const MxScenes* scenes, unsigned number);

/// A stored scene's session text, or NULL.
const char*
mx_scenes_text(const MxScenes* scenes, unsigned number);

/**
   Recall scene `number` into the engine's mix.

   @param fade_s Crossfade, 0 to MX_SCENE_FADE_MAX_S seconds (0: at once,
   still ramped by the engine so it does not click).
   @param undo If not NULL, the recall is recorded as one step (its open
   step must be closed).
   @param now_ms The time: the fade runs on mx_scenes_tick()'s.
*/
MxStatus
mx_scenes_recall(MxScenes* scenes,
                 unsigned  number,
                 double    fade_s,
                 MxEngine* engine,
                 MxUndo*   undo,
                 double    now_ms,
                 char*     why,
                 size_t    why_size);

/**
   Move a fade on.  Call it every few milliseconds (the engine ramps
   between calls, MX_SMOOTH_DEFAULT_MS).

   @return true while a fade runs.
*/
bool
mx_scenes_tick(MxScenes* scenes, MxEngine* engine, double now_ms);

/// Stop a fade where it is.
void
mx_scenes_stop(MxScenes* scenes);

/// The scene a fade is moving to, or 0.
unsigned
mx_scenes_fading(const MxScenes* scenes);

#endif // MX_DAEMON_SCENES_H
