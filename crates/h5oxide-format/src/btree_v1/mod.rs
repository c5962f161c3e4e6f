//! Version 1 B-trees, "TREE" (spec III.A.1): group nodes (type 0) and chunk nodes (type 1).

pub mod node;
