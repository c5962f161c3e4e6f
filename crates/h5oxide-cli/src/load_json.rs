//! `h5ox load-json`: an HDF5 file built from HDF5/JSON as `h5ox dump --json` writes it
//! (hdf5-json form: `root`, `groups`, `datasets`, `datatypes` keyed by id; links, attributes,
//! types, shapes, creation properties and values).
//!
//! Written: groups, committed datatypes, hard, soft and external links, datasets and
//! attributes of integer, float, fixed and variable-length string, enumeration, compound,
//! array, opaque, variable-length sequence, object reference and region reference types,
//! with their chunk shapes, filters, fill values (an undefined one as `"fillValue": null`),
//! space allocation and fill write times (`allocTime`, `fillTime`) and maximum shapes.
//! Object references (`"datasets/<id>"`, `"groups/<id>"`, `"datatypes/<id>"`) and region
//! references (`{"id", "class", "selection"}`) name objects of the document: datasets
//! holding them are created empty with the other objects and their values written once
//! every object exists (so they may name each other or themselves). Revised references
//! (`H5T_STD_REF`) use the forms of `crate::revised_json`. Attributes with a null dataspace
//! are written with their type and no elements.

use std::collections::{HashMap, VecDeque};
use std::fs;
use std::path::PathBuf;

use serde_json::{Map, Value as Json};

use h5oxide::format::object_header::message::datatype::{
    ByteOrder, CharSet, CompoundMember, Datatype, EnumMember, MantissaNorm, ReferenceKind,
    StringPadding, TypeClass, VarLenKind,
};
use h5oxide::format::object_header::message::fill_value::{AllocationTime, FillWriteTime};
use h5oxide::format::selection::{Block, Hyperslab, PointSelection, Selection as StoredSelection};
use h5oxide::write::types::Elements;
use h5oxide::{Attributes, DatasetBuilder, File, Libver, Mode, RawValue, Selection};

use h5oxide::format::object_header::message::filter_pipeline::{FilterDescription, FilterPipeline};

use crate::elements::needs_encoding;
use crate::progress::Progress;
use crate::props::{alloc_time_of, fill_time_of};
use crate::repack::{
    address_of, parse_libver, write_dataset, BoxError, ElementsValue, FilterOp, Plan,
};
use crate::tree::join;

/// Nesting depth of types accepted.
const MAX_DEPTH: u32 = 32;

/// Arguments of `h5ox load-json`.
#[derive(clap::Args)]
pub struct Args {
    /// The HDF5/JSON document.
    input: PathBuf,
    /// The HDF5 file to write (replaced if it exists).
    output: PathBuf,
    /// Format generation: `earliest` (default) or `latest`.
    #[arg(long)]
    libver: Option<String>,
}

fn field<'a>(m: &'a Json, k: &str, what: &str) -> Result<&'a Json, String> {
    m.get(k).ok_or_else(|| format!("{what}: no {k:?}"))
}

fn uint(v: &Json, what: &str) -> Result<u64, String> {
    v.as_u64()
        .ok_or_else(|| format!("{what}: {v} is not a non-negative integer"))
}

fn u32_of(m: &Json, k: &str, what: &str) -> Result<u32, String> {
    u32::try_from(uint(field(m, k, what)?, what)?).map_err(|_| format!("{what}: {k} too large"))
}

fn order_of(name: &str) -> ByteOrder {
    if name.ends_with("BE") {
        ByteOrder::BigEndian
    } else {
        ByteOrder::LittleEndian
    }
}

fn std_type(name: &str) -> Result<Datatype, String> {
    let bad = || format!("not yet supported: type {name:?}");
    let order = order_of(name);
    let core = name
        .strip_suffix("LE")
        .or_else(|| name.strip_suffix("BE"))
        .ok_or_else(bad)?;
    if let Some(rest) = core.strip_prefix("H5T_STD_") {
        let (kind, bits) = rest.split_at(1);
        let bits: u32 = bits.parse().map_err(|_| bad())?;
        if !matches!(bits, 8 | 16 | 32 | 64) {
            return Err(bad());
        }
        return match kind {
            "I" => Ok(Datatype::integer(bits / 8, true, order)),
            "U" => Ok(Datatype::integer(bits / 8, false, order)),
            "B" => Ok(Datatype::new(
                bits / 8,
                TypeClass::Bitfield {
                    order,
                    bit_offset: 0,
                    precision: bits as u16,
                    pad_lo: false,
                    pad_hi: false,
                },
            )),
            _ => Err(bad()),
        };
    }
    match core {
        "H5T_IEEE_F32" => Ok(Datatype::ieee_float(4, order)),
        "H5T_IEEE_F64" => Ok(Datatype::ieee_float(8, order)),
        _ => Err(bad()),
    }
}

fn pad_of(m: &Json, k: &str) -> bool {
    m.get(k).and_then(Json::as_str) == Some("H5T_PAD_ONE")
}

fn byte_order(m: &Json) -> ByteOrder {
    match m.get("byteOrder").and_then(Json::as_str) {
        Some("H5T_ORDER_BE") => ByteOrder::BigEndian,
        _ => ByteOrder::LittleEndian,
    }
}

