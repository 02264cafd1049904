// SPDX-License-Identifier: GPL-3.0-or-later

#include "ring.h"
#include "testutil.h"

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { HDR = MX_RING_HEADER_SIZE };

// Fill `n` bytes with a pattern that depends on `seed` and on the position
static void
fill_pattern(uint8_t* const out, const uint32_t n, const uint32_t seed)
{
  uint32_t x = seed * 2654435761U + 1U; // Knuth's multiplicative hash, never 0 here
  for (uint32_t i = 0U; i < n; ++i) {
    x ^= x << 13U; // xorshift32 (Marsaglia 2003)
    x ^= x >> 17U;
    x ^= x << 5U;
    out[i] = (uint8_t)(x >> 24U);
  }
}

// Index of the first of `n` bytes that differs, `n` if none
static uint32_t
first_byte_difference(const uint8_t* const a, const uint8_t* const b, const uint32_t n)
{
  uint32_t i = 0U;
  while (i < n && a[i] == b[i]) {
    ++i;
  }
  return i;
}

// ---------------------------------------------------------------- Lifecycle

static const uint32_t rounding_cases[][2] = {
  { 1U, 16U },    { 8U, 16U },      { 15U, 16U },     { 16U, 16U },       { 17U, 32U },
  { 100U, 128U }, { 1024U, 1024U }, { 1025U, 2048U }, { 65535U, 65536U }, { 1U << 20U, 1U << 20U },
};

START_TEST(capacity_rounds_up_to_power_of_two)
{
  MxRing* const ring = mx_ring_new(rounding_cases[_i][0]);
  ck_assert_ptr_nonnull(ring);
  ck_assert_uint_eq(mx_ring_capacity(ring), rounding_cases[_i][1]);
  ck_assert_uint_eq(mx_ring_write_space(ring), rounding_cases[_i][1]);
  ck_assert_uint_eq(mx_ring_read_space(ring), 0U);
  mx_ring_free(ring);
}
END_TEST

START_TEST(bad_sizes_give_null)
{
  ck_assert_ptr_null(mx_ring_new(0U));
  ck_assert_ptr_null(mx_ring_new(MX_RING_MAX_CAPACITY + 1U));
  ck_assert_ptr_null(mx_ring_new(UINT32_MAX));
}
END_TEST

START_TEST(free_null_is_noop)
{
  mx_ring_free(NULL);
}
END_TEST

START_TEST(mlock_is_optional)
{
  // Locking may be refused (RLIMIT_MEMLOCK); either way the ring works
  MxRing* const  ring = mx_ring_new(4096U);
  const MxStatus st   = mx_ring_mlock(ring);
  ck_assert(st == MX_SUCCESS || st == MX_FAILURE);
  ck_assert_int_eq(mx_ring_mlock(ring), st); // Idempotent

  uint32_t type = 0U;
  uint32_t body = 0U;
  ck_assert_int_eq(mx_ring_write(ring, 3U, "abcd", 4U), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_read(ring, &type, &body, sizeof(body), NULL), MX_SUCCESS);
  ck_assert_uint_eq(type, 3U);
  ck_assert_mem_eq(&body, "abcd", 4U);
  mx_ring_free(ring);
}
END_TEST

// ---------------------------------------------------------------- Messages

START_TEST(empty_ring_reads_nothing)
{
  MxRing* const ring = mx_ring_new(64U);
  uint32_t      type = 99U;
  uint32_t      size = 99U;
  uint8_t       body[16];

  ck_assert_uint_eq(mx_ring_read_space(ring), 0U);
  ck_assert_uint_eq(mx_ring_write_space(ring), 64U);
  ck_assert_int_eq(mx_ring_peek(ring, &type, &size), MX_FAILURE);
  ck_assert_int_eq(mx_ring_read(ring, &type, body, sizeof(body), &size), MX_FAILURE);
  ck_assert_int_eq(mx_ring_skip(ring), MX_FAILURE);
  ck_assert_int_eq(
    mx_ring_read_until(ring, mx_ring_snapshot(ring), &type, body, sizeof(body), &size), MX_FAILURE);
  ck_assert_uint_eq(type, 99U); // Untouched
  ck_assert_uint_eq(size, 99U);
  mx_ring_free(ring);
}
END_TEST

