//! Filter 5: N-bit packing of integer and floating-point values.
//!
//! Client data: number of values, a "nothing to pack" flag, the number of elements in the
//! chunk, then a recursive description of the datatype. Each node starts with a class code:
//! 1 atomic (size, byte order 0 LE / 1 BE, precision, bit offset), 2 array (total size, then
//! the base type's node), 3 compound (size, member count, then per member its byte offset and
//! node), 4 no-op (size; bytes copied as they are). The packed stream holds, per element in
//! order, the `precision` significant bits of every atomic value, most significant first,
//! and the 8 bits of every no-op byte; bits outside the precision decode as 0.

use crate::error::{FilterFailure, StorageError};

/// HDF5 filter id of N-bit.
pub const FILTER_ID: u16 = 5;
const NAME: &str = "nbit";

/// Deepest nesting of array and compound nodes accepted.
const MAX_DEPTH: usize = 32;
/// The C library's limit on the number of client data values.
const MAX_PARAMS: usize = 4096;

const CLASS_ATOMIC: u32 = 1;
const CLASS_ARRAY: u32 = 2;
const CLASS_COMPOUND: u32 = 3;
const CLASS_NOOP: u32 = 4;

fn fail(reason: FilterFailure) -> StorageError {
    StorageError::Filter {
        id: FILTER_ID,
        name: NAME,
        reason,
    }
}

fn bad_params(what: &'static str) -> StorageError {
    fail(FilterFailure::Parameters(what))
}

/// The part of a datatype N-bit needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NbitType {
    /// An integer or floating-point value.
    Atomic {
        /// Size in bytes.
        size: u32,
        /// Big-endian byte order.
        big_endian: bool,
        /// Significant bits.
        precision: u32,
        /// Bit offset of the least significant significant bit.
        offset: u32,
    },
    /// An array of `size / base.size()` base values.
    Array {
        /// Total size in bytes.
        size: u32,
        /// The element type.
        base: Box<NbitType>,
    },
    /// A compound with members at byte offsets.
    Compound {
        /// Size in bytes.
        size: u32,
        /// (byte offset, member type).
        members: Vec<(u32, NbitType)>,
    },
    /// Any other class (string, enum, opaque, ...): bytes kept as they are.
    NoOp {
        /// Size in bytes.
        size: u32,
    },
}

impl NbitType {
    /// Size in bytes.
    pub fn size(&self) -> u32 {
        match self {
            Self::Atomic { size, .. }
            | Self::Array { size, .. }
            | Self::Compound { size, .. }
            | Self::NoOp { size } => *size,
        }
    }

    /// Whether every atomic value is at full precision (then libhdf5 stores data unpacked).
    fn full_precision(&self) -> bool {
        match self {
            Self::Atomic {
                size,
                precision,
                offset,
                ..
            } => *offset == 0 && u64::from(*precision) == u64::from(*size) * 8,
            Self::Array { base, .. } => base.full_precision(),
            Self::Compound { members, .. } => members.iter().all(|(_, m)| m.full_precision()),
            Self::NoOp { .. } => true,
        }
    }

    fn push_params(&self, out: &mut Vec<u32>) {
        match self {
            Self::Atomic {
                size,
                big_endian,
                precision,
                offset,
            } => out.extend_from_slice(&[
                CLASS_ATOMIC,
                *size,
                u32::from(*big_endian),
                *precision,
                *offset,
            ]),
            Self::Array { size, base } => {
                out.extend_from_slice(&[CLASS_ARRAY, *size]);
                base.push_params(out);
            }
            Self::Compound { size, members } => {
                out.extend_from_slice(&[CLASS_COMPOUND, *size, members.len() as u32]);
                for (off, m) in members {
                    out.push(*off);
                    m.push_params(out);
                }
            }
            Self::NoOp { size } => out.extend_from_slice(&[CLASS_NOOP, *size]),
        }
    }

