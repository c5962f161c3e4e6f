//! The Attribute message, type 0x000C (spec IV.A.2.m), versions 1 to 3.

use alloc::string::String;
use alloc::vec::Vec;

use super::dataspace::Dataspace;
use super::datatype::Datatype;
use super::link::CharacterSet;
use super::shared::SharedMessage;
use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// A part of an attribute that is either stored inline or shared elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaybeShared<T> {
    /// The encoded value is stored in the attribute message.
    Inline(T),
    /// A shared message reference is stored instead (attribute flags bit 0 or 1);
    /// resolving it is left to the caller.
    Shared(SharedMessage),
}

/// An attribute: a small named dataset attached to an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Message version, 1 to 3.
    pub version: u8,
    /// The name, without its null terminator. Bytes that are not UTF-8 are replaced.
    pub name: String,
    /// Character set of the name (stored from version 3 on).
    pub charset: CharacterSet,
    /// The datatype of the value.
    pub datatype: MaybeShared<Datatype>,
    /// The dataspace of the value.
    pub dataspace: MaybeShared<Dataspace>,
    /// The raw value: every byte after the dataspace to the end of the message body. In a
    /// version 1 object header this may include trailing padding; the value's exact length
    /// is the dataspace's element count times the datatype's size.
    pub data: Vec<u8>,
}

const FLAG_SHARED_DATATYPE: u8 = 0x01;
const FLAG_SHARED_DATASPACE: u8 = 0x02;

impl Attribute {
    /// Decodes the message body.
    ///
    /// # Errors
    /// `UnsupportedVersion`, `InvalidValue` for unknown flags, an empty name, a name with no
    /// null terminator within its Name Size or an unknown character set, errors of the datatype, dataspace or shared message decoders, and
    /// `UnexpectedEof` if a part runs past the body.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if !(1..=3).contains(&version) {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        let flags = cur.u8()?;
        let flags = if version == 1 { 0 } else { flags };
        if flags & !(FLAG_SHARED_DATATYPE | FLAG_SHARED_DATASPACE) != 0 {
            return Err(cur.invalid("attribute flags", flags.into(), 1));
        }
        let name_size = cur.u16()?;
        let datatype_size = cur.u16()?;
        let dataspace_size = cur.u16()?;
        let charset = if version >= 3 {
            let c = cur.u8()?;
            CharacterSet::from_code(cur, c, "attribute name character set")?
        } else {
            CharacterSet::Ascii
        };
        if name_size == 0 {
            return Err(cur.invalid("attribute name size", 0, 0));
        }
        // Version 1 pads the name, datatype and dataspace to multiples of 8 bytes.
        let padded = |n: u16| {
            if version == 1 {
                super::pad8(n.into())
            } else {
                n.into()
            }
        };
        let mut name_field = cur.split(padded(name_size))?;
        let raw_name = name_field.bytes(name_size.into())?;
        // spec IV.A.2.m: the name is null-terminated and Name Size counts the terminator.
        // A name without one is refused (libhdf5 reads past it), naming its last byte.
        let Some(end) = raw_name.iter().position(|&b| b == 0) else {
            let last = raw_name.last().copied().unwrap_or(0);
            return Err(name_field.invalid("attribute name terminator", last.into(), 1));
        };
        let name = super::lossy(&raw_name[..end]);

