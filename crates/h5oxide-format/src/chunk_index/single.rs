//! The Single Chunk index (spec VII.A): a dataset of exactly one chunk, whose address (and,
//! when filtered, stored size and filter mask) sit in the layout message itself.

use alloc::vec;
use alloc::vec::Vec;

use crate::chunk_index::ChunkRecord;
use crate::context::UNDEFINED_ADDRESS;

/// The one chunk of a single-chunk dataset of rank `rank`, or an empty list if it was never
/// written. `filtered` carries the stored size and filter mask from the layout message;
/// unfiltered chunks are `chunk_bytes` long.
pub fn records(
    rank: usize,
    address: u64,
    filtered: Option<(u64, u32)>,
    chunk_bytes: u64,
) -> Vec<ChunkRecord> {
    if address == UNDEFINED_ADDRESS {
        return Vec::new();
    }
    let (size, filter_mask) = filtered.unwrap_or((chunk_bytes, 0));
    vec![ChunkRecord {
        offset: vec![0; rank],
        filter_mask,
        size,
        address,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_chunk_or_none() {
        assert!(records(2, UNDEFINED_ADDRESS, None, 64).is_empty());
        let r = records(2, 4096, Some((40, 1)), 64);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].offset, vec![0, 0]);
        assert_eq!((r[0].size, r[0].filter_mask, r[0].address), (40, 1, 4096));
        assert_eq!(records(1, 8, None, 64)[0].size, 64);
    }
}
