// SPDX-License-Identifier: GPL-3.0-or-later

// OSC control, end to end: the pattern matcher, the 0..1 tapers, the socket
// (networks, packets, bundles, malformed bytes), then the controller over
// real UDP on the loopback, driven as the daemon's loop drives it: every
// control set and got, patterns, bundles, errors, topology, discovery,
// subscriptions with leases, meters and aliases.

#include "address.h"
#include "control.h"
#include "engine.h"
#include "model.h"
#include "osc_mix.h"
#include "params.h"
#include "pattern.h"
#include "server.h"
#include "taper.h"
#include "testutil.h"

#include "config.h"

#include <lo/lo.h>

#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { RATE = 48000, BLOCK = 256 };

/// Fail with a message unless `cond`; silent when it holds (Check reports
/// every passing ck_assert to its parent, which is slow in long loops)
#define EXPECT(cond, ...)        \
  do {                           \
    if (!(cond)) {               \
      ck_abort_msg(__VA_ARGS__); \
    }                            \
  } while (0)

static double
now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void
sleep_ms(const double ms)
{
  const struct timespec ts = { 0, (long)(ms * 1e6) };
  nanosleep(&ts, NULL);
}

// ================================================================ Patterns

static const struct {
  const char* pattern;
  const char* name;
  bool        match;
} matches[] = {
  // Literals
  { "vox", "vox", true },
  { "vox", "vo", false },
  { "vo", "vox", false },
  { "vox", "Vox", false },
  { "1", "1", true },
  // ?
  { "v?x", "vox", true },
  { "v?x", "vx", false },
  { "??", "ab", true },
  { "??", "abc", false },
  { "?", "", false },
  // *
  { "*", "", true },
  { "*", "anything", true },
  { "v*", "v", true },
  { "v*x", "vooox", true },
  { "v*x", "vooxo", false },
  { "*o*", "vox", true },
  { "*z", "vox", false },
  { "**", "a", true },
  { "*x*x", "axbxcx", true },
  // [abc], [a-z], [!x]
  { "[abc]", "b", true },
  { "[abc]", "d", false },
  { "[abc]", "ab", false },
  { "x[abc]y", "xcy", true },
  { "[a-z]", "m", true },
  { "[a-z]", "M", false },
  { "[0-9][0-9]", "42", true },
  { "[1-2]", "3", false },
  { "[a-]", "-", true },
  { "[-a]", "-", true },
  { "[z-a]", "m", false },
  { "[!x]", "y", true },
  { "[!x]", "x", false },
  { "[!x]", "", false },
  { "[!a-c]", "b", false },
  { "[!a-c]", "d", true },
  { "*[!0-9]", "a1b", true },
  { "*[!0-9]", "ab1", false },
  // {a,b}, several groups, with the others
  { "{vox,keys}", "vox", true },
  { "{vox,keys}", "keys", true },
  { "{vox,keys}", "gtr", false },
  { "{vox,keys}", "voxkeys", false },
  { "{a,b}{c,d}", "bd", true },
  { "{a,b}{c,d}", "ba", false },
  { "{a,b}x{c,d}", "axd", true },
  { "{,x}y", "y", true },
  { "{,x}y", "xy", true },
  { "{ab,a}b", "ab", true },
  { "{a*,b}c", "axxc", true },
  { "s[0-9]{a,b}*", "s1bzz", true },
  { "{a,b,c,d}{a,b,c,d}{a,b}", "ddb", true },
  // Invalid patterns never match, not even themselves
  { "[abc", "a", false },
  { "[", "[", false },
  { "a]", "a]", false },
  { "[]", "", false },
  { "[!]", "a", false },
  { "[!]x", "a", false },
  { "{a", "a", false },
  { "{a", "{a", false },
  { "a}", "a}", false },
  { "{a,{b}}", "b", false },
  { "{a,b}}", "a", false },
  { "a/b", "a/b", false },
  { "*/b", "a/b", false },
  { "{a,b,c,d,e,f}{a,b,c,d,e,f}", "aa", false },
};

START_TEST(pattern_matches_by_the_table)
{
  const bool got = mx_pattern_match(matches[_i].pattern, matches[_i].name);
  ck_assert_msg(got == matches[_i].match,
                "'%s' against '%s': %s, expected %s",
                matches[_i].pattern,
                matches[_i].name,
                got ? "match" : "no match",
                matches[_i].match ? "match" : "no match");
}
END_TEST

static const struct {
  const char* segment;
  bool        valid;
  bool        is_pattern;
} validity[] = {
  { "vox", true, false },
  { "", true, false },
  { "v?x", true, true },
  { "*", true, true },
  { "[abc]", true, true },
  { "[!a-z]", true, true },
  { "{a,b}", true, true },
  { "{a,b}{c,d}", true, true },
  { "{}", true, true },
  { "[", false, true },
  { "[abc", false, true },
  { "[]", false, true },
  { "[!]", false, true },
  { "{a", false, true },
  { "{a,{b}}", false, true },
  { "a}", false, false },
  { "a]", false, false },
  { "a/b", false, false },
  { "{a,b,c,d}{a,b,c,d}{a,b}", true, true },
  { "{a,b,c,d,e,f}{a,b,c,d,e,f}", false, true },
};

START_TEST(pattern_validity_by_the_table)
{
  const char* const seg = validity[_i].segment;
  ck_assert_msg(mx_pattern_valid(seg) == validity[_i].valid, "mx_pattern_valid('%s')", seg);
  ck_assert_msg(
    mx_pattern_is_pattern(seg) == validity[_i].is_pattern, "mx_pattern_is_pattern('%s')", seg);
}
END_TEST

START_TEST(pattern_length_is_bounded)
{
  char longest[MX_PATTERN_MAX + 2U];
  memset(longest, 'a', sizeof(longest));
  longest[MX_PATTERN_MAX] = '\0';
  ck_assert(mx_pattern_valid(longest));
  ck_assert(mx_pattern_match(longest, longest));

  longest[MX_PATTERN_MAX]      = 'a';
  longest[MX_PATTERN_MAX + 1U] = '\0';
  ck_assert(!mx_pattern_valid(longest));
  ck_assert(!mx_pattern_match(longest, longest));

  // A star pattern too long, and braces that expand past the limit
  longest[0] = '*';
  ck_assert(!mx_pattern_match(longest, longest + 1));
  char braces[MX_PATTERN_MAX + 1U];
  memset(braces, 'a', sizeof(braces));
  memcpy(braces, "{b,", 3U);
  braces[MX_PATTERN_MAX - 2U] = '}';
  braces[MX_PATTERN_MAX - 1U] = 'c';
  braces[MX_PATTERN_MAX]      = '\0';
  ck_assert(mx_pattern_valid(braces));
  ck_assert(mx_pattern_match(braces, "bc"));
}
END_TEST

// Classic exponential cases for a backtracking matcher; no timing asserts:
// the suite's timeout is the bound
START_TEST(pathological_patterns_finish)
{
  char name[MX_PATTERN_MAX + 1U];
  memset(name, 'a', MX_PATTERN_MAX);
  name[MX_PATTERN_MAX]            = '\0';
  static const char* const hard[] = {
    "*a*a*a*a*a*b",
    "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
    "*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?*?b",
    "*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[!a]",
    "{a,aa,aaa,aaaa}*{a,aa,aaa,aaaa}*a*a*a*b",
  };
  for (unsigned k = 0U; k < 200U; ++k) {
    for (size_t i = 0U; i < sizeof(hard) / sizeof(hard[0]); ++i) {
      EXPECT(!mx_pattern_match(hard[i], name), "'%s' matched", hard[i]);
    }
  }
  ck_assert(mx_pattern_match("*a*a*a*a*a*a", name));
  ck_assert(mx_pattern_match("{b,a}*{b,a}", name));
}
END_TEST

// ================================================================ Tapers

/// The X32 fader law: its corners, and points inside its four pieces
static const struct {
  float norm;
  float db;
} law[] = {
  { 1.0f, 10.0f },     { 0.875f, 5.0f },     { 0.75f, 0.0f },   { 0.625f, -5.0f },
  { 0.5f, -10.0f },    { 0.375f, -20.0f },   { 0.25f, -30.0f }, { 0.125f, -50.0f },
  { 0.0625f, -60.0f }, { 0.03125f, -75.0f },
};

START_TEST(fader_law_points)
{
  unsigned faders = 0U;
  for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
    if (mx_param_info((MxParam)p)->taper != MX_TAPER_FADER) {
      continue;
    }
    ++faders;
    ck_assert_double_eq_tol(mx_taper_from_norm((MxParam)p, law[_i].norm), law[_i].db, 1e-4);
    ck_assert_double_eq_tol(mx_taper_to_norm((MxParam)p, law[_i].db), law[_i].norm, 1e-6);
  }
  ck_assert_uint_eq(faders, 3U); // Fader, send level, monitor level
}
END_TEST

START_TEST(fader_zero_is_off)
{
  const MxParam levels[] = { MX_P_FADER, MX_P_SEND_LEVEL, MX_P_MONITOR_LEVEL };
  for (unsigned i = 0U; i < 3U; ++i) {
    ck_assert(mx_taper_from_norm(levels[i], 0.0f) == -INFINITY);
    mxt_assert_same(mx_taper_to_norm(levels[i], -INFINITY), 0.0f);
    mxt_assert_same(mx_taper_to_norm(levels[i], -144.0f), 0.0f);
    mxt_assert_same(mx_taper_to_norm(levels[i], -90.0f), 0.0f);
    ck_assert(mx_taper_to_norm(levels[i], -89.0f) > 0.0f);
    ck_assert(mx_taper_from_norm(levels[i], 1e-6f) > -90.0f);
  }
}
END_TEST

// norm -> value -> norm, and value -> norm -> value, over every control
START_TEST(every_control_round_trips)
{
  const MxParam            p    = (MxParam)_i;
  const MxParamInfo* const info = mx_param_info(p);
  if (!mx_taper_applies(p)) {
    ck_assert_int_ne(info->type, MX_PARAM_FLOAT);
    mxt_assert_same(mx_taper_from_norm(p, 0.5f), info->def);
    return;
  }
  ck_assert_int_eq(info->type, MX_PARAM_FLOAT);
  for (unsigned k = 0U; k <= 1000U; ++k) {
    const float n = (float)k / 1000.0f;
    const float v = mx_taper_from_norm(p, n);
    EXPECT((v >= info->min && v <= info->max) ||
             (k == 0U && info->taper == MX_TAPER_FADER && v == -INFINITY),
           "%s: norm %g gives %g, outside %g..%g",
           info->path,
           (double)n,
           (double)v,
           (double)info->min,
           (double)info->max);
    const float back = mx_taper_to_norm(p, v);
    EXPECT(fabsf(back - n) <= 1e-4f,
           "%s: norm %g -> %g -> norm %g",
           info->path,
           (double)n,
           (double)v,
           (double)back);
  }
  const float floor = info->taper == MX_TAPER_FADER ? -89.0f : info->min;
  for (unsigned k = 0U; k <= 100U; ++k) {
    const float v    = floor + (info->max - floor) * (float)k / 100.0f;
    const float n    = mx_taper_to_norm(p, v);
    const float back = mx_taper_from_norm(p, n);
    EXPECT(n >= 0.0f && n <= 1.0f, "%s: %g has norm %g", info->path, (double)v, (double)n);
    EXPECT(fabsf(back - v) <= 2e-5f * (info->max - info->min),
           "%s: %g -> norm %g -> %g",
           info->path,
           (double)v,
           (double)n,
           (double)back);
  }
}
END_TEST

START_TEST(log_taper_ends_and_middle)
{
  unsigned logs = 0U;
  for (unsigned i = 0U; i < MX_P_COUNT; ++i) {
    const MxParam            p    = (MxParam)i;
    const MxParamInfo* const info = mx_param_info(p);
    if (info->type != MX_PARAM_FLOAT || info->taper != MX_TAPER_LOG) {
      continue;
    }
    ++logs;
    ck_assert_msg(info->min > 0.0f, "%s: a log taper needs a positive minimum", info->path);
    const double mid = sqrt((double)info->min * (double)info->max);
    mxt_assert_same(mx_taper_to_norm(p, info->min), 0.0f);
    mxt_assert_same(mx_taper_to_norm(p, info->max), 1.0f);
    ck_assert_double_eq_tol(mx_taper_to_norm(p, (float)mid), 0.5, 1e-5);
    ck_assert_double_eq_tol(mx_taper_from_norm(p, 0.0f), info->min, 1e-6 * info->min);
    ck_assert_double_eq_tol(mx_taper_from_norm(p, 1.0f), info->max, 1e-5 * info->max);
    ck_assert_double_eq_tol(mx_taper_from_norm(p, 0.5f), mid, 1e-5 * mid);
    // Even in octaves: a quarter of the travel is a quarter of the log range
    ck_assert_double_eq_tol(
      mx_taper_from_norm(p, 0.25f), info->min * pow(info->max / info->min, 0.25), 1e-5 * mid);
  }
  ck_assert_uint_ge(logs, 8U);
}
END_TEST

START_TEST(norms_are_clamped)
{
  const MxParam            p    = (MxParam)_i;
  const MxParamInfo* const info = mx_param_info(p);
  if (!mx_taper_applies(p)) {
    ck_assert_int_ne(info->type, MX_PARAM_FLOAT);
    return;
  }
  const float range = info->max - info->min;
  mxt_assert_same(mx_taper_from_norm(p, -0.5f), mx_taper_from_norm(p, 0.0f));
  mxt_assert_same(mx_taper_from_norm(p, -INFINITY), mx_taper_from_norm(p, 0.0f));
  mxt_assert_same(mx_taper_from_norm(p, NAN), mx_taper_from_norm(p, 0.0f));
  mxt_assert_same(mx_taper_from_norm(p, 1.5f), mx_taper_from_norm(p, 1.0f));
  mxt_assert_same(mx_taper_from_norm(p, INFINITY), mx_taper_from_norm(p, 1.0f));
  ck_assert(mx_taper_from_norm(p, 1.5f) <= info->max);
  mxt_assert_same(mx_taper_to_norm(p, info->max + range), 1.0f);
  mxt_assert_same(mx_taper_to_norm(p, INFINITY), 1.0f);
  mxt_assert_same(mx_taper_to_norm(p, info->min - range), 0.0f);
  mxt_assert_same(mx_taper_to_norm(p, NAN), 0.0f);
  if (info->taper == MX_TAPER_LINEAR) {
    ck_assert_double_eq_tol(mx_taper_to_norm(p, info->min + 0.5f * range), 0.5, 1e-6);
    mxt_assert_same(mx_taper_from_norm(p, 0.0f), info->min);
    mxt_assert_same(mx_taper_from_norm(p, 1.0f), info->max);
  }
}
END_TEST

START_TEST(only_numbers_have_a_norm_form)
{
  unsigned numbers = 0U;
  unsigned others  = 0U;
  for (unsigned i = 0U; i < MX_P_COUNT; ++i) {
    const bool number = mx_param_info((MxParam)i)->type == MX_PARAM_FLOAT;
    ck_assert_msg(mx_taper_applies((MxParam)i) == number, "%s", mx_param_info((MxParam)i)->path);
    numbers += number;
    others += !number;
  }
  ck_assert_uint_gt(numbers, 20U);
  ck_assert_uint_gt(others, 20U);
  ck_assert(!mx_taper_applies((MxParam)MX_P_COUNT));
  mxt_assert_same(mx_taper_to_norm((MxParam)MX_P_COUNT, 1.0f), 0.0f);
  mxt_assert_same(mx_taper_to_norm(MX_P_MUTE, 1.0f), 0.0f);
}
END_TEST

// ================================================================ Sockets and packets

/// Open a non-blocking UDP socket on the loopback (IPv4 or IPv6), any port
static int
udp_open(const int family)
{
  const int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ck_assert_int_ge(fd, 0);
  const int big = 1 << 21;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
  struct sockaddr_storage ss;
  socklen_t               len = 0;
  memset(&ss, 0, sizeof(ss));
  if (family == AF_INET) {
    struct sockaddr_in* const in = (struct sockaddr_in*)(void*)&ss;
    in->sin_family               = AF_INET;
    in->sin_addr.s_addr          = htonl(INADDR_LOOPBACK);
    len                          = sizeof(*in);
  } else {
    struct sockaddr_in6* const in6 = (struct sockaddr_in6*)(void*)&ss;
    in6->sin6_family               = AF_INET6;
    in6->sin6_addr                 = in6addr_loopback;
    len                            = sizeof(*in6);
  }
  ck_assert_int_eq(bind(fd, (struct sockaddr*)&ss, len), 0);
  return fd;
}

static MxOscPeer
udp_peer(const int fd)
{
  MxOscPeer peer;
  memset(&peer, 0, sizeof(peer));
  peer.len = sizeof(peer.addr);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr*)&peer.addr, &peer.len), 0);
  return peer;
}

static unsigned
udp_port(const int fd)
{
  const MxOscPeer peer = udp_peer(fd);
  return peer.addr.ss_family == AF_INET6
           ? ntohs(((const struct sockaddr_in6*)(const void*)&peer.addr)->sin6_port)
           : ntohs(((const struct sockaddr_in*)(const void*)&peer.addr)->sin_port);
}

/// Send bytes from `fd` to the loopback at `port`
static void
udp_send(const int fd, const unsigned port, const void* const data, const size_t size)
{
  MxOscPeer to = udp_peer(fd);
  mx_osc_peer_set_port(&to, port);
  ck_assert_int_eq((int)sendto(fd, data, size, 0, (const struct sockaddr*)&to.addr, to.len),
                   (int)size);
}

static bool
readable(const int fd, const int timeout_ms)
{
  struct pollfd p = { fd, POLLIN, 0 };
  return poll(&p, 1, timeout_ms) == 1;
}

/// A message from type tags and values: i (int), f and d (double), h
/// (int64_t), s and S (string), c (int), b (string as a blob), m t T F N I
static lo_message
msg(const char* const types, ...)
{
  const lo_message m = lo_message_new();
  va_list          ap;
  va_start(ap, types);
  for (const char* t = types; *t; ++t) {
    switch (*t) {
      case 'i':
        lo_message_add_int32(m, va_arg(ap, int));
        break;
      case 'f':
        lo_message_add_float(m, (float)va_arg(ap, double));
        break;
      case 'd':
        lo_message_add_double(m, va_arg(ap, double));
        break;
      case 'h':
        lo_message_add_int64(m, va_arg(ap, int64_t));
        break;
      case 's':
        lo_message_add_string(m, va_arg(ap, const char*));
        break;
      case 'S':
        lo_message_add_symbol(m, va_arg(ap, const char*));
        break;
      case 'c':
        lo_message_add_char(m, (char)va_arg(ap, int));
        break;
      case 'b': {
        const char* const data = va_arg(ap, const char*);
        const lo_blob     blob = lo_blob_new((int32_t)strlen(data), data);
        lo_message_add_blob(m, blob);
        lo_blob_free(blob);
        break;
      }
      case 'm': {
        uint8_t midi[4] = { 0x90, 60, 100, 0 };
        lo_message_add_midi(m, midi);
        break;
      }
      case 't': {
        const lo_timetag tt = { 7U, 9U };
        lo_message_add_timetag(m, tt);
        break;
      }
      case 'T':
        lo_message_add_true(m);
        break;
      case 'F':
        lo_message_add_false(m);
        break;
      case 'N':
        lo_message_add_nil(m);
        break;
      case 'I':
        lo_message_add_infinitum(m);
        break;
      default:
        ck_abort_msg("msg(): no type '%c'", *t);
    }
  }
  va_end(ap);
  return m;
}

