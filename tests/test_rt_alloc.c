// SPDX-License-Identifier: GPL-3.0-or-later

// Realtime safety: every processor's process, setter and meter-read
// functions run under a counting allocator that must see zero heap calls
// after construction.  Parameters change mid-run so that ramps, crossfades
// and coefficient redesigns are exercised too.

#include "alloc_guard.h"
#include "biquad.h"
#include "compressor.h"
#include "dc_blocker.h"
#include "engine.h"
#include "delay.h"
#include "denormal.h"
#include "gain.h"
#include "gate.h"
#include "limiter.h"
#include "loudness.h"
#include "meter_peak.h"
#include "meter_rms.h"
#include "pan.h"
#include "ring.h"
#include "strip.h"
#include "strip_eq.h"
#include "testutil.h"
#include "true_peak.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 256, BLOCKS = 200, RATE = 48000 };

static float        left[BLOCK];
static float        right[BLOCK];
static float        out_l[BLOCK];
static float        out_r[BLOCK];
static float* const stereo[2] = { left, right };

// Fill both channels with the next block of hot noise
static void
next_block(const unsigned b)
{
  mxt_noise(left, BLOCK, 1.5, 1U + b);
  mxt_noise(right, BLOCK, 1.5, 1000U + b);
}

START_TEST(guard_counts_heap_calls)
{
  // The proof is only as good as the guard: it must see a malloc
  mxt_alloc_guard_arm();
  void* volatile p = malloc(16);
  free(p);
  ck_assert_uint_eq(mxt_alloc_guard_disarm(), 2U);
}
END_TEST

START_TEST(small_processors)
{
  MxGain             gain;
  MxPan              pan;
  MxBalance          balance;
  MxWidth            width;
  MxDcBlocker        dc;
  MxMeterPeak        peak;
  MxMeterGr          gr;
  MxBiquadCoeffs     coeffs[MX_BIQUAD_MAX_SECTIONS];
  MxBiquadState      states[MX_BIQUAD_MAX_SECTIONS] = { { 0, 0 }, { 0, 0 } };
  unsigned           sections                       = 0U;
  MxMeterPeakReading reading;

  mx_gain_init(&gain, RATE);
  mx_pan_init(&pan, RATE);
  mx_balance_init(&balance, RATE);
  mx_width_init(&width, RATE);
  mx_dc_blocker_init(&dc, 2U, RATE);
  mx_meter_peak_init(&peak, RATE);
  mx_meter_gr_init(&gr);

  mxt_alloc_guard_arm();
  for (unsigned b = 0U; b < BLOCKS; ++b) {
    next_block(b);
    if (b % 20U == 0U) {
      mx_gain_set_db(&gain, -(float)(b % 40U));
      mx_gain_set_mute(&gain, b % 60U == 0U);
      mx_pan_set_position(&pan, (float)(b % 3U) - 1.0f);
      mx_balance_set_position(&balance, 0.5f - (float)(b % 2U));
      mx_width_set_amount(&width, (float)(b % 3U));
      mx_dc_blocker_set_cutoff_hz(&dc, 5.0f + (float)(b % 30U));
      mx_biquad_design_pass(coeffs, &sections, b % 2U, MX_SLOPE_24_BUTTERWORTH, 100.0 + b, RATE);
    }
    mx_gain_process(&gain, left, BLOCK);
    mx_gain_process_channels(&gain, stereo, 2U, BLOCK);
    mx_biquad_process_cascade(coeffs, states, sections, left, BLOCK);
    mx_dc_blocker_process(&dc, stereo, BLOCK);
    mx_width_process(&width, left, right, BLOCK);
    mx_balance_process(&balance, left, right, BLOCK);
    mx_pan_process(&pan, left, out_l, out_r, BLOCK);
    mx_meter_peak_process(&peak, out_l, BLOCK);
    mx_meter_peak_read_reset(&peak, &reading);
    mx_meter_gr_feed_db(&gr, 3.0f);
    mx_meter_gr_read_reset(&gr);
  }
  ck_assert_uint_eq(mxt_alloc_guard_disarm(), 0U);
}
END_TEST

