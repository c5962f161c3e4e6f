//! References as element types: object references (spec VIII.C, `H5R_OBJECT1`: an object
//! header address), dataset region references (`H5R_DATASET_REGION1`: a global heap ID of
//! the dataset address and a serialized selection, spec VIII.A) and the revised references
//! of HDF5 1.12 (spec VIII.B, datatype version 4), read as [`Reference`].

use h5oxide_format::heap::global::GlobalHeapId;
use h5oxide_format::object_header::message::datatype::{Datatype, ReferenceKind, TypeClass};
use h5oxide_format::selection::{Block, HyperslabShape, Selection as StoredSelection};
use h5oxide_format::{Context, Cursor, UNDEFINED_ADDRESS};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::group::{Group, NamedDatatype, Object};
use crate::h5type::{bad_value, mismatch, Decoder, H5Type, Heap, STRUCTURE};
use crate::selection::{DimSlice, Selection};
use crate::File;

/// A reference to an object of the file (h5py's `h5py.ref_dtype`): its header address.
///
/// Made from a handle (`ObjectRef::from(&dataset)`), written like any element, read back
/// with typed reads, and opened with [`ObjectRef::open`] or [`File::deref`].
///
/// A reference holds the object's header address when it is made. h5oxide writes a changed
/// object header to a new place once the header has been committed or outgrows its space
/// (see [`crate::write`]); every commit then rewrites the references stored in the file's
/// datasets and attributes (in compounds, arrays and sequences too) that name a moved
/// object, so stored references keep naming their objects, for libhdf5 as well. A value
/// held in memory is not updated: [`ObjectRef::open`] still finds the object in this
/// session (through the file's record of moves), but take a new reference to store it
/// after its object changed. References in densely stored attributes are not rewritten.
///
/// ```
/// use h5oxide::types::ObjectRef;
/// let file = h5oxide::File::in_memory()?;
/// let ds = file.root().new_dataset_builder().with_data(&[1i32, 2]).create("data")?;
/// let refs = [ObjectRef::from(&ds), ObjectRef::from(&file.root())];
/// file.root().new_dataset_builder().with_data(&refs).create("refs")?;
/// let back: Vec<ObjectRef> = file.root().dataset("refs")?.read_raw()?;
/// assert_eq!(file.deref(&back[0])?.name(), "/data");
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ObjectRef {
    pub(crate) address: u64,
}

impl ObjectRef {
    /// The null reference (address 0, as libhdf5 stores an unset reference).
    ///
    /// ```
    /// use h5oxide::types::ObjectRef;
    /// let r = ObjectRef::null();
    /// assert!(r.is_null());
    /// assert_eq!(r, ObjectRef::default());
    /// ```
    pub fn null() -> Self {
        ObjectRef { address: 0 }
    }

    /// A reference to the object whose header is at `address`.
    ///
    /// ```
    /// use h5oxide::types::ObjectRef;
    /// let file = h5oxide::File::in_memory()?;
    /// let g = file.root().create_group("g")?;
    /// let r = ObjectRef::from_address(g.address());
    /// assert_eq!(r.open(&file)?.name(), "/g");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn from_address(address: u64) -> Self {
        ObjectRef { address }
    }

    /// True for the null reference.
    ///
    /// ```
    /// use h5oxide::types::ObjectRef;
    /// let file = h5oxide::File::in_memory()?;
    /// assert!(!ObjectRef::from(&file.root()).is_null());
    /// assert!(ObjectRef::null().is_null());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn is_null(&self) -> bool {
        self.address == 0 || self.address == UNDEFINED_ADDRESS
    }

    /// The referenced object's header address.
    ///
    /// ```
    /// use h5oxide::types::ObjectRef;
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<u8>().shape([1]).create("d")?;
    /// assert_eq!(ObjectRef::from(&ds).address(), ds.address());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn address(&self) -> u64 {
        self.address
    }

    /// The referenced object in `file`.
    ///
    /// ```
    /// use h5oxide::types::ObjectRef;
    /// use h5oxide::Object;
    /// let file = h5oxide::File::in_memory()?;
    /// let g = file.root().create_group("targets/a")?;
    /// let r = ObjectRef::from(&g);
    /// assert!(matches!(r.open(&file)?, Object::Group(ref x) if x.name() == "/targets/a"));
    /// assert!(ObjectRef::null().open(&file).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for a null reference; the address holds no object header.
    pub fn open(&self, file: &File) -> Result<Object> {
        if self.is_null() {
            return Err(Error::Usage("a null reference refers to no object"));
        }
        file.object_by_address(file.inner.resolve(self.address))
    }
}

