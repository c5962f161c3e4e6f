//! The B-tree 'K' Values message, type 0x0013 (spec IV.A.2.t), found only in the superblock
//! extension.

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, Result};

/// Non-default 'K' values of the file's v1 B-trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BtreeK {
    /// 'K' of internal nodes of indexed-storage (chunk) v1 B-trees.
    pub indexed_storage_internal_k: u16,
    /// 'K' of internal nodes of group v1 B-trees.
    pub group_internal_k: u16,
    /// 'K' of leaf nodes of group v1 B-trees.
    pub group_leaf_k: u16,
}

impl BtreeK {
    /// Decodes the message body (version 0).
    ///
    /// # Errors
    /// `UnsupportedVersion` for another version, `UnexpectedEof` if too short.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if version != 0 {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        Ok(BtreeK {
            indexed_storage_internal_k: cur.u16()?,
            group_internal_k: cur.u16()?,
            group_leaf_k: cur.u16()?,
        })
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// Never fails; fallible for symmetry with the other messages.
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        w.u8(0);
        w.u16(self.indexed_storage_internal_k);
        w.u16(self.group_internal_k);
        w.u16(self.group_leaf_k);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_fields_in_order() {
        let bytes = [0u8, 32, 0, 16, 0, 4, 0];
        let m = BtreeK::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(
            m,
            BtreeK {
                indexed_storage_internal_k: 32,
                group_internal_k: 16,
                group_leaf_k: 4
            }
        );
        let mut w = Writer::new();
        m.encode(&mut w, &Context::DEFAULT).unwrap();
        assert_eq!(w.as_slice(), &bytes);
    }
}
