//! Single-writer/multiple-reader (SWMR) write mode: appending to chunked datasets in place,
//! in an order a concurrent libhdf5 SWMR reader can follow (docs/SWMR.md).
//!
//! The copy-on-write commit path (see [`crate::write`]) moves every changed structure and
//! relinks it up to the root; a SWMR reader never re-reads the root, only a dataset's object
//! header and chunk index at their addresses (libhdf5's `H5Drefresh`). So in SWMR mode the
//! writer keeps those addresses fixed and updates in place, children before parents:
//!
//! 1. chunk bytes are written at fresh space (never over a chunk a reader may be reading),
//!    then synced;
//! 2. the extensible array (spec VII.D) is updated: new data blocks and super blocks at
//!    fresh space, changed ones rewritten in place with new checksums, then the index block,
//!    then the header (max index set, statistics); the header and index block never move;
//! 3. the dataspace message is patched in place in the object header (same encoded size) and
//!    the header chunk's checksum recomputed;
//! 4. the superblock's end-of-file address is rewritten in place (flags stay 0x05).
//!
//! A reader therefore never sees an index entry naming unwritten chunk bytes, nor an extent
//! larger than what the index serves. Torn reads of a block being rewritten fail its
//! checksum, and libhdf5's SWMR reader retries those.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use h5oxide_format::checksum::lookup3;
use h5oxide_format::chunk_index::extensible_array::{
    self as ea, ElementPath, ExtensibleArrayHeader, IndexBlock, SuperBlock,
};
use h5oxide_format::chunk_index::{self, ChunkEntry, ChunkGrid, ChunkRecord};
use h5oxide_format::object_header::message::dataspace::{DataspaceKind, UNLIMITED};
use h5oxide_format::object_header::message::layout::{ChunkIndex, ChunkedLayout, Storage};
use h5oxide_format::object_header::message::{types as mtypes, Message};
use h5oxide_format::object_header::read_object_header;
use h5oxide_format::{ReadAt, Writer, UNDEFINED_ADDRESS};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::file::{File, FileInner};
use crate::selection::{DimSlice, Selection};
use crate::write::alloc::{Sink, WriteState};
use crate::write::builder::type_check;
use crate::write::chunks::{
    chunk_origins, chunked_layout_message, empty_ea_header, entry_layout, ChunkCtx,
};
use crate::write::object_header::{raw, sink_of};
use crate::write::types::{H5Write, WriteData};

/// Superblock consistency flags in SWMR write mode: bit 0 write access, bit 2 SWMR write
/// access (spec II.A, "File Consistency Flags"; libhdf5's `H5Fstart_swmr_write`).
pub(crate) const SWMR_WRITE_FLAGS: u32 = 0x05;

const NOT_ALLOWED: &str =
    "not allowed in SWMR write mode: only appending to and writing chunked datasets is";

const UNSET: ChunkEntry = ChunkEntry {
    address: UNDEFINED_ADDRESS,
    size: None,
    filter_mask: 0,
};

/// The SWMR writer's state of one file: the extensible arrays it has touched, by dataset
/// header address, kept in memory so an append rewrites only the blocks it changes.
#[derive(Debug, Default)]
pub(crate) struct SwmrState {
    arrays: HashMap<u64, ArrayState>,
}

/// One extensible array as it is on disk.
#[derive(Debug)]
struct ArrayState {
    header_address: u64,
    hdr: ExtensibleArrayHeader,
    /// `None` until the first element is set.
    index: Option<IndexBlock>,
    /// Super blocks read or created so far: index block slot -> (address, block).
    supers: HashMap<usize, (u64, SuperBlock)>,
    /// The set elements by index (sparse: a write far along the unlimited dimension does
    /// not allocate for the elements before it).
    entries: BTreeMap<u64, ChunkEntry>,
}

/// True while `file` is in SWMR write mode.
pub(crate) fn active(file: &File) -> bool {
    file.inner
        .swmr_write
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_some()
}

