//! The Dataspace message, type 0x0001 (spec IV.A.2.b).

use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// The name errors of this message report.
const STRUCTURE: &str = "dataspace message";

/// Most dimensions of a dataspace (the C library's `H5S_MAX_RANK`).
pub const MAX_RANK: usize = 32;

/// A maximum dimension size meaning "unlimited" (all bits set in the file).
pub const UNLIMITED: u64 = u64::MAX;

/// Flag bit 0: maximum dimensions are present.
const FLAG_MAX: u8 = 0x01;

/// The kind of a dataspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataspaceKind {
    /// One element, no dimensions.
    Scalar,
    /// A rectangular array of rank 1 or more.
    Simple,
    /// No elements (version 2 only).
    Null,
}

/// A dataspace: rank, dimensions and maximum dimensions (spec IV.A.2.b).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dataspace {
    /// Message version: 1 or 2.
    pub version: u8,
    /// Scalar, simple or null.
    pub kind: DataspaceKind,
    /// Current dimension sizes, slowest first (empty unless simple).
    pub dims: Vec<u64>,
    /// Maximum dimension sizes when stored ([`UNLIMITED`] = unlimited); `None` means the
    /// maximum equals the current size.
    pub max_dims: Option<Vec<u64>>,
}

fn err(kind: ErrorKind, offset: u64) -> FormatError {
    FormatError::new(kind, STRUCTURE, offset)
}

impl Dataspace {
    /// A scalar dataspace, version 1 (what the C library writes for the earliest format).
    pub fn scalar() -> Self {
        Dataspace {
            version: 1,
            kind: DataspaceKind::Scalar,
            dims: Vec::new(),
            max_dims: None,
        }
    }

    /// A null dataspace; null dataspaces need version 2.
    pub fn null() -> Self {
        Dataspace {
            version: 2,
            kind: DataspaceKind::Null,
            dims: Vec::new(),
            max_dims: None,
        }
    }

