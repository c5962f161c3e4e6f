//! Filter 4: SZIP, the CCSDS 121.0-B adaptive entropy coder, in the byte layout libhdf5
//! produces through the szip-compatible interface of libaec.
//!
//! Client data (4 values): options mask, pixels per block, bits per pixel, pixels per
//! scanline. The chunk is a 4-byte little-endian uncompressed size followed by the coded
//! stream. Samples of 32 or 64 bits are coded as bytes after de-interleaving (all first bytes,
//! then all second bytes, ...). Every scanline is coded as one reference sample interval of
//! `ceil(pps / ppb)` blocks; a scanline that is not a whole number of blocks is padded (with
//! zeros, or with its last pixel when the preprocessor is on).

use crate::error::{FilterFailure, StorageError};

/// HDF5 filter id of SZIP.
pub const FILTER_ID: u16 = 4;
const NAME: &str = "szip";

/// Option mask bits of the client data.
pub mod options {
    /// Allow k = 13 (always set by libhdf5).
    pub const ALLOW_K13: u32 = 1;
    /// CHIP option (cleared by libhdf5).
    pub const CHIP: u32 = 2;
    /// Entropy coding (no preprocessor).
    pub const EC: u32 = 4;
    /// Samples are little-endian.
    pub const LSB: u32 = 8;
    /// Samples are big-endian.
    pub const MSB: u32 = 16;
    /// Nearest-neighbour preprocessor.
    pub const NN: u32 = 32;
    /// No szip header in the stream (always set by libhdf5).
    pub const RAW: u32 = 128;
}

/// Largest scanline, in blocks, libhdf5 uses.
const MAX_BLOCKS_PER_SCANLINE: u64 = 128;
/// Largest block, in pixels.
const MAX_PIXELS_PER_BLOCK: u32 = 32;
/// Zero-block count code meaning "to the end of the segment".
const ROS: u32 = 5;
/// Blocks per segment for zero-block runs.
const SEGMENT: usize = 64;
/// Largest second-extension codeword (pair sums up to 12).
const SE_MAX: u32 = 90;

fn fail(reason: FilterFailure) -> StorageError {
    StorageError::Filter {
        id: FILTER_ID,
        name: NAME,
        reason,
    }
}

fn corrupt(what: &'static str) -> StorageError {
    fail(FilterFailure::Corrupt(what))
}

fn bad_params(what: &'static str) -> StorageError {
    fail(FilterFailure::Parameters(what))
}

/// The client data libhdf5 stores at dataset creation.
///
/// `options_mask` and `pixels_per_block` are what was given to `H5Pset_szip` (libhdf5 sets
/// the K13 and raw bits, clears CHIP and sets LSB or MSB from `big_endian`); `size` is the
/// datatype's size in bytes, `precision` and `offset` its bit precision and offset;
/// `chunk_dims` the chunk's dimensions.
pub fn params_for(
    options_mask: u32,
    pixels_per_block: u32,
    size: u32,
    precision: u32,
    offset: u32,
    big_endian: bool,
    chunk_dims: &[u64],
) -> Vec<u32> {
    let mut mask = options_mask & !options::CHIP;
    mask |= options::ALLOW_K13 | options::RAW;
    mask &= !(options::LSB | options::MSB);
    mask |= if big_endian {
        options::MSB
    } else {
        options::LSB
    };
    let size_bits = size.saturating_mul(8);
    let mut bpp = precision;
    if bpp < size_bits && offset != 0 {
        bpp = size_bits;
    }
    if bpp > 24 {
        bpp = if bpp <= 32 { 32 } else { 64 };
    }
    let ppb = u64::from(pixels_per_block);
    let npoints: u64 = chunk_dims.iter().product();
    let scanline = chunk_dims.last().copied().unwrap_or(1);
    let max_line = ppb * MAX_BLOCKS_PER_SCANLINE;
    let pps = if scanline < ppb {
        max_line.min(npoints)
    } else if scanline <= MAX_BLOCKS_PER_SCANLINE * u64::from(MAX_PIXELS_PER_BLOCK) {
        max_line.min(scanline)
    } else {
        max_line
    };
    vec![mask, pixels_per_block, bpp, pps as u32]
}

