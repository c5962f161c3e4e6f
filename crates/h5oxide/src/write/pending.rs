//! Write-back of chunked datasets: chunks written through the API are kept decoded in
//! memory, the extent a dataset grows to is kept too, and a dataset's chunk index, layout
//! message and dataspace message are written once, when its pending state is flushed,
//! instead of on every write and resize.
//!
//! A dataset's held chunks are flushed before anything reads its chunks (the read path
//! asks [`current_layout`] first); its whole pending state (chunks and extent) before it
//! shrinks, before SWMR write mode starts, and before every commit
//! ([`crate::File::flush`], [`crate::File::close`], dropping the last handle). Flushing
//! writes the chunks, the index and the header through the ordinary copy-on-write path,
//! so pending state only ever reaches the file as scratch space below a superblock not yet
//! written (see [`crate::write`]): the crash guarantee is unchanged.
//!
//! Decoded chunks held back are bounded by [`PENDING_BYTES`]; past it the oldest are
//! written out (their index still waits for the flush).

use std::collections::HashMap;

use h5oxide_format::chunk_index::ChunkRecord;
use h5oxide_format::object_header::message::layout::{ChunkedLayout, Storage};
use h5oxide_format::object_header::message::{types, Message};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::file::File;
use crate::write::alloc::{Sink, WriteState};
use crate::write::chunks::{chunked_layout_message, write_index, ChunkCtx};
use crate::write::object_header::{raw, rewrite, sink_of};

/// Bytes of decoded chunks held back across all datasets of a file.
pub(crate) const PENDING_BYTES: usize = 16 << 20;

/// The pending state of every dataset of one file, by current header address.
#[derive(Default)]
pub(crate) struct Pending {
    datasets: HashMap<u64, PendingDataset>,
    /// The extent of datasets that grew since their dataspace message was written: what
    /// every handle reports and what the next flush writes.
    dims: HashMap<u64, Vec<u64>>,
    /// Bytes of the decoded chunks held in `datasets`.
    bytes: usize,
    /// Age of the next chunk put in memory: the oldest is written out first.
    seq: u64,
}

/// One dataset's chunks that are not (or not yet all) in its index on disk.
pub(crate) struct PendingDataset {
    /// Writing a chunk: shape, element size, filters, fill value.
    pub(crate) cx: ChunkCtx,
    /// Every chunk of the dataset as the next index lists it.
    pub(crate) records: Vec<ChunkRecord>,
    /// Decoded chunks not written yet, by chunk origin: (age, bytes).
    dirty: HashMap<Vec<u64>, (u64, Vec<u8>)>,
    /// Bytes of the chunks in `dirty`, kept as they come and go (summing them on every
    /// write would cost a pass over all held chunks per row appended).
    held: usize,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("datasets", &self.datasets.len())
            .field("extents", &self.dims.len())
            .field("bytes", &self.bytes)
            .finish()
    }
}

impl Pending {
    /// Takes the pending state of the dataset at `addr` out (to edit or flush it).
    pub(crate) fn take(&mut self, addr: u64) -> Option<PendingDataset> {
        let p = self.datasets.remove(&addr)?;
        self.bytes = self.bytes.saturating_sub(p.dirty_bytes());
        Some(p)
    }

    /// Puts the pending state of the dataset at `addr` back.
    pub(crate) fn put(&mut self, addr: u64, p: PendingDataset) {
        self.bytes = self.bytes.saturating_add(p.dirty_bytes());
        self.datasets.insert(addr, p);
    }

    /// Whether the dataset at `addr` has held chunks.
    pub(crate) fn contains(&self, addr: u64) -> bool {
        self.datasets.contains_key(&addr)
    }

    /// The extent the dataset at `addr` has grown to, when its dataspace message on disk
    /// still has an older one.
    pub(crate) fn dims(&self, addr: u64) -> Option<&[u64]> {
        self.dims.get(&addr).map(Vec::as_slice)
    }

    /// Records the extent the dataset at `addr` has now (its dataspace message is written
    /// at the next flush).
    pub(crate) fn set_dims(&mut self, addr: u64, dims: Vec<u64>) {
        self.dims.insert(addr, dims);
    }

    /// Whether nothing is pending for any dataset.
    fn is_empty(&self) -> bool {
        self.datasets.is_empty() && self.dims.is_empty()
    }

    /// The next chunk age.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Follows a dataset whose header moved from `old` to `new`.
    pub(crate) fn moved(&mut self, old: u64, new: u64) {
        if let Some(p) = self.datasets.remove(&old) {
            self.datasets.insert(new, p);
        }
        if let Some(d) = self.dims.remove(&old) {
            self.dims.insert(new, d);
        }
    }

