// SPDX-License-Identifier: GPL-3.0-or-later

// Sessions as text (daemon/session.h): plain UTF-8, one control per line
// in the address language, "#" comments.  Everything that can be set is
// saved; reading a saved session reproduces the mix exactly; a bad line
// is "FILE:LINE: reason" and nothing is applied.

#include "session.h"

#include "address.h"
#include "biquad.h"
#include "compressor.h"
#include "engine.h"
#include "model.h"
#include "params.h"
#include "ports.h"
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// ---------------------------------------------------------------- Helpers

/// The temporary directory of the file tests (made and removed by the parent process)
static char dir[64];

static void
make_dir(void)
{
  mxt_make_temp_dir(dir, sizeof(dir), "session");
}

static void
remove_dir(void)
{
  mxt_remove_tree(dir);
}

// A path in the temporary directory (a few at a time)
static const char*
in_dir(const char* const name)
{
  static char paths[8][256];
  static int  next = 0;
  char* const p    = paths[next++ % 8];
  snprintf(p, 256, "%s/%s", dir, name);
  return p;
}

// The names in the temporary directory, sorted, one per line (".", ".." left out)
static char*
list_dir(void)
{
  struct dirent** names = NULL;
  const int       n     = scandir(dir, &names, NULL, alphasort);
  ck_assert_int_ge(n, 0);
  char* const text = (char*)calloc(1U, 4096U);
  ck_assert_ptr_nonnull(text);
  for (int i = 0; i < n; ++i) {
    if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
      strncat(text, names[i]->d_name, 4096U - strlen(text) - 2U);
      strcat(text, "\n");
    }
    free(names[i]);
  }
  free(names);
  return text;
}

static void
write_bytes(const char* const path, const char* const data, const size_t len)
{
  FILE* const f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1U, len, f), len);
  ck_assert_int_eq(fclose(f), 0);
}

// The whole of a file, NUL-terminated
static char*
read_bytes(const char* const path)
{
  FILE* const f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fseek(f, 0L, SEEK_END), 0);
  const long len = ftell(f);
  ck_assert_int_ge(len, 0);
  rewind(f);
  char* const text = (char*)malloc((size_t)len + 1U);
  ck_assert_ptr_nonnull(text);
  ck_assert_uint_eq(fread(text, 1U, (size_t)len, f), (size_t)len);
  text[len] = '\0';
  fclose(f);
  return text;
}

// Assert that two texts are the same, showing where they part (Check
// cannot carry a whole session in a message)
#define mxt_assert_same_text(a, b)                                \
  do {                                                            \
    const char* const mxt_a_ = (a);                               \
    const char* const mxt_b_ = (b);                               \
    size_t            mxt_i_ = 0U;                                \
    while (mxt_a_[mxt_i_] && mxt_a_[mxt_i_] == mxt_b_[mxt_i_]) {  \
      ++mxt_i_;                                                   \
    }                                                             \
    ck_assert_msg(mxt_a_[mxt_i_] == mxt_b_[mxt_i_],               \
                  "texts differ at byte %zu: '%.60s' vs '%.60s'", \
                  mxt_i_,                                         \
                  mxt_a_ + (mxt_i_ > 20U ? mxt_i_ - 20U : 0U),    \
                  mxt_b_ + (mxt_i_ > 20U ? mxt_i_ - 20U : 0U));   \
  } while (0)

static MxModel*
new_model(void)
{
  const MxLimits limits = mx_limits_default();
  MxModel* const model  = mx_model_new(&limits, false);
  ck_assert_ptr_nonnull(model);
  return model;
}

// Parse text that must be a good session
static MxModel*
parse_ok(const char* const text, const size_t len)
{
  const MxLimits limits   = mx_limits_default();
  MxModel*       model    = NULL;
  char           err[768] = "";
  const MxStatus st       = mx_session_parse(text, len, "good", &limits, &model, err, sizeof(err));
  ck_assert_msg(st == MX_SUCCESS, "refused: %s", err);
  ck_assert_ptr_nonnull(model);
  return model;
}

static char*
format_ok(const MxModel* const model)
{
  char* const text = mx_session_format(model);
  ck_assert_ptr_nonnull(text);
  return text;
}

// Count the lines of text (a last line without a newline counts)
static unsigned
count_lines(const char* const text, const size_t len)
{
  unsigned n = 0U;
  for (size_t i = 0U; i < len; ++i) {
    n += text[i] == '\n';
  }
  return n + (len && text[len - 1U] != '\n');
}

/**
   Compare two models as a session sees them: the same strips and buses in
   the same order (names, channels, kinds), and the same value of every
   control that applies to every node (as session.c's write_controls walks
   them).  Writes the first difference to `why`.

   @param compared Receives the number of values compared.
   @return true if they are the same mix.
*/
static bool
same_mix(const MxModel* const a,
         const MxModel* const b,
         unsigned* const      compared,
         char* const          why,
         const size_t         size)
{
  *compared = 0U;
  for (unsigned k = 0U; k < MX_NODE_N; ++k) {
    const MxNodeKind kind = (MxNodeKind)k;
    if (mx_model_count(a, kind) != mx_model_count(b, kind)) {
      snprintf(why,
               size,
               "%u %s nodes, not %u",
               mx_model_count(b, kind),
               mx_node_kind_name(kind),
               mx_model_count(a, kind));
      return false;
    }
    for (uint32_t i = 0U; i < mx_model_count(a, kind); ++i) {
      const MxNode node = { kind, i };
      if (strcmp(mx_model_name(a, node), mx_model_name(b, node)) ||
          mx_model_channels(a, node) != mx_model_channels(b, node) ||
          mx_model_bus_kind(a, node) != mx_model_bus_kind(b, node)) {
        snprintf(why,
                 size,
                 "%s %u is %s/%u, not %s/%u",
                 mx_node_kind_name(kind),
                 i + 1U,
                 mx_model_name(b, node),
                 mx_model_channels(b, node),
                 mx_model_name(a, node),
                 mx_model_channels(a, node));
        return false;
      }
      for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
        const MxParam param = (MxParam)p;
        if (mx_model_sub_count(a, node, param) != mx_model_sub_count(b, node, param)) {
          snprintf(why, size, "sub-indices of %s differ", mx_param_info(param)->path);
          return false;
        }
        for (uint32_t sub = 0U; sub < mx_model_sub_count(a, node, param); ++sub) {
          const MxAddr addr = { MX_ADDR_CONTROL, node, param, sub };
          char         path[MX_ADDR_MAX + 1U];
          snprintf(path,
                   sizeof(path),
                   "%s %u %s %u",
                   mx_node_kind_name(kind),
                   i,
                   mx_param_info(param)->path,
                   sub);
          mx_addr_format(a, &addr, path, sizeof(path));
          const bool applies = mx_model_applies(a, node, param, sub);
          if (applies != mx_model_applies(b, node, param, sub)) {
            snprintf(why, size, "%s applies to one only", path);
            return false;
          }
          float va = NAN;
          float vb = NAN;
          if (applies && (mx_model_get(a, node, param, sub, &va) ||
                          mx_model_get(b, node, param, sub, &vb) || !(va == vb))) {
            snprintf(why, size, "%s is %.9g, not %.9g", path, (double)vb, (double)va);
            return false;
          }
          *compared += applies;
        }
      }
    }
  }
  return true;
}

#define mxt_assert_same_mix(a, b)                                               \
  do {                                                                          \
    char     mxt_why_[256] = "";                                                \
    unsigned mxt_n_        = 0U;                                                \
    ck_assert_msg(same_mix((a), (b), &mxt_n_, mxt_why_, 256U), "%s", mxt_why_); \
    ck_assert_uint_gt(mxt_n_, 0U);                                              \
  } while (0)

// ---------------------------------------------------------------- A rich mix

/// One control of the rich mix: node by kind and name (or number), bus sub-index by name
typedef struct {
  MxNodeKind  kind;  ///< Kind of node
  const char* name;  ///< Strip or bus name, NULL for the others
  uint32_t    index; ///< VCA or mute group number - 1
  MxParam     param; ///< The control
  const char* bus;   ///< The bus a send or route goes to, NULL if none
  uint32_t    sub;   ///< Band, VCA or mute group (0-based), when `bus` is NULL
  float       value; ///< Its value
} Setting;

#define ST(name, param, value)                      \
  {                                                 \
    MX_NODE_STRIP, name, 0U, param, NULL, 0U, value \
  }
#define ST_SUB(name, param, sub, value)              \
  {                                                  \
    MX_NODE_STRIP, name, 0U, param, NULL, sub, value \
  }
#define ST_BUS(name, param, bus, value)            \
  {                                                \
    MX_NODE_STRIP, name, 0U, param, bus, 0U, value \
  }
#define BS(name, param, value)                    \
  {                                               \
    MX_NODE_BUS, name, 0U, param, NULL, 0U, value \
  }
#define BS_SUB(name, param, sub, value)            \
  {                                                \
    MX_NODE_BUS, name, 0U, param, NULL, sub, value \
  }
#define BS_BUS(name, param, bus, value)          \
  {                                              \
    MX_NODE_BUS, name, 0U, param, bus, 0U, value \
  }
#define MS(param, value)                             \
  {                                                  \
    MX_NODE_MASTER, NULL, 0U, param, NULL, 0U, value \
  }
#define MS_SUB(param, sub, value)                     \
  {                                                   \
    MX_NODE_MASTER, NULL, 0U, param, NULL, sub, value \
  }
#define VC(n, param, value)                           \
  {                                                   \
    MX_NODE_VCA, NULL, (n)-1U, param, NULL, 0U, value \
  }
#define MG(n, value)                                             \
  {                                                              \
    MX_NODE_MUTE_GROUP, NULL, (n)-1U, MX_P_MUTE, NULL, 0U, value \
  }
#define MON(param, value)                             \
  {                                                   \
    MX_NODE_MONITOR, NULL, 0U, param, NULL, 0U, value \
  }

