//! Filter 32001: Blosc 1 frames, as written by the hdf5-blosc plugin.
//!
//! Client data (7 values): filter revision (2), Blosc format version (2), element size, chunk
//! size in bytes, compression level, shuffle (0 none, 1 byte, 2 bit) and compressor code
//! (0 blosclz, 1 lz4, 2 lz4hc, 3 snappy, 4 zlib, 5 zstd).
//!
//! A frame is a 16-byte header — version, compressor format version, flags (bit 0 byte
//! shuffle, bit 1 stored uncompressed, bit 2 bit shuffle, bit 4 "do not split", bits 5-7
//! compressor format), element size, then little-endian 32-bit uncompressed size, block size
//! and frame size — followed, unless stored, by one 32-bit start offset per block. Each block
//! is one or more streams (one per element byte when split), each a 32-bit length and the
//! compressed bytes; a stream whose length equals its decoded size is stored as is.
//!
//! Blosc 2 frames (filter 32026) are read and written by `filter::blosc2`, which shares
//! the codecs and shuffles here.

mod blosclz;
pub(crate) mod shuffle;

use crate::error::{FilterFailure, StorageError};

/// HDF5 filter id of the Blosc plugin.
pub const FILTER_ID: u16 = 32001;
const NAME: &str = "blosc";

/// Size of the frame header.
const HEADER_LEN: usize = 16;
/// Blocks whose element count is below this are never split into streams.
const MIN_BUFFERSIZE: usize = 128;
/// Elements larger than this are never split into streams.
const MAX_SPLITS: usize = 16;
/// Header flag bits.
const FLAG_SHUFFLE: u8 = 0x1;
const FLAG_MEMCPYED: u8 = 0x2;
const FLAG_BITSHUFFLE: u8 = 0x4;
const FLAG_DONT_SPLIT: u8 = 0x10;

/// Compressor codes of the client data (`cd_values[6]`).
pub mod compressor {
    /// BloscLZ.
    pub const BLOSCLZ: u32 = 0;
    /// LZ4.
    pub const LZ4: u32 = 1;
    /// LZ4 high compression (same stream format as LZ4).
    pub const LZ4HC: u32 = 2;
    /// Snappy (not supported here).
    pub const SNAPPY: u32 = 3;
    /// zlib.
    pub const ZLIB: u32 = 4;
    /// Zstandard.
    pub const ZSTD: u32 = 5;
}

fn fail(reason: FilterFailure) -> StorageError {
    StorageError::Filter {
        id: FILTER_ID,
        name: NAME,
        reason,
    }
}

fn corrupt(what: &'static str) -> StorageError {
    fail(FilterFailure::Corrupt(what))
}

/// The client data the plugin stores at dataset creation.
///
/// `type_size` is the datatype's size, `base_type_size` the size of an array type's base type
/// (equal to `type_size` otherwise); `chunk_dims` the chunk's dimensions in elements;
/// `clevel` 0-9, `shuffle` 0/1/2 and `compressor` one of [`compressor`].
pub fn params_for(
    type_size: u32,
    base_type_size: u32,
    chunk_dims: &[u64],
    clevel: u32,
    shuffle: u32,
    compressor: u32,
) -> Vec<u32> {
    // The plugin computes the chunk size in a 32-bit unsigned int and treats elements above
    // 255 bytes as bytes.
    let mut bufsize = type_size;
    for &d in chunk_dims {
        bufsize = bufsize.wrapping_mul(d as u32);
    }
    let ts = if base_type_size > 255 {
        1
    } else {
        base_type_size
    };
    vec![2, 2, ts, bufsize, clevel, shuffle, compressor]
}

/// The fields of a Blosc 1 frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Frame format version (1 or 2).
    pub version: u8,
    /// Compressor format version (1).
    pub version_lz: u8,
    /// Flag bits.
    pub flags: u8,
    /// Element size used for shuffling and splitting.
    pub typesize: u8,
    /// Uncompressed size.
    pub nbytes: u32,
    /// Block size.
    pub blocksize: u32,
    /// Frame size, header included.
    pub cbytes: u32,
}

