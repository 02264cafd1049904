// SPDX-License-Identifier: GPL-3.0-or-later

// The mixing engine end to end: known signals in, exact sums out.  Where
// the engine promises bit-exact results (neutral paths, settled unity
// gains), the expected output is computed with the same float operations
// in the same order; elsewhere the tolerance comes from the formula.

#include "engine.h"
#include "pan.h"
#include "testutil.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RATE = 48000, BLOCK = 256, LEN = 64 * BLOCK, STRIPS = 8, BUSES = 8 };

static float in[STRIPS][2][LEN];     ///< Inputs, by strip slot
static float master[2][LEN];         ///< Master out
static float monitor[2][LEN];        ///< Monitor out
static float bus_out[BUSES][2][LEN]; ///< Bus outputs, by bus slot
static float ref[2][LEN];            ///< Expected output

static const MxNode MASTER  = { MX_NODE_MASTER, 0U };
static const MxNode MONITOR = { MX_NODE_MONITOR, 0U };

static MxNode
strip(const uint32_t i)
{
  const MxNode n = { MX_NODE_STRIP, i };
  return n;
}

static MxNode
bus(const uint32_t i)
{
  const MxNode n = { MX_NODE_BUS, i };
  return n;
}

static MxNode
vca(const uint32_t i)
{
  const MxNode n = { MX_NODE_VCA, i };
  return n;
}

static MxEngine*
make_engine(void)
{
  MxEngineConfig config  = mx_engine_config_default();
  config.rate            = RATE;
  config.max_block       = BLOCK;
  config.limits.strips   = STRIPS;
  config.limits.buses    = BUSES;
  MxEngine* const engine = mx_engine_new(&config);
  ck_assert_ptr_nonnull(engine);
  memset(master, 0, sizeof(master));
  memset(monitor, 0, sizeof(monitor));
  memset(bus_out, 0, sizeof(bus_out));
  return engine;
}

static void
set(MxEngine* const engine,
    const MxNode    node,
    const MxParam   param,
    const uint32_t  sub,
    const float     v)
{
  ck_assert_int_eq(mx_engine_set(engine, node, param, sub, v), MX_SUCCESS);
}

static uint32_t
add_strip(MxEngine* const engine, const char* const name, const unsigned channels)
{
  uint32_t index = 0U;
  ck_assert_int_eq(mx_engine_add_strip(engine, name, channels, &index), MX_SUCCESS);
  return index;
}

static uint32_t
add_bus(MxEngine* const   engine,
        const char* const name,
        const MxBusKind   kind,
        const unsigned    channels)
{
  uint32_t index = 0U;
  ck_assert_int_eq(mx_engine_add_bus(engine, name, kind, channels, &index), MX_SUCCESS);
  return index;
}

// Run frames [from, to) in blocks, inputs and outputs by slot, flushing
// after every period as a host's main loop would
static void
run_range(MxEngine* const engine, const size_t from, const size_t to)
{
  MxEngineInput  inputs[STRIPS];
  MxEngineOutput buses[BUSES];
  for (size_t pos = from; pos < to; pos += BLOCK) {
    const uint32_t n = (uint32_t)(to - pos < BLOCK ? to - pos : BLOCK);
    for (unsigned s = 0U; s < STRIPS; ++s) {
      inputs[s].ch[0] = in[s][0] + pos;
      inputs[s].ch[1] = in[s][1] + pos;
    }
    for (unsigned b = 0U; b < BUSES; ++b) {
      buses[b].ch[0] = bus_out[b][0] + pos;
      buses[b].ch[1] = bus_out[b][1] + pos;
    }
    MxEngineIo io;
    memset(&io, 0, sizeof(io));
    io.strips        = inputs;
    io.buses         = buses;
    io.master.ch[0]  = master[0] + pos;
    io.master.ch[1]  = master[1] + pos;
    io.monitor.ch[0] = monitor[0] + pos;
    io.monitor.ch[1] = monitor[1] + pos;
    mx_engine_process(engine, &io, n);
    mx_engine_flush(engine);
  }
}

static void
run(MxEngine* const engine)
{
  run_range(engine, 0U, LEN);
}

// Settle (no glides), then run the whole length
static void
settle_and_run(MxEngine* const engine)
{
  ck_assert_int_eq(mx_engine_settle(engine), MX_SUCCESS);
  run(engine);
}

static void
noise_into(const unsigned slot, const double amp)
{
  mxt_noise(in[slot][0], LEN, amp, 100U + 2U * slot);
  mxt_noise(in[slot][1], LEN, amp, 101U + 2U * slot);
}

static void
assert_silent(const float* const x, const size_t n)
{
  ck_assert_uint_eq(mxt_first_not(x, 0.0f, n), n);
}

// ---------------------------------------------------------------------------
// Sums

START_TEST(empty_engine_is_silent)
{
  MxEngine* const engine = make_engine();
  mxt_fill(master[0], LEN, 1.0f);
  mxt_fill(monitor[1], LEN, 1.0f);
  run(engine);
  assert_silent(master[0], LEN);
  assert_silent(master[1], LEN);
  assert_silent(monitor[1], LEN);
  ck_assert_uint_eq(mx_engine_latency(engine), 0U);
  mx_engine_free(engine);
}
END_TEST

START_TEST(stereo_strips_sum_exactly)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  add_strip(engine, "b", 2U);
  add_strip(engine, "c", 2U);
  noise_into(0U, 0.3);
  noise_into(1U, 0.3);
  noise_into(2U, 0.3);
  settle_and_run(engine);

  // Neutral strips, edges and master add nothing of their own: the sum in slot order
  for (unsigned c = 0U; c < 2U; ++c) {
    for (size_t i = 0U; i < LEN; ++i) {
      ref[c][i] = in[0][c][i] + in[1][c][i] + in[2][c][i];
    }
    mxt_assert_same_samples(master[c], ref[c], LEN);
    mxt_assert_same_samples(monitor[c], master[c], LEN); // No solo: the monitor is the master
  }
  mx_engine_free(engine);
}
END_TEST

