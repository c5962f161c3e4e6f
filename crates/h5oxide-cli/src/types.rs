//! Datatype names as the HDF Group's tools spell them: HDF5/JSON type objects and h5dump's
//! DDL (`H5T_STD_I32LE`, `H5T_IEEE_F64BE`, `H5T_STRING { ... }`).

use serde_json::{json, Map, Value as Json};

use h5oxide::format::object_header::message::datatype::{
    ByteOrder, CharSet, Datatype, MantissaNorm, ReferenceKind, StringPadding, TypeClass, VarLenKind,
};

fn order_suffix(order: ByteOrder) -> &'static str {
    match order {
        ByteOrder::BigEndian => "BE",
        _ => "LE",
    }
}

fn order_name(order: ByteOrder) -> &'static str {
    match order {
        ByteOrder::BigEndian => "H5T_ORDER_BE",
        ByteOrder::LittleEndian => "H5T_ORDER_LE",
        ByteOrder::Vax => "H5T_ORDER_VAX",
    }
}

fn pad_name(ones: bool) -> &'static str {
    if ones {
        "H5T_PAD_ONE"
    } else {
        "H5T_PAD_ZERO"
    }
}

/// `H5T_STD_I32LE` and friends for integers that use every bit of 1, 2, 4 or 8 bytes.
pub fn std_int_name(dt: &Datatype) -> Option<String> {
    let TypeClass::FixedPoint {
        order,
        signed,
        bit_offset,
        precision,
        ..
    } = &dt.class
    else {
        return None;
    };
    let bits = dt.size.checked_mul(8)?;
    (matches!(dt.size, 1 | 2 | 4 | 8) && *bit_offset == 0 && u32::from(*precision) == bits).then(
        || {
            format!(
                "H5T_STD_{}{bits}{}",
                if *signed { 'I' } else { 'U' },
                order_suffix(*order)
            )
        },
    )
}

/// `H5T_IEEE_F32LE` / `H5T_IEEE_F64BE` for standard single and double precision.
pub fn std_float_name(dt: &Datatype) -> Option<String> {
    let TypeClass::FloatingPoint { order, .. } = &dt.class else {
        return None;
    };
    (matches!(dt.size, 4 | 8) && dt.is_standard_ieee_float() && *order != ByteOrder::Vax)
        .then(|| format!("H5T_IEEE_F{}{}", dt.size * 8, order_suffix(*order)))
}

fn std_bitfield_name(dt: &Datatype) -> Option<String> {
    let TypeClass::Bitfield {
        order,
        bit_offset,
        precision,
        ..
    } = &dt.class
    else {
        return None;
    };
    let bits = dt.size.checked_mul(8)?;
    (matches!(dt.size, 1 | 2 | 4 | 8) && *bit_offset == 0 && u32::from(*precision) == bits)
        .then(|| format!("H5T_STD_B{bits}{}", order_suffix(*order)))
}

/// An integer stored in `b` with `order`, sign-extended when `signed` (at most 8 bytes).
pub fn int_of(b: &[u8], order: ByteOrder, signed: bool) -> Option<i128> {
    if b.is_empty() || b.len() > 8 {
        return None;
    }
    let mut v: u64 = 0;
    let mut push = |x: u8| v = (v << 8) | u64::from(x);
    if order == ByteOrder::BigEndian {
        b.iter().copied().for_each(&mut push);
    } else {
        b.iter().rev().copied().for_each(&mut push);
    }
    let bits = b.len() as u32 * 8;
    Some(if signed && bits < 64 {
        let shift = 64 - bits;
        i128::from(((v << shift) as i64) >> shift)
    } else if signed {
        i128::from(v as i64)
    } else {
        i128::from(v)
    })
}

/// The integer an enumeration member's bytes stand for.
pub fn enum_member_value(base: &Datatype, bytes: &[u8]) -> Option<i128> {
    match &base.class {
        TypeClass::FixedPoint { order, signed, .. } => int_of(bytes, *order, *signed),
        _ => None,
    }
}

