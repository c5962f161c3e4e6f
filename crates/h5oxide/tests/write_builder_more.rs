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
