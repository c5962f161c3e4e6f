//! The input files, written with the C library into the scratch folder.
//!
//! | file                  | format   | contents                                               |
//! |-----------------------|----------|--------------------------------------------------------|
//! | `contiguous.h5`       | earliest | `data`: rows x 1024 `f64`, contiguous                  |
//! | `chunked.h5`          | earliest | `gzip` (deflate 6) and `lz4` (shuffle + LZ4 32004), 1 MiB chunks |
//! | `groups_latest.h5`    | latest   | `wide`: `members` hard links, dense link storage       |
//! | `groups_earliest.h5`  | earliest | `wide`: `members` hard links, symbol table             |
//! | `small.h5`            | earliest | `small/dNNNNNN`: scalar or 10-element `f64` datasets   |
//! | `attrs.h5`            | latest   | `obj`: `attrs` attributes of 4 `f64`, dense storage    |
//! | `strings.h5`          | earliest | `names`: `strings` variable-length UTF-8 strings       |

use std::ffi::CString;
use std::time::Instant;

use crate::config::{Config, CHUNK_ROWS, COLS};
use crate::ffi::{self, Filter};

/// The value stored at flat index `i` of the large datasets: a smooth wave with a few noisy
/// low bits, so deflate and LZ4 find some but not all redundancy (about 3:1 with deflate).
pub fn value(i: u64) -> f64 {
    let wave = ((i as f64 * 7e-4).sin() * 4096.0).round() / 16.0;
    let noise = (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 60) as f64 / 256.0;
    wave + noise
}

/// Values of the `n`th small dataset: scalar for even `n`, 10 elements for odd `n`.
pub fn small_values(n: usize) -> Vec<f64> {
    let len = if n % 2 == 0 { 1 } else { 10 };
    (0..len).map(|k| n as f64 + k as f64 * 0.25).collect()
}

/// Name of the `n`th small dataset, inside group `small`.
pub fn small_name(n: usize) -> String {
    format!("d{n:06}")
}

/// Name and values of the `n`th attribute.
pub fn attr(n: usize) -> (String, Vec<f64>) {
    (
        format!("attr_{n:05}"),
        (0..4).map(|k| n as f64 * 10.0 + k as f64).collect(),
    )
}

/// Name of the `n`th member of the wide groups.
pub fn member_name(n: usize) -> String {
    format!("member_{n:07}")
}

/// The `n`th variable-length string: lengths from 9 to 60 bytes, some not ASCII, as
/// names and labels are.
pub fn string_value(n: usize) -> String {
    let tail = ["", "-µm", "_x", "/séquence", ""][n % 5];
    format!("item {n:07}{tail}{}", "z".repeat(n % 37))
}

