//! Objects by address: decoded messages with shared messages resolved, and what kind of
//! object a header describes.

use std::sync::Arc;

use h5oxide_format::object_header::message::shared::{SharedLocation, SharedMessage};
use h5oxide_format::object_header::message::{self, Message};
use h5oxide_format::object_header::{ObjectHeader, RawMessage};
use h5oxide_format::sohm;
use h5oxide_format::{ErrorKind, FormatError, UNDEFINED_ADDRESS};

use crate::error::Result;
use crate::file::File;

/// What an object header describes.
///
/// ```
/// use h5oxide::ObjectKind;
/// let file = h5oxide::File::in_memory()?;
/// file.root().create_group("g")?;
/// assert_eq!(file.root().object("g")?.kind(), ObjectKind::Group);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A group.
    Group,
    /// A dataset.
    Dataset,
    /// A committed (named) datatype.
    Datatype,
}

impl ObjectKind {
    /// The kind's name as h5py and h5ls print it.
    ///
    /// ```
    /// use h5oxide::ObjectKind;
    /// assert_eq!(ObjectKind::Dataset.as_str(), "dataset");
    /// assert_eq!(ObjectKind::Datatype.as_str(), "datatype");
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            ObjectKind::Group => "group",
            ObjectKind::Dataset => "dataset",
            ObjectKind::Datatype => "datatype",
        }
    }
}

const SHARED_DEPTH: u32 = 8;

impl File {
    /// The decoded messages of the object at `address`, shared ones resolved, in header
    /// order.
    pub(crate) fn messages(&self, address: u64) -> Result<Vec<Message>> {
        let header = self.header(address)?;
        self.decode_messages(&header, 0)
    }

    fn decode_messages(&self, header: &Arc<ObjectHeader>, depth: u32) -> Result<Vec<Message>> {
        let ctx = self.inner.ctx;
        let mut out = Vec::with_capacity(header.messages.len());
        for raw in &header.messages {
            let m = message::decode(raw, &ctx)?;
            out.push(match m {
                Message::Shared { msg_type, shared } => {
                    self.resolve_shared(msg_type, &shared, raw.offset, depth)?
                }
                m => m,
            });
        }
        Ok(out)
    }

    /// The body of a shared message: in another object header (committed datatypes) or in
    /// the shared object header message heap (spec IV.A.2 "shared message", III.I).
    pub(crate) fn resolve_shared(
        &self,
        msg_type: u16,
        shared: &SharedMessage,
        at: u64,
        depth: u32,
    ) -> Result<Message> {
        if depth >= SHARED_DEPTH {
            return Err(FormatError::new(
                ErrorKind::LimitExceeded {
                    limit: "shared message depth",
                    requested: u64::from(depth),
                    allowed: u64::from(SHARED_DEPTH),
                },
                "shared message",
                at,
            )
            .into());
        }
        match shared.location {
            SharedLocation::ObjectHeader { address } => {
                let header = self.header(address)?;
                let raw = header
                    .messages
                    .iter()
                    .find(|m| m.msg_type == msg_type)
                    .ok_or_else(|| {
                        FormatError::new(
                            ErrorKind::InvalidValue {
                                field: "shared message type",
                                value: u64::from(msg_type),
                            },
                            "shared message",
                            address,
                        )
                    })?;
                match message::decode(raw, &self.inner.ctx)? {
                    Message::Shared { msg_type, shared } => {
                        self.resolve_shared(msg_type, &shared, raw.offset, depth + 1)
                    }
                    m => Ok(m),
                }
            }
            SharedLocation::Heap { heap_id } => {
                let bytes = self.sohm_object(msg_type, &heap_id, at)?;
                let raw = RawMessage {
                    msg_type,
                    flags: 0,
                    creation_order: None,
                    data: bytes,
                    offset: at,
                };
                Ok(message::decode(&raw, &self.inner.ctx)?)
            }
        }
    }

    /// Reads a message stored in the shared object header message heap.
    fn sohm_object(&self, msg_type: u16, heap_id: &[u8], at: u64) -> Result<Vec<u8>> {
        let i = &self.inner;
        let bad = |field: &'static str| -> crate::Error {
            FormatError::new(
                ErrorKind::InvalidValue { field, value: 0 },
                "shared message",
                at,
            )
            .into()
        };
        let ext = i.superblock.extension_address;
        if ext == UNDEFINED_ADDRESS {
            return Err(bad("shared message table (no superblock extension)"));
        }
        let table_msg = self
            .header(ext)?
            .messages
            .iter()
            .find(|m| m.msg_type == 0x000F)
            .cloned()
            .ok_or_else(|| bad("shared message table (missing)"))?;
        let Message::SharedMessageTable(t) = message::decode(&table_msg, &i.ctx)? else {
            return Err(bad("shared message table"));
        };
        let table = sohm::read_table(&i.src, t.table_address, &i.ctx, usize::from(t.index_count))?;
        let id: &[u8; 8] = heap_id
            .try_into()
            .map_err(|_| bad("shared message heap ID length"))?;
        Ok(sohm::read_shared_message(
            &i.src, &table, msg_type, id, &i.ctx, &i.limits,
        )?)
    }

    /// What kind of object the header at `address` describes.
    pub(crate) fn kind_of(&self, address: u64) -> Result<ObjectKind> {
        let header = self.header(address)?;
        let has = |t: u16| header.messages.iter().any(|m| m.msg_type == t);
        // Layout (8) marks a dataset; symbol table (0x11) or link info (2) a group; a
        // datatype (3) without a layout a committed datatype. A header with none of these
        // (an empty group written without link info, e.g. the root of some files) is a
        // group.
        Ok(if has(0x0008) {
            ObjectKind::Dataset
        } else if has(0x0011) || has(0x0002) || has(0x0006) {
            ObjectKind::Group
        } else if has(0x0003) {
            ObjectKind::Datatype
        } else {
            ObjectKind::Group
        })
    }
}
