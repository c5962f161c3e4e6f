//! Dataspace selections as serialized in region references and virtual dataset mappings
//! (spec VIII.A, "Dataspace Selection").
//!
//! Every field of the preamble (selection type, version, reserved, length, rank) is 4 bytes;
//! points and blocks use 4 bytes in version 1, 8 bytes in hyperslab version 2, and the
//! "encode size" (2, 4 or 8) in points version 2 and hyperslab version 3.

use alloc::vec;
use alloc::vec::Vec;

use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// The name errors of this structure report.
const STRUCTURE: &str = "dataspace selection";

/// Most dimensions of a selection (the C library's `H5S_MAX_RANK`).
pub const MAX_RANK: u32 = 32;

/// A count or block size meaning "unlimited" in a regular hyperslab.
pub const UNLIMITED: u64 = u64::MAX;

const SEL_NONE: u32 = 0;
const SEL_POINTS: u32 = 1;
const SEL_HYPERSLABS: u32 = 2;
const SEL_ALL: u32 = 3;

/// Hyperslab flag bit 0: the selection is regular (start/stride/count/block).
const FLAG_REGULAR: u8 = 0x01;

/// A dataspace selection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Selection {
    /// Nothing selected.
    None,
    /// The whole extent selected.
    All,
    /// A list of points.
    Points(PointSelection),
    /// A regular or irregular hyperslab.
    Hyperslab(Hyperslab),
}

/// A point selection with the encoding it is stored in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PointSelection {
    /// Encoding version: 1 (4-byte values) or 2 (values of `enc_size` bytes).
    pub version: u8,
    /// Bytes per value: 4 in version 1; 2, 4 or 8 in version 2.
    pub enc_size: u8,
    /// Rank of the dataspace.
    pub rank: u32,
    /// The points in stored order, each with `rank` coordinates.
    pub points: Vec<Vec<u64>>,
}

/// One dimension of a regular hyperslab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegularDim {
    /// First element of the first block.
    pub start: u64,
    /// Distance between block starts.
    pub stride: u64,
    /// Number of blocks ([`UNLIMITED`] = unlimited).
    pub count: u64,
    /// Block size ([`UNLIMITED`] = unlimited).
    pub block: u64,
}

/// One block of a hyperslab: inclusive corners.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Block {
    /// Lowest coordinates.
    pub start: Vec<u64>,
    /// Highest coordinates (inclusive).
    pub end: Vec<u64>,
}

/// The shape of a hyperslab selection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HyperslabShape {
    /// One start/stride/count/block per dimension.
    Regular(Vec<RegularDim>),
    /// A list of blocks.
    Irregular(Vec<Block>),
}

/// A hyperslab selection with the encoding it is stored in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hyperslab {
    /// Encoding version: 1 (block list, 4-byte values), 2 (8-byte values) or 3 (values of
    /// `enc_size` bytes).
    pub version: u8,
    /// Bytes per value: 4 in version 1, 8 in version 2, 2/4/8 in version 3.
    pub enc_size: u8,
    /// Rank of the dataspace.
    pub rank: u32,
    /// Regular or irregular.
    pub shape: HyperslabShape,
}

fn err(kind: ErrorKind, offset: u64) -> FormatError {
    FormatError::new(kind, STRUCTURE, offset)
}

fn overflow(field: &'static str, w: &Writer) -> FormatError {
    err(ErrorKind::EncodeOverflow { field }, w.len() as u64)
}

/// The smallest of 2, 4 or 8 bytes that holds every value.
fn minimal_enc_size(max: u64) -> u8 {
    if max > u64::from(u32::MAX) {
        8
    } else if max > u64::from(u16::MAX) {
        4
    } else {
        2
    }
}

fn all_ones(width: u8) -> u64 {
    if width >= 8 {
        u64::MAX
    } else {
        (1u64 << (8 * u32::from(width))) - 1
    }
}

/// Checks that `count` values of `width` bytes fit in what remains before allocating for them.
fn check_room(cur: &Cursor<'_>, count: u64, width: u64) -> Result<()> {
    let needed = count.saturating_mul(width);
    if needed > cur.remaining() as u64 {
        return Err(cur.error(ErrorKind::UnexpectedEof {
            needed,
            available: cur.remaining() as u64,
        }));
    }
    Ok(())
}

