//! `h5ox check`: validates a whole file. Every object reachable from the root through hard
//! links is decoded once, its data read through the filter pipeline, and the byte extents of
//! the structures found are checked against the end of file and against each other.
//!
//! The walk here also gathers the counts and sizes `h5ox stat` prints (see [`crate::stat`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Display;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use h5oxide::format::btree_v1::{KeyFormat, Keys, Node};
use h5oxide::format::chunk_index::{extensible_array, fixed_array, ChunkRecord};
use h5oxide::format::heap::fractal;
use h5oxide::format::heap::local::{name_at, LocalHeap, FREE_LIST_END};
use h5oxide::format::object_header::message::datatype::{CompoundMember, Datatype, TypeClass};
use h5oxide::format::object_header::message::layout::{ChunkIndex, ChunkedLayout, Storage};
use h5oxide::format::object_header::message::symbol_table::SymbolTableMessage;
use h5oxide::format::object_header::message::{self, Message};
use h5oxide::format::object_header::read_object_header;
use h5oxide::format::superblock::{RootGroup, Superblock};
use h5oxide::format::symbol_table_entry::ScratchPad;
use h5oxide::format::symbol_table_node::SymbolTableNode;
use h5oxide::format::{btree_v2, Context, Limits, ReadAt, UNDEFINED_ADDRESS};
use h5oxide::{Attributes, Dataset, DimSlice, File, Group, Link, Object, Selection};
use h5oxide_storage::filter::pipeline::decode_chunk;
use h5oxide_storage::{Backend, FileBackend, MemBackend, StorageError};

/// Arguments of `h5ox check`.
#[derive(clap::Args)]
pub struct Args {
    /// Datasets larger than this many bytes (element count times element size) are not read
    /// in one piece: their chunks are decoded one at a time, other layouts read in slabs of
    /// leading rows of at most this size.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 30)]
    max_bytes: u64,
    /// The HDF5 file.
    file: PathBuf,
}

/// Runs `h5ox check`: prints one line per problem, warnings prefixed with `warning:`, and a
/// summary; exit status 0 for a clean file (warnings allowed), 1 otherwise.
pub fn run(a: &Args) -> ExitCode {
    let mut w = Walk::new(a.max_bytes.max(1), true);
    w.run(&a.file);
    let mut out = String::new();
    for p in &w.r.problems {
        out.push_str(p);
        out.push('\n');
    }
    for p in &w.r.warnings {
        out.push_str("warning: ");
        out.push_str(p);
        out.push('\n');
    }
    let r = &w.r;
    let objects = r.groups + r.datasets + r.datatypes;
    let verdict = match r.problems.len() {
        0 => "clean".to_owned(),
        1 => "1 problem".to_owned(),
        n => format!("{n} problems"),
    };
    out.push_str(&format!(
        "{objects} objects, {} datasets, {} chunks checked: {verdict}\n",
        r.datasets, r.chunks
    ));
    // A closed pipe (`h5ox check f | head`) is not a finding: the exit status still is.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    if r.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// What `h5ox check` found in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOutcome {
    /// One line per problem (the file is damaged or not valid HDF5).
    pub problems: Vec<String>,
    /// One line per warning (for example a dangling soft link).
    pub warnings: Vec<String>,
    /// Groups, datasets and committed datatypes reached.
    pub objects: u64,
    /// Chunks decoded.
    pub chunks: u64,
}

/// Runs the checks of `h5ox check` on a file held in memory, within `limits`; datasets
/// larger than `max_bytes` are read a chunk or a slab of rows at a time. Never panics on
/// malformed input: every finding is a line of the outcome.
///
/// ```
/// let out = h5oxide_cli::check_bytes(b"not an HDF5 file", h5oxide::format::Limits::DEFAULT, 1 << 20);
/// assert!(!out.problems.is_empty());
/// ```
pub fn check_bytes(data: &[u8], limits: Limits, max_bytes: u64) -> CheckOutcome {
    let mut w = Walk::new(max_bytes.max(1), true);
    w.limits = limits;
    w.run_bytes(data);
    let r = w.r;
    CheckOutcome {
        objects: r.groups + r.datasets + r.datatypes,
        chunks: r.chunks,
        problems: r.problems,
        warnings: r.warnings,
    }
}

/// Failing chunks listed one by one per dataset read; the rest are counted.
const MAX_CHUNK_LINES: usize = 10;

/// Whether an extent holds metadata or raw data (for `stat`'s storage split).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Metadata,
    Raw,
}

/// A byte range `[start, end)` of the file (relative to the base address) that one known
/// structure occupies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extent {
    pub(crate) start: u64,
    pub(crate) end: u64,
    /// What it is, as the specification names it.
    pub(crate) label: &'static str,
    /// Index into [`Report::owners`]: the object the structure belongs to.
    pub(crate) owner: usize,
    pub(crate) kind: Kind,
}

/// Totals of one filter pipeline combination.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PipelineStat {
    pub(crate) datasets: u64,
    pub(crate) stored: u64,
    pub(crate) logical: u64,
}

/// Everything one walk of a file found.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) problems: Vec<String>,
    pub(crate) warnings: Vec<String>,
    seen: HashSet<String>,
    pub(crate) extents: Vec<Extent>,
    /// Object paths (and "superblock", "file"), named by [`Extent::owner`].
    pub(crate) owners: Vec<String>,
    /// Bytes of the file after the user block (spec II.A: addresses start past it).
    pub(crate) file_size: u64,
    /// Bytes of the user block before the superblock.
    pub(crate) user_block: u64,
    pub(crate) groups: u64,
    pub(crate) datasets: u64,
    pub(crate) datatypes: u64,
    pub(crate) attributes: u64,
    /// Links by kind: "hard", "soft", "external", "user-defined".
    pub(crate) links: BTreeMap<&'static str, u64>,
    pub(crate) chunks: u64,
    pub(crate) chunked_bytes: u64,
    pub(crate) contiguous_bytes: u64,
    pub(crate) compact_bytes: u64,
    /// By pipeline, e.g. "shuffle+deflate", or "none".
    pub(crate) pipelines: BTreeMap<String, PipelineStat>,
    /// Stored chunk sizes by power-of-two bucket: key `k` counts sizes in `[2^k, 2^(k+1))`,
    /// key `None` counts empty chunks.
    pub(crate) chunk_histogram: BTreeMap<Option<u32>, u64>,
}

