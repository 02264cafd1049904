// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_METER_RMS_H
#define MX_DSP_METER_RMS_H

#include "common.h"

#include <stdint.h>

/// RMS meter over a sliding rectangular window, read and reset at each snapshot.

/// Shortest window, milliseconds.
#define MX_METER_RMS_MIN_WINDOW_MS 50.0f

/// Longest window, milliseconds.
#define MX_METER_RMS_MAX_WINDOW_MS 3000.0f

/// Default window, milliseconds.
#define MX_METER_RMS_DEFAULT_WINDOW_MS 300.0f

/**
   Samples summed into one ring entry.  The window is a whole number of
   chunks (rounded to the nearest: within 0.17 ms at 48 kHz), the current
   value lags the input by less than one chunk, and the maximum is taken at
   every chunk boundary.
*/
#define MX_METER_RMS_CHUNK 16U

/**
   One reading of an RMS meter, linear (1.0 is a full-scale square wave;
   a full-scale sine reads 0.7071).
*/
typedef struct {
  float rms;     ///< RMS over the window ending at the last complete chunk
  float rms_max; ///< Largest RMS at any chunk boundary since the previous read
} MxMeterRmsReading;

/// An RMS meter for one channel (opaque; heap object).
typedef struct MxMeterRmsImpl MxMeterRms;

/**
   Create an RMS meter at silence with a window of
   MX_METER_RMS_DEFAULT_WINDOW_MS (or `max_window_ms` if that is shorter).

   The ring buffer is sized here for the longest window, so changing the
   window later never allocates.  A new sample rate needs a new meter.
   Free with mx_meter_rms_free().  Main thread.

   @param rate Sample rate, Hz (mx_rate_is_valid()).
   @param max_window_ms Longest window the meter will be set to,
   MX_METER_RMS_MIN_WINDOW_MS to MX_METER_RMS_MAX_WINDOW_MS.
   @return The meter, or NULL if an argument is invalid or memory ran out.
*/
MxMeterRms*
mx_meter_rms_new(double rate, float max_window_ms);

/// Free a meter made by mx_meter_rms_new(); NULL is a no-op.  Main thread.
void
mx_meter_rms_free(MxMeterRms* meter);

/**
   Set the window length.

   Recomputes the window sum from the ring (at most 9000 additions at
   48 kHz, 72000 at 384 kHz), so the new window is valid at once.  The
   maximum since the last read is rescaled to the new window.  Audio thread.

   @param ms MX_METER_RMS_MIN_WINDOW_MS to the `max_window_ms` given to
   mx_meter_rms_new().
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range; nothing changes on error.
*/
MxStatus
mx_meter_rms_set_window_ms(MxMeterRms* meter, float ms) MX_RT;

/**
   Accumulate `n` samples.

   A NaN makes its chunk count as silence; an infinite sample makes its
   chunk count as FLT_MAX, so the meter reads an overload until that chunk
   has left the window and recovers at most two windows later.
   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
*/
void
mx_meter_rms_process(MxMeterRms* meter, const float* in, uint32_t n) MX_RT;

/**
   Return the current RMS and the largest RMS since the previous read, and
   start a new maximum.

   Audio thread (the engine's snapshot step).
   @param out Receives the reading.
*/
void
mx_meter_rms_read_reset(MxMeterRms* meter, MxMeterRmsReading* out) MX_RT;

/// Clear the history to silence, keeping the window.  Audio thread.
void
mx_meter_rms_reset(MxMeterRms* meter) MX_RT;

/**
   Warm the cache for the next mx_meter_rms_process() (mx_prefetch()):
   `stage` 0 fetches the meter itself, 1 the ring slots the next chunk
   writes and drops (read from the meter, so after stage 0 has landed).
   Audio thread; a hint only.
*/
void
mx_meter_rms_prefetch(const MxMeterRms* meter, unsigned stage) MX_RT;

#endif // MX_DSP_METER_RMS_H
