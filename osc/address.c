// SPDX-License-Identifier: GPL-3.0-or-later

#include "address.h"
#include "why.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/// Most segments of an address: /strip/ID/send/BUS/level
#define MAX_SEGMENTS 8U

/// An address cut into its segments
typedef struct {
  char        text[MX_ADDR_MAX + 1U]; ///< Copy of the address, NULs between segments
  const char* seg[MAX_SEGMENTS];      ///< The segments
  unsigned    n;                      ///< Number of segments
} Segments;

// "no such address: /strip/x" for an address cut short after its node
static MxStatus
no_such_address(const Segments* const s, char* const why, const size_t why_size)
{
  return mx_why(MX_ERR_NOT_FOUND,
                why,
                why_size,
                "no such address: /%s%s%s",
                s->seg[0],
                s->n > 1U ? "/" : "",
                s->n > 1U ? s->seg[1] : "");
}

static MxStatus
split(const char* const path, Segments* const s, char* const why, const size_t why_size)
{
  const size_t len = path ? strlen(path) : 0U;
  if (len == 0U || path[0] != '/') {
    return mx_why(MX_ERR_NOT_FOUND, why, why_size, "an address starts with '/'");
  }
  if (len > MX_ADDR_MAX) {
    return mx_why(MX_ERR_NOT_FOUND, why, why_size, "address longer than %u bytes", MX_ADDR_MAX);
  }

  memcpy(s->text, path + 1, len); // Includes the NUL
  s->n     = 0U;
  char* at = s->text;
  for (;;) {
    char* const slash = strchr(at, '/');
    if (slash) {
      *slash = '\0';
    }
    if (*at == '\0' || s->n == MAX_SEGMENTS) {
      return mx_why(MX_ERR_NOT_FOUND, why, why_size, "no such address: %s", path);
    }
    s->seg[s->n++] = at;
    if (!slash) {
      return MX_SUCCESS;
    }
    at = slash + 1;
  }
}

// A 1-based number of 1 to `max`, written plainly ("3", not "03" or "+3")
static bool
parse_number(const char* const text, const uint32_t max, uint32_t* const out)
{
  if (text[0] < '1' || text[0] > '9' || strlen(text) > 9U) {
    return false;
  }
  uint32_t n = 0U;
  for (const char* c = text; *c; ++c) {
    if (*c < '0' || *c > '9') {
      return false;
    }
    n = 10U * n + (uint32_t)(*c - '0');
  }
  *out = n;
  return n <= max;
}

// A strip or bus by name or 1-based position
static MxStatus
parse_id(const MxModel* const model,
         const MxNodeKind     kind,
         const char* const    text,
         uint32_t* const      index,
         char* const          why,
         const size_t         why_size)
{
  const char* const what  = mx_node_kind_name(kind);
  const uint32_t    count = mx_model_count(model, kind);
  uint32_t          n     = 0U;
  if (text[0] >= '0' && text[0] <= '9') {
    if (!parse_number(text, count, &n)) {
      return mx_why(MX_ERR_NOT_FOUND, why, why_size, "no %s %s (there are %u)", what, text, count);
    }
    *index = n - 1U;
    return MX_SUCCESS;
  }
  if (mx_model_find(model, kind, text, index)) {
    return mx_why(MX_ERR_NOT_FOUND, why, why_size, "no %s named '%s'", what, text);
  }
  return MX_SUCCESS;
}

