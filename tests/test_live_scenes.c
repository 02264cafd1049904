// SPDX-License-Identifier: GPL-3.0-or-later

// Scene recall of the live daemon against a real JACK server (issue 6):
// "the audio output moves smoothly from one level to the other over the
// fade time (checked on the JACK output); recall-safe controls do not
// move."  A private dummy jackd, mixd on a free OSC port, a feeder of DC
// into two mono strips and a recorder of the master (live_check.h).
// Skips (exit 77) if jackd is not installed.
//
// How a fade runs (scenes.h): mixd's main loop moves every fading control
// one step along its 0..1 form (taper.h) each tick (TICK_MS), and the
// engine ramps each step over RAMP samples.  So the output follows the
// scene's curve in time, a little behind it: a fader's dB level is not
// linear in time (the console law has a knee at -10 dB), and the test
// computes, for every sample, the fade fraction its level shows (through
// mx_taper_to_norm()) and compares it with the time since the recall.
// Switches change at the recall, as a plain OSC change does.
//
// The machine's timing: time is counted in frames as the recorder's blocks
// place them (placed_frame_of()), and steps only between samples that
// follow each other, so a block recorded a cycle late changes nothing.
// Cycles the server skipped hold the engine's ramps while the fade's clock
// goes on, so a fade's bounds behind its curve widen by the frames its
// take lost (Fade.lost); a take that lost more than LOST_SHARE of the fade
// is thrown away and taken again, as is one that steps beyond its bound
// where the machine disturbed it (fade_seen()), and when a fade began is
// checked only where no client ran late (live_check.h disturbed()).
//
// Lines starting with "# " on stderr are measurements.

#include "jack_rig.h"
#include "live_check.h"
#include "testutil.h"

#include "params.h"
#include "taper.h"

#include <jack/jack.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// mixd's main-loop tick, ms (daemon/live.c TICK_MS): a fade moves once per tick
#define TICK_MS 10.0

/// The same in frames
#define TICK_FRAMES ((unsigned)(TICK_MS * 1e-3 * (double)MXT_RATE + 0.5))

/// The fade of the recalls, seconds
#define FADE_S 0.5

/// The same in frames
#define FADE_FRAMES ((unsigned)(FADE_S * (double)MXT_RATE + 0.5))

/// The longer fade of the hand-move case, seconds
#define LONG_FADE_S 1.0

/// DC into strip a (feeder out_1) and strip b (out_2)
#define DC_A 0.5
#define DC_B 0.25

/// Fader of strip a in scene 1 and in scene 2, dB
#define A_DB_1 (-20.0)
#define A_DB_2 0.0

/// Takes of one fade, at most (with two busy loops beside it and no
/// realtime scheduling, 6 were once not enough for a recall without one)
#define TRIES 10U

/**
   The output may lag the scene's curve by up to this, frames, counted
   from the fade's first moving sample: the engine's ramp (a ramp
   restarted every tick trails its moving target by two ticks' travel,
   2 * TICK_MS = RAMP), a tick of the main loop that comes late by up to a
   tick, and a period.
*/
#define LAG_MAX ((double)(RAMP + TICK_FRAMES + MXT_PERIOD))

/**
   It may lead the curve by up to this, frames: the fade's clock starts at
   the recall, its first step comes on the next tick, up to a tick later,
   already that far along the curve.
*/
#define LEAD_MAX ((double)(TICK_FRAMES + MXT_PERIOD))

/**
   Largest step between samples, as a multiple of the ideal curve's
   steepest slope: a ramp restarted every tick runs as steep as the curve
   (its step is the distance to the target over RAMP, two ticks' travel
   over two ticks); a tick late by up to one more adds its travel.
*/
#define STEP_RATIO_MAX 2.0

/**
   Most of a fade, as a share of its frames, the recorder or the server
   may not have run before the take is thrown away and taken again.  A
   cycle the server skips holds the engine's ramps while the fade's clock
   (the main loop's) goes on, so the output falls behind the curve by what
   was skipped, and the bounds behind it widen by as much; beyond an
   eighth of the fade so little of it is left to see that it is taken
   again.  (A busy CI machine without realtime scheduling skipped a cycle
   or more in six takes of 0.5 s in a row.)
*/
#define LOST_SHARE 0.125

// Two strips, a hard left and b hard right: master L is a, R is b
static const char* const scene_session = "/strip/add a 1\n"
                                         "/strip/add b 1\n"
                                         "/strip/a/pan -1\n"
                                         "/strip/b/pan 1\n"
                                         "/jack/connect feed:out_1 a_in\n"
                                         "/jack/connect feed:out_2 b_in\n"
                                         "/jack/connect master_out_L rec:in_1\n"
                                         "/jack/connect master_out_R rec:in_2\n";

// ---------------------------------------------------------------------------
// Steps

// Up with the session, DC into both strips, everything connected
static void
scenes_up(Rig* const rig)
{
  rig_up(rig, scene_session, 2U, 2U, NULL);
  play_dc(rig, 0U, (float)DC_A);
  play_dc(rig, 1U, (float)DC_B);
  wait_connected(rig, "feed:out_1", "mixd:a_in");
  wait_connected(rig, "feed:out_2", "mixd:b_in");
  wait_connected(rig, "mixd:master_out_L", "rec:in_1");
  wait_connected(rig, "mixd:master_out_R", "rec:in_2");
}

