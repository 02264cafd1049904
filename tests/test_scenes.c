// SPDX-License-Identifier: GPL-3.0-or-later

// Scenes (daemon/scenes.h) on a real engine: a recall sets every control
// the scene keeps, by strip and bus NAME; a fade moves each continuous
// control evenly along its 0..1 taper and switches at once; a hand on a
// control takes it from the fade; recall-safe keeps a node or a group of
// its controls; solo and the monitor are never recalled; a recall is one
// undo step.  Time is given, never read: the tests are exact.

#include "scenes.h"

#include "engine.h"
#include "model.h"
#include "params.h"
#include "session.h"
#include "taper.h"
#include "testutil.h"
#include "undo.h"

#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------- Helpers

static MxEngine*
new_engine(void)
{
  const MxEngineConfig config = mx_engine_config_default();
  MxEngine* const      engine = mx_engine_new(&config);
  ck_assert_ptr_nonnull(engine);
  return engine;
}

// One period with no buffers, so that the engine's queue keeps moving
static void
run(MxEngine* const engine)
{
  mx_engine_process(engine, NULL, 64U);
  mx_engine_flush(engine);
}

// A copy of a model, through its session text
static MxModel*
copy_model(const MxModel* const model)
{
  char* const    text   = mx_session_format(model);
  const MxLimits limits = mx_model_limits(model);
  MxModel*       copy   = NULL;
  char           err[512];
  ck_assert_ptr_nonnull(text);
  ck_assert_msg(mx_session_parse(text, strlen(text), "copy", &limits, &copy, err, sizeof(err)) ==
                  MX_SUCCESS,
                "%s",
                err);
  free(text);
  return copy;
}

static MxNode
strip_named(const MxModel* const model, const char* const name)
{
  MxNode node = { MX_NODE_STRIP, 0U };
  ck_assert_msg(mx_model_find(model, MX_NODE_STRIP, name, &node.index) == MX_SUCCESS, "%s", name);
  return node;
}

static MxNode
bus_named(const MxModel* const model, const char* const name)
{
  MxNode node = { MX_NODE_BUS, 0U };
  ck_assert_msg(mx_model_find(model, MX_NODE_BUS, name, &node.index) == MX_SUCCESS, "%s", name);
  return node;
}

static float
get(const MxModel* const model, const MxNode node, const MxParam param, const uint32_t sub)
{
  float v = NAN;
  ck_assert_msg(mx_model_get(model, node, param, sub, &v) == MX_SUCCESS,
                "%s %u: %s",
                mx_node_kind_name(node.kind),
                node.index,
                mx_param_info(param)->path);
  return v;
}

static void
set(MxEngine* const engine,
    const MxNode    node,
    const MxParam   param,
    const uint32_t  sub,
    const float     v)
{
  const MxStatus st = mx_engine_set(engine, node, param, sub, v);
  ck_assert_msg(st == MX_SUCCESS,
                "%s %u %s %u = %g: %s",
                mx_node_kind_name(node.kind),
                node.index,
                mx_param_info(param)->path,
                sub,
                (double)v,
                mx_strerror(st));
}

// Controls no recall touches (scenes.h)
static bool
never_recalled(const MxParam param)
{
  return param == MX_P_SOLO || param == MX_P_SOLO_SAFE || param == MX_P_MONITOR_MODE ||
         param == MX_P_MONITOR_LEVEL || param >= MX_P_SAFE_ALL;
}

/**
   The controls a recall-safe switch keeps, as params.h documents them:
   written out here rather than taken from scenes.c, so that the two are
   checked against each other.
*/
static bool
kept_by(const MxParam safe, const MxParam p)
{
  switch (safe) {
    case MX_P_SAFE_ALL:
      return true;
    case MX_P_SAFE_INPUT:
      return p == MX_P_TRIM || p == MX_P_POLARITY || p == MX_P_DELAY;
    case MX_P_SAFE_EQ:
      return p == MX_P_HPF_ON || p == MX_P_HPF_FREQ || p == MX_P_HPF_SLOPE || p == MX_P_EQ_ON ||
             p == MX_P_EQ_AFTER_COMP || p == MX_P_EQ_BAND_ON || p == MX_P_EQ_BAND_TYPE ||
             p == MX_P_EQ_BAND_FREQ || p == MX_P_EQ_BAND_GAIN || p == MX_P_EQ_BAND_Q ||
             p == MX_P_LPF_ON || p == MX_P_LPF_FREQ || p == MX_P_LPF_SLOPE;
    case MX_P_SAFE_DYNAMICS:
      return (p >= MX_P_GATE_ON && p <= MX_P_GATE_RELEASE) ||
             (p >= MX_P_COMP_ON && p <= MX_P_COMP_DETECT) ||
             (p >= MX_P_LIMITER_ON && p <= MX_P_LIMITER_DRIVE);
    case MX_P_SAFE_FADER:
      return p == MX_P_FADER;
    case MX_P_SAFE_PAN:
      return p == MX_P_PAN || p == MX_P_WIDTH;
    case MX_P_SAFE_MUTE:
      return p == MX_P_MUTE;
    case MX_P_SAFE_SENDS:
      return p == MX_P_SEND_LEVEL || p == MX_P_SEND_ON || p == MX_P_SEND_TAP || p == MX_P_SEND_PAN;
    case MX_P_SAFE_ROUTING:
      return p == MX_P_ROUTE_MASTER || p == MX_P_ROUTE || p == MX_P_VCA || p == MX_P_MUTE_GROUP;
    default:
      return false;
  }
}

// True if the mix keeps this control of `node` out of a recall by its safe switches
static bool
is_safe(const MxModel* const mix, const MxNode node, const MxParam param)
{
  for (unsigned s = MX_P_SAFE_ALL; s <= MX_P_SAFE_ROUTING; ++s) {
    float on = 0.0f;
    if (mx_model_applies(mix, node, (MxParam)s, 0U) &&
        !mx_model_get(mix, node, (MxParam)s, 0U, &on) && on != 0.0f && kept_by((MxParam)s, param)) {
      return true;
    }
  }
  return false;
}

// The node of `other` that is `node` of `model`: strips and buses by name
static bool
same_node(const MxModel* const model,
          const MxNode         node,
          const MxModel* const other,
          MxNode* const        out)
{
  *out = node;
  if (node.kind == MX_NODE_STRIP || node.kind == MX_NODE_BUS) {
    return !mx_model_find(other, node.kind, mx_model_name(model, node), &out->index);
  }
  return mx_model_exists(other, node);
}

// The sub-index in `other` of a control's sub-index in `model`: buses by name
static bool
same_sub(const MxModel* const model,
         const MxParam        param,
         const uint32_t       sub,
         const MxModel* const other,
         uint32_t* const      out)
{
  *out = sub;
  if (mx_param_info(param)->sub != MX_SUB_BUS) {
    return true;
  }
  return !mx_model_find(
    other, MX_NODE_BUS, mx_model_name(model, (MxNode){ MX_NODE_BUS, sub }), out);
}

/// What a recall should have done, counted
typedef struct {
  unsigned compared; ///< Controls compared
  unsigned recalled; ///< Of them, set from the scene
  unsigned moved;    ///< Of those, to a value other than the one before
} Tally;