/// Refuses structural changes (groups, datasets, attributes, links) in SWMR write mode, as
/// libhdf5 does.
///
/// # Errors
/// `Usage` in SWMR write mode.
pub(crate) fn refuse_structural(file: &File) -> Result<()> {
    if active(file) {
        return Err(Error::Usage(NOT_ALLOWED));
    }
    Ok(())
}

/// Writes the superblock in place with `flags` and the writer's end of file (the file is
/// first made that long), then syncs.
fn write_superblock(inner: &FileInner, ws: &WriteState, flags: u32) -> Result<()> {
    let backend = inner.src.backend();
    let base = inner.src.base();
    let end = base
        .checked_add(ws.eof)
        .ok_or(Error::Usage("file larger than the address space"))?;
    if backend.size() < end {
        backend.set_len(end)?;
    }
    let mut sb = ws.sb;
    sb.eof_address = ws.eof;
    sb.consistency_flags = flags;
    let mut w = Writer::new();
    sb.encode(&mut w)?;
    backend.write_at(base, w.as_slice())?;
    backend.sync()?;
    Ok(())
}

/// [`File::flush`] in SWMR write mode: everything is already written in place; the
/// superblock is rewritten with the current end of file, flags kept.
pub(crate) fn flush(inner: &FileInner) -> Result<()> {
    let Some(w) = &inner.writer else {
        return Ok(());
    };
    let ws = w.lock().unwrap_or_else(|e| e.into_inner());
    write_superblock(inner, &ws, SWMR_WRITE_FLAGS)
}

impl File {
    /// Enters single-writer/multiple-reader write mode (h5py's `f.swmr_mode = True`,
    /// libhdf5's `H5Fstart_swmr_write`): commits everything pending, then sets the
    /// superblock's consistency flags to write + SWMR write (0x05) in place. From then on
    /// libhdf5 readers may open the file with `H5F_ACC_SWMR_READ` while this process
    /// appends to chunked datasets ([`Dataset::append`], [`Dataset::resize`] along the
    /// unlimited dimension, [`Dataset::write_slice`]); every other change is refused.
    /// Closing the file (dropping its last handle) clears the flags; a process killed in
    /// SWMR mode leaves them set, as libhdf5 does (`h5clear -s` clears them).
    ///
    /// # Errors
    /// `ReadOnly` for files opened read-only; `Usage` for files not in the latest format
    /// (superblock version 3) or already in SWMR write mode; I/O errors.
    ///
    /// ```
    /// # fn main() -> h5oxide::Result<()> {
    /// use h5oxide::{File, Libver};
    /// let file = File::options().libver(Libver::Latest).in_memory()?;
    /// let mut ds = file
    ///     .root()
    ///     .new_dataset_builder()
    ///     .with_data(&ndarray::Array2::<i32>::zeros((0, 3)))
    ///     .chunk([4, 3])
    ///     .max_shape([None, Some(3)])
    ///     .create("rows")?;
    /// file.start_swmr_write()?;
    /// assert!(file.is_swmr_write());
    /// ds.append(&vec![1i32, 2, 3, 4, 5, 6])?;
    /// assert_eq!(ds.shape(), vec![2, 3]);
    /// assert!(file.root().create_group("g").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_swmr_write(&self) -> Result<()> {
        let w = self.inner.writer.as_ref().ok_or(Error::ReadOnly)?;
        if self.inner.superblock.version < 3 {
            return Err(Error::Usage(
                "SWMR write mode needs a file in the latest format (superblock version 3)",
            ));
        }
        if active(self) {
            return Err(Error::Usage("the file is already in SWMR write mode"));
        }
        // Held chunks and extents first (flushing them may move headers and so edit
        // links), then held group links: SWMR writes go to the index and header on disk.
        crate::write::pending::flush_file(self)?;
        crate::write::pending_links::flush_file(self)?;
        crate::write::commit_inner(&self.inner)?;
        let mut ws = w.lock().unwrap_or_else(|e| e.into_inner());
        let mut sw = self
            .inner
            .swmr_write
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        write_superblock(&self.inner, &ws, SWMR_WRITE_FLAGS)?;
        // The commit on close then rewrites the superblock with the flags cleared.
        ws.dirty = true;
        *sw = Some(SwmrState::default());
        // libhdf5's H5Fstart_swmr_write unlocks the file so that SWMR readers (which take no
        // lock) and the flags, not the lock, coordinate access from here on.
        drop(
            self.inner
                .lock
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(),
        );
        Ok(())
    }

    /// True while the file is in SWMR write mode (see [`File::start_swmr_write`]).
    ///
    /// ```
    /// use h5oxide::{File, Libver};
    /// let file = File::options().libver(Libver::Latest).in_memory()?;
    /// assert!(!file.is_swmr_write());
    /// file.start_swmr_write()?;
    /// assert!(file.is_swmr_write());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn is_swmr_write(&self) -> bool {
        active(self)
    }
}

