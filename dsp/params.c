// SPDX-License-Identifier: GPL-3.0-or-later

#include "params.h"

#include "compressor.h"
#include "gate.h"
#include "limiter.h"
#include "pan.h"
#include "strip.h"
#include "strip_eq.h"

#include <math.h>
#include <string.h>

/// Lowest finite fader, send or monitor level, dB; below it only -INFINITY (off)
#define LEVEL_MIN_DB (-144.0f)

// Labels follow the order of the enumerations they name (biquad.h,
// compressor.h, params.h)
static const char* const slope_labels[]  = { "bw12", "bw24", "lr24", NULL };
static const char* const band_labels[]   = { "peak",    "lowshelf", "highshelf",
                                             "lowpass", "highpass", "bandpass",
                                             "notch",   "allpass",  NULL };
static const char* const detect_labels[] = { "peak", "rms", NULL };
static const char* const tap_labels[]    = { "pre_eq", "pre_fader", "post_fader", NULL };
static const char* const solo_labels[]   = { "sip", "afl", "pfl", NULL };

#define CHANNEL (MX_ON_STRIP | MX_ON_BUS)
#define PROCESSED (MX_ON_STRIP | MX_ON_BUS | MX_ON_MASTER)
#define MIX MX_PFLAG_MIX
#define DESK MX_PFLAG_DESK

// Shorthands for the table rows
#define SWITCH(path, def, nodes, flags, doc)                                           \
  {                                                                                    \
    path, NULL, MX_PARAM_SWITCH, MX_SUB_NONE, "", 0.0f, 1.0f, def, NULL, nodes, flags, \
      MX_TAPER_LINEAR, doc                                                             \
  }
#define CHOICE(path, labels, def, nodes, flags, doc)                                              \
  {                                                                                               \
    path, NULL, MX_PARAM_ENUM, MX_SUB_NONE, "", 0.0f,                                             \
      (float)(sizeof(labels) / sizeof(*labels) - 2U), def, labels, nodes, flags, MX_TAPER_LINEAR, \
      doc                                                                                         \
  }
#define NUMBER(path, unit, lo, hi, def, nodes, flags, taper, doc)                              \
  {                                                                                            \
    path, NULL, MX_PARAM_FLOAT, MX_SUB_NONE, unit, lo, hi, def, NULL, nodes, flags, taper, doc \
  }

