//! Symbol table entries (spec III.C), including the scratch-pad cache.
