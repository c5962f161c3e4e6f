//! Following external links (spec IV.A.2.g, link type 64) and finding the other files that
//! links and virtual dataset mappings name.
//!
//! A file name is searched for as libhdf5 searches (`H5F_prefix_open_file`): an absolute
//! name as it is (then, if that fails, only its last component); then under each prefix of
//! the environment variable (`HDF5_EXT_PREFIX` for links, `HDF5_VDS_PREFIX` for virtual
//! dataset sources; several prefixes separated by `:`, a leading `${ORIGIN}` standing for
//! the linking file's folder); then in the linking file's folder; then relative to the
//! working folder.
//!
//! Files opened this way are kept open in a small cache per linking file (keyed by the
//! linking file's identity and the path found), so repeated reads do not reopen them; the
//! entries of a file are dropped once that file is closed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::error::{Error, Result};
use crate::file::{File, FileInner};
use crate::group::{join, Group, Link};
use crate::object::ObjectKind;

/// The variable libhdf5 reads for external link prefixes.
///
/// ```
/// assert_eq!(h5oxide::external_link::EXT_PREFIX_VAR, "HDF5_EXT_PREFIX");
/// ```
pub const EXT_PREFIX_VAR: &str = "HDF5_EXT_PREFIX";

/// The reason of the `Error::Link` a dangling external link gives.
///
/// ```
/// use h5oxide::Error;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/links_earliest.h5");
/// let file = h5oxide::File::open(path)?;
/// // The link names no_such_file.h5.
/// let err = file.root().object("external_missing_file").unwrap_err();
/// assert!(matches!(err, Error::Link { .. }));
/// assert!(err.to_string().contains(h5oxide::external_link::NOT_FOUND));
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub const NOT_FOUND: &str = "external link target not found";

type CacheKey = (usize, PathBuf);
type Cache = Mutex<HashMap<CacheKey, (Weak<FileInner>, File)>>;

/// Open files reached from a linking file: (linking file, path) -> (linking file, target).
fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The folder of the file, when it was opened from a path.
pub(crate) fn origin_dir(file: &File) -> Option<PathBuf> {
    let p = file.path()?;
    let dir = p.parent().unwrap_or_else(|| Path::new(""));
    Some(dir.to_path_buf())
}

/// A prefix with a leading `${ORIGIN}` replaced by the file's folder (as libhdf5 does for
/// its file prefixes).
pub(crate) fn expand_origin(prefix: &str, file: &File) -> PathBuf {
    match prefix.strip_prefix("${ORIGIN}") {
        Some(rest) => {
            let dir = origin_dir(file).unwrap_or_default();
            let rest = rest.trim_start_matches('/');
            if rest.is_empty() {
                dir
            } else {
                dir.join(rest)
            }
        }
        None => PathBuf::from(prefix),
    }
}

/// The paths tried for `name`, in libhdf5's order.
pub(crate) fn candidates(parent: &File, name: &str, env_var: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let path = Path::new(name);
    let mut rel = PathBuf::from(name);
    if path.is_absolute() {
        out.push(path.to_path_buf());
        rel = path.file_name().map(PathBuf::from).unwrap_or_default();
    }
    if let Ok(prefixes) = std::env::var(env_var) {
        for p in prefixes.split(':').filter(|p| !p.is_empty()) {
            out.push(expand_origin(p, parent).join(&rel));
        }
    }
    if let Some(dir) = origin_dir(parent) {
        out.push(dir.join(&rel));
    }
    out.push(rel);
    out
}

/// Opens the file `name` names from `parent`, searching as libhdf5 does; `None` if no
/// candidate opens as an HDF5 file.
pub(crate) fn open_linked_file(parent: &File, name: &str, env_var: &str) -> Option<File> {
    let me = Arc::as_ptr(&parent.inner) as usize;
    for path in candidates(parent, name, env_var) {
        if !path.is_file() {
            continue;
        }
        let key = (me, path.clone());
        {
            let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
            match c.get(&key) {
                Some((w, f)) if w.upgrade().is_some_and(|p| Arc::ptr_eq(&p, &parent.inner)) => {
                    return Some(f.clone())
                }
                Some(_) => {
                    c.remove(&key);
                }
                None => {}
            }
        }
        #[cfg(feature = "fs")]
        if let Ok(f) = File::options().limits(parent.inner.limits).open(&path) {
            let mut c = cache().lock().unwrap_or_else(|e| e.into_inner());
            // Drop the entries of linking files that have been closed.
            c.retain(|_, (w, _)| w.strong_count() > 0);
            c.insert(key, (Arc::downgrade(&parent.inner), f.clone()));
            return Some(f);
        }
    }
    None
}

