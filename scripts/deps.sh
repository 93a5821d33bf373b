#!/usr/bin/env bash
# Installs the Debian packages mps needs to build, test and demo (no-op when present).
set -euo pipefail

packages=(
  make g++ postgresql-15 postgresql-server-dev-15 libsodium-dev
  postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl postgresql-15-cron curl
)
# Node.js and npm for the clients layer (test/http: supabase-js, the PostgREST-protocol front):
# Debian's nodejs and npm, unless a node and an npm are already on PATH (NodeSource's nodejs,
# for one, bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "mps: installing ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