impl Header {
    /// Reads the header at the start of `input`.
    ///
    /// # Errors
    /// `Corrupt` when fewer than 16 bytes are given.
    pub fn decode(input: &[u8]) -> Result<Self, StorageError> {
        let h = input
            .get(..HEADER_LEN)
            .ok_or_else(|| corrupt("Blosc header truncated"))?;
        let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        Ok(Self {
            version: h[0],
            version_lz: h[1],
            flags: h[2],
            typesize: h[3],
            nbytes: u32_at(4),
            blocksize: u32_at(8),
            cbytes: u32_at(12),
        })
    }

    /// Writes the 16 header bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[self.version, self.version_lz, self.flags, self.typesize]);
        out.extend_from_slice(&self.nbytes.to_le_bytes());
        out.extend_from_slice(&self.blocksize.to_le_bytes());
        out.extend_from_slice(&self.cbytes.to_le_bytes());
    }
}

/// Number of streams a block is stored as (the rule both old and new readers apply).
fn nsplits(flags: u8, typesize: usize, bsize: usize, leftover: bool) -> usize {
    if flags & FLAG_DONT_SPLIT == 0
        && typesize <= MAX_SPLITS
        && bsize / typesize >= MIN_BUFFERSIZE
        && !leftover
    {
        typesize
    } else {
        1
    }
}

/// Decodes one Blosc 1 frame. The result is the frame's uncompressed size, at most
/// `expected_len` bytes.
///
/// # Errors
/// `TooLarge` when the frame announces more than `expected_len` bytes; `Corrupt` for a
/// malformed frame or inner stream; `Unavailable` for the Snappy compressor or a Blosc 2 frame.
pub fn decode(_params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let h = Header::decode(input)?;
    if h.version == 0 || h.version > 2 {
        // Versions 3 and later are Blosc 2 chunks.
        return Err(fail(FilterFailure::Unavailable));
    }
    let nbytes = h.nbytes as usize;
    if nbytes > expected_len {
        return Err(fail(FilterFailure::TooLarge {
            expected: expected_len,
        }));
    }
    let typesize = usize::from(h.typesize);
    if typesize == 0 {
        return Err(corrupt("Blosc typesize is 0"));
    }
    let frame_len = (h.cbytes as usize).min(input.len());
    if h.cbytes as usize > input.len() || frame_len < HEADER_LEN {
        return Err(corrupt("Blosc frame size exceeds the chunk"));
    }
    let frame = &input[..frame_len];
    if h.flags & FLAG_MEMCPYED != 0 {
        let data = frame
            .get(HEADER_LEN..HEADER_LEN + nbytes)
            .ok_or_else(|| corrupt("stored Blosc frame truncated"))?;
        return Ok(data.to_vec());
    }
    if nbytes == 0 {
        return Ok(Vec::new());
    }
    if h.version_lz != 1 {
        return Err(corrupt("unknown Blosc compressor format version"));
    }
    let codec = Codec::from_format(h.flags >> 5)?;
    let blocksize = h.blocksize as usize;
    if blocksize == 0 || blocksize > nbytes {
        return Err(corrupt("Blosc block size out of range"));
    }
    let nblocks = nbytes.div_ceil(blocksize);
    let starts_end = nblocks
        .checked_mul(4)
        .and_then(|n| n.checked_add(HEADER_LEN))
        .filter(|&e| e <= frame.len())
        .ok_or_else(|| corrupt("Blosc block offsets truncated"))?;
    let starts = &frame[HEADER_LEN..starts_end];
    let mut out = vec![0u8; nbytes];
    let mut tmp = vec![0u8; blocksize];
    for (j, dst) in out.chunks_mut(blocksize).enumerate() {
        let s = &starts[j * 4..j * 4 + 4];
        let start = u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize;
        let leftover = dst.len() < blocksize;
        decode_block(
            &h,
            codec,
            frame,
            start,
            leftover,
            dst,
            &mut tmp[..dst.len()],
        )?;
    }
    Ok(out)
}

