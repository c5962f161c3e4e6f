//! Walks a version 1 B-tree rooted at the root address of the frame. Extra byte 0 selects the
//! key format: 0 group nodes, r > 0 chunk nodes of rank r (rank 33+ is rejected).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::btree_v1(data));
