//! Object header message: layout (spec IV.A.2).
