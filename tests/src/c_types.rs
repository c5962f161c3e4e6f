//! Datatypes as the C library reports them, their DESCRIPTOR strings and the decoding of one
//! element from a read buffer into a VALUE (see `tests/WALK_FORMAT.md`).
//!
//! Reads use a transient copy of the file's own datatype, so the library converts nothing:
//! numbers arrive in the file's byte order and are decoded here bit by bit. Variable-length
//! data arrives in the library's in-memory form (`hvl_t`, `char*`), whose sizes differ from
//! the on-disk form; [`TypeNode::disk_size`] maps them back so descriptors show the layout
//! stored in the file.

use std::ffi::{c_char, CStr};

use hdf5_metno_sys::h5i::hid_t;
use hdf5_metno_sys::h5t::{hvl_t, H5T_class_t, H5T_cset_t, H5T_order_t, H5T_str_t};
use serde_json::{Map, Value};

use crate::c_ffi::{self, types, Handle, Selection};

/// Nesting bound for datatypes (compound in array in vlen ...), far above real files.
const MAX_TYPE_DEPTH: usize = 32;

/// Byte order of an atomic type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Little-endian.
    Le,
    /// Big-endian.
    Be,
    /// Not applicable or unknown (VAX and mixed orders are reported as this too).
    None,
}

/// String padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pad {
    /// NUL-terminated.
    NullTerm,
    /// NUL-padded.
    NullPad,
    /// Space-padded.
    SpacePad,
}

/// One datatype, as reported by the C library (in-memory sizes).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeNode {
    /// Size of one element in the read buffer.
    pub mem_size: usize,
    /// What the type is.
    pub kind: TypeKind,
}

/// A compound member.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// Name as stored.
    pub name: String,
    /// Offset in the read buffer element.
    pub mem_offset: usize,
    /// Member type.
    pub ty: TypeNode,
}

/// The class-specific part of a [`TypeNode`].
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// Integer with bit precision and offset.
    Int {
        /// Byte order.
        order: Order,
        /// Two's complement.
        signed: bool,
        /// Significant bits.
        precision: usize,
        /// Bit offset of the significant bits.
        offset: usize,
    },
    /// Floating point.
    Float {
        /// Byte order.
        order: Order,
        /// Significant bits.
        precision: usize,
        /// Bit offset.
        offset: usize,
        /// Sign bit position, exponent position and size, mantissa position and size.
        fields: [usize; 5],
        /// Exponent bias.
        ebias: usize,
    },
    /// Time.
    Time {
        /// Byte order.
        order: Order,
    },
    /// Fixed-length string.
    FixedStr {
        /// Padding.
        pad: Pad,
        /// UTF-8 (else ASCII).
        utf8: bool,
    },
    /// Variable-length string.
    VlenStr {
        /// Padding.
        pad: Pad,
        /// UTF-8 (else ASCII).
        utf8: bool,
    },
    /// Bitfield.
    Bitfield {
        /// Byte order.
        order: Order,
    },
    /// Opaque with its tag.
    Opaque {
        /// Tag as stored.
        tag: String,
    },
    /// Compound, members in the order the library reports them.
    Compound(Vec<Member>),
    /// Enum over an integer base, members as (name, value).
    Enum(Box<TypeNode>, Vec<(String, Value)>),
    /// Fixed-size array.
    Array(Box<TypeNode>, Vec<u64>),
    /// Variable-length sequence.
    VlenSeq(Box<TypeNode>),
    /// Object reference (`hobj_ref_t`).
    RefObject,
    /// Dataset region reference (`hdset_reg_ref_t`).
    RefRegion,
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

fn order_of(t: hid_t) -> Order {
    match types::order(t) {
        H5T_order_t::H5T_ORDER_LE => Order::Le,
        H5T_order_t::H5T_ORDER_BE => Order::Be,
        _ => Order::None,
    }
}

