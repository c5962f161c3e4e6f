//! BloscLZ, the FastLZ-style LZ77 codec native to Blosc 1 (compressor format 0, version 1).
//!
//! A stream is a sequence of tokens. A control byte below 32 starts a literal run of
//! `ctrl + 1` bytes. Otherwise its top three bits `L` and low five bits `H` describe a match:
//! length `L + 2` (when `L == 7`, extension bytes follow and are added while they are 255,
//! the length being `9 + sum`), then a byte `c`; the distance back is `H * 256 + c + 1`, except
//! that `H == 31, c == 255` announces a 16-bit big-endian far distance `d` meaning `d + 8192`.
//! The first control byte is always read as a literal run (its top bits are ignored), and a
//! stream that ends right after a match does not copy that match.

/// Largest distance of a near match.
const MAX_DISTANCE: usize = 8191;
/// Longest literal run of one token.
const MAX_COPY: usize = 32;
/// Size of the encoder's hash table, in entries (log2).
const HASH_LOG: u32 = 12;

/// Decodes `input` into at most `maxout` bytes. `None` when the stream is malformed or does
/// not fit.
pub(crate) fn decompress(input: &[u8], maxout: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(maxout);
    let Some((&first, _)) = input.split_first() else {
        return Some(out);
    };
    let limit = input.len();
    let mut ip = 1usize;
    let mut ctrl = usize::from(first & 31);
    loop {
        if ctrl >= 32 {
            let mut len = (ctrl >> 5) - 1;
            let hi = (ctrl & 31) << 8;
            if len == 6 {
                loop {
                    if ip + 1 >= limit {
                        return None;
                    }
                    let code = input[ip];
                    ip += 1;
                    len = len.checked_add(usize::from(code))?;
                    if code != 255 {
                        break;
                    }
                }
            } else if ip + 1 >= limit {
                return None;
            }
            let code = usize::from(input[ip]);
            ip += 1;
            len += 3;
            let mut dist = hi + code + 1;
            if code == 255 && hi == 31 << 8 {
                if ip + 1 >= limit {
                    return None;
                }
                let far = usize::from(input[ip]) << 8 | usize::from(input[ip + 1]);
                ip += 2;
                dist = far + MAX_DISTANCE + 1;
            }
            let op = out.len();
            if op.checked_add(len)? > maxout || dist > op {
                return None;
            }
            if ip >= limit {
                break;
            }
            ctrl = usize::from(input[ip]);
            ip += 1;
            let start = op - dist;
            for k in 0..len {
                let b = out[start + k];
                out.push(b);
            }
        } else {
            let n = ctrl + 1;
            if out.len() + n > maxout || ip + n > limit {
                return None;
            }
            out.extend_from_slice(&input[ip..ip + n]);
            ip += n;
            if ip >= limit {
                break;
            }
            ctrl = usize::from(input[ip]);
            ip += 1;
        }
    }
    Some(out)
}

fn hash(v: u32) -> usize {
    (v.wrapping_mul(2_654_435_761) >> (32 - HASH_LOG)) as usize
}

fn read4(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]])
}

fn flush_literals(out: &mut Vec<u8>, lits: &[u8]) {
    for run in lits.chunks(MAX_COPY) {
        out.push((run.len() - 1) as u8);
        out.extend_from_slice(run);
    }
}

fn push_match(out: &mut Vec<u8>, len: usize, dist: usize) {
    let d = dist - 1;
    let hi = (d >> 8) as u8;
    let lo = (d & 0xff) as u8;
    if len - 2 < 7 {
        out.push((((len - 2) as u8) << 5) | hi);
    } else {
        out.push((7 << 5) | hi);
        let mut rem = len - 9;
        while rem >= 255 {
            out.push(255);
            rem -= 255;
        }
        out.push(rem as u8);
    }
    out.push(lo);
}

/// Greedy BloscLZ encoder (near matches only, at least 4 bytes long). The stream always starts
/// and ends with a literal run, as the decoder requires.
pub(crate) fn compress(input: &[u8]) -> Vec<u8> {
    let n = input.len();
    let mut out = Vec::with_capacity(n / 2 + 16);
    if n == 0 {
        return out;
    }
    let mut table = vec![usize::MAX; 1 << HASH_LOG];
    let mut anchor = 0usize;
    // Byte 0 is always a literal; matches must leave at least one literal at the end.
    let mut ip = 1usize;
    while ip + 5 <= n {
        let v = read4(input, ip);
        let h = hash(v);
        let cand = table[h];
        table[h] = ip;
        if cand != usize::MAX && ip - cand <= MAX_DISTANCE && read4(input, cand) == v {
            let max_len = n - 1 - ip;
            let mut len = 4;
            while len < max_len && input[cand + len] == input[ip + len] {
                len += 1;
            }
            flush_literals(&mut out, &input[anchor..ip]);
            push_match(&mut out, len, ip - cand);
            ip += len;
            anchor = ip;
        } else {
            ip += 1;
        }
    }
    flush_literals(&mut out, &input[anchor..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_hand_built_stream() {
        // Literal "ab", then a match of length 6 at distance 2 (ctrl = (6-2)<<5, low byte 1),
        // then literal "z".
        let stream = [1, b'a', b'b', 4 << 5, 1, 0, b'z'];
        assert_eq!(
            decompress(&stream, 100).unwrap(),
            b"abababab".iter().chain(b"z").copied().collect::<Vec<_>>()
        );
        // A match of length 12 uses one extension byte: 12 = 9 + 3.
        let stream = [0, b'x', 7 << 5, 3, 0, 0, b'y'];
        assert_eq!(
            decompress(&stream, 100).unwrap(),
            [&[b'x'; 13][..], b"y"].concat()
        );
        // Far match: distance 8192 + 2.
        let mut data = vec![0u8; 0];
        data.extend((0..8194u32).map(|i| (i % 251) as u8));
        let mut stream = Vec::new();
        flush_literals(&mut stream, &data);
        stream.extend_from_slice(&[(2 << 5) | 31, 255, 0, 2]);
        stream.extend_from_slice(&[0, 7]);
        let out = decompress(&stream, 10_000).unwrap();
        assert_eq!(&out[8194..8198], &data[0..4]);
        assert_eq!(out[8198], 7);
    }

    #[test]
    fn rejects_bad_streams() {
        // Distance before the start of the output.
        assert!(decompress(&[0, b'a', 1 << 5, 5, 0, 1], 100).is_none());
        // Literal run past the end of the input.
        assert!(decompress(&[5, b'a'], 100).is_none());
        // Output larger than allowed.
        assert!(decompress(&[3, 1, 2, 3, 4], 3).is_none());
    }

    proptest! {
        #[test]
        fn round_trip(data in proptest::collection::vec(0u8..4, 0..3000)) {
            let c = compress(&data);
            prop_assert_eq!(decompress(&c, data.len()).unwrap(), data);
        }
    }
}
