//! The Fill Value (Old) message, type 0x0004 (spec IV.A.2.e).

use alloc::vec::Vec;

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// A user-defined fill value, as written for libraries before 1.6.0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FillValueOld {
    /// The fill value's bytes, in the dataset's datatype.
    pub value: Vec<u8>,
}

impl FillValueOld {
    /// Decodes the message body.
    ///
    /// # Errors
    /// `UnexpectedEof` if the size runs past the body.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let n = cur.u32()?;
        let n = usize::try_from(n).map_err(|_| cur.invalid("fill value size", n.into(), 4))?;
        Ok(FillValueOld {
            value: cur.bytes(n)?.to_vec(),
        })
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// `EncodeOverflow` if the value is 4 GiB or larger.
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        let n = u32::try_from(self.value.len()).map_err(|_| {
            FormatError::new(
                ErrorKind::EncodeOverflow {
                    field: "fill value size",
                },
                "fill value (old) message",
                w.len() as u64,
            )
        })?;
        w.u32(n);
        w.bytes(&self.value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libhdf5_bytes() {
        // Body of the old fill value message of an int32 dataset with fill value -7, written
        // by libhdf5 1.10.8 with default settings.
        let bytes = [0x04, 0, 0, 0, 0xf9, 0xff, 0xff, 0xff];
        let m = FillValueOld::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT).unwrap();
        assert_eq!(m.value, (-7i32).to_le_bytes());
        let mut w = Writer::new();
        m.encode(&mut w, &Context::DEFAULT).unwrap();
        assert_eq!(w.as_slice(), &bytes);
    }
}
