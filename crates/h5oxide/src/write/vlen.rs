//! Variable-length strings: their bytes in global heap collections (spec III.E), their
//! elements as (length, heap ID) pairs (spec IV.A.2.d, class 9).

use h5oxide_format::heap::global::{GlobalHeapCollection, GlobalHeapId, GlobalHeapObject};
use h5oxide_format::Writer;

use crate::error::{Error, Result};
use crate::write::alloc::{Sink, WriteState};

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
        let objects: Vec<GlobalHeapObject> = group
            .iter()
            .enumerate()
            .map(|(i, s)| GlobalHeapObject {
                index: (i + 1) as u16,
                refcount: 1,
                data: s.as_bytes().to_vec(),
            })
            .collect();
        let c = GlobalHeapCollection::with_objects(objects, &ctx);
        let mut w = Writer::new();
        c.encode(&mut w, &ctx)?;
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
