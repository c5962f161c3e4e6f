//! Filter 32008: Bitshuffle, optionally followed by LZ4 or Zstandard per block.
//!
//! The transform works on blocks of `block_size` elements (a multiple of 8); a final
//! partial block is rounded down to a multiple of 8 elements, and the last `count % 8`
//! elements are copied unchanged. Within a block of `n` elements of `s` bytes the output is
//! `8 * s` rows of `n / 8` bytes: row `8 * j + b` holds bit `b` of byte `j` of every element,
//! element `i` at bit `i % 8` of byte `i / 8`.
//!
//! With compression (`params[4]` = 2 for LZ4, 3 for Zstd) the chunk starts with the original
//! size (8 bytes, big-endian) and the block size in bytes (4 bytes, big-endian); each
//! transformed block follows as a 4-byte big-endian compressed size and its LZ4 block or
//! Zstd frame; the leftover elements come last, raw. Without compression the chunk is the
//! transform alone.
//!
//! Parameters, as the filter's "set local" step stores them: `[major version, minor version,
//! element size, block size in elements (0: default), compression, zstd level]`; the last
//! three are optional. The default block size is 8192 bytes' worth of elements, rounded down
//! to a multiple of 8, and at least 128.

use ruzstd::encoding::CompressionLevel;

use crate::error::{FilterFailure, StorageError};
use crate::filter::blocks::{be_u32, be_u64, slice};
use crate::filter::zstd_frame::FrameError;
use crate::filter::{failure, ID_BITSHUFFLE};

/// Version recorded in slot 0 by the bitshuffle release this was checked against (0.x).
pub const VERSION_MAJOR: u32 = 0;
/// Version recorded in slot 1.
pub const VERSION_MINOR: u32 = 4;
/// `params[4]` value: no compression.
pub const COMPRESS_NONE: u32 = 0;
/// `params[4]` value: LZ4 per block.
pub const COMPRESS_LZ4: u32 = 2;
/// `params[4]` value: Zstandard per block.
pub const COMPRESS_ZSTD: u32 = 3;

const TARGET_BLOCK_BYTES: usize = 8192;
const MIN_BLOCK: usize = 128;
const HEADER_LEN: usize = 12;

/// Options given when the filter is added to a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// Block size in elements; 0 picks the default for the element size. Must be a
    /// multiple of 8.
    pub block_size: u32,
    /// [`COMPRESS_NONE`], [`COMPRESS_LZ4`] or [`COMPRESS_ZSTD`].
    pub compression: u32,
    /// Zstandard level, stored only with [`COMPRESS_ZSTD`].
    pub zstd_level: i32,
}

/// The client data the filter's "set local" step stores: the versions and element size
/// in front of the options.
pub fn params_for(options: Options, element_size: usize, _chunk_dims: &[u64]) -> Vec<u32> {
    let mut v = vec![
        VERSION_MAJOR,
        VERSION_MINOR,
        u32::try_from(element_size).unwrap_or(u32::MAX),
        options.block_size,
        options.compression,
    ];
    if options.compression == COMPRESS_ZSTD {
        v.push(options.zstd_level as u32);
    }
    v
}

/// The block size (in elements) bitshuffle uses when none is given.
pub fn default_block_size(element_size: usize) -> usize {
    let b = TARGET_BLOCK_BYTES / element_size.max(1);
    (b / 8 * 8).max(MIN_BLOCK)
}

fn corrupt(what: &'static str) -> StorageError {
    failure(ID_BITSHUFFLE, FilterFailure::Corrupt(what))
}

fn bad_params(what: &'static str) -> StorageError {
    failure(ID_BITSHUFFLE, FilterFailure::Parameters(what))
}

fn too_large(expected: usize) -> StorageError {
    failure(ID_BITSHUFFLE, FilterFailure::TooLarge { expected })
}

struct Setup {
    elem: usize,
    block: usize,
    compression: u32,
}

