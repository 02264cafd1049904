// SPDX-License-Identifier: GPL-3.0-or-later

// DESIGN: glibc exports its allocator as __libc_malloc and friends, so an
// executable that defines malloc() itself takes every call made by any
// library it loads (libebur128 included) and can forward it.  The counter is
// atomic because a library may allocate on another thread.

#include "alloc_guard.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern void*
__libc_malloc(size_t size);
extern void*
__libc_calloc(size_t count, size_t size);
extern void*
__libc_realloc(void* ptr, size_t size);
extern void*
__libc_memalign(size_t alignment, size_t size);
extern void
__libc_free(void* ptr);

static atomic_bool   armed;
static atomic_size_t calls;

static void
count_call(void)
{
  if (atomic_load_explicit(&armed, memory_order_relaxed)) {
    atomic_fetch_add_explicit(&calls, 1U, memory_order_relaxed);
  }
}

void
mxt_alloc_guard_arm(void)
{
  atomic_store(&calls, 0U);
  atomic_store(&armed, true);
}

size_t
mxt_alloc_guard_disarm(void)
{
  atomic_store(&armed, false);
  return atomic_load(&calls);
}

// Replacements of the C library's allocator (ISO C and POSIX names)

void*
malloc(const size_t size)
{
  count_call();
  return __libc_malloc(size);
}

void*
calloc(const size_t count, const size_t size)
{
  count_call();
  return __libc_calloc(count, size);
}

void*
realloc(void* const ptr, const size_t size)
{
  count_call();
  return __libc_realloc(ptr, size);
}

void
free(void* const ptr)
{
  if (ptr) {
    count_call();
  }
  __libc_free(ptr);
}

void*
aligned_alloc(const size_t alignment, const size_t size)
{
  count_call();
  return __libc_memalign(alignment, size);
}

int
posix_memalign(void** const out, const size_t alignment, const size_t size)
{
  count_call();
  if (alignment < sizeof(void*) || (alignment & (alignment - 1U))) {
    return EINVAL;
  }
  void* const ptr = __libc_memalign(alignment, size);
  if (!ptr) {
    return ENOMEM;
  }
  *out = ptr;
  return 0;
}
