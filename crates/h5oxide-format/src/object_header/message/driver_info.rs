//! The Driver Info message, type 0x0014 (spec IV.A.2.u), found only in the superblock
//! extension.

use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// Information a file driver (multi, family) needs to reopen the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverInfo {
    /// Eight ASCII characters naming the driver ("NCSAmult", "NCSAfami").
    pub driver_id: [u8; 8],
    /// The driver's own information.
    pub info: Vec<u8>,
}

impl DriverInfo {
    /// Decodes the message body (version 0).
    ///
    /// # Errors
    /// `UnsupportedVersion` for another version, `UnexpectedEof` if the information is
    /// longer than the body.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let version = cur.u8()?;
        if version != 0 {
            return Err(cur.error(ErrorKind::UnsupportedVersion { version }));
        }
        let driver_id = cur.array()?;
        let n = cur.u16()?;
        let info = cur.bytes(usize::from(n))?.to_vec();
        Ok(DriverInfo { driver_id, info })
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// `EncodeOverflow` if the information is longer than 65535 bytes.
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        let n = u16::try_from(self.info.len()).map_err(|_| {
            FormatError::new(
                ErrorKind::EncodeOverflow {
                    field: "driver information size",
                },
                "driver info message",
                w.len() as u64,
            )
        })?;
        w.u8(0);
        w.bytes(&self.driver_id);
        w.u16(n);
        w.bytes(&self.info);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_bounds_info() {
        let mut bytes = alloc::vec![0u8];
        bytes.extend_from_slice(b"NCSAfami");
        bytes.extend_from_slice(&[3, 0, 1, 2, 3]);
        let m = DriverInfo::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(&m.driver_id, b"NCSAfami");
        assert_eq!(m.info, [1, 2, 3]);
        let mut w = Writer::new();
        m.encode(&mut w, &Context::DEFAULT).unwrap();
        assert_eq!(w.as_slice(), &bytes[..]);
        bytes[9] = 200;
        assert!(DriverInfo::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).is_err());
    }
}
