//! Global heap collections, "GCOL" (spec III.E), and global heap IDs.
