// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_TESTS_JACK_RIG_H
#define MX_TESTS_JACK_RIG_H

#include <jack/jack.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// The live tests' rig: a private dummy JACK server, mixd as a child process, and test clients.

/*
  DESIGN: an integration test (redis's start_server) starts its own
  `jackd --no-realtime -n NAME -d dummy -r 48000 -p 64` (or another
  period: mxt_server_set_period(); --realtime with MXT_REALTIME=1 where
  the machine grants SCHED_FIFO) under a name no
  other test or session uses, then `mixd` as a child process with its
  stderr in a log file, and talks to both only as any JACK client would:
  ports, connections, latencies, audio.  Everything waits by polling with
  a timeout (mxt_poll_ms() between tries), never by sleeping a fixed time
  and hoping.

  Test clients (MxtClient) are ordinary JACK clients with output ports
  that play looped buffers, placed by absolute frame time (the sample
  played at frame t is loop[t mod length], so what a port plays at any
  frame is known exactly), and input ports that record takes together
  with the frame time of every block.  A test uses two: a feeder into
  mixd's strips and a recorder of mixd's outputs, so the graph is feeder
  -> mixd -> recorder with no cycle, and a sample that mixd passes
  straight through arrives at the recorder in the same cycle, with the
  same frame time.  Between the test thread and a client's process
  callback there are no locks: a played loop is published as an atomic
  pointer, and a take is a request (an epoch counter) that the callback
  answers by filling preallocated buffers and publishing the epoch back.

  Without realtime scheduling a client now and then runs a cycle after the
  server has begun the next one; it then reads the next cycle's frame
  time, and what it plays or records in that cycle is placed one cycle
  off.  Each client notes these irregular cycles (mxt_client_irregular()),
  so that a test can tell the machine's timing from mixd's output.

  Teardown: every server, mixd and client the rig starts is registered,
  and mxt_rig_teardown() (a checked fixture's teardown) stops them all.
  Check forks each test and ends a failed one with _exit(), skipping the
  teardown, then kills the test's process group, which holds mixd but not
  jackd (it makes itself a session leader): jackd is started with a
  parent-death signal (SIGTERM) instead.  In the parent, mxt_rig_sweep()
  stops any process of the run still there, and cleans what a server
  killed by a signal leaves: its files in /dev/shm (which stop a server of
  the same name from starting) and its slot in JACK's registry of servers
  (8 in all, for every user of the machine: freed only by starting a
  server of the same name).

  Test thread unless noted; the callbacks run on JACK's threads.
*/

/// Sample rate and period of the rig's servers.
#define MXT_RATE 48000U
#define MXT_PERIOD 64U

/// Most input or output ports of one test client.
#define MXT_MAX_PORTS 8U

/// Generous bound for anything that should take well under a second.
#define MXT_TIMEOUT_MS 10000.0

// ---------------------------------------------------------------------------
// The rig as a whole

/**
   Set the rig up for a test program: make the directory for logs and
   session files, and take the process id that names every server.  Call
   once from main(), before running the suite.

   The servers run with realtime scheduling, as a live rig does, if
   MXT_REALTIME is "1" and the machine grants this process SCHED_FIFO
   (mxt_rig_realtime()); libjack then runs the process threads of mixd
   and of the test's clients realtime too, and other work on the machine
   no longer makes them miss cycles.  It is not the default: a machine
   can grant SCHED_FIFO and still starve it (a CI machine did: a client
   late in 50 takes in a row), and the tests are written to tell the
   machine's timing from mixd's either way.

   @return false if jackd is not installed (the program should skip:
   `*why` says so) or the directory cannot be made.
*/
bool
mxt_rig_begin(const char** why);

/// True if the servers run with realtime scheduling (mxt_rig_begin()).
bool
mxt_rig_realtime(void);

/**
   Clean up after what a failed test left, in the parent process (an
   unchecked fixture's teardown): stop any process of this run still
   running (SIGTERM, then SIGKILL), free the slots in JACK's registry of
   servers that killed servers of this run still hold, and remove the
   files they left in /dev/shm.  Costs nothing when all is clean.
*/
void
mxt_rig_sweep(void);

/**
   Make orphaned descendants (the jackd of a test that failed) children of
   this process, so that mxt_rig_sweep() can reap them: JACK takes the
   zombie of a server for a live one and will not start another of its
   name.  mxt_rig_begin() does this for main().
*/
void
mxt_rig_adopt_orphans(void);

