// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_DESK_H
#define MX_DAEMON_DESK_H

#include "autosave.h"
#include "scenes.h"
#include "session.h"
#include "store.h"
#include "undo.h"

#include "control.h"

#include "common.h"
#include "engine.h"
#include "model.h"

#include <stdbool.h>
#include <stddef.h>

/// The live session: which one is in use, its saves and autosaves, scenes and undo.

/*
  The desk owns the state around the engine's mix that makes up a
  session: its name, the session directory (store.h), the scenes
  (scenes.h), the undo history (undo.h) and the surface aliases (kept by
  the OSC controller, written with the session).

  Nothing acknowledged is lost: every tick, a mix that changed since the
  last autosave is handed to the autosave writer (autosave.h) once at
  least MX_DESK_AUTOSAVE_MS have passed since the last, so a change is on
  disk well within a second; the last `versions` autosaves are kept.  At
  start the newest autosave of the last session that reads is restored
  (or the session as saved, or an empty mix).

  A session saved by name is a document (document.h) in the directory;
  loading one ramps the engine to it (mx_engine_load(): the strips and
  buses in both keep their ports) and is one undo step.  Main thread.
*/

/// Least time between two autosaves, ms.
#define MX_DESK_AUTOSAVE_MS 250.0

/// Name of the session in use when none was named.
#define MX_DESK_DEFAULT_NAME "default"

typedef struct MxDeskImpl MxDesk;

/**
   A desk on a session directory.

   @param store Taken (freed with the desk).
   @param control The OSC controller whose aliases are saved, or NULL.
*/
MxDesk*
mx_desk_new(MxStore* store, MxOscControl* control);

/// Write the last autosave, stop the writer, close the store.
void
mx_desk_free(MxDesk* desk);

/**
   Read the mix to start with: `file` if given (its name, less
   ".session", becomes the session's), else the newest readable autosave
   of the last session (when `restore`), else that session as saved, else
   an empty mix named MX_DESK_DEFAULT_NAME.  The aliases and scenes it
   holds are taken at once; the mix is returned for the engine.

   @param mix Receives the mix (free with mx_model_free()).
   @param err Receives why `file` could not be read; a broken autosave
   is only skipped (and logged by the caller from `note`).
   @param note Receives what was restored, for the log.
*/
MxStatus
mx_desk_start(MxDesk*         desk,
              const char*     file,
              bool            restore,
              const MxLimits* limits,
              MxModel**       mix,
              char*           note,
              size_t          note_size,
              char*           err,
              size_t          err_size);

/// Where the connections of mixd's ports that no rule makes come from (the JACK host).
typedef struct {
  /// The connections as exact rules, less those `mix`'s rules make (free() the block).
  MxSessionConnection* (*list)(void* data, const MxModel* mix, size_t* count);
  /// A number that changes when they do (the desk then autosaves).
  uint64_t (*generation)(void* data);
  void* data;
} MxDeskConnections;

/**
   Save the connections of `source` with the session, so that a session
   loaded (or restored after a crash) makes them again.
*/
void
mx_desk_set_connections(MxDesk* desk, const MxDeskConnections* source);

/**
   The engine whose mix is the session (after mx_desk_start(), and whenever
   it is rebuilt: before the old one is freed).  A new engine is no change
   of the mix.
*/
void
mx_desk_set_engine(MxDesk* desk, MxEngine* engine);

/// Autosave, move a scene fade on; call every loop tick.
void
mx_desk_tick(MxDesk* desk, double now_ms);

/// The session's name.
const char*
mx_desk_name(const MxDesk* desk);

/// True if the mix changed since it was last saved (or loaded) by name.
bool
mx_desk_dirty(const MxDesk* desk);

/**
   Save the session by name (NULL or "" for its own name); it then has that name.

   @param why Receives the reason on error (a bad name, a full disk).
*/
MxStatus
mx_desk_save(MxDesk* desk, const char* name, char* why, size_t why_size);

/**
   Load a saved session: the mix, its aliases and scenes, as one undo
   step.  A session that does not read changes nothing.
*/
MxStatus
mx_desk_load(MxDesk* desk, const char* name, char* why, size_t why_size);

/**
   Load session text from a file outside the directory (SIGHUP's reload
   of --session), as mx_desk_load().
*/
MxStatus
mx_desk_load_file(MxDesk* desk, const char* path, char* why, size_t why_size);

/// Start an empty session (NULL or "" for MX_DESK_DEFAULT_NAME), as one undo step.
MxStatus
mx_desk_new_session(MxDesk* desk, const char* name, char* why, size_t why_size);

/// The saved sessions, as mx_store_list().
MxStatus
mx_desk_list(const MxDesk* desk, char*** names, size_t* count);

/// The OSC controller given to mx_desk_new().
MxOscControl*
mx_desk_control(MxDesk* desk);

/// The scenes.
MxScenes*
mx_desk_scenes(MxDesk* desk);

/// The undo history.
MxUndo*
mx_desk_undo(MxDesk* desk);

/// Store the mix as scene `number` (mx_scenes_store()).
MxStatus
mx_desk_store_scene(MxDesk* desk, unsigned number, const char* name, char* why, size_t why_size);

/// Name a scene (mx_scenes_set_name()).
MxStatus
mx_desk_name_scene(MxDesk* desk, unsigned number, const char* name, char* why, size_t why_size);

/// Recall a scene over `fade_s` seconds, as one undo step (mx_scenes_recall()).
MxStatus
mx_desk_recall(MxDesk* desk, unsigned number, double fade_s, char* why, size_t why_size);

/// Undo (`back`) or redo one step; a scene fade stops first.
MxStatus
mx_desk_step(MxDesk* desk, bool back, char* why, size_t why_size);

/// Something the mix does not hold changed (a scene stored or named, the aliases): autosave it.
void
mx_desk_touch(MxDesk* desk);

/// Write the autosave now and wait for it (before a clean exit).
void
mx_desk_flush(MxDesk* desk);

#endif // MX_DAEMON_DESK_H
