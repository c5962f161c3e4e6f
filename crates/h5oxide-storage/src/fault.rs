//! A test tool: a backend that fails on purpose.
//!
//! [`FaultBackend`] wraps another [`Backend`] and counts its *mutating* calls
//! ([`Backend::write_at`], [`Backend::set_len`] and [`Backend::sync`]). The call numbered
//! `at` (counting from 0) fails, and by default every mutating call after it fails too,
//! as if the process had died or the disk had gone away at that point: the wrapped
//! backend then holds exactly the bytes a crash at that call would leave. Reads always go
//! through, so the file can be inspected and reopened afterwards.
//!
//! It is meant for crash-consistency tests of the writer: run a sequence of edits once
//! with no fault to count its calls, then once per call number, and check that the bytes
//! left behind open as a committed state. It is not meant for production use.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::backend::Backend;
use crate::error::StorageError;

/// What happens at the failing call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The call does nothing and returns an I/O error.
    Fail,
    /// A write is cut short: the part of it before the last `sector`-aligned file offset
    /// inside the written range is written, the rest is not, and an I/O error is returned
    /// (a write torn by a crash, where storage writes whole sectors atomically and in
    /// order). A write within one sector writes nothing. `set_len` and `sync` fail as
    /// with [`Fault::Fail`].
    Torn {
        /// The atomic unit of the storage in bytes (512 for disks); 0 is treated as 1.
        sector: u64,
    },
}

/// A [`Backend`] that fails its mutating call number `at` (see the module documentation).
///
/// # Examples
///
/// ```
/// use h5oxide_storage::fault::{Fault, FaultBackend};
/// use h5oxide_storage::{Backend, MemBackend};
///
/// let b = FaultBackend::new(MemBackend::writable(Vec::new()), 1, Fault::Fail);
/// b.write_at(0, b"ok").unwrap(); // call 0
/// assert!(b.sync().is_err()); // call 1: the fault
/// assert!(b.write_at(2, b"lost").is_err()); // after it: the process is gone
/// assert!(b.tripped());
/// assert_eq!(&*b.read_at(0, 2).unwrap(), b"ok");
/// assert_eq!(b.into_inner().into_bytes(), b"ok");
/// ```
#[derive(Debug)]
pub struct FaultBackend<B: Backend> {
    inner: B,
    at: u64,
    fault: Fault,
    sticky: bool,
    calls: AtomicU64,
    tripped: AtomicBool,
}

impl<B: Backend> FaultBackend<B> {
    /// Wraps `inner`; mutating call number `at` (from 0) fails with `fault`, and every
    /// mutating call after it fails. `u64::MAX` never fails: use it to count the calls.
    pub fn new(inner: B, at: u64, fault: Fault) -> Self {
        FaultBackend {
            inner,
            at,
            fault,
            sticky: true,
            calls: AtomicU64::new(0),
            tripped: AtomicBool::new(false),
        }
    }

    /// Makes the fault transient: only call number `at` fails; later calls go through (an
    /// I/O error the program survives, as opposed to a crash).
    pub fn transient(mut self) -> Self {
        self.sticky = false;
        self
    }

    /// Mutating calls made so far, failed ones included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Acquire)
    }

    /// Whether the fault has happened.
    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::Acquire)
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// Unwraps the backend.
    pub fn into_inner(self) -> B {
        self.inner
    }

    /// Counts a mutating call; `Some(fault)` if it must fail (and how), `None` to pass it.
    fn next(&self) -> Option<Fault> {
        let n = self.calls.fetch_add(1, Ordering::AcqRel);
        if n == self.at {
            self.tripped.store(true, Ordering::Release);
            return Some(self.fault);
        }
        if self.sticky && self.tripped() {
            return Some(Fault::Fail);
        }
        None
    }
}

fn injected(op: &'static str, offset: u64) -> StorageError {
    StorageError::Io {
        op,
        offset,
        source: std::io::Error::other("injected fault"),
    }
}

impl<B: Backend> Backend for FaultBackend<B> {
    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, StorageError> {
        self.inner.read_at(offset, len)
    }

    fn size(&self) -> u64 {
        self.inner.size()
    }

    fn write_at(&self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        match self.next() {
            None => self.inner.write_at(offset, data),
            Some(Fault::Fail) => Err(injected("write", offset)),
            Some(Fault::Torn { sector }) => {
                let sector = sector.max(1);
                let end = offset.saturating_add(data.len() as u64);
                // The last sector boundary inside (offset, end): what precedes it is on disk.
                let cut = end - end % sector;
                if cut > offset {
                    let keep = usize::try_from(cut - offset).unwrap_or(data.len());
                    self.inner.write_at(offset, &data[..keep.min(data.len())])?;
                }
                Err(injected("write", offset))
            }
        }
    }

    fn set_len(&self, len: u64) -> Result<(), StorageError> {
        match self.next() {
            None => self.inner.set_len(len),
            Some(_) => Err(injected("set_len", len)),
        }
    }

    fn sync(&self) -> Result<(), StorageError> {
        match self.next() {
            None => self.inner.sync(),
            Some(_) => Err(injected("sync", 0)),
        }
    }

    fn is_writable(&self) -> bool {
        self.inner.is_writable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemBackend;

    #[test]
    fn counts_calls_and_never_fails_at_max() {
        let b = FaultBackend::new(MemBackend::writable(vec![]), u64::MAX, Fault::Fail);
        b.write_at(0, &[1, 2]).unwrap();
        b.set_len(4).unwrap();
        b.sync().unwrap();
        assert_eq!(b.calls(), 3);
        assert!(!b.tripped());
        assert_eq!(b.into_inner().into_bytes(), [1, 2, 0, 0]);
    }

    #[test]
    fn torn_writes_keep_whole_leading_sectors() {
        let b = FaultBackend::new(
            MemBackend::writable(vec![0; 16]),
            0,
            Fault::Torn { sector: 4 },
        );
        // Bytes 2..13: sectors end at 4, 8, 12; bytes 2..12 are written, 12 is not.
        assert!(b.write_at(2, &[7; 11]).is_err());
        let mut want = vec![0u8; 16];
        want[2..12].fill(7);
        assert_eq!(b.inner().to_bytes(), want);
        // Sticky: the next write fails whole.
        assert!(b.write_at(0, &[9]).is_err());
        assert_eq!(b.inner().to_bytes(), want);

        // A write inside one sector writes nothing.
        let b = FaultBackend::new(
            MemBackend::writable(vec![0; 8]),
            0,
            Fault::Torn { sector: 512 },
        );
        assert!(b.write_at(0, &[5; 96]).is_err());
        assert_eq!(b.inner().size(), 8);
        assert_eq!(b.into_inner().into_bytes(), [0; 8]);
    }

    #[test]
    fn transient_faults_fail_one_call() {
        let b = FaultBackend::new(MemBackend::writable(vec![]), 1, Fault::Fail).transient();
        b.write_at(0, &[1]).unwrap();
        assert!(b.write_at(1, &[2]).is_err());
        b.write_at(2, &[3]).unwrap();
        assert!(b.tripped());
        assert_eq!(b.into_inner().into_bytes(), [1, 0, 3]);
    }
}
