//! Object header message: modification_time (spec IV.A.2).
