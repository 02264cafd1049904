// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_PAN_H
#define MX_DSP_PAN_H

#include "common.h"
#include "smooth.h"

#include <stdint.h>

/// Stereo placement: mono panner with selectable law, stereo balance, M/S width.

/**
   Pan laws: the gain of each side when a mono source sits in the centre.

   With t = (position + 1) / 2 running from 0 (hard left) to 1 (hard right):

   - MX_PAN_LAW_6DB, linear or "constant voltage": L = 1 - t, R = t.  The
     two sides sum to unity, so a mono fold-down keeps its level; centre
     -6.02 dB.
   - MX_PAN_LAW_3DB, sin/cos or "constant power": L = cos(t pi/2),
     R = sin(t pi/2).  L^2 + R^2 = 1 at every position, so the acoustic power
     in the room stays constant; centre -3.01 dB.
   - MX_PAN_LAW_4_5DB, the compromise between the two: each side is the
     geometric mean of the linear and the sin/cos gain,
     L = sqrt((1 - t) cos(t pi/2)), R = sqrt(t sin(t pi/2)); centre -4.52 dB.
   - MX_PAN_LAW_0DB: the near side stays at unity and the far side falls
     linearly, L = min(1, 1 - position), R = min(1, 1 + position) (the curve
     of MxBalance); centre 0 dB on both sides, so a centred source is 3 dB
     louder in the room than a hard-panned one.

   Every law gives exactly L = 1, R = 0 at hard left and L = 0, R = 1 at hard
   right.  See "The Truth About Panning Laws" (Harmony Central) for the
   trade-offs between them.
*/
typedef enum {
  MX_PAN_LAW_0DB,   ///< Centre 0 dB, far side attenuated linearly
  MX_PAN_LAW_3DB,   ///< Centre -3 dB, sin/cos constant power (default)
  MX_PAN_LAW_4_5DB, ///< Centre -4.5 dB, geometric mean of the 3 and 6 dB laws
  MX_PAN_LAW_6DB,   ///< Centre -6 dB, linear constant voltage
} MxPanLaw;

/// Number of MxPanLaw values, for validation and tables.
#define MX_PAN_N_LAWS 4

/// Lowest (hard left) and highest (hard right) pan and balance position.
#define MX_PAN_MIN_POSITION (-1.0f)
#define MX_PAN_MAX_POSITION 1.0f

/// Narrowest (mono) and widest stereo width.
#define MX_WIDTH_MIN 0.0f
#define MX_WIDTH_MAX 2.0f

/**
   Compute the left and right gains of a law at a position, as the panner
   applies them once settled (MX_PAN_LAW_0DB is the balance curve).

   Any thread.  For gains the engine applies itself (a send's pan).
   @param position MX_PAN_MIN_POSITION to MX_PAN_MAX_POSITION.
*/
void
mx_pan_law_gains(MxPanLaw law, float position, float* left, float* right) MX_RT;

/**
   Mono to stereo panner.

   The law's left and right gains each glide along a MX_SMOOTH_DEFAULT_MS
   ramp, so moving the knob or changing the law never clicks.  Embedded value.
*/
typedef struct {
  MxSmooth left;     ///< Gain of the left output, linear
  MxSmooth right;    ///< Gain of the right output, linear
  float    position; ///< Position set by the user, -1 (left) to +1 (right)
  MxPanLaw law;      ///< Pan law set by the user
} MxPan;

/**
   Initialise at the centre with the -3 dB law.  Main thread.

   @param rate Sample rate, Hz (mx_rate_is_valid()).
*/
void
mx_pan_init(MxPan* pan, double rate);

/**
   Change the sample rate, which sets the ramp length.  Keeps the settings.

   Main thread, or the audio thread between blocks.
*/
void
mx_pan_set_rate(MxPan* pan, double rate);

/**
   Set the position.

   Audio thread (or before processing starts).
   @param position MX_PAN_MIN_POSITION (hard left) to MX_PAN_MAX_POSITION
   (hard right), 0 is the centre.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside
   [-1, 1].  Nothing changes on error.
*/
MxStatus
mx_pan_set_position(MxPan* pan, float position) MX_RT;

/**
   Set the pan law; the gains glide to the new law's values.

   Audio thread (or before processing starts).
   @return MX_ERR_BAD_ARG for a value that is not an MxPanLaw.  Nothing
   changes on error.
*/
MxStatus
mx_pan_set_law(MxPan* pan, MxPanLaw law) MX_RT;

