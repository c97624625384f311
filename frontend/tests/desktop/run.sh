#!/usr/bin/env bash
# Desktop test: runs the real Wails binary under Xvfb, waits until the console
# tells Go it has rendered real data ("console ready" in the app's log),
# screenshots the screen and checks the picture is a rendered console, not a
# blank window. With xdotool it then clicks Clients and Keys in the sidebar,
# as a person would, and screenshots each (checking the sidebar marks the
# screen as current).
#
#   LATCHKEY_BIN=build/bin/latchkey bash tests/desktop/run.sh
#
# Env: LATCHKEY_BIN   the binary built by `go tool -modfile=tools/go.mod wails build` (default build/bin/latchkey)
#      ARTIFACTS      where screenshots and the app log go (default <repo>/test-artifacts)
#      READY_TIMEOUT  seconds to wait for "console ready" (default 60)
#      XVFB_SCREEN    the Xvfb screen (default 1280x800x24)
# Needs: xvfb-run (xvfb), import and convert (imagemagick); xdotool for the
#        Clients and Keys screens (skipped, and said so, without it).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
bin=${LATCHKEY_BIN:-build/bin/latchkey}
[[ $bin = /* ]] || bin=$repo/$bin
artifacts=${ARTIFACTS:-$repo/test-artifacts}
[[ $artifacts = /* ]] || artifacts=$repo/$artifacts
ready_timeout=${READY_TIMEOUT:-60}
screen=${XVFB_SCREEN:-1280x800x24}
shot=$artifacts/desktop-dashboard.png
shot_clients=$artifacts/desktop-clients.png
shot_keys=$artifacts/desktop-keys.png
log=$artifacts/desktop-app.log

fail() {
  echo "desktop: FAIL: $*" >&2
  if [[ -s $log ]]; then
    echo "desktop: last lines of the app's log ($log):" >&2
    tail -n 25 "$log" | sed 's/^/  | /' >&2
  fi
  echo "desktop: 0 passed, 1 failed"
  exit 1
}

[[ -x $bin ]] || fail "no latchkey binary at $bin: build it with 'go tool -modfile=tools/go.mod wails build' (make build) or set LATCHKEY_BIN"
for tool in xvfb-run import convert; do
  command -v "$tool" >/dev/null || fail "$tool is missing: apt-get install xvfb imagemagick"
done
mkdir -p "$artifacts" || fail "cannot create $artifacts"
rm -f "$shot" "$shot_clients" "$shot_keys" "$log"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-desktop.XXXXXX") || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

# Everything that needs the display runs inside one xvfb-run session: start the
# app, wait for "console ready", screenshot, stop the app. Its exit code says
# which step failed (see the case below).
inner=$(cat <<'INNER'
set -u
# A private home for WebKit's caches and the default data dir; no GPU under Xvfb.
export XDG_CONFIG_HOME=$TMPHOME/config XDG_CACHE_HOME=$TMPHOME/cache XDG_DATA_HOME=$TMPHOME/share
export XDG_RUNTIME_DIR=$TMPHOME/run && mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1 NO_AT_BRIDGE=1
"$BIN" --data "$TMPHOME/data" >"$LOG" 2>&1 &
app=$!
stop() {
  kill -TERM "$app" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$app" 2>/dev/null || { wait "$app" 2>/dev/null; return 0; }; sleep 0.1; done
  kill -KILL "$app" 2>/dev/null; wait "$app" 2>/dev/null
}
trap stop EXIT
trap 'exit 143' TERM INT
deadline=$((SECONDS + READY_TIMEOUT))
until grep -q 'console ready' "$LOG" 2>/dev/null; do
  kill -0 "$app" 2>/dev/null || exit 10        # the app died before it was ready
  (( SECONDS < deadline )) || exit 11          # never ready
  sleep 0.25
done
sleep 2 # let WebKit paint the frame after the data arrived
import -window root "$SHOT" || exit 12
kill -0 "$app" 2>/dev/null || exit 13          # the app died while we looked
# Clients and Keys, clicked in the sidebar as a person would. The entries sit
# at fixed points of the window (x 70; y 194 and 337 below its top edge);
# the window's place on the screen comes from xdotool.
if [[ $XDOTOOL = 1 ]]; then
  geo=$(xdotool search --onlyvisible --name '^Latchkey$' getwindowgeometry --shell 2>/dev/null | grep -E '^(X|Y)=') || exit 14
  eval "$geo"
  echo "$Y" >"$TMPHOME/window-y"
  # Click an entry, then watch for up to 8 s for the sidebar to mark it
  # current (a loaded machine may take a while to paint); a click that got
  # no reaction at all is tried again, as a person would, and said so.
  click_entry() { # x y screenshot
    local try px
    for try in 1 2 3; do
      xdotool mousemove "$1" "$2" sleep 0.3 click 1 || return 1
      for _ in $(seq 1 16); do
        sleep 0.5
        import -window root "$3" || return 1
        px=$(convert "$3" -crop 1x1+190+"$2" -depth 8 -format '%[hex:p{0,0}]' info: 2>/dev/null)
        [[ ${px^^} = 272F52* ]] && return 0
      done
      echo "desktop: no reaction to click $try at y=$2; clicking again" >&2
    done
    return 0 # the check outside reports the screen that did not open
  }
  click_entry $((X + 70)) $((Y + 194)) "$SHOT_CLIENTS" || exit 14
  click_entry $((X + 70)) $((Y + 337)) "$SHOT_KEYS" || exit 14
  kill -0 "$app" 2>/dev/null || exit 13
fi
exit 0
INNER
)

xdo=0
if command -v xdotool >/dev/null; then xdo=1; fi
echo "desktop: starting $bin under Xvfb (waiting up to ${ready_timeout}s for \"console ready\")"
BIN=$bin LOG=$log SHOT=$shot SHOT_CLIENTS=$shot_clients SHOT_KEYS=$shot_keys XDOTOOL=$xdo TMPHOME=$tmp READY_TIMEOUT=$ready_timeout \
  timeout --kill-after=10 $((ready_timeout + 60)) \
  xvfb-run -a -s "-screen 0 $screen" bash -c "$inner"
rc=$?
case $rc in
  0) ;;
  10) fail "the app exited before the console was ready" ;;
  11) fail "no \"console ready\" in the app's log within ${ready_timeout}s" ;;
  12) fail "import could not screenshot the Xvfb screen" ;;
  13) fail "the app exited right after the console was ready" ;;
  14) fail "could not click through the sidebar with xdotool, or screenshot it" ;;
  124 | 137) fail "the desktop run did not finish in time (timeout)" ;;
  *) fail "xvfb-run or the app failed (exit $rc)" ;;
esac
echo "desktop: console ready; screenshot at $shot"

# Not blank: a real console has many colours and contrast, and its light main
# area (--bg #f4f5f9 and the white cards on it) fills a good part of the screen; a window that painted
# nothing shows only the dark Wails background colour.
[[ -s $shot ]] || fail "no screenshot at $shot"
stddev=$(convert "$shot" -colorspace Gray -format '%[fx:standard_deviation]' info:) || fail "cannot read $shot"
colours=$(convert "$shot" -format '%k' info:) || fail "cannot read $shot"
light=$(convert "$shot" -fuzz 3% -fill white -opaque '#ffffff' -fill white -opaque '#f4f5f9' -fill black +opaque white -colorspace Gray -format '%[fx:mean]' info:) ||
  fail "cannot read $shot"
echo "desktop: screenshot grey standard deviation $stddev, $colours colours, console background covers $light of the screen"
awk -v s="$stddev" 'BEGIN { exit !(s > 0.05) }' || fail "the screenshot is blank (grey standard deviation $stddev <= 0.05)"
(( colours > 64 )) || fail "the screenshot has only $colours colours: nothing rendered"
awk -v l="$light" 'BEGIN { exit !(l > 0.5) }' || fail "the console's light main area covers only $light of the screen: the page did not render"

passed=1
# The sidebar marks the current screen with --side-active (#272f52): a pixel
# inside the entry's row, right of its label, tells which screen is open.
current_at() { convert "$1" -crop 1x1+190+"$2" -depth 8 -format '%[hex:p{0,0}]' info: 2>/dev/null; }
if [[ $xdo = 1 ]]; then
  wy=$(cat "$tmp/window-y" 2>/dev/null) || fail "xdotool did not find the window"
  for pair in "clients:$shot_clients:$((wy + 194))" "keys:$shot_keys:$((wy + 337))"; do
    IFS=: read -r name file y <<<"$pair"
    [[ -s $file ]] || fail "no screenshot of $name at $file"
    px=$(current_at "$file" "$y")
    [[ ${px^^} = 272F52* ]] || fail "after clicking $name the sidebar does not mark it current (pixel $px at y=$y in $file)"
    echo "desktop: $name opened by a click; screenshot at $file"
    passed=$((passed + 1))
  done
else
  echo "desktop: xdotool not installed (apt-get install xdotool): Clients and Keys not clicked"
fi

echo "desktop: $passed passed, 0 failed"
