#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `mixd render` from the command line: good runs write the files and the
# report, bad arguments and bad files fail with a clear message and the
# documented status (2 for usage, 1 for failures), leaving no output.
set -u
: "${top_builddir:=$(dirname "$0")/..}"
mixd="$top_builddir/daemon/mixd"
mkwav="$top_builddir/tests/mkwav"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "${top_srcdir:-$(dirname "$0")/..}/tests/script_lib.sh"

# Only the given names in $tmp/out.d: no output, no temporary
only() {
  [ "$(ls -A "$tmp/o" | tr '\n' ' ')" = "$*" ] || {
    echo "in $tmp/o: $(ls -A "$tmp/o")"
    return 1
  }
}

mkdir "$tmp/o"
"$mkwav" "$tmp/vox.wav" 48000 1 48000 sine 440 0.5
"$mkwav" "$tmp/keys.wav" 48000 2 24000 sine 220 0.25
"$mkwav" "$tmp/keys44.wav" 44100 2 24000 sine 220 0.25
"$mkwav" "$tmp/mono.flac" 48000 1 48000 noise 0.2 7
cat >"$tmp/mix.session" <<'S'
# two strips and a reverb send
/strip/add vox 1
/strip/add keys 2
/bus/add verb aux 2
/strip/vox/fader -6
/strip/vox/send/verb/level -12
/master/limiter/on 1
S

# Usage errors: status 2
check "render --help" expect 0 "Usage: mixd render" render --help
check "no session" expect 2 "no session given" render -o "$tmp/o/x.wav"
check "no output" expect 2 "no output given" render "$tmp/mix.session" -i "$tmp/vox.wav"
check "two sessions" expect 2 "one session only" render a b -o "$tmp/o/x.wav"
check "bad bits" expect 2 "--bits must be 16, 24 or 32, not '20'" render "$tmp/mix.session" -b 20 -o x.wav
check "bad block" expect 2 "--block must be" render "$tmp/mix.session" --block 0 -o x.wav
check "bad normalize" expect 2 "--normalize must be a loudness" render "$tmp/mix.session" --normalize loud -o x.wav
check "unknown option" expect 2 "Usage: mixd render" render --bogus

# A good render: report, files, levels
check "render" expect 0 "integrated" render "$tmp/mix.session" -i "$tmp/vox.wav" -i keys="$tmp/keys.wav" \
  -o "$tmp/o/master.wav" --stems "$tmp/o/stems"
check "report names the session" grep -q "2 strips, 1 bus, 1.0 s at 48000 Hz" "$tmp/out"
check "report has true peak" grep -q "true peak *dBTP" "$tmp/out"
check "report has levels" grep -q "^vox *strip *-12.0" "$tmp/out"
check "master written" test -s "$tmp/o/master.wav"
sed -n '/^  /p' "$tmp/out" | head -6 >"$tmp/render-report"
check "loudness of the file" expect 0 "2 channels, 1.0 s at 48000 Hz" loudness "$tmp/o/master.wav"
check "same report as the render" sh -c "sed -n '/^  /p' '$tmp/out' | cmp -s - '$tmp/render-report'"
check "loudness of a missing file" expect 1 "nope.wav" loudness "$tmp/nope.wav"
check "loudness without a file" expect 2 "Usage: mixd loudness" loudness
check "stem written" test -s "$tmp/o/stems/verb.wav"
check "no progress bar off a terminal" sh -c "! grep -q '\[#' '$tmp/out'"
if command -v script >/dev/null 2>&1; then
  # On a terminal (script(1) gives it one): a bar that reaches 100%
  script -qec "'$mixd' render '$tmp/mix.session' -i '$tmp/vox.wav' -o '$tmp/o/tty.wav'" /dev/null \
    >"$tmp/tty" 2>&1
  check "progress bar on a terminal" grep -q 'rendering *\[#*\] 100%' "$tmp/tty"
  rm -f "$tmp/o/tty.wav"
fi
check "FLAC output" expect 0 "wrote $tmp/o/m.flac" render "$tmp/mix.session" -i "$tmp/mono.flac" -o "$tmp/o/m.flac" -b 16
check "normalize" expect 0 "normalized to -16.0 LUFS" render "$tmp/mix.session" -i "$tmp/vox.wav" \
  -o "$tmp/o/n.wav" --normalize -16
check "normalize report after" sh -c "sed -n 's/^  integrated *LUFS *[-0-9.]* *//p' '$tmp/out' | grep -qx -- '-16.0'"
rm -rf "$tmp/o"/*

# Failures: status 1, a message naming the problem, nothing written
check "missing session" expect 1 "$tmp/nope.session: No such file" render "$tmp/nope.session" -i "$tmp/vox.wav" -o "$tmp/o/x.wav"
printf '/strip/add vox 1\n/strip/vox/fader 99\n' >"$tmp/bad.session"
check "bad session line" expect 1 "bad.session:2: 99 is out of range for fader" render "$tmp/bad.session" -i "$tmp/vox.wav" -o "$tmp/o/x.wav"
check "missing input" expect 1 "$tmp/gone.wav" render "$tmp/mix.session" -i "$tmp/gone.wav" -o "$tmp/o/x.wav"
check "wrong rate" expect 1 "sample rate 44100 Hz, but $tmp/vox.wav is 48000 Hz" render "$tmp/mix.session" \
  -i "$tmp/vox.wav" -i "$tmp/keys44.wav" -o "$tmp/o/x.wav"
check "wrong channels" expect 1 "2 channels, but strip 'vox' is mono" render "$tmp/mix.session" -i "$tmp/keys.wav" -o "$tmp/o/x.wav"
cp "$tmp/vox.wav" "$tmp/cut.wav"
truncate -s 30000 "$tmp/cut.wav"
check "truncated input" expect 1 "cut.wav: truncated" render "$tmp/mix.session" -i "$tmp/cut.wav" -o "$tmp/o/x.wav"
check "too many inputs" expect 1 "more inputs than strips" render "$tmp/mix.session" -i "$tmp/vox.wav" \
  -i "$tmp/keys.wav" -i "$tmp/vox.wav" -o "$tmp/o/x.wav"
check "unknown strip" expect 1 "no strip named 'bass'" render "$tmp/mix.session" -i bass="$tmp/vox.wav" -o "$tmp/o/x.wav"
check "unknown format" expect 1 "unknown output format" render "$tmp/mix.session" -i "$tmp/vox.wav" -o "$tmp/o/x.mp3"
check "float FLAC" expect 1 "FLAC has no float samples" render "$tmp/mix.session" -i "$tmp/vox.wav" -o "$tmp/o/x.flac" -b 32
check "unwritable output" expect 1 "$tmp/o/missing/x.wav" render "$tmp/mix.session" -i "$tmp/vox.wav" -o "$tmp/o/missing/x.wav"
check "nothing left behind" only ""

finish render
