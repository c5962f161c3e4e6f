//! `h5ox ls`: the members of a group, one line each, like h5ls.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use h5oxide::format::object_header::message::dataspace::DataspaceKind;
use h5oxide::format::object_header::message::layout::Storage;
use h5oxide::{Attributes, Dataset, File, Group, Link, Object};

use crate::props::filter_name;
use crate::storage::ChunkStorage;
use crate::tree::join;

/// Deepest group nesting `ls -r` descends into.
const MAX_DEPTH: usize = 256;

/// Arguments of `h5ox ls`.
#[derive(clap::Args)]
pub struct Args {
    /// Recurse into groups (each object once: a second hard link prints "same as").
    #[arg(short, long)]
    recursive: bool,
    /// Verbose: per dataset its address, layout and chunk shape, filters (name, id,
    /// parameters), storage size and compression ratio; per object its attributes with
    /// type and shape.
    #[arg(short, long)]
    verbose: bool,
    /// The HDF5 file.
    file: PathBuf,
    /// The group (or object) to list; the root by default.
    #[arg(default_value = "/")]
    path: String,
}

fn shape_text(dims: &[u64], max: &[Option<u64>], kind: DataspaceKind) -> String {
    match kind {
        DataspaceKind::Null => "NULL".to_owned(),
        DataspaceKind::Scalar => "SCALAR".to_owned(),
        DataspaceKind::Simple => {
            let dims: Vec<String> = dims
                .iter()
                .zip(max)
                .map(|(n, m)| match m {
                    Some(m) if m == n => n.to_string(),
                    Some(m) => format!("{n}/{m}"),
                    None => format!("{n}/Inf"),
                })
                .collect();
            format!("{{{}}}", dims.join(", "))
        }
    }
}

/// One line for an object: `Kind {shape} type`, as h5ls prints it.
fn describe(obj: &Object) -> String {
    match obj {
        Object::Group(_) => "Group".to_owned(),
        Object::Dataset(d) => {
            let shape = shape_text(&d.shape(), &d.max_shape(), d.space().kind);
            format!("Dataset {shape} {}", d.dtype().descriptor())
        }
        Object::Datatype(_) => "Type".to_owned(),
        _ => "Object".to_owned(),
    }
}

/// Bytes the dataset's stored data takes in the file: the compact data, the contiguous
/// block (0 when never allocated), or the stored chunks summed from the chunk index.
fn stored_bytes(d: &Dataset, chunks: Option<&ChunkStorage>) -> Result<u64, String> {
    match &d.layout().storage {
        Storage::Compact { data, .. } => Ok(data.len() as u64),
        Storage::Contiguous { address, size, .. } => {
            if *address == h5oxide::format::UNDEFINED_ADDRESS {
                Ok(0)
            } else {
                size.or_else(|| d.size().checked_mul(d.dtype().element_size() as u64))
                    .ok_or_else(|| "size overflows".to_owned())
            }
        }
        Storage::Chunked(c) => match chunks {
            Some(cs) => cs.allocated(d, c),
            None => Err("file not reopened".to_owned()),
        },
        _ => Err("not available for this layout".to_owned()),
    }
}

fn verbose_dataset(
    out: &mut impl Write,
    d: &Dataset,
    chunks: Option<&ChunkStorage>,
) -> std::io::Result<()> {
    writeln!(out, "    Address:   {}", d.address())?;
    let elem = d.dtype().element_size() as u64;
    match &d.layout().storage {
        Storage::Compact { .. } => writeln!(out, "    Layout:    compact")?,
        Storage::Contiguous { .. } => writeln!(out, "    Layout:    contiguous")?,
        Storage::Chunked(c) => {
            let dims: Vec<String> = c.dims.iter().map(u64::to_string).collect();
            let bytes = c
                .chunk_bytes()
                .map_or_else(|| "overflowing".to_owned(), |b| b.to_string());
            writeln!(out, "    Chunks:    {{{}}} {bytes} bytes", dims.join(", "))?;
        }
        Storage::Virtual { .. } => writeln!(out, "    Layout:    virtual")?,
    }
    if let Some(p) = d.filters() {
        for (i, f) in p.filters.iter().enumerate() {
            let params: Vec<String> = f.client_data.iter().map(u32::to_string).collect();
            let opt = if f.is_optional() { " OPT" } else { "" };
            writeln!(
                out,
                "    Filter-{i}:  {} (id {}){opt} {{{}}}",
                filter_name(f),
                f.id,
                params.join(", ")
            )?;
        }
    }
    let logical = d.size().saturating_mul(elem);
    match stored_bytes(d, chunks) {
        Ok(s) => {
            let ratio = if s > 0 {
                format!(", {:.3}:1 compression", logical as f64 / s as f64)
            } else {
                String::new()
            };
            writeln!(
                out,
                "    Storage:   {logical} logical bytes, {s} allocated bytes{ratio}"
            )?;
        }
        Err(e) => writeln!(
            out,
            "    Storage:   {logical} logical bytes, allocated size unknown ({e})"
        )?,
    }
    Ok(())
}

