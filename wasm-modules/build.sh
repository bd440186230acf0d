#!/usr/bin/env bash
# Rebuilds every Kelpie test and example guest from source into its committed location:
#   rust/testbed/testbed.wasm            (Rust, SDK rust/kelpie-guest, Debian rustc 1.63)
#   rust/counter/counter.wasm            (Rust example actor `counter`, same SDK and flags)
#   rust/counter/counter-v2.wasm         (the same with --cfg counter_v2: `version` answers 2)
#   rust/counter/counter-example.wasm    (--cfg counter_example: increment/get/reset only, for counter-rust)
#   rust/{echo,greeter}/<name>.wasm      (Rust example actors `echo` and `greeter`)
#   rust/wasi-guest/wasi-guest.wasm      (Rust on wasm32-wasi: the same SDK plus std's WASI use)
#   assemblyscript/<name>/<name>.wasm    (AssemblyScript 0.28.x pinned by package-lock.json: testbed,
#                                         and the example actors echo, counter, greeter)
#   c/<name>/<name>.wasm                 (C on wasi-libc, SDK c/kelpie.h, Debian clang 14: echo, counter,
#                                         greeter, and wasi-testbed and wasi-files for the WASI adapter's tests)
#   go/<name>/<name>.wasm                (standard Go 1.23, GOOS=wasip1, SDK go/kelpie: echo, counter, greeter)
#   tinygo-shaped/<name>/<name>.wasm     (the C examples echo, counter, greeter in the shape of TinyGo 0.35's
#                                         `-target=wasip1 -buildmode=c-shared` output, producers section
#                                         naming TinyGo; TinyGo itself is not installable here)
#   python/micropython.wasm              (not built: MicroPython 1.27.0 copied from the npm package
#                                         @micropython/micropython-webassembly-pyscript pinned with its
#                                         integrity in python/package-lock.json; see python/PROVENANCE)
#   wat/*.wasm                           (edge-case modules and ecosystem-shaped guests for tests, wabt's
#                                         wat2wasm; tools/add-producers.mjs adds a producers section)
# Usage: wasm-modules/build.sh           build and overwrite the committed .wasm files
#        wasm-modules/build.sh --check   build into a temp dir, fail if a committed .wasm differs
# Builds are byte-for-byte reproducible (fixed flags, no debug info, source paths remapped).
# Toolchains: scripts/install-toolchains.sh.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# Debian's rustc (with the wasm32 std) and its linker rust-lld -> lld-14 must win over a rustup
# toolchain that may come first on PATH.
export PATH="/usr/bin:$PATH"
RUSTC=/usr/bin/rustc
CLANG=/usr/bin/clang-14
GO=/usr/lib/go-1.23/bin/go

mode=build
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

for tool in "$RUSTC" node npm wat2wasm "$CLANG" "$GO"; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool not found (run scripts/install-toolchains.sh)" >&2; exit 1; }
done
[ -d /usr/lib/rustlib/wasm32-unknown-unknown ] \
  || { echo "build.sh: wasm32-unknown-unknown std missing (apt package libstd-rust-dev-wasm32)" >&2; exit 1; }
[ -d /usr/lib/rustlib/wasm32-wasi ] \
  || { echo "build.sh: wasm32-wasi std missing (apt package libstd-rust-dev-wasm32)" >&2; exit 1; }

[ -f /usr/lib/wasm32-wasi/crt1-reactor.o ] \
  || { echo "build.sh: wasi-libc missing (apt packages wasi-libc, libclang-rt-14-dev-wasm32)" >&2; exit 1; }

mkdir -p "$HERE/.build"
TMP="$(mktemp -d "$HERE/.build/tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# Common rustc flags. --remap-path-prefix keeps the checkout location out of panic messages.
# +bulk-memory (rustc 1.63 has it; Chicory runs it): copies and fills the compiler inlines become one
# memory.copy / memory.fill instead of a byte loop in wasm, which is what large payloads cost. Data
# segments stay active (passive ones come only with atomics), so instances can still be restored from a
# memory image.
RUST_FLAGS=(
  --edition 2021
  --target wasm32-unknown-unknown
  -C opt-level=s
  -C debuginfo=0
  -C codegen-units=1
  -C panic=abort
  -C target-feature=+bulk-memory
  --remap-path-prefix "$HERE=/kelpie/wasm-modules"
)

