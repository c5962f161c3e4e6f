//! The stored bytes of data being written into an existing dataset: the caller's bytes as
//! they are, or the caller's elements converted to their stored form a piece at a time, so
//! a large write never builds a converted copy of the whole array.

use std::borrow::Cow;

use crate::write::types::{H5Write, WriteData};

/// At most this many bytes are converted at a time for one write call to the file.
const PIECE: usize = 4 << 20;

/// Converts elements `[first, first + count)` of the caller's data, appending their stored
/// bytes to the buffer.
type Convert<'a> = dyn Fn(usize, usize, &mut Vec<u8>) + 'a;

/// Stored bytes of a write, in the selection's row-major order.
pub(crate) enum StoredData<'a> {
    /// Bytes already in the stored form.
    Bytes(&'a [u8]),
    /// Elements converted on demand.
    Elements {
        /// Number of elements.
        count: usize,
        /// Stored size of one element.
        elem: usize,
        /// The conversion.
        convert: Box<Convert<'a>>,
    },
}

impl<'a> StoredData<'a> {
    /// The caller's elements when they lie in one row-major slice and their stored form
    /// holds nothing written elsewhere (variable-length data and references, whose stored
    /// bytes need the file); `None` otherwise.
    pub(crate) fn elements_of<D: WriteData + ?Sized>(data: &'a D) -> Option<Self> {
        let t = D::Elem::write_type();
        if t.has_variable_length() || t.has_reference() {
            return None;
        }
        let values = data.as_elements()?;
        if let Some(bytes) = <D::Elem as H5Write>::stored_view(values) {
            return Some(StoredData::Bytes(bytes));
        }
        Some(StoredData::Elements {
            count: values.len(),
            elem: t.size as usize,
            convert: Box::new(move |first, count, out| {
                <D::Elem as H5Write>::write_bytes(&values[first..first + count], out);
            }),
        })
    }

    /// Total length in bytes (saturating: a count this large is refused by the caller).
    pub(crate) fn len(&self) -> u64 {
        match self {
            StoredData::Bytes(b) => b.len() as u64,
            StoredData::Elements { count, elem, .. } => {
                (*count as u64).saturating_mul(*elem as u64)
            }
        }
    }

    /// Every stored byte at once: for the paths that buffer the data (chunks held in
    /// memory, external files, SWMR appends).
    pub(crate) fn whole(&self) -> Cow<'a, [u8]> {
        match self {
            StoredData::Bytes(b) => Cow::Borrowed(b),
            StoredData::Elements { count, convert, .. } => {
                let mut out = Vec::new();
                convert(0, *count, &mut out);
                Cow::Owned(out)
            }
        }
    }

    /// Calls `write(offset, bytes)` for the stored bytes `[from, from + n)` in pieces of at
    /// most a few MiB, each converted into one reused buffer; borrowed bytes go in one call.
    /// `from` and `n` lie on element boundaries.
    pub(crate) fn for_each_piece(
        &self,
        from: usize,
        n: usize,
        write: &mut dyn FnMut(usize, &[u8]) -> crate::error::Result<()>,
    ) -> crate::error::Result<()> {
        match self {
            StoredData::Bytes(b) => {
                let part = b.get(from..from + n).ok_or(crate::error::Error::Usage(
                    "the data's size differs from the selection's",
                ))?;
                write(0, part)
            }
            StoredData::Elements { elem, convert, .. } => {
                let elem = (*elem).max(1);
                let per_piece = (PIECE / elem).max(1);
                let (first, total) = (from / elem, n / elem);
                let mut buf = Vec::with_capacity(per_piece.min(total) * elem);
                let mut done = 0;
                while done < total {
                    let k = per_piece.min(total - done);
                    buf.clear();
                    convert(first + done, k, &mut buf);
                    write(done * elem, &buf)?;
                    done += k;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_converted_in_pieces_in_order() {
        // Arrays of integers have no borrowed stored form: they are converted.
        let n = (PIECE / 4) * 2 + 3;
        let v: Vec<[u16; 2]> = (0..n as u32)
            .map(|i| [i as u16, (i >> 16) as u16])
            .collect();
        let s = StoredData::elements_of(&v).expect("a slice of arrays");
        assert!(matches!(s, StoredData::Elements { .. }));
        assert_eq!(s.len(), n as u64 * 4);
        // Elements 1.. (skipping the first), as a run starting 4 bytes in.
        let mut got = Vec::new();
        let mut calls = Vec::new();
        s.for_each_piece(4, (n - 1) * 4, &mut |at, b| {
            calls.push((at, b.len()));
            got.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        let bytes: Vec<u8> = (0..n as u32).flat_map(|i| i.to_le_bytes()).collect();
        assert_eq!(got, bytes[4..]);
        // Three pieces: two whole ones and the rest, each at its offset in the run.
        assert_eq!(calls, [(0, PIECE), (PIECE, PIECE), (2 * PIECE, 8)]);
        assert_eq!(s.whole().as_ref(), &bytes[..]);
    }

    #[test]
    fn integers_are_borrowed_as_they_are() {
        let v = vec![1u32, 0x0203_0405];
        let s = StoredData::elements_of(&v).expect("a slice of integers");
        #[cfg(target_endian = "little")]
        assert!(matches!(s, StoredData::Bytes(b) if b == [1, 0, 0, 0, 5, 4, 3, 2]));
        assert_eq!(s.whole().as_ref(), [1, 0, 0, 0, 5, 4, 3, 2]);
    }

    #[test]
    fn heap_types_and_strided_views_are_not_converted_piecewise() {
        let strings = vec!["a".to_string()];
        assert!(StoredData::elements_of(&strings).is_none());
        let a = ndarray::array![[1u8, 2], [3, 4]];
        assert!(StoredData::elements_of(&a).is_some());
        assert!(StoredData::elements_of(&a.t()).is_none());
    }
}
