#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Lint as a test: every C file formatted per .clang-format, cppcheck clean.
# Skips (exit 77) when a tool is missing, so a bare build still runs.
set -u
: "${top_srcdir:=$(dirname "$0")/..}"
cd "$top_srcdir" || exit 99

files=$(find dsp osc daemon clients tests -name '*.[ch]' 2>/dev/null | sort)
status=0

if command -v clang-format >/dev/null 2>&1; then
  # shellcheck disable=SC2086 # one argument per file
  clang-format --dry-run --Werror $files || status=1
else
  echo "lint: clang-format not installed, format not checked"
  exit 77
fi

if command -v cppcheck >/dev/null 2>&1; then
  # shellcheck disable=SC2086
  cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability \
    --inline-suppr -Idsp -Itests $files || status=1
else
  echo "lint: cppcheck not installed, not run"
  exit 77
fi

[ $status -eq 0 ] && echo "lint: $(echo "$files" | wc -l) files clean"
exit $status