#define BAND(set, name, band, type, freq, gain, q, on)                                         \
  set(name, MX_P_EQ_BAND_TYPE, band, (float)(type)), set(name, MX_P_EQ_BAND_FREQ, band, freq), \
    set(name, MX_P_EQ_BAND_GAIN, band, gain), set(name, MX_P_EQ_BAND_Q, band, q),              \
    set(name, MX_P_EQ_BAND_ON, band, on)

static const Setting rich_settings[] = {
  // kick: mono; every processor, all four bands, sends with two taps
  ST("kick", MX_P_TRIM, 3.3333333f),
  ST("kick", MX_P_POLARITY, 1.0f),
  ST("kick", MX_P_DELAY, 1.5f),
  ST("kick", MX_P_HPF_ON, 1.0f),
  ST("kick", MX_P_HPF_FREQ, 45.0f),
  ST("kick", MX_P_HPF_SLOPE, (float)MX_SLOPE_24_LINKWITZ_RILEY),
  ST("kick", MX_P_GATE_ON, 1.0f),
  ST("kick", MX_P_GATE_THRESHOLD, -40.0f),
  ST("kick", MX_P_GATE_RANGE, -30.0f),
  ST("kick", MX_P_GATE_ATTACK, 0.5f),
  ST("kick", MX_P_GATE_HOLD, 20.0f),
  ST("kick", MX_P_GATE_RELEASE, 150.0f),
  ST("kick", MX_P_EQ_AFTER_COMP, 1.0f),
  BAND(ST_SUB, "kick", 0U, MX_BIQUAD_PEAK, 60.0f, 4.0f, 1.4f, 1.0f),
  BAND(ST_SUB, "kick", 1U, MX_BIQUAD_LOW_SHELF, 200.0f, -3.0f, 0.5f, 0.0f),
  BAND(ST_SUB, "kick", 2U, MX_BIQUAD_HIGH_SHELF, 4000.0f, 2.5f, 0.9f, 1.0f),
  BAND(ST_SUB, "kick", 3U, MX_BIQUAD_LOW_PASS, 12000.0f, -1.0f, 2.0f, 1.0f),
  ST("kick", MX_P_LPF_ON, 1.0f),
  ST("kick", MX_P_LPF_FREQ, 16000.0f),
  ST("kick", MX_P_LPF_SLOPE, (float)MX_SLOPE_24_BUTTERWORTH),
  ST("kick", MX_P_COMP_ON, 1.0f),
  ST("kick", MX_P_COMP_THRESHOLD, -18.0f),
  ST("kick", MX_P_COMP_RATIO, 3.0f),
  ST("kick", MX_P_COMP_KNEE, 2.0f),
  ST("kick", MX_P_COMP_ATTACK, 5.0f),
  ST("kick", MX_P_COMP_RELEASE, 80.0f),
  ST("kick", MX_P_COMP_MAKEUP, 2.0f),
  ST("kick", MX_P_COMP_DETECT, (float)MX_DETECT_RMS),
  ST("kick", MX_P_FADER, -INFINITY),
  ST_BUS("kick", MX_P_SEND_LEVEL, "verb", -12.0f),
  ST_BUS("kick", MX_P_SEND_TAP, "verb", (float)MX_SEND_PRE_EQ),
  ST_BUS("kick", MX_P_SEND_PAN, "verb", -0.5f),
  ST_BUS("kick", MX_P_SEND_LEVEL, "slap", -20.0f),
  ST_BUS("kick", MX_P_SEND_TAP, "slap", (float)MX_SEND_PRE_FADER),
  ST_BUS("kick", MX_P_SEND_ON, "slap", 0.0f),
  ST_BUS("kick", MX_P_ROUTE, "drums", 1.0f),
  ST("kick", MX_P_ROUTE_MASTER, 0.0f),
  ST_SUB("kick", MX_P_VCA, 0U, 1.0f),
  ST_SUB("kick", MX_P_MUTE_GROUP, 0U, 1.0f),

  // snare: the other four band shapes, awkward values
  BAND(ST_SUB, "snare", 0U, MX_BIQUAD_HIGH_PASS, 90.0f, 0.0f, 0.7071f, 1.0f),
  BAND(ST_SUB, "snare", 1U, MX_BIQUAD_BAND_PASS, 800.0f, 1e-3f, 3.3333333f, 1.0f),
  BAND(ST_SUB, "snare", 2U, MX_BIQUAD_NOTCH, 3150.0f, 0.0f, 12.0f, 0.0f),
  BAND(ST_SUB, "snare", 3U, MX_BIQUAD_ALL_PASS, 9999.5f, 0.0f, 0.1f, 1.0f),
  ST("snare", MX_P_HPF_SLOPE, (float)MX_SLOPE_24_BUTTERWORTH),
  ST("snare", MX_P_LPF_SLOPE, (float)MX_SLOPE_24_LINKWITZ_RILEY),
  ST("snare", MX_P_PAN, 1e-3f),
  ST("snare", MX_P_FADER, -6.5f),
  ST("snare", MX_P_MUTE, 1.0f),
  ST("snare", MX_P_SOLO_SAFE, 1.0f),
  ST("snare", MX_P_SAFE_ALL, 1.0f),
  ST("snare", MX_P_SAFE_INPUT, 1.0f),
  ST("snare", MX_P_SAFE_EQ, 1.0f),
  ST("snare", MX_P_SAFE_DYNAMICS, 1.0f),
  ST("snare", MX_P_SAFE_FADER, 1.0f),
  ST_BUS("snare", MX_P_SEND_LEVEL, "verb", 0.0f),
  ST_BUS("snare", MX_P_SEND_TAP, "verb", (float)MX_SEND_POST_FADER),
  ST_BUS("snare", MX_P_ROUTE, "drums", 1.0f),
  ST("snare", MX_P_ROUTE_MASTER, 0.0f),
  ST_SUB("snare", MX_P_VCA, 0U, 1.0f),
  ST_SUB("snare", MX_P_VCA, 1U, 1.0f),

  // vocal: solo, a group route, a mute group
  ST("vocal", MX_P_TRIM, -3.5f),
  ST("vocal", MX_P_FADER, 0.7071f),
  ST("vocal", MX_P_SOLO, 1.0f),
  ST("vocal", MX_P_COMP_ON, 1.0f),
  ST_SUB("vocal", MX_P_EQ_BAND_FREQ, 1U, 2500.0f),
  ST_BUS("vocal", MX_P_SEND_LEVEL, "verb", -8.0f),
  ST_BUS("vocal", MX_P_SEND_PAN, "verb", 0.7071f),
  ST_BUS("vocal", MX_P_SEND_TAP, "verb", (float)MX_SEND_PRE_FADER),
  ST_BUS("vocal", MX_P_SEND_LEVEL, "slap", -15.0f),
  ST_BUS("vocal", MX_P_ROUTE, "band", 1.0f),
  ST("vocal", MX_P_ROUTE_MASTER, 0.0f),
  ST_SUB("vocal", MX_P_VCA, 1U, 1.0f),
  ST_SUB("vocal", MX_P_MUTE_GROUP, 1U, 1.0f),

  // keys and gtr: stereo
  ST("keys", MX_P_WIDTH, 1.5f),
  ST("keys", MX_P_PAN, -0.3f),
  ST("keys", MX_P_FADER, 1e-3f),
  ST("keys", MX_P_SOLO_SAFE, 1.0f),
  ST_BUS("keys", MX_P_SEND_LEVEL, "verb", -10.0f),
  ST_BUS("keys", MX_P_SEND_PAN, "verb", 0.25f),
  ST_SUB("keys", MX_P_MUTE_GROUP, 7U, 1.0f),
  ST_SUB("keys", MX_P_VCA, 15U, 1.0f),
  ST("gtr", MX_P_WIDTH, 0.0f),
  ST("gtr", MX_P_PAN, 1.0f),
  ST("gtr", MX_P_TRIM, -24.0f),
  ST("gtr", MX_P_FADER, 10.0f),
  ST("gtr", MX_P_POLARITY, 1.0f),
  ST("gtr", MX_P_DELAY, 100.0f),
  ST("gtr", MX_P_EQ_ON, 0.0f),
  ST_BUS("gtr", MX_P_SEND_LEVEL, "slap", -3.0f),
  ST_BUS("gtr", MX_P_SEND_ON, "slap", 0.0f),
  ST_BUS("gtr", MX_P_ROUTE, "band", 1.0f),
  ST("gtr", MX_P_ROUTE_MASTER, 0.0f),

  // verb (aux, stereo) -> drums (group) -> band (group) -> master
  BS_BUS("verb", MX_P_ROUTE, "drums", 1.0f),
  BS("verb", MX_P_TRIM, -2.0f),
  BS("verb", MX_P_WIDTH, 0.5f),
  BS("verb", MX_P_PAN, 0.1f),
  BS("verb", MX_P_FADER, -2.0f),
  BS("verb", MX_P_GATE_ON, 1.0f),
  BS("verb", MX_P_SOLO_SAFE, 1.0f),
  BS("verb", MX_P_SAFE_PAN, 1.0f),
  BS("verb", MX_P_SAFE_MUTE, 1.0f),
  BS("verb", MX_P_SAFE_SENDS, 1.0f),
  BS("verb", MX_P_SAFE_ROUTING, 1.0f),
  BS("verb", MX_P_LIMITER_ON, 1.0f),
  BS("verb", MX_P_LIMITER_CEILING, -3.0f),
  BS("verb", MX_P_LIMITER_RELEASE, 200.0f),
  BS("verb", MX_P_LIMITER_DRIVE, 1.5f),
  BS_SUB("verb", MX_P_EQ_BAND_GAIN, 3U, -4.0f),
  BS("slap", MX_P_ROUTE_MASTER, 1.0f),
  BS("slap", MX_P_FADER, -4.5f),
  BS("slap", MX_P_HPF_ON, 1.0f),
  BS("slap", MX_P_POLARITY, 1.0f),
  BS_BUS("drums", MX_P_ROUTE, "band", 1.0f),
  BS("drums", MX_P_ROUTE_MASTER, 0.0f),
  BS("drums", MX_P_LIMITER_ON, 1.0f),
  BS("drums", MX_P_LIMITER_CEILING, -0.5f),
  BS("drums", MX_P_LIMITER_RELEASE, 20.0f),
  BS("drums", MX_P_LIMITER_DRIVE, 3.0f),
  BS("drums", MX_P_COMP_ON, 1.0f),
  BS("drums", MX_P_COMP_DETECT, (float)MX_DETECT_RMS),
  BS("band", MX_P_FADER, -1.0f),
  BS("band", MX_P_SOLO, 1.0f),
  BS("mono", MX_P_ROUTE_MASTER, 0.0f),
  BS("mono", MX_P_MUTE, 1.0f),
  BS_SUB("mono", MX_P_VCA, 2U, 1.0f),
  BS_SUB("mono", MX_P_MUTE_GROUP, 2U, 1.0f),

  // The master, VCAs, mute groups, monitor
  MS(MX_P_FADER, -0.5f),
  MS(MX_P_PAN, 0.2f),
  MS(MX_P_WIDTH, 1.2f),
  MS(MX_P_LIMITER_ON, 1.0f),
  MS(MX_P_LIMITER_CEILING, -1.5f),
  MS(MX_P_LIMITER_RELEASE, 100.0f),
  MS(MX_P_LIMITER_DRIVE, 2.0f),
  MS(MX_P_HPF_ON, 1.0f),
  MS(MX_P_HPF_FREQ, 25.0f),
  MS(MX_P_COMP_ON, 1.0f),
  MS_SUB(MX_P_EQ_BAND_GAIN, 3U, 1.5f),
  VC(1U, MX_P_FADER, -5.0f),
  VC(2U, MX_P_MUTE, 1.0f),
  VC(3U, MX_P_FADER, -INFINITY),
  VC(16U, MX_P_FADER, 10.0f),
  MG(1U, 1.0f),
  MG(8U, 1.0f),
  MON(MX_P_MONITOR_MODE, (float)MX_SOLO_AFL),
  MON(MX_P_MONITOR_LEVEL, -10.0f),
};

