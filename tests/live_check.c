// SPDX-License-Identifier: GPL-3.0-or-later

#include "live_check.h"

#include <jack/jack.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MxtOsc* open_osc[MAX_OSC]; ///< Every OSC client of the test, for the teardown
static size_t  n_open_osc;        ///< Entries of `open_osc`

double
gain(const double db)
{
  return pow(10.0, db / 20.0);
}

// ---------------------------------------------------------------------------
// Setting up

// An OSC client to mixd, closed by the teardown
MxtOsc*
osc_client(const Rig* const rig)
{
  ck_assert_uint_lt(n_open_osc, MAX_OSC);
  MxtOsc* const osc = mxt_osc_open(rig->port);
  ck_assert_msg(osc != NULL, "cannot open an OSC socket");
  open_osc[n_open_osc++] = osc;
  return osc;
}

void
teardown(void)
{
  while (n_open_osc) {
    mxt_osc_close(open_osc[--n_open_osc]);
  }
  mxt_rig_teardown();
}

void
wait_connected(Rig* const rig, const char* const from, const char* const to)
{
  ck_assert_msg(mxt_client_wait_connected(rig->rec, from, to, MXT_TIMEOUT_MS),
                "%s is not connected to %s (see %s)",
                from,
                to,
                rig->mixd.log);
}

void
rig_up(Rig* const         rig,
       const char* const  session,
       const unsigned     n_feed,
       const unsigned     n_rec,
       const char* const* extra)
{
  memset(rig, 0, sizeof(*rig));
  ck_assert_msg(
    mxt_server_start(&rig->server, NULL), "jackd did not start (see %s)", rig->server.log);
  rig->feed = mxt_client_open(rig->server.name, "feed", n_feed, 0U, 0U);
  ck_assert_msg(rig->feed != NULL, "cannot open the feeder on %s", rig->server.name);
  rig->rec = mxt_client_open(rig->server.name, "rec", 0U, n_rec, CAPACITY);
  ck_assert_msg(rig->rec != NULL, "cannot open the recorder on %s", rig->server.name);

  const char* args[24] = { "--osc-port", "0" };
  size_t      n        = 2U;
  for (size_t i = 0U; extra && extra[i] && n + 1U < sizeof(args) / sizeof(args[0]); ++i) {
    args[n++] = extra[i];
  }
  args[n] = NULL;
  ck_assert(mxt_mixd_start_argv(&rig->mixd, rig->server.name, "mixd", session, args));
  rig->port = mxt_mixd_osc_port(&rig->mixd, MXT_TIMEOUT_MS);
  ck_assert_msg(rig->port != 0U, "mixd does not say where it listens (see %s)", rig->mixd.log);
  ck_assert_msg(mxt_client_wait_port(rig->rec, "mixd:master_out_L", true, MXT_TIMEOUT_MS),
                "mixd has no master_out_L (see %s)",
                rig->mixd.log);
  rig->osc = osc_client(rig);
  mxt_osc_set_clock(rig->osc, mxt_client_jack(rig->rec));
}

// Stop mixd with SIGTERM and check that it exits with status 0
void
rig_down(Rig* const rig)
{
  if (rig->retakes) {
    fprintf(stderr, "# (%u measurements thrown away: a client ran late)\n", rig->retakes);
  }
  const int code = mxt_mixd_stop(&rig->mixd, SIGTERM);
  ck_assert_msg(code == 0, "mixd exited with %d on SIGTERM (see %s)", code, rig->mixd.log);
  teardown();
}

void
play_dc(Rig* const rig, const unsigned port, const float level)
{
  float loop[LOOP];
  mxt_fill(loop, LOOP, level);
  ck_assert(mxt_client_play(rig->feed, port, loop, LOOP));
}

void
play_tone(Rig* const rig, const unsigned port, const double freq, const double amp)
{
  float loop[LOOP];
  mxt_sine(loop, LOOP, freq, (double)MXT_RATE, amp, 0.0);
  ck_assert(mxt_client_play(rig->feed, port, loop, LOOP));
}

void
pace_ms(const double ms)
{
  const double until = mxt_now_ms() + ms;
  while (mxt_now_ms() < until) {
    mxt_poll_ms(2.0);
  }
}

