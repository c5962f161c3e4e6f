//! Chunk index: extensible_array (spec VII).
