//! `h5ox`: list, dump, export, import, check, summarise, repack and rebuild HDF5 files.
//!
//! The library target holds the commands behind the `h5ox` binary ([`run_cli`]) and the
//! in-memory entry point of `h5ox check` ([`check_bytes`]), which the fuzz targets drive.
#![deny(missing_docs)]

mod check;
mod clear_flags;
mod ddl;
mod dump;
mod elements;
mod export;
mod import;
mod json;
mod load_json;
mod ls;
mod progress;
mod props;
mod repack;
mod revised_json;
mod stat;
mod storage;
mod tree;
mod types;
mod values;

use std::process::ExitCode;

pub use check::{check_bytes, CheckOutcome};

use clap::{Parser, Subcommand};

/// List and inspect HDF5 files without the C library.
#[derive(Parser)]
#[command(name = "h5ox", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List a group's members (like h5ls).
    ///
    /// Example: h5ox ls -r -v data.h5 /subPano
    Ls(ls::Args),
    /// Print the file as h5dump-style DDL text, or as HDF5/JSON with --json.
    ///
    /// Examples: h5ox dump -H data.h5;  h5ox dump -d /group/x data.h5;
    /// h5ox dump --json --max-values 1000 data.h5 > data.json
    Dump(dump::Args),
    /// Write one dataset as a NumPy .npy file (integers, IEEE floats, boolean enums,
    /// fixed-length strings and compounds of these; stored byte order kept).
    ///
    /// Example: h5ox export data.h5 /group/x x.npy
    Export(export::Args),
    /// Validate the whole file: superblock, every object header, link, attribute and chunk,
    /// addresses inside the file and no overlapping structures. One line per problem;
    /// exit status 0 for a clean file (dangling links are only warnings), 1 otherwise.
    ///
    /// Example: h5ox check --max-bytes 268435456 data.h5
    Check(check::Args),
    /// Object and link counts, metadata and raw data sizes, compression ratio per filter
    /// pipeline and a histogram of stored chunk sizes (--json for machine output).
    ///
    /// Example: h5ox stat --json data.h5
    Stat(stat::Args),
    /// Write a NumPy .npy file (v1-v3; bool, integers, floats, complex, S<n> strings,
    /// structured types) as a new dataset, creating the file and groups as needed.
    ///
    /// Example: h5ox import x.npy data.h5 /group/x --chunk 1000,10 --filter shuffle+gzip=4
    Import(import::Args),
    /// Rewrite every group, dataset, attribute and link into a new compact file, optionally
    /// with other filters, chunk shapes or format generation, then compare it with the input.
    /// References are rewritten to name the copied objects; variable-length data, fill
    /// values and their fill and allocation times are kept.
    ///
    /// Examples: h5ox repack in.h5 out.h5;  h5ox repack --filter zstd=3 --libver latest
    /// in.h5 out.h5;  h5ox repack --filter /big:lz4 --chunk /big=1024,64 in.h5 out.h5
    Repack(repack::Args),
    /// Build an HDF5 file from HDF5/JSON as `h5ox dump --json` writes it (object and region
    /// references and variable-length sequences included).
    ///
    /// Example: h5ox dump --json a.h5 > a.json && h5ox load-json a.json b.h5
    LoadJson(load_json::Args),
    /// Clear the superblock's file consistency flags a crashed writer left set (like
    /// `h5clear -s`), editing the superblock in place; exit status 0 when done.
    ///
    /// Example: h5ox clear-flags data.h5
    ClearFlags(clear_flags::Args),
}

/// Parses the command line and runs the `h5ox` command it names; the process exit status.
pub fn run_cli() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ls(a) => ls::run(&a),
        Command::Dump(a) => dump::run(&a),
        Command::Export(a) => export::run(&a),
        Command::Check(a) => return check::run(&a),
        Command::Stat(a) => stat::run(&a),
        Command::Import(a) => import::run(&a),
        Command::Repack(a) => repack::run(&a),
        Command::LoadJson(a) => load_json::run(&a),
        Command::ClearFlags(a) => clear_flags::run(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, whatever the error's own formatting.
            let msg = e.to_string().replace('\n', " ");
            eprintln!("h5ox: {msg}");
            ExitCode::from(1)
        }
    }
}
