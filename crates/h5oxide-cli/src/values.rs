//! Element values as text: HDF5/JSON values and h5dump's DDL spelling.

use serde_json::{json, Value as Json};

use h5oxide::format::object_header::message::datatype::{
    ByteOrder, Datatype, StringPadding, TypeClass,
};
use h5oxide::format::selection::Selection as StoredSelection;
use h5oxide::{ObjectKind, Value};

use crate::tree::Tree;

/// Most hyperslab blocks a region reference is expanded into.
const MAX_REGION_BLOCKS: u64 = 1 << 20;

/// The HDF5/JSON id of an object: its kind's letter and its header address.
pub fn id_for(kind: ObjectKind, address: u64) -> String {
    let letter = match kind {
        ObjectKind::Group => 'g',
        ObjectKind::Dataset => 'd',
        ObjectKind::Datatype => 't',
    };
    format!("{letter}-{address}")
}

/// The collection name HDF5/JSON files an object kind under.
pub fn collection(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Group => "groups",
        ObjectKind::Dataset => "datasets",
        ObjectKind::Datatype => "datatypes",
    }
}

/// `<collection>/<id>` of the object at `address`, or `unknown/x-<address>` when no hard
/// link reaches it.
pub(crate) fn object_ref(tree: &Tree, address: u64) -> String {
    match tree.nodes.get(&address) {
        Some(n) => {
            let k = n.object.kind();
            format!("{}/{}", collection(k), id_for(k, address))
        }
        None => format!("unknown/x-{address}"),
    }
}

pub(crate) fn object_id(tree: &Tree, address: u64) -> String {
    match tree.nodes.get(&address) {
        Some(n) => id_for(n.object.kind(), address),
        None => format!("x-{address}"),
    }
}

/// A float as HDF5/JSON gives it: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"` (JSON has
/// no literal for them).
pub fn float_json(x: f64) -> Json {
    if x.is_nan() {
        json!("NaN")
    } else if x.is_infinite() {
        json!(if x > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
    }
}

/// Bytes as h5dump prints opaque and bitfield data: `09:08:07` (`0x5a` for one byte).
pub fn hex_bytes(b: &[u8]) -> String {
    if b.len() == 1 {
        return format!("0x{:02x}", b[0]);
    }
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

pub(crate) fn selection_json(sel: &StoredSelection) -> (&'static str, Json) {
    match sel {
        StoredSelection::None => ("H5S_SEL_NONE", Json::Null),
        StoredSelection::All => ("H5S_SEL_ALL", Json::Null),
        StoredSelection::Points(p) => ("H5S_SEL_POINTS", json!(p.points)),
        StoredSelection::Hyperslab(h) => match h.blocks(MAX_REGION_BLOCKS) {
            Ok(blocks) => (
                "H5S_SEL_HYPERSLABS",
                Json::Array(
                    blocks
                        .iter()
                        .map(|b| json!({"start": b.start, "opposite": b.end}))
                        .collect(),
                ),
            ),
            Err(e) => ("H5S_SEL_HYPERSLABS", json!({"error": e.to_string()})),
        },
    }
}

/// One element as an HDF5/JSON value: compounds as lists of member values, enums as their
/// integer, object references as `datasets/<id>`-style strings, region references as
/// `{"id", "class": H5S_SEL_*, "selection"}` (points as coordinate lists, hyperslabs as
/// `{"start", "opposite"}` blocks with inclusive corners), opaque/bitfield/time data as the
/// h5dump hex string of its stored bytes.
pub fn value_json(v: &Value, tree: &Tree) -> Json {
    match v {
        Value::Int(i) => json!(i),
        Value::UInt(u) => json!(u),
        Value::Float(x) => float_json(*x),
        Value::String(s) => json!(s),
        Value::Bytes(b) => json!(String::from_utf8_lossy(b)),
        Value::Enum { value, .. } => json!(value),
        Value::Compound(members) => {
            Json::Array(members.iter().map(|(_, m)| value_json(m, tree)).collect())
        }
        Value::Array { dims, values } => {
            let items: Vec<Json> = values.iter().map(|x| value_json(x, tree)).collect();
            let dims: Vec<u64> = dims.iter().map(|&d| u64::from(d)).collect();
            nest(items, &dims)
        }
        Value::Sequence(items) => Json::Array(items.iter().map(|x| value_json(x, tree)).collect()),
        Value::ObjectRef(0) => Json::Null,
        Value::ObjectRef(a) => json!(object_ref(tree, *a)),
        Value::RegionRef { object, selection } => {
            let (class, sel) = selection_json(selection);
            json!({"id": object_id(tree, *object), "class": class, "selection": sel})
        }
        Value::Reference(r) => crate::revised_json::revised_json(r, tree),
        Value::Raw(b) => json!(hex_bytes(b)),
        Value::Complex(re, im) => json!([float_json(*re), float_json(*im)]),
        Value::Null => Json::Null,
        _ => Json::Null,
    }
}

/// Row-major `items` as nested lists of shape `dims` (a scalar for no dims). Missing
/// elements (a short read) end the lists early rather than panicking.
pub fn nest(items: Vec<Json>, dims: &[u64]) -> Json {
    let Some((&first, rest)) = dims.split_first() else {
        return items.into_iter().next().unwrap_or(Json::Null);
    };
    if rest.is_empty() {
        return Json::Array(items);
    }
    let row: u64 = rest.iter().product();
    if row == 0 {
        return Json::Array((0..first).map(|_| nest(Vec::new(), rest)).collect());
    }
    let row = usize::try_from(row).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    let mut it = items.into_iter();
    loop {
        let chunk: Vec<Json> = it.by_ref().take(row).collect();
        if chunk.is_empty() {
            break;
        }
        out.push(nest(chunk, rest));
    }
    Json::Array(out)
}

/// A float as C's `%g` prints it (6 significant digits), the form h5dump uses.
pub fn fmt_g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{x:.5e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let mant = strip_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.unsigned_abs())
    } else {
        let decimals = usize::try_from(5 - exp).unwrap_or(0);
        strip_zeros(&format!("{x:.decimals$}"))
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s.to_owned()
    }
}

