//! Conversion of stored integers, floats, enumeration values and bit fields into Rust
//! numbers, in one pass over the stored bytes.
//!
//! Semantics follow the C library's conversions: integers that do not fit clamp to the
//! destination range; floats convert to integers by truncation toward zero, clamped, with NaN
//! giving 0; integers convert to floats by rounding to nearest; a double too large for `f32`
//! becomes an infinity. Rust's `as` casts from floats have exactly the clamping behaviour, and
//! integers go through `i128`, which holds every stored integer of up to 64 bits.

use h5oxide_format::object_header::message::datatype::{
    ByteOrder, Datatype, MantissaNorm, TypeClass,
};
use h5oxide_format::{ErrorKind, FormatError};

use crate::error::Result;
use crate::h5type::{mismatch, Decoder, Heap, STRUCTURE};

/// A Rust number a stored number converts into.
pub(crate) trait Numeric: Copy + Send + Sync + 'static {
    /// From an integer, clamped to the range of `Self` (rounded to nearest for floats).
    fn from_i128(v: i128) -> Self;
    /// From a double: truncated toward zero and clamped for integers, NaN giving 0.
    fn from_f64(v: f64) -> Self;
    /// From a single-precision float, as [`Numeric::from_f64`].
    fn from_f32(v: f32) -> Self;
}

macro_rules! numeric_int {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            #[inline(always)]
            fn from_i128(v: i128) -> Self {
                v.clamp(<$t>::MIN as i128, <$t>::MAX as i128) as $t
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn from_f32(v: f32) -> Self {
                v as $t
            }
        }
    )*};
}
numeric_int!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! numeric_float {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            #[inline(always)]
            fn from_i128(v: i128) -> Self {
                v as $t
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn from_f32(v: f32) -> Self {
                v as $t
            }
        }
    )*};
}
numeric_float!(f32, f64);

/// The bit layout of a floating-point type (spec IV.A.2.d, class 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FloatLayout {
    sign: u8,
    epos: u8,
    esize: u8,
    mpos: u8,
    msize: u8,
    bias: u32,
    norm: MantissaNorm,
}

const F16: FloatLayout = FloatLayout {
    sign: 15,
    epos: 10,
    esize: 5,
    mpos: 0,
    msize: 10,
    bias: 15,
    norm: MantissaNorm::Implied,
};
const F32: FloatLayout = FloatLayout {
    sign: 31,
    epos: 23,
    esize: 8,
    mpos: 0,
    msize: 23,
    bias: 127,
    norm: MantissaNorm::Implied,
};
const F64: FloatLayout = FloatLayout {
    sign: 63,
    epos: 52,
    esize: 11,
    mpos: 0,
    msize: 52,
    bias: 1023,
    norm: MantissaNorm::Implied,
};

/// How a stored number is laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NumSrc {
    /// An integer (fixed-point, bit field, or the base of an enumeration).
    Int {
        size: usize,
        big: bool,
        signed: bool,
        offset: u32,
        precision: u32,
    },
    /// A floating-point number.
    Float {
        size: usize,
        order: ByteOrder,
        layout: FloatLayout,
    },
}

fn unsupported(what: &'static str) -> crate::Error {
    FormatError::new(ErrorKind::Unsupported { what }, STRUCTURE, 0).into()
}

fn invalid(field: &'static str, value: u64) -> crate::Error {
    FormatError::new(ErrorKind::InvalidValue { field, value }, STRUCTURE, 0).into()
}

