//! Compounds, enumerations, arrays and variable-length sequences of `types_compound.h5` and
//! `types_compound_latest.h5` read into derived structs and enums (values from
//! fixtures/src/types.rs).

use h5oxide::{Error, File, H5Type};

fn fixture(name: &str) -> File {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files")
        .join(name);
    File::open(path).unwrap()
}

const FILES: [&str; 2] = ["types_compound.h5", "types_compound_latest.h5"];

#[derive(H5Type, Debug, PartialEq)]
struct Simple {
    a: i32,
    b: f64,
    c: u8,
}

/// The same members converted to other types and in another order.
#[derive(H5Type, Debug, PartialEq)]
struct SimpleWide {
    c: i64,
    #[hdf5(rename = "a")]
    alpha: f64,
}

#[derive(H5Type, Debug, PartialEq)]
struct Pos {
    x: f32,
    y: f32,
    z: f32,
}

#[derive(H5Type, Debug, PartialEq)]
struct Nested {
    id: u16,
    pos: Pos,
    tags: [i16; 3],
    name: String,
    m: [[f64; 2]; 2],
}

#[derive(H5Type, Debug, PartialEq)]
struct NeedsMissing {
    a: i32,
    missing: f32,
}

#[derive(H5Type, Debug, PartialEq, Clone, Copy)]
#[repr(u8)]
enum Colour {
    #[hdf5(rename = "RED")]
    Red = 0,
    #[hdf5(rename = "GREEN")]
    Green = 1,
    #[hdf5(rename = "BLUE")]
    Blue = 2,
}

/// Variant values need not match the stored ones: names decide.
#[derive(H5Type, Debug, PartialEq, Clone, Copy)]
#[repr(i32)]
#[allow(clippy::upper_case_acronyms)]
enum Level {
    HIGH = 1,
    MID = 2,
    LOW = 3,
}

#[derive(H5Type, Debug, PartialEq)]
#[repr(u8)]
enum TwoColours {
    #[hdf5(rename = "RED")]
    Red,
    #[hdf5(rename = "GREEN")]
    Green,
}

fn simple(i: usize) -> Simple {
    Simple {
        a: i as i32 - 2,
        b: i as f64 * 0.25,
        c: (i * 50) as u8,
    }
}

#[test]
fn simple_compounds_padded_packed_big_endian() {
    for file in FILES {
        let f = fixture(file);
        for name in ["simple_padded", "simple_packed", "simple_big_endian"] {
            let ds = f.root().dataset(name).unwrap();
            let want: Vec<Simple> = (0..5).map(simple).collect();
            assert_eq!(ds.read_raw::<Simple>().unwrap(), want, "{file} {name}");
            let wide: Vec<SimpleWide> = (0..5)
                .map(|i| SimpleWide {
                    c: (i * 50) as i64,
                    alpha: i as f64 - 2.0,
                })
                .collect();
            assert_eq!(
                ds.read_1d::<SimpleWide>()
                    .unwrap()
                    .into_raw_vec_and_offset()
                    .0,
                wide
            );
        }
    }
}

#[test]
fn a_missing_member_is_named_in_the_error() {
    let f = fixture("types_compound.h5");
    let ds = f.root().dataset("simple_padded").unwrap();
    let err = ds.read_raw::<NeedsMissing>().unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("\"missing\"") && msg.contains("NeedsMissing"),
        "{msg}"
    );
    // Tuples read members named "0", "1", ...; this compound has none.
    assert!(ds
        .read_raw::<(i32, f64)>()
        .unwrap_err()
        .to_string()
        .contains("\"0\""));
    // A compound is not a number.
    assert!(matches!(ds.read_raw::<f64>(), Err(Error::WrongKind { .. })));
}

#[test]
fn nested_compounds_with_array_and_string_members() {
    for file in FILES {
        let f = fixture(file);
        let ds = f.root().dataset("nested_with_arrays").unwrap();
        let got = ds.read_raw::<Nested>().unwrap();
        let want: Vec<Nested> = (0..4)
            .map(|i| {
                let k = i as f32;
                let kd = f64::from(k);
                Nested {
                    id: 100 + i as u16,
                    pos: Pos {
                        x: k,
                        y: -k,
                        z: k * 0.5,
                    },
                    tags: [i as i16, i as i16 * 2, -(i as i16)],
                    name: format!("obj-{}", (b'a' + i as u8) as char),
                    m: [[kd, kd + 1.0], [kd + 2.0, kd + 3.0]],
                }
            })
            .collect();
        assert_eq!(got, want, "{file}");
    }
}

#[test]
fn array_elements_nested_or_flat() {
    for file in FILES {
        let f = fixture(file);
        let ds = f.root().dataset("array_2x3_f32").unwrap();
        let want: Vec<[[f32; 3]; 2]> = (0..4)
            .map(|i| [[i as f32, 1.0, 2.0], [3.0, 4.0, -(i as f32)]])
            .collect();
        assert_eq!(ds.read_raw::<[[f32; 3]; 2]>().unwrap(), want);
        let flat: Vec<[f64; 6]> = (0..4)
            .map(|i| [i as f64, 1.0, 2.0, 3.0, 4.0, -(i as f64)])
            .collect();
        assert_eq!(ds.read_raw::<[f64; 6]>().unwrap(), flat);
        assert!(ds.read_raw::<[f32; 5]>().is_err());
        let a = f.root().attrs().attr("array_attr_i64_be").unwrap();
        assert_eq!(a.read_scalar::<[i64; 3]>().unwrap(), [1, -2, 3]);
        assert_eq!(a.read_scalar::<[i8; 3]>().unwrap(), [1, -2, 3]);
    }
}

