#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# mixctl against a real mixd (without JACK: it serves OSC while it waits
# for a server): every command, its output, its errors and its exit status
# (0 success, 1 an /error or no reply, 2 usage).
set -u
: "${top_builddir:=$(dirname "$0")/..}"
daemon="$top_builddir/daemon/mixd"
mixctl="$top_builddir/clients/mixctl"
tmp=$(mktemp -d)
# Sessions of this script's own (mixd locks its session directory)
XDG_DATA_HOME="$tmp/data"
export XDG_DATA_HOME
pid=
# Stop mixd; SIGKILL if it does not stop (stuck in jack_client_open, it
# cannot see SIGTERM)
stop_mixd() {
  [ -n "$pid" ] || return 0
  kill -CONT "$pid" 2>/dev/null
  kill "$pid" 2>/dev/null
  n=0
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 40 ]; do
    n=$((n + 1))
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=
}
trap 'stop_mixd; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
. "${top_srcdir:-$(dirname "$0")/..}/tests/script_lib.sh"
jack_lock

# Run mixctl on our mixd; expect exit status $1, stdout in $tmp/out,
# stderr in $tmp/err
ctl() { mixctl_on "$port" "$@"; }

# A line on stdout, or a text on stderr
has_line() { grep -qxF -- "$1" "$tmp/out" || { echo "no line '$1' in:" && cat "$tmp/out" && return 1; }; }
err_has() { grep -qF -- "$1" "$tmp/err" || { echo "stderr lacks '$1':" && cat "$tmp/err" && return 1; }; }

# Wait (up to 5 s) for a fixed line in a file
wait_line() {
  n=0
  while ! grep -qxF -- "$2" "$1" 2>/dev/null; do
    n=$((n + 1))
    [ $n -gt 50 ] && { echo "no line '$2' in $1:" && cat "$1" && return 1; }
    sleep 0.1
  done
}

cat >"$tmp/mix.session" <<'S'
/strip/add vocal 1
/strip/add keys 2
/bus/add reverb aux 2
/strip/vocal/fader -3
S

# mixd on a free port: try another if it says it cannot listen.  Then it
# must answer: it opens JACK on its main thread, and on a machine where JACK
# servers come and go a client open can hang in libjack, so a mixd that
# does not answer is started again
start_mixd() {
  for try in 1 2 3 4 5 6 7 8; do
    port=$((20000 + ($$ * 7 + try * 997) % 20000))
    : >"$tmp/mixd.log"
    "$daemon" --server "mixctl-test-none-$$" --osc-port "$port" --osc-lease 2 \
      --session "$tmp/mix.session" >"$tmp/mixd.log" 2>&1 &
    pid=$!
    n=0
    while ! grep -q "OSC on" "$tmp/mixd.log" && kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
      n=$((n + 1))
      sleep 0.05
    done
    if grep -q "OSC on" "$tmp/mixd.log"; then
      "$mixctl" --port "$port" --timeout 3 info >/dev/null 2>&1 && return 0
      echo "mixd does not answer on port $port; starting another"
    elif ! grep -q "cannot listen" "$tmp/mixd.log"; then
      break
    fi
    stop_mixd
  done
  echo "mixd did not start:"
  cat "$tmp/mixd.log"
  return 1
}
start_mixd || exit 1

# Usage errors: status 2, nothing sent
check "--help" ctl 0 --help
check "help text" grep -q "^Usage: mixctl" "$tmp/out"
check "--version" ctl 0 --version
check "version text" grep -q "^mixctl (mixd) [0-9]" "$tmp/out"
check "no command" ctl 2
check "no command said" err_has "no command given"
check "unknown command" ctl 2 frobnicate
check "unknown command said" err_has "unknown command 'frobnicate'"
check "unknown option" ctl 2 --bogus info
check "unknown option said" err_has "unknown option '--bogus'"
check "option without value" ctl 2 info --timeout
check "set without value" ctl 2 set /strip/vocal/fader
check "get without address" ctl 2 get
check "not an address" ctl 2 get strip/vocal/fader
check "not an address said" err_has "an address starts with '/', unlike 'strip/vocal/fader'"
check "bad port" ctl 2 --port 70000 info
check "bad timeout" ctl 2 --timeout -1 info
check "option of another command" ctl 2 get --count 2 /strip/vocal/fader
check "option of another command said" err_has "--count is not an option of get"
check "bad rate" ctl 2 meters --rate 0
check "dump takes nothing" ctl 2 dump extra
check "send takes a file" ctl 2 send
check "bad MIXD_OSC_PORT" sh -c "MIXD_OSC_PORT=abc '$mixctl' info 2>&1 | grep -q 'MIXD_OSC_PORT must be'"

