//! `read_slice` with ndarray's `s![..]` on chunked datasets of every chunk index, compared
//! with the whole read and with the generator's formula (element = its flat index; see
//! fixtures/src/formats.rs); scalars, null and zero-sized dataspaces, rank errors.

use h5oxide::{Error, File, Selection};
use ndarray::{s, Array1, Array2, Array3, ArrayD, Ix0, Ix1, Ix2, Ix3, IxDyn};

fn fixture(name: &str) -> File {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files")
        .join(name);
    File::open(path).unwrap()
}

const LATEST_2D: [&str; 7] = [
    "single_chunk",
    "single_chunk_deflate",
    "implicit",
    "fixed_array",
    "fixed_array_deflate",
    "fixed_array_paged",
    "btree_v2",
];

#[test]
fn whole_reads_follow_the_formula() {
    let f = fixture("chunk_index_latest.h5");
    for name in LATEST_2D
        .iter()
        .chain(&["extensible_array_deflate", "btree_v2_deflate"])
    {
        let ds = f.root().dataset(name).unwrap();
        let a: Array2<i32> = ds.read_2d().unwrap();
        let cols = a.ncols();
        for ((r, c), &v) in a.indexed_iter() {
            assert_eq!(v, (r * cols + c) as i32, "{name} [{r},{c}]");
        }
    }
}

#[test]
fn two_dimensional_slices_match_the_whole_read() {
    let f = fixture("chunk_index_latest.h5");
    for name in LATEST_2D
        .iter()
        .chain(&["extensible_array_deflate", "btree_v2_deflate"])
    {
        let ds = f.root().dataset(name).unwrap();
        let all: Array2<i64> = ds.read_2d().unwrap();
        let got: Array2<i64> = ds.read_slice_2d(s![2..10;3, ..]).unwrap();
        assert_eq!(got, all.slice(s![2..10;3, ..]), "{name}");
        let got: Array1<i64> = ds.read_slice_1d(s![5, ..]).unwrap();
        assert_eq!(got, all.slice(s![5, ..]), "{name}");
        let got: Array2<i64> = ds.read_slice_2d(s![-7..-1;2, -5..]).unwrap();
        assert_eq!(got, all.slice(s![-7..-1;2, -5..]), "{name}");
        let got: Array1<i64> = ds.read_slice_1d(s![.., -1]).unwrap();
        assert_eq!(got, all.slice(s![.., -1]), "{name}");
        let got: Array2<i64> = ds.read_slice_2d(s![1..19;7, 3..;2]).unwrap();
        assert_eq!(got, all.slice(s![1..19;7, 3..;2]), "{name}");
        // Row 5 of the formula, by value.
        let cols = all.ncols() as i64;
        let row: Vec<i64> = (0..cols).map(|c| 5 * cols + c).collect();
        assert_eq!(ds.read_slice_1d::<i64, _>(s![5, ..]).unwrap().to_vec(), row);
    }
}

#[test]
// `3..-3` is an ndarray slice from 3 to 3 before the end, not an empty range.
#[allow(clippy::reversed_empty_ranges)]
fn one_and_three_dimensional_slices() {
    let f = fixture("chunk_index_earliest.h5");
    let ds = f.root().dataset("btree_v1_3d_deflate").unwrap();
    let all: Array3<i32> = ds.read().unwrap();
    assert_eq!(all.dim(), (30, 20, 10));
    assert_eq!(all[[29, 19, 9]], 5999);
    let got = ds.read_slice::<i32, _, Ix2>(s![1..29;4, 5, -4..]).unwrap();
    assert_eq!(got, all.slice(s![1..29;4, 5, -4..]));
    let got = ds.read_slice::<i32, _, Ix3>(s![-1.., ..;6, 2..3]).unwrap();
    assert_eq!(got, all.slice(s![-1.., ..;6, 2..3]));
    assert_eq!(
        ds.read_slice::<i32, _, Ix0>(s![3, 4, 5]).unwrap()[()],
        3 * 200 + 4 * 10 + 5
    );
    // Fewer indices than dimensions: the rest are whole.
    let got = ds.read_slice::<i32, _, Ix2>(s![7]).unwrap();
    assert_eq!(got, all.slice(s![7, .., ..]));

    for (file, name) in [
        ("chunk_index_earliest.h5", "btree_v1_unlimited"),
        ("chunk_index_latest.h5", "extensible_array"),
    ] {
        let ds = fixture(file).root().dataset(name).unwrap();
        let all: Array1<i32> = ds.read_1d().unwrap();
        assert_eq!(all.to_vec(), (0..all.len() as i32).collect::<Vec<_>>());
        let got: Array1<i32> = ds.read_slice_1d(s![3..-3;17]).unwrap();
        assert_eq!(got, all.slice(s![3..-3;17]), "{name}");
        assert_eq!(got[1], 20);
        let got: Array1<i32> = ds.read_slice_1d(s![-10..]).unwrap();
        assert_eq!(got, all.slice(s![-10..]), "{name}");
    }
}

