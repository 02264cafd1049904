// SPDX-License-Identifier: GPL-3.0-or-later

#include "strip.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
  DESIGN: the stages run in place on a working copy of the input, in the
  order of strip.h.  Stages at their neutral setting cost next to nothing:
  a settled unity gain (trim, fader, mute) returns at once, a settled flat
  EQ part has no biquad to run, an idle gate or compressor returns, and the
  delay at 0 only copies the block into its ring.

  The limiter insert crossfades too: while `limiter_fade` moves, the block
  is copied into `alt` (the dry path), the limiter runs on `work`, and the
  two are mixed by the smoothstep of the fade weight.  A limiter put in
  starts from silence, so the weight waits at 0 for `limiter_wait`
  samples, its latency, before it ramps.  Once the weight settles at 0
  the limiter no longer runs; at 1 there is no copy.

  The EQ order switch crossfades two complete paths.  When a fade starts,
  the EQ (an embedded value) and the compressor (mx_compressor_copy()) are
  copied into `old_eq` and `old_comp`; the old order then runs on the
  copies, on a copy of the signal in `alt`, while the new order runs on the
  originals, and the two are mixed sample by sample.  At the start of the
  fade both paths hold the same state, so the mix starts on exactly what
  the old order alone would give.
*/

/// Longest RMS window a strip's meters can be set to, ms
#define MX_STRIP_RMS_MAX_MS 3000.0f

/// A peak and an RMS meter per channel, at one point of the chain
typedef struct {
  MxMeterPeak peak[MX_STRIP_MAX_CHANNELS]; ///< Sample peak meters
  MxMeterRms* rms[MX_STRIP_MAX_CHANNELS];  ///< RMS meters
} Meters;

struct MxStripImpl {
  unsigned        channels;                    ///< Input channels, 1 or 2
  MxStripLayout   layout;                      ///< Where the stages sit
  MxGain          trim;                        ///< Input trim and polarity
  MxDelay*        delay;                       ///< Alignment delay
  MxStripEq       eq;                          ///< High pass (before the gate), bands, low pass
  MxGate          gate;                        ///< Gate / expander
  MxCompressor*   comp;                        ///< Compressor
  MxGain          fader;                       ///< Fader level
  MxPan           pan;                         ///< Mono strips: position in the stereo image
  MxWidth         width;                       ///< Stereo strips: width, before the balance
  MxBalance       balance;                     ///< Stereo strips: balance
  MxGain          mute;                        ///< Mute: unity or silence, before the pan
  Meters          pre;                         ///< Pre-fader meters
  Meters          post;                        ///< Post-fader meters
  bool            eq_after_comp;               ///< Order set by the user
  bool            running_after;               ///< Order the originals run in
  bool            fading;                      ///< The old order is being faded out
  MxSmooth        order_fade;                  ///< Weight of the running order, 0 to 1
  MxStripEq       old_eq;                      ///< EQ of the old order during a fade
  MxCompressor*   old_comp;                    ///< Compressor of the old order during a fade
  MxLimiter*      limiter;                     ///< Limiter insert (NULL for a channel strip)
  MxGain          drive;                       ///< Gain before the limiter, in the limited path
  bool            limiter_inserted;            ///< Limiter in the path, as set
  MxSmooth        limiter_fade;                ///< Weight of the limited path, 0 to 1
  uint32_t        limiter_wait;                ///< Samples the fade in waits for the delay line
  MxStripScratch* scratch;                     ///< Shared, or the strip's own
  bool            own_scratch;                 ///< `scratch` is freed with the strip
  float*          work[MX_STRIP_MAX_CHANNELS]; ///< Working copy of the input (a lane's)
  float*          alt[MX_STRIP_MAX_CHANNELS];  ///< Signal through the old order, one block
};

/*
  A strip's working buffers hold a block only from the first stage to the
  outputs, so strips that one thread runs share them: a bank's strips one
  lane each, `alt` (used within one strip's call) one for all, and the
  compressors their own kind of scratch.  Shared, hundreds of strips touch
  one set the cache keeps instead of a few hundred kilobytes each.
*/
struct MxStripScratchImpl {
  unsigned             lanes;                                      ///< 1 or MX_STRIP_BANK
  float*               work[MX_STRIP_BANK][MX_STRIP_MAX_CHANNELS]; ///< Working copies per lane
  float*               alt[MX_STRIP_MAX_CHANNELS];                 ///< The other path
  MxCompressorScratch* comp;                                       ///< For the compressors
  float*               memory;                                     ///< Buffers, one allocation
};

