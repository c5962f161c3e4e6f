//! Datasets and attributes of every element type, written in both format generations and
//! read back by h5oxide's typed reads and by the C library (h5dump).

#[path = "write_common.rs"]
mod common;

use common::*;
use h5oxide::types::{
    Complex, FixedAscii, FixedUtf8, ObjectRef, RegionRef, VarLenArray, VarLenAscii,
};
use h5oxide::{DimSlice, H5Type, H5Write, Object, Selection};

#[derive(H5Type, Debug, Clone, Copy, PartialEq)]
#[repr(u8)]
enum Color {
    Red = 1,
    Green = 2,
    #[hdf5(rename = "BLUE")]
    Blue = 7,
}

#[derive(H5Type, Debug, Clone, PartialEq)]
struct Inner {
    x: i16,
    y: f32,
}

#[derive(H5Type, Debug, Clone, PartialEq)]
struct Rec {
    id: u32,
    pos: [f64; 3],
    color: Color,
    inner: Inner,
    name: String,
    tags: Vec<i32>,
    label: FixedAscii<6>,
    z: Complex<f64>,
}

#[derive(H5Type, Debug, Clone, PartialEq)]
#[repr(C)]
struct Aligned {
    a: u8,
    b: f64,
    c: u16,
}

fn recs() -> Vec<Rec> {
    vec![
        Rec {
            id: 1,
            pos: [0.5, -1.0, 2.0],
            color: Color::Red,
            inner: Inner { x: -3, y: 0.25 },
            name: "first".into(),
            tags: vec![10, 20, 30],
            label: FixedAscii::new("abc").unwrap(),
            z: Complex::new(1.0, -2.0),
        },
        Rec {
            id: 2,
            pos: [4.0, 5.0, 6.0],
            color: Color::Blue,
            inner: Inner { x: 300, y: -8.5 },
            name: "second één".into(),
            tags: vec![],
            label: FixedAscii::new("sixsix").unwrap(),
            z: Complex::new(0.0, 3.5),
        },
    ]
}

