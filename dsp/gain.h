// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_GAIN_H
#define MX_DSP_GAIN_H

#include "common.h"
#include "smooth.h"

#include <stdbool.h>
#include <stdint.h>

/// Gain stage: level in dB, polarity invert and mute, all through one ramp.

/// Highest gain the stage accepts, dB (trim is +-24, a fader +10).
#define MX_GAIN_MAX_DB 40.0f

/**
   A smoothed gain stage for one channel.

   Level, polarity and mute combine into one signed linear factor that ramps
   over MX_SMOOTH_DEFAULT_MS, so any change, including a mute or a polarity
   flip (which glides through zero), is click-free at the cost of one
   multiply per sample.  Embedded value.
*/
typedef struct {
  MxSmooth factor;  ///< Applied factor: sign * (muted ? 0 : 10^(dB/20))
  float    gain_db; ///< Level set by the user, dB (-INFINITY for off)
  bool     invert;  ///< Polarity inverted
  bool     muted;   ///< Muted
} MxGain;

/**
   Initialise at 0 dB, normal polarity, unmuted.  Main thread.

   @param rate Sample rate, Hz (mx_rate_is_valid()).
*/
void
mx_gain_init(MxGain* gain, double rate);

/**
   Set the level in dB.

   Audio thread (or before processing starts).
   @return MX_ERR_BAD_ARG for NaN or +inf, MX_ERR_RANGE above MX_GAIN_MAX_DB;
   -INFINITY is accepted and means silence.  Nothing changes on error.
*/
MxStatus
mx_gain_set_db(MxGain* gain, float db) MX_RT;

/// Invert the polarity (true) or restore it (false).  Audio thread.
void
mx_gain_set_invert(MxGain* gain, bool invert) MX_RT;

/// Mute (true) or unmute (false) with a short ramp.  Audio thread.
void
mx_gain_set_mute(MxGain* gain, bool muted) MX_RT;

/**
   Apply the gain to `n` samples of `buf` in place.

   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
*/
void
mx_gain_process(MxGain* gain, float* buf, uint32_t n) MX_RT;

/**
   Apply the same gain to `nch` channels in place, each `n` samples.

   Every channel gets the same ramp, sample for sample.  Audio thread.
*/
void
mx_gain_process_channels(MxGain* gain, float* const* ch, unsigned nch, uint32_t n) MX_RT;

/**
   True if the next block is scaled by one factor throughout (no ramp), and
   that factor in `factor`: mx_gain_process() then gives x * factor, sample
   for sample.  Audio thread.
*/
bool
mx_gain_is_constant(const MxGain* gain, float* factor) MX_RT;

/// End any ramp at once: the next block starts on the target.  Audio thread.
void
mx_gain_reset(MxGain* gain) MX_RT;

#endif // MX_DSP_GAIN_H