fn read_rank(cur: &mut Cursor<'_>) -> Result<u32> {
    let rank = cur.u32()?;
    if rank > MAX_RANK {
        return Err(cur.invalid("selection rank", u64::from(rank), 4));
    }
    Ok(rank)
}

fn read_enc_size(cur: &mut Cursor<'_>) -> Result<u8> {
    let e = cur.u8()?;
    if !matches!(e, 2 | 4 | 8) {
        return Err(cur.invalid("selection encode size", u64::from(e), 1));
    }
    Ok(e)
}

fn read_coords(cur: &mut Cursor<'_>, rank: u32, width: u8) -> Result<Vec<u64>> {
    let mut v = Vec::with_capacity(rank as usize);
    for _ in 0..rank {
        v.push(cur.uint(usize::from(width))?);
    }
    Ok(v)
}

/// Reads `n` blocks of `rank` start then `rank` end coordinates.
fn read_blocks(cur: &mut Cursor<'_>, n: u64, rank: u32, width: u8) -> Result<Vec<Block>> {
    if rank == 0 && n > 0 {
        return Err(cur.invalid("hyperslab block count", n, 0));
    }
    check_room(cur, n, 2 * u64::from(rank) * u64::from(width))?;
    let mut blocks = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let at = cur.offset();
        let start = read_coords(cur, rank, width)?;
        let end = read_coords(cur, rank, width)?;
        if start.iter().zip(&end).any(|(s, e)| e < s) {
            return Err(err(
                ErrorKind::InvalidValue {
                    field: "hyperslab block end",
                    value: end
                        .iter()
                        .zip(&start)
                        .find(|(e, s)| e < s)
                        .map_or(0, |p| *p.0),
                },
                at,
            ));
        }
        blocks.push(Block { start, end });
    }
    Ok(blocks)
}

/// Checks a version 1/2 "Length" field against the bytes that follow it.
fn check_length(cur: &Cursor<'_>, stored: u32, expected: u64) -> Result<()> {
    if u64::from(stored) != expected {
        return Err(cur.invalid("selection length", u64::from(stored), 0));
    }
    Ok(())
}

impl PointSelection {
    /// A point selection in the lowest encoding that holds it: version 1 when every value
    /// fits in 32 bits, else version 2 with the smallest encode size (as the C library picks).
    pub fn new(rank: u32, points: Vec<Vec<u64>>) -> Self {
        let max = points
            .iter()
            .flatten()
            .copied()
            .chain(core::iter::once(points.len() as u64))
            .max()
            .unwrap_or(0);
        let (version, enc_size) = if max > u64::from(u32::MAX) {
            (2, 8)
        } else {
            (1, 4)
        };
        PointSelection {
            version,
            enc_size,
            rank,
            points,
        }
    }
}

impl Hyperslab {
    /// A regular hyperslab in version 2 (8-byte values), the oldest encoding that keeps the
    /// regular form.
    pub fn regular(dims: Vec<RegularDim>) -> Self {
        Hyperslab {
            version: 2,
            enc_size: 8,
            rank: dims.len() as u32,
            shape: HyperslabShape::Regular(dims),
        }
    }

    /// An irregular hyperslab: version 1 when every value fits in 32 bits, else version 3
    /// with the smallest encode size.
    pub fn irregular(rank: u32, blocks: Vec<Block>) -> Self {
        let max = blocks
            .iter()
            .flat_map(|b| b.start.iter().chain(&b.end))
            .copied()
            .chain(core::iter::once(blocks.len() as u64))
            .max()
            .unwrap_or(0);
        let (version, enc_size) = if max > u64::from(u32::MAX) {
            (3, minimal_enc_size(max))
        } else {
            (1, 4)
        };
        Hyperslab {
            version,
            enc_size,
            rank,
            shape: HyperslabShape::Irregular(blocks),
        }
    }

