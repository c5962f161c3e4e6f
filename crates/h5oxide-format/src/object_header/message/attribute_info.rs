//! Object header message: attribute_info (spec IV.A.2).