fn pad_cset(t: hid_t, shown: &str) -> Result<(Pad, bool), String> {
    let (pad, cset) = types::str_info(t);
    let pad = match pad {
        H5T_str_t::H5T_STR_NULLTERM => Pad::NullTerm,
        H5T_str_t::H5T_STR_NULLPAD => Pad::NullPad,
        H5T_str_t::H5T_STR_SPACEPAD => Pad::SpacePad,
        _ => return Err(c_ffi::fail("H5Tget_strpad", shown)),
    };
    let utf8 = match cset {
        H5T_cset_t::H5T_CSET_ASCII => false,
        H5T_cset_t::H5T_CSET_UTF8 => true,
        _ => return Err(c_ffi::fail("H5Tget_cset", shown)),
    };
    Ok((pad, utf8))
}

impl TypeNode {
    /// Describes the open datatype `t` (a transient in-memory copy).
    ///
    /// # Errors
    /// A datatype query fails, or the class is not supported.
    pub fn from_c(t: &Handle, shown: &str) -> Result<TypeNode, String> {
        Self::build(t.id(), shown, 0)
    }

    fn build(t: hid_t, shown: &str, depth: usize) -> Result<TypeNode, String> {
        if depth > MAX_TYPE_DEPTH {
            return Err(format!("datatype nesting too deep on {shown}"));
        }
        let mem_size = types::size(t, shown)?;
        let kind = match types::class(t, shown)? {
            H5T_class_t::H5T_INTEGER => {
                let (precision, offset) = types::precision_offset(t, shown)?;
                TypeKind::Int {
                    order: order_of(t),
                    signed: types::signed(t),
                    precision,
                    offset,
                }
            }
            H5T_class_t::H5T_FLOAT => {
                let (precision, offset) = types::precision_offset(t, shown)?;
                let (fields, ebias) = types::float_fields(t, shown)?;
                TypeKind::Float {
                    order: order_of(t),
                    precision,
                    offset,
                    fields,
                    ebias,
                }
            }
            H5T_class_t::H5T_TIME => TypeKind::Time { order: order_of(t) },
            H5T_class_t::H5T_STRING => {
                let (pad, utf8) = pad_cset(t, shown)?;
                if types::is_variable_str(t, shown)? {
                    TypeKind::VlenStr { pad, utf8 }
                } else {
                    TypeKind::FixedStr { pad, utf8 }
                }
            }
            H5T_class_t::H5T_BITFIELD => TypeKind::Bitfield { order: order_of(t) },
            H5T_class_t::H5T_OPAQUE => TypeKind::Opaque {
                tag: text(types::tag(t, shown)?),
            },
            H5T_class_t::H5T_COMPOUND => {
                let n = types::nmembers(t, shown)?;
                let mut members = Vec::new();
                for i in 0..n {
                    let mt = types::member_type(t, i, shown)?;
                    members.push(Member {
                        name: text(types::member_name(t, i, shown)?),
                        mem_offset: types::member_offset(t, i),
                        ty: Self::build(mt.id(), shown, depth + 1)?,
                    });
                }
                TypeKind::Compound(members)
            }
            H5T_class_t::H5T_ENUM => {
                let bt = types::base(t, shown)?;
                let base = Self::build(bt.id(), shown, depth + 1)?;
                let n = types::nmembers(t, shown)?;
                let mut members = Vec::new();
                for i in 0..n {
                    let raw = types::member_value(t, i, mem_size, shown)?;
                    members.push((
                        text(types::member_name(t, i, shown)?),
                        base.decode_int(&raw)?,
                    ));
                }
                TypeKind::Enum(Box::new(base), members)
            }
            H5T_class_t::H5T_ARRAY => {
                let bt = types::base(t, shown)?;
                let dims = types::array_dims(t, shown)?;
                TypeKind::Array(Box::new(Self::build(bt.id(), shown, depth + 1)?), dims)
            }
            H5T_class_t::H5T_VLEN => {
                let bt = types::base(t, shown)?;
                TypeKind::VlenSeq(Box::new(Self::build(bt.id(), shown, depth + 1)?))
            }
            H5T_class_t::H5T_REFERENCE => match types::reference_kind(t) {
                Some(true) => TypeKind::RefObject,
                Some(false) => TypeKind::RefRegion,
                None => return Err(format!("unknown reference type on {shown}")),
            },
            other => return Err(format!("unsupported datatype class {other:?} on {shown}")),
        };
        Ok(TypeNode { mem_size, kind })
    }

