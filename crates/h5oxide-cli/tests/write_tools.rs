//! `h5ox import`, `repack` and `load-json` on the fixture corpus and on hand-built `.npy`
//! files; the files written are read back by the C library's h5dump.

mod tools;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tools::{fixture, h5ox, ok, s};

use serde_json::Value as Json;

/// A scratch folder, removed when the test that made it passes (kept after a failure, to
/// look at).
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn temp_dir(name: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("h5ox-write-tools-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    TempDir(d)
}

/// h5dump's output, or `None` when h5dump is not installed.
fn h5dump(args: &[&str]) -> Option<String> {
    match Command::new("h5dump")
        .args(args)
        .env(
            "HDF5_PLUGIN_PATH",
            "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins",
        )
        .output()
    {
        Ok(o) => {
            assert!(
                o.status.success(),
                "h5dump {args:?} failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some(String::from_utf8_lossy(&o.stdout).into_owned())
        }
        Err(_) => {
            eprintln!("skipped: h5dump is not installed");
            None
        }
    }
}

/// h5dump's full text without the first line (it names the file).
fn c_text(p: &Path) -> Option<String> {
    h5dump(&[s(p)]).map(|t| t.lines().skip(1).collect::<Vec<_>>().join("\n"))
}

/// A version 1.0 `.npy` file built by hand: `dict` padded to 64 bytes, then `data`.
fn npy(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut h = dict.to_owned();
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    out
}

/// The data lines of one dataset as h5dump prints them.
fn c_data(file: &Path, ds: &str) -> Option<String> {
    let t = h5dump(&["-d", ds, "-w", "0", s(file)])?;
    let from = t.find("DATA {").expect("a DATA block");
    Some(t[from..].to_owned())
}

#[test]
fn import_hand_built_npy_files_read_by_the_c_library() {
    let dir = temp_dir("import");
    let out = dir.join("out.h5");
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "i2",
            npy(
                "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }",
                &[1, 0, 2, 0, 3, 0, 0xff, 0xff, 0xfe, 0xff, 0, 0x80],
            ),
            "--chunk=1,3",
            "(0,0): 1, 2, 3, (1,0): -1, -2, -32768",
        ),
        (
            "f8be",
            npy(
                "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }",
                &[0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xc0, 0x04, 0, 0, 0, 0, 0, 0],
            ),
            "--filter=shuffle+gzip=4",
            "(0): 1.5, -2.5",
        ),
        (
            "bool",
            npy(
                "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                &[1, 0, 1],
            ),
            "--filter=none",
            "(0): TRUE, FALSE, TRUE",
        ),
        (
            "complex",
            npy(
                "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
                &[0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0],
            ),
            "--filter=lz4",
            "(0): { 1, -2 }",
        ),
        (
            "record",
            npy(
                "{'descr': [('a', '<u1'), ('', '|V1'), ('b', '<u2', (2,))], \
                 'fortran_order': False, 'shape': (1,), }",
                &[7, 0xee, 1, 0, 2, 1],
            ),
            "--filter=fletcher32",
            "(0): { 7, [ 1, 258 ] }",
        ),
        (
            "str",
            npy(
                "{'descr': '|S3', 'fortran_order': False, 'shape': (2,), }",
                b"abcde\0",
            ),
            "--filter=lzf",
            "(0): \"abc\", \"de\\000\"",
        ),
        (
            "scalar",
            npy(
                "{'descr': '<u8', 'fortran_order': False, 'shape': (), }",
                &42u64.to_le_bytes(),
            ),
            "--libver=latest",
            "(0): 42",
        ),
    ];
    for (name, bytes, opt, want) in &cases {
        let p = dir.join(format!("{name}.npy"));
        std::fs::write(&p, bytes).unwrap();
        ok(&["import", s(&p), s(&out), &format!("/g/{name}"), opt]);
        if let Some(text) = c_data(&out, &format!("/g/{name}")) {
            let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let want: String = want.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(flat.contains(&want), "{name}: {flat}");
        }
    }
    if let Some(h) = h5dump(&["-p", "-H", "-d", "/g/i2", s(&out)]) {
        assert!(h.contains("CHUNKED ( 1, 3 )"), "{h}");
    }
    if let Some(h) = h5dump(&["-p", "-H", "-d", "/g/f8be", s(&out)]) {
        assert!(h.contains("H5T_IEEE_F64BE"), "{h}");
        assert!(h.contains("SHUFFLE") && h.contains("LEVEL 4"), "{h}");
    }
    // The dataset exists now: refused, one line, exit 1.
    let p = dir.join("i2.npy");
    let o = h5ox(&["import", s(&p), s(&out), "/g/i2"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("already exists") && err.lines().count() == 1,
        "{err}"
    );
    // Unicode arrays are named as unsupported.
    let u = dir.join("u.npy");
    std::fs::write(
        &u,
        npy(
            "{'descr': '<U2', 'fortran_order': False, 'shape': (1,), }",
            &[0; 8],
        ),
    )
    .unwrap();
    let o = h5ox(&["import", s(&u), s(&out), "u"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not yet supported"));
    // A missing argument is a usage error.
    assert_eq!(h5ox(&["import", s(&u)]).status.code(), Some(2));
}

#[test]
fn export_then_import_keeps_the_bytes() {
    let dir = temp_dir("roundtrip");
    let out = dir.join("back.h5");
    let src = fixture("types_numeric.h5");
    let listing = ok(&["ls", "-r", s(&src)]);
    let mut done = 0;
    for line in listing.lines() {
        let mut parts = line.split_whitespace();
        let (Some(path), Some("Dataset")) = (parts.next(), parts.next()) else {
            continue;
        };
        let a = dir.join("a.npy");
        if !h5ox(&["export", s(&src), path, s(&a)]).status.success() {
            continue; // a type .npy cannot hold
        }
        ok(&["import", s(&a), s(&out), path]);
        let b = dir.join("b.npy");
        ok(&["export", s(&out), path, s(&b)]);
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "{path}"
        );
        if let (Some(x), Some(y)) = (c_data(&src, path), c_data(&out, path)) {
            assert_eq!(x, y, "{path}");
        }
        done += 1;
    }
    assert!(done >= 8, "only {done} datasets exported");
}

#[test]
fn numpy_written_files_import() {
    let dir = temp_dir("numpy");
    let script = format!(
        "import numpy as np\n\
         np.save('{0}/a.npy', np.arange(24, dtype='>i4').reshape(4, 6))\n\
         np.save('{0}/b.npy', np.array([(1, 2.5), (3, -1.0)], dtype=[('x', '<i8'), ('y', '<f4')]))\n\
         np.save('{0}/c.npy', np.linspace(0, 1, 5000).reshape(1000, 5))\n",
        dir.display()
    );
    let Ok(o) = Command::new("python3").args(["-c", &script]).output() else {
        eprintln!("skipped: python3 is not installed");
        return;
    };
    if !o.status.success() {
        eprintln!("skipped: numpy is not available");
        return;
    }
    let out = dir.join("n.h5");
    for n in ["a", "b", "c"] {
        let p = dir.join(format!("{n}.npy"));
        ok(&[
            "import",
            s(&p),
            s(&out),
            n,
            "--chunk",
            match n {
                "a" => "1,6",
                "b" => "1",
                _ => "100,5",
            },
        ]);
        let back = dir.join(format!("{n}.back.npy"));
        ok(&["export", s(&out), n, s(&back)]);
        let (x, y) = (std::fs::read(&p).unwrap(), std::fs::read(&back).unwrap());
        // Same array bytes after the header (headers may differ in spacing).
        assert_eq!(x[x.len() - 8..], y[y.len() - 8..], "{n}");
        assert_eq!(x.len(), y.len(), "{n}");
    }
    if let Some(t) = c_data(&out, "/a") {
        assert!(t.contains("(3,0): 18, 19, 20, 21, 22, 23"), "{t}");
    }
}

/// Fixtures whose every object repack and load-json write exactly.
const EXACT: &[&str] = &[
    "attrs_continuation_earliest.h5",
    "attrs_continuation_latest.h5",
    "chunk_index_earliest.h5",
    "chunk_index_latest.h5",
    "creation_order.h5",
    "deleted_objects_earliest.h5",
    "deleted_objects_latest.h5",
    "format_earliest_sb0.h5",
    "format_earliest_sb1_small_k.h5",
    "format_latest_sb3.h5",
    "format_v18_sb2.h5",
    "links_earliest.h5",
    "links_latest.h5",
    "links_target.h5",
    "types_numeric.h5",
    "userblock_512.h5",
    "vds_src_0.h5",
];

#[test]
fn repack_keeps_what_the_c_library_reads() {
    let dir = temp_dir("repack");
    // The target of the external links, where h5dump looks for it.
    std::fs::copy(fixture("links_target.h5"), dir.join("links_target.h5")).unwrap();
    for name in EXACT.iter().chain(&["layouts.h5", "groups_many_latest.h5"]) {
        let src = fixture(name);
        let out = dir.join(name);
        let report = ok(&["repack", s(&src), s(&out)]);
        assert!(report.contains(" bytes -> "), "{report}");
        if let (Some(a), Some(b)) = (c_text(&src), c_text(&out)) {
            let strip = |t: &str| {
                t.lines()
                    .filter(|l| !l.contains("OFFSET"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            assert_eq!(strip(&a), strip(&b), "{name}");
        }
    }
}

#[test]
fn repack_verifies_files_the_text_dump_cannot_compare() {
    // Undefined fill values (h5dump prints whatever memory held), filters that are not
    // written again, external raw data read relative to the working directory, ASCII
    // variable-length strings rewritten as UTF-8: the tool's own comparison of values runs.
    let dir = temp_dir("repack-verify");
    for name in [
        "fill_values.h5",
        "fill_values_latest.h5",
        "filters_builtin.h5",
        "types_strings.h5",
        "external_raw.h5",
    ] {
        let out = dir.join(name);
        let o = h5ox(&["repack", s(&fixture(name)), s(&out)]);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.exists());
    }
}

#[test]
fn repack_drops_deleted_objects_and_changes_filters_and_generation() {
    let dir = temp_dir("repack2");
    for name in ["deleted_objects_earliest.h5", "deleted_objects_latest.h5"] {
        let src = fixture(name);
        let out = dir.join(name);
        ok(&["repack", s(&src), s(&out)]);
        let (a, b) = (
            std::fs::metadata(&src).unwrap().len(),
            std::fs::metadata(&out).unwrap().len(),
        );
        assert!(b < a, "{name}: {a} -> {b} bytes");
    }
    // Every chunkable dataset gets the new pipeline; a path-specific one wins.
    let src = fixture("chunk_index_latest.h5");
    let out = dir.join("gz.h5");
    ok(&[
        "repack",
        "--filter",
        "shuffle+gzip=6",
        "--filter",
        "/fixed_array:lz4",
        s(&src),
        s(&out),
    ]);
    if let Some(h) = h5dump(&["-p", "-H", s(&out)]) {
        assert!(h.contains("COMPRESSION DEFLATE { LEVEL 6 }"), "{h}");
        assert!(h.contains("FILTER_ID 32004"), "{h}");
    }
    let out2 = dir.join("chunked.h5");
    ok(&["repack", "--chunk", "/fixed_array=5,5", s(&src), s(&out2)]);
    if let Some(h) = h5dump(&["-p", "-H", "-d", "/fixed_array", s(&out2)]) {
        assert!(h.contains("CHUNKED ( 5, 5 )"), "{h}");
    }
    // Generations both ways.
    for (name, libver, want) in [
        ("format_earliest_sb0.h5", "latest", "SUPERBLOCK_VERSION 3"),
        ("format_latest_sb3.h5", "earliest", "SUPERBLOCK_VERSION 0"),
    ] {
        let out = dir.join(format!("{libver}.h5"));
        ok(&["repack", "--libver", libver, s(&fixture(name)), s(&out)]);
        if let Some(h) = h5dump(&["-B", "-H", s(&out)]) {
            assert!(h.contains(want), "{name}: {h}");
        }
    }
    // An input that is not HDF5 fails with one line and leaves no output.
    let bad = dir.join("bad.h5");
    let junk = dir.join("junk.h5");
    std::fs::write(&junk, [0x42u8; 4096]).unwrap();
    let o = h5ox(&["repack", s(&junk), s(&bad)]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!bad.exists());
}

/// The document with object ids replaced by the paths that reach the objects.
fn normalized(doc: &Json) -> BTreeMap<String, Json> {
    let mut key = BTreeMap::new();
    for c in ["groups", "datasets", "datatypes"] {
        for (id, o) in doc[c].as_object().into_iter().flatten() {
            let mut alias: Vec<String> = o["alias"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned())
                .collect();
            alias.sort();
            key.insert(id.clone(), format!("{c}:{}", alias.join("|")));
        }
    }
    let mut out = BTreeMap::new();
    for c in ["groups", "datasets", "datatypes"] {
        for (id, o) in doc[c].as_object().into_iter().flatten() {
            let mut o = o.clone();
            if let Some(links) = o.get_mut("links").and_then(Json::as_array_mut) {
                for l in links {
                    if let Some(k) = l.get("id").and_then(Json::as_str).and_then(|i| key.get(i)) {
                        l["id"] = Json::String(k.clone());
                    }
                }
            }
            out.insert(key[id].clone(), o);
        }
    }
    out
}

#[test]
fn load_json_rebuilds_what_dump_json_wrote() {
    let dir = temp_dir("load-json");
    std::fs::copy(fixture("links_target.h5"), dir.join("links_target.h5")).unwrap();
    for name in EXACT {
        let src = fixture(name);
        let json_a = dir.join(format!("{name}.json"));
        std::fs::write(&json_a, ok(&["dump", "--json", s(&src)])).unwrap();
        let b = dir.join(name);
        ok(&["load-json", s(&json_a), s(&b)]);
        let a: Json = serde_json::from_str(&std::fs::read_to_string(&json_a).unwrap()).unwrap();
        let back: Json = serde_json::from_str(&ok(&["dump", "--json", s(&b)])).unwrap();
        assert_eq!(normalized(&a), normalized(&back), "{name}");
        if let (Some(x), Some(y)) = (c_text(&src), c_text(&b)) {
            let strip = |t: &str| {
                t.lines()
                    .filter(|l| !l.contains("OFFSET"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            assert_eq!(strip(&x), strip(&y), "{name}");
        }
    }
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"root\": 1").unwrap();
    let o = h5ox(&["load-json", s(&bad), s(&dir.join("bad.h5"))]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stderr).lines().count(), 1);
}

#[test]
fn large_arrays_stream_in_slabs() {
    // 40 MB: more than two 16 MiB slabs, so the dataset is created with its first slab and
    // the rest written into it (chunked), or created empty and filled (contiguous).
    let dir = temp_dir("slabs");
    let n: usize = 40_000_000;
    let data: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
    let src = dir.join("big.npy");
    std::fs::write(
        &src,
        npy(
            &format!("{{'descr': '|u1', 'fortran_order': False, 'shape': ({n},), }}"),
            &data,
        ),
    )
    .unwrap();
    let out = dir.join("big.h5");
    ok(&["import", s(&src), s(&out), "chunked", "--chunk", "3000000"]);
    ok(&["import", s(&src), s(&out), "contiguous"]);
    for name in ["chunked", "contiguous"] {
        let back = dir.join(format!("{name}.npy"));
        ok(&["export", s(&out), name, s(&back)]);
        assert!(
            std::fs::read(&back).unwrap() == std::fs::read(&src).unwrap(),
            "{name}"
        );
        // Elements near the end, past the first slab, as the C library reads them.
        if let Some(t) = h5dump(&["-d", name, "-s", "39999998", "-c", "2", s(&out)]) {
            let want = format!("{}, {}", (n - 2) % 251, (n - 1) % 251);
            assert!(t.contains(&want), "{name}: {t}");
        }
    }
    // Repacking streams the same way and the copy verifies.
    ok(&[
        "repack",
        "--filter",
        "shuffle+gzip=1",
        s(&out),
        s(&dir.join("re.h5")),
    ]);
}

/// h5dump's text of `p` (with `args`) without the file name line and the lines naming
/// addresses, sizes of stored data or the plugins' own comments and version fields.
fn c_text_with(p: &Path, args: &[&str], skip: &[&str]) -> Option<String> {
    let mut a = args.to_vec();
    a.push(s(p));
    h5dump(&a).map(|t| {
        t.lines()
            .skip(1)
            .filter(|l| !skip.iter().any(|k| l.contains(k)))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[test]
fn repack_keeps_plugin_filters_compact_layouts_and_fill_values() {
    let dir = temp_dir("repack-more");
    // Compact layouts stay compact: the whole -p text matches, layouts and filters
    // included. Sizes may differ: storage never written is allocated in the copy.
    // So does dump --json | load-json.
    for name in ["layouts.h5", "layouts_latest.h5"] {
        let out = dir.join(name);
        ok(&["repack", s(&fixture(name)), s(&out)]);
        let json = dir.join(format!("{name}.json"));
        std::fs::write(&json, ok(&["dump", "--json", s(&fixture(name))])).unwrap();
        let loaded = dir.join(format!("loaded_{name}"));
        let libver = if name.contains("latest") {
            "latest"
        } else {
            "earliest"
        };
        ok(&["load-json", "--libver", libver, s(&json), s(&loaded)]);
        let skip = ["OFFSET", "SIZE"];
        let a = c_text_with(&fixture(name), &["-p"], &skip);
        for copy in [&out, &loaded] {
            if let (Some(a), Some(b)) = (&a, c_text_with(copy, &["-p"], &skip)) {
                assert!(a.contains("COMPACT"), "{name}");
                assert_eq!(*a, b, "{}", copy.display());
            }
        }
    }
    // Every plugin filter is written again (none dropped): same filter ids per dataset and
    // the same values; the plugins' comments and version words may differ.
    for name in ["filters_plugins.h5", "filters_blosc.h5"] {
        let out = dir.join(name);
        let o = h5ox(&["repack", s(&fixture(name)), s(&out)]);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("warning"),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let ids = |p: &Path| {
            c_text_with(p, &["-p", "-H"], &[]).map(|t| {
                t.lines()
                    .filter(|l| l.contains("DATASET") || l.contains("FILTER_ID"))
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        };
        if let (Some(a), Some(b)) = (ids(&fixture(name)), ids(&out)) {
            assert!(a.contains("FILTER_ID"), "{name}");
            assert_eq!(a, b, "{name}");
        }
        if let (Some(a), Some(b)) = (c_text(&fixture(name)), c_text(&out)) {
            assert_eq!(a, b, "{name}");
        }
    }
    // A compound fill value (not 1, 2, 4 or 8 bytes) is kept.
    let out = dir.join("fill_values.h5");
    ok(&["repack", s(&fixture("fill_values.h5")), s(&out)]);
    let fill = |p: &Path| {
        let t = h5dump(&["-p", "-H", "-d", "/compound_fill", s(p)])?;
        let from = t.find("FILLVALUE").expect("a fill value block");
        Some(t[from..].lines().take(7).collect::<Vec<_>>().join("\n"))
    };
    if let (Some(a), Some(b)) = (fill(&fixture("fill_values.h5")), fill(&out)) {
        assert!(a.contains("0.5"), "{a}");
        assert_eq!(a, b);
    }
}

#[test]
fn repack_and_load_json_keep_committed_types_shared() {
    let dir = temp_dir("committed");
    let src = fixture("types_committed.h5");
    let out = dir.join("repacked.h5");
    ok(&["repack", s(&src), s(&out)]);
    let json = dir.join("types_committed.json");
    std::fs::write(&json, ok(&["dump", "--json", s(&src)])).unwrap();
    let loaded = dir.join("loaded.h5");
    ok(&["load-json", s(&json), s(&loaded)]);
    for (file, shared) in [(&out, true), (&loaded, false)] {
        for (ds, t) in [
            ("/labels", "/types/label"),
            ("/nested/colours", "/types/colour"),
            ("/points", "/types/point"),
        ] {
            let Some(text) = h5dump(&["-H", "-d", ds, s(file)]) else {
                return;
            };
            // repack refers to the committed type; load-json (whose HDF5/JSON has the
            // type inline) still commits the named types themselves.
            assert_eq!(
                text.contains(&format!("DATATYPE  \"{t}\"")),
                shared,
                "{ds} in {}:\n{text}",
                file.display()
            );
        }
        let Some(text) = h5dump(&["-H", s(file)]) else {
            return;
        };
        for t in ["point", "label", "colour"] {
            assert!(
                text.contains(&format!("DATATYPE \"{t}\"")),
                "{t} in {}:\n{text}",
                file.display()
            );
        }
    }
    // Values as the C library reads them.
    for ds in ["/labels", "/nested/colours", "/points"] {
        if let (Some(a), Some(b)) = (c_data(&src, ds), c_data(&out, ds)) {
            assert_eq!(a, b, "{ds}");
        }
    }
}

#[test]
fn load_json_takes_the_extent_of_a_virtual_dataset() {
    let dir = temp_dir("vds");
    for f in ["vds.h5", "vds_src_0.h5", "vds_src_1.h5", "vds_src_2.h5"] {
        std::fs::copy(fixture(f), dir.join(f)).unwrap();
    }
    let src = dir.join("vds.h5");
    let doc: Json = serde_json::from_str(&ok(&["dump", "--json", s(&src)])).unwrap();
    let d = doc["datasets"]
        .as_object()
        .unwrap()
        .values()
        .find(|d| d["alias"][0] == "/printf_sources")
        .expect("/printf_sources");
    // h5dump: DATASPACE SIMPLE { ( 30 ) / ( H5S_UNLIMITED ) }.
    assert_eq!(d["shape"]["dims"], serde_json::json!([30]));
    assert_eq!(d["value"].as_array().unwrap().len(), 30);
    let json = dir.join("vds.json");
    std::fs::write(&json, doc.to_string()).unwrap();
    let loaded = dir.join("loaded.h5");
    ok(&["load-json", s(&json), s(&loaded)]);
    if let (Some(a), Some(b)) = (
        c_data(&src, "/printf_sources"),
        c_data(&loaded, "/printf_sources"),
    ) {
        assert!(a.contains("209"), "{a}");
        assert_eq!(a, b);
    }
    let text = ok(&["dump", "-H", "-d", "/printf_sources", s(&src)]);
    assert!(
        text.contains("SIMPLE { ( 30 ) / ( H5S_UNLIMITED ) }"),
        "{text}"
    );
}

#[test]
fn null_dataspace_datasets_are_copied() {
    // Like the null dataspace dataset of the dataspaces fixture.
    let dir = temp_dir("null");
    let src = dir.join("null.h5");
    {
        let f = h5oxide::File::create(&src).unwrap();
        f.root()
            .new_dataset_builder()
            .dtype(<i32 as h5oxide::H5Write>::write_type())
            .null()
            .create("empty")
            .unwrap()
            .attrs()
            .set("units", "m")
            .unwrap();
    }
    let out = dir.join("repacked.h5");
    ok(&["repack", s(&src), s(&out)]);
    let json = dir.join("null.json");
    std::fs::write(&json, ok(&["dump", "--json", s(&src)])).unwrap();
    let loaded = dir.join("loaded.h5");
    ok(&["load-json", s(&json), s(&loaded)]);
    for f in [&out, &loaded] {
        if let Some(t) = h5dump(&["-d", "/empty", "-A", s(f)]) {
            assert!(t.contains("DATASPACE  NULL"), "{t}");
            assert!(t.contains("H5T_STD_I32LE"), "{t}");
        }
        if let (Some(a), Some(b)) = (c_text(&src), c_text(f)) {
            assert_eq!(a, b);
        }
    }
    // The fixture's attributes with null, scalar, zero-sized and rank-3 dataspaces: h5dump
    // prints the same file (types, dataspaces, values) for the input and each copy, in both
    // generations.
    let src = fixture("dataspaces.h5");
    let json = dir.join("dataspaces.json");
    std::fs::write(&json, ok(&["dump", "--json", s(&src)])).unwrap();
    for libver in ["earliest", "latest"] {
        let out = dir.join(format!("dataspaces_{libver}.h5"));
        ok(&["repack", "--libver", libver, s(&src), s(&out)]);
        let loaded = dir.join(format!("dataspaces_json_{libver}.h5"));
        ok(&["load-json", "--libver", libver, s(&json), s(&loaded)]);
        for f in [&out, &loaded] {
            if let Some(t) = h5dump(&["-A", s(f)]) {
                assert!(t.contains("DATASPACE  NULL"), "{t}");
            }
            if let (Some(a), Some(b)) = (c_text(&src), c_text(f)) {
                assert_eq!(a, b, "{}", f.display());
            }
        }
    }
}

#[test]
fn ascii_vlen_string_datasets_stay_ascii() {
    let dir = temp_dir("ascii");
    let src = fixture("types_strings.h5");
    let out = dir.join("repacked.h5");
    ok(&["repack", s(&src), s(&out)]);
    let json = dir.join("strings.json");
    std::fs::write(&json, ok(&["dump", "--json", s(&src)])).unwrap();
    let loaded = dir.join("loaded.h5");
    ok(&["load-json", s(&json), s(&loaded)]);
    for f in [&out, &loaded] {
        // The dataset's whole block (type, shape, values) as libhdf5 reads it.
        let block = |p: &Path| {
            h5dump(&["-d", "/vlen_ascii", s(p)])
                .map(|t| t.lines().skip(1).collect::<Vec<_>>().join("\n"))
        };
        if let (Some(a), Some(b)) = (block(&src), block(f)) {
            assert!(a.contains("H5T_CSET_ASCII"), "{a}");
            assert_eq!(a, b, "{}", f.display());
        }
    }
}
