//! Values of any HDF5 datatype, decoded from their stored bytes at run time: the path for
//! data whose type is only known when the file is read (the CLI, HDF5/JSON, generic tools).

use std::sync::{Arc, Mutex};

use h5oxide_format::heap::global::{GlobalHeapCollection, GlobalHeapId};
use h5oxide_format::object_header::message::datatype::{
    ByteOrder, CharSet, Datatype, StringPadding, TypeClass, VarLenKind,
};
use h5oxide_format::selection::Selection as StoredSelection;
use h5oxide_format::{Context, Cursor, ErrorKind, FormatError};

use crate::error::Result;

/// One element of any datatype.
///
/// ```
/// use h5oxide::Value;
/// let file = h5oxide::File::in_memory()?;
/// let ds = file.root().new_dataset_builder().with_data(&[1.5f32, -2.0]).create("x")?;
/// // Any type, no Rust type named: h5py's ds[()].tolist()
/// assert_eq!(ds.read_values()?, [Value::Float(1.5), Value::Float(-2.0)]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A floating-point number (half, single and double precision convert exactly).
    Float(f64),
    /// A string (fixed or variable length) that is valid UTF-8, padding removed.
    String(String),
    /// A string that is not valid UTF-8, padding removed.
    Bytes(Vec<u8>),
    /// An enumeration: the stored integer and the member name it maps to.
    Enum {
        /// The stored value.
        value: i64,
        /// The name of the member with that value, if any.
        name: Option<String>,
    },
    /// A compound element: members in stored order.
    Compound(Vec<(String, Value)>),
    /// A fixed-size array element: its dims and its elements in row-major order.
    Array {
        /// Dimension sizes.
        dims: Vec<u32>,
        /// Elements.
        values: Vec<Value>,
    },
    /// A variable-length sequence.
    Sequence(Vec<Value>),
    /// An object reference: the referenced object's header address (0 = null).
    ObjectRef(u64),
    /// A dataset region reference: the dataset's address and the selection.
    RegionRef {
        /// Header address of the dataset.
        object: u64,
        /// The selected region.
        selection: StoredSelection,
    },
    /// A revised (HDF5 1.12) reference: an object, a region or an attribute.
    Reference(crate::types::Reference),
    /// Opaque, bitfield or time data: the stored bytes in file order.
    Raw(Vec<u8>),
    /// A complex number (real, imaginary).
    Complex(f64, f64),
    /// An unset variable-length value or null region reference.
    Null,
}

/// Reads variable-length data and region references from the file's global heap.
pub(crate) trait HeapSource {
    /// The bytes of a global heap object.
    fn global_heap_object(&self, id: &GlobalHeapId) -> Result<Vec<u8>>;
    /// The global heap collection at `address`, decoded.
    fn global_heap_collection(&self, address: u64) -> Result<GlobalHeapCollection>;
    /// The file's sizes.
    fn context(&self) -> Context;
}

/// A heap source that keeps the last global heap collection it decoded (spec III.E): the
/// elements of one read mostly refer to the objects of one collection in turn, which would
/// otherwise be read and decoded again for each element. Made for one read and dropped
/// after it, so it never outlives a change to the file.
pub(crate) struct CachedHeap<'a> {
    src: &'a dyn HeapSource,
    last: Mutex<Option<(u64, Arc<GlobalHeapCollection>)>>,
}

impl<'a> CachedHeap<'a> {
    pub(crate) fn new(src: &'a dyn HeapSource) -> Self {
        CachedHeap {
            src,
            last: Mutex::new(None),
        }
    }

    /// Calls `f` with the bytes of the object `id` names, lent from the cached collection
    /// (no copy of the object).
    pub(crate) fn with_object<R>(
        &self,
        id: &GlobalHeapId,
        f: impl FnOnce(&[u8]) -> Result<R>,
    ) -> Result<R> {
        let coll = {
            let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            match &*last {
                Some((a, c)) if *a == id.collection => c.clone(),
                _ => {
                    let c = Arc::new(self.src.global_heap_collection(id.collection)?);
                    *last = Some((id.collection, c.clone()));
                    c
                }
            }
        };
        match u16::try_from(id.index).ok().and_then(|i| coll.object(i)) {
            Some(o) => f(&o.data),
            None => Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "heap object index",
                    value: u64::from(id.index),
                },
                "global heap collection",
                id.collection,
            )
            .into()),
        }
    }
}