fn decode_block(
    h: &Header,
    codec: Codec,
    frame: &[u8],
    mut pos: usize,
    leftover: bool,
    dst: &mut [u8],
    tmp: &mut [u8],
) -> Result<(), StorageError> {
    let typesize = usize::from(h.typesize);
    let bsize = dst.len();
    let doshuffle = h.flags & FLAG_SHUFFLE != 0 && typesize > 1;
    let dobitshuffle = h.flags & FLAG_BITSHUFFLE != 0 && bsize >= typesize;
    let splits = nsplits(h.flags, typesize, bsize, leftover);
    let neblock = bsize / splits;
    if neblock * splits != bsize {
        return Err(corrupt("Blosc block not a multiple of the element size"));
    }
    let target: &mut [u8] = if doshuffle || dobitshuffle { tmp } else { dst };
    for part in target.chunks_mut(neblock) {
        let len_bytes = frame
            .get(pos..pos.saturating_add(4))
            .ok_or_else(|| corrupt("Blosc stream length truncated"))?;
        let clen = i32::from_le_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
        pos += 4;
        let clen = usize::try_from(clen).map_err(|_| corrupt("negative Blosc stream length"))?;
        let src = frame
            .get(pos..pos.saturating_add(clen))
            .ok_or_else(|| corrupt("Blosc stream truncated"))?;
        pos += clen;
        if clen == neblock {
            part.copy_from_slice(src);
        } else {
            codec.decompress(src, part)?;
        }
    }
    if doshuffle {
        shuffle::unshuffle(typesize, tmp, dst);
    } else if dobitshuffle {
        shuffle::bitunshuffle(typesize, tmp, dst);
    }
    Ok(())
}

/// An inner codec, by its frame format code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    BloscLz,
    Lz4,
    Zlib,
    Zstd,
}

impl Codec {
    pub(crate) fn from_format(code: u8) -> Result<Self, StorageError> {
        match code {
            0 => Ok(Self::BloscLz),
            1 => Ok(Self::Lz4),
            3 => Ok(Self::Zlib),
            4 => Ok(Self::Zstd),
            // 2 is Snappy; others are unassigned.
            2 => Err(fail(FilterFailure::Unavailable)),
            _ => Err(corrupt("unknown Blosc compressor format")),
        }
    }

    pub(crate) fn format(self) -> u8 {
        match self {
            Self::BloscLz => 0,
            Self::Lz4 => 1,
            Self::Zlib => 3,
            Self::Zstd => 4,
        }
    }

    /// Decodes `src` into exactly `part.len()` bytes.
    pub(crate) fn decompress(self, src: &[u8], part: &mut [u8]) -> Result<(), StorageError> {
        let want = part.len();
        match self {
            Self::BloscLz => {
                let out =
                    blosclz::decompress(src, want).ok_or_else(|| corrupt("BloscLZ stream"))?;
                if out.len() != want {
                    return Err(corrupt("BloscLZ stream decodes to the wrong size"));
                }
                part.copy_from_slice(&out);
            }
            Self::Lz4 => {
                let n = lz4_flex::block::decompress_into(src, part)
                    .map_err(|_| corrupt("LZ4 block"))?;
                if n != want {
                    return Err(corrupt("LZ4 block decodes to the wrong size"));
                }
            }
            Self::Zlib => {
                let mut z = flate2::Decompress::new(true);
                let status = z
                    .decompress(src, part, flate2::FlushDecompress::Finish)
                    .map_err(|_| corrupt("zlib stream"))?;
                if status != flate2::Status::StreamEnd || z.total_out() as usize != want {
                    return Err(corrupt("zlib stream decodes to the wrong size"));
                }
            }
            Self::Zstd => {
                use std::io::Read;
                let mut reader = src;
                let dec = ruzstd::decoding::StreamingDecoder::new(&mut reader)
                    .map_err(|_| corrupt("zstd frame header"))?;
                let mut buf = Vec::with_capacity(want);
                // One byte more than wanted tells an oversized frame from an exact one.
                dec.take(want as u64 + 1)
                    .read_to_end(&mut buf)
                    .map_err(|_| corrupt("zstd frame"))?;
                if buf.len() != want {
                    return Err(corrupt("zstd frame decodes to the wrong size"));
                }
                part.copy_from_slice(&buf);
            }
        }
        Ok(())
    }

