//! Writing revised references (HDF5 1.12 `H5R_ref_t`, spec VIII.B) as libhdf5 1.12+
//! stores `H5T_STD_REF`: a reference datatype of version 4 whose type field says
//! `H5R_OBJECT2`, elements of 18 bytes (with 8-byte addresses).
//!
//! Each element starts with the reference header (type, flags). An object of the same
//! file follows it inline: token size and token (the header address). Every other
//! reference (regions, attributes, references to another file) stores a 4-byte size and a
//! global heap ID; the heap object holds the rest of the encoding: token, file name,
//! then the selection (size, rank, serialized selection) or the attribute name. A null
//! reference is all zeros (type 0, size 0, a null heap ID).

use h5oxide_format::object_header::message::datatype::{Datatype, ReferenceKind, TypeClass};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::group::Object;
use crate::selection::Selection;
use crate::types::reference::{REF_ATTR, REF_EXTERNAL, REF_OBJECT2, REF_REGION2};
use crate::types::{ObjectRef, Reference, RegionRef};
use crate::write::types::{Elements, H5Write, HEAP_ID_SIZE};
use crate::File;

/// Bytes of a token: an object header address in files with 8-byte addresses.
const TOKEN_SIZE: u8 = 8;
/// Reference header (type, flags) and the 4-byte size before the heap ID.
const HEADER: usize = 2;
const SIZE_FIELD: usize = 4;
/// Element size: the larger of the heap form (2 + 4 + 12) and the inline object form
/// (2 + 1 + 8), as libhdf5 sizes `H5T_STD_REF` on disk.
pub(crate) const REVISED_SIZE: usize = HEADER + SIZE_FIELD + HEAP_ID_SIZE;
/// Longest file or attribute name a reference holds (a 16-bit length).
const MAX_NAME: usize = u16::MAX as usize;

/// A 16-bit length and the bytes of `s`.
fn push_name(out: &mut Vec<u8>, s: &str) -> Result<()> {
    let n = u16::try_from(s.len())
        .map_err(|_| Error::Usage("a reference's file or attribute name over 65535 bytes"))?;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

/// The reference header and the encoding after it (`H5R__encode` order: token, file name,
/// then the selection or the attribute name), or `None` for the null reference.
fn encode(r: &Reference) -> Result<Option<([u8; 2], Vec<u8>)>> {
    let (kind, address, file) = match r {
        Reference::Null => return Ok(None),
        Reference::Object { address, file } => (REF_OBJECT2, *address, file),
        Reference::Region { address, file, .. } => (REF_REGION2, *address, file),
        Reference::Attribute { address, file, .. } => (REF_ATTR, *address, file),
    };
    let flags = if file.is_some() { REF_EXTERNAL } else { 0 };
    let mut body = vec![TOKEN_SIZE];
    body.extend_from_slice(&address.to_le_bytes());
    if let Some(f) = file {
        push_name(&mut body, f)?;
    }
    match r {
        Reference::Region {
            selection, rank, ..
        } => {
            let mut w = h5oxide_format::Writer::new();
            selection
                .encode(&mut w)
                .map_err(|_| Error::Usage("the selection cannot be encoded"))?;
            let size = u32::try_from(w.len())
                .map_err(|_| Error::Usage("a selection over 4 GiB encoded"))?;
            body.extend_from_slice(&size.to_le_bytes());
            body.extend_from_slice(&rank.to_le_bytes());
            body.extend_from_slice(w.as_slice());
        }
        Reference::Attribute { name, .. } => push_name(&mut body, name)?,
        _ => {}
    }
    Ok(Some(([kind, flags], body)))
}

/// True when the encoding goes inline (an object of the same file, spec VIII.B).
fn inline(head: [u8; 2]) -> bool {
    head[0] == REF_OBJECT2 && head[1] & REF_EXTERNAL == 0
}

impl H5Write for Reference {
    fn write_type() -> Datatype {
        Datatype::new(
            REVISED_SIZE as u32,
            TypeClass::Reference {
                kind: ReferenceKind::Object2,
            },
        )
    }

    /// Writes objects of the same file; the others (which need the global heap, see
    /// [`H5Write::write_elements`]) and unencodable ones as null references.
    fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
        for v in values {
            let at = out.len();
            out.resize(at + REVISED_SIZE, 0);
            if let Ok(Some((head, body))) = encode(v) {
                if inline(head) {
                    out[at..at + HEADER].copy_from_slice(&head);
                    out[at + HEADER..at + HEADER + body.len()].copy_from_slice(&body);
                }
            }
        }
    }

    fn write_elements(values: &[Self], out: &mut Elements) {
        for v in values {
            match encode(v) {
                Ok(Some((head, body))) if inline(head) => {
                    let at = out.start_element(REVISED_SIZE);
                    let b = out.bytes_mut();
                    b[at..at + HEADER].copy_from_slice(&head);
                    b[at + HEADER..at + HEADER + body.len()].copy_from_slice(&body);
                }
                Ok(Some((head, body))) => {
                    // spec VIII.B: header, size of the heap object, heap ID.
                    out.bytes_mut().extend_from_slice(&head);
                    out.bytes_mut()
                        .extend_from_slice(&(body.len() as u32).to_le_bytes());
                    let mut data = Elements::new();
                    data.bytes_mut().extend_from_slice(&body);
                    out.push_heap_id(data);
                }
                // Null, or a name too long for the encoding (refused by the constructors).
                _ => {
                    out.start_element(REVISED_SIZE);
                }
            }
        }
    }
}

