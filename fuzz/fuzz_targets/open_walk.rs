//! Opens hostile bytes as a file and reads everything reachable: every link, every object's
//! attributes and every dataset's values, under small limits. Errors are expected; panics,
//! hangs and unbounded allocations are bugs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::open_walk(data));
