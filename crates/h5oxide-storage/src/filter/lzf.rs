//! Filter: lzf.
