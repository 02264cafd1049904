// SPDX-License-Identifier: GPL-3.0-or-later

#include "undo.h"

#include "session.h"
#include "why.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/// One control's move
typedef struct {
  MxNode   node;
  MxParam  param;
  uint32_t sub;
  float    before;
  float    after;
} Change;

/// What one action changed
typedef struct {
  Change*  changes;   ///< The moves, in order (when there is no mix)
  size_t   n_changes; ///< Entries of `changes`
  size_t   cap;       ///< Room in `changes`
  char*    before;    ///< The mix before, as session text, if the topology changed
  char*    after;     ///< The mix after (made when the step is undone)
  unsigned source;    ///< Who acted
  double   at;        ///< When it last changed, ms
} Step;

struct MxUndoImpl {
  Step*  steps;   ///< Ring of `depth` steps; [0, n_undo) undoable, then redoable
  size_t depth;   ///< Room
  size_t first;   ///< Ring index of the oldest step
  size_t n_undo;  ///< Steps that can be undone
  size_t n_redo;  ///< Steps after them that can be redone
  Step   open;    ///< The step being recorded
  bool   is_open; ///< Between begin and end
  bool   failed;  ///< Memory ran out while recording: the open step is dropped
};

static void
step_free(Step* const step)
{
  free(step->changes);
  free(step->before);
  free(step->after);
  memset(step, 0, sizeof(*step));
}

static Step*
at(MxUndo* const undo, const size_t i)
{
  return &undo->steps[(undo->first + i) % undo->depth];
}

MxUndo*
mx_undo_new(const unsigned depth)
{
  MxUndo* const undo = (MxUndo*)calloc(1U, sizeof(MxUndo));
  if (!undo || !(undo->steps = (Step*)calloc(depth ? depth : 1U, sizeof(Step)))) {
    free(undo);
    return NULL;
  }
  undo->depth = depth ? depth : 1U;
  return undo;
}

static void
drop_redo(MxUndo* const undo)
{
  for (size_t i = 0U; i < undo->n_redo; ++i) {
    step_free(at(undo, undo->n_undo + i));
  }
  undo->n_redo = 0U;
}

void
mx_undo_clear(MxUndo* const undo)
{
  drop_redo(undo);
  for (size_t i = 0U; i < undo->n_undo; ++i) {
    step_free(at(undo, i));
  }
  undo->n_undo = 0U;
  undo->first  = 0U;
}

void
mx_undo_free(MxUndo* const undo)
{
  if (undo) {
    mx_undo_clear(undo);
    step_free(&undo->open);
    free(undo->steps);
    free(undo);
  }
}

// ---------------------------------------------------------------------------
// Recording

void
mx_undo_begin(MxUndo* const undo, const unsigned source, const double now_ms)
{
  step_free(&undo->open);
  undo->open.source = source;
  undo->open.at     = now_ms;
  undo->is_open     = true;
  undo->failed      = false;
}

void
mx_undo_record(MxUndo* const  undo,
               const MxNode   node,
               const MxParam  param,
               const uint32_t sub,
               const float    before,
               const float    after)
{
  Step* const s = &undo->open;
  if (!undo->is_open || undo->failed || s->before) {
    return; // a step with its mix before has all it needs
  }
  // A control moved twice in one step keeps its first before
  for (size_t i = 0U; i < s->n_changes; ++i) {
    Change* const c = &s->changes[i];
    if (c->node.kind == node.kind && c->node.index == node.index && c->param == param &&
        c->sub == sub) {
      c->after = after;
      return;
    }
  }
  if (s->n_changes == s->cap) {
    const size_t  cap  = s->cap ? s->cap * 2U : 8U;
    Change* const more = (Change*)realloc(s->changes, cap * sizeof(Change));
    if (!more) {
      undo->failed = true;
      return;
    }
    s->changes = more;
    s->cap     = cap;
  }
  s->changes[s->n_changes++] = (Change){ node, param, sub, before, after };
}

void
mx_undo_record_mix(MxUndo* const undo, const MxModel* const model)
{
  Step* const s = &undo->open;
  if (!undo->is_open || undo->failed || s->before) {
    return;
  }

  // The mix now, less this step's moves so far: the mix before the step
  char*          text   = mx_session_format(model);
  MxModel*       clone  = NULL;
  const MxLimits limits = mx_model_limits(model);
  if (!text || mx_session_parse(text, strlen(text), "undo", &limits, &clone, NULL, 0U)) {
    free(text);
    undo->failed = true;
    return;
  }
  for (size_t i = s->n_changes; i-- > 0U;) {
    const Change* const c = &s->changes[i];
    mx_model_set(clone, c->node, c->param, c->sub, c->before);
  }
  free(text);
  s->before = mx_session_format(clone);
  mx_model_free(clone);
  undo->failed = !s->before;
}

