//! Group symbol table nodes, "SNOD" (spec III.B).
