//! h5oxide: read and write HDF5 files in pure Rust.
//!
//! Reading a file libhdf5 wrote (h5py: `f = h5py.File(path, "r")`, `list(f.keys())`,
//! `f["group/data"][()]`):
//!
//! ```
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/links_earliest.h5");
//! let file = h5oxide::File::open(path)?;
//! assert!(file.root().member_names()?.contains(&"group".to_string()));
//! let ds = file.root().dataset("group/data")?;
//! assert_eq!(ds.shape(), [4]);
//! assert_eq!(ds.to_string(), r#"<HDF5 dataset "data": shape (4,), type "<i4">"#);
//! # Ok::<(), h5oxide::Error>(())
//! ```
//!
//! Writing one (h5py: `f["subPano/1"] = np.arange(10)`, `f["subPano"].attrs["unit"] = "m"`),
//! here in memory and read back from its bytes:
//!
//! ```
//! let file = h5oxide::File::in_memory()?;
//! let data: Vec<i64> = (0..10).collect();
//! file.root().new_dataset_builder().with_data(&data).deflate(4).create("subPano/1")?;
//! file.root().group("subPano")?.attrs().set("unit", "m")?;
//! let bytes = file.into_bytes()?;
//!
//! let back = h5oxide::File::from_bytes(bytes)?;
//! assert_eq!(back.root().dataset("subPano/1")?.read_1d::<i64>()?.to_vec(), data);
//! assert_eq!(back.root().group("subPano")?.attrs().names()?, ["unit"]);
//! # Ok::<(), h5oxide::Error>(())
//! ```
#![deny(missing_docs)]

pub mod attribute;
pub mod attribute_get;
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
pub use attribute_get::FromAttribute;
pub use dataset::Dataset;
pub use error::{Error, Result};
pub use file::{File, FileOptions, Mode};
pub use group::{Group, Link, Members, NamedDatatype, Object};
pub use h5type::H5Type;
pub use lock::Locking;
pub use object::ObjectKind;
pub use read::SliceSpec;
pub use selection::{DimSlice, Selection};
pub use value::Value;
pub use write::{AttrValue, DatasetBuilder, Empty, H5Write, Libver, RawValue, WriteData};

/// The format codec, for callers that need the stored structures themselves.
pub use h5oxide_format as format;

/// The array crate typed reads return, re-exported so callers use the same version.
pub use ndarray;
