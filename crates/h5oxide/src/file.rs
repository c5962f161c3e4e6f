//! Opening files: the backend, the superblock, and the state every handle shares.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use h5oxide_format::object_header::{read_object_header, ObjectHeader};
use h5oxide_format::superblock::Superblock;
use h5oxide_format::{Context, Limits, ReadAt};
use h5oxide_storage::chunk_cache::{ChunkCache, DEFAULT_CACHE_BYTES};
use h5oxide_storage::{Backend, MemBackend, StorageError};

use crate::error::{Error, Result};
use crate::group::Group;
use crate::lock::{FileLock, Locking};
pub use crate::write::Libver;

/// How a file is opened, named as h5py names its modes.
///
/// ```
/// use h5oxide::{File, Mode};
/// let dir = std::env::temp_dir().join(format!("h5oxide-doc-mode-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("m.h5");
/// File::options().mode(Mode::Create).open(&path)?.close()?;
/// // `w-` refuses an existing file; `r` opens it read only.
/// assert!(File::options().mode(Mode::CreateExclusive).open(&path).is_err());
/// assert_eq!(File::options().mode(Mode::Read).open(&path)?.mode(), Mode::Read);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// `r`: read only; the file must exist.
    Read,
    /// `r+`: read and write; the file must exist.
    ReadWrite,
    /// `w`: create the file, truncating an existing one.
    Create,
    /// `w-` (or `x`): create the file; fail if it exists.
    CreateExclusive,
    /// `a`: read and write if the file exists, create it otherwise.
    Append,
}

impl Mode {
    /// The h5py spelling of the mode.
    ///
    /// ```
    /// use h5oxide::Mode;
    /// assert_eq!(Mode::ReadWrite.as_str(), "r+");
    /// assert_eq!(Mode::CreateExclusive.as_str(), "w-");
    /// assert_eq!(Mode::from_h5py(Mode::Append.as_str()), Some(Mode::Append));
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Read => "r",
            Mode::ReadWrite => "r+",
            Mode::Create => "w",
            Mode::CreateExclusive => "w-",
            Mode::Append => "a",
        }
    }

    /// The mode an h5py mode string names (`r`, `r+`, `w`, `w-`, `x`, `a`).
    ///
    /// ```
    /// use h5oxide::Mode;
    /// assert_eq!(Mode::from_h5py("r"), Some(Mode::Read));
    /// assert_eq!(Mode::from_h5py("x"), Some(Mode::CreateExclusive));
    /// assert_eq!(Mode::from_h5py("rw"), None);
    /// ```
    pub fn from_h5py(s: &str) -> Option<Mode> {
        Some(match s {
            "r" => Mode::Read,
            "r+" => Mode::ReadWrite,
            "w" => Mode::Create,
            "w-" | "x" => Mode::CreateExclusive,
            "a" => Mode::Append,
            _ => return None,
        })
    }

    /// True for every mode but `r`.
    ///
    /// ```
    /// use h5oxide::Mode;
    /// assert!(!Mode::Read.is_writable());
    /// assert!(Mode::ReadWrite.is_writable());
    /// assert!(Mode::Append.is_writable());
    /// ```
    pub fn is_writable(&self) -> bool {
        !matches!(self, Mode::Read)
    }
}

/// The file's bytes as the codec sees them: offsets relative to the superblock's base
/// address (spec II.A, "Base Address"), so a userblock is invisible above this layer.
#[derive(Debug)]
pub(crate) struct Source {
    backend: Box<dyn Backend>,
    base: u64,
}

impl Source {
    /// The backend itself (absolute offsets).
    pub(crate) fn backend(&self) -> &dyn Backend {
        &*self.backend
    }

    /// The base address: where the superblock is.
    pub(crate) fn base(&self) -> u64 {
        self.base
    }
}

impl ReadAt for Source {
    type Error = StorageError;

    fn read_at(&self, offset: u64, len: usize) -> std::result::Result<Cow<'_, [u8]>, StorageError> {
        let abs = self
            .base
            .checked_add(offset)
            .ok_or_else(|| h5oxide_format::source::out_of_range(offset, self.size(), "read"))?;
        self.backend.read_at(abs, len)
    }

    fn size(&self) -> u64 {
        self.backend.size().saturating_sub(self.base)
    }
}

/// Superblock consistency flags that mean a writer has the file open (spec II.A: bit 0
/// write access, bit 2 SWMR write access).
///
/// ```
/// use h5oxide::file::CONSISTENCY_WRITE_FLAGS;
/// // Spec II.A: bit 0 (file open for write access) and bit 2 (SWMR write access).
/// assert_eq!(CONSISTENCY_WRITE_FLAGS, 1 | 4);
/// let file = h5oxide::File::options().libver(h5oxide::Libver::Latest).in_memory()?;
/// assert_eq!(file.consistency_flags() & CONSISTENCY_WRITE_FLAGS, 0);
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub const CONSISTENCY_WRITE_FLAGS: u32 = 0b101;

