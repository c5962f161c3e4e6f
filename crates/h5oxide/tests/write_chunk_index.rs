//! Chunk indexes the writer chooses as libhdf5 does (extensible array for one unlimited
//! dimension, version 2 B-tree for more, paged fixed arrays), kept through appends, checked
//! with the C library (values from its walk, index kind from `h5debug`), and libhdf5's own
//! indexes edited in place.
#[path = "write_common.rs"]
mod common;

use std::path::Path;
use std::process::Command;

use common::{c_walk, h5dump, ints, temp_dir, walk_object};
use h5oxide::{File, Libver};
use h5oxide_format::chunk_index::extensible_array::{
    self, encode_data_block, encode_super_block, IndexBlock,
};
use h5oxide_format::object_header::message::layout::{ChunkIndex, Storage};
use h5oxide_format::{Context, Cursor, Limits, UNDEFINED_ADDRESS};
use ndarray::s;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files")
        .join(name)
}

/// What `h5debug` (the C library) reports as the chunk index of dataset `name`.
fn c_index_type(path: &Path, name: &str) -> String {
    let address = File::open(path)
        .unwrap()
        .root()
        .dataset(name)
        .unwrap()
        .address();
    let out = Command::new("h5debug")
        .arg(path)
        .arg(address.to_string())
        .output()
        .expect("h5debug is installed (hdf5-tools)");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Index Type:"))
        .unwrap_or_else(|| panic!("no index type for {name}:\n{text}"))
        .trim()
        .to_owned()
}

/// The statistics of an extensible array header as `h5debug` prints them.
fn c_ea_stats(path: &Path, name: &str) -> Vec<(String, u64)> {
    let ds = File::open(path).unwrap().root().dataset(name).unwrap();
    let Storage::Chunked(c) = &ds.layout().storage else {
        panic!("{name} is not chunked")
    };
    let out = Command::new("h5debug")
        .arg(path)
        .arg(c.address.to_string())
        .arg(ds.address().to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Extensible Array Header"),
        "h5debug: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.rsplit_once(char::is_whitespace)?;
            Some((k.trim().trim_end_matches(':').to_owned(), v.parse().ok()?))
        })
        .collect()
}

fn stat(stats: &[(String, u64)], key: &str) -> u64 {
    stats
        .iter()
        .find(|(k, _)| k.contains(key))
        .unwrap_or_else(|| panic!("no {key} in {stats:?}"))
        .1
}

/// Every value of integer dataset `name` as libhdf5 reads it (`h5dump -y`; the C walk
/// lists only the first 1000).
fn c_dump(path: &Path, name: &str) -> Vec<i64> {
    let text = h5dump(path, &["-y", "-w", "0", "-d", name]);
    let data = text.split_once("DATA {").expect("h5dump prints DATA").1;
    let data = data.split('}').next().unwrap();
    data.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().unwrap())
        .collect()
}

/// Asserts equal sequences, naming the first difference.
fn assert_same(got: &[i64], want: impl IntoIterator<Item = i64>) {
    let want: Vec<i64> = want.into_iter().collect();
    assert_eq!(got.len(), want.len(), "lengths");
    if let Some(i) = (0..got.len()).find(|&i| got[i] != want[i]) {
        let bad = (0..got.len()).filter(|&i| got[i] != want[i]).count();
        panic!(
            "{bad} values differ, first at {i}: {} instead of {}",
            got[i], want[i]
        );
    }
}

fn latest(path: &Path) -> File {
    common::create(path, Libver::Latest)
}

fn row_values(from: usize, to: usize) -> Vec<i64> {
    (from..to).map(|i| (i as i64) * 7 - 3).collect()
}

