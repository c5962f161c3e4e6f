//! Rust types that can be written as HDF5 elements, and the datatypes they are stored as.

use h5oxide_format::object_header::message::datatype::{
    ByteOrder, CharSet, CompoundMember, Datatype, EnumMember, StringPadding, TypeClass,
};
use num_complex::Complex;

/// A Rust type whose values are written as HDF5 elements of one datatype.
///
/// Implemented for:
///
/// - `i8`..`i64`, `u8`..`u64`, `f32`, `f64` (little-endian, as NumPy writes on every common
///   platform) and `bool` (h5py's enumeration `FALSE = 0, TRUE = 1` over a signed 8-bit
///   integer);
/// - `[T; N]`: an array type of `N` elements (nest arrays for more dimensions);
/// - `num_complex::Complex<f32>` / `Complex<f64>`: h5py's compound `{r, i}`;
/// - [`FixedAscii`](crate::types::FixedAscii) and [`FixedUtf8`](crate::types::FixedUtf8):
///   fixed-length strings;
/// - [`VarLenArray`](crate::types::VarLenArray), [`VarLenUnicode`](crate::types::VarLenUnicode)
///   and [`VarLenAscii`](crate::types::VarLenAscii): variable-length sequences and strings,
///   whose data goes to the global heap;
/// - [`ObjectRef`](crate::types::ObjectRef) and [`RegionRef`](crate::types::RegionRef):
///   object and dataset region references;
/// - structs and C-like enums with `#[derive(H5Type)]`.
///
/// Types that hold variable-length data (or region references) are written through
/// [`H5Write::write_elements`]; their [`H5Write::write_bytes`] writes null values in their
/// place, so only the paths that take [`Elements`] (the dataset builder's `with_data` and
/// `with_scalar`) store them.
///
/// ```
/// use h5oxide::H5Write;
/// // The stored types NumPy would give these values.
/// assert_eq!(i32::write_type().descriptor(), "<i4");
/// assert_eq!(<[f64; 3]>::write_type().element_size(), 24);
/// let mut b = Vec::new();
/// u16::write_bytes(&[1, 0x0203], &mut b);
/// assert_eq!(b, [1, 0, 3, 2]);
/// ```
pub trait H5Write: Sized + 'static {
    /// The stored datatype.
    ///
    /// ```
    /// use h5oxide::H5Write;
    /// assert_eq!(u64::write_type().descriptor(), "<u8");
    /// assert_eq!(bool::write_type().element_size(), 1);
    /// ```
    fn write_type() -> Datatype;

    /// Appends the stored bytes of `values`.
    ///
    /// ```
    /// use h5oxide::H5Write;
    /// let mut out = vec![0xaa];
    /// f32::write_bytes(&[1.0], &mut out);
    /// assert_eq!(out, [0xaa, 0x00, 0x00, 0x80, 0x3f]);
    /// ```
    fn write_bytes(values: &[Self], out: &mut Vec<u8>);

    /// Appends the stored elements of `values` with the variable-length data they refer to.
    /// The default is [`H5Write::write_bytes`], for types without such data.
    ///
    /// ```
    /// use h5oxide::write::types::Elements;
    /// use h5oxide::H5Write;
    /// let mut e = Elements::new();
    /// // A string's text goes to the heap; its element is a length and a heap ID.
    /// String::write_elements(&["abc".to_string()], &mut e);
    /// assert_eq!(e.bytes().len(), 16);
    /// assert_eq!(&e.bytes()[..4], &[3, 0, 0, 0]);
    /// assert!(e.has_heap_data());
    /// ```
    fn write_elements(values: &[Self], out: &mut Elements) {
        Self::write_bytes(values, &mut out.bytes);
    }

    /// The stored bytes of `values` as they lie in memory, when that is their stored form
    /// (integers and floats on little-endian machines); `None` (the default) when they must
    /// be converted. Writers then hand the caller's memory to the file as it is.
    ///
    /// ```
    /// use h5oxide::H5Write;
    /// # #[cfg(target_endian = "little")]
    /// assert_eq!(u16::stored_view(&[1, 0x0203]), Some(&[1u8, 0, 3, 2][..]));
    /// assert_eq!(bool::stored_view(&[true]), None);
    /// ```
    fn stored_view(values: &[Self]) -> Option<&[u8]> {
        let _ = values;
        None
    }
}

