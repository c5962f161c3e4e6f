//! The fixture corpus on disk: `fixtures/files/` (HDF5 files written by the C library) and
//! `fixtures/expect/` (their committed C walks, `<file stem>.json`).

use std::path::{Path, PathBuf};

/// `fixtures/files/` of this workspace.
pub fn files_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/files")
}

/// `fixtures/expect/` of this workspace.
pub fn expect_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/expect")
}

/// Every `*.h5` file under `dir`, recursively, sorted by path. A missing folder gives an
/// empty list.
///
/// # Errors
/// A folder cannot be listed, or two files share a stem (their expectations would collide).
pub fn fixture_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    if dir.is_dir() {
        collect(dir, &mut out, 0)?;
    }
    out.sort();
    let mut stems: Vec<String> = out.iter().map(|p| stem(p)).collect();
    stems.sort();
    if let Some(w) = stems.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("two fixture files share the stem {:?}", w[0]));
    }
    Ok(out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), String> {
    if depth > 16 {
        return Err(format!(
            "fixture folders nested too deep at {}",
            dir.display()
        ));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        if path.is_dir() {
            collect(&path, out, depth + 1)?;
        } else if path.extension().is_some_and(|e| e == "h5") {
            out.push(path);
        }
    }
    Ok(())
}

/// The file stem, which names the expectation file.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The expectation file of a fixture.
pub fn expect_path(fixture: &Path) -> PathBuf {
    expect_dir().join(format!("{}.json", stem(fixture)))
}

/// Runs the `c-walk` binary `exe` on one file in a child process and parses its output.
///
/// Each file gets a fresh process because libhdf5 1.10.8 reads uninitialized memory on some
/// error paths (seen in `H5Aiterate2` on attributes it cannot decode, in files written by
/// HDF5 2.0): after other files have been walked in the same process that can crash, while
/// a fresh process gives the same output every time.
///
/// # Errors
/// The child cannot be started, fails, is killed by a signal, or prints no valid walk.
pub fn c_walk_in_child(exe: &Path, file: &Path) -> Result<crate::walk::Walk, String> {
    let out = std::process::Command::new(exe)
        .arg(file)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!(
            "c-walk on {} failed ({}): {}",
            file.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8(out.stdout).map_err(|e| e.to_string())?;
    crate::walk::Walk::from_json(&text)
}
