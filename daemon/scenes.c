// SPDX-License-Identifier: GPL-3.0-or-later

#include "scenes.h"

#include "params.h"
#include "session.h"
#include "taper.h"
#include "why.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// One stored scene
typedef struct {
  char* text;                    ///< Its session text, or NULL if not stored
  char  name[MX_SCENE_NAME_MAX]; ///< Its name
} Scene;

/// One control moving in a fade.  Strips and buses are held by slot, a
/// bus sub-index by the bus's slot: positions shift when the topology
/// changes during a fade, slots do not.
typedef struct {
  MxNodeKind kind;
  uint32_t   slot; ///< The node's slot (its index for the others)
  MxParam    param;
  uint32_t   sub_slot; ///< The sub-index, a bus as its slot
  float      from;     ///< Where it started
  float      to;       ///< The scene's value
  float      last;     ///< What the fade last set (a hand that moves it takes it over)
} Move;

struct MxScenesImpl {
  Scene    scenes[MX_SCENES_MAX];
  Move*    moves;     ///< The fade's controls
  size_t   n_moves;   ///< Entries of `moves` still fading
  size_t   cap;       ///< Room in `moves`
  double   start_ms;  ///< When the fade began
  double   length_ms; ///< How long it runs
  double   reached;   ///< How far it has come, 0 to 1
  unsigned fading;    ///< The scene it fades to, or 0
};

MxScenes*
mx_scenes_new(void)
{
  return (MxScenes*)calloc(1U, sizeof(MxScenes));
}

void
mx_scenes_clear(MxScenes* const scenes)
{
  for (unsigned i = 0U; i < MX_SCENES_MAX; ++i) {
    free(scenes->scenes[i].text);
    memset(&scenes->scenes[i], 0, sizeof(Scene));
  }
  mx_scenes_stop(scenes);
}

void
mx_scenes_free(MxScenes* const scenes)
{
  if (scenes) {
    mx_scenes_clear(scenes);
    free(scenes->moves);
    free(scenes);
  }
}

// ---------------------------------------------------------------------------
// Storing

static MxStatus
check_number(const unsigned number, char* const why, const size_t size)
{
  return number >= 1U && number <= MX_SCENES_MAX ? MX_SUCCESS
                                                 : mx_why(MX_ERR_NOT_FOUND,
                                                          why,
                                                          size,
                                                          "scenes are numbered 1 to %u, not %u",
                                                          MX_SCENES_MAX,
                                                          number);
}

static MxStatus
check_name(const char* const name, char* const why, const size_t size)
{
  if (strlen(name) >= MX_SCENE_NAME_MAX) {
    return mx_why(
      MX_ERR_RANGE, why, size, "a scene name is at most %u bytes", MX_SCENE_NAME_MAX - 1U);
  }
  for (const unsigned char* c = (const unsigned char*)name; *c; ++c) {
    if (*c < 0x20U || *c == 0x7FU) {
      return mx_why(MX_ERR_BAD_ARG, why, size, "a scene name cannot hold control characters");
    }
  }
  return MX_SUCCESS;
}

// Keep `text` (taken) and `name` as scene `number`
static void
keep(MxScenes* const scenes, const unsigned number, const char* const name, char* const text)
{
  Scene* const s = &scenes->scenes[number - 1U];
  free(s->text);
  s->text = text;
  if (name) {
    snprintf(s->name, sizeof(s->name), "%s", name);
  }
}

MxStatus
mx_scenes_store(MxScenes* const      scenes,
                const unsigned       number,
                const char* const    name,
                const MxModel* const model,
                char* const          why,
                const size_t         size)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, check_number(number, why, size));
  if (name) {
    TRY(st, check_name(name, why, size));
  }
  char* const text = mx_session_format(model);
  if (!text) {
    return mx_why(MX_ERR_NO_MEMORY, why, size, "out of memory");
  }
  keep(scenes, number, name, text);
  return MX_SUCCESS;
}

