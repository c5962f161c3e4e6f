//! Typed reading: Rust types that elements of a stored HDF5 datatype convert into.
//!
//! [`H5Type::decoder`] looks at the stored datatype once and builds a [`Decoder`]: the
//! conversion of one stored element (or of a whole buffer at once, for numbers) into `Self`.
//! Implemented for:
//!
//! - `i8`..`i64`, `u8`..`u64`, `f32`, `f64`: from any stored integer or floating-point type of
//!   either byte order (1, 2, 4 or 8 bytes, half precision and other float layouts included),
//!   from enumerations (their integer value) and bit fields. Out-of-range values clamp to the
//!   destination's range as the C library's conversions do: integers clamp to the destination
//!   range, floats convert to integers by truncation toward zero with clamping and NaN giving
//!   0, and a float too large for `f32` becomes an infinity.
//! - `bool`: from h5py's boolean enumeration (`FALSE = 0`, `TRUE = 1` over an 8-bit integer)
//!   and from any integer holding 0 or 1; any other value is an error.
//! - `String`: from fixed-length and variable-length strings of any padding; UTF-8 strings are
//!   checked to be valid UTF-8, ASCII strings to be ASCII.
//! - `[T; N]`: from array types with `N` elements (any rank, row-major).
//! - `Vec<T>`: from variable-length sequences.
//! - tuples of up to 4 elements: from compounds with members named `"0"`, `"1"`, ...
//! - structs and C-like enums with `#[derive(H5Type)]`: compounds matched by member name and
//!   enumerations matched by member name.

use std::sync::Arc;

use h5oxide_format::heap::global::GlobalHeapId;
use h5oxide_format::object_header::message::datatype::{
    CompoundMember, Datatype, TypeClass, VarLenKind,
};
use h5oxide_format::{Context, Cursor, ErrorKind, FormatError};

use crate::error::{Error, Result};
use crate::types::numeric::{self, NumSrc};
use crate::value::{CachedHeap, HeapSource};

pub use h5oxide_derive::H5Type;

/// The name errors of element conversion report.
pub(crate) const STRUCTURE: &str = "data element";

/// A Rust type that stored HDF5 elements can be read into.
///
/// Derive it for structs (compounds) and C-like enums with `#[derive(H5Type)]`.
///
/// ```
/// use h5oxide::H5Type;
/// // h5py's compound dtype [("a", "<i4"), ("b", "<f8"), ("c", "u1")], read into a struct:
/// // fields are matched to members by name.
/// #[derive(H5Type, Debug, PartialEq)]
/// struct Row {
///     a: i32,
///     b: f64,
///     c: u8,
/// }
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/types_compound.h5");
/// let ds = h5oxide::File::open(path)?.root().dataset("simple_packed")?;
/// let rows = ds.read_raw::<Row>()?;
/// assert_eq!(rows[1], Row { a: -1, b: 0.25, c: 50 });
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub trait H5Type: Sized + 'static {
    /// Builds the conversion from elements stored as `dtype` into `Self`.
    ///
    /// ```
    /// use h5oxide::h5type::Heap;
    /// use h5oxide::{H5Type, H5Write};
    /// // Stored as 32-bit integers, read as f64 (NumPy's astype).
    /// let dec = f64::decoder(&i32::write_type())?;
    /// assert_eq!(dec.decode_one(&(-7i32).to_le_bytes(), &Heap::none())?, -7.0);
    /// // A string does not convert into a number.
    /// assert!(f64::decoder(&String::write_type()).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The stored type cannot be converted into `Self` (a different class, a compound
    /// without a member a field needs, an enumeration member without a variant, ...).
    fn decoder(dtype: &Datatype) -> Result<Decoder<Self>>;
}

/// Access to what stored elements refer to outside their own bytes: the file's global heap,
/// where variable-length strings and sequences live.
///
/// ```
/// use h5oxide::h5type::Heap;
/// use h5oxide::{H5Type, H5Write};
/// // Fixed-size numbers need no heap.
/// let dec = i16::decoder(&i16::write_type())?;
/// assert_eq!(dec.decode_one(&[0x34, 0x12], &Heap::none())?, 0x1234);
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub struct Heap<'a> {
    src: Option<CachedHeap<'a>>,
}

impl<'a> Heap<'a> {
    pub(crate) fn new(src: &'a dyn HeapSource) -> Self {
        Heap {
            src: Some(CachedHeap::new(src)),
        }
    }

