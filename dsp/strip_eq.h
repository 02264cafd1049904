// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_STRIP_EQ_H
#define MX_DSP_STRIP_EQ_H

#include "biquad.h"
#include "common.h"
#include "smooth.h"

#include <stdbool.h>
#include <stdint.h>

/// Channel strip EQ: high pass, four parametric bands and low pass, click-free.

/// Parametric bands between the high and the low pass.
#define MX_STRIP_EQ_BANDS 4U

/// Sections in the chain: high pass, the bands, low pass (in that order).
#define MX_STRIP_EQ_SECTIONS (MX_STRIP_EQ_BANDS + 2U)

/// Most channels one EQ filters with shared coefficients (a stereo strip).
#define MX_STRIP_EQ_MAX_CHANNELS 2U

/// Parts of the chain processed on their own: the high pass; the bands and low pass.
#define MX_STRIP_EQ_PARTS 2U

/// Samples between coefficient updates while a parameter ramps.
#define MX_STRIP_EQ_SUBBLOCK 16U

/// Valid ranges of the parameters
#define MX_STRIP_EQ_MIN_HZ 10.0f      ///< Lowest frequency of any section, Hz
#define MX_STRIP_EQ_MAX_HZ 40000.0f   ///< Highest frequency, Hz (designed at most 0.49 fs)
#define MX_STRIP_EQ_MIN_Q 0.1f        ///< Widest band (about 7 octaves)
#define MX_STRIP_EQ_MAX_Q 20.0f       ///< Narrowest band
#define MX_STRIP_EQ_MAX_GAIN_DB 24.0f ///< Largest boost or cut of a band

/// Defaults
#define MX_STRIP_EQ_DEFAULT_HPF_HZ 80.0f    ///< High pass corner
#define MX_STRIP_EQ_DEFAULT_LPF_HZ 18000.0f ///< Low pass corner
#define MX_STRIP_EQ_DEFAULT_Q 0.7071f       ///< Q of every band

/**
   One section of the chain: a band (one biquad) or a high or low pass (one
   or two biquads), for up to MX_STRIP_EQ_MAX_CHANNELS channels.

   Private to strip_eq.c; public only so that MxStripEq can be embedded.
   Filter memory is laid out channel-minor (`z1[biquad][channel]`) so that
   the channels of one biquad sit side by side, as a SIMD vector wants them.
*/
typedef struct {
  // Read by every settled block, first and together
  MxBiquadCoeffs coeffs[MX_BIQUAD_MAX_SECTIONS];                       ///< Current design
  double         z1[MX_BIQUAD_MAX_SECTIONS][MX_STRIP_EQ_MAX_CHANNELS]; ///< TDF-II memory 1
  double         z2[MX_BIQUAD_MAX_SECTIONS][MX_STRIP_EQ_MAX_CHANNELS]; ///< TDF-II memory 2
  MxSmooth       gain_db; ///< Gain, dB (peaks and shelves)
  MxSmooth       wet;     ///< 1 on, 0 bypassed: scales gain_db or mixes dry and filtered
  unsigned       shape;   ///< Designed shape: MxBiquadType (band) or MxBiquadSlope (pass)
  unsigned       n;       ///< Biquads in `coeffs` (1 or 2)
  uint8_t        kind;    ///< High pass, band or low pass (strip_eq.c)
  bool           active;  ///< Processed; false: skipped, memory cleared
  bool           fading;  ///< `fade_ramp` applies to this sub-block

  // Read while something moves
  MxBiquadCoeffs from[MX_BIQUAD_MAX_SECTIONS]; ///< Design of the previous sub-block
  MxBiquadCoeffs old[MX_BIQUAD_MAX_SECTIONS];  ///< Design faded out by a shape change
  double         old_z1[MX_BIQUAD_MAX_SECTIONS][MX_STRIP_EQ_MAX_CHANNELS]; ///< Memory 1 of `old`
  double         old_z2[MX_BIQUAD_MAX_SECTIONS][MX_STRIP_EQ_MAX_CHANNELS]; ///< Memory 2 of `old`
  MxSmooth       log_freq; ///< ln(frequency / Hz), ramps in the log domain
  MxSmooth       log_q;    ///< ln(Q), ramps in the log domain
  MxSmooth       fade;     ///< Crossfade from `old` (0) to the current design (1)
  float          wet_ramp[MX_STRIP_EQ_SUBBLOCK];  ///< Per-sample dry/wet mix of this sub-block
  float          fade_ramp[MX_STRIP_EQ_SUBBLOCK]; ///< Per-sample old/new mix of this sub-block
  float          freq_hz;                         ///< Requested frequency, Hz
  float          q;                               ///< Requested Q
  unsigned       next_shape;                      ///< Requested shape, taken on by a crossfade
  unsigned       old_n;                           ///< Biquads in `old`
  bool           on;                              ///< Switched on by the user
  bool           dirty;                           ///< Design out of date with the parameters
  bool           mixing;                          ///< `wet_ramp` applies to this sub-block
  bool           gliding; ///< Coefficients glide from `from` over this sub-block
} MxStripEqSection;

