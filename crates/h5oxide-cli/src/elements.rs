//! Stored elements of one file re-encoded for another: variable-length data read from the
//! input's global heap and handed to the writer as new heap objects, and references
//! rewritten to the addresses the referenced objects have in the output.
//!
//! The writer stores 8-byte addresses (spec III.E: a heap ID is an address and a 4-byte
//! index). An input with other sizes of offsets (superblock field "size of offsets") stores
//! references and heap IDs in fewer bytes: they are read with the input's size and written
//! in the 8-byte encoding, in a type whose compound members move by the bytes gained
//! ([`output_type`]), as libhdf5 lays out such a type for a file of other sizes.

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::path::Path;

use h5oxide::format::heap::global::{GlobalHeapCollection, GlobalHeapId};
use h5oxide::format::object_header::message::datatype::{
    Datatype, ReferenceKind, TypeClass, VarLenKind,
};
use h5oxide::format::object_header::message::datatype::{
    REVISED_REF_EXTERNAL as REF_EXTERNAL, REVISED_REF_OBJECT2 as REF_OBJECT2,
};
use h5oxide::format::object_header::message::fill_value::FillValue;
use h5oxide::format::object_header::message::{self as msg, Message};
use h5oxide::format::selection::{Hyperslab, HyperslabShape, PointSelection, Selection};
use h5oxide::format::{Context, Cursor, Limits, Writer, UNDEFINED_ADDRESS};
use h5oxide::types::Reference;
use h5oxide::write::types::Elements;

use crate::check::Source;
use crate::repack::BoxError;

/// Nesting depth of types followed (sequences of compounds of arrays ...).
const MAX_DEPTH: u32 = 32;
/// Heap collections kept decoded at once.
const CACHE_COLLECTIONS: usize = 64;
/// Bytes of a heap ID and of an address in the files written.
const HEAP_ID: usize = 12;
/// Bytes of heap data re-encoded per call of [`Input::encode`]: many elements may name
/// one large heap object, so the output is bounded apart from the input's size.
const MAX_HEAP_BYTES: u64 = 1 << 32;

/// A reference names an object of the input whose copy does not exist yet.
#[derive(Debug)]
pub struct NotYet(pub u64);

impl fmt::Display for NotYet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the object at {:#x} is not copied yet", self.0)
    }
}

impl Error for NotYet {}

/// `sel` in the oldest encoding that holds it, as libhdf5 1.8/1.10 write it: files of the
/// newest formats store hyperslabs in version 3 (spec VIII.C), which those versions cannot
/// read.
pub fn oldest_encoding(sel: Selection) -> Selection {
    match sel {
        Selection::Points(p) => Selection::Points(PointSelection::new(p.rank, p.points)),
        Selection::Hyperslab(h) => Selection::Hyperslab(match h.shape {
            HyperslabShape::Regular(dims) => Hyperslab::regular(dims),
            HyperslabShape::Irregular(blocks) => Hyperslab::irregular(h.rank, blocks),
        }),
        other => other,
    }
}

/// True if the revised references `r` (of the input) and `s` (of the copy) name the same
/// target: objects of this file for which `same_object` holds, objects of another file at
/// the same address, and the same selection and rank, or attribute name.
pub fn revised_equal(r: &Reference, s: &Reference, same_object: &dyn Fn(u64, u64) -> bool) -> bool {
    let same = match (r.file(), s.file(), r.address(), s.address()) {
        (None, None, Some(a), Some(b)) => same_object(a, b),
        (Some(f), Some(g), a, b) => f == g && a == b,
        (None, None, None, None) => true,
        _ => false,
    };
    same && match (r, s) {
        (Reference::Null, Reference::Null) => true,
        (Reference::Object { .. }, Reference::Object { .. }) => true,
        (
            Reference::Region {
                selection: a,
                rank: x,
                ..
            },
            Reference::Region {
                selection: b,
                rank: y,
                ..
            },
        ) => a == b && x == y,
        (Reference::Attribute { name: a, .. }, Reference::Attribute { name: b, .. }) => a == b,
        _ => false,
    }
}

