//! The Link message, type 0x0006 (spec IV.A.2.g).

use alloc::string::String;
use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// Character set of a name (links, attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CharacterSet {
    /// ASCII (0).
    #[default]
    Ascii,
    /// UTF-8 (1).
    Utf8,
}

impl CharacterSet {
    /// Decodes the one-byte character set code.
    ///
    /// # Errors
    /// `InvalidValue` for codes other than 0 and 1 (reported one byte back).
    pub fn from_code(cur: &Cursor<'_>, code: u8, field: &'static str) -> Result<Self> {
        match code {
            0 => Ok(CharacterSet::Ascii),
            1 => Ok(CharacterSet::Utf8),
            _ => Err(cur.invalid(field, code.into(), 1)),
        }
    }

    /// The one-byte code.
    pub fn code(self) -> u8 {
        match self {
            CharacterSet::Ascii => 0,
            CharacterSet::Utf8 => 1,
        }
    }
}

/// What a link points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// A hard link: the address of the target's object header.
    Hard {
        /// Object header address.
        address: u64,
    },
    /// A soft link: a path in this file.
    Soft {
        /// The path (not null-terminated in the file).
        path: String,
    },
    /// An external link (link type 64): an object in another file.
    External {
        /// The low 4 bits of the value's first byte (the high 4 bits hold the version, 0).
        flags: u8,
        /// Name of the other file.
        file: String,
        /// Path of the object within the other file.
        path: String,
    },
    /// A user-defined link type (65 to 255, or a reserved type), kept raw.
    UserDefined {
        /// The link type.
        link_type: u8,
        /// The link's data.
        data: Vec<u8>,
    },
}

/// A link of a group stored compactly in its object header or densely in its fractal heap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The link's name. Bytes that are not UTF-8 are replaced.
    pub name: String,
    /// Character set of the name.
    pub charset: CharacterSet,
    /// Creation order index within the group, when tracked.
    pub creation_order: Option<u64>,
    /// The target.
    pub target: LinkTarget,
}

const LINK_SOFT: u8 = 1;
const LINK_EXTERNAL: u8 = 64;

fn split_cstr<'a>(
    cur: &Cursor<'_>,
    b: &'a [u8],
    field: &'static str,
) -> Result<(&'a [u8], &'a [u8])> {
    match b.iter().position(|&x| x == 0) {
        Some(n) => Ok((&b[..n], &b[n + 1..])),
        None => Err(cur.invalid(field, b.len() as u64, b.len())),
    }
}

/// Bytes needed for `v` as a 1, 2, 4 or 8 byte field, and the 2-bit code for it.
fn size_code(v: u64) -> (usize, u8) {
    if v <= 0xff {
        (1, 0)
    } else if v <= 0xffff {
        (2, 1)
    } else if v <= 0xffff_ffff {
        (4, 2)
    } else {
        (8, 3)
    }
}

