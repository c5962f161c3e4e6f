//! Groups as dictionaries of links: the three storage forms (symbol table, compact link
//! messages, dense fractal heap), path lookup and tree traversal.

use std::fmt;

use h5oxide_format::btree_v1::walk_group_btree;
use h5oxide_format::btree_v2::{self, records::Record, records::RecordParams};
use h5oxide_format::heap::fractal;
use h5oxide_format::heap::local::{name_at, LocalHeap};
use h5oxide_format::object_header::message::link::{Link as LinkMessage, LinkTarget};
use h5oxide_format::object_header::message::symbol_table::SymbolTableMessage;
use h5oxide_format::object_header::message::Message;
use h5oxide_format::symbol_table_entry::ScratchPad;
use h5oxide_format::symbol_table_node::SymbolTableNode;
use h5oxide_format::{Cursor, UNDEFINED_ADDRESS};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::file::File;
use crate::object::ObjectKind;

/// A group's links by name (`String` orders by bytes), shared between handles; the writer
/// edits it in place (`write::pending_links`).
pub(crate) type SortedLinks = std::sync::Arc<std::collections::BTreeMap<String, Link>>;

/// A link of a group, as stored (not followed).
///
/// ```
/// use h5oxide::Link;
/// let file = h5oxide::File::in_memory()?;
/// let root = file.root();
/// root.create_group("data")?;
/// root.link_soft("/data", "alias")?;
/// root.link_external("other.h5", "/x", "ext")?;
/// assert_eq!(root.link("alias")?, Some(Link::Soft { target: "/data".into() }));
/// assert_eq!(
///     root.link("ext")?,
///     Some(Link::External { file: "other.h5".into(), path: "/x".into() })
/// );
/// assert!(matches!(root.link("data")?, Some(Link::Hard { .. })));
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Link {
    /// A hard link to the object header at `address`.
    Hard {
        /// Address of the target's object header.
        address: u64,
    },
    /// A soft link: a path in this file, resolved when followed.
    Soft {
        /// The target path.
        target: String,
    },
    /// An external link: an object in another file.
    External {
        /// The other file's name, as stored.
        file: String,
        /// The object's path in that file.
        path: String,
    },
    /// A user-defined link type, kept raw.
    UserDefined {
        /// The link type (65 to 255).
        link_type: u8,
        /// Its data.
        data: Vec<u8>,
    },
}

/// An object reached by following a link.
///
/// ```
/// use h5oxide::Object;
/// let file = h5oxide::File::in_memory()?;
/// file.root().create_group("g")?;
/// match file.root().object("g")? {
///     Object::Group(g) => assert_eq!(g.name(), "/g"),
///     other => panic!("expected a group, got {other:?}"),
/// }
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Object {
    /// A group.
    Group(Group),
    /// A dataset.
    Dataset(Dataset),
    /// A committed datatype.
    Datatype(NamedDatatype),
}

impl Object {
    /// The object's kind.
    ///
    /// ```
    /// use h5oxide::ObjectKind;
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().new_dataset::<i8>().shape([1]).create("d")?;
    /// assert_eq!(file.root().object("d")?.kind(), ObjectKind::Dataset);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn kind(&self) -> ObjectKind {
        match self {
            Object::Group(_) => ObjectKind::Group,
            Object::Dataset(_) => ObjectKind::Dataset,
            Object::Datatype(_) => ObjectKind::Datatype,
        }
    }

    /// The path it was reached by.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("a/b")?;
    /// assert_eq!(file.root().group("a")?.object("b")?.name(), "/a/b");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        match self {
            Object::Group(g) => g.name(),
            Object::Dataset(d) => d.name(),
            Object::Datatype(t) => t.name(),
        }
    }

    /// The object header address (its identity within the file).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let g = file.root().create_group("g")?;
    /// assert_eq!(file.root().object("g")?.address(), g.address());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn address(&self) -> u64 {
        match self {
            Object::Group(g) => g.address,
            Object::Dataset(d) => d.address(),
            Object::Datatype(t) => t.address,
        }
    }
}

