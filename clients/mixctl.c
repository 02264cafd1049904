// SPDX-License-Identifier: GPL-3.0-or-later
// mixctl: the command-line OSC client of mixd (see mixctl(1), mixd-osc(7)).

/*
  DESIGN: one connected UDP socket, no threads.

  The socket is bound to an ephemeral port and connect()ed to mixd, so the
  kernel drops datagrams from anyone else and reports a closed port as
  ECONNREFUSED.  liblo only builds and parses messages (its server would
  bind every interface, and its TCP transport is not to be trusted, see
  osc/server.h); bundles are unpacked here.

  A request ends at a known reply: /dump/end, /list/end, /subscribed, or
  for sets and gets (which may reach many controls through a pattern and
  have no end marker) a /ping with a fresh token sent right after it:
  mixd answers messages in order, so its /pong follows every reply.  The
  timeout is for silence: it restarts whenever a packet arrives.

  Output is one message a line, "ADDRESS ARG...", words quoted as in a
  session file (mixd-session(5)), so `mixctl dump` can be sent back.
*/

#include "config.h"

#include <lo/lo.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/// Default UDP port of mixd
#define DEFAULT_PORT "7770"

/// Default host: mixd listens on loopback unless told otherwise
#define DEFAULT_HOST "127.0.0.1"

/// Largest UDP payload
#define PACKET_MAX 65536U

/// Longest line of a command file, bytes (as mixd-session(5))
#define LINE_MAX_BYTES 1024U

/// Most words on a command line (an address and its arguments)
#define MAX_WORDS 32U

/// Deepest bundle nesting unpacked
#define MAX_DEPTH 8

/// Most meter rows shown and remembered (strips, buses, master)
#define MAX_ROWS 512U

/// Meter bars: the range shown, dBFS, and peak hold and fall
#define BAR_FLOOR_DB (-60.0)
#define HOLD_S 2.0
#define FALL_DB_PER_S 20.0

/// Exit statuses (mixctl(1) EXIT STATUS)
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/// Set by SIGINT and SIGTERM; the loops check it
static volatile sig_atomic_t interrupted = 0;

/// errno of the first failed write of the output (EPIPE: the reader left)
static int write_error = 0;

/// The command line
typedef struct {
  const char* host;    ///< Where mixd is
  const char* port;    ///< Its UDP port
  double      timeout; ///< Seconds of silence before giving up on a reply
  long        count;   ///< watch: changes, meters: frames, before exiting (0: no limit)
  double      seconds; ///< watch, meters: run this long (0: until interrupted)
  int         rate;    ///< meters: frames a second
  bool        plain;   ///< meters: numbers, not bars
  bool        verbose; ///< send: print the replies
  unsigned    given;   ///< Command options given (OPT_* bits), to refuse misplaced ones
} Options;

/// Command options, as bits of Options.given
enum { OPT_COUNT = 1U, OPT_SECONDS = 2U, OPT_RATE = 4U, OPT_PLAIN = 8U, OPT_VERBOSE = 16U };

/// The connection to mixd
typedef struct {
  int  fd;        ///< UDP socket, connect()ed to mixd
  char name[300]; ///< "host:port", for messages
} Link;

/// A message received: its address and the parsed message
typedef void (*OnMessage)(void* user_data, const char* path, lo_message msg);

static double
now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
on_signal_cb(const int sig)
{
  (void)sig;
  interrupted = 1;
}

// Interrupt the loops on SIGINT and SIGTERM (no SA_RESTART: poll returns);
// with `pipe_too`, a closed reader ends them through a failed write instead
// of killing mixctl before it unsubscribes
static void
catch_signals(const bool pipe_too)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal_cb;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  if (pipe_too) {
    signal(SIGPIPE, SIG_IGN);
  }
}

// ---------------------------------------------------------------------------
// Output: one message a line

// The shortest text (from 6 digits, so that it reads as %g does) that
// reads back to the same float: dump output stays exact
static void
print_float(FILE* const out, const float v)
{
  char text[40];
  if (isnan(v)) {
    fputs("nan", out);
    return;
  }
  for (int digits = 6; digits <= 9; ++digits) {
    snprintf(text, sizeof(text), "%.*g", digits, (double)v);
    if (strtof(text, NULL) == v) {
      break;
    }
  }
  fputs(text, out);
}

static void
print_double(FILE* const out, const double v)
{
  char text[40];
  for (int digits = 6; digits <= 17; ++digits) {
    snprintf(text, sizeof(text), "%.*g", digits, v);
    if (strtod(text, NULL) == v) {
      break;
    }
  }
  fputs(isnan(v) ? "nan" : text, out);
}

// A word as a session file reads it: quoted if empty or if it holds a
// blank, "#" or a quote; \" and \\ inside quotes
static void
print_word(FILE* const out, const char* const s)
{
  if (*s && !strpbrk(s, " \t\r\n\f\v#\"")) {
    fputs(s, out);
    return;
  }
  fputc('"', out);
  for (const char* c = s; *c; ++c) {
    if (*c == '"' || *c == '\\') {
      fputc('\\', out);
    }
    fputc(*c, out);
  }
  fputc('"', out);
}

