//! The Datatype message, type 0x0003 (spec IV.A.2.d).
//!
//! One [`Datatype`] is a tree: compound, enumeration, variable-length, array and complex types
//! hold the types they are built from. Decoding keeps the version of every node, so a decoded
//! type re-encodes to the same bytes; [`Datatype::new`] and [`Datatype::assign_versions`] pick
//! versions the way the C library does for a type it creates.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// The name errors of this message report.
const STRUCTURE: &str = "datatype message";

/// The deepest nesting of datatypes decoded or encoded (a top-level type is at depth 0).
pub const MAX_DATATYPE_DEPTH: u32 = 32;

/// Most dimensions of an array datatype (the C library's `H5S_MAX_RANK`).
pub const MAX_ARRAY_RANK: usize = 32;

/// Largest datatype message version this implementation knows (spec IV.A.2.d, version 5).
pub const LATEST_VERSION: u8 = 5;

/// Byte order of an atomic type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Least significant byte first.
    LittleEndian,
    /// Most significant byte first.
    BigEndian,
    /// VAX mixed order; floating-point types only, datatype version 3 or later.
    Vax,
}

/// How a fixed or variable-length string is terminated or padded (spec IV.A.2.d, class 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StringPadding {
    /// A NUL byte ends the string.
    NullTerminate,
    /// NUL bytes pad the string to its size; no terminator is guaranteed.
    NullPad,
    /// Spaces pad the string to its size (Fortran).
    SpacePad,
}

/// Character set of a string (spec IV.A.2.d, class 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CharSet {
    /// US-ASCII.
    Ascii,
    /// UTF-8.
    Utf8,
}

/// How the most significant bit of a floating-point mantissa is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MantissaNorm {
    /// No normalization.
    None,
    /// The most significant bit is always set (except for 0.0).
    MsbSet,
    /// The most significant bit is not stored but implied set (IEEE 754).
    Implied,
}

/// What a reference datatype points at (spec IV.A.2.d, class 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferenceKind {
    /// `H5R_OBJECT1`: an object address in this file.
    Object,
    /// `H5R_DATASET_REGION1`: a global heap ID of a dataset address plus selection.
    DatasetRegion,
    /// `H5R_OBJECT2` (revised encoding, datatype version 4).
    Object2,
    /// `H5R_DATASET_REGION2` (revised encoding, datatype version 4).
    DatasetRegion2,
    /// `H5R_ATTR` (revised encoding, datatype version 4).
    Attribute,
}

impl ReferenceKind {
    /// True for the revised (`H5R_ref_t`) references of datatype version 4.
    pub fn is_revised(self) -> bool {
        matches!(
            self,
            ReferenceKind::Object2 | ReferenceKind::DatasetRegion2 | ReferenceKind::Attribute
        )
    }
}

/// Reference type byte of a revised reference's encoding: an object (spec VIII.B).
pub const REVISED_REF_OBJECT2: u8 = 2;
/// Reference type byte of a revised reference's encoding: a dataset region (spec VIII.B).
pub const REVISED_REF_REGION2: u8 = 3;
/// Reference type byte of a revised reference's encoding: an attribute (spec VIII.B).
pub const REVISED_REF_ATTR: u8 = 4;
/// Flag bit 0 of a revised reference's encoding: the target is in another file (spec
/// VIII.B).
pub const REVISED_REF_EXTERNAL: u8 = 0x01;

/// The flavour of a variable-length type (spec IV.A.2.d, class 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VarLenKind {
    /// A sequence of elements of the base type.
    Sequence,
    /// A string; the base type is a 1-byte character type.
    String {
        /// Padding of the string.
        padding: StringPadding,
        /// Character set of the string.
        charset: CharSet,
    },
}

/// How a complex number is stored (spec IV.A.2.d, class 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComplexForm {
    /// Real and imaginary parts.
    Rectangular,
    /// Magnitude and angle.
    Polar,
    /// Exponential form.
    Exponential,
}

/// The array dimensions a version-1 compound member may carry in place of an array type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct V1ArrayDims {
    /// One to four dimension sizes, slowest first.
    pub dims: Vec<u32>,
    /// The dimension permutation word (never implemented by the C library; normally 0).
    pub permutation: u32,
}

/// One member of a compound type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompoundMember {
    /// Member name, as stored.
    pub name: String,
    /// Byte offset of the member within the compound element.
    pub offset: u32,
    /// The member's type (the element type when `v1_array` is present).
    pub dtype: Datatype,
    /// Array dimensions of a version-1 member (the old form of an array member), if any.
    pub v1_array: Option<V1ArrayDims>,
}

impl CompoundMember {
    /// A member without version-1 array dimensions.
    pub fn new(name: impl Into<String>, offset: u32, dtype: Datatype) -> Self {
        CompoundMember {
            name: name.into(),
            offset,
            dtype,
            v1_array: None,
        }
    }

    /// Bytes the member occupies: its type's size times its version-1 array dimensions.
    pub fn extent(&self) -> Option<u64> {
        let mut n = u64::from(self.dtype.size);
        if let Some(a) = &self.v1_array {
            for &d in &a.dims {
                n = n.checked_mul(u64::from(d))?;
            }
        }
        Some(n)
    }
}

/// One name/value pair of an enumeration type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumMember {
    /// Member name, as stored.
    pub name: String,
    /// The value's bytes, in the base type's representation (as many bytes as its size).
    pub value: Vec<u8>,
}

/// The class of a datatype with its class-specific fields (spec IV.A.2.d, classes 0-11).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeClass {
    /// Class 0: integers.
    FixedPoint {
        /// Byte order (never [`ByteOrder::Vax`]).
        order: ByteOrder,
        /// Two's complement when true.
        signed: bool,
        /// Bit offset of the first significant bit.
        bit_offset: u16,
        /// Number of significant bits.
        precision: u16,
        /// Unused low bits are ones when true, zeros otherwise.
        pad_lo: bool,
        /// Unused high bits are ones when true, zeros otherwise.
        pad_hi: bool,
    },
    /// Class 1: floating-point numbers.
    FloatingPoint {
        /// Byte order (VAX requires datatype version 3 or later).
        order: ByteOrder,
        /// Unused low bits are ones when true.
        pad_lo: bool,
        /// Unused high bits are ones when true.
        pad_hi: bool,
        /// Unused internal bits are ones when true.
        pad_internal: bool,
        /// Mantissa normalization.
        normalization: MantissaNorm,
        /// Bit position of the sign bit.
        sign_location: u8,
        /// Bit offset of the first significant bit.
        bit_offset: u16,
        /// Number of significant bits.
        precision: u16,
        /// Bit position of the exponent.
        exponent_location: u8,
        /// Exponent size in bits.
        exponent_size: u8,
        /// Bit position of the mantissa.
        mantissa_location: u8,
        /// Mantissa size in bits.
        mantissa_size: u8,
        /// Exponent bias.
        exponent_bias: u32,
    },
    /// Class 2: time.
    Time {
        /// Byte order (never [`ByteOrder::Vax`]).
        order: ByteOrder,
        /// Number of significant bits.
        precision: u16,
    },
    /// Class 3: fixed-length strings.
    String {
        /// Padding.
        padding: StringPadding,
        /// Character set.
        charset: CharSet,
    },
    /// Class 4: bit fields.
    Bitfield {
        /// Byte order (never [`ByteOrder::Vax`]).
        order: ByteOrder,
        /// Bit offset of the first significant bit.
        bit_offset: u16,
        /// Number of significant bits.
        precision: u16,
        /// Unused low bits are ones when true.
        pad_lo: bool,
        /// Unused high bits are ones when true.
        pad_hi: bool,
    },
    /// Class 5: opaque bytes with a tag.
    Opaque {
        /// The ASCII tag (at most 248 bytes, no NUL).
        tag: String,
    },
    /// Class 6: compound (struct) types.
    Compound {
        /// Members in stored order.
        members: Vec<CompoundMember>,
    },
    /// Class 7: references.
    Reference {
        /// What the reference points at.
        kind: ReferenceKind,
    },
    /// Class 8: enumerations.
    Enum {
        /// The base (integer) type.
        base: Box<Datatype>,
        /// Members in stored order.
        members: Vec<EnumMember>,
    },
    /// Class 9: variable-length sequences and strings.
    VarLen {
        /// Sequence or string.
        kind: VarLenKind,
        /// The element type.
        base: Box<Datatype>,
    },
    /// Class 10: fixed-size arrays.
    Array {
        /// Dimension sizes, slowest first (at most 32).
        dims: Vec<u32>,
        /// The element type.
        base: Box<Datatype>,
    },
    /// Class 11: complex numbers (HDF5 2.0), homogeneous parts.
    Complex {
        /// The floating-point type of each part.
        base: Box<Datatype>,
        /// The storage form.
        form: ComplexForm,
    },
}

/// A datatype of any class: the body of a Datatype message (spec IV.A.2.d).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Datatype {
    /// Message version (1 to 5).
    pub version: u8,
    /// Size of one element in bytes.
    pub size: u32,
    /// Class and class-specific fields.
    pub class: TypeClass,
}

fn err(kind: ErrorKind, offset: u64) -> FormatError {
    FormatError::new(kind, STRUCTURE, offset)
}

fn invalid_at(field: &'static str, value: u64, offset: u64) -> FormatError {
    err(ErrorKind::InvalidValue { field, value }, offset)
}

fn overflow(field: &'static str, w: &Writer) -> FormatError {
    err(ErrorKind::EncodeOverflow { field }, w.len() as u64)
}

