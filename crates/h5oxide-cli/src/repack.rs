//! `h5ox repack`: every group, dataset, attribute and link of a file rewritten into a new,
//! compact file, optionally with other filters, chunk shapes or format generation; then the
//! new file is read back and compared with the old one.
//!
//! References are stored as header addresses (spec VIII.C), so datasets holding them are
//! created empty with the other objects and their elements written once every object
//! exists (datasets may refer to each other or to themselves); attributes of objects with
//! attributes holding them are written after every object; each reference is rewritten to
//! the address of its target's copy (`elements`). Variable-length data is read from the
//! input's global heap and written to new heap collections. Such datasets are copied slab
//! by slab like the others; only compact ones (at most 64 KiB) are made whole, with their
//! data, after every other object.
//!
//! Also the dataset writer `import` and `load-json` share: a dataset of a run-time type
//! created and filled slab by slab (runs of leading rows), so memory stays bounded.

use std::collections::{HashMap, HashSet, VecDeque};
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use h5oxide::format::object_header::message::dataspace::DataspaceKind;
use h5oxide::format::object_header::message::datatype::{
    ByteOrder, CharSet, Datatype, StringPadding, TypeClass, VarLenKind,
};
use h5oxide::format::object_header::message::fill_value::{
    AllocationTime, FillState, FillValue, FillWriteTime,
};
use h5oxide::format::object_header::message::filter_pipeline::FilterPipeline;
use h5oxide::format::object_header::message::layout::Storage;
use h5oxide::write::{Bitshuffle, Blosc, BloscShuffle, ScaleOffset, Szip};
use h5oxide::{
    Attributes, Dataset, DatasetBuilder, DimSlice, File, Group, Libver, Link, Mode, NamedDatatype,
    Object, RawValue, Selection,
};

use h5oxide::write::types::Elements;

use crate::elements::{needs_encoding, Input, NotYet};
use crate::progress::Progress;
use crate::tree::join;

/// A boxed error: every failure ends as one line on stderr.
pub type BoxError = Box<dyn Error>;

/// Stored bytes handled per slab of rows.
pub const SLAB_BYTES: u64 = 16 << 20;

/// Arguments of `h5ox repack`.
#[derive(clap::Args)]
pub struct Args {
    /// The file to read.
    input: PathBuf,
    /// The file to write (replaced if it exists).
    output: PathBuf,
    /// Filters for every chunkable dataset (`gzip=6`, `lz4`, `zstd=3`, `bzip2=9`, `lzf`,
    /// `bitshuffle`, `nbit`, `shuffle+gzip=4`, `fletcher32+...`, `none`), or for one dataset
    /// as `PATH:FILTERS`. Without it, each dataset keeps its own filters.
    /// May be repeated; a path-specific setting wins.
    #[arg(long = "filter")]
    filter: Vec<String>,
    /// Format generation of the new file: `earliest` (superblock 0) or `latest`
    /// (superblock 3). Default: the generation of the input.
    #[arg(long)]
    libver: Option<String>,
    /// Chunk shape for every dataset of matching rank (`a,b,..`) or for one dataset
    /// (`PATH=a,b,..`). May be repeated.
    #[arg(long = "chunk")]
    chunk: Vec<String>,
    /// Skip reading the new file back and comparing it with the input.
    #[arg(long)]
    no_verify: bool,
}

/// One filter of a pipeline the writer can apply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FilterOp {
    /// Byte shuffle (id 2).
    Shuffle,
    /// Deflate at a level 0-9 (id 1).
    Deflate(u8),
    /// Fletcher-32 checksum (id 3).
    Fletcher32,
    /// LZF (id 32000).
    Lzf,
    /// LZ4 (id 32004).
    Lz4,
    /// Zstandard at a level (id 32015).
    Zstd(i32),
    /// bzip2 with a block size 1-9 (id 307).
    Bzip2(u8),
    /// N-bit packing (id 5).
    Nbit,
    /// SZIP with a coding method and pixels per block (id 4).
    Szip(Szip, u32),
    /// Scale-offset (id 6).
    ScaleOffset(ScaleOffset),
    /// Blosc with its compressor, level and shuffle (id 32001).
    Blosc(Blosc, u8, BloscShuffle),
    /// Blosc2 with its compressor, level and shuffle (id 32026).
    Blosc2(Blosc, u8, BloscShuffle),
    /// Bitshuffle with its compression (id 32008).
    Bitshuffle(Bitshuffle),
}

/// Parses `shuffle+gzip=4`, `lz4`, `zstd=3`, `lzf`, `none`, ... into filters, in order.
///
/// # Errors
/// An unknown filter name or a bad level.
pub fn parse_filters(s: &str) -> Result<Vec<FilterOp>, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for part in s.split('+') {
        let (name, level) = match part.split_once('=') {
            Some((n, l)) => (n.trim(), Some(l.trim())),
            None => (part.trim(), None),
        };
        let bad = || format!("bad filter level in {part:?}");
        let op = match name.to_ascii_lowercase().as_str() {
            "gzip" | "deflate" => {
                let l: u8 = level.map_or(Ok(4), str::parse).map_err(|_| bad())?;
                if l > 9 {
                    return Err(bad());
                }
                FilterOp::Deflate(l)
            }
            "zstd" => FilterOp::Zstd(level.map_or(Ok(3), str::parse).map_err(|_| bad())?),
            "shuffle" if level.is_none() => FilterOp::Shuffle,
            "fletcher32" if level.is_none() => FilterOp::Fletcher32,
            "lzf" if level.is_none() => FilterOp::Lzf,
            "lz4" if level.is_none() => FilterOp::Lz4,
            "bzip2" => {
                let l: u8 = level.map_or(Ok(9), str::parse).map_err(|_| bad())?;
                if !(1..=9).contains(&l) {
                    return Err(bad());
                }
                FilterOp::Bzip2(l)
            }
            "nbit" if level.is_none() => FilterOp::Nbit,
            "bitshuffle" if level.is_none() => FilterOp::Bitshuffle(Bitshuffle::Lz4),
            _ => {
                return Err(format!(
                    "unknown filter {part:?} (use gzip=N, zstd=N, bzip2=N, lz4, lzf, \
                     bitshuffle, nbit, shuffle, fletcher32, joined with '+', or none)"
                ))
            }
        };
        out.push(op);
    }
    Ok(out)
}

/// Parses a chunk shape `a,b,..`.
///
/// # Errors
/// A dimension that is not a positive integer.
pub fn parse_dims(s: &str) -> Result<Vec<u64>, String> {
    s.split(',')
        .map(|d| match d.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "bad chunk shape {s:?}: want positive integers a,b,.."
            )),
        })
        .collect()
}