# Guests link with a 64 KiB shadow stack (-zstack-size) instead of rustc's default 1 MiB: the stack sits
# at the bottom of linear memory, so the default makes every instance start at 17 pages (1.06 MiB) that
# each activation must allocate and zero.
RUST_GUESTS=(testbed counter echo greeter) # crate rust/<name>/src/lib.rs -> rust/<name>/<name>.wasm

build_rust() { # <root dir to write rust/<name>/<name>.wasm under>
  local root="$1" work="$TMP/rust" name
  mkdir -p "$work"
  "$RUSTC" "${RUST_FLAGS[@]}" --crate-type rlib --crate-name kelpie_guest -C metadata=kelpie_guest \
    -o "$work/libkelpie_guest.rlib" "$HERE/rust/kelpie-guest/src/lib.rs"
  for name in "${RUST_GUESTS[@]}"; do
    mkdir -p "$root/rust/$name"
    "$RUSTC" "${RUST_FLAGS[@]}" --crate-type cdylib --crate-name "$name" -C metadata="$name" \
      -C lto -C strip=symbols -C link-arg=-zstack-size=65536 \
      --extern kelpie_guest="$work/libkelpie_guest.rlib" \
      -o "$work/$name.wasm" "$HERE/rust/$name/src/lib.rs"
    # rustc 1.63 always exports __heap_base and __data_end; a guest exports only memory, the
    # waPC entry points and the Kelpie lifecycle hooks.
    node "$HERE/tools/strip-exports.mjs" "$work/$name.wasm" "$root/rust/$name/$name.wasm" \
      __heap_base __data_end
  done
  # The counter's second version (operation `version` answers 2), for hot-swap tests of module bundles.
  "$RUSTC" "${RUST_FLAGS[@]}" --crate-type cdylib --crate-name counter -C metadata=counter --cfg counter_v2 \
    -C lto -C strip=symbols -C link-arg=-zstack-size=65536 \
    --extern kelpie_guest="$work/libkelpie_guest.rlib" \
    -o "$work/counter-v2.wasm" "$HERE/rust/counter/src/lib.rs"
  node "$HERE/tools/strip-exports.mjs" "$work/counter-v2.wasm" "$root/rust/counter/counter-v2.wasm" \
    __heap_base __data_end
  # The example actor counter-rust: increment/get/reset only, no hooks (like the C and AssemblyScript ones).
  "$RUSTC" "${RUST_FLAGS[@]}" --crate-type cdylib --crate-name counter -C metadata=counter --cfg counter_example \
    -C lto -C strip=symbols -C link-arg=-zstack-size=65536 \
    --extern kelpie_guest="$work/libkelpie_guest.rlib" \
    -o "$work/counter-example.wasm" "$HERE/rust/counter/src/lib.rs"
  node "$HERE/tools/strip-exports.mjs" "$work/counter-example.wasm" "$root/rust/counter/counter-example.wasm" \
    __heap_base __data_end
}

# A Rust guest on wasm32-wasi: the SDK built again for that target, the same flags otherwise.
build_rust_wasi() { # <root dir to write rust/wasi-guest/wasi-guest.wasm under>
  local root="$1" work="$TMP/rust-wasi"
  local flags=("${RUST_FLAGS[@]/wasm32-unknown-unknown/wasm32-wasi}")
  mkdir -p "$work" "$root/rust/wasi-guest"
  "$RUSTC" "${flags[@]}" --crate-type rlib --crate-name kelpie_guest -C metadata=kelpie_guest \
    -o "$work/libkelpie_guest.rlib" "$HERE/rust/kelpie-guest/src/lib.rs"
  "$RUSTC" "${flags[@]}" --crate-type cdylib --crate-name wasi_guest -C metadata=wasi_guest \
    -C lto -C strip=symbols -C link-arg=-zstack-size=65536 \
    --extern kelpie_guest="$work/libkelpie_guest.rlib" \
    -o "$work/wasi-guest.wasm" "$HERE/rust/wasi-guest/src/lib.rs"
  node "$HERE/tools/strip-exports.mjs" "$work/wasi-guest.wasm" "$root/rust/wasi-guest/wasi-guest.wasm" \
    __heap_base __data_end
}

AS_GUESTS=(testbed echo counter greeter) # assemblyscript/<name>/index.ts -> assemblyscript/<name>/<name>.wasm

