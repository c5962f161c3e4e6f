//! One Blosc2 chunk: the 32-byte extended header, block starts, and each block as one or
//! more compressed streams, then the block's filter pipeline undone (c-blosc2's
//! README_CHUNK_FORMAT).
//!
//! Header: version, compressor format version, flags (bit 0 and bit 2 both set mark the
//! extended header; bit 1 stored uncompressed; bit 4 "do not split"; bits 5-7 the codec),
//! element size, then little-endian uncompressed size, block size and chunk size; the
//! extension holds six filter codes, the user codec, its meta, six filter metas, a second
//! flag byte (bit 7 variable-length blocks) and the Blosc2 flags (bits 4-6 a special value
//! for the whole chunk; bit 3 lazy; bit 0 dictionary).

use super::{corrupt, unavailable};
use crate::error::{FilterFailure, StorageError};
use crate::filter::blosc::{shuffle, Codec};

/// Length of the extended header.
pub(super) const EXT_HEADER_LEN: usize = 32;
const MIN_HEADER_LEN: usize = 16;
const FLAG_SHUFFLE: u8 = 0x01;
const FLAG_MEMCPYED: u8 = 0x02;
const FLAG_BITSHUFFLE: u8 = 0x04;
const FLAG_DELTA: u8 = 0x08;
const FLAG_DONT_SPLIT: u8 = 0x10;
/// Filter codes of the pipeline slots.
const F_NONE: u8 = 0;
const F_SHUFFLE: u8 = 1;
const F_BITSHUFFLE: u8 = 2;
const F_DELTA: u8 = 3;
const F_TRUNC_PREC: u8 = 4;
/// Special values of a whole chunk (Blosc2 flags bits 4-6).
const SPECIAL_ZERO: u8 = 1;
const SPECIAL_NAN: u8 = 2;
const SPECIAL_VALUE: u8 = 3;
const SPECIAL_UNINIT: u8 = 4;
/// Newest chunk format version read here; 6 is variable-length blocks.
const MAX_VERSION: u8 = 5;

/// The fixed part of a chunk header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ChunkHeader {
    pub version: u8,
    pub flags: u8,
    pub typesize: u8,
    pub nbytes: usize,
    pub blocksize: usize,
    pub cbytes: usize,
    pub filters: [u8; 6],
    pub filters_meta: [u8; 6],
    pub blosc2_flags: u8,
    pub header_len: usize,
}

impl ChunkHeader {
    /// Reads the header at the start of `input`.
    pub(super) fn decode(input: &[u8]) -> Result<Self, StorageError> {
        let h = input
            .get(..MIN_HEADER_LEN)
            .ok_or_else(|| corrupt("Blosc2 chunk header truncated"))?;
        let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]) as usize;
        let flags = h[2];
        let mut out = ChunkHeader {
            version: h[0],
            flags,
            typesize: h[3],
            nbytes: u32_at(4),
            blocksize: u32_at(8),
            cbytes: u32_at(12),
            filters: [F_NONE; 6],
            filters_meta: [0; 6],
            blosc2_flags: 0,
            header_len: MIN_HEADER_LEN,
        };
        if out.version == 0 || out.version > MAX_VERSION + 1 {
            return Err(corrupt("unknown Blosc2 chunk version"));
        }
        if out.typesize == 0 {
            return Err(corrupt("Blosc2 typesize is 0"));
        }
        if flags & FLAG_SHUFFLE != 0 && flags & FLAG_BITSHUFFLE != 0 {
            let e = input
                .get(..EXT_HEADER_LEN)
                .ok_or_else(|| corrupt("Blosc2 extended header truncated"))?;
            out.filters.copy_from_slice(&e[16..22]);
            out.filters_meta.copy_from_slice(&e[24..30]);
            let flags2 = e[30];
            out.blosc2_flags = e[31];
            out.header_len = EXT_HEADER_LEN;
            if flags2 & 0x80 != 0 || out.version > MAX_VERSION {
                // Variable-length blocks (format 6) are not read here.
                return Err(unavailable());
            }
            if out.version == 3 {
                // The alpha format left the last slot uninitialised.
                out.filters[5] = F_NONE;
                out.filters_meta[5] = 0;
            }
        } else {
            // Blosc 1 style flags select at most a shuffle and a delta.
            if flags & FLAG_SHUFFLE != 0 {
                out.filters[5] = F_SHUFFLE;
            } else if flags & FLAG_BITSHUFFLE != 0 {
                out.filters[5] = F_BITSHUFFLE;
            }
            if flags & FLAG_DELTA != 0 {
                out.filters[4] = F_DELTA;
            }
        }
        if out.cbytes < out.header_len {
            return Err(corrupt("Blosc2 chunk size smaller than its header"));
        }
        if out.nbytes > 0 && out.blocksize > out.nbytes {
            out.blocksize = out.nbytes;
        }
        Ok(out)
    }

    fn special(&self) -> u8 {
        if self.header_len == EXT_HEADER_LEN {
            (self.blosc2_flags >> 4) & 0x7
        } else {
            0
        }
    }
}