/// Bytes needed to store a compound member offset in version 3+: the fewest bytes that hold
/// the compound's size (the C library's `H5VM_limit_enc_size`).
fn offset_width(size: u32) -> usize {
    let bits = 32 - size.max(1).leading_zeros(); // floor(log2(size)) + 1
    ((bits as usize - 1) / 8) + 1
}

/// Bytes a NUL-terminated name takes: padded to a multiple of 8 before version 3.
fn name_len(name: &str, version: u8) -> usize {
    if version >= 3 {
        name.len() + 1
    } else {
        (name.len() + 8) / 8 * 8
    }
}

fn decode_padding(v: u32, cur: &Cursor<'_>, back: usize) -> Result<StringPadding> {
    match v {
        0 => Ok(StringPadding::NullTerminate),
        1 => Ok(StringPadding::NullPad),
        2 => Ok(StringPadding::SpacePad),
        _ => Err(cur.invalid("string padding", u64::from(v), back)),
    }
}

fn decode_charset(v: u32, cur: &Cursor<'_>, back: usize) -> Result<CharSet> {
    match v {
        0 => Ok(CharSet::Ascii),
        1 => Ok(CharSet::Utf8),
        _ => Err(cur.invalid("character set", u64::from(v), back)),
    }
}

fn padding_bits(p: StringPadding) -> u32 {
    match p {
        StringPadding::NullTerminate => 0,
        StringPadding::NullPad => 1,
        StringPadding::SpacePad => 2,
    }
}

fn charset_bits(c: CharSet) -> u32 {
    match c {
        CharSet::Ascii => 0,
        CharSet::Utf8 => 1,
    }
}

fn padding_name(p: StringPadding) -> &'static str {
    match p {
        StringPadding::NullTerminate => "nullterm",
        StringPadding::NullPad => "nullpad",
        StringPadding::SpacePad => "spacepad",
    }
}

fn charset_name(c: CharSet) -> &'static str {
    match c {
        CharSet::Ascii => "ascii",
        CharSet::Utf8 => "utf8",
    }
}

/// Reads a NUL-terminated name; before version 3 it is padded to a multiple of 8 bytes.
fn decode_name(cur: &mut Cursor<'_>, version: u8, field: &'static str) -> Result<String> {
    let at = cur.offset();
    let raw = cur.cstr(cur.remaining())?;
    if version < 3 {
        let padded = (raw.len() + 8) / 8 * 8;
        cur.skip(padded - raw.len() - 1)?;
    }
    String::from_utf8(raw.to_vec()).map_err(|_| invalid_at(field, raw.len() as u64, at))
}

fn encode_name(w: &mut Writer, name: &str, version: u8, field: &'static str) -> Result<()> {
    if name.as_bytes().contains(&0) {
        return Err(overflow(field, w));
    }
    w.bytes(name.as_bytes());
    w.zeros(name_len(name, version) - name.len());
    Ok(())
}

fn order_flag(order: ByteOrder, w: &Writer) -> Result<u32> {
    match order {
        ByteOrder::LittleEndian => Ok(0),
        ByteOrder::BigEndian => Ok(1),
        ByteOrder::Vax => Err(overflow("byte order", w)),
    }
}

fn bit(cond: bool, mask: u32) -> u32 {
    if cond {
        mask
    } else {
        0
    }
}

impl Datatype {
    /// A type of `size` bytes and class `class`, with the versions the C library gives a type
    /// it creates (see [`Datatype::assign_versions`] with floor 1).
    pub fn new(size: u32, class: TypeClass) -> Self {
        let mut t = Datatype {
            version: 1,
            size,
            class,
        };
        t.assign_versions(1);
        t
    }

    /// An integer of `size` bytes using all its bits.
    pub fn integer(size: u32, signed: bool, order: ByteOrder) -> Self {
        Datatype::new(
            size,
            TypeClass::FixedPoint {
                order,
                signed,
                bit_offset: 0,
                precision: u16::try_from(size.saturating_mul(8)).unwrap_or(u16::MAX),
                pad_lo: false,
                pad_hi: false,
            },
        )
    }

    /// An IEEE 754 binary16, binary32 or binary64 float (`size` 2, 4 or 8; other sizes give
    /// the binary64 layout).
    pub fn ieee_float(size: u32, order: ByteOrder) -> Self {
        let (sign, epos, esize, msize, bias) = match size {
            2 => (15, 10, 5, 10, 15),
            4 => (31, 23, 8, 23, 127),
            _ => (63, 52, 11, 52, 1023),
        };
        let size = if matches!(size, 2 | 4) { size } else { 8 };
        Datatype::new(
            size,
            TypeClass::FloatingPoint {
                order,
                pad_lo: false,
                pad_hi: false,
                pad_internal: false,
                normalization: MantissaNorm::Implied,
                sign_location: sign,
                bit_offset: 0,
                precision: (size * 8) as u16,
                exponent_location: epos,
                exponent_size: esize,
                mantissa_location: 0,
                mantissa_size: msize,
                exponent_bias: bias,
            },
        )
    }

    /// Size of one element in bytes.
    pub fn element_size(&self) -> usize {
        self.size as usize
    }

    /// True if this type is itself variable-length (a sequence or a string).
    pub fn is_variable_length(&self) -> bool {
        matches!(self.class, TypeClass::VarLen { .. })
    }

    /// True if this type or any type nested in it is variable-length.
    pub fn has_variable_length(&self) -> bool {
        match &self.class {
            TypeClass::VarLen { .. } => true,
            TypeClass::Compound { members } => {
                members.iter().any(|m| m.dtype.has_variable_length())
            }
            TypeClass::Enum { base, .. }
            | TypeClass::Array { base, .. }
            | TypeClass::Complex { base, .. } => base.has_variable_length(),
            _ => false,
        }
    }

    /// True if this type or any type nested in it is a reference.
    pub fn has_reference(&self) -> bool {
        match &self.class {
            TypeClass::Reference { .. } => true,
            TypeClass::Compound { members } => members.iter().any(|m| m.dtype.has_reference()),
            TypeClass::Enum { base, .. }
            | TypeClass::Array { base, .. }
            | TypeClass::VarLen { base, .. }
            | TypeClass::Complex { base, .. } => base.has_reference(),
            _ => false,
        }
    }

    /// Sets the version of every node the way the C library versions a type it creates, then
    /// raises it to `floor` (the version bound of the file's low "libver" setting: 1 for the
    /// earliest format, 3 for 1.8/1.10, 4 for 1.12/1.14, 5 for 2.0).
    ///
    /// Atomic types keep version 1 (3 for VAX floats, 4 for revised references); an array is
    /// at least 2, a complex type at least 5, and a compound, array, enum or variable-length
    /// type is at least as new as what it contains. Raising to `floor` raises compound, array
    /// and enum types throughout the tree and lets variable-length types follow their base, as
    /// the C library's `H5T__upgrade_version` does; atomic types are never raised. Version-1
    /// compound array members are turned into array types, the form later versions use.
    pub fn assign_versions(&mut self, floor: u8) {
        self.minimal_versions();
        if floor > self.version {
            self.upgrade(floor);
        }
    }

    fn minimal_versions(&mut self) {
        let v = match &mut self.class {
            TypeClass::FixedPoint { .. }
            | TypeClass::Time { .. }
            | TypeClass::String { .. }
            | TypeClass::Bitfield { .. }
            | TypeClass::Opaque { .. } => 1,
            TypeClass::FloatingPoint { order, .. } => {
                if *order == ByteOrder::Vax {
                    3
                } else {
                    1
                }
            }
            TypeClass::Reference { kind } => {
                if kind.is_revised() {
                    4
                } else {
                    1
                }
            }
            TypeClass::Compound { members } => {
                let mut v = 1;
                for m in members.iter_mut() {
                    if let Some(a) = m.v1_array.take() {
                        let base = core::mem::replace(
                            &mut m.dtype,
                            Datatype {
                                version: 1,
                                size: 0,
                                class: TypeClass::Compound {
                                    members: Vec::new(),
                                },
                            },
                        );
                        let n = a
                            .dims
                            .iter()
                            .fold(u64::from(base.size), |n, &d| n.saturating_mul(u64::from(d)));
                        m.dtype = Datatype {
                            version: 2,
                            size: u32::try_from(n).unwrap_or(u32::MAX),
                            class: TypeClass::Array {
                                dims: a.dims,
                                base: Box::new(base),
                            },
                        };
                    }
                    m.dtype.minimal_versions();
                    v = v.max(m.dtype.version);
                }
                // Inserting a newer member raises the whole compound (H5T__insert).
                self.version = 1;
                self.upgrade(v);
                return;
            }
            TypeClass::Enum { base, .. } | TypeClass::VarLen { base, .. } => {
                base.minimal_versions();
                base.version.max(1)
            }
            TypeClass::Array { base, .. } => {
                base.minimal_versions();
                base.version.max(2)
            }
            TypeClass::Complex { base, .. } => {
                base.minimal_versions();
                base.version.max(5)
            }
        };
        self.version = v;
    }

    /// Raises compound, array and enum types to `v` (children first); variable-length and
    /// complex types follow their base. Atomic types are left alone.
    fn upgrade(&mut self, v: u8) {
        match &mut self.class {
            TypeClass::Compound { members } => {
                for m in members.iter_mut() {
                    m.dtype.upgrade(v);
                }
                self.version = self.version.max(v);
            }
            TypeClass::Array { base, .. } | TypeClass::Enum { base, .. } => {
                base.upgrade(v);
                self.version = self.version.max(v);
            }
            TypeClass::VarLen { base, .. } | TypeClass::Complex { base, .. } => {
                base.upgrade(v);
                self.version = self.version.max(base.version);
            }
            _ => {}
        }
    }