MxStatus
mx_scenes_set_name(MxScenes* const   scenes,
                   const unsigned    number,
                   const char* const name,
                   char* const       why,
                   const size_t      size)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, check_number(number, why, size));
  TRY(st, check_name(name, why, size));
  if (!scenes->scenes[number - 1U].text) {
    return mx_why(MX_ERR_NOT_FOUND, why, size, "scene %u is not stored", number);
  }
  snprintf(scenes->scenes[number - 1U].name, MX_SCENE_NAME_MAX, "%s", name);
  return MX_SUCCESS;
}

MxStatus
mx_scenes_set_text(MxScenes* const       scenes,
                   const unsigned        number,
                   const char* const     name,
                   const char* const     text,
                   const MxLimits* const limits,
                   char* const           why,
                   const size_t          size)
{
  MxStatus st    = MX_SUCCESS;
  MxModel* model = NULL;
  char     label[32];
  TRY(st, check_number(number, why, size));
  TRY(st, check_name(name ? name : "", why, size));
  snprintf(label, sizeof(label), "scene %u", number);
  // Whatever the line's fault, the text does not read as a mix (scenes.h)
  st = mx_session_parse(text, strlen(text), label, limits, &model, why, size);
  if (st) {
    return st == MX_ERR_NO_MEMORY ? st : MX_ERR_BAD_ARG;
  }
  char* const copy = mx_session_format(model); // in the canonical form
  mx_model_free(model);
  if (!copy) {
    return mx_why(MX_ERR_NO_MEMORY, why, size, "out of memory");
  }
  keep(scenes, number, name ? name : "", copy);
  return MX_SUCCESS;
}

bool
mx_scenes_exists(const MxScenes* const scenes, const unsigned number)
{
  return number >= 1U && number <= MX_SCENES_MAX && scenes->scenes[number - 1U].text;
}

const char*
mx_scenes_name(const MxScenes* const scenes, const unsigned number)
{
  return mx_scenes_exists(scenes, number) ? scenes->scenes[number - 1U].name : NULL;
}

const char*
mx_scenes_text(const MxScenes* const scenes, const unsigned number)
{
  return mx_scenes_exists(scenes, number) ? scenes->scenes[number - 1U].text : NULL;
}

// ---------------------------------------------------------------------------
// What a recall touches

// The recall-safe switch that keeps a control, MX_P_SAFE_ALL for one
// never recalled, or MX_P_COUNT for one every recall sets
static MxParam
safe_group(const MxParam param)
{
  switch (param) {
    case MX_P_TRIM:
    case MX_P_POLARITY:
    case MX_P_DELAY:
      return MX_P_SAFE_INPUT;
    case MX_P_HPF_ON:
    case MX_P_HPF_FREQ:
    case MX_P_HPF_SLOPE:
    case MX_P_EQ_ON:
    case MX_P_EQ_AFTER_COMP:
    case MX_P_EQ_BAND_ON:
    case MX_P_EQ_BAND_TYPE:
    case MX_P_EQ_BAND_FREQ:
    case MX_P_EQ_BAND_GAIN:
    case MX_P_EQ_BAND_Q:
    case MX_P_LPF_ON:
    case MX_P_LPF_FREQ:
    case MX_P_LPF_SLOPE:
      return MX_P_SAFE_EQ;
    case MX_P_GATE_ON:
    case MX_P_GATE_THRESHOLD:
    case MX_P_GATE_RANGE:
    case MX_P_GATE_ATTACK:
    case MX_P_GATE_HOLD:
    case MX_P_GATE_RELEASE:
    case MX_P_COMP_ON:
    case MX_P_COMP_THRESHOLD:
    case MX_P_COMP_RATIO:
    case MX_P_COMP_KNEE:
    case MX_P_COMP_ATTACK:
    case MX_P_COMP_RELEASE:
    case MX_P_COMP_MAKEUP:
    case MX_P_COMP_DETECT:
    case MX_P_LIMITER_ON:
    case MX_P_LIMITER_CEILING:
    case MX_P_LIMITER_RELEASE:
    case MX_P_LIMITER_DRIVE:
      return MX_P_SAFE_DYNAMICS;
    case MX_P_FADER:
      return MX_P_SAFE_FADER;
    case MX_P_PAN:
    case MX_P_WIDTH:
      return MX_P_SAFE_PAN;
    case MX_P_MUTE:
      return MX_P_SAFE_MUTE;
    case MX_P_SEND_LEVEL:
    case MX_P_SEND_ON:
    case MX_P_SEND_TAP:
    case MX_P_SEND_PAN:
      return MX_P_SAFE_SENDS;
    case MX_P_ROUTE_MASTER:
    case MX_P_ROUTE:
    case MX_P_VCA:
    case MX_P_MUTE_GROUP:
      return MX_P_SAFE_ROUTING;
    case MX_P_SOLO:
    case MX_P_SOLO_SAFE:
    case MX_P_MONITOR_MODE:
    case MX_P_MONITOR_LEVEL:
    case MX_P_SAFE_ALL:
    case MX_P_SAFE_INPUT:
    case MX_P_SAFE_EQ:
    case MX_P_SAFE_DYNAMICS:
    case MX_P_SAFE_FADER:
    case MX_P_SAFE_PAN:
    case MX_P_SAFE_MUTE:
    case MX_P_SAFE_SENDS:
    case MX_P_SAFE_ROUTING:
      break;
  }
  return MX_P_SAFE_ALL;
}