/**
   The EQ of a channel strip, mono or stereo.

   Every parameter glides over MX_SMOOTH_DEFAULT_MS: frequency and Q in the
   log domain, gain in dB, with coefficients recomputed every
   MX_STRIP_EQ_SUBBLOCK samples while anything moves and never once settled.
   Switching a peak or shelf off ramps its gain to 0 dB; switching any other
   section (or the whole EQ) off crossfades it to dry; a type or slope change
   crossfades the old and the new design.  A section that is off, or a peak
   or shelf at 0 dB, is skipped entirely once settled, so a neutral EQ passes
   audio bit for bit and costs nothing.

   Embedded value, no heap memory: mx_strip_eq_init() sets it up.  It holds
   no pointers, so a copy by assignment is an independent EQ that carries on
   exactly where the original was (a strip crossfades through one).
*/
typedef struct {
  MxStripEqSection sections[MX_STRIP_EQ_SECTIONS]; ///< High pass, bands 0-3, low pass
  double           rate;                           ///< Sample rate, Hz
  unsigned         channels;                       ///< Channels processed (1 or 2)
  bool             enabled;                        ///< Global EQ switch
  bool             ramping[MX_STRIP_EQ_PARTS];     ///< Something may still move, per part
  bool draining[MX_STRIP_EQ_PARTS]; ///< A neutral peak or shelf may still wait to be dropped
} MxStripEq;

/**
   Initialise a flat EQ: EQ on, high and low pass off (80 Hz and 18 kHz,
   12 dB/oct Butterworth), band 0 low shelf 100 Hz, band 1 peak 500 Hz,
   band 2 peak 2.5 kHz, band 3 high shelf 8 kHz, all on at 0 dB, Q 0.7071.

   Main thread.
   @param channels 1 or MX_STRIP_EQ_MAX_CHANNELS.
   @param rate Sample rate, Hz (mx_rate_is_valid()).
   @return MX_ERR_BAD_ARG for a NaN or infinite rate, MX_ERR_RANGE for a bad
   channel count or rate; `eq` is untouched on error.
*/
MxStatus
mx_strip_eq_init(MxStripEq* eq, unsigned channels, double rate);

/**
   Change the sample rate: smoothing times are rescaled, every parameter
   jumps to its target, filters are redesigned and their memory cleared.

   Main thread (while the audio thread does not process `eq`).
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE for an invalid
   rate; nothing changes on error.
*/
MxStatus
mx_strip_eq_set_rate(MxStripEq* eq, double rate);

/// End every ramp at once and clear the filter memory.  Audio thread.
void
mx_strip_eq_reset(MxStripEq* eq) MX_RT;

/// Switch the whole EQ on or off (crossfade to dry).  Audio thread.
void
mx_strip_eq_set_enabled(MxStripEq* eq, bool on) MX_RT;

/// Switch the high pass on or off (crossfade).  Audio thread.
void
mx_strip_eq_set_hpf_enabled(MxStripEq* eq, bool on) MX_RT;

/**
   Set the high pass corner.

   Audio thread.
   @param hz MX_STRIP_EQ_MIN_HZ to MX_STRIP_EQ_MAX_HZ; designed at most at
   0.49 times the sample rate.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range; nothing changes on error.
*/
MxStatus
mx_strip_eq_set_hpf_freq_hz(MxStripEq* eq, float hz) MX_RT;

/**
   Set the high pass slope (crossfade between the old and new filter).

   Audio thread.
   @return MX_ERR_BAD_ARG for an unknown slope, nothing changed.
*/
MxStatus
mx_strip_eq_set_hpf_slope(MxStripEq* eq, MxBiquadSlope slope) MX_RT;

/// Switch the low pass on or off (crossfade).  Audio thread.
void
mx_strip_eq_set_lpf_enabled(MxStripEq* eq, bool on) MX_RT;

/// Set the low pass corner, as mx_strip_eq_set_hpf_freq_hz().  Audio thread.
MxStatus
mx_strip_eq_set_lpf_freq_hz(MxStripEq* eq, float hz) MX_RT;

/// Set the low pass slope, as mx_strip_eq_set_hpf_slope().  Audio thread.
MxStatus
mx_strip_eq_set_lpf_slope(MxStripEq* eq, MxBiquadSlope slope) MX_RT;

