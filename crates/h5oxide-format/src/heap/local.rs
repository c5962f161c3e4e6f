//! Local heaps, "HEAP" (spec III.D).
//!
//! The header names a data segment elsewhere in the file (usually right after it). Objects
//! in the segment (link names, soft link values, external file names) are null-terminated
//! and start on 8-byte boundaries. Free blocks form a list: each holds the offset of the next
//! free block ([`FREE_LIST_END`] for the last) and its own size, both length-sized.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::limits::Limits;
use crate::source::{read_structure, ReadAt};

/// The heap signature.
pub const SIGNATURE: &[u8; 4] = b"HEAP";

/// The only heap version (spec III.D).
pub const VERSION: u8 = 0;

/// The free-list link libhdf5 writes for "no (further) free block" (`H5HL_FREE_NULL`); the
/// spec's undefined address is accepted on read as well.
pub const FREE_LIST_END: u64 = 1;

/// Objects in the data segment start at multiples of this.
pub const ALIGNMENT: u64 = 8;

const STRUCTURE: &str = "local heap";

/// The local heap header (spec III.D).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalHeap {
    /// Bytes allocated for the data segment.
    pub data_segment_size: u64,
    /// Offset in the segment of the first free block, as stored: [`FREE_LIST_END`] (or the
    /// undefined value) when there is none; see [`LocalHeap::free_list_head`].
    pub free_list_offset: u64,
    /// Address of the data segment.
    pub data_segment_address: u64,
}

impl LocalHeap {
    /// Bytes of an encoded header.
    pub fn encoded_len(ctx: &Context) -> usize {
        8 + 2 * ctx.sizeof_lengths() + ctx.sizeof_offsets()
    }

    /// The first free block's offset, or `None` when the heap has no free block.
    pub fn free_list_head(&self) -> Option<u64> {
        match self.free_list_offset {
            FREE_LIST_END | u64::MAX => None,
            o => Some(o),
        }
    }

    /// Decodes a header.
    ///
    /// # Errors
    /// `BadSignature`; `UnsupportedVersion` unless version 0; `UnexpectedEof`.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let mut cur = cur.clone().named(STRUCTURE);
        cur.signature(SIGNATURE)?;
        let version = cur.u8()?;
        if version != VERSION {
            return Err(FormatError::new(
                ErrorKind::UnsupportedVersion { version },
                STRUCTURE,
                cur.offset() - 1,
            ));
        }
        cur.skip(3)?;
        Ok(LocalHeap {
            data_segment_size: cur.length_field(ctx)?,
            free_list_offset: cur.length_field(ctx)?,
            data_segment_address: cur.offset_field(ctx)?,
        })
    }

    /// Appends the encoded header.
    ///
    /// # Errors
    /// `EncodeOverflow` if a field does not fit the context's sizes.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        w.bytes(SIGNATURE);
        w.u8(VERSION);
        w.zeros(3);
        w.length_field(self.data_segment_size, ctx)?;
        w.length_field(self.free_list_offset, ctx)?;
        w.offset_field(self.data_segment_address, ctx)
    }

    /// Reads the header at `address`.
    ///
    /// # Errors
    /// The source's read errors; those of [`LocalHeap::decode`].
    pub fn read<S: ReadAt + ?Sized>(
        src: &S,
        address: u64,
        ctx: &Context,
    ) -> core::result::Result<Self, S::Error> {
        let bytes = read_structure(src, address, Self::encoded_len(ctx) as u64, STRUCTURE)?;
        Ok(Self::decode(
            &mut Cursor::new(&bytes, address, STRUCTURE),
            ctx,
        )?)
    }

    /// Reads the data segment.
    ///
    /// # Errors
    /// `LimitExceeded` if the segment is larger than `limits.max_structure_bytes`; the
    /// source's read errors.
    pub fn read_segment<'s, S: ReadAt + ?Sized>(
        &self,
        src: &'s S,
        limits: &Limits,
    ) -> core::result::Result<Cow<'s, [u8]>, S::Error> {
        limits.structure_size(
            self.data_segment_size,
            "local heap data segment",
            self.data_segment_address,
        )?;
        read_structure(
            src,
            self.data_segment_address,
            self.data_segment_size,
            "local heap data segment",
        )
    }
}

/// The null-terminated string at `offset` of a data segment (without its terminator).
/// `seg_base` is the segment's file address, for error offsets.
///
/// # Errors
/// `AddressOutOfRange` if `offset` is outside the segment; `UnexpectedEof` if no terminator
/// follows within the segment.
pub fn name_at(segment: &[u8], offset: u64, seg_base: u64) -> Result<&[u8]> {
    let structure = "local heap data segment";
    let start = usize::try_from(offset)
        .ok()
        .filter(|&o| o < segment.len())
        .ok_or_else(|| {
            FormatError::new(
                ErrorKind::AddressOutOfRange {
                    address: offset,
                    eof: segment.len() as u64,
                },
                structure,
                seg_base,
            )
        })?;
    let mut cur = Cursor::new(
        &segment[start..],
        seg_base.saturating_add(offset),
        structure,
    );
    cur.cstr(segment.len())
}

/// A data segment built for writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltSegment {
    /// The segment's bytes.
    pub bytes: Vec<u8>,
    /// Offset of each name, in the order given.
    pub offsets: Vec<u64>,
    /// The header's free-list offset: the free tail's offset, or [`FREE_LIST_END`].
    pub free_list_offset: u64,
}