/**
   Check every control of `mix` after a recall of `scene` over `before` (a
   copy of the mix just before it, same topology): a control the scene
   keeps (node and bus by name, not safe in `mix`, not one of the never
   recalled) has the scene's value, every other control its value before.
   Writes the first difference to `why`.
*/
static bool
check_recall(const MxModel* const mix,
             const MxModel* const scene,
             const MxModel* const before,
             Tally* const         tally,
             char* const          why,
             const size_t         size)
{
  memset(tally, 0, sizeof(*tally));
  for (unsigned k = 0U; k < MX_NODE_N; ++k) {
    for (uint32_t i = 0U; i < mx_model_count(mix, (MxNodeKind)k); ++i) {
      const MxNode node = { (MxNodeKind)k, i };
      MxNode       in_scene;
      const bool   known = same_node(mix, node, scene, &in_scene);
      for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
        const MxParam param = (MxParam)p;
        for (uint32_t sub = 0U; sub < mx_model_sub_count(mix, node, param); ++sub) {
          if (!mx_model_applies(mix, node, param, sub)) {
            continue;
          }
          uint32_t at     = 0U;
          float    now    = NAN;
          float    old    = NAN;
          float    wanted = NAN;
          mx_model_get(mix, node, param, sub, &now);
          mx_model_get(before, node, param, sub, &old);
          const bool recalled = known && !never_recalled(param) && !is_safe(mix, node, param) &&
                                same_sub(mix, param, sub, scene, &at) &&
                                !mx_model_get(scene, in_scene, param, at, &wanted);
          const float expected = recalled ? wanted : old;
          ++tally->compared;
          tally->recalled += recalled;
          tally->moved += recalled && !(wanted == old);
          if (!(now == expected)) {
            snprintf(why,
                     size,
                     "%s %s %s %u: %.9g, expected %.9g (%s)",
                     mx_node_kind_name(node.kind),
                     mx_model_name(mix, node),
                     mx_param_info(param)->path,
                     sub,
                     (double)now,
                     (double)expected,
                     recalled ? "the scene's" : "as before");
            return false;
          }
        }
      }
    }
  }
  return true;
}

#define mxt_assert_recalled(mix, scene, before, tally)                                  \
  do {                                                                                  \
    char mxt_why_[512] = "";                                                            \
    ck_assert_msg(                                                                      \
      check_recall((mix), (scene), (before), (tally), mxt_why_, 512U), "%s", mxt_why_); \
  } while (0)

// ---------------------------------------------------------------- The mix

// Strips and buses: aux and group, mono and stereo
static void
build_mix(MxEngine* const engine)
{
  static const struct {
    const char* name;
    unsigned    channels;
  } strips[] = { { "kick", 1U }, { "snare", 1U }, { "vox", 1U }, { "keys", 2U } };
  static const struct {
    const char* name;
    MxBusKind   kind;
    unsigned    channels;
  } buses[] = {
    { "verb", MX_BUS_AUX, 2U },
    { "slap", MX_BUS_AUX, 1U },
    { "drums", MX_BUS_GROUP, 2U },
    { "band", MX_BUS_GROUP, 2U },
  };
  for (size_t i = 0U; i < sizeof(strips) / sizeof(*strips); ++i) {
    ck_assert_int_eq(mx_engine_add_strip(engine, strips[i].name, strips[i].channels, NULL),
                     MX_SUCCESS);
  }
  for (size_t i = 0U; i < sizeof(buses) / sizeof(*buses); ++i) {
    ck_assert_int_eq(
      mx_engine_add_bus(engine, buses[i].name, buses[i].kind, buses[i].channels, NULL), MX_SUCCESS);
  }
  run(engine);
}

/**
   The value of a control in state `which` (0 or 1): every control that a
   recall may set has a different value in each state, continuous ones
   in 0.2..0.4 of their taper in state 0 and 0.6..0.8 in state 1, so
   that a fade between them has somewhere to go.
*/
static float
state_value(const MxNode node, const MxParam param, const uint32_t sub, const unsigned which)
{
  const MxParamInfo* const info = mx_param_info(param);
  const unsigned           mix  = (unsigned)param + sub + node.index + (unsigned)node.kind;
  if (param == MX_P_ROUTE && node.kind == MX_NODE_BUS) {
    // Buses route forward in state 0 and back in state 1: never a loop
    return (float)(which ? node.index > sub : node.index < sub);
  }
  switch (info->type) {
    case MX_PARAM_SWITCH:
      return (float)((mix + which) % 2U);
    case MX_PARAM_ENUM:
      return (float)((mix + which) % ((unsigned)info->max + 1U));
    case MX_PARAM_FLOAT:
      break;
  }
  return mx_taper_from_norm(param, 0.2f + 0.05f * (float)(mix % 5U) + 0.4f * (float)which);
}

/**
   Set every recallable control of the mix to state `which`; routes that
   go off first, so that no step closes a loop of buses.
   @return The number of controls set.
*/
static unsigned
set_state(MxEngine* const engine, const unsigned which)
{
  const MxModel* const mix = mx_engine_model(engine);
  unsigned             n   = 0U;
  mx_engine_begin(engine);
  for (unsigned pass = 0U; pass < 2U; ++pass) {
    for (unsigned k = 0U; k < MX_NODE_N; ++k) {
      for (uint32_t i = 0U; i < mx_model_count(mix, (MxNodeKind)k); ++i) {
        const MxNode node = { (MxNodeKind)k, i };
        for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
          const MxParam param = (MxParam)p;
          for (uint32_t sub = 0U; sub < mx_model_sub_count(mix, node, param); ++sub) {
            const float v = state_value(node, param, sub, which);
            if (never_recalled(param) || !mx_model_applies(mix, node, param, sub) ||
                (pass == 0U) != (param == MX_P_ROUTE && v == 0.0f)) {
              continue;
            }
            set(engine, node, param, sub, v);
            ++n;
          }
        }
      }
    }
  }
  ck_assert_int_eq(mx_engine_commit(engine), MX_SUCCESS);
  run(engine);
  return n;
}

/// The desk-only controls, set apart in each state
static void
set_desk(MxEngine* const engine, const unsigned which)
{
  const MxModel* const mix     = mx_engine_model(engine);
  const MxNode         monitor = { MX_NODE_MONITOR, 0U };
  set(engine, strip_named(mix, "kick"), MX_P_SOLO, 0U, which ? 0.0f : 1.0f);
  set(engine, strip_named(mix, "snare"), MX_P_SOLO, 0U, which ? 1.0f : 0.0f);
  set(engine, strip_named(mix, "vox"), MX_P_SOLO_SAFE, 0U, which ? 0.0f : 1.0f);
  set(engine, bus_named(mix, "verb"), MX_P_SOLO_SAFE, 0U, which ? 1.0f : 0.0f);
  set(engine, monitor, MX_P_MONITOR_MODE, 0U, which ? (float)MX_SOLO_PFL : (float)MX_SOLO_AFL);
  set(engine, monitor, MX_P_MONITOR_LEVEL, 0U, which ? -20.0f : -10.0f);
}

/// A mix stored as scene 1 ("A", state 0), then set to state 1 ("B")
typedef struct {
  MxEngine* engine;
  MxScenes* scenes;
  MxModel*  a; ///< The mix as stored
  MxModel*  b; ///< The mix after, before any recall
} Fixture;

