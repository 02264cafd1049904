// SPDX-License-Identifier: GPL-3.0-or-later

#include "model.h"
#include "pan.h"
#include "plan.h"
#include "strip.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/// Limiter latency and longest compensation delay the tests derive with
enum { LAT = 64, MAX_DELAY = 4800 };

static const MxLimits limits = { 8U, 8U, 4U, 4U };

/// The fixture: a model with default limits and a plan for it
static MxModel* model;
static MxPlan*  plan;

static void
setup(void)
{
  model = mx_model_new(&limits, false);
  plan  = mx_plan_new(&limits);
  ck_assert_ptr_nonnull(model);
  ck_assert_ptr_nonnull(plan);
}

static void
setup_held(void)
{
  model = mx_model_new(&limits, true);
  plan  = mx_plan_new(&limits);
  ck_assert_ptr_nonnull(model);
  ck_assert_ptr_nonnull(plan);
}

static void
teardown(void)
{
  mx_plan_free(plan);
  mx_model_free(model);
}

// ---------------------------------------------------------------------------
// Building models

// Add a strip and return its slot
static uint32_t
strip(const char* const name, const unsigned channels)
{
  uint32_t index = 0U;
  ck_assert_int_eq(mx_model_add_strip(model, name, channels, &index), MX_SUCCESS);
  const MxNode node = { MX_NODE_STRIP, index };
  return mx_model_slot(model, node);
}

// Add a bus and return its slot
static uint32_t
bus(const char* const name, const MxBusKind kind, const unsigned channels)
{
  uint32_t index = 0U;
  ck_assert_int_eq(mx_model_add_bus(model, name, kind, channels, &index), MX_SUCCESS);
  const MxNode node = { MX_NODE_BUS, index };
  return mx_model_slot(model, node);
}

// Position of the node in a slot (nothing is removed unless a test says so)
static uint32_t
position(const MxNodeKind kind, const uint32_t slot)
{
  MxNode node = { kind, 0U };
  ck_assert_int_eq(mx_model_slot_node(model, kind, slot, &node), MX_SUCCESS);
  return node.index;
}

// Set a control of a strip or bus by slot; a bus sub-index is a bus slot
static void
set(const MxNodeKind kind,
    const uint32_t   slot,
    const MxParam    param,
    const uint32_t   sub,
    const float      value)
{
  const bool        by_slot = kind == MX_NODE_STRIP || kind == MX_NODE_BUS;
  const MxNode      node    = { kind, by_slot ? position(kind, slot) : slot };
  const MxParamInfo info    = *mx_param_info(param);
  const uint32_t    s       = info.sub == MX_SUB_BUS ? position(MX_NODE_BUS, sub) : sub;
  ck_assert_int_eq(mx_model_set(model, node, param, s, value), MX_SUCCESS);
}

// The stored value of a control, by slot
static float
stored(const MxNodeKind kind, const uint32_t slot, const MxParam param)
{
  float value = NAN;
  ck_assert_int_eq(mx_model_slot_get(model, kind, slot, param, 0U, &value), MX_SUCCESS);
  return value;
}

static void
derive(void)
{
  ck_assert_int_eq(mx_plan_derive(plan, model, LAT, MAX_DELAY), MX_SUCCESS);
}

static const MxPlanNode*
node(const MxNodeKind kind, const uint32_t slot)
{
  return mx_plan_node(plan, kind, slot);
}

// The edge from a strip or bus to a bus slot, or to the master for MASTER
#define MASTER limits.buses

static const MxPlanEdge*
edge(const MxNodeKind kind, const uint32_t slot, const uint32_t dest)
{
  return mx_plan_edge(plan, kind, slot, dest);
}

static void
assert_edge(const MxPlanEdge* const e,
            const MxEdgeMode        mode,
            const MxEdgeSource      source,
            const float             g0,
            const float             g1,
            const bool              send)
{
  ck_assert_uint_eq(e->mode, mode);
  ck_assert_uint_eq(e->source, source);
  mxt_assert_same(e->gain[0], g0);
  mxt_assert_same(e->gain[1], g1);
  ck_assert_uint_eq(e->send, send);
  ck_assert_uint_eq(e->delay, 0U);
}

// ---------------------------------------------------------------------------
// Lifetime

START_TEST(new_plan_is_empty)
{
  for (uint32_t s = 0U; s < limits.strips; ++s) {
    ck_assert(!node(MX_NODE_STRIP, s)->present);
  }
  for (uint32_t b = 0U; b < limits.buses; ++b) {
    ck_assert(!node(MX_NODE_BUS, b)->present);
  }
  const MxPlanNode* const master = node(MX_NODE_MASTER, 0U);
  ck_assert(master->present);
  ck_assert(!master->mute);
  ck_assert_uint_eq(master->channels, 2U);
  ck_assert_uint_eq(mx_plan_order_count(plan), 0U);
  ck_assert_uint_eq(mx_plan_latency(plan), 0U);
  ck_assert(!mx_plan_monitor_solo(plan));
  mx_plan_free(NULL);

  // An empty model: nothing but the master, at its defaults
  derive();
  ck_assert(master->present);
  ck_assert(!master->mute);
  ck_assert(!master->limiter);
  mxt_assert_same(master->fader_db, 0.0f);
  mxt_assert_same(mx_plan_monitor_level_db(plan), 0.0f);
  ck_assert_uint_eq(mx_plan_order_count(plan), 0U);
}
END_TEST

// ---------------------------------------------------------------------------
// Edges

// A strip goes to the master by default: its output pair, gains 1
START_TEST(strips_route_to_the_master_by_default)
{
  const uint32_t mono   = strip("vox", 1U);
  const uint32_t stereo = strip("keys", 2U);
  derive();
  for (uint32_t s = 0U; s < 2U; ++s) {
    const uint32_t slot = s ? stereo : mono;
    ck_assert(node(MX_NODE_STRIP, slot)->present);
    ck_assert_uint_eq(node(MX_NODE_STRIP, slot)->channels, s ? 2U : 1U);
    assert_edge(edge(MX_NODE_STRIP, slot, MASTER), MX_EDGE_PAIR, MX_EDGE_OUTPUT, 1.0f, 1.0f, false);
  }

  // Off: not connected
  set(MX_NODE_STRIP, mono, MX_P_ROUTE_MASTER, 0U, 0.0f);
  derive();
  ck_assert_uint_eq(edge(MX_NODE_STRIP, mono, MASTER)->mode, MX_EDGE_OFF);
  ck_assert_uint_eq(edge(MX_NODE_STRIP, stereo, MASTER)->mode, MX_EDGE_PAIR);
}
END_TEST

