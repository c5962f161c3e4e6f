//! Write-back of group links: a group's links are held in memory, ordered by name, while
//! they are edited, and its link storage (symbol table, compact link messages, or dense
//! fractal heap and v2 B-trees) is written once, when the pending state is flushed,
//! instead of on every added, removed, renamed or retargeted link.
//!
//! Every edit is O(log N) on the group's map; the read side sees it at once through the
//! file's link cache (updated in place) or, when that was dropped, through
//! [`snapshot`]. Pending links are flushed before every commit ([`crate::File::flush`],
//! [`crate::File::close`], dropping the last handle, switching to SWMR write mode).
//! Flushing a group writes its storage through the ordinary copy-on-write path; a group
//! header that moves makes its parents pending in turn, so flushing loops until nothing is
//! pending. Pending links therefore reach the file only as scratch space below a
//! superblock not yet written (see [`crate::write`]): the crash guarantee is unchanged.

use std::collections::BTreeMap;

use h5oxide_format::object_header::message::link::{Link as LinkMessage, LinkTarget};
use h5oxide_format::object_header::message::{self as message, types, Message};
use h5oxide_format::UNDEFINED_ADDRESS;

use crate::error::{Error, Result};
use crate::file::File;
use crate::group::{Group, Link, SortedLinks};
use crate::write::alloc::WriteState;
use crate::write::dense;
use crate::write::group::{charset_of, from_target, to_target};
use crate::write::symbol_table::storable;

/// The pending links of every group of one file, by the group's current header address.
#[derive(Default)]
pub(crate) struct PendingLinks {
    groups: BTreeMap<u64, PendingGroup>,
}

impl std::fmt::Debug for PendingLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLinks")
            .field("groups", &self.groups.len())
            .finish()
    }
}

impl PendingLinks {
    /// Takes the pending state of the group at `addr` out (to edit or flush it).
    fn take(&mut self, addr: u64) -> Option<PendingGroup> {
        self.groups.remove(&addr)
    }

    /// Puts the pending state of the group at `addr` back.
    fn put(&mut self, addr: u64, p: PendingGroup) {
        self.groups.insert(addr, p);
    }

    /// Follows a group whose header moved from `old` to `new`.
    pub(crate) fn moved(&mut self, old: u64, new: u64) {
        if let Some(p) = self.groups.remove(&old) {
            self.groups.insert(new, p);
        }
    }

    /// Drops the pending links of a group that was deleted: they hold no file space.
    pub(crate) fn discard(&mut self, addr: u64) {
        self.groups.remove(&addr);
    }
}

/// One group's links as its next storage holds them, and what choosing that storage needs.
pub(crate) struct PendingGroup {
    /// Every link by name; `String` orders by bytes, as the name index does.
    links: BTreeMap<String, LinkMessage>,
    /// The next creation order index, where the group tracks creation order.
    next_order: Option<u64>,
    /// The group is stored as a symbol table and stays one (every link storable).
    symbol_table: bool,
    /// Link-message groups: dense storage after the last edit, switched per edit as
    /// libhdf5 switches it (spec IV.A.2.j; H5G__obj_insert, H5G__obj_remove_update_linfo).
    dense: bool,
    /// The group info message's phase change values (8 and 6 by default).
    max_compact: usize,
    min_dense: usize,
}

/// One edit of a group's links.
pub(crate) enum Edit<'a> {
    /// A new link (the caller checked that the name is free).
    Add(LinkMessage),
    /// Removes the link `name`.
    Remove(&'a str),
    /// Renames the link `from` to `to` (a new creation order where tracked).
    Rename {
        /// The current name.
        from: &'a str,
        /// The new name.
        to: &'a str,
    },
    /// Points the hard link `name` at `address` (its object moved).
    Retarget {
        /// The link's name.
        name: &'a str,
        /// The object's new header address.
        address: u64,
    },
}

