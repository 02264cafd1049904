// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_PARAMS_H
#define MX_DSP_PARAMS_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>

/// The one table of every mixer control: name, type, unit, range, default, where it exists.

/*
  Everything that can be set on the mixer is a control of a node.  The
  nodes are the strips and buses (by position), the master, the VCAs and
  mute groups (by number) and the monitor.  A control is an MxParam, plus a
  sub-index for the controls that come in families: the EQ band (0 to 3),
  the bus a send or route goes to (its position), the VCA or mute group a
  node belongs to (0-based).

  The table below drives validation (mx_model_set()), the session text and
  OSC address language (its `path` is the address after the node), the
  defaults a session omits, and the lists in mixd-osc(7).  Values are
  floats in natural units; switches are 0 or 1 and enumerations the index
  of their label.
*/

/// Kinds of node: what a control belongs to.
typedef enum {
  MX_NODE_STRIP,      ///< A channel strip, by position (0-based)
  MX_NODE_BUS,        ///< An aux or group bus, by position (0-based)
  MX_NODE_MASTER,     ///< The master bus (index 0)
  MX_NODE_VCA,        ///< A VCA, by number - 1
  MX_NODE_MUTE_GROUP, ///< A mute group, by number - 1
  MX_NODE_MONITOR,    ///< The monitor (solo) bus (index 0)
} MxNodeKind;

/// Number of MxNodeKind values.
#define MX_NODE_N 6

/// A node: its kind and its index among nodes of that kind.
typedef struct {
  MxNodeKind kind;  ///< Kind of node
  uint32_t   index; ///< Position or number - 1 (0 for the master and the monitor)
} MxNode;

/// Every control.  The VCAs use MX_P_FADER and MX_P_MUTE; mute groups MX_P_MUTE.
typedef enum {
  MX_P_TRIM,            ///< Input trim, dB
  MX_P_POLARITY,        ///< Polarity inverted, switch
  MX_P_DELAY,           ///< Alignment delay, ms
  MX_P_HPF_ON,          ///< High pass in, switch
  MX_P_HPF_FREQ,        ///< High pass corner, Hz
  MX_P_HPF_SLOPE,       ///< High pass slope, enumeration
  MX_P_GATE_ON,         ///< Gate in, switch
  MX_P_GATE_THRESHOLD,  ///< Gate opening threshold, dBFS
  MX_P_GATE_RANGE,      ///< Gate attenuation when closed, dB
  MX_P_GATE_ATTACK,     ///< Gate attack, ms
  MX_P_GATE_HOLD,       ///< Gate hold, ms
  MX_P_GATE_RELEASE,    ///< Gate release, ms
  MX_P_EQ_ON,           ///< EQ in (bands, low pass and high pass), switch
  MX_P_EQ_AFTER_COMP,   ///< EQ after the compressor instead of before, switch
  MX_P_EQ_BAND_ON,      ///< Band in, switch (sub: band)
  MX_P_EQ_BAND_TYPE,    ///< Band shape, enumeration (sub: band)
  MX_P_EQ_BAND_FREQ,    ///< Band frequency, Hz (sub: band)
  MX_P_EQ_BAND_GAIN,    ///< Band gain, dB (sub: band)
  MX_P_EQ_BAND_Q,       ///< Band Q (sub: band)
  MX_P_LPF_ON,          ///< Low pass in, switch
  MX_P_LPF_FREQ,        ///< Low pass corner, Hz
  MX_P_LPF_SLOPE,       ///< Low pass slope, enumeration
  MX_P_COMP_ON,         ///< Compressor in, switch
  MX_P_COMP_THRESHOLD,  ///< Compressor threshold, dBFS
  MX_P_COMP_RATIO,      ///< Compressor ratio, n:1
  MX_P_COMP_KNEE,       ///< Compressor knee width, dB
  MX_P_COMP_ATTACK,     ///< Compressor attack, ms
  MX_P_COMP_RELEASE,    ///< Compressor release, ms
  MX_P_COMP_MAKEUP,     ///< Compressor makeup gain, dB
  MX_P_COMP_DETECT,     ///< Compressor detector, enumeration
  MX_P_LIMITER_ON,      ///< Limiter in the path, switch (changes the latency)
  MX_P_LIMITER_CEILING, ///< Limiter ceiling, dBTP
  MX_P_LIMITER_RELEASE, ///< Limiter release, ms
  MX_P_LIMITER_DRIVE,   ///< Gain into the limiter, dB
  MX_P_FADER,           ///< Fader (strips, buses, master, VCAs), dB
  MX_P_PAN,             ///< Pan (mono) or balance (stereo), -1 to +1
  MX_P_WIDTH,           ///< Stereo width, 0 (mono) to 2
  MX_P_MUTE,            ///< Mute, switch (strips, buses, master, VCAs, mute groups)
  MX_P_SOLO,            ///< Solo, switch
  MX_P_SOLO_SAFE,       ///< Never muted by another channel's solo, switch
  MX_P_SEND_LEVEL,      ///< Send level, dB (sub: aux bus)
  MX_P_SEND_ON,         ///< Send on, switch (sub: aux bus)
  MX_P_SEND_TAP,        ///< Where the send takes its signal, enumeration (sub: aux bus)
  MX_P_SEND_PAN,        ///< Send pan or balance into a stereo bus (sub: aux bus)
  MX_P_ROUTE_MASTER,    ///< Routed to the master, switch
  MX_P_ROUTE,           ///< Routed to a group bus, switch (sub: group bus)
  MX_P_VCA,             ///< Member of a VCA, switch (sub: VCA)
  MX_P_MUTE_GROUP,      ///< Member of a mute group, switch (sub: mute group)
  MX_P_MONITOR_MODE,    ///< Solo mode, enumeration
  MX_P_MONITOR_LEVEL,   ///< Monitor level, dB
  MX_P_SAFE_ALL,        ///< Recall-safe: no scene recall touches the node, switch
  MX_P_SAFE_INPUT,      ///< Recall-safe trim, polarity and delay, switch
  MX_P_SAFE_EQ,         ///< Recall-safe high pass, EQ and low pass, switch
  MX_P_SAFE_DYNAMICS,   ///< Recall-safe gate, compressor and limiter, switch
  MX_P_SAFE_FADER,      ///< Recall-safe fader, switch
  MX_P_SAFE_PAN,        ///< Recall-safe pan, balance and width, switch
  MX_P_SAFE_MUTE,       ///< Recall-safe mute, switch
  MX_P_SAFE_SENDS,      ///< Recall-safe sends, switch
  MX_P_SAFE_ROUTING,    ///< Recall-safe routes, VCA and mute group membership, switch
} MxParam;

