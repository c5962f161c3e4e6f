//! `h5ox dump --json`: the file in the HDF Group's HDF5/JSON form (hdf5-json specification:
//! `groups`, `datasets`, `datatypes` keyed by id, `root`, links, attributes, types, shapes,
//! creation properties and values).

use serde_json::{json, Map, Value as Json};

use h5oxide::format::object_header::message::dataspace::{Dataspace, DataspaceKind, UNLIMITED};
use h5oxide::{Attribute, Attributes, Dataset, DimSlice, Link, Object, Selection};

use crate::props::creation_json;
use crate::tree::{join, Tree};
use crate::types::type_json;
use crate::values::{collection, id_for, nest, value_json};

/// What to put in the dump.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Include values at all.
    pub values: bool,
    /// Cut datasets of more elements than this to their leading rows.
    pub max_values: Option<u64>,
}

/// A dataspace as an HDF5/JSON shape. Unlimited maximum dimensions are `"H5S_UNLIMITED"`,
/// as the hdf5-json schema (`dataspaces.schema.json`) and its examples give them.
pub fn shape_json(space: &Dataspace) -> Json {
    match space.kind {
        DataspaceKind::Null => json!({"class": "H5S_NULL"}),
        DataspaceKind::Scalar => json!({"class": "H5S_SCALAR"}),
        DataspaceKind::Simple => {
            let mut m = json!({"class": "H5S_SIMPLE", "dims": space.dims});
            if let Some(max) = &space.max_dims {
                let max: Vec<Json> = max
                    .iter()
                    .map(|&d| {
                        if d == UNLIMITED {
                            json!("H5S_UNLIMITED")
                        } else {
                            json!(d)
                        }
                    })
                    .collect();
                m["maxdims"] = Json::Array(max);
            }
            m
        }
    }
}

/// A dataset's dataspace as libhdf5 reports it: for a virtual dataset with unlimited
/// mappings, the extent computed from its sources ([`Dataset::shape`]) replaces the stored
/// one, so the shape matches the values read.
pub fn reported_space(ds: &Dataset) -> Dataspace {
    let mut space = ds.space().clone();
    if space.kind == DataspaceKind::Simple {
        let dims = ds.shape();
        if dims.len() == space.dims.len() {
            space.dims = dims;
        }
    }
    space
}

fn attribute_json(a: &Attribute, tree: &Tree, opts: Options) -> Json {
    let mut m = json!({
        "name": a.name(),
        "type": type_json(a.dtype()),
        "shape": shape_json(a.space()),
    });
    if opts.values {
        if a.space().kind == DataspaceKind::Null {
            m["value"] = Json::Null;
        } else {
            match a.values() {
                Ok(v) => {
                    let items = v.iter().map(|x| value_json(x, tree)).collect();
                    m["value"] = nest(items, &a.shape());
                }
                Err(e) => {
                    m["value"] = Json::Null;
                    m["valueError"] = json!(e.to_string());
                }
            }
        }
    }
    m
}

