// SPDX-License-Identifier: GPL-3.0-or-later

// `mixd demo`: eight generated tracks through channel strips, summed on a
// master bus with a compressor, width and a true-peak limiter; prints the
// meters and loudness, and optionally writes the master to a WAV file.

#include "demo.h"
#include "demo_material.h"

#include "compressor.h"
#include "denormal.h"
#include "limiter.h"
#include "loudness.h"
#include "pan.h"
#include "strip.h"

#include <sndfile.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { DEMO_BLOCK = 256 };

#define DEMO_MAX_SECONDS 120.0
#define DEMO_DEFAULT_SECONDS 20.0
#define DEMO_DEFAULT_RATE 48000.0

/// A track's mix: what an engineer would dial in for this instrument
typedef struct {
  float hpf_hz;     ///< High-pass corner, Hz
  float eq_freq_hz; ///< Band 3 (peak) centre, Hz
  float eq_gain_db; ///< Band 3 gain, dB
  float gate_db;    ///< Gate threshold, dBFS, or 0 for no gate
  float comp_db;    ///< Compressor threshold, dBFS, or 0 for none
  float comp_ratio; ///< Compressor ratio
  float fader_db;   ///< Fader, dB
  float pan;        ///< Pan position, -1 to 1
} DemoTrackMix;

static const DemoTrackMix demo_mix[MX_DEMO_N_INSTRUMENTS] = {
  [MX_DEMO_KICK]   = { 30.0f, 3500.0f, 3.0f, -40.0f, -18.0f, 4.0f, -2.0f, 0.0f },
  [MX_DEMO_SNARE]  = { 100.0f, 5000.0f, 3.0f, -35.0f, -20.0f, 3.0f, -4.0f, 0.1f },
  [MX_DEMO_HATS]   = { 300.0f, 8000.0f, -2.0f, 0.0f, 0.0f, 1.0f, -8.0f, 0.4f },
  [MX_DEMO_BASS]   = { 35.0f, 800.0f, 2.0f, 0.0f, -20.0f, 4.0f, -3.0f, 0.0f },
  [MX_DEMO_KEYS]   = { 120.0f, 400.0f, -3.0f, 0.0f, 0.0f, 1.0f, -7.0f, -0.4f },
  [MX_DEMO_PAD]    = { 150.0f, 2000.0f, -2.0f, 0.0f, 0.0f, 1.0f, -10.0f, 0.3f },
  [MX_DEMO_VOICE]  = { 90.0f, 3000.0f, 3.0f, -45.0f, -16.0f, 3.0f, -7.0f, 0.0f },
  [MX_DEMO_GUITAR] = { 150.0f, 2500.0f, 2.0f, 0.0f, 0.0f, 1.0f, -8.0f, -0.25f },
};

typedef struct {
  double      seconds; ///< Length of the render
  double      rate;    ///< Sample rate, Hz
  const char* output;  ///< WAV file to write, or NULL
} DemoOptions;

/// Largest meter values over the whole render, per track
typedef struct {
  float peak;       ///< Sample peak, linear
  float rms_max;    ///< Largest RMS over the meter window, linear
  float gate_gr_db; ///< Largest gate reduction, dB
  float comp_gr_db; ///< Largest compressor reduction, dB
} DemoTrackStats;

/// Everything the render uses, built up front
typedef struct {
  MxStrip*      strips[MX_DEMO_N_INSTRUMENTS];
  float*        tracks[MX_DEMO_N_INSTRUMENTS]; ///< Generated material, whole length
  MxCompressor* bus_comp;                      ///< Master compressor
  MxWidth       width;                         ///< Master stereo width
  MxLimiter*    limiter;                       ///< Master true-peak limiter
  MxLoudness*   loudness;                      ///< Master loudness (EBU R128)
  float*        master;                        ///< Interleaved stereo master, whole length
  size_t        frames;                        ///< Length, frames
} Demo;

static void
print_usage(FILE* const out)
{
  fprintf(out,
          "Usage: mixd demo [-o FILE] [-s SECONDS] [-r RATE]\n"
          "Render a generated 8-track band through the processors; print levels\n"
          "and loudness.\n"
          "\n"
          "  -o, --output FILE    also write the master to FILE (32-bit float WAV)\n"
          "  -s, --seconds N      length, 1 to %.0f seconds (default %.0f)\n"
          "  -r, --rate HZ        sample rate, 8000 to 192000 Hz (default %.0f)\n"
          "  -h, --help           print this help and exit\n",
          DEMO_MAX_SECONDS,
          DEMO_DEFAULT_SECONDS,
          DEMO_DEFAULT_RATE);
}