/**
   Find what is left of the server called `name`: a process with that name
   among its arguments, its slot in JACK's registry of servers, or a file
   of it in /dev/shm.

   @param what Receives what was found.
   @return true if anything is left.
*/
bool
mxt_server_traces(const char* name, char* what, size_t size);

/**
   Clean up after the suite, in the parent process: mxt_rig_sweep(), then
   remove the log directory unless `keep` (a test failed: its logs are
   then printed as kept).
*/
void
mxt_rig_end(bool keep);

/**
   Stop everything the current test started: close its clients, stop mixd
   (SIGTERM, then SIGKILL) and the servers.  A checked fixture's teardown;
   safe to call twice.
*/
void
mxt_rig_teardown(void);

/// A path in the rig's directory: "DIR/NAME".
void
mxt_rig_path(char* buf, size_t size, const char* name);

/// Milliseconds on a monotonic clock.
double
mxt_now_ms(void);

/// Sleep between two polls (a few milliseconds).
void
mxt_poll_ms(double ms);

/**
   Write `text` to `path` atomically (a temporary file renamed over it), so
   mixd never reads half a session.

   @return false on an I/O error.
*/
bool
mxt_write_file(const char* path, const char* text);

/// Occurrences of `needle` in the file at `path` (0 if it cannot be read).
size_t
mxt_file_count(const char* path, const char* needle);

/// Times `needle` occurs in the files under `dir` (every level down).
size_t
mxt_tree_count(const char* dir, const char* needle);

/**
   Wait until `needle` occurs at least `count` times in the file at `path`.

   @return false after `timeout_ms`.
*/
bool
mxt_file_wait(const char* path, const char* needle, size_t count, double timeout_ms);

// ---------------------------------------------------------------------------
// A private JACK server

/// A jackd the rig started.
typedef struct {
  char  name[64];  ///< Server name ("mxt-PARENT-PID-N")
  pid_t pid;       ///< Its process, 0 when stopped
  char  log[512];  ///< Its stdout and stderr
  int   exit_code; ///< How the last one ended: exit status, 128 + signal, or -1
} MxtServer;

/**
   Start `jackd --no-realtime -n NAME -d dummy -r MXT_RATE -p MXT_PERIOD`
   (--realtime if mxt_rig_realtime(); the period of
   mxt_server_set_period() if set) and wait (MXT_TIMEOUT_MS)
   until a client can open on it.  That client, "mxt-watch", stays open
   until the server stops: libjack (1.9.21) has a race in which a client
   that closes while another opens leaves the opening one signalling a
   dead semaphore for whichever client next gets the closed one's number
   (it is never woken, and the graph stalls).

   @param name A name to reuse (restarting a server, or one reserved with
   mxt_server_name()), or NULL for a new unique one.
   @return false if it exited or did not answer in time (it is then
   killed); see server->log.
*/
bool
mxt_server_start(MxtServer* server, const char* name);

/**
   Start the servers of the current test with a period of `frames`
   instead of MXT_PERIOD (0: MXT_PERIOD again), for a test that counts
   xruns and needs a steadier dummy server than one of MXT_PERIOD frames
   is on a busy machine without realtime scheduling.  Call before
   mxt_server_start(); a test (a process forked by Check) sets its own.
*/
void
mxt_server_set_period(unsigned frames);

/**
   Stop a server with SIGTERM; SIGKILL if it is still there after 5 s.
   Then remove any file it left in /dev/shm, so that a server of the same
   name can start again.  No-op if it is not running.
*/
void
mxt_server_stop(MxtServer* server);

/// Kill a server with SIGKILL (a crash), then remove what it left in /dev/shm.
void
mxt_server_kill(MxtServer* server);

/// Reserve a unique server name without starting a server (to start mixd first).
void
mxt_server_name(MxtServer* server);

// ---------------------------------------------------------------------------
// mixd

/// A mixd the rig started.
typedef struct {
  pid_t pid;              ///< Its process, 0 once reaped
  char  client[64];       ///< The client name it was given (--name)
  char  server[64];       ///< The server it was pointed at (--server)
  char  log[512];         ///< Its stderr (--log-level info)
  char  session[512];     ///< Its session file ("" when started without one)
  char  session_dir[512]; ///< Its own session directory (--session-dir), made at start
  int   exit_code;        ///< Once reaped: exit status, 128 + signal; -1 before
} MxtMixd;

