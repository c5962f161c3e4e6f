//! The HDF5 on-disk format as plain data.
//!
//! Every structure of the HDF5 File Format Specification v4.0 has a module here named after
//! its section, with `decode` and `encode`. The crate performs no I/O: structures are decoded
//! from byte slices, and walks that follow file addresses (B-trees, heaps, continuation chains)
//! ask a [`ReadAt`] source for the bytes they need.
//!
//! It is `no_std` + `alloc` and contains no `unsafe` code.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod btree_v1;
pub mod btree_v2;
pub mod checksum;
pub mod chunk_index;
pub mod context;
pub mod cursor;
pub mod error;
pub mod heap;
pub mod limits;
pub mod object_header;
pub mod selection;
pub mod sohm;
pub mod source;
pub mod superblock;
pub mod symbol_table_entry;
pub mod symbol_table_node;
pub mod vds;

pub use context::{Address, Context, UNDEFINED_ADDRESS};
pub use cursor::{Cursor, Writer};
pub use error::{ErrorKind, FormatError};
pub use limits::Limits;
pub use source::ReadAt;