// Resolve a setting's node and sub-index; false if a name is unknown
static bool
resolve(const MxModel* const model, const Setting* const s, MxNode* const node, uint32_t* const sub)
{
  node->kind  = s->kind;
  node->index = s->index;
  *sub        = s->sub;
  return (!s->name || !mx_model_find(model, s->kind, s->name, &node->index)) &&
         (!s->bus || !mx_model_find(model, MX_NODE_BUS, s->bus, sub));
}

/**
   Build the rich mix through the model's own API, not the session
   reader: strips and buses added out of order, one removed and one moved,
   so that positions and slots differ.
*/
static MxModel*
rich_model(void)
{
  MxModel* const model = new_model();
  ck_assert_int_eq(mx_model_add_strip(model, "kick", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_strip(model, "gone", 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_strip(model, "snare", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_strip(model, "vocal", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_strip(model, "keys", 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_strip(model, "gtr", 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, "drums", MX_BUS_GROUP, 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, "slap", MX_BUS_AUX, 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, "band", MX_BUS_GROUP, 2U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, "mono", MX_BUS_GROUP, 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_model_add_bus(model, "verb", MX_BUS_AUX, 2U, NULL), MX_SUCCESS);
  const MxNode gone = { MX_NODE_STRIP, 1U };
  const MxNode verb = { MX_NODE_BUS, 4U };
  ck_assert_int_eq(mx_model_remove(model, gone), MX_SUCCESS);
  ck_assert_int_eq(mx_model_move(model, verb, 0U), MX_SUCCESS);
  ck_assert_str_eq(mx_model_name(model, (MxNode){ MX_NODE_BUS, 0U }), "verb");

  // Apply every setting; assert once, on the first that fails
  size_t   bad = MXT_N_CASES(rich_settings);
  MxStatus st  = MX_SUCCESS;
  for (size_t i = 0U; i < (size_t)MXT_N_CASES(rich_settings) && bad == MXT_N_CASES(rich_settings);
       ++i) {
    const Setting* const s    = &rich_settings[i];
    MxNode               node = { MX_NODE_MASTER, 0U };
    uint32_t             sub  = 0U;
    st  = resolve(model, s, &node, &sub) ? mx_model_set(model, node, s->param, sub, s->value)
                                         : MX_ERR_NOT_FOUND;
    bad = st ? i : bad;
  }
  ck_assert_msg(bad == MXT_N_CASES(rich_settings),
                "setting %zu (%s): %s",
                bad,
                bad < MXT_N_CASES(rich_settings) ? mx_param_info(rich_settings[bad].param)->path
                                                 : "",
                mx_strerror(st));
  return model;
}

// ---------------------------------------------------------------- Round trip

START_TEST(rich_session_sets_every_control)
{
  // Every control of params.h is away from its default somewhere in the
  // rich mix, so the round trips below cover anything that can be set
  MxModel* const model        = rich_model();
  char           missing[512] = "";
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    bool set = false;
    for (unsigned k = 0U; k < MX_NODE_N && !set; ++k) {
      for (uint32_t i = 0U; i < mx_model_count(model, (MxNodeKind)k) && !set; ++i) {
        const MxNode node = { (MxNodeKind)k, i };
        for (uint32_t sub = 0U; sub < mx_model_sub_count(model, node, (MxParam)p) && !set; ++sub) {
          float value = 0.0f;
          set         = !mx_model_get(model, node, (MxParam)p, sub, &value) &&
                value != mx_model_default(model, node, (MxParam)p, sub);
        }
      }
    }
    if (!set) {
      strncat(missing, mx_param_info((MxParam)p)->path, sizeof(missing) - strlen(missing) - 2U);
      strcat(missing, " ");
    }
  }
  ck_assert_msg(missing[0] == '\0', "never set: %s", missing);
  mx_model_free(model);
}
END_TEST

START_TEST(rich_session_text_is_a_fixed_point)
{
  MxModel* const model = rich_model();
  char* const    text  = format_ok(model);
  ck_assert_msg(!strncmp(text, "# mixd session\n", 15U), "starts: %.40s", text);

  MxModel* const back  = parse_ok(text, strlen(text));
  char* const    again = format_ok(back);
  mxt_assert_same_text(again, text);

  // Spot-check the text itself: names, labels, awkward numbers, -inf
  static const char* const lines[] = {
    ("\n/strip/add kick 1\n/strip/add snare 1\n/strip/add vocal 1\n/strip/add keys 2\n"
     "/strip/add gtr 2\n/bus/add verb aux 2\n/bus/add drums group 2\n"),
    "\n/strip/kick/trim 3.3333333\n",
    "\n/strip/kick/fader -inf\n",
    "\n/strip/kick/hpf/slope lr24\n",
    "\n/strip/kick/comp/detect rms\n",
    "\n/strip/kick/send/verb/tap pre_eq\n",
    "\n/strip/kick/send/slap/tap pre_fader\n",
    "\n/strip/snare/eq/4/type allpass\n",
    "\n/strip/snare/eq/2/gain 0.001\n",
    "\n/strip/vocal/fader 0.7071\n",
    "\n/bus/verb/route/drums 1\n",
    "\n/bus/drums/route/band 1\n",
    "\n/vca/3/fader -inf\n",
    "\n/mutegroup/8/mute 1\n",
    "\n/monitor/mode afl\n",
  };
  for (size_t i = 0U; i < sizeof(lines) / sizeof(*lines); ++i) {
    ck_assert_msg(strstr(text, lines[i]), "no line %s in:\n%s", lines[i], text);
  }
  ck_assert_ptr_null(strstr(text, "gone"));
  free(again);
  free(text);
  mx_model_free(back);
  mx_model_free(model);
}
END_TEST

START_TEST(rich_session_reproduces_every_value)
{
  MxModel* const model = rich_model();
  char* const    text  = format_ok(model);
  MxModel* const back  = parse_ok(text, strlen(text));
  mxt_assert_same_mix(model, back);

  // The comparison is sensitive: one control changed is found
  const MxNode kick = { MX_NODE_STRIP, 0U };
  char         why[256];
  unsigned     n = 0U;
  ck_assert_int_eq(mx_model_set(back, kick, MX_P_TRIM, 0U, 3.333333f), MX_SUCCESS);
  ck_assert(!same_mix(model, back, &n, why, sizeof(why)));
  ck_assert_msg(strstr(why, "/strip/kick/trim"), "%s", why);
  free(text);
  mx_model_free(back);
  mx_model_free(model);
}
END_TEST

START_TEST(engine_loaded_from_a_file_writes_the_same_session)
{
  MxModel* const model = rich_model();
  char* const    text  = format_ok(model);
  char           err[512];
  const char*    path = in_dir("rich.mixd");
  ck_assert_int_eq(mx_session_write_file(path, model, err, sizeof(err)), MX_SUCCESS);

  const MxEngineConfig config = mx_engine_config_default();
  MxEngine* const      engine = mx_engine_new(&config);
  ck_assert_ptr_nonnull(engine);
  MxModel* loaded = NULL;
  ck_assert_int_eq(mx_session_read_file(path, &config.limits, &loaded, err, sizeof(err)),
                   MX_SUCCESS);
  ck_assert_int_eq(mx_engine_load(engine, loaded), MX_SUCCESS);

  char* const from_engine = format_ok(mx_engine_model(engine));
  mxt_assert_same_text(from_engine, text);
  mxt_assert_same_mix(model, mx_engine_model(engine));

  free(from_engine);
  mx_model_free(loaded);
  mx_engine_free(engine);
  free(text);
  mx_model_free(model);
  ck_assert_int_eq(unlink(path), 0);
}
END_TEST

// ---------------------------------------------------------------- The issue's example

static const char example[] = "# mixd session\n"
                              "/strip/add vocal 1\n"
                              "/bus/add reverb aux 2\n"
                              "/strip/vocal/trim 3.5\n"
                              "/strip/vocal/eq/2/freq 2500\n"
                              "/strip/vocal/send/reverb/level -12\n"
                              "/master/limiter/ceiling -1\n";

// The value of a control of a model, by address
static float
value_at(const MxModel* const model, const char* const address)
{
  MxAddr addr;
  char   why[256] = "";
  float  value    = NAN;
  ck_assert_msg(
    mx_addr_parse(model, address, &addr, why, sizeof(why)) == MX_SUCCESS, "%s: %s", address, why);
  ck_assert_int_eq(addr.kind, MX_ADDR_CONTROL);
  ck_assert_int_eq(mx_model_get(model, addr.node, addr.param, addr.sub, &value), MX_SUCCESS);
  return value;
}

START_TEST(example_session_parses)
{
  MxModel* const model = parse_ok(example, sizeof(example) - 1U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 1U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), 1U);
  const MxNode vocal  = { MX_NODE_STRIP, 0U };
  const MxNode reverb = { MX_NODE_BUS, 0U };
  ck_assert_str_eq(mx_model_name(model, vocal), "vocal");
  ck_assert_uint_eq(mx_model_channels(model, vocal), 1U);
  ck_assert_str_eq(mx_model_name(model, reverb), "reverb");
  ck_assert_int_eq(mx_model_bus_kind(model, reverb), MX_BUS_AUX);
  ck_assert_uint_eq(mx_model_channels(model, reverb), 2U);

  float v = 0.0f;
  ck_assert_int_eq(mx_model_get(model, vocal, MX_P_TRIM, 0U, &v), MX_SUCCESS);
  mxt_assert_same(v, 3.5f);
  ck_assert_int_eq(mx_model_get(model, vocal, MX_P_EQ_BAND_FREQ, 1U, &v), MX_SUCCESS);
  mxt_assert_same(v, 2500.0f);
  ck_assert_int_eq(mx_model_get(model, vocal, MX_P_SEND_LEVEL, 0U, &v), MX_SUCCESS);
  mxt_assert_same(v, -12.0f);
  const MxNode master = { MX_NODE_MASTER, 0U };
  ck_assert_int_eq(mx_model_get(model, master, MX_P_LIMITER_CEILING, 0U, &v), MX_SUCCESS);
  mxt_assert_same(v, -1.0f);

  // Written back: the master ceiling is the default, so it is left out
  char* const text = format_ok(model);
  ck_assert_str_eq(text,
                   "# mixd session\n"
                   "/strip/add vocal 1\n"
                   "/bus/add reverb aux 2\n"
                   "/strip/vocal/trim 3.5\n"
                   "/strip/vocal/eq/2/freq 2500\n"
                   "/strip/vocal/send/reverb/level -12\n");
  free(text);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Accepted text

/// A good session and one value that must have landed
typedef struct {
  const char* text;    ///< The session
  size_t      len;     ///< Its length
  const char* address; ///< A control
  float       value;   ///< Its value after reading
} GoodCase;

#define GOOD(text, address, value)          \
  {                                         \
    text, sizeof(text) - 1U, address, value \
  }

static const GoodCase good_cases[] = {
  GOOD("# comment\n\n   \n\t# indented comment\n/strip/add a 1 # trailing\n"
       "/strip/a/trim 3.5#no blank before\n\n",
       "/strip/a/trim",
       3.5f),
  GOOD("/strip/add a 1\r\n/strip/a/trim 2.25\r\n", "/strip/a/trim", 2.25f),
  GOOD("/strip/add a 1\r\n\r\n# comment\r\n/strip/a/trim -1\r\n", "/strip/a/trim", -1.0f),
  GOOD("\xEF\xBB\xBF/strip/add a 1\n/strip/a/trim 1.5\n", "/strip/a/trim", 1.5f),
  GOOD("\xEF\xBB\xBF# mixd session\r\n/strip/add a 1\r\n/strip/a/trim 1.5", "/strip/a/trim", 1.5f),
  GOOD("/strip/add \"a\" \"1\"\n/strip/a/trim \"-3.5\"\n", "/strip/a/trim", -3.5f),
  GOOD("/strip/add a 1\n\"/strip/a/trim\" \"4\" # quoted address\n", "/strip/a/trim", 4.0f),
  GOOD("/strip/add a 1\n/strip/a/trim 2", "/strip/a/trim", 2.0f),
  GOOD("/strip/add a 1\n/strip/a/trim 2\n\n\n", "/strip/a/trim", 2.0f),
  GOOD("\t /strip/add\ta\t1 \n  /strip/a/trim\t\t-2 \t\n", "/strip/a/trim", -2.0f),
  GOOD("# caf\xC3\xA9 \xE2\x99\xAA \xF0\x9F\x8E\x9B UTF-8 in a comment\n/strip/add a 1\n"
       "/strip/a/trim 1\n",
       "/strip/a/trim",
       1.0f),
  GOOD("/strip/add a 1\n/strip/1/trim 6\n", "/strip/a/trim", 6.0f),
  GOOD("/strip/add a 1\n/strip/a/mute on\n", "/strip/a/mute", 1.0f),
  GOOD("/strip/add a 1\n/strip/a/mute true\n", "/strip/a/mute", 1.0f),
  GOOD("/strip/add a 1\n/strip/a/mute 1\n/strip/a/mute off\n", "/strip/a/mute", 0.0f),
  GOOD("/strip/add a 1\n/strip/a/comp/detect 1\n", "/strip/a/comp/detect", 1.0f),
  GOOD("/strip/add a 1\n/strip/a/eq/3/type notch\n", "/strip/a/eq/3/type", 6.0f),
  GOOD("/strip/add a 1\n/strip/a/fader -inf\n", "/strip/a/fader", -INFINITY),
  GOOD("/strip/add a 1\n/strip/a/fader -144\n", "/strip/a/fader", -144.0f),
  GOOD("/strip/add a 2\n/strip/a/balance -0.5\n", "/strip/a/pan", -0.5f),
  GOOD("/strip/add a 1\n/strip/a/name b\n/strip/b/trim 7\n", "/strip/b/trim", 7.0f),
  GOOD("/strip/add a 1\n/strip/add b 1\n/strip/a/remove\n/strip/1/trim 8\n", "/strip/b/trim", 8.0f),
  GOOD("/strip/add a 1\n/bus/add fx aux 1\n/strip/a/send/1/level -6\n",
       "/strip/a/send/fx/level",
       -6.0f),
  GOOD("/bus/add g1 group 2\n/bus/add g2 group 2\n/bus/g1/route/g2 1\n/bus/g2/route/g1 0\n",
       "/bus/g1/route/g2",
       1.0f),
  GOOD("/vca/16/fader -inf\n", "/vca/16/fader", -INFINITY),
  GOOD("/mutegroup/8/mute 1\n", "/mutegroup/8/mute", 1.0f),
  GOOD("/monitor/mode pfl\n/monitor/level -20\n", "/monitor/mode", 2.0f),
  GOOD("/master/limiter/on 1\n/master/limiter/drive 6\n", "/master/limiter/drive", 6.0f),
};

// Connection rules read, keep their order, and write back quoted where needed
START_TEST(connection_rules_round_trip)
{
  static const char text[] = "# mixd session\n"
                             "/strip/add vox 1\n"
                             "/jack/connect system:capture_1 vox_in\n"
                             "/jack/connect \"ardour:Audio 1/audio_out .*\" vox_in\n"
                             "/jack/connect master_out_L \"odd:\\\"quoted\\\" #port\"\n"
                             "/jack/connect x:y vox_in\n"
                             "/jack/disconnect x:y vox_in\n";
  MxModel* const    model  = parse_ok(text, sizeof(text) - 1U);
  ck_assert_uint_eq(mx_model_connection_count(model), 3U);
  const char* from = NULL;
  const char* to   = NULL;
  ck_assert_int_eq(mx_model_connection(model, 1U, &from, &to), MX_SUCCESS);
  ck_assert_str_eq(from, "ardour:Audio 1/audio_out .*");
  ck_assert_str_eq(to, "vox_in");
  ck_assert_int_eq(mx_model_connection(model, 2U, &from, &to), MX_SUCCESS);
  ck_assert_str_eq(to, "odd:\"quoted\" #port");

  char* const written = format_ok(model);
  ck_assert_str_eq(written,
                   "# mixd session\n"
                   "/strip/add vox 1\n"
                   "/jack/connect system:capture_1 vox_in\n"
                   "/jack/connect \"ardour:Audio 1/audio_out .*\" vox_in\n"
                   "/jack/connect master_out_L \"odd:\\\"quoted\\\" #port\"\n");
  MxModel* const again = parse_ok(written, strlen(written));
  char* const    twice = format_ok(again);
  ck_assert_str_eq(twice, written);
  free(twice);
  free(written);
  mx_model_free(again);
  mx_model_free(model);
}
END_TEST

// Connections made by hand are saved as exact rules after the model's
// own, once each, and a name with regular-expression characters matches
// only itself when read back
START_TEST(connections_by_hand_are_written_once_as_exact_rules)
{
  static const char text[] = "/strip/add vox 1\n/jack/connect system:capture_1 vox_in\n";
  MxModel* const    model  = parse_ok(text, sizeof(text) - 1U);
  char              odd[64];
  ck_assert(mx_port_pattern_escape("synth (2):out.L", odd, sizeof(odd)));
  ck_assert_str_eq(odd, "synth \\(2\\):out\\.L");
  char tiny[4];
  ck_assert(!mx_port_pattern_escape("a.b", tiny, sizeof(tiny)));

  const MxSessionConnection extra[] = {
    { "system:capture_1", "vox_in" }, // already a rule
    { odd, "vox_in" },
    { "master_out_L", "system:playback_1" },
    { odd, "vox_in" }, // twice
  };
  char* const written = mx_session_format_with(model, extra, 4U);
  ck_assert_ptr_nonnull(written);
  ck_assert_str_eq(written,
                   "# mixd session\n"
                   "/strip/add vox 1\n"
                   "/jack/connect system:capture_1 vox_in\n"
                   "/jack/connect \"synth \\\\(2\\\\):out\\\\.L\" vox_in\n"
                   "/jack/connect master_out_L system:playback_1\n");
  MxModel* const again = parse_ok(written, strlen(written));
  ck_assert_uint_eq(mx_model_connection_count(again), 3U);
  const char* from = NULL;
  const char* to   = NULL;
  ck_assert_int_eq(mx_model_connection(again, 1U, &from, &to), MX_SUCCESS);
  MxPortPattern p;
  ck_assert_int_eq(mx_port_pattern_compile(&p, from, "mixd"), MX_SUCCESS);
  ck_assert(mx_port_pattern_match(&p, "synth (2):out.L"));
  ck_assert(!mx_port_pattern_match(&p, "synth 2:outxL"));
  mx_port_pattern_free(&p);
  free(written);
  mx_model_free(again);
  mx_model_free(model);
}
END_TEST

START_TEST(accepts_good_text)
{
  const GoodCase* const c     = &good_cases[_i];
  MxModel* const        model = parse_ok(c->text, c->len);
  mxt_assert_same(value_at(model, c->address), c->value);
  mx_model_free(model);
}
END_TEST

START_TEST(empty_text_is_an_empty_session)
{
  static const char* const empties[] = { "", "\n", "# only a comment", "\xEF\xBB\xBF", "\r\n\r\n" };
  for (size_t i = 0U; i < sizeof(empties) / sizeof(*empties); ++i) {
    MxModel* const model = parse_ok(empties[i], strlen(empties[i]));
    char* const    text  = format_ok(model);
    ck_assert_str_eq(text, "# mixd session\n");
    free(text);
    mx_model_free(model);
  }
}
END_TEST

// ---------------------------------------------------------------- Refused text

/// A bad session: where it fails and why
typedef struct {
  const char* text;   ///< The session
  size_t      len;    ///< Its length
  unsigned    line;   ///< The line reported
  MxStatus    status; ///< The status returned
  const char* why;    ///< Part of the reason
} BadCase;

#define BAD(text, line, status, why)           \
  {                                            \
    text, sizeof(text) - 1U, line, status, why \
  }
#define A "/strip/add a 1\n"

static const BadCase bad_cases[] = {
  // Addresses
  BAD(A "/foo 1\n", 2U, MX_ERR_NOT_FOUND, "no such address: /foo"),
  BAD(A "strip/a/trim 1\n", 2U, MX_ERR_NOT_FOUND, "starts with '/'"),
  BAD(A "/strip/a\n", 2U, MX_ERR_NOT_FOUND, "no such address"),
  BAD("/strip/add vocal 1\n/strip/vox/trim 1\n", 2U, MX_ERR_NOT_FOUND, "no strip named 'vox'"),
  BAD(A "/strip/2/trim 1\n", 2U, MX_ERR_NOT_FOUND, "no strip 2 (there are 1)"),
  BAD(A "/strip/0/trim 1\n", 2U, MX_ERR_NOT_FOUND, "no strip 0"),
  BAD(A "/strip/a/eq/5/freq 100\n", 2U, MX_ERR_NOT_FOUND, "no EQ band 5 (1 to 4)"),
  BAD(A "/strip/a/vca/17 1\n", 2U, MX_ERR_NOT_FOUND, "no VCA 17 (1 to 16)"),
  BAD("/vca/0/fader 1\n", 1U, MX_ERR_NOT_FOUND, "no VCA 0"),
  BAD("/mutegroup/9/mute 1\n", 1U, MX_ERR_NOT_FOUND, "no mute group 9 (1 to 8)"),
  BAD(A "/strip/a/send/fx/level 0\n", 2U, MX_ERR_NOT_FOUND, "no bus named 'fx'"),
  BAD(A "/strip/a/nothing 1\n", 2U, MX_ERR_NOT_FOUND, "no control 'nothing' on strips"),
  // Controls not on this node
  BAD(A "/strip/a/limiter/on 1\n", 2U, MX_ERR_NOT_APPLICABLE, "'limiter/on' is not on strips"),
  BAD(A "/strip/a/width 1\n", 2U, MX_ERR_NOT_APPLICABLE, "'width' is only on stereo strips"),
  BAD("/master/solo 1\n", 1U, MX_ERR_NOT_APPLICABLE, "'solo' is not on the master"),
  BAD("/monitor/fader 1\n", 1U, MX_ERR_NOT_APPLICABLE, "'fader' is not on the monitor"),
  BAD(A "/bus/add g group 2\n/strip/a/send/g/level 0\n",
      3U,
      MX_ERR_NOT_APPLICABLE,
      "'g' is a group bus: feed it with route/g"),
  BAD(A "/bus/add fx aux 2\n/strip/a/route/fx 1\n",
      3U,
      MX_ERR_NOT_APPLICABLE,
      "'fx' is an aux bus: feed it with send/fx/level"),
  BAD(A "/bus/add fx aux 1\n/strip/a/send/fx/pan 0.5\n", 3U, MX_ERR_NOT_APPLICABLE, "'fx' is mono"),
  BAD("/bus/add g group 2\n/bus/g/route/g 1\n",
      2U,
      MX_ERR_NOT_APPLICABLE,
      "a bus cannot route to itself"),
  // Arguments
  BAD(A "/strip/a/trim\n", 2U, MX_ERR_BAD_ARG, "takes 1 argument"),
  BAD(A "/strip/a/trim \"\"\n", 2U, MX_ERR_BAD_ARG, "'' is not a value of trim"),
  BAD(A "/strip/a/trim 1 2\n", 2U, MX_ERR_BAD_ARG, "takes 1 argument"),
  BAD(A "/strip/a/trim 1 2 3 4\n", 2U, MX_ERR_BAD_ARG, "too many words"),
  BAD("/strip/add a\n", 1U, MX_ERR_BAD_ARG, "/strip/add takes 2 arguments: NAME CHANNELS"),
  BAD("/strip/add a 1 x\n", 1U, MX_ERR_BAD_ARG, "takes 2 arguments"),
  BAD("/bus/add fx 2\n", 1U, MX_ERR_BAD_ARG, "/bus/add takes 3 arguments: NAME aux|group CHANNELS"),
  BAD(A "/strip/a/remove now\n", 2U, MX_ERR_BAD_ARG, "takes 0 arguments"),
  BAD(A "/strip/a/name\n", 2U, MX_ERR_BAD_ARG, "takes 1 argument"),
  // Numbers
  BAD(A "/strip/a/trim abc\n", 2U, MX_ERR_BAD_ARG, "'abc' is not a value of trim"),
  BAD(A "/strip/a/trim 1.2.3\n", 2U, MX_ERR_BAD_ARG, "'1.2.3' is not a value of trim"),
  BAD(A "/strip/a/trim nan\n", 2U, MX_ERR_BAD_ARG, "'nan' is not a value of trim"),
  BAD(A "/strip/a/trim inf\n", 2U, MX_ERR_BAD_ARG, "'inf' is not a value of trim"),
  BAD(A "/strip/a/trim -inf\n", 2U, MX_ERR_BAD_ARG, "'-inf' is not a value of trim"),
  BAD(A "/strip/a/fader inf\n", 2U, MX_ERR_BAD_ARG, "'inf' is not a value of fader"),
  BAD(A "/strip/a/fader NaN\n", 2U, MX_ERR_BAD_ARG, "'NaN' is not a value of fader"),
  BAD(A "/strip/a/trim 3.5dB\n", 2U, MX_ERR_BAD_ARG, "'3.5dB' is not a value of trim"),
  BAD(A "/strip/a/trim 1e\n", 2U, MX_ERR_BAD_ARG, "'1e' is not a value of trim"),
  BAD(A "/strip/a/fader 20\n", 2U, MX_ERR_RANGE, "20 is out of range for fader"),
  BAD(A "/strip/a/fader -145\n", 2U, MX_ERR_RANGE, "-145 is out of range for fader"),
  BAD(A "/strip/a/trim -30\n", 2U, MX_ERR_RANGE, "-30 is out of range for trim (-24 to 24 dB)"),
  BAD(A "/strip/a/eq/1/freq 5\n", 2U, MX_ERR_RANGE, "5 is out of range for eq/*/freq"),
  BAD(A "/strip/a/pan 1.5\n", 2U, MX_ERR_RANGE, "1.5 is out of range for pan"),
  // Switches and enumerations
  BAD(A "/strip/a/mute 2\n", 2U, MX_ERR_BAD_ARG, "'2' is not a value of mute (0 or 1)"),
  BAD(A "/strip/a/mute 0.5\n", 2U, MX_ERR_BAD_ARG, "'0.5' is not a value of mute"),
  BAD(A "/strip/a/mute yes\n", 2U, MX_ERR_BAD_ARG, "'yes' is not a value of mute"),
  BAD(A "/strip/a/comp/detect loud\n",
      2U,
      MX_ERR_BAD_ARG,
      "'loud' is not a value of comp/detect (peak|rms)"),
  BAD(A "/strip/a/comp/detect 2\n", 2U, MX_ERR_RANGE, "2 is out of range for comp/detect"),
  BAD(A "/strip/a/eq/1/type shelf\n", 2U, MX_ERR_BAD_ARG, "'shelf' is not a value of eq/*/type"),
  BAD("/monitor/mode solo\n", 1U, MX_ERR_BAD_ARG, "'solo' is not a value of mode (sip|afl|pfl)"),
  // Strips and buses
  BAD("/strip/add a 3\n", 1U, MX_ERR_BAD_ARG, "channels must be 1 or 2, not '3'"),
  BAD("/strip/add a 0\n", 1U, MX_ERR_BAD_ARG, "channels must be 1 or 2, not '0'"),
  BAD("/strip/add a stereo\n", 1U, MX_ERR_BAD_ARG, "channels must be 1 or 2, not 'stereo'"),
  BAD("/bus/add fx aux 01\n", 1U, MX_ERR_BAD_ARG, "channels must be 1 or 2, not '01'"),
  BAD("/bus/add fx send 2\n", 1U, MX_ERR_BAD_ARG, "bus kind must be aux or group, not 'send'"),
  BAD("/bus/add fx AUX 2\n", 1U, MX_ERR_BAD_ARG, "bus kind must be aux or group, not 'AUX'"),
  BAD(A "/strip/add a 2\n", 2U, MX_ERR_EXISTS, "a strip named 'a' already exists"),
  BAD("/bus/add fx aux 2\n/bus/add fx group 1\n",
      2U,
      MX_ERR_EXISTS,
      "a bus named 'fx' already exists"),
  BAD(A "/strip/add b 1\n/strip/b/name a\n", 3U, MX_ERR_EXISTS, "a strip named 'a' already exists"),
  BAD("/strip/add 1a 1\n", 1U, MX_ERR_BAD_ARG, "bad name '1a'"),
  BAD("/strip/add master 1\n", 1U, MX_ERR_BAD_ARG, "bad name 'master'"),
  BAD("/bus/add add aux 1\n", 1U, MX_ERR_BAD_ARG, "bad name 'add'"),
  BAD("/strip/add a/b 1\n", 1U, MX_ERR_BAD_ARG, "bad name 'a/b'"),
  BAD("/strip/add abcdefghijklmnopqrstuvwxyz0123456 1\n", 1U, MX_ERR_BAD_ARG, "bad name"),
  BAD("/strip/add caf\xC3\xA9 1\n", 1U, MX_ERR_BAD_ARG, "bad name 'caf\xC3\xA9'"),
  BAD(A "/strip/a/name 9\n", 2U, MX_ERR_BAD_ARG, "bad name '9'"),
  // Quotes: the reason shows the unquoted word
  BAD("/strip/add \"a b\" 1\n", 1U, MX_ERR_BAD_ARG, "bad name 'a b'"),
  BAD("/strip/add \"vo\\\"cal\" 1\n", 1U, MX_ERR_BAD_ARG, "bad name 'vo\"cal'"),
  BAD("/strip/add \"a\\\\b\" 1\n", 1U, MX_ERR_BAD_ARG, "bad name 'a\\b'"),
  BAD("/strip/add \"#a\" 1\n", 1U, MX_ERR_BAD_ARG, "bad name '#a'"),
  BAD("/strip/add \"vocal 1\n", 1U, MX_ERR_BAD_ARG, "unterminated quote"),
  BAD(A "/strip/a/trim \"1\\\"\n", 2U, MX_ERR_BAD_ARG, "unterminated quote"),
  // Routing cycles name the loop
  BAD("/bus/add g1 group 2\n/bus/add g2 group 2\n/bus/g1/route/g2 1\n/bus/g2/route/g1 1\n",
      4U,
      MX_ERR_CYCLE,
      "routing would form a cycle: g2 -> g1 -> g2"),
  BAD("/bus/add g1 group 2\n/bus/add g2 group 1\n/bus/add g3 group 2\n/bus/g1/route/g2 1\n"
      "/bus/g2/route/g3 1\n/bus/g3/route/g1 on\n",
      6U,
      MX_ERR_CYCLE,
      "routing would form a cycle: g3 -> g1 -> g2 -> g3"),
  // Bytes that are not text
  BAD(A "/strip/a/trim 1\0\n", 2U, MX_ERR_BAD_ARG, "NUL byte"),
  BAD(A "# \0 in a comment\n", 2U, MX_ERR_BAD_ARG, "NUL byte"),
  BAD(A "\0", 2U, MX_ERR_BAD_ARG, "NUL byte"),
  BAD(A "# \xff\n", 2U, MX_ERR_BAD_ARG, "not UTF-8 text (byte 3 of the line)"),
  BAD(A "/strip/a/trim 1 # \xc0\xaf overlong '/'\n", 2U, MX_ERR_BAD_ARG, "not UTF-8"),
  BAD(A "# \xe0\x80\xaf overlong in three\n", 2U, MX_ERR_BAD_ARG, "not UTF-8"),
  BAD(A "# \xed\xa0\x80 surrogate\n", 2U, MX_ERR_BAD_ARG, "not UTF-8"),
  BAD(A "# \xf4\x90\x80\x80 above U+10FFFF\n", 2U, MX_ERR_BAD_ARG, "not UTF-8"),
  BAD(A "# \xf8\x88\x80\x80\x80 five bytes\n", 2U, MX_ERR_BAD_ARG, "not UTF-8"),
  BAD(A "# cut \xe2\x99\n", 2U, MX_ERR_BAD_ARG, "not UTF-8"),
  BAD(A "# cut at the end \xc3", 2U, MX_ERR_BAD_ARG, "not UTF-8"),
  BAD(A "# lone continuation \x80\n", 2U, MX_ERR_BAD_ARG, "not UTF-8"),
  BAD("\xEF\xBB\xBF\xEF\xBB\xBF/strip/add a 1\n", 1U, MX_ERR_NOT_FOUND, "starts with '/'"),
  // Line numbers: the last line without a newline, CRLF, blank and comment lines count
  BAD(A "/strip/a/trim 99", 2U, MX_ERR_RANGE, "99 is out of range for trim"),
  BAD(A "\n# c\n\n/strip/a/trim 99\n/strip/a/trim 1\n", 5U, MX_ERR_RANGE, "out of range"),
  BAD("/strip/add a 1\r\n\r\n/strip/b/trim 1\r\n", 3U, MX_ERR_NOT_FOUND, "no strip named 'b'"),
  BAD("/strip/add a 1\r\n/strip/a/trim 1 2\r\n", 2U, MX_ERR_BAD_ARG, "takes 1 argument"),
  BAD("\xEF\xBB\xBF/strip/add a 1\n/strip/a/mute 2\n", 2U, MX_ERR_BAD_ARG, "'2' is not a value"),
  // Connection rules
  BAD("/jack/connect a_in\n", 1U, MX_ERR_BAD_ARG, "/jack/connect takes 2 arguments: FROM TO"),
  BAD("/jack/connect \"sys(\" a_in\n", 1U, MX_ERR_BAD_ARG, "bad port pattern 'sys('"),
  BAD("/jack/connect x:y a_in\n/jack/connect x:y a_in\n", 2U, MX_ERR_EXISTS, "already connected"),
  BAD("/jack/disconnect x:y a_in\n", 1U, MX_ERR_NOT_FOUND, "no rule connects 'x:y' to 'a_in'"),
  BAD("/jack/connect \"\" a_in\n", 1U, MX_ERR_BAD_ARG, "bad port pattern"),
};

#undef A

// Parse a bad session and check the error: "NAME:LINE: reason", no model
static void
assert_refused(const char* const text,
               const size_t      len,
               const MxLimits*   limits,
               const unsigned    line,
               const MxStatus    status,
               const char* const why)
{
  static char    sentinel;
  MxModel*       model = (MxModel*)&sentinel; // Not NULL: must be cleared
  char           err[768];
  char           prefix[64];
  const MxStatus st = mx_session_parse(text, len, "bad.mixd", limits, &model, err, sizeof(err));
  snprintf(prefix, sizeof(prefix), "bad.mixd:%u: ", line);
  ck_assert_msg(st == status, "status %d (%s), not %d: %s", st, mx_strerror(st), status, err);
  ck_assert_ptr_null(model);
  ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "'%s' does not start '%s'", err, prefix);
  ck_assert_msg(strstr(err + strlen(prefix), why), "'%s' does not say '%s'", err, why);
}

START_TEST(refuses_bad_text)
{
  const MxLimits limits = mx_limits_default();
  const BadCase* c      = &bad_cases[_i];
  assert_refused(c->text, c->len, &limits, c->line, c->status, c->why);
}
END_TEST

// A line of `len` bytes (no newline) that sets /strip/a/trim to 1: the
// number padded with zeros, so every byte is part of a word
static char*
long_line(const size_t len)
{
  static const char head[] = "/strip/a/trim 1.";
  char* const       line   = (char*)malloc(len + 1U);
  ck_assert_ptr_nonnull(line);
  memcpy(line, head, sizeof(head) - 1U);
  memset(line + sizeof(head) - 1U, '0', len - (sizeof(head) - 1U));
  line[len] = '\0';
  return line;
}

START_TEST(line_at_the_limit_is_accepted)
{
  // MX_SESSION_LINE_MAX bytes, ended by LF, CRLF or nothing
  static const char* const ends[] = { "\n", "\r\n", "" };
  char* const              line   = long_line(MX_SESSION_LINE_MAX);
  char                     text[MX_SESSION_LINE_MAX + 64U];
  for (size_t i = 0U; i < sizeof(ends) / sizeof(*ends); ++i) {
    const char* const sep = ends[i][0] ? ends[i] : "\n";
    snprintf(text, sizeof(text), "/strip/add a 1%s%s%s", sep, line, ends[i]);
    MxModel* const model = parse_ok(text, strlen(text));
    mxt_assert_same(value_at(model, "/strip/a/trim"), 1.0f);
    mx_model_free(model);
  }

  // As a comment too
  line[0] = '#';
  snprintf(text, sizeof(text), "%s\n", line);
  MxModel* const model = parse_ok(text, strlen(text));
  mx_model_free(model);
  free(line);
}
END_TEST

START_TEST(line_over_the_limit_is_refused)
{
  const MxLimits limits = mx_limits_default();
  char* const    line   = long_line(MX_SESSION_LINE_MAX + 1U);
  char           text[MX_SESSION_LINE_MAX + 64U];
  snprintf(text, sizeof(text), "/strip/add a 1\n%s\n", line);
  assert_refused(text, strlen(text), &limits, 2U, MX_ERR_BAD_ARG, "line longer than 1024 bytes");
  snprintf(text, sizeof(text), "/strip/add a 1\n\n%s", line);
  assert_refused(text, strlen(text), &limits, 3U, MX_ERR_BAD_ARG, "line longer than 1024 bytes");
  line[0] = '#';
  snprintf(text, sizeof(text), "%s\n", line);
  assert_refused(text, strlen(text), &limits, 1U, MX_ERR_BAD_ARG, "line longer than 1024 bytes");
  free(line);
}
END_TEST

START_TEST(refuses_more_than_the_limits)
{
  const MxLimits    limits   = { 2U, 1U, 2U, 2U };
  static const char strips[] = "/strip/add a 1\n/strip/add b 2\n/strip/add c 1\n";
  static const char buses[]  = "/bus/add a aux 1\n/bus/add b group 1\n";
  static const char vcas[]   = "/vca/3/fader 0\n";
  assert_refused(
    strips, sizeof(strips) - 1U, &limits, 3U, MX_ERR_FULL, "no room for another strip (at most 2)");
  assert_refused(
    buses, sizeof(buses) - 1U, &limits, 2U, MX_ERR_FULL, "no room for another bus (at most 1)");
  assert_refused(vcas, sizeof(vcas) - 1U, &limits, 1U, MX_ERR_NOT_FOUND, "no VCA 3 (1 to 2)");
}
END_TEST

START_TEST(cut_anywhere_reads_or_names_the_cut_line)
{
  // With no end marker, a session cut at a line boundary is a shorter good
  // session; cut inside a line, it is good or fails on that (last) line
  static const char text[]   = "# mixd session\n"
                               "/strip/add vocal 1\n"
                               "/bus/add reverb aux 2\n"
                               "/strip/vocal/trim 3.5\n"
                               "/strip/vocal/eq/2/freq 2500\n"
                               "/strip/vocal/send/reverb/level -12\n"
                               "/strip/vocal/comp/detect rms\n"
                               "/strip/add \"keys\" 2\n"
                               "/master/limiter/ceiling -1";
  const MxLimits    limits   = mx_limits_default();
  const size_t      len      = sizeof(text) - 1U;
  size_t            bad      = len + 1U;
  unsigned          errors   = 0U;
  char              err[768] = "";
  for (size_t cut = 0U; cut <= len && bad > len; ++cut) {
    MxModel*       model    = NULL;
    const MxStatus st       = mx_session_parse(text, cut, "cut", &limits, &model, err, sizeof(err));
    const bool     boundary = cut == 0U || text[cut - 1U] == '\n';
    char           prefix[32];
    snprintf(prefix, sizeof(prefix), "cut:%u: ", count_lines(text, cut));
    if (st ? boundary || model || strncmp(err, prefix, strlen(prefix)) : !model) {
      bad = cut;
    }
    errors += st != MX_SUCCESS;
    mx_model_free(model);
  }
  ck_assert_msg(bad > len, "cut at %zu: %s", bad, err);
  ck_assert_uint_gt(errors, 0U);

  // Cut inside a number: a shorter number, read as such
  MxModel* const model = parse_ok(text, (size_t)(strstr(text, "3.5") - text) + 2U);
  mxt_assert_same(value_at(model, "/strip/vocal/trim"), 3.0f);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- A failed read changes nothing

START_TEST(failed_read_leaves_the_engine_unchanged)
{
  const MxEngineConfig config = mx_engine_config_default();
  MxEngine* const      engine = mx_engine_new(&config);
  ck_assert_ptr_nonnull(engine);
  char        err[768];
  const char* good = in_dir("good.mixd");
  const char* bad  = in_dir("bad.mixd");
  write_bytes(good, example, sizeof(example) - 1U);
  MxModel* model = NULL;
  ck_assert_int_eq(mx_session_read_file(good, &config.limits, &model, err, sizeof(err)),
                   MX_SUCCESS);
  ck_assert_int_eq(mx_engine_load(engine, model), MX_SUCCESS);
  mx_model_free(model);
  char* const before = format_ok(mx_engine_model(engine));

  // Good lines that would change the mix, then a bad one
  static const char broken[] = "# mixd session\n"
                               "/strip/add vocal 1\n"
                               "/strip/add drums 2\n"
                               "/strip/vocal/remove\n"
                               "/master/fader -3\n"
                               "/strip/drums/fader 99\n"
                               "/strip/drums/trim 1\n";
  write_bytes(bad, broken, sizeof(broken) - 1U);
  char prefix[300];
  snprintf(prefix, sizeof(prefix), "%s:6: ", bad);
  model = (MxModel*)&config; // Not NULL: must be cleared
  ck_assert_int_eq(mx_session_read_file(bad, &config.limits, &model, err, sizeof(err)),
                   MX_ERR_RANGE);
  ck_assert_ptr_null(model);
  ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "%s", err);
  ck_assert_msg(strstr(err, "99 is out of range for fader"), "%s", err);

  // As the daemon does: load only what was read
  if (model) {
    mx_engine_load(engine, model);
  }
  char* const after = format_ok(mx_engine_model(engine));
  mxt_assert_same_text(after, before);

  // A good session read after it does change the engine
  ck_assert_int_eq(mx_session_read_file(good, &config.limits, &model, err, sizeof(err)),
                   MX_SUCCESS);
  ck_assert_int_eq(mx_model_set(model, (MxNode){ MX_NODE_MASTER, 0U }, MX_P_FADER, 0U, -3.0f),
                   MX_SUCCESS);
  ck_assert_int_eq(mx_engine_load(engine, model), MX_SUCCESS);
  char* const changed = format_ok(mx_engine_model(engine));
  ck_assert_str_ne(changed, before);
  ck_assert_ptr_nonnull(strstr(changed, "\n/master/fader -3\n"));

  free(changed);
  free(after);
  free(before);
  mx_model_free(model);
  mx_engine_free(engine);
  unlink(good);
  unlink(bad);
}
END_TEST

START_TEST(failed_line_leaves_the_model_unchanged)
{
  // mx_session_apply_line() on a model: a refused line changes nothing
  static const char* const lines[] = {
    "/strip/add a 3",          "/strip/add kick 1",  "/strip/kick/trim 99",  "/strip/kick/mute 2",
    "/bus/band/route/drums 1", "/strip/kick/name 1", "/strip/kick/remove x", "/bus/add x y 1",
  };
  MxModel* const model  = rich_model();
  char* const    before = format_ok(model);
  for (size_t i = 0U; i < sizeof(lines) / sizeof(*lines); ++i) {
    char why[512] = "";
    ck_assert_msg(
      mx_session_apply_line(model, lines[i], why, sizeof(why)) != MX_SUCCESS, "%s", lines[i]);
    ck_assert_msg(why[0] != '\0', "no reason for %s", lines[i]);
  }
  char* const after = format_ok(model);
  mxt_assert_same_text(after, before);
  free(after);
  free(before);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Files

START_TEST(read_missing_file_fails)
{
  const MxLimits limits = mx_limits_default();
  const char*    path   = in_dir("missing.mixd");
  MxModel*       model  = (MxModel*)&limits;
  char           err[512];
  char           expect[512];
  ck_assert_int_eq(mx_session_read_file(path, &limits, &model, err, sizeof(err)), MX_ERR_NOT_FOUND);
  ck_assert_ptr_null(model);
  snprintf(expect, sizeof(expect), "%s: %s", path, strerror(ENOENT));
  ck_assert_str_eq(err, expect);
}
END_TEST

START_TEST(read_directory_fails)
{
  const MxLimits limits = mx_limits_default();
  const char*    path   = in_dir("a-directory");
  ck_assert_int_eq(mkdir(path, 0700), 0);
  MxModel* model = (MxModel*)&limits;
  char     err[512];
  char     prefix[300];
  ck_assert_int_ne(mx_session_read_file(path, &limits, &model, err, sizeof(err)), MX_SUCCESS);
  ck_assert_ptr_null(model);
  snprintf(prefix, sizeof(prefix), "%s: ", path);
  ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "%s", err);
  ck_assert_int_eq(rmdir(path), 0);
}
END_TEST

START_TEST(read_empty_file_is_an_empty_session)
{
  const MxLimits limits = mx_limits_default();
  const char*    path   = in_dir("empty.mixd");
  write_bytes(path, "", 0U);
  MxModel* model = NULL;
  char     err[512];
  ck_assert_int_eq(mx_session_read_file(path, &limits, &model, err, sizeof(err)), MX_SUCCESS);
  ck_assert_ptr_nonnull(model);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), 0U);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), 0U);
  char* const text = format_ok(model);
  ck_assert_str_eq(text, "# mixd session\n");
  free(text);
  mx_model_free(model);
  unlink(path);
}
END_TEST

