//! Object header message: external (spec IV.A.2).
