// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_DESK_OSC_H
#define MX_DAEMON_DESK_OSC_H

#include "desk.h"

#include "control.h"

/// The desk's OSC commands: sessions, scenes, undo (mixd-osc(7)).

/*
    /session/save [s:name]        -> /session/saved s:name
    /session/load s:name          -> /session/loaded s:name
    /session/new [s:name]         -> /session/loaded s:name
    /session/list                 -> /session/list s:name...
    /session/current              -> /session/current s:name i:dirty
    /scene/store i:n [s:name]     -> /scene/stored i:n s:name
    /scene/recall i:n [f:seconds] -> /scene/recalled i:n f:seconds
    /scene/list                   -> /scene/list/item i:n s:name ... /scene/list/end i:count
    /scene/N/name [s:name]        -> /scene/N/name s:name
    /undo, /redo                  -> /undo i:undoable i:redoable (or /redo ...)

  Refusals are "/error s:address s:reason", as for every control.  The
  controller's changes are journalled into the desk's undo history, one
  step per message or bundle.  Main thread.
*/

/// Hand the controller's unknown addresses and its journal to the desk.
void
mx_desk_osc_attach(MxDesk* desk, MxOscControl* control);

#endif // MX_DAEMON_DESK_OSC_H
