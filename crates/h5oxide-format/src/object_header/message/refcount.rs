//! Object header message: refcount (spec IV.A.2).