// ---------------------------------------------------------------------------
// OSC requests

// Text of a message, for failure messages
const char*
text(const MxtOscMsg* const m)
{
  static char buf[1024];
  mxt_osc_format(m, buf, sizeof(buf));
  return buf;
}

bool
request(MxtOsc* const     osc,
        MxtOscMsg* const  out,
        const char* const reply,
        const char* const path,
        const char* const types,
        ...)
{
  uint8_t buf[2048];
  va_list args;
  va_start(args, types);
  const size_t n = mxt_osc_vencode(buf, sizeof(buf), path, types, args);
  va_end(args);
  ck_assert_msg(n > 0U, "cannot write %s", path);
  mxt_osc_drain(osc);
  ck_assert(mxt_osc_send_raw(osc, buf, n));
  ck_assert_msg(mxt_osc_wait(osc, reply, true, REPLY_MS, out), "no reply to %s", path);
  return strcmp(out->path, "/error") != 0;
}

// The reply to a set or get must be ADDRESS f:value; return the value
float
reply_float(const MxtOscMsg* const m, const char* const path)
{
  ck_assert_msg(!strcmp(m->path, path) && m->argc == 1U && m->types[0] == 'f',
                "expected %s f:..., got %s",
                path,
                text(m));
  return m->arg[0].f;
}

// Set a float control and check the reply
void
set_float(MxtOsc* const osc, const char* const path, const double value)
{
  MxtOscMsg m;
  ck_assert_msg(request(osc, &m, path, path, "f", value), "%s %g: %s", path, value, text(&m));
  const float got = reply_float(&m, path);
  ck_assert_msg(got == (float)value, "%s %g: reply %s", path, value, text(&m));
}

// Get a float control
float
get_float(MxtOsc* const osc, const char* const path)
{
  MxtOscMsg m;
  ck_assert_msg(request(osc, &m, path, path, ""), "get %s: %s", path, text(&m));
  return reply_float(&m, path);
}

// ---------------------------------------------------------------------------
// Measuring takes

// True if a client ran a cycle irregularly between frames t0 - 4 periods and t1 + 4 periods
static bool
irregular_between(const Rig* const rig, const jack_nframes_t t0, const jack_nframes_t t1)
{
  const MxtClient* const both[2] = { rig->feed, rig->rec };
  for (unsigned k = 0U; k < 2U; ++k) {
    const jack_nframes_t* times = NULL;
    const size_t          n     = mxt_client_irregular(both[k], &times);
    for (size_t i = 0U; i < n; ++i) {
      const int32_t from = (int32_t)(times[i] - t0);
      const int32_t to   = (int32_t)(times[i] - t1);
      if (from >= -4 * (int32_t)MXT_PERIOD && to <= 4 * (int32_t)MXT_PERIOD) {
        return true;
      }
    }
  }
  return false;
}

bool
disturbed(const Rig* const     rig,
          const MxtTake* const take,
          const jack_nframes_t t0,
          const jack_nframes_t t1)
{
  if (irregular_between(rig, t0, t1)) {
    return true;
  }
  for (size_t b = 1U; b < take->n_blocks; ++b) {
    const MxtBlock* const k    = &take->blocks[b];
    const int32_t         from = (int32_t)(k->time - t0);
    const int32_t         to   = (int32_t)(k->time - t1);
    if (from >= -4 * (int32_t)MXT_PERIOD && to <= 4 * (int32_t)MXT_PERIOD &&
        k->time != k[-1].time + k[-1].frames) {
      return true;
    }
  }
  return false;
}

static int
compare_float(const void* const a, const void* const b)
{
  const float x = *(const float*)a;
  const float y = *(const float*)b;
  return (x > y) - (x < y);
}

double
dc_level(const MxtTake* const take, const unsigned ch)
{
  static float sorted[LOOP];
  const size_t n = take->frames < LOOP ? take->frames : LOOP;
  ck_assert_uint_gt(n, 0U);
  memcpy(sorted, take->ch[ch] + take->frames - n, n * sizeof(float));
  qsort(sorted, n, sizeof(float), compare_float);
  return (double)sorted[n / 2U];
}