/// The coding geometry derived from the client data.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    /// Bits per coded sample (8 for de-interleaved 32/64-bit data).
    bits: u32,
    /// Bytes per coded sample in memory.
    sample_bytes: usize,
    /// Samples per block.
    block: usize,
    /// Blocks per reference sample interval (one scanline).
    rsi: usize,
    /// Real samples per scanline.
    pps: usize,
    /// Bits of the option identifier.
    id_len: u32,
    /// Nearest-neighbour preprocessing.
    pp: bool,
    /// Big-endian samples.
    msb: bool,
    /// Word size when de-interleaving (0 when not).
    interleave: usize,
}

impl Geometry {
    fn new(params: &[u32]) -> Result<Self, StorageError> {
        let [mask, ppb, bpp, pps] = match params {
            [a, b, c, d, ..] => [*a, *b, *c, *d],
            _ => return Err(bad_params("SZIP needs 4 client data values")),
        };
        if ppb == 0 || ppb % 2 != 0 || ppb > MAX_PIXELS_PER_BLOCK {
            return Err(bad_params(
                "SZIP pixels per block must be even and at most 32",
            ));
        }
        // libhdf5 never uses more than 128 blocks of 32 pixels per scanline.
        if pps == 0 || u64::from(pps) > MAX_BLOCKS_PER_SCANLINE * u64::from(MAX_PIXELS_PER_BLOCK) {
            return Err(bad_params("SZIP pixels per scanline out of range"));
        }
        let interleave = match bpp {
            32 => 4,
            64 => 8,
            1..=31 => 0,
            _ => return Err(bad_params("SZIP bits per pixel out of range")),
        };
        let bits = if interleave != 0 { 8 } else { bpp };
        let (sample_bytes, id_len) = match bits {
            1..=8 => (1, 3),
            9..=16 => (2, 4),
            _ => (4, 5),
        };
        let block = ppb as usize;
        let pps = pps as usize;
        Ok(Self {
            bits,
            sample_bytes,
            block,
            rsi: pps.div_ceil(block),
            pps,
            id_len,
            pp: mask & options::NN != 0,
            msb: mask & options::MSB != 0,
            interleave,
        })
    }

    fn xmax(&self) -> u32 {
        (((1u64) << self.bits) - 1) as u32
    }

    fn put(&self, out: &mut Vec<u8>, v: u32) {
        match (self.sample_bytes, self.msb) {
            (1, _) => out.push(v as u8),
            (2, true) => out.extend_from_slice(&(v as u16).to_be_bytes()),
            (2, false) => out.extend_from_slice(&(v as u16).to_le_bytes()),
            (_, true) => out.extend_from_slice(&v.to_be_bytes()),
            (_, false) => out.extend_from_slice(&v.to_le_bytes()),
        }
    }

    fn get(&self, b: &[u8]) -> u32 {
        match (self.sample_bytes, self.msb) {
            (1, _) => u32::from(b[0]),
            (2, true) => u32::from(u16::from_be_bytes([b[0], b[1]])),
            (2, false) => u32::from(u16::from_le_bytes([b[0], b[1]])),
            (_, true) => u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            (_, false) => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        }
    }
}

/// MSB-first bit reader.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn get(&mut self, n: u32) -> Result<u32, StorageError> {
        let end = self.pos + n as usize;
        if end > self.data.len() * 8 {
            return Err(corrupt("SZIP stream truncated"));
        }
        let mut v: u64 = 0;
        let mut p = self.pos;
        while p < end {
            let byte = self.data[p / 8];
            let avail = 8 - (p % 8);
            let take = avail.min(end - p);
            let bits = (byte >> (avail - take)) & ((1u16 << take) - 1) as u8;
            v = (v << take) | u64::from(bits);
            p += take;
        }
        self.pos = end;
        Ok(v as u32)
    }

    /// A fundamental-sequence codeword: the number of 0 bits before the next 1 bit.
    fn fs(&mut self) -> Result<u32, StorageError> {
        let mut count: u64 = 0;
        loop {
            let byte_i = self.pos / 8;
            let byte = *self
                .data
                .get(byte_i)
                .ok_or_else(|| corrupt("SZIP stream truncated"))?;
            let shift = self.pos % 8;
            let rest = byte << shift;
            if rest == 0 {
                count += (8 - shift) as u64;
                self.pos = (byte_i + 1) * 8;
            } else {
                let z = rest.leading_zeros() as usize;
                count += z as u64;
                self.pos += z + 1;
                return u32::try_from(count).map_err(|_| corrupt("SZIP codeword too long"));
            }
        }
    }
}