/// The datatype an HDF5/JSON type object describes.
///
/// # Errors
/// A malformed object, or a class not written (references, variable-length sequences,
/// time, bitfield, complex).
pub fn type_of(t: &Json, depth: u32) -> Result<Datatype, String> {
    if depth > MAX_DEPTH {
        return Err("type nested too deeply".into());
    }
    let what = "type";
    let class = field(t, "class", what)?.as_str().unwrap_or_default();
    let u16_of = |k: &str| -> Result<u16, String> {
        u16::try_from(u32_of(t, k, what)?).map_err(|_| format!("{what}: {k} too large"))
    };
    let u8_of = |k: &str| -> Result<u8, String> {
        u8::try_from(u32_of(t, k, what)?).map_err(|_| format!("{what}: {k} too large"))
    };
    match class {
        "H5T_BITFIELD" => match t.get("base").and_then(Json::as_str) {
            Some(base) => std_type(base),
            None => Err("not yet supported: bitfields of non-standard precision".into()),
        },
        "H5T_INTEGER" | "H5T_FLOAT" => {
            if let Some(base) = t.get("base").and_then(Json::as_str) {
                return std_type(base);
            }
            let size = u32_of(t, "size", what)?;
            if size == 0 || size > 16 {
                return Err(format!("{what}: bad size {size}"));
            }
            let class = if class == "H5T_INTEGER" {
                TypeClass::FixedPoint {
                    order: byte_order(t),
                    signed: t.get("signType").and_then(Json::as_str) == Some("H5T_SGN_2"),
                    bit_offset: u16_of("bitOffset")?,
                    precision: u16_of("precision")?,
                    pad_lo: pad_of(t, "lsbPad"),
                    pad_hi: pad_of(t, "msbPad"),
                }
            } else {
                TypeClass::FloatingPoint {
                    order: byte_order(t),
                    pad_lo: pad_of(t, "lsbPad"),
                    pad_hi: pad_of(t, "msbitPad"),
                    pad_internal: pad_of(t, "intlbPad"),
                    normalization: match t.get("mantNorm").and_then(Json::as_str) {
                        Some("H5T_NORM_MSBSET") => MantissaNorm::MsbSet,
                        Some("H5T_NORM_NONE") => MantissaNorm::None,
                        _ => MantissaNorm::Implied,
                    },
                    sign_location: u8_of("signBitPos")?,
                    bit_offset: u16_of("bitOffset")?,
                    precision: u16_of("precision")?,
                    exponent_location: u8_of("expBitPos")?,
                    exponent_size: u8_of("expBits")?,
                    mantissa_location: u8_of("mantBitPos")?,
                    mantissa_size: u8_of("mantBits")?,
                    exponent_bias: u32_of(t, "expBias", what)?,
                }
            };
            Ok(Datatype::new(size, class))
        }
        "H5T_STRING" => {
            let padding = match t.get("strPad").and_then(Json::as_str) {
                Some("H5T_STR_NULLTERM") => StringPadding::NullTerminate,
                Some("H5T_STR_SPACEPAD") => StringPadding::SpacePad,
                _ => StringPadding::NullPad,
            };
            let charset = match t.get("charSet").and_then(Json::as_str) {
                Some("H5T_CSET_UTF8") => CharSet::Utf8,
                _ => CharSet::Ascii,
            };
            match field(t, "length", what)? {
                Json::String(s) if s == "H5T_VARIABLE" => {
                    let mut t = h5oxide::write::types::vlen_string_type();
                    // The character set is kept: the writer has ASCII and UTF-8 strings.
                    if let TypeClass::VarLen {
                        kind: VarLenKind::String { charset: c, .. },
                        ..
                    } = &mut t.class
                    {
                        *c = charset;
                    }
                    Ok(t)
                }
                n => {
                    let n = u32::try_from(uint(n, what)?).map_err(|_| "string too long")?;
                    Ok(Datatype::new(
                        n.max(1),
                        TypeClass::String { padding, charset },
                    ))
                }
            }
        }
        "H5T_OPAQUE" => Ok(Datatype::new(
            u32_of(t, "size", what)?,
            TypeClass::Opaque {
                tag: t
                    .get("tag")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            },
        )),
        "H5T_ARRAY" => {
            let base = type_of(field(t, "base", what)?, depth + 1)?;
            let dims: Vec<u32> = field(t, "dims", what)?
                .as_array()
                .ok_or("array dims are not a list")?
                .iter()
                .map(|d| {
                    uint(d, what).and_then(|d| u32::try_from(d).map_err(|_| "dim too large".into()))
                })
                .collect::<Result<_, String>>()?;
            let size = dims
                .iter()
                .try_fold(base.size, |a, &d| a.checked_mul(d))
                .ok_or("array type too large")?;
            Ok(Datatype::new(
                size,
                TypeClass::Array {
                    dims,
                    base: Box::new(base),
                },
            ))
        }
        "H5T_COMPOUND" => {
            let mut members = Vec::new();
            let mut offset: u32 = 0;
            for f in field(t, "fields", what)?
                .as_array()
                .ok_or("compound fields are not a list")?
            {
                let name = field(f, "name", what)?.as_str().unwrap_or_default();
                let ft = type_of(field(f, "type", what)?, depth + 1)?;
                let size = ft.size;
                // Members packed in order: the JSON form gives no offsets.
                members.push(CompoundMember::new(name, offset, ft));
                offset = offset.checked_add(size).ok_or("compound type too large")?;
            }
            Ok(Datatype::new(offset, TypeClass::Compound { members }))
        }
        "H5T_ENUM" => {
            let base = type_of(field(t, "base", what)?, depth + 1)?;
            if !matches!(base.class, TypeClass::FixedPoint { .. }) {
                return Err("an enumeration's base is not an integer".into());
            }
            let mut members = Vec::new();
            for m in field(t, "members", what)?
                .as_array()
                .ok_or("enum members are not a list")?
            {
                let mut value = Vec::new();
                encode(&base, field(m, "value", what)?, &mut value, depth + 1)?;
                members.push(EnumMember {
                    name: field(m, "name", what)?
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    value,
                });
            }
            Ok(Datatype::new(
                base.size,
                TypeClass::Enum {
                    base: Box::new(base),
                    members,
                },
            ))
        }
        "H5T_REFERENCE" => match t.get("base").and_then(Json::as_str) {
            Some("H5T_STD_REF_OBJ") => Ok(Datatype::new(
                8,
                TypeClass::Reference {
                    kind: ReferenceKind::Object,
                },
            )),
            // A global heap ID: an 8-byte address and a 4-byte index (spec III.E).
            Some("H5T_STD_REF_DSETREG") => Ok(Datatype::new(
                12,
                TypeClass::Reference {
                    kind: ReferenceKind::DatasetRegion,
                },
            )),
            // Revised references as libhdf5 1.12+ stores H5T_STD_REF (spec VIII.B).
            Some("H5T_STD_REF") => {
                Ok(<h5oxide::types::Reference as h5oxide::H5Write>::write_type())
            }
            other => Err(format!("not yet supported: reference type {other:?}")),
        },
        "H5T_VLEN" => {
            let base = type_of(field(t, "base", what)?, depth + 1)?;
            // A 4-byte count and a heap ID (spec IV.A.2.d, class 9).
            Ok(Datatype::new(
                16,
                TypeClass::VarLen {
                    kind: VarLenKind::Sequence,
                    base: Box::new(base),
                },
            ))
        }
        other => Err(format!("not yet supported: type class {other}")),
    }
}

