#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Sessions on disk against real mixd daemons (without JACK): a rich session
# saved and loaded in a fresh mixd is the same mix; broken session, autosave
# and config files are refused with FILE:LINE and keep the mix (and the
# autosaves); names that reach outside the session directory are refused and
# nothing outside it is written or read.  (Kills: kill.sh.)
set -u
: "${top_builddir:=$(dirname "$0")/..}"
daemon="$top_builddir/daemon/mixd"
mixd=$daemon # for expect (script_lib.sh)
# shellcheck disable=SC2034
mixctl="$top_builddir/clients/mixctl"
tmp=$(mktemp -d)
# Settings and sessions of this script's own
XDG_DATA_HOME="$tmp/data"
XDG_CONFIG_HOME="$tmp/config"
MIXD_SYSTEM_CONF="$tmp/etc/mixd.conf"
export XDG_DATA_HOME XDG_CONFIG_HOME MIXD_SYSTEM_CONF
lib="${top_srcdir:-$(dirname "$0")/..}/tests"
. "$lib/script_lib.sh"
jack_lock
. "$lib/mixd_lib.sh"
trap 'mixd_kill_all; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# The session as saved under its name in DIR
saved() { printf '%s/%s.session' "$1" "$2"; }

# ------------------------------------------------------------------ Round trip
# Stereo and mono strips, group and aux buses, sends of every kind, EQ,
# dynamics, VCAs, mute groups, the master chain, the monitor, connection
# rules, then aliases and scenes
cat >"$tmp/rich.txt" <<'S'
/strip/add kick 1
/strip/add vox 1
/strip/add keys 2
/bus/add drums group 2
/bus/add verb aux 2
/bus/add dly aux 1
/strip/kick/route/drums 1
/strip/kick/route/master 0
/strip/kick/polarity 1
/strip/kick/delay 1.5
/strip/kick/gate/on 1
/strip/kick/gate/threshold -40
/strip/kick/gate/hold 20
/strip/vox/trim 3.5
/strip/vox/hpf/on 1
/strip/vox/hpf/freq 120
/strip/vox/hpf/slope lr24
/strip/vox/eq/2/freq 2500
/strip/vox/eq/2/gain -3.5
/strip/vox/eq/2/q 2
/strip/vox/eq/4/type lowpass
/strip/vox/eq/after_comp 1
/strip/vox/lpf/on 1
/strip/vox/comp/on 1
/strip/vox/comp/threshold -18
/strip/vox/comp/ratio 3
/strip/vox/comp/detect rms
/strip/vox/send/verb/level -12
/strip/vox/send/verb/tap pre_fader
/strip/vox/send/verb/pan 0.25
/strip/vox/send/dly/level -20
/strip/vox/send/dly/on 0
/strip/vox/fader -4.5
/strip/vox/pan -0.25
/strip/vox/vca/1 1
/strip/vox/mutegroup/2 1
/strip/vox/safe/eq 1
/strip/keys/balance 0.5
/strip/keys/width 1.5
/strip/keys/send/verb/level -18
/strip/keys/send/verb/tap pre_eq
/strip/keys/vca/1 1
/strip/keys/mute 1
/strip/keys/solo_safe 1
/bus/drums/comp/on 1
/bus/drums/limiter/on 1
/bus/drums/limiter/ceiling -3
/bus/drums/fader -2
/bus/verb/route/master 1
/bus/verb/solo_safe 1
/bus/verb/eq/1/gain 2
/bus/dly/route/master 1
/bus/dly/safe/all 1
/vca/1/fader -6
/vca/2/mute 1
/mutegroup/2/mute 1
/master/eq/3/gain 1.5
/master/comp/on 1
/master/comp/makeup 2
/master/limiter/on 1
/master/limiter/ceiling -1.5
/master/width 0.75
/monitor/mode afl
/monitor/level -6
/jack/connect system:capture_1 kick_in
/jack/connect "system:capture_[23]" "keys_in_.*"
/jack/connect master_out_L system:playback_1
S
cat >"$tmp/aliases" <<'A'
/1/fader1   /strip/1/fader/norm
/1/rotary1  /strip/vox/pan  -1 1
A
dir_a="$tmp/a"
dir_b="$tmp/b"
mixd_start a --session-dir "$dir_a" --osc-alias "$tmp/aliases" || exit 1
check "the rich mix sent" ctl a 0 send "$tmp/rich.txt"
check "scene 1" ctl a 0 set /scene/store 1 Intro
check "changed for scene 2" ctl a 0 send - <<'S'
/strip/vox/fader -10
/bus/verb/fader -3
/strip/kick/mute 1
S
check "scene 2" ctl a 0 set /scene/store 2 "Verse 2"
check "scene 7" ctl a 0 set /scene/store 7
check "scene 7 named" ctl a 0 set /scene/7/name 'Outro "live" \ end'
check "saved" ctl a 0 set /session/save rich
check "saved as rich" has_text "$tmp/out" "/session/saved rich"
check "dump" dump_to a "$tmp/dump.a"
check "the session has the connection rules" has_text "$(saved "$dir_a" rich)" "/jack/connect system:capture_[23] keys_in_.*"
check "so has the dump" has_text "$tmp/dump.a" "/jack/connect system:capture_[23] keys_in_.*"
check "scenes listed" ctl a 0 get /scene/list
cp "$tmp/out" "$tmp/scenes.a"
check "three scenes" has_text "$tmp/scenes.a" "/scene/list/end 3"