static MxStripScratch*
scratch_new(const unsigned lanes, const bool with_comp)
{
  MxStripScratch* const s       = (MxStripScratch*)calloc(1U, sizeof(MxStripScratch));
  const size_t          buffers = ((size_t)lanes + 1U) * MX_STRIP_MAX_CHANNELS;
  float* const memory = s ? (float*)calloc(buffers * MX_DSP_MAX_BLOCK, sizeof(float)) : NULL;
  MxCompressorScratch* const comp = memory && with_comp ? mx_compressor_scratch_new() : NULL;
  if (!memory || (with_comp && !comp)) {
    free(memory);
    free(s);
    return NULL;
  }

  float* next = memory;
  for (unsigned l = 0U; l < lanes; ++l) {
    mx_carve_blocks(&next, s->work[l], MX_STRIP_MAX_CHANNELS);
  }
  mx_carve_blocks(&next, s->alt, MX_STRIP_MAX_CHANNELS);
  s->lanes  = lanes;
  s->comp   = comp;
  s->memory = memory;
  return s;
}

MxStripScratch*
mx_strip_scratch_new(void)
{
  return scratch_new(MX_STRIP_BANK, true);
}

void
mx_strip_scratch_free(MxStripScratch* const scratch)
{
  if (scratch) {
    mx_compressor_scratch_free(scratch->comp);
    free(scratch->memory);
    free(scratch);
  }
}

// Point the strip at the working buffers of `lane` (a bank's lane; 0 alone)
static void
use_scratch(MxStrip* const strip, const unsigned lane)
{
  const MxStripScratch* const s = strip->scratch;
  const unsigned              l = lane < s->lanes ? lane : 0U;
  for (unsigned c = 0U; c < MX_STRIP_MAX_CHANNELS; ++c) {
    strip->work[c] = s->work[l][c];
    strip->alt[c]  = s->alt[c];
  }
}

// Crossfade shape: smoothstep S(m) = m^2 (3 - 2 m), zero slope at both
// ends, as strip_eq.c's crossfades
static inline float
smoothstep(const float m)
{
  return m * m * (3.0f - 2.0f * m);
}

MxStrip*
mx_strip_new(const unsigned channels, const double rate)
{
  return mx_strip_new_layout(channels, rate, MX_STRIP_LAYOUT_CHANNEL);
}

MxStrip*
mx_strip_new_layout(const unsigned channels, const double rate, const MxStripLayout layout)
{
  return mx_strip_new_shared(channels, rate, layout, NULL);
}

