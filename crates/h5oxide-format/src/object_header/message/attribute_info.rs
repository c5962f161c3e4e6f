//! The Attribute Info message, type 0x0015 (spec IV.A.2.v).

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, Result};

/// Where an object's densely stored attributes live, and their creation order state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeInfo {
    /// Maximum creation order index of the attributes; present when creation order is
    /// tracked (flags bit 0).
    pub max_creation_index: Option<u16>,
    /// Fractal heap of densely stored attributes, or the undefined address.
    pub fractal_heap_address: u64,
    /// v2 B-tree indexing attribute names, or the undefined address.
    pub name_index_address: u64,
    /// v2 B-tree indexing attribute creation order; present when creation order is indexed
    /// (flags bit 1).
    pub creation_order_index_address: Option<u64>,
}

impl AttributeInfo {
    /// Decodes the message body (version 0).
    ///
    /// # Errors
    /// `UnsupportedVersion`, `InvalidValue` for reserved flag bits, `UnexpectedEof`.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if version != 0 {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        let flags = cur.u8()?;
        if flags & !0b11 != 0 {
            return Err(cur.invalid("attribute info flags", flags.into(), 1));
        }
        let max_creation_index = if flags & 1 != 0 {
            Some(cur.u16()?)
        } else {
            None
        };
        let fractal_heap_address = cur.offset_field(ctx)?;
        let name_index_address = cur.offset_field(ctx)?;
        let creation_order_index_address = if flags & 2 != 0 {
            Some(cur.offset_field(ctx)?)
        } else {
            None
        };
        Ok(AttributeInfo {
            max_creation_index,
            fractal_heap_address,
            name_index_address,
            creation_order_index_address,
        })
    }

    /// Encodes the message body. The flags are derived from which optional fields are set.
    ///
    /// # Errors
    /// `EncodeOverflow` if an address does not fit the file's offset size.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        w.u8(0);
        w.u8(u8::from(self.max_creation_index.is_some())
            | u8::from(self.creation_order_index_address.is_some()) << 1);
        if let Some(v) = self.max_creation_index {
            w.u16(v);
        }
        w.offset_field(self.fractal_heap_address, ctx)?;
        w.offset_field(self.name_index_address, ctx)?;
        if let Some(a) = self.creation_order_index_address {
            w.offset_field(a, ctx)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::UNDEFINED_ADDRESS;
    use proptest::prelude::*;

    #[test]
    fn libhdf5_dataset_attribute_info() {
        // Attribute info body of a dataset written by libhdf5 1.10.8 with H5F_LIBVER_LATEST
        // (one compact attribute): version 0, flags 0, two undefined addresses.
        let mut bytes = alloc::vec![0u8, 0];
        bytes.extend_from_slice(&[0xff; 16]);
        let m = AttributeInfo::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(m.max_creation_index, None);
        assert_eq!(m.fractal_heap_address, UNDEFINED_ADDRESS);
        assert_eq!(m.name_index_address, UNDEFINED_ADDRESS);
    }

    proptest! {
        #[test]
        fn roundtrips(mci in proptest::option::of(any::<u16>()), heap in any::<u32>(),
                      name in any::<u32>(), co in proptest::option::of(any::<u32>())) {
            let ctx = Context::new(4, 8, 0).unwrap();
            let widen = |a: u32| if a == u32::MAX { UNDEFINED_ADDRESS } else { u64::from(a) };
            let m = AttributeInfo { max_creation_index: mci, fractal_heap_address: widen(heap),
                                    name_index_address: widen(name),
                                    creation_order_index_address: co.map(widen) };
            let mut w = Writer::new();
            m.encode(&mut w, &ctx).unwrap();
            let bytes = w.into_inner();
            let mut cur = Cursor::new(&bytes, 0, "t");
            prop_assert_eq!(AttributeInfo::decode(&mut cur, &ctx).unwrap(), m);
            prop_assert!(cur.is_empty());
        }
    }
}
