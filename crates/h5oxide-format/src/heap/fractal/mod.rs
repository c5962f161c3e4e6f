//! Fractal heaps, "FRHP" (spec III.G): managed objects in direct/indirect blocks, huge and
//! tiny objects.
//!
//! [`read_object`] resolves a heap ID of any kind; for managed objects it walks the doubling
//! table from the root block down to the one direct block holding the object.

pub mod direct_block;
pub mod encode;
pub mod header;
pub mod huge;
pub mod indirect_block;
pub mod tiny;

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use crate::context::{Context, UNDEFINED_ADDRESS};
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::limits::Limits;
use crate::source::{read_structure, ReadAt};

pub use direct_block::DirectBlock;
pub use header::{DoublingTable, FractalHeapHeader, HeapFilterInfo};
pub use indirect_block::{DirectEntry, IndirectBlock};

const ID_STRUCTURE: &str = "fractal heap ID";

/// Reads and verifies the heap header at `address`.
///
/// # Errors
/// Read errors; header decode errors (`BadSignature`, `ChecksumMismatch`, ...).
pub fn read_header<S: ReadAt + ?Sized>(
    src: &S,
    address: u64,
    ctx: &Context,
) -> core::result::Result<FractalHeapHeader, S::Error> {
    let base = FractalHeapHeader::base_len(ctx);
    let first = read_structure(src, address, base as u64, header::STRUCTURE)?;
    // "I/O Filters' Encoded Length" sits after signature, version and heap ID length.
    let filter_len = first
        .get(7..9)
        .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])));
    if filter_len == 0 {
        return Ok(FractalHeapHeader::decode(&first, address, ctx)?);
    }
    let len = (base + ctx.sizeof_lengths() + 4 + filter_len) as u64;
    let all = read_structure(src, address, len, header::STRUCTURE)?;
    Ok(FractalHeapHeader::decode(&all, address, ctx)?)
}

/// A decoded heap ID (spec III.G, "Fractal Heap ID").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeapId<'a> {
    /// A managed object: offset and length in the heap's managed space.
    Managed {
        /// Heap offset of the object.
        offset: u64,
        /// Length of the object.
        length: u64,
    },
    /// A huge object; the whole ID (see [`huge::read`]).
    Huge(&'a [u8]),
    /// A tiny object: its bytes.
    Tiny(&'a [u8]),
}

impl<'a> HeapId<'a> {
    /// Decodes `id` for `heap`.
    ///
    /// # Errors
    /// `InvalidValue` for an ID version other than 0 or type 3; `UnexpectedEof` for a short
    /// ID.
    pub fn decode(heap: &FractalHeapHeader, id: &'a [u8]) -> Result<Self> {
        let mut c = Cursor::new(id, 0, ID_STRUCTURE);
        let flags = c.u8()?;
        if flags >> 6 != 0 {
            return Err(c.invalid("heap ID version", u64::from(flags >> 6), 1));
        }
        match (flags >> 4) & 0x03 {
            0 => Ok(HeapId::Managed {
                offset: c.uint(heap.heap_offset_size())?,
                length: c.uint(heap.heap_length_size())?,
            }),
            1 => Ok(HeapId::Huge(id)),
            2 => Ok(HeapId::Tiny(tiny::object(heap, id)?)),
            t => Err(c.invalid("heap ID type", u64::from(t), 1)),
        }
    }
}

/// Builds the heap ID of a managed object, padded to the heap's ID length.
///
/// # Errors
/// `EncodeOverflow` if the offset or length does not fit its field or the ID length.
pub fn encode_managed_id(heap: &FractalHeapHeader, offset: u64, length: u64) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    w.u8(0);
    w.uint(offset, heap.heap_offset_size(), "heap ID offset")?;
    w.uint(length, heap.heap_length_size(), "heap ID length")?;
    if w.len() > usize::from(heap.heap_id_length) {
        return Err(FormatError::new(
            ErrorKind::EncodeOverflow {
                field: "heap ID length",
            },
            ID_STRUCTURE,
            0,
        ));
    }
    let mut id = w.into_inner();
    id.resize(usize::from(heap.heap_id_length), 0);
    Ok(id)
}

