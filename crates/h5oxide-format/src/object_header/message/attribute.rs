//! Object header message: attribute (spec IV.A.2).
