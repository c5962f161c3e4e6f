//! Object header messages (spec IV.A.2), one module per message type.
//!
//! [`decode`] turns a [`RawMessage`] collected by
//! [`read_object_header`](crate::object_header::read_object_header) into a typed
//! [`Message`]; [`Message::encode`] writes a body back.

pub mod attribute;
pub mod attribute_info;
pub mod bogus;
pub mod btree_k;
pub mod comment;
pub mod continuation;
pub mod dataspace;
pub mod datatype;
pub mod driver_info;
pub mod external;
pub mod file_space_info;
pub mod fill_value;
pub mod fill_value_old;
pub mod filter_pipeline;
pub mod group_info;
pub mod layout;
pub mod link;
pub mod link_info;
pub mod modification_time;
pub mod modification_time_old;
pub mod nil;
pub mod refcount;
pub mod shared;
pub mod shared_message_table;
pub mod symbol_table;

use alloc::string::String;
use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::object_header::RawMessage;

use attribute::Attribute;
use attribute_info::AttributeInfo;
use btree_k::BtreeK;
use comment::Comment;
use continuation::Continuation;
use dataspace::Dataspace;
use datatype::Datatype;
use driver_info::DriverInfo;
use external::ExternalFiles;
use file_space_info::FileSpaceInfo;
use fill_value::FillValue;
use fill_value_old::FillValueOld;
use filter_pipeline::FilterPipeline;
use group_info::GroupInfo;
use layout::Layout;
use link::Link;
use link_info::LinkInfo;
use modification_time::ModificationTime;
use modification_time_old::ModificationTimeOld;
use refcount::RefCount;
use shared::SharedMessage;
use shared_message_table::SharedMessageTable;
use symbol_table::SymbolTableMessage;

/// Message type numbers (spec IV.A.2).
pub mod types {
    /// NIL (0x0000).
    pub const NIL: u16 = 0x0000;
    /// Dataspace (0x0001).
    pub const DATASPACE: u16 = 0x0001;
    /// Link Info (0x0002).
    pub const LINK_INFO: u16 = 0x0002;
    /// Datatype (0x0003).
    pub const DATATYPE: u16 = 0x0003;
    /// Fill Value (Old) (0x0004).
    pub const FILL_VALUE_OLD: u16 = 0x0004;
    /// Fill Value (0x0005).
    pub const FILL_VALUE: u16 = 0x0005;
    /// Link (0x0006).
    pub const LINK: u16 = 0x0006;
    /// External Data Files (0x0007).
    pub const EXTERNAL: u16 = 0x0007;
    /// Data Layout (0x0008).
    pub const LAYOUT: u16 = 0x0008;
    /// Bogus (0x0009).
    pub const BOGUS: u16 = 0x0009;
    /// Group Info (0x000A).
    pub const GROUP_INFO: u16 = 0x000A;
    /// Filter Pipeline (0x000B).
    pub const FILTER_PIPELINE: u16 = 0x000B;
    /// Attribute (0x000C).
    pub const ATTRIBUTE: u16 = 0x000C;
    /// Object Comment (0x000D).
    pub const COMMENT: u16 = 0x000D;
    /// Object Modification Time (Old) (0x000E).
    pub const MODIFICATION_TIME_OLD: u16 = 0x000E;
    /// Shared Message Table (0x000F).
    pub const SHARED_MESSAGE_TABLE: u16 = 0x000F;
    /// Object Header Continuation (0x0010).
    pub const CONTINUATION: u16 = 0x0010;
    /// Symbol Table (0x0011).
    pub const SYMBOL_TABLE: u16 = 0x0011;
    /// Object Modification Time (0x0012).
    pub const MODIFICATION_TIME: u16 = 0x0012;
    /// B-tree 'K' Values (0x0013).
    pub const BTREE_K: u16 = 0x0013;
    /// Driver Info (0x0014).
    pub const DRIVER_INFO: u16 = 0x0014;
    /// Attribute Info (0x0015).
    pub const ATTRIBUTE_INFO: u16 = 0x0015;
    /// Object Reference Count (0x0016).
    pub const REFCOUNT: u16 = 0x0016;
    /// File Space Info (0x0017).
    pub const FILE_SPACE_INFO: u16 = 0x0017;
}

