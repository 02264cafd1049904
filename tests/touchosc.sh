#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The TouchOSC layout and its alias file (clients/touchosc): the layout is a
# TouchOSC mk1 file (a ZIP holding a well-formed index.xml) that fits its
# screen, every address it sends is an alias, and against a real mixd (no
# JACK server needed) with an 8-strip session every alias reaches a control,
# a message on an alias drives its target, feedback goes out on the aliases
# (SYNC subscribes the tablet's own port), and the bridge in the README
# brings names, state, meters and changes to the tablet.
set -u
: "${top_builddir:=$(dirname "$0")/..}"
: "${top_srcdir:=$(dirname "$0")/..}"
mixd="$top_builddir/daemon/mixd"
dir="$top_srcdir/clients/touchosc"
layout="$dir/mixd-8.touchosc"
aliases="$dir/mixd-8.alias"
py=/usr/bin/python3
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d)
# Sessions of this script's own (mixd locks its session directory)
XDG_DATA_HOME="$tmp/data"
export XDG_DATA_HOME
pid=
stop_mixd() {
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null
  n=0
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 30 ]; do
    sleep 0.1
    n=$((n + 1))
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=
}
trap 'stop_mixd; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
. "$top_srcdir/tests/script_lib.sh"
jack_lock

if [ ! -x "$py" ]; then
  echo "touchosc: $py not found: skipped"
  exit 77
fi

# The OSC client and the layout reader: plain Python, OSC bytes by hand
cat >"$tmp/tosc.py" <<'PY'
import base64, socket, struct, subprocess, sys, time, zipfile
import xml.etree.ElementTree as ET

def pad(b): return b + b"\0" * (4 - len(b) % 4)

def osc(addr, *args):
    tags, data = ",", b""
    for a in args:
        if isinstance(a, str): tags, data = tags + "s", data + pad(a.encode())
        elif isinstance(a, int): tags, data = tags + "i", data + struct.pack(">i", a)
        else: tags, data = tags + "f", data + struct.pack(">f", a)
    return pad(addr.encode()) + pad(tags.encode()) + data

def parse(p, out):
    if p.startswith(b"#bundle\0"):
        i = 16
        while i + 4 <= len(p):
            n = struct.unpack(">i", p[i:i + 4])[0]
            parse(p[i + 4:i + 4 + n], out)
            i += 4 + n
        return out
    def string(i):
        j = p.index(b"\0", i)
        return p[i:j].decode(), (j + 4) & ~3
    addr, i = string(0)
    tags, i = string(i) if i < len(p) else (",", i)
    args = []
    for t in tags[1:]:
        if t in "if": args.append(struct.unpack(">" + t, p[i:i + 4])[0]); i += 4
        elif t == "s": s, i = string(i); args.append(s)
    out.append((addr, args))
    return out

failed = []
def fail(what):
    failed.append(what)
    print("  " + what)

# ---- the layout

SENDS = {"push", "toggle", "faderh", "faderv", "rotaryh", "rotaryv", "encoder", "xy"}
SHOWS = {"led", "labelh", "labelv", "batteryh", "batteryv", "timeh", "timev"}

def b64(text): return base64.b64decode(text, validate=True).decode()

def controls(path):  # [(type, address, has_osc_cs, x, y, w, h)]
    z = zipfile.ZipFile(path)
    if z.testzip() is not None or z.namelist() != ["index.xml"]:
        raise SystemExit("not a ZIP holding index.xml alone: %s" % z.namelist())
    root = ET.fromstring(z.read("index.xml"))
    if root.tag != "layout" or root.get("version") != "17" or root.get("mode") != "1" \
            or root.get("orientation") != "vertical" or not root.findall("tabpage"):
        raise SystemExit("not a TouchOSC mk1 iPad landscape layout: %s" % root.attrib)
    out = []
    for page in root.findall("tabpage"):
        for c in page.findall("control"):
            kind = c.get("type")
            if kind not in SENDS | SHOWS:
                raise SystemExit("unexpected control type %s" % kind)
            cs = c.get("osc_cs")
            addr = b64(cs) if cs else "/%s/%s" % (b64(page.get("name")), b64(c.get("name")))
            if kind.startswith("label"): b64(c.get("text"))
            out.append((kind, addr, bool(cs)) + tuple(int(c.get(k)) for k in "xywh"))
    return out

def cmd_zip(path):
    controls(path)

def cmd_sends(path):  # the addresses touch controls send, one each
    seen = [c[1] for c in controls(path) if c[0] in SENDS]
    for a in sorted(set(seen)): print(a)
    if len(seen) != len(set(seen)): raise SystemExit("two controls send the same address")