// Parse a number in [lo, hi] from an option argument
static int
parse_number(const char* const name,
             const char* const text,
             const double      lo,
             const double      hi,
             double* const     out)
{
  char*        end   = NULL;
  const double value = strtod(text, &end);
  if (end == text || *end != '\0' || !isfinite(value) || value < lo || value > hi) {
    fprintf(stderr, "mixd demo: %s must be a number from %g to %g, not '%s'\n", name, lo, hi, text);
    return -1;
  }
  *out = value;
  return 0;
}

// Return 0 to run, 1 to exit successfully (help), 2 on a usage error
static int
parse_options(int argc, char** argv, DemoOptions* const opts)
{
  static const struct option long_options[] = { { "output", required_argument, NULL, 'o' },
                                                { "seconds", required_argument, NULL, 's' },
                                                { "rate", required_argument, NULL, 'r' },
                                                { "help", no_argument, NULL, 'h' },
                                                { NULL, 0, NULL, 0 } };

  opts->seconds = DEMO_DEFAULT_SECONDS;
  opts->rate    = DEMO_DEFAULT_RATE;
  opts->output  = NULL;

  int opt = 0;
  optind  = 1;
  while ((opt = getopt_long(argc, argv, "o:s:r:h", long_options, NULL)) != -1) {
    switch (opt) {
      case 'o':
        opts->output = optarg;
        break;
      case 's':
        if (parse_number("--seconds", optarg, 1.0, DEMO_MAX_SECONDS, &opts->seconds)) {
          return 2;
        }
        break;
      case 'r':
        if (parse_number("--rate", optarg, 8000.0, 192000.0, &opts->rate)) {
          return 2;
        }
        break;
      case 'h':
        print_usage(stdout);
        return 1;
      default:
        print_usage(stderr);
        return 2;
    }
  }

  if (optind < argc) {
    fprintf(stderr, "mixd demo: unexpected argument '%s'\n", argv[optind]);
    return 2;
  }
  return 0;
}

static void
demo_free(Demo* const demo)
{
  for (unsigned t = 0U; t < MX_DEMO_N_INSTRUMENTS; ++t) {
    mx_strip_free(demo->strips[t]);
    free(demo->tracks[t]);
  }
  mx_compressor_free(demo->bus_comp);
  mx_limiter_free(demo->limiter);
  mx_loudness_free(demo->loudness);
  free(demo->master);
}

// Dial in one track's strip from its mix settings
static MxStatus
configure_strip(MxStrip* const strip, const DemoTrackMix* const mix)
{
  MxStatus            st   = MX_SUCCESS;
  MxStripEq* const    eq   = mx_strip_eq(strip);
  MxGate* const       gate = mx_strip_gate(strip);
  MxCompressor* const comp = mx_strip_compressor(strip);

  mx_strip_eq_set_hpf_enabled(eq, true);
  TRY(st, mx_strip_eq_set_hpf_freq_hz(eq, mix->hpf_hz));
  TRY(st, mx_strip_eq_set_band_freq_hz(eq, 2U, mix->eq_freq_hz));
  TRY(st, mx_strip_eq_set_band_gain_db(eq, 2U, mix->eq_gain_db));

  if (mix->gate_db < 0.0f) {
    TRY(st, mx_gate_set_threshold_db(gate, mix->gate_db));
    TRY(st, mx_gate_set_range_db(gate, -30.0f));
    mx_gate_set_enabled(gate, true);
  }

  if (mix->comp_db < 0.0f) {
    TRY(st, mx_compressor_set_threshold_db(comp, mix->comp_db));
    TRY(st, mx_compressor_set_ratio(comp, mix->comp_ratio));
    mx_compressor_set_enabled(comp, true);
  }

  TRY(st, mx_strip_set_fader_db(strip, mix->fader_db));
  TRY(st, mx_pan_set_position(mx_strip_pan(strip), mix->pan));
  mx_strip_reset(strip);
  return st;
}

static MxStatus
configure_master(Demo* const demo)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_compressor_set_threshold_db(demo->bus_comp, -14.0f));
  TRY(st, mx_compressor_set_ratio(demo->bus_comp, 2.0f));
  TRY(st, mx_compressor_set_attack_ms(demo->bus_comp, 30.0f));
  TRY(st, mx_compressor_set_release_ms(demo->bus_comp, 200.0f));
  TRY(st, mx_compressor_set_makeup_db(demo->bus_comp, 5.0f));
  mx_compressor_set_enabled(demo->bus_comp, true);
  TRY(st, mx_width_set_amount(&demo->width, 1.1f));
  mx_width_reset(&demo->width);
  TRY(st, mx_limiter_set_ceiling_db(demo->limiter, -1.0f));
  mx_limiter_set_enabled(demo->limiter, true);
  return st;
}

