//! Datasets: their description (type, shape, layout, filters, fill value) and reading
//! their values through every layout and chunk index.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use h5oxide_format::chunk_index::{
    self, extensible_array, fixed_array, implicit, single, ChunkGrid, ChunkRecord,
};
use h5oxide_format::heap::global::{GlobalHeapCollection, GlobalHeapId};
use h5oxide_format::object_header::message::dataspace::{Dataspace, DataspaceKind};
use h5oxide_format::object_header::message::datatype::Datatype;
use h5oxide_format::object_header::message::external::ExternalFiles;
use h5oxide_format::object_header::message::fill_value::{FillState, FillWriteTime};
use h5oxide_format::object_header::message::filter_pipeline::FilterPipeline;
use h5oxide_format::object_header::message::layout::{ChunkIndex, ChunkedLayout, Layout, Storage};
use h5oxide_format::object_header::message::Message;
use h5oxide_format::source::read_structure;
use h5oxide_format::{Context, ErrorKind, FormatError, Limits, UNDEFINED_ADDRESS};

use crate::error::{Error, Result};
use crate::file::File;
use crate::selection::Selection;
use crate::value::{decode_many, HeapSource, Value};

/// The name reads of contiguous data report when the data runs past the end of the file.
const RAW: &str = "contiguous data";

/// What a dataset's object header says about it.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub(crate) dtype: Datatype,
    pub(crate) space: Dataspace,
    pub(crate) layout: Layout,
    pub(crate) pipeline: Option<FilterPipeline>,
    /// The fill value's bytes (one element), when one is defined.
    pub(crate) fill: Option<Vec<u8>>,
    /// False when the fill value is never written (fill time "never"): unwritten elements
    /// then read as zeros, as libhdf5 leaves its (zeroed) buffer untouched.
    pub(crate) fill_on_read: bool,
    pub(crate) external: Option<ExternalFiles>,
    /// The chunk index's records, read on first use: a small selection then costs a
    /// lookup, not an index walk. A write reloads the dataset, and with it this.
    records: OnceLock<Arc<Vec<ChunkRecord>>>,
}

/// One chunk's decoded bytes: borrowed from the file, decoded for this read, or shared with
/// the chunk cache.
pub(crate) enum ChunkBytes<'a> {
    File(Cow<'a, [u8]>),
    Cached(Arc<Vec<u8>>),
}

impl Deref for ChunkBytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ChunkBytes::File(c) => c,
            ChunkBytes::Cached(a) => a,
        }
    }
}

/// A dataset. Cheap to clone.
///
/// ```
/// // A 4 x 5 compact dataset of 32-bit integers written by libhdf5 (h5dump: 0, 7, 14, ...).
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
/// let file = h5oxide::File::open(path)?;
/// let ds = file.root().dataset("compact")?;
/// assert_eq!(ds.shape(), [4, 5]);
/// assert_eq!(ds.read_raw::<i32>()?[..3], [0, 7, 14]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Clone)]
pub struct Dataset {
    file: File,
    address: u64,
    path: String,
    meta: Arc<Meta>,
}

impl fmt::Debug for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dataset")
            .field("path", &self.path)
            .field("address", &self.address)
            .finish()
    }
}

fn missing(path: &str, what: &'static str) -> Error {
    Error::WrongKind {
        name: format!("{path} (no {what} message)"),
        expected: "dataset",
    }
}

impl Dataset {
    pub(crate) fn new(file: File, address: u64, path: String) -> Result<Dataset> {
        let (mut dtype, mut space, mut layout) = (None, None, None);
        let (mut pipeline, mut fill, mut fill_old, mut external) = (None, None, None, None);
        for m in file.messages(address)? {
            match m {
                Message::Datatype(t) => dtype = Some(t),
                Message::Dataspace(s) => space = Some(s),
                Message::Layout(l) => layout = Some(l),
                Message::FilterPipeline(p) => pipeline = Some(p),
                Message::FillValue(f) => fill = Some(f),
                Message::FillValueOld(f) => fill_old = Some(f),
                Message::External(e) => external = Some(e),
                _ => {}
            }
        }
        let dtype = dtype.ok_or_else(|| missing(&path, "datatype"))?;
        let space = space.ok_or_else(|| missing(&path, "dataspace"))?;
        let layout = layout.ok_or_else(|| missing(&path, "layout"))?;
        let fill_on_read = fill
            .as_ref()
            .is_none_or(|f| f.write_time != FillWriteTime::Never);
        // The new fill value message wins over the old one (spec IV.A.2.f).
        let fill = match fill {
            Some(f) => match f.state {
                FillState::UserDefined(v) => Some(v),
                _ => None,
            },
            None => fill_old.map(|f| f.value).filter(|v| !v.is_empty()),
        };
        let fill = fill.filter(|v| v.len() == dtype.element_size());
        let mut space = space;
        // An extent grown but not written yet (crate::write::pending) is the current one.
        if file.inner.writer.is_some() {
            let cur = file.inner.resolve(address);
            let p = file.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(d) = p.dims(cur) {
                space.dims = d.to_vec();
            }
        }
        Ok(Dataset {
            file,
            address,
            path,
            meta: Arc::new(Meta {
                dtype,
                space,
                layout,
                pipeline,
                fill,
                fill_on_read,
                external,
                records: OnceLock::new(),
            }),
        })
    }