# A fresh mixd with nothing of its own loads it by name
mkdir -p "$dir_b"
cp "$(saved "$dir_a" rich)" "$dir_b/"
mixd_start b --session-dir "$dir_b" || exit 1
check "no aliases before the load" ctl b 1 set /1/rotary1 0.75
check "load" ctl b 0 set /session/load rich
check "loaded" has_text "$tmp/out" "/session/loaded rich"
check "/dump identical" state_is b "$tmp/dump.a"
check "scenes" ctl b 0 get /scene/list
check "the same scenes and names" cmp -s "$tmp/scenes.a" "$tmp/out"
check "saved again" ctl b 0 set /session/save rich2
check "written again, byte for byte (mix, aliases, scenes)" \
  cmp "$(saved "$dir_a" rich)" "$(saved "$dir_b" rich2)"
for n in 1 2 7; do
  check "recall $n in the first" ctl a 0 set /scene/recall $n
  check "recall $n in the second" ctl b 0 set /scene/recall $n
  check "scene $n the same in both" dump_to a "$tmp/dump.a$n"
  check "scene $n /dump identical" state_is b "$tmp/dump.a$n"
done
check "scene 1 is not the saved mix" sh -c "! cmp -s '$tmp/dump.a' '$tmp/dump.a1'"
check "the alias came with the session" ctl b 0 set /1/rotary1 0.75
check "alias mapped" ctl b 0 get /strip/vox/pan
check "alias mapped to 0.5" has_text "$tmp/out" "/strip/vox/pan 0.5"

# A fresh mixd started with the file
cp "$(saved "$dir_a" rich)" "$tmp/rich.session"
ctl a 0 set /scene/recall 2 >/dev/null
mixd_start c --session-dir "$tmp/c" --session "$tmp/rich.session" || exit 1
check "--session: /dump identical" state_is c "$tmp/dump.a"
mixd_kill c
mixd_kill a

# A fresh mixd on the same directory: its autosave, the mix of the last
dump_to b "$tmp/dump.b"
mixd_kill b
mixd_start b --session-dir "$dir_b" || exit 1
check "restart restores the autosave" has_text "$tmp/b.log" "session 'rich2' restored from its autosave"
check "restart: /dump identical" state_is b "$tmp/dump.b"

