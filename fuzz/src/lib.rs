//! Shared pieces of the fuzz targets: the framing of per-structure inputs, a source that
//! places an image at a file address, small limits, and the filter decode harness.

pub mod targets;

use std::borrow::Cow;

use h5oxide_format::source::out_of_range;
use h5oxide_format::{Context, FormatError, Limits, ReadAt};
use h5oxide_storage::StorageError;

/// Bytes of the frame header before the extra bytes: context selector, base address (u64 LE),
/// root offset (u32 LE), length of the extra bytes.
pub const FRAME_HEADER: usize = 14;

/// Limits small enough that one fuzz input stays well inside the 2 GiB RSS limit.
pub fn small_limits() -> Limits {
    Limits {
        max_structure_bytes: 16 << 20,
        max_read_bytes: 16 << 20,
        max_depth: 32,
        max_continuations: 1024,
        max_messages: 65_536,
        max_link_hops: 16,
    }
}

/// A per-structure fuzz input:
///
/// ```text
/// byte 0      context selector: bits 0-1 size of offsets, bits 2-3 size of lengths
///             (0 -> 8, 1 -> 4, 2 -> 2, 3 -> 8)
/// bytes 1..9  base: the file address of the image's first byte (u64 LE)
/// bytes 9..13 root offset: where the structure under test starts, from the image's first
///             byte (u32 LE; 0 for a structure at the start of the image)
/// byte 13     n, the length of the extra bytes
/// n bytes     extra: target-specific parameters (record parameters, heap IDs, ...)
/// rest        image: the file's bytes from `base` on
/// ```
///
/// The structure under test is decoded at `root = base + root offset`, so a window cut from
/// a file around a structure keeps the addresses inside it meaningful.
#[derive(Debug, Clone, Copy)]
pub struct Framed<'a> {
    /// Sizes of offsets and lengths.
    pub ctx: Context,
    /// File address of the image's first byte.
    pub base: u64,
    /// File address of the structure under test.
    pub root: u64,
    /// Target-specific parameters.
    pub extra: &'a [u8],
    /// The bytes at `base..`.
    pub image: &'a [u8],
}

fn size_code(bits: u8) -> u8 {
    match bits & 3 {
        1 => 4,
        2 => 2,
        _ => 8,
    }
}

/// The selector byte for sizes of offsets and lengths (2, 4 or 8 each).
pub fn selector(sizeof_offsets: u8, sizeof_lengths: u8) -> u8 {
    let code = |s: u8| match s {
        4 => 1,
        2 => 2,
        _ => 0,
    };
    code(sizeof_offsets) | (code(sizeof_lengths) << 2)
}

impl<'a> Framed<'a> {
    /// Splits a fuzz input; `None` if it is shorter than the frame header and extra bytes, or
    /// if the image would extend past address `u64::MAX`.
    pub fn parse(data: &'a [u8]) -> Option<Self> {
        let head = data.get(..FRAME_HEADER)?;
        let ctx = Context::new(size_code(head[0]), size_code(head[0] >> 2), 0).ok()?;
        let base = u64::from_le_bytes(head[1..9].try_into().ok()?);
        let root_offset = u32::from_le_bytes(head[9..13].try_into().ok()?);
        let root = base.wrapping_add(u64::from(root_offset));
        let n = usize::from(head[13]);
        let extra = data.get(FRAME_HEADER..FRAME_HEADER + n)?;
        let image = &data[FRAME_HEADER + n..];
        // A real source ends at or below u64::MAX: every address plus the length of a
        // successful read fits in a u64.
        base.checked_add(image.len() as u64)?;
        Some(Framed {
            ctx,
            base,
            root,
            extra,
            image,
        })
    }

