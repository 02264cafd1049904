// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_GATE_H
#define MX_DSP_GATE_H

#include "common.h"
#include "dynamics.h"
#include "smooth.h"

#include <stdbool.h>
#include <stdint.h>

/// Noise gate and downward expander with hysteresis and hold, stereo-linked.

/// Parameter ranges (inclusive) and defaults
#define MX_GATE_MIN_THRESHOLD_DB (-90.0f) ///< Lowest opening threshold, dBFS
#define MX_GATE_MAX_THRESHOLD_DB 0.0f     ///< Highest opening threshold, dBFS
#define MX_GATE_DEF_THRESHOLD_DB (-60.0f) ///< Default opening threshold, dBFS
#define MX_GATE_MIN_RANGE_DB (-90.0f)     ///< Deepest attenuation when closed, dB
#define MX_GATE_DEF_RANGE_DB (-80.0f)     ///< Default attenuation when closed, dB
#define MX_GATE_MIN_ATTACK_MS 0.1f        ///< Shortest attack time constant, ms
#define MX_GATE_MAX_ATTACK_MS 500.0f      ///< Longest attack time constant, ms
#define MX_GATE_DEF_ATTACK_MS 1.0f        ///< Default attack time constant, ms
#define MX_GATE_MAX_HOLD_MS 2000.0f       ///< Longest hold, ms
#define MX_GATE_DEF_HOLD_MS 50.0f         ///< Default hold, ms
#define MX_GATE_MIN_RELEASE_MS 1.0f       ///< Shortest release time constant, ms
#define MX_GATE_MAX_RELEASE_MS 5000.0f    ///< Longest release time constant, ms
#define MX_GATE_DEF_RELEASE_MS 100.0f     ///< Default release time constant, ms
#define MX_GATE_MAX_HYSTERESIS_DB 24.0f   ///< Largest hysteresis, dB
#define MX_GATE_DEF_HYSTERESIS_DB 6.0f    ///< Default hysteresis, dB
#define MX_GATE_MAX_RATIO 100.0f          ///< Largest finite expander ratio (1:100)

/// Fall time constant of the key's peak envelope, ms (fixed).
#define MX_GATE_DETECTOR_MS 10.0f

/**
   A gate (ratio infinite, the default) or downward expander for one or two
   channels; both channels always share one gain.

   Detector: the key (the channels or an external sidechain) is followed by
   a peak envelope, e[n] = max(|x[n]|, e[n-1] exp(-1 / (10 ms fs))), the
   louder channel of a pair counting: it rises at once and falls with a
   fixed MX_GATE_DETECTOR_MS time constant.  Between the peaks of a tone it
   sags by 8.7 dB * (half period / 10 ms), 0.43 dB at 1 kHz, 4.3 dB at
   100 Hz: the hysteresis, or below that the hold, keeps such troughs from
   closing the gate.  So the gate closes a little after the key stops, by
   10 ms * ln(level / closing level) (53 ms from 0 dBFS at T = -40 dB,
   hysteresis 6 dB), before the hold starts.

   States: the gate opens when the envelope reaches the threshold T and
   closes once the envelope has stayed below the closing threshold
   T - hysteresis for the hold time, counted from its last fall below it.
   In between the two thresholds it keeps its state.  Comparisons run in
   linear units: no logarithm while gating.

   Gain target: 1 (0 dB) when open.  When closed, the range floor
   10^(range/20) for a gate; for a finite ratio R (1:R expansion) the gain
   follows the level below the closing threshold, (R - 1) dB per dB,
   (e / Tc)^(R - 1), no lower than the range floor and no higher than 1.

   Ramps: the linear gain follows its target with a one-pole that uses the
   attack time constant while rising and the release one while falling,
   covering 1 - 1/e (63.2 %) of a step in that time, so the gain never steps:
   the largest change per sample is (1 - floor) (1 - exp(-1 / (tau fs))).
   Parameters need no ramps of their own: whatever they change, the gain
   still only moves along these ramps.  Once within 1e-6 of its target the
   gain lands on it exactly, so an open gate multiplies by 1.0 (bit-exact).

   Embedded value: mx_gate_init(), no heap memory.
*/
typedef struct {
  double rate; ///< Sample rate, Hz

  float threshold_db;  ///< Opening threshold as set, dBFS
  float range_db;      ///< Attenuation when closed as set, dB (<= 0)
  float attack_ms;     ///< Attack time constant as set, ms
  float hold_ms;       ///< Hold as set, ms
  float release_ms;    ///< Release time constant as set, ms
  float hysteresis_db; ///< Hysteresis as set, dB
  float ratio;         ///< Expander ratio as set (INFINITY for a gate)

  float      open_level;  ///< Envelope that opens the gate, linear
  float      close_level; ///< Envelope below which the gate closes, linear
  float      close_log2;  ///< log2(close_level)
  float      floor;       ///< Gain when fully closed, 10^(range/20)
  float      exponent;    ///< R - 1 (INFINITY for a gate)
  float      decay;       ///< Envelope fall per sample, exp(-1 / (10 ms fs))
  uint32_t   hold;        ///< Hold, samples
  MxDynCoeff attack;      ///< Gain ramp while rising
  MxDynCoeff release;     ///< Gain ramp while falling

  float      envelope;  ///< Peak envelope of the key, linear
  double     gain;      ///< Gain of the gate itself, linear
  uint32_t   hold_left; ///< Samples the gate stays open below the closing threshold
  bool       open;      ///< Open (true) or closed
  MxSmooth   amount;    ///< On/off: 0 bypassed, 1 on
  bool       idle;      ///< Off and cleared: blocks pass untouched
  MxDynMeter meter;     ///< Gain-reduction meter
} MxGate;

