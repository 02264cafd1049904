// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_DSP_RING_H
#define MX_DSP_RING_H

#include "common.h"

#include <stdint.h>

/// Lock-free single-producer, single-consumer message ring between two threads.

/// Smallest capacity a ring gets, bytes (smaller requests are rounded up to it).
#define MX_RING_MIN_CAPACITY 16U

/// Largest capacity mx_ring_new() accepts, bytes (1 GiB).
#define MX_RING_MAX_CAPACITY (1U << 30)

/// Bytes each message takes in the ring besides its body: its {type, size} header.
#define MX_RING_HEADER_SIZE 8U

/**
   A ring of messages from one writer thread to one reader thread.

   A message is a `type` (meaning is the caller's) and a body of `size`
   bytes.  It is written whole or not at all, and the reader never sees
   part of one.  Bodies are copied in by the writer and copied out by the
   reader: the ring keeps no pointer, so the caller owns its buffers before
   and after every call, and a body that holds a pointer hands over
   whatever that pointer owns (the message types must say who frees it).
   Bytes are copied as they are, with no alignment: copy a body into a
   suitably typed or aligned buffer before reading it as a struct.

   A message takes MX_RING_HEADER_SIZE + size bytes.  Messages are kept in
   order and wrap around the end of the buffer transparently.

   Threads: exactly one thread writes (the "Writer thread" functions) and
   exactly one thread reads (the "Reader thread" functions) at a time; they
   need no lock between them.  The writer and the reader may be any two
   threads, e.g. the main thread and the audio thread, one ring per
   direction.  Constructing, locking and freeing happen on the main thread
   while neither side uses the ring.  Writing, reading and peeking are
   realtime-safe: no allocation, lock or system call.

   Heap object: mx_ring_new() / mx_ring_free().
*/
typedef struct MxRingImpl MxRing;

/**
   Create an empty ring.

   Free it with mx_ring_free().  Main thread.

   @param capacity_bytes 1 to MX_RING_MAX_CAPACITY; rounded up to a power of
   two, and to at least MX_RING_MIN_CAPACITY.  The largest body the ring can
   carry is mx_ring_capacity() - MX_RING_HEADER_SIZE.
   @return The new ring, or NULL if `capacity_bytes` is 0 or too large or
   memory ran out.
*/
MxRing*
mx_ring_new(uint32_t capacity_bytes);

/**
   Free a ring made by mx_ring_new(), with any messages left in it.

   NULL is a no-op.  Main thread, once neither side uses the ring.
*/
void
mx_ring_free(MxRing* ring);

/**
   Lock the ring's memory into RAM, so that the audio thread never takes a
   page fault on it.

   Optional.  mx_ring_free() unlocks it.  Main thread.
   @return MX_FAILURE if the system refused (e.g. RLIMIT_MEMLOCK is too
   low); the ring works anyway, merely without the guarantee.
*/
MxStatus
mx_ring_mlock(MxRing* ring);

/// Size of the buffer, bytes: a power of two.  Any thread.
uint32_t
mx_ring_capacity(const MxRing* ring) MX_RT;

/**
   Write one message: a header and a copy of `size` bytes of `body`.

   Writer thread.  All or nothing: on failure nothing is written.

   @param type Message type, passed through unchanged.
   @param body Bytes to copy; may be NULL if `size` is 0.
   @param size Body size, bytes.
   @return MX_SUCCESS, MX_FAILURE if there is not room for the whole message
   now (retry later), MX_ERR_RANGE if it would not fit even in an empty ring,
   MX_ERR_BAD_ARG if `body` is NULL and `size` is not 0.
*/
MxStatus
mx_ring_write(MxRing* ring, uint32_t type, const void* body, uint32_t size) MX_RT;

/**
   Write one message whose body is `head` followed by `tail`.

   As mx_ring_write() for a body of head_size + tail_size bytes, without
   first copying the two parts together: e.g. a fixed header struct and a
   variable payload.  Writer thread.

   @return As mx_ring_write().
*/
MxStatus
mx_ring_write2(MxRing*     ring,
               uint32_t    type,
               const void* head,
               uint32_t    head_size,
               const void* tail,
               uint32_t    tail_size) MX_RT;

/**
   Bytes free for writing now: a message fits if its MX_RING_HEADER_SIZE +
   size is at most this.  Writer thread (the reader may only free more).
*/
uint32_t
mx_ring_write_space(const MxRing* ring) MX_RT;

/**
   Bytes queued for reading now, headers included: 0 if the ring is empty.

   Reader thread (the writer may only add more).
*/
uint32_t
mx_ring_read_space(const MxRing* ring) MX_RT;

/**
   Get the header of the next message without consuming it.

   Reader thread.
   @param type Set to the message type.  May be NULL.
   @param size Set to the body size, bytes.  May be NULL.
   @return MX_FAILURE if the ring is empty (nothing set).
*/
MxStatus
mx_ring_peek(const MxRing* ring, uint32_t* type, uint32_t* size) MX_RT;

/**
   Read and consume the next message.

   Reader thread.
   @param type Set to the message type.  May be NULL.
   @param body Buffer the body is copied into; may be NULL if `max_size` is 0.
   @param max_size Size of `body`, bytes.
   @param size Set to the body size, bytes.  May be NULL.  `type` and `size`
   are also set on MX_ERR_RANGE, so the caller knows what did not fit.
   @return MX_FAILURE if the ring is empty, MX_ERR_RANGE if the body is
   larger than `max_size` (the message stays queued: read it into a larger
   buffer or drop it with mx_ring_skip()), MX_ERR_BAD_ARG if `body` is NULL
   and `max_size` is not 0.
*/
MxStatus
mx_ring_read(MxRing* ring, uint32_t* type, void* body, uint32_t max_size, uint32_t* size) MX_RT;

/**
   Drop the next message unread.  Reader thread.

   @return MX_FAILURE if the ring is empty.
*/
MxStatus
mx_ring_skip(MxRing* ring) MX_RT;

/**
   Mark where the ring ends now, to drain only what was queued before.

   Reader thread.  Pass the result to mx_ring_read_until() for the rest of
   the cycle: messages written after this call are left for the next
   cycle, so a writer that keeps writing cannot hold the audio thread in
   its drain loop.  A cycle looks like

       const uint32_t end = mx_ring_snapshot(ring);
       MxStatus       st  = MX_SUCCESS;
       while ((st = mx_ring_read_until(ring, end, &type, buf, sizeof(buf), &size)) !=
              MX_FAILURE) {
         if (st == MX_SUCCESS) {
           apply(type, buf, size);
         } else {
           mx_ring_skip(ring); // Larger than any message the reader knows
         }
       }

   Equivalently, mx_ring_read_space() taken at the start of the cycle is a
   byte budget: each message read costs MX_RING_HEADER_SIZE + its size.

   @return An opaque position in the ring's byte stream, valid until the
   reader passes it (then mx_ring_read_until() reads nothing).
*/
uint32_t
mx_ring_snapshot(const MxRing* ring) MX_RT;

/**
   Read and consume the next message if it was queued before `end`.

   As mx_ring_read(), but MX_FAILURE also when the next message was written
   after the mx_ring_snapshot() that returned `end`.  Reader thread, with an
   `end` this thread got from mx_ring_snapshot() (whose acquire load makes
   the messages before it visible).
*/
MxStatus
mx_ring_read_until(MxRing*   ring,
                   uint32_t  end,
                   uint32_t* type,
                   void*     body,
                   uint32_t  max_size,
                   uint32_t* size) MX_RT;

#endif // MX_DSP_RING_H