/// The selection of a region reference as `h5ox dump --json` writes it: `class`
/// (`H5S_SEL_NONE`, `_ALL`, `_POINTS`, `_HYPERSLABS`) and `selection` (points as
/// coordinate lists, hyperslabs as `{"start", "opposite"}` blocks with inclusive corners).
pub(crate) fn selection_of(v: &Json) -> Result<StoredSelection, String> {
    let coords = |c: &Json| -> Result<Vec<u64>, String> {
        c.as_array()
            .ok_or("region coordinates are not a list")?
            .iter()
            .map(|x| uint(x, "region"))
            .collect()
    };
    let list = || {
        v.get("selection")
            .and_then(Json::as_array)
            .ok_or_else(|| "a region reference has no selection list".to_owned())
    };
    match v.get("class").and_then(Json::as_str) {
        Some("H5S_SEL_NONE") => Ok(StoredSelection::None),
        Some("H5S_SEL_ALL") => Ok(StoredSelection::All),
        Some("H5S_SEL_POINTS") => {
            let points: Vec<Vec<u64>> = list()?.iter().map(coords).collect::<Result<_, _>>()?;
            let rank = points.first().map_or(0, Vec::len);
            if rank == 0 || points.iter().any(|p| p.len() != rank) {
                return Err("region points of differing or zero rank".into());
            }
            Ok(StoredSelection::Points(PointSelection::new(
                rank as u32,
                points,
            )))
        }
        Some("H5S_SEL_HYPERSLABS") => {
            let blocks: Vec<Block> = list()?
                .iter()
                .map(|b| {
                    Ok(Block {
                        start: coords(field(b, "start", "region block")?)?,
                        end: coords(field(b, "opposite", "region block")?)?,
                    })
                })
                .collect::<Result<_, String>>()?;
            let rank = blocks.first().map_or(0, |b| b.start.len());
            if rank == 0
                || blocks.iter().any(|b| {
                    b.start.len() != rank
                        || b.end.len() != rank
                        || b.start.iter().zip(&b.end).any(|(s, e)| s > e)
                })
            {
                return Err("region blocks of differing or zero rank, or reversed".into());
            }
            Ok(StoredSelection::Hyperslab(Hyperslab::irregular(
                rank as u32,
                blocks,
            )))
        }
        other => Err(format!(
            "not yet supported: region selection class {other:?}"
        )),
    }
}

/// The object id an HDF5/JSON reference names: `"datasets/<id>"` or a bare id.
fn ref_id(s: &str) -> &str {
    s.rsplit_once('/').map_or(s, |(_, id)| id)
}