/// Send a message (and free it)
static void
send_msg(const int fd, const unsigned port, const char* const path, const lo_message m)
{
  size_t      size = 0U;
  void* const data = lo_message_serialise(m, path, NULL, &size);
  udp_send(fd, port, data, size);
  free(data);
  lo_message_free(m);
}

/// Send a bundle (and free it with its messages)
static void
send_bundle(const int fd, const unsigned port, const lo_bundle b)
{
  size_t      size = 0U;
  void* const data = lo_bundle_serialise(b, NULL, &size);
  ck_assert_ptr_nonnull(data);
  udp_send(fd, port, data, size);
  free(data);
  lo_bundle_free_recursive(b);
}

static uint32_t
be32(const uint8_t* const p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void
put_be32(uint8_t* const p, const uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

// ---------------------------------------------------------------- What a client receives

/// One message received, out of its bundle
typedef struct {
  char       path[MX_ADDR_MAX + 16U]; ///< Address
  lo_message m;                       ///< The message (arguments)
  unsigned   packet;                  ///< Which datagram it came in
} Got;

enum { MAX_PACKETS = 1024 };

/// Everything a client received, bundles flattened
typedef struct {
  Got*     got;                        ///< Messages, in order
  unsigned n;                          ///< Messages
  unsigned cap;                        ///< Room in `got`
  unsigned packets;                    ///< Datagrams
  unsigned bundles;                    ///< Datagrams that were bundles
  size_t   largest;                    ///< Largest datagram, bytes
  double   packet_ms[MAX_PACKETS];     ///< When each datagram was read
  bool     packet_bundle[MAX_PACKETS]; ///< Whether each was a bundle
} Inbox;

static void
inbox_clear(Inbox* const in)
{
  for (unsigned i = 0U; i < in->n; ++i) {
    lo_message_free(in->got[i].m);
  }
  in->n       = 0U;
  in->packets = 0U;
  in->bundles = 0U;
  in->largest = 0U;
}

static void
parse_packet(Inbox* const in, const uint8_t* const data, const size_t size, const unsigned depth)
{
  if (size >= 16U && !memcmp(data, "#bundle", 8U)) {
    for (size_t pos = 16U; pos < size;) {
      ck_assert_msg(size - pos >= 4U, "mixd sent a truncated bundle");
      const uint32_t len = be32(data + pos);
      pos += 4U;
      ck_assert_msg(len <= size - pos && len % 4U == 0U, "mixd sent a bad bundle element");
      parse_packet(in, data + pos, len, depth + 1U);
      pos += len;
    }
    return;
  }
  int     result = 0;
  uint8_t copy[65536];
  memcpy(copy, data, size);
  const lo_message m = lo_message_deserialise(copy, size, &result);
  ck_assert_msg(m != NULL, "mixd sent a malformed message (liblo error %d)", result);
  if (in->n == in->cap) {
    in->cap = in->cap ? 2U * in->cap : 256U;
    in->got = (Got*)realloc(in->got, in->cap * sizeof(Got));
    ck_assert_ptr_nonnull(in->got);
  }
  Got* const g = &in->got[in->n++];
  snprintf(g->path, sizeof(g->path), "%s", (const char*)data);
  g->m      = m;
  g->packet = in->packets;
}

/// Read every datagram waiting on `fd`
static void
inbox_read(Inbox* const in, const int fd)
{
  static uint8_t buf[65536];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n < 0) {
      return;
    }
    const bool bundle = n >= 16 && !memcmp(buf, "#bundle", 8U);
    if (in->packets < MAX_PACKETS) {
      in->packet_ms[in->packets]     = now_ms();
      in->packet_bundle[in->packets] = bundle;
    }
    in->bundles += bundle;
    in->largest = (size_t)n > in->largest ? (size_t)n : in->largest;
    parse_packet(in, buf, (size_t)n, 0U);
    ++in->packets;
  }
}

static const char*
types_of(const Got* const g)
{
  return lo_message_get_types(g->m);
}

static lo_arg*
arg_of(const Got* const g, const int i)
{
  ck_assert_int_lt(i, lo_message_get_argc(g->m));
  return lo_message_get_argv(g->m)[i];
}

// Arguments lie at 4-byte offsets and lo_arg wants 8: read them by copy

static float
arg_f(const Got* const g, const int i)
{
  float v = 0.0f;
  memcpy(&v, (const void*)arg_of(g, i), sizeof(v));
  return v;
}

static int32_t
arg_i(const Got* const g, const int i)
{
  int32_t v = 0;
  memcpy(&v, (const void*)arg_of(g, i), sizeof(v));
  return v;
}

static double
arg_d(const Got* const g, const int i)
{
  double v = 0.0;
  memcpy(&v, (const void*)arg_of(g, i), sizeof(v));
  return v;
}

static int64_t
arg_h(const Got* const g, const int i)
{
  int64_t v = 0;
  memcpy(&v, (const void*)arg_of(g, i), sizeof(v));
  return v;
}

static const char*
arg_s(const Got* const g, const int i)
{
  return (const char*)(const void*)arg_of(g, i);
}

static unsigned
count_of(const Inbox* const in, const char* const path)
{
  unsigned n = 0U;
  for (unsigned i = 0U; i < in->n; ++i) {
    n += !strcmp(in->got[i].path, path);
  }
  return n;
}

static const Got*
find(const Inbox* const in, const char* const path)
{
  for (unsigned i = 0U; i < in->n; ++i) {
    if (!strcmp(in->got[i].path, path)) {
      return &in->got[i];
    }
  }
  return NULL;
}

/// The first few messages, for failure messages
static const char*
describe(const Inbox* const in)
{
  static char text[1024];
  size_t      len = (size_t)snprintf(text, sizeof(text), "%u message(s):", in->n);
  for (unsigned i = 0U; i < in->n && i < 12U && len < sizeof(text); ++i) {
    len += (size_t)snprintf(
      text + len, sizeof(text) - len, " %s,%s", in->got[i].path, types_of(&in->got[i]));
    if (!strcmp(in->got[i].path, "/error") && lo_message_get_argc(in->got[i].m) == 2) {
      len += (size_t)snprintf(
        text + len, sizeof(text) - len, "(%s: %s)", arg_s(&in->got[i], 0), arg_s(&in->got[i], 1));
    }
  }
  return text;
}

// ================================================================ Networks

static const struct {
  const char* text;
  int         family;
  uint8_t     prefix;
  uint8_t     first; ///< First byte of the address
} good_cidrs[] = {
  { "127.0.0.0/8", AF_INET, 8U, 127U },
  { "10.1.2.3", AF_INET, 32U, 10U },
  { "0.0.0.0/0", AF_INET, 0U, 0U },
  { "192.168.1.0/24", AF_INET, 24U, 192U },
  { "::1", AF_INET6, 128U, 0U },
  { "fe80::/10", AF_INET6, 10U, 0xFEU },
  { "::/0", AF_INET6, 0U, 0U },
  { "2001:db8::/32", AF_INET6, 32U, 0x20U },
  { "::ffff:10.0.0.1/128", AF_INET6, 128U, 0U },
};

START_TEST(cidr_parses)
{
  MxCidr net;
  ck_assert_int_eq(mx_cidr_parse(good_cidrs[_i].text, &net), MX_SUCCESS);
  ck_assert_int_eq(net.family, good_cidrs[_i].family);
  ck_assert_uint_eq(net.prefix, good_cidrs[_i].prefix);
  ck_assert_uint_eq(net.bytes[0], good_cidrs[_i].first);
}
END_TEST

static const char* const bad_cidrs[] = {
  "",
  "/8",
  "1.2.3.4/",
  "1.2.3.4/33",
  "::1/129",
  "1.2.3",
  "1.2.3.4.5",
  "localhost",
  "1.2.3.4/8x",
  "1.2.3.4/-1",
  "1.2.3.4/ 8",
  "1.2.3.4/+8",
  "1.2.3.4//8",
  "256.0.0.1",
  "1.2.3.4 /8",
  "::1::2",
  "1.2.3.4/8/8",
  " 1.2.3.4",
  "0000000000000000000000000000000000000000000000000000000000000000000000.1/8",
};

START_TEST(cidr_refuses)
{
  MxCidr net;
  ck_assert_msg(mx_cidr_parse(bad_cidrs[_i], &net) == MX_ERR_BAD_ARG, "'%s' parsed", bad_cidrs[_i]);
}
END_TEST

static struct sockaddr_storage
sockaddr_of(const char* const text)
{
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  struct sockaddr_in* const  in  = (struct sockaddr_in*)(void*)&ss;
  struct sockaddr_in6* const in6 = (struct sockaddr_in6*)(void*)&ss;
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
  } else {
    ck_assert_int_eq(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
    in6->sin6_family = AF_INET6;
  }
  return ss;
}

static const struct {
  const char* net;
  const char* addr;
  bool        in;
} containment[] = {
  { "192.168.1.0/24", "192.168.1.0", true },
  { "192.168.1.0/24", "192.168.1.255", true },
  { "192.168.1.0/24", "192.168.2.0", false },
  { "192.168.1.0/24", "192.168.0.255", false },
  { "192.168.1.0/25", "192.168.1.127", true },
  { "192.168.1.0/25", "192.168.1.128", false },
  { "10.0.0.0/7", "11.255.255.255", true },
  { "10.0.0.0/7", "12.0.0.0", false },
  { "10.1.2.3", "10.1.2.3", true },
  { "10.1.2.3", "10.1.2.2", false },
  { "0.0.0.0/0", "203.0.113.9", true },
  { "127.0.0.0/8", "127.255.0.1", true },
  { "fe80::/10", "fe80::1", true },
  { "fe80::/10", "febf:ffff::1", true },
  { "fe80::/10", "fec0::", false },
  { "::1", "::1", true },
  { "::1", "::2", false },
  { "::/0", "2001:db8::7", true },
  // IPv4-mapped IPv6 senders are in IPv4 networks
  { "127.0.0.0/8", "::ffff:127.0.0.1", true },
  { "10.0.0.0/8", "::ffff:127.0.0.1", false },
  { "192.168.1.0/24", "::ffff:192.168.1.77", true },
  // ...but not other IPv6 addresses, nor IPv4 senders in IPv6 networks
  { "127.0.0.0/8", "::1", false },
  { "127.0.0.0/8", "::7f00:1", false },
  { "127.0.0.0/8", "::fffe:127.0.0.1", false },
  { "0.0.0.0/0", "2001:db8::7", false },
  { "::/0", "127.0.0.1", false },
  { "::1", "127.0.0.1", false },
};

START_TEST(cidr_contains)
{
  MxCidr net;
  ck_assert_int_eq(mx_cidr_parse(containment[_i].net, &net), MX_SUCCESS);
  const struct sockaddr_storage ss = sockaddr_of(containment[_i].addr);
  ck_assert_msg(mx_cidr_contains(&net, (const struct sockaddr*)&ss) == containment[_i].in,
                "%s in %s",
                containment[_i].addr,
                containment[_i].net);
}
END_TEST

START_TEST(cidr_refuses_other_families)
{
  MxCidr net;
  ck_assert_int_eq(mx_cidr_parse("0.0.0.0/0", &net), MX_SUCCESS);
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof(ss));
  ss.ss_family = AF_UNIX;
  ck_assert(!mx_cidr_contains(&net, (const struct sockaddr*)&ss));
}
END_TEST

// ================================================================ The server, on its own

/// One callback of the server
typedef struct {
  char   kind;         ///< 'M' message, 'B' bundle begins, 'E' bundle ends, 'X' malformed
  char   path[64];     ///< Message address
  char   types[32];    ///< Message type tags
  double num[16];      ///< Numeric arguments (blob: size, MIDI: first byte, time tag: seconds)
  char   text[16][32]; ///< String arguments
  char   why[128];     ///< Why a packet is malformed
  int    family;       ///< Address family of the sender
} Event;

enum { MAX_EVENTS = 8192 };

static Event    events[MAX_EVENTS];
static unsigned n_events;

static Event*
next_event(const char kind, const MxOscPeer* const from)
{
  ck_assert_uint_lt(n_events, MAX_EVENTS);
  Event* const e = &events[n_events++];
  memset(e, 0, sizeof(*e));
  e->kind   = kind;
  e->family = from->addr.ss_family;
  return e;
}

static void
log_message_cb(void* const data, const MxOscPeer* const from, const MxOscMessage* const m)
{
  ck_assert_ptr_eq(data, events);
  Event* const e = next_event('M', from);
  snprintf(e->path, sizeof(e->path), "%s", m->path);
  snprintf(e->types, sizeof(e->types), "%s", m->types);
  ck_assert_int_eq((int)strlen(m->types), m->argc);
  for (int i = 0; i < m->argc && i < 16; ++i) {
    // Read by copy: liblo's arguments are only 4-byte aligned
    const void* const a   = (const void*)m->argv[i];
    int32_t           i32 = 0;
    float             f32 = 0.0f;
    double            f64 = 0.0;
    int64_t           i64 = 0;
    uint8_t           raw[4];
    switch (m->types[i]) {
      case LO_INT32:
      case LO_CHAR:
      case LO_BLOB:    // Its size
      case LO_TIMETAG: // Its seconds
        memcpy(&i32, a, sizeof(i32));
        e->num[i] = i32;
        break;
      case LO_FLOAT:
        memcpy(&f32, a, sizeof(f32));
        e->num[i] = f32;
        break;
      case LO_DOUBLE:
        memcpy(&f64, a, sizeof(f64));
        e->num[i] = f64;
        break;
      case LO_INT64:
        memcpy(&i64, a, sizeof(i64));
        e->num[i] = (double)i64;
        break;
      case LO_STRING:
      case LO_SYMBOL:
        snprintf(e->text[i], sizeof(e->text[i]), "%s", (const char*)a);
        break;
      case LO_MIDI:
        memcpy(raw, a, sizeof(raw));
        e->num[i] = raw[0];
        break;
      default:
        break;
    }
  }
}

static void
log_bundle_cb(void* const data, const MxOscPeer* const from, const bool begin)
{
  ck_assert_ptr_eq(data, events);
  next_event(begin ? 'B' : 'E', from);
}

static void
log_malformed_cb(void* const data, const MxOscPeer* const from, const char* const why)
{
  ck_assert_ptr_eq(data, events);
  Event* const e = next_event('X', from);
  snprintf(e->why, sizeof(e->why), "%s", why);
}

static MxOscServer*
log_server(const char* const listen, const char* const allow)
{
  MxOscConfig config;
  memset(&config, 0, sizeof(config));
  config.listen = listen;
  if (allow) {
    ck_assert_int_eq(mx_cidr_parse(allow, &config.allow[0]), MX_SUCCESS);
    config.n_allow = 1U;
  }
  const MxOscHandlers handlers = { log_message_cb, log_bundle_cb, log_malformed_cb, events };
  char                why[256] = "";
  MxOscServer* const  server   = mx_osc_server_new(&config, &handlers, why, sizeof(why));
  ck_assert_msg(server != NULL, "%s", why);
  ck_assert_uint_ne(mx_osc_server_port(server), 0U);
  ck_assert_int_ge(mx_osc_server_fd(server), 0);
  n_events = 0U;
  return server;
}

/// Wait for a packet at the server and read everything waiting
static void
deliver(MxOscServer* const server)
{
  ck_assert_msg(readable(mx_osc_server_fd(server), 1000), "no packet arrived");
  mx_osc_server_receive(server);
}

static const char*
event_kinds(void)
{
  static char kinds[64];
  unsigned    i = 0U;
  for (; i < n_events && i + 1U < sizeof(kinds); ++i) {
    kinds[i] = events[i].kind;
  }
  kinds[i] = '\0';
  return kinds;
}

START_TEST(server_free_null)
{
  mx_osc_server_free(NULL);
  mx_osc_control_free(NULL);
  ck_assert_uint_eq(n_events, 0U);
}
END_TEST

START_TEST(server_refuses_bad_addresses)
{
  MxOscConfig config;
  memset(&config, 0, sizeof(config));
  const MxOscHandlers handlers = { log_message_cb, log_bundle_cb, log_malformed_cb, events };
  char                why[256] = "";
  config.listen                = "not-an-address";
  ck_assert_ptr_null(mx_osc_server_new(&config, &handlers, why, sizeof(why)));
  ck_assert_ptr_nonnull(strstr(why, "not-an-address"));

  // A port already taken
  MxOscServer* const first = log_server("127.0.0.1", NULL);
  config.listen            = "127.0.0.1";
  config.port              = mx_osc_server_port(first);
  why[0]                   = '\0';
  ck_assert_ptr_null(mx_osc_server_new(&config, &handlers, why, sizeof(why)));
  ck_assert_msg(strstr(why, "in use") != NULL, "%s", why);

  // No address is the loopback, in the reason too
  config.listen = NULL;
  why[0]        = '\0';
  ck_assert_ptr_null(mx_osc_server_new(&config, &handlers, why, sizeof(why)));
  ck_assert_msg(!strncmp(why, "127.0.0.1:", 10U), "%s", why);
  mx_osc_server_free(first);
  config.port                 = 0U;
  MxOscServer* const loopback = mx_osc_server_new(&config, &handlers, why, sizeof(why));
  ck_assert_ptr_nonnull(loopback);
  const int fd = udp_open(AF_INET);
  n_events     = 0U;
  send_msg(fd, mx_osc_server_port(loopback), "/here", msg(""));
  deliver(loopback);
  ck_assert_str_eq(event_kinds(), "M");
  close(fd);
  mx_osc_server_free(loopback);
}
END_TEST

