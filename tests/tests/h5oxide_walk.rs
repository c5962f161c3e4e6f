//! h5oxide's walk of every fixture compared with the committed C library walk
//! (`fixtures/expect/<stem>.json`, layer 2 of the test plan).
//!
//! A fixture either walks equal, or each of its differences is listed in
//! [`KNOWN_DIFFERENCES`] with the reason. The test fails on a difference that is not listed
//! and on a listed entry that no longer differs, so the list only shrinks.

use h5oxide_conformance::corpus;
use h5oxide_conformance::oxide_walk;
use h5oxide_conformance::walk::{compare, Difference, Walk};

/// One expected difference: fixture stem, object path, field (a difference matches when
/// its field equals this or starts with it followed by `[` or `.`; `*` matches every field
/// of the object), and why.
struct Known {
    file: &'static str,
    path: &'static str,
    field: &'static str,
    reason: &'static str,
}

/// libhdf5 1.10.8 cannot read these objects of a file written by HDF5 2.0 (h5py 3.16); its
/// walk records the failed call. h5oxide reads them; `h5py_latest_equals_h5py_default`
/// checks what it reads against the C walk of the same content written in the default
/// format.
const HDF5_2_OBJECTS: &str = "libhdf5 1.10 cannot read this HDF5 2.0 object (H5Oopen or \
                              H5Aiterate2 fails); h5oxide reads it";

const KNOWN_DIFFERENCES: &[Known] = &[
    Known {
        file: "filters_zstd",
        path: "/zstd_1d_level19",
        field: "values",
        reason: "the C library build has no zstd filter (32015); h5oxide decodes it",
    },
    Known {
        file: "filters_zstd",
        path: "/zstd_i32",
        field: "*",
        reason: "the C library build has no zstd filter (32015); h5oxide decodes it",
    },
    Known {
        file: "h5py_latest",
        path: "/",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
    Known {
        file: "h5py_latest",
        path: "/bool",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
    Known {
        file: "h5py_latest",
        path: "/complex128",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
    Known {
        file: "h5py_latest",
        path: "/complex64",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
    Known {
        file: "h5py_latest",
        path: "/fletcher32",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
    Known {
        file: "h5py_latest",
        path: "/gzip_shuffle",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
    Known {
        file: "h5py_latest",
        path: "/lzf",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
    Known {
        file: "h5py_latest",
        path: "/region_refs",
        field: "values",
        reason: "libhdf5 1.10 fails H5Rget_region on a region reference HDF5 2.0 wrote; \
                 h5oxide decodes the selection",
    },
    Known {
        file: "h5py_latest",
        path: "/scaleoffset",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
    Known {
        file: "h5py_latest",
        path: "/structured",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
    Known {
        file: "h5py_latest",
        path: "/x",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
    Known {
        file: "h5py_latest",
        path: "/y",
        field: "*",
        reason: HDF5_2_OBJECTS,
    },
];

fn matches(k: &Known, stem: &str, d: &Difference) -> bool {
    k.file == stem
        && k.path == d.path
        && (k.field == "*"
            || d.field == k.field
            || d.field
                .strip_prefix(k.field)
                .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.')))
}

#[test]
fn h5oxide_walk_equals_c_walk() {
    let files = corpus::fixture_files(&corpus::files_dir()).unwrap();
    assert!(
        !files.is_empty(),
        "no fixtures under {}",
        corpus::files_dir().display()
    );
    let mut failures = Vec::new();
    let mut used = vec![false; KNOWN_DIFFERENCES.len()];
    for file in &files {
        let stem = corpus::stem(file);
        let expect_path = corpus::expect_path(file);
        let expected = match std::fs::read_to_string(&expect_path)
            .map_err(|e| e.to_string())
            .and_then(|t| Walk::from_json(&t))
        {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{}: {e}", expect_path.display()));
                continue;
            }
        };
        let ours = match oxide_walk(file) {
            Ok(w) => w,
            Err(e) => {
                failures.push(format!("{}: h5oxide walk failed: {e}", file.display()));
                continue;
            }
        };
        let mut unexpected = Vec::new();
        for d in compare(&expected, &ours, 200) {
            let hit = KNOWN_DIFFERENCES.iter().position(|k| matches(k, &stem, &d));
            match hit {
                Some(i) => used[i] = true,
                None => unexpected.push(format!("  {d}")),
            }
        }
        if !unexpected.is_empty() {
            failures.push(format!(
                "{} (left: C library expectation, right: h5oxide):\n{}",
                file.display(),
                unexpected.join("\n")
            ));
        }
    }
    for (k, used) in KNOWN_DIFFERENCES.iter().zip(used) {
        if !used {
            failures.push(format!(
                "{} {} {}: listed as a known difference ({}) but no longer differs; remove it",
                k.file, k.path, k.field, k.reason
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// h5py writes the same content in the default and the latest format. libhdf5 1.10 cannot
/// read parts of the latest-format file (HDF5 2.0), so h5oxide's walk of it is checked
/// against the C walk of the default-format file instead: equal apart from the file name.
#[test]
fn h5py_latest_equals_h5py_default() {
    let dir = corpus::files_dir().join("h5py");
    let default = dir.join("h5py_default.h5");
    let text = std::fs::read_to_string(corpus::expect_path(&default)).unwrap();
    let mut expected = Walk::from_json(&text).unwrap();
    expected.file = "h5py_latest.h5".to_string();
    let ours = oxide_walk(&dir.join("h5py_latest.h5")).unwrap();
    let diffs = compare(&expected, &ours, 50);
    assert!(
        diffs.is_empty(),
        "left: C walk of h5py_default.h5, right: h5oxide walk of h5py_latest.h5\n{}",
        h5oxide_conformance::walk::render(&diffs)
    );
}

/// The C library build cannot decode zstd, so the zstd fixtures are checked against the
/// formulas their generator wrote (fixtures/src/filters.rs), every element.
#[test]
fn zstd_values_follow_the_generator() {
    let file = h5oxide::File::open(corpus::files_dir().join("filters_zstd.h5")).unwrap();
    type Formula = fn(i64) -> i64;
    let cases: [(&str, u64, Formula); 2] = [
        ("zstd_i32", 8000, |i| (i * 7) % 1000 - 300),
        ("zstd_1d_level19", 1000, |i| (i / 3) * 2),
    ];
    for (name, n, value) in cases {
        let values = file.root().dataset(name).unwrap().read_values().unwrap();
        assert_eq!(values.len() as u64, n, "{name}");
        for (i, v) in values.iter().enumerate() {
            assert_eq!(*v, h5oxide::Value::Int(value(i as i64)), "{name}[{i}]");
        }
    }
}

#[test]
fn known_differences_name_existing_fixtures() {
    let files = corpus::fixture_files(&corpus::files_dir()).unwrap();
    let stems: Vec<String> = files.iter().map(|f| corpus::stem(f)).collect();
    for k in KNOWN_DIFFERENCES {
        assert!(
            stems.iter().any(|s| s == k.file),
            "{}: no such fixture",
            k.file
        );
        assert!(
            !k.reason.is_empty(),
            "{} {}: no reason given",
            k.file,
            k.path
        );
    }
}