MxStrip*
mx_strip_new_shared(const unsigned        channels,
                    const double          rate,
                    const MxStripLayout   layout,
                    MxStripScratch* const scratch)
{
  if (channels < 1U || channels > MX_STRIP_MAX_CHANNELS || !mx_rate_is_valid(rate) ||
      (unsigned)layout > (unsigned)MX_STRIP_LAYOUT_MASTER ||
      (layout == MX_STRIP_LAYOUT_MASTER && channels != 2U)) {
    return NULL;
  }

  MxStrip* const strip = (MxStrip*)calloc(1U, sizeof(MxStrip));
  if (!strip) {
    return NULL;
  }

  strip->channels    = channels;
  strip->layout      = layout;
  strip->scratch     = scratch ? scratch : scratch_new(1U, false);
  strip->own_scratch = !scratch;
  if (!strip->scratch) {
    free(strip);
    return NULL;
  }
  use_scratch(strip, 0U);
  // A strip's own scratch has none for compressors: they then make their own
  strip->comp     = mx_compressor_new_shared(rate, strip->scratch->comp);
  strip->old_comp = mx_compressor_new_shared(rate, strip->scratch->comp);
  strip->delay    = mx_delay_new(channels, MX_STRIP_DELAY_MAX_MS, rate);
  if (layout != MX_STRIP_LAYOUT_CHANNEL) {
    strip->limiter = mx_limiter_new(channels, rate, MX_LIMITER_DEFAULT_LOOKAHEAD_MS);
  }
  bool ok = strip->comp && strip->old_comp && strip->delay &&
            (layout == MX_STRIP_LAYOUT_CHANNEL || strip->limiter) &&
            !mx_strip_eq_init(&strip->eq, channels, rate);
  for (unsigned c = 0U; ok && c < channels; ++c) {
    strip->pre.rms[c]  = mx_meter_rms_new(rate, MX_STRIP_RMS_MAX_MS);
    strip->post.rms[c] = mx_meter_rms_new(rate, MX_STRIP_RMS_MAX_MS);
    ok                 = strip->pre.rms[c] && strip->post.rms[c];
    mx_meter_peak_init(&strip->pre.peak[c], rate);
    mx_meter_peak_init(&strip->post.peak[c], rate);
  }

  if (!ok) {
    mx_strip_free(strip);
    return NULL;
  }

  mx_gain_init(&strip->trim, rate);
  mx_gate_init(&strip->gate, rate);
  mx_gain_init(&strip->fader, rate);
  mx_pan_init(&strip->pan, rate);
  mx_width_init(&strip->width, rate);
  mx_balance_init(&strip->balance, rate);
  mx_gain_init(&strip->mute, rate);
  mx_gain_init(&strip->drive, rate);
  mx_smooth_init(&strip->order_fade, 1.0f, MX_SMOOTH_DEFAULT_MS, rate);
  mx_smooth_init(&strip->limiter_fade, 0.0f, MX_SMOOTH_DEFAULT_MS, rate);
  strip->old_eq = strip->eq;
  return strip;
}

void
mx_strip_free(MxStrip* const strip)
{
  if (!strip) {
    return;
  }

  for (unsigned c = 0U; c < MX_STRIP_MAX_CHANNELS; ++c) {
    mx_meter_rms_free(strip->post.rms[c]);
    mx_meter_rms_free(strip->pre.rms[c]);
  }
  mx_limiter_free(strip->limiter);
  mx_delay_free(strip->delay);
  mx_compressor_free(strip->old_comp);
  mx_compressor_free(strip->comp);
  if (strip->own_scratch) {
    mx_strip_scratch_free(strip->scratch);
  }
  free(strip);
}

unsigned
mx_strip_channels(const MxStrip* const strip)
{
  return strip->channels;
}

MxStatus
mx_strip_set_trim_db(MxStrip* const strip, const float db)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db, -MX_STRIP_TRIM_MAX_DB, MX_STRIP_TRIM_MAX_DB));
  return mx_gain_set_db(&strip->trim, db);
}

void
mx_strip_set_invert(MxStrip* const strip, const bool invert)
{
  mx_gain_set_invert(&strip->trim, invert);
}

MxDelay*
mx_strip_delay(MxStrip* const strip)
{
  return strip->delay;
}

uint32_t
mx_strip_latency(const MxStrip* const strip)
{
  return mx_delay_get_latency(strip->delay) + mx_strip_processing_latency(strip);
}

uint32_t
mx_strip_processing_latency(const MxStrip* const strip)
{
  return strip->limiter_inserted ? mx_limiter_get_latency(strip->limiter) : 0U;
}

uint32_t
mx_strip_limiter_latency(const MxStrip* const strip)
{
  return strip->limiter ? mx_limiter_get_latency(strip->limiter) : 0U;
}

MxLimiter*
mx_strip_limiter(MxStrip* const strip)
{
  return strip->limiter;
}

void
mx_strip_set_limiter_inserted(MxStrip* const strip, const bool inserted)
{
  if (!strip->limiter || inserted == strip->limiter_inserted) {
    return;
  }

  // A limiter coming back from out of the path starts clean, and its path
  // fades in once its delay line holds signal, not its initial silence
  strip->limiter_wait = 0U;
  if (inserted && strip->limiter_fade.current == 0.0f) {
    mx_limiter_reset(strip->limiter);
    strip->limiter_wait = mx_limiter_get_latency(strip->limiter);
  }
  strip->limiter_inserted = inserted;
  mx_smooth_set_target(&strip->limiter_fade, inserted ? 1.0f : 0.0f);
}