/// Decodes the chunk at the start of `input` into at most `max_len` bytes.
pub(super) fn decode_chunk(input: &[u8], max_len: usize) -> Result<Vec<u8>, StorageError> {
    let h = ChunkHeader::decode(input)?;
    if h.nbytes > max_len {
        return Err(super::fail(FilterFailure::TooLarge { expected: max_len }));
    }
    let chunk = input
        .get(..h.cbytes)
        .ok_or_else(|| corrupt("Blosc2 chunk extends past its input"))?;
    let typesize = usize::from(h.typesize);
    match h.special() {
        0 => {}
        SPECIAL_ZERO | SPECIAL_UNINIT => return Ok(vec![0; h.nbytes]),
        SPECIAL_NAN => {
            let nan: &[u8] = match typesize {
                4 => &[0x00, 0x00, 0xc0, 0x7f],
                8 => &[0, 0, 0, 0, 0, 0, 0xf8, 0x7f],
                _ => return Err(corrupt("Blosc2 NaN chunk of a non-float size")),
            };
            if h.nbytes % typesize != 0 {
                return Err(corrupt("Blosc2 chunk size not a multiple of the typesize"));
            }
            return Ok(nan.repeat(h.nbytes / typesize));
        }
        SPECIAL_VALUE => {
            let value = &chunk[h.header_len..];
            if value.is_empty() || h.nbytes % value.len() != 0 {
                return Err(corrupt("Blosc2 repeated-value chunk size"));
            }
            return Ok(value.repeat(h.nbytes / value.len()));
        }
        _ => return Err(corrupt("unknown Blosc2 special chunk")),
    }
    if h.blosc2_flags & 0x08 != 0 {
        return Err(corrupt("lazy Blosc2 chunk outside a frame on disk"));
    }
    if h.blosc2_flags & 0x01 != 0 {
        // Dictionary compression: not read here.
        return Err(unavailable());
    }
    if h.flags & FLAG_MEMCPYED != 0 {
        if h.cbytes != h.header_len + h.nbytes {
            return Err(corrupt("stored Blosc2 chunk has the wrong size"));
        }
        return Ok(chunk[h.header_len..].to_vec());
    }
    if h.nbytes == 0 {
        return Ok(Vec::new());
    }
    if h.blocksize == 0 {
        return Err(corrupt("Blosc2 block size is 0"));
    }
    let codec = match h.flags >> 5 {
        // 6: a user-defined codec, named in the extended header.
        6 => return Err(unavailable()),
        code => Codec::from_format(code)?,
    };
    let nblocks = h.nbytes.div_ceil(h.blocksize);
    let starts_end = nblocks
        .checked_mul(4)
        .and_then(|n| n.checked_add(h.header_len))
        .filter(|&e| e <= chunk.len())
        .ok_or_else(|| corrupt("Blosc2 block starts truncated"))?;
    let starts = &chunk[h.header_len..starts_end];
    let mut out = vec![0u8; h.nbytes];
    let mut a = vec![0u8; h.blocksize];
    let mut b = vec![0u8; h.blocksize];
    for j in 0..nblocks {
        let begin = j * h.blocksize;
        let bsize = h.blocksize.min(h.nbytes - begin);
        let s = &starts[j * 4..j * 4 + 4];
        let start = u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize;
        if start < starts_end || start >= chunk.len() {
            return Err(corrupt("Blosc2 block start outside the chunk"));
        }
        let leftover = bsize < h.blocksize;
        decode_streams(&h, codec, &chunk[start..], leftover, &mut a[..bsize])?;
        let done = undo_filters(&h, &mut a[..bsize], &mut b[..bsize])?;
        let (head, rest) = out.split_at_mut(begin);
        let dst = &mut rest[..bsize];
        dst.copy_from_slice(if done { &b[..bsize] } else { &a[..bsize] });
        if h.filters.contains(&F_DELTA) {
            delta_decode(&head[..head.len().min(bsize)], begin == 0, typesize, dst);
        }
    }
    Ok(out)
}

