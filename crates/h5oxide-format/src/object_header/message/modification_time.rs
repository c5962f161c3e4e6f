//! The Object Modification Time message, type 0x0012 (spec IV.A.2.s).

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, Result};

/// The time of an object's last modification, in seconds since the UNIX epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModificationTime {
    /// Seconds after the UNIX epoch (UTC).
    pub seconds: u32,
}

impl ModificationTime {
    /// Decodes the message body (version 1, the only one defined).
    ///
    /// # Errors
    /// `UnsupportedVersion` for another version, `UnexpectedEof` if too short.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if version != 1 {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        cur.skip(3)?;
        Ok(ModificationTime {
            seconds: cur.u32()?,
        })
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// Never fails; fallible for symmetry with the other messages.
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        w.u8(1);
        w.zeros(3);
        w.u32(self.seconds);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libhdf5_bytes() {
        // Body of the modification time message of a dataset written by libhdf5 1.10.8.
        let bytes = [0x01, 0, 0, 0, 0xe3, 0x73, 0x03, 0x6b];
        let m =
            ModificationTime::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(m.seconds, 0x6b03_73e3);
        let mut w = Writer::new();
        m.encode(&mut w, &Context::DEFAULT).unwrap();
        assert_eq!(w.as_slice(), &bytes);
    }
}