impl HeapSource for CachedHeap<'_> {
    fn global_heap_object(&self, id: &GlobalHeapId) -> Result<Vec<u8>> {
        self.with_object(id, |d| Ok(d.to_vec()))
    }

    fn global_heap_collection(&self, address: u64) -> Result<GlobalHeapCollection> {
        self.src.global_heap_collection(address)
    }

    fn context(&self) -> Context {
        self.src.context()
    }
}

const STRUCTURE: &str = "data element";

fn fail(kind: ErrorKind) -> crate::Error {
    FormatError::new(kind, STRUCTURE, 0).into()
}

/// Bytes of `b` as an integer of `order`, zero-extended to 64 bits (sizes up to 8).
fn uint_of(b: &[u8], order: ByteOrder) -> Result<u64> {
    if b.len() > 8 {
        return Err(fail(ErrorKind::Unsupported {
            what: "integers wider than 64 bits",
        }));
    }
    let mut v = 0u64;
    match order {
        ByteOrder::BigEndian => {
            for &x in b {
                v = (v << 8) | u64::from(x);
            }
        }
        _ => {
            for &x in b.iter().rev() {
                v = (v << 8) | u64::from(x);
            }
        }
    }
    Ok(v)
}

fn int_value(
    b: &[u8],
    order: ByteOrder,
    signed: bool,
    precision: u16,
    offset: u16,
) -> Result<Value> {
    let raw = uint_of(b, order)?;
    let bits = (b.len() * 8) as u32;
    let prec = u32::from(precision).clamp(1, bits);
    let off = u32::from(offset).min(bits - prec);
    let v = if prec == 64 {
        raw
    } else {
        (raw >> off) & ((1u64 << prec) - 1)
    };
    Ok(if signed {
        let shift = 64 - prec;
        Value::Int(((v << shift) as i64) >> shift)
    } else {
        Value::UInt(v)
    })
}

/// Decodes a float of any layout the datatype message can describe (the conversion typed
/// reads use: IEEE layouts, other bit layouts, VAX order).
fn float_value(b: &[u8], dtype: &Datatype) -> Result<f64> {
    crate::types::numeric::decoder::<f64>(dtype)?.decode_one(b, &crate::h5type::Heap::none())
}

/// Removes a fixed string's padding as its padding type says.
pub(crate) fn unpad(b: &[u8], padding: StringPadding) -> &[u8] {
    match padding {
        StringPadding::NullTerminate | StringPadding::NullPad => {
            let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
            &b[..end]
        }
        StringPadding::SpacePad => {
            let end = b.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
            &b[..end]
        }
    }
}

fn text(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => Value::String(s.to_owned()),
        Err(_) => Value::Bytes(b.to_vec()),
    }
}

