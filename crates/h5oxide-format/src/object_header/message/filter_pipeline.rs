//! The Data Storage - Filter Pipeline message, type 0x000B (spec IV.A.2.l).

use alloc::string::String;
use alloc::vec::Vec;

/// One filter of a pipeline, in the order filters are applied when writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterDescription {
    /// Filter identification value: 1 deflate, 2 shuffle, 3 fletcher32, 4 szip, 5 nbit,
    /// 6 scale-offset; 256 and above are registered third-party filters (32000 LZF, ...).
    pub id: u16,
    /// The name stored with the filter, if any (without its null terminator).
    pub name: Option<String>,
    /// Bit 0 set: the filter is optional; a failure to apply it is not an error.
    pub flags: u16,
    /// The filter's parameters ("client data").
    pub client_data: Vec<u32>,
}

impl FilterDescription {
    /// True if the filter is optional (flags bit 0).
    pub fn is_optional(&self) -> bool {
        self.flags & 1 != 0
    }
}

/// The filter pipeline of a chunked dataset.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilterPipeline {
    /// Message version: 1 (names and padding always stored) or 2.
    pub version: u8,
    /// The filters, in the order applied on write.
    pub filters: Vec<FilterDescription>,
}
