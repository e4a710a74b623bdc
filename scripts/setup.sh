#!/usr/bin/env bash
# Installs what Kassa needs to build and test on Debian 12 / Ubuntu 22.04+:
# the C toolchain and X11/OpenGL headers for Fyne's cgo build, Xvfb for the
# GUI tests, PostgreSQL for the store database tests, the tools of the packaging checks, and a Go toolchain new enough
# for go.mod (through the Go module proxy's toolchain download when the
# distribution's Go is older). KASSA_SETUP_MINIMAL=1 (scripts/demo.sh) skips
# the packaging tools.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

pkgs="gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev
      libxi-dev libxxf86vm-dev xvfb xauth"
# store/central's tests start a throw-away PostgreSQL cluster (initdb/pg_ctl
# from /usr/lib/postgresql/*/bin, run as the postgres user under root) and a
# PgBouncer in transaction mode in front of it.
pkgs="$pkgs postgresql pgbouncer"
# The packaging checks (scripts/package-check.sh): the .deb (dpkg-dev), the
# Xvfb screenshot (x11-utils, imagemagick) and, unless KASSA_CHECK_WINDOWS=0,
# the Windows cross-build, its installer and a look inside it.
if [ "${KASSA_SETUP_MINIMAL:-0}" != 1 ]; then
  pkgs="$pkgs dpkg-dev xz-utils x11-utils imagemagick"
  if [ "${KASSA_CHECK_WINDOWS:-1}" = 1 ]; then
    pkgs="$pkgs gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis p7zip-full"
  fi
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ]; then missing="$missing golang-go"; fi
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi

export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"
# Go 1.21+ fetches the toolchain go.mod asks for from the module proxy.
export GOTOOLCHAIN=auto
go version
go mod download
