//! Runs every workflow example of crates/h5oxide/examples in a fresh directory and checks
//! the files it writes with the C library (`h5dump`, the conformance walker).

#[path = "write_common.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{c_walk, floats, h5dump, ints, temp_dir, walk_attr, walk_object, walk_paths};

/// The examples' directory: beside the test binaries when `cargo test` built the examples,
/// else built once into a directory of its own (a nested cargo must not wait on this
/// build's lock).
fn examples_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let one = common::helper_binary(
            None,
            "examples/seed_groups",
            &["-p", "h5oxide", "--examples"],
            "examples-run",
        );
        one.parent().unwrap().to_path_buf()
    })
}

/// Runs example `name` in `dir`; returns its standard output.
fn run(name: &str, dir: &Path) -> String {
    let out = Command::new(examples_dir().join(name))
        .current_dir(dir)
        .output()
        .expect("the example runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "example {name} failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn seed_groups() {
    let dir = temp_dir("ex_seed_groups");
    let out = run("seed_groups", &dir);
    assert!(out.contains("keys: [\"1\", \"2\"]"), "{out}");
    assert!(out.contains("[0]  = 0"), "{out}");
    let walk = c_walk(&dir.join("seed_groups.h5"));
    assert_eq!(
        walk_paths(&walk),
        ["/", "/subPano", "/subPano/1", "/subPano/2"]
    );
    assert_eq!(
        ints(&walk_object(&walk, "/subPano/1")["values"]),
        (0..10).collect::<Vec<i64>>()
    );
    let two: Vec<f64> = (0..20).map(|i| f64::from(i) * 0.5).collect();
    assert_eq!(floats(&walk_object(&walk, "/subPano/2")["values"], 8), two);
}

#[test]
fn resize_append() {
    let dir = temp_dir("ex_resize_append");
    let out = run("resize_append", &dir);
    assert!(
        out.contains("Only chunked datasets can be resized"),
        "{out}"
    );
    assert!(out.contains("name already exists"), "{out}");
    let path = dir.join("resize_append.h5");
    let walk = c_walk(&path);
    let o = walk_object(&walk, "/grow");
    assert_eq!(o["shape"].as_u64s(), [Some(30)]);
    assert_eq!(ints(&o["values"]), (0..30).collect::<Vec<i64>>());
    let dump = h5dump(&path, &["-p", "-H", "-d", "/grow"]);
    assert!(dump.contains("( 30 ) / ( H5S_UNLIMITED )"), "{dump}");
    assert!(dump.contains("CHUNKED ( 8 )"), "{dump}");
}

#[test]
fn image_stack() {
    let dir = temp_dir("ex_image_stack");
    run("image_stack", &dir);
    let path = dir.join("image_stack.h5");
    for (category, name) in ["ships", "no_ships"].into_iter().enumerate() {
        let dump = h5dump(
            &path,
            &[
                "-p",
                "-d",
                &format!("/{name}/images"),
                "-s",
                "9,10,20,0",
                "-c",
                "1,1,1,3",
            ],
        );
        assert!(dump.contains("DEFLATE { LEVEL 4 }"), "{dump}");
        assert!(dump.contains("( 16, 80, 80, 3 )"), "{dump}");
        let v: Vec<usize> = (0..3)
            .map(|c| (category * 101 + 9 * 31 + 10 * 7 + 20 * 3 + c * 50) % 256)
            .collect();
        let want = format!("(9,10,20,0): {}, {}, {}", v[0], v[1], v[2]);
        assert!(dump.contains(&want), "missing {want} in {dump}");
    }
    let walk = c_walk(&path);
    let label = walk_attr(walk_object(&walk, "/no_ships"), "label");
    assert_eq!(ints(&label["values"]), [1]);
}

#[test]
fn attributes() {
    let dir = temp_dir("ex_attributes");
    let out = run("attributes", &dir);
    assert!(
        out.contains("21 attributes, calibration has 100000 values, last 49999.5"),
        "{out}"
    );
    let large = c_walk(&dir.join("attributes_large.h5"));
    let cal = walk_attr(walk_object(&large, "/"), "calibration");
    assert_eq!(cal["shape"].as_u64s(), [Some(100_000)]);
    assert_eq!(floats(&cal["values"], 8)[..3], [0.0, 0.5, 1.0]);
    let dump = h5dump(&dir.join("attributes_large.h5"), &["-a", "/meta07"]);
    assert!(dump.contains("(0): 7"), "{dump}");
    let walk = c_walk(&dir.join("attributes.h5"));
    let root = walk_object(&walk, "/");
    assert_eq!(ints(&walk_attr(root, "length")["values"]), [100]);
    assert_eq!(ints(&walk_attr(root, "version")["values"]), [1, 2, 0]);
    let scan = walk_object(&walk, "/scan");
    assert_eq!(
        walk_attr(scan, "title")["values"].as_str(),
        "Scan 7 — ünïcode"
    );
    let tags: Vec<&str> = walk_attr(scan, "tags")["values"]
        .as_array()
        .iter()
        .map(|v| v.as_str())
        .collect();
    assert_eq!(tags, ["raw", "calibrated"]);
    let signal = walk_object(&walk, "/scan/signal");
    assert_eq!(
        floats(&walk_attr(signal, "gains")["values"], 4),
        [1.5, 2.0, -3.25]
    );
    assert_eq!(ints(&walk_attr(signal, "matrix")["values"]), [1, 2, 3, 4]);
    let dump = h5dump(&dir.join("attributes.h5"), &["-A"]);
    assert!(dump.contains("ATTRIBUTE \"gains\""), "{dump}");
    assert!(!dump.contains("draft"), "{dump}");
}

#[test]
fn strings() {
    let dir = temp_dir("ex_strings");
    run("strings", &dir);
    let walk = c_walk(&dir.join("strings.h5"));
    fn flat(v: &common::Json, out: &mut Vec<String>) {
        match v {
            common::Json::Arr(items) => items.iter().for_each(|i| flat(i, out)),
            other => out.push(other.as_str().to_owned()),
        }
    }
    let strs = |p: &str| -> Vec<String> {
        let mut out = Vec::new();
        flat(&walk_object(&walk, p)["values"], &mut out);
        out
    };
    assert_eq!(strs("/names"), ["one", "two", "θree", "four"]);
    assert_eq!(strs("/codes"), ["AB", "CDE", ""]);
    assert_eq!(strs("/grid"), ["x", "y", "z", "w", "v", "u"]);
}

#[test]
fn links() {
    let dir = temp_dir("ex_links");
    let out = run("links", &dir);
    assert!(out.contains("dangling"), "{out}");
    assert!(out.contains("remote values: [10, 20, 30]"), "{out}");
    let path = dir.join("links.h5");
    let dump = h5dump(&path, &["-d", "/alias"]);
    assert!(dump.contains("(0): 1, 2, 3"), "{dump}");
    let dump = h5dump(&path, &["-d", "/latest"]);
    assert!(dump.contains("(0): 1, 2, 3"), "{dump}");
    // h5dump follows the external link from the file's directory.
    let out = Command::new("h5dump")
        .args(["-d", "/remote"])
        .arg(&path)
        .current_dir(&*dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(0): 10, 20, 30"), "{text}");
    let dump = h5dump(&path, &[]);
    assert!(
        dump.contains("SOFTLINK \"missing\" {\n      LINKTARGET \"/nowhere\""),
        "{dump}"
    );
    assert!(dump.contains("EXTERNAL_LINK \"remote\""), "{dump}");
}

#[test]
fn compound_refs() {
    let dir = temp_dir("ex_compound_refs");
    let out = run("compound_refs", &dir);
    assert!(out.contains("records[2] = Record { id: 102"), "{out}");
    let path = dir.join("compound_refs.h5");
    let dump = h5dump(&path, &["-d", "/refs"]);
    assert!(
        dump.contains("DATASET") && dump.contains("\"/records\""),
        "{dump}"
    );
    assert!(dump.contains("\"/pairs\""), "{dump}");
    let dump = h5dump(&path, &["-d", "/region_refs"]);
    assert!(dump.contains("DATASET \"/signal\""), "{dump}");
    assert!(dump.contains("REGION_TYPE BLOCK  (10)-(19)"), "{dump}");
    let dump = h5dump(&path, &["-d", "/records"]);
    assert!(dump.contains("H5T_STD_U32LE \"id\";"), "{dump}");
    assert!(dump.contains("\"point-4\""), "{dump}");
    let walk = c_walk(&path);
    assert_eq!(
        ints(&walk_object(&walk, "/pairs")["values"]),
        [0, 1, 1, 2, 2, 3, 3, 4]
    );
    let dump = h5dump(&path, &["-d", "/regions"]);
    assert!(dump.contains("H5T_STD_I64LE \"start\";"), "{dump}");
    assert!(dump.contains("10,\n         25"), "{dump}");
}
