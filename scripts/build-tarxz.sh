#!/usr/bin/env bash
# Makes the Linux .tar.xz with `fyne package` from an already built binary:
#   $1  the kassa binary (default dist/linux-amd64/kassa)
#   $2  output directory (default dist)
# Writes DIR/kassa-VERSION-linux-amd64.tar.xz: usr/local/bin/kassa, the desktop
# entry, the icon and a Makefile (`sudo make install`). fyne package is given
# the binary (--executable), so it does not recompile, and works on a copy of
# FyneApp.toml, which it rewrites (build number).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin="$(realpath "${1:-$ROOT/dist/linux-amd64/kassa}")"
outdir="$(mkdir -p "${2:-$ROOT/dist}" && realpath "${2:-$ROOT/dist}")"
command -v fyne >/dev/null || { echo "build-tarxz: the fyne CLI is missing: bash scripts/setup-dist.sh" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/assets/icon" "$tmp/out"
cp "$ROOT/FyneApp.toml" "$ROOT/main.go" "$tmp/src/"
cp "$ROOT/assets/icon/kassa.png" "$tmp/src/assets/icon/"
cp "$bin" "$tmp/kassa"
(cd "$tmp/out" && fyne package --target linux --src "$tmp/src" --executable "$tmp/kassa" \
  --name Kassa --app-version "$VERSION" --release)
mv "$tmp/out/Kassa.tar.xz" "$outdir/kassa-$VERSION-linux-amd64.tar.xz"
echo "built $outdir/kassa-$VERSION-linux-amd64.tar.xz"
tar -tJf "$outdir/kassa-$VERSION-linux-amd64.tar.xz"