/// Where a managed object's direct block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectBlockLocation {
    /// File address of the block.
    pub address: u64,
    /// Heap offset of the block's first byte.
    pub block_offset: u64,
    /// Size of the block in bytes.
    pub size: u64,
}

/// Finds the direct block holding heap offset `offset`, reading only the indirect blocks on
/// the path from the root.
///
/// # Errors
/// `Unsupported` for filtered heaps; `InvalidValue` for an offset outside the heap or an
/// unallocated block; `Cycle`, `LimitExceeded`; indirect block decode and read errors.
pub fn locate_direct_block<S: ReadAt + ?Sized>(
    src: &S,
    heap: &FractalHeapHeader,
    offset: u64,
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<DirectBlockLocation, S::Error> {
    if heap.filter.is_some() {
        return Err(filtered(heap).into());
    }
    let table = heap.doubling_table()?;
    let outside = || {
        FormatError::new(
            ErrorKind::InvalidValue {
                field: "heap ID offset",
                value: offset,
            },
            header::STRUCTURE,
            heap.address,
        )
    };
    if heap.root_block_address == UNDEFINED_ADDRESS {
        return Err(outside().into());
    }
    if heap.current_root_rows == 0 {
        // The root is a single direct block of the starting size.
        if offset >= table.starting_block_size {
            return Err(outside().into());
        }
        return Ok(DirectBlockLocation {
            address: heap.root_block_address,
            block_offset: 0,
            size: table.starting_block_size,
        });
    }
    let mut address = heap.root_block_address;
    let mut nrows = u32::from(heap.current_root_rows);
    let mut block_offset = 0u64;
    let mut visited = BTreeSet::new();
    loop {
        if !visited.insert(address) {
            return Err(FormatError::new(
                ErrorKind::Cycle { address },
                indirect_block::STRUCTURE,
                address,
            )
            .into());
        }
        Limits::check(
            "max_depth",
            visited.len() as u64,
            u64::from(limits.max_depth),
            indirect_block::STRUCTURE,
            address,
        )?;
        let len = IndirectBlock::encoded_len(ctx, heap, &table, nrows).ok_or_else(outside)?;
        limits.structure_size(len, indirect_block::STRUCTURE, address)?;
        let bytes = read_structure(src, address, len, indirect_block::STRUCTURE)?;
        let ib = IndirectBlock::decode(
            &bytes,
            address,
            ctx,
            heap,
            &table,
            nrows,
            Some(block_offset),
        )?;
        let rel = offset.checked_sub(block_offset).ok_or_else(outside)?;
        let (row, col) = table.lookup(rel).ok_or_else(outside)?;
        if row >= nrows || col >= table.width {
            return Err(outside().into());
        }
        let size = table.row_block_size(row).ok_or_else(outside)?;
        let child_offset = table
            .row_block_offset(row)
            .and_then(|o| o.checked_add(col.checked_mul(size)?))
            .and_then(|o| o.checked_add(block_offset))
            .ok_or_else(outside)?;
        let unallocated = |a: u64| {
            FormatError::new(
                ErrorKind::InvalidValue {
                    field: "child block address",
                    value: a,
                },
                indirect_block::STRUCTURE,
                address,
            )
        };
        if row < table.max_direct_rows {
            let entry = u64::from(row) * table.width + col;
            let d = ib.direct.get(entry as usize).ok_or_else(outside)?;
            if d.address == UNDEFINED_ADDRESS {
                return Err(unallocated(d.address).into());
            }
            return Ok(DirectBlockLocation {
                address: d.address,
                block_offset: child_offset,
                size,
            });
        }
        let entry = u64::from(row - table.max_direct_rows) * table.width + col;
        let child = *ib.indirect.get(entry as usize).ok_or_else(outside)?;
        if child == UNDEFINED_ADDRESS {
            return Err(unallocated(child).into());
        }
        nrows = table.child_indirect_rows(row).ok_or_else(outside)?;
        address = child;
        block_offset = child_offset;
    }
}

/// Reads the object whose heap ID is `id`: managed, huge or tiny.
///
/// Reading many objects of one heap (a dense group's links, a dense attribute list) is
/// cheaper through a [`HeapReader`], which reads and verifies each direct block once.
///
/// # Errors
/// `Unsupported { what: "filtered fractal heap blocks" }` for managed or huge objects of a
/// heap with I/O filters; `InvalidValue` for a malformed ID or an object outside its block;
/// block decode errors (`ChecksumMismatch`, ...); read errors; `LimitExceeded`.
pub fn read_object<S: ReadAt + ?Sized>(
    src: &S,
    heap: &FractalHeapHeader,
    id: &[u8],
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<Vec<u8>, S::Error> {
    HeapReader::new(heap.clone()).read(src, id, ctx, limits)
}

/// Reads objects of one heap, keeping each verified direct block so that many objects in
/// the same block cost one read and one checksum. Holds at most
/// `limits.max_structure_bytes` of blocks; past that the oldest are dropped.
#[derive(Debug, Clone)]
pub struct HeapReader {
    heap: FractalHeapHeader,
    /// Verified direct blocks by heap offset of their first byte: (location, bytes).
    blocks: alloc::collections::BTreeMap<u64, (DirectBlockLocation, Vec<u8>)>,
    cached_bytes: u64,
}

impl HeapReader {
    /// A reader for the heap whose header is `heap`.
    pub fn new(heap: FractalHeapHeader) -> Self {
        HeapReader {
            heap,
            blocks: alloc::collections::BTreeMap::new(),
            cached_bytes: 0,
        }
    }

    /// The heap's header.
    pub fn header(&self) -> &FractalHeapHeader {
        &self.heap
    }

    /// Reads the object whose heap ID is `id` (see [`read_object`]).
    ///
    /// # Errors
    /// As [`read_object`].
    pub fn read<S: ReadAt + ?Sized>(
        &mut self,
        src: &S,
        id: &[u8],
        ctx: &Context,
        limits: &Limits,
    ) -> core::result::Result<Vec<u8>, S::Error> {
        let heap = &self.heap;
        let (offset, length) = match HeapId::decode(heap, id)? {
            HeapId::Tiny(data) => return Ok(data.to_vec()),
            HeapId::Huge(id) => return huge::read(src, heap, id, ctx, limits),
            HeapId::Managed { offset, length } => (offset, length),
        };
        let hit = self
            .blocks
            .range(..=offset)
            .next_back()
            .filter(|(start, (loc, _))| offset - **start < loc.size)
            .map(|(start, _)| *start);
        let start_key = match hit {
            Some(k) => k,
            None => {
                let loc = locate_direct_block(src, heap, offset, ctx, limits)?;
                limits.structure_size(loc.size, direct_block::STRUCTURE, loc.address)?;
                let bytes = read_structure(src, loc.address, loc.size, direct_block::STRUCTURE)?;
                direct_block::verify(&bytes, loc.address, ctx, heap, Some(loc.block_offset))?;
                if self.cached_bytes.saturating_add(loc.size) > limits.max_structure_bytes {
                    self.blocks.clear();
                    self.cached_bytes = 0;
                }
                self.cached_bytes = self.cached_bytes.saturating_add(loc.size);
                self.blocks
                    .insert(loc.block_offset, (loc, bytes.into_owned()));
                loc.block_offset
            }
        };
        let Some((loc, bytes)) = self.blocks.get(&start_key) else {
            return Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "heap offset",
                    value: offset,
                },
                header::STRUCTURE,
                heap.address,
            )
            .into());
        };
        let prefix = heap.direct_block_prefix_len(ctx) as u64;
        let start = offset.saturating_sub(loc.block_offset);
        let end = start.checked_add(length).filter(|&e| e <= loc.size);
        let object = end.and_then(|end| bytes.get(start as usize..end as usize));
        match object {
            Some(object) if start >= prefix => Ok(object.to_vec()),
            _ => Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "heap ID length",
                    value: length,
                },
                direct_block::STRUCTURE,
                loc.address,
            )
            .into()),
        }
    }
}

