// SPDX-License-Identifier: GPL-3.0-or-later

// The undo history (daemon/undo.h) on a real engine: a step undoes and
// redoes every change it holds; moves of one control from one hand close
// together merge; a new step drops the redo list; at most `depth` steps
// are kept; a topology step brings back the whole mix.

#include "undo.h"

#include "engine.h"
#include "model.h"
#include "params.h"
#include "session.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------- Helpers

/// An engine with strips a and b (mono) and c (stereo), an aux bus fx, and a history
typedef struct {
  MxEngine* engine;
  MxUndo*   undo;
} Desk;

// One period with no buffers, so that the engine's queue keeps moving and
// removed strips are let go
static void
run(MxEngine* const engine)
{
  mx_engine_process(engine, NULL, 64U);
  mx_engine_flush(engine);
}

static void
desk_init(Desk* const d, const unsigned depth)
{
  const MxEngineConfig config = mx_engine_config_default();
  d->engine                   = mx_engine_new(&config);
  ck_assert_ptr_nonnull(d->engine);
  d->undo = mx_undo_new(depth);
  ck_assert_ptr_nonnull(d->undo);
  ck_assert_int_eq(mx_engine_add_strip(d->engine, "a", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_strip(d->engine, "b", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_strip(d->engine, "c", 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_bus(d->engine, "fx", MX_BUS_AUX, 2U, NULL), MX_SUCCESS);
  run(d->engine);
}

static void
desk_clear(Desk* const d)
{
  mx_undo_free(d->undo);
  mx_engine_free(d->engine);
}

static MxNode
strip(const Desk* const d, const char* const name)
{
  MxNode node = { MX_NODE_STRIP, 0U };
  ck_assert_msg(mx_model_find(mx_engine_model(d->engine), MX_NODE_STRIP, name, &node.index) ==
                  MX_SUCCESS,
                "no strip %s",
                name);
  return node;
}

static float
value(const Desk* const d, const char* const name, const MxParam param, const uint32_t sub)
{
  float v = NAN;
  ck_assert_int_eq(mx_model_get(mx_engine_model(d->engine), strip(d, name), param, sub, &v),
                   MX_SUCCESS);
  return v;
}

static bool
has_strip(const Desk* const d, const char* const name)
{
  uint32_t index = 0U;
  return !mx_model_find(mx_engine_model(d->engine), MX_NODE_STRIP, name, &index);
}

// Set a control of a strip as a client does: through the engine, recorded in the open step
static void
change(Desk* const       d,
       const char* const name,
       const MxParam     param,
       const uint32_t    sub,
       const float       v)
{
  const MxNode node   = strip(d, name);
  const float  before = value(d, name, param, sub);
  ck_assert_int_eq(mx_engine_set(d->engine, node, param, sub, v), MX_SUCCESS);
  mx_undo_record(d->undo, node, param, sub, before, v);
}

// One step of one change, from `source` at `now`
static void
move(Desk* const    d,
     const unsigned source,
     const double   now,
     const char*    name,
     const MxParam  param,
     const uint32_t sub,
     const float    v)
{
  mx_undo_begin(d->undo, source, now);
  change(d, name, param, sub, v);
  mx_undo_end(d->undo, mx_engine_model(d->engine));
}

static void
undo_ok(Desk* const d)
{
  char           why[512] = "";
  const MxStatus st       = mx_undo_undo(d->undo, d->engine, why, sizeof(why));
  ck_assert_msg(st == MX_SUCCESS, "undo: %s (%s)", mx_strerror(st), why);
  run(d->engine);
}

static void
redo_ok(Desk* const d)
{
  char           why[512] = "";
  const MxStatus st       = mx_undo_redo(d->undo, d->engine, why, sizeof(why));
  ck_assert_msg(st == MX_SUCCESS, "redo: %s (%s)", mx_strerror(st), why);
  run(d->engine);
}

// The mix as session text (free with free())
static char*
mix_text(const Desk* const d)
{
  char* const text = mx_session_format(mx_engine_model(d->engine));
  ck_assert_ptr_nonnull(text);
  return text;
}

// ---------------------------------------------------------------- Basics

START_TEST(nothing_to_undo)
{
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  char* const before   = mix_text(&d);
  char        why[512] = "";
  ck_assert_uint_eq(mx_undo_count(d.undo), 0U);
  ck_assert_uint_eq(mx_undo_redo_count(d.undo), 0U);
  ck_assert_int_eq(mx_undo_undo(d.undo, d.engine, why, sizeof(why)), MX_FAILURE);
  ck_assert_str_eq(why, "nothing to undo");
  ck_assert_int_eq(mx_undo_redo(d.undo, d.engine, why, sizeof(why)), MX_FAILURE);
  ck_assert_str_eq(why, "nothing to redo");

  // An empty step is none; nor is a change recorded outside a step
  mx_undo_begin(d.undo, 1U, 0.0);
  mx_undo_end(d.undo, mx_engine_model(d.engine));
  ck_assert_uint_eq(mx_undo_count(d.undo), 0U);
  mx_undo_record(d.undo, strip(&d, "a"), MX_P_FADER, 0U, 0.0f, -3.0f);
  mx_undo_end(d.undo, mx_engine_model(d.engine));
  ck_assert_uint_eq(mx_undo_count(d.undo), 0U);
  ck_assert_int_eq(mx_undo_undo(d.undo, d.engine, why, sizeof(why)), MX_FAILURE);

  char* const after = mix_text(&d);
  ck_assert_str_eq(after, before);
  free(after);
  free(before);
  mx_undo_free(NULL);
  desk_clear(&d);
}
END_TEST

START_TEST(undo_and_redo_one_change)
{
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  move(&d, 1U, 0.0, "a", MX_P_FADER, 0U, -10.0f);
  ck_assert_uint_eq(mx_undo_count(d.undo), 1U);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), -10.0f);

  undo_ok(&d);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), 0.0f);
  ck_assert_uint_eq(mx_undo_count(d.undo), 0U);
  ck_assert_uint_eq(mx_undo_redo_count(d.undo), 1U);

  redo_ok(&d);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), -10.0f);
  ck_assert_uint_eq(mx_undo_count(d.undo), 1U);
  ck_assert_uint_eq(mx_undo_redo_count(d.undo), 0U);

  // Back and forth, as often as wanted
  for (int i = 0; i < 5; ++i) {
    undo_ok(&d);
    mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), 0.0f);
    redo_ok(&d);
    mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), -10.0f);
  }
  char why[512] = "";
  ck_assert_int_eq(mx_undo_redo(d.undo, d.engine, why, sizeof(why)), MX_FAILURE);
  desk_clear(&d);
}
END_TEST

