// SPDX-License-Identifier: GPL-3.0-or-later

#include "loudness.h"

#include "true_peak.h"

#include <ebur128.h>

#include <assert.h>
#include <math.h>
#include <stdlib.h>

/*
  libebur128 is not annotated for clang's function effects, so the calls
  below from MX_RT functions would be reported by -Wfunction-effects.  In
  the histogram mode used here add_frames, loudness_window and the getters
  make no heap call and take no lock (measured with tests/alloc_guard.c;
  RealtimeSanitizer checks it again at run time in the rtsan build).
*/
#if defined(__clang__) && __clang_major__ >= 20
#  pragma clang diagnostic ignored "-Wfunction-effects"
#endif

/*
  Histogram mode keeps integrated loudness and LRA in two fixed histograms of
  0.1 LU bins instead of a list that grows by one allocation per 100 ms
  gating block (libebur128 1.2.6 mallocs inside add_frames without it).  The
  cost is a quantisation of at most 0.05 LU, within EBU Tech 3341's +-0.1 LU.

  True peak is not libebur128's: its 4x interpolator (the 48-tap example of
  BS.1770-4 Annex 2) cost 87 % of the meter, 4 % of the whole engine with
  256 strips (callgrind, `make bench`), and ripples by +-0.24 dB, so the
  meter could read above a ceiling the limiter holds.  The limiter's own
  detector (true_peak.h: within 0.05 dB up to 0.4535 fs) measures here
  too, for 270 instructions a stereo frame where libebur128 took 1210
  (callgrind), so both read the same peaks.
*/
#define MODE                                                             \
  (EBUR128_MODE_M | EBUR128_MODE_S | EBUR128_MODE_I | EBUR128_MODE_LRA | \
   EBUR128_MODE_SAMPLE_PEAK | EBUR128_MODE_HISTOGRAM)

/// 100 ms blocks in the short-term window (3 s); the momentary one is 4.
#define N_BLOCKS 30U

struct MxLoudnessImpl {
  ebur128_state*      state;        ///< libebur128 measurement
  float*              frames;       ///< Interleaved copy of a block, MX_DSP_MAX_BLOCK frames
  float*              clean;        ///< A channel with non-finite samples as 0, one block
  MxTruePeakDetector* detectors;    ///< True peak, one per channel
  double              true_peak;    ///< Largest true peak since reset, linear
  uint32_t            channels;     ///< Channels measured
  unsigned long       rate;         ///< Sample rate, whole Hz
  uint32_t            block_frames; ///< Frames in 100 ms, as libebur128 counts a window
  uint32_t            block_left;   ///< Frames until the current 100 ms block is complete
  uint32_t            block_pos;    ///< Index of the oldest entry of `block_energy`
  double              block_energy[N_BLOCKS]; ///< Weighted mean squares of the last 100 ms blocks
  float               momentary;              ///< M at the last block boundary, LUFS
  float               short_term;             ///< S at the last block boundary, LUFS
  double              recent_true;            ///< Largest true peak since the last read, linear
  double              recent_sample;          ///< Largest sample peak since the last read, linear
};

static ebur128_state*
make_state(const uint32_t channels, const unsigned long rate)
{
  ebur128_state* st = ebur128_init(channels, rate, MODE);
  if (!st) {
    return NULL;
  }

  // Channels 7 and 8 are back surrounds (+-135 degrees, weight 1.0 in
  // BS.1770-4 Table 3); libebur128's default map leaves them unmeasured
  if (channels >= 7U && (ebur128_set_channel(st, 6U, EBUR128_Mp135) ||
                         (channels >= 8U && ebur128_set_channel(st, 7U, EBUR128_Mm135)))) {
    ebur128_destroy(&st);
    return NULL;
  }

  return st;
}

// 20 log10(x), -INFINITY for 0
static float
to_db(const double x)
{
  return x > 0.0 ? (float)(20.0 * log10(x)) : -INFINITY;
}

// Loudness of a weighted mean square: L = -0.691 + 10 log10(E) (BS.1770-4 eq. 2)
static float
to_lufs(const double energy)
{
  if (energy <= 0.0) {
    return -INFINITY;
  }
  return (float)(10.0 * log10(energy) - 0.691);
}