fn verbose_attrs(out: &mut impl Write, attrs: Attributes) -> std::io::Result<()> {
    match attrs.list() {
        Ok(list) => {
            for a in list {
                let max: Vec<Option<u64>> = a.shape().iter().map(|&n| Some(n)).collect();
                writeln!(
                    out,
                    "    Attribute: {} {} {}",
                    a.name(),
                    shape_text(&a.shape(), &max, a.space().kind),
                    a.dtype().descriptor()
                )?;
            }
            Ok(())
        }
        Err(e) => writeln!(out, "    Attribute: (unreadable: {e})"),
    }
}

fn verbose(
    out: &mut impl Write,
    obj: &Object,
    chunks: Option<&ChunkStorage>,
) -> std::io::Result<()> {
    match obj {
        Object::Group(g) => {
            writeln!(out, "    Address:   {}", g.address())?;
            verbose_attrs(out, g.attrs())
        }
        Object::Dataset(d) => {
            verbose_dataset(out, d, chunks)?;
            verbose_attrs(out, d.attrs())
        }
        Object::Datatype(t) => verbose_attrs(out, t.attrs()),
        _ => Ok(()),
    }
}

/// The listing state: options and the first path of every object seen, so a second hard
/// link prints "same as" (as h5ls does) and is not descended into.
struct Lister<'a, W: Write> {
    out: W,
    file: &'a File,
    args: &'a Args,
    seen: BTreeMap<u64, String>,
    chunks: Option<ChunkStorage>,
}

impl<W: Write> Lister<'_, W> {
    fn line(&mut self, shown: &str, full: &str, link: &Link) -> std::io::Result<Option<Group>> {
        let mut descend = None;
        let (what, obj) = match link {
            Link::Soft { target } => match self.file.root().object(full) {
                Ok(o) => (format!("Soft Link {{{target}}} -> {}", describe(&o)), None),
                Err(_) => (format!("Soft Link {{{target}}} (dangling)"), None),
            },
            Link::External { file: f, path } => (format!("External Link {{{f}/{path}}}"), None),
            Link::UserDefined { link_type, .. } => {
                (format!("User-defined link (type {link_type})"), None)
            }
            Link::Hard { address } => match self.file.root().object(full) {
                Ok(o) => match self.seen.get(address) {
                    Some(first) => {
                        let kind = describe(&o);
                        let kind = kind.split(' ').next().unwrap_or("Object");
                        (format!("{kind}, same as {first}"), None)
                    }
                    None => {
                        self.seen.insert(*address, full.to_owned());
                        if let Object::Group(g) = &o {
                            descend = Some(g.clone());
                        }
                        (describe(&o), Some(o))
                    }
                },
                Err(e) => (format!("(unreadable: {e})"), None),
            },
            _ => ("Link".to_owned(), None),
        };
        writeln!(self.out, "{shown:<24} {what}")?;
        if self.args.verbose {
            if let Some(o) = &obj {
                verbose(&mut self.out, o, self.chunks.as_ref())?;
            }
        }
        Ok(descend)
    }

    fn recurse(&mut self, group: &Group, depth: usize) -> Result<(), Box<dyn std::error::Error>> {
        for (name, link) in group.links()? {
            let full = join(group.name(), &name);
            if let Some(child) = self.line(&full, &full, &link)? {
                if depth < MAX_DEPTH {
                    self.recurse(&child, depth + 1)?;
                }
            }
        }
        Ok(())
    }
}

/// Runs `h5ox ls`.
///
/// # Errors
/// The file or path cannot be opened or read.
pub fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let file = File::open(&a.file)?;
    let stdout = std::io::stdout();
    let out = std::io::BufWriter::new(stdout.lock());
    let start = file.root().object(&a.path)?;
    let mut l = Lister {
        out,
        file: &file,
        args: a,
        seen: BTreeMap::new(),
        // A second read-only view of the file for the chunk indexes (verbose only).
        chunks: if a.verbose {
            ChunkStorage::open(&a.file).ok()
        } else {
            None
        },
    };
    l.seen.insert(start.address(), start.name().to_owned());
    let group = match start {
        Object::Group(g) => g,
        o => {
            writeln!(l.out, "{:<24} {}", o.name(), describe(&o))?;
            if a.verbose {
                verbose(&mut l.out, &o, l.chunks.as_ref())?;
            }
            l.out.flush()?;
            return Ok(());
        }
    };
    if a.recursive {
        writeln!(l.out, "{:<24} Group", group.name())?;
        if a.verbose {
            verbose(&mut l.out, &Object::Group(group.clone()), l.chunks.as_ref())?;
        }
        l.recurse(&group, 0)?;
    } else {
        for (name, link) in group.links()? {
            let full = join(group.name(), &name);
            l.line(&name, &full, &link)?;
        }
    }
    l.out.flush()?;
    Ok(())
}
