//! Fractal heap header, "FRHP" (spec III.G), and the doubling-table arithmetic derived
//! from it.

use alloc::vec::Vec;

use crate::btree_v2::header::{limit_enc_size, verify_checksum};
use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

pub(crate) const STRUCTURE: &str = "fractal heap header";

/// I/O filter information of a heap whose objects are filtered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeapFilterInfo {
    /// Size of the filtered root direct block.
    pub root_direct_block_size: u64,
    /// Filter mask of the root direct block.
    pub root_filter_mask: u32,
    /// The encoded filter pipeline message (spec IV.A.2.l).
    pub pipeline: Vec<u8>,
}

/// The header of a fractal heap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FractalHeapHeader {
    /// File address the header was read from or will be written at (not encoded; blocks
    /// store it and are checked against it).
    pub address: u64,
    /// Length in bytes of heap IDs.
    pub heap_id_length: u16,
    /// Bit 0: huge object IDs wrapped; bit 1: direct blocks are checksummed.
    pub flags: u8,
    /// Largest object stored in managed blocks; larger objects are huge.
    pub max_managed_object_size: u32,
    /// Next ID for a huge object.
    pub next_huge_object_id: u64,
    /// Address of the v2 B-tree of huge objects.
    pub huge_btree_address: u64,
    /// Free space in managed direct blocks.
    pub managed_free_space: u64,
    /// Address of the free-space manager of managed blocks.
    pub free_space_manager_address: u64,
    /// Size of the managed address space.
    pub managed_space_size: u64,
    /// Managed space actually allocated.
    pub managed_allocated_size: u64,
    /// Offset of the direct block allocation iterator.
    pub managed_iterator_offset: u64,
    /// Number of managed objects.
    pub managed_object_count: u64,
    /// Total size of huge objects.
    pub huge_object_size: u64,
    /// Number of huge objects.
    pub huge_object_count: u64,
    /// Total size of tiny objects.
    pub tiny_object_size: u64,
    /// Number of tiny objects.
    pub tiny_object_count: u64,
    /// Columns of the doubling table.
    pub table_width: u16,
    /// Size of blocks in the first two rows.
    pub starting_block_size: u64,
    /// Largest direct block.
    pub max_direct_block_size: u64,
    /// log2 of the managed address space size ("Maximum Heap Size", in bits).
    pub max_heap_size_bits: u16,
    /// Starting number of rows of the root indirect block.
    pub starting_root_rows: u16,
    /// Address of the root block (direct if `current_root_rows` is 0).
    pub root_block_address: u64,
    /// Current number of rows of the root indirect block; 0 for a direct root block.
    pub current_root_rows: u16,
    /// Present when the heap's objects pass through I/O filters.
    pub filter: Option<HeapFilterInfo>,
}

impl FractalHeapHeader {
    /// The signature "FRHP".
    pub const SIGNATURE: &'static [u8; 4] = b"FRHP";

    /// Encoded size of a header without filter information.
    pub fn base_len(ctx: &Context) -> usize {
        let (o, l) = (ctx.sizeof_offsets(), ctx.sizeof_lengths());
        4 + 1 + 2 + 2 + 1 + 4 + l + o + l + o + 3 * l + l + 4 * l + 2 + l + l + 2 + 2 + o + 2 + 4
    }

    /// Encoded size of this header.
    pub fn encoded_len(&self, ctx: &Context) -> usize {
        Self::base_len(ctx)
            + self
                .filter
                .as_ref()
                .map_or(0, |f| ctx.sizeof_lengths() + 4 + f.pipeline.len())
    }

    /// True when direct blocks carry a checksum (flag bit 1).
    pub fn checksums_direct_blocks(&self) -> bool {
        self.flags & 0x02 != 0
    }

