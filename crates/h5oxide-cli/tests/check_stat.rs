//! `h5ox check` on the fixture corpus and on damaged copies of it, and `h5ox stat` against
//! facts of the fixtures (the generator's and the C library's tools').

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use h5oxide::format::btree_v1::{KeyFormat, Node};
use h5oxide::format::checksum::lookup3;
use h5oxide::format::chunk_index::fixed_array;
use h5oxide::format::heap::local::LocalHeap;
use h5oxide::format::object_header::message::layout::Storage;
use h5oxide::format::object_header::message::{self, Message};
use h5oxide::format::object_header::read_object_header;
use h5oxide::format::superblock::Superblock;
use h5oxide::format::{Context, Limits};
use h5oxide::{File, Link};
use serde_json::Value as Json;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/files")
}

fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

fn h5ox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_h5ox"))
        .args(args)
        .env(
            "HDF5_PLUGIN_PATH",
            "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins",
        )
        .output()
        .expect("run h5ox")
}

fn check(path: &Path) -> (Option<i32>, String) {
    let o = h5ox(&["check", path.to_str().expect("utf-8 path")]);
    (o.status.code(), String::from_utf8(o.stdout).expect("utf-8"))
}

/// A scratch copy of `bytes` named after the test, in the target's temporary folder.
fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check_stat");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write scratch file");
    p
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).expect("read fixture")
}

fn ctx_of(bytes: &[u8]) -> Context {
    Superblock::read(bytes).expect("superblock").context()
}

fn assert_damaged(name: &str, bytes: &[u8], needles: &[&str]) -> String {
    let p = scratch(name, bytes);
    let (code, out) = check(&p);
    assert_eq!(
        code,
        Some(1),
        "{name}: expected exit 1, got {code:?}:\n{out}"
    );
    for n in needles {
        assert!(out.contains(n), "{name}: output lacks {n:?}:\n{out}");
    }
    let last = out.lines().last().unwrap_or("");
    assert!(
        last.contains("checked:") && last.ends_with("problems") || last.ends_with("1 problem"),
        "{name}: summary line {last:?}"
    );
    out
}

#[test]
fn every_fixture_checks_clean() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [fixtures(), fixtures().join("h5py")] {
        for e in std::fs::read_dir(&dir).expect("fixture folder") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "h5") {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 30, "fixture corpus not found");
    for p in files {
        let (code, out) = check(&p);
        assert_eq!(code, Some(0), "{}:\n{out}", p.display());
        let last = out.lines().last().unwrap_or("");
        assert!(last.ends_with("checked: clean"), "{}: {last}", p.display());
        // With a tiny limit every dataset goes the other way: chunks decoded one by one,
        // other layouts read in slabs of leading rows.
        let o = h5ox(&["check", "--max-bytes", "64", p.to_str().expect("utf-8")]);
        let small = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{} (--max-bytes 64):\n{small}",
            p.display()
        );
        assert_eq!(small.lines().last(), Some(last), "{}", p.display());
    }
}

/// `stat --json` on every fixture: the storage parts add up to the file's size, the
/// pipelines to the stored chunk and contiguous bytes.
#[test]
fn stat_adds_up_on_every_fixture() {
    for e in std::fs::read_dir(fixtures()).expect("fixture folder") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != "h5") {
            continue;
        }
        let name = p.file_name().and_then(|n| n.to_str()).expect("name");
        let j = stat_json(name);
        let parts = u(&j, &["user_block_bytes"])
            + u(&j, &["storage", "metadata_bytes"])
            + u(&j, &["storage", "raw_data_bytes"])
            + u(&j, &["storage", "unaccounted_bytes"]);
        let size = std::fs::metadata(&p).expect("metadata").len();
        assert_eq!(parts, size, "{name}");
        assert_eq!(u(&j, &["file_bytes"]), size, "{name}");
        let stored: u64 = j["filters"]
            .as_array()
            .expect("filters")
            .iter()
            .map(|f| u(f, &["stored_bytes"]))
            .sum();
        assert_eq!(stored, u(&j, &["storage", "raw_data_bytes"]), "{name}");
        assert!(
            j["problems"].as_array().expect("problems").is_empty(),
            "{name}"
        );
    }
}

