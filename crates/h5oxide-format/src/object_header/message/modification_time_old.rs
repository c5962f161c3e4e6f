//! The Object Modification Time (Old) message, type 0x000E (spec IV.A.2.o).

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, FormatError, Result};

/// A modification time stored as ASCII digits `YYYYMMDDhhmmss` (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModificationTimeOld {
    /// Four-digit year.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of the month, 1 to 31.
    pub day: u8,
    /// Hour, 0 to 23.
    pub hour: u8,
    /// Minute, 0 to 59.
    pub minute: u8,
    /// Second, 0 to 59.
    pub second: u8,
}

fn digits(cur: &mut Cursor<'_>, n: usize, field: &'static str) -> Result<u16> {
    let b = cur.bytes(n)?;
    let mut v = 0u16;
    for &d in b {
        if !d.is_ascii_digit() {
            return Err(cur.invalid(field, u64::from(d), n));
        }
        v = v * 10 + u16::from(d - b'0');
    }
    Ok(v)
}

impl ModificationTimeOld {
    /// Decodes the message body: 14 ASCII digits and 2 reserved bytes.
    ///
    /// # Errors
    /// `InvalidValue` if a field holds a non-digit, `UnexpectedEof` if too short.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        let year = digits(cur, 4, "modification year")?;
        // Every two-digit field is at most 99, so the narrowing below cannot truncate.
        let month = digits(cur, 2, "modification month")? as u8;
        let day = digits(cur, 2, "modification day")? as u8;
        let hour = digits(cur, 2, "modification hour")? as u8;
        let minute = digits(cur, 2, "modification minute")? as u8;
        let second = digits(cur, 2, "modification second")? as u8;
        cur.skip(2)?;
        Ok(ModificationTimeOld {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// `EncodeOverflow` if the year has more than four digits or another field more than two.
    pub fn encode(&self, w: &mut Writer, _ctx: &Context) -> Result<()> {
        let fields: [(u16, usize, &'static str); 6] = [
            (self.year, 4, "modification year"),
            (self.month.into(), 2, "modification month"),
            (self.day.into(), 2, "modification day"),
            (self.hour.into(), 2, "modification hour"),
            (self.minute.into(), 2, "modification minute"),
            (self.second.into(), 2, "modification second"),
        ];
        for (v, n, field) in fields {
            let max = if n == 4 { 9999 } else { 99 };
            if v > max {
                return Err(FormatError::new(
                    ErrorKind::EncodeOverflow { field },
                    "modification time (old) message",
                    w.len() as u64,
                ));
            }
            let mut buf = [b'0'; 4];
            let mut x = v;
            for i in (0..n).rev() {
                buf[i] = b'0' + (x % 10) as u8;
                x /= 10;
            }
            w.bytes(&buf[..n]);
        }
        w.zeros(2);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ascii_digits() {
        let bytes = *b"19980704123059\0\0";
        let m = ModificationTimeOld::decode(&mut Cursor::new(&bytes, 0, "t"), &Context::DEFAULT)
            .unwrap();
        assert_eq!(
            (m.year, m.month, m.day, m.hour, m.minute, m.second),
            (1998, 7, 4, 12, 30, 59)
        );
        let mut w = Writer::new();
        m.encode(&mut w, &Context::DEFAULT).unwrap();
        assert_eq!(w.as_slice(), &bytes);
        let bad = *b"19X80704123059\0\0";
        let e = ModificationTimeOld::decode(&mut Cursor::new(&bad, 10, "t"), &Context::DEFAULT)
            .unwrap_err();
        assert_eq!(e.offset, 10);
    }
}
