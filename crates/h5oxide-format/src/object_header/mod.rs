//! Data object headers (spec IV.A): prefixes v1 and v2, messages, continuation chains.
//!
//! [`read_object_header`] reads a whole header, following its continuation blocks, and
//! returns its messages raw; [`message::decode`] turns each into a typed message.
//! [`encode_object_header`] writes a header as one chunk.

pub mod message;
pub mod prefix;

#[cfg(test)]
mod tests;

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use crate::checksum::lookup3;
use crate::context::{Context, UNDEFINED_ADDRESS};
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::limits::Limits;
use crate::source::{out_of_range, ReadAt};

use message::continuation::Continuation;
use message::types;
use prefix::{AttributePhaseChange, ObjectTimes, PrefixV1, PrefixV2, CHECKSUM_LEN, OCHK_SIGNATURE};

const STRUCTURE: &str = "object header";
const CONT_STRUCTURE: &str = "object header continuation block";

/// One message of an object header, undecoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    /// Message type (spec IV.A.2).
    pub msg_type: u16,
    /// Message flags (spec IV.A.1.a, "Header Message Flags"); see
    /// [`message::flags`].
    pub flags: u8,
    /// Creation order, stored in version 2 headers that track attribute creation order.
    pub creation_order: Option<u16>,
    /// The message body (in version 1 headers, with its padding to 8 bytes).
    pub data: Vec<u8>,
    /// File offset of the message body (0 for messages built in memory).
    pub offset: u64,
}

/// A data object header with all its messages, from every chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHeader {
    /// Header version, 1 or 2.
    pub version: u8,
    /// Version 2 header flags (see [`prefix::flags`]); 0 for version 1.
    pub flags: u8,
    /// Version 1 only: the prefix's object reference count. Version 2 headers store it in a
    /// reference count message (1 when absent).
    pub refcount: Option<u32>,
    /// Version 1 only: the prefix's total number of messages (NIL messages included).
    pub message_count: Option<u16>,
    /// Version 2 only: access, modification, change and birth times, when stored.
    pub times: Option<ObjectTimes>,
    /// Version 2 only: attribute phase change values, when stored.
    pub attribute_phase_change: Option<AttributePhaseChange>,
    /// Every message except NIL messages, in file order: chunk 0 first, then each
    /// continuation block in the order the continuation messages were found. Continuation
    /// messages themselves are included.
    pub messages: Vec<RawMessage>,
    /// Address and size of each chunk. Chunk 0 starts at the header's address and its size
    /// covers the prefix, the messages and (version 2) the checksum; continuation blocks are
    /// as their continuation messages give them.
    pub chunks: Vec<(u64, u64)>,
}

impl ObjectHeader {
    /// A version 1 header with these messages and reference count 1.
    pub fn v1(messages: Vec<RawMessage>) -> Self {
        ObjectHeader {
            version: 1,
            flags: 0,
            refcount: Some(1),
            message_count: None,
            times: None,
            attribute_phase_change: None,
            messages,
            chunks: Vec::new(),
        }
    }

    /// A version 2 header with these flags (bits 2-3 are kept; the others follow from the
    /// optional fields and the size) and messages.
    pub fn v2(flags: u8, messages: Vec<RawMessage>) -> Self {
        ObjectHeader {
            version: 2,
            flags,
            refcount: None,
            message_count: None,
            times: None,
            attribute_phase_change: None,
            messages,
            chunks: Vec::new(),
        }
    }
}

/// Bytes of a message's header (type, size, flags, reserved or creation order).
pub fn message_header_len(version: u8, header_flags: u8) -> usize {
    if version == 1 {
        8
    } else if header_flags & prefix::flags::ATTR_CREATION_ORDER_TRACKED != 0 {
        6
    } else {
        4
    }
}

/// A continuation block to read: (address, length, offset of the message that named it).
type Pending = (u64, u64, u64);

