//! Typed reads of numbers from `types_numeric.h5` (values from the generator's formulas in
//! fixtures/src/types.rs), with the C library's conversion rules (clamping, truncation).

use h5oxide::{Error, File};
use ndarray::{arr1, Array0, Ix0, Ix1};

fn fixture(name: &str) -> File {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files")
        .join(name);
    File::open(path).unwrap()
}

const SIGNED: [i64; 10] = [i64::MIN, -1000, -1, 0, 1, 2, 127, 1000, 65_537, i64::MAX];
const UNSIGNED: [u64; 10] = [0, 1, 2, 127, 128, 255, 256, 65_535, 1 << 40, u64::MAX];

macro_rules! own_type {
    ($f:expr, $t:ty, $signed:expr, $name:literal) => {
        for order in ["le", "be"] {
            let ds = $f.root().dataset(&format!("{}_{order}", $name)).unwrap();
            // The generator stores each value cast (wrapping) to the dataset's type.
            let want: Vec<$t> = $signed.iter().map(|&v| v as $t).collect();
            assert_eq!(ds.read_raw::<$t>().unwrap(), want, "{} {order}", $name);
            let as_f64: Vec<f64> = want.iter().map(|&v| v as f64).collect();
            assert_eq!(
                ds.read_raw::<f64>().unwrap(),
                as_f64,
                "{} {order} as f64",
                $name
            );
            assert_eq!(ds.read_1d::<$t>().unwrap(), arr1(&want));
        }
    };
}

#[test]
fn integers_as_their_own_type_and_as_f64() {
    let f = fixture("types_numeric.h5");
    own_type!(f, i8, SIGNED, "i8");
    own_type!(f, i16, SIGNED, "i16");
    own_type!(f, i32, SIGNED, "i32");
    own_type!(f, i64, SIGNED, "i64");
    own_type!(f, u8, UNSIGNED, "u8");
    own_type!(f, u16, UNSIGNED, "u16");
    own_type!(f, u32, UNSIGNED, "u32");
    own_type!(f, u64, UNSIGNED, "u64");
}

#[test]
fn out_of_range_integers_clamp() {
    let f = fixture("types_numeric.h5");
    for order in ["le", "be"] {
        let ds = f.root().dataset(&format!("i64_{order}")).unwrap();
        assert_eq!(
            ds.read_raw::<i8>().unwrap(),
            [-128, -128, -1, 0, 1, 2, 127, 127, 127, 127]
        );
        assert_eq!(
            ds.read_raw::<u16>().unwrap(),
            [0, 0, 0, 0, 1, 2, 127, 1000, 65535, 65535]
        );
        let ds = f.root().dataset(&format!("u64_{order}")).unwrap();
        assert_eq!(
            ds.read_raw::<i64>().unwrap(),
            [0, 1, 2, 127, 128, 255, 256, 65_535, 1 << 40, i64::MAX]
        );
        assert_eq!(
            ds.read_raw::<i8>().unwrap(),
            [0, 1, 2, 127, 127, 127, 127, 127, 127, 127]
        );
        let ds = f.root().dataset(&format!("u8_{order}")).unwrap();
        // u8 values: 0 1 2 127 128 255 0 255 0 255 (wrapped by the generator).
        assert_eq!(
            ds.read_raw::<i8>().unwrap(),
            [0, 1, 2, 127, 127, 127, 0, 127, 0, 127]
        );
    }
}

fn same_floats<T: Into<f64> + Copy>(got: &[T], want: &[T]) -> bool {
    got.len() == want.len()
        && got.iter().zip(want).all(|(&g, &w)| {
            let (g, w) = (g.into(), w.into());
            (g.is_nan() && w.is_nan()) || (g == w && g.is_sign_negative() == w.is_sign_negative())
        })
}

#[test]
fn half_precision_in_both_orders() {
    let f = fixture("types_numeric.h5");
    let want = [
        0.0f32,
        -0.0,
        1.0,
        -2.5,
        0.333_251_95,
        65504.0,
        6.103_515_6e-5,
        5.960_464_5e-8,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ];
    for name in ["f16_le", "f16_be"] {
        let ds = f.root().dataset(name).unwrap();
        let got = ds.read_raw::<f32>().unwrap();
        assert!(same_floats(&got, &want), "{name}: {got:?}");
        let got = ds.read_raw::<f64>().unwrap();
        let want64: Vec<f64> = want.iter().map(|&v| f64::from(v)).collect();
        assert!(same_floats(&got, &want64), "{name}: {got:?}");
        // Into integers: truncation toward zero, infinities clamp.
        assert_eq!(
            ds.read_raw::<i16>().unwrap(),
            [0, 0, 1, -2, 0, 32767, 0, 0, 32767, -32768]
        );
    }
}

