//! Version 2 B-tree records, types 1 to 11 (spec III.A.2, "Type N Record Layout").

use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// Largest dataset rank the format allows (spec IV.A.2.b), bounding chunk records.
pub const MAX_RANK: usize = 32;

/// What a record decoder needs besides the file's sizes: only chunk records (types 10 and 11)
/// depend on the dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordParams {
    /// Rank of the dataset (number of scaled offsets in a chunk record), for types 10 and 11.
    pub rank: usize,
    /// Width in bytes of the "Chunk Size" field of type 11 records (see
    /// [`crate::chunk_index::btree_v2::chunk_size_len`]).
    pub chunk_size_len: usize,
}

/// Where a shared object header message is stored, as a type 7 B-tree record and as a
/// shared message list record describe it (spec III.A.2 type 7, III.I).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedMessageRecord {
    /// Message location 0: the message is in the index's fractal heap.
    InHeap {
        /// lookup3 hash of the encoded message.
        hash: u32,
        /// Number of objects using the message.
        reference_count: u32,
        /// 8-byte fractal heap ID of the message.
        heap_id: [u8; 8],
    },
    /// Message location 1: the message is still in one object header.
    InObjectHeader {
        /// lookup3 hash of the encoded message.
        hash: u32,
        /// Object header message type.
        message_type: u8,
        /// The message is the `index`-th message of its type in the header.
        index: u16,
        /// Address of the object header.
        address: u64,
    },
}

impl SharedMessageRecord {
    /// Encoded size: the larger of the two forms (libhdf5 gives every entry this width).
    pub fn encoded_len(ctx: &Context) -> usize {
        1 + 4 + core::cmp::max(4 + 8, 4 + ctx.sizeof_offsets())
    }

    /// The message hash, which orders records in an index.
    pub fn hash(&self) -> u32 {
        match self {
            SharedMessageRecord::InHeap { hash, .. }
            | SharedMessageRecord::InObjectHeader { hash, .. } => *hash,
        }
    }

    /// Decodes one record from `c`.
    ///
    /// # Errors
    /// `UnexpectedEof` if `c` is too short; `InvalidValue` for an unknown message location.
    pub fn decode(c: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let location = c.u8()?;
        let hash = c.u32()?;
        match location {
            0 => {
                let reference_count = c.u32()?;
                let heap_id = c.array::<8>()?;
                Ok(SharedMessageRecord::InHeap {
                    hash,
                    reference_count,
                    heap_id,
                })
            }
            1 => {
                let _reserved = c.u8()?;
                let message_type = c.u8()?;
                let index = c.u16()?;
                let address = c.offset_field(ctx)?;
                Ok(SharedMessageRecord::InObjectHeader {
                    hash,
                    message_type,
                    index,
                    address,
                })
            }
            v => Err(c.invalid("message location", u64::from(v), 5)),
        }
    }

    /// Appends the record (without padding to [`Self::encoded_len`]).
    ///
    /// # Errors
    /// `EncodeOverflow` if the address does not fit the file's offsets.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        match self {
            SharedMessageRecord::InHeap {
                hash,
                reference_count,
                heap_id,
            } => {
                w.u8(0);
                w.u32(*hash);
                w.u32(*reference_count);
                w.bytes(heap_id);
            }
            SharedMessageRecord::InObjectHeader {
                hash,
                message_type,
                index,
                address,
            } => {
                w.u8(1);
                w.u32(*hash);
                w.u8(0);
                w.u8(*message_type);
                w.u16(*index);
                w.offset_field(*address, ctx)?;
            }
        }
        Ok(())
    }
}

