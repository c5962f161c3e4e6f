//! Where the bytes come from: the codec asks a [`ReadAt`] source for byte ranges and never
//! performs I/O itself. Storage backends (mmap, positional file reads, memory) implement it.

use alloc::borrow::Cow;

use crate::error::{ErrorKind, FormatError};

/// A source of the file's bytes by absolute offset.
pub trait ReadAt {
    /// The source's error; decoding errors convert into it.
    type Error: From<FormatError>;

    /// Returns exactly `len` bytes starting at `offset`, borrowed when the source can.
    ///
    /// # Errors
    /// An `UnexpectedEof`/`AddressOutOfRange` error if the range extends past the end of the
    /// source, or the backend's own I/O error.
    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, Self::Error>;

    /// The size of the source in bytes (the end-of-file address).
    fn size(&self) -> u64;

    /// Returns up to `len` bytes starting at `offset`: fewer at the end of the source.
    ///
    /// # Errors
    /// `AddressOutOfRange` if `offset` is at or past the end; the backend's own I/O error.
    fn read_up_to(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, Self::Error> {
        let size = self.size();
        if offset >= size {
            return Err(out_of_range(offset, size, "read").into());
        }
        let n = (size - offset).min(len as u64) as usize;
        self.read_at(offset, n)
    }
}

/// The error for a range that does not lie within a source of `size` bytes.
pub fn out_of_range(offset: u64, size: u64, structure: &'static str) -> FormatError {
    FormatError::new(
        ErrorKind::AddressOutOfRange {
            address: offset,
            eof: size,
        },
        structure,
        offset,
    )
}

impl ReadAt for [u8] {
    type Error = FormatError;

    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, FormatError> {
        let end = offset.checked_add(len as u64);
        match end {
            Some(end) if end <= self.len() as u64 => {
                Ok(Cow::Borrowed(&self[offset as usize..end as usize]))
            }
            _ => Err(out_of_range(offset, self.len() as u64, "read")),
        }
    }

    fn size(&self) -> u64 {
        self.len() as u64
    }
}

/// Reads the `len` bytes of `structure` at `offset`, checking the range against the
/// source's size first, so that a structure running past the end of the file is reported
/// under its own name: `AddressOutOfRange` if it starts at or past the end,
/// `UnexpectedEof` (at the end-of-file offset) if it starts inside and runs past it.
///
/// # Errors
/// Those two, and the source's own read errors.
pub fn read_structure<'s, S: ReadAt + ?Sized>(
    src: &'s S,
    offset: u64,
    len: u64,
    structure: &'static str,
) -> Result<Cow<'s, [u8]>, S::Error> {
    let size = src.size();
    if offset >= size {
        return Err(out_of_range(offset, size, structure).into());
    }
    let available = size - offset;
    if len > available {
        let kind = ErrorKind::UnexpectedEof {
            needed: len,
            available,
        };
        return Err(FormatError::new(kind, structure, size).into());
    }
    // len <= available, which is a u64 distance inside an addressable source.
    let n = usize::try_from(len).map_err(|_| out_of_range(offset, size, structure))?;
    src.read_at(offset, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_structure_names_the_structure() {
        let data = [0u8; 10];
        let src: &[u8] = &data;
        assert_eq!(read_structure(src, 2, 8, "heap").unwrap().len(), 8);
        let e = read_structure(src, 4, 20, "heap").unwrap_err();
        assert_eq!(
            (e.kind, e.structure, e.offset),
            (
                ErrorKind::UnexpectedEof {
                    needed: 20,
                    available: 6
                },
                "heap",
                10
            )
        );
        let e = read_structure(src, 10, 1, "heap").unwrap_err();
        assert_eq!(
            (e.kind, e.structure, e.offset),
            (
                ErrorKind::AddressOutOfRange {
                    address: 10,
                    eof: 10
                },
                "heap",
                10
            )
        );
        let e = read_structure(src, 3, u64::MAX, "heap").unwrap_err();
        assert!(matches!(e.kind, ErrorKind::UnexpectedEof { .. }));
    }
}
