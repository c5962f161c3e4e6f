//! Shared pieces of the malformed-file tests (`tests/malformed_registry.rs`,
//! `tests/mutation_sweep.rs`): a full walk of a file through the public API that collects
//! every error, a small deterministic random generator, byte mutations, and helpers that
//! locate structures in a file's bytes.

use std::fmt;

use h5oxide::format::{ErrorKind, Limits};
use h5oxide::{Attributes, Dataset, Error, File, Link, Object};

/// Most errors one walk keeps (the first is what tests assert; the rest are context).
const MAX_ERRORS: usize = 64;

/// Most paths one walk visits, so a file with a huge group tree stays fast to walk.
const MAX_PATHS: usize = 10_000;

/// What a full walk of a file met.
#[derive(Debug, Default)]
pub struct Walked {
    /// Objects opened (groups, datasets, committed datatypes), the root included.
    pub objects: usize,
    /// Dataset and attribute elements decoded.
    pub values: usize,
    /// Every error met, in walk order, with where it was met.
    pub errors: Vec<(String, Error)>,
}

impl Walked {
    /// The first error met, if any.
    pub fn first_error(&self) -> Option<&Error> {
        self.errors.first().map(|(_, e)| e)
    }

    fn push(&mut self, at: impl Into<String>, e: Error) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push((at.into(), e));
        }
    }
}

/// Budgets small enough that a mutated file cannot make a walk allocate or loop much,
/// large enough that every fixture walks cleanly.
pub fn sweep_limits() -> Limits {
    Limits {
        max_structure_bytes: 16 << 20,
        max_read_bytes: 4 << 20,
        max_depth: 32,
        max_continuations: 1024,
        max_messages: 65_536,
        max_link_hops: 16,
    }
}

/// Opens `bytes` in memory under `limits` and walks everything reachable.
///
/// # Errors
/// The file does not open (the superblock or root group is unreadable).
pub fn walk_bytes(bytes: Vec<u8>, limits: Limits) -> Result<Walked, Error> {
    let file = File::options().limits(limits).open_bytes(bytes)?;
    Ok(walk(&file))
}

/// Walks everything reachable from the root: every link (hard links through `visit`, soft
/// and external links resolved), every object's attributes with their values, every
/// dataset's values (stored bytes and decoded values) and every committed datatype. Errors
/// do not stop the walk; they are collected in order.
pub fn walk(file: &File) -> Walked {
    let mut w = Walked::default();
    let root = file.root();
    w.objects += 1;
    attributes(&root.attrs(), "/", &mut w);
    let mut paths = Vec::new();
    if let Err(e) = root.visit(&mut |path, link| {
        if paths.len() < MAX_PATHS {
            paths.push((path.to_string(), link.clone()));
        }
        Ok(())
    }) {
        w.push("visit /", e);
    }
    for (path, link) in &paths {
        let shown = format!("/{path}");
        match root.object(path) {
            Ok(obj) => object(&obj, &shown, &mut w),
            // A dangling soft link and a missing external file are valid in a file.
            Err(e) if matches!(link, Link::Soft { .. } | Link::External { .. }) && dangling(&e) => {
            }
            Err(e) => w.push(shown, e),
        }
    }
    w
}

/// A link whose target does not exist (not a loop or a read error).
fn dangling(e: &Error) -> bool {
    match e {
        Error::NotFound { .. } => true,
        Error::Link { reason, .. } => {
            *reason == h5oxide::external_link::NOT_FOUND || reason.starts_with("dangling")
        }
        _ => false,
    }
}

fn object(obj: &Object, shown: &str, w: &mut Walked) {
    w.objects += 1;
    match obj {
        Object::Group(g) => {
            if let Err(e) = g.len() {
                w.push(shown, e);
            }
            attributes(&g.attrs(), shown, w);
        }
        Object::Dataset(d) => {
            attributes(&d.attrs(), shown, w);
            dataset(d, shown, w);
        }
        Object::Datatype(t) => {
            if let Err(e) = t.dtype() {
                w.push(shown, e);
            }
            attributes(&t.attrs(), shown, w);
        }
        #[allow(unreachable_patterns)]
        _ => {}
    }
}

