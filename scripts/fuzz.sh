#!/usr/bin/env bash
# Fuzzing of the reader (fuzz/, cargo-fuzz on the nightly toolchain).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   build every target and fuzz each for that long
#                                          (default 20 s); seeds come from fixtures/files
#   scripts/fuzz.sh --regressions          replay every saved input of fuzz/regressions/
#                                          once (stable toolchain, a few seconds; for CI)
#
# Exits non-zero when a target crashes, times out or runs out of memory; the input is left
# in fuzz/artifacts/<target>/. Without the nightly toolchain or cargo-fuzz, fuzzing is
# skipped with exit status 0.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

skip() {
    echo "fuzz.sh: $1"
    echo "fuzz.sh: fuzzing skipped"
    exit 0
}

command -v cargo >/dev/null 2>&1 || skip "cargo is not installed"

if [[ "${1:-}" == "--regressions" ]]; then
    exec cargo test --manifest-path fuzz/Cargo.toml --test regressions -- --nocapture
fi

secs="${1:-20}"
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [[ "$secs" -eq 0 ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] | --regressions" >&2
    exit 2
fi

cargo +nightly --version >/dev/null 2>&1 ||
    skip "the nightly toolchain is not installed (rustup toolchain install nightly)"
cargo +nightly fuzz --version >/dev/null 2>&1 ||
    skip "cargo-fuzz is not installed (cargo install cargo-fuzz)"

# cargo-fuzz keeps its builds in fuzz/target.
unset CARGO_TARGET_DIR
cd fuzz

echo "== seed corpora from fixtures/files"
cargo +nightly run --quiet --release --example seeds -- "$root/fixtures/files" corpus || exit 1

echo "== building the fuzz targets"
cargo +nightly fuzz build || exit 1

# Largest input per target: whole files for open_walk, windows of files for the structure
# walkers, message bodies, compressed chunks.
max_len() {
    case "$1" in
        open_walk | check) echo 262144 ;;
        superblock | datatype | dataspace | layout | link | selection) echo 4096 ;;
        filter_*) echo 65536 ;;
        *) echo 200000 ;;
    esac
}

failed=()
summary=()
for target in $(cargo +nightly fuzz list); do
    mkdir -p "corpus/$target"
    log="target/fuzz-$target.log"
    mkdir -p target
    echo "== $target (${secs}s)"
    cargo +nightly fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$secs" -max_len="$(max_len "$target")" \
        -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1
    status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    runs="${runs:-?}"
    if [[ $status -ne 0 ]]; then
        failed+=("$target")
        summary+=("$(printf '%-20s %12s executions  FAILED (exit %d, log fuzz/%s)' "$target" "$runs" "$status" "$log")")
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written' "$log" | head -5
    else
        summary+=("$(printf '%-20s %12s executions  ok' "$target" "$runs")")
    fi
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]} (inputs in fuzz/artifacts/)"
    exit 1
fi
echo "fuzz.sh: all targets clean"
