//! Dataspace message decode under every size of offsets/lengths (byte 0 selects them); whatever
//! decodes must encode, and the encoding must decode again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::dataspace(data));