/// Appends one element `v` of type `t` holding variable-length data or references, the
/// ids of referenced objects resolved to addresses by `resolve`.
fn encode_elements(
    t: &Datatype,
    v: &Json,
    resolve: &mut dyn FnMut(&str) -> Result<u64, BoxError>,
    out: &mut Elements,
    depth: u32,
) -> Result<(), BoxError> {
    if depth > MAX_DEPTH {
        return Err("value nested too deeply".into());
    }
    if !needs_encoding(t) {
        let mut b = Vec::new();
        encode(t, v, &mut b, depth)?;
        out.bytes_mut().extend_from_slice(&b);
        return Ok(());
    }
    match &t.class {
        TypeClass::Compound { members } => {
            let items = v
                .as_array()
                .ok_or_else(|| format!("{v} is not a compound value (a list)"))?;
            if items.len() != members.len() {
                return Err("a compound value has the wrong number of members".into());
            }
            let at = out.start_element(t.element_size());
            for (m, item) in members.iter().zip(items) {
                let mut part = Elements::new();
                encode_elements(&m.dtype, item, resolve, &mut part, depth + 1)?;
                if m.offset as usize + part.bytes().len() > t.element_size() {
                    return Err("compound member outside its element".into());
                }
                out.place(at + m.offset as usize, part);
            }
        }
        TypeClass::Array { dims, base } => {
            let mut flat = Vec::new();
            flatten(v, dims.len(), &mut flat)?;
            let n = dims
                .iter()
                .fold(1u64, |a, &d| a.saturating_mul(u64::from(d)));
            if flat.len() as u64 != n {
                return Err("an array value has the wrong number of elements".into());
            }
            for x in flat {
                encode_elements(base, x, resolve, out, depth + 1)?;
            }
        }
        TypeClass::VarLen { kind, base } => {
            let mut items = Elements::new();
            let count = match (kind, v) {
                (_, Json::Null) => 0,
                (VarLenKind::String { .. }, Json::String(s)) => {
                    items.bytes_mut().extend_from_slice(s.as_bytes());
                    s.len()
                }
                (VarLenKind::Sequence, Json::Array(list)) => {
                    for x in list {
                        encode_elements(base, x, resolve, &mut items, depth + 1)?;
                    }
                    list.len()
                }
                _ => return Err(format!("{v} is not a {}", t.descriptor()).into()),
            };
            out.push_var_len(u32::try_from(count)?, items);
        }
        TypeClass::Reference { kind } => match (kind, v) {
            (ReferenceKind::Object, Json::Null) => out.bytes_mut().extend_from_slice(&[0; 8]),
            (ReferenceKind::Object, Json::String(s)) => {
                let a = resolve(ref_id(s))?;
                out.bytes_mut().extend_from_slice(&a.to_le_bytes());
            }
            (ReferenceKind::DatasetRegion, Json::Null) => {
                out.start_element(12);
            }
            (ReferenceKind::DatasetRegion, Json::Object(_)) => {
                let id = field(v, "id", "region reference")?
                    .as_str()
                    .ok_or("a region reference id is not a string")?;
                let sel = selection_of(v)?;
                let mut obj = Elements::new();
                obj.bytes_mut()
                    .extend_from_slice(&resolve(ref_id(id))?.to_le_bytes());
                let mut w = h5oxide::format::Writer::new();
                sel.encode(&mut w)?;
                obj.bytes_mut().extend_from_slice(w.as_slice());
                out.push_heap_id(obj);
            }
            (k, v) if k.is_revised() => {
                let r = crate::revised_json::revised_of(v, resolve)?;
                <h5oxide::types::Reference as h5oxide::H5Write>::write_elements(&[r], out);
            }
            _ => return Err(format!("{v} is not a {}", t.descriptor()).into()),
        },
        _ => {
            let mut b = Vec::new();
            encode(t, v, &mut b, depth)?;
            out.bytes_mut().extend_from_slice(&b);
        }
    }
    Ok(())
}

fn put_int(v: i128, size: usize, order: ByteOrder, out: &mut Vec<u8>) {
    let le = v.to_le_bytes();
    let mut b = le[..size.min(16)].to_vec();
    b.resize(size, if v < 0 { 0xff } else { 0 });
    if order == ByteOrder::BigEndian {
        b.reverse();
    }
    out.extend_from_slice(&b);
}

fn float_of(v: &Json) -> Result<f64, String> {
    match v {
        Json::Number(n) => n.as_f64().ok_or_else(|| format!("bad number {n}")),
        Json::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(format!("{s:?} is not a number")),
        },
        _ => Err(format!("{v} is not a number")),
    }
}

/// IEEE binary16 bits of `x`, rounded to nearest.
fn half_bits(x: f64) -> u16 {
    let sign: u16 = if x.is_sign_negative() { 0x8000 } else { 0 };
    let a = x.abs();
    if x.is_nan() {
        return 0x7e00;
    }
    if a >= 65520.0 {
        return sign | 0x7c00;
    }
    // Below the smallest normal (2^-14): a multiple of 2^-24.
    if a < 2f64.powi(-14) {
        return sign | (a * 2f64.powi(24)).round() as u16;
    }
    let mut e = a.log2().floor() as i32;
    if 2f64.powi(e) > a {
        e -= 1;
    }
    let mut m = ((a / 2f64.powi(e) - 1.0) * 1024.0).round() as u32;
    if m == 1024 {
        e += 1;
        m = 0;
    }
    sign | (((e + 15) as u16) << 10) | m as u16
}