/// A committed (named) datatype.
///
/// ```
/// use h5oxide::{H5Write, Object};
/// let file = h5oxide::File::in_memory()?;
/// file.root().commit_type("temperature", &f32::write_type())?;
/// let Object::Datatype(t) = file.root().object("temperature")? else { panic!() };
/// assert_eq!(t.dtype()?.descriptor(), "<f4");
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct NamedDatatype {
    pub(crate) file: File,
    pub(crate) address: u64,
    pub(crate) path: String,
}

impl NamedDatatype {
    /// The path it was reached by.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let t = file.root().commit_type("types/t", &<u8 as h5oxide::H5Write>::write_type())?;
    /// assert_eq!(t.name(), "/types/t");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.path
    }

    /// The datatype.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/types_committed.h5");
    /// let file = h5oxide::File::open(path)?;
    /// let h5oxide::Object::Datatype(t) = file.root().object("types/point")? else { panic!() };
    /// assert!(t.dtype()?.descriptor().starts_with("compound("));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The header has no datatype message or does not decode.
    pub fn dtype(&self) -> Result<h5oxide_format::object_header::message::datatype::Datatype> {
        for m in self.file.messages(self.address)? {
            if let Message::Datatype(t) = m {
                return Ok(t);
            }
        }
        Err(Error::WrongKind {
            name: self.path.clone(),
            expected: "datatype",
        })
    }

    /// Attributes of the datatype.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let t = file.root().commit_type("t", &<i16 as h5oxide::H5Write>::write_type())?;
    /// t.attrs().set("units", "K")?;
    /// assert_eq!(t.attrs().names()?, ["units"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn attrs(&self) -> crate::attribute::Attributes {
        crate::attribute::Attributes::new(self.file.clone(), self.address, self.path.clone())
    }
}

/// A group: a dictionary from names to links.
///
/// ```
/// let file = h5oxide::File::in_memory()?;
/// // h5py: f.create_group("run1/scan"); list(f["run1"].keys())
/// let scan = file.root().create_group("run1/scan")?;
/// assert_eq!(scan.name(), "/run1/scan");
/// assert_eq!(file.root().group("run1")?.member_names()?, ["scan"]);
/// assert_eq!(file.group("/run1")?.to_string(), r#"<HDF5 group "/run1" (1 members)>"#);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Clone)]
pub struct Group {
    pub(crate) file: File,
    pub(crate) address: u64,
    pub(crate) path: String,
}

impl fmt::Debug for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Group")
            .field("path", &self.path)
            .field("address", &self.address)
            .finish()
    }
}

/// Joins a group path and a member name.
pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent.ends_with('/') {
        format!("{parent}{name}")
    } else {
        format!("{parent}/{name}")
    }
}

fn to_link(target: LinkTarget) -> Link {
    match target {
        LinkTarget::Hard { address } => Link::Hard { address },
        LinkTarget::Soft { path } => Link::Soft { target: path },
        LinkTarget::External { file, path, .. } => Link::External { file, path },
        LinkTarget::UserDefined { link_type, data } => Link::UserDefined { link_type, data },
    }
}

impl Group {
    pub(crate) fn root(file: File) -> Group {
        let address = file.inner.superblock.root.object_header_address();
        Group {
            file,
            address,
            path: "/".to_owned(),
        }
    }

