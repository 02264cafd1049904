// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_COMMON_H
#define MX_DSP_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/// Shared vocabulary of dsp/: status codes, the realtime marker, dB helpers, checks.

/**
   Status of an operation.

   MX_SUCCESS is zero so that `if ((st = f()))` tests for failure.
   MX_FAILURE is a non-fatal "did nothing"; MX_ERR_* are errors.
*/
typedef enum {
  MX_SUCCESS = 0,        ///< Done
  MX_FAILURE,            ///< Non-fatal failure, nothing changed
  MX_ERR_BAD_ARG,        ///< Invalid argument (NULL, NaN, unknown enum value)
  MX_ERR_RANGE,          ///< Value outside the documented range
  MX_ERR_NO_MEMORY,      ///< Allocation failed
  MX_ERR_BAD_STATE,      ///< Call not valid in the object's current state
  MX_ERR_INTERNAL,       ///< A library call failed unexpectedly
  MX_ERR_NOT_FOUND,      ///< No such strip, bus, VCA or control
  MX_ERR_EXISTS,         ///< The name is already in use
  MX_ERR_FULL,           ///< A capacity limit has been reached
  MX_ERR_CYCLE,          ///< The routing would form a cycle
  MX_ERR_NOT_APPLICABLE, ///< The control does not exist on this strip or bus
} MxStatus;

/**
   Return a short English description of a status.

   Any thread.  The string is static.
*/
const char*
mx_strerror(MxStatus status);

/// Evaluate `expr` (an MxStatus); return it from the caller if it failed.
#define TRY(st, expr)      \
  do {                     \
    if (((st) = (expr))) { \
      return (st);         \
    }                      \
  } while (0)

/**
   Marks a function that runs on the audio thread.

   It may not allocate, free, lock, block or do I/O, and may only call other
   MX_RT functions.  On clang 20 or later this is `nonblocking`, which
   RealtimeSanitizer (`-fsanitize=realtime`) and `-Wfunction-effects` check;
   elsewhere it documents.  Place it after the parameter list of the
   declaration: `void mx_x_process(MxX* x, uint32_t n) MX_RT;`
*/
#if defined(__clang__) && __clang_major__ >= 20
#  define MX_RT __attribute__((nonblocking))
#else
#  define MX_RT
#endif

/// Largest block (period) any processor accepts; JACK's maximum is 8192.
#define MX_DSP_MAX_BLOCK 8192U

/**
   Ask the cache for `bytes` of memory from `p` on, a line at a time.  The
   engine runs hundreds of strips whose state is evicted between periods;
   fetching the next strip's state while the current one computes hides the
   memory latency that would otherwise stall every first touch (measured by
   `make bench`).  A hint only: it changes no result.
*/
static inline void
mx_prefetch(const void* const p, const size_t bytes)
{
  const char* const c = (const char*)p;
  for (size_t off = 0U; off < bytes; off += 64U) {
    __builtin_prefetch(c + off, 1, 3);
  }
}

/**
   Hand out `count` buffers of MX_DSP_MAX_BLOCK samples from `*next` into
   `out`, one after the other, and move `*next` past them: scratch carved
   from one allocation.  Main thread.
*/
static inline void
mx_carve_blocks(float** const next, float** const out, const unsigned count)
{
  for (unsigned k = 0U; k < count; ++k, *next += MX_DSP_MAX_BLOCK) {
    out[k] = *next;
  }
}

/**
   Build a function twice, for AVX2 and for the baseline (SSE2 on x86-64),
   and pick one when the program loads: a loop over a block the compiler
   vectorises then runs 8 floats at a time where the CPU can.  No FMA is
   enabled with it (and dsp/ builds with -ffp-contract=off), so both builds
   round every operation alike and a render on one machine gives the bits
   the live engine gives on another.  Clang (14) gives the dispatcher of a
   static function a global symbol (NAME.resolver): every function built
   so needs a name of its own across dsp/.
*/
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#  define MX_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#  define MX_SIMD_CLONES
#endif

/// Lowest and highest sample rates the processors are designed for, Hz.
#define MX_DSP_MIN_RATE 8000.0
#define MX_DSP_MAX_RATE 384000.0

/// Gain below which a level is treated as silence: -150 dBFS.
#define MX_DSP_SILENCE 3.1622776e-8f

/// Convert decibels to a linear amplitude factor: 10^(dB/20).
static inline float
mx_db_to_gain(const float db)
{
  return powf(10.0f, 0.05f * db);
}

/**
   Convert a linear amplitude to decibels: 20 log10(|g|).

   Returns -INFINITY for 0, as a meter would read silence.
*/
static inline float
mx_gain_to_db(const float gain)
{
  return 20.0f * log10f(fabsf(gain));
}

/// True if `rate` is a sample rate the processors support.
static inline bool
mx_rate_is_valid(const double rate)
{
  return rate >= MX_DSP_MIN_RATE && rate <= MX_DSP_MAX_RATE;
}

/**
   Validate a setting against its range, as every setter does first.

   Any thread.  A setter that accepts an infinity (a gain of -INFINITY, a
   ratio of +INFINITY) tests for it before calling this.

   @param value The value to check.
   @param lo Lowest valid value, inclusive.
   @param hi Highest valid value, inclusive.
   @return MX_ERR_BAD_ARG if `value` is NaN or infinite, MX_ERR_RANGE if it
   lies outside [`lo`, `hi`], otherwise MX_SUCCESS.
*/
static inline MxStatus
mx_check_range(const float value, const float lo, const float hi)
{
  if (!isfinite(value)) {
    return MX_ERR_BAD_ARG;
  }

  return (value < lo || value > hi) ? MX_ERR_RANGE : MX_SUCCESS;
}

/**
   Validate a sample rate, as the setters that take one do first.

   Any thread.  Kept in double, as rates are: a float would round a rate
   just outside the range onto its edge.

   @return MX_ERR_BAD_ARG if `rate` is NaN or infinite, MX_ERR_RANGE if
   mx_rate_is_valid() rejects it, otherwise MX_SUCCESS.
*/
static inline MxStatus
mx_check_rate(const double rate)
{
  if (!isfinite(rate)) {
    return MX_ERR_BAD_ARG;
  }

  return mx_rate_is_valid(rate) ? MX_SUCCESS : MX_ERR_RANGE;
}

#endif // MX_DSP_COMMON_H
