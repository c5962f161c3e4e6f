//! Fractal heap: huge (spec III.G).