MxStatus
mx_strip_set_drive_db(MxStrip* const strip, const float db)
{
  MxStatus st = MX_SUCCESS;
  TRY(st, mx_check_range(db, -MX_STRIP_DRIVE_MAX_DB, MX_STRIP_DRIVE_MAX_DB));
  return strip->limiter ? mx_gain_set_db(&strip->drive, db) : MX_ERR_RANGE;
}

MxStripEq*
mx_strip_eq(MxStrip* const strip)
{
  return &strip->eq;
}

MxGate*
mx_strip_gate(MxStrip* const strip)
{
  return &strip->gate;
}

MxCompressor*
mx_strip_compressor(MxStrip* const strip)
{
  return strip->comp;
}

void
mx_strip_set_eq_after_comp(MxStrip* const strip, const bool after)
{
  strip->eq_after_comp = after;
}

MxStatus
mx_strip_set_fader_db(MxStrip* const strip, const float db)
{
  MxStatus st = MX_SUCCESS;
  if (db != -INFINITY) { // -INFINITY is valid: off
    TRY(st, mx_check_range(db, -INFINITY, MX_STRIP_FADER_MAX_DB));
  }
  return mx_gain_set_db(&strip->fader, db);
}

float
mx_strip_get_fader_db(const MxStrip* const strip)
{
  return strip->fader.gain_db;
}

void
mx_strip_set_mute(MxStrip* const strip, const bool muted)
{
  mx_gain_set_mute(&strip->mute, muted);
}

bool
mx_strip_is_silenced(const MxStrip* const strip)
{
  return strip->mute.muted && mx_smooth_is_settled(&strip->mute.factor);
}

MxPan*
mx_strip_pan(MxStrip* const strip)
{
  return strip->channels == 1U ? &strip->pan : NULL;
}

MxBalance*
mx_strip_balance(MxStrip* const strip)
{
  return strip->channels == 2U ? &strip->balance : NULL;
}

MxWidth*
mx_strip_width(MxStrip* const strip)
{
  return strip->channels == 2U ? &strip->width : NULL;
}

void
mx_strip_reset(MxStrip* const strip)
{
  mx_gain_reset(&strip->trim);
  mx_delay_reset(strip->delay);
  mx_strip_eq_reset(&strip->eq);
  mx_gate_reset(&strip->gate);
  mx_compressor_reset(strip->comp);
  strip->running_after = strip->eq_after_comp;
  strip->fading        = false;
  mx_smooth_jump(&strip->order_fade, 1.0f);
  mx_gain_reset(&strip->fader);
  mx_pan_reset(&strip->pan);
  mx_width_reset(&strip->width);
  mx_balance_reset(&strip->balance);
  mx_gain_reset(&strip->mute);
  mx_gain_reset(&strip->drive);
  if (strip->limiter) {
    mx_limiter_reset(strip->limiter);
  }
  mx_smooth_jump(&strip->limiter_fade, strip->limiter_inserted ? 1.0f : 0.0f);
  strip->limiter_wait = 0U;
}

void
mx_strip_prefetch(const MxStrip* const strip, const unsigned stage)
{
  const unsigned nch = strip->channels;
  if (stage == 0U) {
    // All but the EQ and the copies an order change fades through.  The
    // EQ's sections are left to the hardware's prefetcher: fetching what
    // a settled block reads of them three strips ahead, or one, made a
    // period slower (`make bench`, block 64, 256 strips: 2.5 %)
    mx_prefetch(strip, offsetof(MxStrip, eq));
    mx_prefetch(&strip->gate, offsetof(MxStrip, old_eq) - offsetof(MxStrip, gate));
    mx_prefetch(&strip->old_comp, sizeof(*strip) - offsetof(MxStrip, old_comp));
    return;
  }
  const unsigned ring_stage = stage - 1U;
  if (stage == 1U) {
    mx_compressor_prefetch(strip->comp);
  }
  mx_delay_prefetch(strip->delay, ring_stage);
  for (unsigned c = 0U; c < nch; ++c) {
    mx_meter_rms_prefetch(strip->pre.rms[c], ring_stage);
    mx_meter_rms_prefetch(strip->post.rms[c], ring_stage);
  }
}