impl From<&Dataset> for ObjectRef {
    fn from(d: &Dataset) -> Self {
        ObjectRef {
            address: d.file().inner.resolve(d.address()),
        }
    }
}

impl From<&Group> for ObjectRef {
    fn from(g: &Group) -> Self {
        ObjectRef {
            address: g.file().inner.resolve(g.address()),
        }
    }
}

impl From<&NamedDatatype> for ObjectRef {
    fn from(t: &NamedDatatype) -> Self {
        ObjectRef {
            address: t.file.inner.resolve(t.address),
        }
    }
}

impl File {
    /// The object `r` refers to (h5py's `file[ref]`).
    ///
    /// ```
    /// use h5oxide::types::ObjectRef;
    /// // Object references written by libhdf5.
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/types_references.h5");
    /// let file = h5oxide::File::open(path)?;
    /// let ds = file.root().dataset("object_refs")?;
    /// let refs = ds.read_raw::<ObjectRef>()?;
    /// // h5py: [f[r].name for r in f["object_refs"]]
    /// let names: Vec<String> = refs
    ///     .iter()
    ///     .map(|r| file.deref(r).map(|o| o.name().to_string()))
    ///     .collect::<h5oxide::Result<_>>()?;
    /// assert_eq!(names, ["/data", "/group", "/named_type"]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`ObjectRef::open`].
    pub fn deref(&self, r: &ObjectRef) -> Result<Object> {
        r.open(self)
    }
}

/// A dataset region reference: a dataset and a selection of its elements (h5py's
/// `h5py.regionref_dtype`).
///
/// It holds the dataset's header address when it is made. When the dataset's header
/// moves, each commit rewrites stored region references to it (a new global heap object
/// with the new address and the same selection); see [`ObjectRef`].
///
/// ```
/// use h5oxide::types::RegionRef;
/// use h5oxide::{DimSlice, Selection};
/// let file = h5oxide::File::in_memory()?;
/// let ds = file.root().new_dataset_builder().with_data(&[0i32; 10]).create("data")?;
/// let sel = Selection::new(vec![DimSlice { start: 2, step: 3, count: 2 }], &[10])?;
/// let r = RegionRef::new(&ds, &sel)?;
/// file.root().new_dataset_builder().with_scalar(r).create("region")?;
/// let back: RegionRef = file.root().dataset("region")?.read_scalar()?;
/// assert_eq!(back.selection(&[10])?, sel);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegionRef {
    pub(crate) object: u64,
    pub(crate) selection: StoredSelection,
}

