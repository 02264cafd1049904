// SPDX-License-Identifier: GPL-3.0-or-later

#include "osc_mix.h"

#include <stddef.h>

const MxLimits mxt_osc_limits = { 6U, 6U, 2U, 2U };

static const struct {
  const char* name;
  unsigned    channels;
} strips[] = { { "vox", 1U }, { "keys", 2U }, { "gtr", 1U } };

static const struct {
  const char* name;
  MxBusKind   kind;
  unsigned    channels;
} buses[] = {
  { "rev", MX_BUS_AUX, 2U },
  { "dly", MX_BUS_AUX, 1U },
  { "drums", MX_BUS_GROUP, 2U },
  { "sub", MX_BUS_GROUP, 1U },
};

MxEngine*
mxt_osc_mix_new(const double rate, const uint32_t block)
{
  MxEngineConfig config  = mx_engine_config_default();
  config.rate            = rate;
  config.limits          = mxt_osc_limits;
  MxEngine* const engine = mx_engine_new(&config);
  if (!engine) {
    return NULL;
  }
  MxStatus st = MX_SUCCESS;
  for (size_t i = 0U; !st && i < sizeof(strips) / sizeof(strips[0]); ++i) {
    st = mx_engine_add_strip(engine, strips[i].name, strips[i].channels, NULL);
  }
  for (size_t i = 0U; !st && i < sizeof(buses) / sizeof(buses[0]); ++i) {
    st = mx_engine_add_bus(engine, buses[i].name, buses[i].kind, buses[i].channels, NULL);
  }
  if (st || mx_engine_settle(engine)) {
    mx_engine_free(engine);
    return NULL;
  }

  // One period applies what was queued, so the mix starts on its settings
  mx_engine_process(engine, NULL, block);
  mx_engine_flush(engine);
  return engine;
}
