// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_STRIP_H
#define MX_DSP_STRIP_H

#include "common.h"
#include "compressor.h"
#include "delay.h"
#include "gain.h"
#include "gate.h"
#include "meter_peak.h"
#include "meter_rms.h"
#include "pan.h"
#include "strip_eq.h"

#include <stdbool.h>
#include <stdint.h>

/// A channel strip: trim, delay, high pass, gate, EQ and compressor, fader, pan, mute.

/*
  Signal flow, per block (the engine's channel chain):

    input trim and polarity -> delay -> high pass -> gate
      -> EQ (4 bands + low pass) and compressor, in either order
      -> pre-fader meters -> fader -> post-fader meters
      -> pan (mono) or width then balance (stereo) -> mute -> output pair

  Neutral by default: trim and fader at 0 dB, delay 0, EQ flat, gate and
  compressor off, pan or balance centred, width 1, unmuted.  A neutral
  stereo strip passes its input bit for bit; a neutral mono strip puts it
  in the centre at -3 dB on each side (the pan law).
*/

/// A mono or stereo channel strip (opaque; heap object).
typedef struct MxStripImpl MxStrip;

/// Most input channels of a strip.
#define MX_STRIP_MAX_CHANNELS 2U

/// Trim range, dB either side of 0.
#define MX_STRIP_TRIM_MAX_DB 24.0f

/// Highest fader level, dB (the lowest is -INFINITY, off).
#define MX_STRIP_FADER_MAX_DB 10.0f

/// Longest alignment delay, ms.
#define MX_STRIP_DELAY_MAX_MS 100.0f

/// What a strip's meters measured since the last read.
typedef struct {
  MxMeterPeakReading pre_peak[MX_STRIP_MAX_CHANNELS];  ///< Pre-fader sample peak per channel
  MxMeterRmsReading  pre_rms[MX_STRIP_MAX_CHANNELS];   ///< Pre-fader RMS per channel
  MxMeterPeakReading post_peak[MX_STRIP_MAX_CHANNELS]; ///< Post-fader sample peak per channel
  MxMeterRmsReading  post_rms[MX_STRIP_MAX_CHANNELS];  ///< Post-fader RMS per channel
  float              gate_reduction_db;                ///< Largest gate reduction, positive dB
  float              comp_reduction_db; ///< Largest compressor reduction, positive dB
} MxStripMeters;

/**
   Create a strip with neutral settings (see the signal flow above).

   Allocates every buffer the strip will use, for blocks of up to
   MX_DSP_MAX_BLOCK, and a delay line of MX_STRIP_DELAY_MAX_MS.  Free with
   mx_strip_free().  Main thread.

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

/**
   Set the input trim, the first stage of the strip.

   Ramps over MX_SMOOTH_DEFAULT_MS; at 0 dB (settled) the stage is skipped.
   Audio thread (or before processing starts).
   @param db -MX_STRIP_TRIM_MAX_DB to +MX_STRIP_TRIM_MAX_DB.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range; nothing changes on error.
*/
MxStatus
mx_strip_set_trim_db(MxStrip* strip, float db) MX_RT;

/**
   Invert the polarity of every input channel (true) or restore it (false),
   with the trim; the factor glides through zero, so it does not click.

   Audio thread.
*/
void
mx_strip_set_invert(MxStrip* strip, bool invert) MX_RT;

/**
   The strip's alignment delay, for its setters (up to
   MX_STRIP_DELAY_MAX_MS, whole samples, crossfaded when changed).

   It runs at every delay, 0 included, so that its history is always there
   for the next change: at 0 it only copies the block into its ring.
*/
MxDelay*
mx_strip_delay(MxStrip* strip);

/**
   Return the latency the strip adds, in samples: the delay last set
   (mx_delay_get_latency()); no other stage has latency.

   Audio thread (or the thread that sets the delay).
*/
uint32_t
mx_strip_latency(const MxStrip* strip) MX_RT;

/// The strip's EQ (high pass, 4 bands, low pass), for its setters.
MxStripEq*
mx_strip_eq(MxStrip* strip);

/// The strip's gate, for its setters.
MxGate*
mx_strip_gate(MxStrip* strip);

/// The strip's compressor, for its setters.
MxCompressor*
mx_strip_compressor(MxStrip* strip);

/**
   Put the EQ's bands and low pass after the compressor (true) or before it
   (false, the default).  The high pass always comes before the gate.

   The change crossfades: for MX_SMOOTH_DEFAULT_MS the strip runs both
   orders, the old one on copies of the EQ and the compressor taken when
   the fade starts, the new one on the originals (which the setters reach),
   and mixes them with a smoothstep ramp, as the EQ crossfades its designs.
   A change made during a fade starts when that fade ends (the last value
   set wins).  Audio thread.
*/
void
mx_strip_set_eq_after_comp(MxStrip* strip, bool after) MX_RT;

/**
   Set the fader level.

   Ramps over MX_SMOOTH_DEFAULT_MS.  Audio thread (or before processing
   starts).
   @param db -INFINITY (off) up to MX_STRIP_FADER_MAX_DB.
   @return MX_ERR_BAD_ARG for NaN or +INFINITY, MX_ERR_RANGE above the
   range; nothing changes on error.
*/
MxStatus
mx_strip_set_fader_db(MxStrip* strip, float db) MX_RT;

/// Return the fader level last set, dB.  Any thread owning `strip`.
float
mx_strip_get_fader_db(const MxStrip* strip);

/**
   Mute (true) or unmute (false) the output, with a MX_SMOOTH_DEFAULT_MS
   ramp.

   The mute is a gain of its own at the end of the chain: the fader keeps
   its level, and the meters, which come before it, still show what the
   channel would play.  Audio thread.
*/
void
mx_strip_set_mute(MxStrip* strip, bool muted) MX_RT;

/// The panner of a mono strip (NULL for a stereo strip).
MxPan*
mx_strip_pan(MxStrip* strip);

/// The balance of a stereo strip (NULL for a mono strip).
MxBalance*
mx_strip_balance(MxStrip* strip);

/// The width of a stereo strip, applied before the balance (NULL for a mono strip).
MxWidth*
mx_strip_width(MxStrip* strip);

/**
   End every ramp and crossfade at once, so that the next block runs on the
   settings as set: trim, fader, mute, pan, balance and width jump to their
   targets, the delay and the EQ order end their crossfades, and the EQ, the
   gate and the compressor are reset (their filter memory and detectors
   cleared, mx_strip_eq_reset(), mx_gate_reset(), mx_compressor_reset()).
   The delay's history and the meters are kept.

   Audio thread (or before processing starts).
*/
void
mx_strip_reset(MxStrip* strip) MX_RT;

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
