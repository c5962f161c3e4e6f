//! The Extensible Array chunk index (spec VII.D): header "EAHD", index block "EAIB",
//! secondary (super) blocks "EASB", data blocks "EADB" and data block pages.
//!
//! Elements are numbered from 0. The first `index_block_elements` live in the index block;
//! the rest are grouped into super blocks `s = 0, 1, ...`, where super block `s` has
//! `2^(s/2)` data blocks of `2^((s+1)/2) * data_block_min_elements` elements each. The data
//! block addresses of the first `2 * log2(secondary_block_min_data_ptrs)` super blocks are
//! kept in the index block itself; later super blocks are separate "EASB" blocks. Data blocks
//! larger than a page (`2^max_data_block_page_nelmts_bits` elements) are split into pages
//! that follow the data block's prefix, each with its own checksum, tracked by a bitmap in
//! the super block.

use alloc::vec::Vec;

use crate::chunk_index::fixed_array::{decode_entry, encode_entry, read_block, verify_checksum};
use crate::chunk_index::ChunkEntry;
use crate::context::{Context, UNDEFINED_ADDRESS};
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::limits::Limits;
use crate::source::ReadAt;

const HEADER: &str = "extensible array header";
const INDEX: &str = "extensible array index block";
const SUPER: &str = "extensible array secondary block";
const DATA: &str = "extensible array data block";
const PAGE: &str = "extensible array data block page";

/// The Extensible Array header, "EAHD" (spec VII.D).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensibleArrayHeader {
    /// 0 unfiltered chunks, 1 filtered chunks.
    pub client_id: u8,
    /// Bytes of one element.
    pub element_size: u8,
    /// log2 of the maximum number of elements.
    pub max_nelmts_bits: u8,
    /// Elements stored in the index block itself.
    pub index_block_elements: u8,
    /// Elements in the smallest data block (a power of two).
    pub data_block_min_elements: u8,
    /// Data block pointers in the smallest secondary block (a power of two, at least 2).
    pub secondary_block_min_data_ptrs: u8,
    /// log2 of the elements in one data block page.
    pub max_data_block_page_nelmts_bits: u8,
    /// Secondary blocks created (statistics).
    pub num_secondary_blocks: u64,
    /// Bytes of secondary blocks created (statistics).
    pub secondary_block_size: u64,
    /// Data blocks created (statistics).
    pub num_data_blocks: u64,
    /// Bytes of data blocks created (statistics).
    pub data_block_size: u64,
    /// One more than the highest element index ever set.
    pub max_index_set: u64,
    /// Elements realized (statistics).
    pub num_elements: u64,
    /// Address of the index block; undefined until the first element is set.
    pub index_block_address: u64,
}

/// Where the elements of super block `s` live (computed from the header, as libhdf5 does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SuperBlockInfo {
    data_blocks: u64,
    data_block_elements: u64,
    start_index: u64,
    start_data_block: u64,
}

impl ExtensibleArrayHeader {
    /// Encoded size in bytes.
    pub fn encoded_len(ctx: &Context) -> usize {
        4 + 2 + 6 + 6 * ctx.sizeof_lengths() + ctx.sizeof_offsets() + 4
    }

    /// Decodes a header, verifying its checksum first, and validates the creation
    /// parameters that size every other block.
    ///
    /// # Errors
    /// Bad signature, version or checksum; parameters that are not powers of two or out of
    /// range.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let mut c = cur.split(Self::encoded_len(ctx))?.named(HEADER);
        verify_checksum(&c)?;
        c.signature(b"EAHD")?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.error(ErrorKind::UnsupportedVersion { version }));
        }
        let client_id = c.u8()?;
        let h = ExtensibleArrayHeader {
            client_id,
            element_size: c.u8()?,
            max_nelmts_bits: c.u8()?,
            index_block_elements: c.u8()?,
            data_block_min_elements: c.u8()?,
            secondary_block_min_data_ptrs: c.u8()?,
            max_data_block_page_nelmts_bits: c.u8()?,
            num_secondary_blocks: c.length_field(ctx)?,
            secondary_block_size: c.length_field(ctx)?,
            num_data_blocks: c.length_field(ctx)?,
            data_block_size: c.length_field(ctx)?,
            max_index_set: c.length_field(ctx)?,
            num_elements: c.length_field(ctx)?,
            index_block_address: c.offset_field(ctx)?,
        };
        h.validate(ctx)
            .map_err(|(field, value)| c.invalid(field, value, 0).in_structure(HEADER))?;
        Ok(h)
    }

    fn validate(&self, ctx: &Context) -> core::result::Result<(), (&'static str, u64)> {
        let min_entry = if self.client_id == 1 {
            ctx.sizeof_offsets() + 5
        } else {
            ctx.sizeof_offsets()
        };
        if self.client_id > 1 {
            return Err(("client ID", u64::from(self.client_id)));
        }
        let es = usize::from(self.element_size);
        if es < min_entry || es > min_entry + 8 {
            return Err(("element size", es as u64));
        }
        let dmin = self.data_block_min_elements;
        if dmin == 0 || !dmin.is_power_of_two() {
            return Err(("data block min elements", u64::from(dmin)));
        }
        let smin = self.secondary_block_min_data_ptrs;
        if smin < 2 || !smin.is_power_of_two() {
            return Err(("secondary block min data pointers", u64::from(smin)));
        }
        if self.max_nelmts_bits > 64 || u32::from(self.max_nelmts_bits) < dmin.trailing_zeros() {
            return Err(("max elements bits", u64::from(self.max_nelmts_bits)));
        }
        if self.max_data_block_page_nelmts_bits >= 64 {
            return Err((
                "max data block page elements bits",
                u64::from(self.max_data_block_page_nelmts_bits),
            ));
        }
        if u32::from(self.index_super_blocks()) > self.super_blocks() {
            return Err(("secondary block min data pointers", u64::from(smin)));
        }
        Ok(())
    }

    /// Encodes the header with its checksum.
    ///
    /// # Errors
    /// A field does not fit.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        let start = w.len();
        w.bytes(b"EAHD");
        w.u8(0);
        w.u8(self.client_id);
        w.u8(self.element_size);
        w.u8(self.max_nelmts_bits);
        w.u8(self.index_block_elements);
        w.u8(self.data_block_min_elements);
        w.u8(self.secondary_block_min_data_ptrs);
        w.u8(self.max_data_block_page_nelmts_bits);
        for v in [
            self.num_secondary_blocks,
            self.secondary_block_size,
            self.num_data_blocks,
            self.data_block_size,
            self.max_index_set,
            self.num_elements,
        ] {
            w.length_field(v, ctx)?;
        }
        w.offset_field(self.index_block_address, ctx)?;
        w.checksum_from(start);
        Ok(())
    }

    /// Number of super blocks the array can have.
    fn super_blocks(&self) -> u32 {
        1 + u32::from(self.max_nelmts_bits) - self.data_block_min_elements.trailing_zeros()
    }

    /// Super blocks whose data block addresses live in the index block.
    fn index_super_blocks(&self) -> u8 {
        (2 * self.secondary_block_min_data_ptrs.trailing_zeros()) as u8
    }

    /// Data block addresses stored in the index block.
    fn index_data_block_addrs(&self) -> usize {
        2 * (usize::from(self.secondary_block_min_data_ptrs) - 1)
    }

    /// Super block addresses stored in the index block.
    fn index_super_block_addrs(&self) -> usize {
        (self.super_blocks() - u32::from(self.index_super_blocks())) as usize
    }

    /// Bytes of a block offset field.
    fn array_offset_size(&self) -> usize {
        usize::from(self.max_nelmts_bits).div_ceil(8)
    }

    fn page_elements(&self) -> u64 {
        1u64 << self.max_data_block_page_nelmts_bits
    }

    fn super_block_info(&self, s: u32) -> SuperBlockInfo {
        // Closed forms of libhdf5's running sums: super blocks come in pairs of equal data
        // block counts, the second of each pair with data blocks twice as large.
        let dmin = u64::from(self.data_block_min_elements);
        let mut info = SuperBlockInfo {
            data_blocks: 1,
            data_block_elements: dmin,
            start_index: 0,
            start_data_block: 0,
        };
        for u in 0..=s {
            let nd = 1u64.checked_shl(u / 2).unwrap_or(0);
            let ne = (1u64.checked_shl(u.div_ceil(2)).unwrap_or(0)).saturating_mul(dmin);
            if u == s {
                info.data_blocks = nd;
                info.data_block_elements = ne;
                break;
            }
            info.start_index = info.start_index.saturating_add(nd.saturating_mul(ne));
            info.start_data_block = info.start_data_block.saturating_add(nd);
        }
        info
    }

    /// The super block holding element `idx` (which must be past the index block's own
    /// elements), and the element's offset within that super block.
    fn locate(&self, idx: u64) -> (u32, u64) {
        let rel = idx - u64::from(self.index_block_elements);
        let s = 63 - ((rel / u64::from(self.data_block_min_elements)) + 1).leading_zeros();
        let info = self.super_block_info(s);
        (s, rel - info.start_index)
    }

    fn data_block_prefix_len(&self, ctx: &Context) -> usize {
        4 + 2 + ctx.sizeof_offsets() + self.array_offset_size() + 4
    }
}

