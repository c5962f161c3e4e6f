//! The filter pipeline and one module per filter (spec IV.A.2.l).
//!
//! Each filter module has `encode(params, input)` and `decode(params, input, expected_len)`;
//! decoded output is bounded by the size the caller expects, so a corrupt or hostile stream
//! can never make a decoder allocate more than that. [`pipeline`] applies a dataset's filters
//! in order on write and in reverse on read, and maps filter ids to implementations.

#[cfg(feature = "bitshuffle")]
pub mod bitshuffle;
#[cfg(feature = "blosc")]
pub mod blosc;
#[cfg(feature = "blosc2")]
pub mod blosc2;
#[cfg(feature = "bzip2")]
pub mod bzip2;
#[cfg(feature = "deflate")]
pub mod deflate;
#[cfg(feature = "fletcher32")]
pub mod fletcher32;
#[cfg(feature = "lz4")]
pub mod lz4;
#[cfg(feature = "lzf")]
pub mod lzf;
#[cfg(feature = "nbit")]
pub mod nbit;
pub mod pipeline;
#[cfg(feature = "scaleoffset")]
pub mod scaleoffset;
#[cfg(feature = "shuffle")]
pub mod shuffle;
#[cfg(feature = "szip")]
pub mod szip;
#[cfg(feature = "zstd")]
pub mod zstd;

// Shared framing helpers of the block-based filters (lz4, bitshuffle).
#[cfg(any(feature = "lz4", feature = "bitshuffle"))]
pub(crate) mod blocks;
// Bounded Zstandard frame decoding (zstd, bitshuffle).
#[cfg(any(feature = "zstd", feature = "bitshuffle"))]
pub(crate) mod zstd_frame;

use crate::error::{FilterFailure, StorageError};

/// HDF5 filter id of deflate (zlib).
pub const ID_DEFLATE: u16 = 1;
/// HDF5 filter id of the byte shuffle.
pub const ID_SHUFFLE: u16 = 2;
/// HDF5 filter id of the Fletcher-32 checksum.
pub const ID_FLETCHER32: u16 = 3;
/// HDF5 filter id of SZIP.
pub const ID_SZIP: u16 = 4;
/// HDF5 filter id of N-bit packing.
pub const ID_NBIT: u16 = 5;
/// HDF5 filter id of scale-offset.
pub const ID_SCALEOFFSET: u16 = 6;
/// Registered filter id of bzip2.
pub const ID_BZIP2: u16 = 307;
/// Registered filter id of LZF.
pub const ID_LZF: u16 = 32000;
/// Registered filter id of Blosc.
pub const ID_BLOSC: u16 = 32001;
/// Registered filter id of Blosc2.
pub const ID_BLOSC2: u16 = 32026;
/// Registered filter id of LZ4.
pub const ID_LZ4: u16 = 32004;
/// Registered filter id of Bitshuffle.
pub const ID_BITSHUFFLE: u16 = 32008;
/// Registered filter id of Zstandard.
pub const ID_ZSTD: u16 = 32015;

/// The name this crate uses for a filter id, whether or not it is built in; `"unknown"` for
/// ids it does not know.
pub const fn known_name(id: u16) -> &'static str {
    match id {
        ID_DEFLATE => "deflate",
        ID_SHUFFLE => "shuffle",
        ID_FLETCHER32 => "fletcher32",
        ID_SZIP => "szip",
        ID_NBIT => "nbit",
        ID_SCALEOFFSET => "scaleoffset",
        ID_BZIP2 => "bzip2",
        ID_LZF => "lzf",
        ID_BLOSC => "blosc",
        ID_BLOSC2 => "blosc2",
        ID_LZ4 => "lz4",
        ID_BITSHUFFLE => "bitshuffle",
        ID_ZSTD => "zstd",
        _ => "unknown",
    }
}

/// Builds the error a filter returns.
pub(crate) fn failure(id: u16, reason: FilterFailure) -> StorageError {
    StorageError::Filter {
        id,
        name: known_name(id),
        reason,
    }
}
