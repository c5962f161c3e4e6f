//! Version 1 B-tree node decode and encode (spec III.A.1).
//!
//! A node is a header (signature, type, level, entries used, sibling addresses) followed by
//! `2K + 1` keys interleaved with `2K` child addresses; only the first `N + 1` keys and `N`
//! children (`N` = entries used) are valid. Group nodes (type 0) use `K` = the superblock's
//! group internal node K at every level; chunk nodes (type 1) use the indexed storage K.

use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::limits::Limits;
use crate::source::{read_structure, ReadAt};

/// The node signature.
pub const SIGNATURE: &[u8; 4] = b"TREE";

/// Most dataset dimensions a chunk key can describe (libhdf5's `H5S_MAX_RANK`); the key
/// holds one more offset, for the datatype dimension.
pub const MAX_RANK: usize = 32;

pub(crate) const STRUCTURE: &str = "version 1 B-tree node";

/// What a tree indexes, which fixes its node type and key format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// Node type 0: group nodes; keys are local heap offsets (`sizeof_lengths` bytes).
    Group,
    /// Node type 1: raw data chunks of a dataset of `rank` dimensions; keys are the chunk
    /// size (u32), filter mask (u32) and `rank + 1` 64-bit element offsets.
    Chunk {
        /// The dataset's rank (the layout message's dimensionality minus one).
        rank: usize,
    },
}

impl KeyFormat {
    /// The node type number stored in each node.
    pub fn node_type(&self) -> u8 {
        match self {
            KeyFormat::Group => 0,
            KeyFormat::Chunk { .. } => 1,
        }
    }

    /// Bytes of one key.
    pub fn key_len(&self, ctx: &Context) -> usize {
        match self {
            KeyFormat::Group => ctx.sizeof_lengths(),
            KeyFormat::Chunk { rank } => rank.saturating_add(1).saturating_mul(8).saturating_add(8),
        }
    }

    fn check(&self, structure: &'static str, offset: u64) -> Result<()> {
        if let KeyFormat::Chunk { rank } = *self {
            if rank == 0 || rank > MAX_RANK {
                return Err(FormatError::new(
                    ErrorKind::InvalidValue {
                        field: "chunk key dimensionality",
                        value: rank as u64,
                    },
                    structure,
                    offset,
                ));
            }
        }
        Ok(())
    }
}

/// The key of a chunk node (type 1).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChunkKey {
    /// Size of the stored chunk in bytes (after filters).
    pub size: u32,
    /// Bit `i` set: filter `i` of the pipeline was skipped for this chunk.
    pub filter_mask: u32,
    /// Element offsets of the chunk's first element: `rank` dataset dimensions, then the
    /// datatype dimension (0 for real chunks; libhdf5's right-most key may hold other values).
    pub offset: Vec<u64>,
}

/// The keys of one node, `entries + 1` of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Keys {
    /// Group node keys: local heap offsets of link names.
    Group(Vec<u64>),
    /// Chunk node keys.
    Chunk(Vec<ChunkKey>),
}

impl Keys {
    /// Number of keys.
    pub fn len(&self) -> usize {
        match self {
            Keys::Group(k) => k.len(),
            Keys::Chunk(k) => k.len(),
        }
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key format these keys are of (for chunk keys, from the first key's length; a
    /// chunk key list without keys reports rank 0).
    pub fn format(&self) -> KeyFormat {
        match self {
            Keys::Group(_) => KeyFormat::Group,
            Keys::Chunk(k) => KeyFormat::Chunk {
                rank: k.first().map_or(0, |k| k.offset.len().saturating_sub(1)),
            },
        }
    }

    /// Keys `from..=to` (clamped to the list).
    pub fn range(&self, from: usize, to: usize) -> Keys {
        fn cut<T: Clone>(v: &[T], from: usize, to: usize) -> Vec<T> {
            let end = to.saturating_add(1).min(v.len());
            v.get(from.min(end)..end).unwrap_or(&[]).to_vec()
        }
        match self {
            Keys::Group(k) => Keys::Group(cut(k, from, to)),
            Keys::Chunk(k) => Keys::Chunk(cut(k, from, to)),
        }
    }
}

/// A decoded version 1 B-tree node (spec III.A.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Level in the tree; leaves are level 0.
    pub level: u8,
    /// Address of the left sibling, or undefined.
    pub left_sibling: u64,
    /// Address of the right sibling, or undefined.
    pub right_sibling: u64,
    /// `children.len() + 1` keys; child `i` lies between key `i` and key `i + 1`.
    pub keys: Keys,
    /// Child addresses: nodes one level down, or (at level 0) symbol table nodes / chunks.
    pub children: Vec<u64>,
}

impl Node {
    /// Bytes of the header: signature, type, level, entries used, two sibling addresses.
    pub fn header_len(ctx: &Context) -> usize {
        8 + 2 * ctx.sizeof_offsets()
    }