impl Report {
    fn problem(&mut self, line: String) {
        if self.seen.insert(line.clone()) {
            self.problems.push(line);
        }
    }

    fn warning(&mut self, line: String) {
        if self.seen.insert(line.clone()) {
            self.warnings.push(line);
        }
    }

    fn owner(&mut self, name: &str) -> usize {
        self.owners.push(name.to_owned());
        self.owners.len() - 1
    }
}

/// The file's bytes as the codec addresses them: relative to the superblock's base address
/// (spec II.A), so a user block is skipped.
pub(crate) struct Source {
    backend: Box<dyn Backend>,
    base: u64,
}

impl ReadAt for Source {
    type Error = StorageError;

    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, StorageError> {
        let abs = self
            .base
            .checked_add(offset)
            .ok_or_else(|| h5oxide::format::source::out_of_range(offset, self.size(), "read"))?;
        self.backend.read_at(abs, len)
    }

    fn size(&self) -> u64 {
        self.backend.size().saturating_sub(self.base)
    }
}

/// Opens `path` for reading structures directly: the bytes as the codec addresses them
/// and the superblock's context.
pub(crate) fn open_source(path: &Path) -> Result<(Source, Context), String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let backend = FileBackend::new(f, false).map_err(|e| e.to_string())?;
    let sb = Superblock::read(&backend as &dyn Backend).map_err(|e| e.to_string())?;
    let ctx = sb.context();
    Ok((
        Source {
            backend: Box::new(backend),
            base: sb.base_address,
        },
        ctx,
    ))
}

/// One walk over a file.
pub(crate) struct Walk {
    /// Read every dataset's data (check) or only its metadata (stat).
    decode_data: bool,
    max_bytes: u64,
    pub(crate) r: Report,
    visited: HashSet<u64>,
    limits: Limits,
    /// v1 B-tree 'K' values (spec II.A; a B-tree 'K' values message in the superblock
    /// extension overrides them): group internal, group leaf, indexed storage.
    group_k: u16,
    leaf_k: u16,
    chunk_k: u16,
    /// Symbol table addresses cached in the scratch pad of the entry that links a group
    /// (spec III.C, cache type 1), by the group's header address: (B-tree, heap, address
    /// of the symbol table node holding the entry, or `None` for the superblock's).
    cached: HashMap<u64, (u64, u64, Option<u64>)>,
}

/// A failed read, worded as one line: a format error names its structure and offset itself.
fn describe(e: &(impl Display + ?Sized), context: &str) -> String {
    let s = e.to_string().replace('\n', " ");
    // A bare backend read names no structure: the context does.
    if s.contains(" at offset 0x") && !s.starts_with("read at offset") {
        s
    } else {
        format!("{context}: {s}")
    }
}

/// A compound member that reaches past its compound's size or shares bytes with another
/// (spec IV.A.2.d, class 6), searched through nested compound, array, variable-length and
/// enum types.
fn datatype_problem(t: &Datatype, depth: u32) -> Option<String> {
    if depth > 32 {
        return None;
    }
    match &t.class {
        TypeClass::Compound { members } => {
            // libhdf5 refuses members that share bytes.
            let mut spans: Vec<(u64, u64, &str)> = members
                .iter()
                .map(|m| {
                    let start = u64::from(m.offset);
                    let end = m.extent().map_or(u64::MAX, |e| start.saturating_add(e));
                    (start, end, m.name.as_str())
                })
                .collect();
            spans.sort_unstable();
            for w in spans.windows(2) {
                if w[0].1 > w[1].0 {
                    return Some(format!(
                        "compound members {:?} [{}, {}) and {:?} [{}, {}) overlap",
                        w[0].2, w[0].0, w[0].1, w[1].2, w[1].0, w[1].1
                    ));
                }
            }
            compound_member_problem(t, members, depth)
        }
        TypeClass::Array { base, .. }
        | TypeClass::VarLen { base, .. }
        | TypeClass::Enum { base, .. } => datatype_problem(base, depth + 1),
        _ => None,
    }
}

/// The first member of `t` that extends past `t`'s size, or a problem inside a member's type.
fn compound_member_problem(t: &Datatype, members: &[CompoundMember], depth: u32) -> Option<String> {
    members.iter().find_map(|m| {
        let end = m.extent().and_then(|e| e.checked_add(u64::from(m.offset)));
        if end.is_none_or(|e| e > u64::from(t.size)) {
            Some(format!(
                "compound member {:?} at byte {} ({} bytes) extends past the {}-byte compound",
                m.name,
                m.offset,
                m.extent().unwrap_or(u64::MAX),
                t.size
            ))
        } else {
            datatype_problem(&m.dtype, depth + 1)
        }
    })
}

/// Short name of a filter pipeline: filter names joined in the order applied on write.
fn pipeline_name(ds: &Dataset) -> String {
    match ds.filters() {
        Some(p) if !p.filters.is_empty() => p
            .filters
            .iter()
            .map(|f| crate::props::filter_names(f.id).1.to_owned())
            .collect::<Vec<_>>()
            .join("+"),
        _ => "none".to_owned(),
    }
}