    /// Reads one node at `params[*i..]`.
    fn parse(params: &[u32], i: &mut usize, depth: usize) -> Result<Self, StorageError> {
        if depth > MAX_DEPTH {
            return Err(bad_params("N-bit datatype nested too deeply"));
        }
        let next = |i: &mut usize| -> Result<u32, StorageError> {
            let v = *params
                .get(*i)
                .ok_or_else(|| bad_params("N-bit parameters shorter than the datatype"))?;
            *i += 1;
            Ok(v)
        };
        match next(i)? {
            CLASS_ATOMIC => {
                let size = next(i)?;
                let order = next(i)?;
                let precision = next(i)?;
                let offset = next(i)?;
                let bits = u64::from(size) * 8;
                if size == 0
                    || precision == 0
                    || u64::from(precision) + u64::from(offset) > bits
                    || order > 1
                {
                    return Err(bad_params("invalid N-bit precision, offset or order"));
                }
                Ok(Self::Atomic {
                    size,
                    big_endian: order == 1,
                    precision,
                    offset,
                })
            }
            CLASS_ARRAY => {
                let size = next(i)?;
                let base = Self::parse(params, i, depth + 1)?;
                if base.size() == 0 || base.size() > size {
                    return Err(bad_params("N-bit array base size out of range"));
                }
                Ok(Self::Array {
                    size,
                    base: Box::new(base),
                })
            }
            CLASS_COMPOUND => {
                let size = next(i)?;
                let n = next(i)?;
                let mut members = Vec::new();
                let mut used: u64 = 0;
                for _ in 0..n {
                    let off = next(i)?;
                    let m = Self::parse(params, i, depth + 1)?;
                    used += u64::from(m.size());
                    if m.size() == 0
                        || used > u64::from(size)
                        || u64::from(off) + u64::from(m.size()) > u64::from(size)
                    {
                        return Err(bad_params("N-bit compound member out of range"));
                    }
                    members.push((off, m));
                }
                Ok(Self::Compound { size, members })
            }
            CLASS_NOOP => {
                let size = next(i)?;
                Ok(Self::NoOp { size })
            }
            _ => Err(bad_params("unknown N-bit datatype class")),
        }
    }
}

/// The client data libhdf5 stores at dataset creation, for `chunk_elements` elements of `ty`.
pub fn params_for(ty: &NbitType, chunk_elements: u32) -> Vec<u32> {
    let mut out = vec![0, u32::from(ty.full_precision()), chunk_elements];
    ty.push_params(&mut out);
    out[0] = out.len() as u32;
    out
}

/// MSB-first bit reader over the packed stream.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn get(&mut self, n: usize) -> Result<u8, StorageError> {
        let end = self.pos + n;
        if end > self.data.len() * 8 {
            return Err(fail(FilterFailure::Corrupt("N-bit stream truncated")));
        }
        let mut v: u16 = 0;
        for p in self.pos..end {
            v = (v << 1) | u16::from(self.data[p / 8] >> (7 - p % 8) & 1);
        }
        self.pos = end;
        Ok(v as u8)
    }
}

/// MSB-first bit writer.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    nbits: usize,
}

impl Writer {
    fn put(&mut self, v: u8, n: usize) {
        for k in (0..n).rev() {
            if self.nbits % 8 == 0 {
                self.out.push(0);
            }
            if v >> k & 1 != 0 {
                let last = self.out.len() - 1;
                self.out[last] |= 1 << (7 - self.nbits % 8);
            }
            self.nbits += 1;
        }
    }
}

/// For an atomic value, its bytes from most to least significant: (memory index, lowest
/// significant bit within the byte, number of significant bits).
fn atomic_bytes(
    size: u32,
    big_endian: bool,
    precision: u32,
    offset: u32,
) -> Vec<(usize, u32, u32)> {
    let lo_bit = offset;
    let hi_bit = offset + precision; // exclusive
    let mut out = Vec::new();
    for b in (lo_bit / 8..hi_bit.div_ceil(8)).rev() {
        let lo = lo_bit.max(b * 8);
        let hi = hi_bit.min(b * 8 + 8);
        let index = if big_endian { size - 1 - b } else { b };
        out.push((index as usize, lo - b * 8, hi - lo));
    }
    out
}