    /// Decodes the message body.
    ///
    /// # Errors
    /// `UnexpectedEof` if the body is truncated; `UnsupportedVersion` for a version outside
    /// 1-5; `InvalidValue` for an unknown class, reserved field values, a zero size, member
    /// counts or sizes that do not fit; `LimitExceeded` if types nest deeper than
    /// [`MAX_DATATYPE_DEPTH`].
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let outer = cur.structure();
        let mut c = cur.clone().named(STRUCTURE);
        let dt = Self::decode_nested(&mut c, 0)?;
        *cur = c.named(outer);
        Ok(dt)
    }

    fn decode_nested(cur: &mut Cursor<'_>, depth: u32) -> Result<Self> {
        let start = cur.offset();
        if depth > MAX_DATATYPE_DEPTH {
            return Err(err(
                ErrorKind::LimitExceeded {
                    limit: "datatype nesting depth",
                    requested: u64::from(depth),
                    allowed: u64::from(MAX_DATATYPE_DEPTH),
                },
                start,
            ));
        }
        let head = cur.u8()?;
        let version = head >> 4;
        let class_id = head & 0x0f;
        let flags = cur.uint(3)? as u32;
        let size = cur.u32()?;
        if version == 0 || version > LATEST_VERSION {
            return Err(err(ErrorKind::UnsupportedVersion { version }, start));
        }
        if size == 0 {
            return Err(cur.invalid("datatype size", 0, 4));
        }
        let class = match class_id {
            0 => {
                let order = if flags & 1 != 0 {
                    ByteOrder::BigEndian
                } else {
                    ByteOrder::LittleEndian
                };
                TypeClass::FixedPoint {
                    order,
                    pad_lo: flags & 0x2 != 0,
                    pad_hi: flags & 0x4 != 0,
                    signed: flags & 0x8 != 0,
                    bit_offset: cur.u16()?,
                    precision: cur.u16()?,
                }
            }
            1 => {
                // Bits 0 and 6 give the byte order; bit 6 means VAX only from version 3 on.
                let order = if version >= 3 && flags & 0x40 != 0 {
                    if flags & 1 == 0 {
                        return Err(invalid_at("floating-point byte order", 0x40, start + 1));
                    }
                    ByteOrder::Vax
                } else if flags & 1 != 0 {
                    ByteOrder::BigEndian
                } else {
                    ByteOrder::LittleEndian
                };
                let normalization = match (flags >> 4) & 3 {
                    0 => MantissaNorm::None,
                    1 => MantissaNorm::MsbSet,
                    2 => MantissaNorm::Implied,
                    n => {
                        return Err(invalid_at(
                            "mantissa normalization",
                            u64::from(n),
                            start + 1,
                        ))
                    }
                };
                TypeClass::FloatingPoint {
                    order,
                    pad_lo: flags & 0x2 != 0,
                    pad_hi: flags & 0x4 != 0,
                    pad_internal: flags & 0x8 != 0,
                    normalization,
                    sign_location: ((flags >> 8) & 0xff) as u8,
                    bit_offset: cur.u16()?,
                    precision: cur.u16()?,
                    exponent_location: cur.u8()?,
                    exponent_size: cur.u8()?,
                    mantissa_location: cur.u8()?,
                    mantissa_size: cur.u8()?,
                    exponent_bias: cur.u32()?,
                }
            }
            2 => TypeClass::Time {
                order: if flags & 1 != 0 {
                    ByteOrder::BigEndian
                } else {
                    ByteOrder::LittleEndian
                },
                precision: cur.u16()?,
            },
            3 => TypeClass::String {
                padding: decode_padding(flags & 0xf, cur, 7)?,
                charset: decode_charset((flags >> 4) & 0xf, cur, 7)?,
            },
            4 => TypeClass::Bitfield {
                order: if flags & 1 != 0 {
                    ByteOrder::BigEndian
                } else {
                    ByteOrder::LittleEndian
                },
                pad_lo: flags & 0x2 != 0,
                pad_hi: flags & 0x4 != 0,
                bit_offset: cur.u16()?,
                precision: cur.u16()?,
            },
            5 => {
                // The tag field is NUL-padded to a multiple of 8 and need not hold a NUL.
                let len = (flags & 0xff) as usize;
                if len & 7 != 0 {
                    return Err(invalid_at("opaque tag length", len as u64, start + 1));
                }
                let at = cur.offset();
                let raw = cur.bytes(len)?;
                let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
                let tag = core::str::from_utf8(&raw[..end])
                    .map_err(|_| invalid_at("opaque tag", end as u64, at))?;
                TypeClass::Opaque { tag: tag.into() }
            }
            6 => Self::decode_compound(cur, version, flags, size, depth, start)?,
            7 => {
                let kind = match flags & 0xf {
                    0 => ReferenceKind::Object,
                    1 => ReferenceKind::DatasetRegion,
                    2 => ReferenceKind::Object2,
                    3 => ReferenceKind::DatasetRegion2,
                    4 => ReferenceKind::Attribute,
                    n => return Err(invalid_at("reference type", u64::from(n), start + 1)),
                };
                // The revised references carry their own encoding version, which must be 1.
                if kind.is_revised() && (flags >> 4) & 0xf != 1 {
                    return Err(invalid_at(
                        "reference encoding version",
                        u64::from((flags >> 4) & 0xf),
                        start + 1,
                    ));
                }
                TypeClass::Reference { kind }
            }
            8 => {
                let n = (flags & 0xffff) as usize;
                let base = Self::decode_nested(cur, depth + 1)?;
                if base.size != size {
                    return Err(invalid_at(
                        "enumeration base size",
                        u64::from(base.size),
                        start,
                    ));
                }
                // Every member needs at least a 1-byte name (8 before version 3) and a value.
                let min_name = if version >= 3 { 1 } else { 8 };
                let per_member = (size as usize).saturating_add(min_name);
                if n.saturating_mul(per_member) > cur.remaining() {
                    return Err(cur.error(ErrorKind::UnexpectedEof {
                        needed: (n as u64).saturating_mul(per_member as u64),
                        available: cur.remaining() as u64,
                    }));
                }
                let mut names = Vec::with_capacity(n);
                for _ in 0..n {
                    names.push(decode_name(cur, version, "enumeration member name")?);
                }
                let mut members = Vec::with_capacity(n);
                for name in names {
                    let value = cur.bytes(size as usize)?.to_vec();
                    members.push(EnumMember { name, value });
                }
                TypeClass::Enum {
                    base: Box::new(base),
                    members,
                }
            }
            9 => {
                let kind = match flags & 0xf {
                    0 => VarLenKind::Sequence,
                    1 => VarLenKind::String {
                        padding: decode_padding((flags >> 4) & 0xf, cur, 7)?,
                        charset: decode_charset((flags >> 8) & 0xf, cur, 7)?,
                    },
                    n => return Err(invalid_at("variable-length type", u64::from(n), start + 1)),
                };
                let base = Self::decode_nested(cur, depth + 1)?;
                TypeClass::VarLen {
                    kind,
                    base: Box::new(base),
                }
            }
            10 => {
                let rank = usize::from(cur.u8()?);
                if rank > MAX_ARRAY_RANK {
                    return Err(cur.invalid("array rank", rank as u64, 1));
                }
                if version < 3 {
                    cur.skip(3)?;
                }
                let mut dims = Vec::with_capacity(rank);
                for _ in 0..rank {
                    dims.push(cur.u32()?);
                }
                if version < 3 {
                    // Permutation indices: never implemented, written as 0..rank.
                    cur.skip(4 * rank)?;
                }
                let base = Self::decode_nested(cur, depth + 1)?;
                let total = dims
                    .iter()
                    .try_fold(u64::from(base.size), |n, &d| n.checked_mul(u64::from(d)));
                if total != Some(u64::from(size)) {
                    return Err(invalid_at(
                        "array datatype size",
                        u64::from(size),
                        start + 4,
                    ));
                }
                TypeClass::Array {
                    dims,
                    base: Box::new(base),
                }
            }
            11 => {
                if flags & 1 == 0 {
                    return Err(err(
                        ErrorKind::Unsupported {
                            what: "heterogeneous complex number datatype",
                        },
                        start + 1,
                    ));
                }
                let form = match (flags >> 1) & 3 {
                    0 => ComplexForm::Rectangular,
                    1 => ComplexForm::Polar,
                    2 => ComplexForm::Exponential,
                    n => return Err(invalid_at("complex number form", u64::from(n), start + 1)),
                };
                let base = Self::decode_nested(cur, depth + 1)?;
                if u64::from(base.size) * 2 != u64::from(size) {
                    return Err(invalid_at(
                        "complex datatype size",
                        u64::from(size),
                        start + 4,
                    ));
                }
                TypeClass::Complex {
                    base: Box::new(base),
                    form,
                }
            }
            c => return Err(invalid_at("datatype class", u64::from(c), start)),
        };
        Ok(Datatype {
            version,
            size,
            class,
        })
    }

    fn decode_compound(
        cur: &mut Cursor<'_>,
        version: u8,
        flags: u32,
        size: u32,
        depth: u32,
        start: u64,
    ) -> Result<TypeClass> {
        let n = (flags & 0xffff) as usize;
        if n == 0 {
            return Err(invalid_at("compound member count", 0, start + 1));
        }
        // A member takes at least a name byte, an offset byte and an 8-byte type header.
        if n.saturating_mul(10) > cur.remaining() {
            return Err(cur.error(ErrorKind::UnexpectedEof {
                needed: (n as u64).saturating_mul(10),
                available: cur.remaining() as u64,
            }));
        }
        let width = offset_width(size);
        let mut members = Vec::with_capacity(n);
        for _ in 0..n {
            let name = decode_name(cur, version, "compound member name")?;
            let offset_at = cur.offset();
            let offset = if version >= 3 {
                cur.uint(width)? as u32
            } else {
                cur.u32()?
            };
            let mut v1_array = None;
            if version == 1 {
                // Version 1 members may be arrays of up to 4 dimensions (spec IV.A.2.d).
                let rank = usize::from(cur.u8()?);
                if rank > 4 {
                    return Err(cur.invalid("compound member dimensionality", rank as u64, 1));
                }
                cur.skip(3)?;
                let permutation = cur.u32()?;
                cur.skip(4)?;
                let mut dims = [0u32; 4];
                for d in &mut dims {
                    *d = cur.u32()?;
                }
                if rank > 0 {
                    v1_array = Some(V1ArrayDims {
                        dims: dims[..rank].to_vec(),
                        permutation,
                    });
                }
            }
            let dtype = Self::decode_nested(cur, depth + 1)?;
            let member = CompoundMember {
                name,
                offset,
                dtype,
                v1_array,
            };
            let end = member
                .extent()
                .and_then(|e| e.checked_add(u64::from(offset)));
            if end.is_none_or(|e| e > u64::from(size)) {
                return Err(invalid_at(
                    "compound member offset",
                    u64::from(offset),
                    offset_at,
                ));
            }
            members.push(member);
        }
        Ok(TypeClass::Compound { members })
    }

    /// Bytes [`Datatype::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        8 + match &self.class {
            TypeClass::FixedPoint { .. } | TypeClass::Bitfield { .. } => 4,
            TypeClass::FloatingPoint { .. } => 12,
            TypeClass::Time { .. } => 2,
            TypeClass::String { .. } | TypeClass::Reference { .. } => 0,
            TypeClass::Opaque { tag } => tag.len().div_ceil(8) * 8,
            TypeClass::Compound { members } => members
                .iter()
                .map(|m| {
                    let offset = match self.version {
                        1 => 4 + 28,
                        2 => 4,
                        _ => offset_width(self.size),
                    };
                    name_len(&m.name, self.version) + offset + m.dtype.encoded_len()
                })
                .sum(),
            TypeClass::Enum { base, members } => {
                base.encoded_len()
                    + members
                        .iter()
                        .map(|m| name_len(&m.name, self.version) + m.value.len())
                        .sum::<usize>()
            }
            TypeClass::VarLen { base, .. } | TypeClass::Complex { base, .. } => base.encoded_len(),
            TypeClass::Array { dims, base } => {
                let per_dim = if self.version < 3 { 8 } else { 4 };
                let reserved = if self.version < 3 { 3 } else { 0 };
                1 + reserved + per_dim * dims.len() + base.encoded_len()
            }
        }
    }

    /// Encodes the message body with the version stored in each node.
    ///
    /// # Errors
    /// `UnsupportedVersion` for a version outside 1-5; `EncodeOverflow` naming the field when
    /// a value cannot be expressed: more than 65535 members, a member offset too wide for a
    /// version-3 offset field, a name or tag containing NUL, a tag over 248 bytes, an enum value
    /// whose length differs from the base size, VAX order outside a version-3+ float, more
    /// than 32 array dimensions or more than 4 version-1 member dimensions; `LimitExceeded` if
    /// types nest deeper than [`MAX_DATATYPE_DEPTH`].
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        self.encode_nested(w, 0)
    }

    fn encode_nested(&self, w: &mut Writer, depth: u32) -> Result<()> {
        if depth > MAX_DATATYPE_DEPTH {
            return Err(err(
                ErrorKind::LimitExceeded {
                    limit: "datatype nesting depth",
                    requested: u64::from(depth),
                    allowed: u64::from(MAX_DATATYPE_DEPTH),
                },
                w.len() as u64,
            ));
        }
        let version = self.version;
        if version == 0 || version > LATEST_VERSION {
            return Err(err(
                ErrorKind::UnsupportedVersion { version },
                w.len() as u64,
            ));
        }
        let (class_id, flags) = self.class_flags(w)?;
        w.u8(class_id | (version << 4));
        w.uint(u64::from(flags), 3, "datatype class bit field")?;
        w.u32(self.size);
        match &self.class {
            TypeClass::FixedPoint {
                bit_offset,
                precision,
                ..
            }
            | TypeClass::Bitfield {
                bit_offset,
                precision,
                ..
            } => {
                w.u16(*bit_offset);
                w.u16(*precision);
            }
            TypeClass::FloatingPoint {
                bit_offset,
                precision,
                exponent_location,
                exponent_size,
                mantissa_location,
                mantissa_size,
                exponent_bias,
                ..
            } => {
                w.u16(*bit_offset);
                w.u16(*precision);
                w.u8(*exponent_location);
                w.u8(*exponent_size);
                w.u8(*mantissa_location);
                w.u8(*mantissa_size);
                w.u32(*exponent_bias);
            }
            TypeClass::Time { precision, .. } => w.u16(*precision),
            TypeClass::String { .. } | TypeClass::Reference { .. } => {}
            TypeClass::Opaque { tag } => {
                w.bytes(tag.as_bytes());
                w.zeros(tag.len().div_ceil(8) * 8 - tag.len());
            }
            TypeClass::Compound { members } => {
                let width = offset_width(self.size);
                for m in members {
                    encode_name(w, &m.name, version, "compound member name")?;
                    if version >= 3 {
                        w.uint(u64::from(m.offset), width, "compound member offset")?;
                    } else {
                        w.u32(m.offset);
                    }
                    if version == 1 {
                        let (dims, perm): (&[u32], u32) = match &m.v1_array {
                            Some(a) => (&a.dims, a.permutation),
                            None => (&[], 0),
                        };
                        if dims.len() > 4 {
                            return Err(overflow("compound member dimensionality", w));
                        }
                        w.u8(dims.len() as u8);
                        w.zeros(3);
                        w.u32(perm);
                        w.zeros(4);
                        for i in 0..4 {
                            w.u32(dims.get(i).copied().unwrap_or(0));
                        }
                    } else if m.v1_array.is_some() {
                        return Err(overflow("compound member dimensionality", w));
                    }
                    m.dtype.encode_nested(w, depth + 1)?;
                }
            }
            TypeClass::Enum { base, members } => {
                base.encode_nested(w, depth + 1)?;
                for m in members {
                    encode_name(w, &m.name, version, "enumeration member name")?;
                }
                for m in members {
                    if m.value.len() != base.size as usize {
                        return Err(overflow("enumeration member value", w));
                    }
                    w.bytes(&m.value);
                }
            }
            TypeClass::VarLen { base, .. } | TypeClass::Complex { base, .. } => {
                base.encode_nested(w, depth + 1)?;
            }
            TypeClass::Array { dims, base } => {
                w.u8(dims.len() as u8);
                if version < 3 {
                    w.zeros(3);
                }
                for &d in dims {
                    w.u32(d);
                }
                if version < 3 {
                    for i in 0..dims.len() {
                        w.u32(i as u32);
                    }
                }
                base.encode_nested(w, depth + 1)?;
            }
        }
        Ok(())
    }

    /// The class number and the 24-bit class bit field.
    fn class_flags(&self, w: &Writer) -> Result<(u8, u32)> {
        Ok(match &self.class {
            TypeClass::FixedPoint {
                order,
                signed,
                pad_lo,
                pad_hi,
                ..
            } => (
                0,
                order_flag(*order, w)? | bit(*pad_lo, 0x2) | bit(*pad_hi, 0x4) | bit(*signed, 0x8),
            ),
            TypeClass::FloatingPoint {
                order,
                pad_lo,
                pad_hi,
                pad_internal,
                normalization,
                sign_location,
                ..
            } => {
                let order_bits = match order {
                    ByteOrder::Vax if self.version >= 3 => 0x41,
                    _ => order_flag(*order, w)?,
                };
                let norm = match normalization {
                    MantissaNorm::None => 0,
                    MantissaNorm::MsbSet => 0x10,
                    MantissaNorm::Implied => 0x20,
                };
                (
                    1,
                    order_bits
                        | bit(*pad_lo, 0x2)
                        | bit(*pad_hi, 0x4)
                        | bit(*pad_internal, 0x8)
                        | norm
                        | (u32::from(*sign_location) << 8),
                )
            }
            TypeClass::Time { order, .. } => (2, order_flag(*order, w)?),
            TypeClass::String { padding, charset } => {
                (3, padding_bits(*padding) | (charset_bits(*charset) << 4))
            }
            TypeClass::Bitfield {
                order,
                pad_lo,
                pad_hi,
                ..
            } => (
                4,
                order_flag(*order, w)? | bit(*pad_lo, 0x2) | bit(*pad_hi, 0x4),
            ),
            TypeClass::Opaque { tag } => {
                if tag.len() > 248 || tag.as_bytes().contains(&0) {
                    return Err(overflow("opaque tag", w));
                }
                (5, (tag.len().div_ceil(8) * 8) as u32)
            }
            TypeClass::Compound { members } => {
                let n = u16::try_from(members.len())
                    .map_err(|_| overflow("compound member count", w))?;
                (6, u32::from(n))
            }
            TypeClass::Reference { kind } => {
                let t = match kind {
                    ReferenceKind::Object => 0,
                    ReferenceKind::DatasetRegion => 1,
                    ReferenceKind::Object2 => 2,
                    ReferenceKind::DatasetRegion2 => 3,
                    ReferenceKind::Attribute => 4,
                };
                (7, if kind.is_revised() { t | 0x10 } else { t })
            }
            TypeClass::Enum { members, .. } => {
                let n = u16::try_from(members.len())
                    .map_err(|_| overflow("enumeration member count", w))?;
                (8, u32::from(n))
            }
            TypeClass::VarLen { kind, .. } => match kind {
                VarLenKind::Sequence => (9, 0),
                VarLenKind::String { padding, charset } => (
                    9,
                    1 | (padding_bits(*padding) << 4) | (charset_bits(*charset) << 8),
                ),
            },
            TypeClass::Array { dims, .. } => {
                if dims.len() > MAX_ARRAY_RANK {
                    return Err(overflow("array rank", w));
                }
                (10, 0)
            }
            TypeClass::Complex { form, .. } => {
                let f = match form {
                    ComplexForm::Rectangular => 0,
                    ComplexForm::Polar => 1,
                    ComplexForm::Exponential => 2,
                };
                (11, 1 | (f << 1))
            }
        })
    }

    /// The canonical one-line descriptor of the type (tests/WALK_FORMAT.md, "DESCRIPTOR"):
    /// NumPy's spelling where NumPy has one (`<i4`, `|u1`, `>f8`, `|S8:nullpad:ascii`),
    /// otherwise a spelled-out form (`compound(16)[id@0:<i8,x@8:<f8]`, `vlen(<i4)`, ...).
    ///
    /// Byte order renders as `<` or `>` (`v` for VAX, which the table does not cover), and as
    /// `|` for every one-byte atomic type; integers whose precision or bit offset leave bits
    /// unused render as `int(<order><size>,<i|u>,p<precision>,o<offset>)`. Enum values render
    /// as integers of the base type when it is an integer of at most 8 bytes, otherwise as
    /// `0x` and the bytes in hex.
    pub fn descriptor(&self) -> String {
        let mut s = String::new();
        self.write_descriptor(&mut s);
        s
    }

    fn write_descriptor(&self, s: &mut String) {
        let size = self.size;
        // Writing to a String cannot fail.
        let _ = match &self.class {
            TypeClass::FixedPoint {
                order,
                signed,
                bit_offset,
                precision,
                ..
            } => {
                let o = sized_order_char(size, *order);
                let c = if *signed { 'i' } else { 'u' };
                // Integers that do not use every bit (n-bit data) spell out precision and
                // offset, so they stay apart from the full-width NumPy types.
                if u32::from(*precision) == size.saturating_mul(8) && *bit_offset == 0 {
                    write!(s, "{o}{c}{size}")
                } else {
                    write!(s, "int({o}{size},{c},p{precision},o{bit_offset})")
                }
            }
            TypeClass::FloatingPoint {
                order,
                sign_location,
                exponent_location,
                exponent_size,
                mantissa_location,
                mantissa_size,
                exponent_bias,
                ..
            } => {
                if self.is_standard_ieee_float() {
                    write!(s, "{}f{size}", order_char(*order))
                } else {
                    write!(
                        s,
                        "float({}{size},s{sign_location},e{exponent_location}:{exponent_size},\
                         m{mantissa_location}:{mantissa_size},b{exponent_bias})",
                        sized_order_char(size, *order)
                    )
                }
            }
            TypeClass::Time { order, .. } => {
                write!(s, "time({}{size})", sized_order_char(size, *order))
            }
            TypeClass::String { padding, charset } => write!(
                s,
                "|S{size}:{}:{}",
                padding_name(*padding),
                charset_name(*charset)
            ),
            TypeClass::Bitfield { order, .. } => {
                write!(s, "bitfield({}{size})", sized_order_char(size, *order))
            }
            TypeClass::Opaque { tag } => write!(s, "opaque({size},\"{tag}\")"),
            TypeClass::Compound { members } => {
                let _ = write!(s, "compound({size})[");
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    let _ = write!(s, "{}@{}:", m.name, m.offset);
                    match &m.v1_array {
                        // The C library turns a version-1 array member into an array type.
                        Some(a) => {
                            s.push_str("array(");
                            m.dtype.write_descriptor(s);
                            write_dims(s, &a.dims);
                            s.push(')');
                        }
                        None => m.dtype.write_descriptor(s),
                    }
                }
                s.push(']');
                Ok(())
            }
            TypeClass::Reference { kind } => s.write_str(match kind {
                ReferenceKind::Object => "ref(object)",
                ReferenceKind::DatasetRegion => "ref(region)",
                _ => "ref(v2)",
            }),
            TypeClass::Enum { base, members } => {
                s.push_str("enum(");
                base.write_descriptor(s);
                s.push_str(")[");
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    let _ = write!(s, "{}=", m.name);
                    write_enum_value(s, base, &m.value);
                }
                s.push(']');
                Ok(())
            }
            TypeClass::VarLen { kind, base } => match kind {
                VarLenKind::Sequence => {
                    s.push_str("vlen(");
                    base.write_descriptor(s);
                    s.push(')');
                    Ok(())
                }
                VarLenKind::String { padding, charset } => write!(
                    s,
                    "str:{}:{}",
                    padding_name(*padding),
                    charset_name(*charset)
                ),
            },
            TypeClass::Array { dims, base } => {
                s.push_str("array(");
                base.write_descriptor(s);
                write_dims(s, dims);
                s.push(')');
                Ok(())
            }
            TypeClass::Complex { base, .. } => {
                s.push_str("complex(");
                base.write_descriptor(s);
                s.push(')');
                Ok(())
            }
        };
    }

    /// True for an IEEE 754 binary16/32/64 float in its standard layout (the C library's
    /// `H5T_IEEE_F16/32/64` in either byte order).
    pub fn is_standard_ieee_float(&self) -> bool {
        let TypeClass::FloatingPoint {
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
        } = &self.class
        else {
            return false;
        };
        let expected: (u8, u8, u8, u8, u32) = match self.size {
            2 => (15, 10, 5, 10, 15),
            4 => (31, 23, 8, 23, 127),
            8 => (63, 52, 11, 52, 1023),
            _ => return false,
        };
        *order != ByteOrder::Vax
            && !pad_lo
            && !pad_hi
            && !pad_internal
            && *normalization == MantissaNorm::Implied
            && *bit_offset == 0
            && u32::from(*precision) == self.size * 8
            && *mantissa_location == 0
            && (
                *sign_location,
                *exponent_location,
                *exponent_size,
                *mantissa_size,
                *exponent_bias,
            ) == expected
    }
}

