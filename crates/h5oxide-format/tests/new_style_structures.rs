//! Reads dense links, dense attributes, v2-B-tree chunk indexes and shared messages from
//! files written by libhdf5 1.10.8 (generators in tests/data/gen/), through the `[u8]`
//! source.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::BTreeSet;

use h5oxide_format::btree_v2::{self, Record, RecordParams, SharedMessageRecord};
use h5oxide_format::checksum::{lookup3, lookup3_with};
use h5oxide_format::chunk_index::btree_v2::{chunk_size_len, read_chunk_records};
use h5oxide_format::chunk_index::ChunkRecord;
use h5oxide_format::heap::fractal::{self, FractalHeapHeader, HeapId};
use h5oxide_format::sohm;
use h5oxide_format::{Context, ErrorKind, FormatError, Limits, ReadAt};

const CTX: Context = Context::DEFAULT;
const LIMITS: Limits = Limits::DEFAULT;

const DENSE_LINKS: &[u8] = include_bytes!("data/dense_links.h5");
// From `h5debug dense_links.h5 195` (the object header of "/big", address printed by
// gen/dense_links.c): the Link Info message's fractal heap, name index and creation order
// index addresses.
const LINK_HEAP: u64 = 705;
const LINK_NAME_INDEX: u64 = 851;
const LINK_ORDER_INDEX: u64 = 889;

const DENSE_ATTRS: &[u8] = include_bytes!("data/dense_attrs.h5");
// From `h5debug dense_attrs.h5 195` ("/g"): the Attribute Info message's addresses.
const ATTR_HEAP: u64 = 641;
const ATTR_NAME_INDEX: u64 = 787;
const ATTR_ORDER_INDEX: u64 = 825;

const CHUNKS: &[u8] = include_bytes!("data/chunks_btree2.h5");
const CHUNK_INFO: &str = include_str!("data/chunks_btree2.txt");
// From `h5debug chunks_btree2.h5 195` and `... 517`: the layout messages' index addresses.
const PLAIN_INDEX: u64 = 479;
const DEFLATE_INDEX: u64 = 801;

const SOHM_LIST: &[u8] = include_bytes!("data/sohm_list.h5");
const SOHM_BTREE: &[u8] = include_bytes!("data/sohm_btree.h5");
// From `h5debug sohm_*.h5 0`: the superblock extension's shared message table address.
const SOHM_TABLE: u64 = 97;

/// A source that counts reads, to check that lookups do not read unrelated structures.
struct Counting<'a> {
    bytes: &'a [u8],
    reads: Cell<usize>,
}

impl ReadAt for Counting<'_> {
    type Error = FormatError;
    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, FormatError> {
        self.reads.set(self.reads.get() + 1);
        self.bytes.read_at(offset, len)
    }
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
}

fn records(file: &[u8], header: u64, params: &RecordParams) -> Result<Vec<Record>, FormatError> {
    let mut out = Vec::new();
    btree_v2::walk(file, header, &CTX, &LIMITS, params, &mut |r| {
        out.push(r);
        Ok(())
    })?;
    Ok(out)
}

/// Name and creation order of a Link message (spec IV.A.2.g).
fn link_name(msg: &[u8]) -> (String, Option<u64>) {
    assert_eq!(msg[0], 1, "link message version");
    let flags = msg[1];
    let mut p = 2;
    if flags & 0x08 != 0 {
        p += 1;
    }
    let mut order = None;
    if flags & 0x04 != 0 {
        order = Some(u64::from_le_bytes(msg[p..p + 8].try_into().unwrap()));
        p += 8;
    }
    if flags & 0x10 != 0 {
        p += 1;
    }
    let width = 1usize << (flags & 0x03);
    let mut len = 0usize;
    for i in 0..width {
        len |= usize::from(msg[p + i]) << (8 * i);
    }
    p += width;
    (String::from_utf8(msg[p..p + len].to_vec()).unwrap(), order)
}

/// Name of a version 3 Attribute message (spec IV.A.2.m) and its data (the message's tail of
/// `data_len` bytes).
fn attribute_name(msg: &[u8]) -> String {
    assert_eq!(msg[0], 3, "attribute message version");
    let name_len = usize::from(u16::from_le_bytes([msg[2], msg[3]]));
    // Version 3: version, flags, three sizes, encoding, then the null-terminated name.
    String::from_utf8(msg[9..9 + name_len - 1].to_vec()).unwrap()
}

fn heap(file: &[u8], at: u64) -> FractalHeapHeader {
    fractal::read_header(file, at, &CTX).unwrap()
}

