//! Append-only space allocation and the writer's state (see the module documentation of
//! [`crate::write`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use h5oxide_format::superblock::{RootGroup, Superblock};
use h5oxide_storage::Backend;

use crate::error::{Error, Result};
use crate::write::Libver;

/// Every allocation starts on an 8-byte boundary (libhdf5 aligns nothing, but 8 keeps
/// version 1 object header messages aligned in memory dumps and costs little).
const ALIGN: u64 = 8;

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
    /// First unallocated address.
    pub(crate) eof: u64,
    /// Everything below this is reachable from the committed superblock.
    committed_eof: u64,
    /// Blocks allocated since the last commit: start -> capacity.
    scratch: BTreeMap<u64, u64>,
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
            sb,
            eof,
            committed_eof: eof,
            scratch: BTreeMap::new(),
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

    /// Allocates `len` bytes at the end of the file.
    ///
    /// # Errors
    /// `Usage` if the file would pass the 64-bit address space.
    pub(crate) fn alloc(&mut self, len: u64) -> Result<u64> {
        let at = self.eof;
        let end = at
            .checked_add(len.max(1))
            .and_then(align)
            .ok_or(Error::Usage("file larger than the address space"))?;
        self.eof = end;
        self.scratch.insert(at, end - at);
        self.dirty = true;
        Ok(at)
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

    /// The start of the scratch block holding `addr`, if `addr` is scratch.
    pub(crate) fn scratch_block_containing(&self, addr: u64) -> Option<u64> {
        let (&start, &cap) = self.scratch.range(..=addr).next_back()?;
        (addr < start.saturating_add(cap)).then_some(start)
    }

    /// Called after a commit: everything written so far is live.
    pub(crate) fn committed(&mut self) {
        self.committed_eof = self.eof;
        self.scratch.clear();
        self.dirty = false;
    }
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
}
