// SPDX-License-Identifier: GPL-3.0-or-later

#include "biquad.h"
#include "model.h"
#include "params.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------- Helpers

static MxNode
node(const MxNodeKind kind, const uint32_t index)
{
  const MxNode n = { kind, index };
  return n;
}

#define STRIP(i) node(MX_NODE_STRIP, (i))
#define BUS(i) node(MX_NODE_BUS, (i))
#define MASTER node(MX_NODE_MASTER, 0U)
#define VCA(i) node(MX_NODE_VCA, (i))
#define GROUP(i) node(MX_NODE_MUTE_GROUP, (i))
#define MONITOR node(MX_NODE_MONITOR, 0U)

static MxModel*
new_model(const uint32_t strips,
          const uint32_t buses,
          const uint32_t vcas,
          const uint32_t groups,
          const bool     hold)
{
  const MxLimits limits = { strips, buses, vcas, groups };
  MxModel* const model  = mx_model_new(&limits, hold);
  ck_assert_ptr_nonnull(model);
  return model;
}

// Add strips or buses and assert they land where expected
static void
add_strip(MxModel* const model, const char* const name, const unsigned channels)
{
  const uint32_t expected = mx_model_count(model, MX_NODE_STRIP);
  uint32_t       index    = 9999U;
  ck_assert_int_eq(mx_model_add_strip(model, name, channels, &index), MX_SUCCESS);
  ck_assert_uint_eq(index, expected);
}

static void
add_bus(MxModel* const model, const char* const name, const MxBusKind kind, const unsigned channels)
{
  const uint32_t expected = mx_model_count(model, MX_NODE_BUS);
  uint32_t       index    = 9999U;
  ck_assert_int_eq(mx_model_add_bus(model, name, kind, channels, &index), MX_SUCCESS);
  ck_assert_uint_eq(index, expected);
}

static uint32_t
position_of(const MxModel* const model, const MxNodeKind kind, const char* const name)
{
  uint32_t index = 9999U;
  ck_assert_int_eq(mx_model_find(model, kind, name, &index), MX_SUCCESS);
  return index;
}

static float
get(const MxModel* const model, const MxNode n, const MxParam param, const uint32_t sub)
{
  float value = NAN;
  ck_assert_int_eq(mx_model_get(model, n, param, sub, &value), MX_SUCCESS);
  return value;
}

/*
  Every value of every control that applies anywhere, in a fixed order, so
  that two models (or one model at two times) can be compared.  Returns the
  number of values written (at most `max`).
*/
static size_t
snapshot(const MxModel* const model, float* const out, const size_t max)
{
  size_t n = 0U;
  for (unsigned kind = 0U; kind < MX_NODE_N; ++kind) {
    const uint32_t count = mx_model_count(model, (MxNodeKind)kind);
    for (uint32_t i = 0U; i < count; ++i) {
      const MxNode nd = node((MxNodeKind)kind, i);
      for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
        const uint32_t subs = mx_model_sub_count(model, nd, (MxParam)p);
        for (uint32_t sub = 0U; sub < subs; ++sub) {
          float v = NAN;
          if (mx_model_applies(model, nd, (MxParam)p, sub) &&
              !mx_model_get(model, nd, (MxParam)p, sub, &v) && n < max) {
            out[n++] = v;
          }
        }
      }
    }
  }
  return n;
}

// A representative mix: mono and stereo strips, mono and stereo aux buses,
// two group buses
enum { S_MONO, S_STEREO };
enum { B_AUX_MONO, B_AUX_STEREO, B_GROUP_A, B_GROUP_B, N_BUSES };

static MxModel*
representative(void)
{
  MxModel* const model = new_model(8U, 8U, 4U, 3U, false);
  add_strip(model, "mono", 1U);
  add_strip(model, "stereo", 2U);
  add_bus(model, "fx", MX_BUS_AUX, 1U);
  add_bus(model, "verb", MX_BUS_AUX, 2U);
  add_bus(model, "drums", MX_BUS_GROUP, 2U);
  add_bus(model, "keys", MX_BUS_GROUP, 1U);
  return model;
}

// ---------------------------------------------------------------- Lifecycle

START_TEST(default_limits)
{
  const MxLimits l = mx_limits_default();
  ck_assert_uint_eq(l.strips, MX_LIMIT_DEFAULT_STRIPS);
  ck_assert_uint_eq(l.buses, MX_LIMIT_DEFAULT_BUSES);
  ck_assert_uint_eq(l.vcas, MX_LIMIT_DEFAULT_VCAS);
  ck_assert_uint_eq(l.mute_groups, MX_LIMIT_DEFAULT_MUTE_GROUPS);
  ck_assert_uint_eq(l.strips, 256U);
  ck_assert_uint_eq(l.buses, 64U);
  ck_assert_uint_eq(l.vcas, 16U);
  ck_assert_uint_eq(l.mute_groups, 8U);

  MxModel* const model = mx_model_new(&l, false);
  ck_assert_ptr_nonnull(model);
  const MxLimits got = mx_model_limits(model);
  ck_assert_uint_eq(got.strips, l.strips);
  ck_assert_uint_eq(got.buses, l.buses);
  ck_assert_uint_eq(got.vcas, l.vcas);
  ck_assert_uint_eq(got.mute_groups, l.mute_groups);
  mx_model_free(model);
}
END_TEST

static const MxLimits bad_limits[] = {
  { 0U, 1U, 1U, 1U },
  { 1U, 0U, 1U, 1U },
  { 1U, 1U, 0U, 1U },
  { 1U, 1U, 1U, 0U },
  { MX_LIMIT_MAX_STRIPS + 1U, 1U, 1U, 1U },
  { 1U, MX_LIMIT_MAX_BUSES + 1U, 1U, 1U },
  { 1U, 1U, MX_LIMIT_MAX_VCAS + 1U, 1U },
  { 1U, 1U, 1U, MX_LIMIT_MAX_MUTE_GROUPS + 1U },
  { UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX },
};

START_TEST(new_rejects_bad_limits)
{
  ck_assert_ptr_null(mx_model_new(&bad_limits[_i], false));
  ck_assert_ptr_null(mx_model_new(&bad_limits[_i], true));
}
END_TEST

START_TEST(new_accepts_limits_at_the_edges)
{
  const MxLimits lo = { 1U, 1U, 1U, 1U };
  const MxLimits hi = {
    MX_LIMIT_MAX_STRIPS, MX_LIMIT_MAX_BUSES, MX_LIMIT_MAX_VCAS, MX_LIMIT_MAX_MUTE_GROUPS
  };
  MxModel* const small = mx_model_new(&lo, false);
  MxModel* const large = mx_model_new(&hi, true);
  ck_assert_ptr_nonnull(small);
  ck_assert_ptr_nonnull(large);
  ck_assert_uint_eq(mx_model_count(large, MX_NODE_VCA), MX_LIMIT_MAX_VCAS);
  ck_assert_uint_eq(mx_model_count(large, MX_NODE_MUTE_GROUP), MX_LIMIT_MAX_MUTE_GROUPS);
  ck_assert_ptr_null(mx_model_new(NULL, false));
  mx_model_free(small);
  mx_model_free(large);
}
END_TEST

START_TEST(free_null_is_a_no_op)
{
  mx_model_free(NULL);
  MxModel* const model = new_model(1U, 1U, 1U, 1U, false);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_MASTER), 1U);
  mx_model_free(model);
}
END_TEST

START_TEST(new_model_is_empty)
{
  MxModel* const model = new_model(4U, 3U, 5U, 6U, false);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 0U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), 0U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_MASTER), 1U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_MONITOR), 1U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_VCA), 5U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_MUTE_GROUP), 6U);

  ck_assert(!mx_model_exists(model, STRIP(0U)));
  ck_assert(!mx_model_exists(model, BUS(0U)));
  ck_assert(mx_model_exists(model, MASTER));
  ck_assert(!mx_model_exists(model, node(MX_NODE_MASTER, 1U)));
  ck_assert(mx_model_exists(model, MONITOR));
  ck_assert(!mx_model_exists(model, node(MX_NODE_MONITOR, 1U)));
  ck_assert(mx_model_exists(model, VCA(4U)));
  ck_assert(!mx_model_exists(model, VCA(5U)));
  ck_assert(mx_model_exists(model, GROUP(5U)));
  ck_assert(!mx_model_exists(model, GROUP(6U)));
  ck_assert(!mx_model_exists(model, node((MxNodeKind)MX_NODE_N, 0U)));

  ck_assert_str_eq(mx_model_name(model, MASTER), "master");
  ck_assert_str_eq(mx_model_name(model, MONITOR), "monitor");
  ck_assert_str_eq(mx_model_name(model, VCA(0U)), "");
  ck_assert_str_eq(mx_model_name(model, GROUP(0U)), "");
  ck_assert_str_eq(mx_model_name(model, STRIP(0U)), "");
  ck_assert_uint_eq(mx_model_channels(model, MASTER), 2U);
  ck_assert_uint_eq(mx_model_channels(model, MONITOR), 2U);
  ck_assert_uint_eq(mx_model_channels(model, VCA(0U)), 0U);
  ck_assert_uint_eq(mx_model_channels(model, STRIP(0U)), 0U);
  ck_assert_int_eq(mx_model_bus_kind(model, MASTER), MX_BUS_AUX);
  ck_assert_uint_eq(mx_model_slot(model, MASTER), 0U);
  for (uint32_t s = 0U; s < 4U; ++s) {
    ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, s), MX_SLOT_FREE);
  }
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Names

static const char* const good_names[] = {
  "a",
  "Z",
  "vocal",
  "Vox_2",
  "kick.in",
  "over-head",
  "_x",
  "-x",
  ".x",
  "x1",
  "Master", // only the exact words are reserved
  "adds",
  "monitors",
  "remove",
  "abcdefghijklmnopqrstuvwxyz01234", // 31 bytes
};

static const char* const bad_names[] = {
  "",
  "abcdefghijklmnopqrstuvwxyz012345", // 32 bytes
  "1",
  "1st",
  "9lives",
  "0",
  "a b",
  " a",
  "a/b",
  "/a",
  "a*b",
  "a#b",
  "a,b",
  "a\tb",
  "a\nb",
  "caf\xc3\xa9",
  "add",
  "master",
  "monitor",
};

START_TEST(good_names_pass)
{
  ck_assert_int_eq(mx_model_check_name(good_names[_i]), MX_SUCCESS);

  MxModel* const model = new_model(2U, 2U, 1U, 1U, false);
  uint32_t       index = 9U;
  ck_assert_int_eq(mx_model_add_strip(model, good_names[_i], 1U, &index), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, good_names[_i], MX_BUS_AUX, 1U, &index), MX_SUCCESS);
  ck_assert_str_eq(mx_model_name(model, STRIP(0U)), good_names[_i]);
  ck_assert_str_eq(mx_model_name(model, BUS(0U)), good_names[_i]);
  mx_model_free(model);
}
END_TEST

