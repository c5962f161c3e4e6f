//! Setting and removing attributes: attribute messages in the object header (spec
//! IV.A.2.m), or dense storage past the object's max compact count or for messages larger
//! than 64 KiB (`write::dense`).

use h5oxide_format::object_header::message::attribute::{Attribute as AttrMessage, MaybeShared};
use h5oxide_format::object_header::message::dataspace::Dataspace;
use h5oxide_format::object_header::message::datatype::Datatype;
use h5oxide_format::object_header::message::link::CharacterSet;
use h5oxide_format::object_header::message::Message;

use crate::attribute::Attributes;
use crate::error::{Error, Result};
use crate::write::dense::{self, DenseAttr};
use crate::write::group::begin;
use crate::write::object_header::{raw, rewrite, sink_of};
use crate::write::types::Elements;
use crate::write::types::{vlen_string_type, H5Write};
use crate::write::vlen::{write_elements, write_strings};
use crate::write::Libver;

/// The elements of an attribute value: stored bytes, or strings that go to the global heap.
///
/// ```
/// use h5oxide::write::AttrData;
/// use h5oxide::AttrValue;
/// assert_eq!(2u16.attr_data(), AttrData::Bytes(vec![2, 0]));
/// assert_eq!("K".attr_data(), AttrData::Strings(vec!["K".into()]));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum AttrData {
    /// Stored bytes of every element, row-major.
    Bytes(Vec<u8>),
    /// Variable-length UTF-8 strings.
    Strings(Vec<String>),
    /// Typed elements with the variable-length data they refer to.
    Elements(Elements),
}

/// A value that can be stored as an attribute: numbers and `bool` (scalars, slices,
/// vectors, arrays, ndarray arrays) and strings (`str`, `String`, and slices or vectors of
/// them, stored as variable-length UTF-8 strings as h5py stores `str`).
///
/// ```
/// use h5oxide::AttrValue;
/// assert_eq!(1.5f64.attr_shape(), Vec::<u64>::new());
/// assert_eq!(vec![1i8, 2, 3].attr_shape(), [3]);
/// assert_eq!(1.5f64.attr_type().element_size(), 8);
/// let file = h5oxide::File::in_memory()?;
/// file.root().attrs().set("ids", &vec![1i8, 2, 3])?;
/// assert_eq!(file.root().attrs().attr("ids")?.read_raw::<i8>()?, [1, 2, 3]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub trait AttrValue {
    /// The stored datatype.
    fn attr_type(&self) -> Datatype;
    /// The shape; empty for a scalar.
    fn attr_shape(&self) -> Vec<u64>;
    /// The elements.
    fn attr_data(&self) -> AttrData;

    /// True for a value with a null dataspace: a type and no elements (see [`Empty`]).
    ///
    /// ```
    /// use h5oxide::{AttrValue, Empty, H5Write};
    /// assert!(Empty(f64::write_type()).attr_is_empty());
    /// assert!(!1.5f64.attr_is_empty());
    /// ```
    fn attr_is_empty(&self) -> bool {
        false
    }
}

/// A value of a type with no elements at all: a null dataspace (spec IV.A.2.b), h5py's
/// `h5py.Empty(dtype)` (`attrs["x"] = h5py.Empty("f8")`), which reads back as `Empty`.
///
/// ```
/// use h5oxide::{Empty, H5Write};
/// let file = h5oxide::File::in_memory()?;
/// file.root().attrs().set("nothing", &Empty(f64::write_type()))?;
/// let a = file.root().attrs().attr("nothing")?;
/// assert_eq!(a.space().kind, h5oxide::format::object_header::message::dataspace::DataspaceKind::Null);
/// assert_eq!(a.dtype().descriptor(), "<f8");
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Empty(pub Datatype);

impl AttrValue for Empty {
    fn attr_type(&self) -> Datatype {
        self.0.clone()
    }
    fn attr_shape(&self) -> Vec<u64> {
        Vec::new()
    }
    fn attr_data(&self) -> AttrData {
        AttrData::Bytes(Vec::new())
    }
    fn attr_is_empty(&self) -> bool {
        true
    }
}

fn bytes_of<T: H5Write>(v: &[T]) -> AttrData {
    let mut e = Elements::new();
    T::write_elements(v, &mut e);
    e.into_data(&T::write_type())
}

