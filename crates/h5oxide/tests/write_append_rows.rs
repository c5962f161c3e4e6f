//! Rows appended one by one (a resize and a one-row write each), with the extent held in
//! memory between flushes: every handle sees the current shape and values, and the file
//! libhdf5 reads after close holds exactly what was written.
#[path = "write_common.rs"]
mod common;

use common::{c_walk, floats, h5dump, temp_dir, walk_object, Json, BOTH};
use h5oxide::{Dataset, File};
use ndarray::s;

const COLS: usize = 8;

/// The row written at step `step`: distinct for every step, so a row from an earlier
/// generation (before a shrink) cannot pass for a later one.
fn row(step: usize) -> [f64; COLS] {
    std::array::from_fn(|c| (step * COLS + c) as f64 + 0.25)
}

fn read_row(ds: &Dataset, k: usize) -> Vec<f64> {
    ds.read_slice_1d::<f64, _>(s![k, ..]).unwrap().to_vec()
}

/// Checks a handle other than the writing one against the rows written so far.
fn check_handle(ds: &Dataset, want: &[[f64; COLS]], what: &str) {
    let n = want.len();
    assert_eq!(ds.shape(), [n as u64, COLS as u64], "{what}: shape");
    assert_eq!(ds.size(), (n * COLS) as u64, "{what}: size");
    assert_eq!(
        ds.to_string(),
        format!("<HDF5 dataset \"rows\": shape ({n}, {COLS}), type \"<f8\">"),
        "{what}: display"
    );
    assert_eq!(read_row(ds, n - 1), want[n - 1], "{what}: last row");
    assert_eq!(read_row(ds, n / 2), want[n / 2], "{what}: middle row");
    // A read past the extent is refused.
    assert!(
        ds.read_slice_1d::<f64, _>(s![n, ..]).is_err(),
        "{what}: row {n}"
    );
}

/// The dataset's values read by libhdf5 (`h5dump -b` writes them as raw little-endian
/// bytes), and the C walk of the file.
fn c_values(path: &std::path::Path) -> (Vec<f64>, Json) {
    let bin = path.with_extension("bin");
    h5dump(
        path,
        &["-d", "/rows", "-b", "LE", "-o", bin.to_str().unwrap()],
    );
    let bytes = std::fs::read(&bin).unwrap();
    let values = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
        .collect();
    (values, c_walk(path))
}

/// Appends until 5000 rows: flushes on the way, a shrink to 2000 rows and a regrow by 100
/// rows (whose first half a handle cloned before the appends writes, the rest read as the
/// fill value 0), handles opened and cloned before the appends reading shape and values
/// between appends; then the file is read back by h5oxide and by libhdf5.
fn append_rows(libver: h5oxide::Libver, tag: &str, deflate: bool) {
    let dir = temp_dir(&format!("append-rows-{tag}-{deflate}"));
    let path = dir.join("rows.h5");
    let f = common::create(&path, libver);
    let b = f
        .root()
        .new_dataset::<f64>()
        .shape([0, COLS])
        .max_shape([None, Some(COLS)])
        .chunk([64, COLS]);
    let b = if deflate { b.deflate(4) } else { b };
    let mut ds = b.create("rows").unwrap();
    let opened = f.root().dataset("rows").unwrap();
    let mut cloned = ds.clone();
    let mut want: Vec<[f64; COLS]> = Vec::new();
    let mut step = 0;
    while want.len() < 5000 {
        step += 1;
        let k = want.len();
        ds.resize([k + 1, COLS]).unwrap();
        assert_eq!(ds.shape(), [k as u64 + 1, COLS as u64]);
        ds.write_slice(&row(step), s![k..k + 1, ..]).unwrap();
        want.push(row(step));
        if step % 997 == 0 {
            f.flush().unwrap();
        }
        if step % 331 == 0 {
            let what = format!("{tag} deflate={deflate} step {step}");
            check_handle(&opened, &want, &format!("{what}, opened before"));
            check_handle(&cloned, &want, &format!("{what}, cloned before"));
            let fresh = f.root().dataset("rows").unwrap();
            check_handle(&fresh, &want, &format!("{what}, opened now"));
            assert_eq!(fresh.space().dims, [want.len() as u64, COLS as u64]);
        }
        if step == 2500 {
            // Rows 2000.. are dropped; growing again shows the fill value there.
            ds.resize([2000, COLS]).unwrap();
            want.truncate(2000);
            check_handle(
                &opened,
                &want,
                &format!("{tag} {deflate}: after the shrink"),
            );
            ds.resize([2100, COLS]).unwrap();
            for j in 2000..2100 {
                want.push([0.0; COLS]);
                if j < 2050 {
                    step += 1;
                    cloned.write_slice(&row(step), s![j..j + 1, ..]).unwrap();
                    want[j] = row(step);
                }
            }
            check_handle(
                &opened,
                &want,
                &format!("{tag} {deflate}: after the regrow"),
            );
            assert_eq!(read_row(&ds, 2060), [0.0; COLS]);
            assert_eq!(read_row(&ds, 2049), want[2049]);
        }
    }
    assert_eq!(step, 5000 + 500 + 50 - 100);
    drop((ds, opened, cloned));
    f.close().unwrap();

    let flat: Vec<f64> = want.iter().flatten().copied().collect();
    let f = File::open(&path).unwrap();
    let ds = f.root().dataset("rows").unwrap();
    assert_eq!(ds.shape(), [5000, COLS as u64]);
    assert!(ds.is_chunked());
    assert_eq!(ds.filters().is_some(), deflate, "{tag}");
    let got: Vec<f64> = ds.read_raw().unwrap();
    assert!(got == flat, "{tag} deflate={deflate}: h5oxide reads back");

    let (c, walk) = c_values(&path);
    assert!(c == flat, "{tag} deflate={deflate}: libhdf5 reads back");
    let obj = walk_object(&walk, "/rows");
    assert_eq!(obj["shape"].as_u64s(), [Some(5000), Some(COLS as u64)]);
    assert_eq!(obj["maxshape"].as_u64s(), [None, Some(COLS as u64)]);
    assert_eq!(obj["values_total"], Json::Num((5000 * COLS).to_string()));
    assert_eq!(floats(&obj["values"], 8), flat[..1000]);
}

