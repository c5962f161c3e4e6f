//! Space allocation with reuse of freed space, and the writer's state (see the module
//! documentation of [`crate::write`], "Allocation and commit").
//!
//! Freed space comes in two classes. Space allocated since the last commit (*scratch*) that
//! is superseded is free at once: no committed superblock reaches it. Committed space that
//! becomes unreachable is *pending*: the committed superblock still reaches it, so it only
//! joins the free list once the next commit has written a superblock that does not.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use h5oxide_format::object_header::message::types;
use h5oxide_format::object_header::ObjectHeader;

use h5oxide_format::superblock::{RootGroup, Superblock};
use h5oxide_storage::Backend;

use crate::error::{Error, Result};
use crate::write::Libver;

/// Every allocation starts on an 8-byte boundary (libhdf5 aligns nothing, but 8 keeps
/// version 1 object header messages aligned in memory dumps and costs little).
const ALIGN: u64 = 8;

/// Free extents at least this long are only cut for blocks of a sixteenth of their size or
/// more.
const KEEP_WHOLE: u64 = 64 * 1024;

/// Where writes go: a backend and the base address file addresses are relative to.
pub(crate) struct Sink<'a> {
    backend: &'a dyn Backend,
    base: u64,
    /// Set when a write fails (see [`WriteState::failed`]).
    failed: Arc<AtomicBool>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(backend: &'a dyn Backend, base: u64, ws: &WriteState) -> Self {
        Sink {
            backend,
            base,
            failed: ws.failed.clone(),
        }
    }

    /// Writes `data` at file address `addr`.
    pub(crate) fn write(&self, addr: u64, data: &[u8]) -> Result<()> {
        let abs = self
            .base
            .checked_add(addr)
            .ok_or(Error::Usage("address beyond the address space"))?;
        if let Err(e) = self.backend.write_at(abs, data) {
            self.failed.store(true, Ordering::Release);
            return Err(e.into());
        }
        Ok(())
    }
}

/// The writer's state of one open file.
#[derive(Debug)]
pub(crate) struct WriteState {
    /// The superblock the next commit writes (root address kept current).
    pub(crate) sb: Superblock,
    /// Whether commits sync the file (`FileOptions::sync`).
    pub(crate) sync: bool,
    /// First unallocated address.
    pub(crate) eof: u64,
    /// Everything below this is reachable from the committed superblock.
    committed_eof: u64,
    /// Blocks allocated since the last commit: start -> capacity.
    scratch: BTreeMap<u64, u64>,
    /// Blocks this writer allocated before the last commit, start -> capacity: a retired
    /// structure gives back its block's slack too.
    committed_blocks: BTreeMap<u64, u64>,
    /// Reusable extents, start -> length: sorted, coalesced, aligned, disjoint from
    /// everything else here.
    free: BTreeMap<u64, u64>,
    /// Committed extents no longer reachable from the state being built: free after the
    /// next commit. Start -> length, coalesced.
    pending: BTreeMap<u64, u64>,
    /// Addresses object headers moved away from (or were deleted at) -> the current address
    /// of the object that was there (undefined when deleted). The forwarding map of open
    /// handles is keyed by old header addresses, so no other object's header may start at
    /// one; other structures may, and the same object may move back.
    tombstones: BTreeMap<u64, u64>,
    /// Hard links by target: target address -> (group address, link name). Built on the
    /// first change, then kept current.
    pub(crate) parents: Option<HashMap<u64, Vec<(u64, String)>>>,
    /// Something changed since the last commit.
    pub(crate) dirty: bool,
    /// A write or sync failed: the structures the state reaches may not be on disk (or
    /// only in part), so it must never be committed; the file keeps its last commit.
    pub(crate) failed: Arc<AtomicBool>,
    /// The generation new objects are written in.
    pub(crate) libver: Libver,
    /// Layout message version 4 (single chunk and fixed array indexes) may be written: a
    /// version 3 superblock, whose readers are libhdf5 1.10 or later.
    pub(crate) layout_v4: bool,
    /// Objects holding references, kept current at commit (see `write::ref_patch`).
    pub(crate) refs: crate::write::ref_patch::RefIndex,
}

fn align(n: u64) -> Option<u64> {
    n.checked_add(ALIGN - 1).map(|v| v & !(ALIGN - 1))
}

