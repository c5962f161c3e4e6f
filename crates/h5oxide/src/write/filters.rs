//! The filter pipeline of a new dataset: which filters, in which order, with which
//! client data (spec IV.A.2.l).

use h5oxide_format::object_header::message::datatype::{ByteOrder, Datatype, TypeClass};
use h5oxide_format::object_header::message::filter_pipeline::{FilterDescription, FilterPipeline};

use crate::error::{Error, Result};
use crate::write::Libver;

/// The inner compressor of Blosc and Blosc2.
///
/// ```
/// use h5oxide::write::{Blosc, BloscShuffle};
/// let file = h5oxide::File::in_memory()?;
/// let data: Vec<u32> = (0..1000).collect();
/// let b = file.root().new_dataset_builder().with_data(&data).chunk([250]);
/// let ds = b.blosc(Blosc::Zstd, 5, BloscShuffle::Byte).create("d")?;
/// // 32001: Blosc's registered filter identifier.
/// assert_eq!(ds.filters().unwrap().filters[0].id, 32001);
/// assert_eq!(ds.read_raw::<u32>()?, data);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blosc {
    /// BloscLZ.
    BloscLz,
    /// LZ4.
    Lz4,
    /// LZ4 high compression.
    Lz4hc,
    /// zlib.
    Zlib,
    /// Zstandard.
    Zstd,
}

/// The shuffle Blosc and Blosc2 apply before compressing.
///
/// ```
/// use h5oxide::write::{Blosc, BloscShuffle};
/// let file = h5oxide::File::in_memory()?;
/// let data: Vec<f64> = (0..64).map(|i| i as f64 / 4.0).collect();
/// let b = file.root().new_dataset_builder().with_data(&data).chunk([16]);
/// let ds = b.blosc2(Blosc::Lz4, 9, BloscShuffle::Bit).create("d")?;
/// assert_eq!(ds.read_raw::<f64>()?, data);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BloscShuffle {
    /// None.
    None,
    /// Byte shuffle.
    Byte,
    /// Bit shuffle.
    Bit,
}

/// What the Bitshuffle filter compresses its output with.
///
/// ```
/// use h5oxide::write::Bitshuffle;
/// let file = h5oxide::File::in_memory()?;
/// let data: Vec<i16> = (0..512).map(|i| (i % 7) as i16).collect();
/// let b = file.root().new_dataset_builder().with_data(&data).chunk([128]);
/// let ds = b.bitshuffle(Bitshuffle::Lz4).create("d")?;
/// // 32008: Bitshuffle's registered filter identifier.
/// assert_eq!(ds.filters().unwrap().filters[0].id, 32008);
/// assert_eq!(ds.read_raw::<i16>()?, data);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bitshuffle {
    /// Nothing: the transform only.
    None,
    /// LZ4 (hdf5plugin's default).
    Lz4,
    /// Zstandard at a level.
    Zstd(i32),
}

/// SZIP coding methods (libhdf5's `H5_SZIP_EC_OPTION_MASK` / `H5_SZIP_NN_OPTION_MASK`).
///
/// ```
/// use h5oxide::write::Szip;
/// let file = h5oxide::File::in_memory()?;
/// let data: Vec<i32> = (0..256).collect();
/// let b = file.root().new_dataset_builder().with_data(&data).chunk([64]);
/// let ds = b.szip(Szip::NearestNeighbor, 8).create("d")?;
/// // Filter 4 is SZIP (spec IV.A.2.l).
/// assert_eq!(ds.filters().unwrap().filters[0].id, 4);
/// assert_eq!(ds.read_raw::<i32>()?, data);
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Szip {
    /// Entropy coding.
    Entropy,
    /// Nearest-neighbour preprocessing, then entropy coding.
    NearestNeighbor,
}

/// Scale-offset modes (libhdf5's `H5Pset_scaleoffset`).
///
/// ```
/// use h5oxide::write::ScaleOffset;
/// let file = h5oxide::File::in_memory()?;
/// let data = [1.234f64, 5.678, -9.999];
/// let b = file.root().new_dataset_builder().with_data(&data).chunk([3]);
/// let ds = b.scale_offset(ScaleOffset::FloatDScale(2)).create("d")?;
/// // Filter 6 is scale-offset (spec IV.A.2.l); two decimals are kept.
/// assert_eq!(ds.filters().unwrap().filters[0].id, 6);
/// let back = ds.read_raw::<f64>()?;
/// assert!(back.iter().zip(data).all(|(b, d)| (b - d).abs() <= 0.005));
/// # Ok::<(), h5oxide::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScaleOffset {
    /// Integers keeping `bits` bits per value (0: as many as each chunk needs).
    Integer(u32),
    /// Floats rounded to `decimals` decimal digits (D-scale, lossy).
    FloatDScale(i32),
}

