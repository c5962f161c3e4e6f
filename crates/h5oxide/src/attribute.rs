//! Attributes: small named values on any object, stored compactly as messages in the
//! object header or densely in a fractal heap with a v2 B-tree name index (spec IV.A.2.m,
//! IV.A.2.v).

use h5oxide_format::btree_v2::{self, records::Record, records::RecordParams};
use h5oxide_format::heap::fractal;
use h5oxide_format::object_header::message::attribute::{Attribute as AttrMessage, MaybeShared};
use h5oxide_format::object_header::message::dataspace::{Dataspace, DataspaceKind};
use h5oxide_format::object_header::message::datatype::Datatype;
use h5oxide_format::object_header::message::Message;
use h5oxide_format::{Cursor, ErrorKind, FormatError, UNDEFINED_ADDRESS};

use crate::error::{Error, Result};
use crate::file::File;
use crate::value::{decode_many, Value};

/// The attributes of one object, as a small map.
///
/// ```
/// let file = h5oxide::File::in_memory()?;
/// let ds = file.root().new_dataset::<f32>().shape([3]).create("temps")?;
/// // h5py: ds.attrs["units"] = "K"; ds.attrs["scale"] = [1.0, 0.5]
/// ds.attrs().set("units", "K")?;
/// ds.attrs().set("scale", &[1.0f64, 0.5])?;
/// assert!(ds.attrs().contains("units")?);
/// assert_eq!(ds.attrs().attr("scale")?.shape(), [2]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Attributes {
    file: File,
    address: u64,
    path: String,
}

/// One attribute: its name, type, shape and stored value.
///
/// ```
/// use h5oxide::Value;
/// let file = h5oxide::File::in_memory()?;
/// file.root().attrs().set("version", &3u16)?;
/// let a = file.root().attrs().attr("version")?;
/// assert_eq!(a.name(), "version");
/// assert_eq!(a.dtype().descriptor(), "<u2");
/// assert_eq!(a.values()?, [Value::UInt(3)]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Attribute {
    file: File,
    name: String,
    dtype: Datatype,
    space: Dataspace,
    data: Vec<u8>,
    creation_order: Option<u64>,
}

impl Attributes {
    pub(crate) fn new(file: File, address: u64, path: String) -> Self {
        Attributes {
            file,
            address,
            path,
        }
    }

    pub(crate) fn owner(&self) -> (&File, u64, &str) {
        (&self.file, self.address, &self.path)
    }

    /// Every attribute, in name order.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let attrs = file.root().attrs();
    /// attrs.set("b", &2i32)?;
    /// attrs.set("a", &1i32)?;
    /// let names: Vec<String> = attrs.list()?.iter().map(|a| a.name().to_string()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The object header or the dense attribute storage is malformed.
    pub fn list(&self) -> Result<Vec<Attribute>> {
        let messages = self.file.messages(self.address)?;
        let mut raw: Vec<(AttrMessage, Option<u64>)> = Vec::new();
        let header = self.file.header(self.address)?;
        for (m, r) in messages.iter().zip(header.messages.iter()) {
            match m {
                Message::Attribute(a) => {
                    raw.push((a.clone(), r.creation_order.map(u64::from)));
                }
                Message::AttributeInfo(info) if info.fractal_heap_address != UNDEFINED_ADDRESS => {
                    self.dense(info.fractal_heap_address, info.name_index_address, &mut raw)?;
                }
                _ => {}
            }
        }
        let mut out = Vec::with_capacity(raw.len());
        for (a, order) in raw {
            out.push(self.resolve(a, order)?);
        }
        out.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        Ok(out)
    }

    fn dense(
        &self,
        heap_address: u64,
        name_index: u64,
        out: &mut Vec<(AttrMessage, Option<u64>)>,
    ) -> Result<()> {
        let i = &self.file.inner;
        let mut heap =
            fractal::HeapReader::new(fractal::read_header(&i.src, heap_address, &i.ctx)?);
        let mut ids = Vec::new();
        btree_v2::walk(
            &i.src,
            name_index,
            &i.ctx,
            &i.limits,
            &RecordParams::default(),
            &mut |r| {
                if let Record::AttributeName {
                    heap_id,
                    creation_order,
                    ..
                } = r
                {
                    ids.push((heap_id, creation_order));
                }
                Ok(())
            },
        )?;
        for (id, order) in ids {
            let bytes = heap.read(&i.src, &id, &i.ctx, &i.limits)?;
            let mut c = Cursor::new(&bytes, heap_address, "attribute message (dense)");
            out.push((AttrMessage::decode(&mut c, &i.ctx)?, Some(u64::from(order))));
        }
        Ok(())
    }

    fn resolve(&self, a: AttrMessage, creation_order: Option<u64>) -> Result<Attribute> {
        let dtype = match a.datatype {
            MaybeShared::Inline(t) => t,
            MaybeShared::Shared(s) => {
                match self.file.resolve_shared(0x0003, &s, self.address, 0)? {
                    Message::Datatype(t) => t,
                    _ => return Err(bad("shared attribute datatype", self.address)),
                }
            }
        };
        let space = match a.dataspace {
            MaybeShared::Inline(s) => s,
            MaybeShared::Shared(s) => {
                match self.file.resolve_shared(0x0001, &s, self.address, 0)? {
                    Message::Dataspace(d) => d,
                    _ => return Err(bad("shared attribute dataspace", self.address)),
                }
            }
        };
        Ok(Attribute {
            file: self.file.clone(),
            name: a.name,
            dtype,
            space,
            data: a.data,
            creation_order,
        })
    }

