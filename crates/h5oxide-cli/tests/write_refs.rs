//! `h5ox repack` and `h5ox load-json` on files holding object references, region references
//! and variable-length sequences, and the fill value times `repack` keeps: the files written
//! are read by the C library (h5dump and the conformance crate's walk) and compared with
//! what it reads from the inputs.

#[path = "../../h5oxide/tests/write_common.rs"]
mod common;
mod tools;

use std::path::Path;

use tools::{fixture, h5ox, ok, s};

/// The fixtures holding references or variable-length sequences (h5dump -H shows
/// H5T_REFERENCE or H5T_VLEN in them).
const WITH_REFS_OR_VLEN: [&str; 4] = [
    "types_references.h5",
    "types_compound.h5",
    "types_compound_latest.h5",
    "h5py/h5py_default.h5",
];

const LIBVERS: [&str; 2] = ["earliest", "latest"];

/// h5dump's text without the line naming the file, and with the header addresses h5dump
/// prints before the path of each referenced object (`DATASET 800 "/data"`) removed: the
/// paths are compared, the addresses differ between files.
fn c_text(p: &Path, args: &[&str]) -> String {
    let t = common::h5dump(p, args);
    t.lines()
        .skip(1)
        .map(|l| {
            let mut out = String::new();
            let mut words = l.split(' ').peekable();
            while let Some(w) = words.next() {
                out.push_str(w);
                let kind = matches!(
                    w.trim_start().trim_start_matches('('),
                    "DATASET" | "GROUP" | "DATATYPE"
                );
                if kind && words.peek().is_some_and(|n| n.parse::<u64>().is_ok()) {
                    words.next();
                }
                out.push(' ');
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The C library's walk without the file name.
fn walk(p: &Path) -> String {
    let w = common::c_walk(p);
    let text = format!("{w:#?}");
    let name = p.file_name().unwrap().to_str().unwrap();
    text.replace(name, "")
}

/// Asserts `a == b`, showing the first line that differs.
fn same(a: &str, b: &str, what: &str) {
    if a != b {
        let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
        let i = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
        let at = |l: &[&str]| l[i.saturating_sub(3)..(i + 3).min(l.len())].join("\n");
        panic!("{what}: line {i} differs:\n{}\n---\n{}", at(&la), at(&lb));
    }
}

/// `walk` text without compound sizes and member offsets: HDF5/JSON gives neither, so
/// `load-json` packs the members.
fn packed(walk: &str) -> String {
    let mut out = String::with_capacity(walk.len());
    let mut rest = walk;
    while let Some(i) = rest.find(['@', '(']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let compound_size = rest[i..].starts_with('(')
            && out.ends_with("compound")
            && digits > 0
            && tail[digits..].starts_with(')');
        if rest[i..].starts_with('@') && digits > 0 {
            rest = &tail[digits..];
        } else if compound_size {
            rest = &tail[digits + 1..];
        } else {
            out.push_str(&rest[i..=i]);
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn out_name(name: &str, tag: &str) -> String {
    format!("{}_{tag}.h5", name.replace(['/', '.'], "_"))
}

#[test]
fn repack_copies_references_and_sequences() {
    let dir = common::temp_dir("cli-refs-repack");
    for name in WITH_REFS_OR_VLEN {
        let src = fixture(name);
        let (text, walked) = (c_text(&src, &[]), walk(&src));
        for libver in LIBVERS {
            let out = dir.join(out_name(name, libver));
            ok(&["repack", "--libver", libver, s(&src), s(&out)]);
            same(&text, &c_text(&out, &[]), &format!("{name} {libver}"));
            same(&walked, &walk(&out), &format!("{name} {libver} walk"));
        }
    }
    // The values themselves, as libhdf5 reads them from the copy: object references name
    // the copied objects, region references keep their selections, sequences their items.
    let out = dir.join(out_name("types_references.h5", "latest"));
    let refs = c_text(&out, &["-d", "/object_refs", "-w", "0"]);
    for want in [
        "DATASET \"/data\"",
        "GROUP \"/group\"",
        "DATATYPE \"/named_type\"",
    ] {
        assert!(refs.contains(want), "{refs}");
    }
    let regions = c_text(&out, &["-d", "/region_refs", "-w", "0"]);
    assert!(
        regions.contains("REGION_TYPE BLOCK  (2,3)-(4,6)"),
        "{regions}"
    );
    assert!(
        regions.contains("REGION_TYPE POINT  (0,0), (9,9), (4,5)"),
        "{regions}"
    );
    let attr = c_text(&out, &["-a", "/group/region_ref"]);
    assert!(attr.contains("REGION_TYPE BLOCK  (2,3)-(4,6)"), "{attr}");
    let out = dir.join(out_name("types_compound.h5", "earliest"));
    let seq = c_text(&out, &["-d", "/vlen_i32", "-w", "0"]);
    assert!(seq.contains("H5T_VLEN { H5T_STD_I32LE}"), "{seq}");
    assert_eq!(
        seq,
        c_text(
            &fixture("types_compound.h5"),
            &["-d", "/vlen_i32", "-w", "0"]
        )
    );
    // h5py's dimension scales: a sequence of object references and a compound holding one.
    let out = dir.join(out_name("h5py/h5py_default.h5", "earliest"));
    let dims = c_text(&out, &["-a", "/image/DIMENSION_LIST", "-w", "0"]);
    assert!(
        dims.contains("H5T_VLEN { H5T_REFERENCE { H5T_STD_REF_OBJECT }}"),
        "{dims}"
    );
    assert_eq!(
        dims,
        c_text(
            &fixture("h5py/h5py_default.h5"),
            &["-a", "/image/DIMENSION_LIST", "-w", "0"]
        )
    );
}

#[test]
fn load_json_round_trips_references_and_sequences() {
    let dir = common::temp_dir("cli-refs-json");
    for name in WITH_REFS_OR_VLEN {
        let src = fixture(name);
        let json = dir.join(out_name(name, "json"));
        std::fs::write(&json, ok(&["dump", "--json", s(&src)])).unwrap();
        let text = c_text(&src, &[]);
        for libver in LIBVERS {
            let out = dir.join(out_name(name, libver));
            ok(&["load-json", "--libver", libver, s(&json), s(&out)]);
            same(&text, &c_text(&out, &[]), &format!("{name} {libver}"));
            // References resolve to the same paths and selections, sequences hold the
            // same items, as the C library reads them.
            same(
                &packed(&walk(&src)),
                &packed(&walk(&out)),
                &format!("{name} {libver} walk"),
            );
        }
    }
}

#[test]
fn repack_keeps_fill_value_times() {
    let dir = common::temp_dir("cli-refs-fill");
    // Per dataset: its name, fill time and allocation time lines as h5dump -p prints them.
    let times = |p: &Path| -> Vec<String> {
        common::h5dump(p, &["-p", "-H"])
            .lines()
            .filter(|l| {
                l.contains("DATASET \"") || l.contains("FILL_TIME") || l.contains("H5D_ALLOC_TIME")
            })
            .map(|l| l.trim().to_owned())
            .collect()
    };
    for name in ["fill_values.h5", "fill_values_latest.h5"] {
        let src = fixture(name);
        let want = times(&src);
        // The fixture has other times than the writer's defaults.
        assert!(
            want.iter().any(|l| l == "FILL_TIME H5D_FILL_TIME_NEVER"),
            "{want:?}"
        );
        assert!(
            want.iter().any(|l| l == "FILL_TIME H5D_FILL_TIME_ALLOC"),
            "{want:?}"
        );
        assert!(want.iter().any(|l| l == "H5D_ALLOC_TIME_EARLY"), "{want:?}");
        for libver in LIBVERS {
            let out = dir.join(out_name(name, libver));
            ok(&["repack", "--libver", libver, s(&src), s(&out)]);
            assert_eq!(want, times(&out), "{name} {libver}");
        }
    }
}

#[test]
fn references_between_datasets_holding_references_are_refused() {
    use h5oxide::types::ObjectRef;
    let dir = common::temp_dir("cli-refs-cycle");
    let src = dir.join("cycle.h5");
    {
        let f = h5oxide::File::create(&src).unwrap();
        let mut ds = f
            .root()
            .new_dataset_builder()
            .with_data(&[ObjectRef::null()])
            .create("self")
            .unwrap();
        let me = ObjectRef::from_address(ds.address());
        ds.write(&[me]).unwrap();
    }
    let out = dir.join("out.h5");
    let o = h5ox(&["repack", s(&src), s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/self") && err.contains("not yet supported"),
        "{err}"
    );
    assert!(!out.exists());
    // The same document as HDF5/JSON: refused by load-json too.
    let json = dir.join("cycle.json");
    std::fs::write(&json, ok(&["dump", "--json", s(&src)])).unwrap();
    let o = h5ox(&["load-json", s(&json), s(&out)]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/self") && err.contains("not yet supported"),
        "{err}"
    );
}

#[test]
fn sequence_and_string_attributes_of_any_rank_are_copied() {
    use h5oxide::types::{VarLenArray, VarLenAscii};
    let dir = common::temp_dir("cli-refs-attrs");
    let src = dir.join("attrs.h5");
    {
        let f = h5oxide::File::create(&src).unwrap();
        let ds = f
            .root()
            .new_dataset_builder()
            .with_data(&[
                VarLenArray::from(vec![1u16, 2, 3]),
                VarLenArray::from(Vec::new()),
            ])
            .chunk([1])
            .deflate(4)
            .create("seq")
            .unwrap();
        let ascii = |s: &str| VarLenAscii::new(s).unwrap();
        let grid = h5oxide::ndarray::array![[ascii("a"), ascii("bc")], [ascii(""), ascii("def")]];
        ds.attrs().set("grid", &grid).unwrap();
        let rows = vec![
            VarLenArray::from(vec![-1.5f64]),
            VarLenArray::from(vec![2.0, 4.0]),
        ];
        ds.attrs().set("rows", &rows).unwrap();
    }
    let text = c_text(&src, &[]);
    // The values as the C library reads them from the source.
    assert!(text.contains("(0): (1, 2, 3), ()"), "{text}");
    assert!(text.contains("(0,0): \"a\", \"bc\","), "{text}");
    // An empty string is stored as a null heap ID.
    assert!(text.contains("(1,0): NULL, \"def\""), "{text}");
    assert!(text.contains("(0): (-1.5), (2, 4)"), "{text}");
    let json = dir.join("attrs.json");
    std::fs::write(&json, ok(&["dump", "--json", s(&src)])).unwrap();
    for libver in LIBVERS {
        let out = dir.join(format!("repacked_{libver}.h5"));
        ok(&["repack", "--libver", libver, s(&src), s(&out)]);
        same(&text, &c_text(&out, &[]), &format!("repack {libver}"));
        // The filters and chunks of the sequence dataset are kept.
        let p = common::h5dump(&out, &["-p", "-H", "-d", "/seq"]);
        assert!(p.contains("COMPRESSION DEFLATE { LEVEL 4 }"), "{p}");
        let out = dir.join(format!("loaded_{libver}.h5"));
        ok(&["load-json", "--libver", libver, s(&json), s(&out)]);
        same(&text, &c_text(&out, &[]), &format!("load-json {libver}"));
    }
}

#[test]
fn newest_format_files_are_copied_into_what_older_readers_read() {
    // fixtures/h5py_files.py writes the same content twice: with h5py's default format and
    // with libver "latest" (types and region selections in encodings libhdf5 1.10 does not
    // read). Copied into either generation, the latter reads as the former does.
    let dir = common::temp_dir("cli-refs-newest");
    let default = fixture("h5py/h5py_default.h5");
    let latest = fixture("h5py/h5py_latest.h5");
    let (text, walked) = (c_text(&default, &[]), walk(&default));
    let json = dir.join("latest.json");
    std::fs::write(&json, ok(&["dump", "--json", s(&latest)])).unwrap();
    for libver in LIBVERS {
        let out = dir.join(format!("repacked_{libver}.h5"));
        ok(&["repack", "--libver", libver, s(&latest), s(&out)]);
        same(&text, &c_text(&out, &[]), &format!("repack {libver}"));
        same(&walked, &walk(&out), &format!("repack {libver} walk"));
        let out = dir.join(format!("loaded_{libver}.h5"));
        ok(&["load-json", "--libver", libver, s(&json), s(&out)]);
        same(&text, &c_text(&out, &[]), &format!("load-json {libver}"));
    }
    let regions = c_text(&dir.join("repacked_earliest.h5"), &["-d", "/region_refs"]);
    assert!(
        regions.contains("REGION_TYPE BLOCK  (1,2)-(2,4)"),
        "{regions}"
    );
}
