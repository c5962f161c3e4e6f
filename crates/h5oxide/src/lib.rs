//! h5oxide: read and write HDF5 files in pure Rust.
#![deny(missing_docs)]
