#!/usr/bin/env bash
# Everything `make dist` needs on top of scripts/setup.sh (Debian 12 /
# Ubuntu 22.04+): mingw-w64 for kassa.exe, NSIS for its installer, dpkg-dev
# for the .deb, 7-Zip to check the installer, osslsigncode for signing, and
# the fyne CLI (Go module proxy) for the .tar.xz.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
pkgs="gcc-mingw-w64-x86-64 binutils-mingw-w64-x86-64 nsis dpkg-dev xz-utils 7zip osslsigncode"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup-dist: installing$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin" GOTOOLCHAIN=auto
fyne_version=v1.7.4
have="$(fyne version 2>/dev/null || true)"
case "$have" in
  *"cli version: $fyne_version"*) ;;
  *)
    echo "setup-dist: installing the fyne CLI $fyne_version"
    go install "fyne.io/tools/cmd/fyne@$fyne_version"
    have="$(fyne version)" ;;
esac
echo "${have%%$'\n'*}"
