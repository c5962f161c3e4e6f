//! Reuse of freed space: edit sessions keep files bounded, deleted data makes room for new
//! data, every commit reads back equal with h5oxide and libhdf5, and a crash before any
//! superblock write still leaves the previous commit.

#[path = "write_common.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{c_walk, create, h5dump, ints, temp_dir, walk_attr, walk_object, walk_paths, BOTH};
use h5oxide::{File, Libver};

/// What the test expects the file to hold: root attributes, and datasets of the root.
#[derive(Clone, Debug, Default, PartialEq)]
struct Content {
    attrs: BTreeMap<String, i64>,
    datasets: BTreeMap<String, Vec<i32>>,
}

/// The chunked dataset the loops rewrite: 64 values in chunks of 8.
const DATA: &str = "data";

fn data_values(round: i32) -> Vec<i32> {
    (0..64).map(|i| round * 1000 + i).collect()
}

fn temp_values(step: i32) -> Vec<i32> {
    (0..512).map(|i| step * 7 + i).collect()
}

/// Checks `file` (an open handle) against `c` with h5oxide.
fn check_h5oxide(file: &File, c: &Content) {
    let root = file.root();
    let mut names = root.attrs().names().unwrap();
    names.sort();
    assert_eq!(names, c.attrs.keys().cloned().collect::<Vec<_>>());
    for (k, v) in &c.attrs {
        assert_eq!(
            root.attrs().get_value::<i64>(k).unwrap(),
            *v,
            "attribute {k}"
        );
    }
    let mut members = root.member_names().unwrap();
    members.sort();
    assert_eq!(members, c.datasets.keys().cloned().collect::<Vec<_>>());
    for (k, v) in &c.datasets {
        let got = root.dataset(k).unwrap().read_raw::<i32>().unwrap();
        assert!(&got == v, "dataset {k} differs");
    }
}

/// Checks the file at `path` against `c` with libhdf5 (its walk, and h5dump exiting 0),
/// through a copy: the writer holds the file's lock while it is open.
fn check_c(path: &Path, c: &Content) {
    let copy = path.with_extension("copy.h5");
    std::fs::copy(path, &copy).unwrap();
    let path = copy.as_path();
    h5dump(path, &["-H"]);
    let walk = c_walk(path);
    let mut paths = walk_paths(&walk);
    paths.sort();
    let mut want: Vec<String> = std::iter::once("/".to_owned())
        .chain(c.datasets.keys().map(|k| format!("/{k}")))
        .collect();
    want.sort();
    assert_eq!(paths, want);
    let root = walk_object(&walk, "/");
    assert_eq!(root["attrs"].as_array().len(), c.attrs.len());
    for (k, v) in &c.attrs {
        assert_eq!(ints(&walk_attr(root, k)["values"]), [*v], "attribute {k}");
    }
    for (k, v) in &c.datasets {
        // The walk lists the first values of large datasets only.
        let got = ints(&walk_object(&walk, &format!("/{k}"))["values"]);
        let want: Vec<i64> = v.iter().map(|&x| i64::from(x)).collect();
        assert!(
            got.len() == want.len().min(1000),
            "dataset {k}: {} values",
            got.len()
        );
        assert!(got[..] == want[..got.len()], "dataset {k} differs");
    }
}

/// Writes `c` into a new file in one session: the size of the content written fresh.
fn fresh_size(path: &Path, libver: Libver, c: &Content) -> u64 {
    let f = create(path, libver);
    for (k, v) in &c.datasets {
        let b = f.root().new_dataset::<i32>().shape([v.len()]);
        let b = if k == DATA { b.chunk([8]) } else { b };
        b.create(k.as_str()).unwrap().write(v).unwrap();
    }
    for (k, v) in &c.attrs {
        f.root().attrs().set(k, v).unwrap();
    }
    f.close().unwrap();
    std::fs::metadata(path).unwrap().len()
}

/// One step of the edit loop: an attribute added or replaced, a dataset of 2 KiB added or
/// removed, and (in the first 50 steps) the chunked dataset rewritten.
fn edit_step(f: &File, c: &mut Content, step: i32) {
    let name = format!("a{}", step % 50);
    f.root().attrs().set(&name, &i64::from(step)).unwrap();
    c.attrs.insert(name, i64::from(step));
    let temp = format!("t{}", step / 2);
    if step % 2 == 0 {
        let v = temp_values(step);
        f.root()
            .new_dataset::<i32>()
            .shape([v.len()])
            .create(temp.as_str())
            .unwrap()
            .write(&v)
            .unwrap();
        c.datasets.insert(temp, v);
    } else {
        f.root().unlink(&temp).unwrap();
        c.datasets.remove(&temp);
    }
    if step < 50 {
        let v = data_values(step);
        f.root().dataset(DATA).unwrap().write(&v).unwrap();
        c.datasets.insert(DATA.to_owned(), v);
    }
}

fn start(path: &Path, libver: Libver) -> (File, Content) {
    let f = create(path, libver);
    let v = data_values(-1);
    f.root()
        .new_dataset::<i32>()
        .shape([64])
        .chunk([8])
        .create(DATA)
        .unwrap()
        .write(&v)
        .unwrap();
    let mut c = Content::default();
    c.datasets.insert(DATA.to_owned(), v);
    f.flush().unwrap();
    (f, c)
}

