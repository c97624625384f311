#!/usr/bin/env bash
# Desktop test: runs the real Wails binary under Xvfb, waits until the console
# tells Go it has rendered real data ("console ready" in the app's log),
# screenshots the screen and checks the picture is a rendered console, not a
# blank window.
#
#   LATCHKEY_BIN=build/bin/latchkey bash tests/desktop/run.sh
#
# Env: LATCHKEY_BIN   the binary built by `go tool wails build` (default build/bin/latchkey)
#      ARTIFACTS      where screenshots and the app log go (default <repo>/test-artifacts)
#      READY_TIMEOUT  seconds to wait for "console ready" (default 60)
#      XVFB_SCREEN    the Xvfb screen (default 1280x800x24)
# Needs: xvfb-run (xvfb), import and convert (imagemagick).
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
bin=${LATCHKEY_BIN:-build/bin/latchkey}
[[ $bin = /* ]] || bin=$repo/$bin
artifacts=${ARTIFACTS:-$repo/test-artifacts}
[[ $artifacts = /* ]] || artifacts=$repo/$artifacts
ready_timeout=${READY_TIMEOUT:-60}
screen=${XVFB_SCREEN:-1280x800x24}
shot=$artifacts/desktop-dashboard.png
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

[[ -x $bin ]] || fail "no latchkey binary at $bin: build it with 'go tool wails build' (make build) or set LATCHKEY_BIN"
for tool in xvfb-run import convert; do
  command -v "$tool" >/dev/null || fail "$tool is missing: apt-get install xvfb imagemagick"
done
mkdir -p "$artifacts" || fail "cannot create $artifacts"
rm -f "$shot" "$log"

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
exit 0
INNER
)

echo "desktop: starting $bin under Xvfb (waiting up to ${ready_timeout}s for \"console ready\")"
BIN=$bin LOG=$log SHOT=$shot TMPHOME=$tmp READY_TIMEOUT=$ready_timeout \
  timeout --kill-after=10 $((ready_timeout + 60)) \
  xvfb-run -a -s "-screen 0 $screen" bash -c "$inner"
rc=$?
case $rc in
  0) ;;
  10) fail "the app exited before the console was ready" ;;
  11) fail "no \"console ready\" in the app's log within ${ready_timeout}s" ;;
  12) fail "import could not screenshot the Xvfb screen" ;;
  13) fail "the app exited right after the console was ready" ;;
  124 | 137) fail "the desktop run did not finish in time (timeout)" ;;
  *) fail "xvfb-run or the app failed (exit $rc)" ;;
esac
echo "desktop: console ready; screenshot at $shot"

# Not blank: a real console has many colours and contrast, and its light main
# area (--bg: #f4f5f9) fills a good part of the screen; a window that painted
# nothing shows only the dark Wails background colour.
[[ -s $shot ]] || fail "no screenshot at $shot"
stddev=$(convert "$shot" -colorspace Gray -format '%[fx:standard_deviation]' info:) || fail "cannot read $shot"
colours=$(convert "$shot" -format '%k' info:) || fail "cannot read $shot"
light=$(convert "$shot" -fuzz 3% -fill black +opaque '#f4f5f9' -fill white -opaque '#f4f5f9' -colorspace Gray -format '%[fx:mean]' info:) ||
  fail "cannot read $shot"
echo "desktop: screenshot grey standard deviation $stddev, $colours colours, console background covers $light of the screen"
awk -v s="$stddev" 'BEGIN { exit !(s > 0.05) }' || fail "the screenshot is blank (grey standard deviation $stddev <= 0.05)"
(( colours > 64 )) || fail "the screenshot has only $colours colours: nothing rendered"
awk -v l="$light" 'BEGIN { exit !(l > 0.25) }' || fail "the console's light main area covers only $light of the screen: the page did not render"

echo "desktop: 1 passed, 0 failed"