/// Stored elements under construction: their bytes, and the variable-length data (global
/// heap objects) some of them refer to, written when the elements are stored.
///
/// ```
/// use h5oxide::write::types::Elements;
/// use h5oxide::H5Write;
/// let mut e = Elements::new();
/// <Vec<u16>>::write_elements(&[vec![1, 2]], &mut e);
/// // A 32-bit count, then a heap ID set when the elements are written to a file.
/// assert_eq!(&e.bytes()[..4], &2u32.to_le_bytes());
/// assert!(e.has_heap_data());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Elements {
    bytes: Vec<u8>,
    heap: Vec<HeapItem>,
}

/// One global heap object an element refers to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeapItem {
    /// Byte position of the reference in the elements' bytes.
    pub(crate) at: usize,
    /// The element count stored before the heap ID (variable-length data), or `None` for a
    /// bare heap ID (a region reference).
    pub(crate) count: Option<u32>,
    /// The object's contents (which may refer to heap objects in turn).
    pub(crate) data: Elements,
}

/// Bytes of a global heap ID with 8-byte addresses, the size h5oxide writes (spec III.E).
pub(crate) const HEAP_ID_SIZE: usize = 12;

impl Elements {
    /// No elements.
    ///
    /// ```
    /// use h5oxide::write::types::Elements;
    /// let e = Elements::new();
    /// assert!(e.bytes().is_empty());
    /// assert!(!e.has_heap_data());
    /// ```
    pub fn new() -> Self {
        Elements::default()
    }

    /// As attribute or dataset data: plain bytes when nothing refers to the heap.
    pub(crate) fn into_data(self, dtype: &Datatype) -> crate::write::AttrData {
        if self.has_heap_data() || dtype.has_variable_length() {
            crate::write::AttrData::Elements(self)
        } else {
            crate::write::AttrData::Bytes(self.bytes)
        }
    }

    /// The stored bytes (heap references still unset).
    ///
    /// ```
    /// use h5oxide::write::types::Elements;
    /// use h5oxide::H5Write;
    /// let mut e = Elements::new();
    /// i16::write_elements(&[-2], &mut e);
    /// assert_eq!(e.bytes(), [0xfe, 0xff]);
    /// ```
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The stored bytes, to append fixed-size elements.
    ///
    /// ```
    /// use h5oxide::write::types::Elements;
    /// let mut e = Elements::new();
    /// e.bytes_mut().extend_from_slice(&7u32.to_le_bytes());
    /// assert_eq!(e.bytes(), [7, 0, 0, 0]);
    /// ```
    pub fn bytes_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// True when some element refers to variable-length data.
    ///
    /// ```
    /// use h5oxide::write::types::Elements;
    /// use h5oxide::H5Write;
    /// let mut fixed = Elements::new();
    /// u8::write_elements(&[1, 2], &mut fixed);
    /// assert!(!fixed.has_heap_data());
    /// let mut strings = Elements::new();
    /// String::write_elements(&["text".to_string()], &mut strings);
    /// assert!(strings.has_heap_data());
    /// ```
    pub fn has_heap_data(&self) -> bool {
        !self.heap.is_empty()
    }

    /// Appends a variable-length element (spec IV.A.2.d, class 9): `count` items whose
    /// stored form is `data`; the element is the count and a heap ID.
    ///
    /// ```
    /// use h5oxide::write::types::Elements;
    /// let mut items = Elements::new();
    /// items.bytes_mut().extend_from_slice(b"abc");
    /// let mut e = Elements::new();
    /// e.push_var_len(3, items);
    /// // A 4-byte count and a 12-byte heap ID, filled in when written.
    /// assert_eq!(e.bytes().len(), 16);
    /// assert_eq!(&e.bytes()[..4], &[3, 0, 0, 0]);
    /// assert!(e.has_heap_data());
    /// ```
    pub fn push_var_len(&mut self, count: u32, data: Elements) {
        let at = self.bytes.len();
        self.bytes.extend_from_slice(&count.to_le_bytes());
        self.bytes.resize(at + 4 + HEAP_ID_SIZE, 0);
        if count > 0 || !data.bytes.is_empty() {
            self.heap.push(HeapItem {
                at,
                count: Some(count),
                data,
            });
        }
    }