#[test]
fn dangling_links_are_warnings() {
    for name in ["links_earliest.h5", "links_latest.h5"] {
        let (code, out) = check(&fixture(name));
        assert_eq!(code, Some(0), "{name}:\n{out}");
        let warnings: Vec<&str> = out.lines().filter(|l| l.starts_with("warning:")).collect();
        // The generator's three broken links: a soft link to nowhere, an external link to a
        // missing file, and one to a missing object.
        assert_eq!(warnings.len(), 3, "{name}:\n{out}");
        assert!(warnings.iter().any(|w| w.contains("/soft_dangling")));
        assert!(warnings
            .iter()
            .any(|w| w.contains("/external_missing_file")));
        assert!(warnings
            .iter()
            .any(|w| w.contains("/external_missing_object")));
    }
}

#[test]
fn truncated_copies_fail() {
    for name in ["chunk_index_latest.h5", "format_earliest_sb0.h5"] {
        let full = read(name);
        let n = full.len();
        for cut in [40, n / 4, n / 2, n * 3 / 4, n - 1] {
            let out = assert_damaged(&format!("trunc_{cut}_{name}"), &full[..cut], &[]);
            // Either the superblock itself is cut short, or its end-of-file address is
            // past the end of what is left.
            assert!(
                out.contains("the file is truncated") || out.contains("superblock at offset"),
                "{name} cut at {cut}:\n{out}"
            );
        }
    }
}

#[test]
fn bit_flip_in_v2_object_header_is_a_checksum_mismatch() {
    let mut bytes = read("format_latest_sb3.h5");
    let f = File::from_bytes(bytes.clone()).expect("open");
    let address = f
        .root()
        .links()
        .expect("links")
        .into_iter()
        .find_map(|(_, l)| match l {
            Link::Hard { address } => Some(address),
            _ => None,
        })
        .expect("a hard link");
    let ctx = ctx_of(&bytes);
    let h = read_object_header(&bytes[..], address, &ctx, &Limits::DEFAULT).expect("header");
    assert_eq!(h.version, 2);
    // A byte inside the first message body of chunk 0: only the checksum can notice.
    let at = h.messages[0].offset as usize;
    bytes[at] ^= 0x04;
    assert_damaged(
        "ohdr_flip.h5",
        &bytes,
        &["object header at offset", "checksum mismatch"],
    );
}

#[test]
fn bit_flip_in_superblock_v2_v3_is_a_checksum_mismatch() {
    for name in ["format_v18_sb2.h5", "format_latest_sb3.h5"] {
        let mut bytes = read(name);
        assert!(bytes[8] == 2 || bytes[8] == 3, "{name}: superblock version");
        // Byte 20 lies in the superblock extension address (spec II.A, version 2).
        bytes[20] ^= 0x01;
        assert_damaged(
            &format!("sbflip_{name}"),
            &bytes,
            &["superblock at offset", "checksum mismatch"],
        );
    }
}

#[test]
fn bit_flips_in_a_deflate_chunk_name_the_chunk() {
    let mut bytes = read("format_earliest_sb0.h5");
    let f = File::from_bytes(bytes.clone()).expect("open");
    let ds = f.root().dataset("chunked_f64").expect("dataset");
    let filters = ds.filters().expect("a filter pipeline");
    assert_eq!(filters.filters[0].id, 1, "deflate");
    let chunk = ds
        .chunk_list()
        .expect("chunks")
        .into_iter()
        .max_by_key(|r| r.size)
        .expect("a chunk");
    assert!(chunk.size > 64);
    let mid = (chunk.address + chunk.size / 2) as usize;
    for b in &mut bytes[mid..mid + 8] {
        *b ^= 0xA5;
    }
    let out = assert_damaged(
        "deflate_flip.h5",
        &bytes,
        &[&format!("dataset chunk at offset {:#x}", chunk.address)],
    );
    assert!(out.contains("/chunked_f64"), "{out}");
}

/// A link name changed in the local heap of an old-style group breaks the order libhdf5
/// looks names up by (h5dump then fails on the file).
#[test]
fn out_of_order_symbol_table_names_are_found() {
    let mut bytes = read("types_numeric.h5");
    let needle = b"u16_le\0";
    let hits: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1, "the name is stored once, in the local heap");
    bytes[hits[0]] = b'U';
    assert_damaged(
        "name_order.h5",
        &bytes,
        &["symbol table node at offset", "\"U16_le\" is out of order"],
    );
}