    /// Whether the type holds variable-length data anywhere (reads must then be reclaimed).
    pub fn has_vlen(&self) -> bool {
        match &self.kind {
            TypeKind::VlenStr { .. } | TypeKind::VlenSeq(_) => true,
            TypeKind::Compound(m) => m.iter().any(|m| m.ty.has_vlen()),
            TypeKind::Array(b, _) | TypeKind::Enum(b, _) => b.has_vlen(),
            _ => false,
        }
    }

    /// Size of one element as stored in the file. Variable-length data is stored as a
    /// 4-byte length plus a global heap ID (offset-sized address and 4-byte index);
    /// spec IV.A.2.d (datatype message, variable-length class).
    pub fn disk_size(&self, sizeof_addr: usize) -> usize {
        match &self.kind {
            TypeKind::VlenStr { .. } | TypeKind::VlenSeq(_) => 4 + sizeof_addr + 4,
            TypeKind::Array(b, dims) => {
                let n: u64 = dims.iter().product();
                b.disk_size(sizeof_addr).saturating_mul(n as usize)
            }
            TypeKind::Compound(members) => {
                let shrink: usize = members
                    .iter()
                    .map(|m| m.ty.mem_size.saturating_sub(m.ty.disk_size(sizeof_addr)))
                    .sum();
                let grow: usize = members
                    .iter()
                    .map(|m| m.ty.disk_size(sizeof_addr).saturating_sub(m.ty.mem_size))
                    .sum();
                (self.mem_size + grow).saturating_sub(shrink)
            }
            _ => self.mem_size,
        }
    }

    /// Member offsets as stored in the file: the library moved each member by the size
    /// change of the members before it (in offset order) when it made the in-memory copy.
    fn disk_offsets(members: &[Member], sizeof_addr: usize) -> Vec<usize> {
        let mut by_offset: Vec<usize> = (0..members.len()).collect();
        by_offset.sort_by_key(|&i| members[i].mem_offset);
        let mut out = vec![0usize; members.len()];
        let mut change: i64 = 0;
        for i in by_offset {
            let m = &members[i];
            out[i] = (m.mem_offset as i64 - change).max(0) as usize;
            change += m.ty.mem_size as i64 - m.ty.disk_size(sizeof_addr) as i64;
        }
        out
    }