/// Message header flag bits (spec IV.A.1.a, "Header Message Flags").
pub mod flags {
    /// Bit 0: the message is constant.
    pub const CONSTANT: u8 = 0x01;
    /// Bit 1: the body is a shared message reference.
    pub const SHARED: u8 = 0x02;
    /// Bit 2: the message must not be shared.
    pub const DONT_SHARE: u8 = 0x04;
    /// Bit 3: fail to open for writing if the type is unknown.
    pub const FAIL_IF_UNKNOWN_AND_WRITING: u8 = 0x08;
    /// Bit 4: set bit 5 if the type is unknown and the object is modified.
    pub const MARK_IF_UNKNOWN: u8 = 0x10;
    /// Bit 5: the object was modified by software that did not know the type.
    pub const WAS_UNKNOWN: u8 = 0x20;
    /// Bit 6: the message may be shared.
    pub const SHAREABLE: u8 = 0x40;
    /// Bit 7: always fail to open if the type is unknown.
    pub const FAIL_IF_UNKNOWN_ALWAYS: u8 = 0x80;
}

/// A decoded object header message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// NIL: free space (0x0000).
    Nil,
    /// Dataspace (0x0001).
    Dataspace(Dataspace),
    /// Link Info (0x0002).
    LinkInfo(LinkInfo),
    /// Datatype (0x0003).
    Datatype(Datatype),
    /// Fill Value (Old) (0x0004).
    FillValueOld(FillValueOld),
    /// Fill Value (0x0005).
    FillValue(FillValue),
    /// Link (0x0006).
    Link(Link),
    /// External Data Files (0x0007).
    External(ExternalFiles),
    /// Data Layout (0x0008).
    Layout(Layout),
    /// Bogus, for testing only (0x0009).
    Bogus,
    /// Group Info (0x000A).
    GroupInfo(GroupInfo),
    /// Filter Pipeline (0x000B).
    FilterPipeline(FilterPipeline),
    /// Attribute (0x000C).
    Attribute(Attribute),
    /// Object Comment (0x000D).
    Comment(Comment),
    /// Object Modification Time (Old) (0x000E).
    ModificationTimeOld(ModificationTimeOld),
    /// Shared Message Table (0x000F).
    SharedMessageTable(SharedMessageTable),
    /// Object Header Continuation (0x0010).
    Continuation(Continuation),
    /// Symbol Table (0x0011).
    SymbolTable(SymbolTableMessage),
    /// Object Modification Time (0x0012).
    ModificationTime(ModificationTime),
    /// B-tree 'K' Values (0x0013).
    BtreeK(BtreeK),
    /// Driver Info (0x0014).
    DriverInfo(DriverInfo),
    /// Attribute Info (0x0015).
    AttributeInfo(AttributeInfo),
    /// Object Reference Count (0x0016).
    RefCount(RefCount),
    /// File Space Info (0x0017).
    FileSpaceInfo(FileSpaceInfo),
    /// A message of type `msg_type` whose body is stored elsewhere (flags bit 1); resolving
    /// it is the caller's job.
    Shared {
        /// The message's type.
        msg_type: u16,
        /// Where the body is.
        shared: SharedMessage,
    },
    /// A message type this implementation does not know, kept raw.
    Unknown {
        /// The message's type.
        msg_type: u16,
        /// The raw body.
        data: Vec<u8>,
    },
}

