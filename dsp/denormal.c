// SPDX-License-Identifier: GPL-3.0-or-later

#include "denormal.h"

#include <float.h>

#if defined(__SSE__) || defined(__x86_64__)
#  include <xmmintrin.h>
#  define MX_HAVE_MXCSR 1
// MXCSR bit 15 is flush-to-zero, bit 6 denormals-are-zero (Intel SDM vol. 1, 10.2.3)
#  define MX_MXCSR_FTZ_DAZ 0x8040U
#elif defined(__aarch64__)
#  define MX_HAVE_FPCR 1
// FPCR bit 24 is FZ, flush-to-zero (Arm ARM, C5.2.8)
#  define MX_FPCR_FZ (1ULL << 24)
#endif

bool
mx_denormal_disable(MxFpState* const saved)
{
#if defined(MX_HAVE_MXCSR)
  const unsigned csr = _mm_getcsr();
  if (saved) {
    saved->saved = csr;
  }
  _mm_setcsr(csr | MX_MXCSR_FTZ_DAZ);
  return true;
#elif defined(MX_HAVE_FPCR)
  uint64_t fpcr = 0;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  if (saved) {
    saved->saved = fpcr;
  }
  fpcr |= MX_FPCR_FZ;
  __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
  return true;
#else
  if (saved) {
    saved->saved = 0;
  }
  return false;
#endif
}

void
mx_denormal_restore(const MxFpState* const saved)
{
#if defined(MX_HAVE_MXCSR)
  _mm_setcsr((unsigned)saved->saved);
#elif defined(MX_HAVE_FPCR)
  __asm__ volatile("msr fpcr, %0" : : "r"(saved->saved));
#else
  (void)saved;
#endif
}

bool
mx_denormal_is_flushing(void)
{
  // volatile keeps the compiler from folding the product at build time
  volatile float tiny  = FLT_MIN;
  volatile float half  = 0.5f;
  const float    below = tiny * half;
  return below == 0.0f;
}
