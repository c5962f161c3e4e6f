//! The walk: one comparable description of a whole HDF5 file (see `tests/WALK_FORMAT.md`).
//!
//! A [`Walk`] is produced once by the C library ([`crate::c_walk::c_walk`]) and once by h5oxide; the two
//! are compared with [`compare`], which names the first differing objects and fields instead of
//! printing a whole-document diff.
//!
//! Details the format file leaves open, as written here:
//!
//! - Text: serde_json's pretty printer (two spaces, `"key": value`, `[]` and `{}` when empty),
//!   keys sorted by bytes at every level (compound VALUE objects too), non-ASCII as raw UTF-8,
//!   one trailing newline. `file` is the file name without folders.
//! - Keys per kind: groups `attrs`; datasets `attrs dtype shape maxshape values` (and
//!   `values_total`); named datatypes `attrs dtype`; soft links `target`; external links
//!   `target_file target_path`. `error` appears only when the reading library failed on that
//!   object (`"<call> failed on <path>"`, several joined by `"; "`).
//! - Order: objects by path and attributes by name, both compared as byte strings.
//! - Cycles: a hard link to a group that is on the current path (same file number and object
//!   header address) is listed as a group with its attributes, and its links are not walked.
//! - A soft link is dangling when its target cannot be resolved (missing object, missing
//!   intermediate group, soft-link loop).
//! - More than [`VALUES_LIMIT`] elements: `values` is the flat list of the first 1000 elements
//!   in row-major order and `values_total` the element count (datasets and attributes).
//! - Values that cannot be read for a known reason: `{"error": "filter <id> unavailable"}`,
//!   `{"error": "external raw data unreadable"}`, `{"error": "virtual source unreadable"}`.
//! - A reference that cannot be resolved is `{"error": "<call> failed on <path>"}`; all-zero
//!   (or all-0xff) stored bytes are a null reference.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Datasets and attributes with more elements than this keep only their first
/// `VALUES_LIMIT` elements, flattened in row-major order, plus a `values_total` count.
pub const VALUES_LIMIT: u64 = 1000;

/// The walk of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Walk {
    /// File name (the last path component) of the walked file.
    pub file: String,
    /// Every link path reachable from the root, root `/` first, sorted by path.
    pub objects: Vec<Object>,
}

/// What a link path leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A group (hard link or the root).
    Group,
    /// A dataset.
    Dataset,
    /// A named (committed) datatype.
    Datatype,
    /// A soft link whose target exists.
    SoftLink,
    /// An external link (never opened).
    ExternalLink,
    /// A soft link whose target does not exist.
    DanglingSoftLink,
}

/// One entry of the walk: one link path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Object {
    /// Absolute path made of link names, `/` for the root.
    pub path: String,
    /// What the link leads to.
    pub kind: Kind,
    /// Soft links: the stored link value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// External links: the file name as stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_file: Option<String>,
    /// External links: the object path as stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_path: Option<String>,
    /// Groups, datasets and named datatypes: attributes sorted by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attrs: Option<Vec<Attr>>,
    /// Datasets and named datatypes: the datatype descriptor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dtype: Option<String>,
    /// Datasets: `Some(None)` for a null dataspace, `Some(Some(vec![]))` for a scalar.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub shape: Option<Option<Vec<u64>>>,
    /// Datasets: maximum dimensions (`None` entries are unlimited); `Some(None)` if
    /// scalar or null.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub maxshape: Option<Option<Vec<Option<u64>>>>,
    /// Datasets: the element values (see [`VALUES_LIMIT`]); `Some(Value::Null)` for a null
    /// dataspace.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub values: Option<Value>,
    /// Datasets and attributes cut to [`VALUES_LIMIT`] elements: the full element count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_total: Option<u64>,
    /// Set when the reading library failed on this object (e.g. a datatype it does not
    /// know); the fields it could not get are absent. Its other fields still count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attr {
    /// Attribute name.
    pub name: String,
    /// Datatype descriptor.
    pub dtype: String,
    /// `None` for a null dataspace, empty for a scalar.
    pub shape: Option<Vec<u64>>,
    /// Element values, as for datasets.
    pub values: Value,
    /// Set when the values were cut to [`VALUES_LIMIT`] elements: the full element count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_total: Option<u64>,
}

