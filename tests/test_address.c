// SPDX-License-Identifier: GPL-3.0-or-later

#include "address.h"
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

enum { S_MONO, S_STEREO, N_STRIPS };
enum { B_FX, B_VERB, B_DRUMS, B_KEYS, N_BUSES };
enum { N_VCAS = 4, N_GROUPS = 3 };

/*
  The representative mix: a mono and a stereo strip; a mono aux "fx", a
  stereo aux "verb", a stereo group "drums" and a mono group "keys"; 4 VCAs
  and 3 mute groups.
*/
static MxModel*
representative(void)
{
  const MxLimits limits = { 8U, 8U, N_VCAS, N_GROUPS };
  MxModel* const model  = mx_model_new(&limits, false);
  ck_assert_ptr_nonnull(model);
  ck_assert_int_eq(mx_model_add_strip(model, "mono", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_strip(model, "stereo", 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, "fx", MX_BUS_AUX, 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, "verb", MX_BUS_AUX, 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, "drums", MX_BUS_GROUP, 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, "keys", MX_BUS_GROUP, 1U, NULL), MX_SUCCESS);
  return model;
}

static bool
same_addr(const MxAddr* const a, const MxAddr* const b)
{
  if (a->kind != b->kind) {
    return false;
  }
  switch (a->kind) {
    case MX_ADDR_STRIP_ADD:
    case MX_ADDR_BUS_ADD:
    case MX_ADDR_CONNECT:
    case MX_ADDR_DISCONNECT:
      return true;
    case MX_ADDR_REMOVE:
    case MX_ADDR_NAME:
      return a->node.kind == b->node.kind && a->node.index == b->node.index;
    case MX_ADDR_CONTROL:
      break;
  }
  return a->node.kind == b->node.kind && a->node.index == b->node.index && a->param == b->param &&
         a->sub == b->sub;
}

static MxNode
node_of_bus(const uint32_t index)
{
  const MxNode n = { MX_NODE_BUS, index };
  return n;
}

#define C MX_ADDR_CONTROL

// ---------------------------------------------------------------- Forms

static const struct {
  const char* path;
  MxAddr      addr;
} forms[] = {
  { "/strip/add", { MX_ADDR_STRIP_ADD, { MX_NODE_STRIP, 0U }, MX_P_TRIM, 0U } },
  { "/bus/add", { MX_ADDR_BUS_ADD, { MX_NODE_STRIP, 0U }, MX_P_TRIM, 0U } },
  { "/jack/connect", { MX_ADDR_CONNECT, { MX_NODE_STRIP, 0U }, MX_P_TRIM, 0U } },
  { "/jack/disconnect", { MX_ADDR_DISCONNECT, { MX_NODE_STRIP, 0U }, MX_P_TRIM, 0U } },
  { "/strip/mono/remove", { MX_ADDR_REMOVE, { MX_NODE_STRIP, S_MONO }, MX_P_TRIM, 0U } },
  { "/strip/2/remove", { MX_ADDR_REMOVE, { MX_NODE_STRIP, S_STEREO }, MX_P_TRIM, 0U } },
  { "/bus/verb/remove", { MX_ADDR_REMOVE, { MX_NODE_BUS, B_VERB }, MX_P_TRIM, 0U } },
  { "/strip/stereo/name", { MX_ADDR_NAME, { MX_NODE_STRIP, S_STEREO }, MX_P_TRIM, 0U } },
  { "/bus/4/name", { MX_ADDR_NAME, { MX_NODE_BUS, B_KEYS }, MX_P_TRIM, 0U } },
  // Controls by name and by position
  { "/strip/mono/fader", { C, { MX_NODE_STRIP, S_MONO }, MX_P_FADER, 0U } },
  { "/strip/1/fader", { C, { MX_NODE_STRIP, S_MONO }, MX_P_FADER, 0U } },
  { "/strip/2/trim", { C, { MX_NODE_STRIP, S_STEREO }, MX_P_TRIM, 0U } },
  { "/strip/stereo/width", { C, { MX_NODE_STRIP, S_STEREO }, MX_P_WIDTH, 0U } },
  { "/strip/mono/pan", { C, { MX_NODE_STRIP, S_MONO }, MX_P_PAN, 0U } },
  { "/strip/mono/balance", { C, { MX_NODE_STRIP, S_MONO }, MX_P_PAN, 0U } },
  { "/strip/mono/solo_safe", { C, { MX_NODE_STRIP, S_MONO }, MX_P_SOLO_SAFE, 0U } },
  { "/strip/mono/hpf/slope", { C, { MX_NODE_STRIP, S_MONO }, MX_P_HPF_SLOPE, 0U } },
  { "/strip/mono/gate/on", { C, { MX_NODE_STRIP, S_MONO }, MX_P_GATE_ON, 0U } },
  // EQ bands, 1-based
  { "/strip/mono/eq/on", { C, { MX_NODE_STRIP, S_MONO }, MX_P_EQ_ON, 0U } },
  { "/strip/mono/eq/after_comp", { C, { MX_NODE_STRIP, S_MONO }, MX_P_EQ_AFTER_COMP, 0U } },
  { "/strip/mono/eq/1/freq", { C, { MX_NODE_STRIP, S_MONO }, MX_P_EQ_BAND_FREQ, 0U } },
  { "/strip/stereo/eq/4/type", { C, { MX_NODE_STRIP, S_STEREO }, MX_P_EQ_BAND_TYPE, 3U } },
  { "/strip/2/eq/3/q", { C, { MX_NODE_STRIP, S_STEREO }, MX_P_EQ_BAND_Q, 2U } },
  { "/bus/drums/eq/2/on", { C, { MX_NODE_BUS, B_DRUMS }, MX_P_EQ_BAND_ON, 1U } },
  // Sends by bus name and position
  { "/strip/mono/send/fx/level", { C, { MX_NODE_STRIP, S_MONO }, MX_P_SEND_LEVEL, B_FX } },
  { "/strip/mono/send/1/on", { C, { MX_NODE_STRIP, S_MONO }, MX_P_SEND_ON, B_FX } },
  { "/strip/stereo/send/verb/tap", { C, { MX_NODE_STRIP, S_STEREO }, MX_P_SEND_TAP, B_VERB } },
  { "/strip/mono/send/2/pan", { C, { MX_NODE_STRIP, S_MONO }, MX_P_SEND_PAN, B_VERB } },
  // Routes
  { "/strip/mono/route/drums", { C, { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE, B_DRUMS } },
  { "/strip/mono/route/3", { C, { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE, B_DRUMS } },
  { "/strip/stereo/route/master", { C, { MX_NODE_STRIP, S_STEREO }, MX_P_ROUTE_MASTER, 0U } },
  { "/bus/drums/route/keys", { C, { MX_NODE_BUS, B_DRUMS }, MX_P_ROUTE, B_KEYS } },
  { "/bus/fx/route/drums", { C, { MX_NODE_BUS, B_FX }, MX_P_ROUTE, B_DRUMS } },
  { "/bus/fx/route/master", { C, { MX_NODE_BUS, B_FX }, MX_P_ROUTE_MASTER, 0U } },
  // Memberships
  { "/strip/mono/vca/1", { C, { MX_NODE_STRIP, S_MONO }, MX_P_VCA, 0U } },
  { "/strip/mono/vca/4", { C, { MX_NODE_STRIP, S_MONO }, MX_P_VCA, 3U } },
  { "/strip/stereo/mutegroup/3", { C, { MX_NODE_STRIP, S_STEREO }, MX_P_MUTE_GROUP, 2U } },
  { "/bus/keys/vca/2", { C, { MX_NODE_BUS, B_KEYS }, MX_P_VCA, 1U } },
  // Buses, the master
  { "/bus/keys/limiter/ceiling", { C, { MX_NODE_BUS, B_KEYS }, MX_P_LIMITER_CEILING, 0U } },
  { "/bus/verb/gate/threshold", { C, { MX_NODE_BUS, B_VERB }, MX_P_GATE_THRESHOLD, 0U } },
  { "/master/fader", { C, { MX_NODE_MASTER, 0U }, MX_P_FADER, 0U } },
  { "/master/limiter/on", { C, { MX_NODE_MASTER, 0U }, MX_P_LIMITER_ON, 0U } },
  { "/master/eq/2/gain", { C, { MX_NODE_MASTER, 0U }, MX_P_EQ_BAND_GAIN, 1U } },
  { "/master/width", { C, { MX_NODE_MASTER, 0U }, MX_P_WIDTH, 0U } },
  { "/master/balance", { C, { MX_NODE_MASTER, 0U }, MX_P_PAN, 0U } },
  { "/master/comp/detect", { C, { MX_NODE_MASTER, 0U }, MX_P_COMP_DETECT, 0U } },
  // VCAs, mute groups, the monitor
  { "/vca/1/fader", { C, { MX_NODE_VCA, 0U }, MX_P_FADER, 0U } },
  { "/vca/4/mute", { C, { MX_NODE_VCA, 3U }, MX_P_MUTE, 0U } },
  { "/mutegroup/1/mute", { C, { MX_NODE_MUTE_GROUP, 0U }, MX_P_MUTE, 0U } },
  { "/mutegroup/3/mute", { C, { MX_NODE_MUTE_GROUP, 2U }, MX_P_MUTE, 0U } },
  { "/monitor/mode", { C, { MX_NODE_MONITOR, 0U }, MX_P_MONITOR_MODE, 0U } },
  { "/monitor/level", { C, { MX_NODE_MONITOR, 0U }, MX_P_MONITOR_LEVEL, 0U } },
};

START_TEST(parses_every_form)
{
  MxModel* const model = representative();
  MxAddr         addr;
  char           why[128] = "";
  memset(&addr, 0xff, sizeof(addr));
  const MxStatus st = mx_addr_parse(model, forms[_i].path, &addr, why, sizeof(why));
  ck_assert_msg(st == MX_SUCCESS, "%s: %s (%s)", forms[_i].path, mx_strerror(st), why);
  ck_assert_int_eq(addr.kind, forms[_i].addr.kind);
  ck_assert_msg(same_addr(&addr, &forms[_i].addr),
                "%s: node %d %u, param %d, sub %u",
                forms[_i].path,
                (int)addr.node.kind,
                addr.node.index,
                (int)addr.param,
                addr.sub);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Errors

static const struct {
  const char* path;
  MxStatus    status;
  const char* word; // The reason contains this
} errors[] = {
  // Not an address
  { "", MX_ERR_NOT_FOUND, "'/'" },
  { "strip/mono/fader", MX_ERR_NOT_FOUND, "'/'" },
  { "/", MX_ERR_NOT_FOUND, "address" },
  { "//", MX_ERR_NOT_FOUND, "//" },
  { "/strip//fader", MX_ERR_NOT_FOUND, "/strip//fader" },
  { "/strip/mono//fader", MX_ERR_NOT_FOUND, "address" },
  { "/strip/mono/fader/", MX_ERR_NOT_FOUND, "/strip/mono/fader/" },
  { "/strip/mono/eq/1/freq/", MX_ERR_NOT_FOUND, "address" },
  { "/nothing/fader", MX_ERR_NOT_FOUND, "/nothing/fader" },
  { "/Strip/mono/fader", MX_ERR_NOT_FOUND, "/Strip" },
  { "/strip/mono/a/b/c/d/e/f/g", MX_ERR_NOT_FOUND, "address" },
  { "/strip", MX_ERR_NOT_FOUND, "/strip" },
  { "/strip/mono", MX_ERR_NOT_FOUND, "/strip/mono" },
  { "/bus", MX_ERR_NOT_FOUND, "/bus" },
  { "/master", MX_ERR_NOT_FOUND, "/master" },
  { "/monitor", MX_ERR_NOT_FOUND, "/monitor" },
  { "/vca", MX_ERR_NOT_FOUND, "/vca" },
  { "/jack", MX_ERR_NOT_FOUND, "/jack" },
  { "/jack/connect/x", MX_ERR_NOT_FOUND, "/jack/connect/x" },
  { "/jack/plug", MX_ERR_NOT_FOUND, "/jack/plug" },
  { "/vca/1", MX_ERR_NOT_FOUND, "address" },
  { "/mutegroup/2", MX_ERR_NOT_FOUND, "address" },
  { "/strip/add/fader", MX_ERR_NOT_FOUND, "'add'" },
  { "/bus/add/x", MX_ERR_NOT_FOUND, "'add'" },
  // Missing nodes
  { "/strip/vox/fader", MX_ERR_NOT_FOUND, "'vox'" },
  { "/bus/mono/fader", MX_ERR_NOT_FOUND, "'mono'" },
  { "/strip/fx/fader", MX_ERR_NOT_FOUND, "'fx'" },
  { "/strip/vox/remove", MX_ERR_NOT_FOUND, "'vox'" },
  { "/strip/0/fader", MX_ERR_NOT_FOUND, "strip 0" },
  { "/strip/3/fader", MX_ERR_NOT_FOUND, "strip 3" },
  { "/bus/5/name", MX_ERR_NOT_FOUND, "bus 5" },
  { "/strip/01/fader", MX_ERR_NOT_FOUND, "01" },
  { "/strip/1x/fader", MX_ERR_NOT_FOUND, "1x" },
  { "/strip/99999999999/fader", MX_ERR_NOT_FOUND, "99999999999" },
  { "/strip/+1/fader", MX_ERR_NOT_FOUND, "+1" },
  { "/vca/0/fader", MX_ERR_NOT_FOUND, "VCA 0" },
  { "/vca/5/fader", MX_ERR_NOT_FOUND, "VCA 5" },
  { "/vca/01/fader", MX_ERR_NOT_FOUND, "VCA 01" },
  { "/vca/one/fader", MX_ERR_NOT_FOUND, "VCA one" },
  { "/mutegroup/4/mute", MX_ERR_NOT_FOUND, "mute group 4" },
  { "/mutegroup/0/mute", MX_ERR_NOT_FOUND, "mute group 0" },
  // Sub-indices that do not exist
  { "/strip/mono/eq/5/freq", MX_ERR_NOT_FOUND, "EQ band 5" },
  { "/strip/mono/eq/0/gain", MX_ERR_NOT_FOUND, "EQ band 0" },
  { "/strip/mono/eq/01/q", MX_ERR_NOT_FOUND, "EQ band 01" },
  { "/master/eq/9/on", MX_ERR_NOT_FOUND, "EQ band 9" },
  { "/strip/mono/vca/5", MX_ERR_NOT_FOUND, "VCA 5" },
  { "/strip/mono/vca/0", MX_ERR_NOT_FOUND, "VCA 0" },
  { "/strip/mono/mutegroup/4", MX_ERR_NOT_FOUND, "mute group 4" },
  { "/strip/mono/send/nobus/level", MX_ERR_NOT_FOUND, "'nobus'" },
  { "/strip/mono/send/5/level", MX_ERR_NOT_FOUND, "bus 5" },
  { "/strip/mono/route/nobus", MX_ERR_NOT_FOUND, "'nobus'" },
  { "/strip/mono/route/0", MX_ERR_NOT_FOUND, "bus 0" },
  // Controls that exist nowhere
  { "/strip/mono/nosuch", MX_ERR_NOT_FOUND, "'nosuch'" },
  { "/strip/mono/FADER", MX_ERR_NOT_FOUND, "'FADER'" },
  { "/strip/mono/eq/1/nosuch", MX_ERR_NOT_FOUND, "'eq/1/nosuch'" },
  { "/strip/mono/gate", MX_ERR_NOT_FOUND, "'gate'" },
  { "/master/nosuch/on", MX_ERR_NOT_FOUND, "'nosuch/on'" },
  { "/monitor/mode/x", MX_ERR_NOT_FOUND, "'mode/x'" },
  { "/vca/1/fader/x", MX_ERR_NOT_FOUND, "'fader/x'" },
  // Controls on the wrong kind of node
  { "/master/gate/on", MX_ERR_NOT_APPLICABLE, "gate/on" },
  { "/master/trim", MX_ERR_NOT_APPLICABLE, "trim" },
  { "/master/solo", MX_ERR_NOT_APPLICABLE, "solo" },
  { "/master/route/master", MX_ERR_NOT_APPLICABLE, "route/master" },
  { "/master/route/drums", MX_ERR_NOT_APPLICABLE, "route" },
  { "/master/send/fx/level", MX_ERR_NOT_APPLICABLE, "send" },
  { "/master/vca/1", MX_ERR_NOT_APPLICABLE, "vca" },
  { "/master/mode", MX_ERR_NOT_APPLICABLE, "mode" },
  { "/strip/mono/limiter/on", MX_ERR_NOT_APPLICABLE, "limiter/on" },
  { "/strip/mono/mode", MX_ERR_NOT_APPLICABLE, "strips" },
  { "/bus/drums/send/fx/level", MX_ERR_NOT_APPLICABLE, "buses" },
  { "/vca/1/pan", MX_ERR_NOT_APPLICABLE, "pan" },
  { "/vca/1/solo", MX_ERR_NOT_APPLICABLE, "VCAs" },
  { "/mutegroup/1/fader", MX_ERR_NOT_APPLICABLE, "fader" },
  { "/monitor/fader", MX_ERR_NOT_APPLICABLE, "monitor" },
  // Controls that do not apply to this node
  { "/strip/mono/width", MX_ERR_NOT_APPLICABLE, "stereo strips" },
  { "/bus/fx/width", MX_ERR_NOT_APPLICABLE, "stereo buses" },
  { "/bus/keys/width", MX_ERR_NOT_APPLICABLE, "'width'" },
  { "/strip/mono/send/drums/level", MX_ERR_NOT_APPLICABLE, "'drums' is a group bus" },
  { "/strip/stereo/send/keys/on", MX_ERR_NOT_APPLICABLE, "route/keys" },
  { "/strip/mono/send/fx/pan", MX_ERR_NOT_APPLICABLE, "'fx' is mono" },
  { "/strip/mono/route/fx", MX_ERR_NOT_APPLICABLE, "'fx' is an aux bus" },
  { "/strip/mono/route/2", MX_ERR_NOT_APPLICABLE, "send/verb/level" },
  { "/bus/drums/route/drums", MX_ERR_NOT_APPLICABLE, "itself" },
  { "/bus/3/route/3", MX_ERR_NOT_APPLICABLE, "itself" },
};

START_TEST(refuses_with_a_reason)
{
  MxModel* const model = representative();
  MxAddr         addr;
  char           why[256] = "";
  const MxStatus st       = mx_addr_parse(model, errors[_i].path, &addr, why, sizeof(why));
  ck_assert_msg(st == errors[_i].status,
                "'%s': %s, expected %s (%s)",
                errors[_i].path,
                mx_strerror(st),
                mx_strerror(errors[_i].status),
                why);
  ck_assert_msg(strstr(why, errors[_i].word),
                "'%s': reason '%s' lacks '%s'",
                errors[_i].path,
                why,
                errors[_i].word);

  // The reason is optional, and cut to its buffer
  ck_assert_int_eq(mx_addr_parse(model, errors[_i].path, &addr, NULL, 0U), errors[_i].status);
  char short_why[6];
  memset(short_why, 'x', sizeof(short_why));
  ck_assert_int_eq(mx_addr_parse(model, errors[_i].path, &addr, short_why, sizeof(short_why)),
                   errors[_i].status);
  ck_assert_uint_eq(strlen(short_why), sizeof(short_why) - 1U);
  ck_assert(!strncmp(short_why, why, sizeof(short_why) - 1U));
  mx_model_free(model);
}
END_TEST

START_TEST(refuses_long_addresses)
{
  MxModel* const model = representative();
  char           path[MX_ADDR_MAX + 2U];
  char           name[MX_NAME_MAX + 1U];
  char           why[128] = "";
  MxAddr         addr;

  // The longest name makes a valid address; MX_ADDR_MAX bytes is only
  // unknown, one more is too long
  memset(name, 'n', MX_NAME_MAX);
  name[MX_NAME_MAX] = '\0';
  ck_assert_int_eq(mx_model_add_strip(model, name, 1U, NULL), MX_SUCCESS);
  snprintf(path, sizeof(path), "/strip/%s/fader", name);
  ck_assert_int_eq(mx_addr_parse(model, path, &addr, why, sizeof(why)), MX_SUCCESS);

  memset(path, 'a', sizeof(path));
  memcpy(path, "/strip/", 7U);
  path[MX_ADDR_MAX] = '\0';
  ck_assert_int_eq(mx_addr_parse(model, path, &addr, why, sizeof(why)), MX_ERR_NOT_FOUND);
  ck_assert_ptr_null(strstr(why, "longer")); // Only not found
  path[MX_ADDR_MAX]      = 'a';
  path[MX_ADDR_MAX + 1U] = '\0';
  ck_assert_int_eq(mx_addr_parse(model, path, &addr, why, sizeof(why)), MX_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(why, "127"));

  static char huge[4096];
  memset(huge, '/', sizeof(huge) - 1U);
  ck_assert_int_eq(mx_addr_parse(model, huge, &addr, why, sizeof(why)), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_addr_parse(model, NULL, &addr, why, sizeof(why)), MX_ERR_NOT_FOUND);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Round trip

// Every node of the representative mix
static const MxNode all_nodes[] = {
  { MX_NODE_STRIP, S_MONO },
  { MX_NODE_STRIP, S_STEREO },
  { MX_NODE_BUS, B_FX },
  { MX_NODE_BUS, B_VERB },
  { MX_NODE_BUS, B_DRUMS },
  { MX_NODE_BUS, B_KEYS },
  { MX_NODE_MASTER, 0U },
  { MX_NODE_VCA, 0U },
  { MX_NODE_VCA, N_VCAS - 1U },
  { MX_NODE_MUTE_GROUP, 0U },
  { MX_NODE_MUTE_GROUP, N_GROUPS - 1U },
  { MX_NODE_MONITOR, 0U },
};

/*
  Every control that applies on the node formats to an address that parses
  back to it; every control that does not apply does not format.
*/
START_TEST(every_control_round_trips)
{
  MxModel* const model   = representative();
  const MxNode   n       = all_nodes[_i];
  unsigned       tripped = 0U;
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    const uint32_t subs = mx_model_sub_count(model, n, (MxParam)p) + 1U; // and one beyond
    for (uint32_t sub = 0U; sub < subs; ++sub) {
      const MxAddr addr = { MX_ADDR_CONTROL, n, (MxParam)p, sub };
      char         buf[MX_ADDR_MAX + 1U];
      const int    len = mx_addr_format(model, &addr, buf, sizeof(buf));
      if (!mx_model_applies(model, n, (MxParam)p, sub)) {
        if (len != -1) {
          ck_abort_msg("%s sub %u formatted as '%s'", mx_param_info((MxParam)p)->path, sub, buf);
        }
        continue;
      }
      if (len <= 0 || (size_t)len != strlen(buf)) {
        ck_abort_msg("%s sub %u: length %d", mx_param_info((MxParam)p)->path, sub, len);
      }

      MxAddr         back;
      char           why[256] = "";
      const MxStatus st       = mx_addr_parse(model, buf, &back, why, sizeof(why));
      if (st || !same_addr(&back, &addr)) {
        ck_abort_msg("'%s' parses to %s (%s): param %d sub %u, expected %d sub %u",
                     buf,
                     mx_strerror(st),
                     why,
                     (int)back.param,
                     back.sub,
                     p,
                     sub);
      }
      ++tripped;
    }
  }
  ck_assert_uint_gt(tripped, 0U);
  mx_model_free(model);
}
END_TEST

START_TEST(formats_names_and_numbers)
{
  MxModel* const model = representative();
  static const struct {
    MxAddr      addr;
    const char* text;
  } cases[] = {
    { { C, { MX_NODE_STRIP, S_MONO }, MX_P_EQ_BAND_FREQ, 1U }, "/strip/mono/eq/2/freq" },
    { { C, { MX_NODE_STRIP, S_STEREO }, MX_P_SEND_LEVEL, B_VERB },
      "/strip/stereo/send/verb/level" },
    { { C, { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE, B_KEYS }, "/strip/mono/route/keys" },
    { { C, { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE_MASTER, 0U }, "/strip/mono/route/master" },
    { { C, { MX_NODE_STRIP, S_MONO }, MX_P_PAN, 0U }, "/strip/mono/pan" },
    { { C, { MX_NODE_STRIP, S_MONO }, MX_P_VCA, 2U }, "/strip/mono/vca/3" },
    { { C, { MX_NODE_BUS, B_DRUMS }, MX_P_MUTE_GROUP, 0U }, "/bus/drums/mutegroup/1" },
    { { C, { MX_NODE_MASTER, 0U }, MX_P_LIMITER_DRIVE, 0U }, "/master/limiter/drive" },
    { { C, { MX_NODE_VCA, 1U }, MX_P_FADER, 0U }, "/vca/2/fader" },
    { { C, { MX_NODE_MUTE_GROUP, 2U }, MX_P_MUTE, 0U }, "/mutegroup/3/mute" },
    { { C, { MX_NODE_MONITOR, 0U }, MX_P_MONITOR_LEVEL, 0U }, "/monitor/level" },
    { { MX_ADDR_REMOVE, { MX_NODE_BUS, B_FX }, MX_P_TRIM, 0U }, "/bus/fx/remove" },
    { { MX_ADDR_NAME, { MX_NODE_STRIP, S_STEREO }, MX_P_TRIM, 0U }, "/strip/stereo/name" },
    { { MX_ADDR_STRIP_ADD, { MX_NODE_STRIP, 0U }, MX_P_TRIM, 0U }, "/strip/add" },
    { { MX_ADDR_BUS_ADD, { MX_NODE_STRIP, 0U }, MX_P_TRIM, 0U }, "/bus/add" },
    { { MX_ADDR_CONNECT, { MX_NODE_STRIP, 0U }, MX_P_TRIM, 0U }, "/jack/connect" },
    { { MX_ADDR_DISCONNECT, { MX_NODE_STRIP, 0U }, MX_P_TRIM, 0U }, "/jack/disconnect" },
  };
  for (unsigned i = 0U; i < sizeof(cases) / sizeof(*cases); ++i) {
    char      buf[MX_ADDR_MAX + 1U];
    const int len = mx_addr_format(model, &cases[i].addr, buf, sizeof(buf));
    ck_assert_str_eq(buf, cases[i].text);
    ck_assert_int_eq(len, (int)strlen(cases[i].text));

    MxAddr back;
    ck_assert_int_eq(mx_addr_parse(model, buf, &back, NULL, 0U), MX_SUCCESS);
    ck_assert(same_addr(&back, &cases[i].addr));
  }

  // Too small a buffer: cut, and the full length returned (as snprintf)
  const MxAddr addr = cases[1].addr;
  char         small[8];
  ck_assert_int_eq(mx_addr_format(model, &addr, small, sizeof(small)), (int)strlen(cases[1].text));
  ck_assert_str_eq(small, "/strip/");

  // Names follow renames and moves
  ck_assert_int_eq(mx_model_rename(model, node_of_bus(B_VERB), "hall"), MX_SUCCESS);
  ck_assert_int_eq(mx_model_move(model, node_of_bus(B_VERB), 0U), MX_SUCCESS);
  char         buf[MX_ADDR_MAX + 1U];
  const MxAddr moved = { C, { MX_NODE_STRIP, S_STEREO }, MX_P_SEND_LEVEL, 0U };
  mx_addr_format(model, &moved, buf, sizeof(buf));
  ck_assert_str_eq(buf, "/strip/stereo/send/hall/level");
  mx_model_free(model);
}
END_TEST

START_TEST(does_not_format_what_does_not_resolve)
{
  MxModel* const      model = representative();
  static const MxAddr bad[] = {
    { C, { MX_NODE_STRIP, N_STRIPS }, MX_P_FADER, 0U },
    { C, { MX_NODE_BUS, N_BUSES }, MX_P_FADER, 0U },
    { C, { MX_NODE_VCA, N_VCAS }, MX_P_FADER, 0U },
    { C, { MX_NODE_MASTER, 1U }, MX_P_FADER, 0U },
    { C, { MX_NODE_MASTER, 0U }, MX_P_GATE_ON, 0U },
    { C, { MX_NODE_STRIP, S_MONO }, MX_P_WIDTH, 0U },
    { C, { MX_NODE_STRIP, S_MONO }, (MxParam)MX_P_COUNT, 0U },
    { C, { MX_NODE_STRIP, S_MONO }, MX_P_EQ_BAND_Q, MX_PARAM_EQ_BANDS },
    { C, { MX_NODE_STRIP, S_MONO }, MX_P_SEND_LEVEL, B_DRUMS },
    { C, { MX_NODE_STRIP, S_MONO }, MX_P_ROUTE, B_FX },
    { MX_ADDR_REMOVE, { MX_NODE_STRIP, N_STRIPS }, MX_P_TRIM, 0U },
    { MX_ADDR_REMOVE, { MX_NODE_MASTER, 0U }, MX_P_TRIM, 0U },
    { MX_ADDR_NAME, { MX_NODE_VCA, 0U }, MX_P_TRIM, 0U },
    { MX_ADDR_NAME, { MX_NODE_MONITOR, 0U }, MX_P_TRIM, 0U },
  };
  for (unsigned i = 0U; i < sizeof(bad) / sizeof(*bad); ++i) {
    char buf[MX_ADDR_MAX + 1U] = "";
    ck_assert_msg(
      mx_addr_format(model, &bad[i], buf, sizeof(buf)) == -1, "case %u formatted as '%s'", i, buf);
  }
  mx_model_free(model);
}
END_TEST

START_TEST(adds_format_in_an_empty_model)
{
  const MxLimits limits = { 2U, 2U, 1U, 1U };
  MxModel* const model  = mx_model_new(&limits, false);
  const MxAddr   strip  = { MX_ADDR_STRIP_ADD, { MX_NODE_STRIP, 0U }, MX_P_TRIM, 0U };
  const MxAddr   bus    = { MX_ADDR_BUS_ADD, { MX_NODE_STRIP, 0U }, MX_P_TRIM, 0U };
  char           buf[MX_ADDR_MAX + 1U] = "";
  ck_assert_int_eq(mx_addr_format(model, &strip, buf, sizeof(buf)), 10);
  ck_assert_str_eq(buf, "/strip/add");
  ck_assert_int_eq(mx_addr_format(model, &bus, buf, sizeof(buf)), 8);
  ck_assert_str_eq(buf, "/bus/add");

  MxAddr addr;
  ck_assert_int_eq(mx_addr_parse(model, "/strip/add", &addr, NULL, 0U), MX_SUCCESS);
  ck_assert_int_eq(addr.kind, MX_ADDR_STRIP_ADD);
  ck_assert_int_eq(mx_addr_parse(model, "/strip/1/fader", &addr, NULL, 0U), MX_ERR_NOT_FOUND);
  mx_model_free(model);
}
END_TEST

START_TEST(longest_names_round_trip)
{
  const MxLimits limits = { 2U, 2U, 1U, 1U };
  MxModel* const model  = mx_model_new(&limits, false);
  char           strip[MX_NAME_MAX + 1U];
  char           bus[MX_NAME_MAX + 1U];
  memset(strip, 's', MX_NAME_MAX);
  memset(bus, 'b', MX_NAME_MAX);
  strip[MX_NAME_MAX] = bus[MX_NAME_MAX] = '\0';
  ck_assert_int_eq(mx_model_add_strip(model, strip, 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, bus, MX_BUS_AUX, 2U, NULL), MX_SUCCESS);

  const MxAddr addr = { C, { MX_NODE_STRIP, 0U }, MX_P_SEND_LEVEL, 0U };
  char         buf[MX_ADDR_MAX + 1U];
  const int    len = mx_addr_format(model, &addr, buf, sizeof(buf));
  ck_assert_int_eq(len, (int)strlen(buf));
  ck_assert_int_le(len, (int)MX_ADDR_MAX);
  MxAddr back;
  ck_assert_int_eq(mx_addr_parse(model, buf, &back, NULL, 0U), MX_SUCCESS);
  ck_assert(same_addr(&back, &addr));
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Values

// Write and read back, asserting the float comes back bit for bit
static void
assert_value_round_trip(const MxParam param, const float value)
{
  char           text[64];
  char           why[256] = "";
  float          back     = NAN;
  const int      len      = mx_addr_format_value(param, value, text, sizeof(text));
  const MxStatus st       = mx_addr_parse_value(param, text, &back, why, sizeof(why));
  if (len != (int)strlen(text) || st || memcmp(&back, &value, sizeof(float))) {
    ck_abort_msg("%s: %a -> '%s' -> %a (%s: %s)",
                 mx_param_info(param)->path,
                 (double)value,
                 text,
                 (double)back,
                 mx_strerror(st),
                 why);
  }
}

START_TEST(values_round_trip_exactly)
{
  const MxParam            param = (MxParam)_i;
  const MxParamInfo* const info  = mx_param_info(param);
  assert_value_round_trip(param, info->def);
  assert_value_round_trip(param, info->min);
  assert_value_round_trip(param, info->max);
  if (info->type != MX_PARAM_FLOAT) {
    for (float v = info->min; v <= info->max; v += 1.0f) {
      assert_value_round_trip(param, v);
    }
    return;
  }

  // Awkward values wherever they are in range
  static const float awkward[] = {
    0.7071f, 1e-3f, -144.0f,  0.1f,        -0.1f,  1.0f / 3.0f, 2.0f / 3.0f, 1e-7f,  -1e-7f,
    0.3f,    1.1f,  -6.0206f, 3.14159265f, 99.99f, 12345.679f,  16777217.0f, 4e-45f,
  };
  for (unsigned i = 0U; i < sizeof(awkward) / sizeof(*awkward); ++i) {
    if (awkward[i] >= info->min && awkward[i] <= info->max) {
      assert_value_round_trip(param, awkward[i]);
    }
  }
  assert_value_round_trip(param, nextafterf(info->min, INFINITY));
  assert_value_round_trip(param, nextafterf(info->max, -INFINITY));

  // A sweep of every float between two neighbours of the default, then a
  // deterministic scatter over the whole range
  float v = info->def == -INFINITY ? info->min : info->def;
  for (unsigned i = 0U; i < 200U && v <= info->max; ++i, v = nextafterf(v, INFINITY)) {
    assert_value_round_trip(param, v);
  }
  uint32_t x = 0x9e3779b9U;
  for (unsigned i = 0U; i < 3000U; ++i) {
    x ^= x << 13U;
    x ^= x >> 17U;
    x ^= x << 5U;
    const double t = (double)x / 4294967296.0;
    const float  r = (float)(info->min + t * ((double)info->max - info->min));
    if (r >= info->min && r <= info->max) {
      assert_value_round_trip(param, r);
    }
  }
}
END_TEST

static const struct {
  MxParam     param;
  float       value;
  const char* text;
} formatted[] = {
  { MX_P_FADER, 0.0f, "0" },
  { MX_P_FADER, -144.0f, "-144" },
  { MX_P_FADER, -INFINITY, "-inf" },
  { MX_P_FADER, 3.5f, "3.5" },
  { MX_P_FADER, -0.1f, "-0.1" },
  { MX_P_EQ_BAND_Q, 0.7071f, "0.7071" },
  { MX_P_EQ_BAND_FREQ, 2500.0f, "2500" },
  { MX_P_EQ_BAND_FREQ, 40000.0f, "40000" },
  { MX_P_PAN, 1e-3f, "0.001" },
  { MX_P_PAN, -1.0f, "-1" },
  { MX_P_PAN, 1.0f / 3.0f, "0.33333334" },
  { MX_P_MUTE, 1.0f, "1" },
  { MX_P_MUTE, 0.0f, "0" },
  { MX_P_EQ_BAND_TYPE, 0.0f, "peak" },
  { MX_P_EQ_BAND_TYPE, 1.0f, "lowshelf" },
  { MX_P_EQ_BAND_TYPE, 7.0f, "allpass" },
  { MX_P_HPF_SLOPE, 2.0f, "lr24" },
  { MX_P_SEND_TAP, 2.0f, "post_fader" },
  { MX_P_COMP_DETECT, 1.0f, "rms" },
  { MX_P_MONITOR_MODE, 2.0f, "pfl" },
  { MX_P_EQ_BAND_TYPE, 8.0f, "8" }, // Not a label: the number
};

START_TEST(formats_shortest_text)
{
  char      text[64];
  const int len = mx_addr_format_value(formatted[_i].param, formatted[_i].value, text, 64U);
  ck_assert_str_eq(text, formatted[_i].text);
  ck_assert_int_eq(len, (int)strlen(formatted[_i].text));

  // As snprintf(): cut to a short buffer, nothing written to none, and the
  // full length returned either way
  char small[3];
  ck_assert_int_eq(
    mx_addr_format_value(formatted[_i].param, formatted[_i].value, small, sizeof(small)), len);
  ck_assert(!strncmp(small, formatted[_i].text, sizeof(small) - 1U));
  ck_assert_uint_le(strlen(small), sizeof(small) - 1U);
  char none = 'x';
  ck_assert_int_eq(mx_addr_format_value(formatted[_i].param, formatted[_i].value, &none, 0U), len);
  ck_assert_int_eq(none, 'x');
}
END_TEST

static const struct {
  MxParam     param;
  const char* text;
  float       value;
} parsed[] = {
  { MX_P_FADER, "-6", -6.0f },
  { MX_P_FADER, "-6.0", -6.0f },
  { MX_P_FADER, "1e-3", 1e-3f },
  { MX_P_FADER, "-1.44e2", -144.0f },
  { MX_P_FADER, "+3", 3.0f },
  { MX_P_FADER, "-inf", -INFINITY },
  { MX_P_FADER, "-INF", -INFINITY },
  { MX_P_FADER, "-infinity", -INFINITY },
  { MX_P_SEND_LEVEL, "-inf", -INFINITY },
  { MX_P_MONITOR_LEVEL, "-Inf", -INFINITY },
  { MX_P_EQ_BAND_Q, "0.7071", 0.7071f },
  { MX_P_EQ_BAND_Q, ".5", 0.5f },
  { MX_P_MUTE, "0", 0.0f },
  { MX_P_MUTE, "1", 1.0f },
  { MX_P_MUTE, "on", 1.0f },
  { MX_P_MUTE, "off", 0.0f },
  { MX_P_MUTE, "true", 1.0f },
  { MX_P_MUTE, "false", 0.0f },
  { MX_P_SOLO, "ON", 1.0f },
  { MX_P_SOLO, "False", 0.0f },
  { MX_P_ROUTE, "on", 1.0f },
  { MX_P_EQ_BAND_TYPE, "peak", 0.0f },
  { MX_P_EQ_BAND_TYPE, "notch", 6.0f },
  { MX_P_EQ_BAND_TYPE, "6", 6.0f },
  { MX_P_EQ_BAND_TYPE, "0", 0.0f },
  { MX_P_SEND_TAP, "pre_eq", 0.0f },
  { MX_P_SEND_TAP, "post_fader", 2.0f },
  { MX_P_SEND_TAP, "1", 1.0f },
  { MX_P_HPF_SLOPE, "bw24", 1.0f },
  { MX_P_MONITOR_MODE, "afl", 1.0f },
  { MX_P_MONITOR_MODE, "2", 2.0f },
};

START_TEST(parses_values)
{
  float          v        = NAN;
  char           why[128] = "";
  const MxStatus st = mx_addr_parse_value(parsed[_i].param, parsed[_i].text, &v, why, sizeof(why));
  ck_assert_msg(st == MX_SUCCESS, "'%s': %s (%s)", parsed[_i].text, mx_strerror(st), why);
  mxt_assert_same(v, parsed[_i].value);
}
END_TEST

static const struct {
  MxParam     param;
  const char* text;
  MxStatus    status;
  const char* word; // The reason contains this
} bad_values[] = {
  // Not numbers
  { MX_P_FADER, "abc", MX_ERR_BAD_ARG, "'abc'" },
  { MX_P_FADER, "1x", MX_ERR_BAD_ARG, "'1x'" },
  { MX_P_FADER, "nan", MX_ERR_BAD_ARG, "'nan'" },
  { MX_P_FADER, "NaN", MX_ERR_BAD_ARG, "'NaN'" },
  { MX_P_FADER, "inf", MX_ERR_BAD_ARG, "'inf'" },
  { MX_P_FADER, "+inf", MX_ERR_BAD_ARG, "'+inf'" },
  { MX_P_FADER, "infinity", MX_ERR_BAD_ARG, "'infinity'" },
  { MX_P_FADER, "", MX_ERR_BAD_ARG, "''" },
  { MX_P_FADER, "-", MX_ERR_BAD_ARG, "'-'" },
  { MX_P_FADER, "1.5.2", MX_ERR_BAD_ARG, "'1.5.2'" },
  { MX_P_FADER, "-6 dB", MX_ERR_BAD_ARG, "'-6 dB'" },
  { MX_P_FADER, "-6dB", MX_ERR_BAD_ARG, "'-6dB'" },
  { MX_P_FADER, "off", MX_ERR_BAD_ARG, "fader" },
  { MX_P_PAN, "left", MX_ERR_BAD_ARG, "pan" },
  // -inf only on levels
  { MX_P_TRIM, "-inf", MX_ERR_BAD_ARG, "'-inf'" },
  { MX_P_PAN, "-inf", MX_ERR_BAD_ARG, "-1 to 1" },
  { MX_P_EQ_BAND_GAIN, "-infinity", MX_ERR_BAD_ARG, "eq/*/gain" },
  { MX_P_MUTE, "-inf", MX_ERR_BAD_ARG, "0 or 1" },
  // Switches take 0 and 1 only
  { MX_P_MUTE, "2", MX_ERR_BAD_ARG, "'2'" },
  { MX_P_MUTE, "-1", MX_ERR_BAD_ARG, "'-1'" },
  { MX_P_MUTE, "0.5", MX_ERR_BAD_ARG, "0 or 1" },
  { MX_P_MUTE, "yes", MX_ERR_BAD_ARG, "'yes'" },
  { MX_P_MUTE, "", MX_ERR_BAD_ARG, "mute" },
  { MX_P_EQ_ON, "onn", MX_ERR_BAD_ARG, "'onn'" },
  // Enumerations: a label or an index in range
  { MX_P_EQ_BAND_TYPE, "Peak", MX_ERR_BAD_ARG, "'Peak'" },
  { MX_P_EQ_BAND_TYPE, "shelf", MX_ERR_BAD_ARG, "peak|lowshelf|highshelf" },
  { MX_P_EQ_BAND_TYPE, "1.5", MX_ERR_BAD_ARG, "'1.5'" },
  { MX_P_EQ_BAND_TYPE, "8", MX_ERR_RANGE, "peak|lowshelf|highshelf|lowpass" },
  { MX_P_EQ_BAND_TYPE, "-1", MX_ERR_RANGE, "allpass" },
  { MX_P_SEND_TAP, "post", MX_ERR_BAD_ARG, "pre_eq|pre_fader|post_fader" },
  { MX_P_MONITOR_MODE, "3", MX_ERR_RANGE, "sip|afl|pfl" },
  // Out of range, with the range
  { MX_P_FADER, "11", MX_ERR_RANGE, "-144 to 10 dB" },
  { MX_P_FADER, "-145", MX_ERR_RANGE, "-144 to 10 dB, or -inf" },
  { MX_P_FADER, "10.000001", MX_ERR_RANGE, "10.000001" },
  { MX_P_TRIM, "-25", MX_ERR_RANGE, "-24 to 24 dB" },
  { MX_P_TRIM, "1e300", MX_ERR_RANGE, "-24 to 24 dB" },
  { MX_P_TRIM, "-1e300", MX_ERR_RANGE, "-24 to 24 dB" },
  { MX_P_FADER, "1e39", MX_ERR_RANGE, "-144 to 10 dB" },
  { MX_P_FADER, "-1e39", MX_ERR_RANGE, "-144 to 10 dB" },
  { MX_P_FADER, "-1e300", MX_ERR_RANGE, "-144 to 10 dB" },
  { MX_P_SEND_LEVEL, "-200", MX_ERR_RANGE, "send/*/level" },
  { MX_P_EQ_BAND_FREQ, "5", MX_ERR_RANGE, "10 to 40000 Hz" },
  { MX_P_EQ_BAND_Q, "0", MX_ERR_RANGE, "0.1 to 20" },
  { MX_P_PAN, "1.01", MX_ERR_RANGE, "-1 to 1" },
  { MX_P_WIDTH, "-0.5", MX_ERR_RANGE, "0 to 2" },
};

START_TEST(refuses_bad_values)
{
  float          v        = 42.0f;
  char           why[256] = "";
  const MxStatus st =
    mx_addr_parse_value(bad_values[_i].param, bad_values[_i].text, &v, why, sizeof(why));
  ck_assert_msg(st == bad_values[_i].status,
                "'%s' for %s: %s, expected %s (%s)",
                bad_values[_i].text,
                mx_param_info(bad_values[_i].param)->path,
                mx_strerror(st),
                mx_strerror(bad_values[_i].status),
                why);
  ck_assert_msg(strstr(why, bad_values[_i].word),
                "'%s': reason '%s' lacks '%s'",
                bad_values[_i].text,
                why,
                bad_values[_i].word);
  mxt_assert_same(v, 42.0f);
  ck_assert_int_eq(mx_addr_parse_value(bad_values[_i].param, bad_values[_i].text, &v, NULL, 0U),
                   bad_values[_i].status);
  mxt_assert_same(v, 42.0f);
}
END_TEST

START_TEST(refuses_missing_values)
{
  float v        = 1.0f;
  char  why[128] = "";
  ck_assert_int_eq(mx_addr_parse_value(MX_P_FADER, NULL, &v, why, sizeof(why)), MX_ERR_BAD_ARG);
  ck_assert_uint_gt(strlen(why), 0U);
  ck_assert_int_eq(mx_addr_parse_value((MxParam)MX_P_COUNT, "0", &v, why, sizeof(why)),
                   MX_ERR_BAD_ARG);
  mxt_assert_same(v, 1.0f);
}
END_TEST

static const struct {
  MxParam     param;
  const char* text;
} range_texts[] = {
  { MX_P_TRIM, "-24 to 24 dB" },
  { MX_P_FADER, "-144 to 10 dB, or -inf" },
  { MX_P_SEND_LEVEL, "-144 to 10 dB, or -inf" },
  { MX_P_MONITOR_LEVEL, "-144 to 10 dB, or -inf" },
  { MX_P_DELAY, "0 to 100 ms" },
  { MX_P_EQ_BAND_FREQ, "10 to 40000 Hz" },
  { MX_P_EQ_BAND_Q, "0.1 to 20" },
  { MX_P_LIMITER_CEILING, "-20 to 0 dBTP" },
  { MX_P_GATE_THRESHOLD, "-90 to 0 dBFS" },
  { MX_P_PAN, "-1 to 1" },
  { MX_P_WIDTH, "0 to 2" },
  { MX_P_MUTE, "0 or 1" },
  { MX_P_ROUTE, "0 or 1" },
  { MX_P_HPF_SLOPE, "bw12|bw24|lr24" },
  { MX_P_EQ_BAND_TYPE, "peak|lowshelf|highshelf|lowpass|highpass|bandpass|notch|allpass" },
  { MX_P_COMP_DETECT, "peak|rms" },
  { MX_P_SEND_TAP, "pre_eq|pre_fader|post_fader" },
  { MX_P_MONITOR_MODE, "sip|afl|pfl" },
  { (MxParam)MX_P_COUNT, "?" },
};

START_TEST(formats_ranges)
{
  char      text[160];
  const int len = mx_addr_format_range(range_texts[_i].param, text, sizeof(text));
  ck_assert_str_eq(text, range_texts[_i].text);
  ck_assert_int_eq(len, (int)strlen(range_texts[_i].text));

  // As snprintf(): cut to a small buffer, still terminated, nothing
  // written to none, and the full length returned either way
  char small[6];
  memset(small, 'x', sizeof(small));
  ck_assert_int_eq(mx_addr_format_range(range_texts[_i].param, small, sizeof(small)), len);
  ck_assert_uint_le(strlen(small), sizeof(small) - 1U);
  ck_assert(!strncmp(small, range_texts[_i].text, strlen(small)));
  char none = 'x';
  ck_assert_int_eq(mx_addr_format_range(range_texts[_i].param, &none, 0U), len);
  ck_assert_int_eq(none, 'x');
}
END_TEST

// Every control has a range text, and its out-of-range errors quote it
START_TEST(range_text_in_every_range_error)
{
  const MxParam            param = (MxParam)_i;
  const MxParamInfo* const info  = mx_param_info(param);
  char                     range[160];
  char                     text[64];
  char                     why[256] = "";
  float                    v        = 0.0f;
  ck_assert_int_gt(mx_addr_format_range(param, range, sizeof(range)), 0);
  snprintf(text, sizeof(text), "%.9g", (double)info->max + 1.0);
  const MxStatus st = mx_addr_parse_value(param, text, &v, why, sizeof(why));
  if (info->type == MX_PARAM_SWITCH) {
    ck_assert_int_eq(st, MX_ERR_BAD_ARG);
  } else {
    ck_assert_int_eq(st, MX_ERR_RANGE);
  }
  ck_assert_msg(strstr(why, range), "'%s' lacks '%s'", why, range);
  ck_assert_msg(strstr(why, info->path), "'%s' lacks '%s'", why, info->path);
}
END_TEST

static Suite*
address_suite(void)
{
  Suite* const s = suite_create("address");

  TCase* const parse = tcase_create("parse");
  tcase_add_loop_test(parse, parses_every_form, 0, MXT_N_CASES(forms));
  suite_add_tcase(s, parse);

  TCase* const refuse = tcase_create("refuse");
  tcase_add_loop_test(refuse, refuses_with_a_reason, 0, MXT_N_CASES(errors));
  tcase_add_test(refuse, refuses_long_addresses);
  suite_add_tcase(s, refuse);

  TCase* const format = tcase_create("format");
  tcase_add_loop_test(format, every_control_round_trips, 0, MXT_N_CASES(all_nodes));
  tcase_add_test(format, formats_names_and_numbers);
  tcase_add_test(format, does_not_format_what_does_not_resolve);
  tcase_add_test(format, adds_format_in_an_empty_model);
  tcase_add_test(format, longest_names_round_trip);
  suite_add_tcase(s, format);

  TCase* const values = tcase_create("values");
  tcase_add_loop_test(values, values_round_trip_exactly, 0, MX_P_COUNT);
  tcase_add_loop_test(values, formats_shortest_text, 0, MXT_N_CASES(formatted));
  tcase_add_loop_test(values, parses_values, 0, MXT_N_CASES(parsed));
  tcase_add_loop_test(values, refuses_bad_values, 0, MXT_N_CASES(bad_values));
  tcase_add_test(values, refuses_missing_values);
  suite_add_tcase(s, values);

  TCase* const ranges = tcase_create("ranges");
  tcase_add_loop_test(ranges, formats_ranges, 0, MXT_N_CASES(range_texts));
  tcase_add_loop_test(ranges, range_text_in_every_range_error, 0, MX_P_COUNT);
  suite_add_tcase(s, ranges);
  return s;
}

int
main(void)
{
  return mxt_run_suite(address_suite());
}