impl Dataset {
    /// Appends `data` along the dataset's unlimited dimension: the data holds whole slices
    /// of the other dimensions (row-major), and the dataset grows by as many. In SWMR write
    /// mode the chunks and index are written before the extent grows, so a concurrent
    /// reader never sees the new extent before its data; otherwise this is
    /// [`Dataset::resize`] followed by [`Dataset::write_slice`].
    ///
    /// # Errors
    /// `Usage` if the dataset has not exactly one unlimited dimension, the element type
    /// differs, or the data is not a whole number of slices; `ReadOnly`; I/O errors.
    ///
    /// ```
    /// # fn main() -> h5oxide::Result<()> {
    /// let file = h5oxide::File::in_memory()?;
    /// let mut ds = file
    ///     .root()
    ///     .new_dataset_builder()
    ///     .with_data(&vec![1i64, 2])
    ///     .chunk([4])
    ///     .max_shape([None])
    ///     .create("log")?;
    /// ds.append(&vec![3i64, 4, 5])?;
    /// assert_eq!(ds.read_1d::<i64>()?.to_vec(), vec![1, 2, 3, 4, 5]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn append<D: WriteData + ?Sized>(&mut self, data: &D) -> Result<()> {
        type_check(&Some(self.dtype().clone()), &D::Elem::write_type())?;
        let bytes = data.data_bytes();
        let (sel, new_dims) = append_selection(self, bytes.len())?;
        if sel.len() == Some(0) {
            return Ok(());
        }
        if active(self.file()) {
            update(self, Some((&sel, &bytes)), Some(new_dims))
        } else {
            let shape: Vec<usize> = new_dims.iter().map(|&n| n as usize).collect();
            self.resize(shape)?;
            self.write_selection_bytes(&sel, &bytes)
        }
    }
}

/// The selection an append of `len` bytes fills, and the dataset's shape after it.
fn append_selection(ds: &Dataset, len: usize) -> Result<(Selection, Vec<u64>)> {
    let space = ds.space();
    let max = space.max_dims_or_dims();
    let mut unl = max.iter().enumerate().filter(|(_, &m)| m == UNLIMITED);
    let (Some((d, _)), None) = (unl.next(), unl.next()) else {
        return Err(Error::Usage(
            "appending needs a dataset with exactly one unlimited dimension",
        ));
    };
    let elem = ds.dtype().element_size() as u64;
    let slice: u64 = space
        .dims
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != d)
        .try_fold(elem, |a, (_, &n)| a.checked_mul(n))
        .ok_or(Error::Usage("dataset too large"))?;
    if slice == 0 || len as u64 % slice != 0 {
        return Err(Error::Usage(
            "appended data must hold whole slices across the unlimited dimension",
        ));
    }
    let n = len as u64 / slice;
    let mut new_dims = space.dims.clone();
    new_dims[d] = new_dims[d]
        .checked_add(n)
        .ok_or(Error::Usage("dataset too large"))?;
    let sl = space
        .dims
        .iter()
        .enumerate()
        .map(|(i, &size)| DimSlice {
            start: if i == d { size } else { 0 },
            step: 1,
            count: if i == d { n } else { size },
        })
        .collect();
    Ok((Selection::new(sl, &new_dims)?, new_dims))
}

