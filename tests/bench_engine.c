// SPDX-License-Identifier: GPL-3.0-or-later

// Benchmark of the mixing engine (`make bench`, never part of `make check`:
// speed is measured, not asserted).  A whole mix of "full" mono strips
// (high pass, 4 EQ bands, gate, compressor, fader, pan and 8 post-fader
// aux sends each), 8 stereo aux buses, 8 stereo group buses (EQ and
// compressor) and the master (EQ, compressor, width, true-peak limiter)
// runs through mx_engine_process() for 8, 64 and 256 strips at block sizes
// 64 and 256.  Prints nanoseconds per strip-sample and the share of one
// core the mix needs at 48 kHz, the best of several runs (the least
// disturbed by the rest of the machine).  mx_engine_flush() runs after
// every period, as a host's main thread would run it, timed apart from
// mx_engine_process() (the audio thread's load).
//
// Then `mixd render` (mx_render_run()) renders a 64-track session of the
// same mix from float WAV files in a temporary directory, and its realtime
// factor is printed.
//
// `bench_engine STRIPS BLOCK` times one configuration only (for perf or
// callgrind) and skips the render.

#include "render.h"

#include "biquad.h"
#include "engine.h"
#include "model.h"
#include "params.h"
#include "testutil.h"

#include <sndfile.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
  RATE            = 48000,
  SECONDS         = 4,    // Audio per timed run
  RUNS            = 5,    // Runs per configuration, the best is kept
  MAX_BENCH_BLOCK = 1024, // Longest block `bench_engine STRIPS BLOCK` accepts
  SOURCES         = 8,    // Distinct input signals
  SOURCE_LEN      = RATE * SECONDS,
  AUX             = 8, // Aux buses (bus positions 0 to 7), one send each per strip
  GROUPS          = 8, // Group buses (bus positions 8 to 15)
  RENDER_TRACKS   = 64,
  RENDER_SECONDS  = 20,
  RENDER_RUNS     = 3,
};

/// The share of one core the issue asks 256 strips + 16 buses + master to stay within, %
#define TARGET_CORE_PERCENT 15.0

// Inputs: loud, steady band-limited noise (as bench_dsp's), so that the
// gates open and the compressors work; each buffer is followed by a copy
// of its first MAX_BENCH_BLOCK samples, so a block can start anywhere
static float source[SOURCES][SOURCE_LEN + MAX_BENCH_BLOCK];
static float master_out[2][MAX_BENCH_BLOCK];

static double
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

// White noise through a low pass at 8 kHz
static void
make_noise(float* const out, const size_t n, const uint32_t seed)
{
  MxBiquadCoeffs lp;
  MxBiquadState  st = { 0.0, 0.0 };
  mxt_noise(out, n, 1.0, seed);
  mx_biquad_design(&lp, MX_BIQUAD_LOW_PASS, 8000.0, 0.7071, 0.0, RATE);
  for (size_t i = 0U; i < n; i += MAX_BENCH_BLOCK) {
    const size_t m = n - i < MAX_BENCH_BLOCK ? n - i : MAX_BENCH_BLOCK;
    mx_biquad_process(&lp, &st, &out[i], (uint32_t)m);
  }
}

// ---------------------------------------------------------------------------
// The mix, as one list of settings: applied to an engine, or written as a session

/// One control of one node
typedef struct {
  MxNode   node;  ///< Strip, bus or master, by position
  MxParam  param; ///< Control
  uint32_t sub;   ///< EQ band, or bus position
  float    value; ///< Value, in the control's unit
} Setting;

/// A list of settings
typedef struct {
  Setting* items; ///< The settings, in order
  size_t   n;     ///< Entries used
  size_t   cap;   ///< Entries allocated
} Settings;

static void
put(Settings* const  s,
    const MxNodeKind kind,
    const uint32_t   index,
    const MxParam    param,
    const uint32_t   sub,
    const float      value)
{
  if (s->n < s->cap) {
    const Setting setting = { { kind, index }, param, sub, value };
    s->items[s->n++]      = setting;
  }
}

static void
put_eq(Settings* const s, const MxNodeKind kind, const uint32_t index, const float gain_db)
{
  for (uint32_t band = 0U; band < MX_PARAM_EQ_BANDS; ++band) {
    put(s, kind, index, MX_P_EQ_BAND_GAIN, band, band % 2U ? -gain_db : gain_db);
  }
}