/// True if elements of `t` hold data that must be re-encoded: variable-length data or
/// references.
pub fn needs_encoding(t: &Datatype) -> bool {
    t.has_variable_length() || t.has_reference()
}

/// Bytes of an object reference and of a variable-length element in the files written.
const OBJECT_REF: u32 = 8;
const VAR_LEN: u32 = 16;

/// `t`, a type of a file with `offsets`-byte addresses, as the writer stores it (8-byte
/// addresses): object references of 8 bytes, region references of 12 (spec VIII.C),
/// variable-length elements of 16 (spec IV.A.2.d class 9), arrays and compounds holding them
/// grown to match, each compound member moved by what the members before it gained.
///
/// # Errors
/// Types nested too deeply, and sizes that overflow.
pub fn output_type(t: &Datatype, offsets: usize) -> Result<Datatype, BoxError> {
    widen(t, offsets, 0)
}

fn widen(t: &Datatype, offsets: usize, depth: u32) -> Result<Datatype, BoxError> {
    if offsets == 8 || !needs_encoding(t) {
        return Ok(t.clone());
    }
    if depth > MAX_DEPTH {
        return Err("types nested too deeply".into());
    }
    let mut out = t.clone();
    match &mut out.class {
        TypeClass::Reference { kind } => match kind {
            ReferenceKind::Object => out.size = OBJECT_REF,
            ReferenceKind::DatasetRegion => out.size = HEAP_ID as u32,
            // Revised references keep their own encoding.
            _ => {}
        },
        TypeClass::VarLen { base, .. } => {
            **base = widen(base, offsets, depth + 1)?;
            out.size = VAR_LEN;
        }
        TypeClass::Array { dims, base } => {
            **base = widen(base, offsets, depth + 1)?;
            out.size = dims
                .iter()
                .try_fold(base.size, |a, &n| a.checked_mul(n))
                .ok_or("an array type too large")?;
        }
        TypeClass::Compound { members } => {
            // Members in the order of their offsets, each moved by the growth of those
            // before it.
            let mut order: Vec<usize> = (0..members.len()).collect();
            order.sort_by_key(|&i| members[i].offset);
            let mut gained = 0u32;
            for i in order {
                let m = &mut members[i];
                let old = m.dtype.size;
                m.dtype = widen(&m.dtype, offsets, depth + 1)?;
                m.offset = m
                    .offset
                    .checked_add(gained)
                    .ok_or("a compound type too large")?;
                gained = gained
                    .checked_add(m.dtype.size.saturating_sub(old))
                    .ok_or("a compound type too large")?;
            }
            out.size = out
                .size
                .checked_add(gained)
                .ok_or("a compound type too large")?;
        }
        _ => {}
    }
    Ok(out)
}

/// The input file read directly: its global heap (with a small cache of collections) and
/// its object headers.
pub struct Input {
    src: Source,
    ctx: Context,
    cache: HashMap<u64, GlobalHeapCollection>,
    /// Heap bytes copied by the current [`Input::encode`].
    copied: u64,
}

impl Input {
    /// Opens the file at `path` for reading.
    ///
    /// # Errors
    /// An unreadable file or superblock.
    pub fn open(path: &Path) -> Result<Input, BoxError> {
        let (src, ctx) = crate::check::open_source(path)?;
        Ok(Input {
            src,
            ctx,
            cache: HashMap::new(),
            copied: 0,
        })
    }

    /// Bytes of an address in the input (its superblock's size of offsets).
    pub fn offsets(&self) -> usize {
        self.ctx.sizeof_offsets()
    }