START_TEST(bad_names_fail)
{
  ck_assert_int_eq(mx_model_check_name(bad_names[_i]), MX_ERR_BAD_ARG);

  MxModel* const model = new_model(2U, 2U, 1U, 1U, false);
  uint32_t       index = 9U;
  ck_assert_int_eq(mx_model_add_strip(model, bad_names[_i], 1U, &index), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_add_bus(model, bad_names[_i], MX_BUS_GROUP, 2U, &index),
                   MX_ERR_BAD_ARG);
  ck_assert_uint_eq(index, 9U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 0U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), 0U);

  add_strip(model, "ok", 1U);
  ck_assert_int_eq(mx_model_rename(model, STRIP(0U), bad_names[_i]), MX_ERR_BAD_ARG);
  ck_assert_str_eq(mx_model_name(model, STRIP(0U)), "ok");
  mx_model_free(model);
}
END_TEST

START_TEST(null_name_fails)
{
  ck_assert_int_eq(mx_model_check_name(NULL), MX_ERR_BAD_ARG);
  MxModel* const model = new_model(2U, 2U, 1U, 1U, false);
  ck_assert_int_eq(mx_model_add_strip(model, NULL, 1U, NULL), MX_ERR_BAD_ARG);
  uint32_t index = 7U;
  ck_assert_int_eq(mx_model_find(model, MX_NODE_STRIP, NULL, &index), MX_ERR_NOT_FOUND);
  ck_assert_uint_eq(index, 7U);
  mx_model_free(model);
}
END_TEST

START_TEST(bad_channels_and_bus_kind_fail)
{
  MxModel* const model = new_model(4U, 4U, 1U, 1U, false);
  ck_assert_int_eq(mx_model_add_strip(model, "a", 0U, NULL), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_add_strip(model, "a", 3U, NULL), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_add_bus(model, "a", MX_BUS_AUX, 0U, NULL), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_add_bus(model, "a", MX_BUS_GROUP, 3U, NULL), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_add_bus(model, "a", (MxBusKind)MX_BUS_KIND_N, 1U, NULL),
                   MX_ERR_BAD_ARG);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 0U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), 0U);
  ck_assert_int_eq(mx_model_add_strip(model, "a", 2U, NULL), MX_SUCCESS);
  ck_assert_uint_eq(mx_model_channels(model, STRIP(0U)), 2U);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Nodes

START_TEST(add_find_and_count)
{
  MxModel* const model = new_model(8U, 8U, 2U, 2U, false);
  add_strip(model, "kick", 1U);
  add_strip(model, "snare", 1U);
  add_strip(model, "keys", 2U);
  add_bus(model, "verb", MX_BUS_AUX, 2U);
  add_bus(model, "drums", MX_BUS_GROUP, 1U);

  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 3U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), 2U);
  ck_assert_uint_eq(position_of(model, MX_NODE_STRIP, "kick"), 0U);
  ck_assert_uint_eq(position_of(model, MX_NODE_STRIP, "snare"), 1U);
  ck_assert_uint_eq(position_of(model, MX_NODE_STRIP, "keys"), 2U);
  ck_assert_uint_eq(position_of(model, MX_NODE_BUS, "verb"), 0U);
  ck_assert_uint_eq(position_of(model, MX_NODE_BUS, "drums"), 1U);

  uint32_t index = 77U;
  ck_assert_int_eq(mx_model_find(model, MX_NODE_STRIP, "verb", &index), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_find(model, MX_NODE_BUS, "kick", &index), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_find(model, MX_NODE_STRIP, "Kick", &index), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_find(model, MX_NODE_MASTER, "master", &index), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_find(model, MX_NODE_VCA, "kick", &index), MX_ERR_NOT_FOUND);
  ck_assert_uint_eq(index, 77U);

  ck_assert_str_eq(mx_model_name(model, STRIP(2U)), "keys");
  ck_assert_uint_eq(mx_model_channels(model, STRIP(0U)), 1U);
  ck_assert_uint_eq(mx_model_channels(model, STRIP(2U)), 2U);
  ck_assert_uint_eq(mx_model_channels(model, BUS(0U)), 2U);
  ck_assert_uint_eq(mx_model_channels(model, BUS(1U)), 1U);
  ck_assert_int_eq(mx_model_bus_kind(model, BUS(0U)), MX_BUS_AUX);
  ck_assert_int_eq(mx_model_bus_kind(model, BUS(1U)), MX_BUS_GROUP);
  ck_assert_int_eq(mx_model_bus_kind(model, STRIP(0U)), MX_BUS_AUX);
  ck_assert(mx_model_exists(model, STRIP(2U)));
  ck_assert(!mx_model_exists(model, STRIP(3U)));
  ck_assert(mx_model_exists(model, BUS(1U)));
  ck_assert(!mx_model_exists(model, BUS(2U)));

  // Slots are given in order in a fresh model
  for (uint32_t i = 0U; i < 3U; ++i) {
    ck_assert_uint_eq(mx_model_slot(model, STRIP(i)), i);
    ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, i), MX_SLOT_USED);
  }
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, 3U), MX_SLOT_FREE);

  // The index is optional
  ck_assert_int_eq(mx_model_add_strip(model, "hat", 1U, NULL), MX_SUCCESS);
  ck_assert_uint_eq(position_of(model, MX_NODE_STRIP, "hat"), 3U);
  mx_model_free(model);
}
END_TEST

START_TEST(duplicates_are_refused)
{
  MxModel* const model = new_model(8U, 8U, 1U, 1U, false);
  add_strip(model, "gtr", 1U);
  add_bus(model, "fx", MX_BUS_AUX, 2U);
  uint32_t index = 42U;
  ck_assert_int_eq(mx_model_add_strip(model, "gtr", 2U, &index), MX_ERR_EXISTS);
  ck_assert_int_eq(mx_model_add_bus(model, "fx", MX_BUS_AUX, 1U, &index), MX_ERR_EXISTS);
  ck_assert_int_eq(mx_model_add_bus(model, "fx", MX_BUS_GROUP, 2U, &index), MX_ERR_EXISTS);
  ck_assert_uint_eq(index, 42U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 1U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), 1U);
  ck_assert_uint_eq(mx_model_channels(model, STRIP(0U)), 1U);

  // Strips and buses have separate names
  add_strip(model, "fx", 2U);
  add_bus(model, "gtr", MX_BUS_GROUP, 2U);
  ck_assert_uint_eq(position_of(model, MX_NODE_STRIP, "fx"), 1U);
  ck_assert_uint_eq(position_of(model, MX_NODE_BUS, "gtr"), 1U);
  mx_model_free(model);
}
END_TEST

START_TEST(full_at_the_limit)
{
  MxModel* const model = new_model(3U, 2U, 1U, 1U, false);
  add_strip(model, "a", 1U);
  add_strip(model, "b", 1U);
  add_strip(model, "c", 1U);
  uint32_t index = 5U;
  ck_assert_int_eq(mx_model_add_strip(model, "d", 1U, &index), MX_ERR_FULL);
  ck_assert_uint_eq(index, 5U);
  // A duplicate or bad name is told apart from a full model
  ck_assert_int_eq(mx_model_add_strip(model, "a", 1U, NULL), MX_ERR_EXISTS);
  ck_assert_int_eq(mx_model_add_strip(model, "9", 1U, NULL), MX_ERR_BAD_ARG);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 3U);

  add_bus(model, "x", MX_BUS_AUX, 1U);
  add_bus(model, "y", MX_BUS_GROUP, 1U);
  ck_assert_int_eq(mx_model_add_bus(model, "z", MX_BUS_AUX, 1U, NULL), MX_ERR_FULL);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), 2U);

  // Room again after a removal, in the freed slot
  ck_assert_int_eq(mx_model_remove(model, STRIP(1U)), MX_SUCCESS);
  add_strip(model, "d", 2U);
  ck_assert_uint_eq(mx_model_slot(model, STRIP(2U)), 1U);
  ck_assert_int_eq(mx_model_add_strip(model, "e", 1U, NULL), MX_ERR_FULL);
  ck_assert_int_eq(mx_model_remove(model, BUS(0U)), MX_SUCCESS);
  add_bus(model, "z", MX_BUS_AUX, 2U);
  ck_assert_uint_eq(mx_model_slot(model, BUS(1U)), 0U);
  mx_model_free(model);
}
END_TEST

START_TEST(slots_stay_while_positions_close_up)
{
  MxModel* const model = new_model(8U, 8U, 1U, 1U, false);
  add_strip(model, "a", 1U);
  add_strip(model, "b", 1U);
  add_strip(model, "c", 2U);
  add_strip(model, "d", 1U);
  ck_assert_int_eq(mx_model_set(model, STRIP(2U), MX_P_FADER, 0U, -7.5f), MX_SUCCESS);
  // Values of b that must not reach its slot's next strip
  ck_assert_int_eq(mx_model_set(model, STRIP(1U), MX_P_FADER, 0U, -20.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, STRIP(1U), MX_P_VCA, 0U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, STRIP(1U), MX_P_MUTE_GROUP, 0U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, STRIP(1U), MX_P_EQ_BAND_FREQ, 3U, 50.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, STRIP(1U), MX_P_ROUTE_MASTER, 0U, 0.0f), MX_SUCCESS);

  ck_assert_int_eq(mx_model_remove(model, STRIP(1U)), MX_SUCCESS);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 3U);
  ck_assert_uint_eq(position_of(model, MX_NODE_STRIP, "a"), 0U);
  ck_assert_uint_eq(position_of(model, MX_NODE_STRIP, "c"), 1U);
  ck_assert_uint_eq(position_of(model, MX_NODE_STRIP, "d"), 2U);
  ck_assert_uint_eq(mx_model_slot(model, STRIP(0U)), 0U);
  ck_assert_uint_eq(mx_model_slot(model, STRIP(1U)), 2U);
  ck_assert_uint_eq(mx_model_slot(model, STRIP(2U)), 3U);
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, 1U), MX_SLOT_FREE);
  uint32_t index = 8U;
  ck_assert_int_eq(mx_model_find(model, MX_NODE_STRIP, "b", &index), MX_ERR_NOT_FOUND);

  // Values follow the node, not the position
  mxt_assert_same(get(model, STRIP(1U), MX_P_FADER, 0U), -7.5f);
  ck_assert_uint_eq(mx_model_channels(model, STRIP(1U)), 2U);

  MxNode n = { MX_NODE_BUS, 99U };
  ck_assert_int_eq(mx_model_slot_node(model, MX_NODE_STRIP, 2U, &n), MX_SUCCESS);
  ck_assert_int_eq(n.kind, MX_NODE_STRIP);
  ck_assert_uint_eq(n.index, 1U);
  ck_assert_int_eq(mx_model_slot_node(model, MX_NODE_STRIP, 3U, &n), MX_SUCCESS);
  ck_assert_uint_eq(n.index, 2U);
  ck_assert_int_eq(mx_model_slot_node(model, MX_NODE_STRIP, 1U, &n), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_slot_node(model, MX_NODE_STRIP, 7U, &n), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_slot_node(model, MX_NODE_STRIP, 1000U, &n), MX_ERR_NOT_FOUND);
  ck_assert_uint_eq(n.index, 2U);

  // A new strip goes at the end, in the free slot, with fresh values
  add_strip(model, "e", 1U);
  ck_assert_uint_eq(mx_model_slot(model, STRIP(3U)), 1U);
  mxt_assert_same(get(model, STRIP(3U), MX_P_FADER, 0U), 0.0f);
  mxt_assert_same(get(model, STRIP(3U), MX_P_VCA, 0U), 0.0f);
  mxt_assert_same(get(model, STRIP(3U), MX_P_MUTE_GROUP, 0U), 0.0f);
  mxt_assert_same(get(model, STRIP(3U), MX_P_EQ_BAND_FREQ, 3U), 8000.0f);
  mxt_assert_same(get(model, STRIP(3U), MX_P_ROUTE_MASTER, 0U), 1.0f);

  // Remove the first and the last
  ck_assert_int_eq(mx_model_remove(model, STRIP(0U)), MX_SUCCESS);
  ck_assert_int_eq(mx_model_remove(model, STRIP(2U)), MX_SUCCESS);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 2U);
  ck_assert_str_eq(mx_model_name(model, STRIP(0U)), "c");
  ck_assert_str_eq(mx_model_name(model, STRIP(1U)), "d");
  mx_model_free(model);
}
END_TEST

