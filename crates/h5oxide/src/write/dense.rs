//! Dense storage of links and attributes: the messages in a fractal heap, indexed by
//! version 2 B-trees of name hashes (types 5 and 8) and, where creation order is indexed,
//! of creation orders (types 6 and 9) (spec III.G, III.A.2, IV.A.2.c and IV.A.2.v).
//!
//! Like every other structure, dense storage is written copy-on-write: an edit writes a new
//! heap and new trees at the end of the file and points the link info or attribute info
//! message at them.

use h5oxide_format::btree_v2::{self, Record, RecordParams, TreeParams};
use h5oxide_format::checksum::lookup3;
use h5oxide_format::cursor::Cursor;
use h5oxide_format::heap::fractal::{self, encode::encode_heap, HeapParams};
use h5oxide_format::object_header::message::attribute::Attribute as AttrMessage;
use h5oxide_format::object_header::message::attribute_info::AttributeInfo;
use h5oxide_format::object_header::message::link::Link as LinkMessage;
use h5oxide_format::object_header::message::{self as message, types, Message};
use h5oxide_format::object_header::{prefix, ObjectHeader, RawMessage};
use h5oxide_format::{Context, UNDEFINED_ADDRESS};

use crate::error::{Error, Result};
use crate::file::File;
use crate::write::alloc::{Sink, WriteState};
use crate::write::object_header::{raw, sink_of};

/// Where dense storage lives: heap, name index and (when indexed) creation-order index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DenseAddresses {
    pub(crate) heap: u64,
    pub(crate) name_index: u64,
    pub(crate) order_index: Option<u64>,
}

/// An attribute message held in dense storage.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DenseAttr {
    pub(crate) name: String,
    /// The encoded attribute message body.
    pub(crate) body: Vec<u8>,
    /// Object header message flags of the message.
    pub(crate) flags: u8,
    pub(crate) creation_order: u32,
}

/// Writes `image_of(address)` at a new place at the end of the file. The image's length
/// does not depend on its address, so it is built once to size the allocation.
fn place_image(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    image_of: &mut dyn FnMut(u64) -> Result<Vec<u8>>,
) -> Result<u64> {
    let len = image_of(0)?.len() as u64;
    let at = ws.alloc(len)?;
    let image = image_of(at)?;
    sink.write(at, &image)?;
    Ok(at)
}

/// Dense storage (heap, name index, creation-order index) about to be replaced: each is one
/// block this writer placed (see `place_image`), given back to the allocator; structures
/// other writers placed (size unknown here) are left alone.
pub(crate) fn retire_storage(ws: &mut WriteState, addresses: [u64; 3]) {
    for a in addresses {
        if a != UNDEFINED_ADDRESS {
            ws.superseded_block(Some(a), UNDEFINED_ADDRESS);
        }
    }
}

/// Writes a heap holding `objects`; returns its address and the objects' heap IDs.
fn write_heap(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    objects: &[&[u8]],
    params: &HeapParams,
    ctx: &Context,
) -> Result<(u64, Vec<Vec<u8>>)> {
    let mut ids = Vec::new();
    let at = place_image(ws, sink, &mut |base| {
        let h = encode_heap(objects, params, base, ctx)?;
        ids = h.ids;
        Ok(h.image)
    })?;
    Ok((at, ids))
}

/// Writes a B-tree holding `records`, already in the tree's key order.
fn write_tree(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    tree_type: u8,
    records: &[Record],
    ctx: &Context,
) -> Result<u64> {
    let rp = RecordParams::default();
    let tp = TreeParams::new(tree_type, ctx, &rp)?;
    place_image(ws, sink, &mut |base| {
        Ok(btree_v2::encode_tree(records, &tp, ctx, &rp, base)?.image)
    })
}

fn id_array<const N: usize>(id: &[u8]) -> [u8; N] {
    let mut a = [0u8; N];
    let n = id.len().min(N);
    a[..n].copy_from_slice(&id[..n]);
    a
}