START_TEST(heap_processors)
{
  MxDelay* const    delay = mx_delay_new(2U, 100.0f, RATE);
  MxMeterRms* const rms   = mx_meter_rms_new(RATE, 3000.0f);
  MxLimiter* const  lim   = mx_limiter_new(2U, RATE, MX_LIMITER_DEFAULT_LOOKAHEAD_MS);
  MxLoudness* const loud  = mx_loudness_new(2U, RATE);
  MxTruePeakMeter   tp;
  ck_assert(delay && rms && lim && loud);
  mx_true_peak_meter_init(&tp, 2U);

  MxMeterRmsReading  rms_reading;
  MxLoudnessReading  loud_reading;
  MxTruePeakReading  tp_reading;
  const float* const in[2] = { left, right };

  mxt_alloc_guard_arm();
  for (unsigned b = 0U; b < BLOCKS * 4U; ++b) { // > 3 s, so loudness gates
    next_block(b);
    if (b % 20U == 0U) {
      mx_delay_set_samples(delay, b % 1000U);
      mx_meter_rms_set_window_ms(rms, 50.0f + (float)b);
      mx_limiter_set_ceiling_db(lim, -1.0f - (float)(b % 3U));
      mx_limiter_set_release_ms(lim, 20.0f + (float)(b % 100U));
      mx_limiter_set_enabled(lim, b % 400U != 0U);
    }
    mx_delay_process(delay, stereo, BLOCK);
    mx_meter_rms_process(rms, left, BLOCK);
    mx_meter_rms_read_reset(rms, &rms_reading);
    mx_limiter_process(lim, stereo, BLOCK);
    mx_limiter_read_reset_max_reduction_db(lim);
    mx_true_peak_meter_process(&tp, in, BLOCK);
    mx_true_peak_meter_read_reset(&tp, &tp_reading);
    mx_loudness_process(loud, in, BLOCK);
    mx_loudness_read(loud, &loud_reading);
  }
  ck_assert_uint_eq(mxt_alloc_guard_disarm(), 0U);

  mx_loudness_free(loud);
  mx_limiter_free(lim);
  mx_meter_rms_free(rms);
  mx_delay_free(delay);
}
END_TEST

START_TEST(ring_messages)
{
  // Both ends of a command ring, wrapping many times round a small buffer
  MxRing* const ring = mx_ring_new(1024U);
  ck_assert_ptr_nonnull(ring);
  const char payload[100] = "set gain";
  char       body[100];
  uint32_t   type  = 0U;
  uint32_t   size  = 0U;
  unsigned   moved = 0U;

  mxt_alloc_guard_arm();
  for (unsigned b = 0U; b < BLOCKS * 10U; ++b) {
    const uint32_t n = b % 100U;
    moved += mx_ring_write(ring, b, payload, n) == MX_SUCCESS;
    moved += mx_ring_write2(ring, b, payload, n / 2U, payload, n - n / 2U) == MX_SUCCESS;
    moved += mx_ring_write_space(ring) > 0U;
    const uint32_t end = mx_ring_snapshot(ring);
    moved += mx_ring_read_space(ring) > 0U;
    moved += mx_ring_peek(ring, &type, &size) == MX_SUCCESS;
    moved += mx_ring_read(ring, &type, body, 1U, &size) == MX_ERR_RANGE;
    moved += mx_ring_read_until(ring, end, &type, body, sizeof(body), &size) == MX_SUCCESS;
    moved += mx_ring_skip(ring) == MX_SUCCESS;
  }
  ck_assert_uint_eq(mxt_alloc_guard_disarm(), 0U);
  ck_assert_uint_gt(moved, BLOCKS * 10U * 6U); // The calls did work

  mx_ring_free(ring);
}
END_TEST

static const unsigned strip_channels[] = { 1U, 2U };

