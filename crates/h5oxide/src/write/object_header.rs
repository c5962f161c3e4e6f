//! Writing object headers copy-on-write, relinking moved objects in their parent groups.

use std::collections::{HashMap, HashSet};

use h5oxide_format::object_header::message::{types, Message};
use h5oxide_format::object_header::{encode_object_header, ObjectHeader, RawMessage};
use h5oxide_format::Context;

use crate::error::Result;
use crate::file::File;
use crate::group::{Group, Link};
use crate::object::ObjectKind;
use crate::write::alloc::{Sink, WriteState};
use crate::write::Libver;

/// A new, empty header of the generation `libver` writes.
pub(crate) fn new_header(libver: Libver, messages: Vec<RawMessage>) -> ObjectHeader {
    match libver {
        Libver::Earliest => ObjectHeader::v1(messages),
        Libver::Latest => ObjectHeader::v2(0, messages),
    }
}

/// Encodes `m` as a raw message with header flags `flags`.
pub(crate) fn raw(m: &Message, flags: u8, ctx: &Context) -> Result<RawMessage> {
    Ok(m.to_raw(flags, ctx)?)
}

/// Writes `h` at `old` if that is scratch space it fits in, else at a new place with room
/// to grow. Returns its address.
pub(crate) fn put_header(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    old: Option<u64>,
    h: &ObjectHeader,
) -> Result<u64> {
    let bytes = encode_object_header(h)?;
    let at = ws.place_header(old, bytes.len() as u64)?;
    sink.write(at, &bytes)?;
    crate::write::ref_patch::note_header(ws, at, h);
    Ok(at)
}

/// The sink of an open writable file.
pub(crate) fn sink_of<'a>(file: &'a File, ws: &WriteState) -> Sink<'a> {
    Sink::new(file.inner.src.backend(), file.inner.src.base(), ws)
}

/// Makes sure the reverse index of hard links exists: a walk from the root, once.
pub(crate) fn ensure_parents(file: &File, ws: &mut WriteState) -> Result<()> {
    if ws.parents.is_some() {
        return Ok(());
    }
    let mut index: HashMap<u64, Vec<(u64, String)>> = HashMap::new();
    let mut seen = HashSet::new();
    let mut stack = vec![ws.root()];
    seen.insert(ws.root());
    // The visited set ends the walk on hard-link cycles.
    while let Some(g) = stack.pop() {
        let group = Group {
            file: file.clone(),
            address: g,
            path: String::new(),
        };
        for (name, link) in group.links()? {
            if let Link::Hard { address } = link {
                index.entry(address).or_default().push((g, name));
                if seen.insert(address) && file.kind_of(address)? == ObjectKind::Group {
                    stack.push(address);
                }
            }
        }
    }
    ws.parents = Some(index);
    crate::write::ref_patch::note_walk(file, ws, &seen)
}

/// Rewrites the object at `addr` (its current address is looked up) after `edit` changed
/// its messages; moves it if it is live or outgrew its space, then relinks it everywhere.
/// Returns the new address.
pub(crate) fn rewrite(
    file: &File,
    ws: &mut WriteState,
    addr: u64,
    edit: &mut dyn FnMut(&mut ObjectHeader, &mut WriteState) -> Result<()>,
) -> Result<u64> {
    let addr = file.inner.resolve(addr);
    let old = file.header(addr)?;
    let messages: Vec<RawMessage> = old
        .messages
        .iter()
        .filter(|m| m.msg_type != types::CONTINUATION && m.msg_type != types::NIL)
        .cloned()
        .collect();
    let mut h = ObjectHeader {
        version: old.version,
        flags: old.flags,
        refcount: old.refcount,
        message_count: None,
        times: old.times,
        attribute_phase_change: old.attribute_phase_change,
        messages,
        chunks: Vec::new(),
    };
    edit(&mut h, ws)?;
    let sink = sink_of(file, ws);
    let new = put_header(ws, &sink, Some(addr), &h)?;
    // A group whose links are held in memory keeps its cached link list (kept equal to
    // them): a header rewrite does not change them, and rebuilding it costs O(N).
    let held = if crate::write::pending_links::contains(file, addr) {
        let l = file.inner.links.lock().unwrap_or_else(|e| e.into_inner());
        l.get(&addr).cloned()
    } else {
        None
    };
    file.inner.forget(&[addr, new]);
    if let Some(l) = held {
        let mut c = file.inner.links.lock().unwrap_or_else(|e| e.into_inner());
        c.insert(new, l);
    }
    if new != addr {
        ws.retire_header(&old);
        relocated(file, ws, addr, new)?;
    }
    Ok(new)
}

