//! Filter: shuffle.
