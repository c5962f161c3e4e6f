//! Contiguous writes larger than the writer's conversion piece (4 MiB): integers go from
//! the caller's memory as they are, other elements (here `bool`) are converted and written
//! piece by piece; libhdf5 reads every boundary between pieces at its place.

#[path = "write_common.rs"]
mod common;

use common::*;
use h5oxide::ndarray::s;

/// The value written at row-major index `i` by the first (whole) write.
fn first(i: u64) -> u32 {
    (i as u32).wrapping_mul(7).wrapping_add(3)
}

/// The value written at column `j` of row `r` by the second (sliced) write.
fn second(r: u64, j: u64) -> u32 {
    1_000_000_000 + (r as u32) * 10_000_000 + j as u32
}

/// The numbers h5dump prints in the DATA block of a subset, in row-major order.
fn subset_values(text: &str) -> Vec<u32> {
    let data = text
        .split("DATA {")
        .nth(1)
        .and_then(|t| t.split('}').next())
        .unwrap_or_else(|| panic!("no DATA block in {text}"));
    data.lines()
        .filter_map(|l| l.split_once("): ").map(|(_, v)| v))
        .flat_map(|v| v.split(',').map(str::trim).filter(|x| !x.is_empty()))
        .map(|x| match x {
            "FALSE" => 0,
            "TRUE" => 1,
            x => x.parse().unwrap_or_else(|e| panic!("{x:?}: {e}")),
        })
        .collect()
}

#[test]
fn large_contiguous_writes_read_back_by_the_c_library() {
    const COLS: u64 = 3_000_000; // rows of 12 MB, each three pieces and more
    let dir = temp_dir("write_contiguous_large");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("large_{tag}.h5"));
        let f = create(&path, libver);
        let mut ds = f
            .root()
            .new_dataset::<u32>()
            .shape([2, COLS as usize])
            .create("d")
            .unwrap();
        let all: Vec<u32> = (0..2 * COLS).map(first).collect();
        ds.write(&all).unwrap();
        // Both rows but the first and last 100 columns: two runs, each of several pieces.
        let (lo, hi) = (100u64, COLS - 100);
        let part: Vec<u32> = (0..2)
            .flat_map(|r| (lo..hi).map(move |j| second(r, j)))
            .collect();
        let part = h5oxide::ndarray::Array2::from_shape_vec((2, (hi - lo) as usize), part).unwrap();
        ds.write_slice(&part, s![.., lo as usize..hi as usize])
            .unwrap();
        f.close().unwrap();

        let expect = |r: u64, j: u64| {
            if (lo..hi).contains(&j) {
                second(r, j)
            } else {
                first(r * COLS + j)
            }
        };
        // Around each piece boundary (4 MiB = 1,048,576 elements) of both writes, and the
        // runs' ends.
        let piece = (4u64 << 20) / 4;
        for start in [
            0,
            lo - 2,
            piece - 2,
            lo + piece - 2,
            2 * piece - 2,
            lo + 2 * piece - 2,
            hi - 2,
            COLS - 4,
        ] {
            let text = h5dump(
                &path,
                &["-d", "/d", "-s", &format!("0,{start}"), "-c", "2,4"],
            );
            let want: Vec<u32> = (0..2)
                .flat_map(|r| (start..start + 4).map(move |j| expect(r, j)))
                .collect();
            assert_eq!(subset_values(&text), want, "{tag}: columns {start}..+4");
        }
        // h5oxide reads the same.
        let back = h5oxide::File::open(&path).unwrap();
        let v = back.root().dataset("d").unwrap().read_raw::<u32>().unwrap();
        let want: Vec<u32> = (0..2)
            .flat_map(|r| (0..COLS).map(move |j| expect(r, j)))
            .collect();
        assert!(v == want, "{tag}: h5oxide reads other values");
    }
}

#[test]
fn large_converted_writes_read_back_by_the_c_library() {
    // bool elements (h5py's enum over i8) are converted: rows of 9 MB, over two pieces each.
    const COLS: u64 = 9_000_000;
    let first = |i: u64| i % 3 == 0;
    let second = |r: u64, j: u64| (j + r) % 5 < 2;
    let dir = temp_dir("write_contiguous_converted");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("bools_{tag}.h5"));
        let f = create(&path, libver);
        let mut ds = f
            .root()
            .new_dataset::<bool>()
            .shape([2, COLS as usize])
            .create("b")
            .unwrap();
        ds.write(&(0..2 * COLS).map(first).collect::<Vec<bool>>())
            .unwrap();
        let (lo, hi) = (7u64, COLS - 7);
        let part: Vec<bool> = (0..2)
            .flat_map(|r| (lo..hi).map(move |j| second(r, j)))
            .collect();
        let part = h5oxide::ndarray::Array2::from_shape_vec((2, (hi - lo) as usize), part).unwrap();
        ds.write_slice(&part, s![.., lo as usize..hi as usize])
            .unwrap();
        f.close().unwrap();

        let expect = |r: u64, j: u64| {
            if (lo..hi).contains(&j) {
                second(r, j)
            } else {
                first(r * COLS + j)
            }
        };
        let piece = 4u64 << 20;
        for start in [
            0,
            lo - 2,
            piece - 2,
            lo + piece - 2,
            lo + 2 * piece - 2,
            hi - 2,
            COLS - 4,
        ] {
            let text = h5dump(
                &path,
                &["-d", "/b", "-s", &format!("0,{start}"), "-c", "2,4"],
            );
            let want: Vec<u32> = (0..2)
                .flat_map(|r| (start..start + 4).map(move |j| u32::from(expect(r, j))))
                .collect();
            assert_eq!(subset_values(&text), want, "{tag}: columns {start}..+4");
        }
        let back = h5oxide::File::open(&path).unwrap();
        let v = back
            .root()
            .dataset("b")
            .unwrap()
            .read_raw::<bool>()
            .unwrap();
        let want: Vec<bool> = (0..2)
            .flat_map(|r| (0..COLS).map(move |j| expect(r, j)))
            .collect();
        assert!(v == want, "{tag}: h5oxide reads other values");
    }
}
