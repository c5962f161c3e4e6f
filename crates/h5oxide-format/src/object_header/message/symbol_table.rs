//! The Symbol Table message, type 0x0011 (spec IV.A.2.r).

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::Result;

/// Locates the v1 B-tree and local heap of an "old style" group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymbolTableMessage {
    /// Address of the group's v1 B-tree.
    pub btree_address: u64,
    /// Address of the group's local heap (link names).
    pub heap_address: u64,
}

impl SymbolTableMessage {
    /// Decodes the message body.
    ///
    /// # Errors
    /// `UnexpectedEof` if the body is too short.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        Ok(SymbolTableMessage {
            btree_address: cur.offset_field(ctx)?,
            heap_address: cur.offset_field(ctx)?,
        })
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// `EncodeOverflow` if an address does not fit the file's offset size.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        w.offset_field(self.btree_address, ctx)?;
        w.offset_field(self.heap_address, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn libhdf5_group_symbol_table() {
        // Body of the symbol table message of group "/g" in a file written by libhdf5 1.10
        // with default settings (bytes at file offset 824; h5debug reports B-tree 840,
        // heap 1384).
        let bytes = [0x48, 0x03, 0, 0, 0, 0, 0, 0, 0x68, 0x05, 0, 0, 0, 0, 0, 0];
        let m = SymbolTableMessage::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT)
            .unwrap();
        assert_eq!(m.btree_address, 840);
        assert_eq!(m.heap_address, 1384);
    }

    proptest! {
        #[test]
        fn roundtrips(b in any::<u64>(), h in any::<u64>()) {
            let ctx = Context::DEFAULT;
            let m = SymbolTableMessage { btree_address: b, heap_address: h };
            let mut w = Writer::new();
            m.encode(&mut w, &ctx).unwrap();
            let bytes = w.into_inner();
            prop_assert_eq!(SymbolTableMessage::decode(&mut Cursor::new(&bytes, 0, "t"), &ctx).unwrap(), m);
        }
    }
}