/// Keeps "present but null" apart from "absent" for optional fields whose value may be null.
fn present<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(de).map(Some)
}

impl Object {
    /// An entry with only a path and a kind; the other fields are filled by the walker.
    pub fn new(path: impl Into<String>, kind: Kind) -> Self {
        Object {
            path: path.into(),
            kind,
            target: None,
            target_file: None,
            target_path: None,
            attrs: None,
            dtype: None,
            shape: None,
            maxshape: None,
            values: None,
            values_total: None,
            error: None,
        }
    }
}

impl Walk {
    /// The canonical JSON text: keys sorted at every level, two-space indentation, one
    /// trailing newline.
    pub fn to_canonical_json(&self) -> String {
        // Serializing a derived struct cannot fail: all keys are strings.
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        canonical_json(&value)
    }

    /// Parses a walk from JSON text.
    ///
    /// # Errors
    /// The text is not JSON of the walk's shape (unknown fields are refused).
    pub fn from_json(text: &str) -> Result<Walk, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// Writes `value` with object keys sorted (whatever map order serde_json was built with),
/// two-space indentation and a trailing newline.
pub fn canonical_json(value: &Value) -> String {
    let sorted = sort_keys(value);
    let mut text = serde_json::to_string_pretty(&sorted).unwrap_or_default();
    text.push('\n');
    text
}

fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

/// One difference between two walks.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Object path (or `<file>` for walk-level fields).
    pub path: String,
    /// Field of the object, e.g. `dtype`, `attrs[units].values`, `values[3][1]`.
    pub field: String,
    /// Left value, shortened.
    pub left: String,
    /// Right value, shortened.
    pub right: String,
    /// True when either side's `values` is an `{"error": ...}` object: the values could not be
    /// read by that side, so the difference says nothing about the format.
    pub unreadable: bool,
}

impl core::fmt::Display for Difference {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} {}: {} != {}{}",
            self.path,
            self.field,
            self.left,
            self.right,
            if self.unreadable { " (unreadable)" } else { "" }
        )
    }
}

/// Compares two walks field by field and returns at most `max` differences, in path order.
/// Objects present on one side only are reported with field `<object>`.
pub fn compare(left: &Walk, right: &Walk, max: usize) -> Vec<Difference> {
    let mut out = Vec::new();
    if left.file != right.file {
        let (l, r) = (shorten(&left.file), shorten(&right.file));
        push(&mut out, max, "<file>", "file", l, r, false);
    }
    let mut l = left.objects.iter().peekable();
    let mut r = right.objects.iter().peekable();
    loop {
        if out.len() >= max {
            break;
        }
        match (l.peek(), r.peek()) {
            (None, None) => break,
            (Some(a), Some(b)) if a.path == b.path => {
                compare_objects(a, b, &mut out, max);
                l.next();
                r.next();
            }
            (Some(a), Some(b)) if a.path < b.path => {
                out.push(missing(&a.path, true));
                l.next();
            }
            (Some(a), None) => {
                out.push(missing(&a.path, true));
                l.next();
            }
            (_, Some(b)) => {
                out.push(missing(&b.path, false));
                r.next();
            }
        }
    }
    out.truncate(max);
    out
}

fn missing(path: &str, on_left: bool) -> Difference {
    let (left, right) = if on_left {
        ("present".to_string(), "absent".to_string())
    } else {
        ("absent".to_string(), "present".to_string())
    };
    Difference {
        path: path.to_string(),
        field: "<object>".to_string(),
        left,
        right,
        unreadable: false,
    }
}