START_TEST(a_step_undoes_all_its_changes)
{
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  const MxNode fx   = { MX_NODE_BUS, 0U };
  char* const  orig = mix_text(&d);

  // One bundle: several controls, one of them twice, a send, a band, a bus
  mx_undo_begin(d.undo, 3U, 0.0);
  change(&d, "a", MX_P_FADER, 0U, -6.0f);
  change(&d, "b", MX_P_TRIM, 0U, 4.5f);
  change(&d, "a", MX_P_PAN, 0U, -0.25f);
  change(&d, "a", MX_P_FADER, 0U, -12.0f);
  change(&d, "c", MX_P_WIDTH, 0U, 0.5f);
  change(&d, "b", MX_P_SEND_LEVEL, 0U, -9.0f);
  change(&d, "c", MX_P_EQ_BAND_GAIN, 2U, 3.5f);
  change(&d, "a", MX_P_MUTE, 0U, 1.0f);
  float old = NAN;
  ck_assert_int_eq(mx_model_get(mx_engine_model(d.engine), fx, MX_P_FADER, 0U, &old), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_set(d.engine, fx, MX_P_FADER, 0U, -2.0f), MX_SUCCESS);
  mx_undo_record(d.undo, fx, MX_P_FADER, 0U, old, -2.0f);
  mx_undo_end(d.undo, mx_engine_model(d.engine));
  ck_assert_uint_eq(mx_undo_count(d.undo), 1U);
  char* const done = mix_text(&d);

  undo_ok(&d);
  char* const undone = mix_text(&d);
  ck_assert_str_eq(undone, orig); // Every control as it was, the twice-moved fader too
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), 0.0f);
  redo_ok(&d);
  char* const redone = mix_text(&d);
  ck_assert_str_eq(redone, done);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), -12.0f);
  mxt_assert_same(value(&d, "b", MX_P_SEND_LEVEL, 0U), -9.0f);
  free(redone);
  free(undone);
  free(done);
  free(orig);
  desk_clear(&d);
}
END_TEST

