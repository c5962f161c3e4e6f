//! `h5ox stat`: what a file holds and where its bytes go: object and link counts, metadata
//! and raw data sizes, compression ratios per filter pipeline, and a histogram of stored
//! chunk sizes. The numbers come from the same walk as `h5ox check` (metadata only).

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use serde_json::{json, Value as Json};

use crate::check::{Kind, Report, Walk};

/// Arguments of `h5ox stat`.
#[derive(clap::Args)]
pub struct Args {
    /// Print the numbers as one JSON object.
    #[arg(long)]
    json: bool,
    /// The HDF5 file.
    file: PathBuf,
}

/// The storage split: metadata (known structures, compact data excluded), raw data, and the
/// rest of the file.
struct Split {
    metadata: u64,
    raw: u64,
    unaccounted: u64,
}

fn split(r: &Report) -> Split {
    let meta_extents = r
        .extents
        .iter()
        .filter(|e| e.kind == Kind::Metadata)
        .fold(0u64, |a, e| a.saturating_add(e.end - e.start));
    // Compact data sits inside its object header: counted as raw data, not twice.
    let metadata = meta_extents.saturating_sub(r.compact_bytes);
    let raw = r
        .chunked_bytes
        .saturating_add(r.contiguous_bytes)
        .saturating_add(r.compact_bytes);
    let unaccounted = r.file_size.saturating_sub(metadata.saturating_add(raw));
    Split {
        metadata,
        raw,
        unaccounted,
    }
}

/// Human label of a power-of-two bucket: `[2^k, 2^(k+1))` bytes.
fn bucket_label(k: Option<u32>) -> String {
    match k {
        None => "0".to_owned(),
        Some(k) => {
            let lo = 1u128 << k;
            format!("{}..{}", size_text(lo), size_text(lo << 1))
        }
    }
}

fn size_text(n: u128) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut u = 0;
    let mut v = n;
    while v >= 1024 && v % 1024 == 0 && u + 1 < UNITS.len() {
        v /= 1024;
        u += 1;
    }
    format!("{v} {}", UNITS[u])
}

fn ratio(logical: u64, stored: u64) -> Option<f64> {
    (stored > 0).then(|| logical as f64 / stored as f64)
}

fn links(r: &Report, kind: &str) -> u64 {
    r.links.get(kind).copied().unwrap_or(0)
}

/// Runs `h5ox stat`.
///
/// # Errors
/// The file cannot be opened or its superblock or root group cannot be read.
pub fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut w = Walk::new(u64::MAX, false);
    w.run(&a.file);
    let r = &w.r;
    if r.groups == 0 {
        // Nothing could be walked: the first problem says why.
        let why = r.problems.first().cloned().unwrap_or_default();
        return Err(why.into());
    }
    let s = split(r);
    if a.json {
        let filters: Vec<Json> = r
            .pipelines
            .iter()
            .map(|(name, p)| {
                json!({
                    "filters": name,
                    "datasets": p.datasets,
                    "stored_bytes": p.stored,
                    "logical_bytes": p.logical,
                    "ratio": ratio(p.logical, p.stored),
                })
            })
            .collect();
        let hist: Vec<Json> = r
            .chunk_histogram
            .iter()
            .map(|(k, n)| {
                let (lo, hi) = match k {
                    None => (0u64, 1u64),
                    Some(k) => (1u64 << k, 1u64.checked_shl(k + 1).unwrap_or(u64::MAX)),
                };
                json!({ "min_bytes": lo, "max_bytes_exclusive": hi, "chunks": n })
            })
            .collect();
        let out = json!({
            "file": a.file.display().to_string(),
            "file_bytes": r.file_size.saturating_add(r.user_block),
            "user_block_bytes": r.user_block,
            "objects": {
                "groups": r.groups,
                "datasets": r.datasets,
                "named_datatypes": r.datatypes,
            },
            "links": {
                "hard": links(r, "hard"),
                "soft": links(r, "soft"),
                "external": links(r, "external"),
                "user_defined": links(r, "user-defined"),
            },
            "attributes": r.attributes,
            "storage": {
                "metadata_bytes": s.metadata,
                "raw_data_bytes": s.raw,
                "chunked_bytes": r.chunked_bytes,
                "contiguous_bytes": r.contiguous_bytes,
                "compact_bytes": r.compact_bytes,
                "unaccounted_bytes": s.unaccounted,
            },
            "chunks": r.chunks,
            "filters": filters,
            "chunk_sizes": hist,
            "problems": r.problems,
        });
        let mut text = serde_json::to_string_pretty(&out)?;
        text.push('\n');
        std::io::stdout().lock().write_all(text.as_bytes())?;
        return Ok(());
    }
    let total = r.file_size.saturating_add(r.user_block);
    let mut o = String::new();
    writeln!(o, "file: {} ({total} bytes)", a.file.display())?;
    writeln!(
        o,
        "objects: {} groups, {} datasets, {} named datatypes",
        r.groups, r.datasets, r.datatypes
    )?;
    writeln!(
        o,
        "links: {} hard, {} soft, {} external, {} user-defined",
        links(r, "hard"),
        links(r, "soft"),
        links(r, "external"),
        links(r, "user-defined")
    )?;
    writeln!(o, "attributes: {}", r.attributes)?;
    writeln!(o, "storage:")?;
    if r.user_block > 0 {
        writeln!(o, "  user block   {:>14} bytes", r.user_block)?;
    }
    writeln!(o, "  metadata     {:>14} bytes", s.metadata)?;
    writeln!(
        o,
        "  raw data     {:>14} bytes (chunked {}, contiguous {}, compact {})",
        s.raw, r.chunked_bytes, r.contiguous_bytes, r.compact_bytes
    )?;
    writeln!(o, "  unaccounted  {:>14} bytes", s.unaccounted)?;
    writeln!(o, "filters:")?;
    for (name, p) in &r.pipelines {
        let ratio = ratio(p.logical, p.stored).map_or("-".to_owned(), |x| format!("{x:.3}"));
        writeln!(
            o,
            "  {name}: {} datasets, stored {} bytes, logical {} bytes, ratio {ratio}",
            p.datasets, p.stored, p.logical
        )?;
    }
    writeln!(o, "chunk sizes ({} chunks):", r.chunks)?;
    for (k, n) in &r.chunk_histogram {
        writeln!(o, "  {:>20}: {n}", bucket_label(*k))?;
    }
    std::io::stdout().lock().write_all(o.as_bytes())?;
    for p in &r.problems {
        eprintln!("problem: {p}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_labels_name_powers_of_two() {
        assert_eq!(bucket_label(None), "0");
        assert_eq!(bucket_label(Some(0)), "1 B..2 B");
        assert_eq!(bucket_label(Some(9)), "512 B..1 KiB");
        assert_eq!(bucket_label(Some(20)), "1 MiB..2 MiB");
    }

    #[test]
    fn ratio_is_logical_over_stored() {
        assert_eq!(ratio(400, 100), Some(4.0));
        assert_eq!(ratio(400, 0), None);
    }
}
