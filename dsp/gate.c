// SPDX-License-Identifier: GPL-3.0-or-later

#include "gate.h"

#include "lanes.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/// Distance from its target at which the gain lands on it exactly.
#define SNAP 1.0e-6

/// Samples processed per pass (a multiple of 4; buffers on the stack).
#define SUB 64U

static void
update_levels(MxGate* const gate)
{
  gate->open_level  = mx_db_to_gain(gate->threshold_db);
  gate->close_level = mx_db_to_gain(gate->threshold_db - gate->hysteresis_db);
  gate->close_log2  = log2f(gate->close_level);
}

static uint32_t
hold_samples(const float ms, const double rate)
{
  return (uint32_t)floor((double)ms * 0.001 * rate + 0.5);
}

// Forget the key: open at unity, as if the signal had just stopped
static void
clear_state(MxGate* const gate)
{
  gate->envelope  = 0.0f;
  gate->gain      = 1.0;
  gate->open      = true;
  gate->hold_left = gate->hold;
  mx_dyn_meter_clear(&gate->meter);
}

static void
set_times(MxGate* const gate)
{
  const double rate = gate->rate;
  gate->decay       = (float)exp(-1000.0 / ((double)MX_GATE_DETECTOR_MS * rate));
  gate->hold        = hold_samples(gate->hold_ms, rate);
  gate->attack      = mx_dyn_coeff(gate->attack_ms, rate);
  gate->release     = mx_dyn_coeff(gate->release_ms, rate);
  mx_smooth_set_time(&gate->amount, MX_SMOOTH_DEFAULT_MS, rate);
}

void
mx_gate_init(MxGate* const gate, const double rate)
{
  memset(gate, 0, sizeof(*gate)); // padding too, so that copies compare equal
  gate->rate          = rate;
  gate->threshold_db  = MX_GATE_DEF_THRESHOLD_DB;
  gate->range_db      = MX_GATE_DEF_RANGE_DB;
  gate->attack_ms     = MX_GATE_DEF_ATTACK_MS;
  gate->hold_ms       = MX_GATE_DEF_HOLD_MS;
  gate->release_ms    = MX_GATE_DEF_RELEASE_MS;
  gate->hysteresis_db = MX_GATE_DEF_HYSTERESIS_DB;
  gate->ratio         = INFINITY;
  gate->floor         = mx_db_to_gain(gate->range_db);
  gate->exponent      = INFINITY;
  update_levels(gate);

  mx_smooth_init(&gate->amount, 0.0f, MX_SMOOTH_DEFAULT_MS, rate);
  set_times(gate);
  clear_state(gate);
  gate->idle = true;
}

MxStatus
mx_gate_set_rate(MxGate* const gate, const double rate)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_rate(rate));

  gate->rate = rate;
  set_times(gate);
  clear_state(gate);
  return MX_SUCCESS;
}

void
mx_gate_set_enabled(MxGate* const gate, const bool enabled)
{
  mx_smooth_set_target(&gate->amount, enabled ? 1.0f : 0.0f);
}

MxStatus
mx_gate_set_threshold_db(MxGate* const gate, const float db)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db, MX_GATE_MIN_THRESHOLD_DB, MX_GATE_MAX_THRESHOLD_DB));
  gate->threshold_db = db;
  update_levels(gate);
  return MX_SUCCESS;
}

MxStatus
mx_gate_set_range_db(MxGate* const gate, const float db)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db, MX_GATE_MIN_RANGE_DB, 0.0f));
  gate->range_db = db;
  gate->floor    = mx_db_to_gain(db);
  return MX_SUCCESS;
}

MxStatus
mx_gate_set_attack_ms(MxGate* const gate, const float ms)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, MX_GATE_MIN_ATTACK_MS, MX_GATE_MAX_ATTACK_MS));
  gate->attack_ms = ms;
  gate->attack    = mx_dyn_coeff(ms, gate->rate);
  return MX_SUCCESS;
}

MxStatus
mx_gate_set_hold_ms(MxGate* const gate, const float ms)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, 0.0f, MX_GATE_MAX_HOLD_MS));
  gate->hold_ms = ms;
  gate->hold    = hold_samples(ms, gate->rate);
  if (gate->hold_left > gate->hold) {
    gate->hold_left = gate->hold;
  }
  return MX_SUCCESS;
}