# ------------------------------------------------------------ Broken sessions
# Each is refused with NAME:LINE (or the file) and its reason; the mix, its
# name and its files stay
printf '/strip/add x 1\n/strip/x/fader loud\n' >"$dir_b/bad.session"
header=$(grep -b -m1 '^\[scene' "$(saved "$dir_b" rich2)" | cut -d: -f1)
head -c $((header + 5)) "$(saved "$dir_b" rich2)" >"$dir_b/cut.session"
mid=$(grep -b -m1 "^/strip/vox/hpf/slope lr24$" "$(saved "$dir_b" rich2)" | cut -d: -f1)
head -c $((mid + 23)) "$(saved "$dir_b" rich2)" >"$dir_b/cutmid.session"
: >"$dir_b/empty.session"
gzip -n -c "$(saved "$dir_b" rich2)" >"$dir_b/binary.session"
printf '/strip/add x 1\n/strip/x/fader -3\n\377\376garbage\n' >"$dir_b/latin.session"
tree_of "$dir_b" | grep -v '/\.autosave/' >"$tmp/tree.b"
refused_load() { # NAME, then the error
  ctl b 1 set /session/load "$1" || return 1
  case $(cat "$tmp/err") in "mixctl: /session/load: $2"*) ;; *) false ;; esac || {
    echo "load $1: expected '$2', got:"
    cat "$tmp/err"
    return 1
  }
  state_is b "$tmp/dump.b" || return 1
  ctl b 0 get /session/current || return 1
  grep -qx "/session/current rich2 [01]" "$tmp/out" || { echo "name changed:" && cat "$tmp/out" && return 1; }
}
lines=$(wc -l <"$dir_b/cut.session")
check "a bad line" refused_load bad "bad:2: 'loud' is not a value of fader (-144 to 10 dB, or -inf)"
check "cut in a header" refused_load cut \
  "cut:$((lines + 1)): not a section header ([aliases] or [scene N \"NAME\"])"
lines=$(wc -l <"$dir_b/cutmid.session")
check "cut mid-line" refused_load cutmid "cutmid:$((lines + 1)): 'lr' is not a value of"
check "an empty file" refused_load empty "empty: the file is empty"
check "binary" sh -c "'$mixctl' -p $(cat "$tmp/b.port") set /session/load binary 2>&1 |
  grep -Eq '^mixctl: /session/load: binary:[0-9]+: (NUL byte in the line|not UTF-8 text)'"
check "binary: state kept" state_is b "$tmp/dump.b"
check "not UTF-8" refused_load latin "latin:3: not UTF-8 text (byte 1 of the line)"
check "missing" refused_load nope "no session 'nope'"
tree_of "$dir_b" | grep -v '/\.autosave/' >"$tmp/tree.b2"
check "the session files are untouched" cmp -s "$tmp/tree.b" "$tmp/tree.b2"
mixd_kill b

# SIGHUP with a broken --session file: logged, the mix kept; a good one is
# taken, so the refusals are not for want of a reload
printf '/strip/add h 1\n/strip/h/fader -3\n' >"$tmp/hup.session"
mixd_start h --session-dir "$tmp/h" --session "$tmp/hup.session" || exit 1
dump_to h "$tmp/dump.h"
hup() { # file text (printf format), then the log line it must give
  # shellcheck disable=SC2059
  printf "$1" >"$tmp/hup.session"
  kill -HUP "$(cat "$tmp/h.pid")"
  wait_text "$tmp/h.log" "$2"
}
check "SIGHUP, a bad line" hup '/strip/add h 1\n/strip/h/fadr -3\n' \
  "error: reload: $tmp/hup.session:2: "
check "SIGHUP, bad line: mix kept" state_is h "$tmp/dump.h"
check "SIGHUP, cut" hup '/strip/add h 1\n/strip/h/fader "-' \
  "error: reload: $tmp/hup.session:2: unterminated quote; the mix is unchanged"
