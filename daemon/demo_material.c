// SPDX-License-Identifier: GPL-3.0-or-later

#include "demo_material.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TWO_PI (2.0 * M_PI)

// A bar of 4 beats; the song loops a 4-bar progression (Am - F - C - G)
static const double chord_roots_hz[4] = { 110.0, 87.307, 130.813, 97.999 };
static const double chord_ratios[3]   = { 1.0, 1.189207, 1.498307 }; // minor third, fifth
static const double major_third       = 1.259921;

static double
beat_seconds(void)
{
  return 60.0 / MX_DEMO_BPM;
}

static unsigned
bar_of(const double t)
{
  return (unsigned)(t / (4.0 * beat_seconds())) % 4U;
}

// xorshift32 (Marsaglia 2003): white noise in [-1, 1]
static double
noise(uint32_t* const state)
{
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return (double)*state / 2147483647.5 - 1.0;
}

// Sawtooth from its first harmonics, so it stays band-limited at any rate
static double
saw(const double phase, const double freq, const double rate)
{
  double sum = 0.0;
  for (int k = 1; k <= 12 && k * freq < 0.45 * rate; ++k) {
    sum += sin(phase * k) / k;
  }
  return sum * (2.0 / M_PI);
}

static void
render_kick(float* const out, const size_t n, const double rate)
{
  const double beat  = beat_seconds();
  double       phase = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double t    = fmod((double)i / rate, beat);
    const double freq = 45.0 + 75.0 * exp(-t / 0.03); // 120 Hz falling to 45 Hz
    phase             = fmod(phase + TWO_PI * freq / rate, TWO_PI);
    out[i]            = (float)(0.5 * exp(-t / 0.25) * sin(phase));
  }
}

static void
render_snare(float* const out, const size_t n, const double rate)
{
  uint32_t     seed = 0x5eed5u;
  const double beat = beat_seconds();
  for (size_t i = 0; i < n; ++i) {
    const double time = (double)i / rate;
    const double t    = fmod(time, 2.0 * beat) - beat; // hits on beats 2 and 4
    const double hiss = noise(&seed);
    if (t < 0.0) {
      out[i] = 0.0f;
      continue;
    }
    const double body = sin(TWO_PI * 185.0 * t) * exp(-t / 0.06);
    out[i]            = (float)(0.3 * (hiss * exp(-t / 0.12) + 0.6 * body));
  }
}

static void
render_hats(float* const out, const size_t n, const double rate)
{
  uint32_t     seed = 0x4a75u;
  const double step = beat_seconds() / 2.0;
  double       prev = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double t    = fmod((double)i / rate, step);
    const double x    = noise(&seed);
    const double high = x - prev; // first difference: a gentle high pass
    prev              = x;
    out[i]            = (float)(0.15 * high * exp(-t / 0.03));
  }
}

static void
render_bass(float* const out, const size_t n, const double rate)
{
  static const double octave_pattern[8] = { 1, 1, 2, 1, 1, 2, 1.5, 1 };
  const double        step              = beat_seconds() / 2.0;
  double              phase             = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double time = (double)i / rate;
    const double t    = fmod(time, step);
    const size_t note = (size_t)(time / step) % 8U;
    const double freq = chord_roots_hz[bar_of(time)] / 2.0 * octave_pattern[note];
    phase             = fmod(phase + TWO_PI * freq / rate, TWO_PI);
    const double env  = (1.0 - exp(-t / 0.003)) * exp(-t / 0.4);
    out[i]            = (float)(0.35 * env * saw(phase, freq, rate));
  }
}

static void
render_keys(float* const out, const size_t n, const double rate)
{
  const double bar = 4.0 * beat_seconds();
  for (size_t i = 0; i < n; ++i) {
    const double   time     = (double)i / rate;
    const double   t        = fmod(time, bar);
    const unsigned b        = bar_of(time);
    const double   third    = (b == 0U) ? chord_ratios[1] : major_third; // Am, then majors
    const double   notes[3] = { chord_roots_hz[b] * 2.0,
                                chord_roots_hz[b] * 2.0 * third,
                                chord_roots_hz[b] * 2.0 * chord_ratios[2] };
    double         sum      = 0.0;
    for (size_t k = 0; k < 3; ++k) {
      const double a = TWO_PI * notes[k] * t;
      sum += sin(a) + 0.3 * sin(2.0 * a) * exp(-t / 0.4) + 0.1 * sin(3.0 * a) * exp(-t / 0.2);
    }
    out[i] = (float)(0.12 * sum * exp(-t / 1.2) * (1.0 - exp(-t / 0.002)));
  }
}