/// Number of MxParam values.
#define MX_P_COUNT 59

/// How a control's value is read.
typedef enum {
  MX_PARAM_FLOAT,  ///< A number in the unit
  MX_PARAM_SWITCH, ///< 0 or 1
  MX_PARAM_ENUM,   ///< The index of one of `labels`
} MxParamType;

/// What a control's sub-index counts.
typedef enum {
  MX_SUB_NONE,       ///< No sub-index (it is 0)
  MX_SUB_BAND,       ///< An EQ band, 0 to MX_PARAM_EQ_BANDS - 1
  MX_SUB_BUS,        ///< A bus, by position
  MX_SUB_VCA,        ///< A VCA, number - 1
  MX_SUB_MUTE_GROUP, ///< A mute group, number - 1
} MxSubKind;

/// How a control maps to a 0..1 surface control (OSC `/norm`).
typedef enum {
  MX_TAPER_LINEAR, ///< Linear over the range
  MX_TAPER_LOG,    ///< Logarithmic over the range (frequencies, times, ratios)
  MX_TAPER_FADER,  ///< Console fader law: 0.75 is 0 dB
} MxTaper;

/// Bits of MxParamInfo::nodes: the nodes a control exists on.
#define MX_ON_STRIP (1U << MX_NODE_STRIP)
#define MX_ON_BUS (1U << MX_NODE_BUS)
#define MX_ON_MASTER (1U << MX_NODE_MASTER)
#define MX_ON_VCA (1U << MX_NODE_VCA)
#define MX_ON_MUTE_GROUP (1U << MX_NODE_MUTE_GROUP)
#define MX_ON_MONITOR (1U << MX_NODE_MONITOR)

/// Bits of MxParamInfo::flags.
#define MX_PFLAG_OFF 1U    ///< Also accepts -INFINITY ("-inf", off) below its range
#define MX_PFLAG_STEREO 2U ///< Only on stereo nodes
#define MX_PFLAG_MIX 4U    ///< Changes the mix plan (gains, mutes, routing, latency)
#define MX_PFLAG_DESK 8U   ///< State of the desk only (recall-safe): no effect on the sound

