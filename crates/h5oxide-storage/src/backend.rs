//! Storage backends: where a file's bytes live. Every backend can be shared between threads;
//! reads take `&self` and never need a lock for mmap and positional I/O.

use std::borrow::Cow;
use std::fmt;
use std::sync::RwLock;

use h5oxide_format::source::out_of_range;
use h5oxide_format::ReadAt;

use crate::error::StorageError;

/// A byte store a file is read from and written to.
pub trait Backend: Send + Sync + fmt::Debug {
    /// Returns exactly `len` bytes from `offset`.
    ///
    /// # Errors
    /// `AddressOutOfRange` for a range past the end; I/O errors.
    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, StorageError>;

    /// The current size in bytes.
    fn size(&self) -> u64;

    /// Writes `data` at `offset`, growing the store if needed.
    ///
    /// # Errors
    /// `ReadOnly` if the backend was opened for reading; I/O errors.
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<(), StorageError>;

    /// Truncates or extends the store to `len` bytes.
    ///
    /// # Errors
    /// `ReadOnly`; I/O errors.
    fn set_len(&self, len: u64) -> Result<(), StorageError>;

    /// Makes everything written so far durable (fsync for files).
    ///
    /// # Errors
    /// I/O errors.
    fn sync(&self) -> Result<(), StorageError>;

    /// True if writes are allowed.
    fn is_writable(&self) -> bool;
}

impl ReadAt for dyn Backend + '_ {
    type Error = StorageError;

    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, StorageError> {
        Backend::read_at(self, offset, len)
    }

    fn size(&self) -> u64 {
        Backend::size(self)
    }
}

fn check_range(offset: u64, len: usize, size: u64) -> Result<(), StorageError> {
    match offset.checked_add(len as u64) {
        Some(end) if end <= size => Ok(()),
        _ => Err(out_of_range(offset, size, "read").into()),
    }
}

/// A file held in memory: the backend for wasm, for `File::from_bytes` and `File::in_memory`.
#[derive(Debug, Default)]
pub struct MemBackend {
    data: RwLock<Vec<u8>>,
    writable: bool,
}

impl MemBackend {
    /// A read-only backend over `data`.
    pub fn read_only(data: Vec<u8>) -> Self {
        MemBackend {
            data: RwLock::new(data),
            writable: false,
        }
    }

    /// A writable backend starting with `data`.
    pub fn writable(data: Vec<u8>) -> Self {
        MemBackend {
            data: RwLock::new(data),
            writable: true,
        }
    }

