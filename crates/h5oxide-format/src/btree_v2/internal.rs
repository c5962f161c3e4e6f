//! Version 2 B-tree internal node, "BTIN" (spec III.A.2).

use alloc::vec::Vec;

use super::header::{verify_checksum, NodeLevels};
use super::leaf::{check_nrec, check_version_type};
use super::records::{Record, RecordParams};
use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

pub(crate) const STRUCTURE: &str = "version 2 B-tree internal node";

/// A pointer from an internal node to a child node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildPointer {
    /// Address of the child node.
    pub address: u64,
    /// Number of records in the child node itself.
    pub records: u64,
    /// Number of records in the child and all its descendants; equal to `records` for
    /// children that are leaves (their pointers do not store it).
    pub total_records: u64,
}

/// An internal node: `n` records separating `n + 1` children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InternalNode {
    /// B-tree type; equals the header's.
    pub tree_type: u8,
    /// The node's records, in key order.
    pub records: Vec<Record>,
    /// One more child than records: child `i` holds the keys before record `i`.
    pub children: Vec<ChildPointer>,
}

impl InternalNode {
    /// The signature "BTIN".
    pub const SIGNATURE: &'static [u8; 4] = b"BTIN";

    /// Decodes an internal node at `depth` (1 for nodes just above the leaves) holding `nrec`
    /// records, from `buf` whose first byte is at file offset `base`.
    ///
    /// # Errors
    /// `InvalidValue` if `nrec` exceeds the capacity at `depth` or the type differs;
    /// `ChecksumMismatch` at the checksum's offset; `BadSignature`, `UnsupportedVersion`,
    /// `UnexpectedEof`; record errors.
    #[allow(clippy::too_many_arguments)]
    pub fn decode(
        buf: &[u8],
        base: u64,
        ctx: &Context,
        tree_type: u8,
        nrec: usize,
        depth: usize,
        levels: &NodeLevels,
        params: &RecordParams,
    ) -> Result<Self> {
        if depth == 0 || depth >= levels.levels.len() {
            return Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "depth",
                    value: depth as u64,
                },
                STRUCTURE,
                base,
            ));
        }
        check_nrec(nrec, levels, depth, STRUCTURE, base)?;
        let len = levels.node_len(depth, nrec);
        let mut outer = Cursor::new(buf, base, STRUCTURE);
        let mut c = outer.split(len)?;
        verify_checksum(c.all(), base, STRUCTURE)?;
        c.signature(Self::SIGNATURE)?;
        check_version_type(&mut c, tree_type)?;
        let mut records = Vec::with_capacity(nrec);
        for _ in 0..nrec {
            let mut r = c.split(levels.record_size)?;
            records.push(Record::decode(tree_type, &mut r, ctx, params)?);
        }
        let total_size = levels.levels[depth - 1].cumulative_size;
        let mut children = Vec::with_capacity(nrec + 1);
        for _ in 0..=nrec {
            let address = c.offset_field(ctx)?;
            let records = c.uint(levels.max_records_size)?;
            let total_records = if depth > 1 {
                c.uint(total_size)?
            } else {
                records
            };
            children.push(ChildPointer {
                address,
                records,
                total_records,
            });
        }
        Ok(InternalNode {
            tree_type,
            records,
            children,
        })
    }

    /// Encodes the node at `depth`, padded with zeros to the node size.
    ///
    /// # Errors
    /// `EncodeOverflow` if the node holds more records than fit, the children are not one
    /// more than the records, or a value does not fit its field.
    pub fn encode(
        &self,
        ctx: &Context,
        depth: usize,
        levels: &NodeLevels,
        params: &RecordParams,
    ) -> Result<Vec<u8>> {
        let bad = FormatError::new(
            ErrorKind::EncodeOverflow {
                field: "number of records",
            },
            STRUCTURE,
            0,
        );
        if depth == 0
            || depth >= levels.levels.len()
            || self.records.len() as u64 > levels.max_records(depth)
            || self.children.len() != self.records.len() + 1
        {
            return Err(bad);
        }
        let mut w = Writer::with_capacity(levels.node_size);
        w.bytes(Self::SIGNATURE);
        w.u8(0);
        w.u8(self.tree_type);
        for r in &self.records {
            r.encode(&mut w, ctx, params, levels.record_size)?;
        }
        let total_size = levels.levels[depth - 1].cumulative_size;
        for ch in &self.children {
            w.offset_field(ch.address, ctx)?;
            w.uint(ch.records, levels.max_records_size, "number of records")?;
            if depth > 1 {
                w.uint(ch.total_records, total_size, "total number of records")?;
            }
        }
        w.checksum_from(0);
        w.zeros(levels.node_size.saturating_sub(w.len()));
        Ok(w.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn internal_roundtrip(orders in proptest::collection::vec(any::<u64>(), 0..20),
                              depth in 1usize..3, seed in any::<u64>()) {
            let ctx = Context::DEFAULT;
            let levels = NodeLevels::new(512, 15, 2, &ctx, 0).unwrap();
            let p = RecordParams::default();
            let mut orders = orders;
            orders.truncate(levels.max_records(depth) as usize);
            let children = (0..=orders.len()).map(|i| {
                let records = (seed.wrapping_add(i as u64)) % (levels.max_records(depth - 1) + 1);
                ChildPointer {
                    address: seed.wrapping_mul(i as u64 + 1) >> 8,
                    records,
                    total_records: if depth > 1 { records * 3 } else { records },
                }
            }).collect();
            let node = InternalNode {
                tree_type: 6,
                records: orders.iter().map(|&o| Record::LinkCreationOrder { creation_order: o, heap_id: [1; 7] }).collect(),
                children,
            };
            let b = node.encode(&ctx, depth, &levels, &p).unwrap();
            prop_assert_eq!(b.len(), 512);
            let back = InternalNode::decode(&b, 0, &ctx, 6, orders.len(), depth, &levels, &p).unwrap();
            prop_assert_eq!(back, node);
        }
    }
}
