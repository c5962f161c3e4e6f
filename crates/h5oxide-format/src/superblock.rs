//! Superblock versions 0-3 (spec II.A), the signature search for user blocks, and the
//! driver information block (spec II.B).
//!
//! # Base address
//!
//! Every address stored in the file (except the base address itself and the end-of-file
//! address) is relative to the base address, which libhdf5 always sets to the offset of the
//! signature (512, 1024, ... when the file has a user block). Callers turn a stored address
//! into a byte offset of the source with [`Superblock::absolute`]. The walks of this crate
//! (B-trees, heaps, symbol table nodes) read the addresses they find in the file as given, so
//! they must be handed a [`ReadAt`] whose offset 0 is the base address: for a file without a
//! user block that is the file itself; otherwise a view of the file starting at the base
//! address (for an in-memory file, `&bytes[base..]`).

use alloc::vec::Vec;

use crate::checksum::lookup3;
use crate::context::{Context, UNDEFINED_ADDRESS};
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::limits::Limits;
use crate::source::ReadAt;
use crate::symbol_table_entry::SymbolTableEntry;

/// The format signature that starts every superblock (spec II.A).
pub const SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// The largest encoded superblock: version 1 with 8-byte offsets and lengths.
/// Reading this many bytes at the signature (or up to the end of the file) is always enough
/// for [`Superblock::decode`].
pub const MAX_ENCODED_LEN: usize = 100;

/// libhdf5's default group leaf node K (used when a v2/v3 superblock has no B-tree 'K'
/// values message in its extension).
pub const DEFAULT_GROUP_LEAF_K: u16 = 4;
/// libhdf5's default group internal node K.
pub const DEFAULT_GROUP_INTERNAL_K: u16 = 16;
/// libhdf5's default indexed storage (chunk B-tree) internal node K.
pub const DEFAULT_INDEXED_STORAGE_K: u16 = 32;

const STRUCTURE: &str = "superblock";

/// Finds the format signature: at 0, 512, 1024, 2048, ... (spec II.A) while the candidate's
/// 8 bytes lie within the source. Returns its offset, which is where the superblock starts.
///
/// # Errors
/// `BadSignature` in structure "format signature (searched 0, 512, 1024, ... to end of
/// file)" with `offset` set to the source's size if no candidate matches; the source's read
/// errors.
pub fn find_signature<S: ReadAt + ?Sized>(src: &S) -> core::result::Result<u64, S::Error> {
    let size = src.size();
    let mut at = 0u64;
    while at
        .checked_add(SIGNATURE.len() as u64)
        .is_some_and(|end| end <= size)
    {
        if src.read_at(at, SIGNATURE.len())?.as_ref() == SIGNATURE {
            return Ok(at);
        }
        at = if at == 0 {
            512
        } else {
            match at.checked_mul(2) {
                Some(next) => next,
                None => break,
            }
        };
    }
    Err(FormatError::new(
        ErrorKind::BadSignature {
            expected: SIGNATURE,
        },
        "format signature (searched 0, 512, 1024, ... to end of file)",
        size,
    )
    .into())
}

/// Where the root group starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootGroup {
    /// Superblock versions 0 and 1: the root group's symbol table entry (spec III.C).
    SymbolTableEntry(SymbolTableEntry),
    /// Superblock versions 2 and 3: the root group's object header address.
    ObjectHeader(u64),
}

impl RootGroup {
    /// The root group's object header address, whatever the superblock version.
    pub fn object_header_address(&self) -> u64 {
        match self {
            RootGroup::SymbolTableEntry(e) => e.object_header_address,
            RootGroup::ObjectHeader(a) => *a,
        }
    }
}