/// Reads the header at `address`.
///
/// # Errors
/// The header is out of range or malformed.
pub fn read_header<S: ReadAt + ?Sized>(
    src: &S,
    address: u64,
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<ExtensibleArrayHeader, S::Error> {
    let len = ExtensibleArrayHeader::encoded_len(ctx) as u64;
    let bytes = read_block(src, address, len, limits, HEADER)?;
    Ok(ExtensibleArrayHeader::decode(
        &mut Cursor::new(&bytes, address, HEADER),
        ctx,
    )?)
}

fn block_prefix(c: &mut Cursor<'_>, sig: &'static [u8], hdr: &ExtensibleArrayHeader) -> Result<()> {
    c.signature(sig)?;
    let version = c.u8()?;
    if version != 0 {
        return Err(c.error(ErrorKind::UnsupportedVersion { version }));
    }
    let client = c.u8()?;
    if client != hdr.client_id {
        return Err(c.invalid("client ID", u64::from(client), 1));
    }
    Ok(())
}

/// The decoded index block: its own elements and the addresses it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexBlock {
    /// The elements stored in the index block.
    pub elements: Vec<ChunkEntry>,
    /// Data block addresses of the first super blocks.
    pub data_block_addresses: Vec<u64>,
    /// Addresses of the later super blocks.
    pub super_block_addresses: Vec<u64>,
}

impl IndexBlock {
    /// Encoded size for `hdr`.
    pub fn encoded_len(hdr: &ExtensibleArrayHeader, ctx: &Context) -> usize {
        4 + 2
            + ctx.sizeof_offsets()
            + usize::from(hdr.index_block_elements) * usize::from(hdr.element_size)
            + (hdr.index_data_block_addrs() + hdr.index_super_block_addrs()) * ctx.sizeof_offsets()
            + 4
    }

    /// Decodes an index block (checksum first).
    ///
    /// # Errors
    /// Malformed block.
    pub fn decode(c: &mut Cursor<'_>, hdr: &ExtensibleArrayHeader, ctx: &Context) -> Result<Self> {
        let mut c = c.split(Self::encoded_len(hdr, ctx))?.named(INDEX);
        verify_checksum(&c)?;
        block_prefix(&mut c, b"EAIB", hdr)?;
        let _header_address = c.offset_field(ctx)?;
        let es = usize::from(hdr.element_size);
        let mut elements = Vec::with_capacity(usize::from(hdr.index_block_elements));
        for _ in 0..hdr.index_block_elements {
            let mut e = c.split(es)?;
            elements.push(decode_entry(&mut e, hdr.client_id, es, ctx)?);
        }
        let mut data_block_addresses = Vec::with_capacity(hdr.index_data_block_addrs());
        for _ in 0..hdr.index_data_block_addrs() {
            data_block_addresses.push(c.offset_field(ctx)?);
        }
        let mut super_block_addresses = Vec::with_capacity(hdr.index_super_block_addrs());
        for _ in 0..hdr.index_super_block_addrs() {
            super_block_addresses.push(c.offset_field(ctx)?);
        }
        Ok(IndexBlock {
            elements,
            data_block_addresses,
            super_block_addresses,
        })
    }

    /// Encodes the index block with its checksum.
    ///
    /// # Errors
    /// Counts that do not match `hdr`, or a field that does not fit.
    pub fn encode(
        &self,
        w: &mut Writer,
        hdr: &ExtensibleArrayHeader,
        header_address: u64,
        ctx: &Context,
    ) -> Result<()> {
        if self.elements.len() != usize::from(hdr.index_block_elements)
            || self.data_block_addresses.len() != hdr.index_data_block_addrs()
            || self.super_block_addresses.len() != hdr.index_super_block_addrs()
        {
            return Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "index block counts",
                    value: self.elements.len() as u64,
                },
                INDEX,
                0,
            ));
        }
        let start = w.len();
        w.bytes(b"EAIB");
        w.u8(0);
        w.u8(hdr.client_id);
        w.offset_field(header_address, ctx)?;
        for e in &self.elements {
            encode_entry(w, e, hdr.client_id, usize::from(hdr.element_size), ctx)?;
        }
        for &a in self
            .data_block_addresses
            .iter()
            .chain(&self.super_block_addresses)
        {
            w.offset_field(a, ctx)?;
        }
        w.checksum_from(start);
        Ok(())
    }
}

/// A decoded secondary (super) block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuperBlock {
    /// Offset of the super block's first element in the array (past the index block).
    pub block_offset: u64,
    /// Page-initialized bitmap, `page_init_len` bytes per data block (empty if unpaged).
    pub page_bitmap: Vec<u8>,
    /// Addresses of its data blocks.
    pub data_block_addresses: Vec<u64>,
}

/// Paging of the data blocks of super block `s`: (pages per data block, bitmap bytes per
/// data block); (0, 0) when not paged.
fn paging(hdr: &ExtensibleArrayHeader, info: &SuperBlockInfo) -> (u64, usize) {
    if info.data_block_elements > hdr.page_elements() {
        let pages = info.data_block_elements / hdr.page_elements();
        (pages, pages.div_ceil(8) as usize)
    } else {
        (0, 0)
    }
}

impl SuperBlock {
    fn encoded_len(hdr: &ExtensibleArrayHeader, info: &SuperBlockInfo, ctx: &Context) -> u64 {
        let (_, init) = paging(hdr, info);
        let per_block = init as u64 + ctx.sizeof_offsets() as u64;
        (4 + 2 + ctx.sizeof_offsets() + hdr.array_offset_size() + 4) as u64
            + info.data_blocks.saturating_mul(per_block)
    }

    fn decode(
        c: &mut Cursor<'_>,
        hdr: &ExtensibleArrayHeader,
        info: &SuperBlockInfo,
        ctx: &Context,
    ) -> Result<Self> {
        verify_checksum(c)?;
        block_prefix(c, b"EASB", hdr)?;
        let _header_address = c.offset_field(ctx)?;
        let block_offset = c.uint(hdr.array_offset_size())?;
        let (_, init) = paging(hdr, info);
        let n = info.data_blocks as usize;
        let page_bitmap = c.bytes(init * n)?.to_vec();
        let mut data_block_addresses = Vec::with_capacity(n);
        for _ in 0..n {
            data_block_addresses.push(c.offset_field(ctx)?);
        }
        Ok(SuperBlock {
            block_offset,
            page_bitmap,
            data_block_addresses,
        })
    }
}

