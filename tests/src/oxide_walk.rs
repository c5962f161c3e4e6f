//! h5oxide's walk of a file (see `tests/WALK_FORMAT.md`), built only on the public h5oxide
//! API, for comparison with [`crate::c_walk::c_walk`].
//!
//! Values are rendered from the stored bytes (`Dataset::read_bytes`, `Attribute::raw`) by
//! walking the stored datatype, as the C side decodes its read buffer; variable-length data
//! and region references come from h5oxide's decoded [`h5oxide::Value`]s, since their bytes
//! are heap references. Where h5oxide fails, the walk is still produced: the failure is put
//! where the C walker puts its own (`error` on the object, `{"error": ...}` for values), so
//! `compare` reports it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use h5oxide::format::object_header::message::dataspace::{Dataspace, DataspaceKind, UNLIMITED};
use h5oxide::format::object_header::message::datatype::{
    ByteOrder, Datatype, ReferenceKind, StringPadding, TypeClass, VarLenKind,
};
use h5oxide::format::object_header::message::layout::Storage;
use h5oxide::format::selection::Selection as StoredSelection;
use h5oxide::{File, Group, Link, Object as H5Object, Selection};
use serde_json::{Map, Value as Json};

use crate::c_types::{hex, nest, string_value, Pad};
use crate::walk::{Attr, Kind, Object, Walk, VALUES_LIMIT};

/// Group nesting bound, as in the C walker.
const MAX_DEPTH: usize = 256;

/// Datatype nesting bound, as in the C walker.
const MAX_TYPE_DEPTH: usize = 32;

/// Most blocks a region reference's hyperslab is expanded to.
const MAX_REGION_BLOCKS: u64 = 1 << 20;

/// Walks `path` with h5oxide: every link from the root (by name, increasing), attributes,
/// datatypes as DESCRIPTOR strings and values rendered from the stored bytes.
///
/// # Errors
/// The file cannot be opened, the root group's links cannot be listed, or a link of a
/// user-defined class is met (the C walker stops there too).
pub fn oxide_walk(path: &Path) -> Result<Walk, String> {
    let file = File::open(path).map_err(|e| format!("open failed on {}: {e}", path.display()))?;
    let root = file.root();
    let names = first_names(&root);
    let mut walker = Walker {
        names,
        objects: Vec::new(),
    };
    walker.hard_object("/", Ok(H5Object::Group(root.clone())));
    let mut ancestors = vec![root.address()];
    walker.group(&root, &mut ancestors)?;
    let mut objects = walker.objects;
    objects.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Walk {
        file: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        objects,
    })
}

/// The first path of every object reachable by hard links: a depth-first preorder walk in
/// name order that descends into each group once. This is the name libhdf5's `H5Iget_name`
/// gives an object opened by dereferencing a reference (it searches the file the same way).
fn first_names(root: &Group) -> BTreeMap<u64, String> {
    let mut names = BTreeMap::new();
    names.insert(root.address(), "/".to_string());
    let mut visited = BTreeSet::from([root.address()]);
    name_walk(root, &mut names, &mut visited, 0);
    names
}

