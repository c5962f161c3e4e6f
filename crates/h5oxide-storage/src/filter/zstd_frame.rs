//! Bounded decoding of Zstandard frames (RFC 8878), shared by the Zstd and Bitshuffle
//! filters.
//!
//! The decoder reserves the window a frame header declares, so each header is checked
//! before the frame is decoded: a chunk of a few kilobytes cannot make it reserve 100 MB.

use std::io::Read;

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

/// The Zstandard frame magic number, little-endian.
pub(crate) const MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Windows up to this size are accepted whatever the output size; RFC 8878 recommends
/// decoders support at least 8 MiB.
const MIN_WINDOW_LIMIT: u64 = 8 << 20;

/// Why a frame did not decode.
pub(crate) enum FrameError {
    /// The output would exceed the limit.
    TooLarge,
    /// The frame is invalid.
    Corrupt(&'static str),
}

/// The header fields that matter here (RFC 8878 3.1.1.1).
pub(crate) struct Header {
    /// The recorded content size, if any.
    pub content_size: Option<u64>,
    /// The window the decoder will reserve.
    pub window: u64,
}

/// Parses a frame header; `None` if `frame` does not start with one.
pub(crate) fn header(frame: &[u8]) -> Option<Header> {
    if frame.get(..4)? != MAGIC {
        return None;
    }
    let fhd = *frame.get(4)?;
    let single_segment = fhd & 0x20 != 0;
    let fcs_len = match fhd >> 6 {
        0 if single_segment => 1,
        0 => 0,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let dict_len = [0usize, 1, 2, 4][usize::from(fhd & 3)];
    let mut pos = 5;
    let mut window = 0;
    if !single_segment {
        let wd = *frame.get(pos)?;
        let base = 1u64 << (10 + (wd >> 3));
        window = base + base / 8 * u64::from(wd & 7);
        pos += 1;
    }
    pos += dict_len;
    let content_size = if fcs_len == 0 {
        None
    } else {
        let bytes = frame.get(pos..pos + fcs_len)?;
        let mut v = 0u64;
        for (i, &b) in bytes.iter().enumerate() {
            v |= u64::from(b) << (8 * i);
        }
        Some(if fcs_len == 2 { v + 256 } else { v })
    };
    if single_segment {
        window = content_size.unwrap_or(0);
    }
    Some(Header {
        content_size,
        window,
    })
}

/// Decodes every frame of `input` into `out`, returning the number of bytes written.
pub(crate) fn decode_into(mut input: &[u8], out: &mut [u8]) -> Result<usize, FrameError> {
    let limit = out.len() as u64;
    let mut decoder = FrameDecoder::new();
    let mut written = 0usize;
    while !input.is_empty() {
        if let Some(h) = header(input) {
            if h.content_size.is_some_and(|s| s > limit) {
                return Err(FrameError::TooLarge);
            }
            if h.window > limit.max(MIN_WINDOW_LIMIT) {
                return Err(FrameError::Corrupt("zstd window larger than the chunk"));
            }
        }
        match decoder.init(&mut input) {
            Ok(()) => {}
            Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                length,
                ..
            })) => {
                input = input
                    .get(length as usize..)
                    .ok_or(FrameError::Corrupt("truncated skippable frame"))?;
                continue;
            }
            Err(_) => return Err(FrameError::Corrupt("invalid zstd frame header")),
        }
        loop {
            decoder
                .decode_blocks(&mut input, BlockDecodingStrategy::UptoBytes(1 << 20))
                .map_err(|_| FrameError::Corrupt("invalid zstd block"))?;
            let dst = out.get_mut(written..).unwrap_or(&mut []);
            let n = decoder
                .read(dst)
                .map_err(|_| FrameError::Corrupt("invalid zstd block"))?;
            written += n;
            if decoder.can_collect() != 0 {
                return Err(FrameError::TooLarge);
            }
            if decoder.is_finished() {
                break;
            }
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_checked_before_decoding() {
        // A frame header declaring a 1 GiB window (exponent 20) and nothing else.
        let f = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3, 0x01, 0x00, 0x00];
        assert_eq!(header(&f).unwrap().window, 1 << 30);
        let mut out = [0u8; 16];
        assert!(matches!(
            decode_into(&f, &mut out),
            Err(FrameError::Corrupt(_))
        ));
    }

    #[test]
    fn header_fields() {
        // `printf hello | zstd -3`: window descriptor 0x58, no content size.
        let f = [0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x29, 0x00];
        let h = header(&f).unwrap();
        assert_eq!((h.content_size, h.window), (None, 1 << 21));
        // Single segment with a 1-byte content size of 5.
        let f = [0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x05];
        let h = header(&f).unwrap();
        assert_eq!((h.content_size, h.window), (Some(5), 5));
    }
}
