//! Fractal heap tiny objects: data stored in the heap ID itself (spec III.G, "Fractal Heap
//! ID for Tiny Objects").

use alloc::vec::Vec;

use super::header::FractalHeapHeader;
use crate::error::{ErrorKind, FormatError, Result};

const STRUCTURE: &str = "fractal heap ID";

/// True when the heap's tiny IDs use the extended (12-bit) length: IDs longer than 18 bytes.
pub fn extended(heap: &FractalHeapHeader) -> bool {
    heap.heap_id_length > 18
}

/// Largest object the heap stores as a tiny object (libhdf5's rule: every byte of the ID
/// after the header byte(s), at most 16 with the short length).
pub fn max_len(heap: &FractalHeapHeader) -> usize {
    let id = usize::from(heap.heap_id_length);
    if extended(heap) {
        (id - 2).min(4096)
    } else {
        id.saturating_sub(1).min(16)
    }
}

/// The object bytes stored in tiny heap ID `id`.
///
/// # Errors
/// `UnexpectedEof` if the encoded length runs past the ID.
pub fn object<'a>(heap: &FractalHeapHeader, id: &'a [u8]) -> Result<&'a [u8]> {
    let eof = |needed: usize| {
        FormatError::new(
            ErrorKind::UnexpectedEof {
                needed: needed as u64,
                available: id.len() as u64,
            },
            STRUCTURE,
            0,
        )
    };
    let first = *id.first().ok_or_else(|| eof(1))?;
    let (len, start) = if extended(heap) {
        let second = *id.get(1).ok_or_else(|| eof(2))?;
        (
            (usize::from(first & 0x0f) << 8 | usize::from(second)) + 1,
            2,
        )
    } else {
        (usize::from(first & 0x0f) + 1, 1)
    };
    id.get(start..start + len).ok_or_else(|| eof(start + len))
}

/// Builds a tiny heap ID holding `data`, padded with zeros to the heap's ID length.
///
/// # Errors
/// `EncodeOverflow` if `data` is empty or longer than [`max_len`].
pub fn encode(heap: &FractalHeapHeader, data: &[u8]) -> Result<Vec<u8>> {
    if data.is_empty() || data.len() > max_len(heap) {
        return Err(FormatError::new(
            ErrorKind::EncodeOverflow {
                field: "tiny object length",
            },
            STRUCTURE,
            0,
        ));
    }
    let enc = data.len() - 1;
    let mut id = Vec::with_capacity(usize::from(heap.heap_id_length));
    if extended(heap) {
        id.push(0x20 | ((enc >> 8) as u8 & 0x0f));
        id.push(enc as u8);
    } else {
        id.push(0x20 | enc as u8);
    }
    id.extend_from_slice(data);
    id.resize(usize::from(heap.heap_id_length), 0);
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use proptest::prelude::*;

    fn heap(id_len: u16) -> FractalHeapHeader {
        let file = include_bytes!("../../../tests/data/dense_links.h5");
        let mut h = FractalHeapHeader::decode(&file[705..], 705, &Context::DEFAULT).unwrap();
        h.heap_id_length = id_len;
        h
    }

    #[test]
    fn spec_examples() {
        // Normal form: type 2 in bits 4-5, length - 1 in bits 0-3.
        let h = heap(7);
        assert_eq!(
            object(&h, &[0x22, b'a', b'b', b'c', 0, 0, 0]).unwrap(),
            b"abc"
        );
        assert_eq!(max_len(&h), 6);
        assert!(object(&h, &[0x2f, 1, 2]).is_err());
        // 18-byte IDs still use the normal form with at most 16 bytes; 19 are extended.
        assert!(!extended(&heap(18)));
        assert_eq!(max_len(&heap(18)), 16);
        let h = heap(40);
        assert_eq!(object(&h, &[0x20, 0x02, 9, 8, 7, 6]).unwrap(), &[9, 8, 7]);
    }

    proptest! {
        #[test]
        fn roundtrip(id_len in 2u16..64, data in proptest::collection::vec(any::<u8>(), 1..70)) {
            let h = heap(id_len);
            match encode(&h, &data) {
                Ok(id) => {
                    prop_assert_eq!(id.len(), usize::from(id_len));
                    prop_assert_eq!(object(&h, &id).unwrap(), &data[..]);
                }
                Err(_) => prop_assert!(data.len() > max_len(&h)),
            }
        }
    }
}
