//! Keeping stored references current when the objects they name move.
//!
//! An object reference is the referenced object's header address (spec IV.A.2.d, class 7;
//! VIII.C), a dataset region reference a global heap object whose first field is that
//! address, and a revised reference (HDF5 1.12, spec VIII.B) holds it as a token. The
//! writer moves committed headers copy-on-write (see [`crate::write`]), so before a commit
//! writes the superblock, every stored reference whose target moved in this session is
//! rewritten to the object's new address:
//!
//! - The objects whose dataset or attributes have a datatype containing a reference
//!   (compound members, arrays and variable-length sequences included) are recorded: from
//!   the walk that builds the reverse link index, and whenever a header is written.
//! - At commit, when objects moved since the last update, each recorded dataset and
//!   attribute is read, its references to moved objects are changed (region and revised
//!   references and sequences get new global heap objects, as other heap data), and it is
//!   written back: contiguous and compact data through a new layout, chunks through the
//!   chunk writer. Writing back may move further headers, so this repeats until nothing
//!   moves, a bounded number of times.
//!
//! Attributes are updated in either storage (header messages or dense storage); an
//! object with dense attribute storage is recorded as a possible holder, its attributes'
//! types being read only when something moved. Not updated: references to objects in
//! other files.

use std::collections::{HashMap, HashSet};

use h5oxide_format::heap::global::{GlobalHeapCollection, GlobalHeapId, GlobalHeapObject};
use h5oxide_format::object_header::message::attribute::MaybeShared;
use h5oxide_format::object_header::message::datatype::{
    Datatype, ReferenceKind, TypeClass, VarLenKind,
};
use h5oxide_format::object_header::message::layout::{Layout, Storage};
use h5oxide_format::object_header::message::{self as message, flags, types, Message};
use h5oxide_format::object_header::{ObjectHeader, RawMessage};
use h5oxide_format::{Context, ErrorKind, FormatError, Writer, UNDEFINED_ADDRESS};

use crate::attribute::Attributes;
use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::file::File;
use crate::object::ObjectKind;
use crate::selection::Selection;
use crate::types::reference::{REF_EXTERNAL, REF_OBJECT2};
use crate::value::HeapSource;
use crate::write::alloc::{Sink, WriteState};
use crate::write::dense;
use crate::write::group::begin;
use crate::write::object_header::{raw, rewrite, sink_of};
use crate::write::vlen::PER_COLLECTION;

/// Structure named in errors about stored reference data.
const STRUCTURE: &str = "reference data";
/// Nesting depth of variable-length sequences followed.
const MAX_DEPTH: u32 = 32;

/// What the writer knows about stored references in one session.
#[derive(Debug, Default)]
pub(crate) struct RefIndex {
    /// Header addresses (as written; resolved through the forwarding map when used) of
    /// objects whose data or attributes may hold references.
    holders: HashSet<u64>,
    /// Size of the forwarding map when references were last brought up to date: it only
    /// grows, by one entry per move.
    patched: usize,
}

fn bad(field: &'static str, value: u64, offset: u64) -> Error {
    FormatError::new(ErrorKind::InvalidValue { field, value }, STRUCTURE, offset).into()
}

/// True if the message is a datatype or an attribute whose type may contain a reference
/// (a shared type counts, its definition is elsewhere).
fn message_has_reference(m: &RawMessage, ctx: &Context) -> bool {
    match m.msg_type {
        types::DATATYPE => {
            m.flags & flags::SHARED != 0
                || matches!(message::decode(m, ctx), Ok(Message::Datatype(dt)) if dt.has_reference())
        }
        // Dense attribute storage: the attributes' types are not in the header.
        types::ATTRIBUTE_INFO => matches!(
            message::decode(m, ctx),
            Ok(Message::AttributeInfo(i)) if i.fractal_heap_address != UNDEFINED_ADDRESS
        ),
        types::ATTRIBUTE => match message::decode(m, ctx) {
            Ok(Message::Attribute(a)) => match a.datatype {
                MaybeShared::Inline(dt) => dt.has_reference(),
                MaybeShared::Shared(_) => true,
            },
            _ => false,
        },
        _ => false,
    }
}

