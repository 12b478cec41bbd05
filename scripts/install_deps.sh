#!/usr/bin/env bash
# Installs what is missing for running or for testing Gatehouse:
#   scripts/install_deps.sh run    the toolchain and the libraries the gatehouse binary builds with
#   scripts/install_deps.sh test   those and what the tests and benchmarks use besides: GoogleTest,
#                                  Google Benchmark, clang for the fuzzers, wrk, Node.js with the
#                                  pinned npm packages of tests/conformance (`npm ci`), and Python
#                                  with jinja2, PyTorch and NumPy (oracles)
# Without an argument: test. Debian packages come through apt-get. Running needs nothing the tests
# need: the binary writes the demo model itself, without PyTorch.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-test}
run_packages=(
  build-essential cmake pkg-config ccache git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libutf8proc-dev libpcre2-dev libcli11-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev libsodium-dev libyaml-dev
  curl ca-certificates
)
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  nodejs npm wrk nginx procps
  python3 python3-jinja2 python3-torch python3-numpy
)
case "$what" in
  run) packages=("${run_packages[@]}") ;;
  test) packages=("${run_packages[@]}" "${test_packages[@]}") ;;
  *)
    echo "install_deps: unknown argument \"$what\"; use run (what building and running needs) or test (everything)" >&2
    exit 2
    ;;
esac

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

[ "$what" = test ] || exit 0

# Install scripts stay off: onnxruntime-node's would download binaries (no network here), and
# nothing the tests use needs one.
conformance=tests/conformance
stamp=$conformance/node_modules/.gatehouse-lock
if ! cmp -s "$conformance/package-lock.json" "$stamp" 2>/dev/null; then
  echo "install_deps: npm ci in $conformance"
  (cd "$conformance" && npm ci --ignore-scripts --no-audit --no-fund)
  cp "$conformance/package-lock.json" "$stamp"
fi
