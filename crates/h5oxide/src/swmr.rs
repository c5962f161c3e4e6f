//! Reading a file while another process writes it: libhdf5's single-writer / multiple-reader
//! (SWMR) mode, reader side.
//!
//! A libhdf5 SWMR writer (`H5Fstart_swmr_write`, or a file opened with
//! `H5F_ACC_SWMR_WRITE`) keeps the file readable at every moment: it writes metadata in an
//! order where every structure a reader can reach is complete, and extends datasets by
//! appending chunks and rewriting their index and object header. A reader that opens the
//! file with [`FileOptions::swmr(true)`](crate::FileOptions::swmr):
//!
//! - reads with positional I/O and sees the file's current length on every read (no memory
//!   map of the length at open time), so structures written after the open are reachable;
//! - calls [`Dataset::refresh`] to see a dataset's new extent: it forgets the cached object
//!   header, reads it again (dataspace, layout and the index address in it) and retries
//!   when a metadata checksum does not match, which happens when a read races the
//!   writer's rewrite of the same block (see [`is_transient`]);
//! - retries object header reads the same way everywhere (up to [`READ_ATTEMPTS`]
//!   attempts, libhdf5's default for SWMR readers), so a group listing or attribute read
//!   racing the writer succeeds too.
//!
//! Reads of a chunk index (extensible array, B-tree) are not retried inside a dataset
//! read; a read that fails with a [transient](is_transient) error can be repeated by the
//! caller, or retried with [`Dataset::read_retrying`].
//!
//! The writer side is [`File::start_swmr_write`]: appends to chunked datasets written in
//! an order a libhdf5 SWMR reader can follow (see `docs/CONCURRENCY.md`).

use std::borrow::Cow;
use std::time::Duration;

use h5oxide_format::ErrorKind;
use h5oxide_storage::{Backend, StorageError};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::file::File;

/// How many times a metadata read that fails its checksum is attempted in SWMR mode
/// (libhdf5's default for SWMR readers, `H5Pset_metadata_read_attempts`).
///
/// ```
/// // libhdf5's default metadata read attempts for SWMR readers (H5F_SWMR_METADATA_READ_ATTEMPTS).
/// assert_eq!(h5oxide::swmr::READ_ATTEMPTS, 100);
/// ```
pub const READ_ATTEMPTS: u32 = 100;

/// True when `e` is what a read racing a SWMR writer looks like, and may succeed when
/// repeated: a checksum mismatch (a block read while it was rewritten), a bad signature or
/// an address past the end of the file (a block the writer has allocated but not yet
/// written).
///
/// ```
/// use h5oxide::swmr::is_transient;
/// use h5oxide::{File, Libver};
/// // A version 3 superblock ends with its checksum (spec II.A): bytes 44 to 47 of a file
/// // with 8-byte addresses. A damaged checksum reads like a block being rewritten.
/// let mut bytes = File::options().libver(Libver::Latest).in_memory()?.into_bytes()?;
/// bytes[45] ^= 0xff;
/// assert!(is_transient(&File::from_bytes(bytes).unwrap_err()));
/// let file = File::in_memory()?;
/// let missing = file.root().group("nothing").unwrap_err();
/// assert!(!is_transient(&missing));
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub fn is_transient(e: &Error) -> bool {
    matches!(
        e,
        Error::Storage(StorageError::Format(f)) if matches!(
            f.kind,
            ErrorKind::ChecksumMismatch { .. }
                | ErrorKind::BadSignature { .. }
                | ErrorKind::AddressOutOfRange { .. }
        )
    )
}

/// Runs `f` until it succeeds or fails with something other than a [transient](is_transient)
/// error, at most [`READ_ATTEMPTS`] times when `file` was opened for SWMR reading (once
/// otherwise).
pub(crate) fn retry<T>(file: &File, mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let attempts = if file.is_swmr() { READ_ATTEMPTS } else { 1 };
    let mut n = 1;
    loop {
        match f() {
            Err(e) if n < attempts && is_transient(&e) => {
                n += 1;
                // Give the writer a moment to finish the block it is rewriting.
                std::thread::sleep(Duration::from_millis(1));
            }
            r => return r,
        }
    }
}