/// Records the header written at `at` if it holds reference-typed data or attributes.
pub(crate) fn note_header(ws: &mut WriteState, at: u64, h: &ObjectHeader) {
    let ctx = ws.sb.sizes;
    if h.messages.iter().any(|m| message_has_reference(m, &ctx)) {
        ws.refs.holders.insert(at);
    }
}

/// Records every object of `objects` (the link walk's visited set) that holds references.
///
/// # Errors
/// A header cannot be read.
pub(crate) fn note_walk(file: &File, ws: &mut WriteState, objects: &HashSet<u64>) -> Result<()> {
    for &addr in objects {
        let h = file.header(addr)?;
        note_header(ws, addr, &h);
    }
    Ok(())
}

/// Rewrites every stored reference to an object that moved since the last update (see
/// the module documentation). A no-op for read-only files and when nothing moved.
///
/// # Errors
/// Malformed reference data, I/O errors, and `Usage` when writing references back keeps
/// moving objects for more rounds than there are objects.
pub(crate) fn patch_references(file: &File) -> Result<()> {
    let Some(w) = &file.inner.writer else {
        return Ok(());
    };
    let rounds = {
        let ws = w.lock().unwrap_or_else(|e| e.into_inner());
        ws.refs.holders.len() + ws.parents.as_ref().map_or(0, HashMap::len) + 2
    };
    for _ in 0..rounds {
        let forward = file
            .inner
            .forward
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let holders: Vec<u64> = {
            let ws = w.lock().unwrap_or_else(|e| e.into_inner());
            if forward.len() == ws.refs.patched {
                return Ok(());
            }
            let set: HashSet<u64> = ws
                .refs
                .holders
                .iter()
                .map(|&a| file.inner.resolve(a))
                .collect();
            let mut v: Vec<u64> = set.into_iter().collect();
            v.sort_unstable();
            v
        };
        let cx = Patcher {
            file,
            forward: &forward,
            ctx: file.inner.ctx,
        };
        for addr in holders {
            cx.object(addr)?;
        }
        // Moves made while writing back show as new entries; the next round sees them.
        let mut ws = w.lock().unwrap_or_else(|e| e.into_inner());
        ws.refs.patched = forward.len();
    }
    Err(Error::Usage(
        "updating references kept moving objects (more rounds than objects)",
    ))
}

/// One round of updates against a snapshot of the forwarding map.
struct Patcher<'a> {
    file: &'a File,
    forward: &'a HashMap<u64, u64>,
    ctx: Context,
}

/// New global heap objects waiting to be written: (offset of the heap ID slot in the
/// buffer, object bytes).
type Batch = Vec<(usize, Vec<u8>)>;

