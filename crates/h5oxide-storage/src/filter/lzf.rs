//! Filter 32000: LZF, as written by h5py and PyTables. The chunk is a bare LZF stream with
//! no header.
//!
//! The stream is a sequence of items, each starting with a control byte `c`:
//! - `c < 32`: a literal run of `c + 1` bytes follows;
//! - otherwise a back-reference: length `(c >> 5) + 2`, where a 3-bit length of 7 is
//!   extended by one more byte, then the low byte of the offset; the copy starts
//!   `((c & 0x1f) << 8 | low) + 1` bytes before the output position and may overlap it.
//!
//! Parameters (set when the dataset is created): `[filter revision (4), LZF API version
//! (0x0105), chunk size in bytes]`. Only the stream is needed to decode.

use crate::error::{FilterFailure, StorageError};
use crate::filter::{failure, ID_LZF};

/// Revision of the HDF5 LZF filter that h5py and the HDF Group plugin record in slot 0.
pub const FILTER_REVISION: u32 = 4;
/// The liblzf API version recorded in slot 1.
pub const LZF_API_VERSION: u32 = 0x0105;

const MAX_LITERAL: usize = 32;
const MAX_OFFSET: usize = 1 << 13;
const MAX_MATCH: usize = 7 + 255 + 2;
const HASH_BITS: u32 = 14;

/// The client data the LZF filter's "set local" callback stores: revision, LZF version and
/// the chunk's size in bytes (saturating at `u32::MAX`).
pub fn params_for(_options: (), element_size: usize, chunk_dims: &[u64]) -> Vec<u32> {
    let bytes = chunk_dims
        .iter()
        .fold(element_size as u64, |acc, &d| acc.saturating_mul(d));
    vec![
        FILTER_REVISION,
        LZF_API_VERSION,
        u32::try_from(bytes).unwrap_or(u32::MAX),
    ]
}

fn corrupt(what: &'static str) -> StorageError {
    failure(ID_LZF, FilterFailure::Corrupt(what))
}

/// Decompresses an LZF stream into at most `expected_len` bytes.
///
/// # Errors
/// `FilterFailure::Corrupt` for a truncated item or a reference before the start of the
/// output, `FilterFailure::TooLarge` if the output would exceed `expected_len`.
pub fn decode(_params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let too_large = || {
        failure(
            ID_LZF,
            FilterFailure::TooLarge {
                expected: expected_len,
            },
        )
    };
    let mut out: Vec<u8> = Vec::with_capacity(expected_len.min(input.len().saturating_mul(64)));
    let mut ip = 0usize;
    while let Some(&ctrl) = input.get(ip) {
        ip += 1;
        let ctrl = usize::from(ctrl);
        if ctrl < 32 {
            let run = ctrl + 1;
            let lit = input
                .get(ip..ip + run)
                .ok_or_else(|| corrupt("literal run past end of input"))?;
            if out.len() + run > expected_len {
                return Err(too_large());
            }
            out.extend_from_slice(lit);
            ip += run;
        } else {
            let mut len = ctrl >> 5;
            if len == 7 {
                len += usize::from(*input.get(ip).ok_or_else(|| corrupt("truncated length"))?);
                ip += 1;
            }
            let low = usize::from(*input.get(ip).ok_or_else(|| corrupt("truncated offset"))?);
            ip += 1;
            let back = ((ctrl & 0x1f) << 8 | low) + 1;
            let len = len + 2;
            let start = out
                .len()
                .checked_sub(back)
                .ok_or_else(|| corrupt("reference before start of output"))?;
            if out.len() + len > expected_len {
                return Err(too_large());
            }
            // Byte by byte: the source may overlap the bytes being written.
            for k in 0..len {
                let b = out[start + k];
                out.push(b);
            }
        }
    }
    Ok(out)
}

