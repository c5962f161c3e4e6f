//! The Fixed Array chunk index: header "FAHD", data block "FADB" and data block pages
//! (spec VII.C).

use alloc::vec::Vec;

use crate::checksum::lookup3;
use crate::chunk_index::ChunkEntry;
use crate::context::{Context, UNDEFINED_ADDRESS};
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::limits::Limits;
use crate::source::ReadAt;

const HEADER: &str = "fixed array header";
const DATA_BLOCK: &str = "fixed array data block";
const PAGE: &str = "fixed array data block page";

/// Client ID 0: entries are addresses of unfiltered chunks.
pub const CLIENT_UNFILTERED: u8 = 0;
/// Client ID 1: entries are address, size and filter mask of filtered chunks.
pub const CLIENT_FILTERED: u8 = 1;

/// The Fixed Array header, "FAHD" (spec VII.C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedArrayHeader {
    /// 0 unfiltered chunks, 1 filtered chunks.
    pub client_id: u8,
    /// Bytes of one entry.
    pub entry_size: u8,
    /// log2 of the number of entries in a data block page.
    pub page_bits: u8,
    /// Number of entries (chunks) in the array.
    pub max_entries: u64,
    /// Address of the data block; undefined until a chunk is written.
    pub data_block_address: u64,
}

impl FixedArrayHeader {
    /// Encoded size in bytes.
    pub fn encoded_len(ctx: &Context) -> usize {
        4 + 4 + ctx.sizeof_lengths() + ctx.sizeof_offsets() + 4
    }

    /// Decodes a header, verifying its checksum first.
    ///
    /// # Errors
    /// Bad signature, version, checksum, client ID or entry size.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let mut c = cur.split(Self::encoded_len(ctx))?.named(HEADER);
        verify_checksum(&c)?;
        c.signature(b"FAHD")?;
        let version = c.u8()?;
        if version != 0 {
            return Err(c.error(ErrorKind::UnsupportedVersion { version }));
        }
        let client_id = c.u8()?;
        if client_id > CLIENT_FILTERED {
            return Err(c.invalid("client ID", u64::from(client_id), 1));
        }
        let entry_size = c.u8()?;
        let min = entry_min_size(client_id, ctx);
        if usize::from(entry_size) < min || usize::from(entry_size) > min + 8 {
            return Err(c.invalid("entry size", u64::from(entry_size), 1));
        }
        let page_bits = c.u8()?;
        if page_bits >= 64 {
            return Err(c.invalid("page bits", u64::from(page_bits), 1));
        }
        let max_entries = c.length_field(ctx)?;
        let data_block_address = c.offset_field(ctx)?;
        Ok(FixedArrayHeader {
            client_id,
            entry_size,
            page_bits,
            max_entries,
            data_block_address,
        })
    }

    /// Encodes the header with its checksum.
    ///
    /// # Errors
    /// A field does not fit.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        let start = w.len();
        w.bytes(b"FAHD");
        w.u8(0);
        w.u8(self.client_id);
        w.u8(self.entry_size);
        w.u8(self.page_bits);
        w.length_field(self.max_entries, ctx)?;
        w.offset_field(self.data_block_address, ctx)?;
        w.checksum_from(start);
        Ok(())
    }

    /// Entries in one data block page.
    pub fn page_entries(&self) -> u64 {
        1u64 << self.page_bits
    }

    /// True if the data block is split into pages (more entries than one page holds).
    pub fn is_paged(&self) -> bool {
        self.max_entries > self.page_entries()
    }

    /// Number of pages (0 when not paged).
    pub fn pages(&self) -> u64 {
        if self.is_paged() {
            self.max_entries.div_ceil(self.page_entries())
        } else {
            0
        }
    }

    /// Size of the data block itself (prefix, bitmap or entries, checksum), without pages.
    pub fn data_block_len(&self, ctx: &Context) -> Option<u64> {
        let prefix = 4 + 2 + ctx.sizeof_offsets() as u64;
        let body = if self.is_paged() {
            self.pages().div_ceil(8)
        } else {
            self.max_entries.checked_mul(u64::from(self.entry_size))?
        };
        prefix.checked_add(body)?.checked_add(4)
    }

    /// Address and entry count of page `p`.
    fn page(&self, p: u64, ctx: &Context) -> Option<(u64, u64)> {
        let full = self.page_entries();
        let page_len = full
            .checked_mul(u64::from(self.entry_size))?
            .checked_add(4)?;
        let start = self
            .data_block_address
            .checked_add(self.data_block_len(ctx)?)?
            .checked_add(p.checked_mul(page_len)?)?;
        let first = p.checked_mul(full)?;
        let n = full.min(self.max_entries.checked_sub(first)?);
        Some((start, n))
    }
}

