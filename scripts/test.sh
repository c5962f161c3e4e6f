#!/usr/bin/env bash
# The test suite: unit tests, codec round trips, and the cross-checks with the C library.
set -euo pipefail
cd "$(dirname "$0")/.."
export HDF5_PLUGIN_PATH="${HDF5_PLUGIN_PATH:-/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins}"
cargo test --workspace "$@"