static bool
is_on(const MxModel* const model, const MxNode node, const MxParam param)
{
  float v = 0.0f;
  return mx_model_applies(model, node, param, 0U) && !mx_model_get(model, node, param, 0U, &v) &&
         v != 0.0f;
}

// The node of the scene that `node` of the mix is: same name for strips
// and buses, same number for the others
static bool
scene_node(const MxModel* const mix,
           const MxNode         node,
           const MxModel* const scene,
           MxNode* const        out)
{
  *out = node;
  if (node.kind == MX_NODE_STRIP || node.kind == MX_NODE_BUS) {
    return !mx_model_find(scene, node.kind, mx_model_name(mix, node), &out->index);
  }
  return mx_model_exists(scene, node);
}

// The sub-index in the scene of a control's sub-index in the mix (a bus by name)
static bool
scene_sub(const MxModel* const mix,
          const MxParam        param,
          const uint32_t       sub,
          const MxModel* const scene,
          uint32_t* const      out)
{
  *out = sub;
  if (mx_param_info(param)->sub != MX_SUB_BUS) {
    return true;
  }
  const MxNode bus = { MX_NODE_BUS, sub };
  return !mx_model_find(scene, MX_NODE_BUS, mx_model_name(mix, bus), out);
}

// The slot of a strip or bus; the index of the others
static uint32_t
slot_of(const MxModel* const mix, const MxNode node)
{
  return node.kind == MX_NODE_STRIP || node.kind == MX_NODE_BUS ? mx_model_slot(mix, node)
                                                                : node.index;
}

static uint32_t
sub_slot_of(const MxModel* const mix, const MxParam param, const uint32_t sub)
{
  return mx_param_info(param)->sub == MX_SUB_BUS ? mx_model_slot(mix, (MxNode){ MX_NODE_BUS, sub })
                                                 : sub;
}

// Where a move's control is now: false if it is gone
static bool
find_move(const MxModel* const mix, const Move* const m, MxNode* const node, uint32_t* const sub)
{
  *node = (MxNode){ m->kind, m->slot };
  *sub  = m->sub_slot;
  if ((m->kind == MX_NODE_STRIP || m->kind == MX_NODE_BUS) &&
      (mx_model_slot_state(mix, m->kind, m->slot) != MX_SLOT_USED ||
       mx_model_slot_node(mix, m->kind, m->slot, node))) {
    return false;
  }
  MxNode bus = { MX_NODE_BUS, 0U };
  if (mx_param_info(m->param)->sub == MX_SUB_BUS) {
    if (mx_model_slot_state(mix, MX_NODE_BUS, m->sub_slot) != MX_SLOT_USED ||
        mx_model_slot_node(mix, MX_NODE_BUS, m->sub_slot, &bus)) {
      return false;
    }
    *sub = bus.index;
  }
  return true;
}