impl RegionRef {
    /// A reference to `selection` (as stored: points, hyperslabs, all or none) of the
    /// dataset whose header is at `object`.
    ///
    /// ```
    /// use h5oxide::format::selection::Selection as Stored;
    /// use h5oxide::types::RegionRef;
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<i8>().shape([4]).create("d")?;
    /// let r = RegionRef::from_parts(ds.address(), Stored::All);
    /// assert_eq!(r.selection(&[4])?, h5oxide::Selection::all(&[4]));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn from_parts(object: u64, selection: StoredSelection) -> Self {
        RegionRef { object, selection }
    }

    /// The null reference.
    ///
    /// ```
    /// use h5oxide::types::RegionRef;
    /// let r = RegionRef::null();
    /// assert!(r.is_null());
    /// assert_eq!(r.address(), 0);
    /// ```
    pub fn null() -> Self {
        RegionRef {
            object: 0,
            selection: StoredSelection::None,
        }
    }

    /// True for the null reference.
    ///
    /// ```
    /// use h5oxide::types::RegionRef;
    /// use h5oxide::Selection;
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<i8>().shape([4]).create("d")?;
    /// assert!(!RegionRef::new(&ds, &Selection::all(&[4]))?.is_null());
    /// assert!(RegionRef::null().is_null());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn is_null(&self) -> bool {
        self.object == 0 || self.object == UNDEFINED_ADDRESS
    }

    /// The referenced dataset's header address.
    ///
    /// ```
    /// use h5oxide::types::RegionRef;
    /// use h5oxide::Selection;
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<i8>().shape([4]).create("d")?;
    /// assert_eq!(RegionRef::new(&ds, &Selection::all(&[4]))?.address(), ds.address());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn address(&self) -> u64 {
        self.object
    }

    /// The selection as stored.
    ///
    /// ```
    /// use h5oxide::format::selection::Selection as Stored;
    /// use h5oxide::types::RegionRef;
    /// use h5oxide::Selection;
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<i8>().shape([4]).create("d")?;
    /// let r = RegionRef::new(&ds, &Selection::all(&[4]))?;
    /// // The whole extent is stored as an "all" selection.
    /// assert_eq!(*r.stored_selection(), Stored::All);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn stored_selection(&self) -> &StoredSelection {
        &self.selection
    }

    /// The referenced dataset in `file`.
    ///
    /// ```
    /// use h5oxide::types::RegionRef;
    /// use h5oxide::{DimSlice, Selection};
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset_builder().with_data(&[5u8, 6, 7, 8]).create("d")?;
    /// let sel = Selection::new(vec![DimSlice { start: 1, step: 1, count: 2 }], &[4])?;
    /// let r = RegionRef::new(&ds, &sel)?;
    /// // h5py: f[regref][regref]
    /// let target = r.dataset(&file)?;
    /// assert_eq!(target.read_bytes_selection(&r.selection(&target.shape())?)?, [6, 7]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for a null reference; `WrongKind` if the object is not a dataset.
    pub fn dataset(&self, file: &File) -> Result<Dataset> {
        match ObjectRef::from_address(self.object).open(file)? {
            Object::Dataset(d) => Ok(d),
            o => Err(Error::WrongKind {
                name: o.name().to_owned(),
                expected: "dataset",
            }),
        }
    }

    /// The selection as a [`Selection`] of a dataset of shape `shape`: the whole extent, or
    /// a hyperslab (regular, or a list of blocks forming a regular grid) whose blocks are
    /// single elements or that has one block per dimension.
    ///
    /// ```
    /// use h5oxide::types::RegionRef;
    /// use h5oxide::{DimSlice, Selection};
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<u16>().shape([3, 4]).create("d")?;
    /// // Rows 0 and 2, columns 1..3.
    /// let sel = Selection::new(
    ///     vec![
    ///         DimSlice { start: 0, step: 2, count: 2 },
    ///         DimSlice { start: 1, step: 1, count: 2 },
    ///     ],
    ///     &[3, 4],
    /// )?;
    /// let r = RegionRef::new(&ds, &sel)?;
    /// assert_eq!(r.selection(&[3, 4])?, sel);
    /// // A different rank is refused.
    /// assert!(r.selection(&[12]).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for point selections, other hyperslabs, and a rank different from `shape`'s; the
    /// slices' own checks ([`Selection::new`]).
    pub fn selection(&self, shape: &[u64]) -> Result<Selection> {
        match &self.selection {
            StoredSelection::All => Ok(Selection::all(shape)),
            StoredSelection::None => Selection::new(
                shape
                    .iter()
                    .map(|_| DimSlice {
                        start: 0,
                        step: 1,
                        count: 0,
                    })
                    .collect(),
                shape,
            ),
            StoredSelection::Hyperslab(h) => match &h.shape {
                HyperslabShape::Regular(dims) => {
                    let mut out = Vec::with_capacity(dims.len());
                    for d in dims {
                        out.push(if d.block == 1 {
                            DimSlice {
                                start: d.start,
                                step: d.stride.max(1),
                                count: d.count,
                            }
                        } else if d.count == 1 {
                            DimSlice {
                                start: d.start,
                                step: 1,
                                count: d.block,
                            }
                        } else {
                            return Err(Error::Usage(
                                "a hyperslab of several multi-element blocks is not a Selection",
                            ));
                        });
                    }
                    Selection::new(out, shape)
                }
                HyperslabShape::Irregular(blocks) => {
                    let dims = grid_of(blocks, shape.len()).ok_or(Error::Usage(
                        "a hyperslab that is not a regular grid is not a Selection \
                         (use stored_selection)",
                    ))?;
                    Selection::new(dims, shape)
                }
            },
            StoredSelection::Points(_) => Err(Error::Usage(
                "a point selection is not a Selection (use stored_selection)",
            )),
        }
    }
}