build_assemblyscript() { # <root dir to write assemblyscript/<name>/<name>.wasm under>
  local root="$1" name
  (
    cd "$HERE/assemblyscript"
    if [ ! -x node_modules/.bin/asc ]; then
      npm ci --no-audit --no-fund --silent
    fi
    for name in "${AS_GUESTS[@]}"; do
      mkdir -p "$root/assemblyscript/$name"
      # Relative source paths: they end up in abort messages and must not depend on the checkout.
      node_modules/.bin/asc "$name/index.ts" -o "$root/assemblyscript/$name/$name.wasm" \
        --optimizeLevel 3 --shrinkLevel 1 --runtime incremental
    done
  )
}

# C guests: wasi-libc reactors (exports _initialize, which the host runs before wapc_init). Fixed flags,
# no debug info (the name and producers sections stay), source paths remapped, a 64 KiB stack.
C_FLAGS=(
  --target=wasm32-wasi
  -mexec-model=reactor
  -std=c11
  -O2
  -Wall -Wextra -Werror
  -ffile-prefix-map="$HERE=/kelpie/wasm-modules"
  -Wl,--strip-debug
  -Wl,-z,stack-size=65536
)
C_GUESTS=(echo counter greeter wasi-testbed wasi-files) # c/<name>/<name>.c -> c/<name>/<name>.wasm

build_c() { # <root dir to write c/<name>/<name>.wasm under>
  local root="$1" name
  for name in "${C_GUESTS[@]}"; do
    mkdir -p "$root/c/$name"
    # Run from $HERE with a relative source path: nothing of the checkout's location reaches the module.
    (cd "$HERE" && "$CLANG" "${C_FLAGS[@]}" -o "$root/c/$name/$name.wasm" "c/$name/$name.c")
  done
}

# Go guests: WASI commands serving calls through kelpie_go.next_call (docs/guests/go.md). One Go module
# (go/go.mod) holds the SDK package go/kelpie and a main per guest. No module proxy, no dependencies;
# reproducible: -trimpath, no VCS stamp, an empty build id and a fresh build cache per run.
GO_GUESTS=(echo counter greeter) # go/<name>/main.go -> go/<name>/<name>.wasm

build_go() { # <root dir to write go/<name>/<name>.wasm under>
  local root="$1" name
  for name in "${GO_GUESTS[@]}"; do
    mkdir -p "$root/go/$name"
    (cd "$HERE/go" && GOCACHE="$TMP/gocache" GOPATH="$TMP/gopath" GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local \
      CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm \
      "$GO" build -trimpath -buildvcs=false -ldflags=-buildid= -o "$root/go/$name/$name.wasm" "./$name")
  done
}

# TinyGo-shaped guests: the C examples (c/<name>/<name>.c, included by tinygo-shaped/<name>/<name>.c) as a
# wasi-libc reactor like TinyGo's c-shared build mode: exports _initialize, wapc_init (registers the
# handlers; the host runs it after _initialize), __guest_call and memory; imports only wapc and
# wasi_snapshot_preview1. --strip-all drops clang's name and producers sections; add-producers.mjs then
# writes TinyGo's, so the registry names the language tinygo (docs/guests/tinygo.md).
TINYGO_SHAPED=(echo counter greeter) # tinygo-shaped/<name>/<name>.c -> tinygo-shaped/<name>/<name>.wasm
TINYGO_PRODUCERS=("language=Go 1.23" "processed-by=tinygo 0.35.0")
TINYGO_SHAPED_FLAGS=("${C_FLAGS[@]/-Wl,--strip-debug/-Wl,--strip-all}")

build_tinygo_shaped() { # <root dir to write tinygo-shaped/<name>/<name>.wasm under>
  local root="$1" work="$TMP/tinygo-shaped" name
  mkdir -p "$work"
  for name in "${TINYGO_SHAPED[@]}"; do
    mkdir -p "$root/tinygo-shaped/$name"
    (cd "$HERE" && "$CLANG" "${TINYGO_SHAPED_FLAGS[@]}" -o "$work/$name.wasm" "tinygo-shaped/$name/$name.c")
    node "$HERE/tools/add-producers.mjs" "$work/$name.wasm" "$root/tinygo-shaped/$name/$name.wasm" \
      "${TINYGO_PRODUCERS[@]}"
  done
}