START_TEST(mono_strip_is_panned_by_the_law)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "vox", 1U);
  set(engine, strip(0U), MX_P_PAN, 0U, -0.5f);
  mxt_sine(in[0][0], LEN, 440.0, RATE, 0.5, 0.0);
  settle_and_run(engine);

  float l = 0.0f;
  float r = 0.0f;
  mx_pan_law_gains(MX_PAN_LAW_3DB, -0.5f, &l, &r);
  for (size_t i = 0U; i < LEN; ++i) {
    ref[0][i] = in[0][0][i] * l;
    ref[1][i] = in[0][0][i] * r;
  }
  mxt_assert_same_samples(master[0], ref[0], LEN);
  mxt_assert_same_samples(master[1], ref[1], LEN);
  mx_engine_free(engine);
}
END_TEST

// Trim, fader and master fader each multiply by 10^(dB/20)
START_TEST(trim_fader_and_master_fader_multiply)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  set(engine, strip(0U), MX_P_TRIM, 0U, 6.0f);
  set(engine, strip(0U), MX_P_FADER, 0U, -10.0f);
  set(engine, MASTER, MX_P_FADER, 0U, -3.0f);
  noise_into(0U, 0.2);
  settle_and_run(engine);

  const float trim  = mx_db_to_gain(6.0f);
  const float fader = mx_db_to_gain(-10.0f);
  const float out   = mx_db_to_gain(-3.0f);
  for (unsigned c = 0U; c < 2U; ++c) {
    for (size_t i = 0U; i < LEN; ++i) {
      ref[c][i] = ((in[0][c][i] * trim) * fader) * out;
    }
    mxt_assert_same_samples(master[c], ref[c], LEN);
  }
  mx_engine_free(engine);
}
END_TEST

// ---------------------------------------------------------------------------
// Sends and routing

static const MxSendTap taps[] = { MX_SEND_PRE_EQ, MX_SEND_PRE_FADER, MX_SEND_POST_FADER };

START_TEST(sends_take_their_tap)
{
  const MxSendTap tap    = taps[_i];
  MxEngine* const engine = make_engine();
  add_strip(engine, "vox", 1U);
  add_bus(engine, "wedge", MX_BUS_AUX, 1U);
  set(engine, strip(0U), MX_P_TRIM, 0U, 4.0f);
  set(engine, strip(0U), MX_P_EQ_BAND_GAIN, 1U, 6.0f); // Band 2: +6 dB at 500 Hz
  set(engine, strip(0U), MX_P_FADER, 0U, -20.0f);
  set(engine, strip(0U), MX_P_SEND_LEVEL, 0U, -6.0f);
  set(engine, strip(0U), MX_P_SEND_TAP, 0U, (float)tap);
  mxt_sine(in[0][0], LEN, 500.0, RATE, 0.1, 0.0);
  settle_and_run(engine);

  // At 500 Hz the band adds its full 6 dB; the fader only counts post-fader
  const double expect = mxt_db(0.1) + 4.0 - 6.0 + (tap != MX_SEND_PRE_EQ ? 6.0 : 0.0) +
                        (tap == MX_SEND_POST_FADER ? -20.0 : 0.0);
  const double got = mxt_db(mxt_tone_amplitude(bus_out[0][0] + LEN / 2, LEN / 2, 500.0, RATE));
  ck_assert_double_eq_tol(got, expect, 0.02);

  // An aux bus is not routed to the master: only the strip's own path is there
  const double direct = mxt_db(mxt_tone_amplitude(master[0] + LEN / 2, LEN / 2, 500.0, RATE));
  ck_assert_double_eq_tol(direct, mxt_db(0.1) + 4.0 + 6.0 - 20.0 - 3.0103, 0.02);
  mx_engine_free(engine);
}
END_TEST

START_TEST(pre_fader_send_is_exact)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "vox", 1U);
  add_bus(engine, "wedge", MX_BUS_AUX, 1U);
  set(engine, strip(0U), MX_P_FADER, 0U, -20.0f);
  set(engine, strip(0U), MX_P_SEND_LEVEL, 0U, -6.0f);
  set(engine, strip(0U), MX_P_SEND_TAP, 0U, (float)MX_SEND_PRE_FADER);
  mxt_noise(in[0][0], LEN, 0.3, 5U);
  settle_and_run(engine);

  // Mono into a mono bus: one multiply by the send gain, the bus neutral
  const float g = mx_db_to_gain(-6.0f);
  for (size_t i = 0U; i < LEN; ++i) {
    ref[0][i] = g * in[0][0][i];
  }
  mxt_assert_same_samples(bus_out[0][0], ref[0], LEN);
  mx_engine_free(engine);
}
END_TEST

START_TEST(send_pan_into_a_stereo_bus)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "vox", 1U);
  add_bus(engine, "fx", MX_BUS_AUX, 2U);
  set(engine, strip(0U), MX_P_SEND_LEVEL, 0U, 0.0f);
  set(engine, strip(0U), MX_P_SEND_PAN, 0U, 0.6f);
  mxt_noise(in[0][0], LEN, 0.3, 6U);
  settle_and_run(engine);

  float l = 0.0f;
  float r = 0.0f;
  mx_pan_law_gains(MX_PAN_LAW_3DB, 0.6f, &l, &r);
  for (size_t i = 0U; i < LEN; ++i) {
    ref[0][i] = l * in[0][0][i];
    ref[1][i] = r * in[0][0][i];
  }
  mxt_assert_same_samples(bus_out[0][0], ref[0], LEN);
  mxt_assert_same_samples(bus_out[0][1], ref[1], LEN);
  mx_engine_free(engine);
}
END_TEST

