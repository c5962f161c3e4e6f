//! Resource budgets charged before untrusted lengths size an allocation or drive a loop.

use crate::error::{ErrorKind, FormatError, Result};

/// Budgets that bound what decoding one file may cost. Every length, count or depth read from
/// a file is checked against these before it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single metadata structure (object header chunk, heap, B-tree node), in bytes.
    pub max_structure_bytes: u64,
    /// Largest number of bytes one read of dataset values may decode.
    pub max_read_bytes: u64,
    /// Deepest nesting of datatypes, B-tree levels, or group paths followed.
    pub max_depth: u32,
    /// Longest chain of object header continuation blocks.
    pub max_continuations: u32,
    /// Most messages in one object header.
    pub max_messages: u32,
    /// Most soft/external links followed while resolving one path.
    pub max_link_hops: u32,
}

impl Limits {
    /// The defaults: generous for real files, small enough that a hostile file cannot exhaust
    /// a machine.
    pub const DEFAULT: Limits = Limits {
        max_structure_bytes: 256 << 20,
        max_read_bytes: 64 << 30,
        max_depth: 64,
        max_continuations: 65_536,
        max_messages: 1 << 20,
        max_link_hops: 32,
    };

    /// Checks `requested <= allowed`.
    ///
    /// # Errors
    /// `LimitExceeded` naming `limit`, reported in `structure` at `offset`.
    pub fn check(
        limit: &'static str,
        requested: u64,
        allowed: u64,
        structure: &'static str,
        offset: u64,
    ) -> Result<()> {
        if requested > allowed {
            return Err(FormatError::new(
                ErrorKind::LimitExceeded {
                    limit,
                    requested,
                    allowed,
                },
                structure,
                offset,
            ));
        }
        Ok(())
    }

    /// Checks a structure's size against `max_structure_bytes`.
    ///
    /// # Errors
    /// `LimitExceeded` if it is larger.
    pub fn structure_size(&self, size: u64, structure: &'static str, offset: u64) -> Result<()> {
        Self::check(
            "max_structure_bytes",
            size,
            self.max_structure_bytes,
            structure,
            offset,
        )
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
