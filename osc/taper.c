// SPDX-License-Identifier: GPL-3.0-or-later

#include "taper.h"

#include <math.h>

/// The fader law: (norm, dB) at the ends of its four pieces, bottom first
static const struct {
  float norm;
  float db;
} law[] = { { 0.0f, -90.0f },
            { 0.0625f, -60.0f },
            { 0.25f, -30.0f },
            { 0.5f, -10.0f },
            { 1.0f, 10.0f } };

#define LAW_POINTS (sizeof(law) / sizeof(law[0]))

static float
clamp(const float x, const float lo, const float hi)
{
  return x < lo ? lo : x > hi ? hi : x;
}

bool
mx_taper_applies(const MxParam param)
{
  const MxParamInfo* const info = mx_param_info(param);
  return info && info->type == MX_PARAM_FLOAT;
}

static float
fader_to_norm(const float db)
{
  if (db <= law[0].db) {
    return 0.0f;
  }
  for (unsigned i = 1U; i < LAW_POINTS; ++i) {
    if (db <= law[i].db) {
      const float t = (db - law[i - 1U].db) / (law[i].db - law[i - 1U].db);
      return law[i - 1U].norm + t * (law[i].norm - law[i - 1U].norm);
    }
  }
  return 1.0f;
}

static float
fader_from_norm(const float norm)
{
  if (norm <= 0.0f) {
    return -INFINITY;
  }
  for (unsigned i = 1U; i < LAW_POINTS; ++i) {
    if (norm <= law[i].norm) {
      const float t = (norm - law[i - 1U].norm) / (law[i].norm - law[i - 1U].norm);
      return law[i - 1U].db + t * (law[i].db - law[i - 1U].db);
    }
  }
  return law[LAW_POINTS - 1U].db;
}

float
mx_taper_to_norm(const MxParam param, const float value)
{
  const MxParamInfo* const info = mx_param_info(param);
  if (!mx_taper_applies(param) || isnan(value)) {
    return 0.0f;
  }
  switch (info->taper) {
    case MX_TAPER_FADER:
      return clamp(fader_to_norm(fminf(value, info->max)), 0.0f, 1.0f);
    case MX_TAPER_LOG:
      return clamp(logf(clamp(value, info->min, info->max) / info->min) /
                     logf(info->max / info->min),
                   0.0f,
                   1.0f);
    case MX_TAPER_LINEAR:
      break;
  }
  return clamp((value - info->min) / (info->max - info->min), 0.0f, 1.0f);
}

float
mx_taper_from_norm(const MxParam param, const float norm)
{
  const MxParamInfo* const info = mx_param_info(param);
  const float              n    = isnan(norm) ? 0.0f : clamp(norm, 0.0f, 1.0f);
  if (!mx_taper_applies(param)) {
    return info ? info->def : 0.0f;
  }
  switch (info->taper) {
    case MX_TAPER_FADER: {
      const float db = fader_from_norm(n);
      return db == -INFINITY ? db : clamp(db, info->min, info->max);
    }
    case MX_TAPER_LOG:
      return clamp(info->min * expf(n * logf(info->max / info->min)), info->min, info->max);
    case MX_TAPER_LINEAR:
      break;
  }
  return clamp(info->min + n * (info->max - info->min), info->min, info->max);
}
