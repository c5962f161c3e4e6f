//! Creating groups and editing links: both group forms (symbol table, link messages).

use std::sync::MutexGuard;

use h5oxide_format::object_header::message::group_info::GroupInfo;
use h5oxide_format::object_header::message::link::{CharacterSet, Link as LinkMessage, LinkTarget};
use h5oxide_format::object_header::message::link_info::LinkInfo;
use h5oxide_format::object_header::message::{self as message, types, Message};
use h5oxide_format::object_header::RawMessage;
use h5oxide_format::{Context, UNDEFINED_ADDRESS};

use crate::error::{Error, Result};
use crate::file::File;
use crate::group::{join, Group, Link};
use crate::write::alloc::{Sink, WriteState};
use crate::write::dense;
use crate::write::object_header::{
    adjust_refcount, ensure_parents, index_add, index_remove, new_header, put_header, raw, rewrite,
    sink_of,
};
use crate::write::pending_links::{self, Edit, Stored};
use crate::write::symbol_table::{storable, write_symbol_table};
use crate::write::Libver;

/// Locks the writer of `file` and makes sure its reverse link index exists.
pub(crate) fn begin(file: &File) -> Result<MutexGuard<'_, WriteState>> {
    let w = file.inner.writer.as_ref().ok_or(Error::ReadOnly)?;
    crate::write::swmr::refuse_structural(file)?;
    let mut ws = w.lock().unwrap_or_else(|e| e.into_inner());
    if ws.has_failed() {
        return Err(Error::Usage(crate::write::FAILED));
    }
    ensure_parents(file, &mut ws)?;
    Ok(ws)
}

fn new_style_messages(ctx: &Context) -> Result<Vec<RawMessage>> {
    Ok(vec![
        raw(
            &Message::LinkInfo(LinkInfo {
                max_creation_index: None,
                fractal_heap_address: UNDEFINED_ADDRESS,
                name_index_address: UNDEFINED_ADDRESS,
                creation_order_index_address: None,
            }),
            0,
            ctx,
        )?,
        raw(&Message::GroupInfo(GroupInfo::default()), 0, ctx)?,
    ])
}

/// Writes the header of a new, empty group; for the earliest format also its symbol table,
/// whose (B-tree, heap) addresses are returned.
pub(crate) fn new_group_header(
    ws: &mut WriteState,
    sink: &Sink<'_>,
) -> Result<(u64, Option<(u64, u64)>)> {
    let ctx = ws.sb.sizes;
    match ws.libver {
        Libver::Earliest => {
            let st = write_symbol_table(ws, sink, &[], None)?;
            let h = new_header(
                Libver::Earliest,
                vec![raw(&Message::SymbolTable(st), 0, &ctx)?],
            );
            let at = put_header(ws, sink, None, &h)?;
            Ok((at, Some((st.btree_address, st.heap_address))))
        }
        Libver::Latest => {
            let h = new_header(Libver::Latest, new_style_messages(&ctx)?);
            Ok((put_header(ws, sink, None, &h)?, None))
        }
    }
}

pub(crate) fn to_target(l: Link) -> LinkTarget {
    match l {
        Link::Hard { address } => LinkTarget::Hard { address },
        Link::Soft { target } => LinkTarget::Soft { path: target },
        Link::External { file, path } => LinkTarget::External {
            flags: 0,
            file,
            path,
        },
        Link::UserDefined { link_type, data } => LinkTarget::UserDefined { link_type, data },
    }
}

/// The link a stored target describes (the inverse of [`to_target`]).
pub(crate) fn from_target(t: LinkTarget) -> Link {
    match t {
        LinkTarget::Hard { address } => Link::Hard { address },
        LinkTarget::Soft { path } => Link::Soft { target: path },
        LinkTarget::External { file, path, .. } => Link::External { file, path },
        LinkTarget::UserDefined { link_type, data } => Link::UserDefined { link_type, data },
    }
}

pub(crate) fn charset_of(name: &str) -> CharacterSet {
    if name.is_ascii() {
        CharacterSet::Ascii
    } else {
        CharacterSet::Utf8
    }
}

/// Edits the links of group `g` in memory (written when pending links are flushed:
/// `write::pending_links`). Returns the group's current address.
pub(crate) fn edit_links(file: &File, ws: &mut WriteState, g: u64, edit: &Edit<'_>) -> Result<u64> {
    pending_links::edit(file, ws, g, edit)
}

