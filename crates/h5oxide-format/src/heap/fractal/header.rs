//! Fractal heap: header (spec III.G).
