//! Filter: lz4.
