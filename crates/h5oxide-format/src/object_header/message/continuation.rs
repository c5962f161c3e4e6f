//! The Object Header Continuation message, type 0x0010 (spec IV.A.2.q).

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::Result;

/// Where the next block of an object header's messages is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Continuation {
    /// Address of the continuation block.
    pub address: u64,
    /// Length of the block in bytes (for version 2 headers this includes the "OCHK"
    /// signature and the checksum).
    pub length: u64,
}

impl Continuation {
    /// Decodes the message body.
    ///
    /// # Errors
    /// `UnexpectedEof` if the body is too short.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let address = cur.offset_field(ctx)?;
        let length = cur.length_field(ctx)?;
        Ok(Continuation { address, length })
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// `EncodeOverflow` if a value does not fit the file's offset or length size.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        w.offset_field(self.address, ctx)?;
        w.length_field(self.length, ctx)
    }

    /// Bytes of the encoded body.
    pub fn encoded_len(ctx: &Context) -> usize {
        ctx.sizeof_offsets() + ctx.sizeof_lengths()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn roundtrips(address in 0u64..u32::MAX as u64, length in 0u64..u32::MAX as u64, wide in any::<bool>()) {
            let ctx = if wide { Context::DEFAULT } else { Context::new(4, 4, 0).unwrap() };
            let m = Continuation { address, length };
            let mut w = Writer::new();
            m.encode(&mut w, &ctx).unwrap();
            prop_assert_eq!(w.len(), Continuation::encoded_len(&ctx));
            let bytes = w.into_inner();
            prop_assert_eq!(Continuation::decode(&mut Cursor::new(&bytes, 0, "t"), &ctx).unwrap(), m);
        }
    }
}