#[test]
fn h5py_bool_enum_as_bool() {
    for file in FILES {
        let f = fixture(file);
        let ds = f.root().dataset("enum_bool").unwrap();
        assert_eq!(
            ds.read_raw::<bool>().unwrap(),
            [false, true, true, false, true]
        );
        assert!(f.root().attrs().get_value::<bool>("flag").unwrap());
        // Booleans from plain integers need 0 or 1.
        let g = fixture("types_numeric.h5");
        let err = g.root().dataset("u8_le").unwrap().read_raw::<bool>();
        assert!(err.is_err());
    }
}

#[test]
fn enums_into_derived_enums_by_name() {
    use Colour::{Blue, Green, Red};
    for file in FILES {
        let f = fixture(file);
        let ds = f.root().dataset("enum_colour_u8").unwrap();
        assert_eq!(
            ds.read_raw::<Colour>().unwrap(),
            [Blue, Red, Green, Green, Blue, Red]
        );
        // The stored integers themselves.
        assert_eq!(ds.read_raw::<i32>().unwrap(), [2, 0, 1, 1, 2, 0]);
        // The generator inserts the members of this big-endian enum with native
        // (little-endian) values, so the stored members are LOW = -25345 (bytes 9c ff),
        // MID = 0, HIGH = 11265 (bytes 2c 01), as h5dump shows too, while the data holds
        // -100, 300, 0, -100 in big-endian order: only the MID element has a member.
        let ds = f.root().dataset("enum_level_i16_be").unwrap();
        assert_eq!(ds.read_raw::<i16>().unwrap(), [-100, 300, 0, -100]);
        let err = ds.read_raw::<Level>().unwrap_err();
        assert!(err.to_string().contains("without a member"), "{err}");
        let mid = ds.read_slice_1d::<Level, _>(ndarray::s![2..3]).unwrap();
        assert_eq!(mid.into_raw_vec_and_offset().0, [Level::MID]);
        assert_eq!(ds.read_raw::<u8>().unwrap(), [0, 255, 0, 0]);
        // A stored member without a variant is an error naming it.
        let err = f
            .root()
            .dataset("enum_colour_u8")
            .unwrap()
            .read_raw::<TwoColours>()
            .unwrap_err();
        assert!(err.to_string().contains("BLUE"), "{err}");
        // An enumeration is not a compound.
        assert!(ds.read_raw::<Simple>().is_err());
    }
}

#[test]
fn variable_length_sequences() {
    for file in FILES {
        let f = fixture(file);
        let ds = f.root().dataset("vlen_i32").unwrap();
        let want: Vec<Vec<i32>> = (0..5i32)
            .map(|i| (0..i).map(|j| i * 10 + j).collect())
            .collect();
        assert_eq!(ds.read_raw::<Vec<i32>>().unwrap(), want);
        let ds = f.root().dataset("vlen_f64_be").unwrap();
        let want: Vec<Vec<f64>> = (0..3)
            .map(|i| (0..2 * i + 1).map(|j| j as f64 / 4.0).collect())
            .collect();
        assert_eq!(ds.read_raw::<Vec<f64>>().unwrap(), want);
        let ds = f.root().dataset("vlen_compound").unwrap();
        let want: Vec<Vec<Pos>> = (0..3)
            .map(|i| {
                (0..=i)
                    .map(|j| Pos {
                        x: i as f32,
                        y: j as f32,
                        z: 0.5,
                    })
                    .collect()
            })
            .collect();
        assert_eq!(ds.read_raw::<Vec<Pos>>().unwrap(), want);
    }
}

#[derive(H5Type, Debug, PartialEq)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(H5Type, Debug, PartialEq)]
#[repr(u8)]
#[allow(clippy::upper_case_acronyms)]
enum Committed {
    RED,
    GREEN,
}

#[test]
fn committed_types() {
    let f = fixture("types_committed.h5");
    let ds = f.root().dataset("points").unwrap();
    let want: Vec<Point> = (0..6)
        .map(|i| Point {
            x: i as f64,
            y: i as f64 * 2.0,
        })
        .collect();
    assert_eq!(ds.read_raw::<Point>().unwrap(), want);
    let colours = f.root().dataset("nested/colours").unwrap();
    assert_eq!(
        colours.read_raw::<Committed>().unwrap(),
        [Committed::RED, Committed::GREEN, Committed::GREEN]
    );
    assert_eq!(
        f.root().attrs().get_value::<Point>("origin").unwrap(),
        Point { x: 0.5, y: -0.5 }
    );
    let g = f.group("nested").unwrap();
    assert_eq!(
        g.attrs().get_value::<Committed>("default_colour").unwrap(),
        Committed::GREEN
    );
    assert_eq!(
        f.root().dataset("labels").unwrap().read_strings().unwrap(),
        ["first", "second"]
    );
}
