// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_TRUE_PEAK_H
#define MX_DSP_TRUE_PEAK_H

#include "common.h"

#include <stdint.h>

/// True-peak (inter-sample peak) estimation and metering after ITU-R BS.1770-4 Annex 2.

/*
  Method (BS.1770-4 Annex 2): oversample by 4, take the absolute value, keep
  the largest.  Two things are done better than the Annex's example filter,
  because the limiter relies on the estimate to keep its ceiling:

  - The interpolator.  The Annex lists a 48-tap, 4-phase FIR as an example.
    Measured, its passband ripples by +-0.24 dB and it falls by 2 dB at
    0.45 fs (20 kHz at 44.1 kHz), and none of its phases is the input sample
    itself.  Here the same 4x oversampling is done in two 2x stages of
    Kaiser-windowed sinc interpolators (Kaiser 1974; Crochiere & Rabiner,
    "Multirate Digital Signal Processing", 1983): a 40-tap half-sample stage
    (beta 6), then an 8-tap stage for the quarter points (beta 6).  Phase 0
    is the input sample, exactly; the three others are within 0.021 dB
    (amplitude and phase error together) of the ideal band-limited value for
    every frequency up to 0.4535 fs.  Content above that is not measured
    reliably by any short interpolator, including the Annex's.
  - The maximum between the oversampled points.  A grid of 4 points per
    sample can miss a peak by up to 0.69 dB (a sine at fs/2 whose peak
    falls half-way between two points: 1 / cos(pi/8)).  Each oversampled
    point that is a local maximum of the signal is refined by the vertex of
    the parabola through it and its two neighbours (quadratic
    interpolation, as in spectral peak estimation, J. O. Smith, "Spectral
    Audio Signal Processing", 2011).  For a sine up to 0.45 fs this never
    reads high and reads at most 0.049 dB low; the correction is bounded by
    a quarter of the point's value, so it cannot run away on odd shapes.

  Cost: 28 multiplies and 56 additions per input sample for the filters,
  plus four divisions for the refinement, in loops the compiler vectorises:
  about 6 ns per sample at -O2 on the development machine (x86-64, SSE2).
  The filters are FIRs, so a NaN or infinity in the input leaves the
  detector after MX_TRUE_PEAK_HISTORY samples by itself.
*/

/// Taps on each side of the half-sample (first 2x) interpolator.
#define MX_TRUE_PEAK_HALF_TAPS 20U

/// Taps on each side of the quarter-sample (second 2x) interpolator.
#define MX_TRUE_PEAK_QUARTER_TAPS 4U

/**
   Delay of a detector's estimates, input samples: the estimate written for
   input sample i describes the signal around sample i - MX_TRUE_PEAK_DELAY,
   because the interpolators need that many samples after it.
*/
#define MX_TRUE_PEAK_DELAY (MX_TRUE_PEAK_HALF_TAPS + MX_TRUE_PEAK_QUARTER_TAPS / 2U)

/// Input samples a detector keeps from one block to the next.
#define MX_TRUE_PEAK_HISTORY (2U * MX_TRUE_PEAK_HALF_TAPS + MX_TRUE_PEAK_QUARTER_TAPS - 1U)

/// Samples a detector processes per internal pass (sizes its scratch memory).
#define MX_TRUE_PEAK_CHUNK 128U

/// Spare history room: the filters compute whole vectors of 8, past the chunk's end.
#define MX_TRUE_PEAK_PAD 8U

/// Most channels a true-peak meter measures.
#define MX_TRUE_PEAK_MAX_CHANNELS 2U

/**
   The true-peak detector of one channel: 4x interpolator plus refinement.

   Embedded value (no heap memory): mx_true_peak_detector_init(), then
   mx_true_peak_detector_process() on every block.  Rate-independent: the
   same detector serves any sample rate.
*/
typedef struct {
  /// Input history: the last MX_TRUE_PEAK_HISTORY samples, the chunk in progress, padding
  float history[MX_TRUE_PEAK_HISTORY + MX_TRUE_PEAK_CHUNK + MX_TRUE_PEAK_PAD];
  float last_q3; ///< Value 3/4 of a sample after the last sample measured (a neighbour)
} MxTruePeakDetector;

