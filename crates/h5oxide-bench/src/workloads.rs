//! The reading workloads, each written once for h5oxide and once for libhdf5, doing the same
//! work the way a user of each library would write it.
//!
//! Both sides open the file (and the dataset or group) inside every timed run, and both
//! return the values they read as `f64`: whole datasets through h5oxide's typed
//! `read_raw::<f64>()`, selections through `read_bytes_selection` with the stored
//! little-endian bytes converted by `f64::from_le_bytes` inside the measured time.

use std::ffi::CString;

use h5oxide::{DimSlice, File, Selection};

use crate::config::{Config, CHUNK_ROWS, COLS, SLICE_ROWS};
use crate::ffi;
use crate::generate;
use crate::measure::{Fold, Output};

/// One side's run of a workload.
pub type Run<'a> = Box<dyn FnMut() -> Output + 'a>;

/// A workload: a name, the bytes of data it delivers per run (for throughput) and its two
/// implementations.
pub struct Workload<'a> {
    /// Short name, shown in the table.
    pub name: String,
    /// Bytes of values delivered per run, where throughput means something.
    pub bytes: Option<u64>,
    /// The h5oxide implementation.
    pub ox: Run<'a>,
    /// The libhdf5 implementation.
    pub c: Run<'a>,
}

/// Ends the run with a clear message when h5oxide fails: a benchmark of a failing read
/// would be meaningless.
fn ok<T>(what: &str, r: h5oxide::Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("h5oxide failed to {what}: {e}"))
}

fn ox_open(path: &str) -> File {
    ok("open the file", File::open(path))
}

/// Stored little-endian `f64` bytes as values.
pub fn to_f64(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect()
}

fn extend_f64(out: &mut Vec<f64>, bytes: &[u8]) {
    out.extend(
        bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8]))),
    );
}

/// Deterministic pseudo-random indices below `n` (xorshift64*), the same for both sides.
pub fn picks(count: usize, n: u64, seed: u64) -> Vec<u64> {
    let mut s = seed | 1;
    (0..count)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            s.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
        })
        .collect()
}

fn c_name(s: &str) -> CString {
    CString::new(s).expect("name without NUL bytes")
}

/// Every selected workload, in table order.
pub fn all(cfg: &Config) -> Vec<Workload<'_>> {
    let mut w = Vec::new();
    let rows = cfg.rows();
    let big = cfg.big_bytes();
    let contiguous = cfg.path("contiguous.h5");
    let chunked = cfg.path("chunked.h5");

    w.push(whole(
        "contiguous f64 read whole",
        contiguous.clone(),
        "data",
        big,
    ));
    w.push(random_rows(cfg, contiguous.clone(), rows));
    w.push(random_elements(cfg, contiguous.clone(), rows));
    w.push(scattered_points(cfg, contiguous, rows));
    w.push(whole(
        "chunked gzip-6 read whole",
        chunked.clone(),
        "gzip",
        big,
    ));
    if ffi::filter_available(ffi::LZ4_FILTER) {
        w.push(whole(
            "chunked shuffle+lz4 read whole",
            chunked.clone(),
            "lz4",
            big,
        ));
    }
    w.push(hyperslab(chunked.clone(), rows));
    w.push(slices(chunked.clone(), rows));
    w.push(threaded_slices(chunked, rows, 2));
    w.push(listing(cfg, "groups_latest.h5", "dense links, latest"));
    w.push(listing(cfg, "groups_earliest.h5", "symbol table, earliest"));
    w.push(small_datasets(cfg));
    w.push(attributes(cfg));
    w.push(strings(cfg));
    w.retain(|x| cfg.wants(&x.name));
    w
}

