// SPDX-License-Identifier: GPL-3.0-or-later

#include "biquad.h"
#include "compressor.h"
#include "gate.h"
#include "limiter.h"
#include "pan.h"
#include "params.h"
#include "strip.h"
#include "strip_eq.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/// Every MX_ON_* bit
#define ALL_NODES ((1U << MX_NODE_N) - 1U)

/// Number of labels of an enumeration (up to the NULL)
static unsigned
label_count(const MxParamInfo* const info)
{
  unsigned n = 0U;
  while (info->labels && info->labels[n]) {
    ++n;
  }
  return n;
}

// ---------------------------------------------------------------- Table

START_TEST(info_is_complete)
{
  const MxParamInfo* const info = mx_param_info((MxParam)_i);
  ck_assert_ptr_nonnull(info);
  ck_assert_ptr_nonnull(info->path);
  ck_assert_uint_gt(strlen(info->path), 0U);
  ck_assert_ptr_nonnull(info->unit);
  ck_assert_ptr_nonnull(info->doc);
  ck_assert_uint_gt(strlen(info->doc), 0U);
  ck_assert_uint_ne(info->nodes, 0U);
  ck_assert_uint_eq(info->nodes & ~ALL_NODES, 0U);
  ck_assert_uint_eq(info->flags & ~(MX_PFLAG_OFF | MX_PFLAG_STEREO | MX_PFLAG_MIX | MX_PFLAG_DESK),
                    0U);
  ck_assert_int_le((int)info->taper, (int)MX_TAPER_FADER);
}
END_TEST

START_TEST(info_is_null_beyond_the_table)
{
  ck_assert_ptr_null(mx_param_info((MxParam)MX_P_COUNT));
  ck_assert_ptr_null(mx_param_info((MxParam)(MX_P_COUNT + 1)));
  ck_assert_ptr_null(mx_param_info((MxParam)-1));
  ck_assert_ptr_null(mx_param_info((MxParam)1000000));
}
END_TEST

START_TEST(range_holds_the_default)
{
  const MxParamInfo* const info = mx_param_info((MxParam)_i);
  ck_assert_msg(isfinite(info->min) && isfinite(info->max), "%s: infinite range", info->path);
  ck_assert_msg(info->min < info->max, "%s: empty range", info->path);
  if (info->def == -INFINITY) {
    ck_assert_msg(info->flags & MX_PFLAG_OFF, "%s: -inf default without MX_PFLAG_OFF", info->path);
  } else {
    ck_assert_msg(info->min <= info->def && info->def <= info->max,
                  "%s: default %g outside %g to %g",
                  info->path,
                  (double)info->def,
                  (double)info->min,
                  (double)info->max);
  }
}
END_TEST

START_TEST(types_are_consistent)
{
  const MxParamInfo* const info = mx_param_info((MxParam)_i);
  switch (info->type) {
    case MX_PARAM_FLOAT:
      ck_assert_ptr_null(info->labels);
      break;
    case MX_PARAM_SWITCH:
      ck_assert_ptr_null(info->labels);
      mxt_assert_same(info->min, 0.0f);
      mxt_assert_same(info->max, 1.0f);
      ck_assert_str_eq(info->unit, "");
      break;
    case MX_PARAM_ENUM:
      ck_assert_ptr_nonnull(info->labels);
      mxt_assert_same(info->min, 0.0f);
      mxt_assert_same(info->max, (float)(label_count(info) - 1U));
      ck_assert_str_eq(info->unit, "");
      break;
  }
  ck_assert_msg(info->type == MX_PARAM_FLOAT || info->def == floorf(info->def),
                "%s: default of a switch or enumeration is not whole",
                info->path);
}
END_TEST

START_TEST(star_iff_sub_index)
{
  const MxParamInfo* const info = mx_param_info((MxParam)_i);
  const char* const        star = strchr(info->path, '*');
  if (info->sub == MX_SUB_NONE) {
    ck_assert_msg(!star, "%s: '*' without a sub-index", info->path);
  } else {
    ck_assert_msg(star && !strchr(star + 1, '*'), "%s: needs exactly one '*'", info->path);
  }
  ck_assert_msg(info->path[0] != '/' && info->path[strlen(info->path) - 1U] != '/',
                "%s: path has a stray '/'",
                info->path);
  ck_assert_msg(!strstr(info->path, "//"), "%s: empty segment", info->path);
  if (info->alias) {
    ck_assert_msg(!strchr(info->alias, '*'), "%s: alias has a '*'", info->path);
    ck_assert_str_ne(info->alias, info->path);
  }
}
END_TEST

