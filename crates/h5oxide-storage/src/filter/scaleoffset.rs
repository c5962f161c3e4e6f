//! Filter 6: scale-offset packing of integers and of floating-point values scaled by a power
//! of ten (the "D-scale" method).
//!
//! Client data (20 values): scale type (0 float D-scale, 1 float E-scale, 2 integer), scale
//! factor (decimal digits, or minimum bits for integers; 0 means computed per chunk), number
//! of elements in the chunk, class (0 integer, 1 float), size, sign (0 unsigned, 1 signed),
//! byte order (0 LE, 1 BE), fill value defined (0/1), then the fill value as a little-endian
//! native value, four bytes per client data value.
//!
//! A chunk starts with 21 bytes: the bit width `minbits` (32-bit LE), the byte 8, the chunk
//! minimum (64-bit LE; for floats the bit pattern of the float) and eight zero bytes. Then
//! every element's `value - min` (floats: `round(value * 10^D - min * 10^D)`) follows in
//! `minbits` bits, most significant first; the all-ones pattern stands for the fill value
//! when one is defined. With `minbits` equal to the type's width the data follows unpacked
//! (little-endian); with `minbits` 0 every element equals the minimum.

use crate::error::{FilterFailure, StorageError};

/// HDF5 filter id of scale-offset.
pub const FILTER_ID: u16 = 6;
const NAME: &str = "scaleoffset";

/// Number of client data values libhdf5 stores.
pub const NPARAMS: usize = 20;
/// Bytes before the packed data.
const HEADER_LEN: usize = 21;

/// Scale type: floating point, decimal scale factor.
pub const FLOAT_DSCALE: u32 = 0;
/// Scale type: floating point, fixed bits (not implemented by libhdf5 either).
pub const FLOAT_ESCALE: u32 = 1;
/// Scale type: integer.
pub const INT: u32 = 2;

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