/// One record of a version 2 B-tree, decoded according to the tree's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// Type 1: indirectly accessed, non-filtered huge fractal heap object.
    HugeIndirect {
        /// Address of the object.
        address: u64,
        /// Length of the object.
        length: u64,
        /// The object's key in its heap ID.
        id: u64,
    },
    /// Type 2: indirectly accessed, filtered huge fractal heap object.
    HugeIndirectFiltered {
        /// Address of the filtered object.
        address: u64,
        /// Length of the filtered object.
        length: u64,
        /// Filters skipped (bit per pipeline index).
        filter_mask: u32,
        /// Size of the object after de-filtering.
        memory_size: u64,
        /// The object's key in its heap ID.
        id: u64,
    },
    /// Type 3: directly accessed, non-filtered huge fractal heap object.
    HugeDirect {
        /// Address of the object.
        address: u64,
        /// Length of the object.
        length: u64,
    },
    /// Type 4: directly accessed, filtered huge fractal heap object.
    HugeDirectFiltered {
        /// Address of the filtered object.
        address: u64,
        /// Length of the filtered object.
        length: u64,
        /// Filters skipped.
        filter_mask: u32,
        /// Size of the object after de-filtering.
        memory_size: u64,
    },
    /// Type 5: link name index of a group with dense link storage.
    LinkName {
        /// lookup3 hash of the link name.
        hash: u32,
        /// 7-byte heap ID of the link message in the group's fractal heap.
        heap_id: [u8; 7],
    },
    /// Type 6: link creation order index.
    LinkCreationOrder {
        /// Creation order of the link.
        creation_order: u64,
        /// 7-byte heap ID of the link message.
        heap_id: [u8; 7],
    },
    /// Type 7: shared object header message index.
    SharedMessage(SharedMessageRecord),
    /// Type 8: attribute name index of an object with dense attribute storage.
    AttributeName {
        /// 8-byte heap ID of the attribute message.
        heap_id: [u8; 8],
        /// Object header message flags of the attribute message.
        message_flags: u8,
        /// Creation order of the attribute.
        creation_order: u32,
        /// lookup3 hash of the attribute name.
        hash: u32,
    },
    /// Type 9: attribute creation order index.
    AttributeCreationOrder {
        /// 8-byte heap ID of the attribute message.
        heap_id: [u8; 8],
        /// Object header message flags of the attribute message.
        message_flags: u8,
        /// Creation order of the attribute.
        creation_order: u32,
    },
    /// Type 10: chunk of a dataset without filters.
    Chunk {
        /// Address of the chunk.
        address: u64,
        /// Chunk offset divided by the chunk dimensions, slowest dimension first.
        scaled_offset: Vec<u64>,
    },
    /// Type 11: chunk of a filtered dataset.
    FilteredChunk {
        /// Address of the chunk.
        address: u64,
        /// Size of the stored (filtered) chunk in bytes.
        size: u64,
        /// Filters skipped for this chunk.
        filter_mask: u32,
        /// Chunk offset divided by the chunk dimensions, slowest dimension first.
        scaled_offset: Vec<u64>,
    },
}

const STRUCTURE: &str = "version 2 B-tree record";

impl Record {
    /// Encoded size of a record of `tree_type` (what libhdf5 stores as the header's record
    /// size).
    ///
    /// # Errors
    /// `InvalidValue` for tree type 0 (testing only) or an unknown type, or a chunk rank or
    /// chunk size width out of range.
    pub fn encoded_len(tree_type: u8, ctx: &Context, params: &RecordParams) -> Result<usize> {
        let o = ctx.sizeof_offsets();
        let l = ctx.sizeof_lengths();
        Ok(match tree_type {
            1 => o + 2 * l,
            2 => o + l + 4 + 2 * l,
            3 => o + l,
            4 => o + l + 4 + l,
            5 => 4 + 7,
            6 => 8 + 7,
            7 => SharedMessageRecord::encoded_len(ctx),
            8 => 8 + 1 + 4 + 4,
            9 => 8 + 1 + 4,
            10 | 11 => {
                if params.rank == 0 || params.rank > MAX_RANK {
                    return Err(FormatError::new(
                        ErrorKind::InvalidValue {
                            field: "dataset rank",
                            value: params.rank as u64,
                        },
                        STRUCTURE,
                        0,
                    ));
                }
                if tree_type == 11 && !(1..=8).contains(&params.chunk_size_len) {
                    return Err(FormatError::new(
                        ErrorKind::InvalidValue {
                            field: "chunk size width",
                            value: params.chunk_size_len as u64,
                        },
                        STRUCTURE,
                        0,
                    ));
                }
                let extra = if tree_type == 11 {
                    params.chunk_size_len + 4
                } else {
                    0
                };
                o + extra + 8 * params.rank
            }
            t => {
                return Err(FormatError::new(
                    ErrorKind::InvalidValue {
                        field: "B-tree type",
                        value: u64::from(t),
                    },
                    STRUCTURE,
                    0,
                ))
            }
        })
    }

