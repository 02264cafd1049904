// SPDX-License-Identifier: GPL-3.0-or-later

// libFuzzer target for the OSC layer (`make fuzz`, configure --enable-fuzz).
// Arbitrary bytes go through the datagram parser (osc/server.c: messages,
// bundles, nested bundles, bad framing) and whatever parses through the
// controller (osc/control.c) to a real engine: the OSC tests' mix
// (osc_mix.h), with aliases and a journal, as the daemon runs it.
//
// Every input starts on a fresh mix, so a crash found reproduces from its
// input alone (`tests/fuzz_osc tests/fuzz-artifacts/crash-...` in the
// build).  Besides ASan, UBSan and LeakSanitizer, each input is checked for
// what must hold after any request: the journal's steps open and close in
// turn, every control of the model is valid for its type and range, and the
// engine, given a signal, runs a period with finite output.  A broken rule
// aborts, which libFuzzer reports with the input that did it.

#include "control.h"
#include "engine.h"
#include "model.h"
#include "osc_mix.h"
#include "params.h"
#include "server.h"

#include <lo/lo.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

// libFuzzer's entry points (it has no header for C)
int
LLVMFuzzerInitialize(int* argc, char*** argv);
int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

enum { RATE = 48000, BLOCK = 256, MAX_SLOTS = 8 };

/// Lease of subscriptions, s: far longer than one input, so none expires during it
#define LEASE_S 30.0

// Addresses of a surface, scaled and not, on strips by name and position
static const char* const aliases = "/1/fader1  /strip/1/fader/norm\n"
                                   "/1/toggle1 /strip/vox/mute\n"
                                   "/1/rotary1 /strip/keys/pan -1 1\n"
                                   "/1/send1   /strip/gtr/send/rev/level -60 10\n"
                                   "/1/master  /master/fader/norm 0 0.5\n";

/// What every input shares: none of it holds state from one input to the next
typedef struct {
  MxOscPeer      from;                          ///< The sender of every input
  float          in[BLOCK];                     ///< A signal for every strip input
  float          out[2 * MAX_SLOTS + 4][BLOCK]; ///< Bus, master and monitor outputs
  MxEngineInput  strips[MAX_SLOTS];             ///< Every strip slot reads `in`
  MxEngineOutput buses[MAX_SLOTS];              ///< Every bus slot writes to `out`
  MxEngineIo     io;                            ///< The period's buffers
  bool           step_open;                     ///< The journal has a step open
} Fuzz;

static Fuzz fuzz;

static void
fail(const char* const what)
{
  fprintf(stderr, "fuzz_osc: %s\n", what);
  abort();
}

// ---------------------------------------------------------------- Journal

static void
journal_begin_cb(void* const data, const unsigned source, const double now_ms)
{
  (void)data;
  (void)now_ms;
  if (fuzz.step_open || !source) {
    fail(fuzz.step_open ? "journal: a step began inside a step" : "journal: source 0");
  }
  fuzz.step_open = true;
}

static void
journal_change_cb(void* const    data,
                  const MxNode   node,
                  const MxParam  param,
                  const uint32_t sub,
                  const float    before,
                  const float    after)
{
  (void)data;
  (void)node;
  (void)sub;
  (void)before;
  if (!fuzz.step_open) {
    fail("journal: a change outside a step");
  }
  if (mx_param_check(param, after)) {
    fail("journal: a change to a value the control does not take");
  }
}

static void
journal_topology_cb(void* const data, const MxModel* const model)
{
  (void)data;
  (void)model;
  if (!fuzz.step_open) {
    fail("journal: a topology change outside a step");
  }
}

static void
journal_end_cb(void* const data, const MxModel* const model)
{
  (void)data;
  (void)model;
  if (!fuzz.step_open) {
    fail("journal: a step ended that had not begun");
  }
  fuzz.step_open = false;
}

// ---------------------------------------------------------------- Checks

// Every control of every node is one its control takes (finite, in range)
static void
check_model(const MxModel* const model)
{
  const MxLimits limits = mx_model_limits(model);
  if (mx_model_count(model, MX_NODE_STRIP) > limits.strips ||
      mx_model_count(model, MX_NODE_BUS) > limits.buses) {
    fail("model: more strips or buses than its limits");
  }
  for (unsigned k = 0U; k < MX_NODE_N; ++k) {
    const uint32_t n = mx_model_count(model, (MxNodeKind)k);
    for (uint32_t i = 0U; i < n; ++i) {
      const MxNode node = { (MxNodeKind)k, i };
      if ((k == MX_NODE_STRIP || k == MX_NODE_BUS) &&
          (mx_model_check_name(mx_model_name(model, node)) || mx_model_channels(model, node) < 1U ||
           mx_model_channels(model, node) > 2U)) {
        fail("model: a strip or bus with a bad name or channel count");
      }
      for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
        const uint32_t subs = mx_model_sub_count(model, node, (MxParam)p);
        for (uint32_t sub = 0U; sub < subs; ++sub) {
          float v = 0.0f;
          if (!mx_model_get(model, node, (MxParam)p, sub, &v) && mx_param_check((MxParam)p, v)) {
            fail("model: a control holds a value it does not take");
          }
        }
      }
    }
  }
}

