// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_TESTS_ALLOC_GUARD_H
#define MX_TESTS_ALLOC_GUARD_H

#include <stddef.h>

/// Counts heap calls made while armed: the proof that process() never allocates.

/**
   Start counting malloc, calloc, realloc, aligned_alloc, posix_memalign and
   free calls made by this process (the test replaces glibc's allocator
   entry points with counting wrappers around __libc_malloc and friends).

   Only built without sanitizers, which replace the same entry points.
*/
void
mxt_alloc_guard_arm(void);

/// Stop counting and return how many heap calls were made while armed.
size_t
mxt_alloc_guard_disarm(void);

#endif // MX_TESTS_ALLOC_GUARD_H