    /// An address of `self.offsets()` bytes, little-endian; all ones (undefined) stays
    /// all ones in 8 bytes.
    fn address(&self, b: &[u8]) -> Result<u64, BoxError> {
        let n = self.offsets();
        let b = b.get(..n).ok_or("an element shorter than its type")?;
        if b.iter().all(|&x| x == 0xff) {
            return Ok(UNDEFINED_ADDRESS);
        }
        Ok(b.iter().rev().fold(0u64, |a, &x| (a << 8) | u64::from(x)))
    }

    /// The fill value message (spec IV.A.2.f, the new form) of the object at `address`:
    /// its times and whether the value is undefined, default or set.
    ///
    /// # Errors
    /// An unreadable object header.
    pub fn fill_message(&self, address: u64) -> Result<Option<FillValue>, BoxError> {
        let h = h5oxide::format::object_header::read_object_header(
            &self.src,
            address,
            &self.ctx,
            &Limits::DEFAULT,
        )?;
        for raw in &h.messages {
            if let Ok(Message::FillValue(f)) = msg::decode(raw, &self.ctx) {
                return Ok(Some(f));
            }
        }
        Ok(None)
    }

    fn heap_object(&mut self, id: &GlobalHeapId) -> Result<Vec<u8>, BoxError> {
        if !self.cache.contains_key(&id.collection) {
            if self.cache.len() >= CACHE_COLLECTIONS {
                self.cache.clear();
            }
            let c =
                GlobalHeapCollection::read(&self.src, id.collection, &self.ctx, &Limits::DEFAULT)?;
            self.cache.insert(id.collection, c);
        }
        let found = u16::try_from(id.index).ok().and_then(|i| {
            let c = self.cache.get(&id.collection)?;
            // Objects are stored in index order as writers number them: a direct look
            // first, a search otherwise.
            c.objects
                .get(usize::from(i).wrapping_sub(1))
                .filter(|o| o.index == i)
                .or_else(|| c.object(i))
        });
        match found {
            Some(o) => {
                self.copied = self.copied.saturating_add(o.data.len() as u64);
                if self.copied > MAX_HEAP_BYTES {
                    return Err(format!(
                        "more than {MAX_HEAP_BYTES} bytes of variable-length data in one value"
                    )
                    .into());
                }
                Ok(o.data.clone())
            }
            None => Err(format!(
                "global heap collection at {:#x} has no object {}",
                id.collection, id.index
            )
            .into()),
        }
    }

    fn heap_id(&self, b: &[u8], at: u64) -> Result<GlobalHeapId, BoxError> {
        let mut cur = Cursor::new(b, at, "heap ID");
        Ok(GlobalHeapId::decode(&mut cur, &self.ctx)?)
    }

    /// Appends the elements `bytes` (stored elements of `t` in the input, row-major) to
    /// `out` as elements of [`output_type`], their variable-length data read from the input's heap and their object
    /// addresses passed through `remap` (input header address -> output header address).
    ///
    /// # Errors
    /// A malformed or truncated element or heap object, revised (HDF5 1.12) references
    /// with tokens of other than 8 bytes, and what `remap` returns (a [`NotYet`]
    /// when the referenced object is not copied yet).
    pub fn encode(
        &mut self,
        t: &Datatype,
        bytes: &[u8],
        remap: &mut dyn FnMut(u64) -> Result<u64, BoxError>,
        out: &mut Elements,
    ) -> Result<(), BoxError> {
        let size = t.element_size();
        if size == 0 {
            return Err("a type of size 0".into());
        }
        if bytes.len() % size != 0 {
            return Err("stored data is not a whole number of elements".into());
        }
        self.copied = 0;
        for e in bytes.chunks_exact(size) {
            self.element(t, e, remap, out, 0)?;
        }
        Ok(())
    }