fn compare_objects(a: &Object, b: &Object, out: &mut Vec<Difference>, max: usize) {
    let va = serde_json::to_value(a).unwrap_or(Value::Null);
    let vb = serde_json::to_value(b).unwrap_or(Value::Null);
    let failed = a.error.is_some() || b.error.is_some();
    let unreadable = is_error(a.values.as_ref()) || is_error(b.values.as_ref());
    let (Value::Object(ma), Value::Object(mb)) = (va, vb) else {
        return;
    };
    let mut keys: Vec<&String> = ma.keys().chain(mb.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        if key == "attrs" {
            compare_attrs(&a.path, &a.attrs, &b.attrs, failed, out, max);
            continue;
        }
        let unread = failed || (unreadable && (key == "values" || key == "values_total"));
        diff_value(&a.path, key, ma.get(key), mb.get(key), unread, out, max);
    }
}

fn compare_attrs(
    path: &str,
    a: &Option<Vec<Attr>>,
    b: &Option<Vec<Attr>>,
    failed: bool,
    out: &mut Vec<Difference>,
    max: usize,
) {
    let (Some(a), Some(b)) = (a, b) else {
        if a.is_some() != b.is_some() {
            let show =
                |x: &Option<Vec<Attr>>| if x.is_some() { "list" } else { "absent" }.to_string();
            push(out, max, path, "attrs", show(a), show(b), failed);
        }
        return;
    };
    let names = |v: &[Attr]| v.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
    if names(a) != names(b) {
        let left = shorten(&serde_json::to_string(&names(a)).unwrap_or_default());
        let right = shorten(&serde_json::to_string(&names(b)).unwrap_or_default());
        push(out, max, path, "attrs[names]", left, right, failed);
        return;
    }
    for (x, y) in a.iter().zip(b) {
        let vx = serde_json::to_value(x).unwrap_or(Value::Null);
        let vy = serde_json::to_value(y).unwrap_or(Value::Null);
        let unreadable = failed || is_error(Some(&x.values)) || is_error(Some(&y.values));
        for key in ["dtype", "shape", "values", "values_total"] {
            let field = format!("attrs[{}].{key}", x.name);
            let unread = unreadable && key.starts_with("values");
            diff_value(path, &field, vx.get(key), vy.get(key), unread, out, max);
        }
    }
}

fn is_error(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Object(m)) if m.contains_key("error"))
}

/// Descends into lists (and compound objects) to name the first differing element.
fn diff_value(
    path: &str,
    field: &str,
    a: Option<&Value>,
    b: Option<&Value>,
    unreadable: bool,
    out: &mut Vec<Difference>,
    max: usize,
) {
    if a == b || out.len() >= max {
        return;
    }
    match (a, b) {
        (Some(Value::Array(x)), Some(Value::Array(y))) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if p != q {
                    let sub = format!("{field}[{i}]");
                    diff_value(path, &sub, Some(p), Some(q), unreadable, out, max);
                    return;
                }
            }
        }
        _ => {
            let show = |v: Option<&Value>| match v {
                None => "absent".to_string(),
                Some(v) => shorten(&v.to_string()),
            };
            push(out, max, path, field, show(a), show(b), unreadable);
        }
    }
}

fn push(
    out: &mut Vec<Difference>,
    max: usize,
    path: &str,
    field: &str,
    left: String,
    right: String,
    unreadable: bool,
) {
    if out.len() < max {
        out.push(Difference {
            path: path.to_string(),
            field: field.to_string(),
            left,
            right,
            unreadable,
        });
    }
}

/// Cuts a rendered value to 80 characters (on a character boundary).
pub fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    let mut s: String = text.chars().take(MAX).collect();
    s.push_str("...");
    s
}

