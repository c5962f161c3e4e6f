//! Object header message: bogus (spec IV.A.2).
