//! SWMR write mode: our writer appends in place while libhdf5's SWMR reader
//! (`tests/data/gen/swmr_reader.c`, built with `h5cc`) follows; files closed or left in SWMR
//! mode carry the superblock flags libhdf5 would leave; structural changes are refused.

#[path = "write_common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{h5dump, temp_dir};
use h5oxide::{File, Libver, Mode};
use ndarray::{s, Array2};

const COLS: usize = 5;

/// `tests/data/gen/swmr_reader.c` built with `h5cc`, or `None` without `h5cc`.
fn reader_exe(dir: &Path) -> Option<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gen/swmr_reader.c");
    let exe = dir.join("swmr_reader");
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

/// Row `r` of the test data: r * 1000 + column.
fn row(r: usize) -> Vec<i32> {
    (0..COLS).map(|c| (r * 1000 + c) as i32).collect()
}

/// The superblock's consistency flags byte (version 2/3 superblock: signature, version,
/// offset and length sizes, then the flags; spec II.A).
fn flags_on_disk(path: &Path) -> u8 {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..8], b"\x89HDF\r\n\x1a\n");
    assert_eq!(b[8], 3, "superblock version");
    b[11]
}

fn latest(path: &Path) -> File {
    File::options()
        .mode(Mode::Create)
        .libver(Libver::Latest)
        .open(path)
        .unwrap()
}

fn rows_dataset(file: &File, name: &str, chunk_rows: usize, deflate: bool) -> h5oxide::Dataset {
    let b = file
        .root()
        .new_dataset_builder()
        .with_data(&Array2::<i32>::zeros((0, COLS)))
        .chunk([chunk_rows, COLS])
        .max_shape([None, Some(COLS)]);
    let b = if deflate { b.deflate(4) } else { b };
    b.create(name).unwrap()
}

