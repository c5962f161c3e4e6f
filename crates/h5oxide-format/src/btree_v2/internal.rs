//! Version 2 B-tree: internal (spec III.A.2).