/**
   Build the settings of a mix of `strips` full strips (named t1, t2...),
   the buses aux1..aux8 and grp1..grp8, and the master.  Even strips go to
   the master, odd ones to a group bus.  Free `items` with free().
   @return False if memory ran out.
*/
static bool
mix_settings(const uint32_t strips, Settings* const out)
{
  out->n     = 0U;
  out->cap   = (size_t)strips * 32U + (AUX + GROUPS + 1U) * 16U;
  out->items = (Setting*)calloc(out->cap, sizeof(Setting));
  if (!out->items) {
    return false;
  }

  for (uint32_t s = 0U; s < strips; ++s) {
    put(out, MX_NODE_STRIP, s, MX_P_HPF_ON, 0U, 1.0f);
    put(out, MX_NODE_STRIP, s, MX_P_HPF_FREQ, 0U, 80.0f);
    put_eq(out, MX_NODE_STRIP, s, 4.0f);
    put(out, MX_NODE_STRIP, s, MX_P_GATE_ON, 0U, 1.0f);
    put(out, MX_NODE_STRIP, s, MX_P_GATE_THRESHOLD, 0U, -50.0f);
    put(out, MX_NODE_STRIP, s, MX_P_COMP_ON, 0U, 1.0f);
    put(out, MX_NODE_STRIP, s, MX_P_COMP_THRESHOLD, 0U, -24.0f);
    put(out, MX_NODE_STRIP, s, MX_P_FADER, 0U, -12.0f);
    put(out, MX_NODE_STRIP, s, MX_P_PAN, 0U, (float)((int)(s % 9U) - 4) * 0.2f);
    for (uint32_t a = 0U; a < AUX; ++a) {
      put(out, MX_NODE_STRIP, s, MX_P_SEND_LEVEL, a, -10.0f);
      put(out, MX_NODE_STRIP, s, MX_P_SEND_TAP, a, (float)MX_SEND_POST_FADER);
    }
    if (s % 2U) {
      put(out, MX_NODE_STRIP, s, MX_P_ROUTE, AUX + (s / 2U) % GROUPS, 1.0f);
      put(out, MX_NODE_STRIP, s, MX_P_ROUTE_MASTER, 0U, 0.0f);
    }
  }

  // Aux buses (effect returns, without effects here) go to the master
  for (uint32_t a = 0U; a < AUX; ++a) {
    put(out, MX_NODE_BUS, a, MX_P_ROUTE_MASTER, 0U, 1.0f);
    put(out, MX_NODE_BUS, a, MX_P_FADER, 0U, -6.0f);
  }

  // Group buses: EQ and compressor
  for (uint32_t g = AUX; g < AUX + GROUPS; ++g) {
    put_eq(out, MX_NODE_BUS, g, 2.0f);
    put(out, MX_NODE_BUS, g, MX_P_COMP_ON, 0U, 1.0f);
    put(out, MX_NODE_BUS, g, MX_P_COMP_THRESHOLD, 0U, -18.0f);
  }

  // The master chain
  put_eq(out, MX_NODE_MASTER, 0U, 1.5f);
  put(out, MX_NODE_MASTER, 0U, MX_P_COMP_ON, 0U, 1.0f);
  put(out, MX_NODE_MASTER, 0U, MX_P_COMP_THRESHOLD, 0U, -12.0f);
  put(out, MX_NODE_MASTER, 0U, MX_P_WIDTH, 0U, 1.1f);
  put(out, MX_NODE_MASTER, 0U, MX_P_LIMITER_ON, 0U, 1.0f);
  return out->n < out->cap;
}

static void
bus_name(char* const buf, const size_t size, const uint32_t position)
{
  if (position < AUX) {
    snprintf(buf, size, "aux%u", position + 1U);
  } else {
    snprintf(buf, size, "grp%u", position - AUX + 1U);
  }
}

