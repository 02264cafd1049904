// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_COMPRESSOR_H
#define MX_DSP_COMPRESSOR_H

#include "common.h"

#include <stdbool.h>
#include <stdint.h>

/// Feed-forward compressor: soft knee, peak or RMS detection, sidechain, stereo link.

/**
   A feed-forward compressor for one or two channels, after Giannoulis,
   Massberg and Reiss, "Digital Dynamic Range Compressor Design - A Tutorial
   and Analysis", JAES 60(6), 2012 (below "GMR").

   Signal flow, per sample:

   1. Key: the channels themselves, or an external sidechain; optionally
      through a 12 dB/octave Butterworth high pass (so bass does not pump
      the gain).
   2. Level of each key channel, dBFS:
      - Peak: 20 log10 |x[n]|, sample by sample.  A steady sine of amplitude
        A reads 20 log10(A).
      - RMS: 10 log10 of the mean square, averaged by a one-pole of time
        constant "RMS window" (GMR's RMS detector; its equivalent rectangular window
        is the same length).  A steady sine reads 20 log10(A / sqrt(2)),
        3.01 dB below its peak.
   3. Static curve (GMR eq. 4): with threshold T, ratio R and knee width W,
      the reduction of a level L is
      - 0 where L - T < -W/2,
      - (1 - 1/R) (L - T + W/2)^2 / (2 W) where |L - T| <= W/2,
      - (1 - 1/R) (L - T) where L - T > W/2.
   4. Stereo link: with reductions r_c per channel and r_max the larger,
      channel c is reduced by r_c + link (r_max - r_c).  Link 1 gives both
      channels the same gain (an image that does not move), link 0 leaves
      them independent.
   5. Ballistics: GMR's smooth branching peak detector (section 3),
      applied to the reduction in dB after the static curve (their log
      domain detector placement).  It is a one-pole that uses the attack
      time constant while the reduction grows and the release time constant
      while it shrinks.  Chosen over GMR's smooth decoupled detector
      because each time is then exactly what it says: after a step of the
      input level the reduction has covered 1 - 1/e (63.2 %) of its change
      after the attack (rising) or release (falling) time, with no coupling
      between the two.  Attack 0 follows rising reduction instantly.
   6. Gain: 10^((makeup - reduction) / 20), applied to every channel.

   Levels, curve and ballistics run in log2 units (1 unit = 6.02 dB) with
   the polynomial log2/exp2 of dynamics.h instead of logf()/expf(), four
   samples at a time; only the ballistics (and the RMS averager) run
   sample by sample, in double precision.  A linked peak compressor at
   rest skips blocks that stay below the knee.  Every parameter that moves
   the gain ramps over MX_SMOOTH_DEFAULT_MS, so no setting, link change,
   detector switch, sidechain filter switch or on/off produces a step.
   Deterministic: the same input, block sizes and settings give the same
   output bit for bit.  Other block sizes give the same output too, except
   after decisions taken once per block: a reduction below 6e-6 dB rounded
   to none, the two states of a pair merged once within 6e-6 dB, the
   sidechain corner redesigned per block while it glides, the RMS average
   started from a block's mean square.

   Opaque: created by mx_compressor_new(), freed by mx_compressor_free().
*/
typedef struct MxCompressorImpl MxCompressor;

/**
   Scratch buffers that compressors run by one thread share: a block writes
   them before it reads them, so one set (384 KB) serves any number of
   compressors and the lanes of mx_compressor_process_bank().  Opaque:
   created by mx_compressor_scratch_new(), freed by
   mx_compressor_scratch_free() after every compressor that uses it.
*/
typedef struct MxCompressorScratchImpl MxCompressorScratch;

/// Level detection modes.
typedef enum {
  MX_DETECT_PEAK, ///< Sample peak, |x|
  MX_DETECT_RMS,  ///< One-pole RMS over the RMS window
} MxDetect;

/// Number of MxDetect values.
#define MX_DETECT_N 2

