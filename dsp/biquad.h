// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_BIQUAD_H
#define MX_DSP_BIQUAD_H

#include "common.h"

#include <stdint.h>

/// Second-order IIR sections designed after the RBJ Audio EQ Cookbook.

/// Filter shapes (Robert Bristow-Johnson, "Cookbook formulae for audio EQ biquad filter
/// coefficients").
typedef enum {
  MX_BIQUAD_PEAK,       ///< Peaking EQ: gain_db at freq, bandwidth from Q
  MX_BIQUAD_LOW_SHELF,  ///< Low shelf: gain_db below freq, gain_db/2 at freq
  MX_BIQUAD_HIGH_SHELF, ///< High shelf: gain_db above freq, gain_db/2 at freq
  MX_BIQUAD_LOW_PASS,   ///< 12 dB/octave low pass, Q 0.7071 is Butterworth
  MX_BIQUAD_HIGH_PASS,  ///< 12 dB/octave high pass, Q 0.7071 is Butterworth
  MX_BIQUAD_BAND_PASS,  ///< Band pass with 0 dB peak gain at freq
  MX_BIQUAD_NOTCH,      ///< Notch at freq
  MX_BIQUAD_ALL_PASS,   ///< All pass, phase -180 degrees at freq
} MxBiquadType;

/// Number of MxBiquadType values, for validation and tables.
#define MX_BIQUAD_N_TYPES 8

/// Slopes of the high- and low-pass filters built from one or two sections.
typedef enum {
  MX_SLOPE_12_BUTTERWORTH,    ///< 2nd order Butterworth, -3 dB at freq
  MX_SLOPE_24_BUTTERWORTH,    ///< 4th order Butterworth, -3 dB at freq
  MX_SLOPE_24_LINKWITZ_RILEY, ///< 4th order Linkwitz-Riley, -6 dB at freq
} MxBiquadSlope;

/// Number of MxBiquadSlope values.
#define MX_SLOPE_N 3

/// Most sections a slope needs.
#define MX_BIQUAD_MAX_SECTIONS 2U

/// Valid ranges of the design parameters
#define MX_BIQUAD_MIN_FREQ 1.0     ///< Lowest corner or centre, Hz
#define MX_BIQUAD_MAX_FREQ_FS 0.49 ///< Highest corner or centre, fraction of rate
#define MX_BIQUAD_MIN_Q 0.025      ///< Widest band (about 10 octaves)
#define MX_BIQUAD_MAX_Q 40.0       ///< Narrowest band
#define MX_BIQUAD_MAX_GAIN_DB 30.0 ///< Largest boost or cut of peaks and shelves

/**
   Coefficients of one section, normalised so that a0 = 1:

       H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)

   Double precision: a 20 Hz high pass at 96 kHz has poles within 1e-3 of the
   unit circle, where float coefficients would move the corner audibly.
*/
typedef struct {
  double b0; ///< Feed-forward, current input
  double b1; ///< Feed-forward, input delayed one sample
  double b2; ///< Feed-forward, input delayed two samples
  double a1; ///< Feedback, output delayed one sample
  double a2; ///< Feedback, output delayed two samples
} MxBiquadCoeffs;

/// State of one section for one channel (transposed direct form II).
typedef struct {
  double z1; ///< First delay element
  double z2; ///< Second delay element
} MxBiquadState;

/**
   Design one section.

   Audio thread or main thread: computes only, no allocation.

   @param out Receives the coefficients; unchanged on error.
   @param type Filter shape.
   @param freq_hz Centre or corner frequency, MX_BIQUAD_MIN_FREQ up to
   MX_BIQUAD_MAX_FREQ_FS * rate.
   @param q Quality factor, MX_BIQUAD_MIN_Q to MX_BIQUAD_MAX_Q.  For shelves
   this is the cookbook's shelf Q (0.7071 is the steepest shelf without
   overshoot, slope S = 1).
   @param gain_db Gain of peaks and shelves, +-MX_BIQUAD_MAX_GAIN_DB; ignored
   by the other shapes.
   @param rate Sample rate, Hz.
   @return MX_ERR_BAD_ARG for a non-finite value or unknown type,
   MX_ERR_RANGE for a value outside its range.
*/
MxStatus
mx_biquad_design(MxBiquadCoeffs* out,
                 MxBiquadType    type,
                 double          freq_hz,
                 double          q,
                 double          gain_db,
                 double          rate) MX_RT;

/**
   Design a high or low pass of the given slope as a cascade of sections.

   4th order Butterworth is two sections with Q = 1 / (2 cos(pi/8)) and
   1 / (2 cos(3 pi/8)) (the pole angles of the 4th order prototype);
   Linkwitz-Riley is two identical Butterworth 2nd order sections, which
   gives -6 dB at the corner so that a low and a high pass sum flat.

   @param out Receives up to MX_BIQUAD_MAX_SECTIONS sections.
   @param count Receives the number of sections written.
   @return as mx_biquad_design().
*/
MxStatus
mx_biquad_design_pass(MxBiquadCoeffs out[MX_BIQUAD_MAX_SECTIONS],
                      unsigned*      count,
                      bool           high,
                      MxBiquadSlope  slope,
                      double         freq_hz,
                      double         rate) MX_RT;

/// Set coefficients that pass the signal unchanged (b0 = 1, others 0).  Any thread.
void
mx_biquad_identity(MxBiquadCoeffs* coeffs) MX_RT;

/// Clear a section's memory.  Audio thread.
void
mx_biquad_reset(MxBiquadState* state) MX_RT;

/**
   Filter `n` samples of `buf` in place through one section.

   If the state is not finite afterwards (a NaN or infinity came in), it is
   cleared so that the channel recovers with the next block.
   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
*/
void
mx_biquad_process(const MxBiquadCoeffs* coeffs, MxBiquadState* state, float* buf, uint32_t n) MX_RT;

/**
   Filter `n` samples of `buf` in place through `count` sections in series.

   Each sample goes through every section before the next sample, so the
   sections' recursions overlap in the CPU instead of waiting on each other.
   Audio thread.
*/
void
mx_biquad_process_cascade(const MxBiquadCoeffs* coeffs,
                          MxBiquadState*        states,
                          unsigned              count,
                          float*                buf,
                          uint32_t              n) MX_RT;

#endif // MX_DSP_BIQUAD_H