// One setting as a line of the session language: "/strip/t1/eq/2/gain -4"
static void
write_setting(FILE* const f, const Setting* const s)
{
  const MxParamInfo* const info = mx_param_info(s->param);
  char                     node[32];
  char                     sub[32] = "";
  char                     value[32];
  if (s->node.kind == MX_NODE_STRIP) {
    snprintf(node, sizeof(node), "strip/t%u", s->node.index + 1U);
  } else if (s->node.kind == MX_NODE_BUS) {
    char name[16];
    bus_name(name, sizeof(name), s->node.index);
    snprintf(node, sizeof(node), "bus/%s", name);
  } else {
    snprintf(node, sizeof(node), "master");
  }

  if (info->sub == MX_SUB_BAND) {
    snprintf(sub, sizeof(sub), "%u", s->sub + 1U);
  } else if (info->sub == MX_SUB_BUS) {
    bus_name(sub, sizeof(sub), s->sub);
  }

  if (info->type == MX_PARAM_ENUM) {
    snprintf(value, sizeof(value), "%s", mx_param_label(s->param, s->value));
  } else {
    snprintf(value, sizeof(value), "%g", (double)s->value);
  }

  const char* const star = strchr(info->path, '*');
  if (star) {
    fprintf(
      f, "/%s/%.*s%s%s %s\n", node, (int)(star - info->path), info->path, sub, star + 1, value);
  } else {
    fprintf(f, "/%s/%s %s\n", node, info->path, value);
  }
}

static int
write_session(const char* const path, const uint32_t strips, const Settings* const settings)
{
  FILE* const f = fopen(path, "w");
  if (!f) {
    perror(path);
    return -1;
  }
  fprintf(f, "# mixd session written by bench_engine: %u full strips, 16 buses\n", strips);
  for (uint32_t s = 0U; s < strips; ++s) {
    fprintf(f, "/strip/add t%u 1\n", s + 1U);
  }
  for (uint32_t b = 0U; b < AUX + GROUPS; ++b) {
    char name[16];
    bus_name(name, sizeof(name), b);
    fprintf(f, "/bus/add %s %s 2\n", name, b < AUX ? "aux" : "group");
  }
  for (size_t i = 0U; i < settings->n; ++i) {
    write_setting(f, &settings->items[i]);
  }
  return fclose(f) ? -1 : 0;
}

// Send what waits, running periods of silence while the command ring is full
static MxStatus
drain(MxEngine* const engine, const uint32_t block)
{
  MxStatus st = MX_FAILURE;
  for (unsigned i = 0U; i < 10000U && (st = mx_engine_flush(engine)) == MX_FAILURE; ++i) {
    mx_engine_process(engine, NULL, block);
  }
  return st;
}

// An engine holding the mix, settled
static MxEngine*
build_engine(const uint32_t strips, const uint32_t block, const Settings* const settings)
{
  MxEngineConfig config  = mx_engine_config_default();
  config.rate            = RATE;
  config.max_block       = block;
  config.limits.strips   = strips > config.limits.strips ? strips : config.limits.strips;
  MxEngine* const engine = mx_engine_new(&config);
  if (!engine) {
    fprintf(stderr, "bench_engine: out of memory\n");
    return NULL;
  }

  // One transaction: the plan is made once, not after every setting
  MxStatus st = MX_SUCCESS;
  char     name[16];
  mx_engine_begin(engine);
  for (uint32_t s = 0U; !st && s < strips; ++s) {
    snprintf(name, sizeof(name), "t%u", s + 1U);
    st = mx_engine_add_strip(engine, name, 1U, NULL);
  }
  for (uint32_t b = 0U; !st && b < AUX + GROUPS; ++b) {
    bus_name(name, sizeof(name), b);
    st = mx_engine_add_bus(engine, name, b < AUX ? MX_BUS_AUX : MX_BUS_GROUP, 2U, NULL);
  }
  for (size_t i = 0U; !st && i < settings->n; ++i) {
    const Setting* const s = &settings->items[i];
    st                     = mx_engine_set(engine, s->node, s->param, s->sub, s->value);
  }
  const MxStatus committed = mx_engine_commit(engine);
  st                       = st ? st : committed == MX_FAILURE ? MX_SUCCESS : committed;
  st                       = st ? st : drain(engine, block);
  st                       = st ? st : mx_engine_settle(engine);
  st                       = st == MX_FAILURE ? MX_SUCCESS : st;
  st                       = st ? st : drain(engine, block);
  if (st) {
    fprintf(stderr, "bench_engine: building the mix: %s\n", mx_strerror(st));
    mx_engine_free(engine);
    return NULL;
  }
  return engine;
}

// ---------------------------------------------------------------------------
// The engine

/// What one configuration took for SECONDS of audio, best of RUNS
typedef struct {
  double process_ns; ///< In mx_engine_process()
  double flush_ns;   ///< In mx_engine_flush()
  float  gate_db;    ///< Largest gate reduction of strip t1 over the runs, dB
  float  comp_db;    ///< Largest compressor reduction of strip t1, dB
  float  limit_db;   ///< Largest limiter reduction of the master, dB
  float  peak_dbfs;  ///< Master sample peak, dBFS
} Timing;