    fn element(
        &mut self,
        t: &Datatype,
        b: &[u8],
        remap: &mut dyn FnMut(u64) -> Result<u64, BoxError>,
        out: &mut Elements,
        depth: u32,
    ) -> Result<(), BoxError> {
        if depth > MAX_DEPTH {
            return Err("types nested too deeply".into());
        }
        let short = || -> BoxError { "an element shorter than its type".into() };
        if !needs_encoding(t) {
            out.bytes_mut().extend_from_slice(b);
            return Ok(());
        }
        match &t.class {
            TypeClass::Compound { members } => {
                // The frame keeps every byte (padding included) when the layout stays; the
                // members holding heap data or references are placed over it. A layout
                // that grows (narrower addresses in the input) starts from zeros and
                // every member is placed at its new offset.
                let wide = widen(t, self.offsets(), depth)?;
                let TypeClass::Compound { members: placed } = &wide.class else {
                    return Err("a compound type lost its members".into());
                };
                let same = wide.size == t.size;
                let at = out.bytes().len();
                if same {
                    out.bytes_mut().extend_from_slice(b);
                } else {
                    out.start_element(wide.size as usize);
                }
                for (m, to) in members.iter().zip(placed) {
                    if same && !needs_encoding(&m.dtype) {
                        continue;
                    }
                    let from = m.offset as usize;
                    let mut part = Elements::new();
                    if !needs_encoding(&m.dtype) {
                        // Copied as it is, version 1 array members whole.
                        let n = m.v1_array.as_ref().map_or(Some(1usize), |a| {
                            a.dims
                                .iter()
                                .try_fold(1usize, |x, &d| x.checked_mul(d as usize))
                        });
                        let len = n
                            .and_then(|n| n.checked_mul(m.dtype.element_size()))
                            .ok_or_else(short)?;
                        let end = from.checked_add(len).ok_or_else(short)?;
                        part.bytes_mut()
                            .extend_from_slice(b.get(from..end).ok_or_else(short)?);
                    } else if m.v1_array.is_some() {
                        return Err("version 1 array members holding variable-length data \
                                    or references: not yet supported"
                            .into());
                    } else {
                        let end = from.checked_add(m.dtype.element_size()).ok_or_else(short)?;
                        let part_bytes = b.get(from..end).ok_or_else(short)?;
                        self.element(&m.dtype, part_bytes, remap, &mut part, depth + 1)?;
                    }
                    out.place(at + to.offset as usize, part);
                }
                Ok(())
            }
            TypeClass::Array { base, .. } => {
                let n = base.element_size();
                if n == 0 {
                    return Err("an array of a type of size 0".into());
                }
                for e in b.chunks_exact(n) {
                    self.element(base, e, remap, out, depth + 1)?;
                }
                Ok(())
            }
            TypeClass::Enum { .. } | TypeClass::Complex { .. } => {
                // Their bases are numbers: nothing to re-encode.
                out.bytes_mut().extend_from_slice(b);
                Ok(())
            }
            TypeClass::VarLen { kind, base } => {
                // spec IV.A.2.d class 9 in the file: a 4-byte count and a heap ID.
                let count = u32::from_le_bytes(b.get(..4).ok_or_else(short)?.try_into()?);
                let id = self.heap_id(b.get(4..).ok_or_else(short)?, 0)?;
                if id.is_null() {
                    if count != 0 {
                        return Err("a variable-length value with a count and no data".into());
                    }
                    out.push_var_len(0, Elements::new());
                    return Ok(());
                }
                let data = self.heap_object(&id)?;
                let mut items = Elements::new();
                match kind {
                    VarLenKind::String { .. } => {
                        let s = data
                            .get(..count as usize)
                            .ok_or("a variable-length string longer than its heap object")?;
                        items.bytes_mut().extend_from_slice(s);
                    }
                    VarLenKind::Sequence => {
                        let n = base.element_size();
                        let len = (count as usize)
                            .checked_mul(n)
                            .filter(|&l| l <= data.len())
                            .ok_or("a sequence longer than its heap object")?;
                        if n == 0 && count > 0 {
                            return Err("a sequence of a type of size 0".into());
                        }
                        for e in data[..len].chunks_exact(n.max(1)) {
                            self.element(base, e, remap, &mut items, depth + 1)?;
                        }
                    }
                }
                out.push_var_len(count, items);
                Ok(())
            }
            TypeClass::Reference { kind } => match kind {
                ReferenceKind::Object => {
                    let a = self.address(b)?;
                    let new = if a == 0 || a == UNDEFINED_ADDRESS {
                        a
                    } else {
                        remap(a)?
                    };
                    out.bytes_mut().extend_from_slice(&new.to_le_bytes());
                    Ok(())
                }
                ReferenceKind::DatasetRegion => {
                    // spec VIII.C: a heap object of the dataset's address and the selection.
                    let id = self.heap_id(b, 0)?;
                    if id.is_null() {
                        out.start_element(HEAP_ID);
                        return Ok(());
                    }
                    let data = self.heap_object(&id)?;
                    let n = self.offsets();
                    if data.len() < n {
                        return Err("a region reference heap object shorter than an address".into());
                    }
                    let a = self.address(&data)?;
                    let sel = Selection::decode(&mut Cursor::new(
                        &data[n..],
                        0,
                        "region reference selection",
                    ))?;
                    let mut w = Writer::new();
                    oldest_encoding(sel).encode(&mut w)?;
                    let mut obj = Elements::new();
                    obj.bytes_mut().extend_from_slice(&remap(a)?.to_le_bytes());
                    obj.bytes_mut().extend_from_slice(w.as_slice());
                    out.push_heap_id(obj);
                    Ok(())
                }
                k if k.is_revised() => self.revised(b, remap, out),
                _ => Err("an unknown reference kind".into()),
            },
            _ => {
                out.bytes_mut().extend_from_slice(b);
                Ok(())
            }
        }
    }
}

