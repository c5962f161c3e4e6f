//! Advisory file locks, taken as libhdf5 1.10 and later takes them, so that h5oxide and
//! programs using the C library keep out of each other's way.
//!
//! libhdf5's default file driver locks the whole file with `flock(2)`, non-blocking: a
//! shared lock when the file is opened read-only, an exclusive lock when it is opened for
//! writing, held until the file is closed. h5oxide takes the same locks on the same file
//! (through [`std::fs::File::try_lock`], which is `flock` on Linux and the BSDs), so:
//!
//! - any number of readers, ours or libhdf5's, share a file;
//! - a writer, ours or libhdf5's, is refused while anyone else has the file open, and
//!   everyone else is refused while a writer has it open.
//!
//! Within one process, every open of a file shares one lock (as libhdf5 shares one open
//! file between all opens of it): a reader and a writer in the same process do not lock
//! each other out; a writer upgrades the shared lock to an exclusive one, and it is shared
//! again once the last writer of the process closes while readers remain.
//!
//! A libhdf5 SWMR writer drops its lock once it has opened the file (its readers open the
//! file with a shared lock while it writes); see `docs/CONCURRENCY.md`.
//!
//! # Choosing
//!
//! [`FileOptions::locking`](crate::FileOptions::locking) picks a [`Locking`]; the
//! `HDF5_USE_FILE_LOCKING` environment variable, when set to one of the values libhdf5
//! accepts, overrides it, as it overrides the C library's file access property:
//!
//! | `HDF5_USE_FILE_LOCKING` | effect |
//! |---|---|
//! | `TRUE` or `1` | [`Locking::Enabled`] |
//! | `FALSE` or `0` | [`Locking::Disabled`] |
//! | `BEST_EFFORT` | [`Locking::BestEffort`] |
//! | unset or anything else | the option (default [`Locking::Enabled`]) |
//!
//! The values are compared exactly (upper case), as libhdf5 compares them.

// Without the `fs` feature no file is opened by path, so nothing here is called.
#![cfg_attr(not(feature = "fs"), allow(dead_code))]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use crate::error::{Error, Result};

/// The environment variable libhdf5 reads to override its file locking setting.
///
/// ```
/// // The name libhdf5 1.10.7+ reads (H5Fint.c).
/// assert_eq!(h5oxide::lock::ENV_VAR, "HDF5_USE_FILE_LOCKING");
/// ```
pub const ENV_VAR: &str = "HDF5_USE_FILE_LOCKING";

/// Whether files are locked while open (see the [module documentation](self)).
///
/// ```
/// use h5oxide::Locking;
/// assert_eq!(Locking::from_env_value("BEST_EFFORT"), Some(Locking::BestEffort));
/// // With HDF5_USE_FILE_LOCKING unset (or not a value libhdf5 accepts), the option wins.
/// if std::env::var_os("HDF5_USE_FILE_LOCKING").is_none() {
///     assert_eq!(Locking::Disabled.effective(), Locking::Disabled);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locking {
    /// Lock, and fail to open when the lock cannot be taken (libhdf5's default).
    #[default]
    Enabled,
    /// Do not lock (`HDF5_USE_FILE_LOCKING=FALSE`): nothing stops two writers, or a reader
    /// and a writer, from corrupting each other's view of the file.
    Disabled,
    /// Lock, but open anyway when the file system does not support locks (`ENOSYS`, as
    /// on some network file systems); a lock held by someone else still refuses the open
    /// (`HDF5_USE_FILE_LOCKING=BEST_EFFORT`).
    BestEffort,
}

impl Locking {
    /// The setting the `HDF5_USE_FILE_LOCKING` value names, if it is one libhdf5 accepts.
    ///
    /// ```
    /// use h5oxide::Locking;
    /// assert_eq!(Locking::from_env_value("TRUE"), Some(Locking::Enabled));
    /// assert_eq!(Locking::from_env_value("0"), Some(Locking::Disabled));
    /// // Compared exactly, as libhdf5 compares them.
    /// assert_eq!(Locking::from_env_value("false"), None);
    /// ```
    pub fn from_env_value(value: &str) -> Option<Locking> {
        // libhdf5 1.10.7+ (H5Fint.c, H5F__parse_file_lock_env_var): exact string compares.
        match value {
            "TRUE" | "1" => Some(Locking::Enabled),
            "FALSE" | "0" => Some(Locking::Disabled),
            "BEST_EFFORT" => Some(Locking::BestEffort),
            _ => None,
        }
    }

