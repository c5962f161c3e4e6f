//! `h5ox export`: a dataset as a NumPy `.npy` file, streamed in slices of leading rows.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use h5oxide::format::object_header::message::datatype::{ByteOrder, Datatype, TypeClass};
use h5oxide::{Dataset, DimSlice, File, Object, Selection};

use crate::types::enum_member_value;

/// Bytes of stored data read per slice.
const SLICE_BYTES: u64 = 16 << 20;

/// Arguments of `h5ox export`.
#[derive(clap::Args)]
pub struct Args {
    /// The HDF5 file.
    file: PathBuf,
    /// Path of the dataset in the file.
    dataset: String,
    /// The .npy file to write.
    out: PathBuf,
}

/// A NumPy array-protocol type: a plain type string or a structured list of fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Descr {
    /// `'<i4'`, `'|S8'`, `'|b1'`, `'|V4'`.
    Simple(String),
    /// Fields: name, type, sub-array shape (empty for none).
    Fields(Vec<(String, Descr, Vec<u32>)>),
}

fn py_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl Descr {
    /// The Python literal NumPy's header holds.
    pub fn literal(&self) -> String {
        match self {
            Descr::Simple(s) => py_str(s),
            Descr::Fields(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(n, d, shape)| {
                        if shape.is_empty() {
                            format!("({}, {})", py_str(n), d.literal())
                        } else {
                            format!("({}, {}, {})", py_str(n), d.literal(), tuple(shape))
                        }
                    })
                    .collect();
                format!("[{}]", parts.join(", "))
            }
        }
    }
}

