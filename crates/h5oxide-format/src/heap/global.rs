//! Global heap collections, "GCOL" (spec III.E), and global heap IDs.
//!
//! A collection is a header (signature, version 1, collection size) followed by objects,
//! each a header — index u16, reference count u16, 4 reserved bytes, size — and its data
//! padded to a multiple of 8. libhdf5 pads both headers to a multiple of 8 as well
//! (`H5HG_SIZEOF_HDR`, `H5HG_SIZEOF_OBJHDR`), which matters only for lengths of 2 or 4 bytes. Object 0 is the free space at the
//! end; when fewer bytes remain than an object header, the free space is implied.

use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};
use crate::limits::Limits;
use crate::source::{read_structure, ReadAt};

/// The collection signature.
pub const SIGNATURE: &[u8; 4] = b"GCOL";

/// The only collection version (spec III.E: there is no version 0).
pub const VERSION: u8 = 1;

/// The smallest collection libhdf5 creates (`H5HG_MINSIZE`).
pub const MIN_COLLECTION_SIZE: u64 = 4096;

const STRUCTURE: &str = "global heap collection";

/// Bytes of the collection header: signature, version, reserved, collection size, padded
/// to 8.
pub fn header_len(ctx: &Context) -> usize {
    (8 + ctx.sizeof_lengths()).next_multiple_of(8)
}

/// Bytes of an object header: index, reference count, reserved, object size, padded to 8.
pub fn object_header_len(ctx: &Context) -> usize {
    (8 + ctx.sizeof_lengths()).next_multiple_of(8)
}

/// Padding after the size field of either header.
fn header_pad(ctx: &Context) -> usize {
    object_header_len(ctx) - 8 - ctx.sizeof_lengths()
}

fn align8(n: u64) -> Option<u64> {
    n.checked_add(7).map(|v| v & !7)
}

/// One object of a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalHeapObject {
    /// The object's index, unique within the collection (never 0).
    pub index: u16,
    /// How many references to the object exist (libhdf5 leaves 0 for variable-length data).
    pub refcount: u16,
    /// The object's bytes (without padding).
    pub data: Vec<u8>,
}

/// A decoded global heap collection (spec III.E).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalHeapCollection {
    /// Size of the whole collection in bytes, header included.
    pub collection_size: u64,
    /// The objects, in storage order (object 0, the free space, excluded).
    pub objects: Vec<GlobalHeapObject>,
}

