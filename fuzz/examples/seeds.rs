//! Writes the seed corpora of the fuzz targets: every fixture file for `open_walk`, windows of
//! the fixtures around each structure for the per-structure targets, message bodies for the
//! message targets, a few encoded selections, and sample data through every filter's encoder.
//!
//! Usage: `seeds FIXTURES_DIR CORPUS_DIR`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use h5oxide_format::heap::fractal;
use h5oxide_format::object_header::message::types;
use h5oxide_format::object_header::read_object_header;
use h5oxide_format::selection::{Block, Hyperslab, PointSelection, RegularDim, Selection};
use h5oxide_format::superblock::Superblock;
use h5oxide_format::{Context, Writer};
use h5oxide_fuzz::{selector, small_limits, FilterInput, Framed};
use h5oxide_storage::filter;

/// Bytes kept before and after a structure in its window.
const BEFORE: u64 = 32 << 10;
const AFTER: u64 = 96 << 10;
/// Seeds of one kind taken from one fixture.
const PER_FILE: usize = 12;

struct Out {
    dir: PathBuf,
    written: usize,
}

impl Out {
    fn put(&mut self, target: &str, name: &str, bytes: &[u8]) {
        let dir = self.dir.join(target);
        fs::create_dir_all(&dir).expect("create corpus folder");
        fs::write(dir.join(format!("seed-{name}")), bytes).expect("write seed");
        self.written += 1;
    }
}

/// A frame holding the window of `file` around the structure at `at`.
fn window(ctx: &Context, file: &[u8], at: u64, extra: &[u8]) -> Vec<u8> {
    let base = at.saturating_sub(BEFORE);
    let end = at.saturating_add(AFTER).min(file.len() as u64);
    let sel = selector(ctx.sizeof_offsets() as u8, ctx.sizeof_lengths() as u8);
    Framed::build(
        sel,
        base,
        (at - base) as u32,
        extra,
        &file[base as usize..end as usize],
    )
}

fn find_all(file: &[u8], sig: &[u8]) -> Vec<u64> {
    file.windows(sig.len())
        .enumerate()
        .filter(|(_, w)| *w == sig)
        .map(|(i, _)| i as u64)
        .take(PER_FILE)
        .collect()
}

fn object_addresses(bytes: &[u8], sb: &Superblock) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    let Ok(file) = h5oxide::File::from_bytes(bytes.to_vec()) else {
        return out;
    };
    let root = file.root();
    out.insert(root.address());
    let mut paths = Vec::new();
    let _ = root.visit(&mut |p, _| {
        paths.push(p.to_string());
        Ok(())
    });
    for p in paths {
        if let Ok(o) = root.object(&p) {
            out.insert(o.address());
        }
    }
    // The API may report addresses relative to the base address; try both.
    out.iter()
        .flat_map(|&a| [a, sb.absolute(a)])
        .collect::<BTreeSet<_>>()
}

