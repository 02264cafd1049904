// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_TESTS_ANALYTIC_FILTER_H
#define MX_TESTS_ANALYTIC_FILTER_H

#include "biquad.h"

#include <stdbool.h>

/// Analytic magnitude responses of the RBJ cookbook filters, from their analog prototypes.

/**
   The cookbook's bilinear-transform frequency warp: the analog frequency,
   normalised to the corner, that the digital frequency `freq` maps to,

       W = tan(pi freq / rate) / tan(pi f0 / rate)

   (RBJ cookbook: s = (1 / tan(w0/2)) (1 - z^-1) / (1 + z^-1), evaluated at
   z = e^jw).  For freq = rate / 2 this is very large, as the digital response
   at Nyquist is the analog one at infinity.
*/
double
mxt_analytic_warp(double freq, double f0, double rate);

/**
   Magnitude in dB of an RBJ cookbook section at `freq`, computed from the
   analog prototype H(s) of its type (cookbook, "Begin with these user
   defined parameters" ff.) at s = jW, with W from mxt_analytic_warp().

   Independent of dsp/biquad.c: no digital coefficients are involved.
   Returns -INFINITY where the response is exactly zero (notch centre).
*/
double
mxt_analytic_biquad_db(MxBiquadType type,
                       double       f0,
                       double       q,
                       double       gain_db,
                       double       freq,
                       double       rate);

/**
   Magnitude in dB of a high or low pass of the given slope at `freq`, from
   the closed forms of the analog prototypes:
   2nd order Butterworth |H|^2 = 1 / (1 + W^4),
   4th order Butterworth |H|^2 = 1 / (1 + W^8),
   4th order Linkwitz-Riley |H| = 1 / (1 + W^4)
   (low pass; a high pass replaces W by 1 / W).
*/
double
mxt_analytic_pass_db(bool high, MxBiquadSlope slope, double f0, double freq, double rate);

#endif // MX_TESTS_ANALYTIC_FILTER_H