    /// The DESCRIPTOR string of the type as stored in a file with `sizeof_addr`-byte
    /// addresses.
    pub fn descriptor(&self, sizeof_addr: usize) -> String {
        let size = self.mem_size;
        // One-byte atomic types have no byte order: `|`, as NumPy spells `|i1`.
        let oc = |order: Order| match (size, order) {
            (1, _) | (_, Order::None) => '|',
            (_, Order::Le) => '<',
            (_, Order::Be) => '>',
        };
        match &self.kind {
            TypeKind::Int {
                order,
                signed,
                precision,
                offset,
            } => {
                let c = if *signed { 'i' } else { 'u' };
                if *precision == size * 8 && *offset == 0 {
                    format!("{}{c}{size}", oc(*order))
                } else {
                    format!("int({}{size},{c},p{precision},o{offset})", oc(*order))
                }
            }
            TypeKind::Float {
                order,
                precision,
                offset,
                fields,
                ebias,
            } => {
                let ieee: Option<([usize; 5], usize)> = match size {
                    2 => Some(([15, 10, 5, 0, 10], 15)),
                    4 => Some(([31, 23, 8, 0, 23], 127)),
                    8 => Some(([63, 52, 11, 0, 52], 1023)),
                    _ => None,
                };
                let full = *precision == size * 8 && *offset == 0;
                if full && ieee == Some((*fields, *ebias)) {
                    format!("{}f{size}", oc(*order))
                } else {
                    let [s, ep, es, mp, ms] = *fields;
                    format!(
                        "float({}{size},s{s},e{ep}:{es},m{mp}:{ms},b{ebias})",
                        oc(*order)
                    )
                }
            }
            TypeKind::Time { order } => format!("time({}{size})", oc(*order)),
            TypeKind::FixedStr { pad, utf8 } => {
                format!("|S{size}:{}:{}", pad_name(*pad), cset_name(*utf8))
            }
            TypeKind::VlenStr { pad, utf8 } => {
                format!("str:{}:{}", pad_name(*pad), cset_name(*utf8))
            }
            TypeKind::Bitfield { order } => format!("bitfield({}{size})", oc(*order)),
            TypeKind::Opaque { tag } => format!("opaque({size},\"{tag}\")"),
            TypeKind::Compound(members) => {
                let offs = Self::disk_offsets(members, sizeof_addr);
                let parts: Vec<String> = members
                    .iter()
                    .zip(offs)
                    .map(|(m, o)| format!("{}@{o}:{}", m.name, m.ty.descriptor(sizeof_addr)))
                    .collect();
                format!(
                    "compound({})[{}]",
                    self.disk_size(sizeof_addr),
                    parts.join(",")
                )
            }
            TypeKind::Enum(base, members) => {
                let parts: Vec<String> = members.iter().map(|(n, v)| format!("{n}={v}")).collect();
                format!(
                    "enum({})[{}]",
                    base.descriptor(sizeof_addr),
                    parts.join(",")
                )
            }
            TypeKind::Array(base, dims) => {
                let d: Vec<String> = dims.iter().map(u64::to_string).collect();
                format!("array({},[{}])", base.descriptor(sizeof_addr), d.join(","))
            }
            TypeKind::VlenSeq(base) => format!("vlen({})", base.descriptor(sizeof_addr)),
            TypeKind::RefObject => "ref(object)".to_string(),
            TypeKind::RefRegion => "ref(region)".to_string(),
        }
    }

    /// Decodes an integer (or enum base) element from its stored bytes.
    fn decode_int(&self, bytes: &[u8]) -> Result<Value, String> {
        let TypeKind::Int {
            order,
            signed,
            precision,
            offset,
        } = &self.kind
        else {
            return Err("enum base is not an integer".to_string());
        };
        if bytes.len() > 16 || *precision > 64 || precision + offset > bytes.len() * 8 {
            return Err(format!("integer of {} bytes not supported", bytes.len()));
        }
        let mut raw: u128 = 0;
        let mut push = |b: &u8| raw = (raw << 8) | u128::from(*b);
        match order {
            Order::Be => bytes.iter().for_each(&mut push),
            _ => bytes.iter().rev().for_each(&mut push),
        }
        let bits = (raw >> offset) & ((1u128 << precision) - 1);
        if *signed && *precision > 0 && (bits >> (precision - 1)) & 1 == 1 {
            // Sign-extend from `precision` bits.
            let v = (bits as i128) - (1i128 << precision);
            Ok(Value::from(v as i64))
        } else {
            Ok(Value::from(bits as u64))
        }
    }