START_TEST(read_truncated_file)
{
  // Cut inside an address: an error naming the file and the last line
  const MxLimits limits = mx_limits_default();
  const char*    path   = in_dir("truncated.mixd");
  const size_t   cut    = (size_t)(strstr(example, "/strip/vocal/trim") - example) + 15U;
  write_bytes(path, example, cut);
  MxModel* model = (MxModel*)&limits;
  char     err[512];
  char     prefix[300];
  ck_assert_int_eq(mx_session_read_file(path, &limits, &model, err, sizeof(err)), MX_ERR_NOT_FOUND);
  ck_assert_ptr_null(model);
  snprintf(prefix, sizeof(prefix), "%s:4: no control 'tr' on strips", path);
  ck_assert_str_eq(err, prefix);

  // Cut after a whole line: the lines before it
  const size_t whole = (size_t)(strstr(example, "/strip/vocal/trim") - example);
  write_bytes(path, example, whole);
  ck_assert_int_eq(mx_session_read_file(path, &limits, &model, err, sizeof(err)), MX_SUCCESS);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), 1U);
  mxt_assert_same(value_at(model, "/strip/vocal/trim"), 0.0f);
  mx_model_free(model);
  unlink(path);
}
END_TEST

// Lines of a large session: every strip and bus the limits allow, sends,
// routes and comments, well over the reader's first 64 KiB buffer
static char*
large_text(size_t* const len, MxModel* const expected)
{
  const MxLimits limits = mx_model_limits(expected);
  size_t         cap    = 1U << 20;
  char* const    text   = (char*)malloc(cap);
  ck_assert_ptr_nonnull(text);
  size_t n = 0U;
#define PUT(...)                                           \
  do {                                                     \
    n += (size_t)snprintf(text + n, cap - n, __VA_ARGS__); \
    ck_assert_uint_lt(n, cap);                             \
  } while (0)
  for (uint32_t b = 0U; b < limits.buses; ++b) {
    const MxBusKind kind = b % 2U ? MX_BUS_GROUP : MX_BUS_AUX;
    const unsigned  ch   = 1U + b % 3U / 2U;
    char            name[16];
    snprintf(name, sizeof(name), "bus%03u", b);
    PUT("# bus %u\n/bus/add %s %s %u\n", b, name, mx_bus_kind_name(kind), ch);
    ck_assert_int_eq(mx_model_add_bus(expected, name, kind, ch, NULL), MX_SUCCESS);
  }
  for (uint32_t s = 0U; s < limits.strips; ++s) {
    const MxNode strip = { MX_NODE_STRIP, s };
    char         name[16];
    snprintf(name, sizeof(name), "s%03u", s);
    PUT("# strip %u, with a comment long enough to make the file large\n", s);
    PUT(
      "/strip/add %s %u\n/strip/%s/trim %.1f\n", name, 1U + s % 2U, name, (double)(s % 40U) - 20.0);
    ck_assert_int_eq(mx_model_add_strip(expected, name, 1U + s % 2U, NULL), MX_SUCCESS);
    ck_assert_int_eq(mx_model_set(expected, strip, MX_P_TRIM, 0U, (float)(s % 40U) - 20.0f),
                     MX_SUCCESS);
    for (uint32_t b = 0U; b < limits.buses; b += 2U) {
      PUT("/strip/%s/send/bus%03u/level %d\n", name, b, -(int)(b + s % 7U));
      ck_assert_int_eq(mx_model_set(expected, strip, MX_P_SEND_LEVEL, b, (float)-(int)(b + s % 7U)),
                       MX_SUCCESS);
    }
    PUT("/strip/%s/route/bus%03u 1\n", name, 1U + 2U * (s % (limits.buses / 2U)));
    ck_assert_int_eq(
      mx_model_set(expected, strip, MX_P_ROUTE, 1U + 2U * (s % (limits.buses / 2U)), 1.0f),
      MX_SUCCESS);
  }
#undef PUT
  *len = n;
  return text;
}

