//! Raw data in external files: the External Data Files message (spec IV.A.2.h) lists
//! pieces of files (name in a local heap, byte offset, size) that, end to end, hold a
//! contiguous dataset's bytes.
//!
//! As in libhdf5 (`H5D__efl_read`), a piece that is shorter on disk than its listed size
//! reads as zeros past the file's end, while reading past the last piece, or a file that
//! does not exist, is an error.
//!
//! Relative names are looked up under a prefix: the one given to
//! [`Dataset::read_bytes_selection_with_efile_prefix`], else the `HDF5_EXTFILE_PREFIX`
//! environment variable, else the folder of the HDF5 file. A prefix starting with
//! `${ORIGIN}` has that replaced by the HDF5 file's folder. libhdf5 and h5py use the
//! working folder when neither a prefix nor the variable is set; h5oxide uses the file's
//! folder instead, so a file and its raw data files can be read from anywhere; pass `""`
//! as the prefix for libhdf5's behaviour.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use h5oxide_format::heap::local::{name_at, LocalHeap};
use h5oxide_format::object_header::message::external::ExternalFiles;
use h5oxide_format::object_header::message::Message;
use h5oxide_format::{ErrorKind, FormatError};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::external_link::{expand_origin, origin_dir};
use crate::file::File;
use crate::selection::Selection;

/// The variable libhdf5 reads for the external raw data file prefix.
///
/// ```
/// assert_eq!(h5oxide::external_storage::EXTFILE_PREFIX_VAR, "HDF5_EXTFILE_PREFIX");
/// ```
pub const EXTFILE_PREFIX_VAR: &str = "HDF5_EXTFILE_PREFIX";

const STRUCTURE: &str = "external data files";

/// One piece of a dataset's raw data in an external file.
///
/// ```
/// use h5oxide::external_storage::ExternalFile;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/external_raw.h5");
/// let ds = h5oxide::File::open(path)?.root().dataset("one_file_f64_be")?;
/// let want = ExternalFile { name: "external_raw_c.bin".into(), offset: 0, size: 96 };
/// assert_eq!(ds.external_files()?, [want]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalFile {
    /// The file name as stored.
    pub name: String,
    /// Byte offset of the piece in the file.
    pub offset: u64,
    /// Bytes of the piece (`u64::MAX`: unlimited).
    pub size: u64,
}

fn read_error(what: &'static str, at: u64) -> Error {
    FormatError::new(ErrorKind::Unsupported { what }, STRUCTURE, at).into()
}

/// The pieces of `efl` with their names read from its local heap.
fn pieces(file: &File, efl: &ExternalFiles) -> Result<Vec<ExternalFile>> {
    let i = &file.inner;
    let heap = LocalHeap::read(&i.src, efl.heap_address, &i.ctx)?;
    let segment = heap.read_segment(&i.src, &i.limits)?;
    efl.entries
        .iter()
        .map(|e| {
            let name = name_at(&segment, e.name_offset, heap.data_segment_address)?;
            Ok(ExternalFile {
                name: String::from_utf8_lossy(name).into_owned(),
                offset: e.file_offset,
                size: e.size,
            })
        })
        .collect()
}

/// The folder relative names are resolved in (see the module documentation).
fn prefix_dir(file: &File, prefix: Option<&str>) -> PathBuf {
    let env = std::env::var(EXTFILE_PREFIX_VAR).ok();
    match prefix.or(env.as_deref()) {
        Some(p) => expand_origin(p, file),
        None => origin_dir(file).unwrap_or_default(),
    }
}

/// Reads `len` bytes at logical address `addr` of the concatenated pieces.
fn read_logical(
    pieces: &[ExternalFile],
    dir: &Path,
    mut addr: u64,
    buf: &mut [u8],
    at: u64,
) -> Result<()> {
    let mut k = 0;
    // Find the piece holding `addr`.
    while k < pieces.len() {
        let size = pieces[k].size;
        if size == u64::MAX || addr < size {
            break;
        }
        addr -= size;
        k += 1;
    }
    let mut done = 0usize;
    while done < buf.len() {
        let p = pieces
            .get(k)
            .ok_or_else(|| read_error("read past the end of the external data files", at))?;
        let left = (buf.len() - done) as u64;
        let n = p.size.saturating_sub(addr).min(left) as usize;
        let pos = p
            .offset
            .checked_add(addr)
            .ok_or_else(|| read_error("external file offset overflows", at))?;
        let path = if Path::new(&p.name).is_absolute() {
            PathBuf::from(&p.name)
        } else {
            dir.join(&p.name)
        };
        let open_err = |source| Error::Open {
            path: path.clone(),
            source,
        };
        let mut f = std::fs::File::open(&path).map_err(open_err)?;
        f.seek(SeekFrom::Start(pos)).map_err(open_err)?;
        let dst = &mut buf[done..done + n];
        let mut got = 0;
        while got < n {
            match f.read(&mut dst[got..]) {
                Ok(0) => break,
                Ok(r) => got += r,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(open_err(e)),
            }
        }
        // Bytes past the end of a piece's file read as zeros (libhdf5 does the same).
        dst[got..].fill(0);
        done += n;
        addr = 0;
        k += 1;
    }
    Ok(())
}