/*
  Routes into a group bus: into a stereo bus the output pair; into a mono
  bus a mono source's post-fader signal (its output is panned), a stereo
  one's output folded, (L + R) / 2.  Gains are 1 (0.5 for the fold), the
  mute is not in them, and a bus routes as a strip does.
*/
static const struct {
  unsigned     src_channels;
  unsigned     dest_channels;
  MxEdgeMode   mode;
  MxEdgeSource source;
  float        g0;
  float        g1;
} routes[] = {
  { 1U, 1U, MX_EDGE_MONO, MX_EDGE_POST_FADER, 1.0f, 0.0f },
  { 2U, 1U, MX_EDGE_FOLD, MX_EDGE_OUTPUT, 0.5f, 0.5f },
  { 1U, 2U, MX_EDGE_PAIR, MX_EDGE_OUTPUT, 1.0f, 1.0f },
  { 2U, 2U, MX_EDGE_PAIR, MX_EDGE_OUTPUT, 1.0f, 1.0f },
};

START_TEST(routes_into_group_buses)
{
  const unsigned src_ch  = routes[_i].src_channels;
  const unsigned dest_ch = routes[_i].dest_channels;
  const uint32_t s       = strip("gtr", src_ch);
  const uint32_t from    = bus("sub", MX_BUS_GROUP, src_ch);
  const uint32_t to      = bus("grp", MX_BUS_GROUP, dest_ch);
  derive();
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, to)->mode, MX_EDGE_OFF);
  ck_assert_uint_eq(edge(MX_NODE_BUS, from, to)->mode, MX_EDGE_OFF);

  set(MX_NODE_STRIP, s, MX_P_ROUTE, to, 1.0f);
  set(MX_NODE_BUS, from, MX_P_ROUTE, to, 1.0f);
  set(MX_NODE_STRIP, s, MX_P_MUTE, 0U, 1.0f);
  set(MX_NODE_BUS, from, MX_P_MUTE, 0U, 1.0f);
  derive();
  const MxEdgeMode   mode   = routes[_i].mode;
  const MxEdgeSource source = routes[_i].source;
  assert_edge(edge(MX_NODE_STRIP, s, to), mode, source, routes[_i].g0, routes[_i].g1, false);
  assert_edge(edge(MX_NODE_BUS, from, to), mode, source, routes[_i].g0, routes[_i].g1, false);
  ck_assert(node(MX_NODE_STRIP, s)->mute);

  // Group buses go to the master too, by default
  assert_edge(edge(MX_NODE_BUS, to, MASTER), MX_EDGE_PAIR, MX_EDGE_OUTPUT, 1.0f, 1.0f, false);
  ck_assert_uint_eq(edge(MX_NODE_BUS, to, to)->mode, MX_EDGE_OFF);
}
END_TEST

/*
  Sends into aux buses: the level in dB as a linear gain 10^(dB/20), from
  the tap asked for; into a stereo bus a mono source is panned at the
  -3 dB sin/cos law, L = cos(theta), R = sin(theta), theta = (p + 1) pi/4,
  and a stereo one balanced, L = min(1, 1 - p), R = min(1, 1 + p); into a
  mono bus a mono source goes as it is and a stereo one folded.  The gains
  are exactly the level's factor times mx_pan_law_gains().
*/
static const struct {
  unsigned  src_channels;
  unsigned  dest_channels;
  float     level_db;
  float     pan;
  MxSendTap tap;
} sends[] = {
  { 1U, 2U, 0.0f, 0.0f, MX_SEND_POST_FADER },  { 1U, 2U, -6.0f, -0.5f, MX_SEND_PRE_FADER },
  { 1U, 2U, 10.0f, 1.0f, MX_SEND_PRE_EQ },     { 1U, 2U, -20.0f, -1.0f, MX_SEND_POST_FADER },
  { 2U, 2U, -3.0f, 0.0f, MX_SEND_POST_FADER }, { 2U, 2U, 0.0f, 0.4f, MX_SEND_PRE_FADER },
  { 2U, 2U, -12.0f, -0.75f, MX_SEND_PRE_EQ },  { 1U, 1U, -6.0f, 0.0f, MX_SEND_PRE_FADER },
  { 2U, 1U, -6.0f, 0.0f, MX_SEND_POST_FADER }, { 2U, 1U, 0.0f, 0.0f, MX_SEND_PRE_EQ },
};

START_TEST(sends_into_aux_buses)
{
  const unsigned src_ch  = sends[_i].src_channels;
  const unsigned dest_ch = sends[_i].dest_channels;
  const float    db      = sends[_i].level_db;
  const double   p       = (double)sends[_i].pan;
  const uint32_t s       = strip("src", src_ch);
  const uint32_t aux     = bus("fx", MX_BUS_AUX, dest_ch);
  set(MX_NODE_STRIP, s, MX_P_SEND_LEVEL, aux, db);
  set(MX_NODE_STRIP, s, MX_P_SEND_TAP, aux, (float)sends[_i].tap);
  if (dest_ch == 2U) {
    set(MX_NODE_STRIP, s, MX_P_SEND_PAN, aux, sends[_i].pan);
  }
  derive();

  const MxPlanEdge* const e = edge(MX_NODE_STRIP, s, aux);
  ck_assert(e->send);
  ck_assert_uint_eq(e->delay, 0U);
  static const MxEdgeSource sources[] = { MX_EDGE_PRE_EQ, MX_EDGE_PRE_FADER, MX_EDGE_POST_FADER };
  ck_assert_uint_eq(e->source, sources[sends[_i].tap]);

  // The analytic gains, and the exact ones of the law functions
  const double g     = pow(10.0, (double)db / 20.0);
  const double theta = (p + 1.0) * M_PI / 4.0;
  double       l     = 1.0;
  double       r     = 1.0;
  float        fl    = 1.0f;
  float        fr    = 1.0f;
  MxEdgeMode   mode  = MX_EDGE_OFF;
  if (dest_ch == 2U && src_ch == 1U) {
    mode = MX_EDGE_SPREAD;
    l    = cos(theta);
    r    = sin(theta);
    mx_pan_law_gains(MX_PAN_LAW_3DB, sends[_i].pan, &fl, &fr);
  } else if (dest_ch == 2U) {
    mode = MX_EDGE_PAIR;
    l    = fmin(1.0, 1.0 - p);
    r    = fmin(1.0, 1.0 + p);
    mx_pan_law_gains(MX_PAN_LAW_0DB, sends[_i].pan, &fl, &fr);
  } else if (src_ch == 1U) {
    mode = MX_EDGE_MONO;
    r    = 0.0;
    fr   = 0.0f;
  } else {
    mode = MX_EDGE_FOLD;
    l = r = 0.5;
    fl = fr = 0.5f;
  }
  ck_assert_uint_eq(e->mode, mode);
  ck_assert_double_eq_tol(e->gain[0], g * l, 1e-6 * g);
  ck_assert_double_eq_tol(e->gain[1], g * r, 1e-6 * g);
  mxt_assert_same(e->gain[0], mx_db_to_gain(db) * fl);
  mxt_assert_same(e->gain[1], mx_db_to_gain(db) * fr);

  // Sends never reach a group bus, and aux buses are not routed to the master
  ck_assert_uint_eq(edge(MX_NODE_BUS, aux, MASTER)->mode, MX_EDGE_OFF);
}
END_TEST