START_TEST(write_then_read_round_trips)
{
  MxRing* const ring = mx_ring_new(64U);
  uint32_t      type = 0U;
  uint32_t      size = 0U;
  char          body[32];

  ck_assert_int_eq(mx_ring_write(ring, 0xDEADBEEFU, "hello", 5U), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_write(ring, 2U, NULL, 0U), MX_SUCCESS); // Empty body
  ck_assert_int_eq(mx_ring_write2(ring, 3U, "head", 4U, "tail!", 5U), MX_SUCCESS);
  ck_assert_uint_eq(mx_ring_read_space(ring), HDR + 5U + HDR + HDR + 9U);
  ck_assert_uint_eq(mx_ring_write_space(ring), 64U - (HDR + 5U + HDR + HDR + 9U));

  // Peek twice: it consumes nothing
  for (unsigned k = 0U; k < 2U; ++k) {
    ck_assert_int_eq(mx_ring_peek(ring, &type, &size), MX_SUCCESS);
    ck_assert_uint_eq(type, 0xDEADBEEFU);
    ck_assert_uint_eq(size, 5U);
  }
  ck_assert_int_eq(mx_ring_read(ring, &type, body, sizeof(body), &size), MX_SUCCESS);
  ck_assert_uint_eq(type, 0xDEADBEEFU);
  ck_assert_uint_eq(size, 5U);
  ck_assert_mem_eq(body, "hello", 5U);

  // An empty body reads into no buffer at all
  ck_assert_int_eq(mx_ring_read(ring, &type, NULL, 0U, &size), MX_SUCCESS);
  ck_assert_uint_eq(type, 2U);
  ck_assert_uint_eq(size, 0U);

  // Two parts arrive as one body
  ck_assert_int_eq(mx_ring_read(ring, &type, body, sizeof(body), &size), MX_SUCCESS);
  ck_assert_uint_eq(type, 3U);
  ck_assert_uint_eq(size, 9U);
  ck_assert_mem_eq(body, "headtail!", 9U);

  ck_assert_uint_eq(mx_ring_read_space(ring), 0U);
  ck_assert_uint_eq(mx_ring_write_space(ring), 64U);
  ck_assert_int_eq(mx_ring_peek(ring, NULL, NULL), MX_FAILURE);
  mx_ring_free(ring);
}
END_TEST

START_TEST(message_that_does_not_fit_is_refused_whole)
{
  MxRing* const ring = mx_ring_new(64U);
  uint8_t       a[30];
  uint8_t       b[64];
  uint8_t       out[64];
  uint32_t      type = 0U;
  uint32_t      size = 0U;
  fill_pattern(a, sizeof(a), 1U);
  fill_pattern(b, sizeof(b), 2U);

  // 38 bytes queued, 26 free: a 20-byte body needs 28
  ck_assert_int_eq(mx_ring_write(ring, 1U, a, 30U), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_write(ring, 2U, b, 20U), MX_FAILURE);
  ck_assert_int_eq(mx_ring_write2(ring, 2U, b, 10U, b + 10, 10U), MX_FAILURE);
  ck_assert_uint_eq(mx_ring_read_space(ring), 38U);
  ck_assert_uint_eq(mx_ring_write_space(ring), 26U);

  // Exactly the space left fits, and then the ring is full
  ck_assert_int_eq(mx_ring_write(ring, 3U, b, 18U), MX_SUCCESS);
  ck_assert_uint_eq(mx_ring_write_space(ring), 0U);
  ck_assert_int_eq(mx_ring_write(ring, 4U, NULL, 0U), MX_FAILURE);
  ck_assert_uint_eq(mx_ring_read_space(ring), 64U);

  ck_assert_int_eq(mx_ring_read(ring, &type, out, sizeof(out), &size), MX_SUCCESS);
  ck_assert_uint_eq(type, 1U);
  ck_assert_uint_eq(size, 30U);
  ck_assert_mem_eq(out, a, 30U);
  ck_assert_int_eq(mx_ring_read(ring, &type, out, sizeof(out), &size), MX_SUCCESS);
  ck_assert_uint_eq(type, 3U);
  ck_assert_uint_eq(size, 18U);
  ck_assert_mem_eq(out, b, 18U);
  ck_assert_int_eq(mx_ring_read(ring, &type, out, sizeof(out), &size), MX_FAILURE);
  mx_ring_free(ring);
}
END_TEST