#[test]
fn dense_links_by_name_index() {
    let heap = heap(DENSE_LINKS, LINK_HEAP);
    let hdr = btree_v2::read_header(DENSE_LINKS, LINK_NAME_INDEX, &CTX).unwrap();
    assert_eq!((hdr.tree_type, hdr.total_records), (5, 2000));
    assert_eq!(hdr.depth, 2, "more than one level of internal nodes");
    let recs = records(DENSE_LINKS, LINK_NAME_INDEX, &RecordParams::default()).unwrap();
    assert_eq!(recs.len(), 2000);
    let mut names = BTreeSet::new();
    let mut last_hash = 0;
    for r in recs {
        let Record::LinkName { hash, heap_id } = r else {
            panic!("{r:?}")
        };
        assert!(hash >= last_hash, "records come in hash order");
        last_hash = hash;
        let msg = fractal::read_object(DENSE_LINKS, &heap, &heap_id, &CTX, &LIMITS).unwrap();
        let (name, order) = link_name(&msg);
        assert_eq!(lookup3(name.as_bytes()), hash, "{name}");
        assert!(order.is_some());
        names.insert(name);
    }
    let expected: BTreeSet<String> = (0..2000).map(|i| format!("link_{i:04}")).collect();
    assert_eq!(names, expected);
}

#[test]
fn dense_links_by_creation_order() {
    let heap = heap(DENSE_LINKS, LINK_HEAP);
    let hdr = btree_v2::read_header(DENSE_LINKS, LINK_ORDER_INDEX, &CTX).unwrap();
    assert_eq!((hdr.tree_type, hdr.depth), (6, 2));
    let recs = records(DENSE_LINKS, LINK_ORDER_INDEX, &RecordParams::default()).unwrap();
    assert_eq!(recs.len(), 2000);
    for (i, r) in recs.into_iter().enumerate() {
        let Record::LinkCreationOrder {
            creation_order,
            heap_id,
        } = r
        else {
            panic!("{r:?}")
        };
        assert_eq!(creation_order, i as u64);
        let msg = fractal::read_object(DENSE_LINKS, &heap, &heap_id, &CTX, &LIMITS).unwrap();
        // gen/dense_links.c creates link number i under the name link_{(i * 7919) % 2000}.
        assert_eq!(
            link_name(&msg),
            (format!("link_{:04}", (i * 7919) % 2000), Some(i as u64))
        );
    }
}

#[test]
fn find_by_hash_reads_one_path() {
    let heap = heap(DENSE_LINKS, LINK_HEAP);
    for name in ["link_0000", "link_1234", "link_1999"] {
        let src = Counting {
            bytes: DENSE_LINKS,
            reads: Cell::new(0),
        };
        let mut found = Vec::new();
        btree_v2::find_by_hash(
            &src,
            LINK_NAME_INDEX,
            &CTX,
            &LIMITS,
            lookup3(name.as_bytes()),
            &mut |r| {
                found.push(r);
                Ok(())
            },
        )
        .unwrap();
        // Header plus one node per level (depth 2: three nodes), unless the hash sits on a
        // separator shared by two paths.
        assert!(src.reads.get() <= 5, "{} reads", src.reads.get());
        let names: Vec<String> = found
            .iter()
            .map(|r| {
                let Record::LinkName { heap_id, .. } = r else {
                    panic!()
                };
                link_name(
                    &fractal::read_object(DENSE_LINKS, &heap, heap_id, &CTX, &LIMITS).unwrap(),
                )
                .0
            })
            .collect();
        assert!(names.contains(&name.to_string()), "{names:?}");
    }
    // A managed object is read with the root indirect block and its one direct block.
    let src = Counting {
        bytes: DENSE_LINKS,
        reads: Cell::new(0),
    };
    let recs = records(DENSE_LINKS, LINK_ORDER_INDEX, &RecordParams::default()).unwrap();
    let Record::LinkCreationOrder { heap_id, .. } = &recs[1999] else {
        panic!()
    };
    fractal::read_object(&src, &heap, heap_id, &CTX, &LIMITS).unwrap();
    assert_eq!(src.reads.get(), 2);
}

