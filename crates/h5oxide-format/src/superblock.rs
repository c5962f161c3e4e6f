//! Superblock versions 0-3 (spec II.A) and the signature search for userblocks.