START_TEST(too_large_or_null_body_is_an_error)
{
  MxRing* const ring = mx_ring_new(64U);
  uint8_t       b[64];
  fill_pattern(b, sizeof(b), 3U);

  // Larger than an empty ring holds: never fits, so not MX_FAILURE
  ck_assert_int_eq(mx_ring_write(ring, 1U, b, 64U - HDR + 1U), MX_ERR_RANGE);
  ck_assert_int_eq(mx_ring_write2(ring, 1U, b, 40U, b, 17U), MX_ERR_RANGE);
  ck_assert_int_eq(mx_ring_write2(ring, 1U, b, UINT32_MAX, b, 2U), MX_ERR_RANGE);
  ck_assert_int_eq(mx_ring_write2(ring, 1U, b, 2U, b, UINT32_MAX - 1U), MX_ERR_RANGE);
  ck_assert_int_eq(mx_ring_write(ring, 1U, NULL, 1U), MX_ERR_BAD_ARG);
  ck_assert_int_eq(mx_ring_write2(ring, 1U, b, 1U, NULL, 1U), MX_ERR_BAD_ARG);
  ck_assert_uint_eq(mx_ring_read_space(ring), 0U);

  // The largest body fills the ring exactly
  ck_assert_int_eq(mx_ring_write(ring, 1U, b, 64U - HDR), MX_SUCCESS);
  ck_assert_uint_eq(mx_ring_write_space(ring), 0U);
  ck_assert_int_eq(mx_ring_read(ring, NULL, NULL, 1U, NULL), MX_ERR_BAD_ARG);
  ck_assert_uint_eq(mx_ring_read_space(ring), 64U);
  mx_ring_free(ring);
}
END_TEST

START_TEST(small_read_buffer_leaves_message_queued)
{
  MxRing* const ring = mx_ring_new(64U);
  uint8_t       in[10];
  uint8_t       out[10];
  uint32_t      type = 0U;
  uint32_t      size = 0U;
  fill_pattern(in, sizeof(in), 4U);

  ck_assert_int_eq(mx_ring_write(ring, 7U, in, 10U), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_write(ring, 8U, in, 1U), MX_SUCCESS);
  memset(out, 0xAA, sizeof(out));
  ck_assert_int_eq(mx_ring_read(ring, &type, out, 9U, &size), MX_ERR_RANGE);
  ck_assert_uint_eq(type, 7U); // Says what did not fit
  ck_assert_uint_eq(size, 10U);
  ck_assert_uint_eq(out[0], 0xAAU); // Nothing copied
  ck_assert_uint_eq(mx_ring_read_space(ring), HDR + 10U + HDR + 1U);

  // A large enough buffer gets it, whole
  ck_assert_int_eq(mx_ring_read(ring, &type, out, 10U, &size), MX_SUCCESS);
  ck_assert_uint_eq(type, 7U);
  ck_assert_mem_eq(out, in, 10U);

  // Or it can be dropped
  ck_assert_int_eq(mx_ring_write(ring, 9U, in, 10U), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_read(ring, &type, out, 1U, &size), MX_SUCCESS);
  ck_assert_uint_eq(type, 8U);
  ck_assert_int_eq(mx_ring_read(ring, &type, out, 1U, &size), MX_ERR_RANGE);
  ck_assert_int_eq(mx_ring_skip(ring), MX_SUCCESS);
  ck_assert_uint_eq(mx_ring_read_space(ring), 0U);
  mx_ring_free(ring);
}
END_TEST