/// Writes the link storage of group `g` holding `stored.links` (sorted by name), in the
/// group's storage form (a symbol table group holding a link it cannot store becomes a
/// link-message group). Returns the group's new address.
pub(crate) fn write_links(
    file: &File,
    ws: &mut WriteState,
    g: u64,
    stored: &Stored,
) -> Result<u64> {
    let g = file.inner.resolve(g);
    let ctx = file.inner.ctx;
    let mut links = stored.links.clone();
    let sink = sink_of(file, ws);
    let new = rewrite(file, ws, g, &mut |h, ws| {
        let msgs = &mut h.messages;
        if let Some(i) = msgs.iter().position(|m| m.msg_type == types::SYMBOL_TABLE) {
            if stored.symbol_table && links.iter().all(|l| storable(&l.target)) {
                let old = match message::decode(&msgs[i], &ctx)? {
                    Message::SymbolTable(st) => Some(st.heap_address),
                    _ => None,
                };
                let pairs: Vec<(String, LinkTarget)> = links
                    .iter()
                    .map(|l| (l.name.clone(), l.target.clone()))
                    .collect();
                let st = write_symbol_table(ws, &sink, &pairs, old)?;
                msgs[i] = raw(&Message::SymbolTable(st), 0, &ctx)?;
                return Ok(());
            }
            msgs.remove(i);
            msgs.extend(new_style_messages(&ctx)?);
        }
        msgs.retain(|m| m.msg_type != types::LINK);
        let dense = stored.dense;
        let mut tracked = false;
        for m in msgs.iter_mut() {
            if m.msg_type != types::LINK_INFO {
                continue;
            }
            let Message::LinkInfo(mut li) = message::decode(m, &ctx)? else {
                continue;
            };
            if let Some(max) = li.max_creation_index {
                let mut next = links
                    .iter()
                    .filter_map(|l| l.creation_order)
                    .max()
                    .map_or(0, |c| c + 1)
                    .max(max);
                for l in links.iter_mut().filter(|l| l.creation_order.is_none()) {
                    l.creation_order = Some(next);
                    next += 1;
                }
                li.max_creation_index = Some(next);
                tracked = true;
            }
            if !tracked {
                for l in links.iter_mut() {
                    l.creation_order = None;
                }
            }
            let indexed = li.creation_order_index_address.is_some();
            dense::retire_storage(
                ws,
                [
                    li.fractal_heap_address,
                    li.name_index_address,
                    li.creation_order_index_address.unwrap_or(UNDEFINED_ADDRESS),
                ],
            );
            if dense {
                let at = dense::write_links(ws, &sink, &links, indexed, &ctx)?;
                li.fractal_heap_address = at.heap;
                li.name_index_address = at.name_index;
                li.creation_order_index_address = at.order_index;
            } else {
                li.fractal_heap_address = UNDEFINED_ADDRESS;
                li.name_index_address = UNDEFINED_ADDRESS;
                if indexed {
                    li.creation_order_index_address = Some(UNDEFINED_ADDRESS);
                }
            }
            *m = raw(&Message::LinkInfo(li), m.flags, &ctx)?;
        }
        if !dense {
            for l in &links {
                let mut l = l.clone();
                if !tracked {
                    l.creation_order = None;
                }
                msgs.push(raw(&Message::Link(l), 0, &ctx)?);
            }
        }
        Ok(())
    })?;
    // The links just written are what reading them back gives (sorted by name): cached,
    // the next lookup of this group does not decode its whole link storage again. Not
    // when the group moved on while its parents were relinked (a link cycle).
    if file.inner.resolve(new) == new && !pending_links::contains(file, new) {
        let sorted: std::collections::BTreeMap<String, Link> = links
            .into_iter()
            .map(|l| (l.name, from_target(l.target)))
            .collect();
        file.inner
            .links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(new, std::sync::Arc::new(sorted));
    }
    Ok(new)
}

/// Points the existing link `name` of group `g` at `new` (an object that moved).
pub(crate) fn retarget_link(
    file: &File,
    ws: &mut WriteState,
    g: u64,
    name: &str,
    new: u64,
) -> Result<()> {
    edit_links(file, ws, g, &Edit::Retarget { name, address: new })?;
    Ok(())
}