fn filtered(heap: &FractalHeapHeader) -> FormatError {
    FormatError::new(
        ErrorKind::Unsupported {
            what: "filtered fractal heap blocks",
        },
        header::STRUCTURE,
        heap.address,
    )
}

/// Creation parameters of a new heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapParams {
    /// Length of heap IDs.
    pub heap_id_length: u16,
    /// Largest managed object.
    pub max_managed_object_size: u32,
    /// Doubling table width.
    pub table_width: u16,
    /// Starting block size (the size of a root direct block).
    pub starting_block_size: u64,
    /// Largest direct block.
    pub max_direct_block_size: u64,
    /// Bits of the managed address space.
    pub max_heap_size_bits: u16,
    /// Whether direct blocks carry checksums.
    pub checksum_direct_blocks: bool,
}

impl HeapParams {
    /// The header of an empty heap at `address` with these parameters (no root block, no
    /// objects), as both encoders start from.
    ///
    /// ```
    /// use h5oxide_format::heap::fractal::HeapParams;
    /// let h = HeapParams::LINKS.empty_header(0x400);
    /// assert_eq!((h.address, h.heap_id_length, h.current_root_rows), (0x400, 7, 0));
    /// assert_eq!(h.flags, 2); // direct blocks checksummed
    /// ```
    pub fn empty_header(&self, address: u64) -> FractalHeapHeader {
        FractalHeapHeader {
            address,
            heap_id_length: self.heap_id_length,
            flags: if self.checksum_direct_blocks { 2 } else { 0 },
            max_managed_object_size: self.max_managed_object_size,
            next_huge_object_id: 0,
            huge_btree_address: UNDEFINED_ADDRESS,
            managed_free_space: 0,
            free_space_manager_address: UNDEFINED_ADDRESS,
            managed_space_size: 0,
            managed_allocated_size: 0,
            managed_iterator_offset: 0,
            managed_object_count: 0,
            huge_object_size: 0,
            huge_object_count: 0,
            tiny_object_size: 0,
            tiny_object_count: 0,
            table_width: self.table_width,
            starting_block_size: self.starting_block_size,
            max_direct_block_size: self.max_direct_block_size,
            max_heap_size_bits: self.max_heap_size_bits,
            starting_root_rows: 1,
            root_block_address: UNDEFINED_ADDRESS,
            current_root_rows: 0,
            filter: None,
        }
    }