/// The name errors of a message type report (as the spec names the message).
pub fn structure_name(msg_type: u16) -> &'static str {
    match msg_type {
        types::NIL => "NIL message",
        types::DATASPACE => "dataspace message",
        types::LINK_INFO => "link info message",
        types::DATATYPE => "datatype message",
        types::FILL_VALUE_OLD => "fill value (old) message",
        types::FILL_VALUE => "fill value message",
        types::LINK => "link message",
        types::EXTERNAL => "external data files message",
        types::LAYOUT => "data layout message",
        types::BOGUS => "bogus message",
        types::GROUP_INFO => "group info message",
        types::FILTER_PIPELINE => "filter pipeline message",
        types::ATTRIBUTE => "attribute message",
        types::COMMENT => "object comment message",
        types::MODIFICATION_TIME_OLD => "modification time (old) message",
        types::SHARED_MESSAGE_TABLE => "shared message table message",
        types::CONTINUATION => "object header continuation message",
        types::SYMBOL_TABLE => "symbol table message",
        types::MODIFICATION_TIME => "modification time message",
        types::BTREE_K => "B-tree 'K' values message",
        types::DRIVER_INFO => "driver info message",
        types::ATTRIBUTE_INFO => "attribute info message",
        types::REFCOUNT => "object reference count message",
        types::FILE_SPACE_INFO => "file space info message",
        _ => "unknown message",
    }
}

/// Decodes a raw message as a reader that opened the file read-only: an unknown type fails
/// only if its flags have bit 7 ("fail if unknown, always") set.
///
/// # Errors
/// `UnknownMessage` for an unknown type marked fail-if-unknown; any error of the message's
/// decoder. Errors carry the file offset within the message body.
pub fn decode(raw: &RawMessage, ctx: &Context) -> Result<Message> {
    decode_with_access(raw, ctx, false)
}

/// Decodes a raw message; `for_write` says the file is open for writing, which makes
/// flags bit 3 ("fail if unknown and open for write") count as well.
///
/// # Errors
/// As [`decode`].
pub fn decode_with_access(raw: &RawMessage, ctx: &Context, for_write: bool) -> Result<Message> {
    let t = raw.msg_type;
    let mut cur = Cursor::new(&raw.data, raw.offset, structure_name(t));
    if raw.flags & flags::SHARED != 0 {
        return Ok(Message::Shared {
            msg_type: t,
            shared: SharedMessage::decode(&mut cur, ctx)?,
        });
    }
    let c = &mut cur;
    Ok(match t {
        types::NIL => Message::Nil,
        types::DATASPACE => Message::Dataspace(Dataspace::decode(c, ctx)?),
        types::LINK_INFO => Message::LinkInfo(LinkInfo::decode(c, ctx)?),
        types::DATATYPE => Message::Datatype(Datatype::decode(c, ctx)?),
        types::FILL_VALUE_OLD => Message::FillValueOld(FillValueOld::decode(c, ctx)?),
        types::FILL_VALUE => Message::FillValue(FillValue::decode(c, ctx)?),
        types::LINK => Message::Link(Link::decode(c, ctx)?),
        types::EXTERNAL => Message::External(ExternalFiles::decode(c, ctx)?),
        types::LAYOUT => Message::Layout(Layout::decode(c, ctx)?),
        types::BOGUS => {
            bogus::decode(c)?;
            Message::Bogus
        }
        types::GROUP_INFO => Message::GroupInfo(GroupInfo::decode(c, ctx)?),
        types::FILTER_PIPELINE => Message::FilterPipeline(FilterPipeline::decode(c, ctx)?),
        types::ATTRIBUTE => Message::Attribute(Attribute::decode(c, ctx)?),
        types::COMMENT => Message::Comment(Comment::decode(c, ctx)?),
        types::MODIFICATION_TIME_OLD => {
            Message::ModificationTimeOld(ModificationTimeOld::decode(c, ctx)?)
        }
        types::SHARED_MESSAGE_TABLE => {
            Message::SharedMessageTable(SharedMessageTable::decode(c, ctx)?)
        }
        types::CONTINUATION => Message::Continuation(Continuation::decode(c, ctx)?),
        types::SYMBOL_TABLE => Message::SymbolTable(SymbolTableMessage::decode(c, ctx)?),
        types::MODIFICATION_TIME => Message::ModificationTime(ModificationTime::decode(c, ctx)?),
        types::BTREE_K => Message::BtreeK(BtreeK::decode(c, ctx)?),
        types::DRIVER_INFO => Message::DriverInfo(DriverInfo::decode(c, ctx)?),
        types::ATTRIBUTE_INFO => Message::AttributeInfo(AttributeInfo::decode(c, ctx)?),
        types::REFCOUNT => Message::RefCount(RefCount::decode(c, ctx)?),
        types::FILE_SPACE_INFO => Message::FileSpaceInfo(FileSpaceInfo::decode(c, ctx)?),
        _ => {
            let fail = flags::FAIL_IF_UNKNOWN_ALWAYS
                | if for_write {
                    flags::FAIL_IF_UNKNOWN_AND_WRITING
                } else {
                    0
                };
            if raw.flags & fail != 0 {
                return Err(FormatError::new(
                    ErrorKind::UnknownMessage { message_type: t },
                    "object header message",
                    raw.offset,
                ));
            }
            Message::Unknown {
                msg_type: t,
                data: raw.data.clone(),
            }
        }
    })
}