fn order_char(order: ByteOrder) -> char {
    match order {
        ByteOrder::LittleEndian => '<',
        ByteOrder::BigEndian => '>',
        ByteOrder::Vax => 'v',
    }
}

/// The order character of an atomic type of `size` bytes: a single byte has no order (`|`,
/// as NumPy writes `|u1`).
fn sized_order_char(size: u32, order: ByteOrder) -> char {
    if size == 1 {
        '|'
    } else {
        order_char(order)
    }
}

fn write_dims(s: &mut String, dims: &[u32]) {
    s.push_str(",[");
    for (i, d) in dims.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{d}");
    }
    s.push(']');
}

fn write_enum_value(s: &mut String, base: &Datatype, value: &[u8]) {
    if let TypeClass::FixedPoint { order, signed, .. } = &base.class {
        if !value.is_empty() && value.len() <= 8 && *order != ByteOrder::Vax {
            let mut v: u64 = 0;
            for i in 0..value.len() {
                let b = if *order == ByteOrder::BigEndian {
                    value[i]
                } else {
                    value[value.len() - 1 - i]
                };
                v = (v << 8) | u64::from(b);
            }
            let bits = value.len() * 8;
            let _ = if *signed {
                // Sign-extend from the type's width.
                let shift = 64 - bits as u32;
                write!(s, "{}", ((v << shift) as i64) >> shift)
            } else {
                write!(s, "{v}")
            };
            return;
        }
    }
    s.push_str("0x");
    for b in value {
        let _ = write!(s, "{b:02x}");
    }
}

