//! Fractal heap direct block, "FHDB" (spec III.G).

use alloc::vec::Vec;

use super::header::FractalHeapHeader;
use crate::checksum::lookup3;
use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

pub(crate) const STRUCTURE: &str = "fractal heap direct block";

/// A direct block: the bytes of managed objects. Objects are addressed by heap offset;
/// the object at heap offset `o` starts `o - block_offset` bytes into the block, counting
/// the block's own prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectBlock {
    /// Address of the heap's header.
    pub heap_header_address: u64,
    /// Offset of the block in the heap's managed address space.
    pub block_offset: u64,
    /// The block's bytes after its prefix (object data and free space).
    pub data: Vec<u8>,
}

impl DirectBlock {
    /// The signature "FHDB".
    pub const SIGNATURE: &'static [u8; 4] = b"FHDB";

    /// Decodes a whole block (`buf` is exactly the block's size) at file offset `base`.
    ///
    /// # Errors
    /// As [`verify`].
    pub fn decode(buf: &[u8], base: u64, ctx: &Context, heap: &FractalHeapHeader) -> Result<Self> {
        let block_offset = verify(buf, base, ctx, heap, None)?;
        let prefix = heap.direct_block_prefix_len(ctx);
        Ok(DirectBlock {
            heap_header_address: heap.address,
            block_offset,
            data: buf.get(prefix..).unwrap_or_default().to_vec(),
        })
    }

    /// Encodes the block: prefix, data, and (if the heap checksums direct blocks) the
    /// checksum of the whole block computed with its checksum field zeroed.
    ///
    /// # Errors
    /// `EncodeOverflow` if the block offset or an address does not fit.
    pub fn encode(&self, ctx: &Context, heap: &FractalHeapHeader) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(heap.direct_block_prefix_len(ctx) + self.data.len());
        w.bytes(Self::SIGNATURE);
        w.u8(0);
        w.offset_field(self.heap_header_address, ctx)?;
        w.uint(self.block_offset, heap.heap_offset_size(), "block offset")?;
        let sum_at = w.len();
        if heap.checksums_direct_blocks() {
            w.u32(0);
        }
        w.bytes(&self.data);
        let mut out = w.into_inner();
        if heap.checksums_direct_blocks() {
            let sum = lookup3(&out).to_le_bytes();
            out[sum_at..sum_at + 4].copy_from_slice(&sum);
        }
        Ok(out)
    }
}

/// Verifies a direct block's prefix and checksum, returning its block offset.
/// `expected_offset`, when known from the doubling table, must match the stored one.
///
/// # Errors
/// `BadSignature`, `UnsupportedVersion`, `UnexpectedEof`; `ChecksumMismatch` at the
/// checksum's offset; `InvalidValue` if the heap header address or block offset differ from
/// the expected ones.
pub fn verify(
    buf: &[u8],
    base: u64,
    ctx: &Context,
    heap: &FractalHeapHeader,
    expected_offset: Option<u64>,
) -> Result<u64> {
    let mut c = Cursor::new(buf, base, STRUCTURE);
    c.signature(DirectBlock::SIGNATURE)?;
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
    if heap.checksums_direct_blocks() {
        let at = c.position();
        let stored = c.u32()?;
        // The checksum covers the whole block with the checksum field zeroed.
        let mut image = buf.to_vec();
        image[at..at + 4].fill(0);
        let computed = lookup3(&image);
        if stored != computed {
            return Err(FormatError::new(
                ErrorKind::ChecksumMismatch { stored, computed },
                STRUCTURE,
                base + at as u64,
            ));
        }
    }
    Ok(block_offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn heap(flags: u8) -> FractalHeapHeader {
        let file = include_bytes!("../../../tests/data/dense_links.h5");
        let mut h = FractalHeapHeader::decode(&file[705..], 705, &Context::DEFAULT).unwrap();
        h.flags = flags;
        h
    }

    proptest! {
        #[test]
        fn roundtrip(data in proptest::collection::vec(any::<u8>(), 0..600), off in 0u64..(1 << 32), flags in 0u8..4) {
            let h = heap(flags);
            let b = DirectBlock { heap_header_address: 705, block_offset: off, data };
            let enc = b.encode(&Context::DEFAULT, &h).unwrap();
            prop_assert_eq!(DirectBlock::decode(&enc, 0, &Context::DEFAULT, &h).unwrap(), b);
        }
    }

    #[test]
    fn checksum_and_owner_are_checked() {
        let h = heap(2);
        let b = DirectBlock {
            heap_header_address: 705,
            block_offset: 512,
            data: alloc::vec![7; 100],
        };
        let mut enc = b.encode(&Context::DEFAULT, &h).unwrap();
        enc[50] ^= 1;
        let e = DirectBlock::decode(&enc, 1000, &Context::DEFAULT, &h).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::ChecksumMismatch { .. }));
        // Signature, version, 8-byte address, 4-byte block offset: the checksum is at 17.
        assert_eq!(e.offset, 1017);
        let other = DirectBlock {
            heap_header_address: 9,
            ..b
        };
        let enc = other.encode(&Context::DEFAULT, &h).unwrap();
        assert!(DirectBlock::decode(&enc, 0, &Context::DEFAULT, &h).is_err());
    }
}