fn bit(bitmap: &[u8], i: u64) -> bool {
    bitmap
        .get((i / 8) as usize)
        .is_some_and(|b| b & (0x80 >> (i % 8)) != 0)
}

/// Appends the `n` elements of the data block at `addr` (paged per `pages`, with page-init
/// bits starting at `init_bit` of `bitmap`) to `out`.
#[allow(clippy::too_many_arguments)]
fn read_data_block<S: ReadAt + ?Sized>(
    src: &S,
    hdr: &ExtensibleArrayHeader,
    addr: u64,
    n: u64,
    pages: u64,
    bitmap: &[u8],
    init_bit: u64,
    ctx: &Context,
    limits: &Limits,
    out: &mut Vec<ChunkEntry>,
) -> core::result::Result<(), S::Error> {
    let es = usize::from(hdr.element_size);
    let prefix = hdr.data_block_prefix_len(ctx) as u64;
    let unset = ChunkEntry {
        address: UNDEFINED_ADDRESS,
        size: None,
        filter_mask: 0,
    };
    if addr == UNDEFINED_ADDRESS {
        out.extend(core::iter::repeat_n(unset, n as usize));
        return Ok(());
    }
    let body = if pages == 0 { n * es as u64 } else { 0 };
    let block = read_block(src, addr, prefix + body, limits, DATA)?;
    let mut c = Cursor::new(&block, addr, DATA);
    verify_checksum(&c)?;
    block_prefix(&mut c, b"EADB", hdr)?;
    let _header_address = c.offset_field(ctx)?;
    let _block_offset = c.uint(hdr.array_offset_size())?;
    if pages == 0 {
        for _ in 0..n {
            let mut e = c.split(es)?;
            out.push(decode_entry(&mut e, hdr.client_id, es, ctx)?);
        }
        return Ok(());
    }
    let pn = hdr.page_elements();
    let page_len = pn * es as u64 + 4;
    for p in 0..pages {
        if !bit(bitmap, init_bit + p) {
            out.extend(core::iter::repeat_n(unset, pn as usize));
            continue;
        }
        let paddr = addr + prefix + p * page_len;
        let page = read_block(src, paddr, page_len, limits, PAGE)?;
        let mut pc = Cursor::new(&page, paddr, PAGE);
        verify_checksum(&pc)?;
        for _ in 0..pn {
            let mut e = pc.split(es)?;
            out.push(decode_entry(&mut e, hdr.client_id, es, ctx)?);
        }
    }
    Ok(())
}

/// Every element of the array up to `max_index_set`, in order (elements in blocks never
/// allocated read as unset: undefined address).
///
/// # Errors
/// A block is out of range, malformed, or fails its checksum; the array exceeds a limit.
pub fn read_entries<S: ReadAt + ?Sized>(
    src: &S,
    hdr: &ExtensibleArrayHeader,
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<Vec<ChunkEntry>, S::Error> {
    if hdr.index_block_address == UNDEFINED_ADDRESS || hdr.max_index_set == 0 {
        return Ok(Vec::new());
    }
    let total = hdr.max_index_set;
    let cost = total.saturating_mul(core::mem::size_of::<ChunkEntry>() as u64);
    limits.structure_size(cost, HEADER, hdr.index_block_address)?;
    if hdr.max_nelmts_bits < 64 && total > 1u64 << hdr.max_nelmts_bits {
        return Err(FormatError::new(
            ErrorKind::InvalidValue {
                field: "max index set",
                value: total,
            },
            HEADER,
            hdr.index_block_address,
        )
        .into());
    }
    let ilen = IndexBlock::encoded_len(hdr, ctx) as u64;
    let ibytes = read_block(src, hdr.index_block_address, ilen, limits, INDEX)?;
    let iblock = IndexBlock::decode(
        &mut Cursor::new(&ibytes, hdr.index_block_address, INDEX),
        hdr,
        ctx,
    )?;
    let mut out: Vec<ChunkEntry> = Vec::with_capacity(total as usize);
    out.extend(iblock.elements.iter().copied());
    let mut s = 0u32;
    while (out.len() as u64) < total && s < hdr.super_blocks() {
        let info = hdr.super_block_info(s);
        let (pages, _) = paging(hdr, &info);
        if s < u32::from(hdr.index_super_blocks()) {
            if pages != 0 {
                return Err(FormatError::new(
                    ErrorKind::Unsupported {
                        what: "paged data block referenced from the index block",
                    },
                    INDEX,
                    hdr.index_block_address,
                )
                .into());
            }
            for d in 0..info.data_blocks {
                if out.len() as u64 >= total {
                    break;
                }
                let addr = iblock
                    .data_block_addresses
                    .get((info.start_data_block + d) as usize)
                    .copied()
                    .unwrap_or(UNDEFINED_ADDRESS);
                let n = info.data_block_elements;
                read_data_block(src, hdr, addr, n, 0, &[], 0, ctx, limits, &mut out)?;
            }
        } else {
            let k = (s - u32::from(hdr.index_super_blocks())) as usize;
            let saddr = iblock
                .super_block_addresses
                .get(k)
                .copied()
                .unwrap_or(UNDEFINED_ADDRESS);
            let n_elems = info.data_blocks.saturating_mul(info.data_block_elements);
            if saddr == UNDEFINED_ADDRESS {
                let unset = ChunkEntry {
                    address: UNDEFINED_ADDRESS,
                    size: None,
                    filter_mask: 0,
                };
                let n = n_elems.min(total - out.len() as u64);
                out.extend(core::iter::repeat_n(unset, n as usize));
            } else {
                let slen = SuperBlock::encoded_len(hdr, &info, ctx);
                let sbytes = read_block(src, saddr, slen, limits, SUPER)?;
                let sblock =
                    SuperBlock::decode(&mut Cursor::new(&sbytes, saddr, SUPER), hdr, &info, ctx)?;
                for (d, &addr) in sblock.data_block_addresses.iter().enumerate() {
                    if out.len() as u64 >= total {
                        break;
                    }
                    let n = info.data_block_elements;
                    let first_bit = d as u64 * pages;
                    read_data_block(
                        src,
                        hdr,
                        addr,
                        n,
                        pages,
                        &sblock.page_bitmap,
                        first_bit,
                        ctx,
                        limits,
                        &mut out,
                    )?;
                }
            }
        }
        s += 1;
    }
    out.truncate(total as usize);
    Ok(out)
}

/// The element at index `idx`, reading only the blocks on its path; `Ok(None)` if it was
/// never set.
///
/// # Errors
/// A block on the path is malformed.
pub fn lookup<S: ReadAt + ?Sized>(
    src: &S,
    hdr: &ExtensibleArrayHeader,
    idx: u64,
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<Option<ChunkEntry>, S::Error> {
    if hdr.index_block_address == UNDEFINED_ADDRESS || idx >= hdr.max_index_set {
        return Ok(None);
    }
    let ilen = IndexBlock::encoded_len(hdr, ctx) as u64;
    let ibytes = read_block(src, hdr.index_block_address, ilen, limits, INDEX)?;
    let iblock = IndexBlock::decode(
        &mut Cursor::new(&ibytes, hdr.index_block_address, INDEX),
        hdr,
        ctx,
    )?;
    let found = if idx < u64::from(hdr.index_block_elements) {
        iblock.elements.get(idx as usize).copied()
    } else {
        let (s, within) = hdr.locate(idx);
        if s >= hdr.super_blocks() {
            return Ok(None);
        }
        let info = hdr.super_block_info(s);
        let d = within / info.data_block_elements;
        let off = within % info.data_block_elements;
        let mut out = Vec::new();
        if s < u32::from(hdr.index_super_blocks()) {
            let addr = iblock
                .data_block_addresses
                .get((info.start_data_block + d) as usize)
                .copied()
                .unwrap_or(UNDEFINED_ADDRESS);
            read_data_block(
                src,
                hdr,
                addr,
                info.data_block_elements,
                0,
                &[],
                0,
                ctx,
                limits,
                &mut out,
            )?;
        } else {
            let k = (s - u32::from(hdr.index_super_blocks())) as usize;
            let saddr = iblock
                .super_block_addresses
                .get(k)
                .copied()
                .unwrap_or(UNDEFINED_ADDRESS);
            if saddr == UNDEFINED_ADDRESS {
                return Ok(None);
            }
            let slen = SuperBlock::encoded_len(hdr, &info, ctx);
            let sbytes = read_block(src, saddr, slen, limits, SUPER)?;
            let sblock =
                SuperBlock::decode(&mut Cursor::new(&sbytes, saddr, SUPER), hdr, &info, ctx)?;
            let (pages, _) = paging(hdr, &info);
            let addr = sblock
                .data_block_addresses
                .get(d as usize)
                .copied()
                .unwrap_or(UNDEFINED_ADDRESS);
            read_data_block(
                src,
                hdr,
                addr,
                info.data_block_elements,
                pages,
                &sblock.page_bitmap,
                d * pages,
                ctx,
                limits,
                &mut out,
            )?;
        }
        out.get(off as usize).copied()
    };
    Ok(found.filter(|e| e.address != UNDEFINED_ADDRESS))
}

/// Encodes an unpaged data block of `entries` whose first element has array offset
/// `block_offset` (past the index block's elements).
///
/// # Errors
/// A field does not fit.
pub fn encode_data_block(
    hdr: &ExtensibleArrayHeader,
    header_address: u64,
    block_offset: u64,
    entries: &[ChunkEntry],
    ctx: &Context,
) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    w.bytes(b"EADB");
    w.u8(0);
    w.u8(hdr.client_id);
    w.offset_field(header_address, ctx)?;
    w.uint(block_offset, hdr.array_offset_size(), "block offset")?;
    for e in entries {
        encode_entry(&mut w, e, hdr.client_id, usize::from(hdr.element_size), ctx)?;
    }
    w.checksum_from(0);
    Ok(w.into_inner())
}

/// Encodes a secondary block of super block `s` (unpaged data blocks: empty bitmap).
///
/// # Errors
/// A field does not fit.
pub fn encode_super_block(
    hdr: &ExtensibleArrayHeader,
    header_address: u64,
    block_offset: u64,
    page_bitmap: &[u8],
    data_block_addresses: &[u64],
    ctx: &Context,
) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    w.bytes(b"EASB");
    w.u8(0);
    w.u8(hdr.client_id);
    w.offset_field(header_address, ctx)?;
    w.uint(block_offset, hdr.array_offset_size(), "block offset")?;
    w.bytes(page_bitmap);
    for &a in data_block_addresses {
        w.offset_field(a, ctx)?;
    }
    w.checksum_from(0);
    Ok(w.into_inner())
}

