#!/usr/bin/env bash
# Runs the fault-injection suite (issue 17, pos/reliability) with the full
# counts and writes docs/RELIABILITY.md from its figures
# (scripts/reliabdoc.go). The kill -9 tests run the real kassa binary, built
# here with -tags kassa_crashpoints (a release never has the crash hook).
# About 25-40 minutes on 2 cores.
#
#   make reliability      or   bash scripts/reliability.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin" GOTOOLCHAIN=auto
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "== building kassa with the crash hook"
go build -tags kassa_crashpoints -o "$work/kassa" .
chmod 755 "$work"
echo "== go test ./pos/reliability (KASSA_RELIABILITY=full)"
status=0
KASSA_RELIABILITY=full KASSA_RELIABILITY_BIN="$work/kassa" KASSA_RELIABILITY_REPORT="$work/report.jsonl" \
  go test -count=1 -timeout 60m ./pos/reliability/ -v 2>&1 | tee "$work/test.log" | grep -E '^(=== RUN|--- |FAIL|ok|PASS)|_test.go' || true
grep -q '^ok' "$work/test.log" || status=1
go run scripts/reliabdoc.go -commit "$(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')" \
  -status "$status" < "$work/report.jsonl" > docs/RELIABILITY.md
echo "docs/RELIABILITY.md written"
exit "$status"
