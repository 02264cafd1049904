// SPDX-License-Identifier: GPL-3.0-or-later

// The live daemon against a real JACK server: a private dummy jackd, mixd
// as a child process, a feeder client that plays known signals into its
// strips and a recorder client that captures its outputs (jack_rig.h).
// Skips (exit 77) if jackd is not installed.
//
// Lines starting with "# " on stderr are measurements (levels, latency,
// reconnection times, xruns).  Environment: MXT_KEEP=1 keeps the logs and
// sessions of a passing run (a failing run always keeps them and says
// where); MXT_VERBOSE=1 shows libjack's messages; MXT_STRICT_XRUNS=1 also
// requires no xrun at all while the mix changes (for a machine with
// realtime scheduling to spare: with --no-realtime at 64 frames, a loaded
// or virtual machine has xruns with nothing changing).

#include "jack_rig.h"
#include "testutil.h"

#include <jack/jack.h>

#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/// Length of every played loop: 100 ms.  Tones are multiples of 10 Hz, so a
/// loop holds whole periods, and so does any window of LOOP samples.
#define LOOP 4800U

/// Longest take, frames (10 s)
#define CAPACITY (100U * LOOP)

/// Within this, levels are equal (the tolerance)
#define TOLERANCE_DB 0.01

/// A component this far down is silence (float rounding is near -140 dB)
#define SILENCE_DB (-120.0)

/// How long mixd may take to reconnect after its server is back, ms
#define RECONNECT_MS 5000.0

/// How long a /pong may take while mixd's connection to a server hangs, ms
/// (one takes well under a millisecond)
#define PONG_MS 500.0

/// How long mixd may take to exit on a signal while its connection hangs, ms
#define EXIT_MS 2000.0

/// How long OSC is checked while the connection hangs, ms
#define HANG_MS 1500.0

/// sin(pi/4): each side of a centred mono strip (-3 dB sin/cos law)
#define CENTRE 0.70710678118654752

/// A running rig: server, mixd, feeder and recorder
typedef struct {
  MxtServer  server;  ///< The private jackd
  MxtMixd    mixd;    ///< mixd, client "mixd"
  MxtClient* feed;    ///< The feeder, client "feed": out_1, out_2, ...
  MxtClient* rec;     ///< The recorder, client "rec": in_1, in_2, ...
  unsigned   retakes; ///< Takes thrown away for an overrun
} Rig;

static double
gain(const double db)
{
  return pow(10.0, db / 20.0);
}

// ---------------------------------------------------------------------------
// Setting up

// Open the feeder "feed" (outputs) and the recorder "rec" (inputs)
static void
open_clients(Rig* const rig, const unsigned n_feed, const unsigned n_rec)
{
  rig->feed = mxt_client_open(rig->server.name, "feed", n_feed, 0U, 0U);
  ck_assert_msg(rig->feed != NULL, "cannot open the feeder on %s", rig->server.name);
  rig->rec = mxt_client_open(rig->server.name, "rec", 0U, n_rec, CAPACITY);
  ck_assert_msg(rig->rec != NULL, "cannot open the recorder on %s", rig->server.name);
}

// Wait for one of mixd's ports ("vox_in") to exist or not
static void
wait_own_port(Rig* const rig, const char* const port, const bool present, const double timeout_ms)
{
  char full[128];
  snprintf(full, sizeof(full), "%s:%s", rig->mixd.client, port);
  ck_assert_msg(mxt_client_wait_port(rig->rec, full, present, timeout_ms),
                "port %s %s after %.0f ms (see %s)",
                full,
                present ? "missing" : "still there",
                timeout_ms,
                rig->mixd.log);
}

// Wait until `from` feeds `to` (either may be one of mixd's ports, "vox_in")
static void
wait_connected(Rig* const        rig,
               const char* const from,
               const char* const to,
               const double      timeout_ms)
{
  char a[128];
  char b[128];
  snprintf(a,
           sizeof(a),
           "%s%s%s",
           strchr(from, ':') ? "" : rig->mixd.client,
           strchr(from, ':') ? "" : ":",
           from);
  snprintf(b,
           sizeof(b),
           "%s%s%s",
           strchr(to, ':') ? "" : rig->mixd.client,
           strchr(to, ':') ? "" : ":",
           to);
  ck_assert_msg(mxt_client_wait_connected(rig->rec, a, b, timeout_ms),
                "%s is not connected to %s (see %s)",
                a,
                b,
                rig->mixd.log);
}

// Server, clients, then mixd with `session`, up to its master outputs
static void
rig_up(Rig* const rig, const char* const session, const unsigned n_feed, const unsigned n_rec)
{
  memset(rig, 0, sizeof(*rig));
  ck_assert_msg(
    mxt_server_start(&rig->server, NULL), "jackd did not start (see %s)", rig->server.log);
  open_clients(rig, n_feed, n_rec);
  ck_assert(mxt_mixd_start(&rig->mixd, rig->server.name, "mixd", session, NULL));
  wait_own_port(rig, "master_out_L", true, MXT_TIMEOUT_MS);
}

// Stop mixd with SIGTERM and check that it exits with status 0
static void
rig_down(Rig* const rig)
{
  if (rig->retakes) {
    fprintf(stderr, "# (%u takes thrown away: a client ran late)\n", rig->retakes);
  }
  const int code = mxt_mixd_stop(&rig->mixd, SIGTERM);
  ck_assert_msg(code == 0, "mixd exited with %d on SIGTERM (see %s)", code, rig->mixd.log);
  mxt_rig_teardown();
}

static void
play_tone(Rig* const rig, const unsigned port, const double freq, const double amp)
{
  float loop[LOOP];
  mxt_sine(loop, LOOP, freq, (double)MXT_RATE, amp, 0.0);
  ck_assert(mxt_client_play(rig->feed, port, loop, LOOP));
}

static void
play_impulse(Rig* const rig, const unsigned port, const float amp)
{
  float loop[LOOP];
  mxt_fill(loop, LOOP, 0.0f);
  loop[0] = amp;
  ck_assert(mxt_client_play(rig->feed, port, loop, LOOP));
}

// ---------------------------------------------------------------------------
// Measuring

/// Level, dB, of the `freq` component of recorder input `ch` over the last
/// LOOP samples of a take
static double
level_db(const MxtTake* const take, const unsigned ch, const double freq)
{
  ck_assert_uint_ge(take->frames, LOOP);
  return mxt_db(
    mxt_tone_amplitude(take->ch[ch] + take->frames - LOOP, LOOP, freq, (double)MXT_RATE));
}

/// Irregular cycles of the feeder and the recorder so far (jack_rig.h)
static size_t
irregular_count(const Rig* const rig)
{
  const jack_nframes_t* times = NULL;
  return mxt_client_irregular(rig->feed, &times) + mxt_client_irregular(rig->rec, &times);
}

/**
   Record a take in which neither test client ran a cycle late.

   On a loaded machine without realtime scheduling (--no-realtime), a
   client now and then runs a cycle after the server has begun the next,
   and places that block one cycle off (jack_rig.h): takes that saw such
   an irregular cycle are thrown away and taken again, so that exact
   comparisons compare mixd's output, not the machine's timing.
*/
static void
clean_take(Rig* const rig, const size_t frames, MxtTake* const take)
{
  // At least 50 tries and 20 s: a busy CI host can make a client late in
  // most 0.1 s takes for seconds at a time (two busy loops beside this
  // test: 90 retakes in the restart test)
  const double until = mxt_now_ms() + 2.0 * MXT_TIMEOUT_MS;
  unsigned     tries = 0U;
  for (; tries < 50U || mxt_now_ms() < until; ++tries) {
    const size_t before = irregular_count(rig);
    ck_assert_msg(mxt_client_record_take(rig->rec, frames, take), "no take from the recorder");
    if (take->gaps == 0U && irregular_count(rig) == before) {
      return;
    }
    ++rig->retakes;
  }
  ck_abort_msg(
    "%u takes in a row (%.0f s) saw a client run late", tries, 2.0 * MXT_TIMEOUT_MS / 1000.0);
}