fn fixture_seeds(out: &mut Out, path: &Path) {
    let Ok(file) = fs::read(path) else {
        return;
    };
    let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
    out.put("open_walk", &stem, &file);
    out.put("check", &stem, &file);
    out.put("superblock", &stem, &file[..file.len().min(4096)]);
    let Ok(sb) = Superblock::read(&file[..]) else {
        return;
    };
    let ctx = sb.context();
    let sel = selector(ctx.sizeof_offsets() as u8, ctx.sizeof_lengths() as u8);
    let limits = small_limits();

    // Object headers (v1 headers have no signature: found through the API) and the
    // messages in them.
    let mut kinds: BTreeSet<(u16, Vec<u8>)> = BTreeSet::new();
    for (i, a) in object_addresses(&file, &sb).into_iter().enumerate() {
        let Ok(hdr) = read_object_header(&file[..], a, &ctx, &limits) else {
            continue;
        };
        if i < PER_FILE {
            out.put(
                "object_header",
                &format!("{stem}-{a:x}"),
                &window(&ctx, &file, a, &[]),
            );
        }
        for m in hdr.messages {
            if matches!(
                m.msg_type,
                types::DATASPACE | types::DATATYPE | types::LAYOUT | types::LINK
            ) {
                kinds.insert((m.msg_type, m.data));
            }
        }
    }
    for (i, (t, body)) in kinds.into_iter().enumerate().take(4 * PER_FILE) {
        let with_sel = |b: &[u8]| [&[sel][..], b].concat();
        match t {
            types::DATATYPE => out.put("datatype", &format!("{stem}-{i}"), &body),
            types::DATASPACE => out.put("dataspace", &format!("{stem}-{i}"), &with_sel(&body)),
            types::LAYOUT => out.put("layout", &format!("{stem}-{i}"), &with_sel(&body)),
            _ => out.put("link", &format!("{stem}-{i}"), &with_sel(&body)),
        }
    }

    // Structures with signatures: version 1 B-tree nodes, with the key formats of group
    // nodes (type 0) and of chunk nodes of ranks 1-3 (type 1).
    for at in find_all(&file, b"TREE") {
        let node_type = file.get(at as usize + 4).copied().unwrap_or(0);
        let ranks: &[u8] = if node_type == 0 { &[0] } else { &[1, 2, 3] };
        for &r in ranks {
            out.put(
                "btree_v1",
                &format!("{stem}-{at:x}-{r}"),
                &window(&ctx, &file, at, &[r]),
            );
        }
    }
    for at in find_all(&file, b"BTHD") {
        for rank in [1u8, 2, 3] {
            let extra = [rank, 8, 0, 0, 0, 0];
            out.put(
                "btree_v2",
                &format!("{stem}-{at:x}-{rank}"),
                &window(&ctx, &file, at, &extra),
            );
        }
    }
    for at in find_all(&file, b"FRHP") {
        let Ok(heap) = fractal::read_header(&file[..], at, &ctx) else {
            continue;
        };
        // Managed IDs of the first objects of the first direct block, whose data starts
        // after the block's prefix.
        let first = heap.direct_block_prefix_len(&ctx) as u64;
        let ids: Vec<u8> = (0..8u64)
            .filter_map(|k| fractal::encode_managed_id(&heap, first + 8 * k, 8).ok())
            .flatten()
            .take(255)
            .collect();
        out.put(
            "fractal_heap",
            &format!("{stem}-{at:x}"),
            &window(&ctx, &file, at, &ids),
        );
    }
    for (sig, target) in [
        (&b"FAHD"[..], "fixed_array"),
        (b"EAHD", "extensible_array"),
        (b"GCOL", "global_heap"),
    ] {
        for at in find_all(&file, sig) {
            let extra = [1u8, 0, 0, 0, 0, 0, 0, 0];
            out.put(
                target,
                &format!("{stem}-{at:x}"),
                &window(&ctx, &file, at, &extra),
            );
        }
    }
}

fn selection_seeds(out: &mut Out) {
    let sels = [
        Selection::None,
        Selection::All,
        Selection::Points(PointSelection::new(
            2,
            vec![vec![1, 2], vec![3, 4], vec![0, 9]],
        )),
        Selection::Points(PointSelection::new(1, vec![vec![1 << 40]])),
        Selection::Hyperslab(Hyperslab::regular(vec![
            RegularDim {
                start: 1,
                stride: 4,
                count: 3,
                block: 2,
            },
            RegularDim {
                start: 0,
                stride: 1,
                count: 1,
                block: 10,
            },
        ])),
        Selection::Hyperslab(Hyperslab::irregular(
            2,
            vec![
                Block {
                    start: vec![0, 0],
                    end: vec![1, 3],
                },
                Block {
                    start: vec![5, 5],
                    end: vec![7, 1 << 33],
                },
            ],
        )),
    ];
    for (i, s) in sels.iter().enumerate() {
        let mut w = Writer::new();
        s.encode(&mut w).expect("seed selection encodes");
        out.put("selection", &i.to_string(), w.as_slice());
    }
}