/**
   Initialise with the defaults, switched off (the signal passes unchanged
   until mx_gate_set_enabled()), open, ratio infinite.

   Main thread.
   @param rate Sample rate, Hz (mx_rate_is_valid()).
*/
void
mx_gate_init(MxGate* gate, double rate);

/**
   Change the sample rate, keeping the settings; the gate restarts open.

   Main thread, while the gate is not being processed.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE if not
   mx_rate_is_valid(); nothing changes on error.
*/
MxStatus
mx_gate_set_rate(MxGate* gate, double rate);

/**
   Switch on or off.  Either way the applied gain crossfades linearly
   between unity and the gate's gain over MX_SMOOTH_DEFAULT_MS; once off the
   signal passes unchanged (bit for bit) and the detector is cleared.

   Audio thread (or before processing starts).
*/
void
mx_gate_set_enabled(MxGate* gate, bool enabled) MX_RT;

/**
   Set the opening threshold, MX_GATE_MIN_THRESHOLD_DB to
   MX_GATE_MAX_THRESHOLD_DB dBFS (default -60).

   Audio thread.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range; nothing changes on error.  The same holds for every setter below.
*/
MxStatus
mx_gate_set_threshold_db(MxGate* gate, float db) MX_RT;

/**
   Set the attenuation when closed, MX_GATE_MIN_RANGE_DB to 0 dB (default
   -80, practically silent; 0 disables the gate's effect).

   Audio thread.
*/
MxStatus
mx_gate_set_range_db(MxGate* gate, float db) MX_RT;

/// Set the attack time constant, MX_GATE_MIN_ATTACK_MS to MX_GATE_MAX_ATTACK_MS ms (default 1).
/// Audio thread.
MxStatus
mx_gate_set_attack_ms(MxGate* gate, float ms) MX_RT;

/// Set the hold, 0 to MX_GATE_MAX_HOLD_MS ms (default 50).  Audio thread.
MxStatus
mx_gate_set_hold_ms(MxGate* gate, float ms) MX_RT;

/// Set the release time constant, MX_GATE_MIN_RELEASE_MS to MX_GATE_MAX_RELEASE_MS ms (default
/// 100).  Audio thread.
MxStatus
mx_gate_set_release_ms(MxGate* gate, float ms) MX_RT;

/**
   Set the hysteresis, 0 to MX_GATE_MAX_HYSTERESIS_DB dB (default 6): the
   gate closes that far below the opening threshold.

   Audio thread.
*/
MxStatus
mx_gate_set_hysteresis_db(MxGate* gate, float db) MX_RT;

/**
   Set the expander ratio, 1 to MX_GATE_MAX_RATIO (1:R downward expansion
   below the closing threshold), or +INFINITY for a gate (the default).
   Ratio 1 disables the gate's effect.

   Audio thread.
*/
MxStatus
mx_gate_set_ratio(MxGate* gate, float ratio) MX_RT;

/**
   Gate `n` samples of `nch` channels in place.

   Audio thread.

   @param ch `nch` channel buffers, each `n` samples, processed in place.
   @param nch 1 or 2.
   @param sc External key: `nch` buffers of `n` samples, or NULL to key
   from `ch` itself.  Read only.
   @param n At most MX_DSP_MAX_BLOCK.
*/
void
mx_gate_process(MxGate* gate, float* const* ch, unsigned nch, const float* const* sc, uint32_t n)
  MX_RT;

/// Most gates mx_gate_process_bank() runs side by side.
#define MX_GATE_BANK 4U

/**
   mx_gate_process() for up to MX_GATE_BANK mono gates, each keyed by its
   own input, bit for bit what each alone gives.  The envelope follower and
   the open / hold / closed decision of each sample run for the gates side
   by side in the lanes of one vector (they are a recursion with a branch
   per sample, so a bank costs about what one gate does); the gains that
   follow are each gate's own.  Audio thread.

   @param gates `count` gates, distinct.
   @param bufs One buffer per gate, processed in place.
   @param n At most MX_DSP_MAX_BLOCK.
*/
void
mx_gate_process_bank(MxGate* const* gates, float* const* bufs, unsigned count, uint32_t n) MX_RT;

/// Return the gain reduction at the end of the last block, positive dB.  Audio thread.
float
mx_gate_get_reduction_db(const MxGate* gate) MX_RT;

/**
   Return the largest gain reduction, positive dB, reached by any sample
   since the last call, and restart the maximum from the current reduction.

   Audio thread (the engine publishes it at its meter cadence).
*/
float
mx_gate_read_max_reduction_db(MxGate* gate) MX_RT;

/**
   End the on/off ramp at once and clear the detector: the gate is open at
   unity gain with an empty envelope.

   Audio thread.
*/
void
mx_gate_reset(MxGate* gate) MX_RT;

#endif // MX_DSP_GATE_H
