//! One bounded reader and one writer for every structure of the format.
//!
//! A [`Cursor`] never reads past the slice it was given: running off the end is
//! `UnexpectedEof` with the file offset of the failed read. Length-prefixed blocks are read
//! through a sub-cursor cut to their length with [`Cursor::split`].

use alloc::vec::Vec;

use crate::context::{Context, UNDEFINED_ADDRESS};
use crate::error::{ErrorKind, FormatError, Result};

/// A little-endian reader over a byte slice that knows the file offset of its first byte.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
    structure: &'static str,
}

impl<'a> Cursor<'a> {
    /// A cursor over `buf`, whose first byte is at file offset `base`, decoding `structure`
    /// (the name errors report).
    pub fn new(buf: &'a [u8], base: u64, structure: &'static str) -> Self {
        Cursor {
            buf,
            pos: 0,
            base,
            structure,
        }
    }

    /// The same bytes and position, reporting errors as `structure`.
    pub fn named(mut self, structure: &'static str) -> Self {
        self.structure = structure;
        self
    }

    /// The structure name errors report.
    pub fn structure(&self) -> &'static str {
        self.structure
    }

    /// Position within the slice.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// File offset of the next byte to read.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// File offset of the slice's first byte.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The whole underlying slice.
    pub fn all(&self) -> &'a [u8] {
        self.buf
    }

    /// The bytes not yet read, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// An error of `kind` at the current offset in this cursor's structure.
    pub fn error(&self, kind: ErrorKind) -> FormatError {
        FormatError::new(kind, self.structure, self.offset())
    }

    /// An `InvalidValue` error for `field` at the offset `back` bytes before the current one.
    pub fn invalid(&self, field: &'static str, value: u64, back: usize) -> FormatError {
        FormatError::new(
            ErrorKind::InvalidValue { field, value },
            self.structure,
            self.offset().saturating_sub(back as u64),
        )
    }

    fn eof(&self, needed: usize) -> FormatError {
        self.error(ErrorKind::UnexpectedEof {
            needed: needed as u64,
            available: self.remaining() as u64,
        })
    }

    /// Moves to `pos` within the slice.
    ///
    /// # Errors
    /// `UnexpectedEof` if `pos` is past the end.
    pub fn seek(&mut self, pos: usize) -> Result<()> {
        if pos > self.buf.len() {
            let needed = pos - self.pos.min(pos);
            return Err(self.eof(needed));
        }
        self.pos = pos;
        Ok(())
    }

    /// Reads `n` bytes.
    ///
    /// # Errors
    /// `UnexpectedEof` if fewer than `n` remain.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.eof(n));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Skips `n` bytes.
    ///
    /// # Errors
    /// `UnexpectedEof` if fewer than `n` remain.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// Cuts the next `n` bytes into a cursor of their own and moves past them.
    ///
    /// # Errors
    /// `UnexpectedEof` if fewer than `n` remain.
    pub fn split(&mut self, n: usize) -> Result<Cursor<'a>> {
        let base = self.offset();
        let buf = self.bytes(n)?;
        Ok(Cursor::new(buf, base, self.structure))
    }

    /// Reads a fixed-size array.
    ///
    /// # Errors
    /// `UnexpectedEof` if fewer than `N` bytes remain.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// Reads one byte.
    ///
    /// # Errors
    /// `UnexpectedEof` at the end.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    /// Reads a little-endian `u16`.
    ///
    /// # Errors
    /// `UnexpectedEof` if fewer than 2 bytes remain.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// Reads a little-endian `u32`.
    ///
    /// # Errors
    /// `UnexpectedEof` if fewer than 4 bytes remain.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// Reads a little-endian `u64`.
    ///
    /// # Errors
    /// `UnexpectedEof` if fewer than 8 bytes remain.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// Reads an unsigned little-endian integer of `n` bytes (0 to 8).
    ///
    /// # Errors
    /// `UnexpectedEof` if fewer than `n` bytes remain; `InvalidValue` if `n > 8`.
    pub fn uint(&mut self, n: usize) -> Result<u64> {
        if n > 8 {
            return Err(self.invalid("integer width", n as u64, 0));
        }
        let b = self.bytes(n)?;
        let mut v = 0u64;
        for (i, &x) in b.iter().enumerate() {
            v |= u64::from(x) << (8 * i);
        }
        Ok(v)
    }

    /// Reads an address of the file's offset size; all-ones reads as [`UNDEFINED_ADDRESS`].
    ///
    /// # Errors
    /// `UnexpectedEof` if too few bytes remain.
    pub fn offset_field(&mut self, ctx: &Context) -> Result<u64> {
        let n = ctx.sizeof_offsets();
        let v = self.uint(n)?;
        Ok(if is_all_ones(v, n) {
            UNDEFINED_ADDRESS
        } else {
            v
        })
    }

    /// Reads a length of the file's length size; all-ones reads as `u64::MAX`.
    ///
    /// # Errors
    /// `UnexpectedEof` if too few bytes remain.
    pub fn length_field(&mut self, ctx: &Context) -> Result<u64> {
        let n = ctx.sizeof_lengths();
        let v = self.uint(n)?;
        Ok(if is_all_ones(v, n) { u64::MAX } else { v })
    }

    /// Checks that the next bytes are `sig` and moves past them.
    ///
    /// # Errors
    /// `BadSignature` (at the signature's offset) or `UnexpectedEof`.
    pub fn signature(&mut self, sig: &'static [u8]) -> Result<()> {
        let at = self.offset();
        let got = self.bytes(sig.len())?;
        if got != sig {
            return Err(FormatError::new(
                ErrorKind::BadSignature { expected: sig },
                self.structure,
                at,
            ));
        }
        Ok(())
    }

    /// Reads a null-terminated string (without its terminator), at most `max` bytes before
    /// the terminator.
    ///
    /// # Errors
    /// `UnexpectedEof` if no terminator is found within the slice or within `max` bytes.
    pub fn cstr(&mut self, max: usize) -> Result<&'a [u8]> {
        let rest = self.rest();
        let window = &rest[..rest.len().min(max.saturating_add(1))];
        match window.iter().position(|&b| b == 0) {
            Some(n) => {
                let s = &rest[..n];
                self.pos += n + 1;
                Ok(s)
            }
            None => Err(self.eof(window.len() + 1)),
        }
    }

    /// Skips to the next multiple of `align` relative to `origin` (a position in this slice).
    ///
    /// # Errors
    /// `UnexpectedEof` if the padding runs past the end.
    pub fn align_from(&mut self, origin: usize, align: usize) -> Result<()> {
        let rel = self.pos.saturating_sub(origin);
        let pad = (align - rel % align) % align;
        self.skip(pad)
    }
}

