//! Shared object header message table, "SMTB"/"SMLI" (spec III.I).
//!
//! The table lists the file's shared message indexes; each index is a list ("SMLI") or a
//! v2 B-tree of type 7 records, and messages shared by several objects live in the index's
//! fractal heap.

use alloc::vec::Vec;

use crate::btree_v2::header::verify_checksum;
use crate::btree_v2::SharedMessageRecord;
use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::heap::fractal;
use crate::limits::Limits;
use crate::source::ReadAt;

const TABLE: &str = "shared object header message table";
const LIST: &str = "shared message record list";

/// Index type 0: the index is a shared message record list.
pub const INDEX_LIST: u8 = 0;
/// Index type 1: the index is a v2 B-tree of type 7 records.
pub const INDEX_BTREE: u8 = 1;

/// One index of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SohmIndex {
    /// Version of the index format (0).
    pub version: u8,
    /// [`INDEX_LIST`] or [`INDEX_BTREE`].
    pub index_type: u8,
    /// Message types indexed, as `1 << message type` (see [`message_type_flag`]).
    pub message_type_flags: u16,
    /// Messages smaller than this are not shared.
    pub min_message_size: u32,
    /// Above this many messages a list becomes a B-tree.
    pub list_cutoff: u16,
    /// Below this many messages a B-tree becomes a list.
    pub btree_cutoff: u16,
    /// Number of messages in the index.
    pub message_count: u16,
    /// Address of the list or B-tree header.
    pub index_address: u64,
    /// Address of the index's fractal heap.
    pub heap_address: u64,
}

impl SohmIndex {
    /// Encoded size of one index entry.
    pub fn encoded_len(ctx: &Context) -> usize {
        1 + 1 + 2 + 4 + 2 + 2 + 2 + 2 * ctx.sizeof_offsets()
    }
}

/// The flag bit of `message_type` in [`SohmIndex::message_type_flags`], for the five
/// message types that can be shared this way. libhdf5 stores `1 << message type` (its
/// `H5O_SHMESG_*_FLAG` values: dataspace 0x0002, datatype 0x0008, fill value 0x0020, filter
/// pipeline 0x0800, attribute 0x1000), not the bit numbers 0-4 the specification's table
/// lists; files follow the library.
pub fn message_type_flag(message_type: u16) -> Option<u16> {
    match message_type {
        0x0001 | 0x0003 | 0x0005 | 0x000b | 0x000c => Some(1 << message_type),
        _ => None,
    }
}

/// The shared object header message table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SohmTable {
    /// The indexes (their number comes from the superblock extension's Shared Message Table
    /// message).
    pub indexes: Vec<SohmIndex>,
}

impl SohmTable {
    /// The signature "SMTB".
    pub const SIGNATURE: &'static [u8; 4] = b"SMTB";

    /// Encoded size of a table of `n` indexes.
    pub fn encoded_len(ctx: &Context, n: usize) -> usize {
        4 + n * SohmIndex::encoded_len(ctx) + 4
    }

    /// Decodes a table of `n` indexes from `buf` at file offset `base`.
    ///
    /// # Errors
    /// `BadSignature`, `UnexpectedEof`, `ChecksumMismatch` at the checksum's offset.
    pub fn decode(buf: &[u8], base: u64, ctx: &Context, n: usize) -> Result<Self> {
        let mut outer = Cursor::new(buf, base, TABLE);
        let mut c = outer.split(Self::encoded_len(ctx, n))?;
        verify_checksum(c.all(), base, TABLE)?;
        c.signature(Self::SIGNATURE)?;
        let mut indexes = Vec::with_capacity(n);
        for _ in 0..n {
            indexes.push(SohmIndex {
                version: c.u8()?,
                index_type: c.u8()?,
                message_type_flags: c.u16()?,
                min_message_size: c.u32()?,
                list_cutoff: c.u16()?,
                btree_cutoff: c.u16()?,
                message_count: c.u16()?,
                index_address: c.offset_field(ctx)?,
                heap_address: c.offset_field(ctx)?,
            });
        }
        Ok(SohmTable { indexes })
    }

