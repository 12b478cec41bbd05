#!/usr/bin/env bash
# Installs what building and testing Gatehouse needs and is missing: Debian packages through
# apt-get, and the pinned npm packages of tests/conformance through `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config ccache git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libutf8proc-dev libpcre2-dev libcli11-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  nodejs npm curl ca-certificates wrk
  python3 python3-jinja2 python3-torch python3-numpy
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# A Node.js from elsewhere (e.g. /usr/local) is fine too.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<< "${missing[*]}"

if ((${#missing[@]})); then
  echo "install_deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# Install scripts stay off: onnxruntime-node's would download binaries (no network here), and
# nothing the tests use needs one.
conformance=tests/conformance
stamp=$conformance/node_modules/.gatehouse-lock
if ! cmp -s "$conformance/package-lock.json" "$stamp" 2>/dev/null; then
  echo "install_deps: npm ci in $conformance"
  (cd "$conformance" && npm ci --ignore-scripts --no-audit --no-fund)
  cp "$conformance/package-lock.json" "$stamp"
fi
