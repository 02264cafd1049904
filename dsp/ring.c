// SPDX-License-Identifier: GPL-3.0-or-later

#include "ring.h"

#include <assert.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
  DESIGN: a byte buffer of `capacity` bytes, a power of two, and two
  free-running 32-bit counters: write_index, the bytes ever written, which
  only the writer stores, and read_index, the bytes ever consumed, which
  only the reader stores.  A counter masked by capacity - 1 is a position in
  the buffer, and write_index - read_index (mod 2^32) is the number of bytes
  queued, from 0 to capacity, so a full ring and an empty one differ and no
  byte is wasted.  Each message is an 8-byte {type, size} header and its
  body, copied in (and out) in up to two parts where it wraps.  The writer
  copies the whole message first and only then publishes it by storing the
  new write_index with release order; the reader loads it with acquire
  order, so it sees every byte of a message once it sees the message at
  all, and never half of one.  Symmetrically the reader copies a message out
  before releasing its bytes through read_index, which the writer loads
  with acquire order before reusing them.  Neither side ever waits: the
  writer gets MX_FAILURE when full, the reader when empty (zix's ring with
  jalv comm.h's {type, size} messages built in, and no byte reserved).  The two
  counters live on separate cache lines, so that the writer storing its own
  does not evict the line the reader stores, and the other way round.  A
  snapshot is a copy of write_index: reading "until" it bounds a drain to
  what had been queued when the snapshot was taken.  The object, counters
  and buffer together, is one allocation of whole pages, so that
  mx_ring_mlock() and mx_ring_free()'s munlock() touch no other object's
  pages.
*/

/// Bytes in a cache line (x86-64 and most ARM cores).
#define CACHE_LINE 64U

/// A message header as stored in the ring (unaligned: copied in and out).
typedef struct {
  uint32_t type; ///< Message type, the caller's
  uint32_t size; ///< Body size, bytes
} Header;

_Static_assert(sizeof(Header) == MX_RING_HEADER_SIZE, "header is two uint32_t");

struct MxRingImpl {
  // Set at construction, then only read: shared by both sides
  uint32_t capacity;   ///< Buffer size, bytes, a power of two
  uint32_t mask;       ///< capacity - 1
  size_t   alloc_size; ///< Bytes allocated for the whole object, whole pages
  bool     locked;     ///< mx_ring_mlock() succeeded (main thread only)

  /// Bytes ever written, mod 2^32: stored by the writer only
  alignas(CACHE_LINE) _Atomic(uint32_t) write_index;

  /// Bytes ever consumed, mod 2^32: stored by the reader only
  alignas(CACHE_LINE) _Atomic(uint32_t) read_index;

  /// The buffer, `capacity` bytes, on lines of its own
  alignas(CACHE_LINE) uint8_t buf[];
};

// Smallest power of two >= n, for 1 <= n <= 2^31
static uint32_t
round_up_pow2(uint32_t n)
{
  --n;
  n |= n >> 1U;
  n |= n >> 2U;
  n |= n >> 4U;
  n |= n >> 8U;
  n |= n >> 16U;
  return n + 1U;
}

// Copy `n` bytes into the ring at stream position `pos`, wrapping around
static void
copy_in(MxRing* const ring, const uint32_t pos, const void* const src, const uint32_t n)
{
  if (!n) {
    return; // src may be NULL
  }

  const uint32_t offset = pos & ring->mask;
  const uint32_t room   = ring->capacity - offset;
  const uint32_t first  = n < room ? n : room;
  memcpy(ring->buf + offset, src, first);
  if (n > first) {
    memcpy(ring->buf, (const uint8_t*)src + first, n - first);
  }
}

// Copy `n` bytes out of the ring from stream position `pos`, wrapping around
static void
copy_out(const MxRing* const ring, void* const dst, const uint32_t pos, const uint32_t n)
{
  if (!n) {
    return; // dst may be NULL
  }

  const uint32_t offset = pos & ring->mask;
  const uint32_t room   = ring->capacity - offset;
  const uint32_t first  = n < room ? n : room;
  memcpy(dst, ring->buf + offset, first);
  if (n > first) {
    memcpy((uint8_t*)dst + first, ring->buf, n - first);
  }
}

MxRing*
mx_ring_new(const uint32_t capacity_bytes)
{
  if (!capacity_bytes || capacity_bytes > MX_RING_MAX_CAPACITY) {
    return NULL;
  }

  const uint32_t capacity =
    capacity_bytes < MX_RING_MIN_CAPACITY ? MX_RING_MIN_CAPACITY : round_up_pow2(capacity_bytes);

  // One allocation in whole pages of its own, so that mlock() and munlock()
  // touch no other object's pages (locks on a page do not nest)
  const long   page       = sysconf(_SC_PAGESIZE);
  const size_t align      = page > 0 ? (size_t)page : 4096U;
  const size_t alloc_size = (sizeof(MxRing) + capacity + align - 1U) / align * align;
  MxRing*      ring       = (MxRing*)aligned_alloc(align, alloc_size);
  if (!ring) {
    return NULL;
  }

  ring->capacity   = capacity;
  ring->mask       = capacity - 1U;
  ring->alloc_size = alloc_size;
  ring->locked     = false;
  atomic_init(&ring->write_index, 0U);
  atomic_init(&ring->read_index, 0U);
  return ring;
}

void
mx_ring_free(MxRing* const ring)
{
  if (!ring) {
    return;
  }

  if (ring->locked) {
    munlock(ring, ring->alloc_size);
  }
  free(ring);
}

MxStatus
mx_ring_mlock(MxRing* const ring)
{
  if (ring->locked) {
    return MX_SUCCESS;
  }

  if (mlock(ring, ring->alloc_size)) {
    munlock(ring, ring->alloc_size); // mlock() may have locked some pages
    return MX_FAILURE;
  }

  ring->locked = true;
  return MX_SUCCESS;
}

uint32_t
mx_ring_capacity(const MxRing* const ring)
{
  return ring->capacity;
}

MxStatus
mx_ring_write(MxRing* const ring, const uint32_t type, const void* const body, const uint32_t size)
{
  return mx_ring_write2(ring, type, body, size, NULL, 0U);
}

MxStatus
mx_ring_write2(MxRing* const     ring,
               const uint32_t    type,
               const void* const head,
               const uint32_t    head_size,
               const void* const tail,
               const uint32_t    tail_size)
{
  if ((!head && head_size) || (!tail && tail_size)) {
    return MX_ERR_BAD_ARG;
  }

  // Sizes checked one at a time, so that their sum cannot overflow
  const uint32_t max_body = ring->capacity - MX_RING_HEADER_SIZE;
  if (head_size > max_body || tail_size > max_body - head_size) {
    return MX_ERR_RANGE;
  }

  // Only this thread stores write_index; acquire read_index, so that the
  // reader is done copying out the bytes about to be overwritten
  const Header   header = { type, head_size + tail_size };
  const uint32_t total  = MX_RING_HEADER_SIZE + header.size;
  const uint32_t w      = atomic_load_explicit(&ring->write_index, memory_order_relaxed);
  const uint32_t r      = atomic_load_explicit(&ring->read_index, memory_order_acquire);
  if (ring->capacity - (w - r) < total) {
    return MX_FAILURE;
  }

  // Copy the whole message, then publish it at once
  copy_in(ring, w, &header, MX_RING_HEADER_SIZE);
  copy_in(ring, w + MX_RING_HEADER_SIZE, head, head_size);
  copy_in(ring, w + MX_RING_HEADER_SIZE + head_size, tail, tail_size);
  atomic_store_explicit(&ring->write_index, w + total, memory_order_release);
  return MX_SUCCESS;
}

uint32_t
mx_ring_write_space(const MxRing* const ring)
{
  const uint32_t w = atomic_load_explicit(&ring->write_index, memory_order_relaxed);
  const uint32_t r = atomic_load_explicit(&ring->read_index, memory_order_acquire);
  return ring->capacity - (w - r);
}

uint32_t
mx_ring_read_space(const MxRing* const ring)
{
  const uint32_t w = atomic_load_explicit(&ring->write_index, memory_order_acquire);
  const uint32_t r = atomic_load_explicit(&ring->read_index, memory_order_relaxed);
  return w - r;
}

uint32_t
mx_ring_snapshot(const MxRing* const ring)
{
  return atomic_load_explicit(&ring->write_index, memory_order_acquire);
}

/*
  Get the header of the message at the reader's position `r` if it starts
  before stream position `end`, a write_index the reader loaded with
  acquire order.  `end` behind `r` (an old snapshot that reads have since
  passed) makes end - r wrap to more than the capacity: nothing to read.
*/
static MxStatus
next_header(const MxRing* const ring, const uint32_t r, const uint32_t end, Header* const header)
{
  const uint32_t queued = end - r;
  if (queued < MX_RING_HEADER_SIZE || queued > ring->capacity) {
    return MX_FAILURE;
  }

  copy_out(ring, header, r, MX_RING_HEADER_SIZE);

  // Messages are published whole
  assert(header->size <= queued - MX_RING_HEADER_SIZE);
  return MX_SUCCESS;
}

MxStatus
mx_ring_peek(const MxRing* const ring, uint32_t* const type, uint32_t* const size)
{
  const uint32_t end = atomic_load_explicit(&ring->write_index, memory_order_acquire);
  const uint32_t r   = atomic_load_explicit(&ring->read_index, memory_order_relaxed);
  Header         header;
  MxStatus       st = MX_SUCCESS;
  TRY(st, next_header(ring, r, end, &header));

  if (type) {
    *type = header.type;
  }
  if (size) {
    *size = header.size;
  }
  return MX_SUCCESS;
}

MxStatus
mx_ring_read_until(MxRing* const   ring,
                   const uint32_t  end,
                   uint32_t* const type,
                   void* const     body,
                   const uint32_t  max_size,
                   uint32_t* const size)
{
  if (!body && max_size) {
    return MX_ERR_BAD_ARG;
  }

  // Only this thread stores read_index
  const uint32_t r = atomic_load_explicit(&ring->read_index, memory_order_relaxed);
  Header         header;
  MxStatus       st = MX_SUCCESS;
  TRY(st, next_header(ring, r, end, &header));

  if (type) {
    *type = header.type;
  }
  if (size) {
    *size = header.size;
  }
  if (header.size > max_size) {
    return MX_ERR_RANGE; // Left queued
  }

  // Copy the body out, then hand its bytes back to the writer
  copy_out(ring, body, r + MX_RING_HEADER_SIZE, header.size);
  atomic_store_explicit(
    &ring->read_index, r + MX_RING_HEADER_SIZE + header.size, memory_order_release);
  return MX_SUCCESS;
}

MxStatus
mx_ring_read(MxRing* const   ring,
             uint32_t* const type,
             void* const     body,
             const uint32_t  max_size,
             uint32_t* const size)
{
  return mx_ring_read_until(ring, mx_ring_snapshot(ring), type, body, max_size, size);
}

MxStatus
mx_ring_skip(MxRing* const ring)
{
  const uint32_t end = atomic_load_explicit(&ring->write_index, memory_order_acquire);
  const uint32_t r   = atomic_load_explicit(&ring->read_index, memory_order_relaxed);
  Header         header;
  MxStatus       st = MX_SUCCESS;
  TRY(st, next_header(ring, r, end, &header));

  atomic_store_explicit(
    &ring->read_index, r + MX_RING_HEADER_SIZE + header.size, memory_order_release);
  return MX_SUCCESS;
}