/// Appends the stored bytes of one element `v` of type `t`.
fn encode(t: &Datatype, v: &Json, out: &mut Vec<u8>, depth: u32) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("value nested too deeply".into());
    }
    let size = t.element_size();
    match &t.class {
        TypeClass::FixedPoint {
            order, bit_offset, ..
        } => {
            let n: i128 = match v {
                Json::Number(n) => n
                    .as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from))
                    .ok_or_else(|| format!("{n} is not an integer"))?,
                Json::Bool(b) => i128::from(*b),
                _ => return Err(format!("{v} is not an integer")),
            };
            let shifted = n
                .checked_shl(u32::from(*bit_offset))
                .ok_or("integer bit offset too large")?;
            put_int(shifted, size, *order, out);
        }
        TypeClass::FloatingPoint { order, .. } => {
            let x = float_of(v)?;
            let mut b = match size {
                2 if t.is_standard_ieee_float() => half_bits(x).to_le_bytes().to_vec(),
                4 if t.is_standard_ieee_float() => (x as f32).to_le_bytes().to_vec(),
                8 if t.is_standard_ieee_float() => x.to_le_bytes().to_vec(),
                _ => return Err(format!("not yet supported: values of {}", t.descriptor())),
            };
            if *order == ByteOrder::BigEndian {
                b.reverse();
            }
            out.extend_from_slice(&b);
        }
        TypeClass::String { padding, .. } => {
            let s = v.as_str().ok_or_else(|| format!("{v} is not a string"))?;
            let b = s.as_bytes();
            if b.len() > size {
                return Err(format!("string {s:?} longer than {size} bytes"));
            }
            out.extend_from_slice(b);
            let fill = if *padding == StringPadding::SpacePad {
                b' '
            } else {
                0
            };
            out.extend(std::iter::repeat_n(fill, size - b.len()));
        }
        TypeClass::Enum { base, .. } => encode(base, v, out, depth + 1)?,
        TypeClass::Compound { members } => {
            let items = v
                .as_array()
                .ok_or_else(|| format!("{v} is not a compound value (a list)"))?;
            if items.len() != members.len() {
                return Err("a compound value has the wrong number of members".into());
            }
            let start = out.len();
            out.resize(start + size, 0);
            for (m, item) in members.iter().zip(items) {
                let mut b = Vec::new();
                encode(&m.dtype, item, &mut b, depth + 1)?;
                let at = start + m.offset as usize;
                out.get_mut(at..at + b.len())
                    .ok_or("compound member outside its element")?
                    .copy_from_slice(&b);
            }
        }
        TypeClass::Array { dims, base } => {
            let mut flat = Vec::new();
            flatten(v, dims.len(), &mut flat)?;
            let n = dims
                .iter()
                .fold(1u64, |a, &d| a.saturating_mul(u64::from(d)));
            if flat.len() as u64 != n {
                return Err("an array value has the wrong number of elements".into());
            }
            for x in flat {
                encode(base, x, out, depth + 1)?;
            }
        }
        // Opaque and bitfield values are dumped as h5dump prints them: `09:08:07`, `0x5a`.
        TypeClass::Opaque { .. } | TypeClass::Bitfield { .. } => {
            let s = v
                .as_str()
                .ok_or_else(|| format!("{v} is not opaque bytes"))?;
            let hex = s.strip_prefix("0x").unwrap_or(s);
            let b: Vec<u8> = hex
                .split(':')
                .map(|h| u8::from_str_radix(h, 16).map_err(|_| format!("bad opaque bytes {s:?}")))
                .collect::<Result<_, _>>()?;
            if b.len() != size {
                return Err(format!("opaque value {s:?} is not {size} bytes"));
            }
            out.extend_from_slice(&b);
        }
        _ => return Err(format!("not yet supported: values of {}", t.descriptor())),
    }
    Ok(())
}

/// The elements of a value nested `rank` lists deep, row-major.
fn flatten<'a>(v: &'a Json, rank: usize, out: &mut Vec<&'a Json>) -> Result<(), String> {
    if rank == 0 {
        out.push(v);
        return Ok(());
    }
    let items = v
        .as_array()
        .ok_or_else(|| "a value is less deeply nested than its shape".to_owned())?;
    for x in items {
        flatten(x, rank - 1, out)?;
    }
    Ok(())
}

/// A maximum shape: `None` entries are unlimited.
type MaxShape = Vec<Option<u64>>;

/// Shape and maximum shape of an HDF5/JSON dataspace.
fn shape_of(s: &Json, what: &str) -> Result<(Vec<u64>, Option<MaxShape>), String> {
    match field(s, "class", what)?.as_str().unwrap_or_default() {
        "H5S_SCALAR" => Ok((Vec::new(), None)),
        "H5S_SIMPLE" => {
            let dims: Vec<u64> = field(s, "dims", what)?
                .as_array()
                .ok_or("dims are not a list")?
                .iter()
                .map(|d| uint(d, what))
                .collect::<Result<_, _>>()?;
            let max = match s.get("maxdims").and_then(Json::as_array) {
                Some(m) => Some(
                    m.iter()
                        .map(|d| match d {
                            Json::String(u) if u == "H5S_UNLIMITED" => Ok(None),
                            d => uint(d, what).map(Some),
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                ),
                None => None,
            };
            Ok((dims, max))
        }
        other => Err(format!("{what}: not yet supported: dataspace {other}")),
    }
}

fn strings_of(flat: &[&Json], what: &str) -> Result<Vec<String>, String> {
    flat.iter()
        .map(|v| match v {
            Json::String(s) => Ok(s.clone()),
            Json::Null => Ok(String::new()),
            _ => Err(format!("{what}: {v} is not a string")),
        })
        .collect()
}

fn filters_of(cp: &Json, path: &str) -> Vec<FilterOp> {
    // The filters as a stored pipeline, so the rules of `repack` apply to them.
    let filters = cp
        .get("filters")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|f| FilterDescription {
            id: f
                .get("id")
                .and_then(Json::as_u64)
                .and_then(|i| u16::try_from(i).ok())
                .unwrap_or(0),
            name: f.get("name").and_then(Json::as_str).map(str::to_owned),
            flags: 0,
            client_data: f
                .get("parameters")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    p.as_u64()
                        .or_else(|| p.as_i64().map(|v| v as u64))
                        .unwrap_or(0) as u32
                })
                .collect(),
        })
        .collect();
    let (ops, lost) = crate::repack::filters_of(&FilterPipeline {
        version: 2,
        filters,
    });
    for name in lost {
        eprintln!("h5ox: warning: {path}: filter {name} cannot be written; stored without it");
    }
    ops
}

/// The bytes of `s` written as `values::hex_bytes` writes more than one byte: `ff:00:..`.
fn hex_of(s: &str) -> Option<Vec<u8>> {
    s.split(':')
        .map(|x| {
            (x.len() == 2)
                .then(|| u8::from_str_radix(x, 16).ok())
                .flatten()
        })
        .collect()
}