# set and get: the value as applied
check "get" ctl 0 get /strip/vocal/fader
check "get prints the value" out_is "/strip/vocal/fader -3"
check "set" ctl 0 set /strip/vocal/fader -6
check "set prints the value" out_is "/strip/vocal/fader -6"
check "get after set" ctl 0 get /strip/vocal/fader
check "round trip" out_is "/strip/vocal/fader -6"
check "set by position" ctl 0 set /strip/2/fader -1.5
check "reply names the strip" out_is "/strip/keys/fader -1.5"
check "set out of range" ctl 0 set /strip/vocal/fader 99
check "clamped to +10 dB" out_is "/strip/vocal/fader 10"
check "set /norm" ctl 0 set /strip/vocal/fader/norm 0.75
check "/norm reply" out_is "/strip/vocal/fader/norm 0.75"
check "get after /norm" ctl 0 get /strip/vocal/fader
check "/norm 0.75 is 0 dB" out_is "/strip/vocal/fader 0"
check "set -inf" ctl 0 set /strip/keys/send/reverb/level -inf
check "-inf reply" out_is "/strip/keys/send/reverb/level -inf"
check "set a switch by word" ctl 0 set /strip/vocal/mute on
check "switch reply is 0 or 1" out_is "/strip/vocal/mute 1"
check "set a choice by label" ctl 0 set /strip/vocal/eq/2/type notch
check "choice reply is its label" out_is "/strip/vocal/eq/2/type notch"
check "several gets" ctl 0 get /strip/vocal/mute /master/fader
check "several replies in order" out_is "/strip/vocal/mute 1" "/master/fader 0"
check "pattern set" ctl 0 set '/strip/*/mute' 0
check "one reply per control" out_is "/strip/vocal/mute 0" "/strip/keys/mute 0"
check "pattern get" ctl 0 get '/strip/[1-2]/fader'
check "pattern replies" out_is "/strip/vocal/fader 0" "/strip/keys/fader -1.5"
check "add a strip" ctl 0 set /strip/add drums 2
check "add echoed" out_is "/strip/add drums 2"
check "bad rename" ctl 1 set /strip/drums/name "kit 1"
check "bad name refused" err_has "mixctl: /strip/drums/name: bad name"
check "connection rule" ctl 0 set /jack/connect "system:capture 1" drums_in_L
check "rule echoed, quoted" out_is '/jack/connect "system:capture 1" drums_in_L'

# Errors: status 1, the address and reason on stderr, nothing on stdout
check "unknown strip" ctl 1 set /strip/vox/fader -6
check "unknown strip said" err_has "mixctl: /strip/vox/fader: no strip named 'vox'"
check "no value printed" test ! -s "$tmp/out"
check "not a value" ctl 1 set /strip/vocal/fader loud
check "not a value said" err_has "'loud' is not a value of fader"
check "NaN refused" ctl 1 set /strip/vocal/fader nan
check "unknown address" ctl 1 get /nowhere
check "value kept" ctl 0 get /strip/vocal/fader
check "value unchanged by errors" out_is "/strip/vocal/fader 0"

# No reply: mixd not answering (stopped); nobody at the port is tried at the end
kill -STOP "$pid"
check "timeout" ctl 1 --timeout 0.3 get /master/fader
kill -CONT "$pid"
check "timeout said" err_has "mixctl: no reply from mixd at 127.0.0.1:$port within 0.3 s"

