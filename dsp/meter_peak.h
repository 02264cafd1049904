// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_METER_PEAK_H
#define MX_DSP_METER_PEAK_H

#include "common.h"

#include <stdint.h>

/// Sample peak meter with peak hold and fall-back, and a gain-reduction meter.

/*
  Both meters follow the read-and-reset pattern (x42 meters.lv2 jmeters): the
  audio thread accumulates with _process() / _feed_*() every block, and the
  engine's snapshot step, also on the audio thread at the end of a block,
  calls _read_reset(), which returns what accumulated since the previous read
  and starts again.  However seldom the engine reads, no peak between two
  reads is lost.  The objects are not shared between threads: the engine
  copies the readings into its snapshot.
*/

/// Default time a peak is held before it falls back, milliseconds.
#define MX_METER_PEAK_DEFAULT_HOLD_MS 1500.0f

/// Longest hold time, milliseconds (0, the shortest, means no hold).
#define MX_METER_PEAK_MAX_HOLD_MS 10000.0f

/// Default fall-back rate, dB per second (IEC 60268-18 style ballistics).
#define MX_METER_PEAK_DEFAULT_FALL_DB_S 20.0f

/// Slowest fall-back rate, dB per second.
#define MX_METER_PEAK_MIN_FALL_DB_S 1.0f

/// Fastest fall-back rate, dB per second.
#define MX_METER_PEAK_MAX_FALL_DB_S 1000.0f

/// Display values that fall below this level read as -INFINITY, dBFS.
#define MX_METER_PEAK_FLOOR_DB (-150.0f)

/// Display values are clamped to this level (an infinite sample), dBFS.
#define MX_METER_PEAK_CEILING_DB 60.0f

/**
   One reading of a peak meter.

   `peak` is the true value: the largest |x| of the samples processed since
   the previous read, nothing smoothed.  `bar_db` and `hold_db` are display
   values, derived from the sequence of true values and the time between
   reads (counted in samples, so they do not depend on how often the engine
   reads, to within one read interval).
*/
typedef struct {
  float peak;    ///< TRUE: largest |x| since the previous read, linear (0 if none)
  float bar_db;  ///< DISPLAY: rises at once, falls back at the fall rate, dBFS
  float hold_db; ///< DISPLAY: peak-hold marker: holds for the hold time, then falls, dBFS
} MxMeterPeakReading;

/**
   Sample peak meter for one channel.

   Embedded value (no heap memory): mx_meter_peak_init(), then
   mx_meter_peak_process() every block and mx_meter_peak_read_reset() at
   each snapshot.  NaN samples are ignored; an infinite sample reads as an
   infinite `peak` and as MX_METER_PEAK_CEILING_DB on the display values.
*/
typedef struct {
  float    peak;             ///< Largest |x| since the last read, linear (accumulator)
  uint64_t elapsed;          ///< Samples processed since the last read
  float    bar_db;           ///< Bar display value at the last read, dBFS
  float    hold_db;          ///< Hold marker value at the last read, dBFS
  uint64_t hold_left;        ///< Samples the marker still holds, 0 once it falls
  uint64_t hold_samples;     ///< Hold time, samples
  double   fall_db_per_samp; ///< Fall-back rate, dB per sample
  float    hold_ms;          ///< Hold time as set, ms
  float    fall_db_s;        ///< Fall-back rate as set, dB per second
  double   rate;             ///< Sample rate, Hz
} MxMeterPeak;

/**
   Initialise a meter at silence with the default hold and fall-back times.

   Main thread.
   @param rate Sample rate, Hz (mx_rate_is_valid()).
*/
void
mx_meter_peak_init(MxMeterPeak* meter, double rate);

/**
   Change the sample rate, keeping the hold and fall-back times in ms and
   dB/s.  The meter restarts at silence.

   Main thread.
   @param rate Sample rate, Hz (mx_rate_is_valid()).
*/
void
mx_meter_peak_set_rate(MxMeterPeak* meter, double rate);

/**
   Set the hold time of the display values.

   A hold in progress is shortened to the new time if it is longer.
   Audio thread.
   @param ms 0 (no hold) to MX_METER_PEAK_MAX_HOLD_MS.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range; nothing changes on error.
*/
MxStatus
mx_meter_peak_set_hold_ms(MxMeterPeak* meter, float ms) MX_RT;

/**
   Set the fall-back rate of the display values.

   Audio thread.
   @param db_per_s MX_METER_PEAK_MIN_FALL_DB_S to MX_METER_PEAK_MAX_FALL_DB_S.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range; nothing changes on error.
*/
MxStatus
mx_meter_peak_set_fall_db_per_s(MxMeterPeak* meter, float db_per_s) MX_RT;

/**
   Accumulate the largest |x| of `n` samples.

   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
*/
void
mx_meter_peak_process(MxMeterPeak* meter, const float* in, uint32_t n) MX_RT;

/**
   mx_meter_peak_process() of `in` into `meter`, and of `in` scaled by
   `factor` (each sample x * factor, as a settled gain makes it) into
   `scaled`, from one pass over `in`.  Exact: rounding is monotonic and
   symmetric, so the largest |x * factor| is the largest |x| times
   |factor|, rounded once (NaN ignored either way, as infinity times 0).
   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
*/
void
mx_meter_peak_process_scaled(MxMeterPeak* meter,
                             MxMeterPeak* scaled,
                             float        factor,
                             const float* in,
                             uint32_t     n) MX_RT;

/**
   Return the peak since the previous read, update the display values, and
   start accumulating again.

   The display treats the peak as occurring at the moment of the read, so
   hold and fall-back are exact to within one read interval.
   Audio thread (the engine's snapshot step).
   @param out Receives the reading.
*/
void
mx_meter_peak_read_reset(MxMeterPeak* meter, MxMeterPeakReading* out) MX_RT;

/// Clear the accumulator and the display to silence.  Audio thread.
void
mx_meter_peak_reset(MxMeterPeak* meter) MX_RT;

/**
   Gain-reduction meter: the largest reduction since the last read.

   Embedded value.  A dynamics processor feeds it the largest reduction of
   each block; the snapshot step reads and resets it.  Reductions are
   positive dB: a gain of -6 dB is a reduction of 6.
*/
typedef struct {
  float max_db; ///< Largest reduction fed since the last read, dB (>= 0)
} MxMeterGr;

/// Initialise a gain-reduction meter at 0 dB.  Any thread owning `meter`.
void
mx_meter_gr_init(MxMeterGr* meter);

/**
   Feed the largest gain reduction of a block, positive dB.

   Values of 0 or less (no reduction, or make-up gain) and NaN leave the
   meter unchanged.  Audio thread.
*/
void
mx_meter_gr_feed_db(MxMeterGr* meter, float reduction_db) MX_RT;

/**
   Feed the smallest linear gain applied in a block (1 = no reduction).

   Equivalent to mx_meter_gr_feed_db(meter, -20 log10(gain)); a gain of 0
   feeds an infinite reduction.  Audio thread.
*/
void
mx_meter_gr_feed_gain(MxMeterGr* meter, float gain) MX_RT;

/**
   Return the largest reduction fed since the previous read, dB (0 if
   none), and reset it to 0.

   Audio thread (the engine's snapshot step).
*/
float
mx_meter_gr_read_reset(MxMeterGr* meter) MX_RT;

#endif // MX_DSP_METER_PEAK_H
