//! Filter: bzip2.
