//! Chunk index: btree_v2 (spec VII).