/// State shared by every handle of one open file.
pub(crate) struct FileInner {
    pub(crate) src: Source,
    pub(crate) superblock: Superblock,
    pub(crate) ctx: Context,
    pub(crate) limits: Limits,
    pub(crate) path: Option<PathBuf>,
    pub(crate) mode: Mode,
    /// Decoded object headers by address: headers are read once per open file.
    headers: Mutex<HashMap<u64, Arc<ObjectHeader>>>,
    /// Each group's links ordered by name, by the group's current address: a path lookup
    /// is O(log N) once a group has been listed; the writer edits them in place.
    pub(crate) links: Mutex<HashMap<u64, crate::group::SortedLinks>>,
    /// Where an object header moved when it was rewritten copy-on-write: handles that
    /// hold the old address keep reaching the object (see [`crate::write`]).
    pub(crate) forward: Mutex<HashMap<u64, u64>>,
    /// The writer's state, for files open in a writable mode.
    pub(crate) writer: Option<Mutex<crate::write::WriteState>>,
    /// Chunks written but held back in memory (see [`crate::write::pending`]). Locked
    /// after `writer` when both are held, never across a flush.
    pub(crate) pending: Mutex<crate::write::pending::Pending>,
    /// Group links edited but not written yet (see [`crate::write::pending_links`]).
    /// Locked on its own, never while another of these locks is taken.
    pub(crate) pending_links: Mutex<crate::write::pending_links::PendingLinks>,
    /// Decoded chunks by (dataset object header address, chunk offset).
    pub(crate) chunk_cache: ChunkCache<(u64, Vec<u64>)>,
    /// Opened for reading while another process writes (see [`crate::swmr`]).
    pub(crate) swmr: bool,
    /// Single-writer/multiple-reader write mode, once started (see `crate::write::swmr`).
    pub(crate) swmr_write: Mutex<Option<crate::write::swmr::SwmrState>>,
    /// The file lock (see [`crate::lock`]); declared last so it is released after the
    /// final commit in `drop` and after the backend closes. [`File::close`] releases it
    /// early.
    pub(crate) lock: Mutex<Option<FileLock>>,
}

impl FileInner {
    /// Forgets every decoded header and link list.
    #[allow(dead_code)]
    pub(crate) fn invalidate(&self) {
        self.headers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.links.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Forgets the decoded headers and link lists cached under `addresses` (objects that
    /// changed or moved): every other cached object is untouched, as a change rewrites
    /// only the object itself and, when it moves, the groups linking to it, which are
    /// forgotten in turn by their own rewrite.
    pub(crate) fn forget(&self, addresses: &[u64]) {
        let mut h = self.headers.lock().unwrap_or_else(|e| e.into_inner());
        for a in addresses {
            h.remove(a);
        }
        // Link lists are cached under the address a handle holds, which may be one the
        // object had before it moved.
        let mut l = self.links.lock().unwrap_or_else(|e| e.into_inner());
        l.retain(|k, _| !addresses.contains(k) && !addresses.contains(&self.resolve(*k)));
    }

    /// The current address of the object first stored at `address`: the forwarding map
    /// holds one entry per move (old -> next address), so the chain is followed, bounded
    /// by the map's size, and shortened for the next lookup.
    pub(crate) fn resolve(&self, address: u64) -> u64 {
        let mut f = self.forward.lock().unwrap_or_else(|e| e.into_inner());
        let Some(&first) = f.get(&address) else {
            return address;
        };
        let mut cur = first;
        for _ in 0..f.len() {
            match f.get(&cur) {
                Some(&n) if n != cur => cur = n,
                _ => break,
            }
        }
        if cur != first {
            f.insert(address, cur);
        }
        cur
    }
}

impl Drop for FileInner {
    fn drop(&mut self) {
        // Closing a writable file commits it; an error here has nowhere to go, and the
        // previous commit stays readable (see crate::write).
        let _ = crate::write::commit_inner(self);
    }
}

impl Drop for File {
    fn drop(&mut self) {
        // The last handle going away commits the file (`FileInner`'s drop); chunks held
        // back in memory must reach it first, then stored references to objects that
        // moved are updated (`write::ref_patch`). Errors have nowhere to go, as there.
        if self.inner.writer.is_some() && Arc::strong_count(&self.inner) == 1 {
            let _ = crate::write::pending::flush_file(self);
            let _ = crate::write::pending_links::flush_file(self);
            let _ = crate::write::ref_patch::patch_references(self);
            let _ = crate::write::pending::flush_file(self);
            let _ = crate::write::pending_links::flush_file(self);
        }
    }
}

impl fmt::Debug for FileInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileInner")
            .field("path", &self.path)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// An open HDF5 file. Cheap to clone; clones share the open file. `Send + Sync`: many
/// threads may read one file at once.
///
/// ```
/// // h5dump: /compact is a 4 x 5 dataset of 32-bit integers.
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
/// let file = h5oxide::File::open(path)?;
/// let ds = file.root().dataset("compact")?;
/// assert_eq!(ds.shape(), [4, 5]);
/// // Clones share the open file.
/// let other = file.clone();
/// std::thread::spawn(move || assert!(other.root().contains("contiguous")))
///     .join()
///     .unwrap();
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct File {
    pub(crate) inner: Arc<FileInner>,
}

/// Options for opening a file: limits, the backend, the mode and (for new files) the
/// format generation.
///
/// ```
/// use h5oxide::{File, Libver, Mode};
/// let dir = std::env::temp_dir().join(format!("h5oxide-doc-options-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("new.h5");
/// let file = File::options().mode(Mode::Create).libver(Libver::Latest).open(&path)?;
/// // The latest format has a version 3 superblock (spec II.A).
/// assert_eq!(file.superblock_version(), 3);
/// file.close()?;
/// assert_eq!(File::options().mmap(false).open(&path)?.superblock_version(), 3);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct FileOptions {
    limits: Limits,
    mmap: bool,
    mode: Mode,
    libver: Libver,
    locking: Locking,
    swmr: bool,
    userblock: u64,
    chunk_cache: usize,
    sync: bool,
}

impl Default for FileOptions {
    fn default() -> Self {
        FileOptions {
            limits: Limits::DEFAULT,
            mmap: cfg!(feature = "mmap"),
            mode: Mode::Read,
            libver: Libver::Earliest,
            locking: Locking::Enabled,
            swmr: false,
            userblock: 0,
            chunk_cache: DEFAULT_CACHE_BYTES,
            sync: true,
        }
    }
}

impl FileOptions {
    /// Resource limits for reading untrusted files (see [`Limits`]).
    ///
    /// ```
    /// use h5oxide::format::Limits;
    /// // h5dump: /compact holds 4 x 5 32-bit integers, 80 bytes.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let limits = Limits { max_read_bytes: 64, ..Limits::DEFAULT };
    /// let file = h5oxide::File::options().limits(limits).open(path)?;
    /// assert!(file.root().dataset("compact")?.read_bytes().is_err());
    /// assert_eq!(file.root().dataset("chunk_larger_than_data")?.read_bytes()?.len(), 25);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Memory-map the file for reading (the default where the `mmap` feature is on), or use
    /// positional reads.
    ///
    /// ```
    /// // h5dump: /contiguous is 6 x 7 floats starting 0, 0.125.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let file = h5oxide::File::options().mmap(false).open(path)?;
    /// assert_eq!(file.root().dataset("contiguous")?.read_raw::<f32>()?[..2], [0.0, 0.125]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn mmap(mut self, on: bool) -> Self {
        self.mmap = on;
        self
    }

