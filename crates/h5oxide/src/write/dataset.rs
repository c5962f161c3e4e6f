//! Creating datasets (contiguous or chunked, with filters) and writing, extending and
//! rewriting their data.
//!
//! Chunk indexes are chosen as described in [`crate::write`]. A rewritten chunk goes to
//! new space (or to its own space when that was allocated since the last commit) and the
//! whole index is rebuilt copy-on-write, keeping its kind.

use h5oxide_format::object_header::message::dataspace::{Dataspace, DataspaceKind, UNLIMITED};
use h5oxide_format::object_header::message::layout::{Layout, Storage};
use h5oxide_format::object_header::message::{types as mtypes, Message};
use h5oxide_format::UNDEFINED_ADDRESS;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::read::SliceSpec;
use crate::selection::{DimSlice, Selection};
use crate::write::builder::type_check;
use crate::write::chunks::{
    chunk_origins, chunked_layout_message, contiguous_runs, write_fill, write_index, ChunkCtx,
};
use crate::write::group::begin;
use crate::write::object_header::{raw, rewrite, sink_of};
use crate::write::pending::{flush_dataset, PendingDataset};
use crate::write::stored::StoredData;
use crate::write::types::Elements;
use crate::write::types::{vlen_string_type, H5Write, WriteData};
use crate::write::vlen::{stored_bytes, write_elements, write_strings};

/// Copies the selected part of `bytes` into the decoded chunks it touches, held in `p`: a
/// chunk not held yet is read, unless the selection covers it whole.
fn buffer_chunks(
    file: &crate::file::File,
    p: &mut PendingDataset,
    sel: &Selection,
    bytes: &[u8],
    chunk: &[u64],
    dims: &[u64],
) -> Result<()> {
    let elem = p.cx.elem;
    for origin in chunk_origins(sel, chunk) {
        let mut block = match p.take_block(&origin) {
            Some(b) => b,
            None if covers(sel, &origin, chunk, dims) => p.cx.fill_block()?,
            None => match p.records.iter().find(|r| r.offset == origin) {
                Some(r) => p.cx.read_chunk(file, r)?,
                None => p.cx.fill_block()?,
            },
        };
        let r = sel.copy_into_block(bytes, &mut block, &origin, chunk, elem);
        let seq = file
            .inner
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .next_seq();
        p.hold(origin, seq, block);
        r?;
    }
    Ok(())
}

/// Whether the selection covers the whole chunk at `origin`, which lies inside the
/// dataset: writing it then needs nothing of the stored chunk.
fn covers(sel: &Selection, origin: &[u64], chunk: &[u64], dims: &[u64]) -> bool {
    let sl = sel.dims();
    sl.len() == chunk.len()
        && sl
            .iter()
            .zip(origin)
            .zip(chunk)
            .zip(dims)
            .all(|(((s, &o), &c), &n)| {
                let end = o.saturating_add(c);
                end <= n
                    && (s.step == 1 || s.count <= 1)
                    && s.start <= o
                    && s.start.saturating_add(s.count) >= end
            })
}

/// Refuses an extent beyond the maximum one.
fn check_max(space: &Dataspace, new: &[u64]) -> Result<()> {
    let max = space.max_dims_or_dims();
    match new.iter().zip(max).find(|(n, m)| **m != UNLIMITED && n > m) {
        Some((&requested, &max)) => Err(Error::ResizeBeyondMax { requested, max }),
        None => Ok(()),
    }
}

fn replace_message(
    msgs: &mut Vec<h5oxide_format::object_header::RawMessage>,
    m: h5oxide_format::object_header::RawMessage,
) {
    match msgs.iter().position(|r| r.msg_type == m.msg_type) {
        Some(i) => msgs[i] = m,
        None => msgs.push(m),
    }
}

impl Dataset {
    /// A fresh view of this dataset (its header may have moved or changed).
    fn reload(&self) -> Result<Dataset> {
        let f = self.file();
        Dataset::new(
            f.clone(),
            f.inner.resolve(self.address()),
            self.name().to_owned(),
        )
    }

    fn check_type<D: WriteData + ?Sized>(&self) -> Result<()> {
        type_check(&Some(self.dtype().clone()), &D::Elem::write_type())
    }

