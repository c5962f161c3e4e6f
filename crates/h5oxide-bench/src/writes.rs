//! The writing workloads, each written once for h5oxide and once for libhdf5 the way a
//! user of each library would write it, into files of their own in the scratch folder.
//!
//! A timed run creates its file and closes it: both libraries commit once, at the end
//! (h5oxide's commit syncs the file to disk twice, see docs/CRASH_SAFETY.md; libhdf5
//! closes without syncing). The runs return nothing to compare; instead both files are
//! read back by libhdf5 after timing and must hold exactly the values meant to be written
//! ([`WriteWorkload::check`]).

use h5oxide::ndarray::{s, ArrayView2};
use h5oxide::File;

use crate::config::{Config, CHUNK_ROWS, COLS};
use crate::ffi::{self, Filter};
use crate::generate;
use crate::measure::{Fold, Output};
use crate::workloads::Workload;

/// Values per appended row: 64 bytes.
pub const APPEND_COLS: u64 = 8;
/// Rows per chunk of the appended dataset (64 KiB chunks).
pub const APPEND_CHUNK_ROWS: u64 = 1024;

/// A writing workload: its timed runs and the check of what they wrote.
pub struct WriteWorkload {
    /// The timed runs.
    pub workload: Workload<'static>,
    /// The check of the files after timing.
    pub check: WriteCheck,
}

impl WriteWorkload {
    /// The timed runs and the check, apart.
    pub fn split(self) -> (Workload<'static>, WriteCheck) {
        (self.workload, self.check)
    }
}

/// The files a writing workload's two sides write, and how to read them back.
pub struct WriteCheck {
    /// The workload's name.
    name: String,
    /// The files h5oxide and libhdf5 write.
    files: [String; 2],
    /// What libhdf5 reads from a file written by either side.
    read_back: fn(&str) -> Output,
    /// What the files must hold.
    expected: Output,
}

impl WriteCheck {
    /// Removes the output file of one side (0: h5oxide, 1: libhdf5) left by an earlier
    /// run, if there.
    pub fn remove_output(&self, side: usize) {
        let f = &self.files[side];
        match std::fs::remove_file(f) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("cannot remove {f}: {e}"),
            _ => {}
        }
    }

    /// Reads both files back with libhdf5 and compares them with the values written.
    ///
    /// # Errors
    /// A message naming the file whose contents differ.
    pub fn check(&self) -> Result<(), String> {
        let want = self.expected.fingerprint();
        for (file, who) in self.files.iter().zip(["h5oxide", "libhdf5"]) {
            let got = (self.read_back)(file).fingerprint();
            if got != want {
                return Err(format!(
                    "MISMATCH in \"{}\": libhdf5 reads {} items ({:016x}) from the file {who} wrote, \
                     expected {} ({:016x})",
                    self.name, got.1, got.0, want.1, want.0
                ));
            }
        }
        Ok(())
    }
}

fn ok<T>(what: &str, r: h5oxide::Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("h5oxide failed to {what}: {e}"))
}

/// Every selected writing workload.
pub fn all(cfg: &Config) -> Vec<WriteWorkload> {
    let mut w = Vec::new();
    // Built only when selected: the gzip workload's input is the size of the dataset.
    if cfg.wants(&small_name(cfg)) {
        w.push(small_datasets(cfg));
    }
    for (gzip, sync) in [(false, true), (false, false), (true, true)] {
        if cfg.wants(&big_name(cfg, gzip, sync)) {
            w.push(big(cfg, gzip, sync));
        }
    }
    if cfg.wants(&append_name(cfg)) {
        w.push(append(cfg));
    }
    if cfg.wants(&strings_name(cfg)) {
        w.push(strings(cfg));
    }
    w
}

fn strings_name(cfg: &Config) -> String {
    format!("write: {} variable-length strings", cfg.strings)
}

fn small_name(cfg: &Config) -> String {
    format!("write: {} small datasets + 1 attribute each", cfg.small)
}

fn big_name(cfg: &Config, gzip: bool, sync: bool) -> String {
    let mib = cfg.big_bytes() >> 20;
    match (gzip, sync) {
        (true, _) => format!("write: chunked gzip-6 ({mib} MiB)"),
        (false, true) => format!("write: contiguous f64 ({mib} MiB), synced (libhdf5 + fsync)"),
        (false, false) => format!("write: contiguous f64 ({mib} MiB), no syncs"),
    }
}

fn append_name(cfg: &Config) -> String {
    format!(
        "write: append {} rows of 64 bytes, one commit",
        cfg.append_rows
    )
}

fn files(cfg: &Config, stem: &str) -> [String; 2] {
    [
        cfg.path(&format!("write_{stem}_h5oxide.h5")),
        cfg.path(&format!("write_{stem}_libhdf5.h5")),
    ]
}

/// A finished output, from values and a count of items.
fn folded(f: &Fold, n: u64) -> Output {
    Output::Folded(f.value(), n)
}