    /// Writes out the oldest decoded chunks until at most [`PENDING_BYTES`] are held.
    pub(crate) fn evict(&mut self, ws: &mut WriteState, sink: &Sink<'_>) -> Result<()> {
        while self.bytes > PENDING_BYTES {
            let oldest = self
                .datasets
                .iter()
                .flat_map(|(a, p)| p.dirty.iter().map(move |(o, (s, _))| (*s, *a, o.clone())))
                .min();
            let Some((_, addr, origin)) = oldest else {
                break;
            };
            let Some(p) = self.datasets.get_mut(&addr) else {
                break;
            };
            if let Some(block) = p.take_block(&origin) {
                self.bytes = self.bytes.saturating_sub(block.len());
                p.write_out(ws, sink, origin, block)?;
            }
        }
        Ok(())
    }
}

impl PendingDataset {
    /// No chunk held yet; `records` lists the chunks the index on disk has.
    pub(crate) fn new(cx: ChunkCtx, records: Vec<ChunkRecord>) -> PendingDataset {
        PendingDataset {
            cx,
            records,
            dirty: HashMap::new(),
            held: 0,
        }
    }

    fn dirty_bytes(&self) -> usize {
        self.held
    }

    /// Takes the held chunk at `origin` out, if any.
    pub(crate) fn take_block(&mut self, origin: &[u64]) -> Option<Vec<u8>> {
        let (_, block) = self.dirty.remove(origin)?;
        self.held = self.held.saturating_sub(block.len());
        Some(block)
    }

    /// Holds the decoded chunk at `origin`, of age `seq`.
    pub(crate) fn hold(&mut self, origin: Vec<u64>, seq: u64, block: Vec<u8>) {
        self.held = self.held.saturating_add(block.len());
        if let Some((_, old)) = self.dirty.insert(origin, (seq, block)) {
            self.held = self.held.saturating_sub(old.len());
        }
    }

    /// Writes one decoded chunk (over its previous copy when that is scratch space it fits
    /// in) and records where it went.
    fn write_out(
        &mut self,
        ws: &mut WriteState,
        sink: &Sink<'_>,
        origin: Vec<u64>,
        block: Vec<u8>,
    ) -> Result<()> {
        let pos = self.records.iter().position(|r| r.offset == origin);
        let old = pos.map(|i| self.records[i].clone());
        let rec = self.cx.write_chunk(ws, sink, origin, block, old.as_ref())?;
        match pos {
            Some(i) => self.records[i] = rec,
            None => self.records.push(rec),
        }
        Ok(())
    }
}

/// Writes the pending state of the dataset at `addr` (its current address): its held
/// chunks, then its index, and its layout and dataspace messages in one header rewrite. A
/// no-op when nothing is pending.
pub(crate) fn flush_dataset(file: &File, ws: &mut WriteState, addr: u64) -> Result<()> {
    let cur = file.inner.resolve(addr);
    // State is kept under current addresses; taking it under `addr` as well guarantees
    // that `flush_all` removes every key it is given.
    let (taken, dims) = {
        let mut pending = file.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
        (
            pending.take(addr).or_else(|| pending.take(cur)),
            pending
                .dims
                .remove(&addr)
                .or_else(|| pending.dims.remove(&cur)),
        )
    };
    let addr = cur;
    if taken.is_none() && dims.is_none() {
        return Ok(());
    }
    if unlinked(file, cur)? {
        // Deleted since: its header and chunks are retired, its held state is dropped.
        return Ok(());
    }
    let ds = Dataset::new(file.clone(), addr, String::new())?;
    let ctx = file.inner.ctx;
    let mut messages = Vec::new();
    if let Some(mut p) = taken {
        let Storage::Chunked(c) = &ds.layout().storage else {
            return Err(Error::Usage(
                "pending chunks of a dataset that is not chunked",
            ));
        };
        let sink = sink_of(file, ws);
        let mut dirty: Vec<(Vec<u64>, Vec<u8>)> =
            p.dirty.drain().map(|(o, (_, b))| (o, b)).collect();
        p.held = 0;
        dirty.sort_by(|a, b| a.0.cmp(&b.0));
        for (origin, block) in dirty {
            p.write_out(ws, &sink, origin, block)?;
        }
        let max = ds.space().max_dims_or_dims().to_vec();
        let filtered = ds.filters().is_some_and(|f| !f.filters.is_empty());
        let l = write_index(ws, &sink, &mut p.records, c, &max, filtered)?;
        messages.push(raw(&Message::Layout(chunked_layout_message(l)), 0, &ctx)?);
    }
    if let Some(dims) = dims {
        // spec IV.A.2.b: the dataspace message carries the current extent.
        let mut space = ds.space().clone();
        space.dims = dims;
        messages.push(raw(&Message::Dataspace(space), 0, &ctx)?);
    }
    rewrite(file, ws, addr, &mut |h, _| {
        for m in &messages {
            match h.messages.iter().position(|r| r.msg_type == m.msg_type) {
                // The dataspace message keeps its header flags, as a resize written at
                // once does.
                Some(i) if m.msg_type == types::DATASPACE => h.messages[i].data = m.data.clone(),
                Some(i) => h.messages[i] = m.clone(),
                None => h.messages.push(m.clone()),
            }
        }
        Ok(())
    })?;
    ds.forget_cached_chunks();
    Ok(())
}

