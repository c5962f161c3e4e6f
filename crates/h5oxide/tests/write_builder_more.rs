//! Builder settings for datasets of a run-time type: `dtype`, `fill_value_raw`, `compact`,
//! `bzip2` and `null`, written in both format generations and read back by h5oxide and by
//! the C library (`h5dump`).

#[path = "write_common.rs"]
mod common;

use common::*;
use h5oxide::format::object_header::message::datatype::Datatype;
use h5oxide::{File, H5Write};

fn u16_type() -> Datatype {
    <u16 as H5Write>::write_type()
}

#[test]
fn run_time_type_with_raw_fill_reads_as_fill_in_c() {
    for (libver, tag) in BOTH {
        let dir = temp_dir(&format!("dtype-{tag}"));
        let path = dir.join("f.h5");
        {
            let f = create(&path, libver);
            f.root()
                .new_dataset_builder()
                .dtype(u16_type())
                .shape([2, 3])
                .fill_value_raw(0xBEEFu16.to_le_bytes().to_vec())
                .create("grid")
                .unwrap();
            // A 3-byte fill value for a 2-byte type is refused.
            let e = f
                .root()
                .new_dataset_builder()
                .dtype(u16_type())
                .shape([2])
                .fill_value_raw(vec![1, 2, 3])
                .create("bad");
            assert!(e.is_err());
        }
        let f = File::open(&path).unwrap();
        let ds = f.root().dataset("grid").unwrap();
        assert_eq!(ds.shape(), vec![2, 3]);
        assert_eq!(ds.read_raw::<u16>().unwrap(), vec![0xBEEF; 6]);
        let text = h5dump(&path, &["-p", "-d", "/grid"]);
        assert!(text.contains("H5T_STD_U16LE"), "{text}");
        assert!(text.contains("FILLVALUE"), "{text}");
        // 0xBEEF = 48879, six times.
        assert_eq!(text.matches("48879").count(), 7, "{text}");
    }
}

#[test]
fn compact_datasets_hold_their_data_in_the_header() {
    for (libver, tag) in BOTH {
        let dir = temp_dir(&format!("compact-{tag}"));
        let path = dir.join("f.h5");
        {
            let f = create(&path, libver);
            let data: Vec<i32> = (0..100).map(|i| i * 7 - 3).collect();
            f.root()
                .new_dataset_builder()
                .with_data(&data)
                .compact()
                .create("c")
                .unwrap();
            f.root()
                .new_dataset_builder()
                .dtype(u16_type())
                .shape([4])
                .fill_value_raw(9u16.to_le_bytes().to_vec())
                .compact()
                .create("empty")
                .unwrap();
            // 64 KiB and more does not fit a header message, as in libhdf5.
            let big = vec![0u8; 65536];
            let e = f
                .root()
                .new_dataset_builder()
                .with_data(&big)
                .compact()
                .create("big");
            assert!(matches!(e, Err(h5oxide::Error::Usage(_))), "{e:?}");
            let e = f
                .root()
                .new_dataset_builder()
                .with_data(&[1u8, 2])
                .chunk([1])
                .compact()
                .create("chunked");
            assert!(e.is_err());
        }
        let f = File::open(&path).unwrap();
        let c = f.root().dataset("c").unwrap();
        assert_eq!(
            c.read_raw::<i32>().unwrap(),
            (0..100).map(|i| i * 7 - 3).collect::<Vec<i32>>()
        );
        assert_eq!(
            f.root()
                .dataset("empty")
                .unwrap()
                .read_raw::<u16>()
                .unwrap(),
            vec![9; 4]
        );
        let text = h5dump(&path, &["-p", "-d", "/c"]);
        assert!(text.contains("COMPACT"), "{text}");
        assert!(text.contains("-3, 4, 11, 18"), "{text}");
        assert!(text.contains("690"), "{text}");
        let text = h5dump(&path, &["-p", "-d", "/empty"]);
        assert!(text.contains("COMPACT"), "{text}");
        assert!(text.contains("9, 9, 9, 9"), "{text}");
        let walk = c_walk(&path);
        assert_eq!(ints(&walk_object(&walk, "/c")["values"])[99], 690);
    }
}

#[test]
fn bzip2_chunks_decode_in_the_c_plugin() {
    for (libver, tag) in BOTH {
        let dir = temp_dir(&format!("bzip2-{tag}"));
        let path = dir.join("f.h5");
        let data: Vec<f64> = (0..5000).map(|i| f64::from(i % 50) * 0.5).collect();
        {
            let f = create(&path, libver);
            f.root()
                .new_dataset_builder()
                .with_data(&data)
                .chunk([1000])
                .bzip2(9)
                .create("z")
                .unwrap();
        }
        let f = File::open(&path).unwrap();
        let ds = f.root().dataset("z").unwrap();
        assert_eq!(ds.read_raw::<f64>().unwrap(), data);
        let p = ds.filters().unwrap();
        assert_eq!(p.filters[0].id, 307);
        assert_eq!(p.filters[0].client_data, vec![9]);
        assert!(ds.storage_size().unwrap() < 5000 * 8 / 4);
        let text = h5dump(&path, &["-p", "-d", "/z"]);
        assert!(text.contains("FILTER_ID 307"), "{text}");
        assert!(text.contains("24.5, 0, 0.5"), "{text}");
        let walk = c_walk(&path);
        // The walk lists the leading values only.
        let got = floats(&walk_object(&walk, "/z")["values"], 8);
        assert!(got.len() >= 1000, "{}", got.len());
        assert!(got == data[..got.len()], "C values differ");
    }
}

