// SPDX-License-Identifier: GPL-3.0-or-later

#include "desk.h"

#include "document.h"
#include "loop.h"
#include "session.h"
#include "why.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct MxDeskImpl {
  MxStore*      store;
  MxAutosave*   autosave;
  MxOscControl* control;
  MxEngine*     engine;
  MxScenes*     scenes;
  MxUndo*       undo;
  char          name[MX_STORE_NAME_MAX]; ///< The session in use

  // What has changed: a count of changes seen, and what was seen last
  uint64_t          changes;         ///< Changes seen (a stamp for autosaves)
  uint64_t          saved;           ///< `changes` when last saved or loaded by name
  uint64_t          autosaved;       ///< `changes` when last handed to the writer
  uint64_t          generation;      ///< The model's generation when last looked at
  const MxEngine*   seen_engine;     ///< The engine then
  bool              touched;         ///< Something outside the mix changed
  MxDeskConnections connections;     ///< Connections made outside the rules, or none
  uint64_t          connections_gen; ///< Their generation when last looked at
  double            last_submit;     ///< When the last autosave was handed over, ms
  uint64_t          recall_frames;   ///< The engine's frames at the last recall
  double            recall_ms;       ///< When it was, system clock, ms
};

// The clock scene fades run on: the engine's frames in ms.  A fade is
// timed in audio, not by the system clock: a server's clock drifts from it
// (jackd's dummy driver here runs 2-5 % slow under load), and a 2 s fade
// must be 2 s of what is heard.  Without a server the daemon runs the
// engine at the system clock's pace (live.c), so fades go on.
static double
fade_clock_ms(const MxDesk* const desk)
{
  const MxEngine* const e = desk->engine;
  return e ? (double)mx_engine_frames(e) * 1000.0 / mx_engine_config(e)->rate : 0.0;
}

MxDesk*
mx_desk_new(MxStore* const store, MxOscControl* const control)
{
  MxDesk* const desk = (MxDesk*)calloc(1U, sizeof(MxDesk));
  if (!desk) {
    mx_store_free(store);
    return NULL;
  }
  desk->store    = store;
  desk->control  = control;
  desk->scenes   = mx_scenes_new();
  desk->undo     = mx_undo_new(MX_UNDO_DEPTH);
  desk->autosave = mx_autosave_new(store);
  snprintf(desk->name, sizeof(desk->name), "%s", MX_DESK_DEFAULT_NAME);
  if (!desk->scenes || !desk->undo || !desk->autosave) {
    mx_desk_free(desk);
    return NULL;
  }
  return desk;
}

void
mx_desk_free(MxDesk* const desk)
{
  if (!desk) {
    return;
  }
  if (desk->autosave && desk->engine) {
    mx_desk_flush(desk);
  }
  mx_autosave_free(desk->autosave); // before the store it writes to
  mx_scenes_free(desk->scenes);
  mx_undo_free(desk->undo);
  mx_store_free(desk->store);
  free(desk);
}

const char*
mx_desk_name(const MxDesk* const desk)
{
  return desk->name;
}

MxOscControl*
mx_desk_control(MxDesk* const desk)
{
  return desk->control;
}

MxScenes*
mx_desk_scenes(MxDesk* const desk)
{
  return desk->scenes;
}

MxUndo*
mx_desk_undo(MxDesk* const desk)
{
  return desk->undo;
}

void
mx_desk_touch(MxDesk* const desk)
{
  desk->touched = true;
}

// ---------------------------------------------------------------------------
// Changes and autosaves

// Count a change if the mix (or the engine, or something else) changed since last looked at
static void
look(MxDesk* const desk)
{
  if (!desk->engine) {
    return;
  }
  const uint64_t gen = mx_model_generation(mx_engine_model(desk->engine));
  const uint64_t wires =
    desk->connections.generation ? desk->connections.generation(desk->connections.data) : 0U;
  if (desk->touched || gen != desk->generation || desk->engine != desk->seen_engine ||
      wires != desk->connections_gen) {
    ++desk->changes;
    desk->touched         = false;
    desk->connections_gen = wires;
    desk->generation      = gen;
    desk->seen_engine     = desk->engine;
  }
}

