//! Typed errors of the codec: what went wrong, in which structure, at which file offset.

use core::fmt;

/// Why a structure could not be decoded or encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The structure runs past the end of the bytes available for it.
    UnexpectedEof {
        /// Bytes the decoder needed.
        needed: u64,
        /// Bytes that remained.
        available: u64,
    },
    /// A signature ("HDF\r\n\x1a\n", "OHDR", "TREE", ...) did not match.
    BadSignature {
        /// The signature expected here.
        expected: &'static [u8],
    },
    /// A stored checksum differs from the one computed over the bytes.
    ChecksumMismatch {
        /// The checksum stored in the file.
        stored: u32,
        /// The checksum computed from the bytes.
        computed: u32,
    },
    /// A version number this implementation does not know.
    UnsupportedVersion {
        /// The version found.
        version: u8,
    },
    /// A field holds a value the specification does not allow.
    InvalidValue {
        /// The field's name.
        field: &'static str,
        /// The value found.
        value: u64,
    },
    /// A feature of the format that is valid but not implemented.
    Unsupported {
        /// What is not supported.
        what: &'static str,
    },
    /// An address points outside the file.
    AddressOutOfRange {
        /// The address.
        address: u64,
        /// The file's size (end of file).
        eof: u64,
    },
    /// A chain of structures (continuations, B-tree siblings, links) loops.
    Cycle {
        /// The address seen twice.
        address: u64,
    },
    /// A resource limit of [`crate::Limits`] was exceeded.
    LimitExceeded {
        /// The limit's name.
        limit: &'static str,
        /// The value requested.
        requested: u64,
        /// The limit in force.
        allowed: u64,
    },
    /// A message marked "fail if unknown" has a type this implementation does not know.
    UnknownMessage {
        /// The message type.
        message_type: u16,
    },
    /// A value does not fit the field it must be encoded into.
    EncodeOverflow {
        /// The field's name.
        field: &'static str,
    },
}

/// An error from decoding or encoding a structure of the format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The structure being decoded, as the specification names it.
    pub structure: &'static str,
    /// The file offset of the byte where the problem was found.
    pub offset: u64,
}

impl FormatError {
    /// Creates an error of `kind` in `structure` at file `offset`.
    pub fn new(kind: ErrorKind, structure: &'static str, offset: u64) -> Self {
        FormatError {
            kind,
            structure,
            offset,
        }
    }

    /// Replaces the structure name, keeping kind and offset (for errors raised by a
    /// generic helper on behalf of a named structure).
    pub fn in_structure(mut self, structure: &'static str) -> Self {
        self.structure = structure;
        self
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::UnexpectedEof { needed, available } => write!(
                f,
                "truncated: needs {needed} bytes, only {available} available"
            ),
            ErrorKind::BadSignature { expected } => {
                write!(f, "bad signature (expected {:?})", Escaped(expected))
            }
            ErrorKind::ChecksumMismatch { stored, computed } => write!(
                f,
                "checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ),
            ErrorKind::UnsupportedVersion { version } => write!(f, "unsupported version {version}"),
            ErrorKind::InvalidValue { field, value } => {
                write!(f, "invalid value {value} for {field}")
            }
            ErrorKind::Unsupported { what } => write!(f, "not supported: {what}"),
            ErrorKind::AddressOutOfRange { address, eof } => write!(
                f,
                "address {address:#x} is outside the file (end of file {eof:#x})"
            ),
            ErrorKind::Cycle { address } => write!(f, "cycle: address {address:#x} seen twice"),
            ErrorKind::LimitExceeded {
                limit,
                requested,
                allowed,
            } => write!(
                f,
                "limit {limit} exceeded: {requested} requested, {allowed} allowed"
            ),
            ErrorKind::UnknownMessage { message_type } => write!(
                f,
                "unknown message type {message_type} marked fail-if-unknown"
            ),
            ErrorKind::EncodeOverflow { field } => {
                write!(f, "value does not fit in field {field}")
            }
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at offset {:#x}: {}",
            self.structure, self.offset, self.kind
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for FormatError {}

struct Escaped<'a>(&'a [u8]);

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for &b in self.0 {
            for c in core::ascii::escape_default(b) {
                f.write_str(core::str::from_utf8(&[c]).unwrap_or("?"))?;
            }
        }
        f.write_str("\"")
    }
}

/// Shorthand for results of the codec.
pub type Result<T> = core::result::Result<T, FormatError>;