/// The filters of a stored pipeline the writer can apply again, and the names of those it
/// cannot.
pub fn filters_of(p: &FilterPipeline) -> (Vec<FilterOp>, Vec<String>) {
    let mut ops = Vec::new();
    let mut lost = Vec::new();
    for f in &p.filters {
        let cd = &f.client_data;
        let level = cd.first().copied();
        let at = |i: usize| cd.get(i).copied();
        match f.id {
            1 => ops.push(FilterOp::Deflate(level.unwrap_or(4).min(9) as u8)),
            2 => ops.push(FilterOp::Shuffle),
            3 => ops.push(FilterOp::Fletcher32),
            32000 => ops.push(FilterOp::Lzf),
            32004 => ops.push(FilterOp::Lz4),
            // The plugin's single parameter is the level, a signed int stored as u32.
            32015 => ops.push(FilterOp::Zstd(level.map_or(3, |l| l as i32))),
            307 => ops.push(FilterOp::Bzip2(level.unwrap_or(9).clamp(1, 9) as u8)),
            5 => ops.push(FilterOp::Nbit),
            // libhdf5's szip client data: options mask, pixels per block, ...
            4 if at(1).is_some() => {
                let method = if at(0).unwrap_or(0) & szip_nn() != 0 {
                    Szip::NearestNeighbor
                } else {
                    Szip::Entropy
                };
                ops.push(FilterOp::Szip(method, at(1).unwrap_or(32)));
            }
            // Scale type, then scale factor (H5Z_SO_FLOAT_DSCALE 0, H5Z_SO_INT 2); the
            // E-scale method libhdf5 never implemented has no writer.
            6 if matches!(at(0), Some(0 | 2)) => {
                let factor = at(1).unwrap_or(0);
                ops.push(FilterOp::ScaleOffset(if at(0) == Some(2) {
                    ScaleOffset::Integer(factor)
                } else {
                    ScaleOffset::FloatDScale(factor as i32)
                }));
            }
            // The Blosc plugins: ..., level at 4, shuffle at 5, compressor code at 6.
            32001 | 32026 if cd.len() >= 7 => {
                let c = match cd[6] {
                    0 => Some(Blosc::BloscLz),
                    1 => Some(Blosc::Lz4),
                    2 => Some(Blosc::Lz4hc),
                    4 => Some(Blosc::Zlib),
                    5 => Some(Blosc::Zstd),
                    _ => None,
                };
                let sh = match cd[5] {
                    0 => BloscShuffle::None,
                    2 => BloscShuffle::Bit,
                    _ => BloscShuffle::Byte,
                };
                match c {
                    Some(c) if f.id == 32001 => {
                        ops.push(FilterOp::Blosc(c, cd[4].min(9) as u8, sh));
                    }
                    Some(c) => ops.push(FilterOp::Blosc2(c, cd[4].min(9) as u8, sh)),
                    None => lost.push(format!("blosc compressor {}", cd[6])),
                }
            }
            // Bitshuffle: version, version, element size, block size, compression, level.
            32008 => {
                let b = match at(4) {
                    Some(2) => Bitshuffle::Lz4,
                    Some(3) => Bitshuffle::Zstd(at(5).map_or(3, |l| l as i32)),
                    _ => Bitshuffle::None,
                };
                ops.push(FilterOp::Bitshuffle(b));
            }
            id => lost.push(f.name.clone().unwrap_or_else(|| format!("filter {id}"))),
        }
    }
    (ops, lost)
}

/// libhdf5's `H5_SZIP_NN_OPTION_MASK`.
fn szip_nn() -> u32 {
    32
}

/// `b` with the filters `ops`, in order.
pub fn apply_filters(mut b: DatasetBuilder, ops: &[FilterOp]) -> DatasetBuilder {
    for op in ops {
        b = match *op {
            FilterOp::Shuffle => b.shuffle(),
            FilterOp::Deflate(l) => b.deflate(l),
            FilterOp::Fletcher32 => b.fletcher32(),
            FilterOp::Lzf => b.lzf(),
            FilterOp::Lz4 => b.lz4(),
            FilterOp::Zstd(l) => b.zstd(l),
            FilterOp::Bzip2(l) => b.bzip2(l),
            FilterOp::Nbit => b.nbit(),
            FilterOp::Szip(m, p) => b.szip(m, p),
            FilterOp::ScaleOffset(m) => b.scale_offset(m),
            FilterOp::Blosc(c, l, s) => b.blosc(c, l, s),
            FilterOp::Blosc2(c, l, s) => b.blosc2(c, l, s),
            FilterOp::Bitshuffle(c) => b.bitshuffle(c),
        };
    }
    b
}

/// Everything needed to create a dataset of a run-time type.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Element type (fixed size).
    pub dtype: Datatype,
    /// Shape; empty for a scalar.
    pub dims: Vec<u64>,
    /// Maximum shape (`None` unlimited); `None` for a fixed shape.
    pub max: Option<Vec<Option<u64>>>,
    /// Chunk shape; `None` lets filters or a maximum shape pick one.
    pub chunk: Option<Vec<u64>>,
    /// Filters, in order.
    pub filters: Vec<FilterOp>,
    /// Fill value bytes (one element).
    pub fill: Option<Vec<u8>>,
    /// Compact layout (data in the object header).
    pub compact: bool,
    /// The committed datatype of the new file the dataset's type refers to.
    pub committed: Option<NamedDatatype>,
    /// Space allocation and fill write times of the fill value message, when kept.
    pub fill_times: Option<(AllocationTime, FillWriteTime)>,
    /// The fill value is marked undefined (spec IV.A.2.f) rather than default.
    pub fill_undefined: bool,
}

impl Plan {
    /// A new builder with the plan's type: the committed one if there is one.
    fn builder(&self, group: &Group) -> DatasetBuilder {
        let b = group.new_dataset_builder();
        match &self.committed {
            Some(t) => b.dtype_committed(t),
            None => b,
        }
    }
}

impl Plan {
    fn chunked(&self) -> bool {
        self.chunk.is_some()
            || !self.filters.is_empty()
            || self.max.as_ref().is_some_and(|m| {
                m.iter()
                    .zip(&self.dims)
                    .any(|(m, d)| m.is_none_or(|m| m != *d))
            })
    }

    /// Bytes of one leading row (the element size for a scalar or rank 1).
    fn row_bytes(&self) -> Option<u64> {
        self.dims
            .iter()
            .skip(1)
            .try_fold(u64::from(self.dtype.size), |a, &n| a.checked_mul(n))
    }

    /// Total stored bytes.
    pub fn total_bytes(&self) -> u64 {
        self.dims
            .iter()
            .try_fold(u64::from(self.dtype.size), |a, &n| a.checked_mul(n))
            .unwrap_or(u64::MAX)
    }
}

/// A chunk shape near 256 KiB when none is given: whole trailing dimensions, leading ones
/// halved in turn.
fn default_chunk(dims: &[u64], elem: u64) -> Vec<u64> {
    let mut c: Vec<u64> = dims.iter().map(|&d| d.max(1)).collect();
    let target = 256 * 1024;
    let mut i = 0;
    let bytes = |c: &[u64]| c.iter().fold(elem, |a, &d| a.saturating_mul(d));
    while bytes(&c) > target && c.iter().any(|&d| d > 1) {
        let k = i % c.len();
        c[k] = c[k].div_ceil(2);
        i += 1;
    }
    c
}

fn with_fill(b: DatasetBuilder, plan: &Plan) -> DatasetBuilder {
    let b = match &plan.fill {
        Some(f) => b.fill_value_raw(f.clone()),
        None if plan.fill_undefined => b.fill_value_undefined(),
        None => b,
    };
    match plan.fill_times {
        Some((a, w)) => b.fill_times(a, w),
        None => b,
    }
}

/// Creates `name` in `group` from `plan`, asking `rows(start, count)` for the stored bytes
/// of leading rows `start..start + count` (for a scalar: `(0, 1)`), a slab at a time.
///
/// # Errors
/// Builder errors, and whatever `rows` returns.
pub fn write_dataset(
    group: &Group,
    name: &str,
    plan: &Plan,
    rows: &mut dyn FnMut(u64, u64) -> Result<Vec<u8>, BoxError>,
    progress: &Progress,
) -> Result<Dataset, BoxError> {
    let elem = u64::from(plan.dtype.size);
    let Some((&nrows, rest)) = plan.dims.split_first() else {
        let bytes = rows(0, 1)?;
        progress.add(bytes.len() as u64);
        let b = plan.builder(group).with_raw(plan.dtype.clone(), &[], bytes);
        let b = if plan.compact { b.compact() } else { b };
        return Ok(with_fill(b, plan).create(name)?);
    };
    let row_bytes = plan.row_bytes().ok_or("dataset size overflows")?.max(1);
    let chunked = plan.chunked();
    let chunk = match (&plan.chunk, chunked) {
        (Some(c), _) => Some(c.clone()),
        (None, true) => Some(default_chunk(&plan.dims, elem)),
        (None, false) => None,
    };
    // Slabs of whole chunk rows, so no chunk is written twice.
    let unit = chunk.as_ref().map_or(1, |c| c[0].max(1));
    let step = ((SLAB_BYTES / row_bytes).max(1) / unit).max(1) * unit;
    let all = |start: u64, count: u64| -> Result<Selection, BoxError> {
        let mut d = vec![DimSlice {
            start,
            step: 1,
            count,
        }];
        d.extend(rest.iter().map(|&n| DimSlice::all(n)));
        Ok(Selection::new(d, &plan.dims)?)
    };
    let usize_dims = |d: &[u64]| -> Result<Vec<usize>, BoxError> {
        d.iter()
            .map(|&n| usize::try_from(n).map_err(|_| "dimension too large".into()))
            .collect()
    };
    let (mut ds, mut start) = if let Some(c) = &chunk {
        // Created holding its first slab, then grown to its shape within the maximum shape
        // (which is at least the shape), so no more than a slab is ever in memory.
        let first = step.min(nrows);
        let bytes = rows(0, first)?;
        progress.add(bytes.len() as u64);
        let mut shape = vec![first];
        shape.extend_from_slice(rest);
        let max: Vec<Option<usize>> = match &plan.max {
            Some(m) => m.iter().map(|m| m.map(|n| n as usize)).collect(),
            None => plan.dims.iter().map(|&n| Some(n as usize)).collect(),
        };
        let b = plan
            .builder(group)
            .with_raw(plan.dtype.clone(), &shape, bytes)
            .max_shape(max)
            .chunk(usize_dims(c)?);
        let b = with_fill(apply_filters(b, &plan.filters), plan);
        let mut ds = b.create(name)?;
        if first < nrows {
            ds.resize(usize_dims(&plan.dims)?)?;
        }
        (ds, first)
    } else if plan.total_bytes() > SLAB_BYTES {
        // Created empty, then filled slab by slab.
        let b = plan
            .builder(group)
            .dtype(plan.dtype.clone())
            .shape(usize_dims(&plan.dims)?);
        (with_fill(b, plan).create(name)?, 0)
    } else {
        let bytes = rows(0, nrows)?;
        progress.add(bytes.len() as u64);
        let b = plan
            .builder(group)
            .with_raw(plan.dtype.clone(), &plan.dims, bytes);
        let b = if plan.compact { b.compact() } else { b };
        (with_fill(b, plan).create(name)?, nrows)
    };
    while start < nrows {
        let count = step.min(nrows - start);
        let bytes = rows(start, count)?;
        progress.add(bytes.len() as u64);
        ds.write_selection_bytes(&all(start, count)?, &bytes)?;
        start += count;
    }
    Ok(ds)
}