impl GlobalHeapCollection {
    /// Decodes a collection; the cursor must hold the whole collection.
    ///
    /// # Errors
    /// `BadSignature`; `UnsupportedVersion` unless version 1; `InvalidValue` if the
    /// collection size is smaller than its header or an object's size runs past the
    /// collection; `UnexpectedEof` if the cursor holds less than the collection size.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        let mut cur = cur.clone().named(STRUCTURE);
        let collection_size = decode_header(&mut cur, ctx)?;
        let body_len = collection_size - header_len(ctx) as u64;
        let body_len = usize::try_from(body_len).unwrap_or(usize::MAX);
        let mut body = cur.split(body_len)?;
        let mut objects = Vec::new();
        while body.remaining() >= object_header_len(ctx) {
            let obj_at = body.offset();
            let index = body.u16()?;
            let refcount = body.u16()?;
            body.skip(4)?;
            let size = body.length_field(ctx)?;
            body.skip(header_pad(ctx))?;
            if index == 0 {
                // Object 0 is the free space; its size counts its own header and it is last.
                break;
            }
            let padded = align8(size)
                .and_then(|p| usize::try_from(p).ok())
                .filter(|&p| p <= body.remaining())
                .ok_or_else(|| {
                    FormatError::new(
                        ErrorKind::InvalidValue {
                            field: "object size",
                            value: size,
                        },
                        STRUCTURE,
                        obj_at + 8,
                    )
                })?;
            let data = body.bytes(padded)?;
            objects.push(GlobalHeapObject {
                index,
                refcount,
                data: data[..size as usize].to_vec(),
            });
        }
        Ok(GlobalHeapCollection {
            collection_size,
            objects,
        })
    }

    /// Reads the collection at `address`: its header, to learn the size, then the whole
    /// collection.
    ///
    /// # Errors
    /// The source's read errors; `LimitExceeded` if the collection is larger than
    /// `limits.max_structure_bytes`; those of [`Self::decode`].
    pub fn read<S: ReadAt + ?Sized>(
        src: &S,
        address: u64,
        ctx: &Context,
        limits: &Limits,
    ) -> core::result::Result<Self, S::Error> {
        let head = read_structure(src, address, header_len(ctx) as u64, STRUCTURE)?;
        let size = decode_header(&mut Cursor::new(&head, address, STRUCTURE), ctx)?;
        limits.structure_size(size, STRUCTURE, address)?;
        let bytes = read_structure(src, address, size, STRUCTURE)?;
        Ok(Self::decode(
            &mut Cursor::new(&bytes, address, STRUCTURE),
            ctx,
        )?)
    }

    /// The object with `index`, if the collection holds it.
    pub fn object(&self, index: u16) -> Option<&GlobalHeapObject> {
        // Writers number objects 1, 2, ... in storage order: object i is usually at i - 1.
        match self.objects.get(usize::from(index).wrapping_sub(1)) {
            Some(o) if o.index == index => Some(o),
            _ => self.objects.iter().find(|o| o.index == index),
        }
    }

    /// Bytes the objects occupy after the collection header (headers and padded data).
    pub fn used_len(&self, ctx: &Context) -> u64 {
        self.objects
            .iter()
            .map(|o| {
                (object_header_len(ctx) as u64)
                    .saturating_add(align8(o.data.len() as u64).unwrap_or(u64::MAX))
            })
            .fold(header_len(ctx) as u64, u64::saturating_add)
    }

    /// A collection holding `objects`, sized as libhdf5 sizes a new one: the objects' space,
    /// and at least [`MIN_COLLECTION_SIZE`].
    pub fn with_objects(objects: Vec<GlobalHeapObject>, ctx: &Context) -> Self {
        let mut c = GlobalHeapCollection {
            collection_size: 0,
            objects,
        };
        c.collection_size = c.used_len(ctx).max(MIN_COLLECTION_SIZE);
        c
    }

    /// Appends the collection: the objects, then object 0 describing the free space when it
    /// can hold an object header (otherwise the free space is left as zeros), for
    /// `collection_size` bytes in all.
    ///
    /// # Errors
    /// `EncodeOverflow` if the objects do not fit in `collection_size`, an object has index 0,
    /// or a size does not fit the context's length size.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        let objects = self
            .objects
            .iter()
            .map(|o| (o.index, o.refcount, o.data.as_slice()));
        encode_objects(self.collection_size, self.used_len(ctx), objects, w, ctx)
    }

    /// Appends a new collection holding `objects` as objects 1, 2, ... with reference count
    /// `refcount`, sized as [`GlobalHeapCollection::with_objects`] sizes one: the same bytes
    /// as building that collection and encoding it, without copying the objects first.
    ///
    /// # Errors
    /// `EncodeOverflow` for more than 65,535 objects or a size that does not fit the
    /// context's length size.
    pub fn encode_new(
        objects: &[&[u8]],
        refcount: u16,
        w: &mut Writer,
        ctx: &Context,
    ) -> Result<()> {
        if u16::try_from(objects.len()).is_err() {
            return Err(FormatError::new(
                ErrorKind::EncodeOverflow {
                    field: "heap object index",
                },
                STRUCTURE,
                w.len() as u64,
            ));
        }
        let used = objects
            .iter()
            .map(|o| {
                (object_header_len(ctx) as u64)
                    .saturating_add(align8(o.len() as u64).unwrap_or(u64::MAX))
            })
            .fold(header_len(ctx) as u64, u64::saturating_add);
        let size = used.max(MIN_COLLECTION_SIZE);
        // Indexes fit: the count was checked above.
        let numbered = objects
            .iter()
            .enumerate()
            .map(|(i, o)| ((i + 1) as u16, refcount, *o));
        encode_objects(size, used, numbered, w, ctx)
    }
}

