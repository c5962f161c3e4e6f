//! The body of every fuzz target, as plain functions: the cargo-fuzz binaries call them, and
//! the regression test replays saved inputs through them on the stable toolchain.

use crate::{small_limits, Framed};
use h5oxide::{Dataset, File, Link, Object};
use h5oxide_format::btree_v1::{walk_leaves, KeyFormat};
use h5oxide_format::btree_v2::{self, RecordParams};
use h5oxide_format::chunk_index::{self, extensible_array, fixed_array};
use h5oxide_format::heap::fractal;
use h5oxide_format::heap::global::{GlobalHeapCollection, GlobalHeapId};
use h5oxide_format::object_header::message::dataspace::Dataspace;
use h5oxide_format::object_header::message::datatype::Datatype;
use h5oxide_format::object_header::message::layout::Layout;
use h5oxide_format::object_header::message::link::Link as LinkMessage;
use h5oxide_format::object_header::{message, read_object_header};
use h5oxide_format::selection::Selection;
use h5oxide_format::superblock::Superblock;
use h5oxide_format::{Context, Cursor, Writer};

/// Walks a version 1 B-tree rooted at the root address of the frame. Extra byte 0 selects the
/// key format: 0 group nodes, r > 0 chunk nodes of rank r (rank 33+ is rejected).
pub fn btree_v1(data: &[u8]) {
    let Some(f) = Framed::parse(data) else {
        return;
    };
    let src = f.source();
    let limits = small_limits();
    let format = match f.extra_u8(0) {
        0 => KeyFormat::Group,
        r => KeyFormat::Chunk {
            rank: usize::from(r),
        },
    };
    let mut leaves = 0usize;
    let _ = walk_leaves(&src, f.root, format, &f.ctx, &limits, &mut |_, node| {
        leaves += 1;
        let _ = node.entries();
        Ok(())
    });
    if let KeyFormat::Chunk { rank } = format {
        let _ = chunk_index::btree_v1::chunks(&src, f.root, rank, &f.ctx, &limits);
    }
}

/// Walks a version 2 B-tree whose header is at the root address of the frame, then searches it by
/// name hash. Extra bytes: rank and chunk size width of chunk records, the hash (u32 LE).
pub fn btree_v2(data: &[u8]) {
    let Some(f) = Framed::parse(data) else {
        return;
    };
    let src = f.source();
    let limits = small_limits();
    let params = RecordParams {
        rank: usize::from(f.extra_u8(0) % 34),
        chunk_size_len: usize::from(f.extra_u8(1) % 9),
    };
    let mut records = 0usize;
    let _ = btree_v2::walk(&src, f.root, &f.ctx, &limits, &params, &mut |r| {
        records += 1;
        let _ = r.hash();
        Ok(())
    });
    let hash = u32::from_le_bytes([f.extra_u8(2), f.extra_u8(3), f.extra_u8(4), f.extra_u8(5)]);
    let _ = btree_v2::find_by_hash(&src, f.root, &f.ctx, &limits, hash, &mut |_| Ok(()));
}

/// Dataspace message decode under every size of offsets/lengths (byte 0 selects them); whatever
/// decodes must encode, and the encoding must decode again.
pub fn dataspace(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let size = |b: u8| [8, 4, 2, 8][usize::from(b & 3)];
    let Ok(ctx) = Context::new(size(sel), size(sel >> 2), 0) else {
        return;
    };
    let Ok(v) = Dataspace::decode(&mut Cursor::new(body, 0, "fuzz"), &ctx) else {
        return;
    };
    let mut w = Writer::new();
    if v.encode(&mut w, &ctx).is_ok() {
        let again = Dataspace::decode(&mut Cursor::new(w.as_slice(), 0, "fuzz"), &ctx)
            .expect("an encoded dataspace message decodes");
        assert_eq!(v, again);
    }
}

