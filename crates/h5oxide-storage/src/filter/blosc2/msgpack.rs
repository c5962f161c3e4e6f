//! The few MessagePack forms Blosc2 frame headers and the b2nd metalayer use: integers
//! (fixint, uint8..64, int8..64; big-endian, as MessagePack stores them), arrays, strings,
//! binary and booleans. Reading is bounded by the slice; nothing is allocated per value
//! beyond the integers collected by [`Reader::int_array`].

use super::corrupt;
use crate::error::StorageError;

/// A cursor over MessagePack bytes.
pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8], pos: usize) -> Self {
        Reader { data, pos }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], StorageError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| corrupt("Blosc2 metadata truncated"))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, StorageError> {
        Ok(self.take(1)?[0])
    }

    fn be(&mut self, n: usize) -> Result<u64, StorageError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |a, &b| a << 8 | u64::from(b)))
    }

    /// An integer of any MessagePack integer form.
    pub(super) fn int(&mut self) -> Result<i64, StorageError> {
        let m = self.byte()?;
        Ok(match m {
            0x00..=0x7f => i64::from(m),
            0xe0..=0xff => i64::from(m as i8),
            0xcc => self.be(1)? as i64,
            0xcd => self.be(2)? as i64,
            0xce => self.be(4)? as i64,
            0xcf => i64::try_from(self.be(8)?)
                .map_err(|_| corrupt("Blosc2 metadata integer out of range"))?,
            0xd0 => i64::from(self.be(1)? as u8 as i8),
            0xd1 => i64::from(self.be(2)? as u16 as i16),
            0xd2 => i64::from(self.be(4)? as u32 as i32),
            0xd3 => self.be(8)? as i64,
            _ => return Err(corrupt("Blosc2 metadata: integer expected")),
        })
    }

    /// The element count of an array header.
    pub(super) fn array_len(&mut self) -> Result<usize, StorageError> {
        let m = self.byte()?;
        Ok(match m {
            0x90..=0x9f => usize::from(m & 0x0f),
            0xdc => self.be(2)? as usize,
            0xdd => self.be(4)? as usize,
            _ => return Err(corrupt("Blosc2 metadata: array expected")),
        })
    }

    /// An array of at most `max` integers.
    pub(super) fn int_array(&mut self, max: usize) -> Result<Vec<i64>, StorageError> {
        let n = self.array_len()?;
        if n > max {
            return Err(corrupt("Blosc2 metadata: array too long"));
        }
        (0..n).map(|_| self.int()).collect()
    }

    /// A string's bytes.
    pub(super) fn str(&mut self) -> Result<&'a [u8], StorageError> {
        let m = self.byte()?;
        let n = match m {
            0xa0..=0xbf => usize::from(m & 0x1f),
            0xd9 => self.be(1)? as usize,
            0xda => self.be(2)? as usize,
            0xdb => self.be(4)? as usize,
            _ => return Err(corrupt("Blosc2 metadata: string expected")),
        };
        self.take(n)
    }

    /// A map header's entry count.
    pub(super) fn map_len(&mut self) -> Result<usize, StorageError> {
        let m = self.byte()?;
        Ok(match m {
            0x80..=0x8f => usize::from(m & 0x0f),
            0xde => self.be(2)? as usize,
            0xdf => self.be(4)? as usize,
            _ => return Err(corrupt("Blosc2 metadata: map expected")),
        })
    }

    /// A binary value's length (the bytes follow).
    pub(super) fn bin_len(&mut self) -> Result<usize, StorageError> {
        let m = self.byte()?;
        Ok(match m {
            0xc4 => self.be(1)? as usize,
            0xc5 => self.be(2)? as usize,
            0xc6 => self.be(4)? as usize,
            _ => return Err(corrupt("Blosc2 metadata: binary expected")),
        })
    }

    /// The current position.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }
}

/// Appends a MessagePack int64 (`d3`), as Blosc2 writes sizes.
pub(super) fn put_i64(out: &mut Vec<u8>, v: i64) {
    out.push(0xd3);
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends a MessagePack int32 (`d2`).
pub(super) fn put_i32(out: &mut Vec<u8>, v: i32) {
    out.push(0xd2);
    out.extend_from_slice(&v.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_integer_form() {
        let bytes = [
            0x05, 0xff, 0xcc, 0xc8, 0xcd, 0x01, 0x00, 0xd0, 0x80, 0xd2, 0xff, 0xff, 0xff, 0xfe,
            0xd3, 0, 0, 0, 0, 0, 0, 0x01, 0x90,
        ];
        let mut r = Reader::new(&bytes, 0);
        let got: Vec<i64> = (0..6).map(|_| r.int().unwrap()).collect();
        assert_eq!(got, [5, -1, 200, 256, -128, -2]);
        assert_eq!(r.int().unwrap(), 400);
        assert!(r.int().is_err());
    }

    #[test]
    fn arrays_strings_and_truncation() {
        let bytes = [
            0x93, 0x01, 0xd2, 0, 0, 0, 10, 0x7f, 0xa3, b'|', b'V', b'8', 0xdc,
        ];
        let mut r = Reader::new(&bytes, 0);
        assert_eq!(r.int_array(8).unwrap(), [1, 10, 127]);
        assert_eq!(r.str().unwrap(), b"|V8");
        assert!(r.array_len().is_err());
        let mut r = Reader::new(&[0x93, 1, 2, 3], 0);
        assert!(r.int_array(2).is_err());
    }
}
