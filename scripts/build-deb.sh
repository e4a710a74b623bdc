#!/usr/bin/env bash
# Builds dist/kassa_VERSION_amd64.deb from a kassa binary: $1 is the binary
# (default dist/linux-amd64/kassa), $2 the output directory (default dist).
# The package holds /usr/bin/kassa, the desktop entry, the icons, the docs
# with the dialout hint, and the shared libraries it needs as Depends
# (dpkg-shlibdeps on the binary, plus the X11 libraries GLFW loads at run
# time). Fast: no compile.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin="$(realpath "${1:-$ROOT/dist/linux-amd64/kassa}")"
outdir="$(mkdir -p "${2:-$ROOT/dist}" && realpath "${2:-$ROOT/dist}")"
arch="$(dpkg --print-architecture)"
deb="$outdir/kassa_${VERSION}_${arch}.deb"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/root"
install -D -m 0755 "$bin" "$root/usr/bin/kassa"
install -D -m 0644 "$ROOT/assets/kassa.desktop" "$root/usr/share/applications/kassa.desktop"
for s in 16 32 48 64 128 256 512; do
  install -D -m 0644 "$ROOT/assets/icon/kassa-$s.png" "$root/usr/share/icons/hicolor/${s}x${s}/apps/kassa.png"
done
install -D -m 0644 "$ROOT/assets/icon/kassa.svg" "$root/usr/share/icons/hicolor/scalable/apps/kassa.svg"
install -D -m 0644 "$ROOT/packaging/deb/README.Debian" "$root/usr/share/doc/kassa/README.Debian"
install -D -m 0644 "$ROOT/packaging/deb/copyright" "$root/usr/share/doc/kassa/copyright"
install -D -m 0644 "$ROOT/assets/fonts/LICENSE-DejaVu.txt" "$root/usr/share/doc/kassa/LICENSE-DejaVu.txt"
install -D -m 0755 "$ROOT/packaging/deb/postinst" "$root/DEBIAN/postinst"

# Depends: the libraries the binary links, as dpkg-shlibdeps finds them.
mkdir -p "$stage/debian"
echo "Source: kassa" >"$stage/debian/control"
depends="$(cd "$stage" && dpkg-shlibdeps -O -eroot/usr/bin/kassa 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
if [ -z "$depends" ]; then
  echo "build-deb: dpkg-shlibdeps found no dependencies for $bin" >&2
  exit 1
fi
# GLFW (Fyne's window driver) dlopen()s these X11 libraries at start-up, so
# they are not in the binary's NEEDED list and dpkg-shlibdeps cannot see them.
depends="$depends, libx11-xcb1, libxcursor1, libxi6, libxinerama1, libxrandr2, libxrender1, libxxf86vm1"
size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
  "$ROOT/packaging/deb/control.in" >"$root/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "built $deb"
dpkg-deb --field "$deb" Depends