START_TEST(full_strip)
{
  const unsigned nch   = strip_channels[_i];
  MxStrip* const strip = mx_strip_new(nch, RATE);
  ck_assert_ptr_nonnull(strip);

  MxStripEq* const    eq    = mx_strip_eq(strip);
  MxGate* const       gate  = mx_strip_gate(strip);
  MxCompressor* const comp  = mx_strip_compressor(strip);
  const float* const  in[2] = { left, right };
  MxStripMeters       meters;

  mxt_alloc_guard_arm();
  for (unsigned b = 0U; b < BLOCKS; ++b) {
    next_block(b);
    if (b % 10U == 0U) {
      // Everything a console surface can move, while audio runs
      mx_strip_eq_set_hpf_enabled(eq, b % 20U == 0U);
      mx_strip_eq_set_hpf_freq_hz(eq, 40.0f + (float)b);
      mx_strip_eq_set_hpf_slope(eq, (MxBiquadSlope)(b % MX_SLOPE_N));
      mx_strip_eq_set_lpf_enabled(eq, b % 30U == 0U);
      for (unsigned band = 0U; band < 4U; ++band) {
        mx_strip_eq_set_band_type(eq, band, (MxBiquadType)((b + band) % MX_BIQUAD_N_TYPES));
        mx_strip_eq_set_band_gain_db(eq, band, (float)(b % 25U) - 12.0f);
        mx_strip_eq_set_band_freq_hz(eq, band, 100.0f * (float)(band + 1U) + (float)b);
        mx_strip_eq_set_band_q(eq, band, 0.5f + (float)(b % 4U));
      }
      mx_gate_set_enabled(gate, b % 20U != 0U);
      mx_gate_set_threshold_db(gate, -40.0f + (float)(b % 30U));
      mx_compressor_set_enabled(comp, b % 30U != 0U);
      mx_compressor_set_threshold_db(comp, -30.0f + (float)(b % 20U));
      mx_compressor_set_detect(comp, (MxDetect)(b % MX_DETECT_N));
      mx_compressor_set_hpf(comp, b % 20U == 0U);
      mx_compressor_set_auto_makeup(comp, b % 40U == 0U);
      mx_strip_set_fader_db(strip, -(float)(b % 20U));
      mx_strip_set_trim_db(strip, (float)(b % 7U) - 3.0f);
      mx_strip_set_invert(strip, b % 40U == 0U);
      mx_delay_set_samples(mx_strip_delay(strip), b % 50U);
      mx_strip_set_eq_after_comp(strip, b % 20U == 0U);
      mx_strip_set_mute(strip, b % 60U == 0U);
      if (b % 70U == 0U) {
        mx_strip_reset(strip);
      }
      if (nch == 1U) {
        mx_pan_set_position(mx_strip_pan(strip), (float)(b % 3U) - 1.0f);
      } else {
        mx_balance_set_position(mx_strip_balance(strip), (float)(b % 3U) - 1.0f);
        mx_width_set_amount(mx_strip_width(strip), (float)(b % 3U));
      }
    }
    mx_strip_process(strip, in, out_l, out_r, BLOCK);
    mx_strip_read_meters(strip, &meters);
  }
  ck_assert_uint_eq(mxt_alloc_guard_disarm(), 0U);

  mx_strip_free(strip);
}
END_TEST

static MxNode
node(const MxNodeKind kind, const uint32_t index)
{
  const MxNode n = { kind, index };
  return n;
}

