//! The `h5ox` binary run on the fixture corpus, checked against the C library's tools
//! (h5ls, h5dump) where they are installed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value as Json;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/files")
}

fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

fn h5ox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_h5ox"))
        .args(args)
        .output()
        .expect("run h5ox")
}

fn ok(args: &[&str]) -> String {
    let o = h5ox(args);
    assert!(
        o.status.success(),
        "h5ox {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8 output")
}

/// Runs a C library tool if it is on PATH; `None` (and a note) if it is not.
fn tool(name: &str, args: &[&str]) -> Option<String> {
    match Command::new(name)
        .args(args)
        .env(
            "HDF5_PLUGIN_PATH",
            "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins",
        )
        .output()
    {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => panic!(
            "{name} {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => {
            eprintln!("skipped: {name} is not installed");
            None
        }
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The first column of an h5ls-style listing: the object paths.
fn listed_paths(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn ls_recursive_lists_the_paths_h5ls_lists() {
    for name in [
        "links_latest.h5",
        "links_earliest.h5",
        "types_numeric.h5",
        "format_earliest_sb0.h5",
        "format_latest_sb3.h5",
        "chunk_index_latest.h5",
        "types_committed.h5",
        "creation_order.h5",
        "groups_many_latest.h5",
    ] {
        let f = fixture(name);
        let Some(theirs) = tool("h5ls", &["-r", path_str(&f)]) else {
            return;
        };
        let ours = ok(&["ls", "-r", path_str(&f)]);
        assert_eq!(listed_paths(&ours), listed_paths(&theirs), "{name}");
    }
}

#[test]
fn ls_verbose_shows_layout_filters_and_attributes() {
    let out = ok(&["ls", "-v", path_str(&fixture("filters_builtin.h5"))]);
    // Written with H5Pset_chunk(32, 24) and H5Pset_deflate(6) (fixtures/README.md).
    let block: Vec<&str> = out
        .split("deflate_6")
        .nth(1)
        .expect("deflate_6 listed")
        .lines()
        .take(5)
        .collect();
    let block = block.join("\n");
    assert!(block.contains("Chunks:    {32, 24} 3072 bytes"), "{block}");
    assert!(block.contains("deflate (id 1)"), "{block}");
    assert!(block.contains("{6}"), "{block}");
    assert!(block.contains("32000 logical bytes"), "{block}");

    let out = ok(&["ls", "-v", path_str(&fixture("layouts.h5"))]);
    let contiguous: String = out
        .split("\ncontiguous ")
        .nth(1)
        .expect("contiguous listed")
        .lines()
        .take(4)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(contiguous.contains("Layout:    contiguous"), "{contiguous}");
    assert!(contiguous.contains("allocated bytes"), "{contiguous}");

    let out = ok(&["ls", "-v", path_str(&fixture("dataspaces.h5")), "/"]);
    // The root of dataspaces.h5 is not listed itself; its datasets' attributes are, and the
    // group attributes appear with `ls -v -r`.
    let out_r = ok(&["ls", "-r", "-v", path_str(&fixture("dataspaces.h5"))]);
    assert!(out_r.contains("Attribute: rank3 {2, 2, 2} |u1"), "{out_r}");
    assert!(out_r.contains("Attribute: null NULL <i4"), "{out_r}");
    assert!(out.contains("maxdims_mixed"), "{out}");
}

/// Every object of an HDF5/JSON document by path: (collection, object).
fn by_path(doc: &Json) -> BTreeMap<String, (String, Json)> {
    let mut out = BTreeMap::new();
    for coll in ["groups", "datasets", "datatypes"] {
        for (_, obj) in doc[coll].as_object().expect("collection") {
            for p in obj["alias"].as_array().expect("alias") {
                out.insert(
                    p.as_str().expect("path").to_owned(),
                    (coll.to_owned(), obj.clone()),
                );
            }
        }
    }
    out
}

fn json_dump(name: &str, extra: &[&str]) -> Json {
    let f = fixture(name);
    let mut args = vec!["dump", "--json"];
    args.extend_from_slice(extra);
    args.push(path_str(&f));
    serde_json::from_str(&ok(&args)).expect("valid JSON")
}

/// Dataset types of the datasets directly in `/`, from h5dump's header (single-word types).
fn h5dump_root_types(f: &Path) -> Option<BTreeMap<String, String>> {
    let text = tool("h5dump", &["-H", path_str(f)])?;
    let mut out = BTreeMap::new();
    let mut current = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("   DATASET \"") {
            current = rest.split('"').next().map(str::to_owned);
        } else if let Some(t) = line.strip_prefix("      DATATYPE  ") {
            if let Some(name) = current.take() {
                if !t.contains(' ') {
                    out.insert(format!("/{name}"), t.to_owned());
                }
            }
        }
    }
    Some(out)
}

#[test]
fn json_dump_has_every_path_with_class_dims_and_type() {
    for name in [
        "types_numeric.h5",
        "types_compound.h5",
        "links_latest.h5",
        "chunk_index_latest.h5",
        "filters_builtin.h5",
    ] {
        let f = fixture(name);
        let doc = json_dump(name, &["--no-values"]);
        assert_eq!(
            doc["root"],
            doc["groups"]
                .as_object()
                .unwrap()
                .keys()
                .find(|k| {
                    doc["groups"][k.as_str()]["alias"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|p| p == "/")
                })
                .map(|k| Json::String(k.clone()))
                .unwrap()
        );
        let objects = by_path(&doc);
        let Some(listing) = tool("h5ls", &["-r", path_str(&f)]) else {
            return;
        };
        for line in listing.lines() {
            let mut words = line.split_whitespace();
            let (Some(path), Some(kind)) = (words.next(), words.next()) else {
                continue;
            };
            let rest: Vec<&str> = words.collect();
            match kind.trim_end_matches(',') {
                "Group" => {
                    let (coll, _) = &objects[path];
                    assert_eq!(coll, "groups", "{name} {path}");
                }
                "Dataset" => {
                    let (coll, obj) = &objects
                        .get(path)
                        .unwrap_or_else(|| panic!("{name}: {path} missing"));
                    assert_eq!(coll, "datasets", "{name} {path}");
                    // h5ls: `{100, 80}` or `{10/Inf}`; `same as` lines carry no dims.
                    let dims_text = rest.join(" ");
                    if let Some(d) = dims_text.strip_prefix('{') {
                        let d = d.trim_end_matches('}');
                        let want: Vec<u64> = d
                            .split(", ")
                            .map(|x| x.split('/').next().unwrap().parse().unwrap())
                            .collect();
                        let got: Vec<u64> = obj["shape"]["dims"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|x| x.as_u64().unwrap())
                            .collect();
                        assert_eq!(got, want, "{name} {path}");
                        for (k, part) in d.split(", ").enumerate() {
                            if part.ends_with("/Inf") {
                                assert_eq!(obj["shape"]["maxdims"][k], "H5S_UNLIMITED");
                            }
                        }
                    }
                }
                "Type" => {
                    assert_eq!(objects[path].0, "datatypes", "{name} {path}");
                }
                "Soft" | "External" => {
                    let (parent, title) = path.rsplit_once('/').unwrap();
                    let parent = if parent.is_empty() { "/" } else { parent };
                    let (_, g) = &objects[parent];
                    let link = g["links"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|l| l["title"] == title)
                        .unwrap_or_else(|| panic!("{name}: link {path} missing"));
                    let class = if kind == "Soft" {
                        "H5L_TYPE_SOFT"
                    } else {
                        "H5L_TYPE_EXTERNAL"
                    };
                    assert_eq!(link["class"], class, "{name} {path}");
                    assert!(link["h5path"].is_string());
                }
                _ => {}
            }
        }
        if let Some(types) = h5dump_root_types(&f) {
            for (path, t) in types {
                let (_, obj) = &objects[&path];
                assert_eq!(
                    obj["type"]["base"],
                    Json::String(t.clone()),
                    "{name} {path}"
                );
            }
        }
    }
}

#[test]
fn json_types_follow_the_hdf5_json_spec() {
    let doc = json_dump("types_compound.h5", &["--no-values"]);
    let o = by_path(&doc);
    // Written as a C struct {int32 a; double b; uint8 c} (fixtures/README.md).
    let t = &o["/simple_padded"].1["type"];
    assert_eq!(t["class"], "H5T_COMPOUND");
    let names: Vec<&str> = t["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(t["fields"][1]["type"]["base"], "H5T_IEEE_F64LE");
    let e = &o["/enum_bool"].1["type"];
    assert_eq!(e["class"], "H5T_ENUM");
    assert_eq!(e["base"]["base"], "H5T_STD_I8LE");
    assert_eq!(
        e["members"],
        serde_json::json!([{"name": "FALSE", "value": 0}, {"name": "TRUE", "value": 1}])
    );
    let a = &o["/array_2x3_f32"].1["type"];
    assert_eq!(a["class"], "H5T_ARRAY");
    assert_eq!(a["dims"], serde_json::json!([2, 3]));
    assert_eq!(o["/vlen_i32"].1["type"]["class"], "H5T_VLEN");

    let doc = json_dump("types_strings.h5", &["--no-values"]);
    let o = by_path(&doc);
    let v = &o["/vlen_utf8"].1["type"];
    assert_eq!(v["length"], "H5T_VARIABLE");
    assert_eq!(v["charSet"], "H5T_CSET_UTF8");

    let doc = json_dump("types_references.h5", &[]);
    let o = by_path(&doc);
    assert_eq!(o["/object_refs"].1["type"]["base"], "H5T_STD_REF_OBJ");
    // h5dump: references to /data (a dataset), /group and /named_type.
    let data_id = o["/data"].1.clone();
    let refs = &o["/object_refs"].1["value"];
    assert!(
        refs[0].as_str().unwrap().starts_with("datasets/d-"),
        "{refs}"
    );
    assert!(refs[1].as_str().unwrap().starts_with("groups/g-"), "{refs}");
    assert!(
        refs[2].as_str().unwrap().starts_with("datatypes/t-"),
        "{refs}"
    );
    assert!(data_id.is_object());
    // h5dump: REGION_TYPE BLOCK (2,3)-(4,6) and REGION_TYPE POINT (0,0), (9,9), (4,5).
    let regions = &o["/region_refs"].1["value"];
    assert_eq!(regions[0]["class"], "H5S_SEL_HYPERSLABS");
    assert_eq!(
        regions[0]["selection"],
        serde_json::json!([{"start": [2, 3], "opposite": [4, 6]}])
    );
    assert_eq!(regions[1]["class"], "H5S_SEL_POINTS");
    assert_eq!(
        regions[1]["selection"],
        serde_json::json!([[0, 0], [9, 9], [4, 5]])
    );
}

#[test]
fn json_creation_properties() {
    let doc = json_dump("filters_builtin.h5", &["--no-values"]);
    let o = by_path(&doc);
    let cp = &o["/shuffle_deflate"].1["creationProperties"];
    assert_eq!(cp["layout"]["class"], "H5D_CHUNKED");
    assert_eq!(cp["layout"]["dims"], serde_json::json!([32, 24]));
    let filters = cp["filters"].as_array().unwrap();
    assert_eq!(filters[0]["class"], "H5Z_FILTER_SHUFFLE");
    assert_eq!(filters[0]["id"], 2);
    assert_eq!(filters[1]["class"], "H5Z_FILTER_DEFLATE");
    assert_eq!(filters[1]["id"], 1);
    assert!(o["/deflate_6"].1.get("value").is_none());

    let doc = json_dump("fill_values.h5", &["--no-values"]);
    let with_fill: Vec<Json> = by_path(&doc)
        .values()
        .filter(|(c, _)| c == "datasets")
        .filter_map(|(_, d)| d["creationProperties"].get("fillValue").cloned())
        .collect();
    // The README: user fill values -99, 7 and 1234 are used.
    for v in [-99, 7, 1234] {
        assert!(
            with_fill.iter().any(|x| *x == v),
            "fill {v} in {with_fill:?}"
        );
    }
}

/// The numbers of an h5dump DATA block printed with `-y` (no indices).
fn h5dump_values(f: &Path, path: &str) -> Option<Vec<String>> {
    let text = tool("h5dump", &["-y", "-d", path, path_str(f)])?;
    let data = text.split("DATA {").nth(1)?.split('}').next()?;
    Some(
        data.split([',', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

fn flatten(v: &Json, out: &mut Vec<Json>) {
    match v {
        Json::Array(a) => a.iter().for_each(|x| flatten(x, out)),
        x => out.push(x.clone()),
    }
}

fn same_number(json: &Json, text: &str) -> bool {
    match (json, text) {
        (Json::String(s), "nan") => s == "NaN",
        (Json::String(s), "inf") => s == "Infinity",
        (Json::String(s), "-inf") => s == "-Infinity",
        (Json::Number(n), t) => {
            if let (Some(a), Ok(b)) = (n.as_i64(), t.parse::<i64>()) {
                return a == b;
            }
            if let (Some(a), Ok(b)) = (n.as_u64(), t.parse::<u64>()) {
                return a == b;
            }
            let (a, b) = (n.as_f64().unwrap(), t.parse::<f64>().unwrap());
            // h5dump prints 6 significant digits.
            a == b || ((a - b) / b).abs() < 1e-5 || (a - b).abs() < 1e-300
        }
        _ => false,
    }
}

#[test]
fn json_values_equal_h5dump() {
    for (name, paths) in [
        (
            "types_numeric.h5",
            &[
                "/i32_be", "/u64_le", "/i8_le", "/f64_be", "/f32_le", "/f16_be",
            ][..],
        ),
        (
            "chunk_index_latest.h5",
            &["/fixed_array", "/btree_v2", "/extensible_array"][..],
        ),
        (
            "filters_builtin.h5",
            &[
                "/deflate_6",
                "/shuffle_deflate_fletcher32",
                "/scaleoffset_int",
            ][..],
        ),
        ("layouts.h5", &["/chunked_edges", "/compact"][..]),
    ] {
        let f = fixture(name);
        let doc = json_dump(name, &[]);
        let o = by_path(&doc);
        for p in paths {
            let Some(want) = h5dump_values(&f, p) else {
                return;
            };
            let mut got = Vec::new();
            flatten(&o[*p].1["value"], &mut got);
            assert_eq!(got.len(), want.len(), "{name} {p}");
            for (g, w) in got.iter().zip(&want) {
                assert!(same_number(g, w), "{name} {p}: {g} vs {w}");
            }
        }
    }
}

#[test]
fn ddl_dataset_values_are_spelled_as_h5dump_spells_them() {
    for (name, p) in [
        ("types_numeric.h5", "/f64_le"),
        ("types_numeric.h5", "/f16_be"),
        ("types_numeric.h5", "/u64_le"),
        ("types_numeric.h5", "/bitfield_16_be"),
        ("types_numeric.h5", "/bitfield_64_be"),
        ("types_numeric.h5", "/bitfield_8"),
        ("types_numeric.h5", "/opaque_6"),
        ("types_strings.h5", "/vlen_ascii"),
        ("fill_values.h5", "/chunked_partial_user_fill"),
        ("types_compound.h5", "/nested_with_arrays"),
        ("types_compound.h5", "/vlen_compound"),
        ("types_compound.h5", "/vlen_i32"),
        ("types_compound.h5", "/simple_padded"),
        ("types_strings.h5", "/fixed_ascii_nullpad"),
        ("types_strings.h5", "/fixed_ascii_spacepad"),
        ("shared_messages.h5", "/series_3"),
        ("filters_builtin.h5", "/scaleoffset_float_dscale3"),
        ("dataspaces.h5", "/maxdims_mixed"),
        ("layouts.h5", "/chunked_edges"),
    ] {
        let f = fixture(name);
        let Some(theirs) = tool("h5dump", &["-d", p, path_str(&f)]) else {
            return;
        };
        let ours = ok(&["dump", "-d", p, path_str(&f)]);
        // Same text apart from the file name line (h5dump prints the path as given).
        let body = |s: &str| s.lines().skip(1).map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(body(&ours), body(&theirs), "{name} {p}");
    }
}

#[test]
fn ddl_whole_files_equal_h5dump() {
    for name in [
        "attrs_continuation_latest.h5",
        "attrs_dense_large.h5",
        "chunk_index_earliest.h5",
        "chunk_index_latest.h5",
        "creation_order.h5",
        "dataspaces.h5",
        "deleted_objects_latest.h5",
        "filters_plugins.h5",
        "format_earliest_sb0.h5",
        "format_latest_sb3.h5",
        "layouts_latest.h5",
        "shared_messages.h5",
        "userblock_512.h5",
    ] {
        let f = fixture(name);
        let Some(theirs) = tool("h5dump", &[path_str(&f)]) else {
            return;
        };
        let ours = ok(&["dump", path_str(&f)]);
        let body = |s: &str| s.lines().skip(1).map(str::to_owned).collect::<Vec<_>>();
        let (a, b) = (body(&ours), body(&theirs));
        let first = a.iter().zip(&b).position(|(x, y)| x != y);
        assert!(
            a == b,
            "{name}: first difference at line {first:?}: {:?} vs {:?}",
            first.map(|i| &a[i]),
            first.map(|i| &b[i])
        );
    }
}

#[test]
fn ddl_header_and_attribute_modes() {
    let f = fixture("dataspaces.h5");
    let header = ok(&["dump", "-H", path_str(&f)]);
    assert!(!header.contains("DATA {"));
    assert!(header.contains("DATASPACE  SIMPLE { ( 3, 5, 6 ) / ( H5S_UNLIMITED, 10, 6 ) }"));
    let attrs = ok(&["dump", "-A", path_str(&f)]);
    // Attribute data is printed, dataset data is not.
    assert_eq!(attrs.matches("DATA {").count(), 4, "{attrs}");
    if let Some(theirs) = tool("h5dump", &["-H", path_str(&f)]) {
        let body = |s: &str| s.lines().skip(1).map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(body(&header), body(&theirs));
    }
}

#[test]
fn max_values_keeps_leading_rows() {
    let doc = json_dump("chunk_index_latest.h5", &["--max-values", "10"]);
    let o = by_path(&doc);
    let ea = &o["/extensible_array"].1;
    assert_eq!(ea["value"].as_array().unwrap().len(), 10);
    assert_eq!(ea["valueTruncated"], true);
    assert_eq!(ea["valueTotal"], 3000);
    let doc = json_dump("filters_builtin.h5", &["--max-values", "200"]);
    let o = by_path(&doc);
    let d = &o["/deflate_1"].1;
    // [100, 80]: two rows of 80 fit in 200 elements.
    assert_eq!(d["value"].as_array().unwrap().len(), 2);
    assert_eq!(d["value"][1].as_array().unwrap().len(), 80);
    assert_eq!(d["valueTotal"], 8000);
    // Small datasets are whole and unmarked.
    let doc = json_dump("links_latest.h5", &["--max-values", "10"]);
    let d = &by_path(&doc)["/data_hard"].1;
    assert_eq!(d["value"], serde_json::json!([1, 2, 3, 4]));
    assert!(d.get("valueTruncated").is_none());
}

/// A parsed `.npy` file: header dictionary text and data bytes.
fn read_npy(p: &Path) -> (String, Vec<u8>) {
    let b = std::fs::read(p).unwrap();
    assert_eq!(&b[..6], b"\x93NUMPY");
    let (hlen, start) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 | 3 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        v => panic!("npy version {v}"),
    };
    assert_eq!((start + hlen) % 64, 0, "data aligned to 64 bytes");
    let header = String::from_utf8(b[start..start + hlen].to_vec()).unwrap();
    assert!(header.ends_with('\n'));
    (header, b[start + hlen..].to_vec())
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("h5ox-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn export_numeric_keeps_stored_byte_order() {
    let f = fixture("types_numeric.h5");
    let out = tmp("i16_be.npy");
    ok(&["export", path_str(&f), "/i16_be", path_str(&out)]);
    let (h, data) = read_npy(&out);
    assert!(
        h.starts_with("{'descr': '>i2', 'fortran_order': False, 'shape': (10,), }"),
        "{h}"
    );
    let got: Vec<i64> = data
        .chunks_exact(2)
        .map(|c| i64::from(i16::from_be_bytes([c[0], c[1]])))
        .collect();
    if let Some(want) = h5dump_values(&f, "/i16_be") {
        let want: Vec<i64> = want.iter().map(|s| s.parse().unwrap()).collect();
        assert_eq!(got, want);
    }

    let out = tmp("f64_le.npy");
    ok(&["export", path_str(&f), "/f64_le", path_str(&out)]);
    let (h, data) = read_npy(&out);
    assert!(h.contains("'descr': '<f8'"), "{h}");
    assert_eq!(data.len(), 80);
}

#[test]
fn export_chunked_2d_in_slices() {
    let f = fixture("filters_builtin.h5");
    let out = tmp("deflate_6.npy");
    ok(&["export", path_str(&f), "/deflate_6", path_str(&out)]);
    let (h, data) = read_npy(&out);
    assert!(
        h.contains("'descr': '<i4'") && h.contains("'shape': (100, 80)"),
        "{h}"
    );
    let got: Vec<i64> = data
        .chunks_exact(4)
        .map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    if let Some(want) = h5dump_values(&f, "/deflate_6") {
        let want: Vec<i64> = want.iter().map(|s| s.parse().unwrap()).collect();
        assert_eq!(got, want);
    }
    python_check(&out, &f, "/deflate_6");
}

#[test]
fn export_compound_bool_and_string() {
    let f = fixture("types_compound.h5");
    let out = tmp("simple_padded.npy");
    ok(&["export", path_str(&f), "/simple_padded", path_str(&out)]);
    let (h, data) = read_npy(&out);
    // C struct {int32 a; double b; uint8 c}: a at 0, b at 8, c at 16, 24 bytes.
    assert!(
        h.contains("'descr': [('a', '<i4'), ('', '|V4'), ('b', '<f8'), ('c', '|u1'), ('', '|V7')]"),
        "{h}"
    );
    assert_eq!(data.len(), 5 * 24);
    // h5dump: a = -2..2, b = 0, 0.25, .., c = 0, 50, ..
    for (i, rec) in data.chunks_exact(24).enumerate() {
        let a = i32::from_le_bytes(rec[0..4].try_into().unwrap());
        let b = f64::from_le_bytes(rec[8..16].try_into().unwrap());
        assert_eq!(a, i as i32 - 2);
        assert_eq!(b, i as f64 * 0.25);
        assert_eq!(u32::from(rec[16]), i as u32 * 50);
    }

    let out = tmp("enum_bool.npy");
    ok(&["export", path_str(&f), "/enum_bool", path_str(&out)]);
    let (h, data) = read_npy(&out);
    assert!(h.contains("'descr': '|b1'"), "{h}");
    // h5dump: FALSE, TRUE, TRUE, FALSE, TRUE.
    assert_eq!(data, [0, 1, 1, 0, 1]);

    let f = fixture("types_strings.h5");
    let out = tmp("fixed.npy");
    ok(&[
        "export",
        path_str(&f),
        "/fixed_ascii_nullpad",
        path_str(&out),
    ]);
    let (h, data) = read_npy(&out);
    assert!(
        h.contains("'descr': '|S8'") && h.contains("'shape': (4,)"),
        "{h}"
    );
    assert_eq!(data.len(), 32);
}

#[test]
fn export_refuses_types_numpy_cannot_hold() {
    let f = fixture("types_compound.h5");
    let out = tmp("vlen.npy");
    let o = h5ox(&["export", path_str(&f), "/vlen_i32", path_str(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("h5ox: cannot export datatype vlen(<i4)"),
        "{err}"
    );
    assert!(!out.exists());
}

/// If python3 with NumPy is installed, `np.load` gives the values h5dump prints.
fn python_check(npy: &Path, f: &Path, path: &str) {
    let Some(want) = h5dump_values(f, path) else {
        return;
    };
    let script = format!(
        "import numpy as np; a = np.load({:?}); print(','.join(str(x) for x in a.ravel()))",
        path_str(npy)
    );
    match Command::new("python3").args(["-c", &script]).output() {
        Ok(o) if o.status.success() => {
            let got = String::from_utf8(o.stdout).unwrap();
            let got: Vec<&str> = got.trim().split(',').collect();
            assert_eq!(got, want);
        }
        _ => eprintln!("skipped: python3 with numpy is not available"),
    }
}

#[test]
fn errors_are_one_line_with_status_1() {
    let missing = fixture("no_such_file.h5");
    let not_hdf5 = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    for args in [
        vec!["ls", path_str(&missing)],
        vec!["dump", path_str(&not_hdf5)],
        vec!["dump", "--json", path_str(&not_hdf5)],
        vec!["ls", path_str(&fixture("links_latest.h5")), "/nope"],
        vec![
            "dump",
            "-d",
            "/group",
            path_str(&fixture("links_latest.h5")),
        ],
    ] {
        let o = h5ox(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("h5ox: "), "{err}");
    }
}

#[test]
fn usage_errors_exit_2_and_help_has_examples() {
    assert_eq!(h5ox(&["dump"]).status.code(), Some(2));
    assert_eq!(h5ox(&["ls", "--bogus", "x.h5"]).status.code(), Some(2));
    assert_eq!(
        h5ox(&["dump", "--no-values", "x.h5"]).status.code(),
        Some(2)
    );
    for sub in ["ls", "dump", "export"] {
        let help = ok(&[sub, "--help"]);
        assert!(help.contains("Example"), "{sub}: {help}");
    }
    let help = ok(&["dump", "--help"]);
    assert!(help.contains("--max-values") && help.contains("valueTruncated"));
    assert!(help.contains("--no-values"));
}

#[test]
fn unreadable_values_leave_the_structure_intact() {
    // Every fixture dumps to valid JSON; datasets whose values fail carry an error note.
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) != Some("h5") {
            continue;
        }
        let name = p.file_name().unwrap().to_str().unwrap().to_owned();
        let doc = json_dump(&name, &["--max-values", "100000"]);
        for (path, (coll, obj)) in by_path(&doc) {
            if coll == "datasets" && obj["value"].is_null() {
                if let Some(e) = obj.get("valueError") {
                    eprintln!("{name} {path}: {e}");
                }
            }
        }
    }
}

/// `name -> allocated bytes` of the datasets in `/`, from `h5ox ls -v`.
fn ls_allocated(f: &Path) -> BTreeMap<String, u64> {
    let out = ok(&["ls", "-v", path_str(f)]);
    let mut map = BTreeMap::new();
    let mut current = None;
    for line in out.lines() {
        if !line.starts_with(' ') {
            current = line.split_whitespace().next().map(str::to_owned);
        } else if let Some(rest) = line.trim().strip_prefix("Storage:") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            if let Some(i) = words.iter().position(|w| *w == "allocated") {
                let n = words[i - 1].parse().unwrap();
                map.insert(current.clone().unwrap(), n);
            }
        }
    }
    map
}

#[test]
fn ls_verbose_storage_sizes_equal_h5dump() {
    for name in [
        "chunk_index_latest.h5",
        "chunk_index_earliest.h5",
        "filters_builtin.h5",
        "layouts_latest.h5",
        "layouts.h5",
        "fill_values_latest.h5",
    ] {
        let f = fixture(name);
        let Some(text) = tool("h5dump", &["-p", "-H", path_str(&f)]) else {
            return;
        };
        let mut theirs = BTreeMap::new();
        let mut current = None;
        for line in text.lines() {
            let t = line.trim();
            if let Some(rest) = t.strip_prefix("DATASET \"") {
                current = rest.split('"').next().map(str::to_owned);
            } else if let Some(rest) = t.strip_prefix("SIZE ") {
                let n: u64 = rest.split_whitespace().next().unwrap().parse().unwrap();
                theirs.insert(current.clone().unwrap(), n);
            }
        }
        assert!(!theirs.is_empty());
        assert_eq!(ls_allocated(&f), theirs, "{name}");
    }
}
