//! Reads a fractal heap header at the root address of the frame, then the objects of the heap IDs
//! given as the extra bytes (cut in pieces of the header's heap ID length).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| h5oxide_fuzz::targets::fractal_heap(data));