// ---------------------------------------------------------------- Wrap-around

enum { WRAP_CAP = 32 };

/*
  For every start position in a 32-byte ring (loop index = position),
  write messages that begin there, so that the wrap falls at every byte of
  a header and of a body: a full-ring message (8 + 24 bytes), a two-part
  message, and a small one.  First move the indices to the position with
  two messages of 16 to 32 bytes, written and read.
*/
START_TEST(messages_straddling_the_end_stay_intact)
{
  const uint32_t start = (uint32_t)_i;
  MxRing* const  ring  = mx_ring_new(WRAP_CAP);
  uint8_t        in[WRAP_CAP];
  uint8_t        out[WRAP_CAP];
  uint32_t       type = 0U;
  uint32_t       size = 0U;

  const uint32_t advance = start + WRAP_CAP;
  const uint32_t parts[] = { advance / 2U, advance - advance / 2U };
  for (unsigned k = 0U; k < 2U; ++k) {
    fill_pattern(in, parts[k] - HDR, 10U + k);
    ck_assert_int_eq(mx_ring_write(ring, k, in, parts[k] - HDR), MX_SUCCESS);
    ck_assert_int_eq(mx_ring_read(ring, &type, out, sizeof(out), &size), MX_SUCCESS);
    ck_assert_uint_eq(size, parts[k] - HDR);
  }
  ck_assert_uint_eq(mx_ring_read_space(ring), 0U);

  // A message that fills the ring, starting at `start`
  fill_pattern(in, WRAP_CAP - HDR, 100U + start);
  ck_assert_int_eq(mx_ring_write(ring, 0xA0U + start, in, WRAP_CAP - HDR), MX_SUCCESS);
  ck_assert_uint_eq(mx_ring_write_space(ring), 0U);
  memset(out, 0, sizeof(out));
  ck_assert_int_eq(mx_ring_read(ring, &type, out, sizeof(out), &size), MX_SUCCESS);
  ck_assert_uint_eq(type, 0xA0U + start);
  ck_assert_uint_eq(size, WRAP_CAP - HDR);
  ck_assert_uint_eq(first_byte_difference(out, in, size), size);

  // Two parts and a small message, now one lap later
  fill_pattern(in, 15U, 200U + start);
  ck_assert_int_eq(mx_ring_write2(ring, 5U, in, 7U, in + 7, 8U), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_write(ring, 6U, in, 1U), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_read(ring, &type, out, sizeof(out), &size), MX_SUCCESS);
  ck_assert_uint_eq(type, 5U);
  ck_assert_uint_eq(size, 15U);
  ck_assert_uint_eq(first_byte_difference(out, in, 15U), 15U);
  ck_assert_int_eq(mx_ring_read(ring, &type, out, sizeof(out), &size), MX_SUCCESS);
  ck_assert_uint_eq(type, 6U);
  ck_assert_uint_eq(size, 1U);
  ck_assert_uint_eq(out[0], in[0]);
  ck_assert_uint_eq(mx_ring_read_space(ring), 0U);
  mx_ring_free(ring);
}
END_TEST

enum { MODEL_CAP = 256, MODEL_MAX_BODY = 120, MODEL_QUEUE = MODEL_CAP / HDR, MODEL_STEPS = 200000 };

// A message as the model remembers it
typedef struct {
  uint32_t type;
  uint32_t size;
  uint32_t seed; ///< fill_pattern() seed of the body
} ModelMessage;