    pub(crate) fn compress(self, src: &[u8], clevel: u32) -> Vec<u8> {
        match self {
            Self::BloscLz => blosclz::compress(src),
            Self::Lz4 => lz4_flex::block::compress(src),
            Self::Zlib => {
                use std::io::Write;
                let mut e = flate2::write::ZlibEncoder::new(
                    Vec::new(),
                    flate2::Compression::new(clevel.min(9)),
                );
                // Writing to a Vec cannot fail.
                let _ = e.write_all(src);
                e.finish().unwrap_or_default()
            }
            Self::Zstd => {
                ruzstd::encoding::compress_to_vec(src, ruzstd::encoding::CompressionLevel::Fastest)
            }
        }
    }
}

/// Block size for a buffer: up to 64 KiB, rounded down to whole elements (a buffer smaller
/// than one element is one block), so that only the last block can hold a partial element.
fn block_size(nbytes: usize, typesize: usize) -> usize {
    let whole = nbytes.min(65536) / typesize * typesize;
    if whole == 0 {
        nbytes.max(1)
    } else {
        whole
    }
}

/// Encodes `input` as one Blosc 1 frame that the C plugin reads back.
///
/// Uses `params[2]` (element size), `params[4]` (level, default 5), `params[5]` (shuffle,
/// default 1) and `params[6]` (compressor, default blosclz). Level 0, buffers under 128
/// bytes and incompressible data give a stored frame.
///
/// # Errors
/// `Parameters` for a missing or zero element size, an unknown shuffle mode, the Snappy
/// compressor, or a buffer of 2 GiB or more.
pub fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let ts = *params
        .get(2)
        .ok_or_else(|| fail(FilterFailure::Parameters("Blosc client data too short")))?;
    let typesize = match ts {
        0 => return Err(fail(FilterFailure::Parameters("Blosc element size is 0"))),
        1..=255 => ts as usize,
        _ => 1,
    };
    let clevel = params.get(4).copied().unwrap_or(5);
    let shuffle_mode = params.get(5).copied().unwrap_or(1);
    let codec = match params.get(6).copied().unwrap_or(compressor::BLOSCLZ) {
        compressor::BLOSCLZ => Codec::BloscLz,
        compressor::LZ4 | compressor::LZ4HC => Codec::Lz4,
        compressor::ZLIB => Codec::Zlib,
        compressor::ZSTD => Codec::Zstd,
        _ => {
            return Err(fail(FilterFailure::Parameters(
                "Blosc compressor not available",
            )))
        }
    };
    let nbytes = input.len();
    if nbytes > (i32::MAX as usize) - HEADER_LEN {
        return Err(fail(FilterFailure::Parameters(
            "chunk too large for Blosc 1",
        )));
    }
    let mut flags = codec.format() << 5;
    match shuffle_mode {
        0 => {}
        1 => flags |= FLAG_SHUFFLE,
        2 => flags |= FLAG_BITSHUFFLE,
        _ => {
            return Err(fail(FilterFailure::Parameters(
                "unknown Blosc shuffle mode",
            )))
        }
    }
    if codec == Codec::Zstd {
        // Zstd arrived together with the split flag: its frames are never split.
        flags |= FLAG_DONT_SPLIT;
    }
    if clevel == 0 || nbytes < MIN_BUFFERSIZE {
        return Ok(stored(flags, typesize, input));
    }
    let blocksize = block_size(nbytes, typesize);
    let nblocks = nbytes.div_ceil(blocksize);
    let mut out = Vec::with_capacity(nbytes / 2 + HEADER_LEN + nblocks * 4);
    out.resize(HEADER_LEN + nblocks * 4, 0);
    let mut tmp = vec![0u8; blocksize];
    for (j, block) in input.chunks(blocksize).enumerate() {
        let start = out.len() as u32;
        out[HEADER_LEN + j * 4..HEADER_LEN + j * 4 + 4].copy_from_slice(&start.to_le_bytes());
        let bsize = block.len();
        let leftover = bsize < blocksize;
        let src: &[u8] = if flags & FLAG_SHUFFLE != 0 && typesize > 1 {
            shuffle::shuffle(typesize, block, &mut tmp[..bsize]);
            &tmp[..bsize]
        } else if flags & FLAG_BITSHUFFLE != 0 && bsize >= typesize {
            shuffle::bitshuffle(typesize, block, &mut tmp[..bsize]);
            &tmp[..bsize]
        } else {
            block
        };
        let splits = nsplits(flags, typesize, bsize, leftover);
        for part in src.chunks(bsize / splits) {
            let c = codec.compress(part, clevel);
            // A stream as long as its data is read as stored, so it must be shorter.
            let body: &[u8] = if c.is_empty() || c.len() >= part.len() {
                part
            } else {
                &c
            };
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(body);
        }
        if out.len() > nbytes + HEADER_LEN {
            return Ok(stored(flags, typesize, input));
        }
    }
    let header = Header {
        version: 2,
        version_lz: 1,
        flags,
        typesize: typesize as u8,
        nbytes: nbytes as u32,
        blocksize: blocksize as u32,
        cbytes: out.len() as u32,
    };
    let mut head = Vec::with_capacity(HEADER_LEN);
    header.encode(&mut head);
    out[..HEADER_LEN].copy_from_slice(&head);
    Ok(out)
}

