//! The filter pipeline: filters applied in order on write and in reverse on read.