    /// No heap: decoding a variable-length element whose data is in the heap fails (an
    /// empty one, stored with a null heap ID, still decodes).
    ///
    /// ```
    /// use h5oxide::h5type::Heap;
    /// use h5oxide::{H5Type, H5Write};
    /// let dec = String::decoder(&String::write_type())?;
    /// // Length 0, null heap ID: the empty string.
    /// assert_eq!(dec.decode_one(&[0u8; 16], &Heap::none())?, "");
    /// // Length 3, in the heap collection at 0x800: there is no heap to read it from.
    /// let mut stored = [0u8; 16];
    /// stored[0] = 3;
    /// stored[4..12].copy_from_slice(&0x800u64.to_le_bytes());
    /// stored[12] = 1;
    /// assert!(dec.decode_one(&stored, &Heap::none()).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn none() -> Heap<'static> {
        Heap { src: None }
    }

    /// Calls `f` with the bytes of the heap object `id` names, without copying them.
    pub(crate) fn with_object<R>(
        &self,
        id: &GlobalHeapId,
        f: impl FnOnce(&[u8]) -> Result<R>,
    ) -> Result<R> {
        match &self.src {
            Some(s) => s.with_object(id, f),
            None => Err(Error::Usage(
                "variable-length data cannot be read without its file",
            )),
        }
    }

    pub(crate) fn object(&self, id: &GlobalHeapId) -> Result<Vec<u8>> {
        match &self.src {
            Some(s) => s.global_heap_object(id),
            None => Err(Error::Usage(
                "variable-length data cannot be read without its file",
            )),
        }
    }

    pub(crate) fn context(&self) -> Context {
        self.src.as_ref().map_or(Context::DEFAULT, |s| s.context())
    }
}

type EachFn<T> = dyn Fn(&[u8], &Heap<'_>) -> Result<T> + Send + Sync;
type ToVecFn<T> = dyn Fn(&[u8], &mut Vec<T>) -> Result<()> + Send + Sync;
type ToSliceFn<T> = dyn Fn(&[u8], &mut [T]) -> Result<()> + Send + Sync;

/// Whole-buffer conversions, for types whose elements need no heap.
struct Bulk<T> {
    to_vec: Box<ToVecFn<T>>,
    to_slice: Box<ToSliceFn<T>>,
}

/// The conversion of elements of one stored datatype into `T`, built by
/// [`H5Type::decoder`].
///
/// ```
/// use h5oxide::h5type::Heap;
/// use h5oxide::{H5Type, H5Write};
/// // Stored big-endian u16, read as u32.
/// let dec = u32::decoder(&h5oxide::format::object_header::message::datatype::Datatype::integer(
///     2,
///     false,
///     h5oxide::format::object_header::message::datatype::ByteOrder::BigEndian,
/// ))?;
/// let mut out = Vec::new();
/// dec.decode_all(&[0, 1, 1, 0], &Heap::none(), &mut out)?;
/// assert_eq!(out, [1, 256]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub struct Decoder<T> {
    size: usize,
    each: Arc<EachFn<T>>,
    bulk: Option<Bulk<T>>,
}

fn eof(needed: usize, available: usize) -> Error {
    FormatError::new(
        ErrorKind::UnexpectedEof {
            needed: needed as u64,
            available: available as u64,
        },
        STRUCTURE,
        0,
    )
    .into()
}

impl<T> Decoder<T> {
    /// A decoder of stored elements of `size` bytes, each converted by `f` (which is given
    /// exactly `size` bytes).
    ///
    /// ```
    /// use h5oxide::h5type::{Decoder, Heap};
    /// // A decoder of 2-byte elements read as the sum of their bytes.
    /// let dec = Decoder::element(2, |b, _heap| Ok(u32::from(b[0]) + u32::from(b[1])));
    /// let mut out = Vec::new();
    /// dec.decode_all(&[1, 2, 10, 20], &Heap::none(), &mut out)?;
    /// assert_eq!(out, [3, 30]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn element(
        size: usize,
        f: impl Fn(&[u8], &Heap<'_>) -> Result<T> + Send + Sync + 'static,
    ) -> Self {
        Decoder {
            size,
            each: Arc::new(f),
            bulk: None,
        }
    }

