//! Reads a global heap collection at the root address of the frame, re-encodes it, and reads the
//! object whose index is in the extra bytes (u32 LE).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::global_heap(data));