/// Reads the object header at `address`: its prefix, chunk 0 and every continuation block.
///
/// Every chunk is bounded by the source's size and by `limits.max_structure_bytes` (which
/// also bounds the sum of all chunks); the continuation chain by
/// `limits.max_continuations` and a set of visited addresses; the message count by
/// `limits.max_messages`. Version 2 checksums are verified before a chunk's messages are
/// read.
///
/// # Errors
/// `AddressOutOfRange` for an address outside the source; `UnexpectedEof` when a chunk or a
/// message runs past the end of the source or of its chunk; `BadSignature`,
/// `UnsupportedVersion`, `ChecksumMismatch` (at the offset of the stored checksum), `Cycle`
/// when a continuation block is reached twice, `LimitExceeded`, `InvalidValue` for a
/// continuation with an undefined address or an impossible length; the source's own errors.
pub fn read_object_header<S: ReadAt + ?Sized>(
    src: &S,
    address: u64,
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<ObjectHeader, S::Error> {
    let eof = src.size();
    if address == UNDEFINED_ADDRESS || address >= eof {
        return Err(out_of_range(address, eof, STRUCTURE).into());
    }
    let mut hdr = ObjectHeader {
        version: 0,
        flags: 0,
        refcount: None,
        message_count: None,
        times: None,
        attribute_phase_change: None,
        messages: Vec::new(),
        chunks: Vec::new(),
    };
    let mut pending: Vec<Pending> = Vec::new();
    let mut total: u64 = 0;

    // Chunk 0: the prefix tells its length.
    let head = src.read_up_to(address, PrefixV2::MAX_LEN)?;
    if head.first() == Some(&1) {
        let p = PrefixV1::decode(&mut Cursor::new(&head, address, STRUCTURE))?;
        drop(head);
        let len = PrefixV1::LEN as u64 + u64::from(p.chunk0_size);
        let chunk = read_chunk(src, address, len, eof, limits, &mut total, STRUCTURE)?;
        hdr.version = 1;
        hdr.refcount = Some(p.refcount);
        hdr.message_count = Some(p.message_count);
        let mut cur = Cursor::new(&chunk, address, STRUCTURE);
        cur.skip(PrefixV1::LEN)?;
        parse_messages(&mut cur, &mut hdr, &mut pending, ctx, limits)?;
        hdr.chunks.push((address, len));
    } else {
        let p = PrefixV2::decode(&mut Cursor::new(&head, address, STRUCTURE))?;
        drop(head);
        let plen = p.encoded_len() as u64;
        let len = plen
            .checked_add(p.chunk0_size)
            .and_then(|n| n.checked_add(CHECKSUM_LEN as u64))
            .ok_or_else(|| too_large(address, p.chunk0_size, limits))?;
        let chunk = read_chunk(src, address, len, eof, limits, &mut total, STRUCTURE)?;
        let body = verify_checksum(&chunk, address, STRUCTURE)?;
        hdr.version = 2;
        hdr.flags = p.flags;
        hdr.times = p.times;
        hdr.attribute_phase_change = p.phase_change;
        let mut cur = Cursor::new(body, address, STRUCTURE);
        cur.skip(p.encoded_len())?;
        parse_messages(&mut cur, &mut hdr, &mut pending, ctx, limits)?;
        hdr.chunks.push((address, len));
    }

    // Continuation blocks, in the order their messages were found.
    let mut visited = BTreeSet::new();
    visited.insert(address);
    let mut next = 0;
    while let Some(&(addr, len, from)) = pending.get(next) {
        next += 1;
        Limits::check(
            "max_continuations",
            next as u64,
            u64::from(limits.max_continuations),
            CONT_STRUCTURE,
            from,
        )?;
        if !visited.insert(addr) {
            return Err(
                FormatError::new(ErrorKind::Cycle { address: addr }, CONT_STRUCTURE, from).into(),
            );
        }
        if addr == UNDEFINED_ADDRESS || addr >= eof {
            return Err(out_of_range(addr, eof, CONT_STRUCTURE).into());
        }
        let min = if hdr.version == 1 {
            0
        } else {
            (OCHK_SIGNATURE.len() + CHECKSUM_LEN) as u64
        };
        if len < min || len == 0 {
            return Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "continuation length",
                    value: len,
                },
                "object header continuation message",
                from,
            )
            .into());
        }
        let chunk = read_chunk(src, addr, len, eof, limits, &mut total, CONT_STRUCTURE)?;
        if hdr.version == 1 {
            let mut cur = Cursor::new(&chunk, addr, CONT_STRUCTURE);
            parse_messages(&mut cur, &mut hdr, &mut pending, ctx, limits)?;
        } else {
            let body = verify_checksum(&chunk, addr, CONT_STRUCTURE)?;
            let mut cur = Cursor::new(body, addr, CONT_STRUCTURE);
            cur.signature(OCHK_SIGNATURE)?;
            parse_messages(&mut cur, &mut hdr, &mut pending, ctx, limits)?;
        }
        hdr.chunks.push((addr, len));
    }
    Ok(hdr)
}