#[test]
fn extensible_array_grows_through_super_blocks() {
    let dir = temp_dir("ea-append");
    for filtered in [false, true] {
        let path = dir.join(format!("ea_{filtered}.h5"));
        {
            let f = latest(&path);
            let mut b = f
                .root()
                .new_dataset_builder()
                .with_data(&row_values(0, 1))
                .chunk([1])
                .max_shape([None]);
            if filtered {
                b = b.deflate(4);
            }
            let mut ds = b.create("rows").unwrap();
            // 1 -> 5000 rows in steps of growing size: 5000 chunks need the index block's
            // own data blocks and secondary blocks 4..8.
            let mut n = 1usize;
            let mut step = 1usize;
            while n < 5000 {
                let m = (n + step).min(5000);
                ds.resize([m]).unwrap();
                ds.write_slice(&row_values(n, m), s![n..m]).unwrap();
                n = m;
                step += 3;
            }
            f.flush().unwrap();
            // Two columns, the unlimited one second: chunks are numbered with it first.
            let mut b = f
                .root()
                .new_dataset_builder()
                .with_data(&(0..6i32).collect::<Vec<_>>())
                .shape([3, 2])
                .chunk([2, 1])
                .max_shape([Some(3), None]);
            if filtered {
                b = b.deflate(1);
            }
            let mut cols = b.create("cols").unwrap();
            cols.resize([3, 40]).unwrap();
            let v: Vec<i32> = (0..3 * 38).map(|i| 100 + i).collect();
            cols.write_slice(&v, s![.., 2..40]).unwrap();
        }
        let walk = c_walk(&path);
        assert_eq!(
            walk_object(&walk, "/rows")["values_total"],
            common::Json::Num("5000".into())
        );
        assert_same(&c_dump(&path, "/rows"), row_values(0, 5000));
        let cols = ints(&walk_object(&walk, "/cols")["values"]);
        assert_eq!(cols.len(), 120);
        assert_eq!(&cols[..4], &[0, 1, 100, 101]);
        assert_eq!(cols[40], 2);
        assert_eq!(cols[119], 100 + 3 * 38 - 1);
        for name in ["rows", "cols"] {
            assert_eq!(c_index_type(&path, name), "Extensible Array", "{name}");
        }
        // 5000 chunks: index block 4; secondary blocks 0..3 in the index block (16 + 32 +
        // 64 + 128 elements, 6 data blocks); then 4 (4 x 64), 5 (4 x 128), 6 (8 x 128),
        // 7 (8 x 256), 8 (16 x 256; the last 916 elements use 4 of them).
        let st = c_ea_stats(&path, "rows");
        assert_eq!(stat(&st, "Highest element index stored"), 5000);
        assert_eq!(stat(&st, "Number of super blocks created"), 5);
        assert_eq!(
            stat(&st, "Number of data blocks created"),
            6 + 4 + 4 + 8 + 8 + 4
        );
        assert_eq!(
            stat(&st, "Number of elements"),
            4 + 240 + 256 + 512 + 1024 + 2048 + 4 * 256
        );
        h5dump(&path, &["-p", "-H"]);
        let f = File::open(&path).unwrap();
        let ds = f.root().dataset("rows").unwrap();
        assert_eq!(ds.read_raw::<i64>().unwrap(), row_values(0, 5000));
        assert_eq!(ds.chunk_list().unwrap().len(), 5000);
        assert!(matches!(
            ds.layout().storage,
            Storage::Chunked(ref c) if matches!(c.index, ChunkIndex::ExtensibleArray { .. })
        ));
    }
}

#[test]
fn extensible_array_pages_large_data_blocks() {
    // Secondary block 13 holds data blocks of 2048 elements, two pages of 1024; it starts
    // at element 4 + 131056.
    let dir = temp_dir("ea-paged");
    let path = dir.join("paged.h5");
    let n = 140_000usize;
    let vals: Vec<i32> = (0..n as i32).map(|i| i ^ 0x55).collect();
    {
        let f = latest(&path);
        let mut ds = f
            .root()
            .new_dataset_builder()
            .with_data(&vals[..n - 1000])
            .chunk([1])
            .max_shape([None])
            .create("big")
            .unwrap();
        ds.resize([n]).unwrap();
        ds.write_slice(&vals[n - 1000..], s![n - 1000..n]).unwrap();
    }
    let got = c_dump(&path, "/big");
    assert_same(&got, vals.iter().map(|&v| i64::from(v)));
    assert_eq!(c_index_type(&path, "big"), "Extensible Array");
    let st = c_ea_stats(&path, "big");
    assert_eq!(stat(&st, "Highest element index stored"), n as u64);
    // Secondary blocks 4..13; in block 13, data blocks of 2048 up to element 140000:
    // (140000 - 4 - 131056) / 2048 rounded up = 5.
    assert_eq!(stat(&st, "Number of super blocks created"), 10);
    let ds = File::open(&path).unwrap().root().dataset("big").unwrap();
    assert_eq!(ds.read_raw::<i32>().unwrap(), vals);
}

