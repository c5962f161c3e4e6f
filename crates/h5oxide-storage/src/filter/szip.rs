//! Filter: szip.
