// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_DEMO_MATERIAL_H
#define MX_DAEMON_DEMO_MATERIAL_H

#include <stddef.h>

/// Generated band-like test material (drums, bass, keys, voice), deterministic.

/// The instruments of the demo band, one mono track each.
typedef enum {
  MX_DEMO_KICK,   ///< Kick drum: pitch-swept sine, beats 1-4
  MX_DEMO_SNARE,  ///< Snare: noise burst and body tone, beats 2 and 4
  MX_DEMO_HATS,   ///< Hi-hats: high-passed noise ticks, eighth notes
  MX_DEMO_BASS,   ///< Bass: band-limited sawtooth, eighth-note line
  MX_DEMO_KEYS,   ///< Keys: chords of decaying harmonics, one per bar
  MX_DEMO_PAD,    ///< Pad: detuned sawtooth chord, slow swell
  MX_DEMO_VOICE,  ///< Voice: glottal pulses through vowel formants, phrased
  MX_DEMO_GUITAR, ///< Plucked string (Karplus-Strong), off-beat stabs
} MxDemoInstrument;

/// Number of demo instruments.
#define MX_DEMO_N_INSTRUMENTS 8

/// Tempo of the demo song, beats per minute.
#define MX_DEMO_BPM 120.0

/// Short lower-case name of an instrument ("kick", "voice", ...).  Any thread.
const char*
mx_demo_instrument_name(MxDemoInstrument instrument);

/**
   Render `n` samples of an instrument at `rate`, starting at song time 0.

   The material is a pure function of its arguments, so two renders are
   bit-identical.  Peaks stay below about -6 dBFS.  Main thread (it is not
   realtime safe: it may use libm freely and is not incremental).

   @return 0 on success, -1 for an unknown instrument or bad rate.
*/
int
mx_demo_render(MxDemoInstrument instrument, float* out, size_t n, double rate);

#endif // MX_DAEMON_DEMO_MATERIAL_H
