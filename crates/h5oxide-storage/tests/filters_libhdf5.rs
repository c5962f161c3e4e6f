//! Cross-checks of the filters with the HDF5 C library and its filter plugins.
//!
//! `tests/data/filters/` holds chunks written by libhdf5 1.10.8 with Debian's plugins (see
//! `tests/data/gen/gen_filters.c`): for each configuration the raw chunk, the pipeline as
//! stored (`.meta`) and the data it decodes to (`data_*.bin`). We decode every chunk, and
//! when `h5cc` is on PATH we also have libhdf5 read chunks that we encoded.
//!
//! To regenerate the vectors: `h5cc -o /tmp/gen_filters tests/data/gen/gen_filters.c -lzstd`
//! then `HDF5_PLUGIN_PATH=/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins /tmp/gen_filters gen
//! tests/data/filters`.
#![cfg(all(
    feature = "deflate",
    feature = "shuffle",
    feature = "fletcher32",
    feature = "lzf",
    feature = "lz4",
    feature = "bzip2",
    feature = "bitshuffle",
    feature = "zstd"
))]

use std::path::{Path, PathBuf};
use std::process::Command;

use h5oxide_format::object_header::message::filter_pipeline::{FilterDescription, FilterPipeline};
use h5oxide_storage::error::{FilterFailure, StorageError};
use h5oxide_storage::filter::pipeline::{decode_chunk, encode_chunk};
use h5oxide_storage::filter::{bitshuffle, deflate, lzf, shuffle};

const DEBIAN_PLUGINS: &str = "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins";

struct Case {
    name: String,
    pipeline: FilterPipeline,
    mask: u32,
    element_size: usize,
    chunk: Vec<u8>,
    expected: Vec<u8>,
    expected_path: PathBuf,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/filters")
}

fn cases() -> Vec<Case> {
    let dir = data_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".meta").map(str::to_owned)
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= 15,
        "test vectors missing in {}",
        dir.display()
    );
    names
        .into_iter()
        .map(|name| {
            let meta = std::fs::read_to_string(dir.join(format!("{name}.meta"))).unwrap();
            let (mut data, mut mask, mut element_size) = (String::new(), 0, 0);
            let mut filters = Vec::new();
            for line in meta.lines() {
                let mut words = line.split_whitespace();
                match words.next() {
                    Some("data") => data = words.next().unwrap().to_owned(),
                    Some("mask") => mask = words.next().unwrap().parse().unwrap(),
                    Some("element_size") => element_size = words.next().unwrap().parse().unwrap(),
                    Some("filter") => {
                        let nums: Vec<u32> = words.map(|w| w.parse().unwrap()).collect();
                        filters.push(FilterDescription {
                            id: nums[0] as u16,
                            name: None,
                            flags: nums[1] as u16,
                            client_data: nums[2..].to_vec(),
                        });
                    }
                    _ => panic!("bad line {line:?} in {name}.meta"),
                }
            }
            let expected_path = dir.join(format!("data_{data}.bin"));
            Case {
                chunk: std::fs::read(dir.join(format!("{name}.chunk"))).unwrap(),
                expected: std::fs::read(&expected_path).unwrap(),
                expected_path,
                name,
                pipeline: FilterPipeline {
                    version: 2,
                    filters,
                },
                mask,
                element_size,
            }
        })
        .collect()
}

#[test]
fn decodes_chunks_written_by_libhdf5() {
    for c in cases() {
        let got = decode_chunk(&c.pipeline, c.mask, c.chunk.clone(), c.expected.len())
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert!(got == c.expected, "{}: decoded bytes differ", c.name);
    }
}

#[test]
fn damaged_chunks_fail_without_panicking() {
    for c in cases() {
        let n = c.expected.len();
        // Truncations and flipped bytes: any outcome but a panic, and never a wrong size.
        for cut in [
            0,
            1,
            4,
            12,
            c.chunk.len() / 2,
            c.chunk.len().saturating_sub(1),
        ] {
            let short = c.chunk[..cut.min(c.chunk.len())].to_vec();
            if let Ok(v) = decode_chunk(&c.pipeline, c.mask, short, n) {
                assert_eq!(v.len(), n, "{}", c.name);
            }
        }
        for pos in (0..c.chunk.len()).step_by(37) {
            let mut bad = c.chunk.clone();
            bad[pos] ^= 0x5a;
            let r = decode_chunk(&c.pipeline, c.mask, bad, n);
            if c.name.contains("fletcher32") {
                assert!(r.is_err(), "{}: damage at {pos} not detected", c.name);
            } else if let Ok(v) = r {
                assert_eq!(v.len(), n, "{}", c.name);
            }
        }
        // A smaller chunk size than the data: every filter must stop, not overrun.
        match decode_chunk(&c.pipeline, c.mask, c.chunk.clone(), n - 1) {
            Err(StorageError::Filter { .. }) => {}
            other => panic!("{}: {:?}", c.name, other.map(|v| v.len())),
        }
    }
}