    /// The mode [`FileOptions::open`] uses (default [`Mode::Read`]).
    ///
    /// ```
    /// use h5oxide::{File, Mode};
    /// let bytes = File::in_memory()?.into_bytes()?;
    /// let file = File::options().mode(Mode::ReadWrite).open_bytes(bytes)?;
    /// assert_eq!(file.mode(), Mode::ReadWrite);
    /// file.root().create_group("g")?;
    /// assert!(file.root().contains("g"));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The format generation of files this creates (default [`Libver::Earliest`], what
    /// h5py writes by default). Existing files keep their own.
    ///
    /// ```
    /// use h5oxide::{File, Libver};
    /// // Superblock version 0 for the earliest format, 3 for the latest (spec II.A).
    /// assert_eq!(File::options().libver(Libver::Earliest).in_memory()?.superblock_version(), 0);
    /// assert_eq!(File::options().libver(Libver::Latest).in_memory()?.superblock_version(), 3);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn libver(mut self, libver: Libver) -> Self {
        self.libver = libver;
        self
    }

    /// Bytes of decoded chunks kept per open file (default 1 MiB, libhdf5's default; 0
    /// turns the cache off). Reading a chunk again (overlapping slices, rows of one chunk
    /// read one by one) then costs a copy instead of a decompression. A read needing more
    /// chunks than fit keeps only the chunks it covers in part, the ones the next
    /// read is likely to need.
    ///
    /// ```
    /// let opts = h5oxide::File::options().chunk_cache_size(64 << 20);
    /// # let _ = opts;
    /// ```
    pub fn chunk_cache_size(mut self, bytes: usize) -> Self {
        self.chunk_cache = bytes;
        self
    }

    /// Whether the file is locked while open, as libhdf5 locks it (default
    /// [`Locking::Enabled`]: shared for `r`, exclusive for the writable modes). The
    /// `HDF5_USE_FILE_LOCKING` environment variable overrides this, as it overrides
    /// libhdf5's setting; see [`crate::lock`].
    ///
    /// ```no_run
    /// use h5oxide::{File, Locking};
    /// let file = File::options().locking(Locking::BestEffort).open("data.h5")?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn locking(mut self, locking: Locking) -> Self {
        self.locking = locking;
        self
    }

    /// Read a file another process is writing in SWMR mode (libhdf5's
    /// `H5F_ACC_SWMR_READ`): positional reads that follow the file's growth, and metadata
    /// reads retried on checksum mismatches. Use [`Dataset::refresh`](crate::Dataset::refresh)
    /// to see new rows. Only for [`Mode::Read`]; see [`crate::swmr`].
    ///
    /// ```no_run
    /// let file = h5oxide::File::options().swmr(true).open("growing.h5")?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn swmr(mut self, on: bool) -> Self {
        self.swmr = on;
        self
    }

    /// The user block size of files this creates (h5py's `userblock_size`; default 0): that
    /// many bytes at the start of the file are left for the caller (zero-filled), and the
    /// superblock and every address start after them (spec II.A, "Base Address"). Must be 0
    /// or a power of two of at least 512, or [`FileOptions::open`] fails with `Usage`.
    /// Existing files keep their own; files with a user block are read whatever its size.
    ///
    /// ```no_run
    /// use h5oxide::{File, Mode};
    /// let file = File::options().mode(Mode::Create).userblock(512).open("with_ub.h5")?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn userblock(mut self, size: u64) -> Self {
        self.userblock = size;
        self
    }

    /// Whether each commit syncs the file to storage (default: on). With it on, a commit
    /// syncs the new data and metadata, writes the superblock and syncs again, so a crash
    /// or power loss leaves the last committed state (docs/CRASH_SAFETY.md). Off, a commit
    /// writes the same bytes in the same order but leaves them to the operating system, as
    /// libhdf5 does by default: a process killed at any point still leaves the last
    /// committed state (the page cache keeps what was written), a power loss may not.
    /// SWMR write mode always syncs.
    ///
    /// ```no_run
    /// use h5oxide::{File, Mode};
    /// // A scratch file that is rebuilt if the machine goes down: skip the syncs.
    /// let file = File::options().mode(Mode::Create).sync(false).open("scratch.h5")?;
    /// file.root().new_dataset_builder().with_data(&vec![0.0f64; 1 << 20]).create("x")?;
    /// file.close()?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn sync(mut self, on: bool) -> Self {
        self.sync = on;
        self
    }

    fn check_userblock(&self) -> Result<()> {
        if self.userblock != 0 && (self.userblock < 512 || !self.userblock.is_power_of_two()) {
            return Err(Error::Usage(
                "user block size must be 0 or a power of two of at least 512",
            ));
        }
        Ok(())
    }

    /// Opens or creates `path` in the configured mode (read-only by default), taking the
    /// file lock (see [`FileOptions::locking`]).
    ///
    /// A file whose superblock (version 2 or 3) says a writer has it open (its file
    /// consistency flags are set, see [`File::consistency_flags`]) is opened for reading
    /// but not for writing.
    ///
    /// ```
    /// use h5oxide::{File, Mode};
    /// let dir = std::env::temp_dir().join(format!("h5oxide-doc-open-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("a.h5");
    /// // `a`: created because it does not exist yet.
    /// let file = File::options().mode(Mode::Append).open(&path)?;
    /// file.root().create_group("g")?;
    /// file.close()?;
    /// // `r`: read only.
    /// let file = File::options().open(&path)?;
    /// assert_eq!(file.root().member_names()?, ["g"]);
    /// assert!(file.root().create_group("h").is_err());
    /// # drop(file);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `Open` if the file cannot be opened or created (`w-` and the file exists, `r`/`r+`
    /// and it does not); `Locked` if another process holds a conflicting lock;
    /// `ConsistencyFlags` for a writable mode on a file with its consistency flags set;
    /// `Usage` for `swmr(true)` with a writable mode or an invalid user block size;
    /// `Storage` if it is not a valid HDF5 file.
    #[cfg(feature = "fs")]
    pub fn open(&self, path: impl AsRef<Path>) -> Result<File> {
        let path = path.as_ref();
        self.check_userblock()?;
        if self.mode.is_writable() {
            if self.swmr {
                return Err(Error::Usage(
                    "SWMR writing is not supported; swmr(true) needs Mode::Read",
                ));
            }
            return self.open_writable(path);
        }
        let f = std::fs::File::open(path).map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let lock = crate::lock::acquire(&f, path, false, self.locking)?;
        let backend: Box<dyn Backend> = if self.swmr {
            Box::new(crate::swmr::LiveFile::new(f))
        } else {
            #[cfg(feature = "mmap")]
            {
                if self.mmap {
                    Box::new(h5oxide_storage::MmapBackend::new(&f)?)
                } else {
                    Box::new(h5oxide_storage::FileBackend::new(f, false)?)
                }
            }
            #[cfg(not(feature = "mmap"))]
            {
                Box::new(h5oxide_storage::FileBackend::new(f, false)?)
            }
        };
        let file = File::from_backend(
            backend,
            Some(path.to_path_buf()),
            Mode::Read,
            self.limits,
            self.chunk_cache,
        )?;
        Ok(file.with_lock(lock, self.swmr))
    }

    #[cfg(feature = "fs")]
    fn open_writable(&self, path: &Path) -> Result<File> {
        let open_err = |source| Error::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut o = std::fs::OpenOptions::new();
        o.read(true).write(true);
        let exists = path.exists();
        let create = match self.mode {
            Mode::ReadWrite => false,
            Mode::Create => {
                // Truncated below, once the lock is held: another process's open file
                // must not be emptied under it.
                o.create(true).truncate(false);
                true
            }
            Mode::CreateExclusive => {
                o.create_new(true);
                true
            }
            _ => {
                o.create(true);
                !exists
                    || std::fs::metadata(path)
                        .map(|m| m.len() == 0)
                        .unwrap_or(true)
            }
        };
        let f = o.open(path).map_err(open_err)?;
        let lock = crate::lock::acquire(&f, path, true, self.locking)?;
        // An empty file is left as it is: truncating one (even to its own length of 0)
        // makes some file systems (ext4's replace-by-truncate heuristic) flush the whole
        // file when it is closed.
        if self.mode == Mode::Create && f.metadata().map_or(true, |m| m.len() != 0) {
            f.set_len(0).map_err(open_err)?;
        }
        let backend: Box<dyn Backend> = Box::new(h5oxide_storage::FileBackend::new(f, true)?);
        if create {
            crate::write::format_new(&*backend, self.libver, self.userblock, self.sync)?;
        }
        let file = File::from_backend(
            backend,
            Some(path.to_path_buf()),
            self.mode,
            self.limits,
            self.chunk_cache,
        )?;
        file.set_sync(self.sync);
        Ok(file.with_lock(lock, false))
    }

    /// Opens a file held in memory, read-only (or writable when the mode is writable).
    ///
    /// ```
    /// use h5oxide::{File, Mode};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let bytes = std::fs::read(path)?;
    /// // Writable, in memory: the fixture on disk is left alone.
    /// let file = File::options().mode(Mode::ReadWrite).open_bytes(bytes)?;
    /// file.root().create_group("added")?;
    /// assert!(file.root().contains("added"));
    /// assert!(file.root().contains("compact"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `Storage` if the bytes are not a valid HDF5 file; `ConsistencyFlags` for a writable
    /// mode when the superblock's consistency flags are set; `Usage` for an invalid user
    /// block size.
    pub fn open_bytes(&self, bytes: Vec<u8>) -> Result<File> {
        self.check_userblock()?;
        if self.mode.is_writable() {
            let backend: Box<dyn Backend> = Box::new(MemBackend::writable(bytes));
            if matches!(self.mode, Mode::Create | Mode::CreateExclusive) || backend.size() == 0 {
                backend.set_len(0)?;
                crate::write::format_new(&*backend, self.libver, self.userblock, self.sync)?;
            }
            return File::from_backend(backend, None, self.mode, self.limits, self.chunk_cache);
        }
        File::from_backend(
            Box::new(MemBackend::read_only(bytes)),
            None,
            Mode::Read,
            self.limits,
            self.chunk_cache,
        )
    }

    /// Creates a new, empty file held in memory (h5py's `driver="core"` without a backing
    /// store), in this options' format generation.
    ///
    /// ```
    /// use h5oxide::{File, Libver};
    /// let file = File::options().libver(Libver::Latest).in_memory()?;
    /// assert_eq!(file.superblock_version(), 3);
    /// assert_eq!(file.path(), None);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for an invalid user block size; errors encoding the first metadata.
    pub fn in_memory(&self) -> Result<File> {
        self.check_userblock()?;
        let backend: Box<dyn Backend> = Box::new(MemBackend::writable(Vec::new()));
        crate::write::format_new(&*backend, self.libver, self.userblock, self.sync)?;
        File::from_backend(backend, None, Mode::Create, self.limits, self.chunk_cache)
    }

    /// Opens a file stored in any [`Backend`] (a store of your own, or a test tool such as
    /// `h5oxide_storage::fault::FaultBackend`), in the configured mode. In a writable mode
    /// a new file of this options' generation is written first when the backend is empty,
    /// or always for [`Mode::Create`] and [`Mode::CreateExclusive`] (which truncate it).
    /// A read-only mode needs no writable backend.
    ///
    /// # Errors
    /// `Storage` if the bytes are not a valid HDF5 file, or the backend fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use h5oxide::{File, Mode};
    /// use h5oxide_storage::MemBackend;
    ///
    /// let f = File::options()
    ///     .mode(Mode::Create)
    ///     .open_backend(Box::new(MemBackend::writable(Vec::new())))?;
    /// f.root().create_group("g")?;
    /// let back = File::from_bytes(f.to_bytes()?)?;
    /// assert_eq!(back.root().member_names()?, ["g"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn open_backend(&self, backend: Box<dyn Backend>) -> Result<File> {
        if self.mode.is_writable()
            && (matches!(self.mode, Mode::Create | Mode::CreateExclusive) || backend.size() == 0)
        {
            backend.set_len(0)?;
            crate::write::format_new(&*backend, self.libver, self.userblock, self.sync)?;
        }
        let file = File::from_backend(backend, None, self.mode, self.limits, self.chunk_cache)?;
        file.set_sync(self.sync);
        Ok(file)
    }
}

