//! Reads fixture files from memory, the path every wasm build takes. These tests run natively
//! and, through scripts/wasm.sh, as a `wasm32-wasip1` binary under Node's WASI (the workspace
//! is preopened so `std::fs::read` reaches the fixtures), built without `mmap` and `parallel`.
//! Writing is covered in memory (`File::options().in_memory()` and `into_bytes`), the
//! path a browser or WASI host uses, in both format generations.
//!
//! Expected values come from the fixture generator's formulas (fixtures/src) and were checked
//! against `h5dump` and `h5ls` output of the same files.

use h5oxide::{DimSlice, File, Link, Object, Selection, Value};

fn fixture_path(name: &str) -> String {
    format!("{}/../../fixtures/files/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn open(name: &str) -> File {
    File::from_bytes(fixture_bytes(name)).unwrap_or_else(|e| panic!("opening {name}: {e}"))
}

fn i32s(bytes: &[u8]) -> Vec<i32> {
    bytes
        .chunks_exact(4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// `((7 i) mod 1000) - 300`: the i32 data of the [100, 80] datasets of the filter files.
fn filter_ints() -> Vec<i32> {
    (0..100 * 80).map(|i| ((i * 7) % 1000) - 300).collect()
}

fn read_i32(file: &File, path: &str) -> Vec<i32> {
    let ds = file
        .root()
        .dataset(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(ds.dtype().descriptor(), "<i4", "{path}");
    i32s(&ds.read_bytes().unwrap_or_else(|e| panic!("{path}: {e}")))
}

#[test]
fn lists_the_tree() {
    let file = open("format_earliest_sb0.h5");
    let mut seen = Vec::new();
    file.root()
        .visit(&mut |path, link| {
            let kind = match link {
                Link::Soft { target } => format!("soft {target}"),
                Link::Hard { .. } => "hard".to_owned(),
                _ => "other".to_owned(),
            };
            seen.push(format!("{path} {kind}"));
            Ok(())
        })
        .unwrap();
    // h5ls -r format_earliest_sb0.h5
    assert_eq!(
        seen,
        [
            "chunked_f64 hard",
            "g1 hard",
            "g1/g2 hard",
            "g1/g2/contiguous_i32 hard",
            "g1/soft_to_contiguous soft /g1/g2/contiguous_i32",
        ]
    );
    assert!(matches!(
        file.root().object("g1/g2").unwrap(),
        Object::Group(_)
    ));
}

#[test]
fn tree_json_describes_every_object() {
    let json = h5oxide_wasm_tree::tree_json(fixture_bytes("format_earliest_sb0.h5")).unwrap();
    let lines: Vec<&str> = json.lines().collect();
    assert_eq!(
        lines,
        [
            "[",
            r#"{"path":"/","kind":"group"},"#,
            r#"{"path":"/chunked_f64","kind":"dataset","shape":[50,40],"dtype":"<f8","chunks":[8,8],"filters":["deflate"]},"#,
            r#"{"path":"/g1","kind":"group"},"#,
            r#"{"path":"/g1/g2","kind":"group"},"#,
            r#"{"path":"/g1/g2/contiguous_i32","kind":"dataset","shape":[20],"dtype":"<i4","chunks":null,"filters":[]},"#,
            r#"{"path":"/g1/soft_to_contiguous","kind":"soft link","target":"/g1/g2/contiguous_i32"}]"#,
        ]
    );
    // h5ls -r links_latest.h5: external links are listed, not followed.
    let json = h5oxide_wasm_tree::tree_json(fixture_bytes("links_latest.h5")).unwrap();
    assert!(json.contains(
        r#"{"path":"/external_data","kind":"external link","file":"links_target.h5","target":"/data"}"#
    ));
    assert!(h5oxide_wasm_tree::tree_json(b"\x89HDF but not really".to_vec()).is_err());
}

#[test]
fn reads_contiguous_data_through_a_soft_link() {
    let file = open("format_earliest_sb0.h5");
    let want: Vec<i32> = (0..20).map(|i| 3 * i - 7).collect();
    assert_eq!(read_i32(&file, "g1/soft_to_contiguous"), want);
    let attr = file
        .root()
        .dataset("g1/g2/contiguous_i32")
        .unwrap()
        .attrs()
        .attr("units")
        .unwrap();
    assert_eq!(attr.values().unwrap(), [Value::Int(42)]);
}

#[test]
fn rejects_bytes_that_are_not_hdf5() {
    assert!(File::from_bytes(b"not an HDF5 file at all".to_vec()).is_err());
    assert!(File::from_bytes(Vec::new()).is_err());
}

#[test]
fn reads_deflate() {
    let file = open("format_earliest_sb0.h5");
    let ds = file.root().dataset("chunked_f64").unwrap();
    let got: Vec<f64> = ds
        .read_bytes()
        .unwrap()
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
        .collect();
    let want: Vec<f64> = (0..50 * 40)
        .map(|i| f64::from(i / 40) * 100.0 + f64::from(i % 40) * 0.5)
        .collect();
    assert_eq!(got, want);

    let file = open("filters_builtin.h5");
    for level in [1, 6, 9] {
        let name = format!("deflate_{level}");
        assert_eq!(read_i32(&file, &name), filter_ints(), "{name}");
    }
}

#[test]
fn reads_shuffle_deflate_fletcher32_and_a_selection() {
    let file = open("filters_builtin.h5");
    assert_eq!(read_i32(&file, "fletcher32"), filter_ints());
    // f32 data: round(sin(c / 8) * 400) / 4 + r at row r, column c.
    // h5dump -d shuffle_deflate -s 0,0 -c 2,4 filters_builtin.h5
    let ds = file.root().dataset("shuffle_deflate").unwrap();
    assert_eq!(ds.dtype().descriptor(), "<f4");
    let got: Vec<f32> = ds
        .read_bytes()
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(got.len(), 8000);
    assert_eq!(&got[..4], &[0.0, 12.5, 24.75, 36.75]);
    assert_eq!(&got[80..84], &[1.0, 13.5, 25.75, 37.75]);

    // The same values as big-endian f64; stored bytes come back in file order.
    // h5dump -d shuffle_deflate_fletcher32 -s 1,0 -c 1,4 filters_builtin.h5
    let big_endian = file.root().dataset("shuffle_deflate_fletcher32").unwrap();
    assert_eq!(big_endian.dtype().descriptor(), ">f8");
    let sel = Selection::new(
        vec![
            DimSlice {
                start: 1,
                step: 1,
                count: 1,
            },
            DimSlice {
                start: 0,
                step: 1,
                count: 4,
            },
        ],
        &big_endian.shape(),
    )
    .unwrap();
    let row: Vec<f64> = big_endian
        .read_bytes_selection(&sel)
        .unwrap()
        .chunks_exact(8)
        .map(|b| f64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
        .collect();
    assert_eq!(row, [1.0, 13.5, 25.75, 37.75]);
}

#[test]
fn reads_lz4_lzf_bzip2() {
    let file = open("filters_plugins.h5");
    for name in ["lz4", "lzf", "bzip2_9"] {
        assert_eq!(read_i32(&file, name), filter_ints(), "{name}");
    }
}

#[test]
fn reads_zstd() {
    let file = open("filters_zstd.h5");
    assert_eq!(read_i32(&file, "zstd_i32"), filter_ints());
    let want: Vec<i32> = (0..1000).map(|i| (i / 3) * 2).collect();
    assert_eq!(read_i32(&file, "zstd_1d_level19"), want);
}

#[test]
fn reads_blosc() {
    let file = open("filters_blosc.h5");
    for name in [
        "blosclz_shuffle",
        "lz4_shuffle",
        "lz4hc_shuffle",
        "zlib_shuffle",
        "zstd_shuffle",
    ] {
        assert_eq!(read_i32(&file, name), filter_ints(), "{name}");
    }
}

/// With the `fs` feature the positional-read backend works under WASI as well.
#[cfg(feature = "fs")]
#[test]
fn opens_a_path() {
    let file = File::options()
        .mmap(false)
        .open(fixture_path("filters_plugins.h5"))
        .unwrap();
    assert_eq!(read_i32(&file, "lz4"), filter_ints());
}

#[test]
fn writes_a_file_in_memory_and_reads_it_back() {
    use h5oxide::write::Libver;
    for libver in [Libver::Earliest, Libver::Latest] {
        let f = File::options().libver(libver).in_memory().unwrap();
        let root = f.root();
        let one: Vec<i64> = (0..10).collect();
        root.new_dataset_builder()
            .with_data(&one)
            .create("/subPano/1")
            .unwrap();
        let two: Vec<f64> = (0..300).map(|i| f64::from(i) * 0.5).collect();
        root.new_dataset_builder()
            .with_data(&two)
            .chunk([64usize])
            .deflate(6)
            .create("/subPano/2")
            .unwrap();
        root.attrs().set("length", &100i32).unwrap();
        let bytes = f.into_bytes().unwrap();
        assert_eq!(&bytes[..8], b"\x89HDF\r\n\x1a\n");

        let back = File::from_bytes(bytes).unwrap();
        assert_eq!(
            back.group("subPano").unwrap().member_names().unwrap(),
            ["1", "2"]
        );
        let d1 = back.root().dataset("subPano/1").unwrap();
        assert_eq!(d1.read_raw::<i64>().unwrap(), one);
        let d2 = back.root().dataset("subPano/2").unwrap();
        assert_eq!(d2.chunks(), Some(vec![64]));
        assert_eq!(d2.read_raw::<f64>().unwrap(), two);
        assert_eq!(back.root().attrs().get_value::<i32>("length").unwrap(), 100);
    }
}
