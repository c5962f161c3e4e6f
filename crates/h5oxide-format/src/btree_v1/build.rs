//! Lays out a whole version 1 B-tree for writing (spec III.A.1).
//!
//! The leaf entries are split into as few nodes of at most `2K` entries as possible, spread
//! evenly (so every node of a multi-node level holds at least `K`), siblings are linked, and
//! levels are added until one root remains. Internal node keys are the boundary keys of the
//! subtrees below them, as libhdf5 keeps them. Every node is written at its full size of `2K`
//! slots, which is what libhdf5 allocates and expects to read.

use alloc::vec::Vec;

use super::node::{Keys, Node};
use crate::context::{Context, UNDEFINED_ADDRESS};
use crate::cursor::Writer;
use crate::error::{ErrorKind, FormatError};

/// One encoded node and the address it must be written at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltNode {
    /// Address given by the allocator.
    pub address: u64,
    /// The node's bytes ([`Node::encoded_len`] of them).
    pub image: Vec<u8>,
}

/// A laid-out tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltTree {
    /// Address of the root node (what the group's symbol table message or the dataset's
    /// layout message points to).
    pub root: u64,
    /// Every node, leaves first, each level left to right.
    pub nodes: Vec<BuiltNode>,
}

/// Builds a tree over `children` (leaf child addresses: symbol table nodes or chunks) and
/// their `children.len() + 1` keys, in order. `alloc(size)` is called once per node, leaves
/// first, and returns the address for a node of `size` bytes. With no children the tree is
/// one empty leaf holding the single key.
///
/// # Errors
/// `EncodeOverflow` if `k` is 0, the key count is not `children.len() + 1`, the tree would
/// need more than 255 levels, or a node cannot be encoded (see [`Node::encode`]); whatever
/// `alloc` returns.
pub fn build_btree<E: From<FormatError>>(
    keys: &Keys,
    children: &[u64],
    k: u16,
    ctx: &Context,
    alloc: &mut dyn FnMut(u64) -> Result<u64, E>,
) -> Result<BuiltTree, E> {
    let overflow =
        |field| FormatError::new(ErrorKind::EncodeOverflow { field }, "version 1 B-tree", 0);
    if k == 0 {
        return Err(overflow("node K (must be at least 1)").into());
    }
    if keys.len() != children.len() + 1 {
        return Err(overflow("keys (must be one more than the children)").into());
    }
    let format = keys.format();
    let node_len = Node::encoded_len(format, ctx, k) as u64;
    let cap = 2 * usize::from(k);
    let mut nodes = Vec::new();
    let mut level_keys = keys.clone();
    let mut level_children: Vec<u64> = children.to_vec();
    let mut level: u8 = 0;
    loop {
        let n = level_children.len();
        let count = n.div_ceil(cap).max(1);
        let (base, extra) = (n / count, n % count);
        // Entry ranges of each node, then one address each.
        let mut bounds = Vec::with_capacity(count + 1);
        bounds.push(0usize);
        for i in 0..count {
            let last = bounds[i];
            bounds.push(last + base + usize::from(i < extra));
        }
        let mut addresses = Vec::with_capacity(count);
        for _ in 0..count {
            addresses.push(alloc(node_len)?);
        }
        for i in 0..count {
            let (from, to) = (bounds[i], bounds[i + 1]);
            let node = Node {
                level,
                left_sibling: if i == 0 {
                    UNDEFINED_ADDRESS
                } else {
                    addresses[i - 1]
                },
                right_sibling: addresses.get(i + 1).copied().unwrap_or(UNDEFINED_ADDRESS),
                keys: level_keys.range(from, to),
                children: level_children[from..to].to_vec(),
            };
            let mut w = Writer::with_capacity(node_len as usize);
            node.encode(&mut w, ctx, k)?;
            nodes.push(BuiltNode {
                address: addresses[i],
                image: w.into_inner(),
            });
        }
        if count == 1 {
            return Ok(BuiltTree {
                root: addresses[0],
                nodes,
            });
        }
        // The parent level: one entry per node, keyed by the nodes' boundary keys.
        level_keys = boundary_keys(&level_keys, &bounds);
        level_children = addresses;
        level = level.checked_add(1).ok_or_else(|| overflow("node level"))?;
    }
}