#[test]
fn compounds_enums_arrays_and_vlen_members() {
    let dir = temp_dir("types_compound");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("compound_{tag}.h5"));
        let f = create(&path, libver);
        let root = f.root();
        root.new_dataset_builder()
            .with_data(&recs())
            .create("recs")
            .unwrap();
        let colors = [Color::Green, Color::Blue, Color::Red];
        root.new_dataset_builder()
            .with_data(&colors)
            .create("colors")
            .unwrap();
        let al = [Aligned { a: 9, b: 1.5, c: 7 }];
        root.new_dataset_builder()
            .with_data(&al)
            .create("aligned")
            .unwrap();
        root.attrs().set("color", &Color::Blue).unwrap();
        root.attrs().set("inner", &Inner { x: 5, y: 6.5 }).unwrap();
        f.close().unwrap();

        let f = h5oxide::File::open(&path).unwrap();
        assert_eq!(
            f.root().dataset("recs").unwrap().read_raw::<Rec>().unwrap(),
            recs()
        );
        assert_eq!(
            f.root()
                .dataset("colors")
                .unwrap()
                .read_raw::<Color>()
                .unwrap(),
            colors
        );
        assert_eq!(
            f.root()
                .dataset("aligned")
                .unwrap()
                .read_raw::<Aligned>()
                .unwrap(),
            al
        );
        let t = f.root().dataset("aligned").unwrap().dtype().clone();
        // repr(C): the fields' Rust offsets and the struct's size.
        assert_eq!(t.size, 24);
        let h5oxide::format::object_header::message::datatype::TypeClass::Compound { members } =
            &t.class
        else {
            panic!("not a compound: {t:?}");
        };
        let offsets: Vec<u32> = members.iter().map(|m| m.offset).collect();
        assert_eq!(offsets, [0, 8, 16]);
        // Without repr(C) members are packed: u32 + 3 f64 + u8 + (i16 + f32) + 16 + 16 + 6 + 16.
        let t = f.root().dataset("recs").unwrap().dtype().clone();
        assert_eq!(t.size, 4 + 24 + 1 + 6 + 16 + 16 + 6 + 16);
        drop(f);

        let text = h5dump(&path, &["-d", "/recs"]);
        for want in [
            "H5T_STD_U32LE \"id\";",
            "H5T_ARRAY { [3] H5T_IEEE_F64LE } \"pos\";",
            "\"BLUE\"             7;",
            "} \"color\";",
            "H5T_STD_I16LE \"x\";",
            "} \"inner\";",
            "CSET H5T_CSET_UTF8;",
            "H5T_VLEN { H5T_STD_I32LE} \"tags\";",
            "STRSIZE 6;",
            "H5T_IEEE_F64LE \"r\";",
            "H5T_IEEE_F64LE \"i\";",
            "[ 0.5, -1, 2 ],\n         Red,",
            "-3,\n            0.25",
            "\"first\",\n         (10, 20, 30),\n         \"abc\\000\\000\\000\",",
            "[ 4, 5, 6 ],\n         BLUE,",
            "300,\n            -8.5",
            "(),\n         \"sixsix\",\n         {\n            0,\n            3.5",
            "1,\n            -2",
        ] {
            assert!(text.contains(want), "missing {want:?} in {text}");
        }
        let text = h5dump(
            &path,
            &[
                "-d", "/colors", "-d", "/aligned", "-a", "/color", "-a", "/inner",
            ],
        );
        for want in [
            "(0): Green, BLUE, Red",
            "H5T_STD_U8LE \"a\";\n      H5T_IEEE_F64LE \"b\";\n      H5T_STD_U16LE \"c\";",
            "9,\n         1.5,\n         7",
            "(0): BLUE",
            "5,\n         6.5",
        ] {
            assert!(text.contains(want), "missing {want:?} in {text}");
        }
    }
}

#[test]
fn object_and_region_references() {
    let dir = temp_dir("types_refs");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("refs_{tag}.h5"));
        let f = create(&path, libver);
        let root = f.root();
        let g = root.create_group("grp").unwrap();
        let data: Vec<i32> = (0..20).collect();
        let ds = g
            .new_dataset_builder()
            .with_data(&ndarray::Array2::from_shape_vec((4, 5), data).unwrap())
            .create("data")
            .unwrap();
        let refs = [ObjectRef::from(&ds), ObjectRef::from(&g), ObjectRef::null()];
        root.new_dataset_builder()
            .with_data(&refs)
            .create("objrefs")
            .unwrap();
        let block = Selection::new(
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
        .unwrap();
        let regions = [
            RegionRef::new(&ds, &block).unwrap(),
            RegionRef::new(&ds, &Selection::all(&[4, 5])).unwrap(),
        ];
        root.new_dataset_builder()
            .with_data(&regions)
            .create("regrefs")
            .unwrap();
        ds.attrs().set("self", &ObjectRef::from(&ds)).unwrap();
        root.attrs().set("region", &regions[0]).unwrap();
        root.attrs().set("seq", &VarLenArray(vec![3u8, 4])).unwrap();
        f.close().unwrap();

        let f = h5oxide::File::open(&path).unwrap();
        let back = f
            .root()
            .dataset("objrefs")
            .unwrap()
            .read_raw::<ObjectRef>()
            .unwrap();
        assert_eq!(f.deref(&back[0]).unwrap().name(), "/grp/data");
        assert!(matches!(back[1].open(&f).unwrap(), Object::Group(_)));
        assert!(back[2].is_null());
        let back = f
            .root()
            .dataset("regrefs")
            .unwrap()
            .read_raw::<RegionRef>()
            .unwrap();
        let d = back[0].dataset(&f).unwrap();
        assert_eq!(d.name(), "/grp/data");
        let sel = back[0].selection(&d.shape()).unwrap();
        assert_eq!(sel, block);
        let picked = d.read_slice::<i32, _, ndarray::Ix2>(&sel).unwrap();
        assert_eq!(
            picked.iter().copied().collect::<Vec<_>>(),
            [5, 7, 9, 10, 12, 14]
        );
        assert_eq!(
            back[1].selection(&d.shape()).unwrap(),
            Selection::all(&[4, 5])
        );
        drop(f);

        let text = h5dump(
            &path,
            &["-d", "/objrefs", "-d", "/regrefs", "-a", "/grp/data/self"],
        );
        // h5dump dereferences each reference to its object's path.
        for want in [
            "H5T_REFERENCE { H5T_STD_REF_OBJECT }",
            "\"/grp/data\"\n         DATA {\n         (0,0): 0, 1, 2, 3, 4,",
            "\"/grp\"\n         DATA {\n         }\n      NULL",
            "H5T_REFERENCE { H5T_STD_REF_DSETREG }",
            "DATASET \"/grp/data\" {\n         REGION_TYPE BLOCK  (1,0)-(2,0), (1,2)-(2,2), (1,4)-(2,4)",
            "DATASPACE  SIMPLE { ( 4, 5 ) / ( 4, 5 ) }\n      }\n      DATASET \"/grp/data\"\n",
            "ATTRIBUTE \"self\"",
        ] {
            assert!(text.contains(want), "missing {want:?} in {text}");
        }
        let text = h5dump(&path, &["-a", "/region", "-a", "/seq"]);
        for want in [
            "H5T_REFERENCE { H5T_STD_REF_DSETREG }",
            "REGION_TYPE BLOCK  (1,0)-(2,0), (1,2)-(2,2), (1,4)-(2,4)",
            "H5T_VLEN { H5T_STD_U8LE}",
            "(0): (3, 4)",
        ] {
            assert!(text.contains(want), "missing {want:?} in {text}");
        }
    }
}

