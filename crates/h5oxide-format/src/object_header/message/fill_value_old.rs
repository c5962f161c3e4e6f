//! Object header message: fill_value_old (spec IV.A.2).