check "SIGHUP, cut: mix kept" state_is h "$tmp/dump.h"
check "SIGHUP, empty" hup '' "error: reload: $tmp/hup.session: the file is empty; the mix is unchanged"
check "SIGHUP, empty: mix kept" state_is h "$tmp/dump.h"
check "SIGHUP, binary" hup '\037\213\010\000\000\000\000\000\000\003' "error: reload: $tmp/hup.session:1: "
check "SIGHUP, binary: mix kept" state_is h "$tmp/dump.h"
rm "$tmp/hup.session"
check "SIGHUP, missing" sh -c "kill -HUP $(cat "$tmp/h.pid")"
check "SIGHUP, missing: logged" wait_text "$tmp/h.log" "error: reload: $tmp/hup.session: No such file"
check "SIGHUP, missing: mix kept" state_is h "$tmp/dump.h"
check "SIGHUP, good" hup '/strip/add h 1\n/strip/h/fader -9\n' "reloaded $tmp/hup.session"
check "SIGHUP, good: taken" ctl h 0 get /strip/h/fader
check "SIGHUP, good: -9" has_text "$tmp/out" "/strip/h/fader -9"
mixd_kill h

# SIGHUP reads mixd.conf again.  What a running mixd can take on is
# applied at once: an allow-list that shuts loopback out and then lets it
# in, a new listen address (a socket bound anew, the old one closed), the
# log level, the lease.  A setting that needs a restart is logged as
# waiting, a broken file changes nothing, and the mix is never touched
# (no --session: SIGHUP does not go back to a saved session).
conf="$XDG_CONFIG_HOME/mixd/mixd.conf"
mkdir -p "$(dirname "$conf")"
printf 'log-level = notice\n' >"$conf"
mixd_start r --session-dir "$tmp/r" || exit 1
check "reload: a change to keep" ctl r 0 send /dev/stdin <<'SESSION'
/strip/add keep 1
/strip/keep/fader -7.5
SESSION
dump_to r "$tmp/dump.r"
hup_conf() { # file text (printf format), then the log line it must give
  # shellcheck disable=SC2059
  printf "$1" >"$conf"
  kill -HUP "$(cat "$tmp/r.pid")"
  wait_text "$tmp/r.log" "$2"
}
check "reload: allow-list" hup_conf 'osc-allow = 10.0.0.0/8\n' "reload: osc-allow = 10.0.0.0/8 (was )"
check "reload: loopback shut out" ctl r 1 --timeout 0.5 get /strip/keep/fader
check "reload: refusals logged" wait_text "$tmp/r.log" "from outside the allow-list"
check "reload: allow-list back" hup_conf 'osc-allow = 127.0.0.0/8\n' \
  "reload: osc-allow = 127.0.0.0/8 (was 10.0.0.0/8)"
check "reload: loopback let in" ctl r 0 get /strip/keep/fader
check "reload: log level, lease" hup_conf 'osc-allow = 127.0.0.0/8\nlog-level = info\nosc-lease = 7\n' \
  "reload: osc-lease = 7 (was 30)"
check "reload: log level logged" has_text "$tmp/r.log" "reload: log-level = info (was notice)"
check "reload: lease taken" ctl r 0 get /subscribe
check "reload: lease 7 s" has_text "$tmp/out" " 7"
check "reload: restart setting" hup_conf 'osc-allow = 127.0.0.0/8\nlog-level = info\nosc-lease = 7\nstrips = 17\n' \
  "warning: reload: strips = 17 takes effect at the next start; running with"
check "reload: broken file" hup_conf 'osc-lease = 7\nosc-lease = soon\n' \
  "error: reload: $conf:2: "
check "reload: broken file: settings kept" ctl r 0 get /strip/keep/fader
old_port=$(cat "$tmp/r.port")
check "reload: new address" hup_conf 'osc-listen = 0.0.0.0\n' "OSC on 0.0.0.0 port"
sed -n 's/.*OSC on 0\.0\.0\.0 port \([0-9]*\) (UDP).*/\1/p' "$tmp/r.log" >"$tmp/r.port"
check "reload: answers on the new socket" ctl r 0 get /strip/keep/fader
check "reload: old socket closed" mixctl_on "$old_port" 1 --timeout 0.5 get /strip/keep/fader
check "reload: the mix untouched" state_is r "$tmp/dump.r"
rm -f "$conf"
mixd_kill r