/// Decodes one reference sample interval of `g.rsi * g.block` samples into `buf`.
fn decode_rsi(g: &Geometry, r: &mut Bits<'_>, buf: &mut [u32]) -> Result<(), StorageError> {
    let rsi_samples = buf.len();
    let uncomp_id = (1u32 << g.id_len) - 1;
    let mut used = 0usize;
    while used < rsi_samples {
        let reference = usize::from(g.pp && used == 0);
        let id = r.get(g.id_len)?;
        if id == 0 {
            let second_ext = r.get(1)? == 1;
            if reference == 1 {
                buf[used] = r.get(g.bits)?;
                used += 1;
            }
            if second_ext {
                let mut i = reference;
                while i < g.block {
                    let m = r.fs()?;
                    if m > SE_MAX {
                        return Err(corrupt("SZIP second-extension codeword out of range"));
                    }
                    // m = s (s + 1) / 2 + b, with s = a + b.
                    let mut s = 0u32;
                    while (s + 1) * (s + 2) / 2 <= m {
                        s += 1;
                    }
                    let b = m - s * (s + 1) / 2;
                    if i % 2 == 0 {
                        buf[used] = s - b;
                        used += 1;
                        i += 1;
                    }
                    buf[used] = b;
                    used += 1;
                    i += 1;
                }
            } else {
                let mut blocks = r.fs()?.saturating_add(1);
                if blocks == ROS {
                    let b = used / g.block;
                    blocks = (g.rsi - b).min(SEGMENT - b % SEGMENT) as u32;
                } else if blocks > ROS {
                    blocks -= 1;
                }
                let zeros = (blocks as usize)
                    .checked_mul(g.block)
                    .map(|z| z - reference)
                    .filter(|&z| z <= rsi_samples - used)
                    .ok_or_else(|| corrupt("SZIP zero-block run past the interval"))?;
                buf[used..used + zeros].fill(0);
                used += zeros;
            }
        } else if id == uncomp_id {
            for v in &mut buf[used..used + g.block] {
                *v = r.get(g.bits)?;
            }
            used += g.block;
        } else {
            let k = id - 1;
            if reference == 1 {
                buf[used] = r.get(g.bits)?;
                used += 1;
            }
            let n = g.block - reference;
            for v in &mut buf[used..used + n] {
                *v = r.fs()?.wrapping_shl(k);
            }
            if k > 0 {
                for v in &mut buf[used..used + n] {
                    *v = v.wrapping_add(r.get(k)?);
                }
            }
            used += n;
        }
    }
    Ok(())
}

/// Undoes the nearest-neighbour mapping of one interval (unsigned samples, first is the
/// reference).
fn unmap(g: &Geometry, buf: &mut [u32]) {
    let xmax = g.xmax();
    let Some((&mut first, rest)) = buf.split_first_mut() else {
        return;
    };
    let mut x = first;
    for d in rest {
        let delta = *d;
        // Wrapping arithmetic: a corrupt residual must give garbage, not a panic.
        let theta = x.min(xmax.wrapping_sub(x));
        let half = (delta >> 1) + (delta & 1);
        x = if half <= theta {
            if delta & 1 == 0 {
                x.wrapping_add(delta >> 1)
            } else {
                x.wrapping_sub(half)
            }
        } else if theta == x {
            delta
        } else {
            xmax.wrapping_sub(delta)
        };
        *d = x;
    }
}

