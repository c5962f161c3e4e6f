//! Datasets and attributes written from stored bytes of a type known only at run time.

#[path = "write_common.rs"]
mod common;

use common::*;
use h5oxide::format::object_header::message::datatype::{
    ByteOrder, CompoundMember, Datatype, TypeClass,
};
use h5oxide::RawValue;

/// A compound {a: i16 big-endian, b: f32} the writer has no Rust type for.
fn pair_type() -> Datatype {
    Datatype::new(
        6,
        TypeClass::Compound {
            members: vec![
                CompoundMember::new("a", 0, Datatype::integer(2, true, ByteOrder::BigEndian)),
                CompoundMember::new("b", 2, Datatype::ieee_float(4, ByteOrder::LittleEndian)),
            ],
        },
    )
}

fn pair_bytes(rows: &[(i16, f32)]) -> Vec<u8> {
    let mut b = Vec::new();
    for (a, f) in rows {
        b.extend_from_slice(&a.to_be_bytes());
        b.extend_from_slice(&f.to_le_bytes());
    }
    b
}

#[test]
fn raw_compound_dataset_and_attribute_read_by_the_c_library() {
    let dir = temp_dir("write_raw");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("raw_{tag}.h5"));
        let f = create(&path, libver);
        let rows = [(-2i16, 1.5f32), (300, -0.25), (7, 1e6)];
        let ds = f
            .root()
            .new_dataset_builder()
            .with_raw(pair_type(), &[3], pair_bytes(&rows))
            .create("pairs")
            .unwrap();
        ds.attrs()
            .set(
                "one",
                &RawValue {
                    dtype: pair_type(),
                    shape: vec![],
                    bytes: pair_bytes(&[(-9, 0.5)]),
                },
            )
            .unwrap();
        f.close().unwrap();

        let text = h5dump(&path, &["-d", "/pairs"]);
        assert!(text.contains("H5T_STD_I16BE \"a\";"), "{text}");
        assert!(text.contains("H5T_IEEE_F32LE \"b\";"), "{text}");
        for row in [
            "{\n         -2,\n         1.5\n      }",
            "{\n         300,\n         -0.25\n      }",
            "{\n         7,\n         1e+06\n      }",
        ] {
            assert!(text.contains(row), "missing {row:?} in {text}");
        }
        let text = h5dump(&path, &["-a", "/pairs/one"]);
        assert!(text.contains("SCALAR"), "{text}");
        assert!(text.contains("-9,\n         0.5"), "{text}");
    }
}

#[test]
fn raw_bytes_of_variable_length_types_are_refused() {
    let f = h5oxide::File::in_memory().unwrap();
    let t = h5oxide::write::types::vlen_string_type();
    let err = f
        .root()
        .new_dataset_builder()
        .with_raw(t.clone(), &[1], vec![0; 16])
        .create("s")
        .unwrap_err();
    assert!(err.to_string().contains("variable-length"), "{err}");
    let err = f
        .root()
        .attrs()
        .set(
            "s",
            &RawValue {
                dtype: t,
                shape: vec![],
                bytes: vec![0; 16],
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("variable-length"), "{err}");
}