# A broken mixd.conf (the user's, the system's): no start, status 1,
# FILE:LINE: reason, and the session directory untouched; then a good start
# restores the autosave
tree_of "$dir_b" >"$tmp/tree.b"
bad_conf() { # FILE, its text (printf format), then the error
  mkdir -p "$(dirname "$1")"
  # shellcheck disable=SC2059
  printf "$2" >"$1"
  expect 1 "error: $1:$3" --session-dir "$dir_b" --server "persist-none-$$" --no-wait --no-osc
  st=$?
  rm -f "$1"
  [ $st -eq 0 ] || return 1
  tree_of "$dir_b" >"$tmp/tree.b2"
  cmp -s "$tmp/tree.b" "$tmp/tree.b2" || { echo "session directory changed:" && diff "$tmp/tree.b" "$tmp/tree.b2"; return 1; }
}
user="$XDG_CONFIG_HOME/mixd/mixd.conf"
check "user conf: unknown setting" bad_conf "$user" 'log-level = info\nbogus = 1\n' "2: "
check "user conf: bad value" bad_conf "$user" 'osc-port = lots\n' "1: "
check "user conf: cut mid-line" bad_conf "$user" 'log-level = info\nosc-po' "2: expected 'name = value'"
check "user conf: binary" bad_conf "$user" '\037\213\010\000\377\376=\001\n' "1: "
check "system conf: unknown setting" bad_conf "$MIXD_SYSTEM_CONF" '# mixd\n\nstrips = 8\nvcas 4\n' \
  "4: expected 'name = value'"
check "system conf: out of range" bad_conf "$MIXD_SYSTEM_CONF" 'strips = 0\n' "1: "
mixd_start b --session-dir "$dir_b" || exit 1
check "then a good start restores" state_is b "$tmp/dump.b"
mixd_kill b

# A broken newest autosave is skipped: the one before it is the mix
autosaves="$dir_b/.autosave/rich2"
newest() { find "$autosaves" -name '*.session' | LC_ALL=C sort | tail -n 1; }
broken_newest() { # how to break it (a shell command on $1), then a fader value
  mixd_start b --session-dir "$dir_b" || return 1
  dump_to b "$tmp/dump.before" || return 1
  ctl b 0 set /strip/vox/fader "$2" || return 1
  n=0
  until grep -qx "/strip/vox/fader $2" "$(newest)"; do
    n=$((n + 1))
    [ $n -gt 100 ] && { echo "no autosave of fader $2" && return 1; }
    sleep 0.05
  done
  mixd_kill b
  sh -c "$1" sh "$(newest)"
  mixd_start b --session-dir "$dir_b" || return 1
  grep -qF "session 'rich2' restored from its autosave (the newest did not read)" "$tmp/b.log" || {
    echo "not said:" && cat "$tmp/b.log" && return 1
  }
  state_is b "$tmp/dump.before" || return 1
  mixd_kill b
}
check "newest autosave with a bad line" broken_newest 'printf "/strip/vox/fader loud\n" >>"$1"' -31
check "newest autosave empty" broken_newest ': >"$1"' -32
check "newest autosave binary" broken_newest 'gzip -n <"$1" >"$1.gz" && mv "$1.gz" "$1"' -33
check "newest autosave cut mid-line" broken_newest 'printf "/strip/add \"z" >>"$1"' -34

