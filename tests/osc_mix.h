// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_TESTS_OSC_MIX_H
#define MX_TESTS_OSC_MIX_H

#include "engine.h"
#include "model.h"

#include <stdint.h>

/// The mix that the OSC tests and the OSC fuzz target drive: an engine without JACK.

/// Its capacity: 6 strips, 6 buses, 2 VCAs, 2 mute groups (room to add and to fill up).
extern const MxLimits mxt_osc_limits;

/**
   Build the mix: strips vox (mono), keys (stereo), gtr (mono), then buses
   rev (stereo aux), dly (mono aux), drums (stereo group), sub (mono group),
   in those positions; settled, with one period of `block` frames run and
   flushed, so it starts on its settings.

   Free with mx_engine_free().  Main thread.
   @return The engine, or NULL if it could not be built.
*/
MxEngine*
mxt_osc_mix_new(double rate, uint32_t block);

#endif // MX_TESTS_OSC_MIX_H
