//! The External Data Files message, type 0x0007 (spec IV.A.2.h).

use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// One slot of the external file list: a piece of the dataset stored in another file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExternalFileEntry {
    /// Offset of the file's name in the message's local heap.
    pub name_offset: u64,
    /// Byte offset of the data within the external file.
    pub file_offset: u64,
    /// Bytes reserved for the data in the external file.
    pub size: u64,
}

/// The list of external files holding a dataset's raw data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalFiles {
    /// Address of the local heap holding the file names.
    pub heap_address: u64,
    /// Slots allocated in the message (at least `entries.len()`).
    pub allocated_slots: u16,
    /// The used slots, in the order of the dataset addresses they hold.
    pub entries: Vec<ExternalFileEntry>,
}

impl ExternalFiles {
    /// Decodes the message body (version 1).
    ///
    /// # Errors
    /// `UnsupportedVersion`, `InvalidValue` if more slots are used than allocated,
    /// `UnexpectedEof` if the slots run past the body.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if version != 1 {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        cur.skip(3)?;
        let allocated_slots = cur.u16()?;
        let used = cur.u16()?;
        if used > allocated_slots {
            return Err(cur.invalid("external file used slots", used.into(), 2));
        }
        let heap_address = cur.offset_field(ctx)?;
        // The count comes from the file: bound the allocation by what the body can hold.
        let slot = 3 * ctx.sizeof_lengths();
        let mut entries = Vec::with_capacity(usize::from(used).min(cur.remaining() / slot));
        for _ in 0..used {
            entries.push(ExternalFileEntry {
                name_offset: cur.length_field(ctx)?,
                file_offset: cur.length_field(ctx)?,
                size: cur.length_field(ctx)?,
            });
        }
        Ok(ExternalFiles {
            heap_address,
            allocated_slots,
            entries,
        })
    }

    /// Encodes the message body; only the used slots are written.
    ///
    /// # Errors
    /// `EncodeOverflow` if there are more than 65535 entries or a value does not fit;
    /// `InvalidValue` if `allocated_slots` is smaller than the number of entries.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        let used = u16::try_from(self.entries.len()).map_err(|_| {
            FormatError::new(
                ErrorKind::EncodeOverflow {
                    field: "external file used slots",
                },
                "external data files message",
                w.len() as u64,
            )
        })?;
        if used > self.allocated_slots {
            return Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "external file allocated slots",
                    value: self.allocated_slots.into(),
                },
                "external data files message",
                w.len() as u64,
            ));
        }
        w.u8(1);
        w.zeros(3);
        w.u16(self.allocated_slots);
        w.u16(used);
        w.offset_field(self.heap_address, ctx)?;
        for e in &self.entries {
            w.length_field(e.name_offset, ctx)?;
            w.length_field(e.file_offset, ctx)?;
            w.length_field(e.size, ctx)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_more_used_than_allocated() {
        let bytes = [1u8, 0, 0, 0, 1, 0, 2, 0];
        let e = ExternalFiles::decode(&mut Cursor::new(&bytes, 100, "t"), &Context::DEFAULT)
            .unwrap_err();
        assert_eq!(e.offset, 106);
    }

    proptest! {
        #[test]
        fn roundtrips(heap in any::<u64>(), extra in 0u16..4,
                      entries in proptest::collection::vec(any::<(u64, u64, u64)>(), 0..5)) {
            let entries: Vec<_> = entries.into_iter().map(|(a, b, c)| ExternalFileEntry {
                name_offset: a, file_offset: b, size: c }).collect();
            let m = ExternalFiles { heap_address: heap,
                                    allocated_slots: entries.len() as u16 + extra, entries };
            let mut w = Writer::new();
            m.encode(&mut w, &Context::DEFAULT).unwrap();
            let bytes = w.into_inner();
            prop_assert_eq!(ExternalFiles::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap(), m);
        }
    }
}