fn attributes(attrs: &Attributes, shown: &str, w: &mut Walked) {
    let list = match attrs.list() {
        Ok(l) => l,
        Err(e) => return w.push(format!("{shown} attributes"), e),
    };
    for a in list {
        let at = format!("{shown} attribute {}", a.name());
        if let Err(e) = a.raw() {
            w.push(at.clone(), e);
        }
        match a.values() {
            Ok(v) => w.values += v.len(),
            Err(e) => w.push(at, e),
        }
    }
}

fn dataset(d: &Dataset, shown: &str, w: &mut Walked) {
    let _ = (d.shape(), d.max_shape(), d.chunks(), d.dtype().descriptor());
    if let Err(e) = d.read_bytes() {
        w.push(shown, e);
        return;
    }
    match d.read_values() {
        Ok(v) => w.values += v.len(),
        Err(e) => w.push(shown, e),
    }
}

/// Whether `kind` is the same variant as `expected`, whatever its fields.
pub fn same_kind(kind: &ErrorKind, expected: &ErrorKind) -> bool {
    std::mem::discriminant(kind) == std::mem::discriminant(expected)
}

/// A splitmix64 generator: deterministic, seeded, good enough to pick mutations.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// One edit of a file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// Flips bit `bit` (0..8) of the byte at `offset`.
    Flip {
        /// Byte offset.
        offset: usize,
        /// Bit number.
        bit: u8,
    },
    /// Overwrites bytes from `offset` with `bytes`.
    Set {
        /// Byte offset.
        offset: usize,
        /// The new bytes (cut at the end of the file).
        bytes: Vec<u8>,
    },
    /// Cuts the file to `len` bytes.
    Truncate {
        /// The new length.
        len: usize,
    },
    /// Copies `len` bytes from `from` over the bytes at `to`.
    Splice {
        /// Source offset.
        from: usize,
        /// Destination offset.
        to: usize,
        /// Bytes copied (cut at the end of the file).
        len: usize,
    },
    /// Inserts a copy of `len` bytes from `from` at `to`, moving what follows.
    Insert {
        /// Source offset.
        from: usize,
        /// Insertion offset.
        to: usize,
        /// Bytes inserted.
        len: usize,
    },
    /// Removes `len` bytes at `offset`, moving what follows.
    Delete {
        /// Byte offset.
        offset: usize,
        /// Bytes removed.
        len: usize,
    },
}

/// Values that make good field contents in a hostile file: zero, all ones, sign bits, and
/// sizes just past common bounds.
const INTERESTING: &[u64] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0xffff,
    0x7fff_ffff,
    0xffff_ffff,
    0x1_0000_0000,
    0x7fff_ffff_ffff_ffff,
    u64::MAX,
];

impl Mutation {
    /// A random mutation of a file of `len` bytes. Half of the offsets are drawn near
    /// `hot` offsets (structure starts), where a change is most likely to matter.
    pub fn random(rng: &mut Rng, len: usize, hot: &[usize]) -> Mutation {
        let len64 = len.max(1) as u64;
        let offset = |rng: &mut Rng| -> usize {
            if !hot.is_empty() && rng.below(2) == 0 {
                let base = hot[rng.below(hot.len() as u64) as usize];
                (base + rng.below(256) as usize).min(len.saturating_sub(1))
            } else {
                rng.below(len64) as usize
            }
        };
        let run = |rng: &mut Rng| -> usize {
            // Mostly short runs, sometimes long ones.
            match rng.below(4) {
                0 => 1 + rng.below(4096) as usize,
                _ => 1 + rng.below(16) as usize,
            }
        };
        match rng.below(8) {
            0 | 1 => Mutation::Flip {
                offset: offset(rng),
                bit: rng.below(8) as u8,
            },
            2 => Mutation::Set {
                offset: offset(rng),
                bytes: vec![rng.next_u64() as u8],
            },
            3 => {
                let v = INTERESTING[rng.below(INTERESTING.len() as u64) as usize];
                let width = [1usize, 2, 4, 8][rng.below(4) as usize];
                Mutation::Set {
                    offset: offset(rng),
                    bytes: v.to_le_bytes()[..width].to_vec(),
                }
            }
            4 => Mutation::Truncate { len: offset(rng) },
            5 => Mutation::Splice {
                from: rng.below(len64) as usize,
                to: offset(rng),
                len: run(rng),
            },
            6 => Mutation::Insert {
                from: rng.below(len64) as usize,
                to: offset(rng),
                len: run(rng),
            },
            _ => Mutation::Delete {
                offset: offset(rng),
                len: run(rng),
            },
        }
    }

