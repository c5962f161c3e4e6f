//! `h5ox import`: a NumPy `.npy` file (format versions 1.0, 2.0 and 3.0) written as a dataset,
//! read and written in slabs of leading rows.
//!
//! Types map as h5py maps them: integers and IEEE floats in their stored byte order, `b1` as
//! h5py's boolean enumeration, `S<n>` as null-padded fixed strings, complex numbers as a
//! compound `{r, i}`, and structured dtypes as compounds (sub-arrays as array members).

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use h5oxide::format::object_header::message::datatype::{
    CharSet, CompoundMember, Datatype, StringPadding, TypeClass,
};
use h5oxide::{File, H5Write, Mode};

use crate::progress::Progress;
use crate::repack::{
    order_of, parse_dims, parse_filters, parse_libver, write_dataset, BoxError, Plan,
};

/// Largest `.npy` header accepted (NumPy itself refuses headers over 10 000 bytes by
/// default; structured types can make them longer).
const MAX_HEADER: usize = 1 << 20;

/// Nesting depth of structured types accepted.
const MAX_DEPTH: u32 = 16;

/// Arguments of `h5ox import`.
#[derive(clap::Args)]
pub struct Args {
    /// The .npy file to read.
    npy: PathBuf,
    /// The HDF5 file (created if missing, otherwise opened for appending).
    file: PathBuf,
    /// Path of the new dataset (missing groups are created).
    dataset: String,
    /// Chunk shape `a,b,..` (one entry per dimension).
    #[arg(long)]
    chunk: Option<String>,
    /// Filters: `gzip=6`, `lz4`, `zstd=3`, `lzf`, `shuffle+gzip=4`, `none` (implies
    /// chunking).
    #[arg(long)]
    filter: Option<String>,
    /// Format generation of a new file: `earliest` or `latest`.
    #[arg(long)]
    libver: Option<String>,
}

/// A Python literal as found in a `.npy` header.
#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    /// A quoted string.
    Str(String),
    /// An integer.
    Int(i64),
    /// `True` or `False`.
    Bool(bool),
    /// `None`.
    None,
    /// A list or a tuple.
    Seq(Vec<Py>),
    /// A dictionary, in written order.
    Dict(Vec<(Py, Py)>),
}

struct Parser<'a> {
    s: &'a [char],
    at: usize,
    depth: u32,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.s.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn err(&self, what: &str) -> String {
        format!(".npy header: {what} at character {}", self.at)
    }

    fn eat(&mut self, c: char) -> bool {
        self.ws();
        if self.s.get(self.at) == Some(&c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn seq(&mut self, close: char) -> Result<Vec<Py>, String> {
        let mut v = Vec::new();
        loop {
            if self.eat(close) {
                return Ok(v);
            }
            v.push(self.value()?);
            if !self.eat(',') {
                if self.eat(close) {
                    return Ok(v);
                }
                return Err(self.err("expected ','"));
            }
        }
    }

    fn value(&mut self) -> Result<Py, String> {
        self.ws();
        self.depth += 1;
        if self.depth > 64 {
            return Err(self.err("nesting too deep"));
        }
        let c = *self
            .s
            .get(self.at)
            .ok_or_else(|| self.err("unexpected end"))?;
        let v = match c {
            '{' => {
                self.at += 1;
                let mut d = Vec::new();
                loop {
                    if self.eat('}') {
                        break;
                    }
                    let k = self.value()?;
                    if !self.eat(':') {
                        return Err(self.err("expected ':'"));
                    }
                    let v = self.value()?;
                    d.push((k, v));
                    if !self.eat(',') {
                        if self.eat('}') {
                            break;
                        }
                        return Err(self.err("expected ','"));
                    }
                }
                Py::Dict(d)
            }
            '(' => {
                self.at += 1;
                Py::Seq(self.seq(')')?)
            }
            '[' => {
                self.at += 1;
                Py::Seq(self.seq(']')?)
            }
            '\'' | '"' => {
                self.at += 1;
                let mut out = String::new();
                loop {
                    let ch = *self.s.get(self.at).ok_or_else(|| self.err("open string"))?;
                    self.at += 1;
                    if ch == c {
                        break;
                    }
                    if ch == '\\' {
                        let e = *self.s.get(self.at).ok_or_else(|| self.err("open string"))?;
                        self.at += 1;
                        out.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            '0' => '\0',
                            other => other,
                        });
                    } else {
                        out.push(ch);
                    }
                }
                Py::Str(out)
            }
            _ => {
                let start = self.at;
                while self
                    .s
                    .get(self.at)
                    .is_some_and(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                {
                    self.at += 1;
                }
                let word: String = self.s[start..self.at].iter().collect();
                match word.as_str() {
                    "True" => Py::Bool(true),
                    "False" => Py::Bool(false),
                    "None" => Py::None,
                    w => Py::Int(w.parse().map_err(|_| self.err("unexpected token"))?),
                }
            }
        };
        self.depth -= 1;
        Ok(v)
    }
}

