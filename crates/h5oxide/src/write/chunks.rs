//! Chunks and chunk indexes on the write path: filtering and placing chunks, and writing
//! the index libhdf5 would choose (spec VII).

use h5oxide_format::chunk_index::btree_v1::build_chunk_btree;
use h5oxide_format::chunk_index::extensible_array::{self, ExtensibleArrayHeader};
use h5oxide_format::chunk_index::fixed_array::{self, FixedArrayHeader};
use h5oxide_format::chunk_index::{self, ChunkEntry, ChunkGrid, ChunkRecord};
use h5oxide_format::object_header::message::dataspace::UNLIMITED;
use h5oxide_format::object_header::message::filter_pipeline::FilterPipeline;
use h5oxide_format::object_header::message::layout::{ChunkIndex, ChunkedLayout, Layout, Storage};
use h5oxide_format::{FormatError, ReadAt, UNDEFINED_ADDRESS};

use crate::error::{Error, Result};
use crate::file::File;
use crate::selection::Selection;
use crate::write::alloc::{Sink, WriteState};
use crate::write::INDEXED_STORAGE_K;

/// What writing one chunk needs.
pub(crate) struct ChunkCtx {
    pub(crate) chunk: Vec<u64>,
    pub(crate) elem: usize,
    pub(crate) pipeline: Option<FilterPipeline>,
    pub(crate) fill: Vec<u8>,
}

impl ChunkCtx {
    fn chunk_bytes(&self) -> Result<usize> {
        self.chunk
            .iter()
            .try_fold(self.elem as u64, |a, &d| a.checked_mul(d))
            .and_then(|b| usize::try_from(b).ok())
            .ok_or(Error::Usage("chunk larger than the address space"))
    }

    pub(crate) fn fill_block(&self) -> Result<Vec<u8>> {
        let n = self.chunk_bytes()?;
        Ok(self.fill.iter().copied().cycle().take(n).collect())
    }

    /// Filters and writes a full chunk, over `old` when that is scratch space it fits in.
    pub(crate) fn write_chunk(
        &self,
        ws: &mut WriteState,
        sink: &Sink<'_>,
        origin: Vec<u64>,
        block: Vec<u8>,
        old: Option<&ChunkRecord>,
    ) -> Result<ChunkRecord> {
        let (bytes, mask) = match &self.pipeline {
            Some(p) if !p.filters.is_empty() => {
                h5oxide_storage::filter::pipeline::encode_chunk(p, block)?
            }
            _ => (block, 0),
        };
        let at = ws.place(old.map(|r| r.address), bytes.len() as u64, false)?;
        ws.superseded_chunk(old.map(|r| (r.address, r.size)), at);
        sink.write(at, &bytes)?;
        Ok(ChunkRecord {
            offset: origin,
            filter_mask: mask,
            size: bytes.len() as u64,
            address: at,
        })
    }

    /// The decoded bytes of a stored chunk.
    pub(crate) fn read_chunk(&self, file: &File, r: &ChunkRecord) -> Result<Vec<u8>> {
        let n = self.chunk_bytes()?;
        let size = usize::try_from(r.size).map_err(|_| Error::Usage("chunk too large"))?;
        let raw = file.inner.src.read_at(r.address, size)?.into_owned();
        let out = match &self.pipeline {
            Some(p) if !p.filters.is_empty() => {
                h5oxide_storage::filter::pipeline::decode_chunk(p, r.filter_mask, raw, n)?
            }
            _ => raw,
        };
        if out.len() < n {
            return Err(Error::Usage("stored chunk shorter than its shape"));
        }
        Ok(out)
    }
}

/// Writes `len` bytes of the fill value `fill` (one element) at `at`, a megabyte at a time.
pub(crate) fn write_fill(sink: &Sink<'_>, at: u64, len: u64, fill: &[u8]) -> Result<()> {
    let step = (1u64 << 20) / fill.len().max(1) as u64 * fill.len().max(1) as u64;
    let block: Vec<u8> = fill.iter().copied().cycle().take(step as usize).collect();
    let mut done = 0u64;
    while done < len {
        let n = (len - done).min(step);
        sink.write(at + done, &block[..n as usize])?;
        done += n;
    }
    Ok(())
}