/// Adds link `name` to group `g`; fails if the name exists.
fn add_link(
    file: &File,
    ws: &mut WriteState,
    parent: &Group,
    name: &str,
    target: LinkTarget,
    what: &'static str,
) -> Result<()> {
    check_name(name)?;
    let full = join(&parent.path, name);
    let hard = match &target {
        LinkTarget::Hard { address } => Some(*address),
        _ => None,
    };
    if parent.link(name)?.is_some() {
        return Err(Error::AlreadyExists { what, name: full });
    }
    let g = edit_links(
        file,
        ws,
        parent.address,
        &Edit::Add(LinkMessage {
            name: name.to_owned(),
            charset: charset_of(name),
            creation_order: None,
            target,
        }),
    )?;
    if let Some(t) = hard {
        index_add(ws, file.inner.resolve(g), name, t);
    }
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name.contains('/') {
        return Err(Error::Usage(
            "a link name must be non-empty and contain no '/'",
        ));
    }
    Ok(())
}

/// The group a path starts from and its components.
fn start_of<'p>(g: &Group, path: &'p str) -> (Group, Vec<&'p str>) {
    let comps: Vec<&str> = path
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let start = if path.starts_with('/') {
        g.file.root()
    } else {
        g.clone()
    };
    (start, comps)
}

/// The group `path` leads to, creating missing groups on the way when `create` is set.
fn walk_groups(
    file: &File,
    ws: &mut WriteState,
    start: Group,
    comps: &[&str],
    create: bool,
) -> Result<Group> {
    let mut cur = start;
    for c in comps {
        cur = match cur.link(c)? {
            Some(_) => cur.group(c)?,
            None if create => create_child(file, ws, &cur, c)?,
            None => {
                return Err(Error::NotFound {
                    what: "group",
                    name: join(&cur.path, c),
                })
            }
        };
    }
    Ok(cur)
}

/// The group that holds the last component of `path` (intermediate groups created as
/// h5py creates them) and that last component.
fn parent_of(
    file: &File,
    ws: &mut WriteState,
    g: &Group,
    path: &str,
    create: bool,
) -> Result<(Group, String)> {
    let (start, comps) = start_of(g, path);
    let Some((last, inner)) = comps.split_last() else {
        return Err(Error::Usage("a path must name a link"));
    };
    let parent = walk_groups(file, ws, start, inner, create)?;
    Ok((parent, (*last).to_owned()))
}

fn create_child(file: &File, ws: &mut WriteState, parent: &Group, name: &str) -> Result<Group> {
    let sink = sink_of(file, ws);
    let (addr, _) = new_group_header(ws, &sink)?;
    add_link(
        file,
        ws,
        parent,
        name,
        LinkTarget::Hard { address: addr },
        "group",
    )?;
    Ok(Group {
        file: file.clone(),
        address: addr,
        path: join(&parent.path, name),
    })
}

/// Adds a link to a new object at `path` below `g` (intermediate groups are created).
pub(crate) fn link_new_object(
    file: &File,
    ws: &mut WriteState,
    g: &Group,
    path: &str,
    address: u64,
    what: &'static str,
) -> Result<String> {
    let (parent, name) = parent_of(file, ws, g, path, true)?;
    add_link(file, ws, &parent, &name, LinkTarget::Hard { address }, what)?;
    Ok(join(&parent.path, &name))
}

impl Group {
    fn writable_file(&self) -> File {
        self.file.clone()
    }

    /// Creates the group `path` (relative to this group, or absolute), creating missing
    /// intermediate groups like h5py's `create_group("a/b")`.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let b = file.root().create_group("a/b")?;
    /// assert_eq!(b.name(), "/a/b");
    /// assert_eq!(file.group("a")?.member_names()?, ["b"]);
    /// assert!(matches!(
    ///     file.root().create_group("a/b"),
    ///     Err(h5oxide::Error::AlreadyExists { .. })
    /// ));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `AlreadyExists` ("unable to create group (name already exists)") if the last name
    /// exists; `WrongKind` if an intermediate name is not a group; `ReadOnly`; I/O errors.
    pub fn create_group(&self, path: &str) -> Result<Group> {
        let file = self.writable_file();
        let mut ws = begin(&file)?;
        let (parent, name) = parent_of(&file, &mut ws, self, path, true)?;
        check_name(&name)?;
        if parent.link(&name)?.is_some() {
            return Err(Error::AlreadyExists {
                what: "group",
                name: join(&parent.path, &name),
            });
        }
        create_child(&file, &mut ws, &parent, &name)
    }

    /// The group `path`, created (with intermediate groups) if it does not exist, like
    /// h5py's `require_group`.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let first = file.root().require_group("runs/1")?;
    /// // The second call finds the same group.
    /// assert_eq!(file.root().require_group("runs/1")?.address(), first.address());
    /// file.root().new_dataset::<u8>().shape([1]).create("d")?;
    /// assert!(file.root().require_group("d").is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `WrongKind` if `path` names something that is not a group; `ReadOnly`; I/O errors.
    pub fn require_group(&self, path: &str) -> Result<Group> {
        if self.link_exists(path) {
            return self.group(path);
        }
        self.create_group(path)
    }

