//! The Implicit index (spec VII.B): unfiltered chunks allocated early as one contiguous array
//! in chunk-number order, so a chunk's address is computed, never stored.

use alloc::vec::Vec;

use crate::chunk_index::{ChunkGrid, ChunkRecord};
use crate::context::UNDEFINED_ADDRESS;

/// Address of chunk number `index` in an implicit index starting at `base`, or `None` if the
/// array was never allocated or the address overflows.
pub fn chunk_address(base: u64, index: u64, chunk_bytes: u64) -> Option<u64> {
    if base == UNDEFINED_ADDRESS {
        return None;
    }
    base.checked_add(index.checked_mul(chunk_bytes)?)
}

/// Every chunk of an implicit index whose grid has `count` chunks (the product of the
/// grid's chunk counts over the maximum dimensions).
pub fn records(base: u64, grid: &ChunkGrid, count: u64, chunk_bytes: u64) -> Vec<ChunkRecord> {
    if base == UNDEFINED_ADDRESS {
        return Vec::new();
    }
    (0..count)
        .map_while(|i| {
            Some(ChunkRecord {
                offset: grid.coords_of(i),
                filter_mask: 0,
                size: chunk_bytes,
                address: chunk_address(base, i, chunk_bytes)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_follow_chunk_numbers() {
        // spec VII.B example: dims [4,5], chunks [3,2] -> 6 chunks; chunk [3,4] is number 5.
        let g = ChunkGrid::new(&[3, 2], &[4, 5], None).unwrap();
        let rs = records(1000, &g, 6, 24);
        assert_eq!(rs.len(), 6);
        assert_eq!(rs[5].offset, alloc::vec![3, 4]);
        assert_eq!(rs[5].address, 1000 + 5 * 24);
        assert_eq!(chunk_address(UNDEFINED_ADDRESS, 0, 24), None);
        assert_eq!(chunk_address(u64::MAX - 1, 2, 24), None);
    }
}