fn setup(params: &[u32]) -> Result<Setup, StorageError> {
    let elem = match params.get(2) {
        Some(&e) if e > 0 => e as usize,
        _ => return Err(bad_params("missing or zero element size")),
    };
    let block = match params.get(3) {
        Some(&b) if b > 0 => b as usize,
        _ => default_block_size(elem),
    };
    if block % 8 != 0 {
        return Err(bad_params("block size not a multiple of 8"));
    }
    let compression = params.get(4).copied().unwrap_or(COMPRESS_NONE);
    if ![COMPRESS_NONE, COMPRESS_LZ4, COMPRESS_ZSTD].contains(&compression) {
        return Err(bad_params("unknown compression"));
    }
    Ok(Setup {
        elem,
        block,
        compression,
    })
}

/// Transposes 8x8 bits held as eight bytes in a little-endian `u64`: bit `c` of byte `r`
/// becomes bit `r` of byte `c`. It is its own inverse.
fn transpose8(mut x: u64) -> u64 {
    let t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA;
    x ^= t ^ (t << 7);
    let t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC;
    x ^= t ^ (t << 14);
    let t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0;
    x ^= t ^ (t << 28);
    x
}

/// Bit-transposes one block of `n` elements (`n % 8 == 0`) from `src` into `dst`.
fn shuffle_block(src: &[u8], dst: &mut [u8], n: usize, elem: usize) {
    let row = n / 8;
    for j in 0..elem {
        for g in 0..row {
            let mut bytes = [0u8; 8];
            for (r, b) in bytes.iter_mut().enumerate() {
                *b = src[(8 * g + r) * elem + j];
            }
            let t = transpose8(u64::from_le_bytes(bytes)).to_le_bytes();
            for (b, &v) in t.iter().enumerate() {
                dst[(8 * j + b) * row + g] = v;
            }
        }
    }
}

/// Inverse of [`shuffle_block`].
fn unshuffle_block(src: &[u8], dst: &mut [u8], n: usize, elem: usize) {
    let row = n / 8;
    for j in 0..elem {
        for g in 0..row {
            let mut bytes = [0u8; 8];
            for (b, v) in bytes.iter_mut().enumerate() {
                *v = src[(8 * j + b) * row + g];
            }
            let t = transpose8(u64::from_le_bytes(bytes)).to_le_bytes();
            for (r, &v) in t.iter().enumerate() {
                dst[(8 * g + r) * elem + j] = v;
            }
        }
    }
}

/// The element counts of the blocks of a chunk of `count` elements; the remaining
/// `count % 8` elements are not in any block.
fn block_lengths(count: usize, block: usize) -> impl Iterator<Item = usize> {
    let full = count / block;
    let last = count % block / 8 * 8;
    std::iter::repeat_n(block, full).chain((last > 0).then_some(last))
}

/// The transform alone over a whole chunk, forward or backward.
fn transform(input: &[u8], s: &Setup, forward: bool) -> Vec<u8> {
    let count = input.len() / s.elem;
    let mut out = vec![0u8; input.len()];
    let mut pos = 0;
    for n in block_lengths(count, s.block) {
        let len = n * s.elem;
        let (src, dst) = (&input[pos..pos + len], &mut out[pos..pos + len]);
        if forward {
            shuffle_block(src, dst, n, s.elem);
        } else {
            unshuffle_block(src, dst, n, s.elem);
        }
        pos += len;
    }
    out[pos..].copy_from_slice(&input[pos..]);
    out
}

fn decompress_block(compression: u32, src: &[u8], dst: &mut [u8]) -> Result<(), StorageError> {
    let n = if compression == COMPRESS_LZ4 {
        decompress_lz4(src, dst)?
    } else {
        decompress_zstd(src, dst)?
    };
    if n != dst.len() {
        return Err(corrupt("block decodes to the wrong size"));
    }
    Ok(())
}

fn decompress_lz4(src: &[u8], dst: &mut [u8]) -> Result<usize, StorageError> {
    lz4_flex::block::decompress_into(src, dst).map_err(|_| corrupt("invalid LZ4 block"))
}