/// Appends a collection of `collection_size` bytes whose objects (index, reference count,
/// bytes) take `used` bytes with the collection header; see
/// [`GlobalHeapCollection::encode`].
fn encode_objects<'a>(
    collection_size: u64,
    used: u64,
    objects: impl Iterator<Item = (u16, u16, &'a [u8])>,
    w: &mut Writer,
    ctx: &Context,
) -> Result<()> {
    let at = w.len() as u64;
    let overflow = |field| FormatError::new(ErrorKind::EncodeOverflow { field }, STRUCTURE, at);
    if used > collection_size || collection_size % 8 != 0 {
        return Err(overflow("collection size"));
    }
    let start = w.len();
    w.bytes(SIGNATURE);
    w.u8(VERSION);
    w.zeros(3);
    w.length_field(collection_size, ctx)?;
    w.zeros(header_pad(ctx));
    for (index, refcount, data) in objects {
        if index == 0 {
            return Err(overflow("heap object index (0 is the free space)"));
        }
        w.u16(index);
        w.u16(refcount);
        w.zeros(4);
        w.length_field(data.len() as u64, ctx)?;
        w.zeros(header_pad(ctx));
        w.bytes(data);
        w.zeros((8 - data.len() % 8) % 8);
    }
    let free = collection_size - used;
    if free >= object_header_len(ctx) as u64 {
        w.u16(0);
        w.u16(0);
        w.zeros(4);
        w.length_field(free, ctx)?;
        w.zeros(header_pad(ctx));
    }
    let written = (w.len() - start) as u64;
    w.zeros((collection_size - written) as usize);
    Ok(())
}

fn decode_header(cur: &mut Cursor<'_>, ctx: &Context) -> Result<u64> {
    cur.signature(SIGNATURE)?;
    let version = cur.u8()?;
    if version != VERSION {
        return Err(FormatError::new(
            ErrorKind::UnsupportedVersion { version },
            STRUCTURE,
            cur.offset() - 1,
        ));
    }
    cur.skip(3)?;
    let size = cur.length_field(ctx)?;
    if size < header_len(ctx) as u64 {
        return Err(cur.invalid("collection size", size, ctx.sizeof_lengths()));
    }
    cur.skip(header_pad(ctx))?;
    Ok(size)
}

/// A global heap ID: where a variable-length value or a region reference lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GlobalHeapId {
    /// Address of the collection.
    pub collection: u64,
    /// Index of the object in the collection.
    pub index: u32,
}

impl GlobalHeapId {
    /// Bytes of an encoded ID: an address and a 4-byte index.
    pub fn encoded_len(ctx: &Context) -> usize {
        ctx.sizeof_offsets() + 4
    }

    /// Decodes an ID.
    ///
    /// # Errors
    /// `UnexpectedEof` if truncated.
    pub fn decode(cur: &mut Cursor<'_>, ctx: &Context) -> Result<Self> {
        Ok(GlobalHeapId {
            collection: cur.offset_field(ctx)?,
            index: cur.u32()?,
        })
    }

    /// Appends the encoded ID.
    ///
    /// # Errors
    /// `EncodeOverflow` if the address does not fit the context's offset size.
    pub fn encode(&self, w: &mut Writer, ctx: &Context) -> Result<()> {
        w.offset_field(self.collection, ctx)?;
        w.u32(self.index);
        Ok(())
    }

    /// True for the all-zero ID libhdf5 stores for a null value (an address of 0 never
    /// holds a collection, as the superblock is there).
    pub fn is_null(&self) -> bool {
        self.collection == 0
    }

