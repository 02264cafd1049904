// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_STRIP_H
#define MX_DSP_STRIP_H

#include "common.h"
#include "compressor.h"
#include "delay.h"
#include "gain.h"
#include "gate.h"
#include "limiter.h"
#include "meter_peak.h"
#include "meter_rms.h"
#include "pan.h"
#include "strip_eq.h"

#include <stdbool.h>
#include <stdint.h>

/// A channel strip: trim, delay, high pass, gate, EQ and compressor, fader, mute, pan.

/*
  Signal flow, per block.  A channel strip (MX_STRIP_LAYOUT_CHANNEL):

    input trim and polarity -> delay -> high pass -> gate
      -> [tap pre-EQ] -> EQ (4 bands + low pass) and compressor, in either order
      -> [tap pre-fader] -> pre-fader meters -> fader -> post-fader meters
      -> mute -> [tap post-fader]
      -> pan (mono) or width then balance (stereo) -> output pair

  A bus (MX_STRIP_LAYOUT_BUS) adds a limiter insert after the EQ and
  compressor, before the pre-fader tap.  The master
  (MX_STRIP_LAYOUT_MASTER) is the mastering order: EQ and compressor ->
  width -> limiter insert -> fader -> mute -> balance.  The limiter insert
  is a drive gain and a true-peak limiter (limiter.h); it is out of the
  path (no latency) until mx_strip_set_limiter_inserted().

  Neutral by default: trim and fader at 0 dB, delay 0, EQ flat, gate and
  compressor off, limiter out, pan or balance centred, width 1, unmuted.  A
  neutral stereo strip passes its input bit for bit; a neutral mono strip
  puts it in the centre at -3 dB on each side (the pan law).
*/

/// A mono or stereo channel strip (opaque; heap object).
typedef struct MxStripImpl MxStrip;

/// Most input channels of a strip.
#define MX_STRIP_MAX_CHANNELS 2U

/// Trim range, dB either side of 0.
#define MX_STRIP_TRIM_MAX_DB 24.0f

/// Highest fader level, dB (the lowest is -INFINITY, off).
#define MX_STRIP_FADER_MAX_DB 10.0f

/// Longest alignment delay, ms.
#define MX_STRIP_DELAY_MAX_MS 100.0f

/// Range of the limiter insert's drive gain, dB either side of 0.
#define MX_STRIP_DRIVE_MAX_DB 24.0f

/// Where the stages sit: a channel strip, a bus, or the master bus.
typedef enum {
  MX_STRIP_LAYOUT_CHANNEL, ///< Channel strip: no limiter
  MX_STRIP_LAYOUT_BUS,     ///< Bus: limiter insert after the EQ and compressor
  MX_STRIP_LAYOUT_MASTER,  ///< Master: EQ, compressor, width, limiter, fader, mute, balance
} MxStripLayout;

/**
   Points of the chain a strip can copy out while it processes, for sends
   and solo (see the signal flow above).
*/
typedef enum {
  MX_TAP_PRE_EQ,     ///< After the gate, before the EQ and compressor
  MX_TAP_PRE_FADER,  ///< Before the fader (what the pre-fader meters read)
  MX_TAP_POST_FADER, ///< After the fader and the mute, before pan or balance
} MxTap;

/// Number of MxTap values.
#define MX_TAP_N 3

/**
   Buffers a strip fills at its taps: `ch[tap][c]` receives channel `c` at
   `tap`, if it is not NULL.  Each buffer holds one block.
*/
typedef struct {
  float* ch[MX_TAP_N][2]; ///< Destination per tap and channel, or NULL
} MxStripTaps;
/// What a strip's meters measured since the last read.
typedef struct {
  MxMeterPeakReading pre_peak[MX_STRIP_MAX_CHANNELS];  ///< Pre-fader sample peak per channel
  MxMeterRmsReading  pre_rms[MX_STRIP_MAX_CHANNELS];   ///< Pre-fader RMS per channel
  MxMeterPeakReading post_peak[MX_STRIP_MAX_CHANNELS]; ///< Post-fader sample peak per channel
  MxMeterRmsReading  post_rms[MX_STRIP_MAX_CHANNELS];  ///< Post-fader RMS per channel
  float              gate_reduction_db;                ///< Largest gate reduction, positive dB
  float              comp_reduction_db;    ///< Largest compressor reduction, positive dB
  float              limiter_reduction_db; ///< Largest limiter reduction, positive dB
} MxStripMeters;

