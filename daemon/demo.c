// SPDX-License-Identifier: GPL-3.0-or-later

// `mixd demo`: generate eight band tracks and a session that mixes them,
// write both to a directory, and render the session exactly as
// `mixd render` does, printing its loudness and level report.

#include "demo.h"
#include "demo_material.h"
#include "render.h"

#include <sndfile.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
  bool  drums;      ///< Routed to the drum group instead of the master
} DemoTrackMix;

static const DemoTrackMix demo_mix[MX_DEMO_N_INSTRUMENTS] = {
  [MX_DEMO_KICK]   = { 30.0f, 3500.0f, 3.0f, -40.0f, -18.0f, 4.0f, -2.0f, 0.0f, true },
  [MX_DEMO_SNARE]  = { 100.0f, 5000.0f, 3.0f, -35.0f, -20.0f, 3.0f, -4.0f, 0.1f, true },
  [MX_DEMO_HATS]   = { 300.0f, 8000.0f, -2.0f, 0.0f, 0.0f, 1.0f, -8.0f, 0.4f, true },
  [MX_DEMO_BASS]   = { 35.0f, 800.0f, 2.0f, 0.0f, -20.0f, 4.0f, -3.0f, 0.0f, false },
  [MX_DEMO_KEYS]   = { 120.0f, 400.0f, -3.0f, 0.0f, 0.0f, 1.0f, -7.0f, -0.4f, false },
  [MX_DEMO_PAD]    = { 150.0f, 2000.0f, -2.0f, 0.0f, 0.0f, 1.0f, -10.0f, 0.3f, false },
  [MX_DEMO_VOICE]  = { 90.0f, 3000.0f, 3.0f, -45.0f, -16.0f, 3.0f, -7.0f, 0.0f, false },
  [MX_DEMO_GUITAR] = { 150.0f, 2500.0f, 2.0f, 0.0f, 0.0f, 1.0f, -8.0f, -0.25f, false },
};

typedef struct {
  double      seconds; ///< Length of the render
  double      rate;    ///< Sample rate, Hz
  const char* output;  ///< Master file to write, or NULL
  const char* keep;    ///< Directory to keep the tracks and session in, or NULL
} DemoOptions;

