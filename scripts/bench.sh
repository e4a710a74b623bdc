#!/usr/bin/env bash
# Runs the journal's benchmarks (issue 14's targets) three times each and
# writes docs/PERFORMANCE.md from the medians (scripts/benchdoc.go). Builds a
# 1,000,000-payment journal (about 1 GB in $TMPDIR, a few minutes).
#
#   make bench            or   bash scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin" GOTOOLCHAIN=auto
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
go test -c -o "$out.test" ./store
trap 'rm -f "$out" "$out.test"' EXIT
run() { (cd "${TMPDIR:-/tmp}" && "$out.test" -test.run '^$' "$@" | tee -a "$out"); }
run -test.bench 'BeginPaired' -test.benchtime 400x -test.count 3
run -test.bench 'BuildJournal|JournalSize' -test.benchtime 1x -test.count 3
run -test.bench 'Search|CloseDay' -test.benchtime 1x -test.count 3 -test.v
go run scripts/benchdoc.go < "$out" > docs/PERFORMANCE.md
echo "docs/PERFORMANCE.md written"