/// A decoded superblock of any version (spec II.A).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Superblock {
    /// Superblock version, 0 to 3.
    pub version: u8,
    /// Sizes of offsets and lengths; see also [`Superblock::context`].
    pub sizes: Context,
    /// Group leaf node K (versions 0/1; [`DEFAULT_GROUP_LEAF_K`] for 2/3, where the
    /// extension's B-tree 'K' values message may override it).
    pub group_leaf_k: u16,
    /// Group internal node K (versions 0/1; [`DEFAULT_GROUP_INTERNAL_K`] for 2/3).
    pub group_internal_k: u16,
    /// Indexed storage internal node K (version 1; [`DEFAULT_INDEXED_STORAGE_K`] otherwise).
    pub indexed_storage_k: u16,
    /// File consistency flags (4 bytes in versions 0/1, 1 byte in 2/3).
    pub consistency_flags: u32,
    /// Absolute file offset of the first byte of HDF5 data; other addresses are relative to it.
    pub base_address: u64,
    /// Address of the global free-space index (versions 0/1; always undefined in practice).
    pub free_space_address: u64,
    /// Superblock extension object header address (versions 2/3; undefined for 0/1).
    pub extension_address: u64,
    /// End-of-file address: absolute offset of the first byte past the HDF5 data.
    pub eof_address: u64,
    /// Driver information block address (versions 0/1; undefined for 2/3).
    pub driver_info_address: u64,
    /// The root group.
    pub root: RootGroup,
}

impl Superblock {
    /// The sizes every other structure of the file is decoded with.
    pub fn context(&self) -> Context {
        self.sizes
    }

    /// Turns an address stored in the file into an absolute byte offset: the base address is
    /// added, and the undefined address stays undefined. Saturates rather than wrapping, so
    /// an overflowing address reads as out of range.
    pub fn absolute(&self, addr: u64) -> u64 {
        if addr == UNDEFINED_ADDRESS {
            UNDEFINED_ADDRESS
        } else {
            self.base_address.saturating_add(addr)
        }
    }

    /// Bytes of the encoded superblock, signature included.
    pub fn encoded_len(&self) -> usize {
        Self::len_for(self.version, &self.sizes)
    }

    fn len_for(version: u8, ctx: &Context) -> usize {
        let o = ctx.sizeof_offsets();
        match version {
            0 => 24 + 4 * o + SymbolTableEntry::encoded_len(ctx),
            1 => 28 + 4 * o + SymbolTableEntry::encoded_len(ctx),
            _ => 12 + 4 * o + 4,
        }
    }

    /// Finds the signature, reads and decodes the superblock, and applies libhdf5's rule for
    /// a moved file: when the stored base address differs from where the signature was
    /// found, the base address becomes the signature's offset and the end-of-file address is
    /// shifted by the same amount.
    ///
    /// # Errors
    /// Those of [`find_signature`] and [`Superblock::decode`]; the source's read errors.
    pub fn read<S: ReadAt + ?Sized>(src: &S) -> core::result::Result<Self, S::Error> {
        let at = find_signature(src)?;
        let bytes = src.read_up_to(at, MAX_ENCODED_LEN)?;
        let mut sb = Self::decode(&mut Cursor::new(&bytes, at, STRUCTURE))?;
        if sb.base_address != at {
            sb.eof_address = if at > sb.base_address {
                sb.eof_address.saturating_add(at - sb.base_address)
            } else {
                sb.eof_address.saturating_sub(sb.base_address - at)
            };
            sb.base_address = at;
        }
        Ok(sb)
    }

    /// Decodes a superblock from a cursor positioned at its signature (the cursor's offset
    /// is the signature's file offset). For versions 2 and 3 the checksum is verified before
    /// any field past the sizes is read.
    ///
    /// # Errors
    /// `BadSignature`; `UnsupportedVersion` for versions above 3; `InvalidValue` for
    /// unsupported sizes, a zero K, or a sub-structure version other than 0 (versions 0/1);
    /// `ChecksumMismatch` at the checksum field's offset (versions 2/3); `UnexpectedEof`.
    pub fn decode(cur: &mut Cursor<'_>) -> Result<Self> {
        let mut cur = cur.clone().named(STRUCTURE);
        let start = cur.position();
        cur.signature(SIGNATURE)?;
        let version = cur.u8()?;
        let sb = match version {
            0 | 1 => Self::decode_v0_v1(&mut cur, version)?,
            2 | 3 => Self::decode_v2_v3(&mut cur, start, version)?,
            _ => {
                return Err(FormatError::new(
                    ErrorKind::UnsupportedVersion { version },
                    STRUCTURE,
                    cur.offset() - 1,
                ))
            }
        };
        Ok(sb)
    }