/// The fill value times `cp` (creation properties) gives, the missing one at the writer's
/// default for the layout (`chunked` or not), or `None` when it gives neither.
fn fill_times_of(cp: &Json, chunked: bool) -> Option<(AllocationTime, FillWriteTime)> {
    let name = |k: &str| cp.get(k).and_then(Json::as_str);
    let alloc = name("allocTime").and_then(alloc_time_of);
    let fill = name("fillTime").and_then(fill_time_of);
    if alloc.is_none() && fill.is_none() {
        return None;
    }
    let default_alloc = if chunked {
        AllocationTime::Incremental
    } else {
        AllocationTime::Late
    };
    Some((
        alloc.unwrap_or(default_alloc),
        fill.unwrap_or(FillWriteTime::IfSet),
    ))
}

/// `b` with the fill value times and an undefined fill value as `cp` gives them.
fn with_fill_settings(mut b: DatasetBuilder, cp: &Json, chunked: bool) -> DatasetBuilder {
    if let Some((a, w)) = fill_times_of(cp, chunked) {
        b = b.fill_times(a, w);
    }
    if cp.get("fillValue").is_some_and(Json::is_null) {
        b = b.fill_value_undefined();
    }
    b
}

/// What one load has made and what waits: values of datasets holding references are
/// written once every object exists, attributes of objects with attributes holding
/// references too.
struct Loader<'d> {
    out: File,
    progress: Progress,
    /// Object id -> path of its copy.
    made: HashMap<String, String>,
    /// Output header addresses by path, as looked up.
    addresses: HashMap<String, u64>,
    /// Datasets holding references, created empty: JSON, path.
    later_values: Vec<(&'d Json, String)>,
    /// Objects whose attributes wait: JSON, attributes, path.
    later_attrs: Vec<(&'d Json, Attributes, String)>,
    objects_done: bool,
}

impl<'d> Loader<'d> {
    /// Encodes `flat` values of `t` holding variable-length data or references.
    fn elements(&mut self, t: &Datatype, flat: &[&Json]) -> Result<Elements, BoxError> {
        let Loader {
            out,
            made,
            addresses,
            ..
        } = self;
        let mut resolve = |id: &str| -> Result<u64, BoxError> {
            let path = made
                .get(id)
                .ok_or_else(|| format!("a reference to {id:?}, not an object of the document"))?;
            if let Some(&a) = addresses.get(path) {
                return Ok(a);
            }
            let a = address_of(out, path)?;
            addresses.insert(path.clone(), a);
            Ok(a)
        };
        let mut e = Elements::new();
        for v in flat {
            encode_elements(t, v, &mut resolve, &mut e, 0)?;
        }
        Ok(e)
    }

    fn set_attributes(
        &mut self,
        obj: &'d Json,
        attrs: &Attributes,
        path: &str,
    ) -> Result<(), BoxError> {
        let Some(list) = obj.get("attributes").and_then(Json::as_array) else {
            return Ok(());
        };
        if !self.objects_done {
            let refs = list.iter().any(|a| {
                a.get("type")
                    .and_then(|t| type_of(t, 0).ok())
                    .is_some_and(|t| t.has_reference())
            });
            if refs {
                self.later_attrs.push((obj, attrs.clone(), path.to_owned()));
                return Ok(());
            }
        }
        for a in list {
            let name = field(a, "name", path)?.as_str().unwrap_or_default();
            let what = format!("{path} attribute {name:?}");
            let t = type_of(field(a, "type", &what)?, 0).map_err(|e| format!("{what}: {e}"))?;
            let space = field(a, "shape", &what)?;
            if space.get("class").and_then(Json::as_str) == Some("H5S_NULL") {
                // A type and no elements (h5py's `Empty`).
                attrs.set(name, &h5oxide::Empty(t))?;
                continue;
            }
            let (shape, _) = shape_of(space, &what)?;
            let value = field(a, "value", &what)?;
            let mut flat = Vec::new();
            flatten(value, shape.len(), &mut flat).map_err(|e| format!("{what}: {e}"))?;
            if crate::repack::is_vlen_string(&t) && shape.len() <= 1 {
                let s = strings_of(&flat, &what)?;
                // Rank 0 or 1 here; other ranks go through the element encoder.
                if shape.is_empty() {
                    attrs.set(name, s.first().map_or("", String::as_str))?;
                } else {
                    attrs.set(name, &s)?;
                }
                continue;
            }
            if needs_encoding(&t) {
                let elements = self
                    .elements(&t, &flat)
                    .map_err(|e| format!("{what}: {e}"))?;
                attrs.set(
                    name,
                    &ElementsValue {
                        dtype: t,
                        shape,
                        elements,
                    },
                )?;
                continue;
            }
            let mut bytes = Vec::new();
            for v in flat {
                encode(&t, v, &mut bytes, 0).map_err(|e| format!("{what}: {e}"))?;
            }
            attrs.set(
                name,
                &RawValue {
                    dtype: t,
                    shape,
                    bytes,
                },
            )?;
        }
        Ok(())
    }

    fn make_dataset(&mut self, d: &'d Json, path: &str) -> Result<(), BoxError> {
        let root = self.out.root();
        if d.get("valueTruncated").and_then(Json::as_bool) == Some(true) {
            return Err(
                format!("{path}: the dump holds only part of the value (--max-values)").into(),
            );
        }
        let t = type_of(field(d, "type", path)?, 0).map_err(|e| format!("{path}: {e}"))?;
        let shape = field(d, "shape", path)?;
        if shape.get("class").and_then(Json::as_str) == Some("H5S_NULL") {
            // A type and attributes, no elements.
            let ds = root.new_dataset_builder().dtype(t).null().create(path)?;
            self.set_attributes(d, &ds.attrs(), path)?;
            return Ok(());
        }
        let (dims, max) = shape_of(shape, path)?;
        let cp = d.get("creationProperties").cloned().unwrap_or(Json::Null);
        let chunk = match cp.get("layout") {
            Some(l) if l.get("class").and_then(Json::as_str) == Some("H5D_CHUNKED") => Some(
                field(l, "dims", path)?
                    .as_array()
                    .ok_or("chunk dims are not a list")?
                    .iter()
                    .map(|x| uint(x, path))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            _ => None,
        };
        let filters = filters_of(&cp, path);
        // Compact storage is kept, except for datasets holding references, whose values are
        // written after creation (compact storage is written only then).
        let compact = chunk.is_none()
            && filters.is_empty()
            && cp
                .get("layout")
                .and_then(|l| l.get("class"))
                .and_then(Json::as_str)
                == Some("H5D_COMPACT");
        let value = field(d, "value", path)?;
        let mut flat = Vec::new();
        flatten(value, dims.len(), &mut flat).map_err(|e| format!("{path}: {e}"))?;
        let n = dims
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .ok_or_else(|| format!("{path}: shape too large"))?;
        if flat.len() as u64 != n {
            return Err(format!("{path}: {} values for {n} elements", flat.len()).into());
        }
        let max_fixed = max
            .as_ref()
            .is_none_or(|m| m.iter().zip(&dims).all(|(m, d)| *m == Some(*d)));
        let usize_dims = |d: &[u64]| d.iter().map(|&x| x as usize).collect::<Vec<_>>();
        if crate::repack::is_vlen_string(&t) || needs_encoding(&t) {
            let mut b = if crate::repack::is_vlen_string(&t) {
                let s = strings_of(&flat, path)?;
                let b = crate::repack::with_strings_of(root.new_dataset_builder(), &t, &s);
                if dims.is_empty() {
                    b.scalar()
                } else {
                    b.shape(usize_dims(&dims))
                }
            } else if t.has_reference() {
                // Created empty: its values are written once every object exists.
                self.later_values.push((d, path.to_owned()));
                let b = root.new_dataset_builder().dtype(t.clone());
                if dims.is_empty() {
                    b.scalar()
                } else {
                    b.shape(usize_dims(&dims))
                }
            } else {
                let e = self
                    .elements(&t, &flat)
                    .map_err(|e| format!("{path}: {e}"))?;
                root.new_dataset_builder()
                    .with_elements(t.clone(), &dims, e)
            };
            if let (false, Some(m)) = (max_fixed, &max) {
                b = b.max_shape(m.iter().map(|m| m.map(|x| x as usize)).collect::<Vec<_>>());
            }
            if let Some(c) = &chunk {
                b = b.chunk(usize_dims(c));
            }
            b = crate::repack::apply_filters(b, &filters);
            if compact && !t.has_reference() {
                b = b.compact();
            }
            b = with_fill_settings(b, &cp, chunk.is_some() && !dims.is_empty());
            b.create(path)?;
        } else {
            let fill = match cp.get("fillValue") {
                Some(v) => {
                    let mut b = Vec::new();
                    // Types dump --json gives as their bytes (`ff:00:..`, props::bytes_json)
                    // are read back as bytes; a fill value this tool cannot encode again is
                    // left at its default.
                    match encode(&t, v, &mut b, 0) {
                        Ok(()) => Some(b),
                        Err(_) => v
                            .as_str()
                            .and_then(hex_of)
                            .filter(|b| b.len() == t.element_size() && b.len() > 1),
                    }
                }
                None => None,
            };
            // write_dataset chunks a dataset with a chunk shape, filters or a growable shape.
            let chunked = chunk.is_some() || !filters.is_empty() || !max_fixed;
            let plan = Plan {
                dtype: t.clone(),
                dims: dims.clone(),
                max: if max_fixed { None } else { max },
                chunk,
                filters,
                fill,
                compact,
                committed: None,
                fill_times: fill_times_of(&cp, chunked && !dims.is_empty()),
                fill_undefined: cp.get("fillValue").is_some_and(Json::is_null),
            };
            let row = dims.iter().skip(1).fold(1u64, |a, &d| a.saturating_mul(d));
            let mut rows = |start: u64, count: u64| -> Result<Vec<u8>, BoxError> {
                let (from, k) = if dims.is_empty() {
                    (0, 1)
                } else {
                    (start * row, count * row)
                };
                let mut b = Vec::with_capacity(usize::try_from(k)? * t.element_size());
                for v in flat
                    .iter()
                    .skip(usize::try_from(from)?)
                    .take(usize::try_from(k)?)
                {
                    encode(&t, v, &mut b, 0).map_err(|e| format!("{path}: {e}"))?;
                }
                Ok(b)
            };
            write_dataset(&root, path, &plan, &mut rows, &self.progress)?;
        }
        let ds = root.dataset(path)?;
        self.set_attributes(d, &ds.attrs(), path)?;
        Ok(())
    }

    /// Writes the values of the datasets holding references, every object existing.
    fn write_later_values(&mut self) -> Result<(), BoxError> {
        for (d, path) in std::mem::take(&mut self.later_values) {
            let t = type_of(field(d, "type", &path)?, 0).map_err(|e| format!("{path}: {e}"))?;
            let (dims, _) = shape_of(field(d, "shape", &path)?, &path)?;
            let mut flat = Vec::new();
            flatten(field(d, "value", &path)?, dims.len(), &mut flat)
                .map_err(|e| format!("{path}: {e}"))?;
            let e = self
                .elements(&t, &flat)
                .map_err(|e| format!("{path}: {e}"))?;
            let mut ds = self.out.root().dataset(&path)?;
            ds.write_selection_elements(&Selection::all(&dims), e)?;
        }
        Ok(())
    }
}

fn collection<'a>(doc: &'a Json, name: &str) -> Option<&'a Map<String, Json>> {
    doc.get(name).and_then(Json::as_object)
}

