//! The File Space Info message, type 0x0017 (spec IV.A.2.x), found only in the superblock
//! extension.

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, Result};

/// File space management settings, in either of the two message versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSpaceInfo {
    /// Version 0, written by libhdf5 1.10.0 only.
    V0 {
        /// Strategy: 1 ALL_PERSIST, 2 ALL, 3 AGGR_VFD, 4 VFD.
        strategy: u8,
        /// Smallest free-space section size tracked.
        threshold: u64,
        /// Free-space manager addresses for the six allocation types (super, B-tree, raw
        /// data, global heap, local heap, object header); stored only with strategy 1.
        managers: Option<[u64; 6]>,
    },
    /// Version 1, written by libhdf5 1.10.1 and later.
    V1 {
        /// Strategy: 0 FSM_AGGR, 1 PAGE, 2 AGGR, 3 NONE.
        strategy: u8,
        /// Whether free space persists across file opens (the stored byte, nonzero = true).
        persist: u8,
        /// Smallest free-space section size tracked.
        threshold: u64,
        /// File space page size (paged aggregation).
        page_size: u64,
        /// Smallest section at the end of a page that is tracked.
        page_end_threshold: u16,
        /// End of allocation before the self-referential free-space managers were allocated.
        eoa_before_managers: u64,
        /// Addresses of the six small-sized then six large-sized free-space managers;
        /// stored only when `persist` is nonzero.
        managers: Option<[u64; 12]>,
    },
}

impl FileSpaceInfo {
    /// Decodes the message body.
    ///
    /// # Errors
    /// `UnsupportedVersion` for versions above 1, `UnexpectedEof` if too short.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        match version {
            0 => {
                let strategy = cur.u8()?;
                let threshold = cur.length_field(ctx)?;
                let managers = if strategy == 1 {
                    let mut a = [0u64; 6];
                    for x in &mut a {
                        *x = cur.offset_field(ctx)?;
                    }
                    Some(a)
                } else {
                    None
                };
                Ok(FileSpaceInfo::V0 {
                    strategy,
                    threshold,
                    managers,
                })
            }
            1 => {
                let strategy = cur.u8()?;
                let persist = cur.u8()?;
                let threshold = cur.length_field(ctx)?;
                let page_size = cur.length_field(ctx)?;
                let page_end_threshold = cur.u16()?;
                let eoa_before_managers = cur.offset_field(ctx)?;
                let managers = if persist != 0 {
                    let mut a = [0u64; 12];
                    for x in &mut a {
                        *x = cur.offset_field(ctx)?;
                    }
                    Some(a)
                } else {
                    None
                };
                Ok(FileSpaceInfo::V1 {
                    strategy,
                    persist,
                    threshold,
                    page_size,
                    page_end_threshold,
                    eoa_before_managers,
                    managers,
                })
            }
            _ => Err(cur.error(ErrorKind::UnsupportedVersion { version })),
        }
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// `EncodeOverflow` if a value does not fit; `InvalidValue` if the presence of the
    /// manager addresses disagrees with `strategy` (version 0) or `persist` (version 1).
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        let mismatch = |field, value: u8, at: usize| {
            crate::error::FormatError::new(
                ErrorKind::InvalidValue {
                    field,
                    value: value.into(),
                },
                "file space info message",
                at as u64,
            )
        };
        match self {
            FileSpaceInfo::V0 {
                strategy,
                threshold,
                managers,
            } => {
                if (*strategy == 1) != managers.is_some() {
                    return Err(mismatch("file space strategy", *strategy, w.len()));
                }
                w.u8(0);
                w.u8(*strategy);
                w.length_field(*threshold, ctx)?;
                for a in managers.iter().flatten() {
                    w.offset_field(*a, ctx)?;
                }
            }
            FileSpaceInfo::V1 {
                strategy,
                persist,
                threshold,
                page_size,
                page_end_threshold,
                eoa_before_managers,
                managers,
            } => {
                if (*persist != 0) != managers.is_some() {
                    return Err(mismatch("persisting free-space", *persist, w.len()));
                }
                w.u8(1);
                w.u8(*strategy);
                w.u8(*persist);
                w.length_field(*threshold, ctx)?;
                w.length_field(*page_size, ctx)?;
                w.u16(*page_end_threshold);
                w.offset_field(*eoa_before_managers, ctx)?;
                for a in managers.iter().flatten() {
                    w.offset_field(*a, ctx)?;
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

    fn rt(m: &FileSpaceInfo) -> FileSpaceInfo {
        let mut w = Writer::new();
        m.encode(&mut w, &Context::DEFAULT).unwrap();
        let bytes = w.into_inner();
        let mut cur = Cursor::new(&bytes, 0, "t");
        let back = FileSpaceInfo::decode(&mut cur, &Context::DEFAULT).unwrap();
        assert!(cur.is_empty());
        back
    }

    #[test]
    fn version1_layout() {
        // Version 1, strategy PAGE, not persisting, threshold 1, page size 4096,
        // page-end threshold 0, EOA 0x800.
        let mut bytes = alloc::vec![1u8, 1, 0];
        bytes.extend_from_slice(&1u64.to_le_bytes());
        bytes.extend_from_slice(&4096u64.to_le_bytes());
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(&0x800u64.to_le_bytes());
        let m = FileSpaceInfo::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(
            m,
            FileSpaceInfo::V1 {
                strategy: 1,
                persist: 0,
                threshold: 1,
                page_size: 4096,
                page_end_threshold: 0,
                eoa_before_managers: 0x800,
                managers: None
            }
        );
    }

    proptest! {
        #[test]
        fn roundtrips(strategy in 0u8..5, t in any::<u64>(), p in any::<u64>(), e in any::<u16>(),
                      eoa in any::<u64>(), addrs in any::<[u64; 12]>(), persist in any::<bool>()) {
            let mut six = [0u64; 6];
            six.copy_from_slice(&addrs[..6]);
            let v0 = FileSpaceInfo::V0 { strategy, threshold: t,
                                         managers: (strategy == 1).then_some(six) };
            prop_assert_eq!(rt(&v0), v0);
            let v1 = FileSpaceInfo::V1 { strategy, persist: u8::from(persist), threshold: t,
                page_size: p, page_end_threshold: e, eoa_before_managers: eoa,
                managers: persist.then_some(addrs) };
            prop_assert_eq!(rt(&v1), v1);
        }
    }
}