static void
fixture_init(Fixture* const f)
{
  f->engine = new_engine();
  f->scenes = mx_scenes_new();
  ck_assert_ptr_nonnull(f->scenes);
  build_mix(f->engine);
  const unsigned n = set_state(f->engine, 0U);
  ck_assert_uint_gt(n, 600U); // Every control of 4 strips, 4 buses, master, VCAs, mute groups
  set_desk(f->engine, 0U);
  char why[512] = "";
  ck_assert_msg(mx_scenes_store(f->scenes, 1U, "A", mx_engine_model(f->engine), why, sizeof(why)) ==
                  MX_SUCCESS,
                "%s",
                why);
  f->a = copy_model(mx_engine_model(f->engine));
  ck_assert_uint_eq(set_state(f->engine, 1U), n);
  set_desk(f->engine, 1U);
  f->b = copy_model(mx_engine_model(f->engine));
}

static void
fixture_clear(Fixture* const f)
{
  mx_model_free(f->b);
  mx_model_free(f->a);
  mx_scenes_free(f->scenes);
  mx_engine_free(f->engine);
}

static MxStatus
recall(Fixture* const f,
       const unsigned number,
       const double   fade_s,
       MxUndo* const  undo,
       const double   now)
{
  char           why[512] = "";
  const MxStatus st =
    mx_scenes_recall(f->scenes, number, fade_s, f->engine, undo, now, why, sizeof(why));
  ck_assert_msg(st == MX_SUCCESS, "%s", why);
  run(f->engine);
  return st;
}

// The scene's own model
static MxModel*
scene_model(const MxScenes* const scenes, const unsigned number)
{
  const char* const text   = mx_scenes_text(scenes, number);
  const MxLimits    limits = mx_limits_default();
  MxModel*          model  = NULL;
  char              err[512];
  ck_assert_ptr_nonnull(text);
  ck_assert_msg(mx_session_parse(text, strlen(text), "scene", &limits, &model, err, sizeof(err)) ==
                  MX_SUCCESS,
                "%s",
                err);
  return model;
}

// ---------------------------------------------------------------- Storing

START_TEST(store_keeps_the_mix_as_text)
{
  MxEngine* const engine = new_engine();
  build_mix(engine);
  set_state(engine, 0U);
  MxScenes* const scenes = mx_scenes_new();
  ck_assert_ptr_nonnull(scenes);
  ck_assert(!mx_scenes_exists(scenes, 1U));
  ck_assert_ptr_null(mx_scenes_name(scenes, 1U));
  ck_assert_ptr_null(mx_scenes_text(scenes, 1U));

  char why[512] = "";
  ck_assert_int_eq(mx_scenes_store(scenes, 1U, "Intro", mx_engine_model(engine), why, sizeof(why)),
                   MX_SUCCESS);
  ck_assert(mx_scenes_exists(scenes, 1U));
  ck_assert_str_eq(mx_scenes_name(scenes, 1U), "Intro");
  char* const text = mx_session_format(mx_engine_model(engine));
  ck_assert_str_eq(mx_scenes_text(scenes, 1U), text);

  // Stored again without a name: the name stays; new without one: ""
  set(engine, strip_named(mx_engine_model(engine), "kick"), MX_P_FADER, 0U, -7.0f);
  ck_assert_int_eq(mx_scenes_store(scenes, 1U, NULL, mx_engine_model(engine), why, sizeof(why)),
                   MX_SUCCESS);
  ck_assert_str_eq(mx_scenes_name(scenes, 1U), "Intro");
  ck_assert_ptr_nonnull(strstr(mx_scenes_text(scenes, 1U), "\n/strip/kick/fader -7\n"));
  ck_assert_int_eq(mx_scenes_store(scenes, 100U, NULL, mx_engine_model(engine), why, sizeof(why)),
                   MX_SUCCESS);
  ck_assert_str_eq(mx_scenes_name(scenes, 100U), "");
  ck_assert_int_eq(mx_scenes_set_name(scenes, 100U, "Last", why, sizeof(why)), MX_SUCCESS);
  ck_assert_str_eq(mx_scenes_name(scenes, 100U), "Last");

  // Cleared: none left
  mx_scenes_clear(scenes);
  for (unsigned n = 0U; n <= MX_SCENES_MAX + 1U; ++n) {
    ck_assert(!mx_scenes_exists(scenes, n));
  }
  free(text);
  mx_scenes_free(scenes);
  mx_scenes_free(NULL);
  mx_engine_free(engine);
}
END_TEST

START_TEST(store_refuses_bad_numbers_and_names)
{
  MxEngine* const engine = new_engine();
  build_mix(engine);
  MxScenes* const scenes = mx_scenes_new();
  ck_assert_ptr_nonnull(scenes);
  const MxModel* const mix      = mx_engine_model(engine);
  char                 why[512] = "";
  ck_assert_int_eq(mx_scenes_store(scenes, 4U, "Kept", mix, why, sizeof(why)), MX_SUCCESS);
  char* const kept = strdup(mx_scenes_text(scenes, 4U));
  ck_assert_ptr_nonnull(kept);

  static const unsigned bad_numbers[] = { 0U, 101U, 1000U, UINT_MAX };
  for (size_t i = 0U; i < sizeof(bad_numbers) / sizeof(*bad_numbers); ++i) {
    why[0] = '\0';
    ck_assert_int_ne(mx_scenes_store(scenes, bad_numbers[i], "x", mix, why, sizeof(why)),
                     MX_SUCCESS);
    ck_assert_msg(strstr(why, "1 to 100"), "%s", why);
    ck_assert(!mx_scenes_exists(scenes, bad_numbers[i]));
    ck_assert_int_ne(mx_scenes_set_name(scenes, bad_numbers[i], "x", why, sizeof(why)), MX_SUCCESS);
  }

  // Names: at most 63 bytes, no control characters; a refused store keeps the old scene
  static const char* const bad_names[] = {
    "1234567890123456789012345678901234567890123456789012345678901234",
    "new\nline",
    "tab\t",
    "\x7f",
    "\x1b[0m",
  };
  set(engine, strip_named(mix, "kick"), MX_P_FADER, 0U, -9.0f);
  for (size_t i = 0U; i < sizeof(bad_names) / sizeof(*bad_names); ++i) {
    why[0] = '\0';
    ck_assert_int_ne(mx_scenes_store(scenes, 4U, bad_names[i], mix, why, sizeof(why)), MX_SUCCESS);
    ck_assert_msg(why[0] != '\0', "no reason for name %zu", i);
    ck_assert_int_ne(mx_scenes_set_name(scenes, 4U, bad_names[i], why, sizeof(why)), MX_SUCCESS);
    ck_assert_str_eq(mx_scenes_name(scenes, 4U), "Kept");
    ck_assert_str_eq(mx_scenes_text(scenes, 4U), kept);
  }
  ck_assert_int_eq(
    mx_scenes_store(scenes,
                    4U,
                    "123456789012345678901234567890123456789012345678901234567890123",
                    mix,
                    why,
                    sizeof(why)),
    MX_SUCCESS);

  // Naming a scene not stored
  ck_assert_int_eq(mx_scenes_set_name(scenes, 5U, "x", why, sizeof(why)), MX_ERR_NOT_FOUND);
  ck_assert(!mx_scenes_exists(scenes, 5U));
  free(kept);
  mx_scenes_free(scenes);
  mx_engine_free(engine);
}
END_TEST

