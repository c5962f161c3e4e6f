//! Creating virtual datasets (spec III.A / IV.A.2.i layout class 3, and the "Virtual Dataset
//! Global Heap Block" of III.E): a dataset whose elements come from selections of other
//! datasets, in this file or others, as h5py's `create_virtual_dataset` makes them.
//!
//! The mappings are encoded as one global heap object (encoding version 0, which libhdf5
//! 1.10 reads) and the layout message (version 4) points at it. Nothing of the sources is
//! read or copied: readers resolve them when they read.

use h5oxide_format::heap::global::{GlobalHeapCollection, GlobalHeapObject};
use h5oxide_format::object_header::message::dataspace::{Dataspace, UNLIMITED};
use h5oxide_format::object_header::message::datatype::Datatype;
use h5oxide_format::object_header::message::fill_value::{
    AllocationTime, FillState, FillValue, FillWriteTime,
};
use h5oxide_format::object_header::message::flags as mflags;
use h5oxide_format::object_header::message::layout::{Layout, Storage};
use h5oxide_format::object_header::message::Message;
use h5oxide_format::selection::{Hyperslab, RegularDim, Selection as StoredSelection};
use h5oxide_format::vds::{VdsBlock, VdsMapping, VdsName};
use h5oxide_format::Writer;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::group::Group;
use crate::selection::{DimSlice, Selection};
use crate::write::group::{begin, link_new_object};
use crate::write::object_header::{new_header, put_header, raw, sink_of};
use crate::write::Libver;

/// A source of a virtual dataset mapping (h5py's `VirtualSource`): a dataset of `shape` at
/// `dataset` in `file` (`"."` for the virtual dataset's own file), of which `selection` is
/// mapped (everything by default).
///
/// ```
/// use h5oxide::write::virtual_dataset::{VirtualLayout, VirtualSource};
/// use h5oxide::{DimSlice, H5Write};
/// let file = h5oxide::File::in_memory()?;
/// file.root().new_dataset_builder().with_data(&[1i32, 2, 3]).create("a")?;
/// file.root().new_dataset_builder().with_data(&[4i32, 5, 6]).create("b")?;
/// // h5py: layout[0:3] = VirtualSource(f["a"]); layout[3:6] = VirtualSource(f["b"])
/// let mut layout = VirtualLayout::new(i32::write_type(), &[6]);
/// let first = DimSlice { start: 0, step: 1, count: 3 };
/// let second = DimSlice { start: 3, step: 1, count: 3 };
/// layout.map(vec![first], VirtualSource::new(".", "/a", &[3]))?;
/// layout.map(vec![second], VirtualSource::new(".", "/b", &[3]))?;
/// let vds = file.root().create_virtual_dataset("ab", &layout, None)?;
/// assert_eq!(vds.read_raw::<i32>()?, [1, 2, 3, 4, 5, 6]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualSource {
    file: String,
    dataset: String,
    shape: Vec<u64>,
    selection: Selection,
}

