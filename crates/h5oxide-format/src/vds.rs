//! The Global Heap Block for Virtual Datasets (spec III.F): the mappings of a virtual
//! dataset, stored as one global heap object that the layout message's virtual storage
//! (spec IV.A.2.i, layout class 3) points to.
//!
//! Version 0 (what libhdf5 1.10 to 1.14 writes): a version byte, the number of entries (a
//! "Size of Lengths" field), per entry the NUL-terminated source file and dataset names, the
//! source and virtual selections (spec VIII.A), and a lookup3 checksum of everything before
//! it. Version 1 adds a flags byte per entry that lets a name refer to an earlier entry's
//! (bits 0 and 1) or mark the source file as the virtual dataset's own (bit 2).

use alloc::vec::Vec;

use crate::checksum::lookup3;
use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::selection::Selection;

/// The name errors of this structure report.
const STRUCTURE: &str = "global heap block for virtual dataset";

/// Flags bit 0: the source file name is an index of another entry.
const FLAG_FILE_SHARED: u8 = 0x01;
/// Flags bit 1: the source dataset name is an index of another entry.
const FLAG_DATASET_SHARED: u8 = 0x02;
/// Flags bit 2: the source file is the virtual dataset's own file (no name stored).
const FLAG_SAME_FILE: u8 = 0x04;

/// Smallest encoded entry: two empty names and two 16-byte "all"/"none" selections.
const MIN_ENTRY_LEN: usize = 2 + 16 + 16;

/// A source file or dataset name of a mapping, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VdsName {
    /// The name itself (stored NUL-terminated). `"."` as a file name means the virtual
    /// dataset's own file.
    Inline(Vec<u8>),
    /// Version 1: the same name as the entry at this index (flags bit 0 or 1).
    Shared(u64),
    /// Version 1, source file only: the virtual dataset's own file (flags bit 2).
    SameFile,
}

/// One mapping: a selection of a source dataset placed at a selection of the virtual one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VdsMapping {
    /// The file holding the source dataset (may contain `%b` / `%%` printf-style patterns).
    pub source_file: VdsName,
    /// The source dataset's path in that file (may contain printf-style patterns).
    pub source_dataset: VdsName,
    /// The elements of the source dataset that are mapped.
    pub source_selection: Selection,
    /// Where they go in the virtual dataset.
    pub virtual_selection: Selection,
}

/// The decoded heap object: every mapping of one virtual dataset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VdsBlock {
    /// Encoding version: 0, or 1 (per-entry flags and shared names).
    pub version: u8,
    /// The mappings, in stored order.
    pub mappings: Vec<VdsMapping>,
}

fn err(kind: ErrorKind, offset: u64) -> FormatError {
    FormatError::new(kind, STRUCTURE, offset)
}

fn read_name(cur: &mut Cursor<'_>, shared: bool, ctx: &Context) -> Result<VdsName> {
    if shared {
        Ok(VdsName::Shared(cur.length_field(ctx)?))
    } else {
        let max = cur.remaining();
        Ok(VdsName::Inline(cur.cstr(max)?.to_vec()))
    }
}