/*
  Random writes, reads, peeks and skips against a model FIFO, one thread:
  every status, every read_space and write_space, and every byte read must
  match the model.  200,000 steps run the 32-bit indices round a 256-byte
  ring some 20,000 times, so messages start at every offset.
*/
START_TEST(random_operations_match_a_model)
{
  MxRing* const ring = mx_ring_new(MODEL_CAP);
  ModelMessage  queue[MODEL_QUEUE];
  unsigned      head   = 0U; // Oldest message, index into queue
  unsigned      count  = 0U; // Messages queued
  uint32_t      queued = 0U; // Bytes queued
  uint32_t      rng    = 0x12345678U;
  uint8_t       in[MODEL_MAX_BODY];
  uint8_t       out[MODEL_MAX_BODY];
  unsigned      bad       = 0U; // Steps where the ring and the model disagreed
  unsigned      first_bad = 0U;

  for (unsigned step = 0U; step < MODEL_STEPS; ++step) {
    rng ^= rng << 13U; // xorshift32
    rng ^= rng >> 17U;
    rng ^= rng << 5U;
    const unsigned op   = rng % 8U;
    const uint32_t size = (rng >> 8U) % (MODEL_MAX_BODY + 1U);
    bool           ok   = true;

    if (op < 4U) { // Write, one part or two
      const uint32_t split = size / 3U;
      fill_pattern(in, size, step);
      const MxStatus st   = op % 2U ? mx_ring_write(ring, step, in, size)
                                    : mx_ring_write2(ring, step, in, split, in + split, size - split);
      const bool     fits = HDR + size <= MODEL_CAP - queued;
      ok                  = st == (fits ? MX_SUCCESS : MX_FAILURE);
      if (fits) {
        queue[(head + count) % MODEL_QUEUE] = (ModelMessage){ step, size, step };
        ++count;
        queued += HDR + size;
      }
    } else if (op < 7U) { // Peek, then read
      uint32_t type = 0U;
      uint32_t got  = 0U;
      if (!count) {
        ok = mx_ring_peek(ring, &type, &got) == MX_FAILURE &&
             mx_ring_read(ring, &type, out, sizeof(out), &got) == MX_FAILURE;
      } else {
        const ModelMessage m = queue[head];
        fill_pattern(in, m.size, m.seed);
        ok = mx_ring_peek(ring, &type, &got) == MX_SUCCESS && type == m.type && got == m.size &&
             mx_ring_read(ring, &type, out, sizeof(out), &got) == MX_SUCCESS && type == m.type &&
             got == m.size && first_byte_difference(out, in, m.size) == m.size;
        head = (head + 1U) % MODEL_QUEUE;
        --count;
        queued -= HDR + m.size;
      }
    } else if (count) { // Drop one
      ok = mx_ring_skip(ring) == MX_SUCCESS;
      queued -= HDR + queue[head].size;
      head = (head + 1U) % MODEL_QUEUE;
      --count;
    }

    ok =
      ok && mx_ring_read_space(ring) == queued && mx_ring_write_space(ring) == MODEL_CAP - queued;
    if (!ok && !bad++) {
      first_bad = step;
    }
  }
  ck_assert_msg(
    bad == 0U, "%u of %u steps disagree, first at step %u", bad, MODEL_STEPS, first_bad);
  mx_ring_free(ring);
}
END_TEST

// ---------------------------------------------------------------- Snapshot

