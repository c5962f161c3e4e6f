//! The shared message encoding (spec IV.A.2, "Shared Message", versions 1 to 3).
//!
//! A message whose header flags have bit 1 set stores this record instead of its own body;
//! the record says where the real body lives.

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, Result};

/// Where a shared message's body is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedLocation {
    /// In another object's header, at this address (a committed message).
    ObjectHeader {
        /// Address of the object header holding the message.
        address: u64,
    },
    /// In the file's shared object header message heap (version 3, type 1).
    Heap {
        /// The fractal heap ID of the message.
        heap_id: [u8; 8],
    },
}

/// A reference to a message stored elsewhere (spec IV.A.2, Shared Message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedMessage {
    /// Encoding version: 1 (before 1.6.1), 2 or 3.
    pub version: u8,
    /// The "type" byte as stored: version 3 uses 0 "not shared, here", 1 "in the shared
    /// message heap", 2 "in another object header" (committed), 3 "shareable, here".
    /// Versions 1 and 2 always mean "in another object header"; libhdf5 stores 2 there.
    pub kind: u8,
    /// Where the body is.
    pub location: SharedLocation,
}

impl SharedMessage {
    /// Shared-message type 1: stored in the shared object header message heap.
    pub const KIND_HEAP: u8 = 1;
    /// Shared-message type 2: stored in another object header (committed).
    pub const KIND_COMMITTED: u8 = 2;

    /// A version 3 reference to a committed message in the object header at `address`.
    pub fn committed(address: u64) -> Self {
        SharedMessage {
            version: 3,
            kind: Self::KIND_COMMITTED,
            location: SharedLocation::ObjectHeader { address },
        }
    }

    /// Decodes the record.
    ///
    /// # Errors
    /// `UnsupportedVersion` for versions other than 1 to 3, `InvalidValue` for a version 3
    /// type above 3, `UnexpectedEof` if the record is cut short.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        let kind = cur.u8()?;
        match version {
            1 => {
                // The type byte is unused and 6 reserved bytes follow; the location is the
                // old symbol-table-entry encoding whose first field (a length-sized name
                // offset) libhdf5 skips before the object header address.
                cur.skip(6)?;
                cur.skip(ctx.sizeof_lengths())?;
                let address = cur.offset_field(ctx)?;
                Ok(SharedMessage {
                    version,
                    kind,
                    location: SharedLocation::ObjectHeader { address },
                })
            }
            2 => {
                let address = cur.offset_field(ctx)?;
                Ok(SharedMessage {
                    version,
                    kind,
                    location: SharedLocation::ObjectHeader { address },
                })
            }
            3 => {
                let location = match kind {
                    Self::KIND_HEAP => SharedLocation::Heap {
                        heap_id: cur.array()?,
                    },
                    0 | 2 | 3 => SharedLocation::ObjectHeader {
                        address: cur.offset_field(ctx)?,
                    },
                    _ => return Err(cur.invalid("shared message type", u64::from(kind), 1)),
                };
                Ok(SharedMessage {
                    version,
                    kind,
                    location,
                })
            }
            _ => Err(cur
                .error(ErrorKind::UnsupportedVersion { version })
                .in_structure("shared message")),
        }
    }

    /// Encodes the record.
    ///
    /// # Errors
    /// `EncodeOverflow` if the address does not fit, `InvalidValue` if the location cannot be
    /// expressed in this version (a heap ID before version 3, or a kind that disagrees).
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        let at = w.len() as u64;
        let kind = self.kind;
        let bad = move |field| {
            crate::error::FormatError::new(
                ErrorKind::InvalidValue {
                    field,
                    value: u64::from(kind),
                },
                "shared message",
                at,
            )
        };
        w.u8(self.version);
        w.u8(self.kind);
        match (self.version, self.location) {
            (1, SharedLocation::ObjectHeader { address }) => {
                w.zeros(6);
                w.zeros(ctx.sizeof_lengths());
                w.offset_field(address, ctx)
            }
            (2, SharedLocation::ObjectHeader { address }) => w.offset_field(address, ctx),
            (3, SharedLocation::ObjectHeader { address }) if self.kind != Self::KIND_HEAP => {
                if self.kind > 3 {
                    return Err(bad("shared message type"));
                }
                w.offset_field(address, ctx)
            }
            (3, SharedLocation::Heap { heap_id }) if self.kind == Self::KIND_HEAP => {
                w.bytes(&heap_id);
                Ok(())
            }
            (1..=3, _) => Err(bad("shared message type")),
            _ => Err(crate::error::FormatError::new(
                ErrorKind::UnsupportedVersion {
                    version: self.version,
                },
                "shared message",
                0,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn roundtrip(m: &SharedMessage, ctx: &Context) -> SharedMessage {
        let mut w = Writer::new();
        m.encode(&mut w, ctx).unwrap();
        let bytes = w.into_inner();
        let mut cur = Cursor::new(&bytes, 0, "t");
        let back = SharedMessage::decode(&mut cur, ctx).unwrap();
        assert!(cur.is_empty());
        back
    }

    #[test]
    fn version2_committed_as_libhdf5_writes_it() {
        // Version 2, type 2 (libhdf5 stores its "committed" type value), address 0x1234.
        let bytes = [2u8, 2, 0x34, 0x12, 0, 0, 0, 0, 0, 0];
        let m = SharedMessage::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(m.location, SharedLocation::ObjectHeader { address: 0x1234 });
    }

    #[test]
    fn version3_heap_id() {
        let bytes = [3u8, 1, 1, 2, 3, 4, 5, 6, 7, 8];
        let m = SharedMessage::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(
            m.location,
            SharedLocation::Heap {
                heap_id: [1, 2, 3, 4, 5, 6, 7, 8]
            }
        );
        let bad = [4u8, 1];
        let e =
            SharedMessage::decode(&mut Cursor::new(&bad, 0, "t"), &Context::DEFAULT).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnsupportedVersion { version: 4 });
    }

    proptest! {
        #[test]
        fn roundtrips(version in 1u8..=3, kind in 0u8..=3, addr in 0u64..u64::MAX, id in any::<[u8; 8]>()) {
            let ctx = Context::DEFAULT;
            let m = if version == 3 && kind == 1 {
                SharedMessage { version, kind, location: SharedLocation::Heap { heap_id: id } }
            } else {
                let kind = if version == 3 { kind } else { 2 };
                SharedMessage { version, kind, location: SharedLocation::ObjectHeader { address: addr } }
            };
            prop_assert_eq!(roundtrip(&m, &ctx), m);
        }
    }
}