#[test]
fn dense_and_huge_attributes() {
    let heap = heap(DENSE_ATTRS, ATTR_HEAP);
    assert_eq!(heap.huge_object_count, 1);
    let recs = records(DENSE_ATTRS, ATTR_NAME_INDEX, &RecordParams::default()).unwrap();
    assert_eq!(recs.len(), 201);
    let mut names = BTreeSet::new();
    let mut saw_huge = false;
    for r in recs {
        let Record::AttributeName {
            heap_id,
            hash,
            creation_order,
            ..
        } = r
        else {
            panic!("{r:?}")
        };
        let msg = fractal::read_object(DENSE_ATTRS, &heap, &heap_id, &CTX, &LIMITS).unwrap();
        let name = attribute_name(&msg);
        assert_eq!(lookup3(name.as_bytes()), hash);
        if name == "huge" {
            assert!(matches!(
                HeapId::decode(&heap, &heap_id).unwrap(),
                HeapId::Huge(_)
            ));
            assert_eq!(creation_order, 200);
            // gen/dense_attrs.c wrote 20000 int32 values i * 7 + 3.
            let data = &msg[msg.len() - 80_000..];
            for (i, v) in data.chunks_exact(4).enumerate() {
                assert_eq!(i32::from_le_bytes(v.try_into().unwrap()), i as i32 * 7 + 3);
            }
            assert_eq!(msg.len() as u64, heap.huge_object_size);
            saw_huge = true;
        } else {
            let i: i32 = name[5..].parse().unwrap();
            assert_eq!(creation_order, i as u32);
            let v = i32::from_le_bytes(msg[msg.len() - 4..].try_into().unwrap());
            assert_eq!(v, i * 3 + 1);
        }
        names.insert(name);
    }
    assert!(saw_huge);
    assert_eq!(names.len(), 201);
    let hb = btree_v2::read_header(DENSE_ATTRS, heap.huge_btree_address, &CTX).unwrap();
    assert_eq!(hb.tree_type, 1);

    let order = records(DENSE_ATTRS, ATTR_ORDER_INDEX, &RecordParams::default()).unwrap();
    let orders: Vec<u32> = order
        .iter()
        .map(|r| match r {
            Record::AttributeCreationOrder { creation_order, .. } => *creation_order,
            r => panic!("{r:?}"),
        })
        .collect();
    assert_eq!(orders, (0..201).collect::<Vec<u32>>());
}

fn expected_chunks(dataset: &str) -> Vec<ChunkRecord> {
    let mut v: Vec<ChunkRecord> = CHUNK_INFO
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0] == dataset).then(|| ChunkRecord {
                offset: vec![f[1].parse().unwrap(), f[2].parse().unwrap()],
                filter_mask: f[3].parse().unwrap(),
                address: f[4].parse().unwrap(),
                size: f[5].parse().unwrap(),
            })
        })
        .collect();
    v.sort_by(|a, b| a.offset.cmp(&b.offset));
    v
}

#[test]
fn chunk_records_match_h5dget_chunk_info() {
    // 4x5 chunks of int32: 80 bytes; layout message version 4.
    for (name, index, tree_type) in [("plain", PLAIN_INDEX, 10), ("deflate", DEFLATE_INDEX, 11)] {
        let hdr = btree_v2::read_header(CHUNKS, index, &CTX).unwrap();
        assert_eq!(hdr.tree_type, tree_type);
        let mut got = read_chunk_records(
            CHUNKS,
            index,
            &CTX,
            &LIMITS,
            &[4, 5],
            80,
            chunk_size_len(4, 80, &CTX),
        )
        .unwrap();
        got.sort_by(|a, b| a.offset.cmp(&b.offset));
        let want = expected_chunks(name);
        assert_eq!(want.len(), 20);
        assert_eq!(got, want, "{name}");
    }
}

fn check_shared_messages(file: &[u8], in_heap: Vec<SharedMessageRecord>, dataset_headers: &[u64]) {
    let table = sohm::read_table(file, SOHM_TABLE, &CTX, 1).unwrap();
    assert_eq!(in_heap.len(), 2);
    let mut kinds = BTreeSet::new();
    for r in in_heap {
        let SharedMessageRecord::InHeap {
            hash,
            reference_count,
            heap_id,
        } = r
        else {
            panic!("{r:?}")
        };
        assert_eq!(reference_count, 6);
        // The datatype and the dataspace share one index; try both types.
        let msg = sohm::read_shared_message(file, &table, 3, &heap_id, &CTX, &LIMITS).unwrap();
        // libhdf5 seeds the message hash with the message type.
        if msg[0] & 0x0f == 6 {
            assert_eq!(lookup3_with(&msg, 3), hash);
            // Compound datatype (class 6) of 12 bytes with two members.
            assert_eq!(u32::from_le_bytes(msg[4..8].try_into().unwrap()), 12);
            assert_eq!(u16::from_le_bytes([msg[1], msg[2]]), 2);
            kinds.insert("datatype");
        } else {
            assert_eq!(lookup3_with(&msg, 1), hash);
            // Dataspace version 2, rank 2, dimensions 7 x 3.
            // (flags 1: maximum dimensions present; type 1: simple).
            assert_eq!(&msg[..4], &[2, 2, 1, 1]);
            assert_eq!(u64::from_le_bytes(msg[4..12].try_into().unwrap()), 7);
            assert_eq!(u64::from_le_bytes(msg[12..20].try_into().unwrap()), 3);
            kinds.insert("dataspace");
        }
        // Every dataset's header refers to the message by this heap ID.
        for &oh in dataset_headers {
            let h = &file[oh as usize..oh as usize + 256];
            assert!(h.windows(8).any(|w| w == heap_id), "object header {oh}");
        }
    }
    assert_eq!(kinds.len(), 2);
}