/// Encodes one page of a paged data block: `entries` then their checksum.
///
/// # Errors
/// A field does not fit.
pub fn encode_data_block_page(
    hdr: &ExtensibleArrayHeader,
    entries: &[ChunkEntry],
    ctx: &Context,
) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    for e in entries {
        encode_entry(&mut w, e, hdr.client_id, usize::from(hdr.element_size), ctx)?;
    }
    w.checksum_from(0);
    Ok(w.into_inner())
}

/// A whole array laid out as one contiguous image: header at the image's start, then the
/// index block, then each secondary block followed by its data blocks (data blocks of the
/// index block's own super blocks follow the index block).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedArray {
    /// The header written at the image's start, statistics filled in.
    pub header: ExtensibleArrayHeader,
    /// The bytes to write at the base address.
    pub image: Vec<u8>,
}

fn overflow(field: &'static str) -> FormatError {
    FormatError::new(ErrorKind::EncodeOverflow { field }, HEADER, 0)
}

/// Where one data block of a planned array goes.
struct PlannedDataBlock {
    /// Element index (past the index block) of its first element.
    block_offset: u64,
    /// Image offset, or `None` when none of its elements is set (not allocated).
    at: Option<u64>,
}

/// Builds the array holding `entries` (element `i` is chunk number `i`; unset entries have
/// the undefined address) at file address `base_address`, allocating only the blocks that
/// hold a set element, as libhdf5 creates them on the first element set in them: data
/// blocks, secondary blocks and data block pages (spec VII.D). The header's creation
/// parameters come from `params`; its statistics and index block address are computed.
/// With no set element the image is the header alone (no index block).
///
/// # Errors
/// `InvalidValue` for bad creation parameters or more entries than the array can hold;
/// `EncodeOverflow` if a value does not fit its field.
///
/// # Example
/// ```
/// use h5oxide_format::chunk_index::extensible_array::{
///     encode_array, read_entries, read_header, ExtensibleArrayHeader,
/// };
/// use h5oxide_format::chunk_index::ChunkEntry;
/// use h5oxide_format::{Context, Limits, UNDEFINED_ADDRESS};
///
/// let ctx = Context::DEFAULT;
/// // libhdf5's parameters for unfiltered chunk indexes.
/// let params = ExtensibleArrayHeader {
///     client_id: 0,
///     element_size: 8,
///     max_nelmts_bits: 32,
///     index_block_elements: 4,
///     data_block_min_elements: 16,
///     secondary_block_min_data_ptrs: 4,
///     max_data_block_page_nelmts_bits: 10,
///     num_secondary_blocks: 0,
///     secondary_block_size: 0,
///     num_data_blocks: 0,
///     data_block_size: 0,
///     max_index_set: 0,
///     num_elements: 0,
///     index_block_address: UNDEFINED_ADDRESS,
/// };
/// let entries: Vec<ChunkEntry> = (0..300)
///     .map(|i| ChunkEntry { address: 4096 + 64 * i, size: None, filter_mask: 0 })
///     .collect();
/// let a = encode_array(&params, &entries, 0, &ctx)?;
/// assert_eq!(a.header.max_index_set, 300);
/// let hdr = read_header(&a.image[..], 0, &ctx, &Limits::DEFAULT)?;
/// assert_eq!(read_entries(&a.image[..], &hdr, &ctx, &Limits::DEFAULT)?, entries);
/// # Ok::<(), h5oxide_format::FormatError>(())
/// ```
pub fn encode_array(
    params: &ExtensibleArrayHeader,
    entries: &[ChunkEntry],
    base_address: u64,
    ctx: &Context,
) -> Result<EncodedArray> {
    let mut hdr = ExtensibleArrayHeader {
        num_secondary_blocks: 0,
        secondary_block_size: 0,
        num_data_blocks: 0,
        data_block_size: 0,
        max_index_set: 0,
        num_elements: 0,
        index_block_address: UNDEFINED_ADDRESS,
        ..*params
    };
    hdr.validate(ctx).map_err(|(field, value)| {
        FormatError::new(ErrorKind::InvalidValue { field, value }, HEADER, 0)
    })?;
    // The index block lists data block addresses without page bitmaps: those data blocks
    // must fit one page.
    if let Some(last) = u32::from(hdr.index_super_blocks()).checked_sub(1) {
        if paging(&hdr, &hdr.super_block_info(last)).0 != 0 {
            return Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "max data block page elements bits",
                    value: u64::from(hdr.max_data_block_page_nelmts_bits),
                },
                HEADER,
                0,
            ));
        }
    }
    let is_set = |e: &ChunkEntry| e.address != UNDEFINED_ADDRESS;
    let used = entries.iter().rposition(is_set).map_or(0, |i| i + 1);
    let used64 = used as u64;
    if hdr.max_nelmts_bits < 64 && used64 > 1u64 << hdr.max_nelmts_bits {
        return Err(FormatError::new(
            ErrorKind::InvalidValue {
                field: "number of elements",
                value: used64,
            },
            HEADER,
            0,
        ));
    }
    let entries = &entries[..used];
    let hlen = ExtensibleArrayHeader::encoded_len(ctx);
    if used == 0 {
        let mut w = Writer::new();
        hdr.encode(&mut w, ctx)?;
        return Ok(EncodedArray {
            header: hdr,
            image: w.into_inner(),
        });
    }
    let es = u64::from(hdr.element_size);
    let unset = ChunkEntry {
        address: UNDEFINED_ADDRESS,
        size: None,
        filter_mask: 0,
    };
    let ib_elems = usize::from(hdr.index_block_elements);
    let elem = |i: u64| -> ChunkEntry {
        usize::try_from(i)
            .ok()
            .and_then(|i| entries.get(i))
            .copied()
            .unwrap_or(unset)
    };
    let any_set = |from: u64, n: u64| -> bool {
        let lo = usize::try_from(from).unwrap_or(usize::MAX).min(used);
        let hi = usize::try_from(from.saturating_add(n))
            .unwrap_or(usize::MAX)
            .min(used);
        entries[lo..hi].iter().any(is_set)
    };
    let prefix = hdr.data_block_prefix_len(ctx) as u64;
    let page_len = hdr.page_elements() * es + 4;
    // Pass 1: plan every block's place in the image.
    let ilen = IndexBlock::encoded_len(&hdr, ctx) as u64;
    let mut next = hlen as u64 + ilen;
    let mut supers: Vec<(u32, SuperBlockInfo, Option<u64>, Vec<PlannedDataBlock>)> = Vec::new();
    let first = u64::from(hdr.index_block_elements);
    let mut s = 0u32;
    while s < hdr.super_blocks() {
        let info = hdr.super_block_info(s);
        let start = first.saturating_add(info.start_index);
        if start >= used64 {
            break;
        }
        let (pages, _) = paging(&hdr, &info);
        let in_index = s < u32::from(hdr.index_super_blocks());
        let n_elems = info.data_blocks.saturating_mul(info.data_block_elements);
        let super_at = if !in_index && any_set(start, n_elems) {
            let at = next;
            next = next
                .checked_add(SuperBlock::encoded_len(&hdr, &info, ctx))
                .ok_or_else(|| overflow("array size"))?;
            hdr.num_secondary_blocks += 1;
            hdr.secondary_block_size += SuperBlock::encoded_len(&hdr, &info, ctx);
            Some(at)
        } else {
            None
        };
        let mut dblocks = Vec::new();
        for d in 0..info.data_blocks {
            let off = info.start_index + d * info.data_block_elements;
            let at = if any_set(first + off, info.data_block_elements) {
                // libhdf5's size of a data block: prefix, every element, one checksum per page.
                let size = prefix
                    .checked_add(
                        info.data_block_elements
                            .checked_mul(es)
                            .ok_or_else(|| overflow("data block size"))?,
                    )
                    .and_then(|v| v.checked_add(pages * 4))
                    .ok_or_else(|| overflow("data block size"))?;
                let at = next;
                next = next
                    .checked_add(size)
                    .ok_or_else(|| overflow("array size"))?;
                hdr.num_data_blocks += 1;
                hdr.data_block_size += size;
                hdr.num_elements += info.data_block_elements;
                Some(at)
            } else {
                None
            };
            dblocks.push(PlannedDataBlock {
                block_offset: off,
                at,
            });
            if first + off + info.data_block_elements >= used64 {
                break;
            }
        }
        supers.push((s, info, super_at, dblocks));
        s += 1;
    }
    let total = usize::try_from(next).map_err(|_| overflow("array size"))?;
    hdr.max_index_set = used64;
    hdr.num_elements += first;
    hdr.index_block_address = base_address
        .checked_add(hlen as u64)
        .ok_or_else(|| overflow("array address"))?;
    let abs = |at: u64| base_address + at;
    // Pass 2: encode.
    let mut image = alloc::vec![0u8; total];
    let mut put = |at: u64, bytes: &[u8]| {
        let at = at as usize;
        image[at..at + bytes.len()].copy_from_slice(bytes);
    };
    let mut dblk_addrs = alloc::vec![UNDEFINED_ADDRESS; hdr.index_data_block_addrs()];
    let mut sblk_addrs = alloc::vec![UNDEFINED_ADDRESS; hdr.index_super_block_addrs()];
    for (s, info, super_at, dblocks) in &supers {
        let (pages, init) = paging(&hdr, info);
        let mut bitmap = alloc::vec![0u8; init * info.data_blocks as usize];
        let mut addrs = alloc::vec![UNDEFINED_ADDRESS; info.data_blocks as usize];
        for (d, b) in dblocks.iter().enumerate() {
            let Some(at) = b.at else { continue };
            addrs[d] = abs(at);
            let from = first + b.block_offset;
            let es_block: Vec<ChunkEntry> = (0..info.data_block_elements)
                .map(|k| elem(from + k))
                .collect();
            // libhdf5 stores the block offset of a data block listed in the index block as
            // its super block's start plus the data block's index *in the index block*
            // times its size (not its index in the super block); readers ignore the field,
            // and writing the same value keeps the blocks identical to libhdf5's.
            let stored_offset = if *s < u32::from(hdr.index_super_blocks()) {
                info.start_index + (info.start_data_block + d as u64) * info.data_block_elements
            } else {
                b.block_offset
            };
            if pages == 0 {
                put(
                    at,
                    &encode_data_block(&hdr, base_address, stored_offset, &es_block, ctx)?,
                );
                continue;
            }
            put(
                at,
                &encode_data_block(&hdr, base_address, stored_offset, &[], ctx)?,
            );
            let pn = hdr.page_elements() as usize;
            for (p, page) in es_block.chunks(pn).enumerate() {
                if !page.iter().any(is_set) {
                    continue;
                }
                // Page-init bits are numbered over the data blocks in turn (spec VII.D).
                let bit = d * pages as usize + p;
                bitmap[bit / 8] |= 0x80 >> (bit % 8);
                put(
                    at + prefix + p as u64 * page_len,
                    &encode_data_block_page(&hdr, page, ctx)?,
                );
            }
        }
        if *s < u32::from(hdr.index_super_blocks()) {
            for (d, a) in addrs.into_iter().enumerate() {
                dblk_addrs[info.start_data_block as usize + d] = a;
            }
        } else if let Some(at) = super_at {
            sblk_addrs[(*s - u32::from(hdr.index_super_blocks())) as usize] = abs(*at);
            put(
                *at,
                &encode_super_block(&hdr, base_address, info.start_index, &bitmap, &addrs, ctx)?,
            );
        }
    }
    let ib = IndexBlock {
        elements: (0..ib_elems as u64).map(elem).collect(),
        data_block_addresses: dblk_addrs,
        super_block_addresses: sblk_addrs,
    };
    let mut w = Writer::new();
    hdr.encode(&mut w, ctx)?;
    ib.encode(&mut w, &hdr, base_address, ctx)?;
    put(0, w.as_slice());
    Ok(EncodedArray { header: hdr, image })
}