fn name_walk(
    group: &Group,
    names: &mut BTreeMap<u64, String>,
    visited: &mut BTreeSet<u64>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(links) = group.links() else { return };
    for (name, link) in links {
        let Link::Hard { address } = link else {
            continue;
        };
        let path = join(group.name(), &name);
        names.entry(address).or_insert_with(|| path.clone());
        if visited.insert(address) {
            if let Ok(H5Object::Group(child)) = group.object(&name) {
                name_walk(&child, names, visited, depth + 1);
            }
        }
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

struct Walker {
    /// Object header address -> first path, for object references.
    names: BTreeMap<u64, String>,
    objects: Vec<Object>,
}

fn error_value(reason: String) -> Json {
    let mut m = Map::new();
    m.insert("error".to_string(), Json::String(reason));
    Json::Object(m)
}

impl Walker {
    fn group(&mut self, group: &Group, ancestors: &mut Vec<u64>) -> Result<(), String> {
        let shown = group.name().to_string();
        if ancestors.len() > MAX_DEPTH {
            return Err(format!("group nesting deeper than {MAX_DEPTH} at {shown}"));
        }
        let links = match group.links() {
            Ok(l) => l,
            Err(e) => {
                let e = format!("links failed on {shown}: {e}");
                // Recorded on the group's own entry, as the C walker does.
                if let Some(o) = self.objects.iter_mut().rev().find(|o| o.path == shown) {
                    o.error = Some(match o.error.take() {
                        Some(prev) => format!("{prev}; {e}"),
                        None => e,
                    });
                    return Ok(());
                }
                return Err(e);
            }
        };
        for (name, link) in links {
            let child = join(&shown, &name);
            match link {
                Link::Hard { address } => {
                    let obj = group.object(&name);
                    let sub = match &obj {
                        Ok(H5Object::Group(g)) => Some(g.clone()),
                        _ => None,
                    };
                    self.hard_object(&child, obj);
                    // Recursion stops at a group already on the current path (a cycle).
                    if let Some(g) = sub {
                        if !ancestors.contains(&address) {
                            ancestors.push(address);
                            self.group(&g, ancestors)?;
                            ancestors.pop();
                        }
                    }
                }
                Link::Soft { target } => {
                    let kind = if group.object(&name).is_ok() {
                        Kind::SoftLink
                    } else {
                        Kind::DanglingSoftLink
                    };
                    let mut o = Object::new(child, kind);
                    o.target = Some(target);
                    self.objects.push(o);
                }
                Link::External { file, path } => {
                    let mut o = Object::new(child, Kind::ExternalLink);
                    o.target_file = Some(file);
                    o.target_path = Some(path);
                    self.objects.push(o);
                }
                other => return Err(format!("unsupported link class {other:?} at {child}")),
            }
        }
        Ok(())
    }

    fn hard_object(&mut self, shown: &str, obj: h5oxide::Result<H5Object>) {
        let obj = match obj {
            Ok(o) => o,
            Err(e) => {
                // The kind is unknown when the object cannot be opened; the error says why.
                let mut o = Object::new(shown, Kind::Group);
                o.error = Some(format!("open failed on {shown}: {e}"));
                self.objects.push(o);
                return;
            }
        };
        let mut errors = Vec::new();
        let (kind, attrs) = match &obj {
            H5Object::Group(g) => (Kind::Group, g.attrs()),
            H5Object::Dataset(d) => (Kind::Dataset, d.attrs()),
            H5Object::Datatype(t) => (Kind::Datatype, t.attrs()),
            _ => {
                let mut o = Object::new(shown, Kind::Group);
                o.error = Some(format!("unknown object kind at {shown}"));
                self.objects.push(o);
                return;
            }
        };
        let mut o = Object::new(shown, kind);
        match self.attrs(&attrs, shown) {
            Ok(a) => o.attrs = Some(a),
            Err(e) => errors.push(e),
        }
        match &obj {
            H5Object::Dataset(d) => self.dataset(d, &mut o),
            H5Object::Datatype(t) => match t.dtype() {
                Ok(dt) => o.dtype = Some(descriptor(&dt)),
                Err(e) => errors.push(format!("datatype failed on {shown}: {e}")),
            },
            _ => {}
        }
        if !errors.is_empty() {
            o.error = Some(errors.join("; "));
        }
        self.objects.push(o);
    }

    fn attrs(&self, attrs: &h5oxide::Attributes, shown: &str) -> Result<Vec<Attr>, String> {
        let list = attrs
            .list()
            .map_err(|e| format!("attributes failed on {shown}: {e}"))?;
        let mut out = Vec::new();
        for a in list {
            let where_ = format!("{shown} attribute {}", a.name());
            let dtype = a.dtype();
            let space = a.space();
            let n = element_count(space);
            let (values, total) = if space.kind == DataspaceKind::Null {
                (Json::Null, None)
            } else {
                let raw = a.raw().map_err(|e| e.to_string());
                let vals = if needs_values(dtype) {
                    a.values().map(Some).map_err(|e| e.to_string())
                } else {
                    Ok(None)
                };
                match raw.and_then(|r| vals.map(|v| (r, v))) {
                    Ok((raw, vals)) => {
                        let flat = self.render_all(dtype, raw, vals.as_deref(), n);
                        shape_values(flat, space, n)
                    }
                    Err(e) => (error_value(format!("read failed on {where_}: {e}")), None),
                }
            };
            out.push(Attr {
                name: a.name().to_string(),
                dtype: descriptor(dtype),
                shape: shape_of(space),
                values,
                values_total: total,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn dataset(&self, d: &h5oxide::Dataset, o: &mut Object) {
        let dtype = d.dtype();
        o.dtype = Some(descriptor(dtype));
        // A virtual dataset with unlimited mappings has the extent libhdf5 computes from the
        // sources present, not the one stored; every other dataset its stored extent.
        let mut space = d.space().clone();
        let is_virtual = matches!(d.layout().storage, Storage::Virtual { .. });
        if is_virtual && space.kind == DataspaceKind::Simple {
            match d.virtual_shape() {
                Ok(shape) => space.dims = shape,
                Err(e) => o.error = Some(format!("virtual extent failed on {}: {e}", o.path)),
            }
        }
        let space = &space;
        o.shape = Some(shape_of(space));
        o.maxshape = Some(match space.kind {
            DataspaceKind::Simple => Some(
                space
                    .max_dims
                    .as_ref()
                    .unwrap_or(&space.dims)
                    .iter()
                    .map(|&m| if m == UNLIMITED { None } else { Some(m) })
                    .collect(),
            ),
            _ => None,
        });
        let n = element_count(space);
        if space.kind == DataspaceKind::Null {
            o.values = Some(Json::Null);
            return;
        }
        if n == 0 {
            o.values = Some(shape_values(Vec::new(), space, 0).0);
            return;
        }
        let all = Selection::all(&space.dims);
        let raw = d.read_bytes_selection(&all).map_err(|e| e.to_string());
        let vals = if needs_values(dtype) {
            d.read_values_selection(&all)
                .map(Some)
                .map_err(|e| e.to_string())
        } else {
            Ok(None)
        };
        match raw.and_then(|r| vals.map(|v| (r, v))) {
            Ok((raw, vals)) => {
                let flat = self.render_all(dtype, &raw, vals.as_deref(), n);
                let (values, total) = shape_values(flat, space, n);
                o.values = Some(values);
                o.values_total = total;
            }
            Err(e) => o.values = Some(error_value(e)),
        }
    }

    /// Renders the first `min(n, VALUES_LIMIT)` elements of `raw` (and of `vals`, when the
    /// type needs decoded values).
    fn render_all(
        &self,
        dtype: &Datatype,
        raw: &[u8],
        vals: Option<&[h5oxide::Value]>,
        n: u64,
    ) -> Vec<Json> {
        let size = dtype.element_size();
        let kept = n.min(VALUES_LIMIT) as usize;
        (0..kept)
            .map(|i| {
                let bytes = i
                    .checked_mul(size)
                    .and_then(|s| raw.get(s..s.checked_add(size)?));
                let value = vals.and_then(|v| v.get(i));
                match bytes {
                    Some(b) => self.render(dtype, Some(b), value, 0),
                    None => error_value("element outside the stored bytes".to_string()),
                }
            })
            .collect()
    }

    /// One element as a VALUE, from its stored bytes where given, else from h5oxide's
    /// decoded value (inside variable-length data, whose bytes live in the global heap).
    fn render(
        &self,
        t: &Datatype,
        bytes: Option<&[u8]>,
        value: Option<&h5oxide::Value>,
        depth: usize,
    ) -> Json {
        use h5oxide::Value as V;
        if depth > MAX_TYPE_DEPTH {
            return error_value("datatype nesting too deep".to_string());
        }
        let missing = || error_value(format!("no value for {}", descriptor(t)));
        match &t.class {
            TypeClass::FixedPoint {
                order,
                signed,
                bit_offset,
                precision,
                ..
            } => match (bytes, value) {
                (Some(b), _) => int_from_bytes(b, *order, *signed, *precision, *bit_offset),
                (None, Some(V::Int(i))) => Json::from(*i),
                (None, Some(V::UInt(u))) => Json::from(*u),
                _ => missing(),
            },
            TypeClass::Enum { base, .. } => match (bytes, value) {
                (Some(b), _) => self.render(base, Some(b), None, depth + 1),
                (None, Some(V::Enum { value, .. })) => Json::from(*value),
                _ => missing(),
            },
            TypeClass::FloatingPoint { order, .. } => match (bytes, value) {
                (Some(b), _) => float_hex(b, *order),
                (None, Some(V::Float(f))) => float_from_f64(t, *f).unwrap_or_else(missing),
                _ => missing(),
            },
            TypeClass::Time { .. } | TypeClass::Bitfield { .. } | TypeClass::Opaque { .. } => {
                match (bytes, value) {
                    (Some(b), _) => Json::String(hex(b)),
                    (None, Some(V::Raw(b))) => Json::String(hex(b)),
                    _ => missing(),
                }
            }
            TypeClass::String { padding, .. } => match (bytes, value) {
                (Some(b), _) => string_value(b, pad_of(*padding)),
                (None, Some(v)) => text_value(v).unwrap_or_else(missing),
                _ => missing(),
            },
            TypeClass::Compound { members } => {
                let parts = match value {
                    Some(V::Compound(p)) => Some(p),
                    _ => None,
                };
                let mut map = Map::new();
                for (i, m) in members.iter().enumerate() {
                    let mb = bytes.and_then(|b| {
                        let start = m.offset as usize;
                        b.get(start..start.checked_add(m.extent()? as usize)?)
                    });
                    let mv = parts.and_then(|p| p.get(i)).map(|(_, v)| v);
                    let rendered = match &m.v1_array {
                        Some(a) => {
                            let dims: Vec<u64> = a.dims.iter().map(|&d| u64::from(d)).collect();
                            self.render_array(&m.dtype, &dims, mb, mv, depth)
                        }
                        None => self.render(&m.dtype, mb, mv, depth + 1),
                    };
                    map.insert(m.name.clone(), rendered);
                }
                Json::Object(map)
            }
            TypeClass::Array { dims, base } => {
                let dims: Vec<u64> = dims.iter().map(|&d| u64::from(d)).collect();
                self.render_array(base, &dims, bytes, value, depth)
            }
            TypeClass::VarLen { kind, base } => {
                // A heap ID with address 0 is libhdf5's null: a null string, an empty
                // sequence (spec IV.A.2.d class 9; the address follows the 4-byte length).
                let null =
                    bytes.is_some_and(|b| b.len() > 8 && b[4..b.len() - 4].iter().all(|&x| x == 0));
                match kind {
                    VarLenKind::String { .. } => {
                        if null {
                            return Json::Null;
                        }
                        match value {
                            Some(V::Null) => Json::Null,
                            Some(v) => text_value(v).unwrap_or_else(missing),
                            None => missing(),
                        }
                    }
                    VarLenKind::Sequence => {
                        if null {
                            return Json::Array(Vec::new());
                        }
                        match value {
                            Some(V::Sequence(items)) => Json::Array(
                                items
                                    .iter()
                                    .map(|v| self.render(base, None, Some(v), depth + 1))
                                    .collect(),
                            ),
                            Some(V::Null) => Json::Array(Vec::new()),
                            _ => missing(),
                        }
                    }
                }
            }
            TypeClass::Reference { kind } => {
                if let Some(b) = bytes {
                    if b.iter().all(|&x| x == 0) || b.iter().all(|&x| x == 0xff) {
                        return Json::Null;
                    }
                }
                match (kind, bytes, value) {
                    (ReferenceKind::Object, Some(b), _) => self.object_ref(le_u64(b)),
                    (ReferenceKind::Object, None, Some(V::ObjectRef(a))) => self.object_ref(*a),
                    (ReferenceKind::DatasetRegion, _, Some(V::RegionRef { object, selection })) => {
                        self.region_ref(*object, selection)
                    }
                    (_, _, Some(V::Null)) => Json::Null,
                    (ReferenceKind::Object | ReferenceKind::DatasetRegion, _, _) => missing(),
                    _ => error_value("revised references are not rendered".to_string()),
                }
            }
            TypeClass::Complex { base, .. } => {
                let half = base.element_size();
                match (bytes, value) {
                    (Some(b), _) if b.len() >= 2 * half => Json::Array(vec![
                        self.render(base, b.get(..half), None, depth + 1),
                        self.render(base, b.get(half..2 * half), None, depth + 1),
                    ]),
                    (None, Some(V::Complex(re, im))) => Json::Array(vec![
                        float_from_f64(base, *re).unwrap_or_else(missing),
                        float_from_f64(base, *im).unwrap_or_else(missing),
                    ]),
                    _ => missing(),
                }
            }
        }
    }

    fn render_array(
        &self,
        base: &Datatype,
        dims: &[u64],
        bytes: Option<&[u8]>,
        value: Option<&h5oxide::Value>,
        depth: usize,
    ) -> Json {
        let n: u64 = dims.iter().product();
        let es = base.element_size();
        let items = match value {
            Some(h5oxide::Value::Array { values, .. }) => Some(values),
            _ => None,
        };
        let flat: Vec<Json> = (0..n as usize)
            .map(|i| {
                let b = bytes.and_then(|b| {
                    let s = i.checked_mul(es)?;
                    b.get(s..s.checked_add(es)?)
                });
                self.render(base, b, items.and_then(|v| v.get(i)), depth + 1)
            })
            .collect();
        nest(flat, dims)
    }

    fn object_ref(&self, address: u64) -> Json {
        match self.names.get(&address) {
            Some(p) => Json::String(p.clone()),
            None => error_value(format!("no object at address {address:#x}")),
        }
    }

    fn region_ref(&self, object: u64, selection: &StoredSelection) -> Json {
        let name = match self.names.get(&object) {
            Some(p) => p.clone(),
            None => return error_value(format!("no object at address {object:#x}")),
        };
        let coords = |c: &Vec<u64>| Json::from(c.clone());
        let sel = match selection {
            StoredSelection::All => Json::from("all"),
            StoredSelection::None => Json::from("none"),
            StoredSelection::Points(p) => {
                let mut m = Map::new();
                m.insert(
                    "points".into(),
                    Json::Array(p.points.iter().map(coords).collect()),
                );
                Json::Object(m)
            }
            StoredSelection::Hyperslab(h) => match h.blocks(MAX_REGION_BLOCKS) {
                Ok(blocks) => {
                    let mut m = Map::new();
                    let list = blocks
                        .iter()
                        .map(|b| Json::Array(vec![coords(&b.start), coords(&b.end)]))
                        .collect();
                    m.insert("blocks".into(), Json::Array(list));
                    Json::Object(m)
                }
                Err(e) => return error_value(format!("region blocks: {e}")),
            },
        };
        let mut m = Map::new();
        m.insert("object".into(), Json::String(name));
        m.insert("selection".into(), sel);
        Json::Object(m)
    }
}

/// Whether rendering needs h5oxide's decoded values (heap data: variable-length data and
/// region references).
fn needs_values(t: &Datatype) -> bool {
    t.has_variable_length() || has_region_ref(t, 0)
}

fn has_region_ref(t: &Datatype, depth: usize) -> bool {
    if depth > MAX_TYPE_DEPTH {
        return false;
    }
    match &t.class {
        TypeClass::Reference { kind } => *kind != ReferenceKind::Object,
        TypeClass::Compound { members } => {
            members.iter().any(|m| has_region_ref(&m.dtype, depth + 1))
        }
        TypeClass::Array { base, .. }
        | TypeClass::VarLen { base, .. }
        | TypeClass::Enum { base, .. }
        | TypeClass::Complex { base, .. } => has_region_ref(base, depth + 1),
        _ => false,
    }
}

fn le_u64(b: &[u8]) -> u64 {
    b.iter()
        .take(8)
        .rev()
        .fold(0u64, |a, &x| (a << 8) | u64::from(x))
}

fn pad_of(p: StringPadding) -> Pad {
    match p {
        StringPadding::NullTerminate => Pad::NullTerm,
        StringPadding::NullPad => Pad::NullPad,
        StringPadding::SpacePad => Pad::SpacePad,
    }
}

/// A string VALUE from an already unpadded decoded string.
fn text_value(v: &h5oxide::Value) -> Option<Json> {
    match v {
        h5oxide::Value::String(s) => Some(Json::String(s.clone())),
        h5oxide::Value::Bytes(b) => {
            let mut m = Map::new();
            m.insert("bytes".to_string(), Json::String(hex(b)));
            Some(Json::Object(m))
        }
        _ => None,
    }
}

/// An integer from its stored bytes: bits `offset..offset + precision`, sign-extended when
/// signed (WALK_FORMAT detail 7).
fn int_from_bytes(b: &[u8], order: ByteOrder, signed: bool, precision: u16, offset: u16) -> Json {
    let (precision, offset) = (u32::from(precision), u32::from(offset));
    if b.len() > 16 || precision > 64 || precision == 0 || precision + offset > b.len() as u32 * 8 {
        return error_value(format!("integer of {} bytes not supported", b.len()));
    }
    let mut raw: u128 = 0;
    let mut push = |x: &u8| raw = (raw << 8) | u128::from(*x);
    match order {
        ByteOrder::BigEndian => b.iter().for_each(&mut push),
        _ => b.iter().rev().for_each(&mut push),
    }
    let bits = (raw >> offset) & ((1u128 << precision) - 1);
    if signed && (bits >> (precision - 1)) & 1 == 1 {
        Json::from(((bits as i128) - (1i128 << precision)) as i64)
    } else {
        Json::from(bits as u64)
    }
}

/// A float's stored bits as `0x` and a big-endian hex number.
fn float_hex(b: &[u8], order: ByteOrder) -> Json {
    let mut s = String::from("0x");
    let digits = match order {
        ByteOrder::BigEndian => hex(b),
        // VAX has no byte order the C walker names; it reads it as little-endian too.
        _ => hex(&b.iter().rev().copied().collect::<Vec<u8>>()),
    };
    s.push_str(&digits);
    Json::String(s)
}

/// The bits of a decoded IEEE float (inside variable-length data, where only the decoded
/// value is available); `None` for layouts that cannot be rebuilt exactly.
fn float_from_f64(t: &Datatype, f: f64) -> Option<Json> {
    if !t.is_standard_ieee_float() {
        return None;
    }
    let s = match t.size {
        8 => format!("0x{:016x}", f.to_bits()),
        4 => format!("0x{:08x}", (f as f32).to_bits()),
        2 => format!("0x{:04x}", f16_bits(f)?),
        _ => return None,
    };
    Some(Json::String(s))
}

/// Binary16 bits of `f`, which h5oxide decoded from a half-precision value (so exactly
/// representable); `None` if it is not.
fn f16_bits(f: f64) -> Option<u16> {
    let sign: u16 = if f.is_sign_negative() { 0x8000 } else { 0 };
    let a = f.abs();
    if a.is_nan() {
        return Some(sign | 0x7e00);
    }
    if a.is_infinite() {
        return Some(sign | 0x7c00);
    }
    if a == 0.0 {
        return Some(sign);
    }
    // Subnormals: multiples of 2^-24 below 2^-14.
    let sub = a * 2f64.powi(24);
    if a < 2f64.powi(-14) {
        return (sub.fract() == 0.0).then_some(sign | sub as u16);
    }
    let e = a.log2().floor() as i32;
    let m = a / 2f64.powi(e) - 1.0;
    let mant = m * 1024.0;
    if mant.fract() != 0.0 || !(-14..=15).contains(&e) {
        return None;
    }
    Some(sign | (((e + 15) as u16) << 10) | mant as u16)
}

fn descriptor(t: &Datatype) -> String {
    t.descriptor()
}

fn element_count(s: &Dataspace) -> u64 {
    match s.kind {
        DataspaceKind::Null => 0,
        DataspaceKind::Scalar => 1,
        DataspaceKind::Simple => s.dims.iter().fold(1u64, |a, &b| a.saturating_mul(b)),
    }
}

fn shape_of(s: &Dataspace) -> Option<Vec<u64>> {
    match s.kind {
        DataspaceKind::Null => None,
        DataspaceKind::Scalar => Some(Vec::new()),
        DataspaceKind::Simple => Some(s.dims.clone()),
    }
}

/// Shapes rendered elements: nested by the extent, or the flat first [`VALUES_LIMIT`]
/// elements plus the total count when there are more.
fn shape_values(mut flat: Vec<Json>, s: &Dataspace, n: u64) -> (Json, Option<u64>) {
    if n > VALUES_LIMIT {
        flat.truncate(VALUES_LIMIT as usize);
        return (Json::Array(flat), Some(n));
    }
    match s.kind {
        DataspaceKind::Null => (Json::Null, None),
        DataspaceKind::Scalar => (nest(flat, &[]), None),
        DataspaceKind::Simple => (nest(flat, &s.dims), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn half_precision_bits_rebuild_from_decoded_values() {
        // Binary16 bit patterns (IEEE 754) and the values they encode.
        for (bits, v) in [
            (0x3c00u16, 1.0f64),
            (0xc000, -2.0),
            (0x0001, 2f64.powi(-24)),
            (0x03ff, 1023.0 * 2f64.powi(-24)),
            (0x0400, 2f64.powi(-14)),
            (0x7bff, 65504.0),
            (0x7c00, f64::INFINITY),
            (0x8000, -0.0),
        ] {
            assert_eq!(f16_bits(v), Some(bits), "{v}");
        }
        assert_eq!(f16_bits(0.1), None);
    }

    #[test]
    fn integers_use_precision_and_offset() {
        // 12 bits at offset 4 of a little-endian u16, all ones: -1 signed, 4095 unsigned.
        let b = [0xf0, 0xff];
        assert_eq!(
            int_from_bytes(&b, ByteOrder::LittleEndian, true, 12, 4),
            json!(-1)
        );
        assert_eq!(
            int_from_bytes(&b, ByteOrder::LittleEndian, false, 12, 4),
            json!(4095)
        );
        assert_eq!(
            int_from_bytes(&[0x80, 0, 0, 0], ByteOrder::BigEndian, true, 32, 0),
            json!(i32::MIN)
        );
    }

    #[test]
    fn floats_render_big_endian_hex_of_the_stored_bits() {
        assert_eq!(
            float_hex(&1.0f64.to_le_bytes(), ByteOrder::LittleEndian),
            json!("0x3ff0000000000000")
        );
        assert_eq!(
            float_hex(&1.0f32.to_be_bytes(), ByteOrder::BigEndian),
            json!("0x3f800000")
        );
    }
}
