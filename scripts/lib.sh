# Shared by the build and packaging scripts (sourced, not run).
# Sets PATH for the Go toolchain and `fyne`, VERSION (from FyneApp.toml, or
# $VERSION when set) and the build flags every Kassa binary is built with.

export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${VERSION:-}" ]; then
  VERSION="$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' "$ROOT/FyneApp.toml")"
fi
export VERSION
# One set of flags for CI, `go run`/`go build` by hand and releases, so the Go
# build cache (the slow cgo compile of go-gl and GLFW) is shared between them:
# only -ldflags, which does not change how packages compile.
LDFLAGS="-s -w -X kassa/pos.Version=$VERSION"
GOFLAGS_BUILD=(-ldflags "$LDFLAGS")

# step NAME CMD...: runs CMD, then prints how long it took.
step() {
  local name="$1" t0=$SECONDS
  shift
  echo "== $name"
  "$@"
  echo "== $name: $((SECONDS - t0)) s"
}
