//! Stored references follow the objects they name when the writer moves those objects'
//! headers (copy-on-write): in the same session, across sessions, inside compounds,
//! sequences and region references, and in files written by libhdf5. Checked with h5dump
//! (which prints each referenced object's address and path) and h5oxide's own reads.

#[path = "write_common.rs"]
mod common;

use std::path::Path;

use common::*;
use h5oxide::types::{ObjectRef, RegionRef, VarLenArray};
use h5oxide::{DimSlice, File, H5Type, Mode, Object, Selection};

/// The (kind, address, path) of every object reference h5dump prints: lines such as
/// `DATASET 800 "/data"`.
fn dumped_refs(text: &str) -> Vec<(String, u64, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let mut parts = t.splitn(3, ' ');
        let (Some(kind), Some(addr), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if !["DATASET", "GROUP", "DATATYPE"].contains(&kind) {
            continue;
        }
        let Ok(addr) = addr.parse::<u64>() else {
            continue;
        };
        let path = path.trim_end_matches(',').trim_matches('"');
        out.push((kind.to_owned(), addr, path.to_owned()));
    }
    out
}

/// The (dataset path, region line) of every region reference h5dump prints.
fn dumped_regions(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut out = Vec::new();
    for w in lines.windows(2) {
        if let (Some(rest), true) = (
            w[0].strip_prefix("DATASET \""),
            w[1].starts_with("REGION_TYPE"),
        ) {
            out.push((
                rest.trim_end_matches(" {").trim_end_matches('"').to_owned(),
                w[1].to_owned(),
            ));
        }
    }
    out
}

fn open_rw(path: &Path) -> File {
    File::options().mode(Mode::ReadWrite).open(path).unwrap()
}

/// An attribute large enough that its object's header cannot take it in place.
fn grow(o: &Object) {
    let big: Vec<f64> = (0..600).map(f64::from).collect();
    match o {
        Object::Group(g) => g.attrs().set("grown", &big).unwrap(),
        Object::Dataset(d) => d.attrs().set("grown", &big).unwrap(),
        _ => unreachable!(),
    }
}

fn block_2x3() -> Selection {
    Selection::new(
        vec![
            DimSlice {
                start: 1,
                step: 1,
                count: 2,
            },
            DimSlice {
                start: 0,
                step: 2,
                count: 3,
            },
        ],
        &[4, 5],
    )
    .unwrap()
}

#[derive(H5Type, Debug, Clone, PartialEq)]
struct Pair {
    target: ObjectRef,
    n: i32,
}

/// Writes /grp, /grp/data (4x5 i32), /other (3 f64), and reference tables to them:
/// /objrefs (contiguous), /objrefs_chunked, /regrefs, /pairs (compound {ref, int}), an
/// attribute holding an object reference on /grp/data and a sequence of references on
/// the root. Returns the targets' addresses (data, grp, other, root).
fn write_tables(f: &File) -> [u64; 4] {
    let root = f.root();
    let g = root.create_group("grp").unwrap();
    let data: Vec<i32> = (0..20).collect();
    let ds = g
        .new_dataset_builder()
        .with_data(&ndarray::Array2::from_shape_vec((4, 5), data).unwrap())
        .create("data")
        .unwrap();
    let other = root
        .new_dataset_builder()
        .with_data(&[1.5f64, 2.5, 3.5])
        .create("other")
        .unwrap();
    let refs = [
        ObjectRef::from(&ds),
        ObjectRef::from(&g),
        ObjectRef::from(&other),
        ObjectRef::null(),
        ObjectRef::from(&root),
    ];
    root.new_dataset_builder()
        .with_data(&refs)
        .create("objrefs")
        .unwrap();
    root.new_dataset_builder()
        .with_data(&refs)
        .chunk([2])
        .create("objrefs_chunked")
        .unwrap();
    let regions = [
        RegionRef::new(&ds, &block_2x3()).unwrap(),
        RegionRef::new(&ds, &Selection::all(&[4, 5])).unwrap(),
    ];
    root.new_dataset_builder()
        .with_data(&regions)
        .create("regrefs")
        .unwrap();
    let pairs = [
        Pair {
            target: ObjectRef::from(&other),
            n: 7,
        },
        Pair {
            target: ObjectRef::from(&g),
            n: -3,
        },
    ];
    root.new_dataset_builder()
        .with_data(&pairs)
        .create("pairs")
        .unwrap();
    ds.attrs().set("self", &ObjectRef::from(&ds)).unwrap();
    root.attrs()
        .set(
            "seq",
            &VarLenArray(vec![ObjectRef::from(&other), ObjectRef::from(&g)]),
        )
        .unwrap();
    let f2 = f.clone();
    let a = |p: &str| ObjectRef::from(&f2.root().dataset(p).unwrap()).address();
    [
        a("grp/data"),
        ObjectRef::from(&f.root().group("grp").unwrap()).address(),
        a("other"),
        ObjectRef::from(&f.root()).address(),
    ]
}

