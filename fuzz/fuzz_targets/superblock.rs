//! The superblock reader on hostile bytes (signature search included), then an encode of what
//! was decoded.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::superblock(data));
