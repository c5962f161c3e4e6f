//! Reads an extensible array chunk index whose header is at the root address of the frame: every entry,
//! then one lookup by the index in the extra bytes (u64 LE).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::extensible_array(data));