START_TEST(paths_unique_per_node_kind)
{
  const unsigned kind     = (unsigned)_i;
  unsigned       controls = 0U;
  for (unsigned a = 0U; a < MX_P_COUNT; ++a) {
    const MxParamInfo* const ia = mx_param_info((MxParam)a);
    if (!(ia->nodes & (1U << kind))) {
      continue;
    }
    const char* const names_a[2] = { ia->path, ia->alias };
    ++controls;
    for (unsigned b = a; b < MX_P_COUNT; ++b) {
      const MxParamInfo* const ib = mx_param_info((MxParam)b);
      if (!(ib->nodes & (1U << kind))) {
        continue;
      }
      const char* const names_b[2] = { ib->path, ib->alias };
      for (unsigned x = 0U; x < 2U; ++x) {
        for (unsigned y = 0U; y < 2U; ++y) {
          if ((a == b && x >= y) || !names_a[x] || !names_b[y]) {
            continue;
          }
          if (!strcmp(names_a[x], names_b[y])) {
            ck_abort_msg("%s: '%s' twice", mx_node_kind_name((MxNodeKind)kind), names_a[x]);
          }
        }
      }
    }
  }
  ck_assert_uint_gt(controls, 0U);
}
END_TEST

// Where each control exists and how it reads, as params.h documents it
static const struct {
  MxParam     param;
  const char* path;
  unsigned    nodes;
  unsigned    flags; // MX_PFLAG_OFF and MX_PFLAG_STEREO only
  MxSubKind   sub;
} shapes[] = {
  { MX_P_TRIM, "trim", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_NONE },
  { MX_P_POLARITY, "polarity", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_NONE },
  { MX_P_DELAY, "delay", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_NONE },
  { MX_P_HPF_ON, "hpf/on", MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_NONE },
  { MX_P_GATE_ON, "gate/on", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_NONE },
  { MX_P_GATE_RELEASE, "gate/release", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_NONE },
  { MX_P_EQ_ON, "eq/on", MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_NONE },
  { MX_P_EQ_BAND_ON, "eq/*/on", MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_BAND },
  { MX_P_EQ_BAND_TYPE, "eq/*/type", MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_BAND },
  { MX_P_EQ_BAND_FREQ, "eq/*/freq", MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_BAND },
  { MX_P_EQ_BAND_GAIN, "eq/*/gain", MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_BAND },
  { MX_P_EQ_BAND_Q, "eq/*/q", MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_BAND },
  { MX_P_COMP_DETECT, "comp/detect", MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_NONE },
  { MX_P_LIMITER_ON, "limiter/on", MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_NONE },
  { MX_P_LIMITER_CEILING, "limiter/ceiling", MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_NONE },
  { MX_P_LIMITER_DRIVE, "limiter/drive", MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_NONE },
  { MX_P_FADER,
    "fader",
    MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER | MX_ON_VCA,
    MX_PFLAG_OFF,
    MX_SUB_NONE },
  { MX_P_PAN, "pan", MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER, 0U, MX_SUB_NONE },
  { MX_P_WIDTH, "width", MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER, MX_PFLAG_STEREO, MX_SUB_NONE },
  { MX_P_MUTE,
    "mute",
    MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER | MX_ON_VCA | MX_ON_MUTE_GROUP,
    0U,
    MX_SUB_NONE },
  { MX_P_SOLO, "solo", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_NONE },
  { MX_P_SOLO_SAFE, "solo_safe", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_NONE },
  { MX_P_SEND_LEVEL, "send/*/level", MX_ON_STRIP, MX_PFLAG_OFF, MX_SUB_BUS },
  { MX_P_SEND_ON, "send/*/on", MX_ON_STRIP, 0U, MX_SUB_BUS },
  { MX_P_SEND_TAP, "send/*/tap", MX_ON_STRIP, 0U, MX_SUB_BUS },
  { MX_P_SEND_PAN, "send/*/pan", MX_ON_STRIP, 0U, MX_SUB_BUS },
  { MX_P_ROUTE_MASTER, "route/master", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_NONE },
  { MX_P_ROUTE, "route/*", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_BUS },
  { MX_P_VCA, "vca/*", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_VCA },
  { MX_P_MUTE_GROUP, "mutegroup/*", MX_ON_STRIP | MX_ON_BUS, 0U, MX_SUB_MUTE_GROUP },
  { MX_P_MONITOR_MODE, "mode", MX_ON_MONITOR, 0U, MX_SUB_NONE },
  { MX_P_MONITOR_LEVEL, "level", MX_ON_MONITOR, MX_PFLAG_OFF, MX_SUB_NONE },
};

