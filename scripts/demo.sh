#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine (scripts/setup.sh) and starts Kassa in
# demo mode: a simulated card reader and a local sandbox gateway, no real
# payments and no configuration needed. Extra arguments go to kassa.
set -euo pipefail
cd "$(dirname "$0")/.."
KASSA_SETUP_MINIMAL=1 bash scripts/setup.sh
export PATH="$PATH:/usr/local/go/bin:$HOME/go/bin" GOTOOLCHAIN=auto
echo "Starting Kassa in demo mode (the first build compiles the GUI toolkit: a few minutes)..."
exec go run . --demo "$@"
