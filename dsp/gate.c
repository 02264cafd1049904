// SPDX-License-Identifier: GPL-3.0-or-later

#include "gate.h"

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

void
mx_gate_process(MxGate* const             gate,
                float* const* const       ch,
                const unsigned            nch,
                const float* const* const sc,
                const uint32_t            n)
{
  assert(n <= MX_DSP_MAX_BLOCK);
  assert(nch >= 1U && nch <= MX_DYN_MAX_CHANNELS);
  if (n == 0U) {
    return;
  }

  MxSmooth* const amount = &gate->amount;
  if (mx_smooth_is_settled(amount) && amount->current == 0.0f) {
    // Bypassed: untouched, and ready to start afresh
    if (!gate->idle) {
      clear_state(gate);
      gate->idle = true;
    }
    return;
  }
  gate->idle = false;

  const float* const key0 = sc ? sc[0] : ch[0];
  const float* const key1 = nch > 1U ? (sc ? sc[1] : ch[1]) : key0;

  State st     = { gate->envelope, gate->gain, gate->hold_left, gate->open };
  float last   = 1.0f;
  float lowest = 1.0f;

  // Sub-blocks of SUB samples in three passes, each a simple loop
  for (uint32_t start = 0U, len = 0U; start < n; start += len) {
    len = n - start;
    if (len > SUB) {
      len = SUB;
    }
    float envs[SUB];
    float goal[SUB];

    const bool all_open = detect(gate, &st, key0 + start, key1 + start, envs, goal, len);
    for (uint32_t i = len; i % 4U; ++i) {
      envs[i] = goal[i] = 1.0f; // Lanes past the end, for pass 2
    }

    if (all_open && st.gain == 1.0 && mx_smooth_is_settled(amount) && amount->current == 1.0f) {
      last = 1.0f; // Settled open at unity: nothing to do
    } else {
      if (!all_open) {
        close_targets(gate, envs, goal, len);
      }

      float* const gains = envs; // Reused
      const float  least = ramp(gate, &st, goal, gains, len);
      last               = gains[len - 1U];
      lowest             = least < lowest ? least : lowest;
      if (least < 1.0f) {
        for (unsigned c = 0U; c < nch; ++c) {
          float* const x = ch[c] + start;
          for (uint32_t i = 0U; i < len; ++i) {
            x[i] *= gains[i];
          }
        }
      }
    }
  }

  // The envelope and the gain cannot leave their ranges, but a state that
  // is not finite must never outlive the block
  gate->envelope  = isfinite(st.envelope) ? st.envelope : 0.0f;
  gate->gain      = isfinite(st.gain) ? st.gain : 1.0;
  gate->hold_left = st.hold_left;
  gate->open      = st.open;

  mx_dyn_meter_update(&gate->meter, reduction_db(last), reduction_db(lowest));
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
