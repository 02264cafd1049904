# SPDX-License-Identifier: GPL-3.0-or-later
# Shared by the script tests (sourced): a counted check, and a run of mixd
# that must exit with a status and print a text.  Needs $mixd and $tmp.
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

# Print the tally for $1 and exit 0 only if nothing failed
finish() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