    /// Encodes the table, checksum last.
    ///
    /// # Errors
    /// `EncodeOverflow` if an address does not fit.
    pub fn encode(&self, ctx: &Context) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(Self::encoded_len(ctx, self.indexes.len()));
        w.bytes(Self::SIGNATURE);
        for i in &self.indexes {
            w.u8(i.version);
            w.u8(i.index_type);
            w.u16(i.message_type_flags);
            w.u32(i.min_message_size);
            w.u16(i.list_cutoff);
            w.u16(i.btree_cutoff);
            w.u16(i.message_count);
            w.offset_field(i.index_address, ctx)?;
            w.offset_field(i.heap_address, ctx)?;
        }
        w.checksum_from(0);
        Ok(w.into_inner())
    }

    /// The index that tracks `message_type`.
    pub fn index_for(&self, message_type: u16) -> Option<&SohmIndex> {
        let flag = message_type_flag(message_type)?;
        self.indexes
            .iter()
            .find(|i| i.message_type_flags & flag != 0)
    }
}

/// A shared message record list: `message_count` records, each padded to the width of
/// [`SharedMessageRecord::encoded_len`], then the checksum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SohmList {
    /// The records.
    pub records: Vec<SharedMessageRecord>,
}

impl SohmList {
    /// The signature "SMLI".
    pub const SIGNATURE: &'static [u8; 4] = b"SMLI";

    /// Encoded size of a list of `n` records (the checksum follows the last record in use).
    pub fn encoded_len(ctx: &Context, n: usize) -> usize {
        4 + n * SharedMessageRecord::encoded_len(ctx) + 4
    }

    /// Decodes a list of `n` records from `buf` at file offset `base`.
    ///
    /// # Errors
    /// `BadSignature`, `UnexpectedEof`, `ChecksumMismatch`, record errors.
    pub fn decode(buf: &[u8], base: u64, ctx: &Context, n: usize) -> Result<Self> {
        let mut outer = Cursor::new(buf, base, LIST);
        let mut c = outer.split(Self::encoded_len(ctx, n))?;
        verify_checksum(c.all(), base, LIST)?;
        c.signature(Self::SIGNATURE)?;
        let mut records = Vec::with_capacity(n);
        for _ in 0..n {
            let mut r = c.split(SharedMessageRecord::encoded_len(ctx))?;
            records.push(SharedMessageRecord::decode(&mut r, ctx)?);
        }
        Ok(SohmList { records })
    }

    /// Encodes the list, checksum after the last record, zero-padded to room for
    /// `capacity` records (libhdf5 allocates the list for its cutoff).
    ///
    /// # Errors
    /// `EncodeOverflow` if an address does not fit.
    pub fn encode(&self, ctx: &Context, capacity: usize) -> Result<Vec<u8>> {
        let width = SharedMessageRecord::encoded_len(ctx);
        let mut w = Writer::new();
        w.bytes(Self::SIGNATURE);
        for r in &self.records {
            let start = w.len();
            r.encode(&mut w, ctx)?;
            w.zeros(width - (w.len() - start));
        }
        w.checksum_from(0);
        let full = Self::encoded_len(ctx, capacity.max(self.records.len()));
        w.zeros(full.saturating_sub(w.len()));
        Ok(w.into_inner())
    }
}

/// Reads the table of `n` indexes at `address`.
///
/// # Errors
/// Read and decode errors.
pub fn read_table<S: ReadAt + ?Sized>(
    src: &S,
    address: u64,
    ctx: &Context,
    n: usize,
) -> core::result::Result<SohmTable, S::Error> {
    let bytes = src.read_at(address, SohmTable::encoded_len(ctx, n.min(256)))?;
    Ok(SohmTable::decode(&bytes, address, ctx, n.min(256))?)
}

/// Reads the records of a list index.
///
/// # Errors
/// `InvalidValue` if the index is not a list; read and decode errors.
pub fn read_list<S: ReadAt + ?Sized>(
    src: &S,
    index: &SohmIndex,
    ctx: &Context,
) -> core::result::Result<SohmList, S::Error> {
    if index.index_type != INDEX_LIST {
        return Err(FormatError::new(
            ErrorKind::InvalidValue {
                field: "index type",
                value: u64::from(index.index_type),
            },
            TABLE,
            index.index_address,
        )
        .into());
    }
    let n = usize::from(index.message_count);
    let bytes = src.read_at(index.index_address, SohmList::encoded_len(ctx, n))?;
    Ok(SohmList::decode(&bytes, index.index_address, ctx, n)?)
}