// Match the rest of an address against one control's path; fills `sub`
static MxStatus
match_path(const MxModel* const     model,
           const MxParamInfo* const info,
           const char* const        path,
           const Segments* const    s,
           const unsigned           first,
           uint32_t* const          sub,
           char* const              why,
           const size_t             why_size)
{
  char copy[64];
  snprintf(copy, sizeof(copy), "%s", path);
  const char* pseg[MAX_SEGMENTS];
  unsigned    np   = 0U;
  char*       save = NULL;
  for (char* tok = strtok_r(copy, "/", &save); tok && np < MAX_SEGMENTS;
       tok       = strtok_r(NULL, "/", &save)) {
    pseg[np++] = tok;
  }
  if (np != s->n - first) {
    return MX_FAILURE;
  }

  // Literal segments first: only then does a bad sub-index deserve a message
  unsigned star = np;
  for (unsigned i = 0U; i < np; ++i) {
    if (!strcmp(pseg[i], "*")) {
      star = i;
    } else if (strcmp(pseg[i], s->seg[first + i])) {
      return MX_FAILURE;
    }
  }
  *sub = 0U;
  if (star == np) {
    return MX_SUCCESS;
  }

  const char* const text = s->seg[first + star];
  uint32_t          n    = 0U;
  switch (info->sub) {
    case MX_SUB_NONE:
      break;
    case MX_SUB_BAND:
      if (!parse_number(text, MX_PARAM_EQ_BANDS, &n)) {
        return mx_why(
          MX_ERR_NOT_FOUND, why, why_size, "no EQ band %s (1 to %u)", text, MX_PARAM_EQ_BANDS);
      }
      *sub = n - 1U;
      break;
    case MX_SUB_VCA:
    case MX_SUB_MUTE_GROUP: {
      const MxLimits limits = mx_model_limits(model);
      const uint32_t max    = info->sub == MX_SUB_VCA ? limits.vcas : limits.mute_groups;
      if (!parse_number(text, max, &n)) {
        return mx_why(MX_ERR_NOT_FOUND,
                      why,
                      why_size,
                      "no %s %s (1 to %u)",
                      info->sub == MX_SUB_VCA ? "VCA" : "mute group",
                      text,
                      max);
      }
      *sub = n - 1U;
      break;
    }
    case MX_SUB_BUS:
      return parse_id(model, MX_NODE_BUS, text, sub, why, why_size);
  }
  return MX_SUCCESS;
}

// Why a control that exists on this kind of node does not apply here
static MxStatus
explain(const MxModel* const model,
        const MxNode         node,
        const MxParam        param,
        const uint32_t       sub,
        char* const          why,
        const size_t         why_size)
{
  const MxParamInfo* const info = mx_param_info(param);
  const MxNode             dest = { MX_NODE_BUS, sub };
  const char* const        name = mx_model_name(model, dest);
  if (info->flags & MX_PFLAG_STEREO) {
    return mx_why(MX_ERR_NOT_APPLICABLE,
                  why,
                  why_size,
                  "'%s' is only on stereo %s",
                  info->path,
                  node.kind == MX_NODE_BUS ? "buses" : "strips");
  }
  if (param == MX_P_ROUTE && node.kind == MX_NODE_BUS && node.index == sub) {
    return mx_why(MX_ERR_NOT_APPLICABLE, why, why_size, "a bus cannot route to itself");
  }
  if (param == MX_P_ROUTE) {
    return mx_why(MX_ERR_NOT_APPLICABLE,
                  why,
                  why_size,
                  "'%s' is an aux bus: feed it with send/%s/level",
                  name,
                  name);
  }
  if (mx_model_bus_kind(model, dest) == MX_BUS_GROUP) {
    return mx_why(MX_ERR_NOT_APPLICABLE,
                  why,
                  why_size,
                  "'%s' is a group bus: feed it with route/%s",
                  name,
                  name);
  }
  return mx_why(
    MX_ERR_NOT_APPLICABLE, why, why_size, "'%s' is mono: a send into it has no pan", name);
}