fn small_datasets(cfg: &Config) -> WriteWorkload {
    let n = cfg.small;
    let [ox_path, c_path] = files(cfg, "small");
    let mut f = Fold::default();
    for k in 0..n {
        f.add_f64(&generate::small_values(k));
        f.add_f64(&[k as f64]);
    }
    fn read_back(path: &str) -> Output {
        let file = ffi::open_file(path);
        let g = ffi::open_group(&file, "small");
        let (mut f, mut n) = (Fold::default(), 0);
        for name in ffi::link_names(&g) {
            let d = ffi::open_dataset(&g, &std::ffi::CString::new(name).unwrap_or_default());
            let mut v = vec![0f64; ffi::extent_len(&ffi::dataset_space(&d))];
            ffi::read_f64(&d, None, None, &mut v);
            f.add_f64(&v);
            for (_, a) in ffi::read_attrs(&d) {
                f.add_f64(&a);
            }
            n += 1;
        }
        folded(&f, n)
    }
    let files = [ox_path.clone(), c_path.clone()];
    WriteWorkload {
        workload: Workload {
            name: small_name(cfg),
            bytes: None,
            ox: Box::new(move || {
                let file = ok("create the file", File::create(&ox_path));
                let g = ok("create the group", file.root().create_group("small"));
                for k in 0..n {
                    let d = ok(
                        "create a dataset",
                        g.new_dataset_builder()
                            .with_data(&generate::small_values(k))
                            .create(&generate::small_name(k)),
                    );
                    ok("set an attribute", d.attrs().set("index", &[k as f64][..]));
                }
                ok("close the file", file.close());
                Output::Folded(0, 0)
            }),
            c: Box::new(move || {
                let file = ffi::create_file(&c_path, false);
                let g = ffi::create_group(&file, "small");
                let plain = ffi::dcpl(None, &[]);
                for k in 0..n {
                    let v = generate::small_values(k);
                    let space = ffi::space(&[v.len() as u64]);
                    let d = ffi::create_f64_dataset(&g, &generate::small_name(k), &space, &plain);
                    ffi::write_f64(&d, None, None, &v);
                    ffi::write_f64_attr(&d, "index", &[k as f64]);
                }
                Output::Folded(0, 0)
            }),
        },
        check: WriteCheck {
            name: small_name(cfg),
            files,
            read_back,
            expected: folded(&f, n as u64),
        },
    }
}

/// The large dataset written in one call: contiguous, or in 1 MiB chunks with deflate 6;
/// h5oxide's commit syncs unless `sync` is off (`FileOptions::sync`). libhdf5's close never
/// syncs; in the synced contiguous row its file is synced after closing.
fn big(cfg: &Config, gzip: bool, sync: bool) -> WriteWorkload {
    let rows = cfg.rows();
    let [ox_path, c_path] = files(cfg, if gzip { "gzip" } else { "contiguous" });
    // Generated once, outside the timed runs, and shared by both sides.
    let data: std::sync::Arc<Vec<f64>> =
        std::sync::Arc::new((0..rows * COLS).map(generate::value).collect());
    let mut f = Fold::default();
    f.add_f64(&data);
    let expected = folded(&f, data.len() as u64);
    fn read_back(path: &str) -> Output {
        let file = ffi::open_file(path);
        let d = ffi::open_dataset(&file, c"data");
        let mut v = vec![0f64; ffi::extent_len(&ffi::dataset_space(&d))];
        ffi::read_f64(&d, None, None, &mut v);
        let mut f = Fold::default();
        f.add_f64(&v);
        folded(&f, v.len() as u64)
    }
    let files = [ox_path.clone(), c_path.clone()];
    let d2 = data.clone();
    WriteWorkload {
        workload: Workload {
            name: big_name(cfg, gzip, sync),
            bytes: Some(rows * COLS * 8),
            ox: Box::new(move || {
                let file = ok(
                    "create the file",
                    File::options()
                        .mode(h5oxide::Mode::Create)
                        .sync(sync)
                        .open(&ox_path),
                );
                let mut b = file
                    .root()
                    .new_dataset::<f64>()
                    .shape([rows as usize, COLS as usize]);
                if gzip {
                    b = b.chunk([CHUNK_ROWS as usize, COLS as usize]).deflate(6);
                }
                let mut d = ok("create the dataset", b.create("data"));
                let view = ok(
                    "view the data",
                    ArrayView2::from_shape((rows as usize, COLS as usize), &data[..])
                        .map_err(|_| h5oxide::Error::Usage("shape")),
                );
                ok("write", d.write(&view));
                drop(d);
                ok("close the file", file.close());
                Output::Folded(0, 0)
            }),
            c: Box::new(move || {
                {
                    let file = ffi::create_file(&c_path, false);
                    let space = ffi::space(&[rows, COLS]);
                    let dcpl = if gzip {
                        ffi::dcpl(Some(&[CHUNK_ROWS, COLS]), &[Filter::Deflate(6)])
                    } else {
                        ffi::dcpl(None, &[])
                    };
                    let d = ffi::create_f64_dataset(&file, "data", &space, &dcpl);
                    ffi::write_f64(&d, None, None, &d2);
                }
                // libhdf5 never syncs: for the durable contiguous row, the file is synced
                // after it is closed, so both sides end with the data on disk.
                if sync && !gzip {
                    std::fs::File::open(&c_path)
                        .and_then(|f| f.sync_all())
                        .unwrap_or_else(|e| panic!("sync {c_path}: {e}"));
                }
                Output::Folded(0, 0)
            }),
        },
        check: WriteCheck {
            name: big_name(cfg, gzip, sync),
            files,
            read_back,
            expected,
        },
    }
}