# info, dump, list
check "info" ctl 0 info
check "info lines" sh -c "grep -qx 'strips 3' '$tmp/out' && grep -qx 'buses 1' '$tmp/out' && grep -qx 'rate 48000' '$tmp/out'"
check "dump" ctl 0 dump
check "dump has strips" has_line "/strip/add keys 2"
check "dump has buses" has_line "/bus/add reverb aux 2"
check "dump has values" has_line "/strip/keys/fader -1.5"
check "dump has choices" has_line "/strip/vocal/eq/2/type notch"
check "dump has the monitor" has_line "/monitor/mode sip"
check "no end marker printed" sh -c "! grep -q '^/dump/end' '$tmp/out'"
cp "$tmp/out" "$tmp/dump"
check "dump values sent back" sh -c "grep -v '^/[a-z]*/add ' '$tmp/dump' | '$mixctl' -p $port send -"
check "list" ctl 0 list /strip/vocal/eq/1
check "list item" has_line '/strip/vocal/eq/1/freq control f Hz "10 to 40000 Hz" 100'
check "list only the prefix" sh -c "! grep -v '^/strip/vocal/eq/1/' '$tmp/out'"
check "list commands" ctl 0 list /strip/add
check "list command item" out_is "/strip/add command"
check "list nothing" ctl 0 list /nothing
check "list nothing is empty" test ! -s "$tmp/out"

# send: a session file as commands
cat >"$tmp/good.txt" <<'F'
# a comment, then a blank line

/strip/drums/fader -8   # trailing comment
/strip/drums/pan 0.25
/strip/add "gtr" 1
/jack/disconnect "system:capture 1" drums_in_L
F
check "send" ctl 0 send "$tmp/good.txt"
check "send is quiet" test ! -s "$tmp/out"
check "send applied" ctl 0 get /strip/drums/fader /strip/drums/pan /strip/gtr/fader
check "send values" out_is "/strip/drums/fader -8" "/strip/drums/pan 0.25" "/strip/gtr/fader 0"
check "send -v from stdin" sh -c "printf '/strip/gtr/fader -2\n' | '$mixctl' -p $port send -v - >'$tmp/out'"
check "send -v prints replies" out_is "/strip/gtr/fader -2"
printf '/strip/gtr/fader -4\n/strip/gtr/mute 1\n/strip/nope/fader 1\n/strip/gtr/fader -5\n' >"$tmp/bad.txt"
check "send stops at an error" ctl 1 send "$tmp/bad.txt"
check "error with file and line" err_has "$tmp/bad.txt:3: no strip named 'nope'"
check "lines before applied, after not" ctl 0 get /strip/gtr/fader /strip/gtr/mute
check "applied up to the error" out_is "/strip/gtr/fader -4" "/strip/gtr/mute 1"
printf '/strip/gtr/fader -9\n/strip/gtr/name "unterminated\n' >"$tmp/syntax.txt"
check "syntax error" ctl 1 send "$tmp/syntax.txt"
check "syntax error said" err_has "$tmp/syntax.txt:2: unterminated quote"
check "nothing sent" ctl 0 get /strip/gtr/fader
check "nothing applied" out_is "/strip/gtr/fader -4"
check "missing file" ctl 1 send "$tmp/nope.txt"
check "missing file said" err_has "$tmp/nope.txt: No such file"
printf '/strip/gtr/remove\n' | "$mixctl" -p "$port" send - 2>"$tmp/err"
check "remove by send" ctl 1 get /strip/gtr/fader

# watch: changes made by another client, filtered, across lease renewals
# (the lease is 2 s), until interrupted
"$mixctl" -p "$port" watch --seconds 20 '/strip/keys/*' >"$tmp/watch" 2>"$tmp/watch.err" &
watch=$!
n=0
until grep -q '^/strip/keys/fader -[78]$' "$tmp/watch" || [ $n -ge 25 ]; do
  n=$((n + 1))
  "$mixctl" -p "$port" set /strip/vocal/fader -$((7 + n % 2)) >/dev/null
  "$mixctl" -p "$port" set /strip/keys/fader -$((7 + n % 2)) >/dev/null
  sleep 0.2
done
check "watch sees a change" grep -q '^/strip/keys/fader -[78]$' "$tmp/watch"
sleep 2.5
"$mixctl" -p "$port" set /strip/keys/pan 0.5 >/dev/null
check "watch renewed its lease" wait_line "$tmp/watch" "/strip/keys/pan 0.5"
kill -INT "$watch"
wait "$watch"
check "watch ends on SIGINT, status 0" test $? -eq 0
check "watch filters" sh -c "! grep -q '^/strip/vocal' '$tmp/watch'"
check "watch is quiet on stderr" test ! -s "$tmp/watch.err"