#[test]
fn shared_messages_in_list_index() {
    let table = sohm::read_table(SOHM_LIST, SOHM_TABLE, &CTX, 1).unwrap();
    assert_eq!(table.indexes[0].index_type, sohm::INDEX_LIST);
    let list = sohm::read_list(SOHM_LIST, &table.indexes[0], &CTX).unwrap();
    // Object header addresses printed by gen/sohm.c. The first dataset (at 282) keeps its
    // own copies, flagged shareable (`h5debug sohm_list.h5 282`); the other five refer to
    // the heap.
    check_shared_messages(SOHM_LIST, list.records, &[1570, 1936, 2220, 2504, 2788]);
}

#[test]
fn shared_messages_in_btree_index() {
    let table = sohm::read_table(SOHM_BTREE, SOHM_TABLE, &CTX, 1).unwrap();
    let index = &table.indexes[0];
    assert_eq!(index.index_type, sohm::INDEX_BTREE);
    let recs = records(SOHM_BTREE, index.index_address, &RecordParams::default()).unwrap();
    let recs = recs
        .into_iter()
        .map(|r| match r {
            Record::SharedMessage(m) => m,
            r => panic!("{r:?}"),
        })
        .collect();
    // As in the list file, the first dataset keeps its own copies.
    check_shared_messages(SOHM_BTREE, recs, &[1262, 1628, 1912, 2196, 2480]);
}

/// Flips one byte at `at` and expects a checksum mismatch at `checksum_at`.
fn expect_mismatch(
    file: &[u8],
    at: usize,
    checksum_at: u64,
    structure: &str,
    run: impl Fn(&[u8]) -> Result<(), FormatError>,
) {
    let mut bad = file.to_vec();
    bad[at] ^= 0x01;
    let e = run(&bad).unwrap_err();
    assert!(
        matches!(e.kind, ErrorKind::ChecksumMismatch { .. }),
        "{structure}: {e}"
    );
    assert_eq!((e.structure, e.offset), (structure, checksum_at));
}