START_TEST(set_text_reads_a_scene)
{
  MxScenes* const scenes   = mx_scenes_new();
  const MxLimits  limits   = mx_limits_default();
  char            why[512] = "";
  ck_assert_ptr_nonnull(scenes);

  // Kept in the canonical form
  ck_assert_int_eq(
    mx_scenes_set_text(scenes,
                       3U,
                       "Three",
                       "# by hand\n/strip/add a 1\n\n/strip/a/fader -3.50 # comment\n",
                       &limits,
                       why,
                       sizeof(why)),
    MX_SUCCESS);
  ck_assert_str_eq(mx_scenes_text(scenes, 3U),
                   "# mixd session\n/strip/add a 1\n/strip/a/fader -3.5\n");
  ck_assert_str_eq(mx_scenes_name(scenes, 3U), "Three");
  ck_assert_int_eq(mx_scenes_set_text(scenes, 9U, NULL, "", &limits, why, sizeof(why)), MX_SUCCESS);
  ck_assert_str_eq(mx_scenes_name(scenes, 9U), "");

  // Bad text: refused, with its line, and scene 3 as it was
  static const struct {
    const char* text;
    const char* why;
  } bad[] = {
    { "/strip/add a 1\n/strip/a/fader 99\n", "scene 3:2: " },
    { "/strip/add a 1\n\n\n/strip/b/fader 1\n", "scene 3:4: " },
    { "/nothing\n", "scene 3:1: " },
    { "/strip/add a 1\n/strip/add a 1\n", "scene 3:2: " },
    { "/strip/add a 1\n/strip/a/mute 2\n", "scene 3:2: " },
  };
  for (size_t i = 0U; i < sizeof(bad) / sizeof(*bad); ++i) {
    why[0] = '\0';
    ck_assert_int_eq(mx_scenes_set_text(scenes, 3U, "New", bad[i].text, &limits, why, sizeof(why)),
                     MX_ERR_BAD_ARG);
    ck_assert_msg(!strncmp(why, bad[i].why, strlen(bad[i].why)), "'%s', not %s", why, bad[i].why);
    ck_assert_uint_gt(strlen(why), strlen(bad[i].why));
    ck_assert_str_eq(mx_scenes_name(scenes, 3U), "Three");
    ck_assert_str_eq(mx_scenes_text(scenes, 3U),
                     "# mixd session\n/strip/add a 1\n/strip/a/fader -3.5\n");
  }

  // Bad numbers and names
  ck_assert_int_ne(mx_scenes_set_text(scenes, 0U, "x", "", &limits, why, sizeof(why)), MX_SUCCESS);
  ck_assert_int_ne(mx_scenes_set_text(scenes, 101U, "x", "", &limits, why, sizeof(why)),
                   MX_SUCCESS);
  ck_assert_int_ne(mx_scenes_set_text(scenes, 3U, "a\nb", "", &limits, why, sizeof(why)),
                   MX_SUCCESS);
  ck_assert_str_eq(mx_scenes_name(scenes, 3U), "Three");
  mx_scenes_free(scenes);
}
END_TEST

// ---------------------------------------------------------------- Recall at once

START_TEST(recall_sets_every_control_at_once)
{
  Fixture f;
  fixture_init(&f);

  // Before: every control the scene may set differs from it
  Tally tally;
  char  why[512] = "";
  ck_assert(!check_recall(mx_engine_model(f.engine), f.a, f.b, &tally, why, sizeof(why)));

  recall(&f, 1U, 0.0, NULL, 1000.0);
  ck_assert_uint_eq(mx_scenes_fading(f.scenes), 0U);
  ck_assert(!mx_scenes_tick(f.scenes, f.engine, 1001.0));
  mxt_assert_recalled(mx_engine_model(f.engine), f.a, f.b, &tally);
  ck_assert_uint_gt(tally.recalled, 600U);
  ck_assert_uint_eq(tally.moved, tally.recalled); // Every one of them changed

  // The scene's own text says the same
  MxModel* const scene = scene_model(f.scenes, 1U);
  mxt_assert_recalled(mx_engine_model(f.engine), scene, f.b, &tally);
  mx_model_free(scene);

  // Never recalled: solo, solo-safe, the monitor, as in B
  const MxModel* const mix     = mx_engine_model(f.engine);
  const MxNode         monitor = { MX_NODE_MONITOR, 0U };
  mxt_assert_same(get(mix, strip_named(mix, "kick"), MX_P_SOLO, 0U), 0.0f);
  mxt_assert_same(get(mix, strip_named(mix, "snare"), MX_P_SOLO, 0U), 1.0f);
  mxt_assert_same(get(mix, strip_named(mix, "vox"), MX_P_SOLO_SAFE, 0U), 0.0f);
  mxt_assert_same(get(mix, bus_named(mix, "verb"), MX_P_SOLO_SAFE, 0U), 1.0f);
  mxt_assert_same(get(mix, monitor, MX_P_MONITOR_MODE, 0U), (float)MX_SOLO_PFL);
  mxt_assert_same(get(mix, monitor, MX_P_MONITOR_LEVEL, 0U), -20.0f);

  // Recalled again: nothing left to do
  recall(&f, 1U, 0.0, NULL, 2000.0);
  mxt_assert_recalled(mx_engine_model(f.engine), f.a, f.b, &tally);
  fixture_clear(&f);
}
END_TEST

// ---------------------------------------------------------------- Fades

/**
   Check that every continuous control the fade moves is `t` of the way
   along its 0..1 taper from B to A, and every switch or choice at A.
*/
static bool
check_fade(const Fixture* const f,
           const double         t,
           unsigned* const      moving,
           char* const          why,
           const size_t         size)
{
  const MxModel* const mix = mx_engine_model(f->engine);
  *moving                  = 0U;
  for (unsigned k = 0U; k < MX_NODE_N; ++k) {
    for (uint32_t i = 0U; i < mx_model_count(mix, (MxNodeKind)k); ++i) {
      const MxNode node = { (MxNodeKind)k, i };
      for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
        const MxParam param = (MxParam)p;
        for (uint32_t sub = 0U; sub < mx_model_sub_count(mix, node, param); ++sub) {
          if (never_recalled(param) || !mx_model_applies(mix, node, param, sub)) {
            continue;
          }
          const float now  = get(mix, node, param, sub);
          const float from = get(f->b, node, param, sub);
          const float to   = get(f->a, node, param, sub);
          bool        ok   = false;
          double      want = to;
          if (mx_taper_applies(param)) {
            const double a = mx_taper_to_norm(param, from);
            const double b = mx_taper_to_norm(param, to);
            want           = a + (b - a) * t;
            ok             = fabs(mx_taper_to_norm(param, now) - want) < 1e-4;
            *moving += from != to;
          } else {
            ok = now == to;
          }
          if (!ok) {
            snprintf(why,
                     size,
                     "%s %s %s %u at %.2f: %.9g (norm %.6f), expected norm %.6f",
                     mx_node_kind_name(node.kind),
                     mx_model_name(mix, node),
                     mx_param_info(param)->path,
                     sub,
                     t,
                     (double)now,
                     (double)mx_taper_to_norm(param, now),
                     want);
            return false;
          }
        }
      }
    }
  }
  return true;
}

