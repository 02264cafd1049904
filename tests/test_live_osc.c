// SPDX-License-Identifier: GPL-3.0-or-later

// OSC control of the live daemon against a real JACK server: a private
// dummy jackd, mixd as a child process listening on a free UDP port, a
// feeder and a recorder client (jack_rig.h), and OSC clients that write
// and read the wire format by hand (jack_rig.h), so that what is proven is
// what reaches the audio: when a change lands, how it glides, that a
// bundle is one period, that feedback and meters arrive, that every
// address answers, that bad input changes nothing and that OSC goes on
// while the JACK server is away.  Skips (exit 77) if jackd is not
// installed.
//
// The machine's timing: without realtime scheduling a client now and then
// runs a cycle late (jack_rig.h).  Measurements of when something happened
// are thrown away and taken again when a client ran late near them;
// levels are of DC signals, which a block placed a cycle off does not
// change.
//
// Lines starting with "# " on stderr are measurements (latency of an OSC
// change in frames, glide steps, meter rates and levels, lease times).
// MXT_KEEP=1 keeps the logs of a passing run; MXT_VERBOSE=1 shows libjack's
// messages.

#include "jack_rig.h"
#include "live_check.h"
#include "testutil.h"

#include "smooth.h"

#include <jack/jack.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------------------
// A fader move over OSC: when it reaches the output, and how it glides

static const char* const glide_session = "/strip/add vox 1\n"
                                         "/jack/connect feed:out_1 vox_in\n"
                                         "/jack/connect master_out_L rec:in_1\n"
                                         "/jack/connect master_out_R rec:in_2\n";

/// Fader positions of the moves, dB, from 0 dB
static const double glide_moves[] = { -12.0, 0.0, -12.0, 0.0, -12.0, 0.0, -12.0, 0.0,
                                      -12.0, 0.0, -12.0, 0.0, -12.0, 0.0, -12.0, 0.0 };

#define N_MOVES (sizeof(glide_moves) / sizeof(glide_moves[0]))

static int
compare_int(const void* const a, const void* const b)
{
  const int x = *(const int*)a;
  const int y = *(const int*)b;
  return (x > y) - (x < y);
}

// Sorted copy's element at `q` (0 to 1) of `n` ints
static int
quantile(const int* const x, const size_t n, const double q)
{
  int sorted[64];
  ck_assert_uint_le(n, 64U);
  memcpy(sorted, x, n * sizeof(int));
  qsort(sorted, n, sizeof(int), compare_int);
  return sorted[(size_t)(q * (double)(n - 1U) + 0.5)];
}