/// A compound member moved onto its neighbour's bytes (libhdf5 refuses such a type).
#[test]
fn overlapping_compound_members_are_found() {
    let mut bytes = read("fill_values.h5");
    let ctx = ctx_of(&bytes);
    let f = File::from_bytes(bytes.clone()).expect("open");
    let ds = f.root().dataset("compound_fill").expect("dataset");
    let h = read_object_header(&bytes[..], ds.address(), &ctx, &Limits::DEFAULT).expect("header");
    let raw = h
        .messages
        .iter()
        .find(|m| m.msg_type == 3)
        .expect("a datatype message");
    let body = raw.offset as usize;
    // spec IV.A.2.d: class and version, bit field, size; then (version 1) the first
    // member's name padded to 8 bytes and its 4-byte offset.
    assert_eq!(bytes[body] >> 4, 1, "datatype message version 1");
    assert_eq!(&bytes[body + 8..body + 10], b"a\0");
    assert_eq!(&bytes[body + 16..body + 20], &[0, 0, 0, 0]);
    bytes[body + 16] = 2;
    assert_damaged(
        "compound_overlap.h5",
        &bytes,
        &[
            "datatype of /compound_fill",
            "compound members \"a\" [2, 6) and \"b\" [4, 12) overlap",
        ],
    );
}

/// The root group's local heap free list made to point past its data segment.
#[test]
fn local_heap_free_list_outside_the_segment_is_found() {
    let mut bytes = read("format_earliest_sb0.h5");
    let ctx = ctx_of(&bytes);
    let f = File::from_bytes(bytes.clone()).expect("open");
    let root = f.root().address();
    let h = read_object_header(&bytes[..], root, &ctx, &Limits::DEFAULT).expect("header");
    let st = h
        .messages
        .iter()
        .find_map(|m| match message::decode(m, &ctx) {
            Ok(Message::SymbolTable(st)) => Some(st),
            _ => None,
        })
        .expect("a symbol table message");
    let heap = LocalHeap::read(&bytes[..], st.heap_address, &ctx).expect("local heap");
    // spec III.D: signature, version, 3 reserved bytes, data segment size, then the
    // offset to the head of the free list.
    let at = st.heap_address as usize + 8 + ctx.sizeof_lengths();
    let bad = heap.data_segment_size + 16;
    bytes[at..at + 8].copy_from_slice(&bad.to_le_bytes());
    assert_damaged(
        "free_list.h5",
        &bytes,
        &[
            &format!("local heap at offset {:#x}", st.heap_address),
            &format!("free list head points to offset {bad}"),
        ],
    );
}

/// The superblock's root entry (version 0, no checksum) caches a B-tree address that is
/// not the root group's.
#[test]
fn stale_cached_symbol_table_addresses_are_found() {
    let mut bytes = read("format_earliest_sb0.h5");
    assert_eq!(bytes[8], 0, "superblock version 0");
    // spec II.A and III.C: 24 fixed bytes, 4 addresses, then the root entry's link name
    // offset, header address, cache type and reserved word; its scratch pad starts with the
    // B-tree address.
    let at = 24 + 4 * 8 + 8 + 8 + 4 + 4;
    assert_eq!(
        u32::from_le_bytes(bytes[72..76].try_into().unwrap()),
        1,
        "cache type"
    );
    let cached = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    bytes[at..at + 8].copy_from_slice(&(cached + 8).to_le_bytes());
    assert_damaged(
        "stale_cache.h5",
        &bytes,
        &[&format!(
            "superblock at offset 0x0: the entry of / caches B-tree {:#x}",
            cached + 8
        )],
    );
}