/// Flushes every dataset's pending state.
pub(crate) fn flush_all(file: &File, ws: &mut WriteState) -> Result<()> {
    loop {
        let next = {
            let p = file.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
            p.datasets.keys().chain(p.dims.keys()).next().copied()
        };
        let Some(addr) = next else {
            return Ok(());
        };
        flush_dataset(file, ws, addr)?;
    }
}

/// Flushes every dataset's pending state of a writable file (before a commit).
///
/// # Errors
/// I/O and filter errors; a file whose earlier write failed.
pub(crate) fn flush_file(file: &File) -> Result<()> {
    let Some(w) = &file.inner.writer else {
        return Ok(());
    };
    if file
        .inner
        .pending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_empty()
    {
        return Ok(());
    }
    let mut ws = w.lock().unwrap_or_else(|e| e.into_inner());
    if ws.has_failed() {
        return Err(Error::Usage(crate::write::FAILED));
    }
    flush_all(file, &mut ws)
}

/// The current chunked layout of the dataset at `addr` in a writable file, after its
/// pending state (if any) was flushed: a handle's own layout may predate writes made
/// since it was opened. `None` for read-only files and other layouts.
///
/// Must not be called while the caller holds the writer's lock and the dataset has
/// pending state (the write path flushes first).
///
/// # Errors
/// As [`flush_dataset`]; the header cannot be read.
pub(crate) fn current_layout(file: &File, addr: u64) -> Result<Option<ChunkedLayout>> {
    let Some(w) = &file.inner.writer else {
        return Ok(None);
    };
    let addr = file.inner.resolve(addr);
    let (chunks, extent) = {
        let p = file.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
        (p.contains(addr), p.dims(addr).is_some())
    };
    if (chunks || extent) && unlinked(file, addr)? {
        // The dataset's last link was removed and its storage is being retired (the
        // writer's lock is held: nothing is flushed); what was held is dropped.
        let mut p = file.inner.pending.lock().unwrap_or_else(|e| e.into_inner());
        p.take(addr);
        p.dims.remove(&addr);
    } else if chunks {
        let mut ws = w.lock().unwrap_or_else(|e| e.into_inner());
        if ws.has_failed() {
            return Err(Error::Usage(crate::write::FAILED));
        }
        flush_dataset(file, &mut ws, addr)?;
    }
    for m in file.messages(addr)? {
        if let Message::Layout(l) = m {
            if let Storage::Chunked(c) = l.storage {
                return Ok(Some(c));
            }
            return Ok(None);
        }
    }
    Ok(None)
}

/// The current extent of the dataset at `addr` in a writable file: the one it grew to if
/// that is not written yet, else the one its dataspace message has now (a handle's own
/// description may predate resizes made through another handle). `None` for read-only
/// files, and when the header cannot be read or has no simple dataspace (the caller keeps
/// its own description).
pub(crate) fn current_dims(file: &File, addr: u64) -> Option<Vec<u64>> {
    file.inner.writer.as_ref()?;
    let addr = file.inner.resolve(addr);
    if let Some(d) = file
        .inner
        .pending
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .dims(addr)
    {
        return Some(d.to_vec());
    }
    let h = file.header(addr).ok()?;
    let m = h.messages.iter().find(|m| m.msg_type == types::DATASPACE)?;
    match h5oxide_format::object_header::message::decode(m, &file.inner.ctx).ok()? {
        Message::Dataspace(s) => Some(s.dims),
        _ => None,
    }
}

/// Whether the object at `addr` has no hard link left (spec IV.A.1 version 1 prefix
/// reference count; IV.A.2.w reference count message, absent for one link): it is being
/// deleted, and its header space may be reused at once.
fn unlinked(file: &File, addr: u64) -> Result<bool> {
    use h5oxide_format::object_header::message::decode;
    let h = file.header(addr)?;
    if h.version == 1 {
        return Ok(h.refcount == Some(0));
    }
    for m in h.messages.iter().filter(|m| m.msg_type == types::REFCOUNT) {
        if let Message::RefCount(r) = decode(m, &file.inner.ctx)? {
            return Ok(r.count == 0);
        }
    }
    Ok(false)
}