/// Where one element past the index block's own elements is stored, with the sizes of the
/// blocks on its path (spec VII.D): what a writer that updates an array in place, block by
/// block, needs to find, create or rewrite those blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementPath {
    /// Super block number.
    pub super_block: u32,
    /// The super block's data block addresses are kept in the index block (no "EASB").
    pub in_index_block: bool,
    /// Slot in the index block: of the data block address when `in_index_block`, else of
    /// the super block address.
    pub index_slot: usize,
    /// Data blocks in the super block.
    pub data_blocks: u64,
    /// The data block holding the element, within its super block.
    pub data_block: u64,
    /// Elements in each data block of the super block.
    pub data_block_elements: u64,
    /// The element's position in its data block.
    pub element: u64,
    /// Block offset stored in the data block's prefix (libhdf5's value).
    pub data_block_offset: u64,
    /// Block offset stored in the super block's prefix.
    pub super_block_offset: u64,
    /// Pages in each data block; 0 when data blocks are not paged.
    pub pages: u64,
    /// Page-init bitmap bytes per data block in the super block (0 when not paged).
    pub page_bitmap_len: usize,
    /// Bytes of a data block: prefix, elements, one checksum per page (or one in all).
    pub data_block_len: u64,
    /// Bytes of the data block's prefix and one checksum: where the first page starts in a
    /// paged data block (an unpaged one has its elements 4 bytes earlier, its checksum last).
    pub data_block_prefix_len: u64,
    /// Bytes of one page with its checksum.
    pub page_len: u64,
    /// Bytes of the super block ("EASB"); 0 when `in_index_block`.
    pub super_block_len: u64,
}