fn attributes_json(attrs: Attributes, tree: &Tree, opts: Options) -> Result<Json, String> {
    match attrs.list() {
        Ok(list) => Ok(Json::Array(
            list.iter().map(|a| attribute_json(a, tree, opts)).collect(),
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// The dataset's value (whole, or its leading rows under `max_values`) into `m`.
fn dataset_value(ds: &Dataset, tree: &Tree, opts: Options, m: &mut Map<String, Json>) {
    if ds.is_null() {
        m.insert("value".into(), Json::Null);
        return;
    }
    let shape = ds.shape();
    let total = ds.size();
    let (sel, sel_shape, truncated) = match opts.max_values {
        Some(n) if total > n => {
            let Some((&first, rest)) = shape.split_first() else {
                // A scalar cannot be cut: leave its value out.
                m.insert("valueTruncated".into(), json!(true));
                m.insert("valueTotal".into(), json!(total));
                return;
            };
            let row: u64 = rest.iter().product();
            let rows = n.checked_div(row).map_or(first, |r| r.min(first));
            let mut dims = vec![DimSlice {
                start: 0,
                step: 1,
                count: rows,
            }];
            dims.extend(rest.iter().map(|&d| DimSlice::all(d)));
            let mut sel_shape = vec![rows];
            sel_shape.extend_from_slice(rest);
            match Selection::new(dims, &shape) {
                Ok(s) => (s, sel_shape, true),
                Err(e) => {
                    m.insert("value".into(), Json::Null);
                    m.insert("valueError".into(), json!(e.to_string()));
                    return;
                }
            }
        }
        _ => (Selection::all(&shape), shape.clone(), false),
    };
    match ds.read_values_selection(&sel) {
        Ok(v) => {
            let items = v.iter().map(|x| value_json(x, tree)).collect();
            m.insert("value".into(), nest(items, &sel_shape));
        }
        Err(e) => {
            m.insert("value".into(), Json::Null);
            m.insert("valueError".into(), json!(e.to_string()));
        }
    }
    if truncated {
        m.insert("valueTruncated".into(), json!(true));
        m.insert("valueTotal".into(), json!(total));
    }
}

fn link_json(group: &str, name: &str, link: &Link, tree: &Tree) -> Json {
    match link {
        Link::Hard { address } => match tree.nodes.get(address) {
            Some(n) => {
                let k = n.object.kind();
                json!({
                    "class": "H5L_TYPE_HARD",
                    "title": name,
                    "collection": collection(k),
                    "id": id_for(k, *address),
                })
            }
            None => {
                let path = join(group, name);
                let err = tree
                    .broken
                    .iter()
                    .find(|b| b.path == path)
                    .map_or("target not readable".to_owned(), |b| b.error.clone());
                json!({
                    "class": "H5L_TYPE_HARD",
                    "title": name,
                    "id": format!("x-{address}"),
                    "error": err,
                })
            }
        },
        Link::Soft { target } => json!({"class": "H5L_TYPE_SOFT", "title": name, "h5path": target}),
        Link::External { file, path } => json!({
            "class": "H5L_TYPE_EXTERNAL",
            "title": name,
            "file": file,
            "h5path": path,
        }),
        Link::UserDefined { link_type, .. } => json!({
            "class": "H5L_TYPE_USER_DEFINED",
            "title": name,
            "linkType": link_type,
        }),
        _ => json!({"class": "H5L_TYPE_ERROR", "title": name}),
    }
}

fn put_attributes(m: &mut Map<String, Json>, attrs: Attributes, tree: &Tree, opts: Options) {
    match attributes_json(attrs, tree, opts) {
        Ok(a) => {
            m.insert("attributes".into(), a);
        }
        Err(e) => {
            m.insert("attributes".into(), json!([]));
            m.insert("attributesError".into(), json!(e));
        }
    }
}

/// The whole file as an HDF5/JSON document. Objects are keyed `g-<address>`,
/// `d-<address>`, `t-<address>` (object header addresses: stable for a given file), and
/// every object lists the paths reaching it under `alias`.
pub fn document(tree: &Tree, opts: Options) -> Json {
    let mut groups = Map::new();
    let mut datasets = Map::new();
    let mut datatypes = Map::new();
    // The file read directly, for what the API does not give: fill value messages.
    let mut input: Option<Option<crate::elements::Input>> = None;
    for (&address, node) in &tree.nodes {
        let mut m = Map::new();
        m.insert("alias".into(), json!(node.paths));
        match &node.object {
            Object::Group(g) => {
                put_attributes(&mut m, g.attrs(), tree, opts);
                let links: Vec<Json> = node
                    .links
                    .iter()
                    .map(|(name, l)| link_json(g.name(), name, l, tree))
                    .collect();
                m.insert("links".into(), Json::Array(links));
                if let Some(e) = &node.links_error {
                    m.insert("linksError".into(), json!(e));
                }
                groups.insert(id_for(node.object.kind(), address), Json::Object(m));
            }
            Object::Dataset(d) => {
                put_attributes(&mut m, d.attrs(), tree, opts);
                m.insert("type".into(), type_json(d.dtype()));
                m.insert("shape".into(), shape_json(&reported_space(d)));
                let input = input.get_or_insert_with(|| {
                    d.file()
                        .path()
                        .and_then(|p| crate::elements::Input::open(p).ok())
                });
                let fill = input
                    .as_ref()
                    .and_then(|i| i.fill_message(address).ok().flatten());
                m.insert("creationProperties".into(), creation_json(d, fill.as_ref()));
                if opts.values {
                    dataset_value(d, tree, opts, &mut m);
                }
                datasets.insert(id_for(node.object.kind(), address), Json::Object(m));
            }
            Object::Datatype(t) => {
                put_attributes(&mut m, t.attrs(), tree, opts);
                match t.dtype() {
                    Ok(dt) => {
                        m.insert("type".into(), type_json(&dt));
                    }
                    Err(e) => {
                        m.insert("typeError".into(), json!(e.to_string()));
                    }
                }
                datatypes.insert(id_for(node.object.kind(), address), Json::Object(m));
            }
            _ => {}
        }
    }
    json!({
        "apiVersion": "1.0.0",
        "root": id_for(h5oxide::ObjectKind::Group, tree.root),
        "groups": groups,
        "datasets": datasets,
        "datatypes": datatypes,
    })
}