fn boundary_keys(keys: &Keys, bounds: &[usize]) -> Keys {
    match keys {
        Keys::Group(k) => Keys::Group(bounds.iter().map(|&b| k[b]).collect()),
        Keys::Chunk(k) => Keys::Chunk(bounds.iter().map(|&b| k[b].clone()).collect()),
    }
}

/// Builds a group's B-tree (node type 0) over its symbol table nodes, given for each node
/// its address and the local heap offset of its last (greatest) link name. Key 0 is heap
/// offset 0, the empty name libhdf5 stores first in every group heap.
///
/// # Errors
/// Those of [`build_btree`].
pub fn build_group_btree<E: From<FormatError>>(
    snods: &[(u64, u64)],
    k: u16,
    ctx: &Context,
    alloc: &mut dyn FnMut(u64) -> Result<u64, E>,
) -> Result<BuiltTree, E> {
    let mut keys = Vec::with_capacity(snods.len() + 1);
    keys.push(0);
    keys.extend(snods.iter().map(|s| s.1));
    let children: Vec<u64> = snods.iter().map(|s| s.0).collect();
    build_btree(&Keys::Group(keys), &children, k, ctx, alloc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::btree_v1::walk_group_btree;
    use crate::limits::Limits;
    use alloc::vec;

    #[test]
    fn builds_walkable_multi_level_tree() {
        let ctx = Context::DEFAULT;
        let snods: Vec<(u64, u64)> = (0..23).map(|i| (10_000 + i * 100, i * 8 + 8)).collect();
        let mut next = 0u64;
        let tree = build_group_btree::<FormatError>(&snods, 2, &ctx, &mut |size| {
            let at = next;
            next += size;
            Ok(at)
        })
        .unwrap();
        // 23 entries, at most 4 per node: 6 leaves, 2 internal nodes, 1 root.
        assert_eq!(tree.nodes.len(), 9);
        assert_eq!(tree.root, tree.nodes[8].address);
        let mut file = vec![0u8; next as usize];
        for n in &tree.nodes {
            let at = n.address as usize;
            file[at..at + n.image.len()].copy_from_slice(&n.image);
        }
        let mut seen = Vec::new();
        walk_group_btree(&file[..], tree.root, &ctx, &Limits::DEFAULT, &mut |a| {
            seen.push(a);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, snods.iter().map(|s| s.0).collect::<Vec<_>>());
        // Leaves are linked left to right; every leaf holds at least K entries.
        let leaves: Vec<Node> = tree.nodes[..6]
            .iter()
            .map(|n| {
                Node::read(
                    &file[..],
                    n.address,
                    super::super::KeyFormat::Group,
                    &ctx,
                    &Limits::DEFAULT,
                )
                .unwrap()
            })
            .collect();
        assert_eq!(leaves[0].left_sibling, UNDEFINED_ADDRESS);
        assert_eq!(leaves[0].right_sibling, tree.nodes[1].address);
        assert_eq!(leaves[5].right_sibling, UNDEFINED_ADDRESS);
        assert!(leaves.iter().all(|l| (2..=4).contains(&l.entries())));
        // The root's keys bound the whole key range.
        let root = Node::read(
            &file[..],
            tree.root,
            super::super::KeyFormat::Group,
            &ctx,
            &Limits::DEFAULT,
        )
        .unwrap();
        assert_eq!(root.level, 2);
        match root.keys {
            Keys::Group(k) => {
                assert_eq!(k.first(), Some(&0));
                assert_eq!(k.last(), Some(&(23 * 8)));
            }
            Keys::Chunk(_) => panic!("group tree has chunk keys"),
        }
    }

    #[test]
    fn empty_tree_is_one_leaf() {
        let ctx = Context::DEFAULT;
        let tree = build_group_btree::<FormatError>(&[], 16, &ctx, &mut |_| Ok(136)).unwrap();
        assert_eq!(tree.root, 136);
        assert_eq!(tree.nodes.len(), 1);
        assert_eq!(tree.nodes[0].image.len(), 544);
        assert_eq!(&tree.nodes[0].image[..8], b"TREE\x00\x00\x00\x00");
    }

    #[test]
    fn rejects_bad_input() {
        let ctx = Context::DEFAULT;
        let keys = Keys::Group(vec![0, 1]);
        assert!(build_btree::<FormatError>(&keys, &[], 2, &ctx, &mut |_| Ok(0)).is_err());
        assert!(build_btree::<FormatError>(&keys, &[5], 0, &ctx, &mut |_| Ok(0)).is_err());
    }
}