/// Datatype message decode; whatever decodes must encode and decode again to the same value.
pub fn datatype(data: &[u8]) {
    let ctx = Context::default();
    let Ok(dt) = Datatype::decode(&mut Cursor::new(data, 0, "fuzz"), &ctx) else {
        return;
    };
    let _ = dt.descriptor();
    let _ = dt.to_string();
    let mut w = Writer::new();
    if dt.encode(&mut w, &ctx).is_err() {
        return;
    }
    assert_eq!(
        w.len(),
        dt.encoded_len(),
        "encoded_len disagrees with encode"
    );
    let again = Datatype::decode(&mut Cursor::new(w.as_slice(), 0, "fuzz"), &ctx)
        .expect("an encoded datatype decodes");
    assert_eq!(dt, again);
}

/// Reads an extensible array chunk index whose header is at the root address of the frame: every entry,
/// then one lookup by the index in the extra bytes (u64 LE).
pub fn extensible_array(data: &[u8]) {
    let Some(f) = Framed::parse(data) else {
        return;
    };
    let src = f.source();
    let limits = small_limits();
    let Ok(hdr) = extensible_array::read_header(&src, f.root, &f.ctx, &limits) else {
        return;
    };
    let _ = extensible_array::read_entries(&src, &hdr, &f.ctx, &limits);
    let mut idx = [0u8; 8];
    for (i, b) in idx.iter_mut().enumerate() {
        *b = f.extra_u8(i);
    }
    let _ = extensible_array::lookup(&src, &hdr, u64::from_le_bytes(idx), &f.ctx, &limits);
}

/// The bitshuffle filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_bitshuffle(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::bitshuffle::decode, data);
}

/// The blosc filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_blosc(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::blosc::decode, data);
}

/// The blosc2 filter's decoder (frames, chunks, b2nd metalayers) on hostile bytes and client
/// data: no panic, and never more output than the expected length.
pub fn filter_blosc2(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::blosc2::decode, data);
}

/// The bzip2 filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_bzip2(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::bzip2::decode, data);
}

/// The deflate filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_deflate(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::deflate::decode, data);
}

/// The fletcher32 filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_fletcher32(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::fletcher32::decode, data);
}

/// The lz4 filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_lz4(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::lz4::decode, data);
}

/// The lzf filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_lzf(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::lzf::decode, data);
}

/// The nbit filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_nbit(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::nbit::decode, data);
}

/// The scaleoffset filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_scaleoffset(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::scaleoffset::decode, data);
}

/// The shuffle filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_shuffle(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::shuffle::decode, data);
}

/// The szip filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_szip(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::szip::decode, data);
}

/// The zstd filter's decoder on hostile bytes and client data: no panic, and never more output
/// than the expected length.
pub fn filter_zstd(data: &[u8]) {
    crate::fuzz_filter(h5oxide_storage::filter::zstd::decode, data);
}

/// Reads a fixed array chunk index whose header is at the root address of the frame: every entry,
/// then one lookup by the index in the extra bytes (u64 LE).
pub fn fixed_array(data: &[u8]) {
    let Some(f) = Framed::parse(data) else {
        return;
    };
    let src = f.source();
    let limits = small_limits();
    let Ok(hdr) = fixed_array::read_header(&src, f.root, &f.ctx, &limits) else {
        return;
    };
    let _ = hdr.data_block_len(&f.ctx);
    let _ = fixed_array::read_entries(&src, &hdr, &f.ctx, &limits);
    let mut idx = [0u8; 8];
    for (i, b) in idx.iter_mut().enumerate() {
        *b = f.extra_u8(i);
    }
    let _ = fixed_array::lookup(&src, &hdr, u64::from_le_bytes(idx), &f.ctx, &limits);
}

/// Reads a fractal heap header at the root address of the frame, then the objects of the heap IDs
/// given as the extra bytes (cut in pieces of the header's heap ID length).
pub fn fractal_heap(data: &[u8]) {
    let Some(f) = Framed::parse(data) else {
        return;
    };
    let src = f.source();
    let limits = small_limits();
    let Ok(heap) = fractal::read_header(&src, f.root, &f.ctx) else {
        return;
    };
    let _ = heap.doubling_table();
    let id_len = usize::from(heap.heap_id_length).max(1);
    for id in f.extra.chunks(id_len).take(16) {
        let _ = fractal::read_object(&src, &heap, id, &f.ctx, &limits);
    }
}