/// An attribute value given as stored bytes of any fixed-size type, for types known only at
/// run time (copying attributes, building them from HDF5/JSON). An empty shape is a scalar.
/// Types holding variable-length data are refused by [`Attributes::set`].
///
/// ```
/// use h5oxide::format::object_header::message::datatype::{ByteOrder, Datatype};
/// use h5oxide::RawValue;
/// let file = h5oxide::File::in_memory()?;
/// // Two big-endian 16-bit unsigned integers, 1 and 258.
/// let dtype = Datatype::integer(2, false, ByteOrder::BigEndian);
/// let raw = RawValue { dtype, shape: vec![2], bytes: vec![0, 1, 1, 2] };
/// file.root().attrs().set("be", &raw)?;
/// assert_eq!(file.root().attrs().attr("be")?.read_raw::<u16>()?, [1, 258]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RawValue {
    /// The stored datatype.
    pub dtype: Datatype,
    /// The shape; empty for a scalar.
    pub shape: Vec<u64>,
    /// Stored bytes of every element, row-major.
    pub bytes: Vec<u8>,
}

impl AttrValue for RawValue {
    fn attr_type(&self) -> Datatype {
        self.dtype.clone()
    }
    fn attr_shape(&self) -> Vec<u64> {
        self.shape.clone()
    }
    fn attr_data(&self) -> AttrData {
        AttrData::Bytes(self.bytes.clone())
    }
}

/// A scalar attribute of an [`H5Write`] type (what `#[derive(H5Type)]` generates too).
macro_rules! scalar_attr {
    ($([$($g:tt)*] $t:ty),* $(,)?) => {$(
        impl<$($g)*> AttrValue for $t {
            fn attr_type(&self) -> Datatype {
                <$t as H5Write>::write_type()
            }
            fn attr_shape(&self) -> Vec<u64> {
                Vec::new()
            }
            fn attr_data(&self) -> AttrData {
                bytes_of(std::slice::from_ref(self))
            }
        }
    )*};
}

// One impl per type rather than one for every `T: H5Write`, which would overlap the
// one-dimensional `[T; N]` impl below now that arrays are element types too.
scalar_attr!(
    [] i8, [] i16, [] i32, [] i64, [] u8, [] u16, [] u32, [] u64, [] f32, [] f64, [] bool,
    [] num_complex::Complex<f32>, [] num_complex::Complex<f64>,
    [const N: usize] crate::types::FixedAscii<N>, [const N: usize] crate::types::FixedUtf8<N>,
    [] crate::types::ObjectRef, [] crate::types::RegionRef,
    [] crate::types::VarLenUnicode, [] crate::types::VarLenAscii,
    [T: H5Write] crate::types::VarLenArray<T>,
);

/// Implements [`AttrValue`] for a scalar of a type with `#[derive(H5Type)]`.
#[doc(hidden)]
pub fn scalar_attr_type<T: H5Write>(_: &T) -> Datatype {
    T::write_type()
}

/// The stored bytes of a scalar attribute of a type with `#[derive(H5Type)]`.
#[doc(hidden)]
pub fn scalar_attr_data<T: H5Write>(v: &T) -> AttrData {
    bytes_of(std::slice::from_ref(v))
}

impl<T: H5Write> AttrValue for [T] {
    fn attr_type(&self) -> Datatype {
        T::write_type()
    }
    fn attr_shape(&self) -> Vec<u64> {
        vec![self.len() as u64]
    }
    fn attr_data(&self) -> AttrData {
        bytes_of(self)
    }
}

impl<T: H5Write> AttrValue for Vec<T> {
    fn attr_type(&self) -> Datatype {
        T::write_type()
    }
    fn attr_shape(&self) -> Vec<u64> {
        vec![self.len() as u64]
    }
    fn attr_data(&self) -> AttrData {
        bytes_of(self)
    }
}

impl<T: H5Write, const N: usize> AttrValue for [T; N] {
    fn attr_type(&self) -> Datatype {
        T::write_type()
    }
    fn attr_shape(&self) -> Vec<u64> {
        vec![N as u64]
    }
    fn attr_data(&self) -> AttrData {
        bytes_of(self)
    }
}

impl<T, S, D> AttrValue for ndarray::ArrayBase<S, D>
where
    T: H5Write,
    S: ndarray::Data<Elem = T>,
    D: ndarray::Dimension,
{
    fn attr_type(&self) -> Datatype {
        T::write_type()
    }
    fn attr_shape(&self) -> Vec<u64> {
        self.shape().iter().map(|&n| n as u64).collect()
    }
    fn attr_data(&self) -> AttrData {
        let mut e = Elements::new();
        for v in self.iter() {
            T::write_elements(std::slice::from_ref(v), &mut e);
        }
        e.into_data(&T::write_type())
    }
}

impl AttrValue for str {
    fn attr_type(&self) -> Datatype {
        vlen_string_type()
    }
    fn attr_shape(&self) -> Vec<u64> {
        Vec::new()
    }
    fn attr_data(&self) -> AttrData {
        AttrData::Strings(vec![self.to_owned()])
    }
}

impl AttrValue for String {
    fn attr_type(&self) -> Datatype {
        vlen_string_type()
    }
    fn attr_shape(&self) -> Vec<u64> {
        Vec::new()
    }
    fn attr_data(&self) -> AttrData {
        AttrData::Strings(vec![self.clone()])
    }
}