def cmd_shows(path):  # the addresses shown by labels and LEDs that have one
    for a in sorted({c[1] for c in controls(path) if c[0] in SHOWS and c[2]}): print(a)

def cmd_fit(path):  # inside 728 x 1024 (the iPad less the tab bar), touch controls apart
    cs = controls(path)
    for kind, addr, _, x, y, w, h in cs:
        if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > 728 or y + h > 1024:
            fail("%s %s is off the screen" % (kind, addr))
    touch = [c for c in cs if c[0] in SENDS]
    for i, a in enumerate(touch):
        for b in touch[i + 1:]:
            if a[3] < b[3] + b[5] and b[3] < a[3] + a[5] and a[4] < b[4] + b[6] and b[4] < a[4] + a[6]:
                fail("%s and %s overlap" % (a[1], b[1]))

# ---- mixd

def aliases(path):
    out = []
    for line in open(path):
        f = line.split("#")[0].split()
        if f: out.append((f[0], f[1], *map(float, f[2:])))
    return out

class Peer:
    def __init__(self, port):
        self.to = ("127.0.0.1", port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.port = self.s.getsockname()[1]
        self.bundles = 0
    def send(self, addr, *args): self.s.sendto(osc(addr, *args), self.to)
    def messages(self, seconds):  # each message as it comes, bundles opened, for some seconds
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.s.settimeout(max(0.001, end - time.monotonic()))
            try: p = self.s.recv(65536)
            except socket.timeout: return
            self.bundles += p.startswith(b"#bundle")
            yield from parse(p, [])
    def recv(self, seconds): return list(self.messages(seconds))
    def ask(self, addr, *args, want=None):  # the reply to a message (the first, or the one on `want`)
        self.recv(0.001)
        self.send(addr, *args)
        for m in self.messages(2):
            if want is None or m[0] == want or m[0] == "/error": return m
        return ("(no reply)", [])
    def wait(self, want, seconds=2):  # until every (address, args) of `want` came; what did not, all that did
        want, got = dict(want), []
        for a, args in self.messages(seconds):
            got.append((a, args))
            if a in want and (want[a] is None or close(args, want[a])): del want[a]
            if not want: break
        return want, got

def close(got, want):
    if len(got) != len(want): return False
    for g, w in zip(got, want):
        if isinstance(w, str) or isinstance(g, str):
            if g != w: return False
        elif not (g == w or abs(g - w) < 1e-4): return False
    return True

def cmd_ping(port):
    p, end = Peer(int(port)), time.monotonic() + 10
    while time.monotonic() < end:
        if p.ask("/ping", 7)[0] == "/pong": return
    raise SystemExit("mixd does not answer /ping")

def cmd_targets(port, path):  # a get of every target gets a value
    p = Peer(int(port))
    for alias, target, *_ in aliases(path):
        if target == "/subscribe":
            r = p.ask(target)
            p.ask("/unsubscribe")
            if r[0] != "/subscribed": fail("%s -> %s: %s" % (alias, target, r))
            continue
        r = p.ask(target)
        if r[0] in ("/error", "(no reply)") or len(r[1]) != 1 or isinstance(r[1][0], str):
            fail("%s -> %s: %s %s" % (alias, target, r[0], r[1]))

def cmd_drive(port, layout, path):  # a message on an alias sets its target, scaled
    p = Peer(int(port))
    sends = {c[1] for c in controls(layout) if c[0] in SENDS}
    for alias, target, *scale in aliases(path):  # each control of the layout, and back
        if alias not in sends or target == "/subscribe": continue
        before = p.ask(target)[1]
        x = (0.0 if before == [1] else 1.0) if target.endswith(("/mute", "/solo")) else 0.25
        p.ask(alias, x)
        v = p.ask(target)[1]
        back = (v[0] - scale[0]) / (scale[1] - scale[0]) if scale and v else v[0] if v else None
        if back is None or abs(back - x) > 1e-4: fail("%s %s: %s is %s" % (alias, x, target, v))
        if before: p.ask(target, "-inf" if before[0] == float("-inf") else before[0])
    for alias, x, target, want in [
            ("/1/fader1", 0.75, "/strip/1/fader", 0.0), ("/1/fader2", 0.0, "/strip/2/fader", float("-inf")),
            ("/1/fader8", 0.5, "/strip/8/fader", -10.0), ("/1/fader9", 1.0, "/master/fader", 10.0),
            ("/1/rotary1", 0.25, "/strip/1/pan", -0.5), ("/1/rotary5", 1.0, "/strip/5/pan", 1.0),
            ("/1/rotary9", 0.5, "/master/pan", 0.0), ("/1/toggle1", 0.0, "/strip/1/mute", 0),
            ("/1/toggle3", 1.0, "/strip/3/mute", 1), ("/1/toggle16", 1.0, "/strip/8/solo", 1),
            ("/1/toggle16", 0.0, "/strip/8/solo", 0), ("/1/toggle17", 1.0, "/master/mute", 1),
            ("/1/toggle17", 0.0, "/master/mute", 0)]:
        r = p.ask(alias, x)
        if r[0] == "/error": fail("%s %s: %s" % (alias, x, r[1]))
        r = p.ask(target)
        if not close(r[1], [want]): fail("%s %s: %s is %s, not %s" % (alias, x, target, r[1], want))

def cmd_feedback(port):  # SYNC subscribes the tablet's incoming port; changes come back on the aliases
    tablet_out, tablet_in, other = Peer(int(port)), Peer(int(port)), Peer(int(port))
    r = tablet_out.ask("/1/sync", float(tablet_in.port), want="/subscribed")
    if r[0] != "/subscribed": fail("/1/sync %d: %s %s" % (tablet_in.port, r[0], r[1]))
    other.ask("/strip/1/mute", 1)
    other.ask("/strip/6/fader/norm", 0.5)
    other.ask("/strip/7/pan", 0.5)
    other.ask("/master/mute", 1)
    tablet_out.send("/1/toggle12", 1.0)  # the tablet's own change comes back too
    missing, got = tablet_in.wait({"/1/toggle1": [1.0], "/1/fader6": [0.5], "/1/level6": [-10.0],
                                   "/1/rotary7": [0.75], "/1/toggle17": [1.0], "/1/toggle12": [1.0]})
    for a, v in missing.items(): fail("no feedback %s %s (got %s)" % (a, v, [m for m in got if m[0].startswith("/1/")]))
    if any(m[0].startswith("/1/") for m in tablet_out.recv(0.2)): fail("feedback went to the sending port")
    other.ask("/master/mute", 0)
    other.ask("/strip/4/solo", 0)
    tablet_out.send("/unsubscribe", tablet_in.port)

def cmd_meters(port):  # what the bridge needs: meter bundles, and mixd still there after them
    p = Peer(int(port))
    r = p.ask("/meters/subscribe", 20, want="/meters/subscribed")
    if r[0] != "/meters/subscribed": fail("/meters/subscribe 20: %s %s" % r)
    missing, got = p.wait({"/meters/strip/kick": None, "/meters/strip/fx": None, "/meters/master": None,
                           "/meters/loudness": None})
    for a in missing: fail("no %s" % a)
    p.ask("/meters/unsubscribe")
    if Peer(int(port)).ask("/ping", 1)[0] != "/pong": fail("mixd does not answer after sending meters")

def cmd_bridge(port, bridge, path):  # the README's bridge feeds the tablet
    tablet, other = Peer(int(port)), Peer(int(port))
    names = [other.ask("/strip/%d/name" % n)[1] for n in range(1, 9)]
    norm6 = other.ask("/strip/6/fader/norm")[1]
    mute3 = other.ask("/strip/3/mute")[1]
    if not all(names) or not norm6 or not mute3: return fail("mixd does not answer")
    names, norm6, mute3 = [n[0] for n in names], norm6[0], float(mute3[0])
    run = subprocess.Popen(["timeout", "60", sys.executable, bridge, path, "127.0.0.1:%d" % tablet.port,
                            "127.0.0.1:%s" % port])
    try:
        want = {"/1/name%d" % (n + 1): [names[n]] for n in range(8)}
        want.update({"/1/fader6": [norm6], "/1/toggle3": [mute3], "/1/meter1/1": [0.0],
                     "/1/meter8/8": [0.0], "/1/meter10/8": [0.0], "/1/loudness": None})
        missing, got = tablet.wait(want, 5)
        for a, v in missing.items(): fail("bridge: no %s %s" % (a, v))
        loud = [args for a, args in got if a == "/1/loudness"]
        if loud and not (len(loud[0]) == 1 and str(loud[0][0]).endswith(" LUFS")):
            fail("bridge: /1/loudness %s" % loud[0])
        other.ask("/strip/8/mute", 1)
        other.ask("/strip/1/name", "kik")
        missing, got = tablet.wait({"/1/toggle8": [1.0], "/1/name1": ["kik"]}, 5)
        for a, v in missing.items(): fail("bridge: no %s %s after a change" % (a, v))
        if tablet.bundles: fail("bridge: sent %d bundles" % tablet.bundles)
    finally:
        run.terminate()
        run.wait()

globals()["cmd_" + sys.argv[1]](*sys.argv[2:])
sys.exit(1 if failed else 0)
PY
tosc() { "$py" "$tmp/tosc.py" "$@"; }

# The layout
check "layout: a ZIP holding a well-formed index.xml" tosc zip "$layout"
check "layout: fits the iPad, touch controls apart" tosc fit "$layout"
check "layout: its touch controls' addresses" sh -c "'$py' '$tmp/tosc.py' sends '$layout' >'$tmp/sends'"
check "layout: its labels' and LEDs' addresses" sh -c "'$py' '$tmp/tosc.py' shows '$layout' >'$tmp/shows'"
sed 's/#.*//' "$aliases" | awk 'NF { print $1 }' | sort >"$tmp/aliases"
check "layout: 36 touch controls" test "$(wc -l <"$tmp/sends")" -eq 36
check "layout: every address it sends is an alias" sh -c "comm -23 '$tmp/sends' '$tmp/aliases' | \
  sed 's/^/  not an alias: /' | grep . && exit 1 || exit 0"
check "layout: every alias is a control of the layout" sh -c "sort -u '$tmp/sends' '$tmp/shows' | \
  comm -13 - '$tmp/aliases' | sed 's/^/  not in the layout: /' | grep . && exit 1 || exit 0"
# What labels and LEDs show is an alias or comes from the bridge
check "layout: what it shows has a source" sh -c "comm -23 '$tmp/shows' '$tmp/aliases' | \
  grep -Ev '^/1/(name[1-8]|meter([1-9]|10)/[1-8]|loudness)$' | sed 's/^/  no source: /' | grep . && exit 1 || exit 0"
check "alias file: unique aliases" sh -c "uniq -d '$tmp/aliases' | grep . && exit 1 || exit 0"

# A bad alias file stops mixd at once, with its line
printf '/1/fader1 /strip/1/fader/norm\n/1/fader2\n' >"$tmp/bad.alias"
check "bad alias file" expect 1 "bad.alias:2: expected ALIAS TARGET \[LO HI\]" \
  --server "none-$$" --osc-port 0 --osc-alias "$tmp/bad.alias"
printf '/1/rotary1 /strip/1/pan 1 1\n' >"$tmp/bad.alias"
check "alias with LO = HI" expect 1 "bad.alias:1: LO and HI must be two different numbers" \
  --server "none-$$" --osc-port 0 --osc-alias "$tmp/bad.alias"

# mixd with 8 strips (mono and stereo, named: the aliases go by position), no JACK server
cat >"$tmp/8.session" <<'S'
/strip/add kick 1
/strip/add snare 1
/strip/add bass 1
/strip/add gtr 1
/strip/add keys 2
/strip/add vox 1
/strip/add pads 2
/strip/add fx 2
/strip/vox/fader -6
/strip/bass/mute 1
S
JACK_NO_START_SERVER=1
export JACK_NO_START_SERVER
"$mixd" --server "none-$$" --osc-port 0 --osc-alias "$aliases" --session "$tmp/8.session" -l info \
  >"$tmp/mixd.log" 2>&1 &
pid=$!
n=0
while ! grep -q "OSC on 127.0.0.1 port" "$tmp/mixd.log" && kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
  sleep 0.1
  n=$((n + 1))
done
port=$(sed -n 's/.*OSC on 127\.0\.0\.1 port \([0-9]*\) (UDP).*/\1/p' "$tmp/mixd.log")
if [ -z "$port" ] || ! tosc ping "$port"; then
  echo "FAIL: mixd with the alias file does not answer"
  cat "$tmp/mixd.log"
  failed=$((failed + 1))
  finish touchosc
  exit
fi
check "every alias target answers a get" tosc targets "$port" "$aliases"
check "SYNC subscribes the tablet; feedback on the aliases" tosc feedback "$port"
check "aliases drive their targets, scaled" tosc drive "$port" "$layout" "$aliases"
check "meters for the bridge" tosc meters "$port"
sed -n '/^#!\/usr\/bin\/python3$/,/^# end of the bridge$/p' "$dir/README" >"$tmp/bridge"
check "README bridge: names, state, meters, changes" tosc bridge "$port" "$tmp/bridge" "$aliases"
check "mixd is still running" sh -c "kill -0 $pid 2>/dev/null"
check "mixd logged no error" sh -c "! grep -iE '(error|warning):' '$tmp/mixd.log'"
stop_mixd

finish touchosc
