//! The sizes every structure of a file is decoded with, fixed by its superblock.

use crate::error::{ErrorKind, FormatError, Result};

/// A file address (byte offset from the base address, spec II.A).
pub type Address = u64;

/// The "undefined address": all bits set, whatever the width of offsets in the file.
///
/// Addresses are widened to `u64` as they are read, so an all-ones address of a file with
/// 4-byte offsets also reads as this value.
pub const UNDEFINED_ADDRESS: Address = u64::MAX;

/// Sizes of file offsets and lengths, validated once from the superblock and passed to every
/// decoder that reads an address or a length (spec II.A, "Size of Offsets", "Size of Lengths").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Context {
    sizeof_offsets: u8,
    sizeof_lengths: u8,
}

impl Context {
    /// The sizes libhdf5 uses by default: 8-byte offsets and lengths.
    pub const DEFAULT: Context = Context {
        sizeof_offsets: 8,
        sizeof_lengths: 8,
    };

    /// Validates the two sizes: each must be 2, 4 or 8 bytes.
    ///
    /// # Errors
    /// `InvalidValue` naming the field if a size is not supported; `offset` is where the
    /// superblock stores it.
    pub fn new(sizeof_offsets: u8, sizeof_lengths: u8, offset: u64) -> Result<Self> {
        for (field, v, at) in [
            ("size of offsets", sizeof_offsets, offset),
            ("size of lengths", sizeof_lengths, offset + 1),
        ] {
            if !matches!(v, 2 | 4 | 8) {
                return Err(FormatError::new(
                    ErrorKind::InvalidValue {
                        field,
                        value: u64::from(v),
                    },
                    "superblock",
                    at,
                ));
            }
        }
        Ok(Context {
            sizeof_offsets,
            sizeof_lengths,
        })
    }

    /// Bytes in an encoded address.
    pub fn sizeof_offsets(&self) -> usize {
        usize::from(self.sizeof_offsets)
    }

    /// Bytes in an encoded length.
    pub fn sizeof_lengths(&self) -> usize {
        usize::from(self.sizeof_lengths)
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::DEFAULT
    }
}