fn whole(name: &str, path: String, dset: &'static str, bytes: u64) -> Workload<'static> {
    let p2 = path.clone();
    Workload {
        name: name.to_owned(),
        bytes: Some(bytes),
        ox: Box::new(move || {
            let f = ox_open(&path);
            let d = ok("open the dataset", f.root().dataset(dset));
            Output::F64(ok("read", d.read_raw::<f64>()))
        }),
        c: Box::new(move || {
            let f = ffi::open_file(&p2);
            let d = ffi::open_dataset(&f, &c_name(dset));
            let n = ffi::extent_len(&ffi::dataset_space(&d));
            let mut out = vec![0f64; n];
            ffi::read_f64(&d, None, None, &mut out);
            Output::F64(out)
        }),
    }
}

fn random_rows(cfg: &Config, path: String, rows: u64) -> Workload<'static> {
    let idx = picks(cfg.picks, rows, 0x5EED_0001);
    let idx2 = idx.clone();
    let p2 = path.clone();
    Workload {
        name: format!("{} random rows of 8 KiB (contiguous)", cfg.picks),
        bytes: Some(cfg.picks as u64 * COLS * 8),
        ox: Box::new(move || {
            let f = ox_open(&path);
            let d = ok("open the dataset", f.root().dataset("data"));
            let shape = d.shape();
            let mut out = Vec::with_capacity(idx.len() * COLS as usize);
            for &r in &idx {
                let sel = ok(
                    "build a selection",
                    Selection::new(
                        vec![
                            DimSlice {
                                start: r,
                                step: 1,
                                count: 1,
                            },
                            DimSlice::all(COLS),
                        ],
                        &shape,
                    ),
                );
                extend_f64(&mut out, &ok("read a row", d.read_bytes_selection(&sel)));
            }
            Output::F64(out)
        }),
        c: Box::new(move || {
            let f = ffi::open_file(&p2);
            let d = ffi::open_dataset(&f, c"data");
            let fs = ffi::dataset_space(&d);
            let mem = ffi::space(&[1, COLS]);
            let mut out = vec![0f64; idx2.len() * COLS as usize];
            for (row, &r) in out.chunks_exact_mut(COLS as usize).zip(&idx2) {
                ffi::select_block(&fs, &[r, 0], &[1, COLS]);
                ffi::read_f64(&d, Some(&mem), Some(&fs), row);
            }
            Output::F64(out)
        }),
    }
}

fn random_elements(cfg: &Config, path: String, rows: u64) -> Workload<'static> {
    let idx: Vec<(u64, u64)> = picks(cfg.picks, rows * COLS, 0x5EED_0002)
        .into_iter()
        .map(|k| (k / COLS, k % COLS))
        .collect();
    let idx2 = idx.clone();
    let p2 = path.clone();
    Workload {
        name: format!("{} random single elements (contiguous)", cfg.picks),
        bytes: None,
        ox: Box::new(move || {
            let f = ox_open(&path);
            let d = ok("open the dataset", f.root().dataset("data"));
            let shape = d.shape();
            let mut out = Vec::with_capacity(idx.len());
            for &(r, c) in &idx {
                let one = |i| DimSlice {
                    start: i,
                    step: 1,
                    count: 1,
                };
                let sel = ok(
                    "build a selection",
                    Selection::new(vec![one(r), one(c)], &shape),
                );
                extend_f64(
                    &mut out,
                    &ok("read an element", d.read_bytes_selection(&sel)),
                );
            }
            Output::F64(out)
        }),
        c: Box::new(move || {
            let f = ffi::open_file(&p2);
            let d = ffi::open_dataset(&f, c"data");
            let fs = ffi::dataset_space(&d);
            let mem = ffi::space(&[1, 1]);
            let mut out = vec![0f64; idx2.len()];
            for (v, &(r, c)) in out.iter_mut().zip(&idx2) {
                ffi::select_block(&fs, &[r, c], &[1, 1]);
                ffi::read_f64(&d, Some(&mem), Some(&fs), std::slice::from_mut(v));
            }
            Output::F64(out)
        }),
    }
}