/// Fills `out` (row-major in the shape of `sel`) with the elements `sel` selects from a
/// dataset whose raw data is in external files.
///
/// # Errors
/// A missing external file (`Open`), a read past the last piece, a malformed name heap.
pub(crate) fn read_into(
    ds: &Dataset,
    efl: &ExternalFiles,
    sel: &Selection,
    prefix: Option<&str>,
    out: &mut [u8],
) -> Result<()> {
    if sel.is_empty() {
        return Ok(());
    }
    let file = ds.file();
    let at = ds.address();
    let dims = ds.shape();
    let elem = ds.dtype().element_size() as u64;
    // Read whole rows of the first dimension from the first to the last selected one.
    let (origin, shape) = match sel.dims().first() {
        None => (Vec::new(), Vec::new()),
        Some(d0) => {
            let first = d0.start;
            let last = d0.last().unwrap_or(first);
            let mut origin = vec![0; dims.len()];
            origin[0] = first;
            let mut shape = dims.clone();
            shape[0] = last - first + 1;
            (origin, shape)
        }
    };
    let count = shape.iter().try_fold(1u64, |a, &n| a.checked_mul(n));
    let row_elems = dims.iter().skip(1).try_fold(1u64, |a, &n| a.checked_mul(n));
    let (Some(count), Some(row_elems)) = (count, row_elems) else {
        return Err(read_error(
            "external data larger than the address space",
            at,
        ));
    };
    let len = count.saturating_mul(elem);
    let limit = file.inner.limits.max_read_bytes;
    if len > limit {
        return Err(FormatError::new(
            ErrorKind::LimitExceeded {
                limit: "max_read_bytes",
                requested: len,
                allowed: limit,
            },
            STRUCTURE,
            at,
        )
        .into());
    }
    let addr = origin
        .first()
        .map_or(0, |&r| r.saturating_mul(row_elems).saturating_mul(elem));
    let pieces = pieces(file, efl)?;
    let mut block = vec![0u8; len as usize];
    read_logical(&pieces, &prefix_dir(file, prefix), addr, &mut block, at)?;
    sel.copy_from_block(&block, &origin, &shape, elem as usize, out)
}

impl Dataset {
    /// The external files holding the dataset's raw data, in order; empty if its data is
    /// in the HDF5 file.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/external_raw.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("two_files_i32")?;
    /// let pieces = ds.external_files()?;
    /// assert_eq!(pieces.len(), 2);
    /// assert_eq!(pieces[0].name, "external_raw_a.bin");
    /// assert_eq!((pieces[0].offset, pieces[0].size), (16, 100));
    /// // Values 11 i - 5, the first 25 in external_raw_a.bin, the rest in external_raw_b.bin.
    /// assert_eq!(ds.read_raw::<i32>()?[..3], [-5, 6, 17]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The object header or the names' local heap cannot be read.
    pub fn external_files(&self) -> Result<Vec<ExternalFile>> {
        for m in self.file().messages(self.address())? {
            if let Message::External(e) = m {
                return pieces(self.file(), &e);
            }
        }
        Ok(Vec::new())
    }

    /// As [`Dataset::read_bytes_selection`], with relative external raw data file names
    /// resolved under `prefix` (h5py's `efile_prefix`; a leading `${ORIGIN}` is the HDF5
    /// file's folder, `""` the working folder) instead of the default.
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection};
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files");
    /// let file = h5oxide::File::open(format!("{dir}/external_raw.h5"))?;
    /// let ds = file.root().dataset("two_files_i32")?;
    /// let sel = Selection::new(vec![DimSlice { start: 39, step: 1, count: 1 }], &ds.shape())?;
    /// // h5py: h5py.File(..., )["two_files_i32"] with efile_prefix="${ORIGIN}"
    /// let b = ds.read_bytes_selection_with_efile_prefix(&sel, "${ORIGIN}")?;
    /// assert_eq!(i32::from_le_bytes(b.try_into().unwrap()), 11 * 39 - 5);
    /// // A prefix where the raw files are not: they cannot be opened.
    /// assert!(ds.read_bytes_selection_with_efile_prefix(&sel, "/nonexistent").is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Dataset::read_bytes_selection`]; `Open` if an external file does not exist.
    pub fn read_bytes_selection_with_efile_prefix(
        &self,
        sel: &Selection,
        prefix: &str,
    ) -> Result<Vec<u8>> {
        let efl = self
            .file()
            .messages(self.address())?
            .into_iter()
            .find_map(|m| match m {
                Message::External(e) => Some(e),
                _ => None,
            });
        let Some(efl) = efl else {
            return self.read_bytes_selection(sel);
        };
        if sel.dims().len() != self.ndim() {
            return Err(Error::Usage(
                "selection rank differs from the dataset's rank",
            ));
        }
        let elem = self.dtype().element_size();
        let n = sel.len().ok_or(Error::Usage("selection size overflows"))?;
        let total = n
            .checked_mul(elem as u64)
            .filter(|&t| t <= self.file().inner.limits.max_read_bytes)
            .ok_or(Error::Usage("selection larger than the read limit"))?;
        let mut out = match self.fill_value_bytes() {
            Some(f) => f.iter().copied().cycle().take(total as usize).collect(),
            None => vec![0u8; total as usize],
        };
        read_into(self, &efl, sel, Some(prefix), &mut out)?;
        Ok(out)
    }
}