void
dc_settle(Rig* const rig, const unsigned n_ch, MxtTake* const take, double* const levels)
{
  double last[MXT_MAX_PORTS] = { 0.0 };
  for (unsigned tries = 0U; tries < 100U; ++tries) {
    ck_assert_msg(mxt_client_record_take(rig->rec, LOOP, take), "no take from the recorder");
    bool still = tries > 0U;
    for (unsigned c = 0U; c < n_ch; ++c) {
      const double now = dc_level(take, c);
      still            = still && fabs(now - last[c]) <= 1e-7 * fabs(now);
      last[c]          = now;
    }
    if (still) {
      memcpy(levels, last, n_ch * sizeof(double));
      return;
    }
  }
  ck_abort_msg("the DC levels never settled");
}

// The block that holds sample `i` of a take
static const MxtBlock*
block_of(const MxtTake* const take, const size_t i)
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
  return &take->blocks[lo];
}

jack_nframes_t
frame_of(const MxtTake* const take, const size_t i)
{
  const MxtBlock* const k = block_of(take, i);
  return k->time + (jack_nframes_t)(i - k->offset);
}

jack_nframes_t
placed_frame_of(const MxtTake* const take, const size_t i)
{
  const MxtBlock* const k = block_of(take, i);
  // Run late, it read the next cycle's time, which the next block reads again
  const bool late = k + 1 < take->blocks + take->n_blocks && k[1].time == k->time;
  return k->time - (late ? k->frames : 0U) + (jack_nframes_t)(i - k->offset);
}

size_t
index_of(const MxtTake* const take, const jack_nframes_t t)
{
  for (size_t b = 0U; b < take->n_blocks; ++b) {
    const MxtBlock* const k = &take->blocks[b];
    if ((int32_t)(t - k->time) < (int32_t)k->frames) {
      return (int32_t)(t - k->time) < 0 ? k->offset : k->offset + (t - k->time);
    }
  }
  return take->frames;
}

bool
starts_block(const MxtTake* const take, const size_t i)
{
  for (size_t b = 0U; b < take->n_blocks; ++b) {
    if (take->blocks[b].offset == i) {
      return true;
    }
  }
  return false;
}

size_t
first_off(const float* const x,
          const size_t       from,
          const size_t       to,
          const double       level,
          const double       tol)
{
  for (size_t i = from; i < to; ++i) {
    if (fabs((double)x[i] - level) > tol) {
      return i;
    }
  }
  return to;
}

Glide
measure_glide(const MxtTake* const take,
              const unsigned       ch,
              const size_t         from,
              const double         y0,
              const double         y1)
{
  const float* const x   = take->ch[ch];
  const double       tol = 1e-6 * fmax(fabs(y0), fabs(y1)) + 1e-9;
  Glide              g   = { 0U, 0.0, 0.0, fabs(y1 - y0) / (double)RAMP, 0U };
  g.start                = first_off(x, from, take->frames, y0, tol);
  ck_assert_msg(g.start < take->frames, "channel %u never moved from %.6g", ch + 1U, y0);
  const size_t end =
    g.start + RAMP + MXT_PERIOD < take->frames ? g.start + RAMP + MXT_PERIOD : take->frames;
  for (size_t i = g.start; i < end; ++i) {
    const size_t j    = i - g.start;
    const double line = j < RAMP ? y0 + (y1 - y0) * (double)(j + 1U) / (double)RAMP : y1;
    g.worst_dev       = fmax(g.worst_dev, fabs((double)x[i] - line));
    g.max_step        = fmax(g.max_step, fabs((double)x[i] - (double)x[i - (i > 0U)]));
    if (fabs((double)x[i] - y1) > tol) {
      g.length = j + 1U;
    }
  }
  // `length` counted up to the last sample off the new level: the ramp's last is on it
  g.length = g.length ? g.length + 1U : 1U;
  return g;
}

// ---------------------------------------------------------------------------
// Test cases

void
setup(void)
{
}

TCase*
live_case(const char* const name, const double timeout)
{
  TCase* const tc = tcase_create(name);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_unchecked_fixture(tc, setup, mxt_rig_sweep);
  tcase_set_timeout(tc, timeout);
  return tc;
}