/// Writes every input unless the scratch folder already holds them for these options.
pub fn ensure_inputs(cfg: &Config) {
    let manifest_path = cfg.dir.join("manifest.txt");
    let manifest = cfg.manifest();
    if !cfg.regen && std::fs::read_to_string(&manifest_path).ok().as_deref() == Some(&manifest) {
        return;
    }
    std::fs::create_dir_all(&cfg.dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", cfg.dir.display()));
    // A half-written set must not pass for a complete one.
    let _ = std::fs::remove_file(&manifest_path);
    step("contiguous.h5", || big(cfg, "contiguous.h5", false));
    step("chunked.h5", || big(cfg, "chunked.h5", true));
    step("groups_latest.h5", || wide(cfg, "groups_latest.h5", true));
    step("groups_earliest.h5", || {
        wide(cfg, "groups_earliest.h5", false)
    });
    step("small.h5", || small(cfg));
    step("attrs.h5", || attrs(cfg));
    step("strings.h5", || strings(cfg));
    std::fs::write(&manifest_path, manifest).expect("write manifest");
}

fn step(what: &str, f: impl FnOnce()) {
    let t = Instant::now();
    f();
    eprintln!("generated {what} in {:.1} s", t.elapsed().as_secs_f64());
}

/// The large 2-D datasets, written in 16-chunk slabs so generation needs 16 MiB, not the
/// whole dataset.
fn big(cfg: &Config, file: &str, chunked: bool) {
    let rows = cfg.rows();
    let f = ffi::create_file(&cfg.path(file), false);
    let shape = [rows, COLS];
    let space = ffi::space(&shape);
    let chunk = [CHUNK_ROWS, COLS];
    let mut sets = Vec::new();
    if chunked {
        let gz = ffi::dcpl(Some(&chunk), &[Filter::Deflate(6)]);
        sets.push(ffi::create_f64_dataset(&f, "gzip", &space, &gz));
        if ffi::filter_available(ffi::LZ4_FILTER) {
            let lz = ffi::dcpl(
                Some(&chunk),
                &[Filter::Shuffle, Filter::Plugin(ffi::LZ4_FILTER)],
            );
            sets.push(ffi::create_f64_dataset(&f, "lz4", &space, &lz));
        } else {
            eprintln!("LZ4 filter plugin not found: the LZ4 workload is skipped");
        }
    } else {
        sets.push(ffi::create_f64_dataset(
            &f,
            "data",
            &space,
            &ffi::dcpl(None, &[]),
        ));
    }
    let slab = CHUNK_ROWS * 16;
    let mut start = 0;
    while start < rows {
        let n = slab.min(rows - start);
        let data: Vec<f64> = (start * COLS..(start + n) * COLS).map(value).collect();
        let mem = ffi::space(&[n, COLS]);
        for d in &sets {
            let fs = ffi::dataset_space(d);
            ffi::select_block(&fs, &[start, 0], &[n, COLS]);
            ffi::write_f64(d, Some(&mem), Some(&fs), &data);
        }
        start += n;
    }
}

/// A group `wide` with `members` hard links to one dataset: listing reads links only, so
/// the link targets need not differ.
fn wide(cfg: &Config, file: &str, latest: bool) {
    let f = ffi::create_file(&cfg.path(file), latest);
    let target = ffi::create_f64_dataset(&f, "target", &ffi::scalar_space(), &ffi::dcpl(None, &[]));
    ffi::write_f64(&target, None, None, &[1.0]);
    let g = ffi::create_group(&f, "wide");
    for n in 0..cfg.members {
        ffi::hard_link(&f, "target", &g, &member_name(n));
    }
}

fn small(cfg: &Config) {
    let f = ffi::create_file(&cfg.path("small.h5"), false);
    let g = ffi::create_group(&f, "small");
    let plain = ffi::dcpl(None, &[]);
    for n in 0..cfg.small {
        let v = small_values(n);
        let space = if v.len() == 1 {
            ffi::scalar_space()
        } else {
            ffi::space(&[v.len() as u64])
        };
        let d = ffi::create_f64_dataset(&g, &small_name(n), &space, &plain);
        ffi::write_f64(&d, None, None, &v);
    }
}

fn attrs(cfg: &Config) {
    let f = ffi::create_file(&cfg.path("attrs.h5"), true);
    let d = ffi::create_f64_dataset(&f, "obj", &ffi::scalar_space(), &ffi::dcpl(None, &[]));
    ffi::write_f64(&d, None, None, &[0.0]);
    for n in 0..cfg.attrs {
        let (name, v) = attr(n);
        ffi::write_f64_attr(&d, &name, &v);
    }
}

fn strings(cfg: &Config) {
    let f = ffi::create_file(&cfg.path("strings.h5"), false);
    let values: Vec<CString> = (0..cfg.strings)
        .map(|n| CString::new(string_value(n)).expect("no NUL bytes"))
        .collect();
    ffi::write_string_dataset(&f, "names", &values);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_vary_in_length_and_some_are_not_ascii() {
        let v: Vec<String> = (0..200).map(string_value).collect();
        assert_eq!(v[0], "item 0000000");
        assert_eq!(v[1], "item 0000001-µmz");
        let lens: std::collections::BTreeSet<usize> = v.iter().map(|s| s.len()).collect();
        assert!(lens.len() > 30, "{} distinct lengths", lens.len());
        assert!(v.iter().any(|s| !s.is_ascii()));
        assert!(v.iter().all(|s| !s.contains('\0')));
    }
}