/// Decodes one element of `dtype` from its stored bytes `b` (exactly `dtype.size` bytes).
/// Variable-length data and region references are read through `heap`; `depth` bounds
/// nesting.
pub(crate) fn decode_value(
    dtype: &Datatype,
    b: &[u8],
    heap: &dyn HeapSource,
    depth: u32,
) -> Result<Value> {
    if depth > 32 {
        return Err(fail(ErrorKind::LimitExceeded {
            limit: "max_depth",
            requested: u64::from(depth),
            allowed: 32,
        }));
    }
    if b.len() < dtype.element_size() {
        return Err(fail(ErrorKind::UnexpectedEof {
            needed: dtype.element_size() as u64,
            available: b.len() as u64,
        }));
    }
    let b = &b[..dtype.element_size()];
    Ok(match &dtype.class {
        TypeClass::FixedPoint {
            order,
            signed,
            precision,
            bit_offset,
            ..
        } => int_value(b, *order, *signed, *precision, *bit_offset)?,
        TypeClass::FloatingPoint { .. } => Value::Float(float_value(b, dtype)?),
        TypeClass::Time { .. } | TypeClass::Bitfield { .. } | TypeClass::Opaque { .. } => {
            Value::Raw(b.to_vec())
        }
        TypeClass::String { padding, .. } => text(unpad(b, *padding)),
        TypeClass::Compound { members } => {
            let mut out = Vec::with_capacity(members.len());
            for m in members {
                let start = m.offset as usize;
                let len = m.extent().unwrap_or(u64::MAX) as usize;
                let Some(mb) = b.get(start..start.saturating_add(len)) else {
                    return Err(fail(ErrorKind::InvalidValue {
                        field: "compound member offset",
                        value: u64::from(m.offset),
                    }));
                };
                let v = match &m.v1_array {
                    Some(a) => {
                        let values = decode_many(&m.dtype, mb, heap, depth + 1)?;
                        Value::Array {
                            dims: a.dims.clone(),
                            values,
                        }
                    }
                    None => decode_value(&m.dtype, mb, heap, depth + 1)?,
                };
                out.push((m.name.clone(), v));
            }
            Value::Compound(out)
        }
        TypeClass::Enum { base, members } => {
            let v = match decode_value(base, b, heap, depth + 1)? {
                Value::Int(i) => i,
                Value::UInt(u) => u as i64,
                _ => {
                    return Err(fail(ErrorKind::Unsupported {
                        what: "enumeration over a non-integer type",
                    }))
                }
            };
            let name = members
                .iter()
                .find(|m| m.value.as_slice() == b)
                .map(|m| m.name.clone());
            Value::Enum { value: v, name }
        }
        TypeClass::Array { dims, base } => Value::Array {
            dims: dims.clone(),
            values: decode_many(base, b, heap, depth + 1)?,
        },
        TypeClass::VarLen { kind, base } => {
            let ctx = heap.context();
            let mut c = Cursor::new(b, 0, STRUCTURE);
            let len = c.u32()?;
            let id = GlobalHeapId::decode(&mut c, &ctx)?;
            if id.is_null() {
                return Ok(if len == 0 {
                    match kind {
                        VarLenKind::String { .. } => Value::String(String::new()),
                        VarLenKind::Sequence => Value::Sequence(Vec::new()),
                    }
                } else {
                    Value::Null
                });
            }
            let data = heap.global_heap_object(&id)?;
            match kind {
                VarLenKind::String { padding, .. } => {
                    let n = (len as usize).min(data.len());
                    text(unpad(&data[..n], *padding))
                }
                VarLenKind::Sequence => {
                    let es = base.element_size();
                    let need = (len as usize).saturating_mul(es);
                    let Some(items) = data.get(..need) else {
                        return Err(fail(ErrorKind::UnexpectedEof {
                            needed: need as u64,
                            available: data.len() as u64,
                        }));
                    };
                    Value::Sequence(decode_many(base, items, heap, depth + 1)?)
                }
            }
        }
        TypeClass::Reference { kind } => {
            use h5oxide_format::object_header::message::datatype::ReferenceKind as K;
            let ctx = heap.context();
            let mut c = Cursor::new(b, 0, STRUCTURE);
            match kind {
                K::Object => Value::ObjectRef(c.offset_field(&ctx)?),
                K::DatasetRegion => {
                    let id = GlobalHeapId::decode(&mut c, &ctx)?;
                    if id.is_null() {
                        return Ok(Value::Null);
                    }
                    let data = heap.global_heap_object(&id)?;
                    let mut hc = Cursor::new(&data, 0, "region reference");
                    let object = hc.offset_field(&ctx)?;
                    let selection = StoredSelection::decode(&mut hc)?;
                    Value::RegionRef { object, selection }
                }
                // spec VIII.B: the reference header, then inline or in the global heap.
                _ => Value::Reference(crate::types::reference::decode_revised_with(
                    b,
                    &ctx,
                    &|id| heap.global_heap_object(id),
                )?),
            }
        }
        TypeClass::Complex { base, .. } => {
            let half = base.element_size();
            let re = decode_value(base, &b[..half], heap, depth + 1)?;
            let im = decode_value(base, &b[half..], heap, depth + 1)?;
            match (re, im) {
                (Value::Float(r), Value::Float(i)) => Value::Complex(r, i),
                _ => {
                    return Err(fail(ErrorKind::Unsupported {
                        what: "complex numbers over a non-float type",
                    }))
                }
            }
        }
    })
}