/// Parses `earliest` / `latest`.
///
/// # Errors
/// Any other word.
pub fn parse_libver(s: &str) -> Result<Libver, String> {
    match s.to_ascii_lowercase().as_str() {
        "earliest" => Ok(Libver::Earliest),
        "latest" => Ok(Libver::Latest),
        _ => Err(format!("bad --libver {s:?}: use earliest or latest")),
    }
}

/// True for variable-length strings.
pub fn is_vlen_string(t: &Datatype) -> bool {
    matches!(
        t.class,
        TypeClass::VarLen {
            kind: VarLenKind::String { .. },
            ..
        }
    )
}

/// `b` holding `strings`, variable-length strings of type `t`: ASCII kept ASCII (when every
/// value is ASCII), anything else written as UTF-8.
pub fn with_strings_of(b: DatasetBuilder, t: &Datatype, strings: &[String]) -> DatasetBuilder {
    let ascii = matches!(
        t.class,
        TypeClass::VarLen {
            kind: VarLenKind::String {
                charset: CharSet::Ascii,
                ..
            },
            ..
        }
    );
    if ascii && strings.iter().all(|s| s.is_ascii()) {
        b.with_ascii_strings(strings)
    } else {
        b.with_strings(strings)
    }
}

/// An attribute value of a run-time type whose elements hold variable-length data or
/// references, re-encoded for the output.
pub struct ElementsValue {
    /// The stored type.
    pub dtype: Datatype,
    /// The shape; empty for a scalar.
    pub shape: Vec<u64>,
    /// The elements.
    pub elements: Elements,
}

impl h5oxide::AttrValue for ElementsValue {
    fn attr_type(&self) -> Datatype {
        self.dtype.clone()
    }
    fn attr_shape(&self) -> Vec<u64> {
        self.shape.clone()
    }
    fn attr_data(&self) -> h5oxide::write::AttrData {
        h5oxide::write::AttrData::Elements(self.elements.clone())
    }
}

/// The header address of the object at `path` of `file`: the root's, or the one its
/// hard link names.
///
/// # Errors
/// A path that does not end in a hard link.
pub fn address_of(file: &File, path: &str) -> Result<u64, BoxError> {
    let root = file.root();
    let Some((parent, name)) = path.trim_end_matches('/').rsplit_once('/') else {
        return Ok(root.address());
    };
    if name.is_empty() {
        return Ok(root.address());
    }
    let group = if parent.is_empty() {
        root
    } else {
        file.group(parent)?
    };
    match group.link(name)? {
        Some(Link::Hard { address }) => Ok(address),
        _ => Err(format!("{path}: not a hard link in the copy").into()),
    }
}

/// `t` with the versions the C library gives a type it writes to a file of the earliest
/// format (spec IV.A.2.d), when `earliest`: a file of a newer format may hold versions
/// (4, 5) that readers of the older format refuse.
///
/// References and variable-length elements of an input with `offsets`-byte addresses are
/// stored in the 8-byte encoding ([`crate::elements::output_type`]).
fn fit_type(t: &Datatype, earliest: bool, offsets: usize) -> Result<Datatype, BoxError> {
    let mut t = crate::elements::output_type(t, offsets)?;
    if earliest {
        t.assign_versions(1);
    }
    Ok(t)
}

/// A compact dataset holding references, made once every object it refers to exists.
struct LaterDataset {
    ds: Dataset,
    path: String,
    committed: Option<NamedDatatype>,
}

/// The state of one copy: which input objects exist in the output, and what waits for
/// other objects to exist (references name objects by their header address, so they are
/// written once their targets are copied).
struct Copier<'a> {
    output: &'a File,
    o: &'a Overrides,
    progress: &'a Progress,
    /// The input read directly: global heap and fill value messages.
    input: Option<Input>,
    /// Input header address -> path of the copy in the output.
    done: HashMap<u64, String>,
    /// Output header addresses by path, as looked up.
    out_addr: HashMap<String, u64>,
    /// Input header addresses of compact datasets holding references, not made yet.
    waiting: HashSet<u64>,
    later_datasets: Vec<LaterDataset>,
    /// Datasets holding references, made empty: their elements are written once every
    /// object exists. Source, copy, path.
    later_elements: Vec<(Dataset, Dataset, String)>,
    /// False while a compact dataset in a cycle of references is made contiguous.
    compact_allowed: bool,
    /// Bytes of an address in the input.
    offsets: usize,
    /// Hard links to datasets not made yet: group path, name, input address.
    later_links: Vec<(String, String, u64)>,
    /// Attributes of objects with attributes holding references: source, copy, path.
    later_attrs: Vec<(Attributes, Attributes, String)>,
    /// Set once every object exists: attributes are then written at once.
    objects_done: bool,
    /// The output is of the earliest format.
    earliest: bool,
}

