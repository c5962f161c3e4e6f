//! The Bogus message, type 0x0009 (spec IV.A.2.j): used only to test handling of unknown
//! messages; never valid in a real file.

use crate::cursor::{Cursor, Writer};
use crate::error::Result;

/// The value the message always holds.
pub const BOGUS_VALUE: u32 = 0xdead_beef;

/// Decodes the message body.
///
/// # Errors
/// `InvalidValue` if the value is not `0xdeadbeef`, `UnexpectedEof` if too short.
pub fn decode(cur: &mut Cursor<'_>) -> Result<()> {
    let v = cur.u32()?;
    if v != BOGUS_VALUE {
        return Err(cur.invalid("bogus value", u64::from(v), 4));
    }
    Ok(())
}

/// Encodes the message body.
pub fn encode(w: &mut Writer) {
    w.u32(BOGUS_VALUE);
}