/// A string quoted as h5dump quotes it: `"`, `\` and control characters escaped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One element in h5dump's DDL spelling, on one line.
pub fn value_ddl(v: &Value, tree: &Tree) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(x) => fmt_g(*x),
        Value::String(s) => quote(s),
        Value::Bytes(b) => quote(&String::from_utf8_lossy(b)),
        Value::Enum { value, name } => match name {
            Some(n) => n.clone(),
            None => value.to_string(),
        },
        Value::Compound(members) => {
            let parts: Vec<String> = members.iter().map(|(_, m)| value_ddl(m, tree)).collect();
            format!("{{ {} }}", parts.join(", "))
        }
        Value::Array { values, .. } => {
            let parts: Vec<String> = values.iter().map(|m| value_ddl(m, tree)).collect();
            format!("[ {} ]", parts.join(", "))
        }
        Value::Sequence(items) => {
            let parts: Vec<String> = items.iter().map(|m| value_ddl(m, tree)).collect();
            format!("({})", parts.join(", "))
        }
        Value::ObjectRef(0) => "NULL".into(),
        Value::ObjectRef(a) => {
            let kind = tree
                .nodes
                .get(a)
                .map_or("OBJECT", |n| match n.object.kind() {
                    ObjectKind::Group => "GROUP",
                    ObjectKind::Dataset => "DATASET",
                    ObjectKind::Datatype => "DATATYPE",
                });
            let path = tree.path_of(*a).unwrap_or("?");
            format!("{kind} {a} {}", quote(path))
        }
        Value::RegionRef { object, selection } => {
            let path = tree.path_of(*object).unwrap_or("?");
            let region = match selection {
                StoredSelection::None => "NONE".to_owned(),
                StoredSelection::All => "ALL".to_owned(),
                StoredSelection::Points(p) => {
                    let pts: Vec<String> = p.points.iter().map(|c| coords(c)).collect();
                    format!("REGION_TYPE POINT  {}", pts.join(", "))
                }
                StoredSelection::Hyperslab(h) => match h.blocks(MAX_REGION_BLOCKS) {
                    Ok(blocks) => {
                        let bs: Vec<String> = blocks
                            .iter()
                            .map(|b| format!("{}-{}", coords(&b.start), coords(&b.end)))
                            .collect();
                        format!("REGION_TYPE BLOCK  {}", bs.join(", "))
                    }
                    Err(e) => format!("REGION_TYPE BLOCK  (unreadable: {e})"),
                },
            };
            format!("DATASET {} {{ {region} }}", quote(path))
        }
        Value::Reference(r) => revised_ddl(r, tree),
        Value::Raw(b) => hex_bytes(b),
        Value::Complex(re, im) => format!("{}{:+}i", fmt_g(*re), im),
        Value::Null => "NULL".into(),
        _ => "?".into(),
    }
}

/// A revised reference in the words of the old kinds: an object or region as those, an
/// attribute as `ATTRIBUTE "<object path>/<name>"`; one to another file as the file's name
/// and the object's header address there.
fn revised_ddl(r: &h5oxide::types::Reference, tree: &Tree) -> String {
    use h5oxide::types::Reference as R;
    match (r, r.file()) {
        (R::Null, _) => "NULL".into(),
        (R::Object { address, .. }, None) => value_ddl(&Value::ObjectRef(*address), tree),
        (
            R::Region {
                address, selection, ..
            },
            None,
        ) => value_ddl(
            &Value::RegionRef {
                object: *address,
                selection: selection.clone(),
            },
            tree,
        ),
        (R::Attribute { address, name, .. }, None) => {
            let path = tree.path_of(*address).unwrap_or("?");
            format!("ATTRIBUTE {}", quote(&format!("{path}/{name}")))
        }
        (_, Some(f)) => {
            let what = match r {
                R::Attribute { name, .. } => format!(" ATTRIBUTE {}", quote(name)),
                R::Region { .. } => " REGION".into(),
                _ => String::new(),
            };
            format!("{} {}{what}", quote(f), r.address().unwrap_or(0))
        }
        _ => "?".into(),
    }
}