/// Records that the object at `old` now lives at `new` and relinks it in every group that
/// links to it (which may move those groups in turn, up to the root).
fn relocated(file: &File, ws: &mut WriteState, old: u64, new: u64) -> Result<()> {
    {
        // Handles holding addresses older than `old` reach `new` through the chain
        // old -> new (`FileInner::resolve` follows it): one entry per move, not a pass over
        // every earlier move. `new` is where the object is now, so it forwards nowhere (the
        // same object may move back to an address it had).
        let mut f = file.inner.forward.lock().unwrap_or_else(|e| e.into_inner());
        if f.contains_key(&new) {
            f.insert(new, new);
        }
        f.insert(old, new);
    }
    file.inner
        .pending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .moved(old, new);
    file.inner
        .pending_links
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .moved(old, new);
    ensure_parents(file, ws)?;
    let index = ws.parents.get_or_insert_with(HashMap::new);
    // Groups in the index are named by the address they had when the link was indexed
    // and resolved when used: a moved group is not looked for in every list.
    let links = index.remove(&old).unwrap_or_default();
    // Links are rewritten one by one below, each looking its group up again (the group
    // may itself move while being relinked).
    index.insert(new, links.clone());
    if ws.root() == old {
        ws.set_root(new);
    }
    for (g, name) in links {
        let g = file.inner.resolve(g);
        crate::write::group::retarget_link(file, ws, g, &name, new)?;
    }
    Ok(())
}

/// Adds `delta` to the object's hard link count (the version 1 prefix field, or the
/// version 2 reference count message, absent when 1: spec IV.A.2.w).
pub(crate) fn adjust_refcount(
    file: &File,
    ws: &mut WriteState,
    addr: u64,
    delta: i64,
) -> Result<u64> {
    let ctx = file.inner.ctx;
    rewrite(file, ws, addr, &mut |h, _| {
        if h.version == 1 {
            let n = i64::from(h.refcount.unwrap_or(1)) + delta;
            h.refcount = Some(u32::try_from(n.max(0)).unwrap_or(u32::MAX));
            return Ok(());
        }
        let pos = h
            .messages
            .iter()
            .position(|m| m.msg_type == types::REFCOUNT);
        let current = match pos {
            Some(i) => {
                match h5oxide_format::object_header::message::decode(&h.messages[i], &ctx)? {
                    Message::RefCount(r) => i64::from(r.count),
                    _ => 1,
                }
            }
            None => 1,
        };
        let n = u32::try_from((current + delta).max(0)).unwrap_or(u32::MAX);
        if let Some(i) = pos {
            h.messages.remove(i);
        }
        if n != 1 {
            let m = Message::RefCount(h5oxide_format::object_header::message::refcount::RefCount {
                count: n,
            });
            h.messages.push(raw(&m, 0, &ctx)?);
        }
        Ok(())
    })
}

/// Registers a new hard link in the reverse index.
pub(crate) fn index_add(ws: &mut WriteState, group: u64, name: &str, target: u64) {
    if let Some(index) = ws.parents.as_mut() {
        index
            .entry(target)
            .or_default()
            .push((group, name.to_owned()));
    }
}

/// Removes a hard link from the reverse index (`group` is the group's current address).
pub(crate) fn index_remove(file: &File, ws: &mut WriteState, group: u64, name: &str, target: u64) {
    if let Some(index) = ws.parents.as_mut() {
        if let Some(list) = index.get_mut(&target) {
            list.retain(|(g, n)| !(n == name && file.inner.resolve(*g) == group));
        }
    }
}