static MxStatus
parse_control(const MxModel* const  model,
              const MxNode          node,
              const Segments* const s,
              const unsigned        first,
              MxAddr* const         out,
              char* const           why,
              const size_t          why_size)
{
  const MxParamInfo* elsewhere = NULL;
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    const MxParamInfo* const info = mx_param_info((MxParam)p);
    uint32_t                 sub  = 0U;
    MxStatus st = match_path(model, info, info->path, s, first, &sub, why, why_size);
    if (st == MX_FAILURE && info->alias) {
      st = match_path(model, info, info->alias, s, first, &sub, why, why_size);
    }
    if (st == MX_FAILURE) {
      continue;
    }
    if (!(info->nodes & (1U << node.kind))) {
      // The same path may mean another control elsewhere (VCA fader); a bad
      // sub-index of a control not on this node ("route/master" on the
      // master) is no reason to look further.  The first such is the
      // most literal
      elsewhere = elsewhere ? elsewhere : info;
      continue;
    }
    if (st) {
      return st;
    }

    out->kind  = MX_ADDR_CONTROL;
    out->node  = node;
    out->param = (MxParam)p;
    out->sub   = sub;
    return mx_model_applies(model, node, (MxParam)p, sub)
             ? MX_SUCCESS
             : explain(model, node, (MxParam)p, sub, why, why_size);
  }

  // Say whether the control exists at all
  const char* const where = node.kind == MX_NODE_MASTER    ? "the master"
                            : node.kind == MX_NODE_MONITOR ? "the monitor"
                            : node.kind == MX_NODE_STRIP   ? "strips"
                            : node.kind == MX_NODE_BUS     ? "buses"
                            : node.kind == MX_NODE_VCA     ? "VCAs"
                                                           : "mute groups";
  if (elsewhere) {
    return mx_why(
      MX_ERR_NOT_APPLICABLE, why, why_size, "'%s' is not on %s", elsewhere->path, where);
  }
  char rest[MX_ADDR_MAX + 1U] = "";
  for (unsigned i = first; i < s->n; ++i) {
    strncat(rest, i > first ? "/" : "", sizeof(rest) - strlen(rest) - 1U);
    strncat(rest, s->seg[i], sizeof(rest) - strlen(rest) - 1U);
  }
  return mx_why(MX_ERR_NOT_FOUND, why, why_size, "no control '%s' on %s", rest, where);
}

// /strip/... or /bus/...
static MxStatus
parse_channel(const MxModel* const  model,
              const MxNodeKind      kind,
              const Segments* const s,
              MxAddr* const         out,
              char* const           why,
              const size_t          why_size)
{
  MxStatus st = MX_SUCCESS;
  if (s->n == 2U && !strcmp(s->seg[1], "add")) {
    out->kind = kind == MX_NODE_STRIP ? MX_ADDR_STRIP_ADD : MX_ADDR_BUS_ADD;
    return MX_SUCCESS;
  }
  if (s->n < 3U) {
    return no_such_address(s, why, why_size);
  }

  uint32_t index = 0U;
  TRY(st, parse_id(model, kind, s->seg[1], &index, why, why_size));
  const MxNode node = { kind, index };
  out->node         = node;
  if (s->n == 3U && !strcmp(s->seg[2], "remove")) {
    out->kind = MX_ADDR_REMOVE;
    return MX_SUCCESS;
  }
  if (s->n == 3U && !strcmp(s->seg[2], "name")) {
    out->kind = MX_ADDR_NAME;
    return MX_SUCCESS;
  }
  return parse_control(model, node, s, 2U, out, why, why_size);
}

// /vca/N/... or /mutegroup/N/...
static MxStatus
parse_group(const MxModel* const  model,
            const MxNodeKind      kind,
            const Segments* const s,
            MxAddr* const         out,
            char* const           why,
            const size_t          why_size)
{
  const uint32_t count = mx_model_count(model, kind);
  uint32_t       n     = 0U;
  if (s->n < 3U) {
    return no_such_address(s, why, why_size);
  }
  if (!parse_number(s->seg[1], count, &n)) {
    return mx_why(MX_ERR_NOT_FOUND,
                  why,
                  why_size,
                  "no %s %s (1 to %u)",
                  kind == MX_NODE_VCA ? "VCA" : "mute group",
                  s->seg[1],
                  count);
  }
  const MxNode node = { kind, n - 1U };
  return parse_control(model, node, s, 2U, out, why, why_size);
}