    /// Bytes of a node whose first `entries` entries are used (header, `entries + 1` keys,
    /// `entries` children). Saturates, so an absurd count fails the limit check instead of
    /// wrapping.
    pub fn used_len(format: KeyFormat, ctx: &Context, entries: usize) -> usize {
        let per_entry = format.key_len(ctx).saturating_add(ctx.sizeof_offsets());
        Self::header_len(ctx)
            .saturating_add(entries.saturating_mul(per_entry))
            .saturating_add(format.key_len(ctx))
    }

    /// Bytes of a full node of `2K` entries: what libhdf5 allocates for every node.
    pub fn encoded_len(format: KeyFormat, ctx: &Context, k: u16) -> usize {
        Self::used_len(format, ctx, 2 * usize::from(k))
    }

    /// Number of entries (children).
    pub fn entries(&self) -> usize {
        self.children.len()
    }

    /// Decodes a node of the expected format. Only the header and the used keys and
    /// children must be present in the cursor. With `k` given, more than `2K` entries is an
    /// error.
    ///
    /// # Errors
    /// `BadSignature`; `InvalidValue` for a node type other than the format's, more entries
    /// than `2K`, or a chunk rank of 0 or above [`MAX_RANK`]; `UnexpectedEof` if the used
    /// part is truncated.
    pub fn decode(
        cur: &mut Cursor<'_>,
        format: KeyFormat,
        ctx: &Context,
        k: Option<u16>,
    ) -> Result<Self> {
        let mut cur = cur.clone().named(STRUCTURE);
        format.check(STRUCTURE, cur.offset())?;
        cur.signature(SIGNATURE)?;
        let node_type = cur.u8()?;
        if node_type != format.node_type() {
            return Err(cur.invalid("node type", u64::from(node_type), 1));
        }
        let level = cur.u8()?;
        let entries = usize::from(cur.u16()?);
        if let Some(k) = k {
            if entries > 2 * usize::from(k) {
                return Err(cur.invalid("entries used", entries as u64, 2));
            }
        }
        let left_sibling = cur.offset_field(ctx)?;
        let right_sibling = cur.offset_field(ctx)?;
        // Bound the allocations by the bytes present before reading the entries.
        let need = Node::used_len(format, ctx, entries) - Node::header_len(ctx);
        if need > cur.remaining() {
            return Err(cur.error(ErrorKind::UnexpectedEof {
                needed: need as u64,
                available: cur.remaining() as u64,
            }));
        }
        let mut children = Vec::with_capacity(entries);
        let keys = match format {
            KeyFormat::Group => {
                let mut keys = Vec::with_capacity(entries + 1);
                for _ in 0..entries {
                    keys.push(cur.length_field(ctx)?);
                    children.push(cur.offset_field(ctx)?);
                }
                keys.push(cur.length_field(ctx)?);
                Keys::Group(keys)
            }
            KeyFormat::Chunk { rank } => {
                let mut keys = Vec::with_capacity(entries + 1);
                for _ in 0..entries {
                    keys.push(decode_chunk_key(&mut cur, rank)?);
                    children.push(cur.offset_field(ctx)?);
                }
                keys.push(decode_chunk_key(&mut cur, rank)?);
                Keys::Chunk(keys)
            }
        };
        Ok(Node {
            level,
            left_sibling,
            right_sibling,
            keys,
            children,
        })
    }