fn corrupt(what: &'static str) -> StorageError {
    fail(FilterFailure::Corrupt(what))
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// The client data libhdf5 stores at dataset creation.
///
/// `fill` is the dataset's fill value in the dataset's byte order, `None` when undefined.
#[allow(clippy::too_many_arguments)]
pub fn params_for(
    scale_type: u32,
    scale_factor: i32,
    chunk_elements: u32,
    is_float: bool,
    size: u32,
    signed: bool,
    big_endian: bool,
    fill: Option<&[u8]>,
) -> Vec<u32> {
    let mut cd = vec![0u32; NPARAMS];
    cd[0] = scale_type;
    cd[1] = scale_factor as u32;
    cd[2] = chunk_elements;
    cd[3] = u32::from(is_float);
    cd[4] = size;
    cd[5] = u32::from(signed && !is_float);
    cd[6] = u32::from(big_endian);
    if let Some(f) = fill {
        cd[7] = 1;
        let mut le: Vec<u8> = f.iter().copied().take(size as usize).collect();
        if big_endian {
            le.reverse();
        }
        for (k, word) in le.chunks(4).take(NPARAMS - 8).enumerate() {
            let mut w = [0u8; 4];
            w[..word.len()].copy_from_slice(word);
            cd[8 + k] = u32::from_le_bytes(w);
        }
    }
    cd
}

/// Decoded client data.
#[derive(Debug, Clone, Copy)]
struct Params {
    float: bool,
    /// Decimal scale factor (floats) or user minimum bits (integers, 0 = computed).
    factor: i32,
    nelmts: usize,
    size: usize,
    bits: u32,
    signed: bool,
    big_endian: bool,
    fill: Option<u64>,
}

impl Params {
    fn parse(cd: &[u32]) -> Result<Self, StorageError> {
        if cd.len() != NPARAMS {
            return Err(bad_params("scale-offset needs 20 client data values"));
        }
        let float = match cd[3] {
            0 => false,
            1 => true,
            _ => return Err(bad_params("unknown scale-offset datatype class")),
        };
        let size = cd[4] as usize;
        let ok_size = if float {
            matches!(size, 4 | 8)
        } else {
            matches!(size, 1 | 2 | 4 | 8)
        };
        if !ok_size {
            return Err(bad_params("scale-offset datatype size not supported"));
        }
        let mut factor = cd[1] as i32;
        match (float, cd[0]) {
            (true, FLOAT_DSCALE) => {}
            (true, FLOAT_ESCALE) => return Err(bad_params("E-scale method not supported")),
            (false, INT) => {
                factor = factor.max(0);
                if factor as usize > size * 8 {
                    return Err(bad_params(
                        "scale-offset minimum bits exceed the type width",
                    ));
                }
            }
            _ => {
                return Err(bad_params(
                    "scale-offset scale type does not match the class",
                ))
            }
        }
        let fill = (cd[7] == 1).then(|| u64::from(cd[8]) | u64::from(cd[9]) << 32);
        Ok(Self {
            float,
            factor,
            nelmts: cd[2] as usize,
            size,
            bits: (size * 8) as u32,
            signed: cd[5] == 1,
            big_endian: cd[6] == 1,
            fill,
        })
    }

    /// Integer data whose user minimum bits equal the width: the filter does nothing.
    fn passthrough(&self) -> bool {
        !self.float && self.factor as u32 == self.bits
    }

    fn read(&self, b: &[u8]) -> u64 {
        let mut v = 0u64;
        for k in 0..self.size {
            let byte = if self.big_endian {
                b[k]
            } else {
                b[self.size - 1 - k]
            };
            v = (v << 8) | u64::from(byte);
        }
        v
    }

    fn write(&self, v: u64, out: &mut [u8]) {
        for (k, o) in out.iter_mut().enumerate() {
            let shift = if self.big_endian {
                self.size - 1 - k
            } else {
                k
            };
            *o = (v >> (8 * shift)) as u8;
        }
    }
}

/// Ceiling of log2, with libhdf5's value 1 for 0.
fn log2_ceil(num: u64) -> u32 {
    if num == 0 {
        return 1;
    }
    let floor = 63 - num.leading_zeros();
    if num.is_power_of_two() {
        floor
    } else {
        floor + 1
    }
}

/// Decodes one chunk into `nelmts * size` bytes (at most `expected_len`).
///
/// # Errors
/// `Parameters` for unsupported client data; `TooLarge` when the chunk holds more than
/// `expected_len` bytes; `Corrupt` for a short header or stream or an impossible bit width.
pub fn decode(params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let p = Params::parse(params)?;
    if p.passthrough() {
        if input.len() > expected_len {
            return Err(fail(FilterFailure::TooLarge {
                expected: expected_len,
            }));
        }
        return Ok(input.to_vec());
    }
    let total = p
        .nelmts
        .checked_mul(p.size)
        .filter(|&t| t <= expected_len)
        .ok_or(fail(FilterFailure::TooLarge {
            expected: expected_len,
        }))?;
    let head = input
        .get(..HEADER_LEN)
        .ok_or_else(|| corrupt("scale-offset header truncated"))?;
    let minbits = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let minval_len = usize::from(head[4]).min(8);
    let mut minval = 0u64;
    for (k, &b) in head[5..5 + minval_len].iter().enumerate() {
        minval |= u64::from(b) << (8 * k);
    }
    if minbits > p.bits {
        return Err(corrupt("scale-offset minbits exceed the type width"));
    }
    let body = &input[HEADER_LEN..];
    let mut out = vec![0u8; total];
    if minbits == p.bits {
        // Stored unpacked, in little-endian order.
        let raw = body
            .get(..total)
            .ok_or_else(|| corrupt("scale-offset data truncated"))?;
        for (src, dst) in raw.chunks_exact(p.size).zip(out.chunks_exact_mut(p.size)) {
            let mut v = 0u64;
            for (k, &b) in src.iter().enumerate() {
                v |= u64::from(b) << (8 * k);
            }
            p.write(v, dst);
        }
        return Ok(out);
    }
    let needed_bits = (p.nelmts as u64) * u64::from(minbits);
    if needed_bits > (body.len() as u64) * 8 {
        return Err(corrupt("scale-offset data truncated"));
    }
    let fill_code = mask(minbits);
    let mut pos = 0usize;
    for dst in out.chunks_exact_mut(p.size) {
        let mut v = 0u64;
        for _ in 0..minbits {
            v = (v << 1) | u64::from(body[pos / 8] >> (7 - pos % 8) & 1);
            pos += 1;
        }
        let value = if p.float {
            decode_float(&p, v, minbits, minval, fill_code)
        } else {
            match p.fill {
                Some(f) if v == fill_code => f & mask(p.bits),
                _ => v.wrapping_add(minval) & mask(p.bits),
            }
        };
        p.write(value, dst);
    }
    Ok(out)
}

/// One float from its packed integer: `i / 10^D + min`, in the type's own precision.
fn decode_float(p: &Params, v: u64, _minbits: u32, minval: u64, fill_code: u64) -> u64 {
    let is_fill = p.fill.is_some() && v == fill_code;
    if p.size == 4 {
        if is_fill {
            return p.fill.unwrap_or(0) & 0xffff_ffff;
        }
        let min = f32::from_bits(minval as u32);
        let i = v as u32 as i32;
        let x = i as f32 / 10f32.powf(p.factor as f32) + min;
        u64::from(x.to_bits())
    } else {
        if is_fill {
            return p.fill.unwrap_or(0);
        }
        let min = f64::from_bits(minval);
        let i = v as i64;
        let x = i as f64 / 10f64.powf(f64::from(p.factor)) + min;
        x.to_bits()
    }
}

/// Result of the per-chunk analysis: bit width, header minimum and the integers to pack.
struct Prepared {
    minbits: u32,
    minval: u64,
    values: Vec<u64>,
}

fn prepare_int(p: &Params, raw: Vec<u64>) -> Prepared {
    let m = mask(p.bits);
    // Signed values are compared after sign extension from the type's width.
    let shift = 64 - p.bits;
    let key = |v: u64| -> i128 {
        if p.signed {
            i128::from(((v << shift) as i64) >> shift)
        } else {
            i128::from(v)
        }
    };
    let is_fill = |v: u64| p.fill.is_some_and(|f| f & m == v);
    let considered = raw.iter().copied().filter(|&v| !is_fill(v));
    let (min, max) = considered
        .fold(None, |acc: Option<(i128, i128)>, v| {
            let k = key(v);
            Some(match acc {
                None => (k, k),
                Some((lo, hi)) => (lo.min(k), hi.max(k)),
            })
        })
        .unwrap_or((0, 0));
    let min_bits_pattern = (min as u64) & m;
    let minval = if p.signed {
        min as i64 as u64
    } else {
        min as u64
    };
    let mut minbits = p.factor as u32;
    if minbits == 0 {
        let diff = ((max - min) as u64) & m;
        if diff > m - 2 {
            // Too wide to gain anything: stored unpacked, minimum left at 0.
            return Prepared {
                minbits: p.bits,
                minval: 0,
                values: raw,
            };
        }
        let span = diff.wrapping_add(1) & m;
        minbits = if p.fill.is_some() {
            log2_ceil(span + 1)
        } else {
            log2_ceil(span)
        };
    }
    if minbits == p.bits {
        return Prepared {
            minbits,
            minval,
            values: raw,
        };
    }
    let values = raw
        .iter()
        .map(|&v| {
            if is_fill(v) {
                mask(minbits)
            } else {
                v.wrapping_sub(min_bits_pattern) & m
            }
        })
        .collect();
    Prepared {
        minbits,
        minval,
        values,
    }
}

fn prepare_f32(p: &Params, raw: Vec<u64>) -> Prepared {
    let xs: Vec<f32> = raw.iter().map(|&v| f32::from_bits(v as u32)).collect();
    let d = p.factor as f64;
    let pw = 10f32.powf(d as f32);
    let fill = p.fill.map(|f| f32::from_bits(f as u32));
    let thr = 10f64.powf(-d);
    let is_fill = |x: f32| fill.is_some_and(|f| f64::from(x - f).abs() < thr);
    let (min, max) = if fill.is_some() {
        let mut it = xs.iter().copied().filter(|&x| !is_fill(x));
        match it.next() {
            Some(first) => it.fold((first, first), |(lo, hi), x| {
                (if x < lo { x } else { lo }, if x > hi { x } else { hi })
            }),
            None => (0.0, 0.0),
        }
    } else {
        let first = xs.first().copied().unwrap_or(0.0);
        xs.iter().fold((first, first), |(lo, hi), &x| {
            (if x < lo { x } else { lo }, if x > hi { x } else { hi })
        })
    };
    if (max * pw - min * pw).round() > 2f32.powf(31.0) {
        return Prepared {
            minbits: 32,
            minval: 0,
            values: raw,
        };
    }
    let span = ((max * pw - min * pw).round() as i64 as u64).wrapping_add(1);
    let minbits = if fill.is_some() {
        log2_ceil(span.wrapping_add(1))
    } else {
        log2_ceil(span)
    };
    let minval = u64::from(min.to_bits());
    if minbits == 32 {
        return Prepared {
            minbits,
            minval,
            values: raw,
        };
    }
    let values = xs
        .iter()
        .map(|&x| {
            let i = if is_fill(x) {
                ((1u32 << minbits) - 1) as i32
            } else {
                (x * pw - min * pw).round() as i64 as i32
            };
            u64::from(i as u32)
        })
        .collect();
    Prepared {
        minbits,
        minval,
        values,
    }
}

fn prepare_f64(p: &Params, raw: Vec<u64>) -> Prepared {
    let xs: Vec<f64> = raw.iter().map(|&v| f64::from_bits(v)).collect();
    let d = p.factor as f64;
    let pw = 10f64.powf(d);
    let fill = p.fill.map(f64::from_bits);
    let thr = 10f64.powf(-d);
    let is_fill = |x: f64| fill.is_some_and(|f| (x - f).abs() < thr);
    let (min, max) = if fill.is_some() {
        let mut it = xs.iter().copied().filter(|&x| !is_fill(x));
        match it.next() {
            Some(first) => it.fold((first, first), |(lo, hi), x| {
                (if x < lo { x } else { lo }, if x > hi { x } else { hi })
            }),
            None => (0.0, 0.0),
        }
    } else {
        let first = xs.first().copied().unwrap_or(0.0);
        xs.iter().fold((first, first), |(lo, hi), &x| {
            (if x < lo { x } else { lo }, if x > hi { x } else { hi })
        })
    };
    if (max * pw - min * pw).round() > 2f64.powf(63.0) {
        return Prepared {
            minbits: 64,
            minval: 0,
            values: raw,
        };
    }
    let span = ((max * pw - min * pw).round() as i64 as u64).wrapping_add(1);
    let minbits = if fill.is_some() {
        log2_ceil(span.wrapping_add(1))
    } else {
        log2_ceil(span)
    };
    let minval = min.to_bits();
    if minbits == 64 {
        return Prepared {
            minbits,
            minval,
            values: raw,
        };
    }
    let values = xs
        .iter()
        .map(|&x| {
            if is_fill(x) {
                mask(minbits)
            } else {
                (x * pw - min * pw).round() as i64 as u64
            }
        })
        .collect();
    Prepared {
        minbits,
        minval,
        values,
    }
}

/// Encodes one chunk as libhdf5 does: the minimum, the bit width computed from the chunk's
/// range (or the user's width for integers) and the packed values.
///
/// # Errors
/// `Parameters` for unsupported client data or an input that is not `nelmts * size` bytes.
pub fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let p = Params::parse(params)?;
    if p.passthrough() {
        return Ok(input.to_vec());
    }
    if p.nelmts.checked_mul(p.size) != Some(input.len()) {
        return Err(bad_params(
            "scale-offset chunk size differs from its element count",
        ));
    }
    let raw: Vec<u64> = input.chunks_exact(p.size).map(|b| p.read(b)).collect();
    let prep = if !p.float {
        prepare_int(&p, raw)
    } else if p.size == 4 {
        prepare_f32(&p, raw)
    } else {
        prepare_f64(&p, raw)
    };
    let mut out = Vec::with_capacity(HEADER_LEN + input.len() + 1);
    out.extend_from_slice(&prep.minbits.to_le_bytes());
    out.push(8);
    out.extend_from_slice(&prep.minval.to_le_bytes());
    out.extend_from_slice(&[0u8; 8]);
    if prep.minbits == p.bits {
        for v in prep.values {
            out.extend_from_slice(&v.to_le_bytes()[..p.size]);
        }
        return Ok(out);
    }
    // libhdf5 sizes the packed part as floor(nelmts * minbits / 8) + 1 bytes.
    let packed_len = p.nelmts * prep.minbits as usize / 8 + 1;
    let start = out.len();
    out.resize(start + packed_len, 0);
    let mut pos = 0usize;
    for v in prep.values {
        for k in (0..prep.minbits).rev() {
            if v >> k & 1 == 1 {
                out[start + pos / 8] |= 1 << (7 - pos % 8);
            }
            pos += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn log2_like_libhdf5() {
        assert_eq!(log2_ceil(0), 1);
        assert_eq!(log2_ceil(1), 0);
        assert_eq!(log2_ceil(2), 1);
        assert_eq!(log2_ceil(5), 3);
        assert_eq!(log2_ceil(8), 3);
    }

    #[test]
    fn packs_by_hand() {
        // Four u16 LE values 100..=103: min 100, span 4, minbits 2.
        let params = params_for(INT, 0, 4, false, 2, false, false, None);
        let data = [100u8, 0, 101, 0, 102, 0, 103, 0];
        let c = encode(&params, &data).unwrap();
        let mut want = vec![2, 0, 0, 0, 8, 100, 0, 0, 0, 0, 0, 0, 0];
        want.extend_from_slice(&[0; 8]);
        want.extend_from_slice(&[0b0001_1011, 0]);
        assert_eq!(c, want);
        assert_eq!(decode(&params, &c, 8).unwrap(), data);
        assert!(decode(&params, &c[..21], 8).is_err());
        assert!(decode(&params, &c, 7).is_err());
    }

    #[test]
    fn fill_value_code() {
        // Signed BE i32 with fill -1: fill elements pack as all ones.
        let params = params_for(
            INT,
            0,
            3,
            false,
            4,
            true,
            true,
            Some(&(-1i32).to_be_bytes()),
        );
        let mut data = Vec::new();
        for v in [-5i32, -1, -3] {
            data.extend_from_slice(&v.to_be_bytes());
        }
        let c = encode(&params, &data).unwrap();
        assert_eq!(c[0], 2); // span 3, plus the fill code: 2 bits
        assert_eq!(decode(&params, &c, 12).unwrap(), data);
    }

    proptest! {
        #[test]
        fn garbage_never_panics(data in proptest::collection::vec(any::<u8>(), 0..300),
                                float in any::<bool>(), size_i in 0usize..4, n in 0u32..200,
                                factor in -3i32..70, fill in any::<bool>()) {
            let size = [1u32, 2, 4, 8][size_i];
            let size = if float { size.max(4) } else { size };
            let st = if float { FLOAT_DSCALE } else { INT };
            let params = params_for(st, factor, n, float, size, true, false,
                                    fill.then_some(&[1u8, 2, 3, 4, 5, 6, 7, 8][..]));
            let _ = decode(&params, &data, 2000);
            if let Ok(c) = encode(&params, &data[..data.len() / size as usize * size as usize]) {
                let _ = decode(&params, &c, 2000);
            }
        }

        #[test]
        fn int_round_trip(
            size in prop::sample::select(vec![1u32, 2, 4, 8]), signed in any::<bool>(),
            be in any::<bool>(), spread in 0u32..64, n in 1usize..200, seed in any::<u64>(),
            fill in any::<bool>(),
        ) {
            let fill_bytes = vec![7u8; size as usize];
            let params = params_for(INT, 0, n as u32, false, size, signed, be,
                                    fill.then_some(&fill_bytes[..]));
            let mut x = seed;
            let mut data = Vec::new();
            for _ in 0..n {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let v = (x >> 8).wrapping_add(seed) & mask(spread.min(size * 8));
                let v = v.wrapping_add(seed >> 3);
                let mut b = v.to_le_bytes()[..size as usize].to_vec();
                if be { b.reverse(); }
                data.extend_from_slice(&b);
            }
            let c = encode(&params, &data).unwrap();
            prop_assert_eq!(decode(&params, &c, data.len()).unwrap(), data);
        }

        #[test]
        fn float_round_trip(vals in proptest::collection::vec(-1000i32..1000, 1..100), be in any::<bool>()) {
            // Values with two decimals survive a factor-2 D-scale exactly after rounding.
            let params = params_for(FLOAT_DSCALE, 2, vals.len() as u32, true, 8, false, be, None);
            let mut data = Vec::new();
            for &v in &vals {
                let f = f64::from(v) / 100.0;
                let mut b = f.to_le_bytes().to_vec();
                if be { b.reverse(); }
                data.extend_from_slice(&b);
            }
            let c = encode(&params, &data).unwrap();
            let back = decode(&params, &c, data.len()).unwrap();
            for (a, b) in back.chunks(8).zip(data.chunks(8)) {
                let mut a = a.to_vec();
                let mut b = b.to_vec();
                if be { a.reverse(); b.reverse(); }
                let a = f64::from_le_bytes(a.try_into().unwrap());
                let b = f64::from_le_bytes(b.try_into().unwrap());
                prop_assert!((a - b).abs() <= 0.005 + 1e-9);
            }
        }
    }
}
