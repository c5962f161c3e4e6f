//! Bytes in and out for h5oxide: storage backends, the filter pipeline, the chunk cache and
//! file space allocation. The format codec (`h5oxide-format`) asks for byte ranges; this crate
//! answers them.
#![deny(missing_docs)]

pub mod backend;
pub mod chunk_cache;
pub mod error;
pub mod fault;
pub mod filter;

#[cfg(feature = "fs")]
pub use backend::FileBackend;
#[cfg(feature = "mmap")]
pub use backend::MmapBackend;
pub use backend::{Backend, MemBackend};
pub use error::StorageError;