/// [`Dataset::write_selection_bytes`] in SWMR write mode.
pub(crate) fn write_selection(ds: &mut Dataset, sel: &Selection, bytes: &[u8]) -> Result<()> {
    update(ds, Some((sel, bytes)), None)
}

/// [`Dataset::resize`] in SWMR write mode: only growth along the unlimited dimension (new
/// elements read as the fill value until written).
pub(crate) fn resize(ds: &mut Dataset, new: Vec<u64>) -> Result<()> {
    update(ds, None, Some(new))
}

/// Writes `data` (selection and bytes) into chunks, then sets the extent to `new_dims`, in
/// SWMR order (see the module documentation).
fn update(
    ds: &mut Dataset,
    data: Option<(&Selection, &[u8])>,
    new_dims: Option<Vec<u64>>,
) -> Result<()> {
    let file = ds.file().clone();
    let inner = &file.inner;
    let w = inner.writer.as_ref().ok_or(Error::ReadOnly)?;
    let mut ws = w.lock().unwrap_or_else(|e| e.into_inner());
    let mut sw = inner.swmr_write.lock().unwrap_or_else(|e| e.into_inner());
    let state = sw
        .as_mut()
        .ok_or(Error::Usage("the file is not in SWMR write mode"))?;
    inner.invalidate();
    let addr = inner.resolve(ds.address());
    let cur = Dataset::new(file.clone(), addr, ds.name().to_owned())?;
    let Storage::Chunked(c) = &cur.layout().storage else {
        return Err(Error::Usage(
            "SWMR writes need a chunked dataset with an extensible array index",
        ));
    };
    if !matches!(c.index, ChunkIndex::ExtensibleArray { .. }) {
        return Err(Error::Usage(
            "SWMR writes need a chunked dataset with an extensible array index (one unlimited dimension, latest format)",
        ));
    }
    let space = cur.space().clone();
    let max = space.max_dims_or_dims().to_vec();
    let d = max
        .iter()
        .position(|&m| m == UNLIMITED)
        .ok_or(Error::Usage(
            "an extensible array index needs an unlimited dimension",
        ))?;
    if let Some(new) = &new_dims {
        let fits = space.kind == DataspaceKind::Simple
            && new.len() == space.dims.len()
            && new
                .iter()
                .zip(&space.dims)
                .enumerate()
                .all(|(i, (n, o))| if i == d { n >= o } else { n == o });
        if !fits {
            return Err(Error::Usage(
                "in SWMR write mode a dataset only grows along its unlimited dimension",
            ));
        }
    }
    let dims = new_dims.clone().unwrap_or_else(|| space.dims.clone());
    let sink = sink_of(&file, &ws);
    let ctx = inner.ctx;
    let elem = cur.dtype().element_size();
    let filtered = cur.filters().is_some_and(|p| !p.filters.is_empty());
    if let Some((sel, bytes)) = data {
        let n = sel.len().ok_or(Error::Usage("selection size overflows"))?;
        if n.saturating_mul(elem as u64) != bytes.len() as u64 {
            return Err(Error::Usage("the data's size differs from the selection's"));
        }
        if sel.dims().len() != dims.len()
            || sel
                .dims()
                .iter()
                .zip(&dims)
                .any(|(s, &n)| s.count > 0 && s.start + (s.count - 1) * s.step >= n)
        {
            return Err(Error::Usage("selection outside the dataset"));
        }
    }
    let array = match state.arrays.entry(addr) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(e) => e.insert(open_array(&file, &mut ws, &sink, addr, c, filtered)?),
    };
    // 1. Chunks at fresh space, synced before any index entry names them.
    if let Some((sel, bytes)) = data.filter(|(s, _)| s.len() != Some(0)) {
        let cx = ChunkCtx {
            chunk: c.dims.clone(),
            elem,
            pipeline: cur.filters().cloned(),
            fill: cur
                .fill_value_bytes()
                .map(<[u8]>::to_vec)
                .unwrap_or_else(|| vec![0; elem]),
        };
        let grid = ChunkGrid::new(&c.dims, &max, Some(d))?;
        let chunk_bytes = c.chunk_bytes().ok_or(Error::Usage("chunk too large"))?;
        let mut sets = Vec::new();
        for origin in chunk_origins(sel, &c.dims) {
            let k = grid.index_of(&chunk_index::swizzle(&origin, d));
            let old = array.entries.get(&k).copied();
            let mut block = match old {
                Some(e) => cx.read_chunk(
                    &file,
                    &ChunkRecord {
                        offset: origin.clone(),
                        filter_mask: e.filter_mask,
                        size: e.size.unwrap_or(chunk_bytes),
                        address: e.address,
                    },
                )?,
                None => cx.fill_block()?,
            };
            sel.copy_into_block(bytes, &mut block, &origin, &c.dims, elem)?;
            // `None`: never over the old chunk, which a reader may be reading.
            let rec = cx.write_chunk(&mut ws, &sink, origin, block, None)?;
            sets.push((
                k,
                ChunkEntry {
                    address: rec.address,
                    size: filtered.then_some(rec.size),
                    filter_mask: rec.filter_mask,
                },
            ));
        }
        inner.src.backend().sync()?;
        // 2. The index, children first.
        array.set(&file, &mut ws, &sink, &sets)?;
    }
    // 3. The extent, once the index serves it.
    if let Some(new) = new_dims.filter(|n| *n != space.dims) {
        let mut sp = space.clone();
        sp.dims = new;
        let m = raw(&Message::Dataspace(sp), 0, &ctx)?;
        patch_message(&file, &sink, addr, mtypes::DATASPACE, &m.data)?;
        inner.src.backend().sync()?;
    }
    // 4. The end of file.
    write_superblock(inner, &ws, SWMR_WRITE_FLAGS)?;
    drop(sw);
    drop(ws);
    inner.invalidate();
    *ds = Dataset::new(file.clone(), addr, ds.name().to_owned())?;
    Ok(())
}