fn is_all_ones(v: u64, n: usize) -> bool {
    n > 0 && (n >= 8 && v == u64::MAX || n < 8 && v == (1u64 << (8 * n)) - 1)
}

/// A little-endian writer that builds one structure in memory.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer { buf: Vec::new() }
    }

    /// An empty writer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(n),
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True if nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The bytes written.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }

    /// The bytes written, mutable (to patch a reserved slot).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.buf
    }

    /// Consumes the writer, returning its bytes.
    pub fn into_inner(self) -> Vec<u8> {
        self.buf
    }

    /// Appends bytes.
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// Appends `n` zero bytes.
    pub fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }

    /// Appends one byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// Appends a little-endian `u16`.
    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }

    /// Appends a little-endian `u32`.
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    /// Appends a little-endian `u64`.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }

    /// Appends the low `n` bytes of `v`, little-endian.
    ///
    /// # Errors
    /// `EncodeOverflow` naming `field` if `v` does not fit in `n` bytes.
    pub fn uint(&mut self, v: u64, n: usize, field: &'static str) -> Result<()> {
        if n > 8 || (n < 8 && v >> (8 * n) != 0) {
            return Err(FormatError::new(
                ErrorKind::EncodeOverflow { field },
                "writer",
                self.buf.len() as u64,
            ));
        }
        self.bytes(&v.to_le_bytes()[..n]);
        Ok(())
    }

    /// Appends an address of the file's offset size; [`UNDEFINED_ADDRESS`] is written as
    /// all ones.
    ///
    /// # Errors
    /// `EncodeOverflow` if the address does not fit.
    pub fn offset_field(&mut self, v: u64, ctx: &Context) -> Result<()> {
        let n = ctx.sizeof_offsets();
        if v == UNDEFINED_ADDRESS {
            self.bytes(&[0xff; 8][..n]);
            return Ok(());
        }
        self.uint(v, n, "address")
    }

    /// Appends a length of the file's length size; `u64::MAX` is written as all ones.
    ///
    /// # Errors
    /// `EncodeOverflow` if the length does not fit.
    pub fn length_field(&mut self, v: u64, ctx: &Context) -> Result<()> {
        let n = ctx.sizeof_lengths();
        if v == u64::MAX {
            self.bytes(&[0xff; 8][..n]);
            return Ok(());
        }
        self.uint(v, n, "length")
    }

    /// Appends the lookup3 checksum of everything written since position `from`.
    pub fn checksum_from(&mut self, from: usize) {
        let sum = crate::checksum::lookup3(&self.buf[from..]);
        self.u32(sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_and_reports_offsets() {
        let data = [1u8, 2, 3, 4, 5, 6, 7, 8, 9];
        let mut c = Cursor::new(&data, 100, "test");
        assert_eq!(c.u16().unwrap(), 0x0201);
        assert_eq!(c.offset(), 102);
        let mut sub = c.split(3).unwrap();
        assert_eq!(sub.base(), 102);
        assert_eq!(sub.uint(3).unwrap(), 0x050403);
        let err = sub.u8().unwrap_err();
        assert_eq!(err.offset, 105);
        assert_eq!(
            err.kind,
            ErrorKind::UnexpectedEof {
                needed: 1,
                available: 0
            }
        );
        assert_eq!(c.u32().unwrap(), 0x09080706);
        assert!(c.is_empty());
    }

    #[test]
    fn undefined_address_of_any_width() {
        let ctx4 = Context::new(4, 4, 0).unwrap();
        let data = [0xff; 4];
        assert_eq!(
            Cursor::new(&data, 0, "t").offset_field(&ctx4).unwrap(),
            UNDEFINED_ADDRESS
        );
        let mut w = Writer::new();
        w.offset_field(UNDEFINED_ADDRESS, &ctx4).unwrap();
        assert_eq!(w.as_slice(), &data);
        assert!(w.uint(1 << 32, 4, "x").is_err());
    }

    #[test]
    fn cstr_stops_at_terminator_and_bound() {
        let data = b"abc\0def";
        let mut c = Cursor::new(data, 0, "t");
        assert_eq!(c.cstr(10).unwrap(), b"abc");
        assert!(c.cstr(10).is_err());
        let mut c = Cursor::new(data, 0, "t");
        assert!(c.cstr(2).is_err());
    }
}
