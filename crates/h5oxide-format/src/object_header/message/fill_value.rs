//! Object header message: fill_value (spec IV.A.2).
