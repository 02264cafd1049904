// SPDX-License-Identifier: GPL-3.0-or-later

// `mixd render`: a session and its input files through the engine, into
// a master file (and one per bus), with the EBU R 128 loudness report.

#include "render.h"
#include "report.h"

#include "atomic_file.h"
#include "session.h"

#include "dither.h"
#include "engine.h"
#include "loudness.h"
#include "model.h"

#include <sndfile.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
  DESIGN: a pass is one run of the whole length through a fresh engine
  loaded from the session, so every pass, and every render, computes the
  same samples.  The engine's latency (limiters in the path) is
  compensated: each output drops its first `latency` frames and the
  inputs are followed by as many frames of silence, so the files line up
  with the inputs and are exactly as long as the longest.  Without
  --normalize there is one pass, writing; with it, the first pass only
  measures, and the following ones set the master limiter's drive and
  write, until the integrated loudness is within 0.05 LU of the target
  (the files of a pass that misses are discarded).  Files are written to
  temporaries and renamed only when everything has succeeded.
*/

/// Largest correction still applied by another normalize pass, LU
#define NORMALIZE_TOLERANCE_LU 0.05

/// Most normalize passes after the first
#define NORMALIZE_MAX_PASSES 6

/// An input file
typedef struct {
  const char* path;        ///< As given
  const char* strip;       ///< Strip it feeds
  SNDFILE*    file;        ///< Open for reading
  SF_INFO     info;        ///< Its format
  float*      interleaved; ///< One block as read
  float*      ch[2];       ///< One block per channel
} Input;

/// An output file: the master or a bus
typedef struct {
  char*        path;      ///< File name
  MxNode       node;      ///< MX_NODE_MASTER or a bus
  unsigned     channels;  ///< 1 or 2
  MxAtomicFile atomic;    ///< The temporary being written
  SNDFILE*     file;      ///< Open on the temporary, or NULL
  float*       ch[2];     ///< One block per channel, from the engine
  float*       frame_buf; ///< One block, interleaved, as float
  int32_t*     int_buf;   ///< One block, interleaved, as integer words
  MxDither     dither[2]; ///< Per channel
  uint32_t     latency;   ///< Frames the engine delays it by
} Output;

/// What a strip or bus measured over a pass
typedef struct {
  MxNode         node;   ///< The strip, bus or master
  MxEngineMeters meters; ///< Merged over the whole pass (to the last snapshot)
} Levels;

/// Everything one render holds
typedef struct {
  const MxRenderOptions* opts;      ///< What to do
  const char*            who;       ///< Prefix of messages
  MxModel*               model;     ///< The session
  Input*                 inputs;    ///< The inputs
  size_t                 n_inputs;  ///< Entries of `inputs`
  Output*                outputs;   ///< Master first, then the buses
  size_t                 n_outputs; ///< Entries of `outputs`
  double                 rate;      ///< Sample rate, Hz
  sf_count_t             length;    ///< Frames of the longest input
  int                    format;    ///< SF_FORMAT_* container and sample format
  Levels*                levels;    ///< Strips, buses, master, as of the last pass
  size_t                 n_levels;  ///< Entries of `levels`
} Render;

static void
report_error(const Render* const r, const char* const fmt, ...)
  __attribute__((format(printf, 2, 3)));

static void
report_error(const Render* const r, const char* const fmt, ...)
{
  va_list args;
  va_start(args, fmt);
  fprintf(stderr, "%s: ", r->who);
  vfprintf(stderr, fmt, args);
  fputc('\n', stderr);
  va_end(args);
}

// ---------------------------------------------------------------------------
// Inputs

// libsndfile opens a WAV or AIFF file whose data is cut short and quietly
// reads what is there; its log then says "data : N (should be M)"
static bool
is_truncated(SNDFILE* const file)
{
  char log[4096];
  sf_command(file, SFC_GET_LOG_INFO, log, sizeof(log));
  for (const char* line = log; line && *line;
       line             = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
    if (!strncmp(line, "data", 4U) && strstr(line, "should be") &&
        (!strchr(line, '\n') || strstr(line, "should be") < strchr(line, '\n'))) {
      return true;
    }
  }
  return false;
}

