//! Blosc (filter 32001) against the hdf5-blosc plugin and c-blosc.
#![cfg(feature = "blosc")]

#[path = "data/gen2/harness.rs"]
mod harness;

use h5oxide_storage::filter::blosc;

const CASES: &[&str] = &[
    "blosc_blosclz_shuf",
    "blosc_blosclz_l1",
    "blosc_lz4_noshuf",
    "blosc_lz4hc_shuf",
    "blosc_zlib_bitshuf",
    "blosc_zstd_bitshuf",
    "blosc_lz4_bitshuf_l1",
    "blosc_zstd_shuf",
];

#[test]
fn decode_matches_libhdf5() {
    for &name in CASES {
        let c = harness::load(name);
        let header = blosc::Header::decode(&c.chunk).unwrap();
        assert_eq!(header.nbytes as usize, c.raw.len(), "{name}");
        let got = blosc::decode(&c.params, &c.chunk, c.raw.len()).unwrap();
        assert!(got == c.raw, "{name}: decoded bytes differ");
        // One byte less room than the frame needs is refused.
        assert!(
            blosc::decode(&c.params, &c.chunk, c.raw.len() - 1).is_err(),
            "{name}"
        );
    }
}

#[test]
fn header_fields_of_c_frames() {
    // Zstd at level 1 with bit shuffle: 32 KiB blocks (a short second block), the
    // "do not split" flag, compressor format 4.
    let c = harness::load("blosc_zstd_bitshuf");
    let h = blosc::Header::decode(&c.chunk).unwrap();
    assert_eq!((h.version, h.version_lz, h.typesize), (2, 1, 4));
    assert_eq!(
        (h.nbytes, h.blocksize, h.cbytes as usize),
        (36000, 32768, c.chunk.len())
    );
    assert_eq!(h.flags, 0x80 | 0x10 | 0x4);
    // LZ4 without shuffle: one block split into four streams.
    let h = blosc::Header::decode(&harness::load("blosc_lz4_noshuf").chunk).unwrap();
    assert_eq!(h.flags, 0x20);
}

#[test]
fn truncated_frames_fail_cleanly() {
    let c = harness::load("blosc_zstd_shuf");
    for cut in [0, 10, 16, 40, c.chunk.len() / 2, c.chunk.len() - 1] {
        assert!(blosc::decode(&c.params, &c.chunk[..cut], c.raw.len()).is_err());
    }
}

#[test]
fn libhdf5_reads_our_frames() {
    let tool = harness::tool();
    for &name in CASES {
        let c = harness::load(name);
        let ours = blosc::encode(&c.params, &c.raw).unwrap();
        assert_eq!(blosc::decode(&c.params, &ours, c.raw.len()).unwrap(), c.raw);
        if let Some(t) = &tool {
            assert!(
                t.read_back(name, &ours) == c.raw,
                "{name}: libhdf5 read other bytes"
            );
        }
    }
}