fn load(doc: &Json, out: &File) -> Result<(), BoxError> {
    let root_id = field(doc, "root", "document")?
        .as_str()
        .ok_or("root is not an id")?
        .to_owned();
    let groups = collection(doc, "groups").ok_or("document has no groups")?;
    let empty = Map::new();
    let datasets = collection(doc, "datasets").unwrap_or(&empty);
    let root_json = groups.get(&root_id).ok_or("the root group is missing")?;
    let root = out.root();
    let mut cx = Loader {
        out: out.clone(),
        // The JSON is parsed whole before anything is written; no bar for the rest.
        progress: Progress::new(0),
        made: HashMap::new(),
        addresses: HashMap::new(),
        later_values: Vec::new(),
        later_attrs: Vec::new(),
        objects_done: false,
    };
    cx.set_attributes(root_json, &root.attrs(), "/")?;
    cx.made.insert(root_id.clone(), "/".into());
    let mut queue = VecDeque::from([(root_id, "/".to_owned())]);
    while let Some((id, gpath)) = queue.pop_front() {
        let g = &groups[&id];
        let group = out.group(&gpath)?;
        for l in g
            .get("links")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let name = field(l, "title", &gpath)?.as_str().unwrap_or_default();
            let path = join(&gpath, name);
            match field(l, "class", &path)?.as_str().unwrap_or_default() {
                "H5L_TYPE_HARD" => {
                    let target = field(l, "id", &path)?.as_str().unwrap_or_default();
                    if let Some(p) = cx.made.get(target) {
                        group.link_hard(p, name)?;
                        continue;
                    }
                    if let Some(gj) = groups.get(target) {
                        let made_group = root.create_group(&path)?;
                        cx.set_attributes(gj, &made_group.attrs(), &path)?;
                        queue.push_back((target.to_owned(), path.clone()));
                    } else if let Some(dj) = datasets.get(target) {
                        cx.make_dataset(dj, &path)?;
                    } else if let Some(tj) =
                        collection(doc, "datatypes").and_then(|t| t.get(target))
                    {
                        let t = type_of(field(tj, "type", &path)?, 0)
                            .map_err(|e| format!("{path}: {e}"))?;
                        let made_type = root.commit_type(&path, &t)?;
                        cx.set_attributes(tj, &made_type.attrs(), &path)?;
                    } else {
                        return Err(format!("{path}: hard link to unknown object {target}").into());
                    }
                    cx.made.insert(target.to_owned(), path);
                }
                "H5L_TYPE_SOFT" => {
                    let t = field(l, "h5path", &path)?.as_str().unwrap_or_default();
                    group.link_soft(t, name)?;
                }
                "H5L_TYPE_EXTERNAL" => {
                    let f = field(l, "file", &path)?.as_str().unwrap_or_default();
                    let t = field(l, "h5path", &path)?.as_str().unwrap_or_default();
                    group.link_external(f, t, name)?;
                }
                other => {
                    return Err(format!("{path}: not yet supported: link class {other}").into())
                }
            }
        }
    }
    cx.write_later_values()?;
    cx.objects_done = true;
    for (obj, attrs, path) in std::mem::take(&mut cx.later_attrs) {
        cx.set_attributes(obj, &attrs, &path)?;
    }
    cx.progress.finish();
    Ok(())
}