static int
demo_build(Demo* const demo, const DemoOptions* const opts)
{
  demo->frames   = (size_t)(opts->seconds * opts->rate);
  demo->master   = (float*)calloc(demo->frames * 2U, sizeof(float));
  demo->bus_comp = mx_compressor_new(opts->rate);
  demo->limiter  = mx_limiter_new(2U, opts->rate, MX_LIMITER_DEFAULT_LOOKAHEAD_MS);
  demo->loudness = mx_loudness_new(2U, opts->rate);
  mx_width_init(&demo->width, opts->rate);
  if (!demo->master || !demo->bus_comp || !demo->limiter || !demo->loudness) {
    fprintf(stderr, "mixd demo: out of memory\n");
    return -1;
  }

  for (unsigned t = 0U; t < MX_DEMO_N_INSTRUMENTS; ++t) {
    demo->strips[t] = mx_strip_new(1U, opts->rate);
    demo->tracks[t] = (float*)malloc(demo->frames * sizeof(float));
    if (!demo->strips[t] || !demo->tracks[t]) {
      fprintf(stderr, "mixd demo: out of memory\n");
      return -1;
    }
    mx_demo_render((MxDemoInstrument)t, demo->tracks[t], demo->frames, opts->rate);

    const MxStatus st = configure_strip(demo->strips[t], &demo_mix[t]);
    if (st) {
      fprintf(stderr,
              "mixd demo: track %s: %s\n",
              mx_demo_instrument_name((MxDemoInstrument)t),
              mx_strerror(st));
      return -1;
    }
  }

  const MxStatus st = configure_master(demo);
  if (st) {
    fprintf(stderr, "mixd demo: master: %s\n", mx_strerror(st));
    return -1;
  }
  return 0;
}

static void
keep_max(float* const acc, const float value)
{
  if (value > *acc) {
    *acc = value;
  }
}

// Return `n` samples of a track from `pos`, padded with silence past its end
static const float*
track_block(const float* const track,
            const size_t       frames,
            const size_t       pos,
            const uint32_t     n,
            float* const       pad)
{
  if (pos + n <= frames) {
    return track + pos;
  }

  const size_t avail = pos < frames ? frames - pos : 0U;
  memset(pad, 0, n * sizeof(float));
  if (avail) {
    memcpy(pad, track + pos, avail * sizeof(float));
  }
  return pad;
}

// Run the whole length through the strips and the master chain.  The
// limiter's latency is compensated so the master lines up with the tracks.
static void
demo_run(Demo* const              demo,
         DemoTrackStats* const    stats,
         MxLoudnessReading* const loud,
         float* const             limiter_gr_db)
{
  static float sum_l[DEMO_BLOCK];
  static float sum_r[DEMO_BLOCK];
  static float strip_l[DEMO_BLOCK];
  static float strip_r[DEMO_BLOCK];
  static float pad[DEMO_BLOCK];
  float* const bus[2] = { sum_l, sum_r };

  const size_t latency = mx_limiter_get_latency(demo->limiter);
  const size_t total   = demo->frames + latency;
  float        max_m   = -INFINITY;
  float        max_s   = -INFINITY;

  for (size_t pos = 0U; pos < total; pos += DEMO_BLOCK) {
    const uint32_t n = (uint32_t)(total - pos < DEMO_BLOCK ? total - pos : DEMO_BLOCK);
    memset(sum_l, 0, sizeof(sum_l));
    memset(sum_r, 0, sizeof(sum_r));

    for (unsigned t = 0U; t < MX_DEMO_N_INSTRUMENTS; ++t) {
      const float* in = track_block(demo->tracks[t], demo->frames, pos, n, pad);
      mx_strip_process(demo->strips[t], &in, strip_l, strip_r, n);
      for (uint32_t i = 0U; i < n; ++i) {
        sum_l[i] += strip_l[i];
        sum_r[i] += strip_r[i];
      }

      MxStripMeters m;
      mx_strip_read_meters(demo->strips[t], &m);
      keep_max(&stats[t].peak, m.post_peak[0].peak);
      keep_max(&stats[t].rms_max, m.post_rms[0].rms_max);
      keep_max(&stats[t].gate_gr_db, m.gate_reduction_db);
      keep_max(&stats[t].comp_gr_db, m.comp_reduction_db);
    }

    mx_compressor_process(demo->bus_comp, bus, 2U, NULL, n);
    mx_width_process(&demo->width, sum_l, sum_r, n);
    mx_limiter_process(demo->limiter, bus, n);
    keep_max(limiter_gr_db, mx_limiter_read_reset_max_reduction_db(demo->limiter));

    // Drop the limiter's first `latency` samples: they precede the music
    const size_t skip = pos < latency ? latency - pos : 0U;
    if (skip >= n) {
      continue;
    }
    const float* const meter_in[2] = { sum_l + skip, sum_r + skip };
    mx_loudness_process(demo->loudness, meter_in, n - (uint32_t)skip);
    mx_loudness_read(demo->loudness, loud);
    keep_max(&max_m, loud->momentary_lufs);
    keep_max(&max_s, loud->short_term_lufs);

    float* const out = demo->master + 2U * (pos + skip - latency);
    for (uint32_t i = (uint32_t)skip; i < n; ++i) {
      out[2U * (i - skip)]      = sum_l[i];
      out[2U * (i - skip) + 1U] = sum_r[i];
    }
  }

  loud->momentary_lufs  = max_m;
  loud->short_term_lufs = max_s;
}