/// One element in h5dump's layout, knowing its type: compounds one member per line
/// (members at column `col`, the closing brace three columns left of it at the top level),
/// multi-dimensional arrays one row per line, enum values without a name and bitfields as
/// bytes in native (little-endian) order.
pub fn value_ddl_typed(v: &Value, dt: &Datatype, tree: &Tree, col: usize, top: bool) -> String {
    match (v, &dt.class) {
        (Value::Compound(members), TypeClass::Compound { members: defs }) => {
            let (mcol, close) = if top {
                (col, col.saturating_sub(3))
            } else {
                (col + 3, col)
            };
            let mut s = String::from("{\n");
            for (i, ((_, m), def)) in members.iter().zip(defs).enumerate() {
                let text = match &def.v1_array {
                    None => value_ddl_typed(m, &def.dtype, tree, mcol, false),
                    Some(_) => value_ddl(m, tree),
                };
                s.push_str(&" ".repeat(mcol));
                s.push_str(&text);
                if i + 1 < members.len() {
                    s.push(',');
                }
                s.push('\n');
            }
            s.push_str(&" ".repeat(close));
            s.push('}');
            s
        }
        (Value::Array { dims, values }, TypeClass::Array { base, .. }) => {
            let row = dims.last().map_or(1, |&d| d.max(1) as usize);
            let cont = if top { col } else { col + 3 };
            let mut s = String::from("[ ");
            for (i, x) in values.iter().enumerate() {
                s.push_str(&value_ddl_typed(x, base, tree, col, false));
                if i + 1 < values.len() {
                    if dims.len() > 1 && (i + 1) % row == 0 {
                        s.push_str(",\n");
                        s.push_str(&" ".repeat(cont));
                    } else {
                        s.push_str(", ");
                    }
                }
            }
            s.push_str(" ]");
            s
        }
        (Value::Sequence(items), TypeClass::VarLen { base, .. }) => {
            let parts: Vec<String> = items
                .iter()
                .map(|x| value_ddl_typed(x, base, tree, col, false))
                .collect();
            format!("({})", parts.join(", "))
        }
        // h5dump shows a padded fixed string whole: NUL padding as \000, space padding kept.
        (Value::String(text), TypeClass::String { padding, .. })
            if *padding != StringPadding::NullTerminate =>
        {
            let fill = (dt.size as usize).saturating_sub(text.len());
            let c = if *padding == StringPadding::SpacePad {
                ' '
            } else {
                '\0'
            };
            let mut t = text.clone();
            t.extend(std::iter::repeat_n(c, fill));
            quote(&t)
        }
        (Value::Enum { name: None, value }, TypeClass::Enum { base, .. }) => {
            let n = base.element_size().min(8);
            hex_bytes(&value.to_le_bytes()[..n])
        }
        (
            Value::Raw(b),
            TypeClass::Bitfield {
                order: ByteOrder::BigEndian,
                ..
            },
        ) => {
            let mut b = b.clone();
            b.reverse();
            hex_bytes(&b)
        }
        _ => value_ddl(v, tree),
    }
}

fn coords(c: &[u64]) -> String {
    let parts: Vec<String> = c.iter().map(u64::to_string).collect();
    format!("({})", parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format_matches_c() {
        // Expected strings as C's printf("%g") prints them.
        for (x, want) in [
            (std::f64::consts::PI, "3.14159"),
            (1e300, "1e+300"),
            (-1e-300, "-1e-300"),
            (4.94065645841247e-324, "4.94066e-324"),
            (65504.0, "65504"),
            (6.103515625e-05, "6.10352e-05"),
            (0.333251953125, "0.333252"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
            (0.0001, "0.0001"),
            (-2.5, "-2.5"),
            (-0.0, "-0"),
        ] {
            assert_eq!(fmt_g(x), want, "{x}");
        }
    }

    #[test]
    fn nesting_by_shape() {
        let items: Vec<Json> = (0..6).map(|i| json!(i)).collect();
        assert_eq!(nest(items.clone(), &[2, 3]), json!([[0, 1, 2], [3, 4, 5]]));
        assert_eq!(nest(items[..1].to_vec(), &[]), json!(0));
        assert_eq!(nest(Vec::new(), &[2, 0]), json!([[], []]));
    }

    #[test]
    fn non_finite_floats_are_strings() {
        assert_eq!(float_json(f64::NAN), json!("NaN"));
        assert_eq!(float_json(f64::NEG_INFINITY), json!("-Infinity"));
        assert_eq!(float_json(1.5), json!(1.5));
    }
}