// A send at -inf (the default) or switched off is not connected
START_TEST(sends_at_minus_inf_or_off_are_off)
{
  const uint32_t s   = strip("src", 1U);
  const uint32_t aux = bus("fx", MX_BUS_AUX, 2U);
  derive();
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, aux)->mode, MX_EDGE_OFF);

  set(MX_NODE_STRIP, s, MX_P_SEND_LEVEL, aux, -10.0f);
  derive();
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, aux)->mode, MX_EDGE_SPREAD);

  set(MX_NODE_STRIP, s, MX_P_SEND_ON, aux, 0.0f);
  derive();
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, aux)->mode, MX_EDGE_OFF);

  set(MX_NODE_STRIP, s, MX_P_SEND_ON, aux, 1.0f);
  set(MX_NODE_STRIP, s, MX_P_SEND_LEVEL, aux, -INFINITY);
  derive();
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, aux)->mode, MX_EDGE_OFF);
}
END_TEST

/*
  A send carries its source's mute in its gains (its tap may be before
  the strip's mute): the strip's own, a VCA's, a mute group's, a solo
  elsewhere.  A route does not: the strip's mute silences its output.
*/
START_TEST(sends_carry_the_source_mute)
{
  const uint32_t s     = strip("src", 1U);
  const uint32_t other = strip("other", 1U);
  const uint32_t aux   = bus("fx", MX_BUS_AUX, 2U);
  const uint32_t grp   = bus("grp", MX_BUS_GROUP, 2U);
  set(MX_NODE_STRIP, s, MX_P_SEND_LEVEL, aux, 0.0f);
  set(MX_NODE_STRIP, s, MX_P_SEND_TAP, aux, (float)MX_SEND_PRE_FADER);
  set(MX_NODE_STRIP, s, MX_P_ROUTE, grp, 1.0f);
  derive();
  const float g = (float)M_SQRT1_2;
  ck_assert_double_eq_tol(edge(MX_NODE_STRIP, s, aux)->gain[0], g, 1e-7);
  ck_assert_double_eq_tol(edge(MX_NODE_STRIP, s, aux)->gain[1], g, 1e-7);

  // Four ways to be muted, one at a time
  for (unsigned way = 0U; way < 4U; ++way) {
    switch (way) {
      case 0U:
        set(MX_NODE_STRIP, s, MX_P_MUTE, 0U, 1.0f);
        break;
      case 1U:
        set(MX_NODE_STRIP, s, MX_P_VCA, 1U, 1.0f);
        set(MX_NODE_VCA, 1U, MX_P_MUTE, 0U, 1.0f);
        break;
      case 2U:
        set(MX_NODE_STRIP, s, MX_P_MUTE_GROUP, 2U, 1.0f);
        set(MX_NODE_MUTE_GROUP, 2U, MX_P_MUTE, 0U, 1.0f);
        break;
      default:
        set(MX_NODE_STRIP, other, MX_P_SOLO, 0U, 1.0f);
        break;
    }
    derive();
    ck_assert_msg(node(MX_NODE_STRIP, s)->mute, "way %u", way);
    const MxPlanEdge* const e = edge(MX_NODE_STRIP, s, aux);
    ck_assert_uint_eq(e->mode, MX_EDGE_SPREAD);
    ck_assert_uint_eq(e->source, MX_EDGE_PRE_FADER);
    mxt_assert_same(e->gain[0], 0.0f);
    mxt_assert_same(e->gain[1], 0.0f);
    assert_edge(edge(MX_NODE_STRIP, s, grp), MX_EDGE_PAIR, MX_EDGE_OUTPUT, 1.0f, 1.0f, false);
    assert_edge(edge(MX_NODE_STRIP, s, MASTER), MX_EDGE_PAIR, MX_EDGE_OUTPUT, 1.0f, 1.0f, false);

    // Undo, and the send is back
    switch (way) {
      case 0U:
        set(MX_NODE_STRIP, s, MX_P_MUTE, 0U, 0.0f);
        break;
      case 1U:
        set(MX_NODE_VCA, 1U, MX_P_MUTE, 0U, 0.0f);
        break;
      case 2U:
        set(MX_NODE_MUTE_GROUP, 2U, MX_P_MUTE, 0U, 0.0f);
        break;
      default:
        set(MX_NODE_STRIP, other, MX_P_SOLO, 0U, 0.0f);
        break;
    }
    derive();
    ck_assert_msg(!node(MX_NODE_STRIP, s)->mute, "way %u", way);
    ck_assert_double_eq_tol(edge(MX_NODE_STRIP, s, aux)->gain[0], g, 1e-7);
  }
}
END_TEST

// ---------------------------------------------------------------------------
// VCAs and mute groups

/*
  The effective fader is the node's own plus the faders of the VCAs it
  belongs to; -inf anywhere is -inf; the sum stops at
  MX_STRIP_FADER_MAX_DB.  VCAs the node does not belong to do not count.
*/
static const struct {
  float fader;
  float vca[3];    ///< Faders of VCAs 0 to 2
  bool  member[3]; ///< Membership of VCAs 0 to 2
  float expected;  ///< Effective fader
} faders[] = {
  { -6.0f, { 3.0f, 0.0f, 0.0f }, { true, false, false }, -3.0f },
  { -6.0f, { 3.0f, -4.0f, 0.0f }, { true, true, false }, -7.0f },
  { -6.0f, { 3.0f, -4.0f, 0.0f }, { false, false, false }, -6.0f },
  { 0.0f, { 10.0f, 5.0f, 0.0f }, { true, true, false }, MX_STRIP_FADER_MAX_DB },
  { 8.0f, { 1.5f, 0.0f, 0.0f }, { true, false, false }, 9.5f },
  { 5.0f, { -INFINITY, 0.0f, 0.0f }, { true, false, false }, -INFINITY },
  { -INFINITY, { 10.0f, 10.0f, 10.0f }, { true, true, true }, -INFINITY },
  { 3.0f, { -INFINITY, 0.0f, 0.0f }, { false, true, false }, 3.0f },
};