impl Input {
    /// A revised reference (spec VIII.B) with its token remapped: an object of this file
    /// inline (header, token size, token), every other kind as header, size and heap ID of
    /// the rest of the encoding, whose file name, selection or attribute name are copied as
    /// they are. Tokens of references to another file are kept.
    fn revised(
        &mut self,
        b: &[u8],
        remap: &mut dyn FnMut(u64) -> Result<u64, BoxError>,
        out: &mut Elements,
    ) -> Result<(), BoxError> {
        // Header (2) + size (4) + heap ID (12): libhdf5's element size with 8-byte addresses.
        if b.len() < 2 + 4 + HEAP_ID {
            return Err("a revised reference element shorter than 18 bytes".into());
        }
        let (kind, flags) = (b[0], b[1]);
        let external = flags & REF_EXTERNAL != 0;
        if kind == 0 {
            out.start_element(b.len());
            return Ok(());
        }
        let token = |t: &[u8]| -> Result<(u64, usize), BoxError> {
            let n = usize::from(*t.first().ok_or("a reference without a token")?);
            if n != 8 {
                return Err(format!("a reference token of {n} bytes: not yet supported").into());
            }
            let v = t.get(1..9).ok_or("a reference token past its encoding")?;
            Ok((u64::from_le_bytes(v.try_into()?), 9))
        };
        let mut map = |a: u64| -> Result<u64, BoxError> {
            if external || a == 0 || a == UNDEFINED_ADDRESS {
                Ok(a)
            } else {
                remap(a)
            }
        };
        if kind == REF_OBJECT2 && !external {
            let (a, _) = token(&b[2..])?;
            let at = out.start_element(b.len());
            let e = &mut out.bytes_mut()[at..];
            e[..3].copy_from_slice(&[kind, flags, 8]);
            e[3..11].copy_from_slice(&map(a)?.to_le_bytes());
            return Ok(());
        }
        let id = self.heap_id(&b[6..], 6)?;
        if id.is_null() {
            out.start_element(b.len());
            return Ok(());
        }
        let blob = self.heap_object(&id)?;
        let (a, used) = token(&blob)?;
        let mut data = Elements::new();
        data.bytes_mut().push(8);
        data.bytes_mut().extend_from_slice(&map(a)?.to_le_bytes());
        data.bytes_mut().extend_from_slice(&blob[used..]);
        let at = out.bytes().len();
        out.bytes_mut().extend_from_slice(&[kind, flags]);
        let size = u32::try_from(data.bytes().len())?;
        out.bytes_mut().extend_from_slice(&size.to_le_bytes());
        out.push_heap_id(data);
        // Any bytes of a wider element stay zero.
        out.start_element(b.len() - (out.bytes().len() - at));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use h5oxide::format::object_header::message::datatype::{ByteOrder, CompoundMember};

    fn fixture() -> Input {
        let p =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/files/types_references.h5");
        Input::open(&p).unwrap()
    }

    fn reference(kind: ReferenceKind, size: u32) -> Datatype {
        Datatype::new(size, TypeClass::Reference { kind })
    }

    #[test]
    fn object_references_are_remapped_inside_compounds() {
        let mut input = fixture();
        // {ref at 0, u32 at 8}: h5py's REFERENCE_LIST member layout; /data is at 800
        // (h5dump: DATASET 800 "/data").
        let t = Datatype::new(
            12,
            TypeClass::Compound {
                members: vec![
                    CompoundMember::new("dataset", 0, reference(ReferenceKind::Object, 8)),
                    CompoundMember::new(
                        "dimension",
                        8,
                        Datatype::integer(4, false, ByteOrder::LittleEndian),
                    ),
                ],
            },
        );
        let mut b = 800u64.to_le_bytes().to_vec();
        b.extend_from_slice(&7u32.to_le_bytes());
        // A null reference stays null and is not looked up.
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&9u32.to_le_bytes());
        let mut asked = Vec::new();
        let mut remap = |a: u64| -> Result<u64, BoxError> {
            asked.push(a);
            Ok(0x1234)
        };
        let mut out = Elements::new();
        input.encode(&t, &b, &mut remap, &mut out).unwrap();
        assert_eq!(asked, [800]);
        let mut want = 0x1234u64.to_le_bytes().to_vec();
        want.extend_from_slice(&7u32.to_le_bytes());
        want.extend_from_slice(&[0; 8]);
        want.extend_from_slice(&9u32.to_le_bytes());
        assert_eq!(out.bytes(), want);
        assert!(!out.has_heap_data());
    }