    /// Adds whole-buffer conversions (into a vector, into a slice), used where no element
    /// needs the heap.
    pub(crate) fn with_bulk(
        mut self,
        to_vec: impl Fn(&[u8], &mut Vec<T>) -> Result<()> + Send + Sync + 'static,
        to_slice: impl Fn(&[u8], &mut [T]) -> Result<()> + Send + Sync + 'static,
    ) -> Self {
        self.bulk = Some(Bulk {
            to_vec: Box::new(to_vec),
            to_slice: Box::new(to_slice),
        });
        self
    }

    /// Bytes of one stored element.
    ///
    /// ```
    /// use h5oxide::{H5Type, H5Write};
    /// assert_eq!(f64::decoder(&f32::write_type())?.stored_size(), 4);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn stored_size(&self) -> usize {
        self.size
    }

    /// Converts the element stored in the first [`Decoder::stored_size`] bytes of `b`.
    ///
    /// ```
    /// use h5oxide::h5type::Heap;
    /// use h5oxide::{H5Type, H5Write};
    /// let dec = f64::decoder(&f32::write_type())?;
    /// // Only the first element's 4 bytes are used.
    /// assert_eq!(dec.decode_one(&1.5f32.to_le_bytes(), &Heap::none())?, 1.5);
    /// assert!(dec.decode_one(&[0, 0], &Heap::none()).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `b` is too short; the value cannot be converted (see [`H5Type`]).
    pub fn decode_one(&self, b: &[u8], heap: &Heap<'_>) -> Result<T> {
        let e = b.get(..self.size).ok_or_else(|| eof(self.size, b.len()))?;
        (self.each)(e, heap)
    }

    fn count(&self, b: &[u8]) -> Result<usize> {
        if self.size == 0 {
            return Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "datatype size",
                    value: 0,
                },
                STRUCTURE,
                0,
            )
            .into());
        }
        if b.len() % self.size != 0 {
            let whole = b.len().div_ceil(self.size).saturating_mul(self.size);
            return Err(eof(whole, b.len()));
        }
        Ok(b.len() / self.size)
    }

    /// Converts every element stored in `b` (a whole number of elements), appending to `out`.
    ///
    /// ```
    /// use h5oxide::h5type::Heap;
    /// use h5oxide::{H5Type, H5Write};
    /// let dec = i64::decoder(&i8::write_type())?;
    /// let mut out = vec![100];
    /// dec.decode_all(&[0xff, 0x01], &Heap::none(), &mut out)?;
    /// assert_eq!(out, [100, -1, 1]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `b` is not a whole number of elements; a value cannot be converted.
    pub fn decode_all(&self, b: &[u8], heap: &Heap<'_>, out: &mut Vec<T>) -> Result<()> {
        let n = self.count(b)?;
        out.reserve(n);
        if let Some(bulk) = &self.bulk {
            return (bulk.to_vec)(b, out);
        }
        for e in b.chunks_exact(self.size) {
            out.push((self.each)(e, heap)?);
        }
        Ok(())
    }

    /// Converts every element stored in `b` into `out`, which must hold exactly as many.
    ///
    /// ```
    /// use h5oxide::h5type::Heap;
    /// use h5oxide::{H5Type, H5Write};
    /// let dec = u8::decoder(&u8::write_type())?;
    /// let mut out = [0u8; 3];
    /// dec.decode_into(&[7, 8, 9], &Heap::none(), &mut out)?;
    /// assert_eq!(out, [7, 8, 9]);
    /// // The count must match.
    /// assert!(dec.decode_into(&[7, 8], &Heap::none(), &mut out).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The element count differs from `out.len()`; a value cannot be converted.
    pub fn decode_into(&self, b: &[u8], heap: &Heap<'_>, out: &mut [T]) -> Result<()> {
        let n = self.count(b)?;
        if n != out.len() {
            return Err(Error::Usage(
                "output buffer length differs from the number of elements read",
            ));
        }
        if let Some(bulk) = &self.bulk {
            return (bulk.to_slice)(b, out);
        }
        for (o, e) in out.iter_mut().zip(b.chunks_exact(self.size)) {
            *o = (self.each)(e, heap)?;
        }
        Ok(())
    }
}

/// The error for a stored type that cannot be converted into `T`.
pub(crate) fn mismatch<T>(dtype: &Datatype) -> Error {
    mismatch_named(dtype, std::any::type_name::<T>())
}