// Set a switch (0 or 1) and check the reply
static void
set_switch(MxtOsc* const osc, const char* const path, const int on)
{
  MxtOscMsg m;
  ck_assert_msg(request(osc, &m, path, path, "i", on), "%s %d: %s", path, on, text(&m));
  ck_assert_msg(m.argc == 1U && ((m.types[0] == 'i' && m.arg[0].i == on) ||
                                 (m.types[0] == 'f' && m.arg[0].f == (float)on) ||
                                 m.types[0] == (on ? 'T' : 'F')),
                "%s %d: reply %s",
                path,
                on,
                text(&m));
}

// Store the mix as scene `n`
static void
store(MxtOsc* const osc, const int n)
{
  MxtOscMsg m;
  ck_assert_msg(
    request(osc, &m, "/scene/stored", "/scene/store", "i", n), "store %d: %s", n, text(&m));
  ck_assert_msg(m.argc >= 1U && m.types[0] == 'i' && m.arg[0].i == n, "stored: %s", text(&m));
}

/// Where the server was when a recall went out and when its answer came back
typedef struct {
  jack_nframes_t cycle;    ///< Frame time of the cycle the server had begun at the send
  jack_nframes_t answered; ///< Frame time when the reply was read (mxt_osc_set_clock())
  uint64_t       xruns;    ///< Xruns the server reported to the recorder during the take
} Recalled;

/**
   Recall scene `n` over `fade_s` and wait for the reply; `at` (if not
   NULL) says when.  mixd answers a recall after it has queued the
   recall's switches and begun its fade: what the recall changes at once
   starts in a cycle from `at->cycle` on and no later than the cycle after
   `at->answered` (however late a busy machine let mixd's main loop read
   the recall).
*/
static void
recall(Rig* const rig, const int n, const double fade_s, Recalled* const at)
{
  MxtOscMsg m;
  mxt_osc_drain(rig->osc);
  ck_assert(mxt_osc_send(rig->osc, "/scene/recall", "if", n, fade_s));
  jack_nframes_t t_now   = 0U;
  jack_nframes_t t_cycle = 0U;
  mxt_osc_sent_frames(rig->osc, &t_now, &t_cycle);
  ck_assert_msg(mxt_osc_wait(rig->osc, "/scene/recalled", true, REPLY_MS, &m),
                "no reply to recall");
  ck_assert_msg(!strcmp(m.path, "/scene/recalled") && m.argc == 2U && m.arg[0].i == n,
                "recall %d: %s",
                n,
                text(&m));
  if (at) {
    at->cycle    = t_cycle;
    at->answered = m.at_frame;
  }
}

/// Frames from the cycle of a recall to frame time `t`
static int
after_recall(const Recalled* const at, const jack_nframes_t t)
{
  return (int)(int32_t)(t - at->cycle);
}

/// Frames from a recall's answer to frame time `t` (negative: before it)
static int
after_answer(const Recalled* const at, const jack_nframes_t t)
{
  return (int)(int32_t)(t - at->answered);
}

/// Recall scene `n` at once and wait until both outputs hold still; their levels in `levels`
static void
recall_settled(Rig* const rig, const int n, double* const levels)
{
  MxtTake take;
  recall(rig, n, 0.0, NULL);
  pace_ms(2.0 * TICK_MS);
  dc_settle(rig, 2U, &take, levels);
}

/**
   Record `ms` of the outputs with a recall of scene `n` over `fade_s` sent
   50 ms in; then, if `hand` is not NULL, `hand` set to `hand_db` by hand
   `hand_ms` after the recall.

   @param at As recall() sets it.
*/
static void
take_recall(Rig* const        rig,
            const int         n,
            const double      fade_s,
            const double      ms,
            MxtTake* const    take,
            Recalled* const   at,
            const char* const hand,
            const double      hand_ms,
            const double      hand_db)
{
  const size_t frames = (size_t)(ms * 1e-3 * (double)MXT_RATE);
  ck_assert_uint_le(frames, CAPACITY);
  const uint64_t xruns = mxt_client_xruns(rig->rec);
  mxt_client_record(rig->rec, frames);
  pace_ms(50.0);
  const double sent = mxt_now_ms();
  recall(rig, n, fade_s, at);
  if (hand) {
    pace_ms(hand_ms - (mxt_now_ms() - sent));
    set_float(rig->osc, hand, hand_db);
  }
  ck_assert_msg(mxt_client_take(rig->rec, ms + MXT_TIMEOUT_MS, take), "no take from the recorder");
  ck_assert_uint_eq(take->frames, frames);
  if (at) {
    at->xruns = mxt_client_xruns(rig->rec) - xruns;
  }
}

// ---------------------------------------------------------------------------
// Measuring a fade

/// A fader's level along its 0..1 form: the dB of norm `x`, as a linear gain
static double
fader_gain(const double x)
{
  return gain((double)mx_taper_from_norm(MX_P_FADER, (float)x));
}

