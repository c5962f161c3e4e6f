//! Fractal heap indirect block, "FHIB" (spec III.G).

use alloc::vec::Vec;

use super::header::{DoublingTable, FractalHeapHeader};
use crate::btree_v2::header::verify_checksum;
use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

pub(crate) const STRUCTURE: &str = "fractal heap indirect block";

/// One direct-block entry of an indirect block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectEntry {
    /// Address of the child direct block; undefined if not allocated.
    pub address: u64,
    /// Filtered size and filter mask of the block, present when the heap has filters.
    pub filtered: Option<(u64, u32)>,
}

/// An indirect block: `K` direct-block entries then `N` indirect-block addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndirectBlock {
    /// Address of the heap's header.
    pub heap_header_address: u64,
    /// Offset of the block in the heap's managed address space.
    pub block_offset: u64,
    /// Child direct blocks, row by row.
    pub direct: Vec<DirectEntry>,
    /// Child indirect blocks, row by row.
    pub indirect: Vec<u64>,
}

impl IndirectBlock {
    /// The signature "FHIB".
    pub const SIGNATURE: &'static [u8; 4] = b"FHIB";

    /// Encoded size of an indirect block of `nrows` rows, or `None` if it overflows.
    pub fn encoded_len(
        ctx: &Context,
        heap: &FractalHeapHeader,
        table: &DoublingTable,
        nrows: u32,
    ) -> Option<u64> {
        let (k, n) = table.entries(nrows);
        let o = ctx.sizeof_offsets() as u64;
        let dentry = o + if heap.filter.is_some() {
            ctx.sizeof_lengths() as u64 + 4
        } else {
            0
        };
        let fixed = 4 + 1 + o + heap.heap_offset_size() as u64 + 4;
        k.checked_mul(dentry)?
            .checked_add(n.checked_mul(o)?)?
            .checked_add(fixed)
    }

    /// Decodes an indirect block of `nrows` rows from `buf` at file offset `base`.
    /// `expected_offset`, when known, must equal the stored block offset.
    ///
    /// # Errors
    /// `BadSignature`, `UnsupportedVersion`, `UnexpectedEof`; `ChecksumMismatch` at the
    /// checksum's offset; `InvalidValue` for a foreign heap header address or block offset.
    pub fn decode(
        buf: &[u8],
        base: u64,
        ctx: &Context,
        heap: &FractalHeapHeader,
        table: &DoublingTable,
        nrows: u32,
        expected_offset: Option<u64>,
    ) -> Result<Self> {
        let len = Self::encoded_len(ctx, heap, table, nrows).ok_or_else(|| {
            FormatError::new(
                ErrorKind::InvalidValue {
                    field: "number of rows",
                    value: u64::from(nrows),
                },
                STRUCTURE,
                base,
            )
        })?;
        let mut outer = Cursor::new(buf, base, STRUCTURE);
        let len = usize::try_from(len).map_err(|_| outer.invalid("number of rows", len, 0))?;
        let mut c = outer.split(len)?;
        verify_checksum(c.all(), base, STRUCTURE)?;
        c.signature(Self::SIGNATURE)?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.error(ErrorKind::UnsupportedVersion { version }));
        }
        let header = c.offset_field(ctx)?;
        if header != heap.address {
            return Err(c.invalid("heap header address", header, ctx.sizeof_offsets()));
        }
        let n = heap.heap_offset_size();
        let block_offset = c.uint(n)?;
        if expected_offset.is_some_and(|e| e != block_offset) {
            return Err(c.invalid("block offset", block_offset, n));
        }
        // The entry counts are bounded by `len`, which the caller bounded.
        let (k, n) = table.entries(nrows);
        let mut direct = Vec::with_capacity(k as usize);
        for _ in 0..k {
            let address = c.offset_field(ctx)?;
            let filtered = if heap.filter.is_some() {
                Some((c.length_field(ctx)?, c.u32()?))
            } else {
                None
            };
            direct.push(DirectEntry { address, filtered });
        }
        let mut indirect = Vec::with_capacity(n as usize);
        for _ in 0..n {
            indirect.push(c.offset_field(ctx)?);
        }
        Ok(IndirectBlock {
            heap_header_address: header,
            block_offset,
            direct,
            indirect,
        })
    }

    /// Encodes the block, checksum last.
    ///
    /// # Errors
    /// `EncodeOverflow` if a value does not fit, or filtered sizes are present exactly when
    /// the heap has no filters (or missing when it has).
    pub fn encode(&self, ctx: &Context, heap: &FractalHeapHeader) -> Result<Vec<u8>> {
        let mut w = Writer::new();
        w.bytes(Self::SIGNATURE);
        w.u8(0);
        w.offset_field(self.heap_header_address, ctx)?;
        w.uint(self.block_offset, heap.heap_offset_size(), "block offset")?;
        for d in &self.direct {
            w.offset_field(d.address, ctx)?;
            match (d.filtered, heap.filter.is_some()) {
                (Some((size, mask)), true) => {
                    w.length_field(size, ctx)?;
                    w.u32(mask);
                }
                (None, false) => {}
                _ => {
                    return Err(FormatError::new(
                        ErrorKind::EncodeOverflow {
                            field: "size of filtered direct block",
                        },
                        STRUCTURE,
                        w.len() as u64,
                    ))
                }
            }
        }
        for &a in &self.indirect {
            w.offset_field(a, ctx)?;
        }
        w.checksum_from(0);
        Ok(w.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::UNDEFINED_ADDRESS;

    // The root indirect block of the 2000-link heap (tests/data/dense_links.h5): 8 rows of 4
    // direct blocks. The sizes of the allocated entries must add up to the 57344 bytes of
    // allocated managed space that h5debug reports for the heap.
    #[test]
    fn decodes_libhdf5_root_indirect_block() {
        let ctx = Context::DEFAULT;
        let file = include_bytes!("../../../tests/data/dense_links.h5");
        let h = FractalHeapHeader::decode(&file[705..], 705, &ctx).unwrap();
        let t = h.doubling_table().unwrap();
        let at = h.root_block_address as usize;
        let ib = IndirectBlock::decode(&file[at..], at as u64, &ctx, &h, &t, 8, Some(0)).unwrap();
        assert_eq!(ib.direct.len(), 32);
        assert!(ib.indirect.is_empty());
        let mut allocated = 0u64;
        for (i, d) in ib.direct.iter().enumerate() {
            if d.address != UNDEFINED_ADDRESS {
                allocated += t.row_block_size(i as u32 / 4).unwrap();
            }
        }
        assert_eq!(allocated, h.managed_allocated_size);
        let enc = ib.encode(&ctx, &h).unwrap();
        assert_eq!(enc, &file[at..at + enc.len()]);
        let mut bad = enc.clone();
        bad[30] ^= 4;
        let e = IndirectBlock::decode(&bad, 77, &ctx, &h, &t, 8, None).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::ChecksumMismatch { .. }));
        assert_eq!(e.offset, 77 + enc.len() as u64 - 4);
    }
}