// The EQ's bands and the compressor, in one order
static void
run_eq_comp(MxStripEq* const    eq,
            MxCompressor* const comp,
            const bool          eq_after_comp,
            float* const* const ch,
            const unsigned      nch,
            const uint32_t      n)
{
  if (eq_after_comp) {
    mx_compressor_process(comp, ch, nch, NULL, n);
    mx_strip_eq_process_bands(eq, ch, n);
  } else {
    mx_strip_eq_process_bands(eq, ch, n);
    mx_compressor_process(comp, ch, nch, NULL, n);
  }
}

// The EQ and the compressor, crossfading to a new order when asked
static void
process_eq_comp(MxStrip* const strip, const uint32_t n)
{
  const unsigned nch = strip->channels;
  float* const*  ch  = strip->work;
  float* const*  alt = strip->alt;

  // Start a fade: the old order carries on from copies of the state
  if (!strip->fading && strip->eq_after_comp != strip->running_after) {
    strip->old_eq = strip->eq;
    mx_compressor_copy(strip->old_comp, strip->comp);
    strip->running_after = strip->eq_after_comp;
    strip->fading        = true;
    mx_smooth_jump(&strip->order_fade, 0.0f);
    mx_smooth_set_target(&strip->order_fade, 1.0f);
  }

  if (!strip->fading) {
    run_eq_comp(&strip->eq, strip->comp, strip->running_after, ch, nch, n);
    return;
  }

  for (unsigned c = 0U; c < nch; ++c) {
    memcpy(alt[c], ch[c], n * sizeof(float));
  }
  run_eq_comp(&strip->old_eq, strip->old_comp, !strip->running_after, alt, nch, n);
  run_eq_comp(&strip->eq, strip->comp, strip->running_after, ch, nch, n);

  // Amplitude crossfade: the paths carry one signal, so they are coherent
  for (uint32_t i = 0U; i < n; ++i) {
    const float w = smoothstep(mx_smooth_next(&strip->order_fade));
    for (unsigned c = 0U; c < nch; ++c) {
      ch[c][i] = alt[c][i] + w * (ch[c][i] - alt[c][i]);
    }
  }
  strip->fading = !mx_smooth_is_settled(&strip->order_fade);
}

static void
meter(Meters* const meters, float* const* const ch, const unsigned nch, const uint32_t n)
{
  for (unsigned c = 0U; c < nch; ++c) {
    mx_meter_peak_process(&meters->peak[c], ch[c], n);
    mx_meter_rms_process(meters->rms[c], ch[c], n);
  }
}

// Pre-fader meters, the fader, post-fader meters.  While the fader is
// settled, one pass over the pre-fader signal gives both peaks, exactly
// (mx_meter_peak_process_scaled()): one pass of the four saved
static void
meter_fader(MxStrip* const strip, float* const* const ch, const unsigned nch, const uint32_t n)
{
  float factor = 1.0f;
  if (!mx_gain_is_constant(&strip->fader, &factor)) {
    meter(&strip->pre, ch, nch, n);
    mx_gain_process_channels(&strip->fader, ch, nch, n);
    meter(&strip->post, ch, nch, n);
    return;
  }
  for (unsigned c = 0U; c < nch; ++c) {
    mx_meter_peak_process_scaled(&strip->pre.peak[c], &strip->post.peak[c], factor, ch[c], n);
    mx_meter_rms_process(strip->pre.rms[c], ch[c], n);
  }
  mx_gain_process_channels(&strip->fader, ch, nch, n);
  for (unsigned c = 0U; c < nch; ++c) {
    mx_meter_rms_process(strip->post.rms[c], ch[c], n);
  }
}

