//! Replays every saved input under `regressions/<target>/` through its target once. Each file
//! is an input that once crashed, hung or exhausted memory; all must now pass, except those
//! listed in `regressions/open.txt` (known bugs not fixed yet: listed, not run, since an
//! allocation failure aborts the process).

use std::fs;
use std::panic;
use std::path::Path;
use std::time::{Duration, Instant};

/// A replay slower than this is reported: the fuzzer's own timeout is 10 s on an instrumented
/// build, so a plain build should be far below it.
const SLOW: Duration = Duration::from_secs(10);

#[test]
fn regressions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let open: Vec<String> = fs::read_to_string(root.join("open.txt"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    for name in &open {
        assert!(
            root.join(name).is_file(),
            "regressions/open.txt lists missing {name}"
        );
    }
    let mut failures = Vec::new();
    let mut count = 0;
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let target = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            h5oxide_fuzz::targets::NAMES.contains(&target.as_str()),
            "regressions/{target}: no fuzz target of that name"
        );
        let mut files: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let name = format!("{target}/{}", file.file_name().unwrap().to_string_lossy());
            if open.contains(&name) {
                println!("open {name} (known bug, not replayed)");
                continue;
            }
            let data = fs::read(&file).unwrap();
            let start = Instant::now();
            let outcome = panic::catch_unwind(|| h5oxide_fuzz::targets::run(&target, &data));
            let took = start.elapsed();
            count += 1;
            match outcome {
                Err(_) => failures.push(format!("{name}: panicked")),
                Ok(_) if took > SLOW => failures.push(format!("{name}: took {took:?}")),
                Ok(_) => println!("ok {name} ({took:?})"),
            }
        }
    }
    println!("{count} regression inputs replayed, {} open", open.len());
    assert!(
        failures.is_empty(),
        "failing regression inputs:\n{}",
        failures.join("\n")
    );
}