    fn decode_v0_v1(cur: &mut Cursor<'_>, version: u8) -> Result<Self> {
        // spec II.A: the free-space, root entry and shared header versions are all 0.
        for field in [
            "free-space storage version",
            "root group symbol table entry version",
        ] {
            let v = cur.u8()?;
            if v != 0 {
                return Err(cur.invalid(field, u64::from(v), 1));
            }
        }
        cur.skip(1)?;
        let shared = cur.u8()?;
        if shared != 0 {
            return Err(cur.invalid("shared header message format version", u64::from(shared), 1));
        }
        let sizes_at = cur.offset();
        let o = cur.u8()?;
        let l = cur.u8()?;
        let ctx = Context::new(o, l, sizes_at)?;
        cur.skip(1)?;
        let group_leaf_k = nonzero_k(cur, "group leaf node K")?;
        let group_internal_k = nonzero_k(cur, "group internal node K")?;
        let consistency_flags = cur.u32()?;
        let indexed_storage_k = if version == 1 {
            let k = nonzero_k(cur, "indexed storage internal node K")?;
            cur.skip(2)?;
            k
        } else {
            DEFAULT_INDEXED_STORAGE_K
        };
        let base_address = cur.offset_field(&ctx)?;
        let free_space_address = cur.offset_field(&ctx)?;
        let eof_address = cur.offset_field(&ctx)?;
        let driver_info_address = cur.offset_field(&ctx)?;
        let root = SymbolTableEntry::decode(cur, &ctx)
            .map_err(|e| e.in_structure("superblock root group symbol table entry"))?;
        Ok(Superblock {
            version,
            sizes: ctx,
            group_leaf_k,
            group_internal_k,
            indexed_storage_k,
            consistency_flags,
            base_address,
            free_space_address,
            extension_address: UNDEFINED_ADDRESS,
            eof_address,
            driver_info_address,
            root: RootGroup::SymbolTableEntry(root),
        })
    }

    fn decode_v2_v3(cur: &mut Cursor<'_>, start: usize, version: u8) -> Result<Self> {
        let sizes_at = cur.offset();
        let o = cur.u8()?;
        let l = cur.u8()?;
        let ctx = Context::new(o, l, sizes_at)?;
        let consistency_flags = u32::from(cur.u8()?);
        // Verify the checksum over everything before it, from the signature on.
        let body_len = Self::len_for(version, &ctx) - 4;
        let checksum_pos = start + body_len;
        let all = cur.all();
        let body = all.get(start..checksum_pos);
        let stored = all.get(checksum_pos..checksum_pos + 4);
        let (Some(body), Some(stored)) = (body, stored) else {
            let needed = (checksum_pos + 4 - cur.position()) as u64;
            return Err(cur.error(ErrorKind::UnexpectedEof {
                needed,
                available: cur.remaining() as u64,
            }));
        };
        let stored = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
        let computed = lookup3(body);
        if stored != computed {
            return Err(FormatError::new(
                ErrorKind::ChecksumMismatch { stored, computed },
                STRUCTURE,
                cur.base() + checksum_pos as u64,
            ));
        }
        let base_address = cur.offset_field(&ctx)?;
        let extension_address = cur.offset_field(&ctx)?;
        let eof_address = cur.offset_field(&ctx)?;
        let root = cur.offset_field(&ctx)?;
        cur.skip(4)?;
        Ok(Superblock {
            version,
            sizes: ctx,
            group_leaf_k: DEFAULT_GROUP_LEAF_K,
            group_internal_k: DEFAULT_GROUP_INTERNAL_K,
            indexed_storage_k: DEFAULT_INDEXED_STORAGE_K,
            consistency_flags,
            base_address,
            free_space_address: UNDEFINED_ADDRESS,
            extension_address,
            eof_address,
            driver_info_address: UNDEFINED_ADDRESS,
            root: RootGroup::ObjectHeader(root),
        })
    }

