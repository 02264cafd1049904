# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the script tests (sourced): a counted check, and a run of mixd
# that must exit with a status and print a text, a run of mixctl and its
# output.  Needs $tmp, and $mixd or $mixctl.
passed=0
failed=0

check() { # description, then a command that must succeed
  desc=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $desc"
  fi
}

# Run mixd, expect exit status $1 and text $2 on stdout+stderr (kept in $tmp/out)
expect() {
  want=$1
  text=$2
  shift 2
  "$mixd" "$@" >"$tmp/out" 2>&1
  got=$?
  if [ "$got" -ne "$want" ]; then
    echo "mixd $*: exit $got, expected $want"
    cat "$tmp/out"
    return 1
  fi
  grep -q -- "$text" "$tmp/out" || {
    echo "mixd $*: output lacks '$text'"
    cat "$tmp/out"
    return 1
  }
}

# Run mixctl ($mixctl) on UDP port $1, expect exit status $2; stdout in
# $tmp/out, stderr in $tmp/err
mixctl_on() {
  on=$1
  want=$2
  shift 2
  "$mixctl" --port "$on" "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  [ "$got" -eq "$want" ] || {
    echo "mixctl --port $on $*: exit $got, expected $want"
    cat "$tmp/out" "$tmp/err"
    return 1
  }
}

# Exactly these lines on stdout ($tmp/out)
out_is() {
  printf '%s\n' "$@" >"$tmp/want"
  cmp -s "$tmp/want" "$tmp/out" || {
    echo "stdout differs:"
    diff "$tmp/want" "$tmp/out"
    return 1
  }
}

# Take the JACK turn for the rest of the script: mixd opens a JACK client
# even without a server, and test programs side by side race on libjack's
# metadata environment (see take_jack_turn() in jack_rig.c, which holds the
# same lock); a broken one, left by a creation cut short, is removed
jack_lock() {
  exec 9>"${TMPDIR:-/tmp}/mixd-tests-jack-$(id -u).lock"
  flock -w 900 9 || echo "the JACK turn did not come in 15 minutes: going on without it"
  env="/dev/shm/jack_db-$(id -u)"
  if [ -e "$env/__db.002" ] && [ ! -s "$env/__db.002" ]; then
    echo "removing a broken JACK metadata environment"
    rm -rf "$env"
  fi
}

# Print the tally for $1 and exit 0 only if nothing failed
finish() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
