//! Revised (HDF5 1.12, `H5R_ref_t`) references as HDF5/JSON values. The HDF Group's
//! hdf5-json has no form for them (only `H5T_STD_REF_OBJ` and `H5T_STD_REF_DSETREG`), so
//! h5ox extends the old forms (documented in the CLI README):
//!
//! - the type is `{"class": "H5T_REFERENCE", "base": "H5T_STD_REF"}`;
//! - a null reference is `null`, an object of the file `"datasets/<id>"` (as `H5T_STD_REF_OBJ`);
//! - a region is the `H5T_STD_REF_DSETREG` object `{"id", "class", "selection"}` with the
//!   dataset's `"rank"`; an attribute is `{"id", "attribute": <name>}`;
//! - a reference to another file has `"file": <name>` and `"address": <header address in
//!   that file>` in place of `"id"`.

use serde_json::{json, Map, Value as Json};

use h5oxide::types::Reference;

use crate::load_json::selection_of;
use crate::repack::BoxError;
use crate::tree::Tree;
use crate::values::{object_id, object_ref, selection_json};

/// `r` as an HDF5/JSON value, objects named by their ids in `tree`.
pub fn revised_json(r: &Reference, tree: &Tree) -> Json {
    let Some(address) = r.address() else {
        return Json::Null;
    };
    let mut m = Map::new();
    match r.file() {
        None if matches!(r, Reference::Object { .. }) => return json!(object_ref(tree, address)),
        None => {
            m.insert("id".into(), json!(object_id(tree, address)));
        }
        Some(f) => {
            m.insert("file".into(), json!(f));
            m.insert("address".into(), json!(address));
        }
    }
    match r {
        Reference::Region {
            selection: s, rank, ..
        } => {
            let (class, sel) = selection_json(s);
            m.insert("class".into(), json!(class));
            m.insert("selection".into(), sel);
            m.insert("rank".into(), json!(rank));
        }
        Reference::Attribute { name, .. } => {
            m.insert("attribute".into(), json!(name));
        }
        _ => {}
    }
    Json::Object(m)
}

/// The reference an HDF5/JSON value of `H5T_STD_REF` names (see the module docs); ids of
/// this document's objects resolved to header addresses by `resolve`.
///
/// # Errors
/// A value of another form, an unknown id (from `resolve`), a bad selection.
pub fn revised_of(
    v: &Json,
    resolve: &mut dyn FnMut(&str) -> Result<u64, BoxError>,
) -> Result<Reference, BoxError> {
    let id_of = |s: &str| s.rsplit_once('/').map_or(s, |(_, id)| id).to_owned();
    let m = match v {
        Json::Null => return Ok(Reference::Null),
        Json::String(s) => {
            return Ok(Reference::Object {
                address: resolve(&id_of(s))?,
                file: None,
            })
        }
        Json::Object(m) => m,
        _ => return Err(format!("{v} is not a revised reference").into()),
    };
    let file = match m.get("file") {
        None => None,
        Some(Json::String(f)) => Some(f.clone()),
        Some(x) => return Err(format!("a reference's file {x} is not a string").into()),
    };
    let address = if file.is_some() {
        m.get("address")
            .and_then(Json::as_u64)
            .ok_or("a reference to another file without an \"address\"")?
    } else {
        let id = m
            .get("id")
            .and_then(Json::as_str)
            .ok_or("a reference without an \"id\"")?;
        resolve(&id_of(id))?
    };
    let r = if let Some(name) = m.get("attribute") {
        let name = name.as_str().ok_or("an attribute name is not a string")?;
        if name.is_empty() || name.len() > usize::from(u16::MAX) {
            return Err("an attribute reference name of 0 or over 65535 bytes".into());
        }
        Reference::Attribute {
            address,
            file: None,
            name: name.to_owned(),
        }
    } else if m.contains_key("class") {
        let selection = selection_of(v)?;
        let rank = match m.get("rank") {
            Some(x) => u32::try_from(x.as_u64().ok_or("a region rank is not a number")?)?,
            None => return Err("a region reference without a \"rank\"".into()),
        };
        Reference::Region {
            address,
            file: None,
            selection,
            rank,
        }
    } else {
        Reference::Object {
            address,
            file: None,
        }
    };
    Ok(match file {
        Some(f) => r.in_file(&f)?,
        None => r,
    })
}
