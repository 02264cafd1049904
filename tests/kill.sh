#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The kill test: a client streams changes while mixd (without JACK) is
# killed with SIGKILL at a random moment, again and again.  After each
# restart the mix is the state after one change that was sent, no older
# than the last change acknowledged more than 1 s before the kill; every
# autosave ever written reads (a second mixd loads each) and holds the state
# after a change that was sent.
set -u
: "${top_builddir:=$(dirname "$0")/..}"
daemon="$top_builddir/daemon/mixd"
mixctl="$top_builddir/clients/mixctl"
tmp=$(mktemp -d)
XDG_DATA_HOME="$tmp/data"
export XDG_DATA_HOME
lib="${top_srcdir:-$(dirname "$0")/..}/tests"
. "$lib/script_lib.sh"
jack_lock
. "$lib/mixd_lib.sh"
streamer=
trap 'kill $streamer 2>/dev/null; mixd_kill_all; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

kills=${MIXD_KILLS:-50}
dir="$tmp/sessions"
autosaves="$dir/.autosave/default"
port() { cat "$tmp/$1.port"; }

# The state is three EQ frequencies of one strip; change i sets band
# 1 + i % 3 to 10 + i Hz (counted round at 40000 Hz, past any two
# runs), so every state after a change is new
bands='/strip/s/eq/[1-3]/freq'
triple() { # the three frequencies of a dump (or of get's replies) on stdin
  awk '$1 ~ /^\/strip\/s\/eq\/[123]\/freq$/ { v[substr($1, 13, 1)] = $2 }
       END { print v[1], v[2], v[3] }'
}
# A dump without them: what no change touches
rest() { grep -v '^/strip/s/eq/[123]/freq ' "$1"; }

# Stream changes from index $1 on, from the state "$2": before each send
# "i v1 v2 v3" (the state after it) goes to $tmp/sent, after its reply "i
# nanoseconds" to $tmp/acks; until mixd stops answering
stream() {
  i=$1
  # shellcheck disable=SC2086 # the three values
  set -- $2
  : >"$tmp/sent"
  : >"$tmp/acks"
  while :; do
    band=$((1 + i % 3))
    value=$((10 + i % 39990))
    case $band in 1) set -- "$value" "$2" "$3" ;; 2) set -- "$1" "$value" "$3" ;; *) set -- "$1" "$2" "$value" ;; esac
    echo "$i $1 $2 $3" >>"$tmp/sent"
    "$mixctl" --port "$port" --timeout 0.5 set "/strip/s/eq/$band/freq" "$value" >/dev/null 2>&1 || break
    echo "$i $(date +%s%N)" >>"$tmp/acks"
    i=$((i + 1))
  done
}

# A random wait from 1.1 to 1.6 s
pause() {
  r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
  sleep "$(awk -v r="$r" 'BEGIN { printf "%.3f", 1.1 + (r % 501) / 1000 }')"
}