// Point every strip at its source, each at its own offset
static void
feed(MxEngineInput* const  inputs,
     const uint32_t* const slots,
     const uint32_t        strips,
     const size_t          position)
{
  for (uint32_t s = 0U; s < strips; ++s) {
    const size_t offset    = (position + (size_t)(s / SOURCES) * 4801U) % SOURCE_LEN;
    inputs[slots[s]].ch[0] = &source[s % SOURCES][offset];
  }
}

static int
measure(const uint32_t strips, const uint32_t block, const Settings* const settings, Timing* out)
{
  MxEngine* const engine = build_engine(strips, block, settings);
  if (!engine) {
    return -1;
  }

  const MxModel* const model  = mx_engine_model(engine);
  const MxLimits       limits = mx_model_limits(model);
  MxEngineInput* const inputs = (MxEngineInput*)calloc(limits.strips, sizeof(MxEngineInput));
  uint32_t* const      slots  = (uint32_t*)calloc(strips, sizeof(uint32_t));
  if (!inputs || !slots) {
    fprintf(stderr, "bench_engine: out of memory\n");
    free(slots);
    free(inputs);
    mx_engine_free(engine);
    return -1;
  }
  for (uint32_t s = 0U; s < strips; ++s) {
    const MxNode node = { MX_NODE_STRIP, s };
    slots[s]          = mx_model_slot(model, node);
  }

  MxEngineIo io;
  memset(&io, 0, sizeof(io));
  io.strips       = inputs;
  io.master.ch[0] = master_out[0];
  io.master.ch[1] = master_out[1];

  // Warm up for half a second (caches, envelopes), untimed
  size_t position = 0U;
  for (size_t i = 0U; i < (size_t)RATE / 2U / block; ++i) {
    feed(inputs, slots, strips, position);
    mx_engine_process(engine, &io, block);
    mx_engine_flush(engine);
    position = (position + block) % SOURCE_LEN;
  }
  const MxNode   strip  = { MX_NODE_STRIP, 0U };
  const MxNode   master = { MX_NODE_MASTER, 0U };
  MxEngineMeters meters;
  mx_engine_take_meters(engine, strip, &meters); // Forget the warm-up
  mx_engine_take_meters(engine, master, &meters);

  const size_t periods = (size_t)SOURCE_LEN / block;
  out->process_ns      = 1e300;
  out->flush_ns        = 1e300;
  for (unsigned r = 0U; r < RUNS; ++r) {
    double process = 0.0;
    double flush   = 0.0;
    for (size_t i = 0U; i < periods; ++i) {
      feed(inputs, slots, strips, position);
      const double t0 = now_ns();
      mx_engine_process(engine, &io, block);
      const double t1 = now_ns();
      mx_engine_flush(engine);
      const double t2 = now_ns();
      process += t1 - t0;
      flush += t2 - t1;
      position = (position + block) % SOURCE_LEN;
    }
    out->process_ns = process < out->process_ns ? process : out->process_ns;
    out->flush_ns   = flush < out->flush_ns ? flush : out->flush_ns;
  }

  // Proof that the processors worked: the gate open, the compressor and limiter reducing
  mx_engine_take_meters(engine, strip, &meters);
  out->gate_db = meters.gate_reduction_db;
  out->comp_db = meters.comp_reduction_db;
  mx_engine_take_meters(engine, master, &meters);
  out->limit_db  = meters.limiter_reduction_db;
  out->peak_dbfs = 20.0f * log10f(fmaxf(meters.post_peak[0].peak, meters.post_peak[1].peak));

  // Time per second of audio, as a share of one second
  const double frames = (double)periods * block;
  out->process_ns /= frames / RATE;
  out->flush_ns /= frames / RATE;

  free(slots);
  free(inputs);
  mx_engine_free(engine);
  return 0;
}

// Print one row; return the share of a core mx_engine_process() took, %
static double
print_row(const uint32_t strips, const uint32_t block, const Timing* const t)
{
  const double core = t->process_ns / 1e9 * 100.0;
  printf("%6u %6u %16.2f %14.2f %12.2f\n",
         strips,
         block,
         t->process_ns / ((double)strips * RATE),
         core,
         t->flush_ns / 1e9 * 100.0);
  return core;
}

