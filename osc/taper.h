// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_OSC_TAPER_H
#define MX_OSC_TAPER_H

#include "params.h"

/// Controls as 0..1 values, for stock surface faders and knobs (OSC "/norm" addresses).

/*
  Every continuous control has a 0..1 form, by its table taper (params.h):

  - MX_TAPER_LINEAR: norm = (v - min) / (max - min).
  - MX_TAPER_LOG: norm = ln(v / min) / ln(max / min): frequencies, Q,
    times and ratios, so a knob's travel is even in octaves.
  - MX_TAPER_FADER: the console fader law of the Behringer X32 (its OSC
    protocol, P. Gillot, "Unofficial X32/M32 OSC Remote Protocol"): four
    straight pieces in dB, 1.0 = +10 dB, 0.75 = 0 dB, 0.5 = -10 dB,
    0.25 = -30 dB, 0.0625 = -60 dB, and 0 = -inf (off); the top
    quarter of the travel is the last 10 dB around unity, where a fader is
    set most finely.

  Any thread.
*/

/// True if the control has a 0..1 form (a number, not a switch or choice).
bool
mx_taper_applies(MxParam param);

/**
   The 0..1 form of a value, clamped to 0..1.  A level at -INFINITY is 0.
*/
float
mx_taper_to_norm(MxParam param, float value);

/**
   The value of a 0..1 form, within the control's range; norm is clamped
   to 0..1 first.  0 on a fader-law control is -INFINITY (off).
*/
float
mx_taper_from_norm(MxParam param, float norm);

#endif // MX_OSC_TAPER_H