    /// Appends a bare heap ID referring to an object holding `data` (a region reference,
    /// spec VIII.C).
    ///
    /// ```
    /// use h5oxide::write::types::Elements;
    /// let mut e = Elements::new();
    /// e.push_heap_id(Elements::new());
    /// assert_eq!(e.bytes(), [0; 12]);
    /// assert!(e.has_heap_data());
    /// ```
    pub fn push_heap_id(&mut self, data: Elements) {
        let at = self.bytes.len();
        self.bytes.resize(at + HEAP_ID_SIZE, 0);
        self.heap.push(HeapItem {
            at,
            count: None,
            data,
        });
    }

    /// Appends `size` zero bytes (the frame of a compound element) and returns where they start.
    ///
    /// ```
    /// use h5oxide::write::types::Elements;
    /// let mut e = Elements::new();
    /// e.bytes_mut().push(9);
    /// assert_eq!(e.start_element(4), 1);
    /// assert_eq!(e.bytes(), [9, 0, 0, 0, 0]);
    /// ```
    pub fn start_element(&mut self, size: usize) -> usize {
        let at = self.bytes.len();
        self.bytes.resize(at + size, 0);
        at
    }

    /// Copies `part` over the bytes at `at` (which must exist), keeping its heap references.
    ///
    /// ```
    /// use h5oxide::write::types::Elements;
    /// use h5oxide::H5Write;
    /// // A 6-byte compound element {a: u16 at 0, b: u32 at 2}.
    /// let mut e = Elements::new();
    /// let at = e.start_element(6);
    /// let mut b = Elements::new();
    /// u32::write_elements(&[0x0a0b0c0d], &mut b);
    /// e.place(at + 2, b);
    /// assert_eq!(e.bytes(), [0, 0, 0x0d, 0x0c, 0x0b, 0x0a]);
    /// ```
    pub fn place(&mut self, at: usize, part: Elements) {
        let end = at.saturating_add(part.bytes.len()).min(self.bytes.len());
        let n = end.saturating_sub(at);
        if n > 0 {
            self.bytes[at..end].copy_from_slice(&part.bytes[..n]);
        }
        for mut h in part.heap {
            h.at += at;
            self.heap.push(h);
        }
    }

    /// The bytes and heap objects.
    pub(crate) fn into_parts(self) -> (Vec<u8>, Vec<HeapItem>) {
        (self.bytes, self.heap)
    }
}

/// A compound type whose members are laid out at the given offsets, or one after another
/// (h5py's default `np.dtype` packing) where the offset is `None`; a member never starts
/// before the previous one ends. The size is at least `min_size`.
#[doc(hidden)]
pub fn compound_type(members: Vec<(&str, Datatype, Option<usize>)>, min_size: usize) -> Datatype {
    let mut end = 0usize;
    let mut out = Vec::with_capacity(members.len());
    for (name, t, at) in members {
        let off = at.unwrap_or(end).max(end);
        end = off + t.element_size();
        out.push(CompoundMember::new(name, off as u32, t));
    }
    Datatype::new(
        end.max(min_size) as u32,
        TypeClass::Compound { members: out },
    )
}

/// The offsets of a compound's members, in stored order.
#[doc(hidden)]
pub fn member_offsets(t: &Datatype) -> Vec<usize> {
    match &t.class {
        TypeClass::Compound { members } => members.iter().map(|m| m.offset as usize).collect(),
        _ => Vec::new(),
    }
}

/// Writes one field of a compound element at `at`.
#[doc(hidden)]
pub fn put_field<F: H5Write>(out: &mut Elements, at: usize, value: &F) {
    let mut part = Elements::new();
    F::write_elements(std::slice::from_ref(value), &mut part);
    out.place(at, part);
}