/// Minimum entry size of a client: an address, plus for filtered chunks a 1-byte size and the
/// 4-byte filter mask.
fn entry_min_size(client_id: u8, ctx: &Context) -> usize {
    if client_id == CLIENT_FILTERED {
        ctx.sizeof_offsets() + 1 + 4
    } else {
        ctx.sizeof_offsets()
    }
}

/// Verifies the trailing lookup3 checksum of a whole block held by `c`.
pub(crate) fn verify_checksum(c: &Cursor<'_>) -> Result<()> {
    let all = c.all();
    if all.len() < 4 {
        return Err(c.error(ErrorKind::UnexpectedEof {
            needed: 4,
            available: all.len() as u64,
        }));
    }
    let (body, sum) = all.split_at(all.len() - 4);
    let stored = u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]);
    let computed = lookup3(body);
    if stored != computed {
        return Err(FormatError::new(
            ErrorKind::ChecksumMismatch { stored, computed },
            c.structure(),
            c.base() + body.len() as u64,
        ));
    }
    Ok(())
}

/// Decodes one entry of `entry_size` bytes for `client_id` (shared with the extensible
/// array, whose elements have the same encoding).
pub(crate) fn decode_entry(
    c: &mut Cursor<'_>,
    client_id: u8,
    entry_size: usize,
    ctx: &Context,
) -> Result<ChunkEntry> {
    let address = c.offset_field(ctx)?;
    if client_id == CLIENT_FILTERED {
        let size_len = entry_size.saturating_sub(ctx.sizeof_offsets() + 4);
        let size = c.uint(size_len)?;
        let filter_mask = c.u32()?;
        Ok(ChunkEntry {
            address,
            size: Some(size),
            filter_mask,
        })
    } else {
        Ok(ChunkEntry {
            address,
            size: None,
            filter_mask: 0,
        })
    }
}

/// Encodes one entry (the inverse of `decode_entry`).
pub(crate) fn encode_entry(
    w: &mut Writer,
    e: &ChunkEntry,
    client_id: u8,
    entry_size: usize,
    ctx: &Context,
) -> Result<()> {
    w.offset_field(e.address, ctx)?;
    if client_id == CLIENT_FILTERED {
        let size_len = entry_size.saturating_sub(ctx.sizeof_offsets() + 4);
        w.uint(e.size.unwrap_or(0), size_len, "chunk size")?;
        w.u32(e.filter_mask);
    }
    Ok(())
}

const UNSET: ChunkEntry = ChunkEntry {
    address: UNDEFINED_ADDRESS,
    size: None,
    filter_mask: 0,
};

/// Reads a whole block of `len` bytes at `address`, checking the structure limit and the
/// end of the source first.
pub(crate) fn read_block<'s, S: ReadAt + ?Sized>(
    src: &'s S,
    address: u64,
    len: u64,
    limits: &Limits,
    structure: &'static str,
) -> core::result::Result<alloc::borrow::Cow<'s, [u8]>, S::Error> {
    limits.structure_size(len, structure, address)?;
    let end = address.saturating_add(len);
    if address == UNDEFINED_ADDRESS || end > src.size() {
        return Err(FormatError::new(
            ErrorKind::AddressOutOfRange {
                address,
                eof: src.size(),
            },
            structure,
            address,
        )
        .into());
    }
    src.read_at(address, len as usize)
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
) -> core::result::Result<FixedArrayHeader, S::Error> {
    let len = FixedArrayHeader::encoded_len(ctx) as u64;
    let bytes = read_block(src, address, len, limits, HEADER)?;
    Ok(FixedArrayHeader::decode(
        &mut Cursor::new(&bytes, address, HEADER),
        ctx,
    )?)
}

/// Decodes the data block prefix (signature, version, client, header address) and checks it
/// belongs to `hdr`.
fn data_block_prefix(c: &mut Cursor<'_>, hdr: &FixedArrayHeader, ctx: &Context) -> Result<()> {
    c.signature(b"FADB")?;
    let version = c.u8()?;
    if version != 0 {
        return Err(c.error(ErrorKind::UnsupportedVersion { version }));
    }
    let client = c.u8()?;
    if client != hdr.client_id {
        return Err(c.invalid("client ID", u64::from(client), 1));
    }
    let _header_address = c.offset_field(ctx)?;
    Ok(())
}

