//! Object header message: symbol_table (spec IV.A.2).
