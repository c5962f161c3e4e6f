//! Dataset creation properties as the tools show them: layout, filters, fill value.

use serde_json::{json, Value as Json};

use h5oxide::format::object_header::message::datatype::{Datatype, TypeClass, VarLenKind};
use h5oxide::format::object_header::message::fill_value::{
    AllocationTime, FillState, FillValue, FillWriteTime,
};
use h5oxide::format::object_header::message::filter_pipeline::FilterDescription;
use h5oxide::format::object_header::message::layout::Storage;
use h5oxide::Dataset;

use crate::types::{int_of, std_float_name, std_int_name};
use crate::values::{float_json, hex_bytes};

/// The C library's class name and short name of a filter id (spec IV.A.2.l, registered
/// filter ids).
pub fn filter_names(id: u16) -> (&'static str, &'static str) {
    match id {
        1 => ("H5Z_FILTER_DEFLATE", "deflate"),
        2 => ("H5Z_FILTER_SHUFFLE", "shuffle"),
        3 => ("H5Z_FILTER_FLETCHER32", "fletcher32"),
        4 => ("H5Z_FILTER_SZIP", "szip"),
        5 => ("H5Z_FILTER_NBIT", "nbit"),
        6 => ("H5Z_FILTER_SCALEOFFSET", "scaleoffset"),
        32000 => ("H5Z_FILTER_LZF", "lzf"),
        307 => ("H5Z_FILTER_USER", "bzip2"),
        32001 => ("H5Z_FILTER_USER", "blosc"),
        32004 => ("H5Z_FILTER_USER", "lz4"),
        32008 => ("H5Z_FILTER_USER", "bitshuffle"),
        32015 => ("H5Z_FILTER_USER", "zstd"),
        _ => ("H5Z_FILTER_USER", "unknown"),
    }
}

/// A filter's name: the one stored in the pipeline message, else the registered one.
pub fn filter_name(f: &FilterDescription) -> String {
    match &f.name {
        Some(n) if !n.is_empty() => n.clone(),
        _ => filter_names(f.id).1.to_owned(),
    }
}

/// One filter as an HDF5/JSON filter object: `class`, `id`, `name`, `parameters` (the
/// client data values), plus the named fields the specification gives deflate, szip and
/// scale-offset.
pub fn filter_json(f: &FilterDescription) -> Json {
    let (class, _) = filter_names(f.id);
    let mut m = json!({
        "class": class,
        "id": f.id,
        "name": filter_name(f),
        "parameters": f.client_data,
    });
    let cd = &f.client_data;
    match f.id {
        1 => {
            if let Some(l) = cd.first() {
                m["level"] = json!(l);
            }
        }
        // Client data of szip after H5Pset_szip and set_local: options mask, pixels per
        // block, bits per pixel, pixels per scanline.
        4 if cd.len() >= 4 => {
            m["coding"] = json!(if cd[0] & 4 != 0 {
                "H5_SZIP_EC_OPTION_MASK"
            } else {
                "H5_SZIP_NN_OPTION_MASK"
            });
            m["pixelsPerBlock"] = json!(cd[1]);
            m["bitsPerPixel"] = json!(cd[2]);
            m["pixelsPerScanline"] = json!(cd[3]);
        }
        6 if cd.len() >= 2 => {
            m["scaleType"] = json!(match cd[0] {
                0 => "H5Z_SO_FLOAT_DSCALE",
                1 => "H5Z_SO_FLOAT_ESCALE",
                _ => "H5Z_SO_INT",
            });
            m["scaleOffset"] = json!(cd[1]);
        }
        _ => {}
    }
    m
}

/// The layout as HDF5/JSON gives it (`H5D_CHUNKED` with its chunk dims).
pub fn layout_json(ds: &Dataset) -> Json {
    match &ds.layout().storage {
        Storage::Compact { .. } => json!({"class": "H5D_COMPACT"}),
        Storage::Contiguous { .. } => json!({"class": "H5D_CONTIGUOUS"}),
        Storage::Chunked(c) => json!({"class": "H5D_CHUNKED", "dims": c.dims}),
        Storage::Virtual { .. } => json!({"class": "H5D_VIRTUAL"}),
    }
}