START_TEST(control_shape_is_documented)
{
  const MxParamInfo* const info = mx_param_info(shapes[_i].param);
  ck_assert_str_eq(info->path, shapes[_i].path);
  ck_assert_uint_eq(info->nodes, shapes[_i].nodes);
  ck_assert_uint_eq(info->flags & (MX_PFLAG_OFF | MX_PFLAG_STEREO), shapes[_i].flags);
  ck_assert_int_eq(info->sub, shapes[_i].sub);
}
END_TEST

START_TEST(only_levels_go_off_and_only_width_is_stereo)
{
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    const MxParamInfo* const info = mx_param_info((MxParam)p);
    const bool level = p == MX_P_FADER || p == MX_P_SEND_LEVEL || p == MX_P_MONITOR_LEVEL;
    if (!(info->flags & MX_PFLAG_OFF) != !level) {
      ck_abort_msg("%s: MX_PFLAG_OFF is %s", info->path, level ? "missing" : "unexpected");
    }
    if (!(info->flags & MX_PFLAG_STEREO) != (p != MX_P_WIDTH)) {
      ck_abort_msg("%s: MX_PFLAG_STEREO is wrong", info->path);
    }
  }
  ck_assert_str_eq(mx_param_info(MX_P_PAN)->alias, "balance");
}
END_TEST

// The table's numbers against the DSP constants they come from
static const struct {
  MxParam param;
  float   min;
  float   max;
  float   def;
} ranges[] = {
  { MX_P_TRIM, -MX_STRIP_TRIM_MAX_DB, MX_STRIP_TRIM_MAX_DB, 0.0f },
  { MX_P_DELAY, 0.0f, MX_STRIP_DELAY_MAX_MS, 0.0f },
  { MX_P_HPF_FREQ, MX_STRIP_EQ_MIN_HZ, MX_STRIP_EQ_MAX_HZ, MX_STRIP_EQ_DEFAULT_HPF_HZ },
  { MX_P_HPF_SLOPE, 0.0f, (float)(MX_SLOPE_N - 1), (float)MX_SLOPE_12_BUTTERWORTH },
  { MX_P_GATE_THRESHOLD,
    MX_GATE_MIN_THRESHOLD_DB,
    MX_GATE_MAX_THRESHOLD_DB,
    MX_GATE_DEF_THRESHOLD_DB },
  { MX_P_GATE_RANGE, MX_GATE_MIN_RANGE_DB, 0.0f, MX_GATE_DEF_RANGE_DB },
  { MX_P_GATE_ATTACK, MX_GATE_MIN_ATTACK_MS, MX_GATE_MAX_ATTACK_MS, MX_GATE_DEF_ATTACK_MS },
  { MX_P_GATE_HOLD, 0.0f, MX_GATE_MAX_HOLD_MS, MX_GATE_DEF_HOLD_MS },
  { MX_P_GATE_RELEASE, MX_GATE_MIN_RELEASE_MS, MX_GATE_MAX_RELEASE_MS, MX_GATE_DEF_RELEASE_MS },
  { MX_P_EQ_BAND_TYPE, 0.0f, (float)(MX_BIQUAD_N_TYPES - 1), (float)MX_BIQUAD_PEAK },
  { MX_P_EQ_BAND_FREQ, MX_STRIP_EQ_MIN_HZ, MX_STRIP_EQ_MAX_HZ, 1000.0f },
  { MX_P_EQ_BAND_GAIN, -MX_STRIP_EQ_MAX_GAIN_DB, MX_STRIP_EQ_MAX_GAIN_DB, 0.0f },
  { MX_P_EQ_BAND_Q, MX_STRIP_EQ_MIN_Q, MX_STRIP_EQ_MAX_Q, MX_STRIP_EQ_DEFAULT_Q },
  { MX_P_LPF_FREQ, MX_STRIP_EQ_MIN_HZ, MX_STRIP_EQ_MAX_HZ, MX_STRIP_EQ_DEFAULT_LPF_HZ },
  { MX_P_LPF_SLOPE, 0.0f, (float)(MX_SLOPE_N - 1), (float)MX_SLOPE_12_BUTTERWORTH },
  { MX_P_COMP_THRESHOLD,
    MX_COMPRESSOR_MIN_THRESHOLD_DB,
    MX_COMPRESSOR_MAX_THRESHOLD_DB,
    MX_COMPRESSOR_DEF_THRESHOLD_DB },
  { MX_P_COMP_RATIO, 1.0f, MX_COMPRESSOR_MAX_RATIO, MX_COMPRESSOR_DEF_RATIO },
  { MX_P_COMP_KNEE, 0.0f, MX_COMPRESSOR_MAX_KNEE_DB, MX_COMPRESSOR_DEF_KNEE_DB },
  { MX_P_COMP_ATTACK, 0.0f, MX_COMPRESSOR_MAX_ATTACK_MS, MX_COMPRESSOR_DEF_ATTACK_MS },
  { MX_P_COMP_RELEASE,
    MX_COMPRESSOR_MIN_RELEASE_MS,
    MX_COMPRESSOR_MAX_RELEASE_MS,
    MX_COMPRESSOR_DEF_RELEASE_MS },
  { MX_P_COMP_MAKEUP, MX_COMPRESSOR_MIN_MAKEUP_DB, MX_COMPRESSOR_MAX_MAKEUP_DB, 0.0f },
  { MX_P_COMP_DETECT, 0.0f, (float)(MX_DETECT_N - 1), (float)MX_DETECT_PEAK },
  { MX_P_LIMITER_CEILING,
    MX_LIMITER_MIN_CEILING_DB,
    MX_LIMITER_MAX_CEILING_DB,
    MX_LIMITER_DEFAULT_CEILING_DB },
  { MX_P_LIMITER_RELEASE,
    MX_LIMITER_MIN_RELEASE_MS,
    MX_LIMITER_MAX_RELEASE_MS,
    MX_LIMITER_DEFAULT_RELEASE_MS },
  { MX_P_LIMITER_DRIVE, -MX_STRIP_DRIVE_MAX_DB, MX_STRIP_DRIVE_MAX_DB, 0.0f },
  { MX_P_FADER, -144.0f, MX_STRIP_FADER_MAX_DB, 0.0f },
  { MX_P_PAN, MX_PAN_MIN_POSITION, MX_PAN_MAX_POSITION, 0.0f },
  { MX_P_WIDTH, MX_WIDTH_MIN, MX_WIDTH_MAX, 1.0f },
  { MX_P_SEND_LEVEL, -144.0f, MX_STRIP_FADER_MAX_DB, -INFINITY },
  { MX_P_SEND_TAP, 0.0f, (float)(MX_TAP_N - 1), (float)MX_SEND_POST_FADER },
  { MX_P_SEND_PAN, MX_PAN_MIN_POSITION, MX_PAN_MAX_POSITION, 0.0f },
  { MX_P_MONITOR_MODE, 0.0f, 2.0f, (float)MX_SOLO_IN_PLACE },
  { MX_P_MONITOR_LEVEL, -144.0f, MX_STRIP_FADER_MAX_DB, 0.0f },
};

