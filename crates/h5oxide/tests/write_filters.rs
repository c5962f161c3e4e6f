//! Every filter the builder offers, written in both format generations and read back by
//! h5oxide and by the C library (with Debian's filter plugins; Blosc2, which Debian does not
//! package, is checked by h5oxide and by the filter's presence in the C library's listing).

#[path = "write_common.rs"]
mod common;

use common::*;
use h5oxide::write::{Bitshuffle, Blosc, BloscShuffle, ScaleOffset, Szip};
use h5oxide::{DatasetBuilder, File};

fn ints() -> Vec<i32> {
    (0..3000).map(|i| (i % 97) * 3 - 50).collect()
}

fn floats() -> Vec<f64> {
    (0..3000).map(|i| f64::from(i) * 0.125 - 7.0).collect()
}

type Make = fn(DatasetBuilder) -> DatasetBuilder;

#[test]
fn each_filter_reads_back_in_h5oxide_and_the_c_library() {
    let cases: Vec<(&str, Make, &str)> = vec![
        (
            "blosc_lz4_byte",
            |b| b.blosc(Blosc::Lz4, 5, BloscShuffle::Byte),
            "FILTER_ID 32001",
        ),
        (
            "blosc_zstd_bit",
            |b| b.blosc(Blosc::Zstd, 3, BloscShuffle::Bit),
            "FILTER_ID 32001",
        ),
        (
            "blosc_zlib_none",
            |b| b.blosc(Blosc::Zlib, 6, BloscShuffle::None),
            "FILTER_ID 32001",
        ),
        (
            "bitshuffle_lz4",
            |b| b.bitshuffle(Bitshuffle::Lz4),
            "FILTER_ID 32008",
        ),
        (
            "bitshuffle_none",
            |b| b.bitshuffle(Bitshuffle::None),
            "FILTER_ID 32008",
        ),
        ("szip_nn", |b| b.szip(Szip::NearestNeighbor, 16), "SZIP"),
        ("szip_ec", |b| b.szip(Szip::Entropy, 8), "SZIP"),
        (
            "scaleoffset_int",
            |b| b.scale_offset(ScaleOffset::Integer(0)),
            "SCALEOFFSET",
        ),
        ("nbit", |b| b.nbit(), "NBIT"),
        (
            "blosc2_lz4_shuffle",
            |b| b.blosc2(Blosc::Lz4, 5, BloscShuffle::Byte),
            "FILTER_ID 32026",
        ),
    ];
    let dir = temp_dir("write_filters");
    let want = ints();
    for (libver, tag) in BOTH {
        let path = dir.join(format!("filters_{tag}.h5"));
        let f = create(&path, libver);
        for (name, make, _) in &cases {
            let b = f.root().new_dataset_builder().with_data(&want).chunk([700]);
            make(b).create(name).unwrap();
        }
        f.root()
            .new_dataset_builder()
            .with_data(&floats())
            .chunk([1000])
            .scale_offset(ScaleOffset::FloatDScale(3))
            .create("scaleoffset_float")
            .unwrap();
        // Type checks happen at create.
        assert!(f
            .root()
            .new_dataset_builder()
            .with_data(&floats())
            .scale_offset(ScaleOffset::Integer(4))
            .create("bad")
            .is_err());
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        for (name, _, _) in &cases {
            let d = f.root().dataset(name).unwrap();
            assert_eq!(d.read_raw::<i32>().unwrap(), want, "{tag} {name}");
        }
        let got = f
            .root()
            .dataset("scaleoffset_float")
            .unwrap()
            .read_raw::<f64>()
            .unwrap();
        for (g, w) in got.iter().zip(floats()) {
            assert!((g - w).abs() <= 0.0005, "{g} vs {w}");
        }

        let walk = c_walk(&path);
        for (name, _, listed) in &cases {
            let text = h5dump(&path, &["-p", "-H", "-d", name]);
            assert!(text.contains(listed), "{tag} {name}: {text}");
            if name.starts_with("blosc2") {
                blosc2_by_the_plugin(&path, name, &want);
                continue;
            }
            let o = walk_object(&walk, &format!("/{name}"));
            assert_eq!(
                common::ints(&o["values"]),
                want.iter()
                    .take(1000)
                    .map(|&v| i64::from(v))
                    .collect::<Vec<_>>(),
                "{tag} {name}"
            );
        }
        let o = walk_object(&walk, "/scaleoffset_float");
        let c = common::floats(&o["values"], 8);
        assert_eq!(c.len(), 1000);
        assert_eq!(
            c,
            got[..1000],
            "{tag}: C and h5oxide decode the same values"
        );
    }
}

/// With hdf5plugin installed, the C library reads the Blosc2 dataset through its plugin.
fn blosc2_by_the_plugin(path: &std::path::Path, name: &str, want: &[i32]) {
    let Some(dir) = hdf5plugin_dir() else {
        println!("hdf5plugin not installed (H5OXIDE_HDF5PLUGIN_DIR): {name} not read by libhdf5");
        return;
    };
    let plugins = format!("{PLUGIN_PATH}:{}", dir.display());
    let walk = c_walk_with_plugins(path, &plugins);
    let o = walk_object(&walk, &format!("/{name}"));
    assert_eq!(
        common::ints(&o["values"]),
        want.iter()
            .take(1000)
            .map(|&v| i64::from(v))
            .collect::<Vec<_>>(),
        "{name} read by libhdf5 with hdf5plugin"
    );
}