    /// Reads the collection and returns the object's bytes.
    ///
    /// # Errors
    /// `InvalidValue` ("heap object index") if the collection has no object with this index;
    /// those of [`GlobalHeapCollection::read`].
    pub fn read_object<S: ReadAt + ?Sized>(
        &self,
        src: &S,
        ctx: &Context,
        limits: &Limits,
    ) -> core::result::Result<Vec<u8>, S::Error> {
        let coll = GlobalHeapCollection::read(src, self.collection, ctx, limits)?;
        let found = u16::try_from(self.index)
            .ok()
            .and_then(|i| coll.objects.into_iter().find(|o| o.index == i));
        match found {
            Some(o) => Ok(o.data),
            None => Err(FormatError::new(
                ErrorKind::InvalidValue {
                    field: "heap object index",
                    value: u64::from(self.index),
                },
                STRUCTURE,
                self.collection,
            )
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    /// The start of the collection of tests/data/vlen_strings.h5 (at 2128 from the base
    /// address): "delta" (1), "epsilon" (2), a 32-byte string (3), "" (4), "alpha" (5).
    fn libhdf5_collection() -> Vec<u8> {
        let mut b = Vec::from(&b"GCOL\x01\0\0\0"[..]);
        b.extend_from_slice(&4096u64.to_le_bytes());
        let mut obj = |i: u16, data: &[u8]| {
            b.extend_from_slice(&i.to_le_bytes());
            b.extend_from_slice(&[0; 6]);
            b.extend_from_slice(&(data.len() as u64).to_le_bytes());
            b.extend_from_slice(data);
            b.extend_from_slice(&vec![0; (8 - data.len() % 8) % 8]);
        };
        obj(1, b"delta");
        obj(2, b"epsilon");
        obj(3, b"a somewhat longer string of text");
        obj(4, b"");
        obj(5, b"alpha");
        let used = b.len() as u64;
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&(4096 - used).to_le_bytes());
        b.resize(4096, 0);
        b
    }

    #[test]
    fn objects_are_found_by_index_in_any_order() {
        let obj = |index: u16| GlobalHeapObject {
            index,
            refcount: 0,
            data: vec![index as u8],
        };
        // In order (found at index - 1), then out of order (found by search).
        for order in [[1u16, 2, 3], [3, 1, 2]] {
            let c = GlobalHeapCollection {
                collection_size: 4096,
                objects: order.iter().map(|&i| obj(i)).collect(),
            };
            for i in 1..=3u16 {
                assert_eq!(c.object(i).map(|o| o.data[0]), Some(i as u8), "{order:?}");
            }
            assert!(c.object(0).is_none());
            assert!(c.object(4).is_none());
        }
    }

    #[test]
    fn decodes_and_reencodes_libhdf5_collection() {
        let ctx = Context::DEFAULT;
        let b = libhdf5_collection();
        let c = GlobalHeapCollection::read(&b[..], 0, &ctx, &Limits::DEFAULT).unwrap();
        assert_eq!(c.collection_size, 4096);
        assert_eq!(c.objects.len(), 5);
        assert_eq!(
            c.object(3).unwrap().data,
            b"a somewhat longer string of text"
        );
        assert_eq!(c.object(4).unwrap().data, b"");
        assert!(c.object(6).is_none());
        let mut w = Writer::new();
        c.encode(&mut w, &ctx).unwrap();
        assert_eq!(w.as_slice(), &b[..]);
        let id = GlobalHeapId {
            collection: 0,
            index: 5,
        };
        assert_eq!(
            id.read_object(&b[..], &ctx, &Limits::DEFAULT).unwrap(),
            b"alpha"
        );
        let bad = GlobalHeapId {
            collection: 0,
            index: 9,
        };
        assert!(bad.read_object(&b[..], &ctx, &Limits::DEFAULT).is_err());
    }

    #[test]
    fn new_collection_matches_the_one_libhdf5_wrote() {
        let ctx = Context::DEFAULT;
        let b = libhdf5_collection();
        let c = GlobalHeapCollection::read(&b[..], 0, &ctx, &Limits::DEFAULT).unwrap();
        assert!(c
            .objects
            .iter()
            .all(|o| o.refcount == c.objects[0].refcount));
        let datas: Vec<&[u8]> = c.objects.iter().map(|o| o.data.as_slice()).collect();
        let mut w = Writer::new();
        GlobalHeapCollection::encode_new(&datas, c.objects[0].refcount, &mut w, &ctx).unwrap();
        assert_eq!(w.as_slice(), &b[..]);
        let many = vec![&b""[..]; 65_536];
        assert!(GlobalHeapCollection::encode_new(&many, 1, &mut Writer::new(), &ctx).is_err());
    }

    #[test]
    fn rejects_oversized_object_and_short_collection() {
        let ctx = Context::DEFAULT;
        let mut b = libhdf5_collection();
        b[24..32].copy_from_slice(&5000u64.to_le_bytes());
        let err = GlobalHeapCollection::read(&b[..], 0, &ctx, &Limits::DEFAULT).unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidValue {
                field: "object size",
                value: 5000
            }
        );
        assert_eq!(err.offset, 24);
        let mut b = libhdf5_collection();
        b[8..16].copy_from_slice(&8u64.to_le_bytes());
        assert!(GlobalHeapCollection::read(&b[..], 0, &ctx, &Limits::DEFAULT).is_err());
        let b = libhdf5_collection();
        assert!(GlobalHeapCollection::decode(&mut Cursor::new(&b[..100], 0, "t"), &ctx).is_err());
    }

    #[test]
    fn id_round_trip() {
        let ctx = Context::DEFAULT;
        let raw = [0x50, 0x08, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0];
        let id = GlobalHeapId::decode(&mut Cursor::new(&raw, 0, "t"), &ctx).unwrap();
        assert_eq!(
            id,
            GlobalHeapId {
                collection: 2128,
                index: 5
            }
        );
        let mut w = Writer::new();
        id.encode(&mut w, &ctx).unwrap();
        assert_eq!(w.as_slice(), &raw);
    }

    proptest! {
        #[test]
        fn collection_round_trip(datas in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..30),
                                 lengths in prop_oneof![Just(2u8), Just(4u8), Just(8u8)]) {
            let ctx = Context::new(8, lengths, 0).unwrap();
            let objects: Vec<_> = datas.into_iter().enumerate().map(|(i, data)| GlobalHeapObject {
                index: i as u16 + 1, refcount: (i % 3) as u16, data,
            }).collect();
            let c = GlobalHeapCollection::with_objects(objects, &ctx);
            prop_assert!(c.collection_size >= MIN_COLLECTION_SIZE);
            let mut w = Writer::new();
            c.encode(&mut w, &ctx).unwrap();
            prop_assert_eq!(w.len() as u64, c.collection_size);
            let back = GlobalHeapCollection::decode(&mut Cursor::new(w.as_slice(), 0, "t"), &ctx).unwrap();
            prop_assert_eq!(back, c);
        }

        #[test]
        fn new_collection_equals_built_one(datas in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..600), 0..40),
                                           lengths in prop_oneof![Just(2u8), Just(4u8), Just(8u8)]) {
            let ctx = Context::new(8, lengths, 0).unwrap();
            let refs: Vec<&[u8]> = datas.iter().map(|d| d.as_slice()).collect();
            let mut direct = Writer::new();
            GlobalHeapCollection::encode_new(&refs, 1, &mut direct, &ctx).unwrap();
            let objects: Vec<_> = datas.iter().enumerate().map(|(i, data)| GlobalHeapObject {
                index: i as u16 + 1, refcount: 1, data: data.clone(),
            }).collect();
            let mut built = Writer::new();
            GlobalHeapCollection::with_objects(objects, &ctx).encode(&mut built, &ctx).unwrap();
            prop_assert_eq!(direct.as_slice(), built.as_slice());
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut b = Vec::from(&b"GCOL\x01\0\0\0"[..]);
            b.extend_from_slice(&((bytes.len() + 16) as u64).to_le_bytes());
            b.extend_from_slice(&bytes);
            let _ = GlobalHeapCollection::decode(&mut Cursor::new(&b, 0, "t"), &Context::DEFAULT);
        }
    }
}