/// Parameter ranges (inclusive) and defaults
#define MX_COMPRESSOR_MIN_THRESHOLD_DB (-80.0f) ///< Lowest threshold, dBFS
#define MX_COMPRESSOR_MAX_THRESHOLD_DB 0.0f     ///< Highest threshold, dBFS
#define MX_COMPRESSOR_DEF_THRESHOLD_DB (-20.0f) ///< Default threshold, dBFS
#define MX_COMPRESSOR_MAX_RATIO 100.0f          ///< Largest finite ratio (100:1, limiting)
#define MX_COMPRESSOR_DEF_RATIO 4.0f            ///< Default ratio
#define MX_COMPRESSOR_MAX_KNEE_DB 24.0f         ///< Widest knee, dB (0 is a hard knee)
#define MX_COMPRESSOR_DEF_KNEE_DB 6.0f          ///< Default knee width, dB
#define MX_COMPRESSOR_MAX_ATTACK_MS 500.0f      ///< Longest attack, ms (0 is instant)
#define MX_COMPRESSOR_DEF_ATTACK_MS 10.0f       ///< Default attack, ms
#define MX_COMPRESSOR_MIN_RELEASE_MS 1.0f       ///< Shortest release, ms
#define MX_COMPRESSOR_MAX_RELEASE_MS 5000.0f    ///< Longest release, ms
#define MX_COMPRESSOR_DEF_RELEASE_MS 100.0f     ///< Default release, ms
#define MX_COMPRESSOR_MIN_MAKEUP_DB (-24.0f)    ///< Lowest manual makeup, dB
#define MX_COMPRESSOR_MAX_MAKEUP_DB 40.0f       ///< Highest manual makeup, dB
#define MX_COMPRESSOR_MIN_RMS_MS 1.0f           ///< Shortest RMS window, ms
#define MX_COMPRESSOR_MAX_RMS_MS 500.0f         ///< Longest RMS window, ms
#define MX_COMPRESSOR_DEF_RMS_MS 10.0f          ///< Default RMS window, ms
#define MX_COMPRESSOR_MIN_HPF_HZ 20.0f          ///< Lowest sidechain high-pass corner, Hz
#define MX_COMPRESSOR_MAX_HPF_HZ 2000.0f        ///< Highest sidechain high-pass corner, Hz
#define MX_COMPRESSOR_DEF_HPF_HZ 100.0f         ///< Default sidechain high-pass corner, Hz

/**
   Create a compressor with the default settings, switched off (it passes
   the signal unchanged until mx_compressor_set_enabled()), peak detection,
   link 1, sidechain filter off.

   Main thread: allocates its own scratch buffers (six of MX_DSP_MAX_BLOCK
   samples, 192 KB; mx_compressor_new_shared() shares a set instead).  Free
   it with mx_compressor_free().

   @param rate Sample rate, Hz (mx_rate_is_valid()).
   @return The compressor, or NULL if `rate` is invalid or memory ran out.
*/
MxCompressor*
mx_compressor_new(double rate);

/**
   Create a compressor as mx_compressor_new() that uses `scratch` for its
   buffers instead of its own.  Every compressor given one scratch must be
   processed by one thread at a time, and freed before the scratch.
   Main thread.
   @param scratch Made by mx_compressor_scratch_new(); NULL: its own, as
   mx_compressor_new().
*/
MxCompressor*
mx_compressor_new_shared(double rate, MxCompressorScratch* scratch);

/// Free a compressor made by mx_compressor_new(); NULL is a no-op.  Main thread.
void
mx_compressor_free(MxCompressor* comp);

/// Create scratch buffers to share between compressors, or NULL if memory
/// ran out.  Main thread.
MxCompressorScratch*
mx_compressor_scratch_new(void);

/// Free scratch made by mx_compressor_scratch_new(); NULL is a no-op.  Main thread.
void
mx_compressor_scratch_free(MxCompressorScratch* scratch);

/**
   Change the sample rate, keeping the settings; clears the detector.

   Main thread, while the compressor is not being processed.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE if not
   mx_rate_is_valid(); nothing changes on error.
*/
MxStatus
mx_compressor_set_rate(MxCompressor* comp, double rate);

