//! Object header message: link_info (spec IV.A.2).
