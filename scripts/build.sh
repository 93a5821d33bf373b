#!/usr/bin/env bash
# Builds mps.so and the extension script, and installs them into the server's directories.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
make -s -j"$(nproc)"
"${sudo[@]}" make -s install >/dev/null
