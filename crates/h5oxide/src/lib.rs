//! h5oxide: read and write HDF5 files in pure Rust.
//!
//! ```no_run
//! let file = h5oxide::File::open("data.h5")?;
//! for name in file.root().member_names()? {
//!     println!("{name}");
//! }
//! let ds = file.root().dataset("subPano/1")?;
//! println!("{ds}");
//! # Ok::<(), h5oxide::Error>(())
//! ```
#![deny(missing_docs)]

pub mod attribute;
pub mod dataset;
pub mod error;
pub mod external_link;
pub mod external_storage;
pub mod file;
pub mod group;
pub mod h5type;
pub mod lock;
pub mod object;
pub mod points;
pub mod read;
pub mod selection;
pub mod swmr;
pub mod types;
pub mod value;
pub mod virtual_dataset;
pub mod write;

pub use attribute::{Attribute, Attributes};
pub use dataset::Dataset;
pub use error::{Error, Result};
pub use file::{File, FileOptions, Mode};
pub use group::{Group, Link, NamedDatatype, Object};
pub use h5type::H5Type;
pub use lock::Locking;
pub use object::ObjectKind;
pub use read::SliceSpec;
pub use selection::{DimSlice, Selection};
pub use value::Value;
pub use write::{AttrValue, DatasetBuilder, H5Write, Libver, RawValue, WriteData};

/// The format codec, for callers that need the stored structures themselves.
pub use h5oxide_format as format;

/// The array crate typed reads return, re-exported so callers use the same version.
pub use ndarray;
