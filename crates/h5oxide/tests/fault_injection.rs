//! Crash consistency under injected storage faults: a sequence of edits is run once per
//! mutating storage call with that call failing (and every later one, as in a crash), and
//! the bytes left behind must open as exactly the last committed state or the one being
//! committed, never as an error or a mixture.

#[path = "write_common.rs"]
mod common;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

use common::BOTH;
use h5oxide::ndarray::{s, Array2};
use h5oxide::{File, Libver, Mode, Object};
use h5oxide_storage::fault::{Fault, FaultBackend};
use h5oxide_storage::{Backend, MemBackend, StorageError};

/// The fault backend shared between the open file and the test, which reads its bytes
/// after the file is gone.
#[derive(Debug, Clone)]
struct Shared(Arc<FaultBackend<MemBackend>>);

impl Backend for Shared {
    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, StorageError> {
        self.0.read_at(offset, len)
    }
    fn size(&self) -> u64 {
        self.0.size()
    }
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        self.0.write_at(offset, data)
    }
    fn set_len(&self, len: u64) -> Result<(), StorageError> {
        self.0.set_len(len)
    }
    fn sync(&self) -> Result<(), StorageError> {
        self.0.sync()
    }
    fn is_writable(&self) -> bool {
        self.0.is_writable()
    }
}

/// Everything a reader sees in a file, as text: every object by path, with its kind,
/// type, shape, maximum shape, stored bytes and attributes.
fn describe(f: &File) -> h5oxide::Result<String> {
    let mut out = String::new();
    let root = f.root();
    attrs(&mut out, "/", &root.attrs())?;
    let mut paths = Vec::new();
    root.visit(&mut |p, _| {
        paths.push(p.to_owned());
        Ok(())
    })?;
    for p in paths {
        match root.object(&p)? {
            Object::Group(g) => {
                writeln!(out, "{p}: group").unwrap();
                attrs(&mut out, &p, &g.attrs())?;
            }
            Object::Dataset(d) => {
                writeln!(
                    out,
                    "{p}: dataset {} {:?} {:?} {:?}",
                    d.dtype().descriptor(),
                    d.shape(),
                    d.max_shape(),
                    d.read_bytes()?
                )
                .unwrap();
                attrs(&mut out, &p, &d.attrs())?;
            }
            Object::Datatype(_) => writeln!(out, "{p}: datatype").unwrap(),
            _ => writeln!(out, "{p}: other").unwrap(),
        }
    }
    Ok(out)
}

fn attrs(out: &mut String, path: &str, a: &h5oxide::Attributes) -> h5oxide::Result<()> {
    for a in a.list()? {
        writeln!(
            out,
            "{path} @{} {:?} {:?}",
            a.name(),
            a.shape(),
            a.values()?
        )
        .unwrap();
    }
    Ok(())
}

fn rows(n: usize, base: f64) -> Array2<f64> {
    Array2::from_shape_fn((n, 64), |(i, j)| base + (i * 64 + j) as f64)
}

