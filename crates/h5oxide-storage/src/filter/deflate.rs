//! Filter 1: deflate, a zlib stream (RFC 1950) (spec IV.A.2.l).
//!
//! Parameters: `[level]`, 0 to 9. libhdf5 requires exactly one parameter; on read we only
//! need the stream, so the level is not checked there.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::error::{FilterFailure, StorageError};
use crate::filter::{failure, ID_DEFLATE};

/// The client data libhdf5 stores for `H5Pset_deflate(level)`: `[level]` (no "set local"
/// step adds anything).
pub fn params_for(level: u32, _element_size: usize, _chunk_dims: &[u64]) -> Vec<u32> {
    vec![level]
}

thread_local! {
    /// One inflate state per thread, reset for each chunk: creating one allocates its
    /// tables and window, which is measurable next to inflating a 1 MiB chunk.
    static INFLATER: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

fn with_inflater<R>(f: impl FnOnce(&mut Decompress) -> R) -> R {
    // Taken out of the slot while in use, so a nested call (none today) would get its
    // own state instead of a borrow panic.
    let mut z = INFLATER
        .with(|slot| slot.borrow_mut().take())
        .unwrap_or_else(|| Decompress::new(true));
    z.reset(true);
    let r = f(&mut z);
    INFLATER.with(|slot| *slot.borrow_mut() = Some(z));
    r
}

fn corrupt(what: &'static str) -> StorageError {
    failure(ID_DEFLATE, FilterFailure::Corrupt(what))
}

fn too_large(expected: usize) -> StorageError {
    failure(ID_DEFLATE, FilterFailure::TooLarge { expected })
}

fn position(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Inflates a zlib stream into at most `expected_len` bytes.
///
/// # Errors
/// `FilterFailure::Corrupt` for a broken or truncated stream, `FilterFailure::TooLarge` if it
/// inflates to more than `expected_len` bytes.
pub fn decode(_params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let mut out = Vec::new();
    decode_to_vec(input, &mut out, expected_len)?;
    Ok(out)
}

/// Inflates a zlib stream into `out` (replacing its contents, reusing its allocation), at
/// most `expected_len` bytes. The output is written straight into the vector's spare
/// capacity: nothing is zero-filled first.
///
/// # Errors
/// As [`decode`].
pub fn decode_to_vec(
    input: &[u8],
    out: &mut Vec<u8>,
    expected_len: usize,
) -> Result<(), StorageError> {
    out.clear();
    // One spare byte tells "exactly full" from "would overflow".
    out.reserve(expected_len.saturating_add(1));
    with_inflater(|z| loop {
        let in_pos = position(z.total_in());
        let out_pos = out.len();
        let src = input
            .get(in_pos..)
            .ok_or_else(|| corrupt("stream position"))?;
        let status = z
            .decompress_vec(src, out, FlushDecompress::None)
            .map_err(|_| corrupt("invalid zlib stream"))?;
        if out.len() > expected_len {
            return Err(too_large(expected_len));
        }
        match status {
            Status::StreamEnd => return Ok(()),
            Status::Ok | Status::BufError => {
                if position(z.total_in()) == in_pos && out.len() == out_pos {
                    // No progress with input left to read means the stream is cut short.
                    return Err(corrupt("truncated stream"));
                }
            }
        }
    })
}

/// Inflates a zlib stream into exactly `out.len()` bytes of `out`, e.g. straight into
/// the place of a chunk in a caller's buffer.
///
/// # Errors
/// As [`decode`], and `FilterFailure::Corrupt` if the stream ends short of `out.len()`.
pub fn decode_into(input: &[u8], out: &mut [u8]) -> Result<(), StorageError> {
    let want = out.len();
    let mut spare = [0u8; 1];
    with_inflater(|z| loop {
        let in_pos = position(z.total_in());
        let out_pos = position(z.total_out());
        let src = input
            .get(in_pos..)
            .ok_or_else(|| corrupt("stream position"))?;
        // Once `out` is full, one spare byte tells a stream that ends from one that
        // would overflow.
        let dst = match out.get_mut(out_pos..) {
            Some(d) if !d.is_empty() => d,
            _ => &mut spare[..],
        };
        let status = z
            .decompress(src, dst, FlushDecompress::None)
            .map_err(|_| corrupt("invalid zlib stream"))?;
        let produced = position(z.total_out());
        if produced > want {
            return Err(too_large(want));
        }
        match status {
            Status::StreamEnd if produced == want => return Ok(()),
            Status::StreamEnd => return Err(corrupt("decoded chunk is not the chunk's size")),
            Status::Ok | Status::BufError => {
                if position(z.total_in()) == in_pos && produced == out_pos {
                    return Err(corrupt("truncated stream"));
                }
            }
        }
    })
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
    fn into_slices_and_reused_vectors() {
        let z = [
            0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x06, 0x2c, 0x02, 0x15,
        ];
        let mut out = [0u8; 5];
        decode_into(&z, &mut out).unwrap();
        assert_eq!(&out, b"hello");
        assert!(decode_into(&z, &mut [0u8; 4]).is_err());
        assert!(decode_into(&z, &mut [0u8; 6]).is_err());
        assert!(decode_into(&z[..8], &mut out).is_err());
        let mut v = vec![7u8; 100];
        decode_to_vec(&z, &mut v, 5).unwrap();
        assert_eq!(v, b"hello");
        // The per-thread state is reset between streams, also after a failure.
        assert!(decode_to_vec(&z[..6], &mut v, 5).is_err());
        decode_to_vec(&z, &mut v, 64).unwrap();
        assert_eq!(v, b"hello");
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
            prop_assert_eq!(&decode(&[level], &enc, data.len()).unwrap(), &data);
            let mut exact = vec![0u8; data.len()];
            decode_into(&enc, &mut exact).unwrap();
            prop_assert_eq!(exact, data);
        }
    }
}