// The limiter insert: drive and limiter, crossfaded with the dry path
// while it goes in or out
static void
process_limiter(MxStrip* const strip, const uint32_t n)
{
  MxSmooth* const fade = &strip->limiter_fade;
  if (!strip->limiter || (mx_smooth_is_settled(fade) && fade->current == 0.0f)) {
    return;
  }

  const unsigned nch     = strip->channels;
  float* const*  ch      = strip->work;
  const bool     settled = mx_smooth_is_settled(fade);
  for (unsigned c = 0U; !settled && c < nch; ++c) {
    memcpy(strip->alt[c], ch[c], n * sizeof(float));
  }

  mx_gain_process_channels(&strip->drive, ch, nch, n);
  mx_limiter_process(strip->limiter, ch, n);
  if (settled) {
    return;
  }

  // Amplitude crossfade between the dry and the limited path, held at dry
  // while the limited path is still the silence its delay line started with
  for (uint32_t i = 0U; i < n; ++i) {
    const bool  wait = strip->limiter_wait > 0U;
    const float w    = wait ? 0.0f : smoothstep(mx_smooth_next(fade));
    strip->limiter_wait -= wait ? 1U : 0U;
    for (unsigned c = 0U; c < nch; ++c) {
      ch[c][i] = strip->alt[c][i] + w * (ch[c][i] - strip->alt[c][i]);
    }
  }
}

// Copy the working signal out at `tap` if asked
static void
tap_out(const MxStrip* const     strip,
        const MxStripTaps* const taps,
        const MxTap              tap,
        const uint32_t           n)
{
  for (unsigned c = 0U; taps && c < strip->channels; ++c) {
    if (taps->ch[tap][c]) {
      memcpy(taps->ch[tap][c], strip->work[c], n * sizeof(float));
    }
  }
}

void
mx_strip_process(MxStrip* const            strip,
                 const float* const* const in,
                 float* const              out_l,
                 float* const              out_r,
                 const uint32_t            n)
{
  mx_strip_process_taps(strip, in, NULL, out_l, out_r, n);
}

// The stages before the EQ's bands: a copy of the input (JACK's or the
// renderer's buffers), the input stages, the high pass ahead of the gate
static void
process_input(MxStrip* const strip, const float* const* const in, const uint32_t n)
{
  const unsigned nch = strip->channels;
  float* const*  ch  = strip->work;
  for (unsigned c = 0U; c < nch; ++c) {
    memcpy(ch[c], in[c], n * sizeof(float));
  }
  mx_gain_process_channels(&strip->trim, ch, nch, n);
  mx_delay_process(strip->delay, ch, n);
}

static void
process_front(MxStrip* const            strip,
              const float* const* const in,
              const MxStripTaps* const  taps,
              const uint32_t            n)
{
  process_input(strip, in, n);
  mx_strip_eq_process_hpf(&strip->eq, strip->work, n);
  mx_gate_process(&strip->gate, strip->work, strip->channels, NULL, n);
  tap_out(strip, taps, MX_TAP_PRE_EQ, n);
}

void
mx_strip_process_taps(MxStrip* const            strip,
                      const float* const* const in,
                      const MxStripTaps* const  taps,
                      float* const              out_l,
                      float* const              out_r,
                      const uint32_t            n)
{
  assert(n <= MX_DSP_MAX_BLOCK);
  use_scratch(strip, 0U);
  process_front(strip, in, taps, n);
  process_eq_comp(strip, n);
  mx_strip_process_bank_back(strip, taps, out_l, out_r, n);
}

bool
mx_strip_is_bankable(const MxStrip* const strip)
{
  return strip->channels == 1U && !strip->fading && strip->eq_after_comp == strip->running_after;
}

// The compressors of a bank's strips that run at this point of the chain
// (before the EQ's bands if `before_eq`), side by side
static void
bank_compressors(MxStrip* const* const strips,
                 const unsigned        count,
                 const bool            before_eq,
                 const uint32_t        n)
{
  static_assert(MX_STRIP_BANK <= MX_COMPRESSOR_BANK, "a strip bank fits a compressor bank");
  MxCompressor* comps[MX_STRIP_BANK];
  float*        bufs[MX_STRIP_BANK];
  unsigned      m = 0U;
  for (unsigned k = 0U; k < count; ++k) {
    if (strips[k]->running_after == before_eq) {
      comps[m] = strips[k]->comp;
      bufs[m]  = strips[k]->work[0];
      ++m;
    }
  }
  mx_compressor_process_bank(comps, bufs, m, n);
}