START_TEST(messages_after_snapshot_wait_for_next_cycle)
{
  MxRing* const ring = mx_ring_new(256U);
  uint32_t      type = 0U;
  uint8_t       body[8];

  ck_assert_int_eq(mx_ring_write(ring, 1U, "a", 1U), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_write(ring, 2U, "bb", 2U), MX_SUCCESS);

  // Cycle 1 begins; a message arrives during it
  const uint32_t end = mx_ring_snapshot(ring);
  ck_assert_int_eq(mx_ring_write(ring, 3U, "ccc", 3U), MX_SUCCESS);
  unsigned got = 0U;
  while (mx_ring_read_until(ring, end, &type, body, sizeof(body), NULL) == MX_SUCCESS) {
    ck_assert_uint_eq(type, ++got);
    // The writer keeps writing: none of it belongs to this cycle
    ck_assert_int_eq(mx_ring_write(ring, 10U + got, NULL, 0U), MX_SUCCESS);
  }
  ck_assert_uint_eq(got, 2U);
  ck_assert_uint_eq(mx_ring_read_space(ring), HDR + 3U + 2U * HDR);

  // Cycle 2 gets what came during cycle 1
  const uint32_t end2 = mx_ring_snapshot(ring);
  uint32_t       seen[4];
  got = 0U;
  while (got < 4U &&
         mx_ring_read_until(ring, end2, &seen[got], body, sizeof(body), NULL) == MX_SUCCESS) {
    ++got;
  }
  ck_assert_uint_eq(got, 3U);
  ck_assert_uint_eq(seen[0], 3U);
  ck_assert_uint_eq(seen[1], 11U);
  ck_assert_uint_eq(seen[2], 12U);
  mx_ring_free(ring);
}
END_TEST

START_TEST(stale_snapshot_reads_nothing)
{
  // A snapshot that later reads have passed must not read as a huge budget
  MxRing* const ring = mx_ring_new(64U);
  uint32_t      type = 0U;
  uint8_t       body[8];

  const uint32_t old = mx_ring_snapshot(ring);
  ck_assert_int_eq(mx_ring_write(ring, 1U, "a", 1U), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_write(ring, 2U, "b", 1U), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_read_until(ring, old, &type, body, sizeof(body), NULL), MX_FAILURE);
  ck_assert_int_eq(mx_ring_read(ring, &type, body, sizeof(body), NULL), MX_SUCCESS);
  ck_assert_int_eq(mx_ring_read_until(ring, old, &type, body, sizeof(body), NULL), MX_FAILURE);
  ck_assert_uint_eq(mx_ring_read_space(ring), HDR + 1U);
  mx_ring_free(ring);
}
END_TEST

// ---------------------------------------------------------------- Threads

enum {
  STRESS_MAX_PAYLOAD = 200,
  STRESS_BODY        = STRESS_MAX_PAYLOAD + 4, // Payload, then its checksum
  STRESS_SECONDS     = 20,                     // Per run, times CK_TIMEOUT_MULTIPLIER
};

/*
  Ring sizes and message counts for the stress test: a ring that holds one
  or two messages and is nearly always full or empty (fewer messages, as
  every one costs a thread switch when the threads share a core), one full
  about every ten messages, and a roomy one.
*/
static const uint32_t stress_cases[][2] = {
  { 256U, 200000U },
  { 1024U, 1000000U },
  { 65536U, 1000000U },
};

// State shared by the two threads; each result field has a single writer
typedef struct {
  MxRing*     ring;
  uint32_t    n_messages; ///< Messages to send
  double      deadline;   ///< CLOCK_MONOTONIC seconds at which both give up
  atomic_bool stop;       ///< Set by a thread that failed, to end the other
  uint32_t    sent;       ///< Writer: messages written
  uint32_t    received;   ///< Reader: messages read and checked
  uint64_t    full;       ///< Writer: writes refused because the ring was full
  uint64_t    cycles;     ///< Reader: snapshots taken
  char        error[160]; ///< Reader: first inconsistency, "" if none
} Stress;

static double
now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// Payload length of message `seq`, 0 to STRESS_MAX_PAYLOAD
static uint32_t
payload_size(const uint32_t seq)
{
  return (seq * 2654435761U >> 16U) % (STRESS_MAX_PAYLOAD + 1U);
}