    /// The path this dataset was reached by.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().new_dataset::<u8>().shape([2]).create("a/b")?;
    /// assert_eq!(file.root().dataset("a/b")?.name(), "/a/b");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.path
    }

    /// The object header address.
    ///
    /// ```
    /// // h5ls -v layouts.h5/compact: "Location: 1:800".
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("compact")?;
    /// assert_eq!(ds.address(), 800);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn address(&self) -> u64 {
        self.address
    }

    /// The file it belongs to.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<u8>().shape([2]).create("d")?;
    /// assert_eq!(ds.file().superblock_version(), file.superblock_version());
    /// assert_eq!(ds.file().root().dataset("d")?.address(), ds.address());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The stored datatype.
    ///
    /// ```
    /// // h5dump: DATATYPE H5T_IEEE_F32LE.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("contiguous")?;
    /// assert_eq!(ds.dtype().element_size(), 4);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn dtype(&self) -> &Datatype {
        &self.meta.dtype
    }

    /// The dataspace, as this handle was opened or last resized it; [`Dataset::shape`]
    /// also follows resizes made through other handles since.
    ///
    /// ```
    /// use h5oxide::format::object_header::message::dataspace::DataspaceKind;
    /// // h5dump: DATASPACE SIMPLE { ( 3, 5, 6 ) / ( H5S_UNLIMITED, 10, 6 ) }
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/dataspaces.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("maxdims_mixed")?;
    /// assert_eq!(ds.space().kind, DataspaceKind::Simple);
    /// assert_eq!(ds.space().dims, [3, 5, 6]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn space(&self) -> &Dataspace {
        &self.meta.space
    }

    /// The shape: empty for scalar and null dataspaces. For a virtual dataset, the extent
    /// its sources give it now (as h5py and libhdf5 report it), falling back to the stored
    /// extent if the sources cannot be examined.
    ///
    /// ```
    /// // h5dump: DATASPACE SIMPLE { ( 2, 3, 4 ) / ( 2, 3, 4 ) }, and a SCALAR one.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/dataspaces.h5");
    /// let file = h5oxide::File::open(path)?;
    /// assert_eq!(file.root().dataset("rank3")?.shape(), [2, 3, 4]);
    /// assert_eq!(file.root().dataset("scalar")?.shape(), Vec::<u64>::new());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn shape(&self) -> Vec<u64> {
        if matches!(self.meta.layout.storage, Storage::Virtual { .. }) {
            if let Ok(s) = self.virtual_shape() {
                return s;
            }
        }
        self.dims().into_owned()
    }

    /// The current extent: in a writable file it may have changed since this handle was
    /// opened (a resize through another handle), or not be written yet
    /// (crate::write::pending).
    pub(crate) fn dims(&self) -> Cow<'_, [u64]> {
        let own = &self.meta.space.dims;
        if self.meta.space.kind != DataspaceKind::Simple {
            return Cow::Borrowed(own);
        }
        match crate::write::pending::current_dims(&self.file, self.address) {
            Some(d) if d.len() == own.len() && d != *own => Cow::Owned(d),
            _ => Cow::Borrowed(own),
        }
    }

    /// Sets this handle's extent after a resize.
    pub(crate) fn set_dims(&mut self, dims: Vec<u64>) {
        if self.meta.space.dims != dims {
            Arc::make_mut(&mut self.meta).space.dims = dims;
        }
    }

    /// True for a null dataspace (no elements, not even a scalar).
    ///
    /// ```
    /// // h5dump: DATASPACE NULL, and SIMPLE { ( 0 ) / ( 0 ) }.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/dataspaces.h5");
    /// let file = h5oxide::File::open(path)?;
    /// assert!(file.root().dataset("null")?.is_null());
    /// assert!(!file.root().dataset("zero_sized_1d")?.is_null());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn is_null(&self) -> bool {
        self.meta.space.kind == DataspaceKind::Null
    }

    /// Number of dimensions.
    ///
    /// ```
    /// // h5dump: rank5 is SIMPLE { ( 2, 1, 3, 2, 2 ) }, scalar is SCALAR.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/dataspaces.h5");
    /// let file = h5oxide::File::open(path)?;
    /// assert_eq!(file.root().dataset("rank5")?.ndim(), 5);
    /// assert_eq!(file.root().dataset("scalar")?.ndim(), 0);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn ndim(&self) -> usize {
        self.meta.space.dims.len()
    }

    /// Number of elements (1 for a scalar, 0 for a null dataspace).
    ///
    /// ```
    /// // h5dump: rank2 is ( 3, 5 ), zero_sized_2d ( 4, 0 ); plus a scalar and a null one.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/dataspaces.h5");
    /// let file = h5oxide::File::open(path)?;
    /// assert_eq!(file.root().dataset("rank2")?.size(), 15);
    /// assert_eq!(file.root().dataset("zero_sized_2d")?.size(), 0);
    /// assert_eq!(file.root().dataset("scalar")?.size(), 1);
    /// assert_eq!(file.root().dataset("null")?.size(), 0);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn size(&self) -> u64 {
        match self.meta.space.kind {
            DataspaceKind::Null => 0,
            DataspaceKind::Scalar => 1,
            DataspaceKind::Simple => self
                .dims()
                .iter()
                .try_fold(1u64, |a, &d| a.checked_mul(d))
                .unwrap_or(u64::MAX),
        }
    }

    /// Maximum shape, `None` entries unlimited.
    ///
    /// ```
    /// // h5dump: DATASPACE SIMPLE { ( 3, 5, 6 ) / ( H5S_UNLIMITED, 10, 6 ) }
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/dataspaces.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("maxdims_mixed")?;
    /// assert_eq!(ds.max_shape(), [None, Some(10), Some(6)]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn max_shape(&self) -> Vec<Option<u64>> {
        self.meta
            .space
            .max_dims_or_dims()
            .iter()
            .map(|&d| (d != u64::MAX).then_some(d))
            .collect()
    }

    /// Chunk shape, for chunked datasets.
    ///
    /// ```
    /// // h5dump: chunked_edges is CHUNKED ( 5, 4 ); compact is COMPACT.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let file = h5oxide::File::open(path)?;
    /// assert_eq!(file.root().dataset("chunked_edges")?.chunks(), Some(vec![5, 4]));
    /// assert_eq!(file.root().dataset("compact")?.chunks(), None);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn chunks(&self) -> Option<Vec<u64>> {
        match &self.meta.layout.storage {
            Storage::Chunked(c) => Some(c.dims.clone()),
            _ => None,
        }
    }

    /// True if the dataset is chunked.
    ///
    /// ```
    /// // h5dump: STORAGE_LAYOUT CHUNKED ( 4 ), and CONTIGUOUS.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let file = h5oxide::File::open(path)?;
    /// assert!(file.root().dataset("chunked_unwritten")?.is_chunked());
    /// assert!(!file.root().dataset("contiguous")?.is_chunked());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn is_chunked(&self) -> bool {
        matches!(self.meta.layout.storage, Storage::Chunked(_))
    }

    /// The stored layout message.
    ///
    /// ```
    /// use h5oxide::format::object_header::message::layout::Storage;
    /// // h5dump: STORAGE_LAYOUT { CONTIGUOUS SIZE 168 OFFSET 2048 }
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("contiguous")?;
    /// match &ds.layout().storage {
    ///     Storage::Contiguous { address, .. } => assert_eq!(*address, 2048),
    ///     other => panic!("expected contiguous storage, got {other:?}"),
    /// }
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn layout(&self) -> &Layout {
        &self.meta.layout
    }

    /// The filter pipeline, for filtered datasets.
    ///
    /// ```
    /// // h5dump: FILTERS { COMPRESSION DEFLATE { LEVEL 6 } }; deflate is filter 1 (spec IV.A.2.l).
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/filters_builtin.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("deflate_6")?;
    /// let pipeline = ds.filters().expect("a filtered dataset");
    /// assert_eq!(pipeline.filters.len(), 1);
    /// assert_eq!(pipeline.filters[0].id, 1);
    /// assert_eq!(pipeline.filters[0].client_data, [6]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn filters(&self) -> Option<&FilterPipeline> {
        self.meta.pipeline.as_ref()
    }

    /// The bytes unwritten elements read as: the fill value unless its fill time is
    /// "never" (then zeros, `None`).
    pub(crate) fn fill_for_read(&self) -> Option<&[u8]> {
        self.meta.fill.as_deref().filter(|_| self.meta.fill_on_read)
    }

    /// The fill value's stored bytes, when the dataset defines one.
    ///
    /// ```
    /// // h5dump: FILLVALUE { FILL_TIME H5D_FILL_TIME_IFSET VALUE -99 } for a 32-bit LE integer.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/fill_values.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("alloc_late_contiguous")?;
    /// assert_eq!(ds.fill_value_bytes(), Some(&(-99i32).to_le_bytes()[..]));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn fill_value_bytes(&self) -> Option<&[u8]> {
        self.meta.fill.as_deref()
    }

    /// Attributes of the dataset.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<f32>().shape([3]).create("t")?;
    /// ds.attrs().set("scale", &2.5f64)?;
    /// assert_eq!(ds.attrs().names()?, ["scale"]);
    /// assert_eq!(ds.attrs().attr("scale")?.read_scalar::<f64>()?, 2.5);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn attrs(&self) -> crate::attribute::Attributes {
        crate::attribute::Attributes::new(self.file.clone(), self.address, self.path.clone())
    }

    /// Every element's stored bytes, row-major (variable-length elements as their heap
    /// references).
    ///
    /// ```
    /// // h5dump: compact (H5T_STD_I32LE) starts 0, 7, 14.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("compact")?;
    /// let bytes = ds.read_bytes()?;
    /// assert_eq!(bytes.len(), 80);
    /// assert_eq!(bytes[..12], [0, 0, 0, 0, 7, 0, 0, 0, 14, 0, 0, 0]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// Storage that cannot be read or decoded.
    pub fn read_bytes(&self) -> Result<Vec<u8>> {
        // A virtual dataset with unlimited mappings has the extent its sources give it now,
        // not the one stored when it was written (libhdf5's H5D_VDS_LAST_AVAILABLE view).
        if matches!(self.meta.layout.storage, Storage::Virtual { .. }) {
            return self.read_bytes_selection(&Selection::all(&self.virtual_shape()?));
        }
        self.read_bytes_selection(&Selection::all(&self.dims()))
    }

    /// Calls `f` with the stored bytes of every element: borrowed straight from the file
    /// (no copy with the mmap backend) for contiguous and compact data, read into a buffer
    /// otherwise.
    pub(crate) fn with_all_bytes<R>(&self, f: impl FnOnce(&[u8]) -> Result<R>) -> Result<R> {
        let m = &self.meta;
        let len = m
            .space
            .element_count()
            .and_then(|n| n.checked_mul(m.dtype.element_size() as u64))
            .filter(|&n| n <= self.file.inner.limits.max_read_bytes)
            .and_then(|n| usize::try_from(n).ok());
        if let (Some(len), None, false) = (
            len,
            m.external.as_ref(),
            m.space.kind == DataspaceKind::Null,
        ) {
            match &m.layout.storage {
                Storage::Contiguous { address, .. } if *address != UNDEFINED_ADDRESS => {
                    let block = read_structure(&self.file.inner.src, *address, len as u64, RAW)?;
                    return f(&block);
                }
                Storage::Compact { data, .. } if data.len() >= len => return f(&data[..len]),
                _ => {}
            }
        }
        f(&self.read_bytes()?)
    }

    /// The stored bytes of the elements `sel` selects, row-major in the selection's shape.
    /// Only the chunks the selection touches are read and decoded.
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection};
    /// // h5dump: compact row 1 is 35, 42, 49, 56, 63; take columns 1 and 3.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("compact")?;
    /// let rows = DimSlice { start: 1, step: 1, count: 1 };
    /// let cols = DimSlice { start: 1, step: 2, count: 2 };
    /// let sel = Selection::new(vec![rows, cols], &ds.shape())?;
    /// assert_eq!(ds.read_bytes_selection(&sel)?, [42, 0, 0, 0, 56, 0, 0, 0]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// A selection outside the dataset; storage that cannot be read or decoded.
    pub fn read_bytes_selection(&self, sel: &Selection) -> Result<Vec<u8>> {
        let m = &self.meta;
        if m.space.kind == DataspaceKind::Null {
            return Ok(Vec::new());
        }
        let elem = m.dtype.element_size();
        let n = sel.len().ok_or(Error::Usage("selection size overflows"))?;
        let total = n
            .checked_mul(elem as u64)
            .filter(|&t| t <= self.file.inner.limits.max_read_bytes)
            .ok_or_else(|| {
                Error::from(FormatError::new(
                    ErrorKind::LimitExceeded {
                        limit: "max_read_bytes",
                        requested: n.saturating_mul(elem as u64),
                        allowed: self.file.inner.limits.max_read_bytes,
                    },
                    "dataset read",
                    self.address,
                ))
            })? as usize;
        let mut out = match m.fill.as_ref().filter(|_| m.fill_on_read) {
            Some(f) => f.iter().copied().cycle().take(total).collect(),
            None => vec![0u8; total],
        };
        if n == 0 {
            return Ok(out);
        }
        let dims = &m.space.dims;
        if let Some(efl) = &m.external {
            crate::external_storage::read_into(self, efl, sel, None, &mut out)?;
            return Ok(out);
        }
        match &m.layout.storage {
            Storage::Compact { data, .. } => {
                sel.copy_from_block(data, &vec![0; dims.len()], dims, elem, &mut out)?;
            }
            Storage::Contiguous { address, .. } => {
                if *address != UNDEFINED_ADDRESS {
                    // Read only the rows (first-dimension indices) the selection spans.
                    let (r0, r1) = match sel.dims().first() {
                        Some(d) => (d.start, d.last().unwrap_or(d.start)),
                        None => (0, 0),
                    };
                    let row: u64 = dims.iter().skip(1).product::<u64>().max(1);
                    let row_bytes = row.saturating_mul(elem as u64);
                    let len = (r1 - r0 + 1).saturating_mul(row_bytes);
                    let len = usize::try_from(len).map_err(|_| {
                        unsupported("contiguous data beyond the address space", *address)
                    })?;
                    let at = address.saturating_add(r0.saturating_mul(row_bytes));
                    let block = read_structure(&self.file.inner.src, at, len as u64, RAW)?;
                    let mut origin = vec![0; dims.len()];
                    let mut shape = dims.clone();
                    if let (Some(o), Some(n)) = (origin.first_mut(), shape.first_mut()) {
                        *o = r0;
                        *n = r1 - r0 + 1;
                    }
                    sel.copy_from_block(&block, &origin, &shape, elem, &mut out)?;
                }
            }
            Storage::Chunked(c) => self.read_chunked(c, sel, elem, &mut out)?,
            Storage::Virtual {
                heap_address,
                heap_index,
            } => {
                crate::virtual_dataset::read_into(self, *heap_address, *heap_index, sel, &mut out)?;
            }
        }
        Ok(out)
    }

    fn read_chunked(
        &self,
        c: &ChunkedLayout,
        sel: &Selection,
        elem: usize,
        out: &mut [u8],
    ) -> Result<()> {
        let chunk_bytes = c
            .chunk_bytes()
            .and_then(|b| usize::try_from(b).ok())
            .ok_or_else(|| unsupported("chunk size beyond the address space", c.address))?;
        let records = self.records(c)?;
        let ranges = sel.chunk_ranges(&c.dims);
        let touched = |r: &ChunkRecord| {
            r.offset
                .iter()
                .zip(&ranges)
                .all(|(o, rs)| rs.binary_search(o).is_ok())
        };
        let mut wanted: Vec<&ChunkRecord> = records
            .iter()
            .filter(|r| r.address != UNDEFINED_ADDRESS && touched(r))
            .collect();
        if wanted.is_empty() || sel.dims().is_empty() {
            return Ok(());
        }
        // Chunks sharing a first-dimension offset fill their own run of output rows: each
        // such band is decoded and scattered on its own thread without sharing an output
        // byte with another band.
        wanted.sort_by(|a, b| a.offset.cmp(&b.offset));
        let dims = self.dims();
        let dims = &*dims;
        let keep = self.chunks_to_keep(c, sel, &wanted, chunk_bytes, dims);
        let wanted: Vec<(&ChunkRecord, bool)> = wanted.into_iter().zip(keep).collect();
        let row_bytes = sel
            .dims()
            .iter()
            .skip(1)
            .map(|d| d.count)
            .product::<u64>()
            .saturating_mul(elem as u64) as usize;
        let c0 = c.dims.first().copied().unwrap_or(1);
        type Band<'o, 'r> = (Selection, &'o mut [u8], Vec<(&'r ChunkRecord, bool)>);
        let mut bands: Vec<Band<'_, '_>> = Vec::new();
        let mut rest: &mut [u8] = out;
        let mut consumed = 0u64;
        for group in wanted.chunk_by(|a, b| a.0.offset.first() == b.0.offset.first()) {
            let o0 = group[0].0.offset.first().copied().unwrap_or(0);
            let (band, lo, hi) = sel.band(o0, c0);
            if lo < consumed || hi <= lo {
                continue;
            }
            let skip = (lo - consumed) as usize * row_bytes;
            let len = (hi - lo) as usize * row_bytes;
            let (_, tail) = std::mem::take(&mut rest).split_at_mut(skip);
            let (band_out, tail) = tail.split_at_mut(len);
            rest = tail;
            consumed = hi;
            bands.push((band, band_out, group.to_vec()));
        }
        let fill_band = |(band, band_out, chunks): Band<'_, '_>| {
            for (r, keep) in chunks {
                if !keep {
                    // A chunk that is one run of the output is decoded straight into it.
                    let place = direct_place(&band, r, &c.dims, dims, row_bytes, chunk_bytes);
                    if let Some(out) = place.and_then(|p| band_out.get_mut(p)) {
                        self.chunk_into(r, chunk_bytes, out)?;
                        continue;
                    }
                }
                let data = self.cached_chunk(r, chunk_bytes, keep)?;
                band.copy_from_block(&data, &r.offset, &c.dims, elem, band_out)?;
            }
            Ok::<(), Error>(())
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            if bands.len() > 1 {
                return bands.into_par_iter().try_for_each(fill_band);
            }
            // One band: decode its chunks in parallel, then scatter them in order.
            if let Some((band, band_out, chunks)) = bands.pop() {
                if chunks.len() == 1 {
                    return fill_band((band, band_out, chunks));
                }
                let decoded: Vec<Result<ChunkBytes<'_>>> = chunks
                    .par_iter()
                    .map(|&(r, keep)| self.cached_chunk(r, chunk_bytes, keep))
                    .collect();
                for ((r, _), data) in chunks.iter().zip(decoded) {
                    band.copy_from_block(&data?, &r.offset, &c.dims, elem, band_out)?;
                }
            }
            Ok(())
        }
        #[cfg(not(feature = "parallel"))]
        {
            bands.into_iter().try_for_each(fill_band)
        }
    }

    /// Which of the chunks a read needs (sorted by offset) to store in the chunk cache.
    /// All of them when they fit together; otherwise the read is larger than the cache and
    /// must not flush it with chunks it uses up, so only chunks the selection covers in
    /// part are kept, the last ones first (the next slice of a forward scan starts there).
    fn chunks_to_keep(
        &self,
        c: &ChunkedLayout,
        sel: &Selection,
        wanted: &[&ChunkRecord],
        chunk_bytes: usize,
        dims: &[u64],
    ) -> Vec<bool> {
        let cap = self.file.inner.chunk_cache.capacity();
        if chunk_bytes == 0 || chunk_bytes > cap {
            return vec![false; wanted.len()];
        }
        if wanted.len().saturating_mul(chunk_bytes) <= cap {
            return vec![true; wanted.len()];
        }
        let covered =
            |r: &ChunkRecord| {
                r.offset.iter().zip(&c.dims).zip(dims).zip(sel.dims()).all(
                    |(((&o, &cd), &n), d)| {
                        let end = o.saturating_add(cd).min(n);
                        (d.step == 1 || d.count == 1)
                            && d.start <= o
                            && d.start.saturating_add(d.count) >= end
                    },
                )
            };
        let mut keep = vec![false; wanted.len()];
        let mut room = cap;
        for (k, r) in wanted.iter().enumerate().rev() {
            if room < chunk_bytes {
                break;
            }
            if !covered(r) {
                keep[k] = true;
                room -= chunk_bytes;
            }
        }
        keep
    }

    /// One chunk's decoded data, from the file's chunk cache when it holds it; `keep`
    /// stores a freshly decoded chunk there.
    pub(crate) fn cached_chunk(
        &self,
        r: &ChunkRecord,
        chunk_bytes: usize,
        keep: bool,
    ) -> Result<ChunkBytes<'_>> {
        let cache = &self.file.inner.chunk_cache;
        let usable = chunk_bytes <= cache.capacity();
        if usable {
            if let Some(hit) = cache.get(&(self.address, r.offset.clone())) {
                // The tag is the chunk's file address: a chunk rewritten elsewhere since
                // it was cached is decoded again.
                if hit.tag == r.address && hit.data.len() >= chunk_bytes {
                    return Ok(ChunkBytes::Cached(hit.data));
                }
            }
        }
        match self.chunk_data(r, chunk_bytes)? {
            Cow::Owned(v) if keep && usable => {
                let data = Arc::new(v);
                cache.insert(
                    (self.address, r.offset.clone()),
                    Arc::clone(&data),
                    r.address,
                );
                Ok(ChunkBytes::Cached(data))
            }
            d => Ok(ChunkBytes::File(d)),
        }
    }

    /// Decodes one chunk into `out` (exactly the chunk's size), or copies it from the
    /// chunk cache when that holds it.
    fn chunk_into(&self, r: &ChunkRecord, chunk_bytes: usize, out: &mut [u8]) -> Result<()> {
        let cache = &self.file.inner.chunk_cache;
        if chunk_bytes <= cache.capacity() {
            if let Some(hit) = cache.get(&(self.address, r.offset.clone())) {
                if hit.tag == r.address && hit.data.len() >= out.len() {
                    out.copy_from_slice(&hit.data[..out.len()]);
                    return Ok(());
                }
            }
        }
        let (raw, pipeline) = self.stored_chunk(r, chunk_bytes)?;
        match pipeline {
            Some(p) => {
                h5oxide_storage::filter::pipeline::decode_chunk_into(p, r.filter_mask, &raw, out)?
            }
            None => {
                let src = raw
                    .get(..out.len())
                    .ok_or_else(|| short_chunk(r, &raw, out.len()))?;
                out.copy_from_slice(src);
            }
        }
        Ok(())
    }

    /// Drops this dataset's chunks from the file's chunk cache, under whichever header
    /// address they were stored: called when its data or shape changes.
    pub(crate) fn forget_cached_chunks(&self) {
        let inner = &self.file.inner;
        let me = inner.resolve(self.address);
        inner
            .chunk_cache
            .invalidate(|(a, _)| *a == self.address || *a == me || inner.resolve(*a) == me);
    }

    /// One chunk's stored bytes (borrowed straight from the file when the backend can lend
    /// them), and the pipeline to undo on them, if any.
    fn stored_chunk(
        &self,
        r: &ChunkRecord,
        chunk_bytes: usize,
    ) -> Result<(Cow<'_, [u8]>, Option<&FilterPipeline>)> {
        let inner = &self.file.inner;
        // The decoded size comes from the file: charge it before any filter allocates it.
        Limits::check(
            "max_read_bytes",
            chunk_bytes as u64,
            inner.limits.max_read_bytes,
            "dataset chunk",
            r.address,
        )?;
        let size = usize::try_from(r.size)
            .ok()
            .filter(|&s| {
                s as u64
                    <= inner
                        .limits
                        .max_structure_bytes
                        .max((chunk_bytes as u64).saturating_mul(2).saturating_add(4096))
            })
            .ok_or_else(|| unsupported("chunk larger than the structure limit", r.address))?;
        let raw = read_structure(&inner.src, r.address, size as u64, "dataset chunk")?;
        // Layout flag bit 0 (spec IV.A.2.i, version 4): partial edge chunks are stored
        // unfiltered.
        let unfiltered_edge = match &self.meta.layout.storage {
            Storage::Chunked(c) if c.flags & 1 != 0 => r
                .offset
                .iter()
                .zip(&c.dims)
                .zip(self.dims().iter())
                .any(|((&o, &cd), &n)| o.saturating_add(cd) > n),
            _ => false,
        };
        let pipeline = self
            .meta
            .pipeline
            .as_ref()
            .filter(|p| !p.filters.is_empty() && !unfiltered_edge);
        Ok((raw, pipeline))
    }

    /// One chunk's data, decoded through the filter pipeline (borrowed straight from the
    /// file when unfiltered and the backend can lend it), at least `chunk_bytes` long.
    pub(crate) fn chunk_data(&self, r: &ChunkRecord, chunk_bytes: usize) -> Result<Cow<'_, [u8]>> {
        let (raw, pipeline) = self.stored_chunk(r, chunk_bytes)?;
        let data = match pipeline {
            Some(p) => Cow::Owned(h5oxide_storage::filter::pipeline::decode_chunk_from(
                p,
                r.filter_mask,
                &raw,
                chunk_bytes,
            )?),
            None => raw,
        };
        if data.len() < chunk_bytes {
            return Err(short_chunk(r, &data, chunk_bytes));
        }
        Ok(data)
    }

    /// Every stored chunk (element offset, stored size, filter mask, address), whatever the
    /// chunk index; empty for datasets that are not chunked.
    ///
    /// ```
    /// // h5dump: chunked_edges is 23 x 17 u16 in 5 x 4 chunks, SIZE 1000:
    /// // 5 x 5 chunks of 40 bytes.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("chunked_edges")?;
    /// let chunks = ds.chunk_list()?;
    /// assert_eq!(chunks.len(), 25);
    /// assert!(chunks.iter().all(|c| c.size == 40 && c.filter_mask == 0));
    /// assert!(chunks.iter().any(|c| c.offset == [20, 16]));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The chunk index is malformed.
    pub fn chunk_list(&self) -> Result<Vec<ChunkRecord>> {
        match &self.meta.layout.storage {
            Storage::Chunked(c) => Ok(self.records(c)?.as_ref().clone()),
            _ => Ok(Vec::new()),
        }
    }

    /// The chunk records, read from the index once per handle (see [`Meta`]).
    pub(crate) fn records(&self, c: &ChunkedLayout) -> Result<Arc<Vec<ChunkRecord>>> {
        // In a writable file, chunks may be held back in memory and this handle's layout
        // may predate the last writes (crate::write::pending).
        if let Some(c) = crate::write::pending::current_layout(&self.file, self.address)? {
            return Ok(Arc::new(self.chunk_records(&c)?));
        }
        if let Some(r) = self.meta.records.get() {
            return Ok(Arc::clone(r));
        }
        let r = Arc::new(self.chunk_records(c)?);
        Ok(Arc::clone(self.meta.records.get_or_init(|| r)))
    }

    /// Bytes the dataset's data occupies in the file (h5py's `id.get_storage_size()`): the
    /// sum of stored chunk sizes, or the contiguous/compact size (0 if never written).
    ///
    /// ```
    /// // h5dump STORAGE_LAYOUT SIZE: 1000 (chunked), 168 (contiguous), 80 (compact),
    /// // 0 (never written).
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let root = h5oxide::File::open(path)?.root();
    /// assert_eq!(root.dataset("chunked_edges")?.storage_size()?, 1000);
    /// assert_eq!(root.dataset("contiguous")?.storage_size()?, 168);
    /// assert_eq!(root.dataset("compact")?.storage_size()?, 80);
    /// assert_eq!(root.dataset("chunked_unwritten")?.storage_size()?, 0);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The chunk index is malformed.
    pub fn storage_size(&self) -> Result<u64> {
        let elem = self.meta.dtype.element_size() as u64;
        Ok(match &self.meta.layout.storage {
            Storage::Chunked(_) => self.chunk_list()?.iter().map(|r| r.size).sum(),
            Storage::Contiguous { address, size, .. } => {
                if *address == UNDEFINED_ADDRESS {
                    0
                } else {
                    size.unwrap_or_else(|| self.size().saturating_mul(elem))
                }
            }
            Storage::Compact { data, .. } => data.len() as u64,
            Storage::Virtual { .. } => 0,
        })
    }

    /// Every stored chunk of a chunked dataset, whatever its index (spec VII).
    fn chunk_records(&self, c: &ChunkedLayout) -> Result<Vec<ChunkRecord>> {
        let i = &self.file.inner;
        let m = &self.meta;
        let rank = c.dims.len();
        let chunk_bytes = c.chunk_bytes().unwrap_or(u64::MAX);
        let max_dims = m.space.max_dims_or_dims().to_vec();
        let from_entries = |entries: Vec<chunk_index::ChunkEntry>,
                            grid: &ChunkGrid,
                            swizzled: Option<usize>|
         -> Vec<ChunkRecord> {
            entries
                .into_iter()
                .enumerate()
                .filter(|(_, e)| e.address != UNDEFINED_ADDRESS)
                .map(|(k, e)| {
                    let coords = grid.coords_of(k as u64);
                    let offset = match swizzled {
                        Some(d) => chunk_index::unswizzle(&coords, d),
                        None => coords,
                    };
                    ChunkRecord {
                        offset,
                        filter_mask: e.filter_mask,
                        size: e.size.unwrap_or(chunk_bytes),
                        address: e.address,
                    }
                })
                .collect()
        };
        if c.address == UNDEFINED_ADDRESS {
            return Ok(Vec::new());
        }
        Ok(match c.index {
            ChunkIndex::BtreeV1 => {
                chunk_index::btree_v1::chunks(&i.src, c.address, rank, &i.ctx, &i.limits)?
            }
            ChunkIndex::Single { filtered } => {
                single::records(rank, c.address, filtered, chunk_bytes)
            }
            ChunkIndex::Implicit => {
                let grid = ChunkGrid::new(&c.dims, &max_dims, None)?;
                let count = grid
                    .max_chunks()
                    .iter()
                    .try_fold(1u64, |a, &n| a.checked_mul(n))
                    .unwrap_or(0);
                i.limits.structure_size(
                    count.saturating_mul(64),
                    "implicit chunk index",
                    c.address,
                )?;
                implicit::records(c.address, &grid, count, chunk_bytes)
            }
            ChunkIndex::FixedArray { .. } => {
                let hdr = fixed_array::read_header(&i.src, c.address, &i.ctx, &i.limits)?;
                let entries = fixed_array::read_entries(&i.src, &hdr, &i.ctx, &i.limits)?;
                let grid = ChunkGrid::new(&c.dims, &max_dims, None)?;
                from_entries(entries, &grid, None)
            }
            ChunkIndex::ExtensibleArray { .. } => {
                let hdr = extensible_array::read_header(&i.src, c.address, &i.ctx, &i.limits)?;
                let entries = extensible_array::read_entries(&i.src, &hdr, &i.ctx, &i.limits)?;
                let unlimited = max_dims.iter().position(|&d| d == u64::MAX).unwrap_or(0);
                let grid = ChunkGrid::new(&c.dims, &max_dims, Some(unlimited))?;
                from_entries(entries, &grid, Some(unlimited))
            }
            ChunkIndex::BtreeV2 { .. } => {
                let size_len =
                    chunk_index::btree_v2::chunk_size_len(m.layout.version, chunk_bytes, &i.ctx);
                chunk_index::btree_v2::read_chunk_records(
                    &i.src,
                    c.address,
                    &i.ctx,
                    &i.limits,
                    &c.dims,
                    chunk_bytes,
                    size_len,
                )?
            }
        })
    }

    /// Every element as a [`Value`], row-major (a scalar gives one value, a null
    /// dataspace none).
    ///
    /// ```
    /// use h5oxide::Value;
    /// // h5dump: contiguous (H5T_IEEE_F32LE) starts 0, 0.125, 0.25.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("contiguous")?;
    /// let values = ds.read_values()?;
    /// assert_eq!(values.len(), 42);
    /// assert_eq!(values[..3], [Value::Float(0.0), Value::Float(0.125), Value::Float(0.25)]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// Storage that cannot be read or decoded.
    pub fn read_values(&self) -> Result<Vec<Value>> {
        let bytes = self.read_bytes()?;
        decode_many(&self.meta.dtype, &bytes, &self.file, 0)
    }

    /// The selected elements as [`Value`]s, row-major in the selection's shape.
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection, Value};
    /// // h5dump: compact column 0 is 0, 35, 70, 105.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("compact")?;
    /// let col = DimSlice { start: 0, step: 1, count: 1 };
    /// let sel = Selection::new(vec![DimSlice::all(4), col], &[4, 5])?;
    /// let want: Vec<Value> = [0, 35, 70, 105].into_iter().map(Value::Int).collect();
    /// assert_eq!(ds.read_values_selection(&sel)?, want);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::read_bytes_selection`].
    pub fn read_values_selection(&self, sel: &Selection) -> Result<Vec<Value>> {
        let bytes = self.read_bytes_selection(sel)?;
        decode_many(&self.meta.dtype, &bytes, &self.file, 0)
    }
}