/// Moves every target: attributes too large for their headers' slack.
fn move_targets(f: &File) {
    let root = f.root();
    grow(&Object::Dataset(root.dataset("grp/data").unwrap()));
    grow(&Object::Group(root.group("grp").unwrap()));
    grow(&Object::Dataset(root.dataset("other").unwrap()));
}

/// Checks every table of `write_tables` in `path`, with h5oxide and h5dump; `before` are
/// the targets' addresses when the references were made (they must all have moved).
fn check_tables(path: &Path, before: [u64; 4], root_moved: bool) {
    let f = File::open(path).unwrap();
    let root = f.root();
    let data = root.dataset("grp/data").unwrap();
    let grp = root.group("grp").unwrap();
    let other = root.dataset("other").unwrap();
    let now = [
        data.address(),
        grp.address(),
        other.address(),
        root.address(),
    ];
    let moved = if root_moved { 4 } else { 3 };
    for (i, (b, n)) in before.iter().zip(&now).enumerate().take(moved) {
        assert_ne!(b, n, "target {i} did not move; the test checks nothing");
    }
    for name in ["objrefs", "objrefs_chunked"] {
        let back = root.dataset(name).unwrap().read_raw::<ObjectRef>().unwrap();
        let addrs: Vec<u64> = back.iter().map(ObjectRef::address).collect();
        assert_eq!(addrs, [now[0], now[1], now[2], 0, now[3]], "{name}");
        assert_eq!(back[0].open(&f).unwrap().name(), "/grp/data");
        assert!(matches!(back[1].open(&f).unwrap(), Object::Group(g) if g.name() == "/grp"));
        assert_eq!(f.deref(&back[2]).unwrap().name(), "/other", "{name} [2]");
        assert!(back[3].is_null());
        assert!(matches!(back[4].open(&f).unwrap(), Object::Group(g) if g.name() == "/"));
    }
    let regions = root
        .dataset("regrefs")
        .unwrap()
        .read_raw::<RegionRef>()
        .unwrap();
    let d = regions[0].dataset(&f).unwrap();
    assert_eq!((d.name(), d.address()), ("/grp/data", now[0]));
    let picked = d
        .read_slice::<i32, _, ndarray::Ix2>(&regions[0].selection(&d.shape()).unwrap())
        .unwrap();
    assert_eq!(
        picked.iter().copied().collect::<Vec<_>>(),
        [5, 7, 9, 10, 12, 14]
    );
    assert_eq!(regions[1].address(), now[0]);
    let pairs = root.dataset("pairs").unwrap().read_raw::<Pair>().unwrap();
    assert_eq!(
        pairs,
        [
            Pair {
                target: ObjectRef::from_address(now[2]),
                n: 7
            },
            Pair {
                target: ObjectRef::from_address(now[1]),
                n: -3
            }
        ]
    );
    let own: ObjectRef = data.attrs().attr("self").unwrap().read_scalar().unwrap();
    assert_eq!(own.address(), now[0]);
    let seq: VarLenArray<ObjectRef> = root.attrs().attr("seq").unwrap().read_scalar().unwrap();
    assert_eq!(
        seq.0.iter().map(ObjectRef::address).collect::<Vec<_>>(),
        [now[2], now[1]]
    );
    drop((data, grp, other, root, f));

    // libhdf5 dereferences each reference to the object at its new address.
    let text = h5dump(
        path,
        &["-A", "0", "-d", "/objrefs", "-d", "/objrefs_chunked"],
    );
    let want = [
        ("DATASET".to_owned(), now[0], "/grp/data".to_owned()),
        ("GROUP".to_owned(), now[1], "/grp".to_owned()),
        ("DATASET".to_owned(), now[2], "/other".to_owned()),
        ("GROUP".to_owned(), now[3], "/".to_owned()),
    ];
    let mut twice = want.to_vec();
    twice.extend(want.iter().cloned());
    assert_eq!(dumped_refs(&text), twice, "{text}");
    let text = h5dump(path, &["-A", "0", "-d", "/pairs", "-a", "/grp/data/self"]);
    let found: Vec<(u64, String)> = dumped_refs(&text)
        .into_iter()
        .map(|(_, a, p)| (a, p))
        .collect();
    assert_eq!(
        found,
        [
            (now[2], "/other".to_owned()),
            (now[1], "/grp".to_owned()),
            (now[0], "/grp/data".to_owned())
        ],
        "{text}"
    );
    let text = h5dump(path, &["-d", "/regrefs"]);
    assert_eq!(
        dumped_regions(&text),
        [(
            "/grp/data".to_owned(),
            "REGION_TYPE BLOCK  (1,0)-(2,0), (1,2)-(2,2), (1,4)-(2,4)".to_owned()
        ),],
        "{text}"
    );
    // The "all" region prints no block list, only the dataset it names.
    assert_eq!(text.matches("DATASET \"/grp/data\"").count(), 2, "{text}");
    // The C library's walk names each reference's object by its path.
    let walk = c_walk(path);
    let want = [
        Some("/grp/data"),
        Some("/grp"),
        Some("/other"),
        None,
        Some("/"),
    ];
    for name in ["/objrefs", "/objrefs_chunked"] {
        assert_eq!(texts(&walk_object(&walk, name)["values"]), want, "{name}");
    }
    let regions = walk_object(&walk, "/regrefs")["values"].as_array();
    assert_eq!(
        texts(&Json::Arr(
            regions.iter().map(|r| r["object"].clone()).collect()
        )),
        [Some("/grp/data"); 2]
    );
    let pairs = walk_object(&walk, "/pairs")["values"].as_array();
    assert_eq!(
        texts(&Json::Arr(
            pairs.iter().map(|r| r["target"].clone()).collect()
        )),
        [Some("/other"), Some("/grp")]
    );
    let own = walk_attr(walk_object(&walk, "/grp/data"), "self");
    assert_eq!(
        texts(&Json::Arr(vec![own["values"].clone()])),
        [Some("/grp/data")]
    );
    let seq = walk_attr(walk_object(&walk, "/"), "seq");
    assert_eq!(
        texts(&seq["values"]),
        [Some("/other"), Some("/grp")],
        "{seq:?}"
    );
}