/**
   Pan `n` samples of mono `in` to `out_l` and `out_r`.

   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.  `in` may be the same
   buffer as one of the outputs; the two outputs must be distinct.
*/
void
mx_pan_process(MxPan* pan, const float* in, float* out_l, float* out_r, uint32_t n) MX_RT;

/// End any ramp at once: the next block starts on the target.  Audio thread.
void
mx_pan_reset(MxPan* pan) MX_RT;

/**
   Balance control for a stereo source.

   Moving the control to one side attenuates the opposite channel linearly,
   and leaves the near one at unity (as Ardour's balance panner does):

       L gain = min(1, 1 - balance),  R gain = min(1, 1 + balance)

   so balance -0.5 leaves the left channel alone and halves the right
   (-6.02 dB), and -1 silences the right.  In the centre both gains are 1 and
   the signal passes bit for bit.  Gains glide along MX_SMOOTH_DEFAULT_MS
   ramps.  Embedded value.
*/
typedef struct {
  MxSmooth left;     ///< Gain of the left channel, linear
  MxSmooth right;    ///< Gain of the right channel, linear
  float    position; ///< Balance set by the user, -1 (left) to +1 (right)
} MxBalance;

/**
   Initialise at the centre (unity, bit-transparent).  Main thread.

   @param rate Sample rate, Hz (mx_rate_is_valid()).
*/
void
mx_balance_init(MxBalance* balance, double rate);

/**
   Change the sample rate, which sets the ramp length.  Keeps the setting.

   Main thread, or the audio thread between blocks.
*/
void
mx_balance_set_rate(MxBalance* balance, double rate);

/**
   Set the balance.

   Audio thread (or before processing starts).
   @param position MX_PAN_MIN_POSITION (left only) to MX_PAN_MAX_POSITION
   (right only), 0 is the centre.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside
   [-1, 1].  Nothing changes on error.
*/
MxStatus
mx_balance_set_position(MxBalance* balance, float position) MX_RT;

/**
   Apply the balance to `n` samples of `left` and `right` in place.

   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
*/
void
mx_balance_process(MxBalance* balance, float* left, float* right, uint32_t n) MX_RT;

/// End any ramp at once: the next block starts on the target.  Audio thread.
void
mx_balance_reset(MxBalance* balance) MX_RT;

/**
   Stereo width by mid/side scaling.

   With M = (L + R) / 2 and S = (L - R) / 2 (Blumlein's sum and difference),
   the output is

       L' = M + w S,  R' = M - w S

   the transformation matrix of musicdsp.org #256 ("Stereo Width Control
   (Obtained Via Transfromation Matrix)", Michael Gruhn) in its uncompensated
   form: w = 0 is mono (L' = R' = M), w = 1 leaves the signal unchanged (bit
   for bit once settled), w = 2 doubles the side.  The gain is deliberately
   not compensated: the mid, and so the mono fold-down (L' + R') / 2 = M, is
   the same at every width, and a centred (mono) source never changes level.
   The price is that widening raises the level of wide material: at w = 2 a
   hard-left source becomes L' = 1.5 L, R' = -0.5 L (+3.5 dB peak), and
   uncorrelated L and R of equal power gain 4 dB.  The width glides along a
   MX_SMOOTH_DEFAULT_MS ramp.  Embedded value.
*/
typedef struct {
  MxSmooth width; ///< Side gain w, 0 to 2
} MxWidth;

/**
   Initialise at width 1 (unchanged, bit-transparent).  Main thread.

   @param rate Sample rate, Hz (mx_rate_is_valid()).
*/
void
mx_width_init(MxWidth* width, double rate);

/**
   Change the sample rate, which sets the ramp length.  Keeps the setting.

   Main thread, or the audio thread between blocks.
*/
void
mx_width_set_rate(MxWidth* width, double rate);

/**
   Set the width.

   Audio thread (or before processing starts).
   @param amount MX_WIDTH_MIN (mono) to MX_WIDTH_MAX (side doubled), 1 is
   unchanged.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside [0, 2].
   Nothing changes on error.
*/
MxStatus
mx_width_set_amount(MxWidth* width, float amount) MX_RT;

/**
   Apply the width to `n` samples of `left` and `right` in place.

   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
*/
void
mx_width_process(MxWidth* width, float* left, float* right, uint32_t n) MX_RT;

/// End any ramp at once: the next block starts on the target.  Audio thread.
void
mx_width_reset(MxWidth* width) MX_RT;

#endif // MX_DSP_PAN_H
