#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# RealtimeSanitizer build only: the live daemon's process callback and all
# it calls make no unsafe call while a script moves the mix and its
# topology (zero reports), and a deliberate allocation in the callback is
# caught (the proof that the sanitizer is really watching).
set -u
: "${top_builddir:=$(dirname "$0")/..}"
mixd="$top_builddir/daemon/mixd"
tmp=$(mktemp -d)
server="mixd-rtsan-$$"
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
  pkill -f "jackd --no-realtime -n $server " 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
. "${top_srcdir:-$(dirname "$0")/..}/tests/script_lib.sh"

if ! command -v jackd >/dev/null 2>&1; then
  echo "rtsan: jackd is not installed (package jackd2): skipped"
  exit 77
fi

# Wait up to $2 seconds for $3 (default 1) lines with text $1 in the daemon's log
wait_log() {
  i=0
  while [ $i -lt $(($2 * 10)) ]; do
    [ "$(grep -c -- "$1" "$tmp/log")" -ge "${3:-1}" ] && return 0
    sleep 0.1
    i=$((i + 1))
  done
  echo "not ${3:-1} '$1' in the log after $2 s:"
  cat "$tmp/log"
  return 1
}

session() { # number of strips, fader of the first
  {
    echo "/bus/add verb aux 2"
    echo "/bus/add drums group 2"
    echo "/bus/drums/limiter/on 1"
    i=1
    while [ $i -le "$1" ]; do
      echo "/strip/add s$i $((1 + i % 2))"
      echo "/strip/s$i/send/verb/level -12"
      echo "/strip/s$i/eq/2/gain $i"
      echo "/strip/s$i/comp/on $((i % 2))"
      echo "/strip/s$i/route/drums $((i % 3 == 0))"
      i=$((i + 1))
    done
    echo "/strip/s1/fader $2"
    echo "/master/limiter/on $(($1 % 2))"
  } >"$tmp/mix.session"
}

# The mix moves and its topology changes while audio runs: no report
session 2 0
"$mixd" --start-server dummy --server "$server" --server-period 128 --session "$tmp/mix.session" \
  --log-level info 2>"$tmp/log" &
pid=$!
check "daemon runs" wait_log "connected to JACK server" 10
for round in 1 2 3 4 5 6; do
  session $((2 + round % 4)) "-$round"
  kill -HUP "$pid"
  check "reload $round" wait_log "reloaded .*mix.session" 5 "$round"
  sleep 0.3
done
kill "$pid"
wait "$pid"
status=$?
pid=
check "clean stop" test "$status" -eq 0
check "no RealtimeSanitizer report" sh -c "! grep -q RealtimeSanitizer '$tmp/log'"

# A deliberate allocation in the callback is caught
MIXD_RTSAN_SELFTEST=1 "$mixd" --start-server dummy --server "$server" --session "$tmp/mix.session" \
  2>"$tmp/log" &
pid=$!
wait "$pid"
status=$?
pid=
check "caught: non-zero exit" test "$status" -ne 0
check "caught: reported" grep -q "RealtimeSanitizer: unsafe-library-call" "$tmp/log"
check "caught: the malloc" grep -q "unsafe function .malloc. in real-time context" "$tmp/log"
pkill -f "jackd --no-realtime -n $server " 2>/dev/null

finish rtsan
