//! Version 1 B-trees, "TREE" (spec III.A.1): group nodes (type 0) and chunk nodes (type 1).
//!
//! [`node`] decodes and encodes single nodes, [`build`] lays out a whole tree for writing,
//! and the walks here visit a tree's leaf entries in key order. Chunk trees are walked by
//! [`crate::chunk_index::btree_v1`].
//!
//! Every walk reads each node with two `read_at` calls (its header, then exactly its used
//! part), bounds the depth by the root's level and `limits.max_depth`, checks that each
//! child is exactly one level below its parent, and refuses to visit a node address twice
//! (`ErrorKind::Cycle`). Addresses are read from the source as given: see
//! [`crate::superblock`] for files with a base address other than 0.

pub mod build;
pub mod node;

use alloc::collections::BTreeSet;

use crate::context::Context;
use crate::error::{ErrorKind, FormatError};
use crate::limits::Limits;
use crate::source::ReadAt;

pub use node::{ChunkKey, KeyFormat, Keys, Node};

/// The callback of [`walk_leaves`]: a leaf's address and the decoded leaf.
pub type LeafVisitor<'a, E> = dyn FnMut(u64, &Node) -> Result<(), E> + 'a;

/// Visits every leaf node of the tree rooted at `root_address`, left to right, passing the
/// leaf's address and the decoded node.
///
/// # Errors
/// `Cycle` if a node address is reached twice; `LimitExceeded` if the root's level exceeds
/// `limits.max_depth`; `InvalidValue` ("node level") if a child is not one level below its
/// parent; the errors of [`Node::read`]; whatever `visit` returns.
pub fn walk_leaves<S: ReadAt + ?Sized>(
    src: &S,
    root_address: u64,
    format: KeyFormat,
    ctx: &Context,
    limits: &Limits,
    visit: &mut LeafVisitor<'_, S::Error>,
) -> Result<(), S::Error> {
    let mut visited = BTreeSet::new();
    walk_node(
        src,
        root_address,
        None,
        format,
        ctx,
        limits,
        &mut visited,
        visit,
    )
}

#[allow(clippy::too_many_arguments)]
fn walk_node<S: ReadAt + ?Sized>(
    src: &S,
    address: u64,
    expected_level: Option<u8>,
    format: KeyFormat,
    ctx: &Context,
    limits: &Limits,
    visited: &mut BTreeSet<u64>,
    visit: &mut LeafVisitor<'_, S::Error>,
) -> Result<(), S::Error> {
    // Checked before the read, so a child pointing at itself or an ancestor is a cycle
    // rather than a level mismatch.
    enter(visited, address)?;
    let node = Node::read(src, address, format, ctx, limits)?;
    check_level(&node, expected_level, address, limits)?;
    if node.level == 0 {
        return visit(address, &node);
    }
    for &child in &node.children {
        walk_node(
            src,
            child,
            Some(node.level - 1),
            format,
            ctx,
            limits,
            visited,
            visit,
        )?;
    }
    Ok(())
}

/// Records `address` as visited; `Cycle` if it already was.
pub(crate) fn enter(visited: &mut BTreeSet<u64>, address: u64) -> Result<(), FormatError> {
    if !visited.insert(address) {
        return Err(FormatError::new(
            ErrorKind::Cycle { address },
            node::STRUCTURE,
            address,
        ));
    }
    Ok(())
}

/// Checks a node's level: the root's against `limits.max_depth`, a child's against its
/// parent's minus one.
pub(crate) fn check_level(
    node: &Node,
    expected: Option<u8>,
    address: u64,
    limits: &Limits,
) -> Result<(), FormatError> {
    match expected {
        None => Limits::check(
            "max_depth",
            u64::from(node.level),
            u64::from(limits.max_depth),
            node::STRUCTURE,
            address,
        ),
        Some(level) if level != node.level => Err(FormatError::new(
            ErrorKind::InvalidValue {
                field: "node level",
                value: u64::from(node.level),
            },
            node::STRUCTURE,
            address.saturating_add(5),
        )),
        Some(_) => Ok(()),
    }
}

