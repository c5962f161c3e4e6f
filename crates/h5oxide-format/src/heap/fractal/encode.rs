//! Building a whole fractal heap from its objects (spec III.G): managed objects packed into
//! direct blocks in doubling-table order (a root direct block while one block holds them,
//! else a root indirect block of direct rows), huge objects stored on their own and indexed
//! by a version 2 B-tree of type 1 when their address and length do not fit the heap ID,
//! and tiny objects kept in their IDs.

use alloc::vec::Vec;

use super::direct_block::{self, DirectBlock};
use super::header::FractalHeapHeader;
use super::indirect_block::{DirectEntry, IndirectBlock};
use super::{encode_managed_id, huge, tiny, HeapParams};
use crate::btree_v2::{self, Record, RecordParams, TreeParams};
use crate::context::{Context, UNDEFINED_ADDRESS};
use crate::cursor::Writer;
use crate::error::{ErrorKind, FormatError, Result};

/// A heap laid out as one contiguous image: the header at the image's start, then the root
/// block, the other direct blocks, the huge objects and the huge-object B-tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedHeap {
    /// The header written at the image's start.
    pub header: FractalHeapHeader,
    /// The bytes to write at the base address.
    pub image: Vec<u8>,
    /// The heap ID of each object, in input order.
    pub ids: Vec<Vec<u8>>,
}

fn overflow(field: &'static str, at: u64) -> FormatError {
    FormatError::new(
        ErrorKind::EncodeOverflow { field },
        direct_block::STRUCTURE,
        at,
    )
}

/// A managed object's place: block index in doubling-table order, offset in the block.
struct Placed {
    block: usize,
    at: usize,
}