// One period with a signal on every input: the output is finite
static void
check_period(MxEngine* const engine)
{
  mx_engine_process(engine, &fuzz.io, BLOCK);
  for (size_t c = 0U; c < sizeof(fuzz.out) / sizeof(fuzz.out[0]); ++c) {
    for (size_t i = 0U; i < BLOCK; ++i) {
      if (!isfinite(fuzz.out[c][i])) {
        fail("engine: non-finite output");
      }
    }
  }
  mx_engine_flush(engine);
}

// ---------------------------------------------------------------- libFuzzer

int
LLVMFuzzerInitialize(int* const argc, char*** const argv)
{
  (void)argc;
  (void)argv;
  if (mxt_osc_limits.strips > MAX_SLOTS || mxt_osc_limits.buses > MAX_SLOTS) {
    fail("MAX_SLOTS is below the mix's limits");
  }

  // Replies go to an IPv6 peer and leave through the server's IPv4 socket,
  // so the kernel refuses each one (EAFNOSUPPORT) once mixd has built and
  // serialised it.  "/subscribe i:PORT" sends feedback to any port of the
  // sender: a deliverable peer would spray the machine's UDP services.
  struct sockaddr_in6* const in6 = (struct sockaddr_in6*)(void*)&fuzz.from.addr;
  in6->sin6_family               = AF_INET6;
  in6->sin6_addr                 = in6addr_loopback;
  in6->sin6_port                 = htons(9U); // discard, were it ever sent
  fuzz.from.len                  = sizeof(*in6);

  // A 1 kHz tone at -6 dBFS (any steady signal exercises the processors)
  for (size_t i = 0U; i < BLOCK; ++i) {
    fuzz.in[i] = 0.5f * sinf(2.0f * 3.14159265f * 1000.0f * (float)i / (float)RATE);
  }
  for (size_t s = 0U; s < MAX_SLOTS; ++s) {
    fuzz.strips[s].ch[0] = fuzz.in;
    fuzz.strips[s].ch[1] = fuzz.in;
    fuzz.buses[s].ch[0]  = fuzz.out[2U * s];
    fuzz.buses[s].ch[1]  = fuzz.out[2U * s + 1U];
  }
  fuzz.io.strips        = fuzz.strips;
  fuzz.io.buses         = fuzz.buses;
  fuzz.io.master.ch[0]  = fuzz.out[2U * MAX_SLOTS];
  fuzz.io.master.ch[1]  = fuzz.out[2U * MAX_SLOTS + 1U];
  fuzz.io.monitor.ch[0] = fuzz.out[2U * MAX_SLOTS + 2U];
  fuzz.io.monitor.ch[1] = fuzz.out[2U * MAX_SLOTS + 3U];
  return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t* const data, const size_t size)
{
  // The mix, its controller, then its server, as the daemon makes them
  MxEngine* const     engine   = mxt_osc_mix_new(RATE, BLOCK);
  MxOscControl* const control  = engine ? mx_osc_control_new(NULL, engine, LEASE_S) : NULL;
  char                why[256] = "";
  if (!control || mx_osc_control_set_aliases(control, aliases, "aliases", why, sizeof(why))) {
    fail(why[0] ? why : "cannot build the mix");
  }
  const MxOscJournal journal = {
    journal_begin_cb, journal_change_cb, journal_topology_cb, journal_end_cb, NULL
  };
  mx_osc_control_set_journal(control, &journal);
  MxOscConfig config;
  memset(&config, 0, sizeof(config));
  config.listen                = "127.0.0.1";
  const MxOscHandlers handlers = mx_osc_control_handlers(control);
  MxOscServer* const  server   = mx_osc_server_new(&config, &handlers, why, sizeof(why));
  if (!server) {
    fail(why);
  }
  mx_osc_control_set_server(control, server);
  mx_osc_control_tick(control); // takes in the mix as it is
  fuzz.step_open = false;

  // An exact-size copy, so ASan sees a read past the datagram's end (the
  // server's 64 KiB receive buffer would hide one)
  uint8_t* const copy = (uint8_t*)malloc(size);
  if (!copy && size) {
    fail("out of memory");
  }
  if (size) {
    memcpy(copy, data, size);
  }
  mx_osc_server_feed(server, &fuzz.from, copy, size);
  free(copy);
  if (fuzz.step_open) {
    fail("journal: a step left open after the packet");
  }

  // What the daemon's loop does next: send, run a period, feed back
  mx_engine_flush(engine);
  check_period(engine);
  mx_osc_control_tick(control);
  check_model(mx_engine_model(engine));

  mx_osc_control_free(control);
  mx_osc_server_free(server);
  mx_engine_free(engine);
  return 0;
}