static void
print_usage(FILE* const out)
{
  fprintf(out,
          "Usage: mixd demo [-o FILE] [-s SECONDS] [-r RATE] [-k DIR]\n"
          "Generate an 8-track band and a session for it, render the session as\n"
          "`mixd render` does, and print the loudness and levels.\n"
          "\n"
          "  -o, --output FILE    also write the master to FILE (.wav or .flac)\n"
          "  -s, --seconds N      length, 1 to %.0f seconds (default %.0f)\n"
          "  -r, --rate HZ        sample rate, 8000 to 192000 Hz (default %.0f)\n"
          "  -k, --keep DIR       keep the tracks and demo.session in DIR\n"
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
  static const struct option long_options[] = {
    { "output", required_argument, NULL, 'o' }, { "seconds", required_argument, NULL, 's' },
    { "rate", required_argument, NULL, 'r' },   { "keep", required_argument, NULL, 'k' },
    { "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 }
  };

  opts->seconds = DEMO_DEFAULT_SECONDS;
  opts->rate    = DEMO_DEFAULT_RATE;
  opts->output  = NULL;
  opts->keep    = NULL;

  int opt = 0;
  optind  = 1;
  while ((opt = getopt_long(argc, argv, "o:s:r:k:h", long_options, NULL)) != -1) {
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
      case 'k':
        opts->keep = optarg;
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

static int
write_track(const char* const path, const MxDemoInstrument t, const DemoOptions* const opts)
{
  const size_t frames = (size_t)(opts->seconds * opts->rate);
  float* const track  = (float*)malloc(frames * sizeof(float));
  if (!track || mx_demo_render(t, track, frames, opts->rate)) {
    fprintf(stderr, "mixd demo: %s\n", track ? "cannot generate the material" : "out of memory");
    free(track);
    return -1;
  }

  SF_INFO info          = { 0 };
  info.samplerate       = (int)opts->rate;
  info.channels         = 1;
  info.format           = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* const file   = sf_open(path, SFM_WRITE, &info);
  int            status = file ? 0 : -1;
  if (file) {
    sf_command(file, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
    status = sf_writef_float(file, track, (sf_count_t)frames) == (sf_count_t)frames ? 0 : -1;
    status = sf_close(file) ? -1 : status;
  }
  if (status) {
    fprintf(stderr, "mixd demo: %s: %s\n", path, sf_strerror(file));
  }
  free(track);
  return status;
}

static void
line(FILE* const f, const char* const fmt, ...) __attribute__((format(printf, 2, 3)));

static void
line(FILE* const f, const char* const fmt, ...)
{
  va_list args;
  va_start(args, fmt);
  vfprintf(f, fmt, args);
  va_end(args);
  fputc('\n', f);
}

// The demo's mix, in the session language
static int
write_session(const char* const path)
{
  FILE* const f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "mixd demo: %s: %s\n", path, strerror(errno));
    return -1;
  }

  line(f, "# mixd demo session: a generated band, one mono strip per instrument.");
  line(f, "# Drums are grouped (with bus compression); the voice sends to a parallel bus.");
  for (unsigned t = 0U; t < MX_DEMO_N_INSTRUMENTS; ++t) {
    line(f, "/strip/add %s 1", mx_demo_instrument_name((MxDemoInstrument)t));
  }
  line(f, "/bus/add drums group 2");
  line(f, "/bus/add parallel aux 2");
  for (unsigned t = 0U; t < MX_DEMO_N_INSTRUMENTS; ++t) {
    const DemoTrackMix* const mix  = &demo_mix[t];
    const char* const         name = mx_demo_instrument_name((MxDemoInstrument)t);
    fputc('\n', f);
    line(f, "/strip/%s/hpf/on 1", name);
    line(f, "/strip/%s/hpf/freq %g", name, (double)mix->hpf_hz);
    line(f, "/strip/%s/eq/3/freq %g", name, (double)mix->eq_freq_hz);
    line(f, "/strip/%s/eq/3/gain %g", name, (double)mix->eq_gain_db);
    if (mix->gate_db < 0.0f) {
      line(f, "/strip/%s/gate/threshold %g", name, (double)mix->gate_db);
      line(f, "/strip/%s/gate/range -30", name);
      line(f, "/strip/%s/gate/on 1", name);
    }
    if (mix->comp_db < 0.0f) {
      line(f, "/strip/%s/comp/threshold %g", name, (double)mix->comp_db);
      line(f, "/strip/%s/comp/ratio %g", name, (double)mix->comp_ratio);
      line(f, "/strip/%s/comp/on 1", name);
    }
    line(f, "/strip/%s/fader %g", name, (double)mix->fader_db);
    line(f, "/strip/%s/pan %g", name, (double)mix->pan);
    if (mix->drums) {
      line(f, "/strip/%s/route/drums 1", name);
      line(f, "/strip/%s/route/master 0", name);
    }
  }

  fputc('\n', f);
  line(f, "# The voice, squashed on a parallel bus under the dry one");
  line(f, "/strip/voice/send/parallel/level -10");
  line(f, "/strip/voice/send/parallel/tap pre_fader");
  line(f, "/bus/parallel/comp/threshold -30");
  line(f, "/bus/parallel/comp/ratio 8");
  line(f, "/bus/parallel/comp/on 1");
  line(f, "/bus/parallel/fader -6");
  line(f, "/bus/parallel/route/master 1");
  line(f, "/bus/drums/comp/threshold -16");
  line(f, "/bus/drums/comp/ratio 2");
  line(f, "/bus/drums/comp/on 1");
  fputc('\n', f);
  line(f, "# Master: glue compression, a touch of width, true-peak limiter at -1 dBTP");
  line(f, "/master/comp/threshold -14");
  line(f, "/master/comp/ratio 2");
  line(f, "/master/comp/attack 30");
  line(f, "/master/comp/release 200");
  line(f, "/master/comp/makeup 5");
  line(f, "/master/comp/on 1");
  line(f, "/master/width 1.1");
  line(f, "/master/limiter/ceiling -1");
  line(f, "/master/limiter/on 1");

  const bool failed = ferror(f) != 0;
  if (fclose(f) || failed) {
    fprintf(stderr, "mixd demo: %s: write failed\n", path);
    return -1;
  }
  return 0;
}

// Remove what a temporary demo directory holds, and the directory
static void
remove_demo_dir(const char* const dir)
{
  char path[4096];
  for (unsigned t = 0U; t < MX_DEMO_N_INSTRUMENTS; ++t) {
    snprintf(path, sizeof(path), "%s/%s.wav", dir, mx_demo_instrument_name((MxDemoInstrument)t));
    unlink(path);
  }
  snprintf(path, sizeof(path), "%s/demo.session", dir);
  unlink(path);
  rmdir(dir);
}

int
mx_demo_main(int argc, char** argv)
{
  DemoOptions opts;
  const int   parsed = parse_options(argc, argv, &opts);
  if (parsed) {
    return parsed == 1 ? 0 : 2;
  }

  char              temp[] = "/tmp/mixd-demo.XXXXXX";
  const char* const dir    = opts.keep ? opts.keep : mkdtemp(temp);
  if (!dir || (opts.keep && mkdir(dir, 0777) && errno != EEXIST)) {
    fprintf(stderr, "mixd demo: %s: %s\n", opts.keep ? opts.keep : "/tmp", strerror(errno));
    return 1;
  }

  // The tracks and the session, then a render of them as `mixd render` does
  static char            paths[MX_DEMO_N_INSTRUMENTS][4096];
  static char            session[4096];
  static MxRenderOptions render;
  int                    status = 0;
  memset(&render, 0, sizeof(render));
  snprintf(session, sizeof(session), "%s/demo.session", dir);
  for (unsigned t = 0U; !status && t < MX_DEMO_N_INSTRUMENTS; ++t) {
    const char* const name = mx_demo_instrument_name((MxDemoInstrument)t);
    snprintf(paths[t], sizeof(paths[t]), "%s/%s.wav", dir, name);
    render.inputs[t].strip = name;
    render.inputs[t].path  = paths[t];
    status                 = write_track(paths[t], (MxDemoInstrument)t, &opts);
  }
  status = status ? status : write_session(session);

  if (!status) {
    static char master[4096];
    snprintf(master, sizeof(master), "%s/master.wav", dir);
    render.session  = session;
    render.n_inputs = MX_DEMO_N_INSTRUMENTS;
    render.output   = opts.output ? opts.output : master;
    render.block    = MX_RENDER_DEFAULT_BLOCK;
    render.progress = false;
    if (opts.keep) {
      printf("mixd demo: the tracks and %s are in %s; render them again with\n"
             "  mixd render %s -i kick=%s/kick.wav ... -o master.wav\n\n",
             "demo.session",
             dir,
             session,
             dir);
    }
    status = mx_render_run(&render, "mixd demo");
    if (!opts.output) {
      unlink(master);
    }
  } else {
    status = 1;
  }

  if (!opts.keep) {
    remove_demo_dir(dir);
  }
  return status;
}