MxStatus
mx_gate_set_release_ms(MxGate* const gate, const float ms)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(ms, MX_GATE_MIN_RELEASE_MS, MX_GATE_MAX_RELEASE_MS));
  gate->release_ms = ms;
  gate->release    = mx_dyn_coeff(ms, gate->rate);
  return MX_SUCCESS;
}

MxStatus
mx_gate_set_hysteresis_db(MxGate* const gate, const float db)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db, 0.0f, MX_GATE_MAX_HYSTERESIS_DB));
  gate->hysteresis_db = db;
  update_levels(gate);
  return MX_SUCCESS;
}

MxStatus
mx_gate_set_ratio(MxGate* const gate, const float ratio)
{
  MxStatus st = MX_SUCCESS;
  if (ratio != INFINITY) { // +INFINITY is valid: a gate rather than an expander
    TRY(st, mx_check_range(ratio, 1.0f, MX_GATE_MAX_RATIO));
  }

  gate->ratio    = ratio;
  gate->exponent = ratio - 1.0f; // INFINITY stays INFINITY
  return MX_SUCCESS;
}

// Positive dB of reduction of a gain in (0, 1]
static float
reduction_db(const float gain)
{
  return gain < 1.0f ? -mx_gain_to_db(gain) : 0.0f;
}

/// What a block carries from sample to sample, in locals while it runs
typedef struct {
  float    envelope;  ///< Peak envelope of the key, linear
  double   gain;      ///< Gain of the gate itself, linear
  uint32_t hold_left; ///< Samples the gate stays open below the closing threshold
  bool     open;      ///< Open (true) or closed
} State;

// Pass 1, per sample: the peak envelope of the louder key channel (instant
// rise, fixed fall; a NaN fails every comparison and is skipped, infinity
// is capped), then the state: open at the threshold; below the closing
// threshold count the hold down, then close; in between keep the state.
// Writes the envelope and the target (1 open, -1 closed, resolved in pass
// 2) of each sample, and returns true if the gate stayed open throughout.
static inline bool
detect(const MxGate* const gate,
       State* const        st,
       const float* const  key0,
       const float* const  key1,
       float* const        envs,
       float* const        goal,
       const uint32_t      len)
{
  const float    open_level  = gate->open_level;
  const float    close_level = gate->close_level;
  const float    decay       = gate->decay;
  const uint32_t hold        = gate->hold;
  float          env         = st->envelope;
  uint32_t       hold_left   = st->hold_left;
  bool           open        = st->open;
  bool           all_open    = true;

  for (uint32_t i = 0U; i < len; ++i) {
    float       a      = fabsf(key0[i]);
    const float b      = fabsf(key1[i]);
    a                  = b > a ? b : a;
    a                  = a > MX_DYN_LEVEL_CEIL ? MX_DYN_LEVEL_CEIL : a;
    const float fallen = env * decay;
    env                = a > fallen ? a : fallen;

    if (env >= open_level) {
      open      = true;
      hold_left = hold;
    } else if (env >= close_level) {
      if (open) {
        hold_left = hold;
      }
    } else if (open) {
      if (hold_left) {
        --hold_left;
      } else {
        open = false;
      }
    }

    envs[i] = env;
    goal[i] = open ? 1.0f : -1.0f;
    all_open &= open;
  }

  st->envelope  = env;
  st->hold_left = hold_left;
  st->open      = open;
  return all_open;
}

// Pass 2, four at a time: the target of closed samples, the range floor,
// or for the expander the curve (e / Tc)^(R - 1) = 2^((R - 1) (log2 e -
// log2 Tc)) within [floor, 1].  `envs` and `goal` hold whole vectors.
static inline void
close_targets(const MxGate* const gate,
              const float* const  envs,
              float* const        goal,
              const uint32_t      len)
{
  const MxF4 one      = mx_f4_set(1.0f);
  const MxF4 low      = mx_f4_set(gate->floor);
  const bool expander = isfinite(gate->exponent);

  for (uint32_t i = 0U; i < len; i += 4U) {
    const MxF4 now = mx_f4_load(goal + i, 4U);
    MxF4       to  = low;
    if (expander) {
      const MxF4 level = mx_dyn_log2_f4(mx_f4_clamp_level(mx_f4_load(envs + i, 4U)));
      const MxF4 curve = mx_dyn_exp2_f4(gate->exponent * (level - gate->close_log2));
      to               = mx_f4_min(mx_f4_max(curve, low), one);
    }
    mx_f4_store(goal + i, mx_f4_select(now < 0.0f, to, now), 4U);
  }
}