impl VdsBlock {
    /// Decodes a whole heap object: the checksum (its last 4 bytes, lookup3 over the bytes
    /// before it) is verified first. `base` is the file offset reported in errors.
    ///
    /// # Errors
    /// `UnexpectedEof` if the object is shorter than its fields; `ChecksumMismatch`;
    /// `UnsupportedVersion` for a version other than 0 or 1; `InvalidValue` for reserved
    /// flag bits or a shared name index that does not name an entry with a stored name;
    /// the errors of [`Selection::decode`].
    pub fn decode(buf: &[u8], base: u64, ctx: &Context) -> Result<Self> {
        let body_len = buf.len().checked_sub(4).ok_or_else(|| {
            err(
                ErrorKind::UnexpectedEof {
                    needed: 4,
                    available: buf.len() as u64,
                },
                base,
            )
        })?;
        let (body, sum) = buf.split_at(body_len);
        let stored = u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]);
        let computed = lookup3(body);
        if stored != computed {
            return Err(err(
                ErrorKind::ChecksumMismatch { stored, computed },
                base + body_len as u64,
            ));
        }
        let mut cur = Cursor::new(body, base, STRUCTURE);
        let version = cur.u8()?;
        if version > 1 {
            return Err(err(ErrorKind::UnsupportedVersion { version }, base));
        }
        let count = cur.length_field(ctx)?;
        // The count comes from the file: bound the allocation by what the body can hold.
        let cap = usize::try_from(count)
            .unwrap_or(usize::MAX)
            .min(cur.remaining() / MIN_ENTRY_LEN);
        let mut mappings = Vec::with_capacity(cap);
        for _ in 0..count {
            let flags = if version >= 1 {
                let f = cur.u8()?;
                if f & !(FLAG_FILE_SHARED | FLAG_DATASET_SHARED | FLAG_SAME_FILE) != 0 {
                    return Err(cur.invalid("mapping flags", u64::from(f), 1));
                }
                f
            } else {
                0
            };
            let source_file = if flags & FLAG_SAME_FILE != 0 {
                VdsName::SameFile
            } else {
                read_name(&mut cur, flags & FLAG_FILE_SHARED != 0, ctx)?
            };
            let source_dataset = read_name(&mut cur, flags & FLAG_DATASET_SHARED != 0, ctx)?;
            let source_selection = Selection::decode(&mut cur)?;
            let virtual_selection = Selection::decode(&mut cur)?;
            mappings.push(VdsMapping {
                source_file,
                source_dataset,
                source_selection,
                virtual_selection,
            });
        }
        let block = VdsBlock { version, mappings };
        // A shared name must lead to a stored one, so resolution never chains or fails.
        for m in &block.mappings {
            for (name, file) in [(&m.source_file, true), (&m.source_dataset, false)] {
                if let VdsName::Shared(i) = name {
                    if block.stored_name(*i, file).is_none() {
                        return Err(err(
                            ErrorKind::InvalidValue {
                                field: "shared name index",
                                value: *i,
                            },
                            base,
                        ));
                    }
                }
            }
        }
        Ok(block)
    }

    fn stored_name(&self, index: u64, file: bool) -> Option<&[u8]> {
        let m = self.mappings.get(usize::try_from(index).ok()?)?;
        match if file {
            &m.source_file
        } else {
            &m.source_dataset
        } {
            VdsName::Inline(n) => Some(n),
            VdsName::SameFile if file => Some(b"."),
            _ => None,
        }
    }

    fn resolve<'a>(&'a self, name: &'a VdsName, file: bool) -> Option<&'a [u8]> {
        match name {
            VdsName::Inline(n) => Some(n),
            VdsName::SameFile => Some(b"."),
            VdsName::Shared(i) => self.stored_name(*i, file),
        }
    }

    /// The source file name of mapping `i`, shared names resolved (`"."` for the virtual
    /// dataset's own file).
    pub fn source_file(&self, i: usize) -> Option<&[u8]> {
        let m = self.mappings.get(i)?;
        self.resolve(&m.source_file, true)
    }

    /// The source dataset name of mapping `i`, shared names resolved.
    pub fn source_dataset(&self, i: usize) -> Option<&[u8]> {
        let m = self.mappings.get(i)?;
        self.resolve(&m.source_dataset, false)
    }

    /// Encodes the heap object, checksum last.
    ///
    /// # Errors
    /// `UnsupportedVersion` for a version other than 0 or 1; `EncodeOverflow` for a name
    /// that contains a NUL byte, a shared name or same-file marker in version 0, a same-file
    /// marker as a dataset name, or a value too large for its field; the errors of
    /// [`Selection::encode`].
    pub fn encode(&self, ctx: &Context) -> Result<Vec<u8>> {
        if self.version > 1 {
            return Err(err(
                ErrorKind::UnsupportedVersion {
                    version: self.version,
                },
                0,
            ));
        }
        let mut w = Writer::new();
        w.u8(self.version);
        w.length_field(self.mappings.len() as u64, ctx)?;
        for m in &self.mappings {
            if self.version >= 1 {
                let mut flags = 0;
                match m.source_file {
                    VdsName::Shared(_) => flags |= FLAG_FILE_SHARED,
                    VdsName::SameFile => flags |= FLAG_SAME_FILE,
                    VdsName::Inline(_) => {}
                }
                match m.source_dataset {
                    VdsName::Shared(_) => flags |= FLAG_DATASET_SHARED,
                    VdsName::SameFile => return Err(overflow("source dataset name", &w)),
                    VdsName::Inline(_) => {}
                }
                w.u8(flags);
            }
            write_name(
                &mut w,
                &m.source_file,
                self.version,
                ctx,
                "source file name",
            )?;
            write_name(
                &mut w,
                &m.source_dataset,
                self.version,
                ctx,
                "source dataset name",
            )?;
            m.source_selection.encode(&mut w)?;
            m.virtual_selection.encode(&mut w)?;
        }
        w.checksum_from(0);
        Ok(w.into_inner())
    }
}

