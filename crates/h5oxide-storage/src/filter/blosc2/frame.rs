//! The Blosc2 contiguous frame ("cframe", c-blosc2's README_CFRAME_FORMAT): a MessagePack
//! header with the frame's sizes and its metalayers, the chunks, a chunk holding the 64-bit
//! offsets of the chunks, and a trailer. The hdf5-blosc2 plugin stores each HDF5 chunk as
//! one frame.
//!
//! Header fields at fixed offsets (the layout of frame format version 2, which every
//! c-blosc2 since 2.0 writes): magic `b2frame\0` at 2, header length (int32) at 11, frame
//! length (uint64) at 16, general flags at 25 (bits 4-5: offset size, 1 = 64 bits), frame
//! type at 26 (0 contiguous), codec flags at 27, uncompressed size (int64) at 30, compressed
//! size (int64) at 39, type size at 48, block size at 53, chunk size at 58, the filter
//! pipeline at 70 and the metalayers from 87. All MessagePack integers are big-endian.

use super::msgpack::{put_i32, put_i64, Reader};
use super::{chunk, corrupt, unavailable};
use crate::error::StorageError;

const MAGIC: &[u8; 8] = b"b2frame\0";
const OFF_HEADER_LEN: usize = 11;
const OFF_FRAME_LEN: usize = 16;
const OFF_FLAGS: usize = 25;
const OFF_TYPE: usize = 26;
const OFF_CBYTES: usize = 39;
const OFF_TYPESIZE: usize = 48;
const OFF_CHUNKSIZE: usize = 58;
const OFF_METALAYERS: usize = 87;
/// Offsets with the top bit set stand for a whole chunk of one special value.
const SPECIAL_BIT: u64 = 1 << 63;

/// A parsed frame: the chunk payload area and where each chunk starts.
pub(super) struct Frame<'a> {
    bytes: &'a [u8],
    header_len: usize,
    /// Per chunk: offset from the end of the header, or a special-value marker.
    offsets: Vec<u64>,
    /// The `b2nd` metalayer's content, if any.
    pub b2nd: Option<&'a [u8]>,
    /// Element size.
    pub typesize: usize,
    /// Decoded size of every chunk but possibly the last.
    pub chunk_size: usize,
}

fn be_at(b: &[u8], at: usize, n: usize) -> u64 {
    b[at..at + n]
        .iter()
        .fold(0u64, |a, &x| a << 8 | u64::from(x))
}

impl<'a> Frame<'a> {
    /// True if `input` starts like a frame.
    pub(super) fn is_frame(input: &[u8]) -> bool {
        input.len() > 10 && input[0] & 0xf0 == 0x90 && input[1] == 0xa8 && &input[2..10] == MAGIC
    }

    /// Parses the frame's header, metalayers and chunk offsets.
    pub(super) fn parse(bytes: &'a [u8], max_chunks: usize) -> Result<Self, StorageError> {
        if !Self::is_frame(bytes) || bytes.len() < OFF_METALAYERS {
            return Err(corrupt("not a Blosc2 frame"));
        }
        if bytes[OFF_HEADER_LEN - 1] != 0xd2 || bytes[OFF_FRAME_LEN - 1] != 0xcf {
            return Err(corrupt("Blosc2 frame header layout"));
        }
        let header_len = be_at(bytes, OFF_HEADER_LEN, 4) as usize;
        let frame_len = be_at(bytes, OFF_FRAME_LEN, 8);
        if header_len < OFF_METALAYERS || header_len > bytes.len() || frame_len > bytes.len() as u64
        {
            return Err(corrupt("Blosc2 frame sizes exceed the chunk"));
        }
        let flags = bytes[OFF_FLAGS];
        if (flags >> 4) & 0x3 != 1 || bytes[OFF_TYPE] & 0x0f != 0 {
            // 32-bit or wider offsets, and sparse frames, are not written by the plugin.
            return Err(unavailable());
        }
        if bytes[OFF_CBYTES - 1] != 0xd3 {
            return Err(corrupt("Blosc2 frame header layout"));
        }
        let cbytes = usize::try_from(be_at(bytes, OFF_CBYTES, 8))
            .map_err(|_| corrupt("Blosc2 frame compressed size"))?;
        if bytes[OFF_TYPESIZE - 1] != 0xd2 || bytes[OFF_CHUNKSIZE - 1] != 0xd2 {
            return Err(corrupt("Blosc2 frame header layout"));
        }
        let typesize = be_at(bytes, OFF_TYPESIZE, 4) as usize;
        let chunk_size = be_at(bytes, OFF_CHUNKSIZE, 4) as usize;
        if typesize == 0 || typesize > 255 {
            return Err(corrupt("Blosc2 frame typesize"));
        }
        let b2nd = metalayer(&bytes[..header_len], b"b2nd")?
            .or(metalayer(&bytes[..header_len], b"caterva")?);
        let frame = &bytes[..frame_len as usize];
        let off_at = header_len
            .checked_add(cbytes)
            .filter(|&p| p < frame.len())
            .ok_or_else(|| corrupt("Blosc2 chunk offsets outside the frame"))?;
        let raw = chunk::decode_chunk(&frame[off_at..], max_chunks.saturating_mul(8))?;
        if raw.len() % 8 != 0 {
            return Err(corrupt("Blosc2 chunk offsets size"));
        }
        let offsets = raw
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect();
        Ok(Frame {
            bytes: frame,
            header_len,
            offsets,
            b2nd,
            typesize,
            chunk_size,
        })
    }

