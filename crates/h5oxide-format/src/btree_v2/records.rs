//! Version 2 B-tree: records (spec III.A.2).