fn short_chunk(r: &ChunkRecord, data: &[u8], chunk_bytes: usize) -> Error {
    FormatError::new(
        ErrorKind::UnexpectedEof {
            needed: chunk_bytes as u64,
            available: data.len() as u64,
        },
        "dataset chunk",
        r.address,
    )
    .into()
}

/// Where chunk `r` lands in the output of `band` when it is one contiguous run of it: the
/// chunk lies inside the dataset, the band takes all of its rows (step 1), and in every
/// other dimension the band selects exactly the chunk's extent.
fn direct_place(
    band: &Selection,
    r: &ChunkRecord,
    chunk: &[u64],
    dims: &[u64],
    row_bytes: usize,
    chunk_bytes: usize,
) -> Option<std::ops::Range<usize>> {
    let b = band.dims();
    let (b0, &o0, &c0, &n0) = (b.first()?, r.offset.first()?, chunk.first()?, dims.first()?);
    let end0 = o0.checked_add(c0)?;
    let rows_ok = (b0.step == 1 || b0.count == 1)
        && b0.start <= o0
        && end0 <= b0.start.checked_add(b0.count)?
        && end0 <= n0;
    let rest_ok = b.len() == r.offset.len()
        && b.iter()
            .zip(&r.offset)
            .zip(chunk)
            .zip(dims)
            .skip(1)
            .all(|(((d, &o), &cd), &n)| {
                (d.step == 1 || d.count == 1)
                    && d.start == o
                    && d.count == cd
                    && o.checked_add(cd).is_some_and(|e| e <= n)
            });
    if !rows_ok || !rest_ok || (c0 as usize).checked_mul(row_bytes)? != chunk_bytes {
        return None;
    }
    let start = usize::try_from(o0 - b0.start)
        .ok()?
        .checked_mul(row_bytes)?;
    Some(start..start.checked_add(chunk_bytes)?)
}

