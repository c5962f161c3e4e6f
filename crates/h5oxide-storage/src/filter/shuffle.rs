//! Filter 2: the byte shuffle (spec IV.A.2.l).
//!
//! Byte `j` of every element is gathered into the `j`-th plane: elements `0123 0123 0123`
//! are stored as `000 111 222 333`. Bytes past the last whole element are copied unchanged,
//! and data of one element or of one-byte elements is left as it is, as libhdf5 does.
//!
//! Parameters: `[element size in bytes]`, filled in by libhdf5 when the dataset is created.

use crate::error::{FilterFailure, StorageError};
use crate::filter::{failure, ID_SHUFFLE};

/// The client data libhdf5's "set local" callback stores: the datatype's size.
/// The options argument is unused (the filter has none).
pub fn params_for(_options: (), element_size: usize, _chunk_dims: &[u64]) -> Vec<u32> {
    vec![u32::try_from(element_size).unwrap_or(u32::MAX)]
}

fn element_size(params: &[u32]) -> Result<usize, StorageError> {
    match params.first() {
        Some(&n) if n > 0 => usize::try_from(n)
            .map_err(|_| failure(ID_SHUFFLE, FilterFailure::Parameters("element size"))),
        _ => Err(failure(
            ID_SHUFFLE,
            FilterFailure::Parameters("missing or zero element size"),
        )),
    }
}

/// Reorders `input` into byte planes (`forward`) or back (`!forward`).
fn transpose(input: &[u8], size: usize, forward: bool) -> Vec<u8> {
    let count = input.len() / size;
    if size <= 1 || count <= 1 {
        return input.to_vec();
    }
    let whole = count * size;
    let mut out = vec![0u8; input.len()];
    // Element-major loops over pre-split planes: the common element sizes get loops the
    // compiler unrolls and vectorizes.
    match (size, forward) {
        (2, true) => shuffle_n::<2>(&input[..whole], &mut out[..whole], count),
        (4, true) => shuffle_n::<4>(&input[..whole], &mut out[..whole], count),
        (8, true) => shuffle_n::<8>(&input[..whole], &mut out[..whole], count),
        (2, false) => unshuffle_n::<2>(&input[..whole], &mut out[..whole], count),
        (4, false) => unshuffle_n::<4>(&input[..whole], &mut out[..whole], count),
        (8, false) => unshuffle_n::<8>(&input[..whole], &mut out[..whole], count),
        _ => {
            for j in 0..size {
                let plane = j * count;
                for i in 0..count {
                    let (src, dst) = if forward {
                        (i * size + j, plane + i)
                    } else {
                        (plane + i, i * size + j)
                    };
                    out[dst] = input[src];
                }
            }
        }
    }
    out[whole..].copy_from_slice(&input[whole..]);
    out
}

/// Elements of `N` bytes to `N` byte planes.
fn shuffle_n<const N: usize>(input: &[u8], out: &mut [u8], count: usize) {
    let mut planes: Vec<&mut [u8]> = out.chunks_exact_mut(count).collect();
    for (i, e) in input.chunks_exact(N).enumerate() {
        for (j, plane) in planes.iter_mut().enumerate() {
            plane[i] = e[j];
        }
    }
}

/// `N` byte planes back to elements of `N` bytes.
fn unshuffle_n<const N: usize>(input: &[u8], out: &mut [u8], count: usize) {
    let planes: [&[u8]; N] = core::array::from_fn(|j| &input[j * count..(j + 1) * count]);
    for (i, e) in out.chunks_exact_mut(N).enumerate() {
        for j in 0..N {
            e[j] = planes[j][i];
        }
    }
}

/// Unshuffles a chunk.
///
/// # Errors
/// `FilterFailure::Parameters` without a non-zero element size, `FilterFailure::TooLarge` if
/// the input exceeds `expected_len`.
pub fn decode(params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let size = element_size(params)?;
    if input.len() > expected_len {
        return Err(failure(
            ID_SHUFFLE,
            FilterFailure::TooLarge {
                expected: expected_len,
            },
        ));
    }
    Ok(transpose(input, size, false))
}

/// Shuffles a chunk.
///
/// # Errors
/// `FilterFailure::Parameters` without a non-zero element size.
pub fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let size = element_size(params)?;
    Ok(transpose(input, size, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_layout() {
        let data = [0u8, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 99, 98];
        let enc = encode(&[4], &data).unwrap();
        assert_eq!(enc, [0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 13, 23, 99, 98]);
        assert_eq!(decode(&[4], &enc, data.len()).unwrap(), data);
        // One whole element: unchanged.
        assert_eq!(encode(&[4], &[1, 2, 3, 4, 5]).unwrap(), [1, 2, 3, 4, 5]);
        assert!(encode(&[0], &data).is_err());
        assert!(encode(&[], &data).is_err());
        assert_eq!(params_for((), 8, &[10, 10]), [8]);
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..3000), size in 1u32..20) {
            let enc = encode(&[size], &data).unwrap();
            prop_assert_eq!(enc.len(), data.len());
            prop_assert_eq!(decode(&[size], &enc, data.len()).unwrap(), data);
        }
    }
}