static bool
same_control(const Change* const a, const Change* const b)
{
  return a->node.kind == b->node.kind && a->node.index == b->node.index && a->param == b->param &&
         a->sub == b->sub;
}

void
mx_undo_end(MxUndo* const undo, const MxModel* const model)
{
  (void)model;
  Step* const s = &undo->open;
  if (!undo->is_open) {
    return;
  }
  undo->is_open = false;
  if (undo->failed || (!s->before && !s->n_changes)) {
    step_free(s);
    return;
  }

  // One more move of the control the last step moved, soon after, by the same hand
  Step* const last = undo->n_undo && !undo->n_redo ? at(undo, undo->n_undo - 1U) : NULL;
  if (last && !last->before && !s->before && last->n_changes == 1U && s->n_changes == 1U &&
      s->source != MX_UNDO_SOURCE_NONE && last->source == s->source &&
      s->at - last->at < MX_UNDO_MERGE_MS && same_control(&last->changes[0], &s->changes[0])) {
    last->changes[0].after = s->changes[0].after;
    last->at               = s->at;
    step_free(s);
    return;
  }

  drop_redo(undo);
  if (undo->n_undo == undo->depth) {
    step_free(at(undo, 0U));
    undo->first = (undo->first + 1U) % undo->depth;
    --undo->n_undo;
  }
  *at(undo, undo->n_undo++) = *s;
  memset(s, 0, sizeof(*s));
}

size_t
mx_undo_count(const MxUndo* const undo)
{
  return undo->n_undo;
}

size_t
mx_undo_redo_count(const MxUndo* const undo)
{
  return undo->n_redo;
}

// ---------------------------------------------------------------------------
// Stepping

// The mix as `text` says, through the engine
static MxStatus
load_text(MxEngine* const engine, const char* const text, char* const why, const size_t size)
{
  MxModel*       model = NULL;
  char           err[256];
  const MxLimits limits = mx_model_limits(mx_engine_model(engine));
  MxStatus st = mx_session_parse(text, strlen(text), "undo", &limits, &model, err, sizeof(err));
  if (st) {
    return mx_why(st, why, size, "%s", err);
  }
  st = mx_engine_load(engine, model);
  mx_model_free(model);
  return st ? mx_why(st, why, size, "cannot load the mix: %s", mx_strerror(st)) : MX_SUCCESS;
}

// Apply a step backwards (undo) or forwards
static MxStatus
apply(MxEngine* const engine, Step* const s, const bool back, char* const why, const size_t size)
{
  if (s->before) {
    if (back && !s->after && !(s->after = mx_session_format(mx_engine_model(engine)))) {
      return mx_why(MX_ERR_NO_MEMORY, why, size, "out of memory");
    }
    return load_text(engine, back ? s->before : s->after, why, size);
  }

  MxStatus st = MX_SUCCESS;
  mx_engine_begin(engine);
  for (size_t k = 0U; !st && k < s->n_changes; ++k) {
    const Change* const c = &s->changes[back ? s->n_changes - 1U - k : k];
    st = mx_engine_set(engine, c->node, c->param, c->sub, back ? c->before : c->after);
    if (st) {
      mx_why(st, why, size, "the mix no longer has what the step changed: %s", mx_strerror(st));
    }
  }
  const MxStatus sent = mx_engine_commit(engine);
  return st ? st : sent;
}

MxStatus
mx_undo_undo(MxUndo* const undo, MxEngine* const engine, char* const why, const size_t size)
{
  if (!undo->n_undo) {
    return mx_why(MX_FAILURE, why, size, "nothing to undo");
  }
  const MxStatus st = apply(engine, at(undo, undo->n_undo - 1U), true, why, size);
  if (st) {
    mx_undo_clear(undo);
    return st;
  }
  --undo->n_undo;
  ++undo->n_redo;
  return MX_SUCCESS;
}

MxStatus
mx_undo_redo(MxUndo* const undo, MxEngine* const engine, char* const why, const size_t size)
{
  if (!undo->n_redo) {
    return mx_why(MX_FAILURE, why, size, "nothing to redo");
  }
  const MxStatus st = apply(engine, at(undo, undo->n_undo), false, why, size);
  if (st) {
    mx_undo_clear(undo);
    return st;
  }
  ++undo->n_undo;
  --undo->n_redo;
  return MX_SUCCESS;
}
