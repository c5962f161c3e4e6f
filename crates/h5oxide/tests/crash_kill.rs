//! Crash consistency under SIGKILL: the `crash_append` example appends rows to `/log`,
//! committing after each one and printing the count, and is killed at random moments,
//! hundreds of times, in both format generations. After each kill the file must open, hold
//! at least the last printed count of rows and at most one more, with every value exact;
//! every tenth kill the C library reads the file too. Runs restart on the file the last
//! one left, so kills also land in edits of an existing file and in file creation.
//!
//! Environment: `H5OXIDE_CRASH_KILLS` (kills per generation, default 150),
//! `H5OXIDE_CRASH_SEED` (random seed; printed on failure), `H5OXIDE_CRASH_APPEND` (a
//! prebuilt example binary; otherwise it is built once in a target folder of its own).

#[path = "write_common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{c_walk, floats, h5dump, ints, temp_dir, walk_object, walk_paths};
use h5oxide::File;

const COLS: usize = 1024;

/// The example binary: `H5OXIDE_CRASH_APPEND`, else the one `cargo test` built beside the
/// tests, else built once in a folder of its own beside this build's (a nested cargo must
/// not wait on this build's lock).
fn example_exe() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        common::helper_binary(
            Some("H5OXIDE_CRASH_APPEND"),
            "examples/crash_append",
            &["-p", "h5oxide", "--example", "crash_append"],
            "crash-kill-example",
        )
    })
}

/// xorshift64*: reproducible delays from a printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The rows of `/log` a reader finds (None: no `/log`), every value checked.
fn rows_in(path: &Path) -> Result<Option<usize>, String> {
    let f = File::open(path).map_err(|e| format!("open: {e}"))?;
    if !f.root().contains("log") {
        return Ok(None);
    }
    let d = f.root().dataset("log").map_err(|e| e.to_string())?;
    let shape = d.shape();
    if shape.len() != 2 || shape[1] != COLS as u64 {
        return Err(format!("/log has shape {shape:?}"));
    }
    let v = d.read_raw::<f64>().map_err(|e| format!("read: {e}"))?;
    if let Some(i) = v.iter().enumerate().position(|(i, &x)| x != i as f64) {
        return Err(format!(
            "value {} at row {}, column {}: expected {i}",
            v[i],
            i / COLS,
            i % COLS
        ));
    }
    Ok(Some(shape[0] as usize))
}

/// The C library's reading of `/log`: its row count, after checking its structure (the
/// conformance walk) and every value (`h5dump`; the walk lists only the first 1000).
fn c_rows(path: &Path) -> usize {
    let walk = c_walk(path);
    assert_eq!(walk_paths(&walk), ["/", "/log"]);
    let o = walk_object(&walk, "/log");
    assert_eq!(o["dtype"].as_str(), "<f8");
    let shape = ints(&o["shape"]);
    assert_eq!(shape.len(), 2);
    assert_eq!(shape[1], COLS as i64);
    let rows = usize::try_from(shape[0]).unwrap();
    let first = floats(&o["values"], 8);
    assert_eq!(first.len(), (rows * COLS).min(1000));
    let text = h5dump(path, &["-d", "/log", "-m", "%.0f", "-y", "-w", "0"]);
    let data = &text[text.find("DATA {").expect("h5dump prints the data") + 6..];
    let data = &data[..data.find('}').unwrap()];
    let mut n = 0;
    for (i, v) in data
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .enumerate()
    {
        assert_eq!(v, i.to_string(), "libhdf5 reads a wrong value at {i}");
        n += 1;
    }
    assert_eq!(n, rows * COLS, "h5dump printed {n} values");
    rows
}

/// What one killed run printed last: `committed <n>`.
fn last_committed(out: &str) -> Option<usize> {
    out.lines()
        .filter_map(|l| l.strip_prefix("committed "))
        .filter_map(|n| n.trim().parse().ok())
        .next_back()
}

/// How the kills of one generation landed.
#[derive(Debug, Default)]
struct Tally {
    /// Before the first report of a run (opening, creating `/log`).
    before_report: u64,
    /// The rows on disk were the last printed count.
    at_printed: u64,
    /// One row more than printed: killed after a commit's superblock write.
    one_more: u64,
    /// The file was being created and did not open (nothing was committed).
    creation: u64,
    /// Kills cross-checked with libhdf5.
    c_checks: u64,
    /// Runs started on a new file.
    fresh: u64,
}

