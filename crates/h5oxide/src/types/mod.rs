//! The conversions behind [`crate::h5type::H5Type`], by kind of stored data.

pub(crate) mod numeric;
pub(crate) mod string;
