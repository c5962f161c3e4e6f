//! Filter: scaleoffset.