/// The edits: file creation, then groups of edits each ended by a commit. Stops at the
/// first error. `commits` counts the commits that returned success.
fn edits(backend: Shared, libver: Libver, commits: &mut usize) -> h5oxide::Result<()> {
    let f = File::options()
        .mode(Mode::Create)
        .libver(libver)
        .open_backend(Box::new(backend))?;
    *commits += 1;

    // Create: a group, a chunked extendible dataset with data, an attribute.
    let g = f.root().create_group("g")?;
    let mut log = g
        .new_dataset::<f64>()
        .shape([3, 64])
        .max_shape([None, Some(64)])
        .chunk([4, 64])
        .create("log")?;
    log.write(&rows(3, 0.0))?;
    f.root().attrs().set("version", &1u32)?;
    f.flush()?;
    *commits += 1;

    // Write into a committed chunk, resize, append, set attributes.
    log.write_slice(&rows(1, 1000.0), s![1..2, ..])?;
    log.resize([9, 64])?;
    log.write_slice(&rows(6, 2000.0), s![3..9, ..])?;
    log.attrs().set("rows", &9u64)?;
    f.root().attrs().set("version", &2u32)?;
    f.flush()?;
    *commits += 1;

    // New datasets (compressed, contiguous), a new group, an attribute replaced.
    f.root()
        .new_dataset_builder()
        .with_data(&rows(20, 5.0))
        .chunk([8, 64])
        .deflate(4)
        .create("g/packed")?;
    f.root()
        .new_dataset_builder()
        .with_data(&[1i16, 2, 3, 4, 5])
        .create("flat")?;
    f.root().create_group("h/i")?;
    g.attrs().set("note", "appended")?;
    f.flush()?;
    *commits += 1;

    // Shrink, remove an attribute, unlink a dataset, append again.
    log.resize([2, 64])?;
    log.attrs().remove("rows")?;
    f.root().unlink("flat")?;
    log.resize([4, 64])?;
    log.write_slice(&rows(2, 7000.0), s![2..4, ..])?;
    f.flush()?;
    *commits += 1;
    drop(log);
    f.close()
}

/// The committed states of a fault-free run, in order (the empty file first), and the
/// number of mutating storage calls it makes.
fn reference(libver: Libver) -> (Vec<String>, u64) {
    let b = Shared(Arc::new(FaultBackend::new(
        MemBackend::writable(Vec::new()),
        u64::MAX,
        Fault::Fail,
    )));
    // Record the state after each commit by replaying the edits up to it: each replay
    // stops at a fault placed right after the commit's last call.
    let mut commits = 0;
    edits(b.clone(), libver, &mut commits).unwrap();
    assert_eq!(commits, 5);
    let total = b.0.calls();
    let mut states = Vec::new();
    let mut seen = 0;
    for k in 0..=total {
        let (state, n) = run_with_fault(libver, k, Fault::Fail);
        if n > seen {
            // Commit number n completed before call k failed: the bytes are its state.
            assert_eq!(n, seen + 1, "fault at call {k} skipped a commit");
            states.push(state.expect("a completed commit opens"));
            seen = n;
        }
    }
    assert_eq!(states.len(), 5);
    // The states really differ: every commit changed something.
    for w in states.windows(2) {
        assert_ne!(w[0], w[1]);
    }
    (states, total)
}

/// Runs the edits with call `k` failing; the description of the bytes left behind (or
/// the error opening them), and how many commits succeeded.
fn run_with_fault(libver: Libver, k: u64, fault: Fault) -> (Result<String, String>, usize) {
    run_with(libver, k, fault, false)
}

/// As [`run_with_fault`]; a `transient` fault fails call `k` alone.
fn run_with(
    libver: Libver,
    k: u64,
    fault: Fault,
    transient: bool,
) -> (Result<String, String>, usize) {
    let mut b = FaultBackend::new(MemBackend::writable(Vec::new()), k, fault);
    if transient {
        b = b.transient();
    }
    run_on(Shared(Arc::new(b)), libver, k)
}

fn run_on(b: Shared, libver: Libver, k: u64) -> (Result<String, String>, usize) {
    let mut commits = 0;
    let r = edits(b.clone(), libver, &mut commits);
    assert!(
        r.is_err() == b.0.tripped(),
        "fault at call {k}: the edits returned {r:?}, tripped {}",
        b.0.tripped()
    );
    let bytes = b.0.inner().to_bytes();
    let state = File::from_bytes(bytes)
        .and_then(|f| describe(&f))
        .map_err(|e| e.to_string());
    (state, commits)
}

fn sweep(fault: Fault) {
    sweep_with(fault, false);
}