/// Rewrites the first message of type `msg_type` of the object header at `addr` in place
/// with `data` (same encoded size), and the checksum of the header chunk holding it
/// (spec IV.A.1.b: version 2 chunks end in a checksum over the chunk).
fn patch_message(
    file: &File,
    sink: &Sink<'_>,
    addr: u64,
    msg_type: u16,
    data: &[u8],
) -> Result<()> {
    let i = &file.inner;
    let h = read_object_header(&i.src, addr, &i.ctx, &i.limits)?;
    let m = h
        .messages
        .iter()
        .find(|m| m.msg_type == msg_type)
        .ok_or(Error::Usage(
            "the object header lacks the message to update",
        ))?;
    // Version 1 message bodies carry padding to 8 bytes.
    if data.len() > m.data.len() || (h.version == 2 && data.len() != m.data.len()) {
        return Err(Error::Usage(
            "the updated message does not fit its place in the object header",
        ));
    }
    let &(at, len) = h
        .chunks
        .iter()
        .find(|&&(a, l)| m.offset >= a && m.offset - a < l)
        .ok_or(Error::Usage("message outside its object header"))?;
    let len = usize::try_from(len).map_err(|_| Error::Usage("object header chunk too large"))?;
    let mut bytes = i.src.read_at(at, len)?.into_owned();
    let rel = (m.offset - at) as usize;
    let end = rel + data.len();
    if end > bytes.len() || len < 4 {
        return Err(Error::Usage("message outside its object header"));
    }
    bytes[rel..end].copy_from_slice(data);
    if h.version == 2 {
        let sum = lookup3(&bytes[..len - 4]);
        bytes[len - 4..].copy_from_slice(&sum.to_le_bytes());
    }
    sink.write(at, &bytes)
}