// ---------------------------------------------------------------- Merging

/// A second move after a first (source 1, a's fader, at 0 ms), and whether they merge
typedef struct {
  unsigned    source; ///< Its source
  double      at;     ///< Its time, ms
  const char* strip;  ///< Its strip
  MxParam     param;  ///< Its control
  uint32_t    sub;    ///< Its sub-index
  bool        merges; ///< It merges into the first
} MergeCase;

static const MergeCase merge_cases[] = {
  { 1U, 0.0, "a", MX_P_FADER, 0U, true },
  { 1U, 500.0, "a", MX_P_FADER, 0U, true },
  { 1U, MX_UNDO_MERGE_MS - 0.5, "a", MX_P_FADER, 0U, true },
  { 1U, MX_UNDO_MERGE_MS, "a", MX_P_FADER, 0U, false },
  { 1U, MX_UNDO_MERGE_MS + 500.0, "a", MX_P_FADER, 0U, false },
  { 2U, 100.0, "a", MX_P_FADER, 0U, false },
  { 0U, 100.0, "a", MX_P_FADER, 0U, false },
  { 1U, 100.0, "a", MX_P_TRIM, 0U, false },
  { 1U, 100.0, "b", MX_P_FADER, 0U, false },
};

START_TEST(consecutive_moves_merge)
{
  const MergeCase* const c = &merge_cases[_i];
  Desk                   d;
  desk_init(&d, MX_UNDO_DEPTH);
  move(&d, 1U, 0.0, "a", MX_P_FADER, 0U, -3.0f);
  move(&d, c->source, c->at, c->strip, c->param, c->sub, -6.0f);
  ck_assert_uint_eq(mx_undo_count(d.undo), c->merges ? 1U : 2U);

  // One undo: both moves, or only the second
  undo_ok(&d);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), c->merges ? 0.0f : -3.0f);
  const bool same = !strcmp(c->strip, "a") && c->param == MX_P_FADER && c->sub == 0U;
  mxt_assert_same(value(&d, c->strip, c->param, c->sub), c->merges || !same ? 0.0f : -3.0f);
  ck_assert_uint_eq(mx_undo_count(d.undo), c->merges ? 0U : 1U);
  redo_ok(&d);
  mxt_assert_same(value(&d, c->strip, c->param, c->sub), -6.0f);
  desk_clear(&d);
}
END_TEST

START_TEST(a_fader_drag_is_one_step)
{
  // Thirty messages a second for three seconds: each within the merge
  // window of the one before, so all one move
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  move(&d, 2U, 0.0, "b", MX_P_TRIM, 0U, 1.0f);
  for (int i = 0; i < 90; ++i) {
    move(&d, 1U, 1000.0 + 33.3 * i, "a", MX_P_FADER, 0U, -0.1f * (float)(i + 1));
  }
  const float last = -0.1f * 90.0f;
  ck_assert_uint_eq(mx_undo_count(d.undo), 2U);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), last);
  undo_ok(&d);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), 0.0f);
  mxt_assert_same(value(&d, "b", MX_P_TRIM, 0U), 1.0f);
  redo_ok(&d);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), last);

  // A pause, and the next drag is a step of its own
  move(&d, 1U, 1000.0 + 33.3 * 89 + MX_UNDO_MERGE_MS + 1.0, "a", MX_P_FADER, 0U, 5.0f);
  ck_assert_uint_eq(mx_undo_count(d.undo), 3U);
  undo_ok(&d);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), last);
  desk_clear(&d);
}
END_TEST

START_TEST(steps_of_several_changes_do_not_merge)
{
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  move(&d, 1U, 0.0, "a", MX_P_FADER, 0U, -3.0f);
  mx_undo_begin(d.undo, 1U, 10.0);
  change(&d, "a", MX_P_FADER, 0U, -4.0f);
  change(&d, "a", MX_P_PAN, 0U, 0.5f);
  mx_undo_end(d.undo, mx_engine_model(d.engine));
  move(&d, 1U, 20.0, "a", MX_P_FADER, 0U, -5.0f);
  ck_assert_uint_eq(mx_undo_count(d.undo), 3U);
  undo_ok(&d);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), -4.0f);
  undo_ok(&d);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), -3.0f);
  mxt_assert_same(value(&d, "a", MX_P_PAN, 0U), 0.0f);
  desk_clear(&d);
}
END_TEST

