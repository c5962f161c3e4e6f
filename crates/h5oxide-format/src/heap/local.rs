//! Local heaps, "HEAP" (spec III.D).