impl Walk {
    pub(crate) fn new(max_bytes: u64, decode_data: bool) -> Self {
        Walk {
            decode_data,
            max_bytes,
            r: Report::default(),
            visited: HashSet::new(),
            limits: Limits::DEFAULT,
            group_k: 0,
            leaf_k: 0,
            chunk_k: 0,
            cached: HashMap::new(),
        }
    }

    fn extent(&mut self, start: u64, len: u64, label: &'static str, owner: usize, kind: Kind) {
        if start == UNDEFINED_ADDRESS || len == 0 {
            return;
        }
        self.r.extents.push(Extent {
            start,
            end: start.saturating_add(len),
            label,
            owner,
            kind,
        });
    }

    /// Walks the file at `path`, filling `self.r`.
    pub(crate) fn run(&mut self, path: &Path) {
        let backend = match std::fs::File::open(path)
            .map_err(|e| e.to_string())
            .and_then(|f| FileBackend::new(f, false).map_err(|e| e.to_string()))
        {
            Ok(b) => b,
            Err(e) => {
                self.r.problem(format!("file {}: {e}", path.display()));
                return;
            }
        };
        let limits = self.limits;
        self.run_on(Box::new(backend), &|| {
            File::options().limits(limits).open(path)
        });
    }

    /// Checks a file held in memory.
    pub(crate) fn run_bytes(&mut self, data: &[u8]) {
        let limits = self.limits;
        self.run_on(Box::new(MemBackend::read_only(data.to_vec())), &|| {
            File::options().limits(limits).open_bytes(data.to_vec())
        });
    }

    /// The walk over the bytes of `backend`; `open` opens the same bytes as a [`File`].
    fn run_on(&mut self, backend: Box<dyn Backend>, open: &dyn Fn() -> h5oxide::Result<File>) {
        let size = backend.size();
        let sb = match Superblock::read(&*backend) {
            Ok(sb) => sb,
            Err(e) => {
                self.r.problem(describe(&e, "superblock"));
                return;
            }
        };
        let src = Source {
            backend,
            base: sb.base_address,
        };
        let ctx = sb.context();
        let rel_size = src.size();
        self.r.file_size = rel_size;
        self.r.user_block = sb.base_address;
        // spec II.A: the end-of-file address is where the file's data ends; a shorter file
        // lost its tail.
        let rel_eof = sb.eof_address.saturating_sub(sb.base_address);
        if rel_eof > rel_size {
            self.r.problem(format!(
                "superblock at offset {:#x}: end of file address {:#x} is past the end of the \
                 file ({size:#x} bytes): the file is truncated",
                sb.base_address, sb.eof_address
            ));
        }
        let eof = rel_eof.min(rel_size);
        let sb_owner = self.r.owner("superblock");
        self.extent(
            0,
            sb.encoded_len() as u64,
            "superblock",
            sb_owner,
            Kind::Metadata,
        );
        (self.group_k, self.leaf_k, self.chunk_k) =
            (sb.group_internal_k, sb.group_leaf_k, sb.indexed_storage_k);
        if sb.extension_address != UNDEFINED_ADDRESS {
            let owner = self.r.owner("superblock extension");
            for m in self
                .header(&src, &ctx, sb.extension_address, owner)
                .unwrap_or_default()
            {
                if let Message::BtreeK(k) = m {
                    (self.group_k, self.leaf_k, self.chunk_k) = (
                        k.group_internal_k,
                        k.group_leaf_k,
                        k.indexed_storage_internal_k,
                    );
                }
            }
        }

        let file = match open() {
            Ok(f) => f,
            Err(e) => {
                self.r.problem(describe(&e, "file"));
                self.overlaps(eof);
                return;
            }
        };
        let root = file.root();
        let root_address = root.address();
        self.visited.insert(root_address);
        if let RootGroup::SymbolTableEntry(e) = &sb.root {
            if let ScratchPad::Group {
                btree_address,
                heap_address,
            } = e.scratch_pad
            {
                self.cached
                    .insert(root_address, (btree_address, heap_address, None));
            }
        }
        let owner = self.r.owner("/");
        if let Some(messages) = self.header(&src, &ctx, root_address, owner) {
            self.object(&src, &ctx, Object::Group(root), &messages, owner);
        }
        self.overlaps(eof);
    }

    /// Reads the object header at `address`, records its chunks and decodes every message;
    /// `None` if the header itself cannot be read.
    fn header(
        &mut self,
        src: &Source,
        ctx: &Context,
        address: u64,
        owner: usize,
    ) -> Option<Vec<Message>> {
        let path = self.r.owners[owner].clone();
        let h = match read_object_header(src, address, ctx, &self.limits) {
            Ok(h) => h,
            Err(e) => {
                self.r.problem(describe(
                    &e,
                    &format!("object header of {path} at {address:#x}"),
                ));
                return None;
            }
        };
        for &(a, len) in &h.chunks {
            self.extent(a, len, "object header", owner, Kind::Metadata);
        }
        let mut out = Vec::with_capacity(h.messages.len());
        for raw in &h.messages {
            match message::decode(raw, ctx) {
                Ok(m) => out.push(m),
                Err(e) => self.r.problem(describe(&e, &path)),
            }
        }
        Some(out)
    }

    /// Checks the object whose header has been read, then every object below it, depth
    /// first in name order. Only groups wait on the stack; other objects are checked as
    /// their link is met.
    fn object(
        &mut self,
        src: &Source,
        ctx: &Context,
        obj: Object,
        messages: &[Message],
        owner: usize,
    ) {
        // An explicit stack: a deep tree cannot overflow the call stack.
        let mut stack: Vec<Group> = self
            .one(src, ctx, obj, messages, owner)
            .into_iter()
            .collect();
        while let Some(g) = stack.pop() {
            let mut children = self.links(src, ctx, &g);
            // Popped in name order.
            children.reverse();
            stack.extend(children);
        }
    }