impl Copier<'_> {
    /// Re-encodes `bytes`, stored elements of `t`, for the output.
    fn encode(&mut self, t: &Datatype, bytes: &[u8]) -> Result<Elements, BoxError> {
        let Copier {
            input,
            done,
            out_addr,
            waiting,
            output,
            ..
        } = self;
        let input = input
            .as_mut()
            .ok_or("variable-length data needs the input on disk")?;
        let mut remap = |a: u64| -> Result<u64, BoxError> {
            if waiting.contains(&a) {
                return Err(Box::new(NotYet(a)));
            }
            let path = done
                .get(&a)
                .ok_or_else(|| format!("a reference to an object at {a:#x} no link reaches"))?;
            if let Some(&x) = out_addr.get(path) {
                return Ok(x);
            }
            let x = address_of(output, path)?;
            out_addr.insert(path.clone(), x);
            Ok(x)
        };
        let mut e = Elements::new();
        input.encode(t, bytes, &mut remap, &mut e)?;
        Ok(e)
    }

    /// Copies every attribute of `from` onto `to`; those of an object with attributes
    /// holding references wait until every object exists (all of them, to keep their
    /// creation order).
    fn copy_attributes(
        &mut self,
        from: &Attributes,
        to: &Attributes,
        path: &str,
    ) -> Result<(), BoxError> {
        // Creation order kept where the source tracked it (the listing falls back to name
        // order).
        let list = from.list_in_creation_order()?;
        if !self.objects_done && list.iter().any(|a| a.dtype().has_reference()) {
            self.later_attrs
                .push((from.clone(), to.clone(), path.to_owned()));
            return Ok(());
        }
        for a in list {
            let name = a.name();
            let t = a.dtype();
            if a.space().kind == DataspaceKind::Null {
                // A type and no elements (h5py's `Empty`).
                to.set(
                    name,
                    &h5oxide::Empty(fit_type(t, self.earliest, self.offsets)?),
                )?;
                continue;
            }
            if is_vlen_string(t) && a.shape().len() <= 1 {
                let shape = a.shape();
                let strings: Vec<String> = a
                    .values()?
                    .into_iter()
                    .map(|v| match v {
                        h5oxide::Value::String(s) => Ok(s),
                        h5oxide::Value::Null => Ok(String::new()),
                        _ => Err(format!("{path} attribute {name:?}: a string is not UTF-8")),
                    })
                    .collect::<Result<_, _>>()?;
                // Rank 0 or 1 here; other ranks go through the element encoder.
                if shape.is_empty() {
                    to.set(name, strings.first().map_or("", String::as_str))?;
                } else {
                    to.set(name, &strings)?;
                }
            } else if needs_encoding(t) {
                let elements = self
                    .encode(t, a.raw()?)
                    .map_err(|e| format!("{path} attribute {name:?}: {e}"))?;
                let v = ElementsValue {
                    dtype: fit_type(t, self.earliest, self.offsets)?,
                    shape: a.shape(),
                    elements,
                };
                to.set(name, &v)?;
            } else {
                let v = RawValue {
                    dtype: fit_type(t, self.earliest, self.offsets)?,
                    shape: a.shape(),
                    bytes: a.raw()?.to_vec(),
                };
                to.set(name, &v)?;
            }
        }
        Ok(())
    }

    /// Sets `plan`'s fill value times from `ds`'s fill value message, kept when the copy
    /// has the same kind of storage (chunked or not) and is not compact (always allocated
    /// early), and whether its fill value is undefined.
    fn fill_settings(&mut self, ds: &Dataset, plan: &mut Plan) -> Result<(), BoxError> {
        let Some(f) = self.fill_message(ds)? else {
            return Ok(());
        };
        plan.fill_undefined = f.state == FillState::Undefined;
        if !plan.compact && ds.is_chunked() == (plan.chunked() && !plan.dims.is_empty()) {
            plan.fill_times = Some((f.allocation_time, f.write_time));
        }
        Ok(())
    }

    /// The fill value message of `ds`, read from the input directly.
    fn fill_message(&mut self, ds: &Dataset) -> Result<Option<FillValue>, BoxError> {
        match self.input.as_ref() {
            Some(i) => i.fill_message(ds.address()),
            None => Ok(None),
        }
    }

    fn copy_dataset(
        &mut self,
        ds: &Dataset,
        path: &str,
        committed: Option<NamedDatatype>,
    ) -> Result<Dataset, BoxError> {
        let out = self.output.root();
        let t = ds.dtype();
        if ds.is_null() {
            let b = out
                .new_dataset_builder()
                .dtype(fit_type(t, self.earliest, self.offsets)?)
                .null();
            let b = match &committed {
                Some(c) => b.dtype_committed(c),
                None => b,
            };
            let undefined = self
                .fill_message(ds)?
                .is_some_and(|f| f.state == FillState::Undefined);
            let b = match ds.fill_value_bytes() {
                Some(f) if !needs_encoding(t) => b.fill_value_raw(f.to_vec()),
                None if undefined => b.fill_value_undefined(),
                _ => b,
            };
            return Ok(b.create(path)?);
        }
        let mut plan = dataset_plan(ds, path, self.o)?;
        plan.compact &= self.compact_allowed;
        plan.dtype = fit_type(&plan.dtype, self.earliest, self.offsets)?;
        plan.committed = committed;
        self.fill_settings(ds, &mut plan)?;
        if is_vlen_string(t) {
            let strings = ds.read_strings()?;
            self.progress.add(plan.total_bytes());
            let string_builder = |committed: bool| {
                let b = if committed {
                    plan.builder(&out)
                } else {
                    out.new_dataset_builder()
                };
                with_strings_of(b, t, &strings)
            };
            // The writer stores null-terminated strings: a committed string type of other
            // padding cannot be referred to.
            let nullterm = matches!(
                t.class,
                TypeClass::VarLen {
                    kind: VarLenKind::String {
                        padding: StringPadding::NullTerminate,
                        ..
                    },
                    ..
                }
            );
            let same = nullterm && plan.committed.is_some();
            let mut b = string_builder(same);
            b = if plan.dims.is_empty() {
                b.scalar()
            } else {
                b.shape(plan.dims.iter().map(|&n| n as usize).collect::<Vec<_>>())
            };
            if let Some(m) = &plan.max {
                b = b.max_shape(m.iter().map(|m| m.map(|n| n as usize)).collect::<Vec<_>>());
            }
            if let Some(c) = &plan.chunk {
                b = b.chunk(c.iter().map(|&n| n as usize).collect::<Vec<_>>());
            }
            if let Some((a, w)) = plan.fill_times {
                b = b.fill_times(a, w);
            }
            if plan.fill_undefined {
                b = b.fill_value_undefined();
            }
            return Ok(apply_filters(b, &plan.filters).create(path)?);
        }
        if needs_encoding(t) {
            return self.copy_encoded(ds, path, plan);
        }
        let shape = plan.dims.clone();
        let mut rows = |start: u64, count: u64| -> Result<Vec<u8>, BoxError> {
            if shape.is_empty() {
                return Ok(ds.read_bytes()?);
            }
            Ok(ds.read_bytes_selection(&row_selection(&shape, start, count)?)?)
        };
        write_dataset(&out, path, &plan, &mut rows, self.progress)
    }

    /// A dataset whose elements hold variable-length data or references: created empty,
    /// its elements written slab by slab now, or once every object exists when they hold
    /// references. A compact one is made whole, with its data.
    fn copy_encoded(
        &mut self,
        ds: &Dataset,
        path: &str,
        mut plan: Plan,
    ) -> Result<Dataset, BoxError> {
        // A fill value of such a type is heap IDs or addresses of the input: kept only
        // when it is the null value (zeros, in the output's element size).
        plan.fill = match plan.fill.take() {
            Some(f) if f.iter().all(|&b| b == 0) => Some(vec![0; plan.dtype.element_size()]),
            _ => None,
        };
        let out = self.output.root();
        let t = ds.dtype();
        if plan.compact {
            // At most 64 KiB stored.
            let elements = self.encode(t, &ds.read_bytes()?)?;
            let b = plan
                .builder(&out)
                .with_elements(plan.dtype.clone(), &plan.dims, elements)
                .compact();
            let made = with_fill(b, &plan).create(path)?;
            self.progress.add(plan.total_bytes());
            return Ok(made);
        }
        let mut b = plan.builder(&out).dtype(plan.dtype.clone());
        b = if plan.dims.is_empty() {
            b.scalar()
        } else {
            b.shape(plan.dims.iter().map(|&n| n as usize).collect::<Vec<_>>())
        };
        if let Some(m) = &plan.max {
            b = b.max_shape(m.iter().map(|m| m.map(|n| n as usize)).collect::<Vec<_>>());
        }
        if !plan.dims.is_empty() && plan.chunked() {
            let c = match &plan.chunk {
                Some(c) => c.clone(),
                None => default_chunk(&plan.dims, u64::from(plan.dtype.size)),
            };
            b = b.chunk(c.iter().map(|&n| n as usize).collect::<Vec<_>>());
            b = apply_filters(b, &plan.filters);
        }
        let mut made = with_fill(b, &plan).create(path)?;
        if t.has_reference() {
            self.later_elements
                .push((ds.clone(), made.clone(), path.to_owned()));
        } else {
            self.copy_elements(ds, &mut made)?;
        }
        Ok(made)
    }

    /// Writes the elements of `from` into its copy `to`, re-encoded, a slab of leading rows
    /// at a time (whole chunk rows of the copy), so memory is bounded by the slab.
    fn copy_elements(&mut self, from: &Dataset, to: &mut Dataset) -> Result<(), BoxError> {
        let shape = from.shape();
        let t = from.dtype().clone();
        let Some((&nrows, rest)) = shape.split_first() else {
            let e = self.encode(&t, &from.read_bytes()?)?;
            to.write_selection_elements(&Selection::all(&shape), e)?;
            self.progress.add(t.element_size() as u64);
            return Ok(());
        };
        let row = rest
            .iter()
            .fold(t.element_size() as u64, |a, &n| a.saturating_mul(n))
            .max(1);
        let unit = to
            .chunks()
            .map_or(1, |c| c.first().copied().unwrap_or(1).max(1));
        let step = ((SLAB_BYTES / row).max(1) / unit).max(1) * unit;
        let mut start = 0;
        while start < nrows {
            let count = step.min(nrows - start);
            let sel = row_selection(&shape, start, count)?;
            let bytes = from.read_bytes_selection(&sel)?;
            let e = self.encode(&t, &bytes)?;
            to.write_selection_elements(&sel, e)?;
            self.progress.add(bytes.len() as u64);
            start += count;
        }
        Ok(())
    }

    /// Writes the elements of the datasets holding references, every object existing.
    fn write_later_elements(&mut self) -> Result<(), BoxError> {
        for (from, mut to, path) in std::mem::take(&mut self.later_elements) {
            self.copy_elements(&from, &mut to)
                .map_err(|e| format!("{path}: {e}"))?;
        }
        Ok(())
    }

    /// Records `made`, the copy of a dataset made late: its other links and attributes.
    fn made_later(&mut self, job: &LaterDataset, made: &Dataset) -> Result<(), BoxError> {
        let address = job.ds.address();
        self.waiting.remove(&address);
        self.done.insert(address, job.path.clone());
        let links: Vec<(String, String, u64)> = self
            .later_links
            .iter()
            .filter(|l| l.2 == address)
            .cloned()
            .collect();
        for (gpath, name, _) in links {
            self.output.group(&gpath)?.link_hard(&job.path, &name)?;
        }
        self.copy_attributes(&job.ds.attrs(), &made.attrs(), &job.path)
    }

    /// Makes the compact datasets holding references, each once the objects it refers to
    /// exist, with their other links and their attributes; of compact datasets referring
    /// to themselves or each other, one is made contiguous (its elements written later) to break the
    /// cycle.
    fn make_later_datasets(&mut self) -> Result<(), BoxError> {
        let mut todo = std::mem::take(&mut self.later_datasets);
        while !todo.is_empty() {
            let before = todo.len();
            let mut next = Vec::new();
            for job in todo {
                match self.copy_dataset(&job.ds, &job.path, job.committed.clone()) {
                    Ok(made) => self.made_later(&job, &made)?,
                    Err(e) if e.is::<NotYet>() => next.push(job),
                    Err(e) => return Err(format!("{}: {e}", job.path).into()),
                }
            }
            if next.len() == before {
                let job = next.remove(0);
                eprintln!(
                    "h5ox: warning: {}: compact datasets referring to themselves or each other; \
                     stored contiguous",
                    job.path
                );
                self.compact_allowed = false;
                let made = self.copy_dataset(&job.ds, &job.path, job.committed.clone());
                self.compact_allowed = true;
                self.made_later(&job, &made?)?;
            }
            todo = next;
        }
        Ok(())
    }
}

