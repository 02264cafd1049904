// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_TESTS_LIVE_CHECK_H
#define MX_TESTS_LIVE_CHECK_H

#include "jack_rig.h"
#include "testutil.h"

#include "smooth.h"

#include <jack/jack.h>

#include <stdbool.h>
#include <stddef.h>

/// Checked steps of the live OSC tests: a rig of jackd, mixd, feeder, recorder and OSC; measuring
/// takes.

/*
  What test_live_osc and test_live_scenes share, on top of jack_rig.h:
  a Rig (a private jackd, mixd on a free OSC port, a feeder, a recorder
  and an OSC client stamped with the recorder's clock), OSC requests that
  wait for their reply, and measurements of DC takes (levels, where a
  change starts, how a glide runs, whether the machine disturbed it).
  Every function fails the running Check test (ck_assert) when a step
  does not work, so a test reads as its steps.  The names are those the
  helpers had as static functions of one test program: each program
  links this file once.  Test thread.
*/

/// Length of every played loop: 100 ms (tones are multiples of 10 Hz)
#define LOOP 4800U

/// Longest take, frames (10 s)
#define CAPACITY (100U * LOOP)

/// sin(pi/4): each side of a centred mono strip (-3 dB sin/cos law)
#define CENTRE 0.70710678118654752

/// Samples of a parameter glide: MX_SMOOTH_DEFAULT_MS (20 ms) at the rig's rate, 960
#define RAMP ((unsigned)(MX_SMOOTH_DEFAULT_MS * 1e-3f * (float)MXT_RATE + 0.5f))

/// How long a reply may take, ms (one is expected in well under 1 ms)
#define REPLY_MS 2000.0

/// How long to wait for something that must not come, ms
#define SILENT_MS 300.0

/// Most OSC clients one test opens
#define MAX_OSC 8U

/// A running rig: server, mixd with OSC, feeder, recorder and OSC clients
typedef struct {
  MxtServer  server;  ///< The private jackd
  MxtMixd    mixd;    ///< mixd, client "mixd"
  MxtClient* feed;    ///< The feeder "feed": out_1, out_2, ...
  MxtClient* rec;     ///< The recorder "rec": in_1, in_2, ...
  unsigned   port;    ///< mixd's OSC port
  MxtOsc*    osc;     ///< The test's OSC client, frame-stamped by the recorder's clock
  unsigned   retakes; ///< Measurements thrown away for a late cycle
} Rig;

/// A level in dB as a linear gain.
double
gain(double db);

// ---------------------------------------------------------------------------
// Setting up

/// An OSC client to mixd, closed by teardown() (at most MAX_OSC per test).
MxtOsc*
osc_client(const Rig* rig);

/// Close the test's OSC clients, then mxt_rig_teardown(): the checked fixture's teardown.
void
teardown(void);

/// Wait until output `from` is connected to input `to`; fail the test if not.
void
wait_connected(Rig* rig, const char* from, const char* to);

/**
   Server, clients, then mixd with `session` on a free OSC port (plus the
   arguments `extra`, NULL-terminated, or NULL), up to its master outputs
   and its OSC socket.

   @param n_feed Output ports of the feeder.
   @param n_rec Input ports of the recorder (takes of up to CAPACITY frames).
*/
void
rig_up(Rig* rig, const char* session, unsigned n_feed, unsigned n_rec, const char* const* extra);

/// Stop mixd with SIGTERM, check that it exits with status 0, and tear down.
void
rig_down(Rig* rig);

/// Play DC `level` on feeder port `port`.
void
play_dc(Rig* rig, unsigned port, float level);

/// Play a sine of `freq` Hz (a multiple of 10) and amplitude `amp` on feeder port `port`.
void
play_tone(Rig* rig, unsigned port, double freq, double amp);

/// Let `ms` of wall time pass (to space changes out, never to wait for a result).
void
pace_ms(double ms);

// ---------------------------------------------------------------------------
// OSC requests

/// Text of a message, for failure messages (a static buffer, overwritten by the next call).
const char*
text(const MxtOscMsg* m);

/**
   Send a message and wait for the reply at `reply` (or an /error).

   @return true for the reply, false for an /error (in `*out`); fails the
   test if neither comes within REPLY_MS.
*/
bool
request(MxtOsc* osc, MxtOscMsg* out, const char* reply, const char* path, const char* types, ...);

/// The reply to a set or get must be ADDRESS f:value; return the value.
float
reply_float(const MxtOscMsg* m, const char* path);

/// Set a float control and check the reply.
void
set_float(MxtOsc* osc, const char* path, double value);

/// Get a float control.
float
get_float(MxtOsc* osc, const char* path);

// ---------------------------------------------------------------------------
// Measuring takes

/**
   True if the machine disturbed the frames t0 - 4 periods to t1 + 4
   periods of a take: a client ran a cycle irregularly then, or the take
   has a gap there (its blocks' frame times do not follow each other).
*/
bool
disturbed(const Rig* rig, const MxtTake* take, jack_nframes_t t0, jack_nframes_t t1);

/**
   The level of a DC signal on channel `ch` of a take: the median of its
   last LOOP samples.  Where in time a block lands does not matter for DC,
   so a client running a cycle late (jack_rig.h) changes nothing here, and
   the median ignores a glitch.
*/
double
dc_level(const MxtTake* take, unsigned ch);

/// Record takes of LOOP frames until the DC level of each of `n_ch` channels holds still.
void
dc_settle(Rig* rig, unsigned n_ch, MxtTake* take, double* levels);

/// Frame time of sample `i` of a take.
jack_nframes_t
frame_of(const MxtTake* take, size_t i);

/**
   Frame time of sample `i` of a take, where it was played: as frame_of(),
   but a block recorded in a cycle the recorder ran late, which carries the
   next cycle's frame time (the next block carries it too: jack_rig.h), is
   put back one cycle.  Samples that follow each other in placed frame
   times are consecutive samples of the recorded port; a gap is frames the
   recorder, or the whole server, did not run.
*/
jack_nframes_t
placed_frame_of(const MxtTake* take, size_t i);

/// Index of frame time `t` in a take (the first sample if it is before, the end if after).
size_t
index_of(const MxtTake* take, jack_nframes_t t);

/// True if sample `i` of a take is the first of a cycle.
bool
starts_block(const MxtTake* take, size_t i);

/// Index of the first of samples [from, to) off `level` by more than `tol`; `to` if none.
size_t
first_off(const float* x, size_t from, size_t to, double level, double tol);

/// What one glide of a take shows
typedef struct {
  size_t start;     ///< Index of its first moving sample
  double worst_dev; ///< Largest distance from the straight line, linear
  double max_step;  ///< Largest step between samples, from the one before the start to past the end
  double bound;     ///< The step a linear ramp over RAMP samples makes
  size_t length;    ///< Samples until it reached the new level (within 1e-6 relative)
} Glide;

/**
   Find and measure the glide of channel `ch` from `y0` to `y1` (levels of
   a DC signal), searching from sample `from` on: where it starts, how
   straight it is (against one linear ramp of RAMP samples), its largest
   step and its length.  Fails the test if it never moves.
*/
Glide
measure_glide(const MxtTake* take, unsigned ch, size_t from, double y0, double y1);

// ---------------------------------------------------------------------------
// Test cases

/// The checked fixture's setup (nothing to do).
void
setup(void);

/// A test case of live tests: teardown() after each test, mxt_rig_sweep() after the case.
TCase*
live_case(const char* name, double timeout);

#endif // MX_TESTS_LIVE_CHECK_H
