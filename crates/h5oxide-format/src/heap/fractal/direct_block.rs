//! Fractal heap: direct_block (spec III.G).