    /// Reads the node at `address`: first its header, to learn the entries used, then
    /// exactly the used part of the node (header, `N + 1` keys, `N` children).
    ///
    /// # Errors
    /// The source's read errors; `LimitExceeded` if the used part is larger than
    /// `limits.max_structure_bytes`; the errors of [`Node::decode`].
    pub fn read<S: ReadAt + ?Sized>(
        src: &S,
        address: u64,
        format: KeyFormat,
        ctx: &Context,
        limits: &Limits,
    ) -> core::result::Result<Self, S::Error> {
        format.check(STRUCTURE, address)?;
        let head = read_structure(src, address, Node::header_len(ctx) as u64, STRUCTURE)?;
        let mut cur = Cursor::new(&head, address, STRUCTURE);
        cur.signature(SIGNATURE)?;
        cur.skip(2)?;
        let entries = usize::from(cur.u16()?);
        let len = Node::used_len(format, ctx, entries);
        limits.structure_size(len as u64, STRUCTURE, address)?;
        let bytes = read_structure(src, address, len as u64, STRUCTURE)?;
        Ok(Node::decode(
            &mut Cursor::new(&bytes, address, STRUCTURE),
            format,
            ctx,
            None,
        )?)
    }

    /// Appends a full node of `2K` entry slots ([`Node::encoded_len`] bytes; unused slots
    /// zero).
    ///
    /// # Errors
    /// `EncodeOverflow` if there are more than `2K` children, the key count is not
    /// `children + 1`, a chunk key's offset count differs from the others', or an address
    /// or key does not fit the context's sizes.
    pub fn encode(&self, w: &mut Writer, ctx: &Context, k: u16) -> Result<()> {
        let at = w.len() as u64;
        let overflow = |field| FormatError::new(ErrorKind::EncodeOverflow { field }, STRUCTURE, at);
        let entries = self.children.len();
        let max = 2 * usize::from(k);
        if entries > max {
            return Err(overflow("entries used"));
        }
        if self.keys.len() != entries + 1 {
            return Err(overflow("keys (must be one more than the children)"));
        }
        let format = self.keys.format();
        if let Keys::Chunk(keys) = &self.keys {
            let dims = format_rank(format) + 1;
            if keys.iter().any(|k| k.offset.len() != dims) {
                return Err(overflow(
                    "chunk key offsets (must all have rank + 1 values)",
                ));
            }
            format.check(STRUCTURE, at)?;
        }
        let start = w.len();
        w.bytes(SIGNATURE);
        w.u8(format.node_type());
        w.u8(self.level);
        w.u16(entries as u16);
        w.offset_field(self.left_sibling, ctx)?;
        w.offset_field(self.right_sibling, ctx)?;
        for i in 0..=entries {
            match &self.keys {
                Keys::Group(keys) => w.length_field(keys[i], ctx)?,
                Keys::Chunk(keys) => {
                    let key = &keys[i];
                    w.u32(key.size);
                    w.u32(key.filter_mask);
                    for &o in &key.offset {
                        w.u64(o);
                    }
                }
            }
            if let Some(&child) = self.children.get(i) {
                w.offset_field(child, ctx)?;
            }
        }
        let full = Node::encoded_len(format, ctx, k);
        w.zeros(full - (w.len() - start));
        Ok(())
    }
}

fn format_rank(format: KeyFormat) -> usize {
    match format {
        KeyFormat::Group => 0,
        KeyFormat::Chunk { rank } => rank,
    }
}

fn decode_chunk_key(cur: &mut Cursor<'_>, rank: usize) -> Result<ChunkKey> {
    let size = cur.u32()?;
    let filter_mask = cur.u32()?;
    let mut offset = Vec::with_capacity(rank + 1);
    for _ in 0..=rank {
        offset.push(cur.u64()?);
    }
    Ok(ChunkKey {
        size,
        filter_mask,
        offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UNDEFINED_ADDRESS;
    use proptest::prelude::*;

    /// The used part of the root group's B-tree node of tests/data/group_symtab.h5 at 136:
    /// a leaf with one child (the symbol table node at 608), keys 0 and 8.
    fn group_leaf() -> Vec<u8> {
        let mut b = Vec::from(&b"TREE\x00\x00\x01\x00"[..]);
        b.extend_from_slice(&[0xff; 16]);
        b.extend_from_slice(&0u64.to_le_bytes());
        b.extend_from_slice(&608u64.to_le_bytes());
        b.extend_from_slice(&8u64.to_le_bytes());
        b
    }

    #[test]
    fn decodes_group_leaf() {
        let b = group_leaf();
        let ctx = Context::DEFAULT;
        let n = Node::read(&b[..], 0, KeyFormat::Group, &ctx, &Limits::DEFAULT).unwrap();
        assert_eq!(n.level, 0);
        assert_eq!(n.left_sibling, UNDEFINED_ADDRESS);
        assert_eq!(n.children, [608]);
        assert_eq!(n.keys, Keys::Group(alloc::vec![0, 8]));
        let mut w = Writer::new();
        n.encode(&mut w, &ctx, 16).unwrap();
        assert_eq!(w.len(), Node::encoded_len(KeyFormat::Group, &ctx, 16));
        assert_eq!(w.len(), 544); // h5debug: "Size of node: 544" for K = 16
        assert_eq!(&w.as_slice()[..b.len()], &b[..]);
    }

    #[test]
    fn rejects_wrong_type_and_too_many_entries() {
        let b = group_leaf();
        let ctx = Context::DEFAULT;
        let err = Node::decode(
            &mut Cursor::new(&b, 0, "t"),
            KeyFormat::Chunk { rank: 2 },
            &ctx,
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidValue {
                field: "node type",
                value: 0
            }
        );
        assert_eq!(err.offset, 4);
        let mut b2 = b.clone();
        b2[6] = 5;
        let err = Node::decode(
            &mut Cursor::new(&b2, 0, "t"),
            KeyFormat::Group,
            &ctx,
            Some(2),
        )
        .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidValue {
                field: "entries used",
                value: 5
            }
        );
        // Without K the count is bounded by the bytes present.
        let err =
            Node::decode(&mut Cursor::new(&b2, 0, "t"), KeyFormat::Group, &ctx, None).unwrap_err();
        assert!(matches!(err.kind, ErrorKind::UnexpectedEof { .. }));
        let limits = Limits {
            max_structure_bytes: 40,
            ..Limits::DEFAULT
        };
        let err = Node::read(&b[..], 0, KeyFormat::Group, &ctx, &limits).unwrap_err();
        assert!(matches!(err.kind, ErrorKind::LimitExceeded { .. }));
    }

    fn chunk_node(rank: usize) -> impl Strategy<Value = Node> {
        proptest::collection::vec(
            (
                any::<u32>(),
                any::<u32>(),
                proptest::collection::vec(any::<u64>(), rank + 1),
                0u64..1 << 40,
            ),
            0..8,
        )
        .prop_map(move |entries| {
            let mut keys: Vec<ChunkKey> = entries
                .iter()
                .map(|(s, m, o, _)| ChunkKey {
                    size: *s,
                    filter_mask: *m,
                    offset: o.clone(),
                })
                .collect();
            keys.push(ChunkKey {
                size: 0,
                filter_mask: 0,
                offset: alloc::vec![7; rank + 1],
            });
            Node {
                level: 3,
                left_sibling: 12,
                right_sibling: UNDEFINED_ADDRESS,
                keys: Keys::Chunk(keys),
                children: entries.iter().map(|e| e.3).collect(),
            }
        })
    }

    proptest! {
        #[test]
        fn chunk_round_trip(node in (1usize..5).prop_flat_map(chunk_node)) {
            let ctx = Context::DEFAULT;
            let format = node.keys.format();
            let mut w = Writer::new();
            node.encode(&mut w, &ctx, 4).unwrap();
            prop_assert_eq!(w.len(), Node::encoded_len(format, &ctx, 4));
            let back = Node::decode(&mut Cursor::new(w.as_slice(), 0, "t"), format, &ctx, Some(4)).unwrap();
            prop_assert_eq!(back, node);
        }

        #[test]
        fn group_round_trip(keys in proptest::collection::vec(0u64..1 << 30, 1..10), four in any::<bool>()) {
            let ctx = if four { Context::new(4, 4, 0).unwrap() } else { Context::DEFAULT };
            let children = keys[1..].iter().map(|k| k * 2).collect();
            let node = Node { level: 0, left_sibling: 5, right_sibling: 6, keys: Keys::Group(keys), children };
            let mut w = Writer::new();
            node.encode(&mut w, &ctx, 5).unwrap();
            let back = Node::decode(&mut Cursor::new(w.as_slice(), 0, "t"), KeyFormat::Group, &ctx, Some(5)).unwrap();
            prop_assert_eq!(back, node);
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut b = Vec::from(&b"TREE"[..]);
            b.extend_from_slice(&bytes);
            let _ = Node::decode(&mut Cursor::new(&b, 0, "t"), KeyFormat::Chunk { rank: 2 }, &Context::DEFAULT, None);
            let _ = Node::read(&b[..], 0, KeyFormat::Group, &Context::DEFAULT, &Limits::DEFAULT);
        }
    }
}