fn dangling(name: &str) -> Error {
    Error::Link {
        name: name.to_owned(),
        reason: NOT_FOUND,
    }
}

/// Follows the external link at `link_path` of `file` to `target_path` in `target_file`:
/// the target file, the target's object header address there, and its path.
///
/// # Errors
/// `Link` with reason [`NOT_FOUND`] if the file cannot be found or opened or has no object
/// at the path; `Link` if the hop budget (`Limits::max_link_hops`) runs out; errors reading
/// the target file.
pub(crate) fn resolve(
    file: &File,
    link_path: &str,
    target_file: &str,
    target_path: &str,
    hops: &mut u32,
) -> Result<(File, u64, String)> {
    *hops += 1;
    if *hops > file.inner.limits.max_link_hops {
        return Err(Error::Link {
            name: link_path.to_owned(),
            reason: "too many link hops (a cycle?)",
        });
    }
    let target =
        open_linked_file(file, target_file, EXT_PREFIX_VAR).ok_or_else(|| dangling(link_path))?;
    let root = target.root();
    match resolve_path(&root, target_path, hops) {
        Ok(found) => Ok(found),
        Err(Error::NotFound { .. }) => Err(dangling(link_path)),
        Err(e) => Err(e),
    }
}

/// Resolves `path` from `group` following hard, soft and external links.
pub(crate) fn resolve_path(
    group: &Group,
    path: &str,
    hops: &mut u32,
) -> Result<(File, u64, String)> {
    let (mut g, rest) = match path.strip_prefix('/') {
        Some(s) => (Group::root(group.file.clone()), s),
        None => (group.clone(), path),
    };
    let parts: Vec<&str> = rest
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() {
        return Ok((g.file.clone(), g.address, g.path.clone()));
    }
    for (k, part) in parts.iter().enumerate() {
        let full = join(&g.path, part);
        let link = g.link(part)?.ok_or_else(|| Error::NotFound {
            what: "object",
            name: full.clone(),
        })?;
        let (file, address, reached) = match link {
            Link::Hard { address } => (g.file.clone(), address, full),
            Link::Soft { target } => {
                *hops += 1;
                if *hops > g.file.inner.limits.max_link_hops {
                    return Err(Error::Link {
                        name: full,
                        reason: "too many soft link hops (a cycle?)",
                    });
                }
                match resolve_path(&g, &target, hops) {
                    Ok((f, a, _)) => (f, a, full),
                    Err(Error::NotFound { .. }) => {
                        return Err(Error::Link {
                            name: full,
                            reason: "dangling soft link",
                        })
                    }
                    Err(e) => return Err(e),
                }
            }
            Link::External { file, path } => resolve(&g.file, &full, &file, &path, hops)?,
            Link::UserDefined { .. } => {
                return Err(Error::Link {
                    name: full,
                    reason: "user-defined link type",
                })
            }
        };
        if k + 1 == parts.len() {
            return Ok((file, address, reached));
        }
        if file.kind_of(address)? != ObjectKind::Group {
            return Err(Error::WrongKind {
                name: reached,
                expected: "group",
            });
        }
        g = Group {
            file,
            address,
            path: reached,
        };
    }
    Ok((g.file.clone(), g.address, g.path))
}

impl Group {
    /// The file an external link in this group's file points to, opened as libhdf5 finds
    /// it (see the module documentation); `None` if it cannot be found or opened.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/links_earliest.h5");
    /// let root = h5oxide::File::open(path)?.root();
    /// let other = root.open_external_file("links_target.h5").expect("next to the linking file");
    /// assert!(other.root().contains("data"));
    /// assert!(root.open_external_file("no_such_file.h5").is_none());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn open_external_file(&self, name: &str) -> Option<File> {
        open_linked_file(&self.file, name, EXT_PREFIX_VAR)
    }
}