    /// Writes every element (h5py's `ds[...] = data`); `data` must have as many elements
    /// as the dataset. Every handle to the dataset reads the new values afterwards (and its
    /// current shape, see [`Dataset::resize`]).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let mut ds = file.root().new_dataset::<i32>().shape([2, 2]).create("d")?;
    /// ds.write(&[1i32, 2, 3, 4])?;
    /// assert_eq!(ds.read_raw::<i32>()?, [1, 2, 3, 4]);
    /// // The count and type must match.
    /// assert!(ds.write(&[1i32, 2, 3]).is_err());
    /// assert!(ds.write(&[1.0f64, 2.0, 3.0, 4.0]).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if the element type or count differs; `ReadOnly`; filter and I/O errors.
    pub fn write<D: WriteData + ?Sized>(&mut self, data: &D) -> Result<()> {
        self.check_type::<D>()?;
        let sel = Selection::all(&self.dims());
        self.write_data(&sel, data)
    }

    /// Writes `data` into `sel`: converted a piece at a time when it is a row-major slice
    /// of elements without heap data, else through its whole stored form.
    fn write_data<D: WriteData + ?Sized>(&mut self, sel: &Selection, data: &D) -> Result<()> {
        match StoredData::elements_of(data) {
            Some(s) => self.write_stored(sel, &s),
            None => self.write_selection_bytes(sel, &stored_bytes(self.file(), data)?),
        }
    }

    /// Writes `data` into the elements `selection` selects (an ndarray `s![..]` slice or a
    /// [`Selection`]), like h5py's `ds[2:5, 0] = data`; the data's element count must equal
    /// the selection's.
    ///
    /// ```
    /// use h5oxide::ndarray::s;
    /// let file = h5oxide::File::in_memory()?;
    /// let mut ds = file.root().new_dataset::<u16>().shape([3, 4]).chunk([2, 2]).create("d")?;
    /// // h5py: ds[1, 1:3] = [7, 8]
    /// ds.write_slice(&[7u16, 8], s![1, 1..3])?;
    /// assert_eq!(ds.read_raw::<u16>()?, [0, 0, 0, 0, 0, 7, 8, 0, 0, 0, 0, 0]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for a selection outside the dataset or a size or type mismatch; `ReadOnly`;
    /// filter and I/O errors.
    pub fn write_slice<D: WriteData + ?Sized, S: SliceSpec>(
        &mut self,
        data: &D,
        selection: S,
    ) -> Result<()> {
        self.check_type::<D>()?;
        let (sel, _) = selection.resolve(&self.dims())?;
        self.write_data(&sel, data)
    }

