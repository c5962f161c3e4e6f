//! Setting and removing attributes, stored compactly as attribute messages (spec
//! IV.A.2.m). Dense attribute storage (past 64 KiB of messages) is not written.

use h5oxide_format::object_header::message::attribute::{Attribute as AttrMessage, MaybeShared};
use h5oxide_format::object_header::message::dataspace::Dataspace;
use h5oxide_format::object_header::message::datatype::Datatype;
use h5oxide_format::object_header::message::link::CharacterSet;
use h5oxide_format::object_header::message::{self as message, types, Message};
use h5oxide_format::object_header::prefix;
use h5oxide_format::UNDEFINED_ADDRESS;

use crate::attribute::Attributes;
use crate::error::{Error, Result};
use crate::write::group::begin;
use crate::write::object_header::{raw, rewrite, sink_of};
use crate::write::types::{vlen_string_type, H5Write};
use crate::write::vlen::write_strings;
use crate::write::Libver;

/// The elements of an attribute value: stored bytes, or strings that go to the global heap.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrData {
    /// Stored bytes of every element, row-major.
    Bytes(Vec<u8>),
    /// Variable-length UTF-8 strings.
    Strings(Vec<String>),
}

/// A value that can be stored as an attribute: numbers and `bool` (scalars, slices,
/// vectors, arrays, ndarray arrays) and strings (`str`, `String`, and slices or vectors of
/// them, stored as variable-length UTF-8 strings as h5py stores `str`).
pub trait AttrValue {
    /// The stored datatype.
    fn attr_type(&self) -> Datatype;
    /// The shape; empty for a scalar.
    fn attr_shape(&self) -> Vec<u64>;
    /// The elements.
    fn attr_data(&self) -> AttrData;
}

fn bytes_of<T: H5Write>(v: &[T]) -> AttrData {
    let mut b = Vec::new();
    T::write_bytes(v, &mut b);
    AttrData::Bytes(b)
}

/// An attribute value given as stored bytes of any fixed-size type, for types known only at
/// run time (copying attributes, building them from HDF5/JSON). An empty shape is a scalar.
/// Types holding variable-length data are refused by [`Attributes::set`].
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

impl<T: H5Write> AttrValue for T {
    fn attr_type(&self) -> Datatype {
        T::write_type()
    }
    fn attr_shape(&self) -> Vec<u64> {
        Vec::new()
    }
    fn attr_data(&self) -> AttrData {
        bytes_of(std::slice::from_ref(self))
    }
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
        let v: Vec<T> = self.iter().copied().collect();
        bytes_of(&v)
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

impl AttrValue for Vec<String> {
    fn attr_type(&self) -> Datatype {
        vlen_string_type()
    }
    fn attr_shape(&self) -> Vec<u64> {
        vec![self.len() as u64]
    }
    fn attr_data(&self) -> AttrData {
        AttrData::Strings(self.clone())
    }
}

/// The name an attribute message holds.
fn name_of(
    raw: &h5oxide_format::object_header::RawMessage,
    ctx: &h5oxide_format::Context,
) -> Result<Option<String>> {
    if raw.msg_type != types::ATTRIBUTE {
        return Ok(None);
    }
    match message::decode(raw, ctx)? {
        Message::Attribute(a) => Ok(Some(a.name)),
        _ => Ok(None),
    }
}

fn dense_check(
    h: &h5oxide_format::object_header::ObjectHeader,
    ctx: &h5oxide_format::Context,
) -> Result<()> {
    for m in &h.messages {
        if m.msg_type == types::ATTRIBUTE_INFO {
            if let Message::AttributeInfo(i) = message::decode(m, ctx)? {
                if i.fractal_heap_address != UNDEFINED_ADDRESS {
                    return Err(Error::Usage(
                        "editing attributes in dense storage is not supported",
                    ));
                }
            }
        }
    }
    Ok(())
}

impl Attributes {
    /// Creates or replaces the attribute `name` (h5py's `attrs[name] = value`).
    ///
    /// # Errors
    /// `Usage` for an empty name, or a value whose message would pass 64 KiB (dense
    /// attribute storage is not written) or an object whose attributes are stored densely;
    /// `ReadOnly`; I/O errors.
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
            AttrData::Bytes(_) if dtype.has_variable_length() => {
                return Err(Error::Usage(
                    "raw bytes cannot hold variable-length data: give the values",
                ))
            }
            AttrData::Bytes(b) => b,
            AttrData::Strings(s) => write_strings(&mut ws, &sink, &s)?,
        };
        let mut space = if shape.is_empty() {
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
        if m.data.len() > 65_535 {
            return Err(Error::Usage(
                "attribute larger than 64 KiB (dense attribute storage is not written)",
            ));
        }
        rewrite(&file, &mut ws, address, &mut |h, _| {
            dense_check(h, &ctx)?;
            let mut kept = Vec::with_capacity(h.messages.len() + 1);
            for r in h.messages.drain(..) {
                if name_of(&r, &ctx)?.as_deref() != Some(name) {
                    kept.push(r);
                }
            }
            let mut m = m.clone();
            if h.flags & prefix::flags::ATTR_CREATION_ORDER_TRACKED != 0 {
                // Creation order is tracked: the new attribute comes after every other one,
                // and the attribute info message records the highest index (spec IV.A.2.v).
                let next = kept
                    .iter()
                    .filter(|r| r.msg_type == types::ATTRIBUTE)
                    .filter_map(|r| r.creation_order)
                    .max()
                    .map_or(0, |c| c.saturating_add(1));
                m.creation_order = Some(next);
                for r in kept.iter_mut() {
                    if r.msg_type == types::ATTRIBUTE_INFO {
                        if let Message::AttributeInfo(mut info) = message::decode(r, &ctx)? {
                            let max = info.max_creation_index.unwrap_or(0).max(next);
                            info.max_creation_index = Some(max);
                            *r = raw(&Message::AttributeInfo(info), r.flags, &ctx)?;
                        }
                    }
                }
            }
            kept.push(m);
            h.messages = kept;
            Ok(())
        })?;
        Ok(())
    }

    /// Removes the attribute `name` (h5py's `del attrs[name]`).
    ///
    /// # Errors
    /// `NotFound` if there is no such attribute; `Usage` for densely stored attributes;
    /// `ReadOnly`; I/O errors.
    pub fn remove(&self, name: &str) -> Result<()> {
        let (file, address, path) = self.owner();
        let (file, path) = (file.clone(), path.to_owned());
        let mut ws = begin(&file)?;
        let ctx = file.inner.ctx;
        let mut found = false;
        rewrite(&file, &mut ws, address, &mut |h, _| {
            dense_check(h, &ctx)?;
            let mut kept = Vec::with_capacity(h.messages.len());
            for r in h.messages.drain(..) {
                if name_of(&r, &ctx)?.as_deref() == Some(name) {
                    found = true;
                } else {
                    kept.push(r);
                }
            }
            h.messages = kept;
            if found {
                Ok(())
            } else {
                Err(Error::NotFound {
                    what: "attribute",
                    name: format!("{path}: {name}"),
                })
            }
        })?;
        Ok(())
    }
}
