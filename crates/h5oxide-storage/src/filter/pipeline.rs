//! The filter pipeline: filters applied in order on write and in reverse on read
//! (spec IV.A.2.l, and the chunk's filter mask of III.A.1 / IV.A.2.i).
//!
//! On read a filter whose bit is set in the chunk's filter mask is skipped; any other filter
//! must be available and must succeed, optional or not (an optional filter that failed on
//! write has its bit set, so it is never run on read). On write a filter that is optional
//! (flags bit 0) and is unavailable or fails is skipped and its bit set in the returned
//! mask; a required one is an error.

use h5oxide_format::object_header::message::filter_pipeline::{FilterDescription, FilterPipeline};

use crate::error::{FilterFailure, StorageError};
use crate::filter::failure;

/// A filter's decoder: client data, filtered bytes, and the largest output allowed.
pub type DecodeFn = fn(&[u32], &[u8], usize) -> Result<Vec<u8>, StorageError>;
/// A filter's encoder: client data and the bytes to filter.
pub type EncodeFn = fn(&[u32], &[u8]) -> Result<Vec<u8>, StorageError>;

/// One built-in filter implementation.
#[derive(Debug, Clone, Copy)]
pub struct FilterInfo {
    /// HDF5 filter id.
    pub id: u16,
    /// Name used in errors and listings.
    pub name: &'static str,
    /// Undoes the filter.
    pub decode: DecodeFn,
    /// Applies the filter.
    pub encode: EncodeFn,
}

// Unused only in a build without any filter feature.
#[allow(unused_macros)]
macro_rules! entry {
    ($module:ident, $id:expr) => {
        FilterInfo {
            id: $id,
            name: crate::filter::known_name($id),
            decode: crate::filter::$module::decode,
            encode: crate::filter::$module::encode,
        }
    };
}

/// Every filter built into this crate (by its Cargo feature).
static REGISTRY: &[FilterInfo] = &[
    #[cfg(feature = "deflate")]
    entry!(deflate, crate::filter::ID_DEFLATE),
    #[cfg(feature = "shuffle")]
    entry!(shuffle, crate::filter::ID_SHUFFLE),
    #[cfg(feature = "fletcher32")]
    entry!(fletcher32, crate::filter::ID_FLETCHER32),
    #[cfg(feature = "szip")]
    entry!(szip, crate::filter::ID_SZIP),
    #[cfg(feature = "nbit")]
    entry!(nbit, crate::filter::ID_NBIT),
    #[cfg(feature = "scaleoffset")]
    entry!(scaleoffset, crate::filter::ID_SCALEOFFSET),
    #[cfg(feature = "bzip2")]
    entry!(bzip2, crate::filter::ID_BZIP2),
    #[cfg(feature = "lzf")]
    entry!(lzf, crate::filter::ID_LZF),
    #[cfg(feature = "blosc")]
    entry!(blosc, crate::filter::ID_BLOSC),
    #[cfg(feature = "blosc2")]
    entry!(blosc2, crate::filter::ID_BLOSC2),
    #[cfg(feature = "lz4")]
    entry!(lz4, crate::filter::ID_LZ4),
    #[cfg(feature = "bitshuffle")]
    entry!(bitshuffle, crate::filter::ID_BITSHUFFLE),
    #[cfg(feature = "zstd")]
    entry!(zstd, crate::filter::ID_ZSTD),
];

/// The filters built into this crate.
pub fn registry() -> &'static [FilterInfo] {
    REGISTRY
}

/// The implementation of filter `id`, if it is built in.
pub fn lookup(id: u16) -> Option<&'static FilterInfo> {
    REGISTRY.iter().find(|f| f.id == id)
}

/// True if filter `id` can be decoded and encoded by this build.
pub fn is_available(id: u16) -> bool {
    lookup(id).is_some()
}

/// libhdf5 keeps at most 32 filters, one bit each in a chunk's filter mask.
const MAX_FILTERS: usize = 32;