    /// Appends the encoded superblock; for versions 2/3 the checksum is computed over the
    /// written bytes and appended last.
    ///
    /// # Errors
    /// `UnsupportedVersion` for versions above 3; `EncodeOverflow` if the root group kind
    /// does not match the version (entry for 0/1, object header address for 2/3), if a
    /// version 2/3 consistency flag does not fit in a byte, or an address does not fit.
    pub fn encode(&self, w: &mut Writer) -> Result<()> {
        let ctx = self.sizes;
        let start = w.len();
        let mismatch =
            |field| FormatError::new(ErrorKind::EncodeOverflow { field }, STRUCTURE, start as u64);
        w.bytes(SIGNATURE);
        w.u8(self.version);
        match (self.version, &self.root) {
            (0 | 1, RootGroup::SymbolTableEntry(root)) => {
                w.bytes(&[0, 0, 0, 0]); // free-space, root entry, reserved, shared header
                w.u8(ctx.sizeof_offsets() as u8);
                w.u8(ctx.sizeof_lengths() as u8);
                w.u8(0);
                w.u16(self.group_leaf_k);
                w.u16(self.group_internal_k);
                w.u32(self.consistency_flags);
                if self.version == 1 {
                    w.u16(self.indexed_storage_k);
                    w.u16(0);
                }
                w.offset_field(self.base_address, &ctx)?;
                w.offset_field(self.free_space_address, &ctx)?;
                w.offset_field(self.eof_address, &ctx)?;
                w.offset_field(self.driver_info_address, &ctx)?;
                root.encode(w, &ctx)?;
            }
            (2 | 3, RootGroup::ObjectHeader(root)) => {
                w.u8(ctx.sizeof_offsets() as u8);
                w.u8(ctx.sizeof_lengths() as u8);
                let flags = u8::try_from(self.consistency_flags)
                    .map_err(|_| mismatch("file consistency flags"))?;
                w.u8(flags);
                w.offset_field(self.base_address, &ctx)?;
                w.offset_field(self.extension_address, &ctx)?;
                w.offset_field(self.eof_address, &ctx)?;
                w.offset_field(*root, &ctx)?;
                w.checksum_from(start);
            }
            (0..=3, _) => return Err(mismatch("root group (kind does not match the version)")),
            (version, _) => {
                return Err(FormatError::new(
                    ErrorKind::UnsupportedVersion { version },
                    STRUCTURE,
                    start as u64,
                ))
            }
        }
        Ok(())
    }
}

fn nonzero_k(cur: &mut Cursor<'_>, field: &'static str) -> Result<u16> {
    let k = cur.u16()?;
    if k == 0 {
        return Err(cur.invalid(field, 0, 2));
    }
    Ok(k)
}

/// The driver information block of a version 0/1 superblock (spec II.B). It is kept as
/// bytes: only the driver's identification is interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverInfoBlock {
    /// Eight ASCII bytes naming the driver, e.g. `NCSAmult` or `NCSAfami`.
    pub driver_id: [u8; 8],
    /// The driver-specific information, uninterpreted.
    pub info: Vec<u8>,
}

const DRIVER_INFO: &str = "driver information block";

impl DriverInfoBlock {
    /// Bytes before the driver information: version, reserved, size, identification.
    pub const HEADER_LEN: usize = 16;

    /// Decodes the block (version 0 only).
    ///
    /// # Errors
    /// `UnsupportedVersion` for other versions; `UnexpectedEof` if the information runs past
    /// the cursor.
    pub fn decode(cur: &mut Cursor<'_>) -> Result<Self> {
        let mut cur = cur.clone().named(DRIVER_INFO);
        let version = cur.u8()?;
        if version != 0 {
            return Err(FormatError::new(
                ErrorKind::UnsupportedVersion { version },
                DRIVER_INFO,
                cur.offset() - 1,
            ));
        }
        cur.skip(3)?;
        let len = cur.u32()? as usize;
        let driver_id = cur.array::<8>()?;
        let info = cur.bytes(len)?.to_vec();
        Ok(DriverInfoBlock { driver_id, info })
    }

