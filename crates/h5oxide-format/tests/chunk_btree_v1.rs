//! A chunked dataset of 20x15 int32 in 4x3 chunks (deflate; chunk (8, 6) written raw with
//! filter mask 1) whose chunk B-tree has K = 2, written by libhdf5 1.10.8
//! (tests/data/gen/chunked_btree.c).

use h5oxide_format::btree_v1::{ChunkKey, KeyFormat, Keys, Node};
use h5oxide_format::chunk_index::btree_v1::{build_chunk_btree, chunks, find_chunk, ChunkRecord};
use h5oxide_format::superblock::Superblock;
use h5oxide_format::{Context, ErrorKind, FormatError, Limits};

const FILE: &[u8] = include_bytes!("data/chunked_btree.h5");
/// `h5ls -va chunked_btree.h5/chunked`: "Address: 1404".
const ROOT: u64 = 1404;

/// H5Dget_chunk_info of every chunk: offset, filter mask, address, size.
const CHUNKS: &[(u64, u64, u32, u64, u64)] = &[
    (0, 0, 0, 2096, 37),
    (0, 3, 0, 2133, 39),
    (0, 6, 0, 2172, 40),
    (0, 9, 0, 2212, 40),
    (0, 12, 0, 2252, 40),
    (4, 0, 0, 2292, 42),
    (4, 3, 0, 2334, 42),
    (4, 6, 0, 2376, 42),
    (4, 9, 0, 2418, 41),
    (4, 12, 0, 2459, 39),
    (8, 0, 0, 2498, 41),
    (8, 3, 0, 2539, 41),
    (8, 6, 1, 2048, 48),
    (8, 9, 0, 2580, 41),
    (8, 12, 0, 2621, 41),
    (12, 0, 0, 2662, 41),
    (12, 3, 0, 2703, 41),
    (12, 6, 0, 2744, 41),
    (12, 9, 0, 2785, 41),
    (12, 12, 0, 2826, 41),
    (16, 0, 0, 2867, 41),
    (16, 3, 0, 2908, 41),
    (16, 6, 0, 2949, 41),
    (16, 9, 0, 2990, 41),
    (16, 12, 0, 3031, 41),
];

fn expected() -> Vec<ChunkRecord> {
    CHUNKS
        .iter()
        .map(|&(r, c, filter_mask, address, size)| ChunkRecord {
            offset: vec![r, c],
            filter_mask,
            size,
            address,
        })
        .collect()
}

#[test]
fn lists_every_chunk_in_order() {
    let ctx = Superblock::read(FILE).unwrap().context();
    let got = chunks(FILE, ROOT, 2, &ctx, &Limits::DEFAULT).unwrap();
    assert_eq!(got, expected());
}

#[test]
fn root_node_as_h5debug_shows_it() {
    let ctx = Context::DEFAULT;
    let root = Node::read(
        FILE,
        ROOT,
        KeyFormat::Chunk { rank: 2 },
        &ctx,
        &Limits::DEFAULT,
    )
    .unwrap();
    assert_eq!(root.level, 2);
    assert_eq!(root.children, [5176, 5608, 6040, 4960]);
    let Keys::Chunk(keys) = &root.keys else {
        panic!("chunk keys")
    };
    assert_eq!(
        keys[3],
        ChunkKey {
            size: 48,
            filter_mask: 1,
            offset: vec![8, 6, 0]
        }
    );
    // libhdf5's right-most key: size 0, offsets {16, 15, 4}.
    assert_eq!(
        keys[4],
        ChunkKey {
            size: 0,
            filter_mask: 0,
            offset: vec![16, 15, 4]
        }
    );
}

#[test]
fn finds_single_chunks_and_their_bytes() {
    let ctx = Context::DEFAULT;
    for rec in expected() {
        let got = find_chunk(FILE, ROOT, 2, &rec.offset, &ctx, &Limits::DEFAULT).unwrap();
        assert_eq!(got, Some(rec));
    }
    let raw = find_chunk(FILE, ROOT, 2, &[8, 6], &ctx, &Limits::DEFAULT)
        .unwrap()
        .unwrap();
    // The unfiltered chunk holds 0, -1, ..., -11 as written by H5Dwrite_chunk.
    let bytes = &FILE[raw.address as usize..(raw.address + raw.size) as usize];
    let values: Vec<i32> = bytes
        .chunks_exact(4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(values, (0..12).map(|i| -i).collect::<Vec<_>>());
    for missing in [[8, 7], [20, 0], [0, 15]] {
        assert_eq!(
            find_chunk(FILE, ROOT, 2, &missing, &ctx, &Limits::DEFAULT).unwrap(),
            None
        );
    }
}

#[test]
fn rebuilt_tree_lists_the_same_chunks() {
    let ctx = Context::DEFAULT;
    let mut next = 0u64;
    let tree = build_chunk_btree::<FormatError>(&expected(), &[4, 3], 4, 2, &ctx, &mut |size| {
        let at = next;
        next += size;
        Ok(at)
    })
    .unwrap();
    let mut file = vec![0u8; next as usize];
    for n in &tree.nodes {
        file[n.address as usize..n.address as usize + n.image.len()].copy_from_slice(&n.image);
    }
    assert_eq!(tree.nodes[0].image.len(), 216); // h5debug: "Size of node: 216"
    assert_eq!(
        chunks(&file[..], tree.root, 2, &ctx, &Limits::DEFAULT).unwrap(),
        expected()
    );
}

#[test]
fn child_pointing_to_its_own_node_is_a_cycle() {
    let ctx = Context::DEFAULT;
    let mut file = FILE.to_vec();
    // Child 0 of the root (at 1404 + 24 header + 32 key) now points at the root itself.
    let at = ROOT as usize + 24 + 32;
    assert_eq!(&file[at..at + 8], &5176u64.to_le_bytes());
    file[at..at + 8].copy_from_slice(&ROOT.to_le_bytes());
    let err = chunks(&file[..], ROOT, 2, &ctx, &Limits::DEFAULT).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cycle { address: ROOT });
    let err = find_chunk(&file[..], ROOT, 2, &[0, 0], &ctx, &Limits::DEFAULT).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cycle { address: ROOT });
}