/// Points selected in one call: ten times `--picks` random elements of the contiguous
/// dataset, read in the order listed (h5oxide `read_points`, libhdf5 `H5Sselect_elements`).
fn scattered_points(cfg: &Config, path: String, rows: u64) -> Workload<'static> {
    let n = cfg.picks * 10;
    let flat: Vec<u64> = picks(n, rows * COLS, 0x5EED_0003)
        .into_iter()
        .flat_map(|k| [k / COLS, k % COLS])
        .collect();
    let points: Vec<Vec<u64>> = flat.chunks_exact(2).map(<[u64]>::to_vec).collect();
    let p2 = path.clone();
    Workload {
        name: format!("{n} scattered points in one selection (contiguous)"),
        bytes: None,
        ox: Box::new(move || {
            let f = ox_open(&path);
            let d = ok("open the dataset", f.root().dataset("data"));
            Output::F64(ok("read the points", d.read_points::<f64>(&points)))
        }),
        c: Box::new(move || {
            let f = ffi::open_file(&p2);
            let d = ffi::open_dataset(&f, c"data");
            let fs = ffi::dataset_space(&d);
            ffi::select_points(&fs, &flat, n);
            let mem = ffi::space(&[n as u64]);
            let mut out = vec![0f64; n];
            ffi::read_f64(&d, Some(&mem), Some(&fs), &mut out);
            Output::F64(out)
        }),
    }
}

/// The block of the gzip dataset the hyperslab workload reads: about 1% of the chunk rows
/// (at least one), columns 100..900, starting and ending inside a chunk.
pub fn hyperslab_block(rows: u64) -> ([u64; 2], [u64; 2], u64) {
    let chunk_rows = rows / CHUNK_ROWS;
    let k = ((chunk_rows as f64 / 100.0).round() as u64).max(1);
    let first = (chunk_rows / 2).min(chunk_rows - k);
    let start = [first * CHUNK_ROWS + 10, 100];
    let count = [k * CHUNK_ROWS - 20, 800];
    (start, count, k)
}

fn hyperslab(path: String, rows: u64) -> Workload<'static> {
    let (start, count, k) = hyperslab_block(rows);
    let p2 = path.clone();
    Workload {
        name: format!(
            "gzip hyperslab, {k} of {} chunks ({:.1}%)",
            rows / CHUNK_ROWS,
            100.0 * k as f64 / (rows / CHUNK_ROWS) as f64
        ),
        bytes: Some(count[0] * count[1] * 8),
        ox: Box::new(move || {
            let f = ox_open(&path);
            let d = ok("open the dataset", f.root().dataset("gzip"));
            let sel = ok(
                "build a selection",
                Selection::new(
                    vec![
                        DimSlice {
                            start: start[0],
                            step: 1,
                            count: count[0],
                        },
                        DimSlice {
                            start: start[1],
                            step: 1,
                            count: count[1],
                        },
                    ],
                    &d.shape(),
                ),
            );
            Output::F64(to_f64(&ok("read", d.read_bytes_selection(&sel))))
        }),
        c: Box::new(move || {
            let f = ffi::open_file(&p2);
            let d = ffi::open_dataset(&f, c"gzip");
            let fs = ffi::dataset_space(&d);
            ffi::select_block(&fs, &start, &count);
            let mem = ffi::space(&count);
            let mut out = vec![0f64; (count[0] * count[1]) as usize];
            ffi::read_f64(&d, Some(&mem), Some(&fs), &mut out);
            Output::F64(out)
        }),
    }
}

/// Reads the gzip dataset `SLICE_ROWS` leading rows at a time with h5oxide, folding each
/// slice into a fingerprint. `mmap` picks the backend.
pub fn ox_slices(path: &str, mmap: bool) -> Output {
    let f = ok("open the file", File::options().mmap(mmap).open(path));
    let d = ok("open the dataset", f.root().dataset("gzip"));
    let shape = d.shape();
    let rows = shape.first().copied().unwrap_or(0);
    let (mut fold, mut n) = (Fold::default(), 0u64);
    let mut start = 0;
    while start < rows {
        let count = SLICE_ROWS.min(rows - start);
        let sel = ok(
            "build a selection",
            Selection::new(
                vec![
                    DimSlice {
                        start,
                        step: 1,
                        count,
                    },
                    DimSlice::all(COLS),
                ],
                &shape,
            ),
        );
        let v = to_f64(&ok("read a slice", d.read_bytes_selection(&sel)));
        fold.add_f64(&v);
        n += v.len() as u64;
        start += count;
    }
    Output::Folded(fold.value(), n)
}