/// Renders differences one per line, for assertion messages.
pub fn render(diffs: &[Difference]) -> String {
    diffs
        .iter()
        .map(|d| format!("  {d}\n"))
        .collect::<Vec<_>>()
        .concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Walk {
        let mut root = Object::new("/", Kind::Group);
        root.attrs = Some(vec![]);
        let mut d = Object::new("/d", Kind::Dataset);
        d.attrs = Some(vec![Attr {
            name: "a".into(),
            dtype: "<i4".into(),
            shape: None,
            values: Value::Null,
            values_total: None,
        }]);
        d.dtype = Some("<f8".into());
        d.shape = Some(None);
        d.maxshape = Some(None);
        d.values = Some(Value::Null);
        let mut l = Object::new("/l", Kind::SoftLink);
        l.target = Some("/d".into());
        Walk {
            file: "x.h5".into(),
            objects: vec![root, d, l],
        }
    }

    #[test]
    fn canonical_json_sorts_keys_and_keeps_nulls() {
        let text = sample().to_canonical_json();
        assert!(text.ends_with("}\n"));
        let d_at = text.find("\"path\": \"/d\"").unwrap();
        // Keys of the dataset entry appear in sorted order, nulls kept.
        let tail = &text[..d_at];
        let a = tail.rfind("\"attrs\"").unwrap();
        let dt = tail.rfind("\"dtype\"").unwrap();
        let ms = tail.rfind("\"maxshape\": null").unwrap();
        assert!(a < dt && dt < ms);
        assert!(text.contains("\"values\": null"));
        // The soft link has no attrs/values keys.
        let l_part = &text[text.find("\"kind\": \"soft_link\"").unwrap()..];
        assert!(!l_part.contains("values"));
        assert!(text.contains("\n  \"file\": \"x.h5\""));
    }

    #[test]
    fn json_round_trip_keeps_present_nulls() {
        let w = sample();
        let back = Walk::from_json(&w.to_canonical_json()).unwrap();
        assert_eq!(back, w);
        assert_eq!(back.objects[1].shape, Some(None));
        assert_eq!(back.objects[2].shape, None);
    }

    #[test]
    fn compare_names_first_differing_element() {
        let mut a = sample();
        a.objects[1].values = Some(json!([[1, 2], [3, 4]]));
        let mut b = a.clone();
        b.objects[1].values = Some(json!([[1, 2], [3, 5]]));
        b.objects[1].attrs.as_mut().unwrap()[0].dtype = ">i4".into();
        b.objects.remove(2);
        let d = compare(&a, &b, 10);
        assert_eq!(d.len(), 3, "{}", render(&d));
        assert_eq!(
            (d[0].path.as_str(), d[0].field.as_str()),
            ("/d", "attrs[a].dtype")
        );
        assert_eq!(d[0].left, "\"<i4\"");
        assert_eq!(d[1].field, "values[1][1]");
        assert_eq!((d[1].left.as_str(), d[1].right.as_str()), ("4", "5"));
        assert_eq!(
            (d[2].path.as_str(), d[2].field.as_str()),
            ("/l", "<object>")
        );
        assert!(compare(&a, &a, 10).is_empty());
    }

    #[test]
    fn compare_flags_unreadable_values() {
        let a = sample();
        let mut b = a.clone();
        b.objects[1].values = Some(json!({"error": "filter 32015 unavailable"}));
        let d = compare(&a, &b, 10);
        assert_eq!(d.len(), 1);
        assert!(d[0].unreadable);
    }

    #[test]
    fn compare_flags_objects_the_reader_failed_on() {
        let a = sample();
        let mut b = a.clone();
        b.objects[1].error = Some("H5Oopen failed on /d".into());
        b.objects[1].dtype = None;
        b.objects[1].attrs = None;
        let d = compare(&a, &b, 10);
        assert_eq!(d.len(), 3, "{}", render(&d));
        assert!(d.iter().all(|x| x.unreadable));
        let mut c = a.clone();
        c.file = "y.h5".into();
        let d = compare(&a, &c, 10);
        assert_eq!((d[0].path.as_str(), d[0].unreadable), ("<file>", false));
    }

    #[test]
    fn shorten_cuts_long_text() {
        let long = "x".repeat(200);
        assert_eq!(shorten(&long).len(), 83);
        assert_eq!(shorten("abc"), "abc");
    }
}