/// Settings that change datasets on the way.
struct Overrides {
    filter_all: Option<Vec<FilterOp>>,
    filter_path: HashMap<String, Vec<FilterOp>>,
    chunk_all: Option<Vec<u64>>,
    chunk_path: HashMap<String, Vec<u64>>,
}

fn norm(p: &str) -> String {
    if p.starts_with('/') {
        p.to_owned()
    } else {
        format!("/{p}")
    }
}

impl Overrides {
    fn parse(a: &Args) -> Result<Overrides, String> {
        let mut o = Overrides {
            filter_all: None,
            filter_path: HashMap::new(),
            chunk_all: None,
            chunk_path: HashMap::new(),
        };
        for f in &a.filter {
            match f.rsplit_once(':') {
                Some((p, spec)) => {
                    o.filter_path.insert(norm(p), parse_filters(spec)?);
                }
                None => o.filter_all = Some(parse_filters(f)?),
            }
        }
        for c in &a.chunk {
            match c.rsplit_once('=') {
                Some((p, spec)) => {
                    o.chunk_path.insert(norm(p), parse_dims(spec)?);
                }
                None => o.chunk_all = Some(parse_dims(c)?),
            }
        }
        Ok(o)
    }
}

/// True if the copy of `ds` is compact: kept compact unless the data is given other
/// storage.
fn stays_compact(ds: &Dataset, path: &str, o: &Overrides) -> bool {
    let rank = ds.shape().len();
    let chunk_override = o
        .chunk_path
        .get(path)
        .or(o.chunk_all.as_ref().filter(|c| c.len() == rank));
    let filter_override = o.filter_path.get(path).or(o.filter_all.as_ref());
    matches!(ds.layout().storage, Storage::Compact { .. })
        && chunk_override.is_none()
        && filter_override.is_none_or(Vec::is_empty)
}

fn dataset_plan(ds: &Dataset, path: &str, o: &Overrides) -> Result<Plan, BoxError> {
    let dims = ds.shape();
    let max = ds.max_shape();
    let chunk_override = o
        .chunk_path
        .get(path)
        .or(o.chunk_all.as_ref().filter(|c| c.len() == dims.len()));
    let filter_override = o.filter_path.get(path).or(o.filter_all.as_ref());
    let (mut filters, lost) = match ds.filters() {
        Some(p) => filters_of(p),
        None => (Vec::new(), Vec::new()),
    };
    if let Some(f) = filter_override {
        filters = f.clone();
    } else if !lost.is_empty() {
        eprintln!(
            "h5ox: warning: {path}: filter(s) {} cannot be written; stored without them",
            lost.join(", ")
        );
    }
    let scalar = dims.is_empty();
    if scalar {
        filters.clear();
    }
    let mut chunk = if scalar {
        None
    } else {
        chunk_override.cloned().or(ds.chunks())
    };
    if let Some(c) = &chunk {
        if c.len() != dims.len() {
            return Err(format!("{path}: chunk shape rank differs from the dataset's").into());
        }
    }
    let max_fixed = max.iter().zip(&dims).all(|(m, d)| *m == Some(*d));
    // A chunk may not exceed a fixed maximum dimension.
    if let Some(c) = chunk.as_mut() {
        for (c, m) in c.iter_mut().zip(&max) {
            if let Some(m) = m {
                *c = (*c).min((*m).max(1));
            }
        }
    }
    Ok(Plan {
        dtype: ds.dtype().clone(),
        dims,
        max: (!max_fixed && !scalar).then_some(max),
        chunk,
        filters,
        fill: ds.fill_value_bytes().map(<[u8]>::to_vec),
        compact: stays_compact(ds, path, o),
        committed: None,
        fill_times: None,
        fill_undefined: false,
    })
}

fn row_selection(shape: &[u64], start: u64, count: u64) -> Result<Selection, BoxError> {
    let Some((_, rest)) = shape.split_first() else {
        return Ok(Selection::all(shape));
    };
    let mut d = vec![DimSlice {
        start,
        step: 1,
        count,
    }];
    d.extend(rest.iter().map(|&n| DimSlice::all(n)));
    Ok(Selection::new(d, shape)?)
}

