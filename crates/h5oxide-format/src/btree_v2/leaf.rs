//! Version 2 B-tree: leaf (spec III.A.2).