impl VirtualSource {
    /// The whole of dataset `dataset` (an absolute path) of `shape` in `file`.
    ///
    /// ```
    /// use h5oxide::write::virtual_dataset::{VirtualLayout, VirtualSource};
    /// use h5oxide::{DimSlice, H5Write};
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().new_dataset_builder().with_data(&[7u8, 8]).create("src")?;
    /// let mut layout = VirtualLayout::new(u8::write_type(), &[2]);
    /// layout.map(vec![DimSlice::all(2)], VirtualSource::new(".", "/src", &[2]))?;
    /// let vds = file.root().create_virtual_dataset("v", &layout, None)?;
    /// assert_eq!(vds.read_raw::<u8>()?, [7, 8]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn new(file: &str, dataset: &str, shape: &[u64]) -> Self {
        VirtualSource {
            file: file.to_owned(),
            dataset: dataset.to_owned(),
            shape: shape.to_vec(),
            selection: Selection::all(shape),
        }
    }

    /// Maps only `dims` of the source (start, step, count per dimension).
    ///
    /// ```
    /// use h5oxide::write::virtual_dataset::{VirtualLayout, VirtualSource};
    /// use h5oxide::{DimSlice, H5Write};
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().new_dataset_builder().with_data(&[0u16, 10, 20, 30, 40, 50]).create("src")?;
    /// // Every other element of the source: h5py's VirtualSource(ds)[::2]
    /// let evens = DimSlice { start: 0, step: 2, count: 3 };
    /// let src = VirtualSource::new(".", "/src", &[6]).select(vec![evens])?;
    /// let mut layout = VirtualLayout::new(u16::write_type(), &[3]);
    /// layout.map(vec![DimSlice::all(3)], src)?;
    /// let vds = file.root().create_virtual_dataset("evens", &layout, None)?;
    /// assert_eq!(vds.read_raw::<u16>()?, [0, 20, 40]);
    /// // Slices past the source's end are refused.
    /// let tail = DimSlice { start: 4, step: 1, count: 3 };
    /// let past = VirtualSource::new(".", "/src", &[6]).select(vec![tail]);
    /// assert!(past.is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if the slices do not fit the source's shape.
    pub fn select(mut self, dims: Vec<DimSlice>) -> Result<Self> {
        self.selection = Selection::new(dims, &self.shape)?;
        Ok(self)
    }
}

/// The layout of a virtual dataset (h5py's `VirtualLayout`): its type, shape, maximum shape
/// and mappings.
///
/// ```
/// use h5oxide::write::virtual_dataset::{VirtualLayout, VirtualSource};
/// use h5oxide::{DimSlice, File, H5Write};
///
/// let dir = std::env::temp_dir().join(format!("h5oxide-doc-vds-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// // Four files of 100 values each, as four detector modules would write them.
/// for i in 0..4 {
///     let part = File::create(dir.join(format!("part{i}.h5")))?;
///     let row: Vec<f64> = (0..100).map(|j| f64::from(i * 100 + j)).collect();
///     part.root().new_dataset_builder().with_data(&row).create("data")?;
///     part.close()?;
/// }
/// // h5py: layout = h5py.VirtualLayout((4, 100), "f8"); layout[i] = h5py.VirtualSource(...)
/// let f = File::create(dir.join("vds.h5"))?;
/// let mut layout = VirtualLayout::new(f64::write_type(), &[4, 100]);
/// for i in 0..4u64 {
///     let src = VirtualSource::new(&format!("part{i}.h5"), "/data", &[100]);
///     let row = vec![DimSlice { start: i, step: 1, count: 1 }, DimSlice::all(100)];
///     layout.map(row, src)?;
/// }
/// let all = f.root().create_virtual_dataset("all", &layout, None)?;
/// // Source names are relative to the virtual dataset's file.
/// assert_eq!(all.read_2d::<f64>()?[[2, 5]], 205.0);
/// f.close()?;
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VirtualLayout {
    dtype: Datatype,
    shape: Vec<u64>,
    max_shape: Vec<u64>,
    maps: Vec<(Selection, VirtualSource)>,
}