static const MxParamInfo table[MX_P_COUNT] = {
  [MX_P_TRIM]     = NUMBER("trim",
                       "dB",
                       -MX_STRIP_TRIM_MAX_DB,
                       MX_STRIP_TRIM_MAX_DB,
                       0.0f,
                       CHANNEL,
                       0U,
                       MX_TAPER_LINEAR,
                       "input trim"),
  [MX_P_POLARITY] = SWITCH("polarity", 0.0f, CHANNEL, 0U, "polarity inverted"),
  [MX_P_DELAY]    = NUMBER("delay",
                        "ms",
                        0.0f,
                        MX_STRIP_DELAY_MAX_MS,
                        0.0f,
                        CHANNEL,
                        0U,
                        MX_TAPER_LINEAR,
                        "alignment delay (not compensated)"),

  [MX_P_HPF_ON]    = SWITCH("hpf/on", 0.0f, PROCESSED, 0U, "high pass in"),
  [MX_P_HPF_FREQ]  = NUMBER("hpf/freq",
                           "Hz",
                           MX_STRIP_EQ_MIN_HZ,
                           MX_STRIP_EQ_MAX_HZ,
                           MX_STRIP_EQ_DEFAULT_HPF_HZ,
                           PROCESSED,
                           0U,
                           MX_TAPER_LOG,
                           "high pass corner"),
  [MX_P_HPF_SLOPE] = CHOICE("hpf/slope",
                            slope_labels,
                            0.0f,
                            PROCESSED,
                            0U,
                            "high pass slope: bw12, bw24 (Butterworth), lr24 (Linkwitz-Riley)"),

  [MX_P_GATE_ON]        = SWITCH("gate/on", 0.0f, CHANNEL, 0U, "gate in"),
  [MX_P_GATE_THRESHOLD] = NUMBER("gate/threshold",
                                 "dBFS",
                                 MX_GATE_MIN_THRESHOLD_DB,
                                 MX_GATE_MAX_THRESHOLD_DB,
                                 MX_GATE_DEF_THRESHOLD_DB,
                                 CHANNEL,
                                 0U,
                                 MX_TAPER_LINEAR,
                                 "gate opening threshold"),
  [MX_P_GATE_RANGE]     = NUMBER("gate/range",
                             "dB",
                             MX_GATE_MIN_RANGE_DB,
                             0.0f,
                             MX_GATE_DEF_RANGE_DB,
                             CHANNEL,
                             0U,
                             MX_TAPER_LINEAR,
                             "gate attenuation when closed"),
  [MX_P_GATE_ATTACK]    = NUMBER("gate/attack",
                              "ms",
                              MX_GATE_MIN_ATTACK_MS,
                              MX_GATE_MAX_ATTACK_MS,
                              MX_GATE_DEF_ATTACK_MS,
                              CHANNEL,
                              0U,
                              MX_TAPER_LOG,
                              "gate attack"),
  [MX_P_GATE_HOLD]      = NUMBER("gate/hold",
                            "ms",
                            0.0f,
                            MX_GATE_MAX_HOLD_MS,
                            MX_GATE_DEF_HOLD_MS,
                            CHANNEL,
                            0U,
                            MX_TAPER_LINEAR,
                            "gate hold"),
  [MX_P_GATE_RELEASE]   = NUMBER("gate/release",
                               "ms",
                               MX_GATE_MIN_RELEASE_MS,
                               MX_GATE_MAX_RELEASE_MS,
                               MX_GATE_DEF_RELEASE_MS,
                               CHANNEL,
                               0U,
                               MX_TAPER_LOG,
                               "gate release"),

  [MX_P_EQ_ON] = SWITCH("eq/on", 1.0f, PROCESSED, 0U, "EQ in (high pass, bands, low pass)"),
  [MX_P_EQ_AFTER_COMP] =
    SWITCH("eq/after_comp", 0.0f, PROCESSED, 0U, "EQ bands after the compressor instead of before"),
  [MX_P_EQ_BAND_ON]   = { "eq/*/on",
                          NULL,
                          MX_PARAM_SWITCH,
                          MX_SUB_BAND,
                          "",
                          0.0f,
                          1.0f,
                          1.0f,
                          NULL,
                          PROCESSED,
                          0U,
                          MX_TAPER_LINEAR,
                          "band in" },
  [MX_P_EQ_BAND_TYPE] = { "eq/*/type",
                          NULL,
                          MX_PARAM_ENUM,
                          MX_SUB_BAND,
                          "",
                          0.0f,
                          (float)(MX_BIQUAD_N_TYPES - 1),
                          0.0f,
                          band_labels,
                          PROCESSED,
                          0U,
                          MX_TAPER_LINEAR,
                          "band shape" },
  [MX_P_EQ_BAND_FREQ] = { "eq/*/freq",
                          NULL,
                          MX_PARAM_FLOAT,
                          MX_SUB_BAND,
                          "Hz",
                          MX_STRIP_EQ_MIN_HZ,
                          MX_STRIP_EQ_MAX_HZ,
                          1000.0f,
                          NULL,
                          PROCESSED,
                          0U,
                          MX_TAPER_LOG,
                          "band frequency" },
  [MX_P_EQ_BAND_GAIN] = { "eq/*/gain",
                          NULL,
                          MX_PARAM_FLOAT,
                          MX_SUB_BAND,
                          "dB",
                          -MX_STRIP_EQ_MAX_GAIN_DB,
                          MX_STRIP_EQ_MAX_GAIN_DB,
                          0.0f,
                          NULL,
                          PROCESSED,
                          0U,
                          MX_TAPER_LINEAR,
                          "band gain" },
  [MX_P_EQ_BAND_Q]    = { "eq/*/q",
                          NULL,
                          MX_PARAM_FLOAT,
                          MX_SUB_BAND,
                          "",
                          MX_STRIP_EQ_MIN_Q,
                          MX_STRIP_EQ_MAX_Q,
                          MX_STRIP_EQ_DEFAULT_Q,
                          NULL,
                          PROCESSED,
                          0U,
                          MX_TAPER_LOG,
                          "band Q" },

  [MX_P_LPF_ON]    = SWITCH("lpf/on", 0.0f, PROCESSED, 0U, "low pass in"),
  [MX_P_LPF_FREQ]  = NUMBER("lpf/freq",
                           "Hz",
                           MX_STRIP_EQ_MIN_HZ,
                           MX_STRIP_EQ_MAX_HZ,
                           MX_STRIP_EQ_DEFAULT_LPF_HZ,
                           PROCESSED,
                           0U,
                           MX_TAPER_LOG,
                           "low pass corner"),
  [MX_P_LPF_SLOPE] = CHOICE("lpf/slope", slope_labels, 0.0f, PROCESSED, 0U, "low pass slope"),

  [MX_P_COMP_ON]        = SWITCH("comp/on", 0.0f, PROCESSED, 0U, "compressor in"),
  [MX_P_COMP_THRESHOLD] = NUMBER("comp/threshold",
                                 "dBFS",
                                 MX_COMPRESSOR_MIN_THRESHOLD_DB,
                                 MX_COMPRESSOR_MAX_THRESHOLD_DB,
                                 MX_COMPRESSOR_DEF_THRESHOLD_DB,
                                 PROCESSED,
                                 0U,
                                 MX_TAPER_LINEAR,
                                 "compressor threshold"),
  [MX_P_COMP_RATIO]     = NUMBER("comp/ratio",
                             ":1",
                             1.0f,
                             MX_COMPRESSOR_MAX_RATIO,
                             MX_COMPRESSOR_DEF_RATIO,
                             PROCESSED,
                             0U,
                             MX_TAPER_LOG,
                             "compressor ratio"),
  [MX_P_COMP_KNEE]      = NUMBER("comp/knee",
                            "dB",
                            0.0f,
                            MX_COMPRESSOR_MAX_KNEE_DB,
                            MX_COMPRESSOR_DEF_KNEE_DB,
                            PROCESSED,
                            0U,
                            MX_TAPER_LINEAR,
                            "compressor knee width"),
  [MX_P_COMP_ATTACK]    = NUMBER("comp/attack",
                              "ms",
                              0.0f,
                              MX_COMPRESSOR_MAX_ATTACK_MS,
                              MX_COMPRESSOR_DEF_ATTACK_MS,
                              PROCESSED,
                              0U,
                              MX_TAPER_LINEAR,
                              "compressor attack"),
  [MX_P_COMP_RELEASE]   = NUMBER("comp/release",
                               "ms",
                               MX_COMPRESSOR_MIN_RELEASE_MS,
                               MX_COMPRESSOR_MAX_RELEASE_MS,
                               MX_COMPRESSOR_DEF_RELEASE_MS,
                               PROCESSED,
                               0U,
                               MX_TAPER_LOG,
                               "compressor release"),
  [MX_P_COMP_MAKEUP]    = NUMBER("comp/makeup",
                              "dB",
                              MX_COMPRESSOR_MIN_MAKEUP_DB,
                              MX_COMPRESSOR_MAX_MAKEUP_DB,
                              0.0f,
                              PROCESSED,
                              0U,
                              MX_TAPER_LINEAR,
                              "compressor makeup gain"),
  [MX_P_COMP_DETECT] =
    CHOICE("comp/detect", detect_labels, 0.0f, PROCESSED, 0U, "compressor detector: peak or rms"),

  [MX_P_LIMITER_ON]      = SWITCH("limiter/on",
                             0.0f,
                             MX_ON_BUS | MX_ON_MASTER,
                             MIX,
                             "true-peak limiter in the path (adds its look-ahead latency)"),
  [MX_P_LIMITER_CEILING] = NUMBER("limiter/ceiling",
                                  "dBTP",
                                  MX_LIMITER_MIN_CEILING_DB,
                                  MX_LIMITER_MAX_CEILING_DB,
                                  MX_LIMITER_DEFAULT_CEILING_DB,
                                  MX_ON_BUS | MX_ON_MASTER,
                                  0U,
                                  MX_TAPER_LINEAR,
                                  "limiter ceiling"),
  [MX_P_LIMITER_RELEASE] = NUMBER("limiter/release",
                                  "ms",
                                  MX_LIMITER_MIN_RELEASE_MS,
                                  MX_LIMITER_MAX_RELEASE_MS,
                                  MX_LIMITER_DEFAULT_RELEASE_MS,
                                  MX_ON_BUS | MX_ON_MASTER,
                                  0U,
                                  MX_TAPER_LOG,
                                  "limiter release"),
  [MX_P_LIMITER_DRIVE]   = NUMBER("limiter/drive",
                                "dB",
                                -MX_STRIP_DRIVE_MAX_DB,
                                MX_STRIP_DRIVE_MAX_DB,
                                0.0f,
                                MX_ON_BUS | MX_ON_MASTER,
                                0U,
                                MX_TAPER_LINEAR,
                                "gain into the limiter"),

  [MX_P_FADER]     = NUMBER("fader",
                        "dB",
                        LEVEL_MIN_DB,
                        MX_STRIP_FADER_MAX_DB,
                        0.0f,
                        PROCESSED | MX_ON_VCA,
                        MX_PFLAG_OFF | MIX,
                        MX_TAPER_FADER,
                        "fader"),
  [MX_P_PAN]       = { "pan",
                       "balance",
                       MX_PARAM_FLOAT,
                       MX_SUB_NONE,
                       "",
                       MX_PAN_MIN_POSITION,
                       MX_PAN_MAX_POSITION,
                       0.0f,
                       NULL,
                       PROCESSED,
                       0U,
                       MX_TAPER_LINEAR,
                       "pan (mono) or balance (stereo), -1 left to +1 right" },
  [MX_P_WIDTH]     = NUMBER("width",
                        "",
                        MX_WIDTH_MIN,
                        MX_WIDTH_MAX,
                        1.0f,
                        PROCESSED,
                        MX_PFLAG_STEREO,
                        MX_TAPER_LINEAR,
                        "stereo width, 0 mono to 2"),
  [MX_P_MUTE]      = SWITCH("mute", 0.0f, PROCESSED | MX_ON_VCA | MX_ON_MUTE_GROUP, MIX, "mute"),
  [MX_P_SOLO]      = SWITCH("solo", 0.0f, CHANNEL, MIX, "solo"),
  [MX_P_SOLO_SAFE] = SWITCH("solo_safe", 0.0f, CHANNEL, MIX, "never muted by a solo elsewhere"),

  [MX_P_SEND_LEVEL] = { "send/*/level",
                        NULL,
                        MX_PARAM_FLOAT,
                        MX_SUB_BUS,
                        "dB",
                        LEVEL_MIN_DB,
                        MX_STRIP_FADER_MAX_DB,
                        -INFINITY,
                        NULL,
                        MX_ON_STRIP,
                        MX_PFLAG_OFF | MIX,
                        MX_TAPER_FADER,
                        "send level into an aux bus" },
  [MX_P_SEND_ON]    = { "send/*/on",
                        NULL,
                        MX_PARAM_SWITCH,
                        MX_SUB_BUS,
                        "",
                        0.0f,
                        1.0f,
                        1.0f,
                        NULL,
                        MX_ON_STRIP,
                        MIX,
                        MX_TAPER_LINEAR,
                        "send on" },
  [MX_P_SEND_TAP]   = { "send/*/tap",
                        NULL,
                        MX_PARAM_ENUM,
                        MX_SUB_BUS,
                        "",
                        0.0f,
                        2.0f,
                        (float)MX_SEND_POST_FADER,
                        tap_labels,
                        MX_ON_STRIP,
                        MIX,
                        MX_TAPER_LINEAR,
                        "send tap: pre_eq, pre_fader or post_fader" },
  [MX_P_SEND_PAN]   = { "send/*/pan",
                        NULL,
                        MX_PARAM_FLOAT,
                        MX_SUB_BUS,
                        "",
                        MX_PAN_MIN_POSITION,
                        MX_PAN_MAX_POSITION,
                        0.0f,
                        NULL,
                        MX_ON_STRIP,
                        MIX,
                        MX_TAPER_LINEAR,
                        "send pan (or balance) into a stereo bus" },

  [MX_P_ROUTE_MASTER] = SWITCH("route/master", 1.0f, CHANNEL, MIX, "routed to the master"),
  [MX_P_ROUTE]        = { "route/*",
                          NULL,
                          MX_PARAM_SWITCH,
                          MX_SUB_BUS,
                          "",
                          0.0f,
                          1.0f,
                          0.0f,
                          NULL,
                          CHANNEL,
                          MIX,
                          MX_TAPER_LINEAR,
                          "routed to a group bus" },
  [MX_P_VCA]          = { "vca/*",
                          NULL,
                          MX_PARAM_SWITCH,
                          MX_SUB_VCA,
                          "",
                          0.0f,
                          1.0f,
                          0.0f,
                          NULL,
                          CHANNEL,
                          MIX,
                          MX_TAPER_LINEAR,
                          "member of a VCA" },
  [MX_P_MUTE_GROUP]   = { "mutegroup/*",
                          NULL,
                          MX_PARAM_SWITCH,
                          MX_SUB_MUTE_GROUP,
                          "",
                          0.0f,
                          1.0f,
                          0.0f,
                          NULL,
                          CHANNEL,
                          MIX,
                          MX_TAPER_LINEAR,
                          "member of a mute group" },

  [MX_P_MONITOR_MODE]  = CHOICE("mode",
                               solo_labels,
                               0.0f,
                               MX_ON_MONITOR,
                               MIX,
                               "solo mode: sip (in place), afl or pfl (monitor bus)"),
  [MX_P_MONITOR_LEVEL] = NUMBER("level",
                                "dB",
                                LEVEL_MIN_DB,
                                MX_STRIP_FADER_MAX_DB,
                                0.0f,
                                MX_ON_MONITOR,
                                MX_PFLAG_OFF | MIX,
                                MX_TAPER_FADER,
                                "monitor bus level"),

  // Recall-safe (scenes leave these controls as they are): desk state only
  [MX_P_SAFE_ALL] =
    SWITCH("safe/all", 0.0f, PROCESSED, DESK, "recall-safe: scenes leave every control"),
  [MX_P_SAFE_INPUT] =
    SWITCH("safe/input", 0.0f, PROCESSED, DESK, "recall-safe trim, polarity, delay"),
  [MX_P_SAFE_EQ] = SWITCH("safe/eq", 0.0f, PROCESSED, DESK, "recall-safe high pass, EQ, low pass"),
  [MX_P_SAFE_DYNAMICS] =
    SWITCH("safe/dynamics", 0.0f, PROCESSED, DESK, "recall-safe gate, compressor, limiter"),
  [MX_P_SAFE_FADER] = SWITCH("safe/fader", 0.0f, PROCESSED, DESK, "recall-safe fader"),
  [MX_P_SAFE_PAN]   = SWITCH("safe/pan", 0.0f, PROCESSED, DESK, "recall-safe pan, balance, width"),
  [MX_P_SAFE_MUTE]  = SWITCH("safe/mute", 0.0f, PROCESSED, DESK, "recall-safe mute"),
  [MX_P_SAFE_SENDS] = SWITCH("safe/sends", 0.0f, PROCESSED, DESK, "recall-safe sends"),
  [MX_P_SAFE_ROUTING] = SWITCH("safe/routing",
                               0.0f,
                               PROCESSED,
                               DESK,
                               "recall-safe routes, VCA and mute group membership"),
};