/// Decodes one SZIP chunk (size prefix and coded stream) into `expected_len` bytes at most.
///
/// # Errors
/// `Parameters` for invalid client data; `TooLarge` when the prefix announces more than
/// `expected_len` bytes; `Corrupt` for a truncated or malformed stream.
pub fn decode(params: &[u32], input: &[u8], expected_len: usize) -> Result<Vec<u8>, StorageError> {
    let g = Geometry::new(params)?;
    let prefix = input
        .get(..4)
        .ok_or_else(|| corrupt("SZIP size prefix truncated"))?;
    let size = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
    if size > expected_len {
        return Err(fail(FilterFailure::TooLarge {
            expected: expected_len,
        }));
    }
    if size % g.sample_bytes != 0 || (g.interleave != 0 && size % g.interleave != 0) {
        return Err(corrupt("SZIP size is not a whole number of samples"));
    }
    let mut r = Bits {
        data: &input[4..],
        pos: 0,
    };
    let mut coded = Vec::with_capacity(size);
    let mut buf = vec![0u32; g.rsi * g.block];
    while coded.len() < size {
        decode_rsi(&g, &mut r, &mut buf)?;
        if g.pp {
            unmap(&g, &mut buf);
        }
        for &v in &buf[..g.pps] {
            if coded.len() >= size {
                break;
            }
            g.put(&mut coded, v);
        }
    }
    if g.interleave == 0 {
        return Ok(coded);
    }
    let ws = g.interleave;
    let words = size / ws;
    let mut out = vec![0u8; size];
    for (i, word) in out.chunks_exact_mut(ws).enumerate() {
        for (j, b) in word.iter_mut().enumerate() {
            *b = coded[j * words + i];
        }
    }
    Ok(out)
}

/// MSB-first bit writer.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    nbits: u32,
}

impl BitWriter {
    fn put(&mut self, v: u32, n: u32) {
        if n == 0 {
            return;
        }
        let v = u64::from(v) & ((1u64 << n) - 1);
        self.acc = (self.acc << n) | v;
        self.nbits += n;
        while self.nbits >= 8 {
            self.nbits -= 8;
            self.out.push((self.acc >> self.nbits) as u8);
        }
    }

    fn fs(&mut self, mut zeros: u32) {
        while zeros >= 32 {
            self.put(0, 32);
            zeros -= 32;
        }
        self.put(1, zeros + 1);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.nbits > 0 {
            let pad = 8 - self.nbits;
            self.put(0, pad);
        }
        self.out
    }
}

/// Maps one interval to reference + residuals (nearest-neighbour preprocessor).
fn map(g: &Geometry, buf: &mut [u32]) {
    let xmax = g.xmax();
    let mut prev = match buf.first() {
        Some(&v) => v,
        None => return,
    };
    for v in buf.iter_mut().skip(1) {
        let x = *v;
        let theta = prev.min(xmax - prev);
        let d = if x >= prev {
            let diff = x - prev;
            if diff <= theta {
                2 * diff
            } else {
                theta + diff
            }
        } else {
            let diff = prev - x;
            if diff <= theta {
                2 * diff - 1
            } else {
                theta + diff
            }
        };
        prev = x;
        *v = d;
    }
}

fn se_code(a: u32, b: u32) -> Option<u32> {
    let s = a.checked_add(b)?;
    if s > 12 {
        return None;
    }
    Some(s * (s + 1) / 2 + b)
}