    /// The setting in force: the environment variable's when it is set to a value libhdf5
    /// accepts, `self` otherwise.
    ///
    /// ```
    /// use h5oxide::Locking;
    /// match std::env::var("HDF5_USE_FILE_LOCKING") {
    ///     Ok(v) if Locking::from_env_value(&v).is_some() => {
    ///         assert_eq!(Locking::Enabled.effective(), Locking::from_env_value(&v).unwrap());
    ///     }
    ///     _ => assert_eq!(Locking::BestEffort.effective(), Locking::BestEffort),
    /// }
    /// ```
    pub fn effective(self) -> Locking {
        std::env::var(ENV_VAR)
            .ok()
            .and_then(|v| Locking::from_env_value(&v))
            .unwrap_or(self)
    }
}

/// A lock held on an open file, shared by every open of that file in this process;
/// released when the last one closes.
#[derive(Debug)]
pub(crate) struct FileLock {
    /// The last one dropped releases the lock.
    shared: Arc<Held>,
    /// This open is a writer's: it counts in `Held::writers`.
    writer: bool,
}

impl Drop for FileLock {
    fn drop(&mut self) {
        if !self.writer {
            return;
        }
        let _reg = registry().lock().unwrap_or_else(|e| e.into_inner());
        let mut writers = self
            .shared
            .writers
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *writers = writers.saturating_sub(1);
        // The last writer of this process closed while readers of it remain: back to a
        // shared lock, so other processes may read again. (Without readers left, the
        // `Held` is dropped right after and unlocks.)
        if *writers == 0 && Arc::strong_count(&self.shared) > 1 {
            let _ = self.shared.file.try_lock_shared();
        }
    }
}

/// The lock itself: one per file per process.
#[derive(Debug)]
struct Held {
    key: FileKey,
    /// A duplicate of the locked descriptor: `flock` locks belong to the open file
    /// description, which every duplicate shares, so holding this keeps the lock.
    file: std::fs::File,
    /// How many writers of this process have the file open: the lock is exclusive while
    /// there is one, shared otherwise.
    writers: Mutex<usize>,
}

impl Drop for Held {
    fn drop(&mut self) {
        // Under the registry's mutex, so that an open racing this close either still finds
        // this lock or finds it released; never a lock of this process in its way.
        let mut reg = registry().lock().unwrap_or_else(|e| e.into_inner());
        if reg.get(&self.key).is_some_and(|w| w.strong_count() == 0) {
            reg.remove(&self.key);
        }

        let _ = self.file.unlock();
    }
}

/// Identifies a file whatever path it was opened by.
#[cfg(unix)]
type FileKey = (u64, u64);
#[cfg(not(unix))]
type FileKey = std::path::PathBuf;

#[cfg(unix)]
fn file_key(file: &std::fs::File, _path: &Path) -> std::io::Result<FileKey> {
    use std::os::unix::fs::MetadataExt;
    let m = file.metadata()?;
    Ok((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_key(_file: &std::fs::File, path: &Path) -> std::io::Result<FileKey> {
    std::fs::canonicalize(path)
}

/// The locks this process holds. `flock` locks of two descriptors of one file conflict
/// even within a process; libhdf5 avoids that by sharing one open file between all opens
/// of it, and this does the same for the lock: a second open of a file this process has
/// locked shares (or, for a writer, upgrades) that lock.
fn registry() -> &'static Mutex<HashMap<FileKey, Weak<Held>>> {
    static REG: OnceLock<Mutex<HashMap<FileKey, Weak<Held>>>> = OnceLock::new();
    REG.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The errno libhdf5 reports for a lock held elsewhere (`EWOULDBLOCK`).
#[cfg(any(target_os = "linux", target_os = "android"))]
const EWOULDBLOCK: Option<i32> = Some(11);
#[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
const EWOULDBLOCK: Option<i32> = Some(35);
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd"
)))]
const EWOULDBLOCK: Option<i32> = None;

/// `ENOSYS` on Linux: the file system has no locks.
const ENOSYS: i32 = 38;

/// What taking a lock came to.
enum Outcome {
    Locked,
    /// Locking is unsupported here and best effort allows going on without it.
    Skipped,
}

/// `flock` the descriptor, non-blocking, as libhdf5's sec2 driver does.
fn try_lock(file: &std::fs::File, exclusive: bool, locking: Locking) -> std::io::Result<Outcome> {
    let r = if exclusive {
        file.try_lock()
    } else {
        file.try_lock_shared()
    };
    match r {
        Ok(()) => Ok(Outcome::Locked),
        Err(std::fs::TryLockError::WouldBlock) => Err(match EWOULDBLOCK {
            Some(code) => std::io::Error::from_raw_os_error(code),
            None => std::io::ErrorKind::WouldBlock.into(),
        }),
        Err(std::fs::TryLockError::Error(e)) => {
            let unsupported =
                e.kind() == std::io::ErrorKind::Unsupported || e.raw_os_error() == Some(ENOSYS);
            // libhdf5 (H5FDsec2.c) ignores only "not supported", and only when told to. A
            // WebAssembly host (WASI) has no file locks at all, so nothing else could hold
            // one: there locking is skipped.
            if unsupported && (locking == Locking::BestEffort || cfg!(target_family = "wasm")) {
                Ok(Outcome::Skipped)
            } else {
                Err(e)
            }
        }
    }
}