#define mxt_assert_fade_at(f, t)                                                       \
  do {                                                                                 \
    char     mxt_why_[512] = "";                                                       \
    unsigned mxt_moving_   = 0U;                                                       \
    ck_assert_msg(check_fade((f), (t), &mxt_moving_, mxt_why_, 512U), "%s", mxt_why_); \
    ck_assert_uint_gt(mxt_moving_, 300U);                                              \
  } while (0)

START_TEST(fade_moves_along_the_taper)
{
  Fixture f;
  fixture_init(&f);
  const double start = 5000.0;
  recall(&f, 1U, 2.0, NULL, start);
  ck_assert_uint_eq(mx_scenes_fading(f.scenes), 1U);

  // At the start, before any tick: the switches are there, nothing else moved
  mxt_assert_fade_at(&f, 0.0);

  // Ticked every 20 ms: at 25, 50 and 75 % of the time, that far along
  for (double now = start + 20.0; now < start + 2000.0; now += 20.0) {
    ck_assert(mx_scenes_tick(f.scenes, f.engine, now));
    run(f.engine);
    const double t = (now - start) / 2000.0;
    if (t == 0.25 || t == 0.5 || t == 0.75) {
      mxt_assert_fade_at(&f, t);
    }
  }
  ck_assert_uint_eq(mx_scenes_fading(f.scenes), 1U);

  // At the end exactly the scene, and then it stops
  ck_assert(!mx_scenes_tick(f.scenes, f.engine, start + 2000.0));
  ck_assert_uint_eq(mx_scenes_fading(f.scenes), 0U);
  Tally tally;
  mxt_assert_recalled(mx_engine_model(f.engine), f.a, f.b, &tally);
  ck_assert_uint_eq(tally.moved, tally.recalled);
  ck_assert(!mx_scenes_tick(f.scenes, f.engine, start + 3000.0));
  mxt_assert_recalled(mx_engine_model(f.engine), f.a, f.b, &tally);
  fixture_clear(&f);
}
END_TEST

START_TEST(fade_spot_values)
{
  // One fader and one EQ frequency, by number: 0 dB to -30 dB is 0.75 to
  // 0.25 of the fader law; 100 Hz to 10 kHz even in octaves
  MxEngine* const engine = new_engine();
  MxScenes* const scenes = mx_scenes_new();
  ck_assert_ptr_nonnull(scenes);
  ck_assert_int_eq(mx_engine_add_strip(engine, "a", 1U, NULL), MX_SUCCESS);
  const MxNode a = { MX_NODE_STRIP, 0U };
  set(engine, a, MX_P_FADER, 0U, -30.0f);
  set(engine, a, MX_P_EQ_BAND_FREQ, 1U, 10000.0f);
  set(engine, a, MX_P_MUTE, 0U, 1.0f);
  char why[512] = "";
  ck_assert_int_eq(mx_scenes_store(scenes, 2U, "", mx_engine_model(engine), why, sizeof(why)),
                   MX_SUCCESS);
  set(engine, a, MX_P_FADER, 0U, 0.0f);
  set(engine, a, MX_P_EQ_BAND_FREQ, 1U, 100.0f);
  set(engine, a, MX_P_MUTE, 0U, 0.0f);

  ck_assert_int_eq(mx_scenes_recall(scenes, 2U, 2.0, engine, NULL, 0.0, why, sizeof(why)),
                   MX_SUCCESS);
  const MxModel* const mix = mx_engine_model(engine);
  mxt_assert_same(get(mix, a, MX_P_MUTE, 0U), 1.0f); // A switch changes at the start
  mxt_assert_same(get(mix, a, MX_P_FADER, 0U), 0.0f);
  static const struct {
    double ms;   ///< Time into the fade
    float  norm; ///< The fader's 0..1 form then
    float  hz;   ///< The frequency then
  } points[] = {
    { 500.0, 0.625f, 316.22777f },
    { 1000.0, 0.5f, 1000.0f },
    { 1500.0, 0.375f, 3162.2777f },
  };
  for (size_t i = 0U; i < sizeof(points) / sizeof(*points); ++i) {
    ck_assert(mx_scenes_tick(scenes, engine, points[i].ms));
    run(engine);
    ck_assert_float_eq_tol(
      mx_taper_to_norm(MX_P_FADER, get(mix, a, MX_P_FADER, 0U)), points[i].norm, 1e-5f);
    ck_assert_float_eq_tol(get(mix, a, MX_P_EQ_BAND_FREQ, 1U), points[i].hz, points[i].hz * 1e-4f);
    if (points[i].ms == 1000.0) {
      mxt_assert_same(get(mix, a, MX_P_FADER, 0U), -10.0f); // Half way along the law, exactly
    }
  }
  // A clock that steps back (the engine's, after the system's stood in for
  // it) holds the fade where it has come
  const float at_1500 = get(mix, a, MX_P_FADER, 0U);
  ck_assert(mx_scenes_tick(scenes, engine, 900.0));
  run(engine);
  mxt_assert_same(get(mix, a, MX_P_FADER, 0U), at_1500);
  ck_assert(!mx_scenes_tick(scenes, engine, 2000.0));
  mxt_assert_same(get(mix, a, MX_P_FADER, 0U), -30.0f);
  mxt_assert_same(get(mix, a, MX_P_EQ_BAND_FREQ, 1U), 10000.0f);

  // A tick long after, or late: the end, exactly
  set(engine, a, MX_P_FADER, 0U, 0.0f);
  ck_assert_int_eq(mx_scenes_recall(scenes, 2U, 2.0, engine, NULL, 0.0, why, sizeof(why)),
                   MX_SUCCESS);
  ck_assert(!mx_scenes_tick(scenes, engine, 60000.0));
  mxt_assert_same(get(mix, a, MX_P_FADER, 0U), -30.0f);
  mx_scenes_free(scenes);
  mx_engine_free(engine);
}
END_TEST