/// The strings (`None` for anything else) of a walk's array of values.
fn texts(v: &Json) -> Vec<Option<&str>> {
    v.as_array()
        .iter()
        .map(|x| match x {
            Json::Str(s) => Some(s.as_str()),
            _ => None,
        })
        .collect()
}

/// (a) References made, then their targets moved, in one session: committed mid-session
/// so the targets' headers are live and move on the next change.
#[test]
fn same_session_moves() {
    let dir = temp_dir("refpatch_same");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("same_{tag}.h5"));
        let f = create(&path, libver);
        let before = write_tables(&f);
        f.flush().unwrap();
        move_targets(&f);
        // The open file's own reads see the updated references before the commit, too.
        f.flush().unwrap();
        let back = f
            .root()
            .dataset("objrefs")
            .unwrap()
            .read_raw::<ObjectRef>()
            .unwrap();
        assert_eq!(back[2].open(&f).unwrap().name(), "/other");
        f.close().unwrap();
        check_tables(&path, before, true);
    }
}

/// (a) Objects moved before any commit (outgrowing their new space) and the file closed by
/// dropping its handles, not by `close`.
#[test]
fn moves_before_the_first_commit_and_drop() {
    let dir = temp_dir("refpatch_drop");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("drop_{tag}.h5"));
        let before;
        {
            let f = create(&path, libver);
            before = write_tables(&f);
            move_targets(&f);
            let _held = f.root().dataset("objrefs").unwrap();
        }
        // The root had moved already (new links) when the references were made.
        check_tables(&path, before, false);
    }
}