    /// Creates a soft link `name` whose value is `target` (a path, not checked: soft links
    /// may dangle), like h5py's `g[name] = h5py.SoftLink(target)`.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let root = file.root();
    /// root.new_dataset::<u8>().shape([3]).create("data")?;
    /// root.link_soft("/data", "latest")?;
    /// assert_eq!(root.dataset("latest")?.shape(), [3]);
    /// // Dangling links may be created.
    /// root.link_soft("/not/yet", "later")?;
    /// assert!(root.dataset("later").is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `AlreadyExists` if `name` exists; `ReadOnly`; I/O errors.
    pub fn link_soft(&self, target: &str, name: &str) -> Result<()> {
        let file = self.writable_file();
        let mut ws = begin(&file)?;
        let (parent, leaf) = parent_of(&file, &mut ws, self, name, true)?;
        let t = LinkTarget::Soft {
            path: target.to_owned(),
        };
        add_link(&file, &mut ws, &parent, &leaf, t, "link")
    }

    /// Creates an external link `name` to the object `path` in the file `file_name`, like
    /// h5py's `g[name] = h5py.ExternalLink(file_name, path)`.
    ///
    /// ```
    /// use h5oxide::Link;
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().link_external("links_target.h5", "/group", "ext")?;
    /// let want = Link::External { file: "links_target.h5".into(), path: "/group".into() };
    /// assert_eq!(file.root().link("ext")?, Some(want));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `AlreadyExists` if `name` exists; `ReadOnly`; I/O errors.
    pub fn link_external(&self, file_name: &str, path: &str, name: &str) -> Result<()> {
        let file = self.writable_file();
        let mut ws = begin(&file)?;
        let (parent, leaf) = parent_of(&file, &mut ws, self, name, true)?;
        let t = LinkTarget::External {
            flags: 0,
            file: file_name.to_owned(),
            path: path.to_owned(),
        };
        add_link(&file, &mut ws, &parent, &leaf, t, "link")
    }

    /// Creates a hard link `name` to the object at `target_path` (which must exist in this
    /// file), like h5py's `g[name] = g[target_path]`. The object's link count goes up.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let root = file.root();
    /// let g = root.create_group("g")?;
    /// root.link_hard("g", "same")?;
    /// assert_eq!(root.group("same")?.address(), g.address());
    /// assert!(root.link_hard("missing", "x").is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound` if the target does not exist; `AlreadyExists` if `name` exists;
    /// `ReadOnly`; I/O errors.
    pub fn link_hard(&self, target_path: &str, name: &str) -> Result<()> {
        let file = self.writable_file();
        let mut ws = begin(&file)?;
        let target = self.object(target_path)?;
        let (parent, leaf) = parent_of(&file, &mut ws, self, name, true)?;
        if parent.link(&leaf)?.is_some() {
            return Err(Error::AlreadyExists {
                what: "link",
                name: join(&parent.path, &leaf),
            });
        }
        let addr = adjust_refcount(&file, &mut ws, target.address(), 1)?;
        let addr = file.inner.resolve(addr);
        let parent = Group {
            address: file.inner.resolve(parent.address),
            ..parent
        };
        add_link(
            &file,
            &mut ws,
            &parent,
            &leaf,
            LinkTarget::Hard { address: addr },
            "link",
        )
    }

