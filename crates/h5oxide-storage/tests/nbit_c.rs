//! N-bit (filter 5) against libhdf5.
#![cfg(feature = "nbit")]

#[path = "data/gen2/harness.rs"]
mod harness;

use h5oxide_storage::filter::nbit::{self, NbitType};

const CASES: &[&str] = &["nbit_i12_le", "nbit_u12_be", "nbit_compound"];

#[test]
fn decode_matches_libhdf5() {
    for &name in CASES {
        let c = harness::load(name);
        let got = nbit::decode(&c.params, &c.chunk, c.raw.len()).unwrap();
        assert!(got == c.raw, "{name}: decoded bytes differ");
        assert!(nbit::decode(&c.params, &c.chunk[..c.chunk.len() / 2], c.raw.len()).is_err());
    }
}

#[test]
fn encode_matches_libhdf5_bytes() {
    for &name in CASES {
        let c = harness::load(name);
        assert!(
            nbit::encode(&c.params, &c.raw).unwrap() == c.chunk,
            "{name}: packed bytes differ"
        );
    }
}

#[test]
fn params_match_libhdf5() {
    let i12 = NbitType::Atomic {
        size: 4,
        big_endian: false,
        precision: 12,
        offset: 4,
    };
    assert_eq!(
        harness::load("nbit_i12_le").params,
        nbit::params_for(&i12, 2000)
    );
    let compound = NbitType::Compound {
        size: 17,
        members: vec![
            (
                0,
                NbitType::Atomic {
                    size: 4,
                    big_endian: false,
                    precision: 11,
                    offset: 0,
                },
            ),
            (4, NbitType::NoOp { size: 3 }),
            (
                7,
                NbitType::Atomic {
                    size: 4,
                    big_endian: false,
                    precision: 32,
                    offset: 0,
                },
            ),
            (
                11,
                NbitType::Array {
                    size: 6,
                    base: Box::new(NbitType::Atomic {
                        size: 2,
                        big_endian: false,
                        precision: 10,
                        offset: 0,
                    }),
                },
            ),
        ],
    };
    assert_eq!(
        harness::load("nbit_compound").params,
        nbit::params_for(&compound, 500)
    );
}

#[test]
fn libhdf5_reads_our_chunks() {
    let Some(tool) = harness::tool() else { return };
    for &name in CASES {
        let c = harness::load(name);
        let ours = nbit::encode(&c.params, &c.raw).unwrap();
        assert!(
            tool.read_back(name, &ours) == c.raw,
            "{name}: libhdf5 read other bytes"
        );
    }
}