/// Builds a heap holding `objects` at file address `base_address`.
///
/// Objects no longer than the tiny limit go in their IDs; objects up to the managed object
/// limit are packed in order into direct blocks, moving on to the next block of the doubling
/// table (skipping blocks too small for the object, which stay unallocated) when the current
/// one is full; larger objects are huge objects. The root indirect block has the smallest
/// power-of-two number of rows covering the blocks used, as libhdf5 doubles it.
///
/// # Errors
/// `EncodeOverflow` if an object is empty, the managed objects need more than the root
/// indirect block's direct rows, or a value does not fit its field; `InvalidValue` for bad
/// table parameters.
///
/// # Examples
/// ```
/// use h5oxide_format::heap::fractal::{encode::encode_heap, read_object, HeapParams};
/// use h5oxide_format::{Context, Limits};
///
/// let ctx = Context::DEFAULT;
/// let objects: Vec<Vec<u8>> = (0..100u8).map(|i| vec![i; 40]).collect();
/// let refs: Vec<&[u8]> = objects.iter().map(|o| o.as_slice()).collect();
/// let heap = encode_heap(&refs, &HeapParams::LINKS, 0, &ctx).unwrap();
/// assert!(heap.header.current_root_rows > 0); // 4000 bytes need an indirect root
/// let got = read_object(heap.image.as_slice(), &heap.header, &heap.ids[99], &ctx,
///     &Limits::DEFAULT).unwrap();
/// assert_eq!(got, objects[99]);
/// ```
pub fn encode_heap(
    objects: &[&[u8]],
    params: &HeapParams,
    base_address: u64,
    ctx: &Context,
) -> Result<EncodedHeap> {
    let mut header = params.empty_header(base_address);
    let table = header.doubling_table()?;
    let prefix = header.direct_block_prefix_len(ctx);
    let width = usize::try_from(table.width).map_err(|_| overflow("table width", 0))?;
    let max_blocks = width * table.max_direct_rows as usize;
    let block_size = |k: usize| -> Result<usize> {
        table
            .row_block_size((k / width) as u32)
            .and_then(|s| usize::try_from(s).ok())
            .ok_or_else(|| overflow("direct block size", base_address))
    };

    // Pass 1: where every object goes.
    enum Kind {
        Tiny,
        Managed(Placed),
        Huge,
    }
    let mut kinds = Vec::with_capacity(objects.len());
    // Bytes used in each block after its prefix; a block is allocated once it holds data.
    let mut used: Vec<usize> = Vec::new();
    let mut cur = 0usize;
    for obj in objects {
        if obj.is_empty() {
            return Err(overflow("object length", base_address));
        }
        if obj.len() <= tiny::max_len(&header) {
            kinds.push(Kind::Tiny);
        } else if obj.len() > params.max_managed_object_size as usize {
            kinds.push(Kind::Huge);
        } else {
            loop {
                if cur >= max_blocks {
                    return Err(overflow("managed heap size", base_address));
                }
                if used.len() <= cur {
                    used.resize(cur + 1, 0);
                }
                if prefix + used[cur] + obj.len() <= block_size(cur)? {
                    break;
                }
                cur += 1;
            }
            kinds.push(Kind::Managed(Placed {
                block: cur,
                at: prefix + used[cur],
            }));
            used[cur] += obj.len();
        }
    }
    // Blocks that hold nothing stay unallocated (skipped for larger objects).
    let allocated: Vec<bool> = used.iter().map(|&u| u > 0).collect();
    let last = allocated.iter().rposition(|&a| a);
    let indirect_rows = match last {
        Some(k) if k > 0 => {
            let rows = (k / width + 1) as u32;
            rows.next_power_of_two().min(table.max_direct_rows)
        }
        _ => 0,
    };

    // Pass 2: block addresses and header counters.
    let header_len = header.encoded_len(ctx);
    let mut addr = base_address
        .checked_add(header_len as u64)
        .ok_or_else(|| overflow("heap address", base_address))?;
    let root_iblock_len = if indirect_rows > 0 {
        IndirectBlock::encoded_len(ctx, &header, &table, indirect_rows)
            .ok_or_else(|| overflow("indirect block size", base_address))?
    } else {
        0
    };
    let root_iblock_at = addr;
    addr += root_iblock_len;
    let mut block_addr = Vec::with_capacity(allocated.len());
    let mut free = 0u64;
    let mut allocated_size = 0u64;
    let mut iterator = 0u64;
    for (k, &a) in allocated.iter().enumerate() {
        let size = block_size(k)? as u64;
        if a || k == 0 {
            block_addr.push(addr);
            addr = addr
                .checked_add(size)
                .ok_or_else(|| overflow("heap address", base_address))?;
            allocated_size += size;
            free += size - (prefix + used[k]) as u64;
            iterator = table
                .row_block_offset((k / width) as u32)
                .and_then(|o| o.checked_add((k % width) as u64 * size))
                .and_then(|o| o.checked_add(size))
                .ok_or_else(|| overflow("block offset", base_address))?;
        } else {
            block_addr.push(UNDEFINED_ADDRESS);
        }
    }
    if used.is_empty() {
        // An empty heap still has its root direct block (libhdf5 creates it on the first
        // insert; an empty one reads the same).
        used.push(0);
        block_addr.push(addr);
        let size = params.starting_block_size;
        addr = addr
            .checked_add(size)
            .ok_or_else(|| overflow("heap address", base_address))?;
        allocated_size = size;
        free = size - prefix as u64;
    }
    if indirect_rows > 0 {
        let covered = table
            .row_block_offset(indirect_rows)
            .ok_or_else(|| overflow("managed space", base_address))?;
        header.managed_space_size = covered;
        header.managed_allocated_size = allocated_size;
        header.managed_iterator_offset = iterator;
        header.managed_free_space = free + (covered - allocated_size);
        header.root_block_address = root_iblock_at;
        header.current_root_rows = indirect_rows as u16;
    } else {
        header.managed_space_size = params.starting_block_size;
        header.managed_allocated_size = params.starting_block_size;
        header.managed_free_space = free;
        header.root_block_address = block_addr[0];
    }

    // Pass 3: the bytes.
    let mut blocks: Vec<Vec<u8>> = used
        .iter()
        .enumerate()
        .map(|(k, _)| Ok(alloc::vec![0u8; block_size(k)? - prefix]))
        .collect::<Result<_>>()?;
    let mut huge_data: Vec<&[u8]> = Vec::new();
    let mut huge_records = Vec::new();
    let direct_huge = huge::ids_are_direct(&header, ctx);
    let mut ids = Vec::with_capacity(objects.len());
    for (obj, kind) in objects.iter().zip(&kinds) {
        match kind {
            Kind::Tiny => {
                ids.push(tiny::encode(&header, obj)?);
                header.tiny_object_count += 1;
                header.tiny_object_size += obj.len() as u64;
            }
            Kind::Managed(p) => {
                let dst = &mut blocks[p.block][p.at - prefix..p.at - prefix + obj.len()];
                dst.copy_from_slice(obj);
                let size = block_size(p.block)? as u64;
                let block_off = table
                    .row_block_offset((p.block / width) as u32)
                    .and_then(|o| o.checked_add((p.block % width) as u64 * size))
                    .ok_or_else(|| overflow("block offset", base_address))?;
                ids.push(encode_managed_id(
                    &header,
                    block_off + p.at as u64,
                    obj.len() as u64,
                )?);
                header.managed_object_count += 1;
            }
            Kind::Huge => {
                let at = addr;
                addr = addr
                    .checked_add(obj.len() as u64)
                    .ok_or_else(|| overflow("heap address", base_address))?;
                huge_data.push(obj);
                header.huge_object_count += 1;
                header.huge_object_size += obj.len() as u64;
                let mut w = Writer::new();
                w.u8(0x10);
                if direct_huge {
                    w.offset_field(at, ctx)?;
                    w.length_field(obj.len() as u64, ctx)?;
                } else {
                    // Huge object keys count from 1 (libhdf5's H5HF__huge_insert).
                    header.next_huge_object_id += 1;
                    let key = header.next_huge_object_id;
                    w.uint(key, huge::key_size(&header), "huge object ID")?;
                    huge_records.push(Record::HugeIndirect {
                        address: at,
                        length: obj.len() as u64,
                        id: key,
                    });
                }
                let mut id = w.into_inner();
                if id.len() > usize::from(header.heap_id_length) {
                    return Err(overflow("heap ID length", base_address));
                }
                id.resize(usize::from(header.heap_id_length), 0);
                ids.push(id);
            }
        }
    }
    let huge_tree = if huge_records.is_empty() {
        None
    } else {
        let rp = RecordParams::default();
        let tp = TreeParams::new(1, ctx, &rp)?;
        let t = btree_v2::encode_tree(&huge_records, &tp, ctx, &rp, addr)?;
        header.huge_btree_address = addr;
        Some(t)
    };

    let mut image = header.encode(ctx)?;
    if indirect_rows > 0 {
        let (k, _) = table.entries(indirect_rows);
        let direct = (0..k as usize)
            .map(|i| DirectEntry {
                address: block_addr.get(i).copied().unwrap_or(UNDEFINED_ADDRESS),
                filtered: None,
            })
            .collect();
        let ib = IndirectBlock {
            heap_header_address: base_address,
            block_offset: 0,
            direct,
            indirect: Vec::new(),
        };
        image.extend_from_slice(&ib.encode(ctx, &header)?);
    }
    for (k, data) in blocks.into_iter().enumerate() {
        if block_addr[k] == UNDEFINED_ADDRESS {
            continue;
        }
        let size = block_size(k)? as u64;
        let block_offset = table
            .row_block_offset((k / width) as u32)
            .and_then(|o| o.checked_add((k % width) as u64 * size))
            .ok_or_else(|| overflow("block offset", base_address))?;
        let b = DirectBlock {
            heap_header_address: base_address,
            block_offset,
            data,
        };
        image.extend_from_slice(&b.encode(ctx, &header)?);
    }
    for d in huge_data {
        image.extend_from_slice(d);
    }
    if let Some(t) = huge_tree {
        image.extend_from_slice(&t.image);
    }
    Ok(EncodedHeap { header, image, ids })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::fractal::{read_header, read_object};
    use crate::limits::Limits;
    use proptest::prelude::*;

    fn read_all(h: &EncodedHeap, base: u64, objs: &[Vec<u8>]) {
        let mut file = alloc::vec![0u8; base as usize];
        file.extend_from_slice(&h.image);
        let ctx = Context::DEFAULT;
        let back = read_header(file.as_slice(), base, &ctx).unwrap();
        assert_eq!(back, h.header);
        for (o, id) in objs.iter().zip(&h.ids) {
            let got = read_object(file.as_slice(), &back, id, &ctx, &Limits::DEFAULT).unwrap();
            assert_eq!(&got, o);
        }
    }

    proptest! {
        #[test]
        fn heaps_read_back(objs in proptest::collection::vec(
                proptest::collection::vec(any::<u8>(), 1..300), 0..120), base in 0u64..300) {
            let ctx = Context::DEFAULT;
            let refs: Vec<&[u8]> = objs.iter().map(|o| o.as_slice()).collect();
            let h = encode_heap(&refs, &HeapParams::LINKS, base, &ctx).unwrap();
            read_all(&h, base, &objs);
        }
    }

    #[test]
    fn indirect_root_and_huge_objects() {
        let ctx = Context::DEFAULT;
        // 300 objects of 50 bytes fill rows 0 to 2 (1024, 1024, 2048-byte blocks: 20, 20
        // and 40 objects each); a 4000-byte object skips to the first 4096-byte block (row
        // 3); two huge objects go to the B-tree (8-byte IDs cannot hold address and length).
        let mut objs: Vec<Vec<u8>> = (0..300u32).map(|i| alloc::vec![i as u8; 50]).collect();
        objs.push(alloc::vec![7; 4000]);
        objs.push(alloc::vec![9; 200_000]);
        objs.push(alloc::vec![3; 5000]);
        let refs: Vec<&[u8]> = objs.iter().map(|o| o.as_slice()).collect();
        let h = encode_heap(&refs, &HeapParams::ATTRIBUTES, 64, &ctx).unwrap();
        assert_eq!(h.header.managed_object_count, 301);
        assert_eq!(h.header.huge_object_count, 2);
        assert_eq!(h.header.huge_object_size, 205_000);
        assert_eq!(h.header.next_huge_object_id, 2);
        assert_ne!(h.header.huge_btree_address, UNDEFINED_ADDRESS);
        assert_eq!(h.header.current_root_rows, 4);
        // Rows 0..4 of 1024-byte starting blocks, four wide: 4 * (1024 + 1024 + 2048 + 4096).
        assert_eq!(h.header.managed_space_size, 32768);
        // Blocks 0..12 and 12 (rows 0-2 and the first of row 3); 13..16 unallocated.
        assert_eq!(h.header.managed_allocated_size, 8 * 1024 + 4 * 2048 + 4096);
        assert_eq!(h.header.managed_iterator_offset, 16384 + 4096);
        assert_eq!(h.ids[301], [0x10, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(h.ids[302], [0x10, 2, 0, 0, 0, 0, 0, 0]);
        read_all(&h, 64, &objs);
        // Too much managed data for the direct rows of the root indirect block.
        let big: Vec<Vec<u8>> = (0..200u32).map(|_| alloc::vec![1; 4000]).collect();
        let refs: Vec<&[u8]> = big.iter().map(|o| o.as_slice()).collect();
        let e = encode_heap(&refs, &HeapParams::LINKS, 0, &ctx).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::EncodeOverflow {
                field: "managed heap size"
            }
        );
    }

    // The link heap libhdf5 1.10.8 wrote for 2000 links inserted in order (tests/data/
    // dense_links.h5, header at 705): the same objects packed by `encode_heap` give
    // byte-identical direct blocks and the same block layout and counters.
    #[test]
    fn matches_libhdf5_link_heap() {
        use crate::heap::fractal::{HeapId, IndirectBlock};
        let ctx = Context::DEFAULT;
        let file: &[u8] = include_bytes!("../../../tests/data/dense_links.h5");
        let theirs = read_header(file, 705, &ctx).unwrap();
        let table = theirs.doubling_table().unwrap();
        let at = theirs.root_block_address as usize;
        let rows = u32::from(theirs.current_root_rows);
        let ib =
            IndirectBlock::decode(&file[at..], at as u64, &ctx, &theirs, &table, rows, Some(0))
                .unwrap();
        // Every object, by heap offset, through the group's name index (h5debug: the link
        // info message of the group at 195 names the B-tree at 851).
        let mut ids = Vec::new();
        btree_v2::walk(
            file,
            851,
            &ctx,
            &Limits::DEFAULT,
            &RecordParams::default(),
            &mut |r| {
                if let Record::LinkName { heap_id, .. } = r {
                    ids.push(heap_id);
                }
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(ids.len(), 2000);
        let mut objs: Vec<(u64, Vec<u8>)> = Vec::new();
        for id in &ids {
            if let Ok(HeapId::Managed { offset, .. }) = HeapId::decode(&theirs, id) {
                let o = read_object(file, &theirs, id, &ctx, &Limits::DEFAULT).unwrap();
                objs.push((offset, o));
            }
        }
        assert_eq!(objs.len(), 2000);
        objs.sort();
        let refs: Vec<&[u8]> = objs.iter().map(|(_, o)| o.as_slice()).collect();
        let ours = encode_heap(&refs, &HeapParams::LINKS, 705, &ctx).unwrap();
        assert_eq!(
            ours.header.managed_object_count,
            theirs.managed_object_count
        );
        assert_eq!(
            ours.header.managed_allocated_size,
            theirs.managed_allocated_size
        );
        assert_eq!(
            ours.header.managed_iterator_offset,
            theirs.managed_iterator_offset
        );
        assert_eq!(ours.header.current_root_rows, theirs.current_root_rows);
        assert_eq!(ours.header.managed_space_size, theirs.managed_space_size);
        // Same heap ID for every object.
        let mut sorted_ids: Vec<(u64, &[u8])> = Vec::new();
        for id in &ids {
            if let Ok(HeapId::Managed { offset, .. }) = HeapId::decode(&theirs, id) {
                sorted_ids.push((offset, id.as_slice()));
            }
        }
        sorted_ids.sort();
        for ((_, id), mine) in sorted_ids.iter().zip(&ours.ids) {
            assert_eq!(*id, mine.as_slice());
        }
        // The first direct block, byte for byte.
        let hlen = ours.header.encoded_len(&ctx);
        let ilen = IndirectBlock::encoded_len(&ctx, &theirs, &table, rows).unwrap() as usize;
        let first = &ours.image[hlen + ilen..hlen + ilen + 512];
        let a = ib.direct[0].address as usize;
        assert_eq!(first, &file[a..a + 512]);
    }
}