START_TEST(server_receives_every_type)
{
  MxOscServer* const server = log_server("127.0.0.1", NULL);
  const int          fd     = udp_open(AF_INET);
  const unsigned     port   = mx_osc_server_port(server);

  // Nothing waiting: returns at once
  mx_osc_server_receive(server);
  ck_assert_uint_eq(n_events, 0U);

  send_msg(fd,
           port,
           "/every/type",
           msg("ifsSdhcbmtTFNI", -42, 1.5, "hello", "sym", 0.125, (int64_t)1 << 40, 'x', "abcde"));
  deliver(server);
  ck_assert_uint_eq(n_events, 1U);
  const Event* const e = &events[0];
  ck_assert_int_eq(e->kind, 'M');
  ck_assert_str_eq(e->path, "/every/type");
  ck_assert_str_eq(e->types, "ifsSdhcbmtTFNI");
  ck_assert_int_eq(e->family, AF_INET);
  ck_assert_double_eq(e->num[0], -42.0);
  ck_assert_double_eq(e->num[1], 1.5);
  ck_assert_str_eq(e->text[2], "hello");
  ck_assert_str_eq(e->text[3], "sym");
  ck_assert_double_eq(e->num[4], 0.125);
  ck_assert_double_eq(e->num[5], 1099511627776.0);
  ck_assert_double_eq(e->num[6], 'x');
  ck_assert_double_eq(e->num[7], 5.0);
  ck_assert_double_eq(e->num[8], 0x90);
  ck_assert_double_eq(e->num[9], 7.0);

  // Several packets in one call, in order; a message without arguments
  send_msg(fd, port, "/a", msg("i", 1));
  send_msg(fd, port, "/b", msg(""));
  send_msg(fd, port, "/c", msg("s", "x"));
  for (unsigned k = 0U; k < 3U && !readable(mx_osc_server_fd(server), 0); ++k) {
    sleep_ms(1.0);
  }
  sleep_ms(2.0);
  n_events = 0U;
  mx_osc_server_receive(server);
  ck_assert_str_eq(event_kinds(), "MMM");
  ck_assert_str_eq(events[0].path, "/a");
  ck_assert_str_eq(events[1].path, "/b");
  ck_assert_str_eq(events[1].types, "");
  ck_assert_str_eq(events[2].path, "/c");
  close(fd);
  mx_osc_server_free(server);
}
END_TEST

START_TEST(server_unpacks_nested_bundles)
{
  MxOscServer* const server = log_server("127.0.0.1", NULL);
  const int          fd     = udp_open(AF_INET);
  const unsigned     port   = mx_osc_server_port(server);

  const lo_bundle outer  = lo_bundle_new(LO_TT_IMMEDIATE);
  const lo_bundle inner  = lo_bundle_new(LO_TT_IMMEDIATE);
  const lo_bundle inmost = lo_bundle_new(LO_TT_IMMEDIATE);
  lo_bundle_add_message(outer, "/one", msg("i", 1));
  lo_bundle_add_message(inner, "/two", msg("f", 2.0));
  lo_bundle_add_message(inmost, "/three", msg("s", "3"));
  lo_bundle_add_bundle(inner, inmost);
  lo_bundle_add_message(inner, "/four", msg(""));
  lo_bundle_add_bundle(outer, inner);
  lo_bundle_add_message(outer, "/five", msg("T"));
  send_bundle(fd, port, outer);
  deliver(server);

  // One begin and one end around every message, depth first
  ck_assert_str_eq(event_kinds(), "BMMMMME");
  ck_assert_str_eq(events[1].path, "/one");
  ck_assert_str_eq(events[2].path, "/two");
  ck_assert_str_eq(events[3].path, "/three");
  ck_assert_str_eq(events[4].path, "/four");
  ck_assert_str_eq(events[5].path, "/five");

  // An empty bundle is still a bundle
  const lo_bundle empty = lo_bundle_new(LO_TT_IMMEDIATE);
  send_bundle(fd, port, empty);
  n_events = 0U;
  deliver(server);
  ck_assert_str_eq(event_kinds(), "BE");
  close(fd);
  mx_osc_server_free(server);
}
END_TEST

#define TT "\0\0\0\0\0\0\0\1"
#define RAW(what, bytes, n_messages, bundled)            \
  {                                                      \
    what, bytes, sizeof(bytes) - 1U, n_messages, bundled \
  }

/// Hand-made packets that are not OSC (after liblo's test_validation)
static const struct {
  const char* what;
  const char* bytes;
  size_t      size;
  unsigned    messages; ///< Messages that still get through
  bool        bundled;  ///< The framing is a good bundle (begin and end are called)
} malformed[] = {
  RAW("empty datagram", "", 0U, false),
  RAW("path without '/'", "abc\0,i\0\0\0\0\0\1", 0U, false),
  RAW("size not a multiple of 4", "/abc\0", 0U, false),
  RAW("path not terminated", "/abc", 0U, false),
  RAW("no type tags", "/ab\0", 0U, false),
  RAW("type tags without ','", "/ab\0i\0\0\0\0\0\0\1", 0U, false),
  RAW("unknown type", "/ab\0,Z\0\0", 0U, false),
  RAW("truncated int", "/ab\0,i\0\0", 0U, false),
  RAW("truncated double", "/ab\0,d\0\0\0\0\0\1", 0U, false),
  RAW("truncated message (two ints, one sent)", "/ab\0,ii\0\0\0\0\1", 0U, false),
  RAW("string not terminated", "/ab\0,s\0\0abcd", 0U, false),
  RAW("blob longer than the message",
      "/ab\0,b\0\0\0\0\0\x10"
      "abcd",
      0U,
      false),
  RAW("type tags not terminated", "/ab\0,iii", 0U, false),
  RAW("#bundle alone", "#bundle\0", 0U, false),
  RAW("#bundle with half a time tag", "#bundle\0\0\0\0\0", 0U, false),
  RAW("#bundle not terminated", "#bundle!" TT, 0U, false),
  RAW("bundle element longer than the bundle", "#bundle\0" TT "\0\0\1\0/ab\0,\0\0\0", 0U, false),
  RAW("bundle element of size 0", "#bundle\0" TT "\0\0\0\0", 0U, false),
  RAW("bundle element size not a multiple of 4", "#bundle\0" TT "\0\0\0\6/ab\0,\0\0\0", 0U, false),
  RAW("bundle element size truncated", "#bundle\0" TT "\0\0", 0U, false),
  RAW("bundle: good message, then a bad size",
      "#bundle\0" TT "\0\0\0\x08/ok\0,\0\0\0\0\0\0\x40",
      0U,
      false),
  RAW("bundle element without '/'",
      "#bundle\0" TT "\0\0\0\x08"
      "ab\0\0,\0\0\0",
      0U,
      true),
  RAW("bundle element not OSC, then a good one",
      "#bundle\0" TT "\0\0\0\x04/ab\0\0\0\0\x08/ok\0,\0\0\0",
      1U,
      true),
  RAW("bundle holding a short #bundle", "#bundle\0" TT "\0\0\0\x08#bundle\0", 0U, false),
};

START_TEST(server_reports_malformed_packets)
{
  MxOscServer* const server = log_server("127.0.0.1", NULL);
  const int          fd     = udp_open(AF_INET);
  const unsigned     port   = mx_osc_server_port(server);
  udp_send(fd, port, malformed[_i].bytes, malformed[_i].size);
  deliver(server);

  unsigned messages = 0U;
  unsigned bad      = 0U;
  for (unsigned i = 0U; i < n_events; ++i) {
    messages += events[i].kind == 'M';
    bad += events[i].kind == 'X';
    if (events[i].kind == 'X') {
      ck_assert_msg(events[i].why[0] != '\0', "a malformed packet without a reason");
    }
    if (events[i].kind == 'M') {
      ck_assert_str_eq(events[i].path, "/ok");
    }
  }
  ck_assert_msg(bad >= 1U, "%s: not reported (events %s)", malformed[_i].what, event_kinds());
  ck_assert_msg(messages == malformed[_i].messages, "%s: %s", malformed[_i].what, event_kinds());
  if (malformed[_i].bundled) {
    ck_assert_int_eq(events[0].kind, 'B');
    ck_assert_int_eq(events[n_events - 1U].kind, 'E');
  } else {
    ck_assert_msg(!strchr(event_kinds(), 'B'), "%s: %s", malformed[_i].what, event_kinds());
  }

  // The server still works
  n_events = 0U;
  send_msg(fd, port, "/still/here", msg("i", 7));
  deliver(server);
  ck_assert_str_eq(event_kinds(), "M");
  ck_assert_str_eq(events[0].path, "/still/here");
  close(fd);
  mx_osc_server_free(server);
}
END_TEST

// `levels` bundles, one inside the other, around one message
static size_t
nested_bundle(uint8_t* const out, const unsigned levels)
{
  static const uint8_t message[8] = { '/', 'o', 'k', 0, ',', 0, 0, 0 };
  uint8_t              inner[512];
  size_t               size = sizeof(message);
  memcpy(inner, message, size);
  for (unsigned k = 0U; k < levels; ++k) {
    memcpy(out, "#bundle\0" TT, 16U);
    put_be32(out + 16, (uint32_t)size);
    memcpy(out + 20, inner, size);
    size += 20U;
    memcpy(inner, out, size);
  }
  return size;
}

START_TEST(server_bounds_bundle_nesting)
{
  MxOscServer* const server = log_server("127.0.0.1", NULL);
  const int          fd     = udp_open(AF_INET);
  const unsigned     port   = mx_osc_server_port(server);
  uint8_t            packet[512];

  // Five levels (the outermost and four nested) get through
  udp_send(fd, port, packet, nested_bundle(packet, 5U));
  deliver(server);
  ck_assert_str_eq(event_kinds(), "BME");

  // Six do not, and nothing of them applies
  n_events = 0U;
  udp_send(fd, port, packet, nested_bundle(packet, 6U));
  deliver(server);
  ck_assert_str_eq(event_kinds(), "X");
  close(fd);
  mx_osc_server_free(server);
}
END_TEST

// Random bytes, some dressed as a message or a bundle: never a crash, and
// every packet gets exactly one answer (message or malformed) unless it is
// a well-framed bundle
START_TEST(server_survives_random_bytes)
{
  MxOscServer* const server = log_server("127.0.0.1", NULL);
  const int          fd     = udp_open(AF_INET);
  const unsigned     port   = mx_osc_server_port(server);
  uint32_t           seed   = 0x9E3779B9U;
  for (unsigned k = 0U; k < 1500U; ++k) {
    uint8_t packet[256];
    size_t  size = 0U;
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    size = seed % sizeof(packet);
    if (k % 3U == 1U) {
      size &= ~(size_t)3U; // Often a multiple of 4, to get past the first checks
    }
    for (size_t i = 0U; i < size; ++i) {
      seed ^= seed << 13;
      seed ^= seed >> 17;
      seed ^= seed << 5;
      packet[i] = k % 5U == 0U ? (uint8_t) "/,ifsb\0#"[seed % 8U] : (uint8_t)seed;
    }
    if (size >= 4U && k % 3U == 0U) {
      packet[0] = '/';
    }
    if (size >= 20U && k % 7U == 0U) {
      memcpy(packet, "#bundle\0", 8U);
    }
    const unsigned before = n_events;
    udp_send(fd, port, packet, size);
    deliver(server);
    const bool framed = n_events > before && events[before].kind == 'B';
    EXPECT(framed || n_events == before + 1U,
           "packet %u (%zu bytes): %u callbacks",
           k,
           size,
           n_events - before);
    if (n_events > MAX_EVENTS - 64U) {
      n_events = 0U;
    }
  }

  // Still alive
  n_events = 0U;
  send_msg(fd, port, "/still/here", msg(""));
  deliver(server);
  ck_assert_str_eq(event_kinds(), "M");
  close(fd);
  mx_osc_server_free(server);
}
END_TEST

START_TEST(server_drops_senders_outside_the_allow_list)
{
  MxOscServer* const server   = log_server("127.0.0.1", "10.0.0.0/8");
  const int          fd       = udp_open(AF_INET);
  const unsigned     port     = mx_osc_server_port(server);
  char               last[64] = "";
  ck_assert_uint_eq(mx_osc_server_take_refused(server, last, sizeof(last)), 0U);
  for (unsigned k = 0U; k < 3U; ++k) {
    send_msg(fd, port, "/strip/1/mute", msg("i", 1));
    deliver(server);
  }
  ck_assert_uint_eq(n_events, 0U);
  ck_assert_uint_eq(mx_osc_server_take_refused(server, last, sizeof(last)), 3U);
  char expect[64];
  snprintf(expect, sizeof(expect), "127.0.0.1:%u", udp_port(fd));
  ck_assert_str_eq(last, expect);
  ck_assert_uint_eq(mx_osc_server_take_refused(server, last, sizeof(last)), 0U);

  // Malformed packets from outside are dropped before they are read
  udp_send(fd, port, "junk", 4U);
  deliver(server);
  ck_assert_uint_eq(n_events, 0U);
  ck_assert_uint_eq(mx_osc_server_take_refused(server, last, sizeof(last)), 1U);
  close(fd);
  mx_osc_server_free(server);

  // The same sender within the list is heard
  MxOscServer* const open = log_server("127.0.0.1", "127.0.0.1/32");
  const int          fd2  = udp_open(AF_INET);
  send_msg(fd2, mx_osc_server_port(open), "/hello", msg(""));
  deliver(open);
  ck_assert_str_eq(event_kinds(), "M");
  ck_assert_uint_eq(mx_osc_server_take_refused(open, last, sizeof(last)), 0U);
  close(fd2);
  mx_osc_server_free(open);
}
END_TEST

START_TEST(server_listens_on_ipv6)
{
  MxOscServer* const server = log_server("::1", NULL);
  const int          fd     = udp_open(AF_INET6);
  send_msg(fd, mx_osc_server_port(server), "/v6", msg("i", 6));
  deliver(server);
  ck_assert_str_eq(event_kinds(), "M");
  ck_assert_int_eq(events[0].family, AF_INET6);
  ck_assert_double_eq(events[0].num[0], 6.0);

  // ...and refuses an IPv6 sender outside its list
  close(fd);
  mx_osc_server_free(server);
  MxOscServer* const closed = log_server("::1", "fe80::/10");
  const int          fd2    = udp_open(AF_INET6);
  send_msg(fd2, mx_osc_server_port(closed), "/v6", msg(""));
  deliver(closed);
  char last[64] = "";
  ck_assert_uint_eq(n_events, 0U);
  ck_assert_uint_eq(mx_osc_server_take_refused(closed, last, sizeof(last)), 1U);
  ck_assert_ptr_nonnull(strstr(last, "::1:"));
  close(fd2);
  mx_osc_server_free(closed);
}
END_TEST

START_TEST(server_sends_messages_and_bundles)
{
  MxOscServer* const server = log_server("127.0.0.1", NULL);
  const int          fd     = udp_open(AF_INET);
  const MxOscPeer    to     = udp_peer(fd);
  Inbox              in;
  memset(&in, 0, sizeof(in));

  const lo_message m = msg("fs", 0.5, "x");
  ck_assert_int_eq(mx_osc_server_send(server, &to, "/reply", m), MX_SUCCESS);
  lo_message_free(m);
  const lo_bundle b = lo_bundle_new(LO_TT_IMMEDIATE);
  lo_bundle_add_message(b, "/b1", msg("i", 1));
  lo_bundle_add_message(b, "/b2", msg("i", 2));
  ck_assert_int_eq(mx_osc_server_send_bundle(server, &to, b), MX_SUCCESS);
  lo_bundle_free_recursive(b);

  ck_assert(readable(fd, 1000));
  sleep_ms(2.0);
  inbox_read(&in, fd);
  ck_assert_uint_eq(in.packets, 2U);
  ck_assert_uint_eq(in.bundles, 1U);
  ck_assert_uint_eq(in.n, 3U);
  ck_assert_str_eq(in.got[0].path, "/reply");
  ck_assert_str_eq(types_of(&in.got[0]), "fs");
  ck_assert_double_eq(arg_f(&in.got[0], 0), 0.5);
  ck_assert_str_eq(in.got[1].path, "/b1");
  ck_assert_str_eq(in.got[2].path, "/b2");
  ck_assert_int_eq(arg_i(&in.got[2], 0), 2);

  // Peers
  char text[64];
  char expect[64];
  mx_osc_peer_format(&to, text, sizeof(text));
  snprintf(expect, sizeof(expect), "127.0.0.1:%u", udp_port(fd));
  ck_assert_str_eq(text, expect);
  MxOscPeer other = to;
  ck_assert(mx_osc_peer_same(&to, &other));
  mx_osc_peer_set_port(&other, udp_port(fd) + 1U);
  ck_assert(!mx_osc_peer_same(&to, &other));
  mx_osc_peer_set_port(&other, udp_port(fd));
  ck_assert(mx_osc_peer_same(&to, &other));
  inbox_clear(&in);
  free(in.got);
  close(fd);
  mx_osc_server_free(server);
}
END_TEST

// ================================================================ The controller, over UDP

enum { A, B, C, D, N_CLIENTS };
enum { VOX, KEYS, GTR };       // Strips: mono, stereo, mono
enum { REV, DLY, DRUMS, SUB }; // Buses: stereo aux, mono aux, stereo group, mono group (osc_mix.h)

/// The mixer, its server and controller, and four clients
typedef struct {
  MxEngine*     engine;
  MxOscServer*  server;
  MxOscControl* control;
  unsigned      port;
  int           fd[N_CLIENTS];
  Inbox         in[N_CLIENTS];
} Rig;

static Rig rig;

static MxNode
node(const MxNodeKind kind, const uint32_t index)
{
  const MxNode n = { kind, index };
  return n;
}

static const MxModel*
model(void)
{
  return mx_engine_model(rig.engine);
}

static float
value(const MxNode n, const MxParam p, const uint32_t sub)
{
  float v = NAN;
  ck_assert_int_eq(mx_model_get(model(), n, p, sub, &v), MX_SUCCESS);
  return v;
}

/// Set up as the daemon does: the controller first, then its server
static void
rig_up(const double lease_s)
{
  memset(&rig, 0, sizeof(rig));
  rig.engine = mxt_osc_mix_new(RATE, BLOCK);
  ck_assert_ptr_nonnull(rig.engine);

  rig.control = mx_osc_control_new(NULL, rig.engine, lease_s);
  ck_assert_ptr_nonnull(rig.control);
  MxOscConfig osc;
  memset(&osc, 0, sizeof(osc));
  osc.listen                   = "127.0.0.1";
  const MxOscHandlers handlers = mx_osc_control_handlers(rig.control);
  char                why[256] = "";
  rig.server                   = mx_osc_server_new(&osc, &handlers, why, sizeof(why));
  ck_assert_msg(rig.server != NULL, "%s", why);
  mx_osc_control_set_server(rig.control, rig.server);
  rig.port = mx_osc_server_port(rig.server);
  for (unsigned c = 0U; c < N_CLIENTS; ++c) {
    rig.fd[c] = udp_open(AF_INET);
  }

  // The first tick takes in the mix as it is, with no one to tell
  mx_osc_control_tick(rig.control);
}