    /// What libhdf5 1.10 uses for a group's dense link storage (7-byte IDs).
    pub const LINKS: HeapParams = HeapParams {
        heap_id_length: 7,
        max_managed_object_size: 4096,
        table_width: 4,
        starting_block_size: 512,
        max_direct_block_size: 65536,
        max_heap_size_bits: 32,
        checksum_direct_blocks: true,
    };

    /// What libhdf5 1.10 uses for dense attribute storage and shared message heaps (8-byte
    /// IDs).
    pub const ATTRIBUTES: HeapParams = HeapParams {
        heap_id_length: 8,
        max_managed_object_size: 4096,
        table_width: 4,
        starting_block_size: 1024,
        max_direct_block_size: 65536,
        max_heap_size_bits: 40,
        checksum_direct_blocks: true,
    };
}

/// A heap whose root is one direct block, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleBlockHeap {
    /// The header.
    pub header: FractalHeapHeader,
    /// Encoded header, to write at the header address.
    pub header_bytes: Vec<u8>,
    /// Encoded direct block (`starting_block_size` bytes), to write at the block address.
    pub block_bytes: Vec<u8>,
    /// The heap ID of each object, in input order.
    pub ids: Vec<Vec<u8>>,
}

/// Builds a heap holding `objects` in a single root direct block, as libhdf5 does for small
/// dense groups and attribute sets: objects up to the tiny limit go in their IDs, the others
/// are packed in the block in order.
///
/// # Errors
/// `EncodeOverflow` if an object is empty, larger than the managed object limit, or the
/// objects do not fit one starting-size block; `InvalidValue` for bad table parameters.
pub fn encode_single_block_heap(
    objects: &[&[u8]],
    params: &HeapParams,
    header_address: u64,
    block_address: u64,
    ctx: &Context,
) -> Result<SingleBlockHeap> {
    let mut header = params.empty_header(header_address);
    header.managed_space_size = params.starting_block_size;
    header.managed_allocated_size = params.starting_block_size;
    header.root_block_address = block_address;
    header.doubling_table()?;
    let overflow = |field| {
        FormatError::new(
            ErrorKind::EncodeOverflow { field },
            direct_block::STRUCTURE,
            block_address,
        )
    };
    let prefix = header.direct_block_prefix_len(ctx);
    let block_size =
        usize::try_from(params.starting_block_size).map_err(|_| overflow("block size"))?;
    let mut data = Vec::new();
    let mut ids = Vec::with_capacity(objects.len());
    for obj in objects {
        if obj.is_empty() || obj.len() > params.max_managed_object_size as usize {
            return Err(overflow("object length"));
        }
        if obj.len() <= tiny::max_len(&header) {
            ids.push(tiny::encode(&header, obj)?);
            header.tiny_object_count += 1;
            header.tiny_object_size += obj.len() as u64;
            continue;
        }
        let offset = (prefix + data.len()) as u64;
        if prefix + data.len() + obj.len() > block_size {
            return Err(overflow("direct block size"));
        }
        data.extend_from_slice(obj);
        ids.push(encode_managed_id(&header, offset, obj.len() as u64)?);
        header.managed_object_count += 1;
    }
    let free = block_size.saturating_sub(prefix + data.len());
    header.managed_free_space = free as u64;
    data.resize(block_size.saturating_sub(prefix), 0);
    let block = DirectBlock {
        heap_header_address: header_address,
        block_offset: 0,
        data,
    };
    let block_bytes = block.encode(ctx, &header)?;
    let header_bytes = header.encode(ctx)?;
    Ok(SingleBlockHeap {
        header,
        header_bytes,
        block_bytes,
        ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // At most 8 objects of 59 bytes: they fit the 512-byte block of the link heap.
        #[test]
        fn single_block_heap_reads_back(objs in proptest::collection::vec(
                proptest::collection::vec(any::<u8>(), 1..60), 0..8)) {
            let ctx = Context::DEFAULT;
            let refs: Vec<&[u8]> = objs.iter().map(|o| o.as_slice()).collect();
            let h = encode_single_block_heap(&refs, &HeapParams::LINKS, 0, 1000, &ctx).unwrap();
            let mut file = h.header_bytes.clone();
            file.resize(1000, 0);
            file.extend_from_slice(&h.block_bytes);
            let back = read_header(file.as_slice(), 0, &ctx).unwrap();
            prop_assert_eq!(&back, &h.header);
            for (o, id) in objs.iter().zip(&h.ids) {
                let got = read_object(file.as_slice(), &back, id, &ctx, &Limits::DEFAULT).unwrap();
                prop_assert_eq!(&got, o);
            }
        }
    }

    #[test]
    fn bad_ids_and_offsets() {
        let ctx = Context::DEFAULT;
        let h =
            encode_single_block_heap(&[b"0123456789"], &HeapParams::LINKS, 0, 200, &ctx).unwrap();
        let mut file = h.header_bytes.clone();
        file.resize(200, 0);
        file.extend_from_slice(&h.block_bytes);
        let hd = &h.header;
        let read = |id: &[u8]| read_object(file.as_slice(), hd, id, &ctx, &Limits::DEFAULT);
        assert!(read(&[0x30, 0, 0, 0, 0, 0, 0]).is_err(), "type 3");
        assert!(read(&[0x40, 0, 0, 0, 0, 0, 0]).is_err(), "version 1");
        // Offset inside the block prefix, past the block, length past the block.
        assert!(read(&encode_managed_id(hd, 3, 4).unwrap()).is_err());
        assert!(read(&encode_managed_id(hd, 600, 4).unwrap()).is_err());
        assert!(read(&encode_managed_id(hd, 500, 40).unwrap()).is_err());
        // A corrupted block byte is a checksum mismatch at the block's checksum field.
        let mut bad = file.clone();
        bad[200 + 40] ^= 1;
        let e = read_object(bad.as_slice(), hd, &h.ids[0], &ctx, &Limits::DEFAULT).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::ChecksumMismatch { .. }));
        assert_eq!(e.offset, 200 + 4 + 1 + 8 + 4);
        let mut filtered = hd.clone();
        filtered.filter = Some(HeapFilterInfo {
            root_direct_block_size: 10,
            root_filter_mask: 0,
            pipeline: alloc::vec![1],
        });
        let e = read_object(
            file.as_slice(),
            &filtered,
            &h.ids[0],
            &ctx,
            &Limits::DEFAULT,
        )
        .unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::Unsupported {
                what: "filtered fractal heap blocks"
            }
        );
    }
}