fn unavailable(id: u16) -> StorageError {
    failure(id, FilterFailure::Unavailable)
}

fn check_len(pipeline: &FilterPipeline) -> Result<(), StorageError> {
    if pipeline.filters.len() > MAX_FILTERS {
        let id = pipeline.filters.get(MAX_FILTERS).map_or(0, |f| f.id);
        return Err(failure(
            id,
            FilterFailure::Parameters("more than 32 filters in the pipeline"),
        ));
    }
    Ok(())
}

/// The most bytes filter `f` can turn `n` bytes into: what its decoder may produce when it
/// is not the last one undone. Generous, since it only guards allocations.
fn encoded_bound(f: &FilterDescription, n: usize) -> usize {
    let p = &f.client_data;
    let extra = match f.id {
        crate::filter::ID_SHUFFLE => 0,
        crate::filter::ID_FLETCHER32 => 4,
        crate::filter::ID_LZ4 => {
            let block = match p.first() {
                Some(&b) if b > 0 => b as usize,
                _ => 1 << 30,
            };
            // Header, and per block a size field; blocks that do not shrink are stored raw.
            12usize.saturating_add(n.div_ceil(block).saturating_mul(4))
        }
        crate::filter::ID_BITSHUFFLE => {
            let elem = p.get(2).map_or(1, |&e| (e as usize).max(1));
            // Smallest legal block is 8 elements; each costs a size field and codec framing.
            let blocks = n.div_ceil(elem.saturating_mul(8));
            blocks
                .saturating_mul(4 + 32)
                .saturating_add(n / 64)
                .saturating_add(12)
        }
        // Deflate, bzip2, LZF, zstd and the rest: worst cases of their formats stay well
        // under an eighth plus a few kB.
        _ => (n / 8).saturating_add(4096),
    };
    n.saturating_add(extra)
}

/// The filters to undo for a chunk, in decoding order (last to first, masked ones left
/// out), each with the largest output it may produce.
fn decode_plan(
    pipeline: &FilterPipeline,
    filter_mask: u32,
    expected_len: usize,
) -> Result<Vec<(&FilterDescription, &'static FilterInfo, usize)>, StorageError> {
    check_len(pipeline)?;
    let active = |i: usize| filter_mask & (1u32 << i) == 0;
    // bounds[i]: the largest input filter i may have been given on write.
    let mut bounds = Vec::with_capacity(pipeline.filters.len());
    let mut n = expected_len;
    for (i, f) in pipeline.filters.iter().enumerate() {
        bounds.push(n);
        if active(i) {
            n = encoded_bound(f, n);
        }
    }
    let mut plan = Vec::with_capacity(pipeline.filters.len());
    for (i, f) in pipeline.filters.iter().enumerate().rev() {
        if active(i) {
            let info = lookup(f.id).ok_or_else(|| unavailable(f.id))?;
            plan.push((f, info, bounds[i]));
        }
    }
    Ok(plan)
}

fn wrong_size(id: Option<u16>) -> StorageError {
    failure(
        id.unwrap_or(0),
        FilterFailure::Corrupt("decoded chunk is not the chunk's size"),
    )
}

/// Undoes the filters of a chunk, last to first, skipping those whose bit is set in
/// `filter_mask`. The result is exactly `expected_len` bytes (the chunk's size).
///
/// # Errors
/// `StorageError::Filter` naming the filter: `FilterFailure::Unavailable` for a filter this
/// build does not have, or the failure the filter reported; `FilterFailure::Corrupt` from
/// the last filter if the result is not `expected_len` bytes.
pub fn decode_chunk(
    pipeline: &FilterPipeline,
    filter_mask: u32,
    data: Vec<u8>,
    expected_len: usize,
) -> Result<Vec<u8>, StorageError> {
    if decode_plan(pipeline, filter_mask, expected_len)?.is_empty() {
        if data.len() != expected_len {
            return Err(wrong_size(None));
        }
        return Ok(data);
    }
    decode_chunk_from(pipeline, filter_mask, &data, expected_len)
}

