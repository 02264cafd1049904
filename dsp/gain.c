// SPDX-License-Identifier: GPL-3.0-or-later

#include "gain.h"

#include <assert.h>
#include <math.h>

static float
target_factor(const MxGain* const gain)
{
  if (gain->muted) {
    return 0.0f;
  }

  const float level = mx_db_to_gain(gain->gain_db); // 0 for -INFINITY
  return gain->invert ? -level : level;
}

void
mx_gain_init(MxGain* const gain, const double rate)
{
  gain->gain_db = 0.0f;
  gain->invert  = false;
  gain->muted   = false;
  mx_smooth_init(&gain->factor, 1.0f, MX_SMOOTH_DEFAULT_MS, rate);
}

MxStatus
mx_gain_set_db(MxGain* const gain, const float db)
{
  MxStatus st = MX_SUCCESS;
  if (db != -INFINITY) { // -INFINITY is valid: off
    TRY(st, mx_check_range(db, -INFINITY, MX_GAIN_MAX_DB));
  }

  gain->gain_db = db;
  mx_smooth_set_target(&gain->factor, target_factor(gain));
  return MX_SUCCESS;
}

void
mx_gain_set_invert(MxGain* const gain, const bool invert)
{
  gain->invert = invert;
  mx_smooth_set_target(&gain->factor, target_factor(gain));
}

void
mx_gain_set_mute(MxGain* const gain, const bool muted)
{
  gain->muted = muted;
  mx_smooth_set_target(&gain->factor, target_factor(gain));
}

// The block's work, AVX2 where the CPU has it (one multiply per sample
// either way: the same bits); static, as clang (14) emits the dispatcher of
// target_clones only for a function that does not leave its file
static MX_SIMD_CLONES void
gain_run(MxGain* const gain, float* const buf, const uint32_t n)
{

  MxSmooth* const f = &gain->factor;
  uint32_t        i = 0U;

  // Ramp sample by sample while moving
  for (; i < n && !mx_smooth_is_settled(f); ++i) {
    buf[i] *= mx_smooth_next(f);
  }

  // Then a constant factor the compiler can vectorise
  const float k = f->current;
  if (k == 1.0f) {
    return;
  }

  for (; i < n; ++i) {
    buf[i] *= k;
  }
}

void
mx_gain_process(MxGain* const gain, float* const buf, const uint32_t n)
{
  assert(n <= MX_DSP_MAX_BLOCK);
  gain_run(gain, buf, n);
}

void
mx_gain_process_channels(MxGain* const gain, float* const* ch, const unsigned nch, const uint32_t n)
{
  // Replay the ramp from where the block started for every channel
  const MxSmooth start = gain->factor;
  for (unsigned c = 0U; c < nch; ++c) {
    gain->factor = start;
    mx_gain_process(gain, ch[c], n);
  }
}

bool
mx_gain_is_constant(const MxGain* const gain, float* const factor)
{
  *factor = gain->factor.current;
  return mx_smooth_is_settled(&gain->factor);
}

void
mx_gain_reset(MxGain* const gain)
{
  mx_smooth_jump(&gain->factor, gain->factor.target);
}