impl Link {
    /// Decodes the message body (version 1).
    ///
    /// # Errors
    /// `UnsupportedVersion`, `InvalidValue` for reserved flags, an empty name, a stored
    /// hard link type or a malformed external link value, `UnexpectedEof`.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if version != 1 {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        let flags = cur.u8()?;
        if flags & 0xe0 != 0 {
            return Err(cur.invalid("link flags", flags.into(), 1));
        }
        let link_type = if flags & 0x08 != 0 { cur.u8()? } else { 0 };
        let creation_order = if flags & 0x04 != 0 {
            Some(cur.u64()?)
        } else {
            None
        };
        let charset = if flags & 0x10 != 0 {
            let c = cur.u8()?;
            CharacterSet::from_code(cur, c, "link name character set")?
        } else {
            CharacterSet::Ascii
        };
        let width = 1usize << (flags & 3);
        let name_len = cur.uint(width)?;
        if name_len == 0 {
            return Err(cur.invalid("link name length", 0, width));
        }
        let name_len = usize::try_from(name_len)
            .map_err(|_| cur.invalid("link name length", name_len, width))?;
        let name = super::lossy(cur.bytes(name_len)?);
        let target = match link_type {
            0 => LinkTarget::Hard {
                address: cur.offset_field(ctx)?,
            },
            LINK_SOFT => {
                let n = cur.u16()?;
                LinkTarget::Soft {
                    path: super::lossy(cur.bytes(n.into())?),
                }
            }
            _ => {
                let n = cur.u16()?;
                let data = cur.bytes(n.into())?;
                if link_type == LINK_EXTERNAL {
                    let (&first, rest) = data
                        .split_first()
                        .ok_or_else(|| cur.invalid("external link value length", 0, 2))?;
                    if first >> 4 != 0 {
                        return Err(FormatError::new(
                            ErrorKind::UnsupportedVersion {
                                version: first >> 4,
                            },
                            cur.structure(),
                            cur.offset() - u64::from(n),
                        ));
                    }
                    let (file, rest) = split_cstr(cur, rest, "external link file name")?;
                    let (path, _) = split_cstr(cur, rest, "external link object path")?;
                    LinkTarget::External {
                        flags: first & 0x0f,
                        file: super::lossy(file),
                        path: super::lossy(path),
                    }
                } else {
                    LinkTarget::UserDefined {
                        link_type,
                        data: data.to_vec(),
                    }
                }
            }
        };
        Ok(Link {
            name,
            charset,
            creation_order,
            target,
        })
    }

    /// Encodes the message body, choosing the narrowest name length field.
    ///
    /// # Errors
    /// `InvalidValue` for an empty name or a user-defined link with type 0, 1 or 64;
    /// `EncodeOverflow` if a value is longer than its 16-bit length field or an address does
    /// not fit.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        let at = w.len() as u64;
        let err = |kind| FormatError::new(kind, "link message", at);
        if self.name.is_empty() {
            return Err(err(ErrorKind::InvalidValue {
                field: "link name length",
                value: 0,
            }));
        }
        let link_type = match &self.target {
            LinkTarget::Hard { .. } => 0,
            LinkTarget::Soft { .. } => LINK_SOFT,
            LinkTarget::External { .. } => LINK_EXTERNAL,
            LinkTarget::UserDefined { link_type, .. } => {
                if matches!(*link_type, 0 | LINK_SOFT | LINK_EXTERNAL) {
                    return Err(err(ErrorKind::InvalidValue {
                        field: "user-defined link type",
                        value: (*link_type).into(),
                    }));
                }
                *link_type
            }
        };
        let (width, code) = size_code(self.name.len() as u64);
        let mut flags = code;
        if self.creation_order.is_some() {
            flags |= 0x04;
        }
        if link_type != 0 {
            flags |= 0x08;
        }
        if self.charset != CharacterSet::Ascii {
            flags |= 0x10;
        }
        w.u8(1);
        w.u8(flags);
        if link_type != 0 {
            w.u8(link_type);
        }
        if let Some(c) = self.creation_order {
            w.u64(c);
        }
        if self.charset != CharacterSet::Ascii {
            w.u8(self.charset.code());
        }
        w.uint(self.name.len() as u64, width, "link name length")?;
        w.bytes(self.name.as_bytes());
        let value_len = |n: usize| {
            u16::try_from(n).map_err(|_| {
                err(ErrorKind::EncodeOverflow {
                    field: "link value length",
                })
            })
        };
        match &self.target {
            LinkTarget::Hard { address } => w.offset_field(*address, ctx)?,
            LinkTarget::Soft { path } => {
                w.u16(value_len(path.len())?);
                w.bytes(path.as_bytes());
            }
            LinkTarget::External { flags, file, path } => {
                w.u16(value_len(1 + file.len() + 1 + path.len() + 1)?);
                w.u8(flags & 0x0f);
                w.bytes(file.as_bytes());
                w.u8(0);
                w.bytes(path.as_bytes());
                w.u8(0);
            }
            LinkTarget::UserDefined { data, .. } => {
                w.u16(value_len(data.len())?);
                w.bytes(data);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(bytes: &[u8]) -> Link {
        let mut cur = Cursor::new(bytes, 0, "t");
        let l = Link::decode(&mut cur, &Context::DEFAULT).unwrap();
        assert!(cur.is_empty());
        l
    }

    #[test]
    fn libhdf5_links() {
        // Link message bodies of the root group of a file written by libhdf5 1.10.8 with
        // H5F_LIBVER_LATEST: hard link "g" -> 195, soft link "soft" -> "/d", external link
        // "ext" -> other.h5:/x/y.
        let hard = [0x01, 0x00, 0x01, 0x67, 0xc3, 0, 0, 0, 0, 0, 0, 0];
        let soft = [
            0x01, 0x08, 0x01, 0x04, 0x73, 0x6f, 0x66, 0x74, 0x02, 0x00, 0x2f, 0x64,
        ];
        let ext = [
            0x01, 0x08, 0x40, 0x03, 0x65, 0x78, 0x74, 0x0f, 0x00, 0x00, 0x6f, 0x74, 0x68, 0x65,
            0x72, 0x2e, 0x68, 0x35, 0x00, 0x2f, 0x78, 0x2f, 0x79, 0x00,
        ];
        let l = dec(&hard);
        assert_eq!(l.name, "g");
        assert_eq!(l.target, LinkTarget::Hard { address: 195 });
        let l = dec(&soft);
        assert_eq!(l.name, "soft");
        assert_eq!(l.target, LinkTarget::Soft { path: "/d".into() });
        let l = dec(&ext);
        assert_eq!(l.name, "ext");
        assert_eq!(
            l.target,
            LinkTarget::External {
                flags: 0,
                file: "other.h5".into(),
                path: "/x/y".into()
            }
        );
        for bytes in [&hard[..], &soft[..], &ext[..]] {
            let mut w = Writer::new();
            dec(bytes).encode(&mut w, &Context::DEFAULT).unwrap();
            assert_eq!(w.as_slice(), bytes);
        }
    }

    #[test]
    fn truncated_name_reports_offset() {
        let bytes = [0x01, 0x00, 0x05, b'a', b'b'];
        let e = Link::decode(
            &mut Cursor::new(&bytes, 1000, "link message"),
            &Context::DEFAULT,
        )
        .unwrap_err();
        assert!(matches!(e.kind, ErrorKind::UnexpectedEof { .. }));
        assert_eq!(e.offset, 1003);
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof!["[a-z0-9_]{1,20}", "[a-z]{300,310}", "\\PC{1,8}"]
    }

    fn target() -> impl Strategy<Value = LinkTarget> {
        prop_oneof![
            any::<u64>().prop_map(|address| LinkTarget::Hard { address }),
            "[ -~]{0,40}".prop_map(|path| LinkTarget::Soft { path }),
            (0u8..16, "[a-z./]{0,20}", "[a-z/]{0,20}")
                .prop_map(|(flags, file, path)| LinkTarget::External { flags, file, path }),
            (65u8..=255, proptest::collection::vec(any::<u8>(), 0..30))
                .prop_map(|(link_type, data)| LinkTarget::UserDefined { link_type, data }),
        ]
    }

    proptest! {
        #[test]
        fn roundtrips(name in name(), utf8 in any::<bool>(), co in proptest::option::of(any::<u64>()),
                      target in target()) {
            let l = Link { name, charset: if utf8 { CharacterSet::Utf8 } else { CharacterSet::Ascii },
                           creation_order: co, target };
            let mut w = Writer::new();
            l.encode(&mut w, &Context::DEFAULT).unwrap();
            prop_assert_eq!(dec(w.as_slice()), l);
        }
    }
}