/// Locks `file` (shared for readers, exclusive for writers) as `locking` says, after the
/// environment variable has had its say. `None` when nothing is locked.
pub(crate) fn acquire(
    file: &std::fs::File,
    path: &Path,
    exclusive: bool,
    locking: Locking,
) -> Result<Option<FileLock>> {
    let locking = locking.effective();
    // A WebAssembly host (WASI) has no file locks: nothing else could hold one.
    if locking == Locking::Disabled || cfg!(target_family = "wasm") {
        return Ok(None);
    }
    let open_err = |source| Error::Open {
        path: path.to_path_buf(),
        source,
    };
    let locked = |source| Error::Locked {
        path: path.to_path_buf(),
        source,
    };
    let key = file_key(file, path).map_err(open_err)?;
    let mut reg = registry().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(held) = reg.get(&key).and_then(Weak::upgrade) {
        let mut writers = held.writers.lock().unwrap_or_else(|e| e.into_inner());
        if exclusive {
            if *writers == 0 {
                // Upgrade in place: flock converts the lock of the same descriptor, and
                // fails (leaving the shared lock) while another process holds the file.
                try_lock(&held.file, true, locking).map_err(locked)?;
            }
            *writers += 1;
        }
        drop(writers);
        return Ok(Some(FileLock {
            shared: held,
            writer: exclusive,
        }));
    }
    let dup = file.try_clone().map_err(open_err)?;
    match try_lock(&dup, exclusive, locking).map_err(locked)? {
        Outcome::Skipped => Ok(None),
        Outcome::Locked => {
            // The key is a copyable (device, inode) pair on Unix, a path elsewhere.
            #[cfg_attr(unix, allow(clippy::clone_on_copy))]
            let held = Arc::new(Held {
                key: key.clone(),
                file: dup,
                writers: Mutex::new(usize::from(exclusive)),
            });
            reg.insert(key, Arc::downgrade(&held));
            Ok(Some(FileLock {
                shared: held,
                writer: exclusive,
            }))
        }
    }
}

impl FileLock {
    /// True while a writer of this process holds the file.
    #[cfg(test)]
    fn is_exclusive(&self) -> bool {
        *self.shared.writers.lock().unwrap() > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_values_follow_libhdf5() {
        assert_eq!(Locking::from_env_value("TRUE"), Some(Locking::Enabled));
        assert_eq!(Locking::from_env_value("1"), Some(Locking::Enabled));
        assert_eq!(Locking::from_env_value("FALSE"), Some(Locking::Disabled));
        assert_eq!(Locking::from_env_value("0"), Some(Locking::Disabled));
        assert_eq!(
            Locking::from_env_value("BEST_EFFORT"),
            Some(Locking::BestEffort)
        );
        // Exact compares: lower case and other words leave the option in force.
        assert_eq!(Locking::from_env_value("false"), None);
        assert_eq!(Locking::from_env_value("yes"), None);
        assert_eq!(Locking::from_env_value(""), None);
    }

    #[test]
    fn opens_in_one_process_share_and_upgrade_one_lock() {
        let p = std::env::temp_dir().join(format!("h5oxide-lock-unit-{}", std::process::id()));
        std::fs::write(&p, b"x").unwrap();
        let f1 = std::fs::File::open(&p).unwrap();
        let f2 = std::fs::File::open(&p).unwrap();
        let r = acquire(&f1, &p, false, Locking::Enabled).unwrap().unwrap();
        assert!(!r.is_exclusive());
        let w = acquire(&f2, &p, true, Locking::Enabled).unwrap().unwrap();
        assert!(r.is_exclusive() && w.is_exclusive());
        assert!(Arc::ptr_eq(&r.shared, &w.shared));
        // Another open file description (as another process has) is refused meanwhile.
        let other = std::fs::File::open(&p).unwrap();

        let refused = other.try_lock_shared().is_err();
        assert!(refused);
        // The writer closes: back to shared while the reader stays.
        drop(w);
        assert!(!r.is_exclusive());

        let shared = other.try_lock_shared().is_ok();
        assert!(shared, "readers of other processes share again");

        let _ = other.unlock();
        drop(r);

        let taken = other.try_lock().is_ok();
        assert!(taken, "released after the last open closed");
        drop(other);
        std::fs::remove_file(&p).unwrap();
    }
}
