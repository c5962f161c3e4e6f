//! Datasets whose raw data is in external files, written by h5oxide and read back by
//! h5oxide and by the C library.

#[path = "write_common.rs"]
mod common;

use std::process::Command;

use common::*;
use h5oxide::File;

#[test]
fn raw_data_split_over_two_external_files() {
    let dir = temp_dir("write_external");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("ext_{tag}.h5"));
        let f = create(&path, libver);
        let values: Vec<i32> = (0..10).map(|i| i * i - 5).collect();
        let a = format!("a_{tag}.bin");
        let b = format!("b_{tag}.bin");
        // 6 values in a.bin after a 16-byte preamble, the rest in b.bin (unlimited).
        f.root()
            .new_dataset_builder()
            .with_data(&values)
            .external(&[(a.as_str(), 16, 24), (b.as_str(), 0, u64::MAX)])
            .create("ext")
            .unwrap();
        assert!(f
            .root()
            .new_dataset_builder()
            .with_data(&values)
            .chunk([5])
            .external(&[("c.bin", 0, 1000)])
            .create("bad")
            .is_err());
        assert!(f
            .root()
            .new_dataset_builder()
            .with_data(&values)
            .external(&[("c.bin", 0, 8)])
            .create("small")
            .is_err());
        f.close().unwrap();

        let raw_a = std::fs::read(dir.join(&a)).unwrap();
        assert_eq!(raw_a.len(), 16 + 24);
        assert_eq!(&raw_a[16..20], (-5i32).to_le_bytes());
        let raw_b = std::fs::read(dir.join(&b)).unwrap();
        assert_eq!(raw_b.len(), 16);
        assert_eq!(&raw_b[12..16], 76i32.to_le_bytes());

        let f = File::open(&path).unwrap();
        let d = f.root().dataset("ext").unwrap();
        assert_eq!(d.read_raw::<i32>().unwrap(), values);
        let files = d.external_files().unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(
            (files[0].name.as_str(), files[0].offset, files[0].size),
            (a.as_str(), 16, 24)
        );

        // Edits in place go to the external files.
        drop(d);
        drop(f);
        let f = File::open_rw(&path).unwrap();
        let mut d = f.root().dataset("ext").unwrap();
        d.write_slice(&[100i32, 101, 102][..], h5oxide::ndarray::s![5..8])
            .unwrap();
        f.close().unwrap();
        let values: Vec<i32> = [-5, -4, -1, 4, 11, 100, 101, 102, 59, 76].to_vec();
        let f = File::open(&path).unwrap();
        assert_eq!(
            f.root().dataset("ext").unwrap().read_raw::<i32>().unwrap(),
            values
        );

        // libhdf5 resolves relative names against the working folder.
        let out = Command::new("h5dump")
            .args(["-p", "-d", "/ext"])
            .arg(format!("ext_{tag}.h5"))
            .current_dir(&*dir)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains("(0): -5, -4, -1, 4, 11, 100, 101, 102, 59, 76"),
            "{text}"
        );
        assert!(
            text.contains(&format!("FILENAME {a} SIZE 24 OFFSET 16")),
            "{text}"
        );
    }
}