fn unpack(ty: &NbitType, r: &mut Reader<'_>, dst: &mut [u8]) -> Result<(), StorageError> {
    match ty {
        NbitType::Atomic {
            size,
            big_endian,
            precision,
            offset,
        } => {
            for (index, shift, n) in atomic_bytes(*size, *big_endian, *precision, *offset) {
                dst[index] = r.get(n as usize)? << shift;
            }
        }
        NbitType::Array { size, base } => {
            let bs = base.size() as usize;
            for k in 0..(*size as usize / bs) {
                unpack(base, r, &mut dst[k * bs..(k + 1) * bs])?;
            }
        }
        NbitType::Compound { members, .. } => {
            for (off, m) in members {
                let off = *off as usize;
                unpack(m, r, &mut dst[off..off + m.size() as usize])?;
            }
        }
        NbitType::NoOp { size } => {
            for b in &mut dst[..*size as usize] {
                *b = r.get(8)?;
            }
        }
    }
    Ok(())
}

fn pack(ty: &NbitType, w: &mut Writer, src: &[u8]) {
    match ty {
        NbitType::Atomic {
            size,
            big_endian,
            precision,
            offset,
        } => {
            for (index, shift, n) in atomic_bytes(*size, *big_endian, *precision, *offset) {
                w.put(src[index] >> shift, n as usize);
            }
        }
        NbitType::Array { size, base } => {
            let bs = base.size() as usize;
            for k in 0..(*size as usize / bs) {
                pack(base, w, &src[k * bs..(k + 1) * bs]);
            }
        }
        NbitType::Compound { members, .. } => {
            for (off, m) in members {
                let off = *off as usize;
                pack(m, w, &src[off..off + m.size() as usize]);
            }
        }
        NbitType::NoOp { size } => {
            for &b in &src[..*size as usize] {
                w.put(b, 8);
            }
        }
    }
}

/// Parsed client data: element count and datatype, or `None` when data is stored unpacked.
fn parse_params(params: &[u32]) -> Result<Option<(usize, NbitType)>, StorageError> {
    if params.len() < 3 || params.len() > MAX_PARAMS || params[0] as usize != params.len() {
        return Err(bad_params("N-bit client data count mismatch"));
    }
    if params[1] != 0 {
        return Ok(None);
    }
    let mut i = 3;
    let ty = NbitType::parse(params, &mut i, 0)?;
    if matches!(ty, NbitType::NoOp { .. }) {
        return Err(bad_params(
            "N-bit top-level type must be atomic, array or compound",
        ));
    }
    Ok(Some((params[2] as usize, ty)))
}

/// Unpacks one chunk into `nelmts * size` bytes (at most `expected_len`).
///
/// # Errors
/// `Parameters` for malformed client data; `TooLarge` when the chunk's element count times
/// the type size exceeds `expected_len`; `Corrupt` when the packed stream is too short.
pub fn decode(params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let Some((nelmts, ty)) = parse_params(params)? else {
        if input.len() > expected_len {
            return Err(fail(FilterFailure::TooLarge {
                expected: expected_len,
            }));
        }
        return Ok(input.to_vec());
    };
    let size = ty.size() as usize;
    let total = nelmts
        .checked_mul(size)
        .filter(|&t| t <= expected_len)
        .ok_or(fail(FilterFailure::TooLarge {
            expected: expected_len,
        }))?;
    let mut out = vec![0u8; total];
    let mut r = Reader {
        data: input,
        pos: 0,
    };
    for elem in out.chunks_exact_mut(size.max(1)) {
        unpack(&ty, &mut r, elem)?;
    }
    Ok(out)
}

