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
pub(crate) const PER_COLLECTION: usize = 4096;

/// Variable-length strings kept in one buffer, as a dataset builder holds them until it
/// creates the dataset: one allocation for any number of strings.
#[derive(Debug, Clone, Default)]
pub(crate) struct PackedStrings {
    /// The strings' bytes, one after the other.
    text: String,
    /// Where each string ends in `text`.
    ends: Vec<usize>,
}

impl PackedStrings {
    /// Packs `values`.
    pub(crate) fn new<S: AsRef<str>>(values: &[S]) -> Self {
        let total = values.iter().map(|v| v.as_ref().len()).sum();
        let mut p = PackedStrings {
            text: String::with_capacity(total),
            ends: Vec::with_capacity(values.len()),
        };
        for v in values {
            p.text.push_str(v.as_ref());
            p.ends.push(p.text.len());
        }
        p
    }

    /// How many strings.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether any string holds a byte above 127.
    pub(crate) fn has_non_ascii(&self) -> bool {
        !self.text.is_ascii()
    }

    /// The strings' bytes, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(a, b)| &self.text.as_bytes()[a..b])
    }
}

/// Writes `strings` to new global heap collections and returns their elements: a 32-bit
/// length, then the heap ID (collection address, object index), as libhdf5 stores them.
pub(crate) fn write_strings<'a>(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    strings: impl Iterator<Item = &'a [u8]>,
) -> Result<Vec<u8>> {
    let ctx = ws.sb.sizes;
    let mut out =
        Writer::with_capacity(strings.size_hint().0 * (4 + GlobalHeapId::encoded_len(&ctx)));
    let mut strings = strings.peekable();
    let mut group: Vec<&[u8]> = Vec::with_capacity(PER_COLLECTION);
    while strings.peek().is_some() {
        group.clear();
        group.extend(strings.by_ref().take(PER_COLLECTION));
        let mut w = Writer::new();
        GlobalHeapCollection::encode_new(&group, 1, &mut w, &ctx)?;
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

#[cfg(test)]
mod tests {
    use super::PackedStrings;

    #[test]
    fn packed_strings_give_back_each_string_empty_ones_too() {
        let values = ["", "α", "", "beta", "x"];
        let p = PackedStrings::new(&values);
        assert_eq!(p.len(), 5);
        let back: Vec<&[u8]> = p.iter().collect();
        let want: Vec<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
        assert_eq!(back, want);
        assert!(p.has_non_ascii());
        assert!(!PackedStrings::new(&["a", "b"]).has_non_ascii());
        assert_eq!(PackedStrings::new::<&str>(&[]).iter().count(), 0);
    }
}