    /// The tree type this record belongs to.
    pub fn tree_type(&self) -> u8 {
        match self {
            Record::HugeIndirect { .. } => 1,
            Record::HugeIndirectFiltered { .. } => 2,
            Record::HugeDirect { .. } => 3,
            Record::HugeDirectFiltered { .. } => 4,
            Record::LinkName { .. } => 5,
            Record::LinkCreationOrder { .. } => 6,
            Record::SharedMessage(_) => 7,
            Record::AttributeName { .. } => 8,
            Record::AttributeCreationOrder { .. } => 9,
            Record::Chunk { .. } => 10,
            Record::FilteredChunk { .. } => 11,
        }
    }

    /// The name hash of a type 5 or 8 record, the hash of a type 7 record.
    pub fn hash(&self) -> Option<u32> {
        match self {
            Record::LinkName { hash, .. } | Record::AttributeName { hash, .. } => Some(*hash),
            Record::SharedMessage(m) => Some(m.hash()),
            _ => None,
        }
    }

    /// Decodes one record of `tree_type` from `c` (cut to the header's record size).
    ///
    /// # Errors
    /// `UnexpectedEof` if the record is shorter than its type needs; `InvalidValue` for an
    /// unknown type or field value.
    pub fn decode(
        tree_type: u8,
        c: &mut Cursor<'_>,
        ctx: &Context,
        params: &RecordParams,
    ) -> Result<Self> {
        let needed = Self::encoded_len(tree_type, ctx, params)
            .map_err(|e| FormatError::new(e.kind, c.structure(), c.offset()))?;
        if c.remaining() < needed {
            return Err(c.error(ErrorKind::UnexpectedEof {
                needed: needed as u64,
                available: c.remaining() as u64,
            }));
        }
        Ok(match tree_type {
            1 => Record::HugeIndirect {
                address: c.offset_field(ctx)?,
                length: c.length_field(ctx)?,
                id: c.length_field(ctx)?,
            },
            2 => Record::HugeIndirectFiltered {
                address: c.offset_field(ctx)?,
                length: c.length_field(ctx)?,
                filter_mask: c.u32()?,
                memory_size: c.length_field(ctx)?,
                id: c.length_field(ctx)?,
            },
            3 => Record::HugeDirect {
                address: c.offset_field(ctx)?,
                length: c.length_field(ctx)?,
            },
            4 => Record::HugeDirectFiltered {
                address: c.offset_field(ctx)?,
                length: c.length_field(ctx)?,
                filter_mask: c.u32()?,
                memory_size: c.length_field(ctx)?,
            },
            5 => Record::LinkName {
                hash: c.u32()?,
                heap_id: c.array()?,
            },
            6 => Record::LinkCreationOrder {
                creation_order: c.u64()?,
                heap_id: c.array()?,
            },
            7 => Record::SharedMessage(SharedMessageRecord::decode(c, ctx)?),
            8 => Record::AttributeName {
                heap_id: c.array()?,
                message_flags: c.u8()?,
                creation_order: c.u32()?,
                hash: c.u32()?,
            },
            9 => Record::AttributeCreationOrder {
                heap_id: c.array()?,
                message_flags: c.u8()?,
                creation_order: c.u32()?,
            },
            10 => {
                let address = c.offset_field(ctx)?;
                Record::Chunk {
                    address,
                    scaled_offset: scaled(c, params.rank)?,
                }
            }
            _ => {
                // 11: anything else was rejected by `encoded_len`.
                let address = c.offset_field(ctx)?;
                let size = c.uint(params.chunk_size_len)?;
                let filter_mask = c.u32()?;
                Record::FilteredChunk {
                    address,
                    size,
                    filter_mask,
                    scaled_offset: scaled(c, params.rank)?,
                }
            }
        })
    }