/// Loads the extensible array of a dataset; a dataset without one yet gets an empty array
/// header at fresh space, named by its layout message patched in place.
fn open_array(
    file: &File,
    ws: &mut WriteState,
    sink: &Sink<'_>,
    addr: u64,
    c: &ChunkedLayout,
    filtered: bool,
) -> Result<ArrayState> {
    let i = &file.inner;
    let ctx = i.ctx;
    if c.address != UNDEFINED_ADDRESS {
        let hdr = ea::read_header(&i.src, c.address, &ctx, &i.limits)?;
        let entries = ea::read_entries(&i.src, &hdr, &ctx, &i.limits)?
            .into_iter()
            .enumerate()
            .filter(|(_, e)| e.address != UNDEFINED_ADDRESS)
            .map(|(k, e)| (k as u64, e))
            .collect();
        let index = if hdr.index_block_address == UNDEFINED_ADDRESS {
            None
        } else {
            Some(ea::read_index_block(&i.src, &hdr, &ctx, &i.limits)?)
        };
        return Ok(ArrayState {
            header_address: c.address,
            hdr,
            index,
            supers: HashMap::new(),
            entries,
        });
    }
    let ChunkIndex::ExtensibleArray {
        max_bits,
        index_elements,
        min_pointers,
        min_elements,
        page_bits,
    } = c.index
    else {
        return Err(Error::Usage("not an extensible array index"));
    };
    let chunk_bytes = c.chunk_bytes().ok_or(Error::Usage("chunk too large"))?;
    let (client_id, element_size) = entry_layout(filtered, chunk_bytes, &ctx);
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
    let len = ExtensibleArrayHeader::encoded_len(&ctx) as u64;
    let at = ws.alloc(len)?;
    let a = ea::encode_array(&params, &[], at, &ctx)?;
    sink.write(at, &a.image)?;
    file.inner.src.backend().sync()?;
    let mut layout = c.clone();
    layout.address = at;
    let m = raw(&Message::Layout(chunked_layout_message(layout)), 0, &ctx)?;
    patch_message(file, sink, addr, mtypes::LAYOUT, &m.data)?;
    Ok(ArrayState {
        header_address: at,
        hdr: a.header,
        index: None,
        supers: HashMap::new(),
        entries: BTreeMap::new(),
    })
}

/// A block of the array has fewer slots than its header implies.
const BAD_SLOT: Error =
    Error::Usage("extensible array block with fewer slots than its header implies");

/// The largest array block (or page) the SWMR writer encodes in memory.
const MAX_BLOCK_BYTES: u64 = 1 << 26;

/// The page of its data block an element is on, for paged data blocks.
fn page_of(p: &ElementPath) -> Option<u64> {
    let per_page = p.data_block_elements.checked_div(p.pages)?;
    p.element.checked_div(per_page)
}

/// A data block an update touches.
struct Touched {
    path: ElementPath,
    address: u64,
    created: bool,
    /// First element of the block.
    first: u64,
    pages: BTreeSet<u64>,
}