#[test]
fn committed_datatypes() {
    let dir = temp_dir("types_committed");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("committed_{tag}.h5"));
        let f = create(&path, libver);
        let root = f.root();
        let t = root
            .commit_type("types/inner_t", &Inner::write_type())
            .unwrap();
        let rows = [Inner { x: 1, y: 2.0 }, Inner { x: -4, y: 0.5 }];
        root.new_dataset_builder()
            .dtype_committed(&t)
            .with_data(&rows)
            .create("uses_type")
            .unwrap();
        root.new_dataset::<Inner>()
            .dtype_committed(&t)
            .shape([3])
            .create("empty")
            .unwrap();
        f.close().unwrap();

        let f = h5oxide::File::open(&path).unwrap();
        let named = f.root().object("types/inner_t").unwrap();
        assert!(matches!(named, Object::Datatype(_)));
        let out = std::process::Command::new("h5debug")
            .arg(&path)
            .arg(named.address().to_string())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        // The type's reference count: its link and the two datasets using it, as libhdf5
        // counts them.
        let links = text
            .lines()
            .find(|l| l.trim_start().starts_with("Number of links:"))
            .and_then(|l| l.split_whitespace().last())
            .unwrap_or_else(|| panic!("no link count in {text}"));
        assert_eq!(links, "3", "{text}");
        assert_eq!(
            f.root()
                .dataset("uses_type")
                .unwrap()
                .read_raw::<Inner>()
                .unwrap(),
            rows
        );
        drop(f);
        let text = h5dump(&path, &[]);
        for want in [
            "DATASET \"empty\" {\n      DATATYPE  \"/types/inner_t\"",
            "DATATYPE \"inner_t\" H5T_COMPOUND {\n         H5T_STD_I16LE \"x\";",
            "DATASET \"uses_type\" {\n      DATATYPE  \"/types/inner_t\"",
            "1,\n            2\n         },\n      (1): {\n            -4,\n            0.5",
        ] {
            assert!(text.contains(want), "missing {want:?} in {text}");
        }
    }
}