// Write the master to a temporary file beside `path`, then rename it, so a
// failure never leaves a partial file under the name asked for
static int
write_wav(const char* const path, const float* const master, const size_t frames, const double rate)
{
  const size_t len = strlen(path) + 16U;
  char* const  tmp = (char*)malloc(len);
  if (!tmp) {
    fprintf(stderr, "mixd demo: out of memory\n");
    return -1;
  }
  snprintf(tmp, len, "%s.tmp%ld", path, (long)getpid());

  SF_INFO info    = { 0 };
  info.samplerate = (int)rate;
  info.channels   = 2;
  info.format     = SF_FORMAT_WAV | SF_FORMAT_FLOAT;

  SNDFILE* const file = sf_open(tmp, SFM_WRITE, &info);
  if (!file) {
    fprintf(stderr, "mixd demo: %s: %s\n", path, sf_strerror(NULL));
    free(tmp);
    return -1;
  }

  // No PEAK chunk: it carries a timestamp, and renders must be bit-identical
  sf_command(file, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);

  const sf_count_t written = sf_writef_float(file, master, (sf_count_t)frames);
  const int        closed  = sf_close(file);
  if (written != (sf_count_t)frames || closed != 0 || rename(tmp, path) != 0) {
    fprintf(stderr,
            "mixd demo: %s: write failed: %s\n",
            path,
            written != (sf_count_t)frames ? "short write" : strerror(errno));
    unlink(tmp);
    free(tmp);
    return -1;
  }

  free(tmp);
  return 0;
}

static float
to_db(const float linear)
{
  return linear > 0.0f ? 20.0f * log10f(linear) : -INFINITY;
}

static void
print_report(const DemoOptions* const       opts,
             const DemoTrackStats* const    stats,
             const MxLoudnessReading* const loud,
             const float                    limiter_gr_db)
{
  printf("mixd demo: %d tracks, %.1f s at %.0f Hz\n\n",
         MX_DEMO_N_INSTRUMENTS,
         opts->seconds,
         opts->rate);
  printf("%-8s %10s %10s %9s %9s\n", "track", "peak dBFS", "RMS max", "gate GR", "comp GR");
  for (unsigned t = 0U; t < MX_DEMO_N_INSTRUMENTS; ++t) {
    printf("%-8s %10.1f %10.1f %9.1f %9.1f\n",
           mx_demo_instrument_name((MxDemoInstrument)t),
           (double)to_db(stats[t].peak),
           (double)to_db(stats[t].rms_max),
           (double)stats[t].gate_gr_db,
           (double)stats[t].comp_gr_db);
  }

  printf("\nmaster\n");
  printf("  sample peak        %7.1f dBFS\n", (double)loud->sample_peak_dbfs);
  printf("  true peak          %7.1f dBTP\n", (double)loud->true_peak_dbtp);
  printf("  integrated         %7.1f LUFS\n", (double)loud->integrated_lufs);
  printf("  loudness range     %7.1f LU\n", (double)loud->range_lu);
  printf("  max momentary      %7.1f LUFS\n", (double)loud->momentary_lufs);
  printf("  max short-term     %7.1f LUFS\n", (double)loud->short_term_lufs);
  printf("  limiter reduction  %7.1f dB (max)\n", (double)limiter_gr_db);
}

int
mx_demo_main(int argc, char** argv)
{
  DemoOptions opts;
  const int   parsed = parse_options(argc, argv, &opts);
  if (parsed) {
    return parsed == 1 ? 0 : 2;
  }

  // Flush denormals as the live process thread will, so output matches
  mx_denormal_disable(NULL);

  Demo demo;
  memset(&demo, 0, sizeof(demo));
  if (demo_build(&demo, &opts)) {
    demo_free(&demo);
    return 1;
  }

  DemoTrackStats    stats[MX_DEMO_N_INSTRUMENTS];
  MxLoudnessReading loud;
  float             limiter_gr_db = 0.0f;
  memset(stats, 0, sizeof(stats));
  demo_run(&demo, stats, &loud, &limiter_gr_db);
  print_report(&opts, stats, &loud, limiter_gr_db);

  int status = 0;
  if (opts.output) {
    if (write_wav(opts.output, demo.master, demo.frames, opts.rate)) {
      status = 1;
    } else {
      printf("\nwrote %s\n", opts.output);
    }
  }

  demo_free(&demo);
  return status;
}