impl PendingGroup {
    /// Reads the links of the group at `g` (its current address) from the file.
    fn load(file: &File, g: u64) -> Result<PendingGroup> {
        let ctx = file.inner.ctx;
        let mut dense_at = None;
        let mut symbol_table = false;
        let mut tracked = None;
        let mut compact = Vec::new();
        let (mut max_compact, mut min_dense) = (8usize, 6usize);
        for m in &file.header(g)?.messages {
            match message::decode(m, &ctx)? {
                Message::Link(l) if m.msg_type == types::LINK => compact.push(l),
                Message::LinkInfo(li) => {
                    if li.fractal_heap_address != UNDEFINED_ADDRESS {
                        dense_at = Some((li.fractal_heap_address, li.name_index_address));
                    }
                    tracked = li.max_creation_index;
                }
                Message::SymbolTable(_) => symbol_table = true,
                // Phase change values of the group (spec IV.A.2.j).
                Message::GroupInfo(gi) => {
                    if let Some(p) = gi.link_phase_change {
                        max_compact = usize::from(p.max_compact);
                        min_dense = usize::from(p.min_dense);
                    }
                }
                _ => {}
            }
        }
        let list: Vec<LinkMessage> = if symbol_table {
            let group = Group {
                file: file.clone(),
                address: g,
                path: String::new(),
            };
            group
                .links()?
                .into_iter()
                .map(|(name, l)| LinkMessage {
                    charset: charset_of(&name),
                    creation_order: None,
                    target: to_target(l),
                    name,
                })
                .collect()
        } else if let Some((heap, names)) = dense_at {
            // Dense links are read as whole messages: creation orders and character sets
            // survive the rewrite.
            dense::read_links(file, heap, names)?
        } else {
            compact
        };
        let next_order = tracked.map(|max| {
            list.iter()
                .filter_map(|l| l.creation_order)
                .max()
                .map_or(0, |c| c.saturating_add(1))
                .max(max)
        });
        let mut links = BTreeMap::new();
        for l in list {
            links.insert(l.name.clone(), l);
        }
        Ok(PendingGroup {
            links,
            next_order,
            symbol_table,
            dense: dense_at.is_some(),
            max_compact,
            min_dense,
        })
    }

    fn take_order(&mut self) -> Option<u64> {
        let n = self.next_order?;
        self.next_order = Some(n.saturating_add(1));
        Some(n)
    }

    /// Applies `edit`; `NotFound`/`AlreadyExists` leave the links unchanged.
    fn apply(&mut self, edit: &Edit<'_>) -> Result<()> {
        match edit {
            Edit::Add(l) => {
                if self.links.contains_key(&l.name) {
                    return Err(Error::AlreadyExists {
                        what: "link",
                        name: l.name.clone(),
                    });
                }
                let mut l = l.clone();
                l.creation_order = self.take_order();
                if !storable(&l.target) {
                    self.symbol_table = false;
                }
                self.links.insert(l.name.clone(), l);
            }
            Edit::Remove(name) => {
                if self.links.remove(*name).is_none() {
                    return Err(not_found(name));
                }
            }
            Edit::Rename { from, to } => {
                if self.links.contains_key(*to) {
                    return Err(Error::AlreadyExists {
                        what: "link",
                        name: (*to).to_owned(),
                    });
                }
                let Some(mut l) = self.links.remove(*from) else {
                    return Err(not_found(from));
                };
                l.name = (*to).to_owned();
                l.charset = charset_of(to);
                l.creation_order = self.take_order();
                self.links.insert(l.name.clone(), l);
            }
            Edit::Retarget { name, address } => {
                // A link already gone has nothing to follow.
                if let Some(l) = self.links.get_mut(*name) {
                    l.target = LinkTarget::Hard { address: *address };
                }
            }
        }
        let n = self.links.len();
        self.dense = if self.dense {
            n >= self.min_dense
        } else {
            n > self.max_compact
        };
        Ok(())
    }
}

