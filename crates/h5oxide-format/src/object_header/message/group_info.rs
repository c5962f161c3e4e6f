//! The Group Info message, type 0x000A (spec IV.A.2.k).

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, Result};

/// Link storage phase change values of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkPhaseChange {
    /// Most links stored compactly (in the object header).
    pub max_compact: u16,
    /// Fewest links stored densely (in the fractal heap).
    pub min_dense: u16,
}

/// Estimated size of a group's entries, used to size its object header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EstimatedEntries {
    /// Estimated number of entries (4 when absent).
    pub count: u16,
    /// Estimated length of entry names (8 when absent).
    pub name_length: u16,
}

/// Constant settings of a "new style" group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupInfo {
    /// Non-default phase change values (flags bit 0).
    pub link_phase_change: Option<LinkPhaseChange>,
    /// Non-default entry estimates (flags bit 1).
    pub estimated_entries: Option<EstimatedEntries>,
}

impl GroupInfo {
    /// Decodes the message body (version 0).
    ///
    /// # Errors
    /// `UnsupportedVersion`, `InvalidValue` for reserved flag bits, `UnexpectedEof`.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if version != 0 {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        let flags = cur.u8()?;
        if flags & !0b11 != 0 {
            return Err(cur.invalid("group info flags", flags.into(), 1));
        }
        let link_phase_change = if flags & 1 != 0 {
            Some(LinkPhaseChange {
                max_compact: cur.u16()?,
                min_dense: cur.u16()?,
            })
        } else {
            None
        };
        let estimated_entries = if flags & 2 != 0 {
            Some(EstimatedEntries {
                count: cur.u16()?,
                name_length: cur.u16()?,
            })
        } else {
            None
        };
        Ok(GroupInfo {
            link_phase_change,
            estimated_entries,
        })
    }

    /// Encodes the message body. The flags are derived from which fields are set.
    ///
    /// # Errors
    /// Never fails; fallible for symmetry with the other messages.
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        w.u8(0);
        w.u8(u8::from(self.link_phase_change.is_some())
            | u8::from(self.estimated_entries.is_some()) << 1);
        if let Some(p) = self.link_phase_change {
            w.u16(p.max_compact);
            w.u16(p.min_dense);
        }
        if let Some(e) = self.estimated_entries {
            w.u16(e.count);
            w.u16(e.name_length);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn libhdf5_default_group_info() {
        // libhdf5 1.10.8 writes group info "00 00" for a group with default settings.
        let m = GroupInfo::decode(&mut Cursor::new(&[0, 0], 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(m, GroupInfo::default());
        let e =
            GroupInfo::decode(&mut Cursor::new(&[0, 4], 7, "t"), &Context::DEFAULT).unwrap_err();
        assert_eq!(e.offset, 8);
    }

    proptest! {
        #[test]
        fn roundtrips(p in proptest::option::of(any::<(u16, u16)>()),
                      e in proptest::option::of(any::<(u16, u16)>())) {
            let m = GroupInfo {
                link_phase_change: p.map(|(a, b)| LinkPhaseChange { max_compact: a, min_dense: b }),
                estimated_entries: e.map(|(a, b)| EstimatedEntries { count: a, name_length: b }),
            };
            let mut w = Writer::new();
            m.encode(&mut w, &Context::DEFAULT).unwrap();
            let bytes = w.into_inner();
            let mut cur = Cursor::new(&bytes, 0, "t");
            prop_assert_eq!(GroupInfo::decode(&mut cur, &Context::DEFAULT).unwrap(), m);
            prop_assert!(cur.is_empty());
        }
    }
}
