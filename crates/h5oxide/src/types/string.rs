//! Strings: fixed-length (spec IV.A.2.d, class 3) and variable-length (class 9) strings of
//! either character set and any padding, read as `String`.

use h5oxide_format::object_header::message::datatype::{
    CharSet, Datatype, StringPadding, TypeClass, VarLenKind,
};

use crate::error::Result;
use crate::h5type::{bad_value, mismatch, vlen_parts, Decoder, H5Type, Heap};
use crate::value::unpad;

/// The text of `b` checked against its character set.
fn text(b: &[u8], charset: CharSet) -> Result<String> {
    match charset {
        CharSet::Utf8 => match std::str::from_utf8(b) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(bad_value(
                "UTF-8 string (invalid byte at this position)",
                e.valid_up_to() as u64,
            )),
        },
        CharSet::Ascii => match b.iter().position(|&c| !c.is_ascii()) {
            None => Ok(b.iter().map(|&c| char::from(c)).collect()),
            Some(i) => Err(bad_value(
                "ASCII string (non-ASCII byte at this position)",
                i as u64,
            )),
        },
    }
}

fn vlen_string(
    b: &[u8],
    heap: &Heap<'_>,
    padding: StringPadding,
    charset: CharSet,
) -> Result<String> {
    let (len, id) = vlen_parts(b, heap)?;
    if id.is_null() {
        // An unset string reads as empty, as h5py does.
        return Ok(String::new());
    }
    heap.with_object(&id, |data| {
        let n = (len as usize).min(data.len());
        text(unpad(data.get(..n).unwrap_or(&[]), padding), charset)
    })
}

impl H5Type for String {
    fn decoder(dtype: &Datatype) -> Result<Decoder<Self>> {
        match &dtype.class {
            TypeClass::String { padding, charset } => {
                let (padding, charset) = (*padding, *charset);
                Ok(Decoder::element(dtype.element_size(), move |b, _| {
                    text(unpad(b, padding), charset)
                }))
            }
            TypeClass::VarLen {
                kind: VarLenKind::String { padding, charset },
                ..
            } => {
                let (padding, charset) = (*padding, *charset);
                Ok(Decoder::element(dtype.element_size(), move |b, heap| {
                    vlen_string(b, heap, padding, charset)
                }))
            }
            _ => Err(mismatch::<String>(dtype)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(size: u32, padding: StringPadding, charset: CharSet) -> Datatype {
        Datatype::new(size, TypeClass::String { padding, charset })
    }

    #[test]
    fn fixed_strings_lose_their_padding() {
        let heap = Heap::none();
        let t = fixed(6, StringPadding::SpacePad, CharSet::Ascii);
        let d = String::decoder(&t).unwrap();
        let mut out = Vec::new();
        d.decode_all(b"ab    cdefgh", &heap, &mut out).unwrap();
        assert_eq!(out, ["ab", "cdefgh"]);
        let t = fixed(4, StringPadding::NullTerminate, CharSet::Utf8);
        let d = String::decoder(&t).unwrap();
        assert_eq!(d.decode_one("é\0x".as_bytes(), &heap).unwrap(), "é");
    }

    #[test]
    fn charsets_are_checked() {
        let heap = Heap::none();
        let t = fixed(2, StringPadding::NullPad, CharSet::Ascii);
        let d = String::decoder(&t).unwrap();
        assert!(d.decode_one(&[b'a', 0xe9], &heap).is_err());
        let t = fixed(2, StringPadding::NullPad, CharSet::Utf8);
        let d = String::decoder(&t).unwrap();
        assert!(d.decode_one(&[0xc3, b'a'], &heap).is_err());
        assert_eq!(d.decode_one(&[0xc3, 0xa9], &heap).unwrap(), "é");
    }

    #[test]
    fn numbers_are_not_strings() {
        let t = Datatype::integer(
            4,
            true,
            h5oxide_format::object_header::message::datatype::ByteOrder::LittleEndian,
        );
        assert!(String::decoder(&t).is_err());
    }
}
