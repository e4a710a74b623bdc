#!/usr/bin/env bash
# Builds the Linux amd64 kassa binary (cgo, Fyne) into $1
# (default dist/linux-amd64/kassa) with the release version and flags.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
out="${1:-$ROOT/dist/linux-amd64/kassa}"
mkdir -p "$(dirname "$out")"
cd "$ROOT"
CGO_ENABLED=1 go build "${GOFLAGS_BUILD[@]}" -o "$out" .
echo "built $out ($(du -h "$out" | cut -f1), kassa $VERSION)"
