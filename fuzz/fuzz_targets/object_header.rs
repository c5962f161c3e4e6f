//! Reads an object header (with its continuation chain) at the root address of the frame and
//! decodes every message in it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::object_header(data));
