//! The hdf5plugin fixture (`fixtures/files_hdf5plugin/`, written by h5py with hdf5plugin's
//! filters: Blosc2, Bitshuffle with Zstd, Zstd, LZ4, BZip2, Blosc): h5oxide's walk equals
//! the C library's walk committed in `fixtures/expect/`, which was made with hdf5plugin's
//! plugins loaded (see fixtures/hdf5plugin_files.py). The folder is outside
//! `fixtures/files/` because a live C walk needs those plugins, which Debian does not
//! package; when hdf5plugin's plugins are installed (`.ci/run` installs them from PyPI and
//! sets `H5OXIDE_HDF5PLUGIN_DIR`), the live C walk is compared too.

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

/// The folder of hdf5plugin's plugins: `H5OXIDE_HDF5PLUGIN_DIR` (set by `.ci/run` after
/// installing hdf5plugin from PyPI), or a folder of `HDF5_PLUGIN_PATH` holding its Blosc2
/// plugin.
fn hdf5plugin_dir() -> Option<std::path::PathBuf> {
    let has = |d: &Path| d.join("libh5blosc2.so").exists();
    if let Some(d) = std::env::var_os("H5OXIDE_HDF5PLUGIN_DIR") {
        let d = std::path::PathBuf::from(d);
        return has(&d).then_some(d);
    }
    let p = std::env::var_os("HDF5_PLUGIN_PATH")?;
    std::env::split_paths(&p).find(|d| has(d))
}

#[test]
fn live_c_walk_when_the_plugins_are_installed() {
    let Some(dir) = hdf5plugin_dir() else {
        println!("hdf5plugin's plugins not found (H5OXIDE_HDF5PLUGIN_DIR): live C walk skipped");
        return;
    };
    // The child C walk loads its plugins from HDF5_PLUGIN_PATH.
    std::env::set_var("HDF5_PLUGIN_PATH", &dir);
    let exe = Path::new(env!("CARGO_BIN_EXE_c-walk"));
    let walk = corpus::c_walk_in_child(exe, &fixture()).unwrap();
    let diffs = compare(&expected(), &walk, 50);
    assert!(diffs.is_empty(), "{}", render(&diffs));
}