    /// Writes stored bytes (row-major, the dataset's element size each) into a selection.
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection};
    /// let file = h5oxide::File::in_memory()?;
    /// let mut ds = file.root().new_dataset::<u8>().shape([6]).create("d")?;
    /// let sel = Selection::new(vec![DimSlice { start: 1, step: 2, count: 3 }], &[6])?;
    /// ds.write_selection_bytes(&sel, &[9, 8, 7])?;
    /// assert_eq!(ds.read_raw::<u8>()?, [0, 9, 0, 8, 0, 7]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::write_slice`].
    pub fn write_selection_bytes(&mut self, sel: &Selection, bytes: &[u8]) -> Result<()> {
        self.write_stored(sel, &StoredData::Bytes(bytes))
    }

    /// Writes stored data into a selection (see [`Dataset::write_selection_bytes`]).
    fn write_stored(&mut self, sel: &Selection, data: &StoredData<'_>) -> Result<()> {
        if crate::write::swmr::active(self.file()) {
            return crate::write::swmr::write_selection(self, sel, &data.whole());
        }
        let file = self.file().clone();
        let mut ws = begin(&file)?;
        // What a chunked dataset's write needs of its header (type, chunk shape, filters,
        // fill value) never changes, and its extent and chunks are followed through
        // write::pending: its header is not read again for each write.
        let ds = if self.is_chunked() {
            let mut ds = self.clone();
            ds.set_dims(self.dims().into_owned());
            ds
        } else {
            self.reload()?
        };
        let elem = ds.dtype().element_size();
        let n = sel.len().ok_or(Error::Usage("selection size overflows"))?;
        if n.saturating_mul(elem as u64) != data.len() {
            return Err(Error::Usage("the data's size differs from the selection's"));
        }
        if n == 0 {
            return Ok(());
        }
        let dims = ds.space().dims.clone();
        if sel.dims().len() != dims.len()
            || sel
                .dims()
                .iter()
                .zip(&dims)
                .any(|(s, &n)| s.count > 0 && s.last().is_none_or(|l| l >= n))
        {
            return Err(Error::Usage("selection outside the dataset"));
        }
        let sink = sink_of(&file, &ws);
        let ctx = file.inner.ctx;
        let fill = ds
            .fill_value_bytes()
            .map(<[u8]>::to_vec)
            .unwrap_or_else(|| vec![0; elem]);
        let pieces = if ds.is_chunked() {
            Vec::new()
        } else {
            ds.external_files()?
        };
        let new_layout = match &ds.layout().storage {
            // Raw data in external files: written there, run by run.
            Storage::Contiguous { .. } if !pieces.is_empty() => {
                let bytes = data.whole();
                let dir = file.path().and_then(|p| p.parent());
                for (offset, from, n) in contiguous_runs(sel, &dims, elem) {
                    let part = bytes
                        .get(from..from + n)
                        .ok_or(Error::Usage("the data's size differs from the selection's"))?;
                    crate::write::external::write_data(dir, &pieces, offset, part)?;
                }
                None
            }
            Storage::Contiguous { address, size, .. } => {
                let total = dims.iter().product::<u64>().saturating_mul(elem as u64);
                let runs = contiguous_runs(sel, &dims, elem);
                let (at, fresh) = if *address == UNDEFINED_ADDRESS {
                    // Storage is allocated at the first write (libhdf5's "late"), and the
                    // fill value goes only where this write does not: a whole-dataset
                    // write writes each byte once.
                    let at = ws.alloc(total)?;
                    let mut done = 0u64;
                    for &(offset, _, n) in &runs {
                        if offset > done {
                            write_fill(&sink, at + done, offset - done, &fill)?;
                        }
                        done = done.max(offset + n as u64);
                    }
                    if total > done {
                        write_fill(&sink, at + done, total - done, &fill)?;
                    }
                    (at, true)
                } else {
                    (*address, false)
                };
                // Raw data is written in place, run by run (see the module documentation
                // of write).
                for (offset, from, n) in runs {
                    data.for_each_piece(from, n, &mut |k, part| {
                        sink.write(at + offset + k as u64, part)
                    })?;
                }
                fresh.then(|| Storage::Contiguous {
                    address: at,
                    size: Some(size.unwrap_or(total)),
                    legacy_dims: Vec::new(),
                })
            }
            Storage::Chunked(c) => {
                // Chunks are kept decoded in memory and the index is written at the next
                // flush (write::pending): rows written one by one cost a copy each.
                let addr = file.inner.resolve(ds.address());
                let taken = file
                    .inner
                    .pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take(addr);
                let mut p = match taken {
                    Some(p) => p,
                    None => {
                        let cx = ChunkCtx {
                            chunk: c.dims.clone(),
                            elem,
                            pipeline: ds.filters().cloned(),
                            fill,
                        };
                        PendingDataset::new(cx, ds.chunk_list()?)
                    }
                };
                let r = buffer_chunks(&file, &mut p, sel, &data.whole(), &c.dims, &dims);
                let mut pending = file.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
                // Put back even after an error: what it holds was written before.
                pending.put(addr, p);
                r?;
                pending.evict(&mut ws, &sink)?;
                None
            }
            _ => {
                return Err(Error::Usage(
                    "writing is supported for contiguous and chunked datasets",
                ))
            }
        };
        let changed = new_layout.is_some();
        if let Some(storage) = new_layout {
            let layout = match storage {
                Storage::Chunked(c) => chunked_layout_message(c),
                storage => Layout {
                    version: ds.layout().version.max(3),
                    storage,
                },
            };
            let m = raw(&Message::Layout(layout), 0, &ctx)?;
            rewrite(&file, &mut ws, ds.address(), &mut |h, _| {
                replace_message(&mut h.messages, m.clone());
                Ok(())
            })?;
        }
        drop(ws);
        if !ds.is_chunked() {
            // Chunked datasets' cached chunks are forgotten when their held chunks are
            // flushed, which comes before any read of them.
            self.forget_cached_chunks();
        }
        // Unchanged header: the view read under the lock is current.
        *self = if changed { self.reload()? } else { ds };
        Ok(())
    }

    /// Writes stored elements with the variable-length data they refer to (an [`Elements`],
    /// as for [`DatasetBuilder::with_elements`](crate::DatasetBuilder::with_elements)) into
    /// a selection of an existing dataset: the heap data goes to new global heap
    /// collections, then the elements are written as by [`Dataset::write_selection_bytes`].
    ///
    /// ```
    /// use h5oxide::format::object_header::message::datatype::{Datatype, TypeClass, VarLenKind};
    /// use h5oxide::write::types::Elements;
    /// use h5oxide::{H5Write, Selection, Value};
    /// let file = h5oxide::File::in_memory()?;
    /// let seq = Datatype::new(16, TypeClass::VarLen {
    ///     kind: VarLenKind::Sequence,
    ///     base: Box::new(u8::write_type()),
    /// });
    /// let b = file.root().new_dataset_builder().dtype(seq);
    /// let mut ds = b.shape([3]).create("seq")?;
    /// let mut items = Elements::new();
    /// items.bytes_mut().extend_from_slice(&[4, 5]);
    /// let mut e = Elements::new();
    /// e.push_var_len(2, items);
    /// let one = h5oxide::DimSlice { start: 1, step: 1, count: 1 };
    /// ds.write_selection_elements(&Selection::new(vec![one], &[3])?, e)?;
    /// let v = ds.read_values()?;
    /// assert_eq!(v[1], Value::Sequence(vec![Value::UInt(4), Value::UInt(5)]));
    /// assert_eq!(v[0], Value::Sequence(vec![]));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::write_selection_bytes`]; `Usage` for variable-length data nested too
    /// deeply.
    pub fn write_selection_elements(&mut self, sel: &Selection, elements: Elements) -> Result<()> {
        let bytes = if elements.has_heap_data() {
            let file = self.file().clone();
            let mut ws = begin(&file)?;
            let sink = sink_of(&file, &ws);
            write_elements(&mut ws, &sink, elements)?
        } else {
            elements.into_parts().0
        };
        self.write_selection_bytes(sel, &bytes)
    }

    /// Writes every element of a variable-length string dataset (new heap space holds the
    /// strings; the old strings' space is not reclaimed).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let b = file.root().new_dataset_builder();
    /// let mut ds = b.with_strings(&["a", "bb"]).create("names")?;
    /// ds.write_strings(&["hello", "world"])?;
    /// assert_eq!(ds.read_strings()?, ["hello", "world"]);
    /// assert!(ds.write_strings(&["one"]).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if the dataset does not hold variable-length strings or the count differs;
    /// `ReadOnly`; I/O errors.
    pub fn write_strings<S: AsRef<str>>(&mut self, values: &[S]) -> Result<()> {
        type_check(&Some(self.dtype().clone()), &vlen_string_type())?;
        let file = self.file().clone();
        if values.len() as u64 != self.size() {
            return Err(Error::Usage("the data's size differs from the selection's"));
        }
        let bytes = {
            let mut ws = begin(&file)?;
            let sink = sink_of(&file, &ws);
            let strings = values.iter().map(|s| s.as_ref().as_bytes());
            write_strings(&mut ws, &sink, strings)?
        };
        let sel = Selection::all(&self.dims());
        self.write_selection_bytes(&sel, &bytes)
    }

    /// Changes the shape of a chunked dataset within its maximum shape (h5py's
    /// `resize`). Chunks left wholly outside a smaller shape are dropped from the index and
    /// the outside part of chunks cut by it is reset to the fill value, so growing again
    /// shows fill values, as libhdf5 does.
    ///
    /// Growing writes nothing yet: the new extent is held in memory with the dataset's
    /// written chunks and its dataspace message is written with them at the next flush
    /// (before a commit, or before the dataset shrinks), so appending row by row does not
    /// rewrite the object header each time. Every handle to the dataset, also those opened
    /// or cloned before, reports the new [`shape`](Dataset::shape) at once.
    ///
    /// # Errors
    /// [`Error::ResizeNotChunked`] for other layouts; [`Error::ResizeBeyondMax`] for a size
    /// beyond the maximum shape; `Usage` for a rank mismatch; `ReadOnly`; I/O errors.
    ///
    /// ```
    /// # fn main() -> h5oxide::Result<()> {
    /// let file = h5oxide::File::in_memory()?;
    /// let mut ds = file
    ///     .root()
    ///     .new_dataset_builder()
    ///     .with_data(&vec![1i32, 2, 3])
    ///     .chunk([2])
    ///     .max_shape([Some(30)])
    ///     .create("d")?;
    /// assert_eq!(
    ///     ds.resize([40]).unwrap_err().to_string(),
    ///     "Unable to extend dataset (dimension cannot exceed the existing maximal size (new: 40 max: 30))"
    /// );
    /// let before = ds.clone();
    /// ds.resize([30])?;
    /// assert_eq!(ds.shape(), vec![30]);
    /// // Other handles see the new shape too, and the fill value (0) past the old one.
    /// assert_eq!(before.shape(), vec![30]);
    /// assert_eq!(file.root().dataset("d")?.read_raw::<i32>()?[..4], [1, 2, 3, 0]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn resize<S: AsRef<[usize]>>(&mut self, shape: S) -> Result<()> {
        let new: Vec<u64> = shape.as_ref().iter().map(|&n| n as u64).collect();
        if crate::write::swmr::active(self.file()) {
            return crate::write::swmr::resize(self, new);
        }
        let file = self.file().clone();
        let mut ws = begin(&file)?;
        let Storage::Chunked(_) = &self.layout().storage else {
            return Err(Error::ResizeNotChunked);
        };
        let old = self.dims().into_owned();
        let grows = new.len() == old.len() && new.iter().zip(&old).all(|(n, o)| n >= o);
        if grows && self.space().kind == DataspaceKind::Simple {
            check_max(self.space(), &new)?;
            // Growing changes no stored chunk: the new extent is held with the chunks
            // (write::pending) and its dataspace message written at the next flush.
            if new != old {
                let addr = file.inner.resolve(self.address());
                file.inner
                    .pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .set_dims(addr, new.clone());
            }
            self.set_dims(new);
            return Ok(());
        }
        // Shrinking edits stored chunks: held ones, and the extent held with them, are
        // written first.
        flush_dataset(&file, &mut ws, self.address())?;
        let ds = self.reload()?;
        let Storage::Chunked(c) = &ds.layout().storage else {
            return Err(Error::ResizeNotChunked);
        };
        let space = ds.space().clone();
        if space.kind != DataspaceKind::Simple || new.len() != space.dims.len() {
            return Err(Error::Usage("New shape length must match dataset rank"));
        }
        check_max(&space, &new)?;
        let max = space.max_dims_or_dims().to_vec();
        let ctx = file.inner.ctx;
        let sink = sink_of(&file, &ws);
        let elem = ds.dtype().element_size();
        let shrinks = new.iter().zip(&space.dims).any(|(n, o)| n < o);
        let mut new_layout = None;
        if shrinks && c.address != UNDEFINED_ADDRESS {
            let cx = ChunkCtx {
                chunk: c.dims.clone(),
                elem,
                pipeline: ds.filters().cloned(),
                fill: ds
                    .fill_value_bytes()
                    .map(<[u8]>::to_vec)
                    .unwrap_or_else(|| vec![0; elem]),
            };
            let mut kept = Vec::new();
            for r in ds.chunk_list()? {
                if r.offset.iter().zip(&new).any(|(o, n)| o >= n) {
                    ws.retire(r.address, r.size);
                    continue;
                }
                let cut = r
                    .offset
                    .iter()
                    .zip(&c.dims)
                    .zip(&new)
                    .any(|((o, d), n)| o + d > *n);
                if !cut {
                    kept.push(r);
                    continue;
                }
                // Keep the part inside the new extent; the rest becomes fill.
                let inside: Vec<DimSlice> = r
                    .offset
                    .iter()
                    .zip(&c.dims)
                    .zip(&new)
                    .map(|((&o, &d), &n)| DimSlice {
                        start: o,
                        step: 1,
                        count: d.min(n - o),
                    })
                    .collect();
                let inside = Selection::new(inside, &new)?;
                let old = cx.read_chunk(&file, &r)?;
                let count = usize::try_from(inside.len().unwrap_or(0)).unwrap_or(0);
                let mut part = vec![0u8; count * elem];
                inside.copy_from_block(&old, &r.offset, &c.dims, elem, &mut part)?;
                let mut block = cx.fill_block()?;
                inside.copy_into_block(&part, &mut block, &r.offset, &c.dims, elem)?;
                kept.push(cx.write_chunk(&mut ws, &sink, r.offset.clone(), block, Some(&r))?);
            }
            let filtered = ds.filters().is_some_and(|p| !p.filters.is_empty());
            let l = write_index(&mut ws, &sink, &mut kept, c, &max, filtered)?;
            new_layout = Some(raw(&Message::Layout(chunked_layout_message(l)), 0, &ctx)?);
        }
        let mut space = space;
        space.dims = new;
        let sm = raw(&Message::Dataspace(space), 0, &ctx)?;
        rewrite(&file, &mut ws, ds.address(), &mut |h, _| {
            for m in h.messages.iter_mut() {
                if m.msg_type == mtypes::DATASPACE {
                    m.data = sm.data.clone();
                }
            }
            if let Some(l) = &new_layout {
                replace_message(&mut h.messages, l.clone());
            }
            Ok(())
        })?;
        drop(ws);
        self.forget_cached_chunks();
        *self = self.reload()?;
        Ok(())
    }
}