impl Message {
    /// The message's type number.
    pub fn msg_type(&self) -> u16 {
        match self {
            Message::Nil => types::NIL,
            Message::Dataspace(_) => types::DATASPACE,
            Message::LinkInfo(_) => types::LINK_INFO,
            Message::Datatype(_) => types::DATATYPE,
            Message::FillValueOld(_) => types::FILL_VALUE_OLD,
            Message::FillValue(_) => types::FILL_VALUE,
            Message::Link(_) => types::LINK,
            Message::External(_) => types::EXTERNAL,
            Message::Layout(_) => types::LAYOUT,
            Message::Bogus => types::BOGUS,
            Message::GroupInfo(_) => types::GROUP_INFO,
            Message::FilterPipeline(_) => types::FILTER_PIPELINE,
            Message::Attribute(_) => types::ATTRIBUTE,
            Message::Comment(_) => types::COMMENT,
            Message::ModificationTimeOld(_) => types::MODIFICATION_TIME_OLD,
            Message::SharedMessageTable(_) => types::SHARED_MESSAGE_TABLE,
            Message::Continuation(_) => types::CONTINUATION,
            Message::SymbolTable(_) => types::SYMBOL_TABLE,
            Message::ModificationTime(_) => types::MODIFICATION_TIME,
            Message::BtreeK(_) => types::BTREE_K,
            Message::DriverInfo(_) => types::DRIVER_INFO,
            Message::AttributeInfo(_) => types::ATTRIBUTE_INFO,
            Message::RefCount(_) => types::REFCOUNT,
            Message::FileSpaceInfo(_) => types::FILE_SPACE_INFO,
            Message::Shared { msg_type, .. } | Message::Unknown { msg_type, .. } => *msg_type,
        }
    }

    /// Encodes the message body (for [`Message::Shared`], the shared message reference; the
    /// caller must then set flags bit 1 in the message header). `Nil` writes nothing.
    ///
    /// # Errors
    /// Any error of the message's encoder.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        match self {
            Message::Nil => Ok(()),
            Message::Dataspace(m) => m.encode(w, ctx),
            Message::LinkInfo(m) => m.encode(w, ctx),
            Message::Datatype(m) => m.encode(w, ctx),
            Message::FillValueOld(m) => m.encode(w, ctx),
            Message::FillValue(m) => m.encode(w, ctx),
            Message::Link(m) => m.encode(w, ctx),
            Message::External(m) => m.encode(w, ctx),
            Message::Layout(m) => m.encode(w, ctx),
            Message::Bogus => {
                bogus::encode(w);
                Ok(())
            }
            Message::GroupInfo(m) => m.encode(w, ctx),
            Message::FilterPipeline(m) => m.encode(w, ctx),
            Message::Attribute(m) => m.encode(w, ctx),
            Message::Comment(m) => m.encode(w, ctx),
            Message::ModificationTimeOld(m) => m.encode(w, ctx),
            Message::SharedMessageTable(m) => m.encode(w, ctx),
            Message::Continuation(m) => m.encode(w, ctx),
            Message::SymbolTable(m) => m.encode(w, ctx),
            Message::ModificationTime(m) => m.encode(w, ctx),
            Message::BtreeK(m) => m.encode(w, ctx),
            Message::DriverInfo(m) => m.encode(w, ctx),
            Message::AttributeInfo(m) => m.encode(w, ctx),
            Message::RefCount(m) => m.encode(w, ctx),
            Message::FileSpaceInfo(m) => m.encode(w, ctx),
            Message::Shared { shared, .. } => shared.encode(w, ctx),
            Message::Unknown { data, .. } => {
                w.bytes(data);
                Ok(())
            }
        }
    }

    /// Encodes the message into a [`RawMessage`] with `flags` (bit 1 is set for
    /// [`Message::Shared`]), ready for
    /// [`encode_object_header`](crate::object_header::encode_object_header).
    ///
    /// # Errors
    /// Any error of the message's encoder.
    pub fn to_raw(&self, flags: u8, ctx: &Context) -> Result<RawMessage> {
        let mut w = Writer::new();
        self.encode(&mut w, ctx)?;
        let flags = if matches!(self, Message::Shared { .. }) {
            flags | self::flags::SHARED
        } else {
            flags
        };
        Ok(RawMessage {
            msg_type: self.msg_type(),
            flags,
            creation_order: None,
            data: w.into_inner(),
            offset: 0,
        })
    }
}

