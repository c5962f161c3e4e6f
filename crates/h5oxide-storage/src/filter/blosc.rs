//! Filter: blosc.