#[test]
fn corrupted_checksums_are_reported_at_their_node() {
    let walk_names = |f: &[u8]| records(f, LINK_NAME_INDEX, &RecordParams::default()).map(|_| ());
    let hdr = btree_v2::read_header(DENSE_LINKS, LINK_NAME_INDEX, &CTX).unwrap();
    let levels = hdr.levels(&CTX, LINK_NAME_INDEX).unwrap();
    // Header: 38 bytes, checksum in the last 4.
    expect_mismatch(
        DENSE_LINKS,
        LINK_NAME_INDEX as usize + 8,
        LINK_NAME_INDEX + 34,
        "version 2 B-tree header",
        walk_names,
    );
    // Root (internal, depth 2): its record bytes start after the 6-byte prefix.
    let root = hdr.root_address;
    let root_len = levels.node_len(2, usize::from(hdr.root_records)) as u64;
    expect_mismatch(
        DENSE_LINKS,
        root as usize + 7,
        root + root_len - 4,
        "version 2 B-tree internal node",
        walk_names,
    );
    // First leaf: follow the first child twice.
    let node = btree_v2::InternalNode::decode(
        &DENSE_LINKS[root as usize..],
        root,
        &CTX,
        5,
        usize::from(hdr.root_records),
        2,
        &levels,
        &RecordParams::default(),
    )
    .unwrap();
    let twig_at = node.children[0].address;
    let twig = btree_v2::InternalNode::decode(
        &DENSE_LINKS[twig_at as usize..],
        twig_at,
        &CTX,
        5,
        node.children[0].records as usize,
        1,
        &levels,
        &RecordParams::default(),
    )
    .unwrap();
    let leaf = twig.children[0];
    // A leaf: 6-byte prefix, 11-byte records, checksum.
    expect_mismatch(
        DENSE_LINKS,
        leaf.address as usize + 6,
        leaf.address + 6 + 11 * leaf.records,
        "version 2 B-tree leaf node",
        walk_names,
    );

    // Fractal heap: header, root indirect block, a direct block.
    let heap = heap(DENSE_LINKS, LINK_HEAP);
    let recs = records(DENSE_LINKS, LINK_ORDER_INDEX, &RecordParams::default()).unwrap();
    let Record::LinkCreationOrder { heap_id, .. } = recs[0].clone() else {
        panic!()
    };
    let read = |f: &[u8]| {
        let h = fractal::read_header(f, LINK_HEAP, &CTX)?;
        fractal::read_object(f, &h, &heap_id, &CTX, &LIMITS).map(|_| ())
    };
    let hlen = heap.encoded_len(&CTX) as u64;
    expect_mismatch(
        DENSE_LINKS,
        LINK_HEAP as usize + 30,
        LINK_HEAP + hlen - 4,
        "fractal heap header",
        read,
    );
    let ib = heap.root_block_address;
    // 8 rows x 4 entries of 8-byte addresses after a 4 + 1 + 8 + 4 byte prefix.
    expect_mismatch(
        DENSE_LINKS,
        ib as usize + 20,
        ib + 17 + 32 * 8,
        "fractal heap indirect block",
        read,
    );
    let loc = fractal::locate_direct_block(
        DENSE_LINKS,
        &heap,
        match HeapId::decode(&heap, &heap_id).unwrap() {
            HeapId::Managed { offset, .. } => offset,
            _ => panic!(),
        },
        &CTX,
        &LIMITS,
    )
    .unwrap();
    expect_mismatch(
        DENSE_LINKS,
        loc.address as usize + 100,
        loc.address + 17,
        "fractal heap direct block",
        read,
    );

    // Shared message table and list.
    let table = |f: &[u8]| {
        let t = sohm::read_table(f, SOHM_TABLE, &CTX, 1)?;
        sohm::read_list(f, &t.indexes[0], &CTX).map(|_| ())
    };
    expect_mismatch(
        SOHM_LIST,
        SOHM_TABLE as usize + 6,
        SOHM_TABLE + 34,
        "shared object header message table",
        table,
    );
    expect_mismatch(
        SOHM_LIST,
        566 + 6,
        566 + 4 + 2 * 17,
        "shared message record list",
        table,
    );
}

#[test]
fn node_cycle_is_reported() {
    let hdr = btree_v2::read_header(DENSE_LINKS, LINK_NAME_INDEX, &CTX).unwrap();
    let levels = hdr.levels(&CTX, LINK_NAME_INDEX).unwrap();
    let root = hdr.root_address as usize;
    let p = RecordParams::default();
    let nrec = usize::from(hdr.root_records);
    let mut node = btree_v2::InternalNode::decode(
        &DENSE_LINKS[root..],
        root as u64,
        &CTX,
        5,
        nrec,
        2,
        &levels,
        &p,
    )
    .unwrap();
    // Make the second child of the root the first one again.
    node.children[1] = node.children[0];
    let enc = node.encode(&CTX, 2, &levels, &p).unwrap();
    let mut bad = DENSE_LINKS.to_vec();
    bad[root..root + levels.node_len(2, nrec)].copy_from_slice(&enc[..levels.node_len(2, nrec)]);
    let e = records(&bad, LINK_NAME_INDEX, &p).unwrap_err();
    assert_eq!(
        e.kind,
        ErrorKind::Cycle {
            address: node.children[0].address
        }
    );
}

#[test]
fn corrupted_bytes_never_panic() {
    let heap_ok = heap(DENSE_LINKS, LINK_HEAP);
    let recs = records(DENSE_LINKS, LINK_ORDER_INDEX, &RecordParams::default()).unwrap();
    for at in (0..DENSE_LINKS.len()).step_by(331) {
        let mut bad = DENSE_LINKS.to_vec();
        bad[at] ^= 0xa5;
        let _ = records(&bad, LINK_NAME_INDEX, &RecordParams::default());
        if let Ok(h) = fractal::read_header(bad.as_slice(), LINK_HEAP, &CTX) {
            for r in recs.iter().step_by(97) {
                let Record::LinkCreationOrder { heap_id, .. } = r else {
                    panic!()
                };
                let _ = fractal::read_object(bad.as_slice(), &h, heap_id, &CTX, &LIMITS);
                let _ = fractal::read_object(bad.as_slice(), &heap_ok, heap_id, &CTX, &LIMITS);
            }
        }
    }
}