/**
   Switch on or off.  Off ramps the gain to unity over MX_SMOOTH_DEFAULT_MS,
   then passes the signal unchanged (bit for bit) and clears the detector.

   Audio thread (or before processing starts).
*/
void
mx_compressor_set_enabled(MxCompressor* comp, bool enabled) MX_RT;

/**
   Set the threshold, dBFS, from MX_COMPRESSOR_MIN_THRESHOLD_DB to
   MX_COMPRESSOR_MAX_THRESHOLD_DB (default -20).  Ramps.

   Audio thread.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range; nothing changes on error.  The same holds for every setter below.
*/
MxStatus
mx_compressor_set_threshold_db(MxCompressor* comp, float db) MX_RT;

/**
   Set the ratio, 1 to MX_COMPRESSOR_MAX_RATIO, or +INFINITY for a hard
   limit (default 4).  Ramps (the slope 1 - 1/R moves linearly).

   Audio thread.
*/
MxStatus
mx_compressor_set_ratio(MxCompressor* comp, float ratio) MX_RT;

/// Set the knee width, 0 (hard) to MX_COMPRESSOR_MAX_KNEE_DB dB (default 6).  Ramps.  Audio thread.
MxStatus
mx_compressor_set_knee_db(MxCompressor* comp, float db) MX_RT;

/**
   Set the attack time constant, 0 (instant) to MX_COMPRESSOR_MAX_ATTACK_MS
   ms (default 10): the time the reduction takes to cover 1 - 1/e of a rise.

   Audio thread.
*/
MxStatus
mx_compressor_set_attack_ms(MxCompressor* comp, float ms) MX_RT;

/**
   Set the release time constant, MX_COMPRESSOR_MIN_RELEASE_MS to
   MX_COMPRESSOR_MAX_RELEASE_MS ms (default 100): the time the reduction
   takes to cover 1 - 1/e of a fall.

   Audio thread.
*/
MxStatus
mx_compressor_set_release_ms(MxCompressor* comp, float ms) MX_RT;

/**
   Set the manual makeup gain, MX_COMPRESSOR_MIN_MAKEUP_DB to
   MX_COMPRESSOR_MAX_MAKEUP_DB dB (default 0).  Ramps.  With auto makeup on,
   this is added to the automatic value (a trim).

   Audio thread.
*/
MxStatus
mx_compressor_set_makeup_db(MxCompressor* comp, float db) MX_RT;

/**
   Switch automatic makeup on or off (default off).  Ramps.

   The automatic makeup is half the static curve's reduction at a level of
   0 dBFS, M = (1 - 1/R) (0 - T) / 2 for a hard knee, knee included
   otherwise.  Why half: full compensation (the gain that undoes the
   curve at 0 dB, as in RS-MET's rosic::Compressor) brings a full-scale
   peak back to full scale, which assumes material that lives at 0 dBFS,
   and adds, e.g., 22.5 dB at T = -30 dB, 4:1.  With half, the net gain is
   exactly 0 dB for a level halfway (in dB) between the threshold and full
   scale, T/2 (hard knee): material centred there comes out as loud as it
   went in, louder material is pulled down and quieter material up.  This
   is a choice argued here, not a standard.  It follows the threshold,
   ratio and knee as they change.

   Audio thread.
*/
void
mx_compressor_set_auto_makeup(MxCompressor* comp, bool on) MX_RT;

/**
   Choose peak or RMS detection (default peak).  The switch crossfades the
   two levels (in dB) over MX_SMOOTH_DEFAULT_MS; switching to RMS starts the
   average from the mean square of the current block.

   Audio thread.
   @return MX_ERR_BAD_ARG for an unknown mode.
*/
MxStatus
mx_compressor_set_detect(MxCompressor* comp, MxDetect mode) MX_RT;

/**
   Set the RMS window (the averager's time constant), MX_COMPRESSOR_MIN_RMS_MS
   to MX_COMPRESSOR_MAX_RMS_MS ms (default 10).

   Audio thread.
*/
MxStatus
mx_compressor_set_rms_ms(MxCompressor* comp, float ms) MX_RT;