#[test]
fn singles_and_doubles_in_both_orders() {
    let f = fixture("types_numeric.h5");
    let doubles = [
        0.0f64,
        -0.0,
        1.0,
        -2.5,
        std::f64::consts::PI,
        1e300,
        -1e-300,
        5e-324,
        f64::INFINITY,
        f64::NAN,
    ];
    let singles = doubles.map(|v| v as f32);
    for order in ["le", "be"] {
        let d = f.root().dataset(&format!("f64_{order}")).unwrap();
        assert!(same_floats(&d.read_raw::<f64>().unwrap(), &doubles));
        // Narrowing like the C library: 1e300 overflows to infinity, tiny values to zero.
        assert!(same_floats(&d.read_raw::<f32>().unwrap(), &singles));
        assert_eq!(
            d.read_raw::<i32>().unwrap(),
            [0, 0, 1, -2, 3, i32::MAX, 0, 0, i32::MAX, 0]
        );
        let s = f.root().dataset(&format!("f32_{order}")).unwrap();
        assert!(same_floats(&s.read_raw::<f32>().unwrap(), &singles));
        let widened: Vec<f64> = singles.iter().map(|&v| f64::from(v)).collect();
        assert!(same_floats(&s.read_raw::<f64>().unwrap(), &widened));
    }
}

#[test]
fn read_into_a_callers_buffer() {
    let f = fixture("types_numeric.h5");
    let ds = f.root().dataset("i32_be").unwrap();
    let mut buf = [0i64; 10];
    ds.read_into(&mut buf).unwrap();
    let want: Vec<i64> = SIGNED.iter().map(|&v| i64::from(v as i32)).collect();
    assert_eq!(buf.to_vec(), want);
    let mut short = [0i64; 9];
    assert!(matches!(ds.read_into(&mut short), Err(Error::Usage(_))));
}

#[test]
fn numeric_attributes() {
    let f = fixture("types_numeric.h5");
    let attrs = f.root().attrs();
    assert_eq!(attrs.get_value::<i16>("attr_i16_be").unwrap(), -12345);
    assert_eq!(attrs.get_value::<i32>("attr_i16_be").unwrap(), -12345);
    assert_eq!(attrs.get_value::<u64>("attr_u64_le").unwrap(), u64::MAX - 1);
    assert_eq!(attrs.get_value::<f32>("attr_f16_le").unwrap(), -0.5);
    let a = attrs.attr("attr_f64_be").unwrap();
    assert_eq!(a.read_1d::<f64>().unwrap(), arr1(&[1.25, -8.0]));
    assert_eq!(a.read_raw::<f32>().unwrap(), [1.25, -8.0]);
    assert!(a.read_scalar::<f64>().is_err());
    assert!(attrs.get_value::<f64>("attr_f64_be").is_err());
    let s = attrs.attr("attr_i16_be").unwrap();
    assert_eq!(s.read::<i16, Ix0>().unwrap(), Array0::from_elem((), -12345));
    assert!(s.read::<i16, Ix1>().is_err());
}

#[test]
fn classes_that_are_not_numbers_are_refused() {
    let f = fixture("types_numeric.h5");
    let ds = f.root().dataset("opaque_6").unwrap();
    let err = ds.read_raw::<u8>().unwrap_err();
    assert!(matches!(err, Error::WrongKind { .. }), "{err}");
    let strings = fixture("types_strings.h5");
    let ds = strings.root().dataset("vlen_utf8").unwrap();
    assert!(ds.read_raw::<i32>().is_err());
    assert!(f.root().dataset("f64_le").unwrap().read_strings().is_err());
}

#[test]
fn bitfields_read_as_unsigned_integers() {
    let f = fixture("types_numeric.h5");
    let ds = f.root().dataset("bitfield_16_be").unwrap();
    assert_eq!(
        ds.read_raw::<u16>().unwrap(),
        [0, 1, 0x8000, 0xffff, 0x1234]
    );
    let ds = f.root().dataset("bitfield_64_be").unwrap();
    assert_eq!(
        ds.read_raw::<u64>().unwrap(),
        [0, 1, 1 << 63, u64::MAX, 0x0123_4567_89ab_cdef]
    );
}

#[test]
fn nbit_partial_precision_integers() {
    let f = fixture("filters_builtin.h5");
    let ds = f.root().dataset("nbit_u16_prec12_off2").unwrap();
    let want: Vec<u16> = (0..8000).map(|i| ((i * 13) % 4096) as u16).collect();
    assert_eq!(ds.read_raw::<u16>().unwrap(), want);
    let ds = f.root().dataset("nbit_i32_be_prec17").unwrap();
    let want: Vec<i32> = (0..8000).map(|i| ((i * 7) % 1000) - 300).collect();
    assert_eq!(ds.read_raw::<i32>().unwrap(), want);
}
