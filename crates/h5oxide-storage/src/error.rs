//! Errors of the storage layer: the codec's errors, I/O failures, and misuse.

use h5oxide_format::FormatError;

/// An error reading or writing the bytes of a file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The file's bytes do not decode.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The operating system reported an I/O error.
    #[error("I/O error {op} at offset {offset:#x}: {source}")]
    Io {
        /// What was being done ("read", "write", "sync", ...).
        op: &'static str,
        /// The file offset.
        offset: u64,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A write was attempted on a backend opened read-only.
    #[error("the file is open read-only")]
    ReadOnly,
    /// A filter failed to encode or decode a chunk.
    #[error("filter {name} (id {id}) failed: {reason}")]
    Filter {
        /// HDF5 filter id.
        id: u16,
        /// The filter's name.
        name: &'static str,
        /// Why it failed.
        reason: FilterFailure,
    },
}

/// Why a filter failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterFailure {
    /// The compressed stream is corrupt.
    #[error("corrupt input: {0}")]
    Corrupt(&'static str),
    /// Decoding produced more bytes than the chunk can hold.
    #[error("decoded size exceeds the expected {expected} bytes")]
    TooLarge {
        /// The chunk's decoded size.
        expected: usize,
    },
    /// A checksum carried by the filter (fletcher32) does not match.
    #[error("checksum mismatch")]
    Checksum,
    /// The filter's parameters (client data) are invalid.
    #[error("invalid parameters: {0}")]
    Parameters(&'static str),
    /// No implementation of this filter id is available (not built in, or feature off).
    #[error("filter not available")]
    Unavailable,
}
