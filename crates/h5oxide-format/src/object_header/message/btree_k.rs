//! Object header message: btree_k (spec IV.A.2).
