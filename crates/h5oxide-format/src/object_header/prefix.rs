//! Object header prefixes, version 1 (spec IV.A.1.a) and version 2 "OHDR" (spec IV.A.1.b),
//! and the "OCHK" signature of version 2 continuation blocks (spec IV.A.2.q).

use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// Signature of a version 2 object header.
pub const OHDR_SIGNATURE: &[u8] = b"OHDR";
/// Signature of a version 2 object header continuation block.
pub const OCHK_SIGNATURE: &[u8] = b"OCHK";
/// Bytes of the lookup3 checksum that ends every version 2 chunk.
pub const CHECKSUM_LEN: usize = 4;

/// Version 2 header flag bits (spec IV.A.1.b, "Flags").
pub mod flags {
    /// Bits 0-1: width of the "Size of Chunk #0" field (1, 2, 4 or 8 bytes).
    pub const CHUNK0_SIZE_MASK: u8 = 0x03;
    /// Bit 2: attribute creation order is tracked (messages carry a creation order field).
    pub const ATTR_CREATION_ORDER_TRACKED: u8 = 0x04;
    /// Bit 3: attribute creation order is indexed.
    pub const ATTR_CREATION_ORDER_INDEXED: u8 = 0x08;
    /// Bit 4: non-default attribute phase change values are stored.
    pub const ATTR_PHASE_CHANGE_STORED: u8 = 0x10;
    /// Bit 5: access, modification, change and birth times are stored.
    pub const TIMES_STORED: u8 = 0x20;
}

/// The four times of a version 2 header, in seconds since the UNIX epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectTimes {
    /// Last access of the raw data.
    pub access: u32,
    /// Last modification of the raw data.
    pub modification: u32,
    /// Last change of the metadata.
    pub change: u32,
    /// Creation.
    pub birth: u32,
}

/// Attribute storage phase change values of a version 2 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributePhaseChange {
    /// Most attributes stored compactly (in the header).
    pub max_compact: u16,
    /// Fewest attributes stored densely (in a fractal heap).
    pub min_dense: u16,
}

/// The version 1 prefix: 12 bytes of fields and 4 bytes of padding, so that messages start
/// 8-byte aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixV1 {
    /// Total number of messages in all chunks, NIL messages included.
    pub message_count: u16,
    /// Number of hard links to the object.
    pub refcount: u32,
    /// Bytes of messages in the first chunk (after the prefix).
    pub chunk0_size: u32,
}

impl PrefixV1 {
    /// Encoded length, padding included.
    pub const LEN: usize = 16;

    /// Decodes the prefix, starting at the version byte.
    ///
    /// # Errors
    /// `UnsupportedVersion` if the version is not 1, `UnexpectedEof`.
    pub fn decode(cur: &mut Cursor<'_>) -> Result<Self> {
        let version = cur.u8()?;
        if version != 1 {
            return Err(FormatError::new(
                ErrorKind::UnsupportedVersion { version },
                cur.structure(),
                cur.offset() - 1,
            ));
        }
        cur.skip(1)?;
        let message_count = cur.u16()?;
        let refcount = cur.u32()?;
        let chunk0_size = cur.u32()?;
        cur.skip(4)?;
        Ok(PrefixV1 {
            message_count,
            refcount,
            chunk0_size,
        })
    }

    /// Encodes the prefix.
    pub fn encode(&self, w: &mut Writer) {
        w.u8(1);
        w.u8(0);
        w.u16(self.message_count);
        w.u32(self.refcount);
        w.u32(self.chunk0_size);
        w.zeros(4);
    }
}

/// The version 2 prefix, from the signature to the "Size of Chunk #0" field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixV2 {
    /// Header flags; bits 0-1 give the width of the chunk size field.
    pub flags: u8,
    /// The four times, present when flags bit 5 is set.
    pub times: Option<ObjectTimes>,
    /// Phase change values, present when flags bit 4 is set.
    pub phase_change: Option<AttributePhaseChange>,
    /// Bytes of messages (and gap) in the first chunk, not counting the checksum.
    pub chunk0_size: u64,
}

/// The 2-bit code of the narrowest "Size of Chunk #0" field that holds `size`, as libhdf5
/// chooses it.
pub fn chunk0_size_code(size: u64) -> u8 {
    if size <= 0xff {
        0
    } else if size <= 0xffff {
        1
    } else if size <= 0xffff_ffff {
        2
    } else {
        3
    }
}

impl PrefixV2 {
    /// Longest encoded prefix: signature, version, flags, times, phase change, 8-byte size.
    pub const MAX_LEN: usize = 4 + 1 + 1 + 16 + 4 + 8;

    /// Width in bytes of the chunk size field for these flags.
    pub fn size_field_len(flags: u8) -> usize {
        1 << (flags & self::flags::CHUNK0_SIZE_MASK)
    }

    /// Encoded length of this prefix.
    pub fn encoded_len(&self) -> usize {
        6 + if self.flags & flags::TIMES_STORED != 0 {
            16
        } else {
            0
        } + if self.flags & flags::ATTR_PHASE_CHANGE_STORED != 0 {
            4
        } else {
            0
        } + Self::size_field_len(self.flags)
    }