START_TEST(subgroup_sums_then_scales)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  add_strip(engine, "b", 2U);
  add_bus(engine, "drums", MX_BUS_GROUP, 2U);
  for (uint32_t s = 0U; s < 2U; ++s) {
    set(engine, strip(s), MX_P_ROUTE, 0U, 1.0f);
    set(engine, strip(s), MX_P_ROUTE_MASTER, 0U, 0.0f);
  }
  set(engine, bus(0U), MX_P_FADER, 0U, -6.0f);
  noise_into(0U, 0.3);
  noise_into(1U, 0.3);
  settle_and_run(engine);

  const float g = mx_db_to_gain(-6.0f);
  for (unsigned c = 0U; c < 2U; ++c) {
    for (size_t i = 0U; i < LEN; ++i) {
      ref[c][i] = (in[0][c][i] + in[1][c][i]) * g;
    }
    mxt_assert_same_samples(bus_out[0][c], ref[c], LEN);
    mxt_assert_same_samples(master[c], ref[c], LEN);
  }
  mx_engine_free(engine);
}
END_TEST

// aux -> processing (group) bus -> master, the FX-return chain
START_TEST(fx_return_chain_reaches_the_master)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "vox", 2U);
  add_bus(engine, "send", MX_BUS_AUX, 2U);
  add_bus(engine, "ret", MX_BUS_GROUP, 2U);
  set(engine, strip(0U), MX_P_ROUTE_MASTER, 0U, 0.0f);
  set(engine, strip(0U), MX_P_SEND_LEVEL, 0U, 0.0f);
  set(engine, bus(0U), MX_P_ROUTE, 1U, 1.0f);
  noise_into(0U, 0.3);
  settle_and_run(engine);
  for (unsigned c = 0U; c < 2U; ++c) {
    mxt_assert_same_samples(master[c], in[0][c], LEN);
  }
  mx_engine_free(engine);
}
END_TEST

START_TEST(routing_loops_are_refused)
{
  MxEngine* const engine = make_engine();
  add_bus(engine, "g1", MX_BUS_GROUP, 2U);
  add_bus(engine, "g2", MX_BUS_GROUP, 2U);
  add_bus(engine, "g3", MX_BUS_GROUP, 2U);
  set(engine, bus(0U), MX_P_ROUTE, 1U, 1.0f);
  set(engine, bus(1U), MX_P_ROUTE, 2U, 1.0f);
  ck_assert_int_eq(mx_engine_set(engine, bus(2U), MX_P_ROUTE, 0U, 1.0f), MX_ERR_CYCLE);
  ck_assert_int_eq(mx_engine_set(engine, bus(1U), MX_P_ROUTE, 0U, 1.0f), MX_ERR_CYCLE);

  float v = 1.0f;
  ck_assert_int_eq(mx_model_get(mx_engine_model(engine), bus(2U), MX_P_ROUTE, 0U, &v), MX_SUCCESS);
  ck_assert_float_eq(v, 0.0f);
  ck_assert_int_eq(mx_model_get(mx_engine_model(engine), bus(1U), MX_P_ROUTE, 0U, &v), MX_SUCCESS);
  ck_assert_float_eq(v, 0.0f);
  mx_engine_free(engine);
}
END_TEST

// ---------------------------------------------------------------------------
// Mute, solo, VCAs, mute groups

START_TEST(mute_silences_output_and_sends)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  add_bus(engine, "wedge", MX_BUS_AUX, 2U);
  set(engine, strip(0U), MX_P_SEND_LEVEL, 0U, 0.0f);
  set(engine, strip(0U), MX_P_SEND_TAP, 0U, (float)MX_SEND_PRE_FADER);
  set(engine, strip(0U), MX_P_MUTE, 0U, 1.0f);
  noise_into(0U, 0.3);
  settle_and_run(engine);
  for (unsigned c = 0U; c < 2U; ++c) {
    assert_silent(master[c], LEN);
    assert_silent(bus_out[0][c], LEN);
  }

  // Unmuted, it glides back without a click
  set(engine, strip(0U), MX_P_MUTE, 0U, 0.0f);
  mxt_sine(in[0][0], LEN, 100.0, RATE, 0.5, 0.0);
  run(engine);
  const double ramp = 0.5 / mxt_ramp_samples(RATE) + 2.0 * M_PI * 100.0 / RATE * 0.5;
  ck_assert_double_le(mxt_max_step(master[0], LEN), ramp * 1.01);
  mxt_assert_same_samples(master[0] + LEN / 2, in[0][0] + LEN / 2, LEN / 2);
  mx_engine_free(engine);
}
END_TEST

// Strip a soloed: b is muted; the FX return (solo-safe) keeps a's send only
START_TEST(solo_in_place_keeps_solo_safe_returns)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  add_strip(engine, "b", 2U);
  add_bus(engine, "fx", MX_BUS_AUX, 2U);
  set(engine, bus(0U), MX_P_ROUTE_MASTER, 0U, 1.0f);
  set(engine, bus(0U), MX_P_SOLO_SAFE, 0U, 1.0f);
  set(engine, strip(0U), MX_P_SEND_LEVEL, 0U, 0.0f);
  set(engine, strip(1U), MX_P_SEND_LEVEL, 0U, 0.0f);
  set(engine, strip(0U), MX_P_SOLO, 0U, 1.0f);
  noise_into(0U, 0.3);
  noise_into(1U, 0.3);
  settle_and_run(engine);

  for (unsigned c = 0U; c < 2U; ++c) {
    for (size_t i = 0U; i < LEN; ++i) {
      ref[c][i] = in[0][c][i] + in[0][c][i]; // Direct, then the return
    }
    mxt_assert_same_samples(master[c], ref[c], LEN);
  }

  // Solo never touches the stored mute
  float muted = 1.0f;
  ck_assert_int_eq(mx_model_get(mx_engine_model(engine), strip(1U), MX_P_MUTE, 0U, &muted),
                   MX_SUCCESS);
  ck_assert_float_eq(muted, 0.0f);

  // Without the solo, b is back
  set(engine, strip(0U), MX_P_SOLO, 0U, 0.0f);
  settle_and_run(engine);
  for (unsigned c = 0U; c < 2U; ++c) {
    for (size_t i = 0U; i < LEN; ++i) {
      ref[c][i] = (in[0][c][i] + in[1][c][i]) + (in[0][c][i] + in[1][c][i]);
    }
    mxt_assert_same_samples(master[c], ref[c], LEN);
  }
  mx_engine_free(engine);
}
END_TEST

