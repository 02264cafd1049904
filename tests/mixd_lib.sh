# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the persistence tests (sourced, after script_lib.sh): mixd
# daemons without JACK (they serve OSC while they wait for a server), each
# known by a tag, and mixctl against them.  Needs $tmp, $daemon, $mixctl.
# A daemon TAG logs to $tmp/TAG.log; its pid and port are in $tmp/TAG.pid
# and $tmp/TAG.port.

# Start mixd TAG with OPTIONs on a port of its own choosing (--osc-port 0),
# and wait until it answers.  mixd opens JACK on a thread of its own, so a
# hung libjack no longer stops it answering; a mixd that does not answer is
# still started again, as a guard against a machine too busy to start it
mixd_start() {
  tag=$1
  shift
  for try in 1 2 3; do
    "$daemon" --server "persist-none-$$" --osc-port 0 "$@" >"$tmp/$tag.log" 2>&1 &
    echo $! >"$tmp/$tag.pid"
    n=0
    until grep -q "OSC on .* port [0-9]* (UDP)" "$tmp/$tag.log"; do
      n=$((n + 1))
      if [ $n -gt 200 ] || ! kill -0 "$(cat "$tmp/$tag.pid")" 2>/dev/null; then
        break
      fi
      sleep 0.025
    done
    sed -n 's/.*OSC on .* port \([0-9]*\) (UDP).*/\1/p' "$tmp/$tag.log" >"$tmp/$tag.port"
    if [ -s "$tmp/$tag.port" ] &&
      "$mixctl" --port "$(cat "$tmp/$tag.port")" --timeout 3 info >/dev/null 2>&1; then
      return 0
    fi
    echo "mixd $tag (try $try) does not answer:"
    cat "$tmp/$tag.log"
    mixd_kill "$tag" KILL
  done
  return 1
}

# Stop mixd TAG with SIGTERM (it saves its last changes), or with the
# signal given; SIGKILL if it does not stop within 2 s
mixd_kill() {
  [ -s "$tmp/$1.pid" ] || return 0
  p=$(cat "$tmp/$1.pid")
  kill -CONT "$p" 2>/dev/null
  kill -"${2:-TERM}" "$p" 2>/dev/null
  n=0
  while kill -0 "$p" 2>/dev/null && [ $n -lt 40 ]; do
    n=$((n + 1))
    sleep 0.05
  done
  kill -KILL "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  : >"$tmp/$1.pid"
}

# Stop every mixd started (for the EXIT trap)
mixd_kill_all() {
  for f in "$tmp"/*.pid; do
    [ -s "$f" ] && mixd_kill "$(basename "$f" .pid)" KILL
  done
  return 0
}

# mixctl on mixd TAG: expect exit status WANT; stdout in $tmp/out, stderr
# in $tmp/err
ctl() {
  tag=$1
  shift
  mixctl_on "$(cat "$tmp/$tag.port")" "$@"
}

# The state of mixd TAG (every strip, bus and value) into FILE
dump_to() {
  "$mixctl" --port "$(cat "$tmp/$1.port")" --timeout 3 dump >"$2" 2>"$tmp/err" || {
    echo "no dump from $1:"
    cat "$tmp/err"
    return 1
  }
  [ -s "$2" ]
}

# mixd TAG's state is that of FILE
state_is() {
  dump_to "$1" "$tmp/state" || return 1
  cmp -s "$2" "$tmp/state" || {
    echo "state of $1 differs from $2:"
    diff "$2" "$tmp/state" | head -20
    return 1
  }
}

# A fixed text in a file (stdout: $tmp/out; stderr: $tmp/err)
has_text() { grep -qF -- "$2" "$1" || { echo "no '$2' in $1:" && cat "$1" && return 1; }; }

# Wait (up to 5 s) for a fixed text in a file
wait_text() {
  n=0
  while ! grep -qF -- "$2" "$1" 2>/dev/null; do
    n=$((n + 1))
    [ $n -gt 100 ] && { echo "no '$2' in $1:"; cat "$1" 2>/dev/null; return 1; }
    sleep 0.05
  done
}

# Every file and directory under DIR, with the checksum of each file
tree_of() {
  (cd "$1" && find . -print | LC_ALL=C sort | while IFS= read -r f; do
    if [ -f "$f" ]; then
      printf '%s %s\n' "$(cksum <"$f")" "$f"
    else
      printf 'dir %s\n' "$f"
    fi
  done)
}
