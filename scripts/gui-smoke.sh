#!/usr/bin/env bash
# Starts `kassa --demo` in a virtual X server (Xvfb), waits for its window
# and for the checkout to be usable (the GUI's KASSA_READY line), takes a
# screenshot and checks that it is not blank.
#   $1  the kassa binary (default dist/linux-amd64/kassa)
#   $2  where to write the PNG (default dist/check/kassa-demo.png)
# Uses a throw-away HOME and KASSA_DATA_DIR, so it never touches a real
# journal. Needs xvfb, xauth, x11-utils (xwininfo) and imagemagick (import).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin="$(realpath "${1:-$ROOT/dist/linux-amd64/kassa}")"
png="${2:-$ROOT/dist/check/kassa-demo.png}"
mkdir -p "$(dirname "$png")"
png="$(realpath "$png")"
wait_s="${KASSA_SMOKE_WAIT:-60}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" XDG_DATA_HOME="$tmp/home/.local/share"
export XDG_CACHE_HOME="$tmp/home/.cache" KASSA_DATA_DIR="$tmp/data"
unset KASSA_CONTROL_KEY KASSA_GATEWAY_URL DBUS_SESSION_BUS_ADDRESS
mkdir -p "$HOME" "$KASSA_DATA_DIR"

# The inner script runs inside xvfb-run with DISPLAY set.
cat >"$tmp/inner.sh" <<'INNER'
set -u
bin="$1" png="$2" wait_s="$3" log="$4"
KASSA_READY=1 "$bin" --demo >"$log" 2>&1 &
pid=$!
found=""
for _ in $(seq 1 $((wait_s * 2))); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "gui-smoke: kassa --demo exited before showing a window:" >&2
    cat "$log" >&2
    exit 1
  fi
  if xwininfo -root -tree 2>/dev/null | grep -qi '"kassa'; then found=1; break; fi
  sleep 0.5
done
if [ -z "$found" ]; then
  echo "gui-smoke: no Kassa window after ${wait_s}s" >&2
  cat "$log" >&2
  kill "$pid" 2>/dev/null; exit 1
fi
# KASSA_READY makes the GUI print "ready <ms> ..." once the checkout is
# usable (first frame drawn, engine started, recovery done).
ready=""
for _ in $(seq 1 $((wait_s * 2))); do
  if grep -q '^ready ' "$log"; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "gui-smoke: the window opened but the checkout never became ready:" >&2
  cat "$log" >&2
  kill "$pid" 2>/dev/null; exit 1
fi
grep '^ready ' "$log"
sleep "${KASSA_SMOKE_SETTLE:-1}" # let the last frame reach the screen
# ImageMagick's own name for import: a bare "import" may be another tool.
if command -v import-im6.q16 >/dev/null; then import-im6.q16 -window root "$png"; else import -window root "$png"; fi
alive=1
kill -0 "$pid" 2>/dev/null || alive=0
kill "$pid" 2>/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
kill -9 "$pid" 2>/dev/null
if [ "$alive" = 0 ]; then
  echo "gui-smoke: kassa --demo died while the screenshot was taken:" >&2
  cat "$log" >&2; exit 1
fi
INNER

xvfb-run -a -s "-screen 0 1280x800x24" bash "$tmp/inner.sh" "$bin" "$png" "$wait_s" "$tmp/kassa.log"

# Not blank: many distinct colours and real contrast (text, buttons).
im() { # ImageMagick tool $1 by its versioned name when there is one
  local t="$1"
  shift
  if command -v "$t-im6.q16" >/dev/null; then "$t-im6.q16" "$@"; else "$t" "$@"; fi
}
colours="$(im identify -format '%k' "$png")"
spread="$(im convert "$png" -colorspace Gray -format '%[fx:int(1000*standard_deviation)]' info:)"
echo "gui-smoke: screenshot $png: $colours colours, grey spread $spread/1000"
if [ "$colours" -lt 32 ] || [ "$spread" -lt 30 ]; then
  echo "gui-smoke: the screenshot is (nearly) blank" >&2
  exit 1
fi
