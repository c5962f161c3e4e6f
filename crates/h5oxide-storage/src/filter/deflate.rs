//! Filter 1: deflate, a zlib stream (RFC 1950) (spec IV.A.2.l).
//!
//! Parameters: `[level]`, 0 to 9. libhdf5 requires exactly one parameter; on read we only
//! need the stream, so the level is not checked there.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::error::{FilterFailure, StorageError};
use crate::filter::{failure, ID_DEFLATE};

/// The client data libhdf5 stores for `H5Pset_deflate(level)`: `[level]` (no "set local"
/// step adds anything).
pub fn params_for(level: u32, _element_size: usize, _chunk_dims: &[u64]) -> Vec<u32> {
    vec![level]
}

/// Inflates a zlib stream into at most `expected_len` bytes.
///
/// # Errors
/// `FilterFailure::Corrupt` for a broken or truncated stream, `FilterFailure::TooLarge` if it
/// inflates to more than `expected_len` bytes.
pub fn decode(_params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let mut z = Decompress::new(true);
    // One spare byte tells "exactly full" from "would overflow".
    let mut out = vec![0u8; expected_len.saturating_add(1)];
    loop {
        let in_pos = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let out_pos = usize::try_from(z.total_out()).unwrap_or(usize::MAX);
        let (Some(src), Some(dst)) = (input.get(in_pos..), out.get_mut(out_pos..)) else {
            return Err(failure(
                ID_DEFLATE,
                FilterFailure::Corrupt("stream position"),
            ));
        };
        let status = z
            .decompress(src, dst, FlushDecompress::None)
            .map_err(|_| failure(ID_DEFLATE, FilterFailure::Corrupt("invalid zlib stream")))?;
        let produced = usize::try_from(z.total_out()).unwrap_or(usize::MAX);
        if produced > expected_len {
            return Err(failure(
                ID_DEFLATE,
                FilterFailure::TooLarge {
                    expected: expected_len,
                },
            ));
        }
        match status {
            Status::StreamEnd => {
                out.truncate(produced);
                return Ok(out);
            }
            Status::Ok | Status::BufError => {
                let consumed = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
                if consumed == in_pos && produced == out_pos {
                    // No progress with input left to read means the stream is cut short.
                    return Err(failure(
                        ID_DEFLATE,
                        FilterFailure::Corrupt("truncated stream"),
                    ));
                }
            }
        }
    }
}

/// Deflates `input` into a zlib stream at level `params[0]` (6 when absent, as zlib's
/// default; levels above 9 are clamped).
///
/// # Errors
/// `FilterFailure::Corrupt` if the compressor reports an internal error.
pub fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let level = params.first().copied().unwrap_or(6).min(9);
    let mut z = Compress::new(Compression::new(level), true);
    // zlib's compressBound; the loop below grows the buffer if a backend needs more.
    let bound = input
        .len()
        .saturating_add(input.len() >> 12)
        .saturating_add(input.len() >> 14)
        .saturating_add(input.len() >> 25)
        .saturating_add(64);
    let mut out = Vec::with_capacity(bound);
    loop {
        let in_pos = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let src = input.get(in_pos..).unwrap_or(&[]);
        let status = z
            .compress_vec(src, &mut out, FlushCompress::Finish)
            .map_err(|_| failure(ID_DEFLATE, FilterFailure::Corrupt("compressor error")))?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
        out.reserve(out.capacity().max(64));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_stream() {
        // zlib stream of "hello" at level 6, as written by `python3 -c zlib.compress`.
        let z = [
            0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x06, 0x2c, 0x02, 0x15,
        ];
        assert_eq!(decode(&[6], &z, 5).unwrap(), b"hello");
        assert!(matches!(
            decode(&[6], &z, 4),
            Err(StorageError::Filter {
                reason: FilterFailure::TooLarge { expected: 4 },
                ..
            })
        ));
        assert!(decode(&[6], &z[..8], 5).is_err());
        let mut bad = z;
        bad[11] ^= 1; // Adler-32 trailer.
        assert!(decode(&[6], &bad, 5).is_err());
    }

    #[test]
    fn bomb_is_bounded() {
        let zeros = vec![0u8; 1 << 20];
        let enc = encode(&[9], &zeros).unwrap();
        assert!(enc.len() < 2000);
        assert!(decode(&[9], &enc, 1000).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..4000),
                      ramp in 0usize..4000, level in 0u32..10) {
            let mut data = data;
            data.extend((0..ramp).map(|i| (i / 7) as u8));
            let enc = encode(&[level], &data).unwrap();
            prop_assert_eq!(decode(&[level], &enc, data.len()).unwrap(), data);
        }
    }
}