/// A filter requested on a builder, turned into a pipeline entry at `create`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FilterSpec {
    Shuffle,
    Deflate(u32),
    Lzf,
    Lz4,
    Zstd(i32),
    Fletcher32,
    Blosc(Blosc, u8, BloscShuffle),
    Blosc2(Blosc, u8, BloscShuffle),
    Bitshuffle(Bitshuffle),
    Szip(Szip, u32),
    ScaleOffset(ScaleOffset),
    Nbit,
    Bzip2(u32),
}

/// The filter pipeline message for `filters` in libhdf5's order (shuffle, compression,
/// checksum), with each filter's client data as its "set local" step computes it.
pub(crate) fn build_pipeline(
    filters: &[FilterSpec],
    dtype: &Datatype,
    fill: Option<&[u8]>,
    chunk: &[u64],
    libver: Libver,
) -> Result<Option<FilterPipeline>> {
    let elem = dtype.element_size();
    if filters.is_empty() {
        return Ok(None);
    }
    let mut ordered: Vec<FilterSpec> = Vec::new();
    for f in filters {
        if !ordered.contains(f) {
            ordered.push(*f);
        }
    }
    // Type-aware filters see the data as stored, shuffles come before compression, the
    // checksum covers the final bytes.
    let rank = |f: &FilterSpec| match f {
        FilterSpec::ScaleOffset(_) | FilterSpec::Nbit => 0,
        FilterSpec::Shuffle | FilterSpec::Bitshuffle(_) => 1,
        FilterSpec::Fletcher32 => 3,
        _ => 2,
    };
    ordered.sort_by_key(rank);
    let v1 = libver == Libver::Earliest;
    let mut out = Vec::new();
    for f in ordered {
        let (id, name, optional, client_data) = filter_entry(f, dtype, fill, elem, chunk)?;
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
    dtype: &Datatype,
    fill: Option<&[u8]>,
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
        FilterSpec::Blosc(c, clevel, sh) => {
            #[cfg(feature = "blosc")]
            {
                let base = base_size(dtype) as u32;
                let code = match c {
                    Blosc::BloscLz => flt::blosc::compressor::BLOSCLZ,
                    Blosc::Lz4 => flt::blosc::compressor::LZ4,
                    Blosc::Lz4hc => flt::blosc::compressor::LZ4HC,
                    Blosc::Zlib => flt::blosc::compressor::ZLIB,
                    Blosc::Zstd => flt::blosc::compressor::ZSTD,
                };
                (
                    flt::ID_BLOSC,
                    "blosc",
                    true,
                    flt::blosc::params_for(
                        elem as u32,
                        base,
                        chunk,
                        u32::from(clevel.min(9)),
                        shuffle_code(sh),
                        code,
                    ),
                )
            }
            #[cfg(not(feature = "blosc"))]
            return missing;
        }
        FilterSpec::Blosc2(c, clevel, sh) => {
            #[cfg(feature = "blosc2")]
            {
                let code = match c {
                    Blosc::BloscLz => flt::blosc2::compressor::BLOSCLZ,
                    Blosc::Lz4 => flt::blosc2::compressor::LZ4,
                    Blosc::Lz4hc => flt::blosc2::compressor::LZ4HC,
                    Blosc::Zlib => flt::blosc2::compressor::ZLIB,
                    Blosc::Zstd => flt::blosc2::compressor::ZSTD,
                };
                (
                    flt::ID_BLOSC2,
                    "blosc2",
                    true,
                    flt::blosc2::params_for(
                        elem as u32,
                        chunk,
                        u32::from(clevel.min(9)),
                        shuffle_code(sh),
                        code,
                    ),
                )
            }
            #[cfg(not(feature = "blosc2"))]
            return missing;
        }
        FilterSpec::Bitshuffle(b) => {
            #[cfg(feature = "bitshuffle")]
            {
                let (compression, zstd_level) = match b {
                    Bitshuffle::None => (flt::bitshuffle::COMPRESS_NONE, 0),
                    Bitshuffle::Lz4 => (flt::bitshuffle::COMPRESS_LZ4, 0),
                    Bitshuffle::Zstd(l) => (flt::bitshuffle::COMPRESS_ZSTD, l),
                };
                let options = flt::bitshuffle::Options {
                    block_size: 0,
                    compression,
                    zstd_level,
                };
                (
                    flt::ID_BITSHUFFLE,
                    "bitshuffle",
                    true,
                    flt::bitshuffle::params_for(options, elem, chunk),
                )
            }
            #[cfg(not(feature = "bitshuffle"))]
            return missing;
        }
        FilterSpec::Szip(method, ppb) => {
            #[cfg(feature = "szip")]
            {
                let (precision, offset, big) = atomic_bits(dtype)
                    .ok_or(Error::Usage("szip needs an integer or floating-point type"))?;
                if ppb % 2 != 0 || !(2..=32).contains(&ppb) {
                    return Err(Error::Usage(
                        "szip pixels per block must be even and between 2 and 32",
                    ));
                }
                let mask = match method {
                    Szip::Entropy => flt::szip::options::EC,
                    Szip::NearestNeighbor => flt::szip::options::NN,
                };
                (
                    flt::ID_SZIP,
                    "szip",
                    true,
                    flt::szip::params_for(mask, ppb, elem as u32, precision, offset, big, chunk),
                )
            }
            #[cfg(not(feature = "szip"))]
            return missing;
        }
        FilterSpec::ScaleOffset(mode) => {
            #[cfg(feature = "scaleoffset")]
            {
                let (is_float, signed, big) = match &dtype.class {
                    TypeClass::FixedPoint { signed, order, .. } => {
                        (false, *signed, *order == ByteOrder::BigEndian)
                    }
                    TypeClass::FloatingPoint { order, .. } => {
                        (true, true, *order == ByteOrder::BigEndian)
                    }
                    _ => {
                        return Err(Error::Usage(
                            "scale-offset needs an integer or floating-point type",
                        ))
                    }
                };
                let (scale_type, factor) = match (mode, is_float) {
                    (ScaleOffset::Integer(bits), false) => {
                        (flt::scaleoffset::INT, bits.min(64) as i32)
                    }
                    (ScaleOffset::FloatDScale(d), true) => (flt::scaleoffset::FLOAT_DSCALE, d),
                    _ => {
                        return Err(Error::Usage(
                            "scale-offset: Integer for integer types, FloatDScale for floats",
                        ))
                    }
                };
                let n: u64 = chunk.iter().product();
                (
                    flt::ID_SCALEOFFSET,
                    "scaleoffset",
                    true,
                    flt::scaleoffset::params_for(
                        scale_type,
                        factor,
                        u32::try_from(n).unwrap_or(u32::MAX),
                        is_float,
                        elem as u32,
                        signed,
                        big,
                        fill,
                    ),
                )
            }
            #[cfg(not(feature = "scaleoffset"))]
            return missing;
        }
        FilterSpec::Bzip2(block) => {
            #[cfg(feature = "bzip2")]
            {
                (
                    flt::ID_BZIP2,
                    "bzip2",
                    true,
                    flt::bzip2::params_for(block, elem, chunk),
                )
            }
            #[cfg(not(feature = "bzip2"))]
            return missing;
        }
        FilterSpec::Nbit => {
            #[cfg(feature = "nbit")]
            {
                let n: u64 = chunk.iter().product();
                (
                    flt::ID_NBIT,
                    "nbit",
                    true,
                    flt::nbit::params_for(&nbit_type(dtype), u32::try_from(n).unwrap_or(u32::MAX)),
                )
            }
            #[cfg(not(feature = "nbit"))]
            return missing;
        }
    })
}