/// The slices of a block list that forms a regular grid (libhdf5 1.8/1.10 serialize every
/// hyperslab as its blocks, spec VIII.A, version 1): per dimension, equally spaced block
/// starts and one block size, where either the blocks are single elements or there is one
/// block; every grid position must be present.
fn grid_of(blocks: &[Block], rank: usize) -> Option<Vec<DimSlice>> {
    let first = blocks.first()?;
    if first.start.len() != rank {
        return None;
    }
    let mut out = Vec::with_capacity(rank);
    let mut total: u64 = 1;
    for d in 0..rank {
        let size = first.end[d].checked_sub(first.start[d])?.checked_add(1)?;
        let mut starts: Vec<u64> = Vec::new();
        for b in blocks {
            if b.start.len() != rank || b.end.len() != rank {
                return None;
            }
            if b.end[d].checked_sub(b.start[d])?.checked_add(1)? != size {
                return None;
            }
            starts.push(b.start[d]);
        }
        starts.sort_unstable();
        starts.dedup();
        let step = match starts.as_slice() {
            [a, b, ..] => b - a,
            _ => 1,
        };
        if starts.windows(2).any(|w| w[1] - w[0] != step) {
            return None;
        }
        let count = starts.len() as u64;
        total = total.checked_mul(count)?;
        out.push(if count == 1 {
            DimSlice {
                start: starts[0],
                step: 1,
                count: size,
            }
        } else if size == 1 {
            DimSlice {
                start: starts[0],
                step,
                count,
            }
        } else {
            return None;
        });
    }
    (total == blocks.len() as u64).then_some(out)
}

/// A revised (HDF5 1.12, `H5R_ref_t`) reference as stored (spec VIII.B); also read from the
/// older object and region references.
///
/// ```
/// use h5oxide::types::{ObjectRef, Reference};
/// let file = h5oxide::File::in_memory()?;
/// let g = file.root().create_group("g")?;
/// file.root().new_dataset_builder().with_data(&[ObjectRef::from(&g)]).create("r")?;
/// let back: Vec<Reference> = file.root().dataset("r")?.read_raw()?;
/// assert!(matches!(back[0], Reference::Object { file: None, .. }));
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reference {
    /// No object.
    Null,
    /// An object.
    Object {
        /// Header address of the object (its token).
        address: u64,
        /// The file holding it, when it is another file.
        file: Option<String>,
    },
    /// A selection of a dataset's elements.
    Region {
        /// Header address of the dataset.
        address: u64,
        /// The file holding it, when it is another file.
        file: Option<String>,
        /// The selection.
        selection: StoredSelection,
        /// Rank of the dataset's dataspace (stored beside the selection, which does not
        /// hold it for "all" and "none" selections).
        rank: u32,
    },
    /// An attribute of an object.
    Attribute {
        /// Header address of the object.
        address: u64,
        /// The file holding it, when it is another file.
        file: Option<String>,
        /// The attribute's name.
        name: String,
    },
}

/// Reference types and flag of the revised encoding's header (spec VIII.B).
pub(crate) use h5oxide_format::object_header::message::datatype::{
    REVISED_REF_ATTR as REF_ATTR, REVISED_REF_EXTERNAL as REF_EXTERNAL,
    REVISED_REF_OBJECT2 as REF_OBJECT2, REVISED_REF_REGION2 as REF_REGION2,
};

/// The little-endian address in a token of `n` bytes.
fn token(c: &mut Cursor<'_>) -> Result<u64> {
    let n = c.u8()? as usize;
    let b = c.bytes(n)?;
    if n > 8 && b[8..].iter().any(|&x| x != 0) {
        return Err(bad_value("reference token size", n as u64));
    }
    Ok(b.iter()
        .take(8)
        .rev()
        .fold(0u64, |v, &x| (v << 8) | u64::from(x)))
}