START_TEST(range_matches_dsp_constants)
{
  const MxParamInfo* const info = mx_param_info(ranges[_i].param);
  mxt_assert_same(info->min, ranges[_i].min);
  mxt_assert_same(info->max, ranges[_i].max);
  mxt_assert_same(info->def, ranges[_i].def);
}
END_TEST

// Switch defaults: what a new strip starts with
static const struct {
  MxParam param;
  float   def;
} switch_defaults[] = {
  { MX_P_POLARITY, 0.0f },   { MX_P_HPF_ON, 0.0f },        { MX_P_GATE_ON, 0.0f },
  { MX_P_EQ_ON, 1.0f },      { MX_P_EQ_AFTER_COMP, 0.0f }, { MX_P_EQ_BAND_ON, 1.0f },
  { MX_P_LPF_ON, 0.0f },     { MX_P_COMP_ON, 0.0f },       { MX_P_LIMITER_ON, 0.0f },
  { MX_P_MUTE, 0.0f },       { MX_P_SOLO, 0.0f },          { MX_P_SOLO_SAFE, 0.0f },
  { MX_P_SEND_ON, 1.0f },    { MX_P_ROUTE, 0.0f },         { MX_P_VCA, 0.0f },
  { MX_P_MUTE_GROUP, 0.0f },
};

START_TEST(switch_defaults_are_neutral)
{
  const MxParamInfo* const info = mx_param_info(switch_defaults[_i].param);
  ck_assert_int_eq(info->type, MX_PARAM_SWITCH);
  mxt_assert_same(info->def, switch_defaults[_i].def);
}
END_TEST

// ---------------------------------------------------------------- Defaults