fn mismatch_named(dtype: &Datatype, rust: &'static str) -> Error {
    Error::WrongKind {
        name: format!("stored type \"{}\"", dtype.descriptor()),
        expected: rust,
    }
}

/// A value-level conversion failure (a bad UTF-8 string, an enum value without a name, ...).
pub(crate) fn bad_value(field: &'static str, value: u64) -> Error {
    FormatError::new(ErrorKind::InvalidValue { field, value }, STRUCTURE, 0).into()
}

macro_rules! numeric_h5type {
    ($($t:ty),*) => {$(
        impl H5Type for $t {
            fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
                numeric::decoder::<$t>(dtype)
            }
        }
    )*};
}
numeric_h5type!(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64);

impl H5Type for bool {
    fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
        let src = match &dtype.class {
            TypeClass::FixedPoint { .. } | TypeClass::Enum { .. } => NumSrc::of(dtype)?,
            _ => None,
        };
        let src = src.ok_or_else(|| mismatch::<bool>(dtype))?;
        let each = move |b: &[u8], _: &Heap<'_>| match src.int(b) {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            Some(v) => Err(bad_value("boolean (not 0 or 1)", v as u64)),
            None => Err(bad_value("boolean (not an integer)", 0)),
        };
        Ok(Decoder::element(dtype.element_size(), each))
    }
}

impl<T: H5Type, const N: usize> H5Type for [T; N] {
    fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
        let TypeClass::Array { dims, base } = &dtype.class else {
            return Err(mismatch::<Self>(dtype));
        };
        let n = dims
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d as usize));
        let inner = if n == Some(N) {
            // Every element of the stored array, row-major, whatever its rank.
            T::decoder(base)?
        } else if dims.len() > 1 && dims.first().map(|&d| d as usize) == Some(N) {
            // `[[T; M]; N]` from an N x M array: each row is an array of the other dims.
            let row = Datatype::new(
                dtype.size / (N as u32).max(1),
                TypeClass::Array {
                    dims: dims.get(1..).unwrap_or(&[]).to_vec(),
                    base: base.clone(),
                },
            );
            T::decoder(&row)?
        } else {
            return Err(mismatch::<Self>(dtype));
        };
        let es = inner.size;
        if es.checked_mul(N) != Some(dtype.element_size()) {
            return Err(bad_value("array datatype size", u64::from(dtype.size)));
        }
        Ok(Decoder::element(dtype.element_size(), move |b, heap| {
            let mut failure = None;
            let items: [Option<T>; N] = std::array::from_fn(|i| {
                if failure.is_some() {
                    return None;
                }
                let part = b.get(i * es..).unwrap_or(&[]);
                match inner.decode_one(part, heap) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        failure = Some(e);
                        None
                    }
                }
            });
            if let Some(e) = failure {
                return Err(e);
            }
            // Every item is Some when no conversion failed.
            Ok(items.map(|v| v.expect("every item converted")))
        }))
    }
}

/// Reads the length and heap ID of a variable-length element (spec IV.A.2.d, class 9).
pub(crate) fn vlen_parts(b: &[u8], heap: &Heap<'_>) -> Result<(u32, GlobalHeapId)> {
    let ctx = heap.context();
    let mut c = Cursor::new(b, 0, STRUCTURE);
    let len = c.u32()?;
    let id = GlobalHeapId::decode(&mut c, &ctx)?;
    Ok((len, id))
}

impl<T: H5Type> H5Type for Vec<T> {
    fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
        let TypeClass::VarLen {
            kind: VarLenKind::Sequence,
            base,
        } = &dtype.class
        else {
            return Err(mismatch::<Self>(dtype));
        };
        let inner = T::decoder(base)?;
        Ok(Decoder::element(dtype.element_size(), move |b, heap| {
            let (len, id) = vlen_parts(b, heap)?;
            if id.is_null() {
                return if len == 0 {
                    Ok(Vec::new())
                } else {
                    Err(bad_value(
                        "variable-length sequence (null with a length)",
                        len.into(),
                    ))
                };
            }
            let data = heap.object(&id)?;
            let need = (len as usize).saturating_mul(inner.size);
            let items = data.get(..need).ok_or_else(|| eof(need, data.len()))?;
            let mut out = Vec::new();
            inner.decode_all(items, heap, &mut out)?;
            Ok(out)
        }))
    }
}

