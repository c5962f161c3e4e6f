//! The C library's walk of a file (see `tests/WALK_FORMAT.md`).

use std::ffi::CString;
use std::path::Path;

use hdf5_metno_sys::h5::haddr_t;
use hdf5_metno_sys::h5l::H5L_type_t;
use hdf5_metno_sys::h5o::H5O_type_t;
use serde_json::Value;

use crate::c_ffi::{self, Extent, Handle, ReadBuf, Source};
use crate::c_types::{error_values, nest, RefContext, TypeNode};
use crate::walk::{Attr, Kind, Object, Walk, VALUES_LIMIT};

/// Group nesting bound; real files stay far below it.
const MAX_DEPTH: usize = 256;

/// Walks `path` with libhdf5: every link from the root (by name, increasing), attributes,
/// datatypes as DESCRIPTOR strings and values decoded from the file's own bytes.
///
/// Datasets whose values this library build cannot read for a known reason (unavailable
/// filter, external raw data, virtual sources) get `values = {"error": reason}`. Any other
/// failure inside a group, dataset or named datatype is recorded in that object's `error`
/// (naming the call and the path) and the walk goes on.
///
/// # Errors
/// The file cannot be opened, or a link cannot be inspected; the message names the
/// call and the object path.
pub fn c_walk(path: &Path) -> Result<Walk, String> {
    let _lock = c_ffi::hdf5_lock();
    c_ffi::init();
    let _clear = c_ffi::ClearErrors;
    let shown = path.display().to_string();
    let cpath = CString::new(path.as_os_str().as_encoded_bytes().to_vec())
        .map_err(|_| format!("file path contains NUL: {shown}"))?;
    let file = c_ffi::open_file(&cpath, &shown)?;
    let sizeof_addr = c_ffi::sizeof_addr(&file)?;
    let mut walker = Walker {
        file,
        sizeof_addr,
        objects: Vec::new(),
    };
    let (_, fileno, addr) = c_ffi::object_info(&walker.file, c"/", "/")?;
    walker.hard_object("/", b"/", H5O_type_t::H5O_TYPE_GROUP)?;
    let mut ancestors = vec![(fileno, addr)];
    walker.group("/", b"/", &mut ancestors)?;
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

struct Walker {
    file: Handle,
    sizeof_addr: usize,
    objects: Vec<Object>,
}

fn join(parent: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = parent.to_vec();
    if p != b"/" {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Walker {
    fn group(
        &mut self,
        shown: &str,
        raw: &[u8],
        ancestors: &mut Vec<(u64, haddr_t)>,
    ) -> Result<(), String> {
        if ancestors.len() > MAX_DEPTH {
            return Err(format!("group nesting deeper than {MAX_DEPTH} at {shown}"));
        }
        let cgroup = c_ffi::c_path(raw, shown)?;
        let names = match c_ffi::link_names(&self.file, &cgroup, shown) {
            Ok(n) => n,
            Err(e) => {
                // Recorded on the group's own entry (pushed just before its links are listed).
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
        for name in names {
            let raw_child = join(raw, &name);
            let child = lossy(&raw_child);
            let cchild = c_ffi::c_path(&raw_child, &child)?;
            let (class, val_size) = c_ffi::link_info(&self.file, &cchild, &child)?;
            match class {
                H5L_type_t::H5L_TYPE_HARD => {
                    let (otype, fileno, addr) = c_ffi::object_info(&self.file, &cchild, &child)?;
                    self.hard_object(&child, &raw_child, otype)?;
                    // Recursion stops at a group already on the current path (a cycle).
                    if otype == H5O_type_t::H5O_TYPE_GROUP && !ancestors.contains(&(fileno, addr)) {
                        ancestors.push((fileno, addr));
                        self.group(&child, &raw_child, ancestors)?;
                        ancestors.pop();
                    }
                }
                H5L_type_t::H5L_TYPE_SOFT => {
                    let val = c_ffi::link_val(&self.file, &cchild, val_size, &child)?;
                    let end = val.iter().position(|&b| b == 0).unwrap_or(val.len());
                    let kind = if c_ffi::object_exists(&self.file, &cchild) {
                        Kind::SoftLink
                    } else {
                        Kind::DanglingSoftLink
                    };
                    let mut o = Object::new(child, kind);
                    o.target = Some(lossy(&val[..end]));
                    self.objects.push(o);
                }
                H5L_type_t::H5L_TYPE_EXTERNAL => {
                    let val = c_ffi::link_val(&self.file, &cchild, val_size, &child)?;
                    let (tf, tp) = c_ffi::unpack_elink(&val, &child)?;
                    let mut o = Object::new(child, Kind::ExternalLink);
                    o.target_file = Some(lossy(&tf));
                    o.target_path = Some(lossy(&tp));
                    self.objects.push(o);
                }
                other => return Err(format!("unsupported link class {other:?} at {child}")),
            }
        }
        Ok(())
    }

    fn hard_object(&mut self, shown: &str, raw: &[u8], otype: H5O_type_t) -> Result<(), String> {
        let kind = match otype {
            H5O_type_t::H5O_TYPE_GROUP => Kind::Group,
            H5O_type_t::H5O_TYPE_DATASET => Kind::Dataset,
            H5O_type_t::H5O_TYPE_NAMED_DATATYPE => Kind::Datatype,
            other => return Err(format!("unsupported object type {other:?} at {shown}")),
        };
        let mut o = Object::new(shown, kind);
        // A failure inside one object (say, a datatype this library version cannot decode)
        // is recorded on that object; the rest of the file is still walked.
        let mut errors = Vec::new();
        let cpath = c_ffi::c_path(raw, shown)?;
        match c_ffi::open_object(&self.file, &cpath, shown) {
            Ok(obj) => {
                match self.attrs(&obj, shown) {
                    Ok(a) => o.attrs = Some(a),
                    Err(e) => errors.push(e),
                }
                let body = match kind {
                    Kind::Dataset => self.dataset(&obj, shown, &mut o),
                    Kind::Datatype => c_ffi::get_type(&obj, Source::Datatype, shown)
                        .and_then(|t| TypeNode::from_c(&t, shown))
                        .map(|node| o.dtype = Some(node.descriptor(self.sizeof_addr))),
                    _ => Ok(()),
                };
                if let Err(e) = body {
                    errors.push(e);
                }
            }
            Err(e) => errors.push(e),
        }
        if !errors.is_empty() {
            o.error = Some(errors.join("; "));
        }
        self.objects.push(o);
        Ok(())
    }

    fn attrs(&self, obj: &Handle, shown: &str) -> Result<Vec<Attr>, String> {
        let mut names = c_ffi::attr_names(obj, shown)?;
        names.sort();
        let mut out = Vec::new();
        for name in names {
            let aname = lossy(&name);
            let where_ = format!("{shown} attribute {aname}");
            let cname = c_ffi::c_path(&name, &where_)?;
            let attr = c_ffi::open_attr(obj, &cname, &where_)?;
            let t = c_ffi::get_type(&attr, Source::Attribute, &where_)?;
            // The descriptor is taken before any read: conversions may reorder members.
            let node = TypeNode::from_c(&t, &where_)?;
            let space = c_ffi::get_space(&attr, Source::Attribute, &where_)?;
            let extent = c_ffi::extent(&space, &where_)?;
            let (values, total) = match &extent {
                Extent::Null => (Value::Null, None),
                _ => {
                    let n = element_count(&extent);
                    let mut buf = ReadBuf::new(buffer_len(n, node.mem_size, &where_)?);
                    c_ffi::read_attr(&attr, &t, &mut buf, &where_)?;
                    let refs = RefContext {
                        file: &self.file,
                        shown: &where_,
                    };
                    let flat = node.decode_all(buf.bytes(), &refs);
                    if node.has_vlen() {
                        c_ffi::reclaim(&t, &space, &mut buf, &where_)?;
                    }
                    shape_values(flat?, &extent, n)
                }
            };
            out.push(Attr {
                name: aname,
                dtype: node.descriptor(self.sizeof_addr),
                shape: shape_of(&extent),
                values,
                values_total: total,
            });
        }
        Ok(out)
    }

    fn dataset(&self, ds: &Handle, shown: &str, o: &mut Object) -> Result<(), String> {
        let t = c_ffi::get_type(ds, Source::Dataset, shown)?;
        let node = TypeNode::from_c(&t, shown)?;
        o.dtype = Some(node.descriptor(self.sizeof_addr));
        let space = c_ffi::get_space(ds, Source::Dataset, shown)?;
        let extent = c_ffi::extent(&space, shown)?;
        o.shape = Some(shape_of(&extent));
        o.maxshape = Some(match &extent {
            Extent::Simple(_, max) => Some(
                max.iter()
                    .map(|&m| if m == u64::MAX { None } else { Some(m) })
                    .collect(),
            ),
            _ => None,
        });
        let n = element_count(&extent);
        if matches!(extent, Extent::Null) {
            o.values = Some(Value::Null);
            return Ok(());
        }
        if n == 0 {
            o.values = Some(shape_values(Vec::new(), &extent, 0).0);
            return Ok(());
        }
        let kept = n.min(VALUES_LIMIT);
        let mut buf = ReadBuf::new(buffer_len(kept, node.mem_size, shown)?);
        // Above the limit only the first elements in row-major order are read, as points.
        let partial = match &extent {
            Extent::Simple(dims, _) if n > VALUES_LIMIT => {
                let mem = c_ffi::simple_space(kept, shown)?;
                c_ffi::select_first(&space, dims, kept, shown)?;
                Some(mem)
            }
            _ => None,
        };
        let read = c_ffi::read_dataset(
            ds,
            &t,
            partial.as_ref().map(|m| (m, &space)),
            &mut buf,
            shown,
        );
        if let Err(e) = read {
            match c_ffi::unreadable_reason(ds) {
                Some(reason) => {
                    o.values = Some(error_values(&reason));
                    return Ok(());
                }
                None => return Err(e),
            }
        }
        let refs = RefContext {
            file: &self.file,
            shown,
        };
        let flat = node.decode_all(buf.bytes(), &refs);
        if node.has_vlen() {
            c_ffi::reclaim(&t, partial.as_ref().unwrap_or(&space), &mut buf, shown)?;
        }
        let (values, total) = shape_values(flat?, &extent, n);
        o.values = Some(values);
        o.values_total = total;
        Ok(())
    }
}

fn shape_of(extent: &Extent) -> Option<Vec<u64>> {
    match extent {
        Extent::Null => None,
        Extent::Scalar => Some(Vec::new()),
        Extent::Simple(d, _) => Some(d.clone()),
    }
}

fn element_count(extent: &Extent) -> u64 {
    match extent {
        Extent::Null => 0,
        Extent::Scalar => 1,
        Extent::Simple(d, _) => d.iter().fold(1u64, |a, &b| a.saturating_mul(b)),
    }
}

fn buffer_len(n: u64, size: usize, shown: &str) -> Result<usize, String> {
    usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_mul(size))
        .filter(|&len| len <= (1usize << 34))
        .ok_or_else(|| format!("values of {shown} too large to read"))
}

/// Shapes decoded elements: nested by the extent, or the flat first [`VALUES_LIMIT`]
/// elements plus the total count when there are more.
fn shape_values(mut flat: Vec<Value>, extent: &Extent, n: u64) -> (Value, Option<u64>) {
    if n > VALUES_LIMIT {
        flat.truncate(VALUES_LIMIT as usize);
        return (Value::Array(flat), Some(n));
    }
    match extent {
        Extent::Null => (Value::Null, None),
        Extent::Scalar => (nest(flat, &[]), None),
        Extent::Simple(d, _) => (nest(flat, d), None),
    }
}
