//! Chunk index: fixed_array (spec VII).
