//! File locks shared with libhdf5: a child process running the C library is refused while
//! we write, we are refused while it writes, readers share, and
//! `HDF5_USE_FILE_LOCKING=FALSE` / `Locking::Disabled` let both proceed.

#[path = "c_helper.rs"]
mod c;
#[path = "write_common.rs"]
mod common;

use std::path::Path;

use h5oxide::{Error, File, Libver, Locking, Mode};

/// A small file of ours (earliest format: libhdf5 sets no consistency flags in it, so only
/// the locks are under test).
fn make(dir: &Path, name: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    let f = common::create(&p, Libver::Earliest);
    f.root()
        .new_dataset::<i32>()
        .with_data(&[1, 2, 3])
        .create("x")
        .unwrap();
    f.close().unwrap();
    p
}

#[test]
fn our_writer_refuses_libhdf5_readers_and_writers() {
    if c::helper().is_none() {
        return;
    }
    let dir = common::temp_dir("lock-our-writer");
    let p = make(&dir, "a.h5");
    let w = File::open_rw(&p).unwrap();
    let (code, err) = c::run("open-rdonly", &p, &[], &[]);
    assert_eq!(code, 1, "libhdf5 opened a file we hold for writing");
    assert!(err.contains("unable to lock file"), "{err}");
    assert_eq!(c::run("open-rdwr", &p, &[], &[]).0, 1);
    // Released when the last handle goes.
    drop(w);
    assert_eq!(c::run("open-rdonly", &p, &[], &[]).0, 0);
    assert_eq!(c::run("open-rdwr", &p, &[], &[]).0, 0);
}

#[test]
fn libhdf5_writer_refuses_our_opens() {
    if c::helper().is_none() {
        return;
    }
    let dir = common::temp_dir("lock-c-writer");
    let p = make(&dir, "a.h5");
    let held = c::Running::start("hold-rdwr", &p, &[], &[]).unwrap();
    for mode in [Mode::Read, Mode::ReadWrite, Mode::Append] {
        let e = File::options().mode(mode).open(&p).unwrap_err();
        match &e {
            Error::Locked { path, source } => {
                assert_eq!(path, &p);
                assert_eq!(source.raw_os_error(), Some(11), "EWOULDBLOCK");
            }
            other => panic!("{mode:?}: expected Locked, got {other:?}"),
        }
        let msg = e.to_string();
        assert!(msg.contains("unable to lock file"), "{msg}");
        assert!(msg.contains("errno = 11"), "{msg}");
        assert!(msg.contains("already open by another process"), "{msg}");
    }
    // `w` must not truncate a file another process holds.
    let before = std::fs::metadata(&p).unwrap().len();
    assert!(matches!(
        File::create(&p).unwrap_err(),
        Error::Locked { .. }
    ));
    assert_eq!(std::fs::metadata(&p).unwrap().len(), before);
    assert_eq!(held.finish(), 0);
    let f = File::open(&p).unwrap();
    assert_eq!(
        f.root()
            .dataset("x")
            .unwrap()
            .read_1d::<i32>()
            .unwrap()
            .to_vec(),
        [1, 2, 3]
    );
}

#[test]
fn readers_share() {
    if c::helper().is_none() {
        return;
    }
    let dir = common::temp_dir("lock-readers");
    let p = make(&dir, "a.h5");
    let r1 = File::open(&p).unwrap();
    let r2 = File::options().mmap(false).open(&p).unwrap();
    assert_eq!(
        c::run("open-rdonly", &p, &[], &[]).0,
        0,
        "libhdf5 reader refused"
    );
    // A libhdf5 writer is refused while our readers are open.
    assert_eq!(c::run("open-rdwr", &p, &[], &[]).0, 1);
    drop((r1, r2));
    // A libhdf5 reader holding the file: we read along, but cannot write.
    let held = c::Running::start("hold-rdonly", &p, &[], &[]).unwrap();
    let r = File::open(&p).unwrap();
    assert_eq!(
        r.root()
            .dataset("x")
            .unwrap()
            .read_1d::<i32>()
            .unwrap()
            .to_vec(),
        [1, 2, 3]
    );
    assert!(matches!(
        File::open_rw(&p).unwrap_err(),
        Error::Locked { .. }
    ));
    // The failed upgrade left our shared lock in place: libhdf5 readers still share.
    assert_eq!(c::run("open-rdonly", &p, &[], &[]).0, 0);
    drop(r);
    assert_eq!(held.finish(), 0);
    let w = File::open_rw(&p).unwrap();
    drop(w);
}

