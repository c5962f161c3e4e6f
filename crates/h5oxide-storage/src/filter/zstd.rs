//! Filter 32015: Zstandard, as written by the HDF Group's Zstd plugin. The chunk is one
//! Zstandard frame (RFC 8878); the plugin needs the frame to record its content size.
//!
//! Parameters: `[level]`, optional (3 when absent). The pure-Rust encoder used here
//! (ruzstd 0.8) implements only its "fastest" strategy (about zstd level 1), so every level
//! is written with it; the stored level is kept as given and any zstd decoder reads the
//! result.

use ruzstd::encoding::{compress_to_vec, CompressionLevel};

use crate::error::{FilterFailure, StorageError};
use crate::filter::zstd_frame::{self, FrameError, MAGIC};
use crate::filter::{failure, ID_ZSTD};

/// zstd's default level, which the plugin uses without a parameter.
pub const DEFAULT_LEVEL: i32 = 3;

/// The client data for `H5Pset_filter(32015, [level])`: the plugin has no "set local" step.
/// Negative levels are stored as their two's-complement `u32`, as the C API passes them.
pub fn params_for(level: i32, _element_size: usize, _chunk_dims: &[u64]) -> Vec<u32> {
    vec![level as u32]
}

fn corrupt(what: &'static str) -> StorageError {
    failure(ID_ZSTD, FilterFailure::Corrupt(what))
}

fn too_large(expected: usize) -> StorageError {
    failure(ID_ZSTD, FilterFailure::TooLarge { expected })
}

fn frame_content_size(frame: &[u8]) -> Option<u64> {
    zstd_frame::header(frame).and_then(|h| h.content_size)
}

/// Decompresses the frame(s) of a chunk into at most `expected_len` bytes.
///
/// # Errors
/// `FilterFailure::TooLarge` if the frame records, or decodes to, more than `expected_len`
/// bytes; `FilterFailure::Corrupt` for anything the decoder rejects.
pub fn decode(_params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let mut out = vec![0u8; expected_len];
    match zstd_frame::decode_into(input, &mut out) {
        Ok(n) => {
            out.truncate(n);
            Ok(out)
        }
        Err(FrameError::TooLarge) => Err(too_large(expected_len)),
        Err(FrameError::Corrupt(what)) => Err(corrupt(what)),
    }
}

/// Compresses `input` into one Zstandard frame that records its content size.
///
/// # Errors
/// `FilterFailure::Corrupt` if the encoder's frame header is not of the expected form
/// (an internal error).
pub fn encode(_params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let frame = compress_to_vec(input, CompressionLevel::Fastest);
    with_content_size(frame, input.len() as u64)
}

/// ruzstd writes frames without a content size, which the C plugin refuses; rewrite the
/// header's descriptor to carry one (RFC 8878 3.1.1.1.1).
fn with_content_size(frame: Vec<u8>, size: u64) -> Result<Vec<u8>, StorageError> {
    if frame_content_size(&frame).is_some() {
        return Ok(frame);
    }
    let fhd = *frame.get(4).ok_or_else(|| corrupt("encoder output"))?;
    if frame.get(..4) != Some(&MAGIC[..]) || fhd & 0xe3 != 0 {
        // Only the no-dictionary, multi-segment, no-size header is rewritten.
        return Err(corrupt("encoder output header"));
    }
    let (flag, field): (u8, Vec<u8>) = if (256..65536 + 256).contains(&size) {
        (1, ((size - 256) as u16).to_le_bytes().to_vec())
    } else if let Ok(s) = u32::try_from(size) {
        (2, s.to_le_bytes().to_vec())
    } else {
        (3, size.to_le_bytes().to_vec())
    };
    // Magic, descriptor, window descriptor, then the size field.
    let mut out = Vec::with_capacity(frame.len() + field.len());
    out.extend_from_slice(&MAGIC);
    out.push(fhd | (flag << 6));
    out.push(*frame.get(5).ok_or_else(|| corrupt("encoder output"))?);
    out.extend_from_slice(&field);
    out.extend_from_slice(frame.get(6..).unwrap_or(&[]));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_frames() {
        // `printf hello | zstd -3`: no content size recorded.
        let z = [
            0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x29, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
            0xa3, 0x6d, 0x9f, 0x88,
        ];
        assert_eq!(frame_content_size(&z), None);
        assert_eq!(decode(&[], &z, 5).unwrap(), b"hello");
        assert!(decode(&[], &z, 4).is_err());
        assert!(decode(&[], &z[..12], 5).is_err());
    }

    #[test]
    fn encoder_records_size() {
        for n in [0usize, 1, 255, 256, 1000, 65791, 65792, 300_000] {
            let data: Vec<u8> = (0..n).map(|i| (i / 3) as u8).collect();
            let enc = encode(&[3], &data).unwrap();
            assert_eq!(frame_content_size(&enc), Some(n as u64), "n = {n}");
            assert_eq!(decode(&[], &enc, n).unwrap(), data);
            if n > 0 {
                assert!(decode(&[], &enc, n - 1).is_err());
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn round_trip(noise in proptest::collection::vec(any::<u8>(), 0..3000),
                      ramp in 0usize..5000) {
            let mut data: Vec<u8> = (0..ramp).map(|i| (i / 5) as u8).collect();
            data.extend(noise);
            let enc = encode(&[], &data).unwrap();
            prop_assert_eq!(decode(&[], &enc, data.len()).unwrap(), data);
        }
    }
}
