//! Object header message: link (spec IV.A.2).