# Every autosave not yet checked loads in the checker, and holds a state
# that was sent (all states sent are in $tmp/states)
check_autosaves() {
  for f in "$autosaves"/*.session; do
    seq=$(basename "$f" .session)
    seq=$(expr "$seq" + 0)
    [ "$seq" -gt "$checked" ] || continue
    cp "$f" "$tmp/chk/a$seq.session"
    "$mixctl" --port "$(port chk)" set /session/load "a$seq" >"$tmp/out" 2>&1 || {
      echo "autosave $seq does not read:"
      cat "$tmp/out"
      return 1
    }
    "$mixctl" --port "$(port chk)" get "$bands" >"$tmp/out" 2>&1
    held=$(triple <"$tmp/out")
    grep -q " $held\$" "$tmp/states" || {
      echo "autosave $seq holds '$held', which was never sent"
      return 1
    }
    checked=$seq
    files=$((files + 1))
  done
}

# The first run: a strip, saved; its dump without the bands is the rest
# of every state to come
mkdir -p "$tmp/chk"
mixd_start chk --session-dir "$tmp/chk" || exit 1
mixd_start m --session-dir "$dir" || exit 1
check "strip" sh -c "'$mixctl' -p $(port m) set /strip/add s 1 >/dev/null"
dump_to m "$tmp/dump" || exit 1
rest "$tmp/dump" >"$tmp/rest"
echo "start $(triple <"$tmp/dump")" >"$tmp/states"
mixd_kill m
# (its autosaves, of the mix before and after the strip, are not checked)
checked=$(expr "$(basename "$(ls "$autosaves" | tail -n 1)" .session)" + 0)

next=1
files=0
midwrite=0
lagged=0
unacked=0
lags=
ages=
begin=$(date +%s)
k=0
while [ $k -le "$kills" ]; do
  # Restart: the newest autosave, whole
  mixd_start m --session-dir "$dir" || exit 1
  port=$(port m)
  dump_to m "$tmp/dump" || exit 1
  state=$(triple <"$tmp/dump")
  check "restart $k: restored from the newest autosave" \
    grep -qF "restored from its autosave (sessions in" "$tmp/m.log"
  check "restart $k: the rest of the mix" sh -c "grep -v '^/strip/s/eq/[123]/freq ' '$tmp/dump' | cmp -s - '$tmp/rest'"
  if [ $k -gt 0 ]; then
    # Which change it is: one sent, not before the threshold
    got=$(awk -v s="$state" '{ i = $1; $1 = ""; if (substr($0, 2) == s) { print i; exit } }' "$tmp/run")
    if [ -z "$got" ]; then
      check "restart $k: '$state' is the state after a change sent" false
    else
      [ "$got" = start ] && got=$((first - 1))
      check "restart $k: change $got is not older than change $threshold" test "$got" -ge "$threshold"
      lag=$((got - threshold))
      lags="$lags $lag"
      [ $lag -gt 0 ] && lagged=$((lagged + 1))
      [ "$got" -gt "$acked" ] && unacked=$((unacked + 1))
      # How long before the kill its reply came (ms), if it came
      ages="$ages $(awk -v g="$got" -v t="$t_kill" '$1 == g { printf "%d", (t - $2) / 1e6 }' "$tmp/acks")"
    fi
    check "restart $k: every autosave reads and was sent" check_autosaves
  fi
  [ $k -eq "$kills" ] && break
  k=$((k + 1))

  # Stream changes, kill at a random moment
  first=$next
  stream "$next" "$state" &
  streamer=$!
  pause
  t_kill=$(date +%s%N)
  pid=$(cat "$tmp/m.pid")
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null
  : >"$tmp/m.pid"
  wait "$streamer"
  streamer=
  left=$(find "$autosaves" -name '.*' | wc -l)
  [ "$left" -gt 0 ] && midwrite=$((midwrite + 1))
  find "$autosaves" -name '.*' -exec rm {} +

  # The states of this run, and the threshold: the last change acknowledged
  # more than 1 s before the kill (or the start, if none was)
  { echo "start $state"; cat "$tmp/sent"; } >"$tmp/run"
  cat "$tmp/sent" >>"$tmp/states"
  threshold=$(awk -v t="$t_kill" -v f=$((first - 1)) '$2 < t - 1e9 { f = $1 } END { print f }' "$tmp/acks")
  acked=$(awk -v f=$((first - 1)) '{ f = $1 } END { print f }' "$tmp/acks")
  check "run $k: changes acknowledged more than 1 s before the kill" test "$threshold" -ge "$first"
  next=$(($(tail -n 1 "$tmp/sent" | cut -d' ' -f1) + 1))
done
seconds=$(($(date +%s) - begin))
mixd_kill m
echo "kill: $kills kills in ${seconds}s, $((next - 1)) changes, $files autosaves checked;" \
  "$midwrite kills left a temporary file (mid-write);" \
  "$lagged restores newer than the threshold, $unacked of a change not yet acknowledged;" \
  "changes past the threshold:$lags; ms from the reply of the change restored to the kill:$ages"
finish kill