/// Encodes one interval's blocks.
fn encode_rsi(g: &Geometry, w: &mut BitWriter, buf: &[u32]) {
    let nblocks = buf.len() / g.block;
    let uncomp_id = (1u32 << g.id_len) - 1;
    let kmax = uncomp_id - 2;
    let mut b = 0usize;
    while b < nblocks {
        let reference = usize::from(g.pp && b == 0);
        let block = &buf[b * g.block..(b + 1) * g.block];
        let data = &block[reference..];
        if data.iter().all(|&v| v == 0) {
            // A run of zero blocks, not crossing a segment boundary.
            let seg_end = ((b / SEGMENT + 1) * SEGMENT).min(nblocks);
            let mut run = 1;
            while b + run < seg_end
                && buf[(b + run) * g.block..(b + run + 1) * g.block]
                    .iter()
                    .all(|&v| v == 0)
            {
                run += 1;
            }
            w.put(0, g.id_len);
            w.put(0, 1);
            if reference == 1 {
                w.put(block[0], g.bits);
            }
            let code = if b + run == seg_end && run >= ROS as usize {
                ROS - 1
            } else if run < ROS as usize {
                run as u32 - 1
            } else {
                run as u32
            };
            w.fs(code);
            b += run;
            continue;
        }
        let ref_bits = if reference == 1 { u64::from(g.bits) } else { 0 };
        // Uncompressed.
        let mut best = (u64::from(g.bits) * g.block as u64, uncomp_id);
        // Split samples with k = 0..=kmax.
        for k in 0..=kmax {
            let cost: u64 = ref_bits
                + data
                    .iter()
                    .map(|&v| u64::from(v >> k) + 1 + u64::from(k))
                    .sum::<u64>();
            if cost < best.0 {
                best = (cost, k + 1);
            }
        }
        // Second extension.
        let se: Option<u64> = (0..g.block)
            .step_by(2)
            .map(|i| {
                let a = if i < reference { 0 } else { block[i] };
                se_code(a, block[i + 1]).map(|m| u64::from(m) + 1)
            })
            .sum::<Option<u64>>()
            .map(|c| c + ref_bits + 1);
        if let Some(c) = se {
            if c < best.0 {
                best = (c, u32::MAX);
            }
        }
        match best.1 {
            u32::MAX => {
                w.put(0, g.id_len);
                w.put(1, 1);
                if reference == 1 {
                    w.put(block[0], g.bits);
                }
                for i in (0..g.block).step_by(2) {
                    let a = if i < reference { 0 } else { block[i] };
                    w.fs(se_code(a, block[i + 1]).unwrap_or(0));
                }
            }
            id if id == uncomp_id => {
                w.put(id, g.id_len);
                for &v in block {
                    w.put(v, g.bits);
                }
            }
            id => {
                let k = id - 1;
                w.put(id, g.id_len);
                if reference == 1 {
                    w.put(block[0], g.bits);
                }
                for &v in data {
                    w.fs(v >> k);
                }
                for &v in data {
                    w.put(v, k);
                }
            }
        }
        b += 1;
    }
}