// DC 0.5 into a centred mono strip; /strip/vox/fader between 0 and -12 dB,
// sixteen times, while the master is recorded.  Each move reaches the
// output at the start of a cycle, at most two periods after the start of
// the cycle the server had begun when the message was sent (and never
// before it), as one straight ramp of 960 samples (20 ms) on both sides
// whose largest step is |g1 - g0| / 960 of the signal
START_TEST(fader_move_latency_and_glide)
{
  Rig rig;
  rig_up(&rig, glide_session, 1U, 2U, NULL);
  play_dc(&rig, 0U, 0.5f);
  wait_connected(&rig, "feed:out_1", "mixd:vox_in");
  wait_connected(&rig, "mixd:master_out_R", "rec:in_2");
  MxtTake take;
  double  unity[2];
  dc_settle(&rig, 2U, &take, unity);
  ck_assert_msg(fabs(unity[0] - 0.5 * CENTRE) < 1e-6 && fabs(unity[1] - 0.5 * CENTRE) < 1e-6,
                "DC 0.5 at 0 dB, centred: %.9g %.9g",
                unity[0],
                unity[1]);

  int            after_cycle[N_MOVES]; // Frames from the cycle begun at the send to the move
  int            after_now[N_MOVES];   // Frames from jack_frame_time() at the send to the move
  int            reply_us[N_MOVES];    // Wall time from the send to the reply, us
  size_t         clean       = 0U;
  double         worst_ratio = 0.0;
  double         worst_dev   = 0.0;
  size_t         shortest    = RAMP * 2U;
  size_t         longest     = 0U;
  jack_nframes_t now[N_MOVES];
  jack_nframes_t cycle[N_MOVES];
  double         rtt[N_MOVES];
  for (unsigned round = 0U; round < 4U && clean < N_MOVES / 2U; ++round) {
    // Every move while one take records, ~60 ms apart (the glide is 20 ms)
    mxt_client_record(rig.rec, CAPACITY);
    MxtOscMsg m;
    pace_ms(30.0);
    for (size_t k = 0U; k < N_MOVES; ++k) {
      char path[] = "/strip/vox/fader";
      mxt_osc_drain(rig.osc);
      const double t0 = mxt_now_ms();
      ck_assert(mxt_osc_send(rig.osc, path, "f", glide_moves[k]));
      mxt_osc_sent_frames(rig.osc, &now[k], &cycle[k]);
      ck_assert_msg(mxt_osc_wait(rig.osc, path, true, REPLY_MS, &m), "no reply to %s", path);
      rtt[k] = m.at_ms - t0;
      ck_assert_msg((double)reply_float(&m, path) == glide_moves[k], "reply %s", text(&m));
      pace_ms(60.0);
    }
    mxt_client_record_stop(rig.rec);
    ck_assert(mxt_client_take(rig.rec, MXT_TIMEOUT_MS, &take));
    ck_assert_msg(take.frames < CAPACITY, "the take ran out");

    // Each move: from the level before to the level after, searched from
    // well before the send (the moves are 2880 frames apart)
    for (size_t k = 0U; k < N_MOVES; ++k) {
      const double         before = 0.5 * CENTRE * gain(k ? glide_moves[k - 1U] : 0.0);
      const double         after  = 0.5 * CENTRE * gain(glide_moves[k]);
      const jack_nframes_t early  = cycle[k] - 8U * MXT_PERIOD;
      const size_t         from   = index_of(&take, early);
      ck_assert_msg(from < take.frames, "move %zu is not in the take", k + 1U);
      const Glide          g     = measure_glide(&take, 0U, from, before, after);
      const Glide          r     = measure_glide(&take, 1U, from, before, after);
      const jack_nframes_t moved = frame_of(&take, g.start);
      if (disturbed(&rig, &take, early, moved + RAMP)) {
        ++rig.retakes;
        continue;
      }
      // Both sides together, from the start of a cycle, straight, no step above the ramp's
      ck_assert_uint_eq(g.start, r.start);
      ck_assert_msg(starts_block(&take, g.start),
                    "move %zu: starts at frame %u, inside a cycle (the cycle at the send "
                    "began at %u)",
                    k + 1U,
                    moved,
                    cycle[k]);
      ck_assert_msg(g.worst_dev < 1e-5 && r.worst_dev < 1e-5,
                    "move %zu: %.3g off a straight line",
                    k + 1U,
                    fmax(g.worst_dev, r.worst_dev));
      ck_assert_msg(g.max_step <= g.bound * 1.001 + 1e-7,
                    "move %zu: a step of %.6g, the ramp allows %.6g",
                    k + 1U,
                    g.max_step,
                    g.bound);
      ck_assert_msg(g.length >= RAMP - 1U && g.length <= RAMP + 1U,
                    "move %zu: glided over %zu samples, not %u",
                    k + 1U,
                    g.length,
                    RAMP);
      worst_ratio = fmax(worst_ratio, g.max_step / g.bound);
      worst_dev   = fmax(worst_dev, g.worst_dev);
      shortest    = g.length < shortest ? g.length : shortest;
      longest     = g.length > longest ? g.length : longest;

      // When: in the cycle the server had begun at the send (if mixd had
      // not run it yet), or in one of the next two
      const int late = (int)(int32_t)(moved - cycle[k]);
      ck_assert_msg(late >= 0 && late <= 2 * (int)MXT_PERIOD,
                    "move %zu: sent during the cycle of frame %u, the output moved at frame %u "
                    "(%d frames after)",
                    k + 1U,
                    cycle[k],
                    moved,
                    late);
      // And, as the issue puts it, no later than two periods after the
      // frame time at the send (jack_frame_time(), which runs ahead of the
      // cycles when the server runs late: see the measurements)
      // jack_frame_time() behind the cycle that had begun at the send means
      // the server's clock estimate was off (a loaded machine): no reference
      // then, and the cycle check above stands alone
      const bool clock_off = (int32_t)(now[k] - cycle[k]) < 0;
      ck_assert_msg(clock_off || (int32_t)(moved - now[k]) <= 2 * (int32_t)MXT_PERIOD,
                    "move %zu: the output moved %d frames after jack_frame_time() at the send",
                    k + 1U,
                    (int)(int32_t)(moved - now[k]));
      if (clean < N_MOVES) {
        after_cycle[clean] = late;
        after_now[clean]   = (int)(int32_t)(moved - now[k]);
        reply_us[clean]    = (int)(rtt[k] * 1e3);
        ++clean;
      }
    }
  }
  ck_assert_msg(clean >= N_MOVES / 2U, "only %zu moves were measured cleanly", clean);
  fprintf(stderr,
          "# fader over OSC: %zu clean moves (period %u frames). The output moved %d / %d / %d "
          "frames (min / median / max) after the start of the cycle the server had begun at "
          "the send, %d / %d / %d after jack_frame_time() at the send; the reply came %d / %d "
          "/ %d us after the send. Glides of %zu..%zu samples (20 ms = %u), largest step %.4f "
          "of the linear ramp's, %.2g off a straight line\n",
          clean,
          MXT_PERIOD,
          quantile(after_cycle, clean, 0.0),
          quantile(after_cycle, clean, 0.5),
          quantile(after_cycle, clean, 1.0),
          quantile(after_now, clean, 0.0),
          quantile(after_now, clean, 0.5),
          quantile(after_now, clean, 1.0),
          quantile(reply_us, clean, 0.0),
          quantile(reply_us, clean, 0.5),
          quantile(reply_us, clean, 1.0),
          shortest,
          longest,
          RAMP,
          worst_ratio,
          worst_dev);
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// Patterns and bundles land in one period

static const char* const pair_session = "/strip/add a 1\n"
                                        "/strip/a/pan -1\n"
                                        "/strip/add b 1\n"
                                        "/strip/b/pan 1\n"
                                        "/strip/add c 1\n"
                                        "/jack/connect feed:out_1 (a|b)_in\n"
                                        "/jack/connect master_out_L rec:in_1\n"
                                        "/jack/connect master_out_R rec:in_2\n";

/// Messages to strip c between the two faders in a bundle
#define BUNDLE_PADDING 1000U

// DC into strips a (hard left) and b (hard right): a bundle that sets both
// faders, with 1000 other changes between the two (mixd takes periods to
// read them), and a pattern message (/strip/[ab]/fader) both start the
// glides of left and right in the same frame.  A bundle with a NaN in it:
// that message gets its /error, the others apply
START_TEST(bundle_and_pattern_same_period)
{
  Rig rig;
  rig_up(&rig, pair_session, 1U, 2U, NULL);
  play_dc(&rig, 0U, 0.5f);
  wait_connected(&rig, "feed:out_1", "mixd:b_in");
  wait_connected(&rig, "mixd:master_out_R", "rec:in_2");
  MxtTake take;
  double  unity[2];
  dc_settle(&rig, 2U, &take, unity);
  ck_assert_msg(fabs(unity[0] - 0.5) < 1e-6 && fabs(unity[1] - 0.5) < 1e-6,
                "a and b hard left and right: %.9g %.9g",
                unity[0],
                unity[1]);

  static const double levels[] = { -20.0, 0.0, -20.0, 0.0, -20.0, 0.0, -20.0, 0.0, -20.0, 0.0 };
  const size_t        n        = sizeof(levels) / sizeof(levels[0]);
  jack_nframes_t      sent[sizeof(levels) / sizeof(levels[0])];
  size_t              same     = 0U;
  size_t              bundles  = 0U;
  size_t              patterns = 0U;
  double              span_lo  = INFINITY; // Shortest time from a's reply to b's in a bundle, ms
  double              span_hi  = 0.0;      // Longest
  for (unsigned round = 0U; round < 8U && (bundles < 3U || patterns < 3U); ++round) {
    mxt_client_record(rig.rec, CAPACITY);
    for (size_t k = 0U; k < n; ++k) {
      MxtOscMsg m;
      mxt_osc_drain(rig.osc);
      if (k % 2U == 0U) {
        mxt_osc_bundle_begin(rig.osc);
        ck_assert(mxt_osc_send(rig.osc, "/strip/a/fader", "f", levels[k]));
        for (unsigned p = 0U; p < BUNDLE_PADDING; ++p) {
          ck_assert(mxt_osc_send(rig.osc, "/strip/c/eq/2/gain", "f", (double)(p % 7U)));
        }
        ck_assert(mxt_osc_send(rig.osc, "/strip/b/fader", "f", levels[k]));
        ck_assert(mxt_osc_bundle_end(rig.osc));
      } else {
        ck_assert(mxt_osc_send(rig.osc, "/strip/[ab]/fader", "f", levels[k]));
      }
      jack_nframes_t now = 0U;
      mxt_osc_sent_frames(rig.osc, &now, &sent[k]);

      // The replies come as each message is applied: a's first, b's last
      ck_assert_msg(mxt_osc_wait(rig.osc, "/strip/a/fader", true, REPLY_MS, &m),
                    "no reply for a (%s)",
                    text(&m));
      const double a_at = m.at_ms;
      ck_assert_msg(mxt_osc_wait(rig.osc, "/strip/b/fader", true, REPLY_MS, &m),
                    "no reply for b (%s)",
                    text(&m));
      ck_assert_msg((double)reply_float(&m, "/strip/b/fader") == levels[k], "%s", text(&m));
      if (k % 2U == 0U) {
        span_lo = fmin(span_lo, m.at_ms - a_at);
        span_hi = fmax(span_hi, m.at_ms - a_at);
      }
      pace_ms(60.0);
    }
    mxt_client_record_stop(rig.rec);
    ck_assert(mxt_client_take(rig.rec, MXT_TIMEOUT_MS, &take));

    for (size_t k = 0U; k < n; ++k) {
      const double before = 0.5 * gain(k ? levels[k - 1U] : 0.0);
      const double after  = 0.5 * gain(levels[k]);
      const size_t from   = index_of(&take, sent[k] - 8U * MXT_PERIOD);
      ck_assert(from < take.frames);
      const Glide          l     = measure_glide(&take, 0U, from, before, after);
      const Glide          r     = measure_glide(&take, 1U, from, before, after);
      const jack_nframes_t moved = frame_of(&take, l.start);
      // Only the glide itself can be disturbed: before it both sides hold
      // DC, and both are one recorder's ports in one callback.  (A bundle
      // takes mixd periods to read; on a busy host a window from the send
      // on made 38 bundles in 40 unmeasurable.)
      if (disturbed(&rig, &take, moved, moved + RAMP)) {
        ++rig.retakes;
        continue;
      }
      ck_assert_msg(l.start == r.start,
                    "%s %zu: left moved at frame %u, right at frame %u",
                    k % 2U ? "pattern" : "bundle",
                    k + 1U,
                    moved,
                    frame_of(&take, r.start));
      ck_assert_msg(l.max_step <= l.bound * 1.001 + 1e-7 && r.max_step <= r.bound * 1.001 + 1e-7,
                    "step %.6g / %.6g, the ramp allows %.6g",
                    l.max_step,
                    r.max_step,
                    l.bound);
      ++same;
      bundles += k % 2U == 0U;
      patterns += k % 2U == 1U;
    }
  }
  ck_assert_msg(bundles >= 3U && patterns >= 3U,
                "only %zu bundles and %zu patterns were measured cleanly",
                bundles,
                patterns);
  fprintf(stderr,
          "# bundle (a, %u others, b) and pattern /strip/[ab]/fader: left and right started "
          "gliding in the same frame in all %zu clean measurements (%zu bundles, %zu "
          "patterns); within a bundle, %.2f to %.2f ms (%.1f to %.1f periods) passed from "
          "a's reply to b's\n",
          BUNDLE_PADDING,
          same,
          bundles,
          patterns,
          span_lo,
          span_hi,
          span_lo * 1e-3 * (double)MXT_RATE / (double)MXT_PERIOD,
          span_hi * 1e-3 * (double)MXT_RATE / (double)MXT_PERIOD);

  // A bundle's bad message gets its error; the others apply
  MxtOscMsg m;
  mxt_osc_drain(rig.osc);
  mxt_osc_bundle_begin(rig.osc);
  ck_assert(mxt_osc_send(rig.osc, "/strip/a/fader", "f", -3.0));
  ck_assert(mxt_osc_send(rig.osc, "/strip/a/fader", "f", (double)NAN));
  ck_assert(mxt_osc_send(rig.osc, "/strip/b/fader", "f", -4.0));
  ck_assert(mxt_osc_bundle_end(rig.osc));
  ck_assert_msg(mxt_osc_wait(rig.osc, "/error", false, REPLY_MS, &m), "no /error for NaN");
  ck_assert_str_eq(m.arg[0].s, "/strip/a/fader");
  ck_assert(mxt_osc_wait(rig.osc, "/strip/b/fader", false, REPLY_MS, &m));
  ck_assert(get_float(rig.osc, "/strip/a/fader") == -3.0f);
  ck_assert(get_float(rig.osc, "/strip/b/fader") == -4.0f);
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// Feedback: subscribers, leases

static const char* const feedback_session = "/strip/add vox 1\n"
                                            "/strip/add keys 2\n";

// Wait until `osc` gets `path` f:value (other messages are skipped); its arrival time
static double
wait_value(MxtOsc* const osc, const char* const path, const float value, const double timeout_ms)
{
  const double until = mxt_now_ms() + timeout_ms;
  MxtOscMsg    m;
  while (mxt_osc_recv(osc, until - mxt_now_ms(), &m)) {
    if (!strcmp(m.path, path) && m.argc == 1U && m.types[0] == 'f' && m.arg[0].f == value) {
      return m.at_ms;
    }
  }
  return -1.0;
}

// True if `osc` gets anything at `path` within SILENT_MS
static bool
hears(MxtOsc* const osc, const char* const path)
{
  MxtOscMsg m;
  return mxt_osc_wait(osc, path, false, SILENT_MS, &m);
}

static void
subscribe(MxtOsc* const osc, const char* const pattern, const float lease)
{
  MxtOscMsg  m;
  const bool ok = pattern ? request(osc, &m, "/subscribed", "/subscribe", "s", pattern)
                          : request(osc, &m, "/subscribed", "/subscribe", "");
  ck_assert_msg(ok, "/subscribe: %s", text(&m));
  ck_assert_msg(m.argc == 1U && m.types[0] == 'f' && m.arg[0].f == lease,
                "/subscribed: %s, expected lease %g",
                text(&m),
                (double)lease);
}

// mixd with --osc-lease 2: two subscribers both get a change made by a
// third client, by a session reload, and by a pattern; one subscribed with
// a pattern gets only what matches; one at another port gets it there; a
// lease not renewed ends after 2 s while a renewed one goes on; renewing
// brings it back; /unsubscribe ends it
START_TEST(subscribers_and_leases)
{
  static const char* const lease[] = { "--osc-lease", "2", NULL };
  Rig                      rig;
  rig_up(&rig, feedback_session, 0U, 1U, lease);
  MxtOsc* const a     = osc_client(&rig);
  MxtOsc* const b     = osc_client(&rig);
  MxtOsc* const mutes = osc_client(&rig);
  MxtOsc* const other = osc_client(&rig);
  MxtOsc* const there = osc_client(&rig);
  subscribe(a, NULL, 2.0f);
  const double a_subscribed = mxt_now_ms();
  subscribe(b, NULL, 2.0f);
  const double b_subscribed = mxt_now_ms();
  subscribe(mutes, "/strip/*/mute", 2.0f);
  MxtOscMsg m;
  ck_assert(request(
    other, &m, "/subscribed", "/subscribe", "is", (int)mxt_osc_local_port(there), "/strip/vox/*"));

  // A change by the test's client reaches both, and the one at another port
  const double t0 = mxt_now_ms();
  set_float(rig.osc, "/strip/vox/fader", -7.0);
  const double at_a = wait_value(a, "/strip/vox/fader", -7.0f, REPLY_MS);
  const double at_b = wait_value(b, "/strip/vox/fader", -7.0f, REPLY_MS);
  ck_assert_msg(at_a > 0.0 && at_b > 0.0, "a change did not reach both subscribers");
  ck_assert_msg(wait_value(there, "/strip/vox/fader", -7.0f, REPLY_MS) > 0.0,
                "a subscription for another port did not reach it");
  ck_assert_msg(!hears(mutes, "/strip/vox/fader"), "a /strip/*/mute subscriber got a fader");
  ck_assert_msg(!hears(other, "/strip/vox/fader"), "feedback went to the subscribing port");

  // A pattern set: every match reaches everyone; the mute subscriber too
  MxtOscMsg r;
  ck_assert(request(rig.osc, &r, "/strip/keys/mute", "/strip/*/mute", "i", 1));
  bool got[2][2] = { { false, false }, { false, false } }; // [a, mutes][vox, keys]
  for (unsigned w = 0U; w < 2U; ++w) {
    MxtOsc* const who   = w ? mutes : a;
    const double  until = mxt_now_ms() + REPLY_MS;
    while ((!got[w][0] || !got[w][1]) && mxt_osc_recv(who, until - mxt_now_ms(), &m)) {
      for (unsigned s = 0U; s < 2U; ++s) {
        got[w][s] = got[w][s] || (!strcmp(m.path, s ? "/strip/keys/mute" : "/strip/vox/mute") &&
                                  m.argc == 1U && m.types[0] == 'i' && m.arg[0].i == 1);
      }
    }
    ck_assert_msg(got[w][0] && got[w][1], "%s did not get both mutes", w ? "mutes" : "a");
  }
  ck_assert_msg(!hears(there, "/strip/keys/mute"), "a /strip/vox/* subscriber got keys");

  // A session reload is a change like any other
  ck_assert_int_eq(mxt_mixd_reload(&rig.mixd,
                                   "/strip/add vox 1\n/strip/vox/fader -9\n"
                                   "/strip/add keys 2\n"),
                   1);
  ck_assert_msg(wait_value(a, "/strip/vox/fader", -9.0f, REPLY_MS) > 0.0 &&
                  wait_value(b, "/strip/vox/fader", -9.0f, REPLY_MS) > 0.0,
                "a reload did not reach the subscribers");

  // How long feedback takes: changes at offsets spread over the 33 ms check
  int delay_us[8];
  for (unsigned k = 0U; k < 8U; ++k) {
    pace_ms((double)(k * 7U % 40U));
    const double sent = mxt_now_ms();
    set_float(rig.osc, "/strip/vox/trim", (double)k - 4.0);
    const double seen = wait_value(a, "/strip/vox/trim", (float)k - 4.0f, REPLY_MS);
    ck_assert_msg(seen > 0.0, "a trim change did not reach subscriber a");
    delay_us[k] = (int)((seen - sent) * 1e3);
  }
  fprintf(stderr,
          "# feedback: a change reached subscribers a and b %.1f and %.1f ms after it was sent; "
          "8 more reached a after %.1f / %.1f / %.1f ms (min / median / max)\n",
          at_a - t0,
          at_b - t0,
          1e-3 * quantile(delay_us, 8U, 0.0),
          1e-3 * quantile(delay_us, 8U, 0.5),
          1e-3 * quantile(delay_us, 8U, 1.0));

  // Leases: a renews every 500 ms, b never; the fader changes every ~50 ms
  double last_b   = -1.0;
  double last_a   = -1.0;
  double renewed  = 0.0; // a renews at once, then every 500 ms
  float  value    = -10.0f;
  double deadline = b_subscribed + 6000.0;
  while (mxt_now_ms() < deadline && (last_b < 0.0 || mxt_now_ms() < last_b + 800.0)) {
    if (mxt_now_ms() - renewed > 500.0) {
      subscribe(a, NULL, 2.0f);
      renewed = mxt_now_ms();
    }
    value = value == -10.0f ? -11.0f : -10.0f;
    set_float(rig.osc, "/strip/vox/fader", value);
    const double seen = wait_value(a, "/strip/vox/fader", value, REPLY_MS);
    ck_assert_msg(seen > 0.0, "a renewed subscriber stopped getting changes");
    last_a = seen;
    if (hears(b, "/strip/vox/fader")) {
      last_b = mxt_now_ms();
    }
  }
  ck_assert_msg(last_b > 0.0 && mxt_now_ms() >= last_b + 800.0,
                "the unrenewed subscription never ended");
  const double lived = last_b - b_subscribed;
  ck_assert_msg(lived > 1700.0 && lived < 2300.0, "an unrenewed 2 s lease lasted %.0f ms", lived);
  ck_assert_msg(last_a - a_subscribed > lived + 400.0,
                "the renewed subscriber got its last change %.0f ms after subscribing",
                last_a - a_subscribed);

  // Renewing brings it back; /unsubscribe ends it
  subscribe(b, NULL, 2.0f);
  set_float(rig.osc, "/strip/vox/fader", -12.0);
  ck_assert_msg(wait_value(b, "/strip/vox/fader", -12.0f, REPLY_MS) > 0.0,
                "a renewed subscription got nothing");
  ck_assert(request(b, &m, "/unsubscribed", "/unsubscribe", ""));
  set_float(rig.osc, "/strip/vox/fader", -13.0);
  ck_assert(wait_value(a, "/strip/vox/fader", -13.0f, REPLY_MS) > 0.0);
  ck_assert_msg(!hears(b, "/strip/vox/fader"), "feedback after /unsubscribe");
  fprintf(stderr,
          "# leases (--osc-lease 2): an unrenewed subscriber got its last change %.0f ms after "
          "subscribing; the renewed one still got changes %.0f ms after\n",
          lived,
          last_a - a_subscribed);
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// Meters

static const char* const meter_session = "/strip/add tone 1\n"
                                         "/strip/tone/fader -6\n"
                                         "/jack/connect feed:out_1 tone_in\n"
                                         "/jack/connect master_out_L rec:in_1\n"
                                         "/jack/connect master_out_R rec:in_2\n";

/**
   |H|^2 of the BS.1770-4 K-weighting at `freq` (its two biquads at
   48 kHz, ITU-R BS.1770-4 tables 1 and 2).
*/
static double
k_weighting_power(const double freq)
{
  static const double stage[2][5] = {
    // b0, b1, b2, a1, a2: the high shelf (pre-filter), then the RLB high pass
    { 1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585 },
    { 1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621 },
  };
  const double w     = 2.0 * M_PI * freq / 48000.0;
  double       power = 1.0;
  for (unsigned s = 0U; s < 2U; ++s) {
    const double* const c   = stage[s];
    const double        nre = c[0] + c[1] * cos(w) + c[2] * cos(2.0 * w);
    const double        nim = -c[1] * sin(w) - c[2] * sin(2.0 * w);
    const double        dre = 1.0 + c[3] * cos(w) + c[4] * cos(2.0 * w);
    const double        dim = -c[3] * sin(w) - c[4] * sin(2.0 * w);
    power *= (nre * nre + nim * nim) / (dre * dre + dim * dim);
  }
  return power;
}

// Count the meter bundles `osc` gets in `ms` and keep the last values of three addresses
typedef struct {
  unsigned bundles;   ///< Bundles (each holds one /meters/loudness)
  double   first_ms;  ///< Arrival of the first
  double   last_ms;   ///< Arrival of the last
  float    strip[4];  ///< Last /meters/strip/tone
  float    master[4]; ///< Last /meters/master
  float    loud[5];   ///< Last /meters/loudness
  bool     other;     ///< Something else arrived
} MeterCount;

static MeterCount
count_meters(MxtOsc* const osc, const double ms, const char* const expect)
{
  MeterCount   c;
  const double until = mxt_now_ms() + ms;
  MxtOscMsg    m;
  memset(&c, 0, sizeof(c));
  c.first_ms = -1.0;
  while (mxt_osc_recv(osc, until - mxt_now_ms(), &m)) {
    float* const   into = !strcmp(m.path, "/meters/strip/tone") ? c.strip
                          : !strcmp(m.path, "/meters/master")   ? c.master
                          : !strcmp(m.path, "/meters/loudness") ? c.loud
                                                                : NULL;
    const unsigned want = into == c.loud ? 5U : 4U;
    if (!into || m.argc != want || strspn(m.types, "f") != want) {
      c.other = true;
      continue;
    }
    for (unsigned i = 0U; i < want; ++i) {
      into[i] = m.arg[i].f;
    }
    if (!strcmp(m.path, expect)) {
      ++c.bundles;
      c.first_ms = c.first_ms < 0.0 ? m.at_ms : c.first_ms;
      c.last_ms  = m.at_ms;
    }
  }
  return c;
}

#define assert_near(measured, expected, within)                                            \
  do {                                                                                     \
    const double m_ = (measured);                                                          \
    const double e_ = (expected);                                                          \
    ck_assert_msg(fabs(m_ - e_) < (within), "%s: %.4f, expected %.4f", #measured, m_, e_); \
  } while (0)

// A 1 kHz sine of amplitude 0.5 into a centred mono strip at -6 dB: meters
// at 20 Hz arrive about 20 times a second (5 Hz for a second subscriber
// with a pattern, which gets only what matches); the strip's post-fader
// peak is 0.5 * fader (a mono strip is metered before its pan), its RMS
// 3.01 dB below; the master's peaks are 0.5 * fader * pan law; the
// master's momentary loudness is BS.1770's for that signal
START_TEST(meters_rate_and_levels)
{
  Rig rig;
  rig_up(&rig, meter_session, 1U, 2U, NULL);
  play_tone(&rig, 0U, 1000.0, 0.5);
  wait_connected(&rig, "feed:out_1", "mixd:tone_in");
  MxtOsc* const slow = osc_client(&rig);
  MxtOscMsg     m;
  ck_assert_msg(
    request(rig.osc, &m, "/meters/subscribed", "/meters/subscribe", "i", 20), "%s", text(&m));
  ck_assert_msg(
    m.argc == 1U && m.types[0] == 'f' && m.arg[0].f == 30.0f, "/meters/subscribed: %s", text(&m));
  ck_assert(
    request(slow, &m, "/meters/subscribed", "/meters/subscribe", "is", 5, "/meters/master"));
  ck_assert_msg(!request(rig.osc, &m, "/meters/subscribed", "/meters/subscribe", "i", 0),
                "a rate of 0 Hz was taken");

  // The momentary loudness needs 400 ms of the signal; the RMS 300 ms
  const double start = mxt_now_ms();
  MeterCount   c     = count_meters(rig.osc, 600.0, "/meters/loudness");
  ck_assert_msg(c.bundles > 0U, "no meters after %.0f ms", mxt_now_ms() - start);
  mxt_osc_drain(slow);

  // Then one second of both subscriptions
  MeterCount   fast  = { 0U, 0.0, 0.0, { 0.0f }, { 0.0f }, { 0.0f }, false };
  MeterCount   five  = fast;
  const double until = mxt_now_ms() + 1000.0;
  const double began = mxt_now_ms();
  while (mxt_now_ms() < until) {
    const MeterCount f = count_meters(rig.osc, 50.0, "/meters/loudness");
    const MeterCount s = count_meters(slow, 0.0, "/meters/master");
    fast.bundles += f.bundles;
    five.bundles += s.bundles;
    five.other = five.other || s.other || s.strip[0] != 0.0f || s.loud[0] != 0.0f;
    fast.other = fast.other || f.other;
    if (f.bundles) {
      memcpy(fast.strip, f.strip, sizeof(f.strip));
      memcpy(fast.master, f.master, sizeof(f.master));
      memcpy(fast.loud, f.loud, sizeof(f.loud));
    }
  }
  const double took = mxt_now_ms() - began;
  ck_assert_msg(!fast.other, "a meter message of the wrong shape");
  ck_assert_msg(!five.other, "a subscriber to /meters/master got other meters");
  ck_assert_msg(fast.bundles >= 15U && fast.bundles <= 25U,
                "%u meter bundles in %.0f ms at 20 Hz",
                fast.bundles,
                took);
  ck_assert_msg(five.bundles >= 4U && five.bundles <= 7U,
                "%u meter bundles in %.0f ms at 5 Hz",
                five.bundles,
                took);

  const double strip_peak = mxt_db(0.5 * gain(-6.0));
  const double side_peak  = mxt_db(0.5 * gain(-6.0) * CENTRE);
  assert_near(fast.strip[0], strip_peak, 0.1);
  assert_near(fast.strip[1], strip_peak, 0.1);
  assert_near(fast.strip[2], strip_peak - 10.0 * log10(2.0), 0.1);
  assert_near(fast.strip[3], 0.0, 0.01);
  assert_near(fast.master[0], side_peak, 0.1);
  assert_near(fast.master[1], side_peak, 0.1);
  assert_near(fast.master[2], side_peak - 10.0 * log10(2.0), 0.1);

  // BS.1770: -0.691 + 10 log10(sum over L, R of the K-weighted mean square)
  const double side = 0.5 * gain(-6.0) * CENTRE;
  const double momentary =
    -0.691 + 10.0 * log10(2.0 * side * side / 2.0 * k_weighting_power(1000.0));
  assert_near(fast.loud[0], momentary, 0.1);
  // The true peak is the program's (the largest since the signal began, onset included)
  ck_assert_msg((double)fast.loud[4] > side_peak - 0.1,
                "true peak %.3f dBTP, below the sample peak %.3f",
                (double)fast.loud[4],
                side_peak);
  fprintf(stderr,
          "# meters: %u bundles in %.0f ms at 20 Hz, %u at 5 Hz; strip peak %.3f dBFS (expected "
          "%.3f), RMS %.3f (%.3f); master peak %.3f (%.3f); momentary %.3f LUFS (BS.1770 "
          "%.3f), short-term %.3f, integrated %.3f, true peak %.3f dBTP\n",
          fast.bundles,
          took,
          five.bundles,
          (double)fast.strip[0],
          strip_peak,
          (double)fast.strip[2],
          strip_peak - 10.0 * log10(2.0),
          (double)fast.master[0],
          side_peak,
          (double)fast.loud[0],
          momentary,
          (double)fast.loud[1],
          (double)fast.loud[2],
          (double)fast.loud[4]);

  // Unsubscribed: no more bundles
  ck_assert(request(rig.osc, &m, "/meters/unsubscribed", "/meters/unsubscribe", ""));
  mxt_osc_drain(rig.osc);
  ck_assert_msg(!hears(rig.osc, "/meters/loudness"), "meters after /meters/unsubscribe");
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// Every address the daemon lists: set, then get, and its /norm form

static const char* const rich_session = "/strip/add mono 1\n"
                                        "/strip/add wide 2\n"
                                        "/bus/add fx aux 2\n"
                                        "/bus/add fx1 aux 1\n"
                                        "/bus/add grp group 2\n"
                                        "/bus/add grp1 group 1\n";

/// One control as /list describes it
typedef struct {
  char address[MXT_OSC_MAX_STRING]; ///< Its address
  char type;                        ///< 'f', 'i' or 's'
  char unit[MXT_OSC_MAX_STRING];    ///< Its unit ("dB", "Hz", "")
  char range[MXT_OSC_MAX_STRING];   ///< "LO to HI UNIT[, or -inf]", "0 or 1", "a|b|c"
  char def[MXT_OSC_MAX_STRING];     ///< Its default, as text
} Control;

/// Most controls the test takes from /list
#define MAX_CONTROLS 8192U

// The reply to a set or get of `path`, which must be one value of `type`
static MxtOscMsg
round_trip(MxtOsc* const osc, const char* const path, const char* const types, ...)
{
  uint8_t   buf[1024];
  MxtOscMsg m;
  va_list   args;
  va_start(args, types);
  const size_t n = mxt_osc_vencode(buf, sizeof(buf), path, types, args);
  va_end(args);
  ck_assert(n > 0U);
  mxt_osc_drain(osc);
  ck_assert(mxt_osc_send_raw(osc, buf, n));
  ck_assert_msg(mxt_osc_wait(osc, path, true, REPLY_MS, &m), "no reply to %s", path);
  ck_assert_msg(strcmp(m.path, "/error"), "%s %s: %s", path, types, text(&m));
  ck_assert_msg(m.argc == 1U, "%s: %s", path, text(&m));
  return m;
}

/// How a control's 0..1 form maps, as mixd-osc(7) says
typedef enum { LAW_LINEAR, LAW_LOG, LAW_FADER } Law;

// The documented value of a 0..1 form
static double
from_norm(const Law law, const double lo, const double hi, const double x)
{
  // The X32 fader law: (norm, dB) corners, straight lines between
  static const double corners[][2] = {
    { 0.0625, -60.0 }, { 0.25, -30.0 }, { 0.5, -10.0 }, { 1.0, 10.0 }
  };
  switch (law) {
    case LAW_LOG:
      return lo * pow(hi / lo, x);
    case LAW_FADER:
      if (x <= 0.0) {
        return -INFINITY;
      }
      for (unsigned i = 1U; i < 4U; ++i) {
        if (x <= corners[i][0]) {
          const double t = (x - corners[i - 1U][0]) / (corners[i][0] - corners[i - 1U][0]);
          return corners[i - 1U][1] + t * (corners[i][1] - corners[i - 1U][1]);
        }
      }
      return 10.0;
    case LAW_LINEAR:
      break;
  }
  return lo + x * (hi - lo);
}

// Values of float controls: close enough (the same float, but for rounding of the law)
static bool
close_to(const double got, const double want)
{
  return got == want || fabs(got - want) <= 1e-4 * fmax(1.0, fabs(want));
}

/// What the round trips covered
typedef struct {
  unsigned floats;   ///< Number controls set, got, clamped and set and got at /norm
  unsigned switches; ///< Switches set with i, T and F
  unsigned choices;  ///< Choices set by each label and by index
  unsigned faders;   ///< Fader-law controls checked at the law's corners
  unsigned logs;     ///< Logarithmic /norm forms
  unsigned refused;  ///< Changes the mix refused (with /error)
  char     first_refused[2U * MXT_OSC_MAX_STRING + 8U]; ///< The first of them
} Coverage;

static void
check_float_control(MxtOsc* const osc, const Control* const c, Coverage* const cov)
{
  double lo = 0.0;
  double hi = 0.0;
  ck_assert_msg(
    sscanf(c->range, "%lf to %lf", &lo, &hi) == 2, "%s: range '%s'", c->address, c->range);
  const bool off    = strstr(c->range, "or -inf") != NULL;
  const bool timing = !strcmp(c->unit, "Hz") || !strcmp(c->unit, "ms") || !strcmp(c->unit, ":1") ||
                      strstr(c->address, "/q") != NULL;
  const Law    law = off ? LAW_FADER : timing && lo > 0.0 ? LAW_LOG : LAW_LINEAR;
  const double v   = (double)(float)from_norm(law == LAW_FADER ? LAW_LINEAR : law, lo, hi, 0.3);

  // Set and get, plain
  MxtOscMsg m = round_trip(osc, c->address, "f", v);
  ck_assert_msg(
    m.types[0] == 'f' && (double)m.arg[0].f == v, "%s %.9g: reply %s", c->address, v, text(&m));
  m = round_trip(osc, c->address, "");
  ck_assert_msg(
    m.types[0] == 'f' && (double)m.arg[0].f == v, "get %s: %s after %.9g", c->address, text(&m), v);
  m = round_trip(osc, c->address, "d", v);
  ck_assert_msg(
    m.types[0] == 'f' && (double)m.arg[0].f == v, "%s d:%.9g: %s", c->address, v, text(&m));

  // Out of range: clamped
  m = round_trip(osc, c->address, "f", hi + (hi - lo) + 1.0);
  ck_assert_msg(m.types[0] == 'f' && (double)m.arg[0].f == (double)(float)hi,
                "%s above its range: %s, expected %g",
                c->address,
                text(&m),
                hi);
  m = round_trip(osc, c->address, "f", lo - (hi - lo) - 1.0);
  ck_assert_msg(m.types[0] == 'f' && (double)m.arg[0].f == (double)(float)lo,
                "%s below its range: %s, expected %g",
                c->address,
                text(&m),
                lo);
  if (off) {
    m = round_trip(osc, c->address, "s", "-inf");
    ck_assert_msg(m.types[0] == 'f' && isinf(m.arg[0].f) && m.arg[0].f < 0.0f,
                  "%s -inf: %s",
                  c->address,
                  text(&m));
    m = round_trip(osc, c->address, "");
    ck_assert_msg(isinf(m.arg[0].f) && m.arg[0].f < 0.0f, "get %s: %s", c->address, text(&m));
  }

  // The /norm form: set 0.3, read it back, and the plain value as documented
  char norm[MXT_OSC_MAX_STRING + 8U];
  snprintf(norm, sizeof(norm), "%s/norm", c->address);
  m = round_trip(osc, norm, "f", 0.3);
  ck_assert_msg(
    m.types[0] == 'f' && fabs((double)m.arg[0].f - 0.3) < 1e-4, "%s 0.3: %s", norm, text(&m));
  m = round_trip(osc, norm, "");
  ck_assert_msg(
    m.types[0] == 'f' && fabs((double)m.arg[0].f - 0.3) < 1e-4, "get %s: %s", norm, text(&m));
  m                 = round_trip(osc, c->address, "");
  const double want = fmin(fmax(from_norm(law, lo, hi, 0.3), lo), hi);
  ck_assert_msg(close_to((double)m.arg[0].f, want),
                "%s/norm 0.3 is %s, mixd-osc(7) says %.6g (%s law)",
                c->address,
                text(&m),
                want,
                law == LAW_FADER ? "fader"
                : law == LAW_LOG ? "log"
                                 : "linear");
  cov->logs += law == LAW_LOG;

  // The fader law at its corners, both ways
  if (law == LAW_FADER) {
    static const double corner[][2] = { { 1.0, 10.0 },   { 0.75, 0.0 },     { 0.5, -10.0 },
                                        { 0.25, -30.0 }, { 0.0625, -60.0 }, { 0.0, -INFINITY } };
    for (unsigned i = 0U; i < sizeof(corner) / sizeof(corner[0]); ++i) {
      round_trip(osc, norm, "f", corner[i][0]);
      m = round_trip(osc, c->address, "");
      ck_assert_msg((double)m.arg[0].f == corner[i][1],
                    "%s %g is %s, not %g dB",
                    norm,
                    corner[i][0],
                    text(&m),
                    corner[i][1]);
      if (isfinite(corner[i][1])) {
        round_trip(osc, c->address, "f", corner[i][1]);
      }
      m = round_trip(osc, norm, "");
      ck_assert_msg(fabs((double)m.arg[0].f - corner[i][0]) < 1e-6,
                    "%s at %g dB reads %s",
                    norm,
                    corner[i][1],
                    text(&m));
    }
    ++cov->faders;
  }
  ++cov->floats;
}

static void
check_switch_control(MxtOsc* const osc, const Control* const c, Coverage* const cov)
{
  static const struct {
    const char* types;
    int         value;
  } sets[] = { { "i", 1 }, { "i", 0 }, { "T", 1 }, { "F", 0 }, { "f", 1 }, { "f", 0 } };
  char norm[MXT_OSC_MAX_STRING + 8U];
  for (unsigned i = 0U; i < sizeof(sets) / sizeof(sets[0]); ++i) {
    uint8_t      buf[512];
    const size_t n = sets[i].types[0] == 'i'
                       ? mxt_osc_encode(buf, sizeof(buf), c->address, "i", sets[i].value)
                     : sets[i].types[0] == 'f'
                       ? mxt_osc_encode(buf, sizeof(buf), c->address, "f", (double)sets[i].value)
                       : mxt_osc_encode(buf, sizeof(buf), c->address, sets[i].types);
    MxtOscMsg    m;
    mxt_osc_drain(osc);
    ck_assert(mxt_osc_send_raw(osc, buf, n));
    ck_assert_msg(mxt_osc_wait(osc, c->address, true, REPLY_MS, &m), "no reply: %s", c->address);
    if (!strcmp(m.path, "/error")) {
      // A change the mix refuses (a routing loop): it must say so, and only for setting it on
      ck_assert_msg(
        sets[i].value == 1 && m.argc == 2U, "%s %s: %s", c->address, sets[i].types, text(&m));
      if (!cov->refused++) {
        snprintf(cov->first_refused, sizeof(cov->first_refused), "%s (%s)", c->address, m.arg[1].s);
      }
      continue;
    }
    ck_assert_msg(m.argc == 1U && m.types[0] == 'i' && m.arg[0].i == sets[i].value,
                  "%s %s: %s",
                  c->address,
                  sets[i].types,
                  text(&m));
    m = round_trip(osc, c->address, "");
    ck_assert_msg(
      m.types[0] == 'i' && m.arg[0].i == sets[i].value, "get %s: %s", c->address, text(&m));
  }

  // A switch has no /norm form
  snprintf(norm, sizeof(norm), "%s/norm", c->address);
  MxtOscMsg m;
  ck_assert_msg(!request(osc, &m, norm, norm, "f", 0.5), "%s answered: %s", norm, text(&m));
  ++cov->switches;
}

static void
check_choice_control(MxtOsc* const osc, const Control* const c, Coverage* const cov)
{
  char labels[MXT_OSC_MAX_STRING];
  snprintf(labels, sizeof(labels), "%s", c->range);
  char* save  = NULL;
  int   index = 0;
  for (char* l = strtok_r(labels, "|", &save); l; l = strtok_r(NULL, "|", &save), ++index) {
    MxtOscMsg m = round_trip(osc, c->address, "s", l);
    ck_assert_msg(
      m.types[0] == 's' && !strcmp(m.arg[0].s, l), "%s %s: %s", c->address, l, text(&m));
    m = round_trip(osc, c->address, "");
    ck_assert_msg(m.types[0] == 's' && !strcmp(m.arg[0].s, l), "get %s: %s", c->address, text(&m));
    round_trip(osc, c->address, "s", c->def);
    m = round_trip(osc, c->address, "i", index);
    ck_assert_msg(
      m.types[0] == 's' && !strcmp(m.arg[0].s, l), "%s i:%d: %s", c->address, index, text(&m));
  }
  MxtOscMsg m;
  ck_assert_msg(!request(osc, &m, c->address, c->address, "s", "no-such-label"),
                "%s took a label it does not have",
                c->address);
  ++cov->choices;
}

// /list on a session with mono and stereo strips, aux and group buses of
// both widths, the master, the VCAs, the mute groups and the monitor:
// every control it lists is set and got over OSC (floats plain, as d,
// clamped, -inf where a level can be off, and at /norm as mixd-osc(7)
// maps it; switches by i, T, F and f; choices by label and by index),
// then set back to its default (given as text); the list's count is right
START_TEST(every_address_round_trips)
{
  Rig rig;
  rig_up(&rig, rich_session, 0U, 1U, NULL);
  MxtOsc* const osc      = rig.osc;
  Control*      controls = (Control*)calloc(MAX_CONTROLS, sizeof(Control));
  ck_assert(controls != NULL);

  // The list: commands, then one /list/item per control, then /list/end i:count
  mxt_osc_drain(osc);
  ck_assert(mxt_osc_send(osc, "/list", ""));
  size_t    n        = 0U;
  size_t    items    = 0U;
  size_t    commands = 0U;
  MxtOscMsg m;
  for (;;) {
    ck_assert_msg(mxt_osc_recv(osc, REPLY_MS, &m), "/list stopped after %zu items", items);
    if (!strcmp(m.path, "/list/end")) {
      break;
    }
    ck_assert_msg(!strcmp(m.path, "/list/item") && m.argc >= 2U, "in /list: %s", text(&m));
    ++items;
    if (!strcmp(m.arg[1].s, "command")) {
      ++commands;
      continue;
    }
    ck_assert_msg(m.argc == 6U && !strcmp(m.types, "ssssss"), "/list/item: %s", text(&m));
    ck_assert_uint_lt(n, MAX_CONTROLS);
    Control* const c = &controls[n++];
    snprintf(c->address, sizeof(c->address), "%s", m.arg[0].s);
    c->type = m.arg[2].s[0];
    snprintf(c->unit, sizeof(c->unit), "%s", m.arg[3].s);
    snprintf(c->range, sizeof(c->range), "%s", m.arg[4].s);
    snprintf(c->def, sizeof(c->def), "%s", m.arg[5].s);
  }
  ck_assert_msg(m.argc == 1U && m.types[0] == 'i' && (size_t)m.arg[0].i == items,
                "/list/end %s after %zu items",
                text(&m),
                items);

  // Every kind of node is there
  static const char* const nodes[] = { "/strip/mono/",  "/strip/wide/", "/bus/fx/", "/bus/fx1/",
                                       "/bus/grp/",     "/bus/grp1/",   "/master/", "/vca/1/",
                                       "/mutegroup/1/", "/monitor/" };
  for (size_t k = 0U; k < sizeof(nodes) / sizeof(nodes[0]); ++k) {
    bool found = false;
    for (size_t i = 0U; i < n && !found; ++i) {
      found = !strncmp(controls[i].address, nodes[k], strlen(nodes[k]));
    }
    ck_assert_msg(found, "/list has no %s...", nodes[k]);
  }

  Coverage cov;
  memset(&cov, 0, sizeof(cov));
  const double t0 = mxt_now_ms();
  for (size_t i = 0U; i < n; ++i) {
    const Control* const c = &controls[i];
    switch (c->type) {
      case 'f':
        check_float_control(osc, c, &cov);
        break;
      case 'i':
        check_switch_control(osc, c, &cov);
        break;
      case 's':
        check_choice_control(osc, c, &cov);
        break;
      default:
        ck_abort_msg("%s: type '%c'", c->address, c->type);
    }

    // Back to its default, given as text: its get is the default again
    MxtOscMsg back;
    ck_assert_msg(request(osc, &back, c->address, c->address, "s", c->def),
                  "%s %s: %s",
                  c->address,
                  c->def,
                  text(&back));
    MxtOscMsg again = round_trip(osc, c->address, "");
    ck_assert_msg(again.types[0] == back.types[0] &&
                    (back.types[0] == 's' ? !strcmp(again.arg[0].s, back.arg[0].s)
                                          : again.arg[0].i == back.arg[0].i),
                  "%s: default %s, then get %s",
                  c->address,
                  text(&back),
                  text(&again));
  }
  ck_assert_uint_eq(cov.floats + cov.switches + cov.choices, n);
  ck_assert_msg(cov.logs > 0U && cov.faders > 0U, "no logarithmic or fader-law control checked");
  fprintf(stderr,
          "# every address: %zu controls listed (and %zu commands), all set and got in %.0f ms: "
          "%u numbers (plain, d, clamped, /norm; %u logarithmic, %u on the fader law checked at "
          "its corners), %u switches, %u choices; %u changes refused%s%s\n",
          n,
          commands,
          mxt_now_ms() - t0,
          cov.floats,
          cov.logs,
          cov.faders,
          cov.switches,
          cov.choices,
          cov.refused,
          cov.refused ? ", first " : "",
          cov.first_refused);
  free(controls);
  ck_assert(mxt_mixd_alive(&rig.mixd));
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// Bad input

static const char* const bad_session = "/strip/add vox 1\n"
                                       "/strip/vox/fader -6\n"
                                       "/jack/connect feed:out_1 vox_in\n"
                                       "/jack/connect master_out_L rec:in_1\n"
                                       "/jack/connect master_out_R rec:in_2\n";

/// A message that must get "/error s:address s:reason" and change nothing
typedef struct {
  const char* path;  ///< Its address
  const char* types; ///< Its type tags (hand-written after the path when `raw`)
  double      f;     ///< Its first number, if any
  const char* s;     ///< Its first string, if any
  const char* error; ///< The address the error names
} Bad;

static const Bad bad_messages[] = {
  { "/strip/vox/fader", "f", NAN, NULL, "/strip/vox/fader" },
  { "/strip/vox/fader", "f", INFINITY, NULL, "/strip/vox/fader" },
  { "/strip/vox/fader", "f", -INFINITY, NULL, "/strip/vox/fader" },
  { "/strip/vox/fader", "d", NAN, NULL, "/strip/vox/fader" },
  { "/strip/vox/fader/norm", "f", NAN, NULL, "/strip/vox/fader/norm" },
  { "/strip/vox/fader", "s", 0.0, "banana", "/strip/vox/fader" },
  { "/strip/vox/fader", "s", 0.0, "nan", "/strip/vox/fader" },
  { "/strip/vox/fader/norm", "s", 0.0, "0.5", "/strip/vox/fader/norm" },
  { "/strip/vox/fader", "N", 0.0, NULL, "/strip/vox/fader" },
  { "/strip/vox/fader", "ff", -20.0, NULL, "/strip/vox/fader" },
  { "/strip/vox/mute/norm", "f", 1.0, NULL, "/strip/vox/mute/norm" },
  { "/strip/vox/pan", "s", 0.0, "left", "/strip/vox/pan" },
  { "/strip/nosuch/fader", "f", -20.0, NULL, "/strip/nosuch/fader" },
  { "/strip/vox/nosuch", "f", -20.0, NULL, "/strip/vox/nosuch" },
  { "/strip/vox/send/nosuch/level", "f", 0.0, NULL, "/strip/vox/send/nosuch/level" },
  { "/nosuch", "f", 1.0, NULL, "/nosuch" },
  { "/strip/9/fader", "f", -20.0, NULL, "/strip/9/fader" },
  { "/strip/*/nosuch", "f", -20.0, NULL, "/strip/*/nosuch" },
  { "/strip/[/fader", "f", -20.0, NULL, "/strip/[/fader" },
  { "/strip/{vox/fader", "f", -20.0, NULL, "/strip/{vox/fader" },
  { "/strip/vox/width", "f", 0.0, NULL, "/strip/vox/width" },
  { "/strip/add", "s", 0.0, "vox", "/strip/add" },
  { "/bus/add", "f", 1.0, NULL, "/bus/add" },
  { "/meters/subscribe", "f", 1000.0, NULL, "/meters/subscribe" },
};

/// Hand-made packets that are not OSC, or not valid OSC
static const struct {
  const char* what;
  uint8_t     bytes[40];
  size_t      size;
} bad_packets[] = {
  { "garbage", { 0xde, 0xad, 0xbe, 0xef }, 4U },
  { "no padding", { '/', 'a', 'b' }, 3U },
  { "unterminated path", { '/', 'a', 'b', 'c', 'd', 'e', 'f', 'g' }, 8U },
  { "missing int", { '/', 'x', 0, 0, ',', 'i', 0, 0 }, 8U },
  { "unknown type",
    { '/', 's', 't', 'r', 'i', 'p', '/', 'v', 'o', 'x', '/', 'f', 'a', 'd',
      'e', 'r', 0,   0,   0,   0,   ',', 'Q', 0,   0,   0,   0,   0,   1 },
    28U },
  { "bundle, bad size",
    { '#', 'b', 'u', 'n', 'd', 'l', 'e', 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, '/', 'x', 0, 0 },
    24U },
  { "bundle, truncated",
    { '#', 'b', 'u', 'n', 'd', 'l', 'e', 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 },
    18U },
  { "empty", { 0 }, 0U },
};

// DC through a strip at -6 dB; a burst of bad messages (NaN and
// infinities, wrong types and counts, unknown addresses, strips and
// controls, bad patterns, /norm on a switch) and malformed packets: every
// bad message gets "/error s:address s:reason" naming its address, and
// afterwards mixd answers, the fader reads -6 and the output level is
// exactly what it was.  test_live_stress floods mixd with 100,000 random
// and malformed packets
START_TEST(bad_input_changes_nothing)
{
  Rig rig;
  rig_up(&rig, bad_session, 1U, 2U, NULL);
  play_dc(&rig, 0U, 0.5f);
  wait_connected(&rig, "feed:out_1", "mixd:vox_in");
  wait_connected(&rig, "mixd:master_out_R", "rec:in_2");
  MxtTake take;
  double  before[2];
  dc_settle(&rig, 2U, &take, before);
  ck_assert_msg(fabs(before[0] - 0.5 * gain(-6.0) * CENTRE) < 1e-6 && before[1] == before[0],
                "DC 0.5 at -6 dB: %.9g %.9g",
                before[0],
                before[1]);

  // Each bad message: exactly one /error, naming its address, with a reason
  for (size_t i = 0U; i < sizeof(bad_messages) / sizeof(bad_messages[0]); ++i) {
    const Bad* const b = &bad_messages[i];
    uint8_t          buf[512];
    const size_t n = !strcmp(b->types, "s")   ? mxt_osc_encode(buf, sizeof(buf), b->path, "s", b->s)
                     : !strcmp(b->types, "N") ? mxt_osc_encode(buf, sizeof(buf), b->path, "N")
                     : !strcmp(b->types, "ff")
                       ? mxt_osc_encode(buf, sizeof(buf), b->path, "ff", b->f, b->f)
                       : mxt_osc_encode(buf, sizeof(buf), b->path, b->types, b->f);
    ck_assert(n > 0U);
    MxtOscMsg m;
    mxt_osc_drain(rig.osc);
    ck_assert(mxt_osc_send_raw(rig.osc, buf, n));
    ck_assert_msg(mxt_osc_recv(rig.osc, REPLY_MS, &m), "no reply to bad %s %s", b->path, b->types);
    ck_assert_msg(!strcmp(m.path, "/error") && m.argc == 2U && !strcmp(m.types, "ss"),
                  "bad %s %s: %s",
                  b->path,
                  b->types,
                  text(&m));
    ck_assert_msg(
      !strcmp(m.arg[0].s, b->error) && m.arg[1].s[0], "bad %s %s: %s", b->path, b->types, text(&m));
    ck_assert_msg(!mxt_osc_recv(rig.osc, 20.0, &m), "bad %s: a second reply %s", b->path, text(&m));
  }

  // Malformed packets: an /error (for an empty address) or nothing, never a change
  unsigned answered = 0U;
  for (size_t i = 0U; i < sizeof(bad_packets) / sizeof(bad_packets[0]); ++i) {
    MxtOscMsg m;
    mxt_osc_drain(rig.osc);
    ck_assert(mxt_osc_send_raw(rig.osc, bad_packets[i].bytes, bad_packets[i].size));
    if (mxt_osc_recv(rig.osc, 100.0, &m)) {
      ck_assert_msg(!strcmp(m.path, "/error"), "%s: %s", bad_packets[i].what, text(&m));
      ++answered;
    }
  }

  MxtOscMsg m;
  ck_assert_msg(request(rig.osc, &m, "/pong", "/ping", "i", 7), "no /pong after the bad input");
  ck_assert_msg(m.argc == 1U && m.types[0] == 'i' && m.arg[0].i == 7, "%s", text(&m));
  mxt_osc_drain(rig.osc);
  ck_assert(mxt_mixd_alive(&rig.mixd));
  ck_assert(get_float(rig.osc, "/strip/vox/fader") == -6.0f);

  double after[2];
  pace_ms(40.0); // Past any glide a change would have started
  dc_settle(&rig, 2U, &take, after);
  ck_assert_msg(after[0] == before[0] && after[1] == before[1],
                "level %.9g %.9g, before %.9g %.9g",
                after[0],
                after[1],
                before[0],
                before[1]);
  fprintf(stderr,
          "# bad input: %zu bad messages each got one /error; %u of %zu malformed packets got "
          "one; the level is %.4f dB (%.4f before)\n",
          sizeof(bad_messages) / sizeof(bad_messages[0]),
          answered,
          sizeof(bad_packets) / sizeof(bad_packets[0]),
          mxt_db(after[0]),
          mxt_db(before[0]));
  rig_down(&rig);
}
END_TEST

// --osc-listen 127.0.0.1 --osc-allow 10.0.0.0/8: the test's packets (from
// 127.0.0.1) are dropped: no reply, no change to the mix, and the log
// says so
START_TEST(allow_list_drops)
{
  static const char* const allow[] = {
    "--osc-listen", "127.0.0.1", "--osc-allow", "10.0.0.0/8", NULL
  };
  Rig rig;
  rig_up(&rig, bad_session, 1U, 2U, allow);
  play_dc(&rig, 0U, 0.5f);
  wait_connected(&rig, "feed:out_1", "mixd:vox_in");
  wait_connected(&rig, "mixd:master_out_R", "rec:in_2");
  MxtTake take;
  double  before[2];
  dc_settle(&rig, 2U, &take, before);

  MxtOscMsg m;
  ck_assert(mxt_osc_send(rig.osc, "/ping", ""));
  ck_assert(mxt_osc_send(rig.osc, "/strip/vox/fader", "f", -40.0));
  ck_assert(mxt_osc_send(rig.osc, "/strip/vox/fader", ""));
  ck_assert_msg(
    !mxt_osc_recv(rig.osc, SILENT_MS, &m), "a reply from outside the allow-list: %s", text(&m));
  ck_assert_msg(mxt_file_wait(rig.mixd.log, "outside the allow-list", 1U, MXT_TIMEOUT_MS),
                "nothing logged (see %s)",
                rig.mixd.log);
  ck_assert_uint_ge(mxt_file_count(rig.mixd.log, "dropped"), 1U);
  ck_assert_uint_ge(mxt_file_count(rig.mixd.log, "from 127.0.0.1"), 1U);
  double after[2];
  pace_ms(40.0); // Past any glide a change would have started
  dc_settle(&rig, 2U, &take, after);
  ck_assert_msg(after[0] == before[0], "level %.9g, before %.9g", after[0], before[0]);
  ck_assert(mxt_mixd_alive(&rig.mixd));
  fprintf(stderr, "# allow-list: packets from 127.0.0.1 dropped and logged; level unchanged\n");
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// The JACK server goes away and comes back: OSC goes on

// DC through a centred strip; jackd stops (the test's clients with it):
// mixd still answers OSC, takes a fader change (-12 dB), and tells a
// subscriber; when jackd is back, mixd reconnects and the output is at
// -12 dB, and the subscription still works
START_TEST(osc_survives_server_restart)
{
  Rig rig;
  rig_up(&rig, glide_session, 1U, 2U, NULL);
  play_dc(&rig, 0U, 0.5f);
  wait_connected(&rig, "feed:out_1", "mixd:vox_in");
  wait_connected(&rig, "mixd:master_out_R", "rec:in_2");
  MxtTake take;
  double  level[2];
  dc_settle(&rig, 2U, &take, level);
  MxtOsc* const watcher = osc_client(&rig);
  MxtOscMsg     m;
  ck_assert(request(watcher, &m, "/subscribed", "/subscribe", "s", "/strip/vox/fader"));

  // The server goes: the clients close after it (as test_live.c's restarts do)
  mxt_osc_set_clock(rig.osc, NULL);
  mxt_server_stop(&rig.server);
  ck_assert_msg(rig.server.exit_code == 0,
                "jackd exited with %d on SIGTERM (see %s)",
                rig.server.exit_code,
                rig.server.log);
  mxt_client_close(rig.feed);
  mxt_client_close(rig.rec);
  rig.feed = rig.rec = NULL;
  ck_assert_msg(mxt_file_wait(rig.mixd.log, "went away", 1U, MXT_TIMEOUT_MS),
                "mixd did not notice (see %s)",
                rig.mixd.log);

  // Without a server: OSC answers, a change applies to the mix and is fed back
  ck_assert_msg(request(rig.osc, &m, "/pong", "/ping", ""), "no /pong without a server");
  set_float(rig.osc, "/strip/vox/fader", -12.0);
  ck_assert(get_float(rig.osc, "/strip/vox/fader") == -12.0f);
  ck_assert_msg(wait_value(watcher, "/strip/vox/fader", -12.0f, REPLY_MS) > 0.0,
                "no feedback without a server");
  ck_assert(mxt_mixd_alive(&rig.mixd));

  // The server is back: mixd reconnects with the changed mix
  char name[64];
  snprintf(name, sizeof(name), "%s", rig.server.name);
  ck_assert_msg(
    mxt_server_start(&rig.server, name), "jackd did not restart (see %s)", rig.server.log);
  const double back = mxt_now_ms();
  rig.rec           = mxt_client_open(rig.server.name, "rec", 0U, 2U, CAPACITY);
  rig.feed          = mxt_client_open(rig.server.name, "feed", 1U, 0U, 0U);
  ck_assert(rig.rec != NULL && rig.feed != NULL);
  play_dc(&rig, 0U, 0.5f);
  wait_connected(&rig, "feed:out_1", "mixd:vox_in");
  wait_connected(&rig, "mixd:master_out_R", "rec:in_2");
  const double took = mxt_now_ms() - back;
  mxt_osc_set_clock(rig.osc, mxt_client_jack(rig.rec));
  dc_settle(&rig, 2U, &take, level);
  const double want = 0.5 * CENTRE * gain(-12.0);
  ck_assert_msg(fabs(level[0] - want) < 1e-6 && fabs(level[1] - want) < 1e-6,
                "after the restart: %.9g %.9g, expected %.9g (-12 dB)",
                level[0],
                level[1],
                want);

  // And OSC goes on as before, subscription included
  set_float(rig.osc, "/strip/vox/fader", -6.0);
  ck_assert_msg(wait_value(watcher, "/strip/vox/fader", -6.0f, REPLY_MS) > 0.0,
                "no feedback after the restart");
  pace_ms(40.0); // Past the glide
  dc_settle(&rig, 2U, &take, level);
  ck_assert_msg(fabs(level[0] - 0.5 * CENTRE * gain(-6.0)) < 1e-6, "%.9g at -6 dB", level[0]);
  fprintf(stderr,
          "# server restart: OSC answered and took a change with no server; mixd was back with "
          "its ports and connections %.0f ms after the server, at the changed level\n",
          took);
  rig_down(&rig);
}
END_TEST

int
main(void)
{
  const char* why = NULL;
  if (!mxt_rig_begin(&why)) {
    printf("test_live_osc: SKIP: %s\n", why);
    return 77;
  }

  Suite* const s     = suite_create("live_osc");
  TCase* const audio = live_case("audio", 60.0);
  tcase_add_test(audio, fader_move_latency_and_glide);
  tcase_add_test(audio, bundle_and_pattern_same_period);
  suite_add_tcase(s, audio);

  TCase* const feedback = live_case("feedback", 60.0);
  tcase_add_test(feedback, subscribers_and_leases);
  tcase_add_test(feedback, meters_rate_and_levels);
  suite_add_tcase(s, feedback);

  TCase* const addresses = live_case("addresses", 60.0);
  tcase_add_test(addresses, every_address_round_trips);
  suite_add_tcase(s, addresses);

  TCase* const restart = live_case("restart", 60.0);
  tcase_add_test(restart, osc_survives_server_restart);
  suite_add_tcase(s, restart);

  TCase* const bad = live_case("bad_input", 60.0);
  tcase_add_test(bad, bad_input_changes_nothing);
  tcase_add_test(bad, allow_list_drops);
  suite_add_tcase(s, bad);

  SRunner* const runner = srunner_create(s);
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  mxt_rig_end(failed != 0 || getenv("MXT_KEEP"));
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
