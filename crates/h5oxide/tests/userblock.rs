//! User blocks: files created with `FileOptions::userblock` are read by libhdf5 (h5dump)
//! and by us; files with a user block written by libhdf5 are read and extended.

#[path = "c_helper.rs"]
mod c;
#[path = "write_common.rs"]
mod common;

use h5oxide::{File, Mode};

#[test]
fn created_with_userblock_read_by_h5dump_and_us() {
    let dir = common::temp_dir("userblock");
    for (libver, tag) in common::BOTH {
        for size in [512u64, 4096] {
            let p = dir.join(format!("ub{size}-{tag}.h5"));
            let f = File::options()
                .mode(Mode::Create)
                .libver(libver)
                .userblock(size)
                .open(&p)
                .unwrap();
            f.root()
                .new_dataset::<i32>()
                .with_data(&[10, 20, 30, 40])
                .create("g/x")
                .unwrap();
            f.close().unwrap();
            let bytes = std::fs::read(&p).unwrap();
            // The user block is zeros; the signature is at its end (spec II.A).
            assert!(bytes[..size as usize].iter().all(|&b| b == 0));
            assert_eq!(
                &bytes[size as usize..size as usize + 8],
                b"\x89HDF\r\n\x1a\n"
            );
            let super_block = common::h5dump(&p, &["-B", "-H"]);
            assert!(
                super_block.contains(&format!("USERBLOCK_SIZE {size}")),
                "{super_block}"
            );
            let data = common::h5dump(&p, &["-d", "/g/x"]);
            assert!(data.contains("(0): 10, 20, 30, 40"), "{data}");
            let walk = common::c_walk(&p);
            let x = common::walk_object(&walk, "/g/x");
            assert_eq!(common::ints(&x["values"]), [10, 20, 30, 40]);

            let f = File::open(&p).unwrap();
            let x = f.root().dataset("g/x").unwrap();
            assert_eq!(x.read_1d::<i32>().unwrap().to_vec(), [10, 20, 30, 40]);
            // The dataset handle keeps the file (and its lock) open too.
            drop((x, f));

            // Reopened for writing: appends after the existing data, keeps the block.
            let f = File::open_rw(&p).unwrap();
            f.root()
                .new_dataset::<f64>()
                .with_data(&[0.5, 1.5])
                .create("y")
                .unwrap();
            f.close().unwrap();
            let data = common::h5dump(&p, &["-d", "/y"]);
            assert!(data.contains("(0): 0.5, 1.5"), "{data}");
            let len = std::fs::metadata(&p).unwrap().len();
            let eof = common::h5dump(&p, &["-B", "-H"]);
            assert!(eof.contains(&format!("USERBLOCK_SIZE {size}")), "{eof}");
            // Nothing past the end-of-file address the superblock records: libhdf5
            // (h5dump above) checks the file is not truncated against it.
            assert!(len > size);
        }
    }
}

#[test]
fn invalid_userblock_sizes_are_refused() {
    for size in [1u64, 256, 511, 513, 1000, 3 * 512] {
        let e = File::options().userblock(size).in_memory().unwrap_err();
        assert!(matches!(e, h5oxide::Error::Usage(_)), "{size}: {e:?}");
    }
    let f = File::options().userblock(1024).in_memory().unwrap();
    // to_bytes leaves the user block out: it starts at the signature.
    assert_eq!(&f.to_bytes().unwrap()[..8], b"\x89HDF\r\n\x1a\n");
}

#[test]
fn libhdf5_userblock_file_read_and_extended() {
    if c::helper().is_none() {
        return;
    }
    let dir = common::temp_dir("userblock-c");
    let p = dir.join("c_ub.h5");
    assert_eq!(c::run("userblock", &p, &[], &[]).0, 0);
    let f = File::open(&p).unwrap();
    let v = f.root().dataset("data").unwrap().read_1d::<i64>().unwrap();
    assert_eq!(v.to_vec(), (0..10).collect::<Vec<i64>>());
    drop(f);
    let f = File::open_rw(&p).unwrap();
    f.root()
        .new_dataset::<i32>()
        .with_data(&[7, 8])
        .create("more")
        .unwrap();
    f.close().unwrap();
    let d = common::h5dump(&p, &[]);
    assert!(d.contains("(0): 7, 8"), "{d}");
    assert!(d.contains("(0): 0, 1, 2, 3, 4, 5, 6, 7, 8, 9"), "{d}");
    // The superblock's end-of-file address is the file's length (absolute, spec II.A),
    // so nothing was written past the end libhdf5 computes.
    let bytes = std::fs::read(&p).unwrap();
    let eof = u64::from_le_bytes(bytes[1024 + 28..1024 + 36].try_into().unwrap());
    assert_eq!(eof, bytes.len() as u64);
}