impl Reference {
    /// A reference to a group, dataset or committed datatype of its file (libhdf5's
    /// `H5Rcreate_object`).
    ///
    /// ```
    /// use h5oxide::types::Reference;
    /// let file = h5oxide::File::in_memory()?;
    /// let g = file.root().create_group("g")?;
    /// let ds = file.root().new_dataset_builder().with_data(&[1u8, 2]).create("d")?;
    /// let refs = [Reference::to_object(&g), Reference::to_object(&ds), Reference::Null];
    /// file.root().new_dataset_builder().with_data(&refs).create("refs")?;
    /// let back: Vec<Reference> = file.root().dataset("refs")?.read_raw()?;
    /// assert_eq!(back, refs);
    /// assert_eq!(back[0].open(&file)?.name(), "/g");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn to_object<'a, T>(object: &'a T) -> Self
    where
        ObjectRef: From<&'a T>,
    {
        Reference::Object {
            address: ObjectRef::from(object).address,
            file: None,
        }
    }

    /// A reference to the elements `selection` picks in `dataset` (libhdf5's
    /// `H5Rcreate_region`), stored as [`RegionRef::new`] stores it.
    ///
    /// ```
    /// use h5oxide::types::Reference;
    /// use h5oxide::{DimSlice, Selection};
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset_builder().with_data(&[0i32; 10]).create("data")?;
    /// let sel = Selection::new(vec![DimSlice { start: 2, step: 2, count: 3 }], &[10])?;
    /// let r = Reference::to_region(&ds, &sel)?;
    /// file.root().new_dataset_builder().with_scalar(r.clone()).create("region")?;
    /// let back: Reference = file.root().dataset("region")?.read_scalar()?;
    /// assert_eq!(back, r);
    /// let Reference::Region { address, rank, .. } = back else { unreachable!() };
    /// assert_eq!((address, rank), (ds.address(), 1));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`RegionRef::new`].
    pub fn to_region(dataset: &Dataset, selection: &Selection) -> Result<Self> {
        let r = RegionRef::new(dataset, selection)?;
        Ok(Reference::Region {
            address: r.object,
            file: None,
            selection: r.selection,
            rank: dataset.shape().len() as u32,
        })
    }