MxStatus
mx_addr_parse(const MxModel* const model,
              const char* const    path,
              MxAddr* const        out,
              char* const          why,
              const size_t         why_size)
{
  MxStatus st = MX_SUCCESS;
  Segments s;
  TRY(st, split(path, &s, why, why_size));
  memset(out, 0, sizeof(*out));

  const char* const head = s.seg[0];
  if (!strcmp(head, "strip")) {
    return parse_channel(model, MX_NODE_STRIP, &s, out, why, why_size);
  }
  if (!strcmp(head, "bus")) {
    return parse_channel(model, MX_NODE_BUS, &s, out, why, why_size);
  }
  if (!strcmp(head, "vca")) {
    return parse_group(model, MX_NODE_VCA, &s, out, why, why_size);
  }
  if (!strcmp(head, "mutegroup")) {
    return parse_group(model, MX_NODE_MUTE_GROUP, &s, out, why, why_size);
  }

  if (!strcmp(head, "jack") && s.n == 2U && !strcmp(s.seg[1], "connect")) {
    out->kind = MX_ADDR_CONNECT;
    return MX_SUCCESS;
  }
  if (!strcmp(head, "jack") && s.n == 2U && !strcmp(s.seg[1], "disconnect")) {
    out->kind = MX_ADDR_DISCONNECT;
    return MX_SUCCESS;
  }

  const bool   master  = !strcmp(head, "master");
  const bool   monitor = !strcmp(head, "monitor");
  const MxNode node    = { master ? MX_NODE_MASTER : MX_NODE_MONITOR, 0U };
  if ((!master && !monitor) || s.n < 2U) {
    return mx_why(MX_ERR_NOT_FOUND, why, why_size, "no such address: %s", path);
  }
  return parse_control(model, node, &s, 1U, out, why, why_size);
}

// "/strip/vocal", "/master", "/vca/2"
static int
format_node(const MxModel* const model, const MxNode node, char* const buf, const size_t size)
{
  switch (node.kind) {
    case MX_NODE_STRIP:
    case MX_NODE_BUS:
      return snprintf(
        buf, size, "/%s/%s", mx_node_kind_name(node.kind), mx_model_name(model, node));
    case MX_NODE_VCA:
    case MX_NODE_MUTE_GROUP:
      return snprintf(buf, size, "/%s/%u", mx_node_kind_name(node.kind), node.index + 1U);
    case MX_NODE_MASTER:
    case MX_NODE_MONITOR:
      break;
  }
  return snprintf(buf, size, "/%s", mx_node_kind_name(node.kind));
}

int
mx_addr_format(const MxModel* const model,
               const MxAddr* const  addr,
               char* const          buf,
               const size_t         size)
{
  // Adds name no node; remove and name only strips and buses
  switch (addr->kind) {
    case MX_ADDR_STRIP_ADD:
      return snprintf(buf, size, "/strip/add");
    case MX_ADDR_BUS_ADD:
      return snprintf(buf, size, "/bus/add");
    case MX_ADDR_CONNECT:
      return snprintf(buf, size, "/jack/connect");
    case MX_ADDR_DISCONNECT:
      return snprintf(buf, size, "/jack/disconnect");
    case MX_ADDR_REMOVE:
    case MX_ADDR_NAME:
    case MX_ADDR_CONTROL:
      break;
  }
  const bool channel = addr->node.kind == MX_NODE_STRIP || addr->node.kind == MX_NODE_BUS;
  if (!mx_model_exists(model, addr->node) || (addr->kind != MX_ADDR_CONTROL && !channel)) {
    return -1;
  }

  char node[MX_ADDR_MAX + 1U];
  format_node(model, addr->node, node, sizeof(node));
  if (addr->kind == MX_ADDR_REMOVE) {
    return snprintf(buf, size, "%s/remove", node);
  }
  if (addr->kind == MX_ADDR_NAME) {
    return snprintf(buf, size, "%s/name", node);
  }

  const MxParamInfo* const info = mx_param_info(addr->param);
  if (!info || !mx_model_applies(model, addr->node, addr->param, addr->sub)) {
    return -1;
  }
  const char* const star = strchr(info->path, '*');
  if (!star) {
    return snprintf(buf, size, "%s/%s", node, info->path);
  }

  char sub[MX_NAME_MAX + 12U];
  if (info->sub == MX_SUB_BUS) {
    const MxNode bus = { MX_NODE_BUS, addr->sub };
    snprintf(sub, sizeof(sub), "%s", mx_model_name(model, bus));
  } else {
    snprintf(sub, sizeof(sub), "%u", addr->sub + 1U);
  }
  return snprintf(
    buf, size, "%s/%.*s%s%s", node, (int)(star - info->path), info->path, sub, star + 1);
}

