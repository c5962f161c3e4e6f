//! Writing: creating files, groups, links, datasets and attributes, and editing them.
//!
//! # Allocation and commit
//!
//! Space comes from a free list of extents (best fit), else from the end of the file
//! (`write::alloc`); nothing reachable from the superblock on disk (the *committed* state) is
//! overwritten:
//!
//! - Committed structures are never changed in place. Changing one (an object header,
//!   a group's B-tree and heap, a chunk index, a chunk) writes a new copy elsewhere. A moved object header is then relinked in every group that links to it (a
//!   reverse index of hard links is built on the first change), which moves those groups
//!   in turn, up to the root; the superblock's root address is updated in memory.
//! - Space allocated since the last commit is *scratch*: no committed superblock reaches it,
//!   so it is rewritten in place when the new image fits (object headers get slack for
//!   that), and only moves when it outgrows its allocation. Repeated edits between two
//!   commits therefore do not pile up copies.
//! - Handles keep working across moves: the file keeps a forwarding map from each address
//!   an object's header moved away from to the next one (the chain is followed to the
//!   current address), consulted on every header read, and the cached header and link
//!   list of every object that changed or moved are dropped.
//! - Stored references follow moved objects: before a commit writes the superblock,
//!   every dataset and attribute whose type holds object, region or revised references
//!   (recorded during the link walk and as headers are written) has its references to
//!   objects moved in this session rewritten to their new addresses, copy-on-write like
//!   other data (`write::ref_patch`). Densely stored attributes are left as they are.
//! - A commit ([`File::flush`](crate::File::flush), [`File::close`](crate::File::close), and
//!   dropping the last handle) makes the file long enough for the end-of-file address,
//!   `sync`s, writes the superblock (new root address, new end of file; it is the only
//!   structure written in place), and `sync`s again. A crash before the superblock write
//!   leaves the previous superblock, which reaches only the previous complete state; the
//!   bytes after its end-of-file address are ignored by every reader.
//!
//! Raw data of contiguous datasets is written in place (it is not metadata; the layout does
//! not change), chunks copy-on-write like metadata. Written chunks are first held in memory
//! and a dataset's index is written once, when its pending state is flushed (before it is
//! read, before it shrinks, and before every commit; `write::pending`). The extent a
//! chunked dataset grows to is held the same way: its dataspace message is written with
//! the index.
//!
//! Links work the same way (`write::pending_links`): adding, removing, renaming or
//! retargeting a link edits the group's links in memory (ordered by name, O(log N); the
//! file's link cache is updated in place, so lookups and listings see the edit at once),
//! and the group's storage (symbol table, link messages or dense storage, in its form and
//! with its phase change values) is written once, before every commit and before switching
//! to SWMR write mode. A group whose header moves then relinks itself in its parents,
//! which become pending in turn, until none is left. A deleted group's pending links are
//! dropped.
//!
//! Freed space is reused in two classes, which is what keeps the guarantee above:
//!
//! - Scratch space that is superseded (a header that outgrew its block, a rewritten chunk,
//!   group storage or chunk index, a dataset created and deleted between two commits) is
//!   free at once: no superblock on disk reaches it.
//! - Committed space that the new state no longer reaches (the old copy of a moved header,
//!   chunk, group storage or chunk index this writer allocated; the header and raw data of
//!   an object whose last hard link was removed) is *pending*: the committed superblock
//!   still reaches it, so it joins the free list only when the next commit's superblock
//!   is written. A crash before that leaves the old superblock and its bytes intact.
//! - The end of the file never moves below the committed end of file between commits.
//!   A commit gives free space at the end back: the new superblock records the shorter
//!   end, and the file is cut after it is written.
//! - No object header starts where another object's header was: handles and the
//!   forwarding map still name objects by old addresses. Committed datatypes are never
//!   reclaimed (shared datatype messages name them by address). Large free extents (64
//!   KiB and more) are only cut for blocks of a sixteenth of their size or more, so a
//!   deleted dataset's space fits the next one of its size.
//!
//! Not reclaimed: committed structures written by other writers whose size is not read
//! (libhdf5's group B-trees and heaps, chunk indexes), global heap collections of replaced
//! variable-length data, and the members of a deleted group. The free list is not stored in
//! the file; `h5repack` reclaims what is left. Object references stored as data follow
//! their objects (above).
//!
//! # Format generations
//!
//! [`Libver::Earliest`] writes what libhdf5 1.8 writes by default (superblock version 0,
//! version 1 object headers, groups as a symbol table: v1 B-tree of symbol table nodes
//! with names in a local heap; layout message version 3, chunks indexed by a v1 B-tree).
//! [`Libver::Latest`] writes a version 3 superblock, version 2 object headers, groups with
//! link info, group info and link messages (compact or dense, below), version 2
//! dataspaces, version 3 fill values, and chunk indexes (layout message version 4) as
//! libhdf5 picks them: for fixed maximum shapes a single chunk when the chunk is the whole
//! dataset, else a fixed array (paged past 1024 chunks); with one unlimited dimension an
//! extensible array (libhdf5's parameters: 4 elements in the index block, data blocks of 16
//! or more, super blocks of 4 or more data blocks, pages of 1024), with more a version 2
//! B-tree (2048-byte nodes).
//!
//! Writing into a dataset, or shrinking it, rebuilds its index copy-on-write with the same kind
//! and parameters (libhdf5's files included), except the implicit index (early allocation,
//! no filters), which is rewritten as a fixed array, and v1 B-trees in latest-format files,
//! which stay v1 B-trees. Datasets whose partial edge chunks are stored unfiltered (layout
//! flag) are not rewritten when filtered.
//!
//! # Dense storage
//!
//! Link-message groups and objects with version 2 headers switch between compact and dense
//! storage as libhdf5 does (`write::dense`): a group goes dense when it holds more links
//! than its group info message's max compact value (8 by default) and back to compact below
//! min dense (6); an object's attributes go dense past its max compact value (8) or for an
//! attribute message larger than 64 KiB (its value then is a huge heap object), and back
//! below min dense (6). Dense storage is a fractal heap of the messages with a version 2
//! B-tree of name hashes, plus one of creation orders where the group or object indexes
//! them; every edit writes a new heap and new trees. Version 1 headers hold no dense
//! attributes: there an attribute larger than 64 KiB is refused.
//!
//! An existing file opened for writing keeps its generation, given by its superblock.
//!
//! # SWMR write mode
//!
//! [`File::start_swmr_write`](crate::File::start_swmr_write) switches a latest-format file
//! to in-place updates for libhdf5's single-writer/multiple-reader readers (`write::swmr`,
//! docs/SWMR.md): the superblock's consistency flags are set to 0x05 and stay set until the
//! file is closed; appending to datasets indexed by an extensible array writes chunks at
//! fresh space, then updates the index blocks, the object header's dataspace and the
//! superblock's end of file in place, children before parents. Structural changes are
//! refused in that mode.

