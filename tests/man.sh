#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The list of controls in mixd-session(5) is the parameter table: it must
# be exactly what `mixd controls --man` prints (paste that output between
# ".B mixd controls / prints this table." and ".SH EXAMPLES" to update it).
set -u
: "${top_srcdir:=$(dirname "$0")/..}"
: "${top_builddir:=$(dirname "$0")/..}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$top_builddir/daemon/mixd" controls --man >"$tmp/table" || exit 1
awk '/^prints this table\.$/ { on = 1; next } /^\.SH EXAMPLES/ { on = 0 } on' \
  "$top_srcdir/man/mixd-session.5" >"$tmp/page"
if ! diff -u "$tmp/page" "$tmp/table"; then
  echo "man: man/mixd-session.5 CONTROLS differs from 'mixd controls --man'"
  exit 1
fi
echo "man: $(grep -c '^\.TP' "$tmp/table") controls documented"

# The list of settings in mixd.conf(5) is the settings table: exactly what
# `mixd config --man` prints (between ".B mixd config \-\-man / prints)."
# and ".SH EXAMPLES").
"$top_builddir/daemon/mixd" config --man >"$tmp/settings" || exit 1
awk '/^prints\)\.$/ { on = 1; next } /^\.SH EXAMPLES/ { on = 0 } on' \
  "$top_srcdir/man/mixd.conf.5" >"$tmp/conf"
if ! diff -u "$tmp/conf" "$tmp/settings"; then
  echo "man: man/mixd.conf.5 SETTINGS differs from 'mixd config --man'"
  exit 1
fi
echo "man: $(grep -c '^\.TP' "$tmp/settings") settings documented"

# Every option of the daemon is in mixd(1)
"$top_builddir/daemon/mixd" run --help >"$tmp/help" || exit 1
missing=0
for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u); do
  if ! grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$top_srcdir/man/mixd.1"; then
    echo "man: $opt (mixd run --help) is not in man/mixd.1"
    missing=1
  fi
done
[ "$missing" -eq 0 ] || exit 1
echo "man: every daemon option is in mixd(1)"
