//! Timing (best of N after a warm-up), result fingerprints, and peak resident memory.

use std::time::{Duration, Instant};

/// What a workload returns, so the two libraries' answers can be compared.
#[derive(Debug)]
pub enum Output {
    /// Values read.
    F64(Vec<f64>),
    /// A fingerprint the workload folded while reading (for reads too large to keep) and
    /// the number of values folded.
    Folded(u64, u64),
    /// Names, in the order listed.
    Names(Vec<String>),
    /// Named value arrays, in the order listed.
    Named(Vec<(String, Vec<f64>)>),
}

/// A 64-bit fingerprint of a stream of words: enough to tell two reads apart, not a
/// cryptographic hash.
#[derive(Debug, Clone, Copy)]
pub struct Fold(u64);

impl Default for Fold {
    fn default() -> Self {
        Fold(0x243F_6A88_85A3_08D3)
    }
}

impl Fold {
    /// Adds one word.
    #[inline]
    pub fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(23) ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    /// Adds the bit patterns of `values` (so -0.0 and 0.0, or two NaNs, differ).
    pub fn add_f64(&mut self, values: &[f64]) {
        for v in values {
            self.add(v.to_bits());
        }
    }

    /// Adds the bytes of a string and its length.
    pub fn add_str(&mut self, s: &str) {
        for c in s.as_bytes().chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        self.add(s.len() as u64);
    }

    /// The fingerprint so far.
    pub fn value(&self) -> u64 {
        self.0
    }
}

impl Output {
    /// The fingerprint and the number of items (values, names) of the output.
    pub fn fingerprint(&self) -> (u64, u64) {
        let mut f = Fold::default();
        match self {
            Output::F64(v) => {
                f.add_f64(v);
                (f.value(), v.len() as u64)
            }
            Output::Folded(h, n) => (*h, *n),
            Output::Names(names) => {
                for n in names {
                    f.add_str(n);
                }
                (f.value(), names.len() as u64)
            }
            Output::Named(items) => {
                for (n, v) in items {
                    f.add_str(n);
                    f.add_f64(v);
                }
                (f.value(), items.len() as u64)
            }
        }
    }
}

/// The result of timing one library on one workload.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The fastest timed run.
    pub best: Duration,
    /// Timed runs done (fewer than asked when the time budget ran out).
    pub runs: usize,
    /// Fingerprint of the warm-up run's output.
    pub fingerprint: (u64, u64),
}

/// Runs `f` once to warm up (page cache, lazy initialisation) and fingerprints its output,
/// then `runs` more times, stopping early once `budget` has been spent; reports the best.
/// When the warm-up alone exceeds the budget, it is the one reported run. `before` runs
/// untimed ahead of each run (writers remove their output there, so every run writes a
/// new file rather than replacing the last run's).
pub fn time(
    runs: usize,
    budget: Duration,
    before: &mut dyn FnMut(),
    mut f: impl FnMut() -> Output,
) -> Timing {
    let start = Instant::now();
    before();
    let t = Instant::now();
    let out = f();
    let warm = t.elapsed();
    let fingerprint = out.fingerprint();
    drop(out);
    if warm >= budget {
        return Timing {
            best: warm,
            runs: 1,
            fingerprint,
        };
    }
    let mut best = Duration::MAX;
    let mut done = 0;
    while done < runs {
        before();
        let t = Instant::now();
        let out = f();
        best = best.min(t.elapsed());
        drop(out);
        done += 1;
        if start.elapsed() >= budget {
            break;
        }
    }
    Timing {
        best,
        runs: done,
        fingerprint,
    }
}

/// Peak resident set size of this process so far (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Current resident set size (`VmRSS`), in KiB.
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_outputs_apart() {
        let fp = |o: Output| o.fingerprint();
        assert_eq!(
            fp(Output::F64(vec![1.0, 2.0])),
            fp(Output::F64(vec![1.0, 2.0]))
        );
        assert_ne!(
            fp(Output::F64(vec![1.0, 2.0])),
            fp(Output::F64(vec![2.0, 1.0]))
        );
        assert_ne!(fp(Output::F64(vec![0.0])), fp(Output::F64(vec![-0.0])));
        assert_ne!(
            fp(Output::Names(vec!["ab".into(), "c".into()])),
            fp(Output::Names(vec!["a".into(), "bc".into()]))
        );
        assert_ne!(
            fp(Output::Named(vec![("a".into(), vec![1.0])])),
            fp(Output::Named(vec![("a".into(), vec![1.5])]))
        );
        // A fold over the values equals the fingerprint of the values.
        let mut f = Fold::default();
        f.add_f64(&[3.0, 4.0]);
        assert_eq!(
            Output::Folded(f.value(), 2).fingerprint(),
            fp(Output::F64(vec![3.0, 4.0]))
        );
    }

    #[test]
    fn timing_reports_the_best_run_and_respects_the_budget() {
        let mut n = 0u64;
        let mut prepared = 0;
        let t = time(3, Duration::from_secs(60), &mut || prepared += 1, || {
            n += 1;
            // Later runs are shorter: the best is the last.
            std::thread::sleep(Duration::from_millis(40 / n));
            Output::F64(vec![1.0])
        });
        assert_eq!(n, 4, "one warm-up and three timed runs");
        assert_eq!(prepared, 4, "each run is prepared");
        assert_eq!(t.runs, 3);
        // The best run is the shortest: the timed runs sleep 20, 13 and 10 ms; the bound
        // leaves room for a loaded machine's late wake-ups.
        assert!(t.best < Duration::from_millis(40), "{:?}", t.best);
        let t = time(3, Duration::from_millis(1), &mut || {}, || {
            std::thread::sleep(Duration::from_millis(5));
            Output::F64(vec![])
        });
        assert_eq!(t.runs, 1, "a warm-up over budget is the only run");
    }

    #[test]
    fn own_memory_figures_are_read() {
        // The peak is read last: it can only have grown since the current figure was read
        // (other tests allocate in parallel).
        let rss = rss_kib();
        let peak = peak_rss_kib();
        assert!(peak > 0);
        assert!(rss <= peak);
    }
}