/**
   Create a channel strip with neutral settings (see the signal flow above).

   Allocates every buffer the strip will use, for blocks of up to
   MX_DSP_MAX_BLOCK, and a delay line of MX_STRIP_DELAY_MAX_MS.  Free with
   mx_strip_free().  Main thread.

   @param channels 1 (mono, panned to stereo) or 2 (stereo, balanced).
   @param rate Sample rate, Hz.
   @return The strip, or NULL on a bad argument or if memory ran out.
*/
MxStrip*
mx_strip_new(unsigned channels, double rate);

/**
   Create a strip with the given layout, as mx_strip_new().

   A bus or master layout also allocates its limiter
   (MX_LIMITER_DEFAULT_LOOKAHEAD_MS).  The master layout is stereo only.
   @return The strip, or NULL on a bad argument (an unknown layout, a mono
   master) or if memory ran out.
*/
MxStrip*
mx_strip_new_layout(unsigned channels, double rate, MxStripLayout layout);

/**
   Working buffers that strips run by one thread share (a block writes them
   before it reads them): one set, about 700 KB, serves any number of strips,
   a bank's included, and their compressors.  Opaque: created by
   mx_strip_scratch_new(), freed by mx_strip_scratch_free() after every
   strip that uses it.
*/
typedef struct MxStripScratchImpl MxStripScratch;

/// Create working buffers to share between strips, or NULL if memory ran
/// out.  Main thread.
MxStripScratch*
mx_strip_scratch_new(void);

/// Free what mx_strip_scratch_new() made; NULL is a no-op.  Main thread.
void
mx_strip_scratch_free(MxStripScratch* scratch);

/**
   Create a strip as mx_strip_new_layout() that works in `scratch` instead
   of buffers of its own.  Every strip given one scratch must be processed
   by one thread, one at a time (a bank's front and backs as one), and
   freed before the scratch.  Main thread.
   @param scratch Made by mx_strip_scratch_new(); NULL: its own.
*/
MxStrip*
mx_strip_new_shared(unsigned channels, double rate, MxStripLayout layout, MxStripScratch* scratch);

/// Free a strip made by mx_strip_new(); NULL is a no-op.  Main thread.
void
mx_strip_free(MxStrip* strip);

/// Number of input channels, 1 or 2.  Any thread.
unsigned
mx_strip_channels(const MxStrip* strip) MX_RT;

/**
   Set the input trim, the first stage of the strip.

   Ramps over MX_SMOOTH_DEFAULT_MS; at 0 dB (settled) the stage is skipped.
   Audio thread (or before processing starts).
   @param db -MX_STRIP_TRIM_MAX_DB to +MX_STRIP_TRIM_MAX_DB.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range; nothing changes on error.
*/
MxStatus
mx_strip_set_trim_db(MxStrip* strip, float db) MX_RT;

/**
   Invert the polarity of every input channel (true) or restore it (false),
   with the trim; the factor glides through zero, so it does not click.

   Audio thread.
*/
void
mx_strip_set_invert(MxStrip* strip, bool invert) MX_RT;

/**
   The strip's alignment delay, for its setters (up to
   MX_STRIP_DELAY_MAX_MS, whole samples, crossfaded when changed).

   It runs at every delay, 0 included, so that its history is always there
   for the next change: at 0 it only copies the block into its ring.
*/
MxDelay*
mx_strip_delay(MxStrip* strip) MX_RT;

/**
   Return the latency the strip adds, in samples: the delay last set
   (mx_delay_get_latency()) plus mx_strip_processing_latency().

   Audio thread (or the thread that sets the delay).
*/
uint32_t
mx_strip_latency(const MxStrip* strip) MX_RT;