    /// The selected blocks (inclusive corners). A regular hyperslab is expanded in row-major
    /// order (last dimension fastest), as the C library lists them.
    ///
    /// # Errors
    /// `LimitExceeded` if there are more than `max_blocks` blocks or a count or block is
    /// unlimited; `InvalidValue` if a block's corner overflows `u64`.
    pub fn blocks(&self, max_blocks: u64) -> Result<Vec<Block>> {
        let too_many = |requested| {
            err(
                ErrorKind::LimitExceeded {
                    limit: "hyperslab blocks",
                    requested,
                    allowed: max_blocks,
                },
                0,
            )
        };
        let dims = match &self.shape {
            HyperslabShape::Irregular(b) => {
                if b.len() as u64 > max_blocks {
                    return Err(too_many(b.len() as u64));
                }
                return Ok(b.clone());
            }
            HyperslabShape::Regular(d) => d,
        };
        let mut total: u64 = 1;
        for d in dims {
            if d.count == UNLIMITED || d.block == UNLIMITED {
                return Err(too_many(u64::MAX));
            }
            total = total.saturating_mul(d.count);
        }
        if total > max_blocks {
            return Err(too_many(total));
        }
        if total == 0 {
            return Ok(Vec::new());
        }
        let corner = |d: &RegularDim, i: u64| -> Result<(u64, u64)> {
            let s = d.stride.checked_mul(i).and_then(|o| o.checked_add(d.start));
            let e = s.and_then(|s| s.checked_add(d.block.checked_sub(1)?));
            match (s, e) {
                (Some(s), Some(e)) => Ok((s, e)),
                _ => Err(err(
                    ErrorKind::InvalidValue {
                        field: "hyperslab block",
                        value: d.start,
                    },
                    0,
                )),
            }
        };
        let mut out = Vec::with_capacity(total as usize);
        let mut idx = vec![0u64; dims.len()];
        loop {
            let mut start = Vec::with_capacity(dims.len());
            let mut end = Vec::with_capacity(dims.len());
            for (d, &i) in dims.iter().zip(&idx) {
                let (s, e) = corner(d, i)?;
                start.push(s);
                end.push(e);
            }
            out.push(Block { start, end });
            // Odometer step, last dimension fastest.
            let mut k = dims.len();
            loop {
                if k == 0 {
                    return Ok(out);
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < dims[k].count {
                    break;
                }
                idx[k] = 0;
            }
        }
    }
}

impl Selection {
    /// Decodes a selection.
    ///
    /// # Errors
    /// `UnexpectedEof` if truncated; `InvalidValue` for an unknown selection type, flags or
    /// encode size, a rank over 32, a length field that disagrees with the contents, a block
    /// whose end precedes its start, or points or blocks in a rank-0 selection;
    /// `UnsupportedVersion` for an unknown version of a selection type.
    pub fn decode(cur: &mut Cursor<'_>) -> Result<Self> {
        let outer = cur.structure();
        let mut c = cur.clone().named(STRUCTURE);
        let s = Self::decode_body(&mut c)?;
        *cur = c.named(outer);
        Ok(s)
    }

