//! Appends rows to a log dataset, committing after every row: the workload the crash
//! tests kill at random points (crates/h5oxide/tests/crash_kill.rs, docs/CRASH_SAFETY.md).
//!
//! ```text
//! crash_append PATH N [--libver earliest|latest]
//! ```
//!
//! Opens PATH (creating it, in the given format generation, if it does not exist) and
//! appends N rows of 1024 `f64` to the dataset `/log` (shape (rows, 1024), unlimited
//! rows, one row per chunk), created empty if missing. Row `r` holds `r * 1024 + i` in
//! column `i`, so any reader can check every value. After opening, and after each row's
//! commit (`File::flush`), it prints `committed <rows>` and flushes standard output: a
//! printed count is on disk.

use std::io::Write;
use std::process::ExitCode;

use h5oxide::ndarray::s;
use h5oxide::{File, Libver, Mode};

/// Columns of `/log`.
const COLS: usize = 1024;

fn usage() -> ExitCode {
    eprintln!("usage: crash_append PATH N [--libver earliest|latest]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, n, libver) = match args.as_slice() {
        [p, n] => (p, n, Libver::Earliest),
        [p, n, flag, v] if flag == "--libver" => match v.as_str() {
            "earliest" => (p, n, Libver::Earliest),
            "latest" => (p, n, Libver::Latest),
            _ => return usage(),
        },
        _ => return usage(),
    };
    let Ok(n) = n.parse::<usize>() else {
        return usage();
    };
    match run(path, n, libver) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crash_append: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str, n: usize, libver: Libver) -> h5oxide::Result<()> {
    let f = File::options()
        .mode(Mode::Append)
        .libver(libver)
        .open(path)?;
    let mut log = if f.root().contains("log") {
        f.root().dataset("log")?
    } else {
        let d = f
            .root()
            .new_dataset::<f64>()
            .shape([0, COLS])
            .max_shape([None, Some(COLS)])
            .chunk([1, COLS])
            .create("log")?;
        f.flush()?;
        d
    };
    let mut rows = usize::try_from(log.shape()[0]).map_err(|_| h5oxide::Error::Usage("huge"))?;
    let mut out = std::io::stdout().lock();
    let mut report = |rows: usize| {
        // A closed standard output must not stop the appends.
        let _ = writeln!(out, "committed {rows}").and_then(|()| out.flush());
    };
    report(rows);
    for _ in 0..n {
        let row: Vec<f64> = (0..COLS).map(|i| (rows * COLS + i) as f64).collect();
        log.resize([rows + 1, COLS])?;
        log.write_slice(&row, s![rows..rows + 1, ..])?;
        f.flush()?;
        rows += 1;
        report(rows);
    }
    Ok(())
}