/**
   Return the latency of the processing alone, in samples: the limiter's
   (mx_limiter_get_latency()) while it is inserted, else 0.  The alignment
   delay is not counted: it is a setting, not a cost.

   It follows the last mx_strip_set_limiter_inserted() at once, though the
   audio crossfades between the two paths over MX_SMOOTH_DEFAULT_MS.
   Audio thread (or the thread that inserts the limiter).
*/
uint32_t
mx_strip_processing_latency(const MxStrip* strip) MX_RT;

/**
   Return the latency the limiter adds while inserted, samples, or 0 for a
   channel strip (it has none).  Any thread: it is fixed at creation.
*/
uint32_t
mx_strip_limiter_latency(const MxStrip* strip);

/// The strip's limiter, for its setters (NULL for a channel strip).
MxLimiter*
mx_strip_limiter(MxStrip* strip) MX_RT;

/**
   Put the limiter into the path (true) or take it out (false).

   The output crossfades between the dry and the limited path over
   MX_SMOOTH_DEFAULT_MS (smoothstep), so the change does not click, though
   the latency changes by mx_strip_limiter_latency().  A limiter put in
   starts from silence and no reduction (mx_limiter_reset()), and its path
   fades in once that silence has left its delay line, after
   mx_strip_limiter_latency() samples; one taken out stops running once
   the fade has ended, and its reduction then reads 0 (after one last read
   of what it did while fading).  Does nothing on a channel strip.  Audio
   thread.
*/
void
mx_strip_set_limiter_inserted(MxStrip* strip, bool inserted) MX_RT;

/**
   Set the drive: a gain before the limiter, in the limited path only (a
   mastering limiter's input gain, used to raise loudness into the
   ceiling).  Ramps over MX_SMOOTH_DEFAULT_MS.  Audio thread.
   @param db -MX_STRIP_DRIVE_MAX_DB to +MX_STRIP_DRIVE_MAX_DB.
   @return MX_ERR_BAD_ARG for NaN or infinity, MX_ERR_RANGE outside the
   range or on a channel strip; nothing changes on error.
*/
MxStatus
mx_strip_set_drive_db(MxStrip* strip, float db) MX_RT;

/// The strip's EQ (high pass, 4 bands, low pass), for its setters.
MxStripEq*
mx_strip_eq(MxStrip* strip) MX_RT;

/// The strip's gate, for its setters.
MxGate*
mx_strip_gate(MxStrip* strip) MX_RT;

/// The strip's compressor, for its setters.
MxCompressor*
mx_strip_compressor(MxStrip* strip) MX_RT;

/**
   Put the EQ's bands and low pass after the compressor (true) or before it
   (false, the default).  The high pass always comes before the gate.

   The change crossfades: for MX_SMOOTH_DEFAULT_MS the strip runs both
   orders, the old one on copies of the EQ and the compressor taken when
   the fade starts, the new one on the originals (which the setters reach),
   and mixes them with a smoothstep ramp, as the EQ crossfades its designs.
   A change made during a fade starts when that fade ends (the last value
   set wins).  Audio thread.
*/
void
mx_strip_set_eq_after_comp(MxStrip* strip, bool after) MX_RT;

/**
   Set the fader level.

   Ramps over MX_SMOOTH_DEFAULT_MS.  Audio thread (or before processing
   starts).
   @param db -INFINITY (off) up to MX_STRIP_FADER_MAX_DB.
   @return MX_ERR_BAD_ARG for NaN or +INFINITY, MX_ERR_RANGE above the
   range; nothing changes on error.
*/
MxStatus
mx_strip_set_fader_db(MxStrip* strip, float db) MX_RT;

/// Return the fader level last set, dB.  Any thread owning `strip`.
float
mx_strip_get_fader_db(const MxStrip* strip);

/**
   Mute (true) or unmute (false) the output, with a MX_SMOOTH_DEFAULT_MS
   ramp.

   The mute is a gain of its own after the post-fader meters: the fader
   keeps its level, and the meters, which come before it, still show what
   the channel would play.  Audio thread.
*/
void
mx_strip_set_mute(MxStrip* strip, bool muted) MX_RT;

/**
   Return true once a mute has faded all the way: the output is silent and
   stays so until unmuted.  Audio thread.
*/
bool
mx_strip_is_silenced(const MxStrip* strip) MX_RT;

