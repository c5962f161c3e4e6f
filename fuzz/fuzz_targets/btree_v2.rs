//! Walks a version 2 B-tree whose header is at the root address of the frame, then searches it by
//! name hash. Extra bytes: rank and chunk size width of chunk records, the hash (u32 LE).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::btree_v2(data));