#[test]
fn arrays_strings_sequences_complex_and_tuples() {
    let dir = temp_dir("types_misc");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("misc_{tag}.h5"));
        let f = create(&path, libver);
        let root = f.root();
        let grid = [[[1u8, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]];
        root.new_dataset_builder()
            .with_data(&grid)
            .create("grid")
            .unwrap();
        let seqs = vec![
            VarLenArray(vec![1.5f32]),
            VarLenArray(vec![]),
            VarLenArray(vec![2.0, 3.0, 4.0]),
        ];
        root.new_dataset_builder()
            .with_data(&seqs)
            .create("seqs")
            .unwrap();
        let nested: Vec<Vec<Vec<u16>>> = vec![vec![vec![1, 2], vec![3]], vec![]];
        root.new_dataset_builder()
            .with_data(&nested)
            .create("nested")
            .unwrap();
        let fixed = [
            FixedUtf8::<6>::new("é").unwrap(),
            FixedUtf8::new("abcdef").unwrap(),
        ];
        root.new_dataset_builder()
            .with_data(&fixed)
            .create("fixed")
            .unwrap();
        root.new_dataset_builder()
            .with_scalar(VarLenAscii::new("plain").unwrap())
            .create("ascii")
            .unwrap();
        let z = [Complex::new(1.0f32, 2.0), Complex::new(-0.5, 0.0)];
        root.new_dataset_builder()
            .with_data(&z)
            .create("z")
            .unwrap();
        let pairs = [(1i8, 2.5f64), (-1, -2.5)];
        root.new_dataset_builder()
            .with_data(&pairs)
            .create("pairs")
            .unwrap();
        let names = vec!["x".to_owned(), "yy".to_owned()];
        root.attrs().set("names", &names).unwrap();
        root.attrs()
            .set("seq", &vec![vec![7i64, 8], vec![9]])
            .unwrap();
        f.close().unwrap();

        let f = h5oxide::File::open(&path).unwrap();
        let r = f.root();
        assert_eq!(
            r.dataset("grid")
                .unwrap()
                .read_raw::<[[u8; 2]; 3]>()
                .unwrap(),
            grid
        );
        assert_eq!(
            r.dataset("seqs")
                .unwrap()
                .read_raw::<VarLenArray<f32>>()
                .unwrap(),
            seqs
        );
        assert_eq!(
            r.dataset("nested")
                .unwrap()
                .read_raw::<Vec<Vec<u16>>>()
                .unwrap(),
            nested
        );
        assert_eq!(
            r.dataset("fixed")
                .unwrap()
                .read_raw::<FixedUtf8<6>>()
                .unwrap(),
            fixed
        );
        assert_eq!(
            r.dataset("ascii")
                .unwrap()
                .read_scalar::<VarLenAscii>()
                .unwrap()
                .as_str(),
            "plain"
        );
        assert_eq!(
            r.dataset("z").unwrap().read_raw::<Complex<f32>>().unwrap(),
            z
        );
        assert_eq!(
            r.dataset("pairs").unwrap().read_raw::<(i8, f64)>().unwrap(),
            pairs
        );
        drop(f);

        let text = h5dump(&path, &[]);
        for want in [
            "ATTRIBUTE \"names\"",
            "(0): \"x\", \"yy\"",
            "DATATYPE  H5T_VLEN { H5T_STD_I64LE}",
            "(0): (7, 8), (9)",
            "CSET H5T_CSET_ASCII;",
            "(0): \"plain\"",
            "STRSIZE 6;\n         STRPAD H5T_STR_NULLPAD;\n         CSET H5T_CSET_UTF8;",
            "\"abcdef\"",
            "DATATYPE  H5T_ARRAY { [3][2] H5T_STD_U8LE }",
            "(0): [ 1, 2,\n            3, 4,\n            5, 6 ],\n      (1): [ 7, 8,",
            "DATATYPE  H5T_VLEN { H5T_VLEN { H5T_STD_U16LE}}",
            "(0): ((1, 2), (3)), ()",
            "H5T_STD_I8LE \"0\";\n         H5T_IEEE_F64LE \"1\";",
            "-1,\n            -2.5",
            "DATATYPE  H5T_VLEN { H5T_IEEE_F32LE}",
            "(0): (1.5), (), (2, 3, 4)",
            "H5T_IEEE_F32LE \"r\";\n         H5T_IEEE_F32LE \"i\";",
            "-0.5,\n            0",
        ] {
            assert!(text.contains(want), "missing {want:?} in {text}");
        }
    }
}