/// Packs one chunk as libhdf5 does (the stream plus one byte, or the data unchanged when
/// every value is at full precision).
///
/// # Errors
/// `Parameters` for malformed client data or an input that is not `nelmts * size` bytes.
pub fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let Some((nelmts, ty)) = parse_params(params)? else {
        return Ok(input.to_vec());
    };
    let size = ty.size() as usize;
    if nelmts.checked_mul(size) != Some(input.len()) {
        return Err(bad_params(
            "N-bit chunk size differs from its element count",
        ));
    }
    let mut w = Writer::default();
    w.out.reserve(input.len());
    for elem in input.chunks_exact(size.max(1)) {
        pack(&ty, &mut w, elem);
    }
    // libhdf5 reports the index of the byte being filled plus one: a whole number of bytes
    // gets one zero byte more.
    if w.nbits % 8 == 0 {
        w.out.push(0);
    }
    Ok(w.out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn int12() -> NbitType {
        NbitType::Atomic {
            size: 2,
            big_endian: false,
            precision: 12,
            offset: 2,
        }
    }

    #[test]
    fn params_layout() {
        assert_eq!(params_for(&int12(), 10), vec![8, 0, 10, 1, 2, 0, 12, 2]);
        let c = NbitType::Compound {
            size: 8,
            members: vec![
                (0, int12()),
                (2, NbitType::NoOp { size: 2 }),
                (
                    4,
                    NbitType::Array {
                        size: 4,
                        base: Box::new(NbitType::Atomic {
                            size: 1,
                            big_endian: false,
                            precision: 8,
                            offset: 0,
                        }),
                    },
                ),
            ],
        };
        assert_eq!(
            params_for(&c, 3),
            vec![23, 0, 3, 3, 8, 3, 0, 1, 2, 0, 12, 2, 2, 4, 2, 4, 2, 4, 1, 1, 0, 8, 0]
        );
    }

    #[test]
    fn packs_by_hand() {
        // Two LE 16-bit values, precision 12 at offset 2: 0x0ffc and 0x0004 hold significant
        // bits 0x3ff and 0x001, packed MSB first: 0011 1111 1111 | 0000 0000 0001.
        let params = params_for(&int12(), 2);
        let packed = encode(&params, &[0xfc, 0x0f, 0x04, 0x00]).unwrap();
        assert_eq!(packed, vec![0x3f, 0xf0, 0x01, 0x00]);
        assert_eq!(
            decode(&params, &packed, 4).unwrap(),
            vec![0xfc, 0x0f, 0x04, 0x00]
        );
        assert!(decode(&params, &packed[..2], 4).is_err());
        assert!(decode(&params, &packed, 3).is_err());
    }

    proptest! {
        #[test]
        fn garbage_never_panics(params in proptest::collection::vec(0u32..40, 3..40),
                                data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut params = params;
            params[0] = params.len() as u32;
            params[1] = 0;
            let _ = decode(&params, &data, 5000);
        }

        #[test]
        fn round_trip(
            size in 1u32..9, be in any::<bool>(), prec_frac in 0.0f64..1.0, off_frac in 0.0f64..1.0,
            n in 1usize..50, seed in any::<u64>(),
        ) {
            let bits = size * 8;
            let precision = 1 + ((f64::from(bits - 1)) * prec_frac) as u32;
            let offset = (f64::from(bits - precision) * off_frac) as u32;
            let ty = NbitType::Compound { size: size + 3, members: vec![
                (0, NbitType::Atomic { size, big_endian: be, precision, offset }),
                (size, NbitType::NoOp { size: 3 }),
            ]};
            let params = params_for(&ty, n as u32);
            let mut x = seed;
            let mut data = Vec::new();
            for _ in 0..n {
                let mut v: u128 = 0;
                for _ in 0..2 { x = x.wrapping_mul(6364136223846793005).wrapping_add(1); v = (v << 64) | u128::from(x); }
                let v = (v >> (128 - precision)) << offset;
                let bytes = v.to_le_bytes();
                let mut elem: Vec<u8> = bytes[..size as usize].to_vec();
                if be { elem.reverse(); }
                data.extend_from_slice(&elem);
                data.extend_from_slice(&[(x >> 8) as u8, (x >> 16) as u8, (x >> 24) as u8]);
            }
            let packed = encode(&params, &data).unwrap();
            prop_assert_eq!(decode(&params, &packed, data.len()).unwrap(), data);
        }
    }
}