/// Visits, in name order, the address of every symbol table node ("SNOD") of a group's
/// B-tree (node type 0) rooted at `root_address`.
///
/// # Errors
/// Those of [`walk_leaves`]; whatever `visit` returns.
pub fn walk_group_btree<S: ReadAt + ?Sized>(
    src: &S,
    root_address: u64,
    ctx: &Context,
    limits: &Limits,
    visit: &mut dyn FnMut(u64) -> Result<(), S::Error>,
) -> Result<(), S::Error> {
    walk_leaves(
        src,
        root_address,
        KeyFormat::Group,
        ctx,
        limits,
        &mut |_, leaf| {
            for &snod in &leaf.children {
                visit(snod)?;
            }
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::Writer;
    use crate::UNDEFINED_ADDRESS;
    use alloc::vec;
    use alloc::vec::Vec;

    fn put(file: &mut Vec<u8>, at: usize, node: &Node, k: u16) {
        let mut w = Writer::new();
        node.encode(&mut w, &Context::DEFAULT, k).unwrap();
        let b = w.into_inner();
        if file.len() < at + b.len() {
            file.resize(at + b.len(), 0);
        }
        file[at..at + b.len()].copy_from_slice(&b);
    }

    fn group_node(level: u8, children: Vec<u64>) -> Node {
        let keys = (0..=children.len() as u64).map(|i| i * 8).collect();
        Node {
            level,
            left_sibling: UNDEFINED_ADDRESS,
            right_sibling: UNDEFINED_ADDRESS,
            keys: Keys::Group(keys),
            children,
        }
    }

    #[test]
    fn walks_two_levels_in_order() {
        let mut file = Vec::new();
        put(&mut file, 0, &group_node(1, vec![1000, 2000]), 2);
        put(&mut file, 1000, &group_node(0, vec![11, 12]), 2);
        put(&mut file, 2000, &group_node(0, vec![21]), 2);
        let mut seen = Vec::new();
        walk_group_btree(
            &file[..],
            0,
            &Context::DEFAULT,
            &Limits::DEFAULT,
            &mut |a| {
                seen.push(a);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, [11, 12, 21]);
    }

    #[test]
    fn self_and_ancestor_pointers_are_cycles() {
        let mut file = Vec::new();
        put(&mut file, 0, &group_node(1, vec![0]), 2);
        let err = walk_group_btree(
            &file[..],
            0,
            &Context::DEFAULT,
            &Limits::DEFAULT,
            &mut |_| Ok(()),
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Cycle { address: 0 });
        let mut file = Vec::new();
        put(&mut file, 0, &group_node(2, vec![500]), 2);
        put(&mut file, 500, &group_node(1, vec![0]), 2);
        let err = walk_group_btree(
            &file[..],
            0,
            &Context::DEFAULT,
            &Limits::DEFAULT,
            &mut |_| Ok(()),
        )
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Cycle { address: 0 });
        assert_eq!(err.offset, 0);
    }

    #[test]
    fn level_and_depth_checks() {
        let mut file = Vec::new();
        put(&mut file, 0, &group_node(2, vec![500]), 2);
        put(&mut file, 500, &group_node(0, vec![7]), 2);
        let err = walk_group_btree(
            &file[..],
            0,
            &Context::DEFAULT,
            &Limits::DEFAULT,
            &mut |_| Ok(()),
        )
        .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidValue {
                field: "node level",
                value: 0
            }
        );
        let limits = Limits {
            max_depth: 1,
            ..Limits::DEFAULT
        };
        let err = walk_group_btree(&file[..], 0, &Context::DEFAULT, &limits, &mut |_| Ok(()))
            .unwrap_err();
        assert!(matches!(err.kind, ErrorKind::LimitExceeded { .. }));
    }
}