/// One element's stored bytes as a JSON value, for the types whose bytes this tool decodes
/// itself (fill values): standard integers and floats, fixed strings; other types as the
/// h5dump hex string of the bytes.
pub fn bytes_json(dt: &Datatype, b: &[u8]) -> Json {
    if std_int_name(dt).is_some() {
        if let TypeClass::FixedPoint { order, signed, .. } = &dt.class {
            if let Some(v) = int_of(b, *order, *signed) {
                return i64::try_from(v)
                    .map(Json::from)
                    .or_else(|_| u64::try_from(v).map(Json::from))
                    .unwrap_or(Json::Null);
            }
        }
    }
    if std_float_name(dt).is_some() {
        if let TypeClass::FloatingPoint { order, .. } = &dt.class {
            if let Some(raw) = int_of(b, *order, false) {
                let x = if b.len() == 8 {
                    f64::from_bits(raw as u64)
                } else {
                    f64::from(f32::from_bits(raw as u32))
                };
                return float_json(x);
            }
        }
    }
    match &dt.class {
        TypeClass::String { .. } => {
            let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
            json!(String::from_utf8_lossy(&b[..end]).trim_end_matches(' '))
        }
        TypeClass::VarLen {
            kind: VarLenKind::String { .. },
            ..
        } if b.iter().all(|&c| c == 0) => json!(""),
        _ => json!(hex_bytes(b)),
    }
}

/// HDF5/JSON's (and the C library's) name of a space allocation time.
pub fn alloc_time_name(t: AllocationTime) -> &'static str {
    match t {
        AllocationTime::Early => "H5D_ALLOC_TIME_EARLY",
        AllocationTime::Late => "H5D_ALLOC_TIME_LATE",
        AllocationTime::Incremental => "H5D_ALLOC_TIME_INCR",
    }
}

/// HDF5/JSON's (and the C library's) name of a fill value write time.
pub fn fill_time_name(t: FillWriteTime) -> &'static str {
    match t {
        FillWriteTime::IfSet => "H5D_FILL_TIME_IFSET",
        FillWriteTime::OnAllocation => "H5D_FILL_TIME_ALLOC",
        FillWriteTime::Never => "H5D_FILL_TIME_NEVER",
    }
}

/// The space allocation time named `s` (`H5D_ALLOC_TIME_*`, `None` for `DEFAULT` or an
/// unknown name).
pub fn alloc_time_of(s: &str) -> Option<AllocationTime> {
    [
        AllocationTime::Early,
        AllocationTime::Late,
        AllocationTime::Incremental,
    ]
    .into_iter()
    .find(|&t| alloc_time_name(t) == s)
}

/// The fill value write time named `s` (`H5D_FILL_TIME_*`).
pub fn fill_time_of(s: &str) -> Option<FillWriteTime> {
    [
        FillWriteTime::IfSet,
        FillWriteTime::OnAllocation,
        FillWriteTime::Never,
    ]
    .into_iter()
    .find(|&t| fill_time_name(t) == s)
}

/// The dataset's creation properties as HDF5/JSON gives them; with its fill value message
/// `fill` (read from the file directly), also `allocTime`, `fillTime`, and an undefined
/// fill value as `"fillValue": null`.
pub fn creation_json(ds: &Dataset, fill: Option<&FillValue>) -> Json {
    let mut m = serde_json::Map::new();
    m.insert("layout".into(), layout_json(ds));
    if let Some(p) = ds.filters() {
        if !p.filters.is_empty() {
            m.insert(
                "filters".into(),
                Json::Array(p.filters.iter().map(filter_json).collect()),
            );
        }
    }
    if let Some(f) = fill {
        m.insert(
            "allocTime".into(),
            json!(alloc_time_name(f.allocation_time)),
        );
        m.insert("fillTime".into(), json!(fill_time_name(f.write_time)));
        if f.state == FillState::Undefined {
            m.insert("fillValue".into(), Json::Null);
        }
    }
    if let Some(f) = ds.fill_value_bytes() {
        m.insert("fillValue".into(), bytes_json(ds.dtype(), f));
    }
    Json::Object(m)
}