        let mut dt = cur.split(padded(datatype_size))?;
        let datatype = if flags & FLAG_SHARED_DATATYPE != 0 {
            MaybeShared::Shared(SharedMessage::decode(&mut dt, ctx)?)
        } else {
            let mut body = dt.split(datatype_size.into())?.named("datatype message");
            MaybeShared::Inline(Datatype::decode(&mut body, ctx)?)
        };
        let mut ds = cur.split(padded(dataspace_size))?;
        let dataspace = if flags & FLAG_SHARED_DATASPACE != 0 {
            MaybeShared::Shared(SharedMessage::decode(&mut ds, ctx)?)
        } else {
            let mut body = ds.split(dataspace_size.into())?.named("dataspace message");
            MaybeShared::Inline(Dataspace::decode(&mut body, ctx)?)
        };
        let data = cur.bytes(cur.remaining())?.to_vec();
        Ok(Attribute {
            version,
            name,
            charset,
            datatype,
            dataspace,
            data,
        })
    }

    /// Encodes the message body in `self.version`. Shared parts need version 2 or later.
    ///
    /// # Errors
    /// `UnsupportedVersion`; `InvalidValue` for a shared part in version 1 or a non-ASCII
    /// character set before version 3; `EncodeOverflow` if the name, datatype or dataspace
    /// is longer than 65535 bytes; errors of the part encoders.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        let at = w.len() as u64;
        let err = |kind| FormatError::new(kind, "attribute message", at);
        let v = self.version;
        if !(1..=3).contains(&v) {
            return Err(err(ErrorKind::UnsupportedVersion { version: v }));
        }
        let mut flags = 0u8;
        let mut dt = Writer::new();
        match &self.datatype {
            MaybeShared::Inline(t) => t.encode(&mut dt, ctx)?,
            MaybeShared::Shared(s) => {
                flags |= FLAG_SHARED_DATATYPE;
                s.encode(&mut dt, ctx)?;
            }
        }
        let mut ds = Writer::new();
        match &self.dataspace {
            MaybeShared::Inline(s) => s.encode(&mut ds, ctx)?,
            MaybeShared::Shared(s) => {
                flags |= FLAG_SHARED_DATASPACE;
                s.encode(&mut ds, ctx)?;
            }
        }
        if v == 1 && flags != 0 {
            return Err(err(ErrorKind::InvalidValue {
                field: "attribute flags",
                value: flags.into(),
            }));
        }
        if v < 3 && self.charset != CharacterSet::Ascii {
            return Err(err(ErrorKind::InvalidValue {
                field: "attribute name character set",
                value: self.charset.code().into(),
            }));
        }
        let size = |n: usize, field| {
            u16::try_from(n).map_err(|_| err(ErrorKind::EncodeOverflow { field }))
        };
        let name_size = size(self.name.len() + 1, "attribute name size")?;
        let dt_size = size(dt.len(), "attribute datatype size")?;
        let ds_size = size(ds.len(), "attribute dataspace size")?;
        let pad = |w: &mut Writer, n: usize| {
            if v == 1 {
                w.zeros(super::pad8(n) - n);
            }
        };
        w.u8(v);
        w.u8(flags);
        w.u16(name_size);
        w.u16(dt_size);
        w.u16(ds_size);
        if v >= 3 {
            w.u8(self.charset.code());
        }
        w.bytes(self.name.as_bytes());
        w.u8(0);
        pad(w, name_size.into());
        w.bytes(dt.as_slice());
        pad(w, dt.len());
        w.bytes(ds.as_slice());
        pad(w, ds.len());
        w.bytes(&self.data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object_header::message::shared::SharedLocation;
    use proptest::prelude::*;

    #[test]
    fn libhdf5_attribute_v3() {
        // Attribute "units" (u16 scalar, value 513) of a dataset written by libhdf5 1.10.8
        // with H5F_LIBVER_LATEST.
        let bytes = [
            0x03, 0x00, 0x06, 0x00, 0x0c, 0x00, 0x04, 0x00, 0x00, b'u', b'n', b'i', b't', b's',
            0x00, 0x10, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x02,
            0x00, 0x00, 0x00, 0x01, 0x02,
        ];
        let a = Attribute::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(a.version, 3);
        assert_eq!(a.name, "units");
        assert_eq!(a.charset, CharacterSet::Ascii);
        assert_eq!(a.data, 513u16.to_le_bytes());
        assert!(matches!(a.datatype, MaybeShared::Inline(_)));
        let mut w = Writer::new();
        a.encode(&mut w, &Context::DEFAULT).unwrap();
        assert_eq!(w.as_slice(), &bytes);
    }

    #[test]
    fn name_without_terminator_is_refused() {
        // The "units" attribute above with Name Size 5: the name's bytes end before its NUL.
        let bytes = [
            0x03, 0x00, 0x05, 0x00, 0x0c, 0x00, 0x04, 0x00, 0x00, b'u', b'n', b'i', b't', b's',
            0x10, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x02, 0x00,
            0x00, 0x00, 0x01, 0x02,
        ];
        let e = Attribute::decode(
            &mut Cursor::new(&bytes, 100, "attribute message"),
            &Context::DEFAULT,
        )
        .unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "attribute name terminator",
                value: u64::from(b's'),
            }
        );
        // The name's last byte, 's', is at 100 + 13.
        assert_eq!((e.structure, e.offset), ("attribute message", 113));
        // Bytes after the terminator inside Name Size are still accepted.
        let mut padded = bytes.to_vec();
        padded[2] = 6;
        padded.insert(14, 0);
        padded[12] = 0;
        let a = Attribute::decode(&mut Cursor::new(&padded, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(a.name, "uni");
    }

    #[test]
    fn truncated_name_is_eof_at_offset() {
        let bytes = [0x02, 0x03, 0x10, 0x00, 0x0a, 0x00, 0x0a, 0x00, b'a'];
        let e = Attribute::decode(
            &mut Cursor::new(&bytes, 500, "attribute message"),
            &Context::DEFAULT,
        )
        .unwrap_err();
        assert!(matches!(e.kind, ErrorKind::UnexpectedEof { .. }));
        assert_eq!(e.offset, 508);
    }

    proptest! {
        #[test]
        fn shared_parts_roundtrip(version in 2u8..=3, name in "[a-zA-Z0-9 _]{1,30}",
                                  dt in any::<u64>(), ds in any::<[u8; 8]>(),
                                  data in proptest::collection::vec(any::<u8>(), 0..20)) {
            let a = Attribute {
                version,
                name,
                charset: CharacterSet::Ascii,
                datatype: MaybeShared::Shared(SharedMessage::committed(dt)),
                dataspace: MaybeShared::Shared(SharedMessage {
                    version: 3, kind: 1, location: SharedLocation::Heap { heap_id: ds } }),
                data,
            };
            let mut w = Writer::new();
            a.encode(&mut w, &Context::DEFAULT).unwrap();
            let back = Attribute::decode(&mut Cursor::new(w.as_slice(), 0, "t"), &Context::DEFAULT).unwrap();
            prop_assert_eq!(back, a);
        }
    }
}