static const char*
aliases(const MxDesk* const desk)
{
  return desk->control ? mx_osc_control_aliases(desk->control) : NULL;
}

// The session's text: the mix with the connections made outside its
// rules, the aliases, the scenes
static char*
format(const MxDesk* const desk)
{
  const MxModel* const       mix = mx_engine_model(desk->engine);
  size_t                     n   = 0U;
  MxSessionConnection* const wires =
    desk->connections.list ? desk->connections.list(desk->connections.data, mix, &n) : NULL;
  char* const text = mx_document_format_with(mix, wires, n, aliases(desk), desk->scenes);
  free(wires);
  return text;
}

void
mx_desk_set_connections(MxDesk* const desk, const MxDeskConnections* const source)
{
  desk->connections     = *source;
  desk->connections_gen = source->generation ? source->generation(source->data) : 0U;
}

static void
submit(MxDesk* const desk, const double now)
{
  char* const text = format(desk);
  if (text) {
    mx_autosave_submit(desk->autosave, desk->name, text, desk->changes);
    desk->autosaved   = desk->changes;
    desk->last_submit = now;
  }
}

void
mx_desk_set_engine(MxDesk* const desk, MxEngine* const engine)
{
  // What changed in the engine so far counts; the new one (the first, or
  // one rebuilt from the same mix at another sample rate) is no change
  look(desk);
  if (engine != desk->engine) {
    mx_scenes_stop(desk->scenes); // Its clock starts again at 0
  }
  desk->engine      = engine;
  desk->seen_engine = engine;
  desk->generation  = engine ? mx_model_generation(mx_engine_model(engine)) : 0U;
}

void
mx_desk_tick(MxDesk* const desk, const double now)
{
  if (!desk->engine) {
    return;
  }
  // Until the engine has run a period since a recall its clock stands
  // where the recall found it, and the fade would wait a tick more to
  // begin: until then the system clock counts (mx_scenes_tick() holds a
  // fade where it has come if the engine's clock then says less)
  double clock = fade_clock_ms(desk);
  if (mx_engine_frames(desk->engine) == desk->recall_frames) {
    clock += now - desk->recall_ms;
  }
  mx_scenes_tick(desk->scenes, desk->engine, clock);
  look(desk);
  if (desk->changes != desk->autosaved && now - desk->last_submit >= MX_DESK_AUTOSAVE_MS) {
    submit(desk, now);
  }
}

void
mx_desk_flush(MxDesk* const desk)
{
  look(desk);
  if (desk->changes != desk->autosaved) {
    submit(desk, mx_loop_now_ms());
  }
  mx_autosave_flush(desk->autosave);
}

bool
mx_desk_dirty(const MxDesk* const desk)
{
  MxDesk* const d = (MxDesk*)desk;
  look(d);
  return d->changes != d->saved;
}

// ---------------------------------------------------------------------------
// Starting

// The name of a session file: its base name less ".session", if that is a good name
static void
name_of_file(const char* const path, char* const name, const size_t size)
{
  const char* const slash = strrchr(path, '/');
  const char* const base  = slash ? slash + 1 : path;
  size_t            n     = strlen(base);
  if (n > 8U && !strcmp(base + n - 8U, ".session")) {
    n -= 8U;
  }
  snprintf(name, size, "%.*s", (int)n, base);
  if (mx_store_check_name(name, NULL, 0U)) {
    snprintf(name, size, "%s", MX_DESK_DEFAULT_NAME);
  }
}

static MxStatus
parse(const char*     text,
      size_t          len,
      const char*     label,
      const MxLimits* limits,
      MxDocument*     doc,
      char*           why,
      size_t          size);

