// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_DITHER_H
#define MX_DSP_DITHER_H

#include <stddef.h>
#include <stdint.h>

/// TPDF dither and quantisation of float samples to 16- or 24-bit words, for files.

/*
  Reducing the word length of a signal without dither turns the rounding
  error into distortion that follows the signal (audible on fades and
  quiet passages).  Adding triangular (TPDF) noise of 2 LSB peak to peak
  before rounding makes the error's first two moments independent of the
  signal: the result is the signal plus steady white noise (Vanderkooy and
  Lipshitz, "Dither in Digital Audio", JAES 35(12), 1987; Wannamaker,
  Lipshitz and Vanderkooy, "A Theory of Nonsubtractive Dither", IEEE Trans.
  Signal Processing 48(2), 2000).  The noise comes from a fixed-seed
  generator, so a render is the same file every time.
*/

/// Lowest and highest word lengths that are dithered, bits.
#define MX_DITHER_MIN_BITS 8U
#define MX_DITHER_MAX_BITS 24U

/// A dither generator for one channel (embedded value).
typedef struct {
  uint64_t state; ///< xorshift64* state, never 0
} MxDither;

/// Initialise a generator; each channel should get its own seed.  Any thread.
void
mx_dither_init(MxDither* dither, uint64_t seed);

/**
   Dither and round `n` samples to `bits`-bit words, written left-justified
   in 32-bit integers (the sample times 2^(32 - bits)), every `stride`
   entries of `out` (interleaving), as libsndfile's sf_write_int() takes.

   Full scale is 1.0: x is scaled by 2^(bits - 1), the TPDF noise added,
   then rounded to the nearest integer and clipped to the word's range
   [-2^(bits - 1), 2^(bits - 1) - 1].  NaN reads as 0.  Any thread.
   @param bits MX_DITHER_MIN_BITS to MX_DITHER_MAX_BITS.
*/
void
mx_dither_quantize(MxDither*    dither,
                   const float* in,
                   int32_t*     out,
                   size_t       stride,
                   size_t       n,
                   unsigned     bits);

#endif // MX_DSP_DITHER_H
