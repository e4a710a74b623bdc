#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and runs every check: go vet and the
# whole test suite with the race detector. GUI tests use Fyne's test driver;
# the Xvfb smoke test runs when xvfb-run is present.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin" GOTOOLCHAIN=auto
echo "== go vet ./..."
go vet ./...
echo "== go test -race ./..."
go test -race -timeout 30m ./...