    /// The path this group was reached by (`/` for the root).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// assert_eq!(file.root().name(), "/");
    /// assert_eq!(file.root().create_group("a/b")?.name(), "/a/b");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.path
    }

    /// The file the group belongs to.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let g = file.root().create_group("g")?;
    /// assert_eq!(g.file().superblock_version(), file.superblock_version());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The object header address.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let g = file.root().create_group("g")?;
    /// file.root().link_hard("/g", "same")?;
    /// // Two names, one object.
    /// assert_eq!(file.root().group("same")?.address(), g.address());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn address(&self) -> u64 {
        self.address
    }

    /// Every link of the group with its name, in name order (byte order of the UTF-8
    /// names, as libhdf5's name index sorts them).
    ///
    /// ```
    /// use h5oxide::Link;
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("b")?;
    /// file.root().link_soft("b", "a")?;
    /// let links = file.root().links()?;
    /// assert_eq!(links.len(), 2);
    /// assert_eq!(links[0], ("a".to_string(), Link::Soft { target: "b".into() }));
    /// assert_eq!(links[1].0, "b");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The group's storage is malformed.
    pub fn links(&self) -> Result<Vec<(String, Link)>> {
        Ok(self
            .sorted_links()?
            .iter()
            .map(|(n, l)| (n.clone(), l.clone()))
            .collect())
    }

    /// The group's links sorted by name, read once per open file and shared; links a
    /// writer holds in memory (`write::pending_links`) come from there.
    fn sorted_links(&self) -> Result<SortedLinks> {
        let addr = self.file.inner.resolve(self.address);
        let cache = &self.file.inner.links;
        if let Some(l) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&addr) {
            return Ok(l.clone());
        }
        let links = match crate::write::pending_links::snapshot(&self.file, addr) {
            Some(l) => l,
            None => std::sync::Arc::new(self.read_links()?.into_iter().collect()),
        };
        let mut c = cache.lock().unwrap_or_else(|e| e.into_inner());
        Ok(c.entry(addr).or_insert(links).clone())
    }

    fn read_links(&self) -> Result<Vec<(String, Link)>> {
        let messages = self.file.messages(self.address)?;
        let mut out = Vec::new();
        let mut compact = Vec::new();
        for m in &messages {
            match m {
                Message::SymbolTable(st) => return self.symbol_table_links(st),
                Message::LinkInfo(li) if li.fractal_heap_address != UNDEFINED_ADDRESS => {
                    return self.dense_links(li.fractal_heap_address, li.name_index_address);
                }
                Message::Link(l) => compact.push(l.clone()),
                _ => {}
            }
        }
        for l in compact {
            out.push((l.name, to_link(l.target)));
        }
        out.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        Ok(out)
    }

    /// Links of an old-style group: v1 B-tree of symbol table nodes, names in the local
    /// heap (spec III.A.1, III.B, III.D).
    fn symbol_table_links(&self, st: &SymbolTableMessage) -> Result<Vec<(String, Link)>> {
        let i = &self.file.inner;
        let heap = LocalHeap::read(&i.src, st.heap_address, &i.ctx)?;
        let segment = heap.read_segment(&i.src, &i.limits)?;
        let leaf_k = i.superblock.group_leaf_k;
        let mut out = Vec::new();
        walk_group_btree(&i.src, st.btree_address, &i.ctx, &i.limits, &mut |snod| {
            let node = SymbolTableNode::read(&i.src, snod, &i.ctx, leaf_k, &i.limits)?;
            for e in node.entries {
                let name = name_at(&segment, e.link_name_offset, heap.data_segment_address)?;
                let name = String::from_utf8_lossy(name).into_owned();
                let link = match e.scratch_pad {
                    ScratchPad::SoftLink { link_value_offset }
                        if e.object_header_address == UNDEFINED_ADDRESS =>
                    {
                        let v = name_at(
                            &segment,
                            u64::from(link_value_offset),
                            heap.data_segment_address,
                        )?;
                        Link::Soft {
                            target: String::from_utf8_lossy(v).into_owned(),
                        }
                    }
                    _ => Link::Hard {
                        address: e.object_header_address,
                    },
                };
                out.push((name, link));
            }
            Ok(())
        })?;
        out.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        Ok(out)
    }

    /// Links of a dense group: link messages in a fractal heap, indexed by a v2 B-tree of
    /// name hashes (spec III.G, III.A.2 type 5).
    fn dense_links(&self, heap_address: u64, name_index: u64) -> Result<Vec<(String, Link)>> {
        let mut out: Vec<(String, Link)> = self
            .dense_link_messages(heap_address, name_index)?
            .into_iter()
            .map(|l| (l.name, to_link(l.target)))
            .collect();
        out.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        Ok(out)
    }

    /// The link messages of a dense group, in name-index order.
    fn dense_link_messages(&self, heap_address: u64, name_index: u64) -> Result<Vec<LinkMessage>> {
        let i = &self.file.inner;
        let mut heap =
            fractal::HeapReader::new(fractal::read_header(&i.src, heap_address, &i.ctx)?);
        let params = RecordParams::default();
        let mut ids = Vec::new();
        btree_v2::walk(&i.src, name_index, &i.ctx, &i.limits, &params, &mut |r| {
            if let Record::LinkName { heap_id, .. } = r {
                ids.push(heap_id);
            }
            Ok(())
        })?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let bytes = heap.read(&i.src, &id, &i.ctx, &i.limits)?;
            let mut c = Cursor::new(&bytes, heap_address, "link message (dense)");
            out.push(LinkMessage::decode(&mut c, &i.ctx)?);
        }
        Ok(out)
    }

    /// Names of the group's members in creation order where the group tracks it (h5py's
    /// `track_order=True`); links without a recorded order come last, in name order. Groups
    /// that do not track it (all symbol-table groups) give name order.
    ///
    /// ```
    /// // A group created with h5py's `track_order=True`, members made z04 first, z00 last.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/creation_order.h5");
    /// let g = h5oxide::File::open(path)?.root().group("tracked_compact")?;
    /// assert_eq!(g.member_names_in_creation_order()?, ["z04", "z03", "z02", "z01", "z00"]);
    /// assert_eq!(g.member_names()?, ["z00", "z01", "z02", "z03", "z04"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::links`].
    pub fn member_names_in_creation_order(&self) -> Result<Vec<String>> {
        let addr = self.file.inner.resolve(self.address);
        if let Some(names) = crate::write::pending_links::names_in_creation_order(&self.file, addr)
        {
            return Ok(names);
        }
        let mut named: Vec<(Option<u64>, String)> = Vec::new();
        for m in self.file.messages(self.address)? {
            match m {
                Message::SymbolTable(_) => return self.member_names(),
                Message::LinkInfo(li) if li.fractal_heap_address != UNDEFINED_ADDRESS => {
                    named = self
                        .dense_link_messages(li.fractal_heap_address, li.name_index_address)?
                        .into_iter()
                        .map(|l| (l.creation_order, l.name))
                        .collect();
                    break;
                }
                Message::Link(l) => named.push((l.creation_order, l.name)),
                _ => {}
            }
        }
        named.sort_by(|a, b| {
            (a.0.unwrap_or(u64::MAX), a.1.as_bytes())
                .cmp(&(b.0.unwrap_or(u64::MAX), b.1.as_bytes()))
        });
        Ok(named.into_iter().map(|(_, n)| n).collect())
    }

    /// Names of the group's members, in name order (h5py's `keys()`).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// for name in ["zeta", "alpha", "Beta"] {
    ///     file.root().create_group(name)?;
    /// }
    /// // Byte order: upper case before lower case.
    /// assert_eq!(file.root().member_names()?, ["Beta", "alpha", "zeta"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::links`].
    pub fn member_names(&self) -> Result<Vec<String>> {
        Ok(self.sorted_links()?.keys().cloned().collect())
    }

    /// Number of links in the group.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("a/b")?;
    /// file.root().create_group("c")?;
    /// // Links directly in the group, like h5py's len(group).
    /// assert_eq!(file.root().len()?, 2);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::links`].
    pub fn len(&self) -> Result<usize> {
        Ok(self.sorted_links()?.len())
    }

    /// True if the group has no links.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// assert!(file.root().is_empty()?);
    /// file.root().create_group("g")?;
    /// assert!(!file.root().is_empty()?);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::links`].
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// The link named `name` in this group, not followed.
    ///
    /// ```
    /// use h5oxide::Link;
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().link_soft("/nowhere", "dangling")?;
    /// // The link is there even though its target is not.
    /// assert_eq!(file.root().link("dangling")?, Some(Link::Soft { target: "/nowhere".into() }));
    /// assert_eq!(file.root().link("missing")?, None);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::links`].
    pub fn link(&self, name: &str) -> Result<Option<Link>> {
        Ok(self.sorted_links()?.get(name).cloned())
    }

    /// Names of the links in this group in name order: h5py's `keys()`, the same list as
    /// [`Group::member_names`].
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("subPano")?;
    /// file.root().new_dataset::<i64>().shape([10]).create("subPano/1")?;
    /// file.root().new_dataset::<i64>().shape([10]).create("subPano/2")?;
    /// // h5py: list(f["subPano"].keys())
    /// assert_eq!(file.root().group("subPano")?.keys()?, ["1", "2"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::links`].
    pub fn keys(&self) -> Result<Vec<String>> {
        self.member_names()
    }

    /// The links of this group in name order with the objects they lead to: h5py's
    /// `items()`. A link that leads nowhere (a dangling soft link, an external link whose
    /// file or object is missing) comes with `None`, as h5py's `get` gives.
    ///
    /// ```
    /// use h5oxide::Object;
    /// let file = h5oxide::File::in_memory()?;
    /// let root = file.root();
    /// root.create_group("g")?;
    /// root.new_dataset::<u8>().shape([4]).create("d")?;
    /// root.link_soft("/nowhere", "dangling")?;
    /// let items = root.items()?;
    /// let names: Vec<&str> = items.iter().map(|(n, _)| n.as_str()).collect();
    /// assert_eq!(names, ["d", "dangling", "g"]);
    /// assert!(matches!(&items[0].1, Some(Object::Dataset(d)) if d.shape() == [4]));
    /// assert!(items[1].1.is_none());
    /// assert!(matches!(&items[2].1, Some(Object::Group(g)) if g.name() == "/g"));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::links`]; errors reading an object other than a link leading nowhere.
    pub fn items(&self) -> Result<Vec<(String, Option<Object>)>> {
        self.iter()?.collect()
    }

    /// Iterates over this group's links in name order, opening each object as it is
    /// reached (h5py's `for name, obj in g.items()`); see [`Group::items`].
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// for name in ["b", "a"] {
    ///     file.root().new_dataset::<f64>().shape([2]).create(name)?;
    /// }
    /// let mut seen = Vec::new();
    /// for item in file.root().iter()? {
    ///     let (name, object) = item?;
    ///     seen.push((name, object.map(|o| o.kind())));
    /// }
    /// let ds = Some(h5oxide::ObjectKind::Dataset);
    /// assert_eq!(seen, [("a".to_string(), ds), ("b".to_string(), ds)]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::links`]; each item as [`Group::items`].
    pub fn iter(&self) -> Result<Members> {
        Ok(Members {
            group: self.clone(),
            names: self.sorted_links()?.keys().cloned().collect(),
            next: 0,
        })
    }

    /// True if the link `path` exists (relative to this group, or absolute), without
    /// following its last component: a dangling soft link exists. Like hdf5-rust's
    /// `link_exists` and libhdf5's `H5Lexists`; the groups on the way must exist.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("a/b")?;
    /// file.root().link_soft("/nowhere", "a/dangling")?;
    /// assert!(file.root().link_exists("a/b"));
    /// assert!(file.root().link_exists("/a/dangling"));
    /// assert!(!file.root().link_exists("a/c"));
    /// assert!(!file.root().link_exists("x/b"));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn link_exists(&self, path: &str) -> bool {
        let comps: Vec<&str> = path
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        let mut cur = if path.starts_with('/') {
            self.file.root()
        } else {
            self.clone()
        };
        let Some((last, inner)) = comps.split_last() else {
            return true;
        };
        for c in inner {
            match cur.group(c) {
                Ok(g) => cur = g,
                Err(_) => return false,
            }
        }
        matches!(cur.link(last), Ok(Some(_)))
    }

    /// True if `path` names an existing object (following soft links; a dangling link
    /// gives false, like h5py's `in`).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("a/b")?;
    /// file.root().link_soft("/nowhere", "dangling")?;
    /// assert!(file.root().contains("a/b"));
    /// assert!(file.root().contains("/a"));
    /// assert!(!file.root().contains("dangling"));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn contains(&self, path: &str) -> bool {
        self.object(path).is_ok()
    }

    /// The object at `path`, relative to this group or absolute, following soft links and
    /// external links (into the other file, found as libhdf5 finds it: see
    /// [`crate::external_link`]). An object reached through an external link belongs to the
    /// other file and is named by its path there.
    ///
    /// ```
    /// // An external link into links_target.h5, as libhdf5 wrote it.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/links_earliest.h5");
    /// let file = h5oxide::File::open(path)?;
    /// let h5oxide::Object::Dataset(d) = file.root().object("external_data")? else { panic!() };
    /// assert_eq!(d.name(), "/data");
    /// assert!(d.file().path().unwrap().ends_with("links_target.h5"));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound` for a missing name; `Link` for a dangling or looping soft link, or an
    /// external link whose file or object does not exist; errors reading the files.
    pub fn object(&self, path: &str) -> Result<Object> {
        let mut hops = 0u32;
        let (file, address, reached) = crate::external_link::resolve_path(self, path, &mut hops)?;
        file.object_at(address, reached)
    }

    /// The group at `path`.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("a/b")?;
    /// let a = file.root().group("a")?;
    /// assert_eq!(a.group("b")?.name(), "/a/b");
    /// assert_eq!(a.group("/a")?.address(), a.address());
    /// assert!(matches!(a.group("c"), Err(h5oxide::Error::NotFound { .. })));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::object`]; `WrongKind` if it is not a group.
    pub fn group(&self, path: &str) -> Result<Group> {
        match self.object(path)? {
            Object::Group(g) => Ok(g),
            o => Err(Error::WrongKind {
                name: o.name().to_owned(),
                expected: "group",
            }),
        }
    }

    /// The dataset at `path`.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().new_dataset_builder().with_data(&[1.0f64, 2.0]).create("sub/x")?;
    /// let ds = file.root().dataset("sub/x")?;
    /// assert_eq!(ds.read_raw::<f64>()?, [1.0, 2.0]);
    /// assert!(matches!(file.root().dataset("sub"), Err(h5oxide::Error::WrongKind { .. })));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::object`]; `WrongKind` if it is not a dataset.
    pub fn dataset(&self, path: &str) -> Result<Dataset> {
        match self.object(path)? {
            Object::Dataset(d) => Ok(d),
            o => Err(Error::WrongKind {
                name: o.name().to_owned(),
                expected: "dataset",
            }),
        }
    }

    /// Attributes of the group.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let g = file.root().create_group("run")?;
    /// g.attrs().set("operator", "ada")?;
    /// g.attrs().set("shots", &12i32)?;
    /// assert_eq!(g.attrs().names()?, ["operator", "shots"]);
    /// assert_eq!(g.attrs().get_value::<i32>("shots")?, 12);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn attrs(&self) -> crate::attribute::Attributes {
        crate::attribute::Attributes::new(self.file.clone(), self.address, self.path.clone())
    }

    /// Visits every link below this group, depth first in name order, calling
    /// `f(path, link)` with the path relative to this group. Hard-linked groups are
    /// descended into once per path, but never into a group already on the current path.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("a/b")?;
    /// file.root().new_dataset::<u8>().shape([1]).create("a/x")?;
    /// let mut paths = Vec::new();
    /// // h5py: f.visit(paths.append)
    /// file.root().visit(&mut |path, _link| {
    ///     paths.push(path.to_string());
    ///     Ok(())
    /// })?;
    /// assert_eq!(paths, ["a", "a/b", "a/x"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// Errors reading the file; the first error `f` returns.
    pub fn visit(&self, f: &mut dyn FnMut(&str, &Link) -> Result<()>) -> Result<()> {
        let mut stack = vec![self.address];
        self.visit_inner("", f, &mut stack, 0)
    }

    /// Visits every object below this group once, depth first in name order, calling
    /// `f(path, object)` with the path (relative to this group) of the first link that
    /// reaches it: h5py's `visititems`. Soft and external links are not followed, and an
    /// object reached again through another hard link is not visited twice, as libhdf5's
    /// `H5Ovisit` does.
    ///
    /// ```
    /// use h5oxide::Object;
    /// let file = h5oxide::File::in_memory()?;
    /// let root = file.root();
    /// root.create_group("a/b")?;
    /// root.new_dataset::<u8>().shape([3]).create("a/x")?;
    /// root.link_hard("a/x", "again")?;
    /// root.link_soft("/a", "soft")?;
    /// let mut seen = Vec::new();
    /// // h5py: f.visititems(lambda name, obj: seen.append((name, obj)))
    /// root.visit_items(&mut |path, obj| {
    ///     let what = match obj {
    ///         Object::Group(_) => "group",
    ///         Object::Dataset(_) => "dataset",
    ///         _ => "other",
    ///     };
    ///     seen.push(format!("{path}: {what}"));
    ///     Ok(())
    /// })?;
    /// assert_eq!(seen, ["a: group", "a/b: group", "a/x: dataset"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// Errors reading the file; the first error `f` returns.
    pub fn visit_items(&self, f: &mut dyn FnMut(&str, &Object) -> Result<()>) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        seen.insert(self.address);
        self.visit(&mut |rel, link| {
            if let Link::Hard { address } = link {
                if seen.insert(*address) {
                    let object = self.file.object_at(*address, join(&self.path, rel))?;
                    f(rel, &object)?;
                }
            }
            Ok(())
        })
    }

    fn visit_inner(
        &self,
        prefix: &str,
        f: &mut dyn FnMut(&str, &Link) -> Result<()>,
        stack: &mut Vec<u64>,
        depth: u32,
    ) -> Result<()> {
        if depth > self.file.inner.limits.max_depth {
            return Err(Error::Usage("group tree deeper than the depth limit"));
        }
        for (name, link) in self.sorted_links()?.iter() {
            let (name, link) = (name.clone(), link.clone());
            let rel = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            f(&rel, &link)?;
            if let Link::Hard { address } = link {
                if !stack.contains(&address) && self.file.kind_of(address)? == ObjectKind::Group {
                    let child = Group {
                        file: self.file.clone(),
                        address,
                        path: join(&self.path, &name),
                    };
                    stack.push(address);
                    child.visit_inner(&rel, f, stack, depth + 1)?;
                    stack.pop();
                }
            }
        }
        Ok(())
    }
}

