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