// Every default on every kind of node the control is on, and every sub-index
// that changes it, passes mx_param_check()
START_TEST(every_default_passes_check)
{
  const MxParam            param = (MxParam)_i;
  const MxParamInfo* const info  = mx_param_info(param);
  const uint32_t           subs  = info->sub == MX_SUB_BAND ? MX_PARAM_EQ_BANDS : 4U;
  unsigned                 tried = 0U;
  for (unsigned kind = 0U; kind < MX_NODE_N; ++kind) {
    if (!(info->nodes & (1U << kind))) {
      continue;
    }
    for (unsigned bk = 0U; bk < MX_BUS_KIND_N; ++bk) {
      for (uint32_t sub = 0U; sub < subs; ++sub) {
        const float    def = mx_param_default(param, sub, (MxNodeKind)kind, (MxBusKind)bk);
        const MxStatus st  = mx_param_check(param, def);
        if (st) {
          ck_abort_msg("%s on %s (bus kind %u, sub %u): default %g fails with %s",
                       info->path,
                       mx_node_kind_name((MxNodeKind)kind),
                       bk,
                       sub,
                       (double)def,
                       mx_strerror(st));
        }
        ++tried;
      }
    }
  }
  ck_assert_uint_gt(tried, 0U);
}
END_TEST

// strip_eq.h: low shelf 100 Hz, peak 500 Hz, peak 2.5 kHz, high shelf 8 kHz
static const struct {
  MxBiquadType type;
  float        freq;
} band_defaults[MX_PARAM_EQ_BANDS] = {
  { MX_BIQUAD_LOW_SHELF, 100.0f },
  { MX_BIQUAD_PEAK, 500.0f },
  { MX_BIQUAD_PEAK, 2500.0f },
  { MX_BIQUAD_HIGH_SHELF, 8000.0f },
};

START_TEST(eq_band_defaults_per_band)
{
  const uint32_t          band    = (uint32_t)_i;
  static const MxNodeKind kinds[] = { MX_NODE_STRIP, MX_NODE_BUS, MX_NODE_MASTER };
  for (unsigned k = 0U; k < 3U; ++k) {
    for (unsigned bk = 0U; bk < MX_BUS_KIND_N; ++bk) {
      const MxNodeKind kind = kinds[k];
      const MxBusKind  bus  = (MxBusKind)bk;
      mxt_assert_same(mx_param_default(MX_P_EQ_BAND_TYPE, band, kind, bus),
                      (float)band_defaults[band].type);
      mxt_assert_same(mx_param_default(MX_P_EQ_BAND_FREQ, band, kind, bus),
                      band_defaults[band].freq);
      mxt_assert_same(mx_param_default(MX_P_EQ_BAND_ON, band, kind, bus), 1.0f);
      mxt_assert_same(mx_param_default(MX_P_EQ_BAND_GAIN, band, kind, bus), 0.0f);
      mxt_assert_same(mx_param_default(MX_P_EQ_BAND_Q, band, kind, bus), MX_STRIP_EQ_DEFAULT_Q);
    }
  }
}
END_TEST

START_TEST(route_master_default_by_node)
{
  mxt_assert_same(mx_param_default(MX_P_ROUTE_MASTER, 0U, MX_NODE_STRIP, MX_BUS_AUX), 1.0f);
  mxt_assert_same(mx_param_default(MX_P_ROUTE_MASTER, 0U, MX_NODE_STRIP, MX_BUS_GROUP), 1.0f);
  mxt_assert_same(mx_param_default(MX_P_ROUTE_MASTER, 0U, MX_NODE_BUS, MX_BUS_GROUP), 1.0f);
  mxt_assert_same(mx_param_default(MX_P_ROUTE_MASTER, 0U, MX_NODE_BUS, MX_BUS_AUX), 0.0f);
  // Other controls do not depend on the bus kind
  mxt_assert_same(mx_param_default(MX_P_FADER, 0U, MX_NODE_BUS, MX_BUS_AUX),
                  mx_param_default(MX_P_FADER, 0U, MX_NODE_BUS, MX_BUS_GROUP));
  mxt_assert_same(mx_param_default(MX_P_SEND_LEVEL, 3U, MX_NODE_STRIP, MX_BUS_AUX), -INFINITY);
}
END_TEST

START_TEST(default_of_unknown_control_is_nan)
{
  ck_assert(isnan(mx_param_default((MxParam)MX_P_COUNT, 0U, MX_NODE_STRIP, MX_BUS_AUX)));
  ck_assert(isnan(mx_param_default((MxParam)-1, 0U, MX_NODE_MASTER, MX_BUS_AUX)));
}
END_TEST

// ---------------------------------------------------------------- Labels

