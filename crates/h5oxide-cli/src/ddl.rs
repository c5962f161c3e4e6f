//! `h5ox dump`: the file in h5dump's DDL text form.

use std::collections::BTreeMap;
use std::io::{self, Write};

use h5oxide::format::object_header::message::dataspace::{Dataspace, DataspaceKind, UNLIMITED};
use h5oxide::format::object_header::message::datatype::Datatype;
use h5oxide::{Attributes, Dataset, Group, Link, Object, Value};

use crate::tree::{join, Tree};
use crate::types::type_ddl;
use crate::values::{quote, value_ddl_typed};

/// Width h5dump wraps data lines at.
const WIDTH: usize = 80;
/// Nesting bound for groups printed inside groups.
const MAX_DEPTH: usize = 256;

/// What to print.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Print no data at all (`-H`).
    pub header_only: bool,
    /// Print attribute data but not dataset data (`-A`).
    pub attrs_only: bool,
}

impl Options {
    fn dataset_data(&self) -> bool {
        !self.header_only && !self.attrs_only
    }

    fn attr_data(&self) -> bool {
        !self.header_only
    }
}

/// The DDL printer: the tree for reference targets, and the objects already printed (h5dump
/// prints a second hard link to an object as `HARDLINK "<first path>"`).
pub struct Printer<'a, W: Write> {
    out: W,
    tree: &'a Tree,
    opts: Options,
    printed: BTreeMap<u64, String>,
}

fn pad(n: usize) -> String {
    " ".repeat(n)
}

/// `SCALAR`, `NULL` or `SIMPLE { ( 3, 5 ) / ( H5S_UNLIMITED, 5 ) }`.
pub fn space_ddl(s: &Dataspace) -> String {
    match s.kind {
        DataspaceKind::Null => "NULL".into(),
        DataspaceKind::Scalar => "SCALAR".into(),
        DataspaceKind::Simple => {
            let dims: Vec<String> = s.dims.iter().map(u64::to_string).collect();
            let max: Vec<String> = s
                .max_dims_or_dims()
                .iter()
                .map(|&d| {
                    if d == UNLIMITED {
                        "H5S_UNLIMITED".to_owned()
                    } else {
                        d.to_string()
                    }
                })
                .collect();
            format!(
                "SIMPLE {{ ( {} ) / ( {} ) }}",
                dims.join(", "),
                max.join(", ")
            )
        }
    }
}

/// The row-major index of element `i` in `dims`, as h5dump prints it: `(2,0)`.
fn index_of(mut i: u64, dims: &[u64]) -> String {
    if dims.is_empty() {
        return "(0)".into();
    }
    let mut idx = vec![0u64; dims.len()];
    for (k, &d) in dims.iter().enumerate().rev() {
        if d > 0 {
            idx[k] = i % d;
            i /= d;
        }
    }
    let parts: Vec<String> = idx.iter().map(u64::to_string).collect();
    format!("({})", parts.join(","))
}