fn charset_name(c: CharSet) -> &'static str {
    match c {
        CharSet::Ascii => "H5T_CSET_ASCII",
        CharSet::Utf8 => "H5T_CSET_UTF8",
    }
}

fn strpad_name(p: StringPadding) -> &'static str {
    match p {
        StringPadding::NullTerminate => "H5T_STR_NULLTERM",
        StringPadding::NullPad => "H5T_STR_NULLPAD",
        StringPadding::SpacePad => "H5T_STR_SPACEPAD",
    }
}

fn norm_name(n: MantissaNorm) -> &'static str {
    match n {
        MantissaNorm::Implied => "H5T_NORM_IMPLIED",
        MantissaNorm::MsbSet => "H5T_NORM_MSBSET",
        MantissaNorm::None => "H5T_NORM_NONE",
    }
}

/// The HDF5/JSON description of a datatype (hdf5-json `datatype` production). Classes the
/// specification does not cover (time, complex, revised references) use the same shape with
/// their C library class name.
pub fn type_json(dt: &Datatype) -> Json {
    match &dt.class {
        TypeClass::FixedPoint {
            order,
            signed,
            bit_offset,
            precision,
            pad_lo,
            pad_hi,
        } => match std_int_name(dt) {
            Some(base) => json!({"class": "H5T_INTEGER", "base": base}),
            None => json!({
                "class": "H5T_INTEGER",
                "bitOffset": bit_offset,
                "byteOrder": order_name(*order),
                "lsbPad": pad_name(*pad_lo),
                "msbPad": pad_name(*pad_hi),
                "precision": precision,
                "signType": if *signed { "H5T_SGN_2" } else { "H5T_SGN_NONE" },
                "size": dt.size,
            }),
        },
        TypeClass::FloatingPoint {
            order,
            pad_lo,
            pad_hi,
            pad_internal,
            normalization,
            sign_location,
            bit_offset,
            precision,
            exponent_location,
            exponent_size,
            mantissa_location,
            mantissa_size,
            exponent_bias,
        } => match std_float_name(dt) {
            Some(base) => json!({"class": "H5T_FLOAT", "base": base}),
            None => json!({
                "class": "H5T_FLOAT",
                "bitOffset": bit_offset,
                "byteOrder": order_name(*order),
                "expBias": exponent_bias,
                "expBits": exponent_size,
                "expBitPos": exponent_location,
                "intlbPad": pad_name(*pad_internal),
                "lsbPad": pad_name(*pad_lo),
                "mantBits": mantissa_size,
                "mantBitPos": mantissa_location,
                "mantNorm": norm_name(*normalization),
                "msbitPad": pad_name(*pad_hi),
                "precision": precision,
                "signBitPos": sign_location,
                "size": dt.size,
            }),
        },
        TypeClass::Time { order, precision } => json!({
            "class": "H5T_TIME",
            "byteOrder": order_name(*order),
            "precision": precision,
            "size": dt.size,
        }),
        TypeClass::String { padding, charset } => json!({
            "class": "H5T_STRING",
            "charSet": charset_name(*charset),
            "strPad": strpad_name(*padding),
            "length": dt.size,
        }),
        TypeClass::Bitfield {
            order,
            bit_offset,
            precision,
            pad_lo,
            pad_hi,
        } => match std_bitfield_name(dt) {
            Some(base) => json!({"class": "H5T_BITFIELD", "base": base}),
            None => json!({
                "class": "H5T_BITFIELD",
                "bitOffset": bit_offset,
                "byteOrder": order_name(*order),
                "lsbPad": pad_name(*pad_lo),
                "msbPad": pad_name(*pad_hi),
                "precision": precision,
                "size": dt.size,
            }),
        },
        TypeClass::Opaque { tag } => {
            let mut m = Map::new();
            m.insert("class".into(), json!("H5T_OPAQUE"));
            m.insert("size".into(), json!(dt.size));
            if !tag.is_empty() {
                m.insert("tag".into(), json!(tag));
            }
            Json::Object(m)
        }
        TypeClass::Compound { members } => {
            let fields: Vec<Json> = members
                .iter()
                .map(|m| {
                    let t = match &m.v1_array {
                        Some(a) => json!({
                            "class": "H5T_ARRAY",
                            "base": type_json(&m.dtype),
                            "dims": a.dims,
                        }),
                        None => type_json(&m.dtype),
                    };
                    json!({"name": m.name, "type": t})
                })
                .collect();
            json!({"class": "H5T_COMPOUND", "fields": fields})
        }
        TypeClass::Reference { kind } => json!({
            "class": "H5T_REFERENCE",
            "base": match kind {
                ReferenceKind::Object => "H5T_STD_REF_OBJ",
                ReferenceKind::DatasetRegion => "H5T_STD_REF_DSETREG",
                _ => "H5T_STD_REF",
            },
        }),
        TypeClass::Enum { base, members } => {
            let members: Vec<Json> = members
                .iter()
                .map(|m| {
                    let v = enum_member_value(base, &m.value)
                        .and_then(|v| i64::try_from(v).ok().map(Json::from))
                        .or_else(|| {
                            enum_member_value(base, &m.value)
                                .and_then(|v| u64::try_from(v).ok().map(Json::from))
                        })
                        .unwrap_or(Json::Null);
                    json!({"name": m.name, "value": v})
                })
                .collect();
            json!({"class": "H5T_ENUM", "base": type_json(base), "members": members})
        }
        TypeClass::VarLen { kind, base } => match kind {
            VarLenKind::String { padding, charset } => json!({
                "class": "H5T_STRING",
                "charSet": charset_name(*charset),
                "strPad": strpad_name(*padding),
                "length": "H5T_VARIABLE",
            }),
            VarLenKind::Sequence => json!({"class": "H5T_VLEN", "base": type_json(base)}),
        },
        TypeClass::Array { dims, base } => {
            json!({"class": "H5T_ARRAY", "base": type_json(base), "dims": dims})
        }
        TypeClass::Complex { base, .. } => json!({"class": "H5T_COMPLEX", "base": type_json(base)}),
    }
}