// ---------------------------------------------------------------------------
// The render

static int
write_wav(const char* const path, const float* const x, const size_t n)
{
  SF_INFO info     = { 0 };
  info.samplerate  = RATE;
  info.channels    = 1;
  info.format      = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* const f = sf_open(path, SFM_WRITE, &info);
  if (!f) {
    fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
    return -1;
  }
  const sf_count_t done = sf_writef_float(f, x, (sf_count_t)n);
  return sf_close(f) || done != (sf_count_t)n ? -1 : 0;
}

// Remove a directory and the files in it
static void
remove_dir(const char* const path)
{
  DIR* const d = opendir(path);
  if (d) {
    const struct dirent* e = NULL;
    char                 name[512];
    while ((e = readdir(d))) {
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
        snprintf(name, sizeof(name), "%s/%s", path, e->d_name);
        unlink(name);
      }
    }
    closedir(d);
  }
  rmdir(path);
}

// Copy a file to `to`: its first line only, or all of it
static void
print_file(const char* const path, FILE* const to, const bool first_line_only)
{
  char        line[512];
  FILE* const f = fopen(path, "r");
  while (f && fgets(line, sizeof(line), f)) {
    fputs(line, to);
    if (first_line_only) {
      break;
    }
  }
  if (f) {
    fclose(f);
  }
}