START_TEST(effective_fader_adds_the_vca_faders)
{
  const uint32_t s = strip("src", 1U);
  const uint32_t b = bus("grp", MX_BUS_GROUP, 2U);
  for (uint32_t v = 0U; v < 3U; ++v) {
    set(MX_NODE_VCA, v, MX_P_FADER, 0U, faders[_i].vca[v]);
    if (faders[_i].member[v]) {
      set(MX_NODE_STRIP, s, MX_P_VCA, v, 1.0f);
      set(MX_NODE_BUS, b, MX_P_VCA, v, 1.0f);
    }
  }
  set(MX_NODE_STRIP, s, MX_P_FADER, 0U, faders[_i].fader);
  set(MX_NODE_BUS, b, MX_P_FADER, 0U, faders[_i].fader);
  derive();
  mxt_assert_same(node(MX_NODE_STRIP, s)->fader_db, faders[_i].expected);
  mxt_assert_same(node(MX_NODE_BUS, b)->fader_db, faders[_i].expected);
  mxt_assert_same(stored(MX_NODE_STRIP, s, MX_P_FADER), faders[_i].fader);
  ck_assert(!node(MX_NODE_STRIP, s)->mute);

  // The master is in no VCA
  set(MX_NODE_MASTER, 0U, MX_P_FADER, 0U, -2.5f);
  derive();
  mxt_assert_same(node(MX_NODE_MASTER, 0U)->fader_db, -2.5f);
}
END_TEST

// A VCA's mute mutes its members, strips and buses, and no one else; the
// members' stored mutes do not change
START_TEST(vca_mute_mutes_its_members)
{
  const uint32_t in  = strip("in", 2U);
  const uint32_t out = strip("out", 2U);
  const uint32_t b   = bus("grp", MX_BUS_GROUP, 2U);
  set(MX_NODE_STRIP, in, MX_P_VCA, 3U, 1.0f);
  set(MX_NODE_BUS, b, MX_P_VCA, 3U, 1.0f);
  set(MX_NODE_STRIP, out, MX_P_VCA, 2U, 1.0f);
  set(MX_NODE_VCA, 3U, MX_P_MUTE, 0U, 1.0f);
  derive();
  ck_assert(node(MX_NODE_STRIP, in)->mute);
  ck_assert(node(MX_NODE_BUS, b)->mute);
  ck_assert(!node(MX_NODE_STRIP, out)->mute);
  ck_assert(!node(MX_NODE_MASTER, 0U)->mute);
  mxt_assert_same(stored(MX_NODE_STRIP, in, MX_P_MUTE), 0.0f);
  mxt_assert_same(stored(MX_NODE_BUS, b, MX_P_MUTE), 0.0f);

  set(MX_NODE_VCA, 3U, MX_P_MUTE, 0U, 0.0f);
  derive();
  ck_assert(!node(MX_NODE_STRIP, in)->mute);
  ck_assert(!node(MX_NODE_BUS, b)->mute);
}
END_TEST

// A mute group mutes its members only while the group is muted
START_TEST(mute_group_mutes_members_while_muted)
{
  const uint32_t a = strip("a", 1U);
  const uint32_t c = strip("c", 1U);
  const uint32_t b = bus("grp", MX_BUS_GROUP, 2U);
  set(MX_NODE_STRIP, a, MX_P_MUTE_GROUP, 1U, 1.0f);
  set(MX_NODE_BUS, b, MX_P_MUTE_GROUP, 1U, 1.0f);
  set(MX_NODE_STRIP, c, MX_P_MUTE_GROUP, 0U, 1.0f);
  derive();
  ck_assert(!node(MX_NODE_STRIP, a)->mute);
  ck_assert(!node(MX_NODE_BUS, b)->mute);

  set(MX_NODE_MUTE_GROUP, 1U, MX_P_MUTE, 0U, 1.0f);
  derive();
  ck_assert(node(MX_NODE_STRIP, a)->mute);
  ck_assert(node(MX_NODE_BUS, b)->mute);
  ck_assert(!node(MX_NODE_STRIP, c)->mute);
  mxt_assert_same(stored(MX_NODE_STRIP, a, MX_P_MUTE), 0.0f);

  // Muted by its own switch too: unmuting the group leaves that
  set(MX_NODE_STRIP, a, MX_P_MUTE, 0U, 1.0f);
  set(MX_NODE_MUTE_GROUP, 1U, MX_P_MUTE, 0U, 0.0f);
  derive();
  ck_assert(node(MX_NODE_STRIP, a)->mute);
  ck_assert(!node(MX_NODE_BUS, b)->mute);

  // The master's own mute
  set(MX_NODE_MASTER, 0U, MX_P_MUTE, 0U, 1.0f);
  derive();
  ck_assert(node(MX_NODE_MASTER, 0U)->mute);
}
END_TEST

// ---------------------------------------------------------------------------
// Solo

/*
  The desk of the solo tests:
    kick (mono)  -> drums (group) -> band (group) -> master
    snare (mono) -> drums
    bass (stereo) -> band
    vox (mono)   -> master, send -> verb (aux, stereo, solo-safe) -> master
    keys (stereo) -> master, send -> echo (aux, mono) -> master
    click (mono, solo-safe) -> master
    spare (group) -> master, fed by nothing
*/
typedef struct {
  uint32_t kick, snare, bass, vox, keys, click;
  uint32_t drums, band, verb, echo, spare;
} Desk;

static Desk
make_desk(void)
{
  Desk d;
  d.kick  = strip("kick", 1U);
  d.snare = strip("snare", 1U);
  d.bass  = strip("bass", 2U);
  d.vox   = strip("vox", 1U);
  d.keys  = strip("keys", 2U);
  d.click = strip("click", 1U);
  d.drums = bus("drums", MX_BUS_GROUP, 2U);
  d.band  = bus("band", MX_BUS_GROUP, 2U);
  d.verb  = bus("verb", MX_BUS_AUX, 2U);
  d.echo  = bus("echo", MX_BUS_AUX, 1U);
  d.spare = bus("spare", MX_BUS_GROUP, 2U);
  for (uint32_t i = 0U; i < 3U; ++i) {
    const uint32_t s = i == 0U ? d.kick : i == 1U ? d.snare : d.bass;
    set(MX_NODE_STRIP, s, MX_P_ROUTE_MASTER, 0U, 0.0f);
    set(MX_NODE_STRIP, s, MX_P_ROUTE, i < 2U ? d.drums : d.band, 1.0f);
  }
  set(MX_NODE_BUS, d.drums, MX_P_ROUTE_MASTER, 0U, 0.0f);
  set(MX_NODE_BUS, d.drums, MX_P_ROUTE, d.band, 1.0f);
  set(MX_NODE_STRIP, d.vox, MX_P_SEND_LEVEL, d.verb, -6.0f);
  set(MX_NODE_STRIP, d.keys, MX_P_SEND_LEVEL, d.echo, -6.0f);
  set(MX_NODE_BUS, d.verb, MX_P_ROUTE_MASTER, 0U, 1.0f);
  set(MX_NODE_BUS, d.echo, MX_P_ROUTE_MASTER, 0U, 1.0f);
  set(MX_NODE_BUS, d.verb, MX_P_SOLO_SAFE, 0U, 1.0f);
  set(MX_NODE_STRIP, d.click, MX_P_SOLO_SAFE, 0U, 1.0f);
  return d;
}

