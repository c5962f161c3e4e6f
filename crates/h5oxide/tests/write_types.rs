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
        root.new_dataset_builder().with_data(&recs()).create("recs").unwrap();
        let colors = [Color::Green, Color::Blue, Color::Red];
        root.new_dataset_builder().with_data(&colors).create("colors").unwrap();
        let al = [Aligned { a: 9, b: 1.5, c: 7 }];
        root.new_dataset_builder().with_data(&al).create("aligned").unwrap();
        root.attrs().set("color", &Color::Blue).unwrap();
        root.attrs()
            .set("inner", &Inner { x: 5, y: 6.5 })
            .unwrap();
        f.close().unwrap();

        let f = h5oxide::File::open(&path).unwrap();
        assert_eq!(f.root().dataset("recs").unwrap().read_raw::<Rec>().unwrap(), recs());
        assert_eq!(
            f.root().dataset("colors").unwrap().read_raw::<Color>().unwrap(),
            colors
        );
        assert_eq!(f.root().dataset("aligned").unwrap().read_raw::<Aligned>().unwrap(), al);
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
            &["-d", "/colors", "-d", "/aligned", "-a", "/color", "-a", "/inner"],
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