#[test]
fn libhdf5_swmr_reader_follows_our_appends() {
    let dir = temp_dir("swmr-follow");
    let Some(exe) = reader_exe(&dir) else {
        println!("skipped: h5cc is not on PATH");
        return;
    };
    let path = dir.join("swmr.h5");
    // 600 rows in chunks of 2: 300 chunks, past the index block's own super blocks
    // (element 244 on), so separate super blocks are created and updated too.
    let total = 600;
    let file = latest(&path);
    let mut ds = rows_dataset(&file, "rows", 2, false);
    file.start_swmr_write().unwrap();
    assert_eq!(flags_on_disk(&path), 0x05);
    let child = Command::new(&exe)
        .arg(&path)
        .arg("rows")
        .arg(COLS.to_string())
        .arg(total.to_string())
        .arg("120")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    for r in 0..total {
        ds.append(&row(r)).unwrap();
        if r % 50 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    println!("{total} appends in {:?}", t0.elapsed());
    assert_eq!(ds.shape(), vec![total as u64, COLS as u64]);
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{text}");
    assert!(
        out.status.success(),
        "reader failed: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |k: &str| -> usize {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .unwrap_or_else(|| panic!("no {k} in {text}"))
            .trim()
            .parse()
            .unwrap()
    };
    assert_eq!(field("max "), total, "the reader saw every row");
    assert!(
        field("sizes ") >= 3,
        "the reader saw the dataset grow: {text}"
    );
    // Still in SWMR mode: flags set; closing clears them.
    file.flush().unwrap();
    assert_eq!(flags_on_disk(&path), 0x05);
    drop(ds);
    file.close().unwrap();
    assert_eq!(flags_on_disk(&path), 0);
    // (b) The closed file reads back everywhere.
    let dump = h5dump(&path, &["-d", "/rows", "-s", "599,0", "-c", "1,5"]);
    assert!(
        dump.contains("599000, 599001, 599002, 599003, 599004"),
        "{dump}"
    );
    let f = File::open(&path).unwrap();
    let got = f.root().dataset("rows").unwrap().read_2d::<i32>().unwrap();
    assert_eq!(got.dim(), (total, COLS));
    for r in [0, 1, 243, 244, 487, 599] {
        assert_eq!(got.row(r).to_vec(), row(r));
    }
    let r = File::options().mode(Mode::ReadWrite).open(&path).unwrap();
    assert!(!r.is_swmr_write());
}

#[test]
fn a_killed_writer_leaves_the_flags_libhdf5_leaves() {
    let dir = temp_dir("swmr-killed");
    let path = dir.join("killed.h5");
    let file = latest(&path);
    let mut ds = rows_dataset(&file, "rows", 4, false);
    ds.append(&[row(0), row(1)].concat()).unwrap();
    file.start_swmr_write().unwrap();
    ds.append(&row(2)).unwrap();
    // No close: what a killed process leaves.
    std::mem::forget(ds);
    std::mem::forget(file);
    assert_eq!(flags_on_disk(&path), 0x05);
    // The same as libhdf5 leaves when it ends in SWMR write mode.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gen/swmr_killed.c");
    let exe = dir.join("swmr_killed");
    let built = Command::new("h5cc")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .current_dir(&*dir)
        .status()
        .is_ok_and(|s| s.success());
    if built {
        let theirs = dir.join("theirs.h5");
        assert!(Command::new(&exe).arg(&theirs).status().unwrap().success());
        assert_eq!(flags_on_disk(&theirs), flags_on_disk(&path));
    } else {
        println!("libhdf5 comparison skipped: h5cc is not on PATH");
    }
    // libhdf5 refuses a normal open of such a file.
    let out = Command::new("h5dump").arg(&path).output().unwrap();
    assert!(!out.status.success());
    // h5clear -s clears the flags; then libhdf5 reads what was appended.
    let st = Command::new("h5clear").arg("-s").arg(&path).status();
    if st.is_ok_and(|s| s.success()) {
        assert_eq!(flags_on_disk(&path), 0);
        let dump = h5dump(&path, &["-d", "/rows"]);
        assert!(dump.contains("2000, 2001, 2002, 2003, 2004"), "{dump}");
        assert!(dump.contains("( 3, 5 ) / ( H5S_UNLIMITED, 5 )"), "{dump}");
    }
}

#[test]
fn structural_changes_are_refused_in_swmr_mode() {
    let dir = temp_dir("swmr-refuse");
    let path = dir.join("refuse.h5");
    let file = latest(&path);
    let mut ds = rows_dataset(&file, "rows", 4, false);
    let mut fixed = file
        .root()
        .new_dataset_builder()
        .with_data(&vec![1i32, 2, 3, 4])
        .chunk([2])
        .create("fixed")
        .unwrap();
    file.start_swmr_write().unwrap();
    assert!(file.is_swmr_write());
    let refused = |e: h5oxide::Error| {
        assert!(e.to_string().contains("SWMR"), "{e}");
    };
    refused(file.root().create_group("g").unwrap_err());
    refused(file.root().attrs().set("a", &1i32).unwrap_err());
    refused(ds.attrs().set("a", &1i32).unwrap_err());
    refused(
        file.root()
            .new_dataset_builder()
            .with_data(&vec![1i32])
            .create("new")
            .unwrap_err(),
    );
    refused(file.root().link_soft("/rows", "alias").unwrap_err());
    refused(file.start_swmr_write().unwrap_err());
    // Shrinking or changing a fixed dimension is refused; so are other chunk indexes.
    ds.append(&[row(0), row(1), row(2)].concat()).unwrap();
    refused(ds.resize([1, COLS]).unwrap_err());
    refused(ds.resize([3, COLS + 1]).unwrap_err());
    refused(fixed.write_slice(&vec![9i32], s![0..1]).unwrap_err());
    // Growing then writing in place works, and so does rewriting a row.
    ds.resize([5, COLS]).unwrap();
    ds.write_slice(&[row(3), row(4)].concat(), s![3..5, ..])
        .unwrap();
    ds.write_slice(&row(1), s![1..2, ..]).unwrap();
    let got = ds.read_2d::<i32>().unwrap();
    for r in 0..5 {
        assert_eq!(got.row(r).to_vec(), row(r));
    }
    drop(ds);
    drop(fixed);
    drop(file);
    assert_eq!(flags_on_disk(&path), 0);
    let dump = h5dump(&path, &["-d", "/rows"]);
    assert!(dump.contains("4000, 4001, 4002, 4003, 4004"), "{dump}");
    assert!(!dump.contains("alias"));
}

#[test]
fn swmr_needs_a_writable_latest_file() {
    let dir = temp_dir("swmr-needs");
    let early = dir.join("early.h5");
    let f = File::create(&early).unwrap();
    let e = f.start_swmr_write().unwrap_err();
    assert!(e.to_string().contains("superblock version 3"), "{e}");
    drop(f);
    let late = dir.join("late.h5");
    drop(latest(&late));
    let r = File::open(&late).unwrap();
    assert!(matches!(
        r.start_swmr_write().unwrap_err(),
        h5oxide::Error::ReadOnly
    ));
}

#[test]
fn sparse_and_filtered_appends_reach_paged_blocks() {
    let dir = temp_dir("swmr-paged");
    let path = dir.join("paged.h5");
    let file = latest(&path);
    let mut gz = rows_dataset(&file, "gz", 3, true);
    let mut one = file
        .root()
        .new_dataset_builder()
        .with_data(&vec![7i64; 3])
        .chunk([1])
        .max_shape([None])
        .create("one")
        .unwrap();
    file.start_swmr_write().unwrap();
    for r in 0..40 {
        gz.append(&row(r)).unwrap();
    }
    // Chunk 140000 lies in super block 13, whose data blocks are paged (2048 elements, pages
    // of 1024); chunk 131100 in the same super block's first data block.
    one.resize([140_001]).unwrap();
    one.write_slice(&vec![42i64], s![140_000..140_001]).unwrap();
    one.write_slice(&vec![-5i64], s![131_100..131_101]).unwrap();
    one.append(&vec![43i64]).unwrap();
    drop((gz, one));
    file.close().unwrap();
    assert_eq!(flags_on_disk(&path), 0);
    let f = File::open(&path).unwrap();
    let g = f.root().dataset("gz").unwrap().read_2d::<i32>().unwrap();
    for r in 0..40 {
        assert_eq!(g.row(r).to_vec(), row(r));
    }
    let o = f.root().dataset("one").unwrap();
    assert_eq!(o.shape(), vec![140_002]);
    let v = o.read_1d::<i64>().unwrap();
    assert_eq!(&v.as_slice().unwrap()[..4], &[7, 7, 7, 0]);
    assert_eq!(v[131_100], -5);
    assert_eq!(v[140_000], 42);
    assert_eq!(v[140_001], 43);
    assert_eq!(v.iter().filter(|&&x| x != 0).count(), 6);
    let dump = h5dump(&path, &["-d", "/one", "-s", "139999", "-c", "3"]);
    assert!(dump.contains("0, 42, 43"), "{dump}");
    let dump = h5dump(&path, &["-d", "/one", "-s", "131100", "-c", "1"]);
    assert!(dump.contains("-5"), "{dump}");
    let dump = h5dump(&path, &["-d", "/gz", "-s", "39,0", "-c", "1,5"]);
    assert!(dump.contains("39000, 39001, 39002, 39003, 39004"), "{dump}");
}

/// The extensible array header and its statistics of dataset `name`, and what the
/// copy-on-write writer's `encode_array` computes for the same elements.
fn array_headers(
    path: &Path,
    name: &str,
) -> (
    h5oxide_format::chunk_index::extensible_array::ExtensibleArrayHeader,
    h5oxide_format::chunk_index::extensible_array::ExtensibleArrayHeader,
) {
    use h5oxide_format::chunk_index::extensible_array::{encode_array, read_entries, read_header};
    use h5oxide_format::object_header::message::layout::Storage;
    use h5oxide_format::{Context, Limits};
    let f = File::open(path).unwrap();
    let ds = f.root().dataset(name).unwrap();
    let Storage::Chunked(c) = &ds.layout().storage else {
        panic!("not chunked")
    };
    let bytes = std::fs::read(path).unwrap();
    let ctx = Context::DEFAULT;
    let hdr = read_header(&bytes[..], c.address, &ctx, &Limits::DEFAULT).unwrap();
    let entries = read_entries(&bytes[..], &hdr, &ctx, &Limits::DEFAULT).unwrap();
    let planned = encode_array(&hdr, &entries, 0, &ctx).unwrap().header;
    (hdr, planned)
}

#[test]
fn libhdf5_extends_and_rewrites_what_swmr_appended() {
    let dir = temp_dir("swmr-extend");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gen/extend_rewrite.c");
    let exe = dir.join("extend_rewrite");
    let built = Command::new("h5cc")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .current_dir(&*dir)
        .status()
        .is_ok_and(|s| s.success());
    if !built {
        println!("skipped: h5cc is not on PATH");
        return;
    }
    let path = dir.join("ext.h5");
    let file = latest(&path);
    let mut ds = rows_dataset(&file, "rows", 2, false);
    let mut gz = rows_dataset(&file, "gz", 3, true);
    file.start_swmr_write().unwrap();
    for r in 0..520 {
        ds.append(&row(r)).unwrap();
        if r < 60 {
            gz.append(&row(r)).unwrap();
        }
    }
    drop((ds, gz));
    file.close().unwrap();
    // The in-place updates leave the statistics a whole-array build computes: 260 chunks,
    // the index block's 4, data blocks of super blocks 0-3 and one super block (4) with
    // one data block.
    let (hdr, planned) = array_headers(&path, "rows");
    assert_eq!(hdr.max_index_set, 260);
    assert_eq!(hdr.num_secondary_blocks, 1);
    assert_eq!(hdr.num_data_blocks, 7);
    assert_eq!(
        (
            hdr.num_secondary_blocks,
            hdr.secondary_block_size,
            hdr.num_data_blocks,
            hdr.data_block_size,
            hdr.num_elements
        ),
        (
            planned.num_secondary_blocks,
            planned.secondary_block_size,
            planned.num_data_blocks,
            planned.data_block_size,
            planned.num_elements
        )
    );
    let (hdr, planned) = array_headers(&path, "gz");
    assert_eq!(hdr.client_id, 1);
    assert_eq!(
        (hdr.num_data_blocks, hdr.num_elements, hdr.max_index_set),
        (planned.num_data_blocks, planned.num_elements, 20)
    );
    // libhdf5 extends both and rewrites every element through our blocks.
    for (name, rows) in [("rows", "700"), ("gz", "90")] {
        let st = Command::new(&exe)
            .arg(&path)
            .arg(name)
            .arg(rows)
            .arg(COLS.to_string())
            .status()
            .unwrap();
        assert!(st.success(), "extend_rewrite {name}");
    }
    let f = File::open(&path).unwrap();
    for (name, rows) in [("rows", 700usize), ("gz", 90)] {
        let got = f.root().dataset(name).unwrap().read_2d::<i32>().unwrap();
        assert_eq!(got.dim(), (rows, COLS));
        for (k, v) in got.iter().enumerate() {
            assert_eq!(*v, 3 * k as i32 + 1, "{name} element {k}");
        }
    }
    let dump = h5dump(&path, &["-d", "/rows", "-s", "699,4", "-c", "1,1"]);
    assert!(
        dump.contains(&(3 * (699 * 5 + 4) + 1).to_string()),
        "{dump}"
    );
}

#[test]
fn appends_continue_an_array_the_copy_on_write_path_built() {
    let dir = temp_dir("swmr-continue");
    let path = dir.join("continue.h5");
    // 1001 rows in chunks of 2: 501 chunks, through super blocks 4 and 5 (separate
    // blocks) into super block 6, built whole by the copy-on-write writer.
    let start = 1001;
    {
        let file = latest(&path);
        let data: Vec<i32> = (0..start).flat_map(row).collect();
        file.root()
            .new_dataset_builder()
            .with_data(&Array2::from_shape_vec((start, COLS), data).unwrap())
            .chunk([2, COLS])
            .max_shape([None, Some(COLS)])
            .create("rows")
            .unwrap();
    }
    let (before, _) = array_headers(&path, "rows");
    assert_eq!(before.max_index_set, 501);
    {
        let file = File::open_rw(&path).unwrap();
        let mut ds = file.root().dataset("rows").unwrap();
        file.start_swmr_write().unwrap();
        // Rewrites the last, half-filled chunk, then fills super block 6.
        for r in start..start + 200 {
            ds.append(&row(r)).unwrap();
        }
        // And an old row in a chunk of a separate super block.
        ds.write_slice(
            &row(700).iter().map(|v| v + 1).collect::<Vec<_>>(),
            s![700..701, ..],
        )
        .unwrap();
    }
    assert_eq!(flags_on_disk(&path), 0);
    let (after, planned) = array_headers(&path, "rows");
    assert_eq!(after.index_block_address, before.index_block_address);
    assert_eq!(after.max_index_set, 601);
    assert_eq!(
        (
            after.num_secondary_blocks,
            after.num_data_blocks,
            after.num_elements
        ),
        (
            planned.num_secondary_blocks,
            planned.num_data_blocks,
            planned.num_elements
        )
    );
    let f = File::open(&path).unwrap();
    let got = f.root().dataset("rows").unwrap().read_2d::<i32>().unwrap();
    assert_eq!(got.dim(), (start + 200, COLS));
    for r in 0..start + 200 {
        let want: Vec<i32> = if r == 700 {
            row(r).iter().map(|v| v + 1).collect()
        } else {
            row(r)
        };
        assert_eq!(got.row(r).to_vec(), want, "row {r}");
    }
    let dump = h5dump(&path, &["-d", "/rows", "-s", "700,0", "-c", "1,5"]);
    assert!(
        dump.contains("700001, 700002, 700003, 700004, 700005"),
        "{dump}"
    );
    let dump = h5dump(&path, &["-d", "/rows", "-s", "1200,0", "-c", "1,5"]);
    assert!(
        dump.contains("1200000, 1200001, 1200002, 1200003, 1200004"),
        "{dump}"
    );
}