    /// Decodes the prefix, starting at the signature.
    ///
    /// # Errors
    /// `BadSignature`, `UnsupportedVersion` if the version is not 2, `InvalidValue` for the
    /// reserved flag bits 6-7, `UnexpectedEof`.
    pub fn decode(cur: &mut Cursor<'_>) -> Result<Self> {
        cur.signature(OHDR_SIGNATURE)?;
        let version = cur.u8()?;
        if version != 2 {
            return Err(FormatError::new(
                ErrorKind::UnsupportedVersion { version },
                cur.structure(),
                cur.offset() - 1,
            ));
        }
        let hdr_flags = cur.u8()?;
        if hdr_flags & 0xc0 != 0 {
            return Err(cur.invalid("object header flags", hdr_flags.into(), 1));
        }
        let times = if hdr_flags & flags::TIMES_STORED != 0 {
            Some(ObjectTimes {
                access: cur.u32()?,
                modification: cur.u32()?,
                change: cur.u32()?,
                birth: cur.u32()?,
            })
        } else {
            None
        };
        let phase_change = if hdr_flags & flags::ATTR_PHASE_CHANGE_STORED != 0 {
            Some(AttributePhaseChange {
                max_compact: cur.u16()?,
                min_dense: cur.u16()?,
            })
        } else {
            None
        };
        let chunk0_size = cur.uint(Self::size_field_len(hdr_flags))?;
        Ok(PrefixV2 {
            flags: hdr_flags,
            times,
            phase_change,
            chunk0_size,
        })
    }

    /// Encodes the prefix with exactly `self.flags`.
    ///
    /// # Errors
    /// `InvalidValue` if flags bits 4/5 disagree with the presence of `phase_change`/`times`
    /// or reserved bits are set; `EncodeOverflow` if the chunk size does not fit the width
    /// the flags select.
    pub fn encode(&self, w: &mut Writer) -> Result<()> {
        let f = self.flags;
        if f & 0xc0 != 0
            || (f & flags::TIMES_STORED != 0) != self.times.is_some()
            || (f & flags::ATTR_PHASE_CHANGE_STORED != 0) != self.phase_change.is_some()
        {
            return Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "object header flags",
                    value: f.into(),
                },
                "object header",
                w.len() as u64,
            ));
        }
        w.bytes(OHDR_SIGNATURE);
        w.u8(2);
        w.u8(f);
        if let Some(t) = self.times {
            w.u32(t.access);
            w.u32(t.modification);
            w.u32(t.change);
            w.u32(t.birth);
        }
        if let Some(p) = self.phase_change {
            w.u16(p.max_compact);
            w.u16(p.min_dense);
        }
        w.uint(
            self.chunk0_size,
            Self::size_field_len(f),
            "size of chunk #0",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn v1_prefix_fields() {
        // Version 1, 7 messages, refcount 1, chunk 0 of 24 bytes (libhdf5 root group).
        let bytes = [1u8, 0, 7, 0, 1, 0, 0, 0, 24, 0, 0, 0, 0, 0, 0, 0];
        let mut cur = Cursor::new(&bytes, 96, "object header");
        let p = PrefixV1::decode(&mut cur).unwrap();
        assert_eq!(
            p,
            PrefixV1 {
                message_count: 7,
                refcount: 1,
                chunk0_size: 24
            }
        );
        assert_eq!(cur.position(), PrefixV1::LEN);
        let mut w = Writer::new();
        p.encode(&mut w);
        assert_eq!(w.as_slice(), &bytes);
        let e = PrefixV1::decode(&mut Cursor::new(&[3u8, 0], 96, "object header")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnsupportedVersion { version: 3 });
        assert_eq!(e.offset, 96);
    }

    #[test]
    fn v2_prefix_widths() {
        assert_eq!(chunk0_size_code(255), 0);
        assert_eq!(chunk0_size_code(256), 1);
        assert_eq!(chunk0_size_code(65536), 2);
        assert_eq!(chunk0_size_code(1 << 32), 3);
        // "OHDR", version 2, flags 0x01 (2-byte size), size 0x0100.
        let bytes = *b"OHDR\x02\x01\x00\x01";
        let p = PrefixV2::decode(&mut Cursor::new(&bytes, 0, "object header")).unwrap();
        assert_eq!(p.chunk0_size, 256);
        assert_eq!(p.encoded_len(), bytes.len());
        let e =
            PrefixV2::decode(&mut Cursor::new(b"OHDX\x02\x01", 40, "object header")).unwrap_err();
        assert_eq!(e.offset, 40);
        assert!(matches!(e.kind, ErrorKind::BadSignature { .. }));
    }

    proptest! {
        #[test]
        fn v2_roundtrips(tracked in 0u8..4, times in proptest::option::of(any::<[u32; 4]>()),
                         pc in proptest::option::of(any::<(u16, u16)>()), size in any::<u64>()) {
            let mut f = (tracked << 2) | chunk0_size_code(size);
            if times.is_some() { f |= flags::TIMES_STORED; }
            if pc.is_some() { f |= flags::ATTR_PHASE_CHANGE_STORED; }
            let p = PrefixV2 {
                flags: f,
                times: times.map(|t| ObjectTimes { access: t[0], modification: t[1], change: t[2], birth: t[3] }),
                phase_change: pc.map(|(a, b)| AttributePhaseChange { max_compact: a, min_dense: b }),
                chunk0_size: size,
            };
            let mut w = Writer::new();
            p.encode(&mut w).unwrap();
            prop_assert_eq!(w.len(), p.encoded_len());
            prop_assert_eq!(PrefixV2::decode(&mut Cursor::new(w.as_slice(), 0, "t")).unwrap(), p);
        }
    }
}
