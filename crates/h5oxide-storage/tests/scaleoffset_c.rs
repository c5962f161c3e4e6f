//! Scale-offset (filter 6) against libhdf5.
#![cfg(feature = "scaleoffset")]

#[path = "data/gen2/harness.rs"]
mod harness;

use h5oxide_storage::filter::scaleoffset as so;

const INT_CASES: &[&str] = &["so_i32_auto", "so_u16be_fill", "so_i32_minbits20"];
const FLOAT_CASES: &[&str] = &["so_f32_d2", "so_f64be_d3"];

#[test]
fn decode_matches_libhdf5() {
    for &name in INT_CASES.iter().chain(FLOAT_CASES) {
        let c = harness::load(name);
        let got = so::decode(&c.params, &c.chunk, c.raw.len()).unwrap();
        assert!(got == c.raw, "{name}: decoded bytes differ");
        assert!(so::decode(&c.params, &c.chunk[..c.chunk.len() / 2], c.raw.len()).is_err());
    }
}

#[test]
fn encode_matches_libhdf5_bytes() {
    // Re-encoding the decoded data gives libhdf5's chunk: lossless for integers; for these
    // floats the minimum and the rounded integers come out the same again.
    for &name in INT_CASES.iter().chain(FLOAT_CASES) {
        let c = harness::load(name);
        assert!(
            so::encode(&c.params, &c.raw).unwrap() == c.chunk,
            "{name}: chunk bytes differ"
        );
    }
}

#[test]
fn params_match_libhdf5() {
    assert_eq!(
        harness::load("so_u16be_fill").params,
        so::params_for(
            so::INT,
            0,
            2000,
            false,
            2,
            false,
            true,
            Some(&7u16.to_be_bytes())
        )
    );
    assert_eq!(
        harness::load("so_i32_auto").params,
        so::params_for(so::INT, 0, 2000, false, 4, true, false, Some(&[0; 4]))
    );
    assert_eq!(
        harness::load("so_f64be_d3").params,
        so::params_for(so::FLOAT_DSCALE, 3, 2000, true, 8, false, true, None)
    );
}

#[test]
fn libhdf5_reads_our_chunks() {
    let tool = harness::tool();
    for &name in INT_CASES.iter().chain(FLOAT_CASES) {
        let c = harness::load(name);
        let ours = so::encode(&c.params, &c.raw).unwrap();
        let mine = so::decode(&c.params, &ours, c.raw.len()).unwrap();
        if INT_CASES.contains(&name) {
            assert!(mine == c.raw, "{name}");
        }
        if let Some(t) = &tool {
            assert!(
                t.read_back(name, &ours) == mine,
                "{name}: libhdf5 read other bytes"
            );
        }
    }
}
