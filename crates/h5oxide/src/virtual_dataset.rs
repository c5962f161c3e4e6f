//! Reading virtual datasets (spec IV.A.2.i, layout class 3): each mapping of the global heap
//! block (spec III.F) places a selection of a source dataset at a selection of the virtual
//! one; elements no mapping covers, and those of sources that cannot be opened, read as
//! the fill value (libhdf5's default `H5D_VDS_LAST_AVAILABLE` view, where a missing source
//! is not an error).
//!
//! Selections are "all", regular hyperslabs (counts and blocks may be unlimited) and block
//! lists that form a regular grid, which covers every mapping libhdf5 can create from
//! `H5Sselect_hyperslab` with `H5S_SELECT_SET`. Source files are found as libhdf5 finds
//! them (`HDF5_VDS_PREFIX`, then the virtual dataset's folder, then the working folder; see
//! [`crate::external_link`]), `"."` being the virtual dataset's own file, and stay open in
//! a cache per virtual dataset file.
//!
//! Printf-style mappings (an unlimited count in the virtual selection, a limited source
//! selection, `%b` in a source name) map block `b` of the virtual selection to the source
//! whose name has `%b` replaced by `b` (`%%` is a literal `%`).
//!
//! The extent of a dataset with unlimited mappings is not what its dataspace message
//! stores (libhdf5 writes the extent given at creation, often 0): libhdf5 computes it from
//! the sources present when the dataset is opened. [`Dataset::virtual_shape`] does the
//! same (blocks of a printf-style mapping up to the first missing source, the current
//! size of the sources of other unlimited mappings); reads accept selections up to it.

use std::cell::Cell;

use h5oxide_format::heap::global::GlobalHeapId;
use h5oxide_format::object_header::message::layout::Storage;
use h5oxide_format::selection::{HyperslabShape, Selection as FileSelection, UNLIMITED};
use h5oxide_format::vds::VdsBlock;
use h5oxide_format::{ErrorKind, FormatError};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::external_link::open_linked_file;
use crate::selection::{DimSlice, Selection};

/// The variable libhdf5 reads for virtual dataset source prefixes.
///
/// ```
/// assert_eq!(h5oxide::virtual_dataset::VDS_PREFIX_VAR, "HDF5_VDS_PREFIX");
/// ```
pub const VDS_PREFIX_VAR: &str = "HDF5_VDS_PREFIX";

/// Most virtual datasets read inside one another (a source that is itself virtual).
const MAX_NESTING: u32 = 16;

const STRUCTURE: &str = "virtual dataset mapping";

thread_local! {
    static NESTING: Cell<u32> = const { Cell::new(0) };
}

/// Counts virtual reads in progress on this thread, so mappings that lead back to their
/// own dataset end in an error instead of endless recursion.
struct Nesting;

impl Nesting {
    fn enter(at: u64) -> Result<Nesting> {
        let depth = NESTING.with(|n| {
            let d = n.get() + 1;
            n.set(d);
            d
        });
        let guard = Nesting;
        if depth > MAX_NESTING {
            return Err(format_error(
                ErrorKind::LimitExceeded {
                    limit: "virtual dataset nesting",
                    requested: u64::from(depth),
                    allowed: u64::from(MAX_NESTING),
                },
                at,
            ));
        }
        Ok(guard)
    }
}

