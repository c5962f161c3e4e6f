//! Filter 32026: Blosc2, as written by the hdf5-blosc2 plugin (PyTables, hdf5plugin).
//!
//! Client data: filter revision, block size (0 = automatic), element size, chunk size in
//! bytes, compression level, shuffle (0 none, 1 byte, 2 bit), compressor code (0 blosclz,
//! 1 lz4, 2 lz4hc, 4 zlib, 5 zstd) and, for chunks of rank 2 or more, the rank and the chunk
//! dimensions.
//!
//! Each HDF5 chunk is stored as one Blosc2 contiguous frame ([`frame`]). For rank 2 and more
//! the frame carries a `b2nd` metalayer and its chunk holds the data block by block
//! ([`b2nd`]); otherwise the frame's chunks are the data in order. Chunks ([`chunk`]) carry
//! their own filter pipeline (byte or bit shuffle, delta, truncated precision) and codec.
//! Decoding handles every codec Blosc 1 has here, special-value chunks and frames, and
//! split or unsplit blocks; dictionaries, user-defined codecs or filters and
//! variable-length blocks are reported as unavailable. Encoding writes one frame per chunk,
//! with one block per chunk for `b2nd` arrays.

mod b2nd;
mod chunk;
mod frame;
mod msgpack;

use crate::error::{FilterFailure, StorageError};
use crate::filter::blosc::Codec;

/// HDF5 filter id of the Blosc2 plugin.
pub const FILTER_ID: u16 = 32026;
const NAME: &str = "blosc2";

pub(crate) fn fail(reason: FilterFailure) -> StorageError {
    StorageError::Filter {
        id: FILTER_ID,
        name: NAME,
        reason,
    }
}

pub(crate) fn corrupt(what: &'static str) -> StorageError {
    fail(FilterFailure::Corrupt(what))
}

pub(crate) fn unavailable() -> StorageError {
    fail(FilterFailure::Unavailable)
}

/// Compressor codes of the client data (`cd_values[6]`).
pub mod compressor {
    /// BloscLZ.
    pub const BLOSCLZ: u32 = 0;
    /// LZ4.
    pub const LZ4: u32 = 1;
    /// LZ4 high compression (same stream format as LZ4).
    pub const LZ4HC: u32 = 2;
    /// zlib.
    pub const ZLIB: u32 = 4;
    /// Zstandard.
    pub const ZSTD: u32 = 5;
}

/// The client data the plugin stores at dataset creation: `type_size` the element size,
/// `chunk_dims` the chunk in elements, `clevel` 0-9, `shuffle` 0/1/2, `compressor` one of
/// [`compressor`].
pub fn params_for(
    type_size: u32,
    chunk_dims: &[u64],
    clevel: u32,
    shuffle: u32,
    compressor: u32,
) -> Vec<u32> {
    let chunk_bytes = chunk_dims
        .iter()
        .fold(u64::from(type_size), |a, &d| a.saturating_mul(d));
    let mut p = vec![
        1,
        0,
        type_size,
        u32::try_from(chunk_bytes).unwrap_or(u32::MAX),
        clevel,
        shuffle,
        compressor,
    ];
    if chunk_dims.len() > 1 {
        p.push(chunk_dims.len() as u32);
        p.extend(
            chunk_dims
                .iter()
                .map(|&d| u32::try_from(d).unwrap_or(u32::MAX)),
        );
    }
    p
}

/// Decodes one chunk (a frame) into at most `expected_len` bytes.
///
/// # Errors
/// `Corrupt` for a malformed frame or chunk; `TooLarge` when it holds more than
/// `expected_len` bytes; `Unavailable` for features not read here (see the module docs).
pub fn decode(_params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let f = frame::Frame::parse(input, expected_len.max(1))?;
    let ts = f.typesize;
    if let Some(meta) = f.b2nd {
        let l = b2nd::Layout::decode(meta)?;
        let total = l
            .elems()
            .and_then(|n| n.checked_mul(ts))
            .filter(|&n| n <= expected_len)
            .ok_or(fail(FilterFailure::TooLarge {
                expected: expected_len,
            }))?;
        let padded = l
            .padded_chunk_elems()
            .and_then(|n| n.checked_mul(ts))
            .filter(|&n| n <= expected_len.saturating_mul(64).max(1 << 20))
            .ok_or_else(|| corrupt("b2nd chunk size out of range"))?;
        // Every chunk of a b2nd frame holds one padded chunk (whole blocks), and the frame
        // header states that size: the two must agree before anything is allocated.
        if padded != f.chunk_size {
            return Err(corrupt(
                "b2nd padded chunk size differs from the frame's chunk size",
            ));
        }
        if f.nchunks() != l.nchunks() {
            return Err(corrupt("b2nd chunk count differs from its shape"));
        }
        let mut out = vec![0u8; total];
        for ci in 0..f.nchunks() {
            let data = f.chunk(ci, padded, ts, padded)?;
            if data.len() != padded {
                return Err(corrupt("b2nd chunk has the wrong size"));
            }
            l.scatter_chunk(ci, &data, ts, &mut out);
        }
        return Ok(out);
    }
    let mut out = Vec::new();
    for ci in 0..f.nchunks() {
        let room = expected_len - out.len();
        let want = f.chunk_size.min(room);
        let data = f.chunk(ci, want, ts, room)?;
        out.extend_from_slice(&data);
    }
    Ok(out)
}