/// An enumeration over `base` with the members `(name, value)` (value as little-endian
/// bytes of the base type).
#[doc(hidden)]
pub fn enum_type(base: Datatype, members: Vec<(&str, Vec<u8>)>) -> Datatype {
    let size = base.size;
    Datatype::new(
        size,
        TypeClass::Enum {
            base: Box::new(base),
            members: members
                .into_iter()
                .map(|(n, v)| EnumMember {
                    name: n.to_owned(),
                    value: v,
                })
                .collect(),
        },
    )
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

            fn stored_view(values: &[Self]) -> Option<&[u8]> {
                // Stored little-endian (spec IV.A.2.d): memory is that form on such machines.
                #[cfg(target_endian = "little")]
                return Some(bytemuck::cast_slice(values));
                #[cfg(not(target_endian = "little"))]
                return None;
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

            fn stored_view(values: &[Self]) -> Option<&[u8]> {
                // Stored little-endian (spec IV.A.2.d): memory is that form on such machines.
                #[cfg(target_endian = "little")]
                return Some(bytemuck::cast_slice(values));
                #[cfg(not(target_endian = "little"))]
                return None;
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

impl<T: H5Write, const N: usize> H5Write for [T; N] {
    fn write_type() -> Datatype {
        // Nested Rust arrays become one array type of several dimensions, as NumPy's
        // subarray dtypes do (spec IV.A.2.d, class 10).
        let inner = T::write_type();
        let (mut dims, base) = match inner.class {
            TypeClass::Array { dims, base } => (dims, *base),
            _ => (Vec::new(), inner),
        };
        dims.insert(0, N as u32);
        let n: u32 = dims.iter().product();
        Datatype::new(
            n.saturating_mul(base.size),
            TypeClass::Array {
                dims,
                base: Box::new(base),
            },
        )
    }

    fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
        for v in values {
            T::write_bytes(v, out);
        }
    }

    fn write_elements(values: &[Self], out: &mut Elements) {
        for v in values {
            T::write_elements(v, out);
        }
    }
}

macro_rules! complex_write {
    ($($t:ty),*) => {$(
        impl H5Write for Complex<$t> {
            /// h5py's complex type: a compound of `r` and `i`.
            fn write_type() -> Datatype {
                let part = <$t>::write_type();
                let size = part.size;
                Datatype::new(
                    2 * size,
                    TypeClass::Compound {
                        members: vec![
                            CompoundMember::new("r", 0, part.clone()),
                            CompoundMember::new("i", size, part),
                        ],
                    },
                )
            }

            fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
                out.reserve(values.len() * 2 * std::mem::size_of::<$t>());
                for v in values {
                    out.extend_from_slice(&v.re.to_le_bytes());
                    out.extend_from_slice(&v.im.to_le_bytes());
                }
            }
        }
    )*};
}

complex_write!(f32, f64);

macro_rules! tuple_write {
    ($($t:ident $i:tt),*) => {
        /// A compound with members named `"0"`, `"1"`, ..., packed.
        impl<$($t: H5Write),*> H5Write for ($($t,)*) {
            fn write_type() -> Datatype {
                compound_type(vec![$((stringify!($i), $t::write_type(), None)),*], 0)
            }

            fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
                let mut e = Elements::new();
                Self::write_elements(values, &mut e);
                out.extend_from_slice(e.bytes());
            }

            fn write_elements(values: &[Self], out: &mut Elements) {
                let t = Self::write_type();
                let offs = member_offsets(&t);
                for v in values {
                    let base = out.start_element(t.element_size());
                    $(put_field(out, base + offs[$i], &v.$i);)*
                }
            }
        }
    };
}
tuple_write!(A 0);
tuple_write!(A 0, B 1);
tuple_write!(A 0, B 1, C 2);
tuple_write!(A 0, B 1, C 2, D 3);

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
///
/// ```
/// use h5oxide::write::types::fixed_string_type;
/// assert_eq!(fixed_string_type(8, false).descriptor(), "|S8:nullpad:ascii");
/// assert_eq!(fixed_string_type(8, true).descriptor(), "|S8:nullpad:utf8");
/// ```
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
///
/// ```
/// use h5oxide::write::types::vlen_string_type;
/// let t = vlen_string_type();
/// assert!(t.is_variable_length());
/// assert_eq!(t, <String as h5oxide::H5Write>::write_type());
/// ```
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
///
/// ```
/// use h5oxide::WriteData;
/// let a = h5oxide::ndarray::Array2::<u8>::zeros((2, 3));
/// assert_eq!(a.data_shape(), [2, 3]);
/// // A transposed view is written in its logical row-major order.
/// let t = h5oxide::ndarray::array![[1u8, 2], [3, 4]].reversed_axes();
/// assert_eq!(t.data_bytes(), [1, 3, 2, 4]);
/// assert_eq!([1.0f32, 2.0].data_shape(), [2]);
/// ```
pub trait WriteData {
    /// The element type.
    type Elem: H5Write;

