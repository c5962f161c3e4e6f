//! Malformed-file registry: named cases, each a fixture of the corpus broken by one precise
//! edit (structures are located by parsing the fixture's bytes), opened and walked in full
//! through the public API, with the exact error asserted: the `h5oxide::Error` variant, the
//! codec's `ErrorKind`, the structure named and, where it is meaningful, the file offset.
//!
//! Offsets are computed here from the byte layouts of the specification (the checksum of a
//! version 2 structure is its last 4 bytes, a continuation message's body follows its
//! header, ...), not taken from h5oxide's output.

use std::path::{Path, PathBuf};

use h5oxide::format::checksum::lookup3;
use h5oxide::format::{ErrorKind, FormatError, Limits};
use h5oxide::{Error, File, Link, Mode};
use h5oxide_conformance::corpus::files_dir;
use h5oxide_conformance::mutate::{find_all, structure_offsets, walk, walk_bytes, Walked};
use h5oxide_storage::StorageError;

// ---------------------------------------------------------------------------------------
// Byte helpers.

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(files_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn get(b: &[u8], at: usize, n: usize) -> u64 {
    let mut v = [0u8; 8];
    v[..n].copy_from_slice(&b[at..at + n]);
    u64::from_le_bytes(v)
}

fn put(b: &mut [u8], at: usize, value: u64, n: usize) {
    b[at..at + n].copy_from_slice(&value.to_le_bytes()[..n]);
}

/// Offsets of `sig` in `b`, which must occur at least once.
fn signatures(b: &[u8], sig: &[u8]) -> Vec<usize> {
    let found = find_all(b, sig);
    assert!(!found.is_empty(), "no {:?} in the fixture", sig);
    found
}

/// The offset of the checksum of the version 2 structure starting at `start`: the first
/// position `p` past the signature whose 4 bytes are the lookup3 of `b[start..p]`
/// (spec III: every checksum covers the structure's bytes before it).
fn checksum_at(b: &[u8], start: usize) -> usize {
    (start + 6..=b.len() - 4)
        .find(|&p| get(b, p, 4) as u32 == lookup3(&b[start..p]))
        .unwrap_or_else(|| panic!("no checksum after {start:#x}"))
}

/// Recomputes the checksum at `at` of the structure starting at `start`.
fn reseal(b: &mut [u8], start: usize, at: usize) {
    let sum = lookup3(&b[start..at]);
    put(b, at, u64::from(sum), 4);
}

/// One message of an object header's chunk 0.
#[derive(Debug, Clone, Copy)]
struct Msg {
    kind: u16,
    /// Offset of the message body.
    body: usize,
    size: usize,
}

/// The messages of chunk 0 of the object header at `addr` (version 1 or 2, spec IV.A.1),
/// and for version 2 the offset of the chunk's checksum.
fn header_messages(b: &[u8], addr: usize) -> (Vec<Msg>, Option<usize>) {
    let mut out = Vec::new();
    if b[addr] == 1 {
        // Version 1: 16-byte prefix (12 bytes and 4 of alignment), 8-byte message headers.
        let size0 = get(b, addr + 8, 4) as usize;
        let (mut p, end) = (addr + 16, addr + 16 + size0);
        while p + 8 <= end {
            let size = get(b, p + 2, 2) as usize;
            out.push(Msg {
                kind: get(b, p, 2) as u16,
                body: p + 8,
                size,
            });
            p += 8 + size;
        }
        return (out, None);
    }
    assert_eq!(&b[addr..addr + 4], b"OHDR");
    let flags = b[addr + 5];
    let mut p = addr + 6;
    if flags & 0x20 != 0 {
        p += 16; // access, modification, change, birth times
    }
    if flags & 0x10 != 0 {
        p += 4; // attribute phase change values
    }
    let width = 1 << (flags & 3);
    let size0 = get(b, p, width) as usize;
    p += width;
    let end = p + size0;
    let header = if flags & 0x04 != 0 { 6 } else { 4 };
    while p + header <= end {
        let size = get(b, p + 1, 2) as usize;
        out.push(Msg {
            kind: u16::from(b[p]),
            body: p + header,
            size,
        });
        p += header + size;
    }
    (out, Some(end))
}

fn message(b: &[u8], addr: usize, kind: u16) -> Msg {
    *header_messages(b, addr)
        .0
        .iter()
        .find(|m| m.kind == kind)
        .unwrap_or_else(|| panic!("no message {kind:#x} in the header at {addr:#x}"))
}

/// The object header address of `path` in the unmodified fixture.
fn address_of(bytes: &[u8], path: &str) -> usize {
    let f = File::from_bytes(bytes.to_vec()).expect("fixture opens");
    let a = match f.root().object(path).expect("fixture object") {
        h5oxide::Object::Dataset(d) => d.address(),
        h5oxide::Object::Group(g) => g.address(),
        _ => panic!("{path}: unexpected kind"),
    };
    usize::try_from(a).unwrap()
}

// ---------------------------------------------------------------------------------------
// Outcomes.

/// Opens and walks `bytes`; the first error met (opening included).
fn first_error(bytes: Vec<u8>) -> Error {
    first_error_with(bytes, Limits::DEFAULT)
}

fn first_error_with(bytes: Vec<u8>, limits: Limits) -> Error {
    match walk_bytes(bytes, limits) {
        Err(e) => e,
        Ok(mut w) => {
            assert!(!w.errors.is_empty(), "the walk met no error");
            w.errors.remove(0).1
        }
    }
}

fn codec(e: &Error) -> &FormatError {
    match e {
        Error::Storage(StorageError::Format(f)) => f,
        other => panic!("not a format error: {other:?}"),
    }
}

/// Asserts `e` is the codec error `kind` in `structure` at `offset`.
fn assert_format(e: &Error, kind: ErrorKind, structure: &str, offset: u64) {
    let f = codec(e);
    assert_eq!(
        (&f.kind, f.structure, f.offset),
        (&kind, structure, offset),
        "{e}"
    );
}

fn assert_checksum(e: &Error, structure: &str, offset: usize) {
    let f = codec(e);
    assert!(
        matches!(f.kind, ErrorKind::ChecksumMismatch { stored, computed } if stored != computed),
        "{e}"
    );
    assert_eq!((f.structure, f.offset), (structure, offset as u64), "{e}");
}

fn assert_limit(e: &Error, limit: &str, structure: &str) {
    let f = codec(e);
    match f.kind {
        ErrorKind::LimitExceeded {
            limit: l,
            requested,
            allowed,
        } => {
            assert_eq!((l, f.structure), (limit, structure), "{e}");
            assert!(requested > allowed, "{e}");
        }
        _ => panic!("not a limit error: {e}"),
    }
}

// ---------------------------------------------------------------------------------------
// Checksums: one flipped bit in each checksummed structure (spec III: lookup3 over the
// structure's bytes before its checksum field).

/// Flips bit 0 of `b[at]` in `fixture` and returns the first error.
fn flipped(name: &str, at: usize) -> Error {
    let mut b = fixture(name);
    b[at] ^= 1;
    first_error(b)
}

#[test]
fn checksum_superblock_v3() {
    // Superblock 3: signature 8, version, 2 sizes, flags, 4 addresses of 8; checksum at 44.
    let e = flipped("format_latest_sb3.h5", 20);
    assert_checksum(&e, "superblock", 44);
}

#[test]
fn checksum_object_header() {
    let b = fixture("format_latest_sb3.h5");
    let root = get(&b, 36, 8) as usize;
    let (msgs, sum) = header_messages(&b, root);
    let e = flipped("format_latest_sb3.h5", msgs[0].body);
    assert_checksum(&e, "object header", sum.unwrap());
}

#[test]
fn checksum_object_header_continuation_chunk() {
    let b = fixture("attrs_continuation_latest.h5");
    let ochk = signatures(&b, b"OCHK")[0];
    let sum = checksum_at(&b, ochk);
    let e = flipped("attrs_continuation_latest.h5", ochk + 8);
    assert_checksum(&e, "object header continuation block", sum);
}

#[test]
fn checksum_btree_v2_header() {
    let b = fixture("format_latest_sb3.h5");
    let bthd = signatures(&b, b"BTHD")[0];
    // sig 4, version, type, node size 4, record size 2, depth 2, split, merge, root 8,
    // root records 2, total records 8: checksum at 34 (spec III.A.2).
    assert_eq!(checksum_at(&b, bthd), bthd + 34);
    let e = flipped("format_latest_sb3.h5", bthd + 6);
    assert_checksum(&e, "version 2 B-tree header", bthd + 34);
}

#[test]
fn checksum_btree_v2_leaf() {
    let b = fixture("format_latest_sb3.h5");
    let bthd = signatures(&b, b"BTHD")[0];
    let (record, depth, root, n) = (
        get(&b, bthd + 10, 2) as usize,
        get(&b, bthd + 12, 2),
        get(&b, bthd + 16, 8) as usize,
        get(&b, bthd + 24, 2) as usize,
    );
    assert_eq!(depth, 0, "the root is a leaf");
    assert_eq!(&b[root..root + 4], b"BTLF");
    let sum = root + 6 + n * record;
    let e = flipped("format_latest_sb3.h5", root + 6);
    assert_checksum(&e, "version 2 B-tree leaf node", sum);
}

#[test]
fn checksum_fractal_heap_header() {
    let b = fixture("format_latest_sb3.h5");
    let frhp = signatures(&b, b"FRHP")[0];
    // 14 fixed bytes, 12 fields of 8, table width 2, two sizes of 8, max heap size 2,
    // starting rows 2, root address 8, current rows 2: checksum at 142 (spec III.G).
    assert_eq!(get(&b, frhp + 7, 2), 0, "no I/O filters");
    assert_eq!(checksum_at(&b, frhp), frhp + 142);
    let e = flipped("format_latest_sb3.h5", frhp + 20);
    assert_checksum(&e, "fractal heap header", frhp + 142);
}

#[test]
fn checksum_fractal_heap_direct_block() {
    let b = fixture("format_latest_sb3.h5");
    let fhdb = signatures(&b, b"FHDB")[0];
    let heap = get(&b, fhdb + 5, 8) as usize;
    assert_eq!(&b[heap..heap + 4], b"FRHP");
    assert_eq!(b[heap + 9] & 2, 2, "direct blocks are checksummed");
    let max_heap_bits = get(&b, heap + 128, 2) as usize;
    // sig 4, version, heap address 8, block offset (max heap size bits, rounded to bytes).
    let sum = fhdb + 13 + max_heap_bits.div_ceil(8);
    let e = flipped("format_latest_sb3.h5", sum + 8);
    assert_checksum(&e, "fractal heap direct block", sum);
}

#[test]
fn checksum_fixed_array_header() {
    let b = fixture("chunk_index_latest.h5");
    let fahd = signatures(&b, b"FAHD")[0];
    // sig 4, version, client, entry size, page bits, max entries 8, data block 8.
    assert_eq!(checksum_at(&b, fahd), fahd + 24);
    let e = flipped("chunk_index_latest.h5", fahd + 8);
    assert_checksum(&e, "fixed array header", fahd + 24);
}

#[test]
fn checksum_extensible_array_header() {
    let b = fixture("chunk_index_latest.h5");
    let eahd = signatures(&b, b"EAHD")[0];
    // sig 4, version, client and 6 one-byte parameters, 6 statistics of 8, index block 8.
    assert_eq!(checksum_at(&b, eahd), eahd + 68);
    let e = flipped("chunk_index_latest.h5", eahd + 20);
    assert_checksum(&e, "extensible array header", eahd + 68);
}

#[test]
fn checksum_of_index_and_heap_blocks() {
    // The last byte the checksum covers, flipped, in the first structure of each kind.
    for (name, sig, structure) in [
        (
            "chunk_index_latest.h5",
            b"BTIN",
            "version 2 B-tree internal node",
        ),
        ("chunk_index_latest.h5", b"FADB", "fixed array data block"),
        (
            "chunk_index_latest.h5",
            b"EAIB",
            "extensible array index block",
        ),
        (
            "chunk_index_latest.h5",
            b"EASB",
            "extensible array secondary block",
        ),
        (
            "chunk_index_latest.h5",
            b"EADB",
            "extensible array data block",
        ),
        (
            "groups_many_latest.h5",
            b"FHIB",
            "fractal heap indirect block",
        ),
    ] {
        let b = fixture(name);
        let at = signatures(&b, sig)[0];
        let sum = checksum_at(&b, at);
        let e = flipped(name, sum - 1);
        assert_checksum(&e, structure, sum);
    }
}

// ---------------------------------------------------------------------------------------
// Truncation at every structure boundary.

fn truncations(name: &str) {
    let b = fixture(name);
    let mut cuts: Vec<usize> = structure_offsets(&b)
        .into_iter()
        .filter(|&o| o > 0)
        .flat_map(|o| [o, o + 5])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    assert!(cuts.len() >= 6, "{name}: {} structures", cuts.len());
    let mut named = std::collections::BTreeMap::new();
    for cut in cuts {
        let e = first_error(b[..cut].to_vec());
        let f = codec(&e);
        *named.entry(f.structure).or_insert(0) += 1;
        // The structure that runs past the end is named, not the generic read.
        assert_ne!(f.structure, "read", "{name} cut at {cut:#x}: {e}");
        match f.kind {
            ErrorKind::UnexpectedEof { needed, available } => {
                assert!(needed > available, "{name} cut at {cut:#x}: {e}");
            }
            ErrorKind::AddressOutOfRange { address, eof } => {
                assert_eq!(eof, cut as u64, "{name} cut at {cut:#x}: {e}");
                assert!(address >= eof, "{name} cut at {cut:#x}: {e}");
            }
            _ => panic!("{name} cut at {cut:#x}: not an end-of-file error: {e}"),
        }
    }
    eprintln!("{name}: structures named by truncation errors: {named:?}");
}

#[test]
fn truncated_earliest() {
    truncations("format_earliest_sb0.h5");
}

#[test]
fn truncated_latest() {
    truncations("format_latest_sb3.h5");
}

#[test]
fn truncated_chunk_indexes() {
    truncations("chunk_index_latest.h5");
}

#[test]
fn truncated_dense_groups() {
    truncations("groups_many_latest.h5");
}

#[test]
fn truncated_inside_superblock() {
    // Without its whole signature the file is not recognised at all.
    for cut in [0usize, 4, 7] {
        let e = first_error(fixture("format_latest_sb3.h5")[..cut].to_vec());
        let f = codec(&e);
        assert!(
            matches!(f.kind, ErrorKind::BadSignature { .. }),
            "cut {cut}: {e}"
        );
        assert!(
            f.structure.starts_with("format signature"),
            "cut {cut}: {e}"
        );
    }
    // Past it, the superblock is cut short.
    for cut in [8usize, 9, 20, 40, 47] {
        let e = first_error(fixture("format_latest_sb3.h5")[..cut].to_vec());
        let f = codec(&e);
        assert!(
            matches!(f.kind, ErrorKind::UnexpectedEof { .. }),
            "cut {cut}: {e}"
        );
        assert_eq!(f.structure, "superblock", "cut {cut}: {e}");
    }
}

// ---------------------------------------------------------------------------------------
// Pointer cycles.

#[test]
fn continuation_pointing_back_to_its_header() {
    let mut b = fixture("attrs_continuation_latest.h5");
    let addr = address_of(&b, "dataset");
    let cont = message(&b, addr, 0x10);
    let (_, sum) = header_messages(&b, addr);
    put(&mut b, cont.body, addr as u64, 8);
    reseal(&mut b, addr, sum.unwrap());
    let e = first_error(b);
    assert_format(
        &e,
        ErrorKind::Cycle {
            address: addr as u64,
        },
        "object header continuation block",
        cont.body as u64,
    );
}

/// The first version 1 B-tree node of `node_type` at `level` or above.
fn tree_node(b: &[u8], node_type: u8, min_level: u8) -> usize {
    *signatures(b, b"TREE")
        .iter()
        .find(|&&t| b[t + 4] == node_type && b[t + 5] >= min_level)
        .expect("a TREE node of that type and level")
}

#[test]
fn btree_v1_group_child_loop() {
    let mut b = fixture("format_earliest_sb1_small_k.h5");
    let node = tree_node(&b, 0, 1);
    // sig 4, type, level, entries 2, siblings 2x8, key 0 (8): first child at 32.
    put(&mut b, node + 32, node as u64, 8);
    let e = first_error(b);
    assert_format(
        &e,
        ErrorKind::Cycle {
            address: node as u64,
        },
        "version 1 B-tree node",
        node as u64,
    );
}

#[test]
fn btree_v1_chunk_child_loop() {
    let mut b = fixture("chunk_index_earliest.h5");
    let node = tree_node(&b, 1, 1);
    let rank = 3 + 1; // btree_v1_3d_deflate: 3 dimensions and the element offset
                      // Chunk key: size 4, filter mask 4, one offset of 8 per dimension.
    let first_child = node + 24 + 8 + 8 * rank;
    put(&mut b, first_child, node as u64, 8);
    let e = first_error(b);
    assert_format(
        &e,
        ErrorKind::Cycle {
            address: node as u64,
        },
        "version 1 B-tree node",
        node as u64,
    );
}

#[test]
fn btree_v1_sibling_loop_is_not_followed() {
    // Readers descend from the root and never follow sibling pointers, so a leaf whose
    // right sibling is itself reads the same values.
    let clean = walk_bytes(fixture("format_earliest_sb1_small_k.h5"), Limits::DEFAULT).unwrap();
    let mut b = fixture("format_earliest_sb1_small_k.h5");
    let leaf = tree_node(&b, 0, 0);
    put(&mut b, leaf + 16, leaf as u64, 8);
    let w = walk_bytes(b, Limits::DEFAULT).unwrap();
    assert!(w.errors.is_empty(), "{:?}", w.errors);
    assert_eq!((w.objects, w.values), (clean.objects, clean.values));
    assert!(clean.objects > 40);
}

#[test]
fn btree_v2_child_loop() {
    let mut b = fixture("chunk_index_latest.h5");
    let btin = signatures(&b, b"BTIN")[0];
    let bthd = *signatures(&b, b"BTHD")
        .iter()
        .find(|&&h| get(&b, h + 16, 8) as usize == btin)
        .expect("the header of the internal node");
    let (record, n) = (
        get(&b, bthd + 10, 2) as usize,
        get(&b, bthd + 24, 2) as usize,
    );
    let sum = checksum_at(&b, btin);
    // Records, then the child pointers: the first child's address follows the records.
    put(&mut b, btin + 6 + n * record, btin as u64, 8);
    reseal(&mut b, btin, sum);
    // The node is met again where a leaf is expected (the tree has depth 1), and the
    // error names the structure expected there.
    assert_eq!(get(&b, bthd + 12, 2), 1);
    let e = first_error(b);
    assert_format(
        &e,
        ErrorKind::Cycle {
            address: btin as u64,
        },
        "version 2 B-tree leaf node",
        btin as u64,
    );
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("h5oxide-malformed-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A copy of fixture `name` at `path`, edited through `edit` in append mode.
fn edited_copy(name: &str, path: &Path, edit: impl FnOnce(&File)) {
    std::fs::copy(files_dir().join(name), path).unwrap();
    let f = File::options().mode(Mode::Append).open(path).unwrap();
    edit(&f);
    f.close().unwrap();
}

#[test]
fn soft_link_loop() {
    let dir = temp_dir("soft");
    let path = dir.join("soft_loop.h5");
    edited_copy("links_latest.h5", &path, |f| {
        let root = f.root();
        root.link_soft("loop_a", "/loop_b").unwrap();
        root.link_soft("loop_b", "/loop_a").unwrap();
    });
    let file = File::open(&path).unwrap();
    let root = file.root();
    for name in ["loop_a", "loop_b"] {
        match root.object(name) {
            Err(Error::Link { name: n, reason }) => {
                assert!(n.ends_with(name) || n.ends_with("loop_a") || n.ends_with("loop_b"));
                assert_eq!(reason, "too many soft link hops (a cycle?)");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // The walk reports both loops and still reads everything else.
    let w = walk(&file);
    let looped: Vec<&str> = w.errors.iter().map(|(at, _)| at.as_str()).collect();
    assert_eq!(looped, ["/loop_a", "/loop_b"], "{:?}", w.errors);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn external_link_loop_between_two_files() {
    let dir = temp_dir("extloop");
    let (a, b) = (dir.join("loop_a.h5"), dir.join("loop_b.h5"));
    edited_copy("links_latest.h5", &a, |f| {
        f.root()
            .link_external("loop_b.h5", "/to_a", "to_b")
            .unwrap();
    });
    edited_copy("links_target.h5", &b, |f| {
        f.root()
            .link_external("loop_a.h5", "/to_b", "to_a")
            .unwrap();
    });
    let file = File::open(&a).unwrap();
    match file.root().object("to_b") {
        Err(Error::Link { reason, .. }) => assert_eq!(reason, "too many link hops (a cycle?)"),
        other => panic!("{other:?}"),
    }
    let w = walk(&file);
    assert_eq!(w.errors.len(), 1, "{:?}", w.errors);
    assert_eq!(w.errors[0].0, "/to_b");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn hard_link_group_cycle_is_visited_once_per_path() {
    let dir = temp_dir("hard");
    let path = dir.join("hard_cycle.h5");
    edited_copy("format_latest_sb3.h5", &path, |f| {
        let g = f.root().create_group("cycle/inner").unwrap();
        g.link_hard("/cycle", "up").unwrap();
    });
    let file = File::open(&path).unwrap();
    let mut seen = Vec::new();
    file.root()
        .group("cycle")
        .unwrap()
        .visit(&mut |p, l| {
            seen.push((p.to_string(), matches!(l, Link::Hard { .. })));
            Ok(())
        })
        .unwrap();
    // inner/up leads back to /cycle, which is on the current path: listed, not entered.
    assert_eq!(
        seen,
        [("inner".to_string(), true), ("inner/up".to_string(), true)]
    );
    let w = walk(&file);
    assert!(w.errors.is_empty(), "{:?}", w.errors);
    std::fs::remove_dir_all(dir).ok();
}

// ---------------------------------------------------------------------------------------
// Absurd sizes.

/// Byte offset of the first dimension in a dataspace message body (spec IV.A.2.b:
/// version 1 has 4 reserved bytes after rank and flags, version 2 a type byte).
fn first_dim(b: &[u8], space: Msg) -> usize {
    match b[space.body] {
        1 => space.body + 8,
        2 => space.body + 4,
        v => panic!("dataspace version {v}"),
    }
}

#[test]
fn dimension_of_2_pow_63() {
    let mut b = fixture("format_earliest_sb0.h5");
    let addr = address_of(&b, "g1/g2/contiguous_i32");
    let space = message(&b, addr, 0x01);
    assert_eq!(b[space.body + 1], 1, "rank 1");
    let dim = first_dim(&b, space);
    assert_eq!(get(&b, dim, 8), 20);
    put(&mut b, dim, 1 << 63, 8);
    if b[space.body + 2] & 1 != 0 {
        put(&mut b, dim + 8, 1 << 63, 8); // max dims follow the dims
    }
    let e = first_error(b);
    assert_limit(&e, "max_read_bytes", "dataset read");
}

#[test]
fn element_count_of_2_pow_32() {
    let mut b = fixture("format_earliest_sb0.h5");
    let addr = address_of(&b, "g1/g2/contiguous_i32");
    let space = message(&b, addr, 0x01);
    let dim = first_dim(&b, space);
    put(&mut b, dim, 1 << 32, 8);
    if b[space.body + 2] & 1 != 0 {
        put(&mut b, dim + 8, 1 << 32, 8);
    }
    // 2^32 elements of 4 bytes stay under the default read budget (64 GiB), so the
    // contiguous storage (80 bytes) is what must stop the read.
    let e = first_error(b.clone());
    let f = codec(&e);
    assert!(
        matches!(
            f.kind,
            ErrorKind::UnexpectedEof { .. } | ErrorKind::AddressOutOfRange { .. }
        ),
        "{e}"
    );
    // Under a small budget the limit stops it first.
    let small = Limits {
        max_read_bytes: 1 << 20,
        ..Limits::DEFAULT
    };
    let e = first_error_with(b, small);
    assert_limit(&e, "max_read_bytes", "dataset read");
}

#[test]
fn chunk_of_more_than_4_gib() {
    let mut b = fixture("format_earliest_sb0.h5");
    let addr = address_of(&b, "chunked_f64");
    let layout = message(&b, addr, 0x08);
    // Layout version 3, class 2 (chunked): rank + 1, B-tree address, dimensions of 4 bytes.
    assert_eq!((b[layout.body], b[layout.body + 1]), (3, 2));
    assert_eq!(b[layout.body + 2], 3);
    let dims = layout.body + 3 + 8;
    assert_eq!((get(&b, dims, 4), get(&b, dims + 4, 4)), (8, 8));
    // 65536 x 65536 elements of 8 bytes: 32 GiB per chunk.
    put(&mut b, dims, 65_536, 4);
    put(&mut b, dims + 4, 65_536, 4);
    let small = Limits {
        max_read_bytes: 1 << 30,
        ..Limits::DEFAULT
    };
    let e = first_error_with(b, small);
    assert_limit(&e, "max_read_bytes", "dataset chunk");
}

#[test]
fn local_heap_past_end_of_file() {
    let b0 = fixture("format_earliest_sb0.h5");
    let heap = signatures(&b0, b"HEAP")[0];
    // sig 4, version, reserved 3, data segment size 8, free list offset 8, data address 8.
    let data = get(&b0, heap + 24, 8);
    let mut b = b0.clone();
    let past = b0.len() as u64 - data + 1;
    put(&mut b, heap + 8, past, 8);
    let e = first_error(b);
    assert_format(
        &e,
        ErrorKind::UnexpectedEof {
            needed: past,
            available: past - 1,
        },
        "local heap data segment",
        b0.len() as u64,
    );
    let mut b = b0;
    put(&mut b, heap + 8, 1 << 40, 8);
    let e = first_error(b);
    assert_limit(&e, "max_structure_bytes", "local heap data segment");
}

#[test]
fn global_heap_collection_past_end_of_file() {
    let mut b = fixture("types_strings.h5");
    let gcol = signatures(&b, b"GCOL")[0];
    // sig 4, version, reserved 3, collection size 8.
    let past = (b.len() - gcol) as u64 + 4096;
    put(&mut b, gcol + 8, past, 8);
    let len = b.len() as u64;
    let e = first_error(b);
    assert_format(
        &e,
        ErrorKind::UnexpectedEof {
            needed: past,
            available: past - 4096,
        },
        "global heap collection",
        len,
    );
}

#[test]
fn attribute_name_without_nul() {
    let mut b = fixture("format_earliest_sb0.h5");
    let dataset = address_of(&b, "g1/g2/contiguous_i32");
    let attr = message(&b, dataset, 0x0c);
    // Attribute message version 1: version, reserved, name size 2, datatype size 2,
    // dataspace size 2, then the name, NUL-terminated (spec IV.A.2.m).
    assert_eq!(b[attr.body], 1);
    let name_size = get(&b, attr.body + 2, 2) as usize;
    let name = attr.body + 8;
    assert_eq!(b[name + name_size - 1], 0);
    b[name + name_size - 1] = b'x';
    let e = first_error(b);
    assert_format(
        &e,
        ErrorKind::InvalidValue {
            field: "attribute name terminator",
            value: u64::from(b'x'),
        },
        "attribute message",
        (name + name_size - 1) as u64,
    );
}

#[test]
fn deeply_nested_datatype() {
    use h5oxide::format::object_header::message::datatype::{
        ByteOrder, CompoundMember, Datatype, TypeClass,
    };
    // A dataset whose datatype message is large (a compound of 40 members) is written into
    // a copy of a fixture; its datatype message body is then overwritten with 40 nested
    // one-element arrays around an i32 (spec IV.A.2.d, array version 3: class and version,
    // 3 flag bytes, size 4, rank 1, one dimension of 4, then the base type).
    let i32le = Datatype::integer(4, true, ByteOrder::LittleEndian);
    let members = (0..40)
        .map(|i| CompoundMember::new(format!("member_{i:02}"), 4 * i, i32le.clone()))
        .collect();
    let compound = Datatype::new(160, TypeClass::Compound { members });
    let dir = temp_dir("nested");
    let path = dir.join("nested.h5");
    edited_copy("format_latest_sb3.h5", &path, |f| {
        f.root()
            .new_dataset_builder()
            .with_raw(compound, &[1], vec![0; 160])
            .create("nested")
            .unwrap();
    });
    let mut b = std::fs::read(&path).unwrap();
    let addr = address_of(&b, "nested");
    let dtype = message(&b, addr, 0x03);
    let mut nested = Vec::new();
    for _ in 0..40 {
        nested.extend_from_slice(&[0x3a, 0, 0, 0, 4, 0, 0, 0, 1, 1, 0, 0, 0]);
    }
    nested.extend_from_slice(&[0x10, 0x08, 0, 0, 4, 0, 0, 0, 0, 0, 32, 0]);
    assert!(
        nested.len() <= dtype.size,
        "{} > {}",
        nested.len(),
        dtype.size
    );
    b[dtype.body..dtype.body + nested.len()].copy_from_slice(&nested);
    if let (_, Some(sum)) = header_messages(&b, addr) {
        reseal(&mut b, addr, sum);
    }
    std::fs::remove_dir_all(&dir).ok();
    let e = first_error(b);
    let f = codec(&e);
    assert_eq!(
        f.kind,
        ErrorKind::LimitExceeded {
            limit: "datatype nesting depth",
            requested: 33,
            allowed: 32,
        },
        "{e}"
    );
    assert_eq!(f.structure, "datatype message", "{e}");
    // The type at depth 33 starts after 33 array headers of 13 bytes.
    assert_eq!(f.offset, (dtype.body + 33 * 13) as u64, "{e}");
}

#[test]
fn walk_of_every_unmodified_case_fixture_is_clean() {
    // The registry's edits are what break the files: unmodified, each walks without error.
    for name in [
        "format_earliest_sb0.h5",
        "format_earliest_sb1_small_k.h5",
        "format_latest_sb3.h5",
        "chunk_index_earliest.h5",
        "chunk_index_latest.h5",
        "attrs_continuation_latest.h5",
        "types_strings.h5",
    ] {
        let w: Walked = walk_bytes(fixture(name), Limits::DEFAULT).unwrap();
        assert!(w.errors.is_empty(), "{name}: {:?}", w.errors);
        assert!(w.objects > 1 && w.values > 0, "{name}");
    }
}
