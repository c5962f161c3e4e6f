#!/usr/bin/env bash
# Lists public items of crates/h5oxide/src whose doc comment has no example
# (no ``` fence), with counts per file. Report only: always exits 0.
#
# Heuristic: a line starting with `pub fn|struct|enum|trait|type|const` (optionally
# `pub const fn`, `pub unsafe fn`) counts as a public item; its doc block is the
# run of `///` and `#[...]` lines right above it. `pub(crate)` items and anything
# after a `mod tests` line are skipped, and so are `#[doc(hidden)]` items (support code
# for the derive macros). Items in private modules still count.
#
# Usage: scripts/doc-examples.sh [-v] [dir]   (-v lists each item without an example)
set -u
verbose=0
if [ "${1:-}" = "-v" ]; then verbose=1; shift; fi
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/crates/h5oxide/src}"

find "$dir" -name '*.rs' | sort | while read -r f; do
  awk -v file="${f#"$root"/}" -v verbose="$verbose" '
    /^[[:space:]]*(#\[cfg\(test\)\][[:space:]]*)?mod tests/ { exit }
    /^[[:space:]]*\/\/\// { doc = doc "\n" $0; next }
    /^[[:space:]]*#\[doc\(hidden\)\]/ { hidden = 1; next }
    /^[[:space:]]*#\[/ { next }
    /^[[:space:]]*pub (const |unsafe |async )*(fn|struct|enum|trait|type|const) / {
      if (hidden) { hidden = 0; doc = ""; next }
      items++
      if (index(doc, "```") == 0) {
        missing++
        if (verbose) {
          line = $0; sub(/^[[:space:]]+/, "", line); sub(/[[:space:]]*[{(<].*$/, "", line)
          printf "  %s:%d: %s\n", file, NR, line
        }
      }
    }
    { doc = ""; hidden = 0 }
    END { if (items > 0) printf "%-50s %4d items %4d without example\n", file, items, missing + 0 }
  ' "$f"
done | tee /tmp/doc-examples.$$ 
awk '/items/ { i += $2; m += $4 } END { printf "%-50s %4d items %4d without example\n", "TOTAL", i, m }' /tmp/doc-examples.$$
rm -f /tmp/doc-examples.$$
exit 0