fn decompress_zstd(src: &[u8], dst: &mut [u8]) -> Result<usize, StorageError> {
    crate::filter::zstd_frame::decode_into(src, dst).map_err(|e| match e {
        FrameError::TooLarge => corrupt("zstd block larger than the block size"),
        FrameError::Corrupt(what) => corrupt(what),
    })
}

/// Undoes the filter for a chunk of at most `expected_len` bytes.
///
/// # Errors
/// `FilterFailure::Parameters` for a missing element size, a block size that is not a
/// multiple of 8 or an unknown compression; `FilterFailure::TooLarge` if the recorded size
/// exceeds `expected_len`; `FilterFailure::Corrupt` for a truncated or undecodable chunk or
/// a size that is not a whole number of elements.
pub fn decode(params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let mut s = setup(params)?;
    if s.compression == COMPRESS_NONE {
        if input.len() > expected_len {
            return Err(too_large(expected_len));
        }
        if input.len() % s.elem != 0 {
            return Err(corrupt("not a whole number of elements"));
        }
        return Ok(transform(input, &s, false));
    }
    let total = be_u64(input, 0).ok_or_else(|| corrupt("truncated header"))?;
    let total = usize::try_from(total)
        .ok()
        .filter(|&t| t <= expected_len)
        .ok_or_else(|| too_large(expected_len))?;
    // The header's block size overrides the parameter, as in the C filter.
    let block_bytes = be_u32(input, 8).ok_or_else(|| corrupt("truncated header"))? as usize;
    s.block = block_bytes / s.elem;
    if total % s.elem != 0 {
        return Err(corrupt("not a whole number of elements"));
    }
    if s.block == 0 || s.block % 8 != 0 {
        return Err(corrupt("invalid block size in header"));
    }
    let count = total / s.elem;
    let mut out = vec![0u8; total];
    // No block is larger than the chunk, whatever the header claims.
    let mut scratch = vec![0u8; block_bytes.min(total)];
    let mut pos = HEADER_LEN;
    let mut done = 0;
    for n in block_lengths(count, s.block) {
        let len = n * s.elem;
        let csize = be_u32(input, pos).ok_or_else(|| corrupt("truncated block header"))? as usize;
        pos += 4;
        let src = slice(input, pos, csize).ok_or_else(|| corrupt("truncated block"))?;
        decompress_block(s.compression, src, &mut scratch[..len])?;
        unshuffle_block(&scratch[..len], &mut out[done..done + len], n, s.elem);
        pos += csize;
        done += len;
    }
    let rest = total - done;
    let tail = slice(input, pos, rest).ok_or_else(|| corrupt("truncated leftover bytes"))?;
    out[done..].copy_from_slice(tail);
    Ok(out)
}