impl Patcher<'_> {
    /// The final address of an object that was at `addr`, if it moved.
    fn moved(&self, addr: u64) -> Option<u64> {
        let mut cur = *self.forward.get(&addr)?;
        // Entries already name final addresses; a chain is followed for safety, bounded.
        for _ in 0..self.forward.len() {
            match self.forward.get(&cur) {
                Some(&n) if n != cur => cur = n,
                _ => break,
            }
        }
        Some(cur)
    }

    /// Updates the dataset (if a reference-typed dataset) and attributes at `addr`.
    fn object(&self, addr: u64) -> Result<()> {
        let file = self.file;
        if file.kind_of(addr)? == ObjectKind::Dataset {
            let ds = Dataset::new(file.clone(), addr, String::new())?;
            if ds.dtype().has_reference() {
                self.dataset(ds)?;
            }
        }
        self.attributes(file.inner.resolve(addr))
    }

    fn dataset(&self, mut ds: Dataset) -> Result<()> {
        let file = self.file;
        // Read before taking the writer's lock: a read first flushes chunks the writer
        // holds for this dataset, which takes that lock.
        let dtype = ds.dtype().clone();
        let mut bytes = ds.read_bytes()?;
        let mut ws = begin(file)?;
        let sink = sink_of(file, &ws);
        if !self.buffer(&mut ws, &sink, &dtype, &mut bytes, ds.address())? {
            return Ok(());
        }
        let layout = ds.layout().clone();
        let storage = match layout.storage {
            Storage::Compact { legacy_dims, .. } => Storage::Compact {
                data: bytes,
                legacy_dims,
            },
            Storage::Contiguous {
                size, legacy_dims, ..
            } if ds.external_files()?.is_empty() => {
                // Written to new space, not over the committed copy: until the superblock
                // is written the previous state keeps its own references.
                let at = ws.alloc(bytes.len() as u64)?;
                sink.write(at, &bytes)?;
                Storage::Contiguous {
                    address: at,
                    size,
                    legacy_dims,
                }
            }
            _ => {
                // Chunks (copy-on-write) and external files go through the data writer.
                drop(ws);
                let sel = Selection::all(&ds.space().dims);
                return ds.write_selection_bytes(&sel, &bytes);
            }
        };
        let ctx = self.ctx;
        let layout = Layout {
            version: layout.version,
            storage,
        };
        let m = raw(&Message::Layout(layout), 0, &ctx)?;
        rewrite(file, &mut ws, ds.address(), &mut |h, _| {
            for r in h
                .messages
                .iter_mut()
                .filter(|r| r.msg_type == types::LAYOUT)
            {
                let mut m = m.clone();
                m.flags = r.flags;
                *r = m;
            }
            Ok(())
        })?;
        Ok(())
    }

    fn attributes(&self, addr: u64) -> Result<()> {
        let file = self.file;
        let list = Attributes::new(file.clone(), addr, String::new()).list()?;
        let mut ws = begin(file)?;
        let sink = sink_of(file, &ws);
        let mut updates: Vec<(String, Vec<u8>)> = Vec::new();
        for a in list.iter().filter(|a| a.dtype().has_reference()) {
            let mut bytes = a.raw()?.to_vec();
            if self.buffer(&mut ws, &sink, a.dtype(), &mut bytes, addr)? {
                updates.push((a.name().to_owned(), bytes));
            }
        }
        if updates.is_empty() {
            return Ok(());
        }
        let ctx = self.ctx;
        rewrite(file, &mut ws, addr, &mut |h, ws| {
            // Compact (header messages) and dense (fractal heap) attributes alike, each
            // keeping its place in creation order.
            dense::edit_attributes(file, h, ws, &mut |items, _| {
                for item in items.iter_mut() {
                    let Some((_, bytes)) = updates.iter().find(|(n, _)| *n == item.name) else {
                        continue;
                    };
                    let body = RawMessage {
                        msg_type: types::ATTRIBUTE,
                        flags: item.flags,
                        creation_order: None,
                        data: std::mem::take(&mut item.body),
                        offset: 0,
                    };
                    let Message::Attribute(mut a) = message::decode(&body, &ctx)? else {
                        return Err(bad("attribute message", 0, addr));
                    };
                    a.data.clone_from(bytes);
                    item.body = raw(&Message::Attribute(a), item.flags, &ctx)?.data;
                }
                Ok(())
            })
        })?;
        Ok(())
    }

    /// Updates every element of `buf` (elements of `dtype`), writing the heap objects that
    /// changed. Returns whether anything changed. `at` names the data in errors.
    fn buffer(
        &self,
        ws: &mut WriteState,
        sink: &Sink<'_>,
        dtype: &Datatype,
        buf: &mut [u8],
        at: u64,
    ) -> Result<bool> {
        let size = dtype.element_size();
        if size == 0 || !buf.len().is_multiple_of(size) {
            return Err(bad("data size", buf.len() as u64, at));
        }
        let mut batch = Batch::new();
        let mut changed = false;
        for i in 0..buf.len() / size {
            changed |= self.element(ws, sink, dtype, buf, i * size, &mut batch, 0)?;
        }
        self.flush(ws, sink, batch, buf)?;
        Ok(changed)
    }

    /// Updates the element of `dtype` at `pos` in `buf`.
    #[allow(clippy::too_many_arguments)]
    fn element(
        &self,
        ws: &mut WriteState,
        sink: &Sink<'_>,
        dtype: &Datatype,
        buf: &mut [u8],
        pos: usize,
        batch: &mut Batch,
        depth: u32,
    ) -> Result<bool> {
        if depth > MAX_DEPTH {
            return Err(bad("reference nesting depth", u64::from(depth), 0));
        }
        let ctx = self.ctx;
        let n = ctx.sizeof_offsets();
        match &dtype.class {
            TypeClass::Reference {
                kind: ReferenceKind::Object,
            } => {
                let old = read_addr(buf, pos, n)?;
                match self.moved(old) {
                    Some(new) => {
                        write_addr(buf, pos, n, new)?;
                        Ok(true)
                    }
                    None => Ok(false),
                }
            }
            TypeClass::Reference {
                kind: ReferenceKind::DatasetRegion,
            } => {
                // spec VIII.C: the heap object starts with the dataset's address.
                let Some(mut data) = self.heap_object(buf, pos)? else {
                    return Ok(false);
                };
                let old = read_addr(&data, 0, n)?;
                match self.moved(old) {
                    Some(new) => {
                        write_addr(&mut data, 0, n, new)?;
                        batch.push((pos, data));
                        Ok(true)
                    }
                    None => Ok(false),
                }
            }
            TypeClass::Reference { .. } => self.revised(buf, pos, batch),
            TypeClass::Compound { members } => {
                let mut changed = false;
                for m in members.iter().filter(|m| m.dtype.has_reference()) {
                    let count = m
                        .v1_array
                        .as_ref()
                        .map_or(1, |a| a.dims.iter().map(|&d| d as usize).product());
                    let start = pos + m.offset as usize;
                    changed |= self.repeat(ws, sink, &m.dtype, buf, start, count, batch, depth)?;
                }
                Ok(changed)
            }
            TypeClass::Array { dims, base } if base.has_reference() => {
                let count = dims.iter().map(|&d| d as usize).product();
                self.repeat(ws, sink, base, buf, pos, count, batch, depth)
            }
            TypeClass::VarLen {
                kind: VarLenKind::Sequence,
                base,
            } if base.has_reference() => {
                // spec IV.A.2.d class 9: a 32-bit count, then the heap ID of the elements.
                let count = u32::from_le_bytes(
                    buf.get(pos..pos + 4)
                        .and_then(|b| b.try_into().ok())
                        .ok_or_else(|| bad("sequence length", pos as u64, 0))?,
                ) as usize;
                let Some(mut data) = self.heap_object(buf, pos + 4)? else {
                    return Ok(false);
                };
                let need = count.checked_mul(base.element_size());
                if need.is_none_or(|need| need > data.len()) {
                    return Err(bad("sequence length", count as u64, 0));
                }
                let mut inner = Batch::new();
                let changed =
                    self.repeat(ws, sink, base, &mut data, 0, count, &mut inner, depth + 1)?;
                if changed {
                    self.flush(ws, sink, inner, &mut data)?;
                    batch.push((pos + 4, data));
                }
                Ok(changed)
            }
            _ => Ok(false),
        }
    }

    /// Updates `count` consecutive elements of `dtype` from `pos`.
    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        ws: &mut WriteState,
        sink: &Sink<'_>,
        dtype: &Datatype,
        buf: &mut [u8],
        pos: usize,
        count: usize,
        batch: &mut Batch,
        depth: u32,
    ) -> Result<bool> {
        let size = dtype.element_size();
        let end = count
            .checked_mul(size)
            .and_then(|n| n.checked_add(pos))
            .filter(|&e| e <= buf.len())
            .ok_or_else(|| bad("element count", count as u64, 0))?;
        let mut changed = false;
        let mut p = pos;
        while p < end && size > 0 {
            changed |= self.element(ws, sink, dtype, buf, p, batch, depth + 1)?;
            p += size;
        }
        Ok(changed)
    }

    /// A revised reference (spec VIII.B): type, flags, then either the encoding (an object
    /// in this file) or a 32-bit size and a heap ID; the encoding starts with the token
    /// (its length, then the address, little-endian).
    fn revised(&self, buf: &mut [u8], pos: usize, batch: &mut Batch) -> Result<bool> {
        let head = buf
            .get(pos..pos + 2)
            .ok_or_else(|| bad("revised reference", pos as u64, 0))?;
        let (kind, flag) = (head[0], head[1]);
        if kind == 0 || flag & REF_EXTERNAL != 0 {
            return Ok(false);
        }
        if kind == REF_OBJECT2 {
            return self.token(buf, pos + 2);
        }
        let Some(mut data) = self.heap_object(buf, pos + 6)? else {
            return Ok(false);
        };
        if self.token(&mut data, 0)? {
            batch.push((pos + 6, data));
            return Ok(true);
        }
        Ok(false)
    }

    /// Updates the token (length byte, then address bytes) at `pos`.
    fn token(&self, buf: &mut [u8], pos: usize) -> Result<bool> {
        let len = *buf
            .get(pos)
            .ok_or_else(|| bad("reference token", pos as u64, 0))? as usize;
        let n = len.min(8);
        let old = read_addr(buf, pos + 1, n)?;
        match self.moved(old) {
            Some(new) => {
                write_addr(buf, pos + 1, n, new)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The global heap object whose ID is at `pos`, or `None` for a null ID.
    fn heap_object(&self, buf: &[u8], pos: usize) -> Result<Option<Vec<u8>>> {
        let len = GlobalHeapId::encoded_len(&self.ctx);
        let b = buf
            .get(pos..pos + len)
            .ok_or_else(|| bad("global heap ID", pos as u64, 0))?;
        let mut c = h5oxide_format::Cursor::new(b, 0, STRUCTURE);
        let id = GlobalHeapId::decode(&mut c, &self.ctx)?;
        if id.is_null() {
            return Ok(None);
        }
        Ok(Some(self.file.global_heap_object(&id)?))
    }

    /// Writes the batch's objects to new collections and stores their IDs in `buf`.
    fn flush(
        &self,
        ws: &mut WriteState,
        sink: &Sink<'_>,
        batch: Batch,
        buf: &mut [u8],
    ) -> Result<()> {
        let ctx = self.ctx;
        for group in batch.chunks(PER_COLLECTION) {
            let objects = group
                .iter()
                .enumerate()
                .map(|(i, (_, d))| GlobalHeapObject {
                    index: (i + 1) as u16,
                    refcount: 1,
                    data: d.clone(),
                })
                .collect();
            let c = GlobalHeapCollection::with_objects(objects, &ctx);
            let mut w = Writer::new();
            c.encode(&mut w, &ctx)?;
            let at = ws.alloc(w.len() as u64)?;
            sink.write(at, w.as_slice())?;
            for (i, (slot, _)) in group.iter().enumerate() {
                let mut id = Writer::new();
                GlobalHeapId {
                    collection: at,
                    index: (i + 1) as u32,
                }
                .encode(&mut id, &ctx)?;
                buf.get_mut(*slot..*slot + id.len())
                    .ok_or_else(|| bad("global heap ID", *slot as u64, 0))?
                    .copy_from_slice(id.as_slice());
            }
        }
        Ok(())
    }
}

/// The little-endian address of `n` bytes at `pos`.
fn read_addr(buf: &[u8], pos: usize, n: usize) -> Result<u64> {
    let b = buf
        .get(pos..pos + n)
        .ok_or_else(|| bad("reference address", pos as u64, 0))?;
    Ok(b.iter()
        .take(8)
        .rev()
        .fold(0u64, |v, &x| (v << 8) | u64::from(x)))
}

/// Stores `addr` as `n` little-endian bytes at `pos`.
fn write_addr(buf: &mut [u8], pos: usize, n: usize, addr: u64) -> Result<()> {
    let b = buf
        .get_mut(pos..pos + n)
        .ok_or_else(|| bad("reference address", pos as u64, 0))?;
    for (i, x) in b.iter_mut().enumerate() {
        *x = if i < 8 { (addr >> (8 * i)) as u8 } else { 0 };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use h5oxide_format::object_header::message::datatype::CompoundMember;

    fn reference(kind: ReferenceKind, size: u32) -> Datatype {
        Datatype::new(size, TypeClass::Reference { kind })
    }

    /// Runs `f` with a patcher over an in-memory file and the moves `moves`.
    fn with_patcher(
        moves: &[(u64, u64)],
        f: impl FnOnce(&File, &Patcher<'_>, &mut WriteState, &Sink<'_>),
    ) {
        let file = File::in_memory().unwrap();
        let forward: HashMap<u64, u64> = moves.iter().copied().collect();
        let p = Patcher {
            file: &file,
            forward: &forward,
            ctx: file.inner.ctx,
        };
        let mut ws = begin(&file).unwrap();
        let sink = sink_of(&file, &ws);
        f(&file, &p, &mut ws, &sink);
    }

    #[test]
    fn object_references_in_compounds_and_arrays() {
        // {n: i32 at 0, refs: [ref; 2] at 4}, 20 bytes.
        let array = Datatype::new(
            16,
            TypeClass::Array {
                dims: vec![2],
                base: Box::new(reference(ReferenceKind::Object, 8)),
            },
        );
        let int = Datatype::new(
            4,
            TypeClass::FixedPoint {
                order: h5oxide_format::object_header::message::datatype::ByteOrder::LittleEndian,
                signed: true,
                bit_offset: 0,
                precision: 32,
                pad_lo: false,
                pad_hi: false,
            },
        );
        let t = Datatype::new(
            20,
            TypeClass::Compound {
                members: vec![
                    CompoundMember::new("n", 0, int),
                    CompoundMember::new("refs", 4, array),
                ],
            },
        );
        let mut buf = Vec::new();
        for (n, a, b) in [(800u32, 800u64, 96u64), (7, 0, 1400)] {
            buf.extend_from_slice(&n.to_le_bytes());
            buf.extend_from_slice(&a.to_le_bytes());
            buf.extend_from_slice(&b.to_le_bytes());
        }
        with_patcher(&[(800, 5000), (1400, 6000)], |_, p, ws, sink| {
            assert!(p.buffer(ws, sink, &t, &mut buf, 0).unwrap());
        });
        let words: Vec<u64> = [4, 12, 24, 32]
            .iter()
            .map(|&i| u64::from_le_bytes(buf[i..i + 8].try_into().unwrap()))
            .collect();
        // The integer 800 is not an address and stays.
        assert_eq!(&buf[0..4], &800u32.to_le_bytes());
        assert_eq!(words, [5000, 96, 0, 6000]);
    }

    #[test]
    fn revised_object_reference_tokens() {
        // Type 2 (object), flags 0, token of 8 bytes (spec VIII.B).
        let t = reference(ReferenceKind::Object2, 16);
        let mut buf = vec![2u8, 0, 8];
        buf.extend_from_slice(&1234u64.to_le_bytes());
        buf.resize(16, 0);
        // The same reference marked as to another file is left alone.
        let mut external = buf.clone();
        external[1] = REF_EXTERNAL;
        with_patcher(&[(1234, 9999)], |_, p, ws, sink| {
            assert!(p.buffer(ws, sink, &t, &mut buf, 0).unwrap());
            assert!(!p.buffer(ws, sink, &t, &mut external, 0).unwrap());
        });
        assert_eq!(&buf[3..11], &9999u64.to_le_bytes());
        assert_eq!(&external[3..11], &1234u64.to_le_bytes());
    }

    #[test]
    fn revised_references_in_the_heap() {
        // Type 4 (attribute): header, 32-bit size, heap ID; the heap object holds the
        // token, then the attribute name (spec VIII.B).
        let t = reference(ReferenceKind::Attribute, 18);
        let mut blob = vec![8u8];
        blob.extend_from_slice(&4321u64.to_le_bytes());
        blob.extend_from_slice(&[1, 0, b'a']);
        with_patcher(&[(4321, 8765)], |_, p, ws, sink| {
            let mut buf = vec![4u8, 0, blob.len() as u8, 0, 0, 0];
            buf.resize(18, 0);
            p.flush(ws, sink, vec![(6, blob.clone())], &mut buf)
                .unwrap();
            let first = buf.clone();
            assert!(p.buffer(ws, sink, &t, &mut buf, 0).unwrap());
            assert_ne!(buf[6..], first[6..], "a new heap object");
            let data = p.heap_object(&buf, 6).unwrap().unwrap();
            assert_eq!(&data[1..9], &8765u64.to_le_bytes());
            assert_eq!(&data[9..], &[1, 0, b'a']);
            // Nothing moved: nothing changes.
            let mut again = first.clone();
            let none = Patcher {
                file: p.file,
                forward: &HashMap::new(),
                ctx: p.ctx,
            };
            assert!(!none.buffer(ws, sink, &t, &mut again, 0).unwrap());
            assert_eq!(again, first);
        });
    }

    #[test]
    fn region_references_get_new_heap_objects() {
        let file = File::in_memory().unwrap();
        let ds = file
            .root()
            .new_dataset_builder()
            .with_data(&[1i32, 2, 3, 4])
            .create("d")
            .unwrap();
        let sel = Selection::all(&[4]);
        let r = crate::types::RegionRef::new(&ds, &sel).unwrap();
        let refs = file
            .root()
            .new_dataset_builder()
            .with_data(&[r])
            .create("r")
            .unwrap();
        let mut buf = refs.read_bytes().unwrap();
        let old_id = buf.clone();
        let target = ds.address();
        let forward: HashMap<u64, u64> = [(target, 777_777)].into();
        let p = Patcher {
            file: &file,
            forward: &forward,
            ctx: file.inner.ctx,
        };
        {
            let mut ws = begin(&file).unwrap();
            let sink = sink_of(&file, &ws);
            let t = reference(ReferenceKind::DatasetRegion, 12);
            assert!(p.buffer(&mut ws, &sink, &t, &mut buf, 0).unwrap());
        }
        assert_ne!(
            buf, old_id,
            "a new heap object is written, not the old one changed"
        );
        let data = p.heap_object(&buf, 0).unwrap().unwrap();
        assert_eq!(&data[..8], &777_777u64.to_le_bytes());
        // The selection that follows is kept.
        let before = p.heap_object(&old_id, 0).unwrap().unwrap();
        assert_eq!(&data[8..], &before[8..]);
        assert_eq!(&before[..8], &target.to_le_bytes());
    }

    #[test]
    fn malformed_reference_data_is_an_error() {
        let obj = reference(ReferenceKind::Object, 8);
        with_patcher(&[(1, 2)], |_, p, ws, sink| {
            // Not a whole number of elements.
            let e = p.buffer(ws, sink, &obj, &mut [0u8; 12], 64).unwrap_err();
            assert!(e.to_string().contains("reference data"), "{e}");
            // A compound member past its element.
            let t = Datatype::new(
                8,
                TypeClass::Compound {
                    members: vec![CompoundMember::new("r", 4, obj.clone())],
                },
            );
            assert!(p.buffer(ws, sink, &t, &mut [0u8; 8], 0).is_err());
            // A sequence whose heap ID is cut short.
            let seq = Datatype::new(
                8,
                TypeClass::VarLen {
                    kind: VarLenKind::Sequence,
                    base: Box::new(obj.clone()),
                },
            );
            assert!(p.buffer(ws, sink, &seq, &mut [1u8; 8], 0).is_err());
            // A revised token longer than the element.
            let t = reference(ReferenceKind::Object2, 4);
            assert!(p.buffer(ws, sink, &t, &mut [2u8, 0, 200, 0], 0).is_err());
        });
    }
}