/// Parses one Python literal.
///
/// # Errors
/// Syntax outside the literals a `.npy` header holds.
pub fn parse_py(text: &str) -> Result<Py, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser {
        s: &chars,
        at: 0,
        depth: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.at != chars.len() {
        return Err(p.err("trailing text"));
    }
    Ok(v)
}

fn simple_type(s: &str) -> Result<Datatype, String> {
    let bad = || format!("not yet supported: NumPy type {s:?}");
    let mut chars = s.chars();
    let first = chars.clone().next().ok_or_else(bad)?;
    let order = if matches!(first, '<' | '>' | '|' | '=') {
        chars.next();
        order_of(first)
    } else {
        order_of('<')
    };
    let kind = chars.next().ok_or_else(bad)?;
    let size: u32 = chars.as_str().parse().map_err(|_| bad())?;
    Ok(match (kind, size) {
        ('b', 1) => bool::write_type(),
        ('i', 1 | 2 | 4 | 8) => Datatype::integer(size, true, order),
        ('u', 1 | 2 | 4 | 8) => Datatype::integer(size, false, order),
        ('f', 2 | 4 | 8) => Datatype::ieee_float(size, order),
        ('c', 8 | 16) => {
            // h5py's complex: a compound of real and imaginary parts named r and i.
            let part = Datatype::ieee_float(size / 2, order);
            Datatype::new(
                size,
                TypeClass::Compound {
                    members: vec![
                        CompoundMember::new("r", 0, part.clone()),
                        CompoundMember::new("i", size / 2, part),
                    ],
                },
            )
        }
        // NumPy's void: opaque bytes (h5py's mapping), also the padding of structured types.
        ('V', 1..) => Datatype::new(size, TypeClass::Opaque { tag: String::new() }),
        ('S', 1..) => Datatype::new(
            size,
            TypeClass::String {
                padding: StringPadding::NullPad,
                charset: CharSet::Ascii,
            },
        ),
        _ => return Err(bad()),
    })
}

fn shape_of(p: &Py) -> Result<Vec<u64>, String> {
    match p {
        Py::Int(n) => Ok(vec![u64::try_from(*n).map_err(|_| "negative dimension")?]),
        Py::Seq(v) => v
            .iter()
            .map(|d| match d {
                Py::Int(n) => u64::try_from(*n).map_err(|_| "negative dimension".to_owned()),
                _ => Err("a dimension is not an integer".to_owned()),
            })
            .collect(),
        _ => Err("shape is not a tuple".to_owned()),
    }
}