START_TEST(labels_round_trip)
{
  const MxParam            param = (MxParam)_i;
  const MxParamInfo* const info  = mx_param_info(param);
  if (info->type != MX_PARAM_ENUM) {
    ck_assert_ptr_null(mx_param_label(param, 0.0f));
    float v = 7.0f;
    ck_assert_int_eq(mx_param_find_label(param, "peak", &v), MX_ERR_NOT_FOUND);
    ck_assert_int_eq(mx_param_find_label(param, "0", &v), MX_ERR_NOT_FOUND);
    mxt_assert_same(v, 7.0f);
    return;
  }

  const unsigned n = label_count(info);
  ck_assert_uint_ge(n, 2U);
  for (unsigned i = 0U; i < n; ++i) {
    const char* const label = mx_param_label(param, (float)i);
    ck_assert_ptr_nonnull(label);
    ck_assert_str_eq(label, info->labels[i]);
    float v = -1.0f;
    ck_assert_int_eq(mx_param_find_label(param, label, &v), MX_SUCCESS);
    mxt_assert_same(v, (float)i);
    for (unsigned j = 0U; j < i; ++j) {
      ck_assert_str_ne(info->labels[j], label);
    }
  }
  ck_assert_ptr_null(mx_param_label(param, (float)n));
  ck_assert_ptr_null(mx_param_label(param, -1.0f));
  ck_assert_ptr_null(mx_param_label(param, 0.5f));
  ck_assert_ptr_null(mx_param_label(param, NAN));
  ck_assert_ptr_null(mx_param_label(param, -INFINITY));

  float v = 9.0f;
  ck_assert_int_eq(mx_param_find_label(param, "", &v), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_param_find_label(param, "no_such_label", &v), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_param_find_label(param, "0", &v), MX_ERR_NOT_FOUND);
  mxt_assert_same(v, 9.0f);
}
END_TEST

// Labels name the values of the DSP enumerations, in their order
static const struct {
  MxParam     param;
  const char* label;
  int         value;
} label_values[] = {
  { MX_P_HPF_SLOPE, "bw12", MX_SLOPE_12_BUTTERWORTH },
  { MX_P_HPF_SLOPE, "bw24", MX_SLOPE_24_BUTTERWORTH },
  { MX_P_LPF_SLOPE, "lr24", MX_SLOPE_24_LINKWITZ_RILEY },
  { MX_P_EQ_BAND_TYPE, "peak", MX_BIQUAD_PEAK },
  { MX_P_EQ_BAND_TYPE, "lowshelf", MX_BIQUAD_LOW_SHELF },
  { MX_P_EQ_BAND_TYPE, "highshelf", MX_BIQUAD_HIGH_SHELF },
  { MX_P_EQ_BAND_TYPE, "lowpass", MX_BIQUAD_LOW_PASS },
  { MX_P_EQ_BAND_TYPE, "highpass", MX_BIQUAD_HIGH_PASS },
  { MX_P_EQ_BAND_TYPE, "bandpass", MX_BIQUAD_BAND_PASS },
  { MX_P_EQ_BAND_TYPE, "notch", MX_BIQUAD_NOTCH },
  { MX_P_EQ_BAND_TYPE, "allpass", MX_BIQUAD_ALL_PASS },
  { MX_P_COMP_DETECT, "peak", MX_DETECT_PEAK },
  { MX_P_COMP_DETECT, "rms", MX_DETECT_RMS },
  { MX_P_SEND_TAP, "pre_eq", MX_SEND_PRE_EQ },
  { MX_P_SEND_TAP, "pre_fader", MX_SEND_PRE_FADER },
  { MX_P_SEND_TAP, "post_fader", MX_SEND_POST_FADER },
  { MX_P_SEND_TAP, "pre_eq", MX_TAP_PRE_EQ },
  { MX_P_SEND_TAP, "pre_fader", MX_TAP_PRE_FADER },
  { MX_P_SEND_TAP, "post_fader", MX_TAP_POST_FADER },
  { MX_P_MONITOR_MODE, "sip", MX_SOLO_IN_PLACE },
  { MX_P_MONITOR_MODE, "afl", MX_SOLO_AFL },
  { MX_P_MONITOR_MODE, "pfl", MX_SOLO_PFL },
};

START_TEST(labels_name_dsp_values)
{
  float v = -1.0f;
  ck_assert_int_eq(mx_param_find_label(label_values[_i].param, label_values[_i].label, &v),
                   MX_SUCCESS);
  mxt_assert_same(v, (float)label_values[_i].value);
  ck_assert_str_eq(mx_param_label(label_values[_i].param, v), label_values[_i].label);
}
END_TEST