/**
   Initialise a detector with a silent history.

   Main thread, or any thread owning `detector`.
*/
void
mx_true_peak_detector_init(MxTruePeakDetector* detector);

/// Clear the history to silence.  Audio thread.
void
mx_true_peak_detector_reset(MxTruePeakDetector* detector) MX_RT;

/**
   Estimate the true peak around each of `n` input samples.

   `peak[i]` receives the largest magnitude of the band-limited signal
   between sample j = i - MX_TRUE_PEAK_DELAY (counting `in` from the start
   of the stream) and sample j + 1: the refined maximum of the oversampled
   points at j, j + 1/4, j + 1/2 and j + 3/4, linear, 1.0 = 0 dBTP.  The
   first MX_TRUE_PEAK_DELAY estimates after init describe the silent history.

   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
   @param in Input samples.
   @param peak Receives `n` estimates; may be the same array as `in`.
*/
void
mx_true_peak_detector_process(MxTruePeakDetector* detector,
                              const float*        in,
                              float*              peak,
                              uint32_t            n) MX_RT;

/**
   Process `n` samples like mx_true_peak_detector_process() and return the
   largest estimate (0 if all were silent; NaN estimates are ignored).

   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
*/
float
mx_true_peak_detector_process_max(MxTruePeakDetector* detector, const float* in, uint32_t n) MX_RT;

/**
   One reading of a true-peak meter: the largest true peak since the
   previous read.  Channels beyond the meter's count read 0 / -INFINITY.
*/
typedef struct {
  float linear[MX_TRUE_PEAK_MAX_CHANNELS]; ///< Per channel, linear (1.0 = 0 dBTP)
  float dbtp[MX_TRUE_PEAK_MAX_CHANNELS];   ///< Per channel, dBTP (-INFINITY for silence)
  float max_linear;                        ///< Largest of the channels, linear
  float max_dbtp;                          ///< Largest of the channels, dBTP
} MxTruePeakReading;

/**
   True-peak meter for one or two channels (a strip or a bus).

   Read-and-reset, like the sample peak meter (meter_peak.h): the audio
   thread feeds every block with mx_true_peak_meter_process(), and the
   engine's snapshot step, also on the audio thread, calls
   mx_true_peak_meter_read_reset(), so no peak between two reads is lost.  A
   peak in the last MX_TRUE_PEAK_DELAY samples of a block is counted in the
   next block (the interpolators' delay).  NaN samples are ignored; an
   infinite sample reads as an infinite peak.

   Embedded value (no heap memory).
*/
typedef struct {
  MxTruePeakDetector detectors[MX_TRUE_PEAK_MAX_CHANNELS]; ///< One per channel
  float    held[MX_TRUE_PEAK_MAX_CHANNELS]; ///< Largest estimate since the last read, linear
  uint32_t channels;                        ///< Channels measured, 1 or 2
} MxTruePeakMeter;

/**
   Initialise a meter at silence.

   Main thread.
   @param channels 1 or 2 (MX_TRUE_PEAK_MAX_CHANNELS).
   @return MX_ERR_RANGE for another count; the meter is then unchanged.
*/
MxStatus
mx_true_peak_meter_init(MxTruePeakMeter* meter, uint32_t channels);

/// Clear the histories and the held peaks to silence.  Audio thread.
void
mx_true_peak_meter_reset(MxTruePeakMeter* meter) MX_RT;

/**
   Measure `n` samples of each channel and hold the largest true peak.

   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
   @param in One buffer per channel (the count given to init); not modified.
*/
void
mx_true_peak_meter_process(MxTruePeakMeter* meter, const float* const* in, uint32_t n) MX_RT;

/**
   Return the largest true peak of each channel since the previous read, and
   start holding again from silence.

   Audio thread (the engine's snapshot step).
   @param out Receives the reading.
*/
void
mx_true_peak_meter_read_reset(MxTruePeakMeter* meter, MxTruePeakReading* out) MX_RT;

#endif // MX_DSP_TRUE_PEAK_H
