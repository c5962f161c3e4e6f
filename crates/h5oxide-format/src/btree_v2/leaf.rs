//! Version 2 B-tree leaf node, "BTLF" (spec III.A.2).

use alloc::vec::Vec;

use super::header::{verify_checksum, NodeLevels};
use super::records::{Record, RecordParams};
use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

pub(crate) const STRUCTURE: &str = "version 2 B-tree leaf node";

/// A leaf node: records only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafNode {
    /// B-tree type; equals the header's.
    pub tree_type: u8,
    /// The node's records, in key order.
    pub records: Vec<Record>,
}

impl LeafNode {
    /// The signature "BTLF".
    pub const SIGNATURE: &'static [u8; 4] = b"BTLF";

    /// Decodes a leaf holding `nrec` records (the count its parent or the header stores)
    /// from `buf`, whose first byte is at file offset `base`.
    ///
    /// # Errors
    /// `InvalidValue` if `nrec` exceeds the leaf capacity or the type differs from
    /// `tree_type`; `ChecksumMismatch` at the checksum's offset; `BadSignature`,
    /// `UnsupportedVersion`, `UnexpectedEof`; record errors.
    pub fn decode(
        buf: &[u8],
        base: u64,
        ctx: &Context,
        tree_type: u8,
        nrec: usize,
        levels: &NodeLevels,
        params: &RecordParams,
    ) -> Result<Self> {
        check_nrec(nrec, levels, 0, STRUCTURE, base)?;
        let len = levels.node_len(0, nrec);
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
        Ok(LeafNode { tree_type, records })
    }

    /// Encodes the node, padded with zeros to the node size, checksum after the records.
    ///
    /// # Errors
    /// `EncodeOverflow` if the records do not fit one node or a record does not fit.
    pub fn encode(
        &self,
        ctx: &Context,
        levels: &NodeLevels,
        params: &RecordParams,
    ) -> Result<Vec<u8>> {
        if self.records.len() as u64 > levels.max_records(0) {
            return Err(overflow());
        }
        let mut w = Writer::with_capacity(levels.node_size);
        w.bytes(Self::SIGNATURE);
        w.u8(0);
        w.u8(self.tree_type);
        for r in &self.records {
            r.encode(&mut w, ctx, params, levels.record_size)?;
        }
        w.checksum_from(0);
        w.zeros(levels.node_size.saturating_sub(w.len()));
        Ok(w.into_inner())
    }
}

pub(crate) fn overflow() -> FormatError {
    FormatError::new(
        ErrorKind::EncodeOverflow {
            field: "number of records",
        },
        STRUCTURE,
        0,
    )
}

pub(crate) fn check_nrec(
    nrec: usize,
    levels: &NodeLevels,
    depth: usize,
    structure: &'static str,
    base: u64,
) -> Result<()> {
    if nrec as u64 > levels.max_records(depth) {
        return Err(FormatError::new(
            ErrorKind::InvalidValue {
                field: "number of records",
                value: nrec as u64,
            },
            structure,
            base,
        ));
    }
    Ok(())
}

pub(crate) fn check_version_type(c: &mut Cursor<'_>, tree_type: u8) -> Result<()> {
    let version = c.u8()?;
    if version != 0 {
        return Err(c.error(ErrorKind::UnsupportedVersion { version }));
    }
    let t = c.u8()?;
    if t != tree_type {
        return Err(c.invalid("B-tree type", u64::from(t), 1));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn leaf_roundtrip(hashes in proptest::collection::vec(any::<u32>(), 0..45)) {
            let ctx = Context::DEFAULT;
            let levels = NodeLevels::new(512, 11, 0, &ctx, 0).unwrap();
            let p = RecordParams::default();
            let leaf = LeafNode {
                tree_type: 5,
                records: hashes.iter().map(|&h| Record::LinkName { hash: h, heap_id: [h as u8; 7] }).collect(),
            };
            let b = leaf.encode(&ctx, &levels, &p).unwrap();
            prop_assert_eq!(b.len(), 512);
            let back = LeafNode::decode(&b, 0, &ctx, 5, hashes.len(), &levels, &p).unwrap();
            prop_assert_eq!(back, leaf);
        }
    }

    #[test]
    fn wrong_type_and_too_many_records() {
        let ctx = Context::DEFAULT;
        let levels = NodeLevels::new(64, 11, 0, &ctx, 0).unwrap();
        let p = RecordParams::default();
        let leaf = LeafNode {
            tree_type: 5,
            records: Vec::new(),
        };
        let b = leaf.encode(&ctx, &levels, &p).unwrap();
        let e = LeafNode::decode(&b, 0, &ctx, 6, 0, &levels, &p).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::InvalidValue { .. }));
        assert!(LeafNode::decode(&b, 0, &ctx, 5, 6, &levels, &p).is_err());
    }
}