impl core::fmt::Display for Datatype {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.descriptor())
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

    fn decode(bytes: &[u8]) -> Result<Datatype> {
        let mut c = Cursor::new(bytes, 0x100, "object header");
        let dt = Datatype::decode(&mut c, &Context::DEFAULT)?;
        assert!(c.is_empty(), "trailing bytes after the datatype");
        assert_eq!(c.structure(), "object header");
        Ok(dt)
    }

    fn encode(dt: &Datatype) -> Vec<u8> {
        let mut w = Writer::new();
        dt.encode(&mut w, &Context::DEFAULT).unwrap();
        assert_eq!(w.len(), dt.encoded_len());
        w.into_inner()
    }

    /// Decodes, checks the descriptor and that re-encoding gives the same bytes.
    fn check(bytes: &[u8], descriptor: &str) -> Datatype {
        let dt = decode(bytes).unwrap();
        assert_eq!(dt.descriptor(), descriptor);
        assert_eq!(encode(&dt), bytes);
        dt
    }

    // The byte images below were written by libhdf5 1.10.8: /tmp programs built with h5cc
    // created one dataset per type (H5Fcreate with the default, i.e. earliest, format, or
    // with H5Pset_libver_bounds(LATEST, LATEST)) and printed H5Tencode(H5Dget_type(dset))
    // minus its 2-byte prefix; each image was then found verbatim in the written file
    // (offsets noted), so it is the stored Datatype message.

    /// H5T_STD_I32LE (earliest.h5 at 0x358).
    const I32LE: &str = "10 08 00 00 04 00 00 00 00 00 20 00";
    /// H5T_STD_U16BE (earliest.h5 at 0x5b0).
    const U16BE: &str = "10 01 00 00 02 00 00 00 00 00 10 00";
    /// H5T_IEEE_F64LE (earliest.h5 at 0x6c0).
    const F64LE: &str = "11 20 3f 00 08 00 00 00 00 00 40 00 34 0b 00 34 ff 03 00 00";
    /// H5T_C_S1 resized to 8, H5T_STR_NULLPAD (earliest.h5 at 0x7d0).
    const S8: &str = "13 01 00 00 08 00 00 00";
    /// Variable-length string, H5T_CSET_UTF8 (earliest.h5 at 0x8e0; on disk the element is
    /// 16 bytes: length + global heap ID).
    const VSTR: &str = "19 01 01 00 10 00 00 00 10 00 00 00 01 00 00 00 00 00 08 00";
    /// compound(40){id: i64 @0, pos: compound(8){x: f32 @0, y: f32 @4} @8, v: f64[3] @16},
    /// earliest format: the array member makes it version 2 (earliest.h5 at 0x9f0).
    const NESTED_V2: &str = "26 03 00 00 28 00 00 00 69 64 00 00 00 00 00 00
        00 00 00 00 10 08 00 00 08 00 00 00 00 00 40 00 70 6f 73 00 00 00 00 00
        08 00 00 00 26 02 00 00 08 00 00 00 78 00 00 00 00 00 00 00 00 00 00 00
        11 20 1f 00 04 00 00 00 00 00 20 00 17 08 00 17 7f 00 00 00 79 00 00 00
        00 00 00 00 04 00 00 00 11 20 1f 00 04 00 00 00 00 00 20 00 17 08 00 17
        7f 00 00 00 76 00 00 00 00 00 00 00 10 00 00 00 2a 00 00 00 18 00 00 00
        01 00 00 00 03 00 00 00 00 00 00 00 11 20 3f 00 08 00 00 00 00 00 40 00
        34 0b 00 34 ff 03 00 00";
    /// The same compound in the latest format: version 3 (latest.h5 at 0x6b2).
    const NESTED_V3: &str = "36 03 00 00 28 00 00 00 69 64 00 00 10 08 00 00
        08 00 00 00 00 00 40 00 70 6f 73 00 08 36 02 00 00 08 00 00 00 78 00 00
        11 20 1f 00 04 00 00 00 00 00 20 00 17 08 00 17 7f 00 00 00 79 00 04 11
        20 1f 00 04 00 00 00 00 00 20 00 17 08 00 17 7f 00 00 00 76 00 10 3a 00
        00 00 18 00 00 00 01 03 00 00 00 11 20 3f 00 08 00 00 00 00 00 40 00 34
        0b 00 34 ff 03 00 00";
    const NESTED_DESC: &str =
        "compound(40)[id@0:<i8,pos@8:compound(8)[x@0:<f4,y@4:<f4],v@16:array(<f8,[3])]";
    /// h5py's bool: enum over H5T_STD_I8LE {FALSE=0, TRUE=1} (earliest.h5 at 0xb10).
    const BOOL_V1: &str = "18 02 00 00 01 00 00 00 10 08 00 00 01 00 00 00 00 00 08 00
        46 41 4c 53 45 00 00 00 54 52 55 45 00 00 00 00 00 01";
    /// The same enum in the latest format (latest.h5 at 0x7fc): names not padded.
    const BOOL_V3: &str = "38 02 00 00 01 00 00 00 10 08 00 00 01 00 00 00 00 00 08 00
        46 41 4c 53 45 00 54 52 55 45 00 00 01";
    /// H5Tvlen_create(H5T_STD_I32LE) (earliest.h5 at 0xc20).
    const VLEN_I32: &str = "19 00 00 00 10 00 00 00 10 08 00 00 04 00 00 00 00 00 20 00";
    /// H5T_STD_REF_OBJ (earliest.h5 at 0x1148).
    const OBJ_REF: &str = "17 00 00 00 08 00 00 00";
    /// H5T_STD_REF_DSETREG (earliest.h5 at 0x2268).
    const REGION_REF: &str = "17 01 00 00 0c 00 00 00";
    /// compound(16){id: i64 @0, x: f64 @8} in the earliest format: version 1, with the
    /// 28-byte member array information (earliest.h5 at 0xd30).
    const CMP_V1: &str = "16 02 00 00 10 00 00 00 69 64 00 00 00 00 00 00
        00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        00 00 00 00 00 00 00 00 10 08 00 00 08 00 00 00 00 00 40 00 78 00 00 00
        00 00 00 00 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        00 00 00 00 00 00 00 00 00 00 00 00 11 20 3f 00 08 00 00 00 00 00 40 00
        34 0b 00 34 ff 03 00 00";
    /// The same compound in the latest format (latest.h5 at 0xa92): 1-byte member offsets.
    const CMP_V3: &str = "36 02 00 00 10 00 00 00 69 64 00 00 10 08 00 00 08 00 00 00
        00 00 40 00 78 00 08 11 20 3f 00 08 00 00 00 00 00 40 00 34 0b 00 34 ff 03 00 00";

    fn i64le() -> Datatype {
        Datatype::integer(8, true, ByteOrder::LittleEndian)
    }

    #[test]
    fn libhdf5_integers() {
        let dt = check(&hx(I32LE), "<i4");
        assert_eq!(dt.version, 1);
        assert_eq!(dt.size, 4);
        assert_eq!(
            dt.class,
            TypeClass::FixedPoint {
                order: ByteOrder::LittleEndian,
                signed: true,
                bit_offset: 0,
                precision: 32,
                pad_lo: false,
                pad_hi: false
            }
        );
        assert_eq!(dt, Datatype::integer(4, true, ByteOrder::LittleEndian));
        let dt = check(&hx(U16BE), ">u2");
        assert_eq!(dt, Datatype::integer(2, false, ByteOrder::BigEndian));
        assert_eq!(dt.element_size(), 2);
    }

    #[test]
    fn libhdf5_f64() {
        let dt = check(&hx(F64LE), "<f8");
        let TypeClass::FloatingPoint {
            order,
            normalization,
            sign_location,
            precision,
            exponent_location,
            exponent_size,
            mantissa_location,
            mantissa_size,
            exponent_bias,
            ..
        } = dt.class
        else {
            panic!("not a float: {dt:?}");
        };
        assert_eq!(order, ByteOrder::LittleEndian);
        assert_eq!(normalization, MantissaNorm::Implied);
        assert_eq!((sign_location, precision), (63, 64));
        assert_eq!((exponent_location, exponent_size), (52, 11));
        assert_eq!(
            (mantissa_location, mantissa_size, exponent_bias),
            (0, 52, 1023)
        );
        assert_eq!(dt, Datatype::ieee_float(8, ByteOrder::LittleEndian));
    }

    #[test]
    fn libhdf5_strings() {
        let dt = check(&hx(S8), "|S8:nullpad:ascii");
        assert_eq!(
            dt.class,
            TypeClass::String {
                padding: StringPadding::NullPad,
                charset: CharSet::Ascii
            }
        );
        let dt = check(&hx(VSTR), "str:nullterm:utf8");
        assert!(dt.is_variable_length());
        assert_eq!(dt.size, 16);
        let TypeClass::VarLen { kind, base } = &dt.class else {
            panic!("not vlen");
        };
        assert_eq!(
            *kind,
            VarLenKind::String {
                padding: StringPadding::NullTerminate,
                charset: CharSet::Utf8
            }
        );
        assert_eq!(**base, Datatype::integer(1, false, ByteOrder::LittleEndian));
        assert_eq!(base.descriptor(), "|u1");
    }

    fn nested_compound() -> Datatype {
        let f32le = Datatype::ieee_float(4, ByteOrder::LittleEndian);
        let f64le = Datatype::ieee_float(8, ByteOrder::LittleEndian);
        let pos = Datatype::new(
            8,
            TypeClass::Compound {
                members: vec![
                    CompoundMember::new("x", 0, f32le.clone()),
                    CompoundMember::new("y", 4, f32le),
                ],
            },
        );
        let v = Datatype::new(
            24,
            TypeClass::Array {
                dims: vec![3],
                base: Box::new(f64le),
            },
        );
        Datatype::new(
            40,
            TypeClass::Compound {
                members: vec![
                    CompoundMember::new("id", 0, i64le()),
                    CompoundMember::new("pos", 8, pos),
                    CompoundMember::new("v", 16, v),
                ],
            },
        )
    }

    #[test]
    fn libhdf5_nested_compound_with_array() {
        let v2 = check(&hx(NESTED_V2), NESTED_DESC);
        assert_eq!(v2.version, 2);
        let TypeClass::Compound { members } = &v2.class else {
            panic!("not compound");
        };
        assert_eq!(members.len(), 3);
        assert_eq!((members[1].name.as_str(), members[1].offset), ("pos", 8));
        // The nested compound was raised to the outer version, its floats were not.
        assert_eq!(members[1].dtype.version, 2);
        assert_eq!(members[0].dtype.version, 1);
        assert_eq!(members[2].dtype.version, 2);
        let v3 = check(&hx(NESTED_V3), NESTED_DESC);
        assert_eq!(v3.version, 3);

        // Versions chosen like libhdf5 for the earliest and the 1.8+ formats.
        let mut built = nested_compound();
        assert_eq!(built, v2);
        assert_eq!(encode(&built), hx(NESTED_V2));
        built.assign_versions(3);
        assert_eq!(built, v3);
        assert_eq!(encode(&built), hx(NESTED_V3));
    }

    #[test]
    fn libhdf5_enum_bool() {
        let dt = check(&hx(BOOL_V1), "enum(|i1)[FALSE=0,TRUE=1]");
        let TypeClass::Enum { base, members } = &dt.class else {
            panic!("not enum");
        };
        assert_eq!(base.descriptor(), "|i1");
        assert_eq!(members[1].name, "TRUE");
        assert_eq!(members[1].value, vec![1]);
        let v3 = check(&hx(BOOL_V3), "enum(|i1)[FALSE=0,TRUE=1]");
        let mut built = dt.clone();
        built.assign_versions(3);
        assert_eq!(built, v3);
    }

    #[test]
    fn libhdf5_vlen_and_references() {
        let dt = check(&hx(VLEN_I32), "vlen(<i4)");
        assert!(dt.is_variable_length() && dt.has_variable_length());
        let dt = check(&hx(OBJ_REF), "ref(object)");
        assert_eq!(
            dt.class,
            TypeClass::Reference {
                kind: ReferenceKind::Object
            }
        );
        assert!(dt.has_reference() && !dt.has_variable_length());
        let dt = check(&hx(REGION_REF), "ref(region)");
        assert_eq!(dt.size, 12);
        assert_eq!(
            dt.class,
            TypeClass::Reference {
                kind: ReferenceKind::DatasetRegion
            }
        );
    }

    #[test]
    fn libhdf5_version1_compound() {
        let desc = "compound(16)[id@0:<i8,x@8:<f8]";
        let v1 = check(&hx(CMP_V1), desc);
        assert_eq!(v1.version, 1);
        let TypeClass::Compound { members } = &v1.class else {
            panic!("not compound");
        };
        assert_eq!(members[1].offset, 8);
        assert_eq!(members[1].v1_array, None);
        let built = Datatype::new(
            16,
            TypeClass::Compound {
                members: vec![
                    CompoundMember::new("id", 0, i64le()),
                    CompoundMember::new("x", 8, Datatype::ieee_float(8, ByteOrder::LittleEndian)),
                ],
            },
        );
        assert_eq!(built, v1);
        let v3 = check(&hx(CMP_V3), desc);
        let mut up = built;
        up.assign_versions(3);
        assert_eq!(up, v3);
    }

    #[test]
    fn libhdf5_latest_compound_with_vlen_members() {
        // compound(32){s: vlen string @0, v: vlen of compound(4){a: i32} @16} written with
        // libver latest (latest2.h5 at 0xf7): the vlen string keeps version 1, the vlen of a
        // compound follows its base to version 3.
        let b = hx(
            "36 02 00 00 20 00 00 00 73 00 00 19 01 00 00 10 00 00 00 10 00 00 00
            01 00 00 00 00 00 08 00 76 00 10 39 00 00 00 10 00 00 00 36 01 00 00 04 00 00 00
            61 00 00 10 08 00 00 04 00 00 00 00 00 20 00",
        );
        let dt = check(
            &b,
            "compound(32)[s@0:str:nullterm:ascii,v@16:vlen(compound(4)[a@0:<i4])]",
        );
        assert!(dt.has_variable_length() && !dt.is_variable_length());
        let s = Datatype::new(
            16,
            TypeClass::VarLen {
                kind: VarLenKind::String {
                    padding: StringPadding::NullTerminate,
                    charset: CharSet::Ascii,
                },
                base: Box::new(Datatype::integer(1, false, ByteOrder::LittleEndian)),
            },
        );
        let inner = Datatype::new(
            4,
            TypeClass::Compound {
                members: vec![CompoundMember::new(
                    "a",
                    0,
                    Datatype::integer(4, true, ByteOrder::LittleEndian),
                )],
            },
        );
        let v = Datatype::new(
            16,
            TypeClass::VarLen {
                kind: VarLenKind::Sequence,
                base: Box::new(inner),
            },
        );
        let mut built = Datatype::new(
            32,
            TypeClass::Compound {
                members: vec![
                    CompoundMember::new("s", 0, s),
                    CompoundMember::new("v", 16, v),
                ],
            },
        );
        assert_eq!(built.version, 1);
        built.assign_versions(3);
        assert_eq!(encode(&built), b);
    }

    #[test]
    fn version1_compound_array_member() {
        // Spec IV.A.2.d, compound properties version 1: member "a" at 0, dimensionality 2,
        // dims 2x3 of u8 (hand-built: libhdf5 1.4+ never writes this form).
        let mut b = hx("16 01 00 00 06 00 00 00 61 00 00 00 00 00 00 00 00 00 00 00");
        b.extend(hx(
            "02 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 03 00 00 00",
        ));
        b.extend(hx(
            "00 00 00 00 00 00 00 00 10 00 00 00 01 00 00 00 00 00 08 00",
        ));
        let dt = check(&b, "compound(6)[a@0:array(|u1,[2,3])]");
        let TypeClass::Compound { members } = &dt.class else {
            panic!("not compound");
        };
        assert_eq!(members[0].v1_array.as_ref().unwrap().dims, vec![2, 3]);
        assert_eq!(members[0].extent(), Some(6));
        // Assigning versions turns the member into an array type (version 2).
        let mut up = dt.clone();
        up.assign_versions(1);
        assert_eq!(up.version, 2);
        assert_eq!(up.descriptor(), dt.descriptor());
    }

    #[test]
    fn spec_built_classes() {
        // Time, big-endian, 32-bit precision (class 2).
        check(&hx("12 01 00 00 04 00 00 00 20 00"), "time(>4)");
        // Bitfield, 2 bytes little-endian (class 4).
        check(&hx("14 00 00 00 02 00 00 00 00 00 10 00"), "bitfield(<2)");
        // One-byte bitfield as libhdf5 writes H5T_NATIVE_B8: no byte order.
        check(&hx("14 00 00 00 01 00 00 00 00 00 08 00"), "bitfield(|1)");
        // N-bit integers as libhdf5 writes them (the n-bit filter fixtures): a u16 with
        // 12 bits at offset 2, a big-endian i32 with 17 bits.
        check(
            &hx("10 00 00 00 02 00 00 00 02 00 0c 00"),
            "int(<2,u,p12,o2)",
        );
        check(
            &hx("10 09 00 00 04 00 00 00 00 00 11 00"),
            "int(>4,i,p17,o0)",
        );
        // Opaque with tag "mytag" padded to 8 (class 5).
        check(
            &hx("15 08 00 00 04 00 00 00 6d 79 74 61 67 00 00 00"),
            "opaque(4,\"mytag\")",
        );
        // Opaque tag of exactly 8 bytes has no NUL.
        check(
            &hx("15 08 00 00 02 00 00 00 61 62 63 64 65 66 67 68"),
            "opaque(2,\"abcdefgh\")",
        );
        // Array version 2 with permutation indices, 2x2 of i16.
        check(
            &hx("2a 00 00 00 08 00 00 00 02 00 00 00 02 00 00 00 02 00 00 00
                 00 00 00 00 01 00 00 00 10 08 00 00 02 00 00 00 00 00 10 00"),
            "array(<i2,[2,2])",
        );
        // bfloat16: a float outside the IEEE layouts.
        check(
            &hx("11 20 0f 00 02 00 00 00 00 00 10 00 07 08 00 07 7f 00 00 00"),
            "float(<2,s15,e7:8,m0:7,b127)",
        );
        // VAX-ordered f4, version 3 (bits 0 and 6).
        let dt = check(
            &hx("31 61 1f 00 04 00 00 00 00 00 20 00 17 08 00 17 81 00 00 00"),
            "float(v4,s31,e23:8,m0:23,b129)",
        );
        assert_eq!(dt.version, 3);
        // Revised references, version 4, encoding version 1 in bits 4-7.
        let dt = check(&hx("47 12 00 00 40 00 00 00"), "ref(v2)");
        assert_eq!(
            dt.class,
            TypeClass::Reference {
                kind: ReferenceKind::Object2
            }
        );
        check(&hx("47 13 00 00 40 00 00 00"), "ref(v2)");
        check(&hx("47 14 00 00 40 00 00 00"), "ref(v2)");
        // Complex (class 11, version 5): homogeneous rectangular pair of f8.
        let dt = check(
            &hx("5b 01 00 00 10 00 00 00 11 20 3f 00 08 00 00 00 00 00 40 00
                 34 0b 00 34 ff 03 00 00"),
            "complex(<f8)",
        );
        let mut fresh = dt.clone();
        fresh.version = 1;
        fresh.assign_versions(1);
        assert_eq!(fresh, dt);
    }

    #[test]
    fn version_choice_of_atomic_and_special_types() {
        let mut r = Datatype::new(
            64,
            TypeClass::Reference {
                kind: ReferenceKind::Attribute,
            },
        );
        assert_eq!(r.version, 4);
        r.assign_versions(5);
        // Atomic types are never raised.
        assert_eq!(r.version, 4);
        let mut i = Datatype::integer(4, true, ByteOrder::BigEndian);
        i.assign_versions(5);
        assert_eq!(i.version, 1);
        let vl = Datatype::new(
            16,
            TypeClass::VarLen {
                kind: VarLenKind::Sequence,
                base: Box::new(nested_compound()),
            },
        );
        assert_eq!(vl.version, 2);
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let e = decode(&hx("10 08 00 00 00 00 00 00 00 00 20 00")).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "datatype size",
                value: 0
            }
        );
        assert_eq!(e.structure, "datatype message");
        let e = decode(&hx("60 08 00 00 04 00 00 00")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnsupportedVersion { version: 6 });
        assert_eq!(e.offset, 0x100);
        let e = decode(&hx("1c 00 00 00 04 00 00 00")).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "datatype class",
                value: 12
            }
        );
        // Truncated float properties.
        let e = decode(&hx("11 20 3f 00 08 00 00 00 00 00 40 00")).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::UnexpectedEof { .. }));
        // 65535 enum members claimed with no bytes for them: refused before allocating.
        let e = decode(&hx(
            "38 ff ff 00 01 00 00 00 10 08 00 00 01 00 00 00 00 00 08 00",
        ))
        .unwrap_err();
        assert!(matches!(e.kind, ErrorKind::UnexpectedEof { .. }));
        // Compound member past the end of the compound.
        let e = decode(&hx(
            "36 01 00 00 04 00 00 00 61 00 02 10 08 00 00 04 00 00 00 00 00 20 00",
        ))
        .unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "compound member offset",
                value: 2
            }
        );
        // Array whose size disagrees with its dimensions.
        let e = decode(&hx(
            "3a 00 00 00 05 00 00 00 01 02 00 00 00 10 00 00 00 02 00 00 00 00 00 10 00",
        ))
        .unwrap_err();
        assert!(matches!(
            e.kind,
            ErrorKind::InvalidValue {
                field: "array datatype size",
                ..
            }
        ));
        // VAX order cannot be written before version 3.
        let mut vax = decode(&hx(
            "31 61 1f 00 04 00 00 00 00 00 20 00 17 08 00 17 81 00 00 00",
        ))
        .unwrap();
        vax.version = 1;
        assert!(vax.encode(&mut Writer::new(), &Context::DEFAULT).is_err());
    }

    #[test]
    fn depth_bomb_is_a_clear_error() {
        // 40 nested 1-element arrays of u8, each: class 10 v3, size 1, rank 1, dim 1.
        let mut b = Vec::new();
        for _ in 0..40 {
            b.extend(hx("3a 00 00 00 01 00 00 00 01 01 00 00 00"));
        }
        b.extend(hx("10 00 00 00 01 00 00 00 00 00 08 00"));
        let e = decode(&b).unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::LimitExceeded {
                limit: "datatype nesting depth",
                requested: 33,
                allowed: 32
            }
        );
        assert!(alloc::format!("{e}").contains("datatype nesting depth"));
        // 32 levels of nesting are fine.
        let mut ok = Vec::new();
        for _ in 0..32 {
            ok.extend(hx("3a 00 00 00 01 00 00 00 01 01 00 00 00"));
        }
        ok.extend(hx("10 00 00 00 01 00 00 00 00 00 08 00"));
        assert!(decode(&ok).is_ok());
    }

    fn order() -> impl Strategy<Value = ByteOrder> {
        prop_oneof![Just(ByteOrder::LittleEndian), Just(ByteOrder::BigEndian)]
    }

    fn padding() -> impl Strategy<Value = StringPadding> {
        prop_oneof![
            Just(StringPadding::NullTerminate),
            Just(StringPadding::NullPad),
            Just(StringPadding::SpacePad)
        ]
    }

    fn charset() -> impl Strategy<Value = CharSet> {
        prop_oneof![Just(CharSet::Ascii), Just(CharSet::Utf8)]
    }

    fn name() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_ ]{0,12}"
    }

    fn integer() -> impl Strategy<Value = Datatype> {
        (
            1u8..=5,
            1u32..=8,
            any::<bool>(),
            order(),
            any::<u16>(),
            any::<u16>(),
        )
            .prop_flat_map(|(version, size, signed, order, bo, pr)| {
                (any::<bool>(), any::<bool>()).prop_map(move |(pad_lo, pad_hi)| Datatype {
                    version,
                    size,
                    class: TypeClass::FixedPoint {
                        order,
                        signed,
                        bit_offset: bo,
                        precision: pr,
                        pad_lo,
                        pad_hi,
                    },
                })
            })
    }

    fn float() -> impl Strategy<Value = Datatype> {
        (
            1u8..=5,
            1u32..=16,
            prop_oneof![order(), Just(ByteOrder::Vax)],
            any::<[bool; 3]>(),
            prop_oneof![
                Just(MantissaNorm::None),
                Just(MantissaNorm::MsbSet),
                Just(MantissaNorm::Implied)
            ],
            any::<[u8; 5]>(),
            any::<(u16, u16, u32)>(),
        )
            .prop_map(|(v, size, order, pads, normalization, b, (bo, pr, bias))| {
                let version = if order == ByteOrder::Vax { v.max(3) } else { v };
                Datatype {
                    version,
                    size,
                    class: TypeClass::FloatingPoint {
                        order,
                        pad_lo: pads[0],
                        pad_hi: pads[1],
                        pad_internal: pads[2],
                        normalization,
                        sign_location: b[0],
                        bit_offset: bo,
                        precision: pr,
                        exponent_location: b[1],
                        exponent_size: b[2],
                        mantissa_location: b[3],
                        mantissa_size: b[4],
                        exponent_bias: bias,
                    },
                }
            })
    }

    fn leaf() -> impl Strategy<Value = Datatype> {
        let v = 1u8..=5;
        prop_oneof![
            integer(),
            float(),
            (v.clone(), 1u32..=8, order(), any::<u16>()).prop_map(|(version, size, order, p)| {
                Datatype {
                    version,
                    size,
                    class: TypeClass::Time {
                        order,
                        precision: p,
                    },
                }
            }),
            (v.clone(), 1u32..=40, padding(), charset()).prop_map(
                |(version, size, padding, charset)| Datatype {
                    version,
                    size,
                    class: TypeClass::String { padding, charset },
                }
            ),
            (
                v.clone(),
                1u32..=8,
                order(),
                any::<(u16, u16, bool, bool)>()
            )
                .prop_map(|(version, size, order, (bo, pr, lo, hi))| Datatype {
                    version,
                    size,
                    class: TypeClass::Bitfield {
                        order,
                        bit_offset: bo,
                        precision: pr,
                        pad_lo: lo,
                        pad_hi: hi,
                    },
                }),
            (v.clone(), 1u32..=64, "[ -~]{0,30}").prop_map(|(version, size, tag)| Datatype {
                version,
                size,
                class: TypeClass::Opaque { tag },
            }),
            (
                v,
                1u32..=64,
                prop_oneof![
                    Just(ReferenceKind::Object),
                    Just(ReferenceKind::DatasetRegion),
                    Just(ReferenceKind::Object2),
                    Just(ReferenceKind::DatasetRegion2),
                    Just(ReferenceKind::Attribute)
                ]
            )
                .prop_map(|(version, size, kind)| Datatype {
                    version,
                    size,
                    class: TypeClass::Reference { kind },
                }),
        ]
    }

    fn compound(inner: BoxedStrategy<Datatype>) -> impl Strategy<Value = Datatype> {
        (
            1u8..=5,
            prop::collection::vec(
                (
                    name(),
                    inner,
                    0u32..4,
                    prop::option::of(prop::collection::vec(1u32..4, 1..=4)),
                ),
                1..4,
            ),
            0u32..300,
        )
            .prop_map(|(version, raw, tail)| {
                let mut offset = 0u32;
                let mut members = Vec::new();
                for (name, dtype, gap, dims) in raw {
                    offset += gap;
                    let v1_array = dims.filter(|_| version == 1).map(|dims| V1ArrayDims {
                        dims,
                        permutation: 0,
                    });
                    let m = CompoundMember {
                        name,
                        offset,
                        dtype,
                        v1_array,
                    };
                    offset += m.extent().unwrap() as u32;
                    members.push(m);
                }
                Datatype {
                    version,
                    size: offset + tail,
                    class: TypeClass::Compound { members },
                }
            })
    }

    fn datatype() -> impl Strategy<Value = Datatype> {
        leaf().prop_recursive(4, 24, 4, |inner| {
            let inner = inner.boxed();
            prop_oneof![
                compound(inner.clone()),
                (1u8..=5, inner.clone(), any::<bool>(), padding(), charset()).prop_map(
                    |(version, base, seq, padding, charset)| Datatype {
                        version,
                        size: 16,
                        class: TypeClass::VarLen {
                            kind: if seq {
                                VarLenKind::Sequence
                            } else {
                                VarLenKind::String { padding, charset }
                            },
                            base: Box::new(base),
                        },
                    }
                ),
                (1u8..=5, inner, prop::collection::vec(1u32..4, 0..4)).prop_map(
                    |(version, base, dims)| Datatype {
                        version,
                        size: dims.iter().product::<u32>() * base.size,
                        class: TypeClass::Array {
                            dims,
                            base: Box::new(base),
                        },
                    }
                ),
                (1u8..=5, integer(), prop::collection::vec(name(), 0..5)).prop_map(
                    |(version, base, names)| {
                        let members = names
                            .into_iter()
                            .enumerate()
                            .map(|(i, name)| EnumMember {
                                name,
                                value: (i as u64).to_le_bytes()[..base.size as usize].to_vec(),
                            })
                            .collect();
                        Datatype {
                            version,
                            size: base.size,
                            class: TypeClass::Enum {
                                base: Box::new(base),
                                members,
                            },
                        }
                    }
                ),
                (1u8..=5, float(), 0u8..3).prop_map(|(version, base, f)| Datatype {
                    version,
                    size: base.size * 2,
                    class: TypeClass::Complex {
                        base: Box::new(base),
                        form: [
                            ComplexForm::Rectangular,
                            ComplexForm::Polar,
                            ComplexForm::Exponential,
                        ][usize::from(f)],
                    },
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn round_trip(dt in datatype()) {
            let bytes = encode(&dt);
            let back = decode(&bytes).unwrap();
            prop_assert_eq!(&back, &dt);
            prop_assert_eq!(encode(&back), bytes);
            // The descriptor renders every type without panicking.
            prop_assert!(!dt.descriptor().is_empty());
        }

        #[test]
        fn assigned_versions_encode_and_round_trip(mut dt in datatype(), floor in 1u8..=5) {
            dt.assign_versions(floor);
            let bytes = encode(&dt);
            prop_assert_eq!(decode(&bytes).unwrap(), dt);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut c = Cursor::new(&bytes, 0, "t");
            if let Ok(dt) = Datatype::decode(&mut c, &Context::DEFAULT) {
                let _ = dt.descriptor();
                let mut w = Writer::new();
                let _ = dt.encode(&mut w, &Context::DEFAULT);
            }
        }
    }
}
