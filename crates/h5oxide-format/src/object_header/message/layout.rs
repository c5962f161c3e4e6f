//! The Data Layout message, type 0x0008 (spec IV.A.2.i), versions 1 to 5.
//!
//! Version 5 has the same message encoding as version 4; it differs in how filtered chunk
//! records of fixed array, extensible array and v2 B-tree indexes are encoded (chunk sizes up
//! to 2^64-1), and libhdf5 requires it for chunks of 4 GiB or more ([`Layout::requires_v5`]).

use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// Most dimensions of a chunk, counting the element-size dimension (32 + 1 in libhdf5).
pub const MAX_CHUNK_DIMS: usize = 33;

/// How the addresses of a dataset's chunks are found (spec VII, chunk index types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkIndex {
    /// Version 1 B-tree (layout versions 1 to 3).
    BtreeV1,
    /// Single chunk (type 1). `filtered` holds the filtered chunk's size and filter mask
    /// when the chunk is filtered (flags bit 1).
    Single {
        /// Size of the filtered chunk and its filter mask.
        filtered: Option<(u64, u32)>,
    },
    /// Implicit index: chunks stored in order without an index (type 2).
    Implicit,
    /// Fixed array (type 3).
    FixedArray {
        /// Bits of the maximum number of elements in a data block page.
        page_bits: u8,
    },
    /// Extensible array (type 4).
    ExtensibleArray {
        /// Bits of the maximum number of elements in the array.
        max_bits: u8,
        /// Elements stored in the index block.
        index_elements: u8,
        /// Minimum data block pointers of a super block.
        min_pointers: u8,
        /// Minimum elements per data block.
        min_elements: u8,
        /// Bits of the maximum number of elements in a data block page.
        page_bits: u8,
    },
    /// Version 2 B-tree (type 5).
    BtreeV2 {
        /// Node size in bytes.
        node_size: u32,
        /// Percent full at which a node splits.
        split_percent: u8,
        /// Percent full at which nodes merge.
        merge_percent: u8,
    },
}

/// Chunked storage properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkedLayout {
    /// Layout flags (version 4+): bit 0 "don't filter partial edge chunks", bit 1 "single
    /// filtered chunk".
    pub flags: u8,
    /// Chunk size in elements per dimension, slowest-changing first.
    pub dims: Vec<u64>,
    /// Size of one element in bytes (stored as the last chunk dimension).
    pub element_size: u64,
    /// The chunk index.
    pub index: ChunkIndex,
    /// Address of the index (or of the single chunk, or of the implicit chunk array).
    pub address: u64,
}

impl ChunkedLayout {
    /// Bytes of one unfiltered chunk, or `None` on overflow.
    pub fn chunk_bytes(&self) -> Option<u64> {
        self.dims
            .iter()
            .try_fold(self.element_size, |acc, &d| acc.checked_mul(d))
    }
}

/// Where and how a dataset's raw data is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// The data is inside the message.
    Compact {
        /// The raw data.
        data: Vec<u8>,
        /// Versions 1 and 2 only: the stored dimension sizes (32-bit, possibly truncated).
        legacy_dims: Vec<u32>,
    },
    /// One contiguous block of the file.
    Contiguous {
        /// Address of the data, or the undefined address if not allocated.
        address: u64,
        /// Size in bytes (versions 3+); versions 1 and 2 do not store it.
        size: Option<u64>,
        /// Versions 1 and 2 only: the stored dimension sizes (32-bit, possibly truncated).
        legacy_dims: Vec<u32>,
    },
    /// Chunked storage.
    Chunked(ChunkedLayout),
    /// A virtual dataset (version 4+): its mappings are in a global heap object.
    Virtual {
        /// Address of the global heap collection.
        heap_address: u64,
        /// Index of the object within the collection.
        heap_index: u32,
    },
}

/// The Data Layout message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Message version, 1 to 5.
    pub version: u8,
    /// The storage.
    pub storage: Storage,
}

fn check_dims(cur: &Cursor<'_>, ndims: u8) -> Result<usize> {
    let n = usize::from(ndims);
    if !(2..=MAX_CHUNK_DIMS).contains(&n) {
        return Err(cur.invalid("chunk dimensionality", ndims.into(), 1));
    }
    Ok(n)
}

/// Splits decoded chunk dimensions into (dims, element size), rejecting zero sizes.
fn chunk_dims(cur: &Cursor<'_>, mut all: Vec<u64>) -> Result<(Vec<u64>, u64)> {
    if all.contains(&0) {
        return Err(cur.invalid("chunk dimension size", 0, 0));
    }
    let element_size = all.pop().unwrap_or(0);
    Ok((all, element_size))
}

