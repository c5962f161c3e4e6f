//! The `b2nd` metalayer (c-blosc2's README_B2ND_METALAYER): an n-dimensional array stored
//! as a grid of chunks, each chunk a grid of blocks. Inside a chunk the blocks follow each
//! other in row-major order, each holding its elements row-major; chunk and block extents
//! are padded up to whole blocks. The hdf5-blosc2 plugin writes one such array per HDF5
//! chunk (array shape = chunk shape = the HDF5 chunk's dimensions).

use super::corrupt;
use super::msgpack::{put_i32, put_i64, Reader};
use crate::error::StorageError;

/// Dimensions beyond this are refused (c-blosc2's own limit).
const MAX_DIM: usize = 8;

/// Shapes of a b2nd array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Layout {
    pub shape: Vec<usize>,
    pub chunk: Vec<usize>,
    pub block: Vec<usize>,
}

fn dims(v: Vec<i64>, ndim: usize) -> Result<Vec<usize>, StorageError> {
    if v.len() != ndim {
        return Err(corrupt("b2nd metalayer rank mismatch"));
    }
    v.into_iter()
        .map(|d| usize::try_from(d).map_err(|_| corrupt("b2nd metalayer negative extent")))
        .collect()
}

impl Layout {
    /// Parses the metalayer's content.
    pub(super) fn decode(content: &[u8]) -> Result<Self, StorageError> {
        let mut r = Reader::new(content, 0);
        let n = r.array_len()?;
        if n < 6 {
            return Err(corrupt("b2nd metalayer too short"));
        }
        r.int()?; // version
        let ndim = usize::try_from(r.int()?).map_err(|_| corrupt("b2nd rank"))?;
        if ndim == 0 || ndim > MAX_DIM {
            return Err(corrupt("b2nd rank out of range"));
        }
        let shape = dims(r.int_array(MAX_DIM)?, ndim)?;
        let chunk = dims(r.int_array(MAX_DIM)?, ndim)?;
        let block = dims(r.int_array(MAX_DIM)?, ndim)?;
        if chunk.contains(&0) || block.contains(&0) || block.iter().zip(&chunk).any(|(b, c)| b > c)
        {
            return Err(corrupt("b2nd chunk or block shape out of range"));
        }
        Ok(Layout {
            shape,
            chunk,
            block,
        })
    }

    /// The content for an array of `shape` stored as one chunk of one block.
    pub(super) fn encode_single_block(shape: &[usize], typesize: usize) -> Vec<u8> {
        let mut out = vec![0x97, 0x00, shape.len() as u8, 0x90 | shape.len() as u8];
        for &d in shape {
            put_i64(&mut out, d as i64);
        }
        for _ in 0..2 {
            out.push(0x90 | shape.len() as u8);
            for &d in shape {
                put_i32(&mut out, d as i32);
            }
        }
        out.push(0x00);
        let dtype = format!("|V{typesize}");
        // str32, as c-blosc2 writes and expects it.
        out.push(0xdb);
        out.extend_from_slice(&(dtype.len() as u32).to_be_bytes());
        out.extend_from_slice(dtype.as_bytes());
        out
    }

    /// Chunks of the array, row-major.
    pub(super) fn nchunks(&self) -> usize {
        self.shape
            .iter()
            .zip(&self.chunk)
            .map(|(s, c)| s.div_ceil(*c))
            .product()
    }

    /// Elements of one padded chunk (chunk extents rounded up to whole blocks).
    pub(super) fn padded_chunk_elems(&self) -> Option<usize> {
        self.chunk
            .iter()
            .zip(&self.block)
            .try_fold(1usize, |a, (c, b)| a.checked_mul(c.div_ceil(*b) * b))
    }

    /// Elements of the whole array.
    pub(super) fn elems(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
    }

