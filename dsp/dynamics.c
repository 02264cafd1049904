// SPDX-License-Identifier: GPL-3.0-or-later

#include "dynamics.h"

#include <math.h>

MxDynCoeff
mx_dyn_coeff(const float ms, const double rate)
{
  MxDynCoeff c = { 0.0, 1.0 };
  if (ms > 0.0f) {
    // b from expm1() keeps its full precision when it is tiny (slow, high rate)
    c.b = -expm1(-1000.0 / ((double)ms * rate));
    c.a = 1.0 - c.b;
  }
  return c;
}