fn filter_seeds(out: &mut Out) {
    // 1024 little-endian i32 values: a ramp with a little noise, so every codec has runs
    // and literals to encode.
    let values: Vec<i32> = (0..1024i32).map(|i| i * 3 + (i * 7919) % 5).collect();
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let dims = [1024u64];
    let nbit = filter::nbit::NbitType::Atomic {
        size: 4,
        big_endian: false,
        precision: 14,
        offset: 0,
    };
    let bitshuffle = |compression| {
        filter::bitshuffle::params_for(
            filter::bitshuffle::Options {
                block_size: 0,
                compression,
                zstd_level: 3,
            },
            4,
            &dims,
        )
    };
    let blosc = |c| filter::blosc::params_for(4, 4, &dims, 5, 1, c);
    let cases: Vec<(&str, Vec<u32>, filter::pipeline::EncodeFn)> = vec![
        (
            "filter_deflate",
            filter::deflate::params_for(6, 4, &dims),
            filter::deflate::encode,
        ),
        (
            "filter_shuffle",
            filter::shuffle::params_for((), 4, &dims),
            filter::shuffle::encode,
        ),
        ("filter_fletcher32", vec![], filter::fletcher32::encode),
        (
            "filter_lzf",
            filter::lzf::params_for((), 4, &dims),
            filter::lzf::encode,
        ),
        (
            "filter_lz4",
            filter::lz4::params_for((0, 0), 4, &dims),
            filter::lz4::encode,
        ),
        (
            "filter_lz4",
            filter::lz4::params_for((1000, 0), 4, &dims),
            filter::lz4::encode,
        ),
        (
            "filter_bzip2",
            filter::bzip2::params_for(9, 4, &dims),
            filter::bzip2::encode,
        ),
        (
            "filter_zstd",
            filter::zstd::params_for(3, 4, &dims),
            filter::zstd::encode,
        ),
        (
            "filter_bitshuffle",
            bitshuffle(filter::bitshuffle::COMPRESS_NONE),
            filter::bitshuffle::encode,
        ),
        (
            "filter_bitshuffle",
            bitshuffle(filter::bitshuffle::COMPRESS_LZ4),
            filter::bitshuffle::encode,
        ),
        (
            "filter_bitshuffle",
            bitshuffle(filter::bitshuffle::COMPRESS_ZSTD),
            filter::bitshuffle::encode,
        ),
        (
            "filter_blosc",
            blosc(filter::blosc::compressor::BLOSCLZ),
            filter::blosc::encode,
        ),
        (
            "filter_blosc",
            blosc(filter::blosc::compressor::LZ4),
            filter::blosc::encode,
        ),
        (
            "filter_blosc",
            blosc(filter::blosc::compressor::ZLIB),
            filter::blosc::encode,
        ),
        (
            "filter_blosc",
            blosc(filter::blosc::compressor::ZSTD),
            filter::blosc::encode,
        ),
        (
            "filter_szip",
            filter::szip::params_for(4 | 32, 16, 4, 32, 0, false, &dims),
            filter::szip::encode,
        ),
        (
            "filter_szip",
            filter::szip::params_for(128 | 32, 8, 4, 32, 0, false, &dims),
            filter::szip::encode,
        ),
        (
            "filter_nbit",
            filter::nbit::params_for(&nbit, 1024),
            filter::nbit::encode,
        ),
        (
            "filter_scaleoffset",
            filter::scaleoffset::params_for(2, 0, 1024, false, 4, true, false, None),
            filter::scaleoffset::encode,
        ),
        (
            "filter_scaleoffset",
            filter::scaleoffset::params_for(
                2,
                12,
                1024,
                false,
                4,
                true,
                false,
                Some(&[0, 0, 0, 0]),
            ),
            filter::scaleoffset::encode,
        ),
    ];
    for (i, (target, params, encode)) in cases.into_iter().enumerate() {
        // N-bit keeps only the low bits: feed it values that fit them.
        let input: Vec<u8> = if target == "filter_nbit" {
            values
                .iter()
                .flat_map(|v| (v & 0x3fff).to_le_bytes())
                .collect()
        } else {
            data.clone()
        };
        match encode(&params, &input) {
            Ok(enc) => out.put(
                target,
                &i.to_string(),
                &FilterInput::build(&params, input.len(), &enc),
            ),
            Err(e) => eprintln!("seed for {target} not written: {e}"),
        }
    }
}

fn main() {
    let mut args = std::env::args_os().skip(1);
    let (Some(fixtures), Some(corpus)) = (args.next(), args.next()) else {
        eprintln!("usage: seeds FIXTURES_DIR CORPUS_DIR");
        std::process::exit(2);
    };
    let mut out = Out {
        dir: PathBuf::from(corpus),
        written: 0,
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [PathBuf::from(&fixtures), Path::new(&fixtures).join("h5py")] {
        if let Ok(rd) = fs::read_dir(&dir) {
            files.extend(
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "h5")),
            );
        }
    }
    files.sort();
    for f in &files {
        fixture_seeds(&mut out, f);
    }
    selection_seeds(&mut out);
    filter_seeds(&mut out);
    println!("{} seeds from {} fixtures", out.written, files.len());
}
