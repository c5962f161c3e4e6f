//! Object header message: nil (spec IV.A.2).