    /// Every attribute in creation order, where the object tracks it (attributes without
    /// a recorded order come last, in name order); name order otherwise.
    ///
    /// ```
    /// // Attributes written attr_11 first and attr_00 last, on a dataset tracking their order.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/creation_order.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("dataset_indexed_attrs")?;
    /// let first = &ds.attrs().list_in_creation_order()?[0];
    /// assert_eq!(first.name(), "attr_11");
    /// assert_eq!(first.creation_order(), Some(0));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Attributes::list`].
    pub fn list_in_creation_order(&self) -> Result<Vec<Attribute>> {
        let mut all = self.list()?;
        all.sort_by_key(|a| a.creation_order.unwrap_or(u64::MAX));
        Ok(all)
    }

    /// Names of the attributes, in name order.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("title", "run 7")?;
    /// file.root().attrs().set("date", "2024-05-01")?;
    /// // h5py: list(f.attrs)
    /// assert_eq!(file.root().attrs().names()?, ["date", "title"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Attributes::list`].
    pub fn names(&self) -> Result<Vec<String>> {
        Ok(self.list()?.into_iter().map(|a| a.name).collect())
    }

    /// The attribute named `name`, as a handle (hdf5-rust's `attr(name)`); to read its
    /// value directly, see [`Attributes::get`].
    ///
    /// ```
    /// use h5oxide::Value;
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("title", "run 7")?;
    /// let a = file.root().attrs().attr("title")?;
    /// assert_eq!(a.values()?, [Value::String("run 7".into())]);
    /// assert!(matches!(file.root().attrs().attr("nope"), Err(h5oxide::Error::NotFound { .. })));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `NotFound` if there is none; as [`Attributes::list`].
    pub fn attr(&self, name: &str) -> Result<Attribute> {
        self.list()?
            .into_iter()
            .find(|a| a.name == name)
            .ok_or_else(|| Error::NotFound {
                what: "attribute",
                name: format!("{}@{name}", self.path),
            })
    }

    /// True if an attribute named `name` exists.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("x", &1u8)?;
    /// // h5py: "x" in f.attrs
    /// assert!(file.root().attrs().contains("x")?);
    /// assert!(!file.root().attrs().contains("y")?);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Attributes::list`].
    pub fn contains(&self, name: &str) -> Result<bool> {
        Ok(self.list()?.iter().any(|a| a.name == name))
    }
}

fn bad(field: &'static str, at: u64) -> Error {
    FormatError::new(ErrorKind::InvalidValue { field, value: 0 }, "attribute", at).into()
}

impl Attribute {
    /// The file the attribute belongs to (its variable-length values live in that file's
    /// global heap).
    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// The attribute's name.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("gain", &2.5f32)?;
    /// assert_eq!(file.root().attrs().list()?[0].name(), "gain");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its datatype.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("gain", &2.5f32)?;
    /// assert_eq!(file.root().attrs().attr("gain")?.dtype().descriptor(), "<f4");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn dtype(&self) -> &Datatype {
        &self.dtype
    }

    /// Its dataspace.
    ///
    /// ```
    /// use h5oxide::format::object_header::message::dataspace::DataspaceKind;
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("gain", &2.5f32)?;
    /// file.root().attrs().set("bins", &[1u8, 2, 3])?;
    /// assert_eq!(file.root().attrs().attr("gain")?.space().kind, DataspaceKind::Scalar);
    /// assert_eq!(file.root().attrs().attr("bins")?.space().dims, [3]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn space(&self) -> &Dataspace {
        &self.space
    }

    /// Its shape (empty for scalar and null dataspaces).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let m = h5oxide::ndarray::array![[1i32, 0], [0, 1]];
    /// file.root().attrs().set("identity", &m)?;
    /// file.root().attrs().set("one", &1i32)?;
    /// assert_eq!(file.root().attrs().attr("identity")?.shape(), [2, 2]);
    /// assert!(file.root().attrs().attr("one")?.shape().is_empty());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn shape(&self) -> Vec<u64> {
        self.space.dims.clone()
    }

    /// Creation order, where the object tracks it.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/creation_order.h5");
    /// let ds = h5oxide::File::open(path)?.root().dataset("dataset_indexed_attrs")?;
    /// // attr_00 was written last of twelve.
    /// assert_eq!(ds.attrs().attr("attr_00")?.creation_order(), Some(11));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn creation_order(&self) -> Option<u64> {
        self.creation_order
    }

    /// The stored bytes of the value (exactly element count times element size).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("pair", &[1u16, 258])?;
    /// // Little-endian u16 values, as stored.
    /// assert_eq!(file.root().attrs().attr("pair")?.raw()?, [1, 0, 2, 1]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The stored value is shorter than its type and shape need.
    pub fn raw(&self) -> Result<&[u8]> {
        let n = match self.space.kind {
            DataspaceKind::Null => 0,
            DataspaceKind::Scalar => 1,
            DataspaceKind::Simple => self.space.element_count().unwrap_or(u64::MAX),
        };
        let len = n.saturating_mul(self.dtype.element_size() as u64);
        self.data
            .get(..usize::try_from(len).unwrap_or(usize::MAX))
            .ok_or_else(|| {
                FormatError::new(
                    ErrorKind::UnexpectedEof {
                        needed: len,
                        available: self.data.len() as u64,
                    },
                    "attribute value",
                    0,
                )
                .into()
            })
    }

    /// Every element of the value, row-major.
    ///
    /// ```
    /// use h5oxide::Value;
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().attrs().set("offsets", &[-1i64, 4])?;
    /// assert_eq!(file.root().attrs().attr("offsets")?.values()?, [Value::Int(-1), Value::Int(4)]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// The value does not decode.
    pub fn values(&self) -> Result<Vec<Value>> {
        decode_many(&self.dtype, self.raw()?, &self.file, 0)
    }
}