START_TEST(read_large_file)
{
  const MxLimits limits   = mx_limits_default();
  MxModel* const expected = mx_model_new(&limits, false);
  ck_assert_ptr_nonnull(expected);
  size_t      len  = 0U;
  char* const text = large_text(&len, expected);
  ck_assert_uint_gt(len, 4U * 65536U);
  const char* path = in_dir("large.mixd");
  write_bytes(path, text, len);

  MxModel* model = NULL;
  char     err[512];
  ck_assert_int_eq(mx_session_read_file(path, &limits, &model, err, sizeof(err)), MX_SUCCESS);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_STRIP), limits.strips);
  ck_assert_uint_eq(mx_model_count(model, MX_NODE_BUS), limits.buses);
  mxt_assert_same_mix(expected, model);
  char* const a = format_ok(model);
  char* const b = format_ok(expected);
  mxt_assert_same_text(a, b);

  // A bad last line of a large file is still found, with its number
  char        prefix[300];
  FILE* const f = fopen(path, "ab");
  ck_assert_ptr_nonnull(f);
  fputs("/strip/s000/fader 11\n", f);
  fclose(f);
  mx_model_free(model);
  model = (MxModel*)&limits;
  ck_assert_int_eq(mx_session_read_file(path, &limits, &model, err, sizeof(err)), MX_ERR_RANGE);
  ck_assert_ptr_null(model);
  snprintf(prefix, sizeof(prefix), "%s:%u: ", path, count_lines(text, len) + 1U);
  ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "%s (expected %s)", err, prefix);

  free(a);
  free(b);
  free(text);
  mx_model_free(expected);
  unlink(path);
}
END_TEST