/// Reads a global heap collection at the root address of the frame, re-encodes it, and reads the
/// object whose index is in the extra bytes (u32 LE).
pub fn global_heap(data: &[u8]) {
    let Some(f) = Framed::parse(data) else {
        return;
    };
    let src = f.source();
    let limits = small_limits();
    if let Ok(coll) = GlobalHeapCollection::read(&src, f.root, &f.ctx, &limits) {
        let _ = coll.used_len(&f.ctx);
        let mut w = Writer::new();
        if coll.encode(&mut w, &f.ctx).is_ok() {
            let _ = GlobalHeapCollection::decode(&mut Cursor::new(w.as_slice(), 0, "fuzz"), &f.ctx);
        }
    }
    let index = u32::from_le_bytes([f.extra_u8(0), f.extra_u8(1), f.extra_u8(2), f.extra_u8(3)]);
    let id = GlobalHeapId {
        collection: f.root,
        index,
    };
    let _ = id.read_object(&src, &f.ctx, &limits);
}

/// Layout message decode under every size of offsets/lengths (byte 0 selects them); whatever
/// decodes must encode, and the encoding must decode again.
pub fn layout(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let size = |b: u8| [8, 4, 2, 8][usize::from(b & 3)];
    let Ok(ctx) = Context::new(size(sel), size(sel >> 2), 0) else {
        return;
    };
    let Ok(v) = Layout::decode(&mut Cursor::new(body, 0, "fuzz"), &ctx) else {
        return;
    };
    let mut w = Writer::new();
    if v.encode(&mut w, &ctx).is_ok() {
        let again = Layout::decode(&mut Cursor::new(w.as_slice(), 0, "fuzz"), &ctx)
            .expect("an encoded layout message decodes");
        assert_eq!(v, again);
    }
}

/// Link message decode under every size of offsets/lengths (byte 0 selects them); whatever
/// decodes must encode, and the encoding must decode again.
pub fn link(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let size = |b: u8| [8, 4, 2, 8][usize::from(b & 3)];
    let Ok(ctx) = Context::new(size(sel), size(sel >> 2), 0) else {
        return;
    };
    let Ok(v) = LinkMessage::decode(&mut Cursor::new(body, 0, "fuzz"), &ctx) else {
        return;
    };
    let mut w = Writer::new();
    if v.encode(&mut w, &ctx).is_ok() {
        let again = LinkMessage::decode(&mut Cursor::new(w.as_slice(), 0, "fuzz"), &ctx)
            .expect("an encoded link message decodes");
        assert_eq!(v, again);
    }
}

/// Reads an object header (with its continuation chain) at the root address of the frame and
/// decodes every message in it.
pub fn object_header(data: &[u8]) {
    let Some(f) = Framed::parse(data) else {
        return;
    };
    let src = f.source();
    if let Ok(hdr) = read_object_header(&src, f.root, &f.ctx, &small_limits()) {
        for raw in &hdr.messages {
            let _ = message::decode(raw, &f.ctx);
        }
    }
}

fn read_attrs(attrs: h5oxide::Attributes) {
    if let Ok(list) = attrs.list() {
        for a in list {
            let _ = a.raw();
            let _ = a.values();
        }
    }
}

fn read_dataset(d: &Dataset) {
    let _ = d.shape();
    let _ = d.max_shape();
    let _ = d.chunks();
    let _ = d.dtype().descriptor();
    let _ = d.read_values();
    read_attrs(d.attrs());
}

/// Runs `h5ox check` on hostile bytes under small limits: every structure is walked and
/// every dataset decoded. Problems are expected findings; panics, hangs and unbounded
/// allocations are bugs.
pub fn check(data: &[u8]) {
    let out = h5oxide_cli::check_bytes(data, small_limits(), 16 << 20);
    // Bytes without the format signature anywhere are not HDF5: never reported clean.
    let signature = b"\x89HDF\r\n\x1a\n";
    if !data.windows(signature.len()).any(|w| w == signature) {
        assert!(
            !out.problems.is_empty(),
            "a file without a superblock passed check"
        );
    }
}