static MxStatus
add_move(MxScenes* const scenes, const Move* const move)
{
  if (scenes->n_moves == scenes->cap) {
    const size_t cap  = scenes->cap ? scenes->cap * 2U : 64U;
    Move* const  more = (Move*)realloc(scenes->moves, cap * sizeof(Move));
    if (!more) {
      return MX_ERR_NO_MEMORY;
    }
    scenes->moves = more;
    scenes->cap   = cap;
  }
  scenes->moves[scenes->n_moves++] = *move;
  return MX_SUCCESS;
}

// Where a fade of `m` is at `t` (0..1): even along the control's 0..1 form
static float
fade_value(const Move* const m, const double t)
{
  if (t >= 1.0) {
    return m->to;
  }
  if (mx_taper_applies(m->param)) {
    const double a = (double)mx_taper_to_norm(m->param, m->from);
    const double b = (double)mx_taper_to_norm(m->param, m->to);
    return mx_taper_from_norm(m->param, (float)(a + (b - a) * t));
  }
  return (float)((double)m->from + ((double)m->to - (double)m->from) * t);
}

/// What one recall found to do
typedef struct {
  MxScenes* scenes;
  MxEngine* engine;
  MxUndo*   undo;
  bool      fade;    ///< Continuous controls fade (else they are set now)
  unsigned  refused; ///< Settings the engine would not take
  MxStatus  st;      ///< Out of memory
} Recall;

// Recall the controls of one node; pass 0 sets only the routes that
// switch off, pass 1 the rest, so no step closes a loop of buses (engine.c)
static void
recall_node(Recall* const r, const MxModel* const scene, const MxNode node, const unsigned pass)
{
  const MxModel* const mix = mx_engine_model(r->engine);
  MxNode               from;
  if (!scene_node(mix, node, scene, &from) || is_on(mix, node, MX_P_SAFE_ALL)) {
    return;
  }
  for (unsigned p = 0U; p < MX_P_COUNT && !r->st; ++p) {
    const MxParam param = (MxParam)p;
    const MxParam group = safe_group(param);
    if (group == MX_P_SAFE_ALL || is_on(mix, node, group)) {
      continue;
    }
    for (uint32_t sub = 0U; sub < mx_model_sub_count(mix, node, param); ++sub) {
      uint32_t at   = 0U;
      float    have = 0.0f;
      float    want = 0.0f;
      if (!mx_model_applies(mix, node, param, sub) || !scene_sub(mix, param, sub, scene, &at) ||
          mx_model_get(scene, from, param, at, &want) ||
          mx_model_get(mix, node, param, sub, &have) || want == have ||
          (pass == 0U) != (param == MX_P_ROUTE && want == 0.0f)) {
        continue;
      }
      if (r->fade && mx_taper_applies(param)) {
        const Move move = {
          node.kind, slot_of(mix, node), param, sub_slot_of(mix, param, sub), have, want, have
        };
        r->st = add_move(r->scenes, &move);
      } else if (mx_engine_set(r->engine, node, param, sub, want)) {
        ++r->refused;
        continue;
      }
      if (r->undo) {
        mx_undo_record(r->undo, node, param, sub, have, want);
      }
    }
  }
}