// Soloing a group bus keeps the strips that feed it; soloing a member keeps the bus
START_TEST(solo_in_place_follows_routing)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "kick", 2U);
  add_strip(engine, "vox", 2U);
  add_bus(engine, "drums", MX_BUS_GROUP, 2U);
  set(engine, strip(0U), MX_P_ROUTE, 0U, 1.0f);
  set(engine, strip(0U), MX_P_ROUTE_MASTER, 0U, 0.0f);
  noise_into(0U, 0.3);
  noise_into(1U, 0.3);

  for (unsigned which = 0U; which < 2U; ++which) {
    const MxNode soloed = which == 0U ? bus(0U) : strip(0U);
    set(engine, soloed, MX_P_SOLO, 0U, 1.0f);
    settle_and_run(engine);
    for (unsigned c = 0U; c < 2U; ++c) {
      mxt_assert_same_samples(master[c], in[0][c], LEN); // kick through drums; vox muted
    }
    set(engine, soloed, MX_P_SOLO, 0U, 0.0f);
  }
  mx_engine_free(engine);
}
END_TEST

// A solo-safe strip (talkback) through a group stays heard; the group's
// other members are muted on their own
START_TEST(solo_safe_strip_keeps_its_group)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "talk", 2U);
  add_strip(engine, "vox", 2U);
  add_strip(engine, "kick", 2U);
  add_bus(engine, "g", MX_BUS_GROUP, 2U);
  for (uint32_t s = 0U; s < 3U; s += 2U) {
    set(engine, strip(s), MX_P_ROUTE, 0U, 1.0f);
    set(engine, strip(s), MX_P_ROUTE_MASTER, 0U, 0.0f);
  }
  set(engine, strip(0U), MX_P_SOLO_SAFE, 0U, 1.0f);
  set(engine, strip(1U), MX_P_SOLO, 0U, 1.0f);
  noise_into(0U, 0.3);
  noise_into(1U, 0.3);
  noise_into(2U, 0.3);
  settle_and_run(engine);
  for (unsigned c = 0U; c < 2U; ++c) {
    for (size_t i = 0U; i < LEN; ++i) {
      ref[c][i] = in[1][c][i] + in[0][c][i]; // vox direct, then the group with talk only
    }
    mxt_assert_same_samples(master[c], ref[c], LEN);
  }
  mx_engine_free(engine);
}
END_TEST

START_TEST(afl_and_pfl_feed_the_monitor_only)
{
  const bool      pfl    = _i == 1;
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  add_strip(engine, "b", 2U);
  set(engine, MONITOR, MX_P_MONITOR_MODE, 0U, (float)(pfl ? MX_SOLO_PFL : MX_SOLO_AFL));
  set(engine, strip(0U), MX_P_FADER, 0U, -10.0f);
  set(engine, strip(0U), MX_P_SOLO, 0U, 1.0f);
  noise_into(0U, 0.3);
  noise_into(1U, 0.3);
  settle_and_run(engine);

  const float g = mx_db_to_gain(-10.0f);
  for (unsigned c = 0U; c < 2U; ++c) {
    for (size_t i = 0U; i < LEN; ++i) {
      ref[c][i] = in[0][c][i] * g + in[1][c][i]; // The master is unchanged by the solo
    }
    mxt_assert_same_samples(master[c], ref[c], LEN);
    for (size_t i = 0U; i < LEN; ++i) {
      ref[c][i] = pfl ? in[0][c][i] : in[0][c][i] * g; // Before or after the fader
    }
    mxt_assert_same_samples(monitor[c], ref[c], LEN);
  }
  mx_engine_free(engine);
}
END_TEST

START_TEST(vca_offsets_and_mutes_members)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  add_strip(engine, "b", 2U);
  set(engine, strip(0U), MX_P_VCA, 2U, 1.0f);
  set(engine, strip(0U), MX_P_FADER, 0U, -5.0f);
  set(engine, vca(2U), MX_P_FADER, 0U, -10.0f);
  noise_into(0U, 0.3);
  noise_into(1U, 0.3);
  settle_and_run(engine);

  // -5 + -10: one fader gain of -15 dB; b is not a member
  const float g = mx_db_to_gain(-15.0f);
  for (unsigned c = 0U; c < 2U; ++c) {
    for (size_t i = 0U; i < LEN; ++i) {
      ref[c][i] = in[0][c][i] * g + in[1][c][i];
    }
    mxt_assert_same_samples(master[c], ref[c], LEN);
  }

  // A VCA never lifts a fader past +10 dB
  set(engine, strip(0U), MX_P_FADER, 0U, 8.0f);
  set(engine, vca(2U), MX_P_FADER, 0U, 10.0f);
  settle_and_run(engine);
  const float top = mx_db_to_gain(10.0f);
  for (size_t i = 0U; i < LEN; ++i) {
    ref[0][i] = in[0][0][i] * top + in[1][0][i];
  }
  mxt_assert_same_samples(master[0], ref[0], LEN);

  set(engine, vca(2U), MX_P_MUTE, 0U, 1.0f);
  settle_and_run(engine);
  mxt_assert_same_samples(master[0], in[1][0], LEN);
  mx_engine_free(engine);
}
END_TEST

