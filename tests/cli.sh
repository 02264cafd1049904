#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The mixd command line: good arguments work, bad ones fail with a clear
# message and the documented exit status, and a render is reproducible.
set -u
: "${top_builddir:=$(dirname "$0")/..}"
mixd="$(cd "$top_builddir/daemon" && pwd)/mixd"
tmp=$(mktemp -d)
# Sessions of this script's own (mixd locks its session directory)
XDG_DATA_HOME="$tmp/data"
export XDG_DATA_HOME
trap 'rm -rf "$tmp"' EXIT
. "${top_srcdir:-$(dirname "$0")/..}/tests/script_lib.sh"
jack_lock

check "--version" expect 0 "mixd [0-9]" --version
check "--help" expect 0 "Usage: mixd" --help
check "daemon --help" expect 0 "Usage: mixd \[run\]" run --help
check "play: no file" expect 2 "Usage: mixd play" play
check "play: not FILE=PORT" expect 2 "is not FILE=PORT" play x.wav
check "play: missing file" expect 1 "nope.wav" play "$tmp/nope.wav=x:y"
check "daemon: bad option" expect 2 "Usage: mixd \[run\]" --bogus
check "daemon: stray argument" expect 2 "unexpected argument 'extra'" run extra
check "daemon: bad log level" expect 2 "--log-level must be" --log-level loud
check "daemon: no server, --no-wait" expect 1 "JACK server 'mixd-cli-none-$$': no JACK server is running (--no-wait)" \
  --no-wait --osc-port 0 --server "mixd-cli-none-$$"
printf '/strip/add a 1\n/strip/a/fader loud\n' >"$tmp/bad.session"
check "daemon: bad session" expect 1 "bad.session:2: 'loud' is not a value of fader" --session "$tmp/bad.session" --no-wait --osc-port 0
check "daemon: missing session" expect 1 "nope.session: No such file" --session "$tmp/nope.session" --osc-port 0
check "unknown command" expect 2 "unknown command 'frobnicate'" frobnicate
check "demo --help" expect 0 "Usage: mixd demo" demo --help
check "demo seconds 0" expect 2 "--seconds must be a number from 1 to 120, not '0'" demo -s 0
check "demo seconds text" expect 2 "not 'abc'" demo --seconds abc
check "demo seconds NaN" expect 2 "not 'nan'" demo -s nan
check "demo rate too low" expect 2 "--rate must be" demo -r 100
check "demo stray argument" expect 2 "unexpected argument 'extra'" demo extra
check "demo unknown option" expect 2 "Usage: mixd demo" demo --bogus

# A short render prints the report and writes the file
check "demo report" expect 0 "integrated" demo -s 3 -o "$tmp/a.wav"
check "demo wrote file" test -s "$tmp/a.wav"
check "demo true peak under ceiling" sh -c \
  "awk '/true peak/ { exit !(\$4 <= -0.9) }' '$tmp/out'"
check "demo lists 8 tracks" sh -c "grep -cE '^(kick|snare|hats|bass|keys|pad|voice|guitar) +strip ' '$tmp/out' | grep -qx 8"
check "demo renders through a session" grep -q "demo.session: 8 strips, 2 buses" "$tmp/out"

# --keep leaves the tracks and the session, which mixd render renders the same
check "demo keep" expect 0 "render them again" demo -s 2 -k "$tmp/keep" -o "$tmp/k.wav"
check "demo session kept" test -s "$tmp/keep/demo.session"
check "render of the kept demo" sh -c "cd '$tmp/keep' && '$mixd' render demo.session -q \
  -i kick=kick.wav -i snare=snare.wav -i hats=hats.wav -i bass=bass.wav -i keys=keys.wav \
  -i pad=pad.wav -i voice=voice.wav -i guitar=guitar.wav -o '$tmp/r.wav' >/dev/null 2>&1"
check "same as the demo" cmp -s "$tmp/k.wav" "$tmp/r.wav"

# Bit-identical on a second run, also at another rate
check "demo second render" expect 0 "wrote" demo -s 3 -o "$tmp/b.wav"
check "renders identical" cmp -s "$tmp/a.wav" "$tmp/b.wav"
check "demo 44.1 kHz" expect 0 "at 44100 Hz" demo -s 2 -r 44100

# An unwritable output fails with status 1 and leaves nothing behind
check "unwritable output" expect 1 "mixd demo: $tmp/missing/x.wav" demo -s 1 -o "$tmp/missing/x.wav"
check "no partial file" test ! -e "$tmp/missing/x.wav"
check "no temporary left" sh -c "! ls -A '$tmp' | grep -q '^\.'"

finish cli