/// Bands of the channel EQ.
#define MX_PARAM_EQ_BANDS 4U

/// One control's description.
typedef struct {
  const char*        path;   ///< Address after the node; "*" stands for the sub-index
  const char*        alias;  ///< Another accepted path, or NULL
  MxParamType        type;   ///< How the value is read
  MxSubKind          sub;    ///< What the sub-index counts
  const char*        unit;   ///< Unit ("dB", "Hz", "ms", ...), "" for none
  float              min;    ///< Lowest value (0 for switches and enumerations)
  float              max;    ///< Highest value (1 for switches, labels - 1 for enumerations)
  float              def;    ///< Default value (see mx_param_default())
  const char* const* labels; ///< MX_PARAM_ENUM: the names of the values, NULL-terminated
  unsigned           nodes;  ///< MX_ON_* bits
  unsigned           flags;  ///< MX_PFLAG_* bits
  MxTaper            taper;  ///< Mapping for a 0..1 control
  const char*        doc;    ///< One line for manuals and discovery
} MxParamInfo;

/// Where a send takes its signal (the values of MX_P_SEND_TAP).
typedef enum {
  MX_SEND_PRE_EQ,     ///< After the gate, before the EQ and compressor
  MX_SEND_PRE_FADER,  ///< Before the fader
  MX_SEND_POST_FADER, ///< After the fader and mute (the default)
} MxSendTap;

/// Solo modes (the values of MX_P_MONITOR_MODE).
typedef enum {
  MX_SOLO_IN_PLACE, ///< Solo mutes every channel not soloed or solo-safe (the default)
  MX_SOLO_AFL,      ///< Soloed channels after the fader go to the monitor bus
  MX_SOLO_PFL,      ///< Soloed channels before the fader go to the monitor bus
} MxSoloMode;

/// Kinds of bus.
typedef enum {
  MX_BUS_AUX,   ///< Fed by sends; not routed to the master by default
  MX_BUS_GROUP, ///< Fed by routes (a subgroup); routed to the master by default
} MxBusKind;

/// Number of MxBusKind values.
#define MX_BUS_KIND_N 2

/**
   Return the description of a control, or NULL if `param` is not one.

   Any thread: the table is constant.
*/
const MxParamInfo*
mx_param_info(MxParam param);

/**
   Return the default of a control on a kind of node.

   The table's `def`, except where a family has its own per member: the EQ
   bands (low shelf 100 Hz, peak 500 Hz, peak 2.5 kHz, high shelf 8 kHz, as
   strip_eq.h) and the master route (on for strips and group buses, off
   for aux buses).  Any thread.
   @param bus_kind The kind of the bus, when `kind` is MX_NODE_BUS.
*/
float
mx_param_default(MxParam param, uint32_t sub, MxNodeKind kind, MxBusKind bus_kind);

/**
   Find the label of an enumeration value.

   Any thread.
   @return The label, or NULL if `param` is not an enumeration or `value`
   is not one of its values.
*/
const char*
mx_param_label(MxParam param, float value);

/**
   Find the value of an enumeration label.

   Any thread.
   @return MX_SUCCESS and `*value` set, or MX_ERR_NOT_FOUND.
*/
MxStatus
mx_param_find_label(MxParam param, const char* label, float* value);

/**
   Check a value against a control's type and range.

   Any thread.
   @return MX_ERR_BAD_ARG for NaN, +INFINITY, -INFINITY on a control
   without MX_PFLAG_OFF, or a switch or enumeration that is not a whole
   number; MX_ERR_RANGE outside the range; else MX_SUCCESS.
*/
MxStatus
mx_param_check(MxParam param, float value);

/**
   Return the name of a node kind as the address language writes it:
   "strip", "bus", "master", "vca", "mutegroup", "monitor".  Any thread.
*/
const char*
mx_node_kind_name(MxNodeKind kind);

/// Return the name of a bus kind: "aux" or "group".  Any thread.
const char*
mx_bus_kind_name(MxBusKind kind);

/**
   Find a bus kind by name.

   @return MX_SUCCESS and `*kind` set, or MX_ERR_NOT_FOUND.
*/
MxStatus
mx_bus_kind_find(const char* name, MxBusKind* kind);

#endif // MX_DSP_PARAMS_H
