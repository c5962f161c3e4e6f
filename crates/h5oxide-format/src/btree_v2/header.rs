//! Version 2 B-tree: header (spec III.A.2).