    /// Reads the block at `address` (absolute offset in `src`).
    ///
    /// # Errors
    /// The source's read errors; `LimitExceeded` if the block is larger than
    /// `limits.max_structure_bytes`; the errors of [`Self::decode`].
    pub fn read<S: ReadAt + ?Sized>(
        src: &S,
        address: u64,
        limits: &Limits,
    ) -> core::result::Result<Self, S::Error> {
        let head = src.read_at(address, Self::HEADER_LEN)?;
        let mut c = Cursor::new(&head, address, DRIVER_INFO);
        c.skip(4)?;
        let len = u64::from(c.u32()?) + Self::HEADER_LEN as u64;
        limits.structure_size(len, DRIVER_INFO, address)?;
        let bytes = src.read_at(address, len as usize)?;
        Ok(Self::decode(&mut Cursor::new(
            &bytes,
            address,
            DRIVER_INFO,
        ))?)
    }

    /// Appends the encoded block.
    ///
    /// # Errors
    /// `EncodeOverflow` if the information is longer than `u32::MAX` bytes.
    pub fn encode(&self, w: &mut Writer) -> Result<()> {
        w.u8(0);
        w.zeros(3);
        w.uint(self.info.len() as u64, 4, "driver information size")?;
        w.bytes(&self.driver_id);
        w.bytes(&self.info);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbol_table_entry::ScratchPad;
    use proptest::prelude::*;

    // The first 96 bytes of tests/data/group_symtab.h5 (libhdf5 1.10.8, group K 2/2).
    const V0: [u8; 96] = [
        0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0, 0, 8, 8, 0, 2, 0, 2, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xb0, 0x42,
        0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
        0x60, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x88, 0, 0, 0, 0, 0, 0, 0, 0xe8, 0, 0,
        0, 0, 0, 0, 0,
    ];

    #[test]
    fn decodes_v0_hand_image() {
        let sb = Superblock::decode(&mut Cursor::new(&V0, 0, "t")).unwrap();
        assert_eq!(sb.version, 0);
        assert_eq!((sb.group_leaf_k, sb.group_internal_k), (2, 2));
        assert_eq!(sb.indexed_storage_k, 32);
        assert_eq!(sb.eof_address, 17072);
        assert_eq!(sb.base_address, 0);
        assert_eq!(sb.driver_info_address, UNDEFINED_ADDRESS);
        assert_eq!(sb.encoded_len(), 96);
        match sb.root {
            RootGroup::SymbolTableEntry(e) => {
                assert_eq!(e.object_header_address, 96);
                assert_eq!(
                    e.scratch_pad,
                    ScratchPad::Group {
                        btree_address: 136,
                        heap_address: 232
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        let mut w = Writer::new();
        sb.encode(&mut w).unwrap();
        assert_eq!(w.as_slice(), &V0);
    }

    #[test]
    fn signature_search_and_missing_signature() {
        let mut file = alloc::vec![0u8; 2048];
        file[1024..1024 + 96].copy_from_slice(&V0);
        assert_eq!(find_signature(&file[..]).unwrap(), 1024);
        let sb = Superblock::read(&file[..]).unwrap();
        // Stored base 0, found at 1024: libhdf5 moves base and end of file.
        assert_eq!(sb.base_address, 1024);
        assert_eq!(sb.eof_address, 17072 + 1024);
        assert_eq!(sb.absolute(96), 1120);
        assert_eq!(sb.absolute(UNDEFINED_ADDRESS), UNDEFINED_ADDRESS);
        // A signature at 100 is not at a searched offset.
        let mut file = alloc::vec![0u8; 700];
        file[100..108].copy_from_slice(SIGNATURE);
        let err = find_signature(&file[..]).unwrap_err();
        assert_eq!(err.offset, 700);
        assert!(matches!(err.kind, ErrorKind::BadSignature { .. }));
    }

    #[test]
    fn rejects_bad_fields() {
        let mut b = V0;
        b[13] = 3;
        let err = Superblock::decode(&mut Cursor::new(&b, 0, "t")).unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidValue {
                field: "size of offsets",
                value: 3
            }
        );
        assert_eq!(err.offset, 13);
        let mut b = V0;
        b[16] = 0;
        let err = Superblock::decode(&mut Cursor::new(&b, 0, "t")).unwrap_err();
        assert_eq!(err.offset, 16);
        let mut b = V0;
        b[8] = 4;
        let err = Superblock::decode(&mut Cursor::new(&b, 0, "t")).unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnsupportedVersion { version: 4 });
        // Truncation anywhere is an error, never a panic.
        for n in 0..V0.len() {
            assert!(Superblock::decode(&mut Cursor::new(&V0[..n], 0, "t")).is_err());
        }
    }

    #[test]
    fn driver_info_block() {
        let mut b = alloc::vec![0u8, 0, 0, 0, 8, 0, 0, 0];
        b.extend_from_slice(b"NCSAfami");
        b.extend_from_slice(&(1u64 << 30).to_le_bytes());
        let d = DriverInfoBlock::read(&b[..], 0, &Limits::DEFAULT).unwrap();
        assert_eq!(&d.driver_id, b"NCSAfami");
        assert_eq!(d.info, (1u64 << 30).to_le_bytes());
        let mut w = Writer::new();
        d.encode(&mut w).unwrap();
        assert_eq!(w.as_slice(), &b[..]);
        b[4] = 9;
        assert!(DriverInfoBlock::read(&b[..], 0, &Limits::DEFAULT).is_err());
    }

    fn addr(ctx: Context) -> impl Strategy<Value = u64> {
        let max = if ctx.sizeof_offsets() == 8 {
            u64::MAX - 1
        } else {
            (1u64 << (8 * ctx.sizeof_offsets())) - 2
        };
        prop_oneof![Just(UNDEFINED_ADDRESS), 0..=max]
    }

    fn superblock() -> impl Strategy<Value = Superblock> {
        (0u8..4, prop_oneof![Just(2u8), Just(4u8), Just(8u8)])
            .prop_flat_map(|(version, o)| {
                let ctx = Context::new(o, 8, 0).unwrap();
                (
                    Just(version),
                    Just(ctx),
                    1u16..,
                    1u16..,
                    1u16..,
                    any::<u8>(),
                    addr(ctx),
                    addr(ctx),
                    addr(ctx),
                    addr(ctx),
                )
            })
            .prop_map(|(version, sizes, lk, ik, sk, flags, a, b, c, d)| {
                let v01 = version < 2;
                Superblock {
                    version,
                    sizes,
                    group_leaf_k: if v01 { lk } else { DEFAULT_GROUP_LEAF_K },
                    group_internal_k: if v01 { ik } else { DEFAULT_GROUP_INTERNAL_K },
                    indexed_storage_k: if version == 1 {
                        sk
                    } else {
                        DEFAULT_INDEXED_STORAGE_K
                    },
                    consistency_flags: u32::from(flags),
                    base_address: a,
                    free_space_address: if v01 { b } else { UNDEFINED_ADDRESS },
                    extension_address: if v01 { UNDEFINED_ADDRESS } else { b },
                    eof_address: c,
                    driver_info_address: if v01 { d } else { UNDEFINED_ADDRESS },
                    root: if v01 {
                        RootGroup::SymbolTableEntry(SymbolTableEntry {
                            link_name_offset: 0,
                            object_header_address: d,
                            scratch_pad: ScratchPad::None,
                        })
                    } else {
                        RootGroup::ObjectHeader(d)
                    },
                }
            })
    }

    proptest! {
        #[test]
        fn round_trip(sb in superblock()) {
            let mut w = Writer::new();
            sb.encode(&mut w).unwrap();
            prop_assert_eq!(w.len(), sb.encoded_len());
            let back = Superblock::decode(&mut Cursor::new(w.as_slice(), 0, "t")).unwrap();
            prop_assert_eq!(back, sb);
        }

        #[test]
        fn any_flipped_byte_of_v2_fails(sb in superblock(), byte in 0usize..48, bit in 0u8..8) {
            prop_assume!(sb.version >= 2);
            let mut w = Writer::new();
            sb.encode(&mut w).unwrap();
            let mut b = w.into_inner();
            let i = byte % b.len();
            b[i] ^= 1 << bit;
            prop_assert!(Superblock::decode(&mut Cursor::new(&b, 0, "t")).is_err());
        }
    }
}
