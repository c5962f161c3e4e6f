#!/usr/bin/env bash
# The library crates must build without a C toolchain: no `-sys` crate and no C build helper
# in their normal (and build) dependency tree. The C library is only a dev-dependency of
# tests/, fixtures/ and the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pure-Rust crates whose names end in -sys for historical reasons (they build no C code).
allow='^(libbz2-rs-sys|linux-raw-sys)$'

status=0
for crate in h5oxide-format h5oxide-storage h5oxide h5oxide-cli; do
  deps=$(cargo tree -q -p "$crate" -e normal,build --prefix none --format '{p}' | awk '{print $1}' | sort -u)
  bad_sys=$(printf '%s\n' "$deps" | grep -E -- '-sys$' | grep -Ev "$allow" || true)
  bad_build=$(printf '%s\n' "$deps" | grep -Ex 'cc|cmake|bindgen|pkg-config|autotools' || true)
  if [ -n "$bad_sys$bad_build" ]; then
    echo "no-C check FAILED for $crate:" $bad_sys $bad_build
    status=1
  else
    echo "no-C check ok for $crate ($(printf '%s\n' "$deps" | wc -l) crates, no -sys crate, no C build helper)"
  fi
done
exit $status
