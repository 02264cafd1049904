// SPDX-License-Identifier: GPL-3.0-or-later

#include "control.h"

#include "address.h"
#include "pattern.h"
#include "taper.h"
#include "why.h"

#include "model.h"
#include "params.h"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
  DESIGN: three jobs, all on the control thread.

  1. Requests: a message is resolved to its targets (one control, or many
     through patterns), then each target is set or read; replies and
     errors go to the sender only.  Bundles bracket their messages in one
     engine transaction.

  2. Feedback: whatever changes the model (this controller, a session
     reload, anything) bumps its generation.  At most every
     MX_OSC_FEEDBACK_MS the controller compares the model with its shadow
     copy of every value, name and slot, and sends each change to every
     subscriber whose pattern matches it, and on the alias addresses.
     Comparing values rather than tracking calls is what makes "whoever
     made it" true.

  3. Meters: every tick the engine's meter snapshots are taken (merged,
     read-and-reset) into an accumulator per meter subscriber, and each
     subscriber gets one bundle at its own rate, so no peak between two of
     its bundles is lost.
*/

/// Longest message bundle sent, bytes: safe for any UDP path and surface
#define BUNDLE_BYTES 1400U

/// Most aliases
#define MAX_ALIASES 512U

/// A resolved target of a request
typedef struct {
  MxAddr addr; ///< Control, remove or name
  bool   norm; ///< The 0..1 form
} Target;

/// A surface address mapped to a mixd one
typedef struct {
  char   alias[MX_ADDR_MAX + 1U];  ///< What the surface sends
  char   target[MX_ADDR_MAX + 1U]; ///< What it means (may end in /norm)
  bool   scaled;                   ///< LO and HI given
  float  lo;                       ///< Value at 0
  float  hi;                       ///< Value at 1
  MxAddr at;                       ///< Feedback: the target resolved, for this pass
  bool   at_ok;                    ///< Feedback: `at` resolved to a control
  bool   at_norm;                  ///< Feedback: the target is a /norm form
} Alias;

/// A subscriber to values or meters
typedef struct {
  MxOscPeer       peer;                      ///< Where to send
  char            pattern[MX_ADDR_MAX + 1U]; ///< What it wants ("" for everything)
  double          expires;                   ///< End of its lease, ms
  double          period;                    ///< Meters: interval, ms
  double          next;                      ///< Meters: when the next bundle is due, ms
  MxEngineMeters* acc;                       ///< Meters: per node, since its last bundle
  bool*           has;                       ///< Meters: `acc` holds something
  lo_bundle       out;                       ///< Values: the bundle being filled
  size_t          out_bytes;                 ///< Values: its size so far
} Subscriber;

/// What the shadow remembers of one node
typedef struct {
  MxSlotState state;                  ///< Free or in use (leaving counts as free)
  char        name[MX_NAME_MAX + 1U]; ///< Its name
  unsigned    channels;               ///< Its channels
  MxBusKind   bus_kind;               ///< Its kind, for a bus
  float*      values;                 ///< Every value, by layout
} Shadow;

struct MxOscControlImpl {
  MxOscServer*   server;  ///< Replies and feedback go out here
  MxEngine*      engine;  ///< What is controlled
  MxLimits       limits;  ///< The engine's limits
  double         lease;   ///< Lease, ms
  Alias*         aliases; ///< The alias map
  unsigned       n_aliases;
  char*          alias_text;                   ///< Its text, as given (saved with the session)
  Subscriber     subs[MX_OSC_MAX_SUBSCRIBERS]; ///< Value subscribers
  unsigned       n_subs;
  Subscriber     meters[MX_OSC_MAX_SUBSCRIBERS]; ///< Meter subscribers
  unsigned       n_meters;
  uint64_t       generation;          ///< Model generation the shadow matches
  double         next_feedback;       ///< When feedback may run next, ms
  uint32_t       offsets[MX_P_COUNT]; ///< Where each control's values start in a node's layout
  uint32_t       counts[MX_P_COUNT];  ///< How many (sub-indices, in slot terms)
  uint32_t       layout;              ///< Values per node
  Shadow*        shadow;              ///< Strips, buses, master, VCAs, mute groups, monitor
  uint32_t       n_shadow;
  MxOscCommands  commands;     ///< The host's commands
  MxOscJournal   journal;      ///< Where changes are told
  bool           step_open;    ///< A journal step is open
  unsigned       bundle_depth; ///< Bundles open around the message
  Target*        targets;      ///< Scratch for one request
  struct Stream* replies;      ///< Replies being gathered for one request, or NULL
};

static double
now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

// ---------------------------------------------------------------------------
// Arguments

// liblo's arguments lie at 4-byte offsets in the message, and lo_arg (with
// its 64-bit members) wants 8: read them by copy, never through the union