/// Every entry of the array, in chunk-number order (entries of pages never initialized read
/// as unset: undefined address).
///
/// # Errors
/// A block is out of range, malformed, or fails its checksum; the array exceeds a limit.
pub fn read_entries<S: ReadAt + ?Sized>(
    src: &S,
    hdr: &FixedArrayHeader,
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<Vec<ChunkEntry>, S::Error> {
    if hdr.data_block_address == UNDEFINED_ADDRESS {
        return Ok(Vec::new());
    }
    // What the decoded list costs in memory, charged before anything is allocated.
    let decoded_bytes = hdr
        .max_entries
        .saturating_mul(core::mem::size_of::<ChunkEntry>() as u64);
    limits.structure_size(decoded_bytes, HEADER, hdr.data_block_address)?;
    let dlen = hdr.data_block_len(ctx).ok_or_else(|| {
        FormatError::new(
            ErrorKind::InvalidValue {
                field: "max entries",
                value: hdr.max_entries,
            },
            HEADER,
            hdr.data_block_address,
        )
    })?;
    let block = read_block(src, hdr.data_block_address, dlen, limits, DATA_BLOCK)?;
    let mut c = Cursor::new(&block, hdr.data_block_address, DATA_BLOCK);
    verify_checksum(&c)?;
    data_block_prefix(&mut c, hdr, ctx)?;
    let es = usize::from(hdr.entry_size);
    let mut out = Vec::with_capacity(hdr.max_entries as usize);
    if !hdr.is_paged() {
        for _ in 0..hdr.max_entries {
            let mut e = c.split(es)?;
            out.push(decode_entry(&mut e, hdr.client_id, es, ctx)?);
        }
        return Ok(out);
    }
    let bitmap = c.bytes(hdr.pages().div_ceil(8) as usize)?;
    for p in 0..hdr.pages() {
        let (addr, n) = hdr.page(p, ctx).ok_or_else(|| {
            FormatError::new(
                ErrorKind::InvalidValue {
                    field: "page",
                    value: p,
                },
                DATA_BLOCK,
                hdr.data_block_address,
            )
        })?;
        let initialized = bitmap
            .get((p / 8) as usize)
            .is_some_and(|b| b & (0x80 >> (p % 8)) != 0);
        if !initialized {
            out.extend(core::iter::repeat_n(UNSET, n as usize));
            continue;
        }
        let page = read_block(src, addr, n * es as u64 + 4, limits, PAGE)?;
        let mut pc = Cursor::new(&page, addr, PAGE);
        verify_checksum(&pc)?;
        for _ in 0..n {
            let mut e = pc.split(es)?;
            out.push(decode_entry(&mut e, hdr.client_id, es, ctx)?);
        }
    }
    Ok(out)
}

/// The entry of chunk number `index`, reading only the block or page that holds it.
/// `Ok(None)` if the chunk was never written.
///
/// # Errors
/// `index` is beyond the array; a block is malformed.
pub fn lookup<S: ReadAt + ?Sized>(
    src: &S,
    hdr: &FixedArrayHeader,
    index: u64,
    ctx: &Context,
    limits: &Limits,
) -> core::result::Result<Option<ChunkEntry>, S::Error> {
    if index >= hdr.max_entries {
        return Err(FormatError::new(
            ErrorKind::InvalidValue {
                field: "chunk index",
                value: index,
            },
            HEADER,
            hdr.data_block_address,
        )
        .into());
    }
    if hdr.data_block_address == UNDEFINED_ADDRESS {
        return Ok(None);
    }
    let es = u64::from(hdr.entry_size);
    let dlen = hdr.data_block_len(ctx).unwrap_or(u64::MAX);
    let block = read_block(src, hdr.data_block_address, dlen, limits, DATA_BLOCK)?;
    let mut c = Cursor::new(&block, hdr.data_block_address, DATA_BLOCK);
    verify_checksum(&c)?;
    data_block_prefix(&mut c, hdr, ctx)?;
    let entry = if !hdr.is_paged() {
        c.skip((index * es) as usize)?;
        let mut e = c.split(es as usize)?;
        decode_entry(&mut e, hdr.client_id, es as usize, ctx)?
    } else {
        let p = index / hdr.page_entries();
        let bitmap = c.bytes(hdr.pages().div_ceil(8) as usize)?;
        let initialized = bitmap
            .get((p / 8) as usize)
            .is_some_and(|b| b & (0x80 >> (p % 8)) != 0);
        if !initialized {
            return Ok(None);
        }
        let (addr, n) = hdr.page(p, ctx).unwrap_or((UNDEFINED_ADDRESS, 0));
        let page = read_block(src, addr, n * es + 4, limits, PAGE)?;
        let mut pc = Cursor::new(&page, addr, PAGE);
        verify_checksum(&pc)?;
        pc.skip(((index % hdr.page_entries()) * es) as usize)?;
        let mut e = pc.split(es as usize)?;
        decode_entry(&mut e, hdr.client_id, es as usize, ctx)?
    };
    Ok((entry.address != UNDEFINED_ADDRESS).then_some(entry))
}

/// Encodes the data block and its pages for `entries` (which must number
/// `hdr.max_entries`), as one contiguous image to be written at `hdr.data_block_address`
/// (libhdf5 allocates the block and its pages together). Every page is marked initialized.
///
/// # Errors
/// Wrong entry count, or a field does not fit.
pub fn encode_data_block(
    hdr: &FixedArrayHeader,
    header_address: u64,
    entries: &[ChunkEntry],
    ctx: &Context,
) -> Result<Vec<u8>> {
    if entries.len() as u64 != hdr.max_entries {
        return Err(FormatError::new(
            ErrorKind::InvalidValue {
                field: "entry count",
                value: entries.len() as u64,
            },
            DATA_BLOCK,
            0,
        ));
    }
    let es = usize::from(hdr.entry_size);
    let mut w = Writer::new();
    w.bytes(b"FADB");
    w.u8(0);
    w.u8(hdr.client_id);
    w.offset_field(header_address, ctx)?;
    if !hdr.is_paged() {
        for e in entries {
            encode_entry(&mut w, e, hdr.client_id, es, ctx)?;
        }
        w.checksum_from(0);
        return Ok(w.into_inner());
    }
    let pages = hdr.pages() as usize;
    let mut bitmap = alloc::vec![0u8; pages.div_ceil(8)];
    for p in 0..pages {
        bitmap[p / 8] |= 0x80 >> (p % 8);
    }
    w.bytes(&bitmap);
    w.checksum_from(0);
    for page in entries.chunks(hdr.page_entries() as usize) {
        let start = w.len();
        for e in page {
            encode_entry(&mut w, e, hdr.client_id, es, ctx)?;
        }
        w.checksum_from(start);
    }
    Ok(w.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: u64, filtered: bool) -> Vec<ChunkEntry> {
        (0..n)
            .map(|i| ChunkEntry {
                address: if i % 3 == 2 {
                    UNDEFINED_ADDRESS
                } else {
                    4096 + i * 100
                },
                size: filtered.then_some(50 + i),
                filter_mask: if filtered { (i % 2) as u32 } else { 0 },
            })
            .collect()
    }

    fn image(hdr: &FixedArrayHeader, es: &[ChunkEntry], ctx: &Context) -> Vec<u8> {
        // Header at 0, data block at hdr.data_block_address.
        let mut file = Vec::new();
        let mut w = Writer::new();
        hdr.encode(&mut w, ctx).unwrap();
        file.extend_from_slice(w.as_slice());
        file.resize(hdr.data_block_address as usize, 0);
        file.extend(encode_data_block(hdr, 0, es, ctx).unwrap());
        file
    }

    #[test]
    fn unpaged_and_paged_round_trip() {
        let ctx = Context::DEFAULT;
        for (n, bits, filtered) in [(5u64, 10u8, false), (1000, 4, false), (37, 3, true)] {
            let es = entries(n, filtered);
            let hdr = FixedArrayHeader {
                client_id: u8::from(filtered),
                entry_size: if filtered { 8 + 2 + 4 } else { 8 },
                page_bits: bits,
                max_entries: n,
                data_block_address: 64,
            };
            let file = image(&hdr, &es, &ctx);
            let h = read_header(&file[..], 0, &ctx, &Limits::DEFAULT).unwrap();
            assert_eq!(h, hdr);
            let got = read_entries(&file[..], &h, &ctx, &Limits::DEFAULT).unwrap();
            assert_eq!(got, es);
            for (i, e) in es.iter().enumerate() {
                let one = lookup(&file[..], &h, i as u64, &ctx, &Limits::DEFAULT).unwrap();
                assert_eq!(one, (e.address != UNDEFINED_ADDRESS).then_some(*e));
            }
        }
    }

    #[test]
    fn corrupt_page_checksum_names_the_page() {
        let ctx = Context::DEFAULT;
        let es = entries(40, false);
        let hdr = FixedArrayHeader {
            client_id: 0,
            entry_size: 8,
            page_bits: 3,
            max_entries: 40,
            data_block_address: 64,
        };
        let mut file = image(&hdr, &es, &ctx);
        let n = file.len();
        file[n - 10] ^= 1;
        let err = read_entries(&file[..], &hdr, &ctx, &Limits::DEFAULT).unwrap_err();
        assert_eq!(err.structure, PAGE);
        assert!(matches!(err.kind, ErrorKind::ChecksumMismatch { .. }));
    }

    #[test]
    fn absurd_entry_count_hits_the_limit() {
        let ctx = Context::DEFAULT;
        let hdr = FixedArrayHeader {
            client_id: 0,
            entry_size: 8,
            page_bits: 10,
            max_entries: u64::MAX / 2,
            data_block_address: 64,
        };
        let mut w = Writer::new();
        hdr.encode(&mut w, &ctx).unwrap();
        let file = w.into_inner();
        let err = read_entries(&file[..], &hdr, &ctx, &Limits::DEFAULT).unwrap_err();
        assert!(matches!(err.kind, ErrorKind::LimitExceeded { .. }));
    }
}
