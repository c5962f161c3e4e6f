//! The filter pipeline and one module per filter (spec IV.A.2.l).
//!
//! Each filter module has `encode` and `decode(input, expected_len)`; decoded output is
//! bounded by the chunk size the caller expects.

pub mod pipeline;
#[cfg(feature = "deflate")]
pub mod deflate;
#[cfg(feature = "shuffle")]
pub mod shuffle;
#[cfg(feature = "fletcher32")]
pub mod fletcher32;
#[cfg(feature = "szip")]
pub mod szip;
#[cfg(feature = "nbit")]
pub mod nbit;
#[cfg(feature = "scaleoffset")]
pub mod scaleoffset;
#[cfg(feature = "lzf")]
pub mod lzf;
#[cfg(feature = "blosc")]
pub mod blosc;
#[cfg(feature = "bzip2")]
pub mod bzip2;
#[cfg(feature = "lz4")]
pub mod lz4;
#[cfg(feature = "bitshuffle")]
pub mod bitshuffle;
#[cfg(feature = "zstd")]
pub mod zstd;