/// Patches the first entry of `/fixed_array`'s fixed array data block (chunk index of a
/// latest-format file) to point into the object header of `/fixed_array_deflate`, and
/// recomputes the block's checksum so that only the overlap is wrong.
#[test]
fn chunk_pointing_into_an_object_header_is_an_overlap() {
    let mut bytes = read("chunk_index_latest.h5");
    let ctx = ctx_of(&bytes);
    let f = File::from_bytes(bytes.clone()).expect("open");
    let ds = f.root().dataset("fixed_array").expect("dataset");
    let victim = f.root().dataset("fixed_array_deflate").expect("dataset");
    let Storage::Chunked(c) = &ds.layout().storage else {
        panic!("not chunked")
    };
    let hdr = fixed_array::read_header(&bytes[..], c.address, &ctx, &Limits::DEFAULT)
        .expect("fixed array header");
    assert!(!hdr.is_paged());
    assert_eq!(
        usize::from(hdr.entry_size),
        ctx.sizeof_offsets(),
        "unfiltered"
    );
    let block = hdr.data_block_address as usize;
    let len = hdr.data_block_len(&ctx).expect("block size") as usize;
    // spec VII, fixed array data block: signature, version, client id, header address,
    // then the entries; the checksum last.
    let entry = block + 4 + 1 + 1 + ctx.sizeof_offsets();
    let target = victim.address() + 8;
    bytes[entry..entry + 8].copy_from_slice(&target.to_le_bytes());
    let sum = lookup3(&bytes[block..block + len - 4]);
    bytes[block + len - 4..block + len].copy_from_slice(&sum.to_le_bytes());
    assert_damaged(
        "overlap_fixed_array.h5",
        &bytes,
        &[
            "overlap: object header of /fixed_array_deflate",
            "dataset chunk of /fixed_array [",
        ],
    );
}

/// The same through a v1 B-tree chunk index of an earliest-format file: the first child
/// of the first leaf now points at the root group's object header.
#[test]
fn btree_v1_chunk_pointing_into_an_object_header_is_an_overlap() {
    let mut bytes = read("chunk_index_earliest.h5");
    let ctx = ctx_of(&bytes);
    let f = File::from_bytes(bytes.clone()).expect("open");
    let root = f.root().address();
    let ds = f.root().dataset("btree_v1_unlimited").expect("dataset");
    let Storage::Chunked(c) = &ds.layout().storage else {
        panic!("not chunked")
    };
    let format = KeyFormat::Chunk { rank: c.dims.len() };
    let mut at = c.address;
    loop {
        let node = Node::read(&bytes[..], at, format, &ctx, &Limits::DEFAULT).expect("node");
        if node.level == 0 {
            break;
        }
        at = node.children[0];
    }
    // spec III.A.1: header, then key 0, then child 0.
    let child0 = (at as usize) + Node::header_len(&ctx) + format.key_len(&ctx);
    bytes[child0..child0 + 8].copy_from_slice(&root.to_le_bytes());
    assert_damaged(
        "overlap_btree_v1.h5",
        &bytes,
        &[
            "overlap: ",
            "object header of /",
            "dataset chunk of /btree_v1_unlimited",
        ],
    );
}

fn stat_json(name: &str) -> Json {
    let o = h5ox(&["stat", "--json", fixture(name).to_str().expect("utf-8")]);
    assert!(
        o.status.success(),
        "stat {name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("stat --json is JSON")
}

fn u(j: &Json, path: &[&str]) -> u64 {
    let mut v = j;
    for p in path {
        v = &v[*p];
    }
    v.as_u64()
        .unwrap_or_else(|| panic!("{path:?} is not a number"))
}

/// Runs a C library tool; `None` if it is not installed.
fn tool(name: &str, args: &[&str]) -> Option<String> {
    match Command::new(name).args(args).output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => panic!("{name} {args:?}: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => {
            eprintln!("skipped: {name} is not installed");
            None
        }
    }
}

#[test]
fn stat_counts_match_the_generator() {
    // 3000 compact scalar i16 datasets in /many (fixtures/src/groups.rs).
    for name in ["groups_many_earliest.h5", "groups_many_latest.h5"] {
        let j = stat_json(name);
        assert_eq!(u(&j, &["objects", "groups"]), 2, "{name}");
        assert_eq!(u(&j, &["objects", "datasets"]), 3000, "{name}");
        assert_eq!(u(&j, &["links", "hard"]), 3001, "{name}");
        assert_eq!(u(&j, &["storage", "compact_bytes"]), 6000, "{name}");
        assert_eq!(u(&j, &["chunks"]), 0, "{name}");
    }
    // Three committed types, each used by one dataset (fixtures/src/types.rs).
    let j = stat_json("types_committed.h5");
    assert_eq!(u(&j, &["objects", "named_datatypes"]), 3);
    assert_eq!(u(&j, &["objects", "datasets"]), 3);
}

