//! Filter 3: the Fletcher-32 checksum (spec IV.A.2.l), as libhdf5 computes it.
//!
//! Encoding appends the 4-byte checksum, little-endian, to the data; decoding verifies and
//! strips it. The filter has no parameters.

use crate::error::{FilterFailure, StorageError};
use crate::filter::{failure, ID_FLETCHER32};

/// Size of the checksum appended to the data.
pub const CHECKSUM_LEN: usize = 4;

// libhdf5 sums at most this many 16-bit words before folding, so the 32-bit sums never
// overflow; folding at the same points keeps the result identical to its.
const WORDS_PER_FOLD: usize = 360;

fn fold(x: u32) -> u32 {
    (x & 0xffff) + (x >> 16)
}

/// libhdf5's Fletcher-32: 16-bit words read big-endian, both sums starting at 0, a final odd
/// byte taken as the high byte of a last word, and a fold (not a full modulo) at the end.
pub fn checksum(data: &[u8]) -> u32 {
    let (mut sum1, mut sum2) = (0u32, 0u32);
    let mut words = data.chunks_exact(2);
    loop {
        let mut taken = 0;
        for w in words.by_ref().take(WORDS_PER_FOLD) {
            sum1 += (u32::from(w[0]) << 8) | u32::from(w[1]);
            sum2 += sum1;
            taken += 1;
        }
        if taken == 0 {
            break;
        }
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    if let [last] = words.remainder() {
        sum1 += u32::from(*last) << 8;
        sum2 += sum1;
        sum1 = fold(sum1);
        sum2 = fold(sum2);
    }
    sum1 = fold(sum1);
    sum2 = fold(sum2);
    (sum2 << 16) | sum1
}

/// The checksum libhdf5 before 1.6.3 stored on little-endian machines: the bytes of each
/// 16-bit half swapped. libhdf5 still accepts it on read, and so do we.
fn byte_swapped(sum: u32) -> u32 {
    ((sum & 0x00ff_00ff) << 8) | ((sum >> 8) & 0x00ff_00ff)
}

/// Verifies the trailing checksum and returns the data without it.
///
/// # Errors
/// `FilterFailure::Corrupt` if the input is shorter than the checksum,
/// `FilterFailure::TooLarge` if the data exceeds `expected_len`, and
/// `FilterFailure::Checksum` if neither the checksum nor its pre-1.6.3 byte-swapped form
/// matches.
pub fn decode(_params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let data_len = input.len().checked_sub(CHECKSUM_LEN).ok_or_else(|| {
        failure(
            ID_FLETCHER32,
            FilterFailure::Corrupt("shorter than checksum"),
        )
    })?;
    if data_len > expected_len {
        return Err(failure(
            ID_FLETCHER32,
            FilterFailure::TooLarge {
                expected: expected_len,
            },
        ));
    }
    let (data, stored) = input.split_at(data_len);
    let stored = u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]);
    let computed = checksum(data);
    if stored != computed && stored != byte_swapped(computed) {
        return Err(failure(ID_FLETCHER32, FilterFailure::Checksum));
    }
    Ok(data.to_vec())
}

/// Returns the data with its checksum appended (little-endian, as libhdf5 writes it).
///
/// # Errors
/// Never fails; the `Result` keeps the signature of every filter.
pub fn encode(_params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let mut out = Vec::with_capacity(input.len().saturating_add(CHECKSUM_LEN));
    out.extend_from_slice(input);
    out.extend_from_slice(&checksum(input).to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition written out plainly: modulo-free sums folded after every word.
    fn reference(data: &[u8]) -> u32 {
        let (mut a, mut b) = (0u64, 0u64);
        let mut i = 0;
        while i < data.len() {
            let hi = u64::from(data[i]);
            let lo = data.get(i + 1).map_or(0, |&x| u64::from(x));
            a += (hi << 8) | lo;
            b += a;
            i += 2;
        }
        // Both libhdf5's folding and this sum agree modulo 65535.
        ((b % 65535) << 16 | (a % 65535)) as u32
    }

    #[test]
    fn known_values() {
        // "abcde": words 0x6162, 0x6364 and the odd byte as 0x6500. Plain sums are
        // a = 0x129C6 and b = 0x6162 + 0xC4C6 + 0x129C6 = 151534; folded they become
        // a mod 65535 = 0x29C7 and b mod 65535 = 0x4FF0.
        assert_eq!(checksum(b"abcde"), 0x4FF0_29C7);
        assert_eq!(checksum(&[]), 0);
        assert_eq!(checksum(&[0x01]), 0x0100_0100);
    }

    #[test]
    fn swapped_checksum_accepted() {
        let data = b"some chunk bytes";
        let mut enc = data.to_vec();
        enc.extend_from_slice(&byte_swapped(checksum(data)).to_le_bytes());
        assert_eq!(decode(&[], &enc, 64).unwrap(), data);
        let last = enc.len() - 1;
        enc[last] ^= 0x40;
        assert!(matches!(
            decode(&[], &enc, 64),
            Err(StorageError::Filter {
                reason: FilterFailure::Checksum,
                ..
            })
        ));
    }

    #[test]
    fn short_input() {
        assert!(decode(&[], &[1, 2, 3], 10).is_err());
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(any::<u8>(), 0..5000)) {
            let enc = encode(&[], &data).unwrap();
            prop_assert_eq!(enc.len(), data.len() + 4);
            prop_assert_eq!(decode(&[], &enc, data.len()).unwrap(), data.clone());
            let s = checksum(&data);
            let r = reference(&data);
            prop_assert_eq!((s & 0xffff) % 65535, r & 0xffff);
            prop_assert_eq!((s >> 16) % 65535, r >> 16);
        }

        #[test]
        fn any_single_bit_flip_detected(data in proptest::collection::vec(any::<u8>(), 1..300),
                                        pos in any::<prop::sample::Index>(), bit in 0u8..8) {
            let mut enc = encode(&[], &data).unwrap();
            let i = pos.index(enc.len());
            enc[i] ^= 1 << bit;
            prop_assert!(decode(&[], &enc, data.len()).is_err());
        }
    }
}