impl Value {
    /// Decodes consecutive elements of `dtype` from their stored bytes `b` (a fill value,
    /// bytes from [`crate::Dataset::read_bytes`]); variable-length data and references are
    /// resolved in `file`.
    ///
    /// ```
    /// use h5oxide::{H5Write, Value};
    /// let file = h5oxide::File::in_memory()?;
    /// let bytes = [0xff, 0xff, 0x02, 0x00]; // two little-endian i16: -1, 2
    /// let values = Value::decode_all(&i16::write_type(), &bytes, &file)?;
    /// assert_eq!(values, [Value::Int(-1), Value::Int(2)]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// Bytes that do not decode as `dtype`.
    pub fn decode_all(dtype: &Datatype, b: &[u8], file: &crate::File) -> Result<Vec<Value>> {
        decode_many(dtype, b, file, 0)
    }
}

/// Decodes consecutive elements of `dtype` filling `b`.
pub(crate) fn decode_many(
    dtype: &Datatype,
    b: &[u8],
    heap: &dyn HeapSource,
    depth: u32,
) -> Result<Vec<Value>> {
    let es = dtype.element_size();
    if es == 0 {
        return Ok(Vec::new());
    }
    if matches!(dtype.class, TypeClass::FloatingPoint { .. }) {
        // One converter for every element: building it per element made a read of
        // millions of floats allocate millions of times.
        let d = crate::types::numeric::decoder::<f64>(dtype)?;
        let none = crate::h5type::Heap::none();
        return b
            .chunks_exact(es)
            .map(|e| d.decode_one(e, &none).map(Value::Float))
            .collect();
    }
    let heap = CachedHeap::new(heap);
    b.chunks_exact(es)
        .map(|e| decode_value(dtype, e, &heap, depth))
        .collect()
}