/// The members and element size of a stored compound, for a Rust type named `rust`.
///
/// # Errors
/// The stored type is not a compound.
#[doc(hidden)]
pub fn compound_members<'a>(
    dtype: &'a Datatype,
    rust: &'static str,
) -> Result<(&'a [CompoundMember], usize)> {
    match &dtype.class {
        TypeClass::Compound { members } => Ok((members, dtype.element_size())),
        _ => Err(mismatch_named(dtype, rust)),
    }
}

/// One field of a Rust struct read from the compound member of the same name.
#[doc(hidden)]
pub struct Field<T> {
    offset: usize,
    decoder: Decoder<T>,
}

impl<T: H5Type> Field<T> {
    /// Finds the member `name` among `members` (of a compound of `size` bytes).
    ///
    /// ```
    /// use h5oxide::h5type::{compound_members, Field};
    /// use h5oxide::write::types::compound_type;
    /// use h5oxide::H5Write;
    /// // The compound {x: <i4 at 0, y: <f8 at 4}, as a struct `Point` would be read from it.
    /// let members = vec![("x", i32::write_type(), None), ("y", f64::write_type(), None)];
    /// let t = compound_type(members, 0);
    /// let (members, size) = compound_members(&t, "Point")?;
    /// assert!(Field::<f64>::new(members, "y", "Point", size).is_ok());
    /// // No member "z".
    /// assert!(Field::<f64>::new(members, "z", "Point", size).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound` naming the member when it does not exist; the member's type does not
    /// convert into `T`; the member reaches past the compound.
    pub fn new(
        members: &[CompoundMember],
        name: &str,
        rust: &'static str,
        size: usize,
    ) -> Result<Self> {
        let m = members
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| Error::NotFound {
                what: "compound member",
                name: format!("\"{name}\" (a field of {rust})"),
            })?;
        let extent = m.extent().unwrap_or(u64::MAX);
        if u64::from(m.offset).saturating_add(extent) > size as u64 {
            return Err(bad_value("compound member offset", u64::from(m.offset)));
        }
        // Version-1 compounds keep array members as dims on the member (spec IV.A.2.d).
        let decoder = match &m.v1_array {
            Some(a) => T::decoder(&Datatype::new(
                extent as u32,
                TypeClass::Array {
                    dims: a.dims.clone(),
                    base: Box::new(m.dtype.clone()),
                },
            ))?,
            None => T::decoder(&m.dtype)?,
        };
        Ok(Field {
            offset: m.offset as usize,
            decoder,
        })
    }

    /// Converts this field of the compound element `b`.
    ///
    /// ```
    /// use h5oxide::h5type::{compound_members, Field, Heap};
    /// use h5oxide::write::types::compound_type;
    /// use h5oxide::H5Write;
    /// let members = vec![("x", i32::write_type(), None), ("y", f64::write_type(), None)];
    /// let t = compound_type(members, 0);
    /// let (members, size) = compound_members(&t, "Point")?;
    /// let y = Field::<f64>::new(members, "y", "Point", size)?;
    /// let mut element = 7i32.to_le_bytes().to_vec();
    /// element.extend_from_slice(&2.5f64.to_le_bytes());
    /// assert_eq!(y.get(&element, &Heap::none())?, 2.5);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Decoder::decode_one`].
    pub fn get(&self, b: &[u8], heap: &Heap<'_>) -> Result<T> {
        let part = b.get(self.offset..).unwrap_or(&[]);
        self.decoder.decode_one(part, heap)
    }
}

macro_rules! tuple_h5type {
    ($($t:ident $i:tt),*) => {
        impl<$($t: H5Type),*> H5Type for ($($t,)*) {
            fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
                let rust = std::any::type_name::<Self>();
                let (members, size) = compound_members(dtype, rust)?;
                let fields = ($(Field::<$t>::new(members, stringify!($i), rust, size)?,)*);
                Ok(Decoder::element(size, move |b, heap| {
                    Ok(($(fields.$i.get(b, heap)?,)*))
                }))
            }
        }
    };
}
tuple_h5type!(A 0);
tuple_h5type!(A 0, B 1);
tuple_h5type!(A 0, B 1, C 2);
tuple_h5type!(A 0, B 1, C 2, D 3);