/// What one fade of a fader, seen on the output, shows
typedef struct {
  double fade;       ///< The fade time, frames
  size_t start;      ///< Index of its first sample off the old level
  size_t end;        ///< Index of its first sample on the new level for good
  double length;     ///< Frames from start to end
  double lost;       ///< Frames of those the recorder or the server did not run
  double lag_bound;  ///< How far behind the curve it may run: LAG_MAX and the frames lost
  double step_bound; ///< Largest step allowed, linear (STEP_RATIO_MAX slopes, and the lost frames)
  double lag_min;    ///< Least lag behind the scene's curve, samples (negative: ahead)
  double lag_max;    ///< Largest lag behind the scene's curve, samples
  double max_step;   ///< Largest step between samples, linear
  double slope;      ///< The scene's curve's steepest step per sample, linear
  double backwards;  ///< Largest step against the fade's direction, linear
  double mid_db;     ///< The level half the fade time after its start, dB of the full scale
  double mid_lo_db;  ///< What the curve allows there, from the most lagging
  double mid_hi_db;  ///< to the most leading
  double mid_taper;  ///< The curve's level at its midpoint, dB
  double mid_linear; ///< A fade linear in dB there, dB (what the taper is not)
} Fade;

/// The curve's level, linear, `t` frames into a fade of `fade` frames from norm `n0` to `n1`
static double
curve_at(const double amp, const double n0, const double n1, const double t, const double fade)
{
  const double u = fmin(fmax(t / fade, 0.0), 1.0);
  return amp * fader_gain(n0 + (n1 - n0) * u);
}

/// Frames from sample `from` to sample `i` of a take, as placed_frame_of() places them
static double
since(const MxtTake* const take, const size_t from, const size_t i)
{
  return (double)(int32_t)(placed_frame_of(take, i) - placed_frame_of(take, from));
}

/**
   True if sample `i` of a take follows sample i - 1 in the recorded port:
   in one block, or across blocks whose frame times follow each other.  At
   any other boundary the recorder ran a cycle late or missed one, and the
   step there is the recording's, not mixd's.
*/
static bool
follows(const MxtTake* const take, const size_t i)
{
  return frame_of(take, i) == frame_of(take, i - 1U) + 1U &&
         placed_frame_of(take, i) == placed_frame_of(take, i - 1U) + 1U;
}

/**
   Measure the fade of `x`, samples of a take (a channel, or a magnitude
   of two): DC `amp` through a fader going from `db0` to `db1` over `fade`
   frames.  Time is counted in frames
   from the fade's first moving sample, as placed_frame_of() places them.
   For each sample between the old and the new level, the fade fraction it
   shows is where its level sits on the fader's 0..1 form; the difference
   from the fraction of the fade time since the start, in frames, is the
   output's lag behind the scene's curve.  Steps are those between
   samples that follow each other (follows()).
*/
static Fade
measure_fade(const MxtTake* const take,
             const float* const   x,
             const double         fade,
             const double         amp,
             const double         db0,
             const double         db1)
{
  const double y0  = amp * gain(db0);
  const double y1  = amp * gain(db1);
  const double dir = y1 > y0 ? 1.0 : -1.0;
  const double tol = 1e-6 * fmax(y0, y1);
  const double n0  = (double)mx_taper_to_norm(MX_P_FADER, (float)db0);
  const double n1  = (double)mx_taper_to_norm(MX_P_FADER, (float)db1);
  Fade         f   = { .fade = fade, .lag_min = INFINITY, .lag_max = -INFINITY };

  f.start = first_off(x, 0U, take->frames, y0, tol);
  ck_assert_msg(f.start > 0U && f.start < take->frames, "the level never left %.6g", y0);
  f.end = take->frames;
  while (f.end > f.start && fabs((double)x[f.end - 1U] - y1) <= tol) {
    --f.end;
  }
  ck_assert_msg(f.end < take->frames, "the level never reached %.6g", y1);
  f.length = since(take, f.start, f.end);
  f.lost   = f.length - (double)(f.end - f.start);

  size_t mid = 0U;
  for (size_t i = f.start; i <= f.end; ++i) {
    const double y = (double)x[i];
    const double t = since(take, f.start, i);
    if (follows(take, i)) {
      const double step = y - (double)x[i - 1U];
      f.max_step        = fmax(f.max_step, fabs(step));
      f.backwards       = fmax(f.backwards, -dir * step);
    }
    if (dir * (y - y0) > tol && dir * (y1 - y) > tol) {
      const double shown =
        ((double)mx_taper_to_norm(MX_P_FADER, (float)mxt_db(y / amp)) - n0) / (n1 - n0) * fade;
      f.lag_min = fmin(f.lag_min, t - shown);
      f.lag_max = fmax(f.lag_max, t - shown);
    }
    if (!mid && t >= 0.5 * fade) {
      mid = i;
    }
  }
  // The steepest step of the curve itself
  for (double k = 0.0; k < fade; k += 1.0) {
    f.slope =
      fmax(f.slope, fabs(curve_at(amp, n0, n1, k + 1.0, fade) - curve_at(amp, n0, n1, k, fade)));
  }

  // Half the fade time in: where the curve is, give or take its lag or lead
  const double half = 0.5 * fade;
  // A ramp that restarts each tick steps by its distance to the target
  // over RAMP; frames lost put the target that much further ahead
  f.lag_bound     = LAG_MAX + f.lost;
  f.step_bound    = (STEP_RATIO_MAX + f.lost / (double)RAMP) * f.slope;
  const double lo = mxt_db(curve_at(amp, n0, n1, half - f.lag_bound, fade) / amp);
  const double hi = mxt_db(curve_at(amp, n0, n1, half + LEAD_MAX, fade) / amp);
  f.mid_db        = mxt_db((double)x[mid] / amp);
  f.mid_lo_db     = fmin(lo, hi);
  f.mid_hi_db     = fmax(lo, hi);
  f.mid_taper     = mxt_db(curve_at(amp, n0, n1, half, fade) / amp);
  f.mid_linear    = 0.5 * (db0 + db1);
  return f;
}

