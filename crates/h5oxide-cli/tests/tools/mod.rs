//! Running the `h5ox` binary from the tests that write files: included by those tests with
//! `mod tools;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fixture of the corpus by file name.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files")
        .join(name)
}

/// Runs `h5ox` with `args`.
pub fn h5ox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_h5ox"))
        .args(args)
        .output()
        .expect("run h5ox")
}

/// Runs `h5ox` with `args`, which must succeed; its standard output.
pub fn ok(args: &[&str]) -> String {
    let o = h5ox(args);
    assert!(
        o.status.success(),
        "h5ox {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8 output")
}

/// A path as an argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