START_TEST(remove_errors)
{
  MxModel* const model = new_model(4U, 4U, 2U, 2U, false);
  add_strip(model, "a", 1U);
  add_bus(model, "b", MX_BUS_AUX, 1U);
  ck_assert_int_eq(mx_model_remove(model, STRIP(1U)), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_remove(model, STRIP(UINT32_MAX)), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_remove(model, BUS(1U)), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_remove(model, MASTER), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_remove(model, VCA(0U)), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_remove(model, GROUP(0U)), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_remove(model, MONITOR), MX_ERR_BAD_ARG);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 1U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), 1U);
  ck_assert_int_eq(mx_model_remove(model, STRIP(0U)), MX_SUCCESS);
  ck_assert_int_eq(mx_model_remove(model, STRIP(0U)), MX_ERR_NOT_FOUND);
  mx_model_free(model);
}
END_TEST

// Removing a bus takes every send and route into it along: a new bus in
// the same slot starts with no sends or routes feeding it
START_TEST(remove_bus_clears_sends_and_routes_into_it)
{
  MxModel* const model = new_model(4U, 4U, 1U, 1U, false);
  add_strip(model, "s", 2U);
  add_strip(model, "t", 1U);
  add_bus(model, "fx", MX_BUS_AUX, 2U);    // slot 0
  add_bus(model, "grp", MX_BUS_GROUP, 2U); // slot 1
  add_bus(model, "sub", MX_BUS_GROUP, 2U); // slot 2
  add_bus(model, "fx2", MX_BUS_AUX, 1U);   // slot 3

  for (uint32_t s = 0U; s < 2U; ++s) {
    ck_assert_int_eq(mx_model_set(model, STRIP(s), MX_P_SEND_LEVEL, 0U, -6.0f), MX_SUCCESS);
    ck_assert_int_eq(mx_model_set(model, STRIP(s), MX_P_SEND_ON, 0U, 0.0f), MX_SUCCESS);
    ck_assert_int_eq(mx_model_set(model, STRIP(s), MX_P_SEND_TAP, 0U, 0.0f), MX_SUCCESS);
    ck_assert_int_eq(mx_model_set(model, STRIP(s), MX_P_SEND_LEVEL, 3U, -9.0f), MX_SUCCESS);
    ck_assert_int_eq(mx_model_set(model, STRIP(s), MX_P_ROUTE, 1U, 1.0f), MX_SUCCESS);
    ck_assert_int_eq(mx_model_set(model, STRIP(s), MX_P_ROUTE, 2U, 1.0f), MX_SUCCESS);
  }
  ck_assert_int_eq(mx_model_set(model, STRIP(0U), MX_P_SEND_PAN, 0U, 0.5f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, BUS(0U), MX_P_ROUTE, 1U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, BUS(2U), MX_P_ROUTE, 1U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, BUS(3U), MX_P_ROUTE, 2U, 1.0f), MX_SUCCESS);

  // Remove fx (slot 0): the strips' sends into it are back to default
  ck_assert_int_eq(mx_model_remove(model, BUS(0U)), MX_SUCCESS);
  for (uint32_t s = 0U; s < 2U; ++s) {
    const uint32_t slot = mx_model_slot(model, STRIP(s));
    float          v    = 0.0f;
    ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, slot, MX_P_SEND_LEVEL, 0U, &v),
                     MX_SUCCESS);
    mxt_assert_same(v, -INFINITY);
    ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, slot, MX_P_SEND_ON, 0U, &v),
                     MX_SUCCESS);
    mxt_assert_same(v, 1.0f);
    ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, slot, MX_P_SEND_TAP, 0U, &v),
                     MX_SUCCESS);
    mxt_assert_same(v, (float)MX_SEND_POST_FADER);
    ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, slot, MX_P_SEND_PAN, 0U, &v),
                     MX_SUCCESS);
    mxt_assert_same(v, 0.0f);
    // The others are untouched: fx2 is now position 2, grp 0, sub 1
    mxt_assert_same(get(model, STRIP(s), MX_P_SEND_LEVEL, 2U), -9.0f);
    mxt_assert_same(get(model, STRIP(s), MX_P_ROUTE, 0U), 1.0f);
    mxt_assert_same(get(model, STRIP(s), MX_P_ROUTE, 1U), 1.0f);
  }
  mxt_assert_same(get(model, BUS(1U), MX_P_ROUTE, 0U), 1.0f); // sub -> grp
  mxt_assert_same(get(model, BUS(2U), MX_P_ROUTE, 1U), 1.0f); // fx2 -> sub

  // Remove grp (now position 0, slot 1): every route into it goes
  ck_assert_int_eq(mx_model_remove(model, BUS(0U)), MX_SUCCESS);
  for (uint32_t s = 0U; s < 2U; ++s) {
    const uint32_t slot = mx_model_slot(model, STRIP(s));
    float          v    = 0.0f;
    ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, slot, MX_P_ROUTE, 1U, &v), MX_SUCCESS);
    mxt_assert_same(v, 0.0f);
    mxt_assert_same(get(model, STRIP(s), MX_P_ROUTE, 0U), 1.0f); // sub stays
  }
  float v = 1.0f;
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_BUS, 2U, MX_P_ROUTE, 1U, &v), MX_SUCCESS);
  mxt_assert_same(v, 0.0f);                                   // sub -> grp gone
  mxt_assert_same(get(model, BUS(1U), MX_P_ROUTE, 0U), 1.0f); // fx2 -> sub stays

  // New buses in the freed slots start unfed
  add_bus(model, "new_aux", MX_BUS_AUX, 2U);
  add_bus(model, "new_grp", MX_BUS_GROUP, 2U);
  const uint32_t new_aux = position_of(model, MX_NODE_BUS, "new_aux");
  const uint32_t new_grp = position_of(model, MX_NODE_BUS, "new_grp");
  ck_assert_uint_lt(mx_model_slot(model, BUS(new_aux)), 2U);
  ck_assert_uint_lt(mx_model_slot(model, BUS(new_grp)), 2U);
  for (uint32_t s = 0U; s < 2U; ++s) {
    mxt_assert_same(get(model, STRIP(s), MX_P_SEND_LEVEL, new_aux), -INFINITY);
    mxt_assert_same(get(model, STRIP(s), MX_P_SEND_ON, new_aux), 1.0f);
    mxt_assert_same(get(model, STRIP(s), MX_P_ROUTE, new_grp), 0.0f);
  }
  mxt_assert_same(get(model, STRIP(0U), MX_P_SEND_PAN, new_aux), 0.0f);
  mxt_assert_same(get(model, BUS(position_of(model, MX_NODE_BUS, "sub")), MX_P_ROUTE, new_grp),
                  0.0f);
  mx_model_free(model);
}
END_TEST