/**
   Write `session_text` to a session file and start
   `$top_builddir/daemon/mixd --server SERVER --session FILE --name CLIENT
   --log-level info --osc-port 0 --session-dir DIR [EXTRA]`, stderr to
   mixd->log.  DIR is a new directory of its own in the rig's, so tests
   never share (or lock) a session directory, nor read the user's.
   With `session_text` NULL there is no --session: mixd restores the
   autosave of its session directory (an extra --session-dir names one to
   reuse, as a restart does).  Returns at once; wait for its ports with
   mxt_client_wait_port().

   @param extra One more argument ("--no-wait"), or NULL.
   @return false if it could not be started.
*/
bool
mxt_mixd_start(MxtMixd*    mixd,
               const char* server,
               const char* client,
               const char* session_text,
               const char* extra);

/**
   mxt_mixd_start() with any number of extra arguments, in order: `extra`
   is NULL-terminated ({ "--osc-port", "0", NULL }), or NULL for none.

   @return false if it could not be started.
*/
bool
mxt_mixd_start_argv(MxtMixd*           mixd,
                    const char*        server,
                    const char*        client,
                    const char*        session_text,
                    const char* const* extra);

/**
   Wait until mixd has logged where it listens for OSC ("OSC on ADDR port
   N (UDP)"), so that a test can start it with --osc-port 0 (any free
   port) and never collide with another mixd on the machine.

   @return The UDP port, or 0 after `timeout_ms` (it did not listen).
*/
unsigned
mxt_mixd_osc_port(const MxtMixd* mixd, double timeout_ms);

/// True while the process runs (it has not exited).
bool
mxt_mixd_alive(MxtMixd* mixd);

/**
   Wait for mixd to exit by itself.

   @return Its exit code (mixd->exit_code), or -1 after `timeout_ms`.
*/
int
mxt_mixd_wait(MxtMixd* mixd, double timeout_ms);

/**
   Send `sig` (SIGTERM, SIGINT) and wait for mixd to exit; SIGKILL after
   MXT_TIMEOUT_MS.

   @return Its exit code: the status it exited with, or 128 + the signal
   that killed it.
*/
int
mxt_mixd_stop(MxtMixd* mixd, int sig);

/**
   Rewrite mixd's session file with `session_text`, send SIGHUP and wait
   until mixd has logged the outcome ("reloaded" or a failure).

   @return 1 if it reloaded, 0 if it refused the session (logged), -1 if
   it said nothing within MXT_TIMEOUT_MS.
*/
int
mxt_mixd_reload(MxtMixd* mixd, const char* session_text);

// ---------------------------------------------------------------------------
// Test clients: a feeder that plays, a recorder that records

/// A test JACK client (opaque; heap object).
typedef struct MxtClientImpl MxtClient;

/// Most irregular cycles a client keeps (mxt_client_irregular()).
#define MXT_MAX_IRREGULAR 1024U

/// One process cycle of a take.
typedef struct {
  jack_nframes_t time;   ///< Frame time of its first sample (jack_last_frame_time())
  uint32_t       offset; ///< Index of its first sample in the take
  uint32_t       frames; ///< Samples it holds
} MxtBlock;

/// What mxt_client_take() recorded; points into the client (valid until the next take).
typedef struct {
  const float*    ch[MXT_MAX_PORTS]; ///< [input port]: samples
  size_t          frames;            ///< Samples per port
  jack_nframes_t  start;             ///< Frame time of the first sample
  const MxtBlock* blocks;            ///< The cycles it was recorded in
  size_t          n_blocks;          ///< Entries of `blocks`
  size_t          gaps;              ///< Blocks whose frame time does not follow the one before
} MxtTake;

/**
   Open a client on `server`, register `n_outputs` output ports "out_1",
   "out_2", ... (silent) and `n_inputs` input ports "in_1", ..., and
   activate it.

   Free with mxt_client_close() (the rig's teardown also does).
   @param name Exact client name (JackUseExactName).
   @param capacity Longest take, frames per input port.
   @return NULL on failure.
*/
MxtClient*
mxt_client_open(const char* server,
                const char* name,
                unsigned    n_outputs,
                unsigned    n_inputs,
                size_t      capacity);

/**
   mxt_client_open() without the activation: the client's ports exist, and
   JACK refuses to connect them, until mxt_client_activate().  A program
   that is starting looks so to other clients.
*/
MxtClient*
mxt_client_open_inactive(const char* server,
                         const char* name,
                         unsigned    n_outputs,
                         unsigned    n_inputs,
                         size_t      capacity);