#[test]
fn an_edit_loop_keeps_the_file_bounded() {
    let dir = temp_dir("reuse-loop");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("loop_{tag}.h5"));
        let (f, mut c) = start(&path, libver);
        let mut sizes = Vec::new();
        for step in 0..200 {
            edit_step(&f, &mut c, step);
            check_h5oxide(&f, &c);
            if step % 10 == 9 {
                f.flush().unwrap();
                check_c(&path, &c);
                sizes.push(std::fs::metadata(&path).unwrap().len());
            }
        }
        f.close().unwrap();
        check_c(&path, &c);
        check_h5oxide(&File::open(&path).unwrap(), &c);
        let fresh = fresh_size(&dir.join(format!("fresh_{tag}.h5")), libver, &c);
        let max = *sizes.iter().max().unwrap();
        println!("{tag}: sizes after each commit {sizes:?}; the same content fresh: {fresh}");
        // Without reuse every superseded header, chunk, index and deleted dataset stays:
        // the file grows with every step (measured for the report; see write/mod.rs).
        assert!(
            max < 3 * fresh,
            "{tag}: {max} bytes after an edit loop, {fresh} fresh"
        );
        // The second half of the loop (no dataset rewrites, constant content size) does
        // not grow the file.
        let half = sizes[sizes.len() / 2];
        assert!(
            *sizes.last().unwrap() <= half + half / 10,
            "{tag}: grew from {half} to {}",
            sizes.last().unwrap()
        );
    }
}

#[test]
fn a_deleted_dataset_makes_room_for_the_next() {
    let dir = temp_dir("reuse-delete");
    const N: usize = 1 << 18; // 1 MiB of i32
    for (libver, tag) in BOTH {
        let path = dir.join(format!("delete_{tag}.h5"));
        let f = create(&path, libver);
        let mut c = Content::default();
        for (name, seed) in [("big", 1), ("small", 2)] {
            let n = if name == "big" { N } else { 16 };
            let v: Vec<i32> = (0..n as i32).map(|i| i.wrapping_mul(seed)).collect();
            f.root()
                .new_dataset::<i32>()
                .shape([n])
                .create(name)
                .unwrap()
                .write(&v)
                .unwrap();
            c.datasets.insert(name.to_owned(), v);
        }
        f.root().attrs().set("n", &1i64).unwrap();
        c.attrs.insert("n".to_owned(), 1);
        f.flush().unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        assert!(before > 4 * N as u64);

        f.root().unlink("big").unwrap();
        c.datasets.remove("big");
        f.flush().unwrap();
        check_c(&path, &c);
        check_h5oxide(&f, &c);

        let v: Vec<i32> = (0..N as i32).map(|i| -i).collect();
        f.root()
            .new_dataset::<i32>()
            .shape([N])
            .create("big2")
            .unwrap()
            .write(&v)
            .unwrap();
        c.datasets.insert("big2".to_owned(), v);
        f.flush().unwrap();
        let after = std::fs::metadata(&path).unwrap().len();
        println!("{tag}: {before} bytes with the first dataset, {after} with the second");
        // The new data went where the old was: at most a few moved headers more.
        assert!(after <= before + 4096, "{tag}: {before} -> {after} bytes");
        check_c(&path, &c);
        check_h5oxide(&f, &c);

        // A dataset written and deleted between two commits was never reachable from a
        // superblock: its space is free at once and, ending the file, gives the file its
        // old end back.
        let tail: Vec<i32> = (0..N as i32).collect();
        f.root()
            .new_dataset::<i32>()
            .shape([N])
            .create("tail")
            .unwrap()
            .write(&tail)
            .unwrap();
        f.root().unlink("tail").unwrap();
        f.root().attrs().set("n", &2i64).unwrap();
        c.attrs.insert("n".to_owned(), 2);
        f.close().unwrap();
        let last = std::fs::metadata(&path).unwrap().len();
        println!("{tag}: {last} bytes after deleting it too");
        assert!(last <= after + 4096, "{tag}: {after} -> {last} bytes");
        check_c(&path, &c);
        check_h5oxide(&File::open(&path).unwrap(), &c);
    }
}

#[test]
fn a_crash_before_any_superblock_write_leaves_the_previous_commit() {
    let dir = temp_dir("reuse-crash");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("crash_{tag}.h5"));
        let copy = dir.join(format!("crashed_{tag}.h5"));
        let (f, mut c) = start(&path, libver);
        let mut committed = c.clone();
        for step in 0..40 {
            edit_step(&f, &mut c, step);
            if step % 4 == 3 {
                // The bytes at the moment before the superblock write: after this commit
                // wrote over space freed by earlier ones.
                std::fs::write(&copy, std::fs::read(&path).unwrap()).unwrap();
                check_h5oxide(&File::open(&copy).unwrap(), &committed);
                check_c(&copy, &committed);
                f.flush().unwrap();
                committed = c.clone();
            }
        }
        f.close().unwrap();
        check_c(&path, &c);
    }
}