#[test]
fn grown_extensible_array() {
    let f = fixture("chunk_index_latest.h5");
    let ds = f.root().dataset("extensible_array_grown").unwrap();
    let a: Array2<i32> = ds.read_2d().unwrap();
    assert_eq!(a.dim(), (25, 6));
    for ((r, c), &v) in a.indexed_iter() {
        let want = if r < 10 {
            (r * 6 + c) as i32
        } else {
            1000 + ((r - 10) * 6 + c) as i32
        };
        assert_eq!(v, want, "[{r},{c}]");
    }
    let got: Array2<i32> = ds.read_slice_2d(s![8..14;2, 1..;2]).unwrap();
    assert_eq!(got, a.slice(s![8..14;2, 1..;2]));
}

#[test]
fn selections_and_element_slices() {
    let f = fixture("chunk_index_latest.h5");
    let ds = f.root().dataset("fixed_array").unwrap();
    let all: Array2<i32> = ds.read_2d().unwrap();
    let sel = Selection::new(
        vec![
            h5oxide::DimSlice {
                start: 4,
                step: 10,
                count: 5,
            },
            h5oxide::DimSlice {
                start: 0,
                step: 49,
                count: 2,
            },
        ],
        &[45, 50],
    )
    .unwrap();
    let got: Array2<i32> = ds.read_slice_2d(&sel).unwrap();
    assert_eq!(got, all.slice(s![4..45;10, 0..50;49]));
    let elems = [
        ndarray::SliceInfoElem::Index(-1),
        ndarray::SliceInfoElem::Index(0),
    ];
    let got: ArrayD<i32> = ds.read_slice(elems).unwrap();
    assert_eq!(got[IxDyn(&[])], 44 * 50);
}

#[test]
fn bad_slices_are_errors() {
    let f = fixture("chunk_index_latest.h5");
    let ds = f.root().dataset("fixed_array").unwrap();
    for r in [
        ds.read_slice_2d::<i32, _>(s![..;-1, ..]).map(drop),
        ds.read_slice_2d::<i32, _>(s![..46, ..]).map(drop),
        ds.read_slice_1d::<i32, _>(s![45, ..]).map(drop),
        ds.read_slice_1d::<i32, _>(s![-46, ..]).map(drop),
        ds.read_slice_1d::<i32, _>(s![1, 2, 3]).map(drop),
        // The result is 1-D, not 2-D.
        ds.read_slice_2d::<i32, _>(s![1, ..]).map(drop),
    ] {
        assert!(matches!(r, Err(Error::Usage(_))), "{r:?}");
    }
}

#[test]
fn scalars_null_and_zero_sized() {
    let f = fixture("dataspaces.h5");
    let ds = f.root().dataset("scalar").unwrap();
    assert_eq!(ds.read_scalar::<f64>().unwrap(), 6.25);
    assert_eq!(ds.read_scalar::<f32>().unwrap(), 6.25);
    assert_eq!(ds.read::<f64, Ix0>().unwrap()[()], 6.25);
    assert_eq!(ds.read_dyn::<f64>().unwrap().ndim(), 0);
    assert!(matches!(ds.read_1d::<f64>(), Err(Error::Usage(_))));

    let null = f.root().dataset("null").unwrap();
    assert!(null.read_raw::<i32>().unwrap().is_empty());
    assert!(null.read_dyn::<i32>().is_err());
    assert!(null.read_scalar::<i32>().is_err());

    let z = f.root().dataset("zero_sized_2d").unwrap();
    assert_eq!(z.read_2d::<f32>().unwrap().dim(), (4, 0));
    let z = f.root().dataset("zero_sized_unlimited").unwrap();
    assert_eq!(z.read_1d::<i32>().unwrap().len(), 0);

    let r3 = f.root().dataset("rank3").unwrap();
    let a: Array3<i16> = r3.read().unwrap();
    assert_eq!(a.dim(), (2, 3, 4));
    assert_eq!(a[[1, 2, 3]], 23);
    assert!(matches!(r3.read_2d::<i16>(), Err(Error::Usage(_))));
    assert!(matches!(r3.read_scalar::<i16>(), Err(Error::Usage(_))));
    let r5 = f.root().dataset("rank5_unlimited").unwrap();
    let a: ArrayD<i32> = r5.read_dyn().unwrap();
    assert_eq!(a.shape(), [2, 1, 3, 2, 2]);
    assert_eq!(a[IxDyn(&[1, 0, 2, 1, 1])], -23);
    let got = r5.read_slice::<i32, _, Ix1>(s![1, 0, .., 1, 0]).unwrap();
    assert_eq!(got.to_vec(), [-14, -18, -22]);

    let attrs = f.root().attrs();
    assert_eq!(attrs.get_value::<i32>("scalar").unwrap(), 5);
    let a = attrs.attr("rank3").unwrap();
    assert_eq!(a.read::<u8, Ix3>().unwrap()[[1, 1, 1]], 7);
    assert!(a.read_1d::<u8>().is_err());
    assert!(attrs.get_value::<i32>("null").is_err());
}
