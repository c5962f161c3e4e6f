//! The results as a text table or as JSON.

use std::fmt::Write;
use std::time::Duration;

use crate::config::Config;
use crate::measure::Timing;

/// One workload's results.
pub struct Row {
    /// Workload name.
    pub name: String,
    /// Bytes of values delivered per run, where throughput applies.
    pub bytes: Option<u64>,
    /// h5oxide's timing.
    pub ox: Timing,
    /// libhdf5's timing.
    pub c: Timing,
}

impl Row {
    /// libhdf5 time / h5oxide time: above 1 means h5oxide is faster.
    fn ratio(&self) -> f64 {
        self.c.best.as_secs_f64() / self.ox.best.as_secs_f64().max(1e-12)
    }
}

/// One library's peak memory in the slice-by-slice read.
pub struct MemoryRow {
    /// Library (and backend).
    pub label: &'static str,
    /// Resident set size before reading, KiB.
    pub start_kib: u64,
    /// Peak resident set size (`VmHWM`) at the end, KiB.
    pub peak_kib: u64,
}

/// What the numbers were measured on.
pub struct Machine {
    /// Logical CPUs available.
    pub cpus: usize,
    /// CPU model name.
    pub cpu: String,
    /// Total memory, GiB.
    pub mem_gib: f64,
    /// Load averages at the end of the run.
    pub load: String,
}

impl Machine {
    /// Reads the machine's description from /proc.
    pub fn probe() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        let load = std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            mem_gib: mem_kib / 1024.0 / 1024.0,
            load,
        }
    }
}

fn fmt_time(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.1} us", s * 1e6)
    }
}

fn mb_s(bytes: Option<u64>, d: Duration) -> Option<f64> {
    bytes.map(|b| b as f64 / 1e6 / d.as_secs_f64().max(1e-12))
}

/// The table, with a header naming the machine and the method.
pub fn table(cfg: &Config, m: &Machine, rows: &[Row], memory: &[MemoryRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "machine: {} CPUs, {}, {:.1} GiB; load average at end: {}",
        m.cpus, m.cpu, m.mem_gib, m.load
    );
    let _ = writeln!(
        s,
        "large datasets: {} x 1024 f64 = {} MiB; best of {} runs after one warm-up, page cache warm for both",
        cfg.rows(),
        cfg.big_bytes() >> 20,
        cfg.runs
    );
    let _ = writeln!(s);
    let w = rows.iter().map(|r| r.name.len()).max().unwrap_or(8).max(8);
    let _ = writeln!(
        s,
        "| {:<w$} | {:>10} | {:>10} | {:>6} | {:>12} | {:>12} |",
        "workload", "h5oxide", "libhdf5", "ratio", "h5oxide MB/s", "libhdf5 MB/s"
    );
    let _ = writeln!(
        s,
        "|{}|{}|{}|{}|{}|{}|",
        "-".repeat(w + 2),
        "-".repeat(11) + ":",
        "-".repeat(11) + ":",
        "-".repeat(7) + ":",
        "-".repeat(13) + ":",
        "-".repeat(13) + ":"
    );
    let opt = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.0}"));
    for r in rows {
        let runs = if r.ox.runs < cfg.runs || r.c.runs < cfg.runs {
            format!(" (runs: {}/{})", r.ox.runs, r.c.runs)
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "| {:<w$} | {:>10} | {:>10} | {:>6.2} | {:>12} | {:>12} |{runs}",
            r.name,
            fmt_time(r.ox.best),
            fmt_time(r.c.best),
            r.ratio(),
            opt(mb_s(r.bytes, r.ox.best)),
            opt(mb_s(r.bytes, r.c.best)),
        );
    }
    let _ = writeln!(
        s,
        "\nratio = libhdf5 time / h5oxide time (> 1: h5oxide faster)"
    );
    if !memory.is_empty() {
        let _ = writeln!(
            s,
            "\npeak RSS, gzip dataset read in 100-row slices, one child process per library:\n"
        );
        let _ = writeln!(
            s,
            "| {:<28} | {:>14} | {:>12} |",
            "library", "RSS before", "peak RSS"
        );
        let _ = writeln!(
            s,
            "|{}|{}:|{}:|",
            "-".repeat(30),
            "-".repeat(15),
            "-".repeat(13)
        );
        for m in memory {
            let _ = writeln!(
                s,
                "| {:<28} | {:>10.1} MiB | {:>8.1} MiB |",
                m.label,
                m.start_kib as f64 / 1024.0,
                m.peak_kib as f64 / 1024.0
            );
        }
    }
    s
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o
}

fn num(v: Option<f64>) -> String {
    v.filter(|v| v.is_finite())
        .map_or("null".to_owned(), |v| format!("{v}"))
}

/// The results as one JSON object.
pub fn json(cfg: &Config, m: &Machine, rows: &[Row], memory: &[MemoryRow]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{{\"machine\":{{\"cpus\":{},\"cpu\":\"{}\",\"mem_gib\":{:.1},\"load\":\"{}\"}},",
        m.cpus,
        esc(&m.cpu),
        m.mem_gib,
        esc(&m.load)
    );
    let _ = write!(
        s,
        "\"config\":{{\"rows\":{},\"cols\":1024,\"big_bytes\":{},\"runs\":{},\"members\":{},\"small\":{},\"attrs\":{},\"picks\":{}}},",
        cfg.rows(),
        cfg.big_bytes(),
        cfg.runs,
        cfg.members,
        cfg.small,
        cfg.attrs,
        cfg.picks
    );
    s.push_str("\"workloads\":[");
    for (k, r) in rows.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            "{{\"name\":\"{}\",\"h5oxide_s\":{},\"libhdf5_s\":{},\"ratio\":{},\"bytes\":{},\"h5oxide_mb_s\":{},\"libhdf5_mb_s\":{},\"h5oxide_runs\":{},\"libhdf5_runs\":{}}}",
            esc(&r.name),
            r.ox.best.as_secs_f64(),
            r.c.best.as_secs_f64(),
            num(Some(r.ratio())),
            r.bytes.map_or("null".to_owned(), |b| b.to_string()),
            num(mb_s(r.bytes, r.ox.best)),
            num(mb_s(r.bytes, r.c.best)),
            r.ox.runs,
            r.c.runs
        );
    }
    s.push_str("],\"memory\":[");
    for (k, m) in memory.iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            "{{\"library\":\"{}\",\"start_rss_kib\":{},\"peak_rss_kib\":{}}}",
            esc(m.label),
            m.start_kib,
            m.peak_kib
        );
    }
    s.push_str("]}");
    s
}