/// Copies the whole object graph of `input` into `output`.
fn copy_file(
    input: &File,
    output: &File,
    o: &Overrides,
    progress: &Progress,
) -> Result<(), BoxError> {
    let out_root = output.root();
    let mut cx = Copier {
        output,
        o,
        progress,
        input: match input.path() {
            Some(p) => Some(Input::open(p)?),
            None => None,
        },
        done: HashMap::new(),
        out_addr: HashMap::new(),
        waiting: HashSet::new(),
        later_datasets: Vec::new(),
        later_elements: Vec::new(),
        compact_allowed: true,
        offsets: 8,
        later_links: Vec::new(),
        later_attrs: Vec::new(),
        objects_done: false,
        earliest: output.superblock_version() < 2,
    };
    cx.offsets = cx.input.as_ref().map_or(8, Input::offsets);
    cx.copy_attributes(&input.root().attrs(), &out_root.attrs(), "/")?;
    cx.done.insert(input.root().address(), "/".to_owned());
    let mut queue: VecDeque<(Group, String)> = VecDeque::new();
    queue.push_back((input.root(), "/".to_owned()));
    let mut types = CommittedTypes::new(input, output)?;
    while let Some((g, gpath)) = queue.pop_front() {
        let out_group = output.group(&gpath)?;
        for (name, link) in g.links()? {
            let path = join(&gpath, &name);
            match link {
                Link::Hard { address } => {
                    if cx.waiting.contains(&address) {
                        cx.later_links.push((gpath.clone(), name, address));
                        continue;
                    }
                    if let Some(p) = cx.done.get(&address) {
                        // A committed type made early, for a dataset, is already here.
                        if *p != path {
                            out_group.link_hard(p, &name)?;
                        }
                        continue;
                    }
                    match g.object(&name)? {
                        Object::Group(child) => {
                            // Possibly made already, as the folder of a committed type.
                            let made = out_root.require_group(&path)?;
                            cx.copy_attributes(&child.attrs(), &made.attrs(), &path)?;
                            queue.push_back((child, path.clone()));
                        }
                        Object::Dataset(ds) => {
                            let committed = types.of_dataset(&ds, &mut cx.done)?;
                            if ds.dtype().has_reference() && stays_compact(&ds, &path, o) {
                                // Made with its data once the objects it refers to exist.
                                cx.waiting.insert(address);
                                cx.later_datasets.push(LaterDataset {
                                    ds,
                                    path,
                                    committed,
                                });
                                continue;
                            }
                            let made = cx.copy_dataset(&ds, &path, committed)?;
                            cx.copy_attributes(&ds.attrs(), &made.attrs(), &path)?;
                        }
                        Object::Datatype(_) => {
                            types.make(address, &mut cx.done)?;
                        }
                        _ => return Err(format!("{path}: unknown object kind").into()),
                    }
                    cx.done.insert(address, path);
                }
                Link::Soft { target } => out_group.link_soft(&target, &name)?,
                Link::External { file, path: p } => out_group.link_external(&file, &p, &name)?,
                _ => return Err(format!("{path}: user-defined links not yet supported").into()),
            }
            for (from, to, p) in std::mem::take(&mut types.attrs) {
                cx.copy_attributes(&from, &to, &p)?;
            }
        }
    }
    cx.make_later_datasets()?;
    cx.write_later_elements()?;
    cx.objects_done = true;
    for (from, to, p) in std::mem::take(&mut cx.later_attrs) {
        cx.copy_attributes(&from, &to, &p)?;
    }
    Ok(())
}

/// The committed datatypes of the input, made in the output when first needed (by a
/// dataset using one, or their own link), at their first path.
struct CommittedTypes {
    tree: crate::tree::Tree,
    source: Option<(crate::check::Source, h5oxide::format::Context)>,
    out_root: Group,
    made: HashMap<u64, NamedDatatype>,
    /// Attributes of the types made, to copy: source, copy, path.
    attrs: Vec<(Attributes, Attributes, String)>,
}

impl CommittedTypes {
    fn new(input: &File, output: &File) -> Result<CommittedTypes, BoxError> {
        let tree = crate::tree::Tree::walk(input);
        let any = tree
            .nodes
            .values()
            .any(|n| matches!(n.object, Object::Datatype(_)));
        // Headers are read directly only when there are committed types to find.
        let source = match (any, input.path()) {
            (true, Some(p)) => Some(crate::check::open_source(p)?),
            _ => None,
        };
        Ok(CommittedTypes {
            tree,
            source,
            out_root: output.root(),
            made: HashMap::new(),
            attrs: Vec::new(),
        })
    }

    /// The copy of the committed type at input address `address`, made now if needed.
    fn make(
        &mut self,
        address: u64,
        done: &mut HashMap<u64, String>,
    ) -> Result<NamedDatatype, BoxError> {
        if let Some(t) = self.made.get(&address) {
            return Ok(t.clone());
        }
        let node = self
            .tree
            .nodes
            .get(&address)
            .ok_or_else(|| format!("committed type at {address:#x} is not linked"))?;
        let Object::Datatype(t) = &node.object else {
            return Err(format!("object at {address:#x} is not a committed type").into());
        };
        let path = node.paths.first().cloned().unwrap_or_default();
        let earliest = self.out_root.file().superblock_version() < 2;
        let offsets = self.source.as_ref().map_or(8, |(_, c)| c.sizeof_offsets());
        let made = self
            .out_root
            .commit_type(&path, &fit_type(&t.dtype()?, earliest, offsets)?)?;
        self.attrs.push((t.attrs(), made.attrs(), path.clone()));
        done.insert(address, path);
        self.made.insert(address, made.clone());
        Ok(made)
    }

    /// The copy of the committed type `ds`'s datatype message refers to (spec IV.A.2.d,
    /// a shared datatype message in another object header), if it refers to one.
    fn of_dataset(
        &mut self,
        ds: &Dataset,
        done: &mut HashMap<u64, String>,
    ) -> Result<Option<NamedDatatype>, BoxError> {
        use h5oxide::format::object_header::message::shared::SharedLocation;
        use h5oxide::format::object_header::message::{self as msg, Message};
        let Some((src, ctx)) = &self.source else {
            return Ok(None);
        };
        let h = h5oxide::format::object_header::read_object_header(
            src,
            ds.address(),
            ctx,
            &h5oxide::format::Limits::DEFAULT,
        )?;
        let mut target = None;
        for raw in &h.messages {
            if let Ok(Message::Shared {
                msg_type: 0x0003,
                shared,
            }) = msg::decode(raw, ctx)
            {
                if let SharedLocation::ObjectHeader { address } = shared.location {
                    target = Some(address);
                }
            }
        }
        match target {
            Some(a) if self.tree.nodes.contains_key(&a) => Ok(Some(self.make(a, done)?)),
            _ => Ok(None),
        }
    }
}

/// Stored bytes of every dataset value (the progress total).
fn total_bytes(file: &File) -> u64 {
    let tree = crate::tree::Tree::walk(file);
    tree.nodes
        .values()
        .filter_map(|n| match &n.object {
            Object::Dataset(d) => Some(
                d.shape()
                    .iter()
                    .fold(d.dtype().element_size() as u64, |a, &n| a.saturating_mul(n)),
            ),
            _ => None,
        })
        .fold(0u64, u64::saturating_add)
}

/// The objects of two files by address, to compare references by the paths they name.
struct RefPaths<'a> {
    a: &'a File,
    b: &'a File,
    /// Bytes of an address in `a`: its types holding references or variable-length data
    /// are compared as the writer stores them ([`crate::elements::output_type`]).
    offsets: usize,
    trees: Option<(crate::tree::Tree, crate::tree::Tree)>,
    /// Both files read directly (their heaps cached), when both are on disk.
    inputs: Option<Option<(Input, Input)>>,
    /// Header addresses of `b`'s objects by path.
    b_paths: Option<HashMap<String, u64>>,
}

impl RefPaths<'_> {
    /// `t`, a type of the first file, as the writer stores it.
    fn wide(&self, t: &Datatype) -> Result<Datatype, BoxError> {
        crate::elements::output_type(t, self.offsets)
    }

    /// True if the stored elements `x` (of type `tx` in the first file) and `y` (of `ty`
    /// in the second) are equal: `x` re-encoded as the copy writes it (references to the
    /// addresses of the objects at the same paths in the second file) equals `y` read
    /// back, heap data included. `None` when a file is not on disk.
    fn equal_stored(
        &mut self,
        tx: &Datatype,
        x: &[u8],
        ty: &Datatype,
        y: &[u8],
    ) -> Result<Option<bool>, BoxError> {
        let RefPaths {
            a,
            b,
            trees,
            inputs,
            b_paths,
            ..
        } = self;
        let inputs = inputs.get_or_insert_with(|| match (a.path(), b.path()) {
            (Some(p), Some(q)) => Input::open(p).ok().zip(Input::open(q).ok()),
            _ => None,
        });
        let Some((ia, ib)) = inputs.as_mut() else {
            return Ok(None);
        };
        let (ta, tb) =
            trees.get_or_insert_with(|| (crate::tree::Tree::walk(a), crate::tree::Tree::walk(b)));
        let by_path = b_paths.get_or_insert_with(|| {
            tb.nodes
                .iter()
                .flat_map(|(&at, n)| n.paths.iter().map(move |p| (p.clone(), at)))
                .collect()
        });
        let mut to_b = |at: u64| -> Result<u64, BoxError> {
            ta.path_of(at)
                .and_then(|p| by_path.get(p))
                .copied()
                .ok_or_else(|| {
                    format!("a reference to an object at {at:#x} no link reaches").into()
                })
        };
        let mut ex = Elements::new();
        ia.encode(tx, x, &mut to_b, &mut ex)?;
        let mut ey = Elements::new();
        ib.encode(ty, y, &mut |at| Ok(at), &mut ey)?;
        Ok(Some(ex == ey))
    }

    /// True if `x` and `y` are equal, references counting as equal when they name objects
    /// at the same path (and, for regions, the same selection).
    fn equal(&mut self, x: &[h5oxide::Value], y: &[h5oxide::Value]) -> bool {
        let (a, b) = (self.a, self.b);
        let (ta, tb) = self
            .trees
            .get_or_insert_with(|| (crate::tree::Tree::walk(a), crate::tree::Tree::walk(b)));
        x.len() == y.len() && x.iter().zip(y).all(|(x, y)| value_eq(x, y, ta, tb))
    }
}

