//! Chunk index: single (spec VII).
