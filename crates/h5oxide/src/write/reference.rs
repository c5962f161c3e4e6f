//! Writing references: object references as the referenced header's address, dataset
//! region references as a global heap object holding the dataset's address and the
//! serialized selection, as libhdf5 1.8/1.10 writes them (spec VIII.C, VIII.A).

use h5oxide_format::object_header::message::datatype::{Datatype, ReferenceKind, TypeClass};
use h5oxide_format::selection::{Hyperslab, RegularDim, Selection as StoredSelection};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::selection::Selection;
use crate::types::{ObjectRef, RegionRef};
use crate::write::types::{Elements, H5Write, HEAP_ID_SIZE};

/// Address size of every file h5oxide writes.
const ADDRESS_SIZE: u32 = 8;

impl H5Write for ObjectRef {
    fn write_type() -> Datatype {
        Datatype::new(
            ADDRESS_SIZE,
            TypeClass::Reference {
                kind: ReferenceKind::Object,
            },
        )
    }

    fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
        for v in values {
            out.extend_from_slice(&v.address.to_le_bytes());
        }
    }
}

impl H5Write for RegionRef {
    fn write_type() -> Datatype {
        Datatype::new(
            HEAP_ID_SIZE as u32,
            TypeClass::Reference {
                kind: ReferenceKind::DatasetRegion,
            },
        )
    }

    /// Writes null references: the selections need [`H5Write::write_elements`].
    fn write_bytes(values: &[Self], out: &mut Vec<u8>) {
        out.resize(out.len() + values.len() * HEAP_ID_SIZE, 0);
    }

    fn write_elements(values: &[Self], out: &mut Elements) {
        for v in values {
            if v.is_null() {
                // A null region reference is a null heap ID.
                out.start_element(HEAP_ID_SIZE);
                continue;
            }
            let mut data = Elements::new();
            data.bytes_mut().extend_from_slice(&v.object.to_le_bytes());
            let mut w = h5oxide_format::Writer::new();
            // Every selection built here encodes (sizes were checked when it was made).
            if v.selection.encode(&mut w).is_ok() {
                data.bytes_mut().extend_from_slice(w.as_slice());
                out.push_heap_id(data);
            } else {
                out.start_element(HEAP_ID_SIZE);
            }
        }
    }
}

impl RegionRef {
    /// A reference to the elements `selection` picks in `dataset`, stored as a regular
    /// hyperslab (the whole extent as an "all" selection, nothing as "none").
    ///
    /// ```
    /// use h5oxide::types::RegionRef;
    /// use h5oxide::{DimSlice, Selection};
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset_builder().with_data(&[0u8; 10]).create("data")?;
    /// // h5py: ds.regionref[2:8:2]
    /// let sel = Selection::new(vec![DimSlice { start: 2, step: 2, count: 3 }], &[10])?;
    /// let r = RegionRef::new(&ds, &sel)?;
    /// assert_eq!(r.address(), ds.address());
    /// assert_eq!(r.selection(&[10])?, sel);
    /// // A selection for another rank is refused.
    /// assert!(RegionRef::new(&ds, &Selection::all(&[2, 5])).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if the selection's rank differs from the dataset's or it reaches past the
    /// dataset's shape.
    pub fn new(dataset: &Dataset, selection: &Selection) -> Result<Self> {
        let shape = dataset.shape();
        // Re-check against this dataset (a selection may be made for another shape).
        let sel = Selection::new(selection.dims().to_vec(), &shape)?;
        let stored = if sel == Selection::all(&shape) {
            StoredSelection::All
        } else if sel.dims().iter().any(|d| d.count == 0) {
            StoredSelection::None
        } else {
            StoredSelection::Hyperslab(Hyperslab::regular(
                sel.dims()
                    .iter()
                    .map(|d| {
                        // One block of `count` elements when they are adjacent, as libhdf5
                        // normalizes a unit stride.
                        if d.step == 1 {
                            RegularDim {
                                start: d.start,
                                stride: 1,
                                count: 1,
                                block: d.count,
                            }
                        } else {
                            RegularDim {
                                start: d.start,
                                stride: d.step,
                                count: d.count,
                                block: 1,
                            }
                        }
                    })
                    .collect(),
            ))
        };
        let mut w = h5oxide_format::Writer::new();
        stored
            .encode(&mut w)
            .map_err(|_| Error::Usage("the selection cannot be encoded"))?;
        Ok(RegionRef {
            object: dataset.file().inner.resolve(dataset.address()),
            selection: stored,
        })
    }
}