/// A frame holding `input` uncompressed.
fn stored(flags: u8, typesize: usize, input: &[u8]) -> Vec<u8> {
    let header = Header {
        version: 2,
        version_lz: 1,
        flags: flags | FLAG_MEMCPYED,
        typesize: typesize as u8,
        nbytes: input.len() as u32,
        blocksize: input.len().max(1) as u32,
        cbytes: (input.len() + HEADER_LEN) as u32,
    };
    let mut out = Vec::with_capacity(input.len() + HEADER_LEN);
    header.encode(&mut out);
    out.extend_from_slice(input);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn params_match_plugin_layout() {
        assert_eq!(
            params_for(4, 4, &[10, 20], 5, 1, 1),
            vec![2, 2, 4, 800, 5, 1, 1]
        );
        assert_eq!(
            params_for(300, 300, &[2], 9, 2, 0),
            vec![2, 2, 1, 600, 9, 2, 0]
        );
    }

    #[test]
    fn decodes_stored_frame() {
        let mut frame = vec![2, 1, 0x3, 4, 4, 0, 0, 0, 4, 0, 0, 0, 20, 0, 0, 0];
        frame.extend_from_slice(&[9, 8, 7, 6]);
        assert_eq!(decode(&[], &frame, 4).unwrap(), vec![9, 8, 7, 6]);
        assert!(matches!(
            decode(&[], &frame, 3),
            Err(StorageError::Filter {
                reason: FilterFailure::TooLarge { .. },
                ..
            })
        ));
        frame.truncate(18);
        assert!(decode(&[], &frame, 4).is_err());
    }

    #[test]
    fn rejects_blosc2_and_garbage() {
        let frame = [5u8, 1, 0, 4, 4, 0, 0, 0, 4, 0, 0, 0, 32, 0, 0, 0];
        assert!(decode(&[], &frame, 100).is_err());
        assert!(decode(&[], &[2, 1, 0], 100).is_err());
    }

    proptest! {
        #[test]
        fn garbage_never_panics(mut data in proptest::collection::vec(any::<u8>(), 16..600),
                                flags in any::<u8>(), ts in 1u8..20, nbytes in 0u32..3000,
                                bs in 1u32..3000) {
            // A plausible header over random bytes reaches the block and codec paths.
            data[0] = 2;
            data[1] = 1;
            data[2] = flags & !FLAG_MEMCPYED;
            data[3] = ts;
            data[4..8].copy_from_slice(&nbytes.to_le_bytes());
            data[8..12].copy_from_slice(&bs.to_le_bytes());
            let len = data.len() as u32;
            data[12..16].copy_from_slice(&len.to_le_bytes());
            let _ = decode(&[], &data, 3000);
        }

        #[test]
        fn round_trip(
            data in proptest::collection::vec(0u8..8, 0..200_000),
            ts in prop::sample::select(vec![1u32, 2, 4, 8, 3, 24]),
            shuffle in 0u32..3,
            comp in prop::sample::select(vec![0u32, 1, 2, 4, 5]),
        ) {
            let params = params_for(ts, ts, &[data.len() as u64], 5, shuffle, comp);
            let frame = encode(&params, &data).unwrap();
            prop_assert_eq!(decode(&params, &frame, data.len()).unwrap(), data);
        }
    }
}