    /// Decodes one element from `bytes` (exactly `mem_size` bytes of a read buffer).
    ///
    /// # Errors
    /// The element cannot be decoded (unsupported layout, short buffer).
    pub fn decode(&self, bytes: &[u8], refs: &RefContext<'_>) -> Result<Value, String> {
        if bytes.len() != self.mem_size {
            return Err("element buffer of the wrong size".to_string());
        }
        Ok(match &self.kind {
            TypeKind::Int { .. } => self.decode_int(bytes)?,
            TypeKind::Enum(base, _) => base.decode_int(bytes)?,
            TypeKind::Float { order, .. } => {
                let mut hex = String::from("0x");
                match order {
                    Order::Be => bytes.iter().for_each(|b| hex.push_str(&format!("{b:02x}"))),
                    _ => bytes
                        .iter()
                        .rev()
                        .for_each(|b| hex.push_str(&format!("{b:02x}"))),
                }
                Value::String(hex)
            }
            TypeKind::Time { .. } | TypeKind::Bitfield { .. } | TypeKind::Opaque { .. } => {
                Value::String(hex(bytes))
            }
            TypeKind::FixedStr { pad, .. } => string_value(bytes, *pad),
            TypeKind::VlenStr { pad, .. } => match read_c_string(bytes)? {
                None => Value::Null,
                Some(s) => string_value(&s, *pad),
            },
            TypeKind::Compound(members) => {
                let mut map = Map::new();
                for m in members {
                    let part = m
                        .mem_offset
                        .checked_add(m.ty.mem_size)
                        .and_then(|end| bytes.get(m.mem_offset..end))
                        .ok_or("compound member outside its element")?;
                    map.insert(m.name.clone(), m.ty.decode(part, refs)?);
                }
                Value::Object(map)
            }
            TypeKind::Array(base, dims) => {
                let flat = base.decode_all(bytes, refs)?;
                nest(flat, dims)
            }
            TypeKind::VlenSeq(base) => {
                let seq = read_sequence(bytes, base.mem_size)?;
                Value::Array(base.decode_all(&seq, refs)?)
            }
            TypeKind::RefObject => refs.object(bytes)?,
            TypeKind::RefRegion => refs.region(bytes)?,
        })
    }

    /// Decodes consecutive elements filling `bytes`.
    ///
    /// # Errors
    /// As [`TypeNode::decode`].
    pub fn decode_all(&self, bytes: &[u8], refs: &RefContext<'_>) -> Result<Vec<Value>, String> {
        if self.mem_size == 0 || bytes.len() % self.mem_size != 0 {
            return Err("buffer is not a whole number of elements".to_string());
        }
        bytes
            .chunks(self.mem_size)
            .map(|e| self.decode(e, refs))
            .collect()
    }
}

fn pad_name(p: Pad) -> &'static str {
    match p {
        Pad::NullTerm => "nullterm",
        Pad::NullPad => "nullpad",
        Pad::SpacePad => "spacepad",
    }
}

fn cset_name(utf8: bool) -> &'static str {
    if utf8 {
        "utf8"
    } else {
        "ascii"
    }
}

/// Lower-case hex of bytes in the given order.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The VALUE of string bytes: up to the first NUL (nullterm, nullpad) or with trailing
/// spaces removed (spacepad); a JSON string if UTF-8, else `{"bytes": hex}`.
pub fn string_value(bytes: &[u8], pad: Pad) -> Value {
    let cut = match pad {
        Pad::NullTerm | Pad::NullPad => {
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            &bytes[..end]
        }
        Pad::SpacePad => {
            let end = bytes.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
            &bytes[..end]
        }
    };
    match std::str::from_utf8(cut) {
        Ok(s) => Value::String(s.to_string()),
        Err(_) => {
            let mut m = Map::new();
            m.insert("bytes".to_string(), Value::String(hex(cut)));
            Value::Object(m)
        }
    }
}

/// Nests a flat row-major list into lists of `dims`; no dims gives the single element.
pub fn nest(flat: Vec<Value>, dims: &[u64]) -> Value {
    match dims.split_first() {
        None => flat.into_iter().next().unwrap_or(Value::Null),
        Some((_, [])) => Value::Array(flat),
        Some((&n, rest)) => {
            let inner: u64 = rest.iter().product();
            if n == 0 || inner == 0 {
                return Value::Array((0..n).map(|_| nest(Vec::new(), rest)).collect::<Vec<_>>());
            }
            let mut out = Vec::new();
            let mut it = flat.into_iter();
            for _ in 0..n {
                let part: Vec<Value> = it.by_ref().take(inner as usize).collect();
                out.push(nest(part, rest));
            }
            Value::Array(out)
        }
    }
}

