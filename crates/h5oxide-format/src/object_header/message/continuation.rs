//! Object header message: continuation (spec IV.A.2).