/// Writes dense storage for `links`: the link messages in a heap, the name index, and the
/// creation-order index when `index_order` (links without an order sort first there).
pub(crate) fn write_links(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    links: &[LinkMessage],
    index_order: bool,
    ctx: &Context,
) -> Result<DenseAddresses> {
    let bodies = links
        .iter()
        .map(|l| Ok(Message::Link(l.clone()).to_raw(0, ctx)?.data))
        .collect::<Result<Vec<Vec<u8>>>>()?;
    let refs: Vec<&[u8]> = bodies.iter().map(Vec::as_slice).collect();
    let (heap, ids) = write_heap(ws, sink, &refs, &HeapParams::LINKS, ctx)?;
    // Name index: by hash, equal hashes by name (libhdf5's H5G__dense_btree2_name_compare).
    let mut by_name: Vec<(u32, &[u8], [u8; 7])> = links
        .iter()
        .zip(&ids)
        .map(|(l, id)| (lookup3(l.name.as_bytes()), l.name.as_bytes(), id_array(id)))
        .collect();
    by_name.sort();
    let records: Vec<Record> = by_name
        .into_iter()
        .map(|(hash, _, heap_id)| Record::LinkName { hash, heap_id })
        .collect();
    let name_index = write_tree(ws, sink, 5, &records, ctx)?;
    let order_index = if index_order {
        let mut records: Vec<Record> = links
            .iter()
            .zip(&ids)
            .map(|(l, id)| Record::LinkCreationOrder {
                creation_order: l.creation_order.unwrap_or(0),
                heap_id: id_array(id),
            })
            .collect();
        records.sort_by_key(|r| match r {
            Record::LinkCreationOrder { creation_order, .. } => *creation_order,
            _ => 0,
        });
        Some(write_tree(ws, sink, 6, &records, ctx)?)
    } else {
        None
    };
    Ok(DenseAddresses {
        heap,
        name_index,
        order_index,
    })
}

/// The heap objects a dense name index lists, in index order, each with what `pick` kept
/// of its record (records `pick` refuses are skipped).
fn indexed_objects<T>(
    file: &File,
    heap: u64,
    name_index: u64,
    pick: &mut dyn FnMut(Record) -> Option<(T, Vec<u8>)>,
) -> Result<Vec<(T, Vec<u8>)>> {
    let i = &file.inner;
    let mut reader = fractal::HeapReader::new(fractal::read_header(&i.src, heap, &i.ctx)?);
    let mut recs = Vec::new();
    btree_v2::walk(
        &i.src,
        name_index,
        &i.ctx,
        &i.limits,
        &RecordParams::default(),
        &mut |r| {
            recs.extend(pick(r));
            Ok(())
        },
    )?;
    let mut out = Vec::with_capacity(recs.len());
    for (t, id) in recs {
        let bytes = reader.read(&i.src, &id, &i.ctx, &i.limits)?;
        out.push((t, bytes));
    }
    Ok(out)
}

/// The link messages of a dense group, in name-index order.
pub(crate) fn read_links(file: &File, heap: u64, name_index: u64) -> Result<Vec<LinkMessage>> {
    let objects = indexed_objects(file, heap, name_index, &mut |r| match r {
        Record::LinkName { heap_id, .. } => Some(((), heap_id.to_vec())),
        _ => None,
    })?;
    let ctx = &file.inner.ctx;
    objects
        .into_iter()
        .map(|((), bytes)| {
            let mut c = Cursor::new(&bytes, heap, "link message (dense)");
            Ok(LinkMessage::decode(&mut c, ctx)?)
        })
        .collect()
}

