//! Group symbol table nodes, "SNOD" (spec III.B).
//!
//! A node holds up to `2K` symbol table entries, `K` being the superblock's group leaf node
//! K. libhdf5 always allocates the full `8 + 2K * entry` bytes; only the first
//! "Number of Symbols" entries hold valid data.

use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::limits::Limits;
use crate::source::{read_structure, ReadAt};
use crate::symbol_table_entry::SymbolTableEntry;

/// The node signature.
pub const SIGNATURE: &[u8; 4] = b"SNOD";

/// The only node version (spec III.B: there is no version 0).
pub const VERSION: u8 = 1;

/// Bytes before the first entry: signature, version, reserved byte, symbol count.
pub const HEADER_LEN: usize = 8;

const STRUCTURE: &str = "symbol table node";

/// A decoded symbol table node (spec III.B).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolTableNode {
    /// The valid entries, in name order.
    pub entries: Vec<SymbolTableEntry>,
}

impl SymbolTableNode {
    /// Bytes of a full node for group leaf node K `leaf_k` (what libhdf5 allocates).
    pub fn encoded_len(ctx: &Context, leaf_k: u16) -> usize {
        HEADER_LEN + 2 * usize::from(leaf_k) * SymbolTableEntry::encoded_len(ctx)
    }

    /// Decodes a node. The cursor needs only the header and the used entries; a full-size
    /// node's unused tail is left unread.
    ///
    /// # Errors
    /// `BadSignature`; `UnsupportedVersion` unless version 1; `InvalidValue` if the symbol
    /// count exceeds `2 * leaf_k`; `UnexpectedEof` if the entries are truncated; entry errors.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context, leaf_k: u16) -> Result<Self> {
        let mut cur = cur.clone().named(STRUCTURE);
        let count = decode_header(&mut cur)?;
        check_count(&cur, count, leaf_k)?;
        let entry_len = SymbolTableEntry::encoded_len(ctx);
        // Bound the allocation by the bytes actually present.
        let need = usize::from(count) * entry_len;
        if need > cur.remaining() {
            return Err(cur.error(ErrorKind::UnexpectedEof {
                needed: need as u64,
                available: cur.remaining() as u64,
            }));
        }
        let mut entries = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            entries.push(SymbolTableEntry::decode(&mut cur, ctx)?);
        }
        Ok(SymbolTableNode { entries })
    }

    /// Encodes a full node of `2 * leaf_k` entry slots (unused slots zero).
    ///
    /// # Errors
    /// `EncodeOverflow` if there are more than `2 * leaf_k` entries, or an entry's fields do
    /// not fit the context's sizes.
    pub fn encode(&self, w: &mut Writer, ctx: &Context, leaf_k: u16) -> Result<()> {
        let max = 2 * usize::from(leaf_k);
        if self.entries.len() > max {
            return Err(FormatError::new(
                ErrorKind::EncodeOverflow {
                    field: "number of symbols",
                },
                STRUCTURE,
                w.len() as u64,
            ));
        }
        w.bytes(SIGNATURE);
        w.u8(VERSION);
        w.u8(0);
        w.u16(self.entries.len() as u16);
        for e in &self.entries {
            e.encode(w, ctx)?;
        }
        let unused = (max - self.entries.len()) * SymbolTableEntry::encoded_len(ctx);
        w.zeros(unused);
        Ok(())
    }

    /// Reads the node at `address`: its 8-byte header, then exactly the used entries.
    ///
    /// # Errors
    /// The source's read errors; `LimitExceeded` if the node is larger than
    /// `limits.max_structure_bytes`; the decode errors of [`Self::decode`].
    pub fn read<S: ReadAt + ?Sized>(
        src: &S,
        address: u64,
        ctx: &Context,
        leaf_k: u16,
        limits: &Limits,
    ) -> core::result::Result<Self, S::Error> {
        let head = read_structure(src, address, HEADER_LEN as u64, STRUCTURE)?;
        let mut cur = Cursor::new(&head, address, STRUCTURE);
        let count = decode_header(&mut cur)?;
        check_count(&cur, count, leaf_k)?;
        let len = HEADER_LEN + usize::from(count) * SymbolTableEntry::encoded_len(ctx);
        limits.structure_size(len as u64, STRUCTURE, address)?;
        let bytes = read_structure(src, address, len as u64, STRUCTURE)?;
        Ok(Self::decode(
            &mut Cursor::new(&bytes, address, STRUCTURE),
            ctx,
            leaf_k,
        )?)
    }
}