/**
   Record until the levels hold still (parameter ramps and new connections
   settled): clean takes of one loop until the RMS of every recorded
   channel moves less than 0.0005 dB from one take to the next.
*/
static void
settle(Rig* const rig, const unsigned n_ch, MxtTake* const take)
{
  double last[MXT_MAX_PORTS];
  clean_take(rig, LOOP, take);
  for (unsigned c = 0U; c < n_ch; ++c) {
    last[c] = mxt_db(mxt_rms(take->ch[c], LOOP));
  }
  for (unsigned tries = 0U; tries < 50U; ++tries) {
    clean_take(rig, LOOP, take);
    bool still = true;
    for (unsigned c = 0U; c < n_ch; ++c) {
      const double now = mxt_db(mxt_rms(take->ch[c], LOOP));
      still            = still && (now == last[c] || fabs(now - last[c]) < 0.0005);
      last[c]          = now;
    }
    if (still) {
      return;
    }
  }
  ck_abort_msg("the levels never settled");
}

#define assert_db(measured, expected)                                                    \
  do {                                                                                   \
    const double m_ = (measured);                                                        \
    const double e_ = (expected);                                                        \
    ck_assert_msg(                                                                       \
      fabs(m_ - e_) < TOLERANCE_DB, "%s: %.4f dB, expected %.4f dB", #measured, m_, e_); \
  } while (0)

#define assert_silent(measured)                                                     \
  do {                                                                              \
    const double m_ = (measured);                                                   \
    ck_assert_msg(m_ < SILENCE_DB, "%s: %.1f dB, expected silence", #measured, m_); \
  } while (0)

/// Frame time of sample `i` of a take, from the block that holds it
static jack_nframes_t
frame_of(const MxtTake* const take, const size_t i)
{
  size_t lo = 0U;
  size_t hi = take->n_blocks;
  while (hi - lo > 1U) {
    const size_t mid = (lo + hi) / 2U;
    if (take->blocks[mid].offset <= i) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return take->blocks[lo].time + (jack_nframes_t)(i - take->blocks[lo].offset);
}

/// The capture latency of a port as JACK reports it, frames (max of its range)
static uint32_t
capture_latency(Rig* const rig, const char* const port)
{
  jack_port_t* const p = jack_port_by_name(mxt_client_jack(rig->rec), port);
  ck_assert_msg(p != NULL, "no port %s", port);
  jack_latency_range_t range = { 0U, 0U };
  jack_port_get_latency_range(p, JackCaptureLatency, &range);
  ck_assert_msg(range.min == range.max, "%s: latency range [%u, %u]", port, range.min, range.max);
  return range.max;
}

// ---------------------------------------------------------------------------
// Signals: gains, pans, sends, mutes and sums within 0.01 dB

static const char* const levels_session = "/strip/add vox 1\n"
                                          "/strip/vox/fader -6\n"
                                          "/strip/add keys 2\n"
                                          "/strip/add gtr 1\n"
                                          "/strip/gtr/fader -3\n"
                                          "/strip/gtr/pan -0.5\n"
                                          "/bus/add verb aux 2\n"
                                          "/strip/vox/send/verb/level -12\n"
                                          "/jack/connect feed:out_1 vox_in\n"
                                          "/jack/connect feed:out_2 keys_in_L\n"
                                          "/jack/connect feed:out_3 keys_in_R\n"
                                          "/jack/connect feed:out_4 gtr_in\n"
                                          "/jack/connect master_out_L rec:in_1\n"
                                          "/jack/connect master_out_R rec:in_2\n"
                                          "/jack/connect verb_out_L rec:in_3\n"
                                          "/jack/connect verb_out_R rec:in_4\n";

// The mono strip vox (1 kHz) at -6 dB, centred, sent at -12 dB to a stereo
// aux; the stereo strip keys (500 Hz left, 750 Hz right) at defaults; the
// mono strip gtr (250 Hz) at -3 dB, panned -0.5
START_TEST(gains_pans_sends_mutes)
{
  Rig rig;
  rig_up(&rig, levels_session, 4U, 4U);
  play_tone(&rig, 0U, 1000.0, 0.5);
  play_tone(&rig, 1U, 500.0, 0.25);
  play_tone(&rig, 2U, 750.0, 0.25);
  play_tone(&rig, 3U, 250.0, 0.5);
  wait_connected(&rig, "feed:out_4", "gtr_in", MXT_TIMEOUT_MS);
  wait_connected(&rig, "verb_out_R", "rec:in_4", MXT_TIMEOUT_MS);

  MxtTake take;
  settle(&rig, 4U, &take);
  const double vox   = mxt_db(0.5 * gain(-6.0) * CENTRE);
  const double send  = mxt_db(0.5 * gain(-6.0) * gain(-12.0) * CENTRE);
  const double keys  = mxt_db(0.25);
  const double gtr_l = mxt_db(0.5 * gain(-3.0) * cos(M_PI / 8.0)); // t = 1/4: L = cos(t pi/2)
  const double gtr_r = mxt_db(0.5 * gain(-3.0) * sin(M_PI / 8.0));
  assert_db(level_db(&take, 0U, 1000.0), vox);
  assert_db(level_db(&take, 1U, 1000.0), vox);
  assert_db(level_db(&take, 0U, 500.0), keys);
  assert_db(level_db(&take, 1U, 750.0), keys);
  assert_silent(level_db(&take, 1U, 500.0));
  assert_silent(level_db(&take, 0U, 750.0));
  assert_db(level_db(&take, 0U, 250.0), gtr_l);
  assert_db(level_db(&take, 1U, 250.0), gtr_r);
  assert_db(level_db(&take, 2U, 1000.0), send);
  assert_db(level_db(&take, 3U, 1000.0), send);
  assert_silent(level_db(&take, 2U, 500.0));
  assert_silent(level_db(&take, 3U, 250.0));
  fprintf(
    stderr,
    "# levels: vox %.4f dB (expected %.4f), send %.4f (%.4f), gtr L %.4f (%.4f) R %.4f (%.4f)\n",
    level_db(&take, 0U, 1000.0),
    vox,
    level_db(&take, 2U, 1000.0),
    send,
    level_db(&take, 0U, 250.0),
    gtr_l,
    level_db(&take, 1U, 250.0),
    gtr_r);

  // Muted: vox and its post-fader send fall silent, nothing else moves
  char muted[2048];
  snprintf(muted, sizeof(muted), "%s/strip/vox/mute 1\n", levels_session);
  ck_assert_int_eq(mxt_mixd_reload(&rig.mixd, muted), 1);
  settle(&rig, 4U, &take);
  assert_silent(level_db(&take, 0U, 1000.0));
  assert_silent(level_db(&take, 1U, 1000.0));
  assert_silent(level_db(&take, 2U, 1000.0));
  assert_silent(level_db(&take, 3U, 1000.0));
  assert_db(level_db(&take, 0U, 500.0), keys);
  assert_db(level_db(&take, 1U, 750.0), keys);
  assert_db(level_db(&take, 0U, 250.0), gtr_l);
  assert_db(level_db(&take, 1U, 250.0), gtr_r);

  // Unmuted again: back to the same level
  ck_assert_int_eq(mxt_mixd_reload(&rig.mixd, levels_session), 1);
  settle(&rig, 4U, &take);
  assert_db(level_db(&take, 0U, 1000.0), vox);
  assert_db(level_db(&take, 2U, 1000.0), send);
  rig_down(&rig);
}
END_TEST

// Two strips fed the same tone add up, in phase, on the master
START_TEST(strips_sum)
{
  static const char* const session = "/strip/add a 1\n"
                                     "/strip/a/fader -6\n"
                                     "/strip/add b 1\n"
                                     "/strip/b/fader -10\n"
                                     "/jack/connect feed:out_1 (a|b)_in\n"
                                     "/jack/connect master_out_L rec:in_1\n"
                                     "/jack/connect master_out_R rec:in_2\n";
  Rig                      rig;
  rig_up(&rig, session, 1U, 2U);
  play_tone(&rig, 0U, 1000.0, 0.5);
  wait_connected(&rig, "feed:out_1", "a_in", MXT_TIMEOUT_MS);
  wait_connected(&rig, "feed:out_1", "b_in", MXT_TIMEOUT_MS);
  wait_connected(&rig, "master_out_R", "rec:in_2", MXT_TIMEOUT_MS);

  MxtTake take;
  settle(&rig, 2U, &take);
  const double sum = mxt_db(0.5 * (gain(-6.0) + gain(-10.0)) * CENTRE);
  assert_db(level_db(&take, 0U, 1000.0), sum);
  assert_db(level_db(&take, 1U, 1000.0), sum);
  fprintf(stderr, "# sum: %.4f dB (expected %.4f)\n", level_db(&take, 0U, 1000.0), sum);
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// Latency: none on the dry path; the limiter's as reported

/**
   Check that a take of impulses (one every LOOP frames, emitted at frames
   t = 0 mod LOOP) holds exactly one impulse of `value` per loop, `delay`
   frames late, and exact zeros elsewhere.
   @return The number of impulses.
*/
static unsigned
check_impulses(const MxtTake* const take,
               const unsigned       ch,
               const uint32_t       delay,
               const double         value)
{
  unsigned found = 0U;
  size_t   bad   = take->frames;
  for (size_t i = 0U; i < take->frames && bad == take->frames; ++i) {
    const jack_nframes_t t = frame_of(take, i);
    const double         x = fabs((double)take->ch[ch][i]);
    if ((t - delay) % LOOP == 0U) {
      bad = x > 0.0 && fabs(mxt_db(x) - mxt_db(value)) < TOLERANCE_DB ? bad : i;
      ++found;
    } else {
      bad = x == 0.0 ? bad : i;
    }
  }
  ck_assert_msg(bad == take->frames,
                "frame %u (sample %zu, %u after an impulse): %.9g, expected %.9g",
                frame_of(take, bad),
                bad,
                (frame_of(take, bad) - delay) % LOOP,
                (double)take->ch[ch][bad],
                (frame_of(take, bad) - delay) % LOOP ? 0.0 : value);
  return found;
}

/// Delay, frames, of the largest sample of a take after the impulse that
/// precedes it (impulses are emitted at frames t = 0 mod LOOP)
static uint32_t
measured_delay(const MxtTake* const take, const unsigned ch)
{
  size_t best = 0U;
  for (size_t i = 0U; i < take->frames; ++i) {
    best = fabsf(take->ch[ch][i]) > fabsf(take->ch[ch][best]) ? i : best;
  }
  ck_assert_msg(take->ch[ch][best] != 0.0f, "no impulse came through");
  return frame_of(take, best) % LOOP;
}

START_TEST(latency_dry_and_limited)
{
  static const char* const dry = "/strip/add vox 1\n"
                                 "/jack/connect feed:out_1 vox_in\n"
                                 "/jack/connect master_out_L rec:in_1\n"
                                 "/jack/connect master_out_R rec:in_2\n";
  Rig                      rig;
  rig_up(&rig, dry, 1U, 2U);
  play_impulse(&rig, 0U, 0.5f);
  wait_connected(&rig, "feed:out_1", "vox_in", MXT_TIMEOUT_MS);
  wait_connected(&rig, "master_out_R", "rec:in_2", MXT_TIMEOUT_MS);

  // The dry path: the impulse comes out in the same frame, nothing else.
  // Takes of one loop (one impulse each), three times: a busy host leaves
  // a 0.1 s take clean far more often than a 0.3 s one
  MxtTake take;
  settle(&rig, 2U, &take);
  for (unsigned loop = 0U; loop < 3U; ++loop) {
    clean_take(&rig, LOOP, &take);
    ck_assert_uint_eq(check_impulses(&take, 0U, 0U, 0.5 * CENTRE), 1U);
    ck_assert_uint_eq(check_impulses(&take, 1U, 0U, 0.5 * CENTRE), 1U);
  }
  const uint32_t feed_latency = capture_latency(&rig, "feed:out_1");
  ck_assert_uint_eq(capture_latency(&rig, "mixd:master_out_L") - feed_latency, 0U);
  ck_assert_uint_eq(capture_latency(&rig, "rec:in_1") - feed_latency, 0U);

  // The master's limiter: mixd reports its latency, and it is the delay
  char limited[1024];
  snprintf(limited, sizeof(limited), "%s/master/limiter/on 1\n", dry);
  ck_assert_int_eq(mxt_mixd_reload(&rig.mixd, limited), 1);
  const double until = mxt_now_ms() + MXT_TIMEOUT_MS;
  while (capture_latency(&rig, "rec:in_1") == feed_latency && mxt_now_ms() < until) {
    mxt_poll_ms(5.0);
  }
  const uint32_t reported = capture_latency(&rig, "rec:in_1") - feed_latency;
  ck_assert_uint_eq(capture_latency(&rig, "mixd:master_out_L") - feed_latency, reported);
  ck_assert_uint_eq(capture_latency(&rig, "mixd:master_out_R") - feed_latency, reported);
  ck_assert_uint_gt(reported, 0U);

  settle(&rig, 2U, &take);
  uint32_t delay = 0U;
  for (unsigned loop = 0U; loop < 3U; ++loop) {
    clean_take(&rig, LOOP, &take);
    delay = measured_delay(&take, 0U);
    ck_assert_uint_eq(delay, reported);
    ck_assert_uint_eq(measured_delay(&take, 1U), reported);
  }
  fprintf(
    stderr, "# latency: dry 0 frames; limiter reported %u frames, measured %u\n", reported, delay);
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// Restart: jackd goes away and comes back while mixd runs

static const char* const restart_session = "/strip/add vox 1\n"
                                           "/strip/vox/fader -6\n"
                                           "/strip/add keys 2\n"
                                           "/jack/connect feed:out_1 vox_in\n"
                                           "/jack/connect master_out_L rec:in_1\n"
                                           "/jack/connect master_out_R rec:in_2\n";

// What the restart test checks after every (re)start: both connections,
// and the levels of the fader -6 dB strip and of the hand-connected one
static void
check_restart_mix(Rig* const rig)
{
  wait_connected(rig, "feed:out_1", "vox_in", RECONNECT_MS);
  wait_connected(rig, "feed:out_2", "keys_in_L", RECONNECT_MS);
  wait_connected(rig, "master_out_L", "rec:in_1", RECONNECT_MS);
  wait_connected(rig, "master_out_R", "rec:in_2", RECONNECT_MS);
  MxtTake take;
  settle(rig, 2U, &take);
  assert_db(level_db(&take, 0U, 1000.0), mxt_db(0.5 * gain(-6.0) * CENTRE));
  assert_db(level_db(&take, 1U, 1000.0), mxt_db(0.5 * gain(-6.0) * CENTRE));
  assert_db(level_db(&take, 0U, 500.0), mxt_db(0.25));
  assert_silent(level_db(&take, 1U, 500.0));
}

// The restart session's tones: 1 kHz into vox, 500 Hz into keys' left
static void
play_restart_tones(Rig* const rig)
{
  play_tone(rig, 0U, 1000.0, 0.5);
  play_tone(rig, 1U, 500.0, 0.25);
}

// Up with the restart session, its tones playing and feed:out_2 ->
// keys_in_L connected by hand (a connection no rule makes: mixd must
// remember it); the mix checked
static void
restart_up(Rig* const rig)
{
  rig_up(rig, restart_session, 2U, 2U);
  play_restart_tones(rig);
  wait_own_port(rig, "keys_in_R", true, MXT_TIMEOUT_MS);
  ck_assert(mxt_client_connect(rig->rec, "feed:out_2", "mixd:keys_in_L", MXT_TIMEOUT_MS));
  check_restart_mix(rig);
}

// The server is killed, as in a crash, and the test's clients close; once
// mixd has noticed.  `name` receives the server's name, to start it again.
static void
server_crashes(Rig* const rig, char* const name, const size_t size)
{
  snprintf(name, size, "%s", rig->server.name);
  mxt_server_kill(&rig->server);
  mxt_client_close(rig->feed);
  mxt_client_close(rig->rec);
  rig->feed = rig->rec = NULL;
  ck_assert_msg(mxt_file_wait(rig->mixd.log, "went away", 1U, MXT_TIMEOUT_MS),
                "mixd did not notice (see %s)",
                rig->mixd.log);
}

START_TEST(server_restarts)
{
  Rig rig;
  restart_up(&rig);

  // Three rounds of SIGTERM, one of SIGKILL (a crash: stale files cleaned)
  static const int how[] = { SIGTERM, SIGKILL, SIGTERM, SIGTERM };
  for (unsigned round = 0U; round < sizeof(how) / sizeof(how[0]); ++round) {
    const char* const kind = how[round] == SIGKILL ? "SIGKILL" : "SIGTERM";
    if (how[round] == SIGKILL) {
      mxt_server_kill(&rig.server);
    } else {
      // A clean stop: jackd still notifies its clients while it shuts
      // down, and dies of SIGPIPE (keeping its slot in JACK's registry of
      // servers) if one has closed its socket already
      mxt_server_stop(&rig.server);
      ck_assert_msg(rig.server.exit_code == 0,
                    "round %u: jackd exited with %d on SIGTERM (see %s)",
                    round + 1U,
                    rig.server.exit_code,
                    rig.server.log);
    }
    mxt_client_close(rig.feed);
    mxt_client_close(rig.rec);
    rig.feed = rig.rec = NULL;
    ck_assert_msg(mxt_mixd_alive(&rig.mixd),
                  "round %u: mixd died with its server (%d; see %s)",
                  round + 1U,
                  rig.mixd.exit_code,
                  rig.mixd.log);

    char name[64];
    snprintf(name, sizeof(name), "%s", rig.server.name);
    ck_assert_msg(mxt_server_start(&rig.server, name),
                  "round %u: jackd did not restart (see %s)",
                  round + 1U,
                  rig.server.log);
    const double back = mxt_now_ms();

    // Odd rounds: the feeder is back only after mixd, so its connections
    // are made when its ports appear
    const bool feeder_late = round % 2U == 1U;
    rig.rec                = mxt_client_open(rig.server.name, "rec", 0U, 2U, CAPACITY);
    ck_assert(rig.rec != NULL);
    rig.feed = feeder_late ? NULL : mxt_client_open(rig.server.name, "feed", 2U, 0U, 0U);
    wait_own_port(&rig, "vox_in", true, RECONNECT_MS);
    wait_own_port(&rig, "keys_in_L", true, RECONNECT_MS);
    wait_own_port(&rig, "master_out_R", true, RECONNECT_MS);
    if (feeder_late) {
      wait_connected(&rig, "master_out_R", "rec:in_2", RECONNECT_MS);
      rig.feed = mxt_client_open(rig.server.name, "feed", 2U, 0U, 0U);
    }
    ck_assert(rig.feed != NULL);
    play_restart_tones(&rig);
    wait_connected(&rig, "feed:out_1", "vox_in", RECONNECT_MS);
    wait_connected(&rig, "feed:out_2", "keys_in_L", RECONNECT_MS);
    wait_connected(&rig, "master_out_R", "rec:in_2", RECONNECT_MS);
    const double took = mxt_now_ms() - back;
    fprintf(stderr,
            "# restart round %u (%s, feeder back %s mixd): ports and connections back %.0f ms "
            "after the server\n",
            round + 1U,
            kind,
            feeder_late ? "after" : "with",
            took);
    ck_assert_msg(took < RECONNECT_MS, "round %u: %.0f ms to reconnect", round + 1U, took);
    check_restart_mix(&rig);
    ck_assert(mxt_mixd_alive(&rig.mixd));
  }
  ck_assert_uint_ge(mxt_file_count(rig.mixd.log, "went away"), 4U);
  rig_down(&rig);
}
END_TEST

// A connection made by hand, then the server restarts and the feeder
// comes back as a program starting does: its ports registered first, the
// client activated later (jackd refuses to connect it meanwhile).  mixd
// tries the remembered connection and is refused; the graph changes
// meanwhile (a connection comes and goes elsewhere), which once made mixd
// take the refused connection for one taken apart on purpose and forget
// it (seen after a server restart under AddressSanitizer).  It must be
// made once the feeder runs.
START_TEST(remembered_waits_for_activation)
{
  Rig rig;
  restart_up(&rig);
  char name[64];
  server_crashes(&rig, name, sizeof(name));
  ck_assert_msg(
    mxt_server_start(&rig.server, name), "jackd did not restart (see %s)", rig.server.log);
  rig.rec  = mxt_client_open(rig.server.name, "rec", 0U, 2U, CAPACITY);
  rig.feed = mxt_client_open_inactive(rig.server.name, "feed", 2U, 0U, 0U);
  ck_assert(rig.rec != NULL && rig.feed != NULL);
  wait_connected(&rig, "master_out_R", "rec:in_2", RECONNECT_MS);

  // jackd announces an inactive client's ports to nobody: a port of
  // mixd's own appearing makes it connect what is due, and be refused
  const unsigned port = mxt_mixd_osc_port(&rig.mixd, MXT_TIMEOUT_MS);
  MxtOsc* const  osc  = mxt_osc_open(port);
  ck_assert(port != 0U && osc != NULL);
  ck_assert(mxt_osc_send(osc, "/strip/add", "si", "extra", 1));
  wait_own_port(&rig, "extra_in", true, MXT_TIMEOUT_MS);
  mxt_osc_close(osc);
  ck_assert_msg(
    mxt_file_wait(rig.mixd.log, "cannot connect feed:out_2 to mixd:keys_in_L", 1U, RECONNECT_MS),
    "mixd did not try the remembered connection while the feeder was inactive (see %s)",
    rig.mixd.log);
  // A change elsewhere in the graph, which mixd sees while the feeder waits
  jack_client_t* const rec = mxt_client_jack(rig.rec);
  ck_assert_int_eq(jack_connect(rec, "system:capture_1", "rec:in_2"), 0);
  ck_assert_int_eq(jack_disconnect(rec, "system:capture_1", "rec:in_2"), 0);
  mxt_poll_ms(300.0);

  ck_assert(mxt_client_activate(rig.feed));
  const double back = mxt_now_ms();
  play_restart_tones(&rig);
  wait_connected(&rig, "feed:out_2", "keys_in_L", RECONNECT_MS);
  wait_connected(&rig, "feed:out_1", "vox_in", RECONNECT_MS);
  fprintf(stderr,
          "# a feeder active only after mixd tried: both connections %.0f ms after it\n",
          mxt_now_ms() - back);
  check_restart_mix(&rig);
  rig_down(&rig);
}
END_TEST

// Two connections made by hand to the stereo strip: feed:out_2 -> keys_in_L,
// and feed:out_1 -> keys_in_R, which the recorder then takes apart on
// purpose.  The feeder then quits as a program does, its connections
// taken apart first and its ports gone after (here 100 ms apart, so that
// mixd surely sees the moment between), and comes back: the first is made
// again, the second is not (forgotten FORGET_MS after it was taken apart).
START_TEST(remembered_outlives_its_client)
{
  Rig rig;
  restart_up(&rig);
  ck_assert(mxt_client_connect(rig.rec, "feed:out_1", "mixd:keys_in_R", MXT_TIMEOUT_MS));
  // Remembered: mixd's autosave has it
  const double until = mxt_now_ms() + MXT_TIMEOUT_MS;
  while (!mxt_tree_count(rig.mixd.session_dir, "/jack/connect feed:out_1 keys_in_R")) {
    ck_assert_msg(mxt_now_ms() < until, "mixd did not remember feed:out_1 -> keys_in_R");
    mxt_poll_ms(10.0);
  }
  jack_client_t* const rec = mxt_client_jack(rig.rec);
  ck_assert_int_eq(jack_disconnect(rec, "feed:out_1", "mixd:keys_in_R"), 0);
  ck_assert_msg(mxt_file_wait(rig.mixd.log,
                              "forgetting connection keys_in_R - feed:out_1 (taken apart)",
                              1U,
                              MXT_TIMEOUT_MS),
                "mixd did not forget the connection taken apart (see %s)",
                rig.mixd.log);
  check_restart_mix(&rig);

  ck_assert_int_eq(jack_deactivate(mxt_client_jack(rig.feed)), 0);
  mxt_poll_ms(100.0);
  mxt_client_close(rig.feed);
  rig.feed = mxt_client_open(rig.server.name, "feed", 2U, 0U, 0U);
  ck_assert(rig.feed != NULL);
  const double back = mxt_now_ms();
  play_restart_tones(&rig);
  wait_connected(&rig, "feed:out_2", "keys_in_L", RECONNECT_MS);
  wait_connected(&rig, "feed:out_1", "vox_in", RECONNECT_MS);
  const double took = mxt_now_ms() - back;
  mxt_poll_ms(200.0);
  ck_assert_msg(!mxt_client_connected(rig.rec, "feed:out_1", "mixd:keys_in_R"),
                "the connection taken apart on purpose came back");
  fprintf(stderr,
          "# a feeder that quit and came back: its remembered connection back %.0f ms after "
          "it, the one taken apart on purpose not\n",
          took);
  check_restart_mix(&rig);
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// Topology: strips and buses come and go while strip a plays on, untouched

#define TOPOLOGY_BASE                     \
  "/strip/add a 1\n"                      \
  "/strip/a/fader -6\n"                   \
  "/jack/connect feed:out_1 a_in\n"       \
  "/jack/connect master_out_L rec:in_1\n" \
  "/jack/connect master_out_R rec:in_2\n"

/// One change: the session, the ports it must bring and take away
typedef struct {
  const char* session;   ///< The whole session file
  const char* appear[4]; ///< Ports of mixd's that must appear (NULL-terminated)
  const char* vanish[4]; ///< Ports of mixd's that must go
} Step;

static const Step steps[] = {
  { TOPOLOGY_BASE "/strip/add b 1\n/bus/add fx aux 2\n/strip/b/send/fx/level -6\n",
    { "b_in", "fx_out_L", "fx_out_R", NULL },
    { NULL } },
  { TOPOLOGY_BASE "/strip/add b 1\n/strip/add c 2\n/bus/add fx aux 2\n/bus/add grp group 2\n",
    { "c_in_L", "c_in_R", "grp_out_L", "grp_out_R" },
    { NULL } },
  { TOPOLOGY_BASE "/strip/add c 2\n/bus/add grp group 2\n",
    { NULL },
    { "b_in", "fx_out_L", "fx_out_R", NULL } },
  // A strip before a in the session: a moves to another position
  { "/strip/add d 1\n" TOPOLOGY_BASE "/bus/add fx2 aux 1\n",
    { "d_in", "fx2_out", NULL },
    { "c_in_L", "grp_out_R", NULL } },
  { TOPOLOGY_BASE, { NULL }, { "d_in", "fx2_out", NULL } },
  { TOPOLOGY_BASE "/strip/add e 1\n/strip/e/mute 1\n/bus/add g group 1\n/strip/e/route/g 1\n",
    { "e_in", "g_out", NULL },
    { NULL } },
  { TOPOLOGY_BASE, { NULL }, { "e_in", "g_out", NULL } },
};

/// What a take of strip a shows, against the exact expected signal
typedef struct {
  size_t         bad_blocks; ///< Blocks with a sample off by more than 1e-5
  size_t         explained;  ///< Of those, blocks next to an irregular cycle
  size_t         shifted;    ///< Of those, exact copies of a block a few cycles away
  double         worst;      ///< Largest error of an unexplained block
  jack_nframes_t first;      ///< Frame time of the first unexplained block
} Clean;

// Largest error of block `k` of channel `c` against loop * g placed `shift` frames off
static double
block_error(const MxtTake* const  take,
            const MxtBlock* const k,
            const unsigned        c,
            const float* const    loop,
            const double          g,
            const long            shift)
{
  double worst = 0.0;
  for (uint32_t i = 0U; i < k->frames; ++i) {
    const jack_nframes_t t = (jack_nframes_t)((long)k->time + (long)i + shift);
    worst = fmax(worst, fabs((double)take->ch[c][k->offset + i] - (double)loop[t % LOOP] * g));
  }
  return worst;
}

// True if a client of the rig ran a cycle irregularly within 4 cycles of `t`
static bool
near_irregular(const Rig* const rig, const jack_nframes_t t)
{
  const MxtClient* const both[2] = { rig->feed, rig->rec };
  for (unsigned k = 0U; k < 2U; ++k) {
    const jack_nframes_t* times = NULL;
    const size_t          n     = mxt_client_irregular(both[k], &times);
    for (size_t i = 0U; i < n; ++i) {
      const int32_t d = (int32_t)(times[i] - t);
      if (d >= -4 * (int32_t)MXT_PERIOD && d <= 4 * (int32_t)MXT_PERIOD) {
        return true;
      }
    }
  }
  return false;
}

/**
   Compare both channels of a take, block by block, with the expected
   loop * g at each block's frame time.  A block that differs is explained
   if a client ran a cycle irregularly next to it (an overrun of the
   machine, which places blocks a cycle off: jack_rig.h); any other is a
   glitch of mixd's.
*/
static Clean
check_clean(const Rig* const     rig,
            const MxtTake* const take,
            const float* const   loop,
            const double         g)
{
  Clean clean = { 0U, 0U, 0U, 0.0, 0U };
  for (size_t b = 0U; b < take->n_blocks; ++b) {
    const MxtBlock* const k = &take->blocks[b];
    const double          e =
      fmax(block_error(take, k, 0U, loop, g, 0), block_error(take, k, 1U, loop, g, 0));
    if (e <= 1e-5) {
      continue;
    }
    ++clean.bad_blocks;
    bool shifted = false;
    for (long s = -4; s <= 4 && !shifted; ++s) {
      shifted = s && block_error(take, k, 0U, loop, g, s * (long)MXT_PERIOD) <= 1e-5;
    }
    clean.shifted += shifted;
    if (near_irregular(rig, k->time)) {
      ++clean.explained;
    } else {
      clean.first = clean.worst > 0.0 ? clean.first : k->time;
      clean.worst = fmax(clean.worst, e);
    }
  }
  return clean;
}

START_TEST(topology_changes_while_playing)
{
  Rig rig;
  rig_up(&rig, TOPOLOGY_BASE, 1U, 2U);
  float loop[LOOP];
  mxt_sine(loop, LOOP, 1000.0, (double)MXT_RATE, 0.5, 0.0);
  ck_assert(mxt_client_play(rig.feed, 0U, loop, LOOP));
  wait_connected(&rig, "feed:out_1", "a_in", MXT_TIMEOUT_MS);
  wait_connected(&rig, "master_out_R", "rec:in_2", MXT_TIMEOUT_MS);
  MxtTake take;
  settle(&rig, 2U, &take);
  const double g = gain(-6.0) * CENTRE;

  // A steady stretch first: the machine's own overruns, with nothing changing
  const uint64_t xruns0 = mxt_client_xruns(rig.rec);
  const size_t   odd0   = irregular_count(&rig);
  ck_assert(mxt_client_record_take(rig.rec, 20U * LOOP, &take));
  const Clean    steady        = check_clean(&rig, &take, loop, g);
  const uint64_t steady_xruns  = mxt_client_xruns(rig.rec) - xruns0;
  const size_t   steady_odd    = irregular_count(&rig) - odd0;
  const size_t   steady_blocks = take.n_blocks;

  // Then every change, recorded from before the first to after the last
  const uint64_t xruns1 = mxt_client_xruns(rig.rec);
  const size_t   odd1   = irregular_count(&rig);
  const size_t   said1  = mxt_file_count(rig.mixd.log, "xrun");
  mxt_client_record(rig.rec, CAPACITY);
  mxt_poll_ms(50.0);
  const double t0 = mxt_now_ms();
  for (size_t s = 0U; s < sizeof(steps) / sizeof(steps[0]); ++s) {
    ck_assert_msg(mxt_mixd_reload(&rig.mixd, steps[s].session) == 1,
                  "step %zu: not reloaded (see %s)",
                  s + 1U,
                  rig.mixd.log);
    for (unsigned p = 0U; p < 4U && steps[s].appear[p]; ++p) {
      wait_own_port(&rig, steps[s].appear[p], true, MXT_TIMEOUT_MS);
    }
    for (unsigned p = 0U; p < 4U && steps[s].vanish[p]; ++p) {
      wait_own_port(&rig, steps[s].vanish[p], false, MXT_TIMEOUT_MS);
    }
  }
  const double took = mxt_now_ms() - t0;
  mxt_poll_ms(50.0);
  mxt_client_record_stop(rig.rec);
  ck_assert(mxt_client_take(rig.rec, MXT_TIMEOUT_MS, &take));
  ck_assert_msg(
    take.frames < CAPACITY, "the take ran out before the changes were done (%.0f ms)", took);
  const Clean    during       = check_clean(&rig, &take, loop, g);
  const uint64_t during_xruns = mxt_client_xruns(rig.rec) - xruns1;
  const size_t   during_odd   = irregular_count(&rig) - odd1;
  const size_t   during_said  = mxt_file_count(rig.mixd.log, "xrun") - said1;

  fprintf(stderr,
          "# topology: %zu changes in %.0f ms. Steady, %zu cycles: %llu xruns, %zu irregular "
          "cycles, %zu blocks "
          "off (%zu explained). Changing, %zu cycles: %llu xruns (%zu in mixd's log), %zu "
          "irregular cycles, %zu "
          "blocks off (%zu explained, %zu of all whole-block shifts)\n",
          sizeof(steps) / sizeof(steps[0]),
          took,
          steady_blocks,
          (unsigned long long)steady_xruns,
          steady_odd,
          steady.bad_blocks,
          steady.explained,
          take.n_blocks,
          (unsigned long long)during_xruns,
          during_said,
          during_odd,
          during.bad_blocks,
          during.explained,
          steady.shifted + during.shifted);
  ck_assert_msg(during.bad_blocks == during.explained,
                "strip a glitched while the mix changed: %zu blocks off with no overrun near "
                "(first at frame %u, "
                "error %.3g)",
                during.bad_blocks - during.explained,
                during.first,
                during.worst);
  ck_assert_msg(steady.bad_blocks == steady.explained,
                "strip a glitched with nothing changing: %zu blocks off with no overrun near "
                "(first at frame %u)",
                steady.bad_blocks - steady.explained,
                steady.first);

  // On a machine that keeps time (realtime scheduling, idle), ask for no xrun at all
  if (getenv("MXT_STRICT_XRUNS")) {
    ck_assert_msg(during_xruns == 0U && during_said == 0U && during.bad_blocks == 0U,
                  "%llu xruns while the mix changed",
                  (unsigned long long)during_xruns);
  }
  ck_assert(mxt_mixd_alive(&rig.mixd));
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// No server, late ports, broken sessions, signals

// mixd started before its server waits, then connects when it appears
START_TEST(waits_for_server)
{
  Rig rig;
  memset(&rig, 0, sizeof(rig));
  mxt_server_name(&rig.server);
  ck_assert(mxt_mixd_start(&rig.mixd, rig.server.name, "mixd", "/strip/add vox 1\n", NULL));
  ck_assert_msg(mxt_file_wait(rig.mixd.log, "waiting for it", 1U, MXT_TIMEOUT_MS),
                "mixd does not say it waits");
  ck_assert(mxt_mixd_alive(&rig.mixd));

  char name[64];
  snprintf(name, sizeof(name), "%s", rig.server.name);
  ck_assert(mxt_server_start(&rig.server, name));
  const double back = mxt_now_ms();
  ck_assert_msg(mxt_file_wait(rig.mixd.log, "connected", 1U, RECONNECT_MS),
                "mixd did not connect (see %s)",
                rig.mixd.log);
  open_clients(&rig, 1U, 1U);
  wait_own_port(&rig, "vox_in", true, RECONNECT_MS);
  fprintf(stderr, "# waiting: connected %.0f ms after the server started\n", mxt_now_ms() - back);

  const int code = mxt_mixd_stop(&rig.mixd, SIGINT);
  ck_assert_msg(code == 0, "mixd exited with %d on SIGINT", code);
  mxt_rig_teardown();
}
END_TEST

START_TEST(no_wait_exits_1)
{
  MxtServer server;
  MxtMixd   mixd;
  mxt_server_name(&server);
  ck_assert(mxt_mixd_start(&mixd, server.name, "mixd", "/strip/add vox 1\n", "--no-wait"));
  const int code = mxt_mixd_wait(&mixd, MXT_TIMEOUT_MS);
  ck_assert_msg(
    code == 1, "mixd --no-wait without a server exited with %d (see %s)", code, mixd.log);
  ck_assert_uint_ge(mxt_file_count(mixd.log, "(--no-wait)"), 1U);
  mxt_rig_teardown();
}
END_TEST

// A rule with a regular expression connects ports of a client that
// appears after mixd started, and only the ports it matches
START_TEST(rule_connects_late_port)
{
  static const char* const session = "/strip/add vox 1\n"
                                     "/jack/connect \"late:out_[12]\" vox_in\n";
  Rig                      rig;
  rig_up(&rig, session, 0U, 1U);
  wait_own_port(&rig, "vox_in", true, MXT_TIMEOUT_MS);
  MxtClient* const late = mxt_client_open(rig.server.name, "late", 3U, 0U, 0U);
  ck_assert(late != NULL);
  wait_connected(&rig, "late:out_1", "vox_in", MXT_TIMEOUT_MS);
  wait_connected(&rig, "late:out_2", "vox_in", MXT_TIMEOUT_MS);
  ck_assert(!mxt_client_connected(rig.rec, "late:out_3", "mixd:vox_in"));
  rig_down(&rig);
}
END_TEST

// A broken session on SIGHUP is reported with its line and changes nothing
START_TEST(broken_reload_keeps_mix)
{
  static const char* const session = "/strip/add vox 1\n"
                                     "/strip/vox/fader -6\n"
                                     "/jack/connect feed:out_1 vox_in\n"
                                     "/jack/connect master_out_L rec:in_1\n"
                                     "/jack/connect master_out_R rec:in_2\n";
  static const char* const broken  = "/strip/add vox 1\n"
                                     "/strip/vox/fader -20\n"
                                     "/strip/vox/fader banana\n"
                                     "/strip/add other 1\n";
  Rig                      rig;
  rig_up(&rig, session, 1U, 2U);
  play_tone(&rig, 0U, 1000.0, 0.5);
  wait_connected(&rig, "feed:out_1", "vox_in", MXT_TIMEOUT_MS);
  wait_connected(&rig, "master_out_R", "rec:in_2", MXT_TIMEOUT_MS);
  MxtTake take;
  settle(&rig, 2U, &take);
  const double before = level_db(&take, 0U, 1000.0);
  assert_db(before, mxt_db(0.5 * gain(-6.0) * CENTRE));

  ck_assert_int_eq(mxt_mixd_reload(&rig.mixd, broken), 0);
  char where[600];
  snprintf(where, sizeof(where), "%s:3:", rig.mixd.session);
  ck_assert_msg(mxt_file_count(rig.mixd.log, where) == 1U, "no '%s' in %s", where, rig.mixd.log);
  settle(&rig, 2U, &take);
  assert_db(level_db(&take, 0U, 1000.0), before);
  assert_db(level_db(&take, 1U, 1000.0), before);
  ck_assert(mxt_client_connected(rig.rec, "feed:out_1", "mixd:vox_in"));
  ck_assert(jack_port_by_name(mxt_client_jack(rig.rec), "mixd:other_in") == NULL);

  // And the next good one still applies
  char quieter[1024];
  snprintf(quieter, sizeof(quieter), "%s/strip/vox/fader -12\n", session);
  ck_assert_int_eq(mxt_mixd_reload(&rig.mixd, quieter), 1);
  settle(&rig, 2U, &take);
  assert_db(level_db(&take, 0U, 1000.0), mxt_db(0.5 * gain(-12.0) * CENTRE));
  rig_down(&rig);
}
END_TEST

// A connection made by hand (no rule) is saved with the session: after a
// restart from the autosave, mixd makes it again
START_TEST(hand_connection_survives_restart)
{
  Rig rig;
  rig_up(&rig, "/strip/add vox 1\n", 1U, 1U);
  wait_own_port(&rig, "vox_in", true, MXT_TIMEOUT_MS);
  ck_assert(mxt_client_connect(rig.feed, "feed:out_1", "mixd:vox_in", MXT_TIMEOUT_MS));
  ck_assert(mxt_client_connect(rig.rec, "mixd:master_out_L", "rec:in_1", MXT_TIMEOUT_MS));

  // In the autosave within a second or so (mixd looks at its ports every tick)
  char dir[600];
  snprintf(dir, sizeof(dir), "%s/.autosave", rig.mixd.session_dir);
  const double until = mxt_now_ms() + 3000.0;
  while (!(mxt_tree_count(dir, "/jack/connect feed:out_1 vox_in") &&
           mxt_tree_count(dir, "/jack/connect master_out_L rec:in_1")) &&
         mxt_now_ms() < until) {
    mxt_poll_ms(20.0);
  }
  ck_assert_msg(mxt_tree_count(dir, "/jack/connect feed:out_1 vox_in") &&
                  mxt_tree_count(dir, "/jack/connect master_out_L rec:in_1"),
                "the connections are not in an autosave under %s",
                dir);
  ck_assert_int_eq(mxt_mixd_stop(&rig.mixd, SIGKILL), 128 + SIGKILL);
  wait_own_port(&rig, "vox_in", false, MXT_TIMEOUT_MS);

  // A new mixd on the same session directory, no session file: the last mix
  char same[sizeof(rig.mixd.session_dir)];
  snprintf(same, sizeof(same), "%s", rig.mixd.session_dir);
  const char* const extra[] = { "--session-dir", same, NULL };
  ck_assert(mxt_mixd_start_argv(&rig.mixd, rig.server.name, "mixd", NULL, extra));
  wait_connected(&rig, "feed:out_1", "vox_in", MXT_TIMEOUT_MS);
  wait_connected(&rig, "master_out_L", "rec:in_1", MXT_TIMEOUT_MS);
  rig_down(&rig);
}
END_TEST

// SIGINT and SIGTERM both stop mixd cleanly, with status 0
static const int stop_signals[] = { SIGINT, SIGTERM };

START_TEST(signal_stops_cleanly)
{
  Rig rig;
  rig_up(&rig, "/strip/add vox 1\n", 0U, 1U);
  const int code = mxt_mixd_stop(&rig.mixd, stop_signals[_i]);
  ck_assert_msg(code == 0,
                "mixd exited with %d on %s (see %s)",
                code,
                strsignal(stop_signals[_i]),
                rig.mixd.log);
  ck_assert_uint_eq(mxt_file_count(rig.mixd.log, "stopping"), 1U);
  wait_own_port(&rig, "master_out_L", false, MXT_TIMEOUT_MS);
  mxt_rig_teardown();
}
END_TEST

// ---------------------------------------------------------------------------
// A server that hangs: mixd stays controllable while it connects

// The state letter of process `pid` in /proc (R, S, T for stopped...), or 0
static char
process_state(const pid_t pid)
{
  char path[64];
  char line[512];
  snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
  FILE* const f = fopen(path, "r");
  if (!f) {
    return '\0';
  }
  const size_t      got = fread(line, 1U, sizeof(line) - 1U, f);
  const char* const end = (line[got] = '\0', strrchr(line, ')'));
  fclose(f);
  return end && end[1] == ' ' ? end[2] : '\0';
}

// Stop a server with SIGSTOP (it then answers nothing, and keeps its
// socket), or let it go on with SIGCONT; wait until it is so
static void
freeze_server(const MxtServer* const server, const bool frozen)
{
  ck_assert_int_gt(server->pid, 0);
  ck_assert_int_eq(kill(server->pid, frozen ? SIGSTOP : SIGCONT), 0);
  const double until = mxt_now_ms() + MXT_TIMEOUT_MS;
  while ((process_state(server->pid) == 'T') != frozen && mxt_now_ms() < until) {
    mxt_poll_ms(2.0);
  }
  ck_assert_msg((process_state(server->pid) == 'T') == frozen,
                "jackd %ld did not %s",
                (long)server->pid,
                frozen ? "stop" : "resume");
}

/**
   Ping mixd every 20 ms for `ms`: every /pong (with the ping's number)
   must come within PONG_MS.

   @return The slowest answer, ms.
*/
static double
pings_answered(MxtOsc* const osc, const MxtMixd* const mixd, const double ms)
{
  double       worst = 0.0;
  int          seq   = 0;
  const double until = mxt_now_ms() + ms;
  do {
    MxtOscMsg m;
    mxt_osc_drain(osc);
    const double sent = mxt_now_ms();
    ck_assert(mxt_osc_send(osc, "/ping", "i", ++seq));
    bool got = false;
    while (!got && mxt_now_ms() - sent < PONG_MS &&
           mxt_osc_wait(osc, "/pong", false, PONG_MS - (mxt_now_ms() - sent), &m)) {
      got = m.argc == 1U && m.arg[0].type == 'i' && m.arg[0].i == seq;
    }
    ck_assert_msg(got,
                  "no /pong to ping %d within %.0f ms while the connection hangs (see %s)",
                  seq,
                  PONG_MS,
                  mixd->log);
    worst = m.at_ms - sent > worst ? m.at_ms - sent : worst;
    mxt_poll_ms(20.0);
  } while (mxt_now_ms() < until);
  return worst;
}

// Send `sig` to mixd and check that it exits with 0 within EXIT_MS; how long it took, ms
static double
quits_promptly(MxtMixd* const mixd, const int sig)
{
  const double t0   = mxt_now_ms();
  const int    code = mxt_mixd_stop(mixd, sig);
  const double took = mxt_now_ms() - t0;
  ck_assert_msg(code == 0 && took < EXIT_MS,
                "mixd exited with %d %.0f ms after %s while its connection hung (see %s)",
                code,
                took,
                strsignal(sig),
                mixd->log);
  return took;
}

// The server is stopped (SIGSTOP) before two mixds start on it, so their
// jack_client_open() hangs: both answer /ping at once all along, one
// exits 0 at once on SIGTERM, and once the server resumes the other
// comes up with its ports
START_TEST(answers_while_server_hangs)
{
  static const char* const session = "/strip/add vox 1\n";
  Rig                      rig;
  MxtMixd                  quitter;
  memset(&rig, 0, sizeof(rig));
  ck_assert_msg(
    mxt_server_start(&rig.server, NULL), "jackd did not start (see %s)", rig.server.log);
  freeze_server(&rig.server, true);
  ck_assert(mxt_mixd_start(&rig.mixd, rig.server.name, "mixd", session, NULL));
  ck_assert(mxt_mixd_start(&quitter, rig.server.name, "mixd2", session, NULL));
  const unsigned port[2] = { mxt_mixd_osc_port(&rig.mixd, MXT_TIMEOUT_MS),
                             mxt_mixd_osc_port(&quitter, MXT_TIMEOUT_MS) };
  ck_assert_msg(port[0] && port[1], "mixd does not say where it listens (see %s)", rig.mixd.log);
  MxtOsc* const osc[2] = { mxt_osc_open(port[0]), mxt_osc_open(port[1]) };
  ck_assert(osc[0] != NULL && osc[1] != NULL);

  const double worst[2] = { pings_answered(osc[0], &rig.mixd, HANG_MS),
                            pings_answered(osc[1], &quitter, HANG_MS) };
  ck_assert_msg(!mxt_file_count(rig.mixd.log, "connected to JACK server") &&
                  !mxt_file_count(quitter.log, "connected to JACK server"),
                "mixd connected to a stopped server (see %s)",
                rig.mixd.log);
  const double quit_ms = quits_promptly(&quitter, SIGTERM);

  // The server goes on: the connection completes, and the ports appear
  freeze_server(&rig.server, false);
  const double back = mxt_now_ms();
  rig.rec           = mxt_client_open(rig.server.name, "rec", 0U, 1U, LOOP);
  ck_assert_msg(rig.rec != NULL, "cannot open a client on the resumed server");
  wait_own_port(&rig, "master_out_L", true, RECONNECT_MS);
  wait_own_port(&rig, "vox_in", true, RECONNECT_MS);
  const double up = mxt_now_ms() - back;
  ck_assert_msg(process_state(rig.server.pid) != '\0' && process_state(rig.server.pid) != 'Z',
                "jackd died (see %s)",
                rig.server.log);
  pings_answered(osc[0], &rig.mixd, 100.0);
  fprintf(stderr,
          "# stopped server: slowest /pong %.1f ms and %.1f ms during %.0f ms of hanging "
          "connections; exit on SIGTERM %.0f ms; ports %.0f ms after the server resumed\n",
          worst[0],
          worst[1],
          HANG_MS,
          quit_ms,
          up);
  mxt_osc_close(osc[0]);
  mxt_osc_close(osc[1]);
  rig_down(&rig);
}
END_TEST

/// A listening socket where libjack (JACK2) looks for server `name`'s,
/// with the connections it took: a server that never answers
typedef struct {
  char path[108]; ///< /dev/shm/jack_NAME_UID_0
  int  listener;  ///< Listening socket
  int  taken;     ///< The first connection, never answered
} Silent;

static void
silent_open(Silent* const silent, const char* const name)
{
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  snprintf(silent->path, sizeof(silent->path), "/dev/shm/jack_%s_%ld_0", name, (long)getuid());
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", silent->path);
  unlink(silent->path);
  silent->taken    = -1;
  silent->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ck_assert_int_ge(silent->listener, 0);
  ck_assert_int_eq(bind(silent->listener, (const struct sockaddr*)&addr, sizeof(addr)), 0);
  ck_assert_int_eq(listen(silent->listener, 16), 0);
}

static void
silent_close(Silent* const silent)
{
  if (silent->taken >= 0) {
    close(silent->taken);
  }
  close(silent->listener);
  unlink(silent->path);
}

// How a hang on a silent server ends: the server is back, or a signal
static const int hang_ends[] = { 0, SIGINT, SIGTERM };

// The server dies, and in its place a socket takes mixd's connection and
// never answers: while mixd reconnects to it, it answers /ping at once;
// then a real server comes back and mixd with its ports, or a signal
// stops mixd at once with status 0
START_TEST(reconnects_past_a_silent_server)
{
  Rig rig;
  rig_up(&rig, "/strip/add vox 1\n/jack/connect master_out_L rec:in_1\n", 0U, 1U);
  wait_connected(&rig, "master_out_L", "rec:in_1", MXT_TIMEOUT_MS); // Active, not only registered
  const unsigned port = mxt_mixd_osc_port(&rig.mixd, MXT_TIMEOUT_MS);
  MxtOsc* const  osc  = mxt_osc_open(port);
  ck_assert(port != 0U && osc != NULL);

  char name[64];
  server_crashes(&rig, name, sizeof(name));
  Silent silent;
  memset(&silent, 0, sizeof(silent));
  silent_open(&silent, name);
  struct pollfd pfd = { silent.listener, POLLIN, 0 };
  ck_assert_msg(poll(&pfd, 1U, (int)RECONNECT_MS) == 1,
                "mixd did not try the silent server (see %s)",
                rig.mixd.log);
  silent.taken = accept(silent.listener, NULL, NULL);
  ck_assert_int_ge(silent.taken, 0);

  const double worst = pings_answered(osc, &rig.mixd, HANG_MS);
  ck_assert_uint_eq(mxt_file_count(rig.mixd.log, "connected to JACK server"), 1U);
  ck_assert_msg(mxt_file_wait(rig.mixd.log, "does not answer", 1U, MXT_TIMEOUT_MS),
                "mixd does not say the server hangs (see %s)",
                rig.mixd.log);
  if (hang_ends[_i]) {
    const double took = quits_promptly(&rig.mixd, hang_ends[_i]);
    fprintf(stderr,
            "# silent server: slowest /pong %.1f ms during %.0f ms of a hanging reconnection; "
            "exit on %s %.0f ms\n",
            worst,
            HANG_MS,
            strsignal(hang_ends[_i]),
            took);
    silent_close(&silent);
    mxt_osc_close(osc);
    mxt_rig_teardown();
    return;
  }

  // The silent server goes, a real one comes: mixd is back with its ports
  silent_close(&silent);
  ck_assert_msg(
    mxt_server_start(&rig.server, name), "jackd did not restart (see %s)", rig.server.log);
  const double back = mxt_now_ms();
  rig.rec           = mxt_client_open(rig.server.name, "rec", 0U, 1U, LOOP);
  ck_assert(rig.rec != NULL);
  wait_own_port(&rig, "vox_in", true, RECONNECT_MS);
  wait_own_port(&rig, "master_out_L", true, RECONNECT_MS);
  fprintf(stderr,
          "# silent server: slowest /pong %.1f ms during %.0f ms of a hanging reconnection; "
          "ports %.0f ms after a real server came back\n",
          worst,
          HANG_MS,
          mxt_now_ms() - back);
  pings_answered(osc, &rig.mixd, 100.0);
  mxt_osc_close(osc);
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// The rig itself

// A test that fails half-way, with a server, mixd and clients up, is ended
// as Check ends it (_exit(), then SIGKILL to its process group, skipping
// the teardown); once the rig has swept, nothing of its server is left: no
// process, no slot in JACK's registry of servers, no file in /dev/shm
START_TEST(failed_test_leaves_nothing)
{
  mxt_rig_adopt_orphans();
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  const pid_t test = fork();
  ck_assert_int_ge(test, 0);
  if (test == 0) {
    setpgid(0, 0);
    Rig rig;
    rig_up(&rig, "/strip/add vox 1\n/jack/connect feed:out_1 vox_in\n", 1U, 1U);
    wait_connected(&rig, "feed:out_1", "vox_in", MXT_TIMEOUT_MS);
    const ssize_t sent = write(fds[1], rig.server.name, sizeof(rig.server.name));
    _exit(sent == (ssize_t)sizeof(rig.server.name) ? 1 : 2);
  }
  char          name[64];
  const ssize_t got = read(fds[0], name, sizeof(name));
  close(fds[0]);
  close(fds[1]);
  killpg(test, SIGKILL);
  waitpid(test, NULL, 0);
  ck_assert_msg(got == (ssize_t)sizeof(name), "the failing test did not get its server up");

  mxt_rig_sweep();
  char what[256];
  ck_assert_msg(!mxt_server_traces(name, what, sizeof(what)),
                "after a failed test, of server %s: %s",
                name,
                what);
}
END_TEST

// ---------------------------------------------------------------------------

static void
setup(void)
{
}

static TCase*
live_case(const char* const name, const double timeout)
{
  TCase* const tc = tcase_create(name);
  tcase_add_checked_fixture(tc, setup, mxt_rig_teardown);
  tcase_add_unchecked_fixture(tc, setup, mxt_rig_sweep);
  tcase_set_timeout(tc, timeout);
  return tc;
}

int
main(void)
{
  const char* why = NULL;
  if (!mxt_rig_begin(&why)) {
    printf("test_live: SKIP: %s\n", why);
    return 77;
  }

  Suite* const s      = suite_create("live");
  TCase* const levels = live_case("signals", 60.0);
  tcase_add_test(levels, gains_pans_sends_mutes);
  tcase_add_test(levels, strips_sum);
  suite_add_tcase(s, levels);

  TCase* const latency = live_case("latency", 60.0);
  tcase_add_test(latency, latency_dry_and_limited);
  suite_add_tcase(s, latency);

  TCase* const restart = live_case("restart", 90.0);
  tcase_add_test(restart, server_restarts);
  tcase_add_test(restart, remembered_waits_for_activation);
  tcase_add_test(restart, remembered_outlives_its_client);
  suite_add_tcase(s, restart);

  TCase* const topology = live_case("topology", 60.0);
  tcase_add_test(topology, topology_changes_while_playing);
  suite_add_tcase(s, topology);

  TCase* const server = live_case("no_server", 60.0);
  tcase_add_test(server, waits_for_server);
  tcase_add_test(server, no_wait_exits_1);
  suite_add_tcase(s, server);

  TCase* const rules = live_case("rules", 60.0);
  tcase_add_test(rules, rule_connects_late_port);
  tcase_add_test(rules, hand_connection_survives_restart);
  suite_add_tcase(s, rules);

  TCase* const reload = live_case("reload", 60.0);
  tcase_add_test(reload, broken_reload_keeps_mix);
  suite_add_tcase(s, reload);

  TCase* const stop = live_case("signals_exit", 60.0);
  tcase_add_loop_test(stop, signal_stops_cleanly, 0, MXT_N_CASES(stop_signals));
  suite_add_tcase(s, stop);

  TCase* const hang = live_case("hung_server", 60.0);
  tcase_add_test(hang, answers_while_server_hangs);
  suite_add_tcase(s, hang);

  TCase* const silent = live_case("silent_server", 60.0);
  tcase_add_loop_test(silent, reconnects_past_a_silent_server, 0, MXT_N_CASES(hang_ends));
  suite_add_tcase(s, silent);

  TCase* const rig = live_case("rig", 60.0);
  tcase_add_test(rig, failed_test_leaves_nothing);
  suite_add_tcase(s, rig);

  SRunner* const runner = srunner_create(s);
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  mxt_rig_end(failed != 0 || getenv("MXT_KEEP"));
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