/// The compressed streams of one block, decoded into `dst`.
fn decode_streams(
    h: &ChunkHeader,
    codec: Codec,
    mut src: &[u8],
    leftover: bool,
    dst: &mut [u8],
) -> Result<(), StorageError> {
    let typesize = usize::from(h.typesize);
    let nstreams = if h.flags & FLAG_DONT_SPLIT == 0 && !leftover {
        typesize
    } else {
        1
    };
    let neblock = dst.len() / nstreams;
    if neblock == 0 || neblock * nstreams != dst.len() {
        return Err(corrupt("Blosc2 block not a multiple of its streams"));
    }
    for part in dst.chunks_mut(neblock) {
        let len = src
            .get(..4)
            .ok_or_else(|| corrupt("Blosc2 stream length truncated"))?;
        let csize = i32::from_le_bytes([len[0], len[1], len[2], len[3]]);
        src = &src[4..];
        if csize == 0 {
            part.fill(0);
        } else if csize < 0 {
            let token = *src
                .first()
                .ok_or_else(|| corrupt("Blosc2 stream token truncated"))?;
            src = &src[1..];
            if token & 1 == 0 || csize < -255 {
                return Err(corrupt("unknown Blosc2 stream token"));
            }
            part.fill((-csize) as u8);
        } else {
            let n = csize as usize;
            let data = src
                .get(..n)
                .ok_or_else(|| corrupt("Blosc2 stream truncated"))?;
            src = &src[n..];
            if n == neblock {
                part.copy_from_slice(data);
            } else {
                codec.decompress(data, part)?;
            }
        }
    }
    Ok(())
}

/// Undoes the shuffle stages of the pipeline (slots from last to first), moving the block
/// between `a` and `b`; returns whether the result is in `b`. Delta is undone by the caller,
/// against the chunk's first block; truncated precision needs no undoing.
fn undo_filters(h: &ChunkHeader, a: &mut [u8], b: &mut [u8]) -> Result<bool, StorageError> {
    let typesize = usize::from(h.typesize);
    let mut in_b = false;
    for i in (0..6).rev() {
        let (src, dst): (&[u8], &mut [u8]) = if in_b { (&*b, &mut *a) } else { (&*a, &mut *b) };
        match h.filters[i] {
            F_NONE | F_DELTA | F_TRUNC_PREC => continue,
            F_SHUFFLE => {
                let group = match h.filters_meta[i] {
                    0 => typesize,
                    m => usize::from(m),
                };
                shuffle::unshuffle(group, src, dst);
            }
            F_BITSHUFFLE => {
                if h.version <= 2 {
                    shuffle::bitunshuffle(typesize, src, dst);
                } else {
                    // From format 3 on, the elements past the last multiple of 8 are
                    // left as they are and the rest is bit-unshuffled.
                    let n = src.len() / typesize;
                    let whole = (n - n % 8) * typesize;
                    shuffle::bitunshuffle(typesize, &src[..whole], &mut dst[..whole]);
                    dst[whole..].copy_from_slice(&src[whole..]);
                }
            }
            _ => return Err(unavailable()),
        }
        in_b = !in_b;
    }
    Ok(in_b)
}

/// Undoes Blosc2's delta filter on one block: the first block is a running XOR of its
/// elements, every later block is XORed with the first block's decoded bytes (`reference`).
fn delta_decode(reference: &[u8], first: bool, typesize: usize, block: &mut [u8]) {
    let unit = match typesize {
        1 | 2 | 4 | 8 => typesize,
        t if t % 8 == 0 => 8,
        _ => 1,
    };
    let n = block.len() / unit;
    if first {
        for i in 1..n {
            for k in 0..unit {
                block[i * unit + k] ^= block[(i - 1) * unit + k];
            }
        }
    } else {
        let n = n.min(reference.len() / unit);
        for (d, r) in block[..n * unit].iter_mut().zip(reference) {
            *d ^= r;
        }
    }
}

