//! Filter: zstd.
