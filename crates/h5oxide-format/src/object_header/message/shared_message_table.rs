//! The Shared Message Table message, type 0x000F (spec IV.A.2.p), found only in the
//! superblock extension.

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, Result};

/// Locates the file's table of shared object header message indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedMessageTable {
    /// Address of the shared object header message table.
    pub table_address: u64,
    /// Number of indexes in the table.
    pub index_count: u8,
}

impl SharedMessageTable {
    /// Decodes the message body (version 0).
    ///
    /// # Errors
    /// `UnsupportedVersion` for another version, `UnexpectedEof` if too short.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if version != 0 {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        Ok(SharedMessageTable {
            table_address: cur.offset_field(ctx)?,
            index_count: cur.u8()?,
        })
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// `EncodeOverflow` if the address does not fit the file's offset size.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        w.u8(0);
        w.offset_field(self.table_address, ctx)?;
        w.u8(self.index_count);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_fields_in_order() {
        let bytes = [0u8, 0x10, 0x02, 0, 0, 0, 0, 0, 0, 3];
        let m = SharedMessageTable::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT)
            .unwrap();
        assert_eq!(m.table_address, 0x210);
        assert_eq!(m.index_count, 3);
        let mut w = Writer::new();
        m.encode(&mut w, &Context::DEFAULT).unwrap();
        assert_eq!(w.as_slice(), &bytes);
    }
}
