//! The blosc2 filter's decoder on hostile bytes and client data: no panic, and never more
//! output than the expected length.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::filter_blosc2(data));
