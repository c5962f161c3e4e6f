//! `h5ox-bench`: reading workloads run with h5oxide and with the HDF5 C library (libhdf5)
//! in one process, on inputs the C library writes, and writing workloads run with both,
//! with a table or JSON of the best times.
//!
//! Every reading workload's output is compared between the two libraries, and every file a
//! writing workload wrote is read back by libhdf5; a difference ends the run with an error.
//! See docs/PERFORMANCE.md for the workloads and the latest numbers.
#![deny(missing_docs)]

mod config;
mod ffi;
mod generate;
mod measure;
mod report;
mod workloads;
mod writes;

use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use config::Config;
use measure::Output;
use report::{MemoryRow, Row};

fn main() -> ExitCode {
    let cfg = match Config::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    ffi::init();
    if let Some(lib) = &cfg.child_mem {
        return child_memory(&cfg, lib);
    }
    let t = Instant::now();
    let reads = workloads::all(&cfg);
    let wants_memory = !(cfg.no_memory || !cfg.wants("memory") && cfg.only.is_some());
    if !reads.is_empty() || wants_memory {
        generate::ensure_inputs(&cfg);
    }
    if let Err(e) = std::fs::create_dir_all(&cfg.dir) {
        eprintln!("cannot create {}: {e}", cfg.dir.display());
        return ExitCode::FAILURE;
    }
    let budget = Duration::from_secs_f64(cfg.budget_secs);
    let mut rows = Vec::new();
    for w in reads {
        match run(&cfg, budget, &mut |_| {}, w) {
            Ok(row) => rows.push(row),
            Err(()) => return ExitCode::FAILURE,
        }
    }
    for w in writes::all(&cfg) {
        let (workload, check) = w.split();
        match run(
            &cfg,
            budget,
            &mut |side| check.remove_output(side),
            workload,
        ) {
            Ok(row) => rows.push(row),
            Err(()) => return ExitCode::FAILURE,
        }
        if let Err(msg) = check.check() {
            eprintln!("{msg}");
            return ExitCode::FAILURE;
        }
    }
    let memory = if !wants_memory {
        Vec::new()
    } else {
        match memory_rows(&cfg) {
            Ok(m) => m,
            Err(msg) => {
                eprintln!("{msg}");
                return ExitCode::FAILURE;
            }
        }
    };
    let machine = report::Machine::probe();
    if cfg.json {
        println!("{}", report::json(&cfg, &machine, &rows, &memory));
    } else {
        print!("{}", report::table(&cfg, &machine, &rows, &memory));
    }
    eprintln!("total {:.0} s", t.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

/// Times one workload on both sides; an error (after a message) when their outputs differ.
fn run(
    cfg: &Config,
    budget: Duration,
    before: &mut dyn FnMut(usize),
    mut w: workloads::Workload<'_>,
) -> Result<Row, ()> {
    eprintln!("running: {}", w.name);
    let ox = measure::time(cfg.runs, budget, &mut || before(0), &mut w.ox);
    let c = measure::time(cfg.runs, budget, &mut || before(1), &mut w.c);
    if ox.fingerprint != c.fingerprint {
        eprintln!(
            "MISMATCH in \"{}\": h5oxide read {} items (fingerprint {:016x}), libhdf5 {} items ({:016x})",
            w.name, ox.fingerprint.1, ox.fingerprint.0, c.fingerprint.1, c.fingerprint.0
        );
        return Err(());
    }
    Ok(Row {
        name: w.name,
        bytes: w.bytes,
        ox,
        c,
    })
}

/// The libraries (and backends) whose peak memory is measured, as `--child-mem` names.
const MEMORY_SIDES: [(&str, &str); 3] = [
    ("h5oxide", "h5oxide (mmap, the default)"),
    ("h5oxide-pread", "h5oxide (positional reads)"),
    ("libhdf5", "libhdf5"),
];

/// Runs the slice-by-slice read once per library in a fresh child process and collects
/// each child's peak RSS; the children's fingerprints must agree.
fn memory_rows(cfg: &Config) -> Result<Vec<MemoryRow>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own executable: {e}"))?;
    let mut out = Vec::new();
    let mut reference: Option<String> = None;
    for (arg, label) in MEMORY_SIDES {
        eprintln!("memory: {label}");
        let res = Command::new(&exe)
            .arg("--dir")
            .arg(&cfg.dir)
            .arg("--scale")
            .arg(cfg.scale.to_string())
            .arg("--members")
            .arg(cfg.members.to_string())
            .arg("--small")
            .arg(cfg.small.to_string())
            .arg("--attrs")
            .arg(cfg.attrs.to_string())
            .arg("--child-mem")
            .arg(arg)
            .output()
            .map_err(|e| format!("cannot run the memory child: {e}"))?;
        let text = String::from_utf8_lossy(&res.stdout).into_owned();
        let fields: Vec<&str> = text.split_whitespace().collect();
        let (Some(start), Some(peak), Some(fp)) = (
            fields.first().and_then(|v| v.parse().ok()),
            fields.get(1).and_then(|v| v.parse().ok()),
            fields.get(2),
        ) else {
            return Err(format!(
                "memory child for {label} failed: {}{}",
                text,
                String::from_utf8_lossy(&res.stderr)
            ));
        };
        match &reference {
            Some(r) if r != fp => {
                return Err(format!(
                    "MISMATCH in the slice-by-slice read: {label} gave {fp}, expected {r}"
                ))
            }
            _ => reference = Some((*fp).to_owned()),
        }
        out.push(MemoryRow {
            label,
            start_kib: start,
            peak_kib: peak,
        });
    }
    Ok(out)
}

/// Child mode: one library reads the gzip dataset slice by slice; prints the resident set
/// size before reading, the peak after, and the fingerprint of what was read.
fn child_memory(cfg: &Config, lib: &str) -> ExitCode {
    let path = cfg.path("chunked.h5");
    let start = measure::rss_kib();
    let out: Output = match lib {
        "h5oxide" => workloads::ox_slices(&path, true),
        "h5oxide-pread" => workloads::ox_slices(&path, false),
        "libhdf5" => workloads::c_slices(&path),
        other => {
            eprintln!("unknown library {other}");
            return ExitCode::from(2);
        }
    };
    let peak = measure::peak_rss_kib();
    let (fp, n) = out.fingerprint();
    println!("{start} {peak} {fp:016x}/{n}");
    ExitCode::SUCCESS
}