fn grid(rows: usize, cols: usize) -> Vec<i32> {
    (0..rows * cols)
        .map(|k| ((k / cols) * 1000 + k % cols) as i32)
        .collect()
}

#[test]
fn btree_v2_grows_in_two_dimensions() {
    let dir = temp_dir("bt2-append");
    for filtered in [false, true] {
        let path = dir.join(format!("bt2_{filtered}.h5"));
        let (rows, cols) = (90usize, 120usize);
        {
            let f = latest(&path);
            let mut b = f
                .root()
                .new_dataset_builder()
                .with_data(&grid(1, 1))
                .shape([1, 1])
                .chunk([3, 4])
                .max_shape([None, None]);
            if filtered {
                b = b.deflate(6);
            }
            let mut ds = b.create("grid").unwrap();
            let (mut r, mut c) = (1usize, 1usize);
            while (r, c) != (rows, cols) {
                let (r2, c2) = ((r + 7).min(rows), (c + 9).min(cols));
                ds.resize([r2, c2]).unwrap();
                // New rows over every column, then new columns of the old rows.
                let all = grid(r2, c2);
                let pick = |r0: usize, r1: usize, c0: usize, c1: usize| -> Vec<i32> {
                    (r0..r1)
                        .flat_map(|i| all[i * c2 + c0..i * c2 + c1].to_vec())
                        .collect()
                };
                ds.write_slice(&pick(r, r2, 0, c2), s![r..r2, ..]).unwrap();
                ds.write_slice(&pick(0, r, c, c2), s![..r, c..c2]).unwrap();
                (r, c) = (r2, c2);
            }
        }
        let got = c_dump(&path, "/grid");
        assert_same(&got, grid(rows, cols).into_iter().map(i64::from));
        assert_eq!(c_index_type(&path, "grid"), "v2 B-tree");
        h5dump(&path, &["-p", "-H"]);
        let f = File::open(&path).unwrap();
        let ds = f.root().dataset("grid").unwrap();
        assert_eq!(ds.read_raw::<i32>().unwrap(), grid(rows, cols));
        // 30 x 30 chunks: more than one 2048-byte leaf holds.
        assert_eq!(ds.chunk_list().unwrap().len(), 900);
    }
}

#[test]
fn fixed_array_pages_past_1024_chunks() {
    let dir = temp_dir("fa-paged");
    let path = dir.join("fa.h5");
    {
        let f = latest(&path);
        let mut ds = f
            .root()
            .new_dataset_builder()
            .shape([101, 61])
            .chunk([2, 3])
            .with_data(&grid(101, 61))
            .create("fa")
            .unwrap();
        // A rewrite keeps the paged fixed array.
        ds.write_slice(&vec![-1i32; 61], s![50, ..]).unwrap();
    }
    let mut want = grid(101, 61);
    want[50 * 61..51 * 61].fill(-1);
    let got = c_dump(&path, "/fa");
    assert_same(&got, want.iter().map(|&v| i64::from(v)));
    assert_eq!(c_index_type(&path, "fa"), "Fixed Array");
}