START_TEST(mute_groups_mute_their_members)
{
  MxEngine* const engine = make_engine();
  const MxNode    group  = { MX_NODE_MUTE_GROUP, 0U };
  add_strip(engine, "a", 2U);
  add_strip(engine, "b", 2U);
  add_strip(engine, "c", 2U);
  set(engine, strip(0U), MX_P_MUTE_GROUP, 0U, 1.0f);
  set(engine, strip(1U), MX_P_MUTE_GROUP, 0U, 1.0f);
  noise_into(0U, 0.3);
  noise_into(1U, 0.3);
  noise_into(2U, 0.3);

  // Membership alone mutes nothing
  settle_and_run(engine);
  for (size_t i = 0U; i < LEN; ++i) {
    ref[0][i] = in[0][0][i] + in[1][0][i] + in[2][0][i];
  }
  mxt_assert_same_samples(master[0], ref[0], LEN);

  set(engine, group, MX_P_MUTE, 0U, 1.0f);
  settle_and_run(engine);
  mxt_assert_same_samples(master[0], in[2][0], LEN);
  mx_engine_free(engine);
}
END_TEST

// ---------------------------------------------------------------------------
// Latency

START_TEST(parallel_limited_path_is_aligned)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  add_bus(engine, "crush", MX_BUS_GROUP, 2U);
  set(engine, strip(0U), MX_P_ROUTE, 0U, 1.0f); // Direct and through the limited bus
  set(engine, bus(0U), MX_P_LIMITER_ON, 0U, 1.0f);
  memset(in, 0, sizeof(in));
  in[0][0][1000] = 0.25f;
  in[0][1][1000] = 0.25f;
  settle_and_run(engine);

  // Below the ceiling the limiter only delays: both paths arrive at once
  const uint32_t latency = mx_engine_latency(engine);
  ck_assert_uint_gt(latency, 0U);
  ck_assert_uint_eq(mx_engine_output_latency(engine, bus(0U)), latency);
  mxt_assert_impulse(master[0], LEN, 1000U + latency, 0.5f);
  mxt_assert_impulse(master[1], LEN, 1000U + latency, 0.5f);

  // A master limiter adds its own on top
  set(engine, MASTER, MX_P_LIMITER_ON, 0U, 1.0f);
  settle_and_run(engine);
  ck_assert_uint_eq(mx_engine_latency(engine), 2U * latency);
  mxt_assert_impulse(master[0], LEN, 1000U + 2U * latency, 0.5f);

  // Both out: no latency at all
  set(engine, MASTER, MX_P_LIMITER_ON, 0U, 0.0f);
  set(engine, bus(0U), MX_P_LIMITER_ON, 0U, 0.0f);
  settle_and_run(engine);
  ck_assert_uint_eq(mx_engine_latency(engine), 0U);
  mxt_assert_impulse(master[0], LEN, 1000U, 0.5f);
  mx_engine_free(engine);
}
END_TEST

// ---------------------------------------------------------------------------
// Topology while running

// The engine fuses a node's steady sends into a plan it keeps from period
// to period; every change to a send, while running and without a settle,
// must reach the plan.  Each step runs a quarter of LEN and checks the
// last half of it, where the glides have ended, to the bit.
static void
assert_send_is(const size_t from, const float send, const float fader)
{
  const size_t start = from + LEN / 8U;
  for (size_t i = start; i < from + LEN / 4U; ++i) {
    ref[0][i] = send * (fader * in[0][0][i]);
  }
  mxt_assert_same_samples(bus_out[0][0] + start, ref[0] + start, LEN / 8U);
}

START_TEST(changes_reach_steady_sends)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "vox", 1U);
  add_bus(engine, "wedge", MX_BUS_AUX, 1U);
  set(engine, strip(0U), MX_P_FADER, 0U, -20.0f);
  set(engine, strip(0U), MX_P_SEND_LEVEL, 0U, -6.0f);
  mxt_noise(in[0][0], LEN, 0.3, 7U);
  ck_assert_int_eq(mx_engine_settle(engine), MX_SUCCESS);
  const size_t quarter = LEN / 4U;
  run_range(engine, 0U, quarter);
  assert_send_is(0U, mx_db_to_gain(-6.0f), mx_db_to_gain(-20.0f));

  // A new level
  set(engine, strip(0U), MX_P_SEND_LEVEL, 0U, -12.0f);
  run_range(engine, quarter, 2U * quarter);
  assert_send_is(quarter, mx_db_to_gain(-12.0f), mx_db_to_gain(-20.0f));

  // A new tap: the send switches through silence, then reads before the fader
  set(engine, strip(0U), MX_P_SEND_TAP, 0U, (float)MX_SEND_PRE_FADER);
  run_range(engine, 2U * quarter, 3U * quarter);
  assert_send_is(2U * quarter, mx_db_to_gain(-12.0f), 1.0f);

  // Switched off: the bus falls silent
  set(engine, strip(0U), MX_P_SEND_ON, 0U, 0.0f);
  run_range(engine, 3U * quarter, LEN);
  assert_send_is(3U * quarter, 0.0f, 1.0f);
  mx_engine_free(engine);
}
END_TEST

// A solo switched on, and then moved from after to before the fader,
// while the strip's sends are steady: the monitor reads the output pair,
// then the pre-fader tap, which the strip must now copy out
START_TEST(solo_reaches_a_steady_strip)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  set(engine, MONITOR, MX_P_MONITOR_MODE, 0U, (float)MX_SOLO_AFL);
  set(engine, strip(0U), MX_P_FADER, 0U, -10.0f);
  noise_into(0U, 0.3);
  ck_assert_int_eq(mx_engine_settle(engine), MX_SUCCESS);
  const size_t third = LEN / 3U;
  run_range(engine, 0U, third);
  set(engine, strip(0U), MX_P_SOLO, 0U, 1.0f);
  run_range(engine, third, 2U * third);
  set(engine, MONITOR, MX_P_MONITOR_MODE, 0U, (float)MX_SOLO_PFL);
  run_range(engine, 2U * third, LEN);

  const float  g    = mx_db_to_gain(-10.0f);
  const size_t tail = third / 2U;
  for (unsigned c = 0U; c < 2U; ++c) {
    for (size_t i = 2U * third - tail; i < 2U * third; ++i) {
      ref[c][i] = in[0][c][i] * g;
    }
    mxt_assert_same_samples(monitor[c] + 2U * third - tail, ref[c] + 2U * third - tail, tail);
    mxt_assert_same_samples(monitor[c] + LEN - tail, in[0][c] + LEN - tail, tail);
  }
  mx_engine_free(engine);
}
END_TEST