static void
render_pad(float* const out, const size_t n, const double rate)
{
  double phases[6] = { 0 };
  for (size_t i = 0; i < n; ++i) {
    const double   time = (double)i / rate;
    const unsigned b    = bar_of(time);
    double         sum  = 0.0;
    for (size_t k = 0; k < 6; ++k) {
      const double detune = (k % 2U) ? 1.004 : 0.996;
      const double freq   = chord_roots_hz[b] * chord_ratios[k / 2U] * detune;
      phases[k]           = fmod(phases[k] + TWO_PI * freq / rate, TWO_PI);
      sum += saw(phases[k], freq, rate);
    }
    const double swell = 0.6 + 0.4 * sin(TWO_PI * 0.125 * time);
    out[i]             = (float)(0.05 * swell * sum * (1.0 - exp(-time / 1.0)));
  }
}

// Two-pole resonator (Smith, "Introduction to Digital Filters", resonators)
typedef struct {
  double y1, y2;
} Resonator;

static double
resonate(Resonator* const r, const double x, const double freq, const double bw, const double rate)
{
  const double radius = exp(-M_PI * bw / rate);
  const double a1     = -2.0 * radius * cos(TWO_PI * freq / rate);
  const double a2     = radius * radius;
  const double y      = (1.0 - radius) * x - a1 * r->y1 - a2 * r->y2;
  r->y2               = r->y1;
  r->y1               = y;
  return y;
}

static void
render_voice(float* const out, const size_t n, const double rate)
{
  // Formants (Hz) of the vowels /a/, /e/, /o/ (Peterson & Barney 1952, male)
  static const double formants[3][3] = { { 730, 1090, 2440 },
                                         { 530, 1840, 2480 },
                                         { 570, 840, 2410 } };
  Resonator           res[3]         = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
  uint32_t            seed           = 0x707cu;
  double              phase          = 0.0;
  const double        beat           = beat_seconds();

  for (size_t i = 0; i < n; ++i) {
    const double time   = (double)i / rate;
    const double phrase = fmod(time, 4.0 * beat); // sing 3 beats, breathe 1
    const double gate   = phrase < 3.0 * beat ? 1.0 : 0.0;
    const double f0 =
      196.0 * (1.0 + 0.01 * sin(TWO_PI * 5.5 * time)) * (bar_of(time) % 2U ? 1.122462 : 1.0);
    phase              = fmod(phase + f0 / rate, 1.0);
    const double pulse = (phase < 0.4 ? sin(M_PI * phase / 0.4) : 0.0) + 0.02 * noise(&seed);
    const size_t vowel = (size_t)(time / beat) % 3U;

    double sum = 0.0;
    for (size_t k = 0; k < 3; ++k) {
      sum += resonate(&res[k], pulse, formants[vowel][k], 80.0 + 40.0 * (double)k, rate) /
             (double)(k + 1U);
    }
    const double env = gate * (1.0 - exp(-phrase / 0.05));
    out[i]           = (float)(2.0 * env * sum);
  }
}

static void
render_guitar(float* const out, const size_t n, const double rate)
{
  // Karplus-Strong (Karplus & Strong, CMJ 7(2), 1983): a noise burst in a
  // delay line with an averaging loop filter
  enum { MAX_LINE = 4096 };
  float    line[MAX_LINE];
  uint32_t seed = 0x6017u;
  size_t   len  = 1U;
  size_t   pos  = 0U;
  memset(line, 0, sizeof(line));

  // Pluck on the off-beat of every beat
  const size_t half_beat = (size_t)floor(beat_seconds() * rate / 2.0 + 0.5);
  for (size_t i = 0; i < n; ++i) {
    if (i % half_beat == 0U && (i / half_beat) % 2U == 1U) {
      const double freq = chord_roots_hz[bar_of((double)i / rate)] * 2.0 * chord_ratios[2];
      len               = (size_t)(rate / freq);
      len               = len < 2U ? 2U : (len > MAX_LINE ? MAX_LINE : len);
      for (size_t k = 0; k < len; ++k) {
        line[k] = (float)(0.25 * noise(&seed));
      }
      pos = 0U;
    }
    const size_t next = (pos + 1U) % len;
    const float  y    = line[pos];
    line[pos]         = 0.498f * (line[pos] + line[next]);
    pos               = next;
    out[i]            = y;
  }
}

const char*
mx_demo_instrument_name(const MxDemoInstrument instrument)
{
  static const char* const names[MX_DEMO_N_INSTRUMENTS] = { "kick", "snare", "hats",  "bass",
                                                            "keys", "pad",   "voice", "guitar" };
  return (unsigned)instrument < MX_DEMO_N_INSTRUMENTS ? names[instrument] : "unknown";
}

int
mx_demo_render(const MxDemoInstrument instrument,
               float* const           out,
               const size_t           n,
               const double           rate)
{
  typedef void (*RenderFunc)(float*, size_t, double);
  static const RenderFunc renderers[MX_DEMO_N_INSTRUMENTS] = { render_kick,  render_snare,
                                                               render_hats,  render_bass,
                                                               render_keys,  render_pad,
                                                               render_voice, render_guitar };

  if ((unsigned)instrument >= MX_DEMO_N_INSTRUMENTS || !(rate >= 8000.0 && rate <= 384000.0)) {
    return -1;
  }

  renderers[instrument](out, n, rate);
  return 0;
}