/// `n` rounded up to a multiple of 8.
pub(crate) fn pad8(n: usize) -> usize {
    n.saturating_add(7) & !7
}

/// Bytes as a string, replacing sequences that are not UTF-8.
pub(crate) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object_header::message::shared::SharedLocation;

    fn raw(msg_type: u16, flags: u8, data: &[u8]) -> RawMessage {
        RawMessage {
            msg_type,
            flags,
            creation_order: None,
            data: data.to_vec(),
            offset: 4096,
        }
    }

    #[test]
    fn shared_flag_gives_shared_message() {
        let r = raw(
            types::DATATYPE,
            flags::SHARED | flags::CONSTANT,
            &[2, 2, 0x20, 1, 0, 0, 0, 0, 0, 0],
        );
        let m = decode(&r, &Context::DEFAULT).unwrap();
        assert_eq!(
            m,
            Message::Shared {
                msg_type: types::DATATYPE,
                shared: SharedMessage {
                    version: 2,
                    kind: 2,
                    location: SharedLocation::ObjectHeader { address: 0x120 }
                }
            }
        );
    }

    #[test]
    fn unknown_messages_and_fail_flags() {
        let r = raw(0x00ff, 0, &[1, 2, 3]);
        assert_eq!(
            decode(&r, &Context::DEFAULT).unwrap(),
            Message::Unknown {
                msg_type: 0xff,
                data: alloc::vec![1, 2, 3]
            }
        );
        let r = raw(0x00ff, flags::FAIL_IF_UNKNOWN_AND_WRITING, &[]);
        assert!(decode(&r, &Context::DEFAULT).is_ok());
        let e = decode_with_access(&r, &Context::DEFAULT, true).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownMessage { message_type: 0xff });
        assert_eq!(e.offset, 4096);
        let r = raw(0x0030, flags::FAIL_IF_UNKNOWN_ALWAYS, &[]);
        let e = decode(&r, &Context::DEFAULT).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnknownMessage { message_type: 0x30 });
    }

    #[test]
    fn errors_carry_body_offset_and_message_name() {
        let r = raw(types::CONTINUATION, 0, &[1, 2, 3]);
        let e = decode(&r, &Context::DEFAULT).unwrap_err();
        assert_eq!(e.offset, 4096);
        assert_eq!(e.structure, "object header continuation message");
    }

    #[test]
    fn to_raw_roundtrips_through_decode() {
        let m = Message::GroupInfo(GroupInfo::default());
        let r = m.to_raw(flags::CONSTANT, &Context::DEFAULT).unwrap();
        assert_eq!(r.data, [0, 0]);
        assert_eq!(decode(&r, &Context::DEFAULT).unwrap(), m);
    }
}
