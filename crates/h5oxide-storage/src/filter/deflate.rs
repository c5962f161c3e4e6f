//! Filter: deflate.