/// A variant of a C-like enum: the stored member name it reads from and its constructor.
#[doc(hidden)]
pub type Variant<E> = (&'static str, fn() -> E);

/// The decoder of a C-like enum named `rust` whose variants are `variants` (stored name and
/// constructor): each stored member is matched to the variant of the same name.
///
/// # Errors
/// The stored type is not an enumeration over an integer; a stored member has no variant.
#[doc(hidden)]
pub fn enum_decoder<E: 'static>(
    dtype: &Datatype,
    rust: &'static str,
    variants: Vec<Variant<E>>,
) -> Result<Decoder<E>> {
    let TypeClass::Enum { base, members } = &dtype.class else {
        return Err(mismatch_named(dtype, rust));
    };
    let src = match &base.class {
        TypeClass::FixedPoint { .. } => NumSrc::of(base)?,
        _ => None,
    }
    .ok_or_else(|| mismatch_named(dtype, rust))?;
    let mut table: Vec<(i128, fn() -> E)> = Vec::with_capacity(members.len());
    for m in members {
        let ctor = variants
            .iter()
            .find(|(n, _)| *n == m.name)
            .map(|(_, c)| *c)
            .ok_or_else(|| Error::NotFound {
                what: "enum variant",
                name: format!("{rust} has no variant for stored member \"{}\"", m.name),
            })?;
        let v = src
            .int(&m.value)
            .ok_or_else(|| bad_value("enumeration member value", 0))?;
        table.push((v, ctor));
    }
    table.sort_by_key(|(v, _)| *v);
    Ok(Decoder::element(dtype.element_size(), move |b, _| {
        let v = src
            .int(b)
            .ok_or_else(|| bad_value("enumeration value", 0))?;
        match table.binary_search_by_key(&v, |(k, _)| *k) {
            Ok(i) => Ok((table[i].1)()),
            Err(_) => Err(bad_value("enumeration value without a member", v as u64)),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use h5oxide_format::object_header::message::datatype::{ByteOrder, EnumMember};

    type Variants = Vec<Variant<Level>>;

    #[derive(Debug, PartialEq)]
    enum Level {
        Low,
        High,
    }

    fn level_type() -> Datatype {
        let base = Datatype::integer(2, true, ByteOrder::BigEndian);
        Datatype::new(
            2,
            TypeClass::Enum {
                base: Box::new(base),
                members: vec![
                    EnumMember {
                        name: "LOW".into(),
                        value: (-100i16).to_be_bytes().to_vec(),
                    },
                    EnumMember {
                        name: "HIGH".into(),
                        value: 300i16.to_be_bytes().to_vec(),
                    },
                ],
            },
        )
    }

    #[test]
    fn enums_match_stored_members_by_name() {
        let t = level_type();
        let variants: Variants = vec![("HIGH", || Level::High), ("LOW", || Level::Low)];
        let d = enum_decoder(&t, "Level", variants).unwrap();
        let b: Vec<u8> = [300i16, -100, -100]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let mut out = Vec::new();
        d.decode_all(&b, &Heap::none(), &mut out).unwrap();
        assert_eq!(out, [Level::High, Level::Low, Level::Low]);
        // A stored value without a member.
        assert!(d.decode_one(&7i16.to_be_bytes(), &Heap::none()).is_err());
        // A stored member without a variant.
        let only_low: Variants = vec![("LOW", || Level::Low)];
        let err = enum_decoder(&t, "Level", only_low).err().unwrap();
        assert!(err.to_string().contains("HIGH"), "{err}");
        // Booleans read the values of an enumeration only when they are 0 or 1.
        assert!(bool::decoder(&t)
            .unwrap()
            .decode_one(&300i16.to_be_bytes(), &Heap::none())
            .is_err());
    }

    #[test]
    fn arrays_need_the_stored_element_count() {
        let t = Datatype::new(
            24,
            TypeClass::Array {
                dims: vec![2, 3],
                base: Box::new(Datatype::integer(4, false, ByteOrder::LittleEndian)),
            },
        );
        assert!(<[u32; 5]>::decoder(&t).is_err());
        assert!(<[[u32; 2]; 3]>::decoder(&t).is_err());
        let b: Vec<u8> = (0u32..6).flat_map(|v| v.to_le_bytes()).collect();
        let rows = <[[u32; 3]; 2]>::decoder(&t).unwrap();
        assert_eq!(
            rows.decode_one(&b, &Heap::none()).unwrap(),
            [[0, 1, 2], [3, 4, 5]]
        );
        // Short input is an error, not a panic.
        assert!(rows.decode_one(&b[..20], &Heap::none()).is_err());
    }
}
