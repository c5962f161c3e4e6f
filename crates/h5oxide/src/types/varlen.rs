//! Variable-length sequences and strings as element types (spec IV.A.2.d, class 9): each
//! element stores a count and a global heap ID; the items live in the global heap.

use std::fmt;
use std::ops::Deref;

use h5oxide_format::object_header::message::datatype::{
    CharSet, Datatype, StringPadding, TypeClass, VarLenKind,
};

use crate::error::{Error, Result};
use crate::h5type::{Decoder, H5Type};
use crate::write::types::{vlen_string_type, Elements, H5Write};

/// A variable-length sequence of `T` (h5py's `vlen_dtype(T)`), for use as an element or a
/// compound field.
///
/// ```
/// use h5oxide::types::VarLenArray;
/// let v = VarLenArray::from(vec![1i32, 2, 3]);
/// assert_eq!(v.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VarLenArray<T>(pub Vec<T>);

impl<T> From<Vec<T>> for VarLenArray<T> {
    fn from(v: Vec<T>) -> Self {
        VarLenArray(v)
    }
}

impl<T: Clone> From<&[T]> for VarLenArray<T> {
    fn from(v: &[T]) -> Self {
        VarLenArray(v.to_vec())
    }
}

impl<T> Deref for VarLenArray<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> VarLenArray<T> {
    /// The items.
    ///
    /// ```
    /// use h5oxide::types::VarLenArray;
    /// // h5py: create_dataset("v", data=[[1], [2, 3]], dtype=h5py.vlen_dtype("i4"))
    /// let file = h5oxide::File::in_memory()?;
    /// let rows = [VarLenArray::from(vec![1i32]), VarLenArray::from(vec![2, 3])];
    /// let ds = file.root().new_dataset_builder().with_data(&rows).create("v")?;
    /// let back = ds.read_raw::<VarLenArray<i32>>()?;
    /// assert_eq!(back[1].clone().into_vec(), [2, 3]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T: H5Write> H5Write for VarLenArray<T> {
    fn write_type() -> Datatype {
        Datatype::new(
            4 + crate::write::types::HEAP_ID_SIZE as u32,
            TypeClass::VarLen {
                kind: VarLenKind::Sequence,
                base: Box::new(T::write_type()),
            },
        )
    }

    /// Writes empty sequences: the items need [`H5Write::write_elements`].
    fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
        out.resize(
            out.len() + values.len() * (4 + crate::write::types::HEAP_ID_SIZE),
            0,
        );
    }

    fn write_elements(values: &[Self], out: &mut Elements) {
        for v in values {
            let mut data = Elements::new();
            T::write_elements(&v.0, &mut data);
            // Counts past u32::MAX cannot be stored; the builder checks sizes before this.
            out.push_var_len(u32::try_from(v.0.len()).unwrap_or(u32::MAX), data);
        }
    }
}

impl<T: H5Type> H5Type for VarLenArray<T> {
    fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
        let inner = Vec::<T>::decoder(dtype)?;
        Ok(Decoder::element(inner.stored_size(), move |b, heap| {
            inner.decode_one(b, heap).map(VarLenArray)
        }))
    }
}