pub(crate) mod alloc;
pub mod attribute;
pub mod builder;
pub(crate) mod chunks;
pub(crate) mod committed;
pub(crate) mod dataset;
pub(crate) mod dense;
pub(crate) mod external;
pub mod filters;
pub(crate) mod group;
pub(crate) mod object_header;
pub(crate) mod pending;
pub(crate) mod pending_links;
pub(crate) mod ref_patch;
pub(crate) mod reference;
pub(crate) mod revised_ref;
pub(crate) mod stored;
pub(crate) mod swmr;
pub(crate) mod symbol_table;
pub mod types;
pub mod virtual_dataset;
pub(crate) mod vlen;

use h5oxide_format::superblock::{RootGroup, Superblock};
use h5oxide_format::symbol_table_entry::{ScratchPad, SymbolTableEntry};
use h5oxide_format::{Context, Writer, UNDEFINED_ADDRESS};
use h5oxide_storage::Backend;

use crate::error::{Error, Result};
use crate::file::FileInner;

pub(crate) use alloc::WriteState;
pub use attribute::{AttrData, AttrValue, Empty, RawValue};
pub use builder::DatasetBuilder;
pub use filters::{Bitshuffle, Blosc, BloscShuffle, ScaleOffset, Szip};
pub use types::{H5Write, WriteData};

/// The format generation of a new file, as h5py's `libver` names its bounds.
///
/// ```
/// use h5oxide::{File, Libver};
/// // Spec II.A: superblock version 0 for the earliest format, 3 for the latest.
/// let old = File::options().libver(Libver::Earliest).in_memory()?;
/// let new = File::options().libver(Libver::Latest).in_memory()?;
/// assert_eq!((old.superblock_version(), new.superblock_version()), (0, 3));
/// assert_eq!(Libver::default(), Libver::Earliest);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Libver {
    /// The structures every HDF5 library since 1.8 reads (h5py's default): superblock 0,
    /// version 1 object headers, symbol-table groups.
    #[default]
    Earliest,
    /// The newest structures libhdf5 1.10 writes: superblock 3, version 2 object headers,
    /// link-message groups.
    Latest,
}

/// Group leaf node K and internal node K of new files (spec II.A; libhdf5's defaults).
pub(crate) const GROUP_LEAF_K: u16 = 4;
pub(crate) const GROUP_INTERNAL_K: u16 = 16;
/// Indexed storage internal node K (chunk B-trees; libhdf5's default).
pub(crate) const INDEXED_STORAGE_K: u16 = 32;

