//! Heaps: local (spec III.D), global (spec III.E) and fractal (spec III.G).

pub mod fractal;
pub mod global;
pub mod local;
