//! Filter: fletcher32.