fn sweep_with(fault: Fault, transient: bool) {
    for (libver, tag) in BOTH {
        let (states, total) = reference(libver);
        assert!(total > 20, "{tag}: only {total} calls");
        let mut landed = [0usize; 2];
        for k in 0..total {
            let (state, commits) = run_with(libver, k, fault, transient);
            if commits == 0 {
                // The fault hit the creation of the file: nothing was ever committed, so
                // there is nothing to keep; the new file either opens empty or not at all.
                if let Ok(s) = &state {
                    assert_eq!(s, &states[0], "{tag} {fault:?} call {k}");
                }
                continue;
            }
            let state = state.unwrap_or_else(|e| {
                panic!(
                    "{tag} {fault:?} call {k}: after {commits} commits the file does not open: {e}"
                )
            });
            // Either the last commit that returned, or the one under way (its superblock
            // was written, the failure came in the final sync).
            if state == states[commits - 1] {
                landed[0] += 1;
            } else if commits < states.len() && state == states[commits] {
                landed[1] += 1;
            } else {
                panic!(
                    "{tag} {fault:?} call {k}: after {commits} commits the file holds neither \
                     commit {} nor the next:\n{state}\nexpected:\n{}",
                    commits - 1,
                    states[commits - 1]
                );
            }
        }
        eprintln!(
            "{tag} {fault:?}: {total} calls; {} left the previous commit, {} the new one",
            landed[0], landed[1]
        );
        // Faults at the final sync of each commit leave the new state; all others the old.
        assert!(landed[0] > landed[1], "{tag}: {landed:?}");
        assert!(landed[1] >= 4, "{tag}: {landed:?}");
    }
}

#[test]
fn a_failed_call_leaves_the_previous_or_the_new_commit() {
    sweep(Fault::Fail);
}

#[test]
fn a_torn_write_leaves_the_previous_or_the_new_commit() {
    sweep(Fault::Torn { sector: 512 });
}

#[test]
fn committed_states_are_what_was_written() {
    // The reference states themselves hold the values the edits wrote (so the sweep
    // compares against something real).
    for (libver, _) in BOTH {
        let (states, _) = reference(libver);
        let bytes = {
            let b = Shared(Arc::new(FaultBackend::new(
                MemBackend::writable(Vec::new()),
                u64::MAX,
                Fault::Fail,
            )));
            let mut n = 0;
            edits(b.clone(), libver, &mut n).unwrap();
            b.0.inner().to_bytes()
        };
        // libhdf5 reads the final file too.
        let dir = common::temp_dir(&format!("fault-{libver:?}"));
        let path = dir.join("final.h5");
        std::fs::write(&path, &bytes).unwrap();
        let walk = common::c_walk(&path);
        assert_eq!(
            common::walk_paths(&walk),
            ["/", "/g", "/g/log", "/g/packed", "/h", "/h/i"]
        );
        let c_log = common::floats(&common::walk_object(&walk, "/g/log")["values"], 8);
        let last = File::from_bytes(bytes).unwrap();
        assert_eq!(describe(&last).unwrap(), states[4]);
        let log = last.root().dataset("g/log").unwrap();
        assert_eq!(log.shape(), [4, 64]);
        let mut want = rows(4, 0.0);
        want.slice_mut(s![1..2, ..]).assign(&rows(1, 1000.0));
        want.slice_mut(s![2..4, ..]).assign(&rows(2, 7000.0));
        assert_eq!(log.read_2d::<f64>().unwrap(), want);
        assert_eq!(c_log, want.iter().copied().collect::<Vec<_>>());
        assert!(!last.root().contains("flat"));
        assert_eq!(last.root().attrs().get_value::<u32>("version").unwrap(), 2);
        assert!(states[1].contains("/ @version"));
        assert!(!states[0].contains("g: group"));
    }
}

#[test]
fn after_a_transient_fault_nothing_more_is_committed() {
    // The program survives the I/O error and drops the file, which would commit what the
    // writer holds: structures whose bytes never reached the file. The writer refuses, so
    // the file keeps the last commit (or the one whose final sync failed).
    sweep_with(Fault::Fail, true);
}