/// Reads the `char*` a variable-length string element holds; `None` for a null pointer.
fn read_c_string(bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    if bytes.len() != std::mem::size_of::<*const c_char>() {
        return Err("variable-length string element of the wrong size".to_string());
    }
    // SAFETY: `bytes` holds exactly one pointer, written by the library's read;
    // read_unaligned makes no alignment assumption.
    let p: *const c_char =
        unsafe { std::ptr::read_unaligned(bytes.as_ptr() as *const *const c_char) };
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: a non-null pointer from a read is a NUL-terminated string the library
    // allocated; it stays valid until the buffer is reclaimed, after decoding.
    Ok(Some(unsafe { CStr::from_ptr(p) }.to_bytes().to_vec()))
}

/// Copies out the elements an `hvl_t` points at.
fn read_sequence(bytes: &[u8], elem: usize) -> Result<Vec<u8>, String> {
    if bytes.len() != std::mem::size_of::<hvl_t>() {
        return Err("variable-length element of the wrong size".to_string());
    }
    // SAFETY: `bytes` holds exactly one `hvl_t` written by the library's read.
    let v: hvl_t = unsafe { std::ptr::read_unaligned(bytes.as_ptr() as *const hvl_t) };
    if v.len == 0 || v.p.is_null() {
        return Ok(Vec::new());
    }
    let len = v
        .len
        .checked_mul(elem)
        .ok_or("variable-length sequence too long")?;
    // SAFETY: the library allocated `v.len` elements of the base type's in-memory size at
    // `v.p`; they stay valid until the buffer is reclaimed, after decoding.
    Ok(unsafe { std::slice::from_raw_parts(v.p as *const u8, len) }.to_vec())
}

/// What reference values are resolved against.
pub struct RefContext<'a> {
    /// The open file.
    pub file: &'a Handle,
    /// The object being read, for error messages.
    pub shown: &'a str,
}

fn error_value(reason: String) -> Value {
    let mut m = Map::new();
    m.insert("error".to_string(), Value::String(reason));
    Value::Object(m)
}

impl RefContext<'_> {
    fn is_null(bytes: &[u8]) -> bool {
        bytes.iter().all(|&b| b == 0) || bytes.iter().all(|&b| b == 0xff)
    }

    fn object(&self, bytes: &[u8]) -> Result<Value, String> {
        if bytes.len() != 8 {
            return Err("object reference of the wrong size".to_string());
        }
        if Self::is_null(bytes) {
            return Ok(Value::Null);
        }
        Ok(
            match c_ffi::dereference(self.file, false, bytes, self.shown)
                .and_then(|o| c_ffi::object_name(&o, self.shown))
            {
                Ok(name) => Value::String(text(name)),
                Err(e) => error_value(e),
            },
        )
    }

    fn region(&self, bytes: &[u8]) -> Result<Value, String> {
        if bytes.len() != 12 {
            return Err("region reference of the wrong size".to_string());
        }
        if Self::is_null(bytes) {
            return Ok(Value::Null);
        }
        let resolved = c_ffi::dereference(self.file, true, bytes, self.shown)
            .and_then(|o| c_ffi::object_name(&o, self.shown))
            .and_then(|name| {
                let space = c_ffi::region(self.file, bytes, self.shown)?;
                Ok((name, c_ffi::selection(&space, self.shown)?))
            });
        let (name, sel) = match resolved {
            Ok(x) => x,
            Err(e) => return Ok(error_value(e)),
        };
        let coords = |c: &Vec<u64>| Value::from(c.clone());
        let sel = match sel {
            Selection::All => Value::from("all"),
            Selection::None => Value::from("none"),
            Selection::Points(p) => {
                let mut m = Map::new();
                m.insert(
                    "points".into(),
                    Value::Array(p.iter().map(coords).collect()),
                );
                Value::Object(m)
            }
            Selection::Blocks(b) => {
                let mut m = Map::new();
                let blocks = b
                    .iter()
                    .map(|(s, e)| Value::Array(vec![coords(s), coords(e)]))
                    .collect();
                m.insert("blocks".into(), Value::Array(blocks));
                Value::Object(m)
            }
        };
        let mut m = Map::new();
        m.insert("object".into(), Value::String(text(name)));
        m.insert("selection".into(), sel);
        Ok(Value::Object(m))
    }
}