    fn decode_body(cur: &mut Cursor<'_>) -> Result<Self> {
        let sel_type = cur.u32()?;
        let version_at = cur.offset();
        let version = cur.u32()?;
        let unsupported = || {
            err(
                ErrorKind::UnsupportedVersion {
                    version: u8::try_from(version).unwrap_or(u8::MAX),
                },
                version_at,
            )
        };
        match sel_type {
            SEL_NONE | SEL_ALL => {
                if version != 1 {
                    return Err(unsupported());
                }
                // Reserved and length (both zero).
                cur.skip(8)?;
                Ok(if sel_type == SEL_NONE {
                    Selection::None
                } else {
                    Selection::All
                })
            }
            SEL_POINTS => {
                let (enc_size, rank, n) = match version {
                    1 => {
                        cur.skip(4)?;
                        let length = cur.u32()?;
                        let rank = read_rank(cur)?;
                        let n = u64::from(cur.u32()?);
                        let expected = 8 + 4 * u64::from(rank) * n;
                        check_length(cur, length, expected)?;
                        (4, rank, n)
                    }
                    2 => {
                        let e = read_enc_size(cur)?;
                        let rank = read_rank(cur)?;
                        let n = cur.uint(usize::from(e))?;
                        (e, rank, n)
                    }
                    _ => return Err(unsupported()),
                };
                if rank == 0 && n > 0 {
                    return Err(cur.invalid("point count", n, 0));
                }
                check_room(cur, n, u64::from(rank) * u64::from(enc_size))?;
                let mut points = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    points.push(read_coords(cur, rank, enc_size)?);
                }
                Ok(Selection::Points(PointSelection {
                    version: version as u8,
                    enc_size,
                    rank,
                    points,
                }))
            }
            SEL_HYPERSLABS => {
                let (flags, enc_size, rank, length) = match version {
                    1 => {
                        cur.skip(4)?;
                        let length = cur.u32()?;
                        (0, 4, read_rank(cur)?, Some(length))
                    }
                    2 => {
                        let flags = cur.u8()?;
                        let length = cur.u32()?;
                        (flags, 8, read_rank(cur)?, Some(length))
                    }
                    3 => {
                        let flags = cur.u8()?;
                        let e = read_enc_size(cur)?;
                        (flags, e, read_rank(cur)?, None)
                    }
                    _ => return Err(unsupported()),
                };
                if flags & !FLAG_REGULAR != 0 {
                    return Err(err(
                        ErrorKind::InvalidValue {
                            field: "hyperslab flags",
                            value: u64::from(flags),
                        },
                        version_at + 4,
                    ));
                }
                let shape = if flags & FLAG_REGULAR != 0 {
                    let sentinel = all_ones(enc_size);
                    let mut dims = Vec::with_capacity(rank as usize);
                    for _ in 0..rank {
                        let w = usize::from(enc_size);
                        let start = cur.uint(w)?;
                        let stride = cur.uint(w)?;
                        let count = cur.uint(w)?;
                        let block = cur.uint(w)?;
                        // All ones in the field's width means unlimited.
                        let unl = |v: u64| if v == sentinel { UNLIMITED } else { v };
                        dims.push(RegularDim {
                            start,
                            stride,
                            count: unl(count),
                            block: unl(block),
                        });
                    }
                    if let Some(length) = length {
                        check_length(cur, length, 4 + 32 * u64::from(rank))?;
                    }
                    HyperslabShape::Regular(dims)
                } else {
                    let n = cur.uint(usize::from(enc_size))?;
                    let blocks = read_blocks(cur, n, rank, enc_size)?;
                    if let Some(length) = length {
                        let w = u64::from(enc_size);
                        check_length(cur, length, 4 + w + 2 * w * u64::from(rank) * n)?;
                    }
                    HyperslabShape::Irregular(blocks)
                };
                Ok(Selection::Hyperslab(Hyperslab {
                    version: version as u8,
                    enc_size,
                    rank,
                    shape,
                }))
            }
            t => Err(err(
                ErrorKind::InvalidValue {
                    field: "selection type",
                    value: u64::from(t),
                },
                version_at - 4,
            )),
        }
    }

    /// Encodes the selection with the version and encode size it carries. A regular
    /// hyperslab in version 1 is written as its list of blocks, as the C library does.
    ///
    /// # Errors
    /// `UnsupportedVersion` for an unknown version; `EncodeOverflow` naming the field for an
    /// encode size the version does not allow, a value that does not fit it (a count or block
    /// equal to the all-ones "unlimited" pattern of a narrower field included), a rank over 32
    /// coordinates of the wrong rank (or any in a rank-0 selection) or a block whose end precedes its start; `LimitExceeded` if a version-1 regular hyperslab has
    /// more than 2^32 - 1 blocks.
    pub fn encode(&self, w: &mut Writer) -> Result<()> {
        match self {
            Selection::None | Selection::All => {
                w.u32(if matches!(self, Selection::None) {
                    SEL_NONE
                } else {
                    SEL_ALL
                });
                w.u32(1);
                w.u32(0);
                w.u32(0);
                Ok(())
            }
            Selection::Points(p) => {
                let ok = matches!((p.version, p.enc_size), (1, 4) | (2, 2 | 4 | 8));
                if !ok {
                    return Err(overflow("selection encode size", w));
                }
                if p.rank > MAX_RANK
                    || p.points.iter().any(|c| c.len() != p.rank as usize)
                    || (p.rank == 0 && !p.points.is_empty())
                {
                    return Err(overflow("selection rank", w));
                }
                let width = usize::from(p.enc_size);
                let n = p.points.len() as u64;
                w.u32(SEL_POINTS);
                w.u32(u32::from(p.version));
                if p.version == 1 {
                    let len = 8 + 4 * u64::from(p.rank) * n;
                    w.u32(0);
                    w.uint(len, 4, "selection length")?;
                    w.u32(p.rank);
                } else {
                    w.u8(p.enc_size);
                    w.u32(p.rank);
                }
                w.uint(n, width, "point count")?;
                for c in p.points.iter().flatten() {
                    w.uint(*c, width, "point coordinate")?;
                }
                Ok(())
            }
            Selection::Hyperslab(h) => h.encode(w),
        }
    }
}

