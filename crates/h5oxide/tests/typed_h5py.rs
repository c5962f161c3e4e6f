//! Typed reads of files written by h5py (fixtures/h5py_files.py): its boolean enum, half
//! floats, byte strings, string attributes and structured arrays.

use h5oxide::{File, H5Type};
use ndarray::{Array2, Ix2};

fn fixture(name: &str) -> File {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files/h5py")
        .join(name);
    File::open(path).unwrap()
}

#[derive(H5Type, Debug, PartialEq)]
struct Record {
    id: i32,
    pos: [f32; 3],
    name: String,
}

#[test]
fn h5py_default_and_latest() {
    for file in ["h5py_default.h5", "h5py_latest.h5"] {
        let f = fixture(file);
        let root = f.root();
        assert_eq!(
            root.dataset("bool").unwrap().read_raw::<bool>().unwrap(),
            [true, false, false, true],
            "{file}"
        );
        let f16: Array2<f32> = root.dataset("f16").unwrap().read::<f32, Ix2>().unwrap();
        let want = Array2::from_shape_fn((3, 4), |(r, c)| (r * 4 + c) as f32 / 4.0);
        assert_eq!(f16, want, "{file}");
        assert_eq!(
            root.dataset("bytes_S6").unwrap().read_strings().unwrap(),
            ["abc", "", "sixsix"]
        );
        assert_eq!(
            root.dataset("vlen_utf8").unwrap().read_strings().unwrap(),
            ["alpha", "\u{3b2}eta", ""]
        );
        let recs = root
            .dataset("structured")
            .unwrap()
            .read_raw::<Record>()
            .unwrap();
        let names = ["a", "bb", "ccc", "dddd", ""];
        let want: Vec<Record> = (0..5)
            .map(|i| Record {
                id: i,
                pos: [3.0 * i as f32, 3.0 * i as f32 + 1.0, 3.0 * i as f32 + 2.0],
                name: names[i as usize].to_owned(),
            })
            .collect();
        assert_eq!(recs, want, "{file}");
        let attrs = root.attrs();
        assert_eq!(
            attrs.get_value::<String>("title").unwrap(),
            "written by h5py"
        );
        assert_eq!(attrs.get_value::<i64>("version").unwrap(), 3);
        assert_eq!(attrs.get_value::<f64>("scale").unwrap(), 0.5);
        assert_eq!(
            attrs.attr("flags").unwrap().read_raw::<bool>().unwrap(),
            [true, false, true]
        );
    }
}
