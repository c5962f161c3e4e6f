//! Data object headers (spec IV.A): prefixes v1 and v2, messages, continuation chains.

pub mod message;
pub mod prefix;
