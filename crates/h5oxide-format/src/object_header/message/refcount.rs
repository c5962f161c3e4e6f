//! The Object Reference Count message, type 0x0016 (spec IV.A.2.w).

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, Result};

/// The number of hard links to an object with a version 2 header (1 when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefCount {
    /// The reference count.
    pub count: u32,
}

impl RefCount {
    /// Decodes the message body (version 0).
    ///
    /// # Errors
    /// `UnsupportedVersion` for another version, `UnexpectedEof` if too short.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if version != 0 {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        Ok(RefCount { count: cur.u32()? })
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// Never fails; fallible for symmetry with the other messages.
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        w.u8(0);
        w.u32(self.count);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_encodes() {
        let bytes = [0u8, 3, 0, 0, 0];
        let m = RefCount::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(m.count, 3);
        let mut w = Writer::new();
        m.encode(&mut w, &Context::DEFAULT).unwrap();
        assert_eq!(w.as_slice(), &bytes);
    }
}
