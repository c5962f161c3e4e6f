//! Shared object header message table, "SMTB"/"SMLI" (spec III.I).