    #[test]
    fn malformed_elements_are_errors() {
        let mut input = fixture();
        let mut remap = |a: u64| -> Result<u64, BoxError> { Ok(a) };
        let seq = Datatype::new(
            16,
            TypeClass::VarLen {
                kind: VarLenKind::Sequence,
                base: Box::new(Datatype::integer(4, true, ByteOrder::LittleEndian)),
            },
        );
        // A count with a null heap ID.
        let mut b = 3u32.to_le_bytes().to_vec();
        b.extend_from_slice(&[0; 12]);
        let e = input.encode(&seq, &b, &mut remap, &mut Elements::new());
        assert!(e.unwrap_err().to_string().contains("no data"));
        // A heap ID past the end of the file.
        let mut b = 3u32.to_le_bytes().to_vec();
        b.extend_from_slice(&(1u64 << 40).to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        assert!(input
            .encode(&seq, &b, &mut remap, &mut Elements::new())
            .is_err());
        // Not a whole number of elements.
        let region = reference(ReferenceKind::DatasetRegion, 12);
        assert!(input
            .encode(&region, &[1; 13], &mut remap, &mut Elements::new())
            .is_err());
        // A revised reference element shorter than libhdf5's 18 bytes.
        let revised = reference(ReferenceKind::Object2, 8);
        let e = input.encode(&revised, &[1; 8], &mut remap, &mut Elements::new());
        assert!(e.unwrap_err().to_string().contains("revised"));
        // A null region reference stays null, with no heap object.
        let mut out = Elements::new();
        input
            .encode(&region, &[0; 12], &mut remap, &mut out)
            .unwrap();
        assert_eq!(out.bytes(), [0; 12]);
        assert!(!out.has_heap_data());
    }

    #[test]
    fn revised_object_tokens_are_remapped_inline() {
        let mut input = fixture();
        let t = reference(ReferenceKind::Object2, 18);
        // An object of this file (type 2, no flags, 8-byte token 0x320, stray bytes after
        // it as libhdf5 leaves them), then a null reference.
        let mut b = vec![2, 0, 8];
        b.extend_from_slice(&0x320u64.to_le_bytes());
        b.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0]);
        b.extend_from_slice(&[0; 18]);
        let mut asked = Vec::new();
        let mut remap = |a: u64| -> Result<u64, BoxError> {
            asked.push(a);
            Ok(a + 0x1000)
        };
        let mut out = Elements::new();
        input.encode(&t, &b, &mut remap, &mut out).unwrap();
        assert_eq!(asked, [0x320]);
        let mut want = vec![2, 0, 8];
        want.extend_from_slice(&0x1320u64.to_le_bytes());
        want.resize(36, 0);
        assert_eq!(out.bytes(), want);
        assert!(!out.has_heap_data());
        // A token of another size is refused.
        let mut b = vec![2, 0, 4, 1, 2, 3, 4];
        b.resize(18, 0);
        let mut same = |a: u64| -> Result<u64, BoxError> { Ok(a) };
        let e = input.encode(&t, &b, &mut same, &mut Elements::new());
        assert!(e.unwrap_err().to_string().contains("4 bytes"));
    }

    #[test]
    fn types_of_four_byte_address_files_widen_as_libhdf5_lays_them_out() {
        // h5dump -p of tests/c/small_offsets.c's /vlen_records: 17 bytes, {a: i8 at 0,
        // v: sequence of i16 at 1 (4 + 4 + 4 bytes), b: i32 at 13}.
        let i8t = Datatype::integer(1, true, ByteOrder::LittleEndian);
        let i16t = Datatype::integer(2, true, ByteOrder::LittleEndian);
        let i32t = Datatype::integer(4, true, ByteOrder::LittleEndian);
        let seq = |size| {
            Datatype::new(
                size,
                TypeClass::VarLen {
                    kind: VarLenKind::Sequence,
                    base: Box::new(i16t.clone()),
                },
            )
        };
        let rec = |size, v: u32, b: u32| {
            Datatype::new(
                size,
                TypeClass::Compound {
                    members: vec![
                        CompoundMember::new("a", 0, i8t.clone()),
                        CompoundMember::new("v", 1, seq(v)),
                        CompoundMember::new("b", b, i32t.clone()),
                    ],
                },
            )
        };
        assert_eq!(output_type(&rec(17, 12, 13), 4).unwrap(), rec(21, 16, 17));
        // Arrays of them grow with their base; 8-byte files keep their types.
        let arr = |base: Datatype| {
            Datatype::new(
                base.size * 3,
                TypeClass::Array {
                    dims: vec![3],
                    base: Box::new(base),
                },
            )
        };
        assert_eq!(output_type(&arr(seq(12)), 4).unwrap(), arr(seq(16)));
        assert_eq!(output_type(&rec(17, 12, 13), 8).unwrap(), rec(17, 12, 13));
        // References keep libhdf5's slots: 8 bytes (object), 12 (region).
        let obj = reference(ReferenceKind::Object, 8);
        assert_eq!(output_type(&obj, 4).unwrap(), obj);
        let region = reference(ReferenceKind::DatasetRegion, 12);
        assert_eq!(output_type(&region, 4).unwrap(), region);
        // Plain types are untouched.
        assert_eq!(output_type(&i32t, 4).unwrap(), i32t);
    }

    #[test]
    fn not_yet_is_told_apart() {
        let e: BoxError = Box::new(NotYet(5));
        assert!(e.is::<NotYet>());
        assert!(e.to_string().contains("0x5"));
    }
}
