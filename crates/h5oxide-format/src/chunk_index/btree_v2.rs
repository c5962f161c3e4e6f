//! Chunk index: version 2 B-tree (spec VII.E), records of type 10 (no filters) and 11
//! (filtered) (spec III.A.2).

use alloc::vec::Vec;

use crate::btree_v2::{self, Record, RecordParams};
use crate::context::Context;
use crate::error::{ErrorKind, FormatError};
use crate::limits::Limits;
use crate::source::ReadAt;

/// One chunk of a dataset as its index records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRecord {
    /// Element coordinates of the chunk's first element (scaled offset times chunk
    /// dimensions), slowest dimension first.
    pub offset: Vec<u64>,
    /// Filters skipped for this chunk (0 for unfiltered datasets).
    pub filter_mask: u32,
    /// Stored size of the chunk in bytes.
    pub size: u64,
    /// Address of the chunk.
    pub address: u64,
}

/// Width of the "Chunk Size" field of type 11 records (spec III.A.2, type 11): for layout
/// message version 4, one byte more than needed for the unfiltered chunk size
/// `chunk_bytes`, at most 8; for version 5 and later, the file's offset size.
pub fn chunk_size_len(layout_version: u8, chunk_bytes: u64, ctx: &Context) -> usize {
    if layout_version >= 5 {
        return ctx.sizeof_offsets();
    }
    let log2 = if chunk_bytes == 0 {
        0
    } else {
        63 - chunk_bytes.leading_zeros() as usize
    };
    (1 + (log2 + 8) / 8).min(8)
}

/// Reads every chunk record of the index whose B-tree header is at `header_address`, in key
/// order.
///
/// `chunk_dims` are the chunk's dimensions in elements (the dataset's rank of them, without
/// the element-size dimension the layout message appends); `chunk_bytes` is the unfiltered
/// chunk size in bytes, which type 10 records imply; `chunk_size_len` is the width from
/// [`chunk_size_len`].
///
/// # Errors
/// `InvalidValue` if the tree is not of type 10 or 11 or a coordinate overflows; B-tree walk
/// errors.
pub fn read_chunk_records<S: ReadAt + ?Sized>(
    src: &S,
    header_address: u64,
    ctx: &Context,
    limits: &Limits,
    chunk_dims: &[u64],
    chunk_bytes: u64,
    chunk_size_len: usize,
) -> Result<Vec<ChunkRecord>, S::Error> {
    let header = btree_v2::read_header(src, header_address, ctx)?;
    if !matches!(header.tree_type, 10 | 11) {
        return Err(FormatError::new(
            ErrorKind::InvalidValue {
                field: "B-tree type",
                value: u64::from(header.tree_type),
            },
            "version 2 B-tree header",
            header_address,
        )
        .into());
    }
    let params = RecordParams {
        rank: chunk_dims.len(),
        chunk_size_len,
    };
    let mut out = Vec::new();
    btree_v2::walk(src, header_address, ctx, limits, &params, &mut |r| {
        let (address, size, filter_mask, scaled) = match r {
            Record::Chunk {
                address,
                scaled_offset,
            } => (address, chunk_bytes, 0, scaled_offset),
            Record::FilteredChunk {
                address,
                size,
                filter_mask,
                scaled_offset,
            } => (address, size, filter_mask, scaled_offset),
            other => {
                return Err(FormatError::new(
                    ErrorKind::InvalidValue {
                        field: "B-tree type",
                        value: u64::from(other.tree_type()),
                    },
                    "version 2 B-tree record",
                    header_address,
                )
                .into())
            }
        };
        let mut offset = Vec::with_capacity(scaled.len());
        for (s, d) in scaled.iter().zip(chunk_dims) {
            offset.push(s.checked_mul(*d).ok_or_else(|| {
                FormatError::new(
                    ErrorKind::InvalidValue {
                        field: "scaled offset",
                        value: *s,
                    },
                    "version 2 B-tree record",
                    address,
                )
            })?);
        }
        out.push(ChunkRecord {
            offset,
            filter_mask,
            size,
            address,
        });
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_size_width() {
        let ctx = Context::DEFAULT;
        // 80-byte chunks: log2 = 6, 1 + 14 / 8 = 2 bytes (what libhdf5 1.10 writes for
        // tests/data/chunks_btree2.h5, whose type 11 records are 8 + 2 + 4 + 2 * 8 = 30 bytes).
        assert_eq!(chunk_size_len(4, 80, &ctx), 2);
        assert_eq!(chunk_size_len(4, 255, &ctx), 2);
        assert_eq!(chunk_size_len(4, 256, &ctx), 3);
        assert_eq!(chunk_size_len(4, u64::MAX, &ctx), 8);
        assert_eq!(chunk_size_len(5, 80, &ctx), 8);
    }
}
