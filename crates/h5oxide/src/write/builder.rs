//! The dataset builder: settings collected first, everything written at `create`.

use h5oxide_format::object_header::message::dataspace::{Dataspace, UNLIMITED};
use h5oxide_format::object_header::message::datatype::{CharSet, Datatype, TypeClass, VarLenKind};
use h5oxide_format::object_header::message::fill_value::{
    AllocationTime, FillState, FillValue, FillWriteTime,
};
use h5oxide_format::object_header::message::flags as mflags;
use h5oxide_format::object_header::message::layout::{ChunkedLayout, Layout, Storage};
use h5oxide_format::object_header::message::Message;
use h5oxide_format::UNDEFINED_ADDRESS;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::external_storage::ExternalFile;
use crate::group::Group;
use crate::group::NamedDatatype;
use crate::selection::Selection;
use crate::write::attribute::AttrData;
use crate::write::chunks::{
    choose_index, chunk_origins, chunked_layout_message, write_index, ChunkCtx,
};
use crate::write::committed::committed_type_message;
use crate::write::external;
use crate::write::filters::{
    build_pipeline, Bitshuffle, Blosc, BloscShuffle, FilterSpec, ScaleOffset, Szip,
};
use crate::write::group::{begin, link_new_object};
use crate::write::object_header::{new_header, put_header, raw, sink_of};
use crate::write::types::{fixed_string_type, vlen_string_type, Elements, H5Write, WriteData};
use crate::write::vlen::{write_elements, write_strings, PackedStrings};
use crate::write::Libver;

/// A builder's data: values as an attribute holds them, or variable-length strings packed
/// into one buffer.
#[derive(Debug, Clone)]
enum Payload {
    Data(AttrData),
    Strings(PackedStrings),
}

/// Builds a dataset; nothing is written before [`DatasetBuilder::create`].
///
/// ```no_run
/// let file = h5oxide::File::create("out.h5")?;
/// let data: Vec<i64> = (0..10).collect();
/// file.root().new_dataset_builder().with_data(&data).deflate(4).create("subPano/1")?;
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use = "a builder writes nothing until `create`"]
pub struct DatasetBuilder {
    group: Group,
    dtype: Option<Datatype>,
    shape: Option<Vec<u64>>,
    scalar: bool,
    max_shape: Option<Vec<Option<u64>>>,
    chunk: Option<Vec<u64>>,
    auto_chunk: bool,
    filters: Vec<FilterSpec>,
    fill: Option<Vec<u8>>,
    data: Option<(Vec<u64>, Payload, Datatype)>,
    external: Vec<ExternalFile>,
    committed: Option<NamedDatatype>,
    compact: bool,
    null: bool,
    non_ascii: bool,
    fill_times: Option<(AllocationTime, FillWriteTime)>,
    fill_undefined: bool,
}

/// libhdf5's largest compact dataset: the layout message (at most 64 KiB) less its
/// version, class and size fields (spec IV.A.2.i, layout v3 class 0).
const MAX_COMPACT_BYTES: u64 = 65536 - 4;

/// A one-element dtype check for values given to the builder.
pub(crate) fn type_check(expected: &Option<Datatype>, got: &Datatype) -> Result<()> {
    match expected {
        Some(t) if t.descriptor() != got.descriptor() => Err(Error::Usage(
            "the value's type differs from the dataset's type (no conversion on write)",
        )),
        _ => Ok(()),
    }
}

impl DatasetBuilder {
    fn new(group: Group, dtype: Option<Datatype>) -> Self {
        DatasetBuilder {
            group,
            dtype,
            shape: None,
            scalar: false,
            max_shape: None,
            chunk: None,
            auto_chunk: false,
            filters: Vec::new(),
            fill: None,
            data: None,
            external: Vec::new(),
            committed: None,
            compact: false,
            null: false,
            non_ascii: false,
            fill_times: None,
            fill_undefined: false,
        }
    }

