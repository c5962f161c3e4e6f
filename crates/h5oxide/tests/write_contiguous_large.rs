//! Contiguous writes larger than the writer's conversion piece (4 MiB): integers go from
//! the caller's memory as they are, other elements (here `bool`) are converted and written
//! piece by piece; libhdf5 reads every boundary between pieces at its place.

#[path = "write_common.rs"]
mod common;

use common::*;
use h5oxide::ndarray::{s, Array2};
use h5oxide::H5Write;

/// The numbers h5dump prints in the DATA block of a subset, in row-major order
/// (`FALSE`/`TRUE` as 0/1).
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

/// One large write case: a `[2, cols]` dataset written whole with `first(i)` (row-major
/// index), then all but `margin` columns at each end rewritten with `second(row, col)`;
/// `as_u32` is how h5dump prints a value.
struct Case<T> {
    name: &'static str,
    cols: u64,
    margin: u64,
    first: fn(u64) -> T,
    second: fn(u64, u64) -> T,
    as_u32: fn(&T) -> u32,
}

impl<T: H5Write + h5oxide::H5Type + Clone + PartialEq + std::fmt::Debug> Case<T> {
    fn expect(&self, r: u64, j: u64) -> T {
        if (self.margin..self.cols - self.margin).contains(&j) {
            (self.second)(r, j)
        } else {
            (self.first)(r * self.cols + j)
        }
    }

    fn run(&self) {
        let (cols, lo, hi) = (self.cols, self.margin, self.cols - self.margin);
        let dir = temp_dir(&format!("write_contiguous_{}", self.name));
        // Elements per 4 MiB piece: the boundaries the writer cuts runs at.
        let piece = (4u64 << 20) / std::mem::size_of::<T>() as u64;
        for (libver, tag) in BOTH {
            let path = dir.join(format!("{}_{tag}.h5", self.name));
            let f = create(&path, libver);
            let mut ds = f
                .root()
                .new_dataset::<T>()
                .shape([2, cols as usize])
                .create("d")
                .unwrap();
            let all: Vec<T> = (0..2 * cols).map(self.first).collect();
            ds.write(&all).unwrap();
            // Both rows but the margins: two runs, each of several pieces.
            let part: Vec<T> = (0..2)
                .flat_map(|r| (lo..hi).map(move |j| (self.second)(r, j)))
                .collect();
            let part = Array2::from_shape_vec((2, (hi - lo) as usize), part).unwrap();
            ds.write_slice(&part, s![.., lo as usize..hi as usize])
                .unwrap();
            f.close().unwrap();

            // Around each piece boundary of both writes, and the runs' ends.
            for start in [
                0,
                lo - 2,
                piece - 2,
                lo + piece - 2,
                2 * piece - 2,
                lo + 2 * piece - 2,
                hi - 2,
                cols - 4,
            ] {
                let text = h5dump(
                    &path,
                    &["-d", "/d", "-s", &format!("0,{start}"), "-c", "2,4"],
                );
                let want: Vec<u32> = (0..2)
                    .flat_map(|r| {
                        (start..start + 4).map(move |j| (self.as_u32)(&self.expect(r, j)))
                    })
                    .collect();
                assert_eq!(subset_values(&text), want, "{tag}: columns {start}..+4");
            }
            // h5oxide reads the same.
            let back = h5oxide::File::open(&path).unwrap();
            let v = back.root().dataset("d").unwrap().read_raw::<T>().unwrap();
            let want: Vec<T> = (0..2)
                .flat_map(|r| (0..cols).map(move |j| self.expect(r, j)))
                .collect();
            assert!(v == want, "{tag}: h5oxide reads other values");
        }
    }
}

#[test]
fn large_contiguous_writes_read_back_by_the_c_library() {
    // Rows of 12 MB: each run is three pieces and more.
    Case {
        name: "u32",
        cols: 3_000_000,
        margin: 100,
        first: |i| (i as u32).wrapping_mul(7).wrapping_add(3),
        second: |r, j| 1_000_000_000 + (r as u32) * 10_000_000 + j as u32,
        as_u32: |v| *v,
    }
    .run();
}

#[test]
fn large_converted_writes_read_back_by_the_c_library() {
    // bool elements (h5py's enum over i8) are converted: rows of 9 MB, over two pieces each.
    Case {
        name: "bool",
        cols: 9_000_000,
        margin: 7,
        first: |i| i % 3 == 0,
        second: |r, j| (j + r) % 5 < 2,
        as_u32: |v| u32::from(*v),
    }
    .run();
}