/// The links of a group with the objects they lead to, in name order: what
/// [`Group::iter`] returns.
///
/// ```
/// let file = h5oxide::File::in_memory()?;
/// file.root().create_group("a")?;
/// file.root().create_group("b")?;
/// let members = file.root().iter()?;
/// assert_eq!(members.len(), 2);
/// let names: Vec<String> = members.map(|m| m.map(|(name, _)| name)).collect::<Result<_, _>>()?;
/// assert_eq!(names, ["a", "b"]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug)]
pub struct Members {
    group: Group,
    names: Vec<String>,
    next: usize,
}

impl Iterator for Members {
    type Item = Result<(String, Option<Object>)>;

    fn next(&mut self) -> Option<Self::Item> {
        let name = self.names.get(self.next)?;
        self.next += 1;
        Some(match self.group.object(name) {
            Ok(o) => Ok((name.clone(), Some(o))),
            Err(Error::Link { .. } | Error::NotFound { .. }) => Ok((name.clone(), None)),
            Err(e) => Err(e),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.names.len() - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Members {}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.len() {
            Ok(n) => write!(f, "<HDF5 group \"{}\" ({n} members)>", self.path),
            Err(_) => write!(f, "<HDF5 group \"{}\" (unreadable)>", self.path),
        }
    }
}

impl File {
    /// The object whose header is at `address` (as an object reference stores it), named
    /// by the first path that reaches it in a depth-first walk in name order, or by its
    /// address when no link reaches it.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<u8>().shape([2]).create("a/x")?;
    /// let obj = file.object_by_address(ds.address())?;
    /// assert_eq!(obj.name(), "/a/x");
    /// assert_eq!(obj.kind(), h5oxide::ObjectKind::Dataset);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The address holds no valid object header.
    pub fn object_by_address(&self, address: u64) -> Result<Object> {
        let root = self.root();
        let mut found = (address == root.address).then(|| "/".to_owned());
        if found.is_none() {
            let _ = root.visit(&mut |rel, link| {
                if found.is_none() && *link == (Link::Hard { address }) {
                    found = Some(format!("/{rel}"));
                }
                Ok(())
            });
        }
        let name = found.unwrap_or_else(|| format!("<object at {address:#x}>"));
        self.object_at(address, name)
    }

    /// The object whose header is at `address`, reached by `path`.
    pub(crate) fn object_at(&self, address: u64, path: String) -> Result<Object> {
        Ok(match self.kind_of(address)? {
            ObjectKind::Group => Object::Group(Group {
                file: self.clone(),
                address,
                path,
            }),
            ObjectKind::Dataset => Object::Dataset(Dataset::new(self.clone(), address, path)?),
            ObjectKind::Datatype => Object::Datatype(NamedDatatype {
                file: self.clone(),
                address,
                path,
            }),
        })
    }
}
