// SPDX-License-Identifier: GPL-3.0-or-later

#include "pattern.h"

#include <string.h>

bool
mx_pattern_is_pattern(const char* const segment)
{
  return strpbrk(segment, "?*[{") != NULL;
}

bool
mx_pattern_valid(const char* const segment)
{
  const size_t len = strlen(segment);
  if (len > MX_PATTERN_MAX || strchr(segment, '/')) {
    return false;
  }

  unsigned alternatives = 1U;
  bool     in_brace     = false;
  unsigned options      = 0U;
  for (size_t i = 0U; i < len; ++i) {
    const char c = segment[i];
    if (c == '[') {
      // A class holds at least one character, after its '!' if any
      const char* const body = segment + i + 1U + (segment[i + 1U] == '!');
      const char* const end  = strchr(body, ']');
      if (!end || end == body) {
        return false;
      }
      i = (size_t)(end - segment);
    } else if (c == ']' || (c == '}' && !in_brace)) {
      return false;
    } else if (c == '{') {
      if (in_brace) {
        return false; // Not nested in OSC 1.0
      }
      in_brace = true;
      options  = 1U;
    } else if (c == ',' && in_brace) {
      ++options;
    } else if (c == '}') {
      in_brace = false;
      alternatives *= options;
      if (alternatives > MX_PATTERN_MAX_BRACES) {
        return false;
      }
    }
  }
  return !in_brace;
}

// Does character `c` fall in the class starting after '[' at `p`?  Sets
// `*end` just past the closing ']'
static bool
in_class(const char* p, const char c, const char** const end)
{
  const bool negate = *p == '!';
  bool       found  = false;
  p += negate;
  for (bool first = true; *p && (*p != ']' || first); first = false) {
    if (p[1] == '-' && p[2] && p[2] != ']') {
      found = found || (c >= p[0] && c <= p[2]);
      p += 3;
    } else {
      found = found || c == *p;
      ++p;
    }
  }
  *end = *p == ']' ? p + 1 : p;
  return found != negate;
}

// Match a pattern without braces: one backtrack point, the last star
// (Kirk Krauss's and the classic shell algorithm), so the cost is bounded
// by the product of the lengths
static bool
glob(const char* p, const char* s)
{
  const char* star_p = NULL;
  const char* star_s = NULL;
  while (*s) {
    const char* next = p + 1;
    if (*p == '*') {
      star_p = ++p;
      star_s = s;
      continue;
    }
    const bool one = *p == '?' ? true : *p == '[' ? in_class(p + 1, *s, &next) : *p && *p == *s;
    if (one) {
      p = next;
      ++s;
    } else if (star_p) {
      p = star_p;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (*p == '*') {
    ++p;
  }
  return *p == '\0';
}

// Expand the brace groups of `pattern` into every concrete alternative and
// glob each: at most MX_PATTERN_MAX_BRACES of them
static bool
expand(const char* const pattern, char* const out, const size_t used, const char* const name)
{
  const char* const open = strchr(pattern, '{');
  if (!open) {
    const size_t rest = strlen(pattern);
    if (used + rest > MX_PATTERN_MAX) {
      return false;
    }
    memcpy(out + used, pattern, rest + 1U);
    return glob(out, name);
  }

  const size_t head  = (size_t)(open - pattern);
  const char*  close = strchr(open, '}');
  if (!close || used + head > MX_PATTERN_MAX) {
    return false;
  }
  memcpy(out + used, pattern, head);
  for (const char* alt = open + 1; alt <= close;) {
    const char* end = alt;
    while (end < close && *end != ',') {
      ++end;
    }
    const size_t len = (size_t)(end - alt);
    if (used + head + len > MX_PATTERN_MAX) {
      return false;
    }
    memcpy(out + used + head, alt, len);
    if (expand(close + 1, out, used + head + len, name)) {
      return true;
    }
    alt = end + 1;
  }
  return false;
}

bool
mx_pattern_match(const char* const pattern, const char* const name)
{
  char buf[MX_PATTERN_MAX + 1U];
  if (!mx_pattern_valid(pattern)) {
    return false;
  }
  if (!mx_pattern_is_pattern(pattern)) {
    return !strcmp(pattern, name);
  }
  return expand(pattern, buf, 0U, name);
}