fn too_large(address: u64, size: u64, limits: &Limits) -> FormatError {
    FormatError::new(
        ErrorKind::LimitExceeded {
            limit: "max_structure_bytes",
            requested: size,
            allowed: limits.max_structure_bytes,
        },
        STRUCTURE,
        address,
    )
}

/// Reads one chunk after checking it against the limits and the end of the source.
fn read_chunk<'s, S: ReadAt + ?Sized>(
    src: &'s S,
    address: u64,
    len: u64,
    eof: u64,
    limits: &Limits,
    total: &mut u64,
    structure: &'static str,
) -> core::result::Result<alloc::borrow::Cow<'s, [u8]>, S::Error> {
    limits.structure_size(len, structure, address)?;
    *total = total.saturating_add(len);
    Limits::check(
        "max_structure_bytes",
        *total,
        limits.max_structure_bytes,
        STRUCTURE,
        address,
    )?;
    let available = eof.saturating_sub(address);
    if len > available {
        return Err(FormatError::new(
            ErrorKind::UnexpectedEof {
                needed: len,
                available,
            },
            structure,
            eof,
        )
        .into());
    }
    // len <= max_structure_bytes was checked, but usize may still be narrower than u64.
    let n = usize::try_from(len).map_err(|_| too_large(address, len, limits))?;
    src.read_at(address, n)
}

/// Checks the lookup3 checksum in the last 4 bytes of a version 2 chunk and returns the
/// bytes before it.
fn verify_checksum<'a>(chunk: &'a [u8], address: u64, structure: &'static str) -> Result<&'a [u8]> {
    let split = chunk.len().checked_sub(CHECKSUM_LEN).ok_or_else(|| {
        FormatError::new(
            ErrorKind::UnexpectedEof {
                needed: CHECKSUM_LEN as u64,
                available: chunk.len() as u64,
            },
            structure,
            address,
        )
    })?;
    let (body, sum) = chunk.split_at(split);
    let stored = u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]);
    let computed = lookup3(body);
    if stored != computed {
        return Err(FormatError::new(
            ErrorKind::ChecksumMismatch { stored, computed },
            structure,
            address + split as u64,
        ));
    }
    Ok(body)
}

/// Reads the messages of one chunk (the cursor is cut to the message area).
fn parse_messages(
    cur: &mut Cursor<'_>,
    hdr: &mut ObjectHeader,
    pending: &mut Vec<Pending>,
    ctx: &Context,
    limits: &Limits,
) -> Result<()> {
    let v1 = hdr.version == 1;
    let header_len = message_header_len(hdr.version, hdr.flags);
    while !cur.is_empty() {
        if !v1 && cur.remaining() < header_len {
            // spec IV.A.1.b: a gap smaller than a message header ends the chunk.
            cur.skip(cur.remaining())?;
            break;
        }
        let (msg_type, size, flags, creation_order) = if v1 {
            let t = cur.u16()?;
            let size = cur.u16()?;
            let flags = cur.u8()?;
            cur.skip(3)?;
            (t, size, flags, None)
        } else {
            let t = u16::from(cur.u8()?);
            let size = cur.u16()?;
            let flags = cur.u8()?;
            let co = if hdr.flags & prefix::flags::ATTR_CREATION_ORDER_TRACKED != 0 {
                Some(cur.u16()?)
            } else {
                None
            };
            (t, size, flags, co)
        };
        let offset = cur.offset();
        let mut body = cur
            .split(usize::from(size))
            .map_err(|e| e.in_structure(message::structure_name(msg_type)))?;
        if msg_type == types::NIL {
            continue;
        }
        Limits::check(
            "max_messages",
            hdr.messages.len() as u64 + 1,
            u64::from(limits.max_messages),
            STRUCTURE,
            offset,
        )?;
        if msg_type == types::CONTINUATION && flags & message::flags::SHARED == 0 {
            let c = Continuation::decode(
                &mut body.clone().named("object header continuation message"),
                ctx,
            )?;
            pending.push((c.address, c.length, offset));
        }
        hdr.messages.push(RawMessage {
            msg_type,
            flags,
            creation_order,
            data: body.bytes(body.remaining())?.to_vec(),
            offset,
        });
    }
    Ok(())
}

fn overflow(field: &'static str, at: usize) -> FormatError {
    FormatError::new(ErrorKind::EncodeOverflow { field }, STRUCTURE, at as u64)
}

