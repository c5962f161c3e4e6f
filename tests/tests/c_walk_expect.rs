//! For every `*.h5` under `fixtures/files/`, the C library's walk equals the committed
//! expectation `fixtures/expect/<stem>.json`. Each file is walked by the `c-walk` binary in
//! a process of its own (see `corpus::c_walk_in_child`).

use std::path::Path;

use h5oxide_conformance::corpus;
use h5oxide_conformance::walk::{compare, render, Walk};

#[test]
fn c_walk_matches_committed_expectations() {
    let exe = Path::new(env!("CARGO_BIN_EXE_c-walk"));
    let files = corpus::fixture_files(&corpus::files_dir()).unwrap();
    if files.is_empty() {
        println!("no fixture files under {}", corpus::files_dir().display());
        return;
    }
    let mut failures = Vec::new();
    for file in &files {
        let expect_path = corpus::expect_path(file);
        let Ok(text) = std::fs::read_to_string(&expect_path) else {
            failures.push(format!(
                "{}: no expectation {}; create it (from the workspace root) with\n  \
                 cargo run -p h5oxide-conformance --bin c-walk -- --write-expect fixtures/expect",
                file.display(),
                expect_path.display()
            ));
            continue;
        };
        let walk = match corpus::c_walk_in_child(exe, file) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{}: C walk failed: {e}", file.display()));
                continue;
            }
        };
        let expected = match Walk::from_json(&text) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{}: unreadable: {e}", expect_path.display()));
                continue;
            }
        };
        let diffs = compare(&expected, &walk, 10);
        if !diffs.is_empty() {
            failures.push(format!(
                "{} (left: expectation, right: C walk now):\n{}",
                file.display(),
                render(&diffs)
            ));
        } else if walk.to_canonical_json() != text {
            failures.push(format!(
                "{}: equal content but not in canonical form; regenerate it",
                expect_path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