/// Object, link and attribute counts as `h5ls -r` and `h5dump -A` give them.
#[test]
fn stat_counts_match_h5ls() {
    for name in [
        "links_latest.h5",
        "links_earliest.h5",
        "types_committed.h5",
        "format_latest_sb3.h5",
        "format_earliest_sb1_small_k.h5",
        "attrs_dense_large.h5",
    ] {
        let path = fixture(name);
        let p = path.to_str().expect("utf-8");
        let Some(ls) = tool("h5ls", &["-r", p]) else {
            return;
        };
        let (mut groups, mut datasets, mut types, mut soft, mut ext, mut again) =
            (0, 0, 0, 0, 0, 0);
        for l in ls.lines() {
            let kind = l.split_whitespace().nth(1).unwrap_or("");
            if l.contains(", same as ") {
                again += 1;
                continue;
            }
            match kind {
                "Group" => groups += 1,
                "Dataset" => datasets += 1,
                "Type" => types += 1,
                "Soft" => soft += 1,
                "External" => ext += 1,
                _ => {}
            }
        }
        let j = stat_json(name);
        assert_eq!(u(&j, &["objects", "groups"]), groups, "{name} groups");
        assert_eq!(u(&j, &["objects", "datasets"]), datasets, "{name} datasets");
        assert_eq!(
            u(&j, &["objects", "named_datatypes"]),
            types,
            "{name} types"
        );
        assert_eq!(u(&j, &["links", "soft"]), soft, "{name} soft links");
        assert_eq!(u(&j, &["links", "external"]), ext, "{name} external links");
        // Every object but the root is reached by one hard link, plus the "same as" ones.
        let hard = groups + datasets + types - 1 + again;
        assert_eq!(u(&j, &["links", "hard"]), hard, "{name} hard links");
        if let Some(dump) = tool("h5dump", &["-A", "-H", p]) {
            let attrs = dump.matches("ATTRIBUTE \"").count() as u64;
            assert_eq!(u(&j, &["attributes"]), attrs, "{name} attributes");
        }
    }
}

/// Raw data bytes equal the sum of the allocated sizes `h5ls -v` reports per dataset.
#[test]
fn stat_raw_bytes_match_h5ls_storage() {
    for name in [
        "layouts.h5",
        "layouts_latest.h5",
        "format_earliest_sb0.h5",
        "filters_builtin.h5",
        "chunk_index_earliest.h5",
        "userblock_512.h5",
    ] {
        let path = fixture(name);
        let Some(ls) = tool("h5ls", &["-r", "-v", path.to_str().expect("utf-8")]) else {
            return;
        };
        let mut sum = 0u64;
        for l in ls.lines() {
            // "    Storage:   16000 logical bytes, 4701 allocated bytes, ..."
            if let Some(rest) = l.trim_start().strip_prefix("Storage:") {
                let words: Vec<&str> = rest.split_whitespace().collect();
                let i = words
                    .iter()
                    .position(|w| w.starts_with("allocated"))
                    .expect("allocated bytes");
                sum += words[i - 1].parse::<u64>().expect("a number");
            }
        }
        let j = stat_json(name);
        assert_eq!(u(&j, &["storage", "raw_data_bytes"]), sum, "{name}");
        // The three parts add up to the file.
        let total = u(&j, &["user_block_bytes"])
            + u(&j, &["storage", "metadata_bytes"])
            + u(&j, &["storage", "raw_data_bytes"])
            + u(&j, &["storage", "unaccounted_bytes"]);
        assert_eq!(total, u(&j, &["file_bytes"]), "{name}");
        let on_disk = std::fs::metadata(&path).expect("metadata").len();
        assert_eq!(u(&j, &["file_bytes"]), on_disk, "{name}");
    }
}