// FNV-1a, 32 bits (Fowler, Noll, Vo)
static uint32_t
checksum(const uint8_t* const bytes, const uint32_t n)
{
  uint32_t h = 2166136261U;
  for (uint32_t i = 0U; i < n; ++i) {
    h = (h ^ bytes[i]) * 16777619U;
  }
  return h;
}

// Give up when failed elsewhere or out of time
static bool
should_stop(Stress* const s)
{
  return atomic_load_explicit(&s->stop, memory_order_relaxed) || now_s() > s->deadline;
}

// Send messages 0..n_messages-1: type = sequence number, body = payload
// then its checksum, alternately in one part and in two
static void*
writer_thread(void* const arg)
{
  Stress* const s = (Stress*)arg;
  uint8_t       body[STRESS_BODY];

  for (uint32_t seq = 0U; seq < s->n_messages; ++seq) {
    const uint32_t n = payload_size(seq);
    fill_pattern(body, n, seq);
    const uint32_t sum = checksum(body, n);
    memcpy(body + n, &sum, sizeof(sum));

    for (;;) {
      const MxStatus st = seq % 2U ? mx_ring_write(s->ring, seq, body, n + 4U)
                                   : mx_ring_write2(s->ring, seq, body, n, &sum, 4U);
      if (st == MX_SUCCESS) {
        break;
      }
      if (st != MX_FAILURE || should_stop(s)) {
        atomic_store(&s->stop, true);
        return NULL;
      }
      ++s->full;
      sched_yield();
    }
    s->sent = seq + 1U;
  }
  return NULL;
}

// Record the first inconsistency and stop both threads
static void
record_error(Stress* const s, const uint32_t seq, const char* const what, const uint32_t value)
{
  snprintf(s->error, sizeof(s->error), "message %u: %s (%u)", seq, what, value);
  atomic_store(&s->stop, true);
}

// Check one message read from the ring; false (and a recorded error) if wrong
static bool
check_message(Stress* const s, const uint32_t type, const uint8_t* const body, const uint32_t size)
{
  const uint32_t seq = s->received;
  if (type != seq) {
    record_error(s, seq, "out of order, got", type);
    return false;
  }
  const uint32_t n = payload_size(seq);
  if (size != n + 4U) {
    record_error(s, seq, "wrong size", size);
    return false;
  }

  uint32_t sum = 0U;
  memcpy(&sum, body + n, sizeof(sum));
  if (sum != checksum(body, n)) {
    record_error(s, seq, "bad checksum", sum);
    return false;
  }

  uint8_t expected[STRESS_MAX_PAYLOAD];
  fill_pattern(expected, n, seq);
  const uint32_t at = first_byte_difference(body, expected, n);
  if (at != n) {
    record_error(s, seq, "wrong byte at", at);
    return false;
  }
  return true;
}

// Receive as the audio thread does: per "cycle", take a snapshot and drain
// at most what it covers, peeking before each read
static void*
reader_thread(void* const arg)
{
  Stress* const s = (Stress*)arg;
  uint8_t       body[STRESS_BODY];

  while (s->received < s->n_messages) {
    const uint32_t end       = mx_ring_snapshot(s->ring);
    uint32_t       type      = 0U;
    uint32_t       size      = 0U;
    uint32_t       peek_type = 0U;
    uint32_t       peek_size = 0U;
    ++s->cycles;

    while (mx_ring_peek(s->ring, &peek_type, &peek_size) == MX_SUCCESS &&
           mx_ring_read_until(s->ring, end, &type, body, sizeof(body), &size) == MX_SUCCESS) {
      if (peek_type != type || peek_size != size) {
        record_error(s, s->received, "peek disagrees with read, size", peek_size);
        return NULL;
      }
      if (!check_message(s, type, body, size)) {
        return NULL;
      }
      ++s->received;
    }

    if (should_stop(s)) {
      atomic_store(&s->stop, true);
      return NULL;
    }
    sched_yield();
  }
  return NULL;
}