START_TEST(hold_removed_keeps_the_slot_until_release)
{
  MxModel* const model = new_model(3U, 2U, 1U, 1U, true);
  add_strip(model, "a", 2U);
  add_strip(model, "b", 1U);
  ck_assert_int_eq(mx_model_set(model, STRIP(0U), MX_P_FADER, 0U, -3.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_remove(model, STRIP(0U)), MX_SUCCESS);

  // Invisible, but its values stay for the engine to fade out
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 1U);
  ck_assert_str_eq(mx_model_name(model, STRIP(0U)), "b");
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, 0U), MX_SLOT_LEAVING);
  uint32_t index = 6U;
  ck_assert_int_eq(mx_model_find(model, MX_NODE_STRIP, "a", &index), MX_ERR_NOT_FOUND);
  MxNode n = { MX_NODE_STRIP, 6U };
  ck_assert_int_eq(mx_model_slot_node(model, MX_NODE_STRIP, 0U, &n), MX_ERR_NOT_FOUND);
  float v = 0.0f;
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, 0U, MX_P_FADER, 0U, &v), MX_SUCCESS);
  mxt_assert_same(v, -3.0f);
  ck_assert_uint_eq(mx_model_slot_channels(model, MX_NODE_STRIP, 0U), 2U);

  // The name is free; the slot is not
  add_strip(model, "a", 1U);
  ck_assert_uint_eq(mx_model_slot(model, STRIP(1U)), 2U);
  mxt_assert_same(get(model, STRIP(1U), MX_P_FADER, 0U), 0.0f);
  ck_assert_int_eq(mx_model_add_strip(model, "c", 1U, NULL), MX_ERR_FULL);
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, 0U), MX_SLOT_LEAVING);

  // Release frees it once, only it
  ck_assert_int_eq(mx_model_release(model, MX_NODE_STRIP, 1U), MX_ERR_BAD_ARG); // used
  ck_assert_int_eq(mx_model_release(model, MX_NODE_STRIP, 3U), MX_ERR_BAD_ARG); // beyond
  ck_assert_int_eq(mx_model_release(model, MX_NODE_BUS, 0U), MX_ERR_BAD_ARG);   // free
  ck_assert_int_eq(mx_model_release(model, MX_NODE_MASTER, 0U), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, 0U), MX_SLOT_LEAVING);
  ck_assert_int_eq(mx_model_release(model, MX_NODE_STRIP, 0U), MX_SUCCESS);
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, 0U), MX_SLOT_FREE);
  ck_assert_int_eq(mx_model_release(model, MX_NODE_STRIP, 0U), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, 0U, MX_P_FADER, 0U, &v),
                   MX_ERR_NOT_FOUND);
  ck_assert_uint_eq(mx_model_slot_channels(model, MX_NODE_STRIP, 0U), 0U);

  add_strip(model, "c", 2U);
  ck_assert_uint_eq(mx_model_slot(model, STRIP(2U)), 0U);
  mxt_assert_same(get(model, STRIP(2U), MX_P_FADER, 0U), 0.0f);

  // Buses too, with their kind
  add_bus(model, "g", MX_BUS_GROUP, 1U);
  ck_assert_int_eq(mx_model_remove(model, BUS(0U)), MX_SUCCESS);
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_BUS, 0U), MX_SLOT_LEAVING);
  ck_assert_int_eq(mx_model_slot_bus_kind(model, 0U), MX_BUS_GROUP);
  ck_assert_uint_eq(mx_model_slot_channels(model, MX_NODE_BUS, 0U), 1U);
  add_bus(model, "g", MX_BUS_AUX, 2U);
  ck_assert_uint_eq(mx_model_slot(model, BUS(0U)), 1U);
  ck_assert_int_eq(mx_model_add_bus(model, "h", MX_BUS_AUX, 2U, NULL), MX_ERR_FULL);
  ck_assert_int_eq(mx_model_release(model, MX_NODE_BUS, 0U), MX_SUCCESS);
  add_bus(model, "h", MX_BUS_AUX, 2U);
  ck_assert_uint_eq(mx_model_slot(model, BUS(1U)), 0U);
  mx_model_free(model);
}
END_TEST

START_TEST(without_hold_removed_the_slot_is_free_at_once)
{
  MxModel* const model = new_model(2U, 2U, 1U, 1U, false);
  add_strip(model, "a", 1U);
  ck_assert_int_eq(mx_model_remove(model, STRIP(0U)), MX_SUCCESS);
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, 0U), MX_SLOT_FREE);
  ck_assert_int_eq(mx_model_release(model, MX_NODE_STRIP, 0U), MX_ERR_BAD_ARG);
  add_strip(model, "b", 1U);
  ck_assert_uint_eq(mx_model_slot(model, STRIP(0U)), 0U);
  mx_model_free(model);
}
END_TEST

// Check the strip order by name
static void
assert_order(const MxModel* const model, const char* const* const names, const uint32_t n)
{
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), n);
  for (uint32_t i = 0U; i < n; ++i) {
    ck_assert_str_eq(mx_model_name(model, STRIP(i)), names[i]);
  }
}

START_TEST(move_reorders_and_keeps_slots)
{
  MxModel* const           model   = new_model(8U, 4U, 1U, 1U, false);
  static const char* const names[] = { "a", "b", "c", "d", "e" };
  for (unsigned i = 0U; i < 5U; ++i) {
    add_strip(model, names[i], 1U);
  }
  ck_assert_int_eq(mx_model_set(model, STRIP(0U), MX_P_TRIM, 0U, 6.0f), MX_SUCCESS);

  ck_assert_int_eq(mx_model_move(model, STRIP(0U), 2U), MX_SUCCESS);
  static const char* const o1[] = { "b", "c", "a", "d", "e" };
  assert_order(model, o1, 5U);
  mxt_assert_same(get(model, STRIP(2U), MX_P_TRIM, 0U), 6.0f);
  ck_assert_uint_eq(mx_model_slot(model, STRIP(2U)), 0U);

  ck_assert_int_eq(mx_model_move(model, STRIP(4U), 0U), MX_SUCCESS);
  static const char* const o2[] = { "e", "b", "c", "a", "d" };
  assert_order(model, o2, 5U);
  ck_assert_uint_eq(mx_model_slot(model, STRIP(0U)), 4U);

  ck_assert_int_eq(mx_model_move(model, STRIP(1U), 4U), MX_SUCCESS);
  static const char* const o3[] = { "e", "c", "a", "d", "b" };
  assert_order(model, o3, 5U);

  ck_assert_int_eq(mx_model_move(model, STRIP(2U), 2U), MX_SUCCESS);
  assert_order(model, o3, 5U);

  ck_assert_int_eq(mx_model_move(model, STRIP(3U), 2U), MX_SUCCESS);
  static const char* const o4[] = { "e", "c", "d", "a", "b" };
  assert_order(model, o4, 5U);
  for (uint32_t i = 0U; i < 5U; ++i) {
    MxNode n = { MX_NODE_BUS, 99U };
    ck_assert_int_eq(mx_model_slot_node(model, MX_NODE_STRIP, mx_model_slot(model, STRIP(i)), &n),
                     MX_SUCCESS);
    ck_assert_uint_eq(n.index, i);
    ck_assert_uint_eq(position_of(model, MX_NODE_STRIP, o4[i]), i);
  }

  // Bad positions change nothing
  ck_assert_int_eq(mx_model_move(model, STRIP(5U), 0U), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_move(model, STRIP(0U), 5U), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_move(model, MASTER, 0U), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_move(model, VCA(0U), 0U), MX_ERR_NOT_FOUND);
  assert_order(model, o4, 5U);

  // Buses move too
  add_bus(model, "x", MX_BUS_AUX, 1U);
  add_bus(model, "y", MX_BUS_GROUP, 1U);
  ck_assert_int_eq(mx_model_move(model, BUS(1U), 0U), MX_SUCCESS);
  ck_assert_str_eq(mx_model_name(model, BUS(0U)), "y");
  ck_assert_int_eq(mx_model_bus_kind(model, BUS(0U)), MX_BUS_GROUP);
  ck_assert_int_eq(mx_model_move(model, BUS(0U), 2U), MX_ERR_NOT_FOUND);
  mx_model_free(model);
}
END_TEST