static int
open_inputs(Render* const r)
{
  const MxRenderOptions* const opts                       = r->opts;
  const uint32_t               n                          = mx_model_count(r->model, MX_NODE_STRIP);
  bool                         taken[MX_LIMIT_MAX_STRIPS] = { false };
  if (opts->n_inputs == 0U) {
    report_error(r, "no inputs: give one -i FILE per strip");
    return -1;
  }

  // Named inputs first, then the others fill the remaining strips in order
  r->inputs = (Input*)calloc(opts->n_inputs, sizeof(Input));
  if (!r->inputs) {
    report_error(r, "out of memory");
    return -1;
  }
  for (size_t i = 0U; i < opts->n_inputs; ++i) {
    uint32_t index = 0U;
    if (opts->inputs[i].strip) {
      if (mx_model_find(r->model, MX_NODE_STRIP, opts->inputs[i].strip, &index)) {
        report_error(r,
                     "%s=%s: no strip named '%s' in %s",
                     opts->inputs[i].strip,
                     opts->inputs[i].path,
                     opts->inputs[i].strip,
                     opts->session);
        return -1;
      }
      if (taken[index]) {
        report_error(r,
                     "%s=%s: strip '%s' already has an input",
                     opts->inputs[i].strip,
                     opts->inputs[i].path,
                     opts->inputs[i].strip);
        return -1;
      }
      taken[index]       = true;
      r->inputs[i].strip = opts->inputs[i].strip;
    }
  }
  uint32_t next = 0U;
  for (size_t i = 0U; i < opts->n_inputs; ++i) {
    if (!opts->inputs[i].strip) {
      while (next < n && taken[next]) {
        ++next;
      }
      if (next == n) {
        report_error(
          r, "%s: more inputs than strips (%s has %u)", opts->inputs[i].path, opts->session, n);
        return -1;
      }
      taken[next]        = true;
      const MxNode node  = { MX_NODE_STRIP, next };
      r->inputs[i].strip = mx_model_name(r->model, node);
    }
  }

  for (size_t i = 0U; i < opts->n_inputs; ++i) {
    Input* const in    = &r->inputs[i];
    uint32_t     index = 0U;
    in->path           = opts->inputs[i].path;
    ++r->n_inputs;
    in->file = sf_open(in->path, SFM_READ, &in->info);
    if (!in->file) {
      report_error(r, "%s: %s", in->path, sf_strerror(NULL));
      return -1;
    }
    if (is_truncated(in->file)) {
      report_error(r, "%s: truncated: the file is shorter than its header says", in->path);
      return -1;
    }

    mx_model_find(r->model, MX_NODE_STRIP, in->strip, &index);
    const MxNode   node     = { MX_NODE_STRIP, index };
    const unsigned channels = mx_model_channels(r->model, node);
    if ((unsigned)in->info.channels != channels) {
      report_error(r,
                   "%s: %d channel%s, but strip '%s' is %s (no conversion is done)",
                   in->path,
                   in->info.channels,
                   in->info.channels == 1 ? "" : "s",
                   in->strip,
                   channels == 1U ? "mono" : "stereo");
      return -1;
    }
    if (i == 0U) {
      r->rate = (double)in->info.samplerate;
      if (!mx_rate_is_valid(r->rate)) {
        report_error(r,
                     "%s: sample rate %d Hz is not supported (8000 to 384000)",
                     in->path,
                     in->info.samplerate);
        return -1;
      }
    } else if ((double)in->info.samplerate != r->rate) {
      report_error(r,
                   "%s: sample rate %d Hz, but %s is %.0f Hz (no conversion is done)",
                   in->path,
                   in->info.samplerate,
                   r->inputs[0].path,
                   r->rate);
      return -1;
    }
    if (in->info.frames > r->length) {
      r->length = in->info.frames;
    }

    in->interleaved = (float*)calloc((size_t)opts->block * channels, sizeof(float));
    for (unsigned c = 0U; c < channels; ++c) {
      in->ch[c] = (float*)calloc(opts->block, sizeof(float));
    }
    if (!in->interleaved || !in->ch[0] || (channels == 2U && !in->ch[1])) {
      report_error(r, "out of memory");
      return -1;
    }
  }

  if (r->length == 0) {
    report_error(r, "the inputs are empty: nothing to render");
    return -1;
  }
  return 0;
}

