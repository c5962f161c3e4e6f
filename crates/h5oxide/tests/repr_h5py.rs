//! `Display` of datasets equals h5py's `repr` of the same datasets (the reprs below were
//! printed by h5py 3.16 for fixtures/files/h5py/h5py_default.h5).

const H5PY_REPRS: &[(&str, &str)] = &[
    ("bool", r#"<HDF5 dataset "bool": shape (4,), type "|b1">"#),
    (
        "complex64",
        r#"<HDF5 dataset "complex64": shape (6,), type "<c8">"#,
    ),
    (
        "complex128",
        r#"<HDF5 dataset "complex128": shape (4,), type "<c16">"#,
    ),
    (
        "bytes_S6",
        r#"<HDF5 dataset "bytes_S6": shape (3,), type "|S6">"#,
    ),
    (
        "vlen_utf8",
        r#"<HDF5 dataset "vlen_utf8": shape (3,), type "|O">"#,
    ),
    (
        "f64_be",
        r#"<HDF5 dataset "f64_be": shape (9,), type ">f8">"#,
    ),
    ("f16", r#"<HDF5 dataset "f16": shape (3, 4), type "<f2">"#),
    (
        "structured",
        r#"<HDF5 dataset "structured": shape (5,), type "|V20">"#,
    ),
    (
        "vlen_i16",
        r#"<HDF5 dataset "vlen_i16": shape (3,), type "|O">"#,
    ),
    (
        "object_refs",
        r#"<HDF5 dataset "object_refs": shape (2,), type "|O">"#,
    ),
    (
        "region_refs",
        r#"<HDF5 dataset "region_refs": shape (1,), type "|O">"#,
    ),
    (
        "resizable",
        r#"<HDF5 dataset "resizable": shape (25,), type "<f8">"#,
    ),
];

#[test]
fn dataset_display_matches_h5py_repr() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/files/h5py/h5py_default.h5"
    );
    let f = h5oxide::File::open(path).unwrap();
    for (name, want) in H5PY_REPRS {
        let d = f.root().dataset(name).unwrap();
        assert_eq!(d.to_string(), *want, "{name}");
    }
}