impl ExtensibleArrayHeader {
    /// Data block addresses kept in the index block.
    pub fn index_block_data_block_slots(&self) -> usize {
        self.index_data_block_addrs()
    }

    /// Super block addresses kept in the index block.
    pub fn index_block_super_block_slots(&self) -> usize {
        self.index_super_block_addrs()
    }

    /// The path to element `idx`; `None` for elements of the index block itself and past
    /// the array's maximum.
    pub fn element_path(&self, idx: u64, ctx: &Context) -> Option<ElementPath> {
        if idx < u64::from(self.index_block_elements)
            || self.data_block_min_elements == 0
            || (self.max_nelmts_bits < 64 && idx >= 1u64 << self.max_nelmts_bits)
        {
            return None;
        }
        let (s, within) = self.locate(idx);
        if s >= self.super_blocks() {
            return None;
        }
        let info = self.super_block_info(s);
        if info.data_block_elements == 0 {
            return None;
        }
        let d = within / info.data_block_elements;
        let in_index_block = s < u32::from(self.index_super_blocks());
        let (pages, page_bitmap_len) = paging(self, &info);
        let es = u64::from(self.element_size);
        let prefix = self.data_block_prefix_len(ctx) as u64;
        let data_block_len = prefix
            .checked_add(info.data_block_elements.checked_mul(es)?)?
            .checked_add(pages.checked_mul(4)?)?;
        Some(ElementPath {
            super_block: s,
            in_index_block,
            index_slot: if in_index_block {
                usize::try_from(info.start_data_block + d).ok()?
            } else {
                (s - u32::from(self.index_super_blocks())) as usize
            },
            data_blocks: info.data_blocks,
            data_block: d,
            data_block_elements: info.data_block_elements,
            element: within % info.data_block_elements,
            // As encode_array stores it (libhdf5's values).
            data_block_offset: if in_index_block {
                info.start_index + (info.start_data_block + d) * info.data_block_elements
            } else {
                info.start_index + d * info.data_block_elements
            },
            super_block_offset: info.start_index,
            pages,
            page_bitmap_len,
            data_block_len,
            data_block_prefix_len: prefix,
            page_len: self.page_elements().checked_mul(es)?.checked_add(4)?,
            super_block_len: if in_index_block {
                0
            } else {
                SuperBlock::encoded_len(self, &info, ctx)
            },
        })
    }
}