# MicroPython: the interpreter the Python guest adapter runs, taken as published (python/PROVENANCE). npm ci
# checks the tarball's integrity against python/package-lock.json; the file's own SHA-256 is checked here too.
MICROPYTHON_PACKAGE=node_modules/@micropython/micropython-webassembly-pyscript
MICROPYTHON_SHA256="$(sed -n 's/^sha256: *//p' "$HERE/python/PROVENANCE")"

copy_micropython() { # <root dir to write python/micropython.wasm under>
  local root="$1"
  (
    cd "$HERE/python"
    if [ ! -f "$MICROPYTHON_PACKAGE/micropython.wasm" ]; then
      npm ci --no-audit --no-fund --silent
    fi
  )
  mkdir -p "$root/python"
  cp "$HERE/python/$MICROPYTHON_PACKAGE/micropython.wasm" "$root/python/micropython.wasm"
  local actual
  actual="$(sha256sum "$root/python/micropython.wasm" | cut -d' ' -f1)"
  if [ "$actual" != "$MICROPYTHON_SHA256" ]; then
    echo "build.sh: the package's micropython.wasm has SHA-256 $actual, python/PROVENANCE says $MICROPYTHON_SHA256" >&2
    exit 1
  fi
}

GUESTS=()
for name in "${RUST_GUESTS[@]}"; do
  GUESTS+=("rust/$name/$name.wasm")
done
GUESTS+=(rust/counter/counter-v2.wasm rust/counter/counter-example.wasm)
GUESTS+=(rust/wasi-guest/wasi-guest.wasm)
for name in "${AS_GUESTS[@]}"; do
  GUESTS+=("assemblyscript/$name/$name.wasm")
done
for name in "${C_GUESTS[@]}"; do
  GUESTS+=("c/$name/$name.wasm")
done
for name in "${GO_GUESTS[@]}"; do
  GUESTS+=("go/$name/$name.wasm")
done
for name in "${TINYGO_SHAPED[@]}"; do
  GUESTS+=("tinygo-shaped/$name/$name.wasm")
done
GUESTS+=(python/micropython.wasm)
for wat in "$HERE"/wat/*.wat; do
  GUESTS+=("wat/$(basename "${wat%.wat}").wasm")
done

# A module that must look like another toolchain's output names its producers section in a
# `;; @producers field=value;field=value` line (wat2wasm 1.0.32 drops custom-section annotations).
build_wat() { # <out dir>
  local out="$1" wasm producers
  for wat in "$HERE"/wat/*.wat; do
    wasm="$out/$(basename "${wat%.wat}").wasm"
    producers="$(sed -n 's/^;; @producers //p' "$wat")"
    if [ -z "$producers" ]; then
      wat2wasm "$wat" -o "$wasm"
    else
      wat2wasm "$wat" -o "$wasm.bare"
      local entries=()
      IFS=';' read -r -a entries <<<"$producers"
      node "$HERE/tools/add-producers.mjs" "$wasm.bare" "$wasm" "${entries[@]}"
      rm "$wasm.bare"
    fi
  done
}

build_all() { # <dir to write GUESTS paths under>
  local root="$1"
  mkdir -p "$root/wat"
  build_rust "$root"
  build_rust_wasi "$root"
  build_assemblyscript "$root"
  build_c "$root"
  build_go "$root"
  build_tinygo_shaped "$root"
  copy_micropython "$root"
  build_wat "$root/wat"
}

if [ "$mode" = build ]; then
  build_all "$HERE"
  for g in "${GUESTS[@]}"; do
    echo "built wasm-modules/$g ($(wc -c <"$HERE/$g") bytes, sha256 $(sha256sum "$HERE/$g" | cut -c1-16)…)"
  done
  exit 0
fi

build_all "$TMP/fresh"
failed=0
for g in "${GUESTS[@]}"; do
  if [ ! -f "$HERE/$g" ]; then
    echo "build.sh --check: wasm-modules/$g is missing" >&2
    failed=1
  elif ! cmp -s "$HERE/$g" "$TMP/fresh/$g"; then
    echo "build.sh --check: wasm-modules/$g differs from a fresh build (run wasm-modules/build.sh)" >&2
    failed=1
  else
    echo "ok wasm-modules/$g"
  fi
done
exit "$failed"