/// The libhdf5 side of [`ox_slices`].
pub fn c_slices(path: &str) -> Output {
    let f = ffi::open_file(path);
    let d = ffi::open_dataset(&f, c"gzip");
    let fs = ffi::dataset_space(&d);
    let rows = (ffi::extent_len(&fs) as u64) / COLS;
    let (mut fold, mut n) = (Fold::default(), 0u64);
    let mut buf = vec![0f64; (SLICE_ROWS * COLS) as usize];
    let mut start = 0;
    while start < rows {
        let count = SLICE_ROWS.min(rows - start);
        ffi::select_block(&fs, &[start, 0], &[count, COLS]);
        let mem = ffi::space(&[count, COLS]);
        let out = &mut buf[..(count * COLS) as usize];
        ffi::read_f64(&d, Some(&mem), Some(&fs), out);
        fold.add_f64(out);
        n += out.len() as u64;
        start += count;
    }
    Output::Folded(fold.value(), n)
}

fn slices(path: String, rows: u64) -> Workload<'static> {
    let p2 = path.clone();
    Workload {
        name: format!("gzip read in {SLICE_ROWS}-row slices"),
        bytes: Some(rows * COLS * 8),
        ox: Box::new(move || ox_slices(&path, true)),
        c: Box::new(move || c_slices(&p2)),
    }
}

/// The slices of [`slices`] read by `threads` threads sharing one open `File` (each thread
/// a contiguous share of the slices), to show reads scaling with threads: libhdf5's side is
/// the same serial loop as in [`slices`], since its serial build must not be entered from
/// several threads at once (its thread-safe build takes one global lock instead).
fn threaded_slices(path: String, rows: u64, threads: u64) -> Workload<'static> {
    let p2 = path.clone();
    Workload {
        name: format!("gzip read in {SLICE_ROWS}-row slices, {threads} threads, one File"),
        bytes: Some(rows * COLS * 8),
        ox: Box::new(move || ox_slices_threaded(&path, threads)),
        c: Box::new(move || c_slices(&p2)),
    }
}

/// [`ox_slices`] split over `threads` threads, with a chunk cache large enough for one chunk
/// per thread; the values are folded in row order.
pub fn ox_slices_threaded(path: &str, threads: u64) -> Output {
    // Room for each thread's current chunk (1 MiB each), so the threads do not evict
    // each other's chunks from the shared cache.
    let f = ok(
        "open the file",
        File::options().chunk_cache_size(4 << 20).open(path),
    );
    let d = ok("open the dataset", f.root().dataset("gzip"));
    let shape = d.shape();
    let rows = shape.first().copied().unwrap_or(0);
    let nslices = rows.div_ceil(SLICE_ROWS);
    let per = nslices.div_ceil(threads.max(1));
    let parts: Vec<Vec<f64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|t| {
                let d = d.clone();
                let shape = shape.clone();
                s.spawn(move || {
                    let mut out = Vec::new();
                    for i in t * per..((t + 1) * per).min(nslices) {
                        let start = i * SLICE_ROWS;
                        let count = SLICE_ROWS.min(rows - start);
                        let sel = ok(
                            "build a selection",
                            Selection::new(
                                vec![
                                    DimSlice {
                                        start,
                                        step: 1,
                                        count,
                                    },
                                    DimSlice::all(COLS),
                                ],
                                &shape,
                            ),
                        );
                        extend_f64(&mut out, &ok("read a slice", d.read_bytes_selection(&sel)));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a reading thread panicked"))
            .collect()
    });
    let (mut fold, mut n) = (Fold::default(), 0u64);
    for v in &parts {
        fold.add_f64(v);
        n += v.len() as u64;
    }
    Output::Folded(fold.value(), n)
}

fn listing(cfg: &Config, file: &str, what: &str) -> Workload<'static> {
    let path = cfg.path(file);
    let p2 = path.clone();
    Workload {
        name: format!("open + list {} links ({what})", cfg.members),
        bytes: None,
        ox: Box::new(move || {
            let f = ox_open(&path);
            let g = ok("open the group", f.group("wide"));
            Output::Names(ok("list the group", g.member_names()))
        }),
        c: Box::new(move || {
            let f = ffi::open_file(&p2);
            let g = ffi::open_group(&f, "wide");
            Output::Names(ffi::link_names(&g))
        }),
    }
}

fn small_datasets(cfg: &Config) -> Workload<'static> {
    let path = cfg.path("small.h5");
    let p2 = path.clone();
    let names: Vec<String> = (0..cfg.small)
        .map(|n| format!("small/{}", generate::small_name(n)))
        .collect();
    let c_names: Vec<CString> = names.iter().map(|n| c_name(n)).collect();
    Workload {
        name: format!("read {} small datasets by name", cfg.small),
        bytes: None,
        ox: Box::new(move || {
            let f = ox_open(&path);
            let root = f.root();
            let mut out = Vec::new();
            for n in &names {
                let d = ok("open a small dataset", root.dataset(n));
                out.extend(ok("read a small dataset", d.read_raw::<f64>()));
            }
            Output::F64(out)
        }),
        c: Box::new(move || {
            let f = ffi::open_file(&p2);
            let mut out = Vec::new();
            let mut buf = [0f64; 16];
            for n in &c_names {
                let d = ffi::open_dataset(&f, n);
                let len = ffi::extent_len(&ffi::dataset_space(&d)).min(buf.len());
                ffi::read_f64(&d, None, None, &mut buf[..len]);
                out.extend_from_slice(&buf[..len]);
            }
            Output::F64(out)
        }),
    }
}

