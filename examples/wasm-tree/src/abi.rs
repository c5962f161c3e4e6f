//! The module's exports: a plain C ABI over the module's linear memory.
//!
//! The host (JavaScript) and the module exchange bytes through two buffers owned by this
//! module, so no Rust code ever turns a host-supplied address back into a reference:
//!
//! 1. `h5ox_input(len)` sizes the input buffer and returns its address; the host copies the
//!    file's bytes there.
//! 2. `h5ox_tree()` consumes the input and leaves the JSON tree (status 0) or an error
//!    message (status 1) in the output buffer.
//! 3. `h5ox_output_ptr()` and `h5ox_output_len()` locate the output; the host decodes it as
//!    UTF-8, then calls `h5ox_output_free()`.
//!
//! Addresses and lengths are `u32` on wasm32; JavaScript sees them as signed numbers, so a
//! host reads them with `>>> 0`.
//!
//! The only `unsafe` here is the `#[unsafe(no_mangle)]` attribute each export needs: it puts
//! the function in the module's export table under its own name.

use std::sync::{Mutex, MutexGuard};

/// The file's bytes, written by the host between `h5ox_input` and `h5ox_tree`.
static INPUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// The last result, read by the host after `h5ox_tree`.
static OUTPUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn lock(buffer: &Mutex<Vec<u8>>) -> MutexGuard<'_, Vec<u8>> {
    // A poisoned lock only means an earlier call panicked; the buffer is still a buffer.
    buffer.lock().unwrap_or_else(|e| e.into_inner())
}

/// Replaces the input buffer with `len` zero bytes and returns its address, or null if the
/// memory cannot be allocated. The host copies the file into it, then calls [`h5ox_tree`].
#[allow(unsafe_code)]
// SAFETY: `h5ox_input` is unique among this crate's exported symbols.
#[unsafe(no_mangle)]
pub extern "C" fn h5ox_input(len: usize) -> *mut u8 {
    let mut input = lock(&INPUT);
    *input = Vec::new();
    if input.try_reserve_exact(len).is_err() {
        return std::ptr::null_mut();
    }
    input.resize(len, 0);
    input.as_mut_ptr()
}

/// Lists the tree of the file in the input buffer (consuming it) into the output buffer:
/// returns 0 and JSON (see [`crate::tree_json`]), or 1 and the error message.
#[allow(unsafe_code)]
// SAFETY: `h5ox_tree` is unique among this crate's exported symbols.
#[unsafe(no_mangle)]
pub extern "C" fn h5ox_tree() -> u32 {
    let bytes = std::mem::take(&mut *lock(&INPUT));
    let (status, text) = match crate::tree_json(bytes) {
        Ok(json) => (0, json),
        Err(e) => (1, e.to_string()),
    };
    *lock(&OUTPUT) = text.into_bytes();
    status
}

/// Address of the output buffer.
#[allow(unsafe_code)]
// SAFETY: `h5ox_output_ptr` is unique among this crate's exported symbols.
#[unsafe(no_mangle)]
pub extern "C" fn h5ox_output_ptr() -> *const u8 {
    lock(&OUTPUT).as_ptr()
}

/// Length of the output buffer in bytes.
#[allow(unsafe_code)]
// SAFETY: `h5ox_output_len` is unique among this crate's exported symbols.
#[unsafe(no_mangle)]
pub extern "C" fn h5ox_output_len() -> usize {
    lock(&OUTPUT).len()
}

/// Releases the output buffer (the module keeps at most one input and one output).
#[allow(unsafe_code)]
// SAFETY: `h5ox_output_free` is unique among this crate's exported symbols.
#[unsafe(no_mangle)]
pub extern "C" fn h5ox_output_free() {
    *lock(&OUTPUT) = Vec::new();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The host's side of the protocol, with the buffers' addresses used only as the host
    /// would use them: to check that they point at what the module says.
    #[test]
    fn round_trip_through_the_exports() {
        let p = h5ox_input(4);
        assert!(!p.is_null());
        lock(&INPUT).copy_from_slice(b"nope");
        assert_eq!(h5ox_tree(), 1);
        assert!(lock(&INPUT).is_empty());
        let len = h5ox_output_len();
        assert!(len > 0);
        assert_eq!(h5ox_output_ptr(), lock(&OUTPUT).as_ptr());
        let message = String::from_utf8(lock(&OUTPUT).clone()).unwrap();
        assert!(!message.is_empty());
        h5ox_output_free();
        assert_eq!(h5ox_output_len(), 0);
    }
}