    /// The dataset's shape (not needed with [`DatasetBuilder::with_data`]; given with data,
    /// it replaces the data's own shape, for as many elements).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<f64>().shape([2, 3]).create("grid")?;
    /// assert_eq!(ds.shape(), [2, 3]);
    /// // Never written: every element reads as the fill value, 0.
    /// assert_eq!(ds.read_raw::<f64>()?, [0.0; 6]);
    /// // With data: six values as 3 x 2.
    /// let b = file.root().new_dataset_builder();
    /// let r = b.with_data(&[1u8, 2, 3, 4, 5, 6]).shape([3, 2]).create("r")?;
    /// assert_eq!(r.read_2d::<u8>()?, h5oxide::ndarray::array![[1, 2], [3, 4], [5, 6]]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn shape<S: AsRef<[usize]>>(mut self, shape: S) -> Self {
        self.shape = Some(shape.as_ref().iter().map(|&n| n as u64).collect());
        self
    }

    /// A scalar dataset (shape `()`).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<u8>().scalar().create("flag")?;
    /// assert_eq!(ds.shape(), Vec::<u64>::new());
    /// assert_eq!(ds.read_scalar::<u8>()?, 0);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn scalar(mut self) -> Self {
        self.scalar = true;
        self.shape = Some(Vec::new());
        self
    }

    /// Maximum shape, `None` for unlimited dimensions (h5py's `maxshape`). Implies chunked
    /// storage.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// // h5py: create_dataset("log", shape=(0,), maxshape=(None,), dtype="i4")
    /// let mut ds = file.root().new_dataset::<i32>().shape([0]).max_shape([None]).create("log")?;
    /// assert!(ds.is_chunked());
    /// ds.resize([3])?;
    /// ds.write(&[7, 8, 9])?;
    /// assert_eq!(ds.read_raw::<i32>()?, [7, 8, 9]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn max_shape<M: AsRef<[Option<usize>]>>(mut self, max: M) -> Self {
        self.max_shape = Some(max.as_ref().iter().map(|m| m.map(|n| n as u64)).collect());
        self
    }

    /// Chunk shape (h5py's `chunks`).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let data: Vec<u16> = (0..100).collect();
    /// let ds = file.root().new_dataset_builder().with_data(&data).chunk([10]).create("x")?;
    /// assert_eq!(ds.chunks(), Some(vec![10]));
    /// assert_eq!(ds.chunk_list()?.len(), 10);
    /// assert_eq!(ds.read_raw::<u16>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn chunk<C: AsRef<[usize]>>(mut self, chunk: C) -> Self {
        self.chunk = Some(chunk.as_ref().iter().map(|&n| n as u64).collect());
        self
    }

    /// Chunked storage with the chunk shape chosen as h5py chooses it for `chunks=True`
    /// (about 16 KiB to 1 MiB per chunk, halving the largest dimensions in turn). Filters
    /// and a maximum shape beyond the shape imply chunking without this call.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// // h5py: create_dataset("grid", shape=(100, 100), dtype="f8", chunks=True)
    /// let ds = file.root().new_dataset::<f64>().shape([100, 100]).chunk_auto().create("grid")?;
    /// // h5py.filters.guess_chunk((100, 100), None, 8) == (25, 50)
    /// assert_eq!(ds.chunks(), Some(vec![25, 50]));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn chunk_auto(mut self) -> Self {
        self.auto_chunk = true;
        self
    }

    /// Deflate (gzip) compression at `level` 0-9 (h5py's `compression="gzip"`).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let data = vec![1.5f32; 1000];
    /// // h5py: create_dataset("x", data=data, compression="gzip", compression_opts=4)
    /// let ds = file.root().new_dataset_builder().with_data(&data).deflate(4).create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 1);
    /// assert!(ds.storage_size()? < 4000);
    /// assert_eq!(ds.read_raw::<f32>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn deflate(mut self, level: u8) -> Self {
        self.filters
            .push(FilterSpec::Deflate(u32::from(level.min(9))));
        self
    }

    /// The byte shuffle filter, applied before compression.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let data: Vec<i64> = (0..500).collect();
    /// let b = file.root().new_dataset_builder();
    /// let ds = b.with_data(&data).deflate(6).shuffle().create("x")?;
    /// // Whatever the call order, the shuffle (2) runs before deflate (1).
    /// let ids: Vec<u16> = ds.filters().unwrap().filters.iter().map(|f| f.id).collect();
    /// assert_eq!(ids, [2, 1]);
    /// assert_eq!(ds.read_raw::<i64>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn shuffle(mut self) -> Self {
        self.filters.push(FilterSpec::Shuffle);
        self
    }

    /// The Fletcher-32 checksum filter, applied last.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let data = [1u32, 2, 3, 4];
    /// let ds = file.root().new_dataset_builder().with_data(&data).fletcher32().create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 3);
    /// // Each chunk carries 4 checksum bytes.
    /// assert_eq!(ds.storage_size()?, 16 + 4);
    /// assert_eq!(ds.read_raw::<u32>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn fletcher32(mut self) -> Self {
        self.filters.push(FilterSpec::Fletcher32);
        self
    }

    /// LZF compression (h5py's `compression="lzf"`, filter 32000).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let data = vec![42i32; 256];
    /// let ds = file.root().new_dataset_builder().with_data(&data).lzf().create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 32000);
    /// assert_eq!(ds.read_raw::<i32>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn lzf(mut self) -> Self {
        self.filters.push(FilterSpec::Lzf);
        self
    }

    /// LZ4 compression (the HDF5 LZ4 plugin, filter 32004).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let data = vec![42i32; 256];
    /// let ds = file.root().new_dataset_builder().with_data(&data).lz4().create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 32004);
    /// assert_eq!(ds.read_raw::<i32>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn lz4(mut self) -> Self {
        self.filters.push(FilterSpec::Lz4);
        self
    }

    /// Zstandard compression at `level` (the HDF5 Zstandard plugin, filter 32015).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let data = vec![42i32; 256];
    /// let ds = file.root().new_dataset_builder().with_data(&data).zstd(3).create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 32015);
    /// assert_eq!(ds.read_raw::<i32>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn zstd(mut self, level: i32) -> Self {
        self.filters.push(FilterSpec::Zstd(level));
        self
    }

    /// Raw data in external files (h5py's `external=[(name, offset, size), ...]`): the
    /// dataset's bytes go end to end into these pieces, `u64::MAX` as the last size meaning
    /// unlimited. Relative names are relative to the HDF5 file's folder. Only for contiguous
    /// (not chunked, filtered or resizable) datasets, as in libhdf5.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("h5oxide-doc-external-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let file = h5oxide::File::create(dir.join("main.h5"))?;
    /// // h5py: create_dataset("x", data=..., external=[("raw.bin", 0, 8), ("raw.bin", 8, 8)])
    /// let ds = file
    ///     .root()
    ///     .new_dataset_builder()
    ///     .with_data(&[1u32, 2, 3, 4])
    ///     .external(&[("raw.bin", 0, 8), ("raw.bin", 8, 8)])
    ///     .create("x")?;
    /// assert_eq!(ds.external_files()?.len(), 2);
    /// assert_eq!(ds.read_raw::<u32>()?, [1, 2, 3, 4]);
    /// file.close()?;
    /// // The values are in raw.bin, little-endian, end to end.
    /// assert_eq!(std::fs::read(dir.join("raw.bin"))?[..8], [1, 0, 0, 0, 2, 0, 0, 0]);
    /// std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn external<S: AsRef<str>>(mut self, files: &[(S, u64, u64)]) -> Self {
        self.external = files
            .iter()
            .map(|(name, offset, size)| ExternalFile {
                name: name.as_ref().to_owned(),
                offset: *offset,
                size: *size,
            })
            .collect();
        self
    }

    /// Blosc compression (filter 32001, hdf5plugin's `Blosc`) with `compressor`, `clevel`
    /// 0-9 and `shuffle`.
    ///
    /// ```
    /// use h5oxide::write::{Blosc, BloscShuffle};
    /// let file = h5oxide::File::in_memory()?;
    /// let data: Vec<f64> = (0..512).map(f64::from).collect();
    /// let ds = file
    ///     .root()
    ///     .new_dataset_builder()
    ///     .with_data(&data)
    ///     .blosc(Blosc::Lz4, 5, BloscShuffle::Byte)
    ///     .create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 32001);
    /// assert_eq!(ds.read_raw::<f64>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn blosc(mut self, compressor: Blosc, clevel: u8, shuffle: BloscShuffle) -> Self {
        self.filters
            .push(FilterSpec::Blosc(compressor, clevel, shuffle));
        self
    }

    /// Blosc2 compression (filter 32026, hdf5plugin's `Blosc2`).
    ///
    /// ```
    /// use h5oxide::write::{Blosc, BloscShuffle};
    /// let file = h5oxide::File::in_memory()?;
    /// let data: Vec<f64> = (0..512).map(f64::from).collect();
    /// let ds = file
    ///     .root()
    ///     .new_dataset_builder()
    ///     .with_data(&data)
    ///     .blosc2(Blosc::Zstd, 5, BloscShuffle::Bit)
    ///     .create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 32026);
    /// assert_eq!(ds.read_raw::<f64>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn blosc2(mut self, compressor: Blosc, clevel: u8, shuffle: BloscShuffle) -> Self {
        self.filters
            .push(FilterSpec::Blosc2(compressor, clevel, shuffle));
        self
    }

    /// The Bitshuffle filter (32008, hdf5plugin's `Bitshuffle`) with its compression.
    ///
    /// ```
    /// use h5oxide::write::Bitshuffle;
    /// let file = h5oxide::File::in_memory()?;
    /// let data: Vec<u16> = (0..1000).collect();
    /// let b = file.root().new_dataset_builder();
    /// let ds = b.with_data(&data).bitshuffle(Bitshuffle::Lz4).create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 32008);
    /// assert_eq!(ds.read_raw::<u16>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn bitshuffle(mut self, compression: Bitshuffle) -> Self {
        self.filters.push(FilterSpec::Bitshuffle(compression));
        self
    }

    /// SZIP compression (filter 4, h5py's `compression="szip"`) with `pixels_per_block`
    /// (even, 2-32); integer and floating-point types only.
    ///
    /// ```
    /// use h5oxide::write::Szip;
    /// let file = h5oxide::File::in_memory()?;
    /// let data: Vec<i32> = (0..1024).collect();
    /// let ds = file
    ///     .root()
    ///     .new_dataset_builder()
    ///     .with_data(&data)
    ///     .szip(Szip::NearestNeighbor, 16)
    ///     .create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 4);
    /// assert_eq!(ds.read_raw::<i32>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn szip(mut self, method: Szip, pixels_per_block: u32) -> Self {
        self.filters
            .push(FilterSpec::Szip(method, pixels_per_block));
        self
    }

    /// The scale-offset filter (6, h5py's `scaleoffset=`).
    ///
    /// ```
    /// use h5oxide::write::ScaleOffset;
    /// let file = h5oxide::File::in_memory()?;
    /// let data = [1.234f64, 2.345, 3.456];
    /// // h5py: scaleoffset=2 on a float dataset keeps two decimal digits.
    /// let ds = file
    ///     .root()
    ///     .new_dataset_builder()
    ///     .with_data(&data)
    ///     .scale_offset(ScaleOffset::FloatDScale(2))
    ///     .create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 6);
    /// let back = ds.read_raw::<f64>()?;
    /// assert!(back.iter().zip(&data).all(|(a, b)| (a - b).abs() <= 0.005));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn scale_offset(mut self, mode: ScaleOffset) -> Self {
        self.filters.push(FilterSpec::ScaleOffset(mode));
        self
    }

    /// The N-bit filter (5): only the significant bits of each value are stored.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let data = [1i32, -2, 300, -40000];
    /// let ds = file.root().new_dataset_builder().with_data(&data).nbit().create("x")?;
    /// assert_eq!(ds.filters().unwrap().filters[0].id, 5);
    /// assert_eq!(ds.read_raw::<i32>()?, data);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn nbit(mut self) -> Self {
        self.filters.push(FilterSpec::Nbit);
        self
    }

    /// The element type, known only at run time: with [`DatasetBuilder::shape`] (or
    /// [`DatasetBuilder::scalar`]) it makes an empty dataset whose data is written later.
    ///
    /// ```no_run
    /// let file = h5oxide::File::create("typed.h5")?;
    /// let t = <u16 as h5oxide::H5Write>::write_type();
    /// file.root().new_dataset_builder().dtype(t).shape([3, 4]).create("grid")?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn dtype(mut self, dtype: Datatype) -> Self {
        self.dtype = Some(dtype);
        self
    }

    /// The fill value as the stored bytes of one element of the dataset's type, for a
    /// type known only at run time. A length other than the element size makes
    /// [`DatasetBuilder::create`] fail.
    ///
    /// ```no_run
    /// let file = h5oxide::File::create("fill.h5")?;
    /// let t = <i16 as h5oxide::H5Write>::write_type();
    /// let b = file.root().new_dataset_builder().dtype(t);
    /// b.shape([8]).fill_value_raw((-1i16).to_le_bytes().to_vec()).create("x")?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn fill_value_raw(mut self, bytes: Vec<u8>) -> Self {
        self.fill = Some(bytes);
        self.fill_undefined = false;
        self
    }

    /// The fill value message's space allocation time and fill write time (spec IV.A.2.f,
    /// as `H5Pset_alloc_time` and `H5Pset_fill_time`), in place of the defaults:
    /// incremental for chunked datasets, early for compact ones, late otherwise, and the
    /// fill value written if set. Storage is still allocated when data is written; the
    /// times are recorded for readers and for other writers of the file.
    ///
    /// ```
    /// use h5oxide::format::object_header::message::fill_value::{AllocationTime, FillWriteTime};
    /// let file = h5oxide::File::in_memory()?;
    /// let b = file.root().new_dataset_builder().with_data(&[1u8, 2, 3]);
    /// let ds = b.fill_times(AllocationTime::Early, FillWriteTime::Never).create("x")?;
    /// assert_eq!(ds.read_raw::<u8>()?, [1, 2, 3]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn fill_times(mut self, allocation: AllocationTime, write: FillWriteTime) -> Self {
        self.fill_times = Some((allocation, write));
        self
    }

    /// Marks the fill value "undefined" (spec IV.A.2.f; libhdf5's `H5Pset_fill_value` with
    /// no value): readers may return anything for unwritten elements. This writer still
    /// stores zeros there. Of this and a fill value, the one given last holds.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let b = file.root().new_dataset::<i32>().shape([2]).fill_value(7);
    /// let ds = b.fill_value_undefined().create("x")?;
    /// assert_eq!(ds.fill_value_bytes(), None);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn fill_value_undefined(mut self) -> Self {
        self.fill = None;
        self.fill_undefined = true;
        self
    }

    /// Data given as stored elements with the variable-length data they refer to, for a
    /// type known only at run time that holds variable-length sequences, strings or
    /// references (copying a dataset, building one from HDF5/JSON). An empty `shape`
    /// makes a scalar dataset.
    ///
    /// ```
    /// use h5oxide::format::object_header::message::datatype::{Datatype, TypeClass, VarLenKind};
    /// use h5oxide::write::types::Elements;
    /// use h5oxide::H5Write;
    /// let file = h5oxide::File::in_memory()?;
    /// // vlen(<u2): two sequences, [1, 2] and [].
    /// let t = Datatype::new(16, TypeClass::VarLen {
    ///     kind: VarLenKind::Sequence,
    ///     base: Box::new(u16::write_type()),
    /// });
    /// let mut e = Elements::new();
    /// let mut items = Elements::new();
    /// u16::write_elements(&[1, 2], &mut items);
    /// e.push_var_len(2, items);
    /// e.push_var_len(0, Elements::new());
    /// let ds = file.root().new_dataset_builder().with_elements(t, &[2], e).create("seq")?;
    /// assert_eq!(ds.shape(), [2]);
    /// let v = ds.read_values()?;
    /// assert_eq!(v[0], h5oxide::Value::Sequence(vec![h5oxide::Value::UInt(1), h5oxide::Value::UInt(2)]));
    /// assert_eq!(v[1], h5oxide::Value::Sequence(vec![]));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn with_elements(mut self, dtype: Datatype, shape: &[u64], elements: Elements) -> Self {
        if self.dtype.is_none() {
            self.dtype = Some(dtype.clone());
        }
        self.scalar = shape.is_empty();
        let data = elements.into_data(&dtype);
        self.data = Some((shape.to_vec(), Payload::Data(data), dtype));
        self
    }

    /// Compact layout: the data is stored in the dataset's object header (spec IV.A.2.i,
    /// layout class 0), as `H5Pset_layout(H5D_COMPACT)`. For small datasets of a fixed
    /// shape only: not chunked, filtered, resizable or external, and at most 64 KiB.
    ///
    /// ```no_run
    /// let file = h5oxide::File::create("compact.h5")?;
    /// file.root().new_dataset_builder().with_data(&[1u8, 2, 3]).compact().create("c")?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn compact(mut self) -> Self {
        self.compact = true;
        self
    }

    /// A dataset with a null dataspace (`H5S_NULL`): a type and attributes, no elements.
    ///
    /// ```no_run
    /// let file = h5oxide::File::create("null.h5")?;
    /// file.root().new_dataset::<f64>().null().create("nothing")?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn null(mut self) -> Self {
        self.null = true;
        self.scalar = false;
        self.shape = Some(Vec::new());
        self
    }

    /// bzip2 compression (filter 307, the HDF5 bzip2 plugin) with `block_size` 1-9
    /// (hundreds of kilobytes; out-of-range values are clamped).
    ///
    /// ```no_run
    /// let file = h5oxide::File::create("bz.h5")?;
    /// let data: Vec<f64> = (0..1000).map(f64::from).collect();
    /// file.root().new_dataset_builder().with_data(&data).chunk([250]).bzip2(9).create("x")?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn bzip2(mut self, block_size: u8) -> Self {
        self.filters
            .push(FilterSpec::Bzip2(u32::from(block_size.clamp(1, 9))));
        self
    }

    /// The fill value: what unwritten elements read as.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset::<i32>().shape([3]).fill_value(-1).create("x")?;
    /// assert_eq!(ds.read_raw::<i32>()?, [-1, -1, -1]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn fill_value<T: H5Write>(mut self, value: T) -> Self {
        let mut b = Vec::new();
        T::write_bytes(&[value], &mut b);
        if self.dtype.is_none() {
            self.dtype = Some(T::write_type());
        }
        self.fill = Some(b);
        self.fill_undefined = false;
        self
    }

    /// The data to write at creation; gives the shape and (for
    /// [`Group::new_dataset_builder`]) the type.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let a = h5oxide::ndarray::array![[1u8, 2, 3], [4, 5, 6]];
    /// let ds = file.root().new_dataset_builder().with_data(&a).create("img")?;
    /// assert_eq!(ds.shape(), [2, 3]);
    /// assert_eq!(ds.dtype().descriptor(), "|u1");
    /// assert_eq!(ds.read_2d::<u8>()?, a);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn with_data<D: WriteData + ?Sized>(mut self, data: &D) -> Self {
        if self.dtype.is_none() {
            self.dtype = Some(D::Elem::write_type());
        }
        let t = D::Elem::write_type();
        self.data = Some((
            data.data_shape(),
            Payload::Data(data.data_elements().into_data(&t)),
            t,
        ));
        self
    }

    /// A scalar dataset holding `value`.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset_builder().with_scalar(6.02e23f64).create("avogadro")?;
    /// assert_eq!(ds.ndim(), 0);
    /// assert_eq!(ds.read_scalar::<f64>()?, 6.02e23);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn with_scalar<T: H5Write>(mut self, value: T) -> Self {
        if self.dtype.is_none() {
            self.dtype = Some(T::write_type());
        }
        let mut e = Elements::new();
        T::write_elements(&[value], &mut e);
        self.scalar = true;
        let t = T::write_type();
        self.data = Some((Vec::new(), Payload::Data(e.into_data(&t)), t));
        self
    }

    /// Stores the dataset's type as a reference to the committed datatype `t` (h5py's
    /// `dtype=file["name"]`): the dataset's datatype message is a shared message pointing
    /// to `t`'s object header, whose reference count counts the dataset. Data given with
    /// [`DatasetBuilder::with_data`] must have the same type.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let t = file.root().commit_type("celsius", &<f32 as h5oxide::H5Write>::write_type())?;
    /// file.root().new_dataset::<f32>().dtype_committed(&t).shape([4]).create("temps")?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn dtype_committed(mut self, t: &NamedDatatype) -> Self {
        self.committed = Some(t.clone());
        self
    }

    /// Data given as stored bytes of any fixed-size type (`dtype`), row-major, for a type
    /// known only at run time (copying a dataset, building one from HDF5/JSON). An empty
    /// `shape` makes a scalar dataset. Types holding variable-length data are refused at
    /// [`DatasetBuilder::create`]: their stored bytes are heap references, not values.
    ///
    /// ```
    /// use h5oxide::format::object_header::message::datatype::{ByteOrder, Datatype};
    /// let file = h5oxide::File::in_memory()?;
    /// // Two big-endian 16-bit unsigned integers.
    /// let t = Datatype::integer(2, false, ByteOrder::BigEndian);
    /// let ds = file.root().new_dataset_builder().with_raw(t, &[2], vec![0, 1, 1, 0]).create("x")?;
    /// assert_eq!(ds.dtype().descriptor(), ">u2");
    /// assert_eq!(ds.read_raw::<u16>()?, [1, 256]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn with_raw(mut self, dtype: Datatype, shape: &[u64], bytes: Vec<u8>) -> Self {
        if self.dtype.is_none() {
            self.dtype = Some(dtype.clone());
        }
        self.scalar = shape.is_empty();
        self.data = Some((shape.to_vec(), Payload::Data(AttrData::Bytes(bytes)), dtype));
        self
    }

    /// Variable-length UTF-8 strings (h5py's `str` datasets), one-dimensional unless
    /// [`DatasetBuilder::shape`] gives another shape of as many elements.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset_builder().with_strings(&["α", "beta"]).create("names")?;
    /// assert_eq!(ds.shape(), [2]);
    /// assert_eq!(ds.read_strings()?, ["α", "beta"]);
    /// // Four strings as a 2 x 2 dataset.
    /// let b = file.root().new_dataset_builder();
    /// let grid = b.with_strings(&["a", "b", "c", "d"]).shape([2, 2]).create("grid")?;
    /// assert_eq!(grid.shape(), [2, 2]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn with_strings<S: AsRef<str>>(mut self, values: &[S]) -> Self {
        let t = vlen_string_type();
        if self.dtype.is_none() {
            self.dtype = Some(t.clone());
        }
        let v = PackedStrings::new(values);
        self.data = Some((vec![v.len() as u64], Payload::Strings(v), t));
        self
    }

    /// Variable-length strings with the ASCII character set (`H5T_CSET_ASCII`, what C
    /// programs write by default), one-dimensional unless [`DatasetBuilder::shape`] gives
    /// another shape of as many elements. A value that is not ASCII makes
    /// [`DatasetBuilder::create`] fail.
    ///
    /// ```no_run
    /// let file = h5oxide::File::create("ascii.h5")?;
    /// file.root().new_dataset_builder().with_ascii_strings(&["a", "bc"]).create("s")?;
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn with_ascii_strings<S: AsRef<str>>(mut self, values: &[S]) -> Self {
        let mut t = vlen_string_type();
        if let TypeClass::VarLen {
            kind: VarLenKind::String { charset, .. },
            ..
        } = &mut t.class
        {
            *charset = CharSet::Ascii;
        }
        if self.dtype.is_none() {
            self.dtype = Some(t.clone());
        }
        let v = PackedStrings::new(values);
        self.non_ascii = v.has_non_ascii();
        self.data = Some((vec![v.len() as u64], Payload::Strings(v), t));
        self
    }

    /// Fixed-length strings of `size` bytes each, null-padded ASCII (NumPy's `S<size>`).
    /// A value longer than `size` makes [`DatasetBuilder::create`] fail.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let b = file.root().new_dataset_builder();
    /// let ds = b.with_fixed_strings(&["ab", "cdef"], 4).create("codes")?;
    /// assert_eq!(ds.dtype().descriptor(), "|S4:nullpad:ascii");
    /// assert_eq!(ds.read_strings()?, ["ab", "cdef"]);
    /// // Too long for the size: refused at create.
    /// let b = file.root().new_dataset_builder();
    /// let long = b.with_fixed_strings(&["abcde"], 4).create("bad");
    /// assert!(long.is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn with_fixed_strings<S: AsRef<[u8]>>(mut self, values: &[S], size: usize) -> Self {
        let t = fixed_string_type(size as u32, false);
        if self.dtype.is_none() {
            self.dtype = Some(t.clone());
        }
        let size = size.max(1);
        let mut b = Vec::with_capacity(values.len() * size);
        let mut ok = true;
        for v in values {
            let v = v.as_ref();
            ok &= v.len() <= size;
            b.extend_from_slice(&v[..v.len().min(size)]);
            b.resize(b.len() + size - v.len().min(size), 0);
        }
        // A length mismatch is reported at create as a size mismatch.
        if !ok {
            b.push(0);
        }
        self.data = Some((
            vec![values.len() as u64],
            Payload::Data(AttrData::Bytes(b)),
            t,
        ));
        self
    }

    /// Creates the dataset `name` (a path relative to the group, or absolute; missing
    /// intermediate groups are created) and writes its data.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset_builder().with_data(&[1i64, 2, 3]).create("a/b/c")?;
    /// assert_eq!(ds.name(), "/a/b/c");
    /// assert!(file.root().contains("a/b"));
    /// // The name is taken now.
    /// let again = file.root().new_dataset::<i64>().shape([1]).create("a/b/c");
    /// assert!(matches!(again, Err(h5oxide::Error::AlreadyExists { .. })));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `AlreadyExists` if the name exists; `Usage` for inconsistent settings (no type or
    /// shape, data whose size differs from the shape, a rank mismatch, a chunk dimension of
    /// 0, a maximum below the shape, filters or a maximum shape on a scalar); `ReadOnly`;
    /// filter and I/O errors.
    pub fn create(mut self, name: &str) -> Result<Dataset> {
        let file = self.group.file.clone();
        let committed = match &self.committed {
            Some(t) => {
                if !std::sync::Arc::ptr_eq(&t.file.inner, &file.inner) {
                    return Err(Error::Usage(
                        "a committed datatype can only be used in its own file",
                    ));
                }
                let stored = t.dtype()?;
                if let Some(d) = &self.dtype {
                    type_check(&Some(stored.clone()), d)?;
                }
                Some((t.address, stored))
            }
            None => None,
        };
        let mut dtype = match &committed {
            Some((_, t)) => t.clone(),
            None => self.dtype.clone().ok_or(Error::Usage(
                "a dataset needs a type: use new_dataset::<T>() or with_data",
            ))?,
        };
        let type_given = committed
            .as_ref()
            .map(|(_, t)| t.clone())
            .or(self.dtype.clone());
        let elem = dtype.element_size();
        // The builder is spent here: its data is taken, not copied.
        let (dims, data) = match (self.data.take(), &self.shape) {
            (Some((ds, payload, t)), shape) => {
                type_check(&type_given, &t)?;
                if matches!(payload, Payload::Data(AttrData::Bytes(_))) && t.has_variable_length() {
                    return Err(Error::Usage(
                        "raw bytes cannot hold variable-length data: give the values",
                    ));
                }
                let len = match &payload {
                    Payload::Data(AttrData::Bytes(b)) => b.len() as u64,
                    Payload::Data(AttrData::Elements(e)) => e.bytes().len() as u64,
                    Payload::Data(AttrData::Strings(v)) => v.len() as u64 * elem as u64,
                    Payload::Strings(v) => v.len() as u64 * elem as u64,
                };
                let dims = if self.scalar {
                    Vec::new()
                } else {
                    shape.clone().unwrap_or(ds)
                };
                let n: u64 = dims.iter().product();
                if n.saturating_mul(elem as u64) != len {
                    return Err(Error::Usage(
                        "the data's size differs from the dataset's shape",
                    ));
                }
                (dims, Some(payload))
            }
            (None, Some(s)) => (s.clone(), None),
            (None, None) => return Err(Error::Usage("a dataset needs a shape or data")),
        };
        if let Some(f) = &self.fill {
            if f.len() != elem {
                return Err(Error::Usage(
                    "the fill value's size differs from the dataset's type",
                ));
            }
        }
        if self.non_ascii {
            return Err(Error::Usage("an ASCII string holds a byte above 127"));
        }
        if self.null
            && (data.is_some()
                || self.chunk.is_some()
                || !self.filters.is_empty()
                || self.max_shape.is_some()
                || self.compact
                || !self.external.is_empty())
        {
            return Err(Error::Usage(
                "a null dataspace dataset has no data, chunks, filters or maximum shape",
            ));
        }
        let rank = dims.len();
        let max: Vec<u64> = match &self.max_shape {
            Some(m) if m.len() != rank => {
                return Err(Error::Usage("max_shape's rank differs from the shape's"))
            }
            Some(m) => m.iter().map(|d| d.unwrap_or(UNLIMITED)).collect(),
            None => dims.clone(),
        };
        if max.iter().zip(&dims).any(|(m, d)| m < d) {
            return Err(Error::Usage("max_shape is smaller than the shape"));
        }
        let chunked =
            self.chunk.is_some() || self.auto_chunk || !self.filters.is_empty() || max != dims;
        if !self.external.is_empty() {
            if chunked || self.scalar {
                return Err(Error::Usage(
                    "external storage is only for contiguous datasets (not chunked, \
                     filtered, resizable or scalar)",
                ));
            }
            let total = dims.iter().product::<u64>().saturating_mul(elem as u64);
            external::check_pieces(&self.external, total)?;
        }
        if self.compact {
            if chunked || !self.external.is_empty() {
                return Err(Error::Usage(
                    "a compact dataset cannot be chunked, filtered, resizable or external",
                ));
            }
            let total = dims.iter().product::<u64>().saturating_mul(elem as u64);
            if total > MAX_COMPACT_BYTES {
                return Err(Error::Usage(
                    "a compact dataset holds at most 64 KiB (the header message limit)",
                ));
            }
        }
        if self.scalar && chunked {
            return Err(Error::Usage(
                "a scalar dataset cannot be chunked, filtered or resized",
            ));
        }
        let chunk = if chunked {
            let c = match &self.chunk {
                Some(c) => c.clone(),
                None => guess_chunk(&dims, &max, elem),
            };
            if c.len() != rank || c.contains(&0) {
                return Err(Error::Usage(
                    "chunk shape must have the dataset's rank and no 0",
                ));
            }
            if c.iter().zip(&max).any(|(c, m)| *m != UNLIMITED && c > m) {
                return Err(Error::Usage(
                    "chunk shape must not exceed the maximum shape",
                ));
            }
            Some(c)
        } else {
            None
        };
        if self.group.link_exists(name) {
            return Err(Error::AlreadyExists {
                what: "dataset",
                name: crate::group::join(&self.group.path, name),
            });
        }
        let mut ws = begin(&file)?;
        let libver = ws.libver;
        if libver == Libver::Latest && committed.is_none() {
            dtype.assign_versions(3);
        }
        let pipeline = match &chunk {
            Some(c) => build_pipeline(&self.filters, &dtype, self.fill.as_deref(), c, libver)?,
            None => None,
        };
        let fill_elem = self.fill.clone().unwrap_or_else(|| vec![0; elem]);
        let sink = sink_of(&file, &ws);
        let data = match data {
            Some(Payload::Data(AttrData::Bytes(b))) => Some(b),
            Some(Payload::Data(AttrData::Strings(v))) => Some(write_strings(
                &mut ws,
                &sink,
                v.iter().map(|s| s.as_bytes()),
            )?),
            Some(Payload::Strings(v)) => Some(write_strings(&mut ws, &sink, v.iter())?),
            Some(Payload::Data(AttrData::Elements(e))) => Some(write_elements(&mut ws, &sink, e)?),
            None => None,
        };
        let total = if self.null {
            0
        } else {
            dims.iter().product::<u64>().saturating_mul(elem as u64)
        };
        let layout = match &chunk {
            // Compact storage is allocated at creation, so unwritten data is the fill value.
            None if self.compact => {
                let data = match &data {
                    Some(bytes) => bytes.clone(),
                    None => fill_elem.repeat((total / elem.max(1) as u64) as usize),
                };
                Storage::Compact {
                    data,
                    legacy_dims: Vec::new(),
                }
            }
            None if !self.external.is_empty() => {
                if let Some(bytes) = &data {
                    let dir = file.path().and_then(|p| p.parent());
                    external::write_data(dir, &self.external, 0, bytes)?;
                }
                Storage::Contiguous {
                    address: UNDEFINED_ADDRESS,
                    size: Some(total),
                    legacy_dims: Vec::new(),
                }
            }
            None => {
                let address = match &data {
                    Some(bytes) => {
                        let at = ws.alloc(bytes.len() as u64)?;
                        sink.write(at, bytes)?;
                        at
                    }
                    None => UNDEFINED_ADDRESS,
                };
                Storage::Contiguous {
                    address,
                    size: Some(total),
                    legacy_dims: Vec::new(),
                }
            }
            Some(c) => {
                let cx = ChunkCtx {
                    chunk: c.clone(),
                    elem,
                    pipeline: pipeline.clone(),
                    fill: fill_elem.clone(),
                };
                let mut records = Vec::new();
                if let Some(bytes) = &data {
                    let sel = Selection::all(&dims);
                    for origin in chunk_origins(&sel, c) {
                        let mut block = cx.fill_block()?;
                        sel.copy_into_block(bytes, &mut block, &origin, c, elem)?;
                        records.push(cx.write_chunk(&mut ws, &sink, origin, block, None)?);
                    }
                }
                let template = ChunkedLayout {
                    flags: 0,
                    dims: c.clone(),
                    element_size: elem as u64,
                    index: choose_index(ws.layout_v4, &dims, &max, c),
                    address: UNDEFINED_ADDRESS,
                };
                let filtered = pipeline.is_some();
                Storage::Chunked(write_index(
                    &mut ws,
                    &sink,
                    &mut records,
                    &template,
                    &max,
                    filtered,
                )?)
            }
        };
        let ctx = file.inner.ctx;
        let mut space = if self.null {
            Dataspace::null()
        } else if self.scalar {
            Dataspace::scalar()
        } else {
            Dataspace::simple(dims.clone(), Some(max))
        };
        let (allocation_time, write_time) = self.fill_times.unwrap_or((
            if chunk.is_some() {
                AllocationTime::Incremental
            } else if self.compact {
                // spec IV.A.2.f: compact storage is always allocated early.
                AllocationTime::Early
            } else {
                AllocationTime::Late
            },
            FillWriteTime::IfSet,
        ));
        let fill = FillValue {
            version: if libver == Libver::Latest { 3 } else { 2 },
            allocation_time,
            write_time,
            state: match &self.fill {
                None if self.fill_undefined => FillState::Undefined,
                Some(v) => FillState::UserDefined(v.clone()),
                None => FillState::Default,
            },
        };
        if libver == Libver::Latest {
            space.version = 2;
        }
        let type_msg = match &committed {
            Some((at, _)) => committed_type_message(&file, &mut ws, *at)?,
            None => raw(&Message::Datatype(dtype), mflags::CONSTANT, &ctx)?,
        };
        let mut msgs = vec![
            raw(&Message::Dataspace(space), 0, &ctx)?,
            type_msg,
            raw(&Message::FillValue(fill), mflags::CONSTANT, &ctx)?,
        ];
        if let Some(p) = pipeline {
            msgs.push(raw(&Message::FilterPipeline(p), 0, &ctx)?);
        }
        if !self.external.is_empty() {
            let efl = external::write_message(&mut ws, &sink, &self.external)?;
            msgs.push(raw(&Message::External(efl), mflags::CONSTANT, &ctx)?);
        }
        let layout = match layout {
            Storage::Chunked(c) => chunked_layout_message(c),
            storage => Layout {
                version: 3,
                storage,
            },
        };
        msgs.push(raw(&Message::Layout(layout), 0, &ctx)?);
        let h = new_header(libver, msgs);
        let addr = put_header(&mut ws, &sink, None, &h)?;
        let path = link_new_object(&file, &mut ws, &self.group, name, addr, "dataset")?;
        drop(ws);
        Dataset::new(file.clone(), file.inner.resolve(addr), path)
    }
}