    /// Applies the mutation to `bytes` (offsets past the end are cut to it).
    pub fn apply(&self, bytes: &mut Vec<u8>) {
        let n = bytes.len();
        match *self {
            Mutation::Flip { offset, bit } => {
                if let Some(b) = bytes.get_mut(offset) {
                    *b ^= 1 << (bit & 7);
                }
            }
            Mutation::Set {
                offset,
                bytes: ref v,
            } => {
                for (i, &b) in v.iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(offset + i) {
                        *slot = b;
                    }
                }
            }
            Mutation::Truncate { len } => bytes.truncate(len),
            Mutation::Splice { from, to, len } => {
                let from = from.min(n);
                let len = len.min(n - from).min(n.saturating_sub(to));
                if to < n {
                    bytes.copy_within(from..from + len, to);
                }
            }
            Mutation::Insert { from, to, len } => {
                let from = from.min(n);
                let piece = bytes[from..from + len.min(n - from)].to_vec();
                let to = to.min(n);
                bytes.splice(to..to, piece);
            }
            Mutation::Delete { offset, len } => {
                let offset = offset.min(n);
                bytes.drain(offset..offset + len.min(n - offset));
            }
        }
    }
}

impl fmt::Display for Mutation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mutation::Flip { offset, bit } => write!(f, "flip bit {bit} at {offset:#x}"),
            Mutation::Set { offset, bytes } => write!(f, "set {bytes:02x?} at {offset:#x}"),
            Mutation::Truncate { len } => write!(f, "truncate to {len:#x}"),
            Mutation::Splice { from, to, len } => {
                write!(f, "copy {len} bytes from {from:#x} over {to:#x}")
            }
            Mutation::Insert { from, to, len } => {
                write!(f, "insert {len} bytes from {from:#x} at {to:#x}")
            }
            Mutation::Delete { offset, len } => write!(f, "delete {len} bytes at {offset:#x}"),
        }
    }
}

/// Signatures of the format's structures (spec sections II-III).
pub const SIGNATURES: &[&[u8; 4]] = &[
    b"OHDR", b"OCHK", b"TREE", b"HEAP", b"SNOD", b"GCOL", b"FRHP", b"FHDB", b"FHIB", b"BTHD",
    b"BTIN", b"BTLF", b"FAHD", b"FADB", b"EAHD", b"EAIB", b"EASB", b"EADB", b"SMTB", b"SMLI",
    b"FSHD", b"FSSE",
];

/// Every offset where `needle` occurs in `hay`.
pub fn find_all(hay: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return Vec::new();
    }
    (0..=hay.len() - needle.len())
        .filter(|&i| &hay[i..i + needle.len()] == needle)
        .collect()
}

/// Offsets where structures start: the superblock signature and every structure signature.
pub fn structure_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut out = find_all(bytes, b"\x89HDF\r\n\x1a\n");
    for sig in SIGNATURES {
        out.extend(find_all(bytes, &sig[..]));
    }
    out.sort_unstable();
    out
}