    /// Appends the record, padded with zeros to `record_size` bytes.
    ///
    /// # Errors
    /// `EncodeOverflow` if a value does not fit its field, or the record is larger than
    /// `record_size`; `InvalidValue` if a chunk record's rank differs from `params.rank`.
    pub fn encode(
        &self,
        w: &mut Writer,
        ctx: &Context,
        params: &RecordParams,
        record_size: usize,
    ) -> Result<()> {
        let start = w.len();
        match self {
            Record::HugeIndirect {
                address,
                length,
                id,
            } => {
                w.offset_field(*address, ctx)?;
                w.length_field(*length, ctx)?;
                w.length_field(*id, ctx)?;
            }
            Record::HugeIndirectFiltered {
                address,
                length,
                filter_mask,
                memory_size,
                id,
            } => {
                w.offset_field(*address, ctx)?;
                w.length_field(*length, ctx)?;
                w.u32(*filter_mask);
                w.length_field(*memory_size, ctx)?;
                w.length_field(*id, ctx)?;
            }
            Record::HugeDirect { address, length } => {
                w.offset_field(*address, ctx)?;
                w.length_field(*length, ctx)?;
            }
            Record::HugeDirectFiltered {
                address,
                length,
                filter_mask,
                memory_size,
            } => {
                w.offset_field(*address, ctx)?;
                w.length_field(*length, ctx)?;
                w.u32(*filter_mask);
                w.length_field(*memory_size, ctx)?;
            }
            Record::LinkName { hash, heap_id } => {
                w.u32(*hash);
                w.bytes(heap_id);
            }
            Record::LinkCreationOrder {
                creation_order,
                heap_id,
            } => {
                w.u64(*creation_order);
                w.bytes(heap_id);
            }
            Record::SharedMessage(m) => m.encode(w, ctx)?,
            Record::AttributeName {
                heap_id,
                message_flags,
                creation_order,
                hash,
            } => {
                w.bytes(heap_id);
                w.u8(*message_flags);
                w.u32(*creation_order);
                w.u32(*hash);
            }
            Record::AttributeCreationOrder {
                heap_id,
                message_flags,
                creation_order,
            } => {
                w.bytes(heap_id);
                w.u8(*message_flags);
                w.u32(*creation_order);
            }
            Record::Chunk {
                address,
                scaled_offset,
            } => {
                check_rank(scaled_offset, params)?;
                w.offset_field(*address, ctx)?;
                for &s in scaled_offset {
                    w.u64(s);
                }
            }
            Record::FilteredChunk {
                address,
                size,
                filter_mask,
                scaled_offset,
            } => {
                check_rank(scaled_offset, params)?;
                w.offset_field(*address, ctx)?;
                w.uint(*size, params.chunk_size_len, "chunk size")?;
                w.u32(*filter_mask);
                for &s in scaled_offset {
                    w.u64(s);
                }
            }
        }
        let written = w.len() - start;
        if written > record_size {
            return Err(FormatError::new(
                ErrorKind::EncodeOverflow {
                    field: "record size",
                },
                STRUCTURE,
                start as u64,
            ));
        }
        w.zeros(record_size - written);
        Ok(())
    }

    /// The order libhdf5 keeps records of one tree in, for the record types whose order is
    /// fixed by their own fields (all but 5, 7 and 8, which also compare names or messages
    /// after the hash). Returns `None` for records of different types.
    pub fn key_cmp(&self, other: &Record) -> Option<Ordering> {
        use Record::*;
        Some(match (self, other) {
            (HugeIndirect { id: a, .. }, HugeIndirect { id: b, .. })
            | (HugeIndirectFiltered { id: a, .. }, HugeIndirectFiltered { id: b, .. }) => a.cmp(b),
            (HugeDirect { address: a, .. }, HugeDirect { address: b, .. })
            | (HugeDirectFiltered { address: a, .. }, HugeDirectFiltered { address: b, .. }) => {
                a.cmp(b)
            }
            (
                LinkCreationOrder {
                    creation_order: a, ..
                },
                LinkCreationOrder {
                    creation_order: b, ..
                },
            ) => a.cmp(b),
            (
                AttributeCreationOrder {
                    creation_order: a, ..
                },
                AttributeCreationOrder {
                    creation_order: b, ..
                },
            ) => a.cmp(b),
            (LinkName { hash: a, .. }, LinkName { hash: b, .. })
            | (AttributeName { hash: a, .. }, AttributeName { hash: b, .. }) => a.cmp(b),
            (SharedMessage(a), SharedMessage(b)) => a.hash().cmp(&b.hash()),
            (
                Chunk {
                    scaled_offset: a, ..
                },
                Chunk {
                    scaled_offset: b, ..
                },
            )
            | (
                FilteredChunk {
                    scaled_offset: a, ..
                },
                FilteredChunk {
                    scaled_offset: b, ..
                },
            ) => a.cmp(b),
            _ => return None,
        })
    }
}