// Pass 3, per sample: the one-pole ramp, attack rising and release falling,
// landing on the target.  Both candidates move from g towards the target,
// the one with the larger input weight further: with the faster attack
// that is the larger candidate both when rising (attack) and when falling
// (release), else the smaller one; no comparison with g to mispredict.  On
// and off crossfade the gain with unity.  Writes the applied gains and
// returns the smallest.
static inline float
ramp(MxGate* const      gate,
     State* const       st,
     const float* const goal,
     float* const       gains,
     const uint32_t     len)
{
  const MxDynCoeff att      = gate->attack;
  const MxDynCoeff rel      = gate->release;
  const bool       larger   = att.b >= rel.b;
  MxSmooth* const  amount   = &gate->amount;
  const bool       fully_on = mx_smooth_is_settled(amount) && amount->current == 1.0f;
  double           g        = st->gain;
  float            least    = 1.0f;

  for (uint32_t i = 0U; i < len; ++i) {
    const double target = (double)goal[i];
    if (g != target) {
      const double up   = mx_dyn_follow(att, g, target);
      const double down = mx_dyn_follow(rel, g, target);
      g                 = larger ? (up > down ? up : down) : (up < down ? up : down);
      if (fabs(g - target) < SNAP) {
        g = target;
      }
    }

    float applied = (float)g;
    if (!fully_on) {
      const float amt = mx_smooth_next(amount);
      applied         = amt == 1.0f ? applied : 1.0f + amt * (applied - 1.0f);
    }
    least    = applied < least ? applied : least;
    gains[i] = applied;
  }

  st->gain = g;
  return least;
}

// The start of a block: false if the gate is bypassed (the block passes
// untouched) or the block is empty
static bool
begin(MxGate* const gate, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);
  if (n == 0U) {
    return false;
  }
  MxSmooth* const amount = &gate->amount;
  if (mx_smooth_is_settled(amount) && amount->current == 0.0f) {
    // Bypassed: untouched, and ready to start afresh
    if (!gate->idle) {
      clear_state(gate);
      gate->idle = true;
    }
    return false;
  }
  gate->idle = false;
  return true;
}

/// The gains of a block so far, for the meter
typedef struct {
  float last;   ///< Gain of the last sample
  float lowest; ///< Smallest gain
} Gains;

// True if a sub-block that stayed open needs no more passes: the gate is
// settled open at unity
static bool
idle_open(const MxGate* const gate, const State* const st, const bool all_open)
{
  const MxSmooth* const amount = &gate->amount;
  return all_open && st->gain == 1.0 && mx_smooth_is_settled(amount) && amount->current == 1.0f;
}

// Passes 2 and 3 of a sub-block of `len` samples from `start`, after pass
// 1 left its envelope and targets in `envs` and `goal` (room for whole
// vectors), and the gains applied to the channels; for a sub-block that
// is not idle_open()
static void
shape(MxGate* const       gate,
      State* const        st,
      float* const        envs,
      float* const        goal,
      const bool          all_open,
      float* const* const ch,
      const unsigned      nch,
      const uint32_t      start,
      const uint32_t      len,
      Gains* const        gains_seen)
{
  for (uint32_t i = len; i % 4U; ++i) {
    envs[i] = goal[i] = 1.0f; // Lanes past the end, for pass 2
  }
  if (!all_open) {
    close_targets(gate, envs, goal, len);
  }

  float* const gains = envs; // Reused
  const float  least = ramp(gate, st, goal, gains, len);
  gains_seen->last   = gains[len - 1U];
  gains_seen->lowest = least < gains_seen->lowest ? least : gains_seen->lowest;
  if (least < 1.0f) {
    for (unsigned c = 0U; c < nch; ++c) {
      float* const x = ch[c] + start;
      for (uint32_t i = 0U; i < len; ++i) {
        x[i] *= gains[i];
      }
    }
  }
}

