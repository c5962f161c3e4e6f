//! Fractal heap: tiny (spec III.G).
