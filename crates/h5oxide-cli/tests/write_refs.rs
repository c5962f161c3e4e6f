//! `h5ox repack` and `h5ox load-json` on files holding object references, region references
//! and variable-length sequences (datasets naming themselves or each other, inputs with
//! 4-byte addresses, datasets larger than a slab), and the fill value times and undefined
//! fill values they keep: the files written are read by the C library (h5dump and the
//! conformance crate's walk) and compared with what it reads from the inputs.

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
fn repack_and_load_json_keep_fill_value_times() {
    let dir = common::temp_dir("cli-refs-fill");
    // Per dataset: its name, fill time, fill value and allocation time lines as h5dump -p
    // prints them.
    let times = |p: &Path| -> Vec<String> {
        common::h5dump(p, &["-p", "-H"])
            .lines()
            .map(str::trim)
            .filter(|l| {
                l.starts_with("DATASET \"")
                    || l.starts_with("FILL_TIME")
                    || l.starts_with("VALUE")
                    || l.starts_with("H5D_ALLOC_TIME")
            })
            .map(str::to_owned)
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
        assert!(want.iter().any(|l| l == "H5D_ALLOC_TIME_INCR"), "{want:?}");
        assert!(
            want.iter().any(|l| l == "VALUE  H5D_FILL_VALUE_UNDEFINED"),
            "{want:?}"
        );
        let doc = ok(&["dump", "--json", s(&src)]);
        // HDF5/JSON's names (hdf5-json dcpl: allocTime, fillTime), an undefined value null.
        for key in [
            "\"allocTime\": \"H5D_ALLOC_TIME_EARLY\"",
            "\"fillTime\": \"H5D_FILL_TIME_NEVER\"",
            "\"fillValue\": null",
        ] {
            assert!(doc.contains(key), "{key}");
        }
        let json = dir.join(out_name(name, "json"));
        std::fs::write(&json, doc).unwrap();
        for libver in LIBVERS {
            let out = dir.join(out_name(name, libver));
            ok(&["repack", "--libver", libver, s(&src), s(&out)]);
            assert_eq!(want, times(&out), "repack {name} {libver}");
            let out = dir.join(out_name(name, &format!("{libver}_loaded")));
            ok(&["load-json", "--libver", libver, s(&json), s(&out)]);
            assert_eq!(want, times(&out), "load-json {name} {libver}");
        }
    }
}

