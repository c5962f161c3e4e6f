//! Allocated storage of chunked datasets: the sum of the stored chunk sizes, read from the
//! chunk index through the format codec (the public API lists no chunks).

use std::borrow::Cow;
use std::path::Path;

use h5oxide::format::chunk_index::{btree_v1, btree_v2, extensible_array, fixed_array};
use h5oxide::format::object_header::message::layout::{ChunkIndex, ChunkedLayout};
use h5oxide::format::superblock::Superblock;
use h5oxide::format::{Context, Limits, ReadAt, UNDEFINED_ADDRESS};
use h5oxide::Dataset;
use h5oxide_storage::{Backend, FileBackend, StorageError};

/// The file's bytes as the codec addresses them: relative to the superblock's base address
/// (spec II.A), so a user block is skipped.
struct Based {
    backend: FileBackend,
    base: u64,
}

impl ReadAt for Based {
    type Error = StorageError;

    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, StorageError> {
        let abs = self
            .base
            .checked_add(offset)
            .ok_or_else(|| h5oxide::format::source::out_of_range(offset, self.size(), "read"))?;
        Backend::read_at(&self.backend, abs, len)
    }

    fn size(&self) -> u64 {
        Backend::size(&self.backend).saturating_sub(self.base)
    }
}

/// A second, read-only view of a file for walking chunk indexes.
pub struct ChunkStorage {
    src: Based,
    ctx: Context,
    limits: Limits,
}

impl ChunkStorage {
    /// Opens `path` with positional reads and reads its superblock.
    ///
    /// # Errors
    /// The file cannot be opened or has no valid superblock.
    pub fn open(path: &Path) -> Result<Self, String> {
        let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
        let backend = FileBackend::new(f, false).map_err(|e| e.to_string())?;
        let sb = Superblock::read(&backend as &dyn Backend).map_err(|e| e.to_string())?;
        Ok(ChunkStorage {
            ctx: sb.context(),
            src: Based {
                backend,
                base: sb.base_address,
            },
            limits: Limits::DEFAULT,
        })
    }

    /// Bytes the chunks of `ds` occupy in the file: stored (filtered) sizes summed over the
    /// allocated chunks of its index (spec VII).
    ///
    /// # Errors
    /// The chunk index cannot be read.
    pub fn allocated(&self, ds: &Dataset, c: &ChunkedLayout) -> Result<u64, String> {
        if c.address == UNDEFINED_ADDRESS {
            return Ok(0);
        }
        let chunk_bytes = c.chunk_bytes().ok_or("chunk size overflows")?;
        let (src, ctx, limits) = (&self.src, &self.ctx, &self.limits);
        let e = |e: StorageError| e.to_string();
        let sum_entries = |entries: Vec<h5oxide::format::chunk_index::ChunkEntry>| {
            entries
                .iter()
                .filter(|x| x.address != UNDEFINED_ADDRESS)
                .fold(0u64, |a, x| a.saturating_add(x.size.unwrap_or(chunk_bytes)))
        };
        Ok(match c.index {
            ChunkIndex::BtreeV1 => btree_v1::chunks(src, c.address, c.dims.len(), ctx, limits)
                .map_err(e)?
                .iter()
                .filter(|r| r.address != UNDEFINED_ADDRESS)
                .fold(0u64, |a, r| a.saturating_add(r.size)),
            ChunkIndex::Single { filtered } => filtered.map_or(chunk_bytes, |(s, _)| s),
            ChunkIndex::Implicit => {
                // Every chunk of the maximum extent is allocated (spec VII, implicit index).
                let count = ds
                    .space()
                    .max_dims_or_dims()
                    .iter()
                    .zip(&c.dims)
                    .try_fold(1u64, |a, (&n, &k)| a.checked_mul(n.div_ceil(k.max(1))))
                    .ok_or("chunk count overflows")?;
                count.saturating_mul(chunk_bytes)
            }
            ChunkIndex::FixedArray { .. } => {
                let hdr = fixed_array::read_header(src, c.address, ctx, limits).map_err(e)?;
                sum_entries(fixed_array::read_entries(src, &hdr, ctx, limits).map_err(e)?)
            }
            ChunkIndex::ExtensibleArray { .. } => {
                let hdr = extensible_array::read_header(src, c.address, ctx, limits).map_err(e)?;
                sum_entries(extensible_array::read_entries(src, &hdr, ctx, limits).map_err(e)?)
            }
            ChunkIndex::BtreeV2 { .. } => {
                let size_len = btree_v2::chunk_size_len(ds.layout().version, chunk_bytes, ctx);
                btree_v2::read_chunk_records(
                    src,
                    c.address,
                    ctx,
                    limits,
                    &c.dims,
                    chunk_bytes,
                    size_len,
                )
                .map_err(e)?
                .iter()
                .fold(0u64, |a, r| a.saturating_add(r.size))
            }
        })
    }
}