// The end of a block: the state kept, the meter told
static void
finish(MxGate* const gate, const State* const st, const Gains* const gains)
{
  // The envelope and the gain cannot leave their ranges, but a state that
  // is not finite must never outlive the block
  gate->envelope  = isfinite(st->envelope) ? st->envelope : 0.0f;
  gate->gain      = isfinite(st->gain) ? st->gain : 1.0;
  gate->hold_left = st->hold_left;
  gate->open      = st->open;

  mx_dyn_meter_update(&gate->meter, reduction_db(gains->last), reduction_db(gains->lowest));
}

static State
state_of(const MxGate* const gate)
{
  const State st = { gate->envelope, gate->gain, gate->hold_left, gate->open };
  return st;
}

void
mx_gate_process(MxGate* const             gate,
                float* const* const       ch,
                const unsigned            nch,
                const float* const* const sc,
                const uint32_t            n)
{
  assert(nch >= 1U && nch <= MX_DYN_MAX_CHANNELS);
  if (!begin(gate, n)) {
    return;
  }

  const float* const key0  = sc ? sc[0] : ch[0];
  const float* const key1  = nch > 1U ? (sc ? sc[1] : ch[1]) : key0;
  State              st    = state_of(gate);
  Gains              gains = { 1.0f, 1.0f };

  // Sub-blocks of SUB samples in three passes, each a simple loop
  for (uint32_t start = 0U, len = 0U; start < n; start += len) {
    len = n - start < SUB ? n - start : SUB;
    float      envs[SUB];
    float      goal[SUB];
    const bool all_open = detect(gate, &st, key0 + start, key1 + start, envs, goal, len);
    if (idle_open(gate, &st, all_open)) {
      gains.last = 1.0f; // Nothing to do
    } else {
      shape(gate, &st, envs, goal, all_open, ch, nch, start, len, &gains);
    }
  }
  finish(gate, &st, &gains);
}

// ---------------------------------------------------------------------------
// Banks

/*
  Pass 1 for up to MX_GATE_BANK mono gates, one per lane of a 4 x float
  vector: detect() with its branches as masks, the same float operations in
  the same order, so each lane is its gate alone.  The envelope is a
  recursion (a multiply and a max per sample) and its state machine
  branches on every sample; as lanes, four gates cost about what one does.
  Writes the envelopes and targets of each sample, lanes side by side, to
  `env_v` and `goal_v`, and returns the lanes that stayed open throughout
  as a bit set.
  Lanes past `count` repeat the last real one and are not stored.
*/
static MX_SIMD_CLONES unsigned
detect_bank(MxGate* const* const      gates,
            State* const              st,
            const float* const* const keys,
            MxF4* const               env_v,
            MxF4* const               goal_v,
            const unsigned            count,
            const uint32_t            len)
{
  MxF4         open_level  = mx_f4_set(0.0f);
  MxF4         close_level = mx_f4_set(0.0f);
  MxF4         decay       = mx_f4_set(0.0f);
  MxF4         env         = mx_f4_set(0.0f);
  MxI4         hold        = { 0, 0, 0, 0 };
  MxI4         hold_left   = { 0, 0, 0, 0 };
  MxI4         open        = { 0, 0, 0, 0 };
  const float* k[MX_GATE_BANK];
  for (unsigned l = 0U; l < MX_GATE_BANK; ++l) {
    const unsigned      src  = l < count ? l : count - 1U;
    const MxGate* const gate = gates[src];
    open_level[l]            = gate->open_level;
    close_level[l]           = gate->close_level;
    decay[l]                 = gate->decay;
    hold[l]                  = (int32_t)gate->hold;
    env[l]                   = st[src].envelope;
    hold_left[l]             = (int32_t)st[src].hold_left;
    open[l]                  = st[src].open ? -1 : 0;
    k[l]                     = keys[src];
  }

  const MxF4 ceil     = mx_f4_set(MX_DYN_LEVEL_CEIL);
  const MxF4 one      = mx_f4_set(1.0f);
  const MxF4 minus    = mx_f4_set(-1.0f);
  MxI4       all_open = { -1, -1, -1, -1 };

  // One sample of every lane
#define GATE_STEP(x, i)                                                              \
  do {                                                                               \
    MxF4 a_             = mx_f4_abs(x);                                              \
    a_                  = mx_f4_select(a_ > ceil, ceil, a_);                         \
    env                 = mx_f4_max(a_, env * decay);                                \
    const MxI4 above_   = env >= open_level;                                         \
    const MxI4 between_ = env >= close_level;                                        \
    const MxI4 held_    = hold_left > 0;                                             \
    const MxI4 reload_  = above_ | (between_ & open);                                \
    const MxI4 down_    = open & ~between_ & held_; /* Below: count the hold down */ \
    hold_left           = (hold & reload_) | ((hold_left + down_) & ~reload_);       \
    open                = above_ | (open & (between_ | held_));                      \
    env_v[i]            = env;                                                       \
    goal_v[i]           = mx_f4_select(open, one, minus);                            \
    all_open &= open;                                                                \
  } while (0)

  // Four samples at a time from one vector load per lane (mx_lanes_load4f())
  uint32_t i = 0U;
  for (; i + 4U <= len; i += 4U) {
    MxF4 x[4];
    mx_lanes_load4f(k, i, x);
    GATE_STEP(x[0], i);
    GATE_STEP(x[1], i + 1U);
    GATE_STEP(x[2], i + 2U);
    GATE_STEP(x[3], i + 3U);
  }
  for (; i < len; ++i) {
    const MxF4 x = { k[0][i], k[1][i], k[2][i], k[3][i] };
    GATE_STEP(x, i);
  }
#undef GATE_STEP

  unsigned open_lanes = 0U;
  for (unsigned l = 0U; l < count; ++l) {
    st[l].envelope  = env[l];
    st[l].hold_left = (uint32_t)hold_left[l];
    st[l].open      = open[l] != 0;
    open_lanes |= all_open[l] ? 1U << l : 0U;
  }
  return open_lanes;
}