void
mx_strip_process_bank_front(MxStrip* const* const     strips,
                            const float* const* const in,
                            const unsigned            count,
                            const uint32_t            n)
{
  assert(count <= MX_STRIP_BANK && n <= MX_DSP_MAX_BLOCK);
  static_assert(MX_STRIP_BANK <= MX_GATE_BANK, "a strip bank fits a gate bank");
  MxStripEq* eqs[MX_STRIP_BANK]   = { NULL };
  MxGate*    gates[MX_STRIP_BANK] = { NULL };
  float*     bufs[MX_STRIP_BANK]  = { NULL };
  for (unsigned k = 0U; k < count; ++k) {
    MxStrip* const strip = strips[k];
    assert(mx_strip_is_bankable(strip));
    use_scratch(strip, k);
    process_input(strip, &in[k], n);
    eqs[k]   = &strip->eq;
    gates[k] = &strip->gate;
    bufs[k]  = strip->work[0];
  }
  mx_strip_eq_process_hpf_bank(eqs, bufs, count, n);
  mx_gate_process_bank(gates, bufs, count, n);
  bank_compressors(strips, count, true, n);
  mx_strip_eq_process_bands_bank(eqs, bufs, count, n);
  bank_compressors(strips, count, false, n);
}

// The stages after the EQ and the compressor, to the outputs: the end of
// every strip's block, banked or not
void
mx_strip_process_bank_back(MxStrip* const           strip,
                           const MxStripTaps* const taps,
                           float* const             out_l,
                           float* const             out_r,
                           const uint32_t           n)
{
  const unsigned nch    = strip->channels;
  float* const*  ch     = strip->work;
  const bool     master = strip->layout == MX_STRIP_LAYOUT_MASTER;

  // The master widens before its limiter, so the ceiling holds for the image sent out
  if (master) {
    mx_width_process(&strip->width, ch[0], ch[1], n);
  }
  process_limiter(strip, n);
  tap_out(strip, taps, MX_TAP_PRE_FADER, n);

  meter_fader(strip, ch, nch, n);
  mx_gain_process_channels(&strip->mute, ch, nch, n);
  tap_out(strip, taps, MX_TAP_POST_FADER, n);

  if (nch == 1U) {
    mx_pan_process(&strip->pan, ch[0], out_l, out_r, n);
  } else {
    memcpy(out_l, ch[0], n * sizeof(float));
    memcpy(out_r, ch[1], n * sizeof(float));
    if (!master) {
      mx_width_process(&strip->width, out_l, out_r, n);
    }
    mx_balance_process(&strip->balance, out_l, out_r, n);
  }
}

static void
read_meters(Meters* const             meters,
            const unsigned            nch,
            MxMeterPeakReading* const peak,
            MxMeterRmsReading* const  rms)
{
  for (unsigned c = 0U; c < nch; ++c) {
    mx_meter_peak_read_reset(&meters->peak[c], &peak[c]);
    mx_meter_rms_read_reset(meters->rms[c], &rms[c]);
  }
}

// Read and restart the limiter's largest reduction
static float
read_limiter(MxStrip* const strip)
{
  MxLimiter* const lim = strip->limiter;
  const float      db  = mx_limiter_read_reset_max_reduction_db(lim);

  // Out of the path, the limiter has stopped with the reduction it last
  // had: clear it once read, or every later read would report it again
  const MxSmooth* const fade = &strip->limiter_fade;
  if (mx_smooth_is_settled(fade) && fade->current == 0.0f &&
      mx_limiter_get_reduction_db(lim) != 0.0f) {
    mx_limiter_reset(lim);
  }
  return db;
}

void
mx_strip_read_meters(MxStrip* const strip, MxStripMeters* const out)
{
  memset(out, 0, sizeof(*out));
  read_meters(&strip->pre, strip->channels, out->pre_peak, out->pre_rms);
  read_meters(&strip->post, strip->channels, out->post_peak, out->post_rms);
  out->gate_reduction_db    = mx_gate_read_max_reduction_db(&strip->gate);
  out->comp_reduction_db    = mx_compressor_read_max_reduction_db(strip->comp);
  out->limiter_reduction_db = strip->limiter ? read_limiter(strip) : 0.0f;
}