    /// Checks one object: the structures its messages name, its attributes, and its
    /// dataset or datatype; a group is returned for its links to be walked.
    fn one(
        &mut self,
        src: &Source,
        ctx: &Context,
        obj: Object,
        messages: &[Message],
        owner: usize,
    ) -> Option<Group> {
        self.storage_structures(src, ctx, messages, owner);
        let attrs = match &obj {
            Object::Group(g) => g.attrs(),
            Object::Dataset(d) => d.attrs(),
            Object::Datatype(t) => t.attrs(),
            _ => return None,
        };
        self.attributes(attrs, obj.address(), owner);
        let has = |f: fn(&Message) -> bool| messages.iter().any(f);
        if messages.is_empty() {
            self.r.problem(format!(
                "object header at offset {:#x}: holds no messages ({})",
                obj.address(),
                obj.name()
            ));
        } else if matches!(obj, Object::Group(_))
            && !has(|m| {
                matches!(
                    m,
                    Message::SymbolTable(_) | Message::LinkInfo(_) | Message::Link(_)
                )
            })
        {
            // spec IV.A.2.c, IV.A.2.r: a group is a symbol table or links.
            self.r.problem(format!(
                "object header at offset {:#x}: group {} has no symbol table, link info \
                 or link message",
                obj.address(),
                obj.name()
            ));
        }
        self.cached_symbol_table(&obj, messages);
        let obj_address = obj.address();
        match obj {
            Object::Group(g) => {
                self.r.groups += 1;
                return Some(g);
            }
            Object::Dataset(d) => self.dataset(src, &d, owner),
            Object::Datatype(t) => {
                self.r.datatypes += 1;
                match t.dtype() {
                    Ok(dt) => {
                        if let Some(p) = datatype_problem(&dt, 0) {
                            let (name, at) = (t.name(), obj_address);
                            self.r.problem(format!(
                                "named datatype {name} (object header at offset {at:#x}): {p}"
                            ));
                        }
                    }
                    Err(e) => {
                        let at = format!("named datatype {}", t.name());
                        self.r.problem(describe(&e, &at));
                    }
                }
            }
            _ => {}
        }
        None
    }

    /// The symbol table addresses the linking entry cached for a group (libhdf5 follows
    /// them) equal those of the group's own symbol table message.
    fn cached_symbol_table(&mut self, obj: &Object, messages: &[Message]) {
        let Some((btree, heap, snod)) = self.cached.remove(&obj.address()) else {
            return;
        };
        let st = messages.iter().find_map(|m| match m {
            Message::SymbolTable(st) => Some(st),
            _ => None,
        });
        // A group converted to link messages keeps a stale cache, which libhdf5 ignores.
        let Some((b, h)) = st.map(|st| (st.btree_address, st.heap_address)) else {
            return;
        };
        if (b, h) != (btree, heap) {
            let at = match snod {
                Some(a) => format!("symbol table node at offset {a:#x}"),
                None => "superblock at offset 0x0".to_owned(),
            };
            self.r.problem(format!(
                "{at}: the entry of {} caches B-tree {btree:#x} and local heap {heap:#x}, its \
                 symbol table message says {b:#x} and {h:#x}",
                obj.name()
            ));
        }
    }

    /// Checks every link of `g` and every hard-linked object not seen before; returns the
    /// groups among them, for the caller to descend into.
    fn links(&mut self, src: &Source, ctx: &Context, g: &Group) -> Vec<Group> {
        let mut out = Vec::new();
        let links = match g.links() {
            Ok(l) => l,
            Err(e) => {
                self.r.problem(describe(
                    &e,
                    &format!("links of group {} at {:#x}", g.name(), g.address()),
                ));
                return out;
            }
        };
        for pair in links.windows(2) {
            if pair[0].0 == pair[1].0 {
                self.r.problem(format!(
                    "object header at offset {:#x}: group {} has two links named {:?}",
                    g.address(),
                    g.name(),
                    pair[0].0
                ));
            }
        }
        for (name, link) in links {
            let path = crate::tree::join(g.name(), &name);
            match link {
                Link::Hard { address } => {
                    *self.r.links.entry("hard").or_default() += 1;
                    if !self.visited.insert(address) {
                        continue;
                    }
                    let owner = self.r.owner(&path);
                    let Some(messages) = self.header(src, ctx, address, owner) else {
                        continue;
                    };
                    match g.object(&name) {
                        Ok(o) => out.extend(self.one(src, ctx, o, &messages, owner)),
                        Err(e) => self
                            .r
                            .problem(describe(&e, &format!("object {path} at {address:#x}"))),
                    }
                }
                Link::Soft { target } => {
                    *self.r.links.entry("soft").or_default() += 1;
                    if let Err(e) = g.object(&name) {
                        self.r.warning(format!("soft link {path} -> {target}: {e}"));
                    }
                }
                Link::External { file, path: p } => {
                    *self.r.links.entry("external").or_default() += 1;
                    if let Err(e) = g.object(&name) {
                        self.r
                            .warning(format!("external link {path} -> {file}:{p}: {e}"));
                    }
                }
                Link::UserDefined { link_type, .. } => {
                    *self.r.links.entry("user-defined").or_default() += 1;
                    self.r.warning(format!(
                        "user-defined link {path} (type {link_type}) is not followed"
                    ));
                }
                _ => {}
            }
        }
        out
    }