/// Row `r` of the appended dataset.
fn append_row(r: u64) -> [f64; APPEND_COLS as usize] {
    std::array::from_fn(|i| (r * APPEND_COLS + i as u64) as f64 * 0.5)
}

fn append(cfg: &Config) -> WriteWorkload {
    let n = cfg.append_rows;
    let [ox_path, c_path] = files(cfg, "append");
    let mut f = Fold::default();
    for r in 0..n {
        f.add_f64(&append_row(r));
    }
    fn read_back(path: &str) -> Output {
        let file = ffi::open_file(path);
        let d = ffi::open_dataset(&file, c"rows");
        let mut v = vec![0f64; ffi::extent_len(&ffi::dataset_space(&d))];
        ffi::read_f64(&d, None, None, &mut v);
        let mut f = Fold::default();
        f.add_f64(&v);
        folded(&f, v.len() as u64 / APPEND_COLS)
    }
    let files = [ox_path.clone(), c_path.clone()];
    WriteWorkload {
        workload: Workload {
            name: append_name(cfg),
            bytes: Some(n * APPEND_COLS * 8),
            ox: Box::new(move || {
                let file = ok("create the file", File::create(&ox_path));
                let mut d = ok(
                    "create the dataset",
                    file.root()
                        .new_dataset::<f64>()
                        .shape([0, APPEND_COLS as usize])
                        .max_shape([None, Some(APPEND_COLS as usize)])
                        .chunk([APPEND_CHUNK_ROWS as usize, APPEND_COLS as usize])
                        .create("rows"),
                );
                for r in 0..n as usize {
                    ok("resize", d.resize([r + 1, APPEND_COLS as usize]));
                    ok(
                        "append a row",
                        d.write_slice(&append_row(r as u64), s![r..r + 1, ..]),
                    );
                }
                drop(d);
                ok("close the file", file.close());
                Output::Folded(0, 0)
            }),
            c: Box::new(move || {
                let file = ffi::create_file(&c_path, false);
                let space = ffi::space_max(&[0, APPEND_COLS], &[None, Some(APPEND_COLS)]);
                let dcpl = ffi::dcpl(Some(&[APPEND_CHUNK_ROWS, APPEND_COLS]), &[]);
                let d = ffi::create_f64_dataset(&file, "rows", &space, &dcpl);
                let mem = ffi::space(&[1, APPEND_COLS]);
                for r in 0..n {
                    ffi::set_extent(&d, &[r + 1, APPEND_COLS]);
                    let fs = ffi::dataset_space(&d);
                    ffi::select_block(&fs, &[r, 0], &[1, APPEND_COLS]);
                    ffi::write_f64(&d, Some(&mem), Some(&fs), &append_row(r));
                }
                Output::Folded(0, 0)
            }),
        },
        check: WriteCheck {
            name: append_name(cfg),
            files,
            read_back,
            expected: folded(&f, n),
        },
    }
}

/// One dataset of variable-length UTF-8 strings, written in one call; both sides start
/// from the same Rust strings (libhdf5's from `CString`s made before timing).
fn strings(cfg: &Config) -> WriteWorkload {
    let [ox_path, c_path] = files(cfg, "strings");
    let values: Vec<String> = (0..cfg.strings).map(generate::string_value).collect();
    let c_values: Vec<std::ffi::CString> = values
        .iter()
        .map(|v| std::ffi::CString::new(v.as_str()).expect("no NUL bytes"))
        .collect();
    fn read_back(path: &str) -> Output {
        let file = ffi::open_file(path);
        let d = ffi::open_dataset(&file, c"names");
        Output::Names(ffi::read_string_dataset(&d))
    }
    let files = [ox_path.clone(), c_path.clone()];
    let expected = Output::Names(values.clone());
    WriteWorkload {
        workload: Workload {
            name: strings_name(cfg),
            bytes: None,
            ox: Box::new(move || {
                let file = ok("create the file", File::create(&ox_path));
                let b = file.root().new_dataset_builder();
                ok(
                    "create the dataset",
                    b.with_strings(&values).create("names"),
                );
                ok("close the file", file.close());
                Output::Folded(0, 0)
            }),
            c: Box::new(move || {
                let file = ffi::create_file(&c_path, false);
                ffi::write_string_dataset(&file, "names", &c_values);
                Output::Folded(0, 0)
            }),
        },
        check: WriteCheck {
            name: strings_name(cfg),
            files,
            read_back,
            expected,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_rows_are_distinct_and_64_bytes() {
        assert_eq!(std::mem::size_of_val(&append_row(0)), 64);
        assert_eq!(append_row(0)[1], 0.5);
        assert_eq!(append_row(2)[0], 8.0);
        assert_ne!(append_row(3), append_row(4));
    }
}
