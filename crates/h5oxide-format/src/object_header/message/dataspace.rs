//! The Dataspace message, type 0x0001 (spec IV.A.2.b).

use crate::context::Context;
use crate::cursor::{Cursor, Writer};
use crate::error::{ErrorKind, Result};

/// A dataspace: rank, dimensions and maximum dimensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataspace {}

impl Dataspace {
    /// Decodes the message body.
    ///
    /// # Errors
    /// Malformed input.
    pub fn decode(cur: &mut Cursor<'_>, _ctx: &Context) -> Result<Self> {
        Err(cur.error(ErrorKind::Unsupported { what: "dataspace" }))
    }

    /// Encodes the message body.
    ///
    /// # Errors
    /// A value does not fit its field.
    pub fn encode(&self, _w: &mut Writer, _ctx: &Context) -> Result<()> {
        Ok(())
    }
}
