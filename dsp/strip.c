// SPDX-License-Identifier: GPL-3.0-or-later

#include "strip.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/// Longest RMS window a strip's meters can be set to, ms
#define MX_STRIP_RMS_MAX_MS 3000.0f

struct MxStripImpl {
  unsigned      channels;                    ///< Input channels, 1 or 2
  MxStripEq     eq;                          ///< High pass, 4 bands, low pass
  MxGate        gate;                        ///< Gate / expander
  MxCompressor* comp;                        ///< Compressor
  MxGain        fader;                       ///< Level, mute, polarity
  MxPan         pan;                         ///< Mono strips: position in the stereo image
  MxBalance     balance;                     ///< Stereo strips: balance
  MxMeterPeak   peak[MX_STRIP_MAX_CHANNELS]; ///< Post-fader peak meters
  MxMeterRms*   rms[MX_STRIP_MAX_CHANNELS];  ///< Post-fader RMS meters
  float*        work[MX_STRIP_MAX_CHANNELS]; ///< Working copy of the input, one block
};

MxStrip*
mx_strip_new(const unsigned channels, const double rate)
{
  if (channels < 1U || channels > MX_STRIP_MAX_CHANNELS || !mx_rate_is_valid(rate)) {
    return NULL;
  }

  MxStrip* const strip = (MxStrip*)calloc(1U, sizeof(MxStrip));
  if (!strip) {
    return NULL;
  }

  strip->channels = channels;
  strip->comp     = mx_compressor_new(rate);
  bool ok         = strip->comp && !mx_strip_eq_init(&strip->eq, channels, rate);
  for (unsigned c = 0U; ok && c < channels; ++c) {
    strip->rms[c]  = mx_meter_rms_new(rate, MX_STRIP_RMS_MAX_MS);
    strip->work[c] = (float*)calloc(MX_DSP_MAX_BLOCK, sizeof(float));
    ok             = strip->rms[c] && strip->work[c];
    mx_meter_peak_init(&strip->peak[c], rate);
  }

  if (!ok) {
    mx_strip_free(strip);
    return NULL;
  }

  mx_gate_init(&strip->gate, rate);
  mx_gain_init(&strip->fader, rate);
  mx_pan_init(&strip->pan, rate);
  mx_balance_init(&strip->balance, rate);
  return strip;
}

void
mx_strip_free(MxStrip* const strip)
{
  if (!strip) {
    return;
  }

  for (unsigned c = 0U; c < MX_STRIP_MAX_CHANNELS; ++c) {
    free(strip->work[c]);
    mx_meter_rms_free(strip->rms[c]);
  }
  mx_compressor_free(strip->comp);
  free(strip);
}

unsigned
mx_strip_channels(const MxStrip* const strip)
{
  return strip->channels;
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

MxGain*
mx_strip_fader(MxStrip* const strip)
{
  return &strip->fader;
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

void
mx_strip_process(MxStrip* const            strip,
                 const float* const* const in,
                 float* const              out_l,
                 float* const              out_r,
                 const uint32_t            n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  const unsigned nch = strip->channels;
  float* const*  ch  = strip->work;

  // Work on a copy: the inputs are JACK's or the renderer's buffers
  for (unsigned c = 0U; c < nch; ++c) {
    memcpy(ch[c], in[c], n * sizeof(float));
  }

  mx_strip_eq_process(&strip->eq, ch, n);
  mx_gate_process(&strip->gate, ch, nch, NULL, n);
  mx_compressor_process(strip->comp, ch, nch, NULL, n);

  mx_gain_process_channels(&strip->fader, ch, nch, n);

  for (unsigned c = 0U; c < nch; ++c) {
    mx_meter_peak_process(&strip->peak[c], ch[c], n);
    mx_meter_rms_process(strip->rms[c], ch[c], n);
  }

  if (nch == 1U) {
    mx_pan_process(&strip->pan, ch[0], out_l, out_r, n);
  } else {
    memcpy(out_l, ch[0], n * sizeof(float));
    memcpy(out_r, ch[1], n * sizeof(float));
    mx_balance_process(&strip->balance, out_l, out_r, n);
  }
}

void
mx_strip_read_meters(MxStrip* const strip, MxStripMeters* const out)
{
  memset(out, 0, sizeof(*out));
  for (unsigned c = 0U; c < strip->channels; ++c) {
    mx_meter_peak_read_reset(&strip->peak[c], &out->peak[c]);
    mx_meter_rms_read_reset(strip->rms[c], &out->rms[c]);
  }
  out->gate_reduction_db = mx_gate_read_max_reduction_db(&strip->gate);
  out->comp_reduction_db = mx_compressor_read_max_reduction_db(strip->comp);
}