#[test]
fn a_file_refuses_changes_after_a_failed_write() {
    for (libver, tag) in BOTH {
        let shared = Arc::new(FaultBackend::new(
            MemBackend::writable(Vec::new()),
            u64::MAX,
            Fault::Fail,
        ));
        let f = File::options()
            .mode(Mode::Create)
            .libver(libver)
            .open_backend(Box::new(Shared(shared.clone())))
            .unwrap();
        f.root().create_group("kept").unwrap();
        f.flush().unwrap();
        let committed = shared.inner().to_bytes();
        drop(f);
        // Reopen the committed bytes over a backend whose next write fails once.
        let b = Shared(Arc::new(
            FaultBackend::new(MemBackend::writable(committed.clone()), 0, Fault::Fail).transient(),
        ));
        let f = File::options()
            .mode(Mode::ReadWrite)
            .open_backend(Box::new(b.clone()))
            .unwrap();
        assert!(f.root().create_group("lost").is_err(), "{tag}");
        let e = f.root().create_group("later").unwrap_err();
        assert!(e.to_string().contains("earlier write"), "{tag}: {e}");
        assert!(f.flush().is_err(), "{tag}");
        drop(f);
        assert_eq!(b.0.inner().to_bytes()[..committed.len()], committed[..]);
        let back = File::from_bytes(b.0.inner().to_bytes()).unwrap();
        assert_eq!(back.root().member_names().unwrap(), ["kept"], "{tag}");
    }
}

/// Counts the syncs a file makes; everything else goes to `0`.
#[derive(Debug)]
struct CountSyncs(Shared, Arc<std::sync::atomic::AtomicU64>);

impl Backend for CountSyncs {
    fn read_at(&self, offset: u64, len: usize) -> Result<Cow<'_, [u8]>, StorageError> {
        self.0.read_at(offset, len)
    }
    fn size(&self) -> u64 {
        self.0.size()
    }
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        self.0.write_at(offset, data)
    }
    fn set_len(&self, len: u64) -> Result<(), StorageError> {
        self.0.set_len(len)
    }
    fn sync(&self) -> Result<(), StorageError> {
        self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.0.sync()
    }
    fn is_writable(&self) -> bool {
        self.0.is_writable()
    }
}

#[test]
fn commits_without_syncs_write_the_same_bytes() {
    use std::sync::atomic::{AtomicU64, Ordering};
    for (libver, tag) in BOTH {
        let mut images = Vec::new();
        for sync in [true, false] {
            let mem = Arc::new(FaultBackend::new(
                MemBackend::writable(Vec::new()),
                u64::MAX,
                Fault::Fail,
            ));
            let count = Arc::new(AtomicU64::new(0));
            let f = File::options()
                .mode(Mode::Create)
                .libver(libver)
                .sync(sync)
                .open_backend(Box::new(CountSyncs(Shared(mem.clone()), count.clone())))
                .unwrap();
            let before = count.load(Ordering::SeqCst);
            f.root()
                .new_dataset_builder()
                .with_data(&rows(10, 1.0))
                .create("data")
                .unwrap();
            f.flush().unwrap();
            let per_commit = count.load(Ordering::SeqCst) - before;
            // Sync, superblock, sync (docs/CRASH_SAFETY.md), or no sync at all.
            assert_eq!(per_commit, if sync { 2 } else { 0 }, "{tag} sync={sync}");
            drop(f);
            images.push(mem.inner().to_bytes());
        }
        assert_eq!(images[0], images[1], "{tag}: the same bytes either way");
        let f = File::from_bytes(images.pop().unwrap()).unwrap();
        let got = f.root().dataset("data").unwrap().read_2d::<f64>().unwrap();
        assert_eq!(got, rows(10, 1.0), "{tag}");
    }
}