/// The runs of a selection that are contiguous in a row-major array of shape `dims`:
/// (byte offset in the array, byte offset in the selection's dense data, byte length), in
/// increasing offset order, adjacent runs joined.
pub(crate) fn contiguous_runs(
    sel: &Selection,
    dims: &[u64],
    elem: usize,
) -> Vec<(u64, usize, usize)> {
    let sl = sel.dims();
    if sl.is_empty() {
        return vec![(0, 0, elem)];
    }
    let rank = sl.len();
    let last = &sl[rank - 1];
    // A run covers the last dimension's slice when its step is 1, else one element.
    let (run, per_row) = if last.step == 1 {
        (last.count, 1)
    } else {
        (1, last.count)
    };
    let mut strides = vec![1u64; rank];
    for d in (0..rank - 1).rev() {
        strides[d] = strides[d + 1] * dims[d + 1];
    }
    let mut out = Vec::new();
    let mut idx = vec![0u64; rank];
    let mut from = 0usize;
    let run_bytes = run as usize * elem;
    if sl.iter().any(|d| d.count == 0) {
        return out;
    }
    loop {
        for k in 0..per_row {
            idx[rank - 1] = k;
            let lin: u64 = (0..rank)
                .map(|d| (sl[d].start + idx[d] * sl[d].step) * strides[d])
                .sum();
            let offset = lin * elem as u64;
            // A run that continues the previous one in both the array and the data joins
            // it: a whole-array selection is one run, written in one call.
            match out.last_mut() {
                Some((o, f, n)) if *o + *n as u64 == offset && *f + *n == from => {
                    *n += run_bytes;
                }
                _ => out.push((offset, from, run_bytes)),
            }
            from += run_bytes;
        }
        let mut d = rank - 1;
        loop {
            if d == 0 {
                return out;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < sl[d].count {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// Origins of every chunk a selection touches, row-major.
pub(crate) fn chunk_origins(sel: &Selection, chunk: &[u64]) -> Vec<Vec<u64>> {
    let ranges = sel.chunk_ranges(chunk);
    if ranges.iter().any(|r| r.is_empty()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut idx = vec![0usize; ranges.len()];
    loop {
        out.push(idx.iter().zip(&ranges).map(|(&i, r)| r[i]).collect());
        let mut d = ranges.len();
        loop {
            if d == 0 {
                return out;
            }
            d -= 1;
            idx[d] += 1;
            if idx[d] < ranges[d].len() {
                break;
            }
            idx[d] = 0;
        }
    }
}

/// The chunk index libhdf5 gives a new dataset (spec VII; libhdf5's
/// `H5D__layout_set_latest_indexing`): a v1 B-tree in the earliest format and in files with
/// a version 2 superblock (read by libhdf5 1.8); in the latest, by the number of unlimited
/// dimensions: none, a single chunk when the chunk is the whole dataset, else a fixed array;
/// one, an extensible array; more, a version 2 B-tree.
pub(crate) fn choose_index(
    layout_v4: bool,
    dims: &[u64],
    max: &[u64],
    chunk: &[u64],
) -> ChunkIndex {
    let unlimited = max.iter().filter(|&&m| m == UNLIMITED).count();
    if !layout_v4 {
        ChunkIndex::BtreeV1
    } else if unlimited == 1 {
        EA_DEFAULT
    } else if unlimited > 1 {
        BT2_DEFAULT
    } else if dims == chunk && chunk == max {
        ChunkIndex::Single { filtered: None }
    } else {
        ChunkIndex::FixedArray {
            page_bits: FA_PAGE_BITS,
        }
    }
}

/// libhdf5's extensible array parameters for chunk indexes (`H5D_EARRAY_*` in H5Dpkg.h):
/// up to 2^32 elements, 4 in the index block, data blocks of at least 16 elements, super
/// blocks of at least 4 data blocks, pages of 2^10 elements.
pub(crate) const EA_DEFAULT: ChunkIndex = ChunkIndex::ExtensibleArray {
    max_bits: 32,
    index_elements: 4,
    min_pointers: 4,
    min_elements: 16,
    page_bits: 10,
};

/// libhdf5's version 2 B-tree parameters for chunk indexes (`H5D_BT2_*` in H5Dpkg.h).
pub(crate) const BT2_DEFAULT: ChunkIndex = ChunkIndex::BtreeV2 {
    node_size: chunk_index::btree_v2::CHUNK_NODE_SIZE,
    split_percent: 100,
    merge_percent: 40,
};

/// Entries past this many are not written into an extensible array: the writer builds the
/// array densely, so this bounds its memory (24 bytes an entry).
const EA_MAX_WRITTEN_ENTRIES: u64 = 1 << 26;

/// libhdf5's default fixed array data block page size: 2^10 entries.
pub(crate) const FA_PAGE_BITS: u8 = 10;

const UNSET_ENTRY: ChunkEntry = ChunkEntry {
    address: UNDEFINED_ADDRESS,
    size: None,
    filter_mask: 0,
};

/// Client ID and entry size of a fixed or extensible array element (spec VII.C/VII.D):
/// an address, and for filtered chunks the chunk size (as wide as libhdf5 makes it for
/// layout version 4) and the filter mask.
pub(crate) fn entry_layout(
    filtered: bool,
    chunk_bytes: u64,
    ctx: &h5oxide_format::Context,
) -> (u8, usize) {
    if filtered {
        let len = chunk_index::btree_v2::chunk_size_len(4, chunk_bytes, ctx);
        (fixed_array::CLIENT_FILTERED, ctx.sizeof_offsets() + len + 4)
    } else {
        (fixed_array::CLIENT_UNFILTERED, ctx.sizeof_offsets())
    }
}

/// The layout message version an index needs.
fn layout_version(index: &ChunkIndex) -> u8 {
    if *index == ChunkIndex::BtreeV1 {
        3
    } else {
        4
    }
}

/// Writes the index of `c` over `records` as one block (over the previous index when that
/// is scratch space it fits in) and returns the layout pointing at it; the undefined
/// address when there is no chunk. The index keeps its kind, except that an implicit index
/// (whose chunks must all exist at fixed places) becomes a fixed array.
pub(crate) fn write_index(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    records: &mut [ChunkRecord],
    c: &ChunkedLayout,
    max_dims: &[u64],
    filtered: bool,
) -> Result<ChunkedLayout> {
    records.sort_by(|a, b| a.offset.cmp(&b.offset));
    let mut out = c.clone();
    let old = (c.address != UNDEFINED_ADDRESS)
        .then(|| ws.scratch_block_containing(c.address))
        .flatten();
    let ctx = ws.sb.sizes;
    // Chunks are written through the whole pipeline; partial edge chunks stored unfiltered
    // (layout flag bit 0) are not produced.
    if c.flags & 1 != 0 && filtered {
        return Err(Error::Usage(
            "rewriting a dataset whose partial edge chunks are unfiltered is not supported",
        ));
    }
    let index = match c.index {
        ChunkIndex::Single { .. } if records.len() <= 1 => ChunkIndex::Single { filtered: None },
        ChunkIndex::FixedArray { page_bits } => ChunkIndex::FixedArray { page_bits },
        ChunkIndex::Implicit if !max_dims.contains(&UNLIMITED) => ChunkIndex::FixedArray {
            page_bits: FA_PAGE_BITS,
        },
        ChunkIndex::ExtensibleArray { .. } | ChunkIndex::BtreeV2 { .. } => c.index,
        _ => {
            if c.flags & 1 != 0 {
                return Err(Error::Usage(
                    "rewriting a dataset whose partial edge chunks are unfiltered is not supported",
                ));
            }
            ChunkIndex::BtreeV1
        }
    };
    out.index = index;
    out.flags = if matches!(index, ChunkIndex::Single { .. }) && filtered {
        2
    } else if index == ChunkIndex::BtreeV1 {
        0
    } else {
        c.flags & 1
    };
    if records.is_empty() {
        out.address = UNDEFINED_ADDRESS;
        if out.flags & 2 != 0 {
            out.index = ChunkIndex::Single {
                filtered: Some((0, 0)),
            };
        }
        return Ok(out);
    }
    match index {
        ChunkIndex::Single { .. } => {
            let r = &records[0];
            out.address = r.address;
            if filtered {
                out.index = ChunkIndex::Single {
                    filtered: Some((r.size, r.filter_mask)),
                };
            }
        }
        ChunkIndex::FixedArray { page_bits } => {
            let grid = ChunkGrid::new(&c.dims, max_dims, None)?;
            let n = grid
                .max_chunks()
                .iter()
                .try_fold(1u64, |a, &m| a.checked_mul(m))
                .ok_or(Error::Usage("too many chunks"))?;
            let count = usize::try_from(n).map_err(|_| Error::Usage("too many chunks"))?;
            let chunk_bytes = c.chunk_bytes().ok_or(Error::Usage("chunk too large"))?;
            let (client_id, entry_size) = entry_layout(filtered, chunk_bytes, &ctx);
            let mut entries = vec![UNSET_ENTRY; count];
            for r in records.iter() {
                let k = usize::try_from(grid.index_of(&r.offset)).unwrap_or(usize::MAX);
                let e = entries
                    .get_mut(k)
                    .ok_or(Error::Usage("chunk outside the maximum shape"))?;
                *e = ChunkEntry {
                    address: r.address,
                    size: filtered.then_some(r.size),
                    filter_mask: r.filter_mask,
                };
            }
            let mut hdr = FixedArrayHeader {
                client_id,
                entry_size: entry_size as u8,
                page_bits,
                max_entries: n,
                data_block_address: UNDEFINED_ADDRESS,
            };
            let hdr_len = FixedArrayHeader::encoded_len(&ctx) as u64;
            let block_len = fixed_array::encode_data_block(&hdr, 0, &entries, &ctx)?.len() as u64;
            let at = ws.place(old, hdr_len + block_len, true)?;
            hdr.data_block_address = at + hdr_len;
            let mut w = h5oxide_format::Writer::new();
            hdr.encode(&mut w, &ctx)?;
            w.bytes(&fixed_array::encode_data_block(&hdr, at, &entries, &ctx)?);
            sink.write(at, w.as_slice())?;
            out.address = at;
        }
        ChunkIndex::ExtensibleArray {
            max_bits,
            index_elements,
            min_pointers,
            min_elements,
            page_bits,
        } => {
            let d = max_dims
                .iter()
                .position(|&m| m == UNLIMITED)
                .ok_or(Error::Usage(
                    "an extensible array index needs an unlimited dimension",
                ))?;
            let grid = ChunkGrid::new(&c.dims, max_dims, Some(d))?;
            let chunk_bytes = c.chunk_bytes().ok_or(Error::Usage("chunk too large"))?;
            let (client_id, element_size) = entry_layout(filtered, chunk_bytes, &ctx);
            let mut entries: Vec<ChunkEntry> = Vec::new();
            for r in records.iter() {
                let k = grid.index_of(&chunk_index::swizzle(&r.offset, d));
                if k >= EA_MAX_WRITTEN_ENTRIES {
                    return Err(Error::Usage(
                        "too many chunks along the unlimited dimension for the extensible array writer",
                    ));
                }
                let k = k as usize;
                if entries.len() <= k {
                    entries.resize(k + 1, UNSET_ENTRY);
                }
                entries[k] = ChunkEntry {
                    address: r.address,
                    size: filtered.then_some(r.size),
                    filter_mask: r.filter_mask,
                };
            }
            let params = empty_ea_header(
                client_id,
                element_size,
                [
                    max_bits,
                    index_elements,
                    min_pointers,
                    min_elements,
                    page_bits,
                ],
            );
            // Sized at address 0 first: the image's length does not depend on its address.
            let len = extensible_array::encode_array(&params, &entries, 0, &ctx)?
                .image
                .len() as u64;
            let at = ws.place(old, len, true)?;
            let a = extensible_array::encode_array(&params, &entries, at, &ctx)?;
            sink.write(at, &a.image)?;
            out.address = at;
        }
        ChunkIndex::BtreeV2 { .. } => {
            let chunk_bytes = c.chunk_bytes().ok_or(Error::Usage("chunk too large"))?;
            let len = chunk_index::btree_v2::chunk_size_len(4, chunk_bytes, &ctx);
            let tree = |base| {
                chunk_index::btree_v2::encode_chunk_tree(
                    records, &c.dims, filtered, len, &ctx, base,
                )
            };
            let size = tree(0)?.image.len() as u64;
            let at = ws.place(old, size, true)?;
            let t = tree(at)?;
            sink.write(at, &t.image)?;
            out.index = ChunkIndex::BtreeV2 {
                node_size: t.header.node_size,
                split_percent: t.header.split_percent,
                merge_percent: t.header.merge_percent,
            };
            out.address = at;
        }
        _ => {
            let elem = u32::try_from(c.element_size)
                .map_err(|_| Error::Usage("element larger than 4 GiB"))?;
            let k = INDEXED_STORAGE_K;
            // Node sizes in the order the builder places them, the root last.
            let mut sizes = Vec::new();
            build_chunk_btree::<FormatError>(records, &c.dims, elem, k, &ctx, &mut |s| {
                sizes.push(s);
                Ok(0)
            })?;
            let len: u64 = sizes.iter().sum();
            let root_len = sizes.last().copied().unwrap_or(0);
            // The root goes first, so that the layout message's address is the block's
            // start: the next rewrite finds the block to reuse or release by it.
            let base = ws.place(old, len, true)?;
            let (mut next, mut placed) = (base + root_len, 0usize);
            let tree =
                build_chunk_btree::<FormatError>(records, &c.dims, elem, k, &ctx, &mut |s| {
                    placed += 1;
                    if placed == sizes.len() {
                        return Ok(base);
                    }
                    let at = next;
                    next += s;
                    Ok(at)
                })?;
            debug_assert_eq!(tree.root, base);
            for n in &tree.nodes {
                sink.write(n.address, &n.image)?;
            }
            out.address = tree.root;
        }
    }
    ws.superseded_block(
        old.or(Some(c.address))
            .filter(|_| !matches!(out.index, ChunkIndex::Single { .. })),
        out.address,
    );
    Ok(out)
}

/// The header of an empty extensible array chunk index (spec VII.D) with the creation
/// parameters of the layout message: maximum element bits, index block elements, minimum
/// secondary block data block pointers, minimum data block elements, page bits.
pub(crate) fn empty_ea_header(
    client_id: u8,
    element_size: usize,
    [max_bits, index_elements, min_pointers, min_elements, page_bits]: [u8; 5],
) -> ExtensibleArrayHeader {
    ExtensibleArrayHeader {
        client_id,
        element_size: element_size as u8,
        max_nelmts_bits: max_bits,
        index_block_elements: index_elements,
        data_block_min_elements: min_elements,
        secondary_block_min_data_ptrs: min_pointers,
        max_data_block_page_nelmts_bits: page_bits,
        num_secondary_blocks: 0,
        secondary_block_size: 0,
        num_data_blocks: 0,
        data_block_size: 0,
        max_index_set: 0,
        num_elements: 0,
        index_block_address: UNDEFINED_ADDRESS,
    }
}

/// The layout message for chunked storage `c`.
pub(crate) fn chunked_layout_message(c: ChunkedLayout) -> Layout {
    Layout {
        version: layout_version(&c.index),
        storage: Storage::Chunked(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selection::DimSlice;

    #[test]
    fn contiguous_runs_follow_row_major_order() {
        let d = |start, step, count| DimSlice { start, step, count };
        let sel = Selection::new(vec![d(1, 2, 2), d(1, 1, 3)], &[5, 4]).unwrap();
        // Rows 1 and 3, columns 1..4: two runs of 3 elements of 2 bytes.
        assert_eq!(
            contiguous_runs(&sel, &[5, 4], 2),
            vec![(10, 0, 6), (26, 6, 6)]
        );
        let sel = Selection::new(vec![d(0, 1, 1), d(0, 3, 2)], &[5, 4]).unwrap();
        assert_eq!(
            contiguous_runs(&sel, &[5, 4], 1),
            vec![(0, 0, 1), (3, 1, 1)]
        );
        assert_eq!(
            contiguous_runs(&Selection::all(&[]), &[], 8),
            vec![(0, 0, 8)]
        );
        // Whole rows one after another join: the whole array, and rows 1..3 of it.
        assert_eq!(
            contiguous_runs(&Selection::all(&[5, 4]), &[5, 4], 2),
            vec![(0, 0, 40)]
        );
        let sel = Selection::new(vec![d(1, 1, 2), d(0, 1, 4)], &[5, 4]).unwrap();
        assert_eq!(contiguous_runs(&sel, &[5, 4], 2), vec![(8, 0, 16)]);
    }

    #[test]
    fn chunk_origins_cover_the_selection() {
        let sel = Selection::new(
            vec![
                DimSlice {
                    start: 3,
                    step: 1,
                    count: 4,
                },
                DimSlice {
                    start: 0,
                    step: 1,
                    count: 2,
                },
            ],
            &[10, 4],
        )
        .unwrap();
        let o = chunk_origins(&sel, &[2, 2]);
        assert_eq!(o, vec![vec![2, 0], vec![4, 0], vec![6, 0]]);
    }
}
