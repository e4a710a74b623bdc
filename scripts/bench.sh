#!/usr/bin/env bash
# Runs issue 14's benchmarks (store, pos, ui) three times each and writes
# docs/PERFORMANCE.md from the medians (scripts/benchdoc.go). Builds
# 1,000,000-payment journals (about 1.2 GB each in $TMPDIR, a few minutes).
#
#   make bench            or   bash scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin" GOTOOLCHAIN=auto
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
go test -c -o "$out.test" ./store
go test -c -o "$out.pos.test" ./pos
go test -c -o "$out.ui.test" ./ui
trap 'rm -f "$out" "$out.test" "$out.pos.test" "$out.ui.test"' EXIT
load() { echo "loadavg: $(cat /proc/loadavg 2>/dev/null || echo '? ? ?')" | tee -a "$out"; }
run() { load; (cd "${TMPDIR:-/tmp}" && "$out.test" -test.run '^$' "$@" | tee -a "$out"); }
runin() { load; (cd "$1" && shift && "$@" -test.run '^$' | tee -a "$out"); }
run -test.bench 'BeginPaired' -test.benchtime 400x -test.count 3
run -test.bench 'BuildJournal|JournalSize' -test.benchtime 1x -test.count 3
run -test.bench 'Search|CloseDay' -test.benchtime 1x -test.count 3 -test.v
run -test.bench 'Verify' -test.benchtime 1x -test.count 3
runin pos "$out.pos.test" -test.bench 'SaleVsFloor' -test.benchtime 300x -test.count 3
runin ui "$out.ui.test" -test.bench 'StartupLargeJournal' -test.benchtime 25x -test.count 3
go run scripts/benchdoc.go docs/PERFORMANCE.md < "$out" > "$out.md"
mv "$out.md" docs/PERFORMANCE.md
echo "docs/PERFORMANCE.md written"