// A bus removed while a strip's send to it is steady: once the bus has
// faded out and its memory is gone, nothing may still add into it, and a
// new bus in its slot is fed only once a send to it is set
START_TEST(removed_bus_is_no_longer_fed)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "vox", 1U);
  add_bus(engine, "wedge", MX_BUS_AUX, 1U);
  set(engine, strip(0U), MX_P_SEND_LEVEL, 0U, -6.0f);
  mxt_noise(in[0][0], LEN, 0.3, 8U);
  settle_and_run(engine);

  MxNode wedge = bus(0U);
  ck_assert_int_eq(mx_engine_remove(engine, wedge), MX_SUCCESS);
  run(engine);
  ck_assert_int_eq(mx_model_slot_state(mx_engine_model(engine), MX_NODE_BUS, 0U), MX_SLOT_FREE);
  ck_assert_uint_eq(add_bus(engine, "fx", MX_BUS_AUX, 1U), 0U);
  run(engine);
  assert_silent(bus_out[0][0], LEN);

  set(engine, strip(0U), MX_P_SEND_LEVEL, 0U, -6.0f);
  set(engine, strip(0U), MX_P_SEND_ON, 0U, 1.0f);
  run(engine);
  assert_send_is(3U * LEN / 4U, mx_db_to_gain(-6.0f), 1.0f);
  mx_engine_free(engine);
}
END_TEST

START_TEST(strips_fade_in_and_out)
{
  MxEngine* const engine = make_engine();
  const double    amp    = 0.5;
  add_strip(engine, "a", 1U);
  mxt_sine(in[0][0], LEN, 50.0, RATE, amp, 0.0);
  mxt_sine(in[1][0], LEN, 50.0, RATE, amp, 0.0);
  settle_and_run(engine);

  // Added while running: it fades in
  add_strip(engine, "b", 1U);
  run(engine);
  const double signal_step = 2.0 * M_PI * 50.0 / RATE * amp * M_SQRT1_2 * 2.0;
  const double bound       = amp / mxt_ramp_samples(RATE) + signal_step;
  ck_assert_double_le(mxt_max_step(master[0], LEN), bound * 1.01);
  ck_assert_double_gt(mxt_peak(master[0] + LEN / 2, LEN / 2), 1.9 * amp * M_SQRT1_2);

  // Removed: it fades out, then its slot is free again
  ck_assert_int_eq(mx_engine_remove(engine, strip(0U)), MX_SUCCESS);
  ck_assert_uint_eq(mx_model_count(mx_engine_model(engine), MX_NODE_STRIP), 1U);
  run(engine);
  ck_assert_double_le(mxt_max_step(master[0], LEN), bound * 1.01);
  ck_assert_int_eq(mx_model_slot_state(mx_engine_model(engine), MX_NODE_STRIP, 0U), MX_SLOT_FREE);
  for (size_t i = LEN / 2; i < LEN; ++i) {
    ref[0][i] = in[1][0][i] * (float)M_SQRT1_2;
  }
  ck_assert_double_lt(fabs(mxt_peak(master[0] + LEN / 2, LEN / 2) - amp * M_SQRT1_2), 1e-3);
  mx_engine_free(engine);
}
END_TEST

START_TEST(a_transaction_lands_in_one_period)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  add_strip(engine, "b", 2U);
  mxt_fill(in[0][0], LEN, 0.25f);
  mxt_fill(in[1][0], LEN, 0.25f);
  settle_and_run(engine);

  // Both faders move together: the sum ramps as one from the first sample
  mx_engine_begin(engine);
  set(engine, strip(0U), MX_P_FADER, 0U, -INFINITY);
  set(engine, strip(1U), MX_P_FADER, 0U, -INFINITY);
  ck_assert_int_eq(mx_engine_commit(engine), MX_SUCCESS);
  run_range(engine, 0U, BLOCK);
  const unsigned ramp = mxt_ramp_samples(RATE);
  for (unsigned i = 0U; i < BLOCK; ++i) {
    const double expect = 0.5 * (1.0 - (double)(i + 1U) / ramp);
    ck_assert_double_eq_tol(master[0][i], expect, 1e-6);
  }
  mx_engine_free(engine);
}
END_TEST

// With the audio side stopped, changes wait in the engine; none is lost
START_TEST(changes_wait_when_the_ring_is_full)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 2U);
  mxt_fill(in[0][0], LEN, 0.5f);
  MxStatus last = MX_SUCCESS;
  for (unsigned k = 0U; k < 150000U; ++k) {
    set(engine, strip(0U), MX_P_TRIM, 0U, (float)(k % 40U) * 0.5f - 10.0f);
    last = mx_engine_flush(engine);
  }
  ck_assert_int_eq(last, MX_FAILURE);

  // Running drains it; the last value is the one in force
  set(engine, strip(0U), MX_P_TRIM, 0U, -6.0f);
  for (unsigned k = 0U; k < 100U && mx_engine_flush(engine) != MX_SUCCESS; ++k) {
    run_range(engine, 0U, BLOCK);
  }
  ck_assert_int_eq(mx_engine_flush(engine), MX_SUCCESS);
  settle_and_run(engine);
  ck_assert_float_eq(master[0][LEN - 1U], 0.5f * mx_db_to_gain(-6.0f));
  mx_engine_free(engine);
}
END_TEST