/// Appends the messages of one chunk (headers and bodies; version 1 bodies padded to 8).
fn encode_messages(
    w: &mut Writer,
    version: u8,
    header_flags: u8,
    messages: &[RawMessage],
) -> Result<()> {
    for m in messages {
        let len = if version == 1 {
            message::pad8(m.data.len())
        } else {
            m.data.len()
        };
        let size =
            u16::try_from(len).map_err(|_| overflow("size of header message data", w.len()))?;
        if version == 1 {
            w.u16(m.msg_type);
        } else {
            let t =
                u8::try_from(m.msg_type).map_err(|_| overflow("header message type", w.len()))?;
            w.u8(t);
        }
        w.u16(size);
        w.u8(m.flags);
        if version == 1 {
            w.zeros(3);
        } else if header_flags & prefix::flags::ATTR_CREATION_ORDER_TRACKED != 0 {
            w.u16(m.creation_order.unwrap_or(0));
        }
        w.bytes(&m.data);
        w.zeros(len - m.data.len());
    }
    Ok(())
}

/// Encodes `header` as a single chunk: prefix, messages (in order, NIL messages included
/// as given) and, for version 2, the checksum. `header.chunks` and the messages' offsets are
/// ignored.
///
/// Version 1: the message count is the number of messages, the reference count
/// `header.refcount` (1 if `None`), bodies are padded to 8 bytes. Version 2: flags bits 4
/// and 5 are set from `attribute_phase_change` and `times`, bits 0-1 select the narrowest
/// chunk size field (as libhdf5 does), bits 2-3 are kept from `header.flags`; with bit 2 a
/// missing creation order is written as 0.
///
/// # Errors
/// `UnsupportedVersion` for versions other than 1 and 2; `EncodeOverflow` if a body is
/// longer than 65535 bytes, a version 2 message type above 255, or (version 1) more than
/// 65535 messages or a chunk of 4 GiB.
pub fn encode_object_header(header: &ObjectHeader) -> Result<Vec<u8>> {
    let mut body = Writer::new();
    match header.version {
        1 => {
            encode_messages(&mut body, 1, 0, &header.messages)?;
            let count = u16::try_from(header.messages.len())
                .map_err(|_| overflow("total number of header messages", 0))?;
            let size = u32::try_from(body.len()).map_err(|_| overflow("object header size", 0))?;
            let mut w = Writer::with_capacity(PrefixV1::LEN + body.len());
            PrefixV1 {
                message_count: count,
                refcount: header.refcount.unwrap_or(1),
                chunk0_size: size,
            }
            .encode(&mut w);
            w.bytes(body.as_slice());
            Ok(w.into_inner())
        }
        2 => {
            let keep = prefix::flags::ATTR_CREATION_ORDER_TRACKED
                | prefix::flags::ATTR_CREATION_ORDER_INDEXED;
            let mut flags = header.flags & keep;
            if header.times.is_some() {
                flags |= prefix::flags::TIMES_STORED;
            }
            if header.attribute_phase_change.is_some() {
                flags |= prefix::flags::ATTR_PHASE_CHANGE_STORED;
            }
            encode_messages(&mut body, 2, flags, &header.messages)?;
            let size = body.len() as u64;
            flags |= prefix::chunk0_size_code(size);
            let p = PrefixV2 {
                flags,
                times: header.times,
                phase_change: header.attribute_phase_change,
                chunk0_size: size,
            };
            let mut w = Writer::with_capacity(p.encoded_len() + body.len() + CHECKSUM_LEN);
            p.encode(&mut w)?;
            w.bytes(body.as_slice());
            w.checksum_from(0);
            Ok(w.into_inner())
        }
        version => Err(FormatError::new(
            ErrorKind::UnsupportedVersion { version },
            STRUCTURE,
            0,
        )),
    }
}

/// Encodes a continuation block holding `messages`: raw messages for version 1 headers,
/// "OCHK", messages and checksum for version 2 (`header_flags` says whether messages carry
/// a creation order). Its length is what the continuation message must state.
///
/// # Errors
/// `UnsupportedVersion` for versions other than 1 and 2; `EncodeOverflow` as for
/// [`encode_object_header`].
pub fn encode_continuation_block(
    version: u8,
    header_flags: u8,
    messages: &[RawMessage],
) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    match version {
        1 => encode_messages(&mut w, 1, 0, messages)?,
        2 => {
            w.bytes(OCHK_SIGNATURE);
            encode_messages(&mut w, 2, header_flags, messages)?;
            w.checksum_from(0);
        }
        version => {
            return Err(FormatError::new(
                ErrorKind::UnsupportedVersion { version },
                CONT_STRUCTURE,
                0,
            ))
        }
    }
    Ok(w.into_inner())
}
