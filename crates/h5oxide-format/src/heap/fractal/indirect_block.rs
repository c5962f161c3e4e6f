//! Fractal heap: indirect_block (spec III.G).
