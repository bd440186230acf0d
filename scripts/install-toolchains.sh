#!/usr/bin/env bash
# Installs the guest toolchains Kelpie's wasm-modules/ build needs on a fresh Debian bookworm machine.
# Debian rustc + wasm32 std, clang/lld + wasi-libc, wabt, Go 1.23 (bookworm-backports), npm assemblyscript,
# npm @micropython/micropython-webassembly-pyscript 1.27.0 (wasm-modules/python).
# The backports suite reuses the mirror the machine's own apt sources already name.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

need_apt=()
for pkg in rustc libstd-rust-dev-wasm32 clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt golang-1.23-go; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done

if [ ${#need_apt[@]} -gt 0 ]; then
  # Find the Debian mirror the machine already uses (deb822 or one-line format).
  mirror=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/ {for (i=2;i<=NF;i++) if ($i !~ /security/) {print $i; exit}}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1=="deb" && $0 !~ /security/ {for (i=2;i<=NF;i++) if ($i ~ /^(http|https|file):/) {print $i; exit}}' /etc/apt/sources.list)
  fi
  if [ -z "$mirror" ]; then
    echo "install-toolchains: cannot find a Debian mirror in the apt sources" >&2
    exit 1
  fi
  backports=/etc/apt/sources.list.d/kelpie-bookworm-backports.list
  if [ ! -f "$backports" ]; then
    echo "deb $mirror bookworm-backports main" | $SUDO tee "$backports" >/dev/null
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    rustc libstd-rust-dev-wasm32 clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    -t bookworm-backports golang-1.23-go
fi

# AssemblyScript compiler, pinned in wasm-modules/assemblyscript/package.json (package-lock.json).
if [ -f wasm-modules/assemblyscript/package.json ] && [ ! -x wasm-modules/assemblyscript/node_modules/.bin/asc ]; then
  (cd wasm-modules/assemblyscript && npm ci --no-audit --no-fund --silent)
fi
# MicroPython for WebAssembly (the Python guest adapter's interpreter), pinned with its integrity in
# wasm-modules/python/package-lock.json; npm ci refuses a tarball whose sha512 differs.
if [ -f wasm-modules/python/package.json ] \
    && [ ! -f wasm-modules/python/node_modules/@micropython/micropython-webassembly-pyscript/micropython.wasm ]; then
  (cd wasm-modules/python && npm ci --no-audit --no-fund --silent)
fi
echo "install-toolchains: done"