impl WriteState {
    /// State for a file whose structures end at `eof` (nothing committed beyond it).
    pub(crate) fn new(sb: Superblock, eof: u64, libver: Libver) -> Self {
        let eof = align(eof).unwrap_or(eof);
        WriteState {
            sync: true,
            sb,
            eof,
            committed_eof: eof,
            scratch: BTreeMap::new(),
            committed_blocks: BTreeMap::new(),
            free: BTreeMap::new(),
            pending: BTreeMap::new(),
            tombstones: BTreeMap::new(),
            parents: None,
            dirty: true,
            failed: Arc::new(AtomicBool::new(false)),
            libver,
            layout_v4: sb.version >= 3,
            refs: Default::default(),
        }
    }

    /// State for an existing file of `size` bytes (after its base address).
    pub(crate) fn open(sb: &Superblock, size: u64) -> Result<Self> {
        let libver = if sb.version >= 2 {
            Libver::Latest
        } else {
            Libver::Earliest
        };
        // Allocate past whatever is there: the stored end of file and the real size.
        let eof = sb.eof_address.max(size);
        if sb.root.object_header_address() == h5oxide_format::UNDEFINED_ADDRESS {
            return Err(Error::Usage("the file has no root group"));
        }
        let mut ws = WriteState::new(*sb, eof, libver);
        ws.dirty = false;
        Ok(ws)
    }

    /// Whether a write or sync has failed since the file was opened.
    pub(crate) fn has_failed(&self) -> bool {
        self.failed.load(Ordering::Acquire)
    }

    /// Records a failed write or sync.
    pub(crate) fn fail(&self) {
        self.failed.store(true, Ordering::Release);
    }

    /// The root group's current object header address.
    pub(crate) fn root(&self) -> u64 {
        self.sb.root.object_header_address()
    }

    /// Points the superblock at a new root group header.
    pub(crate) fn set_root(&mut self, addr: u64) {
        match &mut self.sb.root {
            RootGroup::SymbolTableEntry(e) => e.object_header_address = addr,
            RootGroup::ObjectHeader(a) => *a = addr,
        }
        self.dirty = true;
    }

    /// Allocates `len` bytes: the best fitting free extent, else at the end of the file
    /// (starting in a free extent that ends there, if any).
    ///
    /// # Errors
    /// `Usage` if the file would pass the 64-bit address space.
    pub(crate) fn alloc(&mut self, len: u64) -> Result<u64> {
        self.take(len, None)
    }

    /// True if a header of the object now at `header` (undefined: a new object) may not
    /// start at `at`: another object's header was there.
    fn forbidden(&self, at: u64, header: Option<u64>) -> bool {
        match (header, self.tombstones.get(&at)) {
            (Some(h), Some(&owner)) => owner != h || h == h5oxide_format::UNDEFINED_ADDRESS,
            _ => false,
        }
    }

    /// The first start at or after `s` a header of `header` may use.
    fn skip_forbidden(&self, mut s: u64, header: Option<u64>) -> u64 {
        while self.forbidden(s, header) {
            s = s.saturating_add(ALIGN);
        }
        s
    }

    /// As [`Self::alloc`]; `header` is set when the block holds the object header of the
    /// object now at that address (undefined for a new object).
    fn take(&mut self, len: u64, header: Option<u64>) -> Result<u64> {
        let need = align(len.max(1)).ok_or(Error::Usage("file larger than the address space"))?;
        // Large extents (freed raw data) are not cut for small blocks: a deleted dataset's
        // space is kept whole for the next one of its size.
        let best = self
            .free
            .iter()
            .map(|(&s, &l)| (s, l, self.skip_forbidden(s, header)))
            .filter(|&(s, l, at)| {
                (at - s).saturating_add(need) <= l && (l < KEEP_WHOLE || l / 16 <= need)
            })
            .min_by_key(|&(s, l, _)| (l, s));
        let at = if let Some((s, l, at)) = best {
            self.free.remove(&s);
            if at > s {
                self.free.insert(s, at - s);
            }
            if l > need + (at - s) {
                self.free.insert(at + need, l - need - (at - s));
            }
            at
        } else {
            let tail = self
                .free
                .range(..self.eof)
                .next_back()
                .filter(|(&s, &l)| s.checked_add(l) == Some(self.eof))
                .map(|(&s, _)| s);
            let start = match tail {
                Some(s) => {
                    self.free.remove(&s);
                    s
                }
                None => self.eof,
            };
            let at = self.skip_forbidden(start, header);
            if at > start {
                self.free.insert(start, at - start);
            }
            self.eof = at
                .checked_add(need)
                .ok_or(Error::Usage("file larger than the address space"))?;
            at
        };
        // Records of dead blocks in the space handed out are dropped.
        let end = at.saturating_add(need);
        let mut stale: Vec<u64> = self
            .committed_blocks
            .range(at..end)
            .map(|(&s, _)| s)
            .collect();
        if let Some((&s, &c)) = self.committed_blocks.range(..at).next_back() {
            if s.saturating_add(c) > at {
                stale.push(s);
            }
        }
        for s in stale {
            self.committed_blocks.remove(&s);
        }
        self.scratch.insert(at, need);
        self.dirty = true;
        Ok(at)
    }