/// Builds a data segment holding `names` in order, each null-terminated and padded to 8
/// bytes, as libhdf5 lays them out (libhdf5 stores the empty name first in group heaps, so
/// pass `b""` first for a group). The segment is `min_size` bytes (rounded up to 8) if that
/// is larger than the names need; the unused tail becomes one free block — its next-block
/// link [`FREE_LIST_END`] and its size — when it can hold those two fields, and is left as
/// zeros otherwise.
///
/// # Errors
/// `InvalidValue` ("name") if a name contains a null byte; `EncodeOverflow` if a free
/// block field does not fit the context's length size.
pub fn build_segment(names: &[&[u8]], min_size: u64, ctx: &Context) -> Result<BuiltSegment> {
    let mut w = Writer::new();
    let mut offsets = Vec::with_capacity(names.len());
    for name in names {
        if let Some(p) = name.iter().position(|&b| b == 0) {
            return Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "name (contains a null byte)",
                    value: p as u64,
                },
                STRUCTURE,
                w.len() as u64,
            ));
        }
        offsets.push(w.len() as u64);
        w.bytes(name);
        w.u8(0);
        let pad = (ALIGNMENT as usize - w.len() % ALIGNMENT as usize) % ALIGNMENT as usize;
        w.zeros(pad);
    }
    let used = w.len() as u64;
    let size = min_size
        .div_ceil(ALIGNMENT)
        .saturating_mul(ALIGNMENT)
        .max(used);
    let free = size - used;
    let mut free_list_offset = FREE_LIST_END;
    if free >= 2 * ctx.sizeof_lengths() as u64 {
        free_list_offset = used;
        w.length_field(FREE_LIST_END, ctx)?;
        w.length_field(free, ctx)?;
    }
    w.zeros((size - w.len() as u64) as usize);
    Ok(BuiltSegment {
        bytes: w.into_inner(),
        offsets,
        free_list_offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // The root group's heap of tests/data/group_symtab.h5 at 232: header then its 88-byte
    // segment ("" at 0, "many" at 8, one free block of 72 bytes at 16).
    fn root_heap() -> Vec<u8> {
        let mut b = Vec::from(&b"HEAP\0\0\0\0"[..]);
        b.extend_from_slice(&88u64.to_le_bytes());
        b.extend_from_slice(&16u64.to_le_bytes());
        b.extend_from_slice(&264u64.to_le_bytes());
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(b"many\0\0\0\0");
        b.extend_from_slice(&1u64.to_le_bytes());
        b.extend_from_slice(&72u64.to_le_bytes());
        b.extend_from_slice(&[0; 56]);
        b
    }

    #[test]
    fn decodes_libhdf5_heap_and_rebuilds_segment() {
        let file = root_heap();
        let ctx = Context::DEFAULT;
        let h = LocalHeap::decode(&mut Cursor::new(&file, 232, "t"), &ctx).unwrap();
        assert_eq!(h.data_segment_size, 88);
        assert_eq!(h.free_list_head(), Some(16));
        assert_eq!(h.data_segment_address, 264);
        let seg = &file[32..];
        assert_eq!(name_at(seg, 8, 264).unwrap(), b"many");
        assert_eq!(name_at(seg, 0, 264).unwrap(), b"");
        let built = build_segment(&[b"", b"many"], 88, &ctx).unwrap();
        assert_eq!(built.bytes, seg);
        assert_eq!(built.offsets, [0, 8]);
        assert_eq!(built.free_list_offset, 16);
        let mut w = Writer::new();
        h.encode(&mut w, &ctx).unwrap();
        assert_eq!(w.as_slice(), &file[..32]);
    }

    #[test]
    fn name_bounds() {
        let seg = b"abc\0def";
        assert_eq!(name_at(seg, 1, 0).unwrap(), b"bc");
        let err = name_at(seg, 4, 100).unwrap_err();
        assert!(matches!(err.kind, ErrorKind::UnexpectedEof { .. }));
        assert_eq!(err.offset, 104); // where the unterminated string starts
        let err = name_at(seg, 7, 100).unwrap_err();
        assert!(matches!(err.kind, ErrorKind::AddressOutOfRange { .. }));
        assert!(name_at(seg, u64::MAX, 0).is_err());
    }

    #[test]
    fn small_tail_is_not_a_free_block() {
        let built = build_segment(&[b"", b"x"], 24, &Context::DEFAULT).unwrap();
        assert_eq!(built.bytes.len(), 24);
        assert_eq!(built.free_list_offset, FREE_LIST_END);
        assert!(build_segment(&[b"a\0b"], 0, &Context::DEFAULT).is_err());
    }

    proptest! {
        #[test]
        fn names_round_trip(names in proptest::collection::vec(proptest::collection::vec(1u8..=255, 0..20), 0..10),
                            min in 0u64..400) {
            let refs: Vec<&[u8]> = names.iter().map(|n| n.as_slice()).collect();
            let b = build_segment(&refs, min, &Context::DEFAULT).unwrap();
            prop_assert_eq!(b.bytes.len() % 8, 0);
            for (n, &o) in names.iter().zip(&b.offsets) {
                prop_assert_eq!(o % 8, 0);
                prop_assert_eq!(name_at(&b.bytes, o, 0).unwrap(), n.as_slice());
            }
            let h = LocalHeap { data_segment_size: b.bytes.len() as u64, free_list_offset: b.free_list_offset, data_segment_address: 1234 };
            let mut w = Writer::new();
            h.encode(&mut w, &Context::DEFAULT).unwrap();
            prop_assert_eq!(LocalHeap::decode(&mut Cursor::new(w.as_slice(), 0, "t"), &Context::DEFAULT).unwrap(), h);
        }
    }
}