/// h5py's chunk guess: start from the shape (1024 for a 0-length dimension), then halve
/// dimensions in turn until a chunk is near a target that grows with the dataset's size
/// (16 KiB at 1 MiB, doubling per factor 10, between 8 KiB and 1 MiB).
fn guess_chunk(dims: &[u64], _max: &[u64], elem: usize) -> Vec<u64> {
    const BASE: f64 = 16.0 * 1024.0;
    const MIN: f64 = 8.0 * 1024.0;
    const MAX: f64 = 1024.0 * 1024.0;
    let mut c: Vec<f64> = dims
        .iter()
        .map(|&d| if d == 0 { 1024.0 } else { d as f64 })
        .collect();
    if c.is_empty() {
        return Vec::new();
    }
    let size = c.iter().product::<f64>() * elem as f64;
    let target = (BASE * 2f64.powf((size / (1024.0 * 1024.0)).log10())).clamp(MIN, MAX);
    let mut i = 0usize;
    loop {
        let n: f64 = c.iter().product();
        let bytes = n * elem as f64;
        if (bytes < target || (bytes - target).abs() / target < 0.5) && bytes < MAX {
            break;
        }
        if n <= 1.0 {
            break;
        }
        let k = i % c.len();
        c[k] = (c[k] / 2.0).ceil();
        i += 1;
    }
    c.into_iter().map(|v| v.max(1.0) as u64).collect()
}