// Render once with stdout and stderr (the render's report and its own
// timing line) going to `report`; return the time, ns
static double
render_once(const MxRenderOptions* const opts, const char* const report, int* const status)
{
  fflush(stdout);
  fflush(stderr);
  const int saved_out = dup(STDOUT_FILENO);
  const int saved_err = dup(STDERR_FILENO);
  const int fd        = open(report, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (saved_out < 0 || saved_err < 0 || fd < 0) {
    perror(report);
    *status = -1;
    for (unsigned k = 0U; k < 3U; ++k) {
      const int open_fd = k == 0U ? saved_out : k == 1U ? saved_err : fd;
      if (open_fd >= 0) {
        close(open_fd);
      }
    }
    return 0.0;
  }
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  close(fd);

  const double t0 = now_ns();
  *status         = mx_render_run(opts, "mixd render");
  const double t1 = now_ns();

  fflush(stdout);
  fflush(stderr);
  dup2(saved_out, STDOUT_FILENO);
  dup2(saved_err, STDERR_FILENO);
  close(saved_out);
  close(saved_err);
  return t1 - t0;
}

static int
bench_render(void)
{
  static float           track[(size_t)RATE * RENDER_SECONDS];
  static char            paths[RENDER_TRACKS][64];
  static MxRenderOptions opts;
  char                   dir[] = "/tmp/bench_engine.XXXXXX";
  char                   session[64];
  char                   master[64];
  char                   report[64];
  Settings               settings = { NULL, 0U, 0U };
  if (!mkdtemp(dir)) {
    perror("bench_engine: mkdtemp");
    return -1;
  }
  snprintf(session, sizeof(session), "%s/mix.session", dir);
  snprintf(master, sizeof(master), "%s/master.wav", dir);
  snprintf(report, sizeof(report), "%s/report.txt", dir);

  // The session and one file of noise per track
  int status = mix_settings(RENDER_TRACKS, &settings) ? 0 : -1;
  status     = status ? status : write_session(session, RENDER_TRACKS, &settings);
  memset(&opts, 0, sizeof(opts));
  for (unsigned t = 0U; !status && t < RENDER_TRACKS; ++t) {
    snprintf(paths[t], sizeof(paths[t]), "%s/t%u.wav", dir, t + 1U);
    make_noise(track, sizeof(track) / sizeof(track[0]), 101U + t);
    status               = write_wav(paths[t], track, sizeof(track) / sizeof(track[0]));
    opts.inputs[t].strip = NULL; // The next strip in order: t1, t2...
    opts.inputs[t].path  = paths[t];
    opts.n_inputs        = t + 1U;
  }
  opts.session  = session;
  opts.output   = master;
  opts.block    = MX_RENDER_DEFAULT_BLOCK;
  opts.progress = false;

  double best = 1e300;
  for (unsigned r = 0U; !status && r < RENDER_RUNS; ++r) {
    const double t = render_once(&opts, report, &status);
    best           = t < best ? t : best;
  }

  if (!status) {
    // The render's own summary line ("...: 64 strips, 16 buses, 20.0 s at 48000 Hz")
    const double seconds = best / 1e9;
    print_file(report, stdout, true);
    printf("render: %d s of audio in %.2f s = %.1fx real time (%d tracks, block %u, best of %d)\n",
           RENDER_SECONDS,
           seconds,
           RENDER_SECONDS / seconds,
           RENDER_TRACKS,
           MX_RENDER_DEFAULT_BLOCK,
           RENDER_RUNS);
  } else {
    fprintf(stderr, "bench_engine: the render failed:\n");
    print_file(report, stderr, false);
  }

  free(settings.items);
  remove_dir(dir);
  return status;
}

// ---------------------------------------------------------------------------

int
main(int argc, char** argv)
{
  static const uint32_t strip_counts[] = { 8U, 64U, 256U };
  static const uint32_t blocks[]       = { 64U, 256U };

  for (unsigned k = 0U; k < SOURCES; ++k) {
    make_noise(source[k], SOURCE_LEN, 17U + k);
    memcpy(&source[k][SOURCE_LEN], source[k], MAX_BENCH_BLOCK * sizeof(float));
  }

  const bool one = argc == 3;
  if (argc != 1 && !one) {
    fprintf(stderr, "usage: bench_engine [STRIPS BLOCK]\n");
    return 2;
  }
  const uint32_t one_strips = one ? (uint32_t)strtoul(argv[1], NULL, 10) : 0U;
  const uint32_t one_block  = one ? (uint32_t)strtoul(argv[2], NULL, 10) : 0U;
  if (one && (one_strips < 1U || one_strips > MX_LIMIT_MAX_STRIPS || one_block < 1U ||
              one_block > MAX_BENCH_BLOCK)) {
    fprintf(stderr,
            "bench_engine: STRIPS is 1 to %u, BLOCK 1 to %d\n",
            MX_LIMIT_MAX_STRIPS,
            MAX_BENCH_BLOCK);
    return 2;
  }

  printf("engine: N mono full strips (HPF 80 Hz, 4 EQ bands, gate, compressor, fader, pan,\n"
         "8 post-fader aux sends at -10 dB; half to the master, half to group buses),\n"
         "8 stereo aux buses, 8 stereo group buses (EQ, compressor), master (EQ, compressor,\n"
         "width 1.1, true-peak limiter), loudness and monitor.  %d kHz, best of %d runs of %d s;\n"
         "mx_engine_flush() after every period, timed apart (main-thread work)\n",
         RATE / 1000,
         RUNS,
         SECONDS);
  printf("%6s %6s %16s %14s %12s\n",
         "strips",
         "block",
         "ns/strip-sample",
         "core % (mix)",
         "core % flush");

  int    status    = 0;
  double worst_256 = 0.0;
  Timing last;
  memset(&last, 0, sizeof(last));
  for (size_t i = 0U; !status && i < sizeof(strip_counts) / sizeof(strip_counts[0]); ++i) {
    const uint32_t strips = one ? one_strips : strip_counts[i];
    Settings       settings;
    if (!mix_settings(strips, &settings)) {
      fprintf(stderr, "bench_engine: out of memory\n");
      free(settings.items);
      return 1;
    }
    for (size_t j = 0U; !status && j < sizeof(blocks) / sizeof(blocks[0]); ++j) {
      const uint32_t block = one ? one_block : blocks[j];
      Timing         t;
      status = measure(strips, block, &settings, &t);
      if (!status) {
        last              = t;
        const double core = print_row(strips, block, &t);
        worst_256         = strips == 256U && core > worst_256 ? core : worst_256;
      }
      if (one) {
        break;
      }
    }
    free(settings.items);
    if (one) {
      break;
    }
  }
  if (status) {
    return 1;
  }
  printf("(last row: strip t1 gate -%.1f dB, compressor -%.1f dB; master limiter -%.1f dB, "
         "peak %.1f dBFS)\n",
         (double)last.gate_db,
         (double)last.comp_db,
         (double)last.limit_db,
         (double)last.peak_dbfs);
  if (one) {
    return 0;
  }

  printf("target: 256 strips + 16 buses + master within %.0f %% of one core: %s (%.1f %%)\n\n",
         TARGET_CORE_PERCENT,
         worst_256 <= TARGET_CORE_PERCENT ? "met" : "missed",
         worst_256);
  fflush(stdout);
  return bench_render() ? 1 : 0;
}