    /// Space that is free now (not reachable from the committed superblock nor from the
    /// state being built): joins the free list, or shrinks the end of the file when it
    /// ends there (never below the committed end of file, which the committed superblock
    /// records).
    fn release_now(&mut self, start: u64, len: u64) {
        let Some(end) = start.checked_add(len) else {
            return;
        };
        // Only whole aligned units are handed out again.
        let (Some(mut s), mut e) = (align(start), end & !(ALIGN - 1)) else {
            return;
        };
        if e <= s {
            return;
        }
        if let Some((&ps, &pl)) = self.free.range(..s).next_back() {
            if ps + pl == s {
                self.free.remove(&ps);
                s = ps;
            }
        }
        if let Some(&nl) = self.free.get(&e) {
            self.free.remove(&e);
            e += nl;
        }
        if e == self.eof && s >= self.committed_eof {
            self.eof = s;
            return;
        }
        if e == self.eof && s < self.committed_eof {
            self.eof = self.committed_eof;
            e = self.committed_eof;
        }
        self.free.insert(s, e - s);
    }

    /// Committed space that the state being built no longer reaches: reusable after the
    /// next commit. Parts already free, pending, scratch or kept are skipped, so a range
    /// given twice is not freed twice.
    fn retire_committed(&mut self, start: u64, len: u64) {
        let end = start.saturating_add(len).min(self.committed_eof);
        let mut s = start;
        while s < end {
            // The first byte at or after `s` that is taken by something else, and where
            // that something ends.
            let taken = [
                Self::overlap(&self.free, s, end),
                Self::overlap(&self.pending, s, end),
                Self::overlap(&self.scratch, s, end),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some((cut, resume)) = taken else {
                Self::insert_coalesced(&mut self.pending, s, end - s);
                break;
            };
            if cut > s {
                Self::insert_coalesced(&mut self.pending, s, cut - s);
            }
            // Every taken extent ends after its first overlapped byte: `s` advances.
            s = resume.max(s + 1);
        }
    }

    /// The first extent of `map` overlapping `[s, e)`: (first overlapped byte, its end).
    fn overlap(map: &BTreeMap<u64, u64>, s: u64, e: u64) -> Option<(u64, u64)> {
        if let Some((&ps, &pl)) = map.range(..=s).next_back() {
            if ps.saturating_add(pl) > s {
                return Some((s, ps.saturating_add(pl)));
            }
        }
        map.range(s..e)
            .next()
            .map(|(&ps, &pl)| (ps, ps.saturating_add(pl)))
    }

    fn insert_coalesced(map: &mut BTreeMap<u64, u64>, mut s: u64, len: u64) {
        let mut e = s.saturating_add(len);
        if let Some((&ps, &pl)) = map.range(..s).next_back() {
            if ps.saturating_add(pl) == s {
                map.remove(&ps);
                s = ps;
            }
        }
        if let Some(&nl) = map.get(&e) {
            map.remove(&e);
            e = e.saturating_add(nl);
        }
        map.insert(s, e - s);
    }

    /// A structure of `len` bytes at `addr` was superseded or dropped. Scratch space (a
    /// block allocated since the last commit, `addr` its start; its whole capacity is
    /// freed) is reusable at once; committed space after the next commit. `len` may be 0
    /// when only a scratch block is to be released (its length is known here).
    pub(crate) fn retire(&mut self, addr: u64, len: u64) {
        if let Some(cap) = self.scratch.remove(&addr) {
            self.release_now(addr, cap);
        } else if self.scratch_block_containing(addr).is_none() {
            let cap = self.committed_blocks.remove(&addr).unwrap_or(0);
            self.retire_committed(addr, len.max(cap));
        }
    }

    /// Retires the chunks of an object header that moved or was deleted (`chunks` as read:
    /// chunk 0 at the header address). No other object's header starts at the old address
    /// again, since handles may still name the object by it. Committed datatypes are kept
    /// whole: datasets refer to them by address in shared datatype messages, which a move
    /// does not update.
    pub(crate) fn retire_header(&mut self, h: &ObjectHeader) {
        let named_type = h.messages.iter().any(|m| m.msg_type == types::DATATYPE)
            && !h.messages.iter().any(|m| m.msg_type == types::LAYOUT);
        let Some(&(addr, len0)) = h.chunks.first() else {
            return;
        };
        if named_type {
            return;
        }
        self.tombstones
            .entry(addr)
            .or_insert(h5oxide_format::UNDEFINED_ADDRESS);
        if let Some(cap) = self.scratch.remove(&addr) {
            self.release_now(addr, cap);
        } else {
            let cap = self.committed_blocks.remove(&addr).unwrap_or(0);
            self.retire_committed(addr, len0.max(cap));
        }
        for &(a, l) in &h.chunks[1..] {
            self.retire(a, l);
        }
    }

    /// A structure that was in the scratch block starting at `old` (if any) was rewritten
    /// at `new`: the block is released unless `new` lies in it (rewritten in place). A
    /// committed block this writer allocated at `old` is retired whole; committed
    /// structures written by others (size unknown here) are left alone.
    pub(crate) fn superseded_block(&mut self, old: Option<u64>, new: u64) {
        if let Some(o) = old {
            let moved = self.scratch_block_containing(new) != Some(o);
            if moved && (self.scratch.contains_key(&o) || self.committed_blocks.contains_key(&o)) {
                self.retire(o, 0);
            }
        }
    }

    /// A chunk stored at `old` (address, size) was rewritten at `new`: the old copy is
    /// retired unless it was overwritten in place.
    pub(crate) fn superseded_chunk(&mut self, old: Option<(u64, u64)>, new: u64) {
        if let Some((a, size)) = old.filter(|&(a, _)| a != new) {
            self.retire(a, size);
        }
    }

    /// Before the superblock of a commit is written: free extents at the end of the file
    /// are given up, below the committed end too (the new superblock records the new end;
    /// the file is cut only after it is written).
    pub(crate) fn trim_end(&mut self) {
        while let Some((&s, &l)) = self.free.iter().next_back() {
            if s.saturating_add(l) != self.eof {
                break;
            }
            self.free.remove(&s);
            self.eof = s;
        }
    }

    /// Bytes in the free list and bytes pending (for tests and statistics).
    #[cfg(test)]
    pub(crate) fn free_bytes(&self) -> (u64, u64) {
        (self.free.values().sum(), self.pending.values().sum())
    }

    /// Where a structure of `len` bytes that was at `old` goes: `old` itself when that is
    /// scratch space large enough, else a new allocation, with room to grow by half when
    /// `slack` is set.
    pub(crate) fn place(&mut self, old: Option<u64>, len: u64, slack: bool) -> Result<u64> {
        if let Some(old) = old {
            if self.scratch.get(&old).is_some_and(|&cap| cap >= len) {
                self.dirty = true;
                return Ok(old);
            }
        }
        let want = if slack {
            len.saturating_add(len / 2).saturating_add(64)
        } else {
            len
        };
        self.alloc(want)
    }

    /// As [`Self::place`] with slack, for the object header of the object at `old` (`None`:
    /// a new object). A moved header's old address is recorded: no other object's header
    /// may start there (see `tombstones`).
    pub(crate) fn place_header(&mut self, old: Option<u64>, len: u64) -> Result<u64> {
        if let Some(old) = old {
            if self.scratch.get(&old).is_some_and(|&cap| cap >= len) {
                self.dirty = true;
                return Ok(old);
            }
        }
        let want = len.saturating_add(len / 2).saturating_add(64);
        let at = self.take(want, Some(old.unwrap_or(h5oxide_format::UNDEFINED_ADDRESS)))?;
        if let Some(old) = old {
            // As the forwarding map: every earlier address of the object now names `at`.
            for owner in self.tombstones.values_mut() {
                if *owner == old {
                    *owner = at;
                }
            }
            self.tombstones.insert(old, at);
        }
        Ok(at)
    }

    /// The start of the scratch block holding `addr`, if `addr` is scratch.
    pub(crate) fn scratch_block_containing(&self, addr: u64) -> Option<u64> {
        let (&start, &cap) = self.scratch.range(..=addr).next_back()?;
        (addr < start.saturating_add(cap)).then_some(start)
    }

    /// Called after a commit: everything written so far is live.
    pub(crate) fn committed(&mut self) {
        self.committed_eof = self.eof;
        self.committed_blocks.append(&mut self.scratch);
        // The superblock just written reaches none of the pending space.
        for (s, l) in std::mem::take(&mut self.pending) {
            self.release_now(s, l);
        }
        self.dirty = false;
    }
}

/// After a hard link to the object at `addr` was removed: when none is left (reference
/// count 0), the object's header and, for a dataset, its raw data (contiguous storage, or
/// its chunks and a chunk index written since the last commit) are retired. Members of a
/// deleted group are not followed.
///
/// # Errors
/// Errors reading the object's header or chunk index.
pub(crate) fn retire_unlinked(file: &crate::File, ws: &mut WriteState, addr: u64) -> Result<()> {
    use h5oxide_format::object_header::message::layout::Storage;
    use h5oxide_format::object_header::message::{decode, Message};
    let addr = file.inner.resolve(addr);
    let h = file.header(addr)?;
    // spec IV.A.1 (version 1 prefix) and IV.A.2.w (absent message: one link).
    let mut count = u64::from(h.refcount.unwrap_or(1));
    if h.version != 1 {
        count = 1;
        for m in h.messages.iter().filter(|m| m.msg_type == types::REFCOUNT) {
            if let Message::RefCount(r) = decode(m, &file.inner.ctx)? {
                count = u64::from(r.count);
            }
        }
    }
    if count != 0 {
        return Ok(());
    }
    if h.messages.iter().any(|m| m.msg_type == types::LAYOUT) {
        let ds = crate::Dataset::new(file.clone(), addr, String::new())?;
        match &ds.layout().storage {
            Storage::Contiguous { address, size, .. } if ds.external_files()?.is_empty() => {
                let elem = ds.dtype().element_size() as u64;
                let total = ds.space().dims.iter().product::<u64>().saturating_mul(elem);
                ws.retire(*address, size.unwrap_or(total));
            }
            Storage::Chunked(c) => {
                for r in ds.chunk_list()? {
                    ws.retire(r.address, r.size);
                }
                if !matches!(
                    c.index,
                    h5oxide_format::object_header::message::layout::ChunkIndex::Single { .. }
                ) {
                    let old = ws.scratch_block_containing(c.address).or(Some(c.address));
                    ws.superseded_block(old, h5oxide_format::UNDEFINED_ADDRESS);
                }
            }
            _ => {}
        }
    }
    ws.retire_header(&h);
    // A deleted group's held links go with it (they hold no file space).
    file.inner
        .pending_links
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .discard(addr);
    file.inner.invalidate();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use h5oxide_format::{Context, UNDEFINED_ADDRESS};

    fn state() -> WriteState {
        let sb = Superblock {
            version: 3,
            sizes: Context::DEFAULT,
            group_leaf_k: 4,
            group_internal_k: 16,
            indexed_storage_k: 32,
            consistency_flags: 0,
            base_address: 0,
            free_space_address: UNDEFINED_ADDRESS,
            extension_address: UNDEFINED_ADDRESS,
            eof_address: 0,
            driver_info_address: UNDEFINED_ADDRESS,
            root: RootGroup::ObjectHeader(48),
        };
        WriteState::new(sb, 45, Libver::Latest)
    }

    #[test]
    fn allocations_are_aligned_and_append_only() {
        let mut ws = state();
        assert_eq!(ws.eof, 48);
        let a = ws.alloc(10).unwrap();
        let b = ws.alloc(1).unwrap();
        assert_eq!((a, b, ws.eof), (48, 64, 72));
    }

    #[test]
    fn scratch_is_reused_only_before_a_commit_and_when_it_fits() {
        let mut ws = state();
        let a = ws.place(None, 100, true).unwrap();
        // 100 + 50 + 64 rounded up to 8.
        assert_eq!(ws.eof - a, 216);
        assert_eq!(ws.place(Some(a), 200, true).unwrap(), a);
        let b = ws.place(Some(a), 217, true).unwrap();
        assert_ne!(b, a);
        assert_eq!(ws.scratch_block_containing(b + 300), Some(b));
        ws.committed();
        assert_eq!(ws.scratch_block_containing(b), None);
        let c = ws.place(Some(b), 8, false).unwrap();
        assert!(c >= ws.eof - 8 && c != b);
    }

    #[test]
    fn superseded_scratch_is_reused_at_once_and_shrinks_the_end() {
        let mut ws = state();
        let a = ws.alloc(100).unwrap(); // 48..152
        let b = ws.alloc(16).unwrap(); // 152..168
        ws.retire(a, 0);
        assert_eq!(ws.free_bytes(), (104, 0));
        // Best fit: the freed block, from its start.
        assert_eq!(ws.alloc(40).unwrap(), a);
        assert_eq!(ws.free_bytes(), (64, 0));
        // Freeing the last block gives the end back and joins the free extent before it.
        ws.retire(b, 0);
        assert_eq!((ws.eof, ws.free_bytes()), (a + 40, (0, 0)));
    }

    #[test]
    fn committed_space_waits_for_the_next_commit() {
        let mut ws = state();
        let a = ws.alloc(64).unwrap(); // 48..112
        let _b = ws.alloc(64).unwrap(); // 112..176
        ws.committed();
        ws.retire(a, 64);
        ws.retire(a, 64); // given twice: counted once
        assert_eq!(ws.free_bytes(), (0, 64));
        // Not handed out before the commit that drops it.
        let c = ws.alloc(64).unwrap();
        assert_eq!(c, 176);
        ws.committed();
        assert_eq!(ws.free_bytes(), (64, 0));
        assert_eq!(ws.alloc(64).unwrap(), a);
        // Committed space never moves the end below the committed end within a commit.
        ws.retire(c, 64);
        assert_eq!(ws.eof, 240);
        ws.committed();
        ws.trim_end();
        assert_eq!(ws.eof, 176);
    }

    #[test]
    fn trailing_free_space_is_trimmed_only_at_a_commit() {
        let mut ws = state();
        let _a = ws.alloc(64).unwrap(); // 48..112
        let b = ws.alloc(64).unwrap(); // 112..176
        ws.committed();
        let c = ws.alloc(32).unwrap(); // 176..208, scratch
        ws.retire(b, 64);
        ws.retire(c, 0);
        // The scratch block went back to the end, which stops at the committed end.
        assert_eq!((ws.eof, ws.free_bytes()), (176, (0, 64)));
        ws.committed();
        assert_eq!(ws.free_bytes(), (64, 0));
        ws.trim_end();
        assert_eq!((ws.eof, ws.free_bytes()), (112, (0, 0)));
    }

    #[test]
    fn no_other_header_starts_where_a_header_moved_from() {
        let mut ws = state();
        let a = ws.place_header(None, 100).unwrap(); // 48..264
        ws.committed();
        let b = ws.place_header(Some(a), 100).unwrap(); // moved: 264..480
        assert_eq!(b, 264);
        let mut h = ObjectHeader::v2(0, Vec::new());
        h.chunks = vec![(a, 100)];
        ws.retire_header(&h);
        // The whole block, slack included.
        assert_eq!(ws.free_bytes(), (0, 216));
        ws.committed();
        // A new header does not start at the old address; other blocks may.
        let c = ws.place_header(None, 8).unwrap();
        assert_eq!(c, a + 8);
        ws.retire(c, 0);
        assert_eq!(ws.alloc(8).unwrap(), a);
        ws.retire(a, 0);
        // The object itself may move back.
        assert_eq!(ws.place_header(Some(b), 100).unwrap(), a);
        // A deleted header's address is closed to every header.
        let mut d = ObjectHeader::v2(0, Vec::new());
        let e = ws.place_header(None, 8).unwrap();
        d.chunks = vec![(e, 8)];
        ws.retire_header(&d);
        assert_ne!(ws.place_header(None, 8).unwrap(), e);
        assert_eq!(ws.alloc(8).unwrap(), e);
    }

    #[test]
    fn misaligned_and_out_of_range_extents_are_harmless() {
        let mut ws = state();
        let a = ws.alloc(64).unwrap(); // 48..112
        ws.committed();
        ws.retire(a + 3, 20); // 51..71: only 56..64 is a whole aligned unit
        ws.retire(UNDEFINED_ADDRESS, 10);
        ws.retire(1 << 40, u64::MAX);
        ws.committed();
        assert_eq!(ws.free_bytes(), (8, 0));
        assert_eq!(ws.alloc(8).unwrap(), 56);
    }
}