/// (b) References written in one session, targets moved in the next.
#[test]
fn across_sessions() {
    let dir = temp_dir("refpatch_sessions");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("sessions_{tag}.h5"));
        let f = create(&path, libver);
        let before = write_tables(&f);
        f.close().unwrap();
        let f = open_rw(&path);
        move_targets(&f);
        f.close().unwrap();
        check_tables(&path, before, true);
        // A third session moves them again.
        let mid = {
            let f = File::open(&path).unwrap();
            let r = f.root();
            [
                r.dataset("grp/data").unwrap().address(),
                r.group("grp").unwrap().address(),
                r.dataset("other").unwrap().address(),
                r.address(),
            ]
        };
        let f = open_rw(&path);
        f.root()
            .dataset("grp/data")
            .unwrap()
            .attrs()
            .set("more", &1i32)
            .unwrap();
        f.root()
            .group("grp")
            .unwrap()
            .attrs()
            .set("more", &1i32)
            .unwrap();
        f.root()
            .dataset("other")
            .unwrap()
            .attrs()
            .set("more", &1i32)
            .unwrap();
        drop(f);
        check_tables(&path, mid, true);
    }
}

/// (e) Files written by libhdf5 and h5py, edited so the referenced objects move.
#[test]
fn libhdf5_files() {
    let dir = temp_dir("refpatch_c");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/files");

    let path = dir.join("types_references.h5");
    std::fs::copy(fixtures.join("types_references.h5"), &path).unwrap();
    let before = File::open(&path)
        .unwrap()
        .root()
        .dataset("data")
        .unwrap()
        .address();
    let f = open_rw(&path);
    f.root()
        .dataset("data")
        .unwrap()
        .attrs()
        .set("moved", &[1u8; 300][..])
        .unwrap();
    f.root()
        .group("group")
        .unwrap()
        .attrs()
        .set("moved", &[1u8; 300][..])
        .unwrap();
    f.close().unwrap();
    let f = File::open(&path).unwrap();
    let data = f.root().dataset("data").unwrap().address();
    let group = f.root().group("group").unwrap().address();
    assert_ne!(data, before);
    let refs = f
        .root()
        .dataset("object_refs")
        .unwrap()
        .read_raw::<ObjectRef>()
        .unwrap();
    assert_eq!(refs[0].address(), data);
    assert_eq!(refs[1].address(), group);
    assert_eq!(refs[2].open(&f).unwrap().name(), "/named_type");
    let one: ObjectRef = f
        .root()
        .attrs()
        .attr("object_ref")
        .unwrap()
        .read_scalar()
        .unwrap();
    assert_eq!(one.address(), data);
    let reg = f
        .root()
        .dataset("region_refs")
        .unwrap()
        .read_raw::<RegionRef>()
        .unwrap();
    assert!(reg.iter().all(|r| r.address() == data));
    let attr_reg: RegionRef = f
        .root()
        .group("group")
        .unwrap()
        .attrs()
        .attr("region_ref")
        .unwrap()
        .read_scalar()
        .unwrap();
    assert_eq!(attr_reg.address(), data);
    drop(f);
    let text = h5dump(
        &path,
        &["-A", "0", "-d", "/object_refs", "-a", "/object_ref"],
    );
    let found: Vec<(u64, String)> = dumped_refs(&text)
        .into_iter()
        .map(|(_, a, p)| (a, p))
        .collect();
    assert_eq!(
        found[..2],
        [(data, "/data".to_owned()), (group, "/group".to_owned())],
        "{text}"
    );
    assert_eq!(found[2].1, "/named_type");
    assert_eq!(found[3], (data, "/data".to_owned()), "{text}");
    let text = h5dump(&path, &["-d", "/region_refs", "-a", "/group/region_ref"]);
    assert_eq!(
        dumped_regions(&text),
        [
            (
                "/data".to_owned(),
                "REGION_TYPE BLOCK  (2,3)-(4,6)".to_owned()
            ),
            (
                "/data".to_owned(),
                "REGION_TYPE POINT  (0,0), (9,9), (4,5)".to_owned()
            ),
            (
                "/data".to_owned(),
                "REGION_TYPE BLOCK  (2,3)-(4,6)".to_owned()
            ),
        ],
        "{text}"
    );
    let walk = c_walk(&path);
    assert_eq!(
        texts(&walk_object(&walk, "/object_refs")["values"]),
        [Some("/data"), Some("/group"), Some("/named_type")]
    );
    let regions = walk_object(&walk, "/region_refs")["values"].as_array();
    assert_eq!(
        texts(&Json::Arr(
            regions.iter().map(|r| r["object"].clone()).collect()
        )),
        [Some("/data"); 2]
    );

    let path = dir.join("h5py_default.h5");
    std::fs::copy(fixtures.join("h5py/h5py_default.h5"), &path).unwrap();
    let scales_before = {
        let f = File::open(&path).unwrap();
        let r = f.root();
        [
            r.dataset("x").unwrap().address(),
            r.dataset("y").unwrap().address(),
        ]
    };
    let f = open_rw(&path);
    f.root()
        .dataset("image")
        .unwrap()
        .attrs()
        .set("moved", &[2u8; 300][..])
        .unwrap();
    f.root()
        .group("ordered")
        .unwrap()
        .attrs()
        .set("moved", &[2u8; 300][..])
        .unwrap();
    f.close().unwrap();
    let f = File::open(&path).unwrap();
    let image = f.root().dataset("image").unwrap().address();
    let ordered = f.root().group("ordered").unwrap().address();
    // Dimension scales: /image's DIMENSION_LIST (sequences of references) names /y and /x,
    // whose REFERENCE_LIST ({reference, index} compounds) name /image. Moving /image
    // rewrites the lists on /x and /y, which moves them, which rewrites /image's list.
    let scales = [
        f.root().dataset("x").unwrap().address(),
        f.root().dataset("y").unwrap().address(),
    ];
    assert!(scales[0] != scales_before[0] && scales[1] != scales_before[1]);
    let dims: Vec<VarLenArray<ObjectRef>> = f
        .root()
        .dataset("image")
        .unwrap()
        .attrs()
        .attr("DIMENSION_LIST")
        .unwrap()
        .read_raw()
        .unwrap();
    let dims: Vec<Vec<u64>> = dims
        .iter()
        .map(|v| v.0.iter().map(ObjectRef::address).collect())
        .collect();
    assert_eq!(dims, [vec![scales[1]], vec![scales[0]]]);
    drop(f);
    let text = h5dump(&path, &["-A", "0", "-d", "/object_refs"]);
    assert_eq!(
        dumped_refs(&text),
        [
            ("DATASET".to_owned(), image, "/image".to_owned()),
            ("GROUP".to_owned(), ordered, "/ordered".to_owned())
        ],
        "{text}"
    );
    let text = h5dump(&path, &["-d", "/region_refs"]);
    assert_eq!(
        dumped_regions(&text),
        [(
            "/image".to_owned(),
            "REGION_TYPE BLOCK  (1,2)-(2,4)".to_owned()
        )],
        "{text}"
    );
    let walk = c_walk(&path);
    assert_eq!(
        texts(&walk_object(&walk, "/object_refs")["values"]),
        [Some("/image"), Some("/ordered")]
    );
    let image = walk_object(&walk, "/image");
    let dims = walk_attr(image, "DIMENSION_LIST")["values"].as_array();
    assert_eq!(texts(&dims[0]), [Some("/y")]);
    assert_eq!(texts(&dims[1]), [Some("/x")]);
    for (scale, dim) in [("/x", "1"), ("/y", "0")] {
        let list = walk_attr(walk_object(&walk, scale), "REFERENCE_LIST");
        let row = &list["values"].as_array()[0];
        assert_eq!(row["dataset"], Json::Str("/image".to_owned()), "{scale}");
        assert_eq!(row["dimension"], Json::Num(dim.to_owned()), "{scale}");
    }
    assert!(walk_paths(&walk).iter().any(|p| p == "/ordered/zeta"));
}

