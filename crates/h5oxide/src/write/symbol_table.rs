//! An old-style group's link storage, rebuilt whole: local heap, symbol table nodes and
//! their v1 B-tree (spec III.A.1, III.B, III.D), laid out as one block.

use h5oxide_format::btree_v1::build::build_group_btree;
use h5oxide_format::heap::local::{build_segment, LocalHeap};
use h5oxide_format::object_header::message::link::LinkTarget;
use h5oxide_format::object_header::message::symbol_table::SymbolTableMessage;
use h5oxide_format::symbol_table_entry::{ScratchPad, SymbolTableEntry};
use h5oxide_format::symbol_table_node::SymbolTableNode;
use h5oxide_format::{Context, FormatError, Writer, UNDEFINED_ADDRESS};

use crate::error::{Error, Result};
use crate::write::alloc::{Sink, WriteState};

/// One link as a symbol table stores it: hard (an address) or soft (a path).
pub(crate) fn storable(target: &LinkTarget) -> bool {
    matches!(target, LinkTarget::Hard { .. } | LinkTarget::Soft { .. })
}

/// The whole storage laid out from `base`: its bytes and the message pointing at it.
fn lay_out(
    links: &[(String, LinkTarget)],
    base: u64,
    leaf_k: u16,
    internal_k: u16,
    ctx: &Context,
) -> Result<(Vec<u8>, SymbolTableMessage)> {
    // Heap: "" first (libhdf5's convention, B-tree key 0), then names, then soft values.
    let mut names: Vec<&[u8]> = vec![b""];
    for (n, _) in links {
        names.push(n.as_bytes());
    }
    for (_, t) in links {
        if let LinkTarget::Soft { path } = t {
            names.push(path.as_bytes());
        }
    }
    let seg = build_segment(&names, 0, ctx)?;
    let seg_addr = base + LocalHeap::encoded_len(ctx) as u64;
    let mut w = Writer::new();
    LocalHeap {
        data_segment_size: seg.bytes.len() as u64,
        free_list_offset: seg.free_list_offset,
        data_segment_address: seg_addr,
    }
    .encode(&mut w, ctx)?;
    w.bytes(&seg.bytes);
    // Symbol table nodes of at most 2K entries, spread evenly (every node at least K
    // when there are several, as libhdf5's splits leave them).
    let cap = 2 * usize::from(leaf_k);
    let n = links.len();
    let count = n.div_ceil(cap);
    let mut snods = Vec::with_capacity(count);
    let mut soft_i = n + 1;
    let mut start = 0usize;
    for i in 0..count {
        let take = n / count + usize::from(i < n % count);
        let mut entries = Vec::with_capacity(take);
        for (j, (_, t)) in links.iter().enumerate().skip(start).take(take) {
            let name_off = seg.offsets[j + 1];
            entries.push(match t {
                LinkTarget::Hard { address } => SymbolTableEntry {
                    link_name_offset: name_off,
                    object_header_address: *address,
                    scratch_pad: ScratchPad::None,
                },
                _ => {
                    let value = seg.offsets[soft_i];
                    soft_i += 1;
                    SymbolTableEntry {
                        link_name_offset: name_off,
                        object_header_address: UNDEFINED_ADDRESS,
                        scratch_pad: ScratchPad::SoftLink {
                            link_value_offset: u32::try_from(value)
                                .map_err(|_| Error::Usage("group heap larger than 4 GiB"))?,
                        },
                    }
                }
            });
        }
        let at = base + w.len() as u64;
        SymbolTableNode { entries }.encode(&mut w, ctx, leaf_k)?;
        let last = seg.offsets[start + take];
        snods.push((at, last));
        start += take;
    }
    let mut next = base + w.len() as u64;
    let tree = build_group_btree::<FormatError>(&snods, internal_k, ctx, &mut |size| {
        let at = next;
        next += size;
        Ok(at)
    })?;
    for node in &tree.nodes {
        debug_assert_eq!(node.address, base + w.len() as u64);
        w.bytes(&node.image);
    }
    Ok((
        w.into_inner(),
        SymbolTableMessage {
            btree_address: tree.root,
            heap_address: base,
        },
    ))
}

/// Bytes the storage of `links` takes.
fn storage_len(
    links: &[(String, LinkTarget)],
    leaf_k: u16,
    internal_k: u16,
    ctx: &Context,
) -> Result<u64> {
    let (bytes, _) = lay_out(links, 0, leaf_k, internal_k, ctx)?;
    Ok(bytes.len() as u64)
}

/// Writes the storage of `links` (sorted by name, hard or soft only), in place of the
/// previous storage starting at `old` when that is scratch space large enough.
pub(crate) fn write_symbol_table(
    ws: &mut WriteState,
    sink: &Sink<'_>,
    links: &[(String, LinkTarget)],
    old: Option<u64>,
) -> Result<SymbolTableMessage> {
    let ctx = ws.sb.sizes;
    let (leaf_k, internal_k) = (ws.sb.group_leaf_k, ws.sb.group_internal_k);
    let len = storage_len(links, leaf_k, internal_k, &ctx)?;
    let base = ws.place(old, len, true)?;
    let (bytes, msg) = lay_out(links, base, leaf_k, internal_k, &ctx)?;
    sink.write(base, &bytes)?;
    ws.superseded_block(old, base);
    Ok(msg)
}