impl VirtualLayout {
    /// A virtual dataset of element type `dtype` and `shape`, nothing mapped yet.
    ///
    /// ```
    /// use h5oxide::write::virtual_dataset::{VirtualLayout, VirtualSource};
    /// use h5oxide::{DimSlice, H5Write};
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().new_dataset_builder().with_data(&[1.5f64, 2.5]).create("src")?;
    /// let mut layout = VirtualLayout::new(f64::write_type(), &[2, 2]);
    /// // Row 1 of the virtual dataset comes from the source; row 0 is not mapped.
    /// let row1 = vec![DimSlice { start: 1, step: 1, count: 1 }, DimSlice::all(2)];
    /// layout.map(row1, VirtualSource::new(".", "/src", &[2]))?;
    /// let vds = file.root().create_virtual_dataset("v", &layout, None)?;
    /// assert_eq!(vds.shape(), [2, 2]);
    /// assert_eq!(vds.read_raw::<f64>()?, [0.0, 0.0, 1.5, 2.5]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn new(dtype: Datatype, shape: &[u64]) -> Self {
        VirtualLayout {
            dtype,
            shape: shape.to_vec(),
            max_shape: shape.to_vec(),
            maps: Vec::new(),
        }
    }

    /// The maximum shape (`None` = unlimited); the shape by default.
    ///
    /// ```
    /// use h5oxide::write::virtual_dataset::VirtualLayout;
    /// use h5oxide::H5Write;
    /// // h5py: VirtualLayout(shape=(3,), maxshape=(None,))
    /// let layout = VirtualLayout::new(i32::write_type(), &[3]).max_shape(&[None])?;
    /// assert_ne!(layout, VirtualLayout::new(i32::write_type(), &[3]));
    /// // Below the shape: refused.
    /// assert!(VirtualLayout::new(i32::write_type(), &[3]).max_shape(&[Some(2)]).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` for a rank mismatch or a maximum below the shape.
    pub fn max_shape(mut self, max: &[Option<u64>]) -> Result<Self> {
        if max.len() != self.shape.len() {
            return Err(Error::Usage("max_shape's rank differs from the shape's"));
        }
        let m: Vec<u64> = max.iter().map(|d| d.unwrap_or(UNLIMITED)).collect();
        if m.iter().zip(&self.shape).any(|(m, s)| m < s) {
            return Err(Error::Usage("max_shape is smaller than the shape"));
        }
        self.max_shape = m;
        Ok(self)
    }

    /// Maps `source` onto the slices `dims` of the virtual dataset (h5py's
    /// `layout[dims] = source`).
    ///
    /// ```
    /// use h5oxide::write::virtual_dataset::{VirtualLayout, VirtualSource};
    /// use h5oxide::{DimSlice, H5Write};
    /// let mut layout = VirtualLayout::new(i32::write_type(), &[10]);
    /// // Ten elements from a source of ten: accepted.
    /// layout.map(vec![DimSlice::all(10)], VirtualSource::new("src.h5", "/data", &[10]))?;
    /// // Five places for a source of ten: refused.
    /// let five = vec![DimSlice { start: 0, step: 1, count: 5 }];
    /// assert!(layout.map(five, VirtualSource::new("src.h5", "/data", &[10])).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if the slices do not fit the shape or select a different number of elements
    /// than the source's selection.
    pub fn map(&mut self, dims: Vec<DimSlice>, source: VirtualSource) -> Result<&mut Self> {
        let sel = Selection::new(dims, &self.shape)?;
        if sel.len() != source.selection.len() {
            return Err(Error::Usage(
                "a virtual mapping selects a different number of elements than its source",
            ));
        }
        self.maps.push((sel, source));
        Ok(self)
    }
}