void
mx_gate_process_bank(MxGate* const* const gates,
                     float* const* const  bufs,
                     const unsigned       count,
                     const uint32_t       n)
{
  assert(count <= MX_GATE_BANK);
  MxGate*  lanes[MX_GATE_BANK];
  float*   lane_bufs[MX_GATE_BANK];
  State    st[MX_GATE_BANK];
  Gains    gains[MX_GATE_BANK];
  unsigned n_lanes = 0U;
  for (unsigned k = 0U; k < count; ++k) {
    if (begin(gates[k], n)) {
      lanes[n_lanes]     = gates[k];
      lane_bufs[n_lanes] = bufs[k];
      st[n_lanes]        = state_of(gates[k]);
      gains[n_lanes]     = (Gains){ 1.0f, 1.0f };
      ++n_lanes;
    }
  }
  if (n_lanes == 0U) {
    return;
  }

  for (uint32_t start = 0U, len = 0U; start < n; start += len) {
    len = n - start < SUB ? n - start : SUB;
    const float* keys[MX_GATE_BANK];
    for (unsigned l = 0U; l < n_lanes; ++l) {
      keys[l] = lane_bufs[l] + start;
    }
    MxF4           env_v[SUB];
    MxF4           goal_v[SUB];
    const unsigned open = detect_bank(lanes, st, keys, env_v, goal_v, n_lanes, len);

    // The usual gate, open and settled, is done; the others take their lane
    for (unsigned l = 0U; l < n_lanes; ++l) {
      const bool all_open = (open >> l) & 1U;
      if (idle_open(lanes[l], &st[l], all_open)) {
        gains[l].last = 1.0f;
        continue;
      }
      float envs[SUB];
      float goal[SUB];
      for (uint32_t i = 0U; i < len; ++i) {
        envs[i] = env_v[i][l];
        goal[i] = goal_v[i][l];
      }
      shape(lanes[l], &st[l], envs, goal, all_open, &lane_bufs[l], 1U, start, len, &gains[l]);
    }
  }
  for (unsigned l = 0U; l < n_lanes; ++l) {
    finish(lanes[l], &st[l], &gains[l]);
  }
}

float
mx_gate_get_reduction_db(const MxGate* const gate)
{
  return gate->meter.current_db;
}

float
mx_gate_read_max_reduction_db(MxGate* const gate)
{
  return mx_dyn_meter_read_reset(&gate->meter);
}

void
mx_gate_reset(MxGate* const gate)
{
  mx_smooth_jump(&gate->amount, gate->amount.target);
  clear_state(gate);
  gate->idle = gate->amount.current == 0.0f;
}
