//! Chunk index: version 2 B-tree (spec VII.E), records of type 10 (no filters) and 11
//! (filtered) (spec III.A.2).

use alloc::vec::Vec;

use crate::btree_v2::{self, EncodedTree, Record, RecordParams, TreeParams};
use crate::context::Context;
use crate::error::{ErrorKind, FormatError};
use crate::limits::Limits;
use crate::source::ReadAt;

use super::ChunkRecord;

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

/// libhdf5's node size for chunk index B-trees (`H5D_BT2_NODE_SIZE`); records split at
/// 100 % and merge at 40 %, as [`TreeParams::new`] sets.
pub const CHUNK_NODE_SIZE: u32 = 2048;

/// Builds the B-tree indexing `records` (type 11 when `filtered`, else type 10) at file
/// address `base_address`: header first, then the nodes, as one image (see
/// [`btree_v2::encode_tree`]). Records are keyed by their scaled offsets (`offset` divided
/// by `chunk_dims`) and may come in any order.
///
/// # Errors
/// `InvalidValue` for an offset that is not a multiple of the chunk dimensions or of
/// another rank; `EncodeOverflow` if a value does not fit its field.
///
/// # Example
/// ```
/// use h5oxide_format::chunk_index::btree_v2::{chunk_size_len, encode_chunk_tree, read_chunk_records};
/// use h5oxide_format::chunk_index::ChunkRecord;
/// use h5oxide_format::{Context, Limits};
///
/// let ctx = Context::DEFAULT;
/// let records: Vec<ChunkRecord> = (0..4u64)
///     .map(|i| ChunkRecord {
///         offset: vec![i / 2 * 10, i % 2 * 10],
///         filter_mask: 0,
///         size: 37 + i,
///         address: 1000 + 100 * i,
///     })
///     .collect();
/// let len = chunk_size_len(4, 400, &ctx);
/// let t = encode_chunk_tree(&records, &[10, 10], true, len, &ctx, 0)?;
/// let back = read_chunk_records(&t.image[..], 0, &ctx, &Limits::DEFAULT, &[10, 10], 400, len)?;
/// assert_eq!(back.len(), 4);
/// assert_eq!((back[3].offset.clone(), back[3].size), (vec![10, 10], 40));
/// # Ok::<(), h5oxide_format::FormatError>(())
/// ```
pub fn encode_chunk_tree(
    records: &[ChunkRecord],
    chunk_dims: &[u64],
    filtered: bool,
    chunk_size_len: usize,
    ctx: &Context,
    base_address: u64,
) -> crate::error::Result<EncodedTree> {
    let bad = |field, value| {
        FormatError::new(
            ErrorKind::InvalidValue { field, value },
            "version 2 B-tree record",
            0,
        )
    };
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        if r.offset.len() != chunk_dims.len() {
            return Err(bad("dataset rank", r.offset.len() as u64));
        }
        let mut scaled_offset = Vec::with_capacity(r.offset.len());
        for (&o, &d) in r.offset.iter().zip(chunk_dims) {
            if d == 0 || o % d != 0 {
                return Err(bad("chunk offset", o));
            }
            scaled_offset.push(o / d);
        }
        out.push(if filtered {
            Record::FilteredChunk {
                address: r.address,
                size: r.size,
                filter_mask: r.filter_mask,
                scaled_offset,
            }
        } else {
            Record::Chunk {
                address: r.address,
                scaled_offset,
            }
        });
    }
    // libhdf5 orders chunk records by their scaled offsets, slowest dimension first.
    out.sort_by(|a, b| a.key_cmp(b).unwrap_or(core::cmp::Ordering::Equal));
    let params = RecordParams {
        rank: chunk_dims.len(),
        chunk_size_len,
    };
    let tree = TreeParams {
        node_size: CHUNK_NODE_SIZE,
        ..TreeParams::new(if filtered { 11 } else { 10 }, ctx, &params)?
    };
    btree_v2::encode_tree(&out, &tree, ctx, &params, base_address)
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

    #[test]
    fn encoded_chunk_trees_read_back() {
        let ctx = Context::DEFAULT;
        let chunk = [4u64, 3];
        // 900 chunks need an internal node with 2048-byte nodes (type 10 records are 24
        // bytes); 5 fit one leaf.
        for (n, filtered, depth) in [(5u64, false, 0u16), (900, false, 1), (900, true, 1)] {
            let records: Vec<ChunkRecord> = (0..n)
                .rev()
                .map(|i| ChunkRecord {
                    offset: alloc::vec![(i / 30) * 4, (i % 30) * 3],
                    filter_mask: if filtered { (i % 2) as u32 } else { 0 },
                    size: if filtered { 10 + i } else { 48 },
                    address: 5000 + 48 * i,
                })
                .collect();
            let len = chunk_size_len(4, 48, &ctx);
            let t = encode_chunk_tree(&records, &chunk, filtered, len, &ctx, 0).unwrap();
            assert_eq!(t.header.depth, depth);
            assert_eq!(t.header.node_size, 2048);
            assert_eq!(t.header.tree_type, if filtered { 11 } else { 10 });
            let got = read_chunk_records(
                t.image.as_slice(),
                0,
                &ctx,
                &Limits::DEFAULT,
                &chunk,
                48,
                len,
            )
            .unwrap();
            assert!(got.into_iter().eq(records.iter().rev().cloned()));
        }
        let bad = ChunkRecord {
            offset: alloc::vec![1, 0],
            filter_mask: 0,
            size: 48,
            address: 0,
        };
        assert!(encode_chunk_tree(&[bad], &chunk, false, 2, &ctx, 0).is_err());
    }
}
