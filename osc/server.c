// SPDX-License-Identifier: GPL-3.0-or-later

#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/// Largest datagram read or sent, bytes (UDP's limit)
#define MAX_PACKET 65536U

/// Deepest bundle nesting unpacked
#define MAX_DEPTH 4U

struct MxOscServerImpl {
  int           fd;                      ///< The socket
  unsigned      port;                    ///< Port bound
  MxOscHandlers handlers;                ///< Callbacks
  MxCidr        allow[MX_OSC_MAX_ALLOW]; ///< Allowed networks
  unsigned      n_allow;                 ///< Entries of `allow`
  uint64_t      refused;                 ///< Packets dropped since taken
  MxOscPeer     last_refused;            ///< Last sender dropped
  uint8_t*      packet;                  ///< Receive buffer
  uint8_t*      out;                     ///< Send buffer
};

// ---------------------------------------------------------------------------
// Networks

MxStatus
mx_cidr_parse(const char* const text, MxCidr* const out)
{
  char         addr[INET6_ADDRSTRLEN + 8];
  const char*  slash = strchr(text, '/');
  const size_t len   = slash ? (size_t)(slash - text) : strlen(text);
  if (len == 0U || len >= sizeof(addr)) {
    return MX_ERR_BAD_ARG;
  }
  memcpy(addr, text, len);
  addr[len] = '\0';
  memset(out, 0, sizeof(*out));

  unsigned max = 0U;
  if (inet_pton(AF_INET, addr, out->bytes) == 1) {
    out->family = AF_INET;
    max         = 32U;
  } else if (inet_pton(AF_INET6, addr, out->bytes) == 1) {
    out->family = AF_INET6;
    max         = 128U;
  } else {
    return MX_ERR_BAD_ARG;
  }

  unsigned prefix = max;
  if (slash) {
    char*               end = NULL;
    const unsigned long p   = strtoul(slash + 1, &end, 10);
    if (slash[1] < '0' || slash[1] > '9' || *end || p > max) {
      return MX_ERR_BAD_ARG;
    }
    prefix = (unsigned)p;
  }
  out->prefix = (uint8_t)prefix;
  return MX_SUCCESS;
}