/// A 16-bit length and that many bytes of text.
fn short_string(c: &mut Cursor<'_>) -> Result<String> {
    let n = c.u16()? as usize;
    let b = c.bytes(n)?;
    String::from_utf8(b.to_vec()).map_err(|e| {
        bad_value(
            "reference name (not UTF-8)",
            e.utf8_error().valid_up_to() as u64,
        )
    })
}

/// Decodes the part of a revised reference after its header: token, file name, then the
/// region or attribute name (`H5R__decode` order).
fn revised_body(kind: u8, flags: u8, c: &mut Cursor<'_>) -> Result<Reference> {
    let address = token(c)?;
    let file = if flags & REF_EXTERNAL != 0 {
        Some(short_string(c)?)
    } else {
        None
    };
    Ok(match kind {
        REF_OBJECT2 => Reference::Object { address, file },
        REF_REGION2 => {
            // A 32-bit selection size and the extent's rank precede the selection.
            let size = c.u32()? as usize;
            let rank = c.u32()?;
            let raw = c.bytes(size)?;
            let mut sc = Cursor::new(raw, 0, "region reference");
            let selection = StoredSelection::decode(&mut sc)?;
            Reference::Region {
                address,
                file,
                selection,
                rank,
            }
        }
        REF_ATTR => Reference::Attribute {
            address,
            file,
            name: short_string(c)?,
        },
        k => return Err(bad_value("revised reference type", u64::from(k))),
    })
}

/// Decodes one stored revised reference element: the header (type, flags), then either
/// the encoding itself (an object in this file) or a 32-bit size and the global heap ID of
/// the rest of the encoding.
pub(crate) fn decode_revised(b: &[u8], heap: &Heap<'_>) -> Result<Reference> {
    decode_revised_with(b, &heap.context(), &|id| heap.object(id))
}

/// As [`decode_revised`], heap objects read by `object`.
pub(crate) fn decode_revised_with(
    b: &[u8],
    ctx: &Context,
    object: &dyn Fn(&GlobalHeapId) -> Result<Vec<u8>>,
) -> Result<Reference> {
    let mut c = Cursor::new(b, 0, STRUCTURE);
    let kind = c.u8()?;
    let flags = c.u8()?;
    if kind == 0 {
        return Ok(Reference::Null);
    }
    if kind == REF_OBJECT2 && flags & REF_EXTERNAL == 0 {
        return revised_body(kind, flags, &mut c);
    }
    let _size = c.u32()?;
    let id = GlobalHeapId::decode(&mut c, ctx)?;
    if id.is_null() {
        return Ok(Reference::Null);
    }
    let blob = object(&id)?;
    let mut bc = Cursor::new(&blob, 0, "revised reference");
    revised_body(kind, flags, &mut bc)
}

/// The rank a selection holds (0 for "all" and "none", which hold none).
pub(crate) fn selection_rank(sel: &StoredSelection) -> u32 {
    match sel {
        StoredSelection::Points(p) => p.rank,
        StoredSelection::Hyperslab(h) => h.rank,
        StoredSelection::All | StoredSelection::None => 0,
    }
}

/// The object address and selection in a region reference's heap object (spec VIII.C).
fn region_object(data: &[u8], ctx: &Context) -> Result<RegionRef> {
    let mut c = Cursor::new(data, 0, "region reference");
    let object = c.offset_field(ctx)?;
    let selection = StoredSelection::decode(&mut c)?;
    Ok(RegionRef { object, selection })
}

fn decode_region(b: &[u8], heap: &Heap<'_>) -> Result<RegionRef> {
    let ctx = heap.context();
    let mut c = Cursor::new(b, 0, STRUCTURE);
    let id = GlobalHeapId::decode(&mut c, &ctx)?;
    if id.is_null() {
        return Ok(RegionRef::null());
    }
    region_object(&heap.object(&id)?, &ctx)
}

fn decode_object(b: &[u8], heap: &Heap<'_>) -> Result<u64> {
    Cursor::new(b, 0, STRUCTURE)
        .offset_field(&heap.context())
        .map_err(Into::into)
}