// The whole engine: the main thread changes the mix between periods,
// topology included; only mx_engine_process() runs under the guard
START_TEST(engine_process)
{
  MxEngineConfig config  = mx_engine_config_default();
  config.max_block       = BLOCK;
  config.limits.strips   = 8U;
  config.limits.buses    = 4U;
  MxEngine* const engine = mx_engine_new(&config);
  ck_assert_ptr_nonnull(engine);
  ck_assert_int_eq(mx_engine_add_strip(engine, "vox", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_strip(engine, "keys", 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_strip(engine, "kick", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_bus(engine, "wedge", MX_BUS_AUX, 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_bus(engine, "fx", MX_BUS_AUX, 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_bus(engine, "drums", MX_BUS_GROUP, 2U, NULL), MX_SUCCESS);
  const MxNode master  = node(MX_NODE_MASTER, 0U);
  const MxNode monitor = node(MX_NODE_MONITOR, 0U);

  MxEngineInput inputs[8];
  memset(inputs, 0, sizeof(inputs));
  for (unsigned s = 0U; s < 8U; ++s) {
    inputs[s].ch[0] = left;
    inputs[s].ch[1] = right;
  }
  MxEngineIo io;
  memset(&io, 0, sizeof(io));
  io.strips       = inputs;
  io.master.ch[0] = out_l;
  io.master.ch[1] = out_r;

  size_t heap_calls = 0U;
  for (unsigned b = 0U; b < BLOCKS; ++b) {
    next_block(b);
    if (b % 10U == 0U) {
      // A surface moving everything, solo modes, VCAs, routing, limiters
      const uint32_t n = mx_model_count(mx_engine_model(engine), MX_NODE_STRIP);
      for (uint32_t s = 0U; s < n; ++s) {
        mx_engine_set(engine, node(MX_NODE_STRIP, s), MX_P_FADER, 0U, -(float)(b % 20U));
        mx_engine_set(engine, node(MX_NODE_STRIP, s), MX_P_EQ_BAND_GAIN, 1U, (float)(b % 13U));
        mx_engine_set(engine, node(MX_NODE_STRIP, s), MX_P_COMP_ON, 0U, (float)(b % 20U == 0U));
        mx_engine_set(engine, node(MX_NODE_STRIP, s), MX_P_SEND_LEVEL, 0U, -(float)(b % 9U));
        mx_engine_set(engine, node(MX_NODE_STRIP, s), MX_P_SEND_TAP, 1U, (float)(b / 10U % 3U));
        mx_engine_set(engine, node(MX_NODE_STRIP, s), MX_P_SEND_LEVEL, 1U, -3.0f);
        mx_engine_set(engine, node(MX_NODE_STRIP, s), MX_P_ROUTE, 2U, (float)(b / 10U % 2U));
        mx_engine_set(
          engine, node(MX_NODE_STRIP, s), MX_P_SOLO, 0U, (float)(b % 30U == 0U && s == 0U));
        mx_engine_set(engine, node(MX_NODE_STRIP, s), MX_P_VCA, 0U, 1.0f);
      }
      mx_engine_set(engine, node(MX_NODE_VCA, 0U), MX_P_FADER, 0U, -(float)(b % 7U));
      mx_engine_set(engine, node(MX_NODE_BUS, 2U), MX_P_LIMITER_ON, 0U, (float)(b / 10U % 2U));
      mx_engine_set(engine, master, MX_P_LIMITER_ON, 0U, (float)(b / 20U % 2U));
      mx_engine_set(engine, monitor, MX_P_MONITOR_MODE, 0U, (float)(b / 10U % 3U));
      if (b == 50U) {
        mx_engine_remove(engine, node(MX_NODE_STRIP, 2U));
      }
      if (b == 100U) {
        mx_engine_add_strip(engine, "snare", 1U, NULL);
      }
      if (b == 150U) {
        mx_engine_settle(engine);
      }
    }
    mx_engine_flush(engine);

    mxt_alloc_guard_arm();
    mx_engine_process(engine, &io, BLOCK);
    heap_calls += mxt_alloc_guard_disarm();
  }
  ck_assert_uint_eq(heap_calls, 0U);

  // The changes did happen: the removal went all the way through
  ck_assert_int_eq(mx_model_slot_state(mx_engine_model(engine), MX_NODE_STRIP, 2U), MX_SLOT_USED);
  ck_assert_str_eq(mx_model_name(mx_engine_model(engine), node(MX_NODE_STRIP, 2U)), "snare");
  mx_engine_free(engine);
}
END_TEST

static Suite*
rt_alloc_suite(void)
{
  Suite* const s = suite_create("rt_alloc");

  TCase* const guard = tcase_create("guard");
  tcase_add_test(guard, guard_counts_heap_calls);
  suite_add_tcase(s, guard);

  TCase* const procs = tcase_create("processors");
  tcase_set_timeout(procs, 30);
  tcase_add_test(procs, small_processors);
  tcase_add_test(procs, heap_processors);
  tcase_add_test(procs, ring_messages);
  tcase_add_loop_test(procs, full_strip, 0, 2);
  tcase_add_test(procs, engine_process);
  suite_add_tcase(s, procs);
  return s;
}

int
main(void)
{
  mx_denormal_disable(NULL);
  return mxt_run_suite(rt_alloc_suite());
}
