//! Object header message: group_info (spec IV.A.2).