// Assert the effective mutes: bits of `strips` by strip slot, `buses` by bus slot
static void
assert_mutes(const unsigned strips, const unsigned buses)
{
  for (uint32_t s = 0U; s < 6U; ++s) {
    ck_assert_msg(node(MX_NODE_STRIP, s)->mute == ((strips >> s) & 1U), "strip slot %u", s);
  }
  for (uint32_t b = 0U; b < 5U; ++b) {
    ck_assert_msg(node(MX_NODE_BUS, b)->mute == ((buses >> b) & 1U), "bus slot %u", b);
  }
  ck_assert(!node(MX_NODE_MASTER, 0U)->mute);
  for (uint32_t s = 0U; s < 6U; ++s) {
    ck_assert_uint_eq(node(MX_NODE_STRIP, s)->monitor, MX_MONITOR_NONE);
    mxt_assert_same(stored(MX_NODE_STRIP, s, MX_P_MUTE), 0.0f);
  }
  ck_assert(!mx_plan_monitor_solo(plan));
}

#define BIT(x) (1U << (x))

START_TEST(nothing_soloed_mutes_nothing)
{
  make_desk();
  derive();
  assert_mutes(0U, 0U);
}
END_TEST

/*
  Solo in place: what is soloed, solo-safe, upstream of a soloed node
  (feeds it, through routes and sends) or downstream of one (fed by it)
  stays; the rest is muted.
*/
START_TEST(solo_in_place_keeps_the_soloed_paths)
{
  const Desk d = make_desk();
  ck_assert_uint_eq(d.kick, 0U); // slots in order of creation
  ck_assert_uint_eq(d.spare, 4U);

  // kick: drums and band downstream; the solo-safe click and verb stay
  set(MX_NODE_STRIP, d.kick, MX_P_SOLO, 0U, 1.0f);
  derive();
  assert_mutes(BIT(d.snare) | BIT(d.bass) | BIT(d.vox) | BIT(d.keys), BIT(d.echo) | BIT(d.spare));

  // vox: verb downstream (its send); the bus chain is muted
  set(MX_NODE_STRIP, d.kick, MX_P_SOLO, 0U, 0.0f);
  set(MX_NODE_STRIP, d.vox, MX_P_SOLO, 0U, 1.0f);
  derive();
  assert_mutes(BIT(d.kick) | BIT(d.snare) | BIT(d.bass) | BIT(d.keys),
               BIT(d.drums) | BIT(d.band) | BIT(d.echo) | BIT(d.spare));

  // drums: kick and snare upstream, band downstream
  set(MX_NODE_STRIP, d.vox, MX_P_SOLO, 0U, 0.0f);
  set(MX_NODE_BUS, d.drums, MX_P_SOLO, 0U, 1.0f);
  derive();
  assert_mutes(BIT(d.bass) | BIT(d.vox) | BIT(d.keys), BIT(d.echo) | BIT(d.spare));

  // band: everything that reaches it, through drums too
  set(MX_NODE_BUS, d.drums, MX_P_SOLO, 0U, 0.0f);
  set(MX_NODE_BUS, d.band, MX_P_SOLO, 0U, 1.0f);
  derive();
  assert_mutes(BIT(d.vox) | BIT(d.keys), BIT(d.echo) | BIT(d.spare));

  // echo (an aux): keys upstream by its send
  set(MX_NODE_BUS, d.band, MX_P_SOLO, 0U, 0.0f);
  set(MX_NODE_BUS, d.echo, MX_P_SOLO, 0U, 1.0f);
  derive();
  assert_mutes(BIT(d.kick) | BIT(d.snare) | BIT(d.bass) | BIT(d.vox),
               BIT(d.drums) | BIT(d.band) | BIT(d.spare));

  // Two solos add up: kick and keys
  set(MX_NODE_BUS, d.echo, MX_P_SOLO, 0U, 0.0f);
  set(MX_NODE_STRIP, d.kick, MX_P_SOLO, 0U, 1.0f);
  set(MX_NODE_STRIP, d.keys, MX_P_SOLO, 0U, 1.0f);
  derive();
  assert_mutes(BIT(d.snare) | BIT(d.bass) | BIT(d.vox), BIT(d.spare));

  // A route switched off is no path: kick no longer reaches drums
  set(MX_NODE_STRIP, d.keys, MX_P_SOLO, 0U, 0.0f);
  set(MX_NODE_STRIP, d.kick, MX_P_ROUTE, d.drums, 0.0f);
  derive();
  assert_mutes(BIT(d.snare) | BIT(d.bass) | BIT(d.vox) | BIT(d.keys),
               BIT(d.drums) | BIT(d.band) | BIT(d.echo) | BIT(d.spare));
}
END_TEST

/*
  AFL and PFL: solo mutes nothing; each soloed node feeds the monitor
  (its output pair, or its pre-fader tap) and the monitor carries the
  solos instead of the master.
*/
START_TEST(afl_and_pfl_mute_nothing)
{
  static const struct {
    MxSoloMode    mode;
    MxMonitorFeed feed;
  } modes[]    = { { MX_SOLO_AFL, MX_MONITOR_AFL }, { MX_SOLO_PFL, MX_MONITOR_PFL } };
  const Desk d = make_desk();
  set(MX_NODE_MONITOR, 0U, MX_P_MONITOR_MODE, 0U, (float)modes[_i].mode);
  set(MX_NODE_MONITOR, 0U, MX_P_MONITOR_LEVEL, 0U, -12.0f);
  derive();
  ck_assert(!mx_plan_monitor_solo(plan));
  mxt_assert_same(mx_plan_monitor_level_db(plan), -12.0f);

  set(MX_NODE_STRIP, d.kick, MX_P_SOLO, 0U, 1.0f);
  set(MX_NODE_BUS, d.echo, MX_P_SOLO, 0U, 1.0f);
  derive();
  ck_assert(mx_plan_monitor_solo(plan));
  for (uint32_t s = 0U; s < 6U; ++s) {
    ck_assert(!node(MX_NODE_STRIP, s)->mute);
    ck_assert_uint_eq(node(MX_NODE_STRIP, s)->monitor,
                      s == d.kick ? modes[_i].feed : MX_MONITOR_NONE);
  }
  for (uint32_t b = 0U; b < 5U; ++b) {
    ck_assert(!node(MX_NODE_BUS, b)->mute);
    ck_assert_uint_eq(node(MX_NODE_BUS, b)->monitor,
                      b == d.echo ? modes[_i].feed : MX_MONITOR_NONE);
  }
  ck_assert_double_gt(edge(MX_NODE_STRIP, d.keys, d.echo)->gain[0], 0.0);

  // Back in place: the monitor feeds stop, the mutes come
  set(MX_NODE_MONITOR, 0U, MX_P_MONITOR_MODE, 0U, (float)MX_SOLO_IN_PLACE);
  derive();
  ck_assert(!mx_plan_monitor_solo(plan));
  ck_assert_uint_eq(node(MX_NODE_STRIP, d.kick)->monitor, MX_MONITOR_NONE);
  ck_assert(node(MX_NODE_STRIP, d.vox)->mute);
}
END_TEST