START_TEST(labels_are_case_sensitive_and_exact)
{
  float v = 5.0f;
  ck_assert_int_eq(mx_param_find_label(MX_P_EQ_BAND_TYPE, "Peak", &v), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_param_find_label(MX_P_EQ_BAND_TYPE, "pea", &v), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_param_find_label(MX_P_EQ_BAND_TYPE, "peaks", &v), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_param_find_label(MX_P_SEND_TAP, "post-fader", &v), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_param_find_label((MxParam)MX_P_COUNT, "peak", &v), MX_ERR_NOT_FOUND);
  mxt_assert_same(v, 5.0f);
  ck_assert_ptr_null(mx_param_label((MxParam)MX_P_COUNT, 0.0f));
}
END_TEST

// ---------------------------------------------------------------- Checks

START_TEST(check_rejects_nan_and_plus_inf)
{
  const MxParam param = (MxParam)_i;
  ck_assert_int_eq(mx_param_check(param, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_param_check(param, -NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_param_check(param, INFINITY), MX_ERR_BAD_ARG);
}
END_TEST

START_TEST(check_minus_inf_only_where_off)
{
  const MxParam            param = (MxParam)_i;
  const MxParamInfo* const info  = mx_param_info(param);
  ck_assert_int_eq(mx_param_check(param, -INFINITY),
                   (info->flags & MX_PFLAG_OFF) ? MX_SUCCESS : MX_ERR_BAD_ARG);
}
END_TEST

START_TEST(check_range_edges)
{
  const MxParam            param = (MxParam)_i;
  const MxParamInfo* const info  = mx_param_info(param);
  ck_assert_int_eq(mx_param_check(param, info->min), MX_SUCCESS);
  ck_assert_int_eq(mx_param_check(param, info->max), MX_SUCCESS);
  ck_assert_int_eq(mx_param_check(param, info->min - 1.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_param_check(param, info->max + 1.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_param_check(param, -1e30f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_param_check(param, 1e30f), MX_ERR_RANGE);
  if (info->type == MX_PARAM_FLOAT) {
    ck_assert_int_eq(mx_param_check(param, nextafterf(info->min, -INFINITY)), MX_ERR_RANGE);
    ck_assert_int_eq(mx_param_check(param, nextafterf(info->max, INFINITY)), MX_ERR_RANGE);
    ck_assert_int_eq(mx_param_check(param, nextafterf(info->min, INFINITY)), MX_SUCCESS);
    ck_assert_int_eq(mx_param_check(param, nextafterf(info->max, -INFINITY)), MX_SUCCESS);
    ck_assert_int_eq(mx_param_check(param, 0.5f * (info->min + info->max)), MX_SUCCESS);
  }
}
END_TEST

// A switch or enumeration takes whole numbers only, inside or outside its range
START_TEST(check_whole_numbers_for_switches_and_enums)
{
  const MxParam            param = (MxParam)_i;
  const MxParamInfo* const info  = mx_param_info(param);
  if (info->type == MX_PARAM_FLOAT) {
    ck_assert_int_eq(mx_param_check(param, NAN), MX_ERR_BAD_ARG);
    return;
  }
  for (float v = info->min; v <= info->max; v += 1.0f) {
    ck_assert_int_eq(mx_param_check(param, v), MX_SUCCESS);
    ck_assert_int_eq(mx_param_check(param, v + 0.5f), MX_ERR_BAD_ARG);
    ck_assert_int_eq(mx_param_check(param, nextafterf(v, INFINITY)), MX_ERR_BAD_ARG);
  }
  ck_assert_int_eq(mx_param_check(param, -0.5f), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_param_check(param, nextafterf(0.0f, -INFINITY)), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_param_check(param, -0.0f), MX_SUCCESS);
}
END_TEST

START_TEST(check_unknown_control)
{
  ck_assert_int_eq(mx_param_check((MxParam)MX_P_COUNT, 0.0f), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_param_check((MxParam)-1, 0.0f), MX_ERR_NOT_FOUND);
}
END_TEST

// ---------------------------------------------------------------- Names

static const char* const node_names[MX_NODE_N] = {
  "strip", "bus", "master", "vca", "mutegroup", "monitor",
};

START_TEST(node_kind_names)
{
  ck_assert_str_eq(mx_node_kind_name((MxNodeKind)_i), node_names[_i]);
}
END_TEST

START_TEST(bus_kind_names_and_find)
{
  ck_assert_str_eq(mx_bus_kind_name(MX_BUS_AUX), "aux");
  ck_assert_str_eq(mx_bus_kind_name(MX_BUS_GROUP), "group");
  ck_assert_str_eq(mx_bus_kind_name((MxBusKind)MX_BUS_KIND_N), "?");
  ck_assert_str_eq(mx_node_kind_name((MxNodeKind)MX_NODE_N), "?");
  ck_assert_str_eq(mx_node_kind_name((MxNodeKind)-1), "?");

  MxBusKind kind = MX_BUS_GROUP;
  ck_assert_int_eq(mx_bus_kind_find("aux", &kind), MX_SUCCESS);
  ck_assert_int_eq(kind, MX_BUS_AUX);
  ck_assert_int_eq(mx_bus_kind_find("group", &kind), MX_SUCCESS);
  ck_assert_int_eq(kind, MX_BUS_GROUP);
  for (unsigned i = 0U; i < MX_BUS_KIND_N; ++i) {
    ck_assert_int_eq(mx_bus_kind_find(mx_bus_kind_name((MxBusKind)i), &kind), MX_SUCCESS);
    ck_assert_uint_eq((unsigned)kind, i);
  }

  static const char* const bad[] = { "", "Aux", "GROUP", "aux ", "groups", "master", "?" };
  for (unsigned i = 0U; i < sizeof(bad) / sizeof(*bad); ++i) {
    kind = MX_BUS_GROUP;
    ck_assert_int_eq(mx_bus_kind_find(bad[i], &kind), MX_ERR_NOT_FOUND);
    ck_assert_int_eq(kind, MX_BUS_GROUP);
  }
}
END_TEST

static Suite*
params_suite(void)
{
  Suite* const s = suite_create("params");

  TCase* const table = tcase_create("table");
  tcase_add_loop_test(table, info_is_complete, 0, MX_P_COUNT);
  tcase_add_test(table, info_is_null_beyond_the_table);
  tcase_add_loop_test(table, range_holds_the_default, 0, MX_P_COUNT);
  tcase_add_loop_test(table, types_are_consistent, 0, MX_P_COUNT);
  tcase_add_loop_test(table, star_iff_sub_index, 0, MX_P_COUNT);
  tcase_add_loop_test(table, paths_unique_per_node_kind, 0, MX_NODE_N);
  tcase_add_loop_test(table, control_shape_is_documented, 0, MXT_N_CASES(shapes));
  tcase_add_test(table, only_levels_go_off_and_only_width_is_stereo);
  suite_add_tcase(s, table);

  TCase* const dsp = tcase_create("dsp_constants");
  tcase_add_loop_test(dsp, range_matches_dsp_constants, 0, MXT_N_CASES(ranges));
  tcase_add_loop_test(dsp, switch_defaults_are_neutral, 0, MXT_N_CASES(switch_defaults));
  suite_add_tcase(s, dsp);

  TCase* const defaults = tcase_create("defaults");
  tcase_add_loop_test(defaults, every_default_passes_check, 0, MX_P_COUNT);
  tcase_add_loop_test(defaults, eq_band_defaults_per_band, 0, (int)MX_PARAM_EQ_BANDS);
  tcase_add_test(defaults, route_master_default_by_node);
  tcase_add_test(defaults, default_of_unknown_control_is_nan);
  suite_add_tcase(s, defaults);

  TCase* const labels = tcase_create("labels");
  tcase_add_loop_test(labels, labels_round_trip, 0, MX_P_COUNT);
  tcase_add_loop_test(labels, labels_name_dsp_values, 0, MXT_N_CASES(label_values));
  tcase_add_test(labels, labels_are_case_sensitive_and_exact);
  suite_add_tcase(s, labels);

  TCase* const check = tcase_create("check");
  tcase_add_loop_test(check, check_rejects_nan_and_plus_inf, 0, MX_P_COUNT);
  tcase_add_loop_test(check, check_minus_inf_only_where_off, 0, MX_P_COUNT);
  tcase_add_loop_test(check, check_range_edges, 0, MX_P_COUNT);
  tcase_add_loop_test(check, check_whole_numbers_for_switches_and_enums, 0, MX_P_COUNT);
  tcase_add_test(check, check_unknown_control);
  suite_add_tcase(s, check);

  TCase* const names = tcase_create("names");
  tcase_add_loop_test(names, node_kind_names, 0, MX_NODE_N);
  tcase_add_test(names, bus_kind_names_and_find);
  suite_add_tcase(s, names);
  return s;
}

int
main(void)
{
  return mxt_run_suite(params_suite());
}