    /// The bytes of the file.
    pub fn into_bytes(self) -> Vec<u8> {
        self.data.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the bytes of the file.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.data.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Backend for MemBackend {
    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, StorageError> {
        let data = self.data.read().unwrap_or_else(|e| e.into_inner());
        check_range(offset, len, data.len() as u64)?;
        let start = offset as usize;
        Ok(Cow::Owned(data[start..start + len].to_vec()))
    }

    fn size(&self) -> u64 {
        self.data.read().unwrap_or_else(|e| e.into_inner()).len() as u64
    }

    fn write_at(&self, offset: u64, bytes: &[u8]) -> Result<(), StorageError> {
        if !self.writable {
            return Err(StorageError::ReadOnly);
        }
        let mut data = self.data.write().unwrap_or_else(|e| e.into_inner());
        let end = usize::try_from(offset)
            .ok()
            .and_then(|o| o.checked_add(bytes.len()))
            .ok_or_else(|| StorageError::from(out_of_range(offset, data.len() as u64, "write")))?;
        if end > data.len() {
            data.resize(end, 0);
        }
        data[offset as usize..end].copy_from_slice(bytes);
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), StorageError> {
        if !self.writable {
            return Err(StorageError::ReadOnly);
        }
        let len = usize::try_from(len)
            .map_err(|_| StorageError::from(out_of_range(len, 0, "set_len")))?;
        self.data
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .resize(len, 0);
        Ok(())
    }

    fn sync(&self) -> Result<(), StorageError> {
        Ok(())
    }

    fn is_writable(&self) -> bool {
        self.writable
    }
}

#[cfg(feature = "fs")]
mod file {
    use super::*;
    use std::fs::File;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A file on disk read and written with positional I/O (a locked seek and read where the
    /// platform has none, as on WASI): no shared cursor on Unix and Windows, so threads
    /// read concurrently without a lock.
    #[derive(Debug)]
    pub struct FileBackend {
        file: File,
        size: AtomicU64,
        writable: bool,
        /// Serialises seek + read/write where there is no positional I/O.
        #[cfg(not(any(unix, windows)))]
        cursor: std::sync::Mutex<()>,
    }

    impl FileBackend {
        /// Wraps an open file; `writable` must match how it was opened.
        ///
        /// # Errors
        /// I/O errors reading its metadata.
        pub fn new(file: File, writable: bool) -> Result<Self, StorageError> {
            let size = file
                .metadata()
                .map_err(|source| StorageError::Io {
                    op: "stat",
                    offset: 0,
                    source,
                })?
                .len();
            Ok(FileBackend {
                file,
                size: AtomicU64::new(size),
                writable,
                #[cfg(not(any(unix, windows)))]
                cursor: std::sync::Mutex::new(()),
            })
        }

        /// The open file.
        pub fn file(&self) -> &File {
            &self.file
        }
    }

    #[cfg(unix)]
    fn pread(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(f, buf, offset)
    }

    #[cfg(unix)]
    fn pwrite(f: &File, buf: &[u8], offset: u64) -> std::io::Result<()> {
        std::os::unix::fs::FileExt::write_all_at(f, buf, offset)
    }

    #[cfg(windows)]
    fn pread(f: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
        use std::os::windows::fs::FileExt;
        while !buf.is_empty() {
            let n = f.seek_read(buf, offset)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            buf = &mut buf[n..];
            offset += n as u64;
        }
        Ok(())
    }

    #[cfg(windows)]
    fn pwrite(f: &File, mut buf: &[u8], mut offset: u64) -> std::io::Result<()> {
        use std::os::windows::fs::FileExt;
        while !buf.is_empty() {
            let n = f.seek_write(buf, offset)?;
            buf = &buf[n..];
            offset += n as u64;
        }
        Ok(())
    }

    // Elsewhere (WASI: its positional `FileExt` is unstable in std) seek and read through the
    // shared cursor; callers hold `FileBackend::cursor` so concurrent reads cannot interleave.
    #[cfg(not(any(unix, windows)))]
    fn pread(mut f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        f.seek(SeekFrom::Start(offset))?;
        f.read_exact(buf)
    }

    #[cfg(not(any(unix, windows)))]
    fn pwrite(mut f: &File, buf: &[u8], offset: u64) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom, Write};
        f.seek(SeekFrom::Start(offset))?;
        f.write_all(buf)
    }

    impl Backend for FileBackend {
        fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, StorageError> {
            check_range(offset, len, self.size())?;
            let mut buf = vec![0u8; len];
            #[cfg(not(any(unix, windows)))]
            let _cursor = self.cursor.lock().unwrap_or_else(|e| e.into_inner());
            pread(&self.file, &mut buf, offset).map_err(|source| StorageError::Io {
                op: "read",
                offset,
                source,
            })?;
            Ok(Cow::Owned(buf))
        }

        fn size(&self) -> u64 {
            self.size.load(Ordering::Acquire)
        }

        fn write_at(&self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
            if !self.writable {
                return Err(StorageError::ReadOnly);
            }
            #[cfg(not(any(unix, windows)))]
            let _cursor = self.cursor.lock().unwrap_or_else(|e| e.into_inner());
            pwrite(&self.file, data, offset).map_err(|source| StorageError::Io {
                op: "write",
                offset,
                source,
            })?;
            self.size
                .fetch_max(offset + data.len() as u64, Ordering::AcqRel);
            Ok(())
        }

        fn set_len(&self, len: u64) -> Result<(), StorageError> {
            if !self.writable {
                return Err(StorageError::ReadOnly);
            }
            self.file.set_len(len).map_err(|source| StorageError::Io {
                op: "set_len",
                offset: len,
                source,
            })?;
            self.size.store(len, Ordering::Release);
            Ok(())
        }

        fn sync(&self) -> Result<(), StorageError> {
            self.file.sync_data().map_err(|source| StorageError::Io {
                op: "sync",
                offset: 0,
                source,
            })
        }

        fn is_writable(&self) -> bool {
            self.writable
        }
    }
}
#[cfg(feature = "fs")]
pub use file::FileBackend;

#[cfg(feature = "mmap")]
mod mmap {
    use super::*;
    use std::fs::File;

    /// A file mapped read-only into memory: reads borrow straight from the page cache.
    #[derive(Debug)]
    pub struct MmapBackend {
        map: memmap2::Mmap,
    }

    impl MmapBackend {
        /// Maps `file` read-only.
        ///
        /// # Errors
        /// I/O errors from the mapping.
        pub fn new(file: &File) -> Result<Self, StorageError> {
            // SAFETY: the mapping is read-only. Another process truncating or rewriting the
            // file while it is mapped could change bytes under us (or raise SIGBUS on
            // truncation); that is the documented risk of mmap that every reader of a shared
            // file accepts, and the reason writers and SWMR readers use `FileBackend` instead.
            let map = unsafe { memmap2::Mmap::map(file) }.map_err(|source| StorageError::Io {
                op: "mmap",
                offset: 0,
                source,
            })?;
            Ok(MmapBackend { map })
        }
    }

    impl Backend for MmapBackend {
        fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, StorageError> {
            check_range(offset, len, self.map.len() as u64)?;
            let start = offset as usize;
            Ok(Cow::Borrowed(&self.map[start..start + len]))
        }

        fn size(&self) -> u64 {
            self.map.len() as u64
        }

        fn write_at(&self, _offset: u64, _data: &[u8]) -> Result<(), StorageError> {
            Err(StorageError::ReadOnly)
        }

        fn set_len(&self, _len: u64) -> Result<(), StorageError> {
            Err(StorageError::ReadOnly)
        }

        fn sync(&self) -> Result<(), StorageError> {
            Ok(())
        }

        fn is_writable(&self) -> bool {
            false
        }
    }
}
#[cfg(feature = "mmap")]
pub use mmap::MmapBackend;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_backend_reads_writes_and_bounds() {
        let b = MemBackend::writable(vec![1, 2, 3]);
        b.write_at(5, &[9, 9]).unwrap();
        assert_eq!(b.size(), 7);
        assert_eq!(&*Backend::read_at(&b, 2, 4).unwrap(), &[3, 0, 0, 9]);
        assert!(Backend::read_at(&b, 6, 2).is_err());
        assert!(Backend::read_at(&b, u64::MAX, 2).is_err());
        let ro = MemBackend::read_only(vec![0; 4]);
        assert!(matches!(ro.write_at(0, &[1]), Err(StorageError::ReadOnly)));
    }
}