fn kill_runs(libver: &str, kills: u64, rng: &mut Rng, seed: u64) -> Tally {
    let dir = temp_dir(&format!("kill-{libver}"));
    let path = dir.join("log.h5");
    let exe = example_exe();
    // Rows known committed before the next run: None for no file (or no `/log`).
    let mut known: Option<usize> = None;
    let mut t = Tally::default();
    let mut since_c = 10;
    for kill in 0..kills {
        let ctx = format!("{libver} kill {kill} (seed {seed})");
        // Every 25 runs, or once the file is big, start over: kills then hit creation.
        if kill % 25 == 0 || known.is_some_and(|n| n > 300) {
            let _ = std::fs::remove_file(&path);
            known = None;
            t.fresh += 1;
        }
        let out_path = dir.join("out.txt");
        let err_path = dir.join("err.txt");
        let mut child = Command::new(exe)
            .arg(&path)
            .arg("1000000")
            .args(["--libver", libver])
            .stdout(Stdio::from(std::fs::File::create(&out_path).unwrap()))
            .stderr(Stdio::from(std::fs::File::create(&err_path).unwrap()))
            .spawn()
            .expect("the example runs");
        // Delays from the process start (opening, creating) to many commits in.
        let delay = if rng.below(4) == 0 {
            rng.below(250_000)
        } else {
            rng.below(60_000)
        };
        std::thread::sleep(Duration::from_micros(delay));
        let _ = child.kill();
        let status = child.wait().unwrap();
        assert!(
            !status.success() && status.code().is_none(),
            "{ctx}: the example ended by itself ({status}): {}",
            std::fs::read_to_string(&err_path).unwrap_or_default()
        );
        let printed = last_committed(&std::fs::read_to_string(&out_path).unwrap());
        let found = match rows_in(&path) {
            Ok(r) => r,
            // Nothing was ever committed to a file killed while it was being created.
            Err(_) if known.is_none() && printed.is_none() => {
                t.creation += 1;
                let _ = std::fs::remove_file(&path);
                continue;
            }
            Err(e) => panic!("{ctx}: the file does not read after the kill: {e}"),
        };
        match (printed, found) {
            (Some(p), Some(n)) => {
                assert!(
                    n == p || n == p + 1,
                    "{ctx}: {n} rows on disk, last printed count {p}"
                );
                if n == p {
                    t.at_printed += 1;
                } else {
                    t.one_more += 1;
                }
            }
            // Killed before the first report: the file is as the last run left it, or
            // (only for a new file) has gained an empty `/log`.
            (None, n) => {
                assert!(
                    n == known || (known.is_none() && n == Some(0)),
                    "{ctx}: {n:?} rows on disk, {known:?} before a run that printed nothing"
                );
                t.before_report += 1;
            }
            (Some(p), None) => panic!("{ctx}: printed {p} committed rows, but no /log"),
        }
        if let (Some(k), Some(n)) = (known, found) {
            assert!(n >= k, "{ctx}: rows went from {k} to {n}");
        }
        known = found;
        // Every tenth kill (the next one that left a `/log`), libhdf5 reads the file too.
        since_c += 1;
        if let Some(n) = found.filter(|_| since_c >= 10) {
            assert_eq!(c_rows(&path), n, "{ctx}: libhdf5 reads another row count");
            t.c_checks += 1;
            since_c = 0;
        }
    }
    // The last file is also readable by h5dump, and editable after all those kills.
    if path.exists() && known.is_some() {
        let before = known.unwrap_or(0);
        let status = Command::new(exe)
            .arg(&path)
            .arg("3")
            .args(["--libver", libver])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        assert_eq!(rows_in(&path).unwrap(), Some(before + 3));
        assert_eq!(c_rows(&path), before + 3);
        h5dump(&path, &["-H"]);
    }
    t
}

#[test]
fn sigkill_at_random_points_leaves_a_committed_state() {
    let kills = env_u64("H5OXIDE_CRASH_KILLS").unwrap_or(150);
    let seed = env_u64("H5OXIDE_CRASH_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    }) | 1;
    eprintln!("crash_kill: {kills} kills per generation, H5OXIDE_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let t = Instant::now();
    for libver in ["earliest", "latest"] {
        let tally = kill_runs(libver, kills, &mut rng, seed);
        eprintln!("crash_kill: {libver}: {kills} kills: {tally:?}");
        assert_eq!(
            tally.before_report + tally.at_printed + tally.one_more + tally.creation,
            kills
        );
        if kills >= 20 {
            assert!(
                tally.c_checks >= kills / 20,
                "{libver}: too few libhdf5 checks: {tally:?}"
            );
            assert!(
                tally.at_printed > 0,
                "{libver}: no kill landed between commits: {tally:?}"
            );
        }
    }
    eprintln!("crash_kill: {:.1} s", t.elapsed().as_secs_f64());
}

#[test]
fn the_example_appends_checkable_rows() {
    // Without kills: the rows are there, in both generations, and libhdf5 agrees.
    for libver in ["earliest", "latest"] {
        let dir = temp_dir(&format!("append-{libver}"));
        let path = dir.join("log.h5");
        for (n, want) in [(4, 4), (0, 4), (2, 6)] {
            let out = Command::new(example_exe())
                .arg(&path)
                .arg(n.to_string())
                .args(["--libver", libver])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            assert_eq!(last_committed(&text), Some(want), "{text}");
            assert_eq!(text.lines().count(), n + 1, "{text}");
        }
        assert_eq!(rows_in(&path).unwrap(), Some(6));
        assert_eq!(c_rows(&path), 6);
        let sb = File::open(&path).unwrap().superblock_version();
        assert_eq!(sb, if libver == "latest" { 3 } else { 0 });
    }
}