#[test]
fn resize_errors_read_like_h5py() {
    let f = File::in_memory().unwrap();
    let mut ds = f
        .root()
        .new_dataset_builder()
        .with_data(&vec![1i64, 2, 3])
        .chunk([2])
        .max_shape([Some(30)])
        .create("d")
        .unwrap();
    let e = ds.resize([40]).unwrap_err();
    assert!(matches!(
        e,
        h5oxide::Error::ResizeBeyondMax {
            requested: 40,
            max: 30
        }
    ));
    assert_eq!(
        e.to_string(),
        "Unable to extend dataset (dimension cannot exceed the existing maximal size (new: 40 max: 30))"
    );
    let mut c = f
        .root()
        .new_dataset_builder()
        .with_data(&vec![1i64, 2, 3])
        .create("contiguous")
        .unwrap();
    let e = c.resize([2]).unwrap_err();
    assert!(matches!(e, h5oxide::Error::ResizeNotChunked));
    assert_eq!(e.to_string(), "Only chunked datasets can be resized");
}

#[test]
fn libhdf5_indexes_edited_in_place() {
    let dir = temp_dir("c-indexes");
    let path = dir.join("chunk_index_latest.h5");
    std::fs::copy(fixture("chunk_index_latest.h5"), &path).unwrap();
    let before = path.with_extension("orig.h5");
    std::fs::copy(&path, &before).unwrap();
    let old = |name: &str| c_dump(&before, &format!("/{name}"));
    {
        let f = File::open_rw(&path).unwrap();
        let root = f.root();
        // 1-D extensible array [3000] of i32, chunks of 4: append 500.
        let mut ea = root.dataset("extensible_array").unwrap();
        ea.resize([3500]).unwrap();
        let tail: Vec<i32> = (3000..3500).map(|i| -i).collect();
        ea.write_slice(&tail, s![3000..3500]).unwrap();
        // Filtered extensible array [203, 8]: append 97 rows.
        let mut ead = root.dataset("extensible_array_deflate").unwrap();
        assert_eq!(ead.dtype().element_size(), 4);
        ead.resize([300, 8]).unwrap();
        ead.write_slice(&vec![7i32; 97 * 8], s![203..300, ..])
            .unwrap();
        // v2 B-trees: grow both dimensions, write the new corner.
        for (name, r, c) in [("btree_v2", 120, 90), ("btree_v2_deflate", 62, 53)] {
            let mut d = root.dataset(name).unwrap();
            d.resize([r + 10, c + 5]).unwrap();
            d.write_slice(&vec![-5i32; 10 * 5], s![r..r + 10, c..c + 5])
                .unwrap();
        }
        // The implicit index becomes a fixed array.
        let mut im = root.dataset("implicit").unwrap();
        let shape = im.shape();
        let cols = shape[1] as usize;
        im.write_slice(&vec![42i32; cols], s![0, ..]).unwrap();
    }
    h5dump(&path, &["-p", "-H"]);
    let new = |name: &str| c_dump(&path, &format!("/{name}"));
    let mut want = old("extensible_array");
    want.extend((3000..3500).map(|i| -i));
    assert_eq!(new("extensible_array"), want);
    let mut want = old("extensible_array_deflate");
    want.extend(std::iter::repeat_n(7, 97 * 8));
    assert_eq!(new("extensible_array_deflate"), want);
    for (name, r, c) in [
        ("btree_v2", 120usize, 90usize),
        ("btree_v2_deflate", 62, 53),
    ] {
        let o = old(name);
        let n = new(name);
        let c2 = c + 5;
        assert_eq!(n.len(), (r + 10) * c2);
        for i in 0..r + 10 {
            for j in 0..c2 {
                let v = n[i * c2 + j];
                let expect = if i < r && j < c {
                    o[i * c + j]
                } else if i >= r && j >= c {
                    -5
                } else {
                    0
                };
                assert_eq!(v, expect, "{name}[{i}, {j}]");
            }
        }
    }
    let mut want = old("implicit");
    let width = File::open(&path)
        .unwrap()
        .root()
        .dataset("implicit")
        .unwrap()
        .shape()[1] as usize;
    want[..width].fill(42);
    assert_eq!(new("implicit"), want);
    for (name, kind) in [
        ("extensible_array", "Extensible Array"),
        ("extensible_array_deflate", "Extensible Array"),
        ("btree_v2", "v2 B-tree"),
        ("btree_v2_deflate", "v2 B-tree"),
        ("implicit", "Fixed Array"),
    ] {
        assert_eq!(c_index_type(&path, name), kind, "{name}");
    }
    // Untouched datasets read as before.
    for name in [
        "fixed_array_paged",
        "extensible_array_grown",
        "single_chunk",
    ] {
        assert_eq!(new(name), old(name), "{name}");
    }
}