fn pad(indent: usize) -> String {
    " ".repeat(indent)
}

fn array_dims(dims: &[u32]) -> String {
    dims.iter().map(|d| format!("[{d}]")).collect()
}

/// The datatype as h5dump prints it after `DATATYPE  `; continuation lines are indented by
/// `indent` spaces (the column of the `DATATYPE` keyword).
pub fn type_ddl(dt: &Datatype, indent: usize) -> String {
    let inner = pad(indent + 3);
    let close = pad(indent);
    match &dt.class {
        TypeClass::FixedPoint {
            order, precision, ..
        } => std_int_name(dt).unwrap_or_else(|| {
            format!(
                "{}-bit {} integer {precision}-bit precision",
                dt.size * 8,
                endian_word(*order)
            )
        }),
        TypeClass::FloatingPoint {
            order, precision, ..
        } => std_float_name(dt).unwrap_or_else(|| {
            format!(
                "{}-bit {} floating-point {precision}-bit precision",
                dt.size * 8,
                endian_word(*order)
            )
        }),
        TypeClass::Time { order, .. } => {
            format!("{}-bit {} time", dt.size * 8, endian_word(*order))
        }
        TypeClass::Bitfield { order, .. } => std_bitfield_name(dt)
            .unwrap_or_else(|| format!("{}-bit {} bitfield", dt.size * 8, endian_word(*order))),
        TypeClass::String { padding, charset } => format!(
            "H5T_STRING {{\n{inner}STRSIZE {};\n{inner}STRPAD {};\n{inner}CSET {};\n{inner}CTYPE H5T_C_S1;\n{close}}}",
            dt.size,
            strpad_name(*padding),
            charset_name(*charset)
        ),
        TypeClass::VarLen {
            kind: VarLenKind::String { padding, charset },
            ..
        } => format!(
            "H5T_STRING {{\n{inner}STRSIZE H5T_VARIABLE;\n{inner}STRPAD {};\n{inner}CSET {};\n{inner}CTYPE H5T_C_S1;\n{close}}}",
            strpad_name(*padding),
            charset_name(*charset)
        ),
        TypeClass::VarLen { base, .. } => format!("H5T_VLEN {{ {}}}", type_ddl(base, indent)),
        TypeClass::Opaque { tag } => {
            format!("H5T_OPAQUE {{\n{inner}OPAQUE_TAG \"{tag}\";\n{close}}}")
        }
        TypeClass::Compound { members } => {
            let mut s = String::from("H5T_COMPOUND {\n");
            for m in members {
                let t = match &m.v1_array {
                    Some(a) => format!(
                        "H5T_ARRAY {{ {} {} }}",
                        array_dims(&a.dims),
                        type_ddl(&m.dtype, indent + 3)
                    ),
                    None => type_ddl(&m.dtype, indent + 3),
                };
                s.push_str(&format!("{inner}{t} \"{}\";\n", m.name));
            }
            s.push_str(&close);
            s.push('}');
            s
        }
        TypeClass::Reference { kind } => format!(
            "H5T_REFERENCE {{ {} }}",
            match kind {
                ReferenceKind::Object => "H5T_STD_REF_OBJECT",
                ReferenceKind::DatasetRegion => "H5T_STD_REF_DSETREG",
                _ => "H5T_STD_REF",
            }
        ),
        TypeClass::Enum { base, members } => {
            let mut s = format!("H5T_ENUM {{\n{inner}{};\n", type_ddl(base, indent + 3));
            for m in members {
                let v = enum_member_value(base, &m.value)
                    .map(|v| v.to_string())
                    .unwrap_or_default();
                let name = format!("\"{}\"", m.name);
                s.push_str(&format!("{inner}{name:<19}{v};\n"));
            }
            s.push_str(&close);
            s.push('}');
            s
        }
        TypeClass::Array { dims, base } => {
            format!("H5T_ARRAY {{ {} {} }}", array_dims(dims), type_ddl(base, indent))
        }
        TypeClass::Complex { base, .. } => format!("H5T_COMPLEX {{ {} }}", type_ddl(base, indent)),
    }
}

