//! List an HDF5 file's tree from WebAssembly.
//!
//! [`tree_json`] is the whole job in safe Rust: open a file held in memory, walk every link
//! and describe each object as JSON. [`abi`] exports it from a `wasm32-unknown-unknown`
//! module through a plain C ABI (no bindings generator), so any JavaScript host can call it:
//! see `list.mjs` beside this crate and docs/WASM.md.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod abi;
mod json;

use h5oxide::{File, Link, Object};

use crate::json::JsonWriter;

/// Describes every object of the HDF5 file in `bytes` as a JSON array, the root group first,
/// then every link below it depth first in name order (as `h5ls -r` lists them).
///
/// Each entry has `path` and `kind` (`group`, `dataset`, `datatype`, `soft link`,
/// `external link`, `user-defined link`); datasets add `shape`, `dtype` (NumPy-style
/// descriptor), `chunks` (or `null`) and `filters` (names), soft links `target`, external
/// links `file` and `target`. An object that cannot be read gets an `error` string instead of
/// its details, so one bad object does not hide the rest of the tree.
///
/// # Errors
/// If `bytes` is not an HDF5 file (superblock missing or invalid) or the root group cannot be
/// read.
pub fn tree_json(bytes: Vec<u8>) -> h5oxide::Result<String> {
    let file = File::from_bytes(bytes)?;
    let root = file.root();
    let mut out = JsonWriter::new();
    out.begin_array();
    out.begin_object();
    out.field_str("path", "/");
    out.field_str("kind", "group");
    out.end_object();
    root.visit(&mut |rel, link| {
        let path = format!("/{rel}");
        out.begin_object();
        out.field_str("path", &path);
        match link {
            Link::Hard { .. } => match root.object(rel) {
                Ok(obj) => describe(&mut out, &obj),
                Err(e) => {
                    out.field_str("kind", "unreadable");
                    out.field_str("error", &e.to_string());
                }
            },
            Link::Soft { target } => {
                out.field_str("kind", "soft link");
                out.field_str("target", target);
            }
            Link::External { file, path } => {
                out.field_str("kind", "external link");
                out.field_str("file", file);
                out.field_str("target", path);
            }
            Link::UserDefined { link_type, .. } => {
                out.field_str("kind", "user-defined link");
                out.field_u64("type", u64::from(*link_type));
            }
            _ => out.field_str("kind", "link"),
        }
        out.end_object();
        Ok(())
    })?;
    out.end_array();
    Ok(out.finish())
}

fn describe(out: &mut JsonWriter, obj: &Object) {
    match obj {
        Object::Group(_) => out.field_str("kind", "group"),
        Object::Dataset(ds) => {
            out.field_str("kind", "dataset");
            out.field_u64_list("shape", &ds.shape());
            out.field_str("dtype", &ds.dtype().descriptor());
            match ds.chunks() {
                Some(c) => out.field_u64_list("chunks", &c),
                None => out.field_null("chunks"),
            }
            let names: Vec<&str> = ds
                .filters()
                .map(|p| {
                    p.filters
                        .iter()
                        .map(|f| filter_name(f.id, f.name.as_deref()))
                        .collect()
                })
                .unwrap_or_default();
            out.field_str_list("filters", &names);
        }
        Object::Datatype(t) => {
            out.field_str("kind", "datatype");
            match t.dtype() {
                Ok(dt) => out.field_str("dtype", &dt.descriptor()),
                Err(e) => out.field_str("error", &e.to_string()),
            }
        }
        _ => out.field_str("kind", "object"),
    }
}

/// The short name of a filter: the storage crate's name for the ids it knows, else the name
/// stored in the file, else `"unknown"`.
fn filter_name(id: u16, stored: Option<&str>) -> &str {
    match h5oxide_storage::filter::known_name(id) {
        "unknown" => stored.unwrap_or("unknown"),
        known => known,
    }
}