/// Writing updated references back moves the tables holding them, so references to those
/// tables are updated in a further round: a chain C -> A -> B -> X where only X is edited.
#[test]
fn chains_of_reference_tables() {
    let dir = temp_dir("refpatch_chain");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("chain_{tag}.h5"));
        let f = create(&path, libver);
        let root = f.root();
        let x = root
            .new_dataset_builder()
            .with_data(&[9u8])
            .create("x")
            .unwrap();
        let mut prev = ObjectRef::from(&x);
        for name in ["b", "a", "c"] {
            let t = root
                .new_dataset_builder()
                .with_data(&[prev])
                .create(name)
                .unwrap();
            prev = ObjectRef::from(&t);
        }
        f.close().unwrap();
        let before: Vec<u64> = {
            let f = File::open(&path).unwrap();
            ["x", "b", "a", "c"]
                .iter()
                .map(|n| f.root().dataset(n).unwrap().address())
                .collect()
        };
        let f = open_rw(&path);
        f.root()
            .dataset("x")
            .unwrap()
            .attrs()
            .set("edited", &1u8)
            .unwrap();
        f.close().unwrap();
        let f = File::open(&path).unwrap();
        let now: Vec<u64> = ["x", "b", "a", "c"]
            .iter()
            .map(|n| f.root().dataset(n).unwrap().address())
            .collect();
        for (i, name) in ["b", "a", "c"].iter().enumerate() {
            assert_ne!(before[i], now[i], "{name}'s target did not move");
            let r = f
                .root()
                .dataset(name)
                .unwrap()
                .read_raw::<ObjectRef>()
                .unwrap();
            assert_eq!(r[0].address(), now[i], "{name}");
        }
        drop(f);
        // h5dump follows the references it prints into the tables they name.
        let text = h5dump(&path, &["-A", "0", "-d", "/b", "-d", "/a", "-d", "/c"]);
        let found: Vec<(u64, String)> = dumped_refs(&text)
            .into_iter()
            .map(|(_, a, p)| (a, p))
            .collect();
        assert_eq!(
            found,
            [
                (now[0], "/x".to_owned()),
                (now[1], "/b".to_owned()),
                (now[0], "/x".to_owned()),
                (now[2], "/a".to_owned()),
                (now[1], "/b".to_owned()),
                (now[0], "/x".to_owned())
            ],
            "{text}"
        );
    }
}