START_TEST(threads_pass_every_message_intact)
{
  const uint32_t capacity   = stress_cases[_i][0];
  const uint32_t n_messages = stress_cases[_i][1];
  const char*    multiplier = getenv("CK_TIMEOUT_MULTIPLIER");
  const double   scale      = multiplier && atof(multiplier) >= 1.0 ? atof(multiplier) : 1.0;

  Stress s;
  memset(&s, 0, sizeof(s));
  s.ring       = mx_ring_new(capacity);
  s.n_messages = n_messages;
  ck_assert_ptr_nonnull(s.ring);
  atomic_init(&s.stop, false);
  const double start = now_s();
  s.deadline         = start + STRESS_SECONDS * scale;

  pthread_t writer;
  pthread_t reader;
  ck_assert_int_eq(pthread_create(&reader, NULL, reader_thread, &s), 0);
  ck_assert_int_eq(pthread_create(&writer, NULL, writer_thread, &s), 0);
  pthread_join(writer, NULL);
  pthread_join(reader, NULL);
  const double elapsed = now_s() - start;

  ck_assert_msg(s.error[0] == '\0', "%s", s.error);
  ck_assert_msg(s.sent == n_messages && s.received == n_messages,
                "timed out after %.1f s: %u sent, %u received",
                elapsed,
                s.sent,
                s.received);
  ck_assert_uint_eq(mx_ring_read_space(s.ring), 0U);
  printf("ring stress, %u-byte ring: %u messages in %.2f s (%.0f messages/s), "
         "%llu full retries, %llu reader cycles\n",
         capacity,
         s.received,
         elapsed,
         s.received / elapsed,
         (unsigned long long)s.full,
         (unsigned long long)s.cycles);
  mx_ring_free(s.ring);
}
END_TEST

static Suite*
ring_suite(void)
{
  Suite* const s = suite_create("ring");

  TCase* const lifecycle = tcase_create("lifecycle");
  tcase_add_loop_test(
    lifecycle, capacity_rounds_up_to_power_of_two, 0, MXT_N_CASES(rounding_cases));
  tcase_add_test(lifecycle, bad_sizes_give_null);
  tcase_add_test(lifecycle, free_null_is_noop);
  tcase_add_test(lifecycle, mlock_is_optional);
  suite_add_tcase(s, lifecycle);

  TCase* const messages = tcase_create("messages");
  tcase_add_test(messages, empty_ring_reads_nothing);
  tcase_add_test(messages, write_then_read_round_trips);
  tcase_add_test(messages, message_that_does_not_fit_is_refused_whole);
  tcase_add_test(messages, too_large_or_null_body_is_an_error);
  tcase_add_test(messages, small_read_buffer_leaves_message_queued);
  suite_add_tcase(s, messages);

  TCase* const wrap = tcase_create("wrap_around");
  tcase_add_loop_test(wrap, messages_straddling_the_end_stay_intact, 0, WRAP_CAP);
  tcase_add_test(wrap, random_operations_match_a_model);
  suite_add_tcase(s, wrap);

  TCase* const snapshot = tcase_create("snapshot");
  tcase_add_test(snapshot, messages_after_snapshot_wait_for_next_cycle);
  tcase_add_test(snapshot, stale_snapshot_reads_nothing);
  suite_add_tcase(s, snapshot);

  // Real threads; the test bounds itself at STRESS_SECONDS, Check a little later
  TCase* const threads = tcase_create("threads");
  tcase_set_timeout(threads, STRESS_SECONDS + 10);
  tcase_add_loop_test(threads, threads_pass_every_message_intact, 0, MXT_N_CASES(stress_cases));
  suite_add_tcase(s, threads);
  return s;
}

int
main(void)
{
  return mxt_run_suite(ring_suite());
}