    /// Builds an input (for seed corpora).
    pub fn build(
        ctx_selector: u8,
        base: u64,
        root_offset: u32,
        extra: &[u8],
        image: &[u8],
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(FRAME_HEADER + extra.len() + image.len());
        out.push(ctx_selector);
        out.extend_from_slice(&base.to_le_bytes());
        out.extend_from_slice(&root_offset.to_le_bytes());
        out.push(u8::try_from(extra.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(&extra[..extra.len().min(255)]);
        out.extend_from_slice(image);
        out
    }

    /// The image as a source placed at `base`.
    pub fn source(&self) -> Shifted<'a> {
        Shifted {
            base: self.base,
            image: self.image,
        }
    }

    /// Extra byte `i`, or 0.
    pub fn extra_u8(&self, i: usize) -> u8 {
        self.extra.get(i).copied().unwrap_or(0)
    }
}

/// A source holding `image` at file addresses `base..base + image.len()`; reads below `base`
/// fail like reads past the end.
#[derive(Debug, Clone, Copy)]
pub struct Shifted<'a> {
    /// Address of the first byte.
    pub base: u64,
    /// The bytes.
    pub image: &'a [u8],
}

impl ReadAt for Shifted<'_> {
    type Error = FormatError;

    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, FormatError> {
        let size = self.size();
        let start = offset.checked_sub(self.base);
        let end = start.and_then(|s| s.checked_add(len as u64));
        match (start, end) {
            (Some(s), Some(e)) if e <= self.image.len() as u64 => {
                Ok(Cow::Borrowed(&self.image[s as usize..e as usize]))
            }
            _ => Err(out_of_range(offset, size, "read")),
        }
    }

    fn size(&self) -> u64 {
        // `Framed::parse` guarantees this does not overflow.
        self.base.saturating_add(self.image.len() as u64)
    }
}

/// Largest decoded size a filter target asks for.
pub const MAX_EXPECTED: usize = 1 << 20;

/// A filter input:
///
/// ```text
/// byte 0        number of client data values n (taken modulo 33)
/// n x u32 LE    client data
/// u32 LE        expected decoded length (modulo MAX_EXPECTED + 1)
/// rest          the filtered bytes
/// ```
#[derive(Debug, Clone)]
pub struct FilterInput<'a> {
    /// Client data.
    pub params: Vec<u32>,
    /// Largest output allowed.
    pub expected_len: usize,
    /// The filtered bytes.
    pub input: &'a [u8],
}

impl<'a> FilterInput<'a> {
    /// Splits a fuzz input; `None` if it is too short.
    pub fn parse(data: &'a [u8]) -> Option<Self> {
        let n = usize::from(*data.first()?) % 33;
        let mut rest = &data[1..];
        let mut word = || -> Option<u32> {
            let (w, r) = rest.split_first_chunk::<4>()?;
            rest = r;
            Some(u32::from_le_bytes(*w))
        };
        let params = (0..n).map(|_| word()).collect::<Option<Vec<u32>>>()?;
        let expected_len = word()? as usize % (MAX_EXPECTED + 1);
        Some(FilterInput {
            params,
            expected_len,
            input: rest,
        })
    }

    /// Builds an input (for seed corpora).
    pub fn build(params: &[u32], expected_len: usize, input: &[u8]) -> Vec<u8> {
        let mut out = vec![params.len() as u8];
        for p in params {
            out.extend_from_slice(&p.to_le_bytes());
        }
        out.extend_from_slice(&(expected_len as u32).to_le_bytes());
        out.extend_from_slice(input);
        out
    }
}

/// The filter decoder signature of `h5oxide_storage::filter`.
pub type DecodeFn = fn(&[u32], &[u8], usize) -> Result<Vec<u8>, StorageError>;

/// Runs one filter decoder on a fuzz input: it must not panic, and on success must return at
/// most `expected_len` bytes.
pub fn fuzz_filter(decode: DecodeFn, data: &[u8]) {
    let Some(f) = FilterInput::parse(data) else {
        return;
    };
    if let Ok(out) = decode(&f.params, f.input, f.expected_len) {
        assert!(
            out.len() <= f.expected_len,
            "decoded {} bytes, expected at most {}",
            out.len(),
            f.expected_len
        );
    }
}