/// References held in dense attribute storage (more attributes than the header keeps
/// compact) follow their targets too, in a file of either generation's making: created
/// here in one session, the target moved in the next.
#[test]
fn references_in_dense_attributes() {
    let dir = temp_dir("ref_patch_dense_attrs");
    let path = dir.join("dense.h5");
    {
        let f = create(&path, h5oxide::Libver::Latest);
        let root = f.root();
        let data = root
            .new_dataset_builder()
            .with_data(&[1.5f64, 2.5, 3.5, 4.5])
            .create("data")
            .unwrap();
        let holder = root.create_group("holder").unwrap();
        for i in 0..12i32 {
            holder.attrs().set(&format!("n{i:02}"), &i).unwrap();
        }
        holder
            .attrs()
            .set("target", &ObjectRef::from(&data))
            .unwrap();
        let sel = Selection::new(
            vec![DimSlice {
                start: 1,
                step: 1,
                count: 2,
            }],
            &[4],
        )
        .unwrap();
        holder
            .attrs()
            .set("region", &RegionRef::new(&data, &sel).unwrap())
            .unwrap();
        f.close().unwrap();
    }
    let before = File::open(&path)
        .unwrap()
        .root()
        .dataset("data")
        .unwrap()
        .address();
    {
        let f = open_rw(&path);
        grow(&f.root().object("data").unwrap());
        f.close().unwrap();
    }
    let f = File::open(&path).unwrap();
    let data = f.root().dataset("data").unwrap();
    assert_ne!(data.address(), before, "the target did not move");
    let holder = f.root().group("holder").unwrap();
    assert_eq!(holder.attrs().names().unwrap().len(), 14);
    let r: ObjectRef = holder.attrs().get("target").unwrap();
    assert_eq!(r.address(), data.address());
    let Object::Dataset(d) = r.open(&f).unwrap() else {
        panic!("not a dataset");
    };
    assert_eq!(d.read_raw::<f64>().unwrap(), [1.5, 2.5, 3.5, 4.5]);
    let reg: RegionRef = holder.attrs().get("region").unwrap();
    assert_eq!(reg.address(), data.address());
    assert_eq!(holder.attrs().get::<i32>("n07").unwrap(), 7);
    drop(f);
    // The C library follows the updated reference to the dataset's new header.
    let text = h5dump(&path, &["-a", "/holder/target"]);
    let found = dumped_refs(&text);
    assert_eq!(
        found,
        [("DATASET".to_owned(), data.address(), "/data".to_owned())]
    );
}
