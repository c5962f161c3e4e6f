//! Selections of dataset elements: per-dimension slices (start, step, count), like h5py's
//! `[10:20:2]` and hdf5-rust's `s![10..20;2]`, and the copy of selected elements between a
//! block (a chunk, or the whole contiguous dataset) and a dense output buffer.

use crate::error::{Error, Result};

/// The selection of one dimension: `count` indices `start, start + step, ...`.
///
/// ```
/// use h5oxide::DimSlice;
/// // h5py's `[2:9:3]` on a dimension of length 10: indices 2, 5, 8.
/// let d = DimSlice { start: 2, step: 3, count: 3 };
/// assert_eq!(d.last(), Some(8));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DimSlice {
    /// First selected index.
    pub start: u64,
    /// Distance between selected indices (at least 1).
    pub step: u64,
    /// Number of selected indices.
    pub count: u64,
}

impl DimSlice {
    /// The whole of a dimension of length `len`.
    ///
    /// ```
    /// use h5oxide::DimSlice;
    /// assert_eq!(DimSlice::all(10), DimSlice { start: 0, step: 1, count: 10 });
    /// ```
    pub fn all(len: u64) -> Self {
        DimSlice {
            start: 0,
            step: 1,
            count: len,
        }
    }

    /// The last selected index, if any is selected.
    ///
    /// ```
    /// use h5oxide::DimSlice;
    /// assert_eq!(DimSlice { start: 1, step: 2, count: 4 }.last(), Some(7));
    /// assert_eq!(DimSlice { start: 1, step: 2, count: 0 }.last(), None);
    /// ```
    pub fn last(&self) -> Option<u64> {
        (self.count > 0).then(|| self.start + (self.count - 1) * self.step)
    }

    /// The range `[lo, hi)` of positions `i` (0-based within this selection) whose indices
    /// fall in `[from, to)`.
    fn positions_within(&self, from: u64, to: u64) -> (u64, u64) {
        if self.count == 0 || to <= self.start {
            return (0, 0);
        }
        let lo = if from <= self.start {
            0
        } else {
            (from - self.start).div_ceil(self.step)
        };
        let hi = ((to - 1 - self.start) / self.step + 1).min(self.count);
        (lo.min(hi), hi)
    }
}

/// A selection of elements: one [`DimSlice`] per dimension (empty for a scalar).
///
/// ```
/// use h5oxide::{DimSlice, Selection};
/// let file = h5oxide::File::in_memory()?;
/// let data: Vec<i32> = (0..10).collect();
/// let ds = file.root().new_dataset_builder().with_data(&data).create("x")?;
/// // h5py's `ds[1:8:3]`
/// let sel = Selection::new(vec![DimSlice { start: 1, step: 3, count: 3 }], &ds.shape())?;
/// let bytes = ds.read_bytes_selection(&sel)?;
/// let values: Vec<i32> = bytes
///     .chunks_exact(4)
///     .map(|b| i32::from_le_bytes(b.try_into().unwrap()))
///     .collect();
/// assert_eq!(values, [1, 4, 7]);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Selection {
    dims: Vec<DimSlice>,
}

impl Selection {
    /// Every element of a dataspace of shape `shape`.
    ///
    /// ```
    /// use h5oxide::Selection;
    /// let sel = Selection::all(&[3, 4]);
    /// assert_eq!(sel.shape(), [3, 4]);
    /// assert_eq!(sel.len(), Some(12));
    /// ```
    pub fn all(shape: &[u64]) -> Self {
        Selection {
            dims: shape.iter().map(|&n| DimSlice::all(n)).collect(),
        }
    }