    /// Copies chunk `ci` (decoded, in block order) into `out`, the array row-major.
    pub(super) fn scatter_chunk(&self, ci: usize, data: &[u8], typesize: usize, out: &mut [u8]) {
        let nd = self.shape.len();
        let grid: Vec<usize> = (0..nd)
            .map(|d| self.shape[d].div_ceil(self.chunk[d]))
            .collect();
        let chunk_origin = unravel(ci, &grid)
            .into_iter()
            .zip(&self.chunk)
            .map(|(i, c)| i * c)
            .collect::<Vec<_>>();
        let ext: Vec<usize> = (0..nd)
            .map(|d| self.chunk[d].div_ceil(self.block[d]) * self.block[d])
            .collect();
        let bgrid: Vec<usize> = (0..nd).map(|d| ext[d] / self.block[d]).collect();
        let block_elems: usize = self.block.iter().product();
        let nblocks: usize = bgrid.iter().product();
        let row = self.block[nd - 1];
        for bi in 0..nblocks {
            let borigin: Vec<usize> = unravel(bi, &bgrid)
                .into_iter()
                .zip(&self.block)
                .map(|(i, b)| i * b)
                .collect();
            // Each row of the block (all but the last dimension fixed).
            let rows = block_elems / row;
            let outer: Vec<usize> = self.block[..nd - 1].to_vec();
            for r in 0..rows {
                let idx = unravel(r, &outer);
                let mut pos = Vec::with_capacity(nd);
                let mut inside = true;
                for d in 0..nd - 1 {
                    let in_chunk = borigin[d] + idx[d];
                    let global = chunk_origin[d] + in_chunk;
                    inside &= in_chunk < self.chunk[d] && global < self.shape[d];
                    pos.push(global);
                }
                if !inside {
                    continue;
                }
                let last = nd - 1;
                let start_in_chunk = borigin[last];
                let global0 = chunk_origin[last] + start_in_chunk;
                if start_in_chunk >= self.chunk[last] || global0 >= self.shape[last] {
                    continue;
                }
                let n = row
                    .min(self.chunk[last] - start_in_chunk)
                    .min(self.shape[last] - global0);
                pos.push(global0);
                let dst = ravel(&pos, &self.shape) * typesize;
                let src = (bi * block_elems + r * row) * typesize;
                let len = n * typesize;
                if let (Some(s), Some(d)) = (data.get(src..src + len), out.get_mut(dst..dst + len))
                {
                    d.copy_from_slice(s);
                }
            }
        }
    }
}

fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        let n = shape[d].max(1);
        idx[d] = i % n;
        i /= n;
    }
    idx
}

fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |a, (i, s)| a * s + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_reordered_row_major() {
        // A 3x5 array in one chunk of 3x5 with 2x2 blocks: padded to 4x6, six blocks.
        let l = Layout {
            shape: vec![3, 5],
            chunk: vec![3, 5],
            block: vec![2, 2],
        };
        assert_eq!(l.padded_chunk_elems(), Some(24));
        // Block-ordered data where each element holds its row-major index in the array,
        // 99 in padding.
        let mut data = Vec::new();
        for by in 0..2 {
            for bx in 0..3 {
                for y in 0..2 {
                    for x in 0..2 {
                        let (gy, gx) = (by * 2 + y, bx * 2 + x);
                        data.push(if gy < 3 && gx < 5 {
                            (gy * 5 + gx) as u8
                        } else {
                            99
                        });
                    }
                }
            }
        }
        let mut out = vec![0u8; 15];
        l.scatter_chunk(0, &data, 1, &mut out);
        assert_eq!(out, (0..15).collect::<Vec<u8>>());
    }

    #[test]
    fn single_block_metalayer_round_trips() {
        let c = Layout::encode_single_block(&[5, 10, 20], 8);
        let l = Layout::decode(&c).unwrap();
        assert_eq!(l.shape, [5, 10, 20]);
        assert_eq!(l.chunk, [5, 10, 20]);
        assert_eq!(l.block, [5, 10, 20]);
        assert!(Layout::decode(&c[..10]).is_err());
    }
}
