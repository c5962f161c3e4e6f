//! The Fill Value message, type 0x0005 (spec IV.A.2.f), versions 1, 2 and 3.

use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// When storage for a dataset's raw data is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocationTime {
    /// All storage when the dataset is created (1).
    Early,
    /// All storage when the dataset is first written (2).
    Late,
    /// Each chunk when it is first written (3).
    Incremental,
}

/// Whether the fill value is written into newly allocated storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillWriteTime {
    /// Always, on allocation (0).
    OnAllocation,
    /// Never (1).
    Never,
    /// Only if the user set a fill value (2).
    IfSet,
}

/// The fill value itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FillState {
    /// Marked "undefined": uninitialized elements have unspecified values.
    Undefined,
    /// The library default: all zero bytes.
    Default,
    /// A value set by the user, in the dataset's datatype. Never empty.
    UserDefined(Vec<u8>),
}

/// A dataset's fill value and allocation settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillValue {
    /// Message version, 1 to 3.
    pub version: u8,
    /// When space is allocated.
    pub allocation_time: AllocationTime,
    /// When the fill value is written.
    pub write_time: FillWriteTime,
    /// The value.
    pub state: FillState,
}

fn alloc_time(cur: &Cursor<'_>, v: u8, back: usize) -> Result<AllocationTime> {
    match v {
        1 => Ok(AllocationTime::Early),
        2 => Ok(AllocationTime::Late),
        3 => Ok(AllocationTime::Incremental),
        _ => Err(cur.invalid("space allocation time", v.into(), back)),
    }
}

fn write_time(cur: &Cursor<'_>, v: u8, back: usize) -> Result<FillWriteTime> {
    match v {
        0 => Ok(FillWriteTime::OnAllocation),
        1 => Ok(FillWriteTime::Never),
        2 => Ok(FillWriteTime::IfSet),
        _ => Err(cur.invalid("fill value write time", v.into(), back)),
    }
}

fn alloc_code(t: AllocationTime) -> u8 {
    match t {
        AllocationTime::Early => 1,
        AllocationTime::Late => 2,
        AllocationTime::Incremental => 3,
    }
}

fn write_code(t: FillWriteTime) -> u8 {
    match t {
        FillWriteTime::OnAllocation => 0,
        FillWriteTime::Never => 1,
        FillWriteTime::IfSet => 2,
    }
}

fn sized_value(cur: &mut Cursor<'_>) -> Result<FillState> {
    let n = cur.u32()?;
    if n == 0 {
        return Ok(FillState::Default);
    }
    let n = usize::try_from(n).map_err(|_| cur.invalid("fill value size", n.into(), 4))?;
    Ok(FillState::UserDefined(cur.bytes(n)?.to_vec()))
}

