// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_DC_BLOCKER_H
#define MX_DSP_DC_BLOCKER_H

#include "common.h"
#include "smooth.h"

#include <stdint.h>

/// First-order DC-blocking high pass.

/// Most channels one blocker filters (with one shared cutoff).
#define MX_DC_BLOCKER_MAX_CHANNELS 2U

/// Default cutoff, Hz: removes DC and sub-sonic drift; -0.26 dB at 20 Hz, -0.06 dB at 40 Hz.
#define MX_DC_BLOCKER_DEFAULT_HZ 5.0f

/// Lowest and highest cutoff, Hz (a rumble filter belongs in the EQ).
#define MX_DC_BLOCKER_MIN_HZ 1.0f
#define MX_DC_BLOCKER_MAX_HZ 40.0f

/**
   DC blocker for one or two channels:

       y[n] = x[n] - x[n-1] + R y[n-1],   H(z) = (1 - z^-1) / (1 - R z^-1)

   a zero at DC and a pole at R just inside it (J. O. Smith, "Introduction to
   Digital Filters", section "DC Blocker").  R is placed so that fc is the
   exact -3 dB point: with w = 2 pi fc / fs, setting
   |H(e^jw)|^2 = 2 (1 - cos w) / (1 - 2 R cos w + R^2) to 1/2 gives

       R^2 - 2 R cos w + 4 cos w - 3 = 0,  R = cos w - sqrt((1 - cos w)(3 - cos w))

   (the root inside the unit circle).  To first order in w this is the usual
   R = exp(-w) ~ 1 - w, which would be up to 0.14 dB off at fc = 40 Hz,
   fs = 8 kHz.  A DC step decays as R^n, to -60 dB after ln(1e-3) / ln(R)
   samples (0.22 s at 5 Hz).

   The state and the arithmetic are double: the pole sits within 2e-5 of
   z = 1 (1 Hz at 384 kHz), where float rounding of the state would be
   amplified by 1 / (1 - R^2).  The cutoff glides: what ramps is k = 1 - R,
   kept as a float (its relative precision does not depend on how close R is
   to 1) and turned into R = 1 - k exactly in double.  Both channels' state
   sits side by side so they run in one loop, where the two independent
   recursions overlap in the CPU (and could share one SIMD register).

   Embedded value.
*/
typedef struct {
  double   x1[MX_DC_BLOCKER_MAX_CHANNELS]; ///< Previous input, per channel
  double   y1[MX_DC_BLOCKER_MAX_CHANNELS]; ///< Previous output, per channel
  MxSmooth k;                              ///< 1 - R, ramped on a cutoff change
  double   r;                              ///< R = 1 - k of the settled cutoff
  double   rate;                           ///< Sample rate, Hz
  float    cutoff_hz;                      ///< Cutoff set by the user, Hz
  uint32_t n_channels;                     ///< Channels filtered, 1 or 2
} MxDcBlocker;

/**
   Initialise with the default cutoff and cleared state.  Main thread.

   @param n_channels 1 to MX_DC_BLOCKER_MAX_CHANNELS.
   @param rate Sample rate, Hz (mx_rate_is_valid()).
*/
void
mx_dc_blocker_init(MxDcBlocker* dc, uint32_t n_channels, double rate);

/**
   Change the sample rate: recomputes R for the cutoff set, clears the state.

   Main thread.
*/
void
mx_dc_blocker_set_rate(MxDcBlocker* dc, double rate);

/**
   Set the cutoff (the corner, -3 dB).

   Audio thread (or before processing starts).
   @param hz MX_DC_BLOCKER_MIN_HZ to MX_DC_BLOCKER_MAX_HZ.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range.  Nothing changes on error.
*/
MxStatus
mx_dc_blocker_set_cutoff_hz(MxDcBlocker* dc, float hz) MX_RT;

/**
   Filter `n` samples of each channel in place.

   If a channel's state is not finite afterwards (a NaN or infinity came in),
   it is cleared so that the channel recovers with the next block.
   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.

   @param bufs One buffer per channel (n_channels of them), all distinct.
*/
void
mx_dc_blocker_process(MxDcBlocker* dc, float* const* bufs, uint32_t n) MX_RT;

/// Clear the state and end any cutoff ramp.  Audio thread.
void
mx_dc_blocker_reset(MxDcBlocker* dc) MX_RT;

#endif // MX_DSP_DC_BLOCKER_H