/// The character set of a string type, if `dtype` is one.
///
/// ```
/// use h5oxide::format::object_header::message::datatype::CharSet;
/// use h5oxide::value::string_charset;
/// let file = h5oxide::File::in_memory()?;
/// let s = file.root().new_dataset_builder().with_strings(&["é"]).create("s")?;
/// let b = file.root().new_dataset_builder().with_fixed_strings(&["ab"], 2).create("b")?;
/// assert_eq!(string_charset(s.dtype()), Some(CharSet::Utf8));
/// assert_eq!(string_charset(b.dtype()), Some(CharSet::Ascii));
/// assert_eq!(string_charset(&<u8 as h5oxide::H5Write>::write_type()), None);
/// # Ok::<(), h5oxide::Error>(())
/// ```
pub fn string_charset(dtype: &Datatype) -> Option<CharSet> {
    match &dtype.class {
        TypeClass::String { charset, .. } => Some(*charset),
        TypeClass::VarLen {
            kind: VarLenKind::String { charset, .. },
            ..
        } => Some(*charset),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two collections (at 0x100 and 0x200) of two objects each, counting collection reads.
    struct TwoCollections(std::cell::Cell<u32>);
    impl HeapSource for TwoCollections {
        fn global_heap_object(&self, _id: &GlobalHeapId) -> Result<Vec<u8>> {
            Err(crate::Error::Usage("read through the collection"))
        }
        fn global_heap_collection(&self, address: u64) -> Result<GlobalHeapCollection> {
            self.0.set(self.0.get() + 1);
            let tag = (address >> 8) as u8;
            Ok(GlobalHeapCollection {
                collection_size: 4096,
                objects: (1..=2u16)
                    .map(|index| h5oxide_format::heap::global::GlobalHeapObject {
                        index,
                        refcount: 0,
                        data: vec![tag, index as u8],
                    })
                    .collect(),
            })
        }
        fn context(&self) -> Context {
            Context::DEFAULT
        }
    }

    #[test]
    fn cached_heap_reads_each_collection_once_per_run() {
        let src = TwoCollections(std::cell::Cell::new(0));
        let heap = CachedHeap::new(&src);
        let id = |collection, index| GlobalHeapId { collection, index };
        let mut got = Vec::new();
        for (c, i) in [
            (0x100, 1),
            (0x100, 2),
            (0x100, 1),
            (0x200, 2),
            (0x200, 1),
            (0x100, 2),
        ] {
            got.push(heap.global_heap_object(&id(c, i)).unwrap());
        }
        assert_eq!(
            got,
            [[1, 1], [1, 2], [1, 1], [2, 2], [2, 1], [1, 2]].map(|x| x.to_vec())
        );
        // 0x100, then 0x200, then 0x100 again: the last collection is kept.
        assert_eq!(src.0.get(), 3);
        // A missing object names the collection.
        let e = heap.global_heap_object(&id(0x100, 7)).unwrap_err();
        assert!(e.to_string().contains("heap object index"), "{e}");
    }

    struct NoHeap;
    impl HeapSource for NoHeap {
        fn global_heap_object(&self, _id: &GlobalHeapId) -> Result<Vec<u8>> {
            Err(crate::Error::Usage("no heap"))
        }
        fn global_heap_collection(&self, _address: u64) -> Result<GlobalHeapCollection> {
            Err(crate::Error::Usage("no heap"))
        }
        fn context(&self) -> Context {
            Context::DEFAULT
        }
    }

    #[test]
    fn integers_of_both_orders_and_signs() {
        let t = Datatype::integer(2, true, ByteOrder::BigEndian);
        assert_eq!(
            decode_value(&t, &[0xff, 0xfe], &NoHeap, 0).unwrap(),
            Value::Int(-2)
        );
        let t = Datatype::integer(4, false, ByteOrder::LittleEndian);
        assert_eq!(
            decode_value(&t, &[1, 0, 0, 0x80], &NoHeap, 0).unwrap(),
            Value::UInt(0x8000_0001)
        );
        let t = Datatype::integer(8, true, ByteOrder::LittleEndian);
        assert_eq!(
            decode_value(&t, &(-5i64).to_le_bytes(), &NoHeap, 0).unwrap(),
            Value::Int(-5)
        );
    }

    #[test]
    fn floats_including_half_precision() {
        let t = Datatype::ieee_float(8, ByteOrder::BigEndian);
        assert_eq!(
            decode_value(&t, &1.5f64.to_be_bytes(), &NoHeap, 0).unwrap(),
            Value::Float(1.5)
        );
        let t = Datatype::ieee_float(2, ByteOrder::LittleEndian);
        // 0x3c00 = 1.0, 0xc000 = -2.0, 0x0001 = smallest subnormal 2^-24, 0x7c00 = inf.
        for (bits, want) in [
            (0x3c00u16, 1.0f64),
            (0xc000, -2.0),
            (0x0001, 2f64.powi(-24)),
            (0x7c00, f64::INFINITY),
        ] {
            assert_eq!(
                decode_value(&t, &bits.to_le_bytes(), &NoHeap, 0).unwrap(),
                Value::Float(want),
                "{bits:#x}"
            );
        }
    }

    #[test]
    fn many_floats_decode_with_one_converter() {
        let t = Datatype::ieee_float(4, ByteOrder::LittleEndian);
        let b: Vec<u8> = [1.5f32, -2.0, 0.25]
            .iter()
            .cycle()
            .take(300_000)
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let v = decode_many(&t, &b, &NoHeap, 0).unwrap();
        assert_eq!(v.len(), 300_000);
        assert_eq!(
            v[..4],
            [
                Value::Float(1.5),
                Value::Float(-2.0),
                Value::Float(0.25),
                Value::Float(1.5)
            ]
        );
        assert_eq!(v[299_999], Value::Float(0.25));
    }

    #[test]
    fn fixed_string_padding() {
        assert_eq!(unpad(b"ab\0c", StringPadding::NullTerminate), b"ab");
        assert_eq!(unpad(b"ab  ", StringPadding::SpacePad), b"ab");
        assert_eq!(unpad(b"ab\0\0", StringPadding::NullPad), b"ab");
    }
}