/// Writes a new, empty file (superblock and root group) into an empty backend, after a
/// zero-filled user block of `userblock` bytes (0, or a power of two >= 512, checked by the
/// caller): the superblock goes at that offset, which is the base address (spec II.A).
/// `sync` as [`crate::FileOptions::sync`]: whether this first commit syncs.
pub(crate) fn format_new(
    backend: &dyn Backend,
    libver: Libver,
    userblock: u64,
    sync: bool,
) -> Result<()> {
    let ctx = Context::DEFAULT;
    let version = match libver {
        Libver::Earliest => 0,
        Libver::Latest => 3,
    };
    let root = match libver {
        Libver::Earliest => RootGroup::SymbolTableEntry(SymbolTableEntry {
            link_name_offset: 0,
            object_header_address: UNDEFINED_ADDRESS,
            scratch_pad: ScratchPad::None,
        }),
        Libver::Latest => RootGroup::ObjectHeader(UNDEFINED_ADDRESS),
    };
    let sb = Superblock {
        version,
        sizes: ctx,
        group_leaf_k: GROUP_LEAF_K,
        group_internal_k: GROUP_INTERNAL_K,
        indexed_storage_k: INDEXED_STORAGE_K,
        consistency_flags: 0,
        base_address: userblock,
        free_space_address: UNDEFINED_ADDRESS,
        extension_address: UNDEFINED_ADDRESS,
        eof_address: 0,
        driver_info_address: UNDEFINED_ADDRESS,
        root,
    };
    let mut ws = WriteState::new(sb, sb.encoded_len() as u64, libver);
    ws.sync = sync;
    let sink = alloc::Sink::new(backend, userblock, &ws);
    let (root_addr, stab) = group::new_group_header(&mut ws, &sink)?;
    ws.set_root(root_addr);
    commit_state(&mut ws, backend, userblock, stab)
}

/// Updates stored references to moved objects (`ref_patch`), then commits.
pub(crate) fn commit(file: &crate::File) -> Result<()> {
    // Held chunks first (they may move headers), then held group links (groups move and
    // relink their parents), then references to moved objects, whose chunked tables are
    // written through the same held-chunk path, so both are flushed again.
    pending::flush_file(file)?;
    pending_links::flush_file(file)?;
    ref_patch::patch_references(file)?;
    pending::flush_file(file)?;
    pending_links::flush_file(file)?;
    commit_inner(&file.inner)
}

/// Commits a writable file (see the module documentation). A no-op when nothing changed
/// and for read-only files.
pub(crate) fn commit_inner(inner: &FileInner) -> Result<()> {
    let Some(w) = &inner.writer else {
        return Ok(());
    };
    let mut ws = w.lock().unwrap_or_else(|e| e.into_inner());
    if ws.has_failed() {
        return Err(Error::Usage(FAILED));
    }
    if !ws.dirty {
        return Ok(());
    }
    let root_cache = match ws.sb.root {
        RootGroup::SymbolTableEntry(_) => root_symbol_table(inner, ws.root())?,
        RootGroup::ObjectHeader(_) => None,
    };
    commit_state(&mut ws, inner.src.backend(), inner.src.base(), root_cache)
}

/// The root group's symbol table addresses, cached in a version 0/1 superblock's root entry.
fn root_symbol_table(inner: &FileInner, root: u64) -> Result<Option<(u64, u64)>> {
    let h = h5oxide_format::object_header::read_object_header(
        &inner.src,
        root,
        &inner.ctx,
        &inner.limits,
    )?;
    for raw in &h.messages {
        if let h5oxide_format::object_header::message::Message::SymbolTable(st) =
            h5oxide_format::object_header::message::decode(raw, &inner.ctx)?
        {
            return Ok(Some((st.btree_address, st.heap_address)));
        }
    }
    Ok(None)
}

/// Why a file whose write or sync failed accepts no more changes.
pub(crate) const FAILED: &str =
    "an earlier write to the file failed; it keeps its last commit and accepts no more changes";

/// Sync, superblock, sync. Any failure marks the state failed (never committed again):
/// after a failed write or sync the bytes it reaches may not be on disk, whatever a later
/// sync reports.
fn commit_state(
    ws: &mut WriteState,
    backend: &dyn Backend,
    base: u64,
    root_cache: Option<(u64, u64)>,
) -> Result<()> {
    let r = commit_steps(ws, backend, base, root_cache);
    if r.is_err() {
        ws.fail();
    }
    r
}

fn commit_steps(
    ws: &mut WriteState,
    backend: &dyn Backend,
    base: u64,
    root_cache: Option<(u64, u64)>,
) -> Result<()> {
    ws.trim_end();
    let end = base
        .checked_add(ws.eof)
        .ok_or(Error::Usage("file larger than the address space"))?;
    if backend.size() < end {
        backend.set_len(end)?;
    }
    if ws.sync {
        backend.sync()?;
    }
    let mut sb = ws.sb;
    // The end-of-file address is absolute, user block included (spec II.A; libhdf5
    // writes it so); every other address is relative to the base.
    sb.eof_address = end;
    sb.consistency_flags = 0;
    if let RootGroup::SymbolTableEntry(e) = &mut sb.root {
        e.scratch_pad = match root_cache {
            Some((btree_address, heap_address)) => ScratchPad::Group {
                btree_address,
                heap_address,
            },
            None => ScratchPad::None,
        };
    }
    let mut w = Writer::new();
    sb.encode(&mut w)?;
    backend.write_at(base, w.as_slice())?;
    if ws.sync {
        backend.sync()?;
    }
    // Freed space at the end is cut only now: the previous superblock's end of file had
    // to stay within the file until this one was written.
    if backend.size() > end {
        backend.set_len(end)?;
    }
    ws.committed();
    Ok(())
}