impl Hyperslab {
    fn encode(&self, w: &mut Writer) -> Result<()> {
        let ok = matches!(
            (self.version, self.enc_size),
            (1, 4) | (2, 8) | (3, 2 | 4 | 8)
        );
        if !ok {
            return Err(overflow("selection encode size", w));
        }
        if self.rank > MAX_RANK {
            return Err(overflow("selection rank", w));
        }
        let rank = self.rank as usize;
        let width = usize::from(self.enc_size);
        let expanded;
        let shape = match (&self.shape, self.version) {
            (HyperslabShape::Regular(_), 1) => {
                expanded = HyperslabShape::Irregular(self.blocks(u64::from(u32::MAX))?);
                &expanded
            }
            (s, _) => s,
        };
        match shape {
            HyperslabShape::Regular(dims) => {
                if dims.len() != rank {
                    return Err(overflow("selection rank", w));
                }
                w.u32(SEL_HYPERSLABS);
                w.u32(u32::from(self.version));
                w.u8(FLAG_REGULAR);
                if self.version == 2 {
                    w.uint(4 + 32 * rank as u64, 4, "selection length")?;
                } else {
                    w.u8(self.enc_size);
                }
                w.u32(self.rank);
                let sentinel = all_ones(self.enc_size);
                for d in dims {
                    w.uint(d.start, width, "hyperslab start")?;
                    w.uint(d.stride, width, "hyperslab stride")?;
                    for (v, field) in [(d.count, "hyperslab count"), (d.block, "hyperslab block")] {
                        if v == UNLIMITED {
                            w.uint(sentinel, width, field)?;
                        } else if v == sentinel {
                            // Would read back as unlimited.
                            return Err(overflow(field, w));
                        } else {
                            w.uint(v, width, field)?;
                        }
                    }
                }
            }
            HyperslabShape::Irregular(blocks) => {
                if blocks
                    .iter()
                    .any(|b| b.start.len() != rank || b.end.len() != rank)
                    || (rank == 0 && !blocks.is_empty())
                {
                    return Err(overflow("selection rank", w));
                }
                if blocks
                    .iter()
                    .any(|b| b.start.iter().zip(&b.end).any(|(s, e)| e < s))
                {
                    return Err(overflow("hyperslab block end", w));
                }
                let n = blocks.len() as u64;
                let wd = width as u64;
                w.u32(SEL_HYPERSLABS);
                w.u32(u32::from(self.version));
                match self.version {
                    1 => {
                        w.u32(0);
                        w.uint(8 + 8 * rank as u64 * n, 4, "selection length")?;
                    }
                    2 => {
                        w.u8(0);
                        w.uint(4 + wd + 2 * wd * rank as u64 * n, 4, "selection length")?;
                    }
                    _ => {
                        w.u8(0);
                        w.u8(self.enc_size);
                    }
                }
                w.u32(self.rank);
                w.uint(n, width, "hyperslab block count")?;
                for b in blocks {
                    for &c in b.start.iter().chain(&b.end) {
                        w.uint(c, width, "hyperslab block coordinate")?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hx(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn decode(bytes: &[u8]) -> Result<Selection> {
        let mut c = Cursor::new(bytes, 0x1258, "global heap object");
        let s = Selection::decode(&mut c)?;
        assert!(c.is_empty(), "trailing bytes");
        assert_eq!(c.structure(), "global heap object");
        Ok(s)
    }

    fn encode(s: &Selection) -> Vec<u8> {
        let mut w = Writer::new();
        s.encode(&mut w).unwrap();
        w.into_inner()
    }

    fn block(start: &[u64], end: &[u64]) -> Block {
        Block {
            start: start.to_vec(),
            end: end.to_vec(),
        }
    }

    // Byte images written by libhdf5 1.10.8. A /tmp h5cc program wrote two region references
    // (H5Rcreate with H5R_DATASET_REGION) into a default-format file, to a 4x5 dataset; the
    // global heap collection then holds, per reference, the 8-byte dataset address followed by
    // the selection below (objects 1 and 2 of the collection at 0x1230). The other images are
    // the selection part of H5Sencode output for the same dataspace.

    /// Object 1: hyperslab start (1,1) stride (2,3) count (2,1) block (1,2). Version 1 stores
    /// a regular hyperslab as its list of blocks.
    const REGULAR_V1: &str = "02 00 00 00 01 00 00 00 00 00 00 00 28 00 00 00 02 00 00 00
        02 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 01 00 00 00
        03 00 00 00 02 00 00 00";
    /// Object 2: points (0,0), (3,4), (2,1).
    const POINTS_V1: &str = "01 00 00 00 01 00 00 00 00 00 00 00 20 00 00 00 02 00 00 00
        03 00 00 00 00 00 00 00 00 00 00 00 03 00 00 00 04 00 00 00 02 00 00 00 01 00 00 00";
    /// (0,0) block 2x2 OR (2,3) block 1x2 (H5Sencode).
    const IRREGULAR_V1: &str = "02 00 00 00 01 00 00 00 00 00 00 00 28 00 00 00 02 00 00 00
        02 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00
        02 00 00 00 04 00 00 00";
    /// H5Sselect_all, H5Sselect_none (H5Sencode).
    const ALL: &str = "03 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00";
    const NONE: &str = "00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00";

    #[test]
    fn libhdf5_regular_hyperslab_as_blocks() {
        let b = hx(REGULAR_V1);
        let s = decode(&b).unwrap();
        let expected = Hyperslab {
            version: 1,
            enc_size: 4,
            rank: 2,
            shape: HyperslabShape::Irregular(vec![
                block(&[1, 1], &[1, 2]),
                block(&[3, 1], &[3, 2]),
            ]),
        };
        assert_eq!(s, Selection::Hyperslab(expected));
        assert_eq!(encode(&s), b);
        // The same selection given in regular form expands to libhdf5's block list.
        let regular = Hyperslab {
            version: 1,
            enc_size: 4,
            rank: 2,
            shape: HyperslabShape::Regular(vec![
                RegularDim {
                    start: 1,
                    stride: 2,
                    count: 2,
                    block: 1,
                },
                RegularDim {
                    start: 1,
                    stride: 3,
                    count: 1,
                    block: 2,
                },
            ]),
        };
        assert_eq!(encode(&Selection::Hyperslab(regular.clone())), b);
        assert_eq!(
            regular.blocks(10).unwrap(),
            vec![block(&[1, 1], &[1, 2]), block(&[3, 1], &[3, 2])]
        );
        let e = regular.blocks(1).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::LimitExceeded {
                limit: "hyperslab blocks",
                requested: 2,
                allowed: 1
            }
        );
    }

    #[test]
    fn libhdf5_points_irregular_all_none() {
        let b = hx(POINTS_V1);
        let s = decode(&b).unwrap();
        assert_eq!(
            s,
            Selection::Points(PointSelection {
                version: 1,
                enc_size: 4,
                rank: 2,
                points: vec![vec![0, 0], vec![3, 4], vec![2, 1]],
            })
        );
        assert_eq!(
            s,
            Selection::Points(PointSelection::new(
                2,
                vec![vec![0, 0], vec![3, 4], vec![2, 1]]
            ))
        );
        assert_eq!(encode(&s), b);

        let b = hx(IRREGULAR_V1);
        let s = decode(&b).unwrap();
        let h = Hyperslab::irregular(2, vec![block(&[0, 0], &[1, 1]), block(&[2, 3], &[2, 4])]);
        assert_eq!(s, Selection::Hyperslab(h));
        assert_eq!(encode(&s), b);

        assert_eq!(decode(&hx(ALL)).unwrap(), Selection::All);
        assert_eq!(encode(&Selection::All), hx(ALL));
        assert_eq!(decode(&hx(NONE)).unwrap(), Selection::None);
        assert_eq!(encode(&Selection::None), hx(NONE));
    }

    #[test]
    fn spec_built_later_versions() {
        // Hyperslab version 2 (spec VIII.A): flags 1, length 4 + 32 = 36, rank 1, then
        // start 2, stride 3, count unlimited, block 1 as 8-byte values.
        let b = hx("02 00 00 00 02 00 00 00 01 24 00 00 00 01 00 00 00
                    02 00 00 00 00 00 00 00 03 00 00 00 00 00 00 00
                    ff ff ff ff ff ff ff ff 01 00 00 00 00 00 00 00");
        let s = decode(&b).unwrap();
        let Selection::Hyperslab(h) = &s else {
            panic!("not a hyperslab");
        };
        assert_eq!(
            h.shape,
            HyperslabShape::Regular(vec![RegularDim {
                start: 2,
                stride: 3,
                count: UNLIMITED,
                block: 1
            }])
        );
        assert!(h.blocks(100).is_err());
        assert_eq!(encode(&s), b);
        // Version 3 regular with 2-byte values; 0xffff block means unlimited.
        let b = hx("02 00 00 00 03 00 00 00 01 02 01 00 00 00 05 00 01 00 01 00 ff ff");
        let s = decode(&b).unwrap();
        let Selection::Hyperslab(h) = &s else {
            panic!("not a hyperslab");
        };
        assert_eq!(
            h.shape,
            HyperslabShape::Regular(vec![RegularDim {
                start: 5,
                stride: 1,
                count: 1,
                block: UNLIMITED
            }])
        );
        assert_eq!(encode(&s), b);
        // Version 3 irregular with 8-byte values: one block (2^32)-(2^32+1) in rank 1.
        let b = hx(
            "02 00 00 00 03 00 00 00 00 08 01 00 00 00 01 00 00 00 00 00 00 00
                    00 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00",
        );
        let s = decode(&b).unwrap();
        assert_eq!(
            s,
            Selection::Hyperslab(Hyperslab::irregular(
                1,
                vec![block(&[1 << 32], &[(1 << 32) + 1])]
            ))
        );
        assert_eq!(encode(&s), b);
        // Points version 2 with 2-byte values: rank 1, two points 7 and 9.
        let b = hx("01 00 00 00 02 00 00 00 02 01 00 00 00 02 00 07 00 09 00");
        let s = decode(&b).unwrap();
        let Selection::Points(p) = &s else {
            panic!("not points");
        };
        assert_eq!((p.version, p.enc_size), (2, 2));
        assert_eq!(p.points, vec![vec![7], vec![9]]);
        assert_eq!(encode(&s), b);
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let e = decode(&hx("04 00 00 00 01 00 00 00")).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "selection type",
                value: 4
            }
        );
        assert_eq!((e.structure, e.offset), ("dataspace selection", 0x1258));
        let e = decode(&hx("02 00 00 00 04 00 00 00")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnsupportedVersion { version: 4 });
        // A billion points announced in a tiny buffer: refused before allocating.
        let e = decode(&hx("01 00 00 00 02 00 00 00 04 01 00 00 00 00 ca 9a 3b")).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::UnexpectedEof { .. }));
        // Points in a rank-0 selection.
        let e = decode(&hx(
            "01 00 00 00 02 00 00 00 08 00 00 00 00 ff ff ff ff ff ff ff ff",
        ))
        .unwrap_err();
        assert!(matches!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "point count",
                ..
            }
        ));
        // A length field that disagrees with the contents.
        let mut b = hx(POINTS_V1);
        b[12] = 0x24;
        let e = decode(&b).unwrap_err();
        assert!(matches!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "selection length",
                ..
            }
        ));
        // Block end before start.
        let e = decode(&hx(
            "02 00 00 00 03 00 00 00 00 02 01 00 00 00 01 00 05 00 04 00",
        ))
        .unwrap_err();
        assert!(matches!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "hyperslab block end",
                ..
            }
        ));
        // Unknown encode size.
        let e = decode(&hx("02 00 00 00 03 00 00 00 01 03 01 00 00 00")).unwrap_err();
        assert!(matches!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "selection encode size",
                ..
            }
        ));
        // A count that would read back as unlimited cannot be written in 2 bytes.
        let h = Hyperslab {
            version: 3,
            enc_size: 2,
            rank: 1,
            shape: HyperslabShape::Regular(vec![RegularDim {
                start: 0,
                stride: 1,
                count: 0xffff,
                block: 1,
            }]),
        };
        assert!(Selection::Hyperslab(h).encode(&mut Writer::new()).is_err());
    }

    fn width_max(enc: u8) -> u64 {
        all_ones(enc) - 1
    }

    fn coords(rank: u32, max: u64, n: usize) -> impl Strategy<Value = Vec<Vec<u64>>> {
        prop::collection::vec(prop::collection::vec(0..=max, rank as usize), n)
    }

    fn selection() -> impl Strategy<Value = Selection> {
        let points = prop_oneof![Just((1u8, 4u8)), Just((2, 2)), Just((2, 4)), Just((2, 8))]
            .prop_flat_map(|(version, enc)| {
                (1u32..=4, 0usize..6).prop_flat_map(move |(rank, n)| {
                    coords(rank, width_max(enc), n).prop_map(move |points| {
                        Selection::Points(PointSelection {
                            version,
                            enc_size: enc,
                            rank,
                            points,
                        })
                    })
                })
            });
        let hyper = prop_oneof![
            Just((1u8, 4u8, false)),
            Just((2, 8, true)),
            Just((2, 8, false)),
            Just((3, 2, true)),
            Just((3, 4, false)),
            Just((3, 8, true)),
            Just((3, 2, false)),
        ]
        .prop_flat_map(|(version, enc, regular)| {
            let max = width_max(enc);
            (1u32..=4, 0usize..5).prop_flat_map(move |(rank, n)| {
                let dim = (0..=max, 0..=max, 0..=max, 0..=max, any::<[bool; 2]>()).prop_map(
                    |(start, stride, count, block, unl)| RegularDim {
                        start,
                        stride,
                        count: if unl[0] { UNLIMITED } else { count },
                        block: if unl[1] { UNLIMITED } else { block },
                    },
                );
                let shape = if regular {
                    prop::collection::vec(dim, rank as usize)
                        .prop_map(HyperslabShape::Regular)
                        .boxed()
                } else {
                    prop::collection::vec(
                        prop::collection::vec((0..=max / 2, 0..=max / 2), rank as usize),
                        n,
                    )
                    .prop_map(|blocks| {
                        HyperslabShape::Irregular(
                            blocks
                                .into_iter()
                                .map(|b| Block {
                                    start: b.iter().map(|p| p.0).collect(),
                                    end: b.iter().map(|p| p.0 + p.1).collect(),
                                })
                                .collect(),
                        )
                    })
                    .boxed()
                };
                shape.prop_map(move |shape| {
                    Selection::Hyperslab(Hyperslab {
                        version,
                        enc_size: enc,
                        rank,
                        shape,
                    })
                })
            })
        });
        prop_oneof![Just(Selection::None), Just(Selection::All), points, hyper]
    }

    proptest! {
        #[test]
        fn round_trip(s in selection()) {
            let bytes = encode(&s);
            let back = decode(&bytes).unwrap();
            prop_assert_eq!(&back, &s);
            prop_assert_eq!(encode(&back), bytes);
        }

        #[test]
        fn regular_blocks_cover_the_selection(
            dims in prop::collection::vec((0u64..10, 1u64..4, 0u64..4, 1u64..4), 1..4)
        ) {
            let h = Hyperslab::regular(
                dims.iter()
                    .map(|&(start, stride, count, block)| RegularDim { start, stride, count, block })
                    .collect(),
            );
            let blocks = h.blocks(1000).unwrap();
            prop_assert_eq!(blocks.len() as u64, dims.iter().map(|d| d.2).product::<u64>());
            for b in &blocks {
                for (k, d) in dims.iter().enumerate() {
                    let off = b.start[k] - d.0;
                    prop_assert_eq!(off % d.1, 0);
                    prop_assert!(off / d.1 < d.2);
                    prop_assert_eq!(b.end[k] - b.start[k] + 1, d.3);
                }
            }
            // Blocks are listed with the last dimension varying fastest.
            let mut sorted = blocks.clone();
            sorted.sort_by(|a, b| a.start.cmp(&b.start));
            prop_assert_eq!(sorted, blocks);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
            let mut c = Cursor::new(&bytes, 0, "t");
            if let Ok(s) = Selection::decode(&mut c) {
                let _ = s.encode(&mut Writer::new());
            }
        }
    }
}