START_TEST(rename_rules)
{
  MxModel* const model = new_model(4U, 4U, 1U, 1U, false);
  add_strip(model, "a", 1U);
  add_strip(model, "b", 1U);
  add_bus(model, "a", MX_BUS_AUX, 1U);
  ck_assert_int_eq(mx_model_rename(model, STRIP(0U), "a"), MX_SUCCESS); // its own name
  ck_assert_int_eq(mx_model_rename(model, STRIP(0U), "b"), MX_ERR_EXISTS);
  ck_assert_str_eq(mx_model_name(model, STRIP(0U)), "a");
  ck_assert_int_eq(mx_model_rename(model, STRIP(2U), "z"), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_rename(model, MASTER, "z"), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_rename(model, VCA(0U), "z"), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_rename(model, MONITOR, "z"), MX_ERR_BAD_ARG);
  ck_assert_str_eq(mx_model_name(model, MASTER), "master");

  // A bus may share a strip's name
  ck_assert_int_eq(mx_model_rename(model, STRIP(1U), "c"), MX_SUCCESS);
  ck_assert_str_eq(mx_model_name(model, STRIP(1U)), "c");
  ck_assert_uint_eq(position_of(model, MX_NODE_STRIP, "c"), 1U);
  uint32_t index = 3U;
  ck_assert_int_eq(mx_model_find(model, MX_NODE_STRIP, "b", &index), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_rename(model, BUS(0U), "c"), MX_SUCCESS);
  ck_assert_int_eq(mx_model_rename(model, STRIP(0U), "b"), MX_SUCCESS);
  ck_assert_str_eq(mx_model_name(model, STRIP(0U)), "b");

  // The longest name fits
  const char* const longest = "abcdefghijklmnopqrstuvwxyz01234";
  ck_assert_int_eq(mx_model_rename(model, STRIP(0U), longest), MX_SUCCESS);
  ck_assert_str_eq(mx_model_name(model, STRIP(0U)), longest);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Applies

static const struct {
  MxNode   node;
  MxParam  param;
  uint32_t sub;
  bool     applies;
} applies_cases[] = {
  // Width only on stereo nodes
  { { MX_NODE_STRIP, S_MONO }, MX_P_WIDTH, 0U, false },
  { { MX_NODE_STRIP, S_STEREO }, MX_P_WIDTH, 0U, true },
  { { MX_NODE_BUS, B_AUX_MONO }, MX_P_WIDTH, 0U, false },
  { { MX_NODE_BUS, B_AUX_STEREO }, MX_P_WIDTH, 0U, true },
  { { MX_NODE_BUS, B_GROUP_B }, MX_P_WIDTH, 0U, false },
  { { MX_NODE_MASTER, 0U }, MX_P_WIDTH, 0U, true },
  { { MX_NODE_MONITOR, 0U }, MX_P_WIDTH, 0U, false },
  // Sends only from strips to aux buses, pan only into a stereo one
  { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_LEVEL, B_AUX_MONO, true },
  { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_LEVEL, B_AUX_STEREO, true },
  { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_LEVEL, B_GROUP_A, false },
  { { MX_NODE_STRIP, S_STEREO }, MX_P_SEND_ON, B_GROUP_B, false },
  { { MX_NODE_STRIP, S_STEREO }, MX_P_SEND_TAP, B_AUX_MONO, true },
  { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_PAN, B_AUX_MONO, false },
  { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_PAN, B_AUX_STEREO, true },
  { { MX_NODE_STRIP, S_STEREO }, MX_P_SEND_PAN, B_AUX_STEREO, true },
  { { MX_NODE_STRIP, S_STEREO }, MX_P_SEND_PAN, B_GROUP_A, false },
  { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_LEVEL, N_BUSES, false },
  { { MX_NODE_BUS, B_GROUP_A }, MX_P_SEND_LEVEL, B_AUX_MONO, false },
  { { MX_NODE_MASTER, 0U }, MX_P_SEND_LEVEL, B_AUX_MONO, false },
  // Routes only to group buses, never to the node itself
  { { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE, B_GROUP_A, true },
  { { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE, B_AUX_MONO, false },
  { { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE, B_AUX_STEREO, false },
  { { MX_NODE_BUS, B_GROUP_A }, MX_P_ROUTE, B_GROUP_B, true },
  { { MX_NODE_BUS, B_GROUP_A }, MX_P_ROUTE, B_GROUP_A, false },
  { { MX_NODE_BUS, B_AUX_MONO }, MX_P_ROUTE, B_GROUP_A, true },
  { { MX_NODE_BUS, B_AUX_MONO }, MX_P_ROUTE, B_AUX_STEREO, false },
  { { MX_NODE_MASTER, 0U }, MX_P_ROUTE, B_GROUP_A, false },
  { { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE, N_BUSES, false },
  { { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE_MASTER, 0U, true },
  { { MX_NODE_BUS, B_AUX_STEREO }, MX_P_ROUTE_MASTER, 0U, true },
  { { MX_NODE_MASTER, 0U }, MX_P_ROUTE_MASTER, 0U, false },
  // VCA and mute group membership within the limits (4 and 3)
  { { MX_NODE_STRIP, S_MONO }, MX_P_VCA, 0U, true },
  { { MX_NODE_STRIP, S_MONO }, MX_P_VCA, 3U, true },
  { { MX_NODE_STRIP, S_MONO }, MX_P_VCA, 4U, false },
  { { MX_NODE_BUS, B_GROUP_A }, MX_P_VCA, 3U, true },
  { { MX_NODE_MASTER, 0U }, MX_P_VCA, 0U, false },
  { { MX_NODE_STRIP, S_STEREO }, MX_P_MUTE_GROUP, 2U, true },
  { { MX_NODE_STRIP, S_STEREO }, MX_P_MUTE_GROUP, 3U, false },
  { { MX_NODE_BUS, B_AUX_MONO }, MX_P_MUTE_GROUP, 0U, true },
  // Limiter only on buses and the master; gate, trim, solo not on the master
  { { MX_NODE_STRIP, S_STEREO }, MX_P_LIMITER_ON, 0U, false },
  { { MX_NODE_BUS, B_AUX_MONO }, MX_P_LIMITER_ON, 0U, true },
  { { MX_NODE_MASTER, 0U }, MX_P_LIMITER_CEILING, 0U, true },
  { { MX_NODE_STRIP, S_MONO }, MX_P_GATE_ON, 0U, true },
  { { MX_NODE_BUS, B_GROUP_A }, MX_P_GATE_THRESHOLD, 0U, true },
  { { MX_NODE_MASTER, 0U }, MX_P_GATE_ON, 0U, false },
  { { MX_NODE_MASTER, 0U }, MX_P_TRIM, 0U, false },
  { { MX_NODE_MASTER, 0U }, MX_P_SOLO, 0U, false },
  { { MX_NODE_MASTER, 0U }, MX_P_COMP_ON, 0U, true },
  { { MX_NODE_MASTER, 0U }, MX_P_PAN, 0U, true },
  // EQ bands 0 to 3
  { { MX_NODE_STRIP, S_MONO }, MX_P_EQ_BAND_FREQ, 3U, true },
  { { MX_NODE_STRIP, S_MONO }, MX_P_EQ_BAND_FREQ, 4U, false },
  { { MX_NODE_MASTER, 0U }, MX_P_EQ_BAND_GAIN, 0U, true },
  // Controls without a sub-index take only 0
  { { MX_NODE_STRIP, S_MONO }, MX_P_FADER, 1U, false },
  // VCAs: fader and mute; mute groups: mute
  { { MX_NODE_VCA, 0U }, MX_P_FADER, 0U, true },
  { { MX_NODE_VCA, 3U }, MX_P_MUTE, 0U, true },
  { { MX_NODE_VCA, 4U }, MX_P_FADER, 0U, false },
  { { MX_NODE_VCA, 0U }, MX_P_PAN, 0U, false },
  { { MX_NODE_VCA, 0U }, MX_P_SOLO, 0U, false },
  { { MX_NODE_MUTE_GROUP, 2U }, MX_P_MUTE, 0U, true },
  { { MX_NODE_MUTE_GROUP, 3U }, MX_P_MUTE, 0U, false },
  { { MX_NODE_MUTE_GROUP, 0U }, MX_P_FADER, 0U, false },
  // The monitor: mode and level only
  { { MX_NODE_MONITOR, 0U }, MX_P_MONITOR_MODE, 0U, true },
  { { MX_NODE_MONITOR, 0U }, MX_P_MONITOR_LEVEL, 0U, true },
  { { MX_NODE_MONITOR, 1U }, MX_P_MONITOR_LEVEL, 0U, false },
  { { MX_NODE_MONITOR, 0U }, MX_P_FADER, 0U, false },
  { { MX_NODE_MASTER, 0U }, MX_P_MONITOR_MODE, 0U, false },
  { { MX_NODE_STRIP, S_MONO }, MX_P_MONITOR_LEVEL, 0U, false },
  // Nodes and controls that do not exist
  { { MX_NODE_STRIP, 2U }, MX_P_FADER, 0U, false },
  { { MX_NODE_BUS, N_BUSES }, MX_P_FADER, 0U, false },
  { { MX_NODE_MASTER, 1U }, MX_P_FADER, 0U, false },
  { { MX_NODE_STRIP, S_MONO }, (MxParam)MX_P_COUNT, 0U, false },
  { { (MxNodeKind)MX_NODE_N, 0U }, MX_P_FADER, 0U, false },
};

START_TEST(applies_where_documented)
{
  MxModel* const model = representative();
  const MxNode   n     = applies_cases[_i].node;
  ck_assert_msg(mx_model_applies(model, n, applies_cases[_i].param, applies_cases[_i].sub) ==
                  applies_cases[_i].applies,
                "%s %u, control %d, sub %u: expected %s",
                mx_node_kind_name(n.kind),
                n.index,
                (int)applies_cases[_i].param,
                applies_cases[_i].sub,
                applies_cases[_i].applies ? "applies" : "does not apply");
  mx_model_free(model);
}
END_TEST

START_TEST(sub_counts)
{
  MxModel* const model = representative();
  ck_assert_uint_eq(mx_model_sub_count(model, STRIP(0U), MX_P_FADER), 1U);
  ck_assert_uint_eq(mx_model_sub_count(model, STRIP(0U), MX_P_EQ_BAND_Q), MX_PARAM_EQ_BANDS);
  ck_assert_uint_eq(mx_model_sub_count(model, STRIP(0U), MX_P_SEND_LEVEL), N_BUSES);
  ck_assert_uint_eq(mx_model_sub_count(model, BUS(0U), MX_P_ROUTE), N_BUSES);
  ck_assert_uint_eq(mx_model_sub_count(model, STRIP(1U), MX_P_VCA), 4U);
  ck_assert_uint_eq(mx_model_sub_count(model, STRIP(1U), MX_P_MUTE_GROUP), 3U);
  ck_assert_uint_eq(mx_model_sub_count(model, MONITOR, MX_P_MONITOR_MODE), 1U);
  ck_assert_int_eq(mx_model_remove(model, BUS(0U)), MX_SUCCESS);
  ck_assert_uint_eq(mx_model_sub_count(model, STRIP(0U), MX_P_SEND_LEVEL), N_BUSES - 1U);
  mx_model_free(model);
}
END_TEST

// Every node of the representative mix, and VCAs, mute groups, monitor
static const MxNode all_nodes[] = {
  { MX_NODE_STRIP, S_MONO },     { MX_NODE_STRIP, S_STEREO }, { MX_NODE_BUS, B_AUX_MONO },
  { MX_NODE_BUS, B_AUX_STEREO }, { MX_NODE_BUS, B_GROUP_A },  { MX_NODE_BUS, B_GROUP_B },
  { MX_NODE_MASTER, 0U },        { MX_NODE_VCA, 0U },         { MX_NODE_VCA, 3U },
  { MX_NODE_MUTE_GROUP, 0U },    { MX_NODE_MUTE_GROUP, 2U },  { MX_NODE_MONITOR, 0U },
};

/*
  A new node holds mx_model_default() for every control that applies; check
  accepts the default; get and check answer NOT_APPLICABLE for every control
  that does not apply but whose node and sub-index exist.
*/
START_TEST(new_nodes_hold_their_defaults)
{
  MxModel* const model   = representative();
  const MxNode   n       = all_nodes[_i];
  unsigned       applied = 0U;
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    const MxParam  param = (MxParam)p;
    const uint32_t subs  = mx_model_sub_count(model, n, param);
    for (uint32_t sub = 0U; sub < subs; ++sub) {
      float          v   = NAN;
      const MxStatus st  = mx_model_get(model, n, param, sub, &v);
      const float    def = mx_model_default(model, n, param, sub);
      if (mx_model_applies(model, n, param, sub)) {
        ++applied;
        if (st || !(v == def)) {
          ck_abort_msg("%s %u: %s sub %u is %g (%s), default %g",
                       mx_node_kind_name(n.kind),
                       n.index,
                       mx_param_info(param)->path,
                       sub,
                       (double)v,
                       mx_strerror(st),
                       (double)def);
        }
        if (mx_model_check(model, n, param, sub, def)) {
          ck_abort_msg("%s: default refused", mx_param_info(param)->path);
        }
      } else if (st != MX_ERR_NOT_APPLICABLE ||
                 mx_model_check(model, n, param, sub, def) != MX_ERR_NOT_APPLICABLE) {
        ck_abort_msg("%s %u: %s sub %u: %s, expected not applicable",
                     mx_node_kind_name(n.kind),
                     n.index,
                     mx_param_info(param)->path,
                     sub,
                     mx_strerror(st));
      }
    }
  }
  ck_assert_uint_gt(applied, 0U);
  mx_model_free(model);
}
END_TEST

START_TEST(defaults_by_node_kind)
{
  MxModel* const model = representative();
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_ROUTE_MASTER, 0U), 1.0f);
  mxt_assert_same(get(model, BUS(B_AUX_MONO), MX_P_ROUTE_MASTER, 0U), 0.0f);
  mxt_assert_same(get(model, BUS(B_AUX_STEREO), MX_P_ROUTE_MASTER, 0U), 0.0f);
  mxt_assert_same(get(model, BUS(B_GROUP_A), MX_P_ROUTE_MASTER, 0U), 1.0f);
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_SEND_LEVEL, B_AUX_MONO), -INFINITY);
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_ROUTE, B_GROUP_A), 0.0f);
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_EQ_BAND_FREQ, 0U), 100.0f);
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_EQ_BAND_FREQ, 1U), 500.0f);
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_EQ_BAND_FREQ, 2U), 2500.0f);
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_EQ_BAND_FREQ, 3U), 8000.0f);
  mxt_assert_same(get(model, MASTER, MX_P_EQ_BAND_TYPE, 3U), (float)MX_BIQUAD_HIGH_SHELF);
  mxt_assert_same(get(model, VCA(3U), MX_P_FADER, 0U), 0.0f);
  mxt_assert_same(get(model, VCA(3U), MX_P_MUTE, 0U), 0.0f);
  mxt_assert_same(get(model, GROUP(2U), MX_P_MUTE, 0U), 0.0f);
  mxt_assert_same(get(model, MONITOR, MX_P_MONITOR_MODE, 0U), (float)MX_SOLO_IN_PLACE);
  mxt_assert_same(get(model, MONITOR, MX_P_MONITOR_LEVEL, 0U), 0.0f);
  mxt_assert_same(mx_model_default(model, BUS(B_AUX_MONO), MX_P_ROUTE_MASTER, 0U), 0.0f);
  mxt_assert_same(mx_model_default(model, BUS(B_GROUP_B), MX_P_ROUTE_MASTER, 0U), 1.0f);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Set and get

