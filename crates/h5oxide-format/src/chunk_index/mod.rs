//! Chunk indexes of chunked datasets (spec VII, and III.A for B-trees).

pub mod btree_v1;
pub mod btree_v2;
pub mod extensible_array;
pub mod fixed_array;
pub mod implicit;
pub mod single;