/// Encodes one chunk as a frame (see the module docs).
///
/// # Errors
/// `Parameters` for client data too short or naming an unknown compressor or shuffle.
pub fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let p = |i: usize| params.get(i).copied();
    let typesize = p(2).ok_or(fail(FilterFailure::Parameters(
        "Blosc2 client data too short",
    )))?;
    let typesize = typesize.clamp(1, 255) as usize;
    let clevel = p(4).unwrap_or(5).min(9);
    let shuffle = p(5).unwrap_or(1);
    let codec = match p(6).unwrap_or(compressor::BLOSCLZ) {
        compressor::BLOSCLZ => Codec::from_format(0)?,
        compressor::LZ4 | compressor::LZ4HC => Codec::from_format(1)?,
        compressor::ZLIB => Codec::from_format(3)?,
        compressor::ZSTD => Codec::from_format(4)?,
        _ => return Err(fail(FilterFailure::Parameters("unknown Blosc2 compressor"))),
    };
    let shuffle = u8::try_from(shuffle)
        .ok()
        .filter(|&s| s <= 2)
        .ok_or(fail(FilterFailure::Parameters("unknown Blosc2 shuffle")))?;
    let ndim = p(7).map_or(0, |n| n as usize);
    let dims: Option<Vec<usize>> = (ndim >= 2 && params.len() >= 8 + ndim)
        .then(|| params[8..8 + ndim].iter().map(|&d| d as usize).collect());
    let filters = {
        let mut f = [0u8; 6];
        f[5] = shuffle;
        f
    };
    let codec_flags = codec.format() | (clevel as u8) << 4;
    let whole = dims.is_some();
    let chunk = chunk::encode_chunk(input, typesize, shuffle, codec, clevel, whole)?;
    let blocksize = u32::from_le_bytes([chunk[8], chunk[9], chunk[10], chunk[11]]);
    let meta = match &dims {
        Some(d) => {
            let elems: usize = d.iter().product();
            if elems.saturating_mul(typesize) != input.len() {
                return Err(fail(FilterFailure::Parameters(
                    "Blosc2 chunk dimensions differ from the chunk size",
                )));
            }
            Some(b2nd::Layout::encode_single_block(d, typesize))
        }
        None => None,
    };
    let len = input.len() as u32;
    frame::build(
        &[chunk],
        &frame::FrameParams {
            nbytes: input.len() as u64,
            typesize: typesize as u32,
            blocksize,
            chunk_size: len,
            codec_flags,
            filters,
        },
        meta.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn params_follow_the_plugin_layout() {
        assert_eq!(params_for(4, &[100], 5, 1, 1), [1, 0, 4, 400, 5, 1, 1]);
        assert_eq!(
            params_for(8, &[5, 10, 20], 5, 2, 5),
            [1, 0, 8, 8000, 5, 2, 5, 3, 5, 10, 20]
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode(&[], b"not a frame at all", 100).is_err());
        let good = encode(&params_for(4, &[64], 5, 1, 1), &[7u8; 256]).unwrap();
        for cut in [0, 10, 40, 90, good.len() - 36, good.len() - 1] {
            assert!(decode(&[], &good[..cut], 256).is_err(), "cut at {cut}");
        }
        assert!(matches!(
            decode(&[], &good, 255),
            Err(StorageError::Filter {
                reason: FilterFailure::TooLarge { .. },
                ..
            })
        ));
    }

    #[test]
    fn frames_follow_the_layout_c_blosc2_reads() {
        // Facts of frames the hdf5-blosc2 plugin writes (hdf5plugin 7.1): header length at
        // 11 and frame length at 16 (big-endian), metalayers from byte 87, the b2nd entry's
        // offset naming its bin32 marker, the dtype as a str32.
        let data: Vec<u8> = (0..600u16).flat_map(|v| v.to_le_bytes()).collect();
        let f = encode(&params_for(2, &[20, 30], 5, 2, 1), &data).unwrap();
        assert_eq!(&f[..10], b"\x9e\xa8b2frame\x00");
        let header_len = u32::from_be_bytes([f[11], f[12], f[13], f[14]]) as usize;
        let frame_len = u64::from_be_bytes(f[16..24].try_into().unwrap()) as usize;
        assert_eq!(frame_len, f.len());
        assert_eq!(&f[87..89], [0x93, 0xcd]);
        let key = f.windows(5).position(|w| w == b"\xa4b2nd").unwrap();
        assert_eq!(f[key + 5], 0xd2);
        let off = u32::from_be_bytes([f[key + 6], f[key + 7], f[key + 8], f[key + 9]]) as usize;
        assert_eq!(f[off], 0xc6);
        assert!(off < header_len);
        assert_eq!(&f[header_len - 8..header_len], b"\xdb\x00\x00\x00\x03|V2");
        assert_eq!(decode(&[], &f, data.len()).unwrap(), data);
    }

    proptest! {
        #[test]
        fn round_trip(
            data in proptest::collection::vec(0u8..8, 0..5000),
            ts in prop::sample::select(vec![1u32, 2, 4, 8]),
            shuffle in 0u32..3,
            comp in prop::sample::select(vec![0u32, 1, 2, 4, 5]),
        ) {
            let n = data.len() / ts as usize * ts as usize;
            let data = &data[..n];
            let params = params_for(ts, &[(n / ts as usize) as u64], 5, shuffle, comp);
            let enc = encode(&params, data).unwrap();
            prop_assert_eq!(decode(&params, &enc, n).unwrap(), data);
        }

        #[test]
        fn round_trip_b2nd(rows in 1usize..20, cols in 1usize..30, shuffle in 0u32..3) {
            let data: Vec<u8> = (0..rows * cols * 4).map(|i| (i % 7) as u8).collect();
            let params = params_for(4, &[rows as u64, cols as u64], 5, shuffle, 1);
            let enc = encode(&params, &data).unwrap();
            prop_assert_eq!(decode(&params, &enc, data.len()).unwrap(), data);
        }

        #[test]
        fn garbage_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = decode(&[], &data, 1000);
        }
    }
}