START_TEST(set_and_get_round_trip)
{
  MxModel* const model = representative();
  static const struct {
    MxNode   node;
    MxParam  param;
    uint32_t sub;
    float    value;
  } sets[] = {
    { { MX_NODE_STRIP, S_MONO }, MX_P_TRIM, 0U, -12.25f },
    { { MX_NODE_STRIP, S_MONO }, MX_P_FADER, 0U, -INFINITY },
    { { MX_NODE_STRIP, S_STEREO }, MX_P_FADER, 0U, 10.0f },
    { { MX_NODE_STRIP, S_STEREO }, MX_P_WIDTH, 0U, 0.0f },
    { { MX_NODE_STRIP, S_MONO }, MX_P_EQ_BAND_GAIN, 2U, 3.5f },
    { { MX_NODE_STRIP, S_MONO }, MX_P_EQ_BAND_TYPE, 1U, (float)MX_BIQUAD_NOTCH },
    { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_LEVEL, B_AUX_STEREO, -144.0f },
    { { MX_NODE_STRIP, S_STEREO }, MX_P_SEND_PAN, B_AUX_STEREO, -1.0f },
    { { MX_NODE_STRIP, S_STEREO }, MX_P_ROUTE, B_GROUP_B, 1.0f },
    { { MX_NODE_STRIP, S_STEREO }, MX_P_VCA, 3U, 1.0f },
    { { MX_NODE_STRIP, S_MONO }, MX_P_MUTE_GROUP, 1U, 1.0f },
    { { MX_NODE_BUS, B_GROUP_A }, MX_P_ROUTE, B_GROUP_B, 1.0f },
    { { MX_NODE_BUS, B_AUX_MONO }, MX_P_LIMITER_DRIVE, 0U, 24.0f },
    { { MX_NODE_MASTER, 0U }, MX_P_LIMITER_CEILING, 0U, -0.1f },
    { { MX_NODE_MASTER, 0U }, MX_P_PAN, 0U, 0.25f },
    { { MX_NODE_VCA, 2U }, MX_P_FADER, 0U, -20.0f },
    { { MX_NODE_VCA, 2U }, MX_P_MUTE, 0U, 1.0f },
    { { MX_NODE_MUTE_GROUP, 1U }, MX_P_MUTE, 0U, 1.0f },
    { { MX_NODE_MONITOR, 0U }, MX_P_MONITOR_MODE, 0U, (float)MX_SOLO_PFL },
    { { MX_NODE_MONITOR, 0U }, MX_P_MONITOR_LEVEL, 0U, -INFINITY },
  };
  float before[4096];
  float after[4096];
  for (unsigned i = 0U; i < sizeof(sets) / sizeof(*sets); ++i) {
    const size_t n   = snapshot(model, before, 4096U);
    const float  old = get(model, sets[i].node, sets[i].param, sets[i].sub);
    ck_assert_int_eq(mx_model_check(model, sets[i].node, sets[i].param, sets[i].sub, sets[i].value),
                     MX_SUCCESS);
    ck_assert_int_eq(mx_model_set(model, sets[i].node, sets[i].param, sets[i].sub, sets[i].value),
                     MX_SUCCESS);
    mxt_assert_same(get(model, sets[i].node, sets[i].param, sets[i].sub), sets[i].value);

    // Exactly that value changed
    ck_assert_uint_eq(snapshot(model, after, 4096U), n);
    unsigned changed = 0U;
    for (size_t j = 0U; j < n; ++j) {
      changed += !(before[j] == after[j]);
    }
    ck_assert_uint_eq(changed, old == sets[i].value ? 0U : 1U);
  }
  // Other nodes keep their values
  mxt_assert_same(get(model, STRIP(S_STEREO), MX_P_TRIM, 0U), 0.0f);
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_EQ_BAND_GAIN, 1U), 0.0f);
  mxt_assert_same(get(model, VCA(1U), MX_P_FADER, 0U), 0.0f);
  mxt_assert_same(get(model, GROUP(0U), MX_P_MUTE, 0U), 0.0f);
  mx_model_free(model);
}
END_TEST

static const struct {
  MxNode   node;
  MxParam  param;
  uint32_t sub;
  float    value;
  MxStatus expected;
} set_errors[] = {
  // Nodes and sub-indices that do not exist
  { { MX_NODE_STRIP, 2U }, MX_P_FADER, 0U, 0.0f, MX_ERR_NOT_FOUND },
  { { MX_NODE_BUS, N_BUSES }, MX_P_FADER, 0U, 0.0f, MX_ERR_NOT_FOUND },
  { { MX_NODE_VCA, 4U }, MX_P_FADER, 0U, 0.0f, MX_ERR_NOT_FOUND },
  { { MX_NODE_MUTE_GROUP, 3U }, MX_P_MUTE, 0U, 1.0f, MX_ERR_NOT_FOUND },
  { { MX_NODE_MASTER, 1U }, MX_P_FADER, 0U, 0.0f, MX_ERR_NOT_FOUND },
  { { MX_NODE_STRIP, S_MONO }, MX_P_EQ_BAND_GAIN, 4U, 0.0f, MX_ERR_NOT_FOUND },
  { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_LEVEL, N_BUSES, 0.0f, MX_ERR_NOT_FOUND },
  { { MX_NODE_STRIP, S_MONO }, MX_P_VCA, 4U, 1.0f, MX_ERR_NOT_FOUND },
  { { MX_NODE_STRIP, S_MONO }, MX_P_MUTE_GROUP, 3U, 1.0f, MX_ERR_NOT_FOUND },
  { { MX_NODE_STRIP, S_MONO }, MX_P_FADER, 1U, 0.0f, MX_ERR_NOT_FOUND },
  { { MX_NODE_STRIP, S_MONO }, (MxParam)MX_P_COUNT, 0U, 0.0f, MX_ERR_NOT_FOUND },
  // Controls not on the node
  { { MX_NODE_MASTER, 0U }, MX_P_GATE_ON, 0U, 1.0f, MX_ERR_NOT_APPLICABLE },
  { { MX_NODE_STRIP, S_MONO }, MX_P_WIDTH, 0U, 1.0f, MX_ERR_NOT_APPLICABLE },
  { { MX_NODE_STRIP, S_MONO }, MX_P_LIMITER_ON, 0U, 1.0f, MX_ERR_NOT_APPLICABLE },
  { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_LEVEL, B_GROUP_A, 0.0f, MX_ERR_NOT_APPLICABLE },
  { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_PAN, B_AUX_MONO, 0.0f, MX_ERR_NOT_APPLICABLE },
  { { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE, B_AUX_STEREO, 1.0f, MX_ERR_NOT_APPLICABLE },
  { { MX_NODE_BUS, B_GROUP_A }, MX_P_ROUTE, B_GROUP_A, 1.0f, MX_ERR_NOT_APPLICABLE },
  { { MX_NODE_VCA, 0U }, MX_P_PAN, 0U, 0.0f, MX_ERR_NOT_APPLICABLE },
  { { MX_NODE_MUTE_GROUP, 0U }, MX_P_FADER, 0U, 0.0f, MX_ERR_NOT_APPLICABLE },
  { { MX_NODE_MONITOR, 0U }, MX_P_MUTE, 0U, 1.0f, MX_ERR_NOT_APPLICABLE },
  // Not applicable wins over a bad value
  { { MX_NODE_MASTER, 0U }, MX_P_TRIM, 0U, NAN, MX_ERR_NOT_APPLICABLE },
  // Bad values
  { { MX_NODE_STRIP, S_MONO }, MX_P_FADER, 0U, NAN, MX_ERR_BAD_ARG },
  { { MX_NODE_STRIP, S_MONO }, MX_P_FADER, 0U, INFINITY, MX_ERR_BAD_ARG },
  { { MX_NODE_STRIP, S_MONO }, MX_P_FADER, 0U, 10.5f, MX_ERR_RANGE },
  { { MX_NODE_STRIP, S_MONO }, MX_P_FADER, 0U, -145.0f, MX_ERR_RANGE },
  { { MX_NODE_STRIP, S_MONO }, MX_P_TRIM, 0U, -INFINITY, MX_ERR_BAD_ARG },
  { { MX_NODE_STRIP, S_MONO }, MX_P_TRIM, 0U, 24.5f, MX_ERR_RANGE },
  { { MX_NODE_STRIP, S_MONO }, MX_P_MUTE, 0U, 0.5f, MX_ERR_BAD_ARG },
  { { MX_NODE_STRIP, S_MONO }, MX_P_MUTE, 0U, 2.0f, MX_ERR_RANGE },
  { { MX_NODE_STRIP, S_MONO }, MX_P_EQ_BAND_TYPE, 0U, 8.0f, MX_ERR_RANGE },
  { { MX_NODE_STRIP, S_MONO }, MX_P_EQ_BAND_TYPE, 0U, 1.5f, MX_ERR_BAD_ARG },
  { { MX_NODE_STRIP, S_MONO }, MX_P_SEND_LEVEL, B_AUX_MONO, NAN, MX_ERR_BAD_ARG },
  { { MX_NODE_VCA, 0U }, MX_P_FADER, 0U, 11.0f, MX_ERR_RANGE },
  { { MX_NODE_MONITOR, 0U }, MX_P_MONITOR_MODE, 0U, 3.0f, MX_ERR_RANGE },
  { { MX_NODE_MONITOR, 0U }, MX_P_MONITOR_LEVEL, 0U, INFINITY, MX_ERR_BAD_ARG },
};

START_TEST(errors_change_nothing)
{
  MxModel* const model = representative();
  float          before[4096];
  float          after[4096];
  const size_t   n = snapshot(model, before, 4096U);
  ck_assert_uint_gt(n, 100U);

  const MxStatus st = set_errors[_i].expected;
  ck_assert_int_eq(
    mx_model_check(
      model, set_errors[_i].node, set_errors[_i].param, set_errors[_i].sub, set_errors[_i].value),
    st);
  ck_assert_int_eq(
    mx_model_set(
      model, set_errors[_i].node, set_errors[_i].param, set_errors[_i].sub, set_errors[_i].value),
    st);
  if (st != MX_ERR_BAD_ARG && st != MX_ERR_RANGE) {
    float v = 123.0f;
    ck_assert_int_eq(
      mx_model_get(model, set_errors[_i].node, set_errors[_i].param, set_errors[_i].sub, &v), st);
    mxt_assert_same(v, 123.0f);
  }
  ck_assert_uint_eq(snapshot(model, after, 4096U), n);
  ck_assert_uint_eq(mxt_first_difference(before, after, n), n);
  mx_model_free(model);
}
END_TEST

START_TEST(nodes_do_not_share_values)
{
  MxModel* const model = representative();
  ck_assert_int_eq(mx_model_set(model, STRIP(S_MONO), MX_P_FADER, 0U, -1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, BUS(B_AUX_MONO), MX_P_FADER, 0U, -2.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, MASTER, MX_P_FADER, 0U, -3.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, VCA(0U), MX_P_FADER, 0U, -4.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, VCA(1U), MX_P_MUTE, 0U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, GROUP(0U), MX_P_MUTE, 0U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, STRIP(S_MONO), MX_P_EQ_BAND_Q, 0U, 2.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, STRIP(S_MONO), MX_P_VCA, 0U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, STRIP(S_MONO), MX_P_SEND_LEVEL, 1U, 0.0f), MX_SUCCESS);

  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_FADER, 0U), -1.0f);
  mxt_assert_same(get(model, STRIP(S_STEREO), MX_P_FADER, 0U), 0.0f);
  mxt_assert_same(get(model, BUS(B_AUX_MONO), MX_P_FADER, 0U), -2.0f);
  mxt_assert_same(get(model, BUS(B_AUX_STEREO), MX_P_FADER, 0U), 0.0f);
  mxt_assert_same(get(model, MASTER, MX_P_FADER, 0U), -3.0f);
  mxt_assert_same(get(model, VCA(0U), MX_P_FADER, 0U), -4.0f);
  mxt_assert_same(get(model, VCA(1U), MX_P_FADER, 0U), 0.0f);
  mxt_assert_same(get(model, VCA(0U), MX_P_MUTE, 0U), 0.0f);
  mxt_assert_same(get(model, VCA(1U), MX_P_MUTE, 0U), 1.0f);
  mxt_assert_same(get(model, GROUP(0U), MX_P_MUTE, 0U), 1.0f);
  mxt_assert_same(get(model, GROUP(1U), MX_P_MUTE, 0U), 0.0f);
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_EQ_BAND_Q, 1U), 0.7071f);
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_VCA, 1U), 0.0f);
  mxt_assert_same(get(model, STRIP(S_STEREO), MX_P_VCA, 0U), 0.0f);
  mxt_assert_same(get(model, STRIP(S_MONO), MX_P_SEND_LEVEL, 0U), -INFINITY);
  mxt_assert_same(get(model, STRIP(S_STEREO), MX_P_SEND_LEVEL, 1U), -INFINITY);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Routing

