// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DAEMON_REPORT_H
#define MX_DAEMON_REPORT_H

#include "common.h"
#include "loudness.h"

#include <stdint.h>

/// The loudness report of a programme (EBU R 128), as render and `mixd loudness` print it.

/// What the report says of one programme.
typedef struct {
  float integrated_lufs;  ///< Integrated loudness, LUFS
  float range_lu;         ///< Loudness range, LU
  float max_momentary;    ///< Largest momentary loudness, LUFS
  float max_short_term;   ///< Largest short-term loudness, LUFS
  float true_peak_dbtp;   ///< True peak, dBTP
  float sample_peak_dbfs; ///< Sample peak, dBFS
} MxReport;

/**
   A measurement in progress: a loudness meter (dsp/loudness.h, ITU-R
   BS.1770-4 by libebur128) and the largest momentary and short-term
   loudness seen, read after every block fed.
*/
typedef struct {
  MxLoudness* meter;          ///< The meter
  float       max_momentary;  ///< Largest momentary loudness so far, LUFS
  float       max_short_term; ///< Largest short-term loudness so far, LUFS
} MxMeasure;

/**
   Start a measurement.  Free with mx_measure_free().

   @return MX_ERR_NO_MEMORY, MX_ERR_BAD_ARG for a bad channel count or rate.
*/
MxStatus
mx_measure_init(MxMeasure* measure, unsigned channels, double rate);

/// Free what mx_measure_init() made.
void
mx_measure_free(MxMeasure* measure);

/// Feed `n` frames (one buffer per channel), at most MX_DSP_MAX_BLOCK.
void
mx_measure_add(MxMeasure* measure, const float* const* ch, uint32_t n);

/// The report of everything fed.
void
mx_measure_report(MxMeasure* measure, MxReport* out);

/**
   Print the loudness table: one column, or "before" and "after" columns
   when `after` is not NULL.  Rows are "  LABEL UNIT VALUE [VALUE]".
*/
void
mx_report_print(const MxReport* before, const MxReport* after);

/**
   Run `mixd loudness FILE...`: print the report of each file.

   @return 0, 1 if a file cannot be read, 2 on a usage error.
*/
int
mx_report_main(int argc, char** argv);

#endif // MX_DAEMON_REPORT_H