static bool
later(const struct timespec* const a, const struct timespec* const b)
{
  return a->tv_sec > b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/**
   The newest autosave of `name` that reads (and, with `after`, was
   written after it), into `doc`; `note` says which.  A broken one is
   skipped: the autosave before it is the last complete state.
*/
static bool
restore_autosave(MxDesk* const                desk,
                 const char* const            name,
                 const struct timespec* const after,
                 const MxLimits* const        limits,
                 MxDocument* const            doc,
                 char* const                  note,
                 const size_t                 note_size)
{
  char   why[1024];
  char*  text = NULL;
  size_t len  = 0U;
  for (unsigned age = 0U;; ++age) {
    struct timespec written;
    if (after &&
        (mx_store_autosave_time(desk->store, name, age, &written) || !later(&written, after))) {
      return false;
    }
    if (mx_store_load_autosave(desk->store, name, age, &text, &len, why, sizeof(why))) {
      return false;
    }
    const MxStatus st = parse(text, len, "autosave", limits, doc, why, sizeof(why));
    // Restored changes that were never saved by name leave the session
    // dirty (a session manager must hear of them); the same as saved, clean
    char*      saved   = NULL;
    size_t     n_saved = 0U;
    const bool same    = !st && !mx_store_load(desk->store, name, &saved, &n_saved, NULL, 0U) &&
                      n_saved == len && !memcmp(saved, text, len);
    free(saved);
    free(text);
    if (!st) {
      desk->changes = desk->saved + !same;
      mx_why(MX_SUCCESS,
             note,
             note_size,
             "session '%s' restored from its autosave%s%s",
             name,
             after ? " (newer than the file)" : "",
             age ? " (the newest did not read)" : "");
      return true;
    }
  }
}

// Take a document's aliases and scenes; its mix goes to `mix`
static MxStatus
take(MxDesk* const     desk,
     MxDocument* const doc,
     MxModel** const   mix,
     char* const       why,
     const size_t      size)
{
  if (desk->control) {
    const MxStatus st = mx_osc_control_set_aliases(
      desk->control, doc->aliases ? doc->aliases : "", "aliases", why, size);
    if (st) {
      mx_document_clear(doc);
      return st;
    }
  }
  mx_scenes_free(desk->scenes);
  desk->scenes = doc->scenes;
  doc->scenes  = NULL;
  *mix         = doc->mix;
  doc->mix     = NULL;
  mx_document_clear(doc);
  return MX_SUCCESS;
}

static MxStatus
parse(const char* const     text,
      const size_t          len,
      const char* const     label,
      const MxLimits* const limits,
      MxDocument* const     doc,
      char* const           why,
      const size_t          size)
{
  // mixd never writes an empty file (a session starts with its header
  // line): an empty one is a failed copy or a full disk, not an empty mix
  if (!len) {
    memset(doc, 0, sizeof(*doc));
    return mx_why(MX_ERR_BAD_ARG, why, size, "%s: the file is empty", label);
  }
  return mx_document_parse(text, len, label, limits, doc, why, size);
}

MxStatus
mx_desk_start(MxDesk* const         desk,
              const char* const     file,
              const bool            restore,
              const MxLimits* const limits,
              MxModel** const       mix,
              char* const           note,
              const size_t          note_size,
              char* const           err,
              const size_t          err_size)
{
  MxDocument doc;
  char*      text = NULL;
  size_t     len  = 0U;
  char       why[1024];
  MxStatus   st = MX_SUCCESS;
  *mix          = NULL;

  if (file) {
    st = mx_session_read_text(file, &text, &len, err, err_size);
    if (!st) {
      st = parse(text, len, file, limits, &doc, err, err_size);
    }
    free(text);
    if (st) {
      return st;
    }
    name_of_file(file, desk->name, sizeof(desk->name));
    // A mix changed after the file was written (and then killed) is in the
    // autosave: that is the newer state, and nothing acknowledged is lost
    struct stat info;
    MxDocument  newer;
    if (restore && !stat(file, &info) &&
        restore_autosave(desk, desk->name, &info.st_mtim, limits, &newer, note, note_size)) {
      mx_document_clear(&doc);
      doc = newer;
    } else {
      mx_why(MX_SUCCESS, note, note_size, "session '%s' from %s", desk->name, file);
    }
    st = take(desk, &doc, mix, err, err_size);
    return st ? st : mx_store_set_last(desk->store, desk->name, err, err_size);
  }

  char last[MX_STORE_NAME_MAX];
  if (restore && !mx_store_last(desk->store, last, sizeof(last))) {
    snprintf(desk->name, sizeof(desk->name), "%s", last);
    // The newest autosave that reads; then the session as saved
    if (restore_autosave(desk, last, NULL, limits, &doc, note, note_size)) {
      return take(desk, &doc, mix, err, err_size);
    }
    if (!mx_store_load(desk->store, last, &text, &len, why, sizeof(why))) {
      st = parse(text, len, last, limits, &doc, why, sizeof(why));
      free(text);
      if (!st) {
        mx_why(MX_SUCCESS, note, note_size, "session '%s' as saved", last);
        return take(desk, &doc, mix, err, err_size);
      }
      mx_why(
        MX_SUCCESS, note, note_size, "session '%s' does not read (%s): starting empty", last, why);
    } else {
      mx_why(MX_SUCCESS, note, note_size, "session '%s' has nothing saved: starting empty", last);
    }
  } else {
    snprintf(desk->name, sizeof(desk->name), "%s", MX_DESK_DEFAULT_NAME);
    mx_why(MX_SUCCESS, note, note_size, "an empty session '%s'", desk->name);
  }
  *mix = mx_model_new(limits, false);
  if (!*mix) {
    return mx_why(MX_ERR_NO_MEMORY, err, err_size, "out of memory");
  }
  return mx_store_set_last(desk->store, desk->name, err, err_size);
}

// ---------------------------------------------------------------------------
// Saving and loading by name

MxStatus
mx_desk_save(MxDesk* const desk, const char* const name, char* const why, const size_t size)
{
  const char* const as = name && name[0] ? name : desk->name;
  MxStatus          st = MX_SUCCESS;
  TRY(st, mx_store_check_name(as, why, size));
  look(desk);
  char* const text = format(desk);
  if (!text) {
    return mx_why(MX_ERR_NO_MEMORY, why, size, "out of memory");
  }
  st = mx_store_save(desk->store, as, text, strlen(text), why, size);
  free(text);
  if (st) {
    return st;
  }
  if (strcmp(as, desk->name)) {
    snprintf(desk->name, sizeof(desk->name), "%s", as);
    mx_store_set_last(desk->store, desk->name, NULL, 0U);
    desk->touched = true; // its autosaves start now
    look(desk);
  }
  desk->saved = desk->changes;
  return MX_SUCCESS;
}

// Make a document the session: its mix through the engine, as one undo step
static MxStatus
apply(MxDesk* const     desk,
      MxDocument* const doc,
      const char* const name,
      char* const       why,
      const size_t      size)
{
  MxStatus  st     = MX_SUCCESS;
  MxModel*  mix    = NULL;
  MxScenes* before = desk->scenes;
  char*     old    = desk->control ? strdup(mx_osc_control_aliases(desk->control)) : NULL;
  if (desk->control && !old) {
    mx_document_clear(doc);
    return mx_why(MX_ERR_NO_MEMORY, why, size, "out of memory");
  }

  desk->scenes = NULL; // take() frees the old ones: keep them until the mix is in
  st           = take(desk, doc, &mix, why, size);
  if (st) {
    desk->scenes = before;
    free(old);
    return st;
  }
  mx_scenes_stop(before);
  mx_undo_begin(desk->undo, MX_UNDO_SOURCE_NONE, mx_loop_now_ms());
  mx_undo_record_mix(desk->undo, mx_engine_model(desk->engine));
  st = mx_engine_load(desk->engine, mix);
  mx_undo_end(desk->undo, mx_engine_model(desk->engine));
  mx_model_free(mix);
  if (st) {
    // The old aliases and scenes back; the mix is unchanged unless memory
    // ran out half-way (mx_engine_load() checks the room first)
    mx_scenes_free(desk->scenes);
    desk->scenes = before;
    if (desk->control) {
      mx_osc_control_set_aliases(desk->control, old, "aliases", NULL, 0U);
    }
    free(old);
    return st == MX_ERR_FULL
             ? mx_why(st,
                      why,
                      size,
                      "cannot load the mix: its new strips or buses and those playing now "
                      "(which fade out as the new ones start) would pass the limits "
                      "(--strips, --buses)")
             : mx_why(st, why, size, "cannot load the mix: %s", mx_strerror(st));
  }
  mx_scenes_free(before);
  free(old);
  if (name != desk->name) { // reloading the session in use passes its own name
    snprintf(desk->name, sizeof(desk->name), "%s", name);
  }
  mx_store_set_last(desk->store, desk->name, NULL, 0U);
  desk->touched = true;
  look(desk);
  desk->saved = desk->changes;
  return MX_SUCCESS;
}

MxStatus
mx_desk_load(MxDesk* const desk, const char* const name, char* const why, const size_t size)
{
  MxDocument     doc;
  char*          text   = NULL;
  size_t         len    = 0U;
  MxStatus       st     = MX_SUCCESS;
  const MxLimits limits = mx_model_limits(mx_engine_model(desk->engine));
  TRY(st, mx_store_load(desk->store, name, &text, &len, why, size));
  st = parse(text, len, name, &limits, &doc, why, size);
  free(text);
  return st ? st : apply(desk, &doc, name, why, size);
}

MxStatus
mx_desk_load_file(MxDesk* const desk, const char* const path, char* const why, const size_t size)
{
  MxDocument     doc;
  char*          text = NULL;
  size_t         len  = 0U;
  char           name[MX_STORE_NAME_MAX];
  MxStatus       st     = MX_SUCCESS;
  const MxLimits limits = mx_model_limits(mx_engine_model(desk->engine));
  TRY(st, mx_session_read_text(path, &text, &len, why, size));
  st = parse(text, len, path, &limits, &doc, why, size);
  free(text);
  name_of_file(path, name, sizeof(name));
  return st ? st : apply(desk, &doc, name, why, size);
}

MxStatus
mx_desk_new_session(MxDesk* const desk, const char* const name, char* const why, const size_t size)
{
  const char* const as     = name && name[0] ? name : MX_DESK_DEFAULT_NAME;
  const MxLimits    limits = mx_model_limits(mx_engine_model(desk->engine));
  MxStatus          st     = MX_SUCCESS;
  TRY(st, mx_store_check_name(as, why, size));
  MxDocument doc;
  memset(&doc, 0, sizeof(doc));
  doc.mix    = mx_model_new(&limits, false);
  doc.scenes = mx_scenes_new();
  if (!doc.mix || !doc.scenes) {
    mx_document_clear(&doc);
    return mx_why(MX_ERR_NO_MEMORY, why, size, "out of memory");
  }
  return apply(desk, &doc, as, why, size);
}

MxStatus
mx_desk_list(const MxDesk* const desk, char*** const names, size_t* const count)
{
  return mx_store_list(desk->store, names, count);
}

// ---------------------------------------------------------------------------
// Scenes and undo

MxStatus
mx_desk_store_scene(MxDesk* const     desk,
                    const unsigned    number,
                    const char* const name,
                    char* const       why,
                    const size_t      size)
{
  const MxStatus st =
    mx_scenes_store(desk->scenes, number, name, mx_engine_model(desk->engine), why, size);
  desk->touched = desk->touched || !st;
  return st;
}

MxStatus
mx_desk_name_scene(MxDesk* const     desk,
                   const unsigned    number,
                   const char* const name,
                   char* const       why,
                   const size_t      size)
{
  const MxStatus st = mx_scenes_set_name(desk->scenes, number, name, why, size);
  desk->touched     = desk->touched || !st;
  return st;
}

MxStatus
mx_desk_recall(MxDesk* const  desk,
               const unsigned number,
               const double   fade_s,
               char* const    why,
               const size_t   size)
{
  // The undo step is stamped with the fade's clock too: a recall's step
  // never merges with another (undo.c), so no time of it is compared
  desk->recall_frames = desk->engine ? mx_engine_frames(desk->engine) : 0U;
  desk->recall_ms     = mx_loop_now_ms();
  return mx_scenes_recall(
    desk->scenes, number, fade_s, desk->engine, desk->undo, fade_clock_ms(desk), why, size);
}

MxStatus
mx_desk_step(MxDesk* const desk, const bool back, char* const why, const size_t size)
{
  mx_scenes_stop(desk->scenes); // a fade would fight the step
  return back ? mx_undo_undo(desk->undo, desk->engine, why, size)
              : mx_undo_redo(desk->undo, desk->engine, why, size);
}