/**
   Set the stereo link, 0 (independent channels) to 1 (one gain for both,
   the default).  Ramps.  Without effect on one channel.

   Audio thread.
*/
MxStatus
mx_compressor_set_link(MxCompressor* comp, float link) MX_RT;

/**
   Switch the sidechain high pass (12 dB/octave Butterworth) on or off
   (default off).  The key crossfades between filtered and unfiltered over
   MX_SMOOTH_DEFAULT_MS.

   Audio thread.
*/
void
mx_compressor_set_hpf(MxCompressor* comp, bool on) MX_RT;

/**
   Set the sidechain high-pass corner (-3 dB), MX_COMPRESSOR_MIN_HPF_HZ to
   MX_COMPRESSOR_MAX_HPF_HZ Hz (default 100).  The corner glides over
   MX_SMOOTH_DEFAULT_MS, redesigned once per block while it moves.

   Audio thread.
*/
MxStatus
mx_compressor_set_hpf_hz(MxCompressor* comp, float hz) MX_RT;

/**
   Compress `n` samples of `nch` channels in place.

   Audio thread.

   @param ch `nch` channel buffers, each `n` samples, processed in place.
   @param nch 1 or 2.
   @param sc External key: `nch` buffers of `n` samples, or NULL to key
   from `ch` itself.  Read only.
   @param n At most MX_DSP_MAX_BLOCK.
*/
void
mx_compressor_process(MxCompressor*       comp,
                      float* const*       ch,
                      unsigned            nch,
                      const float* const* sc,
                      uint32_t            n) MX_RT;

/**
   Return the gain reduction at the end of the last block, positive dB
   (the larger channel's when unlinked; makeup not included).

   Audio thread (the engine publishes it).
*/
float
mx_compressor_get_reduction_db(const MxCompressor* comp) MX_RT;

/**
   Return the largest gain reduction, positive dB, reached by any sample
   since the last call, and restart the maximum from the current reduction.

   Audio thread (the engine publishes it at its meter cadence).
*/
float
mx_compressor_read_max_reduction_db(MxCompressor* comp) MX_RT;

/// Most compressors mx_compressor_process_bank() runs side by side.
#define MX_COMPRESSOR_BANK 4U

/**
   mx_compressor_process() for up to MX_COMPRESSOR_BANK mono compressors,
   each keyed by its own input, bit for bit what each alone gives.

   The ballistics are a recursion whose latency (a multiply, an add and a
   max per sample) bounds a compressor's speed; settled compressors share
   it in the lanes of one vector of 4 doubles, so a bank costs about what
   one costs alone.  The others (parameters ramping, the slower attack, a
   block below the knee) run one by one.  Audio thread.

   @param comps `count` compressors, distinct.
   @param bufs One buffer per compressor, processed in place.
   @param n At most MX_DSP_MAX_BLOCK.
*/
void
mx_compressor_process_bank(MxCompressor* const* comps,
                           float* const*        bufs,
                           unsigned             count,
                           uint32_t             n) MX_RT;

/**
   Make `dst` a copy of `src`: settings, ramps, detector, ballistics,
   sidechain filter and meter, so that from here on both give the same
   output for the same input, bit for bit.

   For a second path that must carry on from the same state (a strip
   crossfading between two orders of its processors).  Copies a few hundred
   bytes and allocates nothing.  Audio thread.
   @param dst A compressor made by mx_compressor_new(), at any rate: it
   takes the rate of `src`.
   @param src The compressor to copy, distinct from `dst`.
*/
void
mx_compressor_copy(MxCompressor* dst, const MxCompressor* src) MX_RT;

/**
   End every parameter ramp at once and clear the detector, the ballistics
   and the sidechain filter (as if the compressor had heard silence
   forever).

   Audio thread.
*/
void
mx_compressor_reset(MxCompressor* comp) MX_RT;

/// Warm the cache for the next mx_compressor_process(): its state, not
/// its scratch buffers (mx_prefetch()).  Audio thread; a hint only.
void
mx_compressor_prefetch(const MxCompressor* comp) MX_RT;

#endif // MX_DSP_COMPRESSOR_H
