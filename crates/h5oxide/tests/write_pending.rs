//! Chunks held back in memory between writes (write::pending): every reader sees what was
//! written, evicted and flushed chunks land where the C library reads them, and dropping
//! the last handle writes what was held.
#[path = "write_common.rs"]
mod common;

use common::{c_walk, floats, temp_dir, walk_object, BOTH};
use h5oxide::File;
use ndarray::s;

fn row(i: usize) -> Vec<f64> {
    (0..8).map(|j| (i * 8 + j) as f64 + 0.5).collect()
}

/// Rows appended one by one, read back mid-way through the writing handle and through a
/// handle opened before the writes, then by libhdf5 after close.
#[test]
fn appended_rows_are_read_back_before_and_after_close() {
    for (libver, tag) in BOTH {
        let dir = temp_dir(&format!("pending-append-{tag}"));
        let path = dir.join("a.h5");
        let f = common::create(&path, libver);
        let mut ds = f
            .root()
            .new_dataset::<f64>()
            .shape([1, 8])
            .max_shape([None, Some(8)])
            .chunk([16, 8])
            .create("rows")
            .unwrap();
        ds.write_slice(&[7.0f64; 8], s![0..1, ..]).unwrap();
        // Opened while row 0 is held in memory, before the index exists on disk.
        let early = f.root().dataset("rows").unwrap();
        let n = 100;
        for i in 0..n {
            if i > 0 {
                ds.resize([i + 1, 8]).unwrap();
            }
            ds.write_slice(&row(i), s![i..i + 1, ..]).unwrap();
            if i == 40 {
                let got: Vec<f64> = ds.read_raw().unwrap();
                let want: Vec<f64> = (0..=40).flat_map(row).collect();
                assert_eq!(got, want, "{tag}: the writing handle after 41 rows");
                // It follows the current extent and sees the held chunks.
                assert_eq!(early.shape(), vec![41, 8], "{tag}: an older handle's shape");
                let got: Vec<f64> = early.read_slice_1d(s![0, ..]).unwrap().to_vec();
                assert_eq!(got, row(0), "{tag}: an older handle");
                let got: Vec<f64> = early.read_slice_1d(s![40, ..]).unwrap().to_vec();
                assert_eq!(got, row(40), "{tag}: an older handle, newest row");
            }
        }
        // A row rewritten after more were appended, in a chunk already written out.
        ds.write_slice(&[-1.0f64; 8], s![3..4, ..]).unwrap();
        let fresh = f.root().dataset("rows").unwrap();
        assert_eq!(fresh.shape(), vec![n as u64, 8]);
        let got: Vec<f64> = fresh.read_slice_1d(s![3, ..]).unwrap().to_vec();
        assert_eq!(got, vec![-1.0; 8], "{tag}: a fresh handle");
        drop((ds, early, fresh));
        f.close().unwrap();
        let walk = c_walk(&path);
        let got = floats(&walk_object(&walk, "/rows")["values"], 8);
        let mut want: Vec<f64> = (0..n).flat_map(row).collect();
        want[24..32].copy_from_slice(&[-1.0; 8]);
        assert_eq!(got, want, "{tag}: libhdf5 reads every row");
    }
}

/// Dropping the last handle without `close` writes the held chunks before its commit;
/// shrinking writes them first too.
#[test]
fn dropping_the_last_handle_and_shrinking_write_held_chunks() {
    for (libver, tag) in BOTH {
        let dir = temp_dir(&format!("pending-drop-{tag}"));
        let path = dir.join("d.h5");
        {
            let f = common::create(&path, libver);
            let mut ds = f
                .root()
                .new_dataset::<f64>()
                .shape([40, 8])
                .max_shape([None, Some(8)])
                .chunk([16, 8])
                .create("d")
                .unwrap();
            for i in 0..40 {
                ds.write_slice(&row(i), s![i..i + 1, ..]).unwrap();
            }
            ds.resize([20, 8]).unwrap();
            ds.write_slice(&row(99), s![19..20, ..]).unwrap();
            // `f` and `ds` go out of scope here: no flush, no close.
        }
        let f = File::open(&path).unwrap();
        let got: Vec<f64> = f.root().dataset("d").unwrap().read_raw().unwrap();
        let mut want: Vec<f64> = (0..19).flat_map(row).collect();
        want.extend(row(99));
        assert_eq!(got, want, "{tag}");
        let walk = c_walk(&path);
        assert_eq!(
            floats(&walk_object(&walk, "/d")["values"], 8),
            want,
            "{tag}"
        );
    }
}

/// More held data than the memory bound (16 MiB): the oldest chunks are written out on
/// the way, and every value survives to libhdf5.
#[test]
fn chunks_past_the_memory_bound_are_written_out_oldest_first() {
    let dir = temp_dir("pending-evict");
    let path = dir.join("e.h5");
    let f = common::create(&path, h5oxide::Libver::Latest);
    // 24 chunks of 1 MiB (128 rows of 1024 f64), each written in two halves, so every
    // chunk is held, some evicted and read back for their second half.
    let rows = 24 * 128;
    let mut ds = f
        .root()
        .new_dataset::<f64>()
        .shape([rows, 1024])
        .chunk([128, 1024])
        .create("e")
        .unwrap();
    let value = |r: usize, c: usize| (r * 1024 + c) as f64;
    for half in 0..2 {
        for k in 0..24 {
            let r0 = k * 128 + half * 64;
            let data: Vec<f64> = (r0..r0 + 64)
                .flat_map(|r| (0..1024).map(move |c| value(r, c)))
                .collect();
            ds.write_slice(&data, s![r0..r0 + 64, ..]).unwrap();
        }
    }
    f.close().unwrap();
    drop(ds);
    let f = File::open(&path).unwrap();
    let got: Vec<f64> = f.root().dataset("e").unwrap().read_raw().unwrap();
    assert_eq!(got.len(), rows * 1024);
    assert!(got.iter().enumerate().all(|(i, &v)| v == i as f64));
    // libhdf5 opens it and counts every value (too many for its walk to list).
    let walk = c_walk(&path);
    assert_eq!(
        walk_object(&walk, "/e")["values_total"],
        common::Json::Num((rows * 1024).to_string())
    );
}
