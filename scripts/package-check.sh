#!/usr/bin/env bash
# Packaging checks run by CI (scripts/test.sh) and by `make check`:
#  1. builds the Linux kassa binary once (release flags, no race detector);
#  2. builds the .deb from it, installs it with dpkg into an empty root
#     directory, checks its files, Depends and dialout hint, runs
#     `kassa version` from the installed tree, then removes it again;
#  3. cross-builds the real kassa.exe (mingw cgo) and its NSIS installer,
#     checks the exe is a valid amd64 GUI PE with Kassa and Fyne inside, and
#     that the installer holds exactly that exe and an uninstaller (skipped
#     with KASSA_CHECK_WINDOWS=0, or when CI's time is running out: see below);
#  4. starts `kassa --demo` under Xvfb and checks a screenshot of it is not
#     blank (dist/check/kassa-demo.png).
# Prints each step's duration. Output goes to dist/check/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
out="$ROOT/dist/check"
mkdir -p "$out"
bin="$out/linux-amd64/kassa"
arch="$(dpkg --print-architecture)"
deb="$out/kassa_${VERSION}_${arch}.deb"

check_deb() {
  local root log got
  root="$(mktemp -d)"
  log="$out/dpkg-install.log"
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
  touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
  # An empty root has none of the libraries: --force-depends; its maintainer
  # scripts run from the host's shell: --force-script-chrootless.
  dpkg --root="$root" --log=/dev/null --force-depends --force-script-chrootless -i "$deb" >"$log" 2>&1 ||
    { cat "$log" >&2; echo "package-check: dpkg -i failed" >&2; return 1; }
  dpkg --root="$root" -s kassa | grep -q '^Status: install ok installed' ||
    { echo "package-check: kassa not installed in $root" >&2; return 1; }
  for f in usr/bin/kassa usr/share/applications/kassa.desktop usr/share/icons/hicolor/256x256/apps/kassa.png \
    usr/share/icons/hicolor/scalable/apps/kassa.svg usr/share/doc/kassa/README.Debian usr/share/doc/kassa/copyright; do
    [ -e "$root/$f" ] || { echo "package-check: /$f missing from the .deb" >&2; return 1; }
  done
  grep -q 'dialout' "$log" || { echo "package-check: postinst printed no dialout hint" >&2; return 1; }
  got="$("$root/usr/bin/kassa" version)"
  echo "installed: $got"
  case "$got" in "kassa $VERSION "*) ;; *)
    echo "package-check: installed kassa says '$got', want version $VERSION" >&2; return 1 ;;
  esac
  # Every Depends entry must be a Debian package that is installed here (the
  # binary just ran with them).
  local dep name
  for dep in $(dpkg-deb --field "$deb" Depends | tr -d ' ' | tr ',' ' '); do
    name="${dep%%(*}"
    name="${name%%|*}"
    dpkg-query -W -f='${Status}\n' "$name" 2>/dev/null | grep -q 'install ok installed' ||
      { echo "package-check: Depends names $name, which is not an installed package" >&2; return 1; }
  done
  echo "Depends: $(dpkg-deb --field "$deb" Depends)"
  dpkg --root="$root" --log=/dev/null --force-script-chrootless -r kassa >/dev/null
  [ ! -e "$root/usr/bin/kassa" ] || { echo "package-check: dpkg -r left /usr/bin/kassa" >&2; return 1; }
  rm -rf "$root"
}

check_windows() {
  local exe="$1" setup="$2" x
  ( cd "$ROOT" && go run scripts/pecheck.go "$exe" )
  x="$(mktemp -d)"
  local sevenzip
  sevenzip="$(command -v 7z || command -v 7zz)"
  "$sevenzip" x -y -o"$x" "$setup" >/dev/null
  [ -f "$x/kassa.exe" ] || { echo "package-check: the installer holds no kassa.exe" >&2; return 1; }
  cmp -s "$x/kassa.exe" "$exe" || { echo "package-check: the installer's kassa.exe is not the one built" >&2; return 1; }
  [ -e "$x/uninstall.exe" ] || { echo "package-check: the installer writes no uninstaller" >&2; return 1; }
  echo "installer $(basename "$setup") holds the built kassa.exe ($(stat -c %s "$exe") bytes) and an uninstaller"
  rm -rf "$x"
}

# The Windows build costs about 13 CPU-minutes cold, almost all of it one
# gcc process compiling go-gl's C code, so it runs beside the Linux steps.
# It runs unless KASSA_CHECK_WINDOWS=0, or unless the run that started at
# KASSA_CHECK_START (scripts/test.sh) has already used more than
# KASSA_WINDOWS_DEADLINE minutes (default 55 of CI's 90).
used_min=0
if [ -n "${KASSA_CHECK_START:-}" ]; then used_min=$(( ($(date +%s) - KASSA_CHECK_START) / 60 )); fi
win_pid=""
if [ "${KASSA_CHECK_WINDOWS:-1}" != 1 ]; then
  echo "== Windows: skipped (KASSA_CHECK_WINDOWS=0); make dist builds and checks it"
elif [ "$used_min" -gt "${KASSA_WINDOWS_DEADLINE:-55}" ]; then
  echo "== Windows: SKIPPED: this run has used $used_min min already; make dist builds and checks it"
else
  echo "== build kassa.exe and installer (mingw, NSIS): started in the background"
  win_t0=$SECONDS
  # its own process group, so that a failed check stops the whole build
  setsid bash "$ROOT/scripts/build-windows.sh" "$out" >"$out/windows-build.log" 2>&1 &
  win_pid=$!
fi
trap '[ -n "$win_pid" ] && kill -- "-$win_pid" 2>/dev/null; true' EXIT

step "build kassa (linux/$arch)" bash "$ROOT/scripts/build-linux.sh" "$bin"
step "build .deb" bash "$ROOT/scripts/build-deb.sh" "$bin" "$out"
step "install .deb into an empty root" check_deb
step "kassa --demo under Xvfb" bash "$ROOT/scripts/gui-smoke.sh" "$bin" "$out/kassa-demo.png"

if [ -n "$win_pid" ]; then
  rc=0
  wait "$win_pid" || rc=$?
  win_pid=""
  cat "$out/windows-build.log"
  echo "== build kassa.exe and installer (mingw, NSIS): $((SECONDS - win_t0)) s"
  [ "$rc" = 0 ] || { echo "package-check: the Windows build failed" >&2; exit 1; }
  step "check kassa.exe and installer" check_windows "$out/windows-amd64/kassa.exe" \
    "$out/kassa-$VERSION-windows-amd64-setup.exe"
fi
echo "package-check: all packaging checks passed"