/**
   Fail the test unless fade `f` (of `what`, for the messages) is as the scene says.
   `at` is when the recall went out and was answered, and `timed` says
   whether the take is clean enough (disturbed()) to check when the fade
   began.
*/
static void
check_fade(const MxtTake* const  take,
           const char* const     what,
           const Recalled* const at,
           const bool            timed,
           const Fade* const     f)
{
  // It starts on the first tick after the recall, a tick after mixd
  // answered it at the latest
  const jack_nframes_t start = frame_of(take, f->start);
  ck_assert_msg(!timed || (after_recall(at, start) >= 0 &&
                           after_answer(at, start) <= (int)(TICK_FRAMES + 2U * MXT_PERIOD)),
                "%s: the fade began %d frames after the cycle of the recall, %d after its answer",
                what,
                after_recall(at, start),
                after_answer(at, start));
  // The scene reaches its value at the fade time (the tick after it, the
  // first tick having come up to a tick after the recall); the engine's
  // ramp follows
  // (and lags by what the server skipped)
  const double length = f->length;
  ck_assert_msg(length >= f->fade + RAMP - LEAD_MAX &&
                  length <= f->fade + RAMP + LEAD_MAX + f->lost,
                "%s: the fade took %.0f frames (%.0f + a ramp of %u; %.0f frames lost)",
                what,
                length,
                f->fade,
                RAMP,
                f->lost);
  // Monotonic (float rounding aside), on the curve, no step beyond the curve's
  ck_assert_msg(f->backwards <= 1e-7, "%s: a step of %.3g against the fade", what, f->backwards);
  ck_assert_msg(f->lag_min >= -LEAD_MAX && f->lag_max <= f->lag_bound,
                "%s: %.0f to %.0f frames behind the scene's curve (allowed %.0f to %.0f)",
                what,
                f->lag_min,
                f->lag_max,
                -LEAD_MAX,
                f->lag_bound);
  ck_assert_msg(f->mid_db >= f->mid_lo_db - 1e-3 && f->mid_db <= f->mid_hi_db + 1e-3,
                "%s: %.2f dB half the fade time in; the taper says %.2f to %.2f (%.2f "
                "on time), a fade linear in dB %.2f",
                what,
                f->mid_db,
                f->mid_lo_db,
                f->mid_hi_db,
                f->mid_taper,
                f->mid_linear);
  ck_assert_msg(f->max_step <= f->step_bound,
                "%s: a step of %.4g, %.2f times the curve's steepest %.4g",
                what,
                f->max_step,
                f->max_step / f->slope,
                f->slope);
}

/// Print a fade's measurements
static void
report_fade(const char* const what, const Fade* const f)
{
  fprintf(
    stderr,
    "# %s over %.0f frames: took %.0f frames (%.1f ms; %.0f + a ramp of %u; %.0f lost), "
    "%.0f..%.0f frames behind the taper's curve (allowed %.0f..%.0f), largest step %.3g = %.2f x "
    "the curve's steepest, %.2f dB half the fade time in (taper %.2f on time, "
    "%.2f..%.2f allowed; a line in dB %.2f)\n",
    what,
    f->fade,
    f->length,
    f->length * 1e3 / MXT_RATE,
    f->fade,
    RAMP,
    f->lost,
    f->lag_min,
    f->lag_max,
    -LEAD_MAX,
    f->lag_bound,
    f->max_step,
    f->max_step / f->slope,
    f->mid_db,
    f->mid_taper,
    f->mid_lo_db,
    f->mid_hi_db,
    f->mid_linear);
}

/**
   True if fade `f` of `take` can be judged; if not, says why.  Not when
   it lost more than LOST_SHARE of its frames, nor when it steps beyond its
   bound in a take the machine disturbed (an xrun, or a client running a
   cycle late, while it faded): without realtime scheduling a cycle mixd
   runs late can reach the recorder a block out of place, which the
   recorder's own clock does not show.  A take left alone is held to every
   bound.
*/
static bool
fade_seen(const Rig* const      rig,
          const MxtTake* const  take,
          const Recalled* const at,
          const Fade* const     f)
{
  if (f->lost > LOST_SHARE * f->fade) {
    fprintf(stderr,
            "# (a take thrown away: %.0f of the fade's %.0f frames not run)\n",
            f->lost,
            f->length);
    return false;
  }
  if (f->max_step > f->step_bound &&
      (at->xruns > 0U ||
       disturbed(rig, take, frame_of(take, f->start), frame_of(take, f->end - 1U)))) {
    fprintf(stderr,
            "# (a take thrown away: a step of %.3g, %.1f times the curve's steepest, in a take "
            "with %llu xruns or a late client)\n",
            f->max_step,
            f->max_step / f->slope,
            (unsigned long long)at->xruns);
    return false;
  }
  return true;
}