fn attributes(cfg: &Config) -> Workload<'static> {
    let path = cfg.path("attrs.h5");
    let p2 = path.clone();
    Workload {
        name: format!("read {} attributes of one object (dense)", cfg.attrs),
        bytes: None,
        ox: Box::new(move || {
            let f = ox_open(&path);
            let d = ok("open the dataset", f.root().dataset("obj"));
            let list = ok("list the attributes", d.attrs().list());
            let out = list
                .iter()
                .map(|a| {
                    (
                        a.name().to_owned(),
                        to_f64(ok("read an attribute", a.raw())),
                    )
                })
                .collect();
            Output::Named(out)
        }),
        c: Box::new(move || {
            let f = ffi::open_file(&p2);
            let d = ffi::open_dataset(&f, c"obj");
            Output::Named(ffi::read_attrs(&d))
        }),
    }
}

fn strings(cfg: &Config) -> Workload<'static> {
    let path = cfg.path("strings.h5");
    let p2 = path.clone();
    Workload {
        name: format!("read {} variable-length strings", cfg.strings),
        bytes: None,
        ox: Box::new(move || {
            let f = ox_open(&path);
            let d = ok("open the dataset", f.root().dataset("names"));
            Output::Names(ok("read the strings", d.read_strings()))
        }),
        c: Box::new(move || {
            let f = ffi::open_file(&p2);
            let d = ffi::open_dataset(&f, c"names");
            Output::Names(ffi::read_string_dataset(&d))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyperslab_touches_about_one_percent_of_the_chunks() {
        for (rows, want) in [(32768, 3), (131072, 10), (128, 1), (1280, 1)] {
            let (start, count, k) = hyperslab_block(rows);
            assert_eq!(k, want, "rows {rows}");
            let first = start[0] / CHUNK_ROWS;
            let last = (start[0] + count[0] - 1) / CHUNK_ROWS;
            assert_eq!(last - first + 1, k, "chunks touched for rows {rows}");
            assert!(start[0] + count[0] <= rows);
            assert!(start[1] + count[1] <= COLS);
        }
    }

    #[test]
    fn picks_are_in_range_repeatable_and_spread() {
        let a = picks(10_000, 32768, 7);
        assert_eq!(a, picks(10_000, 32768, 7));
        assert!(a.iter().all(|&r| r < 32768));
        let distinct: std::collections::BTreeSet<_> = a.iter().collect();
        assert!(distinct.len() > 8000, "{} distinct", distinct.len());
        assert_ne!(a, picks(10_000, 32768, 8));
    }

    #[test]
    fn stored_little_endian_bytes_become_values() {
        let bytes: Vec<u8> = [1.5f64, -0.0, 1e300]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let v = to_f64(&bytes);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0], 1.5);
        assert!(v[1] == 0.0 && v[1].is_sign_negative());
        assert_eq!(v[2], 1e300);
    }
}