static void
rig_down(void)
{
  for (unsigned c = 0U; c < N_CLIENTS; ++c) {
    inbox_clear(&rig.in[c]);
    free(rig.in[c].got);
    close(rig.fd[c]);
  }
  mx_osc_control_free(rig.control);
  mx_osc_server_free(rig.server);
  mx_engine_free(rig.engine);
  memset(&rig, 0, sizeof(rig));
}

/// One turn of the daemon's loop: read requests, run a period, tick
static void
pump_with(const MxEngineIo* const io, const uint32_t frames)
{
  mx_osc_server_receive(rig.server);
  mx_engine_process(rig.engine, io, frames);
  mx_engine_flush(rig.engine);
  mx_osc_control_tick(rig.control);
  for (unsigned c = 0U; c < N_CLIENTS; ++c) {
    inbox_read(&rig.in[c], rig.fd[c]);
  }
}

static void
pump(void)
{
  pump_with(NULL, BLOCK);
}

/// Run the loop for a while
static void
pump_for(const double ms)
{
  const double end = now_ms() + ms;
  while (now_ms() < end) {
    pump();
    sleep_ms(1.0);
  }
}

/// Run the loop until client `c` has a message at `path`, or a timeout
static const Got*
await(const unsigned c, const char* const path, const double timeout_ms)
{
  const double end = now_ms() + timeout_ms;
  do {
    pump();
    const Got* const g = find(&rig.in[c], path);
    if (g) {
      return g;
    }
    sleep_ms(1.0);
  } while (now_ms() < end);
  return NULL;
}

/// Wait for requests to arrive, then run the loop once and gather replies
static void
serve(const unsigned c)
{
  ck_assert_msg(readable(mx_osc_server_fd(rig.server), 1000), "the request did not arrive");
  pump();
  if (!rig.in[c].packets && readable(rig.fd[c], 200)) {
    sleep_ms(1.0);
  }
  inbox_read(&rig.in[c], rig.fd[c]);
}

/// Send a request from client `c` and gather what comes back
static void
ask(const unsigned c, const char* const path, const lo_message m)
{
  inbox_clear(&rig.in[c]);
  send_msg(rig.fd[c], rig.port, path, m);
  serve(c);
}

static void
ask_bundle(const unsigned c, const lo_bundle b)
{
  inbox_clear(&rig.in[c]);
  send_bundle(rig.fd[c], rig.port, b);
  serve(c);
}

/// The only message client `c` got, which must be at `path`
static const Got*
only(const unsigned c, const char* const path)
{
  const Inbox* const in = &rig.in[c];
  ck_assert_msg(
    in->n == 1U && !strcmp(in->got[0].path, path), "expected only %s, got %s", path, describe(in));
  return &in->got[0];
}

/// The only message client `c` got is an error about `address`: the reason
static const char*
only_error(const unsigned c, const char* const address)
{
  const Got* const g = only(c, "/error");
  ck_assert_str_eq(types_of(g), "ss");
  ck_assert_str_eq(arg_s(g, 0), address);
  ck_assert_msg(strlen(arg_s(g, 1)) > 3U, "an error without a reason");
  return arg_s(g, 1);
}

// ---------------------------------------------------------------- Walking the model

/// Every strip, bus, the master, VCAs, mute groups and the monitor
typedef struct {
  MxNode   nodes[64];
  unsigned n;
} Nodes;

static Nodes
all_nodes(void)
{
  Nodes all;
  all.n = 0U;
  for (unsigned k = 0U; k < MX_NODE_N; ++k) {
    for (uint32_t i = 0U; i < mx_model_count(model(), (MxNodeKind)k); ++i) {
      all.nodes[all.n++] = node((MxNodeKind)k, i);
    }
  }
  return all;
}

enum { MAX_VALUES = 4096 };

/// Every value of the model, in a fixed order, and its generation
typedef struct {
  float    v[MAX_VALUES];
  unsigned n;
  uint64_t generation;
  uint32_t strips;
  uint32_t buses;
} Snapshot;

static void
snapshot(Snapshot* const s)
{
  const Nodes all = all_nodes();
  s->n            = 0U;
  for (unsigned i = 0U; i < all.n; ++i) {
    for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
      for (uint32_t sub = 0U; sub < mx_model_sub_count(model(), all.nodes[i], (MxParam)p); ++sub) {
        float v = 0.0f;
        if (!mx_model_get(model(), all.nodes[i], (MxParam)p, sub, &v)) {
          ck_assert_uint_lt(s->n, MAX_VALUES);
          s->v[s->n++] = v;
        }
      }
    }
  }
  s->generation = mx_model_generation(model());
  s->strips     = mx_model_count(model(), MX_NODE_STRIP);
  s->buses      = mx_model_count(model(), MX_NODE_BUS);
}

/// How many values differ between two snapshots of the same nodes
static unsigned
differences(const Snapshot* const a, const Snapshot* const b)
{
  ck_assert_uint_eq(a->n, b->n);
  unsigned n = 0U;
  for (unsigned i = 0U; i < a->n; ++i) {
    n += a->v[i] != b->v[i];
  }
  return n;
}

static void
assert_unchanged(const Snapshot* const before)
{
  static Snapshot after;
  snapshot(&after);
  ck_assert_uint_eq(after.generation, before->generation);
  ck_assert_uint_eq(after.strips, before->strips);
  ck_assert_uint_eq(after.buses, before->buses);
  ck_assert_uint_eq(differences(before, &after), 0U);
}

static void
path_of(const MxNode n, const MxParam p, const uint32_t sub, char* const buf, const size_t size)
{
  const MxAddr addr = { MX_ADDR_CONTROL, n, p, sub };
  ck_assert_int_gt(mx_addr_format(model(), &addr, buf, size), 0);
}

/// Does a reply carry the model's value at its address (plain or /norm)?
static void
assert_reply_is_model(const Got* const g)
{
  char         plain[MX_ADDR_MAX + 16U];
  const size_t len  = strlen(g->path);
  const bool   norm = len > 5U && !strcmp(g->path + len - 5U, "/norm");
  snprintf(plain, sizeof(plain), "%.*s", (int)(norm ? len - 5U : len), g->path);
  MxAddr addr;
  char   why[256] = "";
  ck_assert_msg(
    mx_addr_parse(model(), plain, &addr, why, sizeof(why)) == MX_SUCCESS, "%s: %s", g->path, why);
  const float              v    = value(addr.node, addr.param, addr.sub);
  const MxParamInfo* const info = mx_param_info(addr.param);
  if (norm) {
    EXPECT(!strcmp(types_of(g), "f") && arg_f(g, 0) == mx_taper_to_norm(addr.param, v),
           "%s: reply is not the model's %g",
           g->path,
           (double)v);
  } else if (info->type == MX_PARAM_FLOAT) {
    EXPECT(!strcmp(types_of(g), "f") && arg_f(g, 0) == v,
           "%s: reply %s %g, model %g",
           g->path,
           types_of(g),
           (double)arg_f(g, 0),
           (double)v);
  } else if (info->type == MX_PARAM_SWITCH) {
    EXPECT(!strcmp(types_of(g), "i") && arg_i(g, 0) == (int32_t)v,
           "%s: reply is not the model's %g",
           g->path,
           (double)v);
  } else {
    EXPECT(!strcmp(types_of(g), "s") && !strcmp(arg_s(g, 0), mx_param_label(addr.param, v)),
           "%s: reply is not the model's %s",
           g->path,
           mx_param_label(addr.param, v));
  }
}

// ---------------------------------------------------------------- Every control

/// A valid value different from the current one
static float
other_value(const MxParam p, const float current)
{
  const MxParamInfo* const info = mx_param_info(p);
  switch (info->type) {
    case MX_PARAM_SWITCH:
      return current != 0.0f ? 0.0f : 1.0f;
    case MX_PARAM_ENUM:
      return fmodf(current + 1.0f, info->max + 1.0f);
    case MX_PARAM_FLOAT:
      break;
  }
  const float v = info->min + 0.375f * (info->max - info->min);
  return v != current ? v : info->min + 0.625f * (info->max - info->min);
}

/// The value as a message, in one of the forms a set takes
static lo_message
value_message(const MxParam p, const float v, const unsigned form)
{
  const MxParamInfo* const info = mx_param_info(p);
  switch (info->type) {
    case MX_PARAM_SWITCH:
      return form % 2U ? msg(v != 0.0f ? "T" : "F") : msg("i", (int)v);
    case MX_PARAM_ENUM:
      return form % 2U ? msg("s", mx_param_label(p, v)) : msg("i", (int)v);
    case MX_PARAM_FLOAT:
      break;
  }
  return form % 2U ? msg("d", (double)v) : msg("f", (double)v);
}

static const struct {
  MxNodeKind  kind;
  uint32_t    index;
  const char* what;
} every_node[] = {
  { MX_NODE_STRIP, VOX, "mono strip" },       { MX_NODE_STRIP, KEYS, "stereo strip" },
  { MX_NODE_BUS, REV, "stereo aux bus" },     { MX_NODE_BUS, DLY, "mono aux bus" },
  { MX_NODE_BUS, DRUMS, "stereo group bus" }, { MX_NODE_BUS, SUB, "mono group bus" },
  { MX_NODE_MASTER, 0U, "master" },           { MX_NODE_VCA, 1U, "VCA 2" },
  { MX_NODE_MUTE_GROUP, 0U, "mute group 1" }, { MX_NODE_MONITOR, 0U, "monitor" },
};

// Set every control of a node, get it back, and the same through /norm
START_TEST(every_control_sets_and_gets)
{
  rig_up(30.0);
  const MxNode n        = node(every_node[_i].kind, every_node[_i].index);
  unsigned     controls = 0U;
  unsigned     numbers  = 0U;
  unsigned     form     = 0U;
  for (unsigned pi = 0U; pi < MX_P_COUNT; ++pi) {
    const MxParam            p    = (MxParam)pi;
    const MxParamInfo* const info = mx_param_info(p);
    for (uint32_t sub = 0U; sub < mx_model_sub_count(model(), n, p); ++sub) {
      if (!mx_model_applies(model(), n, p, sub)) {
        continue;
      }
      ++controls;
      char path[MX_ADDR_MAX + 8U];
      path_of(n, p, sub, path, sizeof(path));
      const float v = other_value(p, value(n, p, sub));
      ck_assert_int_eq(mx_model_check(model(), n, p, sub, v), MX_SUCCESS);

      // Set: one reply, the value as applied, in its type
      ask(A, path, value_message(p, v, form++));
      const Got* g = only(A, path);
      assert_reply_is_model(g);
      EXPECT(value(n, p, sub) == v,
             "%s: set %g, model has %g",
             path,
             (double)v,
             (double)value(n, p, sub));

      // Get: the same
      ask(B, path, msg(""));
      assert_reply_is_model(only(B, path));

      if (info->type != MX_PARAM_FLOAT) {
        continue;
      }
      ++numbers;
      char norm[MX_ADDR_MAX + 16U];
      snprintf(norm, sizeof(norm), "%s/norm", path);
      const float expect = mx_taper_from_norm(p, 0.3f);
      ask(A, norm, msg("f", 0.3));
      g = only(A, norm);
      assert_reply_is_model(g);
      EXPECT(fabsf(arg_f(g, 0) - 0.3f) < 1e-4f, "%s: %g", norm, (double)arg_f(g, 0));
      EXPECT(value(n, p, sub) == expect,
             "%s: model %g, taper says %g",
             norm,
             (double)value(n, p, sub),
             (double)expect);
      ask(B, norm, msg(""));
      assert_reply_is_model(only(B, norm));
    }
  }
  ck_assert_msg(controls > 0U, "%s: no controls", every_node[_i].what);
  ck_assert_msg(
    numbers > 0U || n.kind == MX_NODE_MUTE_GROUP, "%s: no numbers", every_node[_i].what);
}
END_TEST

START_TEST(norm_forms_follow_the_tapers)
{
  rig_up(30.0);
  const MxNode vox = node(MX_NODE_STRIP, VOX);
  ask(A, "/strip/vox/fader/norm", msg("f", 0.75));
  ck_assert_double_eq_tol(arg_f(only(A, "/strip/vox/fader/norm"), 0), 0.75, 1e-6);
  ck_assert_double_eq_tol(value(vox, MX_P_FADER, 0U), 0.0, 1e-5);
  ask(A, "/strip/vox/fader/norm", msg("f", 1.0));
  mxt_assert_same(value(vox, MX_P_FADER, 0U), 10.0f);
  ask(A, "/strip/vox/fader/norm", msg("f", 0.25));
  ck_assert_double_eq_tol(value(vox, MX_P_FADER, 0U), -30.0, 1e-4);
  ask(A, "/strip/vox/fader/norm", msg("i", 0));
  ck_assert(value(vox, MX_P_FADER, 0U) == -INFINITY);
  mxt_assert_same(arg_f(only(A, "/strip/vox/fader/norm"), 0), 0.0f);
  ask(A, "/strip/vox/fader", msg(""));
  ck_assert(arg_f(only(A, "/strip/vox/fader"), 0) == -INFINITY);

  // Log: the middle of the travel is the geometric middle
  ask(A, "/strip/vox/eq/1/freq/norm", msg("d", 0.5));
  ck_assert_double_eq_tol(value(vox, MX_P_EQ_BAND_FREQ, 0U), sqrt(10.0 * 40000.0), 0.01);
  ask(A, "/bus/rev/send/x/norm", msg("f", 0.5));
  only_error(A, "/bus/rev/send/x/norm");

  // Switches and choices have none
  ask(A, "/strip/vox/mute/norm", msg("f", 1.0));
  ck_assert_ptr_nonnull(strstr(only_error(A, "/strip/vox/mute/norm"), "norm"));
  ask(A, "/strip/vox/hpf/slope/norm", msg(""));
  only_error(A, "/strip/vox/hpf/slope/norm");
  ask(A, "/strip/vox/pan/norm", msg("s", "left"));
  only_error(A, "/strip/vox/pan/norm");
  rig_down();
}
END_TEST

static const struct {
  const char* path;
  const char* types;
  double      in;
  const char* reply; ///< Reply type
  double      out;   ///< The value applied (numbers)
  const char* label; ///< The value applied (choices)
} clamps[] = {
  { "/strip/vox/fader", "f", 50.0, "f", 10.0, NULL },
  { "/strip/vox/fader", "f", -1000.0, "f", -144.0, NULL },
  { "/strip/vox/fader", "d", 1e300, "f", 10.0, NULL },
  { "/strip/vox/pan", "d", 5.0, "f", 1.0, NULL },
  { "/strip/vox/pan", "i", -3.0, "f", -1.0, NULL },
  { "/strip/vox/eq/2/gain", "f", 1e30, "f", 24.0, NULL },
  { "/strip/vox/comp/ratio", "h", 1000.0, "f", 100.0, NULL },
  { "/strip/vox/hpf/freq", "f", 1.0, "f", 10.0, NULL },
  { "/strip/vox/fader/norm", "f", 2.0, "f", 1.0, NULL },
  { "/strip/vox/fader/norm", "f", -1.0, "f", 0.0, NULL },
  { "/strip/vox/eq/1/q/norm", "d", 9.0, "f", 1.0, NULL },
  { "/strip/vox/mute", "i", 7.0, "i", 1.0, NULL },
  { "/strip/vox/mute", "f", 0.25, "i", 1.0, NULL },
  { "/strip/vox/hpf/slope", "i", 99.0, "s", 0.0, "lr24" },
  { "/strip/vox/hpf/slope", "i", -5.0, "s", 0.0, "bw12" },
  { "/strip/vox/hpf/slope", "f", 0.6, "s", 0.0, "bw24" },
  { "/monitor/mode", "d", 10.0, "s", 0.0, "pfl" },
};

START_TEST(out_of_range_values_are_clamped)
{
  rig_up(30.0);
  const char* const t = clamps[_i].types;
  const lo_message  m = t[0] == 'f'   ? msg("f", clamps[_i].in)
                        : t[0] == 'd' ? msg("d", clamps[_i].in)
                        : t[0] == 'h' ? msg("h", (int64_t)clamps[_i].in)
                                      : msg("i", (int)clamps[_i].in);
  ask(A, clamps[_i].path, m);
  const Got* const g = only(A, clamps[_i].path);
  ck_assert_str_eq(types_of(g), clamps[_i].reply);
  if (clamps[_i].label) {
    ck_assert_str_eq(arg_s(g, 0), clamps[_i].label);
  } else if (clamps[_i].reply[0] == 'i') {
    ck_assert_int_eq(arg_i(g, 0), (int)clamps[_i].out);
  } else {
    ck_assert_double_eq_tol(arg_f(g, 0), clamps[_i].out, 1e-6);
  }
  assert_reply_is_model(g);
  rig_down();
}
END_TEST

static const struct {
  const char* path;
  const char* types;
  double      number;
  const char* text;
} refusals[] = {
  { "/strip/vox/fader", "f", NAN, NULL },
  { "/strip/vox/fader", "f", INFINITY, NULL },
  { "/strip/vox/fader", "f", -INFINITY, NULL },
  { "/strip/vox/fader", "d", NAN, NULL },
  { "/strip/vox/fader/norm", "f", NAN, NULL },
  { "/strip/vox/fader/norm", "d", INFINITY, NULL },
  { "/strip/vox/mute", "f", NAN, NULL },
  { "/strip/*/mute", "f", NAN, NULL },
  { "/strip/vox/fader", "N", 0.0, NULL },
  { "/strip/vox/fader", "I", 0.0, NULL },
  { "/strip/vox/fader", "b", 0.0, "blob" },
  { "/strip/vox/fader", "m", 0.0, NULL },
  { "/strip/vox/fader", "s", 0.0, "loud" },
  { "/strip/vox/hpf/slope", "s", 0.0, "steep" },
  { "/strip/vox/mute", "s", 0.0, "maybe" },
  { "/strip/vox/fader", "ff", 1.0, NULL },
  { "/strip/vox/fader", "fs", 1.0, "x" },
  { "/strip/vox/nosuch", "f", 1.0, NULL },
  { "/strip/vox/nosuch", "", 0.0, NULL },
  { "/strip/nobody/fader", "f", 1.0, NULL },
  { "/strip/nobody/fader", "", 0.0, NULL },
  { "/strip/9/fader", "f", 1.0, NULL },
  { "/nosuch", "f", 1.0, NULL },
  { "/strip", "f", 1.0, NULL },
  { "/strip/vox/fader/", "f", 1.0, NULL },
  { "/strip//fader", "f", 1.0, NULL },
  { "/strip/vox/width", "f", 1.0, NULL },
  { "/strip/vox/eq/9/gain", "f", 1.0, NULL },
  { "/strip/vox/send/drums/level", "f", 0.0, NULL },
  { "/strip/vox/route/rev", "i", 1.0, NULL },
  { "/vca/3/fader", "f", 0.0, NULL },
  { "/mutegroup/1/fader", "f", 0.0, NULL },
  { "/master/solo", "i", 1.0, NULL },
  { "/master/remove", "", 0.0, NULL },
  { "/strip/vox/remove", "i", 1.0, NULL },
  { "/strip/vox/name", "i", 1.0, NULL },
  { "/strip/*/nosuch", "f", 1.0, NULL },
  { "/strip/[/fader", "f", 1.0, NULL },
  { "/strip/{a,{b}}/fader", "f", 1.0, NULL },
  { "/bus/drums/route/drums", "i", 1.0, NULL },
};

