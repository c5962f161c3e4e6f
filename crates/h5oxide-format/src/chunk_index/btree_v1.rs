//! Chunk index: version 1 B-tree of raw data chunk nodes (spec III.A.1, node type 1; the
//! index of layout message versions 1-3 and of version 4 with index type 'B-tree v1').
//!
//! Key `i` of a node is the least chunk of child `i`; a leaf's entry `i` is the chunk whose
//! key is key `i`. Keys hold element offsets (multiples of the chunk dimensions) plus a last
//! offset for the datatype dimension, which is 0 for every real chunk.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::btree_v1::build::{build_btree, BuiltTree};
use crate::btree_v1::node::{ChunkKey, KeyFormat, Keys, Node};
use crate::btree_v1::{check_level, enter, walk_leaves};
pub use crate::chunk_index::ChunkRecord;
use crate::context::Context;
use crate::error::{ErrorKind, FormatError};
use crate::limits::Limits;
use crate::source::ReadAt;

fn record(key: &ChunkKey, rank: usize, address: u64) -> ChunkRecord {
    ChunkRecord {
        offset: key.offset.iter().take(rank).copied().collect(),
        filter_mask: key.filter_mask,
        size: u64::from(key.size),
        address,
    }
}

/// Every chunk of the tree rooted at `address`, in key order (row-major chunk order).
/// `rank` is the dataset's rank: the layout message's dimensionality minus one.
///
/// # Errors
/// Those of [`crate::btree_v1::walk_leaves`]: `Cycle`, `LimitExceeded`, `InvalidValue`,
/// node decode and read errors.
pub fn chunks<S: ReadAt + ?Sized>(
    src: &S,
    address: u64,
    rank: usize,
    ctx: &Context,
    limits: &Limits,
) -> Result<Vec<ChunkRecord>, S::Error> {
    let mut out = Vec::new();
    walk_leaves(
        src,
        address,
        KeyFormat::Chunk { rank },
        ctx,
        limits,
        &mut |_, leaf| {
            if let Keys::Chunk(keys) = &leaf.keys {
                for (key, &child) in keys.iter().zip(&leaf.children) {
                    out.push(record(key, rank, child));
                }
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Compares a chunk offset of `rank` values (datatype dimension taken as 0) with a key's
/// `rank + 1` offsets, lexicographically, as libhdf5 orders chunk keys.
fn cmp_coords(coords: &[u64], key: &ChunkKey) -> Ordering {
    let padded = coords.iter().copied().chain(core::iter::once(0));
    padded.cmp(key.offset.iter().copied())
}

/// Finds the chunk whose first element is at `coords` (element coordinates, one per
/// dataset dimension), reading only the nodes on the path from the root to its leaf.
/// Returns `None` when the chunk is not stored (never written, or beyond the keys).
///
/// # Errors
/// `InvalidValue` ("chunk coordinates") if `coords.len() != rank`; `Cycle` if the path
/// revisits a node; `LimitExceeded`, `InvalidValue` ("node level"), node decode and read
/// errors as for [`chunks`].
pub fn find_chunk<S: ReadAt + ?Sized>(
    src: &S,
    address: u64,
    rank: usize,
    coords: &[u64],
    ctx: &Context,
    limits: &Limits,
) -> Result<Option<ChunkRecord>, S::Error> {
    if coords.len() != rank {
        return Err(FormatError::new(
            ErrorKind::InvalidValue {
                field: "chunk coordinates",
                value: coords.len() as u64,
            },
            "version 1 B-tree node",
            address,
        )
        .into());
    }
    let format = KeyFormat::Chunk { rank };
    let mut visited = BTreeSet::new();
    let mut at = address;
    let mut expected = None;
    loop {
        enter(&mut visited, at)?;
        let node = Node::read(src, at, format, ctx, limits)?;
        check_level(&node, expected, at, limits)?;
        let Keys::Chunk(keys) = &node.keys else {
            return Ok(None);
        };
        // The child i with key[i] <= coords < key[i + 1]: the last key not above coords.
        let below = keys.partition_point(|k| cmp_coords(coords, k) != Ordering::Less);
        let Some(i) = below.checked_sub(1) else {
            return Ok(None);
        };
        let Some(&child) = node.children.get(i) else {
            return Ok(None); // at or past the right-most key
        };
        if node.level == 0 {
            let key = &keys[i];
            let hit = key.size > 0 && cmp_coords(coords, key) == Ordering::Equal;
            return Ok(hit.then(|| record(key, rank, child)));
        }
        expected = Some(node.level - 1);
        at = child;
    }
}

/// Builds a chunk B-tree over `records` sorted by offset (row-major), for a dataset of
/// chunk dimensions `chunk_dims` (one per dataset dimension) and elements of
/// `element_size` bytes. The right-most key is the last chunk's offset plus one chunk in
/// every dimension (the datatype dimension's entry is `element_size`), as libhdf5 seeds a
/// new node's right key. `alloc(size)` returns the address for each node.
///
/// # Errors
/// `EncodeOverflow` if `records` are not strictly increasing, a record's rank differs from
/// `chunk_dims.len()`, a size exceeds `u32::MAX`, or an offset overflows; those of
/// [`build_btree`].
pub fn build_chunk_btree<E: From<FormatError>>(
    records: &[ChunkRecord],
    chunk_dims: &[u64],
    element_size: u32,
    k: u16,
    ctx: &Context,
    alloc: &mut dyn FnMut(u64) -> Result<u64, E>,
) -> Result<BuiltTree, E> {
    let overflow =
        |field| FormatError::new(ErrorKind::EncodeOverflow { field }, "version 1 B-tree", 0);
    let rank = chunk_dims.len();
    let mut keys = Vec::with_capacity(records.len() + 1);
    for (i, r) in records.iter().enumerate() {
        if r.offset.len() != rank {
            return Err(overflow("chunk record offset (rank differs from chunk dims)").into());
        }
        if i > 0 && records[i - 1].offset >= r.offset {
            return Err(overflow("chunk records (must be sorted by offset, no repeats)").into());
        }
        let size = u32::try_from(r.size).map_err(|_| overflow("chunk size"))?;
        let mut offset = r.offset.clone();
        offset.push(0);
        keys.push(ChunkKey {
            size,
            filter_mask: r.filter_mask,
            offset,
        });
    }
    let mut last: Vec<u64> = match records.last() {
        Some(r) => r
            .offset
            .iter()
            .zip(chunk_dims)
            .map(|(o, d)| o.checked_add(*d).ok_or_else(|| overflow("chunk offset")))
            .collect::<Result<_, _>>()?,
        None => alloc::vec![0; rank],
    };
    last.push(if records.is_empty() {
        0
    } else {
        u64::from(element_size)
    });
    keys.push(ChunkKey {
        size: 0,
        filter_mask: 0,
        offset: last,
    });
    let children: Vec<u64> = records.iter().map(|r| r.address).collect();
    build_btree(&Keys::Chunk(keys), &children, k, ctx, alloc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn records() -> Vec<ChunkRecord> {
        let mut out = Vec::new();
        for r in 0..5u64 {
            for c in 0..4u64 {
                out.push(ChunkRecord {
                    offset: vec![r * 4, c * 3],
                    filter_mask: (r + c) as u32 % 2,
                    size: 40 + r + c,
                    address: 5000 + 100 * (r * 4 + c),
                });
            }
        }
        out
    }

    fn file_of(tree: &BuiltTree, len: u64) -> Vec<u8> {
        let mut file = vec![0u8; len as usize];
        for n in &tree.nodes {
            let at = n.address as usize;
            file[at..at + n.image.len()].copy_from_slice(&n.image);
        }
        file
    }

    #[test]
    fn build_then_list_and_find() {
        let ctx = Context::DEFAULT;
        let recs = records();
        let mut next = 0u64;
        let tree = build_chunk_btree::<FormatError>(&recs, &[4, 3], 4, 2, &ctx, &mut |s| {
            let at = next;
            next += s;
            Ok(at)
        })
        .unwrap();
        let file = file_of(&tree, next);
        let limits = Limits::DEFAULT;
        assert_eq!(
            chunks(&file[..], tree.root, 2, &ctx, &limits).unwrap(),
            recs
        );
        for r in &recs {
            let got = find_chunk(&file[..], tree.root, 2, &r.offset, &ctx, &limits).unwrap();
            assert_eq!(got.as_ref(), Some(r));
        }
        for missing in [[1, 0], [0, 1], [20, 0], [16, 12], [u64::MAX, 0]] {
            assert_eq!(
                find_chunk(&file[..], tree.root, 2, &missing, &ctx, &limits).unwrap(),
                None
            );
        }
        assert!(find_chunk(&file[..], tree.root, 2, &[0], &ctx, &limits).is_err());
    }

    #[test]
    fn unsorted_records_rejected() {
        let mut recs = records();
        recs.swap(3, 4);
        let r =
            build_chunk_btree::<FormatError>(&recs, &[4, 3], 4, 2, &Context::DEFAULT, &mut |_| {
                Ok(0)
            });
        assert!(r.is_err());
    }

    #[test]
    fn empty_tree_lists_nothing() {
        let ctx = Context::DEFAULT;
        let tree =
            build_chunk_btree::<FormatError>(&[], &[4, 3], 4, 32, &ctx, &mut |_| Ok(0)).unwrap();
        let file = file_of(&tree, 4096);
        assert!(chunks(&file[..], 0, 2, &ctx, &Limits::DEFAULT)
            .unwrap()
            .is_empty());
        assert_eq!(
            find_chunk(&file[..], 0, 2, &[0, 0], &ctx, &Limits::DEFAULT).unwrap(),
            None
        );
    }

    #[test]
    fn find_detects_cycle_on_path() {
        let ctx = Context::DEFAULT;
        let key = |o: u64| ChunkKey {
            size: 1,
            filter_mask: 0,
            offset: vec![o, 0],
        };
        let node = Node {
            level: 1,
            left_sibling: u64::MAX,
            right_sibling: u64::MAX,
            keys: Keys::Chunk(vec![key(0), key(10)]),
            children: vec![0],
        };
        let mut w = crate::cursor::Writer::new();
        node.encode(&mut w, &ctx, 2).unwrap();
        let file = w.into_inner();
        let err = find_chunk(&file[..], 0, 1, &[0], &ctx, &Limits::DEFAULT).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Cycle { address: 0 });
        let err = chunks(&file[..], 0, 1, &ctx, &Limits::DEFAULT).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Cycle { address: 0 });
    }
}