fn tuple<T: ToString>(dims: &[T]) -> String {
    match dims {
        [] => "()".into(),
        [one] => format!("({},)", one.to_string()),
        _ => format!(
            "({})",
            dims.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn order_char(order: ByteOrder, size: u32) -> Option<char> {
    match (size, order) {
        (1, _) => Some('|'),
        (_, ByteOrder::LittleEndian) => Some('<'),
        (_, ByteOrder::BigEndian) => Some('>'),
        _ => None,
    }
}

fn unsupported(dt: &Datatype) -> String {
    format!(
        "cannot export datatype {} to .npy (supported: integers, IEEE floats, boolean enums, \
         fixed-length strings, and compounds of these)",
        dt.descriptor()
    )
}

/// The NumPy type of `dt`, keeping the stored byte order, or an error naming the type.
///
/// # Errors
/// Types NumPy cannot hold byte for byte: variable-length data, references, non-IEEE
/// floats, integers with padding bits, top-level arrays, opaque and bitfield data.
pub fn descr(dt: &Datatype, depth: u32) -> Result<Descr, String> {
    if depth > 16 {
        return Err(unsupported(dt));
    }
    match &dt.class {
        TypeClass::FixedPoint {
            order,
            signed,
            bit_offset,
            precision,
            ..
        } if matches!(dt.size, 1 | 2 | 4 | 8)
            && *bit_offset == 0
            && u32::from(*precision) == dt.size * 8 =>
        {
            let o = order_char(*order, dt.size).ok_or_else(|| unsupported(dt))?;
            Ok(Descr::Simple(format!(
                "{o}{}{}",
                if *signed { 'i' } else { 'u' },
                dt.size
            )))
        }
        TypeClass::FloatingPoint { order, .. }
            if matches!(dt.size, 2 | 4 | 8) && dt.is_standard_ieee_float() =>
        {
            let o = order_char(*order, dt.size).ok_or_else(|| unsupported(dt))?;
            Ok(Descr::Simple(format!("{o}f{}", dt.size)))
        }
        TypeClass::Enum { base, members } => {
            // h5py's boolean: a one-byte enum FALSE = 0, TRUE = 1.
            let bool_like = base.size == 1
                && members.len() == 2
                && members.iter().all(|m| {
                    matches!(
                        (m.name.as_str(), enum_member_value(base, &m.value)),
                        ("FALSE", Some(0)) | ("TRUE", Some(1))
                    )
                });
            if bool_like {
                Ok(Descr::Simple("|b1".into()))
            } else {
                Err(unsupported(dt))
            }
        }
        TypeClass::String { .. } => Ok(Descr::Simple(format!("|S{}", dt.size))),
        TypeClass::Compound { members } => {
            let mut sorted: Vec<_> = members.iter().collect();
            sorted.sort_by_key(|m| m.offset);
            let mut fields = Vec::new();
            let mut at: u64 = 0;
            for m in sorted {
                let off = u64::from(m.offset);
                if off < at {
                    return Err(format!("{} (overlapping members)", unsupported(dt)));
                }
                if off > at {
                    fields.push((
                        String::new(),
                        Descr::Simple(format!("|V{}", off - at)),
                        vec![],
                    ));
                }
                let (d, shape) = match (&m.v1_array, &m.dtype.class) {
                    (Some(a), _) => (descr(&m.dtype, depth + 1)?, a.dims.clone()),
                    (None, TypeClass::Array { dims, base }) => {
                        (descr(base, depth + 1)?, dims.clone())
                    }
                    (None, _) => (descr(&m.dtype, depth + 1)?, vec![]),
                };
                fields.push((m.name.clone(), d, shape));
                at = off.saturating_add(m.extent().unwrap_or(u64::MAX));
            }
            let size = u64::from(dt.size);
            if at > size {
                return Err(format!("{} (members beyond the element)", unsupported(dt)));
            }
            if at < size {
                fields.push((
                    String::new(),
                    Descr::Simple(format!("|V{}", size - at)),
                    vec![],
                ));
            }
            Ok(Descr::Fields(fields))
        }
        _ => Err(unsupported(dt)),
    }
}

/// The complete `.npy` header for `descr` and `shape`: magic, version (1.0, or 2.0 when the
/// header needs more than 65535 bytes, 3.0 when a field name is not Latin-1), length, and
/// the dictionary padded with spaces so the data starts at a multiple of 64 bytes.
pub fn header(descr: &Descr, shape: &[u64]) -> Vec<u8> {
    let dict = format!(
        "{{'descr': {}, 'fortran_order': False, 'shape': {}, }}",
        descr.literal(),
        tuple(shape)
    );
    let utf8 = !dict.is_ascii();
    let body_len = dict.len() + 1;
    let (major, prefix) = if body_len + 10 <= 65535 && !utf8 {
        (1u8, 10usize)
    } else {
        (if utf8 { 3 } else { 2 }, 12usize)
    };
    let padding = (64 - (prefix + body_len) % 64) % 64;
    let hlen = body_len + padding;
    let mut out = Vec::with_capacity(prefix + hlen);
    out.extend_from_slice(b"\x93NUMPY");
    out.push(major);
    out.push(0);
    if major == 1 {
        out.extend_from_slice(&(hlen as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(hlen as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.extend(std::iter::repeat_n(b' ', padding));
    out.push(b'\n');
    out
}

fn write_npy(ds: &Dataset, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    if ds.is_null() {
        return Err(format!("{} has a null dataspace: no data to export", ds.name()).into());
    }
    let d = descr(ds.dtype(), 0)?;
    let shape = ds.shape();
    let f =
        fs::File::create(out).map_err(|e| format!("unable to create {}: {e}", out.display()))?;
    let mut w = BufWriter::new(f);
    w.write_all(&header(&d, &shape))?;
    let Some((&rows, rest)) = shape.split_first() else {
        w.write_all(&ds.read_bytes()?)?;
        w.flush()?;
        return Ok(());
    };
    let row_bytes = rest
        .iter()
        .try_fold(ds.dtype().element_size() as u64, |a, &n| a.checked_mul(n))
        .ok_or("row size overflows")?;
    if row_bytes == 0 || rows == 0 {
        w.flush()?;
        return Ok(());
    }
    let step = (SLICE_BYTES / row_bytes).max(1);
    let mut start = 0u64;
    while start < rows {
        let count = step.min(rows - start);
        let mut dims = vec![DimSlice {
            start,
            step: 1,
            count,
        }];
        dims.extend(rest.iter().map(|&n| DimSlice::all(n)));
        let sel = Selection::new(dims, &shape)?;
        w.write_all(&ds.read_bytes_selection(&sel)?)?;
        start += count;
    }
    w.flush()?;
    Ok(())
}

/// Runs `h5ox export`.
///
/// # Errors
/// The file or dataset cannot be opened, the type has no NumPy equivalent, reading or
/// writing fails (a partly written output file is removed).
pub fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let file = File::open(&a.file)?;
    let ds = match file.root().object(&a.dataset)? {
        Object::Dataset(d) => d,
        o => return Err(format!("{} is a {}, not a dataset", a.dataset, o.kind().as_str()).into()),
    };
    // Check the type before creating the output file.
    descr(ds.dtype(), 0)?;
    let r = write_npy(&ds, &a.out);
    if r.is_err() {
        let _ = fs::remove_file(&a.out);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_aligned_and_parsable() {
        let h = header(&Descr::Simple("<i4".into()), &[3, 4]);
        assert_eq!(&h[..8], b"\x93NUMPY\x01\x00");
        assert_eq!(h.len() % 64, 0);
        let hlen = u16::from_le_bytes([h[8], h[9]]) as usize;
        assert_eq!(hlen + 10, h.len());
        let text = std::str::from_utf8(&h[10..]).unwrap();
        assert!(text.starts_with("{'descr': '<i4', 'fortran_order': False, 'shape': (3, 4), }"));
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn shapes_as_python_tuples() {
        assert_eq!(tuple::<u64>(&[]), "()");
        assert_eq!(tuple(&[5u64]), "(5,)");
        assert_eq!(tuple(&[2u64, 3]), "(2, 3)");
    }

    #[test]
    fn numeric_descrs_keep_byte_order() {
        let t = Datatype::integer(2, true, ByteOrder::BigEndian);
        assert_eq!(descr(&t, 0).unwrap(), Descr::Simple(">i2".into()));
        let t = Datatype::integer(1, false, ByteOrder::BigEndian);
        assert_eq!(descr(&t, 0).unwrap(), Descr::Simple("|u1".into()));
        let t = Datatype::ieee_float(4, ByteOrder::LittleEndian);
        assert_eq!(descr(&t, 0).unwrap(), Descr::Simple("<f4".into()));
    }
}
