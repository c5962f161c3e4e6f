//! Opening files: the backend, the superblock, and the state every handle shares.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use h5oxide_format::object_header::{read_object_header, ObjectHeader};
use h5oxide_format::superblock::Superblock;
use h5oxide_format::{Context, Limits, ReadAt};
use h5oxide_storage::{Backend, MemBackend, StorageError};

use crate::error::{Error, Result};
use crate::group::Group;

/// How a file is opened, named as h5py names its modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// `r`: read only; the file must exist.
    Read,
}

impl Mode {
    /// The h5py spelling of the mode.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Read => "r",
        }
    }
}

/// The file's bytes as the codec sees them: offsets relative to the superblock's base
/// address (spec II.A, "Base Address"), so a userblock is invisible above this layer.
#[derive(Debug)]
pub(crate) struct Source {
    backend: Box<dyn Backend>,
    base: u64,
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
    /// Each group's links sorted by name, by group address: a path lookup is a binary
    /// search once a group has been listed.
    pub(crate) links: Mutex<HashMap<u64, crate::group::SortedLinks>>,
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
#[derive(Clone, Debug)]
pub struct File {
    pub(crate) inner: Arc<FileInner>,
}

/// Options for opening a file: limits and the backend.
#[derive(Debug, Clone)]
pub struct FileOptions {
    limits: Limits,
    mmap: bool,
}

impl Default for FileOptions {
    fn default() -> Self {
        FileOptions {
            limits: Limits::DEFAULT,
            mmap: cfg!(feature = "mmap"),
        }
    }
}

impl FileOptions {
    /// Resource limits for reading untrusted files (see [`Limits`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Memory-map the file for reading (the default where the `mmap` feature is on), or use
    /// positional reads.
    pub fn mmap(mut self, on: bool) -> Self {
        self.mmap = on;
        self
    }

    /// Opens `path` read-only (h5py mode `r`).
    ///
    /// # Errors
    /// `Open` if the file cannot be opened; `Storage` if it is not a valid HDF5 file.
    #[cfg(feature = "fs")]
    pub fn open(&self, path: impl AsRef<Path>) -> Result<File> {
        let path = path.as_ref();
        let f = std::fs::File::open(path).map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let backend: Box<dyn Backend> = {
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
        File::from_backend(backend, Some(path.to_path_buf()), Mode::Read, self.limits)
    }

    /// Opens a file held in memory, read-only.
    ///
    /// # Errors
    /// `Storage` if the bytes are not a valid HDF5 file.
    pub fn open_bytes(&self, bytes: Vec<u8>) -> Result<File> {
        File::from_backend(
            Box::new(MemBackend::read_only(bytes)),
            None,
            Mode::Read,
            self.limits,
        )
    }
}

impl File {
    /// Opens `path` read-only (h5py mode `r`), memory-mapped.
    ///
    /// # Errors
    /// `Open` if the file cannot be opened; `Storage` if it is not a valid HDF5 file.
    #[cfg(feature = "fs")]
    pub fn open(path: impl AsRef<Path>) -> Result<File> {
        FileOptions::default().open(path)
    }

    /// Opens a file held in memory, read-only.
    ///
    /// # Errors
    /// `Storage` if the bytes are not a valid HDF5 file.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<File> {
        FileOptions::default().open_bytes(bytes)
    }

    /// Options for opening a file.
    pub fn options() -> FileOptions {
        FileOptions::default()
    }

    fn from_backend(
        backend: Box<dyn Backend>,
        path: Option<PathBuf>,
        mode: Mode,
        limits: Limits,
    ) -> Result<File> {
        let superblock = Superblock::read(&*backend)?;
        let ctx = superblock.context();
        let src = Source {
            backend,
            base: superblock.base_address,
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
            }),
        })
    }

    /// The root group `/`.
    pub fn root(&self) -> Group {
        Group::root(self.clone())
    }

    /// The group at `path` (absolute, or relative to the root).
    ///
    /// # Errors
    /// `NotFound`, `WrongKind` if the object is not a group; errors reading the file.
    pub fn group(&self, path: &str) -> Result<Group> {
        self.root().group(path)
    }

    /// The superblock version (0 to 3).
    pub fn superblock_version(&self) -> u8 {
        self.inner.superblock.version
    }

    /// The path the file was opened from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The mode the file is open in.
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// The object header at `address`, read once and cached.
    pub(crate) fn header(&self, address: u64) -> Result<Arc<ObjectHeader>> {
        if let Some(h) = self.cached(address) {
            return Ok(h);
        }
        let i = &self.inner;
        let h = Arc::new(read_object_header(&i.src, address, &i.ctx, &i.limits)?);
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