/// Revised (HDF5 1.12) references, built byte by byte per spec VIII.B: an object reference
/// stored in the element itself, region and attribute references whose encodings sit in
/// global heap objects (made here as the items of variable-length byte sequences).
#[test]
fn revised_references_read_as_references() {
    use h5oxide::format::object_header::message::datatype::{Datatype, ReferenceKind, TypeClass};
    use h5oxide::format::selection::Selection as Stored;
    use h5oxide::types::Reference;

    let f = h5oxide::File::in_memory().unwrap();
    let root = f.root();
    let target = root
        .new_dataset_builder()
        .with_data(&ndarray::Array2::<i32>::zeros((3, 4)))
        .create("target")
        .unwrap();
    let addr = target.address();
    // Region blob: token size, token (the address), the selection's size and rank, then a
    // version 1 point selection of one point (2, 3): type 1, version 1, reserved, length,
    // rank, point count, coordinates (spec VIII.A).
    let mut region = vec![8u8];
    region.extend_from_slice(&addr.to_le_bytes());
    let mut sel = Vec::new();
    for v in [1u32, 1, 0, 16, 2, 1, 2, 3] {
        sel.extend_from_slice(&v.to_le_bytes());
    }
    region.extend_from_slice(&(sel.len() as u32).to_le_bytes());
    region.extend_from_slice(&2u32.to_le_bytes());
    region.extend_from_slice(&sel);
    // Attribute blob: token size, token, 16-bit name length, name.
    let mut attr = vec![8u8];
    attr.extend_from_slice(&addr.to_le_bytes());
    attr.extend_from_slice(&5u16.to_le_bytes());
    attr.extend_from_slice(b"units");
    let blobs = root
        .new_dataset_builder()
        .with_data(&[VarLenArray(region.clone()), VarLenArray(attr.clone())])
        .create("blobs")
        .unwrap();
    let stored = blobs.read_bytes().unwrap();
    let heap_id = |i: usize| stored[i * 16 + 4..i * 16 + 16].to_vec();

    const SIZE: usize = 18; // max(4 + 2 + heap ID, encoded object reference)
    let mut elems = Vec::new();
    let mut e = vec![2u8, 0, 8];
    e.extend_from_slice(&addr.to_le_bytes());
    e.resize(SIZE, 0);
    elems.extend_from_slice(&e);
    for (kind, i, len) in [(3u8, 0, region.len()), (4u8, 1, attr.len())] {
        let mut e = vec![kind, 0];
        e.extend_from_slice(&(len as u32).to_le_bytes());
        e.extend_from_slice(&heap_id(i));
        elems.extend_from_slice(&e);
    }
    elems.resize(elems.len() + SIZE, 0);
    let t = Datatype::new(
        SIZE as u32,
        TypeClass::Reference {
            kind: ReferenceKind::Object2,
        },
    );
    let ds = root
        .new_dataset_builder()
        .with_raw(t, &[4], elems)
        .create("revised")
        .unwrap();
    let refs = ds.read_raw::<Reference>().unwrap();
    assert_eq!(
        refs[0],
        Reference::Object {
            address: addr,
            file: None
        }
    );
    let Reference::Region {
        address,
        file,
        selection: Stored::Points(p),
        ..
    } = &refs[1]
    else {
        panic!("not a point region: {:?}", refs[1]);
    };
    assert_eq!((*address, file), (addr, &None));
    assert_eq!(p.points, vec![vec![2, 3]]);
    assert_eq!(
        refs[2],
        Reference::Attribute {
            address: addr,
            file: None,
            name: "units".into()
        }
    );
    assert_eq!(refs[3], Reference::Null);
    // The object reference alone also reads as an ObjectRef.
    let one = ds.read_slice::<ObjectRef, _, ndarray::Ix1>(
        &Selection::new(
            vec![DimSlice {
                start: 0,
                step: 1,
                count: 1,
            }],
            &[4],
        )
        .unwrap(),
    );
    assert_eq!(one.unwrap()[0], ObjectRef::from(&target));
}

