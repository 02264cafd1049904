// SPDX-License-Identifier: GPL-3.0-or-later
#ifndef MX_OSC_PATTERN_H
#define MX_OSC_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

/// OSC 1.0 address patterns, matched one segment at a time with bounded cost.

/*
  OSC 1.0 ("The Open Sound Control 1.0 Specification", Wright, 2002):
  within one segment of an address (between slashes),

    ?        any one character
    *        any run of characters, the empty one included
    [abc]    one of the characters; [a-z] a range; [!abc] none of them
    {a,bc}   one of the comma-separated strings

  and every other character matches itself.  mixd matches each segment of
  a pattern against the names that exist at that level of its address
  space (osc/address.c), never handing a pattern to liblo's dispatcher.

  Cost: a segment is at most MX_PATTERN_MAX bytes and has at most
  MX_PATTERN_MAX_BRACES alternatives; stars are matched with the classic
  single-backtrack algorithm, so one match costs at most about
  (pattern length x text length) steps.  Any thread.
*/

/// Longest pattern segment, bytes.
#define MX_PATTERN_MAX 127U

/// Most alternatives in one {...} group.
#define MX_PATTERN_MAX_BRACES 32U

/// True if `segment` has any pattern character (?, *, [, {).
bool
mx_pattern_is_pattern(const char* segment);

/**
   Check a pattern segment: balanced [] and {}, no nested {}, no '/', not
   too long.

   @return true if it is a valid pattern.
*/
bool
mx_pattern_valid(const char* segment);

/**
   Match one pattern segment against one name.

   @return true if `name` matches the whole of `pattern`; false for no
   match or an invalid pattern.
*/
bool
mx_pattern_match(const char* pattern, const char* name);

#endif // MX_OSC_PATTERN_H
