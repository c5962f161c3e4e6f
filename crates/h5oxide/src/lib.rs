//! h5oxide: read and write HDF5 files in pure Rust.
#![deny(missing_docs)]

pub mod error;
pub mod selection;

pub use error::{Error, Result};
pub use selection::{DimSlice, Selection};