/// Wraps a reason as a VALUE of the form `{"error": reason}`.
pub fn error_values(reason: &str) -> Value {
    error_value(reason.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn int(size: usize, order: Order, signed: bool) -> TypeNode {
        TypeNode {
            mem_size: size,
            kind: TypeKind::Int {
                order,
                signed,
                precision: size * 8,
                offset: 0,
            },
        }
    }

    #[test]
    fn integers_decode_in_either_order_with_sign() {
        assert_eq!(
            int(2, Order::Be, true).decode_int(&[0xff, 0xfe]).unwrap(),
            json!(-2)
        );
        assert_eq!(
            int(2, Order::Le, false).decode_int(&[0x01, 0x02]).unwrap(),
            json!(0x0201)
        );
        let max = int(8, Order::Le, false).decode_int(&[0xff; 8]).unwrap();
        assert_eq!(max, json!(u64::MAX));
        let min = int(8, Order::Be, true)
            .decode_int(&[0x80, 0, 0, 0, 0, 0, 0, 0])
            .unwrap();
        assert_eq!(min, json!(i64::MIN));
        // 12-bit signed value at bit offset 4 of a little-endian u16.
        let odd = TypeNode {
            mem_size: 2,
            kind: TypeKind::Int {
                order: Order::Le,
                signed: true,
                precision: 12,
                offset: 4,
            },
        };
        assert_eq!(odd.decode_int(&[0xf0, 0xff]).unwrap(), json!(-1));
        assert_eq!(odd.descriptor(8), "int(<2,i,p12,o4)");
    }

    #[test]
    fn strings_follow_the_padding_rule() {
        assert_eq!(string_value(b"ab\0cd", Pad::NullPad), json!("ab"));
        assert_eq!(string_value(b"ab  ", Pad::SpacePad), json!("ab"));
        assert_eq!(string_value(b"  ", Pad::SpacePad), json!(""));
        assert_eq!(
            string_value(b"\xff\x01", Pad::NullTerm),
            json!({"bytes": "ff01"})
        );
    }

    #[test]
    fn nest_builds_row_major_lists() {
        let flat: Vec<Value> = (0..6).map(Value::from).collect();
        assert_eq!(nest(flat, &[2, 3]), json!([[0, 1, 2], [3, 4, 5]]));
        assert_eq!(nest(vec![], &[2, 0]), json!([[], []]));
        assert_eq!(nest(vec![json!(7)], &[]), json!(7));
    }

    #[test]
    fn compound_with_vlen_maps_back_to_disk_layout() {
        // In memory: {i4 a @0; char* s @8; f8 d @16} size 24. On disk with 8-byte addresses
        // the string takes 16 bytes, so d moves to 24 and the size becomes 32.
        let s = TypeNode {
            mem_size: 8,
            kind: TypeKind::VlenStr {
                pad: Pad::NullTerm,
                utf8: false,
            },
        };
        let d = TypeNode {
            mem_size: 8,
            kind: TypeKind::Float {
                order: Order::Le,
                precision: 64,
                offset: 0,
                fields: [63, 52, 11, 0, 52],
                ebias: 1023,
            },
        };
        let c = TypeNode {
            mem_size: 24,
            kind: TypeKind::Compound(vec![
                Member {
                    name: "a".into(),
                    mem_offset: 0,
                    ty: int(4, Order::Le, true),
                },
                Member {
                    name: "s".into(),
                    mem_offset: 8,
                    ty: s,
                },
                Member {
                    name: "d".into(),
                    mem_offset: 16,
                    ty: d,
                },
            ]),
        };
        assert_eq!(
            c.descriptor(8),
            "compound(32)[a@0:<i4,s@8:str:nullterm:ascii,d@24:<f8]"
        );
    }
}
