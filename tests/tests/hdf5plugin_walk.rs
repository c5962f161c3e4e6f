//! The hdf5plugin fixture (`fixtures/files_hdf5plugin/`, written by h5py with hdf5plugin's
//! filters: Blosc2, Bitshuffle with Zstd, Zstd, LZ4, BZip2, Blosc): h5oxide's walk equals
//! the C library's walk committed in `fixtures/expect/`, which was made with hdf5plugin's
//! plugins loaded (see fixtures/hdf5plugin_files.py). The folder is outside
//! `fixtures/files/` because a live C walk needs those plugins, which Debian does not
//! package; when `HDF5_PLUGIN_PATH` names a folder holding the Blosc2 plugin, the live C walk
//! is compared too.

use std::path::Path;

use h5oxide_conformance::corpus;
use h5oxide_conformance::oxide_walk;
use h5oxide_conformance::walk::{compare, render, Walk};

fn fixture() -> std::path::PathBuf {
    corpus::files_dir()
        .join("../files_hdf5plugin")
        .join("hdf5plugin_filters.h5")
}

fn expected() -> Walk {
    let text = std::fs::read_to_string(corpus::expect_path(&fixture())).unwrap();
    Walk::from_json(&text).unwrap()
}

#[test]
fn h5oxide_reads_every_hdf5plugin_filter_like_the_c_library() {
    let expected = expected();
    // Every dataset of the file is in the expectation with its values (the C library
    // decoded each one with the plugins).
    let datasets: Vec<_> = expected
        .objects
        .iter()
        .filter(|o| matches!(o.kind, h5oxide_conformance::walk::Kind::Dataset))
        .collect();
    assert_eq!(datasets.len(), 24, "datasets in the expectation");
    let ours = oxide_walk(&fixture()).unwrap();
    let diffs = compare(&expected, &ours, 50);
    assert!(
        diffs.is_empty(),
        "left: C library with hdf5plugin, right: h5oxide\n{}",
        render(&diffs)
    );
}

#[test]
fn live_c_walk_when_the_plugins_are_installed() {
    let has_blosc2 = std::env::var_os("HDF5_PLUGIN_PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("libh5blosc2.so").exists()));
    if !has_blosc2 {
        println!(
            "HDF5_PLUGIN_PATH names no folder with hdf5plugin's Blosc2 plugin: live C walk skipped"
        );
        return;
    }
    let exe = Path::new(env!("CARGO_BIN_EXE_c-walk"));
    let walk = corpus::c_walk_in_child(exe, &fixture()).unwrap();
    let diffs = compare(&expected(), &walk, 50);
    assert!(diffs.is_empty(), "{}", render(&diffs));
}