    /// The shape of the data.
    ///
    /// ```
    /// use h5oxide::WriteData;
    /// assert_eq!(vec![1i32, 2, 3].data_shape(), [3]);
    /// assert_eq!(h5oxide::ndarray::Array3::<u8>::zeros((2, 3, 4)).data_shape(), [2, 3, 4]);
    /// ```
    fn data_shape(&self) -> Vec<u64>;

    /// The stored bytes of every element, row-major.
    ///
    /// ```
    /// use h5oxide::WriteData;
    /// assert_eq!([1u16, 2].data_bytes(), [1, 0, 2, 0]);
    /// ```
    fn data_bytes(&self) -> Vec<u8>;

    /// The stored elements with the variable-length data they refer to.
    ///
    /// ```
    /// use h5oxide::WriteData;
    /// let e = ["x".to_string(), "yz".to_string()].data_elements();
    /// // Two variable-length elements of 16 bytes, with their text for the heap.
    /// assert_eq!(e.bytes().len(), 32);
    /// assert!(e.has_heap_data());
    /// ```
    fn data_elements(&self) -> Elements;

    /// The elements as one slice in row-major order, when they are held that way (slices,
    /// `Vec`s, arrays, standard-layout ndarrays); `None` otherwise. Large writes convert
    /// such data to its stored form a piece at a time instead of copying it whole.
    ///
    /// ```
    /// use h5oxide::WriteData;
    /// assert_eq!(vec![1i32, 2].as_elements(), Some(&[1i32, 2][..]));
    /// let a = h5oxide::ndarray::array![[1u8, 2], [3, 4]];
    /// assert_eq!(a.as_elements(), Some(&[1u8, 2, 3, 4][..]));
    /// // A transposed view is not row-major in memory.
    /// assert_eq!(a.t().as_elements(), None);
    /// ```
    fn as_elements(&self) -> Option<&[Self::Elem]> {
        None
    }
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

    fn data_elements(&self) -> Elements {
        let mut out = Elements::new();
        T::write_elements(self, &mut out);
        out
    }

    fn as_elements(&self) -> Option<&[T]> {
        Some(self)
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

    fn data_elements(&self) -> Elements {
        self.as_slice().data_elements()
    }

    fn as_elements(&self) -> Option<&[T]> {
        Some(self.as_slice())
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

    fn data_elements(&self) -> Elements {
        self.as_slice().data_elements()
    }

    fn as_elements(&self) -> Option<&[T]> {
        Some(self.as_slice())
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
                for v in self.iter() {
                    T::write_bytes(std::slice::from_ref(v), &mut out);
                }
            }
        }
        out
    }

    fn data_elements(&self) -> Elements {
        let mut out = Elements::new();
        match self.as_slice() {
            Some(s) => T::write_elements(s, &mut out),
            None => {
                for v in self.iter() {
                    T::write_elements(std::slice::from_ref(v), &mut out);
                }
            }
        }
        out
    }

    fn as_elements(&self) -> Option<&[T]> {
        self.as_slice()
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