    /// Decodes a header from `buf`, whose first byte is at file offset `address`. `buf` may
    /// extend past the header (filter information makes its length variable).
    ///
    /// # Errors
    /// `BadSignature`, `UnsupportedVersion`, `ChecksumMismatch` (at the checksum's offset),
    /// `UnexpectedEof`.
    pub fn decode(buf: &[u8], address: u64, ctx: &Context) -> Result<Self> {
        let mut c = Cursor::new(buf, address, STRUCTURE);
        c.signature(Self::SIGNATURE)?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.error(ErrorKind::UnsupportedVersion { version }));
        }
        let heap_id_length = c.u16()?;
        let filter_len = usize::from(c.u16()?);
        let total = Self::base_len(ctx)
            + if filter_len > 0 {
                ctx.sizeof_lengths() + 4 + filter_len
            } else {
                0
            };
        let mut whole = Cursor::new(buf, address, STRUCTURE);
        let image = whole.split(total)?;
        verify_checksum(image.all(), address, STRUCTURE)?;
        let mut h = FractalHeapHeader {
            address,
            heap_id_length,
            flags: c.u8()?,
            max_managed_object_size: c.u32()?,
            next_huge_object_id: c.length_field(ctx)?,
            huge_btree_address: c.offset_field(ctx)?,
            managed_free_space: c.length_field(ctx)?,
            free_space_manager_address: c.offset_field(ctx)?,
            managed_space_size: c.length_field(ctx)?,
            managed_allocated_size: c.length_field(ctx)?,
            managed_iterator_offset: c.length_field(ctx)?,
            managed_object_count: c.length_field(ctx)?,
            huge_object_size: c.length_field(ctx)?,
            huge_object_count: c.length_field(ctx)?,
            tiny_object_size: c.length_field(ctx)?,
            tiny_object_count: c.length_field(ctx)?,
            table_width: c.u16()?,
            starting_block_size: c.length_field(ctx)?,
            max_direct_block_size: c.length_field(ctx)?,
            max_heap_size_bits: c.u16()?,
            starting_root_rows: c.u16()?,
            root_block_address: c.offset_field(ctx)?,
            current_root_rows: c.u16()?,
            filter: None,
        };
        if filter_len > 0 {
            let root_direct_block_size = c.length_field(ctx)?;
            let root_filter_mask = c.u32()?;
            let pipeline = c.bytes(filter_len)?.to_vec();
            h.filter = Some(HeapFilterInfo {
                root_direct_block_size,
                root_filter_mask,
                pipeline,
            });
        }
        Ok(h)
    }

    /// Encodes the header, checksum last.
    ///
    /// # Errors
    /// `EncodeOverflow` if a value does not fit its field.
    pub fn encode(&self, ctx: &Context) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(self.encoded_len(ctx));
        w.bytes(Self::SIGNATURE);
        w.u8(0);
        w.u16(self.heap_id_length);
        let filter_len = self.filter.as_ref().map_or(0, |f| f.pipeline.len());
        w.u16(u16::try_from(filter_len).map_err(|_| {
            FormatError::new(
                ErrorKind::EncodeOverflow {
                    field: "I/O filters' encoded length",
                },
                STRUCTURE,
                0,
            )
        })?);
        w.u8(self.flags);
        w.u32(self.max_managed_object_size);
        w.length_field(self.next_huge_object_id, ctx)?;
        w.offset_field(self.huge_btree_address, ctx)?;
        w.length_field(self.managed_free_space, ctx)?;
        w.offset_field(self.free_space_manager_address, ctx)?;
        w.length_field(self.managed_space_size, ctx)?;
        w.length_field(self.managed_allocated_size, ctx)?;
        w.length_field(self.managed_iterator_offset, ctx)?;
        w.length_field(self.managed_object_count, ctx)?;
        w.length_field(self.huge_object_size, ctx)?;
        w.length_field(self.huge_object_count, ctx)?;
        w.length_field(self.tiny_object_size, ctx)?;
        w.length_field(self.tiny_object_count, ctx)?;
        w.u16(self.table_width);
        w.length_field(self.starting_block_size, ctx)?;
        w.length_field(self.max_direct_block_size, ctx)?;
        w.u16(self.max_heap_size_bits);
        w.u16(self.starting_root_rows);
        w.offset_field(self.root_block_address, ctx)?;
        w.u16(self.current_root_rows);
        if let Some(f) = &self.filter {
            w.length_field(f.root_direct_block_size, ctx)?;
            w.u32(f.root_filter_mask);
            w.bytes(&f.pipeline);
        }
        w.checksum_from(0);
        Ok(w.into_inner())
    }

    /// Bytes of the "Block Offset" field of blocks and the offset in managed heap IDs.
    pub fn heap_offset_size(&self) -> usize {
        usize::from(self.max_heap_size_bits).div_ceil(8)
    }

    /// Bytes of the length in managed heap IDs: enough for the smaller of the largest
    /// direct block and the largest managed object.
    pub fn heap_length_size(&self) -> usize {
        let dblock_bits = if self.max_direct_block_size == 0 {
            0
        } else {
            63 - self.max_direct_block_size.leading_zeros() as usize
        };
        let by_block = dblock_bits.div_ceil(8).max(1);
        by_block.min(limit_enc_size(u64::from(self.max_managed_object_size)))
    }

    /// Overhead of a direct block before its object data: signature, version, heap header
    /// address, block offset and (if flagged) checksum.
    pub fn direct_block_prefix_len(&self, ctx: &Context) -> usize {
        4 + 1
            + ctx.sizeof_offsets()
            + self.heap_offset_size()
            + if self.checksums_direct_blocks() { 4 } else { 0 }
    }

    /// The validated doubling-table arithmetic of this heap.
    ///
    /// # Errors
    /// `InvalidValue` for a width, block size or heap size the format does not allow.
    pub fn doubling_table(&self) -> Result<DoublingTable> {
        DoublingTable::new(self)
    }
}

