//! Byte shuffle and bit shuffle inside one Blosc block.
//!
//! Byte shuffle groups byte `j` of every element together; bytes past the last whole element
//! stay in place. Bit shuffle (the bitshuffle layout) runs only when the element count is a
//! multiple of 8, otherwise the block is stored as is; trailing bytes stay in place too.

/// Byte-shuffles `src` (elements of `typesize` bytes) into `dst` (same length).
pub(crate) fn shuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let n = src.len() / typesize.max(1);
    let whole = n * typesize;
    for (i, elem) in src[..whole].chunks_exact(typesize).enumerate() {
        for (j, &b) in elem.iter().enumerate() {
            dst[j * n + i] = b;
        }
    }
    dst[whole..].copy_from_slice(&src[whole..]);
}

/// Inverse of [`shuffle`].
pub(crate) fn unshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let n = src.len() / typesize.max(1);
    let whole = n * typesize;
    for (i, elem) in dst[..whole].chunks_exact_mut(typesize).enumerate() {
        for (j, b) in elem.iter_mut().enumerate() {
            *b = src[j * n + i];
        }
    }
    dst[whole..].copy_from_slice(&src[whole..]);
}

/// Bit-shuffles `src` into `dst`: for byte `j` of the element and bit `b`, a row of `n / 8`
/// bytes whose bit `k` of byte `i` is bit `b` of byte `j` of element `8 i + k`.
pub(crate) fn bitshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let n = src.len() / typesize.max(1);
    if n % 8 != 0 {
        dst.copy_from_slice(src);
        return;
    }
    let whole = n * typesize;
    let row = n / 8;
    dst[..whole].fill(0);
    for e in 0..n {
        for j in 0..typesize {
            let byte = src[e * typesize + j];
            for b in 0..8 {
                if byte >> b & 1 != 0 {
                    dst[(j * 8 + b) * row + e / 8] |= 1 << (e % 8);
                }
            }
        }
    }
    dst[whole..].copy_from_slice(&src[whole..]);
}

/// Inverse of [`bitshuffle`].
pub(crate) fn bitunshuffle(typesize: usize, src: &[u8], dst: &mut [u8]) {
    let n = src.len() / typesize.max(1);
    if n % 8 != 0 {
        dst.copy_from_slice(src);
        return;
    }
    let whole = n * typesize;
    let row = n / 8;
    dst[..whole].fill(0);
    for j in 0..typesize {
        for b in 0..8 {
            let plane = &src[(j * 8 + b) * row..(j * 8 + b + 1) * row];
            for (i, &bits) in plane.iter().enumerate() {
                if bits == 0 {
                    continue;
                }
                for k in 0..8 {
                    if bits >> k & 1 != 0 {
                        dst[(i * 8 + k) * typesize + j] |= 1 << b;
                    }
                }
            }
        }
    }
    dst[whole..].copy_from_slice(&src[whole..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn byte_shuffle_layout() {
        let src = [1u8, 2, 3, 4, 5, 6, 7];
        let mut dst = [0u8; 7];
        shuffle(2, &src, &mut dst);
        assert_eq!(dst, [1, 3, 5, 2, 4, 6, 7]);
    }

    #[test]
    fn bit_shuffle_layout() {
        // Eight 1-byte elements, only element 3 has bit 0 set: plane 0 holds 0b1000.
        let mut src = [0u8; 8];
        src[3] = 1;
        let mut dst = [0u8; 8];
        bitshuffle(1, &src, &mut dst);
        assert_eq!(dst, [8, 0, 0, 0, 0, 0, 0, 0]);
    }

    proptest! {
        #[test]
        fn round_trips(ts in 1usize..20, data in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut a = vec![0; data.len()];
            let mut b = vec![0; data.len()];
            shuffle(ts, &data, &mut a);
            unshuffle(ts, &a, &mut b);
            prop_assert_eq!(&b, &data);
            bitshuffle(ts, &data, &mut a);
            bitunshuffle(ts, &a, &mut b);
            prop_assert_eq!(&b, &data);
        }
    }
}