/// A public selection as a stored regular hyperslab (or "all" when it covers `shape`).
fn stored(sel: &Selection, shape: &[u64]) -> StoredSelection {
    if *sel == Selection::all(shape) {
        return StoredSelection::All;
    }
    let dims = sel
        .dims()
        .iter()
        .map(|d| {
            if d.step == 1 || d.count <= 1 {
                // A contiguous run: one block, as libhdf5 normalises it.
                RegularDim {
                    start: d.start,
                    stride: 1,
                    count: u64::from(d.count > 0),
                    block: d.count.max(1),
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
        .collect();
    StoredSelection::Hyperslab(Hyperslab::regular(dims))
}

impl Group {
    /// Creates the virtual dataset `name` (a path relative to this group; missing
    /// intermediate groups are created) from `layout`; `fill` is the stored bytes of one
    /// element that unmapped or missing elements read as (zeros by default).
    ///
    /// ```
    /// use h5oxide::write::virtual_dataset::{VirtualLayout, VirtualSource};
    /// use h5oxide::{DimSlice, H5Write};
    /// let file = h5oxide::File::in_memory()?;
    /// file.root().new_dataset_builder().with_data(&[1i32, 2]).create("src")?;
    /// let mut layout = VirtualLayout::new(i32::write_type(), &[4]);
    /// let head = vec![DimSlice { start: 0, step: 1, count: 2 }];
    /// layout.map(head, VirtualSource::new(".", "/src", &[2]))?;
    /// // Unmapped elements read as the fill value, -1.
    /// let fill = (-1i32).to_le_bytes().to_vec();
    /// let vds = file.root().create_virtual_dataset("v", &layout, Some(fill))?;
    /// assert_eq!(vds.read_raw::<i32>()?, [1, 2, -1, -1]);
    /// // A source file that does not exist also reads as the fill value.
    /// let mut missing = VirtualLayout::new(i32::write_type(), &[2]);
    /// missing.map(vec![DimSlice::all(2)], VirtualSource::new("no_such_file.h5", "/data", &[2]))?;
    /// let m = file.root().create_virtual_dataset("m", &missing, Some(7i32.to_le_bytes().into()))?;
    /// assert_eq!(m.read_raw::<i32>()?, [7, 7]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `AlreadyExists` if the name exists; `Usage` for a fill value of the wrong size or a
    /// layout without mappings; `ReadOnly`; I/O errors.
    pub fn create_virtual_dataset(
        &self,
        name: &str,
        layout: &VirtualLayout,
        fill: Option<Vec<u8>>,
    ) -> Result<Dataset> {
        let file = self.file.clone();
        let elem = layout.dtype.element_size();
        if fill.as_ref().is_some_and(|f| f.len() != elem) {
            return Err(Error::Usage(
                "the fill value's size differs from the dataset's type",
            ));
        }
        if layout.maps.is_empty() {
            return Err(Error::Usage("a virtual dataset needs at least one mapping"));
        }
        if self.link_exists(name) {
            return Err(Error::AlreadyExists {
                what: "dataset",
                name: crate::group::join(&self.path, name),
            });
        }
        let mut ws = begin(&file)?;
        let ctx = file.inner.ctx;
        let latest = ws.libver == Libver::Latest;
        let block = VdsBlock {
            version: 0,
            mappings: layout
                .maps
                .iter()
                .map(|(vsel, src)| VdsMapping {
                    source_file: VdsName::Inline(src.file.clone().into_bytes()),
                    source_dataset: VdsName::Inline(src.dataset.clone().into_bytes()),
                    source_selection: stored(&src.selection, &src.shape),
                    virtual_selection: stored(vsel, &layout.shape),
                })
                .collect(),
        };
        let bytes = block.encode(&ctx)?;
        let sink = sink_of(&file, &ws);
        let heap = GlobalHeapCollection::with_objects(
            vec![GlobalHeapObject {
                index: 1,
                refcount: 0,
                data: bytes,
            }],
            &ctx,
        );
        let mut w = Writer::new();
        heap.encode(&mut w, &ctx)?;
        let heap_address = ws.alloc(w.len() as u64)?;
        sink.write(heap_address, w.as_slice())?;

        let mut dtype = layout.dtype.clone();
        let mut space = Dataspace::simple(layout.shape.clone(), Some(layout.max_shape.clone()));
        if latest {
            dtype.assign_versions(3);
            space.version = 2;
        }
        let fill_msg = FillValue {
            version: if latest { 3 } else { 2 },
            allocation_time: AllocationTime::Incremental,
            write_time: FillWriteTime::IfSet,
            state: match fill {
                Some(v) => FillState::UserDefined(v),
                None => FillState::Default,
            },
        };
        let msgs = vec![
            raw(&Message::Dataspace(space), 0, &ctx)?,
            raw(&Message::Datatype(dtype), mflags::CONSTANT, &ctx)?,
            raw(&Message::FillValue(fill_msg), mflags::CONSTANT, &ctx)?,
            raw(
                &Message::Layout(Layout {
                    version: 4,
                    storage: Storage::Virtual {
                        heap_address,
                        heap_index: 1,
                    },
                }),
                0,
                &ctx,
            )?,
        ];
        let h = new_header(ws.libver, msgs);
        let addr = put_header(&mut ws, &sink, None, &h)?;
        let path = link_new_object(&file, &mut ws, self, name, addr, "dataset")?;
        drop(ws);
        Dataset::new(file.clone(), file.inner.resolve(addr), path)
    }
}