/// Blosc's shuffle code.
#[allow(dead_code)]
fn shuffle_code(s: BloscShuffle) -> u32 {
    match s {
        BloscShuffle::None => 0,
        BloscShuffle::Byte => 1,
        BloscShuffle::Bit => 2,
    }
}

/// The size of an array type's base type (Blosc shuffles by it), else the type's size.
#[allow(dead_code)]
fn base_size(dtype: &Datatype) -> usize {
    match &dtype.class {
        TypeClass::Array { base, .. } => base_size(base),
        _ => dtype.element_size(),
    }
}

/// Precision, bit offset and big-endianness of an integer or float type.
#[allow(dead_code)]
fn atomic_bits(dtype: &Datatype) -> Option<(u32, u32, bool)> {
    match &dtype.class {
        TypeClass::FixedPoint {
            order,
            bit_offset,
            precision,
            ..
        }
        | TypeClass::FloatingPoint {
            order,
            bit_offset,
            precision,
            ..
        } => Some((
            u32::from(*precision),
            u32::from(*bit_offset),
            *order == ByteOrder::BigEndian,
        )),
        _ => None,
    }
}

/// The N-bit filter's description of a type (H5Znbit.c's "set local" walk).
#[cfg(feature = "nbit")]
fn nbit_type(dtype: &Datatype) -> h5oxide_storage::filter::nbit::NbitType {
    use h5oxide_storage::filter::nbit::NbitType;
    let size = dtype.element_size() as u32;
    if let Some((precision, offset, big_endian)) = atomic_bits(dtype) {
        return NbitType::Atomic {
            size,
            big_endian,
            precision,
            offset,
        };
    }
    match &dtype.class {
        TypeClass::Array { base, .. } => NbitType::Array {
            size,
            base: Box::new(nbit_type(base)),
        },
        TypeClass::Compound { members } => NbitType::Compound {
            size,
            members: members
                .iter()
                .map(|m| (m.offset, nbit_type(&m.dtype)))
                .collect(),
        },
        _ => NbitType::NoOp { size },
    }
}
