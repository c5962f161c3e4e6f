//! Filter 307: bzip2, as written by PyTables and the HDF Group's BZip2 plugin. The chunk is
//! one bzip2 stream.
//!
//! Parameters: `[block size in units of 100 kB, 1 to 9]`, optional (9 when absent).

use ::bzip2::{Compression, Decompress, Status};

use crate::error::{FilterFailure, StorageError};
use crate::filter::{failure, ID_BZIP2};

/// Block size (in 100 kB units) the plugin uses when no parameter is given.
pub const DEFAULT_BLOCK_SIZE: u32 = 9;

/// The client data for `H5Pset_filter(307, [block_size_100k])`: the plugin has no "set
/// local" step.
pub fn params_for(block_size_100k: u32, _element_size: usize, _chunk_dims: &[u64]) -> Vec<u32> {
    vec![block_size_100k]
}

fn corrupt(what: &'static str) -> StorageError {
    failure(ID_BZIP2, FilterFailure::Corrupt(what))
}

/// Decompresses one bzip2 stream into at most `expected_len` bytes.
///
/// # Errors
/// `FilterFailure::Corrupt` for a broken or truncated stream, `FilterFailure::TooLarge` if it
/// decompresses to more than `expected_len` bytes.
pub fn decode(_params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let mut z = Decompress::new(false);
    let mut out = vec![0u8; expected_len.saturating_add(1)];
    loop {
        let in_pos = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let out_pos = usize::try_from(z.total_out()).unwrap_or(usize::MAX);
        let (Some(src), Some(dst)) = (input.get(in_pos..), out.get_mut(out_pos..)) else {
            return Err(corrupt("stream position"));
        };
        let status = z
            .decompress(src, dst)
            .map_err(|_| corrupt("invalid bzip2 stream"))?;
        let produced = usize::try_from(z.total_out()).unwrap_or(usize::MAX);
        if produced > expected_len {
            return Err(failure(
                ID_BZIP2,
                FilterFailure::TooLarge {
                    expected: expected_len,
                },
            ));
        }
        if status == Status::StreamEnd {
            out.truncate(produced);
            return Ok(out);
        }
        let consumed = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        if consumed == in_pos && produced == out_pos {
            return Err(corrupt("truncated stream"));
        }
    }
}

/// Compresses `input` into one bzip2 stream with block size `params[0]`.
///
/// # Errors
/// `FilterFailure::Parameters` for a block size outside 1..=9 (the plugin rejects it too),
/// `FilterFailure::Corrupt` if the compressor reports an error.
pub fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let level = params.first().copied().unwrap_or(DEFAULT_BLOCK_SIZE);
    if !(1..=9).contains(&level) {
        return Err(failure(
            ID_BZIP2,
            FilterFailure::Parameters("block size must be 1 to 9"),
        ));
    }
    let mut z = ::bzip2::Compress::new(Compression::new(level), 0);
    // The documented worst case of bzip2 output.
    let mut out = Vec::with_capacity(input.len().saturating_add(input.len() / 100 + 600));
    loop {
        let in_pos = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let src = input.get(in_pos..).unwrap_or(&[]);
        let status = z
            .compress_vec(src, &mut out, ::bzip2::Action::Finish)
            .map_err(|_| corrupt("compressor error"))?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
        out.reserve(out.capacity().max(1024));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_stream() {
        // `printf hello | bzip2 -9`.
        let z = [
            0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, 0x19, 0x31, 0x65, 0x3d,
            0x00, 0x00, 0x00, 0x81, 0x00, 0x02, 0x44, 0xa0, 0x00, 0x21, 0x9a, 0x68, 0x33, 0x4d,
            0x07, 0x33, 0x8b, 0xb9, 0x22, 0x9c, 0x28, 0x48, 0x0c, 0x98, 0xb2, 0x9e, 0x80,
        ];
        assert_eq!(decode(&[], &z, 5).unwrap(), b"hello");
        assert!(decode(&[], &z, 4).is_err());
        assert!(decode(&[], &z[..30], 5).is_err());
        assert!(encode(&[0], b"x").is_err());
        assert!(encode(&[10], b"x").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn round_trip(noise in proptest::collection::vec(any::<u8>(), 0..3000),
                      ramp in 0usize..5000, level in 1u32..10) {
            let mut data: Vec<u8> = (0..ramp).map(|i| (i / 5) as u8).collect();
            data.extend(noise);
            let enc = encode(&[level], &data).unwrap();
            prop_assert_eq!(decode(&[], &enc, data.len()).unwrap(), data);
        }
    }
}