fn endian_word(order: ByteOrder) -> &'static str {
    match order {
        ByteOrder::BigEndian => "big-endian",
        ByteOrder::LittleEndian => "little-endian",
        ByteOrder::Vax => "VAX-order",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_names() {
        let t = Datatype::integer(4, true, ByteOrder::LittleEndian);
        assert_eq!(std_int_name(&t).as_deref(), Some("H5T_STD_I32LE"));
        let t = Datatype::integer(1, false, ByteOrder::BigEndian);
        assert_eq!(std_int_name(&t).as_deref(), Some("H5T_STD_U8BE"));
        let t = Datatype::ieee_float(8, ByteOrder::BigEndian);
        assert_eq!(std_float_name(&t).as_deref(), Some("H5T_IEEE_F64BE"));
        assert_eq!(
            type_json(&t),
            json!({"class": "H5T_FLOAT", "base": "H5T_IEEE_F64BE"})
        );
    }

    #[test]
    fn integers_of_both_orders() {
        assert_eq!(int_of(&[0xff, 0xfe], ByteOrder::BigEndian, true), Some(-2));
        assert_eq!(
            int_of(&[0xff, 0xfe], ByteOrder::LittleEndian, false),
            Some(0xfeff)
        );
        assert_eq!(int_of(&[0; 9], ByteOrder::LittleEndian, false), None);
    }
}