/// As [`decode_chunk`], reading the stored chunk from a borrowed slice (e.g. straight from
/// a memory-mapped file) instead of an owned copy.
///
/// # Errors
/// As [`decode_chunk`].
pub fn decode_chunk_from(
    pipeline: &FilterPipeline,
    filter_mask: u32,
    data: &[u8],
    expected_len: usize,
) -> Result<Vec<u8>, StorageError> {
    let plan = decode_plan(pipeline, filter_mask, expected_len)?;
    let mut cur: Option<Vec<u8>> = None;
    let mut last_id = None;
    for (f, info, bound) in plan {
        let input = cur.as_deref().unwrap_or(data);
        cur = Some((info.decode)(&f.client_data, input, bound)?);
        last_id = Some(f.id);
    }
    let out = cur.unwrap_or_else(|| data.to_vec());
    if out.len() != expected_len {
        return Err(wrong_size(last_id));
    }
    Ok(out)
}

#[cfg(feature = "deflate")]
thread_local! {
    /// Each thread's buffer for a deflate stage that is not the last one undone (under a
    /// shuffle, say): reused from chunk to chunk instead of allocated each time.
    static INFLATED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Undoes the filters of a chunk (as [`decode_chunk`]) straight into `out`, which must be
/// the chunk's size: a deflate stage that is undone last inflates into `out` directly, and
/// one undone earlier reuses a per-thread buffer, so decoding a chunk allocates nothing
/// for deflate alone.
///
/// ```
/// use h5oxide_format::object_header::message::filter_pipeline::{FilterDescription, FilterPipeline};
/// use h5oxide_storage::filter::pipeline::{decode_chunk_into, encode_chunk};
///
/// let gzip = FilterDescription { id: 1, name: None, flags: 0, client_data: vec![6] };
/// let p = FilterPipeline { version: 2, filters: vec![gzip] };
/// let (stored, mask) = encode_chunk(&p, vec![3u8; 4096]).unwrap();
/// let mut out = vec![0u8; 4096];
/// decode_chunk_into(&p, mask, &stored, &mut out).unwrap();
/// assert!(out.iter().all(|&b| b == 3));
/// ```
///
/// # Errors
/// As [`decode_chunk`], with `expected_len` being `out.len()`.
pub fn decode_chunk_into(
    pipeline: &FilterPipeline,
    filter_mask: u32,
    data: &[u8],
    out: &mut [u8],
) -> Result<(), StorageError> {
    let plan = decode_plan(pipeline, filter_mask, out.len())?;
    let Some(((last, last_info, _), earlier)) = plan.split_last() else {
        if data.len() != out.len() {
            return Err(wrong_size(None));
        }
        out.copy_from_slice(data);
        return Ok(());
    };
    let mut cur: Option<Vec<u8>> = None;
    #[cfg(feature = "deflate")]
    let mut took = false;
    for (f, info, bound) in earlier {
        let input = cur.as_deref().unwrap_or(data);
        #[cfg(feature = "deflate")]
        if f.id == crate::filter::ID_DEFLATE && !took {
            took = true;
            let mut buf = INFLATED.with(|b| std::mem::take(&mut *b.borrow_mut()));
            crate::filter::deflate::decode_to_vec(input, &mut buf, *bound)?;
            cur = Some(buf);
            continue;
        }
        cur = Some((info.decode)(&f.client_data, input, *bound)?);
    }
    let input = cur.as_deref().unwrap_or(data);
    let result = decode_last(last, last_info, input, out);
    #[cfg(feature = "deflate")]
    if let Some(buf) = cur {
        // Give the largest buffer back for the next chunk on this thread.
        INFLATED.with(|b| {
            let mut b = b.borrow_mut();
            if buf.capacity() > b.capacity() {
                *b = buf;
            }
        });
    }
    result
}

fn decode_last(
    f: &FilterDescription,
    info: &FilterInfo,
    input: &[u8],
    out: &mut [u8],
) -> Result<(), StorageError> {
    #[cfg(feature = "deflate")]
    if f.id == crate::filter::ID_DEFLATE {
        return crate::filter::deflate::decode_into(input, out);
    }
    let v = (info.decode)(&f.client_data, input, out.len())?;
    if v.len() != out.len() {
        return Err(wrong_size(Some(f.id)));
    }
    out.copy_from_slice(&v);
    Ok(())
}

/// Applies the filters of a pipeline to a chunk, first to last. Returns the filtered bytes
/// and the chunk's filter mask, with a bit set for each optional filter that was skipped
/// because it is unavailable or failed.
///
/// # Errors
/// `StorageError::Filter` for a required filter that is unavailable
/// (`FilterFailure::Unavailable`) or fails.
pub fn encode_chunk(
    pipeline: &FilterPipeline,
    data: Vec<u8>,
) -> Result<(Vec<u8>, u32), StorageError> {
    check_len(pipeline)?;
    let mut data = data;
    let mut mask = 0u32;
    for (i, f) in pipeline.filters.iter().enumerate() {
        let result = match lookup(f.id) {
            Some(info) => (info.encode)(&f.client_data, &data),
            None => Err(unavailable(f.id)),
        };
        match result {
            Ok(out) => data = out,
            Err(_) if f.is_optional() => mask |= 1u32 << i,
            Err(e) => return Err(e),
        }
    }
    Ok((data, mask))
}

#[cfg(all(
    test,
    feature = "deflate",
    feature = "shuffle",
    feature = "fletcher32",
    feature = "lzf"
))]
mod tests {
    use super::*;
    use crate::filter::*;