    /// Moves the link `src` to `dst` (paths relative to this group, or absolute), like
    /// h5py's `move(source, dest)` and libhdf5's `H5Lmove`: renames it within its group or
    /// moves it to another group of the file, in either group form (symbol table, compact
    /// or dense link messages). The object is not touched; where the destination group
    /// tracks creation order the link gets the next index. Intermediate groups of `dst`
    /// must exist.
    ///
    /// # Errors
    /// `NotFound` if `src` or the group holding `dst` does not exist; `AlreadyExists` if
    /// `dst` exists; `Usage` for an empty name, or a group moved into itself; `ReadOnly`;
    /// I/O errors.
    ///
    /// # Examples
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("h5oxide-doc-move-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let path = dir.join("move.h5");
    /// let f = h5oxide::File::create(&path)?;
    /// let root = f.root();
    /// root.create_group("a/old")?;
    /// root.create_group("b")?;
    /// root.move_link("a/old", "/b/new")?;
    /// assert_eq!(root.group("b")?.member_names()?, ["new"]);
    /// assert!(root.group("a")?.member_names()?.is_empty());
    /// # f.close()?;
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn move_link(&self, src: &str, dst: &str) -> Result<()> {
        let file = self.writable_file();
        let mut ws = begin(&file)?;
        let (sp, sname) = parent_of(&file, &mut ws, self, src, false)?;
        let Some(link) = sp.link(&sname)? else {
            return Err(Error::NotFound {
                what: "link",
                name: join(&sp.path, &sname),
            });
        };
        let (dp, dname) = parent_of(&file, &mut ws, self, dst, false)?;
        check_name(&dname)?;
        if dp.link(&dname)?.is_some() {
            return Err(Error::AlreadyExists {
                what: "link",
                name: join(&dp.path, &dname),
            });
        }
        let resolve = |a: u64| file.inner.resolve(a);
        let hard = match &link {
            Link::Hard { address } => Some(resolve(*address)),
            _ => None,
        };
        if let Some(a) = hard {
            // A group moved below itself would be cut off from the root.
            let mut cur = Some(dp.clone());
            while let Some(g) = cur {
                if resolve(g.address) == a {
                    return Err(Error::Usage("a group cannot be moved into itself"));
                }
                cur = if g.path == "/" || g.path.is_empty() {
                    None
                } else {
                    let up = g.path.rsplit_once('/').map_or("/", |(p, _)| p);
                    file.root().group(if up.is_empty() { "/" } else { up }).ok()
                };
            }
        }
        if resolve(sp.address) == resolve(dp.address) {
            let g = edit_links(
                &file,
                &mut ws,
                sp.address,
                &Edit::Rename {
                    from: &sname,
                    to: &dname,
                },
            )?;
            if let Some(a) = hard {
                let (g, a) = (resolve(g), resolve(a));
                index_remove(&file, &mut ws, g, &sname, a);
                index_add(&mut ws, g, &dname, a);
            }
            return Ok(());
        }
        add_link(&file, &mut ws, &dp, &dname, to_target(link), "link")?;
        let g = edit_links(&file, &mut ws, sp.address, &Edit::Remove(&sname))?;
        if let Some(a) = hard {
            index_remove(&file, &mut ws, resolve(g), &sname, resolve(a));
        }
        Ok(())
    }

    /// Renames or moves the link `src` to `dst`: [`Group::move_link`] under h5py's other
    /// word for it (`move` itself is a Rust keyword).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("draft")?;
    /// file.root().rename("draft", "final")?;
    /// assert_eq!(file.root().keys()?, ["final"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::move_link`].
    pub fn rename(&self, src: &str, dst: &str) -> Result<()> {
        self.move_link(src, dst)
    }

    /// Moves the link `src` to `dst`: [`Group::move_link`] under hdf5-rust's name.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("a/x")?;
    /// file.root().create_group("b")?;
    /// file.root().relink("a/x", "b/x")?;
    /// assert!(file.root().link_exists("b/x") && !file.root().link_exists("a/x"));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Group::move_link`].
    pub fn relink(&self, src: &str, dst: &str) -> Result<()> {
        self.move_link(src, dst)
    }

    /// Removes the link `name` (h5py's `del g[name]`). The object a hard link pointed to
    /// loses one link; with none left, its header and raw data are freed for reuse (after
    /// the next commit when committed; see [`crate::write`]).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let root = file.root();
    /// root.create_group("tmp")?;
    /// root.unlink("tmp")?;
    /// assert!(!root.contains("tmp"));
    /// assert!(matches!(root.unlink("tmp"), Err(h5oxide::Error::NotFound { .. })));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound` if there is no such link; `ReadOnly`; I/O errors.
    pub fn unlink(&self, name: &str) -> Result<()> {
        let file = self.writable_file();
        let mut ws = begin(&file)?;
        let (parent, leaf) = parent_of(&file, &mut ws, self, name, false)?;
        let Some(link) = parent.link(&leaf)? else {
            return Err(Error::NotFound {
                what: "link",
                name: join(&parent.path, &leaf),
            });
        };
        let g = edit_links(&file, &mut ws, parent.address, &Edit::Remove(&leaf))?;
        if let Link::Hard { address } = link {
            index_remove(&file, &mut ws, file.inner.resolve(g), &leaf, address);
            let a = adjust_refcount(&file, &mut ws, address, -1)?;
            crate::write::alloc::retire_unlinked(&file, &mut ws, a)?;
        }
        Ok(())
    }
}