fn ref_kind(dtype: &Datatype) -> Option<ReferenceKind> {
    match &dtype.class {
        TypeClass::Reference { kind } => Some(*kind),
        _ => None,
    }
}

impl H5Type for ObjectRef {
    fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
        match ref_kind(dtype) {
            Some(ReferenceKind::Object) => Ok(Decoder::element(dtype.element_size(), |b, heap| {
                decode_object(b, heap).map(ObjectRef::from_address)
            })),
            Some(ReferenceKind::Object2) => Ok(Decoder::element(
                dtype.element_size(),
                |b, heap| match decode_revised(b, heap)? {
                    Reference::Null => Ok(ObjectRef::null()),
                    Reference::Object {
                        address,
                        file: None,
                    } => Ok(ObjectRef::from_address(address)),
                    _ => Err(bad_value("object reference to another file", 0)),
                },
            )),
            _ => Err(mismatch::<Self>(dtype)),
        }
    }
}

impl H5Type for RegionRef {
    fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
        match ref_kind(dtype) {
            Some(ReferenceKind::DatasetRegion) => {
                Ok(Decoder::element(dtype.element_size(), decode_region))
            }
            Some(ReferenceKind::DatasetRegion2) => Ok(Decoder::element(
                dtype.element_size(),
                |b, heap| match decode_revised(b, heap)? {
                    Reference::Null => Ok(RegionRef::null()),
                    Reference::Region {
                        address,
                        file: None,
                        selection,
                        ..
                    } => Ok(RegionRef::from_parts(address, selection)),
                    _ => Err(bad_value("region reference to another file", 0)),
                },
            )),
            _ => Err(mismatch::<Self>(dtype)),
        }
    }
}

impl H5Type for Reference {
    fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
        let size = dtype.element_size();
        match ref_kind(dtype) {
            Some(k) if k.is_revised() => Ok(Decoder::element(size, decode_revised)),
            Some(ReferenceKind::Object) => Ok(Decoder::element(size, |b, heap| {
                let address = decode_object(b, heap)?;
                Ok(if address == 0 {
                    Reference::Null
                } else {
                    Reference::Object {
                        address,
                        file: None,
                    }
                })
            })),
            Some(ReferenceKind::DatasetRegion) => Ok(Decoder::element(size, |b, heap| {
                let r = decode_region(b, heap)?;
                Ok(if r.is_null() {
                    Reference::Null
                } else {
                    Reference::Region {
                        address: r.object,
                        file: None,
                        rank: selection_rank(&r.selection),
                        selection: r.selection,
                    }
                })
            })),
            _ => Err(mismatch::<Self>(dtype)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(start: [u64; 2], end: [u64; 2]) -> Block {
        Block {
            start: start.to_vec(),
            end: end.to_vec(),
        }
    }

    #[test]
    fn block_lists_that_form_grids_become_slices() {
        // Rows 1..3 as one block, columns 0, 2, 4 as single elements.
        let blocks = [
            block([1, 0], [2, 0]),
            block([1, 2], [2, 2]),
            block([1, 4], [2, 4]),
        ];
        assert_eq!(
            grid_of(&blocks, 2).unwrap(),
            [
                DimSlice {
                    start: 1,
                    step: 1,
                    count: 2
                },
                DimSlice {
                    start: 0,
                    step: 2,
                    count: 3
                }
            ]
        );
        // A missing grid position, uneven spacing, and blocks of different sizes.
        assert!(grid_of(&blocks[..2], 2).is_some());
        assert!(grid_of(&[block([0, 0], [0, 0]), block([1, 1], [1, 1])], 2).is_none());
        assert!(grid_of(
            &[
                block([0, 0], [0, 0]),
                block([0, 1], [0, 1]),
                block([0, 3], [0, 3])
            ],
            2
        )
        .is_none());
        assert!(grid_of(&[block([0, 0], [0, 1]), block([0, 3], [0, 3])], 2).is_none());
        // A block whose end precedes its start.
        assert!(grid_of(&[block([2, 0], [1, 0])], 2).is_none());
    }
}
