//! Variable-length strings in a global heap collection, in a file with a 512-byte user
//! block (tests/data/gen/vlen_strings.c, libhdf5 1.10.8).

use h5oxide_format::btree_v1::walk_group_btree;
use h5oxide_format::heap::global::{GlobalHeapCollection, GlobalHeapId};
use h5oxide_format::heap::local::{name_at, LocalHeap};
use h5oxide_format::superblock::{RootGroup, Superblock};
use h5oxide_format::symbol_table_entry::ScratchPad;
use h5oxide_format::symbol_table_node::SymbolTableNode;
use h5oxide_format::{Cursor, FormatError, Limits};

const FILE: &[u8] = include_bytes!("data/vlen_strings.h5");

#[test]
fn strings_through_heap_ids() {
    let sb = Superblock::read(FILE).unwrap();
    let ctx = sb.context();
    let limits = Limits::DEFAULT;
    // Addresses in the file are relative to the base address: read through a view there.
    let view = &FILE[sb.base_address as usize..];
    let RootGroup::SymbolTableEntry(root) = sb.root else {
        panic!("v0 superblock")
    };
    let ScratchPad::Group {
        btree_address,
        heap_address,
    } = root.scratch_pad
    else {
        panic!("root caches its symbol table")
    };
    assert_eq!((btree_address, heap_address), (136, 680));
    let heap = LocalHeap::read(view, heap_address, &ctx).unwrap();
    let seg = heap.read_segment(view, &limits).unwrap();
    let mut names = Vec::new();
    walk_group_btree(view, btree_address, &ctx, &limits, &mut |snod| {
        for e in SymbolTableNode::read(view, snod, &ctx, sb.group_leaf_k, &limits)?.entries {
            names.push(name_at(&seg, e.link_name_offset, heap.data_segment_address)?.to_vec());
        }
        Ok::<(), FormatError>(())
    })
    .unwrap();
    assert_eq!(names, [b"words".to_vec()]);

    // The dataset's contiguous storage (H5Dget_offset: 2560 absolute, 2048 relative) holds
    // five (length u32, heap ID) elements.
    let raw = &view[2048..2048 + 5 * 16];
    let mut cur = Cursor::new(raw, 2048, "vlen elements");
    let mut values = Vec::new();
    for _ in 0..5 {
        let len = cur.u32().unwrap();
        let id = GlobalHeapId::decode(&mut cur, &ctx).unwrap();
        assert_eq!(id.collection, 2128);
        let data = id.read_object(view, &ctx, &limits).unwrap();
        assert_eq!(data.len(), len as usize);
        values.push(String::from_utf8(data).unwrap());
    }
    // h5dump: "alpha", "", "a somewhat longer string of text", "delta", "epsilon"
    assert_eq!(
        values,
        [
            "alpha",
            "",
            "a somewhat longer string of text",
            "delta",
            "epsilon"
        ]
    );

    let coll = GlobalHeapCollection::read(view, 2128, &ctx, &limits).unwrap();
    assert_eq!(coll.collection_size, 4096);
    let indexes: Vec<u16> = coll.objects.iter().map(|o| o.index).collect();
    assert_eq!(indexes, [1, 2, 3, 4, 5]);
    assert!(coll.objects.iter().all(|o| o.refcount == 0));
    // Re-encoding gives libhdf5's bytes, free-space object included.
    let mut w = h5oxide_format::Writer::new();
    coll.encode(&mut w, &ctx).unwrap();
    assert_eq!(w.as_slice(), &view[2128..2128 + 4096]);
}
