// SPDX-License-Identifier: GPL-3.0-or-later

#include "report.h"

#include <sndfile.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

MxStatus
mx_measure_init(MxMeasure* const measure, const unsigned channels, const double rate)
{
  measure->meter          = mx_loudness_new(channels, rate);
  measure->max_momentary  = -INFINITY;
  measure->max_short_term = -INFINITY;
  return measure->meter ? MX_SUCCESS : MX_ERR_NO_MEMORY;
}

void
mx_measure_free(MxMeasure* const measure)
{
  mx_loudness_free(measure->meter);
  measure->meter = NULL;
}

void
mx_measure_add(MxMeasure* const measure, const float* const* const ch, const uint32_t n)
{
  MxLoudnessReading now;
  mx_loudness_process(measure->meter, ch, n);
  mx_loudness_read(measure->meter, &now);
  measure->max_momentary  = fmaxf(measure->max_momentary, now.momentary_lufs);
  measure->max_short_term = fmaxf(measure->max_short_term, now.short_term_lufs);
}

void
mx_measure_report(MxMeasure* const measure, MxReport* const out)
{
  MxLoudnessReading loud;
  mx_loudness_read(measure->meter, &loud);
  out->integrated_lufs  = loud.integrated_lufs;
  out->range_lu         = loud.range_lu;
  out->max_momentary    = measure->max_momentary;
  out->max_short_term   = measure->max_short_term;
  out->true_peak_dbtp   = loud.true_peak_dbtp;
  out->sample_peak_dbfs = loud.sample_peak_dbfs;
}

static void
print_row(const char* const label, const char* const unit, const float a, const float* const b)
{
  printf("  %-16s %-5s %8.1f", label, unit, (double)a);
  if (b) {
    printf(" %8.1f", (double)*b);
  }
  printf("\n");
}

void
mx_report_print(const MxReport* const first, const MxReport* const last)
{
  if (last) {
    printf("%-24s %8s %8s\n", "loudness (EBU R 128)", "before", "after");
  } else {
    printf("loudness (EBU R 128)\n");
  }
  print_row("integrated", "LUFS", first->integrated_lufs, last ? &last->integrated_lufs : NULL);
  print_row("loudness range", "LU", first->range_lu, last ? &last->range_lu : NULL);
  print_row("max momentary", "LUFS", first->max_momentary, last ? &last->max_momentary : NULL);
  print_row("max short-term", "LUFS", first->max_short_term, last ? &last->max_short_term : NULL);
  print_row("true peak", "dBTP", first->true_peak_dbtp, last ? &last->true_peak_dbtp : NULL);
  print_row("sample peak", "dBFS", first->sample_peak_dbfs, last ? &last->sample_peak_dbfs : NULL);
}

// Measure one file; print its report
static int
report_file(const char* const path)
{
  enum { BLOCK = 4096 };
  SF_INFO        info = { 0 };
  SNDFILE* const file = sf_open(path, SFM_READ, &info);
  if (!file) {
    fprintf(stderr, "mixd loudness: %s: %s\n", path, sf_strerror(NULL));
    return 1;
  }

  const unsigned nch         = (unsigned)info.channels;
  float* const   interleaved = (float*)malloc((size_t)BLOCK * nch * sizeof(float));
  float*         ch[MX_LOUDNESS_MAX_CHANNELS];
  MxMeasure      measure;
  int            status = !interleaved || nch > MX_LOUDNESS_MAX_CHANNELS ||
                   mx_measure_init(&measure, nch, (double)info.samplerate)
                            ? 1
                            : 0;
  for (unsigned c = 0U; c < nch && c < MX_LOUDNESS_MAX_CHANNELS; ++c) {
    ch[c]  = (float*)malloc(BLOCK * sizeof(float));
    status = ch[c] ? status : 1;
  }
  if (status) {
    fprintf(stderr,
            "mixd loudness: %s: %d channels at %d Hz cannot be measured\n",
            path,
            info.channels,
            info.samplerate);
  }

  sf_count_t n = 0;
  while (!status && (n = sf_readf_float(file, interleaved, BLOCK)) > 0) {
    for (unsigned c = 0U; c < nch; ++c) {
      for (sf_count_t i = 0; i < n; ++i) {
        ch[c][i] = interleaved[(size_t)i * nch + c];
      }
    }
    mx_measure_add(&measure, (const float* const*)ch, (uint32_t)n);
  }
  if (!status) {
    MxReport report;
    mx_measure_report(&measure, &report);
    printf("mixd loudness: %s: %d channel%s, %.1f s at %d Hz\n",
           path,
           info.channels,
           info.channels == 1 ? "" : "s",
           (double)info.frames / (double)info.samplerate,
           info.samplerate);
    mx_report_print(&report, NULL);
    mx_measure_free(&measure);
  }
  for (unsigned c = 0U; c < nch && c < MX_LOUDNESS_MAX_CHANNELS; ++c) {
    free(ch[c]);
  }
  free(interleaved);
  sf_close(file);
  return status;
}

int
mx_report_main(int argc, char** argv)
{
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    fprintf(argc < 2 ? stderr : stdout,
            "Usage: mixd loudness FILE...\n"
            "Print the EBU R 128 loudness report of each sound file.\n");
    return argc < 2 ? 2 : 0;
  }
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    status = report_file(argv[i]) || status;
  }
  return status;
}
