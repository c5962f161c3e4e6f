//! `h5ox repack` and `h5ox dump --json | h5ox load-json` on the revised (HDF5 1.12)
//! references written by HDF5 2.0 (`fixtures/files_revised_refs/`): the copies name the
//! same targets, as h5oxide reads them and, when `H5OXIDE_HDF5_114_LIB` names libhdf5
//! 1.12+, as that library reads them.

#[path = "../../h5oxide/tests/write_common.rs"]
mod common;
#[path = "../../h5oxide/tests/revised_refs_common.rs"]
mod revised;
mod tools;

use std::path::{Path, PathBuf};

use revised::*;
use tools::{ok, s};

const NAMES: [&str; 3] = ["/refs", "/@refs", "/external"];

fn want() -> Vec<String> {
    let mut w = expected("/refs", &FIXTURE_REFS);
    w.extend(expected("/@refs", &FIXTURE_REFS));
    w.extend(expected("/external", &FIXTURE_EXTERNAL));
    w
}

/// A folder holding the target of the external references, for the copies.
fn out_dir(name: &str) -> common::TempDir {
    let dir = common::temp_dir(name);
    std::fs::copy(
        fixture("revised_refs_target.h5"),
        dir.join("revised_refs_target.h5"),
    )
    .unwrap();
    dir
}

/// The copy `out` names the same targets as the fixture `src`.
fn same_targets(src: &Path, out: &Path, what: &str) {
    assert_eq!(oxide_lines(out, &NAMES), want(), "{what}");
    if let (Some(a), Some(b)) = (c_lines(src, &NAMES), c_lines(out, &NAMES)) {
        assert_eq!(a, want(), "the C library's reading of the input ({what})");
        assert_eq!(b, a, "the C library's reading of the copy ({what})");
    }
}

fn fixtures_both() -> [(PathBuf, &'static str); 2] {
    [
        (fixture("revised_refs_earliest.h5"), "earliest"),
        (fixture("revised_refs_latest.h5"), "latest"),
    ]
}

#[test]
fn repack_keeps_revised_references() {
    let dir = out_dir("cli-revised-repack");
    for (src, gen) in fixtures_both() {
        for libver in ["earliest", "latest"] {
            let out = dir.join(format!("{gen}_{libver}.h5"));
            ok(&["repack", "--libver", libver, s(&src), s(&out)]);
            same_targets(&src, &out, &format!("{gen} -> {libver}"));
            // The type is kept: 18-byte revised references, not the old kinds.
            let f = h5oxide::File::open(&out).unwrap();
            let t = f.root().dataset("refs").unwrap().dtype().clone();
            assert_eq!(t.element_size(), 18);
            assert_eq!(t.version, 4, "{gen} -> {libver}");
        }
    }
}

#[test]
fn json_round_trip_keeps_revised_references() {
    let dir = out_dir("cli-revised-json");
    for (src, gen) in fixtures_both() {
        let json = dir.join(format!("{gen}.json"));
        let text = ok(&["dump", "--json", s(&src)]);
        // The HDF5/JSON form: the type, and each kind of value.
        assert!(text.contains("\"H5T_STD_REF\""), "{text}");
        assert!(text.contains("\"attribute\": \"scale\""), "{text}");
        assert!(
            text.contains("\"file\": \"revised_refs_target.h5\""),
            "{text}"
        );
        std::fs::write(&json, &text).unwrap();
        for libver in ["earliest", "latest"] {
            let out = dir.join(format!("{gen}_json_{libver}.h5"));
            ok(&["load-json", "--libver", libver, s(&json), s(&out)]);
            same_targets(&src, &out, &format!("{gen} json -> {libver}"));
        }
    }
}
