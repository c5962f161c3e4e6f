//! Chunk index: implicit (spec VII).
