//! Fixed and variable-length strings of `types_strings.h5` read as `String` (values from
//! fixtures/src/types.rs).

use h5oxide::File;
use ndarray::arr2;

fn fixture(name: &str) -> File {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files")
        .join(name);
    File::open(path).unwrap()
}

#[test]
fn fixed_strings_of_every_padding_and_charset() {
    let f = fixture("types_strings.h5");
    let read = |name: &str| f.root().dataset(name).unwrap().read_strings().unwrap();
    assert_eq!(read("fixed_ascii_nullterm"), ["", "a", "hello", "HDF5 ab"]);
    for name in ["fixed_ascii_nullpad", "fixed_ascii_spacepad"] {
        assert_eq!(read(name), ["", "a", "hello", "HDF5 abc"], "{name}");
    }
    for name in [
        "fixed_utf8_nullterm",
        "fixed_utf8_nullpad",
        "fixed_utf8_spacepad",
    ] {
        assert_eq!(
            read(name),
            [
                "",
                "\u{e9}t\u{e9}",
                "\u{3c0}\u{2248}3.1",
                "\u{65e5}\u{672c}"
            ],
            "{name}"
        );
    }
    // A string is not a number.
    let ds = f.root().dataset("fixed_utf8_nullpad").unwrap();
    assert!(ds.read_raw::<u8>().is_err());
}

#[test]
fn variable_length_strings() {
    let f = fixture("types_strings.h5");
    let ds = f.root().dataset("vlen_ascii").unwrap();
    assert_eq!(
        ds.read_strings().unwrap(),
        [
            "",
            "short",
            "a somewhat longer ASCII string, past sixteen bytes",
            "x"
        ]
    );
    let ds = f.root().dataset("vlen_utf8").unwrap();
    assert_eq!(
        ds.read_1d::<String>().unwrap().to_vec(),
        [
            "",
            "gr\u{fc}\u{df}e",
            "\u{1f600} emoji",
            "\u{65e5}\u{672c}\u{8a9e}\u{306e}\u{6587}"
        ]
    );
    let ds = f.root().dataset("vlen_utf8_2d").unwrap();
    let s = |v: &str| v.to_owned();
    assert_eq!(
        ds.read_2d::<String>().unwrap(),
        arr2(&[
            [s("r0c0"), s("r0c1"), s("\u{3b1}")],
            [s("r1c0"), s(""), s("r1c2")]
        ])
    );
    assert_eq!(
        ds.read_slice_1d::<String, _>(ndarray::s![1, 1..])
            .unwrap()
            .to_vec(),
        ["", "r1c2"]
    );
}

#[test]
fn string_attributes() {
    let f = fixture("types_strings.h5");
    let attrs = f.root().attrs();
    assert_eq!(
        attrs.get_value::<String>("vlen_utf8_scalar").unwrap(),
        "h5py writes string attributes like this"
    );
    assert_eq!(
        attrs
            .attr("vlen_ascii_list")
            .unwrap()
            .read_raw::<String>()
            .unwrap(),
        ["one", "two", "three"]
    );
    assert_eq!(
        attrs.get_value::<String>("fixed_ascii_scalar").unwrap(),
        "fixed value"
    );
    assert_eq!(
        attrs
            .attr("fixed_utf8_spacepad")
            .unwrap()
            .read_scalar::<String>()
            .unwrap(),
        "\u{e4}b"
    );
}