fn unsupported(what: &'static str, at: u64) -> Error {
    FormatError::new(ErrorKind::Unsupported { what }, "dataset", at).into()
}

impl HeapSource for File {
    fn global_heap_object(&self, id: &GlobalHeapId) -> Result<Vec<u8>> {
        let i = &self.inner;
        Ok(id.read_object(&i.src, &i.ctx, &i.limits)?)
    }

    fn global_heap_collection(&self, address: u64) -> Result<GlobalHeapCollection> {
        let i = &self.inner;
        Ok(GlobalHeapCollection::read(
            &i.src, address, &i.ctx, &i.limits,
        )?)
    }

    fn context(&self) -> Context {
        self.inner.ctx
    }
}

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.path.rsplit('/').next().unwrap_or("");
        let shape = match self.meta.space.kind {
            DataspaceKind::Null => "None".to_owned(),
            _ => {
                let dims: Vec<String> = self.dims().iter().map(|d| d.to_string()).collect();
                if dims.len() == 1 {
                    format!("({},)", dims[0])
                } else {
                    format!("({})", dims.join(", "))
                }
            }
        };
        write!(
            f,
            "<HDF5 dataset \"{name}\": shape {shape}, type \"{}\">",
            numpy_str(&self.meta.dtype)
        )
    }
}

