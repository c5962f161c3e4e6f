//! Chunk index: btree_v1 (spec VII).