START_TEST(write_file_writes_the_session_and_nothing_else)
{
  MxModel* const model    = rich_model();
  char* const    text     = format_ok(model);
  const char*    path     = in_dir("saved.mixd");
  char           err[512] = "";
  const mode_t   mask     = umask(022);
  ck_assert_int_eq(mx_session_write_file(path, model, err, sizeof(err)), MX_SUCCESS);
  umask(mask);

  char* const saved = read_bytes(path);
  mxt_assert_same_text(saved, text);
  char* const names = list_dir();
  ck_assert_str_eq(names, "saved.mixd\n");
  struct stat st;
  ck_assert_int_eq(stat(path, &st), 0);
  ck_assert_uint_eq(st.st_mode & 0777U, 0644U);

  // And it reads back as the same mix
  const MxLimits limits = mx_limits_default();
  MxModel*       back   = NULL;
  ck_assert_int_eq(mx_session_read_file(path, &limits, &back, err, sizeof(err)), MX_SUCCESS);
  mxt_assert_same_mix(model, back);

  mx_model_free(back);
  free(names);
  free(saved);
  free(text);
  mx_model_free(model);
  unlink(path);
}
END_TEST

START_TEST(write_file_overwrites)
{
  MxModel* const model = parse_ok(example, sizeof(example) - 1U);
  char* const    text  = format_ok(model);
  const char*    path  = in_dir("over.mixd");
  char           old[8192];
  memset(old, 'x', sizeof(old) - 1U);
  old[sizeof(old) - 1U] = '\n';
  write_bytes(path, old, sizeof(old));

  char err[512] = "";
  ck_assert_int_eq(mx_session_write_file(path, model, err, sizeof(err)), MX_SUCCESS);
  char* const saved = read_bytes(path);
  mxt_assert_same_text(saved, text); // Not a byte of the longer old file left
  char* const names = list_dir();
  ck_assert_str_eq(names, "over.mixd\n");

  free(names);
  free(saved);
  free(text);
  mx_model_free(model);
  unlink(path);
}
END_TEST

