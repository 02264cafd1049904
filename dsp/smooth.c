// SPDX-License-Identifier: GPL-3.0-or-later

#include "smooth.h"

#include <math.h>

static uint32_t
ramp_length(const float ms, const double rate)
{
  const double n = floor((double)ms * 0.001 * rate + 0.5);
  return n < 1.0 ? 1U : (uint32_t)n;
}

void
mx_smooth_init(MxSmooth* const s, const float value, const float ms, const double rate)
{
  s->length = ramp_length(ms, rate);
  mx_smooth_jump(s, value);
}

void
mx_smooth_set_time(MxSmooth* const s, const float ms, const double rate)
{
  s->length = ramp_length(ms, rate);
  if (s->remaining > s->length) {
    s->remaining = s->length;
  }
}
