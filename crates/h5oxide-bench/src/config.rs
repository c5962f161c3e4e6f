//! Command-line options and the sizes derived from them.

use std::path::PathBuf;

/// Columns of every 2-D `f64` dataset: rows of 8 KiB.
pub const COLS: u64 = 1024;
/// Rows per chunk: chunks of 128 x 1024 doubles, exactly 1 MiB.
pub const CHUNK_ROWS: u64 = 128;
/// Bytes of the contiguous and chunked datasets at scale 1.
const BASE_BYTES: f64 = 256.0 * 1024.0 * 1024.0;
/// Rows per slice in the slice-by-slice read.
pub const SLICE_ROWS: u64 = 100;

/// What to run and how big.
#[derive(Debug, Clone)]
pub struct Config {
    /// Scratch folder for the generated input files.
    pub dir: PathBuf,
    /// Size factor of the large datasets (1 = 256 MiB each).
    pub scale: f64,
    /// Timed runs per library and workload (after one warm-up).
    pub runs: usize,
    /// Stop repeating a workload once one library has spent this many seconds on it.
    pub budget_secs: f64,
    /// Print JSON instead of the table.
    pub json: bool,
    /// Run only workloads whose name contains this.
    pub only: Option<String>,
    /// Regenerate the inputs even if they match the options.
    pub regen: bool,
    /// Members of the wide groups.
    pub members: usize,
    /// Number of small datasets.
    pub small: usize,
    /// Number of attributes on one object.
    pub attrs: usize,
    /// Random rows (and random single elements) read one at a time.
    pub picks: usize,
    /// Rows of 64 bytes appended one at a time in the append workload.
    pub append_rows: u64,
    /// Variable-length strings read and written in the string workloads.
    pub strings: usize,
    /// Skip the peak-memory child processes.
    pub no_memory: bool,
    /// Internal: run one library's slice-by-slice read and print its peak RSS.
    pub child_mem: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            dir: PathBuf::from("/tmp/h5ox-bench"),
            scale: 1.0,
            runs: 3,
            budget_secs: 20.0,
            json: false,
            only: None,
            regen: false,
            members: 100_000,
            small: 10_000,
            attrs: 1_000,
            picks: 10_000,
            append_rows: 100_000,
            strings: 200_000,
            no_memory: false,
            child_mem: None,
        }
    }
}

/// The usage text.
pub const USAGE: &str = "\
h5ox-bench: reading and writing workloads, h5oxide and libhdf5 side by side in one process

usage: h5ox-bench [options]
  --dir PATH        scratch folder for generated inputs (default /tmp/h5ox-bench)
  --scale F         size factor of the large datasets; 1 = 256 MiB each (default 1)
  --full            the sizes the issues name: --scale 4 (1 GiB datasets)
  --runs N          timed runs per library, best one reported, after one warm-up (default 3)
  --budget SECS     stop repeating a workload once it has taken this long (default 20)
  --members N       links in the wide groups (default 100000)
  --small N         small datasets read by name (default 10000)
  --attrs N         attributes on one object (default 1000)
  --picks N         random rows / single elements read one at a time (default 10000)
  --append-rows N   rows of 64 bytes appended one by one (default 100000)
  --strings N       variable-length strings read and written (default 200000)
  --only TEXT       run only workloads whose name contains TEXT
  --regen           regenerate inputs even if they match the options
  --no-memory       skip the peak-memory measurement
  --json            print JSON instead of a table
";

impl Config {
    /// Parses `args` (without the program name).
    ///
    /// # Errors
    /// A message for an unknown option or a bad value.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let mut c = Config::default();
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
            match a.as_str() {
                "--dir" => c.dir = PathBuf::from(val("--dir")?),
                "--scale" => c.scale = num(&val("--scale")?)?,
                "--full" => c.scale = 4.0,
                "--runs" => c.runs = num(&val("--runs")?)?,
                "--budget" => c.budget_secs = num(&val("--budget")?)?,
                "--members" => c.members = num(&val("--members")?)?,
                "--small" => c.small = num(&val("--small")?)?,
                "--attrs" => c.attrs = num(&val("--attrs")?)?,
                "--picks" => c.picks = num(&val("--picks")?)?,
                "--append-rows" => c.append_rows = num(&val("--append-rows")?)?,
                "--strings" => c.strings = num(&val("--strings")?)?,
                "--only" => c.only = Some(val("--only")?),
                "--regen" => c.regen = true,
                "--no-memory" => c.no_memory = true,
                "--json" => c.json = true,
                "--child-mem" => c.child_mem = Some(val("--child-mem")?),
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown option {other}\n\n{USAGE}")),
            }
        }
        if c.scale.is_nan() || c.scale <= 0.0 || c.runs == 0 {
            return Err("--scale must be positive and --runs at least 1".to_owned());
        }
        Ok(c)
    }

    /// Rows of the large 2-D datasets: a whole number of chunks, at least one.
    pub fn rows(&self) -> u64 {
        let rows = BASE_BYTES * self.scale / (COLS as f64 * 8.0);
        ((rows / CHUNK_ROWS as f64).round() as u64).max(1) * CHUNK_ROWS
    }

    /// Bytes of one large dataset.
    pub fn big_bytes(&self) -> u64 {
        self.rows() * COLS * 8
    }

    /// The options that shape the generated files, to tell whether they must be rebuilt.
    pub fn manifest(&self) -> String {
        format!(
            "v2 rows={} cols={COLS} chunk_rows={CHUNK_ROWS} members={} small={} attrs={} \
             strings={}\n",
            self.rows(),
            self.members,
            self.small,
            self.attrs,
            self.strings
        )
    }

    /// Whether workload `name` is selected.
    pub fn wants(&self, name: &str) -> bool {
        self.only.as_deref().is_none_or(|o| name.contains(o))
    }

    /// A path in the scratch folder.
    pub fn path(&self, file: &str) -> String {
        self.dir.join(file).to_string_lossy().into_owned()
    }
}

fn num<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("not a number: {s}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        Config::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn default_sizes_are_256_mib_in_whole_chunks() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.rows(), 32768);
        assert_eq!(c.big_bytes(), 256 << 20);
        assert_eq!(c.runs, 3);
        let full = parse(&["--full"]).unwrap();
        assert_eq!(full.big_bytes(), 1 << 30);
        // Tiny scales still give one whole chunk.
        assert_eq!(parse(&["--scale", "0.0001"]).unwrap().rows(), CHUNK_ROWS);
    }

    #[test]
    fn options_parse_and_errors_are_reported() {
        let c = parse(&["--runs", "5", "--only", "gzip", "--json", "--dir", "/x"]).unwrap();
        assert_eq!(c.runs, 5);
        assert!(c.json);
        assert!(c.wants("chunked gzip-6 read whole"));
        assert!(!c.wants("contiguous f64 read whole"));
        assert_eq!(c.path("a.h5"), "/x/a.h5");
        assert!(parse(&["--runs", "0"]).is_err());
        assert!(parse(&["--scale", "-1"]).is_err());
        assert!(parse(&["--scale", "NaN"]).is_err());
        assert!(parse(&["--runs"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }

    #[test]
    fn manifest_changes_with_the_generated_sizes() {
        let a = parse(&[]).unwrap();
        let b = parse(&["--members", "10"]).unwrap();
        let c = parse(&["--runs", "9"]).unwrap();
        assert_ne!(a.manifest(), b.manifest());
        assert_eq!(a.manifest(), c.manifest());
    }
}
