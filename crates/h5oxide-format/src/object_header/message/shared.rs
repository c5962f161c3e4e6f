//! Object header message: shared (spec IV.A.2).