fn bytes_for(v: u64) -> usize {
    (8 - (v.leading_zeros() / 8) as usize).max(1)
}

impl Layout {
    /// True if the chunks are 4 GiB or larger, which libhdf5 only writes with version 5.
    pub fn requires_v5(&self) -> bool {
        match &self.storage {
            Storage::Chunked(c) => c.chunk_bytes().is_none_or(|b| b > u64::from(u32::MAX)),
            _ => false,
        }
    }

    /// Decodes the message body.
    ///
    /// # Errors
    /// `UnsupportedVersion`, `InvalidValue` for an unknown class, index type, flags or
    /// dimensionality, a zero chunk dimension or zero index parameters, `UnexpectedEof`.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        let storage = match version {
            1 | 2 => Self::decode_legacy(cur, ctx)?,
            3..=5 => {
                let class = cur.u8()?;
                match class {
                    0 => {
                        let n = cur.u16()?;
                        Storage::Compact {
                            data: cur.bytes(n.into())?.to_vec(),
                            legacy_dims: Vec::new(),
                        }
                    }
                    1 => Storage::Contiguous {
                        address: cur.offset_field(ctx)?,
                        size: Some(cur.length_field(ctx)?),
                        legacy_dims: Vec::new(),
                    },
                    2 if version == 3 => {
                        let n = check_dims(cur, cur.clone().u8()?)?;
                        cur.skip(1)?;
                        let address = cur.offset_field(ctx)?;
                        let mut all = Vec::with_capacity(n);
                        for _ in 0..n {
                            all.push(u64::from(cur.u32()?));
                        }
                        let (dims, element_size) = chunk_dims(cur, all)?;
                        Storage::Chunked(ChunkedLayout {
                            flags: 0,
                            dims,
                            element_size,
                            index: ChunkIndex::BtreeV1,
                            address,
                        })
                    }
                    2 => Storage::Chunked(Self::decode_chunked_v4(cur, ctx)?),
                    3 if version >= 4 => Storage::Virtual {
                        heap_address: cur.offset_field(ctx)?,
                        heap_index: cur.u32()?,
                    },
                    _ => return Err(cur.invalid("layout class", class.into(), 1)),
                }
            }
            _ => return Err(cur.error(ErrorKind::UnsupportedVersion { version })),
        };
        Ok(Layout { version, storage })
    }

    fn decode_legacy(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Storage> {
        let ndims = cur.u8()?;
        if ndims == 0 || usize::from(ndims) > MAX_CHUNK_DIMS {
            return Err(cur.invalid("layout dimensionality", ndims.into(), 1));
        }
        let class = cur.u8()?;
        cur.skip(5)?;
        let address = match class {
            1 | 2 => cur.offset_field(ctx)?,
            0 => 0,
            _ => return Err(cur.invalid("layout class", class.into(), 6)),
        };
        let mut dims = Vec::with_capacity(usize::from(ndims));
        for _ in 0..ndims {
            dims.push(cur.u32()?);
        }
        Ok(match class {
            0 => {
                let n = cur.u32()?;
                let n = usize::try_from(n).map_err(|_| cur.invalid("compact size", n.into(), 4))?;
                Storage::Compact {
                    data: cur.bytes(n)?.to_vec(),
                    legacy_dims: dims,
                }
            }
            1 => Storage::Contiguous {
                address,
                size: None,
                legacy_dims: dims,
            },
            _ => {
                // Chunked: the dimensionality counts the element size as the last
                // dimension, as in later versions.
                check_dims(cur, ndims)?;
                let (dims, element_size) =
                    chunk_dims(cur, dims.into_iter().map(u64::from).collect())?;
                Storage::Chunked(ChunkedLayout {
                    flags: 0,
                    dims,
                    element_size,
                    index: ChunkIndex::BtreeV1,
                    address,
                })
            }
        })
    }

    fn decode_chunked_v4(cur: &mut Cursor<'_>, ctx: &Context) -> Result<ChunkedLayout> {
        let flags = cur.u8()?;
        if flags & !0b11 != 0 {
            return Err(cur.invalid("chunked layout flags", flags.into(), 1));
        }
        let n = check_dims(cur, cur.clone().u8()?)?;
        cur.skip(1)?;
        let width = cur.u8()?;
        if !(1..=8).contains(&width) {
            return Err(cur.invalid("dimension size encoded length", width.into(), 1));
        }
        let mut all = Vec::with_capacity(n);
        for _ in 0..n {
            all.push(cur.uint(width.into())?);
        }
        let (dims, element_size) = chunk_dims(cur, all)?;
        let index_type = cur.u8()?;
        let nonzero = |cur: &mut Cursor<'_>, field| -> Result<u8> {
            let v = cur.u8()?;
            if v == 0 {
                return Err(cur.invalid(field, 0, 1));
            }
            Ok(v)
        };
        let index = match index_type {
            1 => ChunkIndex::Single {
                filtered: if flags & 0b10 != 0 {
                    Some((cur.length_field(ctx)?, cur.u32()?))
                } else {
                    None
                },
            },
            2 => ChunkIndex::Implicit,
            3 => ChunkIndex::FixedArray {
                page_bits: nonzero(cur, "fixed array page bits")?,
            },
            4 => ChunkIndex::ExtensibleArray {
                max_bits: nonzero(cur, "extensible array max bits")?,
                index_elements: nonzero(cur, "extensible array index elements")?,
                min_pointers: nonzero(cur, "extensible array min pointers")?,
                min_elements: nonzero(cur, "extensible array min elements")?,
                page_bits: nonzero(cur, "extensible array page bits")?,
            },
            5 => ChunkIndex::BtreeV2 {
                node_size: cur.u32()?,
                split_percent: cur.u8()?,
                merge_percent: cur.u8()?,
            },
            _ => return Err(cur.invalid("chunk index type", index_type.into(), 1)),
        };
        let address = cur.offset_field(ctx)?;
        Ok(ChunkedLayout {
            flags,
            dims,
            element_size,
            index,
            address,
        })
    }

    /// Encodes the message body in `self.version`. Version 4 and 5 chunk dimensions use the
    /// fewest bytes that hold the largest of them, as libhdf5 does.
    ///
    /// # Errors
    /// `UnsupportedVersion`; `InvalidValue` if the storage cannot be expressed in this
    /// version (virtual before 4, a v1 B-tree index after 3, other indexes before 4, a
    /// filtered single chunk without flag bit 1); `EncodeOverflow` if a value does not fit.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        let at = w.len() as u64;
        let invalid = |field, value: u64| {
            FormatError::new(
                ErrorKind::InvalidValue { field, value },
                "data layout message",
                at,
            )
        };
        let overflow = |field| {
            FormatError::new(
                ErrorKind::EncodeOverflow { field },
                "data layout message",
                at,
            )
        };
        let v = self.version;
        if !(1..=5).contains(&v) {
            return Err(FormatError::new(
                ErrorKind::UnsupportedVersion { version: v },
                "data layout message",
                at,
            ));
        }
        w.u8(v);
        if v <= 2 {
            return self.encode_legacy(w, ctx, invalid, overflow);
        }
        match &self.storage {
            Storage::Compact { data, .. } => {
                w.u8(0);
                w.u16(u16::try_from(data.len()).map_err(|_| overflow("compact data size"))?);
                w.bytes(data);
            }
            Storage::Contiguous { address, size, .. } => {
                w.u8(1);
                w.offset_field(*address, ctx)?;
                w.length_field(size.unwrap_or(0), ctx)?;
            }
            Storage::Chunked(c) => {
                w.u8(2);
                let ndims = c.dims.len() + 1;
                if !(2..=MAX_CHUNK_DIMS).contains(&ndims) {
                    return Err(invalid("chunk dimensionality", ndims as u64));
                }
                if v == 3 {
                    if c.index != ChunkIndex::BtreeV1 {
                        return Err(invalid("chunk index type", 0));
                    }
                    w.u8(ndims as u8);
                    w.offset_field(c.address, ctx)?;
                    for &d in c.dims.iter().chain(core::iter::once(&c.element_size)) {
                        w.uint(d, 4, "chunk dimension size")?;
                    }
                    return Ok(());
                }
                if c.flags & !0b11 != 0 {
                    return Err(invalid("chunked layout flags", c.flags.into()));
                }
                let max = c
                    .dims
                    .iter()
                    .copied()
                    .chain([c.element_size])
                    .max()
                    .unwrap_or(0);
                let width = bytes_for(max);
                w.u8(c.flags);
                w.u8(ndims as u8);
                w.u8(width as u8);
                for &d in c.dims.iter().chain(core::iter::once(&c.element_size)) {
                    w.uint(d, width, "chunk dimension size")?;
                }
                match c.index {
                    ChunkIndex::BtreeV1 => return Err(invalid("chunk index type", 0)),
                    ChunkIndex::Single { filtered } => {
                        w.u8(1);
                        match (filtered, c.flags & 0b10 != 0) {
                            (Some((size, mask)), true) => {
                                w.length_field(size, ctx)?;
                                w.u32(mask);
                            }
                            (None, false) => {}
                            _ => return Err(invalid("chunked layout flags", c.flags.into())),
                        }
                    }
                    ChunkIndex::Implicit => w.u8(2),
                    ChunkIndex::FixedArray { page_bits } => {
                        w.u8(3);
                        w.u8(page_bits);
                    }
                    ChunkIndex::ExtensibleArray {
                        max_bits,
                        index_elements,
                        min_pointers,
                        min_elements,
                        page_bits,
                    } => {
                        w.u8(4);
                        w.bytes(&[
                            max_bits,
                            index_elements,
                            min_pointers,
                            min_elements,
                            page_bits,
                        ]);
                    }
                    ChunkIndex::BtreeV2 {
                        node_size,
                        split_percent,
                        merge_percent,
                    } => {
                        w.u8(5);
                        w.u32(node_size);
                        w.u8(split_percent);
                        w.u8(merge_percent);
                    }
                }
                w.offset_field(c.address, ctx)?;
            }
            Storage::Virtual {
                heap_address,
                heap_index,
            } => {
                if v < 4 {
                    return Err(invalid("layout class", 3));
                }
                w.u8(3);
                w.offset_field(*heap_address, ctx)?;
                w.u32(*heap_index);
            }
        }
        Ok(())
    }

    fn encode_legacy(
        &self,
        w: &mut Writer,
        ctx: &Context,
        invalid: impl Fn(&'static str, u64) -> FormatError,
        overflow: impl Fn(&'static str) -> FormatError,
    ) -> Result<()> {
        let dims_u8 = |n: usize| {
            if n == 0 || n > MAX_CHUNK_DIMS {
                Err(invalid("layout dimensionality", n as u64))
            } else {
                Ok(n as u8)
            }
        };
        match &self.storage {
            Storage::Compact { data, legacy_dims } => {
                w.u8(dims_u8(legacy_dims.len())?);
                w.u8(0);
                w.zeros(5);
                for &d in legacy_dims {
                    w.u32(d);
                }
                w.u32(u32::try_from(data.len()).map_err(|_| overflow("compact data size"))?);
                w.bytes(data);
            }
            Storage::Contiguous {
                address,
                legacy_dims,
                ..
            } => {
                w.u8(dims_u8(legacy_dims.len())?);
                w.u8(1);
                w.zeros(5);
                w.offset_field(*address, ctx)?;
                for &d in legacy_dims {
                    w.u32(d);
                }
            }
            Storage::Chunked(c) => {
                if c.index != ChunkIndex::BtreeV1 {
                    return Err(invalid("chunk index type", 0));
                }
                w.u8(dims_u8(c.dims.len() + 1)?);
                w.u8(2);
                w.zeros(5);
                w.offset_field(c.address, ctx)?;
                for &d in c.dims.iter().chain(core::iter::once(&c.element_size)) {
                    w.uint(d, 4, "chunk dimension size")?;
                }
            }
            Storage::Virtual { .. } => return Err(invalid("layout class", 3)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(bytes: &[u8]) -> Result<Layout> {
        Layout::decode(&mut Cursor::new(bytes, 0, "t"), &Context::DEFAULT)
    }

    #[test]
    fn libhdf5_chunked_v3_and_v4() {
        // Layout bodies of a 4x6 int32 dataset with 2x3 chunks written by libhdf5 1.10.8:
        // default format (version 3, v1 B-tree at 0x838) and H5F_LIBVER_LATEST (version 4,
        // extensible array index at 0x272 because the first dimension is unlimited).
        let v3 = [
            0x03, 0x02, 0x03, 0x38, 0x08, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0x03, 0, 0, 0, 0x04, 0,
            0, 0,
        ];
        let v4 = [
            0x04, 0x02, 0x00, 0x03, 0x01, 0x02, 0x03, 0x04, 0x04, 0x20, 0x04, 0x04, 0x10, 0x0a,
            0x72, 0x02, 0, 0, 0, 0, 0, 0,
        ];
        let l = dec(&v3).unwrap();
        assert_eq!(
            l.storage,
            Storage::Chunked(ChunkedLayout {
                flags: 0,
                dims: alloc::vec![2, 3],
                element_size: 4,
                index: ChunkIndex::BtreeV1,
                address: 0x838
            })
        );
        let l4 = dec(&v4).unwrap();
        assert_eq!(
            l4.storage,
            Storage::Chunked(ChunkedLayout {
                flags: 0,
                dims: alloc::vec![2, 3],
                element_size: 4,
                index: ChunkIndex::ExtensibleArray {
                    max_bits: 32,
                    index_elements: 4,
                    min_pointers: 4,
                    min_elements: 16,
                    page_bits: 10
                },
                address: 0x272
            })
        );
        for (m, bytes) in [(l, &v3[..]), (l4, &v4[..])] {
            let mut w = Writer::new();
            m.encode(&mut w, &Context::DEFAULT).unwrap();
            assert_eq!(w.as_slice(), bytes);
        }
    }

    #[test]
    fn rejects_zero_chunk_dimension_and_bad_index() {
        assert!(dec(&[4, 2, 0, 2, 1, 0, 4, 2]).is_err());
        let e = dec(&[4, 2, 0, 2, 1, 3, 4, 9]).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "chunk index type",
                value: 9
            }
        );
        assert_eq!(e.offset, 7);
    }

    #[test]
    fn large_chunks_need_v5() {
        let l = Layout {
            version: 4,
            storage: Storage::Chunked(ChunkedLayout {
                flags: 0,
                dims: alloc::vec![1 << 20, 1 << 10],
                element_size: 8,
                index: ChunkIndex::Implicit,
                address: 0,
            }),
        };
        assert!(l.requires_v5());
    }

    fn index() -> impl Strategy<Value = ChunkIndex> {
        prop_oneof![
            proptest::option::of(any::<(u64, u32)>())
                .prop_map(|filtered| ChunkIndex::Single { filtered }),
            Just(ChunkIndex::Implicit),
            (1u8..=255).prop_map(|page_bits| ChunkIndex::FixedArray { page_bits }),
            (1u8..=255, 1u8..=255, 1u8..=255, 1u8..=255, 1u8..=255).prop_map(|(a, b, c, d, e)| {
                ChunkIndex::ExtensibleArray {
                    max_bits: a,
                    index_elements: b,
                    min_pointers: c,
                    min_elements: d,
                    page_bits: e,
                }
            }),
            any::<(u32, u8, u8)>().prop_map(|(n, s, m)| ChunkIndex::BtreeV2 {
                node_size: n,
                split_percent: s,
                merge_percent: m
            }),
        ]
    }

    fn storage(version: u8) -> BoxedStrategy<Storage> {
        let legacy = version <= 2;
        let dims32 = proptest::collection::vec(1u32..=u32::MAX, 1..5);
        let compact = (
            proptest::collection::vec(any::<u8>(), 0..40),
            dims32.clone(),
        )
            .prop_map(move |(data, d)| Storage::Compact {
                data,
                legacy_dims: if legacy { d } else { Vec::new() },
            });
        let contiguous =
            (any::<u64>(), any::<u64>(), dims32).prop_map(move |(address, size, d)| {
                Storage::Contiguous {
                    address,
                    size: if legacy { None } else { Some(size) },
                    legacy_dims: if legacy { d } else { Vec::new() },
                }
            });
        let max = if version <= 3 {
            u64::from(u32::MAX)
        } else {
            u64::MAX
        };
        let chunked = (
            proptest::collection::vec(1u64..=max, 1..6),
            1u64..=max,
            any::<u64>(),
            index(),
            any::<bool>(),
        )
            .prop_map(move |(dims, element_size, address, index, edge)| {
                let index = if version <= 3 {
                    ChunkIndex::BtreeV1
                } else {
                    index
                };
                let mut flags = if version <= 3 { 0 } else { u8::from(edge) };
                if let ChunkIndex::Single { filtered: Some(_) } = index {
                    flags |= 2;
                }
                Storage::Chunked(ChunkedLayout {
                    flags,
                    dims,
                    element_size,
                    index,
                    address,
                })
            });
        if version >= 4 {
            let virt =
                any::<(u64, u32)>().prop_map(|(heap_address, heap_index)| Storage::Virtual {
                    heap_address,
                    heap_index,
                });
            prop_oneof![compact, contiguous, chunked, virt].boxed()
        } else {
            prop_oneof![compact, contiguous, chunked].boxed()
        }
    }

    proptest! {
        #[test]
        fn roundtrips((version, storage) in (1u8..=5).prop_flat_map(|v| (Just(v), storage(v)))) {
            let l = Layout { version, storage };
            let mut w = Writer::new();
            l.encode(&mut w, &Context::DEFAULT).unwrap();
            let mut cur = Cursor::new(w.as_slice(), 0, "t");
            prop_assert_eq!(Layout::decode(&mut cur, &Context::DEFAULT).unwrap(), l);
            prop_assert!(cur.is_empty());
        }
    }
}
