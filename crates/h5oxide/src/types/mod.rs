//! Element types beyond numbers: fixed- and variable-length strings, variable-length
//! sequences, complex numbers and references; and the conversions behind
//! [`crate::h5type::H5Type`], by kind of stored data.

mod complex;
mod fixed_string;
pub(crate) mod numeric;
pub(crate) mod reference;
pub(crate) mod string;
mod varlen;

pub use fixed_string::{FixedAscii, FixedUtf8};
pub use num_complex::Complex;
pub use reference::{ObjectRef, Reference, RegionRef};
pub use varlen::{VarLenArray, VarLenAscii, VarLenUnicode};
