//! Datatype message decode; whatever decodes must encode and decode again to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::datatype(data));
