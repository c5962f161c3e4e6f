//! Version 1 B-tree node decode and encode (spec III.A.1).
