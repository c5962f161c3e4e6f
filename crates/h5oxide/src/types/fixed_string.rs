//! Fixed-length strings as element types (spec IV.A.2.d, class 3): NumPy's `S<n>` and
//! h5py's fixed-length UTF-8 strings, written null-padded.

use std::fmt;

use h5oxide_format::object_header::message::datatype::Datatype;

use crate::error::{Error, Result};
use crate::h5type::{Decoder, H5Type};
use crate::write::types::{fixed_string_type, H5Write};

macro_rules! fixed_string {
    ($name:ident, $utf8:expr, $what:literal, $check:expr) => {
        #[doc = concat!("A fixed-length ", $what, " string of at most `N` bytes, stored in `N` null-padded bytes.")]
        ///
        /// Reads from fixed- and variable-length strings that fit in `N` bytes.
        ///
        /// ```
        #[doc = concat!("use h5oxide::types::", stringify!($name), ";")]
        #[doc = concat!("let s = ", stringify!($name), "::<8>::new(\"abc\")?;")]
        /// assert_eq!(s.as_str(), "abc");
        /// # Ok::<(), h5oxide::Error>(())
        /// ```
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name<const N: usize> {
            bytes: [u8; N],
            len: usize,
        }

        impl<const N: usize> $name<N> {
            /// The string `s`.
            ///
            /// ```
            #[doc = concat!("use h5oxide::types::", stringify!($name), ";")]
            #[doc = concat!("let s = ", stringify!($name), "::<4>::new(\"abcd\")?;")]
            /// assert_eq!(s.as_str(), "abcd");
            /// // Five bytes do not fit in four.
            #[doc = concat!("assert!(", stringify!($name), "::<4>::new(\"abcde\").is_err());")]
            /// # Ok::<(), h5oxide::Error>(())
            /// ```
            ///
            /// # Errors
            #[doc = concat!("`Usage` if `s` is longer than `N` bytes or is not ", $what, ".")]
            pub fn new(s: &str) -> Result<Self> {
                let check: fn(&str) -> bool = $check;
                if s.len() > N {
                    return Err(Error::Usage("string longer than its fixed length"));
                }
                if !check(s) {
                    return Err(Error::Usage(concat!("string is not ", $what)));
                }
                let mut bytes = [0u8; N];
                bytes[..s.len()].copy_from_slice(s.as_bytes());
                Ok($name { bytes, len: s.len() })
            }

            /// The text, without padding.
            ///
            /// ```
            /// // A NumPy `S8` dataset holding b"ab" and b"wxyz".
            /// let file = h5oxide::File::in_memory()?;
            /// let b = file.root().new_dataset_builder();
            /// let ds = b.with_fixed_strings(&["ab", "wxyz"], 8).create("s")?;
            #[doc = concat!("let v = ds.read_raw::<h5oxide::types::", stringify!($name), "<8>>()?;")]
            /// assert_eq!(v[0].as_str(), "ab");
            /// assert_eq!(v[1].as_str(), "wxyz");
            /// # Ok::<(), h5oxide::Error>(())
            /// ```
            pub fn as_str(&self) -> &str {
                // Built only from a checked `&str`.
                std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
            }
        }

        impl<const N: usize> Default for $name<N> {
            fn default() -> Self {
                $name { bytes: [0; N], len: 0 }
            }
        }

        impl<const N: usize> fmt::Debug for $name<N> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self.as_str(), f)
            }
        }

        impl<const N: usize> fmt::Display for $name<N> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<const N: usize> H5Write for $name<N> {
            fn write_type() -> Datatype {
                fixed_string_type(N as u32, $utf8)
            }

            fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
                for v in values {
                    out.extend_from_slice(&v.bytes);
                }
                // A zero-length type is stored as one byte (see fixed_string_type).
                if N == 0 {
                    out.resize(out.len() + values.len(), 0);
                }
            }
        }

        impl<const N: usize> H5Type for $name<N> {
            fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
                let inner = String::decoder(dtype)?;
                Ok(Decoder::element(inner.stored_size(), move |b, heap| {
                    let s = inner.decode_one(b, heap)?;
                    $name::new(&s).map_err(|_| {
                        crate::h5type::bad_value(
                            concat!("string longer than ", stringify!($name), "'s length"),
                            s.len() as u64,
                        )
                    })
                }))
            }
        }
    };
}

fixed_string!(FixedAscii, false, "ASCII", |s: &str| s.is_ascii());
fixed_string!(FixedUtf8, true, "UTF-8", |_: &str| true);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h5type::Heap;

    #[test]
    fn fixed_strings_round_trip_their_bytes() {
        let v = [
            FixedAscii::<4>::new("ab").unwrap(),
            FixedAscii::new("wxyz").unwrap(),
        ];
        let mut b = Vec::new();
        FixedAscii::write_bytes(&v, &mut b);
        assert_eq!(b, b"ab\0\0wxyz");
        assert_eq!(
            FixedAscii::<4>::write_type().descriptor(),
            "|S4:nullpad:ascii"
        );
        let d = FixedAscii::<4>::decoder(&FixedAscii::<4>::write_type()).unwrap();
        let mut out = Vec::new();
        d.decode_all(&b, &Heap::none(), &mut out).unwrap();
        assert_eq!(out, v);
        assert!(FixedAscii::<2>::new("abc").is_err());
        assert!(FixedAscii::<4>::new("é").is_err());
        assert_eq!(FixedUtf8::<4>::new("é").unwrap().as_str(), "é");
        // A stored string longer than N does not fit.
        assert!(FixedAscii::<2>::decoder(&FixedAscii::<4>::write_type())
            .unwrap()
            .decode_one(b"wxyz", &Heap::none())
            .is_err());
    }
}
