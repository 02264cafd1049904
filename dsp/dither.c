// SPDX-License-Identifier: GPL-3.0-or-later

#include "dither.h"

#include <assert.h>
#include <math.h>

void
mx_dither_init(MxDither* const dither, const uint64_t seed)
{
  // Any non-zero state works; spread small seeds over the state's bits
  dither->state = seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
  if (!dither->state) {
    dither->state = 1U;
  }
}

// A uniform number in [0, 1): xorshift64* (Vigna, "An experimental
// exploration of Marsaglia's xorshift generators, scrambled", 2016), top 24 bits
static double
uniform(MxDither* const d)
{
  d->state ^= d->state >> 12U;
  d->state ^= d->state << 25U;
  d->state ^= d->state >> 27U;
  const uint64_t r = d->state * 0x2545F4914F6CDD1DULL;
  return (double)(r >> 40U) * (1.0 / 16777216.0);
}

void
mx_dither_quantize(MxDither* const    dither,
                   const float* const in,
                   int32_t* const     out,
                   const size_t       stride,
                   const size_t       n,
                   const unsigned     bits)
{
  assert(bits >= MX_DITHER_MIN_BITS && bits <= MX_DITHER_MAX_BITS);
  const double   scale = ldexp(1.0, (int)bits - 1);
  const double   hi    = scale - 1.0;
  const unsigned shift = 32U - bits;
  for (size_t i = 0U; i < n; ++i) {
    // TPDF: the sum of two independent uniform values, -1 to +1 LSB
    const double tpdf = uniform(dither) - uniform(dither);
    const double x    = isnan(in[i]) ? 0.0 : (double)in[i] * scale + tpdf;
    const double q    = fmin(fmax(floor(x + 0.5), -scale), hi);
    out[i * stride]   = (int32_t)((uint32_t)(int32_t)q << shift);
  }
}