impl AttrValue for [&str] {
    fn attr_type(&self) -> Datatype {
        vlen_string_type()
    }
    fn attr_shape(&self) -> Vec<u64> {
        vec![self.len() as u64]
    }
    fn attr_data(&self) -> AttrData {
        AttrData::Strings(self.iter().map(|s| (*s).to_owned()).collect())
    }
}

impl AttrValue for Vec<&str> {
    fn attr_type(&self) -> Datatype {
        vlen_string_type()
    }
    fn attr_shape(&self) -> Vec<u64> {
        vec![self.len() as u64]
    }
    fn attr_data(&self) -> AttrData {
        self.as_slice().attr_data()
    }
}

impl Attributes {
    /// Creates or replaces the attribute `name` (h5py's `attrs[name] = value`).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let attrs = file.root().attrs();
    /// attrs.set("title", "run 1")?;
    /// attrs.set("gain", &[0.5f32, 2.0])?;
    /// // Setting again replaces.
    /// attrs.set("title", "run 2")?;
    /// assert_eq!(attrs.attr("title")?.read_raw::<String>()?, ["run 2"]);
    /// assert_eq!(attrs.attr("gain")?.read_raw::<f32>()?, [0.5, 2.0]);
    /// assert!(attrs.set("", &1u8).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for an empty name, or a value whose message passes 64 KiB on an object with a
    /// version 1 header (files of the earliest generation: only dense storage holds such
    /// an attribute); `ReadOnly`; I/O errors.
    pub fn set<V: AttrValue + ?Sized>(&self, name: &str, value: &V) -> Result<()> {
        if name.is_empty() {
            return Err(Error::Usage("an attribute name must not be empty"));
        }
        let (file, address, _) = self.owner();
        let file = file.clone();
        let mut ws = begin(&file)?;
        let ctx = file.inner.ctx;
        let sink = sink_of(&file, &ws);
        let mut dtype = value.attr_type();
        let shape = value.attr_shape();
        let latest = ws.libver == Libver::Latest;
        if latest {
            dtype.assign_versions(3);
        }
        let data = match value.attr_data() {
            AttrData::Bytes(b) if value.attr_is_empty() => b,
            AttrData::Bytes(_) if dtype.has_variable_length() => {
                return Err(Error::Usage(
                    "raw bytes cannot hold variable-length data: give the values",
                ))
            }
            AttrData::Bytes(b) => b,
            AttrData::Strings(s) => write_strings(&mut ws, &sink, s.iter().map(|s| s.as_bytes()))?,
            AttrData::Elements(e) => write_elements(&mut ws, &sink, e)?,
        };
        let mut space = if value.attr_is_empty() {
            Dataspace::null()
        } else if shape.is_empty() {
            Dataspace::scalar()
        } else {
            Dataspace::simple(shape, None)
        };
        if latest {
            space.version = 2;
        }
        let msg = AttrMessage {
            version: if latest { 3 } else { 1 },
            name: name.to_owned(),
            charset: if latest && !name.is_ascii() {
                CharacterSet::Utf8
            } else {
                CharacterSet::Ascii
            },
            datatype: MaybeShared::Inline(dtype),
            dataspace: MaybeShared::Inline(space),
            data,
        };
        let m = raw(&Message::Attribute(msg), 0, &ctx)?;
        rewrite(&file, &mut ws, address, &mut |h, ws| {
            // h5py's `attrs[name] = v` replaces: the new attribute comes after every other
            // one in creation order.
            dense::edit_attributes(&file, h, ws, &mut |items, next| {
                items.retain(|a| a.name != name);
                items.push(DenseAttr {
                    name: name.to_owned(),
                    body: m.data.clone(),
                    flags: m.flags,
                    creation_order: next,
                });
                Ok(())
            })
        })?;
        Ok(())
    }

    /// Removes the attribute `name` (h5py's `del attrs[name]`).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let attrs = file.root().attrs();
    /// attrs.set("a", &1u8)?;
    /// attrs.remove("a")?;
    /// assert!(!attrs.contains("a")?);
    /// assert!(matches!(attrs.remove("a"), Err(h5oxide::Error::NotFound { .. })));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound` if there is no such attribute; `ReadOnly`; I/O errors.
    pub fn remove(&self, name: &str) -> Result<()> {
        let (file, address, path) = self.owner();
        let (file, path) = (file.clone(), path.to_owned());
        let mut ws = begin(&file)?;
        rewrite(&file, &mut ws, address, &mut |h, ws| {
            dense::edit_attributes(&file, h, ws, &mut |items, _| {
                let before = items.len();
                items.retain(|a| a.name != name);
                if items.len() == before {
                    return Err(Error::NotFound {
                        what: "attribute",
                        name: format!("{path}: {name}"),
                    });
                }
                Ok(())
            })
        })?;
        Ok(())
    }
}