/// Reads the index block the header points at.
///
/// # Errors
/// The block is out of range, malformed, or fails its checksum.
pub fn read_index_block<S: ReadAt + ?Sized>(
    src: &S,
    hdr: &ExtensibleArrayHeader,
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<IndexBlock, S::Error> {
    let ilen = IndexBlock::encoded_len(hdr, ctx) as u64;
    let bytes = read_block(src, hdr.index_block_address, ilen, limits, INDEX)?;
    Ok(IndexBlock::decode(
        &mut Cursor::new(&bytes, hdr.index_block_address, INDEX),
        hdr,
        ctx,
    )?)
}

/// Reads the super block at `address` on `path` (a path whose `in_index_block` is false).
///
/// # Errors
/// The block is out of range, malformed, or fails its checksum.
pub fn read_super_block<S: ReadAt + ?Sized>(
    src: &S,
    address: u64,
    hdr: &ExtensibleArrayHeader,
    path: &ElementPath,
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<SuperBlock, S::Error> {
    let info = hdr.super_block_info(path.super_block);
    let bytes = read_block(src, address, path.super_block_len, limits, SUPER)?;
    Ok(SuperBlock::decode(
        &mut Cursor::new(&bytes, address, SUPER),
        hdr,
        &info,
        ctx,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr(max_index_set: u64, iaddr: u64) -> ExtensibleArrayHeader {
        // libhdf5's defaults for chunk indexes (H5Dearray.c / H5Dlayout.c): 4 elements in
        // the index block, data blocks of at least 16, super blocks of at least 4 pointers,
        // pages of 1024 elements; here pages of 64 (bits 6) so super blocks 5 and up are paged.
        ExtensibleArrayHeader {
            client_id: 0,
            element_size: 8,
            max_nelmts_bits: 32,
            index_block_elements: 4,
            data_block_min_elements: 16,
            secondary_block_min_data_ptrs: 4,
            max_data_block_page_nelmts_bits: 6,
            num_secondary_blocks: 0,
            secondary_block_size: 0,
            num_data_blocks: 0,
            data_block_size: 0,
            max_index_set,
            num_elements: max_index_set,
            index_block_address: iaddr,
        }
    }

    #[test]
    fn super_block_geometry_matches_the_libhdf5_table() {
        let h = hdr(0, UNDEFINED_ADDRESS);
        // (s, data blocks, elements per data block, start index): libhdf5's table in
        // H5EA__hdr_init for data block min 16.
        let table = [
            (0, 1, 16, 0),
            (1, 1, 32, 16),
            (2, 2, 32, 48),
            (3, 2, 64, 112),
            (4, 4, 64, 240),
        ];
        for (s, nd, ne, start) in table {
            let i = h.super_block_info(s);
            assert_eq!(
                (i.data_blocks, i.data_block_elements, i.start_index),
                (nd, ne, start)
            );
        }
        assert_eq!(h.locate(4), (0, 0));
        assert_eq!(h.locate(4 + 16), (1, 0));
        assert_eq!(h.locate(4 + 47), (1, 31));
        assert_eq!(h.locate(4 + 48), (2, 0));
        assert_eq!(h.index_super_blocks(), 4);
        assert_eq!(h.index_data_block_addrs(), 6);
        assert_eq!(h.super_blocks(), 29);
    }

    /// Builds an array of `n` elements (element i at address 1000 + i) laid out as libhdf5
    /// would: index block, its data blocks, then super blocks 4.. with paged data blocks.
    fn build(n: u64) -> (Vec<u8>, ExtensibleArrayHeader) {
        let ctx = Context::DEFAULT;
        let mut file = alloc::vec![0u8; 256];
        let entry = |i: u64| ChunkEntry {
            address: 1000 + i,
            size: None,
            filter_mask: 0,
        };
        let h0 = hdr(n, UNDEFINED_ADDRESS);
        let mut dblk_addrs = alloc::vec![UNDEFINED_ADDRESS; h0.index_data_block_addrs()];
        let mut sblk_addrs = alloc::vec![UNDEFINED_ADDRESS; h0.index_super_block_addrs()];
        let next = |file: &mut Vec<u8>, bytes: &[u8]| {
            let at = file.len() as u64;
            file.extend_from_slice(bytes);
            at
        };
        for s in 0..h0.super_blocks() {
            let info = h0.super_block_info(s);
            let first = u64::from(h0.index_block_elements) + info.start_index;
            if first >= n {
                break;
            }
            let (pages, init) = paging(&h0, &info);
            let mut addrs = Vec::new();
            let mut bitmap = alloc::vec![0u8; init * info.data_blocks as usize];
            for d in 0..info.data_blocks {
                let off = info.start_index + d * info.data_block_elements;
                let es: Vec<ChunkEntry> = (0..info.data_block_elements)
                    .map(|k| {
                        let i = u64::from(h0.index_block_elements) + off + k;
                        if i < n {
                            entry(i)
                        } else {
                            ChunkEntry {
                                address: UNDEFINED_ADDRESS,
                                size: None,
                                filter_mask: 0,
                            }
                        }
                    })
                    .collect();
                if pages == 0 {
                    let img = encode_data_block(&h0, 0, off, &es, &ctx).unwrap();
                    addrs.push(next(&mut file, &img));
                } else {
                    let img = encode_data_block(&h0, 0, off, &[], &ctx).unwrap();
                    let at = next(&mut file, &img);
                    for (p, page) in es.chunks(h0.page_elements() as usize).enumerate() {
                        // Page 1 of each data block is left uninitialized.
                        // libhdf5 numbers page-init bits contiguously over the data blocks
                        // (bit d * pages + p), in a bitmap padded per data block.
                        if p != 1 {
                            let b = d as usize * pages as usize + p;
                            bitmap[b / 8] |= 0x80 >> (b % 8);
                        }
                        let mut w = Writer::new();
                        for e in page {
                            encode_entry(&mut w, e, 0, 8, &ctx).unwrap();
                        }
                        w.checksum_from(0);
                        next(&mut file, w.as_slice());
                    }
                    addrs.push(at);
                }
            }
            if s < u32::from(h0.index_super_blocks()) {
                for (d, a) in addrs.into_iter().enumerate() {
                    dblk_addrs[info.start_data_block as usize + d] = a;
                }
            } else {
                let img =
                    encode_super_block(&h0, 0, info.start_index, &bitmap, &addrs, &ctx).unwrap();
                sblk_addrs[(s - u32::from(h0.index_super_blocks())) as usize] =
                    next(&mut file, &img);
            }
        }
        let ib = IndexBlock {
            elements: (0..4)
                .map(|i| {
                    if i < n {
                        entry(i)
                    } else {
                        ChunkEntry {
                            address: UNDEFINED_ADDRESS,
                            size: None,
                            filter_mask: 0,
                        }
                    }
                })
                .collect(),
            data_block_addresses: dblk_addrs,
            super_block_addresses: sblk_addrs,
        };
        let mut w = Writer::new();
        ib.encode(&mut w, &h0, 0, &ctx).unwrap();
        let iaddr = next(&mut file, w.as_slice());
        let h = hdr(n, iaddr);
        let mut w = Writer::new();
        h.encode(&mut w, &ctx).unwrap();
        file[..w.len()].copy_from_slice(w.as_slice());
        (file, h)
    }

    #[test]
    fn reads_every_element_across_index_super_and_paged_blocks() {
        let ctx = Context::DEFAULT;
        for n in [3u64, 4, 20, 300, 700] {
            let (file, h) = build(n);
            assert_eq!(
                read_header(&file[..], 0, &ctx, &Limits::DEFAULT).unwrap(),
                h
            );
            let all = read_entries(&file[..], &h, &ctx, &Limits::DEFAULT).unwrap();
            assert_eq!(all.len() as u64, n);
            for (i, e) in all.iter().enumerate() {
                let i = i as u64;
                let one = lookup(&file[..], &h, i, &ctx, &Limits::DEFAULT).unwrap();
                // Elements in page 1 of paged data blocks (super blocks >= 5 here) are unset.
                if e.address == UNDEFINED_ADDRESS {
                    assert_eq!(one, None, "element {i}");
                    let (s, within) = h.locate(i);
                    let info = h.super_block_info(s);
                    let page = (within % info.data_block_elements) / h.page_elements();
                    assert_eq!(page, 1, "element {i}");
                } else {
                    assert_eq!(e.address, 1000 + i, "element {i}");
                    assert_eq!(one, Some(*e));
                }
            }
        }
    }

    fn entries(n: u64, filtered: bool, hole: impl Fn(u64) -> bool) -> Vec<ChunkEntry> {
        (0..n)
            .map(|i| ChunkEntry {
                address: if hole(i) {
                    UNDEFINED_ADDRESS
                } else {
                    100_000 + 7 * i
                },
                size: (filtered && !hole(i)).then_some(40 + i % 200),
                filter_mask: if filtered && !hole(i) {
                    (i % 3) as u32
                } else {
                    0
                },
            })
            .collect()
    }

    #[test]
    fn encoded_arrays_read_back() {
        let ctx = Context::DEFAULT;
        let filtered = ExtensibleArrayHeader {
            client_id: 1,
            element_size: 8 + 2 + 4,
            ..hdr(0, UNDEFINED_ADDRESS)
        };
        for (params, n, holes) in [
            (hdr(0, UNDEFINED_ADDRESS), 1u64, false),
            (hdr(0, UNDEFINED_ADDRESS), 4, false),
            (hdr(0, UNDEFINED_ADDRESS), 300, false),
            // Pages of 64: super blocks 5 and later are paged; holes leave whole pages and
            // data blocks unallocated.
            (hdr(0, UNDEFINED_ADDRESS), 2000, true),
            (filtered, 1500, true),
        ] {
            let hole = |i: u64| holes && ((200..400).contains(&i) || (600..700).contains(&i));
            let es = entries(n, params.client_id == 1, hole);
            let base = 512;
            let a = encode_array(&params, &es, base, &ctx).unwrap();
            let mut file = alloc::vec![0u8; base as usize];
            file.extend_from_slice(&a.image);
            let h = read_header(&file[..], base, &ctx, &Limits::DEFAULT).unwrap();
            assert_eq!(h, a.header);
            assert_eq!(h.max_index_set, n);
            // Unset entries read back as unset (the size of one in an allocated block of a
            // filtered array is 0, elsewhere absent).
            let canon = |e: &ChunkEntry| (e.address != UNDEFINED_ADDRESS).then_some(*e);
            let got = read_entries(&file[..], &h, &ctx, &Limits::DEFAULT).unwrap();
            assert!(got.iter().map(canon).eq(es.iter().map(canon)), "n = {n}");
            for i in (0..n).step_by(37) {
                let one = lookup(&file[..], &h, i, &ctx, &Limits::DEFAULT).unwrap();
                assert_eq!(one, (!hole(i)).then_some(es[i as usize]));
            }
        }
        // Trailing unset entries do not count; no set entry gives a header alone.
        let mut es = entries(10, false, |_| false);
        es.extend(entries(5, false, |_| true));
        let a = encode_array(&hdr(0, UNDEFINED_ADDRESS), &es, 0, &ctx).unwrap();
        assert_eq!(a.header.max_index_set, 10);
        let a = encode_array(&hdr(0, UNDEFINED_ADDRESS), &es[10..], 0, &ctx).unwrap();
        assert_eq!(a.header.index_block_address, UNDEFINED_ADDRESS);
        assert_eq!(a.image.len(), ExtensibleArrayHeader::encoded_len(&ctx));
    }

    #[test]
    fn statistics_match_what_libhdf5_stores() {
        // fixtures/files/chunk_index_latest.h5, dataset `extensible_array` (750 chunks,
        // libhdf5's parameters with pages of 1024): its header holds 2 secondary blocks of
        // 108 bytes in all, 12 data blocks of 6280 bytes, max index set 750, 756 elements.
        let ctx = Context::DEFAULT;
        let params = ExtensibleArrayHeader {
            max_data_block_page_nelmts_bits: 10,
            ..hdr(0, UNDEFINED_ADDRESS)
        };
        let a = encode_array(&params, &entries(750, false, |_| false), 0, &ctx).unwrap();
        let h = a.header;
        assert_eq!(
            (
                h.num_secondary_blocks,
                h.secondary_block_size,
                h.num_data_blocks,
                h.data_block_size,
                h.max_index_set,
                h.num_elements
            ),
            (2, 108, 12, 6280, 750, 756)
        );
    }

    proptest::proptest! {
        #[test]
        fn encode_array_round_trips(
            set in proptest::collection::vec(proptest::prelude::any::<bool>(), 0..900),
            filtered in proptest::prelude::any::<bool>(),
            page_bits in 6u8..9,
            base in 0u64..5000,
        ) {
            let ctx = Context::DEFAULT;
            let params = ExtensibleArrayHeader {
                client_id: u8::from(filtered),
                element_size: if filtered { 8 + 3 + 4 } else { 8 },
                max_data_block_page_nelmts_bits: page_bits,
                ..hdr(0, UNDEFINED_ADDRESS)
            };
            let es = entries(set.len() as u64, filtered, |i| !set[i as usize]);
            let a = encode_array(&params, &es, base, &ctx).unwrap();
            let small_pages = ExtensibleArrayHeader { max_data_block_page_nelmts_bits: 5, ..params };
            proptest::prop_assert!(encode_array(&small_pages, &es, base, &ctx).is_err());
            let mut file = alloc::vec![0u8; base as usize];
            file.extend_from_slice(&a.image);
            let h = read_header(&file[..], base, &ctx, &Limits::DEFAULT).unwrap();
            let used = set.iter().rposition(|&b| b).map_or(0, |i| i + 1);
            proptest::prop_assert_eq!(h.max_index_set, used as u64);
            let got = read_entries(&file[..], &h, &ctx, &Limits::DEFAULT).unwrap();
            let canon = |e: &ChunkEntry| (e.address != UNDEFINED_ADDRESS).then_some(*e);
            proptest::prop_assert!(got.iter().map(canon).eq(es[..used].iter().map(canon)));
        }
    }

    #[test]
    fn corrupt_header_checksum() {
        let ctx = Context::DEFAULT;
        let (mut file, _) = build(10);
        file[6] ^= 0xff;
        let err = read_header(&file[..], 0, &ctx, &Limits::DEFAULT).unwrap_err();
        assert!(matches!(err.kind, ErrorKind::ChecksumMismatch { .. }));
        assert_eq!(err.structure, HEADER);
    }

    #[test]
    fn element_paths_follow_the_libhdf5_table() {
        let ctx = Context::DEFAULT;
        // Pages of 64 elements (bits 6): super blocks 5 on are paged.
        let h = hdr(0, UNDEFINED_ADDRESS);
        assert_eq!(h.element_path(3, &ctx), None);
        let p = h.element_path(4, &ctx).unwrap();
        assert_eq!(
            (p.super_block, p.in_index_block, p.index_slot, p.element),
            (0, true, 0, 0)
        );
        // Super block 2 (start 48): two data blocks of 32; element 4 + 48 + 40 is the 9th
        // of the second, listed in index block slot 3; libhdf5's stored offset 48 + 3 * 32.
        let p = h.element_path(4 + 48 + 40, &ctx).unwrap();
        assert_eq!(
            (p.super_block, p.index_slot, p.data_block, p.element),
            (2, 3, 1, 8)
        );
        assert_eq!((p.data_block_offset, p.data_block_elements), (144, 32));
        assert_eq!(p.data_block_len, 18 + 32 * 8 + 4);
        // Super block 4 (start 240) is the first "EASB", slot 0 of the super block
        // addresses: four data blocks of 64, not paged.
        let p = h.element_path(4 + 240 + 65, &ctx).unwrap();
        assert_eq!(
            (p.super_block, p.in_index_block, p.index_slot, p.data_block),
            (4, false, 0, 1)
        );
        assert_eq!(
            (p.data_block_offset, p.super_block_offset, p.pages),
            (304, 240, 0)
        );
        assert_eq!(p.super_block_len, 18 + 4 * 8 + 4);
        // Super block 5 (start 496): four data blocks of 128, two pages each.
        let p = h.element_path(4 + 496 + 128 + 70, &ctx).unwrap();
        assert_eq!((p.super_block, p.index_slot, p.data_block), (5, 1, 1));
        assert_eq!((p.pages, p.page_bitmap_len, p.element), (2, 1, 70));
        assert_eq!(p.data_block_len, 22 + 128 * 8 + 2 * 4);
        assert_eq!(p.page_len, 64 * 8 + 4);
        assert_eq!(p.super_block_len, 18 + 4 * (1 + 8) + 4);
    }

    #[test]
    fn element_paths_reach_the_elements_of_a_built_array() {
        let ctx = Context::DEFAULT;
        let params = hdr(0, UNDEFINED_ADDRESS);
        let entries: Vec<ChunkEntry> = (0..700)
            .map(|i| ChunkEntry {
                address: if i % 3 == 1 {
                    UNDEFINED_ADDRESS
                } else {
                    100_000 + i
                },
                size: None,
                filter_mask: 0,
            })
            .collect();
        let a = encode_array(&params, &entries, 0, &ctx).unwrap();
        let img = &a.image[..];
        let ib = read_index_block(img, &a.header, &ctx, &Limits::DEFAULT).unwrap();
        let at = |addr: u64| -> u64 {
            let b = addr as usize;
            u64::from_le_bytes(img[b..b + 8].try_into().unwrap())
        };
        let mut checked = 0;
        for (i, e) in entries.iter().enumerate().skip(4) {
            let p = a.header.element_path(i as u64, &ctx).unwrap();
            let dblock = if p.in_index_block {
                ib.data_block_addresses[p.index_slot]
            } else {
                let sa = ib.super_block_addresses[p.index_slot];
                let sb = read_super_block(img, sa, &a.header, &p, &ctx, &Limits::DEFAULT).unwrap();
                assert_eq!(sb.block_offset, p.super_block_offset);
                sb.data_block_addresses[p.data_block as usize]
            };
            // Stored block offset: after the signature, version, client and header address.
            let off = img[dblock as usize + 14..dblock as usize + 18].to_vec();
            assert_eq!(
                u32::from_le_bytes(off.try_into().unwrap()) as u64,
                p.data_block_offset
            );
            let elem_at = if let Some(per) = p.data_block_elements.checked_div(p.pages) {
                dblock
                    + p.data_block_prefix_len
                    + (p.element / per) * p.page_len
                    + (p.element % per) * 8
            } else {
                dblock + p.data_block_prefix_len - 4 + p.element * 8
            };
            assert_eq!(at(elem_at), e.address, "element {i}");
            checked += 1;
        }
        assert_eq!(checked, 696);
    }
}