/// The NumPy `dtype.str` h5py shows for a type in a dataset's repr: `<i8`, `>f4`, `|u1`,
/// `|S6` for fixed strings, `|O` for variable-length data and references, `|V<n>` for
/// compounds, arrays and opaque data, `<c16` for complex numbers, `|b1` for h5py's
/// booleans; enumerations show their base integer.
pub(crate) fn numpy_str(t: &Datatype) -> String {
    use h5oxide_format::object_header::message::datatype::{ByteOrder, TypeClass};
    let size = t.element_size();
    let order = |o: &ByteOrder| {
        if size == 1 {
            "|"
        } else if *o == ByteOrder::BigEndian {
            ">"
        } else {
            "<"
        }
    };
    match &t.class {
        TypeClass::FixedPoint {
            order: o, signed, ..
        } => {
            format!("{}{}{size}", order(o), if *signed { 'i' } else { 'u' })
        }
        TypeClass::FloatingPoint { order: o, .. } => format!("{}f{size}", order(o)),
        TypeClass::Bitfield { order: o, .. } => format!("{}u{size}", order(o)),
        TypeClass::String { .. } => format!("|S{size}"),
        TypeClass::VarLen { .. } | TypeClass::Reference { .. } => "|O".to_owned(),
        TypeClass::Enum { base, members } => {
            let is_bool = members.len() == 2
                && members.iter().any(|m| m.name == "FALSE")
                && members.iter().any(|m| m.name == "TRUE");
            if is_bool && size == 1 {
                "|b1".to_owned()
            } else {
                numpy_str(base)
            }
        }
        TypeClass::Compound { members }
            if members.len() == 2
                && members[0].name == "r"
                && members[1].name == "i"
                && members[0].dtype == members[1].dtype
                && matches!(members[0].dtype.class, TypeClass::FloatingPoint { .. }) =>
        {
            match &members[0].dtype.class {
                TypeClass::FloatingPoint { order: o, .. } => format!("{}c{size}", order(o)),
                _ => format!("|V{size}"),
            }
        }
        TypeClass::Complex { base, .. } => match &base.class {
            TypeClass::FloatingPoint { order: o, .. } => format!("{}c{size}", order(o)),
            _ => format!("|V{size}"),
        },
        _ => format!("|V{size}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::file::{File, Libver};
    use crate::selection::{DimSlice, Selection};
    use ndarray::s;

    const ROWS: u64 = 64;
    const COLS: u64 = 32;

    fn value(r: u64, c: u64) -> i32 {
        (r * 1000 + c) as i32
    }

    /// A 64 x 32 `i32` deflated dataset in chunks of 8 rows (1 KiB each) in a file whose
    /// chunk cache holds `cache` bytes.
    fn file(libver: Libver, cache: usize) -> (File, crate::dataset::Dataset) {
        let f = File::options()
            .libver(libver)
            .chunk_cache_size(cache)
            .in_memory()
            .unwrap();
        let data: Vec<i32> = (0..ROWS)
            .flat_map(|r| (0..COLS).map(move |c| value(r, c)))
            .collect();
        let ds = f
            .root()
            .new_dataset_builder()
            .with_data(&data)
            .shape([ROWS as usize, COLS as usize])
            .max_shape([None, Some(COLS as usize)])
            .chunk([8, COLS as usize])
            .deflate(6)
            .create("d")
            .unwrap();
        (f, ds)
    }

    fn rows(ds: &crate::dataset::Dataset, from: u64, to: u64) -> Vec<i32> {
        let sel = Selection::new(
            vec![
                DimSlice {
                    start: from,
                    step: 1,
                    count: to - from,
                },
                DimSlice::all(COLS),
            ],
            &[ROWS, COLS],
        )
        .unwrap();
        ds.read_bytes_selection(&sel)
            .unwrap()
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes(b.try_into().unwrap()))
            .collect()
    }

    fn expected(from: u64, to: u64) -> Vec<i32> {
        (from..to)
            .flat_map(|r| (0..COLS).map(move |c| value(r, c)))
            .collect()
    }

    #[test]
    fn overlapping_slices_decode_each_chunk_once() {
        for libver in [Libver::Earliest, Libver::Latest] {
            let (f, ds) = file(libver, 4096);
            let cache = &f.inner.chunk_cache;
            assert_eq!(rows(&ds, 4, 12), expected(4, 12));
            // Chunks 0 and 8 missed, both kept (2 KiB fit in 4 KiB).
            assert_eq!(
                (cache.stats(), cache.len(), cache.bytes()),
                ((0, 2), 2, 2048)
            );
            assert_eq!(rows(&ds, 12, 20), expected(12, 20));
            // Chunk 8 hit, chunk 16 decoded.
            assert_eq!((cache.stats(), cache.len()), ((1, 3), 3));
            assert_eq!(rows(&ds, 9, 11), expected(9, 11));
            assert_eq!(cache.stats(), (2, 3));
        }
    }

    #[test]
    fn a_read_larger_than_the_cache_bypasses_it() {
        let (f, ds) = file(Libver::Latest, 4096);
        let cache = &f.inner.chunk_cache;
        assert_eq!(rows(&ds, 0, 8), expected(0, 8));
        assert_eq!(cache.len(), 1);
        // Eight whole chunks (8 KiB) do not fit: none is stored, the cached one is used.
        assert_eq!(rows(&ds, 0, ROWS), expected(0, ROWS));
        assert_eq!((cache.len(), cache.stats()), (1, (1, 8)));
        // 6 whole chunks and 2 cut ones: only the cut ones are stored, the later first.
        cache.clear();
        assert_eq!(rows(&ds, 4, 60), expected(4, 60));
        assert_eq!(cache.len(), 2);
        assert_eq!(rows(&ds, 56, 58), expected(56, 58));
        assert_eq!(rows(&ds, 4, 6), expected(4, 6));
        assert_eq!(cache.stats(), (3, 8 + 8));
        // Whole chunks are stored when the read fits in the cache.
        cache.clear();
        assert_eq!(rows(&ds, 0, 16), expected(0, 16));
        assert_eq!(cache.len(), 2);
        let typed: Vec<i32> = ds.read_raw().unwrap();
        assert_eq!(typed, expected(0, ROWS));
        assert_eq!((cache.len(), cache.stats()), (2, (5, 8 + 8 + 2 + 6)));
    }

    #[test]
    fn least_recently_used_chunks_are_evicted() {
        let (f, ds) = file(Libver::Earliest, 2048);
        let cache = &f.inner.chunk_cache;
        for r in [0, 8, 16] {
            assert_eq!(rows(&ds, r, r + 1), expected(r, r + 1));
        }
        assert_eq!((cache.len(), cache.bytes()), (2, 2048));
        assert_eq!(rows(&ds, 17, 18), expected(17, 18));
        assert_eq!(cache.stats(), (1, 3));
        // Chunk 0 was evicted first.
        assert_eq!(rows(&ds, 1, 2), expected(1, 2));
        assert_eq!(cache.stats(), (1, 4));
        let off = file(Libver::Earliest, 0);
        assert_eq!(rows(&off.1, 1, 2), expected(1, 2));
        assert_eq!(rows(&off.1, 1, 2), expected(1, 2));
        assert!(off.0.inner.chunk_cache.is_empty());
    }

    #[test]
    fn writes_and_resizes_drop_the_dataset_chunks() {
        for libver in [Libver::Earliest, Libver::Latest] {
            let (f, mut ds) = file(libver, 1 << 20);
            let cache = &f.inner.chunk_cache;
            assert_eq!(rows(&ds, 10, 12), expected(10, 12));
            assert_eq!(cache.len(), 1);
            let new: Vec<i32> = (0..2 * COLS as i32).map(|v| -v).collect();
            ds.write_slice(&new, s![10..12, ..]).unwrap();
            assert_eq!(rows(&ds, 10, 12), new);
            let mut want = expected(8, 16);
            want[2 * COLS as usize..4 * COLS as usize].copy_from_slice(&new);
            assert_eq!(rows(&ds, 8, 16), want);
            // A fresh handle sees the same.
            let again = f.root().dataset("d").unwrap();
            assert_eq!(rows(&again, 8, 16), want);
            // Shrinking cuts chunk 8 at row 12; growing back shows zeros (the fill value).
            assert_eq!(rows(&ds, 8, 16), want);
            ds.resize([12, COLS as usize]).unwrap();
            ds.resize([ROWS as usize, COLS as usize]).unwrap();
            let got = rows(&ds, 8, 16);
            assert_eq!(got[..4 * COLS as usize], want[..4 * COLS as usize]);
            assert!(got[4 * COLS as usize..].iter().all(|&v| v == 0));
        }
    }
}