fn value_eq(
    x: &h5oxide::Value,
    y: &h5oxide::Value,
    ta: &crate::tree::Tree,
    tb: &crate::tree::Tree,
) -> bool {
    use h5oxide::Value as V;
    let same_object = |p: u64, q: u64| match (p, q) {
        (0, 0) => true,
        (0, _) | (_, 0) => false,
        _ => ta.path_of(p).is_some() && ta.path_of(p) == tb.path_of(q),
    };
    let all = |a: &[V], b: &[V]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| value_eq(x, y, ta, tb))
    };
    match (x, y) {
        (V::ObjectRef(p), V::ObjectRef(q)) => same_object(*p, *q),
        (
            V::RegionRef {
                object: p,
                selection: s,
            },
            V::RegionRef {
                object: q,
                selection: t,
            },
        ) => {
            // The copy stores selections in the oldest encoding that holds them.
            let oldest = |s: &h5oxide::format::selection::Selection| {
                crate::elements::oldest_encoding(s.clone())
            };
            oldest(s) == oldest(t) && same_object(*p, *q)
        }
        (V::Reference(r), V::Reference(s)) => crate::elements::revised_equal(r, s, &same_object),
        (V::Sequence(a), V::Sequence(b)) => all(a, b),
        (V::Array { dims: d, values: a }, V::Array { dims: e, values: b }) => d == e && all(a, b),
        (V::Compound(a), V::Compound(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((n, x), (m, y))| n == m && value_eq(x, y, ta, tb))
        }
        // NaN payloads compare by their bits.
        (V::Float(p), V::Float(q)) => p.to_bits() == q.to_bits(),
        _ => x == y,
    }
}

fn attrs_equal(
    a: &Attributes,
    b: &Attributes,
    path: &str,
    refs: &mut RefPaths<'_>,
) -> Result<(), BoxError> {
    let la = a.list()?;
    let lb = b.list()?;
    let names = |l: &[h5oxide::Attribute]| {
        let mut v: Vec<String> = l.iter().map(|x| x.name().to_owned()).collect();
        v.sort();
        v
    };
    if names(&la) != names(&lb) {
        return Err(format!("{path}: attribute names differ").into());
    }
    for x in &la {
        let y = lb
            .iter()
            .find(|y| y.name() == x.name())
            .ok_or("attribute lost")?;
        let what = format!("{path} attribute {:?}", x.name());
        if x.shape() != y.shape() {
            return Err(format!("{what}: shape differs").into());
        }
        if is_vlen_string(x.dtype()) {
            if x.values()? != y.values()? {
                return Err(format!("{what}: values differ").into());
            }
        } else if needs_encoding(x.dtype()) {
            if refs.wide(x.dtype())?.descriptor() != y.dtype().descriptor()
                || !refs.equal(&x.values()?, &y.values()?)
            {
                return Err(format!("{what}: type or values differ").into());
            }
        } else if x.dtype().descriptor() != y.dtype().descriptor() || x.raw()? != y.raw()? {
            return Err(format!("{what}: type or values differ").into());
        }
    }
    Ok(())
}

fn datasets_equal(
    a: &Dataset,
    b: &Dataset,
    path: &str,
    refs: &mut RefPaths<'_>,
) -> Result<(), BoxError> {
    if a.shape() != b.shape() || a.max_shape() != b.max_shape() {
        return Err(format!("{path}: shape or maximum shape differs").into());
    }
    if is_vlen_string(a.dtype()) {
        if !is_vlen_string(b.dtype()) || a.read_strings()? != b.read_strings()? {
            return Err(format!("{path}: values differ").into());
        }
        return Ok(());
    }
    if refs.wide(a.dtype())?.descriptor() != b.dtype().descriptor() {
        return Err(format!("{path}: type differs").into());
    }
    if needs_encoding(a.dtype()) {
        // Slab by slab, as copied.
        let shape = a.shape();
        let Some((&nrows, rest)) = shape.split_first() else {
            if !refs.equal(&a.read_values()?, &b.read_values()?) {
                return Err(format!("{path}: values differ").into());
            }
            return Ok(());
        };
        return slabs_equal(a, &shape, nrows, rest, path, &mut |sel| {
            let (x, y) = (a.read_bytes_selection(sel)?, b.read_bytes_selection(sel)?);
            Ok(match refs.equal_stored(a.dtype(), &x, b.dtype(), &y)? {
                Some(same) => same,
                None => refs.equal(
                    &a.read_values_selection(sel)?,
                    &b.read_values_selection(sel)?,
                ),
            })
        });
    }
    // Scale-offset D-scale on floats (filter 6, scale type 0) rounds to 10^-d: applied
    // again to rounded values it may move them by float error, so compare within it.
    let dscale = b.filters().and_then(|p| {
        p.filters
            .iter()
            .find(|f| f.id == 6 && f.client_data.first() == Some(&0))
            .map(|f| f.client_data.get(1).map_or(0, |&d| d as i32))
    });
    if let Some(d) = dscale {
        let tolerance = 10f64.powi(-d.clamp(-300, 300));
        let close = a
            .read_values()?
            .iter()
            .zip(&b.read_values()?)
            .all(|(x, y)| match (x, y) {
                (h5oxide::Value::Float(x), h5oxide::Value::Float(y)) => (x - y).abs() <= tolerance,
                _ => x == y,
            });
        if !close {
            return Err(format!("{path}: values differ by more than {tolerance}").into());
        }
        return Ok(());
    }
    let shape = a.shape();
    let Some((&nrows, rest)) = shape.split_first() else {
        if a.read_bytes()? != b.read_bytes()? {
            return Err(format!("{path}: value differs").into());
        }
        return Ok(());
    };
    slabs_equal(a, &shape, nrows, rest, path, &mut |sel| {
        Ok(a.read_bytes_selection(sel)? == b.read_bytes_selection(sel)?)
    })
}

/// Runs `same` over `a`'s rows in slabs of about `SLAB_BYTES`; an error naming the rows of
/// the first slab it finds different.
fn slabs_equal(
    a: &Dataset,
    shape: &[u64],
    nrows: u64,
    rest: &[u64],
    path: &str,
    same: &mut dyn FnMut(&Selection) -> Result<bool, BoxError>,
) -> Result<(), BoxError> {
    let row = rest
        .iter()
        .fold(a.dtype().element_size() as u64, |x, &n| x.saturating_mul(n))
        .max(1);
    let step = (SLAB_BYTES / row).max(1);
    let mut start = 0;
    while start < nrows {
        let count = step.min(nrows - start);
        if !same(&row_selection(shape, start, count)?)? {
            return Err(format!("{path}: values differ in rows {start}..{}", start + count).into());
        }
        start += count;
    }
    Ok(())
}