/// The panner of a mono strip (NULL for a stereo strip).
MxPan*
mx_strip_pan(MxStrip* strip) MX_RT;

/// The balance of a stereo strip (NULL for a mono strip).
MxBalance*
mx_strip_balance(MxStrip* strip) MX_RT;

/// The width of a stereo strip, applied before the balance (NULL for a mono strip).
MxWidth*
mx_strip_width(MxStrip* strip) MX_RT;

/**
   End every ramp and crossfade at once, so that the next block runs on the
   settings as set: trim, fader, mute, pan, balance and width jump to their
   targets, the delay and the EQ order end their crossfades, and the EQ, the
   gate and the compressor are reset (their filter memory and detectors
   cleared, mx_strip_eq_reset(), mx_gate_reset(), mx_compressor_reset()).
   The delay's history and the meters are kept.

   Audio thread (or before processing starts).
*/
void
mx_strip_reset(MxStrip* strip) MX_RT;

/// Stages of mx_strip_prefetch(), each reading only what the one before fetched.
#define MX_STRIP_PREFETCH_STAGES 3U

/**
   Warm the cache for the next mx_strip_process() of `strip` while another
   strip computes (mx_prefetch()).  Stage 0 fetches the strip's own state,
   1 the processors it points to, 2 the ring slots they use next; run each
   stage a strip or more after the one before it, so that a stage reads
   pointers that have already arrived.  Audio thread; a hint only.
*/
void
mx_strip_prefetch(const MxStrip* strip, unsigned stage) MX_RT;

/**
   Process one block: `channels` inputs in, a stereo pair out.

   The inputs are read only; the outputs are overwritten (not summed).
   Audio thread.  `n` is at most MX_DSP_MAX_BLOCK.
*/
void
mx_strip_process(MxStrip* strip, const float* const* in, float* out_l, float* out_r, uint32_t n)
  MX_RT;

/// Most strips mx_strip_process_bank_front() runs together.
#define MX_STRIP_BANK MX_STRIP_EQ_BANK

/// True if the strip can run in a bank: mono, and not crossfading to a new
/// EQ / compressor order.  Audio thread.
bool
mx_strip_is_bankable(const MxStrip* strip) MX_RT;

/**
   Process one block of up to MX_STRIP_BANK strips together, bit for bit as
   mx_strip_process_taps() would one by one: this call runs each strip to
   the end of its EQ and compressor, with the EQs' biquads, the gates'
   detectors and the compressors' ballistics side by side in SIMD lanes
   (mx_strip_eq_process_bands_bank(), mx_gate_process_bank(),
   mx_compressor_process_bank()); then
   mx_strip_process_bank_back() finishes each, in any order, before the
   next block and before any other strip that shares their scratch runs
   (each holds its block in a lane of it).  For strips with no pre-EQ tap
   to copy.

   @param strips `count` strips, each mx_strip_is_bankable().
   @param in The input of each (its one channel).
*/
void
mx_strip_process_bank_front(MxStrip* const*     strips,
                            const float* const* in,
                            unsigned            count,
                            uint32_t            n) MX_RT;

/// The rest of mx_strip_process_taps() for a strip of a bank (taps
/// MX_TAP_PRE_FADER and MX_TAP_POST_FADER only): from the limiter insert to
/// the outputs.
void
mx_strip_process_bank_back(MxStrip*           strip,
                           const MxStripTaps* taps,
                           float*             out_l,
                           float*             out_r,
                           uint32_t           n) MX_RT;

/**
   Process one block as mx_strip_process(), and copy the signal at each
   tap that `taps` asks for (channels 0 to mx_strip_channels() - 1).

   @param taps Buffers to fill, or NULL for none.
*/
void
mx_strip_process_taps(MxStrip*            strip,
                      const float* const* in,
                      const MxStripTaps*  taps,
                      float*              out_l,
                      float*              out_r,
                      uint32_t            n) MX_RT;

/**
   Read the meters and restart them, so no peak between two reads is lost.

   Audio thread (at the engine's snapshot point).
*/
void
mx_strip_read_meters(MxStrip* strip, MxStripMeters* out) MX_RT;

#endif // MX_DSP_STRIP_H