#[test]
fn extensible_array_blocks_match_libhdf5_bytes() {
    // The encoders reproduce libhdf5's blocks byte for byte: given the fixture's header
    // address, block offsets and data block addresses, every data block, secondary block,
    // the index block and the header (whose statistics the encoder computes) equal the
    // bytes libhdf5 wrote.
    let bytes = std::fs::read(fixture("chunk_index_latest.h5")).unwrap();
    let src = &bytes[..];
    let ctx = Context::DEFAULT;
    let limits = Limits::DEFAULT;
    let f = File::open(fixture("chunk_index_latest.h5")).unwrap();
    for name in ["extensible_array", "extensible_array_deflate"] {
        let ds = f.root().dataset(name).unwrap();
        let Storage::Chunked(c) = &ds.layout().storage else {
            panic!()
        };
        let at = c.address;
        let hdr = extensible_array::read_header(src, at, &ctx, &limits).unwrap();
        let entries = extensible_array::read_entries(src, &hdr, &ctx, &limits).unwrap();
        // The whole array re-encoded at the same address: the statistics the encoder
        // computes equal libhdf5's, and so do the header's bytes (given libhdf5's index block
        // address, which is right after the header for the first array, as the encoder
        // places it, and elsewhere for the second).
        let a = extensible_array::encode_array(&hdr, &entries, at, &ctx).unwrap();
        let hlen = extensible_array::ExtensibleArrayHeader::encoded_len(&ctx);
        let mut ours = a.header;
        if name == "extensible_array" {
            assert_eq!(ours.index_block_address, at + hlen as u64);
        }
        ours.index_block_address = hdr.index_block_address;
        assert_eq!(ours, hdr, "{name}");
        let mut w = h5oxide_format::Writer::new();
        ours.encode(&mut w, &ctx).unwrap();
        assert_eq!(w.as_slice(), &bytes[at as usize..at as usize + hlen]);
        // The index block with libhdf5's addresses.
        let ia = hdr.index_block_address as usize;
        let ilen = IndexBlock::encoded_len(&hdr, &ctx);
        let ib = IndexBlock::decode(
            &mut Cursor::new(&bytes[ia..ia + ilen], ia as u64, "index block"),
            &hdr,
            &ctx,
        )
        .unwrap();
        let mut w = h5oxide_format::Writer::new();
        ib.encode(&mut w, &hdr, at, &ctx).unwrap();
        assert_eq!(w.as_slice(), &bytes[ia..ia + ilen], "{name} index block");
        // Data blocks of the index block's super blocks: 16, 32, 32, 32, 64, 64 elements
        // (data block min 16), offsets past the index block's 4 elements.
        let es = usize::from(hdr.element_size);
        let fill = h5oxide_format::chunk_index::ChunkEntry {
            address: UNDEFINED_ADDRESS,
            size: (hdr.client_id == 1).then_some(0),
            filter_mask: 0,
        };
        let mut off = 0u64;
        let mut checked = 0;
        for (k, &da) in ib.data_block_addresses.iter().enumerate() {
            let n = [16u64, 32, 32, 32, 64, 64][k];
            if da != UNDEFINED_ADDRESS {
                let from = 4 + off as usize;
                let mut part: Vec<_> = entries
                    .iter()
                    .skip(from)
                    .take(n as usize)
                    .copied()
                    .collect();
                // Elements past the last set one were never read back; libhdf5 stores them
                // as its fill (undefined address, size 0).
                part.resize(n as usize, fill);
                // libhdf5's stored offset for the data blocks of the index block: super
                // block start + index in the index block x size (see encode_array).
                let start = [0u64, 16, 48, 48, 112, 112][k];
                let img = encode_data_block(&hdr, at, start + k as u64 * n, &part, &ctx).unwrap();
                let len = 22 + n as usize * es;
                assert_eq!(img.len(), len);
                assert_eq!(
                    img,
                    &bytes[da as usize..da as usize + len],
                    "{name} data block {k}"
                );
                checked += 1;
            }
            off += n;
        }
        assert!(checked > 0);
        // Secondary blocks: super block 4 holds 4 data blocks of 64, 5 holds 4 of 128.
        for (k, &sa) in ib.super_block_addresses.iter().enumerate().take(2) {
            if sa == UNDEFINED_ADDRESS {
                continue;
            }
            let start = [240u64, 496][k];
            let len = 22 + 4 * 8;
            let sbytes = &bytes[sa as usize..sa as usize + len];
            let addrs: Vec<u64> = (0..4)
                .map(|d| {
                    let p = 18 + 8 * d;
                    u64::from_le_bytes(sbytes[p..p + 8].try_into().unwrap())
                })
                .collect();
            let img = encode_super_block(&hdr, at, start, &[], &addrs, &ctx).unwrap();
            assert_eq!(img, sbytes, "{name} secondary block {k}");
            // Its data blocks, offsets start + d x size.
            let n = [64u64, 128][k];
            for (d, &da) in addrs.iter().enumerate() {
                if da == UNDEFINED_ADDRESS {
                    continue;
                }
                let off = start + d as u64 * n;
                let mut part: Vec<_> = entries
                    .iter()
                    .skip(4 + off as usize)
                    .take(n as usize)
                    .copied()
                    .collect();
                part.resize(n as usize, fill);
                let img = encode_data_block(&hdr, at, off, &part, &ctx).unwrap();
                let len = img.len();
                assert_eq!(
                    img,
                    &bytes[da as usize..da as usize + len],
                    "{name} {k}/{d}"
                );
            }
        }
    }
}

