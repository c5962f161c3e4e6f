//! `h5ox clear-flags`: a file a libhdf5 writer left open (it called abort() while the file
//! was open for writing) has its superblock consistency flags set; libhdf5 refuses it, and
//! so do our writers; clear-flags edits the superblock in place and both open it again.

#[path = "../../h5oxide/tests/c_helper.rs"]
mod c;

use std::path::Path;
use std::process::{Command, Output};

use h5oxide::{Error, File};

fn h5ox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_h5ox"))
        .args(args)
        .output()
        .expect("run h5ox")
}

fn h5dump(file: &Path) -> Output {
    Command::new("h5dump")
        .arg(file)
        .output()
        .expect("h5dump is installed")
}

#[test]
fn clear_flags_after_a_crashed_libhdf5_writer() {
    if c::helper().is_none() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("h5ox-clear-flags-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("crashed.h5");
    let (code, _) = c::run("crash", &p, &[], &[]);
    assert_ne!(code, 0, "the helper aborts with the file open");

    // libhdf5 refuses the file.
    let d = h5dump(&p);
    assert!(!d.status.success(), "h5dump opened a flagged file");
    let before = std::fs::read(&p).unwrap();
    assert_eq!(before[8], 3, "superblock version 3");
    assert_eq!(before[11], 1, "write access flag set");

    // We refuse to write it, and read it with the flags reported.
    let e = File::open_rw(&p).unwrap_err();
    assert!(
        matches!(e, Error::ConsistencyFlags { flags: 1, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("h5ox clear-flags"), "{e}");
    assert!(matches!(
        File::append(&p).unwrap_err(),
        Error::ConsistencyFlags { .. }
    ));
    let f = File::open(&p).unwrap();
    assert_eq!(f.consistency_flags(), 1);
    let v = f.root().dataset("data").unwrap().read_1d::<i64>().unwrap();
    assert_eq!(v.to_vec(), (0..10).collect::<Vec<i64>>());
    drop(f);

    let o = h5ox(&["clear-flags", p.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("cleared file consistency flags 0x01"), "{out}");

    // Only the flags byte and the checksum changed.
    let after = std::fs::read(&p).unwrap();
    assert_eq!(after.len(), before.len());
    let changed: Vec<usize> = (0..after.len())
        .filter(|&i| after[i] != before[i])
        .collect();
    assert!(changed.contains(&11));
    // v3 superblock with 8-byte offsets: 48 bytes, the checksum in the last 4.
    assert!(
        changed.iter().all(|&i| i == 11 || (44..48).contains(&i)),
        "{changed:?}"
    );

    let d = h5dump(&p);
    assert!(d.status.success(), "{}", String::from_utf8_lossy(&d.stderr));
    let text = String::from_utf8_lossy(&d.stdout);
    assert!(text.contains("(0): 0, 1, 2, 3, 4, 5, 6, 7, 8, 9"), "{text}");
    let f = File::open_rw(&p).unwrap();
    assert_eq!(f.consistency_flags(), 0);
    drop(f);

    // Again: nothing to do, still success.
    let o = h5ox(&["clear-flags", p.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("already clear"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn clear_flags_on_old_superblock_and_missing_file() {
    let dir = std::env::temp_dir().join(format!("h5ox-clear-flags-v0-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("v0.h5");
    File::create(&p).unwrap().close().unwrap();
    let before = std::fs::read(&p).unwrap();
    let o = h5ox(&["clear-flags", p.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("nothing to clear"));
    assert_eq!(std::fs::read(&p).unwrap(), before);
    let o = h5ox(&["clear-flags", dir.join("missing.h5").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unable to open"));
    let _ = std::fs::remove_dir_all(&dir);
}
