//! Filter 32004: LZ4, in the framing of the HDF Group's LZ4 plugin.
//!
//! A chunk is: the original size (8 bytes, big-endian), the block size in bytes (4 bytes,
//! big-endian), then for each block of the original data (the last one may be shorter) its
//! compressed size (4 bytes, big-endian) and an LZ4 block; a block whose compressed size
//! equals its original size is stored uncompressed.
//!
//! Parameters: `[block size in bytes (0: 1 GiB), acceleration or HC level]`, both optional.
//! The encoder here always produces LZ4's fast-mode blocks (what the plugin writes for level
//! 0 or 1); other levels only change how hard the C encoder searches, so they are accepted
//! and written as given but produce the same kind of stream.

use crate::error::{FilterFailure, StorageError};
use crate::filter::blocks::{be_u32, be_u64, slice};
use crate::filter::{failure, ID_LZ4};

/// Block size the plugin uses when the parameter is absent or 0.
pub const DEFAULT_BLOCK_SIZE: u32 = 1 << 30;
const HEADER_LEN: usize = 12;

/// The client data for `H5Pset_filter(32004, [block_size, level])`: the plugin has no "set
/// local" step, so this is the options as given.
pub fn params_for(
    (block_size, level): (u32, u32),
    _element_size: usize,
    _chunk_dims: &[u64],
) -> Vec<u32> {
    vec![block_size, level]
}

fn corrupt(what: &'static str) -> StorageError {
    failure(ID_LZ4, FilterFailure::Corrupt(what))
}

/// Decodes an LZ4-plugin chunk whose original size is at most `expected_len`.
///
/// # Errors
/// `FilterFailure::TooLarge` if the recorded original size exceeds `expected_len`,
/// `FilterFailure::Corrupt` for a truncated frame or a block that does not decode to its size.
pub fn decode(_params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let orig = be_u64(input, 0).ok_or_else(|| corrupt("truncated header"))?;
    let mut block = u64::from(be_u32(input, 8).ok_or_else(|| corrupt("truncated header"))?);
    let orig = usize::try_from(orig)
        .ok()
        .filter(|&n| n <= expected_len)
        .ok_or_else(|| {
            failure(
                ID_LZ4,
                FilterFailure::TooLarge {
                    expected: expected_len,
                },
            )
        })?;
    if block > orig as u64 {
        block = orig as u64;
    }
    let block = block as usize;
    if block == 0 && orig > 0 {
        return Err(corrupt("zero block size"));
    }
    let mut out = vec![0u8; orig];
    let mut pos = HEADER_LEN;
    let mut done = 0usize;
    while done < orig {
        let this = block.min(orig - done);
        let csize = be_u32(input, pos).ok_or_else(|| corrupt("truncated block header"))? as usize;
        pos += 4;
        let src = slice(input, pos, csize).ok_or_else(|| corrupt("truncated block"))?;
        let dst = &mut out[done..done + this];
        if csize == this {
            dst.copy_from_slice(src);
        } else {
            let n = lz4_flex::block::decompress_into(src, dst)
                .map_err(|_| corrupt("invalid LZ4 block"))?;
            if n != this {
                return Err(corrupt("LZ4 block shorter than its size"));
            }
        }
        pos += csize;
        done += this;
    }
    Ok(out)
}

/// Encodes `input` in the LZ4 plugin's framing with block size `params[0]`.
///
/// # Errors
/// `FilterFailure::Parameters` for input over 2 GiB, which the plugin's format cannot hold.
pub fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let n = input.len();
    if n > i32::MAX as usize {
        return Err(failure(
            ID_LZ4,
            FilterFailure::Parameters("chunk larger than 2 GiB"),
        ));
    }
    let block = match params.first() {
        Some(&b) if b > 0 => b,
        _ => DEFAULT_BLOCK_SIZE,
    };
    let block = (block as usize).min(n);
    let mut out = Vec::with_capacity(HEADER_LEN + n + n / 255 + 64);
    out.extend_from_slice(&(n as u64).to_be_bytes());
    out.extend_from_slice(&(block as u32).to_be_bytes());
    if block == 0 {
        return Ok(out);
    }
    let mut scratch = vec![0u8; lz4_flex::block::get_maximum_output_size(block)];
    for src in input.chunks(block) {
        let c = lz4_flex::block::compress_into(src, &mut scratch)
            .map_err(|_| failure(ID_LZ4, FilterFailure::Corrupt("compressor error")))?;
        if c >= src.len() {
            // Like the plugin: a block that does not shrink is stored as it is.
            out.extend_from_slice(&(src.len() as u32).to_be_bytes());
            out.extend_from_slice(src);
        } else {
            out.extend_from_slice(&(c as u32).to_be_bytes());
            out.extend_from_slice(&scratch[..c]);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hand_made_frame() {
        // 10 bytes in blocks of 4: a raw block, an LZ4 block, and a raw 2-byte tail.
        let mut f = vec![0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 4];
        f.extend_from_slice(&[0, 0, 0, 4, 1, 2, 3, 4]);
        // LZ4 block of "aaaa": one sequence with a 4-byte literal run and no match.
        f.extend_from_slice(&[0, 0, 0, 5, 0x40, b'a', b'a', b'a', b'a']);
        f.extend_from_slice(&[0, 0, 0, 2, 9, 9]);
        assert_eq!(
            decode(&[], &f, 10).unwrap(),
            [1, 2, 3, 4, b'a', b'a', b'a', b'a', 9, 9]
        );
        assert!(matches!(
            decode(&[], &f, 9),
            Err(StorageError::Filter {
                reason: FilterFailure::TooLarge { .. },
                ..
            })
        ));
        assert!(decode(&[], &f[..f.len() - 1], 10).is_err());
        // A zero block size with data is rejected instead of looping.
        let z = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        assert!(decode(&[], &z, 10).is_err());
    }

    #[test]
    fn default_block_and_header() {
        let data = vec![7u8; 1000];
        let enc = encode(&[], &data).unwrap();
        assert_eq!(
            &enc[..12],
            &[0, 0, 0, 0, 0, 0, 0x03, 0xe8, 0, 0, 0x03, 0xe8]
        );
        assert!(enc.len() < 100);
        assert_eq!(decode(&[], &enc, 1000).unwrap(), data);
    }

    proptest! {
        #[test]
        fn round_trip(noise in proptest::collection::vec(any::<u8>(), 0..3000),
                      ramp in 0usize..5000, block in 0u32..2000) {
            let mut data: Vec<u8> = (0..ramp).map(|i| (i / 5) as u8).collect();
            data.extend(noise);
            let enc = encode(&[block], &data).unwrap();
            prop_assert_eq!(decode(&[], &enc, data.len()).unwrap(), data);
        }
    }
}