START_TEST(hand_takes_a_control_from_the_fade)
{
  Fixture f;
  fixture_init(&f);
  const MxModel* const mix  = mx_engine_model(f.engine);
  const MxNode         kick = strip_named(mix, "kick");
  const MxNode         vox  = strip_named(mix, "vox");
  const MxNode         keys = strip_named(mix, "keys");
  recall(&f, 1U, 2.0, NULL, 0.0);

  // Before the first tick, and at 25 %
  set(f.engine, vox, MX_P_TRIM, 0U, 1.25f);
  ck_assert(mx_scenes_tick(f.scenes, f.engine, 500.0));
  set(f.engine, kick, MX_P_FADER, 0U, -5.0f);
  set(f.engine, keys, MX_P_EQ_BAND_GAIN, 2U, 3.0f);
  const float kick_pan = get(mix, kick, MX_P_PAN, 0U);
  for (double now = 520.0; now <= 2000.0; now += 20.0) {
    mx_scenes_tick(f.scenes, f.engine, now);
    run(f.engine);
    mxt_assert_same(get(mix, kick, MX_P_FADER, 0U), -5.0f);
  }
  ck_assert_uint_eq(mx_scenes_fading(f.scenes), 0U);
  mxt_assert_same(get(mix, kick, MX_P_FADER, 0U), -5.0f);
  mxt_assert_same(get(mix, vox, MX_P_TRIM, 0U), 1.25f);
  mxt_assert_same(get(mix, keys, MX_P_EQ_BAND_GAIN, 2U), 3.0f);

  // The rest of the same strips went on to the scene
  ck_assert(kick_pan != get(f.a, kick, MX_P_PAN, 0U));
  mxt_assert_same(get(mix, kick, MX_P_PAN, 0U), get(f.a, kick, MX_P_PAN, 0U));
  mxt_assert_same(get(mix, vox, MX_P_FADER, 0U), get(f.a, vox, MX_P_FADER, 0U));
  mxt_assert_same(get(mix, keys, MX_P_EQ_BAND_GAIN, 1U), get(f.a, keys, MX_P_EQ_BAND_GAIN, 1U));

  // Everything else is the scene: as if those three were safe
  MxModel* const a = copy_model(f.a);
  ck_assert_int_eq(mx_model_set(a, kick, MX_P_FADER, 0U, -5.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(a, vox, MX_P_TRIM, 0U, 1.25f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(a, keys, MX_P_EQ_BAND_GAIN, 2U, 3.0f), MX_SUCCESS);
  Tally tally;
  mxt_assert_recalled(mix, a, f.b, &tally);
  mx_model_free(a);
  fixture_clear(&f);
}
END_TEST

START_TEST(stop_and_a_new_recall_end_a_fade)
{
  Fixture f;
  fixture_init(&f);
  const MxModel* const mix  = mx_engine_model(f.engine);
  const MxNode         kick = strip_named(mix, "kick");
  recall(&f, 1U, 2.0, NULL, 0.0);
  ck_assert(mx_scenes_tick(f.scenes, f.engine, 1000.0));
  const float half = get(mix, kick, MX_P_FADER, 0U);
  ck_assert(half != get(f.a, kick, MX_P_FADER, 0U) && half != get(f.b, kick, MX_P_FADER, 0U));
  mx_scenes_stop(f.scenes);
  ck_assert_uint_eq(mx_scenes_fading(f.scenes), 0U);
  ck_assert(!mx_scenes_tick(f.scenes, f.engine, 2000.0));
  mxt_assert_same(get(mix, kick, MX_P_FADER, 0U), half);

  // Scene 2 stored from B; recalled at once while scene 1 fades: scene 2 wins
  char why[512] = "";
  ck_assert_int_eq(mx_scenes_store(f.scenes, 2U, "B", f.b, why, sizeof(why)), MX_SUCCESS);
  recall(&f, 1U, 2.0, NULL, 3000.0);
  ck_assert(mx_scenes_tick(f.scenes, f.engine, 3500.0));
  recall(&f, 2U, 0.0, NULL, 3600.0);
  ck_assert_uint_eq(mx_scenes_fading(f.scenes), 0U);
  ck_assert(!mx_scenes_tick(f.scenes, f.engine, 4000.0));
  ck_assert(!mx_scenes_tick(f.scenes, f.engine, 6000.0));
  MxModel* const before = copy_model(mix);
  Tally          tally;
  mxt_assert_recalled(mix, f.b, before, &tally);
  char* const now  = mx_session_format(mix);
  char* const want = mx_session_format(f.b);
  ck_assert_str_eq(now, want); // B again, every control, desk state too
  free(want);
  free(now);
  mx_model_free(before);

  // Cleared: the fade stops with the scenes
  recall(&f, 1U, 2.0, NULL, 7000.0);
  ck_assert_uint_eq(mx_scenes_fading(f.scenes), 1U);
  mx_scenes_clear(f.scenes);
  ck_assert_uint_eq(mx_scenes_fading(f.scenes), 0U);
  ck_assert(!mx_scenes_tick(f.scenes, f.engine, 8000.0));
  fixture_clear(&f);
}
END_TEST

// ---------------------------------------------------------------- Recall-safe

/// A recall-safe switch on a node
typedef struct {
  MxParam     safe; ///< The switch
  MxNodeKind  kind; ///< The node: strip or bus by name, or the master
  const char* name; ///< Its name
} SafeCase;

#define ON_KICK(safe)           \
  {                             \
    safe, MX_NODE_STRIP, "kick" \
  }
#define ON_KEYS(safe)           \
  {                             \
    safe, MX_NODE_STRIP, "keys" \
  }
#define ON_DRUMS(safe)         \
  {                            \
    safe, MX_NODE_BUS, "drums" \
  }
#define ON_MASTER(safe)        \
  {                            \
    safe, MX_NODE_MASTER, NULL \
  }

// Every switch on a mono and a stereo strip; on a bus and the master, those
// whose controls they have (no sends there, no input or routing on the master)
static const SafeCase safe_cases[] = {
  ON_KICK(MX_P_SAFE_ALL),      ON_KEYS(MX_P_SAFE_ALL),       ON_DRUMS(MX_P_SAFE_ALL),
  ON_MASTER(MX_P_SAFE_ALL),    ON_KICK(MX_P_SAFE_INPUT),     ON_KEYS(MX_P_SAFE_INPUT),
  ON_DRUMS(MX_P_SAFE_INPUT),   ON_KICK(MX_P_SAFE_EQ),        ON_KEYS(MX_P_SAFE_EQ),
  ON_DRUMS(MX_P_SAFE_EQ),      ON_MASTER(MX_P_SAFE_EQ),      ON_KICK(MX_P_SAFE_DYNAMICS),
  ON_KEYS(MX_P_SAFE_DYNAMICS), ON_DRUMS(MX_P_SAFE_DYNAMICS), ON_MASTER(MX_P_SAFE_DYNAMICS),
  ON_KICK(MX_P_SAFE_FADER),    ON_KEYS(MX_P_SAFE_FADER),     ON_DRUMS(MX_P_SAFE_FADER),
  ON_MASTER(MX_P_SAFE_FADER),  ON_KICK(MX_P_SAFE_PAN),       ON_KEYS(MX_P_SAFE_PAN),
  ON_DRUMS(MX_P_SAFE_PAN),     ON_MASTER(MX_P_SAFE_PAN),     ON_KICK(MX_P_SAFE_MUTE),
  ON_KEYS(MX_P_SAFE_MUTE),     ON_DRUMS(MX_P_SAFE_MUTE),     ON_MASTER(MX_P_SAFE_MUTE),
  ON_KICK(MX_P_SAFE_SENDS),    ON_KEYS(MX_P_SAFE_SENDS),     ON_KICK(MX_P_SAFE_ROUTING),
  ON_KEYS(MX_P_SAFE_ROUTING),  ON_DRUMS(MX_P_SAFE_ROUTING),
};

START_TEST(recall_safe_keeps_its_controls)
{
  const SafeCase* const c = &safe_cases[_i];
  Fixture               f;
  fixture_init(&f);
  const MxModel* const mix  = mx_engine_model(f.engine);
  MxNode               node = { c->kind, 0U };
  if (c->name) {
    ck_assert_int_eq(mx_model_find(mix, c->kind, c->name, &node.index), MX_SUCCESS);
  }
  set(f.engine, node, c->safe, 0U, 1.0f);
  MxModel* const before = copy_model(mix);
  recall(&f, 1U, 0.0, NULL, 0.0);

  // The node's kept controls as before; all else, and its other controls, recalled
  Tally tally;
  mxt_assert_recalled(mix, f.a, before, &tally);
  unsigned kept  = 0U;
  unsigned moved = 0U;
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    const MxParam param = (MxParam)p;
    for (uint32_t sub = 0U; sub < mx_model_sub_count(mix, node, param); ++sub) {
      if (never_recalled(param) || !mx_model_applies(mix, node, param, sub)) {
        continue;
      }
      const float now = get(mix, node, param, sub);
      if (kept_by(c->safe, param)) {
        mxt_assert_same(now, get(before, node, param, sub));
        ++kept;
      } else {
        mxt_assert_same(now, get(f.a, node, param, sub));
        moved += !(now == get(before, node, param, sub));
      }
    }
  }
  ck_assert_uint_gt(kept, 0U); // The group is on this node
  ck_assert(c->safe == MX_P_SAFE_ALL ? moved == 0U : moved > 0U);
  mxt_assert_same(get(mix, node, c->safe, 0U), 1.0f); // Not recalled either

  // Another strip is recalled whole
  const MxNode snare = strip_named(mix, "snare");
  mxt_assert_same(get(mix, snare, MX_P_FADER, 0U), get(f.a, snare, MX_P_FADER, 0U));
  mxt_assert_same(get(mix, snare, MX_P_TRIM, 0U), get(f.a, snare, MX_P_TRIM, 0U));
  mx_model_free(before);
  fixture_clear(&f);
}
END_TEST

START_TEST(recall_safe_during_a_fade)
{
  // Safe switches are read when the recall starts: a fader safe by then
  // does not move at all
  Fixture f;
  fixture_init(&f);
  const MxModel* const mix  = mx_engine_model(f.engine);
  const MxNode         kick = strip_named(mix, "kick");
  set(f.engine, kick, MX_P_SAFE_FADER, 0U, 1.0f);
  recall(&f, 1U, 1.0, NULL, 0.0);
  for (double now = 100.0; now <= 1000.0; now += 100.0) {
    mx_scenes_tick(f.scenes, f.engine, now);
    mxt_assert_same(get(mix, kick, MX_P_FADER, 0U), get(f.b, kick, MX_P_FADER, 0U));
  }
  mxt_assert_same(get(mix, kick, MX_P_PAN, 0U), get(f.a, kick, MX_P_PAN, 0U));
  fixture_clear(&f);
}
END_TEST

// ---------------------------------------------------------------- By name

START_TEST(strips_and_buses_are_matched_by_name)
{
  Fixture f;
  fixture_init(&f);
  MxEngine* const      e   = f.engine;
  const MxModel* const mix = mx_engine_model(e);

  // Since the store: vox renamed, snare gone, a new strip, kick moved to
  // the end, verb moved after the groups, a new aux bus
  ck_assert_int_eq(mx_engine_rename(e, strip_named(mix, "vox"), "voice"), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_remove(e, strip_named(mix, "snare")), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_strip(e, "new", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_move(e, strip_named(mix, "kick"), 2U), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_move(e, bus_named(mix, "verb"), 3U), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_bus(e, "fx", MX_BUS_AUX, 1U, NULL), MX_SUCCESS);
  run(e);
  ck_assert_str_eq(mx_model_name(mix, (MxNode){ MX_NODE_STRIP, 2U }), "kick");
  ck_assert_str_eq(mx_model_name(mix, (MxNode){ MX_NODE_BUS, 3U }), "verb");
  const MxNode kick  = strip_named(mix, "kick");
  const MxNode keys  = strip_named(mix, "keys");
  const MxNode voice = strip_named(mix, "voice");
  const MxNode fresh = strip_named(mix, "new");
  const MxNode verb  = bus_named(mix, "verb");
  const MxNode slap  = bus_named(mix, "slap");
  const MxNode fx    = bus_named(mix, "fx");
  set(e, fresh, MX_P_FADER, 0U, -17.0f);
  set(e, kick, MX_P_SEND_LEVEL, fx.index, -4.0f);
  set(e, voice, MX_P_SEND_LEVEL, fx.index, -5.0f);
  MxModel* const before = copy_model(mix);

  char           why[512] = "";
  const MxStatus st       = mx_scenes_recall(f.scenes, 1U, 0.0, e, NULL, 0.0, why, sizeof(why));
  ck_assert_msg(st == MX_SUCCESS, "%s", why);
  run(e);

  // Every control: by name, or as it was
  Tally tally;
  mxt_assert_recalled(mix, f.a, before, &tally);
  ck_assert_uint_gt(tally.moved, 300U);

  // Spot checks: the moved strip has its own values, sends go to buses by name
  const MxNode a_kick = strip_named(f.a, "kick");
  const MxNode a_verb = bus_named(f.a, "verb");
  const MxNode a_slap = bus_named(f.a, "slap");
  ck_assert_uint_ne(a_kick.index, kick.index);
  ck_assert_uint_ne(a_verb.index, verb.index);
  mxt_assert_same(get(mix, kick, MX_P_FADER, 0U), get(f.a, a_kick, MX_P_FADER, 0U));
  mxt_assert_same(get(mix, kick, MX_P_SEND_LEVEL, verb.index),
                  get(f.a, a_kick, MX_P_SEND_LEVEL, a_verb.index));
  mxt_assert_same(get(mix, kick, MX_P_SEND_LEVEL, slap.index),
                  get(f.a, a_kick, MX_P_SEND_LEVEL, a_slap.index));
  ck_assert(get(f.a, a_kick, MX_P_SEND_LEVEL, a_verb.index) !=
            get(f.a, a_kick, MX_P_SEND_LEVEL, a_slap.index));
  mxt_assert_same(get(mix, keys, MX_P_WIDTH, 0U),
                  get(f.a, strip_named(f.a, "keys"), MX_P_WIDTH, 0U));
  mxt_assert_same(get(mix, verb, MX_P_FADER, 0U), get(f.a, a_verb, MX_P_FADER, 0U));

  // What the scene does not know is left alone
  mxt_assert_same(get(mix, fresh, MX_P_FADER, 0U), -17.0f);
  mxt_assert_same(get(mix, kick, MX_P_SEND_LEVEL, fx.index), -4.0f);
  mxt_assert_same(get(mix, voice, MX_P_SEND_LEVEL, fx.index), -5.0f);
  mxt_assert_same(get(mix, voice, MX_P_FADER, 0U), get(before, voice, MX_P_FADER, 0U));
  ck_assert(get(mix, voice, MX_P_FADER, 0U) != get(f.a, strip_named(f.a, "vox"), MX_P_FADER, 0U));
  uint32_t gone = 0U;
  ck_assert_int_eq(mx_model_find(mix, MX_NODE_STRIP, "snare", &gone), MX_ERR_NOT_FOUND);
  ck_assert_uint_eq(mx_model_count(mix, MX_NODE_STRIP), 4U);
  mx_model_free(before);
  fixture_clear(&f);
}
END_TEST

// ---------------------------------------------------------------- Refused recalls

START_TEST(bad_recall_changes_nothing)
{
  Fixture f;
  fixture_init(&f);
  recall(&f, 1U, 2.0, NULL, 0.0);
  ck_assert(mx_scenes_tick(f.scenes, f.engine, 500.0));
  const MxModel* const mix        = mx_engine_model(f.engine);
  char* const          before     = mx_session_format(mix);
  const uint64_t       generation = mx_model_generation(mix);
  MxUndo* const        undo       = mx_undo_new(MX_UNDO_DEPTH);
  ck_assert_ptr_nonnull(undo);

  static const unsigned numbers[] = { 0U, 2U, 99U, 100U, 101U, 1000U, UINT_MAX };
  for (size_t i = 0U; i < sizeof(numbers) / sizeof(*numbers); ++i) {
    char why[512] = "";
    ck_assert_int_eq(
      mx_scenes_recall(f.scenes, numbers[i], 0.0, f.engine, undo, 600.0, why, sizeof(why)),
      MX_ERR_NOT_FOUND);
    ck_assert_msg(why[0] != '\0', "no reason for scene %u", numbers[i]);
  }
  static const double fades[] = { -0.001, -1.0, -INFINITY, NAN, -NAN, 60.001, 61.0, 1e9, INFINITY };
  for (size_t i = 0U; i < sizeof(fades) / sizeof(*fades); ++i) {
    char why[512] = "";
    ck_assert_int_eq(
      mx_scenes_recall(f.scenes, 1U, fades[i], f.engine, undo, 600.0, why, sizeof(why)),
      MX_ERR_RANGE);
    ck_assert_msg(strstr(why, "0 to 60 seconds"), "%s", why);
  }

  // Not a thing changed, and the fade that ran still runs
  ck_assert_uint_eq(mx_model_generation(mix), generation);
  char* const after = mx_session_format(mix);
  ck_assert_str_eq(after, before);
  ck_assert_uint_eq(mx_scenes_fading(f.scenes), 1U);
  ck_assert_uint_eq(mx_undo_count(undo), 0U);
  ck_assert(mx_scenes_tick(f.scenes, f.engine, 1000.0));

  // The edges are good: 60 s, and 0
  char why[512] = "";
  ck_assert_int_eq(mx_scenes_recall(f.scenes, 1U, 60.0, f.engine, NULL, 0.0, why, sizeof(why)),
                   MX_SUCCESS);
  ck_assert(mx_scenes_tick(f.scenes, f.engine, 59999.0));
  ck_assert(!mx_scenes_tick(f.scenes, f.engine, 60000.0));
  free(after);
  free(before);
  mx_undo_free(undo);
  fixture_clear(&f);
}
END_TEST

// ---------------------------------------------------------------- Undo

START_TEST(recall_is_one_undo_step)
{
  Fixture f;
  fixture_init(&f);
  const MxModel* const mix    = mx_engine_model(f.engine);
  MxUndo* const        undo   = mx_undo_new(MX_UNDO_DEPTH);
  char* const          b_text = mx_session_format(mix);
  ck_assert_ptr_nonnull(undo);

  recall(&f, 1U, 0.0, undo, 1000.0);
  ck_assert_uint_eq(mx_undo_count(undo), 1U);
  char* const a_text = mx_session_format(mix);
  ck_assert_str_ne(a_text, b_text);

  // Undone: every control back, exactly; redone: the scene again
  char why[512] = "";
  ck_assert_int_eq(mx_undo_undo(undo, f.engine, why, sizeof(why)), MX_SUCCESS);
  run(f.engine);
  char* const undone = mx_session_format(mix);
  ck_assert_str_eq(undone, b_text);
  ck_assert_uint_eq(mx_undo_count(undo), 0U);
  ck_assert_uint_eq(mx_undo_redo_count(undo), 1U);
  ck_assert_int_eq(mx_undo_redo(undo, f.engine, why, sizeof(why)), MX_SUCCESS);
  char* const redone = mx_session_format(mix);
  ck_assert_str_eq(redone, a_text);

  // A recall that changes nothing is no step
  recall(&f, 1U, 0.0, undo, 5000.0);
  ck_assert_uint_eq(mx_undo_count(undo), 1U);
  free(redone);
  free(undone);
  free(a_text);
  free(b_text);
  mx_undo_free(undo);
  fixture_clear(&f);
}
END_TEST

START_TEST(faded_recall_is_one_undo_step)
{
  Fixture f;
  fixture_init(&f);
  const MxModel* const mix    = mx_engine_model(f.engine);
  MxUndo* const        undo   = mx_undo_new(MX_UNDO_DEPTH);
  char* const          b_text = mx_session_format(mix);
  ck_assert_ptr_nonnull(undo);

  recall(&f, 1U, 2.0, undo, 0.0);
  for (double now = 50.0; mx_scenes_tick(f.scenes, f.engine, now); now += 50.0) {
    run(f.engine);
  }
  ck_assert_uint_eq(mx_undo_count(undo), 1U);
  Tally tally;
  mxt_assert_recalled(mix, f.a, f.b, &tally);

  char why[512] = "";
  ck_assert_int_eq(mx_undo_undo(undo, f.engine, why, sizeof(why)), MX_SUCCESS);
  char* const undone = mx_session_format(mix);
  ck_assert_str_eq(undone, b_text);
  ck_assert_int_eq(mx_undo_undo(undo, f.engine, why, sizeof(why)), MX_FAILURE);
  free(undone);
  free(b_text);
  mx_undo_free(undo);
  fixture_clear(&f);
}
END_TEST

// ---------------------------------------------------------------- Suite

static Suite*
scenes_suite(void)
{
  Suite* const s = suite_create("scenes");

  TCase* const store = tcase_create("store");
  tcase_add_test(store, store_keeps_the_mix_as_text);
  tcase_add_test(store, store_refuses_bad_numbers_and_names);
  tcase_add_test(store, set_text_reads_a_scene);
  suite_add_tcase(s, store);

  TCase* const at_once = tcase_create("recall");
  tcase_add_test(at_once, recall_sets_every_control_at_once);
  tcase_add_test(at_once, strips_and_buses_are_matched_by_name);
  tcase_add_test(at_once, bad_recall_changes_nothing);
  suite_add_tcase(s, at_once);

  TCase* const fade = tcase_create("fade");
  tcase_add_test(fade, fade_moves_along_the_taper);
  tcase_add_test(fade, fade_spot_values);
  tcase_add_test(fade, hand_takes_a_control_from_the_fade);
  tcase_add_test(fade, stop_and_a_new_recall_end_a_fade);
  suite_add_tcase(s, fade);

  TCase* const safe = tcase_create("safe");
  tcase_add_loop_test(safe, recall_safe_keeps_its_controls, 0, MXT_N_CASES(safe_cases));
  tcase_add_test(safe, recall_safe_during_a_fade);
  suite_add_tcase(s, safe);

  TCase* const undo = tcase_create("undo");
  tcase_add_test(undo, recall_is_one_undo_step);
  tcase_add_test(undo, faded_recall_is_one_undo_step);
  suite_add_tcase(s, undo);
  return s;
}

int
main(void)
{
  return mxt_run_suite(scenes_suite());
}