fn overflow(field: &'static str, w: &Writer) -> FormatError {
    err(ErrorKind::EncodeOverflow { field }, w.len() as u64)
}

fn write_name(
    w: &mut Writer,
    name: &VdsName,
    version: u8,
    ctx: &Context,
    field: &'static str,
) -> Result<()> {
    match name {
        VdsName::Inline(n) => {
            if n.contains(&0) {
                return Err(overflow(field, w));
            }
            w.bytes(n);
            w.u8(0);
        }
        VdsName::Shared(i) if version >= 1 => w.length_field(*i, ctx)?,
        // The same-file marker stores nothing (flags bit 2).
        VdsName::SameFile if version >= 1 => {}
        _ => return Err(overflow(field, w)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::selection::{Block, Hyperslab, RegularDim, UNLIMITED};
    use alloc::vec;
    use proptest::prelude::*;

    fn regular(dims: &[(u64, u64, u64, u64)]) -> Selection {
        Selection::Hyperslab(Hyperslab::regular(
            dims.iter()
                .map(|&(start, stride, count, block)| RegularDim {
                    start,
                    stride,
                    count,
                    block,
                })
                .collect(),
        ))
    }

    /// Object 1 of the global heap collection at 2048 in fixtures/files/vds.h5 (libhdf5
    /// 1.10.8), the mappings of `/concat`: three 10-element "all" sources onto 10-element
    /// blocks of a 30-element virtual dataset, each block written as a version-1 hyperslab
    /// block list.
    const CONCAT: &str = concat!(
        "0003000000000000007664735f7372635f302e6835002f646174610003000000",
        "0100000000000000000000000200000001000000000000001000000001000000",
        "0100000000000000090000007664735f7372635f312e6835002f646174610003",
        "0000000100000000000000000000000200000001000000000000001000000001",
        "000000010000000a000000130000007664735f7372635f322e6835002f646174",
        "6100030000000100000000000000000000000200000001000000000000001000",
        "00000100000001000000140000001d000000353ca83d",
    );

    fn unhex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
        digits
            .chunks(2)
            .map(|p| {
                let v = |c: u8| (c as char).to_digit(16).unwrap() as u8;
                v(p[0]) << 4 | v(p[1])
            })
            .collect()
    }

    #[test]
    fn decodes_libhdf5_concat_mappings() {
        let bytes = unhex(CONCAT);
        let b = VdsBlock::decode(&bytes, 0, &Context::DEFAULT).unwrap();
        assert_eq!(b.version, 0);
        assert_eq!(b.mappings.len(), 3);
        for (k, m) in b.mappings.iter().enumerate() {
            let file = alloc::format!("vds_src_{k}.h5");
            assert_eq!(m.source_file, VdsName::Inline(file.into_bytes()));
            assert_eq!(m.source_dataset, VdsName::Inline(b"/data".to_vec()));
            assert_eq!(m.source_selection, Selection::All);
            let k = k as u64;
            let want = Hyperslab {
                version: 1,
                enc_size: 4,
                rank: 1,
                shape: crate::selection::HyperslabShape::Irregular(vec![Block {
                    start: vec![10 * k],
                    end: vec![10 * k + 9],
                }]),
            };
            assert_eq!(m.virtual_selection, Selection::Hyperslab(want));
        }
        // The encoder writes the same bytes back.
        assert_eq!(b.encode(&Context::DEFAULT).unwrap(), bytes);
    }

    #[test]
    fn rejects_corrupted_checksum_and_truncation() {
        let mut bytes = unhex(CONCAT);
        bytes[5] ^= 0x40;
        let e = VdsBlock::decode(&bytes, 100, &Context::DEFAULT).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::ChecksumMismatch { .. }));
        assert!(VdsBlock::decode(&[1, 2, 3], 0, &Context::DEFAULT).is_err());
        // A huge entry count with a valid checksum ends in EOF, not a huge allocation.
        let mut w = Writer::new();
        w.u8(0);
        w.u64(u64::MAX / 2);
        w.checksum_from(0);
        let e = VdsBlock::decode(&w.into_inner(), 0, &Context::DEFAULT).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::UnexpectedEof { .. }));
    }

    #[test]
    fn version_1_shared_names_resolve() {
        let all = Selection::All;
        let b = VdsBlock {
            version: 1,
            mappings: vec![
                VdsMapping {
                    source_file: VdsName::Inline(b"a.h5".to_vec()),
                    source_dataset: VdsName::Inline(b"/x".to_vec()),
                    source_selection: all.clone(),
                    virtual_selection: regular(&[(0, 1, 1, 4)]),
                },
                VdsMapping {
                    source_file: VdsName::Shared(0),
                    source_dataset: VdsName::Shared(0),
                    source_selection: all.clone(),
                    virtual_selection: regular(&[(4, 1, 1, 4)]),
                },
                VdsMapping {
                    source_file: VdsName::SameFile,
                    source_dataset: VdsName::Inline(b"/y".to_vec()),
                    source_selection: all,
                    virtual_selection: regular(&[(8, 1, 1, 4)]),
                },
            ],
        };
        let enc = b.encode(&Context::DEFAULT).unwrap();
        // Flags of the second entry: both names shared.
        let d = VdsBlock::decode(&enc, 0, &Context::DEFAULT).unwrap();
        assert_eq!(d, b);
        assert_eq!(d.source_file(1), Some(&b"a.h5"[..]));
        assert_eq!(d.source_dataset(1), Some(&b"/x"[..]));
        assert_eq!(d.source_file(2), Some(&b"."[..]));
        // Version 0 cannot say "shared".
        let v0 = VdsBlock { version: 0, ..b };
        assert!(v0.encode(&Context::DEFAULT).is_err());
    }

    #[test]
    fn shared_index_to_nothing_is_invalid() {
        let b = VdsBlock {
            version: 1,
            mappings: vec![VdsMapping {
                source_file: VdsName::Shared(7),
                source_dataset: VdsName::Inline(b"/x".to_vec()),
                source_selection: Selection::All,
                virtual_selection: Selection::All,
            }],
        };
        let enc = b.encode(&Context::DEFAULT).unwrap();
        let e = VdsBlock::decode(&enc, 0, &Context::DEFAULT).unwrap_err();
        assert!(matches!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "shared name index",
                value: 7
            }
        ));
    }

    fn selection() -> impl Strategy<Value = Selection> {
        let dim = (0u64..1000, 1u64..100, 0u64..50, 1u64..20).prop_map(
            |(start, stride, count, block)| RegularDim {
                start,
                stride,
                count: if count == 0 { UNLIMITED } else { count },
                block,
            },
        );
        let block = (prop::collection::vec((0u64..1 << 40, 0u64..9), 2)).prop_map(|v| Block {
            start: v.iter().map(|p| p.0).collect(),
            end: v.iter().map(|p| p.0 + p.1).collect(),
        });
        prop_oneof![
            Just(Selection::All),
            Just(Selection::None),
            prop::collection::vec(dim, 1..4)
                .prop_map(|d| Selection::Hyperslab(Hyperslab::regular(d))),
            prop::collection::vec(block, 0..4)
                .prop_map(|b| Selection::Hyperslab(Hyperslab::irregular(2, b))),
        ]
    }

    fn name() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(1u8..=255, 0..12)
    }

    proptest! {
        #[test]
        fn round_trip(
            version in 0u8..2,
            raw in prop::collection::vec(
                (name(), name(), selection(), selection(), 0u8..4, 0u8..3), 0..5),
        ) {
            let n = raw.len() as u64;
            let mappings: Vec<VdsMapping> = raw
                .into_iter()
                .enumerate()
                .map(|(i, (f, d, s, v, fk, dk))| {
                    // Shared names point at entry 0, whose names are always stored.
                    let share = version == 1 && i > 0 && n > 0;
                    VdsMapping {
                        source_file: match fk {
                            1 if share => VdsName::Shared(0),
                            2 if version == 1 => VdsName::SameFile,
                            _ => VdsName::Inline(f),
                        },
                        source_dataset: match dk {
                            1 if share => VdsName::Shared(0),
                            _ => VdsName::Inline(d),
                        },
                        source_selection: s,
                        virtual_selection: v,
                    }
                })
                .collect();
            let b = VdsBlock { version, mappings };
            let ctx = Context::DEFAULT;
            let enc = b.encode(&ctx).unwrap();
            let d = VdsBlock::decode(&enc, 0, &ctx).unwrap();
            prop_assert_eq!(&d, &b);
            prop_assert_eq!(d.encode(&ctx).unwrap(), enc);
        }

        #[test]
        fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut bytes = bytes;
            if bytes.len() >= 4 && bytes[0] & 2 == 0 {
                // Give half the inputs a known version and a valid checksum so the fields
                // get parsed.
                bytes[0] &= 0x01;
                let n = bytes.len() - 4;
                let s = lookup3(&bytes[..n]).to_le_bytes();
                bytes[n..].copy_from_slice(&s);
            }
            let _ = VdsBlock::decode(&bytes, 0, &Context::DEFAULT);
        }
    }
}