START_TEST(write_file_fails_cleanly)
{
  MxModel* const model = parse_ok(example, sizeof(example) - 1U);
  char           err[512];
  char           prefix[300];

  // Into a directory that does not exist: an error, no file anywhere
  const char* missing = in_dir("no/such/dir/s.mixd");
  ck_assert_int_ne(mx_session_write_file(missing, model, err, sizeof(err)), MX_SUCCESS);
  snprintf(prefix, sizeof(prefix), "%s: %s", missing, strerror(ENOENT));
  ck_assert_str_eq(err, prefix);
  char* names = list_dir();
  ck_assert_str_eq(names, "");
  free(names);

  // Over a directory: the rename fails, the temporary is removed
  const char* taken = in_dir("taken");
  ck_assert_int_eq(mkdir(taken, 0700), 0);
  ck_assert_int_ne(mx_session_write_file(taken, model, err, sizeof(err)), MX_SUCCESS);
  snprintf(prefix, sizeof(prefix), "%s: ", taken);
  ck_assert_msg(!strncmp(err, prefix, strlen(prefix)), "%s", err);
  names = list_dir();
  ck_assert_str_eq(names, "taken\n");
  free(names);
  ck_assert_int_eq(rmdir(taken), 0);
  mx_model_free(model);
}
END_TEST

