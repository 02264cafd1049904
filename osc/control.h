// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_OSC_CONTROL_H
#define MX_OSC_CONTROL_H

#include "engine.h"
#include "model.h"
#include "params.h"
#include "server.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// OSC control of the engine: every control set and got, patterns, bundles, discovery, feedback,
/// meters.

/*
  The address space is the session language (osc/address.h) plus:

    /ping [ANY...]                -> /pong [ANY...]
    /info                         -> /info s:version f:rate i:strips i:buses i:latency
    /list [s:prefix]              -> /list/item s:address s:what s:type s:unit s:range s:default
                                     ... /list/end i:count
    /dump                         -> every value, as replies, after the strips and buses
    /subscribe [i:port] [s:pattern], /unsubscribe [i:port]
    /meters/subscribe i:rate_hz [s:pattern], /meters/unsubscribe

  A message with arguments sets, one without gets; either way the reply
  (the value as applied) goes to the sender.  Any continuous control also
  answers at CONTROL/norm in 0..1 (osc/taper.h).  Out-of-range values are
  clamped; NaN, infinity, a wrong type, an unknown address or a refused
  change gets "/error s:address s:reason" and changes nothing.  OSC 1.0
  patterns are expanded by mixd itself against what exists (osc/pattern.h),
  at most MX_OSC_MAX_TARGETS controls per message.  A bundle is applied as
  one engine transaction, so its changes land in the same period.

  Feedback: subscribers get every change, whoever made it (another client,
  a session reload), as the same messages a get returns, checked against
  the model ten times a second... (see mx_osc_control_tick()).  Main thread.
*/

/// Most controls one message (with patterns) may reach.
#define MX_OSC_MAX_TARGETS 8192U

/// Most subscribers of each kind (values, meters).
#define MX_OSC_MAX_SUBSCRIBERS 32U

/// Default lease of a subscription, seconds.
#define MX_OSC_DEFAULT_LEASE_S 30.0

/// Interval of the feedback check, ms: at most about 30 updates a second per control.
#define MX_OSC_FEEDBACK_MS 33.0

/// An OSC controller (opaque; heap object).
typedef struct MxOscControlImpl MxOscControl;

/**
   Create a controller for an engine, answering through `server`.

   Free with mx_osc_control_free().  Main thread.
   @param lease_s Lease of a subscription, seconds (1 to 3600).
*/
MxOscControl*
mx_osc_control_new(MxOscServer* server, MxEngine* engine, double lease_s);

/// Free a controller; NULL is a no-op.
void
mx_osc_control_free(MxOscControl* control);

/// Lease of the subscriptions made or renewed from now on, seconds (1 to
/// 3600; outside: the default); the running ones keep theirs until renewed.
void
mx_osc_control_set_lease(MxOscControl* control, double lease_s);

/// Answer through another server (or the first one: a controller may be made before its server).
void
mx_osc_control_set_server(MxOscControl* control, MxOscServer* server);

/// Use another engine (rebuilt for a new rate, with the same mix).
void
mx_osc_control_set_engine(MxOscControl* control, MxEngine* engine);

/**
   Read an alias file: lines "ALIAS TARGET [LO HI]" mapping a surface's
   address to a mixd address (TARGET may end in /norm); an incoming value x
   on ALIAS is sent on as LO + x (HI - LO) when LO and HI are given, and
   feedback goes out on ALIAS the other way.  "#" starts a comment.

   @param err Receives "FILE:LINE: reason" on error; nothing changes then.
*/
MxStatus
mx_osc_control_load_aliases(MxOscControl* control, const char* path, char* err, size_t err_size);

/**
   Set the alias map from text, as an alias file holds it.

   @param name What to call the text in messages ("NAME:LINE: reason").
*/
MxStatus
mx_osc_control_set_aliases(MxOscControl* control,
                           const char*   text,
                           const char*   name,
                           char*         err,
                           size_t        err_size);

/// The alias map's text, as loaded ("" for none): saved with the session.
const char*
mx_osc_control_aliases(const MxOscControl* control);

/**
   Commands the controller does not know, offered to the host first (the
   daemon's /session, /scene, /undo).  `message` returns true if the
   message was its own, answered (mx_osc_control_reply()) or refused
   (mx_osc_control_error()).
*/
typedef struct {
  bool (*message)(void* data, const MxOscPeer* from, const MxOscMessage* msg);
  void* data;
} MxOscCommands;

/// Offer unknown commands to the host (NULL for none).
void
mx_osc_control_set_commands(MxOscControl* control, const MxOscCommands* commands);

/**
   Where the controller's changes are told, for an undo history.  A step
   is one message, or one bundle; inside it `change` tells each control
   set (its value before and as applied) and `topology` comes before a
   strip or bus is added, removed or renamed, or a connection rule changes
   (the model as it is before).  `source` tells senders apart (never 0).
*/
typedef struct {
  void (*begin)(void* data, unsigned source, double now_ms);
  void (*change)(void* data, MxNode node, MxParam param, uint32_t sub, float before, float after);
  void (*topology)(void* data, const MxModel* model);
  void (*end)(void* data, const MxModel* model);
  void* data;
} MxOscJournal;

/// Tell changes to a journal (NULL for none).
void
mx_osc_control_set_journal(MxOscControl* control, const MxOscJournal* journal);

/// Send a message to `to`, in the reply bundle being gathered if there is one (takes `msg`).
void
mx_osc_control_reply(MxOscControl* control, const MxOscPeer* to, const char* path, lo_message msg);

/// Send "/error s:path s:why" to `to`.
void
mx_osc_control_error(MxOscControl* control, const MxOscPeer* to, const char* path, const char* why);

/// The server's handlers, bound to this controller.
MxOscHandlers
mx_osc_control_handlers(MxOscControl* control);

/**
   Send what changed to subscribers, meters to meter subscribers, and drop
   expired leases.  Call every few milliseconds (the loop's tick); it
   paces itself.
*/
void
mx_osc_control_tick(MxOscControl* control);

/// Number of live subscriptions (values, then meters), for tests and logs.
unsigned
mx_osc_control_subscribers(const MxOscControl* control, bool meters);

#endif // MX_OSC_CONTROL_H