#[test]
fn datasets_referring_to_themselves_or_each_other_are_copied() {
    use h5oxide::types::{ObjectRef, RegionRef};
    use h5oxide::{DimSlice, Selection};
    let dir = common::temp_dir("cli-refs-cycle");
    let src = dir.join("cycle.h5");
    {
        let f = h5oxide::File::create(&src).unwrap();
        let root = f.root();
        let null = [ObjectRef::null(), ObjectRef::null()];
        let b = root.new_dataset_builder().with_data(&null);
        let mut me = b.chunk([1]).create("self").unwrap();
        let mut a = root
            .new_dataset_builder()
            .with_data(&null)
            .create("a")
            .unwrap();
        let mut b = root
            .new_dataset_builder()
            .with_data(&null)
            .create("b")
            .unwrap();
        root.create_group("g")
            .unwrap()
            .link_hard("/b", "b_again")
            .unwrap();
        let at = |d: &h5oxide::Dataset| ObjectRef::from_address(d.address());
        me.write(&[at(&me), at(&a)]).unwrap();
        a.write(&[at(&b), ObjectRef::null()]).unwrap();
        b.write(&[at(&a), at(&b)]).unwrap();
        // A region of itself, and of the object references.
        let mut regions = root
            .new_dataset_builder()
            .with_data(&[RegionRef::null(), RegionRef::null()])
            .create("regions")
            .unwrap();
        let one = Selection::new(
            vec![DimSlice {
                start: 1,
                step: 1,
                count: 1,
            }],
            &[2],
        )
        .unwrap();
        let r = [
            RegionRef::new(&regions, &one).unwrap(),
            RegionRef::new(&me, &Selection::all(&[2])).unwrap(),
        ];
        regions.write(&r).unwrap();
    }
    // As the C library reads the source: each reference names the path of its target.
    let walked = walk(&src);
    for want in ["/self", "/a", "/b", "/regions"] {
        assert!(walked.contains(want), "{walked}");
    }
    let json = dir.join("cycle.json");
    std::fs::write(&json, ok(&["dump", "--json", s(&src)])).unwrap();
    for libver in LIBVERS {
        let out = dir.join(format!("repacked_{libver}.h5"));
        let o = h5ox(&["repack", "--libver", libver, s(&src), s(&out)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        same(&walked, &walk(&out), &format!("repack {libver}"));
        // The chunks of /self are kept.
        let p = common::h5dump(&out, &["-p", "-H", "-d", "/self"]);
        assert!(p.contains("CHUNKED ( 1 )"), "{p}");
        let out = dir.join(format!("loaded_{libver}.h5"));
        ok(&["load-json", "--libver", libver, s(&json), s(&out)]);
        same(&walked, &walk(&out), &format!("load-json {libver}"));
    }
}

/// Builds `tests/c/small_offsets.c` with `h5cc` and runs it: a file with 4-byte addresses
/// holding references and sequences. `None` (after saying why) without `h5cc`.
fn small_offsets_file(dir: &Path) -> Option<std::path::PathBuf> {
    let c = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/small_offsets.c");
    let exe = dir.join("small_offsets");
    let built = match std::process::Command::new("h5cc")
        .arg(&c)
        .arg("-o")
        .arg(&exe)
        .current_dir(dir)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("skipping: h5cc not available ({e}); install libhdf5-dev");
            return None;
        }
    };
    assert!(
        built.status.success(),
        "h5cc: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    let file = dir.join("small_offsets.h5");
    let run = std::process::Command::new(&exe)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    Some(file)
}

/// The superblock's size of offsets (spec II.A: byte 13 of versions 0 and 1, byte 9 of
/// versions 2 and 3).
fn size_of_offsets(p: &Path) -> u8 {
    let b = std::fs::read(p).unwrap();
    assert_eq!(&b[..8], b"\x89HDF\r\n\x1a\n");
    if b[8] < 2 {
        b[13]
    } else {
        b[9]
    }
}

#[test]
fn inputs_with_four_byte_addresses_are_copied() {
    let dir = common::temp_dir("cli-refs-small-offsets");
    let Some(src) = small_offsets_file(&dir) else {
        return;
    };
    assert_eq!(size_of_offsets(&src), 4);
    // h5dump follows references into the datasets they name, without end for datasets
    // naming each other: those are compared through the walk.
    let objects = [
        "-d",
        "/records",
        "-d",
        "/vlen",
        "-d",
        "/vlen_records",
        "-d",
        "/region_refs",
        "-a",
        "/data/ref_lists",
        "-a",
        "/group/region_ref",
    ];
    let text = c_text(&src, &objects);
    for want in [
        "(0): (), (5, -6), (7, 8, 9)",
        "(-1, 2, 300),",
        "DATASET \"/records\",",
        "REGION_TYPE BLOCK  (2,3)-(4,6)",
        "REGION_TYPE POINT  (0,0), (9,9), (4,5)",
        "(0): (GROUP \"/group\", DATASET \"/vlen\"), (DATASET \"/vlen\")",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    let walked = packed(&walk(&src));
    let json = dir.join("small_offsets.json");
    std::fs::write(&json, ok(&["dump", "--json", s(&src)])).unwrap();
    for libver in LIBVERS {
        let out = dir.join(format!("repacked_{libver}.h5"));
        let o = h5ox(&["repack", "--libver", libver, s(&src), s(&out)]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        // A compact dataset naming itself cannot exist before its own address does.
        assert!(
            err.contains("/compact_self: compact datasets referring to themselves"),
            "{err}"
        );
        assert_eq!(size_of_offsets(&out), 8);
        same(&text, &c_text(&out, &objects), &format!("repack {libver}"));
        // Compounds holding sequences grow by 4 bytes a member: offsets are not compared.
        same(
            &walked,
            &packed(&walk(&out)),
            &format!("repack {libver} walk"),
        );
        let out = dir.join(format!("loaded_{libver}.h5"));
        ok(&["load-json", "--libver", libver, s(&json), s(&out)]);
        same(
            &text,
            &c_text(&out, &objects),
            &format!("load-json {libver}"),
        );
        same(
            &walked,
            &packed(&walk(&out)),
            &format!("load-json {libver} walk"),
        );
    }
}

#[test]
fn reference_and_sequence_datasets_larger_than_a_slab_are_copied() {
    use h5oxide::format::object_header::message::datatype::{
        ByteOrder, CompoundMember, Datatype, ReferenceKind, TypeClass,
    };
    use h5oxide::types::VarLenArray;
    // More than a 16 MiB slab (repack::SLAB_BYTES) each, so each is copied in two slabs:
    // records of 4100 bytes {r: object reference, a: 1023 x u32}, 4092 to a slab; rows
    // of 6.4 MB of sequences, two to a slab.
    const RECORDS: usize = 5000;
    const SEQ_COLS: usize = 400_000;
    let dir = common::temp_dir("cli-refs-slabs");
    let src = dir.join("big.h5");
    {
        let f = h5oxide::File::create(&src).unwrap();
        let root = f.root();
        let targets: Vec<u64> = (0..3)
            .map(|i| root.create_group(&format!("t{i}")).unwrap().address())
            .collect();
        let u32le = Datatype::integer(4, false, ByteOrder::LittleEndian);
        let t = Datatype::new(
            4100,
            TypeClass::Compound {
                members: vec![
                    CompoundMember::new(
                        "r",
                        0,
                        Datatype::new(
                            8,
                            TypeClass::Reference {
                                kind: ReferenceKind::Object,
                            },
                        ),
                    ),
                    CompoundMember::new(
                        "a",
                        8,
                        Datatype::new(
                            4092,
                            TypeClass::Array {
                                dims: vec![1023],
                                base: Box::new(u32le),
                            },
                        ),
                    ),
                ],
            },
        );
        let mut bytes = Vec::with_capacity(RECORDS * 4100);
        for i in 0..RECORDS {
            bytes.extend_from_slice(&targets[i % 3].to_le_bytes());
            for k in 0..1023u32 {
                bytes.extend_from_slice(&(i as u32 * 10 + k % 2).to_le_bytes());
            }
        }
        let b = root
            .new_dataset_builder()
            .with_raw(t, &[RECORDS as u64], bytes);
        b.create("records").unwrap();
        let seqs: Vec<VarLenArray<u32>> = (0..3 * SEQ_COLS)
            .map(|i| {
                let (r, c) = (i / SEQ_COLS, i % SEQ_COLS);
                VarLenArray::from((0..(r + c) % 3).map(|k| (c + k) as u32).collect::<Vec<_>>())
            })
            .collect();
        let b = root.new_dataset_builder().with_data(&seqs);
        b.shape([3, SEQ_COLS]).create("seqs").unwrap();
    }
    // Around the end of the first slab and the start of the second.
    let cut = |p: &Path| {
        let r = c_text(p, &["-d", "/records", "-s", "4090", "-c", "4", "-w", "0"]);
        let q = c_text(
            p,
            &["-d", "/seqs", "-s", "1,399997", "-c", "2,3", "-w", "0"],
        );
        format!("{r}\n{q}")
    };
    let want = cut(&src);
    // Record i names group t(i % 3) and holds i * 10 and i * 10 + 1 in turn.
    let groups: Vec<&str> = want.split("GROUP \"/").skip(1).map(|g| &g[..2]).collect();
    assert_eq!(groups, ["t1", "t2", "t0", "t1"], "{want}");
    assert!(want.contains("[ 40930, 40931, 40930,"), "{want}");
    // (row, col) holds (row + col) % 3 items counting from col.
    for w in [
        "(1,399997): (399997, 399998), (), (399999),",
        "(2,399997): (), (399998), (399999, 400000)",
    ] {
        assert!(want.contains(w), "{w} in {want}");
    }
    for libver in LIBVERS {
        let out = dir.join(format!("big_{libver}.h5"));
        // The copy is also compared with the input by repack itself, slab by slab.
        ok(&["repack", "--libver", libver, s(&src), s(&out)]);
        same(&want, &cut(&out), &format!("repack {libver}"));
    }
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