/// The HDF5 type of a NumPy `descr` (a type string or a structured field list).
///
/// # Errors
/// Types without an HDF5 equivalent written here (unicode `U`, objects, datetimes, ...).
pub fn dtype_of(descr: &Py, depth: u32) -> Result<Datatype, String> {
    if depth > MAX_DEPTH {
        return Err("structured type nested too deeply".into());
    }
    match descr {
        Py::Str(s) => simple_type(s),
        Py::Seq(fields) => {
            let mut members = Vec::new();
            let mut offset: u32 = 0;
            for f in fields {
                let Py::Seq(parts) = f else {
                    return Err("a structured field is not a tuple".into());
                };
                let (name, t, shape) = match parts.as_slice() {
                    [Py::Str(n), t] => (n, t, Vec::new()),
                    [Py::Str(n), t, s] => (n, t, shape_of(s)?),
                    _ => return Err("a structured field is not (name, type[, shape])".into()),
                };
                let mut t = dtype_of(t, depth + 1)?;
                if !shape.is_empty() {
                    let dims: Vec<u32> = shape
                        .iter()
                        .map(|&d| u32::try_from(d).map_err(|_| "sub-array too large"))
                        .collect::<Result<_, _>>()?;
                    let n = dims
                        .iter()
                        .try_fold(t.size, |a, &d| a.checked_mul(d))
                        .ok_or("sub-array too large")?;
                    t = Datatype::new(
                        n,
                        TypeClass::Array {
                            dims,
                            base: Box::new(t),
                        },
                    );
                }
                let size = t.size;
                // Unnamed fields are NumPy's padding.
                if !name.is_empty() {
                    members.push(CompoundMember::new(name.clone(), offset, t));
                }
                offset = offset
                    .checked_add(size)
                    .ok_or("structured type too large")?;
            }
            if members.is_empty() {
                return Err("a structured type without named fields".into());
            }
            Ok(Datatype::new(offset, TypeClass::Compound { members }))
        }
        _ => Err("descr is neither a type string nor a field list".into()),
    }
}

/// A parsed `.npy` header.
#[derive(Debug)]
pub struct NpyHeader {
    /// Element type.
    pub dtype: Datatype,
    /// Shape.
    pub shape: Vec<u64>,
    /// Offset of the first data byte.
    pub data_start: u64,
}

/// Reads and checks the header of a `.npy` stream.
///
/// # Errors
/// Not a `.npy` file, an unknown version, a malformed dictionary, Fortran order for more
/// than one dimension, or an unsupported type.
pub fn read_header(r: &mut impl Read) -> Result<NpyHeader, String> {
    let mut pre = [0u8; 8];
    r.read_exact(&mut pre)
        .map_err(|_| "not a .npy file (too short)")?;
    if &pre[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (bad magic)".into());
    }
    let (len, prefix) = match pre[6] {
        1 => {
            let mut b = [0u8; 2];
            r.read_exact(&mut b).map_err(|_| ".npy header truncated")?;
            (usize::from(u16::from_le_bytes(b)), 10u64)
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            r.read_exact(&mut b).map_err(|_| ".npy header truncated")?;
            (u32::from_le_bytes(b) as usize, 12u64)
        }
        v => return Err(format!("unsupported .npy format version {v}")),
    };
    if len > MAX_HEADER {
        return Err(format!(".npy header of {len} bytes is too long"));
    }
    let mut raw = vec![0u8; len];
    r.read_exact(&mut raw)
        .map_err(|_| ".npy header truncated")?;
    // Versions 1 and 2 are Latin-1, version 3 UTF-8.
    let text: String = if pre[6] == 3 {
        String::from_utf8(raw).map_err(|_| ".npy header is not UTF-8")?
    } else {
        raw.iter().map(|&b| char::from(b)).collect()
    };
    let Py::Dict(entries) = parse_py(text.trim_end())? else {
        return Err(".npy header is not a dictionary".into());
    };
    let get = |k: &str| {
        entries
            .iter()
            .find(|(key, _)| *key == Py::Str(k.into()))
            .map(|(_, v)| v)
            .ok_or_else(|| format!(".npy header lacks {k:?}"))
    };
    let shape = shape_of(get("shape")?)?;
    let fortran = matches!(get("fortran_order")?, Py::Bool(true));
    if fortran && shape.iter().filter(|&&d| d > 1).count() > 1 {
        return Err("not yet supported: Fortran-ordered arrays".into());
    }
    let dtype = dtype_of(get("descr")?, 0)?;
    Ok(NpyHeader {
        dtype,
        shape,
        data_start: prefix + len as u64,
    })
}