// Bad requests: one error to the sender, nothing changed
START_TEST(bad_requests_change_nothing)
{
  rig_up(30.0);
  static Snapshot before;
  snapshot(&before);
  const char* const t = refusals[_i].types;
  lo_message        m = NULL;
  if (!strcmp(t, "ff")) {
    m = msg("ff", refusals[_i].number, refusals[_i].number);
  } else if (!strcmp(t, "fs")) {
    m = msg("fs", refusals[_i].number, refusals[_i].text);
  } else if (t[0] == 'f' || t[0] == 'd') {
    m = msg(t, refusals[_i].number);
  } else if (t[0] == 'i') {
    m = msg("i", (int)refusals[_i].number);
  } else if (t[0] == 's' || t[0] == 'b') {
    m = msg(t, refusals[_i].text);
  } else {
    m = msg(t);
  }
  ask(A, refusals[_i].path, m);
  only_error(A, refusals[_i].path);
  assert_unchanged(&before);
  rig_down();
}
END_TEST

START_TEST(routing_loops_are_refused)
{
  rig_up(30.0);
  ask(A, "/bus/drums/route/sub", msg("i", 1));
  ck_assert_int_eq(arg_i(only(A, "/bus/drums/route/sub"), 0), 1);
  static Snapshot before;
  snapshot(&before);
  ask(A, "/bus/sub/route/drums", msg("T"));
  const char* const why = only_error(A, "/bus/sub/route/drums");
  ck_assert_msg(strstr(why, "cycle") != NULL, "%s", why);
  assert_unchanged(&before);
  rig_down();
}
END_TEST

// ---------------------------------------------------------------- Patterns

static const struct {
  const char* pattern;
  const char* types; ///< "" to get
  double      v;
  const char* reached[13];
} patterns[] = {
  { "/strip/*/mute", "i", 1.0, { "/strip/vox/mute", "/strip/keys/mute", "/strip/gtr/mute" } },
  { "/strip/[1-2]/fader", "f", -10.0, { "/strip/vox/fader", "/strip/keys/fader" } },
  { "/strip/{vox,gtr}/pan", "f", 0.5, { "/strip/vox/pan", "/strip/gtr/pan" } },
  { "/strip/{1,gtr}/trim", "f", 3.0, { "/strip/vox/trim", "/strip/gtr/trim" } },
  { "/strip/?ox/trim", "f", 3.0, { "/strip/vox/trim" } },
  // A strip segment matches the name or the position: "1" is not a 'v'...
  { "/strip/[!v]*/solo", "i", 1.0, { "/strip/vox/solo", "/strip/keys/solo", "/strip/gtr/solo" } },
  // ...but a position is one digit here
  { "/strip/[!v][a-z]*/solo", "i", 1.0, { "/strip/keys/solo", "/strip/gtr/solo" } },
  { "/bus/*/fader",
    "f",
    -3.0,
    { "/bus/rev/fader", "/bus/dly/fader", "/bus/drums/fader", "/bus/sub/fader" } },
  { "/strip/vox/eq/*/gain",
    "f",
    2.0,
    { "/strip/vox/eq/1/gain",
      "/strip/vox/eq/2/gain",
      "/strip/vox/eq/3/gain",
      "/strip/vox/eq/4/gain" } },
  { "/strip/vox/eq/[23]/q", "f", 2.5, { "/strip/vox/eq/2/q", "/strip/vox/eq/3/q" } },
  { "/strip/*/send/rev/level",
    "f",
    -6.0,
    { "/strip/vox/send/rev/level", "/strip/keys/send/rev/level", "/strip/gtr/send/rev/level" } },
  { "/strip/vox/send/*/level",
    "f",
    -6.0,
    { "/strip/vox/send/rev/level", "/strip/vox/send/dly/level" } },
  { "/strip/vox/send/[1-2]/on", "i", 0.0, { "/strip/vox/send/rev/on", "/strip/vox/send/dly/on" } },
  { "/strip/keys/send/*/pan", "f", 0.25, { "/strip/keys/send/rev/pan" } },
  { "/strip/*/route/{drums,sub}",
    "i",
    1.0,
    { "/strip/vox/route/drums",
      "/strip/vox/route/sub",
      "/strip/keys/route/drums",
      "/strip/keys/route/sub",
      "/strip/gtr/route/drums",
      "/strip/gtr/route/sub" } },
  { "/{strip,bus}/*/mute",
    "i",
    1.0,
    { "/strip/vox/mute",
      "/strip/keys/mute",
      "/strip/gtr/mute",
      "/bus/rev/mute",
      "/bus/dly/mute",
      "/bus/drums/mute",
      "/bus/sub/mute" } },
  { "/vca/*/fader", "f", -5.0, { "/vca/1/fader", "/vca/2/fader" } },
  { "/mutegroup/*/mute", "i", 1.0, { "/mutegroup/1/mute", "/mutegroup/2/mute" } },
  { "/strip/*/fader/norm",
    "f",
    0.5,
    { "/strip/vox/fader/norm", "/strip/keys/fader/norm", "/strip/gtr/fader/norm" } },
  { "/strip/*/width", "f", 1.5, { "/strip/keys/width" } },
  { "/strip/*/balance", "f", 0.2, { "/strip/vox/pan", "/strip/keys/pan", "/strip/gtr/pan" } },
  { "/master/eq/*/on",
    "i",
    0.0,
    { "/master/eq/1/on", "/master/eq/2/on", "/master/eq/3/on", "/master/eq/4/on" } },
  { "/strip/*/vca/2", "i", 1.0, { "/strip/vox/vca/2", "/strip/keys/vca/2", "/strip/gtr/vca/2" } },
  { "/strip/*/fader", "", 0.0, { "/strip/vox/fader", "/strip/keys/fader", "/strip/gtr/fader" } },
  { "/{strip,bus,vca,mutegroup}/*/mute",
    "",
    0.0,
    { "/strip/vox/mute",
      "/strip/keys/mute",
      "/strip/gtr/mute",
      "/bus/rev/mute",
      "/bus/dly/mute",
      "/bus/drums/mute",
      "/bus/sub/mute",
      "/vca/1/mute",
      "/vca/2/mute",
      "/mutegroup/1/mute",
      "/mutegroup/2/mute" } },
  { "/strip/*/name", "", 0.0, { "/strip/vox/name", "/strip/keys/name", "/strip/gtr/name" } },
};

// A pattern reaches exactly its controls, with one reply each
START_TEST(patterns_reach_exactly_their_controls)
{
  rig_up(30.0);
  static Snapshot before;
  static Snapshot after;
  snapshot(&before);
  const char* const t = patterns[_i].types;
  ask(A,
      patterns[_i].pattern,
      !t[0]         ? msg("")
      : t[0] == 'i' ? msg("i", (int)patterns[_i].v)
                    : msg("f", patterns[_i].v));
  unsigned expected = 0U;
  for (; expected < 13U && patterns[_i].reached[expected]; ++expected) {
    const char* const path = patterns[_i].reached[expected];
    ck_assert_msg(count_of(&rig.in[A], path) == 1U,
                  "%s: %s not once in %s",
                  patterns[_i].pattern,
                  path,
                  describe(&rig.in[A]));
    if (strstr(path, "/name")) {
      ck_assert_str_eq(types_of(find(&rig.in[A], path)), "s");
    } else {
      assert_reply_is_model(find(&rig.in[A], path));
    }
  }
  ck_assert_msg(rig.in[A].n == expected, "%s: %s", patterns[_i].pattern, describe(&rig.in[A]));
  ck_assert_uint_le(rig.in[A].largest, 1400U);
  snapshot(&after);
  ck_assert_uint_eq(differences(&before, &after), t[0] ? expected : 0U);
  rig_down();
}
END_TEST

START_TEST(patterns_remove_every_match)
{
  rig_up(30.0);

  // A get of every control of a strip is not a removal
  ask(A, "/strip/vox/*", msg(""));
  ck_assert_uint_eq(mx_model_count(model(), MX_NODE_STRIP), 3U);
  ck_assert_uint_eq(count_of(&rig.in[A], "/strip/vox/remove"), 0U);
  ck_assert_uint_eq(count_of(&rig.in[A], "/strip/vox/fader"), 1U);
  ck_assert_uint_ge(rig.in[A].n, 8U); // trim, polarity, delay, fader, pan, mute, solo, solo_safe
  ck_assert_uint_eq(rig.in[A].bundles, rig.in[A].packets);
  ck_assert_uint_le(rig.in[A].largest, 1400U);

  // Positions close up as strips go: every one is removed all the same
  ask(A, "/strip/*/remove", msg(""));
  ck_assert_uint_eq(count_of(&rig.in[A], "/strip/vox/remove"), 1U);
  ck_assert_uint_eq(count_of(&rig.in[A], "/strip/keys/remove"), 1U);
  ck_assert_uint_eq(count_of(&rig.in[A], "/strip/gtr/remove"), 1U);
  ck_assert_msg(rig.in[A].n == 3U, "%s", describe(&rig.in[A]));
  ck_assert_uint_eq(mx_model_count(model(), MX_NODE_STRIP), 0U);

  ask(A, "/bus/{rev,drums}/remove", msg(""));
  ck_assert_msg(rig.in[A].n == 2U, "%s", describe(&rig.in[A]));
  ck_assert_uint_eq(count_of(&rig.in[A], "/bus/rev/remove"), 1U);
  ck_assert_uint_eq(count_of(&rig.in[A], "/bus/drums/remove"), 1U);
  ck_assert_uint_eq(mx_model_count(model(), MX_NODE_BUS), 2U);
  ck_assert_str_eq(mx_model_name(model(), node(MX_NODE_BUS, 0U)), "dly");
  ck_assert_str_eq(mx_model_name(model(), node(MX_NODE_BUS, 1U)), "sub");
  rig_down();
}
END_TEST

// ---------------------------------------------------------------- Bundles

// Two faders in one bundle move in the same period: with DC into both
// strips, the master falls as one ramp from the first sample
START_TEST(bundle_is_one_transaction)
{
  rig_up(30.0);
  static float dc[BLOCK];
  static float out[2][BLOCK];
  mxt_fill(dc, BLOCK, 0.25f);
  MxEngineInput inputs[6];
  memset(inputs, 0, sizeof(inputs));
  const uint32_t vox_slot  = mx_model_slot(model(), node(MX_NODE_STRIP, VOX));
  const uint32_t keys_slot = mx_model_slot(model(), node(MX_NODE_STRIP, KEYS));
  inputs[vox_slot].ch[0]   = dc;
  inputs[keys_slot].ch[0]  = dc;
  inputs[keys_slot].ch[1]  = dc;
  MxEngineIo io;
  memset(&io, 0, sizeof(io));
  io.strips       = inputs;
  io.master.ch[0] = out[0];
  io.master.ch[1] = out[1];
  mx_engine_settle(rig.engine);
  for (unsigned k = 0U; k < 8U; ++k) {
    mx_engine_process(rig.engine, &io, BLOCK);
  }
  const float steady = out[0][BLOCK - 1U];
  ck_assert_float_gt(steady, 0.25f);
  ck_assert_uint_eq(mxt_first_not(out[0], steady, BLOCK), BLOCK);

  const lo_bundle b = lo_bundle_new(LO_TT_IMMEDIATE);
  lo_bundle_add_message(b, "/strip/vox/fader", msg("s", "-inf"));
  lo_bundle_add_message(b, "/strip/keys/fader", msg("s", "-inf"));
  inbox_clear(&rig.in[A]);
  send_bundle(rig.fd[A], rig.port, b);
  ck_assert(readable(mx_osc_server_fd(rig.server), 1000));
  mx_osc_server_receive(rig.server);
  mx_engine_process(rig.engine, &io, BLOCK);
  const unsigned ramp = mxt_ramp_samples(RATE);
  for (unsigned i = 0U; i < BLOCK; ++i) {
    const double expect = steady * (1.0 - (double)(i + 1U) / ramp);
    EXPECT(
      fabs(out[0][i] - expect) < 1e-6, "sample %u: %g, expected %g", i, (double)out[0][i], expect);
  }
  ck_assert(readable(rig.fd[A], 1000));
  sleep_ms(1.0);
  inbox_read(&rig.in[A], rig.fd[A]);
  ck_assert_uint_eq(rig.in[A].n, 2U);
  ck_assert(arg_f(find(&rig.in[A], "/strip/vox/fader"), 0) == -INFINITY);
  ck_assert(arg_f(find(&rig.in[A], "/strip/keys/fader"), 0) == -INFINITY);
  rig_down();
}
END_TEST

/// The audio thread of bundle_is_atomic_under_a_running_audio_thread
typedef struct {
  MxEngine*    engine;
  MxEngineIo   io;
  const float* a;          ///< One bus's output
  const float* b;          ///< The other's
  atomic_bool  stop;       ///< Set by the main thread
  unsigned     blocks;     ///< Periods run
  unsigned     mismatched; ///< Periods where the two differ
} AudioSide;

enum { AUDIO_BLOCK = 64 };

static void*
audio_thread(void* const data)
{
  AudioSide* const side = (AudioSide*)data;
  while (!atomic_load(&side->stop)) {
    mx_engine_process(side->engine, &side->io, AUDIO_BLOCK);
    ++side->blocks;
    side->mismatched += mxt_first_difference(side->a, side->b, AUDIO_BLOCK) != AUDIO_BLOCK;
  }
  return NULL;
}

// With the audio side running on its own thread, as under JACK, the two
// faders of a bundle still land in the same period: two identical strips
// into two identical buses give the same output at every sample
START_TEST(bundle_is_atomic_under_a_running_audio_thread)
{
  rig_up(30.0);
  ck_assert_int_eq(mx_engine_add_strip(rig.engine, "a", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_strip(rig.engine, "b", 1U, NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_add_bus(rig.engine, "sub2", MX_BUS_GROUP, 1U, NULL), MX_SUCCESS);
  ask(A, "/strip/{a,b}/route/master", msg("i", 0));
  ask(A, "/strip/a/route/sub", msg("i", 1));
  ask(A, "/strip/b/route/sub2", msg("i", 1));
  ck_assert_uint_eq(count_of(&rig.in[A], "/strip/b/route/sub2"), 1U);

  static float          dc[AUDIO_BLOCK];
  static float          out[6][AUDIO_BLOCK];
  static AudioSide      side;
  static MxEngineInput  inputs[6];
  static MxEngineOutput buses[6];
  mxt_fill(dc, AUDIO_BLOCK, 0.5f);
  memset(inputs, 0, sizeof(inputs));
  memset(buses, 0, sizeof(buses));
  inputs[mx_model_slot(model(), node(MX_NODE_STRIP, 3U))].ch[0] = dc;
  inputs[mx_model_slot(model(), node(MX_NODE_STRIP, 4U))].ch[0] = dc;
  for (unsigned i = 0U; i < 6U; ++i) {
    buses[i].ch[0] = out[i];
  }
  memset(&side, 0, sizeof(side));
  side.engine    = rig.engine;
  side.io.strips = inputs;
  side.io.buses  = buses;
  side.a         = out[mx_model_slot(model(), node(MX_NODE_BUS, SUB))];
  side.b         = out[mx_model_slot(model(), node(MX_NODE_BUS, 4U))];
  atomic_init(&side.stop, false);
  mx_engine_settle(rig.engine);
  mx_engine_process(rig.engine, &side.io, AUDIO_BLOCK);
  ck_assert_float_gt(side.a[AUDIO_BLOCK - 1U], 0.1f);
  ck_assert_uint_eq(mxt_first_difference(side.a, side.b, AUDIO_BLOCK), AUDIO_BLOCK);

  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, audio_thread, &side), 0);
  for (unsigned k = 0U; k < 1000U; ++k) {
    const double    db = -(double)(k % 24U);
    const lo_bundle b  = lo_bundle_new(LO_TT_IMMEDIATE);
    lo_bundle_add_message(b, "/strip/a/fader", msg("f", db));
    lo_bundle_add_message(b, "/strip/b/fader", msg("f", db));
    send_bundle(rig.fd[A], rig.port, b);
    ck_assert(readable(mx_osc_server_fd(rig.server), 1000));
    mx_osc_server_receive(rig.server);
    mx_engine_flush(rig.engine);
    inbox_clear(&rig.in[A]);
    inbox_read(&rig.in[A], rig.fd[A]);
    sleep_ms(0.2);
  }
  atomic_store(&side.stop, true);
  ck_assert_int_eq(pthread_join(thread, NULL), 0);
  ck_assert_uint_gt(side.blocks, 300U);
  ck_assert_msg(
    side.mismatched == 0U, "the buses differ in %u of %u periods", side.mismatched, side.blocks);
  rig_down();
}
END_TEST

START_TEST(bad_message_in_a_bundle_alone_fails)
{
  rig_up(30.0);
  const lo_bundle b     = lo_bundle_new(LO_TT_IMMEDIATE);
  const lo_bundle inner = lo_bundle_new(LO_TT_IMMEDIATE);
  lo_bundle_add_message(b, "/strip/vox/fader", msg("f", -20.0));
  lo_bundle_add_message(b, "/strip/keys/fader", msg("f", NAN));
  lo_bundle_add_message(b, "/nosuch", msg("i", 1));
  lo_bundle_add_message(inner, "/strip/gtr/mute", msg("i", 1));
  lo_bundle_add_message(inner, "/ping", msg("i", 5));
  lo_bundle_add_bundle(b, inner);
  lo_bundle_add_message(b, "/strip/keys/trim", msg("f", 4.0));
  ask_bundle(A, b);

  ck_assert_msg(rig.in[A].n == 6U, "%s", describe(&rig.in[A]));
  ck_assert_uint_eq(count_of(&rig.in[A], "/error"), 2U);
  mxt_assert_same(arg_f(find(&rig.in[A], "/strip/vox/fader"), 0), -20.0f);
  ck_assert_int_eq(arg_i(find(&rig.in[A], "/strip/gtr/mute"), 0), 1);
  ck_assert_int_eq(arg_i(find(&rig.in[A], "/pong"), 0), 5);
  mxt_assert_same(arg_f(find(&rig.in[A], "/strip/keys/trim"), 0), 4.0f);
  mxt_assert_same(value(node(MX_NODE_STRIP, VOX), MX_P_FADER, 0U), -20.0f);
  mxt_assert_same(value(node(MX_NODE_STRIP, KEYS), MX_P_FADER, 0U), 0.0f);
  mxt_assert_same(value(node(MX_NODE_STRIP, KEYS), MX_P_TRIM, 0U), 4.0f);
  mxt_assert_same(value(node(MX_NODE_STRIP, GTR), MX_P_MUTE, 0U), 1.0f);
  unsigned keys = 0U;
  unsigned none = 0U;
  for (unsigned i = 0U; i < rig.in[A].n; ++i) {
    if (!strcmp(rig.in[A].got[i].path, "/error")) {
      keys += !strcmp(arg_s(&rig.in[A].got[i], 0), "/strip/keys/fader");
      none += !strcmp(arg_s(&rig.in[A].got[i], 0), "/nosuch");
    }
  }
  ck_assert_uint_eq(keys, 1U);
  ck_assert_uint_eq(none, 1U);
  rig_down();
}
END_TEST