// strip_eq.h's band defaults
static const struct {
  float type;
  float freq;
} band_defaults[MX_PARAM_EQ_BANDS] = {
  { (float)MX_BIQUAD_LOW_SHELF, 100.0f },
  { (float)MX_BIQUAD_PEAK, 500.0f },
  { (float)MX_BIQUAD_PEAK, 2500.0f },
  { (float)MX_BIQUAD_HIGH_SHELF, 8000.0f },
};

const MxParamInfo*
mx_param_info(const MxParam param)
{
  return (unsigned)param < MX_P_COUNT ? &table[param] : NULL;
}

float
mx_param_default(const MxParam    param,
                 const uint32_t   sub,
                 const MxNodeKind kind,
                 const MxBusKind  bus_kind)
{
  if (sub < MX_PARAM_EQ_BANDS && param == MX_P_EQ_BAND_TYPE) {
    return band_defaults[sub].type;
  }
  if (sub < MX_PARAM_EQ_BANDS && param == MX_P_EQ_BAND_FREQ) {
    return band_defaults[sub].freq;
  }
  if (param == MX_P_ROUTE_MASTER && kind == MX_NODE_BUS) {
    return bus_kind == MX_BUS_GROUP ? 1.0f : 0.0f;
  }

  const MxParamInfo* const info = mx_param_info(param);
  return info ? info->def : NAN;
}