// ---------------------------------------------------------------- Redo and depth

START_TEST(a_new_step_drops_the_redo_list)
{
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  move(&d, 1U, 0.0, "a", MX_P_FADER, 0U, -1.0f);
  move(&d, 1U, 2000.0, "a", MX_P_FADER, 0U, -2.0f);
  move(&d, 1U, 4000.0, "a", MX_P_FADER, 0U, -3.0f);
  undo_ok(&d);
  undo_ok(&d);
  ck_assert_uint_eq(mx_undo_count(d.undo), 1U);
  ck_assert_uint_eq(mx_undo_redo_count(d.undo), 2U);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), -1.0f);

  // Soon after, the same control by the same hand: a new step, not merged
  // into the one before the undone ones
  move(&d, 1U, 4100.0, "a", MX_P_FADER, 0U, -7.0f);
  ck_assert_uint_eq(mx_undo_count(d.undo), 2U);
  ck_assert_uint_eq(mx_undo_redo_count(d.undo), 0U);
  char why[512] = "";
  ck_assert_int_eq(mx_undo_redo(d.undo, d.engine, why, sizeof(why)), MX_FAILURE);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), -7.0f);
  undo_ok(&d);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), -1.0f);
  undo_ok(&d);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), 0.0f);

  // An empty step does not drop the redo list
  mx_undo_begin(d.undo, 1U, 9000.0);
  mx_undo_end(d.undo, mx_engine_model(d.engine));
  ck_assert_uint_eq(mx_undo_redo_count(d.undo), 2U);
  desk_clear(&d);
}
END_TEST

START_TEST(depth_keeps_the_last_steps)
{
  // 101 steps: the first is forgotten, the last 100 undo
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  for (unsigned i = 1U; i <= MX_UNDO_DEPTH + 1U; ++i) {
    move(&d, 1U, 2000.0 * i, "a", MX_P_TRIM, 0U, 0.125f * (float)i);
  }
  ck_assert_uint_eq(mx_undo_count(d.undo), MX_UNDO_DEPTH);
  for (unsigned i = MX_UNDO_DEPTH + 1U; i > 1U; --i) {
    mxt_assert_same(value(&d, "a", MX_P_TRIM, 0U), 0.125f * (float)i);
    undo_ok(&d);
  }
  mxt_assert_same(value(&d, "a", MX_P_TRIM, 0U), 0.125f); // The first step stays done
  char why[512] = "";
  ck_assert_int_eq(mx_undo_undo(d.undo, d.engine, why, sizeof(why)), MX_FAILURE);
  ck_assert_uint_eq(mx_undo_redo_count(d.undo), MX_UNDO_DEPTH);

  // All redone
  for (unsigned i = 0U; i < MX_UNDO_DEPTH; ++i) {
    redo_ok(&d);
  }
  mxt_assert_same(value(&d, "a", MX_P_TRIM, 0U), 0.125f * (float)(MX_UNDO_DEPTH + 1U));
  desk_clear(&d);
}
END_TEST

START_TEST(small_depth_wraps)
{
  Desk d;
  desk_init(&d, 3U);
  for (unsigned i = 1U; i <= 10U; ++i) {
    move(&d, 1U, 2000.0 * i, "b", MX_P_FADER, 0U, -(float)i);
    ck_assert_uint_eq(mx_undo_count(d.undo), i < 3U ? i : 3U);
  }
  undo_ok(&d);
  undo_ok(&d);
  move(&d, 1U, 50000.0, "b", MX_P_FADER, 0U, -20.0f); // Over the redo list, around the ring
  move(&d, 1U, 60000.0, "b", MX_P_FADER, 0U, -21.0f);
  move(&d, 1U, 70000.0, "b", MX_P_FADER, 0U, -22.0f);
  ck_assert_uint_eq(mx_undo_count(d.undo), 3U);
  undo_ok(&d);
  undo_ok(&d);
  undo_ok(&d);
  mxt_assert_same(value(&d, "b", MX_P_FADER, 0U), -8.0f);
  char why[512] = "";
  ck_assert_int_eq(mx_undo_undo(d.undo, d.engine, why, sizeof(why)), MX_FAILURE);

  // Cleared: nothing either way
  mx_undo_clear(d.undo);
  ck_assert_uint_eq(mx_undo_count(d.undo), 0U);
  ck_assert_uint_eq(mx_undo_redo_count(d.undo), 0U);
  ck_assert_int_eq(mx_undo_redo(d.undo, d.engine, why, sizeof(why)), MX_FAILURE);
  desk_clear(&d);
}
END_TEST