/// Bytes `b` as an unsigned integer of `order` (at most 8 bytes).
#[inline(always)]
fn raw_uint(b: &[u8], big: bool) -> u64 {
    let mut v = 0u64;
    if big {
        for &x in b {
            v = (v << 8) | u64::from(x);
        }
    } else {
        for &x in b.iter().rev() {
            v = (v << 8) | u64::from(x);
        }
    }
    v
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

/// 2^e as a double, for any exponent (two steps so that subnormal results keep their bits).
fn pow2(e: i64) -> f64 {
    let e = e.clamp(-2200, 2200) as i32;
    let half = e / 2;
    2f64.powi(half) * 2f64.powi(e - half)
}

impl FloatLayout {
    /// Decodes the significant bits `raw` (already in most-significant-first order).
    fn decode(&self, raw: u64) -> f64 {
        // Positions are checked to lie inside the element, but a zero-width mantissa may
        // sit at position 64: shift without overflow.
        let field = |pos: u8| raw.checked_shr(u32::from(pos)).unwrap_or(0);
        let sign = field(self.sign) & 1 != 0;
        let e = field(self.epos) & mask(u32::from(self.esize));
        let m = field(self.mpos) & mask(u32::from(self.msize));
        let emax = mask(u32::from(self.esize));
        let bias = i64::from(self.bias);
        let msize = i64::from(self.msize);
        let mag = match self.norm {
            MantissaNorm::Implied => {
                if e == emax {
                    if m == 0 {
                        f64::INFINITY
                    } else {
                        f64::NAN
                    }
                } else if e == 0 {
                    // Subnormal: 0.m * 2^(1 - bias).
                    m as f64 * pow2(1 - bias - msize)
                } else {
                    ((1u64 << self.msize) | m) as f64 * pow2(e as i64 - bias - msize)
                }
            }
            // The leading bit is stored: m is 1.xxx with its binary point after that bit.
            MantissaNorm::MsbSet => m as f64 * pow2(e as i64 - bias - (msize - 1)),
            // No normalization: 0.m * 2^(e - bias).
            MantissaNorm::None => m as f64 * pow2(e as i64 - bias - msize),
        };
        if sign {
            -mag
        } else {
            mag
        }
    }
}

/// The fields of a floating-point class, checked to fit the element.
fn float_layout(size: usize, class: &TypeClass) -> Result<FloatLayout> {
    let TypeClass::FloatingPoint {
        normalization,
        sign_location,
        exponent_location,
        exponent_size,
        mantissa_location,
        mantissa_size,
        exponent_bias,
        ..
    } = class
    else {
        return Err(unsupported("float class"));
    };
    let bits = (size * 8) as u32;
    let fits = |pos: u8, len: u8| u32::from(pos) + u32::from(len) <= bits;
    if !fits(*exponent_location, *exponent_size)
        || !fits(*mantissa_location, *mantissa_size)
        || u32::from(*sign_location) >= bits
        || *exponent_size == 0
        || *exponent_size > 32
        || *mantissa_size > 63
    {
        return Err(invalid(
            "floating-point bit layout",
            u64::from(*exponent_size),
        ));
    }
    Ok(FloatLayout {
        sign: *sign_location,
        epos: *exponent_location,
        esize: *exponent_size,
        mpos: *mantissa_location,
        msize: *mantissa_size,
        bias: *exponent_bias,
        norm: *normalization,
    })
}

impl NumSrc {
    /// The layout of a stored number; `None` if `dtype` is not a number, an enumeration or a
    /// bit field.
    ///
    /// # Errors
    /// A number wider than 64 bits, or one whose fields do not fit its size.
    pub(crate) fn of(dtype: &Datatype) -> Result<Option<NumSrc>> {
        let size = dtype.element_size();
        let int = |order: &ByteOrder, signed: bool, offset: u16, precision: u16| {
            if size == 0 || size > 8 {
                return Err(unsupported("integers wider than 64 bits"));
            }
            let (offset, precision) = (u32::from(offset), u32::from(precision));
            if precision == 0 || offset + precision > (size * 8) as u32 {
                return Err(invalid("integer precision", u64::from(precision)));
            }
            Ok(Some(NumSrc::Int {
                size,
                big: *order == ByteOrder::BigEndian,
                signed,
                offset,
                precision,
            }))
        };
        match &dtype.class {
            TypeClass::FixedPoint {
                order,
                signed,
                bit_offset,
                precision,
                ..
            } => int(order, *signed, *bit_offset, *precision),
            TypeClass::Bitfield {
                order,
                bit_offset,
                precision,
                ..
            } => int(order, false, *bit_offset, *precision),
            TypeClass::Enum { base, .. } => match &base.class {
                TypeClass::FixedPoint { .. } => NumSrc::of(base),
                _ => Ok(None),
            },
            c @ TypeClass::FloatingPoint { order, .. } => {
                if size == 0 || size > 8 {
                    return Err(unsupported("floats wider than 64 bits"));
                }
                Ok(Some(NumSrc::Float {
                    size,
                    order: *order,
                    layout: float_layout(size, c)?,
                }))
            }
            _ => Ok(None),
        }
    }

    /// The integer value of an integer element (`None` for floats or short input).
    pub(crate) fn int(&self, b: &[u8]) -> Option<i128> {
        let NumSrc::Int {
            size,
            big,
            signed,
            offset,
            precision,
        } = *self
        else {
            return None;
        };
        let raw = raw_uint(b.get(..size)?, big);
        let v = (raw >> offset) & mask(precision);
        Some(
            if signed && precision < 64 && (v >> (precision - 1)) & 1 == 1 {
                // Sign-extend from the precision's top bit.
                i128::from(v) - (1i128 << precision)
            } else if signed && precision == 64 {
                i128::from(v as i64)
            } else {
                i128::from(v)
            },
        )
    }

    /// The value of a float element (`None` for integers or short input).
    fn float(&self, b: &[u8]) -> Option<f64> {
        let NumSrc::Float {
            size,
            order,
            layout,
        } = *self
        else {
            return None;
        };
        let b = b.get(..size)?;
        let raw = match order {
            ByteOrder::LittleEndian => raw_uint(b, false),
            ByteOrder::BigEndian => raw_uint(b, true),
            ByteOrder::Vax => {
                // 16-bit little-endian words, most significant word first.
                let mut v = 0u64;
                for w in b.chunks(2) {
                    let lo = u64::from(w.first().copied().unwrap_or(0));
                    let hi = u64::from(w.get(1).copied().unwrap_or(0));
                    v = (v << 16) | (hi << 8) | lo;
                }
                v
            }
        };
        Some(match (size, layout) {
            (8, F64) => f64::from_bits(raw),
            (4, F32) => f64::from(f32::from_bits(raw as u32)),
            _ => layout.decode(raw),
        })
    }

    /// One element converted into `T` (0 for input shorter than the element).
    #[inline]
    fn convert<T: Numeric>(&self, b: &[u8]) -> T {
        match self {
            NumSrc::Int { .. } => T::from_i128(self.int(b).unwrap_or(0)),
            NumSrc::Float { .. } => T::from_f64(self.float(b).unwrap_or(0.0)),
        }
    }

    /// The specialised loop for this layout, if it has one.
    fn fast(&self) -> Fast {
        match *self {
            NumSrc::Int {
                size,
                big,
                signed,
                offset: 0,
                precision,
            } if precision as usize == size * 8 => match (size, signed, big) {
                (1, true, _) => Fast::I8,
                (1, false, _) => Fast::U8,
                (2, true, false) => Fast::I16Le,
                (2, true, true) => Fast::I16Be,
                (2, false, false) => Fast::U16Le,
                (2, false, true) => Fast::U16Be,
                (4, true, false) => Fast::I32Le,
                (4, true, true) => Fast::I32Be,
                (4, false, false) => Fast::U32Le,
                (4, false, true) => Fast::U32Be,
                (8, true, false) => Fast::I64Le,
                (8, true, true) => Fast::I64Be,
                (8, false, false) => Fast::U64Le,
                (8, false, true) => Fast::U64Be,
                _ => Fast::Other,
            },
            NumSrc::Float {
                size: 2,
                order,
                layout: F16,
            } => match order {
                ByteOrder::LittleEndian => Fast::F16Le,
                ByteOrder::BigEndian => Fast::F16Be,
                ByteOrder::Vax => Fast::Other,
            },
            NumSrc::Float {
                size: 4,
                order,
                layout: F32,
            } => match order {
                ByteOrder::LittleEndian => Fast::F32Le,
                ByteOrder::BigEndian => Fast::F32Be,
                ByteOrder::Vax => Fast::Other,
            },
            NumSrc::Float {
                size: 8,
                order,
                layout: F64,
            } => match order {
                ByteOrder::LittleEndian => Fast::F64Le,
                ByteOrder::BigEndian => Fast::F64Be,
                ByteOrder::Vax => Fast::Other,
            },
            _ => Fast::Other,
        }
    }

    fn size(&self) -> usize {
        match *self {
            NumSrc::Int { size, .. } | NumSrc::Float { size, .. } => size,
        }
    }
}

/// Stored layouts with a loop of their own (native-width, standard IEEE).
#[derive(Debug, Clone, Copy)]
enum Fast {
    I8,
    U8,
    I16Le,
    I16Be,
    U16Le,
    U16Be,
    I32Le,
    I32Be,
    U32Le,
    U32Be,
    I64Le,
    I64Be,
    U64Le,
    U64Be,
    F16Le,
    F16Be,
    F32Le,
    F32Be,
    F64Le,
    F64Be,
    Other,
}

/// An IEEE binary16 value, exactly, by moving its fields into binary32 places.
#[inline(always)]
fn half_to_f32(h: u16) -> f32 {
    let h = u32::from(h);
    let sign = (h & 0x8000) << 16;
    let exp = (h >> 10) & 0x1f;
    let man = h & 0x3ff;
    let bits = match exp {
        // Zero and subnormals: man * 2^-24, exact in binary32.
        0 => (man as f32 * (1.0 / 16_777_216.0)).to_bits(),
        // Infinities and NaNs keep their payload.
        0x1f => 0x7f80_0000 | (man << 13),
        // Rebias the exponent from 15 to 127.
        _ => ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(sign | bits)
}

/// `c` as an array; `chunks_exact` always hands over `N` bytes.
#[inline(always)]
fn arr<const N: usize>(c: &[u8]) -> [u8; N] {
    <[u8; N]>::try_from(c).unwrap_or([0; N])
}

/// Runs `$body` with `$it` bound to an iterator of converted values, one monomorphic loop
/// per stored layout so that each compiles to a straight (vectorisable) pass.
macro_rules! with_values {
    ($fast:expr, $src:expr, $b:expr, $T:ty, |$it:ident| $body:expr) => {{
        macro_rules! int {
            ($n:literal, $p:ty, $from:ident) => {{
                let $it = $b
                    .chunks_exact($n)
                    .map(|c| <$T>::from_i128(<$p>::$from(arr::<$n>(c)) as i128));
                $body
            }};
        }
        match $fast {
            Fast::I8 => {
                let $it = $b.iter().map(|&x| <$T>::from_i128(x as i8 as i128));
                $body
            }
            Fast::U8 => {
                let $it = $b.iter().map(|&x| <$T>::from_i128(x as i128));
                $body
            }
            Fast::I16Le => int!(2, i16, from_le_bytes),
            Fast::I16Be => int!(2, i16, from_be_bytes),
            Fast::U16Le => int!(2, u16, from_le_bytes),
            Fast::U16Be => int!(2, u16, from_be_bytes),
            Fast::I32Le => int!(4, i32, from_le_bytes),
            Fast::I32Be => int!(4, i32, from_be_bytes),
            Fast::U32Le => int!(4, u32, from_le_bytes),
            Fast::U32Be => int!(4, u32, from_be_bytes),
            Fast::I64Le => int!(8, i64, from_le_bytes),
            Fast::I64Be => int!(8, i64, from_be_bytes),
            Fast::U64Le => int!(8, u64, from_le_bytes),
            Fast::U64Be => int!(8, u64, from_be_bytes),
            Fast::F16Le => {
                let $it = $b
                    .chunks_exact(2)
                    .map(|c| <$T>::from_f32(half_to_f32(u16::from_le_bytes(arr::<2>(c)))));
                $body
            }
            Fast::F16Be => {
                let $it = $b
                    .chunks_exact(2)
                    .map(|c| <$T>::from_f32(half_to_f32(u16::from_be_bytes(arr::<2>(c)))));
                $body
            }
            Fast::F32Le => {
                let $it = $b
                    .chunks_exact(4)
                    .map(|c| <$T>::from_f32(f32::from_le_bytes(arr::<4>(c))));
                $body
            }
            Fast::F32Be => {
                let $it = $b
                    .chunks_exact(4)
                    .map(|c| <$T>::from_f32(f32::from_be_bytes(arr::<4>(c))));
                $body
            }
            Fast::F64Le => {
                let $it = $b
                    .chunks_exact(8)
                    .map(|c| <$T>::from_f64(f64::from_le_bytes(arr::<8>(c))));
                $body
            }
            Fast::F64Be => {
                let $it = $b
                    .chunks_exact(8)
                    .map(|c| <$T>::from_f64(f64::from_be_bytes(arr::<8>(c))));
                $body
            }
            Fast::Other => {
                let src = $src;
                let $it = $b.chunks_exact(src.size()).map(|c| src.convert::<$T>(c));
                $body
            }
        }
    }};
}

/// Converts every element of `b` (stored as `src`) into `out`.
pub(crate) fn convert_to_vec<T: Numeric>(src: &NumSrc, b: &[u8], out: &mut Vec<T>) {
    with_values!(src.fast(), src, b, T, |it| out.extend(it))
}

/// Converts every element of `b` (stored as `src`) into the slots of `out`.
pub(crate) fn convert_to_slice<T: Numeric>(src: &NumSrc, b: &[u8], out: &mut [T]) {
    with_values!(src.fast(), src, b, T, |it| {
        for (o, v) in out.iter_mut().zip(it) {
            *o = v;
        }
    })
}

/// Stored bytes from which a whole read is converted on all cores: below it one pass on
/// the calling thread is as fast.
#[cfg(feature = "parallel")]
const PARALLEL_CONVERT_BYTES: usize = 8 << 20;

/// Converts every element of `b` into `out` (empty) on all cores: a large read is bound by
/// the copy and by the kernel providing the output's fresh pages, and both run on each
/// core at once. The zeroed vector comes from the allocator untouched, so no page is
/// written twice.
#[cfg(feature = "parallel")]
fn convert_parallel<T: Numeric>(src: &NumSrc, b: &[u8], out: &mut Vec<T>) {
    use rayon::prelude::*;
    let size = src.size();
    let n = b.len() / size;
    *out = vec![T::from_i128(0); n];
    // Pieces of 1 MiB of stored bytes or more, a few per core.
    let per = (n / (4 * rayon::current_num_threads())).max((1 << 20) / size.max(1));
    out.par_chunks_mut(per)
        .zip(b.par_chunks(per * size))
        .for_each(|(o, c)| convert_to_slice(src, c, o));
}

/// The decoder of a Rust number `T` from elements stored as `dtype`.
pub(crate) fn decoder<T: Numeric>(dtype: &Datatype) -> Result<Decoder<T>> {
    let src = NumSrc::of(dtype)?.ok_or_else(|| mismatch::<T>(dtype))?;
    Ok(Decoder::element(src.size(), move |b: &[u8], _: &Heap<'_>| {
        Ok(src.convert::<T>(b))
    })
    .with_bulk(
        move |b, out| {
            #[cfg(feature = "parallel")]
            if out.is_empty() && b.len() >= PARALLEL_CONVERT_BYTES {
                convert_parallel(&src, b, out);
                return Ok(());
            }
            convert_to_vec(&src, b, out);
            Ok(())
        },
        move |b, out| {
            convert_to_slice(&src, b, out);
            Ok(())
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(t: &Datatype) -> NumSrc {
        NumSrc::of(t).unwrap().unwrap()
    }

    fn all<T: Numeric>(t: &Datatype, b: &[u8]) -> Vec<T> {
        let mut v = Vec::new();
        convert_to_vec(&src(t), b, &mut v);
        v
    }

    fn layouts() -> Vec<Datatype> {
        let mut v = Vec::new();
        for order in [ByteOrder::LittleEndian, ByteOrder::BigEndian] {
            for size in [1, 2, 4, 8] {
                v.push(Datatype::integer(size, true, order));
                v.push(Datatype::integer(size, false, order));
            }
            for size in [2, 4, 8] {
                v.push(Datatype::ieee_float(size, order));
            }
        }
        v
    }

    /// The per-element path decodes integers and floats with general bit arithmetic.
    fn general<T: Numeric>(t: &Datatype, b: &[u8]) -> Vec<T> {
        let s = src(t);
        b.chunks_exact(s.size())
            .map(|c| match s {
                NumSrc::Int { .. } => T::from_i128(s.int(c).unwrap()),
                NumSrc::Float { layout, .. } => {
                    let raw = raw_uint(c, t_is_big(t));
                    T::from_f64(layout.decode(raw))
                }
            })
            .collect()
    }

    fn t_is_big(t: &Datatype) -> bool {
        matches!(
            t.class,
            TypeClass::FloatingPoint {
                order: ByteOrder::BigEndian,
                ..
            } | TypeClass::FixedPoint {
                order: ByteOrder::BigEndian,
                ..
            }
        )
    }

    fn same<T: Copy + PartialEq + Into<f64>>(a: &[T], b: &[T]) -> bool {
        a.len() == b.len()
            && a.iter().zip(b).all(|(&x, &y)| {
                let (fx, fy) = (x.into(), y.into());
                x == y || (fx.is_nan() && fy.is_nan())
            })
    }

    proptest::proptest! {
        #[test]
        fn fast_loops_agree_with_the_general_path(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..128)) {
            let b = &bytes[..bytes.len() / 8 * 8];
            for t in layouts() {
                proptest::prop_assert!(same(&all::<f64>(&t, b), &general::<f64>(&t, b)), "{t:?}");
                proptest::prop_assert!(same(&all::<f32>(&t, b), &general::<f32>(&t, b)), "{t:?}");
                proptest::prop_assert_eq!(all::<i64>(&t, b), general::<i64>(&t, b));
                proptest::prop_assert_eq!(all::<u8>(&t, b), general::<u8>(&t, b));
                proptest::prop_assert_eq!(all::<i16>(&t, b), general::<i16>(&t, b));
                let mut slots = vec![0u32; b.len() / src(&t).size()];
                convert_to_slice(&src(&t), b, &mut slots);
                proptest::prop_assert_eq!(slots, general::<u32>(&t, b));
            }
        }
    }

    #[test]
    fn integers_clamp_to_the_destination_range() {
        let t = Datatype::integer(2, true, ByteOrder::BigEndian);
        let b: Vec<u8> = [-300i16, -1, 200, 32767]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        assert_eq!(all::<u8>(&t, &b), [0, 0, 200, 255]);
        assert_eq!(all::<i8>(&t, &b), [-128, -1, 127, 127]);
        assert_eq!(all::<i64>(&t, &b), [-300, -1, 200, 32767]);
        assert_eq!(all::<f32>(&t, &b), [-300.0, -1.0, 200.0, 32767.0]);
        let t = Datatype::integer(8, false, ByteOrder::LittleEndian);
        assert_eq!(all::<i64>(&t, &u64::MAX.to_le_bytes()), [i64::MAX]);
        assert_eq!(all::<u32>(&t, &u64::MAX.to_le_bytes()), [u32::MAX]);
    }

    #[test]
    fn floats_truncate_and_clamp_into_integers() {
        let t = Datatype::ieee_float(8, ByteOrder::LittleEndian);
        let b: Vec<u8> = [-1.9f64, 2.7, 1e10, -1e10, f64::NAN, f64::INFINITY]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(all::<i16>(&t, &b), [-1, 2, 32767, -32768, 0, 32767]);
        assert_eq!(all::<u8>(&t, &b), [0, 2, 255, 0, 0, 255]);
        let f: Vec<f32> = all(&t, &b);
        assert_eq!(f[3], -1e10f32);
        let big = 1e300f64.to_le_bytes();
        assert_eq!(all::<f32>(&t, &big), [f32::INFINITY]);
    }

    #[test]
    fn half_precision_values() {
        let t = Datatype::ieee_float(2, ByteOrder::BigEndian);
        assert!(matches!(src(&t), NumSrc::Float { layout: F16, .. }));
        // 0x3555 = 0.333251953125, 0x0400 = 2^-14, 0x0001 = 2^-24, 0xfc00 = -inf.
        let b: Vec<u8> = [0x3555u16, 0x0400, 0x0001, 0xfc00, 0x7bff]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        assert_eq!(
            all::<f64>(&t, &b),
            [
                0.333_251_953_125,
                2f64.powi(-14),
                2f64.powi(-24),
                f64::NEG_INFINITY,
                65504.0
            ]
        );
    }

    #[test]
    fn half_fast_path_agrees_with_the_general_decoder() {
        for bits in 0..=u16::MAX {
            let fast = f64::from(half_to_f32(bits));
            let slow = F16.decode(u64::from(bits));
            assert!(
                (fast.is_nan() && slow.is_nan())
                    || (fast == slow && fast.is_sign_negative() == slow.is_sign_negative()),
                "{bits:#06x}: {fast} != {slow}"
            );
        }
    }

    #[test]
    fn partial_precision_integers_take_their_bits() {
        // 12 significant bits at offset 2 of a u16 (an N-bit style type).
        let mut t = Datatype::integer(2, true, ByteOrder::LittleEndian);
        if let TypeClass::FixedPoint {
            precision,
            bit_offset,
            ..
        } = &mut t.class
        {
            *precision = 12;
            *bit_offset = 2;
        }
        // 0xfff << 2 is -1 in 12-bit two's complement; 0x123 << 2 is 0x123.
        let b: Vec<u8> = [0xfffu16 << 2, 0x123 << 2]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(all::<i32>(&t, &b), [-1, 0x123]);
        let mut out = [0i32; 2];
        convert_to_slice(&src(&t), &b, &mut out);
        assert_eq!(out, [-1, 0x123]);
    }

    #[test]
    fn vax_single_precision() {
        // VAX order of the IEEE bits 0x3fc00000 (1.5): words swapped, each little-endian.
        let mut t = Datatype::ieee_float(4, ByteOrder::LittleEndian);
        if let TypeClass::FloatingPoint { order, .. } = &mut t.class {
            *order = ByteOrder::Vax;
        }
        assert_eq!(all::<f64>(&t, &[0xc0, 0x3f, 0x00, 0x00]), [1.5]);
    }
}
