//! Object header message: file_space_info (spec IV.A.2).
