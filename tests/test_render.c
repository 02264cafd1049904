// SPDX-License-Identifier: GPL-3.0-or-later

// `mixd render` through its library entry: real files in, real files out,
// checked against the analytic mix and against libebur128 run separately
// on the output.

#include "render.h"

#include "pan.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <ebur128.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { RATE = 48000, SECONDS = 3, FRAMES = RATE * SECONDS, TRACKS = 8 };

static char dir[64];

static void
make_dir(void)
{
  snprintf(dir, sizeof(dir), "/tmp/mixd-render-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

// Remove the directory and everything in it (one level, plus "stems")
static void
remove_dir(const char* const path)
{
  DIR* const d = opendir(path);
  ck_assert_ptr_nonnull(d);
  struct dirent* e = NULL;
  char           name[512];
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(name, sizeof(name), "%s/%s", path, e->d_name);
      if (unlink(name)) {
        remove_dir(name);
      }
    }
  }
  closedir(d);
  rmdir(path);
}

static const char*
in_dir(const char* const name)
{
  static char paths[128][256];
  static int  next = 0;
  char* const p    = paths[next++ % 128];
  snprintf(p, 256, "%s/%s", dir, name);
  return p;
}

static void
write_file(const char* const path, const char* const text)
{
  FILE* const f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

static void
write_wav(const char* const  path,
          const int          rate,
          const int          channels,
          const float* const data,
          const sf_count_t   frames)
{
  SF_INFO info     = { 0 };
  info.samplerate  = rate;
  info.channels    = channels;
  info.format      = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* const f = sf_open(path, SFM_WRITE, &info);
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(sf_writef_float(f, data, frames), frames);
  sf_close(f);
}

// Read a whole file as float frames; the caller frees
static float*
read_wav(const char* const path, SF_INFO* const info)
{
  memset(info, 0, sizeof(*info));
  SNDFILE* const f = sf_open(path, SFM_READ, info);
  ck_assert_msg(f != NULL, "%s: %s", path, sf_strerror(NULL));
  float* const data = (float*)malloc((size_t)info->frames * (size_t)info->channels * sizeof(float));
  ck_assert_ptr_nonnull(data);
  ck_assert_int_eq(sf_readf_float(f, data, info->frames), info->frames);
  sf_close(f);
  return data;
}

// One channel of interleaved frames
static float*
channel(const float* const data, const SF_INFO* const info, const int c)
{
  float* const x = (float*)malloc((size_t)info->frames * sizeof(float));
  ck_assert_ptr_nonnull(x);
  for (sf_count_t i = 0; i < info->frames; ++i) {
    x[i] = data[i * info->channels + c];
  }
  return x;
}

static bool
same_bytes(const char* const a, const char* const b)
{
  FILE* const fa = fopen(a, "rb");
  FILE* const fb = fopen(b, "rb");
  ck_assert_ptr_nonnull(fa);
  ck_assert_ptr_nonnull(fb);
  int  ca   = 0;
  int  cb   = 0;
  bool same = true;
  do {
    ca   = fgetc(fa);
    cb   = fgetc(fb);
    same = ca == cb;
  } while (same && ca != EOF);
  fclose(fa);
  fclose(fb);
  return same;
}

// Nothing but `keep` (and what it names) in the directory: no temporaries
static unsigned
files_in(const char* const path)
{
  DIR* const d = opendir(path);
  ck_assert_ptr_nonnull(d);
  unsigned       n = 0U;
  struct dirent* e = NULL;
  while ((e = readdir(d))) {
    n += e->d_name[0] != '.';
    ck_assert_msg(e->d_name[0] != '.' || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."),
                  "temporary left behind: %s",
                  e->d_name);
  }
  closedir(d);
  return n;
}

static void
init_options(MxRenderOptions* const opts, const char* const session, const char* const output)
{
  memset(opts, 0, sizeof(*opts));
  opts->session = session;
  opts->output  = output;
  opts->block   = MX_RENDER_DEFAULT_BLOCK;
}

static void
add_input(MxRenderOptions* const opts, const char* const strip, const char* const path)
{
  opts->inputs[opts->n_inputs].strip = strip;
  opts->inputs[opts->n_inputs].path  = path;
  ++opts->n_inputs;
}

// ---------------------------------------------------------------------------
// An 8-track session: one sine per strip at its own frequency

static double
track_freq(const unsigned t)
{
  return 220.0 + 150.0 * t;
}

static const float track_fader[TRACKS] = { -1.0f, -2.0f, -3.0f, -4.0f, -5.0f, -6.0f, -7.0f, -8.0f };
static const float track_pan[TRACKS]   = { -1.0f, 1.0f, 0.0f, -0.5f, 0.5f, -1.0f, 1.0f, 0.0f };

static const char* const session_8 = "# eight tracks, three of them through a group\n"
                                     "/strip/add t0 1\n/strip/add t1 1\n/strip/add t2 1\n"
                                     "/strip/add t3 1\n/strip/add t4 1\n/strip/add t5 1\n"
                                     "/strip/add t6 1\n/strip/add t7 1\n"
                                     "/bus/add group group 2\n"
                                     "/bus/group/fader -3\n";

static void
write_eight_tracks(MxRenderOptions* const opts, const char* const output)
{
  static float track[FRAMES];
  static char  text[4096];
  snprintf(text, sizeof(text), "%s", session_8);
  for (unsigned t = 0U; t < TRACKS; ++t) {
    char name[16];
    snprintf(name, sizeof(name), "t%u.wav", t);
    mxt_sine(track, FRAMES, track_freq(t), RATE, 0.1, 0.0);
    write_wav(in_dir(name), RATE, 1, track, FRAMES);
    snprintf(text + strlen(text),
             sizeof(text) - strlen(text),
             "/strip/t%u/fader %g\n/strip/t%u/pan %g\n",
             t,
             (double)track_fader[t],
             t,
             (double)track_pan[t]);
    if (t < 3U) {
      snprintf(text + strlen(text),
               sizeof(text) - strlen(text),
               "/strip/t%u/route/group 1\n/strip/t%u/route/master 0\n",
               t,
               t);
    }
  }
  write_file(in_dir("mix.session"), text);

  init_options(opts, in_dir("mix.session"), output);
  for (unsigned t = 0U; t < TRACKS; ++t) {
    char name[16];
    snprintf(name, sizeof(name), "t%u.wav", t);
    add_input(opts, NULL, in_dir(name));
  }
}

// Expected level of track t in channel c of the master, dBFS
static double
expected_db(const unsigned t, const int c)
{
  float l = 0.0f;
  float r = 0.0f;
  mx_pan_law_gains(MX_PAN_LAW_3DB, track_pan[t], &l, &r);
  const double pan = c == 0 ? l : r;
  return mxt_db(0.1 * pan) + track_fader[t] + (t < 3U ? -3.0 : 0.0);
}

START_TEST(eight_tracks_mix_as_the_session_says)
{
  make_dir();
  MxRenderOptions opts;
  MxRenderReport  report;
  write_eight_tracks(&opts, in_dir("master.wav"));
  opts.stems  = in_dir("stems");
  opts.result = &report;
  ck_assert_int_eq(mx_render_run(&opts, "test"), 0);

  // Every track at its level in each channel (a hard-panned one absent from the other side)
  SF_INFO      info;
  float* const data = read_wav(in_dir("master.wav"), &info);
  ck_assert_int_eq(info.frames, FRAMES);
  ck_assert_int_eq(info.channels, 2);
  ck_assert_int_eq(info.format, SF_FORMAT_WAV | SF_FORMAT_FLOAT);
  for (int c = 0; c < 2; ++c) {
    float* const x = channel(data, &info, c);
    for (unsigned t = 0U; t < TRACKS; ++t) {
      const double got  = mxt_db(mxt_tone_amplitude(x + RATE, FRAMES - RATE, track_freq(t), RATE));
      const double want = expected_db(t, c);
      if (isinf(want)) {
        ck_assert_double_lt(got, -100.0);
      } else {
        ck_assert_msg(
          fabs(got - want) < 0.01, "track %u channel %d: %.3f dB, expected %.3f", t, c, got, want);
      }
    }
    free(x);
  }

  // The group's stem holds its three tracks only
  SF_INFO      stem_info;
  float* const stem = read_wav(in_dir("stems/group.wav"), &stem_info);
  float* const sl   = channel(stem, &stem_info, 0);
  ck_assert_int_eq(stem_info.frames, FRAMES);
  ck_assert_double_eq_tol(
    mxt_db(mxt_tone_amplitude(sl + RATE, FRAMES - RATE, track_freq(0U), RATE)),
    expected_db(0U, 0),
    0.01);
  ck_assert_double_lt(mxt_db(mxt_tone_amplitude(sl + RATE, FRAMES - RATE, track_freq(5U), RATE)),
                      -100.0);
  free(sl);
  free(stem);

  // The report agrees with libebur128 run on the file on its own
  ebur128_state* st = ebur128_init(2U,
                                   RATE,
                                   EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK |
                                     EBUR128_MODE_SAMPLE_PEAK);
  ck_assert_ptr_nonnull(st);
  ck_assert_int_eq(ebur128_add_frames_float(st, data, (size_t)info.frames), EBUR128_SUCCESS);
  double integrated = 0.0;
  double range      = 0.0;
  double tp[2]      = { 0.0, 0.0 };
  double sp[2]      = { 0.0, 0.0 };
  ebur128_loudness_global(st, &integrated);
  ebur128_loudness_range(st, &range);
  for (unsigned c = 0U; c < 2U; ++c) {
    ebur128_true_peak(st, c, &tp[c]);
    ebur128_sample_peak(st, c, &sp[c]);
  }
  ebur128_destroy(&st);
  ck_assert_double_eq_tol(report.loudness.integrated_lufs, integrated, 0.1);
  ck_assert_double_eq_tol(report.loudness.range_lu, range, 0.1);
  ck_assert_double_eq_tol(report.loudness.true_peak_dbtp, mxt_db(fmax(tp[0], tp[1])), 0.1);
  ck_assert_double_eq_tol(report.loudness.sample_peak_dbfs, mxt_db(fmax(sp[0], sp[1])), 0.01);
  free(data);
  remove_dir(dir);
}
END_TEST

START_TEST(renders_are_bit_identical)
{
  static const char* const outputs[][2] = { { "a.wav", "b.wav" }, { "a.flac", "b.flac" } };
  make_dir();
  for (unsigned k = 0U; k < 2U; ++k) {
    MxRenderOptions opts;
    write_eight_tracks(&opts, in_dir(outputs[k][0]));
    ck_assert_int_eq(mx_render_run(&opts, "test"), 0);
    opts.output = in_dir(outputs[k][1]);
    ck_assert_int_eq(mx_render_run(&opts, "test"), 0);
    ck_assert_msg(
      same_bytes(in_dir(outputs[k][0]), in_dir(outputs[k][1])), "%s differs", outputs[k][1]);
  }
  remove_dir(dir);
}
END_TEST

// The limiter's look-ahead is compensated: output frame i is input frame i
START_TEST(latency_is_compensated)
{
  static float impulse[FRAMES];
  make_dir();
  memset(impulse, 0, sizeof(impulse));
  impulse[1000] = 0.25f;
  write_wav(in_dir("i.wav"), RATE, 1, impulse, FRAMES);
  write_file(in_dir("s.session"),
             "/strip/add a 1\n/strip/a/pan -1\n/bus/add g group 2\n"
             "/strip/a/route/g 1\n/bus/g/limiter/on 1\n/master/limiter/on 1\n");
  MxRenderOptions opts;
  init_options(&opts, in_dir("s.session"), in_dir("o.wav"));
  add_input(&opts, NULL, in_dir("i.wav"));
  ck_assert_int_eq(mx_render_run(&opts, "test"), 0);

  SF_INFO      info;
  float* const data = read_wav(in_dir("o.wav"), &info);
  float* const l    = channel(data, &info, 0);
  ck_assert_int_eq(info.frames, FRAMES);
  mxt_assert_impulse(l, FRAMES, 1000U, 0.5f); // Direct and through g, aligned
  free(l);
  free(data);
  remove_dir(dir);
}
END_TEST

START_TEST(named_inputs_go_to_their_strips)
{
  static float a[RATE];
  static float b[RATE];
  make_dir();
  mxt_sine(a, RATE, 300.0, RATE, 0.2, 0.0);
  mxt_sine(b, RATE, 700.0, RATE, 0.2, 0.0);
  write_wav(in_dir("a.wav"), RATE, 1, a, RATE);
  write_wav(in_dir("b.wav"), RATE, 1, b, RATE / 2);
  write_file(in_dir("s.session"),
             "/strip/add left 1\n/strip/add right 1\n"
             "/strip/left/pan -1\n/strip/right/pan 1\n");
  MxRenderOptions opts;
  init_options(&opts, in_dir("s.session"), in_dir("o.wav"));
  add_input(&opts, "right", in_dir("a.wav")); // The 300 Hz tone to the right
  add_input(&opts, NULL, in_dir("b.wav"));    // The next free strip: left
  ck_assert_int_eq(mx_render_run(&opts, "test"), 0);

  SF_INFO      info;
  float* const data = read_wav(in_dir("o.wav"), &info);
  float* const l    = channel(data, &info, 0);
  float* const r    = channel(data, &info, 1);
  ck_assert_int_eq(info.frames, RATE); // As long as the longest input
  ck_assert_double_eq_tol(mxt_tone_amplitude(r, RATE, 300.0, RATE), 0.2, 1e-3);
  ck_assert_double_eq_tol(mxt_tone_amplitude(l, RATE / 2, 700.0, RATE), 0.2, 1e-3);
  ck_assert_double_eq(mxt_peak(r, RATE) > 0.0 && mxt_peak(l + RATE / 2, RATE / 2) == 0.0, 1.0);
  free(l);
  free(r);
  free(data);
  remove_dir(dir);
}
END_TEST

// 16-bit TPDF: the error against the float render is the dither and the
// rounding, -1.5 to +1.5 LSB, RMS sqrt(1/12 + 2/12) = 0.5 LSB, mean 0
START_TEST(word_length_reduction_is_dithered)
{
  make_dir();
  MxRenderOptions opts;
  write_eight_tracks(&opts, in_dir("f.wav"));
  ck_assert_int_eq(mx_render_run(&opts, "test"), 0);
  opts.output     = in_dir("i.wav");
  opts.sample     = MX_RENDER_PCM_16;
  opts.sample_set = true;
  ck_assert_int_eq(mx_render_run(&opts, "test"), 0);

  SF_INFO      fi;
  SF_INFO      ii;
  float* const f = read_wav(in_dir("f.wav"), &fi);
  float* const q = read_wav(in_dir("i.wav"), &ii);
  ck_assert_int_eq(ii.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
  ck_assert_int_eq(ii.frames, fi.frames);
  const double lsb    = 1.0 / 32768.0;
  double       sum    = 0.0;
  double       sum_sq = 0.0;
  double       worst  = 0.0;
  const size_t n      = (size_t)fi.frames * 2U;
  for (size_t i = 0U; i < n; ++i) {
    const double e = ((double)q[i] - (double)f[i]) / lsb;
    sum += e;
    sum_sq += e * e;
    worst = fmax(worst, fabs(e));
  }
  ck_assert_double_le(worst, 1.5 + 1e-6);
  ck_assert_double_eq_tol(sqrt(sum_sq / (double)n), 0.5, 0.02);
  ck_assert_double_eq_tol(sum / (double)n, 0.0, 0.02);
  free(f);
  free(q);
  remove_dir(dir);
}
END_TEST

START_TEST(normalize_hits_the_target_under_the_ceiling)
{
  make_dir();
  MxRenderOptions opts;
  MxRenderReport  before;
  MxRenderReport  after;
  MxRenderReport  plain;
  write_eight_tracks(&opts, in_dir("plain.wav"));
  opts.result = &plain;
  ck_assert_int_eq(mx_render_run(&opts, "test"), 0);

  opts.output      = in_dir("loud.wav");
  opts.normalize   = true;
  opts.target_lufs = -10.0;
  opts.result      = &after;
  opts.measured    = &before;
  ck_assert_int_eq(mx_render_run(&opts, "test"), 0);
  ck_assert_float_eq(before.loudness.integrated_lufs, plain.loudness.integrated_lufs);
  ck_assert_double_eq_tol(after.loudness.integrated_lufs, -10.0, 0.1);
  ck_assert(after.limiter);

  // Measured separately: on target, and the true peak held at the -1 dBTP ceiling
  SF_INFO        info;
  float* const   data = read_wav(in_dir("loud.wav"), &info);
  ebur128_state* st   = ebur128_init(2U, RATE, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
  ck_assert_int_eq(ebur128_add_frames_float(st, data, (size_t)info.frames), EBUR128_SUCCESS);
  double integrated = 0.0;
  double tp[2]      = { 0.0, 0.0 };
  ebur128_loudness_global(st, &integrated);
  ebur128_true_peak(st, 0U, &tp[0]);
  ebur128_true_peak(st, 1U, &tp[1]);
  ebur128_destroy(&st);
  ck_assert_double_eq_tol(integrated, -10.0, 0.1);
  ck_assert_double_le(mxt_db(fmax(tp[0], tp[1])), -1.0 + 0.05);
  free(data);
  remove_dir(dir);
}
END_TEST

// ---------------------------------------------------------------------------
// Failures: clear, non-zero, and nothing left where the output should be

typedef enum {
  BAD_MISSING,
  BAD_TRUNCATED,
  BAD_RATE,
  BAD_CHANNELS,
  BAD_TOO_MANY,
  BAD_NAME,
  BAD_SESSION
} Bad;

START_TEST(bad_inputs_fail_and_write_nothing)
{
  static float tone[RATE];
  make_dir();
  mxt_sine(tone, RATE, 440.0, RATE, 0.2, 0.0);
  write_wav(in_dir("ok.wav"), RATE, 1, tone, RATE);
  write_file(in_dir("s.session"), "/strip/add a 1\n/strip/add b 1\n");
  MxRenderOptions opts;
  init_options(&opts, in_dir("s.session"), in_dir("out.wav"));
  add_input(&opts, NULL, in_dir("ok.wav"));

  switch ((Bad)_i) {
    case BAD_MISSING:
      add_input(&opts, NULL, in_dir("missing.wav"));
      break;
    case BAD_TRUNCATED: {
      write_wav(in_dir("cut.wav"), RATE, 1, tone, RATE);
      ck_assert_int_eq(truncate(in_dir("cut.wav"), RATE * 2), 0);
      add_input(&opts, NULL, in_dir("cut.wav"));
      break;
    }
    case BAD_RATE:
      write_wav(in_dir("r.wav"), 44100, 1, tone, RATE);
      add_input(&opts, NULL, in_dir("r.wav"));
      break;
    case BAD_CHANNELS:
      write_wav(in_dir("st.wav"), RATE, 2, tone, RATE / 2);
      add_input(&opts, NULL, in_dir("st.wav"));
      break;
    case BAD_TOO_MANY:
      add_input(&opts, NULL, in_dir("ok.wav"));
      add_input(&opts, NULL, in_dir("ok.wav"));
      break;
    case BAD_NAME:
      add_input(&opts, "nobody", in_dir("ok.wav"));
      break;
    case BAD_SESSION:
      write_file(in_dir("s.session"), "/strip/add a 1\n/strip/a/fader loud\n");
      break;
  }
  const unsigned before = files_in(dir);
  ck_assert_int_eq(mx_render_run(&opts, "test"), 1);
  ck_assert_int_eq(access(in_dir("out.wav"), F_OK), -1);
  ck_assert_uint_eq(files_in(dir), before);
  remove_dir(dir);
}
END_TEST

static Suite*
render_suite(void)
{
  Suite* const s = suite_create("render");

  TCase* const mix = tcase_create("mix");
  tcase_set_timeout(mix, 60);
  tcase_add_test(mix, eight_tracks_mix_as_the_session_says);
  tcase_add_test(mix, renders_are_bit_identical);
  tcase_add_test(mix, latency_is_compensated);
  tcase_add_test(mix, named_inputs_go_to_their_strips);
  tcase_add_test(mix, word_length_reduction_is_dithered);
  tcase_add_test(mix, normalize_hits_the_target_under_the_ceiling);
  suite_add_tcase(s, mix);

  TCase* const bad = tcase_create("errors");
  tcase_add_loop_test(bad, bad_inputs_fail_and_write_nothing, 0, BAD_SESSION + 1);
  suite_add_tcase(s, bad);
  return s;
}

int
main(void)
{
  return mxt_run_suite(render_suite());
}