#[test]
fn rows_appended_one_by_one_read_back_everywhere() {
    for (libver, tag) in BOTH {
        append_rows(libver, tag, false);
    }
}

#[test]
fn deflated_rows_appended_one_by_one_read_back_everywhere() {
    for (libver, tag) in BOTH {
        append_rows(libver, tag, true);
    }
}

/// An extent grown before SWMR write mode starts is written when it starts: appends in
/// SWMR mode continue from it.
#[test]
fn swmr_appends_continue_a_held_extent() {
    let dir = temp_dir("append-rows-swmr");
    let path = dir.join("swmr.h5");
    let f = common::create(&path, h5oxide::Libver::Latest);
    let mut ds = f
        .root()
        .new_dataset::<f64>()
        .shape([0, COLS])
        .max_shape([None, Some(COLS)])
        .chunk([4, COLS])
        .create("rows")
        .unwrap();
    let mut want = Vec::new();
    for k in 0..10 {
        ds.resize([k + 1, COLS]).unwrap();
        ds.write_slice(&row(k), s![k..k + 1, ..]).unwrap();
        want.extend(row(k));
    }
    f.start_swmr_write().unwrap();
    for k in 10..15 {
        ds.append(&row(k)[..]).unwrap();
        want.extend(row(k));
    }
    assert_eq!(ds.shape(), [15, COLS as u64]);
    assert_eq!(f.root().dataset("rows").unwrap().shape(), [15, COLS as u64]);
    drop(ds);
    f.close().unwrap();
    let (c, walk) = c_values(&path);
    assert_eq!(c, want);
    let obj = walk_object(&walk, "/rows");
    assert_eq!(obj["shape"].as_u64s(), [Some(15), Some(COLS as u64)]);
    assert_eq!(floats(&obj["values"], 8), want);
}

/// A dataset grown (and written, or not) and then unlinked before the commit: what was
/// held for it is dropped, not written over the dataset that reuses its space, and
/// libhdf5 reads the file.
#[test]
fn a_grown_dataset_unlinked_before_the_commit_is_not_written() {
    for ((libver, tag), write) in BOTH.into_iter().flat_map(|b| [(b, false), (b, true)]) {
        let dir = temp_dir(&format!("append-rows-unlink-{tag}-{write}"));
        let path = dir.join("u.h5");
        let f = common::create(&path, libver);
        let mut ds = f
            .root()
            .new_dataset::<f64>()
            .shape([0, COLS])
            .max_shape([None, Some(COLS)])
            .chunk([4, COLS])
            .create("gone")
            .unwrap();
        ds.resize([3, COLS]).unwrap();
        if write {
            ds.write_slice(&row(1), s![1..2, ..]).unwrap();
        }
        drop(ds);
        f.root().unlink("gone").unwrap();
        let kept = f
            .root()
            .new_dataset_builder()
            .with_data(&ndarray::arr2(&[[1.5f64; COLS], [2.5; COLS]]))
            .max_shape([None, Some(COLS)])
            .chunk([4, COLS])
            .create("kept")
            .unwrap();
        assert_eq!(kept.shape(), [2, COLS as u64]);
        drop(kept);
        f.close().unwrap();
        let walk = c_walk(&path);
        let obj = walk_object(&walk, "/kept");
        assert_eq!(
            obj["shape"].as_u64s(),
            [Some(2), Some(COLS as u64)],
            "{tag}"
        );
        let want: Vec<f64> = [[1.5; COLS], [2.5; COLS]].concat();
        assert_eq!(floats(&obj["values"], 8), want, "{tag}");
        assert_eq!(common::walk_paths(&walk), ["/", "/kept"], "{tag}");
        h5dump(&path, &[]);
    }
}