    /// A reference to the attribute `name` of `object` (libhdf5's `H5Rcreate_attr`). The
    /// attribute need not exist yet.
    ///
    /// ```
    /// use h5oxide::types::Reference;
    /// let file = h5oxide::File::in_memory()?;
    /// let g = file.root().create_group("g")?;
    /// g.attrs().set("units", "m")?;
    /// let r = Reference::to_attribute(&g, "units")?;
    /// file.root().attrs().set("which", &[r.clone()])?;
    /// let back: Vec<Reference> = file.root().attrs().attr("which")?.read_raw()?;
    /// assert_eq!(back, [r]);
    /// assert_eq!(back[0].attribute_name(), Some("units"));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for an empty name or one over 65535 bytes.
    pub fn to_attribute<'a, T>(object: &'a T, name: &str) -> Result<Self>
    where
        ObjectRef: From<&'a T>,
    {
        if name.is_empty() || name.len() > MAX_NAME {
            return Err(Error::Usage(
                "an attribute reference needs a name of 1 to 65535 bytes",
            ));
        }
        Ok(Reference::Attribute {
            address: ObjectRef::from(object).address,
            file: None,
            name: name.to_owned(),
        })
    }

    /// The same reference, naming `file` as the file that holds its object (flag bit 0 of
    /// the encoding, spec VIII.B): for references to objects of another file, whose
    /// header address in that file is the address given.
    ///
    /// ```
    /// use h5oxide::types::Reference;
    /// let file = h5oxide::File::in_memory()?;
    /// let ext = Reference::Object { address: 800, file: None }.in_file("other.h5")?;
    /// file.root().new_dataset_builder().with_data(&[ext.clone()]).create("ext")?;
    /// let back: Vec<Reference> = file.root().dataset("ext")?.read_raw()?;
    /// assert_eq!(back[0].file(), Some("other.h5"));
    /// assert_eq!(back[0].address(), Some(800));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for the null reference, and for a name that is empty or over 65535 bytes.
    pub fn in_file(mut self, name: &str) -> Result<Self> {
        if name.is_empty() || name.len() > MAX_NAME {
            return Err(Error::Usage(
                "a reference's file name must have 1 to 65535 bytes",
            ));
        }
        match &mut self {
            Reference::Null => Err(Error::Usage("a null reference names no file")),
            Reference::Object { file, .. }
            | Reference::Region { file, .. }
            | Reference::Attribute { file, .. } => {
                *file = Some(name.to_owned());
                Ok(self)
            }
        }
    }

    /// The referenced object's header address (`None` for the null reference).
    ///
    /// ```
    /// use h5oxide::types::Reference;
    /// let file = h5oxide::File::in_memory()?;
    /// let g = file.root().create_group("g")?;
    /// assert_eq!(Reference::to_object(&g).address(), Some(g.address()));
    /// assert_eq!(Reference::Null.address(), None);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn address(&self) -> Option<u64> {
        match self {
            Reference::Null => None,
            Reference::Object { address, .. }
            | Reference::Region { address, .. }
            | Reference::Attribute { address, .. } => Some(*address),
        }
    }

    /// The other file the reference names, if any.
    ///
    /// ```
    /// use h5oxide::types::Reference;
    /// let r = Reference::Object { address: 96, file: None };
    /// assert_eq!(r.file(), None);
    /// assert_eq!(r.in_file("b.h5")?.file(), Some("b.h5"));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn file(&self) -> Option<&str> {
        match self {
            Reference::Object { file, .. }
            | Reference::Region { file, .. }
            | Reference::Attribute { file, .. } => file.as_deref(),
            Reference::Null => None,
        }
    }

    /// The attribute name of an attribute reference.
    ///
    /// ```
    /// use h5oxide::types::Reference;
    /// let file = h5oxide::File::in_memory()?;
    /// let r = Reference::to_attribute(&file.root(), "title")?;
    /// assert_eq!(r.attribute_name(), Some("title"));
    /// assert_eq!(Reference::to_object(&file.root()).attribute_name(), None);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn attribute_name(&self) -> Option<&str> {
        match self {
            Reference::Attribute { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The referenced object (the dataset of a region, the owner of an attribute) in
    /// `file`, which must be the file the reference is to.
    ///
    /// ```
    /// use h5oxide::types::Reference;
    /// let file = h5oxide::File::in_memory()?;
    /// let g = file.root().create_group("a/b")?;
    /// assert_eq!(Reference::to_object(&g).open(&file)?.name(), "/a/b");
    /// assert!(Reference::Null.open(&file).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for the null reference and for one to another file; as [`ObjectRef::open`].
    pub fn open(&self, file: &File) -> Result<Object> {
        if self.file().is_some() {
            return Err(Error::Usage("the reference is to another file"));
        }
        match self.address() {
            Some(a) => ObjectRef::from_address(a).open(file),
            None => Err(Error::Usage("a null reference refers to no object")),
        }
    }
}
