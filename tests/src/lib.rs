//! Cross-checks of h5oxide against the HDF5 C library.
//!
//! Both sides describe a file as a [`walk::Walk`] (format in `tests/WALK_FORMAT.md`); the C
//! side is [`c_walk::c_walk`], h5oxide's [`oxide_walk::oxide_walk`]. Every call into
//! libhdf5 is serialized by [`c_ffi::hdf5_lock`], because Debian's serial build is not
//! thread-safe.
#![deny(missing_docs)]

pub mod c_ffi;
pub mod c_types;
pub mod c_walk;
pub mod corpus;
pub mod mutate;
pub mod oxide_walk;
pub mod walk;

pub use c_walk::c_walk;
pub use oxide_walk::oxide_walk;
pub use walk::{compare, Walk};
