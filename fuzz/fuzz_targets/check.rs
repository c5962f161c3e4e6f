//! Runs `h5ox check` on hostile bytes held in memory, under small limits: the superblock,
//! every object header, B-tree, heap and chunk index, and every dataset's data. Problems are
//! expected findings; panics, hangs and unbounded allocations are bugs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::check(data));