#[test]
fn null_dataspace_datasets_have_no_elements() {
    for (libver, tag) in BOTH {
        let dir = temp_dir(&format!("null-{tag}"));
        let path = dir.join("f.h5");
        {
            let f = create(&path, libver);
            let ds = f
                .root()
                .new_dataset::<f64>()
                .null()
                .create("nothing")
                .unwrap();
            ds.attrs().set("units", "none").unwrap();
            let e = f
                .root()
                .new_dataset::<f64>()
                .null()
                .chunk([1])
                .create("bad");
            assert!(e.is_err());
        }
        let f = File::open(&path).unwrap();
        let ds = f.root().dataset("nothing").unwrap();
        assert!(ds.is_null());
        assert!(ds.read_bytes().unwrap().is_empty());
        let text = h5dump(&path, &["-d", "/nothing"]);
        assert!(text.contains("DATASPACE  NULL"), "{text}");
        assert!(text.contains("H5T_IEEE_F64LE"), "{text}");
    }
}

#[test]
fn ascii_vlen_strings_keep_their_character_set() {
    for (libver, tag) in BOTH {
        let dir = temp_dir(&format!("ascii-{tag}"));
        let path = dir.join("f.h5");
        {
            let f = create(&path, libver);
            f.root()
                .new_dataset_builder()
                .with_ascii_strings(&["alpha", "", "gamma delta"])
                .create("s")
                .unwrap();
            let e = f
                .root()
                .new_dataset_builder()
                .with_ascii_strings(&["caf\u{e9}"])
                .create("bad");
            assert!(matches!(e, Err(h5oxide::Error::Usage(_))), "{e:?}");
        }
        let f = File::open(&path).unwrap();
        let ds = f.root().dataset("s").unwrap();
        assert_eq!(ds.read_strings().unwrap(), vec!["alpha", "", "gamma delta"]);
        let text = h5dump(&path, &["-d", "/s"]);
        assert!(text.contains("CSET H5T_CSET_ASCII"), "{text}");
        assert!(text.contains("STRSIZE H5T_VARIABLE"), "{text}");
        assert!(text.contains("\"alpha\", \"\", \"gamma delta\""), "{text}");
    }
}

#[test]
fn create_with_writes_from_the_callers_data_as_with_data_would() {
    use h5oxide::ndarray::Array3;
    for (libver, tag) in BOTH {
        let dir = temp_dir(&format!("create-with-{tag}"));
        let path = dir.join("f.h5");
        let grid: Vec<f64> = (0..6).map(|i| f64::from(i) * 1.5).collect();
        let imgs = Array3::<u8>::from_shape_fn((3, 4, 5), |(i, j, k)| (i * 20 + j * 5 + k) as u8);
        let names = vec!["α".to_string(), String::new(), "gamma".to_string()];
        {
            let f = create(&path, libver);
            let root = f.root();
            // A given shape of as many elements reshapes, as with_data does.
            let b = root.new_dataset_builder().shape([2, 3]);
            assert_eq!(b.create_with("grid", &grid).unwrap().shape(), [2, 3]);
            let b = root.new_dataset_builder().chunk([1, 4, 5]).deflate(4);
            b.create_with("group/imgs", &imgs).unwrap();
            root.new_dataset_builder()
                .create_with("names", &names)
                .unwrap();
            // A shape of another size is refused before anything is created.
            let b = root.new_dataset_builder().shape([4]);
            let e = b.create_with("bad", &grid);
            assert!(matches!(e, Err(h5oxide::Error::Usage(_))), "{e:?}");
            assert!(!root.contains("bad"));
            // Data the type cannot take fails in the write: the new dataset is unlinked.
            let e = root.new_dataset::<u8>().create_with("wrong", &grid);
            assert!(e.is_err());
            assert!(!root.contains("wrong"));
            // Compact storage is written at creation, through with_data.
            let b = root.new_dataset_builder().compact();
            b.create_with("small", &[1u16, 2, 3]).unwrap();
        }
        let f = File::open(&path).unwrap();
        let root = f.root();
        assert_eq!(
            root.dataset("grid").unwrap().read_raw::<f64>().unwrap(),
            grid
        );
        let d = root.dataset("group/imgs").unwrap();
        assert_eq!(d.shape(), [3, 4, 5]);
        assert_eq!(d.filters().unwrap().filters[0].id, 1);
        assert_eq!(d.read_raw::<u8>().unwrap(), imgs.as_slice().unwrap());
        let s = root.dataset("names").unwrap().read_strings().unwrap();
        assert_eq!(s, names);
        let walk = c_walk(&path);
        assert_eq!(floats(&walk_object(&walk, "/grid")["values"], 8), grid);
        let c_imgs = ints(&walk_object(&walk, "/group/imgs")["values"]);
        let want: Vec<i64> = imgs.iter().map(|&v| i64::from(v)).collect();
        assert_eq!(c_imgs, want[..c_imgs.len()]);
        assert!(c_imgs.len() >= 20);
        let text = h5dump(&path, &["-d", "/names"]);
        assert!(text.contains("\"gamma\""), "{text}");
        let text = h5dump(&path, &["-p", "-d", "/small"]);
        assert!(
            text.contains("COMPACT") && text.contains("1, 2, 3"),
            "{text}"
        );
    }
}