/// Largest distance of channel `ch` from `level`, from sample `from` on
static double
worst_off(const MxtTake* const take, const unsigned ch, const size_t from, const double level)
{
  double worst = 0.0;
  for (size_t i = from; i < take->frames; ++i) {
    worst = fmax(worst, fabs((double)take->ch[ch][i] - level));
  }
  return worst;
}

/// Store scene `n` with strip a's fader at `a_db` (and whatever else the caller set)
static void
store_with_a(Rig* const rig, const int n, const double a_db)
{
  set_float(rig->osc, "/strip/a/fader", a_db);
  store(rig->osc, n);
}

/// Magnitude sqrt(L^2 + R^2) of the two channels of a take (one strip's DC through a sin/cos pan)
static const float*
magnitude(const MxtTake* const take)
{
  static float mag[CAPACITY];
  for (size_t i = 0U; i < take->frames; ++i) {
    mag[i] = (float)hypot((double)take->ch[0][i], (double)take->ch[1][i]);
  }
  return mag;
}

/// What a pan fade, seen on the two outputs of one strip, shows
typedef struct {
  double lag_min;   ///< Least lag behind a straight line of position in time, frames
  double lag_max;   ///< Largest lag, frames
  double backwards; ///< Largest step of position against the fade's direction
} PanFade;

/**
   Measure a pan fade from `p0` to `p1` over `fade` frames between samples
   `start` and `end` of a take: the position is read back from the angle of
   the sides, L = cos(t pi/2), R = sin(t pi/2), t = (p + 1) / 2 (pan.h),
   whatever the level; the pan's taper is linear, so the curve is a line.
*/
static PanFade
measure_pan(const MxtTake* const take,
            const size_t         start,
            const size_t         end,
            const double         fade,
            const double         p0,
            const double         p1)
{
  PanFade pf   = { INFINITY, -INFINITY, 0.0 };
  double  last = p0;
  for (size_t i = start; i <= end; ++i) {
    const double p = 4.0 / M_PI * atan2((double)take->ch[1][i], (double)take->ch[0][i]) - 1.0;
    if (follows(take, i)) {
      pf.backwards = fmax(pf.backwards, (last - p) * (p1 > p0 ? 1.0 : -1.0));
    }
    last           = p;
    const double u = (p - p0) / (p1 - p0);
    if (u > 1e-5 && u < 1.0 - 1e-5) {
      const double lag = since(take, start, i) - u * fade;
      pf.lag_min       = fmin(pf.lag_min, lag);
      pf.lag_max       = fmax(pf.lag_max, lag);
    }
  }
  return pf;
}

/// Number of the scene a way of a test recalls, and strip a's fader before and after
typedef struct {
  int    scene;
  double db0;
  double db1;
} Way;

/// Up to scene 2, then back to scene 1
static const Way ways[] = { { 2, A_DB_1, A_DB_2 }, { 1, A_DB_2, A_DB_1 } };

// ---------------------------------------------------------------------------
// (a) A fader fades along its taper, a pan along its line