// ---------------------------------------------------------------------------
// Order

// Position of a bus slot in the processing order
static uint32_t
order_of(const uint32_t slot)
{
  const uint32_t* const order = mx_plan_order(plan);
  for (uint32_t i = 0U; i < mx_plan_order_count(plan); ++i) {
    if (order[i] == slot) {
      return i;
    }
  }
  ck_abort_msg("bus slot %u not in the order", slot);
  return UINT32_MAX;
}

// Every connected bus-to-bus edge goes forward in the order
static void
assert_order_follows_edges(void)
{
  for (uint32_t b = 0U; b < limits.buses; ++b) {
    for (uint32_t d = 0U; node(MX_NODE_BUS, b)->present && d < limits.buses; ++d) {
      if (edge(MX_NODE_BUS, b, d)->mode != MX_EDGE_OFF) {
        ck_assert_uint_lt(order_of(b), order_of(d));
      }
    }
  }
}

/*
  Buses run after the buses that feed them, whatever their slots: an aux
  into a group into a group into a group, made in the opposite order, and
  two buses fed by nothing.  Ready buses are taken by slot (Kahn's
  algorithm), so the order is exactly [loose, aux, other, g3, g2, g1].
*/
START_TEST(order_puts_buses_after_their_sources)
{
  const uint32_t g1    = bus("g1", MX_BUS_GROUP, 2U);
  const uint32_t g2    = bus("g2", MX_BUS_GROUP, 2U);
  const uint32_t loose = bus("loose", MX_BUS_AUX, 2U);
  const uint32_t g3    = bus("g3", MX_BUS_GROUP, 1U);
  const uint32_t aux   = bus("aux", MX_BUS_AUX, 2U);
  const uint32_t other = bus("other", MX_BUS_GROUP, 2U);
  set(MX_NODE_BUS, g2, MX_P_ROUTE, g1, 1.0f);
  set(MX_NODE_BUS, g3, MX_P_ROUTE, g2, 1.0f);
  set(MX_NODE_BUS, aux, MX_P_ROUTE, g3, 1.0f);
  set(MX_NODE_BUS, other, MX_P_ROUTE, g1, 1.0f);
  derive();
  ck_assert_uint_eq(mx_plan_order_count(plan), 6U);
  assert_order_follows_edges();

  // Kahn, ready buses by slot: loose, aux, other; then g3, g2, g1
  const uint32_t expected[] = { loose, aux, other, g3, g2, g1 };
  for (uint32_t i = 0U; i < 6U; ++i) {
    ck_assert_uint_eq(mx_plan_order(plan)[i], expected[i]);
  }

  // The same model again: the same order
  derive();
  for (uint32_t i = 0U; i < 6U; ++i) {
    ck_assert_uint_eq(mx_plan_order(plan)[i], expected[i]);
  }

  // A change of routing reorders: g1 into g3 instead
  set(MX_NODE_BUS, g2, MX_P_ROUTE, g1, 0.0f);
  set(MX_NODE_BUS, other, MX_P_ROUTE, g1, 0.0f);
  set(MX_NODE_BUS, g1, MX_P_ROUTE, g3, 1.0f);
  derive();
  assert_order_follows_edges();
  ck_assert_uint_lt(order_of(g1), order_of(g3));
  ck_assert_uint_lt(order_of(g3), order_of(g2));
}
END_TEST

// ---------------------------------------------------------------------------
// Latency

/*
  A limiter on a group bus delays what goes through it by L: the bus's
  output latency is L, the master waits L for it (its strip inputs are
  delayed L), and the bus's edge into the master needs no delay.
*/
START_TEST(limited_bus_delays_the_master_input)
{
  const uint32_t s   = strip("s", 1U);
  const uint32_t dry = strip("dry", 2U);
  const uint32_t g   = bus("g", MX_BUS_GROUP, 2U);
  set(MX_NODE_STRIP, s, MX_P_ROUTE_MASTER, 0U, 0.0f);
  set(MX_NODE_STRIP, s, MX_P_ROUTE, g, 1.0f);
  derive();
  ck_assert_uint_eq(node(MX_NODE_BUS, g)->latency, 0U);
  ck_assert_uint_eq(node(MX_NODE_MASTER, 0U)->input_delay, 0U);
  ck_assert_uint_eq(mx_plan_latency(plan), 0U);

  set(MX_NODE_BUS, g, MX_P_LIMITER_ON, 0U, 1.0f);
  derive();
  const MxPlanNode* const bus_node = node(MX_NODE_BUS, g);
  ck_assert(bus_node->limiter);
  ck_assert_uint_eq(bus_node->input_delay, 0U);
  ck_assert_uint_eq(bus_node->latency, LAT);
  ck_assert_uint_eq(node(MX_NODE_MASTER, 0U)->input_delay, LAT);
  ck_assert_uint_eq(node(MX_NODE_MASTER, 0U)->latency, LAT);
  ck_assert_uint_eq(edge(MX_NODE_BUS, g, MASTER)->delay, 0U);
  ck_assert_uint_eq(edge(MX_NODE_STRIP, dry, MASTER)->delay, 0U);
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, g)->delay, 0U);
  ck_assert_uint_eq(mx_plan_latency(plan), LAT);
  ck_assert(!node(MX_NODE_MASTER, 0U)->limiter);

  // Strips have no limiter, whatever the model says of them
  ck_assert(!node(MX_NODE_STRIP, s)->limiter);
}
END_TEST