int
mx_addr_format_range(const MxParam param, char* const buf, const size_t size)
{
  const MxParamInfo* const info = mx_param_info(param);
  if (!info) {
    return snprintf(buf, size, "?");
  }
  if (info->type == MX_PARAM_SWITCH) {
    return snprintf(buf, size, "0 or 1");
  }
  if (info->type == MX_PARAM_ENUM) {
    // Join in full first, so that `buf` may be short (or size 0) as for snprintf()
    char   all[160] = "";
    size_t len      = 0U;
    for (unsigned i = 0U; info->labels[i] && len < sizeof(all); ++i) {
      len += (size_t)snprintf(all + len, sizeof(all) - len, "%s%s", i ? "|" : "", info->labels[i]);
    }
    return snprintf(buf, size, "%s", all);
  }

  char lo[24];
  char hi[24];
  mx_addr_format_value(param, info->min, lo, sizeof(lo));
  mx_addr_format_value(param, info->max, hi, sizeof(hi));
  return snprintf(buf,
                  size,
                  "%s to %s%s%s%s",
                  lo,
                  hi,
                  *info->unit ? " " : "",
                  info->unit,
                  (info->flags & MX_PFLAG_OFF) ? ", or -inf" : "");
}

static bool
word_is(const char* const text, const char* const a, const char* const b)
{
  return !strcasecmp(text, a) || !strcasecmp(text, b);
}

MxStatus
mx_addr_parse_value(const MxParam     param,
                    const char* const text,
                    float* const      value,
                    char* const       why,
                    const size_t      why_size)
{
  const MxParamInfo* const info = mx_param_info(param);
  char                     range[160];
  mx_addr_format_range(param, range, sizeof(range));
  if (!info || !text) {
    return mx_why(MX_ERR_BAD_ARG, why, why_size, "no value");
  }

  float v = 0.0f;
  if (info->type == MX_PARAM_SWITCH && (word_is(text, "1", "on") || !strcasecmp(text, "true"))) {
    v = 1.0f;
  } else if (info->type == MX_PARAM_SWITCH &&
             (word_is(text, "0", "off") || !strcasecmp(text, "false"))) {
    v = 0.0f;
  } else if (info->type == MX_PARAM_ENUM && !mx_param_find_label(param, text, &v)) {
    // A label
  } else if ((info->flags & MX_PFLAG_OFF) && word_is(text, "-inf", "-infinity")) {
    v = -INFINITY;
  } else {
    // strtof(), as mx_addr_format_value() checks with: no double rounding.
    // A number too large for a float is out of range, not infinite (off)
    char* end = NULL;
    errno     = 0;
    v         = strtof(text, &end);
    if (end == text || *end != '\0' || info->type == MX_PARAM_SWITCH ||
        (!isfinite(v) && errno != ERANGE)) {
      return mx_why(
        MX_ERR_BAD_ARG, why, why_size, "'%s' is not a value of %s (%s)", text, info->path, range);
    }
    if (!isfinite(v)) {
      return mx_why(
        MX_ERR_RANGE, why, why_size, "%s is out of range for %s (%s)", text, info->path, range);
    }
  }

  const MxStatus st = mx_param_check(param, v);
  if (st == MX_ERR_RANGE) {
    return mx_why(st, why, why_size, "%s is out of range for %s (%s)", text, info->path, range);
  }
  if (st) {
    return mx_why(st, why, why_size, "'%s' is not a value of %s (%s)", text, info->path, range);
  }
  *value = v;
  return MX_SUCCESS;
}

int
mx_addr_format_value(const MxParam param, const float value, char* const buf, const size_t size)
{
  const MxParamInfo* const info = mx_param_info(param);
  if (info && info->type == MX_PARAM_ENUM && mx_param_label(param, value)) {
    return snprintf(buf, size, "%s", mx_param_label(param, value));
  }
  if (value == -INFINITY) {
    return snprintf(buf, size, "-inf");
  }

  // The fewest digits that read back as the same float (9 always do),
  // tried in full here so that `buf` may be short
  char text[32];
  for (int digits = 1; digits <= 9; ++digits) {
    snprintf(text, sizeof(text), "%.*g", digits, (double)value);
    if (strtof(text, NULL) == value) {
      break;
    }
  }

  // %g writes 2500 as "2.5e+03"; a float that reads back from such a
  // number is whole (every float from 2^23 up is), so write it in full
  if (strchr(text, 'e') && fabsf(value) >= 1.0f && fabsf(value) < 1e9f) {
    snprintf(text, sizeof(text), "%.0f", (double)value);
  }
  return snprintf(buf, size, "%s", text);
}