#[test]
fn variable_length_data_rewritten_in_place() {
    let dir = temp_dir("types_rewrite");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("rewrite_{tag}.h5"));
        let f = create(&path, libver);
        let mut ds = f
            .root()
            .new_dataset_builder()
            .with_data(&vec![Inner { x: 1, y: 1.0 }])
            .create("plain")
            .unwrap();
        ds.write(&vec![Inner { x: 2, y: -2.0 }]).unwrap();
        let mut ds = f
            .root()
            .new_dataset_builder()
            .with_data(&vec![vec![1u8], vec![2, 3]])
            .create("seqs")
            .unwrap();
        ds.write(&vec![vec![4u8, 5, 6], vec![]]).unwrap();
        ds.write_slice(&vec![vec![7u8]], ndarray::s![1..2]).unwrap();
        f.close().unwrap();
        let text = h5dump(&path, &["-d", "/seqs", "-d", "/plain"]);
        assert!(text.contains("(0): (4, 5, 6), (7)"), "{text}");
        assert!(text.contains("2,\n         -2"), "{text}");
    }
}

/// h5py's complex numbers and references (fixtures/h5py_files.py) read as the same Rust
/// types h5oxide writes.
#[test]
fn h5py_complex_and_references_read_typed() {
    for name in ["h5py_default.h5", "h5py_latest.h5"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/files/h5py")
            .join(name);
        let f = h5oxide::File::open(path).unwrap();
        let r = f.root();
        // np.arange(6, dtype=np.complex64) * (1 - 2j)
        let c64 = r
            .dataset("complex64")
            .unwrap()
            .read_raw::<Complex<f32>>()
            .unwrap();
        let want: Vec<_> = (0..6)
            .map(|k| Complex::new(k as f32, -2.0 * k as f32))
            .collect();
        assert_eq!(c64, want, "{name}");
        // np.arange(4, dtype=np.complex128) * (0.5 + 1j)
        let c128 = r
            .dataset("complex128")
            .unwrap()
            .read_raw::<Complex<f64>>()
            .unwrap();
        let want: Vec<_> = (0..4)
            .map(|k| Complex::new(0.5 * k as f64, k as f64))
            .collect();
        assert_eq!(c128, want, "{name}");
        // refs[0] = img.ref; refs[1] = g.ref
        let refs = r
            .dataset("object_refs")
            .unwrap()
            .read_raw::<ObjectRef>()
            .unwrap();
        assert_eq!(f.deref(&refs[0]).unwrap().name(), "/image", "{name}");
        assert_eq!(f.deref(&refs[1]).unwrap().name(), "/ordered", "{name}");
        // regs[0] = img.regionref[1:3, 2:5]
        let regs = r
            .dataset("region_refs")
            .unwrap()
            .read_raw::<RegionRef>()
            .unwrap();
        let img = regs[0].dataset(&f).unwrap();
        assert_eq!(img.name(), "/image");
        let sel = regs[0].selection(&img.shape()).unwrap();
        let vals = img.read_slice::<f64, _, ndarray::Ix2>(&sel).unwrap();
        assert_eq!(
            vals.iter().copied().collect::<Vec<_>>(),
            [7.0, 8.0, 9.0, 12.0, 13.0, 14.0],
            "{name}"
        );
    }
}