/// A shape as Python prints a tuple: `()`, `(10,)`, `(3, 4)`.
fn py_shape(dims: &[u64]) -> String {
    match dims {
        [d] => format!("({d},)"),
        _ => {
            let parts: Vec<String> = dims.iter().map(u64::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// True if every value of the type described by `new` (a NumPy-style descriptor such as
/// `<i4`) fits the type described by `existing`: NumPy's `can_cast(new, existing)`, the
/// test h5py's `require_dataset` applies.
fn can_cast(new: &str, existing: &str) -> bool {
    if new == existing {
        return true;
    }
    let split = |d: &str| -> Option<(char, u32)> {
        let d = d.trim_start_matches(['<', '>', '|', '=']);
        let mut c = d.chars();
        let kind = c.next()?;
        Some((kind, c.as_str().parse().ok()?))
    };
    let (Some((nk, ns)), Some((ek, es))) = (split(new), split(existing)) else {
        return false;
    };
    // An integer fits a float whose mantissa holds it; NumPy counts int64 -> float64 safe.
    let int_in_float = |i: u32, f: u32| f > i || (i == 8 && f == 8);
    match (nk, ek) {
        ('b', 'b' | 'i' | 'u' | 'f' | 'c') => true,
        ('i', 'i') | ('u', 'u') | ('f', 'f') | ('c', 'c') => es >= ns,
        ('u', 'i') => es > ns,
        ('i' | 'u', 'f') => int_in_float(ns, es),
        ('i' | 'u', 'c') => int_in_float(ns, es / 2),
        ('f', 'c') => es / 2 >= ns,
        _ => false,
    }
}

impl DatasetBuilder {
    /// Creates the dataset `name` holding `data`, written from the caller's memory: what
    /// `with_data(data).create(name)` makes, without the builder's copy of the data, for
    /// arrays of hundreds of MiB (h5py's `create_dataset(name, data=arr)`). The shape comes
    /// from `data` unless [`DatasetBuilder::shape`] gave one of as many elements; the type
    /// from `data` unless the builder has one.
    ///
    /// Compact datasets, written whole at creation, and null dataspaces go through
    /// [`DatasetBuilder::with_data`] instead.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let img = h5oxide::ndarray::Array3::<u8>::from_elem((4, 80, 80), 7);
    /// let b = file.root().new_dataset_builder().chunk([1, 80, 80]).deflate(4);
    /// let ds = b.create_with("images", &img)?;
    /// assert_eq!(ds.shape(), [4, 80, 80]);
    /// assert_eq!(ds.read_raw::<u8>()?, img.as_slice().unwrap());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if a given shape holds a different number of elements than `data`; as
    /// [`DatasetBuilder::create`] and [`Dataset::write`]. When the write fails, the new
    /// dataset is unlinked again.
    pub fn create_with<D: WriteData + ?Sized>(mut self, name: &str, data: &D) -> Result<Dataset> {
        if self.compact || self.null || self.data.is_some() {
            return self.with_data(data).create(name);
        }
        let data_shape = data.data_shape();
        if self.dtype.is_none() {
            self.dtype = Some(D::Elem::write_type());
        }
        let dims = if self.scalar {
            Vec::new()
        } else {
            self.shape.clone().unwrap_or_else(|| data_shape.clone())
        };
        if dims.iter().product::<u64>() != data_shape.iter().product::<u64>() {
            return Err(Error::Usage(
                "the data's size differs from the dataset's shape",
            ));
        }
        if !self.scalar {
            self.shape = Some(dims);
        }
        let group = self.group.clone();
        let mut ds = self.create(name)?;
        if let Err(e) = ds.write(data) {
            drop(ds);
            // The dataset was new: take it away again so the failed call leaves no trace
            // beyond the space its header took.
            let _ = group.unlink(name);
            return Err(e);
        }
        Ok(ds)
    }

    /// Opens the dataset `name` if it exists and matches this builder's shape and type,
    /// or creates it (h5py's `require_dataset(name, shape, dtype)`). The existing dataset
    /// must have the same shape, and its type must hold every value of the requested one
    /// (NumPy's safe casting: an `i4` request accepts an `i8` dataset, not the reverse).
    /// Other settings (chunks, filters, data) apply only when the dataset is created.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let root = file.root();
    /// let a = root.new_dataset::<i64>().shape([10]).require("counts")?;
    /// // A second call opens the same dataset.
    /// let b = root.new_dataset::<i64>().shape([10]).require("counts")?;
    /// assert_eq!(a.address(), b.address());
    /// // i32 values fit the i64 dataset; another shape does not match.
    /// assert!(root.new_dataset::<i32>().shape([10]).require("counts").is_ok());
    /// let e = root.new_dataset::<i64>().shape([20]).require("counts").unwrap_err();
    /// assert_eq!(e.to_string(), "Shapes do not match (existing (10,) vs new (20,))");
    /// let e = root.new_dataset::<f64>().shape([10]).require("counts").unwrap_err();
    /// assert_eq!(e.to_string(), "Datatypes cannot be safely cast (existing <i8 vs new <f8)");
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Incompatible` if the existing dataset's shape or type differs; `WrongKind` if
    /// `name` is not a dataset; as [`DatasetBuilder::create`] when it is created.
    pub fn require(self, name: &str) -> Result<Dataset> {
        if !self.group.link_exists(name) {
            return self.create(name);
        }
        let ds = self.group.dataset(name)?;
        let want_type = match (&self.committed, &self.dtype, &self.data) {
            (Some(t), _, _) => Some(t.dtype()?),
            (None, Some(t), _) => Some(t.clone()),
            (None, None, Some((_, _, t))) => Some(t.clone()),
            (None, None, None) => None,
        };
        let want_shape = if self.scalar || self.null {
            Some(Vec::new())
        } else {
            self.shape
                .clone()
                .or_else(|| self.data.as_ref().map(|(s, _, _)| s.clone()))
        };
        let shape = ds.shape();
        if let Some(w) = want_shape.filter(|w| *w != shape) {
            return Err(Error::Incompatible {
                name: ds.name().to_owned(),
                reason: format!(
                    "Shapes do not match (existing {} vs new {})",
                    py_shape(&shape),
                    py_shape(&w)
                ),
            });
        }
        if let Some(w) = want_type {
            let (have, want) = (ds.dtype().descriptor(), w.descriptor());
            if !can_cast(&want, &have) {
                return Err(Error::Incompatible {
                    name: ds.name().to_owned(),
                    reason: format!(
                        "Datatypes cannot be safely cast (existing {have} vs new {want})"
                    ),
                });
            }
        }
        Ok(ds)
    }
}

impl Group {
    /// Opens the dataset `name` of element type `T` and shape `shape` if it exists, or
    /// creates it (h5py's `require_dataset(name, shape, dtype)`); see
    /// [`DatasetBuilder::require`] for what must match.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().require_dataset::<f32>("grid", [2, 3])?;
    /// assert_eq!(ds.shape(), [2, 3]);
    /// assert_eq!(file.root().require_dataset::<f32>("grid", [2, 3])?.address(), ds.address());
    /// assert!(file.root().require_dataset::<f32>("grid", [3, 2]).is_err());
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`DatasetBuilder::require`].
    pub fn require_dataset<T: H5Write>(
        &self,
        name: &str,
        shape: impl AsRef<[usize]>,
    ) -> Result<Dataset> {
        self.new_dataset::<T>().shape(shape).require(name)
    }

    /// A builder for a dataset of element type `T`.
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let mut ds = file.root().new_dataset::<u32>().shape([4]).create("counts")?;
    /// ds.write(&[1u32, 2, 3, 4])?;
    /// assert_eq!(ds.dtype().descriptor(), "<u4");
    /// assert_eq!(ds.read_1d::<u32>()?.to_vec(), [1, 2, 3, 4]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn new_dataset<T: H5Write>(&self) -> DatasetBuilder {
        DatasetBuilder::new(self.clone(), Some(T::write_type()))
    }

    /// A builder for a dataset whose type comes from its data
    /// ([`DatasetBuilder::with_data`]).
    ///
    /// ```
    /// let file = h5oxide::File::in_memory()?;
    /// let ds = file.root().new_dataset_builder().with_data(&vec![0.5f32, 1.5]).create("x")?;
    /// assert_eq!(ds.dtype().descriptor(), "<f4");
    /// assert_eq!(ds.read_raw::<f32>()?, [0.5, 1.5]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn new_dataset_builder(&self) -> DatasetBuilder {
        DatasetBuilder::new(self.clone(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_casts_follow_numpy() {
        // numpy.can_cast(new, existing) for each pair.
        for (new, existing, ok) in [
            ("<i4", "<i8", true),
            ("<i8", "<i4", false),
            ("<u4", "<i8", true),
            ("<u4", "<i4", false),
            ("<i2", "<f4", true),
            ("<i4", "<f4", false),
            ("<i8", "<f8", true),
            ("<f4", "<f8", true),
            ("<f8", "<f4", false),
            ("<f4", "<c8", true),
            ("<f8", "<c8", false),
            ("|b1", "<i1", true),
            ("<i1", "|b1", false),
            ("|S6", "|S6", true),
            ("|S6", "|S7", false),
            (">i4", "<i4", true),
        ] {
            assert_eq!(can_cast(new, existing), ok, "{new} -> {existing}");
        }
        assert_eq!(py_shape(&[]), "()");
        assert_eq!(py_shape(&[10]), "(10,)");
        assert_eq!(py_shape(&[3, 4]), "(3, 4)");
    }

    #[test]
    fn chunk_guess_follows_h5py() {
        // h5py.filters.guess_chunk((100, 100), None, 8) == (25, 50);
        // guess_chunk((10,), None, 8) == (10,); guess_chunk((1000, 80, 80, 3), ...) for u8.
        assert_eq!(guess_chunk(&[100, 100], &[100, 100], 8), vec![25, 50]);
        assert_eq!(guess_chunk(&[10], &[10], 8), vec![10]);
        assert_eq!(guess_chunk(&[0], &[UNLIMITED], 4), vec![1024]);
    }
}