#[test]
fn parameters_match_libhdf5() {
    for c in cases() {
        let chunk_dims = [(c.expected.len() / c.element_size) as u64];
        for f in &c.pipeline.filters {
            let ours = match f.id {
                1 => deflate::params_for(f.client_data[0], c.element_size, &chunk_dims),
                2 => shuffle::params_for((), c.element_size, &chunk_dims),
                32000 => lzf::params_for((), c.element_size, &chunk_dims),
                32008 => {
                    let options = bitshuffle::Options {
                        block_size: f.client_data[3],
                        compression: f.client_data[4],
                        zstd_level: 0,
                    };
                    // Slots 0 and 1 hold the writer's version; ours is newer than Debian's.
                    let mut p = bitshuffle::params_for(options, c.element_size, &chunk_dims);
                    p[..2].copy_from_slice(&f.client_data[..2]);
                    p
                }
                _ => continue,
            };
            assert_eq!(ours, f.client_data, "{}: filter {}", c.name, f.id);
        }
    }
}

#[test]
fn optional_lzf_failure_matches_libhdf5() {
    // libhdf5 stored the noise chunk unfiltered with the LZF bit set; so do we.
    let c = cases().into_iter().find(|c| c.name == "lzf_noise").unwrap();
    assert_eq!(c.mask, 1);
    let (enc, mask) = encode_chunk(&c.pipeline, c.expected.clone()).unwrap();
    assert_eq!((enc, mask), (c.chunk, 1));
}

fn h5cc_available() -> bool {
    Command::new("h5cc")
        .arg("-showconfig")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn libhdf5_reads_chunks_we_encode() {
    if !h5cc_available() {
        println!("skipped: h5cc is not on PATH, the C library cannot check our chunks");
        return;
    }
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("filters_libhdf5");
    std::fs::create_dir_all(&work).unwrap();
    let exe = work.join("gen_filters");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gen/gen_filters.c");
    // libzstd-dev backs the zstd configurations; without it they are reported as skipped.
    let compile = |extra: &[&str]| {
        // h5cc leaves its object file in the working directory.
        Command::new("h5cc")
            .current_dir(&work)
            .arg("-o")
            .arg(&exe)
            .arg(&src)
            .args(extra)
            .output()
            .unwrap()
    };
    let mut out = compile(&["-lzstd"]);
    if !out.status.success() {
        println!("libzstd not found: building the checker without the zstd filter");
        out = compile(&["-DH5OXIDE_NO_ZSTD"]);
    }
    assert!(
        out.status.success(),
        "h5cc failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plugins = std::env::var("HDF5_PLUGIN_PATH").unwrap_or_else(|_| DEBIAN_PLUGINS.into());
    let mut skipped = Vec::new();
    for c in cases() {
        let (enc, mask) = encode_chunk(&c.pipeline, c.expected.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let chunk_path = work.join(format!("{}.ours.chunk", c.name));
        std::fs::write(&chunk_path, &enc).unwrap();
        let out = Command::new(&exe)
            .env("HDF5_PLUGIN_PATH", &plugins)
            .arg("check")
            .arg(&c.name)
            .arg(&chunk_path)
            .arg(mask.to_string())
            .arg(&c.expected_path)
            .output()
            .unwrap();
        match out.status.code() {
            Some(0) => {}
            Some(2) => skipped.push(c.name.clone()),
            _ => panic!(
                "{}: libhdf5 did not read our chunk back: {}{}",
                c.name,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
    if !skipped.is_empty() {
        println!("skipped, filter plugin not installed: {skipped:?}");
    }
}

#[test]
fn unknown_filter_names_its_id() {
    let p = FilterPipeline {
        version: 2,
        filters: vec![FilterDescription {
            id: 32100,
            name: Some("some plugin".into()),
            flags: 0,
            client_data: vec![],
        }],
    };
    match decode_chunk(&p, 0, vec![1, 2, 3], 3) {
        Err(StorageError::Filter {
            id: 32100,
            reason: FilterFailure::Unavailable,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}
