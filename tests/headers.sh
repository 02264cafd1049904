#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Every header compiles on its own (it includes what it uses), with the
# project's warnings.
set -u
: "${top_srcdir:=$(dirname "$0")/..}"
: "${CC:=cc}"
status=0
count=0
for header in "$top_srcdir"/dsp/*.h "$top_srcdir"/osc/*.h "$top_srcdir"/daemon/*.h "$top_srcdir"/tests/*.h; do
  count=$((count + 1))
  # shellcheck disable=SC2086 # flag lists
  if ! printf '#include "%s"\n' "$header" |
    $CC -std=gnu11 -fsyntax-only -Wall -Wextra -Werror -Wstrict-prototypes \
      -I"$top_srcdir/dsp" -I"$top_srcdir/osc" -I"$top_srcdir/daemon" -I"$top_srcdir/tests" $CHECK_CFLAGS \
      -x c - 2>&1; then
    echo "headers: $header does not compile alone"
    status=1
  fi
done
[ $status -eq 0 ] && echo "headers: $count headers compile alone"
exit $status