macro_rules! vlen_string {
    ($name:ident, $what:literal, $charset:expr, $check:expr) => {
        #[doc = concat!("A variable-length ", $what, " string, for use as an element or a compound field")]
        /// (plain `String` values are written with
        /// [`DatasetBuilder::with_strings`](crate::DatasetBuilder::with_strings)).
        ///
        /// ```
        #[doc = concat!("use h5oxide::types::", stringify!($name), ";")]
        #[doc = concat!("let s = ", stringify!($name), "::new(\"abc\")?;")]
        /// assert_eq!(s.as_str(), "abc");
        /// # Ok::<(), h5oxide::Error>(())
        /// ```
        #[derive(Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name(String);

        impl $name {
            /// The string `s`.
            ///
            /// ```
            #[doc = concat!("use h5oxide::types::", stringify!($name), ";")]
            #[doc = concat!("let s = ", stringify!($name), "::new(String::from(\"plain\"))?;")]
            /// assert_eq!(s.as_str(), "plain");
            /// # Ok::<(), h5oxide::Error>(())
            /// ```
            ///
            /// # Errors
            #[doc = concat!("`Usage` if `s` is not ", $what, ".")]
            pub fn new(s: impl Into<String>) -> Result<Self> {
                let s = s.into();
                let check: fn(&str) -> bool = $check;
                if check(&s) {
                    Ok($name(s))
                } else {
                    Err(Error::Usage(concat!("string is not ", $what)))
                }
            }

            /// The text.
            ///
            /// ```
            /// // h5py: create_dataset("s", data=["x", "yz"], dtype=h5py.string_dtype())
            /// let file = h5oxide::File::in_memory()?;
            /// let ds = file.root().new_dataset_builder().with_strings(&["x", "yz"]).create("s")?;
            #[doc = concat!("let v = ds.read_raw::<h5oxide::types::", stringify!($name), ">()?;")]
            /// assert_eq!(v[1].as_str(), "yz");
            /// # Ok::<(), h5oxide::Error>(())
            /// ```
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl H5Write for $name {
            fn write_type() -> Datatype {
                let mut t = vlen_string_type();
                if let TypeClass::VarLen { kind, .. } = &mut t.class {
                    *kind = VarLenKind::String {
                        padding: StringPadding::NullTerminate,
                        charset: $charset,
                    };
                }
                t
            }

            /// Writes empty strings: the text needs [`H5Write::write_elements`].
            fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
                out.resize(out.len() + values.len() * (4 + crate::write::types::HEAP_ID_SIZE), 0);
            }

            fn write_elements(values: &[Self], out: &mut Elements) {
                for v in values {
                    let mut data = Elements::new();
                    data.bytes_mut().extend_from_slice(v.0.as_bytes());
                    out.push_var_len(u32::try_from(v.0.len()).unwrap_or(u32::MAX), data);
                }
            }
        }

        impl H5Type for $name {
            fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
                let inner = String::decoder(dtype)?;
                Ok(Decoder::element(inner.stored_size(), move |b, heap| {
                    let s = inner.decode_one(b, heap)?;
                    $name::new(s).map_err(|_| {
                        crate::h5type::bad_value(concat!("string that is not ", $what), 0)
                    })
                }))
            }
        }
    };
}

vlen_string!(VarLenUnicode, "UTF-8", CharSet::Utf8, |_: &str| true);
vlen_string!(VarLenAscii, "ASCII", CharSet::Ascii, |s: &str| s.is_ascii());

/// `String` is written as h5py writes `str`: a variable-length UTF-8 string.
impl H5Write for String {
    fn write_type() -> Datatype {
        vlen_string_type()
    }

    /// Writes empty strings: the text needs [`H5Write::write_elements`].
    fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
        out.resize(
            out.len() + values.len() * (4 + crate::write::types::HEAP_ID_SIZE),
            0,
        );
    }

    fn write_elements(values: &[Self], out: &mut Elements) {
        for v in values {
            let mut data = Elements::new();
            data.bytes_mut().extend_from_slice(v.as_bytes());
            out.push_var_len(u32::try_from(v.len()).unwrap_or(u32::MAX), data);
        }
    }
}

/// `Vec<T>` is written as a variable-length sequence of `T`, like [`VarLenArray`].
impl<T: H5Write> H5Write for Vec<T> {
    fn write_type() -> Datatype {
        VarLenArray::<T>::write_type()
    }

    /// Writes empty sequences: the items need [`H5Write::write_elements`].
    fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
        out.resize(
            out.len() + values.len() * (4 + crate::write::types::HEAP_ID_SIZE),
            0,
        );
    }

    fn write_elements(values: &[Self], out: &mut Elements) {
        for v in values {
            let mut data = Elements::new();
            T::write_elements(v, &mut data);
            out.push_var_len(u32::try_from(v.len()).unwrap_or(u32::MAX), data);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_record_their_heap_data() {
        let v = [VarLenArray(vec![1u16, 2]), VarLenArray(vec![])];
        let mut e = Elements::new();
        VarLenArray::write_elements(&v, &mut e);
        assert_eq!(e.bytes().len(), 32);
        assert_eq!(&e.bytes()[..4], &2u32.to_le_bytes());
        // The empty sequence is a null reference with no heap object.
        let (_, heap) = e.into_parts();
        assert_eq!(heap.len(), 1);
        assert_eq!(heap[0].data.bytes(), &[1, 0, 2, 0]);
        assert_eq!(
            VarLenArray::<u16>::write_type().descriptor(),
            Datatype::new(
                16,
                TypeClass::VarLen {
                    kind: VarLenKind::Sequence,
                    base: Box::new(u16::write_type())
                }
            )
            .descriptor()
        );
        assert!(VarLenAscii::new("é").is_err());
    }
}
