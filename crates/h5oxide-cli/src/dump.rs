//! `h5ox dump`: h5dump-style DDL text, or HDF5/JSON with `--json`.

use std::io::Write;
use std::path::PathBuf;

use h5oxide::{File, Object};

use crate::ddl::{self, Printer};
use crate::json;
use crate::tree::Tree;

/// Arguments of `h5ox dump`.
#[derive(clap::Args)]
pub struct Args {
    /// Print the file in the HDF Group's HDF5/JSON form instead of DDL text. Objects are keyed
    /// by ids made from their object header addresses ("g-96", "d-800", "t-1984"); every
    /// object lists its paths under "alias". Floats that JSON cannot spell are the strings
    /// "NaN", "Infinity", "-Infinity"; unlimited maximum dimensions are "H5S_UNLIMITED". A
    /// dataset whose value cannot be read gets "value": null and a "valueError" message.
    #[arg(long)]
    json: bool,
    /// With --json: leave out every "value" (structure, types and shapes only).
    #[arg(long, requires = "json")]
    no_values: bool,
    /// With --json: a dataset of more than N elements gets only its leading rows along
    /// dimension 0 that fit in N elements, as a nested list, plus "valueTruncated": true and
    /// "valueTotal": <element count>.
    #[arg(
        long,
        value_name = "N",
        requires = "json",
        conflicts_with = "no_values"
    )]
    max_values: Option<u64>,
    /// Dump only this dataset (may be repeated).
    #[arg(
        short = 'd',
        long = "dataset",
        value_name = "PATH",
        conflicts_with = "json"
    )]
    datasets: Vec<String>,
    /// Header and attribute values only: no dataset data.
    #[arg(short = 'A', long = "onlyattr", conflicts_with = "json")]
    attrs_only: bool,
    /// Header only: types and shapes, no data at all.
    #[arg(short = 'H', long = "header", conflicts_with = "json")]
    header: bool,
    /// The HDF5 file.
    file: PathBuf,
}

/// Runs `h5ox dump`.
///
/// # Errors
/// The file cannot be opened, a `-d` path is not a dataset, or writing fails.
pub fn run(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let file = File::open(&a.file)?;
    let tree = Tree::walk(&file);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if a.json {
        let opts = json::Options {
            values: !a.no_values,
            max_values: a.max_values,
        };
        let doc = json::document(&tree, opts);
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    let opts = ddl::Options {
        header_only: a.header,
        attrs_only: a.attrs_only,
    };
    // Open every requested dataset before printing anything, so a bad path prints nothing.
    let mut wanted = Vec::new();
    for p in &a.datasets {
        match file.root().object(p)? {
            Object::Dataset(d) => wanted.push((p.clone(), d)),
            o => return Err(format!("{p} is a {}, not a dataset", o.kind().as_str()).into()),
        }
    }
    writeln!(out, "HDF5 \"{}\" {{", a.file.display())?;
    let mut printer = Printer::new(&mut out, &tree, opts);
    if wanted.is_empty() {
        printer.group("/", &file.root(), 0, 0)?;
    } else {
        for (p, d) in &wanted {
            printer.dataset(p, d, 0)?;
        }
    }
    drop(printer);
    writeln!(out, "}}")?;
    out.flush()?;
    Ok(())
}
