//! An old-style group of 40 members written by libhdf5 1.10.8 with group K values 2/2
//! (tests/data/gen/group_symtab.c), read through the B-tree, symbol table nodes and
//! local heap.

use h5oxide_format::btree_v1::{walk_group_btree, KeyFormat, Node};
use h5oxide_format::heap::local::{name_at, LocalHeap};
use h5oxide_format::superblock::Superblock;
use h5oxide_format::symbol_table_entry::{ScratchPad, SymbolTableEntry};
use h5oxide_format::symbol_table_node::SymbolTableNode;
use h5oxide_format::{Context, FormatError, Limits, UNDEFINED_ADDRESS};

const FILE: &[u8] = include_bytes!("data/group_symtab.h5");

/// Every entry of a group, in order, with its name.
fn members(
    btree: u64,
    heap: u64,
    ctx: &Context,
    leaf_k: u16,
    snods: &mut Vec<u64>,
) -> Vec<(String, SymbolTableEntry)> {
    let limits = Limits::DEFAULT;
    let h = LocalHeap::read(FILE, heap, ctx).unwrap();
    let seg = h.read_segment(FILE, &limits).unwrap();
    let mut out = Vec::new();
    walk_group_btree(FILE, btree, ctx, &limits, &mut |snod| {
        snods.push(snod);
        let node = SymbolTableNode::read(FILE, snod, ctx, leaf_k, &limits)?;
        for e in node.entries {
            let name = name_at(&seg, e.link_name_offset, h.data_segment_address)?;
            out.push((String::from_utf8(name.to_vec()).unwrap(), e));
        }
        Ok::<(), FormatError>(())
    })
    .unwrap();
    out
}

#[test]
fn members_as_h5ls_lists_them() {
    let sb = Superblock::read(FILE).unwrap();
    let ctx = sb.context();
    let ScratchPad::Group {
        btree_address,
        heap_address,
    } = (match sb.root {
        h5oxide_format::superblock::RootGroup::SymbolTableEntry(e) => e.scratch_pad,
        other => panic!("{other:?}"),
    })
    else {
        panic!("root entry caches its symbol table")
    };
    let mut snods = Vec::new();
    let root = members(
        btree_address,
        heap_address,
        &ctx,
        sb.group_leaf_k,
        &mut snods,
    );
    assert_eq!(snods, [608]);
    assert_eq!(root.len(), 1);
    let (name, many) = &root[0];
    assert_eq!(name, "many");
    assert_eq!(many.object_header_address, 352);
    // h5debug group_symtab.h5 608 232: B-tree 392, heap 488.
    let ScratchPad::Group {
        btree_address,
        heap_address,
    } = many.scratch_pad
    else {
        panic!("group entry caches its symbol table")
    };
    assert_eq!((btree_address, heap_address), (392, 488));

    // h5debug group_symtab.h5 392 488: a level-2 root with 2 children.
    let top = Node::read(FILE, 392, KeyFormat::Group, &ctx, &Limits::DEFAULT).unwrap();
    assert_eq!(top.level, 2);
    assert_eq!(top.children, [16536, 16440]);
    assert_eq!(top.left_sibling, UNDEFINED_ADDRESS);

    let mut snods = Vec::new();
    let got = members(
        btree_address,
        heap_address,
        &ctx,
        sb.group_leaf_k,
        &mut snods,
    );
    assert!(snods.len() >= 10, "{} symbol table nodes", snods.len());
    // Names and object header addresses as H5Literate (by name) reports them.
    let expected: &[(&str, u64)] = &[
        ("data_01", 10968),
        ("data_02", 5024),
        ("data_04", 7688),
        ("data_05", 15904),
        ("data_07", 4536),
        ("data_08", 12632),
        ("data_10", 15208),
        ("data_11", 9464),
        ("data_13", 11936),
        ("data_14", 6128),
        ("data_16", 8936),
        ("data_17", 1200),
        ("data_19", 5640),
        ("data_20", 14136),
        ("data_22", 16632),
        ("data_23", 10432),
        ("data_25", 12904),
        ("data_26", 7056),
        ("data_28", 9736),
        ("data_29", 4096),
        ("data_31", 6400),
        ("data_32", 14936),
        ("data_34", 1472),
        ("data_35", 11664),
        ("data_37", 14408),
        ("data_38", 8664),
        ("group_00", 776),
        ("group_03", 13176),
        ("group_06", 10008),
        ("group_09", 560),
        ("group_12", 1744),
        ("group_15", 14680),
        ("group_18", 11240),
        ("group_21", 8408),
        ("group_24", 2000),
        ("group_27", 15648),
        ("group_30", 12376),
        ("group_33", 9208),
        ("group_36", 520),
        ("soft_link", UNDEFINED_ADDRESS),
    ];
    let names: Vec<(&str, u64)> = got
        .iter()
        .map(|(n, e)| (n.as_str(), e.object_header_address))
        .collect();
    assert_eq!(names, expected);
    // Subgroups cache their symbol tables; datasets cache nothing.
    for (name, e) in &got {
        match name.split('_').next() {
            Some("group") => assert!(matches!(e.scratch_pad, ScratchPad::Group { .. })),
            Some("data") => assert_eq!(e.scratch_pad, ScratchPad::None),
            _ => {}
        }
    }
    // The soft link's value lives in the same heap.
    let (_, soft) = got.last().unwrap();
    let ScratchPad::SoftLink { link_value_offset } = soft.scratch_pad else {
        panic!("soft link entry")
    };
    let h = LocalHeap::read(FILE, heap_address, &ctx).unwrap();
    // h5debug group_symtab.h5 488: data at 13432, 704 bytes, free block at 456.
    assert_eq!(h.data_segment_address, 13432);
    assert_eq!(h.data_segment_size, 704);
    assert_eq!(h.free_list_head(), Some(456));
    let seg = h.read_segment(FILE, &Limits::DEFAULT).unwrap();
    assert_eq!(
        name_at(&seg, u64::from(link_value_offset), 13432).unwrap(),
        b"/many/group_00"
    );
}