    /// Every attribute's value decodes (vlen data and references resolved).
    fn attributes(&mut self, attrs: Attributes, address: u64, owner: usize) {
        let list = match attrs.list() {
            Ok(l) => l,
            Err(e) => {
                let at = format!("attributes of {}", self.r.owners[owner]);
                self.r.problem(describe(&e, &at));
                return;
            }
        };
        // Listed in name order: a repeated name sits next to its twin.
        for pair in list.windows(2) {
            if pair[0].name() == pair[1].name() {
                self.r.problem(format!(
                    "object header at offset {:#x}: {} has two attributes named {:?}",
                    address,
                    self.r.owners[owner],
                    pair[0].name()
                ));
            }
        }
        for a in list {
            self.r.attributes += 1;
            if let Some(p) = datatype_problem(a.dtype(), 0) {
                let name = &self.r.owners[owner];
                let line = format!(
                    "datatype of attribute {name}@{} (object header at offset {address:#x}): {p}",
                    a.name()
                );
                self.r.problem(line);
                continue;
            }
            if !self.decode_data {
                continue;
            }
            if let Err(e) = a.values() {
                let at = format!("attribute {}@{}", self.r.owners[owner], a.name());
                self.r.problem(describe(&e, &at));
            }
        }
    }

    /// Extents of the heaps and B-trees an object's messages name, where their size is
    /// known without walking them whole.
    fn storage_structures(
        &mut self,
        src: &Source,
        ctx: &Context,
        messages: &[Message],
        owner: usize,
    ) {
        for m in messages {
            match m {
                Message::SymbolTable(st) => self.symbol_table(src, ctx, st, owner),
                Message::LinkInfo(li) => {
                    self.dense(src, ctx, li.fractal_heap_address, owner);
                    for a in [Some(li.name_index_address), li.creation_order_index_address] {
                        self.btree_v2(src, ctx, a.unwrap_or(UNDEFINED_ADDRESS), owner);
                    }
                }
                Message::AttributeInfo(ai) => {
                    self.dense(src, ctx, ai.fractal_heap_address, owner);
                    for a in [Some(ai.name_index_address), ai.creation_order_index_address] {
                        self.btree_v2(src, ctx, a.unwrap_or(UNDEFINED_ADDRESS), owner);
                    }
                }
                Message::Layout(l) => {
                    if let Storage::Chunked(c) = &l.storage {
                        self.chunk_index(src, ctx, c, owner);
                    }
                }
                _ => {}
            }
        }
    }

    /// An old-style group (spec III.D, III.B, III.A.1): the local heap, the B-tree and its
    /// symbol table nodes, whose names must ascend strictly in B-tree order and stay within
    /// their keys (libhdf5 finds a name by that order).
    fn symbol_table(&mut self, src: &Source, ctx: &Context, st: &SymbolTableMessage, owner: usize) {
        let heap = match LocalHeap::read(src, st.heap_address, ctx) {
            Ok(h) => {
                let len = LocalHeap::encoded_len(ctx) as u64;
                self.extent(st.heap_address, len, "local heap", owner, Kind::Metadata);
                let (at, size) = (h.data_segment_address, h.data_segment_size);
                self.extent(at, size, "local heap data segment", owner, Kind::Metadata);
                match h.read_segment(src, &self.limits) {
                    Ok(seg) => {
                        self.free_list(ctx, &h, st.heap_address, &seg);
                        Some((at, seg.into_owned()))
                    }
                    Err(e) => {
                        self.r.problem(describe(&e, "local heap data segment"));
                        None
                    }
                }
            }
            Err(e) => {
                let at = format!("local heap at offset {:#x}", st.heap_address);
                self.r.problem(describe(&e, &at));
                None
            }
        };
        let leaves = self.btree_v1(src, ctx, st.btree_address, KeyFormat::Group, owner);
        // spec III.B: libhdf5 allocates every symbol table node full size.
        let len = SymbolTableNode::encoded_len(ctx, self.leaf_k) as u64;
        let mut prev: Option<Vec<u8>> = None;
        for (snod, lo, hi) in leaves {
            self.extent(snod, len, "symbol table node", owner, Kind::Metadata);
            let Some((seg_at, seg)) = &heap else {
                continue;
            };
            let node = match SymbolTableNode::read(src, snod, ctx, self.leaf_k, &self.limits) {
                Ok(n) => n,
                Err(e) => {
                    let at = format!("symbol table node at offset {snod:#x}");
                    self.r.problem(describe(&e, &at));
                    continue;
                }
            };
            let key = |off: u64| name_at(seg, off, *seg_at).map(<[u8]>::to_vec);
            let (lo, hi) = match (key(lo), key(hi)) {
                (Ok(lo), Ok(hi)) => (lo, hi),
                (Err(e), _) | (_, Err(e)) => {
                    self.r.problem(describe(&e, "version 1 B-tree key"));
                    continue;
                }
            };
            for e in &node.entries {
                if let ScratchPad::Group {
                    btree_address,
                    heap_address,
                } = e.scratch_pad
                {
                    let cache = (btree_address, heap_address, Some(snod));
                    self.cached.insert(e.object_header_address, cache);
                }
                let name = match name_at(seg, e.link_name_offset, *seg_at) {
                    Ok(n) => n.to_vec(),
                    Err(err) => {
                        self.r.problem(describe(&err, "symbol table entry"));
                        continue;
                    }
                };
                let shown = String::from_utf8_lossy(&name).into_owned();
                if prev.as_ref().is_some_and(|p| *p >= name) {
                    self.r.problem(format!(
                        "symbol table node at offset {snod:#x}: link name {shown:?} is out of \
                         order (after {:?})",
                        String::from_utf8_lossy(prev.as_deref().unwrap_or_default())
                    ));
                } else if name <= lo || name > hi {
                    self.r.problem(format!(
                        "symbol table node at offset {snod:#x}: link name {shown:?} is outside \
                         its B-tree keys ({:?}, {:?}]",
                        String::from_utf8_lossy(&lo),
                        String::from_utf8_lossy(&hi)
                    ));
                }
                prev = Some(name);
            }
        }
    }