// ---------------------------------------------------------------- Suite

static Suite*
session_suite(void)
{
  Suite* const s = suite_create("session");

  TCase* const round = tcase_create("round_trip");
  tcase_add_unchecked_fixture(round, make_dir, remove_dir);
  tcase_add_test(round, rich_session_sets_every_control);
  tcase_add_test(round, rich_session_text_is_a_fixed_point);
  tcase_add_test(round, rich_session_reproduces_every_value);
  tcase_add_test(round, engine_loaded_from_a_file_writes_the_same_session);
  suite_add_tcase(s, round);

  TCase* const ex = tcase_create("example");
  tcase_add_test(ex, example_session_parses);
  suite_add_tcase(s, ex);

  TCase* const good = tcase_create("accepts");
  tcase_add_loop_test(good, accepts_good_text, 0, MXT_N_CASES(good_cases));
  tcase_add_test(good, empty_text_is_an_empty_session);
  tcase_add_test(good, connection_rules_round_trip);
  tcase_add_test(good, connections_by_hand_are_written_once_as_exact_rules);
  tcase_add_test(good, line_at_the_limit_is_accepted);
  suite_add_tcase(s, good);

  TCase* const bad = tcase_create("refuses");
  tcase_add_loop_test(bad, refuses_bad_text, 0, MXT_N_CASES(bad_cases));
  tcase_add_test(bad, line_over_the_limit_is_refused);
  tcase_add_test(bad, refuses_more_than_the_limits);
  tcase_add_test(bad, cut_anywhere_reads_or_names_the_cut_line);
  suite_add_tcase(s, bad);

  TCase* const unchanged = tcase_create("unchanged");
  tcase_add_unchecked_fixture(unchanged, make_dir, remove_dir);
  tcase_add_test(unchanged, failed_read_leaves_the_engine_unchanged);
  tcase_add_test(unchanged, failed_line_leaves_the_model_unchanged);
  suite_add_tcase(s, unchanged);

  TCase* const files = tcase_create("files");
  tcase_add_unchecked_fixture(files, make_dir, remove_dir);
  tcase_add_test(files, read_missing_file_fails);
  tcase_add_test(files, read_directory_fails);
  tcase_add_test(files, read_empty_file_is_an_empty_session);
  tcase_add_test(files, read_truncated_file);
  tcase_add_test(files, read_large_file);
  tcase_add_test(files, write_file_writes_the_session_and_nothing_else);
  tcase_add_test(files, write_file_overwrites);
  tcase_add_test(files, write_file_fails_cleanly);
  suite_add_tcase(s, files);
  return s;
}

int
main(void)
{
  return mxt_run_suite(session_suite());
}