fn scaled(c: &mut Cursor<'_>, rank: usize) -> Result<Vec<u64>> {
    // `rank` was bounded by `encoded_len` and the bytes checked present.
    let mut v = Vec::with_capacity(rank);
    for _ in 0..rank {
        v.push(c.u64()?);
    }
    Ok(v)
}

fn check_rank(scaled_offset: &[u64], params: &RecordParams) -> Result<()> {
    if scaled_offset.len() != params.rank {
        return Err(FormatError::new(
            ErrorKind::InvalidValue {
                field: "dataset rank",
                value: scaled_offset.len() as u64,
            },
            STRUCTURE,
            0,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn roundtrip(r: &Record, params: &RecordParams) {
        let ctx = Context::DEFAULT;
        let t = r.tree_type();
        let size = Record::encoded_len(t, &ctx, params).unwrap();
        let mut w = Writer::new();
        r.encode(&mut w, &ctx, params, size).unwrap();
        assert_eq!(w.len(), size);
        let mut c = Cursor::new(w.as_slice(), 0, "t");
        assert_eq!(&Record::decode(t, &mut c, &ctx, params).unwrap(), r);
    }

    // A type 5 record as libhdf5 writes it: hash, then the 7-byte managed heap ID
    // (version/type 0, 4-byte offset, 2-byte length).
    #[test]
    fn link_name_record_bytes() {
        let bytes = [
            0x78, 0x56, 0x34, 0x12, 0x00, 0x16, 0x00, 0x00, 0x00, 0x1c, 0x00,
        ];
        let mut c = Cursor::new(&bytes, 40, "t");
        let r = Record::decode(5, &mut c, &Context::DEFAULT, &RecordParams::default()).unwrap();
        assert_eq!(
            r,
            Record::LinkName {
                hash: 0x1234_5678,
                heap_id: [0, 0x16, 0, 0, 0, 0x1c, 0]
            }
        );
    }

    #[test]
    fn short_and_unknown_records_are_errors() {
        let ctx = Context::DEFAULT;
        let p = RecordParams::default();
        let mut c = Cursor::new(&[0u8; 5], 100, "t");
        let e = Record::decode(6, &mut c, &ctx, &p).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::UnexpectedEof { .. }));
        assert_eq!(e.offset, 100);
        let mut c = Cursor::new(&[0u8; 32], 0, "t");
        assert!(Record::decode(12, &mut c, &ctx, &p).is_err());
        assert!(Record::decode(0, &mut c, &ctx, &p).is_err());
        assert!(Record::decode(10, &mut c, &ctx, &p).is_err(), "rank 0");
    }

    proptest! {
        #[test]
        fn records_roundtrip(a in any::<u64>(), b in any::<u64>(), c in any::<u64>(),
                             m in any::<u32>(), h in any::<u32>(), f in any::<u8>(),
                             id7 in any::<[u8; 7]>(), id8 in any::<[u8; 8]>(),
                             scaled in proptest::collection::vec(any::<u64>(), 1..5),
                             size in 0u64..65536) {
            let p = RecordParams { rank: scaled.len(), chunk_size_len: 2 };
            for r in [
                Record::HugeIndirect { address: a, length: b, id: c },
                Record::HugeIndirectFiltered { address: a, length: b, filter_mask: m, memory_size: c, id: b },
                Record::HugeDirect { address: a, length: b },
                Record::HugeDirectFiltered { address: a, length: b, filter_mask: m, memory_size: c },
                Record::LinkName { hash: h, heap_id: id7 },
                Record::LinkCreationOrder { creation_order: a, heap_id: id7 },
                Record::SharedMessage(SharedMessageRecord::InHeap { hash: h, reference_count: m, heap_id: id8 }),
                Record::SharedMessage(SharedMessageRecord::InObjectHeader { hash: h, message_type: f, index: m as u16, address: a }),
                Record::AttributeName { heap_id: id8, message_flags: f, creation_order: m, hash: h },
                Record::AttributeCreationOrder { heap_id: id8, message_flags: f, creation_order: m },
                Record::Chunk { address: a, scaled_offset: scaled.clone() },
                Record::FilteredChunk { address: a, size, filter_mask: m, scaled_offset: scaled.clone() },
            ] {
                roundtrip(&r, &p);
            }
        }
    }
}