MxStatus
mx_scenes_recall(MxScenes* const scenes,
                 const unsigned  number,
                 const double    fade_s,
                 MxEngine* const engine,
                 MxUndo* const   undo,
                 const double    now_ms,
                 char* const     why,
                 const size_t    size)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, check_number(number, why, size));
  if (!scenes->scenes[number - 1U].text) {
    return mx_why(MX_ERR_NOT_FOUND, why, size, "scene %u is not stored", number);
  }
  if (isnan(fade_s) || fade_s < 0.0 || fade_s > MX_SCENE_FADE_MAX_S) {
    return mx_why(MX_ERR_RANGE, why, size, "a fade is 0 to %.0f seconds", MX_SCENE_FADE_MAX_S);
  }

  const MxModel* const mix    = mx_engine_model(engine);
  const MxLimits       limits = mx_model_limits(mix);
  const char* const    text   = scenes->scenes[number - 1U].text;
  MxModel*             scene  = NULL;
  TRY(st, mx_session_parse(text, strlen(text), "scene", &limits, &scene, why, size));

  // A new recall takes over from a fade still running
  mx_scenes_stop(scenes);
  Recall r = { scenes, engine, undo, fade_s > 0.0, 0U, MX_SUCCESS };
  if (undo) {
    mx_undo_begin(undo, MX_UNDO_SOURCE_NONE, now_ms);
  }
  mx_engine_begin(engine);
  for (unsigned pass = 0U; pass < 2U; ++pass) {
    for (unsigned k = 0U; k < MX_NODE_N; ++k) {
      const MxNodeKind kind = (MxNodeKind)k;
      for (uint32_t i = 0U; i < mx_model_count(mix, kind); ++i) {
        recall_node(&r, scene, (MxNode){ kind, i }, pass);
      }
    }
  }
  st = mx_engine_commit(engine);
  if (undo) {
    mx_undo_end(undo, mix);
  }
  mx_model_free(scene);
  if (r.st || st) {
    mx_scenes_stop(scenes);
    return mx_why(r.st ? r.st : st, why, size, "%s", mx_strerror(r.st ? r.st : st));
  }

  scenes->start_ms  = now_ms;
  scenes->length_ms = fade_s * 1000.0;
  scenes->reached   = 0.0;
  scenes->fading    = scenes->n_moves ? number : 0U;
  if (r.refused) {
    return mx_why(MX_FAILURE,
                  why,
                  size,
                  "%u setting%s of scene %u could not be applied",
                  r.refused,
                  r.refused == 1U ? "" : "s",
                  number);
  }
  return MX_SUCCESS;
}

bool
mx_scenes_tick(MxScenes* const scenes, MxEngine* const engine, const double now_ms)
{
  if (!scenes->fading) {
    return false;
  }
  // A clock that steps back holds the fade where it is
  const double since       = now_ms - scenes->start_ms;
  const double t           = fmax(since / scenes->length_ms, scenes->reached);
  scenes->reached          = t;
  const MxModel* const mix = mx_engine_model(engine);
  size_t               n   = 0U;
  mx_engine_begin(engine);
  for (size_t i = 0U; i < scenes->n_moves; ++i) {
    Move* const m    = &scenes->moves[i];
    MxNode      node = { m->kind, 0U };
    uint32_t    sub  = 0U;
    float       now  = 0.0f;
    // Gone, or moved by a hand since the last step: no longer the fade's
    if (!find_move(mix, m, &node, &sub) || mx_model_get(mix, node, m->param, sub, &now) ||
        now != m->last || mx_engine_set(engine, node, m->param, sub, fade_value(m, t)) ||
        mx_model_get(mix, node, m->param, sub, &m->last)) {
      continue;
    }
    scenes->moves[n++] = *m;
  }
  mx_engine_commit(engine);
  scenes->n_moves = t >= 1.0 ? 0U : n;
  if (!scenes->n_moves) {
    scenes->fading = 0U;
  }
  return scenes->fading != 0U;
}

void
mx_scenes_stop(MxScenes* const scenes)
{
  scenes->n_moves = 0U;
  scenes->fading  = 0U;
}

unsigned
mx_scenes_fading(const MxScenes* const scenes)
{
  return scenes->fading;
}