impl Drop for Nesting {
    fn drop(&mut self) {
        NESTING.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

fn format_error(kind: ErrorKind, at: u64) -> Error {
    FormatError::new(kind, STRUCTURE, at).into()
}

fn unsupported(what: &'static str, at: u64) -> Error {
    format_error(ErrorKind::Unsupported { what }, at)
}

/// The selected indices of one dimension of a mapping's selection.
#[derive(Debug, Clone)]
enum Dim {
    /// `count` blocks of `block` indices, `stride` apart, from `start` (count or block may
    /// be [`UNLIMITED`]; blocks do not overlap).
    Regular {
        start: u64,
        stride: u64,
        count: u64,
        block: u64,
    },
    /// Sorted disjoint runs `(start, len)`, with the number of indices before each.
    Runs {
        runs: Vec<(u64, u64)>,
        before: Vec<u64>,
    },
}

impl Dim {
    fn whole(len: u64) -> Dim {
        Dim::Regular {
            start: 0,
            stride: len.max(1),
            count: 1,
            block: len,
        }
    }

    /// The position of index `v` among the selected indices, if it is selected.
    fn pos(&self, v: u64) -> Option<u64> {
        match *self {
            Dim::Regular {
                start,
                stride,
                count,
                block,
            } => {
                let off = v.checked_sub(start)?;
                if count == 0 || block == 0 {
                    return None;
                }
                if count == 1 || block == UNLIMITED {
                    return (block == UNLIMITED || off < block).then_some(off);
                }
                let k = off / stride;
                let r = off % stride;
                if (count != UNLIMITED && k >= count) || r >= block {
                    return None;
                }
                k.checked_mul(block)?.checked_add(r)
            }
            Dim::Runs {
                ref runs,
                ref before,
            } => {
                let i = runs.partition_point(|&(s, _)| s <= v).checked_sub(1)?;
                let (s, n) = runs[i];
                (v - s < n).then(|| before[i] + (v - s))
            }
        }
    }

    /// The index at position `p` among the selected indices.
    fn coord(&self, p: u64) -> Option<u64> {
        match *self {
            Dim::Regular {
                start,
                stride,
                count,
                block,
            } => {
                if count == 1 || block == UNLIMITED {
                    return (block == UNLIMITED || p < block).then(|| start.checked_add(p))?;
                }
                let k = p / block;
                if count != UNLIMITED && k >= count {
                    return None;
                }
                k.checked_mul(stride)?
                    .checked_add(p % block)?
                    .checked_add(start)
            }
            Dim::Runs {
                ref runs,
                ref before,
            } => {
                let i = before.partition_point(|&b| b <= p).checked_sub(1)?;
                let (s, n) = runs[i];
                let off = p - before[i];
                (off < n).then_some(s + off)
            }
        }
    }

    /// Number of selected indices below `extent`, or all of them if the selection is
    /// limited in this dimension.
    fn size(&self, extent: u64) -> u64 {
        match *self {
            Dim::Regular {
                start,
                stride,
                count,
                block,
            } => {
                if count == 0 || block == 0 {
                    return 0;
                }
                let limited = count != UNLIMITED && block != UNLIMITED;
                if limited {
                    return count.saturating_mul(block);
                }
                let Some(span) = extent.checked_sub(start) else {
                    return 0;
                };
                if count == 1 || block == UNLIMITED {
                    return if block == UNLIMITED {
                        span
                    } else {
                        span.min(block)
                    };
                }
                let full = span / stride;
                full.saturating_mul(block)
                    .saturating_add((span % stride).min(block))
            }
            Dim::Runs {
                ref runs,
                ref before,
            } => match (runs.last(), before.last()) {
                (Some(&(_, n)), Some(&b)) => b.saturating_add(n),
                _ => 0,
            },
        }
    }

    /// The smallest extent holding the first `n` selected indices.
    fn extent_for(&self, n: u64) -> u64 {
        match *self {
            Dim::Regular {
                start,
                stride,
                count,
                block,
            } => {
                if n == 0 || block == 0 {
                    return 0;
                }
                if count == 1 || block == UNLIMITED {
                    return start.saturating_add(n);
                }
                let (full, rem) = (n / block, n % block);
                if rem == 0 {
                    start
                        .saturating_add((full - 1).saturating_mul(stride))
                        .saturating_add(block)
                } else {
                    start
                        .saturating_add(full.saturating_mul(stride))
                        .saturating_add(rem)
                }
            }
            Dim::Runs { .. } => self.size(0),
        }
    }

    /// One past the last selected index, for a limited selection.
    fn end(&self) -> Option<u64> {
        match *self {
            Dim::Regular {
                start,
                stride,
                count,
                block,
            } => {
                if count == UNLIMITED || block == UNLIMITED {
                    return None;
                }
                if count == 0 || block == 0 {
                    return Some(0);
                }
                Some(
                    start
                        .saturating_add((count - 1).saturating_mul(stride))
                        .saturating_add(block),
                )
            }
            Dim::Runs { ref runs, .. } => runs.last().map(|&(s, n)| s.saturating_add(n)),
        }
    }

    fn is_unlimited(&self) -> bool {
        matches!(*self, Dim::Regular { count, block, .. } if count == UNLIMITED || block == UNLIMITED)
    }
}

/// The per-dimension form of a stored selection over a dataspace of shape `dims`; `None`
/// for an empty ("none") selection.
fn dims_of(sel: &FileSelection, dims: &[u64], at: u64) -> Result<Option<Vec<Dim>>> {
    let rank_mismatch = || unsupported("mapping selection of another rank than its dataset", at);
    match sel {
        FileSelection::None => Ok(None),
        FileSelection::All => Ok(Some(dims.iter().map(|&n| Dim::whole(n)).collect())),
        FileSelection::Points(_) => Err(unsupported("point selection in a mapping", at)),
        FileSelection::Hyperslab(h) => match &h.shape {
            HyperslabShape::Regular(rd) => {
                if rd.len() != dims.len() {
                    return Err(rank_mismatch());
                }
                let mut out = Vec::with_capacity(rd.len());
                for d in rd {
                    // Overlapping blocks are merged by libhdf5; they never come from a
                    // valid mapping, so refuse them rather than guess.
                    if d.count > 1 && d.block != 0 && d.stride < d.block {
                        return Err(unsupported("hyperslab with overlapping blocks", at));
                    }
                    if d.count > 1 && d.block == UNLIMITED {
                        return Err(unsupported("hyperslab with unlimited blocks", at));
                    }
                    out.push(Dim::Regular {
                        start: d.start,
                        stride: d.stride,
                        count: d.count,
                        block: d.block,
                    });
                }
                Ok(Some(out))
            }
            HyperslabShape::Irregular(blocks) => {
                if blocks.is_empty() {
                    return Ok(None);
                }
                if h.rank as usize != dims.len() {
                    return Err(rank_mismatch());
                }
                grid(blocks, dims.len())
                    .map(Some)
                    .ok_or_else(|| unsupported("hyperslab block list that is not a grid", at))
            }
        },
    }
}

/// The runs of a block list that is the cartesian product of per-dimension intervals
/// (as libhdf5 writes a regular hyperslab in version 1 of the encoding); `None` otherwise.
fn grid(blocks: &[h5oxide_format::selection::Block], rank: usize) -> Option<Vec<Dim>> {
    use std::collections::BTreeSet;
    let mut per_dim: Vec<BTreeSet<(u64, u64)>> = vec![BTreeSet::new(); rank];
    let mut distinct = BTreeSet::new();
    for b in blocks {
        if b.start.len() != rank || b.end.len() != rank {
            return None;
        }
        for (d, set) in per_dim.iter_mut().enumerate() {
            set.insert((b.start[d], b.end[d]));
        }
        distinct.insert((&b.start, &b.end));
    }
    let product = per_dim
        .iter()
        .try_fold(1usize, |a, s| a.checked_mul(s.len()))?;
    if product != distinct.len() {
        return None;
    }
    let mut out = Vec::with_capacity(rank);
    for set in per_dim {
        let mut runs = Vec::with_capacity(set.len());
        let mut before = Vec::with_capacity(set.len());
        let mut total = 0u64;
        let mut prev_end: Option<u64> = None;
        for (s, e) in set {
            if prev_end.is_some_and(|p| s <= p) {
                return None; // overlapping intervals
            }
            let n = e.checked_sub(s)?.checked_add(1)?;
            runs.push((s, n));
            before.push(total);
            total = total.checked_add(n)?;
            prev_end = Some(e);
        }
        out.push(Dim::Runs { runs, before });
    }
    Some(out)
}

/// Expands a source name: `%%` is `%`, `%b` the block number of a printf-style mapping.
fn expand_name(name: &[u8], block: Option<u64>, at: u64) -> Result<String> {
    let name = String::from_utf8_lossy(name);
    if !name.contains('%') {
        return Ok(name.into_owned());
    }
    let mut out = String::with_capacity(name.len() + 8);
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match (chars.next(), block) {
            (Some('%'), _) => out.push('%'),
            (Some('b'), Some(b)) => out.push_str(&b.to_string()),
            (Some('b'), None) => {
                return Err(unsupported(
                    "%b in the source name of a limited mapping",
                    at,
                ))
            }
            _ => {
                return Err(format_error(
                    ErrorKind::InvalidValue {
                        field: "source name format specifier",
                        value: 0,
                    },
                    at,
                ))
            }
        }
    }
    Ok(out)
}

fn has_block_specifier(name: &[u8]) -> bool {
    let mut i = 0;
    while i + 1 < name.len() {
        if name[i] == b'%' {
            if name[i + 1] == b'b' {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// Most printf-style sources probed when computing an extent.
const MAX_PRINTF_SOURCES: u64 = 1 << 16;

/// A mapping, classified.
struct Mapping<'a> {
    file: &'a [u8],
    dataset: &'a [u8],
    virt: Vec<Dim>,
    source: &'a FileSelection,
    /// The dimension of a printf-style mapping's unlimited count.
    printf: Option<usize>,
}

/// The mapping block of a virtual dataset.
fn mapping_block(ds: &Dataset, heap_address: u64, heap_index: u32) -> Result<VdsBlock> {
    let i = &ds.file().inner;
    let id = GlobalHeapId {
        collection: heap_address,
        index: heap_index,
    };
    let bytes = id.read_object(&i.src, &i.ctx, &i.limits)?;
    Ok(VdsBlock::decode(&bytes, heap_address, &i.ctx)?)
}

fn mappings<'a>(block: &'a VdsBlock, stored: &[u64], at: u64) -> Result<Vec<Mapping<'a>>> {
    let mut out = Vec::with_capacity(block.mappings.len());
    for (k, m) in block.mappings.iter().enumerate() {
        let (Some(file), Some(dataset)) = (block.source_file(k), block.source_dataset(k)) else {
            continue;
        };
        let Some(virt) = dims_of(&m.virtual_selection, stored, at)? else {
            continue;
        };
        // Printf-style: an unlimited count in the virtual selection, a limited source.
        let unlimited_count = virt
            .iter()
            .position(|d| matches!(d, Dim::Regular { count, .. } if *count == UNLIMITED));
        let source_unlimited = match &m.source_selection {
            FileSelection::Hyperslab(h) => match &h.shape {
                HyperslabShape::Regular(d) => d
                    .iter()
                    .any(|d| d.count == UNLIMITED || d.block == UNLIMITED),
                HyperslabShape::Irregular(_) => false,
            },
            _ => false,
        };
        let printf = unlimited_count.filter(|_| {
            !source_unlimited && (has_block_specifier(file) || has_block_specifier(dataset))
        });
        if let Some(u) = printf {
            match virt[u] {
                Dim::Regular { stride, block, .. }
                    if stride != 0 && block != 0 && block != UNLIMITED => {}
                _ => {
                    return Err(unsupported(
                        "printf-style mapping without a finite block",
                        at,
                    ))
                }
            }
        }
        out.push(Mapping {
            file,
            dataset,
            virt,
            source: &m.source_selection,
            printf,
        });
    }
    Ok(out)
}

/// The extent libhdf5 gives the virtual dataset when it opens it with the default
/// `H5D_VDS_LAST_AVAILABLE` view: in each unlimited dimension, the largest extent any
/// unlimited mapping reaches with the sources present now (a printf-style mapping counts
/// blocks up to the first missing source); other dimensions keep the stored extent.
fn extent(ds: &Dataset, maps: &[Mapping<'_>], stored: &[u64], at: u64) -> Result<Vec<u64>> {
    let mut computed: Vec<Option<u64>> = vec![None; stored.len()];
    let mut min_dims = vec![0u64; stored.len()];
    for m in maps {
        let Some(u) = m.virt.iter().position(Dim::is_unlimited) else {
            for (d, dim) in m.virt.iter().enumerate() {
                min_dims[d] = min_dims[d].max(dim.end().unwrap_or(0));
            }
            continue;
        };
        let reach = if let Some(p) = m.printf {
            let Dim::Regular { block, .. } = m.virt[p] else {
                continue;
            };
            let mut n = 0u64;
            while n < MAX_PRINTF_SOURCES {
                let f = expand_name(m.file, Some(n), at)?;
                let d = expand_name(m.dataset, Some(n), at)?;
                if open_source(ds, &f, &d).is_none() {
                    break;
                }
                n += 1;
            }
            m.virt[p].extent_for(n.saturating_mul(block))
        } else {
            let f = expand_name(m.file, None, at)?;
            let d = expand_name(m.dataset, None, at)?;
            let Some(src) = open_source(ds, &f, &d) else {
                continue;
            };
            let shape = src.shape();
            let Some(sdims) = dims_of(m.source, &shape, at)? else {
                continue;
            };
            let Some(su) = sdims.iter().position(Dim::is_unlimited) else {
                continue;
            };
            let n = sdims[su].size(shape.get(su).copied().unwrap_or(0));
            m.virt[u].extent_for(n)
        };
        computed[u] = Some(computed[u].unwrap_or(0).max(reach));
    }
    Ok(stored
        .iter()
        .zip(computed)
        .zip(min_dims)
        .map(|((&s, c), min)| c.map_or(s, |c| c.max(min)))
        .collect())
}

impl Dataset {
    /// The shape libhdf5 reports for this dataset: for a virtual dataset with unlimited
    /// mappings, the extent computed from the sources present now (the default
    /// `H5D_VDS_LAST_AVAILABLE` view), which can differ from the stored [`Dataset::shape`]
    /// when sources were added or removed since libhdf5 last wrote the file; for every
    /// other dataset, [`Dataset::shape`].
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/files/vds.h5");
    /// let file = h5oxide::File::open(path)?;
    /// // Three sources of 10 elements each are present, as when libhdf5 wrote the file.
    /// let ds = file.root().dataset("printf_sources")?;
    /// assert_eq!(ds.virtual_shape()?, [30]);
    /// assert_eq!(ds.max_shape(), [None]);
    /// // Not virtual: the stored shape.
    /// assert_eq!(file.root().dataset("local_source")?.virtual_shape()?, [10]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// A malformed mapping block.
    pub fn virtual_shape(&self) -> Result<Vec<u64>> {
        let Storage::Virtual {
            heap_address,
            heap_index,
        } = self.layout().storage
        else {
            return Ok(self.shape());
        };
        // The stored extent (not `shape()`, which asks this function for virtual datasets).
        let stored = self.space().dims.clone();
        let block = mapping_block(self, heap_address, heap_index)?;
        let maps = mappings(&block, &stored, heap_address)?;
        extent(self, &maps, &stored, heap_address)
    }
}

/// Fills `out` (already holding the fill value, row-major in the shape of `sel`) with the
/// elements of the virtual dataset `ds` that `sel` selects. `sel` may reach past the
/// stored extent up to [`Dataset::virtual_shape`].
///
/// # Errors
/// A malformed or unsupported mapping block; errors reading a source that exists.
pub(crate) fn read_into(
    ds: &Dataset,
    heap_address: u64,
    heap_index: u32,
    sel: &Selection,
    out: &mut [u8],
) -> Result<()> {
    let _nesting = Nesting::enter(ds.address())?;
    let at = heap_address;
    let stored = ds.space().dims.clone();
    if sel.dims().len() != stored.len() {
        return Err(Error::Usage(
            "selection rank differs from the dataset's rank",
        ));
    }
    let block = mapping_block(ds, heap_address, heap_index)?;
    let maps = mappings(&block, &stored, at)?;
    let vdims = if maps.iter().any(|m| m.virt.iter().any(Dim::is_unlimited)) {
        extent(ds, &maps, &stored, at)?
    } else {
        stored
    };
    for m in &maps {
        let Some(u) = m.printf else {
            let f = expand_name(m.file, None, at)?;
            let d = expand_name(m.dataset, None, at)?;
            place(ds, &vdims, &m.virt, m.source, &f, &d, sel, out)?;
            continue;
        };
        let Dim::Regular {
            start,
            stride,
            block: blk,
            ..
        } = m.virt[u]
        else {
            continue;
        };
        // The blocks the request touches, found from its indices (bounded by its size).
        let s = sel.dims()[u];
        let mut blocks = Vec::new();
        for j in 0..s.count {
            let v = s.start + j * s.step;
            let Some(off) = v.checked_sub(start) else {
                continue;
            };
            if off % stride < blk {
                let b = off / stride;
                if blocks.last() != Some(&b) {
                    blocks.push(b);
                }
            }
        }
        for b in blocks {
            let mut v = m.virt.clone();
            v[u] = Dim::Regular {
                start: start.saturating_add(b.saturating_mul(stride)),
                stride,
                count: 1,
                block: blk,
            };
            let f = expand_name(m.file, Some(b), at)?;
            let d = expand_name(m.dataset, Some(b), at)?;
            place(ds, &vdims, &v, m.source, &f, &d, sel, out)?;
        }
    }
    Ok(())
}

/// Opens a mapping's source dataset; `None` if its file or the dataset cannot be opened.
fn open_source(ds: &Dataset, file_name: &str, dataset_name: &str) -> Option<Dataset> {
    let file = if file_name == "." {
        ds.file().clone()
    } else {
        open_linked_file(ds.file(), file_name, VDS_PREFIX_VAR)?
    };
    file.root().dataset(dataset_name).ok()
}

/// Row-major strides (in elements) of a shape.
fn strides(shape: &[u64]) -> Option<Vec<u64>> {
    let mut s = vec![1u64; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1].checked_mul(shape[d + 1])?;
    }
    Some(s)
}

/// Places one mapping (`virt` over the virtual dataset, `src_sel` over the source) into
/// the part of `out` that `sel` selects.
#[allow(clippy::too_many_arguments)]
fn place(
    ds: &Dataset,
    vdims: &[u64],
    virt: &[Dim],
    src_sel: &FileSelection,
    file_name: &str,
    dataset_name: &str,
    sel: &Selection,
    out: &mut [u8],
) -> Result<()> {
    let at = ds.address();
    // Per dimension: (position in the request, position in the mapping) of every index
    // both select.
    let mut hits: Vec<Vec<(u64, u64)>> = Vec::with_capacity(virt.len());
    for (d, s) in virt.iter().zip(sel.dims()) {
        let h: Vec<(u64, u64)> = (0..s.count)
            .filter_map(|k| d.pos(s.start + k * s.step).map(|q| (k, q)))
            .collect();
        if h.is_empty() {
            return Ok(());
        }
        hits.push(h);
    }
    let Some(src) = open_source(ds, file_name, dataset_name) else {
        return Ok(()); // a missing source reads as the fill value
    };
    if src.dtype() != ds.dtype() {
        return Err(unsupported(
            "virtual dataset source of another datatype",
            at,
        ));
    }
    let sdims_shape = src.shape();
    let Some(sdims) = dims_of(src_sel, &sdims_shape, at)? else {
        return Ok(());
    };
    let mut vsize: Vec<u64> = virt.iter().zip(vdims).map(|(d, &n)| d.size(n)).collect();
    let mut ssize: Vec<u64> = sdims
        .iter()
        .zip(&sdims_shape)
        .map(|(d, &n)| d.size(n))
        .collect();
    // An unlimited mapping covers what both the source and the virtual extent hold.
    if let (Some(vu), Some(su)) = (
        virt.iter().position(Dim::is_unlimited),
        sdims.iter().position(Dim::is_unlimited),
    ) {
        let n = vsize[vu].min(ssize[su]);
        vsize[vu] = n;
        ssize[su] = n;
    }
    let overflow = || unsupported("mapping larger than the address space", at);
    let vstride = strides(&vsize).ok_or_else(overflow)?;
    let sstride = strides(&ssize).ok_or_else(overflow)?;
    let ostride = strides(&sel.shape()).ok_or_else(overflow)?;
    let stotal = ssize
        .iter()
        .try_fold(1u64, |a, &n| a.checked_mul(n))
        .ok_or_else(overflow)?;
    let srank = sdims.len();

    // Walks every element both select: f(output index, source coordinates).
    let walk = |f: &mut dyn FnMut(u64, &[u64]) -> Result<()>| -> Result<()> {
        let mut idx = vec![0usize; hits.len()];
        let mut coords = vec![0u64; srank];
        'elements: loop {
            let mut rank = 0u64;
            let mut o = 0u64;
            let mut inside = true;
            for (d, &i) in idx.iter().enumerate() {
                let (k, q) = hits[d][i];
                if q >= vsize[d] {
                    inside = false;
                }
                rank = rank.saturating_add(q.saturating_mul(vstride[d]));
                o += k * ostride[d];
            }
            if inside && rank < stotal {
                let mut r = rank;
                let mut ok = true;
                for d in 0..srank {
                    let t = r / sstride[d];
                    r %= sstride[d];
                    match sdims[d].coord(t).filter(|&c| c < sdims_shape[d]) {
                        Some(c) => coords[d] = c,
                        None => ok = false,
                    }
                }
                if ok {
                    f(o, &coords)?;
                }
            }
            // Odometer, last dimension fastest.
            let mut d = idx.len();
            loop {
                if d == 0 {
                    break 'elements;
                }
                d -= 1;
                idx[d] += 1;
                if idx[d] < hits[d].len() {
                    break;
                }
                idx[d] = 0;
            }
        }
        Ok(())
    };

    // First pass: the bounding box of the source elements needed.
    let mut lo = vec![u64::MAX; srank];
    let mut hi = vec![0u64; srank];
    let mut any = false;
    walk(&mut |_, c| {
        any = true;
        for d in 0..c.len() {
            lo[d] = lo[d].min(c[d]);
            hi[d] = hi[d].max(c[d]);
        }
        Ok(())
    })?;
    if !any {
        return Ok(());
    }
    let slices: Vec<DimSlice> = lo
        .iter()
        .zip(&hi)
        .map(|(&l, &h)| DimSlice {
            start: l,
            step: 1,
            count: h - l + 1,
        })
        .collect();
    let bbox = Selection::new(slices, &sdims_shape)?;
    let data = src.read_bytes_selection(&bbox)?;
    let bstride = strides(&bbox.shape()).ok_or_else(overflow)?;
    let elem = ds.dtype().element_size();
    // Second pass: copy each element.
    walk(&mut |o, c| {
        let s: u64 = c
            .iter()
            .zip(&lo)
            .zip(&bstride)
            .map(|((&c, &l), &st)| (c - l) * st)
            .sum();
        let (s, o) = (s as usize * elem, o as usize * elem);
        let src = data
            .get(s..s + elem)
            .ok_or(Error::Usage("source buffer smaller than its selection"))?;
        out.get_mut(o..o + elem)
            .ok_or(Error::Usage("output buffer smaller than the selection"))?
            .copy_from_slice(src);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_dim_positions_and_coordinates_agree() {
        let d = Dim::Regular {
            start: 2,
            stride: 5,
            count: 3,
            block: 2,
        };
        let selected: Vec<u64> = (0..30).filter(|&v| d.pos(v).is_some()).collect();
        assert_eq!(selected, vec![2, 3, 7, 8, 12, 13]);
        for (p, &v) in selected.iter().enumerate() {
            assert_eq!(d.pos(v), Some(p as u64));
            assert_eq!(d.coord(p as u64), Some(v));
        }
        assert_eq!(d.coord(6), None);
        assert_eq!(d.size(0), 6);
        let unl = Dim::Regular {
            start: 0,
            stride: 10,
            count: UNLIMITED,
            block: 4,
        };
        assert_eq!(unl.size(25), 4 + 4 + 4);
        assert_eq!(unl.size(22), 4 + 4 + 2);
        assert_eq!(unl.pos(21), Some(9));
    }

    #[test]
    fn block_lists_that_form_a_grid_become_runs() {
        use h5oxide_format::selection::Block;
        let b = |s: [u64; 2], e: [u64; 2]| Block {
            start: s.to_vec(),
            end: e.to_vec(),
        };
        let g = grid(
            &[
                b([0, 0], [1, 1]),
                b([0, 4], [1, 5]),
                b([4, 0], [5, 1]),
                b([4, 4], [5, 5]),
            ],
            2,
        )
        .unwrap();
        assert_eq!(g[1].pos(5), Some(3));
        assert_eq!(g[1].coord(2), Some(4));
        assert_eq!(g[0].pos(3), None);
        // An L shape is not a grid.
        assert!(grid(
            &[b([0, 0], [0, 0]), b([0, 1], [0, 1]), b([1, 0], [1, 0])],
            2
        )
        .is_none());
    }

    #[test]
    fn source_names_expand_like_libhdf5() {
        assert_eq!(expand_name(b"src_%b.h5", Some(12), 0).unwrap(), "src_12.h5");
        assert_eq!(expand_name(b"100%%_%b", Some(0), 0).unwrap(), "100%_0");
        assert_eq!(expand_name(b"a%%b", None, 0).unwrap(), "a%b");
        assert!(expand_name(b"a%d", Some(1), 0).is_err());
        assert!(expand_name(b"a%b", None, 0).is_err());
        assert!(has_block_specifier(b"x%b"));
        assert!(!has_block_specifier(b"x%%b"));
    }
}
