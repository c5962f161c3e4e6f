//! Filter: bitshuffle.