/// Activate a client of mxt_client_open_inactive(); false if JACK refused.
bool
mxt_client_activate(MxtClient* client);

/// Deactivate and close a client; NULL is a no-op.
void
mxt_client_close(MxtClient* client);

/// The JACK client, for queries of the graph.
jack_client_t*
mxt_client_jack(const MxtClient* client);

/// True once the server has shut the client down (it went away).
bool
mxt_client_gone(const MxtClient* client);

/// Xruns the server reported to this client since it opened.  Any thread.
uint64_t
mxt_client_xruns(const MxtClient* client);

/**
   The frame times of the client's irregular cycles so far: those whose
   jack_last_frame_time() was not the previous cycle's plus its length.
   On a steady server there are none.  When a client runs a cycle late,
   after the server has begun the next one, it reads the next cycle's
   frame time (and then reads it again in that cycle): a loop it plays or
   a block it records is placed one cycle off.  These are the times to
   suspect.  Any thread; at most MXT_MAX_IRREGULAR are kept.

   @param times Set to the first of them, in order.
   @return How many there are.
*/
size_t
mxt_client_irregular(const MxtClient* client, const jack_nframes_t** times);

/// Full name of output port `i` ("feed:out_1" for i = 0).
const char*
mxt_client_output(const MxtClient* client, unsigned i);

/// Full name of input port `i` ("rec:in_1" for i = 0).
const char*
mxt_client_input(const MxtClient* client, unsigned i);

/**
   Play `loop` on output port `i`: at frame time t the port outputs
   loop[t mod length].  The buffer is copied; NULL (or length 0) is
   silence.  Takes effect at the next cycle.

   @return false if out of memory.
*/
bool
mxt_client_play(MxtClient* client, unsigned i, const float* loop, size_t length);

/**
   Connect two ports by full name, trying again until JACK accepts (it
   refuses while a port's client is not yet active).

   @return false if JACK still refused after `timeout_ms`.
*/
bool
mxt_client_connect(MxtClient* client, const char* from, const char* to, double timeout_ms);

/**
   Wait until the port called `name` exists (`present`) or does not.

   @return false after `timeout_ms`.
*/
bool
mxt_client_wait_port(MxtClient* client, const char* name, bool present, double timeout_ms);

/// True if output `from` is connected to input `to` (both full names).
bool
mxt_client_connected(MxtClient* client, const char* from, const char* to);

/**
   Wait until output `from` is connected to input `to`.

   @return false after `timeout_ms`.
*/
bool
mxt_client_wait_connected(MxtClient* client, const char* from, const char* to, double timeout_ms);

/**
   Ask the process callback to record `frames` frames of every input port,
   from its next cycle on.  Returns at once: collect the take with
   mxt_client_take().  A request replaces any unfinished one.
*/
void
mxt_client_record(MxtClient* client, size_t frames);

/// End the take asked for by mxt_client_record() at the end of the next cycle.
void
mxt_client_record_stop(MxtClient* client);

/**
   Wait until the take asked for by mxt_client_record() is complete.

   @return false after `timeout_ms` (the server stopped, or the client is
   not running).
*/
bool
mxt_client_take(MxtClient* client, double timeout_ms, MxtTake* take);

/// mxt_client_record() and mxt_client_take() with MXT_TIMEOUT_MS.
bool
mxt_client_record_take(MxtClient* client, size_t frames, MxtTake* take);

// ---------------------------------------------------------------------------
// An OSC client: messages by hand, over UDP on the loopback

/*
  The rig writes and reads OSC 1.0 itself (strings padded to four bytes,
  big-endian numbers, "#bundle" with a time tag and sized elements) rather
  than with liblo, which mixd uses: a test then checks mixd against an
  independent reading of the wire format, and can send any malformed
  packet it likes.  Received bundles are unpacked, depth first, into a
  queue of messages that remember which datagram brought them.
*/

/// Most arguments of a message the rig reads or writes.
#define MXT_OSC_MAX_ARGS 16U

/// Longest string argument kept, bytes (longer ones are cut).
#define MXT_OSC_MAX_STRING 256U

/// One argument of a received message.
typedef struct {
  char    type;                  ///< Its type tag: i f s h d T F N (others: no value read)
  int32_t i;                     ///< 'i' (and the bits of an 'f')
  int64_t h;                     ///< 'h'
  float   f;                     ///< 'f'
  double  d;                     ///< 'd'
  char    s[MXT_OSC_MAX_STRING]; ///< 's' and 'S'
} MxtOscArg;

