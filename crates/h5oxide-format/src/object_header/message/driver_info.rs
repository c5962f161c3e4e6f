//! Object header message: driver_info (spec IV.A.2).