/// Opens of one file in one process share its lock (libhdf5 shares the open file): a
/// reader and a writer here do not refuse each other, and the writer's upgrade to an
/// exclusive lock keeps other processes out until the writer closes.
#[test]
fn opens_in_this_process_share_the_lock() {
    if c::helper().is_none() {
        return;
    }
    let dir = common::temp_dir("lock-same-process");
    let p = make(&dir, "a.h5");
    let r = File::open(&p).unwrap();
    assert_eq!(c::run("open-rdonly", &p, &[], &[]).0, 0);
    let w = File::open_rw(&p).unwrap();
    w.root()
        .new_dataset::<i32>()
        .with_data(&[4])
        .create("y")
        .unwrap();
    w.flush().unwrap();
    assert_eq!(
        c::run("open-rdonly", &p, &[], &[]).0,
        1,
        "writer's lock is exclusive"
    );
    drop(w);
    // Shared again while the reader of this process stays open.
    assert_eq!(c::run("open-rdonly", &p, &[], &[]).0, 0);
    assert_eq!(c::run("open-rdwr", &p, &[], &[]).0, 1);
    drop(r);
    assert_eq!(c::run("open-rdwr", &p, &[], &[]).0, 0);
}

#[test]
fn disabled_locking_lets_both_proceed() {
    if c::helper().is_none() {
        return;
    }
    let dir = common::temp_dir("lock-disabled");
    let p = make(&dir, "a.h5");
    let off = [("HDF5_USE_FILE_LOCKING", "FALSE")];
    // We write without a lock; libhdf5 told not to lock opens the file too.
    let w = File::options()
        .mode(Mode::ReadWrite)
        .locking(Locking::Disabled)
        .open(&p)
        .unwrap();
    assert_eq!(c::run("open-rdonly", &p, &[], &off).0, 0);
    // ... while libhdf5 with its default still sees no lock of ours to respect either.
    assert_eq!(c::run("open-rdonly", &p, &[], &[]).0, 0);
    drop(w);
    // libhdf5 writes without a lock; we open with locking disabled, for reading and writing.
    let held = c::Running::start("hold-rdwr", &p, &[], &off).unwrap();
    let r = File::options().locking(Locking::Disabled).open(&p).unwrap();
    assert_eq!(r.root().dataset("x").unwrap().shape(), [3]);
    drop(r);
    assert_eq!(held.finish(), 0);
    // Best effort still honours a lock that is held: only unsupported locking is ignored.
    let held = c::Running::start("hold-rdwr", &p, &[], &[]).unwrap();
    assert!(matches!(
        File::options()
            .locking(Locking::BestEffort)
            .open(&p)
            .unwrap_err(),
        Error::Locked { .. }
    ));
    assert_eq!(held.finish(), 0);
}

/// The environment variable overrides the option, as in libhdf5: checked in a child run of
/// this test binary, so this process's environment stays untouched.
#[test]
fn env_var_overrides_the_option() {
    if c::helper().is_none() {
        return;
    }
    if let Ok(p) = std::env::var("H5OXIDE_LOCK_TEST_FILE") {
        // Child: HDF5_USE_FILE_LOCKING=FALSE is set; the option says Enabled.
        let f = File::options()
            .locking(Locking::Enabled)
            .mode(Mode::ReadWrite)
            .open(&p)
            .unwrap();
        drop(f);
        return;
    }
    let dir = common::temp_dir("lock-env");
    let p = make(&dir, "a.h5");
    let held = c::Running::start("hold-rdwr", &p, &[], &[]).unwrap();
    let me = std::env::current_exe().unwrap();
    let child = |value: &str| {
        std::process::Command::new(&me)
            .args(["--exact", "env_var_overrides_the_option", "--nocapture"])
            .env("H5OXIDE_LOCK_TEST_FILE", &p)
            .env("HDF5_USE_FILE_LOCKING", value)
            .output()
            .unwrap()
            .status
            .success()
    };
    assert!(child("FALSE"), "FALSE did not disable locking");
    assert!(child("0"), "0 did not disable locking");
    assert!(!child("TRUE"), "TRUE did not lock");
    assert!(!child("BEST_EFFORT"), "BEST_EFFORT ignored a held lock");
    // Values libhdf5 does not accept leave the option (Enabled) in force.
    assert!(
        !child("false"),
        "lower-case false is not a value libhdf5 accepts"
    );
    assert_eq!(held.finish(), 0);
}
