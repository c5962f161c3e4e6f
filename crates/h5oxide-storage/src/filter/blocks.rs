//! Big-endian framing fields shared by the block-based plugin filters (LZ4, Bitshuffle),
//! whose headers are written in network byte order unlike the rest of HDF5.

/// Reads a big-endian `u32` at `pos`, or `None` past the end.
pub(crate) fn be_u32(input: &[u8], pos: usize) -> Option<u32> {
    let end = pos.checked_add(4)?;
    let bytes: [u8; 4] = input.get(pos..end)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

/// Reads a big-endian `u64` at `pos`, or `None` past the end.
pub(crate) fn be_u64(input: &[u8], pos: usize) -> Option<u64> {
    let end = pos.checked_add(8)?;
    let bytes: [u8; 8] = input.get(pos..end)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

/// Returns `input[pos..pos + len]`, or `None` past the end.
pub(crate) fn slice(input: &[u8], pos: usize, len: usize) -> Option<&[u8]> {
    input.get(pos..pos.checked_add(len)?)
}