// ---------------------------------------------------------------- Topology

START_TEST(adding_a_strip_undoes_and_redoes)
{
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  char* const orig = mix_text(&d);

  // One step: a control changed, then a strip added, then its controls set
  mx_undo_begin(d.undo, 1U, 0.0);
  change(&d, "a", MX_P_FADER, 0U, -6.0f);
  change(&d, "b", MX_P_SEND_LEVEL, 0U, -8.0f);
  mx_undo_record_mix(d.undo, mx_engine_model(d.engine));
  ck_assert_int_eq(mx_engine_add_strip(d.engine, "new", 2U, NULL), MX_SUCCESS);
  change(&d, "new", MX_P_TRIM, 0U, 5.0f);
  change(&d, "new", MX_P_SEND_LEVEL, 0U, -3.0f);
  change(&d, "a", MX_P_PAN, 0U, 0.75f);
  mx_undo_end(d.undo, mx_engine_model(d.engine));
  ck_assert_uint_eq(mx_undo_count(d.undo), 1U);
  run(d.engine);
  char* const done = mix_text(&d);

  // Undone: no strip, and the changes made before it in the step undone too
  undo_ok(&d);
  ck_assert(!has_strip(&d, "new"));
  char* const undone = mix_text(&d);
  ck_assert_str_eq(undone, orig);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), 0.0f);

  // Redone: the strip with its controls, and the rest of the step
  redo_ok(&d);
  ck_assert(has_strip(&d, "new"));
  mxt_assert_same(value(&d, "new", MX_P_TRIM, 0U), 5.0f);
  mxt_assert_same(value(&d, "new", MX_P_SEND_LEVEL, 0U), -3.0f);
  mxt_assert_same(value(&d, "a", MX_P_FADER, 0U), -6.0f);
  mxt_assert_same(value(&d, "a", MX_P_PAN, 0U), 0.75f);
  char* const redone = mix_text(&d);
  ck_assert_str_eq(redone, done);

  // And back again
  undo_ok(&d);
  ck_assert(!has_strip(&d, "new"));
  redo_ok(&d);
  ck_assert(has_strip(&d, "new"));
  free(redone);
  free(undone);
  free(done);
  free(orig);
  desk_clear(&d);
}
END_TEST

START_TEST(removing_a_strip_undoes_and_redoes)
{
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  move(&d, 1U, 0.0, "b", MX_P_TRIM, 0U, -4.0f);
  move(&d, 1U, 2000.0, "b", MX_P_SEND_LEVEL, 0U, -11.0f);
  move(&d, 1U, 4000.0, "c", MX_P_WIDTH, 0U, 1.5f);
  char* const with_b = mix_text(&d);

  mx_undo_begin(d.undo, 1U, 6000.0);
  mx_undo_record_mix(d.undo, mx_engine_model(d.engine));
  ck_assert_int_eq(mx_engine_remove(d.engine, strip(&d, "b")), MX_SUCCESS);
  mx_undo_end(d.undo, mx_engine_model(d.engine));
  run(d.engine);
  ck_assert(!has_strip(&d, "b"));
  ck_assert_uint_eq(mx_undo_count(d.undo), 4U);

  // Back in its place, with its controls
  undo_ok(&d);
  ck_assert(has_strip(&d, "b"));
  ck_assert_uint_eq(strip(&d, "b").index, 1U);
  mxt_assert_same(value(&d, "b", MX_P_TRIM, 0U), -4.0f);
  mxt_assert_same(value(&d, "b", MX_P_SEND_LEVEL, 0U), -11.0f);
  char* const back = mix_text(&d);
  ck_assert_str_eq(back, with_b);
  redo_ok(&d);
  ck_assert(!has_strip(&d, "b"));
  undo_ok(&d);

  // The steps before it still mean what they meant
  undo_ok(&d);
  mxt_assert_same(value(&d, "c", MX_P_WIDTH, 0U), 1.0f);
  undo_ok(&d);
  mxt_assert_same(value(&d, "b", MX_P_SEND_LEVEL, 0U), -INFINITY);
  undo_ok(&d);
  mxt_assert_same(value(&d, "b", MX_P_TRIM, 0U), 0.0f);
  ck_assert_uint_eq(mx_undo_count(d.undo), 0U);
  free(back);
  free(with_b);
  desk_clear(&d);
}
END_TEST

