//! Rust types that can be written as HDF5 elements, and the datatypes they are stored as.

use h5oxide_format::object_header::message::datatype::{
    ByteOrder, CharSet, Datatype, EnumMember, StringPadding, TypeClass,
};

/// A Rust type whose values are written as HDF5 elements of one fixed-size datatype.
///
/// Implemented for `i8`..`i64`, `u8`..`u64`, `f32`, `f64` (little-endian, as NumPy writes on
/// every common platform) and `bool` (h5py's enumeration `FALSE = 0, TRUE = 1` over a
/// signed 8-bit integer).
pub trait H5Write: Copy + 'static {
    /// The stored datatype.
    fn write_type() -> Datatype;

    /// Appends the stored bytes of `values`.
    fn write_bytes(values: &[Self], out: &mut Vec<u8>);
}

macro_rules! int_write {
    ($($t:ty => $signed:expr),*) => {$(
        impl H5Write for $t {
            fn write_type() -> Datatype {
                Datatype::integer(std::mem::size_of::<$t>() as u32, $signed, ByteOrder::LittleEndian)
            }

            fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
                out.reserve(values.len() * std::mem::size_of::<$t>());
                for v in values {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
    )*};
}

int_write!(i8 => true, i16 => true, i32 => true, i64 => true,
    u8 => false, u16 => false, u32 => false, u64 => false);

macro_rules! float_write {
    ($($t:ty),*) => {$(
        impl H5Write for $t {
            fn write_type() -> Datatype {
                Datatype::ieee_float(std::mem::size_of::<$t>() as u32, ByteOrder::LittleEndian)
            }

            fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
                out.reserve(values.len() * std::mem::size_of::<$t>());
                for v in values {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
    )*};
}

float_write!(f32, f64);

impl H5Write for bool {
    fn write_type() -> Datatype {
        bool_type()
    }

    fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
        out.extend(values.iter().map(|&b| u8::from(b)));
    }
}

/// h5py's boolean type: an enumeration over a signed byte.
pub(crate) fn bool_type() -> Datatype {
    Datatype::new(
        1,
        TypeClass::Enum {
            base: Box::new(Datatype::integer(1, true, ByteOrder::LittleEndian)),
            members: vec![
                EnumMember {
                    name: "FALSE".to_owned(),
                    value: vec![0],
                },
                EnumMember {
                    name: "TRUE".to_owned(),
                    value: vec![1],
                },
            ],
        },
    )
}

/// A fixed-length string type of `size` bytes (h5py's `S<size>`: null-padded ASCII, or
/// UTF-8 when `utf8`).
pub fn fixed_string_type(size: u32, utf8: bool) -> Datatype {
    Datatype::new(
        size.max(1),
        TypeClass::String {
            padding: StringPadding::NullPad,
            charset: if utf8 { CharSet::Utf8 } else { CharSet::Ascii },
        },
    )
}

/// The variable-length UTF-8 string type h5py writes for `str` values.
pub fn vlen_string_type() -> Datatype {
    Datatype::new(
        16,
        TypeClass::VarLen {
            kind: h5oxide_format::object_header::message::datatype::VarLenKind::String {
                padding: StringPadding::NullTerminate,
                charset: CharSet::Utf8,
            },
            base: Box::new(Datatype::integer(1, false, ByteOrder::LittleEndian)),
        },
    )
}

/// Data that can be written: a shape and row-major elements of one [`H5Write`] type.
///
/// Implemented for slices, vectors and arrays (one-dimensional) and for every ndarray
/// array (its logical row-major order, whatever its memory layout).
pub trait WriteData {
    /// The element type.
    type Elem: H5Write;

    /// The shape of the data.
    fn data_shape(&self) -> Vec<u64>;

    /// The stored bytes of every element, row-major.
    fn data_bytes(&self) -> Vec<u8>;
}

impl<T: H5Write> WriteData for [T] {
    type Elem = T;

    fn data_shape(&self) -> Vec<u64> {
        vec![self.len() as u64]
    }

    fn data_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        T::write_bytes(self, &mut out);
        out
    }
}

impl<T: H5Write> WriteData for Vec<T> {
    type Elem = T;

    fn data_shape(&self) -> Vec<u64> {
        self.as_slice().data_shape()
    }

    fn data_bytes(&self) -> Vec<u8> {
        self.as_slice().data_bytes()
    }
}

impl<T: H5Write, const N: usize> WriteData for [T; N] {
    type Elem = T;

    fn data_shape(&self) -> Vec<u64> {
        vec![N as u64]
    }

    fn data_bytes(&self) -> Vec<u8> {
        self.as_slice().data_bytes()
    }
}

impl<T, S, D> WriteData for ndarray::ArrayBase<S, D>
where
    T: H5Write,
    S: ndarray::Data<Elem = T>,
    D: ndarray::Dimension,
{
    type Elem = T;

    fn data_shape(&self) -> Vec<u64> {
        self.shape().iter().map(|&n| n as u64).collect()
    }

    fn data_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self.as_slice() {
            Some(s) => T::write_bytes(s, &mut out),
            None => {
                let v: Vec<T> = self.iter().copied().collect();
                T::write_bytes(&v, &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_match_numpy() {
        assert_eq!(i64::write_type().descriptor(), "<i8");
        assert_eq!(u8::write_type().descriptor(), "|u1");
        assert_eq!(f32::write_type().descriptor(), "<f4");
        assert_eq!(bool::write_type().descriptor(), "enum(|i1)[FALSE=0,TRUE=1]");
        let mut b = Vec::new();
        i16::write_bytes(&[1, -2], &mut b);
        assert_eq!(b, [1, 0, 0xfe, 0xff]);
    }
}
