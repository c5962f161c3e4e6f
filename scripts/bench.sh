#!/bin/sh
# Runs the side-by-side read benchmark (h5oxide vs libhdf5) with its default sizes and
# prints the table on stdout (progress goes to stderr). Extra arguments go to the harness,
# e.g. `scripts/bench.sh --full` or `scripts/bench.sh --json`.
set -eu
cd "$(dirname "$0")/.."
: "${HDF5_PLUGIN_PATH:=/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins}"
export HDF5_PLUGIN_PATH
cargo build --release -q -p h5oxide-bench >&2
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/h5ox-bench" "$@"