// Restart the momentary and short-term history at silence
static void
clear_blocks(MxLoudness* const m)
{
  for (uint32_t k = 0; k < N_BLOCKS; ++k) {
    m->block_energy[k] = 0.0;
  }
  m->block_pos     = 0U;
  m->block_left    = m->block_frames;
  m->momentary     = -INFINITY;
  m->short_term    = -INFINITY;
  m->recent_true   = 0.0;
  m->recent_sample = 0.0;
  m->true_peak     = 0.0;
  for (uint32_t c = 0; c < m->channels; ++c) {
    mx_true_peak_detector_reset(&m->detectors[c]);
  }
}

/*
  A 100 ms block has just been fed: store its energy and update M and S.
  libebur128 computes M and S by summing its whole 400 ms or 3 s buffer on
  every call (measured: about 0.2 ms for S in stereo at 48 kHz, 0.5 ms at
  96 kHz, too much for the audio thread at every snapshot).  Both windows
  are whole numbers of 100 ms blocks, so their mean squares are the means of
  the last 4 and 30 block energies, each measured once when its block
  completes (ebur128_loudness_window over exactly that block).  M and S
  then refresh at 10 Hz, the minimum EBU Tech 3341 sets for EBU Mode meters.
*/
static void
finish_block(MxLoudness* const m)
{
  double lufs = -HUGE_VAL;
  ebur128_loudness_window(m->state, 100U, &lufs);

  // Back from loudness to mean square (inverse of BS.1770-4 eq. 2)
  const double energy = lufs > -HUGE_VAL ? pow(10.0, (lufs + 0.691) / 10.0) : 0.0;

  m->block_energy[m->block_pos] = energy;
  m->block_pos                  = m->block_pos + 1U == N_BLOCKS ? 0U : m->block_pos + 1U;

  // Sum newest first: the first 4 are the momentary window
  double   sum   = 0.0;
  double   sum_m = 0.0;
  uint32_t k     = m->block_pos;
  for (uint32_t b = 0; b < N_BLOCKS; ++b) {
    k = k ? k - 1U : N_BLOCKS - 1U;
    sum += m->block_energy[k];
    sum_m += b < 4U ? m->block_energy[k] : 0.0;
  }

  m->momentary  = to_lufs(sum_m / 4.0);
  m->short_term = to_lufs(sum / (double)N_BLOCKS);
}

MxLoudness*
mx_loudness_new(const uint32_t channels, const double rate)
{
  if (channels < 1U || channels > MX_LOUDNESS_MAX_CHANNELS || !mx_rate_is_valid(rate)) {
    return NULL;
  }

  MxLoudness* const m = (MxLoudness*)calloc(1U, sizeof(MxLoudness));
  if (!m) {
    return NULL;
  }

  m->channels     = channels;
  m->rate         = (unsigned long)lround(rate);
  m->block_frames = (uint32_t)(m->rate * 100U / 1000U);
  m->frames       = (float*)calloc((size_t)MX_DSP_MAX_BLOCK * channels, sizeof(float));
  m->clean        = (float*)calloc(MX_DSP_MAX_BLOCK, sizeof(float));
  m->detectors    = (MxTruePeakDetector*)calloc(channels, sizeof(MxTruePeakDetector));
  m->state        = m->frames && m->clean && m->detectors ? make_state(channels, m->rate) : NULL;
  if (!m->state) {
    mx_loudness_free(m);
    return NULL;
  }
  for (uint32_t c = 0; c < channels; ++c) {
    mx_true_peak_detector_init(&m->detectors[c]);
  }
  clear_blocks(m);

  return m;
}

void
mx_loudness_free(MxLoudness* const meter)
{
  if (meter) {
    if (meter->state) {
      ebur128_destroy(&meter->state);
    }
    free(meter->detectors);
    free(meter->clean);
    free(meter->frames);
    free(meter);
  }
}

