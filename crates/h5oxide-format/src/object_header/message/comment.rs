//! Object header message: comment (spec IV.A.2).
