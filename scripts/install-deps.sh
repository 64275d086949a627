#!/usr/bin/env bash
# Installs every Debian package Paddock needs to build, test and (with --bench) benchmark.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsodium-dev libsqlite3-dev libpq-dev libcbor-dev
  postgresql haproxy
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libqrencode-dev libpng-dev zbar-tools chromium
  libgtest-dev libgmock-dev libbenchmark-dev libgoogle-perftools-dev
  python3 python3-cryptography python3-yaml python3-cbor2 python3-nacl sqlite3 curl
)
# Node.js runs the independent protocol peers (npm's ws) in the integration tests; use the
# machine's own node when it has one, Debian's otherwise.
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(wrk nginx-light linux-perf valgrind)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