const char*
mx_param_label(const MxParam param, const float value)
{
  const MxParamInfo* const info = mx_param_info(param);
  if (!info || info->type != MX_PARAM_ENUM || mx_param_check(param, value)) {
    return NULL;
  }
  return info->labels[(unsigned)value];
}

MxStatus
mx_param_find_label(const MxParam param, const char* const label, float* const value)
{
  const MxParamInfo* const info = mx_param_info(param);
  for (unsigned i = 0U; info && info->labels && info->labels[i]; ++i) {
    if (!strcmp(info->labels[i], label)) {
      *value = (float)i;
      return MX_SUCCESS;
    }
  }
  return MX_ERR_NOT_FOUND;
}

MxStatus
mx_param_check(const MxParam param, const float value)
{
  const MxParamInfo* const info = mx_param_info(param);
  if (!info) {
    return MX_ERR_NOT_FOUND;
  }

  if (value == -INFINITY && (info->flags & MX_PFLAG_OFF)) {
    return MX_SUCCESS;
  }

  // Not a value of the type at all (a fraction of a switch) before out of range
  if (isfinite(value) && info->type != MX_PARAM_FLOAT && value != floorf(value)) {
    return MX_ERR_BAD_ARG;
  }
  return mx_check_range(value, info->min, info->max);
}

static const char* const node_kind_names[MX_NODE_N] = {
  "strip", "bus", "master", "vca", "mutegroup", "monitor",
};

const char*
mx_node_kind_name(const MxNodeKind kind)
{
  return (unsigned)kind < MX_NODE_N ? node_kind_names[kind] : "?";
}

static const char* const bus_kind_names[MX_BUS_KIND_N] = { "aux", "group" };

const char*
mx_bus_kind_name(const MxBusKind kind)
{
  return (unsigned)kind < MX_BUS_KIND_N ? bus_kind_names[kind] : "?";
}

MxStatus
mx_bus_kind_find(const char* const name, MxBusKind* const kind)
{
  for (unsigned i = 0U; i < MX_BUS_KIND_N; ++i) {
    if (!strcmp(bus_kind_names[i], name)) {
      *kind = (MxBusKind)i;
      return MX_SUCCESS;
    }
  }
  return MX_ERR_NOT_FOUND;
}
