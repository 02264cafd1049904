// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_OSC_ADDRESS_H
#define MX_OSC_ADDRESS_H

#include "model.h"
#include "params.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// The address language of sessions and OSC: "/strip/vocal/eq/2/freq" to a node and control, and
/// back.

/*
  Addresses (mixd-osc(7), mixd-session(5)):

    /strip/add NAME CHANNELS          /bus/add NAME aux|group CHANNELS
    /strip/ID/remove                  /bus/ID/remove
    /strip/ID/name NEWNAME            /bus/ID/name NEWNAME
    /strip/ID/CONTROL VALUE           /bus/ID/CONTROL VALUE
    /master/CONTROL VALUE             /vca/N/fader|mute VALUE
    /mutegroup/N/mute VALUE           /monitor/mode|level VALUE
    /jack/connect FROM TO             /jack/disconnect FROM TO

  ID is a name or a 1-based position; CONTROL is a path of params.h, where
  "*" is an EQ band, VCA or mute group number (1-based) or a bus ID:
  "eq/2/freq", "send/reverb/level", "route/drums", "vca/1".

  Values, as text: numbers in the control's unit ("-inf" for off where a
  level allows it), switches 0 or 1 (also on/off, true/false), and
  enumerations by label ("peak", "post_fader") or index.

  Pure functions over a model; any thread that owns the model.
*/

/// What an address does.
typedef enum {
  MX_ADDR_CONTROL,    ///< Set or get a control
  MX_ADDR_STRIP_ADD,  ///< Add a strip: NAME CHANNELS
  MX_ADDR_BUS_ADD,    ///< Add a bus: NAME KIND CHANNELS
  MX_ADDR_REMOVE,     ///< Remove the strip or bus
  MX_ADDR_NAME,       ///< Rename the strip or bus: NEWNAME (or get its name)
  MX_ADDR_CONNECT,    ///< Add a connection rule: FROM TO (port names or patterns)
  MX_ADDR_DISCONNECT, ///< Remove a connection rule: FROM TO
} MxAddrKind;

/// A resolved address.
typedef struct {
  MxAddrKind kind;  ///< What it does
  MxNode     node;  ///< The node (MX_ADDR_CONTROL, MX_ADDR_REMOVE, MX_ADDR_NAME)
  MxParam    param; ///< The control (MX_ADDR_CONTROL)
  uint32_t   sub;   ///< Its sub-index (band, bus position, VCA, mute group; 0-based)
} MxAddr;

/// Longest address, bytes (without the NUL).
#define MX_ADDR_MAX 127U

/**
   Resolve an address against a model.

   @param why Receives a reason on error ("no strip named 'vox'",
   "'width' is only on stereo strips"), at most `why_size` bytes.
   @return MX_SUCCESS, MX_ERR_NOT_FOUND for an unknown address, node or
   sub-index, MX_ERR_NOT_APPLICABLE for a control that exists elsewhere
   but not on this node.
*/
MxStatus
mx_addr_parse(const MxModel* model, const char* path, MxAddr* out, char* why, size_t why_size);

/**
   Write the address of a control, naming strips and buses by name:
   "/strip/vocal/eq/2/freq".

   @return The length written (snprintf's), or -1 if the address does not
   resolve in `model`.
*/
int
mx_addr_format(const MxModel* model, const MxAddr* addr, char* buf, size_t size);

/**
   Read a control's value from text.

   @param why Receives a reason on error.
   @return MX_SUCCESS, or MX_ERR_BAD_ARG for text that is not a value of
   this control ("abc", "2" for a switch, an unknown label), MX_ERR_RANGE
   for a number outside the range (the reason gives the range).
*/
MxStatus
mx_addr_parse_value(MxParam param, const char* text, float* value, char* why, size_t why_size);

/**
   Write a control's value as text, the shortest that reads back to the
   same float: "3.5", "-inf", "1", "peak".

   @return The length written (snprintf's).
*/
int
mx_addr_format_value(MxParam param, float value, char* buf, size_t size);

/**
   Write the range of a control for messages and discovery: "-24 to 24 dB",
   "0 or 1", "peak|lowshelf|...".
*/
int
mx_addr_format_range(MxParam param, char* buf, size_t size);

#endif // MX_OSC_ADDRESS_H