/// `tests/data/gen/extend_rewrite.c` built with `h5cc`, or `None` without `h5cc`.
fn extend_rewrite_exe(dir: &Path) -> Option<std::path::PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gen/extend_rewrite.c");
    let exe = dir.join("extend_rewrite");
    // h5cc leaves its object file in the working directory.
    let ok = Command::new("h5cc")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .current_dir(dir)
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(exe)
}

#[test]
fn libhdf5_extends_and_rewrites_our_indexes() {
    let dir = temp_dir("c-extends");
    let Some(exe) = extend_rewrite_exe(&dir) else {
        println!("skipped: h5cc is not on PATH");
        return;
    };
    let path = dir.join("ours.h5");
    // (name, shape, chunk, max, deflate, extended shape, index kind)
    type Case = (
        &'static str,
        Vec<usize>,
        Vec<usize>,
        Vec<Option<usize>>,
        bool,
        Vec<usize>,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "ea",
            vec![700],
            vec![4],
            vec![None],
            false,
            vec![1500],
            "Extensible Array",
        ),
        (
            "ea_gz",
            vec![700],
            vec![4],
            vec![None],
            true,
            vec![1500],
            "Extensible Array",
        ),
        // Paged data blocks (secondary block 13 and later).
        (
            "ea_paged",
            vec![140_000],
            vec![1],
            vec![None],
            false,
            vec![141_000],
            "Extensible Array",
        ),
        (
            "ea_2d",
            vec![30, 5],
            vec![4, 5],
            vec![Some(30), None],
            true,
            vec![30, 60],
            "Extensible Array",
        ),
        (
            "bt2",
            vec![30, 40],
            vec![3, 4],
            vec![None, None],
            false,
            vec![45, 50],
            "v2 B-tree",
        ),
        (
            "bt2_gz",
            vec![30, 40],
            vec![3, 4],
            vec![None, None],
            true,
            vec![45, 50],
            "v2 B-tree",
        ),
        // 6400 chunks: a tree of depth 2 (leaves of 84 type 10 records in 2048 bytes).
        (
            "bt2_deep",
            vec![240, 240],
            vec![3, 3],
            vec![None, None],
            false,
            vec![250, 250],
            "v2 B-tree",
        ),
    ];
    {
        let f = latest(&path);
        for (name, shape, chunk, max, gz, _, _) in &cases {
            let n: usize = shape.iter().product();
            let data: Vec<i32> = (0..n as i32).collect();
            let mut b = f
                .root()
                .new_dataset_builder()
                .with_data(&data)
                .shape(shape)
                .chunk(chunk)
                .max_shape(max);
            if *gz {
                b = b.deflate(5);
            }
            b.create(name).unwrap();
        }
    }
    {
        let f = File::open(&path).unwrap();
        let ds = f.root().dataset("bt2_deep").unwrap();
        let Storage::Chunked(c) = &ds.layout().storage else {
            panic!()
        };
        let bytes = std::fs::read(&path).unwrap();
        let h = h5oxide_format::btree_v2::read_header(&bytes[..], c.address, &Context::DEFAULT)
            .unwrap();
        assert_eq!((h.depth, h.total_records, h.node_size), (2, 6400, 2048));
    }
    for (name, _, _, _, _, ext, _) in &cases {
        let status = Command::new(&exe)
            .arg(&path)
            .arg(name)
            .args(ext.iter().map(|d| d.to_string()))
            .status()
            .unwrap();
        assert!(
            status.success(),
            "libhdf5 failed to extend and rewrite {name}"
        );
    }
    h5dump(&path, &["-p", "-H"]);
    let f = File::open(&path).unwrap();
    for (name, _, _, _, _, ext, kind) in &cases {
        let n: usize = ext.iter().product();
        let want: Vec<i64> = (0..n as i64).map(|k| 3 * k + 1).collect();
        let ds = f.root().dataset(name).unwrap();
        assert_eq!(
            ds.shape(),
            ext.iter().map(|&d| d as u64).collect::<Vec<_>>()
        );
        let got: Vec<i64> = ds
            .read_raw::<i32>()
            .unwrap()
            .into_iter()
            .map(i64::from)
            .collect();
        assert_same(&got, want.iter().copied());
        assert_same(&c_dump(&path, &format!("/{name}")), want);
        assert_eq!(c_index_type(&path, name), *kind, "{name}");
    }
}