START_TEST(cycle_of_three_is_refused)
{
  MxModel* const model = new_model(4U, 8U, 1U, 1U, false);
  add_bus(model, "a", MX_BUS_GROUP, 2U);
  add_bus(model, "b", MX_BUS_GROUP, 2U);
  add_bus(model, "c", MX_BUS_GROUP, 2U);
  ck_assert_int_eq(mx_model_set(model, BUS(0U), MX_P_ROUTE, 1U, 1.0f), MX_SUCCESS); // a -> b
  ck_assert_int_eq(mx_model_set(model, BUS(1U), MX_P_ROUTE, 2U, 1.0f), MX_SUCCESS); // b -> c

  ck_assert_int_eq(mx_model_check(model, BUS(2U), MX_P_ROUTE, 0U, 1.0f), MX_ERR_CYCLE);
  ck_assert_int_eq(mx_model_set(model, BUS(2U), MX_P_ROUTE, 0U, 1.0f), MX_ERR_CYCLE);
  ck_assert_int_eq(mx_model_set(model, BUS(2U), MX_P_ROUTE, 1U, 1.0f), MX_ERR_CYCLE);
  ck_assert_int_eq(mx_model_set(model, BUS(1U), MX_P_ROUTE, 0U, 1.0f), MX_ERR_CYCLE);
  mxt_assert_same(get(model, BUS(2U), MX_P_ROUTE, 0U), 0.0f);
  mxt_assert_same(get(model, BUS(2U), MX_P_ROUTE, 1U), 0.0f);
  mxt_assert_same(get(model, BUS(1U), MX_P_ROUTE, 0U), 0.0f);
  // Switching a route off never closes a loop
  ck_assert_int_eq(mx_model_set(model, BUS(2U), MX_P_ROUTE, 0U, 0.0f), MX_SUCCESS);
  // A bad value is still a bad value
  ck_assert_int_eq(mx_model_check(model, BUS(2U), MX_P_ROUTE, 0U, 0.5f), MX_ERR_BAD_ARG);

  uint32_t path[8] = { 0 };
  ck_assert_uint_eq(mx_model_route_path(model, 0U, 2U, path, 8U), 3U);
  ck_assert_uint_eq(path[0], 0U);
  ck_assert_uint_eq(path[1], 1U);
  ck_assert_uint_eq(path[2], 2U);
  ck_assert_uint_eq(mx_model_route_path(model, 2U, 0U, path, 8U), 0U);
  ck_assert_uint_eq(mx_model_route_path(model, 1U, 0U, path, 8U), 0U);
  ck_assert_uint_eq(mx_model_route_path(model, 0U, 1U, path, 8U), 2U);
  ck_assert_uint_eq(mx_model_route_path(model, 0U, 3U, path, 8U), 0U);
  ck_assert_uint_eq(mx_model_route_path(model, 3U, 0U, path, 8U), 0U);

  // A diamond is not a cycle: a -> c as well as a -> b -> c
  ck_assert_int_eq(mx_model_set(model, BUS(0U), MX_P_ROUTE, 2U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, BUS(2U), MX_P_ROUTE, 0U, 1.0f), MX_ERR_CYCLE);
  const uint32_t n = mx_model_route_path(model, 0U, 2U, path, 8U);
  ck_assert_msg(n == 2U || n == 3U, "path of %u", n);
  ck_assert_uint_eq(path[0], 0U);
  ck_assert_uint_eq(path[n - 1U], 2U);

  // Strips route into the loop's buses freely
  add_strip(model, "s", 1U);
  for (uint32_t b = 0U; b < 3U; ++b) {
    ck_assert_int_eq(mx_model_set(model, STRIP(0U), MX_P_ROUTE, b, 1.0f), MX_SUCCESS);
  }

  // Positions, not slots: move c to the front and ask again
  ck_assert_int_eq(mx_model_set(model, BUS(0U), MX_P_ROUTE, 2U, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_move(model, BUS(2U), 0U), MX_SUCCESS); // c a b
  ck_assert_uint_eq(mx_model_route_path(model, 1U, 0U, path, 8U), 3U);
  ck_assert_uint_eq(path[0], 1U);
  ck_assert_uint_eq(path[1], 2U);
  ck_assert_uint_eq(path[2], 0U);
  ck_assert_int_eq(mx_model_set(model, BUS(0U), MX_P_ROUTE, 1U, 1.0f), MX_ERR_CYCLE);
  mx_model_free(model);
}
END_TEST

START_TEST(long_chain)
{
  enum { N = MX_LIMIT_MAX_BUSES };
  MxModel* const model = new_model(1U, N, 1U, 1U, false);
  char           name[16];
  for (unsigned i = 0U; i < N; ++i) {
    snprintf(name, sizeof(name), "b%u", i);
    ck_assert_int_eq(mx_model_add_bus(model, name, MX_BUS_GROUP, 2U, NULL), MX_SUCCESS);
  }
  for (uint32_t i = 0U; i + 1U < N; ++i) {
    if (mx_model_set(model, BUS(i), MX_P_ROUTE, i + 1U, 1.0f)) {
      ck_abort_msg("route %u -> %u refused", i, i + 1U);
    }
  }
  ck_assert_int_eq(mx_model_set(model, BUS(N - 1U), MX_P_ROUTE, 0U, 1.0f), MX_ERR_CYCLE);
  ck_assert_int_eq(mx_model_set(model, BUS(N - 1U), MX_P_ROUTE, N / 2U, 1.0f), MX_ERR_CYCLE);
  ck_assert_int_eq(mx_model_set(model, BUS(N / 2U), MX_P_ROUTE, 1U, 1.0f), MX_ERR_CYCLE);
  ck_assert_int_eq(mx_model_set(model, BUS(0U), MX_P_ROUTE, N - 1U, 1.0f), MX_SUCCESS);

  static uint32_t path[N];
  ck_assert_uint_eq(mx_model_route_path(model, 1U, N - 1U, path, N), N - 1U);
  for (uint32_t i = 0U; i < N - 1U; ++i) {
    if (path[i] != i + 1U) {
      ck_abort_msg("path[%u] = %u", i, path[i]);
    }
  }
  ck_assert_uint_eq(mx_model_route_path(model, 5U, 9U, path, N), 5U);
  ck_assert_uint_eq(path[0], 5U);
  ck_assert_uint_eq(path[4], 9U);

  // Break the chain in the middle: the far end may route to the start
  ck_assert_int_eq(mx_model_set(model, BUS(0U), MX_P_ROUTE, N - 1U, 0.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_remove(model, BUS(N / 2U)), MX_SUCCESS);
  ck_assert_uint_eq(mx_model_route_path(model, 0U, N - 2U, path, N), 0U);
  ck_assert_int_eq(mx_model_set(model, BUS(N - 2U), MX_P_ROUTE, 0U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, BUS(N / 2U - 1U), MX_P_ROUTE, N / 2U, 1.0f), MX_ERR_CYCLE);
  mx_model_free(model);
}
END_TEST

START_TEST(held_bus_breaks_the_loop)
{
  MxModel* const model = new_model(1U, 4U, 1U, 1U, true);
  add_bus(model, "a", MX_BUS_GROUP, 2U);
  add_bus(model, "b", MX_BUS_GROUP, 2U);
  add_bus(model, "c", MX_BUS_GROUP, 2U);
  ck_assert_int_eq(mx_model_set(model, BUS(0U), MX_P_ROUTE, 1U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, BUS(1U), MX_P_ROUTE, 2U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_remove(model, BUS(1U)), MX_SUCCESS); // b leaves: a c
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_BUS, 1U), MX_SLOT_LEAVING);
  ck_assert_int_eq(mx_model_set(model, BUS(1U), MX_P_ROUTE, 0U, 1.0f), MX_SUCCESS);
  float v = 1.0f;
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_BUS, 0U, MX_P_ROUTE, 1U, &v), MX_SUCCESS);
  mxt_assert_same(v, 0.0f);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Slots