/*
  Two limited buses in a chain, a dry bus and parallel paths:
    a -> g1 (limited) -> g2 (limited) -> master;  g1 -> master too
    b -> g2;  c -> g3 (dry) -> master;  d -> master
  g1: in 0, out L.  g2: in L (b's sum delayed L), out 2L, g1 -> g2 undelayed.
  master: in 2L; g2 -> master undelayed, g1 -> master delayed L, g3 -> master 2L.
  A master limiter adds L at the output.
*/
START_TEST(chained_limiters_align_every_path)
{
  const uint32_t a  = strip("a", 1U);
  const uint32_t b  = strip("b", 2U);
  const uint32_t c  = strip("c", 1U);
  const uint32_t d  = strip("d", 1U);
  const uint32_t g1 = bus("g1", MX_BUS_GROUP, 2U);
  const uint32_t g2 = bus("g2", MX_BUS_GROUP, 2U);
  const uint32_t g3 = bus("g3", MX_BUS_GROUP, 1U);
  set(MX_NODE_STRIP, a, MX_P_ROUTE_MASTER, 0U, 0.0f);
  set(MX_NODE_STRIP, a, MX_P_ROUTE, g1, 1.0f);
  set(MX_NODE_STRIP, b, MX_P_ROUTE_MASTER, 0U, 0.0f);
  set(MX_NODE_STRIP, b, MX_P_ROUTE, g2, 1.0f);
  set(MX_NODE_STRIP, c, MX_P_ROUTE_MASTER, 0U, 0.0f);
  set(MX_NODE_STRIP, c, MX_P_ROUTE, g3, 1.0f);
  set(MX_NODE_BUS, g1, MX_P_ROUTE, g2, 1.0f);
  set(MX_NODE_BUS, g1, MX_P_LIMITER_ON, 0U, 1.0f);
  set(MX_NODE_BUS, g2, MX_P_LIMITER_ON, 0U, 1.0f);
  derive();

  ck_assert_uint_eq(node(MX_NODE_BUS, g1)->input_delay, 0U);
  ck_assert_uint_eq(node(MX_NODE_BUS, g1)->latency, LAT);
  ck_assert_uint_eq(node(MX_NODE_BUS, g2)->input_delay, LAT);
  ck_assert_uint_eq(node(MX_NODE_BUS, g2)->latency, 2U * LAT);
  ck_assert_uint_eq(node(MX_NODE_BUS, g3)->input_delay, 0U);
  ck_assert_uint_eq(node(MX_NODE_BUS, g3)->latency, 0U);
  ck_assert_uint_eq(edge(MX_NODE_BUS, g1, g2)->delay, 0U);
  ck_assert_uint_eq(node(MX_NODE_MASTER, 0U)->input_delay, 2U * LAT);
  ck_assert_uint_eq(edge(MX_NODE_BUS, g2, MASTER)->delay, 0U);
  ck_assert_uint_eq(edge(MX_NODE_BUS, g1, MASTER)->delay, LAT);
  ck_assert_uint_eq(edge(MX_NODE_BUS, g3, MASTER)->delay, 2U * LAT);
  ck_assert_uint_eq(mx_plan_latency(plan), 2U * LAT);

  // Every path from a strip to the master takes 2L: its strip-sum delay,
  // then each bus's limiter and input or edge delay
  const uint32_t via_a = node(MX_NODE_BUS, g1)->input_delay + LAT +
                         edge(MX_NODE_BUS, g1, g2)->delay + LAT +
                         edge(MX_NODE_BUS, g2, MASTER)->delay;
  const uint32_t via_b =
    node(MX_NODE_BUS, g2)->input_delay + LAT + edge(MX_NODE_BUS, g2, MASTER)->delay;
  const uint32_t via_c  = node(MX_NODE_BUS, g3)->input_delay + edge(MX_NODE_BUS, g3, MASTER)->delay;
  const uint32_t via_d  = node(MX_NODE_MASTER, 0U)->input_delay;
  const uint32_t via_g1 = LAT + edge(MX_NODE_BUS, g1, MASTER)->delay;
  ck_assert_uint_eq(via_a, 2U * LAT);
  ck_assert_uint_eq(via_b, 2U * LAT);
  ck_assert_uint_eq(via_c, 2U * LAT);
  ck_assert_uint_eq(via_d, 2U * LAT);
  ck_assert_uint_eq(via_g1, 2U * LAT);
  ck_assert_uint_eq(edge(MX_NODE_STRIP, d, MASTER)->delay, 0U);

  // The master's limiter adds L at its output
  set(MX_NODE_MASTER, 0U, MX_P_LIMITER_ON, 0U, 1.0f);
  derive();
  ck_assert(node(MX_NODE_MASTER, 0U)->limiter);
  ck_assert_uint_eq(node(MX_NODE_MASTER, 0U)->input_delay, 2U * LAT);
  ck_assert_uint_eq(mx_plan_latency(plan), 3U * LAT);

  // Compensation longer than the audio side can give: refused
  ck_assert_int_eq(mx_plan_derive(plan, model, LAT, 2U * LAT - 1U), MX_ERR_RANGE);
  ck_assert_int_eq(mx_plan_derive(plan, model, LAT, 2U * LAT), MX_SUCCESS);
  ck_assert_int_eq(mx_plan_derive(plan, model, LAT, LAT), MX_ERR_RANGE);
  derive();
  ck_assert_uint_eq(mx_plan_latency(plan), 3U * LAT);
}
END_TEST

// The master's limiter alone: L at the output, nothing to align
START_TEST(master_limiter_adds_its_latency)
{
  strip("s", 2U);
  set(MX_NODE_MASTER, 0U, MX_P_LIMITER_ON, 0U, 1.0f);
  derive();
  ck_assert_uint_eq(node(MX_NODE_MASTER, 0U)->input_delay, 0U);
  ck_assert_uint_eq(mx_plan_latency(plan), LAT);
  ck_assert_int_eq(mx_plan_derive(plan, model, LAT, 0U), MX_SUCCESS);
}
END_TEST

// ---------------------------------------------------------------------------
// Leaving nodes