    fn filter(id: u16, flags: u16, client_data: Vec<u32>) -> FilterDescription {
        FilterDescription {
            id,
            name: None,
            flags,
            client_data,
        }
    }

    fn pipeline(filters: Vec<FilterDescription>) -> FilterPipeline {
        FilterPipeline {
            version: 2,
            filters,
        }
    }

    fn ramp(n: usize) -> Vec<u8> {
        (0..n as u32).flat_map(|i| (i / 3).to_le_bytes()).collect()
    }

    #[test]
    fn shuffle_deflate_fletcher() {
        let p = pipeline(vec![
            filter(ID_SHUFFLE, 1, vec![4]),
            filter(ID_DEFLATE, 1, vec![6]),
            filter(ID_FLETCHER32, 0, vec![]),
        ]);
        let data = ramp(1000);
        let (enc, mask) = encode_chunk(&p, data.clone()).unwrap();
        assert_eq!(mask, 0);
        assert!(enc.len() < data.len() / 4);
        // The checksum is last on write, so it covers the compressed bytes.
        let body = &enc[..enc.len() - 4];
        let sum = fletcher32::checksum(body);
        assert_eq!(enc[enc.len() - 4..], sum.to_le_bytes());
        assert_eq!(
            decode_chunk(&p, mask, enc.clone(), data.len()).unwrap(),
            data
        );
        let mut into = vec![0u8; data.len()];
        decode_chunk_into(&p, mask, &enc, &mut into).unwrap();
        assert_eq!(into, data);
        assert!(decode_chunk_into(&p, mask, &enc, &mut into[1..]).is_err());
        // Wrong size expected: the deflate stream is bounded, then the size is checked.
        assert!(decode_chunk(&p, mask, enc.clone(), data.len() - 1).is_err());
        assert!(decode_chunk(&p, mask, enc, data.len() + 1).is_err());
    }

