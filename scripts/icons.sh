#!/usr/bin/env bash
# Regenerates the application icons from assets/icon/kassa.svg: the PNG sizes
# of the freedesktop icon theme (.deb, .tar.xz), kassa.png (512 px, used by
# fyne package and embedded for the window icon) and kassa.ico (Windows exe
# and installer). Needs librsvg2-bin (rsvg-convert) and imagemagick; the
# results are committed, so builds do not need these tools.
set -euo pipefail
cd "$(dirname "$0")/../assets/icon"
for s in 16 32 48 64 128 256 512; do
  rsvg-convert -w "$s" -h "$s" kassa.svg -o "kassa-$s.png"
done
cp kassa-512.png kassa.png
convert kassa-16.png kassa-32.png kassa-48.png kassa-64.png kassa-256.png kassa.ico
ls -l