/// Writes dense storage for `attrs`: the attribute messages in a heap, the name index, and
/// the creation-order index when `index_order`.
pub(crate) fn write_attributes(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    attrs: &[DenseAttr],
    index_order: bool,
    ctx: &Context,
) -> Result<DenseAddresses> {
    let refs: Vec<&[u8]> = attrs.iter().map(|a| a.body.as_slice()).collect();
    let (heap, ids) = write_heap(ws, sink, &refs, &HeapParams::ATTRIBUTES, ctx)?;
    let mut by_name: Vec<(u32, &[u8], usize)> = attrs
        .iter()
        .enumerate()
        .map(|(k, a)| (lookup3(a.name.as_bytes()), a.name.as_bytes(), k))
        .collect();
    by_name.sort();
    let records: Vec<Record> = by_name
        .into_iter()
        .map(|(hash, _, k)| Record::AttributeName {
            heap_id: id_array(&ids[k]),
            message_flags: attrs[k].flags,
            creation_order: attrs[k].creation_order,
            hash,
        })
        .collect();
    let name_index = write_tree(ws, sink, 8, &records, ctx)?;
    let order_index = if index_order {
        let mut order: Vec<usize> = (0..attrs.len()).collect();
        order.sort_by_key(|&k| attrs[k].creation_order);
        let records: Vec<Record> = order
            .into_iter()
            .map(|k| Record::AttributeCreationOrder {
                heap_id: id_array(&ids[k]),
                message_flags: attrs[k].flags,
                creation_order: attrs[k].creation_order,
            })
            .collect();
        Some(write_tree(ws, sink, 9, &records, ctx)?)
    } else {
        None
    };
    Ok(DenseAddresses {
        heap,
        name_index,
        order_index,
    })
}

/// The attribute messages of an object with dense attribute storage.
pub(crate) fn read_attributes(file: &File, heap: u64, name_index: u64) -> Result<Vec<DenseAttr>> {
    let objects = indexed_objects(file, heap, name_index, &mut |r| match r {
        Record::AttributeName {
            heap_id,
            message_flags,
            creation_order,
            ..
        } => Some(((message_flags, creation_order), heap_id.to_vec())),
        _ => None,
    })?;
    let ctx = &file.inner.ctx;
    objects
        .into_iter()
        .map(|((flags, creation_order), body)| {
            let mut c = Cursor::new(&body, heap, "attribute message (dense)");
            let name = AttrMessage::decode(&mut c, ctx)?.name;
            Ok(DenseAttr {
                name,
                body,
                flags,
                creation_order,
            })
        })
        .collect()
}

/// Largest message body an object header holds (libhdf5's `H5O_MESG_MAX_SIZE` less one:
/// the size field is 16 bits).
const MAX_MESSAGE: usize = 65_535;

