#!/usr/bin/env bash
# Builds mps.so and the extension scripts, and installs them into the server's directories.
# Arguments go to make (scripts/test.sh passes ERROR_ON_WARNING=1).
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
make -s -j"$(nproc)" "$@"
"${sudo[@]}" make -s install "$@" >/dev/null