// Read one block of an input at `pos`, silence past its end
static int
read_input(const Render* const r, Input* const in, const sf_count_t pos, const uint32_t n)
{
  const unsigned   nch  = (unsigned)in->info.channels;
  const sf_count_t left = in->info.frames > pos ? in->info.frames - pos : 0;
  const sf_count_t want = left < (sf_count_t)n ? left : (sf_count_t)n;
  const sf_count_t got  = want ? sf_readf_float(in->file, in->interleaved, want) : 0;
  if (got != want) {
    report_error(r,
                 "%s: read error at frame %lld: %s",
                 in->path,
                 (long long)(pos + got),
                 sf_error(in->file) ? sf_strerror(in->file) : "the file ends early (truncated?)");
    return -1;
  }
  for (unsigned c = 0U; c < nch; ++c) {
    for (sf_count_t i = 0; i < got; ++i) {
      in->ch[c][i] = in->interleaved[(size_t)i * nch + c];
    }
    memset(in->ch[c] + got, 0, (size_t)(n - (uint32_t)got) * sizeof(float));
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Outputs

static bool
has_suffix(const char* const path, const char* const suffix)
{
  const size_t a = strlen(path);
  const size_t b = strlen(suffix);
  return a > b && !strcasecmp(path + a - b, suffix);
}

static int
choose_format(Render* const r)
{
  const MxRenderOptions* const opts = r->opts;
  const bool                   flac = has_suffix(opts->output, ".flac");
  if (!flac && !has_suffix(opts->output, ".wav")) {
    report_error(r, "%s: unknown output format: name it .wav or .flac", opts->output);
    return -1;
  }

  const MxRenderSample sample = opts->sample_set ? opts->sample
                                : flac           ? MX_RENDER_PCM_24
                                                 : MX_RENDER_FLOAT;
  if (flac && sample == MX_RENDER_FLOAT) {
    report_error(r, "%s: FLAC has no float samples: use --bits 16 or 24", opts->output);
    return -1;
  }
  r->format =
    (flac ? SF_FORMAT_FLAC : SF_FORMAT_WAV) | (sample == MX_RENDER_PCM_16   ? SF_FORMAT_PCM_16
                                               : sample == MX_RENDER_PCM_24 ? SF_FORMAT_PCM_24
                                                                            : SF_FORMAT_FLOAT);
  return 0;
}

static unsigned
word_bits(const int format)
{
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_16:
      return 16U;
    case SF_FORMAT_PCM_24:
      return 24U;
    default:
      return 0U; // Float: no dither
  }
}

static int
add_output(Render* const r, const MxNode node, const char* const path)
{
  Output* const out = &r->outputs[r->n_outputs++];
  out->node         = node;
  out->channels     = mx_model_channels(r->model, node);
  out->path         = strdup(path);
  out->frame_buf    = (float*)calloc((size_t)r->opts->block * 2U, sizeof(float));
  out->int_buf      = (int32_t*)calloc((size_t)r->opts->block * 2U, sizeof(int32_t));
  for (unsigned c = 0U; c < out->channels; ++c) {
    out->ch[c] = (float*)calloc(r->opts->block, sizeof(float));
  }
  if (!out->path || !out->frame_buf || !out->int_buf || !out->ch[0] ||
      (out->channels == 2U && !out->ch[1])) {
    report_error(r, "out of memory");
    return -1;
  }
  return 0;
}

static int
plan_outputs(Render* const r)
{
  const MxRenderOptions* const opts  = r->opts;
  const uint32_t               buses = mx_model_count(r->model, MX_NODE_BUS);
  const char* const ext    = (r->format & SF_FORMAT_TYPEMASK) == SF_FORMAT_FLAC ? "flac" : "wav";
  const MxNode      master = { MX_NODE_MASTER, 0U };
  r->outputs               = (Output*)calloc(1U + (opts->stems ? buses : 0U), sizeof(Output));
  if (!r->outputs || add_output(r, master, opts->output)) {
    report_error(r, "out of memory");
    return -1;
  }
  if (!opts->stems) {
    return 0;
  }

  if (mkdir(opts->stems, 0777) && errno != EEXIST) {
    report_error(r, "%s: %s", opts->stems, strerror(errno));
    return -1;
  }
  for (uint32_t b = 0U; b < buses; ++b) {
    const MxNode bus = { MX_NODE_BUS, b };
    char         path[4096];
    snprintf(path, sizeof(path), "%s/%s.%s", opts->stems, mx_model_name(r->model, bus), ext);
    if (add_output(r, bus, path)) {
      return -1;
    }
  }
  return 0;
}

static int
open_output(const Render* const r, Output* const out)
{
  const int e = mx_atomic_file_open(&out->atomic, out->path);
  if (e) {
    report_error(r, "%s: %s", out->path, strerror(e));
    return -1;
  }

  SF_INFO info    = { 0 };
  info.samplerate = (int)r->rate;
  info.channels   = (int)out->channels;
  info.format     = r->format;
  out->file       = sf_open_fd(out->atomic.fd, SFM_WRITE, &info, SF_FALSE);
  if (!out->file) {
    report_error(r, "%s: %s", out->path, sf_strerror(NULL));
    mx_atomic_file_abort(&out->atomic);
    return -1;
  }

  // No PEAK chunk: it holds a time stamp, and renders must be bit-identical
  sf_command(out->file, SFC_SET_ADD_PEAK_CHUNK, NULL, SF_FALSE);
  for (unsigned c = 0U; c < out->channels; ++c) {
    mx_dither_init(&out->dither[c], 1U + c);
  }
  return 0;
}

static int
write_output(const Render* const r, Output* const out, const uint32_t from, const uint32_t n)
{
  const unsigned bits = word_bits(r->format);
  const size_t   nch  = out->channels;
  sf_count_t     done = 0;
  if (bits) {
    for (unsigned c = 0U; c < nch; ++c) {
      mx_dither_quantize(&out->dither[c], out->ch[c] + from, out->int_buf + c, nch, n, bits);
    }
    done = sf_writef_int(out->file, out->int_buf, n);
  } else {
    for (unsigned c = 0U; c < nch; ++c) {
      for (uint32_t i = 0U; i < n; ++i) {
        out->frame_buf[i * nch + c] = out->ch[c][from + i];
      }
    }
    done = sf_writef_float(out->file, out->frame_buf, n);
  }
  if (done != (sf_count_t)n) {
    report_error(r, "%s: write failed: %s", out->path, sf_strerror(out->file));
    return -1;
  }
  return 0;
}

// Close every output; commit them all if `keep`, else remove them
static int
finish_outputs(const Render* const r, const bool keep)
{
  int status = keep ? 0 : -1;
  for (size_t i = 0U; i < r->n_outputs; ++i) {
    Output* const out = &r->outputs[i];
    if (out->file && sf_close(out->file) && status == 0) {
      report_error(r, "%s: %s", out->path, sf_strerror(NULL));
      status = -1;
    }
    out->file = NULL;
  }
  for (size_t i = 0U; i < r->n_outputs; ++i) {
    Output* const out = &r->outputs[i];
    if (out->atomic.tmp == NULL) {
      continue;
    }
    if (status == 0) {
      const int e = mx_atomic_file_commit(&out->atomic);
      if (e) {
        report_error(r, "%s: %s", out->path, strerror(e));
        status = -1;
      }
    } else {
      mx_atomic_file_abort(&out->atomic);
    }
  }
  return status;
}

// ---------------------------------------------------------------------------
// Passes

static void
draw_progress(const char* const label, const double done)
{
  const int width = 40;
  const int bars  = (int)(done * width + 0.5);
  fprintf(stderr,
          "\r%-12s [%.*s%*s] %3d%%",
          label,
          bars,
          "########################################",
          width - bars,
          "",
          (int)(done * 100.0 + 0.5));
  fflush(stderr);
}

static MxEngine*
make_engine(const Render* const r, const bool normalizing, const float drive_db)
{
  MxEngineConfig config  = mx_engine_config_default();
  config.rate            = r->rate;
  config.max_block       = r->opts->block;
  MxEngine* const engine = mx_engine_new(&config);
  if (!engine) {
    report_error(r, "out of memory");
    return NULL;
  }

  const MxNode master = { MX_NODE_MASTER, 0U };
  MxStatus     st     = mx_engine_load(engine, r->model);
  if (!st && normalizing) {
    st = mx_engine_set(engine, master, MX_P_LIMITER_ON, 0U, 1.0f);
    st = st ? st : mx_engine_set(engine, master, MX_P_LIMITER_DRIVE, 0U, drive_db);
  }
  st = st ? st : mx_engine_settle(engine);
  if (st) {
    report_error(r, "%s: %s", r->opts->session, mx_strerror(st));
    mx_engine_free(engine);
    return NULL;
  }
  return engine;
}

// Run the whole length once; measure the master, and write if `write`
static int
run_pass(Render* const         r,
         const bool            write,
         const bool            normalizing,
         const float           drive_db,
         const char* const     label,
         MxRenderReport* const report)
{
  MxEngine* const engine = make_engine(r, normalizing, drive_db);
  if (!engine) {
    return -1;
  }

  const MxModel* const  model  = mx_engine_model(engine);
  const MxLimits        limits = mx_model_limits(model);
  MxEngineInput* const  in_io  = (MxEngineInput*)calloc(limits.strips, sizeof(MxEngineInput));
  MxEngineOutput* const bus_io = (MxEngineOutput*)calloc(limits.buses, sizeof(MxEngineOutput));
  MxMeasure             measure;
  const MxStatus        made   = mx_measure_init(&measure, 2U, r->rate);
  int                   status = in_io && bus_io && !made ? 0 : -1;
  if (status) {
    report_error(r, "out of memory");
  }

  // Buffers by slot, as the engine's model lays them out
  for (size_t i = 0U; !status && i < r->n_inputs; ++i) {
    Input* const in    = &r->inputs[i];
    uint32_t     index = 0U;
    mx_model_find(model, MX_NODE_STRIP, in->strip, &index);
    const MxNode node                 = { MX_NODE_STRIP, index };
    in_io[mx_model_slot(model, node)] = (MxEngineInput){ { in->ch[0], in->ch[1] } };
    if (sf_seek(in->file, 0, SEEK_SET) != 0) {
      report_error(r, "%s: cannot seek: %s", in->path, sf_strerror(in->file));
      status = -1;
    }
  }
  MxEngineIo io;
  memset(&io, 0, sizeof(io));
  io.strips     = in_io;
  io.buses      = bus_io;
  uint32_t tail = 0U;
  for (size_t i = 0U; !status && i < r->n_outputs; ++i) {
    Output* const out = &r->outputs[i];
    out->latency      = mx_engine_output_latency(engine, out->node);
    tail              = out->latency > tail ? out->latency : tail;
    if (out->node.kind == MX_NODE_MASTER) {
      io.master = (MxEngineOutput){ { out->ch[0], out->ch[1] } };
    } else {
      bus_io[mx_model_slot(model, out->node)] = (MxEngineOutput){ { out->ch[0], out->ch[1] } };
    }
    if (write) {
      status = open_output(r, out);
    }
  }

  // Run the inputs and `tail` frames of silence; each output starts `latency` frames in
  const sf_count_t total     = r->length + tail;
  const uint32_t   block     = r->opts->block;
  sf_count_t       next_draw = 0;
  for (sf_count_t pos = 0; !status && pos < total; pos += block) {
    const uint32_t n =
      (uint32_t)(total - pos < (sf_count_t)block ? total - pos : (sf_count_t)block);
    for (size_t i = 0U; !status && i < r->n_inputs; ++i) {
      status = read_input(r, &r->inputs[i], pos, n);
    }
    if (status) {
      break;
    }
    mx_engine_process(engine, &io, n);
    mx_engine_flush(engine);

    for (size_t i = 0U; !status && i < r->n_outputs; ++i) {
      Output* const    out   = &r->outputs[i];
      const sf_count_t start = pos - (sf_count_t)out->latency; // File frame of this block's first
      const sf_count_t from  = start < 0 ? -start : 0;
      const sf_count_t end   = start + n > r->length ? r->length - start : (sf_count_t)n;
      if (end <= from) {
        continue;
      }
      if (out->node.kind == MX_NODE_MASTER) {
        const float* const part[2] = { out->ch[0] + from, out->ch[1] + from };
        mx_measure_add(&measure, part, (uint32_t)(end - from));
      }
      if (write) {
        status = write_output(r, out, (uint32_t)from, (uint32_t)(end - from));
      }
    }

    if (r->opts->progress && pos >= next_draw) {
      draw_progress(label, (double)pos / (double)total);
      next_draw = pos + (sf_count_t)(r->rate / 10.0);
    }
  }
  if (r->opts->progress) {
    draw_progress(label, 1.0);
    fputc('\n', stderr);
  }

  // What every strip and bus measured (the snapshots were gathered by the flushes)
  r->n_levels = 0U;
  for (unsigned k = 0U; !status && k <= MX_NODE_MASTER; ++k) {
    for (uint32_t i = 0U; i < mx_model_count(model, (MxNodeKind)k); ++i) {
      Levels* const l = &r->levels[r->n_levels++];
      l->node         = (MxNode){ (MxNodeKind)k, i };
      mx_engine_take_meters(engine, l->node, &l->meters);
    }
  }

  if (!status) {
    mx_measure_report(&measure, &report->loudness);
    report->drive_db     = drive_db;
    float        limiter = 0.0f;
    const MxNode master  = { MX_NODE_MASTER, 0U };
    mx_model_get(model, master, MX_P_LIMITER_ON, 0U, &limiter);
    report->limiter = limiter != 0.0f;
  }
  if (status && write) {
    finish_outputs(r, false);
  }

  if (!made) {
    mx_measure_free(&measure);
  }
  free(bus_io);
  free(in_io);
  mx_engine_free(engine);
  return status;
}

// ---------------------------------------------------------------------------
// The report

static double
level_db(const float linear)
{
  return linear > 0.0f ? 20.0 * log10((double)linear) : -(double)INFINITY;
}

// Post-fader levels and gain reduction of every strip and bus, and the master
static void
print_levels(const Render* const r)
{
  printf("%-12s %6s %10s %9s %9s %9s %9s\n",
         "level",
         "",
         "peak dBFS",
         "RMS max",
         "gate GR",
         "comp GR",
         "limit GR");
  for (size_t i = 0U; i < r->n_levels; ++i) {
    const Levels* const   l    = &r->levels[i];
    const MxEngineMeters* m    = &l->meters;
    const unsigned        n    = mx_model_channels(r->model, l->node);
    float                 peak = 0.0f;
    float                 rms  = 0.0f;
    for (unsigned c = 0U; c < n; ++c) {
      peak = fmaxf(peak, m->post_peak[c].peak);
      rms  = fmaxf(rms, m->post_rms[c].rms_max);
    }
    printf("%-12s %-6s %10.1f %9.1f %9.1f %9.1f %9.1f\n",
           mx_model_name(r->model, l->node),
           mx_node_kind_name(l->node.kind),
           level_db(peak),
           level_db(rms),
           (double)m->gate_reduction_db,
           (double)m->comp_reduction_db,
           (double)m->limiter_reduction_db);
  }
}

static void
print_report(const Render* const         r,
             const MxRenderReport* const first,
             const MxRenderReport* const last)
{
  const double   seconds = (double)r->length / r->rate;
  const uint32_t strips  = mx_model_count(r->model, MX_NODE_STRIP);
  const uint32_t buses   = mx_model_count(r->model, MX_NODE_BUS);
  printf("%s: %s: %u strip%s, %u bus%s, %.1f s at %.0f Hz\n",
         r->who,
         r->opts->session,
         strips,
         strips == 1U ? "" : "s",
         buses,
         buses == 1U ? "" : "es",
         seconds,
         r->rate);
  mx_report_print(&first->loudness, last ? &last->loudness : NULL);
  if (last) {
    printf("normalized to %.1f LUFS: master limiter drive %+.2f dB\n",
           r->opts->target_lufs,
           (double)last->drive_db);
  }
  printf("\n");
  print_levels(r);
}

// ---------------------------------------------------------------------------

static int
normalize(Render* const r, MxRenderReport* const first, MxRenderReport* const last)
{
  const double target = r->opts->target_lufs;
  if (run_pass(r, false, false, 0.0f, "measuring", first)) {
    return -1;
  }
  if (!isfinite(first->loudness.integrated_lufs)) {
    report_error(r, "cannot normalize: the master is silent (below -70 LUFS)");
    return -1;
  }

  // The drive goes on top of the session's own
  float        drive  = 0.0f;
  const MxNode master = { MX_NODE_MASTER, 0U };
  mx_model_get(r->model, master, MX_P_LIMITER_DRIVE, 0U, &drive);
  double error = target - (double)first->loudness.integrated_lufs;
  for (int pass = 1; pass <= NORMALIZE_MAX_PASSES; ++pass) {
    const float wanted = (float)((double)drive + error);
    drive              = fminf(fmaxf(wanted, -MX_STRIP_DRIVE_MAX_DB), MX_STRIP_DRIVE_MAX_DB);
    char label[32];
    snprintf(label, sizeof(label), "pass %d", pass);
    if (run_pass(r, true, true, drive, label, last)) {
      return -1;
    }
    error = target - (double)last->loudness.integrated_lufs;
    if (fabs(error) <= NORMALIZE_TOLERANCE_LU || drive != wanted || pass == NORMALIZE_MAX_PASSES) {
      if (fabs(error) > NORMALIZE_TOLERANCE_LU) {
        fprintf(stderr,
                "%s: warning: reached %.2f LUFS, not %.2f (drive %+.1f dB)\n",
                r->who,
                (double)last->loudness.integrated_lufs,
                target,
                (double)drive);
      }
      return finish_outputs(r, true);
    }
    finish_outputs(r, false);
  }
  return -1;
}

static void
render_free(Render* const r)
{
  for (size_t i = 0U; r->inputs && i < r->n_inputs; ++i) {
    if (r->inputs[i].file) {
      sf_close(r->inputs[i].file);
    }
    free(r->inputs[i].interleaved);
    free(r->inputs[i].ch[0]);
    free(r->inputs[i].ch[1]);
  }
  for (size_t i = 0U; r->outputs && i < r->n_outputs; ++i) {
    free(r->outputs[i].path);
    free(r->outputs[i].frame_buf);
    free(r->outputs[i].int_buf);
    free(r->outputs[i].ch[0]);
    free(r->outputs[i].ch[1]);
  }
  free(r->inputs);
  free(r->outputs);
  free(r->levels);
  mx_model_free(r->model);
}

int
mx_render_run(const MxRenderOptions* const opts, const char* const who)
{
  Render r;
  memset(&r, 0, sizeof(r));
  r.opts = opts;
  r.who  = who;

  char           err[1024];
  const MxLimits limits = mx_limits_default();
  if (mx_session_read_file(opts->session, &limits, &r.model, err, sizeof(err))) {
    fprintf(stderr, "%s: %s\n", who, err);
    return 1;
  }

  const struct timespec t0    = { 0, 0 };
  struct timespec       start = t0;
  struct timespec       stop  = t0;
  clock_gettime(CLOCK_MONOTONIC, &start);
  r.levels   = (Levels*)calloc(limits.strips + limits.buses + 1U, sizeof(Levels));
  int status = !r.levels || open_inputs(&r) || choose_format(&r) || plan_outputs(&r) ? -1 : 0;
  MxRenderReport first;
  memset(&first, 0, sizeof(first));
  MxRenderReport last;
  memset(&last, 0, sizeof(last));
  if (!status && opts->normalize) {
    status = normalize(&r, &first, &last);
  } else if (!status) {
    status = run_pass(&r, true, false, 0.0f, "rendering", &first);
    status = status ? status : finish_outputs(&r, true);
  }
  clock_gettime(CLOCK_MONOTONIC, &stop);

  if (!status && opts->result) {
    *opts->result = opts->normalize ? last : first;
  }
  if (!status && opts->measured) {
    *opts->measured = first;
  }
  if (!status) {
    const double took =
      (double)(stop.tv_sec - start.tv_sec) + 1e-9 * (double)(stop.tv_nsec - start.tv_nsec);
    print_report(&r, &first, opts->normalize ? &last : NULL);
    for (size_t i = 0U; i < r.n_outputs; ++i) {
      printf("wrote %s\n", r.outputs[i].path);
    }
    fprintf(stderr,
            "%s: %.1f s of audio in %.2f s (%.0fx real time)\n",
            who,
            (double)r.length / r.rate,
            took,
            took > 0.0 ? (double)r.length / r.rate / took : 0.0);
  }
  render_free(&r);
  return status ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Command line

static void
print_usage(FILE* const out)
{
  fprintf(out,
          "Usage: mixd render SESSION -i [STRIP=]FILE... -o OUTPUT [OPTION]...\n"
          "Run files through the mix of SESSION and write the master (and buses).\n"
          "\n"
          "  -i, --input [STRIP=]FILE  an input: for the next strip in order, or for STRIP\n"
          "  -o, --output FILE         the master: .wav or .flac\n"
          "      --stems DIR           also write each bus to DIR/BUS.wav (or .flac)\n"
          "      --normalize LUFS      set the master limiter so the integrated loudness\n"
          "                            is LUFS (-70 to 0)\n"
          "  -b, --bits 16|24|32       sample format: 16- or 24-bit (dithered), 32 float\n"
          "                            (default: 32 for WAV, 24 for FLAC)\n"
          "      --block FRAMES        period, 1 to %u (default %u): a live run with the\n"
          "                            same period gives the same samples\n"
          "  -q, --quiet               no progress bar\n"
          "  -h, --help                print this help and exit\n",
          MX_DSP_MAX_BLOCK,
          MX_RENDER_DEFAULT_BLOCK);
}

static int
parse_long(const char* const text, const long lo, const long hi, long* const out)
{
  char*      end = NULL;
  const long v   = strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi) {
    return -1;
  }
  *out = v;
  return 0;
}

// An input argument: "STRIP=FILE" when what precedes '=' is a valid name
static void
parse_input(char* const arg, MxRenderInput* const in)
{
  char* const eq = strchr(arg, '=');
  in->strip      = NULL;
  in->path       = arg;
  if (eq) {
    *eq = '\0';
    if (!mx_model_check_name(arg)) {
      in->strip = arg;
      in->path  = eq + 1;
    } else {
      *eq = '=';
    }
  }
}

int
mx_render_main(int argc, char** argv)
{
  enum { OPT_STEMS = 256, OPT_NORMALIZE, OPT_BLOCK };
  static const struct option options[] = {
    { "input", required_argument, NULL, 'i' },
    { "output", required_argument, NULL, 'o' },
    { "stems", required_argument, NULL, OPT_STEMS },
    { "normalize", required_argument, NULL, OPT_NORMALIZE },
    { "bits", required_argument, NULL, 'b' },
    { "block", required_argument, NULL, OPT_BLOCK },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };

  MxRenderOptions* const opts = (MxRenderOptions*)calloc(1U, sizeof(MxRenderOptions));
  if (!opts) {
    fprintf(stderr, "mixd render: out of memory\n");
    return 1;
  }
  opts->block    = MX_RENDER_DEFAULT_BLOCK;
  opts->progress = isatty(STDERR_FILENO) != 0;

  int  opt    = 0;
  long number = 0;
  int  status = -1;
  optind      = 1;
  while (status < 0 && (opt = getopt_long(argc, argv, "i:o:b:qh", options, NULL)) != -1) {
    switch (opt) {
      case 'i':
        if (opts->n_inputs == MX_RENDER_MAX_INPUTS) {
          fprintf(stderr, "mixd render: at most %u inputs\n", MX_RENDER_MAX_INPUTS);
          status = 2;
        } else {
          parse_input(optarg, &opts->inputs[opts->n_inputs++]);
        }
        break;
      case 'o':
        opts->output = optarg;
        break;
      case OPT_STEMS:
        opts->stems = optarg;
        break;
      case OPT_NORMALIZE: {
        char* end         = NULL;
        opts->target_lufs = strtod(optarg, &end);
        opts->normalize   = true;
        if (end == optarg || *end != '\0' ||
            !(opts->target_lufs >= -70.0 && opts->target_lufs <= 0.0)) {
          fprintf(stderr,
                  "mixd render: --normalize must be a loudness from -70 to 0 LUFS, not '%s'\n",
                  optarg);
          status = 2;
        }
        break;
      }
      case 'b':
        if (!strcmp(optarg, "16") || !strcmp(optarg, "24") || !strcmp(optarg, "32")) {
          opts->sample     = optarg[0] == '1'   ? MX_RENDER_PCM_16
                             : optarg[0] == '2' ? MX_RENDER_PCM_24
                                                : MX_RENDER_FLOAT;
          opts->sample_set = true;
        } else {
          fprintf(stderr, "mixd render: --bits must be 16, 24 or 32, not '%s'\n", optarg);
          status = 2;
        }
        break;
      case OPT_BLOCK:
        if (parse_long(optarg, 1, (long)MX_DSP_MAX_BLOCK, &number)) {
          fprintf(stderr,
                  "mixd render: --block must be a number of frames from 1 to %u, not '%s'\n",
                  MX_DSP_MAX_BLOCK,
                  optarg);
          status = 2;
        }
        opts->block = (uint32_t)number;
        break;
      case 'q':
        opts->progress = false;
        break;
      case 'h':
        print_usage(stdout);
        status = 0;
        break;
      default:
        print_usage(stderr);
        status = 2;
        break;
    }
  }

  if (status < 0) {
    if (optind == argc) {
      fprintf(stderr, "mixd render: no session given\n");
      print_usage(stderr);
      status = 2;
    } else if (optind + 1 != argc) {
      fprintf(stderr, "mixd render: one session only (unexpected '%s')\n", argv[optind + 1]);
      status = 2;
    } else if (!opts->output) {
      fprintf(stderr, "mixd render: no output given (-o FILE)\n");
      status = 2;
    } else {
      opts->session = argv[optind];
      status        = mx_render_run(opts, "mixd render");
    }
  }
  free(opts);
  return status;
}