START_TEST(removing_a_bus_brings_its_sends_back)
{
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  move(&d, 1U, 0.0, "a", MX_P_SEND_LEVEL, 0U, -5.0f);
  move(&d, 1U, 2000.0, "c", MX_P_SEND_PAN, 0U, 0.5f);
  char* const before = mix_text(&d);

  mx_undo_begin(d.undo, 1U, 4000.0);
  mx_undo_record_mix(d.undo, mx_engine_model(d.engine));
  ck_assert_int_eq(mx_engine_remove(d.engine, (MxNode){ MX_NODE_BUS, 0U }), MX_SUCCESS);
  mx_undo_end(d.undo, mx_engine_model(d.engine));
  run(d.engine);
  ck_assert_uint_eq(mx_model_count(mx_engine_model(d.engine), MX_NODE_BUS), 0U);

  undo_ok(&d);
  ck_assert_uint_eq(mx_model_count(mx_engine_model(d.engine), MX_NODE_BUS), 1U);
  mxt_assert_same(value(&d, "a", MX_P_SEND_LEVEL, 0U), -5.0f);
  mxt_assert_same(value(&d, "c", MX_P_SEND_PAN, 0U), 0.5f);
  char* const after = mix_text(&d);
  ck_assert_str_eq(after, before);
  free(after);
  free(before);
  desk_clear(&d);
}
END_TEST

START_TEST(a_refused_undo_clears_the_history)
{
  // Against the contract, the mix changes outside the history: the step
  // cannot apply, says so, and the history is gone
  Desk d;
  desk_init(&d, MX_UNDO_DEPTH);
  move(&d, 1U, 0.0, "a", MX_P_TRIM, 0U, 2.0f);
  move(&d, 1U, 2000.0, "c", MX_P_WIDTH, 0U, 0.25f);
  ck_assert_int_eq(mx_engine_remove(d.engine, strip(&d, "c")), MX_SUCCESS);
  run(d.engine);
  char           why[512] = "";
  const MxStatus st       = mx_undo_undo(d.undo, d.engine, why, sizeof(why));
  ck_assert_int_ne(st, MX_SUCCESS);
  ck_assert_int_ne(st, MX_FAILURE);
  ck_assert_msg(strstr(why, "no longer has"), "%s", why);
  ck_assert_uint_eq(mx_undo_count(d.undo), 0U);
  ck_assert_uint_eq(mx_undo_redo_count(d.undo), 0U);
  mxt_assert_same(value(&d, "a", MX_P_TRIM, 0U), 2.0f);
  desk_clear(&d);
}
END_TEST

// ---------------------------------------------------------------- Suite

static Suite*
undo_suite(void)
{
  Suite* const s = suite_create("undo");

  TCase* const basics = tcase_create("basics");
  tcase_add_test(basics, nothing_to_undo);
  tcase_add_test(basics, undo_and_redo_one_change);
  tcase_add_test(basics, a_step_undoes_all_its_changes);
  suite_add_tcase(s, basics);

  TCase* const merge = tcase_create("merge");
  tcase_add_loop_test(merge, consecutive_moves_merge, 0, MXT_N_CASES(merge_cases));
  tcase_add_test(merge, a_fader_drag_is_one_step);
  tcase_add_test(merge, steps_of_several_changes_do_not_merge);
  suite_add_tcase(s, merge);

  TCase* const history = tcase_create("history");
  tcase_add_test(history, a_new_step_drops_the_redo_list);
  tcase_add_test(history, depth_keeps_the_last_steps);
  tcase_add_test(history, small_depth_wraps);
  suite_add_tcase(s, history);

  TCase* const topology = tcase_create("topology");
  tcase_add_test(topology, adding_a_strip_undoes_and_redoes);
  tcase_add_test(topology, removing_a_strip_undoes_and_redoes);
  tcase_add_test(topology, removing_a_bus_brings_its_sends_back);
  tcase_add_test(topology, a_refused_undo_clears_the_history);
  suite_add_tcase(s, topology);
  return s;
}

int
main(void)
{
  return mxt_run_suite(undo_suite());
}