MxStatus
mx_loudness_process(MxLoudness* const meter, const float* const* const in, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);

  if (n == 0U) {
    return MX_SUCCESS;
  }

  // Interleave into frames, non-finite samples as 0; the true peak of
  // each channel as it is measured (a channel with such samples cleaned)
  const uint32_t channels  = meter->channels;
  float* const   frames    = meter->frames;
  double         true_peak = meter->recent_true;
  for (uint32_t c = 0; c < channels; ++c) {
    const float* const src    = in[c];
    float* const       dst    = frames + c;
    bool               finite = true;
    for (uint32_t i = 0; i < n; ++i) {
      const float x = src[i];
      finite &= isfinite(x) != 0;
      dst[(size_t)i * channels] = isfinite(x) ? x : 0.0f;
    }
    const float* measured = src;
    if (!finite) {
      for (uint32_t i = 0; i < n; ++i) {
        meter->clean[i] = dst[(size_t)i * channels];
      }
      measured = meter->clean;
    }
    const double v = (double)mx_true_peak_detector_process_max(&meter->detectors[c], measured, n);
    true_peak      = v > true_peak ? v : true_peak;
  }

  // Feed up to each 100 ms boundary, then finish that block.  libebur128
  // keeps the sample peaks of the last add_frames call only: collect them
  // after each, so no peak between two reads is lost.
  ebur128_state* const st          = meter->state;
  double               sample_peak = meter->recent_sample;
  for (uint32_t done = 0; done < n;) {
    const uint32_t k = n - done < meter->block_left ? n - done : meter->block_left;
    if (ebur128_add_frames_float(st, frames + (size_t)done * channels, k) != EBUR128_SUCCESS) {
      return MX_ERR_INTERNAL;
    }

    for (uint32_t c = 0; c < channels; ++c) {
      double v = 0.0;
      if (!ebur128_prev_sample_peak(st, c, &v) && v > sample_peak) {
        sample_peak = v;
      }
    }

    done += k;
    meter->block_left -= k;
    if (meter->block_left == 0U) {
      meter->block_left = meter->block_frames;
      finish_block(meter);
    }
  }

  // The detector reports a sample's peak MX_TRUE_PEAK_DELAY samples late;
  // a true peak is never below the sample peak, so none reads lower
  true_peak            = sample_peak > true_peak ? sample_peak : true_peak;
  meter->recent_true   = true_peak;
  meter->recent_sample = sample_peak;
  meter->true_peak     = true_peak > meter->true_peak ? true_peak : meter->true_peak;
  return MX_SUCCESS;
}

void
mx_loudness_read(MxLoudness* const meter, MxLoudnessReading* const out)
{
  ebur128_state* const st = meter->state;

  // Each getter leaves its output alone on error; start from "no reading".
  // Both walk 1000-bin histograms (about 1.5 us each).
  double integrated = -HUGE_VAL;
  double range      = 0.0;
  ebur128_loudness_global(st, &integrated);
  ebur128_loudness_range(st, &range);

  const double true_peak   = meter->true_peak;
  double       sample_peak = 0.0;
  for (uint32_t c = 0; c < meter->channels; ++c) {
    double v = 0.0;
    if (!ebur128_sample_peak(st, c, &v) && v > sample_peak) {
      sample_peak = v;
    }
  }

  out->momentary_lufs          = meter->momentary;
  out->short_term_lufs         = meter->short_term;
  out->integrated_lufs         = (float)integrated;
  out->range_lu                = (float)range;
  out->true_peak_dbtp          = to_db(true_peak);
  out->sample_peak_dbfs        = to_db(sample_peak);
  out->true_peak_recent_dbtp   = to_db(meter->recent_true);
  out->sample_peak_recent_dbfs = to_db(meter->recent_sample);

  meter->recent_true   = 0.0;
  meter->recent_sample = 0.0;
}

MxStatus
mx_loudness_reset(MxLoudness* const meter)
{
  // Make the new state first, so a failure leaves the old one running
  ebur128_state* const fresh = make_state(meter->channels, meter->rate);
  if (!fresh) {
    return MX_ERR_NO_MEMORY;
  }

  ebur128_destroy(&meter->state);
  meter->state = fresh;
  clear_blocks(meter);
  return MX_SUCCESS;
}
