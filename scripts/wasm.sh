#!/usr/bin/env bash
# Checks that h5oxide runs where the C library cannot: no_std, WebAssembly, no C toolchain.
#
#   scripts/wasm.sh           the checks below
#   scripts/wasm.sh --quick   without the per-filter feature matrix of step 2
#
# 1. h5oxide-format with --no-default-features (no_std + alloc) for thumbv7em-none-eabihf and
#    wasm32-unknown-unknown (neither has std, so this fails if anything pulls std in).
# 2. h5oxide-storage and h5oxide with --no-default-features (no fs, mmap, rayon) on the host,
#    h5oxide with all filters for wasm32-unknown-unknown, and `cargo check` of h5oxide (hence of
#    h5oxide-storage with the same feature) for wasm32-unknown-unknown with each filter alone.
# 3. The examples/wasm-tree test suite (fixtures read from memory, every filter) compiled for
#    wasm32-wasip1 and run under Node's WASI (scripts/wasi-run.mjs).
# 4. The examples/wasm-tree module for wasm32-unknown-unknown, run by list.mjs on fixtures.
# 5. `CC=false cargo build -p h5oxide` in its own target folder: no C compiler is ever called.
#
# Needs rustup (to add the targets) and Node >= 20 (node:wasi). Any missing piece is an error:
# the script never skips a check silently.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

matrix=1
for arg in "$@"; do
  case "$arg" in
    --quick) matrix=0 ;;
    *) echo "usage: scripts/wasm.sh [--quick]" >&2; exit 2 ;;
  esac
done

target_dir="${CARGO_TARGET_DIR:-$root/target}"
export CARGO_TARGET_DIR="$target_dir"
summary=()

fail() {
  echo "wasm checks FAILED: $*" >&2
  exit 1
}

# step NAME COMMAND...: runs and times one check.
step() {
  local name="$1"; shift
  echo "==> $name"
  echo "    $*"
  local t0=$SECONDS
  "$@" || fail "$name"
  summary+=("$(printf '%4ds  %s' $((SECONDS - t0)) "$name")")
}

# --- prerequisites -------------------------------------------------------------------------
targets=(wasm32-unknown-unknown wasm32-wasip1 thumbv7em-none-eabihf)
command -v rustup >/dev/null ||
  fail "rustup not found: the targets ${targets[*]} cannot be added, so the wasm checks could not run"
installed="$(rustup target list --installed)"
missing=()
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$installed" || missing+=("$t")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> rustup target add ${missing[*]}"
  rustup target add "${missing[@]}" ||
    fail "'rustup target add ${missing[*]}' failed, so the wasm checks could not run"
fi
command -v node >/dev/null || fail "node not found: the WASI tests and list.mjs could not run"
node --input-type=module -e 'import "node:wasi";' 2>/dev/null ||
  fail "this Node ($(node --version)) has no node:wasi: the WASI tests could not run (need Node >= 20)"

# --- 1. no_std -----------------------------------------------------------------------------
step "format, no_std, thumbv7em-none-eabihf" \
  cargo build -q -p h5oxide-format --no-default-features --target thumbv7em-none-eabihf
step "format, no_std, wasm32-unknown-unknown" \
  cargo build -q -p h5oxide-format --no-default-features --target wasm32-unknown-unknown

# --- 2. the library without fs, mmap and rayon ---------------------------------------------
step "storage, no default features (host)" \
  cargo build -q -p h5oxide-storage --no-default-features
step "h5oxide, no default features (host)" \
  cargo build -q -p h5oxide --no-default-features
step "h5oxide, all filters, wasm32-unknown-unknown" \
  cargo build -q -p h5oxide --no-default-features --features all-filters --target wasm32-unknown-unknown

if [ "$matrix" = 1 ]; then
  # Each filter alone; checking h5oxide also checks h5oxide-storage with the same feature.
  filters=$(sed -n 's/^all-filters = \[\(.*\)\]/\1/p' crates/h5oxide-storage/Cargo.toml | tr -d '",')
  [ -n "$filters" ] || fail "could not read the filter list from crates/h5oxide-storage/Cargo.toml"
  for f in $filters; do
    step "h5oxide, only $f, wasm32-unknown-unknown (check)" \
      cargo check -q -p h5oxide --no-default-features --features "$f" --target wasm32-unknown-unknown
  done
fi

# --- 3. the test suite under WASI ----------------------------------------------------------
export CARGO_TARGET_WASM32_WASIP1_RUNNER="node --no-warnings $root/scripts/wasi-run.mjs"
step "wasm-tree tests, wasm32-wasip1 under Node WASI" \
  cargo test -q -p h5oxide-wasm-tree --features fs --target wasm32-wasip1

# --- 4. the browser/Node module ------------------------------------------------------------
step "wasm-tree module, wasm32-unknown-unknown" \
  cargo build -q -p h5oxide-wasm-tree --target wasm32-unknown-unknown
wasm="$target_dir/wasm32-unknown-unknown/debug/h5oxide_wasm_tree.wasm"

list_check() {
  local file="$1"; shift
  local out
  out="$(node examples/wasm-tree/list.mjs "$wasm" "fixtures/files/$file")" || return 1
  printf '%s\n' "$out" | sed 's/^/    | /'
  local want
  for want in "$@"; do
    grep -qF -- "$want" <<<"$out" || { echo "    missing from the listing: $want" >&2; return 1; }
  done
}
step "list.mjs on format_earliest_sb0.h5" list_check format_earliest_sb0.h5 \
  "/chunked_f64            dataset (50, 40) <f8 chunks (8, 8) [deflate]" \
  "/g1/g2/contiguous_i32   dataset (20,) <i4" \
  "/g1/soft_to_contiguous  soft link -> /g1/g2/contiguous_i32"
step "list.mjs on filters_plugins.h5" list_check filters_plugins.h5 \
  "/lz4_block_1k" "[lz4]" "/bzip2_9" "[bzip2]" "/lzf_shuffle_f32" "[shuffle, lzf]"

not_hdf5() { ! node examples/wasm-tree/list.mjs "$wasm" Cargo.toml 2>/dev/null; }
step "list.mjs rejects a file that is not HDF5" not_hdf5

# --- 5. no C toolchain ---------------------------------------------------------------------
# A target folder only ever built with CC=false, so no build-script output of an earlier
# build that had a C compiler is reused. `false` as the compiler makes any attempt to compile
# C fail the build.
no_c() {
  CC=false CXX=false AR=false CARGO_TARGET_DIR="$target_dir/no-c" cargo build -q -p h5oxide
}
step "CC=false cargo build -p h5oxide (target folder $target_dir/no-c)" no_c

echo
echo "wasm checks passed:"
printf '  %s\n' "${summary[@]}"