fn not_found(name: &str) -> Error {
    Error::NotFound {
        what: "link",
        name: name.to_owned(),
    }
}

/// Applies `edit` to the cached link list of a group (same result as [`PendingGroup::apply`]
/// on a list that matched it). Copies the list only while another handle iterates it.
fn apply_cached(links: &mut SortedLinks, edit: &Edit<'_>) {
    let m = std::sync::Arc::make_mut(links);
    match edit {
        Edit::Add(l) => {
            m.insert(l.name.clone(), from_target(l.target.clone()));
        }
        Edit::Remove(name) => {
            m.remove(*name);
        }
        Edit::Rename { from, to } => {
            if let Some(l) = m.remove(*from) {
                m.insert((*to).to_owned(), l);
            }
        }
        Edit::Retarget { name, address } => {
            if let Some(l) = m.get_mut(*name) {
                *l = Link::Hard { address: *address };
            }
        }
    }
}

/// Edits the links of the group at `g` in memory: O(log N) once the group's links were
/// read. Returns the group's current address (it does not move until flushed).
///
/// # Errors
/// `NotFound` / `AlreadyExists` for a missing / taken name; errors reading the group.
pub(crate) fn edit(file: &File, ws: &mut WriteState, g: u64, edit: &Edit<'_>) -> Result<u64> {
    let g = file.inner.resolve(g);
    let taken = lock(file).take(g);
    let mut p = match taken {
        Some(p) => p,
        None => PendingGroup::load(file, g)?,
    };
    let r = p.apply(edit);
    lock(file).put(g, p);
    r?;
    ws.dirty = true;
    let mut cache = file.inner.links.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(l) = cache.get_mut(&g) {
        apply_cached(l, edit);
    }
    Ok(g)
}

fn lock(file: &File) -> std::sync::MutexGuard<'_, PendingLinks> {
    file.inner
        .pending_links
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Whether the group at `addr` (its current address) has pending links.
pub(crate) fn contains(file: &File, addr: u64) -> bool {
    lock(file).groups.contains_key(&addr)
}

/// The links of the group at `addr` (its current address) if they are pending.
pub(crate) fn snapshot(file: &File, addr: u64) -> Option<SortedLinks> {
    let p = lock(file);
    let g = p.groups.get(&addr)?;
    let map = g
        .links
        .iter()
        .map(|(n, l)| (n.clone(), from_target(l.target.clone())))
        .collect();
    Some(std::sync::Arc::new(map))
}

/// The names of the pending group at `addr` in creation order (name order where no order
/// is recorded), if its links are pending.
pub(crate) fn names_in_creation_order(file: &File, addr: u64) -> Option<Vec<String>> {
    let p = lock(file);
    let g = p.groups.get(&addr)?;
    let mut named: Vec<(u64, &str)> = g
        .links
        .values()
        .map(|l| (l.creation_order.unwrap_or(u64::MAX), l.name.as_str()))
        .collect();
    // Stable: equal orders keep name order.
    named.sort_by_key(|(o, _)| *o);
    Some(named.into_iter().map(|(_, n)| n.to_owned()).collect())
}

/// Writes the storage of every group with pending links, until none is left (a group that
/// moves makes its parents pending).
///
/// # Errors
/// I/O and encoding errors; the group being written keeps its pending state.
pub(crate) fn flush_all(file: &File, ws: &mut WriteState) -> Result<()> {
    loop {
        let next = {
            let mut p = lock(file);
            let first = p.groups.keys().next().copied();
            first.and_then(|g| p.take(g).map(|pg| (g, pg)))
        };
        let Some((g, pg)) = next else {
            return Ok(());
        };
        if let Err(e) = crate::write::group::write_links(file, ws, g, &pg.stored()) {
            let g = file.inner.resolve(g);
            let mut p = lock(file);
            if !p.groups.contains_key(&g) {
                p.put(g, pg);
            }
            return Err(e);
        }
    }
}

