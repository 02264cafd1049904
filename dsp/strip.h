// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_STRIP_H
#define MX_DSP_STRIP_H

#include "common.h"
#include "compressor.h"
#include "gain.h"
#include "gate.h"
#include "meter_peak.h"
#include "meter_rms.h"
#include "pan.h"
#include "strip_eq.h"

#include <stdint.h>

/// A channel strip: EQ, gate, compressor, fader, meters and pan, in that order.

/// A mono or stereo channel strip (opaque; heap object).
typedef struct MxStripImpl MxStrip;

/// Most input channels of a strip.
#define MX_STRIP_MAX_CHANNELS 2U

/// What a strip's meters measured since the last read.
typedef struct {
  MxMeterPeakReading peak[MX_STRIP_MAX_CHANNELS]; ///< Post-fader sample peak per channel
  MxMeterRmsReading  rms[MX_STRIP_MAX_CHANNELS];  ///< Post-fader RMS per channel
  float              gate_reduction_db;           ///< Largest gate reduction, positive dB
  float              comp_reduction_db;           ///< Largest compressor reduction, positive dB
} MxStripMeters;

/**
   Create a strip with neutral settings: EQ flat, gate and compressor off,
   fader at 0 dB, pan (mono) or balance (stereo) centred.

   Allocates every buffer the strip will use, for blocks of up to
   MX_DSP_MAX_BLOCK.  Free with mx_strip_free().  Main thread.

   @param channels 1 (mono, panned to stereo) or 2 (stereo, balanced).
   @param rate Sample rate, Hz.
   @return The strip, or NULL on a bad argument or if memory ran out.
*/
MxStrip*
mx_strip_new(unsigned channels, double rate);

/// Free a strip made by mx_strip_new(); NULL is a no-op.  Main thread.
void
mx_strip_free(MxStrip* strip);

/// Number of input channels, 1 or 2.  Any thread.
unsigned
mx_strip_channels(const MxStrip* strip);

/// The strip's EQ (high pass, 4 bands, low pass), for its setters.
MxStripEq*
mx_strip_eq(MxStrip* strip);

/// The strip's gate, for its setters.
MxGate*
mx_strip_gate(MxStrip* strip);

/// The strip's compressor, for its setters.
MxCompressor*
mx_strip_compressor(MxStrip* strip);

/// The strip's fader (level, mute, polarity), for its setters.
MxGain*
mx_strip_fader(MxStrip* strip);

/// The panner of a mono strip (NULL for a stereo strip).
MxPan*
mx_strip_pan(MxStrip* strip);

/// The balance of a stereo strip (NULL for a mono strip).
MxBalance*
mx_strip_balance(MxStrip* strip);

/**
   Process one block: `channels` inputs in, a stereo pair out.

   The inputs are read only; the outputs are overwritten (not summed).
   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
*/
void
mx_strip_process(MxStrip* strip, const float* const* in, float* out_l, float* out_r, uint32_t n)
  MX_RT;

/**
   Read the meters and restart them, so no peak between two reads is lost.

   Audio thread (at the engine's snapshot point).
*/
void
mx_strip_read_meters(MxStrip* strip, MxStripMeters* out) MX_RT;

#endif // MX_DSP_STRIP_H