/// The doubling table of a heap's managed space (spec III.G; libhdf5's H5HFdtable.c).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoublingTable {
    /// Columns per row.
    pub width: u64,
    /// Size of blocks in rows 0 and 1.
    pub starting_block_size: u64,
    /// Largest direct block.
    pub max_direct_block_size: u64,
    /// Bits of the managed address space.
    pub max_heap_bits: u32,
    /// log2 of the starting block size plus log2 of the width: the bits addressed by row 0.
    pub first_row_bits: u32,
    /// Most rows the root indirect block can have.
    pub max_root_rows: u32,
    /// Rows of direct blocks in any indirect block.
    pub max_direct_rows: u32,
}

impl DoublingTable {
    /// Validates the header's table parameters.
    ///
    /// # Errors
    /// `InvalidValue` naming the field.
    pub fn new(h: &FractalHeapHeader) -> Result<Self> {
        let err = |field, value| {
            FormatError::new(
                ErrorKind::InvalidValue { field, value },
                STRUCTURE,
                h.address,
            )
        };
        let width = u64::from(h.table_width);
        if !width.is_power_of_two() {
            return Err(err("table width", width));
        }
        let start = h.starting_block_size;
        if !start.is_power_of_two() {
            return Err(err("starting block size", start));
        }
        let max_direct = h.max_direct_block_size;
        if !max_direct.is_power_of_two() || max_direct < start {
            return Err(err("maximum direct block size", max_direct));
        }
        let bits = u32::from(h.max_heap_size_bits);
        let start_bits = start.trailing_zeros();
        let first_row_bits = start_bits + width.trailing_zeros();
        if bits == 0 || bits > 64 || bits < first_row_bits {
            return Err(err("maximum heap size", u64::from(bits)));
        }
        let max_direct_rows = max_direct.trailing_zeros() - start_bits + 2;
        let max_root_rows = bits - first_row_bits + 1;
        if u32::from(h.current_root_rows) > max_root_rows {
            return Err(err(
                "current # of rows in root indirect block",
                u64::from(h.current_root_rows),
            ));
        }
        Ok(DoublingTable {
            width,
            starting_block_size: start,
            max_direct_block_size: max_direct,
            max_heap_bits: bits,
            first_row_bits,
            max_root_rows,
            max_direct_rows,
        })
    }

    /// Size of each block of `row` (rows 0 and 1 hold starting-size blocks, then sizes
    /// double); `None` past the address space.
    pub fn row_block_size(&self, row: u32) -> Option<u64> {
        if row == 0 {
            return Some(self.starting_block_size);
        }
        self.starting_block_size.checked_shl(row - 1).filter(|&s| {
            s.trailing_zeros() == self.starting_block_size.trailing_zeros() + (row - 1)
        })
    }

    /// Heap offset of the first block of `row`, relative to its indirect block.
    pub fn row_block_offset(&self, row: u32) -> Option<u64> {
        if row == 0 {
            return Some(0);
        }
        let first = self.starting_block_size.checked_mul(self.width)?;
        let off = first.checked_shl(row - 1)?;
        (off.trailing_zeros() == first.trailing_zeros() + (row - 1)).then_some(off)
    }

    /// Row and column of the block holding heap offset `off` (relative to an indirect
    /// block).
    pub fn lookup(&self, off: u64) -> Option<(u32, u64)> {
        let first_row_size = self.starting_block_size.checked_mul(self.width)?;
        if off < first_row_size {
            return Some((0, off / self.starting_block_size));
        }
        let high_bit = 63 - off.leading_zeros();
        let row = high_bit - self.first_row_bits + 1;
        let col = (off - (1u64 << high_bit)) / self.row_block_size(row)?;
        Some((row, col))
    }

    /// Rows of an indirect block that spans a block of `row`'s size: log2 of the size minus
    /// the first row's bits, plus one (libhdf5's H5HF arithmetic; the spec's "nrows" formula
    /// subtracts only log2 of the starting block size, which ignores the table width).
    pub fn child_indirect_rows(&self, row: u32) -> Option<u32> {
        let size = self.row_block_size(row)?;
        (size.trailing_zeros() + 1).checked_sub(self.first_row_bits)
    }