    /// The local heap's free list (spec III.D): every block inside the data segment, at
    /// least as large as its own two fields, and no block reached twice.
    fn free_list(&mut self, ctx: &Context, h: &LocalHeap, heap_address: u64, seg: &[u8]) {
        let l = ctx.sizeof_lengths();
        let size = seg.len() as u64;
        let field = |at: usize| -> u64 {
            seg.get(at..at + l).map_or(0, |b| {
                b.iter().rev().fold(0u64, |a, &x| (a << 8) | u64::from(x))
            })
        };
        let mut seen = BTreeSet::new();
        let mut next = h.free_list_head();
        let mut from = "free list head".to_owned();
        while let Some(off) = next {
            let bad = |why: String| format!("local heap at offset {heap_address:#x}: {why}");
            if !seen.insert(off) {
                self.r
                    .problem(bad(format!("free list loops at offset {off}")));
                return;
            }
            // Each block starts with the offset of the next block and its own size.
            let at = match usize::try_from(off) {
                Ok(at) if off.saturating_add(2 * l as u64) <= size => at,
                _ => {
                    self.r.problem(bad(format!(
                        "{from} points to offset {off}, outside the {size}-byte data segment"
                    )));
                    return;
                }
            };
            let (n, len) = (field(at), field(at + l));
            if len < 2 * l as u64 || off.saturating_add(len) > size {
                self.r.problem(bad(format!(
                    "free block at offset {off} has size {len}, not within the {size}-byte \
                     data segment"
                )));
                return;
            }
            from = format!("free block at offset {off}");
            next = (n != FREE_LIST_END && n != u64::MAX).then_some(n);
        }
    }

    /// A fractal heap's header and, when the root is a direct block, that block (spec III.G).
    fn dense(&mut self, src: &Source, ctx: &Context, address: u64, owner: usize) {
        if address == UNDEFINED_ADDRESS {
            return;
        }
        match fractal::read_header(src, address, ctx) {
            Ok(h) => {
                let len = h.encoded_len(ctx) as u64;
                self.extent(address, len, "fractal heap header", owner, Kind::Metadata);
                if h.current_root_rows == 0 && h.root_block_address != UNDEFINED_ADDRESS {
                    let size = match &h.filter {
                        Some(f) => f.root_direct_block_size,
                        None => h.starting_block_size,
                    };
                    self.extent(
                        h.root_block_address,
                        size,
                        "fractal heap direct block",
                        owner,
                        Kind::Metadata,
                    );
                }
            }
            Err(e) => {
                let at = format!("fractal heap at offset {address:#x}");
                self.r.problem(describe(&e, &at));
            }
        }
    }

    /// A v2 B-tree's header and root node (spec III.A.2; every node is `node_size` bytes).
    fn btree_v2(&mut self, src: &Source, ctx: &Context, address: u64, owner: usize) {
        if address == UNDEFINED_ADDRESS {
            return;
        }
        match btree_v2::read_header(src, address, ctx) {
            Ok(h) => {
                let len = btree_v2::header::Btree2Header::encoded_len(ctx) as u64;
                self.extent(
                    address,
                    len,
                    "version 2 B-tree header",
                    owner,
                    Kind::Metadata,
                );
                self.extent(
                    h.root_address,
                    u64::from(h.node_size),
                    "version 2 B-tree node",
                    owner,
                    Kind::Metadata,
                );
            }
            Err(e) => {
                let at = format!("version 2 B-tree at offset {address:#x}");
                self.r.problem(describe(&e, &at));
            }
        }
    }