# ------------------------------------------------------------ Path traversal
# The session directory is $box/home/sessions: one and two levels up are
# still in the sandbox $box, whose every file is compared before and after
box="$tmp/box"
sessions="$box/home/sessions"
mkdir -p "$box/etc" "$box/home"
printf '/strip/add secret 1\n/strip/secret/fader -77\n' >"$box/secret.session"
cp "$box/secret.session" "$box/home/secret.session"
cp "$box/secret.session" "$box/etc/secret.session"
mixd_start p --session-dir "$sessions" || exit 1
check "a strip" ctl p 0 set /strip/add z 1
check "its autosave" wait_text "$sessions/.autosave/default/000000000001.session" "/strip/add z 1"
tree_of "$box" >"$tmp/tree.before"
# Names that reach out, are not names, or are too long; each for each command
for name in .. ../x ../secret ../../secret ../../etc/secret "$box/secret" /etc/passwd /abs a/b \
  ./x x/.. . .hidden '..\secret' 'a\b' "$(printf 'a\001b')" "$(printf 'a\tb')" "$(printf 'a\nb')" \
  "$(printf 'a\033[31m')" "$(printf 'a\177')" "$(printf 'a\377b')" "$(printf '\300\257secret')" \
  "$(printf "%0128d" 0 | tr 0 x)" "$(printf "%04000d" 0 | tr 0 x)"; do
  for cmd in save load new; do
    check "/session/$cmd '$name' refused" ctl p 1 set /session/$cmd "$name"
    check "/session/$cmd '$name' said" grep -q "^mixctl: /session/$cmd: " "$tmp/err"
  done
done
check "a name of 127 bytes is a name (the limit is where it is said)" \
  ctl p 1 set /session/load "$(printf "%0127d" 0 | tr 0 x)"
check "no such session, not a bad name" has_text "$tmp/err" "no session '"
if command -v bash >/dev/null 2>&1; then
  # A NUL inside an OSC string (mixctl cannot send one): raw packets
  port=$(cat "$tmp/p.port")
  for s in 'x\000/../../evil' '..\000\000/../../evil\000\000' '\000../../evil\000\000\000'; do
    bash -c "printf '/session/save\\000\\000\\000,s\\000\\000$s\\000' >/dev/udp/127.0.0.1/$port"
  done
  check "alive after raw packets" ctl p 0 info
fi
check "the name is kept" ctl p 0 get /session/current
check "still 'default'" grep -qx "/session/current default [01]" "$tmp/out"
check "nothing saved by those names" ctl p 0 get /session/list
check "no sessions at all" out_is "/session/list"
tree_of "$box" >"$tmp/tree.after"
check "no file created or changed, in or out of the directory" cmp "$tmp/tree.before" "$tmp/tree.after"
check "nothing at the root" test ! -e /abs.session
check "the secret was never read" sh -c "! '$mixctl' -p $(cat "$tmp/p.port") dump | grep -q secret"

# Scene names are labels, not files: those that are text are kept exactly,
# through a save and a load, and write nothing but the session
check "a scene named like a path" ctl p 0 set /scene/store 1 "../../secret"
check "a scene named like an absolute path" ctl p 0 set /scene/store 2 "$box/secret.session"
check "a scene name with control characters" ctl p 1 set /scene/store 3 "$(printf 'a\nb')"
check "a scene name with control characters said" has_text "$tmp/err" "control characters"
check "renamed like a path" ctl p 0 set /scene/1/name "a/../../b"
check "rename with control characters" ctl p 1 set /scene/2/name "$(printf 'a\033b')"
check "saved with its scenes" ctl p 0 set /session/save scenes
check "loaded again" ctl p 0 set /session/load scenes
check "scene names kept" ctl p 0 get /scene/list
check "scene names as given" out_is "/scene/list/item 1 a/../../b" \
  "/scene/list/item 2 $box/secret.session" "/scene/list/end 2"
tree_of "$box" | grep -v ' \./home/sessions/' >"$tmp/tree.after"
grep -v ' \./home/sessions/' "$tmp/tree.before" >"$tmp/tree.outside"
check "nothing outside the directory" cmp "$tmp/tree.outside" "$tmp/tree.after"
check "only that session saved" test "$(ls "$sessions")" = "scenes.session"
mixd_kill p
finish persist