/// Compares structure, attributes and values of two files.
///
/// # Errors
/// The first difference found, named by path.
pub fn verify(a: &File, b: &File) -> Result<(), BoxError> {
    let offsets = a
        .path()
        .and_then(|p| Input::open(p).ok())
        .map_or(8, |i| i.offsets());
    let mut refs = RefPaths {
        a,
        b,
        offsets,
        trees: None,
        inputs: None,
        b_paths: None,
    };
    attrs_equal(&a.root().attrs(), &b.root().attrs(), "/", &mut refs)?;
    let mut seen: HashMap<u64, u64> = HashMap::new();
    seen.insert(a.root().address(), b.root().address());
    let mut queue = VecDeque::from([(a.root(), b.root())]);
    while let Some((ga, gb)) = queue.pop_front() {
        let la = ga.links()?;
        let lb = gb.links()?;
        let gpath = ga.name().to_owned();
        let na: Vec<&String> = la.iter().map(|(n, _)| n).collect();
        let nb: Vec<&String> = lb.iter().map(|(n, _)| n).collect();
        if na != nb {
            return Err(format!("{gpath}: member names differ").into());
        }
        for ((name, x), (_, y)) in la.iter().zip(&lb) {
            let path = join(&gpath, name);
            match (x, y) {
                (Link::Hard { address: xa }, Link::Hard { address: ya }) => {
                    if let Some(&m) = seen.get(xa) {
                        if m != *ya {
                            return Err(format!("{path}: hard link reaches another object").into());
                        }
                        continue;
                    }
                    seen.insert(*xa, *ya);
                    match (ga.object(name)?, gb.object(name)?) {
                        (Object::Group(p), Object::Group(q)) => {
                            attrs_equal(&p.attrs(), &q.attrs(), &path, &mut refs)?;
                            queue.push_back((p, q));
                        }
                        (Object::Dataset(p), Object::Dataset(q)) => {
                            datasets_equal(&p, &q, &path, &mut refs)?;
                            attrs_equal(&p.attrs(), &q.attrs(), &path, &mut refs)?;
                        }
                        (Object::Datatype(p), Object::Datatype(q)) => {
                            if p.dtype()?.descriptor() != q.dtype()?.descriptor() {
                                return Err(format!("{path}: committed type differs").into());
                            }
                            attrs_equal(&p.attrs(), &q.attrs(), &path, &mut refs)?;
                        }
                        _ => return Err(format!("{path}: object kind differs").into()),
                    }
                }
                (Link::Soft { target: s }, Link::Soft { target: t }) if s == t => {}
                (Link::External { file: f, path: p }, Link::External { file: g, path: q })
                    if f == g && p == q => {}
                _ => return Err(format!("{path}: link differs").into()),
            }
        }
    }
    Ok(())
}

fn size_of(p: &Path) -> u64 {
    fs::metadata(p).map_or(0, |m| m.len())
}

fn repack(a: &Args) -> Result<(), BoxError> {
    let o = Overrides::parse(a)?;
    let input = File::open(&a.input)?;
    let libver = match &a.libver {
        Some(s) => parse_libver(s)?,
        None if input.superblock_version() >= 2 => Libver::Latest,
        None => Libver::Earliest,
    };
    if a.input.canonicalize().ok() == a.output.canonicalize().ok() && a.output.exists() {
        return Err("the output file must differ from the input file".into());
    }
    let output = File::options()
        .mode(Mode::Create)
        .libver(libver)
        .open(&a.output)?;
    let progress = Progress::new(total_bytes(&input));
    let r = copy_file(&input, &output, &o, &progress);
    progress.finish();
    r?;
    output.close()?;
    if !a.no_verify {
        let back = File::open(&a.output)?;
        // Compared against the input as it would be rewritten: same values and structure.
        verify(&input, &back).map_err(|e| format!("verification failed: {e}"))?;
    }
    println!(
        "{}: {} bytes -> {}: {} bytes",
        a.input.display(),
        size_of(&a.input),
        a.output.display(),
        size_of(&a.output)
    );
    Ok(())
}

/// Runs `h5ox repack`.
///
/// # Errors
/// Bad options, unreadable input, types or objects not yet written, write errors, or a
/// difference found by the verification (the output is removed unless the verification
/// failed, so it can be inspected).
pub fn run(a: &Args) -> Result<(), BoxError> {
    let r = repack(a);
    if let Err(e) = &r {
        if !e.to_string().starts_with("verification failed") {
            let _ = fs::remove_file(&a.output);
        }
    }
    r
}

/// A byte order for NumPy's `<`, `>`, `|`, `=`.
pub fn order_of(c: char) -> ByteOrder {
    if c == '>' {
        ByteOrder::BigEndian
    } else {
        ByteOrder::LittleEndian
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_specs_parse_in_order() {
        assert_eq!(
            parse_filters("shuffle+gzip=4").unwrap(),
            vec![FilterOp::Shuffle, FilterOp::Deflate(4)]
        );
        assert_eq!(parse_filters("zstd=3").unwrap(), vec![FilterOp::Zstd(3)]);
        assert_eq!(parse_filters("none").unwrap(), vec![]);
        assert!(parse_filters("gzip=12").is_err());
        assert!(parse_filters("bogus").is_err());
    }

    #[test]
    fn stored_pipelines_map_to_writer_filters() {
        use h5oxide::format::object_header::message::filter_pipeline::FilterDescription;
        let f = |id: u16, cd: Vec<u32>| FilterDescription {
            id,
            name: None,
            flags: 0,
            client_data: cd,
        };
        // Client data as the C library and the plugins store them (fixtures/files).
        let p = FilterPipeline {
            version: 2,
            filters: vec![
                f(6, vec![2, 0, 1000, 0, 4, 1, 0, 0, 0, 0]),
                f(4, vec![169, 16, 32, 24]),
                f(32001, vec![2, 2, 4, 4000, 5, 1, 1]),
                f(32026, vec![1, 0, 4, 4000, 7, 2, 5]),
                f(32008, vec![0, 3, 4, 0, 3, 7]),
                f(307, vec![6]),
                f(5, vec![8, 0, 1000]),
                f(32099, vec![]),
            ],
        };
        let (ops, lost) = filters_of(&p);
        assert_eq!(
            ops,
            vec![
                FilterOp::ScaleOffset(ScaleOffset::Integer(0)),
                FilterOp::Szip(Szip::NearestNeighbor, 16),
                FilterOp::Blosc(Blosc::Lz4, 5, BloscShuffle::Byte),
                FilterOp::Blosc2(Blosc::Zstd, 7, BloscShuffle::Bit),
                FilterOp::Bitshuffle(Bitshuffle::Zstd(7)),
                FilterOp::Bzip2(6),
                FilterOp::Nbit,
            ]
        );
        assert_eq!(lost, vec!["filter 32099".to_owned()]);
        assert_eq!(
            parse_filters("bitshuffle+bzip2=3").unwrap(),
            vec![FilterOp::Bitshuffle(Bitshuffle::Lz4), FilterOp::Bzip2(3)]
        );
        assert!(parse_filters("bzip2=0").is_err());
    }

    #[test]
    fn verification_compares_stored_references_and_sequences() {
        use h5oxide::types::{ObjectRef, VarLenArray};
        let dir = std::env::temp_dir().join(format!("h5ox-verify-refs-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let make = |name: &str, swap: bool, last: u32| -> PathBuf {
            let p = dir.join(name);
            let f = File::create(&p).unwrap();
            let root = f.root();
            let g: Vec<ObjectRef> = (0..2)
                .map(|i| {
                    let made = root.create_group(&format!("g{i}")).unwrap();
                    ObjectRef::from_address(made.address())
                })
                .collect();
            let refs = if swap { [g[1], g[0]] } else { [g[0], g[1]] };
            let b = root.new_dataset_builder();
            b.with_data(&refs).create("refs").unwrap();
            let seq = [VarLenArray::from(vec![1u32, last])];
            let b = root.new_dataset_builder();
            b.with_data(&seq).create("seq").unwrap();
            f.close().unwrap();
            p
        };
        let open = |p: &Path| File::open(p).unwrap();
        let a = open(&make("a.h5", false, 2));
        verify(&a, &open(&make("same.h5", false, 2))).unwrap();
        let e = verify(&a, &open(&make("swapped.h5", true, 2))).unwrap_err();
        assert!(e.to_string().contains("/refs: values differ"), "{e}");
        let e = verify(&a, &open(&make("seq.h5", false, 3))).unwrap_err();
        assert!(e.to_string().contains("/seq: values differ"), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn default_chunks_stay_near_target() {
        let c = default_chunk(&[1_000_000], 8);
        assert_eq!(c, vec![31_250]);
        let c = default_chunk(&[10, 10], 4);
        assert_eq!(c, vec![10, 10]);
    }
}