START_TEST(malformed_packets_get_an_error)
{
  rig_up(30.0);
  static Snapshot before;
  snapshot(&before);
  inbox_clear(&rig.in[A]);
  udp_send(rig.fd[A], rig.port, "/ab\0,Z\0\0", 8U);
  serve(A);
  only_error(A, "");
  inbox_clear(&rig.in[A]);
  udp_send(rig.fd[A], rig.port, "#bundle\0", 8U);
  serve(A);
  only_error(A, "");
  assert_unchanged(&before);
  rig_down();
}
END_TEST

// ---------------------------------------------------------------- Topology

START_TEST(topology_messages_echo)
{
  rig_up(30.0);
  const Got* g = NULL;

  ask(A, "/strip/add", msg("si", "new", 2));
  g = only(A, "/strip/add");
  ck_assert_str_eq(types_of(g), "si");
  ck_assert_str_eq(arg_s(g, 0), "new");
  ck_assert_int_eq(arg_i(g, 1), 2);
  uint32_t index = 0U;
  ck_assert_int_eq(mx_model_find(model(), MX_NODE_STRIP, "new", &index), MX_SUCCESS);
  ck_assert_uint_eq(mx_model_channels(model(), node(MX_NODE_STRIP, index)), 2U);
  ask(A, "/strip/new/width", msg("f", 0.5));
  mxt_assert_same(arg_f(only(A, "/strip/new/width"), 0), 0.5f);

  ask(A, "/bus/add", msg("ssf", "fx", "group", 1.0));
  g = only(A, "/bus/add");
  ck_assert_str_eq(types_of(g), "ssi");
  ck_assert_str_eq(arg_s(g, 0), "fx");
  ck_assert_str_eq(arg_s(g, 1), "group");
  ck_assert_int_eq(arg_i(g, 2), 1);
  ck_assert_int_eq(mx_model_find(model(), MX_NODE_BUS, "fx", &index), MX_SUCCESS);
  ck_assert_int_eq(mx_model_bus_kind(model(), node(MX_NODE_BUS, index)), MX_BUS_GROUP);

  // Rename: the echo is at the new name
  ask(A, "/strip/new/name", msg("s", "newer"));
  g = only(A, "/strip/newer/name");
  ck_assert_str_eq(arg_s(g, 0), "newer");
  ask(A, "/strip/4/name", msg(""));
  ck_assert_str_eq(arg_s(only(A, "/strip/newer/name"), 0), "newer");
  ask(A, "/strip/newer/name", msg("s", "vox"));
  ck_assert_ptr_nonnull(strstr(only_error(A, "/strip/newer/name"), "taken"));
  ask(A, "/strip/newer/name", msg("s", "9lives"));
  only_error(A, "/strip/newer/name");

  ask(A, "/strip/newer/remove", msg(""));
  ck_assert_str_eq(types_of(only(A, "/strip/newer/remove")), "");
  ck_assert_int_eq(mx_model_find(model(), MX_NODE_STRIP, "newer", &index), MX_ERR_NOT_FOUND);
  ask(A, "/bus/fx/remove", msg(""));
  only(A, "/bus/fx/remove");
  ck_assert_uint_eq(mx_model_count(model(), MX_NODE_BUS), 4U);
  ask(A, "/strip/newer/remove", msg(""));
  only_error(A, "/strip/newer/remove");

  // Connection rules
  ask(A, "/jack/connect", msg("ss", "system:capture_1", "mixd:vox_in"));
  g = only(A, "/jack/connect");
  ck_assert_str_eq(arg_s(g, 0), "system:capture_1");
  ck_assert_str_eq(arg_s(g, 1), "mixd:vox_in");
  ck_assert_uint_eq(mx_model_connection_count(model()), 1U);
  const char* from = NULL;
  const char* to   = NULL;
  ck_assert_int_eq(mx_model_connection(model(), 0U, &from, &to), MX_SUCCESS);
  ck_assert_str_eq(from, "system:capture_1");
  ck_assert_str_eq(to, "mixd:vox_in");
  ask(A, "/jack/connect", msg("ss", "system:capture_1", "mixd:vox_in"));
  only(A, "/jack/connect"); // again: kept, once
  ck_assert_uint_eq(mx_model_connection_count(model()), 1U);
  ask(A, "/jack/disconnect", msg("ss", "system:capture_1", "mixd:vox_in"));
  only(A, "/jack/disconnect");
  ck_assert_uint_eq(mx_model_connection_count(model()), 0U);
  ask(A, "/jack/disconnect", msg("ss", "system:capture_1", "mixd:vox_in"));
  ck_assert_ptr_nonnull(strstr(only_error(A, "/jack/disconnect"), "no such"));
  rig_down();
}
END_TEST

static const struct {
  const char* path;
  const char* types;
  const char* s1;
  const char* s2;
  int         i;
  const char* reason; ///< A word of the reason
} bad_topology[] = {
  { "/strip/add", "si", "vox", NULL, 1, "taken" },
  { "/strip/add", "si", "9x", NULL, 1, "name" },
  { "/strip/add", "si", "master", NULL, 1, "name" },
  { "/strip/add", "si", "x", NULL, 3, "channels" },
  { "/strip/add", "si", "x", NULL, 0, "channels" },
  { "/strip/add", "s", "x", NULL, 0, "channels" },
  { "/strip/add", "", NULL, NULL, 0, "name" },
  { "/strip/add", "ii", NULL, NULL, 1, "name" },
  { "/strip/add", "sis", "x", "y", 1, "channels" },
  { "/bus/add", "ssi", "fx", "loud", 2, "aux" },
  { "/bus/add", "si", "fx", NULL, 2, "aux" },
  { "/bus/add", "ssi", "rev", "aux", 2, "taken" },
  { "/jack/connect", "s", "a", NULL, 0, "from" },
  { "/jack/connect", "ii", NULL, NULL, 1, "from" },
  { "/jack/connect", "sss", "a", "b", 0, "from" },
  { "/jack/disconnect", "", NULL, NULL, 0, "from" },
};

START_TEST(bad_topology_changes_nothing)
{
  rig_up(30.0);
  static Snapshot before;
  snapshot(&before);
  const char* const t = bad_topology[_i].types;
  const lo_message  m = lo_message_new();
  for (const char* c = t; *c; ++c) {
    if (*c == 'i') {
      lo_message_add_int32(m, bad_topology[_i].i);
    } else {
      lo_message_add_string(m,
                            c == t                ? bad_topology[_i].s1
                            : bad_topology[_i].s2 ? bad_topology[_i].s2
                                                  : "x");
    }
  }
  ask(A, bad_topology[_i].path, m);
  const char* const why = only_error(A, bad_topology[_i].path);
  ck_assert_msg(strstr(why, bad_topology[_i].reason) != NULL, "%s", why);
  assert_unchanged(&before);
  ck_assert_uint_eq(mx_model_connection_count(model()), 0U);
  rig_down();
}
END_TEST

START_TEST(capacity_is_reported)
{
  rig_up(30.0);
  ask(A, "/strip/add", msg("si", "a", 1));
  ask(A, "/strip/add", msg("si", "b", 1));
  ask(A, "/strip/add", msg("si", "c", 1));
  only(A, "/strip/add");
  ask(A, "/strip/add", msg("si", "d", 1));
  ck_assert_ptr_nonnull(strstr(only_error(A, "/strip/add"), "capacity"));
  ck_assert_uint_eq(mx_model_count(model(), MX_NODE_STRIP), mxt_osc_limits.strips);
  rig_down();
}
END_TEST

// ---------------------------------------------------------------- Discovery

START_TEST(ping_and_info)
{
  rig_up(30.0);
  ask(A, "/ping", msg(""));
  ck_assert_str_eq(types_of(only(A, "/pong")), "");
  ask(A, "/ping", msg("ifsdhTFNS", 3, 0.5, "x", 0.25, (int64_t)-9, "sym"));
  const Got* g = only(A, "/pong");
  ck_assert_str_eq(types_of(g), "ifsdhTFNS");
  ck_assert_int_eq(arg_i(g, 0), 3);
  ck_assert_double_eq(arg_f(g, 1), 0.5);
  ck_assert_str_eq(arg_s(g, 2), "x");
  ck_assert_double_eq(arg_d(g, 3), 0.25);
  ck_assert_int_eq((int)arg_h(g, 4), -9);
  ck_assert_str_eq(arg_s(g, 8), "sym");
  ask(A, "/ping", msg("cItm", 'q'));
  g = only(A, "/pong");
  ck_assert_str_eq(types_of(g), "cItm");
  ck_assert_int_eq(arg_i(g, 0), 'q');
  ck_assert_uint_eq((uint32_t)arg_i(g, 2), 7U); // The time tag's seconds
  uint8_t midi[4];
  memcpy(midi, (const void*)arg_of(g, 3), sizeof(midi));
  ck_assert_uint_eq(midi[0], 0x90U);
  ck_assert_uint_eq(midi[1], 60U);

  ask(A, "/info", msg(""));
  g = only(A, "/info");
  ck_assert_str_eq(types_of(g), "sfiii");
  ck_assert_str_eq(arg_s(g, 0), PACKAGE_VERSION);
  ck_assert_double_eq(arg_f(g, 1), RATE);
  ck_assert_int_eq(arg_i(g, 2), 3);
  ck_assert_int_eq(arg_i(g, 3), 4);
  ck_assert_int_eq(arg_i(g, 4), (int)mx_engine_latency(rig.engine));

  // A limiter adds its latency
  ask(A, "/master/limiter/on", msg("i", 1));
  pump();
  ask(A, "/info", msg(""));
  ck_assert_uint_gt(mx_engine_latency(rig.engine), 0U);
  ck_assert_int_eq(arg_i(only(A, "/info"), 4), (int)mx_engine_latency(rig.engine));
  rig_down();
}
END_TEST

static unsigned
items(const Inbox* const in, const char* const what)
{
  unsigned n = 0U;
  for (unsigned i = 0U; i < in->n; ++i) {
    n += !strcmp(in->got[i].path, "/list/item") && !strcmp(arg_s(&in->got[i], 1), what);
  }
  return n;
}

static const Got*
item(const Inbox* const in, const char* const address)
{
  for (unsigned i = 0U; i < in->n; ++i) {
    if (!strcmp(in->got[i].path, "/list/item") && !strcmp(arg_s(&in->got[i], 0), address)) {
      return &in->got[i];
    }
  }
  return NULL;
}

START_TEST(list_names_everything)
{
  rig_up(30.0);
  ask(A, "/list", msg(""));
  const Inbox* const in  = &rig.in[A];
  const Got* const   end = find(in, "/list/end");
  ck_assert_ptr_nonnull(end);
  ck_assert_ptr_eq(end, &in->got[in->n - 1U]);
  ck_assert_int_eq(arg_i(end, 0), (int)in->n - 1);
  ck_assert_uint_eq(items(in, "command"), 12U);
  ck_assert_uint_le(in->largest, 1400U);

  // Every control there is, once
  const Nodes all      = all_nodes();
  unsigned    controls = 0U;
  for (unsigned i = 0U; i < all.n; ++i) {
    for (unsigned p = 0U; p < MX_P_COUNT; ++p) {
      for (uint32_t sub = 0U; sub < mx_model_sub_count(model(), all.nodes[i], (MxParam)p); ++sub) {
        if (mx_model_applies(model(), all.nodes[i], (MxParam)p, sub)) {
          char path[MX_ADDR_MAX + 8U];
          path_of(all.nodes[i], (MxParam)p, sub, path, sizeof(path));
          EXPECT(item(in, path) != NULL, "%s is not listed", path);
          ++controls;
        }
      }
    }
  }
  ck_assert_uint_eq(items(in, "control"), controls);
  ck_assert_uint_eq(in->n, controls + 12U + 1U);

  // Under a prefix, with what each is
  ask(A, "/list", msg("s", "/strip/vox/eq/1/"));
  ck_assert_msg(in->n == 6U, "%s", describe(in));
  ck_assert_int_eq(arg_i(find(in, "/list/end"), 0), 5);
  const Got* g = item(in, "/strip/vox/eq/1/freq");
  ck_assert_ptr_nonnull(g);
  ck_assert_str_eq(types_of(g), "ssssss");
  ck_assert_str_eq(arg_s(g, 1), "control");
  ck_assert_str_eq(arg_s(g, 2), "f");
  ck_assert_str_eq(arg_s(g, 3), "Hz");
  ck_assert_str_eq(arg_s(g, 4), "10 to 40000 Hz");
  ck_assert_str_eq(arg_s(g, 5), "100");
  g = item(in, "/strip/vox/eq/1/type");
  ck_assert_str_eq(arg_s(g, 2), "s");
  ck_assert_str_eq(arg_s(g, 5), "lowshelf");
  ck_assert_ptr_nonnull(strstr(arg_s(g, 4), "peak|lowshelf"));
  g = item(in, "/strip/vox/eq/1/on");
  ck_assert_str_eq(arg_s(g, 2), "i");
  ck_assert_str_eq(arg_s(g, 4), "0 or 1");
  ck_assert_str_eq(arg_s(g, 5), "1");

  ask(A, "/list", msg("s", "/meters"));
  ck_assert_uint_eq(items(in, "command"), 2U);
  ck_assert_int_eq(arg_i(find(in, "/list/end"), 0), 2);
  ask(A, "/list", msg("s", "/nosuch"));
  ck_assert_int_eq(arg_i(only(A, "/list/end"), 0), 0);
  rig_down();
}
END_TEST

START_TEST(dump_sends_structure_then_every_value)
{
  rig_up(30.0);
  ask(A, "/strip/keys/fader", msg("f", -7.5));
  ask(A, "/strip/vox/hpf/slope", msg("s", "lr24"));
  ask(A, "/jack/connect", msg("ss", "system:capture_1", "vox_in"));
  ask(A, "/dump", msg(""));
  const Inbox* const in = &rig.in[A];
  ck_assert_uint_gt(in->bundles, 1U);
  ck_assert_uint_le(in->largest, 1400U);

  // Structure first, in order
  static const char* const adds[] = { "vox", "keys", "gtr", "rev", "dly", "drums", "sub" };
  for (unsigned i = 0U; i < 7U; ++i) {
    ck_assert_str_eq(in->got[i].path, i < 3U ? "/strip/add" : "/bus/add");
    ck_assert_str_eq(arg_s(&in->got[i], 0), adds[i]);
  }
  ck_assert_str_eq(types_of(&in->got[1]), "si");
  ck_assert_int_eq(arg_i(&in->got[1], 1), 2);
  ck_assert_str_eq(types_of(&in->got[5]), "ssi");
  ck_assert_str_eq(arg_s(&in->got[5], 1), "group");
  ck_assert_str_eq(arg_s(&in->got[4], 1), "aux");
  ck_assert_int_eq(arg_i(&in->got[4], 2), 1);
  ck_assert_uint_eq(count_of(in, "/strip/add"), 3U);
  ck_assert_uint_eq(count_of(in, "/bus/add"), 4U);

  // Then every value, as a get gives it, once; the connection rules last
  unsigned values = 0U;
  for (unsigned i = 7U; i + 2U < in->n; ++i) {
    assert_reply_is_model(&in->got[i]);
    ++values;
  }
  const Got* const rule = &in->got[in->n - 2U];
  ck_assert_str_eq(rule->path, "/jack/connect");
  ck_assert_str_eq(types_of(rule), "ss");
  ck_assert_str_eq(arg_s(rule, 0), "system:capture_1");
  ck_assert_str_eq(arg_s(rule, 1), "vox_in");
  static Snapshot all;
  snapshot(&all);
  ck_assert_uint_eq(values, all.n);
  ck_assert_uint_eq(count_of(in, "/strip/keys/fader"), 1U);
  mxt_assert_same(arg_f(find(in, "/strip/keys/fader"), 0), -7.5f);
  ck_assert_str_eq(arg_s(find(in, "/strip/vox/hpf/slope"), 0), "lr24");

  // And the count
  const Got* const end = &in->got[in->n - 1U];
  ck_assert_str_eq(end->path, "/dump/end");
  ck_assert_int_eq(arg_i(end, 0), (int)in->n - 1);
  rig_down();
}
END_TEST

// ---------------------------------------------------------------- Subscriptions

static void
subscribe(const unsigned c, const lo_message m, const double lease)
{
  ask(c, "/subscribe", m);
  const Got* const g = only(c, "/subscribed");
  ck_assert_str_eq(types_of(g), "f");
  ck_assert_double_eq(arg_f(g, 0), lease);
  inbox_clear(&rig.in[c]);
}

START_TEST(subscribers_see_every_change)
{
  rig_up(30.0);
  subscribe(A, msg(""), 30.0);
  subscribe(B, msg(""), 30.0);
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, false), 2U);
  pump_for(40.0);
  ck_assert_uint_eq(rig.in[A].n + rig.in[B].n, 0U);

  // A change by a third client
  ask(C, "/strip/vox/fader", msg("f", -12.0));
  only(C, "/strip/vox/fader");
  ck_assert_ptr_nonnull(await(A, "/strip/vox/fader", 500.0));
  ck_assert_ptr_nonnull(await(B, "/strip/vox/fader", 500.0));
  pump_for(40.0);
  for (unsigned c = A; c <= B; ++c) {
    const Got* const g = only(c, "/strip/vox/fader");
    ck_assert_str_eq(types_of(g), "f");
    mxt_assert_same(arg_f(g, 0), -12.0f);
    ck_assert_uint_eq(rig.in[c].bundles, rig.in[c].packets);
  }
  ck_assert_uint_eq(rig.in[C].n, 1U); // Not subscribed: the reply only

  // A change made on the engine directly
  inbox_clear(&rig.in[A]);
  inbox_clear(&rig.in[B]);
  ck_assert_int_eq(mx_engine_set(rig.engine, node(MX_NODE_STRIP, KEYS), MX_P_MUTE, 0U, 1.0f),
                   MX_SUCCESS);
  ck_assert_int_eq(
    mx_engine_set(rig.engine, node(MX_NODE_MONITOR, 0U), MX_P_MONITOR_MODE, 0U, 2.0f), MX_SUCCESS);
  ck_assert_ptr_nonnull(await(A, "/monitor/mode", 500.0));
  ck_assert_ptr_nonnull(await(B, "/monitor/mode", 500.0));
  pump_for(40.0);
  for (unsigned c = A; c <= B; ++c) {
    ck_assert_msg(rig.in[c].n == 2U, "%s", describe(&rig.in[c]));
    ck_assert_int_eq(arg_i(find(&rig.in[c], "/strip/keys/mute"), 0), 1);
    ck_assert_str_eq(arg_s(find(&rig.in[c], "/monitor/mode"), 0), "pfl");
  }

  // Subscribing again renews, it does not add
  subscribe(A, msg(""), 30.0);
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, false), 2U);
  rig_down();
}
END_TEST