/// The encoded message that a shared message of type 1 (spec IV.A.2, "shared in the
/// file's shared message heap") refers to with `heap_id`: looked up in the heap of the index
/// that tracks `message_type`.
///
/// # Errors
/// `InvalidValue` if no index tracks `message_type`; heap read errors.
pub fn read_shared_message<S: ReadAt + ?Sized>(
    src: &S,
    table: &SohmTable,
    message_type: u16,
    heap_id: &[u8; 8],
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<Vec<u8>, S::Error> {
    let index = table.index_for(message_type).ok_or_else(|| {
        FormatError::new(
            ErrorKind::InvalidValue {
                field: "shared message type",
                value: u64::from(message_type),
            },
            TABLE,
            0,
        )
    })?;
    let heap = fractal::read_header(src, index.heap_address, ctx)?;
    fractal::read_object(src, &heap, heap_id, ctx, limits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // The table libhdf5 1.10.8 wrote at 97 in tests/data/sohm_list.h5 (one list index for
    // datatype and dataspace messages, as h5debug reports: flags 0x0a, minimum size 1, list
    // cutoff 50, B-tree cutoff 40, 2 messages, list at 566, heap at 1424).
    #[test]
    fn decodes_libhdf5_table_and_list() {
        let ctx = Context::DEFAULT;
        let file = include_bytes!("../tests/data/sohm_list.h5");
        let t = SohmTable::decode(&file[97..], 97, &ctx, 1).unwrap();
        assert_eq!(
            t.indexes,
            alloc::vec![SohmIndex {
                version: 0,
                index_type: INDEX_LIST,
                message_type_flags: 0x0a,
                min_message_size: 1,
                list_cutoff: 50,
                btree_cutoff: 40,
                message_count: 2,
                index_address: 566,
                heap_address: 1424,
            }]
        );
        assert_eq!(t.encode(&ctx).unwrap(), &file[97..97 + 38]);
        assert_eq!(t.index_for(3), Some(&t.indexes[0]));
        assert_eq!(t.index_for(5), None);
        assert_eq!(t.index_for(1), Some(&t.indexes[0]));
        assert_eq!(t.index_for(0x0b), None);
        let l = read_list(file.as_slice(), &t.indexes[0], &ctx).unwrap();
        // Both messages are used by the 6 datasets.
        assert_eq!(l.records.len(), 2);
        for r in &l.records {
            assert!(matches!(
                r,
                SharedMessageRecord::InHeap {
                    reference_count: 6,
                    ..
                }
            ));
        }
        let enc = l.encode(&ctx, 50).unwrap();
        assert_eq!(enc.len(), 1424 - 566);
        assert_eq!(enc, &file[566..1424]);
        let mut bad = file[566..1424].to_vec();
        bad[9] ^= 1;
        let e = SohmList::decode(&bad, 566, &ctx, 2).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::ChecksumMismatch { .. }));
        assert_eq!(e.offset, 566 + 4 + 2 * 17);
        let mut bad = file[97..135].to_vec();
        bad[10] ^= 1;
        let e = SohmTable::decode(&bad, 97, &ctx, 1).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::ChecksumMismatch { .. }));
        assert_eq!(e.offset, 97 + 34);
    }

    proptest! {
        #[test]
        fn list_roundtrip(hashes in proptest::collection::vec((any::<u32>(), any::<bool>(), any::<u64>()), 0..10)) {
            let ctx = Context::DEFAULT;
            let records: Vec<_> = hashes.iter().map(|&(h, heap, a)| if heap {
                SharedMessageRecord::InHeap { hash: h, reference_count: h >> 3, heap_id: a.to_le_bytes() }
            } else {
                SharedMessageRecord::InObjectHeader { hash: h, message_type: 3, index: h as u16, address: a }
            }).collect();
            let l = SohmList { records };
            let b = l.encode(&ctx, 10).unwrap();
            prop_assert_eq!(SohmList::decode(&b, 0, &ctx, l.records.len()).unwrap(), l);
        }
    }
}
