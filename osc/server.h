// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_OSC_SERVER_H
#define MX_OSC_SERVER_H

#include "common.h"

#include <lo/lo.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/// The OSC socket: UDP bound where it is told, senders checked, packets parsed by liblo.

/*
  mixd owns its socket: liblo 0.31 binds every interface whatever it is
  told, and its TCP transport has a stack overflow any client can trigger
  (liblo #177, #178), so it is used only to parse and build messages
  (lo_message_deserialise(), lo_message_serialise()), never as a server.
  The socket is non-blocking and read from the control thread's loop;
  sends never block (a full socket buffer drops the packet).

  Bundles are unpacked here, depth first; their time tags are not waited
  for: a bundle applies when it arrives, and as a whole (see the bundle
  callback).  Main thread.
*/

/// A network, address/prefix: 127.0.0.0/8, 192.168.1.0/24, ::1/128.
typedef struct {
  int     family;    ///< AF_INET or AF_INET6
  uint8_t bytes[16]; ///< The address, network order
  uint8_t prefix;    ///< Bits that must match
} MxCidr;

/// Where a packet came from, or where to send one.
typedef struct {
  struct sockaddr_storage addr; ///< Socket address
  socklen_t               len;  ///< Its length
} MxOscPeer;

/// One message, parsed (valid during the callback only).
typedef struct {
  const char* path;  ///< Address
  const char* types; ///< Type tags, without the leading ','
  lo_arg**    argv;  ///< Arguments
  int         argc;  ///< Number of arguments
} MxOscMessage;

/// Argument `i` as a string (s or S), or NULL.
const char*
mx_osc_arg_string(const MxOscMessage* msg, int i);

/// Argument `i` as a whole number (i, or f or d holding one).  @return false if it is not one.
bool
mx_osc_arg_int(const MxOscMessage* msg, int i, int* out);

/// Argument `i` as a number (i, h, f or d).  @return false if it is not one.
bool
mx_osc_arg_number(const MxOscMessage* msg, int i, double* out);

/// What the server calls.
typedef struct {
  /// A message (from a packet or a bundle)
  void (*message)(void* user_data, const MxOscPeer* from, const MxOscMessage* msg);
  /// Start (true) or end (false) of a bundle, around its messages
  void (*bundle)(void* user_data, const MxOscPeer* from, bool begin);
  /// A packet that was not OSC, with the reason
  void (*malformed)(void* user_data, const MxOscPeer* from, const char* why);
  void* user_data; ///< Passed to the callbacks
} MxOscHandlers;

/// Most networks in an allow-list.
#define MX_OSC_MAX_ALLOW 16U

/// Where and to whom to listen; copied by mx_osc_server_new().
typedef struct {
  const char* listen;                  ///< Address to bind ("127.0.0.1", "0.0.0.0", "::")
  unsigned    port;                    ///< UDP port (0: any free one)
  MxCidr      allow[MX_OSC_MAX_ALLOW]; ///< Networks packets are taken from
  unsigned    n_allow;                 ///< Entries of `allow` (0: loopback only)
} MxOscConfig;

/// A server (opaque; heap object).
typedef struct MxOscServerImpl MxOscServer;

/**
   Parse a network: "A.B.C.D/N", "A.B.C.D" (/32), "X:Y::Z/N" or "X::Z" (/128).

   @return MX_SUCCESS or MX_ERR_BAD_ARG.
*/
MxStatus
mx_cidr_parse(const char* text, MxCidr* out);

/// True if `addr` (IPv4, IPv6, or IPv4-mapped IPv6) is in the network.
bool
mx_cidr_contains(const MxCidr* net, const struct sockaddr* addr);

/**
   Bind the socket.  Free with mx_osc_server_free().

   @param why Receives the reason on failure ("127.0.0.1:7770: Address
   already in use").
   @return The server, or NULL.
*/
MxOscServer*
mx_osc_server_new(const MxOscConfig*   config,
                  const MxOscHandlers* handlers,
                  char*                why,
                  size_t               why_size);

/// Close and free; NULL is a no-op.
void
mx_osc_server_free(MxOscServer* server);

/// The socket, to watch for reading.
int
mx_osc_server_fd(const MxOscServer* server);

/// The port bound (the one asked for, or the one given for port 0).
unsigned
mx_osc_server_port(const MxOscServer* server);

/// Take a new allow-list (as MxOscConfig's: none means the loopback
/// networks); packets already read are not looked at again.
void
mx_osc_server_set_allow(MxOscServer* server, const MxCidr* allow, unsigned n_allow);

/**
   Read every packet waiting and hand it to the callbacks.  Packets from
   outside the allow-list are dropped and counted.
*/
void
mx_osc_server_receive(MxOscServer* server);

/**
   Parse one datagram's bytes and hand what is in it to the callbacks, as
   mx_osc_server_receive() does for each packet it reads (the allow-list is
   not consulted).  This is the whole parsing layer without the socket, for
   the fuzz target (tests/fuzz_osc.c).  Main thread.

   @param from The sender, told to the callbacks (replies go there).
   @param data The datagram; writable because liblo's parser takes it so.
   @param size Its length, bytes (any, 0 included).
*/
void
mx_osc_server_feed(MxOscServer* server, const MxOscPeer* from, uint8_t* data, size_t size);

/**
   Take the number of packets dropped by the allow-list since the last
   call, and the last sender dropped (for a rate-limited log line).
*/
uint64_t
mx_osc_server_take_refused(MxOscServer* server, char* last, size_t last_size);

/// Send one message.  @return MX_FAILURE if it could not be sent now (dropped).
MxStatus
mx_osc_server_send(MxOscServer* server, const MxOscPeer* to, const char* path, lo_message msg);

/// Send a bundle.  @return MX_FAILURE if it could not be sent now (dropped).
MxStatus
mx_osc_server_send_bundle(MxOscServer* server, const MxOscPeer* to, lo_bundle bundle);

/// Write a peer as "address:port".
void
mx_osc_peer_format(const MxOscPeer* peer, char* buf, size_t size);

/// True if two peers are the same address and port.
bool
mx_osc_peer_same(const MxOscPeer* a, const MxOscPeer* b);

/// Set the port of a peer (for "/subscribe i:port").
void
mx_osc_peer_set_port(MxOscPeer* peer, unsigned port);

#endif // MX_OSC_SERVER_H
