// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_LANES_H
#define MX_DSP_LANES_H

#include <stdint.h>
#include <string.h>

/// Four processors of one kind in the lanes of a vector of doubles (a bank), and the moves of
/// their float buffers in and out of it.

/// Four doubles in one SIMD vector (GCC vector extension, also in clang): one lane per processor.
typedef double MxLanes __attribute__((vector_size(4 * sizeof(double))));

/// Four floats: four samples of one buffer.
typedef float MxLaneSamples __attribute__((vector_size(4 * sizeof(float))));

/// Rows to columns of four 4-element vectors of any element type: v[k][l] becomes v[l][k].
#define MX_LANES_TRANSPOSE(v)                                                           \
  do {                                                                                  \
    const __typeof__((v)[0]) t0_ = __builtin_shufflevector((v)[0], (v)[1], 0, 4, 2, 6); \
    const __typeof__((v)[0]) t1_ = __builtin_shufflevector((v)[0], (v)[1], 1, 5, 3, 7); \
    const __typeof__((v)[0]) t2_ = __builtin_shufflevector((v)[2], (v)[3], 0, 4, 2, 6); \
    const __typeof__((v)[0]) t3_ = __builtin_shufflevector((v)[2], (v)[3], 1, 5, 3, 7); \
    (v)[0]                       = __builtin_shufflevector(t0_, t2_, 0, 1, 4, 5);       \
    (v)[1]                       = __builtin_shufflevector(t1_, t3_, 0, 1, 4, 5);       \
    (v)[2]                       = __builtin_shufflevector(t0_, t2_, 2, 3, 6, 7);       \
    (v)[3]                       = __builtin_shufflevector(t1_, t3_, 2, 3, 6, 7);       \
  } while (0)

/// MX_LANES_TRANSPOSE() of four vectors of lanes.
static inline __attribute__((always_inline)) void
mx_lanes_transpose(MxLanes v[4])
{
  MX_LANES_TRANSPOSE(v);
}

/**
   Samples i to i + 3 of the four lanes' buffers: x[k] holds sample i + k of
   every lane.  One vector load and conversion per lane and a transpose,
   where building each sample's vector would take four scalar loads,
   conversions and inserts.  Conversion to double is exact.
*/
static inline __attribute__((always_inline)) void
mx_lanes_load4(const float* const buf[4], const uint32_t i, MxLanes x[4])
{
#pragma GCC unroll 4
  for (unsigned l = 0U; l < 4U; ++l) {
    MxLaneSamples f;
    memcpy(&f, buf[l] + i, sizeof(f));
    x[l] = __builtin_convertvector(f, MxLanes);
  }
  mx_lanes_transpose(x);
}

/**
   Store what mx_lanes_load4() loaded, once processed: y[k] holds sample
   i + k of every lane, rounded to float as a scalar conversion would.
   Stored last lane first, so that a lane repeating another's buffer (a bank
   not full) writes it before the one it repeats, which computes the same.
*/
static inline __attribute__((always_inline)) void
mx_lanes_store4(float* const buf[4], const uint32_t i, MxLanes y[4])
{
  mx_lanes_transpose(y);
#pragma GCC unroll 4
  for (unsigned l = 4U; l-- > 0U;) {
    const MxLaneSamples f = __builtin_convertvector(y[l], MxLaneSamples);
    memcpy(buf[l] + i, &f, sizeof(f));
  }
}

/**
   Samples i to i + 3 of the four lanes' buffers, as floats: x[k] holds
   sample i + k of every lane (mx_lanes_load4() without the conversion).
*/
static inline __attribute__((always_inline)) void
mx_lanes_load4f(const float* const buf[4], const uint32_t i, MxLaneSamples x[4])
{
#pragma GCC unroll 4
  for (unsigned l = 0U; l < 4U; ++l) {
    memcpy(&x[l], buf[l] + i, sizeof(x[l]));
  }
  MX_LANES_TRANSPOSE(x);
}

#endif // MX_DSP_LANES_H
