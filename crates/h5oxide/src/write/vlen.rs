//! Variable-length strings and sequences, and region references: their bytes in global heap collections (spec III.E), their
//! elements as (length, heap ID) pairs (spec IV.A.2.d, class 9).

use h5oxide_format::heap::global::{GlobalHeapCollection, GlobalHeapId, GlobalHeapObject};
use h5oxide_format::Writer;

use crate::error::{Error, Result};
use crate::file::File;
use crate::write::alloc::{Sink, WriteState};
use crate::write::group::begin;
use crate::write::object_header::sink_of;
use crate::write::types::{Elements, HeapItem, WriteData, HEAP_ID_SIZE};

/// Objects per collection: indexes are 16-bit and libhdf5 keeps collections small.
const PER_COLLECTION: usize = 4096;

/// Writes `strings` to new global heap collections and returns their elements: a 32-bit
/// length, then the heap ID (collection address, object index), as libhdf5 stores them.
pub(crate) fn write_strings(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    strings: &[String],
) -> Result<Vec<u8>> {
    let ctx = ws.sb.sizes;
    let mut out = Writer::new();
    for group in strings.chunks(PER_COLLECTION) {
        let objects: Vec<&[u8]> = group.iter().map(|s| s.as_bytes()).collect();
        let mut w = Writer::new();
        GlobalHeapCollection::encode_new(&objects, 1, &mut w, &ctx)?;
        let at = ws.alloc(w.len() as u64)?;
        sink.write(at, w.as_slice())?;
        for (i, s) in group.iter().enumerate() {
            let len =
                u32::try_from(s.len()).map_err(|_| Error::Usage("string longer than 4 GiB"))?;
            out.u32(len);
            GlobalHeapId {
                collection: at,
                index: (i + 1) as u32,
            }
            .encode(&mut out, &ctx)?;
        }
    }
    Ok(out.into_inner())
}

/// Nesting depth of variable-length data inside variable-length data that is written.
const MAX_DEPTH: u32 = 32;

/// Writes the heap objects `elements` refer to (their own heap objects first) to new global
/// heap collections, and returns the elements' bytes with every heap reference set: a
/// variable-length element as its count and heap ID, a region reference as a bare heap ID.
pub(crate) fn write_elements(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    elements: Elements,
) -> Result<Vec<u8>> {
    resolve(ws, sink, elements, 0)
}

fn resolve(ws: &mut WriteState, sink: &Sink<'_>, e: Elements, depth: u32) -> Result<Vec<u8>> {
    let (mut bytes, heap) = e.into_parts();
    if heap.is_empty() {
        return Ok(bytes);
    }
    if depth > MAX_DEPTH {
        return Err(Error::Usage("variable-length data nested too deeply"));
    }
    let ctx = ws.sb.sizes;
    if GlobalHeapId::encoded_len(&ctx) != HEAP_ID_SIZE {
        return Err(Error::Usage(
            "variable-length data needs a file with 8-byte addresses",
        ));
    }
    let mut objects = Vec::with_capacity(heap.len());
    for item in heap {
        let HeapItem { at, count, data } = item;
        objects.push((at, count, resolve(ws, sink, data, depth + 1)?));
    }
    for group in objects.chunks(PER_COLLECTION) {
        let objs: Vec<GlobalHeapObject> = group
            .iter()
            .enumerate()
            .map(|(i, (_, _, d))| GlobalHeapObject {
                index: (i + 1) as u16,
                refcount: 1,
                data: d.clone(),
            })
            .collect();
        let c = GlobalHeapCollection::with_objects(objs, &ctx);
        let mut w = Writer::new();
        c.encode(&mut w, &ctx)?;
        let addr = ws.alloc(w.len() as u64)?;
        sink.write(addr, w.as_slice())?;
        for (i, (at, count, _)) in group.iter().enumerate() {
            let mut id = Writer::new();
            GlobalHeapId {
                collection: addr,
                index: (i + 1) as u32,
            }
            .encode(&mut id, &ctx)?;
            let start = at + usize::from(count.is_some()) * 4;
            let slot = bytes
                .get_mut(start..start + HEAP_ID_SIZE)
                .ok_or(Error::Usage("variable-length element outside its data"))?;
            slot.copy_from_slice(id.as_slice());
        }
    }
    Ok(bytes)
}

/// The stored bytes of `data` for writing into an existing dataset of `file`: its
/// variable-length data (if any) is written to new global heap collections first.
pub(crate) fn stored_bytes<D: WriteData + ?Sized>(file: &File, data: &D) -> Result<Vec<u8>> {
    let e = data.data_elements();
    if !e.has_heap_data() {
        return Ok(e.into_parts().0);
    }
    let mut ws = begin(file)?;
    let sink = sink_of(file, &ws);
    write_elements(&mut ws, &sink, e)
}