// Strip a's fader -20 dB and pan hard left in scene 1, 0 dB and centre in
// scene 2 (b silent); recalls over 0.5 s both ways.  The level (the
// magnitude of both sides) leaves the old one on the recall's first tick,
// moves monotonically, stays within LAG_MAX frames (and what skipped
// cycles held back) behind the curve the console law draws (so half the
// fade time in it is near the taper's -7.5 dB, not a dB line's -10), never
// steps more than STEP_RATIO_MAX times the curve's steepest slope, and
// lands on the new level a ramp after the fade time.  The pan position (the angle of the sides)
// moves as monotonically, within the same bounds of its straight line.
START_TEST(fade_follows_taper)
{
  Rig rig;
  scenes_up(&rig);
  play_dc(&rig, 1U, 0.0f);
  double levels[2];
  store_with_a(&rig, 1, A_DB_1);
  set_float(rig.osc, "/strip/a/pan", 0.0);
  store_with_a(&rig, 2, A_DB_2);
  recall_settled(&rig, 1, levels);
  ck_assert_msg(fabs(levels[0] - DC_A * gain(A_DB_1)) < 1e-6 && levels[1] == 0.0,
                "scene 1: %.9g %.9g",
                levels[0],
                levels[1]);

  static const double pans[2][2] = { { -1.0, 0.0 }, { 0.0, -1.0 } };
  for (unsigned w = 0U; w < 2U; ++w) {
    MxtTake take;
    Fade    f;
    bool    clean = false;
    for (unsigned tries = 0U; tries < TRIES && !clean; ++tries) {
      Recalled at;
      take_recall(&rig, ways[w].scene, FADE_S, 1000.0, &take, &at, NULL, 0.0, 0.0);
      f     = measure_fade(&take, magnitude(&take), FADE_FRAMES, DC_A, ways[w].db0, ways[w].db1);
      clean = fade_seen(&rig, &take, &at, &f);
      if (!clean) {
        ++rig.retakes;
        recall_settled(&rig, ways[w ^ 1U].scene, levels);
        continue;
      }
      const bool timed = !disturbed(&rig, &take, at.cycle, frame_of(&take, f.start) + RAMP);
      check_fade(&take, "strip a's fader", &at, timed, &f);
      const PanFade pf = measure_pan(&take, f.start, f.end, FADE_FRAMES, pans[w][0], pans[w][1]);
      ck_assert_msg(pf.backwards <= 1e-5, "the pan stepped back by %.3g", pf.backwards);
      ck_assert_msg(pf.lag_min >= -LEAD_MAX && pf.lag_max <= f.lag_bound,
                    "the pan ran %.0f to %.0f frames behind its line",
                    pf.lag_min,
                    pf.lag_max);
      char what[64];
      snprintf(what, sizeof(what), "fader %+.0f -> %+.0f dB", ways[w].db0, ways[w].db1);
      report_fade(what, &f);
      fprintf(stderr,
              "# pan %+.0f -> %+.0f with it: %.0f..%.0f frames behind its line%s\n",
              pans[w][0],
              pans[w][1],
              pf.lag_min,
              pf.lag_max,
              timed ? "" : " (start not timed: a client ran late)");
      if (timed) {
        fprintf(stderr,
                "# the fade began %d frames after the cycle of the recall (answered %d "
                "frames after it)\n",
                after_recall(&at, frame_of(&take, f.start)),
                after_recall(&at, at.answered));
      }
    }
    ck_assert_msg(clean, "no clean take of the fade in %u tries", TRIES);
    ck_assert_float_eq(get_float(rig.osc, "/strip/a/fader"), (float)ways[w].db1);
    ck_assert_float_eq(get_float(rig.osc, "/strip/a/pan"), (float)pans[w][1]);
  }
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// (b) Switches change at the start of the fade

// Strip b unmuted in scene 1 and muted in scene 2, strip a's fader -20 and
// 0 dB.  Recalled over 0.5 s, b's mute (or unmute) is the engine's plain
// ramp of RAMP samples, straight, begun on the recall (no later than a's
// fade, which waits for the first tick; within two periods of mixd's
// answer), while a's fade runs its whole course.
START_TEST(switches_change_at_start)
{
  Rig rig;
  scenes_up(&rig);
  double levels[2];
  store_with_a(&rig, 1, A_DB_1);
  set_switch(rig.osc, "/strip/b/mute", 1);
  store_with_a(&rig, 2, A_DB_2);
  recall_settled(&rig, 1, levels);
  ck_assert_msg(fabs(levels[1] - DC_B) < 1e-7, "scene 1: b at %.9g", levels[1]);

  static const double b_from[2] = { DC_B, 0.0 };
  for (unsigned w = 0U; w < 2U; ++w) {
    MxtTake take;
    bool    clean = false;
    for (unsigned tries = 0U; tries < TRIES && !clean; ++tries) {
      Recalled at;
      take_recall(&rig, ways[w].scene, FADE_S, 1000.0, &take, &at, NULL, 0.0, 0.0);
      const Fade  f = measure_fade(&take, take.ch[0], FADE_FRAMES, DC_A, ways[w].db0, ways[w].db1);
      const Glide g = measure_glide(&take, 1U, 0U, b_from[w], DC_B - b_from[w]);
      clean         = fade_seen(&rig, &take, &at, &f) &&
              !disturbed(&rig, &take, at.cycle, frame_of(&take, g.start) + RAMP);
      if (!clean) {
        ++rig.retakes;
        recall_settled(&rig, ways[w ^ 1U].scene, levels);
        continue;
      }
      check_fade(&take, "strip a's fader", &at, true, &f);
      const int late   = after_recall(&at, frame_of(&take, g.start));
      const int answer = after_answer(&at, frame_of(&take, g.start));
      ck_assert_msg(late >= 0 && answer <= 2 * (int)MXT_PERIOD,
                    "b's %s began %d frames after the cycle of the recall, %d after its answer",
                    w ? "unmute" : "mute",
                    late,
                    answer);
      ck_assert_msg(since(&take, g.start, f.start) >= 0.0,
                    "b's switch began %.0f frames after a's fade",
                    -since(&take, g.start, f.start));
      ck_assert_msg(g.worst_dev < 1e-5 && g.max_step <= g.bound * 1.001 + 1e-7,
                    "b's switch: %.3g off a straight ramp, a step of %.3g (%.3g allowed)",
                    g.worst_dev,
                    g.max_step,
                    g.bound);
      ck_assert_msg(g.length >= RAMP - 1U && g.length <= RAMP + 1U,
                    "b's switch took %zu samples, not %u",
                    g.length,
                    RAMP);
      fprintf(stderr,
              "# %s of b with a fade of a: began %d frames after the cycle of the recall (%d "
              "after its answer), %.0f frames before a's fade, a ramp of %zu samples; a's fade "
              "took %.0f frames\n",
              w ? "unmute" : "mute",
              late,
              answer,
              since(&take, g.start, f.start),
              g.length,
              f.length);
    }
    ck_assert_msg(clean, "no clean take of the recall in %u tries", TRIES);
  }
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// (c) Recall-safe controls do not move

// Strip b's fader -6 dB and its low shelf (EQ band 1, 100 Hz: its gain is
// the DC gain) at 0 dB in scene 1, 0 dB and +6 dB in scene 2.  With b's
// safe/fader and safe/eq on, a recall of scene 2 over 0.5 s fades a and
// leaves b's output exactly where it was, during and after; its controls
// read as before.  Then each safe switch is let go in turn, and the next
// recall moves what it had kept, and only that.
START_TEST(recall_safe_holds)
{
  Rig rig;
  scenes_up(&rig);
  double levels[2];
  set_float(rig.osc, "/strip/b/fader", -6.0);
  store_with_a(&rig, 1, A_DB_1);
  set_float(rig.osc, "/strip/b/fader", 0.0);
  set_float(rig.osc, "/strip/b/eq/1/gain", 6.0);
  store_with_a(&rig, 2, A_DB_2);
  recall_settled(&rig, 1, levels);
  const double b_level = levels[1];
  ck_assert_msg(fabs(b_level - DC_B * gain(-6.0)) < 1e-6, "scene 1: b at %.9g", b_level);

  set_switch(rig.osc, "/strip/b/safe/fader", 1);
  set_switch(rig.osc, "/strip/b/safe/eq", 1);
  MxtTake take;
  bool    clean = false;
  for (unsigned tries = 0U; tries < TRIES && !clean; ++tries) {
    Recalled at;
    take_recall(&rig, 2, FADE_S, 1000.0, &take, &at, NULL, 0.0, 0.0);
    const Fade f = measure_fade(&take, take.ch[0], FADE_FRAMES, DC_A, A_DB_1, A_DB_2);
    clean        = fade_seen(&rig, &take, &at, &f);
    if (!clean) {
      ++rig.retakes;
      recall_settled(&rig, 1, levels);
      continue;
    }
    check_fade(&take,
               "strip a's fader",
               &at,
               !disturbed(&rig, &take, at.cycle, frame_of(&take, f.start) + RAMP),
               &f);
    ck_assert_msg(worst_off(&take, 1U, 0U, b_level) == 0.0,
                  "safe strip b moved by %.3g during the recall",
                  worst_off(&take, 1U, 0U, b_level));
    fprintf(stderr,
            "# recall-safe: b held at %.9g (exactly) over %zu samples while a faded\n",
            b_level,
            take.frames);
  }
  ck_assert_msg(clean, "no clean take of the recall in %u tries", TRIES);
  ck_assert_float_eq(get_float(rig.osc, "/strip/b/fader"), -6.0f);
  ck_assert_float_eq(get_float(rig.osc, "/strip/b/eq/1/gain"), 0.0f);

  // The fader let go: the recall moves it, not the EQ
  set_switch(rig.osc, "/strip/b/safe/fader", 0);
  recall_settled(&rig, 2, levels);
  ck_assert_msg(fabs(levels[1] - b_level * gain(6.0)) < 1e-6 * b_level,
                "safe/eq only: b at %.9g, not %.9g",
                levels[1],
                b_level * gain(6.0));
  ck_assert_float_eq(get_float(rig.osc, "/strip/b/fader"), 0.0f);
  ck_assert_float_eq(get_float(rig.osc, "/strip/b/eq/1/gain"), 0.0f);

  // The EQ let go: the shelf's +6 dB at DC
  set_switch(rig.osc, "/strip/b/safe/eq", 0);
  recall_settled(&rig, 2, levels);
  ck_assert_msg(fabs(levels[1] - DC_B * gain(6.0)) < 1e-4 * DC_B,
                "nothing safe: b at %.9g, not %.9g",
                levels[1],
                DC_B * gain(6.0));
  ck_assert_float_eq(get_float(rig.osc, "/strip/b/eq/1/gain"), 6.0f);
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// (d) A recall without a fade jumps, through the engine's ramp

// Strip a's fader -20 and 0 dB, recalled with fade 0 both ways: the output
// moves as a plain OSC change does (test_live_osc): from the start of a
// cycle no earlier than the one the recall was sent in and within two
// periods of mixd's answer (recall()), one straight
// ramp of RAMP samples whose largest step is |y1 - y0| / RAMP (no click).
START_TEST(fade_zero_ramps)
{
  Rig rig;
  scenes_up(&rig);
  double levels[2];
  store_with_a(&rig, 1, A_DB_1);
  store_with_a(&rig, 2, A_DB_2);
  recall_settled(&rig, 1, levels);

  for (unsigned w = 0U; w < 2U; ++w) {
    const double y0    = DC_A * gain(ways[w].db0);
    const double y1    = DC_A * gain(ways[w].db1);
    bool         clean = false;
    for (unsigned tries = 0U; tries < TRIES && !clean; ++tries) {
      MxtTake  take;
      Recalled at;
      take_recall(&rig, ways[w].scene, 0.0, 300.0, &take, &at, NULL, 0.0, 0.0);
      const Glide          g     = measure_glide(&take, 0U, 0U, y0, y1);
      const jack_nframes_t moved = frame_of(&take, g.start);
      clean                      = !disturbed(&rig, &take, at.cycle, moved + RAMP);
      if (!clean) {
        ++rig.retakes;
        recall_settled(&rig, ways[w ^ 1U].scene, levels);
        continue;
      }
      const int late   = after_recall(&at, moved);
      const int answer = after_answer(&at, moved);
      ck_assert_msg(starts_block(&take, g.start), "the jump began inside a cycle");
      ck_assert_msg(late >= 0 && answer <= 2 * (int)MXT_PERIOD,
                    "the jump began %d frames after the cycle of the recall, %d after its answer",
                    late,
                    answer);
      ck_assert_msg(g.worst_dev < 1e-5, "the jump is %.3g off a straight ramp", g.worst_dev);
      ck_assert_msg(g.max_step <= g.bound * 1.001 + 1e-7,
                    "a step of %.6g, the ramp allows %.6g",
                    g.max_step,
                    g.bound);
      ck_assert_msg(g.length >= RAMP - 1U && g.length <= RAMP + 1U,
                    "the jump took %zu samples, not %u",
                    g.length,
                    RAMP);
      fprintf(stderr,
              "# recall without a fade, %+.0f -> %+.0f dB: began %d frames after the cycle of "
              "the recall, a ramp of %zu samples, largest step %.6g (%.6g allowed), %.2g off a "
              "straight line\n",
              ways[w].db0,
              ways[w].db1,
              late,
              g.length,
              g.max_step,
              g.bound,
              g.worst_dev);
    }
    ck_assert_msg(clean, "no clean take of the recall in %u tries", TRIES);
  }
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// (e) A hand on a fading control takes it over

/// When the hand moves strip a's fader, ms after the recall
#define HAND_MS 400.0

/// Where it moves it, dB
#define HAND_DB (-30.0)

// Strips a and b at -20 dB in scene 1, 0 dB in scene 2, recalled over 1 s;
// 400 ms in, strip a's fader is set to -30 dB over OSC.  a's output goes
// there and stays, exactly, to the end of the take (well past the fade
// time): the fade let go of it.  b's fade runs its whole course.
START_TEST(hand_takes_over)
{
  Rig rig;
  scenes_up(&rig);
  double levels[2];
  set_float(rig.osc, "/strip/b/fader", A_DB_1);
  store_with_a(&rig, 1, A_DB_1);
  set_float(rig.osc, "/strip/b/fader", A_DB_2);
  store_with_a(&rig, 2, A_DB_2);
  recall_settled(&rig, 1, levels);

  const double fade   = LONG_FADE_S * (double)MXT_RATE;
  const double y_hand = DC_A * gain(HAND_DB);
  bool         clean  = false;
  for (unsigned tries = 0U; tries < TRIES && !clean; ++tries) {
    MxtTake  take;
    Recalled at;
    take_recall(&rig, 2, LONG_FADE_S, 1800.0, &take, &at, "/strip/a/fader", HAND_MS, HAND_DB);
    const Fade fb = measure_fade(&take, take.ch[1], fade, DC_B, A_DB_1, A_DB_2);
    clean         = fade_seen(&rig, &take, &at, &fb);
    if (!clean) {
      ++rig.retakes;
      recall_settled(&rig, 1, levels);
      continue;
    }
    check_fade(&take,
               "strip b's fader",
               &at,
               !disturbed(&rig, &take, at.cycle, frame_of(&take, fb.start) + RAMP),
               &fb);

    // a rose with the fade, then went to the hand's level and stayed
    const float* const x    = take.ch[0];
    size_t             held = take.frames;
    while (held > 0U && x[held - 1U] == (float)y_hand) {
      --held;
    }
    const double before = (double)x[fb.start + (size_t)(0.3 * (double)MXT_RATE)];
    ck_assert_msg(before > DC_A * gain(A_DB_1) * gain(3.0),
                  "a did not fade before the hand (%.3f dB 300 ms in)",
                  mxt_db(before / DC_A));
    ck_assert_msg(held > fb.start && held < fb.end,
                  "a reached the hand's level %.0f frames into a fade of %.0f",
                  since(&take, fb.start, held),
                  fade);
    ck_assert_msg(since(&take, fb.start, held) <=
                    (HAND_MS + REPLY_MS) * 1e-3 * (double)MXT_RATE + RAMP,
                  "a reached the hand's level %.0f frames into the fade",
                  since(&take, fb.start, held));
    fprintf(stderr,
            "# hand move %.0f ms into a fade of %.0f ms: a held %.1f dB exactly from %.0f "
            "frames into the fade to the end of the take (%.0f frames past the fade's end); b "
            "faded in %.0f frames\n",
            HAND_MS,
            LONG_FADE_S * 1e3,
            HAND_DB,
            since(&take, fb.start, held),
            since(&take, fb.end, take.frames - 1U),
            fb.length);
  }
  ck_assert_msg(clean, "no clean take of the recall in %u tries", TRIES);
  ck_assert_float_eq(get_float(rig.osc, "/strip/a/fader"), (float)HAND_DB);
  ck_assert_float_eq(get_float(rig.osc, "/strip/b/fader"), (float)A_DB_2);
  rig_down(&rig);
}
END_TEST

// ---------------------------------------------------------------------------
// Registration

int
main(void)
{
  const char* why = NULL;
  if (!mxt_rig_begin(&why)) {
    printf("test_live_scenes: SKIP: %s\n", why);
    return 77;
  }

  Suite* const s    = suite_create("live_scenes");
  TCase* const fade = live_case("fade", 60.0);
  tcase_add_test(fade, fade_follows_taper);
  tcase_add_test(fade, switches_change_at_start);
  tcase_add_test(fade, fade_zero_ramps);
  suite_add_tcase(s, fade);

  TCase* const safe = live_case("safe", 60.0);
  tcase_add_test(safe, recall_safe_holds);
  tcase_add_test(safe, hand_takes_over);
  suite_add_tcase(s, safe);

  SRunner* const runner = srunner_create(s);
  srunner_run_all(runner, CK_NORMAL);
  const int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  mxt_rig_end(failed != 0 || getenv("MXT_KEEP"));
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