/// Runs `h5ox load-json`.
///
/// # Errors
/// Unreadable or malformed JSON, types or objects not yet written (named by path), write
/// errors (a partly written output file is removed).
pub fn run(a: &Args) -> Result<(), BoxError> {
    let text = fs::read_to_string(&a.input)
        .map_err(|e| format!("unable to read {}: {e}", a.input.display()))?;
    let doc: Json =
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", a.input.display()))?;
    let libver = match &a.libver {
        Some(s) => parse_libver(s)?,
        None => Libver::Earliest,
    };
    let out = File::options()
        .mode(Mode::Create)
        .libver(libver)
        .open(&a.output)?;
    let r = load(&doc, &out).and_then(|()| Ok(out.close()?));
    if r.is_err() {
        let _ = fs::remove_file(&a.output);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hex_fill_values_read_back_as_bytes() {
        assert_eq!(hex_of("ff:00:e0:3f"), Some(vec![0xff, 0, 0xe0, 0x3f]));
        assert_eq!(hex_of("ff:0"), None);
        assert_eq!(hex_of("zz:00"), None);
    }

    #[test]
    fn half_floats_encode_exactly() {
        assert_eq!(half_bits(1.0), 0x3c00);
        assert_eq!(half_bits(-2.0), 0xc000);
        assert_eq!(half_bits(65504.0), 0x7bff);
        assert_eq!(half_bits(2f64.powi(-24)), 0x0001);
        assert_eq!(half_bits(0.333_251_953_125), 0x3555);
    }

    #[test]
    fn compound_values_pack_members() {
        let t = type_of(
            &json!({"class": "H5T_COMPOUND", "fields": [
                {"name": "a", "type": {"class": "H5T_INTEGER", "base": "H5T_STD_I16BE"}},
                {"name": "b", "type": {"class": "H5T_FLOAT", "base": "H5T_IEEE_F32LE"}}]}),
            0,
        )
        .unwrap();
        assert_eq!(t.size, 6);
        let mut b = Vec::new();
        encode(&t, &json!([-2, 1.5]), &mut b, 0).unwrap();
        assert_eq!(b, [0xff, 0xfe, 0, 0, 0xc0, 0x3f]);
    }
}