    #[test]
    fn masked_filters_skipped() {
        let p = pipeline(vec![
            filter(ID_SHUFFLE, 1, vec![4]),
            filter(ID_DEFLATE, 1, vec![6]),
        ]);
        let data = ramp(100);
        // Deflate skipped (bit 1): the stored bytes are only shuffled.
        let shuffled = shuffle::encode(&[4], &data).unwrap();
        assert_eq!(decode_chunk(&p, 0b10, shuffled, data.len()).unwrap(), data);
        assert_eq!(
            decode_chunk(&p, 0b11, data.clone(), data.len()).unwrap(),
            data
        );
    }

    #[test]
    fn optional_failure_sets_mask() {
        // LZF cannot shrink random-looking bytes; it is optional, so it is skipped.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..500)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let p = pipeline(vec![
            filter(ID_LZF, 1, vec![4, 0x105, 500]),
            filter(ID_FLETCHER32, 0, vec![]),
        ]);
        let (enc, mask) = encode_chunk(&p, noise.clone()).unwrap();
        assert_eq!(mask, 1);
        assert_eq!(enc.len(), 504);
        assert_eq!(decode_chunk(&p, mask, enc, 500).unwrap(), noise);
        // The same failure in a required filter is an error.
        let p = pipeline(vec![filter(ID_LZF, 0, vec![])]);
        assert!(encode_chunk(&p, noise).is_err());
    }

    #[test]
    fn unknown_filter() {
        let p = pipeline(vec![
            filter(40000, 1, vec![]),
            filter(ID_SHUFFLE, 0, vec![2]),
        ]);
        let (enc, mask) = encode_chunk(&p, ramp(10)).unwrap();
        assert_eq!(mask, 1);
        assert_eq!(decode_chunk(&p, mask, enc.clone(), 40).unwrap(), ramp(10));
        // On read an unmasked filter must be available, optional or not.
        let err = decode_chunk(&p, 0, enc, 40).unwrap_err();
        assert!(matches!(
            err,
            StorageError::Filter {
                id: 40000,
                name: "unknown",
                reason: FilterFailure::Unavailable
            }
        ));
        let p = pipeline(vec![filter(40000, 0, vec![])]);
        assert!(encode_chunk(&p, ramp(10)).is_err());
    }

    #[test]
    fn empty_pipeline_and_bounds() {
        let p = pipeline(vec![]);
        assert_eq!(encode_chunk(&p, ramp(3)).unwrap(), (ramp(3), 0));
        assert!(decode_chunk(&p, 0, ramp(3), 11).is_err());
        let many = pipeline((0..33).map(|_| filter(ID_SHUFFLE, 1, vec![1])).collect());
        assert!(encode_chunk(&many, ramp(3)).is_err());
        assert!(decode_chunk(&many, 0, ramp(3), 12).is_err());
    }

    #[test]
    fn every_registered_filter_round_trips_through_the_pipeline() {
        let data = ramp(2048);
        for info in registry() {
            let params: Vec<u32> = match info.id {
                ID_SHUFFLE => vec![4],
                ID_DEFLATE => vec![5],
                ID_BITSHUFFLE => vec![0, 4, 4, 0, 2],
                ID_BZIP2 => vec![9],
                ID_LZF => vec![4, 0x105, 8192],
                ID_LZ4 => vec![0],
                ID_ZSTD => vec![3],
                _ => continue,
            };
            let p = pipeline(vec![
                filter(info.id, 0, params),
                filter(ID_FLETCHER32, 0, vec![]),
            ]);
            let (enc, mask) = encode_chunk(&p, data.clone()).unwrap();
            assert_eq!(mask, 0, "{}", info.name);
            assert_eq!(
                decode_chunk(&p, 0, enc.clone(), data.len()).unwrap(),
                data,
                "{}",
                info.name
            );
            let mut into = vec![0u8; data.len()];
            decode_chunk_into(&p, 0, &enc, &mut into).unwrap();
            assert_eq!(into, data, "{}", info.name);
        }
    }
}