/// Flushes the pending links of a writable file (before a commit).
///
/// # Errors
/// As [`flush_all`]; a file whose earlier write failed.
pub(crate) fn flush_file(file: &File) -> Result<()> {
    let Some(w) = &file.inner.writer else {
        return Ok(());
    };
    if lock(file).groups.is_empty() {
        return Ok(());
    }
    let mut ws = w.lock().unwrap_or_else(|e| e.into_inner());
    if ws.has_failed() {
        return Err(Error::Usage(crate::write::FAILED));
    }
    flush_all(file, &mut ws)
}

/// A group's links and storage form as [`crate::write::group::write_links`] writes them.
pub(crate) struct Stored {
    /// Links in name order.
    pub(crate) links: Vec<LinkMessage>,
    /// Stays a symbol table (else becomes, or stays, a link-message group).
    pub(crate) symbol_table: bool,
    /// Dense storage for a link-message group that already was one.
    pub(crate) dense: bool,
}

impl PendingGroup {
    fn stored(&self) -> Stored {
        Stored {
            links: self.links.values().cloned().collect(),
            symbol_table: self.symbol_table,
            dense: self.dense,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use h5oxide_format::object_header::message::link::CharacterSet;

    fn group(n: usize, dense: bool, tracked: Option<u64>) -> PendingGroup {
        let mut g = PendingGroup {
            links: BTreeMap::new(),
            next_order: tracked,
            symbol_table: false,
            dense,
            max_compact: 8,
            min_dense: 6,
        };
        for i in 0..n {
            let name = format!("n{i:02}");
            g.links.insert(name.clone(), hard(&name));
        }
        g
    }

    fn hard(name: &str) -> LinkMessage {
        LinkMessage {
            name: name.to_owned(),
            charset: CharacterSet::Ascii,
            creation_order: None,
            target: LinkTarget::Hard { address: 1 },
        }
    }

    #[test]
    fn dense_past_max_compact_and_compact_below_min_dense() {
        // spec IV.A.2.j: dense past 8 links, compact again below 6.
        let mut g = group(8, false, None);
        g.apply(&Edit::Add(hard("x0"))).unwrap();
        assert!(g.dense);
        for name in ["n00", "n01", "n02"] {
            g.apply(&Edit::Remove(name)).unwrap();
            assert!(g.dense, "{} links stay dense", g.links.len());
        }
        g.apply(&Edit::Remove("n03")).unwrap();
        assert_eq!(g.links.len(), 5);
        assert!(!g.dense);
        g.apply(&Edit::Add(hard("x1"))).unwrap();
        assert!(!g.dense, "6 links of a compact group stay compact");
    }

    #[test]
    fn creation_orders_follow_edits_and_names_stay_sorted() {
        let mut g = group(2, false, Some(7));
        g.apply(&Edit::Add(hard("b"))).unwrap();
        g.apply(&Edit::Add(hard("a"))).unwrap();
        g.apply(&Edit::Rename {
            from: "n00",
            to: "c",
        })
        .unwrap();
        let orders: Vec<(&str, Option<u64>)> = g
            .links
            .values()
            .map(|l| (l.name.as_str(), l.creation_order))
            .collect();
        assert_eq!(
            orders,
            [
                ("a", Some(8)),
                ("b", Some(7)),
                ("c", Some(9)),
                ("n01", None)
            ]
        );
        assert!(matches!(
            g.apply(&Edit::Add(hard("a"))),
            Err(Error::AlreadyExists { .. })
        ));
        assert!(matches!(
            g.apply(&Edit::Remove("zz")),
            Err(Error::NotFound { .. })
        ));
        g.apply(&Edit::Retarget {
            name: "a",
            address: 99,
        })
        .unwrap();
        assert_eq!(g.links["a"].target, LinkTarget::Hard { address: 99 });
        assert_eq!(g.links.len(), 4);
    }
}
