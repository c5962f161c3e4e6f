//! The Datatype message, type 0x0003 (spec IV.A.2.d).

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, Result};

/// A datatype of any class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datatype {}

impl Datatype {
    /// Decodes the message body.
    ///
    /// # Errors
    /// Malformed input.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        Err(cur.error(ErrorKind::Unsupported { what: "datatype" }))
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// A value does not fit its field.
    pub fn encode(&self, _w: &mut Writer, _ctx: &Context) -> Result<()> {
        Ok(())
    }
}
