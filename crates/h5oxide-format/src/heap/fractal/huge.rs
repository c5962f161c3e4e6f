//! Fractal heap huge objects: stored on their own in the file, found from the heap ID
//! directly or through the heap's huge-object v2 B-tree (spec III.G, "Fractal Heap ID for
//! Huge Objects"; B-tree record types 1 to 4).

use alloc::vec::Vec;
use core::cmp::Ordering;

use super::header::FractalHeapHeader;
use crate::btree_v2::{self, Record, RecordParams};
use crate::context::{Context, UNDEFINED_ADDRESS};
use crate::cursor::Cursor;
use crate::error::{ErrorKind, FormatError};
use crate::limits::Limits;
use crate::source::{read_structure, ReadAt};

const STRUCTURE: &str = "fractal heap ID";

/// True when huge objects' address and length fit in the heap ID (libhdf5 then stores them
/// there instead of in the B-tree).
pub fn ids_are_direct(heap: &FractalHeapHeader, ctx: &Context) -> bool {
    let room = usize::from(heap.heap_id_length).saturating_sub(1);
    let needed = if heap.filter.is_some() {
        ctx.sizeof_offsets() + 2 * ctx.sizeof_lengths() + 4
    } else {
        ctx.sizeof_offsets() + ctx.sizeof_lengths()
    };
    needed <= room
}

/// Width of the B-tree key in indirect huge object IDs: the ID's bytes after the header
/// byte, at most 8.
pub fn key_size(heap: &FractalHeapHeader) -> usize {
    usize::from(heap.heap_id_length).saturating_sub(1).min(8)
}

/// Reads the huge object whose heap ID is `id`.
///
/// # Errors
/// `Unsupported` for a heap with I/O filters; `UnexpectedEof` for a short ID; `InvalidValue`
/// if no B-tree record holds the ID's key; `LimitExceeded` for an object larger than
/// `limits.max_read_bytes`; B-tree and read errors.
pub fn read<S: ReadAt + ?Sized>(
    src: &S,
    heap: &FractalHeapHeader,
    id: &[u8],
    ctx: &Context,
    limits: &Limits,
) -> Result<Vec<u8>, S::Error> {
    if heap.filter.is_some() {
        return Err(unsupported(heap).into());
    }
    let mut c = Cursor::new(id, 0, STRUCTURE);
    c.skip(1)?;
    let (address, length) = if ids_are_direct(heap, ctx) {
        (c.offset_field(ctx)?, c.length_field(ctx)?)
    } else {
        let key = c.uint(key_size(heap))?;
        if heap.huge_btree_address == UNDEFINED_ADDRESS {
            return Err(missing(heap, key).into());
        }
        let mut found = None;
        btree_v2::find(
            src,
            heap.huge_btree_address,
            ctx,
            limits,
            &RecordParams::default(),
            &mut |r: &Record| match r {
                Record::HugeIndirect { id, .. } => id.cmp(&key),
                _ => Ordering::Less,
            },
            &mut |r| {
                if let Record::HugeIndirect {
                    address, length, ..
                } = r
                {
                    found = Some((address, length));
                }
                Ok(())
            },
        )?;
        found.ok_or_else(|| missing(heap, key))?
    };
    Limits::check(
        "max_read_bytes",
        length,
        limits.max_read_bytes,
        "fractal heap huge object",
        address,
    )?;
    if address
        .checked_add(length)
        .is_none_or(|end| end > src.size())
    {
        return Err(
            crate::source::out_of_range(address, src.size(), "fractal heap huge object").into(),
        );
    }
    let len = usize::try_from(length).map_err(|_| {
        FormatError::new(
            ErrorKind::InvalidValue {
                field: "huge object length",
                value: length,
            },
            "fractal heap huge object",
            address,
        )
    })?;
    Ok(read_structure(src, address, len as u64, "fractal heap huge object")?.into_owned())
}

fn unsupported(heap: &FractalHeapHeader) -> FormatError {
    FormatError::new(
        ErrorKind::Unsupported {
            what: "filtered fractal heap blocks",
        },
        "fractal heap header",
        heap.address,
    )
}

fn missing(heap: &FractalHeapHeader, key: u64) -> FormatError {
    FormatError::new(
        ErrorKind::InvalidValue {
            field: "huge object ID",
            value: key,
        },
        "fractal heap header",
        heap.address,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::fractal::{encode_single_block_heap, HeapParams};

    // With 17-byte IDs an 8-byte address and 8-byte length fit after the flag byte, so
    // libhdf5 stores huge objects' locations in the ID (sub-type 3).
    #[test]
    fn directly_accessed_huge_object() {
        let ctx = Context::DEFAULT;
        let params = HeapParams {
            heap_id_length: 17,
            ..HeapParams::LINKS
        };
        let h = encode_single_block_heap(&[], &params, 0, 0, &ctx)
            .unwrap()
            .header;
        assert!(ids_are_direct(&h, &ctx));
        assert!(!ids_are_direct(
            &FractalHeapHeader {
                heap_id_length: 16,
                ..h.clone()
            },
            &ctx
        ));
        let mut file = alloc::vec![0u8; 64];
        file.extend_from_slice(b"a huge object");
        let mut id = alloc::vec![0x10];
        id.extend_from_slice(&64u64.to_le_bytes());
        id.extend_from_slice(&13u64.to_le_bytes());
        let got =
            crate::heap::fractal::read_object(file.as_slice(), &h, &id, &ctx, &Limits::DEFAULT);
        assert_eq!(got.unwrap(), b"a huge object");
        // A length past the end of the file is refused before reading.
        id[9..17].copy_from_slice(&u64::MAX.to_le_bytes());
        let e = read(file.as_slice(), &h, &id, &ctx, &Limits::DEFAULT).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::LimitExceeded { .. }));
        id[9..17].copy_from_slice(&100u64.to_le_bytes());
        let e = read(file.as_slice(), &h, &id, &ctx, &Limits::DEFAULT).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::AddressOutOfRange { .. }));
    }
}