fn hash(b: &[u8], i: usize) -> usize {
    let v = u32::from(b[i]) << 16 | u32::from(b[i + 1]) << 8 | u32::from(b[i + 2]);
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

fn flush_literals(out: &mut Vec<u8>, lits: &[u8]) {
    for run in lits.chunks(MAX_LITERAL) {
        out.push((run.len() - 1) as u8);
        out.extend_from_slice(run);
    }
}

/// Compresses `input` into an LZF stream (greedy matching over a 3-byte hash table).
///
/// # Errors
/// Like the C filter, which compresses into a buffer the size of the input, this fails with
/// `FilterFailure::TooLarge` when the stream would be larger than the input (or the input is
/// empty); the pipeline then stores the chunk unfiltered, as the filter is optional.
pub fn encode(_params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let n = input.len();
    let incompressible = || failure(ID_LZF, FilterFailure::TooLarge { expected: n });
    if n == 0 {
        return Err(incompressible());
    }
    let mut table = vec![usize::MAX; 1 << HASH_BITS];
    let mut out = Vec::with_capacity(n + n / MAX_LITERAL + 1);
    let mut lit_start = 0usize;
    let mut ip = 0usize;
    while ip + 2 < n {
        let h = hash(input, ip);
        let cand = table[h];
        table[h] = ip;
        if cand != usize::MAX
            && ip - cand <= MAX_OFFSET
            && input[cand..cand + 3] == input[ip..ip + 3]
        {
            let max = MAX_MATCH.min(n - ip);
            let mut len = 3;
            while len < max && input[cand + len] == input[ip + len] {
                len += 1;
            }
            flush_literals(&mut out, &input[lit_start..ip]);
            let off = ip - cand - 1;
            let l = len - 2;
            if l < 7 {
                out.push(((l << 5) | (off >> 8)) as u8);
            } else {
                out.push(((7 << 5) | (off >> 8)) as u8);
                out.push((l - 7) as u8);
            }
            out.push((off & 0xff) as u8);
            // Index the positions inside the match so later data can refer to them.
            let end = ip + len;
            for p in ip + 1..end.min(n.saturating_sub(2)) {
                table[hash(input, p)] = p;
            }
            ip = end;
            lit_start = ip;
        } else {
            ip += 1;
        }
        if out.len() > n {
            return Err(incompressible());
        }
    }
    flush_literals(&mut out, &input[lit_start..]);
    if out.len() > n {
        return Err(incompressible());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hand_made_stream() {
        // Literal "abc", then a reference 3 back of length 7 (overlapping), then "z".
        let s = [2, b'a', b'b', b'c', (5 << 5), 2, 0, b'z'];
        assert_eq!(decode(&[], &s, 100).unwrap(), b"abcabcabcaz");
        assert!(decode(&[], &s, 10).is_err());
        // Long length form: 3-bit length 7 plus 10 -> 19 bytes, offset 1.
        let s = [0, b'x', 7 << 5, 10, 0];
        assert_eq!(decode(&[], &s, 100).unwrap(), vec![b'x'; 20]);
        // Reference before the start, truncated run.
        assert!(decode(&[], &[1 << 5, 0], 100).is_err());
        assert!(decode(&[], &[4, 1, 2], 100).is_err());
        assert!(decode(&[], &[0, 1, 7 << 5], 100).is_err());
    }

    #[test]
    fn params() {
        assert_eq!(params_for((), 4, &[10, 20]), [4, 0x0105, 800]);
    }

    #[test]
    fn incompressible_fails() {
        let data: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(encode(&[], &data).is_err());
        assert!(encode(&[], &[]).is_err());
        let ramp: Vec<u8> = (0..5000u32).map(|i| (i / 3) as u8).collect();
        let enc = encode(&[], &ramp).unwrap();
        assert!(enc.len() < ramp.len() / 2);
        assert_eq!(decode(&[], &enc, ramp.len()).unwrap(), ramp);
    }

    proptest! {
        #[test]
        fn round_trip(noise in proptest::collection::vec(any::<u8>(), 0..3000),
                      ramp in 0usize..20000, period in 1usize..300) {
            let mut data: Vec<u8> = (0..ramp).map(|i| (i % period) as u8).collect();
            data.extend(noise);
            match encode(&[], &data) {
                Ok(enc) => {
                    prop_assert!(enc.len() <= data.len());
                    prop_assert_eq!(decode(&[], &enc, data.len()).unwrap(), data);
                }
                Err(e) => {
                    let too_large = matches!(
                        e,
                        StorageError::Filter { reason: FilterFailure::TooLarge { .. }, .. }
                    );
                    prop_assert!(too_large);
                }
            }
        }
    }
}
