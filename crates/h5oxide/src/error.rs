//! Errors of the public API, split by cause: a bad file, I/O, caller misuse, a limit.

use std::path::PathBuf;

use h5oxide_format::FormatError;
use h5oxide_storage::StorageError;

/// Everything that can go wrong using h5oxide.
///
/// ```
/// use h5oxide::Error;
/// let file = h5oxide::File::in_memory()?;
/// match file.root().dataset("missing") {
///     Err(Error::NotFound { what, name }) => {
///         assert_eq!(what, "object");
///         assert!(name.contains("missing"));
///     }
///     other => panic!("unexpected: {other:?}"),
/// }
/// // A file that is not HDF5 is a format error, not a panic.
/// assert!(matches!(h5oxide::File::from_bytes(vec![0; 64]), Err(Error::Storage(_))));
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file's bytes are malformed, or an I/O error occurred reading or writing them.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Opening or creating the file failed.
    #[error("unable to open file {path}: {source}")]
    Open {
        /// The file's path.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// No object, link or attribute of that name exists.
    #[error("{what} not found: {name}")]
    NotFound {
        /// What was looked for ("object", "attribute", ...).
        what: &'static str,
        /// The name or path.
        name: String,
    },
    /// Creating something whose name already exists.
    #[error("unable to create {what} (name already exists): {name}")]
    AlreadyExists {
        /// What was being created.
        what: &'static str,
        /// The name or path.
        name: String,
    },
    /// The object at a path is not of the kind the call needs.
    #[error("{name} is not a {expected}")]
    WrongKind {
        /// The object's path.
        name: String,
        /// The kind the call needs ("group", "dataset", ...).
        expected: &'static str,
    },
    /// A soft or external link could not be followed (dangling, cyclic, or too many hops),
    /// or a user-defined link was met on a path (h5oxide does not follow those).
    #[error("unable to follow link {name}: {reason}")]
    Link {
        /// The link's path.
        name: String,
        /// Why ("dangling soft link", [`crate::external_link::NOT_FOUND`], "too many soft
        /// link hops (a cycle?)", ...).
        reason: &'static str,
    },
    /// The call is not valid for this object or its arguments are inconsistent.
    #[error("{0}")]
    Usage(&'static str),
    /// Resizing a dataset past its maximum shape in one dimension (worded as h5py words it).
    #[error(
        "Unable to extend dataset (dimension cannot exceed the existing maximal size (new: {requested} max: {max}))"
    )]
    ResizeBeyondMax {
        /// The requested size of the dimension.
        requested: u64,
        /// The dimension's maximum size.
        max: u64,
    },
    /// `require_dataset` found a dataset whose shape or type differs from the one asked for
    /// (worded as h5py words it: "Shapes do not match (existing (10,) vs new (20,))",
    /// "Datatypes cannot be safely cast (existing <i2 vs new <f8)").
    #[error("{reason}")]
    Incompatible {
        /// The existing dataset's path.
        name: String,
        /// What differs.
        reason: String,
    },
    /// Resizing a dataset that is not chunked (only chunked datasets have a maximum shape
    /// beyond their shape).
    #[error("Only chunked datasets can be resized")]
    ResizeNotChunked,
    /// The file is open read-only.
    #[error("the file is open read-only")]
    ReadOnly,
    /// The file's lock could not be taken: another process (libhdf5 or h5oxide) has it
    /// open for writing, or has it open at all and this open is for writing (see
    /// [`crate::lock`]).
    #[error(
        "unable to lock file {}, errno = {}, error message = '{source}' (file is already open \
         by another process; HDF5_USE_FILE_LOCKING=FALSE disables locking)",
        .path.display(),
        .source.raw_os_error().map_or_else(|| "?".to_owned(), |c| c.to_string())
    )]
    Locked {
        /// The file's path.
        path: PathBuf,
        /// The operating system's error (`EWOULDBLOCK` when the lock is held elsewhere).
        #[source]
        source: std::io::Error,
    },
    /// The superblock's file consistency flags say a writer has the file open, or had it
    /// open and did not close it (spec II.A, superblock versions 2 and 3), so it is not
    /// opened for writing. `h5ox clear-flags FILE` (or libhdf5's `h5clear -s FILE`) clears
    /// them once no writer is running.
    #[error(
        "file {} is already open for write (consistency flags {flags:#04x}; may use \
         `h5ox clear-flags FILE` or `h5clear -s FILE` to clear file consistency flags)",
        .path.display()
    )]
    ConsistencyFlags {
        /// The file's path (empty for files in memory).
        path: PathBuf,
        /// The flags as stored.
        flags: u32,
    },
}

impl From<FormatError> for Error {
    fn from(e: FormatError) -> Self {
        Error::Storage(StorageError::Format(e))
    }
}

/// Shorthand for results of the public API.
///
/// ```
/// fn count_members(file: &h5oxide::File) -> h5oxide::Result<usize> {
///     file.root().len()
/// }
/// assert_eq!(count_members(&h5oxide::File::in_memory()?)?, 0);
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub type Result<T> = std::result::Result<T, Error>;
