#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and runs every check: go vet, the
# whole test suite with the race detector, then the packaging checks
# (scripts/package-check.sh: .deb install, Windows exe and installer, kassa
# --demo under Xvfb). GUI tests use Fyne's test driver.
set -euo pipefail
cd "$(dirname "$0")/.."
# When the run started: the packaging checks skip the slow Windows build when
# too little of CI's 90 minutes is left (see scripts/package-check.sh).
export KASSA_CHECK_START="${KASSA_CHECK_START:-$(date +%s)}"
bash scripts/setup.sh
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin" GOTOOLCHAIN=auto
echo "== go vet ./..."
go vet ./...
echo "== go test -race ./..."
go test -race -timeout 30m ./...
echo "== packaging checks"
bash scripts/package-check.sh