/// Encodes `data` as one chunk: byte shuffle (`shuffle` 1) or bit shuffle (2) of each
/// block, then `codec`; a block that does not shrink is stored as is.
pub(super) fn encode_chunk(
    data: &[u8],
    typesize: usize,
    shuffle_mode: u8,
    codec: Codec,
    clevel: u32,
    whole_block: bool,
) -> Result<Vec<u8>, StorageError> {
    let typesize = typesize.clamp(1, 255);
    let nbytes = u32::try_from(data.len()).map_err(|_| corrupt("Blosc2 chunk over 2 GiB"))?;
    let filter = match shuffle_mode {
        0 => F_NONE,
        1 => F_SHUFFLE,
        2 => F_BITSHUFFLE,
        _ => {
            return Err(super::fail(FilterFailure::Parameters(
                "unknown Blosc2 shuffle",
            )))
        }
    };
    let blocksize = if data.is_empty() {
        typesize
    } else if whole_block {
        data.len()
    } else {
        (data.len().min(1 << 18) / typesize * typesize).max(data.len().min(typesize))
    };
    let nblocks = data.len().div_ceil(blocksize);
    let mut out = vec![0u8; EXT_HEADER_LEN + 4 * nblocks];
    let mut shuffled = vec![0u8; blocksize];
    for (j, block) in data.chunks(blocksize).enumerate() {
        let start = out.len() as u32;
        out[EXT_HEADER_LEN + 4 * j..EXT_HEADER_LEN + 4 * j + 4]
            .copy_from_slice(&start.to_le_bytes());
        let buf = &mut shuffled[..block.len()];
        match filter {
            F_SHUFFLE => shuffle::shuffle(typesize, block, buf),
            F_BITSHUFFLE => {
                let n = block.len() / typesize;
                let whole = (n - n % 8) * typesize;
                shuffle::bitshuffle(typesize, &block[..whole], &mut buf[..whole]);
                buf[whole..].copy_from_slice(&block[whole..]);
            }
            _ => buf.copy_from_slice(block),
        }
        let packed = codec.compress(buf, clevel);
        let stream: &[u8] = if packed.is_empty() || packed.len() >= buf.len() {
            buf
        } else {
            &packed
        };
        out.extend_from_slice(&(stream.len() as i32).to_le_bytes());
        out.extend_from_slice(stream);
    }
    let cbytes = u32::try_from(out.len()).map_err(|_| corrupt("Blosc2 chunk over 4 GiB"))?;
    out[0] = MAX_VERSION;
    out[1] = 1;
    out[2] = FLAG_SHUFFLE | FLAG_BITSHUFFLE | FLAG_DONT_SPLIT | (codec.format() << 5);
    out[3] = typesize as u8;
    out[4..8].copy_from_slice(&nbytes.to_le_bytes());
    out[8..12].copy_from_slice(&(blocksize as u32).to_le_bytes());
    out[12..16].copy_from_slice(&cbytes.to_le_bytes());
    out[16 + 5] = filter;
    Ok(out)
}

/// A stored (uncompressed) chunk, as used for a frame's chunk offsets.
pub(super) fn stored_chunk(data: &[u8], typesize: usize) -> Result<Vec<u8>, StorageError> {
    let nbytes = u32::try_from(data.len()).map_err(|_| corrupt("Blosc2 chunk over 2 GiB"))?;
    let mut out = vec![0u8; EXT_HEADER_LEN];
    out[0] = MAX_VERSION;
    out[1] = 1;
    out[2] = FLAG_SHUFFLE | FLAG_BITSHUFFLE | FLAG_MEMCPYED | FLAG_DONT_SPLIT;
    out[3] = typesize.clamp(1, 255) as u8;
    out[4..8].copy_from_slice(&nbytes.to_le_bytes());
    out[8..12].copy_from_slice(&nbytes.max(1).to_le_bytes());
    out[12..16].copy_from_slice(&(nbytes + EXT_HEADER_LEN as u32).to_le_bytes());
    out.extend_from_slice(data);
    Ok(out)
}
