//! The Data Storage - Filter Pipeline message, type 0x000B (spec IV.A.2.l).

use alloc::string::String;
use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// One filter of a pipeline, in the order filters are applied when writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterDescription {
    /// Filter identification value: 1 deflate, 2 shuffle, 3 fletcher32, 4 szip, 5 nbit,
    /// 6 scale-offset; 256 and above are registered third-party filters (32000 LZF, ...).
    pub id: u16,
    /// The name stored with the filter, if any (without its null terminator).
    pub name: Option<String>,
    /// Bit 0 set: the filter is optional; a failure to apply it is not an error.
    pub flags: u16,
    /// The filter's parameters ("client data").
    pub client_data: Vec<u32>,
}

impl FilterDescription {
    /// True if the filter is optional (flags bit 0).
    pub fn is_optional(&self) -> bool {
        self.flags & 1 != 0
    }
}

/// The filter pipeline of a chunked dataset.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilterPipeline {
    /// Message version: 1 (names and padding always stored) or 2.
    pub version: u8,
    /// The filters, in the order applied on write.
    pub filters: Vec<FilterDescription>,
}

/// Most filters a pipeline may hold (libhdf5's H5Z_MAX_NFILTERS).
pub const MAX_FILTERS: usize = 32;

impl FilterPipeline {
    /// Decodes the message body, versions 1 and 2 (spec IV.A.2.l).
    ///
    /// # Errors
    /// `UnsupportedVersion`, `InvalidValue` for more than 32 filters, `UnexpectedEof` if a
    /// name or the client data runs past the body.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if !matches!(version, 1 | 2) {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        let n = cur.u8()?;
        if usize::from(n) > MAX_FILTERS {
            return Err(cur.invalid("number of filters", n.into(), 1));
        }
        if version == 1 {
            cur.skip(6)?;
        }
        let mut filters = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let id = cur.u16()?;
            // Version 2 omits the name length of filters defined by the specification.
            let name_len = if version == 1 || id >= 256 {
                cur.u16()?
            } else {
                0
            };
            let flags = cur.u16()?;
            let nvalues = cur.u16()?;
            let name = if name_len > 0 {
                let raw = cur.bytes(name_len.into())?;
                let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
                Some(super::lossy(&raw[..end]))
            } else {
                None
            };
            let mut client_data = Vec::with_capacity(usize::from(nvalues).min(cur.remaining() / 4));
            for _ in 0..nvalues {
                client_data.push(cur.u32()?);
            }
            if version == 1 && nvalues % 2 == 1 {
                cur.skip(4)?;
            }
            filters.push(FilterDescription {
                id,
                name,
                flags,
                client_data,
            });
        }
        Ok(FilterPipeline { version, filters })
    }

    /// Encodes the message body in `self.version`. Version 1 pads names to a multiple of 8
    /// bytes and odd client data counts with 4 zero bytes; version 2 stores no name for
    /// filters with ids below 256 (any name given for them is dropped).
    ///
    /// # Errors
    /// `UnsupportedVersion`; `EncodeOverflow` for more than 32 filters, or a name or
    /// client data list too long for its 16-bit count.
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        let at = w.len() as u64;
        let overflow = |field| {
            FormatError::new(
                ErrorKind::EncodeOverflow { field },
                "filter pipeline message",
                at,
            )
        };
        let v = self.version;
        if !matches!(v, 1 | 2) {
            return Err(FormatError::new(
                ErrorKind::UnsupportedVersion { version: v },
                "filter pipeline message",
                at,
            ));
        }
        if self.filters.len() > MAX_FILTERS {
            return Err(overflow("number of filters"));
        }
        w.u8(v);
        w.u8(self.filters.len() as u8);
        if v == 1 {
            w.zeros(6);
        }
        for f in &self.filters {
            let has_name_field = v == 1 || f.id >= 256;
            let name = f.name.as_deref().filter(|_| has_name_field);
            let name_len = match name {
                Some(s) if v == 1 => super::pad8(s.len() + 1),
                Some(s) => s.len() + 1,
                None => 0,
            };
            let name_len = u16::try_from(name_len).map_err(|_| overflow("filter name length"))?;
            let nvalues = u16::try_from(f.client_data.len())
                .map_err(|_| overflow("number of client data values"))?;
            w.u16(f.id);
            if has_name_field {
                w.u16(name_len);
            }
            w.u16(f.flags);
            w.u16(nvalues);
            if let Some(s) = name {
                w.bytes(s.as_bytes());
                w.zeros(usize::from(name_len) - s.len());
            }
            for &x in &f.client_data {
                w.u32(x);
            }
            if v == 1 && nvalues % 2 == 1 {
                w.zeros(4);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    fn dec(bytes: &[u8]) -> FilterPipeline {
        let mut cur = Cursor::new(bytes, 0, "t");
        let p = FilterPipeline::decode(&mut cur, &Context::DEFAULT).unwrap();
        assert!(cur.is_empty());
        p
    }

    #[test]
    fn libhdf5_shuffle_deflate_v1_and_v2() {
        // Shuffle (element size 4) then deflate level 6, written by libhdf5 1.10.8: default
        // format (version 1, names padded to 8, odd client data padded) and
        // H5F_LIBVER_LATEST (version 2, no names for ids below 256).
        let v1 = [
            0x01, 0x02, 0, 0, 0, 0, 0, 0, // version, count, reserved
            0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x01, 0x00, b's', b'h', b'u', b'f', b'f', b'l',
            b'e', 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, // shuffle
            0x01, 0x00, 0x08, 0x00, 0x01, 0x00, 0x01, 0x00, b'd', b'e', b'f', b'l', b'a', b't',
            b'e', 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0, // deflate
        ];
        let v2 = [
            0x02, 0x02, 0x02, 0x00, 0x01, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00,
            0x01, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00,
        ];
        let p1 = dec(&v1);
        assert_eq!(p1.version, 1);
        assert_eq!(p1.filters.len(), 2);
        assert_eq!(p1.filters[0].id, 2);
        assert_eq!(p1.filters[0].name.as_deref(), Some("shuffle"));
        assert_eq!(p1.filters[0].client_data, [4]);
        assert!(p1.filters[1].is_optional());
        assert_eq!(p1.filters[1].name.as_deref(), Some("deflate"));
        assert_eq!(p1.filters[1].client_data, [6]);
        let p2 = dec(&v2);
        assert_eq!(p2.filters[0].name, None);
        assert_eq!(p2.filters[1].id, 1);
        assert_eq!(p2.filters[1].client_data, [6]);
        for (p, bytes) in [(p1, &v1[..]), (p2, &v2[..])] {
            let mut w = Writer::new();
            p.encode(&mut w, &Context::DEFAULT).unwrap();
            assert_eq!(w.as_slice(), bytes);
        }
    }

    fn filter(version: u8) -> impl Strategy<Value = FilterDescription> {
        (
            any::<u16>(),
            proptest::option::of("[a-z0-9]{1,20}"),
            any::<u16>(),
            proptest::collection::vec(any::<u32>(), 0..7),
        )
            .prop_map(move |(id, name, flags, client_data)| FilterDescription {
                id,
                name: if version == 2 && id < 256 {
                    None
                } else {
                    name.map(|s| s.to_string())
                },
                flags,
                client_data,
            })
    }

    proptest! {
        #[test]
        fn roundtrips((version, filters) in (1u8..=2).prop_flat_map(|v| (Just(v),
                       proptest::collection::vec(filter(v), 0..=MAX_FILTERS)))) {
            let p = FilterPipeline { version, filters };
            let mut w = Writer::new();
            p.encode(&mut w, &Context::DEFAULT).unwrap();
            prop_assert_eq!(dec(w.as_slice()), p);
        }
    }
}