START_TEST(subscription_to_another_port)
{
  rig_up(30.0);
  subscribe(A, msg("i", (int)udp_port(rig.fd[D])), 30.0);
  ask(C, "/strip/gtr/pan", msg("f", -0.5));
  ck_assert_ptr_nonnull(await(D, "/strip/gtr/pan", 500.0));
  pump_for(40.0);
  ck_assert_uint_eq(rig.in[A].n, 0U);
  mxt_assert_same(arg_f(only(D, "/strip/gtr/pan"), 0), -0.5f);

  // With a pattern too
  subscribe(A, msg("is", (int)udp_port(rig.fd[D]), "/strip/vox/*"), 30.0);
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, false), 1U);
  inbox_clear(&rig.in[D]);
  ask(C, "/strip/gtr/pan", msg("f", 0.5));
  ask(C, "/strip/vox/pan", msg("f", 0.5));
  ck_assert_ptr_nonnull(await(D, "/strip/vox/pan", 500.0));
  pump_for(40.0);
  only(D, "/strip/vox/pan");

  ask(A, "/unsubscribe", msg("i", (int)udp_port(rig.fd[D])));
  only(A, "/unsubscribed");
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, false), 0U);
  inbox_clear(&rig.in[D]);
  ask(C, "/strip/vox/pan", msg("f", 0.0));
  pump_for(80.0);
  ck_assert_uint_eq(rig.in[D].n, 0U);
  rig_down();
}
END_TEST

START_TEST(subscription_patterns_filter)
{
  rig_up(30.0);
  subscribe(A, msg("s", "/strip/vox/*"), 30.0);
  subscribe(B, msg("s", "/bus/*/fader"), 30.0);
  subscribe(D, msg("s", "/strip/{keys,gtr}/mute"), 30.0);
  ask(C, "/strip/vox/fader", msg("f", -1.0));
  ask(C, "/strip/vox/eq/2/gain", msg("f", 3.0));
  ask(C, "/strip/keys/fader", msg("f", -2.0));
  ask(C, "/strip/gtr/mute", msg("i", 1));
  ask(C, "/bus/rev/fader", msg("f", -3.0));
  ask(C, "/bus/rev/mute", msg("i", 1));
  ask(C, "/master/fader", msg("f", -4.0));
  ck_assert_ptr_nonnull(await(A, "/strip/vox/eq/2/gain", 500.0));
  ck_assert_ptr_nonnull(await(B, "/bus/rev/fader", 500.0));
  ck_assert_ptr_nonnull(await(D, "/strip/gtr/mute", 500.0));
  pump_for(40.0);
  ck_assert_msg(rig.in[A].n == 2U, "%s", describe(&rig.in[A]));
  ck_assert_uint_eq(count_of(&rig.in[A], "/strip/vox/fader"), 1U);
  only(B, "/bus/rev/fader");
  only(D, "/strip/gtr/mute");
  rig_down();
}
END_TEST

START_TEST(structure_changes_are_fed_back)
{
  rig_up(30.0);
  subscribe(A, msg("s", "/master/fader"), 30.0);
  subscribe(B, msg(""), 30.0);

  ck_assert_int_eq(mx_engine_add_strip(rig.engine, "new", 1U, NULL), MX_SUCCESS);
  const Got* g = await(A, "/strip/add", 500.0);
  ck_assert_ptr_nonnull(g);
  ck_assert_str_eq(types_of(g), "si");
  ck_assert_str_eq(arg_s(g, 0), "new");
  ck_assert_int_eq(arg_i(g, 1), 1);
  ck_assert_ptr_nonnull(await(B, "/strip/new/fader", 500.0));
  pump_for(40.0);
  ck_assert_msg(rig.in[A].n == 1U, "%s", describe(&rig.in[A]));
  ck_assert_uint_eq(count_of(&rig.in[B], "/strip/add"), 1U);
  // The structure comes before the values of the new strip
  ck_assert_str_eq(rig.in[B].got[0].path, "/strip/add");
  mxt_assert_same(arg_f(find(&rig.in[B], "/strip/new/fader"), 0), 0.0f);

  // Renamed, then removed, by a client
  inbox_clear(&rig.in[A]);
  ask(C, "/strip/new/name", msg("s", "newer"));
  g = await(A, "/strip/new/name", 500.0);
  ck_assert_ptr_nonnull(g);
  ck_assert_str_eq(arg_s(g, 0), "newer");
  inbox_clear(&rig.in[A]);
  ask(C, "/strip/newer/remove", msg(""));
  g = await(A, "/strip/newer/remove", 500.0);
  ck_assert_ptr_nonnull(g);
  ck_assert_str_eq(types_of(g), "");

  // A bus
  inbox_clear(&rig.in[A]);
  ask(C, "/bus/add", msg("ssi", "fx2", "aux", 2));
  g = await(A, "/bus/add", 500.0);
  ck_assert_ptr_nonnull(g);
  ck_assert_str_eq(types_of(g), "ssi");
  ck_assert_str_eq(arg_s(g, 0), "fx2");
  ck_assert_str_eq(arg_s(g, 1), "aux");
  ck_assert_int_eq(arg_i(g, 2), 2);
  pump_for(40.0);
  ck_assert_msg(rig.in[A].n == 1U, "%s", describe(&rig.in[A]));
  rig_down();
}
END_TEST

// Many changes between two feedback passes: one message per control, the last value
START_TEST(feedback_coalesces)
{
  rig_up(30.0);
  subscribe(A, msg(""), 30.0);
  pump_for(40.0);
  inbox_clear(&rig.in[A]);
  for (int k = 50; k >= 1; --k) {
    send_msg(rig.fd[C], rig.port, "/strip/vox/fader", msg("f", (double)-k));
    send_msg(rig.fd[C], rig.port, "/strip/keys/pan", msg("f", (double)k / 100.0));
  }
  for (unsigned k = 0U; k < 200U; ++k) {
    ck_assert_int_eq(
      mx_engine_set(rig.engine, node(MX_NODE_STRIP, GTR), MX_P_TRIM, 0U, (float)(k % 13U)),
      MX_SUCCESS);
  }
  sleep_ms(5.0);
  mx_osc_server_receive(rig.server);
  ck_assert_ptr_nonnull(await(A, "/strip/vox/fader", 500.0));
  pump_for(100.0);
  const Inbox* const in = &rig.in[A];
  ck_assert_msg(in->n == 3U, "%s", describe(in));
  ck_assert_uint_eq(count_of(in, "/strip/vox/fader"), 1U);
  ck_assert_uint_eq(count_of(in, "/strip/keys/pan"), 1U);
  ck_assert_uint_eq(count_of(in, "/strip/gtr/trim"), 1U);
  mxt_assert_same(arg_f(find(in, "/strip/vox/fader"), 0), -1.0f);
  mxt_assert_same(arg_f(find(in, "/strip/keys/pan"), 0), 0.01f);
  mxt_assert_same(arg_f(find(in, "/strip/gtr/trim"), 0), (float)(199U % 13U));
  rig_down();
}
END_TEST

START_TEST(leases_expire_unless_renewed)
{
  rig_up(1.0);
  const double t0 = now_ms();
  subscribe(A, msg(""), 1.0);
  ask(B, "/meters/subscribe", msg("i", 20));
  ck_assert_double_eq(arg_f(only(B, "/meters/subscribed"), 0), 1.0);
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, true), 1U);

  pump_for(600.0 - (now_ms() - t0));
  subscribe(A, msg(""), 1.0);
  pump_for(1200.0 - (now_ms() - t0));

  // A renewed at 0.6 s holds until 1.6 s; B's meters, never renewed, are gone
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, false), 1U);
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, true), 0U);
  inbox_clear(&rig.in[B]);
  ask(C, "/strip/vox/trim", msg("f", 1.0));
  ck_assert_ptr_nonnull(await(A, "/strip/vox/trim", 300.0));
  pump_for(100.0);
  ck_assert_uint_eq(rig.in[B].packets, 0U);

  // Then A's lease ends too
  pump_for(1700.0 - (now_ms() - t0));
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, false), 0U);
  inbox_clear(&rig.in[A]);
  ask(C, "/strip/vox/trim", msg("f", 2.0));
  pump_for(100.0);
  ck_assert_uint_eq(rig.in[A].n, 0U);

  // Subscribing again starts afresh
  subscribe(A, msg(""), 1.0);
  ask(C, "/strip/vox/trim", msg("f", 3.0));
  const Got* const g = await(A, "/strip/vox/trim", 300.0);
  ck_assert_ptr_nonnull(g);
  mxt_assert_same(arg_f(g, 0), 3.0f);
  rig_down();
}
END_TEST

START_TEST(unsubscribe_stops_feedback)
{
  rig_up(30.0);
  subscribe(A, msg(""), 30.0);
  ask(A, "/unsubscribe", msg(""));
  ck_assert_str_eq(types_of(only(A, "/unsubscribed")), "");
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, false), 0U);
  inbox_clear(&rig.in[A]);
  ask(C, "/strip/vox/fader", msg("f", -3.0));
  pump_for(80.0);
  ck_assert_uint_eq(rig.in[A].n, 0U);

  // Unsubscribing when not subscribed is answered all the same
  ask(A, "/unsubscribe", msg(""));
  only(A, "/unsubscribed");
  ask(A, "/meters/unsubscribe", msg(""));
  only(A, "/meters/unsubscribed");
  rig_down();
}
END_TEST

static const struct {
  const char* path;
  const char* types;
  int         i;
  const char* s;
} bad_subscriptions[] = {
  { "/subscribe", "iss", 9000, "/a" },
  { "/subscribe", "ss", 0, "/a" },
  { "/subscribe", "si", 1, "/a" },
  { "/meters/subscribe", "", 0, NULL },
  { "/meters/subscribe", "i", 0, NULL },
  { "/meters/subscribe", "i", 101, NULL },
  { "/meters/subscribe", "s", 0, "/meters/*" },
  { "/meters/subscribe", "iss", 20, "/a" },
  { "/meters/subscribe", "f", 0, NULL },
};

START_TEST(bad_subscriptions_are_refused)
{
  rig_up(30.0);
  const char* const t = bad_subscriptions[_i].types;
  const lo_message  m = lo_message_new();
  for (const char* c = t; *c; ++c) {
    if (*c == 'i') {
      lo_message_add_int32(m, bad_subscriptions[_i].i);
    } else if (*c == 'f') {
      lo_message_add_float(m, 20.5f);
    } else {
      lo_message_add_string(m, bad_subscriptions[_i].s);
    }
  }
  ask(A, bad_subscriptions[_i].path, m);
  only_error(A, bad_subscriptions[_i].path);
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, false), 0U);
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, true), 0U);
  rig_down();
}
END_TEST

START_TEST(subscribers_are_bounded)
{
  rig_up(30.0);
  for (unsigned k = 0U; k < MX_OSC_MAX_SUBSCRIBERS; ++k) {
    ask(A, "/subscribe", msg("i", (int)(20000U + k)));
    only(A, "/subscribed");
  }
  ask(A, "/subscribe", msg("i", 30000));
  ck_assert_ptr_nonnull(strstr(only_error(A, "/subscribe"), "too many"));
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, false), MX_OSC_MAX_SUBSCRIBERS);
  rig_down();
}
END_TEST

// ---------------------------------------------------------------- Meters

enum { METER_BLOCK = 480 }; ///< 10 ms at 48 kHz

static float sine_half[METER_BLOCK];    ///< 1 kHz at 0.5: whole periods, so blocks join
static float sine_quarter[METER_BLOCK]; ///< 1 kHz at 0.25

/// Run audio at the pace of the clock for `ms`, ticking as the daemon does
static void
run_live(const MxEngineIo* const io, const double ms)
{
  const double start = now_ms();
  double       audio = 0.0;
  while (now_ms() - start < ms) {
    while (audio < now_ms() - start) {
      mx_engine_process(rig.engine, io, METER_BLOCK);
      audio += 1000.0 * METER_BLOCK / RATE;
    }
    mx_engine_flush(rig.engine);
    mx_osc_server_receive(rig.server);
    mx_osc_control_tick(rig.control);
    for (unsigned c = 0U; c < N_CLIENTS; ++c) {
      inbox_read(&rig.in[c], rig.fd[c]);
    }
    sleep_ms(2.0);
  }
}

/// A meter message of one datagram
static const Got*
meter(const Inbox* const in, const unsigned packet, const char* const path)
{
  for (unsigned i = 0U; i < in->n; ++i) {
    if (in->got[i].packet == packet && !strcmp(in->got[i].path, path)) {
      return &in->got[i];
    }
  }
  return NULL;
}

START_TEST(meters_read_known_levels_at_their_rate)
{
  rig_up(30.0);
  mxt_sine(sine_half, METER_BLOCK, 1000.0, RATE, 0.5, 0.0);
  mxt_sine(sine_quarter, METER_BLOCK, 1000.0, RATE, 0.25, 0.0);
  MxEngineInput inputs[6];
  memset(inputs, 0, sizeof(inputs));
  inputs[mx_model_slot(model(), node(MX_NODE_STRIP, VOX))].ch[0]  = sine_half;
  inputs[mx_model_slot(model(), node(MX_NODE_STRIP, KEYS))].ch[0] = sine_half;
  inputs[mx_model_slot(model(), node(MX_NODE_STRIP, KEYS))].ch[1] = sine_quarter;
  MxEngineIo io;
  memset(&io, 0, sizeof(io));
  io.strips = inputs;

  // Only the mono strip reaches the master (once the route has faded out)
  ask(C, "/strip/keys/route/master", msg("i", 0));
  for (unsigned k = 0U; k < 8U; ++k) {
    mx_engine_process(rig.engine, NULL, METER_BLOCK);
  }
  ask(A, "/meters/subscribe", msg("i", 20));
  only(A, "/meters/subscribed");
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, true), 1U);
  inbox_clear(&rig.in[A]);
  run_live(&io, 600.0);

  // About 20 a second, never faster
  const Inbox* const in = &rig.in[A];
  ck_assert_msg(in->packets >= 7U && in->packets <= 13U, "%u bundles in 600 ms", in->packets);
  for (unsigned k = 0U; k < in->packets; ++k) {
    ck_assert(in->packet_bundle[k]);
    if (k) {
      const double gap = in->packet_ms[k] - in->packet_ms[k - 1U];
      ck_assert_msg(gap >= 40.0, "bundles %u and %u %.1f ms apart", k - 1U, k, gap);
    }
  }

  // Every bundle: every strip, bus and the master, and the loudness
  static const char* const paths[] = { "/meters/strip/vox", "/meters/strip/keys",
                                       "/meters/strip/gtr", "/meters/bus/rev",
                                       "/meters/bus/dly",   "/meters/bus/drums",
                                       "/meters/bus/sub",   "/meters/master" };
  for (unsigned k = 0U; k < in->packets; ++k) {
    for (unsigned i = 0U; i < 8U; ++i) {
      const Got* const g = meter(in, k, paths[i]);
      ck_assert_msg(g != NULL, "bundle %u has no %s", k, paths[i]);
      ck_assert_str_eq(types_of(g), "ffff");
    }
    const Got* const loud = meter(in, k, "/meters/loudness");
    ck_assert_ptr_nonnull(loud);
    ck_assert_str_eq(types_of(loud), "fffff");
  }
  ck_assert_uint_eq(in->n, 9U * in->packets);

  // The last bundle's levels: peaks within 0.1 dB (a mono node repeats its peak)
  const unsigned last = in->packets - 1U;
  const Got*     vox  = meter(in, last, "/meters/strip/vox");
  ck_assert_double_eq_tol(arg_f(vox, 0), mxt_db(0.5), 0.1);
  ck_assert_double_eq_tol(arg_f(vox, 1), mxt_db(0.5), 0.1);
  ck_assert_double_eq_tol(arg_f(vox, 2), mxt_db(0.5 * M_SQRT1_2), 0.1);
  ck_assert_double_eq_tol(arg_f(vox, 3), 0.0, 1e-6);
  const Got* const keys = meter(in, last, "/meters/strip/keys");
  ck_assert_double_eq_tol(arg_f(keys, 0), mxt_db(0.5), 0.1);
  ck_assert_double_eq_tol(arg_f(keys, 1), mxt_db(0.25), 0.1);
  const Got* const gtr = meter(in, last, "/meters/strip/gtr");
  ck_assert(arg_f(gtr, 0) < -100.0f);
  const Got* const master = meter(in, last, "/meters/master");
  ck_assert_double_eq_tol(arg_f(master, 0), mxt_db(0.5) - 3.0103, 0.1);
  ck_assert_double_eq_tol(arg_f(master, 1), mxt_db(0.5) - 3.0103, 0.1);
  const Got* const loud = meter(in, last, "/meters/loudness");
  ck_assert_double_eq_tol(arg_f(loud, 0), mxt_db(0.5) - 3.0103, 0.2);
  ck_assert_double_eq_tol(arg_f(loud, 4), mxt_db(0.5) - 3.0103, 0.2);

  // Unsubscribed: no more
  ask(A, "/meters/unsubscribe", msg(""));
  only(A, "/meters/unsubscribed");
  ck_assert_uint_eq(mx_osc_control_subscribers(rig.control, true), 0U);
  inbox_clear(&rig.in[A]);
  run_live(&io, 120.0);
  ck_assert_uint_eq(rig.in[A].packets, 0U);
  rig_down();
}
END_TEST