    /// A simple dataspace, version 1. Like the C library, the maximum dimensions are always
    /// stored: `max_dims` if given, else the current dimensions.
    pub fn simple(dims: Vec<u64>, max_dims: Option<Vec<u64>>) -> Self {
        let max = max_dims.unwrap_or_else(|| dims.clone());
        Dataspace {
            version: 1,
            kind: DataspaceKind::Simple,
            dims,
            max_dims: Some(max),
        }
    }

    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.dims.len()
    }

    /// Number of elements: 1 for scalar, 0 for null, the product of the dimensions for
    /// simple; `None` if the product overflows `u64`.
    pub fn element_count(&self) -> Option<u64> {
        match self.kind {
            DataspaceKind::Scalar => Some(1),
            DataspaceKind::Null => Some(0),
            DataspaceKind::Simple => self.dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d)),
        }
    }

    /// The maximum dimensions: the stored ones, or the current dimensions when none are stored.
    pub fn max_dims_or_dims(&self) -> &[u64] {
        self.max_dims.as_deref().unwrap_or(&self.dims)
    }

    /// Decodes the message body.
    ///
    /// # Errors
    /// `UnexpectedEof` if truncated; `UnsupportedVersion` unless version 1 or 2;
    /// `InvalidValue` for a rank over 32, an unknown dataspace type, or a scalar or null
    /// dataspace with a rank.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let outer = cur.structure();
        let mut c = cur.clone().named(STRUCTURE);
        let ds = Self::decode_body(&mut c, ctx)?;
        *cur = c.named(outer);
        Ok(ds)
    }

    fn decode_body(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let start = cur.offset();
        let version = cur.u8()?;
        if !matches!(version, 1 | 2) {
            return Err(err(ErrorKind::UnsupportedVersion { version }, start));
        }
        let rank = usize::from(cur.u8()?);
        if rank > MAX_RANK {
            return Err(cur.invalid("dataspace rank", rank as u64, 1));
        }
        let flags = cur.u8()?;
        let kind = if version >= 2 {
            let kind = match cur.u8()? {
                0 => DataspaceKind::Scalar,
                1 => DataspaceKind::Simple,
                2 => DataspaceKind::Null,
                t => return Err(cur.invalid("dataspace type", u64::from(t), 1)),
            };
            if kind != DataspaceKind::Simple && rank > 0 {
                return Err(err(
                    ErrorKind::InvalidValue {
                        field: "dataspace rank",
                        value: rank as u64,
                    },
                    start + 1,
                ));
            }
            kind
        } else {
            // Version 1: one reserved byte then four more; the type follows from the rank.
            // The permutation flag (bit 1) was never implemented and is ignored, as the C
            // library does.
            cur.skip(5)?;
            if rank > 0 {
                DataspaceKind::Simple
            } else {
                DataspaceKind::Scalar
            }
        };
        let mut dims = Vec::with_capacity(rank);
        for _ in 0..rank {
            dims.push(cur.length_field(ctx)?);
        }
        let max_dims = if rank > 0 && flags & FLAG_MAX != 0 {
            let mut max = Vec::with_capacity(rank);
            for _ in 0..rank {
                max.push(cur.length_field(ctx)?);
            }
            Some(max)
        } else {
            None
        };
        Ok(Dataspace {
            version,
            kind,
            dims,
            max_dims,
        })
    }

    /// Bytes [`Dataspace::encode`] writes.
    pub fn encoded_len(&self, ctx: &Context) -> usize {
        let head = if self.version == 1 { 8 } else { 4 };
        let n = self.dims.len() + self.max_dims.as_ref().map_or(0, Vec::len);
        head + n * ctx.sizeof_lengths()
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// `UnsupportedVersion` unless version 1 or 2 (or a null dataspace in version 1);
    /// `EncodeOverflow` for a rank over 32, a version-1 simple dataspace of rank 0, dimensions on a scalar or null dataspace, maximum
    /// dimensions of another rank, or a size that does not fit the file's length width.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        let overflow = |field, w: &Writer| err(ErrorKind::EncodeOverflow { field }, w.len() as u64);
        let version = self.version;
        if !matches!(version, 1 | 2) || (version == 1 && self.kind == DataspaceKind::Null) {
            return Err(err(
                ErrorKind::UnsupportedVersion { version },
                w.len() as u64,
            ));
        }
        let rank = self.dims.len();
        if rank > MAX_RANK {
            return Err(overflow("dataspace rank", w));
        }
        if self.kind != DataspaceKind::Simple && (rank > 0 || self.max_dims.is_some()) {
            return Err(overflow("dataspace rank", w));
        }
        if self.max_dims.as_ref().is_some_and(|m| m.len() != rank) {
            return Err(overflow("dataspace maximum dimensions", w));
        }
        if version == 1 && self.kind == DataspaceKind::Simple && rank == 0 {
            // Version 1 has no type field: rank 0 reads back as scalar.
            return Err(overflow("dataspace rank", w));
        }
        if rank == 0 && self.max_dims.is_some() {
            return Err(overflow("dataspace maximum dimensions", w));
        }
        w.u8(version);
        w.u8(rank as u8);
        w.u8(if self.max_dims.is_some() { FLAG_MAX } else { 0 });
        if version >= 2 {
            w.u8(match self.kind {
                DataspaceKind::Scalar => 0,
                DataspaceKind::Simple => 1,
                DataspaceKind::Null => 2,
            });
        } else {
            w.zeros(5);
        }
        for &d in &self.dims {
            w.length_field(d, ctx)
                .map_err(|e| e.in_structure(STRUCTURE))?;
        }
        if let Some(max) = &self.max_dims {
            for &d in max {
                w.length_field(d, ctx)
                    .map_err(|e| e.in_structure(STRUCTURE))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn hx(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn decode(bytes: &[u8], ctx: &Context) -> Result<Dataspace> {
        let mut c = Cursor::new(bytes, 0x40, "object header");
        let ds = Dataspace::decode(&mut c, ctx)?;
        assert!(c.is_empty(), "trailing bytes");
        Ok(ds)
    }

    fn encode(ds: &Dataspace, ctx: &Context) -> Vec<u8> {
        let mut w = Writer::new();
        ds.encode(&mut w, ctx).unwrap();
        assert_eq!(w.len(), ds.encoded_len(ctx));
        w.into_inner()
    }

    // Byte images written by libhdf5 1.10.8 (8-byte lengths): a /tmp h5cc program created
    // datasets of shape (2,) in a default-format file and a libver-latest file, and printed
    // H5Sencode output for in-memory dataspaces, whose extent part is the Dataspace message.

    #[test]
    fn libhdf5_version1_simple() {
        // earliest.h5 at 0x338: rank 1, dims [2], max dims stored (H5Screate_simple with
        // maxdims NULL stores the current size as maximum).
        let b = hx("01 01 01 00 00 00 00 00 02 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00");
        let ds = decode(&b, &Context::DEFAULT).unwrap();
        assert_eq!(ds, Dataspace::simple(vec![2], None));
        assert_eq!(ds.max_dims, Some(vec![2]));
        assert_eq!(ds.element_count(), Some(2));
        assert_eq!(encode(&ds, &Context::DEFAULT), b);
    }

    #[test]
    fn libhdf5_version2_simple() {
        // latest.h5 at 0xdf: version 2 carries the type (1 = simple) and no reserved bytes.
        let b = hx("02 01 01 01 02 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00");
        let ds = decode(&b, &Context::DEFAULT).unwrap();
        assert_eq!(ds.version, 2);
        assert_eq!(ds.kind, DataspaceKind::Simple);
        assert_eq!(ds.dims, vec![2]);
        assert_eq!(encode(&ds, &Context::DEFAULT), b);
    }

    #[test]
    fn libhdf5_unlimited_scalar_null() {
        // H5Screate_simple(2, {4, 5}, {H5S_UNLIMITED, 5}) via H5Sencode.
        let b = hx(
            "01 02 01 00 00 00 00 00 04 00 00 00 00 00 00 00 05 00 00 00 00 00 00 00
                    ff ff ff ff ff ff ff ff 05 00 00 00 00 00 00 00",
        );
        let ds = decode(&b, &Context::DEFAULT).unwrap();
        assert_eq!(ds.dims, vec![4, 5]);
        assert_eq!(ds.max_dims, Some(vec![UNLIMITED, 5]));
        assert_eq!(ds.element_count(), Some(20));
        assert_eq!(encode(&ds, &Context::DEFAULT), b);
        // H5Screate(H5S_SCALAR) via H5Sencode: version 1, rank 0.
        let b = hx("01 00 00 00 00 00 00 00");
        let ds = decode(&b, &Context::DEFAULT).unwrap();
        assert_eq!(ds, Dataspace::scalar());
        assert_eq!(ds.element_count(), Some(1));
        assert_eq!(encode(&ds, &Context::DEFAULT), b);
        // H5Screate(H5S_NULL) via H5Sencode: version 2, type 2.
        let b = hx("02 00 00 02");
        let ds = decode(&b, &Context::DEFAULT).unwrap();
        assert_eq!(ds, Dataspace::null());
        assert_eq!(ds.element_count(), Some(0));
        assert_eq!(encode(&ds, &Context::DEFAULT), b);
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let ctx = Context::DEFAULT;
        let e = decode(&hx("03 00 00 00"), &ctx).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnsupportedVersion { version: 3 });
        assert_eq!((e.structure, e.offset), ("dataspace message", 0x40));
        let e = decode(&hx("02 21 00 01"), &ctx).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "dataspace rank",
                value: 33
            }
        );
        let e = decode(&hx("02 01 00 00 01 00 00 00 00 00 00 00"), &ctx).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "dataspace rank",
                value: 1
            }
        );
        let e = decode(&hx("02 00 00 03"), &ctx).unwrap_err();
        assert!(matches!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "dataspace type",
                ..
            }
        ));
        // Rank 2 but only one dimension present.
        let e = decode(&hx("02 02 00 01 01 00 00 00 00 00 00 00"), &ctx).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::UnexpectedEof { .. }));
        // Element count overflow is reported, not wrapped.
        let big = Dataspace::simple(vec![u64::MAX / 2, 3], None);
        assert_eq!(big.element_count(), None);
        // A null dataspace cannot be written as version 1.
        let mut n = Dataspace::null();
        n.version = 1;
        assert!(n.encode(&mut Writer::new(), &ctx).is_err());
        // A dimension too large for 4-byte lengths.
        let ctx4 = Context::new(8, 4, 0).unwrap();
        let ds = Dataspace::simple(vec![1 << 32], None);
        assert!(ds.encode(&mut Writer::new(), &ctx4).is_err());
    }

    fn dataspace() -> impl Strategy<Value = (Dataspace, Context)> {
        let simple = (
            1u8..=2,
            prop::collection::vec(any::<u32>(), 1..=MAX_RANK),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(version, dims, with_max, wide)| {
                let dims: Vec<u64> = dims
                    .into_iter()
                    .map(|d| {
                        if wide {
                            u64::from(d) << 16
                        } else {
                            u64::from(d >> 1)
                        }
                    })
                    .collect();
                let max = with_max.then(|| {
                    dims.iter()
                        .enumerate()
                        .map(|(i, &d)| if i % 2 == 0 { UNLIMITED } else { d })
                        .collect()
                });
                let ctx = Context::new(8, if wide { 8 } else { 4 }, 0).unwrap();
                (
                    Dataspace {
                        version,
                        kind: DataspaceKind::Simple,
                        dims,
                        max_dims: max,
                    },
                    ctx,
                )
            });
        prop_oneof![
            simple,
            (1u8..=2).prop_map(|version| (
                Dataspace {
                    version,
                    ..Dataspace::scalar()
                },
                Context::DEFAULT
            )),
            Just((Dataspace::null(), Context::DEFAULT)),
        ]
    }

    proptest! {
        #[test]
        fn round_trip((ds, ctx) in dataspace()) {
            let bytes = encode(&ds, &ctx);
            let back = decode(&bytes, &ctx).unwrap();
            prop_assert_eq!(&back, &ds);
            prop_assert_eq!(encode(&back, &ctx), bytes);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
            let mut c = Cursor::new(&bytes, 0, "t");
            if let Ok(ds) = Dataspace::decode(&mut c, &Context::DEFAULT) {
                let _ = ds.element_count();
                let _ = ds.encode(&mut Writer::new(), &Context::DEFAULT);
            }
        }
    }
}