fn import(a: &Args) -> Result<(), BoxError> {
    let mut f =
        fs::File::open(&a.npy).map_err(|e| format!("unable to open {}: {e}", a.npy.display()))?;
    let h = read_header(&mut f)?;
    let total = h
        .shape
        .iter()
        .try_fold(u64::from(h.dtype.size), |x, &n| x.checked_mul(n))
        .ok_or("array size overflows")?;
    let file_len = f.metadata()?.len();
    if file_len < h.data_start.saturating_add(total) {
        return Err(format!(
            "{}: data truncated ({} bytes expected after the header, {} present)",
            a.npy.display(),
            total,
            file_len.saturating_sub(h.data_start)
        )
        .into());
    }
    let chunk = a.chunk.as_deref().map(parse_dims).transpose()?;
    if let Some(c) = &chunk {
        if c.len() != h.shape.len() {
            return Err(format!(
                "--chunk has {} dimensions, the array {}",
                c.len(),
                h.shape.len()
            )
            .into());
        }
    }
    let filters = a.filter.as_deref().map(parse_filters).transpose()?;
    let filters = filters.unwrap_or_default();
    if h.shape.is_empty() && (chunk.is_some() || !filters.is_empty()) {
        return Err("a scalar (0-d) array cannot be chunked or filtered".into());
    }
    let libver = a.libver.as_deref().map(parse_libver).transpose()?;
    let out = File::options()
        .mode(Mode::Append)
        .libver(libver.unwrap_or_default())
        .open(&a.file)?;
    if out.root().contains(&a.dataset) {
        return Err(format!("{} already exists in {}", a.dataset, a.file.display()).into());
    }
    let plan = Plan {
        dtype: h.dtype.clone(),
        dims: h.shape.clone(),
        max: None,
        chunk,
        filters,
        fill: None,
        compact: false,
        committed: None,
        fill_times: None,
        fill_undefined: false,
    };
    let row: u64 = h
        .shape
        .iter()
        .skip(1)
        .fold(u64::from(h.dtype.size), |x, &n| x.saturating_mul(n));
    let data_start = h.data_start;
    let mut rows = |start: u64, count: u64| -> Result<Vec<u8>, BoxError> {
        let n = if h.shape.is_empty() {
            row
        } else {
            count.checked_mul(row).ok_or("slab size overflows")?
        };
        f.seek(SeekFrom::Start(data_start + start * row))?;
        let mut buf = vec![0u8; usize::try_from(n)?];
        f.read_exact(&mut buf)?;
        Ok(buf)
    };
    let progress = Progress::new(total);
    let r = write_dataset(&out.root(), &a.dataset, &plan, &mut rows, &progress);
    progress.finish();
    r?;
    out.close()?;
    Ok(())
}

/// Runs `h5ox import`.
///
/// # Errors
/// Unreadable or unsupported `.npy` input, bad options, an existing dataset, write errors.
pub fn run(a: &Args) -> Result<(), BoxError> {
    import(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_literals_parse() {
        let p = parse_py("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }").unwrap();
        let Py::Dict(d) = p else { panic!() };
        assert_eq!(d[2].1, Py::Seq(vec![Py::Int(3), Py::Int(4)]));
        assert_eq!(d[1].1, Py::Bool(false));
        assert_eq!(parse_py("(5,)").unwrap(), Py::Seq(vec![Py::Int(5)]));
        assert!(parse_py("{'a': }").is_err());
    }

    #[test]
    fn structured_types_become_compounds() {
        let d = parse_py("[('x', '<i4'), ('', '|V4'), ('y', '>f8', (2,))]").unwrap();
        let t = dtype_of(&d, 0).unwrap();
        assert_eq!(t.size, 24);
        let TypeClass::Compound { members } = &t.class else {
            panic!()
        };
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].offset, 8);
        assert_eq!(members[1].dtype.size, 16);
    }

    #[test]
    fn unicode_is_refused() {
        assert!(dtype_of(&Py::Str("<U5".into()), 0)
            .unwrap_err()
            .contains("not yet supported"));
    }
}
