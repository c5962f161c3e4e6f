//! Object header message: modification_time_old (spec IV.A.2).