impl Dataset {
    /// Reads the dataset's object header again, bypassing the header cache, so that its
    /// shape, layout and chunk index are the ones a concurrent writer has written by now
    /// (h5py's `Dataset.refresh`). Checksum mismatches from racing the writer are retried
    /// when the file was opened with [`FileOptions::swmr(true)`](crate::FileOptions::swmr).
    ///
    /// Without SWMR mode the file may be memory-mapped at its length when opened, and bytes
    /// appended later are not visible; open with `swmr(true)` to follow a writer.
    ///
    /// ```no_run
    /// let file = h5oxide::File::options().swmr(true).open("growing.h5")?;
    /// let mut ds = file.root().dataset("data")?;
    /// loop {
    ///     ds.refresh()?;
    ///     println!("{} rows", ds.shape()[0]);
    ///     # break;
    /// }
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// Errors reading the object header (after the retries, in SWMR mode); `WrongKind` if
    /// the object is no longer a dataset.
    pub fn refresh(&mut self) -> Result<()> {
        let file = self.file().clone();
        let address = self.address();
        let name = self.name().to_owned();
        // A writer may rewrite a chunk where it was (same address, new bytes): drop the
        // decoded copies of this dataset's chunks too.
        file.inner.chunk_cache.invalidate(|k| k.0 == address);
        let fresh = retry(&file, || {
            file.forget_header(address);
            Dataset::new(file.clone(), address, name.clone())
        })?;
        *self = fresh;
        Ok(())
    }

    /// Runs a read of this dataset (any of its read methods), repeating it while it fails
    /// with a [transient](is_transient) error, at most [`READ_ATTEMPTS`] times when the
    /// file was opened for SWMR reading (once otherwise): chunk index reads racing a SWMR
    /// writer are retried as libhdf5 retries them.
    ///
    /// ```no_run
    /// let file = h5oxide::File::options().swmr(true).open("growing.h5")?;
    /// let mut ds = file.root().dataset("data")?;
    /// ds.refresh()?;
    /// let rows = ds.read_retrying(|d| d.read_1d::<i64>())?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The read's last error.
    pub fn read_retrying<T>(&self, mut read: impl FnMut(&Dataset) -> Result<T>) -> Result<T> {
        retry(self.file(), || read(self))
    }
}

/// A file read with positional I/O whose size is asked of the file system on every call, so
/// a reader sees what a concurrent writer appended (a memory map or a size taken at open
/// would not).
#[derive(Debug)]
#[cfg_attr(not(feature = "fs"), allow(dead_code))]
pub(crate) struct LiveFile {
    file: std::fs::File,
}

#[cfg_attr(not(feature = "fs"), allow(dead_code))]
impl LiveFile {
    pub(crate) fn new(file: std::fs::File) -> Self {
        LiveFile { file }
    }
}

impl Backend for LiveFile {
    fn read_at(&self, offset: u64, len: usize) -> std::result::Result<Cow<'_, [u8]>, StorageError> {
        let size = self.size();
        if offset.checked_add(len as u64).is_none_or(|end| end > size) {
            return Err(h5oxide_format::source::out_of_range(offset, size, "read").into());
        }
        let mut buf = vec![0u8; len];
        read_exact_at(&self.file, &mut buf, offset).map_err(|source| StorageError::Io {
            op: "read",
            offset,
            source,
        })?;
        Ok(Cow::Owned(buf))
    }

    fn size(&self) -> u64 {
        self.file.metadata().map(|m| m.len()).unwrap_or(0)
    }

    fn write_at(&self, _offset: u64, _data: &[u8]) -> std::result::Result<(), StorageError> {
        Err(StorageError::ReadOnly)
    }

    fn set_len(&self, _len: u64) -> std::result::Result<(), StorageError> {
        Err(StorageError::ReadOnly)
    }

    fn sync(&self) -> std::result::Result<(), StorageError> {
        Ok(())
    }

    fn is_writable(&self) -> bool {
        false
    }
}

#[cfg(unix)]
#[cfg_attr(not(feature = "fs"), allow(dead_code))]
fn read_exact_at(f: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(f, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(f: &std::fs::File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(f, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn read_exact_at(f: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    // No positional reads here: a private clone of the descriptor shares the cursor, so
    // this path is for single-threaded platforms (WASI) only.
    let mut f = f;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}
