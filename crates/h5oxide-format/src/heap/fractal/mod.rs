//! Fractal heaps, "FRHP" (spec III.G): managed objects in direct/indirect blocks, huge and tiny objects.

pub mod direct_block;
pub mod header;
pub mod huge;
pub mod indirect_block;
pub mod tiny;