// liblo's arguments point into the message at 4-byte alignment, but lo_arg
// (a union with doubles) wants 8: read them by bytes
static float
arg_f(const lo_arg* const a)
{
  float v = 0.0f;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static double
arg_d(const lo_arg* const a)
{
  double v = 0.0;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static int32_t
arg_i(const lo_arg* const a)
{
  int32_t v = 0;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static int64_t
arg_h(const lo_arg* const a)
{
  int64_t v = 0;
  memcpy(&v, (const void*)a, sizeof(v));
  return v;
}

static const char*
arg_s(const lo_arg* const a)
{
  return (const char*)(const void*)a;
}

static void
print_arg(FILE* const out, const char type, const lo_arg* const a)
{
  switch (type) {
    case LO_FLOAT:
      print_float(out, arg_f(a));
      break;
    case LO_DOUBLE:
      print_double(out, arg_d(a));
      break;
    case LO_INT32:
      fprintf(out, "%d", (int)arg_i(a));
      break;
    case LO_INT64:
      fprintf(out, "%lld", (long long)arg_h(a));
      break;
    case LO_STRING:
    case LO_SYMBOL:
      print_word(out, arg_s(a));
      break;
    case LO_CHAR:
      fprintf(out, "%c", (char)arg_i(a));
      break;
    case LO_TRUE:
      fputs("true", out);
      break;
    case LO_FALSE:
      fputs("false", out);
      break;
    case LO_INFINITUM:
      fputs("inf", out);
      break;
    case LO_NIL:
      fputs("nil", out);
      break;
    case LO_BLOB:
      fprintf(out, "<blob of %u bytes>", (unsigned)arg_i(a));
      break;
    default:
      fprintf(out, "<%c>", type);
      break;
  }
}

// Print the arguments of a message from `first` on, each after a blank
// (or, for the very first word of a line, with none)
static void
print_args(FILE* const out, const lo_message msg, const int first, bool blank)
{
  const char* const types = lo_message_get_types(msg);
  lo_arg** const    argv  = lo_message_get_argv(msg);
  for (int i = first; i < lo_message_get_argc(msg); ++i) {
    if (blank) {
      fputc(' ', out);
    }
    print_arg(out, types[i], argv[i]);
    blank = true;
  }
}

// Flush stdout.  @return 0, or -1 if any write failed (errno in write_error)
static int
flush_output(void)
{
  if (fflush(stdout) && !write_error) {
    write_error = errno;
  }
  return write_error || ferror(stdout) ? -1 : 0;
}

static void
print_message(FILE* const out, const char* const path, const lo_message msg)
{
  fputs(path, out);
  print_args(out, msg, 0, true);
  fputc('\n', out);
}

// A string argument, or NULL
static const char*
string_at(const lo_message msg, const int i)
{
  const char* const types = lo_message_get_types(msg);
  if (i >= lo_message_get_argc(msg) || (types[i] != LO_STRING && types[i] != LO_SYMBOL)) {
    return NULL;
  }
  return arg_s(lo_message_get_argv(msg)[i]);
}

// A number argument, or NAN
static double
number_at(const lo_message msg, const int i)
{
  const char* const types = lo_message_get_types(msg);
  lo_arg** const    argv  = lo_message_get_argv(msg);
  if (i >= lo_message_get_argc(msg)) {
    return (double)NAN;
  }
  switch (types[i]) {
    case LO_FLOAT:
      return (double)arg_f(argv[i]);
    case LO_DOUBLE:
      return arg_d(argv[i]);
    case LO_INT32:
      return (double)arg_i(argv[i]);
    case LO_INT64:
      return (double)arg_h(argv[i]);
    default:
      return (double)NAN;
  }
}

// ---------------------------------------------------------------------------
// The link to mixd

// Connect a UDP socket to mixd.  IPv4 first: mixd listens on 127.0.0.1 by
// default, and "localhost" may resolve to ::1 before it
static int
link_open(Link* const link, const char* const host, const char* const port)
{
  struct addrinfo  hints;
  struct addrinfo* list = NULL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family   = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  snprintf(link->name, sizeof(link->name), "%s:%s", host, port);
  const int gai = getaddrinfo(host, port, &hints, &list);
  if (gai) {
    fprintf(stderr, "mixctl: %s: %s\n", link->name, gai_strerror(gai));
    return -1;
  }
  link->fd  = -1;
  int error = 0;
  for (int pass = 0; pass < 2 && link->fd < 0; ++pass) {
    for (const struct addrinfo* ai = list; ai && link->fd < 0; ai = ai->ai_next) {
      if ((ai->ai_family == AF_INET) != (pass == 0)) {
        continue;
      }
      link->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (link->fd >= 0 && connect(link->fd, ai->ai_addr, ai->ai_addrlen)) {
        error = errno;
        close(link->fd);
        link->fd = -1;
      }
    }
  }
  freeaddrinfo(list);
  if (link->fd < 0) {
    fprintf(stderr, "mixctl: %s: %s\n", link->name, strerror(error ? error : errno));
    return -1;
  }

  // Room for a dump's burst of bundles while we print (the kernel caps it)
  const int bytes = 4 << 20;
  setsockopt(link->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
  return 0;
}

static void
link_close(Link* const link)
{
  if (link->fd >= 0) {
    close(link->fd);
    link->fd = -1;
  }
}

// Send a message; it is freed.  A refused send is only worth a word from
// the caller that waits for the reply, so errors are left in errno
static int
link_send(const Link* const link, const char* const path, const lo_message msg)
{
  size_t size = 0U;
  if (!msg) {
    errno = ENOMEM;
    return -1;
  }
  void* const data = lo_message_serialise(msg, path, NULL, &size);
  lo_message_free(msg);
  if (!data) {
    errno = ENOMEM;
    return -1;
  }
  const ssize_t sent = send(link->fd, data, size, 0);
  free(data);
  return sent == (ssize_t)size ? 0 : -1;
}

static uint32_t
read_be32(const unsigned char* const p)
{
  return (uint32_t)p[0] << 24U | (uint32_t)p[1] << 16U | (uint32_t)p[2] << 8U | (uint32_t)p[3];
}

// Hand every message of a packet to `cb`, bundles unpacked depth first;
// malformed parts are skipped
static void
dispatch(unsigned char* const data,
         const size_t         size,
         const int            depth,
         const OnMessage      cb,
         void* const          user_data)
{
  if (size >= 16U && !memcmp(data, "#bundle", 8U)) {
    // "#bundle\0", a time tag, then elements of int32 size + content
    for (size_t at = 16U; depth < MAX_DEPTH && at + 4U <= size;) {
      const uint32_t n = read_be32(data + at);
      at += 4U;
      if (n > size - at || n % 4U) {
        return;
      }
      dispatch(data + at, n, depth + 1, cb, user_data);
      at += n;
    }
    return;
  }
  int              result = 0;
  const lo_message msg    = lo_message_deserialise(data, size, &result);
  if (msg) {
    cb(user_data, (const char*)data, msg); // The address is the packet's first string
    lo_message_free(msg);
  }
}

/**
   Wait up to `timeout_ms` for a packet and dispatch it.

   @return 1 for a packet, 0 for a timeout or a signal, -1 for a socket
   error (in errno: ECONNREFUSED when nothing listens at mixd's port).
*/
static int
link_receive(const Link* const link,
             const int         timeout_ms,
             const OnMessage   cb,
             void* const       user_data)
{
  static unsigned char buf[PACKET_MAX];
  struct pollfd        pfd = { link->fd, POLLIN, 0 };
  const int            n   = poll(&pfd, 1, timeout_ms);
  if (n <= 0) {
    return n < 0 && errno != EINTR ? -1 : 0;
  }
  const ssize_t got = recv(link->fd, buf, sizeof(buf), MSG_DONTWAIT);
  if (got < 0) {
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
  }
  dispatch(buf, (size_t)got, 0, cb, user_data);
  return 1;
}

// ---------------------------------------------------------------------------
// Arguments from words

// Does this address take an int32 at argument `i`?  Channel counts and
// the subscription port and rate; every other number goes as a float
static bool
takes_int(const char* const path, const unsigned i)
{
  return (!strcmp(path, "/strip/add") && i == 1U) || (!strcmp(path, "/bus/add") && i == 2U) ||
         ((!strcmp(path, "/subscribe") || !strcmp(path, "/unsubscribe") ||
           !strcmp(path, "/meters/subscribe")) &&
          i == 0U);
}

static bool
is_integer(const char* const s, int32_t* const out)
{
  char*      end = NULL;
  const long v   = strtol(s, &end, 10);
  if (end == s || *end || !strchr("+-0123456789", *s) || v < INT32_MIN || v > INT32_MAX) {
    return false;
  }
  *out = (int32_t)v;
  return true;
}

// A decimal number: [+-] digits [. digits] [e [+-] digits], or .digits.
// Not "inf", "nan" or hex, which strtod would also take: "-inf" goes to
// mixd as text, as a session has it
static bool
is_number(const char* s, float* const out)
{
  const char* const start = s;
  s += *s == '+' || *s == '-';
  const char* const digits = s;
  while (*s >= '0' && *s <= '9') {
    ++s;
  }
  bool any = s > digits;
  if (*s == '.') {
    const char* const frac = ++s;
    while (*s >= '0' && *s <= '9') {
      ++s;
    }
    any = any || s > frac;
  }
  if (any && (*s == 'e' || *s == 'E')) {
    const char* const e = s;
    s += 1 + (s[1] == '+' || s[1] == '-');
    const char* const exp = s;
    while (*s >= '0' && *s <= '9') {
      ++s;
    }
    s = s > exp ? s : e; // "1e" is not a number: the end check below fails
  }
  if (!any || *s) {
    return false;
  }
  *out = strtof(start, NULL);
  return true;
}

// Add a word as an argument, typed as the address wants it
static void
add_word(const lo_message msg, const char* const path, const unsigned i, const char* const word)
{
  int32_t n = 0;
  float   f = 0.0f;
  if (takes_int(path, i) && is_integer(word, &n)) {
    lo_message_add_int32(msg, n);
  } else if (is_number(word, &f)) {
    lo_message_add_float(msg, f);
  } else {
    lo_message_add_string(msg, word);
  }
}

static lo_message
make_message(const char* const path, const char* const* const words, const unsigned n)
{
  const lo_message msg = lo_message_new();
  for (unsigned i = 0U; msg && i < n; ++i) {
    add_word(msg, path, i, words[i]);
  }
  return msg;
}

// ---------------------------------------------------------------------------
// Requests and replies

/// One request and the replies it is waiting for
typedef struct {
  const Link* link;
  const char* until;    ///< The reply that ends it ("/dump/end"), or NULL for the /pong
  int32_t     token;    ///< The /ping sentinel's token
  bool        pong;     ///< Its /pong came
  unsigned    at_least; ///< Replies (or errors) to wait for besides the end: one per message sent
  bool        done;     ///< The end came
  unsigned    replies;  ///< Replies (not errors) received
  unsigned    errors;   ///< /error replies received
  double      end_arg;  ///< The end reply's first number (a count)
  bool        print;    ///< Print replies on stdout
  int         skip;     ///< Print replies from this argument on, without their address
  const char* where;    ///< "FILE:LINE" to put before errors, or NULL
  const char* expected; ///< The address sent: errors about another one name it
} Exchange;

static Exchange
exchange(const Link* const link, const char* const until, const bool print)
{
  const Exchange ex = { link, until, 0, false, 1U, false, 0U, 0U, 0.0, print, -1, NULL, NULL };
  return ex;
}

// "mixctl: ADDRESS: REASON", or "FILE:LINE: REASON" while sending a file
static void
print_error(const Exchange* const ex, const lo_message msg)
{
  const char* const address = string_at(msg, 0) ? string_at(msg, 0) : "";
  const char* const reason  = string_at(msg, 1) ? string_at(msg, 1) : "error";
  if (ex->where) {
    const bool other = *address && ex->expected && strcmp(address, ex->expected);
    fprintf(stderr, "%s: %s%s%s\n", ex->where, other ? address : "", other ? ": " : "", reason);
  } else {
    fprintf(stderr, "mixctl: %s%s%s\n", address, *address ? ": " : "", reason);
  }
}

static void
on_reply_cb(void* const user_data, const char* const path, const lo_message msg)
{
  Exchange* const ex = (Exchange*)user_data;
  if (!strcmp(path, "/error")) {
    ++ex->errors;
    print_error(ex, msg);
  } else if (!strcmp(path, "/pong")) {
    // Ours ends a set or get; another is a late answer to an earlier one
    ex->pong = ex->pong || number_at(msg, 0) == (double)ex->token;
  } else if (ex->until && !strcmp(path, ex->until)) {
    ex->done    = true;
    ex->end_arg = number_at(msg, 0);
  } else {
    ++ex->replies;
    if (ex->print && ex->skip >= 0) {
      print_args(stdout, msg, ex->skip, false);
      fputc('\n', stdout);
    } else if (ex->print) {
      print_message(stdout, path, msg);
    }
  }
  // The /pong follows every reply, unless the network reordered them: then
  // a missing reply is still waited for
  if (!ex->until) {
    ex->done = ex->pong && ex->replies + ex->errors >= ex->at_least;
  }
}

static void
say_silent(const Link* const link, const double timeout, const char* const where)
{
  fprintf(stderr,
          "%s: no reply from mixd at %s within %g s\n",
          where ? where : "mixctl",
          link->name,
          timeout);
}

static void
say_socket_error(const Link* const link, const char* const where)
{
  fprintf(stderr, "%s: no mixd at %s: %s\n", where ? where : "mixctl", link->name, strerror(errno));
}

/**
   Wait for the end of an exchange; the timeout restarts with each packet.

   @return EXIT_OK when it ended, EXIT_FAIL after a timeout, a socket
   error or a signal (said on stderr but for the signal).
*/
static int
await(Exchange* const ex, const double timeout, const OnMessage cb)
{
  double deadline = now_s() + timeout;
  while (!ex->done && !interrupted) {
    const double left = deadline - now_s();
    if (left <= 0.0) {
      say_silent(ex->link, timeout, ex->where);
      return EXIT_FAIL;
    }
    const int got = link_receive(ex->link, (int)ceil(left * 1e3), cb, ex);
    if (got < 0) {
      say_socket_error(ex->link, ex->where);
      return EXIT_FAIL;
    }
    if (got > 0) {
      deadline = now_s() + timeout;
    }
  }
  return ex->done ? EXIT_OK : EXIT_FAIL;
}

// Send the /ping whose /pong ends a set or get
static int
send_sentinel(Exchange* const ex)
{
  static int32_t   sent = 0;
  const lo_message ping = lo_message_new();
  ex->token             = (int32_t)(getpid() & 0x7FFF) * 65536 + (++sent & 0xFFFF);
  lo_message_add_int32(ping, ex->token);
  return link_send(ex->link, "/ping", ping);
}

// Send a message (freed) and wait for all its replies.  @return exit status
static int
request(Exchange* const ex, const char* const path, const lo_message msg, const double timeout)
{
  ex->expected = path;
  if (link_send(ex->link, path, msg) || (!ex->until && send_sentinel(ex))) {
    say_socket_error(ex->link, ex->where);
    return EXIT_FAIL;
  }
  const int st = await(ex, timeout, on_reply_cb);
  return st ? st : ex->errors ? EXIT_FAIL : EXIT_OK;
}

// ---------------------------------------------------------------------------
// set, get, dump, list, info

static int
usage_error(const char* const what, const char* const arg)
{
  fprintf(stderr, "mixctl: %s%s%s\n", what, arg ? arg : "", arg ? "'" : "");
  fputs("Try 'mixctl --help' for more information.\n", stderr);
  return EXIT_USAGE;
}

static bool
is_address(const char* const path)
{
  return path[0] == '/';
}

static int
cmd_set(const Link* const link, const Options* const o, const int argc, char** const argv)
{
  if (argc < 2) {
    return usage_error("set takes ADDRESS VALUE...", NULL);
  }
  if (!is_address(argv[0])) {
    return usage_error("an address starts with '/', unlike '", argv[0]);
  }
  Exchange         ex  = exchange(link, NULL, true);
  const lo_message msg = make_message(argv[0], (const char* const*)argv + 1, (unsigned)argc - 1U);
  return request(&ex, argv[0], msg, o->timeout);
}

static int
cmd_get(const Link* const link, const Options* const o, const int argc, char** const argv)
{
  if (argc < 1) {
    return usage_error("get takes ADDRESS...", NULL);
  }
  for (int i = 0; i < argc; ++i) {
    if (!is_address(argv[i])) {
      return usage_error("an address starts with '/', unlike '", argv[i]);
    }
  }
  // Every get, then one sentinel for them all: mixd answers in order
  Exchange ex = exchange(link, NULL, true);
  ex.at_least = (unsigned)argc;
  for (int i = 0; i < argc - 1; ++i) {
    if (link_send(link, argv[i], lo_message_new())) {
      say_socket_error(link, NULL);
      return EXIT_FAIL;
    }
  }
  return request(&ex, argv[argc - 1], lo_message_new(), o->timeout);
}

// Ask for something that ends with "END i:count" and check the count, so
// that replies lost on the way (a full socket buffer) do not pass unseen
static int
counted(Exchange* const ex, const Options* const o, const char* const path, const lo_message msg)
{
  const int st = request(ex, path, msg, o->timeout);
  if (st == EXIT_OK && ex->end_arg != (double)(ex->replies + ex->errors)) {
    fprintf(stderr,
            "mixctl: %s: %u of %g replies arrived (the rest were lost)\n",
            path,
            ex->replies + ex->errors,
            ex->end_arg);
    return EXIT_FAIL;
  }
  return st;
}

static int
cmd_dump(const Link* const link, const Options* const o, const int argc, char** const argv)
{
  (void)argv;
  if (argc) {
    return usage_error("dump takes no argument", NULL);
  }
  Exchange ex = exchange(link, "/dump/end", true);
  return counted(&ex, o, "/dump", lo_message_new());
}

static int
cmd_list(const Link* const link, const Options* const o, const int argc, char** const argv)
{
  if (argc > 1) {
    return usage_error("list takes at most one PREFIX", NULL);
  }
  const lo_message msg = lo_message_new();
  if (argc) {
    lo_message_add_string(msg, argv[0]);
  }
  Exchange ex = exchange(link, "/list/end", true);
  ex.skip     = 0; // "/list/item" says nothing: print the item alone
  return counted(&ex, o, "/list", msg);
}

/// What /info answers, in order
static const char* const info_keys[] = { "version", "rate", "strips", "buses", "latency" };

// Print /info as "KEY VALUE" lines
static void
on_info_cb(void* const user_data, const char* const path, const lo_message msg)
{
  Exchange* const ex = (Exchange*)user_data;
  if (strcmp(path, "/info")) {
    on_reply_cb(user_data, path, msg);
    return;
  }
  const char* const types = lo_message_get_types(msg);
  lo_arg** const    argv  = lo_message_get_argv(msg);
  const int         keys  = (int)(sizeof(info_keys) / sizeof(*info_keys));
  for (int i = 0; i < lo_message_get_argc(msg); ++i) {
    fputs(i < keys ? info_keys[i] : "more", stdout);
    fputc(' ', stdout);
    print_arg(stdout, types[i], argv[i]);
    fputc('\n', stdout);
  }
  ex->done = true;
}

static int
cmd_info(const Link* const link, const Options* const o, const int argc, char** const argv)
{
  (void)argv;
  if (argc) {
    return usage_error("info takes no argument", NULL);
  }
  Exchange ex = exchange(link, "/info", false);
  if (link_send(link, "/info", lo_message_new())) {
    say_socket_error(link, NULL);
    return EXIT_FAIL;
  }
  const int st = await(&ex, o->timeout, on_info_cb);
  return st ? st : ex.errors ? EXIT_FAIL : EXIT_OK;
}

// ---------------------------------------------------------------------------
// Subscriptions: watch and meters

/// A subscription kept alive: subscribe, renew at half the lease, unsubscribe
typedef struct {
  const Link*    link;
  const Options* o;
  bool           meters;                ///< /meters/subscribe, not /subscribe
  const char*    pattern;               ///< What to subscribe to, or NULL for everything
  OnMessage      on_data;               ///< Everything that is not about the subscription
  void (*idle)(void* data, double now); ///< Called after every wait, or NULL
  double idle_s;                        ///< Longest wait between calls of `idle`, seconds
  void*  data;                          ///< Passed to `on_data` and `idle`
  double lease;                         ///< Seconds, from the last /subscribed
  bool   answered;                      ///< /subscribed came since the last subscribe
  bool   failed;                        ///< An /error came
  bool   lost;                          ///< mixd stopped answering (and the user was told)
  bool   finished;                      ///< The data side has had enough (a count, a failed write)
} Feed;

static void
feed_subscribe(Feed* const f)
{
  const lo_message msg = lo_message_new();
  if (f->meters) {
    lo_message_add_int32(msg, f->o->rate);
  }
  if (f->pattern) {
    lo_message_add_string(msg, f->pattern);
  }
  f->answered = false;
  link_send(f->link, f->meters ? "/meters/subscribe" : "/subscribe", msg); // Renewals retry
}

static void
on_feed_cb(void* const user_data, const char* const path, const lo_message msg)
{
  Feed* const f = (Feed*)user_data;
  if (!strcmp(path, f->meters ? "/meters/subscribed" : "/subscribed")) {
    f->lease    = number_at(msg, 0);
    f->answered = true;
    if (f->lost) {
      fprintf(stderr, "mixctl: mixd at %s answers again\n", f->link->name);
      f->lost = false;
    }
  } else if (!strcmp(path, "/error")) {
    const Exchange ex = exchange(f->link, NULL, false);
    print_error(&ex, msg);
    f->failed = true;
  } else if (strcmp(path, "/unsubscribed") && strcmp(path, "/meters/unsubscribed")) {
    f->on_data(f->data, path, msg);
  }
}

static void
feed_lost(Feed* const f, const char* const why)
{
  if (!f->lost) {
    fprintf(stderr, "mixctl: mixd at %s is not answering (%s); still trying\n", f->link->name, why);
    f->lost = true;
  }
}

// Wait for the first /subscribed.  @return exit status
static int
feed_start(Feed* const f)
{
  double deadline = now_s() + f->o->timeout;
  feed_subscribe(f);
  while (!f->answered && !f->failed && !interrupted) {
    const double left = deadline - now_s();
    if (left <= 0.0) {
      say_silent(f->link, f->o->timeout, NULL);
      return EXIT_FAIL;
    }
    if (link_receive(f->link, (int)ceil(left * 1e3), on_feed_cb, f) < 0) {
      say_socket_error(f->link, NULL);
      return EXIT_FAIL;
    }
  }
  return f->answered && !f->failed ? EXIT_OK : EXIT_FAIL;
}

/**
   Subscribe and hand every message to `on_data` until a signal, the end
   of --seconds, an /error or `finished`.  Renew at half the lease; a
   renewal that goes unanswered (or a refused one) means mixd is gone for
   now: say so once, and keep trying every second.

   @return exit status
*/
static int
feed_run(Feed* const f)
{
  int st = feed_start(f);
  if (st) {
    return st;
  }
  const double start = now_s();
  const double end   = f->o->seconds > 0.0 ? start + f->o->seconds : (double)INFINITY;
  double       renew = start + fmax(f->lease / 2.0, 0.5);
  while (!interrupted && !f->failed && !f->finished) {
    double now = now_s();
    if (now >= end) {
      break;
    }
    if (now >= renew) {
      if (!f->answered) {
        feed_lost(f, "no reply to a renewal");
      }
      feed_subscribe(f);
      renew = now + (f->lost ? 1.0 : fmax(f->lease / 2.0, 0.5));
    }
    double wait = fmin(renew, end) - now;
    wait        = f->idle ? fmin(wait, f->idle_s) : wait;
    if (link_receive(f->link, (int)ceil(wait * 1e3), on_feed_cb, f) < 0) {
      feed_lost(f, strerror(errno));
      renew = fmin(renew, now_s() + 1.0);
    }
    if (f->idle) {
      f->idle(f->data, now_s());
    }
  }
  // Fire and forget: the lease ends the subscription if this is lost
  link_send(f->link, f->meters ? "/meters/unsubscribe" : "/unsubscribe", lo_message_new());
  return f->failed ? EXIT_FAIL : EXIT_OK;
}

static Feed
feed(const Link* const link, const Options* const o, const bool meters, const char* const pattern)
{
  const Feed f = {
    link, o, meters, pattern, NULL, NULL, 0.0, NULL, 0.0, false, false, false, false
  };
  return f;
}

/// What watch counts
typedef struct {
  Feed* feed;
  long  printed; ///< Changes printed
} Watch;

// A change: print it at once (a script reads it as it comes)
static void
on_change_cb(void* const user_data, const char* const path, const lo_message msg)
{
  Watch* const w = (Watch*)user_data;
  if (w->feed->finished || !strcmp(path, "/pong")) {
    return;
  }
  print_message(stdout, path, msg);
  ++w->printed;
  if (flush_output() || (w->feed->o->count && w->printed >= w->feed->o->count)) {
    w->feed->finished = true;
  }
}

static int
cmd_watch(const Link* const link, const Options* const o, const int argc, char** const argv)
{
  if (argc > 1) {
    return usage_error("watch takes at most one PATTERN", NULL);
  }
  if (argc && !is_address(argv[0])) {
    return usage_error("a pattern starts with '/', unlike '", argv[0]);
  }
  catch_signals(true);
  Feed  f   = feed(link, o, false, argc ? argv[0] : NULL);
  Watch w   = { &f, 0 };
  f.on_data = on_change_cb;
  f.data    = &w;
  return feed_run(&f);
}

// ---------------------------------------------------------------------------
// Meters

/// One meter message of a frame
typedef struct {
  char  path[96]; ///< "/meters/strip/vocal", "/meters/loudness"
  float v[5];     ///< Its numbers
  int   n;        ///< How many
} Row;

/// What a bar remembers between frames
typedef struct {
  char   path[96]; ///< Whose
  double bar_db;   ///< The bar's peak, falling at FALL_DB_PER_S
  double hold_db;  ///< The held peak
  double hold_at;  ///< When it was taken, s
  double seen_at;  ///< Last frame it was in, s
} Bar;

typedef struct {
  Feed*    feed;
  bool     plain;          ///< Numbers, not bars
  bool     color;          ///< ANSI colours in the bars
  Row      rows[MAX_ROWS]; ///< The frame being gathered
  unsigned n_rows;
  Bar      bars[MAX_ROWS]; ///< Bar state, by address
  unsigned n_bars;
  double   last_packet; ///< When the last message came, s
  long     frames;      ///< Frames shown
} Meters;

// Copy an address, cut to fit
static void
copy_path(char* const to, const size_t size, const char* const from)
{
  const size_t len = strlen(from) < size - 1U ? strlen(from) : size - 1U;
  memcpy(to, from, len);
  to[len] = '\0';
}

static const char*
db_text(const double db, char* const buf, const size_t size)
{
  if (isinf(db) && db < 0.0) {
    snprintf(buf, size, "-inf");
  } else {
    snprintf(buf, size, "%.1f", db);
  }
  return buf;
}

static Bar*
find_bar(Meters* const m, const char* const path, const double now)
{
  for (unsigned i = 0U; i < m->n_bars; ++i) {
    if (!strcmp(m->bars[i].path, path)) {
      return &m->bars[i];
    }
  }
  // Forget bars gone for a while (a removed strip), then take a free one
  for (unsigned i = 0U; i < m->n_bars;) {
    if (now - m->bars[i].seen_at > 10.0) {
      m->bars[i] = m->bars[--m->n_bars];
    } else {
      ++i;
    }
  }
  if (m->n_bars == MAX_ROWS) {
    return NULL;
  }
  Bar* const b = &m->bars[m->n_bars++];
  copy_path(b->path, sizeof(b->path), path);
  b->bar_db  = -(double)INFINITY;
  b->hold_db = -(double)INFINITY;
  b->hold_at = now;
  b->seen_at = now;
  return b;
}

// Peak hold for HOLD_S, then the hold follows the peak again; the bar
// falls at FALL_DB_PER_S rather than jumping down between frames
static void
update_bar(Bar* const b, const double peak, const double now)
{
  const double fall = b->bar_db - FALL_DB_PER_S * (now - b->seen_at);
  b->bar_db         = fmax(peak, fall);
  if (peak >= b->hold_db || now - b->hold_at > HOLD_S) {
    b->hold_db = peak;
    b->hold_at = now;
  }
  b->seen_at = now;
}

static int
terminal_width(void)
{
  struct winsize ws;
  return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || ws.ws_col < 40 ? 80 : ws.ws_col;
}

static int
terminal_height(void)
{
  struct winsize ws;
  return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || ws.ws_row < 5 ? 24 : ws.ws_row;
}

// The colour of a level: green, then yellow from -18 dBFS, red from -6
static const char*
zone_color(const double db)
{
  return db >= -6.0 ? "\033[31m" : db >= -18.0 ? "\033[33m" : "\033[32m";
}

// "[####====    |      ]": RMS as '#', peak as '=', the held peak as '|',
// on a scale from BAR_FLOOR_DB to 0 dBFS; a held peak at 0 dBFS or more
// shows as '!' at the end
static void
draw_bar(const Meters* const m, const Bar* const b, const double rms, const int width)
{
  const double span  = -BAR_FLOOR_DB;
  const int    hold  = b->hold_db > BAR_FLOOR_DB
                         ? (int)fmin((b->hold_db - BAR_FLOOR_DB) / span * width, width - 1)
                         : -1;
  const char*  color = NULL;
  fputc('[', stdout);
  for (int c = 0; c < width; ++c) {
    const double db   = BAR_FLOOR_DB + span * c / width;
    const bool   clip = c == width - 1 && b->hold_db >= 0.0;
    const char   ch   = clip ? '!' : db < rms ? '#' : db < b->bar_db ? '=' : c == hold ? '|' : ' ';
    const char*  want = ch == ' ' || !m->color ? NULL : clip ? zone_color(0.0) : zone_color(db);
    if (want != color) {
      fputs(want ? want : "\033[0m", stdout);
      color = want;
    }
    fputc(ch, stdout);
  }
  if (color) {
    fputs("\033[0m", stdout);
  }
  fputc(']', stdout);
}

static void
draw_loudness(const Row* const r)
{
  char t[5][16];
  for (int i = 0; i < 5; ++i) {
    db_text(i < r->n ? (double)r->v[i] : -(double)INFINITY, t[i], sizeof(t[i]));
  }
  printf(
    "loudness  M %s  S %s  I %s LUFS  LRA %s LU  TP %s dBTP\033[K\n", t[0], t[1], t[2], t[3], t[4]);
}

// One frame on the terminal, drawn over the last one
static void
draw_frame(Meters* const m, const double now)
{
  const int  cols   = terminal_width();
  const int  lines  = terminal_height() - 3;
  int        labels = 6;
  const Row* loud   = NULL;
  for (unsigned i = 0U; i < m->n_rows; ++i) {
    const int len = (int)strlen(m->rows[i].path) - 8; // Without "/meters/"
    labels        = len > labels ? len : labels;
  }
  labels          = labels > 24 ? 24 : labels;
  const int width = cols - labels - 26;

  printf("\033[Hmixd at %s, %d Hz (Ctrl-C to quit)\033[K\n", m->feed->link->name, m->feed->o->rate);
  int shown = 0;
  for (unsigned i = 0U; i < m->n_rows; ++i) {
    const Row* const r = &m->rows[i];
    if (!strcmp(r->path, "/meters/loudness")) {
      loud = r;
      continue;
    }
    Bar* const b = r->n >= 4 ? find_bar(m, r->path, now) : NULL;
    if (!b) {
      continue;
    }
    update_bar(b, fmax((double)r->v[0], (double)r->v[1]), now);
    if (shown++ == lines) {
      printf("(%u more)\033[K\n", m->n_rows - i);
    }
    if (shown > lines) {
      continue;
    }
    char l[16];
    char rr[16];
    printf("%-*.*s ", labels, labels, r->path + 8);
    draw_bar(m, b, (double)r->v[2], width);
    printf(" %6s %6s GR %4.1f\033[K\n",
           db_text((double)r->v[0], l, sizeof(l)),
           db_text((double)r->v[1], rr, sizeof(rr)),
           (double)r->v[3]);
  }
  if (loud) {
    draw_loudness(loud);
  }
  fputs("\033[J", stdout);
}

// The frame is complete: show it, count it
static void
end_frame(Meters* const m, const double now)
{
  if (!m->n_rows || m->feed->finished) {
    m->n_rows = 0U;
    return;
  }
  if (m->plain) {
    for (unsigned i = 0U; i < m->n_rows; ++i) {
      fputs(m->rows[i].path, stdout);
      // Six digits are plenty for a meter (values are exact everywhere else)
      for (int v = 0; v < m->rows[i].n; ++v) {
        printf(" %g", (double)m->rows[i].v[v]);
      }
      fputc('\n', stdout);
    }
  } else {
    draw_frame(m, now);
  }
  m->n_rows = 0U;
  ++m->frames;
  if (flush_output() || (m->feed->o->count && m->frames >= m->feed->o->count)) {
    m->feed->finished = true;
  }
}

static bool
in_frame(const Meters* const m, const char* const path)
{
  for (unsigned i = 0U; i < m->n_rows; ++i) {
    if (!strcmp(m->rows[i].path, path)) {
      return true;
    }
  }
  return false;
}

// A frame is every meter once: it ends with /meters/loudness, or when a
// meter comes again, or after a pause (see meters_idle_cb)
static void
on_meter_cb(void* const user_data, const char* const path, const lo_message msg)
{
  Meters* const m   = (Meters*)user_data;
  const double  now = now_s();
  if (strncmp(path, "/meters/", 8U)) {
    return;
  }
  if (in_frame(m, path)) {
    end_frame(m, now);
  }
  m->last_packet = now;
  if (m->n_rows < MAX_ROWS) {
    Row* const r = &m->rows[m->n_rows++];
    copy_path(r->path, sizeof(r->path), path);
    r->n = 0;
    for (int i = 0; i < lo_message_get_argc(msg) && i < 5; ++i) {
      r->v[r->n++] = (float)number_at(msg, i);
    }
  }
  if (!strcmp(path, "/meters/loudness")) {
    end_frame(m, now);
  }
}

static void
meters_idle_cb(void* const user_data, const double now)
{
  Meters* const m = (Meters*)user_data;
  if (m->n_rows && now - m->last_packet >= m->feed->idle_s) {
    end_frame(m, now);
  }
}

static int
cmd_meters(const Link* const link, const Options* const o, const int argc, char** const argv)
{
  if (argc > 1) {
    return usage_error("meters takes at most one PATTERN", NULL);
  }
  if (argc && !is_address(argv[0])) {
    return usage_error("a pattern starts with '/', unlike '", argv[0]);
  }
  static Meters m;
  Feed          f    = feed(link, o, true, argc ? argv[0] : NULL);
  const char*   term = getenv("TERM");
  m.feed             = &f;
  m.plain            = o->plain || !isatty(STDOUT_FILENO);
  m.color            = !m.plain && !getenv("NO_COLOR") && !(term && !strcmp(term, "dumb"));
  f.on_data          = on_meter_cb;
  f.idle             = meters_idle_cb;
  f.idle_s           = 0.5 / o->rate; // Half a frame of quiet ends a frame
  f.data             = &m;
  catch_signals(true);
  if (!m.plain) {
    // One write a frame, over the last one; no cursor flickering across it
    setvbuf(stdout, NULL, _IOFBF, 1U << 16U);
    fputs("\033[?25l\033[H\033[2J", stdout);
  }
  const int st = feed_run(&f);
  if (!m.plain) {
    fputs("\033[?25h", stdout);
    fflush(stdout);
  }
  return st;
}

// ---------------------------------------------------------------------------
// send: a session file as commands

/// A line cut into words
typedef struct {
  char        text[LINE_MAX_BYTES + 1U]; ///< The words, unquoted, NUL-separated
  const char* word[MAX_WORDS];           ///< The words
  unsigned    n;                         ///< Number of words
} Words;

static bool
is_blank(const char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

// Cut a line into words as mixd-session(5) does (daemon/session.c):
// blanks separate, "#" outside quotes ends the line, double quotes group
// (with \" and \\ inside).  @return NULL, or what is wrong
static const char*
split(const char* in, Words* const w)
{
  char*       out = w->text;
  char* const end = w->text + sizeof(w->text) - 1U;
  w->n            = 0U;
  for (;;) {
    while (is_blank(*in)) {
      ++in;
    }
    if (*in == '\0' || *in == '#') {
      return NULL;
    }
    if (w->n == MAX_WORDS) {
      return "too many words";
    }
    w->word[w->n++]   = out;
    const bool quoted = *in == '"';
    in += quoted;
    while (*in && (quoted ? *in != '"' : !is_blank(*in) && *in != '#')) {
      if (quoted && *in == '\\' && (in[1] == '"' || in[1] == '\\')) {
        ++in;
      }
      if (out >= end) {
        return "line too long";
      }
      *out++ = *in++;
    }
    if (quoted && *in != '"') {
      return "unterminated quote";
    }
    in += quoted;
    if (out > end) { // An empty word ("") right at the end of a full line
      return "line too long";
    }
    *out++ = '\0';
  }
}

// Read a whole file ("-": standard input), NUL-terminated.  @return it, or
// NULL (said on stderr)
static char*
read_file(const char* const path, const char* const name)
{
  FILE* const f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
  if (!f) {
    fprintf(stderr, "mixctl: %s: %s\n", name, strerror(errno));
    return NULL;
  }
  size_t size = 0U;
  size_t cap  = 4096U;
  char*  text = (char*)malloc(cap);
  while (text) {
    size += fread(text + size, 1U, cap - size - 1U, f);
    if (size < cap - 1U) {
      break;
    }
    char* const more = (char*)realloc(text, cap * 2U);
    if (!more) {
      free(text);
    }
    text = more;
    cap *= 2U;
  }
  const bool bad = !text || ferror(f) || memchr(text, '\0', size);
  if (bad) {
    fprintf(stderr,
            "mixctl: %s: %s\n",
            name,
            !text       ? "out of memory"
            : ferror(f) ? strerror(errno)
                        : "not text (a NUL byte)");
    free(text);
    text = NULL;
  } else {
    text[size] = '\0';
  }
  if (f != stdin) {
    fclose(f);
  }
  return text;
}

// The next line of `text` (its end cut), or NULL at the end
static char*
next_line(char** const at)
{
  char* const line = *at;
  if (!*line) {
    return NULL;
  }
  char* const nl = strchr(line, '\n');
  *at            = nl ? nl + 1 : line + strlen(line);
  if (nl) {
    *nl = '\0';
  }
  return line;
}

// Check every line of the file (words, addresses), so that a file with a
// broken line sends nothing.  @return exit status
static int
check_file(char* text, const char* const name)
{
  Words w;
  int   number = 0;
  for (const char* line = next_line(&text); line; line = next_line(&text)) {
    const size_t len = strlen(line);
    const char*  why = NULL;
    ++number;
    if (len - (len && line[len - 1U] == '\r') > LINE_MAX_BYTES) {
      why = "line too long";
    } else {
      why = split(line, &w);
    }
    if (!why && w.n && !is_address(w.word[0])) {
      why = "not an address (they start with '/')";
    }
    if (why) {
      fprintf(stderr, "%s:%d: %s\n", name, number, why);
      return EXIT_FAIL;
    }
  }
  return EXIT_OK;
}

// Send every line and wait for its replies; stop at the first /error
static int
send_lines(const Link* const link, const Options* const o, char* text, const char* const name)
{
  Words w;
  int   number = 0;
  for (const char* line = next_line(&text); line; line = next_line(&text)) {
    char where[300];
    ++number;
    split(line, &w);
    if (!w.n) {
      continue;
    }
    snprintf(where, sizeof(where), "%s:%d", name, number);
    Exchange         ex  = exchange(link, NULL, o->verbose);
    const lo_message msg = make_message(w.word[0], w.word + 1, w.n - 1U);
    ex.where             = where;
    if (request(&ex, w.word[0], msg, o->timeout)) {
      return EXIT_FAIL;
    }
  }
  return EXIT_OK;
}

static int
cmd_send(const Link* const link, const Options* const o, const int argc, char** const argv)
{
  if (argc != 1) {
    return usage_error("send takes one FILE (- for standard input)", NULL);
  }
  const char* const name = strcmp(argv[0], "-") ? argv[0] : "<stdin>";
  char* const       text = read_file(argv[0], name);
  if (!text) {
    return EXIT_FAIL;
  }
  // A UTF-8 byte order mark is no part of the first line
  char* const start = strncmp(text, "\xEF\xBB\xBF", 3U) ? text : text + 3;
  char* const copy  = strdup(start);
  int         st    = copy ? check_file(copy, name) : EXIT_FAIL;
  if (!st) {
    st = send_lines(link, o, start, name);
  }
  free(copy);
  free(text);
  return st;
}

// ---------------------------------------------------------------------------
// Sessions, scenes, undo: one word for one desk request

/// A desk command: a word for an address with fixed argument types
typedef struct {
  const char* name;
  const char* address;
  const char* types;    ///< Of the arguments: 's' a name (never a number), 'i', 'f'
  unsigned    required; ///< Of them, how many must be given
  const char* until;    ///< The reply that ends a listing, or NULL for one reply
  bool        lines;    ///< Print each argument of the reply on a line of its own
  const char* usage;    ///< For the usage error
} DeskCommand;

static const DeskCommand desk_commands[] = {
  { "save", "/session/save", "s", 0U, NULL, false, "save takes at most one NAME" },
  { "load", "/session/load", "s", 1U, NULL, false, "load takes one NAME" },
  { "new", "/session/new", "s", 0U, NULL, false, "new takes at most one NAME" },
  { "sessions", "/session/list", "", 0U, NULL, true, "sessions takes no argument" },
  { "store", "/scene/store", "is", 1U, NULL, false, "store takes a scene NUMBER and a NAME" },
  { "recall", "/scene/recall", "if", 1U, NULL, false, "recall takes a scene NUMBER and FADE" },
  { "scenes", "/scene/list", "", 0U, "/scene/list/end", false, "scenes takes no argument" },
  { "undo", "/undo", "", 0U, NULL, false, "undo takes no argument" },
  { "redo", "/redo", "", 0U, NULL, false, "redo takes no argument" },
};

static const DeskCommand*
find_desk_command(const char* const name)
{
  for (size_t i = 0U; i < sizeof(desk_commands) / sizeof(*desk_commands); ++i) {
    if (!strcmp(name, desk_commands[i].name)) {
      return &desk_commands[i];
    }
  }
  return NULL;
}

// Print each argument of a reply on its own line (the session names)
static void
on_lines_cb(void* const user_data, const char* const path, const lo_message msg)
{
  Exchange* const ex = (Exchange*)user_data;
  if (!strcmp(path, "/error") || !strcmp(path, "/pong")) {
    on_reply_cb(user_data, path, msg);
    return;
  }
  const char* const types = lo_message_get_types(msg);
  lo_arg** const    argv  = lo_message_get_argv(msg);
  for (int i = 0; i < lo_message_get_argc(msg); ++i) {
    print_arg(stdout, types[i], argv[i]);
    fputc('\n', stdout);
  }
  ++ex->replies;
  ex->done = ex->pong && ex->replies + ex->errors >= ex->at_least;
}

static int
run_desk_command(const Link* const        link,
                 const Options* const     o,
                 const DeskCommand* const dc,
                 const int                argc,
                 char** const             argv)
{
  const size_t most = strlen(dc->types);
  if (argc < (int)dc->required || argc > (int)most) {
    return usage_error(dc->usage, NULL);
  }
  const lo_message msg = lo_message_new();
  for (int i = 0; i < argc; ++i) {
    int32_t n = 0;
    float   f = 0.0f;
    if (dc->types[i] == 's') {
      lo_message_add_string(msg, argv[i]);
    } else if (dc->types[i] == 'i' && is_integer(argv[i], &n)) {
      lo_message_add_int32(msg, n);
    } else if (dc->types[i] == 'f' && is_number(argv[i], &f)) {
      lo_message_add_float(msg, f);
    } else {
      lo_message_free(msg);
      return usage_error(dc->types[i] == 'i' ? "not a whole number: '" : "not a number: '",
                         argv[i]);
    }
  }
  Exchange ex = exchange(link, dc->until, true);
  ex.skip     = 0; // "/session/saved NAME": the name alone
  if (!dc->lines) {
    return dc->until ? counted(&ex, o, dc->address, msg)
                     : request(&ex, dc->address, msg, o->timeout);
  }
  ex.expected = dc->address;
  if (link_send(link, dc->address, msg) || send_sentinel(&ex)) {
    say_socket_error(link, NULL);
    return EXIT_FAIL;
  }
  const int st = await(&ex, o->timeout, on_lines_cb);
  return st ? st : ex.errors ? EXIT_FAIL : EXIT_OK;
}

// ---------------------------------------------------------------------------
// Command line

/// A command: its name, what runs it, and the command options it takes
typedef struct {
  const char* name;
  int (*run)(const Link* link, const Options* o, int argc, char** argv);
  unsigned options; ///< OPT_* bits
} Command;

static const Command commands[] = {
  { "set", cmd_set, 0U },
  { "get", cmd_get, 0U },
  { "dump", cmd_dump, 0U },
  { "list", cmd_list, 0U },
  { "info", cmd_info, 0U },
  { "watch", cmd_watch, OPT_COUNT | OPT_SECONDS },
  { "meters", cmd_meters, OPT_COUNT | OPT_SECONDS | OPT_RATE | OPT_PLAIN },
  { "send", cmd_send, OPT_VERBOSE },
};

static void
print_usage(FILE* const out)
{
  fputs("Usage: mixctl [OPTION]... COMMAND [ARG]...\n"
        "Control a running mixd over OSC.\n"
        "\n"
        "Commands:\n"
        "  set ADDRESS VALUE...   set a control (or run a command) and print the reply\n"
        "  get ADDRESS...         print the value of each control (patterns allowed)\n"
        "  dump                   print every strip, bus and value, as a session\n"
        "  list [PREFIX]          print the addresses under PREFIX: type, unit, range,\n"
        "                         default\n"
        "  info                   print the version, rate, strips, buses and latency\n"
        "  watch [PATTERN]        print every change as it happens, until interrupted\n"
        "  meters [PATTERN]       draw live meters and the master's loudness\n"
        "  send FILE              send each line of a session file (- for standard\n"
        "                         input), stopping at the first error\n"
        "  save [NAME]            save the session (under NAME) in mixd's session\n"
        "                         directory\n"
        "  load NAME              load a saved session (the changes ramp)\n"
        "  new [NAME]             start an empty session\n"
        "  sessions               print the names of the saved sessions\n"
        "  store N [NAME]         store the mix as scene N (1 to 100)\n"
        "  recall N [FADE]        recall scene N, fading over FADE seconds\n"
        "  scenes                 print the stored scenes: number and name\n"
        "  undo, redo             step back or forward through the last changes\n"
        "\n"
        "Options:\n"
        "  -H, --host HOST        where mixd runs (default 127.0.0.1, or $MIXD_OSC_HOST)\n"
        "  -p, --port PORT        its UDP port (default 7770, or $MIXD_OSC_PORT)\n"
        "  -t, --timeout SECONDS  how long to wait for a reply (default 1)\n"
        "  -n, --count N          watch: exit after N changes; meters: after N frames\n"
        "  -s, --seconds SECONDS  watch, meters: exit after this long\n"
        "  -r, --rate HZ          meters: frames a second, 1 to 100 (default 10)\n"
        "      --plain            meters: print numbers, not bars (the default when\n"
        "                         the output is not a terminal)\n"
        "      --once             meters: print one frame and exit (--plain --count 1)\n"
        "  -v, --verbose          send: print the replies\n"
        "  -h, --help             print this help and exit\n"
        "  -V, --version          print the version and exit\n"
        "\n"
        "Exit status: 0 on success, 1 on an /error reply, no reply or a network\n"
        "error, 2 on a usage error.  See mixctl(1).\n",
        out);
}

/// Long options without a short form
enum { LONG_PLAIN = 256, LONG_ONCE };

static bool
parse_number(const char* const text, const double lo, const double hi, double* const out)
{
  char*        end = NULL;
  const double v   = strtod(text, &end);
  if (end == text || *end || !(v >= lo && v <= hi)) {
    return false;
  }
  *out = v;
  return true;
}

static bool
parse_port(const char* const text)
{
  double port = 0.0;
  return parse_number(text, 1.0, 65535.0, &port) && port == floor(port);
}

// One option.  @return -1 to go on, or an exit status
static int
take_option(const int c, const char* const arg, Options* const o)
{
  double v = 0.0;
  switch (c) {
    case 'H':
      o->host = arg;
      return -1;
    case 'p':
      o->port = arg;
      return parse_port(arg) ? -1 : usage_error("--port must be 1 to 65535, not '", arg);
    case 't':
      if (!parse_number(arg, 0.001, 3600.0, &o->timeout)) {
        return usage_error("--timeout must be 0.001 to 3600 seconds, not '", arg);
      }
      return -1;
    case 'n':
      if (!parse_number(arg, 1.0, 1e9, &v) || v != floor(v)) {
        return usage_error("--count must be a whole number from 1, not '", arg);
      }
      o->count = (long)v;
      o->given |= OPT_COUNT;
      return -1;
    case 's':
      if (!parse_number(arg, 0.001, 1e7, &o->seconds)) {
        return usage_error("--seconds must be a positive number, not '", arg);
      }
      o->given |= OPT_SECONDS;
      return -1;
    case 'r':
      if (!parse_number(arg, 1.0, 100.0, &v) || v != floor(v)) {
        return usage_error("--rate must be 1 to 100 Hz, not '", arg);
      }
      o->rate = (int)v;
      o->given |= OPT_RATE;
      return -1;
    case LONG_PLAIN:
      o->plain = true;
      o->given |= OPT_PLAIN;
      return -1;
    case LONG_ONCE:
      o->plain = true;
      o->count = 1;
      o->given |= OPT_PLAIN | OPT_COUNT;
      return -1;
    case 'v':
      o->verbose = true;
      o->given |= OPT_VERBOSE;
      return -1;
    case 'h':
      print_usage(stdout);
      return EXIT_OK;
    case 'V':
      printf("mixctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return EXIT_OK;
    default:
      return EXIT_USAGE; // Said by parse_options()
  }
}

/**
   Read options up to the first word that is not one (the command, or the
   command's first argument: "-6" after an address is a value).

   @return -1 to go on, or an exit status; `*next` is the first word left.
*/
static int
parse_options(const int argc, char** const argv, Options* const o, int* const next)
{
  static const struct option longs[] = {
    { "host", required_argument, NULL, 'H' },    { "port", required_argument, NULL, 'p' },
    { "timeout", required_argument, NULL, 't' }, { "count", required_argument, NULL, 'n' },
    { "seconds", required_argument, NULL, 's' }, { "rate", required_argument, NULL, 'r' },
    { "plain", no_argument, NULL, LONG_PLAIN },  { "once", no_argument, NULL, LONG_ONCE },
    { "verbose", no_argument, NULL, 'v' },       { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },       { NULL, 0, NULL, 0 },
  };
  int c  = 0;
  optind = 0; // Start again (glibc), at argv[1]
  opterr = 0; // Said below, as every other usage error is
  while ((c = getopt_long(argc, argv, "+:H:p:t:n:s:r:vhV", longs, NULL)) != -1) {
    if (c == '?' || c == ':') {
      char              short_name[3] = { '-', (char)optopt, '\0' };
      const char* const given         = argv[optind - 1];
      return usage_error(c == ':' ? "this option needs an argument: '" : "unknown option '",
                         optopt && strncmp(given, "--", 2U) ? short_name : given);
    }
    const int st = take_option(c, optarg, o);
    if (st >= 0) {
      return st;
    }
  }
  *next = optind;
  return -1;
}

// The defaults, then the environment
static int
default_options(Options* const o)
{
  const char* const host = getenv("MIXD_OSC_HOST");
  const char* const port = getenv("MIXD_OSC_PORT");
  memset(o, 0, sizeof(*o));
  o->host    = host && *host ? host : DEFAULT_HOST;
  o->port    = port && *port ? port : DEFAULT_PORT;
  o->timeout = 1.0;
  o->rate    = 10;
  if (!parse_port(o->port)) {
    return usage_error("MIXD_OSC_PORT must be 1 to 65535, not '", o->port);
  }
  return -1;
}

static const char*
option_name(const unsigned bit)
{
  return bit == OPT_COUNT     ? "--count"
         : bit == OPT_SECONDS ? "--seconds"
         : bit == OPT_RATE    ? "--rate"
         : bit == OPT_PLAIN   ? "--plain and --once"
                              : "--verbose";
}

int
main(int argc, char** argv)
{
  Options o;
  int     first = 0;
  int     more  = 0;
  int     st    = default_options(&o);
  if (st < 0) {
    st = parse_options(argc, argv, &o, &first);
  }
  if (st >= 0) {
    return st;
  }
  if (first == argc) {
    return usage_error("no command given", NULL);
  }

  const Command* cmd = NULL;
  for (size_t i = 0U; i < sizeof(commands) / sizeof(*commands); ++i) {
    cmd = strcmp(argv[first], commands[i].name) ? cmd : &commands[i];
  }
  const DeskCommand* const desk = find_desk_command(argv[first]);
  if (!cmd && !desk) {
    fprintf(stderr, "mixctl: unknown command '%s'\n", argv[first]);
    return usage_error("commands: set, get, dump, list, info, watch, meters, send, save, load, "
                       "new, sessions, store, recall, scenes, undo, redo",
                       NULL);
  }
  // Options may follow the command too
  st = parse_options(argc - first, argv + first, &o, &more);
  if (st >= 0) {
    return st;
  }
  for (unsigned bit = 1U; bit <= OPT_VERBOSE; bit <<= 1U) {
    if (o.given & bit & ~(cmd ? cmd->options : 0U)) {
      fprintf(stderr, "mixctl: %s is not an option of %s\n", option_name(bit), argv[first]);
      return usage_error("see the options of each command in --help", NULL);
    }
  }

  Link link = { -1, "" };
  if (link_open(&link, o.host, o.port)) {
    return EXIT_FAIL;
  }
  st = cmd ? cmd->run(&link, &o, argc - first - more, argv + first + more)
           : run_desk_command(&link, &o, desk, argc - first - more, argv + first + more);
  link_close(&link);
  // A reader that left (watch | head -1) is a normal end for a follower
  if (flush_output() && write_error != EPIPE) {
    fprintf(stderr, "mixctl: writing the output: %s\n", strerror(write_error));
    return EXIT_FAIL;
  }
  return st;
}