    /// Number of chunks.
    pub(super) fn nchunks(&self) -> usize {
        self.offsets.len()
    }

    /// Decodes chunk `i` into at most `max_len` bytes; `typesize` sizes special chunks.
    pub(super) fn chunk(
        &self,
        i: usize,
        chunk_nbytes: usize,
        typesize: usize,
        max_len: usize,
    ) -> Result<Vec<u8>, StorageError> {
        let off = self.offsets[i];
        if off & SPECIAL_BIT != 0 {
            let n = chunk_nbytes.min(max_len);
            return match (off >> 56) as u8 & 0x7f {
                1 | 4 => Ok(vec![0; n]),
                2 => {
                    let nan: &[u8] = match typesize {
                        4 => &[0x00, 0x00, 0xc0, 0x7f],
                        8 => &[0, 0, 0, 0, 0, 0, 0xf8, 0x7f],
                        _ => return Err(corrupt("Blosc2 NaN chunk of a non-float size")),
                    };
                    Ok(nan.repeat(n / typesize))
                }
                _ => Err(corrupt("unknown Blosc2 special chunk offset")),
            };
        }
        let at = usize::try_from(off)
            .ok()
            .and_then(|o| o.checked_add(self.header_len))
            .filter(|&p| p < self.bytes.len())
            .ok_or_else(|| corrupt("Blosc2 chunk offset outside the frame"))?;
        chunk::decode_chunk(&self.bytes[at..], max_len)
    }
}

/// The content of metalayer `name` in a frame header, if present.
fn metalayer<'a>(header: &'a [u8], name: &[u8]) -> Result<Option<&'a [u8]>, StorageError> {
    let mut r = Reader::new(header, OFF_METALAYERS);
    if r.array_len()? != 3 {
        return Err(corrupt("Blosc2 metalayers"));
    }
    r.int()?; // size of the index
    let n = r.map_len()?;
    for _ in 0..n {
        let key = r.str()?;
        let offset = usize::try_from(r.int()?).map_err(|_| corrupt("Blosc2 metalayer offset"))?;
        if key == name {
            // The offset names the value's bin32 marker (c-blosc2); an offset naming the
            // bytes after it is accepted too.
            let mut v = Reader::new(header, offset);
            let start = if header.get(offset) == Some(&0xc6) {
                let len = v.bin_len()?;
                let s = v.pos();
                return header
                    .get(s..s.saturating_add(len))
                    .map(Some)
                    .ok_or_else(|| corrupt("Blosc2 metalayer truncated"));
            } else {
                offset
            };
            let len_at = start
                .checked_sub(4)
                .ok_or_else(|| corrupt("Blosc2 metalayer offset"))?;
            if header.get(len_at.wrapping_sub(1)) != Some(&0xc6) {
                return Err(corrupt("Blosc2 metalayer is not binary"));
            }
            let len = be_at(header, len_at, 4) as usize;
            return header
                .get(start..start.saturating_add(len))
                .map(Some)
                .ok_or_else(|| corrupt("Blosc2 metalayer truncated"));
        }
    }
    Ok(None)
}