// A single-sample peak between two bundles is in the next one, and only there
START_TEST(meters_lose_no_peak)
{
  rig_up(30.0);
  static float impulse[METER_BLOCK];
  memset(impulse, 0, sizeof(impulse));
  impulse[137] = 0.8f;
  MxEngineInput inputs[6];
  memset(inputs, 0, sizeof(inputs));
  MxEngineIo silence;
  memset(&silence, 0, sizeof(silence));
  silence.strips = inputs;
  MxEngineIo io  = silence;

  ask(A, "/meters/subscribe", msg("is", 20, "/meters/strip/*"));
  ask(B, "/meters/subscribe", msg("is", 50, "/meters/strip/vox"));
  run_live(&silence, 150.0);
  const double t0 = now_ms();
  while (rig.in[A].packets == 0U && now_ms() - t0 < 500.0) {
    run_live(&silence, 2.0);
  }
  inbox_clear(&rig.in[A]);
  inbox_clear(&rig.in[B]);
  const double wait = now_ms();
  while (rig.in[A].packets == 0U && now_ms() - wait < 500.0) {
    run_live(&silence, 1.0);
  }
  ck_assert_uint_eq(rig.in[A].packets, 1U);

  // Just after a bundle: the impulse, then silence for a few bundles
  inputs[mx_model_slot(model(), node(MX_NODE_STRIP, VOX))].ch[0] = impulse;
  mx_engine_process(rig.engine, &io, METER_BLOCK);
  inputs[mx_model_slot(model(), node(MX_NODE_STRIP, VOX))].ch[0] = NULL;
  run_live(&silence, 230.0);

  const Inbox* const in = &rig.in[A];
  ck_assert_uint_ge(in->packets, 4U);
  unsigned seen = 0U;
  for (unsigned k = 1U; k < in->packets; ++k) {
    const Got* const vox = meter(in, k, "/meters/strip/vox");
    ck_assert_ptr_nonnull(vox);
    ck_assert_ptr_null(meter(in, k, "/meters/master"));
    ck_assert_ptr_null(meter(in, k, "/meters/loudness"));
    ck_assert_ptr_nonnull(meter(in, k, "/meters/strip/keys"));
    if (arg_f(vox, 0) > -60.0f) {
      ++seen;
      ck_assert_double_eq_tol(arg_f(vox, 0), mxt_db(0.8), 0.1);
      ck_assert_double_eq_tol(arg_f(vox, 1), mxt_db(0.8), 0.1);
    }
  }
  ck_assert_msg(seen == 1U, "the impulse is in %u bundles", seen);

  // The faster subscriber, with a narrower pattern, saw it once too
  unsigned fast = 0U;
  for (unsigned i = 0U; i < rig.in[B].n; ++i) {
    ck_assert_str_eq(rig.in[B].got[i].path, "/meters/strip/vox");
    fast += arg_f(&rig.in[B].got[i], 0) > -60.0f;
  }
  ck_assert_uint_ge(rig.in[B].n, 8U);
  ck_assert_uint_eq(fast, 1U);
  rig_down();
}
END_TEST

// ---------------------------------------------------------------- Aliases

static char alias_dir[64];

static char*
write_file(const char* const name, const char* const text)
{
  static char path[128];
  if (!alias_dir[0]) {
    snprintf(alias_dir, sizeof(alias_dir), "/tmp/test_osc.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(alias_dir));
  }
  snprintf(path, sizeof(path), "%s/%s", alias_dir, name);
  FILE* const f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  return path;
}

static void
remove_files(const char* const name)
{
  char path[128];
  snprintf(path, sizeof(path), "%s/%s", alias_dir, name);
  unlink(path);
  rmdir(alias_dir);
  alias_dir[0] = '\0';
}

static const char* const surface = "# A TouchOSC page\n"
                                   "/1/fader1   /strip/vox/fader/norm\n"
                                   "\n"
                                   "   /1/toggle1  /strip/vox/mute   # a switch\n"
                                   "/1/rotary1  /strip/vox/pan  -1 1\n"
                                   "/1/trim     /strip/keys/trim 0 12\n"
                                   "/1/master   /master/fader/norm 0 0.5\n";

static void
load_surface(void)
{
  char err[256] = "";
  ck_assert_int_eq(
    mx_osc_control_load_aliases(rig.control, write_file("surface", surface), err, sizeof(err)),
    MX_SUCCESS);
  remove_files("surface");
}

START_TEST(aliases_set_their_targets)
{
  rig_up(30.0);
  load_surface();
  const MxNode vox = node(MX_NODE_STRIP, VOX);

  ask(A, "/1/fader1", msg("f", 0.5));
  ck_assert_double_eq_tol(arg_f(only(A, "/strip/vox/fader/norm"), 0), 0.5, 1e-6);
  ck_assert_double_eq_tol(value(vox, MX_P_FADER, 0U), -10.0, 1e-4);
  ask(A, "/1/rotary1", msg("f", 0.75));
  mxt_assert_same(arg_f(only(A, "/strip/vox/pan"), 0), 0.5f);
  ask(A, "/1/rotary1", msg("i", 0));
  mxt_assert_same(value(vox, MX_P_PAN, 0U), -1.0f);
  ask(A, "/1/trim", msg("d", 0.5));
  mxt_assert_same(value(node(MX_NODE_STRIP, KEYS), MX_P_TRIM, 0U), 6.0f);
  ask(A, "/1/master", msg("f", 1.0));
  ck_assert_double_eq_tol(value(node(MX_NODE_MASTER, 0U), MX_P_FADER, 0U), -10.0, 1e-4);
  ask(A, "/1/toggle1", msg("i", 1));
  ck_assert_int_eq(arg_i(only(A, "/strip/vox/mute"), 0), 1);
  ask(A, "/1/toggle1", msg(""));
  ck_assert_int_eq(arg_i(only(A, "/strip/vox/mute"), 0), 1);
  // A bad value is reported at the target, an unknown target at the alias
  ask(A, "/1/rotary1", msg("f", NAN));
  only_error(A, "/strip/vox/pan");

  // Not an alias: as it is
  ask(A, "/1/fader2", msg("f", 0.5));
  only_error(A, "/1/fader2");
  rig_down();
}
END_TEST

START_TEST(aliases_are_fed_back)
{
  rig_up(30.0);
  load_surface();
  subscribe(A, msg("s", "/bus/*"), 30.0);
  subscribe(B, msg(""), 30.0);
  const MxNode vox = node(MX_NODE_STRIP, VOX);
  ck_assert_int_eq(mx_engine_set(rig.engine, vox, MX_P_PAN, 0U, -0.5f), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_set(rig.engine, vox, MX_P_FADER, 0U, -10.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_set(rig.engine, vox, MX_P_MUTE, 0U, 1.0f), MX_SUCCESS);
  ck_assert_int_eq(mx_engine_set(rig.engine, node(MX_NODE_STRIP, KEYS), MX_P_TRIM, 0U, 3.0f),
                   MX_SUCCESS);
  ck_assert_int_eq(mx_engine_set(rig.engine, node(MX_NODE_MASTER, 0U), MX_P_FADER, 0U, 0.0f),
                   MX_SUCCESS);
  ck_assert_int_eq(mx_engine_set(rig.engine, node(MX_NODE_MASTER, 0U), MX_P_FADER, 0U, -10.0f),
                   MX_SUCCESS);
  ck_assert_ptr_nonnull(await(A, "/1/master", 500.0));
  pump_for(40.0);

  // A's pattern takes none of the controls, but every alias
  const Inbox* const in = &rig.in[A];
  ck_assert_msg(in->n == 5U, "%s", describe(in));
  ck_assert_str_eq(types_of(find(in, "/1/rotary1")), "f");
  ck_assert_double_eq_tol(arg_f(find(in, "/1/rotary1"), 0), 0.25, 1e-6);
  ck_assert_double_eq_tol(arg_f(find(in, "/1/fader1"), 0), 0.5, 1e-6);
  ck_assert_double_eq_tol(arg_f(find(in, "/1/toggle1"), 0), 1.0, 1e-6);
  ck_assert_double_eq_tol(arg_f(find(in, "/1/trim"), 0), 0.25, 1e-6);
  ck_assert_double_eq_tol(arg_f(find(in, "/1/master"), 0), 1.0, 1e-6);

  // B has both
  ck_assert_uint_eq(count_of(&rig.in[B], "/strip/vox/pan"), 1U);
  ck_assert_uint_eq(count_of(&rig.in[B], "/1/rotary1"), 1U);
  ck_assert_uint_eq(rig.in[B].n, 10U);
  rig_down();
}
END_TEST

static const struct {
  const char* text;
  unsigned    line;
} bad_aliases[] = {
  { "/a /strip/vox/fader\n/b\n", 2U },
  { "/a /b 1\n", 1U },
  { "/a /b 1 2 3\n", 1U },
  { "/a /b 0 1 junk\n", 1U },
  { "/a /b one two\n", 1U },
  { "/a /b junk\n", 1U },
  { "# comment\na /strip/vox/fader\n", 2U },
  { "/a b\n", 1U },
  { "\n\n/a /b 1 1\n", 3U },
  { "/a /b nan 1\n", 1U },
  { "/a /b 0 inf\n", 1U },
};

START_TEST(bad_alias_files_keep_the_old_map)
{
  rig_up(30.0);
  load_surface();
  char              err[512] = "";
  const char* const path     = write_file("bad", bad_aliases[_i].text);
  char              expect[256];
  snprintf(expect, sizeof(expect), "%s:%u: ", path, bad_aliases[_i].line);
  ck_assert_int_ne(mx_osc_control_load_aliases(rig.control, path, err, sizeof(err)), MX_SUCCESS);
  ck_assert_msg(
    !strncmp(err, expect, strlen(expect)), "'%s' does not start with '%s'", err, expect);
  remove_files("bad");

  ask(A, "/1/rotary1", msg("f", 1.0));
  mxt_assert_same(arg_f(only(A, "/strip/vox/pan"), 0), 1.0f);
  rig_down();
}
END_TEST

START_TEST(alias_files_are_bounded)
{
  rig_up(30.0);
  load_surface();
  char        err[512] = "";
  static char text[64 * 1024];
  size_t      len = 0U;
  for (unsigned k = 0U; k < 513U; ++k) {
    len += (size_t)snprintf(text + len, sizeof(text) - len, "/x/%u /strip/vox/fader\n", k);
  }
  const char* const path = write_file("many", text);
  char              expect[256];
  snprintf(expect, sizeof(expect), "%s:513: ", path);
  ck_assert_int_ne(mx_osc_control_load_aliases(rig.control, path, err, sizeof(err)), MX_SUCCESS);
  ck_assert_msg(!strncmp(err, expect, strlen(expect)), "%s", err);
  remove_files("many");

  // A line longer than an address
  char line[300];
  memset(line, 'a', sizeof(line));
  line[0] = '/';
  memcpy(line + 200, " /strip/vox/fader\n", 19U);
  const char* const long_path = write_file("long", line);
  snprintf(expect, sizeof(expect), "%s:1: ", long_path);
  ck_assert_int_ne(mx_osc_control_load_aliases(rig.control, long_path, err, sizeof(err)),
                   MX_SUCCESS);
  ck_assert_msg(!strncmp(err, expect, strlen(expect)), "%s", err);
  remove_files("long");

  // No file
  ck_assert_int_eq(
    mx_osc_control_load_aliases(rig.control, "/nonexistent/aliases", err, sizeof(err)),
    MX_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/aliases"));

  // The old map still holds
  ask(A, "/1/toggle1", msg("i", 1));
  ck_assert_int_eq(arg_i(only(A, "/strip/vox/mute"), 0), 1);

  // An empty file empties it
  ck_assert_int_eq(
    mx_osc_control_load_aliases(rig.control, write_file("empty", "# nothing\n"), err, sizeof(err)),
    MX_SUCCESS);
  remove_files("empty");
  ask(A, "/1/toggle1", msg("i", 0));
  only_error(A, "/1/toggle1");
  rig_down();
}
END_TEST

// ---------------------------------------------------------------- The controller's life

START_TEST(controller_follows_a_new_engine)
{
  rig_up(30.0);
  subscribe(A, msg(""), 30.0);

  // The engine rebuilt with the same mix (a new rate): nothing to report
  MxEngineConfig config = *mx_engine_config(rig.engine);
  config.rate           = 44100.0;
  MxEngine* const next  = mx_engine_new(&config);
  ck_assert_ptr_nonnull(next);
  ck_assert_int_eq(mx_engine_load(next, model()), MX_SUCCESS);
  MxEngine* const old = rig.engine;
  mx_osc_control_set_engine(rig.control, next);
  rig.engine = next;
  mx_engine_free(old);
  pump_for(80.0);
  ck_assert_msg(rig.in[A].n == 0U, "%s", describe(&rig.in[A]));

  ask(B, "/info", msg(""));
  ck_assert_double_eq(arg_f(only(B, "/info"), 1), 44100.0);
  ask(C, "/strip/keys/fader", msg("f", -9.0));
  ck_assert_ptr_nonnull(await(A, "/strip/keys/fader", 500.0));
  rig_down();
}
END_TEST

// ================================================================ The suite

static Suite*
osc_suite(void)
{
  Suite* const s = suite_create("osc");

  TCase* const pattern = tcase_create("pattern");
  tcase_add_loop_test(pattern, pattern_matches_by_the_table, 0, MXT_N_CASES(matches));
  tcase_add_loop_test(pattern, pattern_validity_by_the_table, 0, MXT_N_CASES(validity));
  tcase_add_test(pattern, pattern_length_is_bounded);
  tcase_add_test(pattern, pathological_patterns_finish);
  suite_add_tcase(s, pattern);

  TCase* const taper = tcase_create("taper");
  tcase_add_loop_test(taper, fader_law_points, 0, MXT_N_CASES(law));
  tcase_add_test(taper, fader_zero_is_off);
  tcase_add_loop_test(taper, every_control_round_trips, 0, MX_P_COUNT);
  tcase_add_test(taper, log_taper_ends_and_middle);
  tcase_add_loop_test(taper, norms_are_clamped, 0, MX_P_COUNT);
  tcase_add_test(taper, only_numbers_have_a_norm_form);
  suite_add_tcase(s, taper);

  TCase* const cidr = tcase_create("cidr");
  tcase_add_loop_test(cidr, cidr_parses, 0, MXT_N_CASES(good_cidrs));
  tcase_add_loop_test(cidr, cidr_refuses, 0, MXT_N_CASES(bad_cidrs));
  tcase_add_loop_test(cidr, cidr_contains, 0, MXT_N_CASES(containment));
  tcase_add_test(cidr, cidr_refuses_other_families);
  suite_add_tcase(s, cidr);

  TCase* const server = tcase_create("server");
  tcase_set_timeout(server, 30);
  tcase_add_test(server, server_free_null);
  tcase_add_test(server, server_refuses_bad_addresses);
  tcase_add_test(server, server_receives_every_type);
  tcase_add_test(server, server_unpacks_nested_bundles);
  tcase_add_loop_test(server, server_reports_malformed_packets, 0, MXT_N_CASES(malformed));
  tcase_add_test(server, server_bounds_bundle_nesting);
  tcase_add_test(server, server_survives_random_bytes);
  tcase_add_test(server, server_drops_senders_outside_the_allow_list);
  tcase_add_test(server, server_listens_on_ipv6);
  tcase_add_test(server, server_sends_messages_and_bundles);
  suite_add_tcase(s, server);

  TCase* const controls = tcase_create("controls");
  tcase_set_timeout(controls, 30);
  tcase_add_loop_test(controls, every_control_sets_and_gets, 0, MXT_N_CASES(every_node));
  tcase_add_test(controls, norm_forms_follow_the_tapers);
  tcase_add_loop_test(controls, out_of_range_values_are_clamped, 0, MXT_N_CASES(clamps));
  tcase_add_loop_test(controls, bad_requests_change_nothing, 0, MXT_N_CASES(refusals));
  tcase_add_test(controls, routing_loops_are_refused);
  tcase_add_test(controls, malformed_packets_get_an_error);
  suite_add_tcase(s, controls);

  TCase* const patterns_tc = tcase_create("patterns");
  tcase_set_timeout(patterns_tc, 30);
  tcase_add_loop_test(patterns_tc, patterns_reach_exactly_their_controls, 0, MXT_N_CASES(patterns));
  tcase_add_test(patterns_tc, patterns_remove_every_match);
  suite_add_tcase(s, patterns_tc);

  TCase* const bundles = tcase_create("bundles");
  tcase_set_timeout(bundles, 30);
  tcase_add_test(bundles, bundle_is_one_transaction);
  tcase_add_test(bundles, bundle_is_atomic_under_a_running_audio_thread);
  tcase_add_test(bundles, bad_message_in_a_bundle_alone_fails);
  suite_add_tcase(s, bundles);

  TCase* const topology = tcase_create("topology");
  tcase_set_timeout(topology, 30);
  tcase_add_test(topology, topology_messages_echo);
  tcase_add_loop_test(topology, bad_topology_changes_nothing, 0, MXT_N_CASES(bad_topology));
  tcase_add_test(topology, capacity_is_reported);
  suite_add_tcase(s, topology);

  TCase* const discovery = tcase_create("discovery");
  tcase_set_timeout(discovery, 30);
  tcase_add_test(discovery, ping_and_info);
  tcase_add_test(discovery, list_names_everything);
  tcase_add_test(discovery, dump_sends_structure_then_every_value);
  suite_add_tcase(s, discovery);

  TCase* const feedback = tcase_create("feedback");
  tcase_set_timeout(feedback, 30);
  tcase_add_test(feedback, subscribers_see_every_change);
  tcase_add_test(feedback, subscription_to_another_port);
  tcase_add_test(feedback, subscription_patterns_filter);
  tcase_add_test(feedback, structure_changes_are_fed_back);
  tcase_add_test(feedback, feedback_coalesces);
  tcase_add_test(feedback, leases_expire_unless_renewed);
  tcase_add_test(feedback, unsubscribe_stops_feedback);
  tcase_add_loop_test(feedback, bad_subscriptions_are_refused, 0, MXT_N_CASES(bad_subscriptions));
  tcase_add_test(feedback, subscribers_are_bounded);
  tcase_add_test(feedback, controller_follows_a_new_engine);
  suite_add_tcase(s, feedback);

  TCase* const meters = tcase_create("meters");
  tcase_set_timeout(meters, 30);
  tcase_add_test(meters, meters_read_known_levels_at_their_rate);
  tcase_add_test(meters, meters_lose_no_peak);
  suite_add_tcase(s, meters);

  TCase* const aliases = tcase_create("aliases");
  tcase_set_timeout(aliases, 30);
  tcase_add_test(aliases, aliases_set_their_targets);
  tcase_add_test(aliases, aliases_are_fed_back);
  tcase_add_loop_test(aliases, bad_alias_files_keep_the_old_map, 0, MXT_N_CASES(bad_aliases));
  tcase_add_test(aliases, alias_files_are_bounded);
  suite_add_tcase(s, aliases);
  return s;
}

int
main(void)
{
  return mxt_run_suite(osc_suite());
}