START_TEST(slot_accessors)
{
  MxModel* const model = new_model(4U, 4U, 2U, 2U, false);
  add_bus(model, "x", MX_BUS_AUX, 2U);   // slot 0
  add_bus(model, "y", MX_BUS_AUX, 1U);   // slot 1
  add_bus(model, "z", MX_BUS_GROUP, 2U); // slot 2
  add_strip(model, "s", 1U);
  add_strip(model, "t", 2U);
  ck_assert_int_eq(mx_model_remove(model, BUS(0U)), MX_SUCCESS);   // y z
  ck_assert_int_eq(mx_model_remove(model, STRIP(0U)), MX_SUCCESS); // t

  // A bus sub-index is a bus slot on this side
  ck_assert_int_eq(mx_model_set(model, STRIP(0U), MX_P_SEND_LEVEL, 0U, -6.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, STRIP(0U), MX_P_ROUTE, 1U, 1.0f), MX_SUCCESS);
  float v = 0.0f;
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, 1U, MX_P_SEND_LEVEL, 1U, &v),
                   MX_SUCCESS);
  mxt_assert_same(v, -6.0f);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, 1U, MX_P_ROUTE, 2U, &v), MX_SUCCESS);
  mxt_assert_same(v, 1.0f);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, 1U, MX_P_SEND_LEVEL, 4U, &v),
                   MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, 1U, MX_P_EQ_BAND_GAIN, 4U, &v),
                   MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, 1U, MX_P_VCA, 2U, &v), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, 1U, (MxParam)MX_P_COUNT, 0U, &v),
                   MX_ERR_NOT_FOUND);

  // Free and out-of-range slots
  v = 5.0f;
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, 0U, MX_P_FADER, 0U, &v),
                   MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_STRIP, 4U, MX_P_FADER, 0U, &v),
                   MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_BUS, 0U, MX_P_FADER, 0U, &v), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_VCA, 2U, MX_P_FADER, 0U, &v), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_MUTE_GROUP, 2U, MX_P_MUTE, 0U, &v),
                   MX_ERR_NOT_FOUND);
  mxt_assert_same(v, 5.0f);
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, 4U), MX_SLOT_FREE);
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_STRIP, UINT32_MAX), MX_SLOT_FREE);
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_BUS, 0U), MX_SLOT_FREE);
  ck_assert_int_eq(mx_model_slot_state(model, MX_NODE_BUS, 2U), MX_SLOT_USED);

  // The master, VCAs, mute groups and monitor by number
  ck_assert_int_eq(mx_model_set(model, MASTER, MX_P_FADER, 0U, -1.5f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, VCA(1U), MX_P_FADER, 0U, -2.5f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, GROUP(1U), MX_P_MUTE, 0U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, MONITOR, MX_P_MONITOR_MODE, 0U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_MASTER, 0U, MX_P_FADER, 0U, &v), MX_SUCCESS);
  mxt_assert_same(v, -1.5f);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_VCA, 1U, MX_P_FADER, 0U, &v), MX_SUCCESS);
  mxt_assert_same(v, -2.5f);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_MUTE_GROUP, 1U, MX_P_MUTE, 0U, &v), MX_SUCCESS);
  mxt_assert_same(v, 1.0f);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_MONITOR, 0U, MX_P_MONITOR_MODE, 0U, &v),
                   MX_SUCCESS);
  mxt_assert_same(v, 1.0f);
  ck_assert_int_eq(mx_model_slot_get(model, MX_NODE_VCA, 0U, MX_P_PAN, 0U, &v), MX_ERR_NOT_FOUND);

  // Channels and bus kinds by slot
  ck_assert_uint_eq(mx_model_slot_channels(model, MX_NODE_STRIP, 1U), 2U);
  ck_assert_uint_eq(mx_model_slot_channels(model, MX_NODE_STRIP, 0U), 0U);
  ck_assert_uint_eq(mx_model_slot_channels(model, MX_NODE_STRIP, 9U), 0U);
  ck_assert_uint_eq(mx_model_slot_channels(model, MX_NODE_BUS, 1U), 1U);
  ck_assert_uint_eq(mx_model_slot_channels(model, MX_NODE_BUS, 2U), 2U);
  ck_assert_uint_eq(mx_model_slot_channels(model, MX_NODE_BUS, 0U), 0U);
  ck_assert_uint_eq(mx_model_slot_channels(model, MX_NODE_MASTER, 0U), 2U);
  ck_assert_int_eq(mx_model_slot_bus_kind(model, 1U), MX_BUS_AUX);
  ck_assert_int_eq(mx_model_slot_bus_kind(model, 2U), MX_BUS_GROUP);
  ck_assert_int_eq(mx_model_slot_bus_kind(model, 99U), MX_BUS_AUX);

  MxNode n = { MX_NODE_STRIP, 99U };
  ck_assert_int_eq(mx_model_slot_node(model, MX_NODE_BUS, 2U, &n), MX_SUCCESS);
  ck_assert_int_eq(n.kind, MX_NODE_BUS);
  ck_assert_uint_eq(n.index, 1U);
  ck_assert_int_eq(mx_model_slot_node(model, MX_NODE_MASTER, 0U, &n), MX_ERR_NOT_FOUND);
  ck_assert_uint_eq(n.index, 1U);
  mx_model_free(model);
}
END_TEST

START_TEST(connection_rules)
{
  const MxLimits limits = mx_limits_default();
  MxModel* const model  = mx_model_new(&limits, false);
  char           longest[MX_PORT_PATTERN_MAX + 2U];
  memset(longest, 'p', sizeof(longest));
  longest[MX_PORT_PATTERN_MAX] = '\0';

  ck_assert_int_eq(mx_model_add_connection(model, "system:capture_1", "vox_in"), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_connection(model, "system:capture_1", "vox_in"), MX_ERR_EXISTS);
  ck_assert_int_eq(mx_model_add_connection(model, longest, "vox_in"), MX_SUCCESS);
  longest[MX_PORT_PATTERN_MAX]      = 'p';
  longest[MX_PORT_PATTERN_MAX + 1U] = '\0';
  ck_assert_int_eq(mx_model_add_connection(model, longest, "vox_in"), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_add_connection(model, "", "vox_in"), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_model_add_connection(model, "a", NULL), MX_ERR_BAD_ARG);
  ck_assert_uint_eq(mx_model_connection_count(model), 2U);

  // Removal keeps the order of the rest
  ck_assert_int_eq(mx_model_add_connection(model, "master_out_L", "system:playback_1"), MX_SUCCESS);
  ck_assert_int_eq(mx_model_remove_connection(model, "system:capture_1", "vox_in"), MX_SUCCESS);
  ck_assert_int_eq(mx_model_remove_connection(model, "system:capture_1", "vox_in"),
                   MX_ERR_NOT_FOUND);
  const char* from = NULL;
  const char* to   = NULL;
  ck_assert_int_eq(mx_model_connection(model, 1U, &from, &to), MX_SUCCESS);
  ck_assert_str_eq(from, "master_out_L");
  ck_assert_int_eq(mx_model_connection(model, 2U, &from, &to), MX_ERR_NOT_FOUND);

  // At most MX_CONNECTIONS_MAX
  mx_model_clear_connections(model);
  for (unsigned i = 0U; i < MX_CONNECTIONS_MAX; ++i) {
    char name[16];
    snprintf(name, sizeof(name), "c%u:out", i);
    ck_assert_int_eq(mx_model_add_connection(model, name, "vox_in"), MX_SUCCESS);
  }
  ck_assert_int_eq(mx_model_add_connection(model, "one:more", "vox_in"), MX_ERR_FULL);
  mx_model_free(model);
}
END_TEST

static Suite*
model_suite(void)
{
  Suite* const s = suite_create("model");

  TCase* const life = tcase_create("lifecycle");
  tcase_add_test(life, default_limits);
  tcase_add_loop_test(life, new_rejects_bad_limits, 0, MXT_N_CASES(bad_limits));
  tcase_add_test(life, new_accepts_limits_at_the_edges);
  tcase_add_test(life, free_null_is_a_no_op);
  tcase_add_test(life, new_model_is_empty);
  suite_add_tcase(s, life);

  TCase* const names = tcase_create("names");
  tcase_add_loop_test(names, good_names_pass, 0, MXT_N_CASES(good_names));
  tcase_add_loop_test(names, bad_names_fail, 0, MXT_N_CASES(bad_names));
  tcase_add_test(names, null_name_fails);
  tcase_add_test(names, bad_channels_and_bus_kind_fail);
  suite_add_tcase(s, names);

  TCase* const nodes = tcase_create("nodes");
  tcase_add_test(nodes, add_find_and_count);
  tcase_add_test(nodes, duplicates_are_refused);
  tcase_add_test(nodes, full_at_the_limit);
  tcase_add_test(nodes, slots_stay_while_positions_close_up);
  tcase_add_test(nodes, remove_errors);
  tcase_add_test(nodes, remove_bus_clears_sends_and_routes_into_it);
  tcase_add_test(nodes, hold_removed_keeps_the_slot_until_release);
  tcase_add_test(nodes, without_hold_removed_the_slot_is_free_at_once);
  tcase_add_test(nodes, move_reorders_and_keeps_slots);
  tcase_add_test(nodes, rename_rules);
  suite_add_tcase(s, nodes);

  TCase* const applies = tcase_create("applies");
  tcase_add_loop_test(applies, applies_where_documented, 0, MXT_N_CASES(applies_cases));
  tcase_add_test(applies, sub_counts);
  suite_add_tcase(s, applies);

  TCase* const values = tcase_create("values");
  tcase_add_loop_test(values, new_nodes_hold_their_defaults, 0, MXT_N_CASES(all_nodes));
  tcase_add_test(values, defaults_by_node_kind);
  tcase_add_test(values, set_and_get_round_trip);
  tcase_add_loop_test(values, errors_change_nothing, 0, MXT_N_CASES(set_errors));
  tcase_add_test(values, nodes_do_not_share_values);
  suite_add_tcase(s, values);

  TCase* const routing = tcase_create("routing");
  tcase_add_test(routing, cycle_of_three_is_refused);
  tcase_add_test(routing, long_chain);
  tcase_add_test(routing, held_bus_breaks_the_loop);
  suite_add_tcase(s, routing);

  TCase* const rules = tcase_create("connections");
  tcase_add_test(rules, connection_rules);
  suite_add_tcase(s, rules);

  TCase* const slots = tcase_create("slots");
  tcase_add_test(slots, slot_accessors);
  suite_add_tcase(s, slots);
  return s;
}

int
main(void)
{
  return mxt_run_suite(model_suite());
}
