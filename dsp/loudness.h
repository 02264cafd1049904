// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_LOUDNESS_H
#define MX_DSP_LOUDNESS_H

#include "common.h"

#include <stdint.h>

/// EBU R 128 loudness (ITU-R BS.1770-4), measured by libebur128, and true peak.

/*
  Threads: libebur128 is not thread-safe, so one thread owns a meter.  In
  mixd that is the audio thread, which feeds it with mx_loudness_process()
  every block and reads it with mx_loudness_read() at the snapshot point;
  the engine copies the reading into its snapshot for the main thread.
  Neither call allocates (measured with tests/alloc_guard.c: libebur128
  1.2.6 in EBUR128_MODE_HISTOGRAM makes no heap call in add_frames or in
  any getter).  Creating, resetting and freeing run on the main thread.
  One caveat: ebur128_init() rewrites libebur128's static tables (with the
  same values) that every meter's getters read, so making a meter while
  another is read is, formally, a data race; it is harmless on the
  hardware mixd targets, but ThreadSanitizer would report it.
*/

/// Most channels a meter accepts.
#define MX_LOUDNESS_MAX_CHANNELS 8U

/**
   One reading of a loudness meter.

   M and S are updated at every 100 ms of audio (counted from the start of
   the measurement), so they are up to 100 ms old; I and LRA include every
   completed gating block, peaks every sample fed.  Loudness is -INFINITY
   for silence (I: while no gating block is above the absolute gate,
   -70 LUFS), peaks are -INFINITY for digital silence.  "Since reset" is the
   whole measurement since mx_loudness_new() or mx_loudness_reset(); "since
   the previous read" is read-and-reset, like the other meters.
*/
typedef struct {
  float momentary_lufs;          ///< M: 400 ms to the last 100 ms boundary, LUFS (EBU Tech 3341)
  float short_term_lufs;         ///< S: 3 s to the last 100 ms boundary, LUFS
  float integrated_lufs;         ///< I: gated programme loudness since reset, LUFS
  float range_lu;                ///< LRA: loudness range since reset, LU (EBU Tech 3342)
  float true_peak_dbtp;          ///< Largest true peak of any channel since reset, dBTP
  float sample_peak_dbfs;        ///< Largest sample peak of any channel since reset, dBFS
  float true_peak_recent_dbtp;   ///< Largest true peak since the previous read, dBTP
  float sample_peak_recent_dbfs; ///< Largest sample peak since the previous read, dBFS
} MxLoudnessReading;

/// A loudness meter for 1 to MX_LOUDNESS_MAX_CHANNELS channels (opaque).
typedef struct MxLoudnessImpl MxLoudness;

/**
   Create a meter for a new measurement.

   Channels follow libebur128's map: L, R, C, LFE (not measured), Ls, Rs
   for 1 to 3 and 6 or more channels; L, R, Ls, Rs for 4; L, R, C, Ls, Rs
   for 5.  Surrounds weigh 1.41 (BS.1770-4), the others 1.0; channels 7
   and 8 are back surrounds (weight 1.0).  A single channel is measured as
   one front channel, as BS.1770-4 defines mono.  True peak is measured by
   the limiter's 4x interpolator (true_peak.h) at every rate, never below
   the sample peak.  A new sample rate needs a new meter.  Free with
   mx_loudness_free().  Main thread.

   @param channels 1 to MX_LOUDNESS_MAX_CHANNELS.
   @param rate Sample rate, Hz (mx_rate_is_valid()), rounded to whole Hz.
   @return The meter, or NULL if an argument is invalid or memory ran out.
*/
MxLoudness*
mx_loudness_new(uint32_t channels, double rate);

/// Free a meter made by mx_loudness_new(); NULL is a no-op.  Main thread.
void
mx_loudness_free(MxLoudness* meter);

/**
   Measure `n` frames.

   Non-finite samples are measured as 0: libebur128's filter state cannot
   be reached from outside, and one NaN in it would make every later
   reading NaN.  Each completed 100 ms block adds one pass over its samples
   (for M and S).  Audio thread.

   @param in One buffer of `n` samples per channel.
   @param n Frames, at most MX_DSP_MAX_BLOCK.
   @return MX_ERR_INTERNAL if libebur128 failed (it cannot in the mode used).
*/
MxStatus
mx_loudness_process(MxLoudness* meter, const float* const* in, uint32_t n) MX_RT;

/**
   Read every value, and reset the "since the previous read" peaks.

   Cheap (about 3 us: two 1000-bin histogram walks for I and LRA, which
   also put 8 kB on the stack); M and S were computed as their blocks
   completed.  Audio thread, or whichever single thread feeds the meter.
   @param out Receives the reading.
*/
void
mx_loudness_read(MxLoudness* meter, MxLoudnessReading* out) MX_RT;

/**
   Start a new measurement (integrated, range and peaks restart).

   libebur128 1.2.6 has no reset, so this builds a new measurement state
   and frees the old one: it allocates, and is main thread only, with the
   audio thread not using the meter meanwhile.  To reset while running,
   build a new meter with mx_loudness_new() and swap the pointer on the
   audio thread (retiring the old one to the main thread).
   @return MX_ERR_NO_MEMORY if the new state could not be made; the old
   measurement then continues unchanged.
*/
MxStatus
mx_loudness_reset(MxLoudness* meter);

#endif // MX_DSP_LOUDNESS_H
