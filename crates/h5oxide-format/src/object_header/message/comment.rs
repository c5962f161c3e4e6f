//! The Object Comment message, type 0x000D (spec IV.A.2.n).

use alloc::string::String;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::Result;

/// A short free-text description of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// The comment, without its null terminator. Bytes that are not UTF-8 are replaced.
    pub text: String,
}

impl Comment {
    /// Decodes the message body: a null-terminated string. A body without a terminator is
    /// taken whole.
    ///
    /// # Errors
    /// None in practice; fallible for symmetry with the other messages.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let rest = cur.rest();
        let n = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        let text = super::lossy(cur.bytes(n)?);
        if !cur.is_empty() {
            cur.skip(1)?;
        }
        Ok(Comment { text })
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// Never fails; fallible for symmetry with the other messages.
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        w.bytes(self.text.as_bytes());
        w.u8(0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_terminated() {
        let bytes = b"hello\0\0\0";
        let m = Comment::decode(&mut Cursor::new(bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(m.text, "hello");
        let mut w = Writer::new();
        m.encode(&mut w, &Context::DEFAULT).unwrap();
        assert_eq!(w.as_slice(), b"hello\0");
    }
}
