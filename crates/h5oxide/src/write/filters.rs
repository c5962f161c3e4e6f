//! The filter pipeline of a new dataset: which filters, in which order, with which
//! client data (spec IV.A.2.l).

use h5oxide_format::object_header::message::filter_pipeline::{FilterDescription, FilterPipeline};

use crate::error::{Error, Result};
use crate::write::Libver;

/// A filter requested on a builder, turned into a pipeline entry at `create`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FilterSpec {
    Shuffle,
    Deflate(u32),
    Lzf,
    Lz4,
    Zstd(i32),
    Fletcher32,
}

/// The filter pipeline message for `filters` in libhdf5's order (shuffle, compression,
/// checksum), with each filter's client data as its "set local" step computes it.
pub(crate) fn build_pipeline(
    filters: &[FilterSpec],
    elem: usize,
    chunk: &[u64],
    libver: Libver,
) -> Result<Option<FilterPipeline>> {
    if filters.is_empty() {
        return Ok(None);
    }
    let mut ordered: Vec<FilterSpec> = Vec::new();
    for f in filters {
        if !ordered.contains(f) {
            ordered.push(*f);
        }
    }
    let rank = |f: &FilterSpec| match f {
        FilterSpec::Shuffle => 0,
        FilterSpec::Fletcher32 => 2,
        _ => 1,
    };
    ordered.sort_by_key(rank);
    let v1 = libver == Libver::Earliest;
    let mut out = Vec::new();
    for f in ordered {
        let (id, name, optional, client_data) = filter_entry(f, elem, chunk)?;
        out.push(FilterDescription {
            id,
            name: if v1 || id >= 256 {
                Some(name.to_owned())
            } else {
                None
            },
            flags: u16::from(optional),
            client_data,
        });
    }
    Ok(Some(FilterPipeline {
        version: if v1 { 1 } else { 2 },
        filters: out,
    }))
}

// With every filter feature off, each arm returns `missing`: the imports and the final
// `Ok` are then unused, which is expected for that build.
#[allow(unused_variables, unused_imports, unreachable_code)]
fn filter_entry(
    f: FilterSpec,
    elem: usize,
    chunk: &[u64],
) -> Result<(u16, &'static str, bool, Vec<u32>)> {
    use h5oxide_storage::filter as flt;
    let missing: Result<(u16, &'static str, bool, Vec<u32>)> = Err(Error::Usage(
        "this filter is not built in (enable its Cargo feature)",
    ));
    Ok(match f {
        FilterSpec::Shuffle => {
            #[cfg(feature = "shuffle")]
            {
                (
                    flt::ID_SHUFFLE,
                    "shuffle",
                    true,
                    flt::shuffle::params_for((), elem, chunk),
                )
            }
            #[cfg(not(feature = "shuffle"))]
            return missing;
        }
        FilterSpec::Deflate(level) => {
            #[cfg(feature = "deflate")]
            {
                (
                    flt::ID_DEFLATE,
                    "deflate",
                    true,
                    flt::deflate::params_for(level, elem, chunk),
                )
            }
            #[cfg(not(feature = "deflate"))]
            return missing;
        }
        FilterSpec::Fletcher32 => {
            #[cfg(feature = "fletcher32")]
            {
                (flt::ID_FLETCHER32, "fletcher32", false, Vec::new())
            }
            #[cfg(not(feature = "fletcher32"))]
            return missing;
        }
        FilterSpec::Lzf => {
            #[cfg(feature = "lzf")]
            {
                (
                    flt::ID_LZF,
                    "lzf",
                    true,
                    flt::lzf::params_for((), elem, chunk),
                )
            }
            #[cfg(not(feature = "lzf"))]
            return missing;
        }
        FilterSpec::Lz4 => {
            #[cfg(feature = "lz4")]
            {
                (
                    flt::ID_LZ4,
                    "lz4",
                    true,
                    flt::lz4::params_for((0, 0), elem, chunk),
                )
            }
            #[cfg(not(feature = "lz4"))]
            return missing;
        }
        FilterSpec::Zstd(level) => {
            #[cfg(feature = "zstd")]
            {
                (
                    flt::ID_ZSTD,
                    "zstd",
                    true,
                    flt::zstd::params_for(level, elem, chunk),
                )
            }
            #[cfg(not(feature = "zstd"))]
            return missing;
        }
    })
}