/*
  With hold_removed, a removed strip or bus stays in the plan while it
  fades out: present, leaving, muted, still connected downstream; edges
  into a removed bus are gone at once.  Released, it is gone.
*/
START_TEST(leaving_nodes_fade_out)
{
  const uint32_t s   = strip("s", 1U);
  const uint32_t t   = strip("t", 2U);
  const uint32_t g   = bus("g", MX_BUS_GROUP, 2U);
  const uint32_t aux = bus("aux", MX_BUS_AUX, 2U);
  set(MX_NODE_STRIP, s, MX_P_ROUTE, g, 1.0f);
  set(MX_NODE_STRIP, t, MX_P_ROUTE, g, 1.0f);
  set(MX_NODE_STRIP, t, MX_P_SEND_LEVEL, aux, 0.0f);
  set(MX_NODE_BUS, aux, MX_P_ROUTE, g, 1.0f);
  set(MX_NODE_BUS, aux, MX_P_ROUTE_MASTER, 0U, 1.0f);
  derive();

  // Remove strip s
  const MxNode s_node = { MX_NODE_STRIP, position(MX_NODE_STRIP, s) };
  ck_assert_int_eq(mx_model_remove(model, s_node), MX_SUCCESS);
  derive();
  const MxPlanNode* const gone = node(MX_NODE_STRIP, s);
  ck_assert(gone->present);
  ck_assert(gone->leaving);
  ck_assert(gone->mute);
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, MASTER)->mode, MX_EDGE_PAIR);
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, g)->mode, MX_EDGE_PAIR);
  ck_assert(!node(MX_NODE_STRIP, t)->leaving);
  ck_assert(!node(MX_NODE_STRIP, t)->mute);

  // Remove bus g: leaving itself, and nothing goes into it any more
  const MxNode g_node = { MX_NODE_BUS, position(MX_NODE_BUS, g) };
  ck_assert_int_eq(mx_model_remove(model, g_node), MX_SUCCESS);
  derive();
  ck_assert(node(MX_NODE_BUS, g)->present);
  ck_assert(node(MX_NODE_BUS, g)->leaving);
  ck_assert(node(MX_NODE_BUS, g)->mute);
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, g)->mode, MX_EDGE_OFF);
  ck_assert_uint_eq(edge(MX_NODE_STRIP, t, g)->mode, MX_EDGE_OFF);
  ck_assert_uint_eq(edge(MX_NODE_BUS, aux, g)->mode, MX_EDGE_OFF);
  ck_assert_uint_eq(edge(MX_NODE_BUS, g, MASTER)->mode, MX_EDGE_PAIR);
  ck_assert_uint_eq(edge(MX_NODE_STRIP, t, aux)->mode, MX_EDGE_PAIR);
  ck_assert_uint_eq(mx_plan_order_count(plan), 2U);
  ck_assert(!node(MX_NODE_BUS, aux)->mute);

  // Released: gone
  ck_assert_int_eq(mx_model_release(model, MX_NODE_STRIP, s), MX_SUCCESS);
  ck_assert_int_eq(mx_model_release(model, MX_NODE_BUS, g), MX_SUCCESS);
  derive();
  ck_assert(!node(MX_NODE_STRIP, s)->present);
  ck_assert(!node(MX_NODE_BUS, g)->present);
  ck_assert_uint_eq(mx_plan_order_count(plan), 1U);
  ck_assert_uint_eq(mx_plan_order(plan)[0], aux);
}
END_TEST

// A leaving node's solo no longer counts: nothing else is muted for it
START_TEST(leaving_solo_does_not_count)
{
  const uint32_t s = strip("s", 1U);
  const uint32_t t = strip("t", 1U);
  set(MX_NODE_STRIP, s, MX_P_SOLO, 0U, 1.0f);
  derive();
  ck_assert(node(MX_NODE_STRIP, t)->mute);

  const MxNode s_node = { MX_NODE_STRIP, position(MX_NODE_STRIP, s) };
  ck_assert_int_eq(mx_model_remove(model, s_node), MX_SUCCESS);
  derive();
  ck_assert(node(MX_NODE_STRIP, s)->mute);
  ck_assert(!node(MX_NODE_STRIP, t)->mute);
}
END_TEST

// Without hold_removed a removed node is gone at once
START_TEST(removed_nodes_are_gone_without_hold)
{
  const uint32_t s = strip("s", 1U);
  const uint32_t g = bus("g", MX_BUS_GROUP, 2U);
  set(MX_NODE_STRIP, s, MX_P_ROUTE, g, 1.0f);
  derive();
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, g)->mode, MX_EDGE_PAIR);

  const MxNode g_node = { MX_NODE_BUS, position(MX_NODE_BUS, g) };
  ck_assert_int_eq(mx_model_remove(model, g_node), MX_SUCCESS);
  derive();
  ck_assert(!node(MX_NODE_BUS, g)->present);
  ck_assert_uint_eq(edge(MX_NODE_STRIP, s, g)->mode, MX_EDGE_OFF);
  ck_assert_uint_eq(mx_plan_order_count(plan), 0U);

  const MxNode s_node = { MX_NODE_STRIP, position(MX_NODE_STRIP, s) };
  ck_assert_int_eq(mx_model_remove(model, s_node), MX_SUCCESS);
  derive();
  ck_assert(!node(MX_NODE_STRIP, s)->present);
}
END_TEST

static Suite*
plan_suite(void)
{
  Suite* const s = suite_create("plan");

  TCase* const life = tcase_create("lifetime");
  tcase_add_checked_fixture(life, setup, teardown);
  tcase_add_test(life, new_plan_is_empty);
  suite_add_tcase(s, life);

  TCase* const edges = tcase_create("edges");
  tcase_add_checked_fixture(edges, setup, teardown);
  tcase_add_test(edges, strips_route_to_the_master_by_default);
  tcase_add_loop_test(edges, routes_into_group_buses, 0, MXT_N_CASES(routes));
  tcase_add_loop_test(edges, sends_into_aux_buses, 0, MXT_N_CASES(sends));
  tcase_add_test(edges, sends_at_minus_inf_or_off_are_off);
  tcase_add_test(edges, sends_carry_the_source_mute);
  suite_add_tcase(s, edges);

  TCase* const groups = tcase_create("vcas_and_mute_groups");
  tcase_add_checked_fixture(groups, setup, teardown);
  tcase_add_loop_test(groups, effective_fader_adds_the_vca_faders, 0, MXT_N_CASES(faders));
  tcase_add_test(groups, vca_mute_mutes_its_members);
  tcase_add_test(groups, mute_group_mutes_members_while_muted);
  suite_add_tcase(s, groups);

  TCase* const solo = tcase_create("solo");
  tcase_add_checked_fixture(solo, setup, teardown);
  tcase_add_test(solo, nothing_soloed_mutes_nothing);
  tcase_add_test(solo, solo_in_place_keeps_the_soloed_paths);
  tcase_add_loop_test(solo, afl_and_pfl_mute_nothing, 0, 2);
  suite_add_tcase(s, solo);

  TCase* const order = tcase_create("order");
  tcase_add_checked_fixture(order, setup, teardown);
  tcase_add_test(order, order_puts_buses_after_their_sources);
  suite_add_tcase(s, order);

  TCase* const latency = tcase_create("latency");
  tcase_add_checked_fixture(latency, setup, teardown);
  tcase_add_test(latency, limited_bus_delays_the_master_input);
  tcase_add_test(latency, chained_limiters_align_every_path);
  tcase_add_test(latency, master_limiter_adds_its_latency);
  suite_add_tcase(s, latency);

  TCase* const leaving = tcase_create("leaving");
  tcase_add_checked_fixture(leaving, setup_held, teardown);
  tcase_add_test(leaving, leaving_nodes_fade_out);
  tcase_add_test(leaving, leaving_solo_does_not_count);
  suite_add_tcase(s, leaving);

  TCase* const removed = tcase_create("removed");
  tcase_add_checked_fixture(removed, setup, teardown);
  tcase_add_test(removed, removed_nodes_are_gone_without_hold);
  suite_add_tcase(s, removed);
  return s;
}

int
main(void)
{
  return mxt_run_suite(plan_suite());
}