impl File {
    /// Opens `path` read-only (h5py mode `r`), memory-mapped when the `mmap` feature is on
    /// (the default).
    ///
    /// ```
    /// // h5dump: layouts.h5 holds six datasets at the root.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let file = h5oxide::File::open(path)?;
    /// assert_eq!(file.mode(), h5oxide::Mode::Read);
    /// assert_eq!(file.root().member_names()?.len(), 6);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Open` if the file cannot be opened; `Storage` if it is not a valid HDF5 file.
    #[cfg(feature = "fs")]
    pub fn open(path: impl AsRef<Path>) -> Result<File> {
        FileOptions::default().open(path)
    }

    /// Opens a file held in memory, read-only.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let file = h5oxide::File::from_bytes(std::fs::read(path)?)?;
    /// // h5dump: /compact element (3, 4) is 133.
    /// assert_eq!(file.root().dataset("compact")?.read_raw::<i32>()?[19], 133);
    /// assert!(h5oxide::File::from_bytes(b"not an HDF5 file".to_vec()).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `Storage` if the bytes are not a valid HDF5 file.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<File> {
        FileOptions::default().open_bytes(bytes)
    }

    /// Options for opening a file.
    ///
    /// ```
    /// use h5oxide::{File, Mode};
    /// let file = File::options().mode(Mode::Create).in_memory()?;
    /// assert_eq!(file.superblock_version(), 0);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn options() -> FileOptions {
        FileOptions::default()
    }

    /// Creates `path`, truncating an existing file (h5py mode `w`), in the earliest format.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("h5oxide-doc-create-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("c.h5");
    /// h5oxide::File::create(&path)?.root().create_group("old")?;
    /// // `w` truncates: the group is gone.
    /// let file = h5oxide::File::create(&path)?;
    /// assert!(file.root().member_names()?.is_empty());
    /// assert_eq!(file.superblock_version(), 0);
    /// # drop(file);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `Open` if the file cannot be created.
    #[cfg(feature = "fs")]
    pub fn create(path: impl AsRef<Path>) -> Result<File> {
        FileOptions::default().mode(Mode::Create).open(path)
    }

    /// Creates `path`, failing if it exists (h5py mode `w-` or `x`).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("h5oxide-doc-excl-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("x.h5");
    /// h5oxide::File::create_excl(&path)?.close()?;
    /// assert!(matches!(h5oxide::File::create_excl(&path), Err(h5oxide::Error::Open { .. })));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `Open` if the file exists or cannot be created.
    #[cfg(feature = "fs")]
    pub fn create_excl(path: impl AsRef<Path>) -> Result<File> {
        FileOptions::default()
            .mode(Mode::CreateExclusive)
            .open(path)
    }

    /// Opens `path` read-write, creating it if it does not exist (h5py mode `a`).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("h5oxide-doc-append-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("log.h5");
    /// h5oxide::File::append(&path)?.root().create_group("first")?;
    /// // The second time the file exists and keeps what it holds.
    /// let file = h5oxide::File::append(&path)?;
    /// file.root().create_group("second")?;
    /// assert_eq!(file.root().member_names()?, ["first", "second"]);
    /// # drop(file);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `Open` if the file cannot be opened or created; `Storage` if it is not HDF5.
    #[cfg(feature = "fs")]
    pub fn append(path: impl AsRef<Path>) -> Result<File> {
        FileOptions::default().mode(Mode::Append).open(path)
    }

    /// Opens an existing file read-write (h5py mode `r+`).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("h5oxide-doc-rw-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("rw.h5");
    /// assert!(h5oxide::File::open_rw(&path).is_err());
    /// h5oxide::File::create(&path)?.close()?;
    /// let file = h5oxide::File::open_rw(&path)?;
    /// file.root().attrs().set("version", &2u8)?;
    /// assert_eq!(file.root().attrs().get_value::<u8>("version")?, 2);
    /// # drop(file);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// `Open` if the file does not exist or cannot be opened; `Storage` if it is not HDF5.
    #[cfg(feature = "fs")]
    pub fn open_rw(path: impl AsRef<Path>) -> Result<File> {
        FileOptions::default().mode(Mode::ReadWrite).open(path)
    }

    /// Creates a new, empty file held in memory, in the earliest format.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// assert_eq!(file.mode(), h5oxide::Mode::Create);
    /// assert_eq!(file.superblock_version(), 0);
    /// file.root().new_dataset::<u8>().shape([4]).create("d")?;
    /// assert_eq!(file.root().dataset("d")?.read_raw::<u8>()?, [0; 4]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// Errors encoding the first metadata.
    pub fn in_memory() -> Result<File> {
        FileOptions::default().in_memory()
    }

    /// Commits pending changes (see [`crate::write`]) and returns a copy of the file's bytes
    /// (from the superblock on; a user block is not included).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("g")?;
    /// let bytes = file.to_bytes()?;
    /// // Every HDF5 file starts with the format signature (spec II.A).
    /// assert_eq!(bytes[..8], *b"\x89HDF\r\n\x1a\n");
    /// assert_eq!(h5oxide::File::from_bytes(bytes)?.root().member_names()?, ["g"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// Errors committing or reading the file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.flush()?;
        let src = &self.inner.src;
        let len = usize::try_from(src.size()).map_err(|_| Error::Usage("file too large"))?;
        Ok(src.read_at(0, len)?.into_owned())
    }

    /// Commits pending changes and returns the file's bytes, closing this handle.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().new_dataset::<i16>().shape([2]).with_data(&[-1i16, 1]).create("d")?;
    /// let back = h5oxide::File::from_bytes(file.into_bytes()?)?;
    /// assert_eq!(back.root().dataset("d")?.read_raw::<i16>()?, [-1, 1]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`File::to_bytes`].
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        self.to_bytes()
    }

    /// Makes every change so far durable: writes what is pending, syncs, writes the
    /// superblock last and syncs again (see [`crate::write`]). A no-op for read-only files
    /// and when nothing changed.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("h5oxide-doc-flush-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("f.h5");
    /// let file = h5oxide::File::create(&path)?;
    /// file.root().create_group("g")?;
    /// file.flush()?;
    /// // The bytes on disk now hold the group.
    /// let copy = h5oxide::File::from_bytes(std::fs::read(&path)?)?;
    /// assert_eq!(copy.root().member_names()?, ["g"]);
    /// # drop(file);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// I/O errors.
    pub fn flush(&self) -> Result<()> {
        if crate::write::swmr::active(self) {
            return crate::write::swmr::flush(&self.inner);
        }
        // `commit` writes held chunks, extents and links first.
        crate::write::commit(self)
    }

    /// Commits, releases the file lock (see [`crate::lock`]) and closes this handle, as
    /// h5py's and hdf5-rust's `close` close the file: other processes may open it from
    /// now on. Handles that outlive this call (clones, groups, datasets) still read the
    /// file, but changes made through them are no longer protected by the lock; drop them
    /// first when other processes may write the file.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("h5oxide-doc-close-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("c.h5");
    /// let file = h5oxide::File::create(&path)?;
    /// file.root().create_group("g")?;
    /// file.close()?;
    /// // The lock is released: the file opens for writing again.
    /// let again = h5oxide::File::open_rw(&path)?;
    /// assert_eq!(again.root().member_names()?, ["g"]);
    /// # drop(again);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`File::flush`]; the lock is kept when the commit fails.
    pub fn close(self) -> Result<()> {
        self.flush()?;
        let lock = self
            .inner
            .lock
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        drop(lock);
        Ok(())
    }

    /// Sets whether commits sync the file (see [`FileOptions::sync`]).
    fn set_sync(&self, on: bool) {
        if let Some(w) = &self.inner.writer {
            w.lock().unwrap_or_else(|e| e.into_inner()).sync = on;
        }
    }

    fn from_backend(
        backend: Box<dyn Backend>,
        path: Option<PathBuf>,
        mode: Mode,
        limits: Limits,
        cache_bytes: usize,
    ) -> Result<File> {
        let superblock = Superblock::read(&*backend)?;
        let ctx = superblock.context();
        let src = Source {
            backend,
            base: superblock.base_address,
        };
        let writer = if mode.is_writable() {
            // spec II.A, versions 2 and 3: bit 0 "open for write access", bit 2 "open for
            // SWMR write access". libhdf5 refuses writers (and plain readers) of a version 3
            // file with either set; version 2 is refused here too, as the bits mean the same.
            let flags = superblock.consistency_flags & CONSISTENCY_WRITE_FLAGS;
            if superblock.version >= 2 && flags != 0 {
                return Err(Error::ConsistencyFlags {
                    path: path.clone().unwrap_or_default(),
                    flags: superblock.consistency_flags,
                });
            }
            // The stored end-of-file address is absolute (spec II.A); the writer counts
            // from the base address.
            let mut sb = superblock;
            sb.eof_address = sb.eof_address.saturating_sub(sb.base_address);
            Some(Mutex::new(crate::write::WriteState::open(&sb, src.size())?))
        } else {
            None
        };
        Ok(File {
            inner: Arc::new(FileInner {
                src,
                superblock,
                ctx,
                limits,
                path,
                mode,
                headers: Mutex::new(HashMap::new()),
                links: Mutex::new(HashMap::new()),
                forward: Mutex::new(HashMap::new()),
                writer,
                pending: Mutex::new(Default::default()),
                pending_links: Mutex::new(Default::default()),
                chunk_cache: ChunkCache::new(cache_bytes),
                swmr: false,
                swmr_write: Mutex::new(None),
                lock: Mutex::new(None),
            }),
        })
    }

    /// Attaches the lock and SWMR flag to a file just opened (its only handle).
    #[cfg_attr(not(feature = "fs"), allow(dead_code))]
    fn with_lock(mut self, lock: Option<FileLock>, swmr: bool) -> File {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.lock = Mutex::new(lock);
            inner.swmr = swmr;
        }
        self
    }

    /// The superblock's file consistency flags (spec II.A; versions 2 and 3, 0 for older
    /// superblocks): bit 0 set while a writer has the file open, bit 2 while a SWMR writer
    /// has. libhdf5 sets them when it opens a file for writing and clears them when it
    /// closes it, so flags on a file nobody writes mean a writer crashed.
    ///
    /// h5oxide opens such a file for reading (libhdf5 does not, outside SWMR reading) and
    /// reports the flags here, so the caller can decide whether to trust what it reads;
    /// it refuses to open it for writing. `h5ox clear-flags FILE` clears them. h5oxide's
    /// own writer never sets them: its commits keep the file consistent at every moment
    /// (see [`crate::write`]) and the file lock keeps other writers out.
    ///
    /// ```
    /// let file = h5oxide::File::options()
    ///     .libver(h5oxide::Libver::Latest)
    ///     .in_memory()?;
    /// assert_eq!(file.consistency_flags(), 0);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn consistency_flags(&self) -> u32 {
        if self.inner.superblock.version >= 2 {
            self.inner.superblock.consistency_flags
        } else {
            0
        }
    }

    /// True if the file was opened for SWMR reading ([`FileOptions::swmr`]).
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/format_latest_sb3.h5");
    /// assert!(!h5oxide::File::open(path)?.is_swmr());
    /// assert!(h5oxide::File::options().swmr(true).open(path)?.is_swmr());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn is_swmr(&self) -> bool {
        self.inner.swmr
    }

    /// Drops the cached object header at `address`, so the next read goes to the file.
    pub(crate) fn forget_header(&self, address: u64) {
        let address = self.inner.resolve(address);
        let mut cache = self.inner.headers.lock().unwrap_or_else(|e| e.into_inner());
        cache.remove(&address);
    }

    /// The root group `/`.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// assert_eq!(file.root().name(), "/");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn root(&self) -> Group {
        Group::root(self.clone())
    }

    /// The group at `path` (absolute, or relative to the root).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().create_group("a/b")?;
    /// assert_eq!(file.group("/a/b")?.name(), "/a/b");
    /// assert_eq!(file.group("a")?.member_names()?, ["b"]);
    /// assert!(file.group("missing").is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound`, `WrongKind` if the object is not a group; errors reading the file.
    pub fn group(&self, path: &str) -> Result<Group> {
        self.root().group(path)
    }

    /// The superblock version (0 to 3).
    ///
    /// ```
    /// // h5dump -B: SUPERBLOCK_VERSION 0, 2 and 3.
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/");
    /// let version = |name: &str| -> h5oxide::Result<u8> {
    ///     Ok(h5oxide::File::open(format!("{dir}{name}"))?.superblock_version())
    /// };
    /// assert_eq!(version("format_earliest_sb0.h5")?, 0);
    /// assert_eq!(version("format_v18_sb2.h5")?, 2);
    /// assert_eq!(version("format_latest_sb3.h5")?, 3);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn superblock_version(&self) -> u8 {
        self.inner.superblock.version
    }

    /// The path the file was opened from, if any.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// let file = h5oxide::File::open(path)?;
    /// assert_eq!(file.path(), Some(std::path::Path::new(path)));
    /// assert_eq!(h5oxide::File::in_memory()?.path(), None);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The mode the file is open in.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/layouts.h5");
    /// assert_eq!(h5oxide::File::open(path)?.mode(), h5oxide::Mode::Read);
    /// assert_eq!(h5oxide::File::in_memory()?.mode(), h5oxide::Mode::Create);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// The object header at `address`, read once and cached.
    pub(crate) fn header(&self, address: u64) -> Result<Arc<ObjectHeader>> {
        let address = self.inner.resolve(address);
        if let Some(h) = self.cached(address) {
            return Ok(h);
        }
        let i = &self.inner;
        let h = Arc::new(crate::swmr::retry(self, || {
            Ok(read_object_header(&i.src, address, &i.ctx, &i.limits)?)
        })?);
        let mut cache = i.headers.lock().unwrap_or_else(|e| e.into_inner());
        Ok(cache.entry(address).or_insert(h).clone())
    }

    fn cached(&self, address: u64) -> Option<Arc<ObjectHeader>> {
        let cache = self.inner.headers.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(&address).cloned()
    }
}

impl fmt::Display for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .path()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "<memory>".to_owned());
        write!(f, "<HDF5 file \"{name}\" (mode {})>", self.mode().as_str())
    }
}
