//! Chunk indexes of chunked datasets (spec VII, and III.A for the B-trees).
//!
//! Every index answers the same two questions: which chunks exist (a list of
//! [`ChunkRecord`]s) and where one chunk is. The array-like indexes (implicit, fixed array,
//! extensible array) number chunks linearly; [`ChunkGrid`] converts between a chunk's
//! element coordinates and that number.

use alloc::vec::Vec;

use crate::error::{ErrorKind, FormatError, Result};

pub mod btree_v1;
pub mod btree_v2;
pub mod extensible_array;
pub mod fixed_array;
pub mod implicit;
pub mod single;

/// One stored chunk, whatever index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRecord {
    /// Element coordinates of the chunk's first element (multiples of the chunk dims).
    pub offset: Vec<u64>,
    /// Bit `i` set: filter `i` of the pipeline was skipped for this chunk.
    pub filter_mask: u32,
    /// Bytes stored (after filtering).
    pub size: u64,
    /// File address of the chunk.
    pub address: u64,
}

/// One entry of an array-like index (fixed or extensible array): spec VII.C/VII.D "Data Block
/// Element for (Non-)filtered Dataset Chunk".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkEntry {
    /// File address of the chunk; [`crate::UNDEFINED_ADDRESS`] if the chunk was never written.
    pub address: u64,
    /// Stored size for filtered chunks; `None` for unfiltered ones (the full chunk size).
    pub size: Option<u64>,
    /// Skipped-filter mask for filtered chunks (0 otherwise).
    pub filter_mask: u32,
}

/// The grid of chunks over a dataset: how array-like indexes number chunks (spec VII.B:
/// row-major over the scaled chunk coordinates, with "down" products from the maximum
/// dimensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkGrid {
    chunk: Vec<u64>,
    /// Chunks along each dimension, from the maximum dimensions.
    max_chunks: Vec<u64>,
    /// Row-major strides over `max_chunks`.
    down: Vec<u64>,
}

impl ChunkGrid {
    /// The grid for chunk dims `chunk` over a dataspace of maximum dims `max_dims`.
    ///
    /// With `swizzle = Some(d)`, dimension `d` is moved to the front so it changes slowest, as
    /// the extensible array numbers chunks with its one unlimited dimension (spec VII.D);
    /// coordinates passed to [`ChunkGrid::index_of`] must then be reordered with [`swizzle`].
    /// An unlimited maximum (`u64::MAX`) is only meaningful in the first (slowest) position.
    ///
    /// # Errors
    /// `InvalidValue` for a zero chunk dimension, mismatched ranks, or a grid whose chunk
    /// count overflows 64 bits.
    pub fn new(chunk: &[u64], max_dims: &[u64], swizzle: Option<usize>) -> Result<Self> {
        let err = |field, value| {
            FormatError::new(ErrorKind::InvalidValue { field, value }, "chunk grid", 0)
        };
        if chunk.len() != max_dims.len() {
            return Err(err("chunk rank", chunk.len() as u64));
        }
        let mut order: Vec<usize> = (0..chunk.len()).collect();
        if let Some(d) = swizzle {
            if d >= chunk.len() {
                return Err(err("unlimited dimension", d as u64));
            }
            order.remove(d);
            order.insert(0, d);
        }
        let mut c = Vec::with_capacity(chunk.len());
        let mut m = Vec::with_capacity(chunk.len());
        for &i in &order {
            let cd = chunk[i];
            if cd == 0 {
                return Err(err("chunk dimension", 0));
            }
            let md = max_dims[i];
            let n = if md == u64::MAX {
                u64::MAX
            } else {
                md.div_ceil(cd)
            };
            c.push(cd);
            m.push(n);
        }
        // Strides: the first (slowest) dimension's own count never enters a stride, so an
        // unlimited first dimension is fine.
        let mut down = alloc::vec![0u64; m.len()];
        let mut acc: u64 = 1;
        for i in (0..m.len()).rev() {
            down[i] = acc;
            if i > 0 {
                acc = acc
                    .checked_mul(m[i].max(1))
                    .ok_or_else(|| err("number of chunks", m[i]))?;
            }
        }
        Ok(ChunkGrid {
            chunk: c,
            max_chunks: m,
            down,
        })
    }

    /// The linear chunk number of the chunk holding element coordinates `coords` (already in
    /// the grid's dimension order).
    pub fn index_of(&self, coords: &[u64]) -> u64 {
        coords
            .iter()
            .zip(&self.chunk)
            .zip(&self.down)
            .fold(0u64, |acc, ((&x, &c), &d)| {
                acc.saturating_add((x / c).saturating_mul(d))
            })
    }

    /// Element coordinates (in the grid's dimension order) of the first element of chunk
    /// number `index`.
    pub fn coords_of(&self, mut index: u64) -> Vec<u64> {
        let mut out = Vec::with_capacity(self.down.len());
        for (&d, &c) in self.down.iter().zip(&self.chunk) {
            let s = index / d;
            index %= d;
            out.push(s.saturating_mul(c));
        }
        out
    }

    /// Chunks along each dimension (from the maximum dims; `u64::MAX` for unlimited).
    pub fn max_chunks(&self) -> &[u64] {
        &self.max_chunks
    }
}

/// Reorders `coords` so dimension `d` comes first, as [`ChunkGrid::new`] with
/// `swizzle = Some(d)` numbers chunks.
pub fn swizzle(coords: &[u64], d: usize) -> Vec<u64> {
    let mut v: Vec<u64> = coords.to_vec();
    if d < v.len() {
        let x = v.remove(d);
        v.insert(0, x);
    }
    v
}

/// Undoes [`swizzle`]: moves the first coordinate back to position `d`.
pub fn unswizzle(coords: &[u64], d: usize) -> Vec<u64> {
    let mut v: Vec<u64> = coords.to_vec();
    if d < v.len() && !v.is_empty() {
        let x = v.remove(0);
        v.insert(d, x);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example_implicit_index() {
        // spec VII.B: dims [4,5], chunk [3,2]: chunk offset [3,4] has index 5.
        let g = ChunkGrid::new(&[3, 2], &[4, 5], None).unwrap();
        assert_eq!(g.index_of(&[3, 4]), 5);
        assert_eq!(g.coords_of(5), alloc::vec![3, 4]);
        assert_eq!(g.max_chunks(), &[2, 3]);
    }

    #[test]
    fn unlimited_dimension_swizzled_first() {
        // dims (unlimited, 10), chunk (4, 5): the unlimited dim 0 is already first.
        let g = ChunkGrid::new(&[4, 5], &[u64::MAX, 10], Some(0)).unwrap();
        assert_eq!(g.index_of(&[8, 5]), 2 * 2 + 1);
        // Unlimited dim 1: swizzled to the front.
        let g = ChunkGrid::new(&[5, 4], &[10, u64::MAX], Some(1)).unwrap();
        let sw = swizzle(&[5, 8], 1);
        assert_eq!(sw, alloc::vec![8, 5]);
        assert_eq!(g.index_of(&sw), 2 * 2 + 1);
        assert_eq!(unswizzle(&g.coords_of(5), 1), alloc::vec![5, 8]);
    }

    #[test]
    fn zero_chunk_dim_is_an_error() {
        assert!(ChunkGrid::new(&[0], &[4], None).is_err());
    }
}