#[derive(H5Type, Debug, Clone, PartialEq)]
struct Holder {
    target: ObjectRef,
    n: i32,
}

/// Read-only: `Reference` can be read but not written.
#[derive(H5Type, Debug, PartialEq)]
#[hdf5(read_only)]
struct HolderView {
    target: h5oxide::types::Reference,
}

#[test]
fn references_inside_compounds() {
    let dir = temp_dir("types_ref_compound");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("refcomp_{tag}.h5"));
        let f = create(&path, libver);
        let ds = f
            .root()
            .new_dataset_builder()
            .with_data(&[1.0f64, 2.0])
            .create("x")
            .unwrap();
        let rows = [Holder {
            target: ObjectRef::from(&ds),
            n: 5,
        }];
        f.root()
            .new_dataset_builder()
            .with_data(&rows)
            .create("holders")
            .unwrap();
        f.close().unwrap();
        let f = h5oxide::File::open(&path).unwrap();
        let d = f.root().dataset("holders").unwrap();
        let back = d.read_raw::<Holder>().unwrap();
        assert_eq!(f.deref(&back[0].target).unwrap().name(), "/x");
        let view = d.read_raw::<HolderView>().unwrap();
        assert!(matches!(
            view[0].target,
            h5oxide::types::Reference::Object { address, file: None } if address == back[0].target.address()
        ));
        drop(f);
        let text = h5dump(&path, &["-d", "/holders"]);
        for want in [
            "H5T_REFERENCE { H5T_STD_REF_OBJECT } \"target\";",
            "H5T_STD_I32LE \"n\";",
            "DATASET ",
            "\"/x\"",
            "5\n",
        ] {
            assert!(text.contains(want), "missing {want:?} in {text}");
        }
    }
}

#[derive(H5Type, Debug, Clone, Copy, PartialEq)]
#[repr(u8)]
#[allow(clippy::upper_case_acronyms)]
enum Colour {
    RED = 0,
    GREEN = 1,
}

/// A type committed by libhdf5 (fixtures/types_committed.h5) used by a new dataset.
#[test]
fn committed_type_of_a_libhdf5_file() {
    let dir = temp_dir("types_committed_c");
    let path = dir.join("types_committed.h5");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/files/types_committed.h5"),
        &path,
    )
    .unwrap();
    let f = h5oxide::File::append(&path).unwrap();
    let Object::Datatype(t) = f.root().object("types/colour").unwrap() else {
        panic!("not a datatype");
    };
    let data = [Colour::GREEN, Colour::RED, Colour::GREEN, Colour::GREEN];
    f.root()
        .new_dataset_builder()
        .dtype_committed(&t)
        .with_data(&data)
        .create("more_colours")
        .unwrap();
    f.close().unwrap();
    let f = h5oxide::File::open(&path).unwrap();
    let ds = f.root().dataset("more_colours").unwrap();
    assert_eq!(ds.read_raw::<Colour>().unwrap(), data);
    let addr = f.root().object("types/colour").unwrap().address();
    drop(f);
    let text = h5dump(&path, &[]);
    assert!(
        text.contains(
            "DATASET \"more_colours\" {\n      DATATYPE  \"/types/colour\"\n      \
             DATASPACE  SIMPLE { ( 4 ) / ( 4 ) }\n      DATA {\n      (0): GREEN, RED, GREEN, GREEN"
        ),
        "{text}"
    );
    // libhdf5 counted its link, a dataset and an attribute; the new dataset makes 4.
    let out = std::process::Command::new("h5debug")
        .arg(&path)
        .arg(addr.to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let links = text
        .lines()
        .find(|l| l.trim_start().starts_with("Number of links:"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap_or_else(|| panic!("no link count in {text}"));
    assert_eq!(links, "4", "{text}");
}
