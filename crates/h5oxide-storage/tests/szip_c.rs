//! SZIP (filter 4) against libhdf5 with libaec.
#![cfg(feature = "szip")]

#[path = "data/gen2/harness.rs"]
mod harness;

use h5oxide_storage::filter::szip;

const CASES: &[&str] = &[
    "szip_ec_u16_2d",
    "szip_nn_i32_2d",
    "szip_nn_u8",
    "szip_ec_u16be",
    "szip_nn_f64",
    "szip_nn_12bit",
];

#[test]
fn decode_matches_libhdf5() {
    for &name in CASES {
        let c = harness::load(name);
        let got = szip::decode(&c.params, &c.chunk, c.raw.len()).unwrap();
        assert!(got == c.raw, "{name}: decoded bytes differ");
        assert!(szip::decode(&c.params, &c.chunk, c.raw.len() - 1).is_err());
        assert!(szip::decode(&c.params, &c.chunk[..c.chunk.len() / 2], c.raw.len()).is_err());
    }
}

#[test]
fn params_match_libhdf5() {
    use szip::options::{EC, NN};
    assert_eq!(
        harness::load("szip_ec_u16_2d").params,
        szip::params_for(EC, 16, 2, 16, 0, false, &[20, 100])
    );
    assert_eq!(
        harness::load("szip_nn_i32_2d").params,
        szip::params_for(NN, 32, 4, 32, 0, false, &[50, 40])
    );
    assert_eq!(
        harness::load("szip_nn_u8").params,
        szip::params_for(NN, 8, 1, 8, 0, false, &[2000])
    );
    assert_eq!(
        harness::load("szip_ec_u16be").params,
        szip::params_for(EC, 32, 2, 16, 0, true, &[2000])
    );
    assert_eq!(
        harness::load("szip_nn_f64").params,
        szip::params_for(NN, 16, 8, 64, 0, false, &[2000])
    );
    assert_eq!(
        harness::load("szip_nn_12bit").params,
        szip::params_for(NN, 8, 2, 12, 0, false, &[2000])
    );
}

#[test]
fn libhdf5_reads_our_streams() {
    let tool = harness::tool();
    for &name in CASES {
        let c = harness::load(name);
        let ours = szip::encode(&c.params, &c.raw).unwrap();
        assert_eq!(szip::decode(&c.params, &ours, c.raw.len()).unwrap(), c.raw);
        if let Some(t) = &tool {
            assert!(
                t.read_back(name, &ours) == c.raw,
                "{name}: libhdf5 read other bytes"
            );
        }
    }
}
