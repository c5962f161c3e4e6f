//! `h5ox ls`: the members of a group, one line each, like h5ls.

use std::io::Write;
use std::path::PathBuf;

use h5oxide::{File, Link, Object};

/// Arguments of `h5ox ls`.
#[derive(clap::Args)]
pub struct Args {
    /// Recurse into groups.
    #[arg(short, long)]
    recursive: bool,
    /// The HDF5 file.
    file: PathBuf,
    /// The group (or object) to list; the root by default.
    #[arg(default_value = "/")]
    path: String,
}

/// One line for an object: `name  Kind {shape}`, as h5ls prints it.
fn describe(obj: &Object) -> String {
    match obj {
        Object::Group(_) => "Group".to_owned(),
        Object::Dataset(d) => {
            let dims: Vec<String> = d
                .shape()
                .iter()
                .zip(d.max_shape())
                .map(|(n, m)| match m {
                    Some(m) if m == *n => n.to_string(),
                    Some(m) => format!("{n}/{m}"),
                    None => format!("{n}/Inf"),
                })
                .collect();
            let shape = if d.is_null() {
                "NULL".to_owned()
            } else if dims.is_empty() {
                "SCALAR".to_owned()
            } else {
                format!("{{{}}}", dims.join(", "))
            };
            format!("Dataset {shape} {}", d.dtype().descriptor())
        }
        Object::Datatype(_) => "Type".to_owned(),
        _ => "Object".to_owned(),
    }
}

fn line(
    out: &mut impl Write,
    name: &str,
    file: &File,
    full: &str,
    link: &Link,
) -> std::io::Result<()> {
    let what = match link {
        Link::Soft { target } => match file.root().object(full) {
            Ok(o) => format!("Soft Link {{{target}}} -> {}", describe(&o)),
            Err(_) => format!("Soft Link {{{target}}} (dangling)"),
        },
        Link::External { file: f, path } => format!("External Link {{{f}/{path}}}"),
        Link::UserDefined { link_type, .. } => format!("User-defined link (type {link_type})"),
        Link::Hard { .. } => match file.root().object(full) {
            Ok(o) => describe(&o),
            Err(e) => format!("(unreadable: {e})"),
        },
        _ => "Link".to_owned(),
    };
    writeln!(out, "{name:<24} {what}")
}

/// Runs `h5ox ls`.
///
/// # Errors
/// The file or path cannot be opened or read.
pub fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let file = File::open(&a.file)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let group = match file.root().object(&a.path)? {
        Object::Group(g) => g,
        o => {
            writeln!(out, "{:<24} {}", o.name(), describe(&o))?;
            return Ok(());
        }
    };
    let base = group.name().to_owned();
    let full = |rel: &str| {
        if base.ends_with('/') {
            format!("{base}{rel}")
        } else {
            format!("{base}/{rel}")
        }
    };
    if a.recursive {
        let mut err = None;
        group.visit(&mut |rel, link| {
            if let Err(e) = line(&mut out, &full(rel), &file, &full(rel), link) {
                err = Some(e);
            }
            Ok(())
        })?;
        if let Some(e) = err {
            return Err(e.into());
        }
    } else {
        for (name, link) in group.links()? {
            line(&mut out, &name, &file, &full(&name), &link)?;
        }
    }
    out.flush()?;
    Ok(())
}