# watch --count and --seconds end it by themselves
"$mixctl" -p "$port" watch --count 1 /strip/vocal/mute >"$tmp/watch" 2>&1 &
watch=$!
n=0
while kill -0 "$watch" 2>/dev/null && [ $n -lt 25 ]; do
  n=$((n + 1))
  "$mixctl" -p "$port" set /strip/vocal/mute $((n % 2)) >/dev/null
  sleep 0.2
done
wait "$watch"
check "watch --count ends, status 0" test $? -eq 0
check "watch printed --count lines" sh -c "test \$(wc -l <'$tmp/watch') -eq 1 && grep -q '^/strip/vocal/mute [01]$' '$tmp/watch'"
check "watch --seconds ends" ctl 0 watch --seconds 0.3

# meters: numbers off a terminal, one frame per --count
check "meters --count" ctl 0 meters --count 2 --rate 20
check "meter lines" grep -qx '/meters/strip/vocal -inf -inf -inf 0' "$tmp/out"
check "a line per strip and frame" test "$(grep -c '^/meters/strip/keys ' "$tmp/out")" -eq 2
check "bus and master meters" sh -c "grep -q '^/meters/bus/reverb ' '$tmp/out' && grep -q '^/meters/master ' '$tmp/out'"
check "loudness line" grep -q '^/meters/loudness -inf -inf -inf [0-9.]* -inf$' "$tmp/out"
check "meters --once with a pattern" ctl 0 meters --once '/meters/strip/*'
check "only the strips, once" out_is "/meters/strip/vocal -inf -inf -inf 0" \
  "/meters/strip/keys -inf -inf -inf 0" "/meters/strip/drums -inf -inf -inf 0"
if command -v script >/dev/null 2>&1; then
  # On a terminal (script(1) gives it one): bars and the loudness line
  script -qec "'$mixctl' -p $port meters --count 2" /dev/null >"$tmp/tty" 2>&1
  check "meter bars on a terminal" grep -q 'strip/vocal *\[ *\] *-inf *-inf GR  0.0' "$tmp/tty"
  check "loudness on a terminal" grep -q 'loudness  M -inf  S -inf  I -inf LUFS' "$tmp/tty"
fi

# Sessions, scenes and undo by name (names always go as text: "2024")
sessions="$tmp/data/mixd/sessions"
check "save takes one name at most" ctl 2 save a b
check "load needs a name" ctl 2 load
check "recall needs a whole number" ctl 2 recall one
check "save" ctl 0 save 2024
check "save prints the name" out_is "2024"
check "saved in the session directory" test -s "$sessions/2024.session"
check "the file holds the mix" grep -q "^/strip/vocal/fader" "$sessions/2024.session"
check "set before a second save" ctl 0 set /strip/vocal/fader -20
check "save again, another name" ctl 0 save gig
check "sessions" ctl 0 sessions
check "sessions, one per line, sorted" out_is "2024" "gig"
check "load the first" ctl 0 load 2024
check "load prints the name" out_is "2024"
check "load brought its fader back" ctl 0 get /strip/vocal/fader
check "the fader of 2024" sh -c "! grep -qx '/strip/vocal/fader -20' '$tmp/out'"
check "load of a name outside the directory" ctl 1 load ../gig
check "refusal said" err_has "/session/load: "
check "load of a missing session" ctl 1 load nope
check "undo the load" ctl 0 undo
check "after undo, gig's fader" ctl 0 get /strip/vocal/fader
check "undo restored -20" out_is "/strip/vocal/fader -20"
check "redo" ctl 0 redo
check "store a scene" ctl 0 store 3 verse
check "store prints number and name" out_is "3 verse"
check "scenes" ctl 0 scenes
check "scenes lists it" out_is "3 verse"
check "recall" ctl 0 recall 3 0
check "recall of a missing scene" ctl 1 recall 4
check "new" ctl 0 new
check "new is empty" ctl 1 get '/strip/*/fader'
check "no strips after new" err_has "the pattern matches nothing"
check "load after new" ctl 0 load gig
check "mixd still running" kill -0 "$pid"
stop_mixd
check "nobody at the port" ctl 1 --timeout 0.5 get /master/fader
check "nobody said" err_has "mixd at 127.0.0.1:$port"
finish mixctl