static int32_t
arg_int32(const lo_arg* const a)
{
  int32_t v = 0;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static float
arg_float(const lo_arg* const a)
{
  float v = 0.0f;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static double
arg_double(const lo_arg* const a)
{
  double v = 0.0;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static int64_t
arg_int64(const lo_arg* const a)
{
  int64_t v = 0;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static const char*
arg_string(const lo_arg* const a)
{
  return (const char*)(const void*)a;
}

// ---------------------------------------------------------------------------
// Nodes and the shadow layout

// Index of a node's shadow: strips, buses, master, VCAs, mute groups, monitor
static uint32_t
shadow_index(const MxOscControl* const ctl, const MxNodeKind kind, const uint32_t slot)
{
  const MxLimits l = ctl->limits;
  switch (kind) {
    case MX_NODE_STRIP:
      return slot;
    case MX_NODE_BUS:
      return l.strips + slot;
    case MX_NODE_MASTER:
      return l.strips + l.buses;
    case MX_NODE_VCA:
      return l.strips + l.buses + 1U + slot;
    case MX_NODE_MUTE_GROUP:
      return l.strips + l.buses + 1U + l.vcas + slot;
    case MX_NODE_MONITOR:
      break;
  }
  return l.strips + l.buses + 1U + l.vcas + l.mute_groups;
}

static uint32_t
sub_count(const MxLimits* const l, const MxSubKind sub)
{
  switch (sub) {
    case MX_SUB_BAND:
      return MX_PARAM_EQ_BANDS;
    case MX_SUB_BUS:
      return l->buses;
    case MX_SUB_VCA:
      return l->vcas;
    case MX_SUB_MUTE_GROUP:
      return l->mute_groups;
    case MX_SUB_NONE:
      break;
  }
  return 1U;
}

static void
free_shadow(MxOscControl* const ctl)
{
  for (uint32_t i = 0U; ctl->shadow && i < ctl->n_shadow; ++i) {
    free(ctl->shadow[i].values);
  }
  free(ctl->shadow);
  ctl->shadow   = NULL;
  ctl->n_shadow = 0U;
}

// A shadow of nothing: every node free, every value unknown (NaN)
static MxStatus
make_shadow(MxOscControl* const ctl)
{
  free_shadow(ctl);
  ctl->layout = 0U;
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    ctl->offsets[p] = ctl->layout;
    ctl->counts[p]  = sub_count(&ctl->limits, mx_param_info((MxParam)p)->sub);
    ctl->layout += ctl->counts[p];
  }
  const MxLimits l = ctl->limits;
  ctl->n_shadow    = l.strips + l.buses + 1U + l.vcas + l.mute_groups + 1U;
  ctl->shadow      = (Shadow*)calloc(ctl->n_shadow, sizeof(Shadow));
  for (uint32_t i = 0U; ctl->shadow && i < ctl->n_shadow; ++i) {
    ctl->shadow[i].values = (float*)malloc(ctl->layout * sizeof(float));
    if (!ctl->shadow[i].values) {
      return MX_ERR_NO_MEMORY;
    }
    for (uint32_t v = 0U; v < ctl->layout; ++v) {
      ctl->shadow[i].values[v] = NAN;
    }
  }
  ctl->generation = UINT64_MAX;
  return ctl->shadow ? MX_SUCCESS : MX_ERR_NO_MEMORY;
}

// ---------------------------------------------------------------------------
// Life

MxOscControl*
mx_osc_control_new(MxOscServer* const server, MxEngine* const engine, const double lease_s)
{
  MxOscControl* const ctl = (MxOscControl*)calloc(1U, sizeof(MxOscControl));
  if (!ctl) {
    return NULL;
  }
  ctl->server = server;
  ctl->engine = engine;
  ctl->limits = mx_model_limits(mx_engine_model(engine));
  mx_osc_control_set_lease(ctl, lease_s);
  ctl->targets = (Target*)malloc(MX_OSC_MAX_TARGETS * sizeof(Target));
  ctl->aliases = (Alias*)calloc(MAX_ALIASES, sizeof(Alias));
  if (!ctl->targets || !ctl->aliases || make_shadow(ctl)) {
    mx_osc_control_free(ctl);
    return NULL;
  }
  return ctl;
}

static void
drop_subscriber(Subscriber* const list, unsigned* const n, const unsigned i)
{
  free(list[i].acc);
  free(list[i].has);
  if (list[i].out) {
    lo_bundle_free_recursive(list[i].out);
  }
  list[i] = list[--*n];
}

void
mx_osc_control_free(MxOscControl* const ctl)
{
  if (!ctl) {
    return;
  }
  while (ctl->n_subs) {
    drop_subscriber(ctl->subs, &ctl->n_subs, 0U);
  }
  while (ctl->n_meters) {
    drop_subscriber(ctl->meters, &ctl->n_meters, 0U);
  }
  free_shadow(ctl);
  free(ctl->alias_text);
  free(ctl->aliases);
  free(ctl->targets);
  free(ctl);
}

void
mx_osc_control_set_lease(MxOscControl* const ctl, const double lease_s)
{
  ctl->lease = 1000.0 * (lease_s >= 1.0 && lease_s <= 3600.0 ? lease_s : MX_OSC_DEFAULT_LEASE_S);
}

void
mx_osc_control_set_server(MxOscControl* const ctl, MxOscServer* const server)
{
  ctl->server = server;
}

void
mx_osc_control_set_engine(MxOscControl* const ctl, MxEngine* const engine)
{
  ctl->engine     = engine;
  ctl->generation = UINT64_MAX; // Compare again (the values are the same, the slots may not be)
}

unsigned
mx_osc_control_subscribers(const MxOscControl* const ctl, const bool meters)
{
  return meters ? ctl->n_meters : ctl->n_subs;
}

// ---------------------------------------------------------------------------
// Sending

/// Messages to one peer, sent in bundles of about BUNDLE_BYTES (a lone
/// message goes out as it is)
typedef struct Stream {
  MxOscControl*    ctl;
  const MxOscPeer* to;
  lo_bundle        b;     ///< The bundle being filled
  size_t           bytes; ///< Its size so far
  unsigned         count; ///< Messages added in all
  lo_message       first; ///< The first message, held until a second comes
  char             first_path[MX_ADDR_MAX + 8U];
} Stream;

static void
stream_bundle(Stream* const s)
{
  s->b     = lo_bundle_new(LO_TT_IMMEDIATE);
  s->bytes = 16U;
}

static void
stream_flush(Stream* const s)
{
  if (s->first) {
    mx_osc_server_send(s->ctl->server, s->to, s->first_path, s->first);
    lo_message_free(s->first);
    s->first = NULL;
  }
  if (s->b) {
    mx_osc_server_send_bundle(s->ctl->server, s->to, s->b);
    lo_bundle_free_recursive(s->b);
    s->b     = NULL;
    s->bytes = 0U;
  }
}

static void
stream_add(Stream* const s, const char* const path, const lo_message m)
{
  if (!m) {
    return;
  }
  ++s->count;
  if (s->count == 1U) {
    s->first = m;
    snprintf(s->first_path, sizeof(s->first_path), "%s", path);
    return;
  }
  if (s->first) {
    stream_bundle(s);
    s->bytes += lo_message_length(s->first, s->first_path) + 4U;
    lo_bundle_add_message(s->b, s->first_path, s->first); // The bundle now owns it
    s->first = NULL;
  }
  const size_t len = lo_message_length(m, path) + 4U;
  if (s->b && s->bytes + len > BUNDLE_BYTES) {
    mx_osc_server_send_bundle(s->ctl->server, s->to, s->b);
    lo_bundle_free_recursive(s->b);
    s->b = NULL;
  }
  if (!s->b) {
    stream_bundle(s);
  }
  lo_bundle_add_message(s->b, path, m); // The bundle now owns it
  s->bytes += len;
}

// Send a message now, or add it to the replies being gathered for `to`
static void
send_message(MxOscControl* const    ctl,
             const MxOscPeer* const to,
             const char* const      path,
             const lo_message       m)
{
  if (m && ctl->replies && ctl->replies->to == to) {
    stream_add(ctl->replies, path, m);
  } else if (m) {
    mx_osc_server_send(ctl->server, to, path, m);
    lo_message_free(m);
  }
}

static void
send_error(MxOscControl* const    ctl,
           const MxOscPeer* const to,
           const char* const      path,
           const char* const      why)
{
  const lo_message m = lo_message_new();
  lo_message_add_string(m, path);
  lo_message_add_string(m, why);
  send_message(ctl, to, "/error", m);
}

// A control's value as a message: a float for numbers, an int for
// switches, the label for choices; its 0..1 form as a float
static lo_message
value_message(const MxParam param, const float value, const bool norm)
{
  const MxParamInfo* const info = mx_param_info(param);
  const lo_message         m    = lo_message_new();
  if (!m) {
    return NULL;
  }
  if (norm) {
    lo_message_add_float(m, mx_taper_to_norm(param, value));
  } else if (info->type == MX_PARAM_SWITCH) {
    lo_message_add_int32(m, value != 0.0f);
  } else if (info->type == MX_PARAM_ENUM) {
    lo_message_add_string(m, mx_param_label(param, value));
  } else {
    lo_message_add_float(m, value);
  }
  return m;
}

// The address of a target, as replies name it: names, not positions
static void
target_path(const MxOscControl* const ctl,
            const Target* const       t,
            char* const               buf,
            const size_t              size)
{
  const int n = mx_addr_format(mx_engine_model(ctl->engine), &t->addr, buf, size);
  if (n > 0 && t->norm && (size_t)n + 5U < size) {
    strcat(buf, "/norm");
  }
}

static void
reply_value(MxOscControl* const ctl, const MxOscPeer* const to, const Target* const t)
{
  char  path[MX_ADDR_MAX + 8U];
  float value = 0.0f;
  target_path(ctl, t, path, sizeof(path));
  if (!mx_model_get(
        mx_engine_model(ctl->engine), t->addr.node, t->addr.param, t->addr.sub, &value)) {
    send_message(ctl, to, path, value_message(t->addr.param, value, t->norm));
  }
}

// ---------------------------------------------------------------------------
// Resolving addresses, patterns included

/// An address cut at its slashes
typedef struct {
  char        text[MX_ADDR_MAX + 1U];
  const char* seg[10];
  unsigned    n;
} Segments;

static bool
split(const char* const path, Segments* const s)
{
  const size_t len = strlen(path);
  if (path[0] != '/' || len > MX_ADDR_MAX) {
    return false;
  }
  memcpy(s->text, path + 1, len);
  s->n = 0U;
  for (char* at = s->text; s->n < 10U;) {
    char* const slash = strchr(at, '/');
    if (slash) {
      *slash = '\0';
    }
    if (!*at) {
      return false;
    }
    s->seg[s->n++] = at;
    if (!slash) {
      return true;
    }
    at = slash + 1;
  }
  return false;
}

// Does segment pattern `p` name this node: by name, or by its 1-based position?
static bool
names_node(const char* const p, const char* const name, const uint32_t index)
{
  char number[16];
  snprintf(number, sizeof(number), "%u", index + 1U);
  return mx_pattern_match(p, name) || mx_pattern_match(p, number);
}

/// What one request expansion collects
typedef struct {
  MxOscControl* ctl;
  size_t        n;    ///< Targets found
  bool          full; ///< More than MX_OSC_MAX_TARGETS
  bool          norm; ///< The address ends in /norm
} Found;

static void
add_target(Found* const f, const MxAddr* const addr)
{
  if (f->n == MX_OSC_MAX_TARGETS) {
    f->full = true;
    return;
  }
  f->ctl->targets[f->n].addr = *addr;
  f->ctl->targets[f->n].norm = f->norm;
  ++f->n;
}

// Match the rest of a pattern against one control path of a node (with
// every sub-index it has there)
static void
match_control(Found* const          f,
              const MxModel* const  model,
              const MxNode          node,
              const MxParam         param,
              const char* const     path,
              const Segments* const s,
              const unsigned        first)
{
  char        copy[64];
  const char* pseg[8];
  unsigned    np   = 0U;
  char*       save = NULL;
  snprintf(copy, sizeof(copy), "%s", path);
  for (char* tok = strtok_r(copy, "/", &save); tok && np < 8U; tok = strtok_r(NULL, "/", &save)) {
    pseg[np++] = tok;
  }
  if (np != s->n - first) {
    return;
  }

  unsigned star = np;
  for (unsigned i = 0U; i < np; ++i) {
    if (!strcmp(pseg[i], "*")) {
      star = i;
    } else if (!mx_pattern_match(s->seg[first + i], pseg[i])) {
      return;
    }
  }

  const MxParamInfo* const info = mx_param_info(param);
  for (uint32_t sub = 0U; sub < mx_model_sub_count(model, node, param); ++sub) {
    if (!mx_model_applies(model, node, param, sub)) {
      continue;
    }
    if (star < np) {
      const MxNode bus = { MX_NODE_BUS, sub };
      char         number[16];
      snprintf(number, sizeof(number), "%u", sub + 1U);
      const bool hit = info->sub == MX_SUB_BUS
                         ? names_node(s->seg[first + star], mx_model_name(model, bus), sub)
                         : mx_pattern_match(s->seg[first + star], number);
      if (!hit) {
        continue;
      }
    }
    const MxAddr addr = { MX_ADDR_CONTROL, node, param, sub };
    add_target(f, &addr);
  }
}

static void
match_node(Found* const          f,
           const MxModel* const  model,
           const MxNode          node,
           const Segments* const s,
           const unsigned        first)
{
  const bool channel = node.kind == MX_NODE_STRIP || node.kind == MX_NODE_BUS;
  // Commands, not controls: a pattern segment ("/strip/vox/*") never reaches them
  if (channel && s->n == first + 1U && !f->norm) {
    if (!strcmp(s->seg[first], "remove")) {
      const MxAddr addr = { MX_ADDR_REMOVE, node, MX_P_TRIM, 0U };
      add_target(f, &addr);
    }
    if (!strcmp(s->seg[first], "name")) {
      const MxAddr addr = { MX_ADDR_NAME, node, MX_P_TRIM, 0U };
      add_target(f, &addr);
    }
  }
  for (unsigned p = 0U; p < MX_P_COUNT && !f->full; ++p) {
    const MxParamInfo* const info = mx_param_info((MxParam)p);
    if (!(info->nodes & (1U << node.kind)) || (f->norm && !mx_taper_applies((MxParam)p))) {
      continue;
    }
    const size_t before = f->n;
    match_control(f, model, node, (MxParam)p, info->path, s, first);
    if (f->n == before && info->alias) {
      match_control(f, model, node, (MxParam)p, info->alias, s, first);
    }
  }
}

// Every target a pattern address reaches
static void
expand(Found* const f, const MxModel* const model, const Segments* const s)
{
  static const char* const heads[MX_NODE_N] = { "strip", "bus",       "master",
                                                "vca",   "mutegroup", "monitor" };
  for (unsigned k = 0U; k < MX_NODE_N && !f->full; ++k) {
    if (!mx_pattern_match(s->seg[0], heads[k])) {
      continue;
    }
    const MxNodeKind kind    = (MxNodeKind)k;
    const bool       indexed = kind != MX_NODE_MASTER && kind != MX_NODE_MONITOR;
    if (!indexed) {
      const MxNode node = { kind, 0U };
      match_node(f, model, node, s, 1U);
      continue;
    }
    for (uint32_t i = 0U; s->n >= 3U && i < mx_model_count(model, kind) && !f->full; ++i) {
      const MxNode node = { kind, i };
      const bool   hit  = kind == MX_NODE_STRIP || kind == MX_NODE_BUS
                            ? names_node(s->seg[1], mx_model_name(model, node), i)
                            : names_node(s->seg[1], "", i);
      if (hit) {
        match_node(f, model, node, s, 2U);
      }
    }
  }
}

// Resolve a request's address: one control exactly, or a pattern's many
static MxStatus
resolve(MxOscControl* const ctl,
        const char* const   path,
        size_t* const       n,
        char* const         why,
        const size_t        size)
{
  const MxModel* const model = mx_engine_model(ctl->engine);
  Segments             s;
  Found                f = { ctl, 0U, false, false };
  if (!split(path, &s)) {
    return mx_why(MX_ERR_NOT_FOUND, why, size, "no such address");
  }
  f.norm = s.n > 1U && !strcmp(s.seg[s.n - 1U], "norm");
  s.n -= f.norm;

  if (!mx_pattern_is_pattern(path)) {
    char plain[MX_ADDR_MAX + 1U];
    snprintf(plain, sizeof(plain), "%s", path);
    if (f.norm) {
      plain[strlen(plain) - 5U] = '\0';
    }
    MxStatus st = mx_addr_parse(model, plain, &ctl->targets[0].addr, why, size);
    if (!st && f.norm &&
        (ctl->targets[0].addr.kind != MX_ADDR_CONTROL ||
         !mx_taper_applies(ctl->targets[0].addr.param))) {
      st = mx_why(MX_ERR_NOT_APPLICABLE, why, size, "only numbers have a /norm form");
    }
    ctl->targets[0].norm = f.norm;
    *n                   = st ? 0U : 1U;
    return st;
  }

  for (unsigned i = 0U; i < s.n; ++i) {
    if (!mx_pattern_valid(s.seg[i])) {
      return mx_why(MX_ERR_BAD_ARG, why, size, "bad pattern segment '%s'", s.seg[i]);
    }
  }
  expand(&f, model, &s);
  if (f.full) {
    return mx_why(
      MX_ERR_FULL, why, size, "the pattern reaches more than %u controls", MX_OSC_MAX_TARGETS);
  }
  *n = f.n;
  return f.n ? MX_SUCCESS : mx_why(MX_ERR_NOT_FOUND, why, size, "the pattern matches nothing");
}

// ---------------------------------------------------------------------------
// Setting

// A message argument as a value of the control: numbers and booleans,
// or text (a choice's label, "-inf"); out-of-range numbers are clamped
static MxStatus
argument_value(const MxParam       param,
               const char          type,
               const lo_arg* const arg,
               const bool          norm,
               float* const        out,
               char* const         why,
               const size_t        size)
{
  const MxParamInfo* const info = mx_param_info(param);
  double                   v    = 0.0;
  switch (type) {
    case LO_FLOAT:
      v = (double)arg_float(arg);
      break;
    case LO_DOUBLE:
      v = arg_double(arg);
      break;
    case LO_INT32:
      v = arg_int32(arg);
      break;
    case LO_INT64:
      v = (double)arg_int64(arg);
      break;
    case LO_TRUE:
      v = 1.0;
      break;
    case LO_FALSE:
      v = 0.0;
      break;
    case LO_STRING:
    case LO_SYMBOL:
      if (norm) {
        return mx_why(MX_ERR_BAD_ARG, why, size, "a /norm value is a number from 0 to 1");
      }
      return mx_addr_parse_value(param, arg_string(arg), out, why, size);
    default:
      return mx_why(MX_ERR_BAD_ARG, why, size, "wrong type '%c': send a number", type);
  }
  if (!isfinite(v)) {
    return mx_why(MX_ERR_BAD_ARG, why, size, "not a finite number");
  }
  if (norm) {
    *out = mx_taper_from_norm(param, (float)v);
    return MX_SUCCESS;
  }

  switch (info->type) {
    case MX_PARAM_SWITCH:
      *out = v != 0.0 ? 1.0f : 0.0f;
      break;
    case MX_PARAM_ENUM:
      *out = (float)fmin(fmax(floor(v + 0.5), (double)info->min), (double)info->max);
      break;
    case MX_PARAM_FLOAT:
      *out = (float)fmin(fmax(v, (double)info->min), (double)info->max);
      break;
  }
  return MX_SUCCESS;
}

// Explain a refused change
static void
set_error(MxOscControl* const    ctl,
          const MxOscPeer* const from,
          const Target* const    t,
          const MxStatus         st)
{
  char path[MX_ADDR_MAX + 8U];
  char why[256];
  target_path(ctl, t, path, sizeof(path));
  if (st == MX_ERR_CYCLE) {
    const MxNode dest = { MX_NODE_BUS, t->addr.sub };
    snprintf(why,
             sizeof(why),
             "routing %s to %s would form a cycle",
             mx_model_name(mx_engine_model(ctl->engine), t->addr.node),
             mx_model_name(mx_engine_model(ctl->engine), dest));
  } else {
    snprintf(why, sizeof(why), "%s", mx_strerror(st));
  }
  send_error(ctl, from, path, why);
}

// ---------------------------------------------------------------------------
// The journal

// A sender's number: FNV-1a over its address, never 0
static unsigned
peer_source(const MxOscPeer* const peer)
{
  uint32_t                   h = 2166136261U;
  const unsigned char* const b = (const unsigned char*)&peer->addr;
  for (socklen_t i = 0U; i < peer->len; ++i) {
    h = (h ^ b[i]) * 16777619U;
  }
  return h ? h : 1U;
}

static void
step_begin(MxOscControl* const ctl, const MxOscPeer* const from)
{
  if (ctl->journal.begin && !ctl->step_open) {
    ctl->journal.begin(ctl->journal.data, peer_source(from), now_ms());
    ctl->step_open = true;
  }
}

static void
step_end(MxOscControl* const ctl)
{
  if (ctl->step_open && !ctl->bundle_depth) {
    ctl->journal.end(ctl->journal.data, mx_engine_model(ctl->engine));
    ctl->step_open = false;
  }
}

// The topology is about to change
static void
step_topology(MxOscControl* const ctl)
{
  if (ctl->step_open) {
    ctl->journal.topology(ctl->journal.data, mx_engine_model(ctl->engine));
  }
}

// Set a control through the engine, and tell the journal
static MxStatus
set_control(MxOscControl* const ctl, const MxAddr* const addr, const float value)
{
  const MxModel* const model  = mx_engine_model(ctl->engine);
  float                before = 0.0f;
  float                after  = 0.0f;
  mx_model_get(model, addr->node, addr->param, addr->sub, &before);
  const MxStatus st = mx_engine_set(ctl->engine, addr->node, addr->param, addr->sub, value);
  if (!st && ctl->step_open && !mx_model_get(model, addr->node, addr->param, addr->sub, &after)) {
    ctl->journal.change(ctl->journal.data, addr->node, addr->param, addr->sub, before, after);
  }
  return st;
}

void
mx_osc_control_set_journal(MxOscControl* const ctl, const MxOscJournal* const journal)
{
  memset(&ctl->journal, 0, sizeof(ctl->journal));
  if (journal) {
    ctl->journal = *journal;
  }
}

void
mx_osc_control_set_commands(MxOscControl* const ctl, const MxOscCommands* const commands)
{
  memset(&ctl->commands, 0, sizeof(ctl->commands));
  if (commands) {
    ctl->commands = *commands;
  }
}

void
mx_osc_control_reply(MxOscControl* const    ctl,
                     const MxOscPeer* const to,
                     const char* const      path,
                     const lo_message       msg)
{
  send_message(ctl, to, path, msg);
}

void
mx_osc_control_error(MxOscControl* const    ctl,
                     const MxOscPeer* const to,
                     const char* const      path,
                     const char* const      why)
{
  send_error(ctl, to, path, why);
}

// ---------------------------------------------------------------------------
// Requests to controls

// Set or get every target; one reply per target, bundled
static void
apply(MxOscControl* const       ctl,
      const MxOscPeer* const    from,
      const MxOscMessage* const msg,
      const size_t              n)
{
  Stream replies;
  memset(&replies, 0, sizeof(replies));
  replies.ctl = ctl;
  replies.to  = from;
  // Gathered for this call only: reset to NULL before it returns
  // cppcheck-suppress autoVariables
  ctl->replies = &replies;
  mx_engine_begin(ctl->engine);
  for (size_t i = 0U; i < n; ++i) {
    Target* const t = &ctl->targets[i];
    char          why[256];
    switch (t->addr.kind) {
      case MX_ADDR_CONTROL: {
        float    value = 0.0f;
        MxStatus st    = MX_SUCCESS;
        if (msg->argc == 0) {
          reply_value(ctl, from, t);
          break;
        }
        if (msg->argc != 1) {
          send_error(ctl, from, msg->path, "one value, or none to get it");
          i = n;
          break;
        }
        st = argument_value(
          t->addr.param, msg->types[0], msg->argv[0], t->norm, &value, why, sizeof(why));
        if (st) {
          send_error(ctl, from, msg->path, why);
          i = n; // The same argument is bad for every target
          break;
        }
        st = set_control(ctl, &t->addr, value);
        if (st) {
          set_error(ctl, from, t, st);
        } else {
          reply_value(ctl, from, t);
        }
        break;
      }
      case MX_ADDR_NAME: {
        char path[MX_ADDR_MAX + 1U];
        target_path(ctl, t, path, sizeof(path));
        if (msg->argc == 1 && (msg->types[0] == LO_STRING || msg->types[0] == LO_SYMBOL)) {
          step_topology(ctl);
          const MxStatus st = mx_engine_rename(ctl->engine, t->addr.node, arg_string(msg->argv[0]));
          if (st) {
            send_error(ctl, from, path, st == MX_ERR_EXISTS ? "the name is taken" : "bad name");
            break;
          }
          target_path(ctl, t, path, sizeof(path));
        } else if (msg->argc) {
          send_error(ctl, from, path, "a name is a string");
          break;
        }
        const lo_message m = lo_message_new();
        lo_message_add_string(m, mx_model_name(mx_engine_model(ctl->engine), t->addr.node));
        send_message(ctl, from, path, m);
        break;
      }
      case MX_ADDR_REMOVE: {
        char path[MX_ADDR_MAX + 1U];
        target_path(ctl, t, path, sizeof(path));
        if (msg->argc) {
          send_error(ctl, from, path, "remove takes no argument");
        } else if ((step_topology(ctl), mx_engine_remove(ctl->engine, t->addr.node))) {
          send_error(ctl, from, path, "cannot remove it");
        } else {
          send_message(ctl, from, path, lo_message_new());

          // Positions close up: the later targets of that kind move down one
          for (size_t j = i + 1U; j < n; ++j) {
            MxNode* const later = &ctl->targets[j].addr.node;
            if (later->kind == t->addr.node.kind && later->index > t->addr.node.index) {
              --later->index;
            }
          }
        }
        break;
      }
      default:
        break;
    }
  }
  mx_engine_commit(ctl->engine);
  ctl->replies = NULL;
  stream_flush(&replies);
}

// ---------------------------------------------------------------------------
// The addresses that are not controls

// /strip/add s:name i:channels, /bus/add s:name s:kind i:channels
static void
add_node(MxOscControl* const       ctl,
         const MxOscPeer* const    from,
         const MxOscMessage* const msg,
         const bool                bus)
{
  const char* const name     = mx_osc_arg_string(msg, 0);
  const char* const kind     = bus ? mx_osc_arg_string(msg, 1) : "aux";
  int               channels = 0;
  MxBusKind         bus_kind = MX_BUS_AUX;
  if (!name || !kind || !mx_osc_arg_int(msg, bus ? 2 : 1, &channels) ||
      msg->argc != (bus ? 3 : 2) || (channels != 1 && channels != 2) ||
      mx_bus_kind_find(kind, &bus_kind)) {
    send_error(ctl,
               from,
               msg->path,
               bus ? "takes s:name s:aux|group i:channels (1 or 2)"
                   : "takes s:name i:channels (1 or 2)");
    return;
  }
  step_topology(ctl);
  const MxStatus st = bus ? mx_engine_add_bus(ctl->engine, name, bus_kind, (unsigned)channels, NULL)
                          : mx_engine_add_strip(ctl->engine, name, (unsigned)channels, NULL);
  if (st) {
    send_error(ctl,
               from,
               msg->path,
               st == MX_ERR_EXISTS ? "the name is taken"
               : st == MX_ERR_FULL ? "no room for another (capacity reached)"
               : st == MX_ERR_BAD_ARG
                 ? "bad name: letters, digits, _ - ., not starting with a digit"
                 : mx_strerror(st));
    return;
  }
  const lo_message m = lo_message_new();
  lo_message_add_string(m, name);
  if (bus) {
    lo_message_add_string(m, kind);
  }
  lo_message_add_int32(m, channels);
  send_message(ctl, from, msg->path, m);
}

// /jack/connect s:from s:to, /jack/disconnect s:from s:to
static void
connection(MxOscControl* const       ctl,
           const MxOscPeer* const    from,
           const MxOscMessage* const msg,
           const bool                add)
{
  const char* const a = mx_osc_arg_string(msg, 0);
  const char* const b = mx_osc_arg_string(msg, 1);
  if (!a || !b || msg->argc != 2) {
    send_error(ctl, from, msg->path, "takes s:from s:to (port names or patterns)");
    return;
  }
  step_topology(ctl);
  // A rule that is there already stays, as a value set again does (so a
  // /dump can be sent back whole)
  const MxStatus st = add ? mx_engine_add_connection(ctl->engine, a, b)
                          : mx_engine_remove_connection(ctl->engine, a, b);
  if (st && !(add && st == MX_ERR_EXISTS)) {
    send_error(ctl, from, msg->path, st == MX_ERR_NOT_FOUND ? "no such rule" : mx_strerror(st));
    return;
  }
  const lo_message m = lo_message_new();
  lo_message_add_string(m, a);
  lo_message_add_string(m, b);
  send_message(ctl, from, msg->path, m);
}

static void
info(MxOscControl* const ctl, const MxOscPeer* const from)
{
  const MxModel* const model = mx_engine_model(ctl->engine);
  const lo_message     m     = lo_message_new();
  lo_message_add_string(m, PACKAGE_VERSION);
  lo_message_add_float(m, (float)mx_engine_config(ctl->engine)->rate);
  lo_message_add_int32(m, (int32_t)mx_model_count(model, MX_NODE_STRIP));
  lo_message_add_int32(m, (int32_t)mx_model_count(model, MX_NODE_BUS));
  lo_message_add_int32(m, (int32_t)mx_engine_latency(ctl->engine));
  send_message(ctl, from, "/info", m);
}

// Every control of one node, as get replies
static void
stream_node(Stream* const        s,
            const MxModel* const model,
            const MxNode         node,
            const char* const    prefix,
            const bool           list)
{
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    for (uint32_t sub = 0U; sub < mx_model_sub_count(model, node, (MxParam)p); ++sub) {
      const Target t = { { MX_ADDR_CONTROL, node, (MxParam)p, sub }, false };
      float        v = 0.0f;
      char         path[MX_ADDR_MAX + 8U];
      if (mx_model_get(model, node, (MxParam)p, sub, &v)) {
        continue;
      }
      target_path(s->ctl, &t, path, sizeof(path));
      if (strncmp(path, prefix, strlen(prefix))) {
        continue;
      }
      if (!list) {
        stream_add(s, path, value_message((MxParam)p, v, false));
        continue;
      }
      const MxParamInfo* const info = mx_param_info((MxParam)p);
      char                     range[160];
      char                     def[32];
      mx_addr_format_range((MxParam)p, range, sizeof(range));
      mx_addr_format_value(
        (MxParam)p, mx_model_default(model, node, (MxParam)p, sub), def, sizeof(def));
      const lo_message m = lo_message_new();
      lo_message_add_string(m, path);
      lo_message_add_string(m, "control");
      lo_message_add_string(m,
                            info->type == MX_PARAM_FLOAT    ? "f"
                            : info->type == MX_PARAM_SWITCH ? "i"
                                                            : "s");
      lo_message_add_string(m, info->unit);
      lo_message_add_string(m, range);
      lo_message_add_string(m, def);
      stream_add(s, "/list/item", m);
    }
  }
}

static void
stream_nodes(Stream* const s, const MxModel* const model, const char* const prefix, const bool list)
{
  for (unsigned k = 0U; k < MX_NODE_N; ++k) {
    for (uint32_t i = 0U; i < mx_model_count(model, (MxNodeKind)k); ++i) {
      const MxNode node = { (MxNodeKind)k, i };
      stream_node(s, model, node, prefix, list);
    }
  }
}

// /dump: the strips and buses, every value, the connection rules
static void
dump(MxOscControl* const ctl, const MxOscPeer* const from)
{
  const MxModel* const model = mx_engine_model(ctl->engine);
  Stream               s     = { ctl, from, NULL, 0U, 0U, NULL, "" };
  for (uint32_t i = 0U; i < mx_model_count(model, MX_NODE_STRIP); ++i) {
    const MxNode     node = { MX_NODE_STRIP, i };
    const lo_message m    = lo_message_new();
    lo_message_add_string(m, mx_model_name(model, node));
    lo_message_add_int32(m, (int32_t)mx_model_channels(model, node));
    stream_add(&s, "/strip/add", m);
  }
  for (uint32_t i = 0U; i < mx_model_count(model, MX_NODE_BUS); ++i) {
    const MxNode     node = { MX_NODE_BUS, i };
    const lo_message m    = lo_message_new();
    lo_message_add_string(m, mx_model_name(model, node));
    lo_message_add_string(m, mx_bus_kind_name(mx_model_bus_kind(model, node)));
    lo_message_add_int32(m, (int32_t)mx_model_channels(model, node));
    stream_add(&s, "/bus/add", m);
  }
  stream_nodes(&s, model, "", false);
  // The connection rules, last, as a session has them
  for (uint32_t i = 0U; i < mx_model_connection_count(model); ++i) {
    const char*      rule_from = NULL;
    const char*      rule_to   = NULL;
    const lo_message m         = lo_message_new();
    mx_model_connection(model, i, &rule_from, &rule_to);
    lo_message_add_string(m, rule_from);
    lo_message_add_string(m, rule_to);
    stream_add(&s, "/jack/connect", m);
  }
  const lo_message end = lo_message_new();
  lo_message_add_int32(end, (int32_t)s.count);
  stream_add(&s, "/dump/end", end);
  stream_flush(&s);
}

// /list [s:prefix]: what is there, under the prefix
static void
list(MxOscControl* const ctl, const MxOscPeer* const from, const char* const prefix)
{
  const MxModel* const     model      = mx_engine_model(ctl->engine);
  Stream                   s          = { ctl, from, NULL, 0U, 0U, NULL, "" };
  static const char* const commands[] = { "/ping",
                                          "/info",
                                          "/list",
                                          "/dump",
                                          "/subscribe",
                                          "/unsubscribe",
                                          "/meters/subscribe",
                                          "/meters/unsubscribe",
                                          "/strip/add",
                                          "/bus/add",
                                          "/jack/connect",
                                          "/jack/disconnect" };
  for (size_t i = 0U; i < sizeof(commands) / sizeof(*commands); ++i) {
    if (!strncmp(commands[i], prefix, strlen(prefix))) {
      const lo_message m = lo_message_new();
      lo_message_add_string(m, commands[i]);
      lo_message_add_string(m, "command");
      stream_add(&s, "/list/item", m);
    }
  }
  stream_nodes(&s, model, prefix, true);
  const lo_message end = lo_message_new();
  lo_message_add_int32(end, (int32_t)s.count);
  stream_add(&s, "/list/end", end);
  stream_flush(&s);
}

// ---------------------------------------------------------------------------
// Subscriptions

static Subscriber*
find_subscriber(Subscriber* const list, const unsigned n, const MxOscPeer* const peer)
{
  for (unsigned i = 0U; i < n; ++i) {
    if (mx_osc_peer_same(&list[i].peer, peer)) {
      return &list[i];
    }
  }
  return NULL;
}

// The sender, or the sender's address with another port (i:port first)
static MxOscPeer
reply_peer(const MxOscPeer* const from, const MxOscMessage* const msg, int* const used)
{
  MxOscPeer peer = *from;
  int       port = 0;
  *used          = 0;
  if (mx_osc_arg_int(msg, 0, &port) && port > 0 && port < 65536) {
    mx_osc_peer_set_port(&peer, (unsigned)port);
    *used = 1;
  }
  return peer;
}

static void
subscribe(MxOscControl* const       ctl,
          const MxOscPeer* const    from,
          const MxOscMessage* const msg,
          const bool                meters)
{
  int               used    = 0;
  int               rate    = 0;
  const MxOscPeer   peer    = meters ? *from : reply_peer(from, msg, &used);
  const char* const pattern = mx_osc_arg_string(msg, meters ? 1 : used);
  Subscriber* const list    = meters ? ctl->meters : ctl->subs;
  unsigned* const   n       = meters ? &ctl->n_meters : &ctl->n_subs;
  if (meters && (!mx_osc_arg_int(msg, 0, &rate) || rate < 1 || rate > 100)) {
    send_error(ctl, from, msg->path, "takes i:rate_hz (1 to 100) [s:pattern]");
    return;
  }
  if ((pattern && strlen(pattern) > MX_ADDR_MAX) || msg->argc > (meters ? 2 : used + 1)) {
    send_error(
      ctl, from, msg->path, meters ? "takes i:rate_hz [s:pattern]" : "takes [i:port] [s:pattern]");
    return;
  }

  Subscriber* sub = find_subscriber(list, *n, &peer);
  if (!sub) {
    if (*n == MX_OSC_MAX_SUBSCRIBERS) {
      send_error(ctl, from, msg->path, "too many subscribers");
      return;
    }
    sub = &list[(*n)++];
    memset(sub, 0, sizeof(*sub));
    sub->peer = peer;
    if (meters) {
      const uint32_t nodes = ctl->limits.strips + ctl->limits.buses + 1U;
      sub->acc             = (MxEngineMeters*)calloc(nodes, sizeof(MxEngineMeters));
      sub->has             = (bool*)calloc(nodes, sizeof(bool));
      if (!sub->acc || !sub->has) {
        drop_subscriber(list, n, (unsigned)(sub - list));
        send_error(ctl, from, msg->path, "out of memory");
        return;
      }
    }
  }
  snprintf(sub->pattern, sizeof(sub->pattern), "%s", pattern ? pattern : "");
  sub->expires = now_ms() + ctl->lease;
  sub->period  = meters ? 1000.0 / rate : 0.0;
  sub->next    = now_ms() + sub->period;

  const lo_message m = lo_message_new();
  lo_message_add_float(m, (float)(ctl->lease / 1000.0));
  send_message(ctl, from, meters ? "/meters/subscribed" : "/subscribed", m);
}

static void
unsubscribe(MxOscControl* const       ctl,
            const MxOscPeer* const    from,
            const MxOscMessage* const msg,
            const bool                meters)
{
  int               used = 0;
  const MxOscPeer   peer = meters ? *from : reply_peer(from, msg, &used);
  Subscriber* const list = meters ? ctl->meters : ctl->subs;
  unsigned* const   n    = meters ? &ctl->n_meters : &ctl->n_subs;
  Subscriber* const sub  = find_subscriber(list, *n, &peer);
  if (sub) {
    drop_subscriber(list, n, (unsigned)(sub - list));
  }
  send_message(ctl, from, meters ? "/meters/unsubscribed" : "/unsubscribed", lo_message_new());
}

// ---------------------------------------------------------------------------
// Aliases

static const Alias*
find_alias(const MxOscControl* const ctl, const char* const path)
{
  for (unsigned i = 0U; i < ctl->n_aliases; ++i) {
    if (!strcmp(ctl->aliases[i].alias, path)) {
      return &ctl->aliases[i];
    }
  }
  return NULL;
}

MxStatus
mx_osc_control_set_aliases(MxOscControl* const ctl,
                           const char* const   text,
                           const char* const   name,
                           char* const         err,
                           const size_t        size)
{
  Alias* const loaded = (Alias*)calloc(MAX_ALIASES, sizeof(Alias));
  char* const  copy   = strdup(text);
  unsigned     n      = 0U;
  MxStatus st = loaded && copy ? MX_SUCCESS : mx_why(MX_ERR_NO_MEMORY, err, size, "out of memory");
  const char* at = text;
  for (unsigned number = 1U; !st && *at; ++number) {
    char         line[512];
    const size_t len = strcspn(at, "\n");
    if (len >= sizeof(line)) {
      st = mx_why(MX_ERR_BAD_ARG,
                  err,
                  size,
                  "%s:%u: line longer than %zu bytes",
                  name,
                  number,
                  sizeof(line) - 1U);
      break;
    }
    memcpy(line, at, len);
    line[len] = '\0';
    at += len + (at[len] == '\n');
    char* const hash = strchr(line, '#');
    if (hash) {
      *hash = '\0';
    }
    char      a[MX_ADDR_MAX + 2U] = "";
    char      t[MX_ADDR_MAX + 2U] = "";
    float     lo                  = 0.0f;
    float     hi                  = 0.0f;
    char      extra[2]            = "";
    const int got                 = sscanf(line, "%128s %128s %f %f %1s", a, t, &lo, &hi, extra);
    if (got <= 0) {
      continue;
    }
    // "%f" stops at text that is no number, so look for it after TARGET
    if ((got != 2 && got != 4) || (got == 2 && sscanf(line, "%*s %*s %1s", extra) == 1)) {
      st = mx_why(MX_ERR_BAD_ARG, err, size, "%s:%u: expected ALIAS TARGET [LO HI]", name, number);
    } else if (a[0] != '/' || t[0] != '/' || strlen(a) > MX_ADDR_MAX || strlen(t) > MX_ADDR_MAX) {
      st = mx_why(MX_ERR_BAD_ARG, err, size, "%s:%u: addresses start with '/'", name, number);
    } else if (got == 4 && !(isfinite(lo) && isfinite(hi) && lo != hi)) {
      st = mx_why(
        MX_ERR_BAD_ARG, err, size, "%s:%u: LO and HI must be two different numbers", name, number);
    } else if (n == MAX_ALIASES) {
      st = mx_why(MX_ERR_FULL, err, size, "%s:%u: more than %u aliases", name, number, MAX_ALIASES);
    } else {
      Alias* const al = &loaded[n++];
      snprintf(al->alias, sizeof(al->alias), "%s", a);
      snprintf(al->target, sizeof(al->target), "%s", t);
      al->scaled = got == 4;
      al->lo     = lo;
      al->hi     = hi;
    }
  }
  if (st) {
    free(loaded);
    free(copy);
    return st;
  }
  free(ctl->aliases);
  free(ctl->alias_text);
  ctl->aliases    = loaded;
  ctl->n_aliases  = n;
  ctl->alias_text = copy;
  return MX_SUCCESS;
}

MxStatus
mx_osc_control_load_aliases(MxOscControl* const ctl,
                            const char* const   path,
                            char* const         err,
                            const size_t        size)
{
  FILE* const f = fopen(path, "rb");
  if (!f) {
    return mx_why(MX_ERR_NOT_FOUND, err, size, "%s: %s", path, strerror(errno));
  }
  // Room for every alias on a long line
  const size_t cap   = MAX_ALIASES * 512U;
  char* const  text  = (char*)malloc(cap);
  const size_t len   = text ? fread(text, 1U, cap - 1U, f) : 0U;
  const bool   whole = text && feof(f) && !ferror(f);
  fclose(f);
  MxStatus st = MX_SUCCESS;
  if (!whole) {
    st =
      mx_why(MX_ERR_RANGE, err, size, "%s: not readable, or longer than %zu bytes", path, cap - 1U);
  } else if ((text[len] = '\0', strlen(text) != len)) {
    st = mx_why(MX_ERR_BAD_ARG, err, size, "%s: NUL byte in the file (not a text file?)", path);
  } else {
    st = mx_osc_control_set_aliases(ctl, text, path, err, size);
  }
  free(text);
  return st;
}

const char*
mx_osc_control_aliases(const MxOscControl* const ctl)
{
  return ctl->alias_text ? ctl->alias_text : "";
}

// ---------------------------------------------------------------------------
// Requests

// The arguments of a message, for an echo (/ping -> /pong)
static lo_message
copy_arguments(const MxOscMessage* const msg)
{
  const lo_message m = lo_message_new();
  for (int i = 0; m && i < msg->argc; ++i) {
    const lo_arg* const a = msg->argv[i];
    switch (msg->types[i]) {
      case LO_INT32:
        lo_message_add_int32(m, arg_int32(a));
        break;
      case LO_FLOAT:
        lo_message_add_float(m, arg_float(a));
        break;
      case LO_DOUBLE:
        lo_message_add_double(m, arg_double(a));
        break;
      case LO_INT64:
        lo_message_add_int64(m, arg_int64(a));
        break;
      case LO_STRING:
        lo_message_add_string(m, arg_string(a));
        break;
      case LO_SYMBOL:
        lo_message_add_symbol(m, arg_string(a));
        break;
      case LO_CHAR:
        lo_message_add_char(m, (char)arg_int32(a));
        break;
      case LO_TIMETAG: {
        lo_timetag tt;
        memcpy(&tt, (const void*)a, sizeof(tt));
        lo_message_add_timetag(m, tt);
        break;
      }
      case LO_MIDI: {
        uint8_t midi[4];
        memcpy(midi, (const void*)a, sizeof(midi));
        lo_message_add_midi(m, midi);
        break;
      }
      case LO_INFINITUM:
        lo_message_add_infinitum(m);
        break;
      case LO_TRUE:
        lo_message_add_true(m);
        break;
      case LO_FALSE:
        lo_message_add_false(m);
        break;
      default:
        lo_message_add_nil(m);
        break;
    }
  }
  return m;
}

static void
handle_message(MxOscControl* const ctl, const MxOscPeer* const from, const MxOscMessage* const msg)
{
  const char* path = msg->path;
  char        why[256];

  // A surface's own address: the mixd one, its value scaled
  const Alias* const alias = find_alias(ctl, path);
  lo_arg             scaled;
  const char         ftype[2] = { LO_FLOAT, '\0' };
  lo_arg*            argv[1]  = { &scaled };
  MxOscMessage       mapped   = *msg;
  if (alias) {
    mapped.path = alias->target;
    if (alias->scaled && msg->argc == 1 && strchr("fdi", msg->types[0])) {
      const double x = msg->types[0] == LO_FLOAT    ? (double)arg_float(msg->argv[0])
                       : msg->types[0] == LO_DOUBLE ? arg_double(msg->argv[0])
                                                    : (double)arg_int32(msg->argv[0]);
      scaled.f       = (float)((double)alias->lo + x * (double)(alias->hi - alias->lo));
      mapped.types   = ftype;
      mapped.argv    = argv;
    }
    path = mapped.path;
  }

  if (ctl->commands.message && ctl->commands.message(ctl->commands.data, from, &mapped)) {
    return; // the host's
  }
  if (!strcmp(path, "/ping")) {
    send_message(ctl, from, "/pong", copy_arguments(msg));
  } else if (!strcmp(path, "/info")) {
    info(ctl, from);
  } else if (!strcmp(path, "/dump")) {
    dump(ctl, from);
  } else if (!strcmp(path, "/list")) {
    list(ctl, from, mx_osc_arg_string(msg, 0) ? mx_osc_arg_string(msg, 0) : "");
  } else if (!strcmp(path, "/subscribe") || !strcmp(path, "/meters/subscribe")) {
    subscribe(ctl, from, msg, path[1] == 'm');
  } else if (!strcmp(path, "/unsubscribe") || !strcmp(path, "/meters/unsubscribe")) {
    unsubscribe(ctl, from, msg, path[1] == 'm');
  } else if (!strcmp(path, "/strip/add") || !strcmp(path, "/bus/add")) {
    add_node(ctl, from, &mapped, path[1] == 'b');
  } else if (!strcmp(path, "/jack/connect") || !strcmp(path, "/jack/disconnect")) {
    connection(ctl, from, &mapped, path[6] == 'c');
  } else {
    size_t n = 0U;
    if (resolve(ctl, path, &n, why, sizeof(why))) {
      send_error(ctl, from, msg->path, why);
      return;
    }
    apply(ctl, from, &mapped, n);
  }
}

// One message, one journal step (unless a bundle holds it)
static void
on_message(void* const data, const MxOscPeer* const from, const MxOscMessage* const msg)
{
  MxOscControl* const ctl = (MxOscControl*)data;
  step_begin(ctl, from);
  handle_message(ctl, from, msg);
  step_end(ctl);
}

// A bundle: one engine transaction and one journal step
static void
on_bundle(void* const data, const MxOscPeer* const from, const bool begin)
{
  MxOscControl* const ctl = (MxOscControl*)data;
  if (begin) {
    step_begin(ctl, from);
    ++ctl->bundle_depth;
    mx_engine_begin(ctl->engine);
  } else {
    mx_engine_commit(ctl->engine);
    if (ctl->bundle_depth) {
      --ctl->bundle_depth;
    }
    step_end(ctl);
  }
}

static void
on_malformed(void* const data, const MxOscPeer* const from, const char* const why)
{
  send_error((MxOscControl*)data, from, "", why);
}

MxOscHandlers
mx_osc_control_handlers(MxOscControl* const ctl)
{
  const MxOscHandlers h = { on_message, on_bundle, on_malformed, ctl };
  return h;
}

// ---------------------------------------------------------------------------
// Feedback

// Does a subscription pattern take this address?  Segment by segment; a
// last segment "*" takes any rest of the address
static bool
pattern_takes(const char* const pattern, const char* const path)
{
  if (!pattern[0]) {
    return true;
  }
  Segments p;
  Segments a;
  if (!split(pattern, &p) || !split(path, &a)) {
    return false;
  }
  for (unsigned i = 0U; i < p.n; ++i) {
    if (i == a.n) {
      return false;
    }
    if (i + 1U == p.n && !strcmp(p.seg[i], "*")) {
      return true;
    }
    if (!mx_pattern_match(p.seg[i], a.seg[i])) {
      return false;
    }
  }
  return p.n == a.n;
}

static void
to_subscribers(MxOscControl* const ctl,
               const char* const   path,
               const lo_message    m,
               const bool          always)
{
  // Hold a reference while the bundles take theirs (liblo counts from 0)
  if (m) {
    lo_message_incref(m);
  }
  for (unsigned i = 0U; m && i < ctl->n_subs; ++i) {
    Subscriber* const sub = &ctl->subs[i];
    if (!always && !pattern_takes(sub->pattern, path)) {
      continue;
    }
    const size_t len = lo_message_length(m, path) + 4U;
    if (sub->out && sub->out_bytes + len > BUNDLE_BYTES) {
      mx_osc_server_send_bundle(ctl->server, &sub->peer, sub->out);
      lo_bundle_free_recursive(sub->out);
      sub->out = NULL;
    }
    if (!sub->out) {
      sub->out       = lo_bundle_new(LO_TT_IMMEDIATE);
      sub->out_bytes = 16U;
    }
    lo_bundle_add_message(sub->out, path, m);
    sub->out_bytes += len;
  }
  if (m) {
    lo_message_free(m);
  }
}

// A control changed: tell the subscribers, on its address and its aliases
static void
changed(MxOscControl* const ctl, const MxAddr* const addr, const float value)
{
  const Target t = { *addr, false };
  char         path[MX_ADDR_MAX + 8U];
  target_path(ctl, &t, path, sizeof(path));
  to_subscribers(ctl, path, value_message(addr->param, value, false), false);

  for (unsigned i = 0U; i < ctl->n_aliases; ++i) {
    const Alias* const  al = &ctl->aliases[i];
    const MxAddr* const at = &al->at;
    if (!al->at_ok || at->param != addr->param || at->sub != addr->sub ||
        at->node.kind != addr->node.kind || at->node.index != addr->node.index) {
      continue;
    }
    float x            = al->at_norm ? mx_taper_to_norm(addr->param, value) : value;
    x                  = al->scaled ? (x - al->lo) / (al->hi - al->lo) : x;
    const lo_message m = lo_message_new();
    lo_message_add_float(m, x);
    to_subscribers(ctl, al->alias, m, true);
  }
}

static void
structure_changed(MxOscControl* const ctl, const char* const path, const lo_message m)
{
  to_subscribers(ctl, path, m, true);
}

// Compare one node with its shadow; report and remember what changed
static void
diff_node(MxOscControl* const  ctl,
          const MxModel* const model,
          const MxNodeKind     kind,
          const uint32_t       slot)
{
  Shadow* const sh      = &ctl->shadow[shadow_index(ctl, kind, slot)];
  const bool    channel = kind == MX_NODE_STRIP || kind == MX_NODE_BUS;
  MxNode        node    = { kind, slot };
  bool          used    = true;
  if (channel) {
    used = mx_model_slot_state(model, kind, slot) == MX_SLOT_USED &&
           !mx_model_slot_node(model, kind, slot, &node);
  }

  // Structure: added, removed, renamed
  const char* const what = kind == MX_NODE_STRIP ? "strip" : "bus";
  char              path[MX_ADDR_MAX + 8U];
  if (channel && !used) {
    if (sh->state == MX_SLOT_USED) {
      snprintf(path, sizeof(path), "/%s/%s/remove", what, sh->name);
      structure_changed(ctl, path, lo_message_new());
      sh->state = MX_SLOT_FREE;
      for (uint32_t v = 0U; v < ctl->layout; ++v) {
        sh->values[v] = NAN;
      }
    }
    return;
  }
  if (channel) {
    const char* const name = mx_model_name(model, node);
    if (sh->state != MX_SLOT_USED) {
      const lo_message m = lo_message_new();
      lo_message_add_string(m, name);
      if (kind == MX_NODE_BUS) {
        lo_message_add_string(m, mx_bus_kind_name(mx_model_bus_kind(model, node)));
      }
      lo_message_add_int32(m, (int32_t)mx_model_channels(model, node));
      snprintf(path, sizeof(path), "/%s/add", what);
      structure_changed(ctl, path, m);
    } else if (strcmp(sh->name, name)) {
      const lo_message m = lo_message_new();
      lo_message_add_string(m, name);
      snprintf(path, sizeof(path), "/%s/%s/name", what, sh->name);
      structure_changed(ctl, path, m);
    }
    sh->state = MX_SLOT_USED;
    snprintf(sh->name, sizeof(sh->name), "%s", name);
  }

  // Values
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    const MxParamInfo* const info = mx_param_info((MxParam)p);
    if (!(info->nodes & (1U << kind))) {
      continue;
    }
    for (uint32_t sub = 0U; sub < mx_model_sub_count(model, node, (MxParam)p); ++sub) {
      float          v = 0.0f;
      const uint32_t sub_slot =
        info->sub == MX_SUB_BUS ? mx_model_slot(model, (MxNode){ MX_NODE_BUS, sub }) : sub;
      float* const shadowed = &sh->values[ctl->offsets[p] + sub_slot];
      if (!mx_model_applies(model, node, (MxParam)p, sub) ||
          mx_model_get(model, node, (MxParam)p, sub, &v) || v == *shadowed) {
        continue;
      }
      *shadowed         = v;
      const MxAddr addr = { MX_ADDR_CONTROL, node, (MxParam)p, sub };
      changed(ctl, &addr, v);
    }
  }
}

static void
flush_subscribers(MxOscControl* const ctl)
{
  for (unsigned i = 0U; i < ctl->n_subs; ++i) {
    Subscriber* const sub = &ctl->subs[i];
    if (sub->out) {
      mx_osc_server_send_bundle(ctl->server, &sub->peer, sub->out);
      lo_bundle_free_recursive(sub->out);
      sub->out = NULL;
    }
  }
}

static void
feedback(MxOscControl* const ctl)
{
  const MxModel* const model = mx_engine_model(ctl->engine);
  const uint64_t       gen   = mx_model_generation(model);
  if (gen == ctl->generation) {
    return;
  }
  ctl->generation = gen;

  // What each alias names now (names and positions may have moved)
  for (unsigned i = 0U; i < ctl->n_aliases; ++i) {
    Alias* const al = &ctl->aliases[i];
    char         plain[MX_ADDR_MAX + 1U];
    snprintf(plain, sizeof(plain), "%s", al->target);
    const size_t len = strlen(plain);
    al->at_norm      = len > 5U && !strcmp(plain + len - 5U, "/norm");
    if (al->at_norm) {
      plain[len - 5U] = '\0';
    }
    al->at_ok = !mx_addr_parse(model, plain, &al->at, NULL, 0U) && al->at.kind == MX_ADDR_CONTROL;
  }

  for (uint32_t s = 0U; s < ctl->limits.strips; ++s) {
    diff_node(ctl, model, MX_NODE_STRIP, s);
  }
  for (uint32_t b = 0U; b < ctl->limits.buses; ++b) {
    diff_node(ctl, model, MX_NODE_BUS, b);
  }
  diff_node(ctl, model, MX_NODE_MASTER, 0U);
  for (uint32_t v = 0U; v < ctl->limits.vcas; ++v) {
    diff_node(ctl, model, MX_NODE_VCA, v);
  }
  for (uint32_t g = 0U; g < ctl->limits.mute_groups; ++g) {
    diff_node(ctl, model, MX_NODE_MUTE_GROUP, g);
  }
  diff_node(ctl, model, MX_NODE_MONITOR, 0U);
  flush_subscribers(ctl);
}

// ---------------------------------------------------------------------------
// Meters

static float
db(const float linear)
{
  return linear > 0.0f ? 20.0f * log10f(linear) : -INFINITY;
}

static void
merge_into(MxEngineMeters* const into, const MxEngineMeters* const from, const bool first)
{
  if (first) {
    *into = *from;
    return;
  }
  for (unsigned c = 0U; c < MX_STRIP_MAX_CHANNELS; ++c) {
    into->post_peak[c].peak   = fmaxf(into->post_peak[c].peak, from->post_peak[c].peak);
    into->pre_peak[c].peak    = fmaxf(into->pre_peak[c].peak, from->pre_peak[c].peak);
    into->post_rms[c].rms     = from->post_rms[c].rms;
    into->post_rms[c].rms_max = fmaxf(into->post_rms[c].rms_max, from->post_rms[c].rms_max);
  }
  into->gate_reduction_db    = fmaxf(into->gate_reduction_db, from->gate_reduction_db);
  into->comp_reduction_db    = fmaxf(into->comp_reduction_db, from->comp_reduction_db);
  into->limiter_reduction_db = fmaxf(into->limiter_reduction_db, from->limiter_reduction_db);
}

static uint32_t
meter_index(const MxOscControl* const ctl, const MxNodeKind kind, const uint32_t slot)
{
  return kind == MX_NODE_STRIP ? slot
         : kind == MX_NODE_BUS ? ctl->limits.strips + slot
                               : ctl->limits.strips + ctl->limits.buses;
}

// Take what the engine measured into every meter subscriber's account
static void
gather_meters(MxOscControl* const ctl, const MxModel* const model)
{
  for (unsigned k = 0U; k <= MX_NODE_MASTER; ++k) {
    for (uint32_t i = 0U; i < mx_model_count(model, (MxNodeKind)k); ++i) {
      const MxNode   node = { (MxNodeKind)k, i };
      MxEngineMeters m;
      if (mx_engine_take_meters(ctl->engine, node, &m)) {
        continue;
      }
      const uint32_t at = meter_index(ctl, node.kind, mx_model_slot(model, node));
      for (unsigned s = 0U; s < ctl->n_meters; ++s) {
        merge_into(&ctl->meters[s].acc[at], &m, !ctl->meters[s].has[at]);
        ctl->meters[s].has[at] = true;
      }
    }
  }
}

// One subscriber's bundle: peak L, peak R, RMS (dBFS) and gain reduction (dB) per node
static void
send_meters(MxOscControl* const ctl, const MxModel* const model, Subscriber* const sub)
{
  Stream s = { ctl, &sub->peer, NULL, 0U, 0U, NULL, "" };
  for (unsigned k = 0U; k <= MX_NODE_MASTER; ++k) {
    for (uint32_t i = 0U; i < mx_model_count(model, (MxNodeKind)k); ++i) {
      const MxNode   node = { (MxNodeKind)k, i };
      const uint32_t at   = meter_index(ctl, node.kind, mx_model_slot(model, node));
      char           path[MX_ADDR_MAX + 8U];
      snprintf(path,
               sizeof(path),
               "/meters/%s%s%s",
               mx_node_kind_name(node.kind),
               k == MX_NODE_MASTER ? "" : "/",
               k == MX_NODE_MASTER ? "" : mx_model_name(model, node));
      if (!pattern_takes(sub->pattern, path)) {
        continue;
      }
      const MxEngineMeters* const m   = &sub->acc[at];
      const bool                  has = sub->has[at];
      const unsigned              two = mx_model_channels(model, node) == 2U;
      const lo_message            msg = lo_message_new();
      lo_message_add_float(msg, has ? db(m->post_peak[0].peak) : -INFINITY);
      lo_message_add_float(msg, has ? db(m->post_peak[two].peak) : -INFINITY);
      lo_message_add_float(
        msg, has ? db(fmaxf(m->post_rms[0].rms_max, m->post_rms[two].rms_max)) : -INFINITY);
      lo_message_add_float(
        msg,
        has ? fmaxf(m->gate_reduction_db, fmaxf(m->comp_reduction_db, m->limiter_reduction_db))
            : 0.0f);
      stream_add(&s, path, msg);
      sub->has[at] = false;
    }
  }

  // The master's loudness: momentary, short-term, integrated, range, true peak
  if (pattern_takes(sub->pattern, "/meters/loudness")) {
    MxLoudnessReading loud;
    mx_engine_loudness(ctl->engine, &loud);
    const lo_message m = lo_message_new();
    lo_message_add_float(m, loud.momentary_lufs);
    lo_message_add_float(m, loud.short_term_lufs);
    lo_message_add_float(m, loud.integrated_lufs);
    lo_message_add_float(m, loud.range_lu);
    lo_message_add_float(m, loud.true_peak_dbtp);
    stream_add(&s, "/meters/loudness", m);
  }
  stream_flush(&s);
}

void
mx_osc_control_tick(MxOscControl* const ctl)
{
  const double         now   = now_ms();
  const MxModel* const model = mx_engine_model(ctl->engine);

  // Leases
  for (unsigned i = 0U; i < ctl->n_subs;) {
    if (now >= ctl->subs[i].expires) {
      drop_subscriber(ctl->subs, &ctl->n_subs, i);
    } else {
      ++i;
    }
  }
  for (unsigned i = 0U; i < ctl->n_meters;) {
    if (now >= ctl->meters[i].expires) {
      drop_subscriber(ctl->meters, &ctl->n_meters, i);
    } else {
      ++i;
    }
  }

  if (now >= ctl->next_feedback) {
    // On a fixed grid, so a 10 ms tick still gives about 30 a second
    ctl->next_feedback += MX_OSC_FEEDBACK_MS;
    if (ctl->next_feedback < now) {
      ctl->next_feedback = now;
    }
    feedback(ctl);
  }

  if (ctl->n_meters) {
    gather_meters(ctl, model);
    for (unsigned i = 0U; i < ctl->n_meters; ++i) {
      Subscriber* const sub = &ctl->meters[i];
      if (now >= sub->next) {
        sub->next = now + sub->period;
        send_meters(ctl, model, sub);
      }
    }
  }
}
