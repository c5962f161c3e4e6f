//! Symbol table entries (spec III.C), including the scratch-pad cache.
//!
//! An entry is `sizeof_lengths + sizeof_offsets + 24` bytes: the link name offset, the object
//! header address, a 4-byte cache type, 4 reserved bytes and a 16-byte scratch pad.
//!
//! The spec's table marks the link name offset as an offset-sized field; libhdf5 encodes it
//! with the *length* size (`H5G_ent_decode` uses the length decoder), and so do we. The two
//! agree for every file whose offset and length sizes are equal.

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::Result;

/// Bytes of the scratch-pad space, whatever the offset size (spec III.C).
pub const SCRATCH_PAD_LEN: usize = 16;

/// What the scratch pad caches, selected by the entry's cache type (spec III.C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScratchPad {
    /// Cache type 0: nothing cached.
    None,
    /// Cache type 1: the entry is a group; its symbol table's addresses.
    Group {
        /// Address of the group's v1 B-tree root (type 0 nodes).
        btree_address: u64,
        /// Address of the group's local heap.
        heap_address: u64,
    },
    /// Cache type 2: the entry is a soft link.
    SoftLink {
        /// Offset in the group's local heap of the link value (null-terminated).
        link_value_offset: u32,
    },
}

impl ScratchPad {
    /// The cache type number stored in the entry.
    pub fn cache_type(&self) -> u32 {
        match self {
            ScratchPad::None => 0,
            ScratchPad::Group { .. } => 1,
            ScratchPad::SoftLink { .. } => 2,
        }
    }
}

/// One symbol table entry (spec III.C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymbolTableEntry {
    /// Offset of the link name in the group's local heap.
    pub link_name_offset: u64,
    /// Address of the object's header ([`crate::UNDEFINED_ADDRESS`] for soft links).
    pub object_header_address: u64,
    /// The cached metadata.
    pub scratch_pad: ScratchPad,
}

impl SymbolTableEntry {
    /// Bytes of one encoded entry.
    pub fn encoded_len(ctx: &Context) -> usize {
        ctx.sizeof_lengths() + ctx.sizeof_offsets() + 8 + SCRATCH_PAD_LEN
    }

    /// Decodes one entry at the cursor.
    ///
    /// # Errors
    /// `UnexpectedEof` if the entry is truncated; `InvalidValue` for a cache type other than
    /// 0, 1 or 2.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let link_name_offset = cur.length_field(ctx)?;
        let object_header_address = cur.offset_field(ctx)?;
        let cache_type = cur.u32()?;
        cur.skip(4)?; // reserved, keeps the scratch pad 8-byte aligned
        let mut pad = cur.split(SCRATCH_PAD_LEN)?;
        let scratch_pad = match cache_type {
            0 => ScratchPad::None,
            1 => ScratchPad::Group {
                btree_address: pad.offset_field(ctx)?,
                heap_address: pad.offset_field(ctx)?,
            },
            2 => ScratchPad::SoftLink {
                link_value_offset: pad.u32()?,
            },
            other => return Err(cur.invalid("cache type", u64::from(other), 8 + SCRATCH_PAD_LEN)),
        };
        Ok(SymbolTableEntry {
            link_name_offset,
            object_header_address,
            scratch_pad,
        })
    }

    /// Appends the encoded entry ([`Self::encoded_len`] bytes; unused scratch-pad bytes zero).
    ///
    /// # Errors
    /// `EncodeOverflow` if an offset or address does not fit the context's sizes.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        w.length_field(self.link_name_offset, ctx)?;
        w.offset_field(self.object_header_address, ctx)?;
        w.u32(self.scratch_pad.cache_type());
        w.zeros(4);
        let start = w.len();
        match self.scratch_pad {
            ScratchPad::None => {}
            ScratchPad::Group {
                btree_address,
                heap_address,
            } => {
                w.offset_field(btree_address, ctx)?;
                w.offset_field(heap_address, ctx)?;
            }
            ScratchPad::SoftLink { link_value_offset } => w.u32(link_value_offset),
        }
        let used = w.len() - start;
        w.zeros(SCRATCH_PAD_LEN.saturating_sub(used));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::UNDEFINED_ADDRESS;
    use proptest::prelude::*;

    // The root group entry of a libhdf5 1.10 file (superblock bytes 0x38..0x60 of
    // tests/data/group_symtab.h5): object header at 96, B-tree at 136, heap at 232.
    const ROOT_ENTRY: [u8; 40] = [
        0, 0, 0, 0, 0, 0, 0, 0, 0x60, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x88, 0, 0, 0,
        0, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0, 0, 0,
    ];

    #[test]
    fn decodes_libhdf5_root_entry() {
        let ctx = Context::DEFAULT;
        let mut c = Cursor::new(&ROOT_ENTRY, 0x38, "symbol table entry");
        let e = SymbolTableEntry::decode(&mut c, &ctx).unwrap();
        assert_eq!(e.link_name_offset, 0);
        assert_eq!(e.object_header_address, 96);
        assert_eq!(
            e.scratch_pad,
            ScratchPad::Group {
                btree_address: 136,
                heap_address: 232
            }
        );
        assert!(c.is_empty());
        let mut w = Writer::new();
        e.encode(&mut w, &ctx).unwrap();
        assert_eq!(w.as_slice(), &ROOT_ENTRY);
    }

    #[test]
    fn rejects_unknown_cache_type() {
        let mut bytes = ROOT_ENTRY;
        bytes[16] = 3;
        let err = SymbolTableEntry::decode(&mut Cursor::new(&bytes, 100, "t"), &Context::DEFAULT)
            .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidValue {
                field: "cache type",
                value: 3
            }
        );
        assert_eq!(err.offset, 116);
    }

    fn pad_strategy() -> impl Strategy<Value = ScratchPad> {
        prop_oneof![
            Just(ScratchPad::None),
            (
                0u64..u32::MAX as u64,
                prop_oneof![Just(UNDEFINED_ADDRESS), 0u64..1 << 31]
            )
                .prop_map(|(b, h)| ScratchPad::Group {
                    btree_address: b,
                    heap_address: h
                }),
            any::<u32>().prop_map(|o| ScratchPad::SoftLink {
                link_value_offset: o
            }),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(name in 0u64..1 << 31, oh in 0u64..1 << 31, pad in pad_strategy(),
                      four in any::<bool>()) {
            let ctx = if four { Context::new(4, 4, 0).unwrap() } else { Context::DEFAULT };
            let e = SymbolTableEntry { link_name_offset: name, object_header_address: oh, scratch_pad: pad };
            let mut w = Writer::new();
            e.encode(&mut w, &ctx).unwrap();
            prop_assert_eq!(w.len(), SymbolTableEntry::encoded_len(&ctx));
            let back = SymbolTableEntry::decode(&mut Cursor::new(w.as_slice(), 0, "t"), &ctx).unwrap();
            prop_assert_eq!(back, e);
        }
    }
}