/**
   Switch a band on or off.  A peak or shelf ramps its gain to or from 0 dB,
   any other type crossfades with dry.

   Audio thread.
   @param band 0 to MX_STRIP_EQ_BANDS - 1.
   @return MX_ERR_RANGE for a bad band, nothing changed.
*/
MxStatus
mx_strip_eq_set_band_enabled(MxStripEq* eq, unsigned band, bool on) MX_RT;

/**
   Set the shape of a band (crossfade between the old and new filter).

   Audio thread.
   @return MX_ERR_RANGE for a bad band, MX_ERR_BAD_ARG for an unknown type;
   nothing changes on error.
*/
MxStatus
mx_strip_eq_set_band_type(MxStripEq* eq, unsigned band, MxBiquadType type) MX_RT;

/**
   Set the centre or corner frequency of a band.

   Audio thread.
   @param hz MX_STRIP_EQ_MIN_HZ to MX_STRIP_EQ_MAX_HZ; designed at most at
   0.49 times the sample rate.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE for a bad band
   or frequency; nothing changes on error.
*/
MxStatus
mx_strip_eq_set_band_freq_hz(MxStripEq* eq, unsigned band, float hz) MX_RT;

/**
   Set the gain of a band (used by peaks and shelves, kept by the others).

   Audio thread.
   @param db -MX_STRIP_EQ_MAX_GAIN_DB to +MX_STRIP_EQ_MAX_GAIN_DB.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE for a bad band
   or gain; nothing changes on error.
*/
MxStatus
mx_strip_eq_set_band_gain_db(MxStripEq* eq, unsigned band, float db) MX_RT;

/**
   Set the Q of a band (the cookbook's shelf Q for shelves: 0.7071 is the
   steepest shelf without overshoot).

   Audio thread.
   @param q MX_STRIP_EQ_MIN_Q to MX_STRIP_EQ_MAX_Q.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE for a bad band
   or Q; nothing changes on error.
*/
MxStatus
mx_strip_eq_set_band_q(MxStripEq* eq, unsigned band, float q) MX_RT;

/**
   Return true if no parameter, crossfade or shape change is in progress,
   so the next block runs on constant coefficients.  Audio thread.
*/
bool
mx_strip_eq_is_settled(const MxStripEq* eq) MX_RT;

/**
   Filter `n` samples of each channel in place through the whole chain.

   Exactly mx_strip_eq_process_hpf() then mx_strip_eq_process_bands() on
   the same buffers, bit for bit.  Audio thread.
   @param bufs One buffer per channel (as many as given to mx_strip_eq_init()).
   @param n At most MX_DSP_MAX_BLOCK.
*/
void
mx_strip_eq_process(MxStripEq* eq, float* const* bufs, uint32_t n) MX_RT;

/**
   Filter `n` samples of each channel in place through the high pass only.

   For a strip that runs its gate between the high pass and the bands: call
   mx_strip_eq_process_bands() with the same `n` after it, every block.
   The two parts ramp, crossfade and skip independently, each exactly as in
   mx_strip_eq_process().  Audio thread.
   @param bufs One buffer per channel (as many as given to mx_strip_eq_init()).
   @param n At most MX_DSP_MAX_BLOCK.
*/
void
mx_strip_eq_process_hpf(MxStripEq* eq, float* const* bufs, uint32_t n) MX_RT;

/**
   Filter `n` samples of each channel in place through the four bands and
   the low pass (the chain without its high pass).

   Audio thread.
   @param bufs One buffer per channel (as many as given to mx_strip_eq_init()).
   @param n At most MX_DSP_MAX_BLOCK.
*/
void
mx_strip_eq_process_bands(MxStripEq* eq, float* const* bufs, uint32_t n) MX_RT;

/// Most EQs mx_strip_eq_process_bands_bank() runs side by side.
#define MX_STRIP_EQ_BANK 4U

/**
   mx_strip_eq_process_bands() for up to MX_STRIP_EQ_BANK mono EQs at once,
   bit for bit what each alone gives.

   Settled EQs with chains of the same length run in the lanes of one SIMD
   vector (4 doubles: two SSE2 registers, one AVX register where the CPU
   has it), so a bank costs about what one EQ costs alone: the time of the
   cascade is the latency of its recursion, which the lanes share.  The
   others run one by one.  Audio thread.

   @param eqs `count` EQs, each made for one channel.
   @param bufs One buffer per EQ.
   @param n At most MX_DSP_MAX_BLOCK.
*/
void
mx_strip_eq_process_bands_bank(MxStripEq* const* eqs,
                               float* const*     bufs,
                               unsigned          count,
                               uint32_t          n) MX_RT;

/// The same for the high pass (mx_strip_eq_process_hpf()).
void
mx_strip_eq_process_hpf_bank(MxStripEq* const* eqs,
                             float* const*     bufs,
                             unsigned          count,
                             uint32_t          n) MX_RT;

#endif // MX_DSP_STRIP_EQ_H