/// Applies the filter to a chunk.
///
/// # Errors
/// `FilterFailure::Parameters` as for [`decode`], or when the chunk is not a whole number of
/// elements (the C filter refuses it too).
pub fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let s = setup(params)?;
    if input.len() % s.elem != 0 {
        return Err(bad_params("chunk is not a whole number of elements"));
    }
    if s.compression == COMPRESS_NONE {
        return Ok(transform(input, &s, true));
    }
    let block_bytes = s
        .block
        .checked_mul(s.elem)
        .and_then(|b| u32::try_from(b).ok())
        .ok_or_else(|| bad_params("block size in bytes exceeds 32 bits"))?;
    let count = input.len() / s.elem;
    let mut out = Vec::with_capacity(HEADER_LEN + input.len() + input.len() / 64 + 64);
    out.extend_from_slice(&(input.len() as u64).to_be_bytes());
    out.extend_from_slice(&block_bytes.to_be_bytes());
    let mut shuffled = vec![0u8; (block_bytes as usize).min(input.len())];
    let mut pos = 0;
    for n in block_lengths(count, s.block) {
        let len = n * s.elem;
        shuffle_block(&input[pos..pos + len], &mut shuffled[..len], n, s.elem);
        let block = if s.compression == COMPRESS_LZ4 {
            lz4_flex::block::compress(&shuffled[..len])
        } else {
            // ruzstd has one compressing strategy, so the level (params[5]) is not used.
            ruzstd::encoding::compress_to_vec(&shuffled[..len], CompressionLevel::Fastest)
        };
        out.extend_from_slice(&(block.len() as u32).to_be_bytes());
        out.extend_from_slice(&block);
        pos += len;
    }
    out.extend_from_slice(&input[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The transform written bit by bit from its definition.
    fn reference_block(src: &[u8], n: usize, elem: usize) -> Vec<u8> {
        let mut out = vec![0u8; n * elem];
        for j in 0..elem {
            for b in 0..8 {
                for i in 0..n {
                    let bit = (src[i * elem + j] >> b) & 1;
                    let o = (8 * j + b) * (n / 8) + i / 8;
                    out[o] |= bit << (i % 8);
                }
            }
        }
        out
    }

    #[test]
    fn default_sizes() {
        assert_eq!(default_block_size(1), 8192);
        assert_eq!(default_block_size(4), 2048);
        assert_eq!(default_block_size(8), 1024);
        assert_eq!(default_block_size(100), 128);
        assert_eq!(default_block_size(3), 2728);
    }

    #[test]
    fn one_bit_set() {
        // Eight u16 elements, only element 1 has bit 0 of byte 1 set: it lands in row 8,
        // bit 1 of the row's only byte.
        let mut src = [0u8; 16];
        src[3] = 1;
        let enc = encode(&[0, 4, 2, 0, 0], &src).unwrap();
        let mut want = [0u8; 16];
        want[8] = 0b10;
        assert_eq!(enc, want);
    }

    #[test]
    fn params() {
        let o = Options {
            block_size: 0,
            compression: COMPRESS_ZSTD,
            zstd_level: -2,
        };
        assert_eq!(params_for(o, 4, &[100]), [0, 4, 4, 0, 3, u32::MAX - 1]);
        assert_eq!(params_for(Options::default(), 8, &[100]), [0, 4, 8, 0, 0]);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(encode(&[0, 4, 4, 12, 0], &[0; 16]).is_err());
        assert!(encode(&[0, 4, 4, 0, 9], &[0; 16]).is_err());
        assert!(encode(&[0, 4], &[0; 16]).is_err());
        assert!(encode(&[0, 4, 4, 0, 2], &[0; 15]).is_err());
        let enc = encode(&[0, 4, 4, 0, 2], &[5; 400]).unwrap();
        assert!(decode(&[0, 4, 4, 0, 2], &enc, 399).is_err());
        assert!(decode(&[0, 4, 4, 0, 2], &enc[..enc.len() - 1], 400).is_err());
    }

    proptest! {
        #[test]
        fn matches_reference(data in proptest::collection::vec(any::<u8>(), 0..400),
                             elem in 1usize..9) {
            let n = data.len() / elem / 8 * 8;
            let block = &data[..n * elem];
            let mut out = vec![0u8; block.len()];
            shuffle_block(block, &mut out, n, elem);
            prop_assert_eq!(&out, &reference_block(block, n, elem));
        }

        #[test]
        fn round_trip(noise in proptest::collection::vec(any::<u8>(), 0..3000),
                      ramp in 0usize..3000, elem in 1u32..17, block8 in 0u32..40,
                      compression in prop::sample::select(vec![0u32, 2, 3])) {
            let mut data: Vec<u8> = (0..ramp).map(|i| (i / 5) as u8).collect();
            data.extend(noise);
            data.truncate(data.len() / elem as usize * elem as usize);
            let params = [0, 4, elem, block8 * 8, compression, 1];
            let enc = encode(&params, &data).unwrap();
            prop_assert_eq!(decode(&params, &enc, data.len()).unwrap(), data);
        }
    }
}