/// Reads signature, version and reserved byte; returns the symbol count.
fn decode_header(cur: &mut Cursor<'_>) -> Result<u16> {
    cur.signature(SIGNATURE)?;
    let version = cur.u8()?;
    if version != VERSION {
        return Err(FormatError::new(
            ErrorKind::UnsupportedVersion { version },
            STRUCTURE,
            cur.offset() - 1,
        ));
    }
    cur.skip(1)?; // reserved
    cur.u16()
}

fn check_count(cur: &Cursor<'_>, count: u16, leaf_k: u16) -> Result<()> {
    if u32::from(count) > 2 * u32::from(leaf_k) {
        return Err(cur.invalid("number of symbols", u64::from(count), 2));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbol_table_entry::ScratchPad;
    use crate::UNDEFINED_ADDRESS;
    use proptest::prelude::*;

    fn node_bytes() -> Vec<u8> {
        // Two entries, K = 2 (four slots): a group and a soft link.
        let mut b = Vec::new();
        b.extend_from_slice(b"SNOD\x01\x00\x02\x00");
        b.extend_from_slice(&8u64.to_le_bytes());
        b.extend_from_slice(&352u64.to_le_bytes());
        b.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
        b.extend_from_slice(&392u64.to_le_bytes());
        b.extend_from_slice(&488u64.to_le_bytes());
        b.extend_from_slice(&16u64.to_le_bytes());
        b.extend_from_slice(&[0xff; 8]);
        b.extend_from_slice(&[2, 0, 0, 0, 0, 0, 0, 0]);
        b.extend_from_slice(&24u32.to_le_bytes());
        b.extend_from_slice(&[0; 12]);
        b.extend_from_slice(&[0; 80]);
        b
    }

    #[test]
    fn decodes_hand_built_node() {
        let bytes = node_bytes();
        let ctx = Context::DEFAULT;
        assert_eq!(bytes.len(), SymbolTableNode::encoded_len(&ctx, 2));
        let n = SymbolTableNode::read(&bytes[..], 0, &ctx, 2, &Limits::DEFAULT).unwrap();
        assert_eq!(n.entries.len(), 2);
        assert_eq!(n.entries[0].object_header_address, 352);
        assert_eq!(
            n.entries[1].scratch_pad,
            ScratchPad::SoftLink {
                link_value_offset: 24
            }
        );
        assert_eq!(n.entries[1].object_header_address, UNDEFINED_ADDRESS);
        let mut w = Writer::new();
        n.encode(&mut w, &ctx, 2).unwrap();
        assert_eq!(w.as_slice(), &bytes[..]);
    }

    #[test]
    fn count_bounded_by_two_k() {
        let mut bytes = node_bytes();
        bytes[6] = 5;
        let err = SymbolTableNode::read(&bytes[..], 0, &Context::DEFAULT, 2, &Limits::DEFAULT)
            .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidValue {
                field: "number of symbols",
                value: 5
            }
        );
        assert_eq!(err.offset, 6);
        bytes[6] = 2;
        bytes[4] = 0;
        let err = SymbolTableNode::read(&bytes[..], 0, &Context::DEFAULT, 2, &Limits::DEFAULT)
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnsupportedVersion { version: 0 });
    }

    proptest! {
        #[test]
        fn round_trip(k in 1u16..8, names in proptest::collection::vec(0u64..1 << 40, 0..16)) {
            let ctx = Context::DEFAULT;
            let entries: Vec<_> = names.iter().take(2 * usize::from(k)).map(|&n| SymbolTableEntry {
                link_name_offset: n,
                object_header_address: n / 2,
                scratch_pad: ScratchPad::None,
            }).collect();
            let node = SymbolTableNode { entries };
            let mut w = Writer::new();
            node.encode(&mut w, &ctx, k).unwrap();
            prop_assert_eq!(w.len(), SymbolTableNode::encoded_len(&ctx, k));
            let back = SymbolTableNode::decode(&mut Cursor::new(w.as_slice(), 0, "t"), &ctx, k).unwrap();
            prop_assert_eq!(back, node);
        }
    }
}