/// Rewrites the attributes of the object whose header is `h` after `f` edited them, in
/// compact or dense storage as libhdf5 chooses (H5O__attr_create, H5O__attr_remove_update):
/// a version 2 header goes dense when it has more attributes than its max compact value
/// (8 unless the header stores others) or a message too large for a header, and back to
/// compact below min dense (6) when every message fits a header. `f` gets the attributes
/// and the creation order the next new attribute takes.
///
/// # Errors
/// `Usage` for an attribute message larger than 64 KiB in a version 1 header (only dense
/// storage holds it, which version 1 headers cannot have); whatever `f` returns; read and
/// write errors.
pub(crate) fn edit_attributes(
    file: &File,
    h: &mut ObjectHeader,
    ws: &mut WriteState,
    f: &mut dyn FnMut(&mut Vec<DenseAttr>, u32) -> Result<()>,
) -> Result<()> {
    let ctx = file.inner.ctx;
    let mut items = Vec::new();
    let mut info: Option<(usize, AttributeInfo)> = None;
    for (k, m) in h.messages.iter().enumerate() {
        if m.msg_type == types::ATTRIBUTE {
            if let Message::Attribute(a) = message::decode(m, &ctx)? {
                items.push(DenseAttr {
                    name: a.name,
                    body: m.data.clone(),
                    flags: m.flags,
                    creation_order: u32::from(m.creation_order.unwrap_or(0)),
                });
            }
        } else if m.msg_type == types::ATTRIBUTE_INFO {
            if let Message::AttributeInfo(i) = message::decode(m, &ctx)? {
                info = Some((k, i));
            }
        }
    }
    let was_dense = match &info {
        Some((_, i)) if i.fractal_heap_address != UNDEFINED_ADDRESS => {
            items.extend(read_attributes(
                file,
                i.fractal_heap_address,
                i.name_index_address,
            )?);
            true
        }
        _ => false,
    };
    let tracked = h.flags & prefix::flags::ATTR_CREATION_ORDER_TRACKED != 0;
    let indexed = h.flags & prefix::flags::ATTR_CREATION_ORDER_INDEXED != 0
        || info
            .as_ref()
            .is_some_and(|(_, i)| i.creation_order_index_address.is_some());
    // The attribute info message holds the next index to give (libhdf5's max_crt_idx).
    let stored_next = info
        .as_ref()
        .and_then(|(_, i)| i.max_creation_index)
        .map_or(0, u32::from);
    let next = items
        .iter()
        .map(|a| a.creation_order.saturating_add(1))
        .max()
        .unwrap_or(0)
        .max(stored_next);
    f(&mut items, next)?;

    let large = items.iter().any(|a| a.body.len() > MAX_MESSAGE);
    if h.version < 2 && large {
        return Err(Error::Usage(
            "an attribute larger than 64 KiB needs dense attribute storage, which only \
             files of libver latest (version 2 object headers) hold",
        ));
    }
    let (max_compact, min_dense) = h.attribute_phase_change.map_or((8, 6), |p| {
        (usize::from(p.max_compact), usize::from(p.min_dense))
    });
    let dense = h.version >= 2
        && (large
            || if was_dense {
                items.len() >= min_dense
            } else {
                items.len() > max_compact
            });
    let new_next = items
        .iter()
        .map(|a| a.creation_order.saturating_add(1))
        .max()
        .unwrap_or(0)
        .max(stored_next);
    let max_creation_index = tracked.then(|| u16::try_from(new_next).unwrap_or(u16::MAX));
    h.messages.retain(|m| m.msg_type != types::ATTRIBUTE);
    let mut new_info = match &info {
        Some((_, i)) => *i,
        None => AttributeInfo {
            max_creation_index,
            fractal_heap_address: UNDEFINED_ADDRESS,
            name_index_address: UNDEFINED_ADDRESS,
            creation_order_index_address: indexed.then_some(UNDEFINED_ADDRESS),
        },
    };
    new_info.max_creation_index = max_creation_index;
    if let Some((_, i)) = &info {
        retire_storage(
            ws,
            [
                i.fractal_heap_address,
                i.name_index_address,
                i.creation_order_index_address.unwrap_or(UNDEFINED_ADDRESS),
            ],
        );
    }
    if dense {
        let sink = sink_of(file, ws);
        let at = write_attributes(ws, &sink, &items, indexed, &ctx)?;
        new_info.fractal_heap_address = at.heap;
        new_info.name_index_address = at.name_index;
        new_info.creation_order_index_address = at.order_index;
    } else {
        new_info.fractal_heap_address = UNDEFINED_ADDRESS;
        new_info.name_index_address = UNDEFINED_ADDRESS;
        if indexed {
            new_info.creation_order_index_address = Some(UNDEFINED_ADDRESS);
        }
        for a in &items {
            h.messages.push(RawMessage {
                msg_type: types::ATTRIBUTE,
                flags: a.flags,
                creation_order: tracked
                    .then(|| u16::try_from(a.creation_order).unwrap_or(u16::MAX)),
                data: a.body.clone(),
                offset: 0,
            });
        }
    }
    // The attribute info message is kept where it was, or added when dense storage needs
    // it; a header without one that stays compact is left without.
    let pos = h
        .messages
        .iter()
        .position(|m| m.msg_type == types::ATTRIBUTE_INFO);
    match pos {
        Some(k) => {
            let flags = h.messages[k].flags;
            h.messages[k] = raw(&Message::AttributeInfo(new_info), flags, &ctx)?;
        }
        None if dense => {
            h.messages
                .push(raw(&Message::AttributeInfo(new_info), 0, &ctx)?);
        }
        None => {}
    }
    Ok(())
}