/// Data lines as h5dump lays them out: `(index): a, b, c,` wrapped at 80 columns, a new
/// line at the start of every row of a multi-dimensional space.
pub fn data_lines(items: &[String], dims: &[u64], indent: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let last = dims.last().copied().unwrap_or(0);
    let mut line = String::new();
    // An element spanning lines (compound, multi-row array) stands on lines of its own.
    let mut multi_line_before = false;
    for (i, s) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { "," } else { "" };
        let row_start = (dims.len() > 1 && last > 0 && (i as u64) % last == 0)
            || s.contains('\n')
            || multi_line_before;
        multi_line_before = s.contains('\n');
        // h5dump counts three columns more than the line holds before it wraps.
        if line.is_empty() || row_start || line.len() + 3 + s.len() + sep.len() + 1 > WIDTH {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line = format!("{}{}: {s}{sep}", pad(indent), index_of(i as u64, dims));
        } else {
            line.push(' ');
            line.push_str(s);
            line.push_str(sep);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

impl<'a, W: Write> Printer<'a, W> {
    /// A printer writing to `out`.
    pub fn new(out: W, tree: &'a Tree, opts: Options) -> Self {
        Printer {
            out,
            tree,
            opts,
            printed: BTreeMap::new(),
        }
    }

    fn data(
        &mut self,
        values: Result<Vec<Value>, String>,
        dtype: &Datatype,
        dims: &[u64],
        ind: usize,
    ) -> io::Result<()> {
        writeln!(self.out, "{}DATA {{", pad(ind))?;
        match values {
            Ok(v) => {
                let items: Vec<String> = v
                    .iter()
                    .map(|x| value_ddl_typed(x, dtype, self.tree, ind + 6, true))
                    .collect();
                for l in data_lines(&items, dims, ind) {
                    writeln!(self.out, "{l}")?;
                }
            }
            Err(e) => writeln!(self.out, "{}unable to read data: {e}", pad(ind))?,
        }
        writeln!(self.out, "{}}}", pad(ind))
    }

    fn attributes(&mut self, attrs: Attributes, ind: usize) -> io::Result<()> {
        let list = match attrs.list() {
            Ok(l) => l,
            Err(e) => return writeln!(self.out, "{}unable to read attributes: {e}", pad(ind)),
        };
        for a in list {
            writeln!(self.out, "{}ATTRIBUTE {} {{", pad(ind), quote(a.name()))?;
            let inner = ind + 3;
            writeln!(
                self.out,
                "{}DATATYPE  {}",
                pad(inner),
                type_ddl(a.dtype(), inner)
            )?;
            writeln!(
                self.out,
                "{}DATASPACE  {}",
                pad(inner),
                space_ddl(a.space())
            )?;
            if self.opts.attr_data() {
                let values = if a.space().kind == DataspaceKind::Null {
                    Ok(Vec::new())
                } else {
                    a.values().map_err(|e| e.to_string())
                };
                self.data(values, a.dtype(), &a.shape(), inner)?;
            }
            writeln!(self.out, "{}}}", pad(ind))?;
        }
        Ok(())
    }

    /// A dataset block: `DATASET "name" { DATATYPE .. DATASPACE .. DATA .. ATTRIBUTE .. }`.
    pub fn dataset(&mut self, name: &str, ds: &Dataset, ind: usize) -> io::Result<()> {
        writeln!(self.out, "{}DATASET {} {{", pad(ind), quote(name))?;
        let inner = ind + 3;
        writeln!(
            self.out,
            "{}DATATYPE  {}",
            pad(inner),
            type_ddl(ds.dtype(), inner)
        )?;
        writeln!(
            self.out,
            "{}DATASPACE  {}",
            pad(inner),
            space_ddl(&crate::json::reported_space(ds))
        )?;
        if self.opts.dataset_data() {
            let values = if ds.is_null() {
                Ok(Vec::new())
            } else {
                ds.read_values().map_err(|e| e.to_string())
            };
            self.data(values, ds.dtype(), &ds.shape(), inner)?;
        }
        self.attributes(ds.attrs(), inner)?;
        writeln!(self.out, "{}}}", pad(ind))
    }

    /// A group block with its attributes and members, recursively.
    pub fn group(&mut self, name: &str, g: &Group, ind: usize, depth: usize) -> io::Result<()> {
        writeln!(self.out, "{}GROUP {} {{", pad(ind), quote(name))?;
        self.printed.insert(g.address(), g.name().to_owned());
        let inner = ind + 3;
        self.attributes(g.attrs(), inner)?;
        let links = match g.links() {
            Ok(l) => l,
            Err(e) => {
                writeln!(self.out, "{}unable to list links: {e}", pad(inner))?;
                return writeln!(self.out, "{}}}", pad(ind));
            }
        };
        for (lname, link) in links {
            let path = join(g.name(), &lname);
            self.member(&lname, &path, g, &link, inner, depth)?;
        }
        writeln!(self.out, "{}}}", pad(ind))
    }

    fn member(
        &mut self,
        name: &str,
        path: &str,
        parent: &Group,
        link: &Link,
        ind: usize,
        depth: usize,
    ) -> io::Result<()> {
        let p = pad(ind);
        let inner = pad(ind + 3);
        match link {
            Link::Hard { address } => {
                let obj = match parent.object(name) {
                    Ok(o) => o,
                    Err(e) => return writeln!(self.out, "{p}unable to open {}: {e}", quote(name)),
                };
                let keyword = match &obj {
                    Object::Group(_) => "GROUP",
                    Object::Dataset(_) => "DATASET",
                    _ => "DATATYPE",
                };
                if let Some(first) = self.printed.get(address) {
                    writeln!(self.out, "{p}{keyword} {} {{", quote(name))?;
                    writeln!(self.out, "{inner}HARDLINK {}", quote(first))?;
                    return writeln!(self.out, "{p}}}");
                }
                self.printed.insert(*address, path.to_owned());
                match &obj {
                    Object::Group(g) if depth < MAX_DEPTH => self.group(name, g, ind, depth + 1),
                    Object::Group(_) => writeln!(self.out, "{p}GROUP {} {{ }}", quote(name)),
                    Object::Dataset(d) => self.dataset(name, d, ind),
                    Object::Datatype(t) => match t.dtype() {
                        Ok(dt) => writeln!(
                            self.out,
                            "{p}DATATYPE {} {};",
                            quote(name),
                            type_ddl(&dt, ind)
                        ),
                        Err(e) => {
                            writeln!(self.out, "{p}DATATYPE {} unreadable: {e};", quote(name))
                        }
                    },
                    _ => Ok(()),
                }
            }
            Link::Soft { target } => {
                writeln!(self.out, "{p}SOFTLINK {} {{", quote(name))?;
                writeln!(self.out, "{inner}LINKTARGET {}", quote(target))?;
                writeln!(self.out, "{p}}}")
            }
            Link::External { file, path } => {
                writeln!(self.out, "{p}EXTERNAL_LINK {} {{", quote(name))?;
                writeln!(self.out, "{inner}TARGETFILE {}", quote(file))?;
                writeln!(self.out, "{inner}TARGETPATH {}", quote(path))?;
                writeln!(self.out, "{p}}}")
            }
            Link::UserDefined { link_type, .. } => {
                writeln!(self.out, "{p}USERDEFINED_LINK {} {{", quote(name))?;
                writeln!(self.out, "{inner}LINKCLASS {link_type}")?;
                writeln!(self.out, "{p}}}")
            }
            _ => Ok(()),
        }
    }
}