/// Encodes `input` as one SZIP chunk (size prefix and coded stream), choosing the shortest
/// coding option per block.
///
/// # Errors
/// `Parameters` for invalid client data, an input that is not a whole number of samples, or
/// an input of 4 GiB or more.
pub fn encode(params: &[u32], input: &[u8]) -> Result<Vec<u8>, StorageError> {
    let g = Geometry::new(params)?;
    let size = u32::try_from(input.len()).map_err(|_| bad_params("chunk too large for SZIP"))?;
    if input.len() % g.sample_bytes != 0 || (g.interleave != 0 && input.len() % g.interleave != 0) {
        return Err(bad_params("chunk is not a whole number of SZIP samples"));
    }
    let interleaved;
    let bytes: &[u8] = if g.interleave != 0 {
        let ws = g.interleave;
        let words = input.len() / ws;
        let mut v = vec![0u8; input.len()];
        for (i, word) in input.chunks_exact(ws).enumerate() {
            for (j, &b) in word.iter().enumerate() {
                v[j * words + i] = b;
            }
        }
        interleaved = v;
        &interleaved
    } else {
        input
    };
    let mut w = BitWriter::default();
    w.out.extend_from_slice(&size.to_le_bytes());
    w.out.reserve(input.len() / 2);
    let rsi_samples = g.rsi * g.block;
    let mut buf = vec![0u32; rsi_samples];
    for line in bytes.chunks(g.pps * g.sample_bytes) {
        let n = line.len() / g.sample_bytes;
        for (v, s) in buf.iter_mut().zip(line.chunks_exact(g.sample_bytes)) {
            *v = g.get(s) & g.xmax();
        }
        // Pad the scanline with zeros, or with its last pixel under the preprocessor.
        let pad = if g.pp && n > 0 { buf[n - 1] } else { 0 };
        buf[n..].fill(pad);
        if g.pp {
            map(&g, &mut buf);
        }
        encode_rsi(&g, &mut w, &buf);
    }
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn params_like_libhdf5() {
        // EC, 32 pixels per block, little-endian 4-byte ints, chunk 4 x 100.
        assert_eq!(
            params_for(options::EC, 32, 4, 32, 0, false, &[4, 100]),
            vec![141, 32, 32, 100]
        );
        // NN, 8 pixels per block, big-endian 2-byte, scanline shorter than a block.
        assert_eq!(
            params_for(options::NN, 8, 2, 16, 0, true, &[10, 4]),
            vec![177, 8, 16, 40]
        );
        // 12-bit precision at offset 0 keeps 12 bits; a 4096-pixel scanline is capped.
        assert_eq!(params_for(4, 16, 2, 12, 0, false, &[5000])[2..], [12, 2048]);
    }

    #[test]
    fn decodes_hand_built_stream() {
        // 8-bit, 8 pixels per block, 8 per scanline, no preprocessor: one split block with
        // k = 1 (id 2) for samples 0..8: FS of v >> 1 then one low bit each.
        let mut w = BitWriter::default();
        w.out.extend_from_slice(&8u32.to_le_bytes());
        w.put(2, 3);
        for v in 0u32..8 {
            w.fs(v >> 1);
        }
        for v in 0u32..8 {
            w.put(v & 1, 1);
        }
        let chunk = w.finish();
        let params = [options::EC | options::LSB, 8, 8, 8];
        assert_eq!(
            decode(&params, &chunk, 8).unwrap(),
            (0u8..8).collect::<Vec<_>>()
        );
        assert!(decode(&params, &chunk, 7).is_err());
        assert!(decode(&params, &chunk[..6], 8).is_err());
    }

    #[test]
    fn second_extension_and_zero_blocks() {
        // Zero run to the end of the interval (ROS) then a second-extension block.
        let params = [options::EC | options::LSB, 8, 8, 64];
        let mut data = vec![0u8; 64];
        data[56..].copy_from_slice(&[1, 0, 0, 2, 1, 1, 0, 0]);
        let chunk = encode(&params, &data).unwrap();
        assert_eq!(decode(&params, &chunk, 64).unwrap(), data);
    }

    proptest! {
        #[test]
        fn garbage_never_panics(
            data in proptest::collection::vec(any::<u8>(), 0..400),
            mask in prop::sample::select(vec![options::EC, options::NN, options::NN | options::MSB]),
            ppb in prop::sample::select(vec![8u32, 16, 32]),
            bpp in prop::sample::select(vec![1u32, 8, 13, 16, 24, 32, 64]),
            pps in 1u32..100,
        ) {
            let _ = decode(&[mask, ppb, bpp, pps], &data, 1000);
        }

        #[test]
        fn round_trip(
            mask in prop::sample::select(vec![options::EC | options::LSB, options::NN | options::LSB,
                                              options::NN | options::MSB, options::EC | options::MSB]),
            ppb in prop::sample::select(vec![8u32, 16, 32]),
            bpp in prop::sample::select(vec![3u32, 8, 12, 16, 24, 32, 64]),
            pps in 1u32..300,
            n in 0usize..1500,
            spread in 0u32..40,
            seed in any::<u64>(),
        ) {
            let params = [mask, ppb, bpp, pps];
            let g = Geometry::new(&params).unwrap();
            let width = if g.interleave != 0 { g.interleave } else { g.sample_bytes };
            let mut x = seed;
            let mut data = Vec::new();
            let mut level: i64 = 1000;
            for _ in 0..n {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                level += ((x >> 33) % (2 * u64::from(spread) + 1)) as i64 - i64::from(spread);
                let v = (level as u64) & if bpp >= 32 { u64::MAX } else { (1u64 << bpp) - 1 };
                let bytes = v.to_le_bytes();
                if g.interleave != 0 {
                    data.extend_from_slice(&bytes[..width]);
                } else {
                    let mut s = Vec::new();
                    g.put(&mut s, v as u32);
                    data.extend_from_slice(&s);
                }
            }
            let chunk = encode(&params, &data).unwrap();
            prop_assert_eq!(decode(&params, &chunk, data.len()).unwrap(), data);
        }
    }
}