#[test]
fn shrinking_keeps_the_index_kind() {
    let dir = temp_dir("shrink");
    let path = dir.join("shrink.h5");
    {
        let f = latest(&path);
        let mut ea = f
            .root()
            .new_dataset_builder()
            .with_data(&(0..100i32).collect::<Vec<_>>())
            .chunk([4])
            .max_shape([None])
            .deflate(3)
            .create("ea")
            .unwrap();
        // 50 cuts no chunk; 49 cuts chunk 48..52. Growing again shows the fill value.
        ea.resize([49]).unwrap();
        ea.resize([80]).unwrap();
        let mut bt = f
            .root()
            .new_dataset_builder()
            .with_data(&grid(10, 10))
            .shape([10, 10])
            .chunk([3, 3])
            .max_shape([None, None])
            .create("bt")
            .unwrap();
        bt.resize([5, 4]).unwrap();
        bt.resize([10, 10]).unwrap();
    }
    let mut want: Vec<i64> = (0..49).collect();
    want.extend(std::iter::repeat_n(0, 31));
    assert_same(&c_dump(&path, "/ea"), want);
    let want = grid(10, 10).into_iter().enumerate().map(|(k, v)| {
        if k / 10 < 5 && k % 10 < 4 {
            i64::from(v)
        } else {
            0
        }
    });
    assert_same(&c_dump(&path, "/bt"), want);
    assert_eq!(c_index_type(&path, "ea"), "Extensible Array");
    assert_eq!(c_index_type(&path, "bt"), "v2 B-tree");
    let f = File::open(&path).unwrap();
    // Chunks wholly outside the smaller shapes were dropped: 13 of 25, 2 x 2 of 16.
    assert_eq!(
        f.root().dataset("ea").unwrap().chunk_list().unwrap().len(),
        13
    );
    assert_eq!(
        f.root().dataset("bt").unwrap().chunk_list().unwrap().len(),
        4
    );
}