impl ArrayState {
    /// Sets elements in place: data blocks (and pages), then super blocks, then the index
    /// block, then the header (spec VII.D; libhdf5's flush dependencies run the same way).
    fn set(
        &mut self,
        file: &File,
        ws: &mut WriteState,
        sink: &Sink<'_>,
        sets: &[(u64, ChunkEntry)],
    ) -> Result<()> {
        let i = &file.inner;
        let ctx = i.ctx;
        let h = self.header_address;
        let mut hdr = self.hdr;
        let ib_elems = u64::from(hdr.index_block_elements);
        let mut ib_dirty = false;
        if self.index.is_none() {
            let len = IndexBlock::encoded_len(&hdr, &ctx) as u64;
            hdr.index_block_address = ws.alloc(len)?;
            hdr.num_elements += ib_elems;
            self.index = Some(IndexBlock {
                elements: vec![UNSET; usize::from(hdr.index_block_elements)],
                data_block_addresses: vec![UNDEFINED_ADDRESS; hdr.index_block_data_block_slots()],
                super_block_addresses: vec![UNDEFINED_ADDRESS; hdr.index_block_super_block_slots()],
            });
            ib_dirty = true;
        }
        let Some(ib) = self.index.as_mut() else {
            return Err(Error::Usage("extensible array index block missing"));
        };
        let mut touched: BTreeMap<(u32, u64), Touched> = BTreeMap::new();
        let mut dirty_supers: BTreeSet<usize> = BTreeSet::new();
        let mut new_blocks = false;
        let mut max_set = hdr.max_index_set;
        for &(k, e) in sets {
            if hdr.max_nelmts_bits < 64 && k >= 1u64 << hdr.max_nelmts_bits {
                return Err(Error::Usage("chunk beyond the extensible array's maximum"));
            }
            self.entries.insert(k, e);
            max_set = max_set.max(k + 1);
            if k < ib_elems {
                let ku = usize::try_from(k).map_err(|_| BAD_SLOT)?;
                *ib.elements.get_mut(ku).ok_or(BAD_SLOT)? = e;
                ib_dirty = true;
                continue;
            }
            let p = hdr
                .element_path(k, &ctx)
                .ok_or(Error::Usage("chunk beyond the extensible array's maximum"))?;
            // Blocks are encoded whole in memory (an unpaged data block, a super block):
            // bound them, whatever parameters the file's array header holds.
            let encoded = if p.pages == 0 {
                p.data_block_len
            } else {
                p.page_len
            };
            if encoded.max(p.super_block_len) > MAX_BLOCK_BYTES {
                return Err(Error::Usage(
                    "extensible array block too large for the SWMR writer",
                ));
            }
            let key = (p.super_block, p.data_block);
            if let Some(t) = touched.get_mut(&key) {
                if let Some(pg) = page_of(&p) {
                    t.pages.insert(pg);
                }
                continue;
            }
            let slot = p.index_slot;
            let d = usize::try_from(p.data_block).map_err(|_| Error::Usage("too many chunks"))?;
            let mut address = if p.in_index_block {
                *ib.data_block_addresses.get(slot).ok_or(BAD_SLOT)?
            } else {
                let sb = match self.supers.entry(slot) {
                    Entry::Occupied(o) => o.into_mut(),
                    Entry::Vacant(v) => {
                        let sa = *ib.super_block_addresses.get(slot).ok_or(BAD_SLOT)?;
                        let sb = if sa == UNDEFINED_ADDRESS {
                            let at = ws.alloc(p.super_block_len)?;
                            *ib.super_block_addresses.get_mut(slot).ok_or(BAD_SLOT)? = at;
                            hdr.num_secondary_blocks += 1;
                            hdr.secondary_block_size += p.super_block_len;
                            ib_dirty = true;
                            new_blocks = true;
                            dirty_supers.insert(slot);
                            let n = usize::try_from(p.data_blocks)
                                .map_err(|_| Error::Usage("too many chunks"))?;
                            (
                                at,
                                SuperBlock {
                                    block_offset: p.super_block_offset,
                                    page_bitmap: vec![0; p.page_bitmap_len * n],
                                    data_block_addresses: vec![UNDEFINED_ADDRESS; n],
                                },
                            )
                        } else {
                            (
                                sa,
                                ea::read_super_block(&i.src, sa, &hdr, &p, &ctx, &i.limits)?,
                            )
                        };
                        v.insert(sb)
                    }
                };
                *sb.1.data_block_addresses.get(d).ok_or(BAD_SLOT)?
            };
            let created = address == UNDEFINED_ADDRESS;
            if created {
                address = ws.alloc(p.data_block_len)?;
                hdr.num_data_blocks += 1;
                hdr.data_block_size += p.data_block_len;
                hdr.num_elements += p.data_block_elements;
                new_blocks = true;
                if p.in_index_block {
                    *ib.data_block_addresses.get_mut(slot).ok_or(BAD_SLOT)? = address;
                    ib_dirty = true;
                } else if let Some((_, sb)) = self.supers.get_mut(&slot) {
                    *sb.data_block_addresses.get_mut(d).ok_or(BAD_SLOT)? = address;
                    dirty_supers.insert(slot);
                }
            }
            let mut pages = BTreeSet::new();
            if let Some(pg) = page_of(&p) {
                pages.insert(pg);
            }
            touched.insert(
                key,
                Touched {
                    path: p,
                    address,
                    created,
                    first: k - p.element,
                    pages,
                },
            );
        }
        // Data blocks and pages.
        let entries_of = |from: u64, n: u64| -> Vec<ChunkEntry> {
            (from..from + n)
                .map(|j| self.entries.get(&j).copied().unwrap_or(UNSET))
                .collect()
        };
        for t in touched.values() {
            let p = &t.path;
            if p.pages == 0 {
                let block = ea::encode_data_block(
                    &hdr,
                    h,
                    p.data_block_offset,
                    &entries_of(t.first, p.data_block_elements),
                    &ctx,
                )?;
                sink.write(t.address, &block)?;
                continue;
            }
            if t.created {
                let prefix = ea::encode_data_block(&hdr, h, p.data_block_offset, &[], &ctx)?;
                sink.write(t.address, &prefix)?;
            }
            let per_page = p.data_block_elements / p.pages;
            let slot = p.index_slot;
            for &pg in &t.pages {
                let page = ea::encode_data_block_page(
                    &hdr,
                    &entries_of(t.first + pg * per_page, per_page),
                    &ctx,
                )?;
                sink.write(t.address + p.data_block_prefix_len + pg * p.page_len, &page)?;
                // Page-init bits run over the super block's data blocks in turn.
                if let Some((_, sb)) = self.supers.get_mut(&slot) {
                    let bit = usize::try_from(p.data_block * p.pages + pg)
                        .map_err(|_| Error::Usage("too many chunks"))?;
                    let mask = 0x80u8 >> (bit % 8);
                    if let Some(b) = sb.page_bitmap.get_mut(bit / 8) {
                        if *b & mask == 0 {
                            *b |= mask;
                            dirty_supers.insert(slot);
                            new_blocks = true;
                        }
                    }
                }
            }
        }
        if new_blocks {
            i.src.backend().sync()?;
        }
        // Super blocks.
        for slot in &dirty_supers {
            if let Some((at, sb)) = self.supers.get(slot) {
                let b = ea::encode_super_block(
                    &hdr,
                    h,
                    sb.block_offset,
                    &sb.page_bitmap,
                    &sb.data_block_addresses,
                    &ctx,
                )?;
                sink.write(*at, &b)?;
            }
        }
        if !dirty_supers.is_empty() && ib_dirty {
            i.src.backend().sync()?;
        }
        // The index block, then the header.
        if ib_dirty {
            let mut w = Writer::new();
            ib.encode(&mut w, &hdr, h, &ctx)?;
            sink.write(hdr.index_block_address, w.as_slice())?;
            i.src.backend().sync()?;
        }
        hdr.max_index_set = max_set;
        let mut w = Writer::new();
        hdr.encode(&mut w, &ctx)?;
        sink.write(h, w.as_slice())?;
        i.src.backend().sync()?;
        self.hdr = hdr;
        Ok(())
    }
}