#[test]
fn stat_filters_and_histogram_are_consistent() {
    let j = stat_json("filters_builtin.h5");
    let filters = j["filters"].as_array().expect("filters");
    let names: Vec<&str> = filters
        .iter()
        .map(|f| f["filters"].as_str().expect("name"))
        .collect();
    // Pipelines of the generator (fixtures/src/filters.rs), in the order applied on write.
    for want in [
        "deflate",
        "shuffle+deflate",
        "szip",
        "nbit",
        "scaleoffset",
        "fletcher32",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    let stored: u64 = filters.iter().map(|f| u(f, &["stored_bytes"])).sum();
    assert_eq!(stored, u(&j, &["storage", "chunked_bytes"]));
    let deflate = filters
        .iter()
        .find(|f| f["filters"] == "deflate")
        .expect("deflate");
    assert!(deflate["ratio"].as_f64().expect("ratio") > 1.0);
    let hist = j["chunk_sizes"].as_array().expect("histogram");
    let total: u64 = hist.iter().map(|b| u(b, &["chunks"])).sum();
    assert_eq!(total, u(&j, &["chunks"]));
    for b in hist {
        let lo = u(b, &["min_bytes"]);
        let hi = u(b, &["max_bytes_exclusive"]);
        assert!(
            lo == 0 && hi == 1 || lo.is_power_of_two() && hi == 2 * lo,
            "{b}"
        );
    }
}

#[test]
fn text_stat_and_summary() {
    let o = h5ox(&["stat", fixture("layouts.h5").to_str().expect("utf-8")]);
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).expect("utf-8");
    assert!(
        out.contains("objects: 1 groups, 6 datasets, 0 named datatypes"),
        "{out}"
    );
    assert!(
        out.contains("(chunked 1096, contiguous 168, compact 80)"),
        "{out}"
    );
    assert!(out.contains("unaccounted"), "{out}");
    let (code, out) = check(&fixture("layouts.h5"));
    assert_eq!(code, Some(0));
    assert_eq!(
        out.lines().last(),
        Some("7 objects, 6 datasets, 28 chunks checked: clean")
    );
}

#[test]
fn over_max_bytes_chunks_are_decoded_one_by_one() {
    let mut bytes = read("format_earliest_sb0.h5");
    let f = File::from_bytes(bytes.clone()).expect("open");
    let ds = f.root().dataset("chunked_f64").expect("dataset");
    let chunk = ds
        .chunk_list()
        .expect("chunks")
        .into_iter()
        .max_by_key(|r| r.size)
        .expect("a chunk");
    let mid = (chunk.address + chunk.size / 2) as usize;
    for b in &mut bytes[mid..mid + 8] {
        *b ^= 0x5A;
    }
    let p = scratch("deflate_flip_slabs.h5", &bytes);
    // 16000 bytes of data, over the limit: each chunk is read and decoded on its own.
    let o = h5ox(&["check", "--max-bytes", "320", p.to_str().expect("utf-8")]);
    let out = String::from_utf8(o.stdout).expect("utf-8");
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(&format!("dataset chunk at offset {:#x}", chunk.address)),
        "{out}"
    );
    let clean = h5ox(&[
        "check",
        "--max-bytes",
        "320",
        fixture("format_earliest_sb0.h5").to_str().expect("utf-8"),
    ]);
    assert_eq!(clean.status.code(), Some(0));
}

/// Bit flips spread over whole files: `check` and `stat` end with status 0 or 1, never a
/// panic (status 101) or a signal.
#[test]
fn damaged_files_never_crash() {
    for name in [
        "format_earliest_sb0.h5",
        "format_latest_sb3.h5",
        "chunk_index_latest.h5",
        "types_compound.h5",
        "attrs_dense_large.h5",
    ] {
        let clean = read(name);
        for k in 0..40usize {
            let mut bytes = clean.clone();
            let at = k * clean.len() / 40 + k % 7;
            bytes[at] ^= 1 << (k % 8);
            let p = scratch(&format!("flip_{k}_{name}"), &bytes);
            for cmd in ["check", "stat"] {
                let o = h5ox(&[cmd, p.to_str().expect("utf-8")]);
                assert!(
                    matches!(o.status.code(), Some(0 | 1)),
                    "{cmd} {name} flipped at {at}: {:?}\n{}",
                    o.status,
                    String::from_utf8_lossy(&o.stderr)
                );
            }
        }
    }
}