/// The sizes and settings a frame header records.
pub(super) struct FrameParams {
    /// Decoded bytes of all chunks.
    pub nbytes: u64,
    /// Element size.
    pub typesize: u32,
    /// Block size of the chunks.
    pub blocksize: u32,
    /// Decoded bytes of each chunk (the last may be shorter).
    pub chunk_size: u32,
    /// Codec (bits 0-3) and level (bits 4-7).
    pub codec_flags: u8,
    /// The chunks' filter pipeline.
    pub filters: [u8; 6],
}

/// Builds a frame holding `chunks` (encoded chunks), with an optional `b2nd` metalayer.
pub(super) fn build(
    chunks: &[Vec<u8>],
    p: &FrameParams,
    b2nd: Option<&[u8]>,
) -> Result<Vec<u8>, StorageError> {
    let mut h = vec![0x90 | 0x0e, 0xa8];
    h.extend_from_slice(MAGIC);
    put_i32(&mut h, 0); // header length, patched below
    h.push(0xcf);
    h.extend_from_slice(&0u64.to_be_bytes()); // frame length, patched below
    h.extend_from_slice(&[0xa4, 0x12, 0x00, p.codec_flags, 0x03]);
    let cbytes: usize = chunks.iter().map(Vec::len).sum();
    put_i64(&mut h, p.nbytes as i64);
    put_i64(&mut h, cbytes as i64);
    put_i32(&mut h, p.typesize as i32);
    put_i32(&mut h, p.blocksize as i32);
    put_i32(&mut h, p.chunk_size as i32);
    h.extend_from_slice(&[0xd1, 0, 0, 0xd1, 0, 1, 0xc2, 0xd8, 6]);
    let mut pipeline = [0u8; 16];
    pipeline[..6].copy_from_slice(&p.filters);
    h.extend_from_slice(&pipeline);
    debug_assert_eq!(h.len(), OFF_METALAYERS);
    // Metalayers: [index size, {name: offset}, [bin32 values]].
    h.push(0x93);
    let idx_at = h.len();
    h.extend_from_slice(&[0xcd, 0, 0]);
    match b2nd {
        Some(content) => {
            h.extend_from_slice(&[0xde, 0, 1, 0xa4]);
            h.extend_from_slice(b"b2nd");
            let off_at = h.len() + 1;
            put_i32(&mut h, 0);
            let idx_len = h.len() - (idx_at - 1);
            h[idx_at + 1..idx_at + 3].copy_from_slice(&(idx_len as u16).to_be_bytes());
            h.extend_from_slice(&[0xdc, 0, 1]);
            // The offset names the value's bin32 marker.
            let value_at = h.len() as u32;
            h[off_at..off_at + 4].copy_from_slice(&value_at.to_be_bytes());
            h.push(0xc6);
            h.extend_from_slice(&(content.len() as u32).to_be_bytes());
            h.extend_from_slice(content);
        }
        None => {
            h.extend_from_slice(&[0xde, 0, 0]);
            let idx_len = h.len() - (idx_at - 1);
            h[idx_at + 1..idx_at + 3].copy_from_slice(&(idx_len as u16).to_be_bytes());
            h.extend_from_slice(&[0xdc, 0, 0]);
        }
    }
    let header_len = h.len();
    let mut offsets = Vec::with_capacity(chunks.len() * 8);
    let mut pos = 0u64;
    for c in chunks {
        offsets.extend_from_slice(&pos.to_le_bytes());
        pos += c.len() as u64;
    }
    let index = chunk::stored_chunk(&offsets, 8)?;
    let trailer: [u8; 35] = {
        let mut t = [0u8; 35];
        t[..12].copy_from_slice(&[0x94, 0x01, 0x93, 0xcd, 0, 6, 0xde, 0, 0, 0xdc, 0, 0]);
        t[12] = 0xce;
        t[13..17].copy_from_slice(&35u32.to_be_bytes());
        t[17] = 0xd8;
        t
    };
    let total = header_len + cbytes + index.len() + trailer.len();
    h[OFF_HEADER_LEN..OFF_HEADER_LEN + 4].copy_from_slice(&(header_len as u32).to_be_bytes());
    h[OFF_FRAME_LEN..OFF_FRAME_LEN + 8].copy_from_slice(&(total as u64).to_be_bytes());
    let mut out = h;
    out.reserve(total - header_len);
    for c in chunks {
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&index);
    out.extend_from_slice(&trailer);
    Ok(out)
}