/// Opens hostile bytes as a file and reads everything reachable: every link, every object's
/// attributes and every dataset's values, under small limits. Errors are expected; panics,
/// hangs and unbounded allocations are bugs.
pub fn open_walk(data: &[u8]) {
    let Ok(file) = File::options()
        .limits(crate::small_limits())
        .open_bytes(data.to_vec())
    else {
        return;
    };
    let root = file.root();
    let _ = root.to_string();
    read_attrs(root.attrs());
    let mut paths = Vec::new();
    let _ = root.visit(&mut |path, link| {
        if matches!(link, Link::Hard { .. } | Link::Soft { .. }) && paths.len() < 4096 {
            paths.push(path.to_string());
        }
        Ok(())
    });
    for path in &paths {
        match root.object(path) {
            Ok(Object::Dataset(d)) => read_dataset(&d),
            Ok(Object::Group(g)) => {
                let _ = g.len();
                read_attrs(g.attrs());
            }
            Ok(Object::Datatype(t)) => {
                let _ = t.dtype();
                read_attrs(t.attrs());
            }
            _ => {}
        }
    }
}

/// Dataspace selection decode; whatever decodes must encode and decode again to the same value.
pub fn selection(data: &[u8]) {
    let Ok(sel) = Selection::decode(&mut Cursor::new(data, 0, "fuzz")) else {
        return;
    };
    if let Selection::Hyperslab(h) = &sel {
        let _ = h.blocks(1 << 16);
    }
    let mut w = Writer::new();
    if sel.encode(&mut w).is_err() {
        return;
    }
    let again = Selection::decode(&mut Cursor::new(w.as_slice(), 0, "fuzz"))
        .expect("an encoded selection decodes");
    assert_eq!(sel, again);
}

/// The superblock reader on hostile bytes (signature search included), then an encode of what
/// was decoded.
pub fn superblock(data: &[u8]) {
    if let Ok(sb) = Superblock::read(data) {
        let _ = sb.context();
        let mut w = Writer::new();
        let _ = sb.encode(&mut w);
    }
}

/// Runs target `name` on `data`; `false` if there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    let f: fn(&[u8]) = match name {
        "btree_v1" => btree_v1,
        "btree_v2" => btree_v2,
        "check" => check,
        "dataspace" => dataspace,
        "datatype" => datatype,
        "extensible_array" => extensible_array,
        "filter_bitshuffle" => filter_bitshuffle,
        "filter_blosc" => filter_blosc,
        "filter_blosc2" => filter_blosc2,
        "filter_bzip2" => filter_bzip2,
        "filter_deflate" => filter_deflate,
        "filter_fletcher32" => filter_fletcher32,
        "filter_lz4" => filter_lz4,
        "filter_lzf" => filter_lzf,
        "filter_nbit" => filter_nbit,
        "filter_scaleoffset" => filter_scaleoffset,
        "filter_shuffle" => filter_shuffle,
        "filter_szip" => filter_szip,
        "filter_zstd" => filter_zstd,
        "fixed_array" => fixed_array,
        "fractal_heap" => fractal_heap,
        "global_heap" => global_heap,
        "layout" => layout,
        "link" => link,
        "object_header" => object_header,
        "open_walk" => open_walk,
        "selection" => selection,
        "superblock" => superblock,
        _ => return false,
    };
    f(data);
    true
}

/// Every target name.
pub const NAMES: &[&str] = &[
    "btree_v1",
    "btree_v2",
    "check",
    "dataspace",
    "datatype",
    "extensible_array",
    "filter_bitshuffle",
    "filter_blosc",
    "filter_blosc2",
    "filter_bzip2",
    "filter_deflate",
    "filter_fletcher32",
    "filter_lz4",
    "filter_lzf",
    "filter_nbit",
    "filter_scaleoffset",
    "filter_shuffle",
    "filter_szip",
    "filter_zstd",
    "fixed_array",
    "fractal_heap",
    "global_heap",
    "layout",
    "link",
    "object_header",
    "open_walk",
    "selection",
    "superblock",
];