    /// Direct-block entries (`K`) and indirect-block entries (`N`) of an indirect block with
    /// `nrows` rows.
    pub fn entries(&self, nrows: u32) -> (u64, u64) {
        let direct_rows = nrows.min(self.max_direct_rows);
        let indirect_rows = nrows.saturating_sub(self.max_direct_rows);
        (
            u64::from(direct_rows) * self.width,
            u64::from(indirect_rows) * self.width,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // The header of the link heap libhdf5 1.10.8 wrote for a group of 2000 dense links
    // (tests/data/dense_links.h5 at 705), as h5debug reports it: width 4, starting block 512,
    // max direct block 65536, 32-bit heap, root indirect block of 8 rows at 116721.
    #[test]
    fn decodes_libhdf5_link_heap_header() {
        let file = include_bytes!("../../../tests/data/dense_links.h5");
        let h = FractalHeapHeader::decode(&file[705..], 705, &Context::DEFAULT).unwrap();
        assert_eq!(h.heap_id_length, 7);
        assert_eq!(h.max_managed_object_size, 4096);
        assert_eq!(h.managed_free_space, 205_472);
        assert_eq!(h.managed_space_size, 262_144);
        assert_eq!(h.managed_allocated_size, 57_344);
        assert_eq!(h.managed_object_count, 2000);
        assert_eq!(h.free_space_manager_address, 927);
        assert_eq!(h.table_width, 4);
        assert_eq!(h.starting_block_size, 512);
        assert_eq!(h.max_direct_block_size, 65_536);
        assert_eq!(h.max_heap_size_bits, 32);
        assert_eq!(h.starting_root_rows, 1);
        assert_eq!(h.root_block_address, 116_721);
        assert_eq!(h.current_root_rows, 8);
        assert!(h.checksums_direct_blocks());
        assert_eq!((h.heap_offset_size(), h.heap_length_size()), (4, 2));
        let t = h.doubling_table().unwrap();
        // h5debug: max root rows 22, max direct rows 9, 11 bits in the first row.
        assert_eq!(
            (t.max_root_rows, t.max_direct_rows, t.first_row_bits),
            (22, 9, 11)
        );
        let enc = h.encode(&Context::DEFAULT).unwrap();
        assert_eq!(enc, &file[705..705 + enc.len()]);
    }

    #[test]
    fn doubling_table_rows() {
        let file = include_bytes!("../../../tests/data/dense_links.h5");
        let h = FractalHeapHeader::decode(&file[705..], 705, &Context::DEFAULT).unwrap();
        let t = h.doubling_table().unwrap();
        // Rows: 4 x 512, 4 x 512, 4 x 1024, 4 x 2048 ...
        assert_eq!(t.row_block_size(0), Some(512));
        assert_eq!(t.row_block_size(1), Some(512));
        assert_eq!(t.row_block_size(3), Some(2048));
        assert_eq!(t.row_block_offset(1), Some(2048));
        assert_eq!(t.row_block_offset(2), Some(4096));
        assert_eq!(t.lookup(0), Some((0, 0)));
        assert_eq!(t.lookup(1500), Some((0, 2)));
        assert_eq!(t.lookup(2048 + 600), Some((1, 1)));
        assert_eq!(t.lookup(4096 + 3000), Some((2, 2)));
        assert_eq!(t.entries(8), (32, 0));
        assert_eq!(t.entries(11), (36, 8));
        // A row-9 entry spans 512 << 8 = 131072 bytes; rows 0-6 of an indirect block cover
        // 2048 + 2048 + 4096 + ... + 65536 = 131072, so the child has 7 rows.
        assert_eq!(t.child_indirect_rows(9), Some(7));
    }

    proptest! {
        #[test]
        fn header_roundtrip(v in proptest::collection::vec(any::<u64>(), 14),
                            w in any::<u16>(), bits in any::<u16>(), flags in any::<u8>(),
                            filtered in any::<bool>(), pipe in proptest::collection::vec(any::<u8>(), 1..40)) {
            let h = FractalHeapHeader {
                address: 0, heap_id_length: w, flags, max_managed_object_size: v[0] as u32,
                next_huge_object_id: v[1], huge_btree_address: v[2], managed_free_space: v[3],
                free_space_manager_address: v[4], managed_space_size: v[5],
                managed_allocated_size: v[6], managed_iterator_offset: v[7],
                managed_object_count: v[8], huge_object_size: v[9], huge_object_count: v[10],
                tiny_object_size: v[11], tiny_object_count: v[12], table_width: w,
                starting_block_size: v[13], max_direct_block_size: v[0], max_heap_size_bits: bits,
                starting_root_rows: bits, root_block_address: v[1], current_root_rows: w,
                filter: filtered.then(|| HeapFilterInfo { root_direct_block_size: v[2],
                    root_filter_mask: v[3] as u32, pipeline: pipe.clone() }),
            };
            let b = h.encode(&Context::DEFAULT).unwrap();
            prop_assert_eq!(b.len(), h.encoded_len(&Context::DEFAULT));
            prop_assert_eq!(FractalHeapHeader::decode(&b, 0, &Context::DEFAULT).unwrap(), h.clone());
            let _ = h.doubling_table();
        }
    }
}