    /// A selection from explicit slices, checked against `shape`.
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection};
    /// // `[0:2, ::2]` of a 3 x 4 array.
    /// let sel = Selection::new(
    ///     vec![
    ///         DimSlice { start: 0, step: 1, count: 2 },
    ///         DimSlice { start: 0, step: 2, count: 2 },
    ///     ],
    ///     &[3, 4],
    /// )?;
    /// assert_eq!(sel.shape(), [2, 2]);
    /// // Reaching past the end is refused.
    /// let past = Selection::new(vec![DimSlice { start: 2, step: 1, count: 2 }], &[3]);
    /// assert!(matches!(past, Err(h5oxide::Error::Usage(_))));
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if the rank differs, a step is 0, or a slice reaches past its dimension.
    pub fn new(dims: Vec<DimSlice>, shape: &[u64]) -> Result<Self> {
        if dims.len() != shape.len() {
            return Err(Error::Usage(
                "selection rank differs from the dataset's rank",
            ));
        }
        for (d, &n) in dims.iter().zip(shape) {
            if d.step == 0 {
                return Err(Error::Usage("selection step must be at least 1"));
            }
            if let Some(last) = d.last() {
                if last >= n {
                    return Err(Error::Usage(
                        "selection reaches past the end of a dimension",
                    ));
                }
            }
        }
        Ok(Selection { dims })
    }

    /// The part of the selection whose first-dimension indices fall in `[from, from + len)`,
    /// and the range `lo..hi` of output rows (positions along the first dimension) it
    /// covers. The part selects nothing when `lo == hi`.
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection};
    /// // Rows 0, 2, 4, 6 selected; the band of rows 3..7 holds rows 4 and 6,
    /// // which are output rows 2 and 3.
    /// let sel = Selection::new(vec![DimSlice { start: 0, step: 2, count: 4 }], &[8])?;
    /// let (part, lo, hi) = sel.band(3, 4);
    /// assert_eq!((lo, hi), (2, 4));
    /// assert_eq!(part.dims()[0], DimSlice { start: 4, step: 2, count: 2 });
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn band(&self, from: u64, len: u64) -> (Selection, u64, u64) {
        let mut dims = self.dims.clone();
        let Some(d0) = dims.first_mut() else {
            return (self.clone(), 0, 1);
        };
        let (lo, hi) = d0.positions_within(from, from.saturating_add(len));
        d0.start += lo * d0.step;
        d0.count = hi - lo;
        (Selection { dims }, lo, hi)
    }

    /// The per-dimension slices.
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection};
    /// let sel = Selection::all(&[5]);
    /// assert_eq!(sel.dims(), [DimSlice::all(5)]);
    /// ```
    pub fn dims(&self) -> &[DimSlice] {
        &self.dims
    }

    /// The shape of the selected block (the output's shape).
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection};
    /// let rows = DimSlice { start: 0, step: 4, count: 3 };
    /// let sel = Selection::new(vec![rows, DimSlice::all(2)], &[10, 2])?;
    /// assert_eq!(sel.shape(), [3, 2]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn shape(&self) -> Vec<u64> {
        self.dims.iter().map(|d| d.count).collect()
    }

    /// Number of selected elements (`None` on overflow).
    ///
    /// ```
    /// use h5oxide::Selection;
    /// assert_eq!(Selection::all(&[4, 5]).len(), Some(20));
    /// assert_eq!(Selection::all(&[u64::MAX, 2]).len(), None);
    /// ```
    pub fn len(&self) -> Option<u64> {
        self.dims
            .iter()
            .try_fold(1u64, |acc, d| acc.checked_mul(d.count))
    }

    /// True if no element is selected.
    ///
    /// ```
    /// use h5oxide::Selection;
    /// assert!(Selection::all(&[3, 0]).is_empty());
    /// assert!(!Selection::all(&[3]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.dims.iter().any(|d| d.count == 0)
    }

    /// For each dimension, the chunk coordinates (multiples of `chunk[d]`) of chunks that
    /// hold at least one selected index. Their cartesian product is the set of chunks the
    /// selection touches.
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection};
    /// // Indices 3..=12 of a dimension chunked by 5 touch the chunks at 0, 5 and 10.
    /// let sel = Selection::new(vec![DimSlice { start: 3, step: 1, count: 10 }], &[20])?;
    /// assert_eq!(sel.chunk_ranges(&[5]), vec![vec![0, 5, 10]]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    pub fn chunk_ranges(&self, chunk: &[u64]) -> Vec<Vec<u64>> {
        self.dims
            .iter()
            .zip(chunk)
            .map(|(d, &c)| {
                let mut out = Vec::new();
                let Some(last) = d.last() else {
                    return out;
                };
                let c = c.max(1);
                if d.step <= c {
                    // Every chunk between the first and last index holds one.
                    let mut k = d.start / c;
                    while k <= last / c {
                        out.push(k * c);
                        k += 1;
                    }
                } else {
                    // Sparse: one chunk per selected index at most.
                    for i in 0..d.count {
                        let k = (d.start + i * d.step) / c * c;
                        if out.last() != Some(&k) {
                            out.push(k);
                        }
                    }
                }
                out
            })
            .collect()
    }

    /// Copies the selected elements that lie in `block` — a dense row-major array of shape
    /// `block_shape` whose first element has coordinates `block_origin` — into `out`, the
    /// dense row-major array of the selection's shape. Elements are `elem` bytes.
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection};
    /// // Select elements 1 and 3 of a 1-byte-element array of length 6; the block holds
    /// // elements 2..6.
    /// let sel = Selection::new(vec![DimSlice { start: 1, step: 2, count: 2 }], &[6])?;
    /// let block = [20u8, 30, 40, 50];
    /// let mut out = [0u8; 2];
    /// sel.copy_from_block(&block, &[2], &[4], 1, &mut out)?;
    /// // Element 1 is not in the block and stays untouched.
    /// assert_eq!(out, [0, 30]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if a buffer is smaller than its shape says.
    pub fn copy_from_block(
        &self,
        block: &[u8],
        block_origin: &[u64],
        block_shape: &[u64],
        elem: usize,
        out: &mut [u8],
    ) -> Result<()> {
        self.copy_block(block_origin, block_shape, elem, |src, dst, n| {
            let s = block
                .get(src..src + n)
                .ok_or(Error::Usage("block buffer smaller than its shape"))?;
            out.get_mut(dst..dst + n)
                .ok_or(Error::Usage("output buffer smaller than the selection"))?
                .copy_from_slice(s);
            Ok(())
        })
    }

    /// The inverse of [`Selection::copy_from_block`]: writes the selected elements of `data`
    /// (dense, the selection's shape) into `block`.
    ///
    /// ```
    /// use h5oxide::{DimSlice, Selection};
    /// let sel = Selection::new(vec![DimSlice { start: 0, step: 2, count: 3 }], &[6])?;
    /// let mut block = [0u8; 6];
    /// sel.copy_into_block(&[7, 8, 9], &mut block, &[0], &[6], 1)?;
    /// assert_eq!(block, [7, 0, 8, 0, 9, 0]);
    /// # Ok::<(), h5oxide::Error>(())
    /// ```
    ///
    /// # Errors
    /// `Usage` if a buffer is smaller than its shape says.
    pub fn copy_into_block(
        &self,
        data: &[u8],
        block: &mut [u8],
        block_origin: &[u64],
        block_shape: &[u64],
        elem: usize,
    ) -> Result<()> {
        self.copy_block(block_origin, block_shape, elem, |dst, src, n| {
            let s = data
                .get(src..src + n)
                .ok_or(Error::Usage("input buffer smaller than the selection"))?;
            block
                .get_mut(dst..dst + n)
                .ok_or(Error::Usage("block buffer smaller than its shape"))?
                .copy_from_slice(s);
            Ok(())
        })
    }

    /// Walks the intersection of the selection with a block, calling
    /// `copy(block_byte_offset, selection_byte_offset, bytes)` for each run of elements that
    /// is contiguous in both.
    fn copy_block(
        &self,
        origin: &[u64],
        shape: &[u64],
        elem: usize,
        mut copy: impl FnMut(usize, usize, usize) -> Result<()>,
    ) -> Result<()> {
        let rank = self.dims.len();
        if rank == 0 {
            return copy(0, 0, elem);
        }
        // Positions range per dimension.
        let mut ranges = Vec::with_capacity(rank);
        for ((d, &o), &n) in self.dims.iter().zip(origin).zip(shape) {
            let (lo, hi) = d.positions_within(o, o.saturating_add(n));
            if lo >= hi {
                return Ok(());
            }
            ranges.push((lo, hi));
        }
        // Row-major strides in elements, of the block and of the output.
        let mut bstride = vec![1u64; rank];
        let mut ostride = vec![1u64; rank];
        for i in (0..rank - 1).rev() {
            bstride[i] = bstride[i + 1] * shape[i + 1];
            ostride[i] = ostride[i + 1] * self.dims[i + 1].count;
        }
        let last = rank - 1;
        let (llo, lhi) = ranges[last];
        let ld = self.dims[last];
        let run_contig = ld.step == 1;
        let mut pos: Vec<u64> = ranges.iter().map(|r| r.0).collect();
        loop {
            // Offsets of the first element of this innermost run.
            let mut b = 0u64;
            let mut o = 0u64;
            for i in 0..last {
                let idx = self.dims[i].start + pos[i] * self.dims[i].step;
                b += (idx - origin[i]) * bstride[i];
                o += pos[i] * ostride[i];
            }
            if run_contig {
                let idx = ld.start + llo;
                let bo = (b + idx - origin[last]) as usize * elem;
                let oo = (o + llo) as usize * elem;
                copy(bo, oo, (lhi - llo) as usize * elem)?;
            } else {
                for p in llo..lhi {
                    let idx = ld.start + p * ld.step;
                    let bo = (b + idx - origin[last]) as usize * elem;
                    copy(bo, (o + p) as usize * elem, elem)?;
                }
            }
            // Advance the outer dimensions like an odometer.
            let mut i = last;
            loop {
                if i == 0 {
                    return Ok(());
                }
                i -= 1;
                pos[i] += 1;
                if pos[i] < ranges[i].1 {
                    break;
                }
                pos[i] = ranges[i].0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference(sel: &Selection, data: &[u32], shape: &[u64]) -> Vec<u32> {
        // Element-by-element gather over the whole array.
        let n = sel.len().unwrap() as usize;
        let mut out = Vec::with_capacity(n);
        let rank = shape.len();
        let mut pos = vec![0u64; rank];
        if sel.is_empty() {
            return out;
        }
        loop {
            let mut flat = 0u64;
            for i in 0..rank {
                let idx = sel.dims()[i].start + pos[i] * sel.dims()[i].step;
                flat = flat * shape[i] + idx;
            }
            out.push(data[flat as usize]);
            let mut i = rank;
            loop {
                if i == 0 {
                    return out;
                }
                i -= 1;
                pos[i] += 1;
                if pos[i] < sel.dims()[i].count {
                    break;
                }
                pos[i] = 0;
            }
        }
    }

    fn bytes(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    proptest! {
        /// Gathering a selection chunk by chunk equals gathering it from the whole array.
        #[test]
        fn chunked_gather_equals_whole_gather(
            shape in prop::collection::vec(1u64..9, 1..4),
            chunk_seed in prop::collection::vec(1u64..5, 4),
            sel_seed in prop::collection::vec((0u64..9, 1u64..4, 0u64..9), 4),
        ) {
            let rank = shape.len();
            let chunk: Vec<u64> = (0..rank).map(|i| chunk_seed[i]).collect();
            let dims: Vec<DimSlice> = (0..rank).map(|i| {
                let (s, step, c) = sel_seed[i];
                let start = s % shape[i];
                let max = (shape[i] - 1 - start) / step + 1;
                DimSlice { start, step, count: c % (max + 1) }
            }).collect();
            let sel = Selection::new(dims, &shape).unwrap();
            let total: u64 = shape.iter().product();
            let data: Vec<u32> = (0..total as u32).collect();
            let expected = reference(&sel, &data, &shape);

            let mut out = vec![0u8; expected.len() * 4];
            let ranges = sel.chunk_ranges(&chunk);
            // Cartesian product of chunk origins.
            let mut origins: Vec<Vec<u64>> = vec![vec![]];
            for r in &ranges {
                origins = origins.into_iter().flat_map(|o| r.iter().map(move |&k| {
                    let mut o = o.clone(); o.push(k); o
                })).collect();
            }
            for o in origins {
                // Build the chunk (clipped at the dataset edge, padded like HDF5 chunks).
                let cshape = chunk.clone();
                let csize: u64 = cshape.iter().product();
                let mut block = vec![0u32; csize as usize];
                for (f, slot) in block.iter_mut().enumerate() {
                    let mut rem = f as u64;
                    let mut flat = 0u64;
                    let mut inside = true;
                    for i in 0..rank {
                        let stride: u64 = cshape[i + 1..].iter().product();
                        let c = rem / stride;
                        rem %= stride;
                        let idx = o[i] + c;
                        if idx >= shape[i] { inside = false; }
                        flat = flat * shape[i] + idx.min(shape[i] - 1);
                    }
                    if inside { *slot = data[flat as usize]; }
                }
                sel.copy_from_block(&bytes(&block), &o, &cshape, 4, &mut out).unwrap();
            }
            prop_assert_eq!(out, bytes(&expected));
        }
    }

    #[test]
    fn chunk_ranges_skip_untouched_chunks() {
        let sel = Selection::new(
            vec![DimSlice {
                start: 1,
                step: 10,
                count: 3,
            }],
            &[30],
        )
        .unwrap();
        // Indices 1, 11, 21 with chunks of 4: chunks at 0, 8, 20.
        assert_eq!(sel.chunk_ranges(&[4]), vec![vec![0, 8, 20]]);
        let sel = Selection::new(
            vec![DimSlice {
                start: 5,
                step: 1,
                count: 10,
            }],
            &[30],
        )
        .unwrap();
        assert_eq!(sel.chunk_ranges(&[4]), vec![vec![4, 8, 12]]);
    }

    #[test]
    fn bands_split_the_first_dimension_by_chunk_rows() {
        let sel = Selection::new(
            vec![
                DimSlice {
                    start: 1,
                    step: 3,
                    count: 5,
                },
                DimSlice::all(2),
            ],
            &[20, 2],
        )
        .unwrap();
        // Indices 1, 4, 7, 10, 13; chunk rows of 5: [0,5) holds 1 and 4, [5,10) holds 7.
        let (b, lo, hi) = sel.band(0, 5);
        assert_eq!((lo, hi), (0, 2));
        assert_eq!(
            b.dims()[0],
            DimSlice {
                start: 1,
                step: 3,
                count: 2
            }
        );
        let (b, lo, hi) = sel.band(5, 5);
        assert_eq!((lo, hi), (2, 3));
        assert_eq!(
            b.dims()[0],
            DimSlice {
                start: 7,
                step: 3,
                count: 1
            }
        );
        let (_, lo, hi) = sel.band(15, 5);
        assert_eq!(lo, hi);
    }

    #[test]
    fn out_of_range_selection_is_an_error() {
        assert!(Selection::new(
            vec![DimSlice {
                start: 5,
                step: 1,
                count: 6
            }],
            &[10]
        )
        .is_err());
        assert!(Selection::new(
            vec![DimSlice {
                start: 0,
                step: 0,
                count: 1
            }],
            &[10]
        )
        .is_err());
    }
}