    /// Walks a v1 B-tree, recording every node's extent; returns the leaves' children
    /// (symbol table nodes, or chunks) in key order, each with the group keys on either
    /// side of it (0 for chunk trees).
    fn btree_v1(
        &mut self,
        src: &Source,
        ctx: &Context,
        root: u64,
        format: KeyFormat,
        owner: usize,
    ) -> Vec<(u64, u64, u64)> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        // (address, level the parent expects)
        let mut stack = vec![(root, None::<u8>)];
        while let Some((a, expected)) = stack.pop() {
            if a == UNDEFINED_ADDRESS {
                continue;
            }
            if !seen.insert(a) {
                self.r.problem(format!(
                    "version 1 B-tree node at offset {a:#x}: cycle: node reached twice"
                ));
                continue;
            }
            let node = match Node::read(src, a, format, ctx, &self.limits) {
                Ok(n) => n,
                Err(e) => {
                    let at = format!("version 1 B-tree node at offset {a:#x}");
                    self.r.problem(describe(&e, &at));
                    continue;
                }
            };
            if expected.is_some_and(|l| l != node.level)
                || u32::from(node.level) > self.limits.max_depth
            {
                self.r.problem(format!(
                    "version 1 B-tree node at offset {a:#x}: level {} is not its parent's \
                     level minus one",
                    node.level
                ));
                continue;
            }
            // spec III.A.1: libhdf5 allocates every node for 2K entries.
            let k = match format {
                KeyFormat::Group => self.group_k,
                KeyFormat::Chunk { .. } => self.chunk_k,
            };
            let len = Node::used_len(format, ctx, node.entries().max(2 * usize::from(k)));
            self.extent(
                a,
                len as u64,
                "version 1 B-tree node",
                owner,
                Kind::Metadata,
            );
            if node.level == 0 {
                for (i, &child) in node.children.iter().enumerate() {
                    let (lo, hi) = match &node.keys {
                        Keys::Group(k) => (
                            k.get(i).copied().unwrap_or(0),
                            k.get(i + 1).copied().unwrap_or(0),
                        ),
                        _ => (0, 0),
                    };
                    out.push((child, lo, hi));
                }
            } else {
                for &c in node.children.iter().rev() {
                    stack.push((c, Some(node.level - 1)));
                }
            }
        }
        out
    }

    /// Extents of a chunk index's own blocks, where cheap (spec VII).
    fn chunk_index(&mut self, src: &Source, ctx: &Context, c: &ChunkedLayout, owner: usize) {
        if c.address == UNDEFINED_ADDRESS {
            return;
        }
        match c.index {
            ChunkIndex::BtreeV1 => {
                let rank = c.dims.len();
                self.btree_v1(src, ctx, c.address, KeyFormat::Chunk { rank }, owner);
            }
            ChunkIndex::FixedArray { .. } => {
                match fixed_array::read_header(src, c.address, ctx, &self.limits) {
                    Ok(h) => {
                        let len = fixed_array::FixedArrayHeader::encoded_len(ctx) as u64;
                        self.extent(c.address, len, "fixed array header", owner, Kind::Metadata);
                        // Pages follow the data block (spec VII.B): counted as far as the
                        // entries they hold, a lower bound of what libhdf5 allocates.
                        let pages = if h.is_paged() {
                            h.max_entries
                                .saturating_mul(u64::from(h.entry_size))
                                .saturating_add(h.pages().saturating_mul(4))
                        } else {
                            0
                        };
                        if let Some(len) = h.data_block_len(ctx) {
                            self.extent(
                                h.data_block_address,
                                len.saturating_add(pages),
                                "fixed array data block",
                                owner,
                                Kind::Metadata,
                            );
                        }
                    }
                    Err(e) => {
                        let at = format!("fixed array at offset {:#x}", c.address);
                        self.r.problem(describe(&e, &at));
                    }
                }
            }
            ChunkIndex::ExtensibleArray { .. } => {
                match extensible_array::read_header(src, c.address, ctx, &self.limits) {
                    Ok(_) => {
                        let len = extensible_array::ExtensibleArrayHeader::encoded_len(ctx) as u64;
                        let label = "extensible array header";
                        self.extent(c.address, len, label, owner, Kind::Metadata);
                    }
                    Err(e) => {
                        let at = format!("extensible array at offset {:#x}", c.address);
                        self.r.problem(describe(&e, &at));
                    }
                }
            }
            ChunkIndex::BtreeV2 { .. } => self.btree_v2(src, ctx, c.address, owner),
            _ => {}
        }
    }

    /// A dataset: its raw data extents, its storage totals, and (check) its data decoded.
    fn dataset(&mut self, src: &Source, ds: &Dataset, owner: usize) {
        self.r.datasets += 1;
        if let Some(p) = datatype_problem(ds.dtype(), 0) {
            let at = ds.address();
            let name = ds.name();
            self.r.problem(format!(
                "datatype of {name} (object header at offset {at:#x}): {p}"
            ));
        }
        let elem = ds.dtype().element_size() as u64;
        let logical_all = if ds.is_null() {
            0
        } else {
            ds.size().saturating_mul(elem)
        };
        let mut stored = 0u64;
        let mut logical = logical_all;
        let mut records = Vec::new();
        match &ds.layout().storage {
            Storage::Chunked(c) => match ds.chunk_list() {
                Ok(list) => {
                    let chunk_bytes = c.chunk_bytes().unwrap_or(u64::MAX);
                    logical = 0;
                    for r in &list {
                        self.r.chunks += 1;
                        stored = stored.saturating_add(r.size);
                        logical = logical.saturating_add(chunk_bytes);
                        let bucket = (r.size > 0).then(|| r.size.ilog2());
                        *self.r.chunk_histogram.entry(bucket).or_default() += 1;
                        self.extent(r.address, r.size, "dataset chunk", owner, Kind::Raw);
                    }
                    self.r.chunked_bytes = self.r.chunked_bytes.saturating_add(stored);
                    records = list;
                }
                Err(e) => {
                    let at = format!("chunk index of {}", ds.name());
                    self.r.problem(describe(&e, &at));
                    return;
                }
            },
            Storage::Contiguous { address, size, .. } => {
                if *address != UNDEFINED_ADDRESS {
                    stored = size.unwrap_or(logical_all);
                    self.extent(*address, stored, "contiguous data", owner, Kind::Raw);
                    self.r.contiguous_bytes = self.r.contiguous_bytes.saturating_add(stored);
                } else {
                    logical = 0;
                }
            }
            Storage::Compact { data, .. } => {
                stored = data.len() as u64;
                self.r.compact_bytes = self.r.compact_bytes.saturating_add(stored);
            }
            _ => logical = 0,
        }
        let p = self.r.pipelines.entry(pipeline_name(ds)).or_default();
        p.datasets += 1;
        p.stored = p.stored.saturating_add(stored);
        p.logical = p.logical.saturating_add(logical);
        if self.decode_data {
            self.read_data(src, ds, &records, logical_all);
        }
    }

    /// Reads the dataset's data. Chunked data: the whole dataset in one read when it is at
    /// most `max_bytes` (each chunk decoded once by the library), else every chunk read and
    /// decoded on its own; a failing whole read is narrowed down to the chunks that fail.
    /// Other layouts: the whole dataset, or slabs of leading rows of at most `max_bytes`.
    fn read_data(&mut self, src: &Source, ds: &Dataset, records: &[ChunkRecord], logical: u64) {
        // Variable-length data and region references live in global heap collections: read
        // as values, they are resolved too.
        let whole = |ds: &Dataset| {
            let t = ds.dtype();
            if t.has_variable_length() || t.has_reference() {
                ds.read_values().map(drop)
            } else {
                ds.read_bytes().map(drop)
            }
        };
        if let Storage::Chunked(c) = &ds.layout().storage {
            if logical > self.max_bytes {
                self.decode_chunks(src, ds, c, records);
            } else if let Err(e) = whole(ds) {
                if self.decode_chunks(src, ds, c, records) == 0 {
                    let at = format!("data of {} at {:#x}", ds.name(), ds.address());
                    self.r.problem(describe(&e, &at));
                }
            }
            return;
        }
        let shape = ds.shape();
        let fail = |w: &mut Self, e: &h5oxide::Error| {
            let at = format!("data of {} at {:#x}", ds.name(), ds.address());
            w.r.problem(describe(e, &at));
        };
        if logical <= self.max_bytes || shape.is_empty() {
            if let Err(e) = whole(ds) {
                fail(self, &e);
            }
            return;
        }
        let row_bytes = shape
            .iter()
            .skip(1)
            .fold(ds.dtype().element_size() as u64, |a, &d| {
                a.saturating_mul(d)
            })
            .max(1);
        let rows = (self.max_bytes / row_bytes).max(1);
        let n0 = shape[0];
        let mut start = 0u64;
        while start < n0 {
            let count = rows.min(n0 - start);
            let mut dims = vec![DimSlice {
                start,
                step: 1,
                count,
            }];
            dims.extend(shape.iter().skip(1).map(|&d| DimSlice::all(d)));
            let result = Selection::new(dims, &shape).and_then(|s| ds.read_bytes_selection(&s));
            if let Err(e) = result {
                // The first failing slab says it all: the rest of the block is as broken.
                fail(self, &e);
                return;
            }
            start += count;
        }
    }

    /// Reads every filtered chunk once and decodes it through the pipeline (spec IV.A.2.l);
    /// unfiltered chunks are only bounds-checked, by the extent pass. Returns the number of
    /// chunks that fail.
    fn decode_chunks(
        &mut self,
        src: &Source,
        ds: &Dataset,
        c: &ChunkedLayout,
        records: &[ChunkRecord],
    ) -> usize {
        let Some(pipeline) = ds.filters().filter(|p| !p.filters.is_empty()) else {
            return 0;
        };
        let Some(chunk_bytes) = c.chunk_bytes().and_then(|b| usize::try_from(b).ok()) else {
            let at = format!("data layout of {} at {:#x}", ds.name(), ds.address());
            self.r.problem(format!("{at}: chunk size overflows"));
            return 1;
        };
        // A filtered chunk may grow a little (incompressible data plus framing), never
        // beyond this.
        let cap = self
            .limits
            .max_structure_bytes
            .max((chunk_bytes as u64).saturating_mul(2).saturating_add(4096));
        let mut failed = 0usize;
        for r in records {
            let result = usize::try_from(r.size)
                .ok()
                .filter(|&s| s as u64 <= cap)
                .ok_or_else(|| "stored size larger than the structure limit".to_owned())
                .and_then(|size| src.read_at(r.address, size).map_err(|e| e.to_string()))
                .and_then(|raw| {
                    decode_chunk(pipeline, r.filter_mask, raw.into_owned(), chunk_bytes)
                        .map_err(|e| e.to_string())
                })
                .and_then(|data| match data.len() {
                    n if n < chunk_bytes => Err(format!(
                        "decodes to {n} bytes, the chunk holds {chunk_bytes}"
                    )),
                    _ => Ok(()),
                });
            if let Err(what) = result {
                failed += 1;
                if failed <= MAX_CHUNK_LINES {
                    self.r.problem(format!(
                        "dataset chunk at offset {:#x} ({} bytes, chunk {:?} of {}): {}",
                        r.address,
                        r.size,
                        r.offset,
                        ds.name(),
                        what.replace('\n', " ")
                    ));
                }
            }
        }
        if failed > MAX_CHUNK_LINES {
            self.r.problem(format!(
                "dataset {} at offset {:#x}: {} more chunks fail to decode",
                ds.name(),
                ds.address(),
                failed - MAX_CHUNK_LINES
            ));
        }
        failed
    }

    /// Every extent inside the end of file, and no two overlapping.
    fn overlaps(&mut self, eof: u64) {
        let mut ex = std::mem::take(&mut self.r.extents);
        ex.sort_by_key(|e| (e.start, e.end));
        let name = |r: &Report, e: &Extent| {
            let owner = r.owners.get(e.owner).map_or("", String::as_str);
            match owner {
                "superblock" | "file" => e.label.to_owned(),
                _ => format!("{} of {owner}", e.label),
            }
        };
        // One line per kind of structure and owner: a truncated file otherwise repeats
        // the same finding for every chunk it lost.
        let mut past: BTreeMap<(usize, &'static str), u64> = BTreeMap::new();
        for e in &ex {
            if e.end > eof {
                let n = past.entry((e.owner, e.label)).or_default();
                *n += 1;
                if *n == 1 {
                    let line = format!(
                        "{} at offset {:#x}: extends to {:#x}, past the end of file {eof:#x}",
                        name(&self.r, e),
                        e.start,
                        e.end
                    );
                    self.r.problem(line);
                }
            }
        }
        for ((owner, label), n) in past {
            if n > 1 {
                let owner = self.r.owners.get(owner).cloned().unwrap_or_default();
                self.r.problem(format!(
                    "{label} of {owner}: {} more past the end of file {eof:#x}",
                    n - 1
                ));
            }
        }
        let mut reach: Option<&Extent> = None;
        for e in &ex {
            if let Some(p) = reach {
                if e.start < p.end {
                    let line = format!(
                        "overlap: {} [{:#x}, {:#x}) and {} [{:#x}, {:#x})",
                        name(&self.r, p),
                        p.start,
                        p.end,
                        name(&self.r, e),
                        e.start,
                        e.end
                    );
                    self.r.problem(line);
                }
                if e.end > p.end {
                    reach = Some(e);
                }
            } else {
                reach = Some(e);
            }
        }
        self.r.extents = ex;
    }
}