/// A received message.
typedef struct {
  char           path[MXT_OSC_MAX_STRING];     ///< Address
  char           types[MXT_OSC_MAX_ARGS + 1U]; ///< Type tags, without the ','
  MxtOscArg      arg[MXT_OSC_MAX_ARGS];        ///< Arguments
  unsigned       argc;                         ///< Entries of `arg`
  uint64_t       packet;                       ///< Datagram it came in, counted from 1
  bool           bundled;                      ///< It came in a bundle
  double         at_ms;                        ///< When it was read (mxt_now_ms())
  jack_nframes_t at_frame; ///< The frame time then (mxt_osc_set_clock()), else 0
} MxtOscMsg;

/// An OSC client socket (opaque; heap object).
typedef struct MxtOscImpl MxtOsc;

/**
   Open a UDP socket on 127.0.0.1 (any free port) that sends to
   127.0.0.1:`port`.  Free with mxt_osc_close().

   @return NULL on failure.
*/
MxtOsc*
mxt_osc_open(unsigned port);

/// Close a client; NULL is a no-op.
void
mxt_osc_close(MxtOsc* osc);

/// The port the client's socket is bound to (where replies come).
unsigned
mxt_osc_local_port(const MxtOsc* osc);

/**
   Read the JACK clock of `clock` right before every datagram the client
   sends (mxt_osc_sent_frames()), to place a change in the audio.  NULL
   stops.
*/
void
mxt_osc_set_clock(MxtOsc* osc, jack_client_t* clock);

/**
   Where the server was when the last datagram was sent (see
   mxt_osc_set_clock()), both read right before sendto().

   @param now The estimated current frame time (jack_frame_time(), never
   before the start of the cycle that has begun).
   @param cycle The frame time at the start of the cycle the server last
   began (jack_last_frame_time()): a change that reaches mixd then can
   apply from this cycle on (if mixd has not run it yet), not before.
*/
void
mxt_osc_sent_frames(const MxtOsc* osc, jack_nframes_t* now, jack_nframes_t* cycle);

/**
   Write one OSC message: `types` holds a tag per argument, each followed
   in the varargs by its value: 'i' int, 'h' int64_t, 'f' and 'd' double,
   's' const char*; 'T', 'F' and 'N' take none.

   @return Its size, or 0 if it does not fit in `size` bytes (or a tag is unknown).
*/
size_t
mxt_osc_encode(uint8_t* buf, size_t size, const char* path, const char* types, ...);

/// mxt_osc_encode() with a va_list.
size_t
mxt_osc_vencode(uint8_t* buf, size_t size, const char* path, const char* types, va_list args);

/**
   Send one message (see mxt_osc_encode()), or, between
   mxt_osc_bundle_begin() and mxt_osc_bundle_end(), add it to the bundle.

   @return false if it could not be written or sent.
*/
bool
mxt_osc_send(MxtOsc* osc, const char* path, const char* types, ...);

/// Start a bundle (time tag "immediately"): messages sent until mxt_osc_bundle_end() go in it.
void
mxt_osc_bundle_begin(MxtOsc* osc);

/// Send the bundle started by mxt_osc_bundle_begin().  @return false if it was not sent.
bool
mxt_osc_bundle_end(MxtOsc* osc);

/// Send `size` bytes as one datagram, whatever they hold.  @return false if not sent.
bool
mxt_osc_send_raw(MxtOsc* osc, const void* data, size_t size);

/**
   Take the next message received, waiting up to `timeout_ms` for one.

   @return false if none came in time (`*msg` is then cleared: an empty
   address, no arguments).
*/
bool
mxt_osc_recv(MxtOsc* osc, double timeout_ms, MxtOscMsg* msg);

/**
   Take messages until one at `path` (exactly) arrives, or "/error" if
   `errors`; the others are dropped.

   @return false after `timeout_ms`.
*/
bool
mxt_osc_wait(MxtOsc* osc, const char* path, bool errors, double timeout_ms, MxtOscMsg* msg);

/// Drop everything received so far.  @return The number of messages dropped.
size_t
mxt_osc_drain(MxtOsc* osc);

/// Datagrams received so far.
uint64_t
mxt_osc_packets(const MxtOsc* osc);

/// Write a message as text ("/strip/vox/fader f:-12"), for failure messages.
void
mxt_osc_format(const MxtOscMsg* msg, char* buf, size_t size);

#endif // MX_TESTS_JACK_RIG_H