static bool
prefix_equal(const uint8_t* const a, const uint8_t* const b, const unsigned bits)
{
  const unsigned whole = bits / 8U;
  const unsigned rest  = bits % 8U;
  if (memcmp(a, b, whole)) {
    return false;
  }
  if (!rest) {
    return true;
  }
  const uint8_t mask = (uint8_t)(0xFFU << (8U - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

bool
mx_cidr_contains(const MxCidr* const net, const struct sockaddr* const addr)
{
  if (addr->sa_family == AF_INET) {
    const struct sockaddr_in* const in = (const struct sockaddr_in*)(const void*)addr;
    return net->family == AF_INET &&
           prefix_equal(net->bytes, (const uint8_t*)&in->sin_addr, net->prefix);
  }
  if (addr->sa_family != AF_INET6) {
    return false;
  }
  const struct sockaddr_in6* const in6 = (const struct sockaddr_in6*)(const void*)addr;
  const uint8_t* const             b   = (const uint8_t*)&in6->sin6_addr;
  if (net->family == AF_INET6) {
    return prefix_equal(net->bytes, b, net->prefix);
  }

  // An IPv4 network and an IPv4-mapped IPv6 sender (::ffff:a.b.c.d)
  static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
  return !memcmp(b, mapped, sizeof(mapped)) && prefix_equal(net->bytes, b + 12, net->prefix);
}

// ---------------------------------------------------------------------------
// Peers

void
mx_osc_peer_format(const MxOscPeer* const peer, char* const buf, const size_t size)
{
  char     host[INET6_ADDRSTRLEN] = "?";
  unsigned port                   = 0U;
  if (peer->addr.ss_family == AF_INET) {
    const struct sockaddr_in* const in = (const struct sockaddr_in*)(const void*)&peer->addr;
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
    port = ntohs(in->sin_port);
  } else if (peer->addr.ss_family == AF_INET6) {
    const struct sockaddr_in6* const in6 = (const struct sockaddr_in6*)(const void*)&peer->addr;
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    port = ntohs(in6->sin6_port);
  }
  snprintf(buf, size, "%s:%u", host, port);
}

bool
mx_osc_peer_same(const MxOscPeer* const a, const MxOscPeer* const b)
{
  return a->len == b->len && !memcmp(&a->addr, &b->addr, a->len);
}

void
mx_osc_peer_set_port(MxOscPeer* const peer, const unsigned port)
{
  if (peer->addr.ss_family == AF_INET) {
    ((struct sockaddr_in*)(void*)&peer->addr)->sin_port = htons((uint16_t)port);
  } else if (peer->addr.ss_family == AF_INET6) {
    ((struct sockaddr_in6*)(void*)&peer->addr)->sin6_port = htons((uint16_t)port);
  }
}

// ---------------------------------------------------------------------------
// The socket

void
mx_osc_server_set_allow(MxOscServer* const  server,
                        const MxCidr* const allow,
                        const unsigned      n_allow)
{
  server->n_allow = n_allow < MX_OSC_MAX_ALLOW ? n_allow : MX_OSC_MAX_ALLOW;
  memcpy(server->allow, allow, server->n_allow * sizeof(MxCidr));
  if (!server->n_allow) {
    mx_cidr_parse("127.0.0.0/8", &server->allow[0]);
    mx_cidr_parse("::1/128", &server->allow[1]);
    server->n_allow = 2U;
  }
}

MxOscServer*
mx_osc_server_new(const MxOscConfig* const   config,
                  const MxOscHandlers* const handlers,
                  char* const                why,
                  const size_t               why_size)
{
  MxOscServer* const server = (MxOscServer*)calloc(1U, sizeof(MxOscServer));
  if (!server) {
    snprintf(why, why_size, "out of memory");
    return NULL;
  }
  server->fd       = -1;
  server->handlers = *handlers;
  server->packet   = (uint8_t*)malloc(MAX_PACKET);
  server->out      = (uint8_t*)malloc(MAX_PACKET);

  // Loopback only unless told otherwise
  mx_osc_server_set_allow(server, config->allow, config->n_allow);

  char             service[16];
  struct addrinfo  hints;
  struct addrinfo* found = NULL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family   = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags    = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  snprintf(service, sizeof(service), "%u", config->port);
  const char* const host = config->listen ? config->listen : "127.0.0.1";
  const int         e =
    server->packet && server->out ? getaddrinfo(host, service, &hints, &found) : EAI_MEMORY;
  if (e) {
    snprintf(why, why_size, "%s:%u: %s", host, config->port, gai_strerror(e));
    mx_osc_server_free(server);
    return NULL;
  }

  server->fd = socket(found->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (server->fd < 0 || bind(server->fd, found->ai_addr, found->ai_addrlen)) {
    snprintf(why, why_size, "%s:%u: %s", host, config->port, strerror(errno));
    freeaddrinfo(found);
    mx_osc_server_free(server);
    return NULL;
  }
  freeaddrinfo(found);

  struct sockaddr_storage bound;
  socklen_t               len = sizeof(bound);
  getsockname(server->fd, (struct sockaddr*)&bound, &len);
  server->port =
    ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6*)(void*)&bound)->sin6_port
                                      : ((struct sockaddr_in*)(void*)&bound)->sin_port);
  return server;
}

void
mx_osc_server_free(MxOscServer* const server)
{
  if (!server) {
    return;
  }
  if (server->fd >= 0) {
    close(server->fd);
  }
  free(server->out);
  free(server->packet);
  free(server);
}

int
mx_osc_server_fd(const MxOscServer* const server)
{
  return server->fd;
}

unsigned
mx_osc_server_port(const MxOscServer* const server)
{
  return server->port;
}

static bool
allowed(const MxOscServer* const server, const MxOscPeer* const peer)
{
  for (unsigned i = 0U; i < server->n_allow; ++i) {
    if (mx_cidr_contains(&server->allow[i], (const struct sockaddr*)&peer->addr)) {
      return true;
    }
  }
  return false;
}

static uint32_t
read_be32(const uint8_t* const p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void
malformed(const MxOscServer* const server, const MxOscPeer* const from, const char* const why)
{
  if (server->handlers.malformed) {
    server->handlers.malformed(server->handlers.user_data, from, why);
  }
}

// One message: liblo checks every byte of it (lo_message_deserialise)
static void
dispatch_message(MxOscServer* const     server,
                 const MxOscPeer* const from,
                 uint8_t* const         data,
                 const size_t           size)
{
  // liblo takes any string as the path; OSC wants '/' (bundle elements too)
  if (data[0] != '/') {
    malformed(server, from, "not an OSC message");
    return;
  }
  int              result = 0;
  const lo_message msg    = lo_message_deserialise(data, size, &result);
  if (!msg) {
    char why[64];
    snprintf(why, sizeof(why), "malformed OSC message (liblo error %d)", result);
    malformed(server, from, why);
    return;
  }

  // The path is the first string of a message liblo has just validated
  const MxOscMessage m = {
    (const char*)data, lo_message_get_types(msg), lo_message_get_argv(msg), lo_message_get_argc(msg)
  };
  server->handlers.message(server->handlers.user_data, from, &m);
  lo_message_free(msg);
}

// A bundle: "#bundle", a time tag, then elements of (size, data)
static bool
dispatch_bundle(MxOscServer* const     server,
                const MxOscPeer* const from,
                uint8_t* const         data,
                const size_t           size,
                const unsigned         depth)
{
  if (depth > MAX_DEPTH) {
    malformed(server, from, "bundles nested too deep");
    return false;
  }
  size_t pos = 16U;
  while (pos < size) {
    if (size - pos < 4U) {
      malformed(server, from, "truncated bundle element");
      return false;
    }
    const uint32_t len = read_be32(data + pos);
    pos += 4U;
    if (len == 0U || len % 4U || len > size - pos) {
      malformed(server, from, "bad bundle element size");
      return false;
    }
    uint8_t* const element = data + pos;
    if (len >= 16U && !memcmp(element, "#bundle", 8U)) {
      if (!dispatch_bundle(server, from, element, len, depth + 1U)) {
        return false;
      }
    } else {
      dispatch_message(server, from, element, len);
    }
    pos += len;
  }
  return true;
}

// Check a whole bundle's framing before anything in it is applied
static bool
bundle_well_formed(const uint8_t* const data, const size_t size, const unsigned depth)
{
  if (depth > MAX_DEPTH || size < 16U || size % 4U) {
    return false;
  }
  for (size_t pos = 16U; pos < size;) {
    if (size - pos < 4U) {
      return false;
    }
    const uint32_t len = read_be32(data + pos);
    pos += 4U;
    if (len == 0U || len % 4U || len > size - pos) {
      return false;
    }
    if (len >= 8U && !memcmp(data + pos, "#bundle", 8U) &&
        !bundle_well_formed(data + pos, len, depth + 1U)) {
      return false;
    }
    pos += len;
  }
  return true;
}

void
mx_osc_server_feed(MxOscServer* const     server,
                   const MxOscPeer* const from,
                   uint8_t* const         data,
                   const size_t           size)
{
  if (size >= 8U && !memcmp(data, "#bundle", 8U)) {
    if (!bundle_well_formed(data, size, 0U)) {
      malformed(server, from, "malformed OSC bundle");
      return;
    }
    if (server->handlers.bundle) {
      server->handlers.bundle(server->handlers.user_data, from, true);
    }
    dispatch_bundle(server, from, data, size, 0U);
    if (server->handlers.bundle) {
      server->handlers.bundle(server->handlers.user_data, from, false);
    }
    return;
  }
  if (size == 0U || size % 4U || data[0] != '/') {
    malformed(server, from, "not an OSC message");
    return;
  }
  dispatch_message(server, from, data, size);
}

void
mx_osc_server_receive(MxOscServer* const server)
{
  for (;;) {
    MxOscPeer from;
    from.len = sizeof(from.addr);
    const ssize_t n =
      recvfrom(server->fd, server->packet, MAX_PACKET, 0, (struct sockaddr*)&from.addr, &from.len);
    if (n < 0) {
      return; // EAGAIN: nothing more waiting (or a transient error)
    }
    if (!allowed(server, &from)) {
      ++server->refused;
      server->last_refused = from;
      continue;
    }
    mx_osc_server_feed(server, &from, server->packet, (size_t)n);
  }
}

uint64_t
mx_osc_server_take_refused(MxOscServer* const server, char* const last, const size_t last_size)
{
  const uint64_t n = server->refused;
  if (n) {
    mx_osc_peer_format(&server->last_refused, last, last_size);
  }
  server->refused = 0U;
  return n;
}

static MxStatus
send_bytes(const MxOscServer* const server, const MxOscPeer* const to, const size_t size)
{
  const ssize_t n =
    sendto(server->fd, server->out, size, MSG_DONTWAIT, (const struct sockaddr*)&to->addr, to->len);
  return n == (ssize_t)size ? MX_SUCCESS : MX_FAILURE;
}

MxStatus
mx_osc_server_send(MxOscServer* const     server,
                   const MxOscPeer* const to,
                   const char* const      path,
                   const lo_message       msg)
{
  size_t size = lo_message_length(msg, path);
  if (size == 0U || size > MAX_PACKET || !lo_message_serialise(msg, path, server->out, &size)) {
    return MX_FAILURE;
  }
  return send_bytes(server, to, size);
}

MxStatus
mx_osc_server_send_bundle(MxOscServer* const     server,
                          const MxOscPeer* const to,
                          const lo_bundle        bundle)
{
  size_t size = lo_bundle_length(bundle);
  if (size == 0U || size > MAX_PACKET || !lo_bundle_serialise(bundle, server->out, &size)) {
    return MX_FAILURE;
  }
  return send_bytes(server, to, size);
}

// ---------------------------------------------------------------------------
// Arguments

// liblo's arguments lie at 4-byte offsets in the message, and lo_arg (with
// its 64-bit members) wants 8: read them by copy, never through the union

const char*
mx_osc_arg_string(const MxOscMessage* const msg, const int i)
{
  return i >= 0 && i < msg->argc && (msg->types[i] == LO_STRING || msg->types[i] == LO_SYMBOL)
           ? (const char*)(const void*)msg->argv[i]
           : NULL;
}

bool
mx_osc_arg_number(const MxOscMessage* const msg, const int i, double* const out)
{
  if (i < 0 || i >= msg->argc) {
    return false;
  }
  const void* const a   = (const void*)msg->argv[i];
  int32_t           i32 = 0;
  int64_t           i64 = 0;
  float             f   = 0.0f;
  switch (msg->types[i]) {
    case LO_INT32:
      memcpy(&i32, a, sizeof(i32));
      *out = (double)i32;
      return true;
    case LO_INT64:
      memcpy(&i64, a, sizeof(i64));
      *out = (double)i64;
      return true;
    case LO_FLOAT:
      memcpy(&f, a, sizeof(f));
      *out = (double)f;
      return true;
    case LO_DOUBLE:
      memcpy(out, a, sizeof(*out));
      return true;
    default:
      return false;
  }
}

bool
mx_osc_arg_int(const MxOscMessage* const msg, const int i, int* const out)
{
  double v = 0.0;
  if (!mx_osc_arg_number(msg, i, &v) || !(v >= (double)INT32_MIN && v <= (double)INT32_MAX) ||
      v != (double)(int)v) {
    return false;
  }
  *out = (int)v;
  return true;
}
