//! Version 2 B-trees, "BTHD"/"BTIN"/"BTLF" (spec III.A.2).

pub mod header;
pub mod internal;
pub mod leaf;
pub mod records;