START_TEST(load_keeps_common_strips_and_sets_the_rest)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "keep", 2U);
  add_strip(engine, "drop", 2U);
  const uint32_t slot = mx_model_slot(mx_engine_model(engine), strip(0U));

  const MxLimits limits = mx_model_limits(mx_engine_model(engine));
  MxModel* const next   = mx_model_new(&limits, false);
  ck_assert_int_eq(mx_model_add_strip(next, "new", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_strip(next, "keep", 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(next, "g", MX_BUS_GROUP, 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(next, strip(1U), MX_P_FADER, 0U, -12.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(next, strip(1U), MX_P_ROUTE, 0U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_connection(next, "system:capture_1", "keep_in_L"), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_connection(engine, "old:out", "drop_in_L"), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_load(engine, next), MX_SUCCESS);

  // Same order, names and values; "keep" kept its slot (and its processors)
  const MxModel* const have = mx_engine_model(engine);
  ck_assert_uint_eq(mx_model_count(have, MX_NODE_STRIP), 2U);
  ck_assert_str_eq(mx_model_name(have, strip(0U)), "new");
  ck_assert_str_eq(mx_model_name(have, strip(1U)), "keep");
  ck_assert_uint_eq(mx_model_slot(have, strip(1U)), slot);
  float v = 0.0f;
  ck_assert_int_eq(mx_model_get(have, strip(1U), MX_P_FADER, 0U, &v), MX_SUCCESS);
  ck_assert_float_eq(v, -12.0f);
  ck_assert_int_eq(mx_model_get(have, strip(1U), MX_P_ROUTE, 0U, &v), MX_SUCCESS);
  ck_assert_float_eq(v, 1.0f);

  // The connection rules are the loaded model's
  const char* from = NULL;
  const char* to   = NULL;
  ck_assert_uint_eq(mx_model_connection_count(have), 1U);
  ck_assert_int_eq(mx_model_connection(have, 0U, &from, &to), MX_SUCCESS);
  ck_assert_str_eq(from, "system:capture_1");
  ck_assert_str_eq(to, "keep_in_L");

  // And it mixes as loaded: "keep" (slot 0) at -12 dB direct and through g
  noise_into(slot, 0.2);
  settle_and_run(engine);
  const float g = mx_db_to_gain(-12.0f);
  for (size_t i = 0U; i < LEN; ++i) {
    ref[0][i] = in[slot][0][i] * g + in[slot][0][i] * g;
  }
  mxt_assert_same_samples(master[0], ref[0], LEN);
  mx_model_free(next);
  mx_engine_free(engine);
}
END_TEST

// The strips, in order, with their faders
static void
describe(const MxEngine* const engine, char* const out, const size_t size)
{
  const MxModel* const model = mx_engine_model(engine);
  size_t               n     = 0U;
  out[0]                     = '\0';
  for (uint32_t i = 0U; i < mx_model_count(model, MX_NODE_STRIP) && n < size; ++i) {
    float fader = 0.0f;
    mx_model_get(model, strip(i), MX_P_FADER, 0U, &fader);
    n += (size_t)snprintf(out + n, size - n, "%s %g;", mx_model_name(model, strip(i)), fader);
  }
}

// A load that cannot fit (the strips there now fade out while the new ones
// start, so both need slots) is refused before anything changes
START_TEST(load_that_does_not_fit_changes_nothing)
{
  MxEngine* const engine = make_engine();
  char            name[16];
  for (uint32_t i = 0U; i < STRIPS; ++i) {
    snprintf(name, sizeof(name), "old%u", (unsigned)i);
    add_strip(engine, name, 1U);
  }
  set(engine, strip(0U), MX_P_FADER, 0U, -3.0f);
  settle_and_run(engine);
  char before[512];
  describe(engine, before, sizeof(before));

  const MxLimits limits = mx_model_limits(mx_engine_model(engine));
  MxModel* const next   = mx_model_new(&limits, false);
  ck_assert_int_eq(mx_model_add_strip(next, "old0", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_strip(next, "new", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(next, strip(0U), MX_P_FADER, 0U, -20.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_load(engine, next), MX_ERR_FULL);
  char after[512];
  describe(engine, after, sizeof(after));
  ck_assert_str_eq(after, before);

  // One strip fewer in use and the same load fits
  ck_assert_int_eq(mx_engine_remove(engine, strip(STRIPS - 1U)), MX_SUCCESS);
  settle_and_run(engine);
  ck_assert_int_eq(mx_engine_load(engine, next), MX_SUCCESS);
  ck_assert_uint_eq(mx_model_count(mx_engine_model(engine), MX_NODE_STRIP), 2U);
  mx_model_free(next);
  mx_engine_free(engine);
}
END_TEST

// ---------------------------------------------------------------------------
// Meters

START_TEST(meters_read_known_levels)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 1U);
  set(engine, strip(0U), MX_P_FADER, 0U, -6.0f);
  mxt_sine(in[0][0], LEN, 1000.0, RATE, 0.5, 0.0);
  settle_and_run(engine);

  MxEngineMeters m;
  ck_assert_int_eq(mx_engine_take_meters(engine, strip(0U), &m), MX_SUCCESS);
  ck_assert_double_eq_tol(mxt_db(m.pre_peak[0].peak), mxt_db(0.5), 0.01);
  ck_assert_double_eq_tol(mxt_db(m.post_peak[0].peak), mxt_db(0.5) - 6.0, 0.01);
  ck_assert_double_eq_tol(mxt_db(m.post_rms[0].rms_max), mxt_db(0.5 * M_SQRT1_2) - 6.0, 0.05);
  ck_assert_int_eq(mx_engine_take_meters(engine, MASTER, &m), MX_SUCCESS);
  ck_assert_double_eq_tol(mxt_db(m.post_peak[0].peak), mxt_db(0.5) - 6.0 - 3.0103, 0.01);

  // Taken means reset: nothing new since
  ck_assert_int_eq(mx_engine_take_meters(engine, strip(0U), &m), MX_SUCCESS);
  ck_assert_float_eq(m.pre_peak[0].peak, 0.0f);

  // Loudness of the master, once the 400 ms window is full: a 1 kHz sine
  // of amplitude A in both channels reads 20 log10(A) LUFS (BS.1770-4: the
  // -0.691 dB offset cancels the K-weighting gain at 1 kHz; two channels
  // of power A^2/2 each)
  run(engine);
  run(engine);
  MxLoudnessReading loud;
  mx_engine_loudness(engine, &loud);
  ck_assert_double_eq_tol(loud.momentary_lufs, mxt_db(0.5) - 6.0 - 3.0103, 0.05);
  ck_assert_int_eq(mx_engine_take_meters(engine, vca(0U), &m), MX_ERR_NOT_FOUND);
  mx_engine_free(engine);
}
END_TEST

START_TEST(bad_changes_change_nothing)
{
  MxEngine* const engine = make_engine();
  add_strip(engine, "a", 1U);
  ck_assert_int_eq(mx_engine_set(engine, strip(0U), MX_P_FADER, 0U, NAN), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_engine_set(engine, strip(0U), MX_P_FADER, 0U, 11.0f), MX_ERR_RANGE);
  ck_assert_int_eq(mx_engine_set(engine, strip(0U), MX_P_WIDTH, 0U, 1.0f), MX_ERR_NOT_APPLICABLE);
  ck_assert_int_eq(mx_engine_set(engine, strip(3U), MX_P_FADER, 0U, 0.0f), MX_ERR_NOT_FOUND);
  ck_assert_int_eq(mx_engine_add_strip(engine, "a", 1U, NULL), MX_ERR_EXISTS);
  ck_assert_int_eq(mx_engine_add_strip(engine, "9x", 1U, NULL), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_engine_remove(engine, MASTER), MX_ERR_BAD_ARG);
  float v = 1.0f;
  ck_assert_int_eq(mx_model_get(mx_engine_model(engine), strip(0U), MX_P_FADER, 0U, &v),
                   MX_SUCCESS);
  ck_assert_float_eq(v, 0.0f);
  ck_assert_uint_eq(mx_model_count(mx_engine_model(engine), MX_NODE_STRIP), 1U);

  // Capacity is a clear error, not a crash
  for (unsigned s = 1U; s < STRIPS; ++s) {
    char name[8];
    snprintf(name, sizeof(name), "s%u", s);
    add_strip(engine, name, 1U);
  }
  ck_assert_int_eq(mx_engine_add_strip(engine, "one_more", 1U, NULL), MX_ERR_FULL);
  mx_engine_free(engine);
}
END_TEST

START_TEST(constructor_and_free)
{
  MxEngineConfig bad = mx_engine_config_default();
  bad.rate           = 1000.0;
  ck_assert_ptr_null(mx_engine_new(&bad));
  bad           = mx_engine_config_default();
  bad.max_block = 0U;
  ck_assert_ptr_null(mx_engine_new(&bad));
  bad               = mx_engine_config_default();
  bad.limits.strips = 0U;
  ck_assert_ptr_null(mx_engine_new(&bad));
  ck_assert_ptr_null(mx_engine_new(NULL));
  mx_engine_free(NULL);

  // Freed with work in flight: queued nodes and commands are not leaked
  MxEngine* const engine = make_engine();
  mx_engine_begin(engine);
  add_strip(engine, "a", 2U);
  add_bus(engine, "g", MX_BUS_GROUP, 2U);
  set(engine, bus(0U), MX_P_LIMITER_ON, 0U, 1.0f);
  set(engine, strip(0U), MX_P_ROUTE, 0U, 1.0f);
  mx_engine_free(engine);
}
END_TEST

static Suite*
engine_suite(void)
{
  Suite* const s = suite_create("engine");

  TCase* const sums = tcase_create("sums");
  tcase_add_test(sums, empty_engine_is_silent);
  tcase_add_test(sums, stereo_strips_sum_exactly);
  tcase_add_test(sums, mono_strip_is_panned_by_the_law);
  tcase_add_test(sums, trim_fader_and_master_fader_multiply);
  suite_add_tcase(s, sums);

  TCase* const routing = tcase_create("routing");
  tcase_add_loop_test(routing, sends_take_their_tap, 0, MXT_N_CASES(taps));
  tcase_add_test(routing, pre_fader_send_is_exact);
  tcase_add_test(routing, send_pan_into_a_stereo_bus);
  tcase_add_test(routing, subgroup_sums_then_scales);
  tcase_add_test(routing, fx_return_chain_reaches_the_master);
  tcase_add_test(routing, routing_loops_are_refused);
  suite_add_tcase(s, routing);

  TCase* const mutes = tcase_create("mute_solo_vca");
  tcase_add_test(mutes, mute_silences_output_and_sends);
  tcase_add_test(mutes, solo_in_place_keeps_solo_safe_returns);
  tcase_add_test(mutes, solo_in_place_follows_routing);
  tcase_add_test(mutes, solo_safe_strip_keeps_its_group);
  tcase_add_loop_test(mutes, afl_and_pfl_feed_the_monitor_only, 0, 2);
  tcase_add_test(mutes, vca_offsets_and_mutes_members);
  tcase_add_test(mutes, mute_groups_mute_their_members);
  suite_add_tcase(s, mutes);

  TCase* const latency = tcase_create("latency");
  tcase_add_test(latency, parallel_limited_path_is_aligned);
  suite_add_tcase(s, latency);

  TCase* const live = tcase_create("live");
  tcase_set_timeout(live, 30);
  tcase_add_test(live, changes_reach_steady_sends);
  tcase_add_test(live, solo_reaches_a_steady_strip);
  tcase_add_test(live, removed_bus_is_no_longer_fed);
  tcase_add_test(live, strips_fade_in_and_out);
  tcase_add_test(live, a_transaction_lands_in_one_period);
  tcase_add_test(live, changes_wait_when_the_ring_is_full);
  tcase_add_test(live, load_keeps_common_strips_and_sets_the_rest);
  tcase_add_test(live, load_that_does_not_fit_changes_nothing);
  suite_add_tcase(s, live);

  TCase* const misc = tcase_create("api");
  tcase_add_test(misc, meters_read_known_levels);
  tcase_add_test(misc, bad_changes_change_nothing);
  tcase_add_test(misc, constructor_and_free);
  suite_add_tcase(s, misc);
  return s;
}

int
main(void)
{
  return mxt_run_suite(engine_suite());
}
