//! Mutation sweep: every fixture of the corpus, mutated many times with deterministic
//! pseudo-random edits (bit flips, byte sets, truncations, splices), is opened and walked in
//! full. Each case must end in `Ok` or `Err`: a panic or a case slower than the time bound
//! fails the test with the fixture, the case's seed and the mutation, which replay it.
//!
//! `H5OXIDE_SWEEP_COUNT` sets the mutations per fixture (default below), `H5OXIDE_SWEEP_SEED`
//! the base seed, `H5OXIDE_SWEEP_ONLY` a substring of the fixture names to sweep and
//! `H5OXIDE_SWEEP_CASE` one case index to replay (with the fixture and seed of a report).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use h5oxide_conformance::corpus::{files_dir, fixture_files};
use h5oxide_conformance::mutate::{structure_offsets, sweep_limits, walk_bytes, Mutation, Rng};

/// Mutations per fixture when `H5OXIDE_SWEEP_COUNT` is unset: the whole sweep then takes
/// well under a minute in release and under three in debug on two cores.
const DEFAULT_COUNT: u64 = if cfg!(debug_assertions) { 60 } else { 600 };

/// The base seed when `H5OXIDE_SWEEP_SEED` is unset.
const DEFAULT_SEED: u64 = 0x4835_6f78_6964_6521;

/// Longest one case (open + full walk) may take.
const CASE_DEADLINE: Duration = Duration::from_secs(5);

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// The seed of case `index` of a fixture: replaying needs only this number.
fn case_seed(base: u64, fixture: &str, index: u64) -> u64 {
    let mut h = base;
    for b in fixture.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    Rng::new(h ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15)).next_u64()
}

/// The mutations of one case: usually one, sometimes up to four stacked.
fn case_mutations(seed: u64, len: usize, hot: &[usize]) -> Vec<Mutation> {
    let mut rng = Rng::new(seed);
    let n = if rng.below(4) == 0 {
        2 + rng.below(3)
    } else {
        1
    };
    (0..n)
        .map(|_| Mutation::random(&mut rng, len, hot))
        .collect()
}

/// A case in progress on a worker: what it is and when it started.
#[derive(Clone)]
struct Running {
    what: String,
    since: Instant,
}

#[test]
fn mutated_fixtures_end_in_ok_or_err() {
    let count = env_u64("H5OXIDE_SWEEP_COUNT").unwrap_or(DEFAULT_COUNT);
    let base = env_u64("H5OXIDE_SWEEP_SEED").unwrap_or(DEFAULT_SEED);
    let only = std::env::var("H5OXIDE_SWEEP_ONLY").unwrap_or_default();
    let cases: Vec<u64> = match env_u64("H5OXIDE_SWEEP_CASE") {
        Some(i) => vec![i],
        None => (0..count).collect(),
    };
    let files: Vec<PathBuf> = fixture_files(&files_dir())
        .expect("fixture corpus")
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(&only))
        .collect();
    assert!(
        only.is_empty() || !files.is_empty(),
        "no fixture matches {only}"
    );
    assert!(
        files.len() >= 40 || !only.is_empty(),
        "corpus has {} files",
        files.len()
    );

    let workers = thread::available_parallelism().map_or(2, |n| n.get().min(4));
    let next = Arc::new(AtomicUsize::new(0));
    let files = Arc::new(files);
    let running: Arc<Mutex<Vec<Option<Running>>>> = Arc::new(Mutex::new(vec![None; workers]));
    let failures: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();

    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let (next, files, running, failures, done, cases) = (
                next.clone(),
                files.clone(),
                running.clone(),
                failures.clone(),
                done.clone(),
                cases.clone(),
            );
            thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(path) = files.get(i) else { break };
                let name = path
                    .strip_prefix(files_dir())
                    .unwrap_or(path)
                    .display()
                    .to_string();
                let original = std::fs::read(path).expect("read fixture");
                let hot = structure_offsets(&original);
                for &index in &cases {
                    let seed = case_seed(base, &name, index);
                    let muts = case_mutations(seed, original.len(), &hot);
                    let what = format!(
                        "{name} case {index} seed {seed:#018x}: {}",
                        muts.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    running.lock().unwrap()[w] = Some(Running {
                        what: what.clone(),
                        since: Instant::now(),
                    });
                    let mut bytes = original.clone();
                    for m in &muts {
                        m.apply(&mut bytes);
                    }
                    let t = Instant::now();
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        let r = walk_bytes(bytes, sweep_limits());
                        if cases.len() == 1 {
                            match r {
                                Ok(w) => eprintln!(
                                    "{} objects, {} values, errors {:?}",
                                    w.objects, w.values, w.errors
                                ),
                                Err(e) => eprintln!("open failed: {e}"),
                            }
                        }
                    }));
                    let took = t.elapsed();
                    if cases.len() == 1 {
                        eprintln!("{what}: {took:?}");
                    }
                    if let Err(p) = outcome {
                        let msg = p
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_default();
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("PANIC {what}: {msg}"));
                    } else if took > CASE_DEADLINE {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("SLOW ({took:?}) {what}"));
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                }
                running.lock().unwrap()[w] = None;
            })
        })
        .collect();

    // Watchdog: a case that never returns (a hang) fails the test while it is still running.
    loop {
        if handles.iter().all(|h| h.is_finished()) {
            break;
        }
        let hung: Vec<String> = running
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .filter(|r| r.since.elapsed() > CASE_DEADLINE * 4)
            .map(|r| r.what.clone())
            .collect();
        assert!(
            hung.is_empty(),
            "cases hang (over {:?}): {hung:#?}",
            CASE_DEADLINE * 4
        );
        thread::sleep(Duration::from_millis(50));
    }
    for h in handles {
        h.join().expect("worker thread");
    }
    let failures = failures.lock().unwrap();
    eprintln!(
        "mutation sweep: {} cases over {} files in {:?}, {} failures",
        done.load(Ordering::SeqCst),
        files.len(),
        started.elapsed(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of the mutated files panicked or were too slow:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn case_seeds_and_mutations_are_deterministic() {
    let a = case_mutations(case_seed(DEFAULT_SEED, "x.h5", 7), 4096, &[0, 96]);
    let b = case_mutations(case_seed(DEFAULT_SEED, "x.h5", 7), 4096, &[0, 96]);
    assert_eq!(a, b);
    let c = case_mutations(case_seed(DEFAULT_SEED, "x.h5", 8), 4096, &[0, 96]);
    assert_ne!(a, c);
}