impl FillValue {
    /// Decodes the message body.
    ///
    /// # Errors
    /// `UnsupportedVersion` for versions other than 1 to 3, `InvalidValue` for an unknown
    /// allocation or write time or bad version 3 flags, `UnexpectedEof`.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        match version {
            1 | 2 => {
                let allocation_time = alloc_time(cur, cur.clone().u8()?, 0)?;
                cur.skip(1)?;
                let write_time = write_time(cur, cur.clone().u8()?, 0)?;
                cur.skip(1)?;
                let defined = cur.u8()?;
                // Version 1 always stores the size; libhdf5 reads it only for a defined
                // value, so accept a version 1 body that ends here.
                let state = if defined != 0 {
                    sized_value(cur)?
                } else {
                    if version == 1 && !cur.is_empty() {
                        let _ = sized_value(cur)?;
                    }
                    FillState::Undefined
                };
                Ok(FillValue {
                    version,
                    allocation_time,
                    write_time,
                    state,
                })
            }
            3 => {
                let flags = cur.u8()?;
                if flags & 0xc0 != 0 || flags & 0x30 == 0x30 {
                    return Err(cur.invalid("fill value flags", flags.into(), 1));
                }
                let allocation_time = alloc_time(cur, flags & 3, 1)?;
                let write_time = write_time(cur, (flags >> 2) & 3, 1)?;
                let state = if flags & 0x10 != 0 {
                    FillState::Undefined
                } else if flags & 0x20 != 0 {
                    sized_value(cur)?
                } else {
                    FillState::Default
                };
                Ok(FillValue {
                    version,
                    allocation_time,
                    write_time,
                    state,
                })
            }
            _ => Err(cur.error(ErrorKind::UnsupportedVersion { version })),
        }
    }

    /// Encodes the message body in `self.version`.
    ///
    /// # Errors
    /// `UnsupportedVersion` for versions other than 1 to 3, `EncodeOverflow` if the value is
    /// 4 GiB or larger.
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        let value: &[u8] = match &self.state {
            FillState::UserDefined(v) => v,
            _ => &[],
        };
        let size = u32::try_from(value.len()).map_err(|_| {
            FormatError::new(
                ErrorKind::EncodeOverflow {
                    field: "fill value size",
                },
                "fill value message",
                w.len() as u64,
            )
        })?;
        let a = alloc_code(self.allocation_time);
        let t = write_code(self.write_time);
        match self.version {
            1 | 2 => {
                w.u8(self.version);
                w.u8(a);
                w.u8(t);
                let defined = !matches!(self.state, FillState::Undefined);
                w.u8(u8::from(defined));
                if defined || self.version == 1 {
                    w.u32(size);
                    w.bytes(value);
                }
            }
            3 => {
                let state_bits = match self.state {
                    FillState::Undefined => 0x10,
                    FillState::Default => 0,
                    FillState::UserDefined(_) if value.is_empty() => 0,
                    FillState::UserDefined(_) => 0x20,
                };
                w.u8(3);
                w.u8(a | t << 2 | state_bits);
                if state_bits == 0x20 {
                    w.u32(size);
                    w.bytes(value);
                }
            }
            version => {
                return Err(FormatError::new(
                    ErrorKind::UnsupportedVersion { version },
                    "fill value message",
                    w.len() as u64,
                ))
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(bytes: &[u8]) -> Result<FillValue> {
        FillValue::decode(&mut Cursor::new(bytes, 0, "t"), &Context::DEFAULT)
    }

    #[test]
    fn libhdf5_version2_and_version3() {
        // Written by libhdf5 1.10.8 for a chunked int32 dataset with fill value -7:
        // default file format (version 2) and H5F_LIBVER_LATEST (version 3).
        let v2 = [
            0x02, 0x03, 0x02, 0x01, 0x04, 0, 0, 0, 0xf9, 0xff, 0xff, 0xff,
        ];
        let v3 = [0x03, 0x2b, 0x04, 0, 0, 0, 0xf9, 0xff, 0xff, 0xff];
        let want = |version| FillValue {
            version,
            allocation_time: AllocationTime::Incremental,
            write_time: FillWriteTime::IfSet,
            state: FillState::UserDefined((-7i32).to_le_bytes().to_vec()),
        };
        for (bytes, version) in [(&v2[..], 2), (&v3[..], 3)] {
            let m = dec(bytes).unwrap();
            assert_eq!(m, want(version));
            let mut w = Writer::new();
            m.encode(&mut w, &Context::DEFAULT).unwrap();
            assert_eq!(w.as_slice(), bytes);
        }
    }

    #[test]
    fn version3_undefined_and_bad_flags() {
        assert_eq!(dec(&[3, 0x12]).unwrap().state, FillState::Undefined);
        assert_eq!(dec(&[3, 0x02]).unwrap().state, FillState::Default);
        assert!(dec(&[3, 0x32]).is_err());
        assert!(dec(&[3, 0x00]).is_err());
        assert!(dec(&[4, 0x00]).is_err());
    }

    fn state() -> impl Strategy<Value = FillState> {
        prop_oneof![
            Just(FillState::Undefined),
            Just(FillState::Default),
            proptest::collection::vec(any::<u8>(), 1..16).prop_map(FillState::UserDefined),
        ]
    }

    proptest! {
        #[test]
        fn roundtrips(version in 1u8..=3, a in 1u8..=3, t in 0u8..=2, state in state()) {
            let cur = Cursor::new(&[], 0, "t");
            let m = FillValue { version, allocation_time: alloc_time(&cur, a, 0).unwrap(),
                                write_time: write_time(&cur, t, 0).unwrap(), state };
            let mut w = Writer::new();
            m.encode(&mut w, &Context::DEFAULT).unwrap();
            let bytes = w.into_inner();
            prop_assert_eq!(dec(&bytes).unwrap(), m);
        }
    }
}
