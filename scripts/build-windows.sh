#!/usr/bin/env bash
# Cross-compiles the real kassa.exe (Windows amd64, cgo Fyne with mingw-w64,
# icon/manifest/version resources from packaging/windows/kassa.rc) and wraps
# it in an NSIS installer with a Start-menu shortcut and an uninstaller.
#   $1  output directory (default dist)
# Writes DIR/windows-amd64/kassa.exe and DIR/kassa-VERSION-windows-amd64-setup.exe.
# With KASSA_SIGN_CERT and KASSA_SIGN_KEY (PEM files) set, both are signed
# with osslsigncode (KASSA_SIGN_PASS: the key's password, if any).
# Needs gcc-mingw-w64-x86-64 and nsis. A cold build takes several minutes
# (mingw compiles GLFW's C code); the Go build cache makes the next one fast.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
outdir="$(mkdir -p "${1:-$ROOT/dist}" && realpath "${1:-$ROOT/dist}")"
exe="$outdir/windows-amd64/kassa.exe"
setup="$outdir/kassa-$VERSION-windows-amd64-setup.exe"
mkdir -p "$(dirname "$exe")"

tmp="$(mktemp -d)"
syso="$ROOT/zz_kassa_windows_amd64.syso" # linked into windows/amd64 builds only
trap 'rm -rf "$tmp" "$syso"' EXIT

IFS=. read -r major minor patch _ <<<"$VERSION.0.0"
cat >"$tmp/version.h" <<H
#define VER_MAJOR ${major:-0}
#define VER_MINOR ${minor:-0}
#define VER_PATCH ${patch:-0}
#define VER_BUILD 0
#define VER_STRING "$VERSION"
H
x86_64-w64-mingw32-windres --include-dir "$tmp" --include-dir "$ROOT/assets/icon" \
  --include-dir "$ROOT/packaging/windows" -i "$ROOT/packaging/windows/kassa.rc" -O coff -o "$syso"

cd "$ROOT"
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ \
  go build -ldflags "$LDFLAGS -H windowsgui" -o "$exe" .
rm -f "$syso"
echo "built $exe ($(du -h "$exe" | cut -f1))"

sign() {
  [ -n "${KASSA_SIGN_CERT:-}" ] && [ -n "${KASSA_SIGN_KEY:-}" ] || return 0
  local pass=()
  [ -n "${KASSA_SIGN_PASS:-}" ] && pass=(-pass "$KASSA_SIGN_PASS")
  osslsigncode sign -certs "$KASSA_SIGN_CERT" -key "$KASSA_SIGN_KEY" "${pass[@]}" \
    -n "Kassa" -h sha256 -in "$1" -out "$1.signed"
  mv "$1.signed" "$1"
  echo "signed $1"
}
sign "$exe"

makensis -V2 -DVERSION="$VERSION" -DEXE="$exe" -DOUTFILE="$setup" -DASSETS="$ROOT/assets" \
  "$ROOT/packaging/windows/kassa.nsi"
sign "$setup"
echo "built $setup ($(du -h "$setup" | cut -f1))"
