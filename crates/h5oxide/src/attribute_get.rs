//! Typed reading of one attribute by name, like h5py's `attrs[name]` and hdf5-rust's
//! `attr(name)?.read_scalar()`: [`Attributes::get`] returns whatever [`FromAttribute`]
//! type the caller names.

use ndarray::{Array, Dimension};

use crate::attribute::{Attribute, Attributes};
use crate::error::{Error, Result};
use crate::h5type::H5Type;

/// A Rust value an attribute can be read as with [`Attributes::get`].
///
/// Implemented for the attribute handle itself ([`Attribute`]), for single values of every
/// element type (numbers, `bool`, `String`, complex numbers, fixed and variable-length
/// strings, references, and types with `#[derive(H5Type)]`), for `Vec<T>` (every element,
/// row-major) and for `ndarray` arrays of any dimension.
///
/// ```
/// use h5oxide::ndarray::{array, Array2};
/// let file = h5oxide::File::in_memory()?;
/// let attrs = file.root().attrs();
/// attrs.set("length", &100i64)?;
/// attrs.set("gains", &[0.5f64, 2.0])?;
/// attrs.set("m", &array![[1u8, 2], [3, 4]])?;
/// assert_eq!(attrs.get::<i64>("length")?, 100);
/// assert_eq!(attrs.get::<Vec<f64>>("gains")?, [0.5, 2.0]);
/// assert_eq!(attrs.get::<Array2<u8>>("m")?, array![[1, 2], [3, 4]]);
/// assert_eq!(attrs.get::<h5oxide::Attribute>("m")?.shape(), [2, 2]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub trait FromAttribute: Sized {
    /// Reads `attr` as `Self`.
    ///
    /// # Errors
    /// The stored type or shape does not fit `Self`; the stored value is malformed.
    fn from_attribute(attr: Attribute) -> Result<Self>;
}

impl FromAttribute for Attribute {
    fn from_attribute(attr: Attribute) -> Result<Self> {
        Ok(attr)
    }
}

impl<T: H5Type> FromAttribute for Vec<T> {
    fn from_attribute(attr: Attribute) -> Result<Self> {
        attr.read_raw()
    }
}

impl<T: H5Type, D: Dimension> FromAttribute for Array<T, D> {
    fn from_attribute(attr: Attribute) -> Result<Self> {
        attr.read::<T, D>()
    }
}

/// The one element of `attr` (a scalar attribute, or one whose shape holds exactly one
/// element) as `T`; what `#[derive(H5Type)]` types use for [`FromAttribute`].
///
/// # Errors
/// `Usage` unless the attribute holds exactly one element; as [`Attribute::read_raw`].
#[doc(hidden)]
pub fn single_value<T: H5Type>(attr: Attribute) -> Result<T> {
    let mut v = attr.read_raw::<T>()?;
    if v.len() != 1 {
        return Err(Error::Usage(
            "the attribute does not hold exactly one element; read it as a Vec or an array",
        ));
    }
    Ok(v.remove(0))
}

/// One element of an element type: one impl per type rather than one for every `T:
/// H5Type`, which would overlap the `Vec<T>` impl (a `Vec` is also a variable-length
/// element type).
macro_rules! single_from_attribute {
    ($([$($g:tt)*] $t:ty),* $(,)?) => {$(
        impl<$($g)*> FromAttribute for $t {
            fn from_attribute(attr: Attribute) -> Result<Self> {
                single_value(attr)
            }
        }
    )*};
}

single_from_attribute!(
    [] i8, [] i16, [] i32, [] i64, [] u8, [] u16, [] u32, [] u64, [] f32, [] f64, [] bool,
    [] String, [T: H5Type] num_complex::Complex<T>,
    [const N: usize] crate::types::FixedAscii<N>, [const N: usize] crate::types::FixedUtf8<N>,
    [] crate::types::ObjectRef, [] crate::types::RegionRef, [] crate::types::Reference,
    [] crate::types::VarLenUnicode, [] crate::types::VarLenAscii,
    [T: H5Type] crate::types::VarLenArray<T>,
);

impl Attributes {
    /// The attribute `name` read as `T` (h5py's `attrs[name]`): a single value, a `Vec`
    /// of every element, an `ndarray` array, or the [`Attribute`] handle itself; see
    /// [`FromAttribute`].
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let attrs = file.root().attrs();
    /// attrs.set("length", &100i32)?;
    /// attrs.set("title", "run 7")?;
    /// // h5py: f.attrs["length"], f.attrs["title"]
    /// assert_eq!(attrs.get::<i32>("length")?, 100);
    /// assert_eq!(attrs.get::<i64>("length")?, 100);
    /// assert_eq!(attrs.get::<String>("title")?, "run 7");
    /// assert!(matches!(attrs.get::<i32>("nope"), Err(h5oxide::Error::NotFound { .. })));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound` if there is no such attribute; as [`FromAttribute::from_attribute`].
    pub fn get<T: FromAttribute>(&self, name: &str) -> Result<T> {
        T::from_attribute(self.attr(name)?)
    }
}
